//! The history in the workbench, driven by keys and scripted worker events on ratatui's
//! TestBackend: runs are recorded when they end, Ctrl+R lists them newest first and
//! filters as you type, Tab previews, Enter puts the query in the editor (undoably), and
//! Ctrl+O reopens a result from its tab or asks the worker (never the service). Hostile
//! query text is drawn escaped.

mod tui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::backend::{BackendKind, RunError, RunRequest};
use kqlhunt::data::time::{TICKS_PER_SECOND, parse_datetime};
use kqlhunt::data::{Origin, ResultSet, Table};
use kqlhunt::history::{Client, Ended, Outcome, Recorder, Store};
use kqlhunt::tui::app::{App, Focus, Overlay};
use kqlhunt::worker::{Command, QueryId, WorkerEvent};

use tui_support::{draw, key, type_text};

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// An app recording into a fresh history under `dir`.
fn app(dir: &tempfile::TempDir) -> App {
    let mut app = tui_support::app_with("demo · 10 tables · 50,000 rows");
    app.history.recorder = Some(Recorder::new(
        Store::in_dir(dir.path()),
        BackendKind::Local,
        None,
        Client::Workbench,
    ));
    app
}

fn t0() -> i64 {
    parse_datetime("2026-11-23T16:00:00Z").unwrap()
}

fn result(query: &str, name: &str, rows: usize) -> Arc<ResultSet> {
    let mut col = kqlhunt::data::ColumnData::new(kqlhunt::data::Kind::Long);
    for i in 0..rows {
        col.push(kqlhunt::data::Value::Long(i as i64).as_ref());
    }
    let table = Table::new(vec![kqlhunt::data::Column::new("N", col)]).unwrap();
    Arc::new(ResultSet::new(
        table,
        Origin {
            backend: "local".into(),
            query: query.into(),
            elapsed: Duration::from_millis(420),
            local_name: Some(name.into()),
            ..Origin::default()
        },
    ))
}

/// Record runs straight into the app's history, `secs_ago` before `t0`.
fn seed(app: &mut App, runs: &[(&str, u64, Outcome)]) {
    let recorder = app.history.recorder.as_mut().unwrap();
    for (i, (query, secs_ago, outcome)) in runs.iter().enumerate() {
        let at = t0() - *secs_ago as i64 * TICKS_PER_SECOND;
        let request = RunRequest::new(*query);
        let error = RunError::Semantic {
            message: "Failed to resolve table expression named 'DeviceProcesEvents'".into(),
            at: None,
        };
        let r = result(query, &format!("${}", i + 1), 12 * (i + 1));
        let ended = match outcome {
            Outcome::Ok => Ended::Finished {
                result: &r,
                cached_age: None,
            },
            Outcome::Failed => Ended::Failed {
                error: &error,
                elapsed: Duration::from_millis(90),
            },
            Outcome::Cancelled => Ended::Cancelled {
                elapsed: Duration::from_secs(3),
            },
        };
        recorder.record(&request, at, ended).unwrap();
    }
}

fn open(app: &mut App) {
    key(app, KeyCode::Char('r'), CTRL);
    match &mut app.overlay {
        Some(Overlay::History(h)) => h.set_now(t0()),
        other => panic!("Ctrl+R opens the history, got {other:?}"),
    }
}

fn screen(app: &mut App) -> String {
    format!("{}", draw(app, 120, 24, Instant::now()).backend())
}

/// Rows marked reopenable (the key line at the bottom explains the mark once).
fn marks(screen: &str) -> usize {
    screen.matches('↺').count() - 1
}

const RUNS: &[(&str, u64, Outcome)] = &[
    (
        "DeviceProcessEvents\n| where FileName =~ \"powershell.exe\"\n| take 100",
        3 * 86_400,
        Outcome::Ok,
    ),
    ("DeviceProcesEvents | take 5", 2 * 3600, Outcome::Failed),
    (
        "DeviceNetworkEvents\n| where RemotePort == 3389\n| summarize count() by DeviceName",
        25 * 60,
        Outcome::Cancelled,
    ),
    (
        "DeviceProcessEvents\n    | where ProcessCommandLine has \"-enc\"\n    | project Timestamp, DeviceName, ProcessCommandLine",
        40,
        Outcome::Ok,
    ),
];

#[test]
fn empty_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    open(&mut app);
    insta::assert_snapshot!(screen(&mut app));
}

#[test]
fn newest_first_then_filtered_as_you_type() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    seed(&mut app, RUNS);
    open(&mut app);
    insta::assert_snapshot!("all", screen(&mut app));
    type_text(&mut app, "PROCESS where");
    let Some(Overlay::History(h)) = &app.overlay else {
        panic!()
    };
    assert_eq!(
        h.match_count(),
        2,
        "both DeviceProcessEvents runs, not the typo"
    );
    insta::assert_snapshot!("filtered", screen(&mut app));
    type_text(&mut app, " powershell");
    let Some(Overlay::History(h)) = &app.overlay else {
        panic!()
    };
    assert_eq!(h.match_count(), 1, "every word must match");
    type_text(&mut app, "zzz");
    insta::assert_snapshot!("nothing_matches", screen(&mut app));
}

#[test]
fn tab_previews_the_whole_query_and_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    seed(&mut app, RUNS);
    open(&mut app);
    key(&mut app, KeyCode::Down, NONE);
    key(&mut app, KeyCode::Tab, NONE);
    insta::assert_snapshot!("preview_multiline", screen(&mut app));
    key(&mut app, KeyCode::Esc, NONE);
    key(&mut app, KeyCode::Down, NONE);
    key(&mut app, KeyCode::Right, NONE);
    insta::assert_snapshot!("preview_failed", screen(&mut app));
    key(&mut app, KeyCode::Esc, NONE);
    key(&mut app, KeyCode::Esc, NONE);
    assert!(
        app.overlay.is_none(),
        "Esc leaves the preview, then the overlay"
    );
}

#[test]
fn hostile_query_text_is_drawn_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    seed(
        &mut app,
        &[(
            "DeviceEvents\n| where A == \"\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\"\n| where B == \"\u{202e}exe.tab\u{0}\"\r\n| take 1",
            5,
            Outcome::Ok,
        )],
    );
    open(&mut app);
    let list = screen(&mut app);
    key(&mut app, KeyCode::Tab, NONE);
    let preview = screen(&mut app);
    for text in [&list, &preview] {
        assert!(!text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\0'));
    }
    assert!(list.contains("\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J"), "{list}");
    assert!(preview.contains("\\u{202e}exe.tab\\0"), "{preview}");
    insta::assert_snapshot!("hostile_list", list);
    insta::assert_snapshot!("hostile_preview", preview);
}

/// Run `query` from the editor and return the id sent to the worker.
fn run(app: &mut App, query: &str) -> QueryId {
    app.editor.set_text(query);
    key(app, KeyCode::F(5), NONE);
    match app.outbox.pop() {
        Some(Command::Run { id, .. }) => id,
        other => panic!("F5 sends the query, got {other:?}"),
    }
}

#[test]
fn every_ending_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    let ok = run(&mut app, "DeviceInfo | take 3");
    app.on_worker_event(WorkerEvent::Started { id: ok });
    app.on_worker_event(WorkerEvent::Finished {
        id: ok,
        result: result("DeviceInfo | take 3", "$1", 3),
        cached_age: None,
    });
    let failed = run(&mut app, "Nope | take 1");
    app.on_worker_event(WorkerEvent::Failed {
        id: failed,
        error: RunError::Semantic {
            message: "Failed to resolve table 'Nope'".into(),
            at: None,
        },
        elapsed: Duration::from_millis(7),
    });
    let cancelled = run(&mut app, "DeviceEvents");
    key(&mut app, KeyCode::Esc, NONE);
    app.on_worker_event(WorkerEvent::Cancelled { id: cancelled });
    // A late event for a run that already ended records nothing more.
    app.on_worker_event(WorkerEvent::Cancelled { id: ok });
    let cached = run(&mut app, "DeviceInfo | take 3");
    app.on_worker_event(WorkerEvent::Finished {
        id: cached,
        result: result("DeviceInfo | take 3", "$1", 3),
        cached_age: Some(Duration::from_secs(30)),
    });

    // Quitting during a run cancels it, and the history says so.
    run(&mut app, "DeviceFileEvents | take 1");
    key(&mut app, KeyCode::Char('q'), CTRL);
    key(&mut app, KeyCode::Char('y'), NONE);
    assert!(app.should_quit);

    let runs = Store::in_dir(dir.path()).load().unwrap();
    let got: Vec<_> = runs
        .entries()
        .iter()
        .map(|e| {
            (
                e.query.as_str(),
                e.outcome,
                e.rows,
                e.cached,
                e.name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "DeviceInfo | take 3",
                Outcome::Ok,
                Some(3),
                false,
                Some("$1")
            ),
            ("Nope | take 1", Outcome::Failed, None, false, None),
            ("DeviceEvents", Outcome::Cancelled, None, false, None),
            (
                "DeviceInfo | take 3",
                Outcome::Ok,
                Some(3),
                true,
                Some("$1")
            ),
            (
                "DeviceFileEvents | take 1",
                Outcome::Cancelled,
                None,
                false,
                None
            ),
        ]
    );
    let first = &runs.entries()[0];
    assert_eq!((first.backend.as_str(), first.duration_ms), ("local", 420));
    assert_eq!(
        runs.entries()[1].error.as_deref(),
        Some("Failed to resolve table 'Nope'")
    );
    let now = kqlhunt::data::time::now_ticks();
    assert!(
        runs.entries()
            .iter()
            .all(|e| (now - e.at) < 60 * TICKS_PER_SECOND)
    );
}

#[test]
fn enter_puts_the_query_in_the_editor_as_a_new_block_ctrl_z_takes_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    seed(&mut app, RUNS);
    app.editor.set_text("my unfinished hunt");
    app.focus = Focus::Grid;
    open(&mut app);
    type_text(&mut app, "3389");
    key(&mut app, KeyCode::Enter, NONE);
    assert!(app.overlay.is_none());
    assert_eq!(app.focus, Focus::Editor);
    assert_eq!(
        app.editor.text(),
        format!("my unfinished hunt\n\n{}", RUNS[2].0)
    );
    assert!(app.notice.as_deref().unwrap().contains("Ctrl+Z"));
    // F5 runs the picked query: the cursor is on its block.
    key(&mut app, KeyCode::F(5), NONE);
    let Some(Command::Run { request, .. }) = app.outbox.pop() else {
        panic!("F5 runs")
    };
    assert_eq!(request.query, RUNS[2].0);
    app.running = None;
    key(&mut app, KeyCode::Char('z'), CTRL);
    assert_eq!(app.editor.text(), "my unfinished hunt", "one undo step");
    // Ctrl+R is the history everywhere now, not redo; Ctrl+Y redoes.
    key(&mut app, KeyCode::Char('r'), CTRL);
    assert!(matches!(app.overlay, Some(Overlay::History(_))));
    key(&mut app, KeyCode::Esc, NONE);
    key(&mut app, KeyCode::Char('y'), CTRL);
    assert_eq!(
        app.editor.text(),
        format!("my unfinished hunt\n\n{}", RUNS[2].0)
    );
    // Picking a query already in the editor only moves the cursor to it.
    open(&mut app);
    type_text(&mut app, "3389");
    key(&mut app, KeyCode::Enter, NONE);
    assert_eq!(
        app.editor.text(),
        format!("my unfinished hunt\n\n{}", RUNS[2].0)
    );
    assert_eq!(
        app.editor.cursor_byte_offset(),
        "my unfinished hunt\n\n".len()
    );
}

#[test]
fn into_an_empty_editor_the_query_is_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    seed(&mut app, RUNS);
    app.editor.set_text("\n  \n");
    open(&mut app);
    key(&mut app, KeyCode::Enter, NONE);
    assert_eq!(app.editor.text(), RUNS[3].0);
}

#[test]
fn ctrl_o_switches_to_a_results_tab_still_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    for (i, q) in ["DeviceInfo | take 3", "DeviceEvents | take 9"]
        .iter()
        .enumerate()
    {
        let id = run(&mut app, q);
        app.on_worker_event(WorkerEvent::Finished {
            id,
            result: result(q, &format!("${}", i + 1), 3 + 6 * i),
            cached_age: None,
        });
    }
    assert_eq!(app.tab, 1);
    open(&mut app);
    key(&mut app, KeyCode::Down, NONE);
    let Some(Overlay::History(h)) = &app.overlay else {
        panic!()
    };
    assert_eq!(h.selected().unwrap().query, "DeviceInfo | take 3");
    assert_eq!(
        marks(&screen(&mut app)),
        2,
        "results this session still holds are marked"
    );
    key(&mut app, KeyCode::Char('o'), CTRL);
    assert!(app.outbox.is_empty(), "its tab is still open: no command");
    assert_eq!(app.tab, 0);
    assert_eq!(app.focus, Focus::Grid);
}

#[test]
fn ctrl_o_asks_the_worker_and_says_when_the_result_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir);
    seed(&mut app, RUNS);
    open(&mut app);
    assert_eq!(
        marks(&screen(&mut app)),
        0,
        "the seeded runs' results were never held by this session's worker"
    );
    key(&mut app, KeyCode::Char('o'), CTRL);
    let Some(Command::Reopen { id, request, name }) = app.outbox.pop() else {
        panic!("Ctrl+O asks the worker")
    };
    assert_eq!(request.query, RUNS[3].0);
    assert_eq!(
        name.as_deref(),
        Some("$4"),
        "same session: its $N goes along"
    );
    app.on_worker_event(WorkerEvent::Failed {
        id,
        error: RunError::Refused(kqlhunt::worker::reopen::NOT_CACHED.into()),
        elapsed: Duration::ZERO,
    });
    assert_eq!(
        app.notice.as_deref(),
        Some("cannot reopen the result: the result is no longer cached; F5 runs it again")
    );
    assert!(app.result.is_none() && app.last.is_none());
    assert_eq!(
        Store::in_dir(dir.path()).load().unwrap().len(),
        RUNS.len(),
        "a reopen is not a run"
    );

    // When the worker still holds it, it comes back as a tab marked with its age.
    open(&mut app);
    key(&mut app, KeyCode::Enter, KeyModifiers::ALT);
    let Some(Command::Reopen { id, .. }) = app.outbox.pop() else {
        panic!("Alt+Enter asks the worker too")
    };
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: result(RUNS[3].0, "$4", 48),
        cached_age: Some(Duration::from_secs(40)),
    });
    assert_eq!(app.tabs.len(), 1);
    assert_eq!(app.focus, Focus::Grid);
    let status = screen(&mut app);
    assert!(
        status.contains("48 rows ($4) · cached 40.0 s ago, 0 quota"),
        "{status}"
    );
    assert_eq!(Store::in_dir(dir.path()).load().unwrap().len(), RUNS.len());
}

#[test]
fn without_a_state_dir_the_overlay_says_so() {
    let mut app = tui_support::app_with("demo");
    key(&mut app, KeyCode::Char('r'), CTRL);
    let text = screen(&mut app);
    assert!(text.contains("The history is off"), "{text}");
    key(&mut app, KeyCode::Enter, NONE);
    key(&mut app, KeyCode::Char('o'), CTRL);
    assert!(app.outbox.is_empty());
}
