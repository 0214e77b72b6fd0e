//! Whole screens of the workbench on ratatui's TestBackend, driven by keys and scripted
//! worker events (the gitui pattern): the App never sees a real worker or terminal here.

mod tui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::backend::{BackendKind, RunError};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::time::TICKS_PER_SECOND;
use kqlhunt::data::{Column, Kind, Origin, ResultSet, Table, Value};
use kqlhunt::tui::app::{App, Focus, Overlay};
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::{Command, QueryId, WorkerEvent};

use tui_support::{draw, key, type_text};

fn app() -> App {
    tui_support::app_with("demo · 10 tables · 50,000 rows")
}

fn process_events(rows: usize) -> ResultSet {
    let names = ["powershell.exe", "cmd.exe", "rundll32.exe", "certutil.exe"];
    let table = Table::new(vec![
        Column::new(
            "Timestamp",
            column_from_values(
                Kind::DateTime,
                (0..rows).map(|i| {
                    Value::DateTime(
                        1_763_900_000 * TICKS_PER_SECOND + i as i64 * 61 * TICKS_PER_SECOND,
                    )
                }),
            ),
        )
        .with_type_name("DateTime"),
        Column::new(
            "DeviceName",
            column_from_values(
                Kind::String,
                (0..rows).map(|i| Value::String(format!("wks-{:03}.contoso.local", i % 7))),
            ),
        ),
        Column::new(
            "FileName",
            column_from_values(
                Kind::String,
                (0..rows).map(|i| Value::String(names[i % names.len()].into())),
            ),
        ),
        Column::new(
            "ProcessId",
            column_from_values(
                Kind::Long,
                (0..rows).map(|i| Value::Long(4000 + i as i64 * 13)),
            ),
        ),
        Column::new(
            "AdditionalFields",
            column_from_values(
                Kind::Dynamic,
                (0..rows).map(|i| Value::Dynamic(format!(r#"{{"Level":{i}}}"#))),
            ),
        ),
    ])
    .unwrap();
    ResultSet::new(
        table,
        Origin {
            backend: "local".into(),
            query: String::new(),
            started_at: 0,
            elapsed: Duration::from_millis(12),
            ..Origin::default()
        },
    )
}

/// Type and run a query; returns the id the App sent to the worker.
fn run_query(app: &mut App, query: &str) -> QueryId {
    type_text(app, query);
    key(app, KeyCode::F(5), KeyModifiers::NONE);
    match app.outbox.pop() {
        Some(Command::Run { id, request, .. }) => {
            assert_eq!(request.query, query.trim());
            id
        }
        other => panic!("expected a run command, got {other:?}"),
    }
}

#[test]
fn first_screen_invites_a_query() {
    let mut app = app();
    insta::assert_snapshot!(draw(&mut app, 100, 24, Instant::now()).backend());
}

#[test]
fn a_finished_query_fills_the_grid_and_the_status_bar() {
    let mut app = app();
    let id = run_query(
        &mut app,
        r#"DeviceProcessEvents | where FileName =~ "powershell.exe" | take 20"#,
    );
    app.on_worker_event(WorkerEvent::Started { id });
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(process_events(20)),
        cached_age: None,
    });
    assert!(app.running.is_none());
    insta::assert_snapshot!(draw(&mut app, 120, 30, Instant::now()).backend());
}

#[test]
fn a_running_query_shows_its_clock_and_esc_cancels_it() {
    let mut app = app();
    let id = run_query(&mut app, "DeviceProcessEvents | take 5");
    let started = app.running.as_ref().unwrap().started;
    let screen = draw(&mut app, 100, 20, started + Duration::from_millis(1500));
    insta::assert_snapshot!(screen.backend());
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(matches!(app.outbox.pop(), Some(Command::Cancel { id: c }) if c == id));
    app.on_worker_event(WorkerEvent::Cancelled { id });
    assert!(app.running.is_none());
}

#[test]
fn a_failure_is_one_clear_line_with_its_position() {
    let mut app = app();
    let id = run_query(
        &mut app,
        "DeviceProcessEvents\n| summarize count() by FileName",
    );
    app.on_worker_event(WorkerEvent::Failed {
        id,
        error: RunError::Unsupported {
            what: "summarize".into(),
            at: Some(22),
        },
        elapsed: Duration::from_millis(1),
    });
    let screen = draw(&mut app, 100, 16, Instant::now());
    insta::assert_snapshot!(screen.backend());
    // The analyst's text is untouched.
    assert_eq!(
        app.editor.text(),
        "DeviceProcessEvents\n| summarize count() by FileName"
    );
}

#[test]
fn queries_are_separated_by_blank_lines_and_f5_runs_the_one_under_the_cursor() {
    let mut app = app();
    type_text(
        &mut app,
        "DeviceInfo | take 1\n\nDeviceLogonEvents\n| take 2",
    );
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    match app.outbox.pop() {
        Some(Command::Run { request, .. }) => {
            assert_eq!(request.query, "DeviceLogonEvents\n| take 2")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn help_lists_every_key_and_closes_with_esc() {
    let mut app = app();
    key(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
    insta::assert_snapshot!(draw(&mut app, 100, 40, Instant::now()).backend());
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.overlay, None);
    // `?` in the grid opens help; in the editor it is just a character.
    key(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    assert_eq!(app.overlay, None);
    assert_eq!(app.editor.text(), "?");
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(app.focus, Focus::Grid);
    key(&mut app, KeyCode::Char('?'), KeyModifiers::NONE);
    assert!(matches!(app.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn quitting_asks_first_while_a_query_runs() {
    let mut app = app();
    let id = run_query(&mut app, "DeviceInfo");
    key(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(app.overlay, Some(Overlay::ConfirmQuit));
    assert!(!app.should_quit);
    let started = app.running.as_ref().unwrap().started;
    insta::assert_snapshot!(draw(&mut app, 80, 20, started + Duration::from_secs(3)).backend());
    key(&mut app, KeyCode::Char('n'), KeyModifiers::NONE);
    assert!(!app.should_quit && app.overlay.is_none());
    key(&mut app, KeyCode::Char('q'), KeyModifiers::CONTROL);
    key(&mut app, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(app.should_quit);
    assert!(matches!(app.outbox.last(), Some(Command::Cancel { id: c }) if *c == id));

    let mut idle = self::app();
    key(&mut idle, KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert!(idle.should_quit, "nothing running: quit at once");
}

#[test]
fn focus_moves_and_the_grid_scrolls_both_ways() {
    let mut app = app();
    let id = run_query(&mut app, "DeviceProcessEvents");
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(process_events(500)),
        cached_age: None,
    });
    key(&mut app, KeyCode::Down, KeyModifiers::CONTROL);
    assert_eq!(app.focus, Focus::Grid);
    draw(&mut app, 60, 20, Instant::now());
    for _ in 0..3 {
        key(&mut app, KeyCode::PageDown, KeyModifiers::NONE);
    }
    key(&mut app, KeyCode::End, KeyModifiers::NONE);
    insta::assert_snapshot!(draw(&mut app, 60, 20, Instant::now()).backend());
    key(&mut app, KeyCode::Char('G'), KeyModifiers::SHIFT);
    let screen = draw(&mut app, 60, 20, Instant::now());
    let text = format!("{}", screen.backend());
    assert!(text.contains("500"), "last row number visible:\n{text}");
    key(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.focus, Focus::Editor);
    key(&mut app, KeyCode::Up, KeyModifiers::CONTROL);
    assert_eq!(app.focus, Focus::Editor);
}

#[test]
fn tiny_and_odd_sizes_never_panic_and_keep_the_query() {
    let mut app = app();
    let id = run_query(&mut app, "DeviceProcessEvents | take 20");
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(process_events(20)),
        cached_age: None,
    });
    for (w, h) in [
        (40, 10),
        (1, 1),
        (0, 0),
        (2, 40),
        (300, 3),
        (40, 10),
        (160, 48),
    ] {
        draw(&mut app, w, h, Instant::now());
    }
    insta::assert_snapshot!(draw(&mut app, 40, 10, Instant::now()).backend());
    assert_eq!(app.editor.text(), "DeviceProcessEvents | take 20");
}

#[test]
fn truncated_results_are_announced_loudly() {
    let mut app = app();
    let id = run_query(&mut app, "DeviceProcessEvents");
    let mut result = process_events(30);
    result.truncated = true;
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(result),
        cached_age: None,
    });
    let text = format!("{}", draw(&mut app, 140, 20, Instant::now()).backend());
    assert!(
        text.contains("TRUNCATED: the service stopped at 30 rows"),
        "{text}"
    );
}

#[test]
fn hostile_cells_cannot_reach_the_terminal() {
    let mut app = app();
    let id = run_query(&mut app, "T");
    let evil = [
        "\x1b[2J\x1b]52;c;ZXZpbA==\x07",
        "a\rb",
        "invoice\u{202e}fdp.exe",
        "\u{9b}31m",
    ];
    let table = Table::new(vec![Column::new(
        "Evil",
        column_from_values(
            Kind::String,
            evil.iter().map(|s| Value::String(s.to_string())),
        ),
    )])
    .unwrap();
    let result = ResultSet::new(table, Origin::default());
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(result),
        cached_age: None,
    });
    let screen = draw(&mut app, 80, 14, Instant::now());
    for cell in screen.backend().buffer().content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control character in {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn growing_the_terminal_again_shows_the_query_from_its_first_column() {
    let mut app = app();
    let query = r#"DeviceProcessEvents | where FileName =~ "powershell.exe" | take 20"#;
    type_text(&mut app, query);
    let narrow = format!("{}", draw(&mut app, 40, 10, Instant::now()).backend());
    assert!(
        !narrow.contains("DeviceProcessEvents"),
        "scrolled to the cursor at 40 columns:\n{narrow}"
    );
    let wide = format!("{}", draw(&mut app, 160, 48, Instant::now()).backend());
    assert!(wide.contains(&format!("│ 1 {query}")), "{wide}");
    assert_eq!(
        app.editor.cursor(),
        (0, query.chars().count()),
        "the cursor did not move"
    );
}

#[test]
fn the_status_bar_counts_down_a_queued_query_and_marks_cached_answers() {
    let mut app = app();
    let id = run_query(&mut app, "DeviceInfo");
    let now = Instant::now();
    app.on_worker_event(WorkerEvent::Queued {
        id,
        sends_at: Some(now + Duration::from_millis(11_200)),
        why: "waiting for the tenant's quota".into(),
    });
    let text = format!("{}", draw(&mut app, 160, 12, now).backend());
    assert!(
        text.contains("⏳ queued, sends in 12s (waiting for the tenant's quota) · Esc cancels"),
        "{text}"
    );
    app.on_worker_event(WorkerEvent::Started { id });
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(process_events(3)),
        cached_age: Some(Duration::from_secs(180)),
    });
    let text = format!("{}", draw(&mut app, 160, 12, now).backend());
    assert!(
        text.contains("3 rows · cached 3m 00s ago, 0 quota · Shift+F5 reruns"),
        "{text}"
    );
}

#[test]
fn a_metered_backend_shows_quota_gauges_or_numbers_by_width() {
    let mut app = App::new(BackendKind::Graph, Theme::no_color());
    app.on_worker_event(WorkerEvent::Ready {
        description: "contoso".into(),
    });
    app.on_worker_event(WorkerEvent::Quota(kqlhunt::quota::QuotaSnapshot {
        backend: "graph".into(),
        metered: true,
        windows: vec![
            kqlhunt::quota::WindowUsage {
                label: "calls/1m".into(),
                used: 12.0,
                limit: 45.0,
                is_time: false,
            },
            kqlhunt::quota::WindowUsage {
                label: "calls/1h".into(),
                used: 120.0,
                limit: 1500.0,
                is_time: false,
            },
            kqlhunt::quota::WindowUsage {
                label: "run/1h".into(),
                used: 75.0,
                limit: 600.0,
                is_time: true,
            },
        ],
        throttled_for: None,
        session_calls: 120,
    }));
    let wide = format!("{}", draw(&mut app, 160, 8, Instant::now()).backend());
    assert!(
        wide.contains("calls/1m ▕█▋    ▏12/45 calls/1h ▕▌     ▏120/1500"),
        "{wide}"
    );
    let narrow = format!("{}", draw(&mut app, 100, 8, Instant::now()).backend());
    assert!(
        narrow.contains("quota: calls/1m 12/45 · calls/1h 120/1500"),
        "{narrow}"
    );
}
