//! `Command::Reopen` through the real worker: a run's result comes back from the result
//! cache (metered backends) or from the `$N` tables the worker keeps (any backend), marked
//! with its age, and the service is never asked: the loopback fake sees no request. When
//! nothing is held the reopen fails with one clear sentence, still without a request.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kqlhunt::backend::{RunError, RunRequest};
use kqlhunt::quota::{Limits, Store, SystemClock};
use kqlhunt::worker::reopen::NOT_CACHED;
use kqlhunt::worker::{self, Command, QueryId, WorkerEvent, WorkerHandle, WorkerOptions};
use support::*;

const HUNT: &str = "DeviceProcessEvents | where Timestamp > ago(1d) | take 4";

fn start(fake: &FakeHandle, home: &std::path::Path, cache_ttl: Duration) -> WorkerHandle {
    let kind = kind(Api::Graph);
    let store = Store::open_at(
        home.join("quota.json"),
        kind,
        Limits::for_backend(kind),
        SystemClock,
    );
    worker::spawn(
        Arc::new(backend(Api::Graph, fake)),
        WorkerOptions {
            quota: Some(store),
            cache_ttl,
            ..WorkerOptions::default()
        },
    )
}

/// Ask the worker to reopen `query` (run as `name`) and return its answer.
async fn reopen(
    w: &mut WorkerHandle,
    id: u64,
    query: &str,
    name: Option<&str>,
) -> Result<(usize, Option<String>, Duration), RunError> {
    w.commands
        .send(Command::Reopen {
            id: QueryId(id),
            request: RunRequest::new(query),
            name: name.map(str::to_string),
        })
        .await
        .unwrap();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), w.events.recv())
            .await
            .expect("the worker answers a reopen at once")
            .expect("worker alive");
        match ev {
            WorkerEvent::Finished {
                id: i,
                result,
                cached_age,
            } if i.0 == id => {
                let age = cached_age.expect("a reopened result says how old it is");
                return Ok((
                    result.table.row_count(),
                    result.origin.local_name.clone(),
                    age,
                ));
            }
            WorkerEvent::Failed { id: i, error, .. } if i.0 == id => return Err(error),
            WorkerEvent::Started { id: i } if i.0 == id => panic!("a reopen never starts a run"),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_result_comes_back_without_a_request() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let mut w = start(&fake, home.path(), Duration::from_secs(600));
    let (first, _) = support::worker::run_query(&mut w, 1, HUNT, false).await;
    assert_eq!(first.unwrap().table.row_count(), 4);
    assert_eq!(fake.requests().len(), 1);
    tokio::time::sleep(Duration::from_millis(50)).await;

    let (rows, name, age) = reopen(&mut w, 2, HUNT, Some("$1")).await.unwrap();
    assert_eq!((rows, name.as_deref()), (4, Some("$1")));
    assert!(age >= Duration::from_millis(50), "{age:?}");
    // Layout and comments do not make it another query; no name is needed either.
    let relaid = "DeviceProcessEvents\n| where Timestamp > ago(1d) // a day\n| take 4";
    assert_eq!(reopen(&mut w, 3, relaid, None).await.unwrap().0, 4);
    assert_eq!(
        fake.requests().len(),
        1,
        "a reopen never reaches the service"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_not_held_fails_clearly_and_still_asks_nobody() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let mut w = start(&fake, home.path(), Duration::from_secs(600));
    support::worker::run_query(&mut w, 1, HUNT, false)
        .await
        .0
        .unwrap();
    let other = "DeviceLogonEvents | take 2";
    let error = reopen(&mut w, 2, other, Some("$1")).await.unwrap_err();
    assert_eq!(error, RunError::Refused(NOT_CACHED.into()));
    assert_eq!(
        error.to_string(),
        "not sent: the result is no longer cached; F5 runs it again"
    );
    assert_eq!(fake.requests().len(), 1, "only the first run was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cache_the_kept_result_answers_until_its_table_goes() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    // No cache at all: only the `$N` tables the worker keeps can answer.
    let mut w = start(&fake, home.path(), Duration::ZERO);
    support::worker::run_query(&mut w, 1, HUNT, false)
        .await
        .0
        .unwrap();
    let (rows, name, _) = reopen(&mut w, 2, HUNT, Some("$1")).await.unwrap();
    assert_eq!((rows, name.as_deref()), (4, Some("$1")));
    // Fifty more results (local ones, at no quota) push `$1` out of the kept tables.
    for i in 0..kqlhunt::worker::refine::KEPT_RESULTS as u64 {
        support::worker::run_query(&mut w, 10 + i, "$last | take 3", false)
            .await
            .0
            .unwrap();
    }
    assert_eq!(fake.requests().len(), 1);
    let error = reopen(&mut w, 99, HUNT, Some("$1")).await.unwrap_err();
    assert_eq!(error, RunError::Refused(NOT_CACHED.into()));
    assert_eq!(fake.requests().len(), 1);
}
