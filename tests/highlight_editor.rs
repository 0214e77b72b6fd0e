//! The editor pane with live highlighting on TestBackend: the text is snapshotted with
//! insta, and since snapshots do not show colour, the styles of a few cells are asserted:
//! syntax classes from `Theme::dark()`, and diagnostic underlines on top of them.

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use kqlhunt::backend::BackendKind;
use kqlhunt::tui::app::App;
use kqlhunt::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        app.on_event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

fn draw(app: &mut App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(72, 30)).unwrap();
    t.draw(|f| app.draw(f, Instant::now())).unwrap();
    t
}

/// Screen position of the first cell of `needle` on the screen.
fn find(buf: &Buffer, needle: &str) -> (u16, u16) {
    for y in 0..buf.area.height {
        let row: String = (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect();
        if let Some(byte) = row.find(needle) {
            let x = row[..byte].chars().count() as u16;
            return (x, y);
        }
    }
    panic!("{needle:?} not on screen");
}

const QUERY: &str = "// encoded PowerShell\nDeviceProcessEvents\n| where Timestamp > ago(1d)\n| where FileNme =~ \"powershell.exe\"\n| take 10";

#[test]
fn editor_colours_syntax_and_underlines_diagnostics() {
    let theme = Theme::dark();
    let mut app = App::new(BackendKind::Local, theme.clone());
    type_text(&mut app, QUERY);
    let t = draw(&mut app);
    insta::assert_snapshot!("editor_highlighted", t.backend());
    let buf = t.backend().buffer();

    let cell = |needle: &str| buf[find(buf, needle)].clone();
    assert_eq!(cell("// encoded").fg, theme.syntax_comment.fg.unwrap());
    assert_eq!(cell("where Timestamp").fg, theme.syntax_keyword.fg.unwrap());
    assert_eq!(cell("> ago").fg, theme.syntax_operator.fg.unwrap());
    assert_eq!(cell("ago(").fg, theme.syntax_function.fg.unwrap());
    assert_eq!(cell("1d)").fg, theme.syntax_time.fg.unwrap());
    assert_eq!(cell("\"powershell").fg, theme.syntax_string.fg.unwrap());
    let (x, y) = find(buf, "take 10");
    assert_eq!(buf[(x + 5, y)].fg, theme.syntax_number.fg.unwrap());
    assert_eq!(cell("| take").fg, theme.syntax_punctuation.fg.unwrap());
    // Plain names keep the text style.
    assert_eq!(cell("DeviceProcessEvents").fg, Color::Reset);

    // The unknown column is underlined in red, over the default text colour; its
    // neighbours are not underlined.
    let (x, y) = find(buf, "FileNme");
    for dx in 0..7 {
        let c = &buf[(x + dx, y)];
        assert!(c.modifier.contains(Modifier::UNDERLINED), "{c:?}");
        assert_eq!(c.underline_color, Color::LightRed);
    }
    assert!(!buf[(x + 7, y)].modifier.contains(Modifier::UNDERLINED));
    assert!(!buf[(x - 1, y)].modifier.contains(Modifier::UNDERLINED));
    // The time-filtered table has no warning underline.
    let (x, y) = find(buf, "DeviceProcessEvents");
    assert!(!buf[(x, y)].modifier.contains(Modifier::UNDERLINED));
}

#[test]
fn warnings_are_yellow_underlines_over_syntax_colours() {
    let theme = Theme::dark();
    let mut app = App::new(BackendKind::Local, theme.clone());
    type_text(
        &mut app,
        "DeviceProcessEvents\n| where FileName contains \"mimikatz\"",
    );
    let t = draw(&mut app);
    let buf = t.backend().buffer();
    // No time filter on a large table: the table name is underlined in yellow.
    let c = &buf[find(buf, "DeviceProcessEvents")];
    assert!(c.modifier.contains(Modifier::UNDERLINED));
    assert_eq!(c.underline_color, Color::Yellow);
    // `contains` on a whole term: underlined, and keeps its operator colour.
    let c = &buf[find(buf, "contains")];
    assert!(c.modifier.contains(Modifier::UNDERLINED));
    assert_eq!(c.underline_color, Color::Yellow);
    assert_eq!(c.fg, theme.syntax_operator.fg.unwrap());
}

#[test]
fn no_color_has_no_syntax_colours_but_keeps_underlines() {
    let mut app = App::new(BackendKind::Local, Theme::no_color());
    type_text(&mut app, QUERY);
    let t = draw(&mut app);
    let buf = t.backend().buffer();
    let (_, y0) = find(buf, "// encoded");
    for y in y0..y0 + 5 {
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            assert_eq!(
                (c.fg, c.underline_color),
                (Color::Reset, Color::Reset),
                "{c:?}"
            );
        }
    }
    let c = &buf[find(buf, "FileNme")];
    assert!(c.modifier.contains(Modifier::UNDERLINED));
}

#[test]
fn edits_recolour_only_after_the_text_changes() {
    let theme = Theme::dark();
    let mut app = App::new(BackendKind::Local, theme.clone());
    type_text(&mut app, "print \"open");
    let t = draw(&mut app);
    let buf = t.backend().buffer();
    assert_eq!(buf[find(buf, "open")].fg, theme.syntax_string.fg.unwrap());
    type_text(&mut app, "\"\n| take 1");
    let t = draw(&mut app);
    let buf = t.backend().buffer();
    assert_eq!(buf[find(buf, "take")].fg, theme.syntax_keyword.fg.unwrap());
}
