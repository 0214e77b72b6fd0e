//! The three remote backends end to end against the loopback fake: request shape, body
//! shapes and casings, every cell kind, stats, truncation at the row cap, token refresh,
//! cancellation, dropped connections, client timeouts, and a run through the worker task.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kqlhunt::api::decode::ROW_CAP;
use kqlhunt::api::{HttpOptions, HuntingBackend};
use kqlhunt::auth::{Secret, StaticToken, TokenProvider};
use kqlhunt::backend::{Backend, RunError, RunRequest};
use kqlhunt::data::time::{parse_datetime, parse_timespan};
use kqlhunt::data::{Kind, ResultSet, ValueRef};
use kqlhunt::worker::{Command, QueryId, WorkerEvent};
use serde_json::json;
use support::*;
use tokio_util::sync::CancellationToken;

fn check_standard_rows(r: &ResultSet, rows: usize) {
    let t = &r.table;
    assert_eq!(t.row_count(), rows);
    let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, hunting::STANDARD.map(|(n, _)| n).to_vec());
    let kinds: Vec<Kind> = t.columns().iter().map(|c| c.kind()).collect();
    use Kind::*;
    assert_eq!(
        kinds,
        vec![
            DateTime, String, String, String, Long, Long, Bool, Dynamic, String, Real, Int, Guid,
            TimeSpan
        ]
    );
    assert_eq!(t.columns()[6].type_name, "SByte");
    assert_eq!(t.columns()[7].type_name, "Object");
    assert_eq!(
        t.cell(1, 0),
        ValueRef::DateTime(parse_datetime("2024-05-01T00:00:01.0007919Z").unwrap())
    );
    assert_eq!(t.cell(2, 2), ValueRef::String("host-2.contoso.test"));
    assert_eq!(t.cell(0, 5), ValueRef::Long(hunting::BIG_REPORT_ID));
    assert_eq!(t.cell(2, 5), ValueRef::Long(9_007_199_254_740_995));
    assert_eq!(t.cell(1, 6), ValueRef::Bool(false));
    assert_eq!(
        t.cell(3, 7),
        ValueRef::Dynamic(r#"{"Count":3,"Tags":["a","b"],"Nested":{"k":null}}"#)
    );
    assert_eq!(
        t.cell(1, 8),
        ValueRef::String("cmd.exe /c echo Grüße 👋 \"1\"")
    );
    assert_eq!(t.cell(4, 8), ValueRef::String(""), "null string");
    assert_eq!(t.cell(3, 9), ValueRef::Real(1.75));
    assert_eq!(t.cell(2, 10), ValueRef::Int(2));
    assert_eq!(
        t.cell(1, 11),
        ValueRef::Guid(0x00000001_0b3c_4d5e_8f9a_00000000001f)
    );
    assert_eq!(
        t.cell(2, 12),
        ValueRef::TimeSpan(parse_timespan("00:00:02.5").unwrap())
    );
}

#[tokio::test]
async fn graph_end_to_end() {
    let fake = FakeService::start(FakeConfig::default()).await;
    // The token is made once: a second made later has other exp/nbf claims.
    let token = token_for(Api::Graph);
    let b = backend_with(
        Api::Graph,
        &fake,
        Arc::new(StaticToken(Secret::new(token.clone()))),
        &HttpOptions::default(),
    );
    assert_eq!(b.prepare().await.unwrap(), "graph · tenant ready");
    let mut req = RunRequest::new("DeviceProcessEvents | take 5");
    req.timespan = Some("P7D".into());
    let r = b.run(&req, CancellationToken::new()).await.unwrap();
    check_standard_rows(&r, 5);
    assert!(!r.truncated);
    assert_eq!(r.origin.backend, "graph");
    assert_eq!(r.origin.query, "DeviceProcessEvents | take 5");
    assert!(r.origin.stats.is_none(), "graph sends no Stats");

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let q = &reqs[0];
    assert_eq!(q.api, Some(Api::Graph));
    assert_eq!(q.path, "/v1.0/security/runHuntingQuery");
    let body: serde_json::Value = serde_json::from_str(&q.body).unwrap();
    assert_eq!(
        body,
        json!({"Query": "DeviceProcessEvents | take 5", "Timespan": "P7D"})
    );
    assert_eq!(
        q.content_type.as_deref(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        q.user_agent.as_deref(),
        Some(concat!("kqlhunt/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        q.authorization.as_deref(),
        Some(format!("Bearer {token}").as_str())
    );
}

#[tokio::test]
async fn defender_and_mde_end_to_end_with_stats() {
    let fake = FakeService::start(FakeConfig::default()).await;
    for api in [Api::Defender, Api::Mde] {
        let b = backend(api, &fake);
        let mut req = RunRequest::new("DeviceEvents | take 5");
        req.timespan = Some("P7D".into());
        let r = b.run(&req, CancellationToken::new()).await.unwrap();
        check_standard_rows(&r, 5);
        assert_eq!(r.origin.backend, kind(api).name());
        let s = r.origin.stats.as_ref().expect("legacy Stats");
        assert_eq!(s.cpu_total, parse_timespan("00:00:01.5"));
        assert_eq!(
            s.cpu_user.unwrap() + s.cpu_kernel.unwrap(),
            s.cpu_total.unwrap()
        );
        assert_eq!(s.memory_peak_per_node, Some(236_822_432));
        assert_eq!(s.table_row_count, Some(5));
        assert!(s.execution_time.unwrap() > 0.0);
        let sent = fake.requests().pop().unwrap();
        assert_eq!(sent.path, api.path());
        // Legacy APIs take only `Query`; the timespan is Graph's.
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&sent.body).unwrap(),
            json!({"Query": "DeviceEvents | take 5"})
        );
        assert_eq!(sent.content_type.as_deref(), Some("application/json"));
    }
}

#[tokio::test]
async fn graph_pascal_schema_results_first_and_dynamic_text() {
    let fake = FakeService::start(FakeConfig {
        graph_pascal_schema: true,
        schema_last: true,
        dynamic_as_text: true,
        ..FakeConfig::default()
    })
    .await;
    for api in Api::ALL {
        let r = run(&backend(api, &fake), "T | take 5").await.unwrap();
        check_standard_rows(&r, 5);
    }
}

#[tokio::test]
async fn explicit_cells_nulls_unicode_long_strings_and_big_integers() {
    let long = "Ω≈ç√∫˜µ≤≥÷ 𝕳𝖚𝖓𝖙 ".repeat(40_000);
    let table = FakeTable::new(
        &[
            ("s", "String"),
            ("i", "Int32"),
            ("l", "Int64"),
            ("d", "Dynamic"),
            ("t", "DateTime"),
            ("b", "Boolean"),
            ("x", "SqlDecimal"),
        ],
        vec![
            vec![
                json!(long),
                json!(i32::MIN),
                json!(i64::MAX),
                json!({"a": [1, {"b": "ü"}]}),
                json!("2024-02-29T23:59:59.9999999Z"),
                json!(true),
                json!("12.5"),
            ],
            vec![
                json!(null),
                json!(null),
                json!(i64::MIN),
                json!(null),
                json!(null),
                json!(null),
                json!(null),
            ],
            vec![
                json!("\u{1b}[31mred\u{202e}"),
                json!(7),
                json!(null),
                json!("[1, 2]"),
                json!(""),
                json!(false),
                json!({"k": 1}),
            ],
        ],
    );
    for dynamic_as_text in [false, true] {
        let fake = FakeService::start(FakeConfig {
            dynamic_as_text,
            ..FakeConfig::default()
        })
        .await;
        fake.set_next_response(Reply::Table(table.clone()));
        let r = run(&backend(Api::Defender, &fake), "T").await.unwrap();
        let t = &r.table;
        assert_eq!(t.row_count(), 3);
        assert_eq!(t.cell(0, 0), ValueRef::String(&long));
        assert_eq!(t.cell(0, 1), ValueRef::Int(i32::MIN));
        assert_eq!(t.cell(0, 2), ValueRef::Long(i64::MAX));
        assert_eq!(t.cell(1, 2), ValueRef::Long(i64::MIN));
        assert_eq!(t.cell(0, 3), ValueRef::Dynamic(r#"{"a":[1,{"b":"ü"}]}"#));
        assert_eq!(t.cell(2, 3), ValueRef::Dynamic("[1,2]"));
        assert_eq!(
            t.cell(0, 4),
            ValueRef::DateTime(parse_datetime("2024-02-29T23:59:59.9999999Z").unwrap())
        );
        assert_eq!(t.cell(0, 5), ValueRef::Bool(true));
        for c in 0..7 {
            if c != 0 && c != 2 {
                assert_eq!(t.cell(1, c), ValueRef::Null, "column {c}");
            }
        }
        assert_eq!(t.cell(1, 0), ValueRef::String(""));
        assert_eq!(t.cell(2, 0), ValueRef::String("\u{1b}[31mred\u{202e}"));
        assert_eq!(t.cell(2, 4), ValueRef::Null, "empty datetime is null");
        // An unknown type keeps its raw JSON and its type string.
        assert_eq!(t.columns()[6].type_name, "SqlDecimal");
        assert_eq!(t.cell(0, 6), ValueRef::Dynamic(r#""12.5""#));
        assert_eq!(t.cell(2, 6), ValueRef::Dynamic(r#"{"k":1}"#));
    }
}

#[tokio::test]
async fn zero_rows_keep_the_schema() {
    let fake = FakeService::start(FakeConfig::default()).await;
    for api in Api::ALL {
        let r = run(&backend(api, &fake), "DeviceEvents | take 0")
            .await
            .unwrap();
        assert_eq!(r.table.row_count(), 0);
        assert_eq!(r.table.columns().len(), hunting::STANDARD.len());
        assert!(!r.truncated);
    }
}

#[tokio::test]
async fn the_row_cap_marks_the_result_truncated() {
    let fake = FakeService::start(FakeConfig {
        table: FakeTable::standard_columns(2),
        ..FakeConfig::default()
    })
    .await;
    let b = backend(Api::Graph, &fake);
    let r = run(&b, "DeviceEvents | take 250000").await.unwrap();
    assert_eq!(r.table.row_count(), ROW_CAP);
    assert!(r.truncated);
    let r = run(&b, "DeviceEvents | take 99999").await.unwrap();
    assert_eq!(r.table.row_count(), 99_999);
    assert!(!r.truncated);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let tokens = Arc::new(CountingTokens::new(
        jwt(Api::Mde.audience(), &[Api::Mde.role()], -10),
        token_for(Api::Mde),
    ));
    let b = backend_with(Api::Mde, &fake, tokens.clone(), &HttpOptions::default());
    let r = run(&b, "T | take 2").await.unwrap();
    assert_eq!(r.table.row_count(), 2);
    assert_eq!(tokens.refreshes(), 1);
    assert_eq!(fake.requests().len(), 2);
    // The fresh token is used from now on without another refresh.
    run(&b, "T").await.unwrap();
    assert_eq!(tokens.refreshes(), 1);
}

#[tokio::test]
async fn a_second_401_asks_to_sign_in_again() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let expired = jwt(Api::Graph.audience(), &[Api::Graph.role()], -10);
    let tokens = Arc::new(CountingTokens::new(expired.clone(), expired));
    let b = backend_with(Api::Graph, &fake, tokens.clone(), &HttpOptions::default());
    let e = run(&b, "T").await.unwrap_err();
    assert!(
        matches!(&e, RunError::Auth(m) if m.contains("sign in again")),
        "{e:?}"
    );
    assert_eq!(tokens.refreshes(), 1);
    assert_eq!(fake.requests().len(), 2);

    // A static token cannot be refreshed: its own advice is passed on.
    let st: Arc<dyn TokenProvider> = Arc::new(StaticToken(Secret::new("not-a-jwt")));
    let b = backend_with(Api::Graph, &fake, st, &HttpOptions::default());
    let e = run(&b, "T").await.unwrap_err();
    assert!(
        matches!(&e, RunError::Auth(m) if m.contains("KQLHUNT_ACCESS_TOKEN")),
        "{e:?}"
    );
}

#[tokio::test]
async fn cancellation_stops_a_request_in_flight() {
    let fake = FakeService::start(FakeConfig::default()).await;
    fake.set_next_response(Reply::Hang);
    let b = backend(Api::Graph, &fake);
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        c2.cancel();
    });
    let started = Instant::now();
    let req = RunRequest::new("T");
    let e = b.run(&req, cancel).await.unwrap_err();
    assert_eq!(e, RunError::Cancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.requests().len(), 1, "the request was in flight");
}

#[tokio::test]
async fn dropped_connections_are_network_errors() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let b = backend(Api::Defender, &fake);
    fake.set_next_response(Reply::DropBeforeHeaders);
    let e = run(&b, "T").await.unwrap_err();
    assert!(matches!(e, RunError::Network(_)), "{e:?}");
    fake.set_next_response(Reply::DropMidBody);
    let e = run(&b, "T").await.unwrap_err();
    assert!(matches!(e, RunError::Network(_)), "{e:?}");
    // The next query works again.
    assert_eq!(run(&b, "T | take 1").await.unwrap().table.row_count(), 1);
}

#[tokio::test]
async fn a_slow_service_hits_the_request_timeout() {
    let fake = FakeService::start(FakeConfig::default()).await;
    fake.set_next_response(Reply::Slow(
        Duration::from_secs(3),
        Box::new(Reply::Rows(1)),
    ));
    let options = HttpOptions {
        timeout: Some(Duration::from_millis(300)),
        ..HttpOptions::default()
    };
    let tokens = Arc::new(StaticToken(Secret::new(token_for(Api::Graph))));
    let b = backend_with(Api::Graph, &fake, tokens, &options);
    let e = run(&b, "T").await.unwrap_err();
    assert!(
        matches!(&e, RunError::Timeout(m) if m.contains("no answer within")),
        "{e:?}"
    );
}

#[tokio::test]
async fn nothing_listening_is_a_network_error() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let tokens = Arc::new(StaticToken(Secret::new("t")));
    let b =
        HuntingBackend::graph(&format!("http://{addr}"), tokens, &HttpOptions::default()).unwrap();
    let e = run(&b, "T").await.unwrap_err();
    assert!(
        matches!(&e, RunError::Network(m) if m.contains("cannot connect")),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_runs_queries_on_a_remote_backend() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let b: Arc<dyn Backend> = Arc::new(backend(Api::Graph, &fake));
    let mut worker = kqlhunt::worker::spawn(b, kqlhunt::worker::WorkerOptions::default());
    worker
        .commands
        .send(Command::Run {
            id: QueryId(7),
            request: RunRequest::new("DeviceEvents | take 3"),
            fresh: false,
        })
        .await
        .unwrap();
    let mut ready = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ev = tokio::time::timeout_at(deadline, worker.events.recv())
            .await
            .expect("events in time")
            .expect("worker alive");
        match ev {
            WorkerEvent::Ready { description } => {
                assert_eq!(description, "graph · tenant ready");
                ready = true;
            }
            WorkerEvent::Finished { id, result, .. } => {
                assert_eq!(id, QueryId(7));
                assert_eq!(result.table.row_count(), 3);
                break;
            }
            WorkerEvent::Failed { error, .. } => panic!("failed: {error}"),
            _ => {}
        }
    }
    // `Ready` comes from a separate task and may arrive after the result.
    if !ready {
        let ev = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                if let Some(WorkerEvent::Ready { description }) = worker.events.recv().await {
                    return description;
                }
            }
        })
        .await
        .expect("ready");
        assert_eq!(ev, "graph · tenant ready");
    }
    let _ = worker.commands.send(Command::Shutdown).await;
}
