//! Reading a 429: the `Retry-After` header (integer or fractional seconds), and the bodies
//! the hunting APIs send (hunting-api.md §1.5, §2.5, §7.9-10): "maximum allowed N per
//! hh:mm:ss" (a call window, which also tells us the tenant's real limit), "You can send
//! requests again in N seconds", the CPU wording "You can run queries again in hh:mm:ss",
//! and Graph's `TooManyRequests` that says nothing beyond `Retry-After`. When a 429 says
//! nothing about when to come back, `backoff` waits exponentially longer, with jitter.

use std::borrow::Cow;
use std::time::Duration;

use super::limits::{CallWindow, MAX_WINDOW, parse_duration, parse_timespan};
use crate::data::format::escape_control;

/// How much of a 429 body is kept for the details popup.
pub const MAX_BODY_CHARS: usize = 4096;

/// What a 429 told us.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Throttle {
    /// `error.code` (`"429"` on the legacy APIs, `"TooManyRequests"` on Graph).
    pub code: Option<String>,
    /// `error.message`, or the whole body when it is not the usual JSON envelope. Raw:
    /// escape it (`escaped_body`) before it reaches a terminal or a log line.
    pub message: String,
    /// The `Retry-After` header.
    pub retry_after: Option<Duration>,
    /// "You can send requests again in N seconds."
    pub send_again_in: Option<Duration>,
    /// "You can run queries again in hh:mm:ss": the CPU / run-time quota is spent.
    pub run_again_in: Option<Duration>,
    /// "maximum allowed N per hh:mm:ss": the call window that was exceeded.
    pub max_allowed: Option<CallWindow>,
    /// Whether the message is about processing resources (CPU / run time) rather than calls.
    pub cpu: bool,
}

impl Throttle {
    /// When to send again, as the service asks: `Retry-After` if present, else the wait
    /// the message names.
    pub fn retry_wait(&self) -> Option<Duration> {
        self.retry_after
            .or(self.send_again_in)
            .or(self.run_again_in)
    }

    /// The longest wait the response announced (header or body), if any.
    pub fn announced_wait(&self) -> Option<Duration> {
        [self.retry_after, self.send_again_in, self.run_again_in]
            .into_iter()
            .flatten()
            .max()
    }
}

/// Interpret a 429 from its `Retry-After` header (already parsed) and its body.
pub fn interpret(retry_after: Option<Duration>, body: &str) -> Throttle {
    let (code, message) = envelope(body);
    let lower = message.to_ascii_lowercase();
    let cpu = lower.contains("processing resources")
        || lower.contains("run queries again")
        || lower.contains("cpu");
    let again = after(&lower, "again in ").and_then(leading_duration);
    let (send_again_in, run_again_in) = if cpu { (None, again) } else { (again, None) };
    Throttle {
        code,
        max_allowed: max_allowed(&lower),
        message,
        retry_after,
        send_again_in,
        run_again_in,
        cpu,
    }
}

/// `Retry-After` as seconds, integer or fractional (Graph has sent `2.128`). HTTP-dates are
/// not used by these services and give `None`, as do negative or absurd values.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0 && secs <= MAX_WINDOW.as_secs_f64())
        .then(|| Duration::from_secs_f64(secs))
}

/// A 429 body made safe to show and store: control characters escaped, at most
/// `MAX_BODY_CHARS` characters (an ellipsis marks the cut).
pub fn escaped_body(body: &str) -> String {
    let cut = match body.char_indices().nth(MAX_BODY_CHARS) {
        Some((i, _)) => Cow::Owned(format!("{}…", &body[..i])),
        None => Cow::Borrowed(body),
    };
    escape_control(&cut).into_owned()
}

/// `{"error":{"code","message"}}` → (code, message); anything else is all message.
fn envelope(body: &str) -> (Option<String>, String) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return (None, body.to_string());
    };
    let err = &v["error"];
    let code = match &err["code"] {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match err["message"].as_str() {
        Some(m) => (code, m.to_string()),
        None => (code, body.to_string()),
    }
}

fn after<'a>(haystack: &'a str, needle: &str) -> Option<&'a str> {
    haystack
        .find(needle)
        .map(|i| haystack[i + needle.len()..].trim_start())
}

/// "maximum allowed 45 per 00:01:00[ for the key …]" (any case).
fn max_allowed(lower: &str) -> Option<CallWindow> {
    let rest = after(lower, "maximum allowed")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let limit: u32 = rest[..digits].parse().ok()?;
    let rest = rest[digits..]
        .trim_start()
        .strip_prefix("per")?
        .trim_start();
    let window = leading_duration(rest)?;
    (!window.is_zero()).then_some(CallWindow { limit, window })
}

/// The duration at the start of `s`: `00:07:12`, `8 seconds`, `1.5 minutes`, `90s`.
fn leading_duration(s: &str) -> Option<Duration> {
    let token_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(s.len());
    let token = s[..token_end].trim_end_matches('.');
    if token.is_empty() {
        return None;
    }
    if token.contains(':') {
        return parse_timespan(token);
    }
    let rest = s[token_end..].trim_start();
    let unit_end = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let unit = if unit_end == 0 {
        "s"
    } else {
        &rest[..unit_end]
    };
    parse_duration(&format!("{token}{unit}")).ok()
}

/// A small deterministic generator (SplitMix64) for jitter and call ids: seeded by the
/// caller, so tests replay exactly and separate processes do not back off in lockstep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The wait after the `strikes`-th 429 in a row that announced no wait: `base × 2^(k-1)`
/// capped at `cap`, with "equal jitter" (half fixed, half random), so it is never shorter
/// than half the nominal wait and never longer than `cap`.
pub fn backoff(strikes: u32, base: Duration, cap: Duration, rng: &mut SplitMix64) -> Duration {
    let exp = strikes.saturating_sub(1).min(32);
    let nominal = base.saturating_mul(1u32 << exp.min(31)).min(cap);
    let half = nominal / 2;
    half + half.mul_f64(rng.next_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn retry_after_integer_and_fractional() {
        assert_eq!(parse_retry_after("10"), Some(S(10)));
        assert_eq!(
            parse_retry_after(" 2.128 "),
            Some(Duration::from_millis(2128))
        );
        assert_eq!(parse_retry_after("0"), Some(Duration::ZERO));
        for bad in [
            "",
            "-1",
            "soon",
            "NaN",
            "inf",
            "1e300",
            "Wed, 21 Oct 2015 07:28:00 GMT",
        ] {
            assert_eq!(parse_retry_after(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn legacy_minute_and_hour_bodies() {
        let t = interpret(
            None,
            r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 45 per 00:01:00","target":"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"}}"#,
        );
        assert_eq!(t.code.as_deref(), Some("429"));
        assert_eq!(
            t.max_allowed,
            Some(CallWindow {
                limit: 45,
                window: S(60)
            })
        );
        assert_eq!(t.announced_wait(), None);
        assert!(!t.cpu);

        let t = interpret(
            None,
            r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 1500 per 01:00:00","target":"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"}}"#,
        );
        assert_eq!(
            t.max_allowed,
            Some(CallWindow {
                limit: 1500,
                window: S(3600)
            })
        );
    }

    #[test]
    fn send_requests_again_in_seconds() {
        let t = interpret(
            None,
            r#"{"error":{"code":"429","message":"API calls quota exceeded! Maximum allowed 30 per 00:01:00 for the key Destination+TenantID+AppID. You can send requests again in 8 seconds.","target":"TENANT_ID"}}"#,
        );
        assert_eq!(
            t.max_allowed,
            Some(CallWindow {
                limit: 30,
                window: S(60)
            })
        );
        assert_eq!(t.send_again_in, Some(S(8)));
        assert_eq!(t.announced_wait(), Some(S(8)));
        // The §7.9 variant: the minute body with the suffix.
        let t = interpret(
            Some(S(3)),
            r#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 45 per 00:01:00 You can send requests again in 42 seconds.","target":"g"}}"#,
        );
        assert_eq!(
            t.max_allowed,
            Some(CallWindow {
                limit: 45,
                window: S(60)
            })
        );
        assert_eq!(t.send_again_in, Some(S(42)));
        assert_eq!(
            t.announced_wait(),
            Some(S(42)),
            "the longer of header and body"
        );
        let t = interpret(None, "You can send requests again in 1 second.");
        assert_eq!(t.send_again_in, Some(S(1)));
        let t = interpret(None, "send requests again in 2.5 seconds");
        assert_eq!(t.send_again_in, Some(Duration::from_millis(2500)));
    }

    #[test]
    fn cpu_wording_blocks_until_then() {
        let t = interpret(
            None,
            r#"{"error":{"code":"429","message":"You have exceeded processing resources allocated to this tenant. You can run queries again in 00:07:12.","target":"g"}}"#,
        );
        assert!(t.cpu);
        assert_eq!(t.run_again_in, Some(S(432)));
        assert_eq!(t.send_again_in, None);
        assert_eq!(t.max_allowed, None);
        // Not JSON at all (a proxy, or a portal-style text).
        let t = interpret(None, "You can run queries again in 00:14:59");
        assert_eq!(t.run_again_in, Some(S(899)));
        assert_eq!(t.message, "You can run queries again in 00:14:59");
    }

    #[test]
    fn graph_too_many_requests() {
        let body = r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}"#;
        let t = interpret(parse_retry_after("10"), body);
        assert_eq!(t.code.as_deref(), Some("TooManyRequests"));
        assert_eq!(t.message, "Please retry again later.");
        assert_eq!(t.announced_wait(), Some(S(10)));
        assert_eq!(t.max_allowed, None);
        let t = interpret(parse_retry_after("2.128"), body);
        assert_eq!(t.announced_wait(), Some(Duration::from_millis(2128)));
        assert_eq!(interpret(None, body).announced_wait(), None);
    }

    #[test]
    fn garbage_never_panics() {
        for body in [
            "",
            "{",
            "null",
            "[]",
            r#"{"error":null}"#,
            r#"{"error":{"code":429}}"#,
            "maximum allowed",
            "maximum allowed 45",
            "maximum allowed 45 per",
            "maximum allowed 99999999999 per 00:01:00",
            "maximum allowed 5 per 00:00:00",
            "again in",
            "again in .",
            "again in ::",
            "again in 1e9 seconds",
            "again in 5 fortnights",
            "again in 99999999999999999999 seconds",
            "\u{1b}[2J again in 3",
        ] {
            let t = interpret(None, body);
            assert!(t.max_allowed.is_none_or(|w| !w.window.is_zero()));
        }
        assert_eq!(interpret(None, "again in 3").send_again_in, Some(S(3)));
        assert_eq!(
            interpret(None, r#"{"error":{"code":429,"message":"x"}}"#)
                .code
                .as_deref(),
            Some("429")
        );
    }

    #[test]
    fn bodies_are_escaped_and_capped() {
        assert_eq!(escaped_body("a\u{1b}[2Jb\n"), "a\\x1b[2Jb\\n");
        let long = "x".repeat(MAX_BODY_CHARS + 10);
        let e = escaped_body(&long);
        assert_eq!(e.chars().count(), MAX_BODY_CHARS + 1);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let mut rng = SplitMix64(7);
        let (base, cap) = (S(2), S(300));
        for k in 1..40 {
            let nominal = base.saturating_mul(1 << (k - 1).min(31)).min(cap);
            let w = backoff(k, base, cap, &mut rng);
            assert!(w >= nominal / 2 && w <= nominal, "k={k} w={w:?}");
        }
        assert!(backoff(0, base, cap, &mut rng) <= base);
        let a: Vec<_> = (1..6)
            .map(|k| backoff(k, base, cap, &mut SplitMix64(1)))
            .collect();
        let b: Vec<_> = (1..6)
            .map(|k| backoff(k, base, cap, &mut SplitMix64(1)))
            .collect();
        assert_eq!(a, b, "deterministic per seed");
        assert_ne!(
            backoff(3, base, cap, &mut SplitMix64(1)),
            backoff(3, base, cap, &mut SplitMix64(2))
        );
    }
}
