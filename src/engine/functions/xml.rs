//! `parse_xml(text)`: XML to a dynamic value the way Kusto converts it (Json.NET's XML
//! mapping): an element becomes a property named after it; attributes become `@name`
//! properties; text-only elements become strings; text beside attributes or children is
//! `#text`; repeated child names become arrays; an empty element is null. The XML
//! declaration, comments and processing instructions are skipped. Malformed XML is null.

use serde_json::{Map, Value as J};

use super::dynamic::from_json;
use super::{Args, FuncDef, Ret, f};
use crate::data::{Kind, Value};

pub(super) const FUNCTIONS: &[FuncDef] = &[f("parse_xml", 1, 1, Ret::K(Kind::Dynamic), parse_xml)];

fn parse_xml(a: &Args<'_>) -> Value {
    if a.is_null(0) {
        return Value::Null;
    }
    let text = a.str(0);
    let mut p = Parser {
        s: text.as_bytes(),
        src: &text,
        i: 0,
        depth: 0,
    };
    match p.document() {
        Some(j) => from_json(j),
        None => Value::Null,
    }
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 128;

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.src[self.i..]
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// Skip `<?...?>`, `<!--...-->` and `<!DOCTYPE ...>`; true if something was skipped.
    fn skip_misc(&mut self) -> Option<bool> {
        let (open, close) = if self.rest().starts_with("<?") {
            ("<?", "?>")
        } else if self.rest().starts_with("<!--") {
            ("<!--", "-->")
        } else if self.rest().starts_with("<!DOCTYPE") {
            ("<!DOCTYPE", ">")
        } else {
            return Some(false);
        };
        let end = self.rest()[open.len()..].find(close)?;
        self.i += open.len() + end + close.len();
        Some(true)
    }

    fn document(&mut self) -> Option<J> {
        loop {
            self.skip_ws();
            if !self.skip_misc()? {
                break;
            }
        }
        let (name, value) = self.element()?;
        loop {
            self.skip_ws();
            if !self.skip_misc()? {
                break;
            }
        }
        if self.i != self.s.len() {
            return None;
        }
        let mut m = Map::new();
        m.insert(name, value);
        Some(J::Object(m))
    }

    fn name(&mut self) -> Option<String> {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c.is_ascii_whitespace() || matches!(c, b'/' | b'>' | b'=' | b'<') {
                break;
            }
            self.i += 1;
        }
        (self.i > start).then(|| self.src[start..self.i].to_string())
    }

    /// One element at `<`: its name and value.
    fn element(&mut self) -> Option<(String, J)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH || self.s.get(self.i) != Some(&b'<') {
            return None;
        }
        self.i += 1;
        let name = self.name()?;
        let mut attrs = Map::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i)? {
                b'/' => {
                    if self.s.get(self.i + 1) != Some(&b'>') {
                        return None;
                    }
                    self.i += 2;
                    self.depth -= 1;
                    let v = if attrs.is_empty() {
                        J::Null
                    } else {
                        J::Object(attrs)
                    };
                    return Some((name, v));
                }
                b'>' => {
                    self.i += 1;
                    break;
                }
                _ => {
                    let an = self.name()?;
                    self.skip_ws();
                    if self.s.get(self.i) != Some(&b'=') {
                        return None;
                    }
                    self.i += 1;
                    self.skip_ws();
                    let q = *self.s.get(self.i)?;
                    if q != b'"' && q != b'\'' {
                        return None;
                    }
                    self.i += 1;
                    let end = self.rest().find(q as char)?;
                    let raw = &self.src[self.i..self.i + end];
                    self.i += end + 1;
                    attrs.insert(format!("@{an}"), J::String(unescape(raw)?));
                }
            }
        }
        let mut children: Map<String, J> = Map::new();
        let mut text = String::new();
        loop {
            if self.i >= self.s.len() {
                return None;
            }
            if self.rest().starts_with("</") {
                self.i += 2;
                let close = self.name()?;
                self.skip_ws();
                if close != name || self.s.get(self.i) != Some(&b'>') {
                    return None;
                }
                self.i += 1;
                break;
            }
            if self.rest().starts_with("<![CDATA[") {
                let end = self.rest().find("]]>")?;
                text.push_str(&self.src[self.i + 9..self.i + end]);
                self.i += end + 3;
                continue;
            }
            if self.skip_misc()? {
                continue;
            }
            if self.s[self.i] == b'<' {
                let (cn, cv) = self.element()?;
                match children.get_mut(&cn) {
                    Some(J::Array(items)) => items.push(cv),
                    Some(existing) => {
                        let first = existing.take();
                        *existing = J::Array(vec![first, cv]);
                    }
                    None => {
                        children.insert(cn, cv);
                    }
                }
                continue;
            }
            let end = self.rest().find('<').unwrap_or(self.rest().len());
            text.push_str(&unescape(&self.src[self.i..self.i + end])?);
            self.i += end;
        }
        self.depth -= 1;
        let text = text.trim();
        let value = if attrs.is_empty() && children.is_empty() {
            if text.is_empty() {
                J::Null
            } else {
                J::String(text.to_string())
            }
        } else {
            let mut m = attrs;
            if !text.is_empty() {
                m.insert("#text".into(), J::String(text.to_string()));
            }
            m.extend(children);
            J::Object(m)
        };
        Some((name, value))
    }
}

/// Decode XML entities; an unknown entity makes the document malformed.
fn unescape(s: &str) -> Option<String> {
    if !s.contains('&') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';')?;
        let ent = &after[..end];
        let c = match ent {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") || e.starts_with("#X") => {
                char::from_u32(u32::from_str_radix(&e[2..], 16).ok()?)?
            }
            e if e.starts_with('#') => char::from_u32(e[1..].parse().ok()?)?,
            _ => return None,
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xml(s: &str) -> Option<String> {
        let mut p = Parser {
            s: s.as_bytes(),
            src: s,
            i: 0,
            depth: 0,
        };
        p.document().map(|j| j.to_string())
    }

    #[test]
    fn elements_attributes_and_repeats() {
        assert_eq!(
            xml(r#"<?xml version="1.0"?><e><id>1</id><c k="v">5</c><r>a</r><r>b</r><n/></e>"#)
                .as_deref(),
            Some(r##"{"e":{"id":"1","c":{"@k":"v","#text":"5"},"r":["a","b"],"n":null}}"##)
        );
        assert_eq!(
            xml("<a>x &amp; &#65;</a>").as_deref(),
            Some(r#"{"a":"x & A"}"#)
        );
        assert_eq!(xml("<a><b></a>"), None);
        assert_eq!(xml("not xml"), None);
        assert_eq!(xml(&"<a>".repeat(500)), None);
    }
}
