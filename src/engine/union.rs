//! `union` (as a source and as an operator): legs are tables, `let` names, subqueries or
//! wildcards over table names (`Device*`). `kind=outer` (the default) keeps every column,
//! null where a leg lacks it; `kind=inner` keeps the columns all legs share;
//! `withsource=Name` adds the leg's name as the first column; `isfuzzy=true` skips legs
//! that do not resolve.

use std::sync::Arc;

use super::run::{resolve_table, tabular};
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::{Column, ColumnData, Kind, Table, ValueRef};
use crate::kql::ast::{ExprKind, Literal, Source, Tabular, Union, glob_matches};

/// `union T1, T2, ...` as a source.
pub fn source(scope: &Scope<'_>, u: &Union) -> Result<Table, EngineError> {
    let legs = legs(scope, u)?;
    combine(legs, u)
}

/// `input | union T1, ...`: the piped table is the first leg.
pub fn operator(input: Arc<Table>, u: &Union, scope: &Scope<'_>) -> Result<Table, EngineError> {
    let mut legs = vec![("union_arg0".to_string(), input)];
    legs.extend(legs_from(scope, u, 1)?);
    combine(legs, u)
}

fn param<'a>(u: &'a Union, name: &str) -> Option<&'a crate::kql::ast::Expr> {
    u.params
        .iter()
        .find(|p| p.name.name.eq_ignore_ascii_case(name))
        .map(|p| &p.value)
}

fn param_text(u: &Union, name: &str) -> Option<String> {
    param(u, name).and_then(|v| match &v.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
        ExprKind::Literal(Literal::Bool(b)) => Some(b.to_string()),
        _ => None,
    })
}

fn legs(scope: &Scope<'_>, u: &Union) -> Result<Vec<(String, Arc<Table>)>, EngineError> {
    legs_from(scope, u, 0)
}

/// Every leg, named as `withsource` reports it.
fn legs_from(
    scope: &Scope<'_>,
    u: &Union,
    first: usize,
) -> Result<Vec<(String, Arc<Table>)>, EngineError> {
    let fuzzy = param_text(u, "isfuzzy").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut out = Vec::new();
    for (i, t) in u.tables.iter().enumerate() {
        match plain_name(t) {
            Some(name) if name.contains('*') => {
                let mut names: Vec<&str> = scope
                    .catalog
                    .names()
                    .filter(|n| glob_matches(name, n))
                    .collect();
                names.sort_unstable();
                for n in names {
                    out.push((n.to_string(), resolve_table(scope, n, t.span)?));
                }
            }
            Some(name) => match resolve_table(scope, name, t.span) {
                Ok(table) => out.push((name.to_string(), table)),
                Err(_) if fuzzy => {}
                Err(e) => return Err(e),
            },
            None => match tabular(scope, t) {
                Ok(o) => out.push((format!("union_arg{}", first + i), Arc::new(o.table))),
                Err(_) if fuzzy => {}
                Err(e) => return Err(e),
            },
        }
    }
    if out.is_empty() && fuzzy {
        return Err(Loc(u.span).semantic("no leg of the fuzzy union resolved"));
    }
    Ok(out)
}

/// A leg that is just a (possibly wildcard) table name.
fn plain_name(t: &Tabular) -> Option<&str> {
    match (&t.source, t.ops.is_empty()) {
        (Source::Table(id), true) => Some(&id.name),
        _ => None,
    }
}

fn combine(legs: Vec<(String, Arc<Table>)>, u: &Union) -> Result<Table, EngineError> {
    let loc = Loc(u.span);
    let inner = match param_text(u, "kind").map(|k| k.to_ascii_lowercase()) {
        None => false,
        Some(k) if k == "outer" => false,
        Some(k) if k == "inner" => true,
        Some(k) => return Err(loc.semantic(format!("union kind must be inner or outer, not {k}"))),
    };
    combine_legs(legs, inner, param_text(u, "withsource"), loc)
}

/// Stack `legs` (named for the `source` column, if any); `inner` keeps shared columns.
pub fn combine_legs(
    legs: Vec<(String, Arc<Table>)>,
    inner: bool,
    source: Option<String>,
    loc: Loc,
) -> Result<Table, EngineError> {
    // The output schema: names in first-seen order; a name seen with several kinds becomes
    // one column per kind, each suffixed with its kind, as Kusto does.
    let mut schema: Vec<(String, Kind, String)> = Vec::new();
    let mut placement: Vec<Vec<usize>> = Vec::new();
    for (_, t) in &legs {
        let mut place = Vec::new();
        for c in t.columns() {
            let idx = match schema
                .iter()
                .position(|(n, k, _)| *n == c.name && *k == c.kind())
            {
                Some(i) => i,
                None => {
                    schema.push((c.name.clone(), c.kind(), c.name.clone()));
                    schema.len() - 1
                }
            };
            place.push(idx);
        }
        placement.push(place);
    }
    let clashing: Vec<bool> = schema
        .iter()
        .map(|(n, _, _)| schema.iter().filter(|(m, _, _)| m == n).count() > 1)
        .collect();
    for ((name, kind, out), clash) in schema.iter_mut().zip(clashing) {
        if clash {
            *out = format!("{name}_{}", kind.kql_name());
        }
    }
    let keep: Vec<bool> = (0..schema.len())
        .map(|i| !inner || placement.iter().all(|p| p.contains(&i)))
        .collect();
    let rows: usize = legs.iter().map(|(_, t)| t.row_count()).sum();
    let mut data: Vec<ColumnData> = schema
        .iter()
        .map(|(_, k, _)| ColumnData::with_capacity(*k, rows))
        .collect();
    for ((_, t), place) in legs.iter().zip(&placement) {
        for (out_idx, col) in data.iter_mut().enumerate() {
            if !keep[out_idx] {
                continue;
            }
            match place.iter().position(|&p| p == out_idx) {
                Some(src) => {
                    let src = &t.columns()[src].data;
                    for r in 0..t.row_count() {
                        col.push(src.get(r));
                    }
                }
                None => (0..t.row_count()).for_each(|_| col.push_null()),
            }
        }
    }
    let mut columns = Vec::new();
    if let Some(source_col) = source {
        let mut col = ColumnData::with_capacity(Kind::String, rows);
        for (name, t) in &legs {
            (0..t.row_count()).for_each(|_| {
                col.push(ValueRef::String(name));
            });
        }
        columns.push(Column::new(source_col, col));
    }
    for ((_, _, name), (col, k)) in schema.into_iter().zip(data.into_iter().zip(keep)) {
        if k {
            columns.push(Column::new(name, col));
        }
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}
