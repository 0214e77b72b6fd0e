//! `search`: rows of the named tables (all tables without `in (...)`, or the piped
//! input) where the predicate holds. A bare string term in the predicate means "some
//! column has this term" (case-insensitive unless `kind=case_sensitive`; `*` at an end
//! of the term matches a prefix, a suffix or, at both ends, any substring). Over tables,
//! the output starts with `$table`; a table lacking a column the predicate names is
//! skipped, as Kusto's search does. `find` is here too.

use std::sync::Arc;

use super::ops::filter;
use super::run::resolve_table;
use super::scope::Scope;
use super::union::combine_legs;
use super::{EngineError, ErrorKind, Loc};
use crate::data::format::json_value;
use crate::data::{Column, ColumnData, Kind, Table, ValueRef};
use crate::kql::ast::{BinOp, Expr, ExprKind, Find, Literal, Search};

/// `search ...` as a source.
pub fn source(scope: &Scope<'_>, s: &Search) -> Result<Table, EngineError> {
    let loc = Loc(s.span);
    let names: Vec<String> = if s.tables.is_empty() {
        scope.catalog.names().map(str::to_string).collect()
    } else {
        s.tables.iter().map(|t| t.name.clone()).collect()
    };
    let mut legs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let span = s.tables.get(i).map_or(s.span, |t| t.span);
        let table = resolve_table(scope, name, span)?;
        match matching(scope, table, s) {
            Ok(rows) => legs.push((name.clone(), rows)),
            Err(e) if e.kind == ErrorKind::Semantic => {}
            Err(e) => return Err(e),
        }
    }
    combine_legs(legs, false, Some("$table".into()), loc)
}

/// `T | search ...`.
pub fn operator(
    table: Arc<Table>,
    s: &Search,
    scope: &Scope<'_>,
) -> Result<Arc<Table>, EngineError> {
    matching(scope, table, s)
}

fn matching(scope: &Scope<'_>, table: Arc<Table>, s: &Search) -> Result<Arc<Table>, EngineError> {
    let case_sensitive = s.params.iter().any(|p| {
        p.name.name.eq_ignore_ascii_case("kind")
            && matches!(&p.value.kind, ExprKind::Name(n) if n == "case_sensitive")
    });
    let columns: Vec<String> = table.columns().iter().map(|c| c.name.clone()).collect();
    let pred = terms(&s.predicate, &columns, case_sensitive);
    filter(table, &pred, scope, None)
}

/// The predicate with bare string terms replaced by "some column has the term".
fn terms(e: &Expr, columns: &[String], cs: bool) -> Expr {
    let kind = match &e.kind {
        ExprKind::Literal(Literal::String(term)) => return any_column(term, columns, cs, e),
        ExprKind::Binary { op, lhs, rhs } if op.is_logical() => ExprKind::Binary {
            op: *op,
            lhs: Box::new(terms(lhs, columns, cs)),
            rhs: Box::new(terms(rhs, columns, cs)),
        },
        ExprKind::Call(c) if c.name.name == "not" => ExprKind::Call(crate::kql::ast::Call {
            name: c.name.clone(),
            args: c.args.iter().map(|a| terms(a, columns, cs)).collect(),
            span: c.span,
        }),
        _ => return e.clone(),
    };
    Expr { kind, span: e.span }
}

fn any_column(term: &str, columns: &[String], cs: bool, at: &Expr) -> Expr {
    let (op, text) = match (term.starts_with('*'), term.ends_with('*') && term.len() > 1) {
        (true, true) => (
            if cs {
                BinOp::ContainsCs
            } else {
                BinOp::Contains
            },
            &term[1..term.len() - 1],
        ),
        (false, true) => (
            if cs {
                BinOp::HasPrefixCs
            } else {
                BinOp::HasPrefix
            },
            &term[..term.len() - 1],
        ),
        (true, false) => (
            if cs {
                BinOp::HasSuffixCs
            } else {
                BinOp::HasSuffix
            },
            &term[1..],
        ),
        (false, false) => (if cs { BinOp::HasCs } else { BinOp::Has }, term),
    };
    let mk = |kind| Expr {
        kind,
        span: at.span,
    };
    let mut out: Option<Expr> = None;
    for c in columns {
        let test = mk(ExprKind::Binary {
            op,
            lhs: Box::new(mk(ExprKind::Name(c.clone()))),
            rhs: Box::new(mk(ExprKind::Literal(Literal::String(text.to_string())))),
        });
        out = Some(match out {
            None => test,
            Some(prev) => mk(ExprKind::Binary {
                op: BinOp::Or,
                lhs: Box::new(prev),
                rhs: Box::new(test),
            }),
        });
    }
    out.unwrap_or_else(|| mk(ExprKind::Literal(Literal::Bool(false))))
}

/// `find [withsource=N] in (T, ...) where predicate [project c, ...]`: the matching rows
/// of each table, with `source_` (or the `withsource` name) naming the table. With
/// `project`, the listed columns (null where a table lacks one); otherwise Kusto's
/// "project-smart": the columns the predicate names, the columns every table has, and
/// `pack_`, a bag of each row's other non-empty values. Tables lacking a column the
/// predicate needs are skipped; without `in (...)`, every table is searched.
pub fn find(scope: &Scope<'_>, f: &Find) -> Result<Table, EngineError> {
    let loc = Loc(f.span);
    let source_name = f
        .params
        .iter()
        .find(|p| p.name.name.eq_ignore_ascii_case("withsource"))
        .and_then(|p| p.value.as_name().map(str::to_string))
        .unwrap_or_else(|| "source_".into());
    let mut legs: Vec<(String, Arc<Table>)> = Vec::new();
    if f.tables.is_empty() {
        for name in scope.catalog.names() {
            legs.push((name.to_string(), resolve_table(scope, name, f.span)?));
        }
    } else {
        for t in &f.tables {
            let name = match (&t.source, t.ops.is_empty()) {
                (crate::kql::ast::Source::Table(id), true) => id.name.clone(),
                _ => format!("union_arg{}", legs.len()),
            };
            legs.push((name, Arc::new(super::run::tabular(scope, t)?.table)));
        }
    }
    let mut matched = Vec::new();
    for (name, table) in legs {
        match filter(table, &f.predicate, scope, None) {
            Ok(rows) => matched.push((name, rows)),
            Err(e) if e.kind == ErrorKind::Semantic => {}
            Err(e) => return Err(e),
        }
    }
    let chosen: Vec<String> = if f.project.is_empty() {
        let mut mentioned = Vec::new();
        predicate_names(&f.predicate, &mut mentioned);
        let mut cols: Vec<String> = mentioned
            .into_iter()
            .filter(|n| matched.iter().any(|(_, t)| t.column(n).is_some()))
            .collect();
        if let Some((_, first)) = matched.first() {
            for c in first.columns() {
                if matched.iter().all(|(_, t)| t.column(&c.name).is_some())
                    && !cols.contains(&c.name)
                {
                    cols.push(c.name.clone());
                }
            }
        }
        cols
    } else {
        f.project
            .iter()
            .map(|e| {
                e.as_name()
                    .map(str::to_string)
                    .ok_or_else(|| Loc(e.span).unsupported("find project of an expression"))
            })
            .collect::<Result<_, _>>()?
    };
    let smart = f.project.is_empty();
    let mut shaped = Vec::new();
    for (name, t) in matched {
        let rows = t.row_count();
        let mut columns: Vec<Column> = chosen
            .iter()
            .map(|c| match t.column(c) {
                Some(col) => col.clone(),
                None => {
                    let mut data = ColumnData::new(Kind::Dynamic);
                    (0..rows).for_each(|_| data.push_null());
                    Column::new(c.clone(), data)
                }
            })
            .collect();
        if smart {
            let mut pack = ColumnData::with_capacity(Kind::Dynamic, rows);
            for r in 0..rows {
                let mut bag = serde_json::Map::new();
                for c in t.columns().iter().filter(|c| !chosen.contains(&c.name)) {
                    let v = c.data.get(r);
                    if !v.is_null() && !matches!(v, ValueRef::String("")) {
                        bag.insert(c.name.clone(), json_value(v));
                    }
                }
                pack.push(ValueRef::Dynamic(
                    &serde_json::Value::Object(bag).to_string(),
                ));
            }
            columns.push(Column::new("pack_", pack));
        }
        let shaped_table = Table::new(columns).map_err(|e| loc.semantic(e.to_string()))?;
        shaped.push((name, Arc::new(shaped_table)));
    }
    combine_legs(shaped, false, Some(source_name), loc)
}

/// The names a predicate mentions, in order, once each.
fn predicate_names(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(n) if !out.contains(n) => out.push(n.clone()),
        ExprKind::Binary { lhs, rhs, .. } => {
            predicate_names(lhs, out);
            predicate_names(rhs, out);
        }
        ExprKind::Unary { expr, .. } => predicate_names(expr, out),
        ExprKind::Call(c) => c.args.iter().for_each(|a| predicate_names(a, out)),
        ExprKind::In { expr, .. } | ExprKind::Between { expr, .. } => predicate_names(expr, out),
        _ => {}
    }
}
