//! The worker against a scripted in-process backend and a real quota store with tight
//! limits: queries wait for the ledger instead of provoking 429s, a 429 requeues, repeats
//! come from the cache, identical requests in flight collapse, queued queries cancel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use kqlhunt::backend::{Backend, BackendKind, RunError, RunRequest};
use kqlhunt::data::{Origin, ResultSet, Table};
use kqlhunt::quota::{Limits, Store, SystemClock};
use kqlhunt::worker::{self, Command, QueryId, WorkerEvent, WorkerHandle, WorkerOptions};
use tokio_util::sync::CancellationToken;

/// Answers every query after `delay`; the first `throttle` calls get a 429.
struct Scripted {
    sent: Mutex<Vec<Instant>>,
    throttle: AtomicUsize,
    delay: Duration,
}

impl Scripted {
    fn new(throttle: usize, delay: Duration) -> Arc<Self> {
        Arc::new(Scripted {
            sent: Mutex::new(Vec::new()),
            throttle: AtomicUsize::new(throttle),
            delay,
        })
    }
    fn calls(&self) -> usize {
        self.sent.lock().unwrap().len()
    }
}

impl Backend for Scripted {
    fn kind(&self) -> BackendKind {
        BackendKind::Graph
    }
    fn prepare(&self) -> BoxFuture<'_, Result<String, RunError>> {
        Box::pin(async { Ok("scripted".into()) })
    }
    fn run<'a>(
        &'a self,
        request: &'a RunRequest,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<ResultSet, RunError>> {
        Box::pin(async move {
            self.sent.lock().unwrap().push(Instant::now());
            tokio::select! {
                _ = tokio::time::sleep(self.delay) => {}
                _ = cancel.cancelled() => return Err(RunError::Cancelled),
            }
            if self.throttle.load(Ordering::SeqCst) > 0 {
                self.throttle.fetch_sub(1, Ordering::SeqCst);
                return Err(RunError::Throttled {
                    wait: Duration::from_millis(300),
                    message: "API calls quota exceeded! maximum allowed 45 per 00:01:00".into(),
                });
            }
            Ok(ResultSet::new(
                Table::default(),
                Origin {
                    query: request.query.clone(),
                    ..Default::default()
                },
            ))
        })
    }
}

fn store(calls: &str) -> Store {
    let dir = std::env::temp_dir().join(format!(
        "kqlhunt-worker-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    let table: toml::Table = toml::from_str(&format!(
        "calls = [\"{calls}\"]\nrun_time = []\nskew = \"0s\"\nheadroom = 0.0\nbackoff = \"100ms\"\nbackoff_cap = \"1s\""
    ))
    .unwrap();
    let limits = Limits::from_toml_for(BackendKind::Graph, &table).unwrap();
    Store::open_at(
        dir.join("quota.json"),
        BackendKind::Graph,
        limits,
        SystemClock,
    )
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn start(backend: Arc<Scripted>, calls: &str) -> WorkerHandle {
    worker::spawn(
        backend,
        WorkerOptions {
            quota: Some(store(calls)),
            ..Default::default()
        },
    )
}

async fn send(w: &WorkerHandle, id: u64, q: &str, fresh: bool) {
    w.commands
        .send(Command::Run {
            id: QueryId(id),
            request: RunRequest::new(q),
            fresh,
        })
        .await
        .unwrap();
}

/// Collect events until every id in `ids` has finished, failed or been cancelled.
async fn until_done(w: &mut WorkerHandle, ids: &[u64]) -> Vec<WorkerEvent> {
    let mut open: Vec<u64> = ids.to_vec();
    let mut seen = Vec::new();
    while !open.is_empty() {
        let ev = tokio::time::timeout(Duration::from_secs(10), w.events.recv())
            .await
            .expect("worker stalled")
            .unwrap();
        if let WorkerEvent::Finished { id, .. }
        | WorkerEvent::Failed { id, .. }
        | WorkerEvent::Cancelled { id } = &ev
        {
            open.retain(|i| *i != id.0);
        }
        seen.push(ev);
    }
    seen
}

#[tokio::test]
async fn queries_wait_for_the_ledger_instead_of_bursting() {
    let backend = Scripted::new(0, Duration::from_millis(5));
    let mut w = start(Arc::clone(&backend), "3 per 400ms");
    for i in 1..=7 {
        send(&w, i, &format!("DeviceInfo | take {i}"), false).await;
    }
    let events = until_done(&mut w, &[1, 2, 3, 4, 5, 6, 7]).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, WorkerEvent::Finished { .. }))
            .count(),
        7
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            WorkerEvent::Queued {
                sends_at: Some(_),
                ..
            }
        )),
        "some queries queued"
    );
    let sent = backend.sent.lock().unwrap().clone();
    for (i, a) in sent.iter().enumerate() {
        let in_window = sent[i..]
            .iter()
            .filter(|b| b.duration_since(*a) < Duration::from_millis(400))
            .count();
        assert!(
            in_window <= 3,
            "{in_window} calls within 400 ms of call {i}"
        );
    }
}

#[tokio::test]
async fn a_429_requeues_the_query_and_it_still_completes() {
    let backend = Scripted::new(1, Duration::from_millis(5));
    let mut w = start(Arc::clone(&backend), "45 per 1m");
    send(&w, 1, "DeviceInfo", false).await;
    let events = until_done(&mut w, &[1]).await;
    assert!(
        matches!(events.last(), Some(WorkerEvent::Finished { .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkerEvent::Queued { why, .. } if why.contains("429")))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkerEvent::Quota(q) if q.throttled_for.is_some()))
    );
    assert_eq!(backend.calls(), 2);
}

#[tokio::test]
async fn repeats_come_from_the_cache_unless_fresh() {
    let backend = Scripted::new(0, Duration::from_millis(5));
    let mut w = start(Arc::clone(&backend), "45 per 1m");
    send(&w, 1, "DeviceInfo | take 5", false).await;
    until_done(&mut w, &[1]).await;
    send(&w, 2, "// again\nDeviceInfo\n| take   5", false).await;
    let events = until_done(&mut w, &[2]).await;
    assert!(
        matches!(
            events.last(),
            Some(WorkerEvent::Finished {
                cached_age: Some(_),
                ..
            })
        ),
        "{events:?}"
    );
    assert_eq!(backend.calls(), 1);
    send(&w, 3, "DeviceInfo | take 5", true).await;
    let events = until_done(&mut w, &[3]).await;
    assert!(matches!(
        events.last(),
        Some(WorkerEvent::Finished {
            cached_age: None,
            ..
        })
    ));
    assert_eq!(backend.calls(), 2);
}

#[tokio::test]
async fn identical_requests_in_flight_collapse_into_one_call() {
    let backend = Scripted::new(0, Duration::from_millis(200));
    let mut w = start(Arc::clone(&backend), "45 per 1m");
    send(&w, 1, "DeviceInfo | take 1", false).await;
    send(&w, 2, "DeviceInfo | take 1", false).await;
    let events = until_done(&mut w, &[1, 2]).await;
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, WorkerEvent::Finished { .. }))
            .count(),
        2
    );
    assert_eq!(backend.calls(), 1);
}

#[tokio::test]
async fn a_queued_query_can_be_cancelled_before_it_is_sent() {
    let backend = Scripted::new(0, Duration::from_millis(5));
    let mut w = start(Arc::clone(&backend), "1 per 2s");
    send(&w, 1, "A", false).await;
    send(&w, 2, "B", false).await;
    // The second waits for the window; cancel it while it waits.
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), w.events.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(ev, WorkerEvent::Queued { id: QueryId(2), .. }) {
            break;
        }
    }
    w.commands
        .send(Command::Cancel { id: QueryId(2) })
        .await
        .unwrap();
    // (One query in flight at a time: A has finished by the time B is queued.)
    let events = until_done(&mut w, &[2]).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkerEvent::Cancelled { id: QueryId(2) }))
    );
    assert_eq!(backend.calls(), 1);
}
