//! Crash reports: when kqlhunt panics, the panic hook (installed with the terminal, see
//! `tui::terminal`) writes `<state dir>/crash-<time>.log` (owner-only) with the version,
//! the thread, the panic message and location and a backtrace, and prints one line saying
//! where it is. The report holds nothing else: no config, no environment, no query text,
//! and control characters in the message are escaped, since a panic message can quote data.
//! A debug build can be told to panic on purpose (`KQLHUNT_DEBUG_PANIC=draw` or `export`)
//! so the end-to-end tests can prove the terminal is restored and the report written.

use std::any::Any;
use std::backtrace::Backtrace;
use std::panic::{Location, PanicHookInfo};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::config::{Paths, write_private_atomic};
use crate::data::format::escape_control;

/// The message a panic carries (`panic!` with a literal or with formatting).
fn message_of(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(a panic without a message)"
    }
}

/// The text of a crash report: version, thread, message, location, backtrace, escaped.
pub fn report_text(
    message: &str,
    location: Option<&Location<'_>>,
    thread: Option<&str>,
    backtrace: &Backtrace,
) -> String {
    let location = location
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_else(|| "unknown".into());
    let mut out = format!(
        "kqlhunt {} crashed\nthread: {}\nmessage: {}\nlocation: {}\n\nbacktrace:\n",
        env!("CARGO_PKG_VERSION"),
        escape_control(thread.unwrap_or("unnamed")),
        escape_control(message),
        escape_control(&location),
    );
    for line in backtrace.to_string().lines() {
        out.push_str(&escape_control(line));
        out.push('\n');
    }
    out
}

/// `crash-YYYYMMDDTHHMMSS.mmmZ-<pid>.log` for now.
fn file_name(now: SystemTime) -> String {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let ticks = since.as_secs() as i64 * 10_000_000 + i64::from(since.subsec_millis()) * 10_000;
    let stamp: String = crate::data::time::format_datetime(ticks, 3)
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    format!("crash-{stamp}-{}.log", std::process::id())
}

/// Write the report for this panic under `state_dir`; the path written.
pub fn write_report(state_dir: &Path, info: &PanicHookInfo<'_>) -> std::io::Result<PathBuf> {
    let text = report_text(
        message_of(info.payload()),
        info.location(),
        std::thread::current().name(),
        &Backtrace::force_capture(),
    );
    let path = state_dir.join(file_name(SystemTime::now()));
    write_private_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// From the panic hook: write the report where the platform keeps state and, when `tell`
/// (the terminal is back to normal), say where in one line on stderr. `false` when no report
/// could be written (the caller then lets the default hook print the panic).
pub fn report(info: &PanicHookInfo<'_>, tell: bool) -> bool {
    let Some(paths) = Paths::discover() else {
        return false;
    };
    match write_report(&paths.state_dir, info) {
        Ok(path) => {
            tracing::error!(report = %path.display(), "kqlhunt crashed");
            if tell {
                eprintln!(
                    "kqlhunt crashed (a bug); the report is in {}",
                    escape_control(&path.display().to_string())
                );
            }
            true
        }
        Err(e) => {
            tracing::error!("cannot write a crash report: {e}");
            false
        }
    }
}

/// Debug builds only: whether `KQLHUNT_DEBUG_PANIC` asks for a panic at `place`: `draw`
/// (the first frame drawn after a key, a stand-in for a widget with a bug) or `export` (the
/// `:w` thread, a stand-in for a bug off the UI thread).
#[cfg(debug_assertions)]
pub fn debug_panic_at(place: &str) -> bool {
    std::env::var("KQLHUNT_DEBUG_PANIC").is_ok_and(|v| v == place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_a_sortable_utc_stamp() {
        let t = UNIX_EPOCH + std::time::Duration::from_millis(1_795_000_000_123);
        let name = file_name(t);
        assert!(name.starts_with("crash-20261118T"), "{name}");
        assert!(name.contains(".123Z-"), "{name}");
        assert!(name.ends_with(".log"));
        assert!(!name.contains(':'));
    }

    #[test]
    fn a_report_escapes_the_message_and_names_version_and_place() {
        let text = report_text(
            "bad cell \x1b]0;pwned\x07 here",
            Some(Location::caller()),
            Some("main"),
            &Backtrace::disabled(),
        );
        assert!(text.starts_with(&format!("kqlhunt {} crashed", env!("CARGO_PKG_VERSION"))));
        assert!(text.contains("thread: main\n"), "{text}");
        assert!(
            text.contains("message: bad cell \\x1b]0;pwned\\x07 here"),
            "{text}"
        );
        assert!(text.contains("location: src/crash.rs:"), "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\x07'));
    }

    #[test]
    fn a_panic_message_is_read_from_either_payload() {
        let owned: Box<dyn Any + Send> = Box::new(String::from("formatted 42"));
        let literal: Box<dyn Any + Send> = Box::new("literal");
        let other: Box<dyn Any + Send> = Box::new(7u8);
        assert_eq!(message_of(owned.as_ref()), "formatted 42");
        assert_eq!(message_of(literal.as_ref()), "literal");
        assert_eq!(message_of(other.as_ref()), "(a panic without a message)");
    }
}
