//! Schema refresh end to end: F6 in the workbench queues one `RefreshSchema` command; the
//! real worker sends one query (through the quota ledger) to the loopback fake of Graph
//! `runHuntingQuery`; the answer becomes tables merged over the bundled schema, completion
//! offers the tenant's new column, lint stops flagging it, and the cache file is written.

mod support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use kqlhunt::backend::BackendKind;
use kqlhunt::kql::complete::ItemKind;
use kqlhunt::quota::{Limits, Store, SystemClock};
use kqlhunt::tui::app::App;
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::{self, Command, WorkerEvent, WorkerOptions};
use serde_json::json;
use support::*;

fn quota_store(dir: &std::path::Path) -> Store {
    let table: toml::Table = toml::from_str(
        "calls = [\"45 per 1m\"]\nrun_time = []\nskew = \"0s\"\nheadroom = 0.0\nbackoff = \"100ms\"\nbackoff_cap = \"1s\"",
    )
    .unwrap();
    let limits = Limits::from_toml_for(BackendKind::Graph, &table).unwrap();
    Store::open_at(
        dir.join("quota.json"),
        BackendKind::Graph,
        limits,
        SystemClock,
    )
}

#[tokio::test]
async fn f6_refreshes_through_the_worker_with_one_call() {
    let fake = FakeService::start(FakeConfig::default()).await;
    fake.set_next_response(Reply::Table(FakeTable::new(
        &[
            ("TableName", "String"),
            ("ColumnName", "String"),
            ("ColumnType", "String"),
        ],
        vec![
            vec![json!("DeviceEvents"), json!("Timestamp"), json!("datetime")],
            vec![
                json!("DeviceEvents"),
                json!("TenantOnlyColumn"),
                json!("string"),
            ],
            vec![json!("DeviceEvents"), json!("DeviceName"), json!("string")],
        ],
    )));
    let dir = tempfile::tempdir().unwrap();
    let mut handle = worker::spawn(
        Arc::new(backend(Api::Graph, &fake)),
        WorkerOptions {
            quota: Some(quota_store(dir.path())),
            ..Default::default()
        },
    );
    let mut app = App::new(BackendKind::Graph, Theme::no_color());
    let cache = kqlhunt::worker::schema::cache_path(&dir.path().join("data"), Some("contoso"));
    app.load_cached_schema(&cache);
    assert!(!cache.exists());

    app.on_event(Event::Key(KeyEvent::new(KeyCode::F(6), KeyModifiers::NONE)));
    // A second F6 while it runs does not send another query.
    app.on_event(Event::Key(KeyEvent::new(KeyCode::F(6), KeyModifiers::NONE)));
    let commands: Vec<Command> = std::mem::take(&mut app.outbox);
    assert_eq!(commands.len(), 1);
    assert!(matches!(commands[0], Command::RefreshSchema { .. }));
    for c in commands {
        handle.commands.send(c).await.unwrap();
    }
    while app.schema_refresh.is_some() {
        let ev = tokio::time::timeout(Duration::from_secs(10), handle.events.recv())
            .await
            .expect("worker stalled")
            .unwrap();
        // Quota snapshots show the call was metered.
        if let WorkerEvent::Quota(q) = &ev {
            assert!(q.metered);
        }
        app.on_worker_event(ev);
    }
    assert!(
        app.notice
            .as_deref()
            .unwrap_or("")
            .starts_with("Schema refreshed from the tenant: 1 tables, 3 columns"),
        "{:?}",
        app.notice
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "one quota call");
    assert!(requests[0].body.contains("getschema"));
    // The ledger recorded the call.
    assert!(!app.quota.windows.is_empty());

    // Completion knows the tenant's column, and the editor's lint no longer flags it.
    let query = "DeviceEvents | where TenantOnly";
    for c in query.chars() {
        app.on_event(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
    let c = app.completion_at_cursor();
    assert_eq!(c.items[0].label, "TenantOnlyColumn");
    assert_eq!(c.items[0].kind, ItemKind::Column);
    app.on_event(Event::Key(KeyEvent::new(
        KeyCode::Char(' '),
        KeyModifiers::CONTROL,
    )));
    if app.completion.is_some() {
        app.on_event(Event::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        )));
    }
    assert_eq!(app.editor.text(), "DeviceEvents | where TenantOnlyColumn");
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 20)).unwrap();
    terminal
        .draw(|f| app.draw(f, std::time::Instant::now()))
        .unwrap();
    assert!(
        app.highlighter
            .diagnostics()
            .iter()
            .all(|d| !d.message.contains("TenantOnly")),
        "{:?}",
        app.highlighter.diagnostics()
    );

    // The cache is there, and a new session picks it up without a query.
    assert!(cache.exists());
    let mut again = App::new(BackendKind::Graph, Theme::no_color());
    again.load_cached_schema(&cache);
    let cols = &again.schema.table("DeviceEvents").unwrap().columns;
    assert!(cols.iter().any(|(n, _)| n == "TenantOnlyColumn"));
    assert!(again.outbox.is_empty());
    let _ = handle.commands.send(Command::Shutdown).await;
}

#[test]
fn local_backend_spends_nothing() {
    let mut app = App::new(BackendKind::Local, Theme::no_color());
    app.on_event(Event::Key(KeyEvent::new(KeyCode::F(6), KeyModifiers::NONE)));
    assert!(app.outbox.is_empty());
    assert!(
        app.notice
            .as_deref()
            .unwrap()
            .contains("bundled Defender schema")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_schema_refresh_caches_for_the_workbench() {
    let fake = FakeService::start(FakeConfig::default()).await;
    fake.set_next_response(Reply::Table(FakeTable::new(
        &[
            ("TableName", "String"),
            ("ColumnName", "String"),
            ("DataType", "String"),
        ],
        vec![vec![
            json!("EmailEvents"),
            json!("NewThing"),
            json!("System.Int64"),
        ]],
    )));
    let home = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_kqlhunt"))
        .args([
            "--backend",
            "graph",
            "--endpoint",
            &fake.base_url(),
            "schema",
            "refresh",
        ])
        .env("KQLHUNT_HOME", home.path())
        .env("KQLHUNT_ACCESS_TOKEN", token_for(Api::Graph))
        .env_remove("KQLHUNT_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("1 tables, 1 columns cached in "),
        "{stdout}"
    );
    assert_eq!(fake.requests().len(), 1);
    let path = kqlhunt::worker::schema::cache_path(&home.path().join("data"), None);
    let (tables, _) = kqlhunt::worker::schema::load(&path, i64::MAX / 2, Duration::MAX)
        .unwrap()
        .unwrap_or_default();
    assert_eq!(tables.len(), 1, "{}", path.display());
    assert_eq!(tables[0].columns[0].1, kqlhunt::data::Kind::Long);
}
