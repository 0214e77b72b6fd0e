//! The config's `[ui]`, `[keys]` and `[theme]` sections as an analyst meets them: a
//! rebinding works and the help overlay prints it, a displaced key says so on the status
//! line, custom styles reach the screen's cells (and NO_COLOR still wins), and
//! `kqlhunt config show` lists the values in effect with their warnings.

mod tui_support;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::config::ui::UiConfig;
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::{Column, Kind, Origin, ResultSet, Table, Value};
use kqlhunt::tui::app::{App, Focus, Overlay};
use kqlhunt::tui::settings::Settings;
use kqlhunt::worker::{Command, WorkerEvent};
use ratatui::style::{Color, Modifier};

use tui_support::{draw, key, type_text};

fn settings(config: &str, no_color: Option<&str>) -> Settings {
    let ui = UiConfig::from_sections(&toml::from_str(config).unwrap());
    Settings::from_config(&ui, no_color.map(OsStr::new))
}

fn app(config: &str) -> App {
    let mut app = tui_support::app_with("demo");
    app.apply_settings(settings(config, None));
    app
}

const REBIND: &str = r#"
[keys]
quota-details = ["F9", "Alt+Q"]
"#;

#[test]
fn a_rebound_action_answers_to_its_new_keys_only() {
    let mut app = app(REBIND);
    key(&mut app, KeyCode::F(2), KeyModifiers::NONE);
    assert_eq!(app.quota_popup, None, "F2 no longer opens the quota popup");
    key(&mut app, KeyCode::F(9), KeyModifiers::NONE);
    assert_eq!(app.quota_popup, Some(0));
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    key(&mut app, KeyCode::Char('q'), KeyModifiers::ALT);
    assert_eq!(app.quota_popup, Some(0));
    assert!(app.notice.is_none(), "{:?}", app.notice);
}

#[test]
fn help_prints_the_keys_in_effect() {
    let mut app = app(REBIND);
    key(&mut app, KeyCode::F(1), KeyModifiers::NONE);
    assert_eq!(app.overlay, Some(Overlay::Help { scroll: 0 }));
    insta::assert_snapshot!(draw(&mut app, 100, 40, Instant::now()).backend());
}

#[test]
fn a_displaced_key_is_reported_on_the_status_line_and_leaves_its_old_action() {
    let mut app = app("[keys]\nfilter = \"s\"\n");
    let notice = app.notice.clone().unwrap();
    assert_eq!(
        notice,
        "config: [keys] s now does filter; it no longer does sort"
    );
    let lines = screen_text(&mut app, 100, 12);
    assert!(
        lines.last().unwrap().contains("s now does filter"),
        "{lines:?}"
    );
    deliver_one_row(&mut app);
    app.focus = Focus::Grid;
    key(&mut app, KeyCode::Char('/'), KeyModifiers::NONE);
    assert_eq!(app.overlay, None, "/ is free now");
    key(&mut app, KeyCode::Char('s'), KeyModifiers::NONE);
    assert!(matches!(app.overlay, Some(Overlay::Filter { .. })));
}

/// Run the editor's query and answer it with one row.
fn deliver_one_row(app: &mut App) {
    type_text(app, "T");
    key(app, KeyCode::F(5), KeyModifiers::NONE);
    let Some(Command::Run { id, .. }) = app.outbox.pop() else {
        panic!("no run command")
    };
    let table = Table::new(vec![Column::new(
        "Name",
        column_from_values(Kind::String, [Value::String("x".into())]),
    )])
    .unwrap();
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(ResultSet::new(table, Origin::default())),
        cached_age: None,
    });
}

#[test]
fn keys_that_would_eat_typing_are_refused() {
    let mut app = app("[keys]\nrun = \"r\"\n");
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .contains("the editor needs that key")
    );
    type_text(&mut app, "r");
    assert_eq!(app.editor.text(), "r");
    assert!(app.outbox.is_empty());
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    assert_eq!(app.outbox.len(), 1, "the defaults stay");
}

const THEME: &str = r##"
[ui]
theme = "light"
[theme]
keyword = "cyan bold"
border_focused = "#5fafff"
status = "black on 229"
"##;

fn screen_text(app: &mut App, w: u16, h: u16) -> Vec<String> {
    let terminal = draw(app, w, h, Instant::now());
    let buf = terminal.backend().buffer();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

#[test]
fn custom_styles_reach_the_cells() {
    let mut app = app(THEME);
    type_text(&mut app, "DeviceEvents | take 5");
    let terminal = draw(&mut app, 80, 20, Instant::now());
    let buf = terminal.backend().buffer();
    // The focused editor's top-left corner.
    let corner = &buf[(0, 0)];
    assert_eq!(corner.fg, Color::Rgb(0x5f, 0xaf, 0xff));
    // `take` is a keyword.
    let line: String = (0..80).map(|x| buf[(x, 1)].symbol()).collect();
    let at = line.find("take").unwrap() as u16;
    let cell = &buf[(at, 1)];
    assert_eq!(cell.fg, Color::Cyan);
    assert!(cell.modifier.contains(Modifier::BOLD));
    // The status bar: its background throughout, its text colour where no key is named.
    let status: Vec<_> = (0..80).map(|x| &buf[(x, 19)]).collect();
    assert!(status.iter().all(|c| c.bg == Color::Indexed(229)));
    assert!(
        status
            .iter()
            .any(|c| c.fg == Color::Black && c.symbol() != " ")
    );
    // Unchanged styles come from the light theme: the unfocused results border.
    assert_eq!(buf[(0, 10)].fg, Color::Indexed(248));
}

#[test]
fn no_color_keeps_attributes_but_drops_every_colour() {
    let mut app = tui_support::app_with("demo");
    app.apply_settings(settings(THEME, Some("1")));
    type_text(&mut app, "DeviceEvents | take 5");
    let terminal = draw(&mut app, 80, 20, Instant::now());
    let buf = terminal.backend().buffer();
    for y in 0..20 {
        for x in 0..80 {
            let c = &buf[(x, y)];
            assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "({x},{y})");
        }
    }
    let line: String = (0..80).map(|x| buf[(x, 1)].symbol()).collect();
    let at = line.find("take").unwrap() as u16;
    assert!(buf[(at, 1)].modifier.contains(Modifier::BOLD));
}

#[test]
fn mouse_follows_the_config() {
    assert!(app("").mouse.enabled, "on by default");
    assert!(!app("[ui]\nmouse = false\n").mouse.enabled);
    let app = app("[ui]\nmouse = \"no\"\n");
    assert!(app.mouse.enabled);
    assert!(app.notice.unwrap().contains("[ui] mouse"));
}

/// The binary with a private home and none of the variables resolution reads.
fn kqlhunt(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kqlhunt"));
    cmd.env("KQLHUNT_HOME", home)
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    for var in kqlhunt::config::profile::ENV_VARS {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn config_show_lists_ui_values_and_their_warnings() {
    let home = std::env::temp_dir().join(format!("kqlhunt-tui-config-{}", std::process::id()));
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(
        home.join("config").join("config.toml"),
        "[ui]\nmouse = false\n[keys]\nrun = \"F9\"\nsort = \"Ctrl+Hyper+S\"\n[theme]\nsparkles = \"red\"\n",
    )
    .unwrap();
    let out = kqlhunt(&home).args(["config", "show"]).output().unwrap();
    std::fs::remove_dir_all(&home).unwrap();
    assert!(out.status.success());
    let show = String::from_utf8(out.stdout).unwrap();
    let line = |key: &str| {
        show.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no {key} in\n{show}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("ui.mouse"), "ui.mouse off (config file)");
    assert!(line("ui.theme").ends_with("(default)"), "{show}");
    assert_eq!(line("keys.run"), "keys.run F9 (config file)");
    assert!(
        show.contains("# warning: [keys] sort = \"Ctrl+Hyper+S\" ignored"),
        "{show}"
    );
    assert!(show.contains("# warning: [theme] `sparkles`"), "{show}");
}

#[test]
fn config_keys_lists_every_action_with_its_keys_in_effect() {
    let home = std::env::temp_dir().join(format!("kqlhunt-tui-keys-{}", std::process::id()));
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(
        home.join("config").join("config.toml"),
        "[keys]\nrun = [\"F9\", \"Alt+Enter\"]\n",
    )
    .unwrap();
    let out = kqlhunt(&home).args(["config", "keys"]).output().unwrap();
    std::fs::remove_dir_all(&home).unwrap();
    assert!(out.status.success());
    let keys = String::from_utf8(out.stdout).unwrap();
    let row = |name: &str| {
        keys.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in\n{keys}"))
            .to_string()
    };
    let run = row("run");
    assert!(
        run.contains(" F9  Alt+Enter ")
            && run.ends_with("run the query under the cursor (or the selection)"),
        "{keys}"
    );
    assert!(!run.contains("F5"), "{keys}");
    assert!(row("copy-cell-json").contains("Alt+Y"), "{keys}");
    assert!(row("quit").contains("Ctrl+Q"), "{keys}");
}
