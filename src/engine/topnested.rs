//! `top-nested`: a hierarchy of tops. The first clause groups the rows by its `of`
//! expression, aggregates each group with its `by` aggregate and keeps the top `n`
//! groups; each next clause does the same inside every kept group. Each output row is
//! one full path: for every level its value (named after the expression) and its
//! aggregate (`aggregated_<name>` unless named). `with others` is not run locally.

use super::keys::Key;
use super::ops::{implicit_name, row_count};
use super::scope::Scope;
use super::summarize::summarize;
use super::{EngineError, Loc};
use crate::data::{Column, ColumnData, Kind, Table, Value};
use crate::kql::ast::{Expr, ExprKind, Ident, NamedExpr, TopNestedClause};

pub fn top_nested(
    table: &Table,
    clauses: &[TopNestedClause],
    scope: &Scope<'_>,
    loc: Loc,
) -> Result<Table, EngineError> {
    if let Some(c) = clauses.iter().find(|c| c.others.is_some()) {
        return Err(Loc(c.span).unsupported("top-nested with others"));
    }
    if let Some(c) = clauses
        .iter()
        .find(|c| matches!(c.of.expr.kind, ExprKind::Star))
    {
        return Err(Loc(c.span).unsupported("top-nested of *"));
    }
    let mut names = Vec::new();
    for (i, c) in clauses.iter().enumerate() {
        let of =
            c.of.names
                .first()
                .map(|n| n.name.clone())
                .or_else(|| implicit_name(&c.of.expr))
                .unwrap_or_else(|| format!("Column{}", i + 1));
        let agg =
            c.by.names
                .first()
                .map(|n| n.name.clone())
                .unwrap_or_else(|| format!("aggregated_{of}"));
        names.push((of, agg));
    }
    let mut paths: Vec<Vec<Value>> = Vec::new();
    let mut kinds: Vec<Kind> = vec![Kind::Dynamic; clauses.len() * 2];
    descend(table, clauses, scope, Vec::new(), &mut paths, &mut kinds)?;
    let mut columns = Vec::new();
    for (i, (of, agg)) in names.into_iter().enumerate() {
        for (j, name) in [(2 * i, of), (2 * i + 1, agg)] {
            let mut col = ColumnData::with_capacity(kinds[j], paths.len());
            for p in &paths {
                col.push(p[j].as_ref());
            }
            columns.push(Column::new(name, col));
        }
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}

fn named(name: &str, expr: &Expr) -> NamedExpr {
    NamedExpr {
        names: vec![Ident {
            name: name.to_string(),
            span: expr.span,
        }],
        expr: expr.clone(),
        span: expr.span,
    }
}

/// Run the first clause over `table`; recurse into each kept group with the rest.
fn descend(
    table: &Table,
    clauses: &[TopNestedClause],
    scope: &Scope<'_>,
    prefix: Vec<Value>,
    paths: &mut Vec<Vec<Value>>,
    kinds: &mut [Kind],
) -> Result<(), EngineError> {
    let Some((clause, rest)) = clauses.split_first() else {
        paths.push(prefix);
        return Ok(());
    };
    scope.ctx.check_cancelled()?;
    let level = prefix.len();
    let key_name = "\u{1}key";
    let agg_name = "\u{1}agg";
    let summary = summarize(
        table,
        &[named(agg_name, &clause.by.expr)],
        &[named(key_name, &clause.of.expr)],
        scope,
        Loc(clause.span),
    )?;
    kinds[level] = summary.columns()[0].kind();
    kinds[level + 1] = summary.columns()[1].kind();
    let mut order: Vec<usize> = (0..summary.row_count()).collect();
    let aggs = &summary.columns()[1].data;
    order.sort_by(|&a, &b| {
        let o = aggs.get(a).total_cmp(aggs.get(b));
        if clause.desc { o.reverse() } else { o }
    });
    if let Some(n) = &clause.n {
        order.truncate(row_count(n, scope)?);
    }
    // The rows of each kept group, found by evaluating the key over the input once.
    let key_bound = scope.compile(&clause.of.expr, table, "top-nested")?;
    let keys = super::ops::evaluate_column(table, &key_bound, &scope.ctx)?;
    for g in order {
        let key = summary.columns()[0].data.get(g);
        let rows: Vec<usize> = (0..table.row_count())
            .filter(|&r| Key::of(keys.get(r)) == Key::of(key))
            .collect();
        let mut path = prefix.clone();
        path.push(key.to_owned());
        path.push(aggs.get(g).to_owned());
        if rest.is_empty() {
            paths.push(path);
        } else {
            descend(&table.take(&rows), rest, scope, path, paths, kinds)?;
        }
    }
    Ok(())
}
