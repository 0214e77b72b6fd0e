//! The `local` backend: the embedded KQL engine over local tables. Its catalog (today the
//! built-in demo dataset) is built off the async threads on first use, and queries run on
//! the blocking pool so a slow local query never stalls the worker; cancellation is checked
//! by the engine between operators and rows. Results and opened files (`LocalTables`) are
//! visible to every query beside the dataset.

use std::sync::Arc;
use std::time::Instant;

use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;

use crate::backend::{Backend, BackendKind, RunError, RunRequest};
use crate::data::{Origin, ResultSet};
use crate::engine::{Catalog, EngineError, ErrorKind, ExecContext};

use super::refine::LocalTables;

/// Where the local tables come from.
enum Source {
    /// The deterministic demo dataset, anchored at this time (ticks).
    Demo {
        now: i64,
    },
    Ready,
}

pub struct LocalBackend {
    source: Source,
    catalog: OnceCell<Arc<Catalog>>,
    /// Results and opened files, shared with the worker; they shadow same-named tables.
    tables: LocalTables,
}

impl LocalBackend {
    /// The demo dataset with timestamps in the 30 days before `now` (ticks since the epoch).
    pub fn demo(now: i64) -> Self {
        LocalBackend {
            source: Source::Demo { now },
            catalog: OnceCell::new(),
            tables: LocalTables::new(),
        }
    }

    /// A backend over tables already in hand (tests, opened files).
    pub fn with_catalog(catalog: Catalog) -> Self {
        LocalBackend {
            source: Source::Ready,
            catalog: OnceCell::new_with(Some(Arc::new(catalog))),
            tables: LocalTables::new(),
        }
    }

    /// Share `tables` (results, opened files) with this backend's own.
    pub fn with_tables(mut self, tables: LocalTables) -> Self {
        self.tables = tables;
        self
    }

    async fn catalog(&self) -> Result<Arc<Catalog>, RunError> {
        let now = match self.source {
            Source::Demo { now } => now,
            Source::Ready => 0,
        };
        self.catalog
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    Arc::new(Catalog::from_tables(
                        crate::demo::generate(now).into_tables(),
                    ))
                })
                .await
                .map_err(|e| RunError::Internal(format!("the demo dataset failed to build: {e}")))
            })
            .await
            .cloned()
    }
}

fn run_error(e: EngineError) -> RunError {
    let at = e.span.map(|s| s.start);
    match e.kind {
        ErrorKind::Syntax => RunError::Syntax {
            message: e.message,
            at,
        },
        ErrorKind::Semantic => RunError::Semantic {
            message: e.message,
            at,
        },
        ErrorKind::Unsupported => RunError::Unsupported {
            what: e.message,
            at,
        },
        ErrorKind::Cancelled => RunError::Cancelled,
    }
}

impl Backend for LocalBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Local
    }

    fn prepare(&self) -> BoxFuture<'_, Result<String, RunError>> {
        Box::pin(async move {
            let catalog = self.catalog().await?;
            let what = match self.source {
                Source::Demo { .. } => "demo",
                Source::Ready => "local tables",
            };
            Ok(format!(
                "{what} · {} tables · {} rows",
                catalog.populated_tables(),
                crate::data::format::group_digits(catalog.total_rows())
            ))
        })
    }

    fn run<'a>(
        &'a self,
        request: &'a RunRequest,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<ResultSet, RunError>> {
        Box::pin(async move {
            let catalog = Arc::new(self.tables.over(&*self.catalog().await?));
            run_local(catalog, &request.query, cancel).await
        })
    }
}

/// Run `query` with the engine over `catalog` on the blocking pool.
pub async fn run_local(
    catalog: Arc<Catalog>,
    query: &str,
    cancel: CancellationToken,
) -> Result<ResultSet, RunError> {
    let started_at = crate::data::time::now_ticks();
    let started = Instant::now();
    let ctx = ExecContext {
        now: started_at,
        cancel: cancel.clone(),
        ..Default::default()
    };
    let text = query.to_string();
    let task = tokio::task::spawn_blocking(move || crate::engine::execute(&catalog, &text, &ctx));
    let output = tokio::select! {
        joined = task => joined
            .map_err(|e| RunError::Internal(format!("the local engine failed: {e}")))?
            .map_err(run_error)?,
        _ = cancel.cancelled() => return Err(RunError::Cancelled),
    };
    let origin = Origin {
        backend: BackendKind::Local.name().into(),
        query: query.to_string(),
        started_at,
        elapsed: started.elapsed(),
        ..Origin::default()
    };
    let mut result = ResultSet::new(output.table, origin);
    result.visualization = output.visualization;
    Ok(result)
}
