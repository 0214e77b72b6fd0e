//! Refining at zero quota, through the real worker and the real local engine: results
//! become `$1`, `$2`, `$last`; a query that extends an earlier remote query runs only its
//! extra operators locally; what the engine cannot answer goes to the service after all;
//! Shift+F5 (`fresh`) always asks the service; a truncated source is announced.

mod support;

use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use kqlhunt::backend::{Backend, BackendKind, RunError, RunRequest};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::{Column, Kind, Origin, ResultSet, Table, Value};
use kqlhunt::quota::{Limits, Store, SystemClock};
use kqlhunt::worker::refine::LocalTables;
use kqlhunt::worker::{self, WorkerHandle, WorkerOptions};
use tokio_util::sync::CancellationToken;

/// A metered service that answers every query with the same five process events and
/// records what it was sent. `truncated` marks its answers as cut at the row cap.
struct Service {
    sent: Mutex<Vec<String>>,
    truncated: bool,
}

impl Service {
    fn new(truncated: bool) -> Arc<Self> {
        Arc::new(Service {
            sent: Mutex::new(Vec::new()),
            truncated,
        })
    }
    fn sent(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

fn events_table() -> Table {
    let s = |v: &[&str]| {
        v.iter()
            .map(|x| Value::String(x.to_string()))
            .collect::<Vec<_>>()
    };
    Table::new(vec![
        Column::new(
            "DeviceName",
            column_from_values(
                Kind::String,
                s(&["wks-1", "wks-1", "wks-2", "srv-9", "wks-2"]),
            ),
        ),
        Column::new(
            "FileName",
            column_from_values(
                Kind::String,
                s(&[
                    "powershell.exe",
                    "cmd.exe",
                    "powershell.exe",
                    "rundll32.exe",
                    "cmd.exe",
                ]),
            ),
        ),
        Column::new(
            "Count",
            column_from_values(Kind::Long, (1..=5).map(Value::Long).collect::<Vec<_>>()),
        ),
    ])
    .unwrap()
}

impl Backend for Service {
    fn kind(&self) -> BackendKind {
        BackendKind::Graph
    }
    fn prepare(&self) -> BoxFuture<'_, Result<String, RunError>> {
        Box::pin(async { Ok("service".into()) })
    }
    fn run<'a>(
        &'a self,
        request: &'a RunRequest,
        _cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<ResultSet, RunError>> {
        Box::pin(async move {
            self.sent.lock().unwrap().push(request.query.clone());
            let origin = Origin {
                backend: "graph".into(),
                query: request.query.clone(),
                ..Origin::default()
            };
            let mut result = ResultSet::new(events_table(), origin);
            result.truncated = self.truncated;
            Ok(result)
        })
    }
}

fn start(service: Arc<Service>, tables: LocalTables) -> WorkerHandle {
    let dir = std::env::temp_dir().join(format!(
        "kqlhunt-refine-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    ));
    let limits = Limits::from_toml_for(BackendKind::Graph, &toml::Table::new()).unwrap();
    let store = Store::open_at(
        dir.join("quota.json"),
        BackendKind::Graph,
        limits,
        SystemClock,
    );
    worker::spawn(
        service,
        WorkerOptions {
            quota: Some(store),
            tables,
            ..WorkerOptions::default()
        },
    )
}

/// Run one query and wait for its answer.
async fn ask(
    w: &mut WorkerHandle,
    id: u64,
    query: &str,
    fresh: bool,
) -> Result<Arc<ResultSet>, RunError> {
    support::worker::run_query(w, id, query, fresh).await.0
}

fn column(result: &ResultSet, name: &str) -> Vec<Value> {
    let col = result.table.column(name).expect(name);
    (0..result.table.row_count())
        .map(|r| col.data.get(r).to_owned())
        .collect()
}

const HUNT: &str =
    "DeviceProcessEvents\n| where Timestamp > ago(1d)\n| project DeviceName, FileName, Count";

#[tokio::test]
async fn narrowing_a_remote_hunt_costs_no_quota() {
    let service = Service::new(false);
    let mut w = start(Arc::clone(&service), LocalTables::new());
    let first = ask(&mut w, 1, HUNT, false).await.unwrap();
    assert_eq!(first.origin.local_name.as_deref(), Some("$1"));
    assert_eq!(first.origin.refined, None);

    // Same hunt plus operators, laid out differently and with a comment: answered locally.
    let narrowed = format!(
        "{}  // only PowerShell\n| where FileName =~ \"POWERSHELL.EXE\"\n| summarize Total = sum(Count) by DeviceName\n| sort by DeviceName asc",
        HUNT.replace('\n', "\n    ")
    );
    let second = ask(&mut w, 2, &narrowed, false).await.unwrap();
    assert_eq!(
        service.sent().len(),
        1,
        "the narrowed hunt must not reach the service"
    );
    let refined = second.origin.refined.as_ref().expect("marked as refined");
    assert_eq!(refined.from, "$1");
    assert!(!refined.source_truncated);
    assert_eq!(second.origin.query, narrowed);
    assert_eq!(second.origin.local_name.as_deref(), Some("$2"));
    assert_eq!(
        column(&second, "DeviceName"),
        [Value::String("wks-1".into()), Value::String("wks-2".into())]
    );
    assert_eq!(column(&second, "Total"), [Value::Long(1), Value::Long(3)]);
}

#[tokio::test]
async fn results_are_tables_by_number_and_last() {
    let service = Service::new(false);
    let mut w = start(Arc::clone(&service), LocalTables::new());
    ask(&mut w, 1, HUNT, false).await.unwrap();
    let counted = ask(
        &mut w,
        2,
        "$last | where DeviceName startswith \"wks\" | count",
        false,
    )
    .await
    .unwrap();
    assert_eq!(column(&counted, "Count"), [Value::Long(4)]);
    let again = ask(&mut w, 3, "['$1'] | take 2", false).await.unwrap();
    assert_eq!(again.table.row_count(), 2);
    assert_eq!(
        service.sent().len(),
        1,
        "local tables never reach the service"
    );
}

#[tokio::test]
async fn what_the_engine_cannot_answer_goes_to_the_service() {
    let service = Service::new(false);
    let mut w = start(Arc::clone(&service), LocalTables::new());
    ask(&mut w, 1, HUNT, false).await.unwrap();
    // `DeviceInfo` lives in the tenant, not in the earlier result.
    let joined = format!("{HUNT}\n| join kind=inner (DeviceInfo) on DeviceName");
    let answer = ask(&mut w, 2, &joined, false).await.unwrap();
    assert_eq!(answer.origin.refined, None);
    assert_eq!(service.sent(), [HUNT.to_string(), joined]);
}

#[tokio::test]
async fn fresh_runs_always_ask_the_service() {
    let service = Service::new(false);
    let mut w = start(Arc::clone(&service), LocalTables::new());
    ask(&mut w, 1, HUNT, false).await.unwrap();
    let narrowed = format!("{HUNT}\n| take 1");
    let answer = ask(&mut w, 2, &narrowed, true).await.unwrap();
    assert_eq!(answer.origin.refined, None);
    assert_eq!(service.sent().len(), 2);
}

#[tokio::test]
async fn a_truncated_source_is_announced_on_the_refined_answer() {
    let service = Service::new(true);
    let mut w = start(Arc::clone(&service), LocalTables::new());
    ask(&mut w, 1, HUNT, false).await.unwrap();
    let answer = ask(&mut w, 2, &format!("{HUNT}\n| take 1"), false)
        .await
        .unwrap();
    let refined = answer.origin.refined.as_ref().expect("refined");
    assert!(refined.source_truncated);
    assert!(kqlhunt::worker::refine::describe(refined).contains("MAY BE INCOMPLETE"));
    assert_eq!(service.sent().len(), 1);
}

#[tokio::test]
async fn opened_files_are_queried_locally_beside_the_tenant() {
    let dir = std::env::temp_dir().join(format!("kqlhunt-open-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("blocklist.csv");
    std::fs::write(&path, "Sha1,Verdict\nabc,bad\ndef,bad\n").unwrap();
    let (tables, opened) = kqlhunt::cli::open_tables(std::slice::from_ref(&path)).unwrap();
    assert_eq!(opened, ["blocklist: 2 rows, 2 columns"]);
    let service = Service::new(false);
    let mut w = start(Arc::clone(&service), tables);
    let answer = ask(
        &mut w,
        1,
        "blocklist | where Verdict == \"bad\" | count",
        false,
    )
    .await
    .unwrap();
    assert_eq!(column(&answer, "Count"), [Value::Long(2)]);
    assert!(service.sent().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
