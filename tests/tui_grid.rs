//! The results grid as an analyst drives it, on ratatui's TestBackend: sort and filter
//! (answered by background jobs), hidden and frozen columns, the row detail overlay,
//! inspect-to-query, copies with the OSC 52 bytes they write, charts, result tabs, and
//! hostile cell text. Each test steps keys, draws, and asserts on the screen.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use kqlhunt::backend::BackendKind;
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::time::{TICKS_PER_HOUR, parse_datetime};
use kqlhunt::data::{Column, Kind, Origin, ResultSet, Table, Value};
use kqlhunt::tui::app::{App, Focus, Overlay};
use kqlhunt::tui::clipboard::{self, Env};
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::{Command, WorkerEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NONE: KeyModifiers = KeyModifiers::NONE;

fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.on_event(Event::Key(KeyEvent::new(code, mods)));
}

fn ch(app: &mut App, c: char) {
    key(app, KeyCode::Char(c), NONE);
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        ch(app, c);
    }
}

fn screen(app: &mut App, w: u16, h: u16) -> (Terminal<TestBackend>, Vec<String>) {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.draw(f, Instant::now())).unwrap();
    let buf = terminal.backend().buffer();
    let lines = (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect();
    (terminal, lines)
}

fn dt(text: &str) -> i64 {
    parse_datetime(text).unwrap()
}

fn strings(name: &str, values: &[&str]) -> Column {
    Column::new(
        name,
        column_from_values(
            Kind::String,
            values.iter().map(|s| Value::String(s.to_string())),
        ),
    )
}

/// Six process events; `Count` has nulls, `Extra` is a nested dynamic value.
fn events() -> Table {
    let t0 = dt("2025-03-01T10:00:00Z");
    let counts = [Some(5), None, Some(12), Some(-3), None, Some(40)];
    Table::new(vec![
        Column::new(
            "Timestamp",
            column_from_values(
                Kind::DateTime,
                (0..6).map(|i| Value::DateTime(t0 + (5 - i) * TICKS_PER_HOUR)),
            ),
        ),
        strings(
            "DeviceName",
            &["wks-01", "wks-02", "srv-db", "wks-01", "srv-web", "wks-03"],
        ),
        strings(
            "FileName",
            &[
                "powershell.exe",
                "cmd.exe",
                "rundll32.exe",
                "CMD.EXE",
                "certutil.exe",
                "svchost.exe",
            ],
        ),
        Column::new(
            "Count",
            column_from_values(
                Kind::Long,
                counts.map(|c| c.map_or(Value::Null, Value::Long)),
            ),
        ),
        Column::new(
            "Extra",
            column_from_values(
                Kind::Dynamic,
                (0..6).map(|i| {
                    Value::Dynamic(format!(
                        r#"{{"Level":{i},"Parent":{{"Name":"explorer.exe","Args":["-a","-b"]}}}}"#
                    ))
                }),
            ),
        ),
    ])
    .unwrap()
}

fn result(table: Table, name: &str) -> ResultSet {
    let mut r = ResultSet::new(
        table,
        Origin {
            backend: "local".into(),
            elapsed: Duration::from_millis(3),
            local_name: Some(name.into()),
            ..Origin::default()
        },
    );
    r.origin.query = "T".into();
    r
}

fn app() -> App {
    App::new(BackendKind::Local, Theme::no_color())
}

/// Type `query`, run it, answer it with `result`, focus the grid.
fn deliver(app: &mut App, query: &str, result: ResultSet) {
    app.focus = Focus::Editor;
    type_text(app, query);
    key(app, KeyCode::F(5), NONE);
    let Some(Command::Run { id, .. }) = app.outbox.pop() else {
        panic!("no run command")
    };
    app.on_worker_event(WorkerEvent::Finished {
        id,
        result: Arc::new(result),
        cached_age: None,
    });
    app.focus = Focus::Grid;
}

fn grid_app() -> App {
    let mut app = app();
    deliver(&mut app, "DeviceProcessEvents", result(events(), "$1"));
    app
}

/// The data rows of the grid on screen (below the header and its rule).
fn grid_rows(lines: &[String]) -> Vec<String> {
    let header = lines
        .iter()
        .position(|l| l.contains("Timestamp") || l.contains("DeviceName"))
        .expect("grid header");
    lines[header + 2..]
        .iter()
        .take_while(|l| l.starts_with('│') && l.len() > 4 && !l.starts_with("└"))
        .map(|l| l.trim_matches('│').trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Cells of the grid rows between char positions `from` and `from + len`.
fn chars_at(rows: &[String], from: usize, len: usize) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r.chars()
                .skip(from)
                .take(len)
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect()
}

/// The index of the first screen line containing `what`.
fn line_with(lines: &[String], what: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(what))
        .unwrap_or_else(|| panic!("{what:?} not on screen: {lines:#?}"))
}

fn column_of(rows: &[String], what: &str) -> Vec<String> {
    rows.iter()
        .map(|r| {
            r.split_whitespace()
                .find(|w| w.contains(what))
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn sort_ascending_then_descending_keeps_nulls_last() {
    let mut app = grid_app();
    for _ in 0..3 {
        ch(&mut app, 'l');
    }
    ch(&mut app, 's');
    // Until the background job answers, the title says so and the order is unchanged.
    let (_, lines) = screen(&mut app, 110, 22);
    assert!(lines.iter().any(|l| l.contains("sorting…")), "{lines:#?}");
    app.wait_jobs();
    let (term, lines) = screen(&mut app, 110, 22);
    let counts = chars_at(&grid_rows(&lines), 53, 5);
    assert_eq!(counts, ["-3", "5", "12", "40", "", ""], "{lines:#?}");
    assert!(lines.iter().any(|l| l.contains("▲Cou")));
    insta::assert_snapshot!("sorted_ascending", term.backend());

    ch(&mut app, 's');
    app.wait_jobs();
    let (_, lines) = screen(&mut app, 110, 22);
    let counts = chars_at(&grid_rows(&lines), 53, 5);
    assert_eq!(counts, ["40", "12", "5", "-3", "", ""]);
    line_with(&lines, "by Count ▼");

    // Datetimes sort as time (the table is newest first).
    ch(&mut app, 'h');
    ch(&mut app, 'h');
    ch(&mut app, 'h');
    ch(&mut app, 's');
    app.wait_jobs();
    let (_, lines) = screen(&mut app, 110, 22);
    let times = column_of(&grid_rows(&lines), "2025-");
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    assert_eq!(app.view.table_row(0), 5);

    // Third press on the same column: the table's own order again, at once.
    ch(&mut app, 's');
    ch(&mut app, 's');
    assert_eq!(app.view.rows, None);
    assert_eq!(app.view.pending, None);
}

#[test]
fn filter_any_column_or_one_and_jump_between_matches() {
    let mut app = grid_app();
    ch(&mut app, '/');
    assert!(matches!(app.overlay, Some(Overlay::Filter { .. })));
    type_text(&mut app, "cmd");
    let (_, lines) = screen(&mut app, 110, 22);
    assert!(lines[21].starts_with("/cmd"), "{}", lines[21]);
    key(&mut app, KeyCode::Enter, NONE);
    app.wait_jobs();
    let (term, lines) = screen(&mut app, 110, 22);
    let files = chars_at(&grid_rows(&lines), 38, 14);
    assert_eq!(files, ["cmd.exe", "CMD.EXE"], "{lines:#?}");
    line_with(&lines, "Results 6 rows × 5 columns · /cmd: 2 rows");
    insta::assert_snapshot!("filtered", term.backend());

    // n / N walk the matching cells, wrapping.
    ch(&mut app, 'n');
    assert_eq!((app.grid.selected_row, app.grid.selected_col), (0, 2));
    ch(&mut app, 'n');
    assert_eq!((app.grid.selected_row, app.grid.selected_col), (1, 2));
    ch(&mut app, 'n');
    assert_eq!((app.grid.selected_row, app.grid.selected_col), (0, 2));
    ch(&mut app, 'N');
    assert_eq!((app.grid.selected_row, app.grid.selected_col), (1, 2));

    // One column: `Device:wks` matches device names only.
    ch(&mut app, '/');
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace, NONE);
    }
    type_text(&mut app, "devicename:WKS-01");
    key(&mut app, KeyCode::Enter, NONE);
    app.wait_jobs();
    assert_eq!(app.view.rows.as_deref(), Some(&vec![0, 3]));

    // An empty filter shows everything again; Esc leaves the prompt without change.
    ch(&mut app, '/');
    key(&mut app, KeyCode::Esc, NONE);
    assert_eq!(app.view.rows.as_deref(), Some(&vec![0, 3]));
    ch(&mut app, '/');
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    key(&mut app, KeyCode::Enter, NONE);
    assert_eq!(app.view.rows, None);
    assert_eq!(app.grid.row_count(), 6);
}

#[test]
fn hidden_and_frozen_columns() {
    let mut app = grid_app();
    ch(&mut app, 'l');
    ch(&mut app, '-');
    let (_, lines) = screen(&mut app, 110, 22);
    assert!(!lines.iter().any(|l| l.contains("DeviceName")));
    assert_eq!(
        app.grid.selected_column(),
        Some(2),
        "FileName takes its place"
    );
    ch(&mut app, '+');
    let (_, lines) = screen(&mut app, 110, 22);
    assert!(lines.iter().any(|l| l.contains("DeviceName")));
    assert_eq!(app.grid.selected_column(), Some(2));

    // Freeze Timestamp, then scroll right in a narrow pane: it stays.
    ch(&mut app, '0');
    ch(&mut app, 'f');
    assert_eq!(app.grid.frozen, 1);
    ch(&mut app, '$');
    let (term, lines) = screen(&mut app, 60, 22);
    let header = &lines[line_with(&lines, "Timestamp")];
    assert!(header.contains("Timestamp"), "{header}");
    assert!(header.contains("Extra"), "{header}");
    assert!(!header.contains("DeviceName"), "{header}");
    insta::assert_snapshot!("frozen_timestamp_scrolled_right", term.backend());

    // Wider and narrower.
    let before = app.grid.widths[4];
    ch(&mut app, '>');
    assert_eq!(app.grid.widths[4], before + 2);
    ch(&mut app, '<');
    ch(&mut app, '<');
    assert_eq!(app.grid.widths[4], before - 2);
    // The last shown column cannot be hidden.
    for _ in 0..10 {
        ch(&mut app, '-');
    }
    assert_eq!(app.grid.shown_columns().len(), 1);
    assert!(app.notice.as_deref().unwrap_or("").contains("+ shows all"));
}

#[test]
fn row_detail_folds_a_nested_dynamic_value() {
    let mut app = grid_app();
    ch(&mut app, 'j');
    key(&mut app, KeyCode::Enter, NONE);
    assert!(matches!(app.overlay, Some(Overlay::Detail(_))));
    let (term, lines) = screen(&mut app, 90, 24);
    assert!(lines.iter().any(|l| l.contains("Row 2 of 6")));
    assert!(lines.iter().any(|l| l.contains("▸ Parent: {…} 2 keys")));
    insta::assert_snapshot!("detail_folded", term.backend());

    // Down to the Parent line and open it, then its Args.
    let Some(Overlay::Detail(d)) = &app.overlay else {
        unreachable!()
    };
    let t = app.result.as_ref().unwrap().table.clone();
    let lines_now = d.lines(&t, d.width);
    let parent = lines_now
        .iter()
        .position(|l| l.text.contains("Parent"))
        .unwrap();
    for _ in 0..parent {
        ch(&mut app, 'j');
    }
    key(&mut app, KeyCode::Enter, NONE);
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    key(&mut app, KeyCode::Right, NONE);
    let (term, lines) = screen(&mut app, 90, 24);
    assert!(lines.iter().any(|l| l.contains(r#"Name: "explorer.exe""#)));
    assert!(lines.iter().any(|l| l.contains(r#"0: "-a""#)), "{lines:#?}");
    insta::assert_snapshot!("detail_unfolded", term.backend());
    key(&mut app, KeyCode::Left, NONE);
    let (_, lines) = screen(&mut app, 90, 24);
    assert!(!lines.iter().any(|l| l.contains(r#"0: "-a""#)));
    key(&mut app, KeyCode::Esc, NONE);
    assert_eq!(app.overlay, None);
}

#[test]
fn inspect_adds_a_where_clause_quoted_by_kind() {
    let mut app = grid_app();
    // Timestamp of row 1: a datetime literal, with `!=`.
    ch(&mut app, 'x');
    // DeviceName: a string, `==`.
    ch(&mut app, 'l');
    ch(&mut app, 'i');
    // FileName: `has`.
    ch(&mut app, 'l');
    ch(&mut app, 'H');
    // Count of row 2 is null; row 1 is a bare number.
    ch(&mut app, 'l');
    ch(&mut app, 'i');
    ch(&mut app, 'j');
    ch(&mut app, 'i');
    // Extra: dynamic, compared as text.
    ch(&mut app, 'l');
    ch(&mut app, 'x');
    assert_eq!(
        app.editor.text(),
        "DeviceProcessEvents\n\
         | where Timestamp != datetime(2025-03-01T15:00:00Z)\n\
         | where DeviceName == \"wks-01\"\n\
         | where FileName has \"powershell.exe\"\n\
         | where Count == 5\n\
         | where isnull(Count)\n\
         | where tostring(Extra) != \"{\\\"Level\\\":1,\\\"Parent\\\":{\\\"Name\\\":\\\"explorer.exe\\\",\\\"Args\\\":[\\\"-a\\\",\\\"-b\\\"]}}\""
    );
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("Added | where tostring(Extra)")
    );
    // F5 now runs the narrowed query.
    key(&mut app, KeyCode::F(5), NONE);
    let Some(Command::Run { request, .. }) = app.outbox.pop() else {
        panic!()
    };
    assert!(request.query.ends_with("isnull(Count)\n| where tostring(Extra) != \"{\\\"Level\\\":1,\\\"Parent\\\":{\\\"Name\\\":\\\"explorer.exe\\\",\\\"Args\\\":[\\\"-a\\\",\\\"-b\\\"]}}\""));
}

#[test]
fn copies_write_osc52_to_the_terminal_writer_in_shown_order() {
    let mut app = grid_app();
    ch(&mut app, 'l');
    ch(&mut app, 'y');
    assert_eq!(app.copies.len(), 1);
    let mut terminal: Vec<u8> = Vec::new();
    app.flush_copies(&Env::default(), &mut terminal);
    assert_eq!(terminal, clipboard::osc52("wks-01").into_bytes());
    let notice = app.notice.clone().unwrap();
    assert!(notice.contains("OSC 52"), "{notice}");

    // Sorted by DeviceName descending, the column copies in that order, with its header.
    ch(&mut app, 's');
    ch(&mut app, 's');
    app.wait_jobs();
    ch(&mut app, 'c');
    let mut terminal: Vec<u8> = Vec::new();
    app.flush_copies(&Env::default(), &mut terminal);
    let expected = "DeviceName\nwks-03\nwks-02\nwks-01\nwks-01\nsrv-web\nsrv-db\n";
    assert_eq!(terminal, clipboard::osc52(expected).into_bytes());

    // The row as JSON (Alt+Y).
    key(&mut app, KeyCode::Char('Y'), KeyModifiers::ALT);
    let payload = app.copies[0].clone();
    assert!(
        payload
            .text
            .starts_with(r#"[{"Timestamp":"2025-03-01T10:00:00.0000000Z","DeviceName":"wks-03""#),
        "{}",
        payload.text
    );
    let mut terminal: Vec<u8> = Vec::new();
    app.flush_copies(&Env::default(), &mut terminal);
    assert_eq!(terminal, clipboard::osc52(&payload.text).into_bytes());
    // Nothing reaches the frame: the copy is not drawn.
    let (_, lines) = screen(&mut app, 110, 22);
    assert!(lines.iter().all(|l| !l.contains("]52;")));
}

fn timechart() -> ResultSet {
    let t0 = dt("2025-03-01T00:00:00Z");
    let table = Table::new(vec![
        Column::new(
            "Timestamp",
            column_from_values(
                Kind::DateTime,
                (0..24).map(|i| Value::DateTime(t0 + i * TICKS_PER_HOUR)),
            ),
        ),
        Column::new(
            "Logons",
            column_from_values(Kind::Long, (0..24).map(|i| Value::Long((i * 7) % 30 + i))),
        ),
    ])
    .unwrap();
    let mut r = result(table, "$1");
    r.visualization = Some("timechart".into());
    r
}

fn columnchart() -> ResultSet {
    let table = Table::new(vec![
        strings("FileName", &["powershell.exe", "cmd.exe", "rundll32.exe"]),
        Column::new(
            "Count",
            column_from_values(Kind::Long, [40, 25, 7].map(Value::Long)),
        ),
    ])
    .unwrap();
    let mut r = result(table, "$2");
    r.visualization = Some("columnchart".into());
    r
}

#[test]
fn charts_show_when_asked_and_flip_with_v() {
    let mut app = app();
    deliver(&mut app, "T | render timechart", timechart());
    assert!(app.chart.show);
    let (term, lines) = screen(&mut app, 100, 30);
    assert!(lines.iter().any(|l| l.contains("Logons")), "{lines:#?}");
    assert!(!lines.iter().any(|l| l.contains("─Timestamp")));
    insta::assert_snapshot!("timechart", term.backend());
    ch(&mut app, 'v');
    let (_, lines) = screen(&mut app, 100, 30);
    assert!(grid_rows(&lines).len() > 5, "the grid again");
    ch(&mut app, 'v');
    assert!(app.chart.show);

    deliver(&mut app, "\n\nT | render columnchart", columnchart());
    let (term, lines) = screen(&mut app, 100, 30);
    assert!(lines.iter().any(|l| l.contains("cmd.exe")), "{lines:#?}");
    insta::assert_snapshot!("columnchart", term.backend());

    // A result that did not ask: `v` charts it when it can, or says why not in one line.
    deliver(&mut app, "\n\nT", result(events(), "$3"));
    assert!(!app.chart.show);
    ch(&mut app, 'v');
    assert!(app.chart.show, "{:?}", app.notice);
    let only_text = Table::new(vec![strings("Name", &["a", "b"])]).unwrap();
    deliver(&mut app, "\n\nT", result(only_text, "$4"));
    ch(&mut app, 'v');
    assert!(!app.chart.show);
    let notice = app.notice.clone().unwrap();
    assert!(
        notice.starts_with("no chart: ") && !notice.contains('\n'),
        "{notice}"
    );
}

#[test]
fn each_run_gets_a_tab_and_earlier_ones_keep_their_place() {
    let mut app = app();
    deliver(&mut app, "A", result(events(), "$1"));
    ch(&mut app, 'j');
    ch(&mut app, 'j');
    ch(&mut app, 's');
    app.wait_jobs();
    deliver(&mut app, "\n\nB", columnchart());
    ch(&mut app, 'v');
    let (term, lines) = screen(&mut app, 100, 22);
    line_with(&lines, "$1 [$2]");
    insta::assert_snapshot!("two_result_tabs", term.backend());
    ch(&mut app, '[');
    let (_, lines) = screen(&mut app, 100, 22);
    line_with(&lines, "[$1] $2");
    // The status bar still describes the last run, under its own name.
    line_with(&lines, "3 rows ($2)");
    assert_eq!(app.result.as_ref().unwrap().table.row_count(), 6);
    assert!(app.view.sort.is_some(), "the sort stayed with its tab");
    assert_eq!(app.grid.selected_row, 0, "sorting selects the first row");
    ch(&mut app, ']');
    assert_eq!(app.result.as_ref().unwrap().table.row_count(), 3);
    // At most 50 tabs; the oldest go.
    for i in 0..60 {
        deliver(&mut app, "\n\nC", result(events(), &format!("${}", i + 3)));
    }
    assert_eq!(app.tabs.len(), 50);
    assert_eq!(app.tab, 49);
    assert_eq!(app.tabs[0].result.origin.local_name.as_deref(), Some("$13"));
}

fn no_raw_controls(term: &Terminal<TestBackend>) {
    for cell in term.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)),
            "raw control character in {:?}",
            cell.symbol()
        );
    }
}

#[test]
fn hostile_text_is_visible_escapes_in_grid_detail_and_chart() {
    let evil = [
        "\x1b[2J\x1b]52;c;ZXZpbA==\x07",
        "nul\0here",
        "invoice\u{202e}fdp.exe\u{2066}",
        "\u{9b}31m",
    ];
    let long = format!("\x1b[31m{}", "A".repeat(1 << 20));
    let mut labels: Vec<&str> = evil.to_vec();
    labels.push(&long);
    let table = Table::new(vec![
        strings("Evil\x1b[1m", &labels),
        Column::new(
            "N",
            column_from_values(Kind::Long, (1..=5).map(Value::Long)),
        ),
        Column::new(
            "D",
            column_from_values(
                Kind::Dynamic,
                (0..5).map(|_| Value::Dynamic(r#"{"k\u001b":"v\u202e\u0000"}"#.into())),
            ),
        ),
    ])
    .unwrap();
    let mut r = result(table, "$1");
    r.visualization = Some("barchart".into());
    let mut app = app();
    deliver(&mut app, "T", r);
    let (term, lines) = screen(&mut app, 100, 30);
    no_raw_controls(&term);
    assert!(app.chart.show);
    assert!(lines.iter().any(|l| l.contains("\\x1b[2J")), "{lines:#?}");

    ch(&mut app, 'v');
    let (term, lines) = screen(&mut app, 100, 30);
    no_raw_controls(&term);
    assert!(lines.iter().any(|l| l.contains("nul\\0here")));
    assert!(lines.iter().any(|l| l.contains("invoice\\u{202e}fdp")));
    assert!(lines.iter().any(|l| l.contains("Evil\\x1b[1m")));

    for row in 0..5 {
        app.grid.select(row, 0);
        key(&mut app, KeyCode::Enter, NONE);
        let started = Instant::now();
        let (term, lines) = screen(&mut app, 100, 30);
        assert!(started.elapsed() < Duration::from_secs(2));
        no_raw_controls(&term);
        if row < 4 {
            line_with(&lines, r#"k\x1b: "v\u{202e}\u0000""#);
        } else {
            assert!(lines.iter().any(|l| l.contains("\\x1b[31mAAAA")));
            // The megabyte is cut, and says how much is left out.
            let Some(Overlay::Detail(d)) = &app.overlay else {
                unreachable!()
            };
            let t = app.result.as_ref().unwrap().table.clone();
            let all = d.lines(&t, d.width);
            assert!(all.iter().any(|l| l.text.contains("more bytes)")));
        }
        key(&mut app, KeyCode::Esc, NONE);
    }
}
