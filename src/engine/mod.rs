//! The local KQL engine: executes the parser's AST over `data::Table`s with Kusto's
//! semantics. It backs the `local` backend (demo dataset, files, cached results). What it
//! cannot run yet it refuses with "not supported locally: X" and the span, never with
//! a silently different answer.

pub mod functions;
mod ops;
mod scalar;
pub mod strings;

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::data::Table;
use crate::kql::ast::{Source, Statement, Tabular};
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
    fn check_cancelled(&self) -> Result<(), EngineError> {
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
    let mut result = None;
    for statement in &parsed.script.statements {
        match statement {
            Statement::Query(tabular) => {
                if result.is_some() {
                    return Err(Loc(tabular.span)
                        .unsupported("more than one query in a run; select the one to run"));
                }
                result = Some(tabular);
            }
            Statement::Let(l) => return Err(Loc(l.span).unsupported("let statements")),
            other => return Err(Loc(other.span()).unsupported("this statement")),
        }
    }
    let Some(tabular) = result else {
        return Err(Loc(Span::empty(0)).syntax("there is no query to run"));
    };
    run_tabular(catalog, tabular, ctx)
}

fn run_tabular(
    catalog: &Catalog,
    tabular: &Tabular,
    ctx: &ExecContext,
) -> Result<Output, EngineError> {
    let mut table = match &tabular.source {
        Source::Table(id) => lookup(catalog, &id.name, id.span)?.as_ref().clone(),
        Source::Paren(inner) => run_tabular(catalog, inner, ctx)?.table,
        Source::Error(span) => return Err(Loc(*span).syntax("expected a table name")),
        other => return Err(Loc(tabular.span).unsupported(source_name(other))),
    };
    let mut visualization = None;
    for op in &tabular.ops {
        ctx.check_cancelled()?;
        table = ops::apply(table, op, ctx, &mut visualization)?;
    }
    ctx.check_cancelled()?;
    Ok(Output {
        table,
        visualization,
    })
}

fn source_name(source: &Source) -> &'static str {
    match source {
        Source::Call(_) => "table functions",
        Source::Materialize(_) => "materialize",
        Source::Union(_) => "union",
        Source::Datatable(_) => "datatable",
        Source::ExternalData(_) => "externaldata",
        Source::Print(_) => "print",
        Source::Range(_) => "range",
        Source::Search(_) => "search",
        Source::Find(_) => "find",
        Source::Table(_) | Source::Paren(_) | Source::Error(_) => "this source",
    }
}

fn lookup<'c>(catalog: &'c Catalog, name: &str, span: Span) -> Result<&'c Arc<Table>, EngineError> {
    catalog.get(name).ok_or_else(|| {
        let hint = catalog
            .names()
            .find(|n| n.eq_ignore_ascii_case(name))
            .map(|n| format!(" (did you mean '{n}'? table names are case-sensitive)"))
            .unwrap_or_default();
        Loc(span).semantic(format!(
            "Failed to resolve table expression named '{name}'{hint}"
        ))
    })
}
