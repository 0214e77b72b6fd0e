//! The worker task: the only place queries are executed. The UI sends `Command`s on a
//! bounded channel and draws from the `WorkerEvent`s that come back; it never awaits a
//! backend itself. For metered backends the worker asks the quota ledger before every
//! call, holds queries in a queue until the ledger admits them, requeues a query after a
//! 429 once the wait is over, answers repeats from a result cache, and collapses identical
//! requests in flight into one call. Every result is kept as a local table (`$1`, `$last`),
//! and a query that only adds operators to an earlier remote one is answered locally from
//! that result at no quota cost (see `refine`). An earlier run's result is reopened only
//! from what the worker holds, never from the service (see `reopen`).
//!
//! The quota store reads and writes a file under a lock shared with other processes; every
//! use of it runs on tokio's blocking pool (`spawn_blocking`), so the async threads (and
//! the UI on them) never wait on the disk.

pub mod cache;
pub mod local;
pub mod refine;
pub mod reopen;
pub mod schema;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::auth::AuthEvent;
use crate::backend::{Backend, RunError, RunRequest};
use crate::data::ResultSet;
use crate::quota::{Admission, CallTicket, QuotaDetails, QuotaSnapshot, Store};
use cache::{QueryKey, ResultCache};
use refine::{History, LocalTables, Plan};

/// Identifies one run, chosen by the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueryId(pub u64);

/// What the UI asks of the worker.
#[derive(Debug)]
pub enum Command {
    /// Run a query; `fresh` skips the result cache and duplicate collapsing.
    Run {
        id: QueryId,
        request: RunRequest,
        fresh: bool,
    },
    Cancel {
        id: QueryId,
    },
    /// Ask the tenant for its tables' columns (one quota call, see `schema`); the answer
    /// comes back as `Finished { id, .. }` with TableName/ColumnName/ColumnType rows.
    RefreshSchema {
        id: QueryId,
    },
    /// Read data files into local tables named after them (`:open` in the workbench); the
    /// answer is `Opened` or `OpenFailed`.
    Open {
        paths: Vec<std::path::PathBuf>,
    },
    /// Show an earlier run's result again from what the worker holds (`reopen`), never
    /// from the service: `Finished` with `cached_age`, or `Failed` when it is gone.
    /// `name` is the run's `$N` when it ran in this session.
    Reopen {
        id: QueryId,
        request: RunRequest,
        name: Option<String>,
    },
    Shutdown,
}

/// What the worker tells the UI.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// Files became local tables: one line per file, and every local table's columns.
    Opened {
        opened: Vec<String>,
        tables: Vec<crate::data::TableSchema>,
    },
    /// No file of an `Open` was read (the first unreadable one is named).
    OpenFailed {
        reason: String,
    },
    /// The backend is ready; `description` says what it holds (e.g. the demo dataset's size).
    Ready {
        description: String,
    },
    /// The backend could not be prepared; queries will fail with this reason.
    Unavailable {
        reason: String,
    },
    /// The query waits for the quota; `sends_at` is when the ledger expects to admit it.
    Queued {
        id: QueryId,
        sends_at: Option<Instant>,
        why: String,
    },
    Started {
        id: QueryId,
    },
    /// `cached_age` is set when the answer came from the result cache (no quota spent).
    Finished {
        id: QueryId,
        result: Arc<ResultSet>,
        cached_age: Option<Duration>,
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
    /// The whole ledger, for the quota details popup; sent with every `Quota` of a
    /// metered backend.
    QuotaDetails(Box<QuotaDetails>),
    /// Sign-in needs the analyst (a device code to enter) or has ended: relayed from the
    /// token provider, which only ever puts the code, the URL and outcomes here, never a
    /// token or a secret.
    SignIn(AuthEvent),
}

/// The UI's ends of the worker's channels.
pub struct WorkerHandle {
    pub commands: mpsc::Sender<Command>,
    pub events: mpsc::UnboundedReceiver<WorkerEvent>,
}

/// How many commands may wait before the UI is told the worker is busy.
pub const COMMAND_QUEUE: usize = 64;

/// How the worker spends quota.
pub struct WorkerOptions {
    /// The shared quota ledger of a metered backend; `None` spends nothing (local).
    pub quota: Option<Store>,
    /// Sends per query, 429s included, before it fails.
    pub max_attempts: u32,
    /// How long an answer may be reused (0 disables the cache).
    pub cache_ttl: Duration,
    /// Results and opened files as local tables; share it with a `LocalBackend`.
    pub tables: LocalTables,
    /// The token provider's sign-in events, relayed to the UI as `WorkerEvent::SignIn`.
    pub auth_events: Option<mpsc::UnboundedReceiver<AuthEvent>>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        WorkerOptions {
            quota: None,
            max_attempts: 3,
            cache_ttl: Duration::from_secs(600),
            tables: LocalTables::new(),
            auth_events: None,
        }
    }
}

/// Start the worker on the current tokio runtime.
pub fn spawn(backend: Arc<dyn Backend>, options: WorkerOptions) -> WorkerHandle {
    let (cmd_tx, cmd_rx) = mpsc::channel(COMMAND_QUEUE);
    let (ev_tx, ev_rx) = mpsc::unbounded_channel();
    let worker = Worker::new(backend, options, ev_tx);
    tokio::spawn(worker.run(cmd_rx));
    WorkerHandle {
        commands: cmd_tx,
        events: ev_rx,
    }
}

/// One call to the backend, on behalf of one or more UI queries with the same key.
struct Job {
    ids: Vec<QueryId>,
    request: RunRequest,
    key: QueryKey,
    fresh: bool,
    attempts: u32,
    /// Answer locally instead of calling the backend.
    plan: Option<Plan>,
}

struct Running {
    seq: u64,
    job: Job,
    token: CancellationToken,
    ticket: Option<CallTicket>,
}

struct Done {
    seq: u64,
    result: Result<ResultSet, RunError>,
    elapsed: Duration,
}

struct Worker {
    backend: Arc<dyn Backend>,
    options: WorkerOptions,
    /// The quota store, used only on the blocking pool (`with_store`).
    quota: Option<Arc<Mutex<Store>>>,
    /// Calls in flight at once (the quota's `parallel`; unbounded when unmetered).
    max_running: usize,
    events: mpsc::UnboundedSender<WorkerEvent>,
    queue: VecDeque<Job>,
    running: Vec<Running>,
    cache: ResultCache,
    history: History,
    /// Results still addressable as `$N`, for `Reopen`.
    kept: reopen::Kept,
    /// Local answers (results, files, refinements) waiting to start: no quota, no queue.
    local_ready: Vec<Job>,
    next_seq: u64,
    /// When to ask the ledger again for the head of the queue.
    wake: Option<Instant>,
    done_tx: mpsc::UnboundedSender<Done>,
    done_rx: mpsc::UnboundedReceiver<Done>,
}

impl Worker {
    fn new(
        backend: Arc<dyn Backend>,
        mut options: WorkerOptions,
        events: mpsc::UnboundedSender<WorkerEvent>,
    ) -> Self {
        let (done_tx, done_rx) = mpsc::unbounded_channel();
        let max_running = options
            .quota
            .as_ref()
            .map_or(usize::MAX, |s| s.ledger().limits().parallel.max(1) as usize);
        let quota = options.quota.take().map(|s| Arc::new(Mutex::new(s)));
        let cache = ResultCache::new(if quota.is_some() {
            options.cache_ttl
        } else {
            Duration::ZERO
        });
        Worker {
            backend,
            history: History::new(options.tables.clone()),
            kept: reopen::Kept::default(),
            local_ready: Vec::new(),
            options,
            quota,
            max_running,
            events,
            queue: VecDeque::new(),
            running: Vec::new(),
            cache,
            next_seq: 0,
            wake: None,
            done_tx,
            done_rx,
        }
    }

    fn emit(&self, event: WorkerEvent) {
        let _ = self.events.send(event);
    }

    fn metered(&self) -> bool {
        self.quota.is_some()
    }

    /// Calls to the backend in flight (local answers do not count against `parallel`).
    fn remote_running(&self) -> usize {
        self.running.iter().filter(|r| r.job.plan.is_none()).count()
    }

    async fn publish_quota(&mut self) {
        let Some(store) = &self.quota else {
            let snapshot = QuotaSnapshot::unmetered(self.backend.kind().name());
            return self.emit(WorkerEvent::Quota(snapshot));
        };
        let now = Instant::now();
        let (snapshot, mut details) =
            with_store(store, move |s| (s.snapshot(now), s.details(now))).await;
        details.queued = self.queue.iter().map(|j| j.ids.len()).sum();
        self.emit(WorkerEvent::Quota(snapshot));
        self.emit(WorkerEvent::QuotaDetails(Box::new(details)));
    }

    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        self.publish_quota().await;
        {
            let (backend, events) = (Arc::clone(&self.backend), self.events.clone());
            tokio::spawn(async move {
                let _ = events.send(match backend.prepare().await {
                    Ok(description) => WorkerEvent::Ready { description },
                    Err(error) => WorkerEvent::Unavailable {
                        reason: error.to_string(),
                    },
                });
            });
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut auth = self.options.auth_events.take();
        loop {
            let wake = self.wake;
            tokio::select! {
                cmd = commands.recv() => match cmd {
                    None | Some(Command::Shutdown) => break,
                    Some(Command::Run { id, request, fresh }) => self.on_run(id, request, fresh),
                    Some(Command::Cancel { id }) => self.on_cancel(id),
                    Some(Command::RefreshSchema { id }) => self.on_run(id, schema::refresh_request(), true),
                    Some(Command::Open { paths }) => self.on_open(paths),
                    Some(Command::Reopen { id, request, name }) => self.on_reopen(id, &request, name.as_deref()),
                },
                Some(done) = self.done_rx.recv() => self.on_done(done).await,
                _ = sleep_until(wake), if wake.is_some() => self.wake = None,
                ev = next_auth(&mut auth) => {
                    match ev {
                        Some(ev) => self.emit(WorkerEvent::SignIn(ev)),
                        None => auth = None,
                    }
                    continue;
                }
                _ = tick.tick() => {
                    if self.metered() {
                        self.publish_quota().await;
                    }
                    continue;
                }
            }
            self.dispatch().await;
        }
        for r in &self.running {
            r.token.cancel();
        }
    }

    fn on_run(&mut self, id: QueryId, request: RunRequest, fresh: bool) {
        let key = QueryKey::of(&request);
        if !fresh {
            if let Some((result, age)) = self.cache.get(&key, Instant::now()) {
                tracing::info!(id = id.0, ?age, "answered from the result cache");
                self.emit(WorkerEvent::Finished {
                    id,
                    result,
                    cached_age: Some(age),
                });
                return;
            }
            let metered = self.metered();
            if metered && let Some(plan) = self.history.plan(&request, Instant::now()) {
                // Results and opened files live here, not in the tenant: no quota, no queue.
                tracing::info!(
                    id = id.0,
                    refined = plan.refined.is_some(),
                    "answered locally"
                );
                let job = Job {
                    ids: vec![id],
                    request,
                    key,
                    fresh,
                    attempts: 0,
                    plan: Some(plan),
                };
                // Started by the next `dispatch`, ahead of the queue and outside the quota.
                self.local_ready.push(job);
                return;
            }
            if metered
                && let Some(r) = self
                    .running
                    .iter_mut()
                    .find(|r| !r.job.fresh && r.job.key == key)
            {
                r.job.ids.push(id);
                let _ = self.events.send(WorkerEvent::Started { id });
                return;
            }
            if metered && let Some(job) = self.queue.iter_mut().find(|j| !j.fresh && j.key == key) {
                job.ids.push(id);
                return;
            }
        }
        self.queue.push_back(Job {
            ids: vec![id],
            request,
            key,
            fresh,
            attempts: 0,
            plan: None,
        });
    }

    /// Answer from held results only; the service is never asked.
    fn on_reopen(&mut self, id: QueryId, request: &RunRequest, name: Option<&str>) {
        let now = Instant::now();
        let answer = self.kept.answer(&mut self.cache, request, name, now);
        self.emit(match answer {
            Ok((result, age)) => WorkerEvent::Finished {
                id,
                result,
                cached_age: Some(age),
            },
            Err(error) => WorkerEvent::Failed {
                id,
                error,
                elapsed: Duration::ZERO,
            },
        });
    }

    /// Read files on the blocking pool; the tables appear for the next query.
    fn on_open(&mut self, paths: Vec<std::path::PathBuf>) {
        let (tables, events) = (self.options.tables.clone(), self.events.clone());
        tokio::spawn(async move {
            let read = {
                let tables = tables.clone();
                tokio::task::spawn_blocking(move || tables.open_files(&paths)).await
            };
            let _ = events.send(match read {
                Ok(Ok(opened)) => WorkerEvent::Opened {
                    opened,
                    tables: tables.schemas(),
                },
                Ok(Err(e)) => WorkerEvent::OpenFailed {
                    reason: e.to_string(),
                },
                Err(e) => WorkerEvent::OpenFailed {
                    reason: format!("reading the files failed: {e}"),
                },
            });
        });
    }

    fn on_cancel(&mut self, id: QueryId) {
        if let Some(pos) = self.queue.iter().position(|j| j.ids.contains(&id)) {
            self.queue[pos].ids.retain(|i| *i != id);
            if self.queue[pos].ids.is_empty() {
                self.queue.remove(pos);
            }
            self.emit(WorkerEvent::Cancelled { id });
        } else if let Some(r) = self.running.iter_mut().find(|r| r.job.ids.contains(&id)) {
            if r.job.ids.len() > 1 {
                // Others still wait for this answer: only this one stops waiting.
                r.job.ids.retain(|i| *i != id);
                let _ = self.events.send(WorkerEvent::Cancelled { id });
            } else {
                r.token.cancel();
            }
        }
    }

    /// Start local answers at once; send queued jobs while the ledger admits them.
    async fn dispatch(&mut self) {
        for job in std::mem::take(&mut self.local_ready) {
            self.start(job, None).await;
        }
        while !self.queue.is_empty() && self.remote_running() < self.max_running {
            let now = Instant::now();
            let ticket = match &self.quota {
                None => None,
                Some(store) => match with_store(store, move |s| {
                    s.begin_call(now)
                        .map_err(|a| (a, s.ledger().blocked_until(now).is_some()))
                })
                .await
                {
                    Ok(ticket) => Some(ticket),
                    Err((Admission::At(t), throttled)) => {
                        self.wake = Some(t);
                        let why = if throttled {
                            "throttled by the service (429)"
                        } else {
                            "waiting for the tenant's quota"
                        };
                        if let Some(job) = self.queue.front() {
                            for &id in &job.ids {
                                let why = why.to_string();
                                let _ = self.events.send(WorkerEvent::Queued {
                                    id,
                                    sends_at: Some(t),
                                    why,
                                });
                            }
                        }
                        return;
                    }
                    Err((Admission::Refused(why), _)) => {
                        let job = self.queue.pop_front().expect("queue is not empty");
                        for id in job.ids {
                            let error = RunError::Refused(why.to_string());
                            let _ = self.events.send(WorkerEvent::Failed {
                                id,
                                error,
                                elapsed: Duration::ZERO,
                            });
                        }
                        continue;
                    }
                    Err((Admission::Now, _)) => None,
                },
            };
            let job = self.queue.pop_front().expect("queue is not empty");
            self.start(job, ticket).await;
        }
    }

    async fn start(&mut self, job: Job, ticket: Option<CallTicket>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let token = CancellationToken::new();
        for &id in &job.ids {
            self.emit(WorkerEvent::Started { id });
        }
        tracing::info!(
            seq,
            backend = self.backend.kind().name(),
            bytes = job.request.query.len(),
            "run"
        );
        let (backend, done, request, cancel) = (
            Arc::clone(&self.backend),
            self.done_tx.clone(),
            job.request.clone(),
            token.clone(),
        );
        let local = job
            .plan
            .as_ref()
            .map(|p| (p.query.clone(), Arc::new(self.options.tables.snapshot())));
        tokio::spawn(async move {
            let started = Instant::now();
            let result = match local {
                Some((query, tables)) => local::run_local(tables, &query, cancel).await,
                None => backend.run(&request, cancel).await,
            };
            let _ = done.send(Done {
                seq,
                result,
                elapsed: started.elapsed(),
            });
        });
        self.running.push(Running {
            seq,
            job,
            token,
            ticket,
        });
        if self.metered() {
            self.publish_quota().await;
        }
    }

    async fn on_done(&mut self, done: Done) {
        let Some(pos) = self.running.iter().position(|r| r.seq == done.seq) else {
            return;
        };
        let Running {
            mut job, ticket, ..
        } = self.running.remove(pos);
        let now = Instant::now();
        if let (Some(store), Some(ticket)) = (&self.quota, ticket) {
            match &done.result {
                Ok(result) => {
                    let runtime = result
                        .origin
                        .stats
                        .as_ref()
                        .and_then(|s| s.execution_time)
                        .filter(|s| s.is_finite() && *s >= 0.0)
                        .map(Duration::from_secs_f64);
                    with_store(store, move |s| s.end_call(&ticket, now, runtime)).await;
                }
                Err(RunError::Throttled { wait, message }) => {
                    let (wait, message) = ((!wait.is_zero()).then_some(*wait), message.clone());
                    let outcome = with_store(store, move |s| {
                        s.end_call(&ticket, now, Some(Duration::ZERO));
                        s.throttled(now, wait, &message)
                    })
                    .await;
                    tracing::warn!(wait = ?outcome.wait, "throttled by the service");
                    job.attempts += 1;
                    if job.attempts < self.options.max_attempts.max(1) {
                        for &id in &job.ids {
                            let why = format!(
                                "throttled by the service (429); retry {} of {}",
                                job.attempts,
                                self.options.max_attempts.max(1) - 1
                            );
                            let _ = self.events.send(WorkerEvent::Queued {
                                id,
                                sends_at: Some(outcome.until),
                                why,
                            });
                        }
                        self.queue.push_front(job);
                        self.publish_quota().await;
                        return;
                    }
                }
                Err(_) => with_store(store, move |s| s.end_call(&ticket, now, None)).await,
            }
        }
        let refined = job.plan.as_ref().and_then(|p| p.refined.clone());
        match done.result {
            Err(
                RunError::Syntax { .. } | RunError::Semantic { .. } | RunError::Unsupported { .. },
            ) if refined.is_some() => {
                // The extra operators need something only the service has (a table, a
                // function the engine lacks): ask the service after all.
                tracing::info!("the local refine could not answer; sending to the service");
                job.plan = None;
                self.queue.push_front(job);
            }
            Ok(mut result) => {
                tracing::info!(rows = result.table.row_count(), elapsed = ?done.elapsed, "finished");
                let from_service = job.plan.is_none() && self.metered();
                if let Some(plan) = &job.plan {
                    result.origin.query = job.request.query.clone();
                    result.origin.refined = plan.refined.clone();
                }
                self.history
                    .record(&job.request, &mut result, from_service, now);
                let result = Arc::new(result);
                self.kept
                    .remember(job.key.clone(), now, &result, &self.options.tables);
                if job.plan.is_none() {
                    self.cache.put(job.key, now, Arc::clone(&result));
                }
                for id in job.ids {
                    self.emit(WorkerEvent::Finished {
                        id,
                        result: Arc::clone(&result),
                        cached_age: None,
                    });
                }
            }
            Err(RunError::Cancelled) => {
                for id in job.ids {
                    self.emit(WorkerEvent::Cancelled { id });
                }
            }
            Err(error) => {
                tracing::info!(%error, "failed");
                for id in job.ids {
                    self.emit(WorkerEvent::Failed {
                        id,
                        error: error.clone(),
                        elapsed: done.elapsed,
                    });
                }
            }
        }
        self.publish_quota().await;
    }
}

/// Run `op` on the quota store on the blocking pool: its file I/O and lock waits never
/// hold an async thread.
async fn with_store<R: Send + 'static>(
    store: &Arc<Mutex<Store>>,
    op: impl FnOnce(&mut Store) -> R + Send + 'static,
) -> R {
    let store = Arc::clone(store);
    let joined = tokio::task::spawn_blocking(move || {
        let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
        op(&mut store)
    })
    .await;
    match joined {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // The runtime is shutting down (the process is exiting): nobody waits for an
        // answer, so wait with the rest of the worker to be dropped instead of panicking.
        Err(_) => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

async fn next_auth(rx: &mut Option<mpsc::UnboundedReceiver<AuthEvent>>) -> Option<AuthEvent> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}
