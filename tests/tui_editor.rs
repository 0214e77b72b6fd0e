//! The editor pane as an analyst uses it: query tabs (open, switch, close with the unsaved
//! prompt, undo per tab), the tab strip, the session keeping every tab across restarts (and
//! the old single `buffer.kql` migrating), `.kql` files (`kqlhunt FILE.kql`, `:e`, Ctrl+S,
//! `:w`, `:saveas`, a failed save losing nothing), `$EDITOR` round trips through a script, and
//! search in the buffer. Driven through keys on `App`, drawn on ratatui's `TestBackend`.

mod tui_support;

use std::path::Path;
use std::time::Instant;

use clap::Parser;
use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::cli::{Cli, Commands};
use kqlhunt::tui::app::{App, Overlay};
use kqlhunt::tui::session::{BUFFER_FILE, SESSION_FILE, Session};
use tui_support::{app_with, draw, key, type_text};

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const ALT: KeyModifiers = KeyModifiers::ALT;

fn ctrl(app: &mut App, c: char) {
    key(app, KeyCode::Char(c), CTRL);
}

/// Type a command line: `:` is Ctrl+O's line with `open ` cleared.
fn command(app: &mut App, line: &str) {
    app.open_command_line("");
    type_text(app, line);
    key(app, KeyCode::Enter, NONE);
}

fn screen_lines(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let terminal = draw(app, w, h, Instant::now());
    let buf = terminal.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

#[test]
fn tabs_open_switch_and_remember_their_cursor() {
    let mut app = app_with("demo");
    type_text(&mut app, "DeviceEvents\n| take 1");
    app.editor.set_cursor(0, 3);
    ctrl(&mut app, 't');
    assert_eq!(app.query_tab_count(), 2);
    assert_eq!(app.editor.text(), "", "a new tab starts empty");
    type_text(&mut app, "AlertInfo");
    key(&mut app, KeyCode::Char('1'), ALT);
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 1");
    assert_eq!(
        app.editor.cursor(),
        (0, 3),
        "the cursor stayed where it was"
    );
    key(&mut app, KeyCode::PageDown, CTRL);
    assert_eq!(app.editor.text(), "AlertInfo");
    key(&mut app, KeyCode::PageDown, CTRL);
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 1", "wraps around");
    key(&mut app, KeyCode::PageUp, CTRL);
    assert_eq!(app.editor.text(), "AlertInfo");
    key(&mut app, KeyCode::Char('9'), ALT);
    assert_eq!(
        app.editor.text(),
        "AlertInfo",
        "no ninth tab: nothing moves"
    );
}

#[test]
fn undo_and_redo_belong_to_each_tab() {
    let mut app = app_with("demo");
    type_text(&mut app, "abc");
    ctrl(&mut app, 't');
    type_text(&mut app, "xy");
    key(&mut app, KeyCode::Char('1'), ALT);
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.text(), "ab");
    key(&mut app, KeyCode::Char('2'), ALT);
    assert_eq!(app.editor.text(), "xy");
    ctrl(&mut app, 'z');
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.text(), "");
    key(&mut app, KeyCode::Char('1'), ALT);
    ctrl(&mut app, 'y');
    assert_eq!(app.editor.text(), "abc", "redo in the first tab");
}

#[test]
fn closing_asks_only_when_text_would_be_lost() {
    let mut app = app_with("demo");
    type_text(&mut app, "keep me");
    ctrl(&mut app, 't');
    ctrl(&mut app, 'w');
    assert_eq!(app.overlay, None, "an empty tab closes at once");
    assert_eq!(app.query_tab_count(), 1);

    ctrl(&mut app, 't');
    type_text(&mut app, "scratch");
    ctrl(&mut app, 'w');
    assert_eq!(app.overlay, Some(Overlay::ConfirmCloseTab));
    let status = screen_lines(&mut app, 100, 12).pop().unwrap();
    assert!(status.starts_with("Close this tab?"), "{status}");
    key(&mut app, KeyCode::Char('n'), NONE);
    assert_eq!(app.overlay, None);
    assert_eq!(app.query_tab_count(), 2, "n keeps it");
    assert_eq!(app.editor.text(), "scratch");

    ctrl(&mut app, 'w');
    key(&mut app, KeyCode::Char('y'), NONE);
    assert_eq!(app.query_tab_count(), 1);
    assert_eq!(app.editor.text(), "keep me");

    ctrl(&mut app, 'w');
    key(&mut app, KeyCode::Enter, NONE);
    assert_eq!(
        app.query_tab_count(),
        1,
        "the last tab leaves one empty tab"
    );
    assert_eq!(app.editor.text(), "");
}

#[test]
fn the_tab_strip_names_files_and_marks_unsaved_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hunt.kql");
    std::fs::write(&path, "DeviceProcessEvents\n| take 10\n").unwrap();
    let mut app = app_with("demo dataset");
    type_text(&mut app, "AlertInfo");
    app.open_query_file(path.clone());
    ctrl(&mut app, 't');
    key(&mut app, KeyCode::Char('2'), ALT);
    type_text(&mut app, "// ");
    let lines = screen_lines(&mut app, 80, 12);
    insta::assert_snapshot!(lines[..6].join("\n"));
    // A single untitled tab keeps the plain title.
    let mut plain = app_with("demo dataset");
    assert!(screen_lines(&mut plain, 80, 12)[0].starts_with("┌ Query "));
}

#[test]
fn the_session_keeps_every_tab_and_which_is_active() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("saved.kql");
    std::fs::write(&file, "AlertEvidence").unwrap();
    let mut app = app_with("demo");
    app.restore_session(Session::new(dir.path()));
    type_text(&mut app, "first\nquery");
    app.open_query_file(file.clone());
    type_text(&mut app, "// edited ");
    ctrl(&mut app, 't');
    type_text(&mut app, "third");
    key(&mut app, KeyCode::Char('2'), ALT);
    app.editor.set_cursor(0, 4);
    app.save_session(Instant::now(), true);

    let mut again = app_with("demo");
    again.restore_session(Session::new(dir.path()));
    assert_eq!(again.query_tab_count(), 3);
    assert_eq!(
        again.notice.as_deref(),
        Some("restored 3 query tabs from your last session")
    );
    assert_eq!(again.editor.text(), "// edited AlertEvidence");
    assert_eq!(again.editor.cursor(), (0, 4));
    assert!(again.tab_is_modified(1), "unsaved edits stay marked");
    let saved = again.saved_session();
    assert_eq!(saved.active, 1);
    let titles: Vec<&str> = saved.tabs.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["query 1", "saved.kql", "query 2"]);
    assert_eq!(saved.tabs[1].path.as_deref(), Some(file.as_path()));
    assert_eq!(saved.tabs[0].text, "first\nquery");
    assert_eq!(saved.tabs[2].text, "third");
    // The file itself was not touched by the session.
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "AlertEvidence");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(SESSION_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn the_old_single_buffer_is_read_into_one_tab() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(BUFFER_FILE), "IdentityLogonEvents").unwrap();
    let mut app = app_with("demo");
    app.restore_session(Session::new(dir.path()));
    assert_eq!(app.editor.text(), "IdentityLogonEvents");
    assert_eq!(
        app.notice.as_deref(),
        Some("restored the query text from your last session")
    );
    ctrl(&mut app, 't');
    app.save_session(Instant::now(), true);
    assert!(dir.path().join(SESSION_FILE).exists());
    assert!(!dir.path().join(BUFFER_FILE).exists(), "retired once saved");
}

#[test]
fn edit_save_and_saveas_through_keys_and_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.kql");
    std::fs::write(&path, "DeviceEvents\n").unwrap();
    let mut app = app_with("demo");
    command(&mut app, &format!("e {}", path.display()));
    assert_eq!(app.editor.text(), "DeviceEvents\n");
    assert!(app.notice.as_deref().unwrap().starts_with("opened "));
    app.editor.set_cursor(1, 0);
    type_text(&mut app, "| take 5");
    assert!(app.tab_is_modified(0));
    ctrl(&mut app, 's');
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "DeviceEvents\n| take 5"
    );
    assert!(!app.tab_is_modified(0));
    assert!(app.notice.as_deref().unwrap().starts_with("saved "));

    // Bare `:w` saves a tab that has a file; `:w NAME.kql` saves under a new name.
    type_text(&mut app, "0");
    command(&mut app, "w");
    assert!(std::fs::read_to_string(&path).unwrap().ends_with("50"));
    let other = dir.path().join("other.kql");
    command(&mut app, &format!("w {}", other.display()));
    assert!(other.exists());
    assert_eq!(app.saved_session().tabs[0].title, "other.kql");

    // `:e` of an open file switches to its tab; a missing file opens an empty named tab.
    ctrl(&mut app, 't');
    command(&mut app, &format!("e {}", other.display()));
    assert_eq!(app.queries.active(), 0);
    let new = dir.path().join("new.kql");
    command(&mut app, &format!("e {}", new.display()));
    assert_eq!(app.saved_session().tabs.last().unwrap().title, "new.kql");
    assert!(app.notice.as_deref().unwrap().ends_with("is a new file"));
    assert!(!new.exists(), "nothing is created before a save");

    // Ctrl+S on an untitled tab asks for a name.
    ctrl(&mut app, 't');
    type_text(&mut app, "x");
    ctrl(&mut app, 's');
    assert_eq!(
        app.overlay,
        Some(Overlay::Command {
            text: "saveas ".into()
        })
    );
    type_text(
        &mut app,
        &dir.path().join("named.kql").display().to_string(),
    );
    key(&mut app, KeyCode::Enter, NONE);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("named.kql")).unwrap(),
        "x"
    );
    // `:w FILE.csv` is still an export, not a save of the query.
    command(&mut app, "w hits.csv");
    assert_eq!(
        app.notice.as_deref(),
        Some("Nothing to write: run a query first.")
    );
}

#[test]
fn a_failed_save_is_one_line_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let mut app = app_with("demo");
    type_text(&mut app, "DeviceEvents | take 1");
    command(
        &mut app,
        &format!("saveas {}", blocker.join("q.kql").display()),
    );
    let notice = app.notice.clone().unwrap();
    assert!(notice.starts_with("cannot save "), "{notice}");
    assert!(notice.ends_with("the query is still here"), "{notice}");
    assert!(!notice.contains('\n'));
    assert_eq!(app.editor.text(), "DeviceEvents | take 1");
    assert_eq!(
        app.saved_session().tabs[0].path,
        None,
        "the tab got no file"
    );

    // A read-only directory, where permissions apply (not as root).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        let file = ro.join("q.kql");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let enforced = std::fs::write(ro.join("probe"), "").is_err();
        if enforced {
            app.open_query_file(file.clone());
            type_text(&mut app, "new ");
            ctrl(&mut app, 's');
            assert!(app.notice.as_deref().unwrap().starts_with("cannot save "));
            assert_eq!(std::fs::read_to_string(&file).unwrap(), "old");
            assert_eq!(app.editor.text(), "new old");
            assert!(app.tab_is_modified(app.queries.active()));
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn query_files_are_a_positional_argument_beside_the_subcommands() {
    let cli = Cli::try_parse_from(["kqlhunt", "a.kql", "dir/b.kql"]).unwrap();
    assert!(cli.command.is_none());
    assert_eq!(
        cli.queries,
        [Path::new("a.kql"), Path::new("dir/b.kql")].map(Path::to_path_buf)
    );
    let cli = Cli::try_parse_from(["kqlhunt", "run", "-q", "AlertInfo | take 1"]).unwrap();
    assert!(matches!(cli.command, Some(Commands::Run(_))));
    assert!(cli.queries.is_empty());
    let cli = Cli::try_parse_from(["kqlhunt", "open", "logons.csv"]).unwrap();
    assert!(matches!(cli.command, Some(Commands::Open(_))));
    let cli = Cli::try_parse_from(["kqlhunt", "--backend", "local", "q.kql"]).unwrap();
    assert_eq!(cli.queries.len(), 1);
    assert!(Cli::try_parse_from(["kqlhunt"]).unwrap().queries.is_empty());
}

#[cfg(unix)]
fn script(dir: &Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

#[cfg(unix)]
#[test]
fn the_external_editor_round_trip_is_one_undoable_edit() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_with("demo");
    type_text(&mut app, "DeviceEvents");
    ctrl(&mut app, 'e');
    assert!(app.take_external_edit(), "Ctrl+E asks the event loop");
    assert!(!app.take_external_edit());

    let append = script(dir.path(), "append.sh", "printf '\\n| take 5\\n' >> \"$1\"");
    app.run_external_edit(&append, dir.path());
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 5");
    ctrl(&mut app, 'z');
    assert_eq!(
        app.editor.text(),
        "DeviceEvents",
        "one undo takes it all back"
    );
    ctrl(&mut app, 'y');
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 5");

    // A rewrite (delete and insert) is still one step.
    let rewrite = script(dir.path(), "rewrite.sh", "printf 'AlertInfo' > \"$1\"");
    app.run_external_edit(&rewrite, dir.path());
    assert_eq!(app.editor.text(), "AlertInfo");
    ctrl(&mut app, 'z');
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 5");

    // Arguments are split without a shell; the file comes last (`$0` of `sh -c`).
    app.run_external_edit("sh -c 'printf \" | count\" >> \"$0\"'", dir.path());
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 5 | count");

    // Failures are one line and leave the buffer alone.
    let fail = script(dir.path(), "fail.sh", "echo junk > \"$1\"; exit 3");
    app.run_external_edit(&fail, dir.path());
    let notice = app.notice.clone().unwrap();
    assert!(notice.contains("exited with"), "{notice}");
    assert_eq!(app.editor.text(), "DeviceEvents\n| take 5 | count");
    app.run_external_edit("/nonexistent/editor -w", dir.path());
    assert!(app.notice.as_deref().unwrap().starts_with("cannot start"));
    app.run_external_edit("true", dir.path());
    assert_eq!(
        app.notice.as_deref(),
        Some("the external editor changed nothing")
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "temp files are removed"
    );
}

#[test]
fn buffer_search_is_incremental_wraps_and_says_no_match() {
    let mut app = app_with("demo");
    type_text(
        &mut app,
        "DeviceProcessEvents\n| where FileName == \"x\"\n| project DeviceName, FileName",
    );
    app.editor.set_cursor(0, 0);
    ctrl(&mut app, 'f');
    assert!(matches!(app.overlay, Some(Overlay::Search(_))));
    type_text(&mut app, "filen");
    assert_eq!(app.editor.cursor(), (1, 8), "case-insensitive, first match");
    assert!(
        app.editor.textarea().search_pattern().is_some(),
        "highlighted"
    );
    let status = screen_lines(&mut app, 100, 12).pop().unwrap();
    assert!(status.starts_with("/filen"), "{status}");
    key(&mut app, KeyCode::Enter, NONE);
    assert_eq!(app.editor.cursor(), (2, 22));
    key(&mut app, KeyCode::F(3), NONE);
    assert_eq!(app.editor.cursor(), (1, 8));
    assert_eq!(app.notice.as_deref(), Some("search wrapped to the top"));
    let status = screen_lines(&mut app, 100, 12).pop().unwrap();
    assert!(
        status.contains("search wrapped to the top"),
        "the prompt says it: {status}"
    );
    key(&mut app, KeyCode::F(3), KeyModifiers::SHIFT);
    assert_eq!(app.editor.cursor(), (2, 22));
    assert_eq!(app.notice.as_deref(), Some("search wrapped to the bottom"));
    key(&mut app, KeyCode::Esc, NONE);
    assert_eq!(app.overlay, None);
    assert_eq!(
        app.editor.cursor(),
        (2, 22),
        "Esc keeps the cursor on the match"
    );
    assert!(app.editor.textarea().search_pattern().is_none());

    // F3 outside the prompt repeats the last search.
    key(&mut app, KeyCode::F(3), NONE);
    assert_eq!(app.editor.cursor(), (1, 8));

    // Regex characters are literal; nothing found is said and the cursor stays.
    ctrl(&mut app, 'f');
    type_text(&mut app, "(.*");
    assert_eq!(app.notice.as_deref(), Some("no match for \"(.*\""));
    assert_eq!(app.editor.cursor(), (1, 8));
    key(&mut app, KeyCode::Esc, NONE);
    assert_eq!(
        app.editor.text().lines().count(),
        3,
        "nothing typed into the query"
    );
}

#[test]
fn switching_tabs_never_shows_the_other_tabs_highlighting() {
    // Same number of edits in both tabs: caches keyed by the editor revision must still
    // see two different texts.
    let mut app = app_with("demo");
    type_text(&mut app, "ab");
    let _ = draw(&mut app, 80, 12, Instant::now());
    ctrl(&mut app, 't');
    type_text(&mut app, "cd");
    let _ = draw(&mut app, 80, 12, Instant::now());
    key(&mut app, KeyCode::Char('1'), ALT);
    let theme = app.theme.clone();
    assert!(app.highlighter.refresh(&mut app.editor, &theme));
}

#[test]
fn files_are_kept_by_absolute_path_so_a_restart_elsewhere_finds_them() {
    let mut app = app_with("demo");
    app.open_query_file("no-such-dir-kqlhunt/new.kql".into());
    let saved = app.saved_session();
    let path = saved.tabs[0].path.as_deref().unwrap();
    assert!(path.is_absolute(), "{}", path.display());
    assert!(path.ends_with("no-such-dir-kqlhunt/new.kql"));
    assert_eq!(saved.tabs[0].title, "new.kql");
}

#[test]
fn many_tabs_show_a_window_around_the_active_one() {
    let mut app = app_with("demo");
    for i in 0..12 {
        app.new_query_tab(Some(format!("hunt-{i}.kql")), None, "x");
    }
    key(&mut app, KeyCode::Char('5'), ALT);
    let top = screen_lines(&mut app, 80, 12).remove(0);
    assert!(top.contains("[5 hunt-3.kql]"), "{top}");
    assert!(
        top.contains(" 4 hunt-2.kql [5"),
        "neighbours are shown: {top}"
    );
    assert!(top.contains('‹') && top.contains('›'), "{top}");
    assert!(top.ends_with('┐'), "{top}");
    // Titles are cut at 24 cells.
    app.new_query_tab(Some("x".repeat(60)), None, "");
    let top = screen_lines(&mut app, 80, 12).remove(0);
    assert!(top.contains(&format!("[14 {}…]", "x".repeat(23))), "{top}");
}

#[test]
fn the_close_and_search_prompts_as_whole_screens() {
    let mut app = app_with("demo dataset");
    type_text(
        &mut app,
        "DeviceProcessEvents\n| where FileName =~ \"powershell.exe\"\n| project FileName",
    );
    ctrl(&mut app, 't');
    type_text(&mut app, "scratch");
    ctrl(&mut app, 'w');
    insta::assert_snapshot!("close_prompt", screen_lines(&mut app, 80, 12).join("\n"));
    key(&mut app, KeyCode::Char('y'), NONE);

    app.editor.set_cursor(0, 0);
    ctrl(&mut app, 'f');
    type_text(&mut app, "filename");
    insta::assert_snapshot!("search_prompt", screen_lines(&mut app, 80, 12).join("\n"));
}
