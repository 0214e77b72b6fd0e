//! Dates and durations: `ago`/`now` (pinned per query), `bin`/`floor`/`bin_at` for
//! numbers, datetimes and timespans, start/end of day, week, month and year, calendar
//! parts, `datetime_add`/`datetime_diff`/`datetime_part`, `format_datetime`,
//! `format_timespan`, `make_datetime`, `make_timespan` and the Unix-time conversions.
//! Datetimes are UTC ticks since the Unix epoch; Kusto's own epoch for binning is
//! 0001-01-01, so `bin(t, 7d)` starts weeks on Mondays as Kusto's does.

use super::{Args, FuncDef, Ret, f, numeric_kind};
use crate::data::time::{
    TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MILLI, TICKS_PER_MINUTE, TICKS_PER_SECOND,
    civil_from_days, days_from_civil,
};
use crate::data::{Kind, Value, ValueRef};

const DT: Ret = Ret::K(Kind::DateTime);
const INT: Ret = Ret::K(Kind::Int);

/// Ticks from 0001-01-01 to 1970-01-01 (.NET's epoch offset).
const DOTNET_EPOCH_OFFSET: i64 = 621_355_968_000_000_000;

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("ago", 1, 1, DT, ago),
    f("now", 0, 1, DT, now),
    f("bin", 2, 2, Ret::F(bin_kind), bin),
    f("floor", 2, 2, Ret::F(bin_kind), bin),
    f("bin_at", 3, 3, Ret::F(bin_kind), bin_at),
    f("startofday", 1, 2, DT, startofday),
    f("startofweek", 1, 2, DT, startofweek),
    f("startofmonth", 1, 2, DT, startofmonth),
    f("startofyear", 1, 2, DT, startofyear),
    f("endofday", 1, 2, DT, endofday),
    f("endofweek", 1, 2, DT, endofweek),
    f("endofmonth", 1, 2, DT, endofmonth),
    f("endofyear", 1, 2, DT, endofyear),
    f("datetime_add", 3, 3, DT, datetime_add),
    f("datetime_diff", 3, 3, Ret::K(Kind::Long), datetime_diff),
    f("datetime_part", 2, 2, INT, datetime_part),
    f("datepart", 2, 2, INT, datetime_part),
    f("dayofweek", 1, 1, Ret::K(Kind::TimeSpan), dayofweek),
    f("dayofmonth", 1, 1, INT, dayofmonth),
    f("dayofyear", 1, 1, INT, dayofyear),
    f("hourofday", 1, 1, INT, hourofday),
    f("getmonth", 1, 1, INT, getmonth),
    f("monthofyear", 1, 1, INT, getmonth),
    f("getyear", 1, 1, INT, getyear),
    f("weekofyear", 1, 1, INT, weekofyear),
    f("week_of_year", 1, 1, INT, weekofyear),
    f(
        "format_datetime",
        2,
        2,
        Ret::K(Kind::String),
        format_datetime,
    ),
    f(
        "format_timespan",
        2,
        2,
        Ret::K(Kind::String),
        format_timespan,
    ),
    f("make_datetime", 1, 7, DT, make_datetime),
    f("make_timespan", 2, 4, Ret::K(Kind::TimeSpan), make_timespan),
    f("unixtime_seconds_todatetime", 1, 1, DT, unix_seconds),
    f("unixtime_milliseconds_todatetime", 1, 1, DT, unix_millis),
    f("unixtime_microseconds_todatetime", 1, 1, DT, unix_micros),
    f("unixtime_nanoseconds_todatetime", 1, 1, DT, unix_nanos),
];

/// Parse the datetime text Kusto accepts: ISO 8601 (`data::time::parse_datetime`), quoted
/// or not, US `M/d/yyyy [h:mm[:ss]] [AM|PM]`, and RFC 822 / `d MMM yyyy [HH:mm[:ss]]`
/// forms with an optional `GMT`/`UTC`/`Z` zone.
pub fn parse_lenient(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| t.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(t)
        .trim();
    if let Some(ticks) = crate::data::time::parse_datetime(t) {
        return Some(ticks);
    }
    let mut words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if let Some(last) = words.last()
        && ["gmt", "utc", "z"].contains(&last.to_ascii_lowercase().as_str())
    {
        words.pop();
    }
    // A leading day name ("Sat") is ignored.
    if words
        .first()
        .is_some_and(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
    {
        words.remove(0);
    }
    // An ISO date and a time separated by some other whitespace (a no-break space).
    if let (Some(date), Some(time)) = (words.first(), words.get(1))
        && words.len() == 2
        && crate::data::time::parse_datetime(date).is_some()
    {
        return crate::data::time::parse_datetime(&format!("{date}T{time}"));
    }
    let (y, mo, d, rest) = if let Some(date) = words.first().filter(|w| w.contains('/')) {
        let p: Vec<&str> = date.split('/').collect();
        let [m, d, y] = p.as_slice() else {
            return None;
        };
        (
            y.parse::<i64>().ok()?,
            m.parse::<u32>().ok()?,
            d.parse::<u32>().ok()?,
            &words[1..],
        )
    } else if words.len() >= 3 {
        let month = month_number(words[1])?;
        (
            words[2].parse::<i64>().ok()?,
            month,
            words[0].parse::<u32>().ok()?,
            &words[3..],
        )
    } else {
        return None;
    };
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || !(1..=9999).contains(&y) {
        return None;
    }
    let mut ticks = days_from_civil(y, mo, d) * TICKS_PER_DAY;
    if let Some(time) = rest.first() {
        let parts: Vec<&str> = time.split(':').collect();
        if parts.len() < 2 || parts.len() > 3 {
            return None;
        }
        let mut h: i64 = parts[0].parse().ok()?;
        let mi: i64 = parts[1].parse().ok()?;
        let sec: f64 = parts.get(2).map_or(Some(0.0), |x| x.parse().ok())?;
        match rest.get(1).map(|x| x.to_ascii_uppercase()).as_deref() {
            Some("PM") if h < 12 => h += 12,
            Some("AM") if h == 12 => h = 0,
            Some("AM" | "PM") | None => {}
            Some(_) => return None,
        }
        if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0.0..60.0).contains(&sec) {
            return None;
        }
        ticks += h * TICKS_PER_HOUR
            + mi * TICKS_PER_MINUTE
            + (sec * TICKS_PER_SECOND as f64).round() as i64;
    }
    Some(ticks)
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_ascii_lowercase();
    let i = MONTHS.iter().position(|m| lower.starts_with(m))?;
    Some(i as u32 + 1)
}

fn dt(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::DateTime(t) => Some(t),
        ValueRef::String(s) => parse_lenient(s),
        ValueRef::Dynamic(_) => match super::convert(v, Kind::DateTime) {
            Value::DateTime(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn timespan(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::TimeSpan(t) => Some(t),
        ValueRef::String(s) => crate::data::time::parse_timespan(s),
        _ => None,
    }
}

fn ago(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::TimeSpan(t) => Value::DateTime(a.ctx.now.saturating_sub(t)),
        // A number is a count of days, as in Kusto's implicit timespan conversion.
        v => v.as_f64().map_or(Value::Null, |d| {
            Value::DateTime(a.ctx.now - (d * TICKS_PER_DAY as f64) as i64)
        }),
    }
}

fn now(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::TimeSpan(t) => Value::DateTime(a.ctx.now.saturating_add(t)),
        _ => Value::DateTime(a.ctx.now),
    }
}

fn bin_kind(k: &[Kind]) -> Kind {
    match k.first() {
        Some(Kind::DateTime) => Kind::DateTime,
        Some(Kind::TimeSpan) => Kind::TimeSpan,
        _ => numeric_kind(&k[..k.len().min(2)]),
    }
}

/// Round `v` down to a multiple of `size` measured from `origin`.
fn floor_to(v: i64, size: i64, origin: i64) -> Option<i64> {
    let rel = v.checked_sub(origin)?;
    rel.div_euclid(size).checked_mul(size)?.checked_add(origin)
}

fn bin_value(v: ValueRef<'_>, size: ValueRef<'_>, origin: Option<ValueRef<'_>>) -> Value {
    use ValueRef as V;
    match (v, size) {
        (V::DateTime(t), V::TimeSpan(s)) if s > 0 => {
            let o = match origin {
                Some(o) => match dt(o) {
                    Some(o) => o,
                    None => return Value::Null,
                },
                None => -DOTNET_EPOCH_OFFSET,
            };
            floor_to(t, s, o).map_or(Value::Null, Value::DateTime)
        }
        (V::TimeSpan(t), V::TimeSpan(s)) if s > 0 => {
            let o = origin.and_then(timespan).unwrap_or(0);
            floor_to(t, s, o).map_or(Value::Null, Value::TimeSpan)
        }
        (V::Int(x), V::Int(s)) if s > 0 => {
            let o = origin.and_then(super::long_of).unwrap_or(0);
            floor_to(x as i64, s as i64, o)
                .and_then(|r| i32::try_from(r).ok())
                .map_or(Value::Null, Value::Int)
        }
        (V::Int(_) | V::Long(_), V::Int(_) | V::Long(_)) => {
            let (x, s) = (super::long_of(v), super::long_of(size));
            match (x, s) {
                (Some(x), Some(s)) if s > 0 => {
                    let o = origin.and_then(super::long_of).unwrap_or(0);
                    floor_to(x, s, o).map_or(Value::Null, Value::Long)
                }
                _ => Value::Null,
            }
        }
        _ => match (super::real_of(v), super::real_of(size)) {
            (Some(x), Some(s)) if s > 0.0 => {
                let o = origin.and_then(super::real_of).unwrap_or(0.0);
                Value::Real(((x - o) / s).floor() * s + o)
            }
            _ => Value::Null,
        },
    }
}

/// `bin(value, size)` / `floor(value, size)`: null for a null value or a size that is not
/// positive.
fn bin(a: &Args<'_>) -> Value {
    bin_value(a.get(0), a.get(1), None)
}

/// `bin_at(value, size, fixed_point)`: bins aligned so that `fixed_point` starts a bin.
fn bin_at(a: &Args<'_>) -> Value {
    if a.is_null(2) {
        return Value::Null;
    }
    bin_value(a.get(0), a.get(1), Some(a.get(2)))
}

/// (year, month, day, ticks within the day).
fn parts(t: i64) -> (i64, u32, u32, i64) {
    let (y, m, d) = civil_from_days(t.div_euclid(TICKS_PER_DAY));
    (y, m, d, t.rem_euclid(TICKS_PER_DAY))
}

fn day_start(t: i64) -> i64 {
    t - t.rem_euclid(TICKS_PER_DAY)
}

/// Day of week with Sunday = 0 (1970-01-01 was a Thursday).
fn weekday(t: i64) -> i64 {
    (t.div_euclid(TICKS_PER_DAY) + 4).rem_euclid(7)
}

fn month_start(y: i64, m: i64) -> i64 {
    let total = y * 12 + (m - 1);
    days_from_civil(total.div_euclid(12), (total.rem_euclid(12) + 1) as u32, 1) * TICKS_PER_DAY
}

fn offset(a: &Args<'_>) -> Option<i64> {
    if a.len() > 1 { a.long(1) } else { Some(0) }
}

fn start_of(a: &Args<'_>, f: fn(i64, i64) -> i64) -> Value {
    match (dt(a.get(0)), offset(a)) {
        (Some(t), Some(n)) => Value::DateTime(f(t, n)),
        _ => Value::Null,
    }
}

fn sod(t: i64, n: i64) -> i64 {
    day_start(t) + n * TICKS_PER_DAY
}
fn sow(t: i64, n: i64) -> i64 {
    day_start(t) - weekday(t) * TICKS_PER_DAY + n * 7 * TICKS_PER_DAY
}
fn som(t: i64, n: i64) -> i64 {
    let (y, m, _, _) = parts(t);
    month_start(y, m as i64 + n)
}
fn soy(t: i64, n: i64) -> i64 {
    let (y, _, _, _) = parts(t);
    month_start(y + n, 1)
}

fn startofday(a: &Args<'_>) -> Value {
    start_of(a, sod)
}
fn startofweek(a: &Args<'_>) -> Value {
    start_of(a, sow)
}
fn startofmonth(a: &Args<'_>) -> Value {
    start_of(a, som)
}
fn startofyear(a: &Args<'_>) -> Value {
    start_of(a, soy)
}
fn endofday(a: &Args<'_>) -> Value {
    start_of(a, |t, n| sod(t, n + 1) - 1)
}
fn endofweek(a: &Args<'_>) -> Value {
    start_of(a, |t, n| sow(t, n + 1) - 1)
}
fn endofmonth(a: &Args<'_>) -> Value {
    start_of(a, |t, n| som(t, n + 1) - 1)
}
fn endofyear(a: &Args<'_>) -> Value {
    start_of(a, |t, n| soy(t, n + 1) - 1)
}

/// Calendar parts Kusto names in `datetime_add`, `datetime_diff` and `datetime_part`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    DayOfYear,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

fn part(name: &str) -> Option<Part> {
    Some(match name.trim().to_ascii_lowercase().as_str() {
        "year" => Part::Year,
        "quarter" => Part::Quarter,
        "month" => Part::Month,
        "week" | "week_of_year" | "weekofyear" => Part::Week,
        "day" => Part::Day,
        "dayofyear" => Part::DayOfYear,
        "hour" => Part::Hour,
        "minute" => Part::Minute,
        "second" => Part::Second,
        "millisecond" => Part::Millisecond,
        "microsecond" => Part::Microsecond,
        "nanosecond" => Part::Nanosecond,
        _ => return None,
    })
}

fn add_months(t: i64, months: i64) -> Option<i64> {
    let (y, m, d, rem) = parts(t);
    let total = y
        .checked_mul(12)?
        .checked_add(m as i64 - 1)?
        .checked_add(months)?;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let last = days_in_month(ny, nm);
    Some(days_from_civil(ny, nm, d.min(last)) * TICKS_PER_DAY + rem)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    (next - days_from_civil(y, m, 1)) as u32
}

/// `datetime_add(part, amount, datetime)`.
fn datetime_add(a: &Args<'_>) -> Value {
    let (Some(p), Some(n), Some(t)) = (part(&a.str(0)), a.long(1), dt(a.get(2))) else {
        return Value::Null;
    };
    let unit = |u: i64| n.checked_mul(u).and_then(|d| t.checked_add(d));
    let r = match p {
        Part::Year => n.checked_mul(12).and_then(|m| add_months(t, m)),
        Part::Quarter => n.checked_mul(3).and_then(|m| add_months(t, m)),
        Part::Month => add_months(t, n),
        Part::Week => unit(7 * TICKS_PER_DAY),
        Part::Day | Part::DayOfYear => unit(TICKS_PER_DAY),
        Part::Hour => unit(TICKS_PER_HOUR),
        Part::Minute => unit(TICKS_PER_MINUTE),
        Part::Second => unit(TICKS_PER_SECOND),
        Part::Millisecond => unit(TICKS_PER_MILLI),
        Part::Microsecond => unit(10),
        Part::Nanosecond => Some(t + n / 100),
    };
    r.map_or(Value::Null, Value::DateTime)
}

/// `datetime_diff(part, a, b)`: how many `part` boundaries lie between b and a (a - b).
fn datetime_diff(a: &Args<'_>) -> Value {
    let (Some(p), Some(x), Some(y)) = (part(&a.str(0)), dt(a.get(1)), dt(a.get(2))) else {
        return Value::Null;
    };
    let (xy, xm, ..) = parts(x);
    let (yy, ym, ..) = parts(y);
    let floor_diff = |u: i64| x.div_euclid(u) - y.div_euclid(u);
    let r = match p {
        Part::Year => xy - yy,
        Part::Quarter => (xy * 4 + (xm as i64 - 1) / 3) - (yy * 4 + (ym as i64 - 1) / 3),
        Part::Month => (xy * 12 + xm as i64) - (yy * 12 + ym as i64),
        Part::Week => (sow(x, 0) - sow(y, 0)) / (7 * TICKS_PER_DAY),
        Part::Day | Part::DayOfYear => floor_diff(TICKS_PER_DAY),
        Part::Hour => floor_diff(TICKS_PER_HOUR),
        Part::Minute => floor_diff(TICKS_PER_MINUTE),
        Part::Second => floor_diff(TICKS_PER_SECOND),
        Part::Millisecond => floor_diff(TICKS_PER_MILLI),
        Part::Microsecond => floor_diff(10),
        Part::Nanosecond => (x - y).saturating_mul(100),
    };
    Value::Long(r)
}

/// ISO 8601 week number (weeks start on Monday; week 1 holds the first Thursday).
fn iso_week(t: i64) -> i64 {
    let days = t.div_euclid(TICKS_PER_DAY);
    let iso_wd = (days + 3).rem_euclid(7); // Monday = 0
    let thursday = days - iso_wd + 3;
    let (ty, _, _) = civil_from_days(thursday);
    (thursday - days_from_civil(ty, 1, 1)) / 7 + 1
}

fn datetime_part(a: &Args<'_>) -> Value {
    let (Some(p), Some(t)) = (part(&a.str(0)), dt(a.get(1))) else {
        return Value::Null;
    };
    let (y, m, d, rem) = parts(t);
    let v = match p {
        Part::Year => y,
        Part::Quarter => (m as i64 - 1) / 3 + 1,
        Part::Month => m as i64,
        Part::Week => iso_week(t),
        Part::Day => d as i64,
        Part::DayOfYear => t.div_euclid(TICKS_PER_DAY) - days_from_civil(y, 1, 1) + 1,
        Part::Hour => rem / TICKS_PER_HOUR,
        Part::Minute => rem / TICKS_PER_MINUTE % 60,
        Part::Second => rem / TICKS_PER_SECOND % 60,
        Part::Millisecond => rem % TICKS_PER_SECOND / TICKS_PER_MILLI,
        Part::Microsecond => rem % TICKS_PER_SECOND / 10,
        Part::Nanosecond => rem % TICKS_PER_SECOND * 100,
    };
    i32::try_from(v).map_or(Value::Long(v), Value::Int)
}

fn with_dt(a: &Args<'_>, f: impl Fn(i64) -> i64) -> Value {
    dt(a.get(0)).map_or(Value::Null, |t| Value::Int(f(t) as i32))
}

fn dayofweek(a: &Args<'_>) -> Value {
    dt(a.get(0)).map_or(Value::Null, |t| Value::TimeSpan(weekday(t) * TICKS_PER_DAY))
}
fn dayofmonth(a: &Args<'_>) -> Value {
    with_dt(a, |t| parts(t).2 as i64)
}
fn dayofyear(a: &Args<'_>) -> Value {
    with_dt(a, |t| {
        t.div_euclid(TICKS_PER_DAY) - days_from_civil(parts(t).0, 1, 1) + 1
    })
}
fn hourofday(a: &Args<'_>) -> Value {
    with_dt(a, |t| parts(t).3 / TICKS_PER_HOUR)
}
fn getmonth(a: &Args<'_>) -> Value {
    with_dt(a, |t| parts(t).1 as i64)
}
fn getyear(a: &Args<'_>) -> Value {
    with_dt(a, |t| parts(t).0)
}
fn weekofyear(a: &Args<'_>) -> Value {
    with_dt(a, iso_week)
}

/// Split a format string into runs of one repeated letter and literal separators.
fn tokens(fmt: &str) -> Vec<(char, usize)> {
    let mut out: Vec<(char, usize)> = Vec::new();
    for c in fmt.chars() {
        match out.last_mut() {
            Some((p, n)) if *p == c && c.is_ascii_alphabetic() => *n += 1,
            _ => out.push((c, 1)),
        }
    }
    out
}

fn fraction(frac_ticks: i64, n: usize, trim: bool) -> String {
    let digits = format!("{frac_ticks:07}");
    let mut s: String = digits.chars().take(n.min(7)).collect();
    while s.len() < n {
        s.push('0');
    }
    if trim {
        while s.ends_with('0') {
            s.pop();
        }
    }
    s
}

/// `format_datetime(datetime, format)` with the .NET-style specifiers Kusto documents
/// (`yyyy`, `MM`, `dd`, `HH`, `hh`, `mm`, `ss`, `f…`, `F…`, `tt`, separators). Unknown
/// specifier counts give null, as an invalid format does in Kusto; other characters are
/// copied.
fn format_datetime(a: &Args<'_>) -> Value {
    let Some(t) = dt(a.get(0)) else {
        return Value::Null;
    };
    let fmt = a.str(1);
    let (y, mo, d, rem) = parts(t);
    let (h, mi, s, frac) = (
        rem / TICKS_PER_HOUR,
        rem / TICKS_PER_MINUTE % 60,
        rem / TICKS_PER_SECOND % 60,
        rem % TICKS_PER_SECOND,
    );
    let h12 = if h % 12 == 0 { 12 } else { h % 12 };
    let mut out = String::new();
    for (c, n) in tokens(&fmt) {
        let piece = match (c, n) {
            ('y', 1) => (y % 100).to_string(),
            ('y', 2) => format!("{:02}", y % 100),
            ('y', n) => format!("{y:0n$}"),
            ('M', 1) => mo.to_string(),
            ('M', 2) => format!("{mo:02}"),
            ('d', 1) => d.to_string(),
            ('d', 2) => format!("{d:02}"),
            ('H', 1) => h.to_string(),
            ('H', 2) => format!("{h:02}"),
            ('h', 1) => h12.to_string(),
            ('h', 2) => format!("{h12:02}"),
            ('m', 1) => mi.to_string(),
            ('m', 2) => format!("{mi:02}"),
            ('s', 1) => s.to_string(),
            ('s', 2) => format!("{s:02}"),
            ('f', n) if n <= 7 => fraction(frac, n, false),
            ('F', n) if n <= 7 => fraction(frac, n, true),
            ('t', 1) => (if h < 12 { "A" } else { "P" }).to_string(),
            ('t', 2) => (if h < 12 { "AM" } else { "PM" }).to_string(),
            // A specifier letter with a count Kusto does not support makes the format invalid.
            ('M' | 'd' | 'H' | 'h' | 'm' | 's' | 'f' | 'F' | 't', _) => return Value::Null,
            // Anything else (separators, and letters such as the `T` of ISO 8601) is literal.
            (c, n) => c.to_string().repeat(n),
        };
        out.push_str(&piece);
    }
    Value::String(out)
}

/// `format_timespan(timespan, format)`: `d…`, `h`/`hh`, `H`/`HH`, `m`/`mm`, `s`/`ss`,
/// `f…`, `F…` and separators.
fn format_timespan(a: &Args<'_>) -> Value {
    let Some(t) = timespan(a.get(0)) else {
        return Value::Null;
    };
    let neg = t < 0;
    let t = t.unsigned_abs() as i64;
    let (days, rem) = (t / TICKS_PER_DAY, t % TICKS_PER_DAY);
    let (h, mi, s, frac) = (
        rem / TICKS_PER_HOUR,
        rem / TICKS_PER_MINUTE % 60,
        rem / TICKS_PER_SECOND % 60,
        rem % TICKS_PER_SECOND,
    );
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    for (c, n) in tokens(&a.str(1)) {
        let piece = match (c, n) {
            ('d', n) => format!("{days:0n$}"),
            ('h' | 'H', 1) => h.to_string(),
            ('h' | 'H', 2) => format!("{h:02}"),
            ('m', 1) => mi.to_string(),
            ('m', 2) => format!("{mi:02}"),
            ('s', 1) => s.to_string(),
            ('s', 2) => format!("{s:02}"),
            ('f', n) if n <= 7 => fraction(frac, n, false),
            ('F', n) if n <= 7 => fraction(frac, n, true),
            ('h' | 'H' | 'm' | 's' | 'f' | 'F', _) => return Value::Null,
            (c, n) => c.to_string().repeat(n),
        };
        out.push_str(&piece);
    }
    Value::String(out)
}

/// `make_datetime(year, month, day [, hour, minute, second])`; seconds may be fractional.
fn make_datetime(a: &Args<'_>) -> Value {
    let get = |i: usize, default: i64| {
        if i < a.len() {
            a.long(i)
        } else {
            Some(default)
        }
    };
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi)) =
        (get(0, 0), get(1, 1), get(2, 1), get(3, 0), get(4, 0))
    else {
        return Value::Null;
    };
    let sec = if a.len() > 5 { a.real(5) } else { Some(0.0) };
    let Some(sec) = sec else {
        return Value::Null;
    };
    if !(1..=12).contains(&mo)
        || !(1..=9999).contains(&y)
        || d < 1
        || d > days_in_month(y, mo as u32) as i64
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0.0..60.0).contains(&sec)
    {
        return Value::Null;
    }
    let ticks = days_from_civil(y, mo as u32, d as u32) * TICKS_PER_DAY
        + h * TICKS_PER_HOUR
        + mi * TICKS_PER_MINUTE
        + (sec * TICKS_PER_SECOND as f64).round() as i64;
    Value::DateTime(ticks)
}

/// `make_timespan(hour, minute [, second])` or `make_timespan(day, hour, minute, second)`.
fn make_timespan(a: &Args<'_>) -> Value {
    let vals: Option<Vec<f64>> = (0..a.len()).map(|i| a.real(i)).collect();
    let Some(v) = vals else {
        return Value::Null;
    };
    let (d, h, m, s) = match v.as_slice() {
        [h, m] => (0.0, *h, *m, 0.0),
        [h, m, s] => (0.0, *h, *m, *s),
        [d, h, m, s] => (*d, *h, *m, *s),
        _ => return Value::Null,
    };
    let ticks = d * TICKS_PER_DAY as f64
        + h * TICKS_PER_HOUR as f64
        + m * TICKS_PER_MINUTE as f64
        + s * TICKS_PER_SECOND as f64;
    Value::TimeSpan(ticks.round() as i64)
}

fn unix(a: &Args<'_>, ticks_per_unit: f64) -> Value {
    let ticks = match a.get(0) {
        ValueRef::Int(_) | ValueRef::Long(_) if ticks_per_unit >= 1.0 => {
            a.long(0).and_then(|n| n.checked_mul(ticks_per_unit as i64))
        }
        v => super::real_of(v)
            .map(|x| x * ticks_per_unit)
            .filter(|x| x.is_finite() && x.abs() < 9.2e18)
            .map(|x| x.round() as i64),
    };
    ticks.map_or(Value::Null, Value::DateTime)
}

fn unix_seconds(a: &Args<'_>) -> Value {
    unix(a, TICKS_PER_SECOND as f64)
}
fn unix_millis(a: &Args<'_>) -> Value {
    unix(a, TICKS_PER_MILLI as f64)
}
fn unix_micros(a: &Args<'_>) -> Value {
    unix(a, 10.0)
}
fn unix_nanos(a: &Args<'_>) -> Value {
    match a.long(0) {
        Some(n) => Value::DateTime(n.div_euclid(100)),
        None => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_and_iso_weeks() {
        // 2024-01-01 was a Monday; ISO week 1. 2021-01-03 (Sunday) is in ISO week 53 of 2020.
        let t = days_from_civil(2024, 1, 1) * TICKS_PER_DAY;
        assert_eq!(weekday(t), 1);
        assert_eq!(iso_week(t), 1);
        assert_eq!(iso_week(days_from_civil(2021, 1, 3) * TICKS_PER_DAY), 53);
    }

    #[test]
    fn lenient_datetime_forms() {
        let day = days_from_civil(2022, 1, 16) * TICKS_PER_DAY;
        assert_eq!(parse_lenient("\"01/16/2022 00:00:00\""), Some(day));
        assert_eq!(
            parse_lenient("1/16/2022 1:30 PM"),
            Some(day + 13 * TICKS_PER_HOUR + 30 * TICKS_PER_MINUTE)
        );
        assert_eq!(parse_lenient("16 Jan 2022"), Some(day));
        assert_eq!(
            parse_lenient("Sun, 16 Jan 2022 10:00:00 GMT"),
            Some(day + 10 * TICKS_PER_HOUR)
        );
        assert_eq!(parse_lenient("2022-01-16"), Some(day));
        assert_eq!(parse_lenient("13/01/2022"), None);
        assert_eq!(parse_lenient("example-date"), None);
        assert_eq!(
            parse_lenient("2022-01-16\u{202f}10:00:00"),
            Some(day + 10 * TICKS_PER_HOUR)
        );
    }

    #[test]
    fn months_clamp_to_their_last_day() {
        let t = days_from_civil(2024, 1, 31) * TICKS_PER_DAY;
        assert_eq!(
            add_months(t, 1),
            Some(days_from_civil(2024, 2, 29) * TICKS_PER_DAY)
        );
        assert_eq!(days_in_month(2023, 2), 28);
    }
}
