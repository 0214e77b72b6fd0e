//! The mouse in the workbench, fed as crossterm events into `App` after a frame on
//! ratatui's TestBackend: a click places the editor's cursor or selects the grid's cell
//! under the pointer (found on the drawn screen, not computed from the layout), a drag
//! selects text, the wheel scrolls the pane under the pointer, and with the mouse off (or a
//! popup open) nothing happens.

mod tui_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::{Column, Kind, Origin, ResultSet, Table, Value};
use kqlhunt::tui::app::{App, Focus, Overlay};
use kqlhunt::worker::{Command, WorkerEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use tui_support::{key, type_text};

const W: u16 = 80;
const H: u16 = 30;

fn app(mouse: bool) -> App {
    let mut app = tui_support::app_with("demo");
    app.mouse.enabled = mouse;
    app
}

/// Draw, and return the screen as lines of characters.
fn screen(app: &mut App) -> Vec<String> {
    let mut terminal = Terminal::new(TestBackend::new(W, H)).unwrap();
    terminal.draw(|f| app.draw(f, Instant::now())).unwrap();
    let buf = terminal.backend().buffer();
    (0..H)
        .map(|y| (0..W).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

/// The screen cell where `needle` first appears (in columns, not bytes).
fn find(lines: &[String], needle: &str) -> (u16, u16) {
    for (y, line) in lines.iter().enumerate() {
        if let Some(at) = line.find(needle) {
            return (line[..at].chars().count() as u16, y as u16);
        }
    }
    panic!("{needle:?} is not on screen:\n{}", lines.join("\n"))
}

fn mouse(app: &mut App, kind: MouseEventKind, (x, y): (u16, u16)) -> bool {
    mouse_with(app, kind, (x, y), KeyModifiers::NONE)
}

fn mouse_with(
    app: &mut App,
    kind: MouseEventKind,
    (column, row): (u16, u16),
    modifiers: KeyModifiers,
) -> bool {
    app.on_event(Event::Mouse(MouseEvent {
        kind,
        column,
        row,
        modifiers,
    }))
}

fn click(app: &mut App, at: (u16, u16)) -> bool {
    mouse(app, MouseEventKind::Down(MouseButton::Left), at)
}

fn strings(name: &str, values: impl IntoIterator<Item = String>) -> Column {
    Column::new(
        name,
        column_from_values(Kind::String, values.into_iter().map(Value::String)),
    )
}

/// An app showing 60 rows of (DeviceName, FileName), grid focused.
fn grid_app() -> App {
    let mut app = app(true);
    type_text(&mut app, "DeviceProcessEvents");
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    let Some(Command::Run { id, .. }) = app.outbox.pop() else {
        panic!("no run command")
    };
    let table = Table::new(vec![
        strings("DeviceName", (0..60).map(|i| format!("wks-{i:02}"))),
        strings("FileName", (0..60).map(|i| format!("file{i:02}.exe"))),
    ])
    .unwrap();
    let result = ResultSet::new(
        table,
        Origin {
            backend: "local".into(),
            elapsed: Duration::from_millis(1),
            ..Origin::default()
        },
    );
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(result),
        cached_age: None,
    });
    app
}

#[test]
fn a_click_in_the_editor_places_the_cursor_there() {
    let mut app = app(true);
    type_text(
        &mut app,
        "DeviceEvents\n| take 10\n| where ActionType has 'x'",
    );
    let lines = screen(&mut app);
    let (x, y) = find(&lines, "take");
    assert!(click(&mut app, (x, y)));
    assert_eq!(app.editor.cursor(), (1, 2));
    // Past the end of a line: the end of that line.
    assert!(click(&mut app, (W - 3, y)));
    assert_eq!(app.editor.cursor(), (1, "| take 10".len()));
    // On the border or the line numbers: focus only.
    app.focus = Focus::Grid;
    assert!(click(&mut app, (0, y)));
    assert_eq!(app.focus, Focus::Editor);
    assert_eq!(app.editor.cursor(), (1, "| take 10".len()));
}

#[test]
fn a_drag_in_the_editor_selects_the_text_under_it() {
    let mut app = app(true);
    type_text(&mut app, "DeviceEvents\n| take 10");
    let lines = screen(&mut app);
    let (x, y) = find(&lines, "take");
    click(&mut app, (x, y));
    assert!(mouse(
        &mut app,
        MouseEventKind::Drag(MouseButton::Left),
        (x + 4, y)
    ));
    assert_eq!(app.editor.selected_text().as_deref(), Some("take"));
    // A new click drops the selection.
    click(&mut app, (x, y));
    assert_eq!(app.editor.selected_text(), None);
}

#[test]
fn a_click_in_the_grid_focuses_it_and_selects_the_cell() {
    let mut app = grid_app();
    assert_eq!(app.focus, Focus::Editor);
    let lines = screen(&mut app);
    let at = find(&lines, "file03.exe");
    assert!(click(&mut app, (at.0 + 2, at.1)));
    assert_eq!(app.focus, Focus::Grid);
    assert_eq!(app.grid.selected(), Some((3, 1)));
    let at = find(&lines, "wks-05");
    click(&mut app, at);
    assert_eq!(app.grid.selected(), Some((5, 0)));
    // The header selects nothing but still focuses the results.
    app.focus = Focus::Editor;
    let header = find(&lines, "FileName");
    assert!(click(&mut app, header));
    assert_eq!(app.focus, Focus::Grid);
    assert_eq!(app.grid.selected(), Some((5, 0)));
}

#[test]
fn the_wheel_scrolls_the_grid_under_the_pointer() {
    let mut app = grid_app();
    let lines = screen(&mut app);
    let cell = find(&lines, "wks-00");
    mouse(&mut app, MouseEventKind::ScrollDown, cell);
    mouse(&mut app, MouseEventKind::ScrollDown, cell);
    assert_eq!(app.grid.selected(), Some((6, 0)));
    mouse(&mut app, MouseEventKind::ScrollUp, cell);
    assert_eq!(app.grid.selected(), Some((3, 0)));
    mouse_with(
        &mut app,
        MouseEventKind::ScrollDown,
        cell,
        KeyModifiers::SHIFT,
    );
    assert_eq!(
        app.grid.selected(),
        Some((3, 1)),
        "Shift+wheel goes sideways"
    );
    // The focus stays where it was; the grid scrolled all the same.
    assert_eq!(app.focus, Focus::Editor);
}

#[test]
fn the_wheel_scrolls_the_editor_text() {
    let mut app = app(true);
    let text: Vec<String> = (1..=40).map(|i| format!("// line {i:02}")).collect();
    type_text(&mut app, &text.join("\n"));
    app.editor.set_cursor(0, 0);
    let lines = screen(&mut app);
    let top = find(&lines, "line 01");
    for _ in 0..3 {
        mouse(&mut app, MouseEventKind::ScrollDown, top);
    }
    let lines = screen(&mut app);
    assert!(lines.iter().all(|l| !l.contains("line 01")), "scrolled");
    assert!(lines.iter().any(|l| l.contains("line 10")));
}

/// Answer the editor's query with a one-column result named `name`.
fn deliver(app: &mut App, name: &str, value: &str) {
    app.focus = Focus::Editor;
    type_text(app, "\n\nT");
    key(app, KeyCode::F(5), KeyModifiers::NONE);
    let Some(Command::Run { id, .. }) = app.outbox.pop() else {
        panic!("no run command")
    };
    let mut result = ResultSet::new(
        Table::new(vec![strings("Value", [value.to_string()])]).unwrap(),
        Origin::default(),
    );
    result.origin.local_name = Some(name.into());
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(result),
        cached_age: None,
    });
}

#[test]
fn a_click_on_a_result_tab_in_the_title_switches_to_it() {
    let mut app = app(true);
    deliver(&mut app, "$1", "first");
    deliver(&mut app, "$2", "second");
    deliver(&mut app, "$3", "third");
    assert_eq!(app.tab, 2);
    let lines = screen(&mut app);
    assert!(lines.iter().any(|l| l.contains("third")));
    let one = find(&lines, "$1");
    assert!(click(&mut app, (one.0 + 1, one.1)));
    assert_eq!(app.tab, 0);
    assert_eq!(app.focus, Focus::Grid);
    let lines = screen(&mut app);
    assert!(lines.iter().any(|l| l.contains("first")));
    // The current tab is drawn as `[$1]`; its brackets count as the tab too.
    let two = find(&lines, "$2");
    click(&mut app, two);
    assert_eq!(app.tab, 1);
    let lines = screen(&mut app);
    let current = find(&lines, "[$2]");
    click(&mut app, current);
    assert_eq!(app.tab, 1);
    // The space between names is no tab.
    let three = find(&lines, "$3");
    click(&mut app, (three.0 - 1, three.1));
    assert_eq!(app.tab, 1);
}

#[test]
fn tab_clicks_hold_when_the_strip_is_cut_short_on_either_side() {
    let mut app = app(true);
    for i in 1..=10 {
        deliver(&mut app, &format!("r{i}"), &format!("value {i}"));
    }
    // Tabs 6..10 are named, after a leading `…`.
    let lines = screen(&mut app);
    let seventh = find(&lines, " r7 ");
    click(&mut app, (seventh.0 + 1, seventh.1));
    assert_eq!(app.tab, 6);
    // From the first tab: 1..8 are named, then a trailing `…`.
    app.switch_tab(0);
    let lines = screen(&mut app);
    let third = find(&lines, " r3 ");
    click(&mut app, (third.0 + 2, third.1));
    assert_eq!(app.tab, 2);
}

#[test]
fn the_wheel_scrolls_the_help() {
    let mut app = app(true);
    key(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    screen(&mut app);
    assert!(mouse(&mut app, MouseEventKind::ScrollDown, (40, 10)));
    assert!(mouse(&mut app, MouseEventKind::ScrollDown, (40, 10)));
    assert!(mouse(&mut app, MouseEventKind::ScrollUp, (40, 10)));
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 3 }));
}

#[test]
fn with_the_mouse_off_events_change_nothing() {
    let mut app = grid_app();
    app.mouse.enabled = false;
    let lines = screen(&mut app);
    let at = find(&lines, "file03.exe");
    assert!(!click(&mut app, at));
    assert!(!mouse(&mut app, MouseEventKind::ScrollDown, at));
    assert_eq!(app.focus, Focus::Editor);
    assert_eq!(app.grid.selected(), Some((0, 0)));
}

#[test]
fn popups_keep_the_mouse_out() {
    let mut app = grid_app();
    let lines = screen(&mut app);
    let at = find(&lines, "file03.exe");
    key(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    assert!(!click(&mut app, at));
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
    assert_eq!(app.grid.selected(), Some((0, 0)));
}

#[test]
fn clicks_before_the_first_frame_or_off_the_panes_are_harmless() {
    let mut app = app(true);
    assert!(!click(&mut app, (5, 5)), "nothing drawn yet");
    screen(&mut app);
    // The status bar, and far outside the screen.
    assert!(!click(&mut app, (2, H - 1)));
    assert!(!click(&mut app, (u16::MAX, u16::MAX)));
    assert!(!mouse(
        &mut app,
        MouseEventKind::Down(MouseButton::Right),
        (5, 5)
    ));
}
