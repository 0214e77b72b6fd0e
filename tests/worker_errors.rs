//! Every error kind of the hunting APIs end to end through the worker: the fake answers,
//! the real backend maps, the worker (with its quota ledger) reports one `Failed` event
//! per query with the service's message, and the ledger counts what was spent. A 429 is
//! never a failure: the worker requeues the query after the announced wait.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kqlhunt::backend::RunError;
use kqlhunt::quota::{Limits, Store, SystemClock};
use kqlhunt::worker::{self, WorkerEvent, WorkerHandle, WorkerOptions};
use support::*;

fn start(api: Api, fake: &FakeHandle, home: &std::path::Path) -> WorkerHandle {
    let kind = kind(api);
    let mut limits = Limits::for_backend(kind);
    limits.safety.skew = Duration::from_millis(50);
    let store = Store::open_at(home.join("quota.json"), kind, limits, SystemClock);
    worker::spawn(
        Arc::new(backend(api, fake)),
        WorkerOptions {
            quota: Some(store),
            ..WorkerOptions::default()
        },
    )
}

/// Run one query and return how it ended, with the events on the way.
async fn outcome(w: &mut WorkerHandle, id: u64) -> (Result<usize, RunError>, Vec<WorkerEvent>) {
    let (end, seen) = support::worker::run_query(
        w,
        id,
        &format!("DeviceEvents | where Timestamp > ago(1d) | take {id}"),
        true,
    )
    .await;
    (end.map(|r| r.table.row_count()), seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_kind_is_one_failed_event_with_the_services_words() {
    type Check = fn(&RunError) -> bool;
    let cases: Vec<(Api, Reply, &str, Check)> = vec![
        (
            Api::Graph,
            Reply::Semantic,
            "semantic",
            |e| matches!(e, RunError::Semantic { message, .. } if message.contains("Failed to resolve")),
        ),
        (
            Api::Defender,
            Reply::Syntax {
                line: 0,
                position: 13,
            },
            "syntax",
            |e| matches!(e, RunError::Syntax { .. }) && e.position().is_some(),
        ),
        (
            Api::Graph,
            Reply::Forbidden,
            "forbidden",
            |e| matches!(e, RunError::Forbidden(m) if m.contains("ThreatHunting.Read.All")),
        ),
        (
            Api::Mde,
            Reply::Forbidden,
            "forbidden (mde)",
            |e| matches!(e, RunError::Forbidden(m) if m.contains("AdvancedQuery.Read")),
        ),
        (
            Api::Graph,
            Reply::Preempted,
            "preempted",
            |e| matches!(e, RunError::Timeout(m) if m.contains("preempted")),
        ),
        (Api::Defender, Reply::Timeout(408), "timeout", |e| {
            matches!(e, RunError::Timeout(_))
        }),
        (Api::Graph, Reply::TooLarge, "too large", |e| {
            matches!(e, RunError::TooLarge(_))
        }),
        (Api::Graph, Reply::UnknownError(500), "500", |e| {
            matches!(e, RunError::Server { status: 500, .. })
        }),
        (Api::Defender, Reply::Empty(504), "504 empty", |e| {
            matches!(e, RunError::Server { status: 504, .. })
        }),
        (Api::Graph, Reply::Unavailable(Some(3)), "503", |e| {
            matches!(e, RunError::Server { status: 503, .. })
        }),
        (
            Api::Defender,
            Reply::Retired,
            "retired",
            |e| matches!(e, RunError::Server { status: 410, message } if message.contains("graph")),
        ),
        (Api::Graph, Reply::DropBeforeHeaders, "dropped", |e| {
            matches!(e, RunError::Network(_))
        }),
    ];
    for (api, reply, what, check) in cases {
        let fake = FakeService::start(FakeConfig::default()).await;
        let home = tempfile::tempdir().unwrap();
        let mut w = start(api, &fake, home.path());
        fake.set_next_response(reply);
        let (end, events) = outcome(&mut w, 1).await;
        let error = end.expect_err(what);
        assert!(check(&error), "{what}: {error:?}");
        let failed = events
            .iter()
            .filter(|e| matches!(e, WorkerEvent::Failed { .. }))
            .count();
        assert_eq!(failed, 1, "{what}");
        assert_eq!(fake.requests().len(), 1, "{what}: failures are not retried");
        // The next query on the same worker works: one failure leaves nothing stuck.
        let (next, _) = outcome(&mut w, 2).await;
        assert_eq!(next.unwrap(), 2, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_requeued_after_its_wait_and_never_fails_the_query() {
    let fake = FakeService::start(FakeConfig {
        retry_after: RetryAfter::Fractional(0.4),
        ..FakeConfig::default()
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let mut w = start(Api::Graph, &fake, home.path());
    fake.set_next_response(Reply::Throttle(Throttle::Graph));
    let (end, events) = outcome(&mut w, 1).await;
    assert_eq!(end.unwrap(), 1);
    let queued: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::Queued { why, .. } => Some(why.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        queued.iter().any(|w| w.contains("429")),
        "the analyst sees why it waits: {queued:?}"
    );
    assert_eq!(fake.requests().len(), 2);
    let throttled = events.iter().any(|e| {
        matches!(e, WorkerEvent::QuotaDetails(d) if d.last_throttle.as_ref().is_some_and(|t| t.body.contains("TooManyRequests")))
    });
    assert!(
        throttled,
        "the ledger keeps the 429 body for the details popup"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_counts_calls_that_failed() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let mut w = start(Api::Graph, &fake, home.path());
    fake.set_next_response(Reply::Semantic);
    let _ = outcome(&mut w, 1).await;
    let (_, events) = outcome(&mut w, 2).await;
    let used = events
        .iter()
        .rev()
        .find_map(|e| match e {
            WorkerEvent::Quota(q) => Some(q.windows[0].used),
            _ => None,
        })
        .unwrap();
    assert_eq!(used, 2.0, "a failed call still spent the tenant's quota");
}
