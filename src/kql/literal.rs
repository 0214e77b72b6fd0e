//! Decoding literal token text into values: strings (all quoting forms), numbers,
//! timespans (to ticks of 100 ns), and the raw contents of `datetime(...)`/`guid(...)`.

use super::lexer::time_unit_ticks;

/// Ticks (100 ns) in one day.
pub const TICKS_PER_DAY: i64 = 864_000_000_000;

/// Decodes a string literal token (`'a\n'`, `@"C:\x"`, `h'..'`, ```` ```..``` ````).
/// Returns `None` if the text is not a complete string literal.
pub fn decode_string(text: &str) -> Option<String> {
    let text = text
        .strip_prefix('h')
        .or_else(|| text.strip_prefix('H'))
        .unwrap_or(text);
    if let Some(body) = text.strip_prefix("```") {
        return body.strip_suffix("```").map(str::to_string);
    }
    if let Some(rest) = text.strip_prefix('@') {
        let q = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
        let body = rest.strip_prefix(q)?.strip_suffix(q)?;
        let doubled: String = [q, q].iter().collect();
        return Some(body.replace(&doubled, &q.to_string()));
    }
    let q = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    if text.len() < 2 {
        return None;
    }
    let body = text.strip_prefix(q)?.strip_suffix(q)?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) if hex.len() == 4 => {
                        out.push(ch);
                        for _ in 0..4 {
                            chars.next();
                        }
                    }
                    _ => out.push_str("\\u"),
                }
            }
            // Unknown escapes are kept verbatim (lenient, like many regex-bearing queries).
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Some(out)
}

/// Parses an integer literal (decimal or `0x` hex).
pub fn parse_int(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    text.parse().ok()
}

/// Parses a real literal.
pub fn parse_real(text: &str) -> Option<f64> {
    match text {
        "nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// Parses `<number><unit>` (`1.5h`, `100ms`) into ticks.
pub fn parse_timespan_suffixed(text: &str) -> Option<i64> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    let (num, unit) = text.split_at(split);
    let value: f64 = num.parse().ok()?;
    let per = if unit.is_empty() {
        TICKS_PER_DAY as f64
    } else {
        time_unit_ticks(unit)?
    };
    let ticks = (value * per).round();
    if ticks.is_finite() && ticks.abs() < 9.2e18 {
        Some(ticks as i64)
    } else {
        None
    }
}

/// Parses the contents of `timespan(...)`: `1d`, `2` (days), `[-][d.]hh:mm[:ss[.fffffff]]`.
pub fn parse_timespan_body(body: &str) -> Option<i64> {
    let body = body.trim();
    if !body.contains(':') {
        return parse_timespan_suffixed(body);
    }
    let (neg, body) = match body.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let parts: Vec<&str> = body.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let (days, hours) = match parts[0].split_once('.') {
        Some((d, h)) => (d.parse::<i64>().ok()?, h.parse::<i64>().ok()?),
        None => (0, parts[0].parse::<i64>().ok()?),
    };
    let minutes: i64 = parts[1].parse().ok()?;
    let (secs, frac) = match parts.get(2) {
        None => (0, 0),
        Some(s) => match s.split_once('.') {
            Some((s, f)) => {
                if f.is_empty() || f.len() > 7 || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let padded = format!("{f:0<7}");
                (s.parse::<i64>().ok()?, padded.parse::<i64>().ok()?)
            }
            None => (s.parse::<i64>().ok()?, 0),
        },
    };
    let total = days
        .checked_mul(TICKS_PER_DAY)?
        .checked_add(hours.checked_mul(36_000_000_000)?)?
        .checked_add(minutes.checked_mul(600_000_000)?)?
        .checked_add(secs.checked_mul(10_000_000)?)?
        .checked_add(frac)?;
    Some(if neg { -total } else { total })
}

/// The trimmed contents between the first `(` and the last `)` of `name(...)`.
pub fn paren_body(text: &str) -> &str {
    let open = text.find('(').map(|i| i + 1).unwrap_or(0);
    let close = text.rfind(')').unwrap_or(text.len()).max(open);
    text.get(open..close).unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(decode_string(r"'a\'b\n'").as_deref(), Some("a'b\n"));
        assert_eq!(decode_string(r#""C:\\x\d""#).as_deref(), Some(r"C:\x\d"));
        assert_eq!(decode_string(r#"@"C:\x""y""#).as_deref(), Some(r#"C:\x"y"#));
        assert_eq!(decode_string("h'secret'").as_deref(), Some("secret"));
        assert_eq!(decode_string("H@'a''b'").as_deref(), Some("a'b"));
        assert_eq!(decode_string("```a\nb```").as_deref(), Some("a\nb"));
        assert_eq!(decode_string(r"'\u00e9'").as_deref(), Some("é"));
        assert_eq!(decode_string("'"), None);
        assert_eq!(decode_string("'abc"), None);
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan_suffixed("1d"), Some(TICKS_PER_DAY));
        assert_eq!(parse_timespan_suffixed("1.5h"), Some(54_000_000_000));
        assert_eq!(parse_timespan_suffixed("100ms"), Some(1_000_000));
        assert_eq!(parse_timespan_suffixed("5tick"), Some(5));
        assert_eq!(parse_timespan_suffixed("2microsecond"), Some(20));
        assert_eq!(
            parse_timespan_body("1.02:03:04.5"),
            Some(TICKS_PER_DAY + 2 * 36_000_000_000 + 3 * 600_000_000 + 4 * 10_000_000 + 5_000_000)
        );
        assert_eq!(parse_timespan_body("00:30"), Some(30 * 600_000_000));
        assert_eq!(parse_timespan_body("2"), Some(2 * TICKS_PER_DAY));
        assert_eq!(parse_timespan_body("x:y"), None);
        assert_eq!(parse_timespan_suffixed("1e400d"), None);
    }

    #[test]
    fn numbers_and_bodies() {
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("99999999999999999999"), None);
        assert_eq!(paren_body("datetime( 2024-01-01 )"), "2024-01-01");
        assert_eq!(paren_body("datetime("), "");
    }
}
