//! String functions: concatenation, splitting, searching, trimming, replacing, regular
//! expressions, case, sizes, URL and Base64 codecs, and the structured parsers
//! (`parse_url`, `parse_path`, `parse_command_line`, `parse_csv`). Positions and lengths
//! count characters (Unicode scalar values); `string_size` counts UTF-8 bytes. Regular
//! expressions use RE2 syntax, as Kusto's do; constant patterns are compiled once.

use serde_json::{Map, Value as J};

use super::dynamic::{as_json, from_json};
use super::{Args, FuncDef, Ret, f, fr};
use crate::data::format::plain_text;
use crate::data::{Kind, Value, ValueRef};

const S: Ret = Ret::K(Kind::String);
const L: Ret = Ret::K(Kind::Long);
const B: Ret = Ret::K(Kind::Bool);
const D: Ret = Ret::K(Kind::Dynamic);

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("tolower", 1, 1, S, tolower),
    f("toupper", 1, 1, S, toupper),
    f("strlen", 1, 1, L, strlen),
    f("string_size", 1, 1, L, string_size),
    f("strcat", 1, 64, S, strcat),
    f("strcat_delim", 3, 65, S, strcat_delim),
    f("strcat_array", 2, 2, S, strcat_array),
    f("split", 2, 3, D, split),
    f("substring", 2, 3, S, substring),
    f("indexof", 2, 5, L, indexof),
    f("strcmp", 2, 2, Ret::K(Kind::Int), strcmp),
    fr("trim", 2, 2, S, trim, 0),
    fr("trim_start", 2, 2, S, trim, 0),
    fr("trim_end", 2, 2, S, trim, 0),
    f("replace_string", 3, 3, S, replace_string),
    fr("replace_regex", 3, 3, S, replace_regex, 1),
    fr("replace", 3, 3, S, replace_legacy, 0),
    fr("extract", 3, 4, Ret::F(extract_kind), extract, 0),
    fr("extract_all", 2, 3, D, extract_all, 0),
    fr("countof", 2, 3, L, countof, 1),
    f("reverse", 1, 1, S, reverse),
    f("strrep", 2, 3, S, strrep),
    f("translate", 3, 3, S, translate),
    f("has_any_index", 2, 2, L, has_any_index),
    f("isascii", 1, 1, B, isascii),
    f("isutf8", 1, 1, B, isutf8),
    f("url_encode", 1, 1, S, url_encode),
    f("url_encode_component", 1, 1, S, url_encode),
    f("url_decode", 1, 1, S, url_decode),
    f("base64_encode_tostring", 1, 1, S, base64_encode),
    f("base64_encodestring", 1, 1, S, base64_encode),
    f("base64_decode_tostring", 1, 1, S, base64_decode),
    f("base64_decodestring", 1, 1, S, base64_decode),
    f("base64_decode_toarray", 1, 1, D, base64_decode_toarray),
    f("base64_encode_fromarray", 1, 1, S, base64_encode_fromarray),
    f(
        "unicode_codepoints_from_string",
        1,
        1,
        D,
        codepoints_from_string,
    ),
    f(
        "unicode_codepoints_to_string",
        1,
        64,
        S,
        codepoints_to_string,
    ),
    f("make_string", 1, 64, S, codepoints_to_string),
    f("parse_url", 1, 1, D, parse_url),
    f("parseurl", 1, 1, D, parse_url),
    f("parse_urlquery", 1, 1, D, parse_urlquery),
    f("parse_path", 1, 1, D, parse_path),
    f("parse_command_line", 2, 2, D, parse_command_line),
    f("parse_csv", 1, 1, D, parse_csv),
];

/// The pattern actually compiled for a regular-expression argument of `function`.
pub(super) fn wrap_pattern(function: &str, pattern: &str) -> String {
    match function {
        "trim" => format!("^(?:{pattern})+|(?:{pattern})+$"),
        "trim_start" => format!("^(?:{pattern})+"),
        "trim_end" => format!("(?:{pattern})+$"),
        _ => pattern.to_string(),
    }
}

fn string(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

fn tolower(a: &Args<'_>) -> Value {
    string(a.str(0).to_lowercase())
}

fn toupper(a: &Args<'_>) -> Value {
    string(a.str(0).to_uppercase())
}

fn strlen(a: &Args<'_>) -> Value {
    Value::Long(a.str(0).chars().count() as i64)
}

fn string_size(a: &Args<'_>) -> Value {
    Value::Long(a.str(0).len() as i64)
}

fn strcat(a: &Args<'_>) -> Value {
    let mut out = String::new();
    for v in a.v {
        out.push_str(&plain_text(*v));
    }
    string(out)
}

fn strcat_delim(a: &Args<'_>) -> Value {
    let delim = a.str(0);
    let parts: Vec<_> = a.v[1..].iter().map(|v| plain_text(*v)).collect();
    string(parts.join(&delim))
}

/// Text of one JSON element the way `tostring()` prints it (strings unquoted, null empty).
fn json_text(j: &J) -> String {
    match j {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        other => other.to_string(),
    }
}

fn strcat_array(a: &Args<'_>) -> Value {
    match as_json(a.get(0)) {
        Some(J::Array(items)) => {
            let parts: Vec<String> = items.iter().map(json_text).collect();
            string(parts.join(&a.str(1)))
        }
        _ => Value::Null,
    }
}

/// `split(source, delimiter [, index])`: an array of parts; with an index, an array holding
/// just that part (empty when out of range).
fn split(a: &Args<'_>) -> Value {
    let s = a.str(0);
    let delim = a.str(1);
    let parts: Vec<J> = if delim.is_empty() {
        vec![J::String(s.into_owned())]
    } else {
        s.split(&*delim).map(|p| J::String(p.to_string())).collect()
    };
    if a.len() > 2 {
        let Some(i) = a.long(2) else {
            return Value::Null;
        };
        let picked = usize::try_from(i)
            .ok()
            .and_then(|i| parts.get(i).cloned())
            .into_iter()
            .collect();
        return from_json(J::Array(picked));
    }
    from_json(J::Array(parts))
}

/// `substring(source, start [, length])`: a negative start counts from the end.
fn substring(a: &Args<'_>) -> Value {
    let s = a.str(0);
    let Some(start) = a.long(1) else {
        return Value::Null;
    };
    let n = s.chars().count() as i64;
    let start = if start < 0 { (n + start).max(0) } else { start };
    let len = if a.len() > 2 {
        match a.long(2) {
            Some(l) => l.max(0),
            None => return Value::Null,
        }
    } else {
        n
    };
    string(
        s.chars()
            .skip(start as usize)
            .take(len.min(n) as usize)
            .collect::<String>(),
    )
}

/// `indexof(source, lookup [, start [, length [, occurrence]]])`: character position or -1.
fn indexof(a: &Args<'_>) -> Value {
    if a.is_null(0) || a.is_null(1) {
        return Value::Null;
    }
    let s: Vec<char> = a.str(0).chars().collect();
    let needle: Vec<char> = a.str(1).chars().collect();
    let n = s.len() as i64;
    let start = a.long(2).unwrap_or(0);
    let start = if start < 0 { (n + start).max(0) } else { start };
    if start > n {
        return Value::Long(-1);
    }
    let length = if a.len() > 3 {
        a.long(3).unwrap_or(-1)
    } else {
        -1
    };
    let occurrence = if a.len() > 4 {
        a.long(4).unwrap_or(1)
    } else {
        1
    };
    if occurrence < 1 {
        return Value::Null;
    }
    // Each further occurrence is searched from just after the previous one, over a window
    // of the same length (the page's examples pin this down).
    let m = needle.len() as i64;
    let find = |from: i64| -> Option<i64> {
        let end = if length < 0 {
            n
        } else {
            (from + length).min(n)
        };
        (from..=end - m).find(|&i| s[i as usize..(i + m) as usize] == needle[..])
    };
    let mut from = start;
    let mut hit = -1;
    for _ in 0..occurrence {
        match find(from) {
            Some(i) => {
                hit = i;
                from = i + 1;
            }
            None => return Value::Long(-1),
        }
    }
    Value::Long(hit)
}

fn strcmp(a: &Args<'_>) -> Value {
    Value::Int(match a.str(0).cmp(&a.str(1)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// `trim(regex, source)` and its `_start`/`_end` forms (the pattern is wrapped by
/// `wrap_pattern` so one replacement removes the leading and trailing matches).
fn trim(a: &Args<'_>) -> Value {
    let source = a.str(1);
    match a.regex(0) {
        Some(re) => string(re.replace_all(&source, "").into_owned()),
        None => Value::Null,
    }
}

fn replace_string(a: &Args<'_>) -> Value {
    let (text, lookup) = (a.str(0), a.str(1));
    if lookup.is_empty() {
        return string(text.into_owned());
    }
    string(text.replace(&*lookup, &a.str(2)))
}

/// Kusto rewrites refer to groups as `\1`; the regex crate wants `${1}`.
fn rewrite(r: &str) -> String {
    let mut out = String::with_capacity(r.len());
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut n = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    n.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{n}}}"));
            }
            '$' => out.push_str("$$"),
            c => out.push(c),
        }
    }
    out
}

fn regex_replace(a: &Args<'_>, source: usize, pattern: usize, with: usize) -> Value {
    let Some(re) = a.regex(pattern) else {
        return Value::Null;
    };
    let text = a.str(source);
    string(
        re.replace_all(&text, rewrite(&a.str(with)).as_str())
            .into_owned(),
    )
}

/// `replace_regex(source, regex, rewrite)`.
fn replace_regex(a: &Args<'_>) -> Value {
    regex_replace(a, 0, 1, 2)
}

/// The deprecated `replace(regex, rewrite, source)`.
fn replace_legacy(a: &Args<'_>) -> Value {
    regex_replace(a, 2, 0, 1)
}

fn extract_kind(k: &[Kind]) -> Kind {
    k.get(3).copied().unwrap_or(Kind::String)
}

/// `extract(regex, group, source [, typeof(T)])`: the group's text of the first match,
/// converted to T when asked; empty (null for other types) when nothing matches.
fn extract(a: &Args<'_>) -> Value {
    let want = a.prep.and_then(|p| p.kind);
    let found = (|| {
        let re = a.regex(0)?;
        let group = usize::try_from(a.long(1)?).ok()?;
        let text = a.str(2);
        let caps = re.captures(&text)?;
        Some(caps.get(group)?.as_str().to_string())
    })();
    match (found, want) {
        (None, _) => Value::Null,
        (Some(s), None | Some(Kind::String)) => Value::String(s),
        (Some(s), Some(k)) => super::convert(ValueRef::String(&s), k),
    }
}

/// `extract_all(regex, [groups,] source)`: every match; one group gives an array of strings,
/// several an array of arrays. Null when nothing matches.
fn extract_all(a: &Args<'_>) -> Value {
    let Some(re) = a.regex(0) else {
        return Value::Null;
    };
    let (groups, text) = if a.len() == 3 {
        let Some(J::Array(g)) = as_json(a.get(1)) else {
            return Value::Null;
        };
        let g: Vec<usize> = g
            .iter()
            .filter_map(|x| x.as_u64().map(|n| n as usize))
            .collect();
        (Some(g), a.str(2))
    } else {
        (None, a.str(1))
    };
    let groups = groups.unwrap_or_else(|| {
        if re.captures_len() > 1 {
            (1..re.captures_len()).collect()
        } else {
            vec![0]
        }
    });
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        let pick = |g: usize| J::String(caps.get(g).map_or("", |m| m.as_str()).to_string());
        if groups.len() == 1 {
            out.push(pick(groups[0]));
        } else {
            out.push(J::Array(groups.iter().map(|g| pick(*g)).collect()));
        }
    }
    if out.is_empty() {
        Value::Null
    } else {
        from_json(J::Array(out))
    }
}

/// `countof(source, search [, "normal"|"regex"])`: plain search counts overlapping
/// occurrences; regex counts matches.
fn countof(a: &Args<'_>) -> Value {
    let text = a.str(0);
    let kind = if a.len() > 2 {
        a.str(2).to_ascii_lowercase()
    } else {
        "normal".into()
    };
    if kind == "regex" {
        return match a.regex(1) {
            Some(re) => Value::Long(re.find_iter(&text).count() as i64),
            None => Value::Null,
        };
    }
    let needle = a.str(1);
    if needle.is_empty() {
        return Value::Long(0);
    }
    let mut count = 0;
    let mut from = 0;
    while let Some(p) = text[from..].find(&*needle) {
        count += 1;
        from += p + text[from + p..].chars().next().map_or(1, char::len_utf8);
    }
    Value::Long(count)
}

fn reverse(a: &Args<'_>) -> Value {
    string(a.str(0).chars().rev().collect::<String>())
}

/// `strrep(value, multiplier [, delimiter])`; the multiplier is capped like Kusto's (1024).
fn strrep(a: &Args<'_>) -> Value {
    let Some(n) = a.long(1) else {
        return Value::Null;
    };
    let n = n.clamp(0, 1024) as usize;
    let s = a.str(0);
    let d = if a.len() > 2 { a.str(2) } else { "".into() };
    string(vec![s.as_ref(); n].join(&d))
}

/// `translate(searchList, replacementList, source)`: characters mapped one to one; extra
/// search characters map to the last replacement, or are removed when it is empty.
fn translate(a: &Args<'_>) -> Value {
    let from: Vec<char> = a.str(0).chars().collect();
    let to: Vec<char> = a.str(1).chars().collect();
    let out = a
        .str(2)
        .chars()
        .filter_map(|c| match from.iter().position(|x| *x == c) {
            None => Some(c),
            Some(_) if to.is_empty() => None,
            Some(i) => Some(*to.get(i).unwrap_or(&to[to.len() - 1])),
        })
        .collect::<String>();
    string(out)
}

/// `has_any_index(source, values)`: the index of the first value (in array order) that
/// `source` has as a term, or -1.
fn has_any_index(a: &Args<'_>) -> Value {
    let Some(J::Array(values)) = as_json(a.get(1)) else {
        return Value::Null;
    };
    let text = a.str(0);
    let hit = values.iter().position(|v| {
        let needle = json_text(v);
        !needle.is_empty()
            && crate::engine::strings::has_term(
                &text,
                &needle,
                crate::engine::strings::TermMatch::Whole,
                false,
            )
    });
    Value::Long(hit.map_or(-1, |i| i as i64))
}

fn isascii(a: &Args<'_>) -> Value {
    Value::Bool(a.str(0).is_ascii())
}

fn isutf8(a: &Args<'_>) -> Value {
    // Text in the engine is always valid UTF-8.
    let _ = a;
    Value::Bool(true)
}

/// URL encoding as .NET's `HttpUtility.UrlEncode`, which Kusto uses: space becomes `+`,
/// reserved bytes `%xx` in lower-case hex.
fn url_encode(a: &Args<'_>) -> Value {
    let mut out = String::new();
    for b in a.str(0).bytes() {
        match b {
            b'a'..=b'z'
            | b'A'..=b'Z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(b as char),
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    string(out)
}

/// Percent-decoding (`+` is a space); null when the result is not UTF-8.
pub(super) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len()
                && b[i + 1].is_ascii_hexdigit()
                && b[i + 2].is_ascii_hexdigit() =>
            {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
                continue;
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn url_decode(a: &Args<'_>) -> Value {
    percent_decode(&a.str(0)).map_or(Value::Null, Value::String)
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn base64_encode(a: &Args<'_>) -> Value {
    use base64::Engine;
    string(b64().encode(a.str(0).as_bytes()))
}

fn base64_bytes(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let t = s.trim();
    b64().decode(t).ok().or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(t.trim_end_matches('='))
            .ok()
    })
}

/// `base64_decode_tostring`: null when the input is not Base64 or not UTF-8 text.
fn base64_decode(a: &Args<'_>) -> Value {
    base64_bytes(&a.str(0))
        .and_then(|b| String::from_utf8(b).ok())
        .map_or(Value::Null, Value::String)
}

fn base64_decode_toarray(a: &Args<'_>) -> Value {
    base64_bytes(&a.str(0)).map_or(Value::Null, |b| {
        from_json(J::Array(b.into_iter().map(J::from).collect()))
    })
}

fn base64_encode_fromarray(a: &Args<'_>) -> Value {
    use base64::Engine;
    let Some(J::Array(items)) = as_json(a.get(0)) else {
        return Value::Null;
    };
    let bytes: Option<Vec<u8>> = items
        .iter()
        .map(|x| x.as_u64().and_then(|n| u8::try_from(n).ok()))
        .collect();
    bytes.map_or(Value::Null, |b| string(b64().encode(b)))
}

fn codepoints_from_string(a: &Args<'_>) -> Value {
    from_json(J::Array(
        a.str(0).chars().map(|c| J::from(c as u32)).collect(),
    ))
}

fn codepoints_to_string(a: &Args<'_>) -> Value {
    let mut points = Vec::new();
    for v in a.v {
        match as_json(*v) {
            Some(J::Array(xs)) => points.extend(xs.iter().filter_map(J::as_u64)),
            _ => match super::long_of(*v) {
                Some(n) => points.push(n as u64),
                None => return Value::Null,
            },
        }
    }
    let s: Option<String> = points
        .into_iter()
        .map(|p| u32::try_from(p).ok().and_then(char::from_u32))
        .collect();
    s.map_or(Value::Null, Value::String)
}

fn query_bag(query: &str) -> Map<String, J> {
    let mut m = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k).unwrap_or_else(|| k.to_string());
        let v = percent_decode(v).unwrap_or_else(|| v.to_string());
        m.insert(k, J::String(v));
    }
    m
}

/// `parse_url(url)`: Scheme, Host, Port, Path, Username, Password, Query Parameters and
/// Fragment; an empty bag when the text is not an absolute URL.
fn parse_url(a: &Args<'_>) -> Value {
    let s = a.str(0);
    let mut m = Map::new();
    let Some((scheme, rest)) = s.split_once("://") else {
        return Value::Dynamic("{}".into());
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return Value::Dynamic("{}".into());
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (u, h),
        None => ("", authority),
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = if hostport.starts_with('[') {
        match hostport.find(']') {
            Some(i) => (
                &hostport[..=i],
                hostport[i + 1..].strip_prefix(':').unwrap_or(""),
            ),
            None => (hostport, ""),
        }
    } else {
        hostport.split_once(':').unwrap_or((hostport, ""))
    };
    let text = |x: &str| J::String(x.to_string());
    m.insert("Scheme".into(), text(scheme));
    m.insert("Host".into(), text(host));
    m.insert("Port".into(), text(port));
    m.insert("Path".into(), text(path));
    m.insert("Username".into(), text(user));
    m.insert("Password".into(), text(password));
    m.insert("Query Parameters".into(), J::Object(query_bag(query)));
    m.insert("Fragment".into(), text(fragment));
    Value::Dynamic(J::Object(m).to_string())
}

fn parse_urlquery(a: &Args<'_>) -> Value {
    let s = a.str(0);
    let q = s.split_once('?').map_or(s.as_ref(), |(_, q)| q);
    let mut m = Map::new();
    m.insert("Query Parameters".into(), J::Object(query_bag(q)));
    Value::Dynamic(J::Object(m).to_string())
}

/// `parse_path(path)`: Scheme, RootPath, DirectoryPath, DirectoryName, Filename, Extension
/// and AlternateDataStreamName, for Windows, UNC, Unix paths and URLs.
fn parse_path(a: &Args<'_>) -> Value {
    let s = a.str(0);
    let (scheme, body) = match s.split_once("://") {
        Some((sc, rest)) if !sc.contains(['\\', '/']) => (sc.to_string(), rest.to_string()),
        _ => (String::new(), s.to_string()),
    };
    let sep = if body.contains('\\') { '\\' } else { '/' };
    let root = if body.len() >= 2 && body.as_bytes()[1] == b':' {
        body[..2].to_string()
    } else if let Some(unc) = body.strip_prefix("\\\\") {
        let host = unc.split('\\').next().unwrap_or("");
        format!("\\\\{host}")
    } else if !scheme.is_empty() {
        body.split('/').next().unwrap_or("").to_string()
    } else {
        String::new()
    };
    let (dir, file) = match body.rfind(sep) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => ("", body.as_str()),
    };
    let (file, stream) = match file.split_once(':') {
        Some((f, st)) if sep == '\\' && !f.is_empty() => (f, st),
        _ => (file, ""),
    };
    let ext = file.rsplit_once('.').map_or("", |(_, e)| e);
    let dir_name = dir.rsplit(sep).next().unwrap_or("");
    let dir_path = if !scheme.is_empty() {
        format!("{scheme}://{dir}")
    } else {
        dir.to_string()
    };
    let mut m = Map::new();
    let text = |x: &str| J::String(x.to_string());
    m.insert("Scheme".into(), text(&scheme));
    m.insert("RootPath".into(), text(&root));
    m.insert("DirectoryPath".into(), text(&dir_path));
    m.insert("DirectoryName".into(), text(dir_name));
    m.insert("Filename".into(), text(file));
    m.insert("Extension".into(), text(ext));
    m.insert("AlternateDataStreamName".into(), text(stream));
    Value::Dynamic(J::Object(m).to_string())
}

/// Split a Windows command line the way `CommandLineToArgvW` does: whitespace separates
/// arguments, double quotes group, `2n` backslashes before a quote give `n` backslashes and
/// a quote toggle, `2n+1` give `n` and a literal quote, `""` inside quotes is a literal
/// quote. The program name (first token) ends at the first whitespace outside quotes and
/// takes backslashes literally.
pub(super) fn windows_argv(cmd: &str) -> Vec<String> {
    let chars: Vec<char> = cmd.chars().collect();
    let mut args = Vec::new();
    let mut i = 0;
    // The program name.
    let mut first = String::new();
    let mut quoted = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            quoted = !quoted;
        } else if (c == ' ' || c == '\t') && !quoted {
            break;
        } else {
            first.push(c);
        }
        i += 1;
    }
    if chars.is_empty() {
        return args;
    }
    args.push(first);
    loop {
        while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut arg = String::new();
        let mut quoted = false;
        while i < chars.len() {
            let c = chars[i];
            if c == '\\' {
                let mut n = 0;
                while i < chars.len() && chars[i] == '\\' {
                    n += 1;
                    i += 1;
                }
                if i < chars.len() && chars[i] == '"' {
                    arg.extend(std::iter::repeat_n('\\', n / 2));
                    if n % 2 == 1 {
                        arg.push('"');
                        i += 1;
                    }
                } else {
                    arg.extend(std::iter::repeat_n('\\', n));
                }
                continue;
            }
            if c == '"' {
                if quoted && chars.get(i + 1) == Some(&'"') {
                    arg.push('"');
                    i += 2;
                    continue;
                }
                quoted = !quoted;
                i += 1;
                continue;
            }
            if (c == ' ' || c == '\t') && !quoted {
                break;
            }
            arg.push(c);
            i += 1;
        }
        args.push(arg);
    }
    args
}

/// `parse_command_line(command_line, "windows")`: an array of arguments.
fn parse_command_line(a: &Args<'_>) -> Value {
    if !a.str(1).eq_ignore_ascii_case("windows") {
        return a.unsupported(format!(
            "parse_command_line parser '{}' (only \"windows\" exists)",
            a.str(1)
        ));
    }
    from_json(J::Array(
        windows_argv(&a.str(0)).into_iter().map(J::String).collect(),
    ))
}

/// `parse_csv(line)`: one CSV record (RFC 4180 quoting) as an array of strings.
fn parse_csv(a: &Args<'_>) -> Value {
    let s = a.str(0);
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(J::String(std::mem::take(&mut field))),
            '\n' | '\r' if !quoted => break,
            c => field.push(c),
        }
    }
    out.push(J::String(field));
    from_json(J::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_follows_windows_rules() {
        assert_eq!(
            windows_argv(r#"cmd.exe /c "echo hi" a\\\"b "c d"""#),
            vec!["cmd.exe", "/c", "echo hi", "a\\\"b", "c d\""]
        );
        assert_eq!(
            windows_argv(r#""C:\Program Files\x.exe" -a"#),
            vec!["C:\\Program Files\\x.exe", "-a"]
        );
        assert_eq!(windows_argv(r#"a "b\\" c"#), vec!["a", "b\\", "c"]);
        assert!(windows_argv("").is_empty());
    }

    #[test]
    fn rewrites_use_numbered_groups() {
        assert_eq!(rewrite(r"x\1y\12$"), "x${1}y${12}$$");
        assert_eq!(percent_decode("a%20b+c%zz"), Some("a b c%zz".into()));
        assert_eq!(percent_decode("%"), Some("%".into()));
    }
}
