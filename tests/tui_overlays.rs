//! The workbench's overlays for remote backends as whole screens on ratatui's TestBackend,
//! driven by keys and scripted worker events: the device-code sign-in, the confirmation
//! before an unbounded or over-long query spends quota, and the quota details popup.

use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use kqlhunt::auth::{AuthEvent, DeviceCodePrompt};
use kqlhunt::backend::BackendKind;
use kqlhunt::tui::app::App;
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::{Command, QueryId, WorkerEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn graph_app() -> App {
    let mut app = App::new(BackendKind::Graph, Theme::no_color());
    app.on_worker_event(WorkerEvent::Ready {
        description: "graph · contoso".into(),
    });
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.on_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => key(app, KeyCode::Enter),
            c => key(app, KeyCode::Char(c)),
        }
    }
}

fn screen(app: &mut App, w: u16, h: u16, now: Instant) -> String {
    // A query's clock reads zero, so snapshots do not depend on how fast the test runs.
    if let Some(running) = app.running.as_mut() {
        running.started = now;
    }
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.draw(f, now)).unwrap();
    format!("{}", terminal.backend())
}

fn prompt(code: &str) -> DeviceCodePrompt {
    DeviceCodePrompt {
        user_code: code.into(),
        verification_uri: "https://microsoft.com/devicelogin".into(),
        message: "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FRWQDE7YL to authenticate.".into(),
        expires_at: SystemTime::now() + Duration::from_secs(900),
    }
}

/// Run a bounded query and return the id sent to the worker.
fn run(app: &mut App, query: &str) -> QueryId {
    type_text(app, query);
    key(app, KeyCode::F(5));
    match app.outbox.pop() {
        Some(Command::Run { id, .. }) => id,
        other => panic!("expected a run command, got {other:?}"),
    }
}

#[test]
fn sign_in_shows_the_code_and_url_with_a_countdown() {
    let mut app = graph_app();
    let id = run(
        &mut app,
        "DeviceEvents | where Timestamp > ago(1h) | take 5",
    );
    app.on_worker_event(WorkerEvent::Started { id });
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::DeviceCode(prompt(
        "FRWQDE7YL",
    ))));
    let now = Instant::now();
    app.signin.as_mut().unwrap().expires = now + Duration::from_secs(14 * 60 + 32);
    let text = screen(&mut app, 100, 28, now);
    assert!(
        text.contains("   https://microsoft.com/devicelogin "),
        "{text}"
    );
    assert!(text.contains("   FRWQDE7YL "), "{text}");
    assert!(text.contains("expires in 14:32"), "{text}");
    insta::assert_snapshot!("signin_pending", text);
    // Typing does not reach the editor while the code is shown.
    key(&mut app, KeyCode::Char('x'));
    assert!(!app.editor.text().contains('x'));
    // A minute later the countdown has moved.
    let later = screen(&mut app, 100, 28, now + Duration::from_secs(60));
    assert!(later.contains("expires in 13:32"), "{later}");
    assert!(app.is_animating());
}

#[test]
fn sign_in_outcomes_say_what_next() {
    let mut app = graph_app();
    let id = run(
        &mut app,
        "DeviceEvents | where Timestamp > ago(1h) | take 5",
    );
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::DeviceCode(prompt(
        "FRWQDE7YL",
    ))));
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::Failed {
        message: "sign-in was refused: the sign-in was declined in the browser; run `kqlhunt login` to try again".into(),
    }));
    let text = screen(&mut app, 100, 24, Instant::now());
    assert!(text.contains("the sign-in was declined"), "{text}");
    assert!(text.contains("F5 runs the query again"), "{text}");
    assert!(
        !text.contains("FRWQDE7YL"),
        "an ended sign-in hides the code: {text}"
    );
    insta::assert_snapshot!("signin_declined", text);
    key(&mut app, KeyCode::Char('q'));
    assert!(app.signin.is_none());

    // Signed in: the overlay says so and goes away when the query finishes.
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::DeviceCode(prompt(
        "FRWQDE7YL",
    ))));
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::SignedIn {
        profile: "contoso".into(),
    }));
    let text = screen(&mut app, 100, 24, Instant::now());
    assert!(text.contains("Signed in (profile contoso)"), "{text}");
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: std::sync::Arc::new(kqlhunt::data::ResultSet::default()),
        cached_age: None,
    });
    assert!(app.signin.is_none());
}

#[test]
fn esc_on_a_pending_sign_in_cancels_the_query() {
    let mut app = graph_app();
    let id = run(
        &mut app,
        "DeviceEvents | where Timestamp > ago(1h) | take 5",
    );
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::DeviceCode(prompt(
        "FRWQDE7YL",
    ))));
    key(&mut app, KeyCode::Esc);
    assert!(app.signin.is_none());
    assert!(matches!(app.outbox.pop(), Some(Command::Cancel { id: c }) if c == id));
}

#[test]
fn attacker_text_in_the_prompt_is_escaped() {
    let mut app = graph_app();
    app.on_worker_event(WorkerEvent::SignIn(AuthEvent::DeviceCode(prompt(
        "AB\x1b]52;c;ZXZpbA==\x07CD",
    ))));
    let text = screen(&mut app, 100, 24, Instant::now());
    assert!(!text.contains('\x1b'), "{text}");
    assert!(text.contains("AB\\x1b]52;c;ZXZpbA==\\x07CD"), "{text}");
}

#[test]
fn an_unbounded_query_asks_before_it_spends_quota() {
    let mut app = graph_app();
    let query = "DeviceProcessEvents\n| where FileName =~ \"powershell.exe\"\n| take 100";
    type_text(&mut app, query);
    key(&mut app, KeyCode::F(5));
    assert!(
        app.outbox.is_empty(),
        "nothing is sent before the analyst says so"
    );
    let text = screen(&mut app, 100, 24, Instant::now());
    assert!(text.contains("without a time filter (KQL006)"), "{text}");
    insta::assert_snapshot!("confirm_no_time_filter", text);

    // Esc goes back with the text untouched; typing works again.
    key(&mut app, KeyCode::Esc);
    assert!(app.confirm.is_none() && app.outbox.is_empty() && app.running.is_none());
    assert_eq!(app.editor.text(), query);

    // F5 again, then `y`: sent as it is.
    key(&mut app, KeyCode::F(5));
    key(&mut app, KeyCode::Char('y'));
    match app.outbox.pop() {
        Some(Command::Run { request, .. }) => assert_eq!(request.query, query),
        other => panic!("expected a run command, got {other:?}"),
    }
    assert!(app.running.is_some());
    assert_eq!(
        app.editor.text(),
        query,
        "the answer is not typed into the editor"
    );
}

#[test]
fn more_than_thirty_days_asks_and_enter_sends() {
    let mut app = graph_app();
    type_text(
        &mut app,
        "DeviceEvents | where Timestamp > ago(90d) | count",
    );
    key(&mut app, KeyCode::F(5));
    let text = screen(&mut app, 100, 24, Instant::now());
    assert!(text.contains("KQL005"), "{text}");
    key(&mut app, KeyCode::Char('x'));
    assert!(app.confirm.is_some(), "other keys keep asking");
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.outbox.pop(), Some(Command::Run { .. })));
}

#[test]
fn bounded_queries_and_local_runs_never_ask() {
    let mut app = graph_app();
    type_text(&mut app, "DeviceEvents | where Timestamp > ago(1d) | count");
    key(&mut app, KeyCode::F(5));
    assert!(app.confirm.is_none());
    assert!(matches!(app.outbox.pop(), Some(Command::Run { .. })));

    let mut local = App::new(BackendKind::Local, Theme::no_color());
    type_text(
        &mut local,
        "DeviceEvents | where Timestamp > ago(90d) | count",
    );
    key(&mut local, KeyCode::F(5));
    assert!(local.confirm.is_none());
    assert!(matches!(local.outbox.pop(), Some(Command::Run { .. })));
}

/// A ledger with the documented defaults after some traffic and one 429.
fn busy_ledger(t0: Instant) -> (kqlhunt::quota::QuotaSnapshot, kqlhunt::quota::QuotaDetails) {
    use kqlhunt::quota::{Ledger, Limits};
    let s = Duration::from_secs;
    let mut ledger = Ledger::new(Limits::for_backend(BackendKind::Graph));
    ledger.set_backend("graph");
    for i in 0..12u64 {
        let ticket = ledger.begin_call(t0 + s(i));
        ledger.end_call(&ticket, t0 + s(i) + Duration::from_millis(800), Some(s(2)));
    }
    let _running = ledger.begin_call(t0 + s(20));
    ledger.throttled(
        t0 + s(21),
        Some(s(5)),
        "{\"error\":{\"code\":\"429\",\"message\":\"API calls quota exceeded! maximum allowed 10 per 00:00:30\x1b[31m\",\"target\":\"7d2c\"}}",
    );
    let mut details = ledger.details(t0 + s(23));
    details.queued = 2;
    details.shared_file =
        Some("/home/analyst/.local/share/kqlhunt/quota/contoso-graph.json".into());
    (ledger.snapshot(t0 + s(23)), details)
}

#[test]
fn the_quota_popup_shows_the_whole_ledger_and_the_last_429() {
    let t0 = Instant::now();
    let mut app = graph_app();
    let (snapshot, details) = busy_ledger(t0);
    app.on_worker_event(WorkerEvent::Quota(snapshot));
    app.on_worker_event(WorkerEvent::QuotaDetails(Box::new(details)));
    key(&mut app, KeyCode::F(2));
    assert!(app.quota_popup.is_some());
    let text = screen(&mut app, 110, 30, t0);
    for want in [
        "calls per min",
        "13 / 44 (45)",
        "calls per h",
        "calls per 30s",
        "(learned from a 429)",
        "run time per h",
        "queued 2",
        "THROTTLED",
        "00:00:30\\x1b[31m",
        "30d of data",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    assert!(!text.contains('\x1b'));
    insta::assert_snapshot!("quota_popup", text);
    key(&mut app, KeyCode::Esc);
    assert!(app.quota_popup.is_none());
    assert!(
        app.editor.text().is_empty(),
        "keys for the popup do not type"
    );
}

#[test]
fn the_quota_key_is_in_the_help() {
    let rows: Vec<_> = kqlhunt::tui::keymap::help_rows().collect();
    assert!(
        rows.iter()
            .any(|(_, keys, help)| keys.contains("F2") && help.contains("quota"))
    );
}
