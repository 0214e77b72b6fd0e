//! Dates and durations as Kusto sees them: `datetime` and `timespan` are both counts of
//! 100-nanosecond ticks (datetime since the Unix epoch, UTC). Civil-date conversion uses
//! Howard Hinnant's days-from-civil algorithm, so no date crate is needed for what is a
//! fixed-offset, UTC-only calendar.

/// 100 ns ticks per unit.
pub const TICKS_PER_MICRO: i64 = 10;
pub const TICKS_PER_MILLI: i64 = 10_000;
pub const TICKS_PER_SECOND: i64 = 10_000_000;
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
pub const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
pub const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) for days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Current time in ticks since the Unix epoch.
pub fn now_ticks() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    d.as_secs() as i64 * TICKS_PER_SECOND + (d.subsec_nanos() / 100) as i64
}

/// Split ticks into (days since epoch, ticks within the day).
fn split_day(ticks: i64) -> (i64, i64) {
    (
        ticks.div_euclid(TICKS_PER_DAY),
        ticks.rem_euclid(TICKS_PER_DAY),
    )
}

/// ISO 8601 with all 7 fractional digits, as the service sends it: `2024-05-01T08:30:00.1234567Z`.
pub fn format_datetime_full(ticks: i64) -> String {
    format_datetime(ticks, 7)
}

/// ISO 8601 with `digits` fractional digits (0..=7; 0 omits the fraction).
pub fn format_datetime(ticks: i64, digits: u32) -> String {
    let (days, rem) = split_day(ticks);
    let (y, mo, d) = civil_from_days(days);
    let secs = rem / TICKS_PER_SECOND;
    let frac = rem % TICKS_PER_SECOND;
    let (h, mi, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if digits > 0 {
        let digits = digits.min(7);
        let scaled = frac / 10_i64.pow(7 - digits);
        out.push_str(&format!(".{scaled:0width$}", width = digits as usize));
    }
    out.push('Z');
    out
}

/// Parse the datetime forms Kusto and the service use: `2024-05-01`, `2024-05-01 08:30`,
/// `2024-05-01T08:30:00Z`, `2024-05-01T08:30:00.1234567Z`, with an optional `+hh:mm` offset.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let s = text.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) && !part.is_empty() {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ticks = days_from_civil(y, mo, d) * TICKS_PER_DAY;
    let mut rest = &s[10..];
    if rest.is_empty() {
        return Some(ticks);
    }
    if !(rest.starts_with('T') || rest.starts_with(' ')) {
        return None;
    }
    rest = &rest[1..];
    let rb = rest.as_bytes();
    if rb.len() < 5 || rb[2] != b':' {
        return None;
    }
    let two = |t: &str| -> Option<i64> {
        if t.len() == 2 && t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    // `get`, not indexing: the text may hold multi-byte characters anywhere.
    let (h, mi) = (two(rest.get(0..2)?)?, two(rest.get(3..5)?)?);
    let mut sec = 0;
    let mut frac = 0;
    rest = &rest[5..];
    if let Some(r) = rest.strip_prefix(':') {
        sec = two(r.get(0..2)?)?;
        rest = &r[2..];
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            let digits = &r[..n.min(7)];
            frac = digits.parse::<i64>().ok()? * 10_i64.pow(7 - digits.len() as u32);
            rest = &r[n..];
        }
    }
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    ticks += h * TICKS_PER_HOUR + mi * TICKS_PER_MINUTE + sec * TICKS_PER_SECOND + frac;
    match rest {
        "" | "Z" | "z" => Some(ticks),
        off if (off.starts_with('+') || off.starts_with('-')) && off.len() == 6 => {
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let (oh, om) = (two(off.get(1..3)?)?, two(off.get(4..6)?)?);
            Some(ticks - sign * (oh * TICKS_PER_HOUR + om * TICKS_PER_MINUTE))
        }
        _ => None,
    }
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A timespan as Kusto prints it: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn format_timespan(ticks: i64) -> String {
    let neg = ticks < 0;
    let t = ticks.unsigned_abs();
    let tps = TICKS_PER_SECOND as u64;
    let days = t / TICKS_PER_DAY as u64;
    let rem = t % TICKS_PER_DAY as u64;
    let (h, m, s, f) = (
        rem / (3600 * tps),
        (rem / (60 * tps)) % 60,
        (rem / tps) % 60,
        rem % tps,
    );
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
    if f > 0 {
        out.push_str(&format!(".{f:07}"));
    }
    out
}

/// Parse a .NET TimeSpan string (`hh:mm:ss`, `d.hh:mm:ss.fffffff`, `-00:00:01`), the form the
/// service uses in `Stats` and in `timespan` cells.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let s = text.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut parts = s.split(':');
    let first = parts.next()?;
    let mi: i64 = parts.next()?.parse().ok()?;
    let sec_part = parts.next().unwrap_or("0");
    if parts.next().is_some() {
        return None;
    }
    let (days, h) = match first.split_once('.') {
        Some((d, h)) => (d.parse::<i64>().ok()?, h.parse::<i64>().ok()?),
        None => (0, first.parse::<i64>().ok()?),
    };
    let (sec, frac) = match sec_part.split_once('.') {
        Some((s, f)) => {
            if f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let digits = &f[..f.len().min(7)];
            (
                s.parse::<i64>().ok()?,
                digits.parse::<i64>().ok()? * 10_i64.pow(7 - digits.len() as u32),
            )
        }
        None => (sec_part.parse::<i64>().ok()?, 0),
    };
    if mi > 59 || sec > 59 || h < 0 || mi < 0 || sec < 0 || days < 0 {
        return None;
    }
    // Checked: the text comes from the service or a file, and may be any size.
    let t = days
        .checked_mul(TICKS_PER_DAY)?
        .checked_add(h.checked_mul(TICKS_PER_HOUR)?)?
        .checked_add(mi * TICKS_PER_MINUTE + sec * TICKS_PER_SECOND + frac)?;
    Some(if neg { -t } else { t })
}

/// A short human duration for the status bar: `850 ms`, `3.2 s`, `4m 05s`, `2h 03m`.
pub fn human_duration(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", d.as_secs_f64())
    } else if ms < 3_600_000 {
        let s = d.as_secs();
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        let s = d.as_secs();
        format!("{}h {:02}m", s / 3600, (s / 60) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    /// Found by the `decode` fuzz target: a multi-byte character where a digit belongs
    /// (fuzz/regressions/decode/) used to panic on a byte slice.
    #[test]
    fn text_with_multibyte_characters_is_not_a_datetime_or_timespan() {
        for s in [
            "4048-11-01T00:0л00Z",
            "2024-01-01T0л:00",
            "2024-01-01T00:00+0л:00",
            "2024-01-01T00:00+00:л0",
            "2024-01-01Tл",
            "2024-01-01T00:00:0л",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
        }
        for s in ["л:00", "00:л", "1.л:00:00", "00:00:0л", "00:00:00.л"] {
            assert_eq!(parse_timespan(s), None, "{s}");
        }
        assert_eq!(parse_timespan("99999999999999999.00:00"), None, "overflow");
    }

    #[test]
    fn datetime_formats_and_parses_with_seven_digits() {
        let t = parse_datetime("2020-08-30T06:38:35.7664356Z").unwrap();
        assert_eq!(format_datetime_full(t), "2020-08-30T06:38:35.7664356Z");
        assert_eq!(format_datetime(t, 3), "2020-08-30T06:38:35.766Z");
        assert_eq!(format_datetime(t, 0), "2020-08-30T06:38:35Z");
        assert_eq!(
            parse_datetime("2020-08-30"),
            Some(days_from_civil(2020, 8, 30) * TICKS_PER_DAY)
        );
        assert_eq!(
            parse_datetime("2020-08-30 01:00"),
            parse_datetime("2020-08-30T03:00:00+02:00")
        );
        assert_eq!(parse_datetime("2020-02-30"), None);
        assert_eq!(parse_datetime("garbage"), None);
        assert_eq!(parse_datetime("2020-08-30T25:00:00Z"), None);
    }

    #[test]
    fn timespans_round_trip() {
        for s in ["00:00:19.0468750", "1.02:03:04", "-00:00:01", "00:07:12"] {
            assert_eq!(format_timespan(parse_timespan(s).unwrap()), s);
        }
        assert_eq!(parse_timespan("00:00:19.0468750"), Some(190_468_750));
        assert_eq!(
            parse_timespan("1:2"),
            Some(TICKS_PER_HOUR + 2 * TICKS_PER_MINUTE)
        );
        assert_eq!(parse_timespan("x"), None);
    }
}
