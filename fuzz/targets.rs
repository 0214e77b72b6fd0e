//! The bodies of the fuzz targets, shared by the cargo-fuzz binaries in `fuzz/fuzz_targets/`
//! and the replay test `tests/fuzz_replay.rs`, so every input a fuzzer kept (and every crash
//! it found) is checked again by `cargo test` in CI. Each body states what must hold on ANY
//! input besides "does not panic".

#![allow(dead_code)]

use std::time::Duration;

use kqlhunt::api::decode::decode as decode_body;
use kqlhunt::api::error::{ErrorContext, map_response, parse_error_body};
use kqlhunt::backend::{BackendKind, RunError};
use kqlhunt::data::format::{display_text, escape_control};
use kqlhunt::kql::{self, Span};
use kqlhunt::quota::throttle::{self, parse_retry_after};

/// True when `s` holds a character that must never reach a terminal raw.
pub fn has_raw_control(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

pub fn check_span(src: &str, span: Span, what: &str) {
    assert!(
        span.start <= span.end && span.end <= src.len(),
        "{what} span {span:?} out of bounds (len {}) for {src:?}",
        src.len()
    );
    assert!(
        src.is_char_boundary(span.start) && src.is_char_boundary(span.end),
        "{what} span {span:?} not on char boundaries for {src:?}"
    );
}

/// The KQL front end on any text: lexing, parsing and splitting never panic, and every span
/// they give is in bounds and on char boundaries.
pub fn kql_front_end(src: &str) {
    let parsed = kql::parse(src);
    for t in &parsed.tokens {
        check_span(src, t.span, "token");
    }
    for d in &parsed.diagnostics {
        check_span(src, d.span, "diagnostic");
    }
    kql::for_each_span(&parsed.script, |s| check_span(src, s, "node"));
    for r in kql::query_ranges(src) {
        check_span(src, Span::from(r), "query range");
    }
    for off in [0, src.len() / 2, src.len()] {
        if let Some(r) = kql::query_at(src, off) {
            check_span(src, Span::from(r), "query_at");
        }
    }
}

/// [`kql_front_end`] plus what the editor runs on every keystroke: lint, completion and the
/// signature hint, whose spans must be as sound.
pub fn kql_text(src: &str) {
    kql_front_end(src);
    for d in kql::lint::lint(src) {
        check_span(src, d.span, "lint");
    }
    let cursor = src.len() / 3;
    let completion = kql::complete::complete(&kql::complete::Request::new(src, cursor));
    check_span(src, Span::from(completion.replace), "completion");
    let _ = kql::complete::signature_at(src, cursor);
}

/// `kql_text` on bytes: invalid UTF-8 is the editor's problem, not the parser's.
pub fn kql(data: &[u8]) {
    if let Ok(src) = std::str::from_utf8(data) {
        kql_text(src);
    }
}

/// The response decoder on any bytes: an answer or an error, never a panic; an answer is a
/// rectangular table whose every cell displays without raw control characters.
pub fn decode(data: &[u8]) {
    let Ok(decoded) = decode_body(data) else {
        return;
    };
    let table = &decoded.table;
    for column in table.columns() {
        assert_eq!(
            column.data.len(),
            table.row_count(),
            "column {:?} has the wrong length",
            column.name
        );
        assert!(!has_raw_control(&escape_control(&column.name)));
        for row in 0..table.row_count().min(64) {
            let shown = display_text(column.data.get(row));
            assert!(!has_raw_control(&shown), "cell shown raw: {shown:?}");
        }
    }
}

/// A 429 on any bytes: the first line is the `Retry-After` header, the rest the body. The
/// quota's reading and the error mapper agree on the wait, never announce a negative or
/// absurd one, and the escaped body holds no raw control characters.
pub fn throttle(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (header, body) = text.split_once('\n').unwrap_or(("", &text));
    let header = (!header.is_empty()).then_some(header);
    let reading = throttle::interpret(header.and_then(parse_retry_after), body);
    if let Some(wait) = reading.announced_wait() {
        assert!(wait <= Duration::from_secs(400 * 86_400), "{wait:?}");
    }
    assert!(!has_raw_control(&throttle::escaped_body(body)));
    let _ = parse_error_body(body.as_bytes());
    let ctx = ErrorContext {
        kind: BackendKind::Graph,
        query: "DeviceEvents | take 1",
        token_audience: None,
        expected_audiences: &[],
    };
    match map_response(&ctx, 429, header, body.as_bytes()) {
        // The message is the body kept verbatim (escaped where it is shown), cut short.
        RunError::Throttled { wait, message } => {
            if let Some(asked) = reading.retry_wait() {
                assert_eq!(wait, asked);
            }
            assert!(message.len() <= body.len());
        }
        other => panic!("a 429 mapped to {other:?}"),
    }
}
