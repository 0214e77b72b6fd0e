//! The worker task: the only place queries are executed. The UI sends `Command`s on a
//! bounded channel and draws from the `WorkerEvent`s that come back; it never awaits a
//! backend itself. Each run gets a cancellation token, so Esc in the editor stops it.

pub mod local;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::backend::{Backend, RunError, RunRequest};
use crate::data::ResultSet;
use crate::quota::QuotaSnapshot;

/// Identifies one run, chosen by the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryId(pub u64);

/// What the UI asks of the worker.
#[derive(Debug)]
pub enum Command {
    Run { id: QueryId, request: RunRequest },
    Cancel { id: QueryId },
    Shutdown,
}

/// What the worker tells the UI.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// The backend is ready; `description` says what it holds (e.g. the demo dataset's size).
    Ready {
        description: String,
    },
    /// The backend could not be prepared; queries will fail with this reason.
    Unavailable {
        reason: String,
    },
    Started {
        id: QueryId,
    },
    Finished {
        id: QueryId,
        result: Arc<ResultSet>,
    },
    Failed {
        id: QueryId,
        error: RunError,
        elapsed: Duration,
    },
    Cancelled {
        id: QueryId,
    },
    Quota(QuotaSnapshot),
}

/// The UI's ends of the worker's channels.
pub struct WorkerHandle {
    pub commands: mpsc::Sender<Command>,
    pub events: mpsc::UnboundedReceiver<WorkerEvent>,
}

/// How many commands may wait before the UI is told the worker is busy.
pub const COMMAND_QUEUE: usize = 64;

/// Start the worker on the current tokio runtime.
pub fn spawn(backend: Arc<dyn Backend>) -> WorkerHandle {
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    tokio::spawn(worker_loop(backend, cmd_rx, ev_tx));
    WorkerHandle {
        commands: cmd_tx,
        events: ev_rx,
    }
}

type Done = (QueryId, Result<ResultSet, RunError>, Duration);

async fn worker_loop(
    backend: Arc<dyn Backend>,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::UnboundedSender<WorkerEvent>,
) {
    let kind = backend.kind();
    let mut quota = QuotaSnapshot::unmetered(kind.name());
    quota.metered = kind.spends_quota();
    let _ = events.send(WorkerEvent::Quota(quota.clone()));
    {
        let (backend, events) = (Arc::clone(&backend), events.clone());
        tokio::spawn(async move {
            let _ = events.send(match backend.prepare().await {
                Ok(description) => WorkerEvent::Ready { description },
                Err(error) => WorkerEvent::Unavailable {
                    reason: error.to_string(),
                },
            });
        });
    }

    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
    let mut running: HashMap<QueryId, CancellationToken> = HashMap::new();
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                None | Some(Command::Shutdown) => break,
                Some(Command::Run { id, request }) => {
                    let token = CancellationToken::new();
                    running.insert(id, token.clone());
                    let _ = events.send(WorkerEvent::Started { id });
                    tracing::info!(id = id.0, backend = kind.name(), bytes = request.query.len(), "run");
                    let backend = Arc::clone(&backend);
                    let done = done_tx.clone();
                    tokio::spawn(async move {
                        let started = Instant::now();
                        let result = backend.run(&request, token).await;
                        let _ = done.send((id, result, started.elapsed()));
                    });
                }
                Some(Command::Cancel { id }) => {
                    if let Some(token) = running.get(&id) {
                        token.cancel();
                    }
                }
            },
            Some((id, result, elapsed)) = done_rx.recv() => {
                running.remove(&id);
                let event = match result {
                    Ok(result) => {
                        tracing::info!(id = id.0, rows = result.table.row_count(), ?elapsed, "finished");
                        if kind.spends_quota() {
                            quota.session_calls += 1;
                        }
                        WorkerEvent::Finished { id, result: Arc::new(result) }
                    }
                    Err(RunError::Cancelled) => WorkerEvent::Cancelled { id },
                    Err(error) => {
                        tracing::info!(id = id.0, %error, "failed");
                        WorkerEvent::Failed { id, error, elapsed }
                    }
                };
                let _ = events.send(event);
                let _ = events.send(WorkerEvent::Quota(quota.clone()));
            }
        }
    }
    for token in running.values() {
        token.cancel();
    }
}
