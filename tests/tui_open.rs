//! `:open` in the workbench, end to end through the real worker: Ctrl+O (or `:` in the
//! results) opens the command line, `open FILE` reads the file on the worker into a table
//! named after it, the status line says what was opened, completion learns the table, and
//! the next query reads it. A bad file is one line and loses nothing typed in the editor.

mod tui_support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use kqlhunt::backend::BackendKind;
use kqlhunt::engine::Catalog;
use kqlhunt::tui::app::{App, Overlay};
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::local::LocalBackend;
use kqlhunt::worker::refine::LocalTables;
use kqlhunt::worker::{self, WorkerEvent, WorkerHandle, WorkerOptions};
use tui_support::{key, type_text};

/// Hand the app's commands to the worker and feed events back until `done` says so.
async fn pump(app: &mut App, w: &mut WorkerHandle, done: impl Fn(&WorkerEvent) -> bool) {
    for cmd in std::mem::take(&mut app.outbox) {
        w.commands.send(cmd).await.unwrap();
    }
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), w.events.recv())
            .await
            .expect("worker stalled")
            .expect("worker alive");
        let stop = done(&ev);
        app.on_worker_event(ev);
        if stop {
            return;
        }
    }
}

#[tokio::test]
async fn open_reads_a_file_into_a_table_the_next_query_uses() {
    let dir = std::env::temp_dir().join(format!("kqlhunt-tui-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("watchlist.csv");
    std::fs::write(&good, "Host,Score\nwks-017,90\nsrv-9,40\n").unwrap();
    let bad = dir.join("broken.json");
    std::fs::write(&bad, "[{\"a\":1},").unwrap();

    let tables = LocalTables::new();
    let backend = LocalBackend::with_catalog(Catalog::default()).with_tables(tables.clone());
    let mut w = worker::spawn(
        Arc::new(backend),
        WorkerOptions {
            tables,
            ..WorkerOptions::default()
        },
    );
    let mut app = App::new(BackendKind::Local, Theme::dark());
    type_text(&mut app, "watchlist | where Score > 50 | count");

    // A file that cannot be read: one line naming it; the query text is untouched.
    key(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    assert_eq!(
        app.overlay,
        Some(Overlay::Command {
            text: "open ".into()
        })
    );
    type_text(&mut app, bad.to_str().unwrap());
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(app.overlay, None);
    pump(&mut app, &mut w, |e| {
        matches!(e, WorkerEvent::OpenFailed { .. })
    })
    .await;
    let notice = app.notice.clone().unwrap();
    assert!(
        notice.contains("broken.json") && !notice.contains('\n'),
        "{notice}"
    );
    assert_eq!(app.editor.text(), "watchlist | where Score > 50 | count");

    // The good file: a table named after it, known to completion, queried next.
    key(&mut app, KeyCode::Char('o'), KeyModifiers::CONTROL);
    type_text(&mut app, good.to_str().unwrap());
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    pump(&mut app, &mut w, |e| {
        matches!(e, WorkerEvent::Opened { .. })
    })
    .await;
    assert_eq!(
        app.notice.as_deref(),
        Some("opened watchlist: 2 rows, 2 columns")
    );
    assert!(app.extra_tables.iter().any(|t| t.name == "watchlist"));

    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    pump(&mut app, &mut w, |e| {
        matches!(e, WorkerEvent::Finished { .. })
    })
    .await;
    let result = app.result.clone().expect("a result");
    assert_eq!(
        result.table.column("Count").unwrap().data.get(0).to_owned(),
        kqlhunt::data::Value::Long(1)
    );

    // `:w` writes the result as the grid shows it: here sorted by Host, descending.
    app.editor = Default::default();
    type_text(&mut app, "watchlist | project Host, Score");
    key(&mut app, KeyCode::F(5), KeyModifiers::NONE);
    pump(&mut app, &mut w, |e| {
        matches!(e, WorkerEvent::Finished { .. })
    })
    .await;
    key(&mut app, KeyCode::Tab, KeyModifiers::NONE);
    type_text(&mut app, "ss");
    app.wait_jobs();
    let out = dir.join("sorted.tsv");
    app.run_command_line(&format!("w {}", out.display()));
    app.wait_export();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "Host\tScore\nwks-017\t90\nsrv-9\t40\n"
    );
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("wrote 2 rows to ")
    );
    // `:w` right after a filter, before the grid has the filtered rows: the file holds what
    // was asked for (the title already says so), not the rows shown a moment before.
    type_text(&mut app, "/");
    type_text(&mut app, "srv");
    key(&mut app, KeyCode::Enter, KeyModifiers::NONE);
    let out = dir.join("filtered.tsv");
    app.run_command_line(&format!("w {}", out.display()));
    app.wait_export();
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "Host\tScore\nsrv-9\t40\n"
    );
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .starts_with("wrote 1 row to ")
    );
    app.wait_jobs();

    app.run_command_line("w result.xlsx");
    assert!(app.notice.as_deref().unwrap().contains(".csv, .tsv"));

    // Unknown commands say so; Esc leaves without doing anything.
    app.run_command_line("frobnicate x");
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .contains("unknown command :frobnicate")
    );
    app.open_command_line("open ");
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.overlay, None);
    assert!(app.outbox.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
