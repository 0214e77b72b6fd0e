//! The side pane (F4) as an analyst meets it: the schema tree grouped by source, a table
//! expanded into its columns, the filter narrowing it, Enter inserting a (quoted) name at
//! the editor's cursor; the library of saved queries with subfolders, descriptions and
//! search, hostile file names drawn escaped, Enter opening a query into the editor,
//! `:save-query` writing one and refusing to overwrite, an unreadable file listed with its
//! reason, and the pane stepping aside on a narrow terminal.

mod tui_support;

use std::path::Path;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::data::{Kind, TableSchema};
use kqlhunt::tui::app::{App, Focus, Overlay};
use kqlhunt::tui::side_pane::Section;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tui_support::{draw, key, type_text};

fn app() -> App {
    let mut app = tui_support::app_with("demo · 14 tables");
    app.extra_tables = vec![TableSchema {
        name: "watchlist".into(),
        preview: false,
        columns: vec![
            ("Host".into(), Kind::String),
            ("Score".into(), Kind::Long),
            ("first seen".into(), Kind::DateTime),
        ],
    }];
    app
}

fn press(app: &mut App, code: KeyCode) {
    key(app, code, KeyModifiers::NONE);
}

fn screen(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    draw(app, w, h, Instant::now())
}

/// The text of the screen, row by row.
fn rows(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The side pane's columns of the screen, row by row.
fn pane(t: &Terminal<TestBackend>) -> String {
    rows(t)
        .iter()
        .map(|r| r.chars().take(32).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A library folder: two subfolders, descriptions, one file without one.
fn library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("lateral/smb")).unwrap();
    std::fs::create_dir_all(root.join("persistence")).unwrap();
    let write = |rel: &str, text: &str| std::fs::write(root.join(rel), text).unwrap();
    write(
        "lateral/psexec.kql",
        "// Service installs named like remote admin tools\nDeviceEvents\n| where ActionType == \"ServiceInstalled\"\n",
    );
    write(
        "lateral/smb/admin-shares.kql",
        "// Writes to ADMIN$ from workstations\nDeviceFileEvents | take 10\n",
    );
    write(
        "persistence/run-keys.kql",
        "\n// Run key values pointing at user folders\nDeviceRegistryEvents | take 5\n",
    );
    write(
        "rare-parents.kql",
        "DeviceProcessEvents\n| summarize count() by InitiatingProcessFileName\n",
    );
    std::fs::write(root.join("notes.txt"), "not a query").unwrap();
    dir
}

fn app_with_library(dir: &Path) -> App {
    let mut app = app();
    app.side.library.dir = Some(dir.to_path_buf());
    press(&mut app, KeyCode::F(4));
    press(&mut app, KeyCode::Char('2'));
    app.side.library.wait();
    app
}

#[test]
fn f4_shows_the_schema_tree_grouped_by_source() {
    let mut app = app();
    press(&mut app, KeyCode::F(4));
    assert_eq!(app.focus, Focus::Side);
    assert!(app.side.shown);
    insta::assert_snapshot!("schema_collapsed", screen(&mut app, 120, 30).backend());

    // Down to the opened file's table, Enter expands it into columns with types.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("schema_table_expanded", screen(&mut app, 120, 30).backend());

    // Left on a column goes up to its table; Left again folds it.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    let text = pane(&screen(&mut app, 120, 30));
    assert!(!text.contains("Score"), "{text}");

    // F4 again hides the pane and gives the editor its focus back.
    press(&mut app, KeyCode::F(4));
    assert_eq!(app.focus, Focus::Editor);
    let text = pane(&screen(&mut app, 120, 30));
    assert!(!text.contains("1 Schema"), "{text}");
}

#[test]
fn the_filter_narrows_tables_and_columns() {
    let mut app = app();
    press(&mut app, KeyCode::F(4));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "logon remoteip");
    insta::assert_snapshot!("schema_filtered", screen(&mut app, 120, 30).backend());
    let text = pane(&screen(&mut app, 120, 30));
    assert!(text.contains("RemoteIP"), "{text}");
    assert!(!text.contains("DeviceProcessEvents"), "{text}");

    // Esc clears it; every group is back.
    press(&mut app, KeyCode::Esc);
    let text = pane(&screen(&mut app, 120, 30));
    assert!(text.contains("Defender schema"), "{text}");
    assert!(app.side.schema.filter.is_empty());
}

#[test]
fn enter_inserts_a_column_at_the_cursor_quoted_when_needed() {
    let mut app = app();
    type_text(&mut app, "watchlist | project ");
    press(&mut app, KeyCode::F(4));
    press(&mut app, KeyCode::Down); // watchlist
    press(&mut app, KeyCode::Enter); // expand
    press(&mut app, KeyCode::Down); // Host
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.editor.text(), "watchlist | project Host");
    assert_eq!(app.focus, Focus::Side, "focus stays for the next name");

    // Tab to the editor, type a comma, Shift+Tab back: `first seen` needs quoting.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Editor);
    type_text(&mut app, ", ");
    key(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.focus, Focus::Side);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(
        app.editor.text(),
        "watchlist | project Host, ['first seen']"
    );

    // `i` on a table inserts the table's name; on a group heading, nothing.
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('i'));
    assert_eq!(
        app.editor.text(),
        "watchlist | project Host, ['first seen']watchlist"
    );
}

#[test]
fn the_library_lists_subfolders_with_descriptions() {
    let dir = library();
    let mut app = app_with_library(dir.path());
    assert_eq!(app.side.section, Section::Library);
    insta::assert_snapshot!("library", screen(&mut app, 120, 30).backend());

    // Left folds a folder; Right opens it again.
    press(&mut app, KeyCode::Left);
    let text = pane(&screen(&mut app, 120, 30));
    assert!(!text.contains("psexec"), "{text}");
    press(&mut app, KeyCode::Right);
    let text = pane(&screen(&mut app, 120, 30));
    assert!(text.contains("psexec"), "{text}");
}

#[test]
fn search_matches_name_description_and_text() {
    let dir = library();
    let mut app = app_with_library(dir.path());
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "admin$ workstations");
    insta::assert_snapshot!("library_search", screen(&mut app, 120, 30).backend());

    // By the text of the query only (not in name or description).
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "initiatingprocessfilename");
    let text = pane(&screen(&mut app, 120, 30));
    assert!(text.contains("rare-parents"), "{text}");
    assert!(!text.contains("psexec"), "{text}");
}

#[test]
fn hostile_file_names_and_descriptions_are_drawn_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("evil\u{1b}[31mred\u{202e}gnp.kql"),
        "// \u{1b}]52;c;AAAA\u{7} steal \u{202e}exe.txt\nT",
    )
    .unwrap();
    let mut app = app_with_library(dir.path());
    let t = screen(&mut app, 120, 30);
    for cell in t.backend().buffer().content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "raw control character reached the screen: {:?}",
            cell.symbol()
        );
    }
    insta::assert_snapshot!("library_hostile", t.backend());
}

#[test]
fn enter_opens_a_saved_query_in_a_tab_of_its_own() {
    let dir = library();
    let mut app = app();
    type_text(&mut app, "my draft");
    app.side.library.dir = Some(dir.path().to_path_buf());
    press(&mut app, KeyCode::F(4));
    press(&mut app, KeyCode::Char('2'));
    app.side.library.wait();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "psexec");
    press(&mut app, KeyCode::Enter); // ends the search
    press(&mut app, KeyCode::Char('G')); // the file, below its folder
    press(&mut app, KeyCode::Enter);
    let saved = std::fs::read_to_string(dir.path().join("lateral/psexec.kql")).unwrap();
    assert_eq!(app.editor.text(), saved);
    assert_eq!(app.focus, Focus::Editor);
    assert_eq!(app.editor.cursor(), (0, 0));
    let tab = app.queries.active_tab();
    assert_eq!(
        tab.path.as_deref(),
        Some(dir.path().join("lateral/psexec.kql").as_path())
    );

    // The draft keeps its own tab; opening the same query again goes back to its tab.
    assert_eq!(app.query_tab_count(), 2);
    key(&mut app, KeyCode::Char('1'), KeyModifiers::ALT);
    assert_eq!(app.editor.text(), "my draft");
    app.focus = Focus::Side;
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.query_tab_count(), 2);
    assert_eq!(app.editor.text(), saved);
}

#[test]
fn save_query_writes_the_editor_text_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("hunts");
    let mut app = app();
    app.side.library.dir = Some(root.clone());
    type_text(
        &mut app,
        "// Logons from new places\nDeviceLogonEvents | take 10",
    );

    // Through the keys: F4, 2, S opens `:save-query `, a name, Enter.
    press(&mut app, KeyCode::F(4));
    press(&mut app, KeyCode::Char('2'));
    app.side.library.wait();
    press(&mut app, KeyCode::Char('S'));
    type_text(&mut app, "identity/new-places\n");
    let file = root.join("identity/new-places.kql");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "// Logons from new places\nDeviceLogonEvents | take 10\n"
    );
    assert!(app.notice.as_deref().unwrap().starts_with("saved "));
    app.side.library.wait();
    app.notice = None; // it names the temporary folder
    // The new file is listed in its folder and selected (the footer describes it).
    insta::assert_snapshot!("library_saved", screen(&mut app, 120, 30).backend());

    // Same name again with other text: refused, the file is untouched.
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, " | where true");
    app.run_command_line("save-query identity/new-places");
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .contains("exists; :save-query! "),
        "{:?}",
        app.notice
    );
    // It asks: the command line comes back with `!`; Esc keeps the file.
    assert_eq!(
        app.overlay,
        Some(Overlay::Command {
            text: "save-query! identity/new-places".into()
        })
    );
    let status = rows(&screen(&mut app, 120, 30)).pop().unwrap();
    assert!(status.contains("Enter replaces it"), "{status}");
    press(&mut app, KeyCode::Esc);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .ends_with("take 10\n")
    );

    // Asked again, Enter replaces it; `:save-query! NAME.kql` does the same at once.
    app.run_command_line("save-query identity/new-places");
    press(&mut app, KeyCode::Enter);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .ends_with("| where true\n")
    );
    type_text(&mut app, "\n| take 1");
    app.run_command_line("save-query! identity/new-places.kql");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .ends_with("| take 1\n")
    );

    // Names that would leave the library are refused in one line.
    app.run_command_line("save-query ../outside");
    assert!(app.notice.as_deref().unwrap().starts_with("not saved: "));
    assert!(!dir.path().join("outside.kql").exists());
}

#[test]
fn an_unreadable_file_is_listed_with_its_reason() {
    let dir = library();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("broken.kql")).unwrap();
    #[cfg(not(unix))]
    return;
    let mut app = app_with_library(dir.path());
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "broken\n");
    let text = pane(&screen(&mut app, 120, 30));
    assert!(text.contains("broken ✗"), "{text}");
    assert!(text.contains("✗ No such file or directory"), "{text}");
    press(&mut app, KeyCode::Enter);
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("broken.kql cannot be read: "),
        "{:?}",
        app.notice
    );
}

#[test]
fn a_narrow_terminal_hides_the_pane_and_says_so() {
    let mut app = app();
    type_text(&mut app, "DeviceProcessEvents");
    press(&mut app, KeyCode::F(4));
    let t = screen(&mut app, 80, 20);
    insta::assert_snapshot!("narrow", t.backend());
    assert_eq!(app.focus, Focus::Editor);
    assert!(!app.side.is_visible());
    // Tab skips the hidden pane.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.focus, Focus::Editor);
    // Wide again: the pane is back.
    let text = pane(&screen(&mut app, 120, 30));
    assert!(text.contains("1 Schema"), "{text}");
}
