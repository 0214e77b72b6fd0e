//! The real binary in a pseudo-terminal, used as an analyst would: the first run on the
//! demo dataset, and a hunt against the loopback fake of the service through a client-secret
//! sign-in, a 429 (the status bar shows the wait) and results; then sort, filter, the detail
//! view, `:w` export, a copy (the OSC 52 bytes on the terminal), a resize to 20x5 and back,
//! and Ctrl+Q (exit 0, the terminal given back); and Ctrl+E handing the terminal to `$EDITOR`
//! and taking it back whole, mouse capture included.

mod support;

use base64::Engine as _;
use support::pty::*;
use support::*;

/// The terminal is given back: the last thing written leaves the alternate screen and
/// shows the cursor again.
fn assert_restored(p: &Pty) {
    let raw = p.raw();
    let leave = raw
        .windows(8)
        .rposition(|w| w == b"\x1b[?1049l")
        .expect("the alternate screen is left");
    let show = raw
        .windows(6)
        .rposition(|w| w == b"\x1b[?25h")
        .expect("the cursor is shown");
    assert!(show > leave, "the cursor is shown after leaving the screen");
    assert!(
        raw.len() - show <= 64,
        "nothing much is drawn after the restore: {:?}",
        String::from_utf8_lossy(&raw[show..])
    );
    assert!(!p.alternate_screen());
}

#[test]
fn first_run_on_the_demo_dataset() {
    let home = tempfile::tempdir().unwrap();
    let mut p = Pty::spawn(home.path(), Spawn::default());
    p.wait_for("demo · 15 tables");
    let screen = p.screen_text();
    assert!(screen.contains(" LOCAL "), "{screen}");
    assert!(screen.contains("No results yet"), "{screen}");
    p.send("DeviceProcessEvents | take 3");
    p.key(Key::F(5));
    p.wait_for("Results 3 rows");
    let screen = p.screen_text();
    assert!(screen.contains("DeviceProcessEvents | take 3"), "{screen}");
    assert!(screen.contains("0 quota (local)"), "{screen}");
    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
    assert_restored(&p);
}

/// Ctrl+E hands the terminal to `$EDITOR` and takes it back whole: the alternate screen,
/// the frame and the mouse capture the config asked for.
#[test]
fn the_external_editor_gives_the_terminal_back_with_the_mouse() {
    let home = tempfile::tempdir().unwrap();
    let script = home.path().join("ed.sh");
    std::fs::write(&script, "#!/bin/sh\nprintf '| take 2\\n' >> \"$1\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut p = Pty::spawn(
        home.path(),
        Spawn::default().env("EDITOR", &script.display().to_string()),
    );
    p.wait_for("demo · 15 tables");
    let mouse_on = b"\x1b[?1006h";
    assert_eq!(count(&p.raw(), mouse_on), 1, "the mouse is on by default");
    p.send("DeviceProcessEvents ");
    let before = p.raw().len();
    p.key(Key::Ctrl('e'));
    p.wait_for("| take 2");
    p.wait_raw(mouse_on, before);
    p.key(Key::F(5));
    p.wait_for("Results 2 rows");
    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
    assert_restored(&p);
}

#[test]
fn a_hunt_against_the_service_sort_filter_detail_export_copy_resize_quit() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeService::start(FakeConfig {
        retry_after: RetryAfter::Seconds(2),
        ..FakeConfig::default()
    }));
    let home = tempfile::tempdir().unwrap();
    write_fake_profile(home.path(), "graph", &fake.base_url(), "");
    let mut p = Pty::spawn(home.path(), Spawn::default().size(120, 30));
    p.wait_for("No results yet");
    assert!(p.screen_text().contains(" GRAPH "));

    // Sign-in, a 429 whose wait the status bar shows, then the rows.
    fake.set_next_response(Reply::Throttle(Throttle::PerMinute(45)));
    p.send("DeviceEvents | where Timestamp > ago(1h) | take 4");
    p.key(Key::F(5));
    p.wait_until("the queued wait after a 429", WAIT, |s| {
        s.contains("queued, sends in") && s.contains("(429)")
    });
    p.wait_for("Results 4 rows × 13 columns");
    assert_eq!(fake.login().grants("client_credentials").len(), 1);
    assert_eq!(fake.requests().len(), 2, "the 429 and the retry");
    p.wait_for("quota: calls/min 2/");

    // Sort DeviceName descending: host-3 comes first.
    p.key(Key::Tab);
    p.key(Key::Right);
    p.key(Key::Right);
    p.send("s");
    p.wait_for("by DeviceName ▲");
    p.send("s");
    p.wait_for("by DeviceName ▼");
    p.wait_until("host-3 on the first row", WAIT, |s| {
        s.lines()
            .any(|l| l.starts_with("│1 ") && l.contains("host-3"))
    });

    // Filter to one row, open it whole, come back.
    p.send("/");
    p.wait_for("Enter apply");
    p.send("host-2");
    p.key(Key::Enter);
    p.wait_for("/host-2: 1 row");
    p.key(Key::Enter);
    p.wait_for("ProcessCommandLine");
    let detail = p.screen_text();
    assert!(detail.contains("host-2.contoso.test"), "{detail}");
    p.key(Key::Esc);
    p.wait_gone("ProcessCommandLine");

    // Copy the selected cell: OSC 52 with its base64 goes to the terminal.
    let before = p.raw().len();
    p.send("y");
    let expected = format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode("host-2.contoso.test")
    );
    p.wait_raw(expected.as_bytes(), before);
    p.wait_for("copied");

    // Clear the filter and export the view as shown (sorted, 4 rows).
    p.send("/");
    p.wait_for("Enter apply");
    for _ in 0.."host-2".len() {
        p.key(Key::Backspace);
    }
    p.key(Key::Enter);
    p.wait_gone("/host-2");
    p.send(":w out.csv");
    p.key(Key::Enter);
    p.wait_for("wrote 4 rows to out.csv");
    let csv = std::fs::read_to_string(home.path().join("out.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(
        lines[0].starts_with("Timestamp,DeviceId,DeviceName,"),
        "{csv}"
    );
    assert!(lines[1].contains("host-3.contoso.test"), "{csv}");
    assert!(lines[4].contains("host-0.contoso.test"), "{csv}");

    // A tiny window and back: no panic, the screen is drawn again at each size.
    let before = p.raw().len();
    p.resize(20, 5);
    p.wait_raw(b"\x1b[2J", before);
    p.wait_until("a 20x5 frame", WAIT, |s| {
        s.contains("┌ Query") && s.contains(" GRAPH ") && !s.contains("13 columns")
    });
    p.resize(120, 30);
    p.wait_for("Results 4 rows × 13 columns");
    p.wait_for("DeviceEvents | where Timestamp > ago(1h) | take 4");
    // Shrink and grow at once (a tmux zoom and back): the frame is repainted whole even
    // when the two resizes arrive as one.
    p.resize(30, 6);
    p.resize(120, 30);
    p.wait_for("Results 4 rows × 13 columns");
    p.wait_for("DeviceEvents | where Timestamp > ago(1h) | take 4");

    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));
    assert_restored(&p);
    assert_eq!(fake.requests().len(), 2, "nothing else reached the service");
}
