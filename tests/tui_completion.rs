//! The completion popup and the hint line on TestBackend: the list at the cursor, flipped
//! above it when there is no room below, on tiny terminals, narrowing as keys are typed,
//! accepting with Enter/Tab, closing with Esc, values from the results grid, and the
//! diagnostic under the cursor.

mod tui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::{Column, Kind, Origin, ResultSet, Table, Value};
use kqlhunt::tui::app::App;
use kqlhunt::tui::completion;
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::{Command, WorkerEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Position;

fn ctrl_space(app: &mut App) {
    key(app, KeyCode::Char(' '), KeyModifiers::CONTROL);
}

use tui_support::{key, type_text};

fn app() -> App {
    tui_support::app_with("demo")
}

fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    tui_support::draw(app, w, h, Instant::now())
}

#[test]
fn popup_under_the_cursor() {
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents\n| where Initi");
    ctrl_space(&mut app);
    assert!(app.completion.is_some());
    insta::assert_snapshot!(draw(&mut app, 100, 30).backend());
}

#[test]
fn popup_flips_above_near_the_bottom() {
    // The editor sits in the top part of the screen, so the list rarely lacks room below;
    // the widget itself flips for a cursor near the bottom (and shifts left at the edge).
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents | summarize ");
    ctrl_space(&mut app);
    let mut state = app.completion.clone().unwrap();
    let theme = Theme::no_color();
    let mut terminal = Terminal::new(TestBackend::new(60, 16)).unwrap();
    terminal
        .draw(|f| {
            let area = f.area();
            completion::draw(f, &mut state, Position::new(50, 14), area, &theme)
        })
        .unwrap();
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn tiny_terminals_never_panic() {
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents | where ");
    ctrl_space(&mut app);
    for w in 0..30 {
        for h in 0..12 {
            draw(&mut app, w, h);
        }
    }
    insta::assert_snapshot!(draw(&mut app, 30, 8).backend());
}

#[test]
fn typing_narrows_enter_inserts_esc_closes() {
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents | where Initi");
    ctrl_space(&mut app);
    type_text(&mut app, "ngProcessCom");
    let first = app.completion.as_ref().unwrap().completion.items[0]
        .label
        .clone();
    assert_eq!(first, "InitiatingProcessCommandLine");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app.completion.is_none());
    assert_eq!(
        app.editor.text(),
        "DeviceProcessEvents | where InitiatingProcessCommandLine"
    );
    // A function gets parentheses with the cursor inside; Tab accepts too.
    type_text(&mut app, " has ");
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    type_text(&mut app, " tolow");
    ctrl_space(&mut app);
    // `tolower` is the only match, so it goes in at once.
    assert!(app.completion.is_none());
    assert!(app.editor.text().ends_with(" has tolower()"));
    type_text(&mut app, "Fil");
    ctrl_space(&mut app);
    assert!(app.completion.is_some());
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert!(
        app.editor.text().ends_with(" has tolower(FileName)"),
        "{}",
        app.editor.text()
    );
    // Esc closes the list without cancelling anything or changing the text.
    key(&mut app, KeyCode::End, KeyModifiers::NONE);
    type_text(&mut app, "\n| ");
    ctrl_space(&mut app);
    assert!(app.completion.is_some());
    let before = app.editor.text();
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.completion.is_none());
    assert_eq!(app.editor.text(), before);
    assert!(app.outbox.is_empty());
    // A space ends the word and closes the list.
    ctrl_space(&mut app);
    type_text(&mut app, "wh ");
    assert!(app.completion.is_none());
    // Up/Down move the highlight; Tab still switches panes when the list is closed.
    ctrl_space(&mut app);
    let state = app.completion.as_ref().unwrap();
    assert_eq!(state.selected, 0);
    key(&mut app, KeyCode::Down, KeyModifiers::NONE);
    key(&mut app, KeyCode::Down, KeyModifiers::NONE);
    key(&mut app, KeyCode::Up, KeyModifiers::NONE);
    assert_eq!(app.completion.as_ref().unwrap().selected, 1);
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(app.focus, kqlhunt::tui::app::Focus::Grid);
}

fn results() -> ResultSet {
    let names = [
        "cmd.exe",
        "powershell.exe",
        "cmd.exe",
        "evil\u{1b}[31m.exe",
        "cmd.exe",
    ];
    let table = Table::new(vec![Column::new(
        "FileName",
        column_from_values(
            Kind::String,
            names.iter().map(|n| Value::String((*n).into())),
        ),
    )])
    .unwrap();
    ResultSet::new(
        table,
        Origin {
            backend: "local".into(),
            query: String::new(),
            started_at: 0,
            elapsed: Duration::from_millis(3),
            stats: None,
            ..Origin::default()
        },
    )
}

#[test]
fn values_from_the_grid_escaped() {
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents | take 5");
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    let Some(Command::Run { id, .. }) = app.outbox.pop() else {
        panic!("no run")
    };
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(results()),
        cached_age: None,
    });
    type_text(&mut app, "\n| where FileName == \"");
    ctrl_space(&mut app);
    let screen = draw(&mut app, 80, 24);
    for cell in screen.backend().buffer().content() {
        assert!(!cell.symbol().contains('\u{1b}'), "raw escape on screen");
    }
    insta::assert_snapshot!(screen.backend());
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(
        app.editor
            .text()
            .ends_with("| where FileName == \"cmd.exe\"")
    );
}

#[test]
fn hint_line_shows_signature_and_diagnostic() {
    let mut app = app();
    type_text(
        &mut app,
        "DeviceProcessEvents | summarize count() by bin(Timestamp, ",
    );
    insta::assert_snapshot!(draw(&mut app, 100, 12).backend());
    let mut app = self::app();
    type_text(&mut app, "DeviceProcessEvents | where FileNam");
    insta::assert_snapshot!(draw(&mut app, 100, 12).backend());
}

#[test]
fn kept_results_complete_as_tables() {
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents | take 5");
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    let Some(Command::Run { id, .. }) = app.outbox.pop() else {
        panic!("no run")
    };
    let mut result = results();
    result.origin.local_name = Some("$1".into());
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(result),
        cached_age: None,
    });
    type_text(&mut app, "\n\n$la");
    let c = app.completion_at_cursor();
    assert_eq!(c.items[0].label, "$last");
    assert_eq!(c.items[0].insert, "$last");
    type_text(&mut app, "st | where ");
    let c = app.completion_at_cursor();
    assert_eq!(c.items[0].label, "FileName");
}
