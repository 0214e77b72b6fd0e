//! Tests of the editor pane and the results grid on ratatui's `TestBackend`: csvlens-style
//! step, draw, assert-the-lines tests, a few insta snapshots, and checks that our editor view
//! and the textarea it wraps agree on scrolling and the cursor.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::{Column, ColumnData, Kind, Table, Value, ValueRef};
use kqlhunt::tui::editor::{Editor, EditorView, PLACEHOLDER, StyledSpan};
use kqlhunt::tui::grid::{Grid, GridState, NO_RESULT_HINT};
use kqlhunt::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth as _};
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, StatefulWidget as _, Widget as _};

// ---------------------------------------------------------------------------------------
// helpers

/// The buffer as text lines, cells hidden by wide characters skipped, trailing blanks cut.
fn lines(buf: &Buffer) -> Vec<String> {
    let mut out = Vec::new();
    for y in buf.area.top()..buf.area.bottom() {
        let mut line = String::new();
        let mut skip = 0u16;
        for x in buf.area.left()..buf.area.right() {
            let cell = &buf[(x, y)];
            if skip == 0 {
                line.push_str(cell.symbol());
            }
            skip = skip.max(cell.cell_width()).saturating_sub(1);
        }
        out.push(line.trim_end().to_owned());
    }
    out
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn shift(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::SHIFT)
}

fn press(editor: &mut Editor, code: KeyCode, times: usize) {
    for _ in 0..times {
        editor.input(key(code));
    }
}

fn draw_editor(
    term: &mut Terminal<TestBackend>,
    editor: &Editor,
    focused: bool,
) -> Option<Position> {
    let theme = Theme::dark();
    let mut cursor = None;
    term.draw(|f| {
        let view = EditorView::new(editor, &theme).focused(focused);
        f.render_widget(&view, f.area());
        cursor = view.cursor_position(f.area());
    })
    .unwrap();
    cursor
}

fn term(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).unwrap()
}

/// The gutter width our view uses for `editor` (" 9 " is 3, " 10 " is 4).
fn gutter(editor: &Editor) -> u16 {
    editor.lines().len().to_string().len() as u16 + 2
}

/// Draw `editor` with our view into `w`×`h`, then draw the bare textarea into the text part
/// of the same area, and check that both show the same symbols and the same cursor cell.
fn assert_agrees(editor: &Editor, w: u16, h: u16) -> Buffer {
    let theme = Theme::dark();
    let area = Rect::new(0, 0, w, h);
    let mut ours = Buffer::empty(area);
    let view = EditorView::new(editor, &theme).focused(true);
    (&view).render(area, &mut ours);

    let g = gutter(editor);
    let text = Rect::new(g, 0, w - g, h);
    let mut theirs = Buffer::empty(text);
    editor.textarea().render(text, &mut theirs);

    for y in 0..h {
        for x in g..w {
            assert_eq!(
                ours[(x, y)].symbol(),
                theirs[(x, y)].symbol(),
                "cell ({x},{y}); ours:\n{:#?}\ntheirs:\n{:#?}",
                lines(&ours),
                lines(&theirs)
            );
        }
    }
    // The textarea draws its cursor reversed; ours is reversed too (dark theme). Cells hidden
    // behind a wide character are never shown, so their style does not count.
    let reversed = |b: &Buffer| -> Vec<Position> {
        let mut out = Vec::new();
        for y in b.area.top()..b.area.bottom() {
            let mut skip = 0u16;
            for x in g..b.area.right() {
                let cell = &b[(x, y)];
                if skip == 0 && cell.modifier.contains(Modifier::REVERSED) {
                    out.push(Position::new(x, y));
                }
                skip = skip.max(cell.cell_width()).saturating_sub(1);
            }
        }
        out
    };
    let cursor_cells = reversed(&theirs);
    assert_eq!(reversed(&ours), cursor_cells, "cursor cells");
    let cursor = cursor_cells.first().copied();
    assert_eq!(view.cursor_position(area), cursor, "cursor_position");
    ours
}

// ---------------------------------------------------------------------------------------
// editor

#[test]
fn empty_editor_shows_the_placeholder() {
    let mut t = term(64, 4);
    let editor = Editor::new();
    let cursor = draw_editor(&mut t, &editor, true);
    insta::assert_snapshot!("editor_placeholder", t.backend());
    let buf = t.backend().buffer();
    assert_eq!(cursor, Some(Position::new(3, 0)));
    assert!(
        buf[(3, 0)].modifier.contains(Modifier::REVERSED),
        "cursor on the first cell"
    );
    assert_eq!(buf[(5, 0)].fg, Theme::dark().placeholder.fg.unwrap());
    assert!(lines(buf)[0].ends_with(PLACEHOLDER));
    // Unfocused: no cursor anywhere.
    let cursor = draw_editor(&mut t, &editor, false);
    assert_eq!(cursor, None);
    let buf = t.backend().buffer();
    assert!(
        buf.area
            .positions()
            .all(|p| !buf[p].modifier.contains(Modifier::REVERSED))
    );
}

#[test]
fn editor_text_with_gutter() {
    let mut t = term(40, 6);
    let mut editor = Editor::from_text(
        "DeviceProcessEvents\n| where Timestamp > ago(1d)\n| where FileName =~ \"powershell.exe\"\n| take 100",
    );
    press(&mut editor, KeyCode::Down, 1);
    draw_editor(&mut t, &editor, true);
    insta::assert_snapshot!("editor_text", t.backend());
    let buf = t.backend().buffer();
    let theme = Theme::dark();
    assert_eq!(
        buf[(1, 1)].fg,
        theme.gutter_current.fg.unwrap(),
        "current line number"
    );
    assert_eq!(
        buf[(1, 0)].fg,
        theme.gutter.fg.unwrap(),
        "other line numbers"
    );
}

#[test]
fn view_follows_the_textarea_down_and_back_up() {
    let text: Vec<String> = (1..=30).map(|i| format!("line {i}")).collect();
    let mut editor = Editor::from_text(&text.join("\n"));
    assert_agrees(&editor, 20, 5);
    for step in 0..29 {
        press(&mut editor, KeyCode::Down, 1);
        assert_agrees(&editor, 20, 5);
        let top = editor.textarea().scroll_offset().0 as usize;
        let row = editor.cursor().0;
        assert!(
            top <= row && row < top + 5,
            "step {step}: row {row} top {top}"
        );
    }
    let buf = assert_agrees(&editor, 20, 5);
    assert_eq!(
        lines(&buf),
        [
            " 26 line 26",
            " 27 line 27",
            " 28 line 28",
            " 29 line 29",
            " 30 line 30"
        ]
    );
    press(&mut editor, KeyCode::Up, 5);
    let buf = assert_agrees(&editor, 20, 5);
    assert_eq!(lines(&buf)[0], " 25 line 25");
    press(&mut editor, KeyCode::Up, 30);
    let buf = assert_agrees(&editor, 20, 5);
    assert_eq!(lines(&buf)[0], "  1 line 1");
}

#[test]
fn view_follows_the_textarea_right_and_back_left() {
    let long = (0..60)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect::<String>();
    let mut editor = Editor::from_text(&format!("{long}\nshort"));
    for _ in 0..60 {
        press(&mut editor, KeyCode::Right, 1);
        assert_agrees(&editor, 16, 3);
    }
    // At the end of the line the cursor sits just past the last character.
    let buf = assert_agrees(&editor, 16, 3);
    assert_eq!(editor.textarea().scroll_offset().1, 48);
    assert_eq!(lines(&buf)[0], " 1 wxyzabcdefgh");
    // Down to the short line: its text is scrolled out of view, as in the textarea.
    press(&mut editor, KeyCode::Down, 1);
    let buf = assert_agrees(&editor, 16, 3);
    assert_eq!(lines(&buf)[1], " 2");
    press(&mut editor, KeyCode::Home, 1);
    let buf = assert_agrees(&editor, 16, 3);
    assert_eq!(lines(&buf), [" 1 abcdefghijklm", " 2 short", ""]);
    press(&mut editor, KeyCode::Up, 1);
    press(&mut editor, KeyCode::End, 1);
    assert_agrees(&editor, 16, 3);
    for _ in 0..61 {
        press(&mut editor, KeyCode::Left, 1);
        assert_agrees(&editor, 16, 3);
    }
}

#[test]
fn page_down_and_up_scroll_like_the_textarea() {
    let text: Vec<String> = (1..=40).map(|i| format!("row {i}")).collect();
    let mut editor = Editor::from_text(&text.join("\n"));
    assert_agrees(&editor, 20, 6);
    editor.input(key(KeyCode::PageDown));
    let buf = assert_agrees(&editor, 20, 6);
    assert_eq!(editor.textarea().scroll_offset().0, 6);
    assert_eq!(lines(&buf)[0], "  7 row 7");
    editor.input(key(KeyCode::PageDown));
    editor.input(key(KeyCode::PageDown));
    let buf = assert_agrees(&editor, 20, 6);
    assert_eq!(lines(&buf)[0], " 19 row 19");
    editor.input(key(KeyCode::PageUp));
    let buf = assert_agrees(&editor, 20, 6);
    assert_eq!(lines(&buf)[0], " 13 row 13");
    for _ in 0..10 {
        editor.input(key(KeyCode::PageDown));
        assert_agrees(&editor, 20, 6);
    }
    assert_eq!(editor.cursor().0, 39);
}

#[test]
fn tabs_expand_like_the_textarea() {
    let mut editor = Editor::from_text("a\tb\t\tc\n\tx\tyy\tz\nab\tcd\tef\tgh\tij\tkl");
    for _ in 0..3 {
        for _ in 0..20 {
            assert_agrees(&editor, 14, 3);
            press(&mut editor, KeyCode::Right, 1);
        }
        assert_agrees(&editor, 14, 3);
        press(&mut editor, KeyCode::Down, 1);
        press(&mut editor, KeyCode::Home, 1);
    }
    let mut editor = Editor::from_text("a\tb\t\tc");
    let buf = assert_agrees(&editor, 20, 1);
    assert_eq!(lines(&buf), [" 1 a   b       c"]);
    press(&mut editor, KeyCode::Right, 3);
    let buf = assert_agrees(&editor, 20, 1);
    // The cursor on the second tab (columns 5..8) covers all three of its cells, as the
    // textarea draws it.
    let on: Vec<bool> = (7..12)
        .map(|x| buf[(x, 0)].modifier.contains(Modifier::REVERSED))
        .collect();
    assert_eq!(on, [false, true, true, true, false]);
}

#[test]
fn wide_characters_take_two_cells_and_scroll_like_the_textarea() {
    let mut editor = Editor::from_text("日本語のテキストと🦀と混在 mixed 文字列\nsecond 行");
    for _ in 0..30 {
        assert_agrees(&editor, 15, 2);
        press(&mut editor, KeyCode::Right, 1);
    }
    press(&mut editor, KeyCode::Down, 1);
    assert_agrees(&editor, 15, 2);
    press(&mut editor, KeyCode::Up, 1);
    press(&mut editor, KeyCode::Home, 1);
    let buf = assert_agrees(&editor, 15, 2);
    assert_eq!(lines(&buf), [" 1 日本語のテキ", " 2 second 行"]);
    // Odd widths: a wide char cut by the right edge is a blank cell.
    let buf = assert_agrees(&editor, 14, 2);
    assert_eq!(lines(&buf)[0], " 1 日本語のテ");
    // Cursor on a wide character reverses both of its cells.
    press(&mut editor, KeyCode::Right, 1);
    let buf = assert_agrees(&editor, 15, 2);
    assert!(buf[(5, 0)].modifier.contains(Modifier::REVERSED));
    assert!(buf[(6, 0)].modifier.contains(Modifier::REVERSED));
    assert!(!buf[(7, 0)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn combining_marks_join_their_base_character() {
    let mut editor = Editor::from_text("cafe\u{301} au lait");
    let buf = assert_agrees(&editor, 20, 1);
    assert_eq!(buf[(6, 0)].symbol(), "e\u{301}");
    press(&mut editor, KeyCode::End, 1);
    assert_agrees(&editor, 20, 1);
}

#[test]
fn selection_lands_on_the_right_cells_with_multibyte_text() {
    let theme = Theme::dark();
    // "é" is 2 bytes, "表" 3 bytes and 2 cells.
    let mut editor = Editor::from_text("é表x yz\nsecond");
    press(&mut editor, KeyCode::Right, 1);
    for _ in 0..2 {
        editor.input(shift(KeyCode::Right));
    }
    assert_eq!(editor.selection_byte_range(), Some(2..6));
    assert_eq!(editor.selected_text().as_deref(), Some("表x"));
    let buf = assert_agrees(&editor, 20, 2);
    let sel = theme.selection.bg.unwrap();
    // Gutter is 3 cells: é at 3, 表 at 4-5, x at 6, space at 7.
    let bgs: Vec<bool> = (3..9).map(|x| buf[(x, 0)].bg == sel).collect();
    assert_eq!(bgs, [false, true, true, true, false, false]);

    // Across the line break: the break is shown as one selected cell after the text.
    press(&mut editor, KeyCode::Home, 1);
    editor.input(shift(KeyCode::Down));
    let buf = assert_agrees(&editor, 20, 2);
    assert!(editor.selection_byte_range().is_some());
    assert_eq!(
        buf[(3 + 7, 0)].bg,
        sel,
        "line break of the first line selected"
    );
    assert_eq!(buf[(3 + 8, 0)].bg, Color::Reset);
}

#[test]
fn spans_land_on_the_right_cells_with_multibyte_text() {
    let mut editor = Editor::from_text("let ü = \"日本\"; // x\nnext");
    let red = Style::new().fg(Color::Red);
    let under = Style::new().add_modifier(Modifier::UNDERLINED);
    // `ü` is bytes 4..6; the string literal bytes 9..17 (two 3-byte chars plus quotes).
    editor.set_spans(vec![
        StyledSpan {
            line: 0,
            bytes: 9..17,
            style: red,
        },
        StyledSpan {
            line: 0,
            bytes: 4..6,
            style: under,
        },
        StyledSpan {
            line: 1,
            bytes: 2..100,
            style: red,
        },
        StyledSpan {
            line: 7,
            bytes: 0..3,
            style: red,
        },
    ]);
    editor.input(key(KeyCode::Down));
    let buf = assert_agrees(&editor, 30, 2);
    let g = 3;
    let styled = |x: u16, y: u16| {
        (
            buf[(g + x, y)].fg == Color::Red,
            buf[(g + x, y)].modifier.contains(Modifier::UNDERLINED),
        )
    };
    // Columns: l e t _ ü _ = _ " 日(2) 本(2) " ;
    assert_eq!(styled(3, 0), (false, false));
    assert_eq!(styled(4, 0), (false, true));
    assert_eq!(styled(5, 0), (false, false));
    assert_eq!(styled(8, 0), (true, false));
    assert_eq!(styled(9, 0), (true, false));
    assert_eq!(styled(10, 0), (true, false));
    assert_eq!(styled(13, 0), (true, false));
    assert_eq!(styled(14, 0), (false, false));
    // A span past the end of the line is clipped.
    assert_eq!(
        (0..6).map(|x| styled(x, 1).0).collect::<Vec<_>>(),
        [false, false, true, true, false, false]
    );
}

#[test]
fn search_matches_are_highlighted() {
    let theme = Theme::dark();
    let mut editor = Editor::from_text("where x has \"évil\" or y has \"évil\"");
    editor.set_search_pattern("évil").unwrap();
    assert!(editor.search_forward());
    let buf = assert_agrees(&editor, 50, 1);
    let bg = theme.search.bg.unwrap();
    let hits: Vec<u16> = (3..50).filter(|x| buf[(*x, 0)].bg == bg).collect();
    assert_eq!(hits, [16, 17, 18, 19, 32, 33, 34, 35]);
    assert!(editor.set_search_pattern("(").is_err());
}

#[test]
fn control_and_bidi_characters_never_reach_the_buffer() {
    let editor = Editor::from_text("a\x1b[2Jb\rc\u{202e}d\u{7}e\u{85}f");
    let buf = assert_agrees(&editor, 30, 2);
    for p in buf.area.positions() {
        let s = buf[p].symbol();
        assert!(
            !s.chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{p:?}: {s:?}"
        );
    }
}

#[test]
fn tiny_areas_do_not_panic() {
    let mut editor = Editor::from_text("日本語\tx\n\n🦀🦀🦀 long line that goes on and on\n");
    editor.input(key(KeyCode::Down));
    editor.input(key(KeyCode::Down));
    editor.input(key(KeyCode::End));
    let theme = Theme::dark();
    for (w, h) in [
        (0, 0),
        (1, 1),
        (0, 5),
        (5, 0),
        (1, 5),
        (2, 1),
        (3, 1),
        (4, 2),
        (7, 1),
        (9, 3),
    ] {
        for block in [false, true] {
            let area = Rect::new(0, 0, w, h);
            let mut buf = Buffer::empty(area);
            let mut view = EditorView::new(&editor, &theme).focused(true);
            if block {
                view = view.block(Block::bordered().title("Query"));
            }
            (&view).render(area, &mut buf);
            if let Some(p) = view.cursor_position(area) {
                assert!(area.contains(p), "{w}x{h}: {p:?}");
            }
            // Also an area that is bigger than the buffer.
            let mut small = Buffer::empty(Rect::new(0, 0, w / 2, h / 2));
            (&view).render(area, &mut small);
        }
    }
    let mut t = term(1, 1);
    draw_editor(&mut t, &Editor::new(), true);
}

#[test]
fn cursor_position_is_inside_a_block() {
    let theme = Theme::dark();
    let mut editor = Editor::from_text("ab\ncd");
    editor.input(key(KeyCode::Down));
    editor.input(key(KeyCode::End));
    let area = Rect::new(2, 1, 20, 5);
    let mut buf = Buffer::empty(Rect::new(0, 0, 30, 10));
    let view = EditorView::new(&editor, &theme)
        .focused(true)
        .block(theme.pane("Query", true));
    (&view).render(area, &mut buf);
    // Border at x=2, gutter " 2 " at 3..6, text from 6: "cd" then the cursor.
    assert_eq!(view.cursor_position(area), Some(Position::new(8, 3)));
    assert!(buf[(8, 3)].modifier.contains(Modifier::REVERSED));
    assert_eq!(buf[(2, 1)].symbol(), "┏");
}

#[test]
fn paste_normalises_and_is_undoable() {
    let mut editor = Editor::from_text("x");
    editor.input(key(KeyCode::End));
    assert!(editor.paste(" | where\r\n\tA == 1\r| take\t1"));
    assert_eq!(editor.text(), "x | where\n    A == 1\n| take  1");
    assert_eq!(editor.cursor_byte_offset(), editor.text().len());
    let rev = editor.revision();
    assert!(editor.undo());
    assert_eq!(editor.text(), "x");
    assert!(editor.revision() != rev);
    assert!(editor.redo());
    assert_eq!(editor.text(), "x | where\n    A == 1\n| take  1");
    // Ctrl+Z / Ctrl+Shift+Z as well.
    editor.input(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL));
    assert_eq!(editor.text(), "x");
    editor.input(KeyEvent::new(
        KeyCode::Char('Z'),
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    ));
    assert!(editor.text().starts_with("x | where"));
}

#[test]
fn altgr_characters_are_typed() {
    let mut editor = Editor::new();
    let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
    for c in ['T', '|', '{', '@'] {
        let m = if c.is_ascii_alphabetic() {
            KeyModifiers::SHIFT
        } else {
            altgr
        };
        assert!(editor.input(KeyEvent::new(KeyCode::Char(c), m)));
    }
    assert_eq!(editor.text(), "T|{@");
    // Ctrl+Alt+letter keeps the textarea's meaning (a movement), typing nothing.
    assert!(!editor.input(KeyEvent::new(KeyCode::Char('b'), altgr)));
    assert_eq!(editor.text(), "T|{@");
}

#[test]
fn paste_replaces_the_selection() {
    let mut editor = Editor::from_text("take 10");
    editor.input(key(KeyCode::End));
    editor.input(shift(KeyCode::Left));
    editor.input(shift(KeyCode::Left));
    assert!(editor.paste("100"));
    assert_eq!(editor.text(), "take 100");
}

#[test]
fn text_round_trips_and_set_text_resets() {
    let mut editor = Editor::from_text("a\r\nb\n");
    assert_eq!(editor.text(), "a\nb\n");
    assert_eq!(editor.lines(), ["a", "b", ""]);
    assert!(!editor.is_empty());
    let rev = editor.revision();
    editor.set_spans(vec![StyledSpan {
        line: 0,
        bytes: 0..1,
        style: Style::new(),
    }]);
    editor.set_text("");
    assert!(editor.is_empty());
    assert!(editor.spans().is_empty());
    assert_ne!(editor.revision(), rev);
    assert_eq!(editor.cursor(), (0, 0));
    assert_eq!(editor.selection_byte_range(), None);
    assert!(editor.input(key(KeyCode::Char('T'))));
    assert_eq!(editor.text(), "T");
}

// ---------------------------------------------------------------------------------------
// grid

fn strings(name: &str, values: &[&str]) -> Column {
    Column::new(
        name,
        column_from_values(
            Kind::String,
            values.iter().map(|s| Value::String((*s).into())),
        ),
    )
}

fn longs(name: &str, values: &[i64]) -> Column {
    Column::new(
        name,
        column_from_values(Kind::Long, values.iter().map(|v| Value::Long(*v))),
    )
}

/// A process-events-like table of `rows` rows.
fn sample(rows: usize) -> Table {
    let names = ["powershell.exe", "cmd.exe", "rundll32.exe", "svchost.exe"];
    let mut device = ColumnData::with_capacity(Kind::String, rows);
    let mut file = ColumnData::with_capacity(Kind::String, rows);
    let mut pid = ColumnData::with_capacity(Kind::Long, rows);
    let mut time = ColumnData::with_capacity(Kind::DateTime, rows);
    let mut cmd = ColumnData::with_capacity(Kind::String, rows);
    for i in 0..rows {
        device.push(ValueRef::String(&format!("host-{:02}", i % 7)));
        file.push(ValueRef::String(names[i % names.len()]));
        pid.push(ValueRef::Long(1000 + i as i64 * 7));
        time.push(ValueRef::DateTime(
            17_000_000_000 * 1_000_000 + i as i64 * 10_000_000,
        ));
        cmd.push(ValueRef::String(&format!(
            "{} -arg {i}",
            names[i % names.len()]
        )));
    }
    Table::new(vec![
        Column::new("DeviceName", device),
        Column::new("FileName", file),
        Column::new("ProcessId", pid),
        Column::new("Timestamp", time),
        Column::new("ProcessCommandLine", cmd),
    ])
    .unwrap()
}

struct GridHarness {
    table: Table,
    state: GridState,
    term: Terminal<TestBackend>,
    focused: bool,
}

impl GridHarness {
    fn new(table: Table, w: u16, h: u16) -> Self {
        let state = GridState::for_table(&table);
        GridHarness {
            table,
            state,
            term: term(w, h),
            focused: true,
        }
    }

    /// Apply a step, draw, and return the lines on screen.
    fn step(&mut self, f: impl FnOnce(&mut GridState)) -> Vec<String> {
        f(&mut self.state);
        self.draw()
    }

    fn draw(&mut self) -> Vec<String> {
        let theme = Theme::dark();
        let (table, state, focused) = (&self.table, &mut self.state, self.focused);
        self.term
            .draw(|f| {
                f.render_stateful_widget(Grid::new(table, &theme).focused(focused), f.area(), state)
            })
            .unwrap();
        lines(self.term.backend().buffer())
    }

    fn buffer(&self) -> &Buffer {
        self.term.backend().buffer()
    }
}

#[test]
fn grid_first_screen() {
    let mut g = GridHarness::new(sample(20), 60, 6);
    assert_eq!(
        g.draw(),
        [
            "   DeviceName FileName       ProcessId Timestamp",
            "───────────────────────────────────────────────────────────▶",
            " 1 host-00    powershell.exe      1000 2023-11-14T22:13:20.…",
            " 2 host-01    cmd.exe             1007 2023-11-14T22:13:21.…",
            " 3 host-02    rundll32.exe        1014 2023-11-14T22:13:22.…",
            " 4 host-03    svchost.exe         1021 2023-11-14T22:13:23.…",
        ]
    );
    insta::assert_snapshot!("grid_first_screen", g.term.backend());
}

#[test]
fn grid_numbers_are_right_aligned_and_cells_cut_with_ellipsis() {
    let table = Table::new(vec![
        longs("n", &[1, 22, 333_333]),
        strings("s", &["short", "a rather long value that will not fit", ""]),
    ])
    .unwrap();
    let mut g = GridHarness::new(table, 20, 5);
    assert_eq!(
        g.draw(),
        [
            "       n s",
            "───────────────────▶",
            "1      1 short",
            "2     22 a rather l…",
            "3 333333"
        ]
    );
}

#[test]
fn grid_scrolls_down_and_back_up() {
    let mut g = GridHarness::new(sample(50), 40, 6);
    g.draw();
    let screen = g.step(|s| s.down(3));
    assert_eq!(screen[2], " 1 host-00    powershell.exe      1000");
    assert_eq!(screen[5], " 4 host-03    svchost.exe         1021");
    let screen = g.step(|s| s.down(1));
    assert_eq!(screen[2], " 2 host-01    cmd.exe             1007");
    assert_eq!(screen[5], " 5 host-04    powershell.exe      1028");
    assert_eq!((g.state.row_offset, g.state.selected_row), (1, 4));
    let screen = g.step(|s| s.up(2));
    assert_eq!(screen[2], " 2 host-01    cmd.exe             1007");
    let screen = g.step(|s| s.up(2));
    assert_eq!(screen[2], " 1 host-00    powershell.exe      1000");
    assert_eq!(g.state.row_offset, 0);
    // Clamped at both ends.
    g.step(|s| s.up(10));
    assert_eq!(g.state.selected_row, 0);
    let screen = g.step(|s| s.down(1000));
    assert_eq!(g.state.selected_row, 49);
    assert_eq!(screen[5], "50 host-00    cmd.exe             1343");
    insta::assert_snapshot!("grid_scrolled_down", g.term.backend());
}

#[test]
fn grid_scrolls_right_by_whole_columns() {
    let mut g = GridHarness::new(sample(5), 40, 4);
    let screen = g.draw();
    assert_eq!(screen[0], "  DeviceName FileName       ProcessId T…");
    assert_eq!(screen[1], "───────────────────────────────────────▶");
    g.step(|s| s.right(2));
    assert_eq!(g.state.col_offset, 0, "ProcessId is fully visible");
    let screen = g.step(|s| s.right(1));
    // Timestamp (24 cells) fits whole only when the view starts at ProcessId.
    assert_eq!(g.state.col_offset, 2);
    assert_eq!(screen[0], "  ProcessId Timestamp                Pr…");
    assert_eq!(screen[1], "◀──────────────────────────────────────▶");
    insta::assert_snapshot!("grid_scrolled_right", g.term.backend());
    let screen = g.step(|s| s.end());
    assert_eq!(g.state.selected_col, 4);
    assert_eq!(screen[0], "  ProcessCommandLine");
    assert_eq!(screen[1], "◀───────────────────────────────────────");
    let screen = g.step(|s| s.home());
    assert_eq!(g.state.col_offset, 0);
    assert_eq!(screen[0], "  DeviceName FileName       ProcessId T…");
    let screen = g.step(|s| s.left(3));
    assert_eq!(screen[1], "───────────────────────────────────────▶");
}

#[test]
fn grid_cuts_the_last_visible_column_cleanly() {
    let mut g = GridHarness::new(sample(3), 30, 3);
    let screen = g.draw();
    // After DeviceName and FileName, ProcessId gets the 2 cells left.
    assert_eq!(screen[0], "  DeviceName FileName       P…");
    assert_eq!(screen[2], "1 host-00    powershell.exe 1…");
    assert!(screen.iter().all(|l| l.chars().count() <= 30));
}

#[test]
fn grid_page_down_top_and_bottom() {
    let mut g = GridHarness::new(sample(100_000), 40, 12);
    g.draw();
    assert_eq!(g.state.page_rows(), 10);
    let screen = g.step(|s| s.page_down());
    assert_eq!((g.state.row_offset, g.state.selected_row), (10, 10));
    assert_eq!(screen[2], "    11 host-03    rundll32.exe      1070");
    g.step(|s| s.down(3));
    let screen = g.step(|s| s.page_down());
    assert_eq!((g.state.row_offset, g.state.selected_row), (20, 23));
    assert_eq!(screen[2], "    21 host-06    powershell.exe    1140");
    let screen = g.step(|s| s.page_up());
    assert_eq!((g.state.row_offset, g.state.selected_row), (10, 13));
    assert_eq!(screen[2], "    11 host-03    rundll32.exe      1070");
    let screen = g.step(|s| s.bottom());
    assert_eq!(g.state.selected_row, 99_999);
    assert_eq!(screen[11], "100000 host-04    svchost.exe     700993");
    insta::assert_snapshot!("grid_bottom_of_100k", g.term.backend());
    g.step(|s| s.page_down());
    assert_eq!(g.state.selected_row, 99_999);
    let screen = g.step(|s| s.top());
    assert_eq!(screen[2], "     1 host-00    powershell.exe    1000");
}

#[test]
fn grid_keeps_the_selection_visible_after_a_resize() {
    let mut g = GridHarness::new(sample(40), 80, 20);
    g.step(|s| {
        s.down(15);
        s.right(4);
    });
    assert_eq!(g.state.row_offset, 0);
    g.term.backend_mut().resize(30, 6);
    let screen = g.draw();
    assert_eq!((g.state.row_offset, g.state.col_offset), (12, 4));
    assert_eq!(screen[0], "   ProcessCommandLine");
    assert_eq!(screen[5], "16 svchost.exe -arg 15");
    let buf = g.buffer();
    let sel = Theme::dark().selected_cell.bg.unwrap();
    assert_eq!(buf[(3, 5)].bg, sel);
    // Growing again fills the screen instead of leaving blank rows at the bottom.
    g.step(|s| s.bottom());
    g.term.backend_mut().resize(30, 30);
    let screen = g.draw();
    assert_eq!(g.state.row_offset, 12);
    assert_eq!(screen[29], "40 svchost.exe -arg 39");
}

#[test]
fn grid_selection_styles_follow_focus() {
    let theme = Theme::dark();
    let mut g = GridHarness::new(sample(5), 40, 6);
    g.step(|s| {
        s.down(1);
        s.right(1);
    });
    let buf = g.buffer();
    // Row 2 of the data is screen row 3; FileName starts at x=14.
    assert_eq!(buf[(14, 3)].bg, theme.selected_cell.bg.unwrap());
    assert_eq!(buf[(4, 3)].bg, theme.selected_row.bg.unwrap());
    assert_eq!(buf[(14, 2)].bg, Color::Reset);
    assert!(!buf[(0, 0)].modifier.contains(Modifier::BOLD));
    assert!(
        buf[(3, 0)].modifier.contains(Modifier::BOLD),
        "header is bold"
    );
    g.focused = false;
    g.draw();
    let buf = g.buffer();
    assert_eq!(buf[(14, 3)].bg, theme.selected_row.bg.unwrap());
    assert_eq!(
        g.state.selected_value(&g.table),
        Some(ValueRef::String("cmd.exe"))
    );
}

#[test]
fn grid_empty_states() {
    let mut g = GridHarness::new(Table::default(), 60, 5);
    let screen = g.draw();
    assert_eq!(screen[2].trim(), NO_RESULT_HINT);
    assert_eq!(
        g.buffer()[(10, 2)].fg,
        Theme::dark().placeholder.fg.unwrap()
    );
    g.step(|s| {
        s.down(3);
        s.right(2);
        s.page_down();
        s.end();
        s.bottom();
    });
    assert_eq!(g.state.selected(), None);

    let table = Table::empty(&[
        ("Timestamp".into(), Kind::DateTime),
        ("Count".into(), Kind::Long),
    ]);
    let mut g = GridHarness::new(table, 30, 6);
    let screen = g.step(|s| s.down(1));
    assert_eq!(
        screen,
        [
            "  Timestamp Count",
            "──────────────────────────────",
            "",
            "            0 rows",
            "",
            ""
        ]
    );
    assert_eq!(g.state.selected_value(&g.table), None);
}

#[test]
fn grid_small_areas_do_not_panic() {
    let table = sample(1000);
    let theme = Theme::dark();
    let mut state = GridState::for_table(&table);
    state.down(500);
    state.right(3);
    for (w, h) in [
        (0, 0),
        (1, 1),
        (1, 0),
        (0, 1),
        (2, 2),
        (3, 3),
        (40, 10),
        (5, 40),
        (200, 2),
    ] {
        let area = Rect::new(0, 0, w, h);
        let mut buf = Buffer::empty(area);
        Grid::new(&table, &theme)
            .focused(true)
            .render(area, &mut buf, &mut state);
        // An area larger than the buffer is clipped, not a panic.
        let mut small = Buffer::empty(Rect::new(0, 0, w / 2, h / 2));
        Grid::new(&table, &theme).render(area, &mut small, &mut state);
    }
    let mut g = GridHarness::new(sample(10), 40, 10);
    insta::assert_snapshot!("grid_40x10", {
        g.draw();
        g.term.backend().to_string()
    });
    let mut g = GridHarness::new(sample(10), 1, 1);
    assert_eq!(g.draw(), ["…"]);
}

#[test]
fn grid_state_for_another_table_is_replaced_not_trusted() {
    let theme = Theme::dark();
    let big = sample(100);
    let mut state = GridState::for_table(&big);
    state.bottom();
    state.end();
    let small = Table::new(vec![longs("x", &[1, 2])]).unwrap();
    let area = Rect::new(0, 0, 20, 6);
    let mut buf = Buffer::empty(area);
    Grid::new(&small, &theme).render(area, &mut buf, &mut state);
    assert_eq!(state.selected(), Some((0, 0)));
    assert_eq!(lines(&buf)[3], "2 2");
}

#[test]
fn grid_widths_are_capped() {
    let long = "x".repeat(500);
    let table = Table::new(vec![strings("c", &[&long]), longs("n", &[5])]).unwrap();
    let state = GridState::for_table(&table);
    assert_eq!(state.widths, [48, 1]);
}

#[test]
fn grid_escapes_attacker_controlled_text() {
    let huge = "A".repeat(10_000);
    let evil_cells = [
        "\x1b[2J\x1b[H pwned",
        "line1\rline2\nline3",
        "invoice\u{202e}fdp.exe",
        huge.as_str(),
        "\x1b]52;c;ZXZpbA==\x07",
        "\u{9b}31m C1 CSI",
        "日本語🦀\u{0}\u{7f}",
    ];
    let table = Table::new(vec![
        strings("Cmd\x1b[31mLine", &evil_cells),
        Column::new(
            "Extra\u{202e}",
            column_from_values(
                Kind::Dynamic,
                evil_cells
                    .iter()
                    .map(|s| Value::Dynamic(serde_json::json!({ "v": s }).to_string())),
            ),
        ),
        strings("Tail", &["\t"; 7]),
    ])
    .unwrap();
    for (w, h) in [(80, 12), (30, 9), (7, 4), (200, 12)] {
        let mut g = GridHarness::new(table.clone(), w, h);
        for step in 0..4 {
            g.step(|s| {
                s.down(step);
                s.right(step % 3);
            });
            let buf = g.buffer();
            for p in buf.area.positions() {
                let s = buf[p].symbol();
                assert!(
                    !s.chars()
                        .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                    "{w}x{h} step {step} {p:?}: {s:?}"
                );
            }
            for line in lines(buf) {
                assert!(
                    kqlhunt::data::format::display_width(&line) <= usize::from(w),
                    "{line:?}"
                );
            }
        }
    }
    let mut g = GridHarness::new(table, 60, 9);
    let screen = g.draw();
    assert_eq!(
        screen[2],
        "1 \\x1b[2J\\x1b[H pwned                              {\"v\":\"\\u…"
    );
    assert!(
        screen[4].contains("invoice\\u{202e}fdp.exe"),
        "{:?}",
        screen[4]
    );
    assert!(screen[0].contains("Cmd\\x1b[31mLine"), "{:?}", screen[0]);
    insta::assert_snapshot!("grid_attacker_text", g.term.backend());
}

#[test]
fn widgets_draw_only_inside_their_area() {
    let theme = Theme::dark();
    let outer = Rect::new(0, 0, 50, 14);
    let area = Rect::new(7, 3, 30, 7);
    let outside = |buf: &Buffer| {
        outer
            .positions()
            .filter(|p| !area.contains(*p))
            .all(|p| buf[p].symbol() == "x" && buf[p].bg == Color::Reset)
    };
    let filled = || {
        let mut buf = Buffer::empty(outer);
        for p in outer.positions() {
            buf[p].set_symbol("x");
        }
        buf
    };

    let long = format!("{}\t日本語🦀 {}", "é".repeat(200), "x".repeat(300));
    let mut editor = Editor::from_text(&format!("{long}\n{long}\n\n{long}"));
    editor.input(key(KeyCode::End));
    editor.input(shift(KeyCode::Down));
    editor.set_spans(vec![StyledSpan {
        line: 0,
        bytes: 0..10_000,
        style: Style::new().bg(Color::Red),
    }]);
    for block in [false, true] {
        let mut buf = filled();
        let mut view = EditorView::new(&editor, &theme).focused(true);
        if block {
            view = view.block(theme.pane("Query", true));
        }
        (&view).render(area, &mut buf);
        assert!(outside(&buf), "editor, block {block}");
    }

    let huge = "W".repeat(10_000);
    let table = Table::new(vec![
        strings(
            "a",
            &[
                &huge,
                "日本語🦀日本語🦀日本語🦀日本語🦀日本語🦀日本語🦀日本語🦀",
            ],
        ),
        longs("n", &[i64::MIN, i64::MAX]),
        strings("b", &["\x1b[2J", &huge]),
    ])
    .unwrap();
    let mut state = GridState::for_table(&table);
    for step in 0..6 {
        let mut buf = filled();
        Grid::new(&table, &theme)
            .focused(true)
            .render(area, &mut buf, &mut state);
        assert!(outside(&buf), "grid, step {step}");
        state.right(1);
        state.down(1);
    }
}

#[test]
fn mouse_positions_map_to_text_and_cells() {
    let theme = Theme::dark();
    let text: Vec<String> = (1..=30).map(|i| format!("l{i}\t日本")).collect();
    let mut editor = Editor::from_text(&text.join("\n"));
    editor.set_cursor(20, 0);
    let area = Rect::new(0, 0, 20, 5);
    let mut buf = Buffer::empty(area);
    let view = EditorView::new(&editor, &theme).focused(true);
    (&view).render(area, &mut buf);
    assert_eq!(lines(&buf)[0], " 17 l17 日本");
    // Gutter: nothing; on either cell of "日" (text columns 4-5): char 4; past the end of
    // the line: its end.
    assert_eq!(view.text_position_at(area, Position::new(1, 0)), None);
    assert_eq!(
        view.text_position_at(area, Position::new(8, 0)),
        Some((16, 4))
    );
    assert_eq!(
        view.text_position_at(area, Position::new(9, 0)),
        Some((16, 4))
    );
    assert_eq!(
        view.text_position_at(area, Position::new(19, 2)),
        Some((18, 6))
    );
    let (row, col) = view.text_position_at(area, Position::new(5, 1)).unwrap();
    editor.set_cursor(row, col);
    assert_eq!(editor.cursor(), (17, 1));
    editor.scroll(3);
    assert_eq!(
        editor.cursor(),
        (19, 1),
        "cursor kept in view after scrolling"
    );

    let table = sample(30);
    let mut state = GridState::for_table(&table);
    let area = Rect::new(2, 1, 40, 8);
    let mut buf = Buffer::empty(Rect::new(0, 0, 50, 10));
    state.down(10);
    Grid::new(&table, &theme).render(area, &mut buf, &mut state);
    let first = state.row_offset;
    assert_eq!(first, 5);
    // Header, gutter and gaps are not cells; DeviceName starts at x=5 (gutter is 3 wide).
    assert_eq!(state.cell_at(area, Position::new(5, 1)), None);
    assert_eq!(state.cell_at(area, Position::new(3, 3)), None);
    assert_eq!(state.cell_at(area, Position::new(5, 3)), Some((first, 0)));
    assert_eq!(state.cell_at(area, Position::new(15, 3)), None, "gap");
    assert_eq!(
        state.cell_at(area, Position::new(16, 4)),
        Some((first + 1, 1))
    );
    assert_eq!(
        state.cell_at(area, Position::new(41, 8)),
        Some((first + 5, 3))
    );
    assert_eq!(state.cell_at(area, Position::new(42, 8)), None);
}
