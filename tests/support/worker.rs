//! Driving the real worker from a test: send one query and collect the worker's events
//! until that query finishes or fails.

use std::sync::Arc;
use std::time::Duration;

use kqlhunt::backend::{RunError, RunRequest};
use kqlhunt::data::ResultSet;
use kqlhunt::worker::{Command, QueryId, WorkerEvent, WorkerHandle};

/// Run `query` as query `id` (`fresh` skips the cache and local answers) and return how it
/// ended, with every event seen on the way.
pub async fn run_query(
    w: &mut WorkerHandle,
    id: u64,
    query: &str,
    fresh: bool,
) -> (Result<Arc<ResultSet>, RunError>, Vec<WorkerEvent>) {
    w.commands
        .send(Command::Run {
            id: QueryId(id),
            request: RunRequest::new(query),
            fresh,
        })
        .await
        .expect("worker alive");
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(20), w.events.recv())
            .await
            .expect("worker stalled")
            .expect("worker stopped");
        let end = match &ev {
            WorkerEvent::Finished { id: i, result, .. } if i.0 == id => {
                Some(Ok(Arc::clone(result)))
            }
            WorkerEvent::Failed { id: i, error, .. } if i.0 == id => Some(Err(error.clone())),
            _ => None,
        };
        seen.push(ev);
        if let Some(end) = end {
            return (end, seen);
        }
    }
}
