//! How cells become text: for the grid (kind-aware, control characters escaped), as plain
//! text (KQL's `tostring()`), and as JSON for exports. Everything a hunt returns is
//! attacker-controlled, so `escape_control` is applied before text reaches a terminal,
//! clipboard or log.

use std::borrow::Cow;

use super::time::{format_datetime, format_timespan};
use super::value::{ValueRef, format_guid};

/// Characters that must never reach a terminal raw: C0/C1 controls, DEL, and the Unicode
/// bidirectional overrides and isolates that can make text display as something it is not.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Replace control and bidi-control characters with visible escapes (`\n`, `\t`, `\x1b`,
/// `\u{202e}`). Borrowed when there is nothing to escape.
pub fn escape_control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A datetime as KQL's `tostring()` prints it: fraction only when there is one.
pub fn datetime_text(ticks: i64) -> String {
    if ticks % super::time::TICKS_PER_SECOND == 0 {
        format_datetime(ticks, 0)
    } else {
        format_datetime(ticks, 7)
    }
}

fn real_text(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        f.to_string()
    }
}

/// The unescaped text of a value, as `tostring()` gives it (null is empty).
pub fn plain_text(v: ValueRef<'_>) -> Cow<'_, str> {
    match v {
        ValueRef::Null => Cow::Borrowed(""),
        ValueRef::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        ValueRef::Int(i) => Cow::Owned(i.to_string()),
        ValueRef::Long(i) => Cow::Owned(i.to_string()),
        ValueRef::Real(f) => Cow::Owned(real_text(f)),
        ValueRef::String(s) => Cow::Borrowed(s),
        ValueRef::DateTime(t) => Cow::Owned(datetime_text(t)),
        ValueRef::TimeSpan(t) => Cow::Owned(format_timespan(t)),
        ValueRef::Guid(g) => Cow::Owned(format_guid(g)),
        // A dynamic string value prints without its quotes, as in Kusto.
        ValueRef::Dynamic(j) => match serde_json::from_str::<serde_json::Value>(j) {
            Ok(serde_json::Value::String(s)) => Cow::Owned(s),
            _ => Cow::Borrowed(j),
        },
    }
}

/// The text a grid cell shows: kind-appropriate, escaped, datetimes to the millisecond.
pub fn display_text(v: ValueRef<'_>) -> Cow<'_, str> {
    match v {
        ValueRef::DateTime(t) => Cow::Owned(format_datetime(t, 3)),
        ValueRef::String(s) | ValueRef::Dynamic(s) => escape_control(s),
        other => match plain_text(other) {
            Cow::Borrowed(s) => escape_control(s),
            Cow::Owned(s) => Cow::Owned(escape_control(&s).into_owned()),
        },
    }
}

/// A value as JSON for exports: longs stay exact integers, datetimes keep all 7 digits,
/// dynamic values are embedded as JSON, not as text.
pub fn json_value(v: ValueRef<'_>) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        ValueRef::Null => J::Null,
        ValueRef::Bool(b) => J::Bool(b),
        ValueRef::Int(i) => J::from(i),
        ValueRef::Long(i) => J::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f)
            .map(J::Number)
            .unwrap_or(J::Null),
        ValueRef::String(s) => J::String(s.to_owned()),
        ValueRef::DateTime(t) => J::String(format_datetime(t, 7)),
        ValueRef::TimeSpan(t) => J::String(format_timespan(t)),
        ValueRef::Guid(g) => J::String(format_guid(g)),
        ValueRef::Dynamic(j) => serde_json::from_str(j).unwrap_or_else(|_| J::String(j.to_owned())),
    }
}

/// `50210` → `50,210`.
/// `1 row`, `2 rows`, `12,345 rows`: a count with its noun, plural when it is not one.
pub fn count_of(n: usize, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        group_digits(n),
        if n == 1 { "" } else { "s" }
    )
}

pub fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Display width in terminal cells (the same measure ratatui uses).
pub fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `width` cells, ending with `…` when something was cut.
pub fn truncate_to_width(s: &str, width: usize) -> Cow<'_, str> {
    if display_width(s) <= width {
        return Cow::Borrowed(s);
    }
    if width == 0 {
        return Cow::Borrowed("");
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    Cow::Owned(out)
}

/// Column widths for showing `table`: the widest of the header and the first `sample_rows`
/// cells, at least 1 and at most `cap`. Computed once per result, not per frame.
pub fn natural_widths(table: &super::Table, sample_rows: usize, cap: usize) -> Vec<usize> {
    let rows = table.row_count().min(sample_rows);
    table
        .columns()
        .iter()
        .map(|c| {
            let mut w = display_width(&c.name);
            for r in 0..rows {
                w = w.max(display_width(&display_text(c.data.get(r))));
                if w >= cap {
                    break;
                }
            }
            w.clamp(1, cap.max(1))
        })
        .collect()
}

/// 1-based line and column (in chars) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert!(matches!(escape_control("plain"), Cow::Borrowed("plain")));
        assert_eq!(escape_control("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape_control("l1\nl2\t"), "l1\\nl2\\t");
        assert_eq!(
            escape_control("evil\u{202e}txt.exe"),
            "evil\\u{202e}txt.exe"
        );
        assert_eq!(escape_control("\u{85}"), "\\x85");
    }

    #[test]
    fn cells_display_by_kind() {
        assert_eq!(
            display_text(ValueRef::DateTime(0)),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(display_text(ValueRef::Real(2.5)), "2.5");
        assert_eq!(
            display_text(ValueRef::Dynamic(r#"{"a":"\n"}"#)),
            r#"{"a":"\n"}"#
        );
        assert_eq!(display_text(ValueRef::String("x\ny")), "x\\ny");
        assert_eq!(plain_text(ValueRef::Dynamic(r#""str""#)), "str");
        assert_eq!(
            plain_text(ValueRef::DateTime(10_000_000)),
            "1970-01-01T00:00:01Z"
        );
    }

    #[test]
    fn line_col_counts_chars_not_bytes() {
        assert_eq!(line_col("ab\ncé|", 6), (2, 3));
        assert_eq!(line_col("x", 99), (1, 2));
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(100_000), "100,000");
        assert_eq!(group_digits(1234), "1,234");
    }

    #[test]
    fn json_keeps_big_longs_exact() {
        let big = (1_i64 << 53) + 1;
        assert_eq!(json_value(ValueRef::Long(big)).to_string(), big.to_string());
    }
}
