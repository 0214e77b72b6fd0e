//! Turning a failed exchange with a hunting API into a `RunError`: the service's own
//! message (control characters escaped), what kind of failure it is, and what to do next.
//! 401 retries live in the backend; this file only classifies.

use std::time::Duration;

use serde::Deserialize;

use crate::backend::{BackendKind, RunError};
use crate::data::format::escape_control;
use crate::data::time::human_duration;
use crate::quota::throttle::{self, parse_retry_after};

/// The wait assumed when a 429 says neither `Retry-After` nor "again in …": one window of
/// the per-minute call quota. The quota ledger reads the body (kept in the error) itself.
pub const DEFAULT_THROTTLE_WAIT: Duration = Duration::from_secs(60);

/// Longest service message shown to the user (the log has the rest).
const MAX_MESSAGE: usize = 600;
/// Longest 429 body kept for the quota ledger.
const MAX_THROTTLE_BODY: usize = 16 * 1024;

/// The `{"error":{"code","message","target"|"innerError"}}` envelope all three APIs use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceError {
    pub code: String,
    pub message: String,
    pub target: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    error: Option<RawError>,
}

#[derive(Deserialize)]
struct RawError {
    #[serde(default, deserialize_with = "lenient_string")]
    code: String,
    #[serde(default, deserialize_with = "lenient_string")]
    message: String,
    #[serde(default, deserialize_with = "lenient_string")]
    target: String,
}

/// Accept a string, a number or null where a string is documented (`"code": 429`).
fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// Parse an error body; `None` when it is not the documented envelope.
pub fn parse_error_body(body: &[u8]) -> Option<ServiceError> {
    let env: Envelope = serde_json::from_slice(body).ok()?;
    let e = env.error?;
    Some(ServiceError {
        code: e.code,
        message: e.message,
        target: (!e.target.is_empty()).then_some(e.target),
    })
}

/// What the error mapper needs to know besides the response.
#[derive(Clone, Debug)]
pub struct ErrorContext<'a> {
    pub kind: BackendKind,
    /// The query, to turn a line/position in a syntax error into a byte offset.
    pub query: &'a str,
    /// The `aud` claim of the token that was sent, when it could be read.
    pub token_audience: Option<String>,
    /// The audiences this backend accepts (e.g. `https://graph.microsoft.com`).
    pub expected_audiences: &'a [String],
}

/// The permission a backend needs, for 403 messages.
pub fn permission(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Graph => {
            "ThreatHunting.Read.All (Microsoft Graph; the user also needs Security Reader or an advanced hunting role)"
        }
        BackendKind::Defender => {
            "AdvancedHunting.Read.All (application) or AdvancedHunting.Read (delegated) on \"Microsoft Threat Protection\""
        }
        BackendKind::Mde => {
            "AdvancedQuery.Read.All (application) or AdvancedQuery.Read (delegated) on \"WindowsDefenderATP\""
        }
        BackendKind::Local => "nothing (local)",
    }
}

fn is_legacy(kind: BackendKind) -> bool {
    matches!(kind, BackendKind::Defender | BackendKind::Mde)
}

/// The service's message, or the body text when it is not the envelope, made safe to show.
fn shown_message(err: Option<&ServiceError>, body: &[u8]) -> String {
    let raw = match err {
        Some(e) if !e.message.trim().is_empty() => e.message.trim().to_string(),
        Some(e) if !e.code.is_empty() => e.code.clone(),
        Some(_) => String::new(),
        None => String::from_utf8_lossy(body).trim().to_string(),
    };
    let mut s = escape_control(&raw).into_owned();
    if s.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

fn contains_ci(haystack: &str, needle: &str) -> bool {
    haystack.to_ascii_lowercase().contains(needle)
}

/// Map a non-success HTTP response to a `RunError`. A 401 here is final (the backend has
/// already retried with a fresh token).
pub fn map_response(
    ctx: &ErrorContext<'_>,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> RunError {
    let err = parse_error_body(body);
    let msg = shown_message(err.as_ref(), body);
    let code = err.as_ref().map(|e| e.code.as_str()).unwrap_or("");
    let name = ctx.kind.name();
    let lower = msg.to_ascii_lowercase();

    if status == 429 {
        let mut kept = String::from_utf8_lossy(body).into_owned();
        // One reading of a 429 for the whole program, the quota's. The header wins, then
        // the wait the message names (hunting-api.md: honour Retry-After if present).
        let wait = throttle::interpret(retry_after.and_then(parse_retry_after), &kept)
            .retry_wait()
            .unwrap_or(DEFAULT_THROTTLE_WAIT);
        if kept.len() > MAX_THROTTLE_BODY {
            let mut cut = MAX_THROTTLE_BODY;
            while !kept.is_char_boundary(cut) {
                cut -= 1;
            }
            kept.truncate(cut);
        }
        return RunError::Throttled {
            wait,
            message: kept,
        };
    }

    if is_legacy(ctx.kind)
        && (status == 410
            || (status == 404 && err.is_none())
            || lower.contains("retired")
            || lower.contains("deprecated")
            || lower.contains("no longer supported"))
    {
        let said = if msg.is_empty() {
            String::new()
        } else {
            format!(" ({msg})")
        };
        return RunError::Server {
            status,
            message: format!(
                "the {name} advanced hunting API did not accept the call{said}; Microsoft is retiring it (MC1220762, fully by February 2027), so switch to the graph backend (`--backend graph`, permission ThreatHunting.Read.All)"
            ),
        };
    }

    if lower.contains("timeout period") || lower.contains("timed out") || status == 408 {
        return RunError::Timeout(format!(
            "{}; narrow the time range or the data the query scans, then run it again",
            or_default(&msg, "the service stopped the query")
        ));
    }
    if lower.contains("preempted")
        || lower.contains("exceeded the allowed limits")
        || lower.contains("excessive resource")
    {
        return RunError::Timeout(format!(
            "{msg}; the service stopped it for using too much CPU or memory: filter earlier, narrow the time range, or summarize"
        ));
    }
    if lower.contains("allowed result size")
        || lower.contains("result size limit")
        || lower.contains("query size exceeded")
        || status == 413
        || status == 414
    {
        return RunError::TooLarge(format!(
            "{}; project fewer columns, summarize, or take fewer rows",
            or_default(&msg, "the request or its result is too large")
        ));
    }

    match status {
        400 => classify_bad_request(ctx, code, &msg),
        401 => RunError::Auth(format!(
            "the {name} service rejected the token ({}); sign in again with `kqlhunt login`",
            or_default(&msg, "401 Unauthorized")
        )),
        403 => forbidden(ctx, code, &msg),
        _ => {
            let mut message = or_default(&msg, "no message").to_string();
            if !code.is_empty() && !msg.contains(code) {
                message = format!("{code}: {message}");
            }
            let next = match status {
                404 => "; check the base URL of this backend".to_string(),
                503 => match retry_after.and_then(parse_retry_after) {
                    Some(w) => format!("; retry in {}", human_duration(w)),
                    None => "; retry in a few minutes".to_string(),
                },
                500.. => {
                    "; retry in a few minutes, or narrow the query if it keeps failing".to_string()
                }
                _ => String::new(),
            };
            RunError::Server {
                status,
                message: format!("{message}{next}"),
            }
        }
    }
}

fn or_default<'a>(msg: &'a str, default: &'a str) -> &'a str {
    if msg.is_empty() { default } else { msg }
}

fn classify_bad_request(ctx: &ErrorContext<'_>, code: &str, msg: &str) -> RunError {
    if code.eq_ignore_ascii_case("InvalidRequestBody")
        || code.eq_ignore_ascii_case("MissingRequiredParameter")
    {
        return RunError::Internal(format!("the service rejected the request body: {msg}"));
    }
    let at = position(ctx.query, msg);
    let syntax = [
        "syntax error",
        "recognition error",
        "syn0002",
        "could not be parsed",
    ]
    .iter()
    .any(|n| contains_ci(msg, n));
    let message = or_default(msg, "the service rejected the query (400 Bad Request)").to_string();
    if syntax {
        RunError::Syntax { message, at }
    } else {
        RunError::Semantic { message, at }
    }
}

/// A byte offset in `query` from the positions Kusto messages carry:
/// `[line:position=L:P]` (both zero-based) or `line L, position P` (both one-based).
pub fn position(query: &str, message: &str) -> Option<usize> {
    let lower = message.to_ascii_lowercase();
    let (line, col) = if let Some(i) = lower.find("line:position=") {
        let rest = &lower[i + "line:position=".len()..];
        let (l, p) = rest.split_once(':')?;
        let p: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
        (l.trim().parse::<usize>().ok()?, p.parse::<usize>().ok()?)
    } else {
        let i = lower.find("line ")?;
        let rest = &lower[i + 5..];
        let l: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let j = rest.find("position ")?;
        let p: String = rest[j + 9..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        (
            l.parse::<usize>().ok()?.checked_sub(1)?,
            p.parse::<usize>().ok()?.checked_sub(1)?,
        )
    };
    let mut offset = 0;
    for (n, text) in query.split_inclusive('\n').enumerate() {
        if n == line {
            let within = text
                .char_indices()
                .nth(col)
                .map_or(text.trim_end_matches('\n').len(), |(b, _)| b);
            return Some(offset + within);
        }
        offset += text.len();
    }
    None
}

fn forbidden(ctx: &ErrorContext<'_>, code: &str, msg: &str) -> RunError {
    let name = ctx.kind.name();
    if code.eq_ignore_ascii_case("DisabledFeature") {
        return RunError::Forbidden(format!(
            "{}; the tenant does not have this feature enabled",
            or_default(msg, "DisabledFeature")
        ));
    }
    if let (Some(aud), Some(expected)) = (&ctx.token_audience, ctx.expected_audiences.first())
        && !audience_matches(aud, ctx.expected_audiences)
    {
        return RunError::Forbidden(format!(
            "the token is for {} but {name} needs a token for {} (scope {}/.default); sign in for that resource",
            escape_control(aud),
            expected,
            expected.trim_end_matches('/')
        ));
    }
    RunError::Forbidden(format!(
        "{}; the app or user needs {} with admin consent",
        or_default(msg, "403 Forbidden"),
        permission(ctx.kind)
    ))
}

/// Whether a token audience is one of the expected ones. Audiences that are not URLs
/// (application ids) cannot be judged and count as a match.
pub fn audience_matches(aud: &str, expected: &[String]) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    if !aud.contains("://") {
        return true;
    }
    expected.iter().any(|e| norm(e) == norm(aud))
}

/// The `aud` claim of a JWT-shaped bearer token (no signature check: it only improves an
/// error message). Never logs or returns any other part of the token.
pub fn token_audience(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64url_decode(payload)?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("aud")?.as_str().map(str::to_owned)
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Map a transport failure (no HTTP status) to a `RunError`.
pub fn map_transport(kind: BackendKind, e: &reqwest::Error, timeout: Duration) -> RunError {
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !detail.contains(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        source = s.source();
    }
    let detail = escape_control(&detail).into_owned();
    if e.is_timeout() {
        return RunError::Timeout(format!(
            "{} sent no answer within {}; narrow the query, or raise the request timeout",
            kind.name(),
            human_duration(timeout)
        ));
    }
    if e.is_connect() {
        return RunError::Network(format!(
            "cannot connect to the {} service ({detail}); check the network, the proxy (HTTPS_PROXY/NO_PROXY) and the base URL",
            kind.name()
        ));
    }
    RunError::Network(format!(
        "the connection to {} broke before the result arrived ({detail}); run the query again",
        kind.name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(kind: BackendKind) -> ErrorContext<'static> {
        ErrorContext {
            kind,
            query: "DeviceEvents\n| where x == 1",
            token_audience: None,
            expected_audiences: &[],
        }
    }

    #[test]
    fn a_429_waits_as_its_header_else_its_message_says() {
        let wait = |retry_after: Option<&str>, body: &[u8]| match map_response(
            &ctx(BackendKind::Mde),
            429,
            retry_after,
            body,
        ) {
            RunError::Throttled { wait, .. } => wait,
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(Some("10"), b""), Duration::from_secs(10));
        assert_eq!(
            wait(
                Some("2.128"),
                br#"{"error":{"message":"You can send requests again in 8 seconds."}}"#
            ),
            Duration::from_millis(2128),
            "the header wins"
        );
        assert_eq!(
            wait(
                None,
                br#"{"error":{"code":"429","message":"API calls quota exceeded! Maximum allowed 30 per 00:01:00 for the key X. You can send requests again in 8 seconds."}}"#
            ),
            Duration::from_secs(8)
        );
        assert_eq!(
            wait(
                None,
                br#"{"error":{"message":"You can run queries again in 00:07:12."}}"#
            ),
            Duration::from_secs(432)
        );
        assert_eq!(
            wait(
                Some("Wed, 21 Oct 2015 07:28:00 GMT"),
                br#"{"error":{"message":"maximum allowed 45 per 00:01:00"}}"#
            ),
            DEFAULT_THROTTLE_WAIT
        );
    }

    #[test]
    fn throttled_keeps_the_body_verbatim() {
        let body = br#"{"error":{"code":"429","message":"API calls quota exceeded! maximum allowed 45 per 00:01:00","target":"t"}}"#;
        let e = map_response(&ctx(BackendKind::Mde), 429, None, body);
        assert_eq!(
            e,
            RunError::Throttled {
                wait: DEFAULT_THROTTLE_WAIT,
                message: String::from_utf8_lossy(body).into_owned()
            }
        );
        let e = map_response(&ctx(BackendKind::Graph), 429, Some("2.5"), b"");
        assert!(
            matches!(e, RunError::Throttled { wait, .. } if wait == Duration::from_millis(2500))
        );
    }

    #[test]
    fn bad_requests_are_classified() {
        let c = ctx(BackendKind::Defender);
        let sem = br#"{"error":{"code":"BadRequest","message":"'where' operator: Failed to resolve table or column expression named 'EmailAttachmentInfo'. Fix semantic errors in your query.","target":"|dda96034-4495868f9e453baf."}}"#;
        assert!(matches!(
            map_response(&c, 400, None, sem),
            RunError::Semantic { at: None, .. }
        ));
        let syn = br#"{"error":{"code":"BadRequest","message":"Syntax error: SYN0002: A recognition error occurred. [line:position=1:2]"}}"#;
        assert_eq!(
            map_response(&c, 400, None, syn).position(),
            Some("DeviceEvents\n| ".len())
        );
        let pre = br#"{"error":{"code":"BadRequest","message":"Query execution has exceeded the allowed limits. The query execution was preempted."}}"#;
        assert!(matches!(
            map_response(&c, 400, None, pre),
            RunError::Timeout(_)
        ));
        let big = br#"{"error":{"code":"BadRequest","message":"Query execution has exceeded the allowed result size. Optimize your query by limiting the number of results and try again."}}"#;
        assert!(matches!(
            map_response(&c, 400, None, big),
            RunError::TooLarge(_)
        ));
        let body = br#"{"error":{"code":"MissingRequiredParameter","message":"Parameter Query is missing."}}"#;
        assert!(matches!(
            map_response(&c, 400, None, body),
            RunError::Internal(_)
        ));
    }

    #[test]
    fn forbidden_names_the_permission_or_the_audience() {
        let mut c = ctx(BackendKind::Mde);
        let e = map_response(
            &c,
            403,
            None,
            br#"{"error":{"code":"Forbidden","message":"nope"}}"#,
        );
        assert!(e.to_string().contains("AdvancedQuery.Read.All"), "{e}");
        let expected = vec!["https://api.securitycenter.microsoft.com".to_string()];
        c.expected_audiences = &expected;
        c.token_audience = Some("https://graph.microsoft.com".into());
        let e = map_response(&c, 403, None, b"");
        assert!(
            e.to_string()
                .contains("token is for https://graph.microsoft.com"),
            "{e}"
        );
    }

    #[test]
    fn server_errors_retirement_and_escaping() {
        let c = ctx(BackendKind::Graph);
        let e = map_response(
            &c,
            500,
            None,
            br#"{"error":{"code":"UnknownError","message":"","innerError":{"date":"x"}}}"#,
        );
        assert!(
            matches!(&e, RunError::Server { status: 500, message } if message.starts_with("UnknownError")),
            "{e:?}"
        );
        assert!(matches!(
            map_response(&c, 504, None, b""),
            RunError::Server { status: 504, .. }
        ));
        let e = map_response(&ctx(BackendKind::Defender), 410, None, b"Gone");
        assert!(e.to_string().contains("graph"), "{e}");
        let e = map_response(&c, 502, None, b"bad \x1b[31m gateway");
        assert!(e.to_string().contains("\\x1b[31m"), "{e}");
    }

    #[test]
    fn positions_map_to_byte_offsets() {
        let q = "T\n| wheré x";
        assert_eq!(position(q, "[line:position=0:0]"), Some(0));
        assert_eq!(position(q, "at line 2, position 4"), Some(5));
        assert_eq!(position(q, "Line 9, Position 1"), None);
        assert_eq!(position(q, "nothing"), None);
    }

    #[test]
    fn token_audience_reads_the_claim_only() {
        // {"aud":"https://graph.microsoft.com","roles":["x"]}
        let payload = "eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJyb2xlcyI6WyJ4Il19";
        let t = format!("eyJhbGciOiJub25lIn0.{payload}.sig");
        assert_eq!(
            token_audience(&t).as_deref(),
            Some("https://graph.microsoft.com")
        );
        assert_eq!(token_audience("opaque"), None);
        assert!(audience_matches(
            "00000003-0000-0000-c000-000000000000",
            &[]
        ));
    }
}
