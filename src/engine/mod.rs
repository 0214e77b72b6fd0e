//! The local KQL engine: executes the parser's AST over `data::Table`s with Kusto's
//! semantics. It backs the `local` backend (demo dataset, files, cached results). What it
//! cannot run yet it refuses with "not supported locally: X" and the span, never with
//! a silently different answer.
//!
//! How a query runs: `run` binds `let` statements in a `scope` (scalars, lazily run
//! tables, functions) and resolves the query's source (`sources`, `union`, `search`,
//! the Defender functions in `defender`); `ops` applies each operator, with the larger
//! ones in their own files (`summarize` + `aggregate`, `join`, `mvexpand`, `parse`,
//! `series`, `topnested`, `evaluate`). Expressions are bound by `scalar` (functions in
//! `functions`) after `rewrite` has resolved what needs the scope: user functions,
//! `toscalar`, and tables or arrays in `in` lists. `keys` hashes cells for grouping and
//! joins.

mod aggregate;
mod defender;
mod evaluate;
pub mod functions;
mod join;
mod keys;
mod mvexpand;
mod ops;
mod parse;
mod rewrite;
mod run;
mod scalar;
mod scope;
mod search;
mod series;
mod sources;
pub mod strings;
mod summarize;
mod topnested;
mod union;

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::data::{Kind, Table, Value};
use crate::kql::span::Span;

/// The tables a local query can name. Cloning is cheap: tables are shared.
#[derive(Clone, Default, Debug)]
pub struct Catalog {
    tables: BTreeMap<String, Arc<Table>>,
}

impl Catalog {
    pub fn from_tables(tables: impl IntoIterator<Item = (String, Table)>) -> Self {
        Catalog {
            tables: tables.into_iter().map(|(n, t)| (n, Arc::new(t))).collect(),
        }
    }

    pub fn insert(&mut self, name: impl Into<String>, table: Table) {
        self.tables.insert(name.into(), Arc::new(table));
    }

    /// Add a table that is shared with others (a result on screen, another catalog).
    pub fn insert_shared(&mut self, name: impl Into<String>, table: Arc<Table>) {
        self.tables.insert(name.into(), table);
    }

    pub fn remove(&mut self, name: &str) -> Option<Arc<Table>> {
        self.tables.remove(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &Arc<Table>)> {
        self.tables.iter().map(|(n, t)| (n.as_str(), t))
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Table>> {
        self.tables.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// Tables that hold at least one row.
    pub fn populated_tables(&self) -> usize {
        self.tables.values().filter(|t| t.row_count() > 0).count()
    }

    pub fn total_rows(&self) -> usize {
        self.tables.values().map(|t| t.row_count()).sum()
    }
}

/// Per-query settings: `now()` is pinned for the whole query, as in Kusto.
#[derive(Clone, Debug, Default)]
pub struct ExecContext {
    /// Ticks since the Unix epoch.
    pub now: i64,
    pub cancel: CancellationToken,
    /// Scalar `let` values in scope (and values the engine computed for `toscalar()`).
    pub scalars: Arc<BTreeMap<String, (Kind, Value)>>,
    /// The first error a scalar function raised while evaluating rows (functions return
    /// values, not results, so they record it here and the engine reports it).
    pub fault: Fault,
}

/// A shared slot for the first row-level error of a query.
#[derive(Clone, Debug, Default)]
pub struct Fault(Arc<std::sync::Mutex<Option<EngineError>>>);

impl Fault {
    /// Record `e` unless an earlier error is already recorded.
    pub fn raise(&self, e: EngineError) {
        if let Ok(mut slot) = self.0.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
    }

    fn take(&self) -> Option<EngineError> {
        self.0.lock().ok().and_then(|mut s| s.take())
    }
}

impl ExecContext {
    /// The value and kind of a scalar `let` name in scope.
    pub(crate) fn let_scalar(&self, name: &str) -> Option<(Kind, &Value)> {
        self.scalars.get(name).map(|(k, v)| (*k, v))
    }

    pub(crate) fn check_cancelled(&self) -> Result<(), EngineError> {
        if let Some(e) = self.fault.take() {
            return Err(e);
        }
        if self.cancel.is_cancelled() {
            Err(EngineError {
                kind: ErrorKind::Cancelled,
                message: "cancelled".into(),
                span: None,
            })
        } else {
            Ok(())
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Syntax,
    Semantic,
    Unsupported,
    Cancelled,
}

/// Why a local query failed, with the span of the text responsible.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EngineError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Option<Span>,
}

/// A span, for building errors tersely.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Loc(pub Span);

impl Loc {
    fn err(self, kind: ErrorKind, message: impl Into<String>) -> EngineError {
        EngineError {
            kind,
            message: message.into(),
            span: Some(self.0),
        }
    }
    pub(crate) fn syntax(self, m: impl Into<String>) -> EngineError {
        self.err(ErrorKind::Syntax, m)
    }
    pub(crate) fn semantic(self, m: impl Into<String>) -> EngineError {
        self.err(ErrorKind::Semantic, m)
    }
    pub(crate) fn unsupported(self, m: impl Into<String>) -> EngineError {
        self.err(ErrorKind::Unsupported, m)
    }
}

/// A query's answer.
#[derive(Debug)]
pub struct Output {
    pub table: Table,
    /// The chart kind a `render` operator asked for.
    pub visualization: Option<String>,
}

/// Parse and run `query` against `catalog`.
pub fn execute(catalog: &Catalog, query: &str, ctx: &ExecContext) -> Result<Output, EngineError> {
    let parsed = crate::kql::parse(query);
    if let Some(d) = parsed.errors().next() {
        return Err(Loc(d.span).syntax(d.message.clone()));
    }
    run::script(catalog, &parsed.script, ctx)
}
