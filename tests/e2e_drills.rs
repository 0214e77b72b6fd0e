//! Failure drills on the real binary in a pseudo-terminal. Each one ends with the app
//! still usable (the next query runs) and the query text intact on screen: a 429 storm with
//! every body the fake knows, 500/502/503/504, a body cut off mid-stream, malformed JSON,
//! schema and rows that disagree, a token the service rejects and one that expires
//! mid-session, the network going away during a run and coming back; then SIGHUP (the
//! buffer is back at the next start), SIGTERM (exit 143, terminal restored) and a panic
//! inside a widget (terminal restored, a crash log written without secrets).

mod support;

use std::time::{Duration, Instant};

use support::login::CLIENT_SECRET;
use support::pty::*;
use support::*;

const QUERY: &str = "DeviceEvents | where Timestamp > ago(1h)";

/// The terminal is given back: alternate screen left and cursor shown, in that order.
fn assert_restored(p: &Pty) {
    let raw = p.raw();
    let leave = raw.windows(8).rposition(|w| w == b"\x1b[?1049l");
    let show = raw.windows(6).rposition(|w| w == b"\x1b[?25h");
    assert!(
        matches!((leave, show), (Some(l), Some(s)) if s > l),
        "the terminal is not restored"
    );
    assert!(!p.alternate_screen());
}

/// The query is still in the editor, as typed.
fn assert_query_intact(p: &Pty) {
    let screen = p.screen_text();
    assert!(
        screen.contains(&format!("│ 1 {QUERY}")),
        "the query text is gone:\n{screen}"
    );
}

/// Run the query fresh and wait for the fake's default answer: result number `results`
/// + 1 (the status bar names each result `$N`).
fn next_query_runs(p: &mut Pty, fake: &FakeHandle, results: &mut usize) {
    let before = fake.requests().len();
    *results += 1;
    p.key(Key::ShiftF(5));
    let status = format!("5 rows (${results})");
    p.wait_until(&format!("{status} on the screen"), WAIT, |s| {
        s.contains("Results 5 rows × 13 columns") && s.contains(&status)
    });
    assert!(fake.requests().len() > before);
    assert_query_intact(p);
}

/// Script `replies`, run the query fresh, and wait (once every reply was taken) for the
/// failure naming `says`.
fn fails_with(p: &mut Pty, fake: &FakeHandle, replies: Vec<Reply>, says: &str) {
    let want = fake.requests().len() + replies.len();
    for r in replies {
        fake.set_next_response(r);
    }
    p.key(Key::ShiftF(5));
    p.wait_until(&format!("a failure saying {says:?}"), WAIT, |s| {
        fake.requests().len() >= want
            && s.contains("✗ failed")
            && s.contains(says)
            && !s.contains("Esc cancels")
    });
    assert_query_intact(p);
}

fn start_with_fake(rt: &tokio::runtime::Runtime) -> (FakeHandle, tempfile::TempDir, Pty) {
    let fake = rt.block_on(FakeService::start(FakeConfig {
        retry_after: RetryAfter::Seconds(1),
        ..FakeConfig::default()
    }));
    let home = tempfile::tempdir().unwrap();
    write_fake_profile(home.path(), "graph", &fake.base_url(), "");
    let mut p = Pty::spawn(home.path(), Spawn::default().size(150, 30));
    p.wait_for("No results yet");
    p.send(QUERY);
    (fake, home, p)
}

#[test]
fn service_failures_each_leave_the_app_usable_and_the_query_intact() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (fake, _home, mut p) = start_with_fake(&rt);
    let mut n = 0;
    next_query_runs(&mut p, &fake, &mut n);

    // A 429 storm: every body variant, three attempts per run, then a clear failure.
    let secs = Duration::from_secs(1);
    let storm = [
        Throttle::PerMinute(45),
        Throttle::AgainIn { max: 45, secs: 1 },
        Throttle::Graph,
        Throttle::Cpu(secs),
        Throttle::PerWindow {
            max: 50,
            window: Duration::from_secs(2),
        },
        Throttle::Hourly(1500),
    ];
    for three in storm.chunks(3) {
        let before = fake.requests().len();
        let replies = three.iter().cloned().map(Reply::Throttle).collect();
        fails_with(&mut p, &fake, replies, "throttled by the service; retry in");
        assert_eq!(fake.requests().len() - before, 3, "three attempts");
    }
    next_query_runs(&mut p, &fake, &mut n);
    // Fractional and absent Retry-After: the wait is still shown and respected.
    fake.configure(|c| c.retry_after = RetryAfter::Fractional(0.5));
    fake.set_next_response(Reply::Throttle(Throttle::PerMinute(45)));
    next_query_runs(&mut p, &fake, &mut n);

    // Server errors, each with its own sentence.
    let cases: Vec<(Reply, &str)> = vec![
        (
            Reply::UnknownError(500),
            "the service failed (500): UnknownError",
        ),
        (Reply::Empty(502), "the service failed (502)"),
        (Reply::Unavailable(Some(1)), "the service failed (503)"),
        (Reply::Timeout(504), "the query ran out of time"),
        (Reply::UnknownError(504), "(504)"),
        // Cut off mid-body, dropped before any answer, malformed and not JSON at all.
        (
            Reply::DropMidBody,
            "network error: the connection to graph broke",
        ),
        (
            Reply::DropBeforeHeaders,
            "network error: the connection to graph broke",
        ),
        (
            Reply::Raw {
                status: 200,
                headers: vec![],
                body: r#"{"schema":[{"name":"a","type":"String"}],"results":[{"a":"#.into(),
            },
            "the result from graph ended early",
        ),
        (
            Reply::Raw {
                status: 200,
                headers: vec![],
                body: "<html>upstream proxy error</html>".into(),
            },
            "not a hunting result",
        ),
    ];
    for (reply, says) in cases {
        fails_with(&mut p, &fake, vec![reply], says);
        next_query_runs(&mut p, &fake, &mut n);
    }

    // Schema and rows that disagree: values of the wrong kind are empty, extra keys are
    // dropped, missing ones are null; the grid shows the schema's columns.
    fake.set_next_response(Reply::Raw {
        status: 200,
        headers: vec![],
        body: r#"{"schema":[{"name":"Num","type":"Int64"},{"name":"When","type":"DateTime"}],
            "results":[{"Num":"x","When":5,"Extra":"c"},{"When":"2024-01-01T00:00:00Z"},
            {"Num":[1,2],"When":{"x":1}},{"Num":7}]}"#
            .into(),
    });
    p.key(Key::ShiftF(5));
    n += 1;
    p.wait_for(&format!("4 rows (${n})"));
    p.wait_for("Results 4 rows × 2 columns");
    let screen = p.screen_text();
    assert!(screen.contains("2024-01-01T00:00:00"), "{screen}");
    assert!(!screen.contains("Extra"), "{screen}");
    assert_query_intact(&p);
    next_query_runs(&mut p, &fake, &mut n);

    // The service rejects the token (401): a new one is fetched and the query runs.
    let grants = fake.login().grants("client_credentials").len();
    fake.set_next_response(Reply::Unauthorized);
    next_query_runs(&mut p, &fake, &mut n);
    assert_eq!(fake.login().grants("client_credentials").len(), grants + 1);

    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
    assert_restored(&p);
}

#[test]
fn a_token_that_expires_mid_session_is_renewed_before_the_next_query() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeService::start(FakeConfig::default()));
    // A token that lives three seconds (kqlhunt renews ahead within half a lifetime).
    fake.login().set(|s| s.token_lifetime = 3);
    let home = tempfile::tempdir().unwrap();
    write_fake_profile(home.path(), "graph", &fake.base_url(), "");
    let mut p = Pty::spawn(home.path(), Spawn::default().size(150, 30));
    p.wait_for("No results yet");
    p.send(QUERY);
    let mut n = 0;
    next_query_runs(&mut p, &fake, &mut n);
    assert_eq!(fake.login().grants("client_credentials").len(), 1);
    let first = fake.requests().last().unwrap().authorization.clone();
    // Real time has to pass for a real token to expire.
    std::thread::sleep(Duration::from_millis(3500));
    next_query_runs(&mut p, &fake, &mut n);
    assert_eq!(fake.login().grants("client_credentials").len(), 2);
    let second = fake.requests().last().unwrap().authorization.clone();
    assert_ne!(first, second, "the expired token was not sent again");
    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
}

#[test]
fn the_network_going_away_during_a_run_and_coming_back() {
    let first = tokio::runtime::Runtime::new().unwrap();
    let (fake, _home, mut p) = start_with_fake(&first);
    let mut n = 0;
    let addr = fake.addr();
    next_query_runs(&mut p, &fake, &mut n);

    // The service hangs, then vanishes with the connection still open.
    fake.set_next_response(Reply::Hang);
    p.key(Key::ShiftF(5));
    p.wait_for("Esc cancels");
    drop(fake);
    first.shutdown_timeout(Duration::from_secs(5));
    p.wait_until("a network failure", WAIT, |s| {
        s.contains("✗ failed") && s.contains("network error")
    });
    assert_query_intact(&p);

    // Nobody listens any more: one clear line, not a hang.
    p.key(Key::ShiftF(5));
    let asked = Instant::now();
    p.wait_until("a second network failure", WAIT, |s| {
        s.contains("✗ failed") && s.contains("network error") && !s.contains("Esc cancels")
    });
    assert!(asked.elapsed() < WAIT);
    assert_query_intact(&p);

    // The service comes back on the same address: the next query runs.
    let second = tokio::runtime::Runtime::new().unwrap();
    let fake = second.block_on(FakeService::start_at(addr, FakeConfig::default()));
    next_query_runs(&mut p, &fake, &mut n);
    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
    assert_restored(&p);
}

#[test]
fn sighup_keeps_the_buffer_for_the_next_start() {
    let home = tempfile::tempdir().unwrap();
    let mut p = Pty::spawn(home.path(), Spawn::default());
    p.wait_for("No results yet");
    let text = "DeviceLogonEvents | where ActionType == \"LogonFailed\" | count";
    p.send(text);
    p.wait_for(text);
    p.signal(libc::SIGHUP);
    assert_eq!(p.exit_status().code(), Some(129));
    assert_restored(&p);
    drop(p);

    let mut again = Pty::spawn(home.path(), Spawn::default());
    again.wait_for(&format!("│ 1 {text}"));
    again.key(Key::Ctrl('q'));
    assert_eq!(again.exit_status().code(), Some(0));
}

#[test]
fn sigterm_exits_143_and_gives_the_terminal_back() {
    let home = tempfile::tempdir().unwrap();
    let mut p = Pty::spawn(home.path(), Spawn::default());
    p.wait_for("No results yet");
    p.send("DeviceProcessEvents | take 3");
    p.key(Key::F(5));
    p.wait_for("Results 3 rows");
    p.signal(libc::SIGTERM);
    assert_eq!(p.exit_status().code(), Some(143));
    assert_restored(&p);
}

/// The panic trigger exists in debug builds only (what `cargo test` and CI build).
#[cfg(debug_assertions)]
#[test]
fn a_panic_in_a_widget_restores_the_terminal_and_writes_a_crash_log_without_secrets() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeService::start(FakeConfig::default()));
    let home = tempfile::tempdir().unwrap();
    write_fake_profile(home.path(), "graph", &fake.base_url(), "");
    let spec = Spawn::default()
        .env("KQLHUNT_DEBUG_PANIC", "draw")
        .env("AZURE_CLIENT_SECRET", CLIENT_SECRET)
        .env("KQLHUNT_ACCESS_TOKEN", "tok-do-not-log-4f1e");
    let mut p = Pty::spawn(home.path(), spec);
    p.wait_for("No results yet");
    p.send("x");
    let status = p.exit_status();
    assert_eq!(status.code(), Some(101), "a panic exits 101");
    assert_restored(&p);

    // One line on the terminal says where the report is.
    let screen = p.screen_text();
    let line = screen
        .lines()
        .find(|l| l.contains("kqlhunt crashed"))
        .unwrap_or_else(|| panic!("no crash line:\n{screen}"));
    assert!(line.contains("the report is in"), "{line}");
    assert!(
        !screen.contains("panicked at"),
        "the default hook printed too:\n{screen}"
    );

    let state = home.path().join("state");
    let logs: Vec<_> = std::fs::read_dir(&state)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("crash-")
        })
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(line.contains(&*logs[0].file_name().unwrap().to_string_lossy()));
    let report = std::fs::read_to_string(&logs[0]).unwrap();
    assert!(report.starts_with(&format!("kqlhunt {} crashed", env!("CARGO_PKG_VERSION"))));
    assert!(report.contains("KQLHUNT_DEBUG_PANIC=draw: a widget panicked"));
    assert!(report.contains("location: src/tui/mod.rs:"), "{report}");
    assert!(report.contains("backtrace:"));
    for secret in [
        CLIENT_SECRET,
        "tok-do-not-log-4f1e",
        "client_secret",
        "AZURE_",
    ] {
        assert!(!report.contains(secret), "the report holds {secret:?}");
    }
    assert!(!report.chars().any(|c| c.is_control() && c != '\n'));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&logs[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the report is owner-only");
}

/// A panic on another thread (here the `:w` thread, debug builds only) is a bug with a
/// report too, but the workbench goes on: the terminal is left as it is, nothing is printed
/// over the frame, the export says it stopped, and the next query runs.
#[cfg(debug_assertions)]
#[test]
fn a_panic_off_the_ui_thread_leaves_the_workbench_running_and_writes_a_crash_log() {
    let home = tempfile::tempdir().unwrap();
    let spec = Spawn::default().env("KQLHUNT_DEBUG_PANIC", "export");
    let mut p = Pty::spawn(home.path(), spec);
    p.wait_for("No results yet");
    p.send("DeviceProcessEvents | take 3");
    p.key(Key::F(5));
    p.wait_for("3 rows ($1)");
    p.key(Key::Tab);
    p.send(":w out.csv");
    p.key(Key::Enter);
    p.wait_for("writing out.csv stopped unexpectedly");
    assert!(p.running());
    assert!(
        p.alternate_screen(),
        "the terminal was given back too early"
    );
    let screen = p.screen_text();
    assert!(
        !screen.contains("crashed") && !screen.contains("panicked"),
        "{screen}"
    );
    let reports: Vec<_> = std::fs::read_dir(home.path().join("state"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("crash-"))
        .collect();
    assert_eq!(reports.len(), 1);
    let report = std::fs::read_to_string(reports[0].path()).unwrap();
    assert!(report.contains("the export thread panicked"), "{report}");
    assert!(!home.path().join("out.csv").exists());

    p.key(Key::ShiftF(5));
    p.wait_for("3 rows ($2)");
    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
    assert_restored(&p);
}
