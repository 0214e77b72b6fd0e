//! Inspect-to-query, as in the portal: a cell becomes a `| where` clause (`==`, `!=` or
//! `has`) with the value quoted for KQL by its kind: strings escaped (controls and bidi
//! characters as `\uXXXX`, so the editor never holds them raw), datetimes as `datetime(…)`,
//! numbers bare, null as `isnull(Col)`, and column names bracketed when they are not plain
//! identifiers.

use crate::data::format::{datetime_text, plain_text};
use crate::data::time::format_timespan;
use crate::data::value::format_guid;
use crate::data::{Kind, ValueRef};
use crate::kql::keywords::is_keyword;

/// The comparison to add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Has,
}

/// A column name as KQL source: bare when it is an identifier, else `['…']`.
pub fn column_ref(name: &str) -> String {
    let mut chars = name.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(name);
    if plain {
        return name.to_string();
    }
    let mut out = String::from("['");
    for c in name.chars() {
        push_escaped(&mut out, c, '\'');
    }
    out.push_str("']");
    out
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if c.is_control()
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') =>
        {
            out.push_str(&format!("\\u{:04x}", c as u32));
        }
        c => out.push(c),
    }
}

/// A KQL string literal for `text`.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// The value as a KQL literal of its kind.
pub fn literal(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => "dynamic(null)".into(),
        ValueRef::Bool(b) => b.to_string(),
        ValueRef::Int(i) => i.to_string(),
        ValueRef::Long(i) => i.to_string(),
        ValueRef::Real(f) if f.is_nan() => "real(nan)".into(),
        ValueRef::Real(f) if f.is_infinite() => {
            if f > 0.0 { "real(+inf)" } else { "real(-inf)" }.into()
        }
        ValueRef::Real(f) => format!("{f:?}"),
        ValueRef::String(s) => string_literal(s),
        ValueRef::DateTime(t) => format!("datetime({})", datetime_text(t)),
        ValueRef::TimeSpan(t) => format!("totimespan({})", string_literal(&format_timespan(t))),
        ValueRef::Guid(g) => format!("guid({})", format_guid(g)),
        ValueRef::Dynamic(j) => string_literal(j),
    }
}

/// The clause body (without `| where `) comparing column `name` of `kind` with `value`.
pub fn predicate(name: &str, kind: Kind, value: ValueRef<'_>, op: Op) -> String {
    let col = column_ref(name);
    if value.is_null() {
        return match op {
            Op::Ne => format!("isnotnull({col})"),
            Op::Eq | Op::Has => format!("isnull({col})"),
        };
    }
    if op == Op::Has {
        return format!("{col} has {}", string_literal(&plain_text(value)));
    }
    let sym = if op == Op::Eq { "==" } else { "!=" };
    if kind == Kind::Dynamic {
        // Dynamic values do not compare with `==`; their JSON text does.
        return format!("tostring({col}) {sym} {}", literal(value));
    }
    format!("{col} {sym} {}", literal(value))
}

/// `text` with `| where <predicate>` appended on a new line after the query that spans
/// `query` (a byte range of `text`); returns the new text and the byte offset just after
/// the inserted clause.
pub fn append_where(text: &str, query: std::ops::Range<usize>, predicate: &str) -> (String, usize) {
    let end = query.start + text[query.clone()].trim_end().len();
    let clause = format!("\n| where {predicate}");
    let mut out = String::with_capacity(text.len() + clause.len());
    out.push_str(&text[..end]);
    out.push_str(&clause);
    out.push_str(&text[end..]);
    (out, end + clause.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::parse_datetime;

    #[test]
    fn each_kind_is_quoted_for_kql() {
        let p = |kind, v, op| predicate("Col", kind, v, op);
        assert_eq!(
            p(Kind::String, ValueRef::String("a\"b\\c\n\u{202e}"), Op::Eq),
            r#"Col == "a\"b\\c\n\u202e""#
        );
        assert_eq!(
            p(
                Kind::DateTime,
                ValueRef::DateTime(parse_datetime("2023-11-14T22:13:20.5Z").unwrap()),
                Op::Ne
            ),
            "Col != datetime(2023-11-14T22:13:20.5000000Z)"
        );
        assert_eq!(p(Kind::Long, ValueRef::Long(-42), Op::Eq), "Col == -42");
        assert_eq!(p(Kind::Real, ValueRef::Real(1.0), Op::Eq), "Col == 1.0");
        assert_eq!(p(Kind::Bool, ValueRef::Bool(true), Op::Eq), "Col == true");
        assert_eq!(p(Kind::Long, ValueRef::Null, Op::Eq), "isnull(Col)");
        assert_eq!(p(Kind::Long, ValueRef::Null, Op::Ne), "isnotnull(Col)");
        assert_eq!(
            p(Kind::String, ValueRef::String("cmd.exe"), Op::Has),
            r#"Col has "cmd.exe""#
        );
        assert_eq!(
            p(Kind::Dynamic, ValueRef::Dynamic(r#"{"a":1}"#), Op::Eq),
            r#"tostring(Col) == "{\"a\":1}""#
        );
        assert_eq!(
            p(Kind::TimeSpan, ValueRef::TimeSpan(90 * 10_000_000), Op::Eq),
            r#"Col == totimespan("00:01:30")"#
        );
        assert_eq!(
            p(Kind::Guid, ValueRef::Guid(1), Op::Eq),
            "Col == guid(00000000-0000-0000-0000-000000000001)"
        );
    }

    #[test]
    fn odd_column_names_are_bracketed() {
        assert_eq!(column_ref("FileName"), "FileName");
        assert_eq!(column_ref("_x1"), "_x1");
        assert_eq!(column_ref("my col"), "['my col']");
        assert_eq!(column_ref("it's"), r"['it\'s']");
        assert_eq!(column_ref("where"), "['where']");
        assert_eq!(column_ref("1st"), "['1st']");
    }

    #[test]
    fn the_clause_goes_after_the_query_under_the_cursor() {
        let text = "T | take 5\n\nU | count  \n\nV";
        let (out, at) = append_where(text, 12..23, "A == 1");
        assert_eq!(out, "T | take 5\n\nU | count\n| where A == 1  \n\nV");
        assert_eq!(&out[..at], "T | take 5\n\nU | count\n| where A == 1");
    }
}
