//! Vim mode in the query editor, table-driven: each row is the text, the cursor, the keys
//! typed and what the text and cursor must be after. Then the mode in the editor title,
//! `:set vim`/`:set novim`, `[ui] vim` in the config file, Esc reaching the workbench only
//! from a clean normal mode, and a property test: random keys never panic, and motions alone
//! never change the text.

mod tui_support;

use std::time::Instant;

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::tui::app::{App, Overlay};
use kqlhunt::tui::vim::{Mode, Vim, enabled_in_config};
use proptest::prelude::*;
use tui_support::{app_with, draw, key};

fn vim_app(text: &str, cursor: (usize, usize)) -> App {
    let mut app = app_with("demo");
    app.editor.set_text(text);
    app.editor.set_cursor(cursor.0, cursor.1);
    app.vim = Some(Vim::new());
    app
}

/// Send keys: characters as typed, `<Esc>`, `<C-r>`, `<Enter>`, `<BS>` as named.
fn keys(app: &mut App, keys: &str) {
    let mut rest = keys;
    while let Some(c) = rest.chars().next() {
        let named = [
            ("<Esc>", KeyCode::Esc, KeyModifiers::NONE),
            ("<C-r>", KeyCode::Char('r'), KeyModifiers::CONTROL),
            ("<Enter>", KeyCode::Enter, KeyModifiers::NONE),
            ("<BS>", KeyCode::Backspace, KeyModifiers::NONE),
        ]
        .into_iter()
        .find(|(name, ..)| rest.starts_with(name));
        match named {
            Some((name, code, mods)) => {
                key(app, code, mods);
                rest = &rest[name.len()..];
            }
            None => {
                let mods = if c.is_ascii_uppercase() {
                    KeyModifiers::SHIFT
                } else {
                    KeyModifiers::NONE
                };
                key(app, KeyCode::Char(c), mods);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

/// (row, column in chars).
type Pos = (usize, usize);

fn mode(app: &App) -> Mode {
    app.vim.as_ref().unwrap().mode()
}

#[test]
fn motions_land_where_vim_lands() {
    let cases: &[(&str, Pos, &str, Pos)] = &[
        ("hello world", (0, 0), "w", (0, 6)),
        ("hello world", (0, 0), "e", (0, 4)),
        ("hello world", (0, 8), "b", (0, 6)),
        ("hello world", (0, 6), "b", (0, 0)),
        ("a.b c", (0, 0), "w", (0, 1)),
        ("a.b c", (0, 0), "3w", (0, 4)),
        ("one\ntwo", (0, 1), "w", (1, 0)),
        ("one\n\ntwo", (0, 0), "w", (1, 0)),
        ("one\ntwo", (1, 0), "b", (0, 0)),
        ("hello world", (0, 3), "0", (0, 0)),
        ("hello world", (0, 3), "$", (0, 10)),
        ("  abc", (0, 4), "^", (0, 2)),
        ("abc", (0, 0), "5l", (0, 2)),
        ("abc", (0, 2), "9h", (0, 0)),
        ("a\nb\nc", (0, 0), "G", (2, 0)),
        ("a\nb\nc", (2, 0), "gg", (0, 0)),
        ("a\nb\nc", (0, 0), "2G", (1, 0)),
        ("a\nb\nc\nd", (0, 0), "3j", (3, 0)),
        ("a\nb\nc\nd", (3, 0), "2k", (1, 0)),
        ("long line\nab", (0, 7), "j", (1, 1)),
        ("a\nb", (0, 0), "<Enter>", (1, 0)),
        ("abc", (0, 2), "<BS>", (0, 1)),
    ];
    for (text, from, typed, to) in cases {
        let mut app = vim_app(text, *from);
        keys(&mut app, typed);
        assert_eq!(
            app.editor.text(),
            *text,
            "{typed:?} on {text:?} changed the text"
        );
        assert_eq!(
            app.editor.cursor(),
            *to,
            "{typed:?} on {text:?} from {from:?}"
        );
        assert_eq!(mode(&app), Mode::Normal);
    }
}

#[test]
fn operators_counts_and_inserts_edit_like_vim() {
    let cases: &[(&str, Pos, &str, &str, Pos)] = &[
        ("hello world", (0, 0), "x", "ello world", (0, 0)),
        ("hello world", (0, 0), "3x", "lo world", (0, 0)),
        ("ab", (0, 1), "x", "a", (0, 0)),
        ("hello world", (0, 0), "dw", "world", (0, 0)),
        ("hello world", (0, 6), "dw", "hello ", (0, 5)),
        ("one two three", (0, 0), "d2w", "three", (0, 0)),
        ("one two three", (0, 0), "2dw", "three", (0, 0)),
        ("one\ntwo", (0, 0), "dw", "\ntwo", (0, 0)),
        ("hello world", (0, 0), "de", " world", (0, 0)),
        ("hello world", (0, 5), "d$", "hello", (0, 4)),
        ("hello world", (0, 3), "d0", "lo world", (0, 0)),
        ("hello", (0, 0), "dl", "ello", (0, 0)),
        ("hello world", (0, 6), "db", "world", (0, 0)),
        ("a\nb\nc", (0, 0), "dd", "b\nc", (0, 0)),
        ("a\nb\nc", (0, 0), "2dd", "c", (0, 0)),
        ("a\nb\nc", (2, 0), "dd", "a\nb", (1, 0)),
        ("a\nb\nc", (1, 0), "dj", "a", (0, 0)),
        ("a\nb\nc", (2, 0), "dgg", "", (0, 0)),
        ("only", (0, 2), "dd", "", (0, 0)),
        ("a\nb", (0, 0), "yyp", "a\na\nb", (1, 0)),
        ("a\nb", (1, 0), "yyP", "a\nb\nb", (1, 0)),
        ("a\nb\nc", (0, 0), "yjGp", "a\nb\nc\na\nb", (3, 0)),
        ("a\nb", (0, 0), "2yyjp", "a\nb\na\nb", (2, 0)),
        ("hello world", (0, 0), "ywP", "hello hello world", (0, 5)),
        ("hello world", (0, 0), "xp", "ehllo world", (0, 1)),
        ("hello world", (0, 0), "cwbye<Esc>", "bye world", (0, 2)),
        ("hello world", (0, 0), "c$X<Esc>", "X", (0, 0)),
        ("  abc\nd", (0, 3), "ccX<Esc>", "  X\nd", (0, 2)),
        (
            "hello world",
            (0, 0),
            "ihey <Esc>",
            "hey hello world",
            (0, 3),
        ),
        ("abc", (0, 0), "aX<Esc>", "aXbc", (0, 1)),
        ("abc", (0, 0), "AX<Esc>", "abcX", (0, 3)),
        ("  abc", (0, 4), "IX<Esc>", "  Xabc", (0, 2)),
        ("a\nb", (0, 0), "oX<Esc>", "a\nX\nb", (1, 0)),
        ("a\nb", (1, 0), "OX<Esc>", "a\nX\nb", (1, 0)),
        ("hello world", (0, 0), "xu", "hello world", (0, 0)),
        ("hello world", (0, 0), "xu<C-r>", "ello world", (0, 0)),
        ("a\nb\nc", (0, 0), "ddddu", "b\nc", (0, 0)),
        (
            "a\n  | where x\nc",
            (1, 4),
            "ddu",
            "a\n  | where x\nc",
            (1, 2),
        ),
        ("abc def", (0, 4), "dwu", "abc def", (0, 4)),
        // Visual, charwise and linewise.
        ("hello world", (0, 0), "vld", "llo world", (0, 0)),
        ("hello world", (0, 0), "veyP", "hellohello world", (0, 4)),
        ("a b", (0, 0), "vcX<Esc>", "X b", (0, 0)),
        ("hello world", (0, 4), "vbd", " world", (0, 0)),
        ("a\nb\nc", (0, 0), "Vjd", "c", (0, 0)),
        ("a\nb\nc", (2, 0), "Vkd", "a", (0, 0)),
        ("a\nb\nc", (0, 0), "Vj>", "    a\n    b\nc", (0, 4)),
        ("    a\nb", (0, 0), "V<", "a\nb", (0, 0)),
        ("a\nb\nc", (0, 0), "Vj>u", "a\nb\nc", (0, 0)),
        ("  a\n      b", (0, 0), "Vj<", "a\n  b", (0, 0)),
        ("a\nb\nc", (0, 0), "VjyGp", "a\nb\nc\na\nb", (3, 0)),
        ("abc", (0, 0), "vl<Esc>x", "ac", (0, 1)),
        // A half-typed command is dropped by Esc.
        ("hello world", (0, 0), "d<Esc>w", "hello world", (0, 6)),
        ("hello world", (0, 0), "3<Esc>x", "ello world", (0, 0)),
    ];
    for (text, from, typed, want, to) in cases {
        let mut app = vim_app(text, *from);
        keys(&mut app, typed);
        assert_eq!(
            app.editor.text(),
            *want,
            "{typed:?} on {text:?} from {from:?}"
        );
        assert_eq!(
            app.editor.cursor(),
            *to,
            "cursor after {typed:?} on {text:?}"
        );
        assert_eq!(mode(&app), Mode::Normal, "{typed:?}");
    }
}

#[test]
fn the_mode_shows_in_the_editor_title() {
    let mut app = vim_app("DeviceEvents", (0, 0));
    let title = |app: &mut App| {
        let terminal = draw(app, 80, 12, Instant::now());
        let buf = terminal.backend().buffer().clone();
        (0..80).map(|x| buf[(x, 0)].symbol()).collect::<String>()
    };
    assert!(title(&mut app).contains("-- NORMAL --"));
    keys(&mut app, "i");
    assert!(title(&mut app).contains("-- INSERT --"));
    keys(&mut app, "<Esc>V");
    assert!(title(&mut app).contains("-- VISUAL LINE --"));
    keys(&mut app, "v");
    assert!(title(&mut app).contains("-- VISUAL --"));
    keys(&mut app, "<Esc>");
    insta::assert_snapshot!(title(&mut app));
}

#[test]
fn set_vim_at_runtime_and_in_the_config_file() {
    let mut app = app_with("demo");
    app.open_command_line("set vim");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert!(app.vim.is_some());
    keys(&mut app, "ihi<Esc>x");
    assert_eq!(app.editor.text(), "h");
    keys(&mut app, ":");
    assert!(matches!(app.overlay, Some(Overlay::Command { .. })));
    tui_support::type_text(&mut app, "set novim\n");
    assert!(app.vim.is_none());
    keys(&mut app, "x");
    assert_eq!(
        app.editor.text(),
        "xh",
        "typing again, where the cursor was"
    );

    let on: toml::Table = toml::from_str("[ui]\nvim = true\n").unwrap();
    let off: toml::Table = toml::from_str("[ui]\nvim = false\n").unwrap();
    let odd: toml::Table = toml::from_str("[ui]\nvim = \"yes\"\n").unwrap();
    assert!(enabled_in_config(&on));
    assert!(!enabled_in_config(&off));
    assert!(!enabled_in_config(&odd));
    assert!(!enabled_in_config(&toml::Table::new()));
}

#[test]
fn slash_searches_and_workbench_keys_still_work_in_normal_mode() {
    let mut app = vim_app("DeviceEvents\n| where X\n| where Y", (0, 0));
    keys(&mut app, "/");
    assert!(matches!(app.overlay, Some(Overlay::Search(_))));
    keys(&mut app, "where<Esc>");
    assert_eq!(app.editor.cursor(), (1, 2));
    keys(&mut app, "n");
    assert_eq!(app.editor.cursor(), (2, 2));
    keys(&mut app, "N");
    assert_eq!(app.editor.cursor(), (1, 2));
    // Ctrl+T (a workbench key) passes through vim.
    key(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    assert_eq!(app.query_tab_count(), 2);
    // Letters vim does not use type nothing in normal mode.
    keys(&mut app, "qzQ");
    assert_eq!(app.editor.text(), "");
}

#[test]
fn esc_cancels_a_running_query_only_from_a_clean_normal_mode() {
    use kqlhunt::worker::Command;
    let cancels = |app: &App| {
        app.outbox
            .iter()
            .filter(|c| matches!(c, Command::Cancel { .. }))
            .count()
    };
    let mut app = vim_app("AlertInfo | take 1", (0, 0));
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    assert!(app.running.is_some(), "F5 runs in normal mode");
    keys(&mut app, "i<Esc>");
    assert_eq!(cancels(&app), 0, "Esc left insert mode only");
    keys(&mut app, "d<Esc>");
    assert_eq!(cancels(&app), 0, "Esc dropped the pending d only");
    keys(&mut app, "<Esc>");
    assert_eq!(
        cancels(&app),
        1,
        "Esc in a clean normal mode cancels the query"
    );
}

fn arb_key() -> impl Strategy<Value = (KeyCode, KeyModifiers)> {
    let chars = "hjklwbeg0^$GiaIAoOxdcypPuvV<>123:/nN q"
        .chars()
        .collect::<Vec<_>>();
    prop_oneof![
        8 => prop::sample::select(chars).prop_map(|c| (KeyCode::Char(c), KeyModifiers::NONE)),
        1 => Just((KeyCode::Esc, KeyModifiers::NONE)),
        1 => Just((KeyCode::Char('r'), KeyModifiers::CONTROL)),
        1 => Just((KeyCode::Enter, KeyModifiers::NONE)),
        1 => Just((KeyCode::Backspace, KeyModifiers::NONE)),
        1 => Just((KeyCode::Left, KeyModifiers::NONE)),
        1 => Just((KeyCode::Down, KeyModifiers::NONE)),
    ]
}

fn arb_motion() -> impl Strategy<Value = char> {
    prop::sample::select("hjklwbe0^$G123g".chars().collect::<Vec<_>>())
}

fn arb_text() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z_ .|()é\t]{0,12}", 1..6).prop_map(|lines| lines.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_keys_never_panic(text in arb_text(), typed in prop::collection::vec(arb_key(), 0..60)) {
        let mut app = vim_app(&text, (0, 0));
        for (code, mods) in typed {
            // Leave overlays the way a user would, so keys keep reaching vim.
            if app.overlay.is_some() {
                key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
            }
            key(&mut app, code, mods);
            let (row, col) = app.editor.cursor();
            let lines = app.editor.lines();
            prop_assert!(row < lines.len());
            prop_assert!(col <= lines[row].chars().count());
        }
        let _ = draw(&mut app, 60, 12, Instant::now());
    }

    #[test]
    fn motions_alone_never_change_the_text(
        text in arb_text(),
        start in (0usize..6, 0usize..14),
        motions in prop::collection::vec(arb_motion(), 0..40),
    ) {
        // Start where normal mode can be: on a character.
        let row = start.0.min(text.split('\n').count() - 1);
        let len = text.split('\n').nth(row).unwrap().chars().count();
        let mut app = vim_app(&text, (row, start.1.min(len.saturating_sub(1))));
        let revision = app.editor.revision();
        for m in motions {
            key(&mut app, KeyCode::Char(m), KeyModifiers::NONE);
            let (row, col) = app.editor.cursor();
            let len = app.editor.lines()[row].chars().count();
            prop_assert!(col < len.max(1), "normal mode keeps the cursor on a character");
        }
        prop_assert_eq!(app.editor.text(), text);
        prop_assert_eq!(app.editor.revision(), revision);
    }
}
