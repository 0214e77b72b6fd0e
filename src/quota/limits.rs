//! The budgets a backend's tenant quota is made of: calls per window, run time per window,
//! the per-query timeout, the row cap and the lookback, plus the safety settings the
//! ledger uses to stay clear of them. Defaults follow the current docs; presets reproduce
//! older ones; everything is configurable from a profile's `[quota]` table, with windows of
//! any length (`"45 per 1m"`, `"1500/h"`, `"10m per 1h"`, `"3h per 1d"`).

use std::fmt;
use std::time::Duration;

use crate::backend::BackendKind;

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// The longest window or duration we accept (a year): beyond it sums and deadlines stop
/// meaning anything and arithmetic could overflow.
pub const MAX_WINDOW: Duration = Duration::from_secs(366 * 86_400);

/// At most `limit` calls in any sliding window of length `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallWindow {
    pub limit: u32,
    pub window: Duration,
}

/// At most `budget` of query run time in any sliding window of length `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RunWindow {
    pub budget: Duration,
    pub window: Duration,
}

/// How far the ledger stays from the limits, and how it waits after a 429.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Safety {
    /// Fraction of every budget left unused (0.02 = 2%). For call windows it is rounded to
    /// the nearest whole call (one of 45, none of 10), and at least one call is always
    /// usable when the limit is 1 or more.
    pub headroom: f64,
    /// Added to every window's length: our send time and the service's receive time
    /// differ by network latency and clock skew, so two calls we send `window` apart may
    /// arrive closer together. Also added to every wait the service announces.
    pub skew: Duration,
    /// A wait longer than this is `Refused` rather than queued: the worker should tell the
    /// analyst when the quota frees up instead of sitting on the query for an hour.
    pub horizon: Duration,
    /// First wait after a 429 that says nothing about when to retry; doubles per 429.
    pub backoff: Duration,
    /// The longest such wait.
    pub backoff_cap: Duration,
}

impl Default for Safety {
    fn default() -> Self {
        Safety {
            headroom: 0.02,
            skew: SECOND,
            horizon: 15 * MINUTE,
            backoff: 2 * SECOND,
            backoff_cap: 5 * MINUTE,
        }
    }
}

/// Every limit of one backend in one tenant.
#[derive(Clone, Debug, PartialEq)]
pub struct Limits {
    /// Whether calls spend tenant quota at all (false for `local`: no windows apply).
    pub metered: bool,
    pub calls: Vec<CallWindow>,
    pub run_time: Vec<RunWindow>,
    /// A single query running longer than this is stopped by the service.
    pub query_timeout: Duration,
    /// Rows the service returns at most; more are silently cut.
    pub max_rows: u64,
    /// How far back the service keeps data.
    pub lookback: Duration,
    pub safety: Safety,
    /// Queries this process keeps in flight at once (default 1). One at a time, a limit
    /// the service did not announce costs a single 429, which teaches the ledger; with
    /// `n` in flight it can cost `n`. Raise it for bursts of slow queries against limits
    /// that are known.
    pub parallel: u32,
}

/// Named sets of limits from the docs, current and historical (hunting-api.md §1.4, §7.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Today's docs: 45/min and 1,500/h; 10 min run time per hour and 3 h per day.
    Current,
    /// The original (2020) M365 Defender spec: 10/min; 10 min/h and 4 h/day; 10-min queries.
    Spec10PerMinute,
    /// The 2021 revision: 15/min; 10 min/h and 4 h/day; 10-min queries.
    Spec15PerMinute,
    /// Current call limits with the older 4 hours of run time per day.
    FourHoursPerDay,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::Current,
        Preset::Spec10PerMinute,
        Preset::Spec15PerMinute,
        Preset::FourHoursPerDay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Current => "current",
            Preset::Spec10PerMinute => "spec-10-per-minute",
            Preset::Spec15PerMinute => "spec-15-per-minute",
            Preset::FourHoursPerDay => "4h-per-day",
        }
    }

    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name)
    }
}

impl Limits {
    /// The documented defaults for a backend: 45/min + 1,500/h, 10 min/h + 3 h/day, 100,000
    /// rows, 30 days; queries time out after 3 minutes on Graph and 10 on the legacy APIs.
    /// `local` spends no quota and gets no windows.
    pub fn for_backend(kind: BackendKind) -> Limits {
        let mut limits = Limits::preset(Preset::Current);
        match kind {
            BackendKind::Graph => {}
            BackendKind::Defender | BackendKind::Mde => limits.query_timeout = 10 * MINUTE,
            BackendKind::Local => {
                limits.metered = false;
                limits.calls.clear();
                limits.run_time.clear();
            }
        }
        limits
    }

    /// A named preset (with Graph's 3-minute timeout unless the preset says otherwise).
    pub fn preset(preset: Preset) -> Limits {
        let calls = |per_minute: u32| -> Vec<CallWindow> {
            let mut v = vec![CallWindow {
                limit: per_minute,
                window: MINUTE,
            }];
            if per_minute == 45 {
                v.push(CallWindow {
                    limit: 1500,
                    window: HOUR,
                });
            }
            v
        };
        let run = |per_day_hours: u64| {
            vec![
                RunWindow {
                    budget: 10 * MINUTE,
                    window: HOUR,
                },
                RunWindow {
                    budget: Duration::from_secs(per_day_hours * 3600),
                    window: DAY,
                },
            ]
        };
        let (calls, run_time, query_timeout) = match preset {
            Preset::Current => (calls(45), run(3), 3 * MINUTE),
            Preset::Spec10PerMinute => (calls(10), run(4), 10 * MINUTE),
            Preset::Spec15PerMinute => (calls(15), run(4), 10 * MINUTE),
            Preset::FourHoursPerDay => (calls(45), run(4), 3 * MINUTE),
        };
        Limits {
            metered: true,
            calls,
            run_time,
            query_timeout,
            max_rows: 100_000,
            lookback: 30 * DAY,
            safety: Safety::default(),
            parallel: 1,
        }
    }

    /// Limits from a profile's `[quota]` table, on top of Graph's defaults (see `from_toml_for`).
    ///
    /// ```toml
    /// [quota]
    /// preset = "current"                 # or spec-10-per-minute, spec-15-per-minute, 4h-per-day
    /// calls = ["45 per 1m", "1500/h"]    # replaces the preset's call windows
    /// run_time = ["10m per 1h", "3h per 1d"]
    /// query_timeout = "3m"               # durations: "90s", "1h30m", "00:01:30" or seconds
    /// max_rows = 100000
    /// lookback = "30d"
    /// headroom = "2%"                    # or 0.02
    /// skew = "1s"
    /// horizon = "15m"
    /// backoff = "2s"
    /// backoff_cap = "5m"
    /// parallel = 1                       # queries in flight at once
    /// ```
    pub fn from_toml(table: &toml::Table) -> Result<Limits, LimitsError> {
        Limits::from_toml_for(BackendKind::Graph, table)
    }

    /// `from_toml` on top of `kind`'s defaults (the legacy APIs' 10-minute timeout;
    /// `local` stays unmetered).
    pub fn from_toml_for(kind: BackendKind, table: &toml::Table) -> Result<Limits, LimitsError> {
        let mut limits = match table.get("preset") {
            None => Limits::for_backend(kind),
            Some(v) => {
                let name = str_value("preset", v)?;
                let preset = Preset::from_name(name).ok_or_else(|| {
                    let names: Vec<&str> = Preset::ALL.iter().map(|p| p.name()).collect();
                    LimitsError::new(
                        "preset",
                        format!("unknown preset `{name}`; use one of {}", names.join(", ")),
                    )
                })?;
                let mut l = Limits::preset(preset);
                l.metered = kind.spends_quota();
                let default_timeout = Limits::for_backend(kind).query_timeout;
                l.query_timeout = l.query_timeout.max(default_timeout);
                l
            }
        };
        for (key, value) in table {
            match key.as_str() {
                "preset" => {}
                "calls" => {
                    limits.calls = list(key, value, |k, s| {
                        parse_call_window(s).map_err(|m| LimitsError::new(k, m))
                    })?
                }
                "run_time" => {
                    limits.run_time = list(key, value, |k, s| {
                        parse_run_window(s).map_err(|m| LimitsError::new(k, m))
                    })?
                }
                "query_timeout" => limits.query_timeout = duration_value(key, value)?,
                "lookback" => limits.lookback = duration_value(key, value)?,
                "max_rows" => {
                    limits.max_rows = match value {
                        toml::Value::Integer(n) if *n > 0 => *n as u64,
                        _ => return Err(LimitsError::new(key, "expected a positive integer")),
                    }
                }
                "headroom" => limits.safety.headroom = fraction_value(key, value)?,
                "skew" => limits.safety.skew = duration_value(key, value)?,
                "horizon" => limits.safety.horizon = duration_value(key, value)?,
                "backoff" => limits.safety.backoff = duration_value(key, value)?,
                "backoff_cap" => limits.safety.backoff_cap = duration_value(key, value)?,
                "parallel" => {
                    limits.parallel = match value {
                        toml::Value::Integer(n) if (1..=64).contains(n) => *n as u32,
                        _ => return Err(LimitsError::new(key, "expected an integer from 1 to 64")),
                    }
                }
                other => {
                    return Err(LimitsError::new(
                        other,
                        "unknown key; expected one of preset, calls, run_time, query_timeout, \
                         max_rows, lookback, headroom, skew, horizon, backoff, backoff_cap, parallel",
                    ));
                }
            }
        }
        if limits.safety.backoff_cap < limits.safety.backoff {
            return Err(LimitsError::new(
                "backoff_cap",
                "must be at least as long as backoff",
            ));
        }
        Ok(limits)
    }
}

/// A `[quota]` value that could not be used; `key` names it (`calls[1]`, `skew`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("quota.{key}: {message}")]
pub struct LimitsError {
    pub key: String,
    pub message: String,
}

impl LimitsError {
    fn new(key: impl Into<String>, message: impl Into<String>) -> Self {
        LimitsError {
            key: key.into(),
            message: message.into(),
        }
    }
}

fn str_value<'a>(key: &str, v: &'a toml::Value) -> Result<&'a str, LimitsError> {
    v.as_str()
        .ok_or_else(|| LimitsError::new(key, "expected a string"))
}

/// A string or a list of strings, each parsed by `parse` with its indexed key.
fn list<T>(
    key: &str,
    value: &toml::Value,
    parse: impl Fn(&str, &str) -> Result<T, LimitsError>,
) -> Result<Vec<T>, LimitsError> {
    match value {
        toml::Value::String(s) => Ok(vec![parse(key, s)?]),
        toml::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let k = format!("{key}[{i}]");
                let s = item
                    .as_str()
                    .ok_or_else(|| LimitsError::new(&k, "expected a string like `45 per 1m`"))?;
                parse(&k, s)
            })
            .collect(),
        _ => Err(LimitsError::new(
            key,
            "expected a string or a list of strings like `45 per 1m`",
        )),
    }
}

fn duration_value(key: &str, v: &toml::Value) -> Result<Duration, LimitsError> {
    match v {
        toml::Value::String(s) => parse_duration(s).map_err(|m| LimitsError::new(key, m)),
        toml::Value::Integer(n) if *n >= 0 && (*n as u64) <= MAX_WINDOW.as_secs() => {
            Ok(Duration::from_secs(*n as u64))
        }
        toml::Value::Float(f) if f.is_finite() && *f >= 0.0 && *f <= MAX_WINDOW.as_secs_f64() => {
            Ok(Duration::from_secs_f64(*f))
        }
        _ => Err(LimitsError::new(
            key,
            "expected a duration such as \"90s\", \"3m\", \"1h30m\" or a number of seconds",
        )),
    }
}

fn fraction_value(key: &str, v: &toml::Value) -> Result<f64, LimitsError> {
    let f = match v {
        toml::Value::Float(f) => *f,
        toml::Value::Integer(0) => 0.0,
        toml::Value::String(s) => match s.trim().strip_suffix('%') {
            Some(p) => p
                .trim()
                .parse::<f64>()
                .map(|p| p / 100.0)
                .unwrap_or(f64::NAN),
            None => s.trim().parse::<f64>().unwrap_or(f64::NAN),
        },
        _ => f64::NAN,
    };
    if f.is_finite() && (0.0..0.5).contains(&f) {
        Ok(f)
    } else {
        Err(LimitsError::new(
            key,
            "expected a fraction below 50%, such as \"2%\" or 0.02",
        ))
    }
}

/// Parse a call budget: `"45 per 1m"`, `"1500/h"`, `"5 per 10s"`, `"10 per minute"`.
pub fn parse_call_window(s: &str) -> Result<CallWindow, String> {
    let (amount, window) = split_budget(s)?;
    let limit = amount.parse::<u32>().map_err(|_| {
        if parse_duration(amount).is_ok() {
            format!("`{s}` is a run-time budget; call budgets count calls, like `45 per 1m`")
        } else {
            format!("`{amount}` is not a number of calls in `{s}`")
        }
    })?;
    Ok(CallWindow {
        limit,
        window: parse_window(window, s)?,
    })
}

/// Parse a run-time budget: `"10m per 1h"`, `"3h per 1d"`, `"90s/h"`.
pub fn parse_run_window(s: &str) -> Result<RunWindow, String> {
    let (amount, window) = split_budget(s)?;
    if amount.parse::<u64>().is_ok() {
        return Err(format!(
            "`{s}` has no unit on `{amount}`; a run-time budget is a duration, like `10m per 1h`"
        ));
    }
    let budget = parse_duration(amount).map_err(|m| format!("{m} in `{s}`"))?;
    let window = parse_window(window, s)?;
    if budget > window {
        return Err(format!(
            "`{s}` allows more run time than the window is long"
        ));
    }
    Ok(RunWindow { budget, window })
}

fn split_budget(s: &str) -> Result<(&str, &str), String> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let split = lower
        .find(" per ")
        .map(|i| (i, 5))
        .or_else(|| lower.find('/').map(|i| (i, 1)));
    match split {
        Some((i, n)) if !t[..i].trim().is_empty() && !t[i + n..].trim().is_empty() => {
            Ok((t[..i].trim(), t[i + n..].trim()))
        }
        _ => Err(format!(
            "`{s}` is not a budget; write it like `45 per 1m`, `1500/h` or `10m per 1h`"
        )),
    }
}

fn parse_window(w: &str, whole: &str) -> Result<Duration, String> {
    // A bare unit ("h", "minute", "day") means one of it.
    let d = if w.starts_with(|c: char| c.is_ascii_alphabetic()) {
        unit(w).ok_or_else(|| format!("unknown time unit `{w}` in `{whole}`"))?
    } else {
        parse_duration(w).map_err(|m| format!("{m} in `{whole}`"))?
    };
    if d.is_zero() {
        return Err(format!("the window in `{whole}` must be longer than zero"));
    }
    Ok(d)
}

fn unit(u: &str) -> Option<Duration> {
    Some(match u.to_ascii_lowercase().as_str() {
        "ms" | "msec" | "millisecond" | "milliseconds" => Duration::from_millis(1),
        "s" | "sec" | "secs" | "second" | "seconds" => SECOND,
        "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
        "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        _ => return None,
    })
}

/// Parse a duration: `"90s"`, `"1.5h"`, `"1h30m"`, `"250ms"`, `"10 minutes"`, or a .NET
/// TimeSpan `"00:01:00"` / `"1.02:00:00"` / `"00:00:19.0468750"` as the service writes them.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    if t.contains(':') {
        return parse_timespan(t).ok_or_else(|| format!("`{s}` is not a duration"));
    }
    let bad = || format!("`{s}` is not a duration; write it like `90s`, `3m` or `1h30m`");
    let mut rest = t;
    let mut total = 0f64;
    let mut parts = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad());
        }
        let n: f64 = rest[..num_len].parse().map_err(|_| bad())?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let u = unit(&rest[..unit_len]).ok_or_else(bad)?;
        total += n * u.as_secs_f64();
        rest = rest[unit_len..].trim_start();
        parts += 1;
    }
    if parts == 0 || !total.is_finite() || total > MAX_WINDOW.as_secs_f64() {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

/// A .NET TimeSpan, `[-][d.]hh:mm[:ss[.fffffff]]` (read by `data::time`), as a window:
/// negative values and values past [`MAX_WINDOW`] are rejected.
pub fn parse_timespan(s: &str) -> Option<Duration> {
    let ticks = u64::try_from(crate::data::time::parse_timespan(s)?).ok()?;
    let d = Duration::from_nanos(ticks.checked_mul(100)?);
    (d <= MAX_WINDOW).then_some(d)
}

/// A window's length as a short label: `min`, `h`, `d`, `10s`, `5m`, `90s`.
pub fn window_label(d: Duration) -> String {
    let s = d.as_secs();
    if d.subsec_nanos() != 0 || s == 0 {
        return format!("{}ms", d.as_millis());
    }
    match s {
        60 => "min".into(),
        3600 => "h".into(),
        86_400 => "d".into(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

impl fmt::Display for CallWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} calls per {}", self.limit, window_label(self.window))
    }
}

impl fmt::Display for RunWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of run time per {}",
            short_duration(self.budget),
            window_label(self.window)
        )
    }
}

/// `45s`, `10m`, `3h`, `1h30m`, `2.5s`: compact, for messages.
pub fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if d.subsec_nanos() != 0 {
        if s >= 60 {
            return short_duration(Duration::from_secs(s + 1));
        }
        return format!("{:.1}s", d.as_secs_f64());
    }
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cw(limit: u32, secs: u64) -> CallWindow {
        CallWindow {
            limit,
            window: Duration::from_secs(secs),
        }
    }

    #[test]
    fn call_budgets_in_every_spelling() {
        assert_eq!(parse_call_window("45 per 1m"), Ok(cw(45, 60)));
        assert_eq!(parse_call_window("1500/h"), Ok(cw(1500, 3600)));
        assert_eq!(parse_call_window("5 per 10s"), Ok(cw(5, 10)));
        assert_eq!(parse_call_window(" 10 PER minute "), Ok(cw(10, 60)));
        assert_eq!(parse_call_window("15/min"), Ok(cw(15, 60)));
        assert_eq!(parse_call_window("30 per 00:01:00"), Ok(cw(30, 60)));
        assert_eq!(parse_call_window("0 per 1m"), Ok(cw(0, 60)));
        assert_eq!(parse_call_window("100 per 1.5h"), Ok(cw(100, 5400)));
    }

    #[test]
    fn run_budgets_in_every_spelling() {
        let rw = |b: u64, w: u64| RunWindow {
            budget: Duration::from_secs(b),
            window: Duration::from_secs(w),
        };
        assert_eq!(parse_run_window("10m per 1h"), Ok(rw(600, 3600)));
        assert_eq!(parse_run_window("3h per 1d"), Ok(rw(10_800, 86_400)));
        assert_eq!(parse_run_window("4h/day"), Ok(rw(14_400, 86_400)));
        assert_eq!(parse_run_window("90s/h"), Ok(rw(90, 3600)));
        assert_eq!(parse_run_window("1m30s per 15m"), Ok(rw(90, 900)));
    }

    #[test]
    fn bad_budgets_say_what_is_wrong() {
        for bad in [
            "",
            "45",
            "per 1m",
            "45 per",
            "x per 1m",
            "45 per 1 fortnight",
            "45 per 0s",
            "-1 per 1m",
            "45 per -1m",
            "1e9 per 1m",
            "45 per 1m1",
        ] {
            assert!(parse_call_window(bad).is_err(), "{bad:?} parsed");
        }
        let e = parse_call_window("10m per 1h").unwrap_err();
        assert!(e.contains("run-time budget"), "{e}");
        let e = parse_run_window("10 per 1h").unwrap_err();
        assert!(e.contains("no unit"), "{e}");
        assert!(parse_run_window("2h per 1h").is_err());
        assert!(parse_run_window("1m per 0s").is_err());
        assert!(parse_call_window("45 per 999999d").is_err());
    }

    #[test]
    fn durations_and_timespans() {
        let d = |s| parse_duration(s).unwrap();
        assert_eq!(d("90s"), Duration::from_secs(90));
        assert_eq!(d("1h30m"), Duration::from_secs(5400));
        assert_eq!(d("1.5h"), Duration::from_secs(5400));
        assert_eq!(d("250ms"), Duration::from_millis(250));
        assert_eq!(d("10 minutes"), Duration::from_secs(600));
        assert_eq!(d("00:01:00"), Duration::from_secs(60));
        assert_eq!(d("01:00:00"), Duration::from_secs(3600));
        assert_eq!(d("00:07:12"), Duration::from_secs(432));
        assert_eq!(d("1.02:00:00"), Duration::from_secs(93_600));
        assert_eq!(d("00:00:19.0468750"), Duration::from_secs_f64(19.046875));
        for bad in [
            "",
            "s",
            "1x",
            "1:2:3:4",
            "00:61:00",
            "a:b",
            "-00:01:00",
            "..s",
            "1..2s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn defaults_and_presets() {
        let g = Limits::for_backend(BackendKind::Graph);
        assert_eq!(g.calls, vec![cw(45, 60), cw(1500, 3600)]);
        assert_eq!(g.run_time[0].budget, Duration::from_secs(600));
        assert_eq!(g.run_time[1].budget, Duration::from_secs(3 * 3600));
        assert_eq!(g.query_timeout, Duration::from_secs(180));
        assert_eq!(g.max_rows, 100_000);
        assert_eq!(g.lookback, Duration::from_secs(30 * 86_400));
        assert_eq!(
            Limits::for_backend(BackendKind::Mde).query_timeout,
            Duration::from_secs(600)
        );
        let local = Limits::for_backend(BackendKind::Local);
        assert!(!local.metered && local.calls.is_empty() && local.run_time.is_empty());
        assert_eq!(
            Limits::preset(Preset::Spec10PerMinute).calls,
            vec![cw(10, 60)]
        );
        assert_eq!(
            Limits::preset(Preset::Spec15PerMinute).calls,
            vec![cw(15, 60)]
        );
        assert_eq!(
            Limits::preset(Preset::FourHoursPerDay).run_time[1].budget,
            Duration::from_secs(4 * 3600)
        );
        for p in Preset::ALL {
            assert_eq!(Preset::from_name(p.name()), Some(p));
        }
    }

    fn table(s: &str) -> toml::Table {
        s.parse::<toml::Table>().unwrap()
    }

    #[test]
    fn from_toml_overrides_the_defaults() {
        let l = Limits::from_toml_for(
            BackendKind::Defender,
            &table(
                r#"
                preset = "spec-15-per-minute"
                calls = ["15 per 1m", "5 per 10s"]
                run_time = "3h per 1d"
                query_timeout = "200s"
                max_rows = 30000
                lookback = "7d"
                headroom = "5%"
                skew = 2
                horizon = "1h"
                backoff = "1s"
                backoff_cap = "2m"
                "#,
            ),
        )
        .unwrap();
        assert_eq!(l.calls, vec![cw(15, 60), cw(5, 10)]);
        assert_eq!(l.run_time.len(), 1);
        assert_eq!(l.query_timeout, Duration::from_secs(200));
        assert_eq!(l.max_rows, 30_000);
        assert_eq!(l.lookback, Duration::from_secs(7 * 86_400));
        assert!((l.safety.headroom - 0.05).abs() < 1e-12);
        assert_eq!(l.safety.skew, Duration::from_secs(2));
        assert_eq!(l.safety.horizon, Duration::from_secs(3600));
        assert!(l.metered);
        let empty = Limits::from_toml(&toml::Table::new()).unwrap();
        assert_eq!(empty, Limits::for_backend(BackendKind::Graph));
        let mde = Limits::from_toml_for(BackendKind::Mde, &table(r#"preset = "current""#));
        assert_eq!(mde.unwrap().query_timeout, Duration::from_secs(600));
        let local = Limits::from_toml_for(BackendKind::Local, &table(r#"preset = "current""#));
        assert!(!local.unwrap().metered);
    }

    #[test]
    fn from_toml_errors_name_the_key() {
        let err = |s: &str| Limits::from_toml(&table(s)).unwrap_err();
        assert_eq!(err(r#"calls = ["45 per 1m", "oops"]"#).key, "calls[1]");
        assert_eq!(err(r#"calls = [45]"#).key, "calls[0]");
        assert_eq!(err(r#"calls = 45"#).key, "calls");
        assert_eq!(err(r#"run_time = ["10 per 1h"]"#).key, "run_time[0]");
        assert_eq!(err(r#"skew = "soon""#).key, "skew");
        assert_eq!(err(r#"skew = -1"#).key, "skew");
        assert_eq!(err(r#"headroom = "80%""#).key, "headroom");
        assert_eq!(err(r#"max_rows = 0"#).key, "max_rows");
        assert_eq!(err(r#"preset = "fast""#).key, "preset");
        assert_eq!(err(r#"calls_per_minute = 45"#).key, "calls_per_minute");
        assert_eq!(err(r#"backoff = "10m""#).key, "backoff_cap");
        let e = err(r#"calls = ["45 per 1 fortnight"]"#);
        assert!(
            e.to_string()
                .starts_with("quota.calls[0]: `1 fortnight` is not a duration"),
            "{e}"
        );
    }

    #[test]
    fn labels() {
        assert_eq!(window_label(Duration::from_secs(60)), "min");
        assert_eq!(window_label(Duration::from_secs(3600)), "h");
        assert_eq!(window_label(Duration::from_secs(86_400)), "d");
        assert_eq!(window_label(Duration::from_secs(10)), "10s");
        assert_eq!(window_label(Duration::from_secs(900)), "15m");
        assert_eq!(window_label(Duration::from_millis(1500)), "1500ms");
        assert_eq!(cw(45, 60).to_string(), "45 calls per min");
        assert_eq!(short_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(short_duration(Duration::from_millis(2500)), "2.5s");
        assert_eq!(short_duration(Duration::ZERO), "0s");
    }
}
