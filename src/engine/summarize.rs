//! `summarize`: rows are hash-grouped on the `by` keys (one pass), then each aggregate
//! folds each group's rows. Output columns are the keys, then the aggregates, named as
//! Kusto names them (`count_`, `dcount_X`, `set_X`, `percentile_X_95`, arg_max's columns).
//! An aggregate may sit inside an expression (`100.0 * countif(p) / count()`).

use std::borrow::Cow;
use std::collections::HashMap;

use super::aggregate::{Agg, Inputs, arg_row, fold, percentile};
use super::keys::key_of;
use super::ops::{CANCEL_EVERY, evaluate_column, implicit_name};
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::{Column, ColumnData, Kind, Table};
use crate::kql::ast::{Call, Expr, ExprKind, NamedExpr};

/// Groups: the first row of each (for the key values) and every member row.
pub struct Groups {
    pub first: Vec<usize>,
    pub rows: Vec<Vec<u32>>,
}

/// Hash-group the rows of `table` on `keys` (all rows in one group when there are none).
pub fn group(keys: &[&ColumnData], rows: usize, scope: &Scope<'_>) -> Result<Groups, EngineError> {
    if keys.is_empty() {
        return Ok(Groups {
            first: vec![0],
            rows: vec![(0..rows as u32).collect()],
        });
    }
    let mut index = HashMap::new();
    let mut groups = Groups {
        first: Vec::new(),
        rows: Vec::new(),
    };
    for row in 0..rows {
        if row % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        let g = *index.entry(key_of(keys, row)).or_insert_with(|| {
            groups.first.push(row);
            groups.rows.push(Vec::new());
            groups.rows.len() - 1
        });
        groups.rows[g].push(row as u32);
    }
    Ok(groups)
}

/// The default name of a `by` expression: the column (or path) it is, or the column the
/// first argument of a call such as `bin(Timestamp, 1h)` names.
pub fn key_name(expr: &Expr) -> Option<String> {
    implicit_name(expr).or_else(|| match &expr.kind {
        ExprKind::Call(c) => c.args.first().and_then(key_name),
        _ => None,
    })
}

/// A name not yet in `taken`: `name`, else `name1`, `name2`...
pub fn unique(name: String, taken: &[Column]) -> String {
    if !taken.iter().any(|c| c.name == name) {
        return name;
    }
    (1..)
        .map(|i| format!("{name}{i}"))
        .find(|n| !taken.iter().any(|c| c.name == *n))
        .expect("some suffix is free")
}

pub fn summarize(
    table: &Table,
    aggs: &[NamedExpr],
    by: &[NamedExpr],
    scope: &Scope<'_>,
    loc: Loc,
) -> Result<Table, EngineError> {
    let mut key_data: Vec<(String, Cow<'_, ColumnData>, String)> = Vec::new();
    for (i, item) in by.iter().enumerate() {
        let name = match item.names.first() {
            Some(n) => n.name.clone(),
            None => key_name(&item.expr).unwrap_or_else(|| format!("Column{}", i + 1)),
        };
        let bound = scope.compile(&item.expr, table, "summarize")?;
        let (data, type_name) = match bound.scalar {
            super::scalar::Scalar::Column(c) => (
                Cow::Borrowed(&table.columns()[c].data),
                table.columns()[c].type_name.clone(),
            ),
            _ => (
                Cow::Owned(evaluate_column(table, &bound, &scope.ctx)?),
                bound.kind.kql_name().to_string(),
            ),
        };
        key_data.push((name, data, type_name));
    }
    let keys: Vec<&ColumnData> = key_data.iter().map(|(_, d, _)| d.as_ref()).collect();
    let groups = group(&keys, table.row_count(), scope)?;
    let mut out: Vec<Column> = Vec::new();
    let empty_input = table.row_count() == 0;
    for (name, data, type_name) in &key_data {
        let col = if empty_input {
            ColumnData::new(data.kind())
        } else {
            data.take(&groups.first)
        };
        let name = unique(name.clone(), &out);
        out.push(Column::new(name, col).with_type_name(type_name.clone()));
    }
    let key_names: Vec<String> = out.iter().map(|c| c.name.clone()).collect();
    // Without `by`, an empty table still yields one row; with `by`, none.
    let group_rows: &[Vec<u32>] = if empty_input && !by.is_empty() {
        &[]
    } else {
        &groups.rows
    };
    let mut unnamed = 0;
    for item in aggs {
        let ctx = Summary {
            table,
            scope,
            groups: group_rows,
            key_names: &key_names,
        };
        match &item.expr.kind {
            ExprKind::Call(c) if Agg::from_name(&c.name.name).is_some() => {
                for (n, col) in ctx.aggregate(c, item)? {
                    let n = unique(n, &out);
                    out.push(Column::new(n, col));
                }
            }
            _ => {
                let name = match item.names.first() {
                    Some(n) => n.name.clone(),
                    // An expression over one aggregate takes that aggregate's name.
                    None => match inner_aggregate_name(&item.expr) {
                        Some(n) => n,
                        None => {
                            unnamed += 1;
                            format!("Column{unnamed}")
                        }
                    },
                };
                let col = ctx.expression(&item.expr, group_rows.len())?;
                let name = unique(name, &out);
                out.push(Column::new(name, col));
            }
        }
    }
    if out.is_empty() {
        return Err(loc.semantic("summarize needs an aggregate or a 'by' key"));
    }
    Table::new(out).map_err(|e| loc.semantic(e.to_string()))
}

struct Summary<'a, 's, 'c> {
    table: &'a Table,
    scope: &'s Scope<'c>,
    groups: &'a [Vec<u32>],
    key_names: &'a [String],
}

impl Summary<'_, '_, '_> {
    fn arg(&self, e: &Expr) -> Result<(Cow<'_, ColumnData>, Kind), EngineError> {
        let bound = self.scope.compile(e, self.table, "summarize")?;
        let kind = bound.kind;
        Ok(match bound.scalar {
            super::scalar::Scalar::Column(c) => {
                (Cow::Borrowed(&self.table.columns()[c].data), kind)
            }
            _ => (
                Cow::Owned(evaluate_column(self.table, &bound, &self.scope.ctx)?),
                kind,
            ),
        })
    }

    fn constant_number(&self, e: &Expr) -> Result<f64, EngineError> {
        self.scope
            .constant(e, "summarize")?
            .1
            .as_ref()
            .as_f64()
            .ok_or_else(|| Loc(e.span).semantic("expected a constant number"))
    }

    /// The columns one aggregate call produces, with their names.
    fn aggregate(
        &self,
        c: &Call,
        item: &NamedExpr,
    ) -> Result<Vec<(String, ColumnData)>, EngineError> {
        let name = c.name.name.as_str();
        let agg = Agg::from_name(name).expect("checked by the caller");
        let loc = Loc(c.span);
        if agg == Agg::Count && !c.args.is_empty() {
            return Err(loc.unsupported("count() with an argument; use countif() or count()"));
        }
        let (min, max) = agg.arity();
        if c.args.len() < min || c.args.len() > max {
            return Err(loc.semantic(format!(
                "{name}() takes {min}..{} arguments, got {}",
                if max == usize::MAX {
                    "n".to_string()
                } else {
                    max.to_string()
                },
                c.args.len()
            )));
        }
        let explicit = item.names.first().map(|n| n.name.clone());
        let arg_name = c.args.first().and_then(implicit_name).unwrap_or_default();
        let default = || format!("{}_{arg_name}", agg.prefix(name));
        match agg {
            Agg::ArgMax | Agg::ArgMin => return self.arg_extreme(agg, c, item),
            Agg::Percentile | Agg::Percentiles => {
                let (values, kind) = self.arg(&c.args[0])?;
                let kind = agg.kind(Some(kind));
                let mut cols = Vec::new();
                for (i, p) in c.args[1..].iter().enumerate() {
                    let p = self.constant_number(p)?;
                    let mut col = ColumnData::with_capacity(kind, self.groups.len());
                    for rows in self.groups {
                        col.push(percentile(&values, rows, p).as_ref());
                    }
                    let n = match item.names.get(i) {
                        Some(n) => n.name.clone(),
                        None if i == 0 && explicit.is_some() && c.args.len() == 2 => {
                            explicit.clone().unwrap_or_default()
                        }
                        None => format!(
                            "percentile_{arg_name}_{}",
                            format_number(p).replace(['.', '-'], "_")
                        ),
                    };
                    cols.push((n, col));
                }
                return Ok(cols);
            }
            _ => {}
        }
        let value_arg = match agg {
            Agg::Count | Agg::CountIf => None,
            _ => Some(self.arg(&c.args[0])?),
        };
        let pred_index = match agg {
            Agg::CountIf => Some(0),
            a if a.has_predicate() => Some(1),
            _ => None,
        };
        let predicate = match pred_index {
            Some(i) => {
                let (p, kind) = self.arg(&c.args[i])?;
                if kind != Kind::Bool {
                    return Err(Loc(c.args[i].span)
                        .semantic(format!("{name}() needs a bool predicate, not {kind}")));
                }
                Some(p)
            }
            None => None,
        };
        let limit_index = match agg {
            Agg::MakeSet | Agg::MakeList | Agg::MakeBag | Agg::MakeListWithNulls => Some(1),
            Agg::MakeSetIf | Agg::MakeListIf | Agg::MakeBagIf => Some(2),
            _ => None,
        };
        let limit = match limit_index.and_then(|i| c.args.get(i)) {
            Some(e) => Some(self.constant_number(e)?.max(0.0) as usize),
            None => None,
        };
        let kind = agg.kind(value_arg.as_ref().map(|(_, k)| *k));
        let inputs = Inputs {
            value: value_arg.as_ref().map(|(d, _)| d.as_ref()),
            predicate: predicate.as_deref(),
            limit,
        };
        let mut col = ColumnData::with_capacity(kind, self.groups.len());
        for (i, rows) in self.groups.iter().enumerate() {
            if i % CANCEL_EVERY == 0 {
                self.scope.ctx.check_cancelled()?;
            }
            let v = if self.table.row_count() == 0 {
                agg.empty()
            } else {
                fold(agg, &inputs, rows, kind)
            };
            col.push(v.as_ref());
        }
        let n = match agg {
            Agg::Count | Agg::CountIf => format!("{name}_"),
            _ => default(),
        };
        Ok(vec![(explicit.unwrap_or(n), col)])
    }

    /// `arg_max(expr, cols | *)` / `arg_min`: the row where `expr` is extreme, its value
    /// and the listed columns (every other column for `*`).
    fn arg_extreme(
        &self,
        agg: Agg,
        c: &Call,
        item: &NamedExpr,
    ) -> Result<Vec<(String, ColumnData)>, EngineError> {
        let (values, kind) = self.arg(&c.args[0])?;
        let max = agg == Agg::ArgMax;
        let rows: Vec<Option<u32>> = self
            .groups
            .iter()
            .map(|g| arg_row(&values, g, max))
            .collect();
        let first_name = item
            .names
            .first()
            .map(|n| n.name.clone())
            .or_else(|| implicit_name(&c.args[0]))
            .unwrap_or_else(|| format!("{}_", if max { "max" } else { "min" }));
        let pick = |data: &ColumnData, kind: Kind| {
            let mut col = ColumnData::with_capacity(kind, rows.len());
            for r in &rows {
                match r {
                    Some(r) => {
                        col.push(data.get(*r as usize));
                    }
                    None => col.push_null(),
                }
            }
            col
        };
        let mut out = vec![(first_name.clone(), pick(&values, kind))];
        let mut named = item.names.iter().skip(1);
        for e in &c.args[1..] {
            if matches!(e.kind, ExprKind::Star) {
                for col in self.table.columns() {
                    if col.name == first_name
                        && implicit_name(&c.args[0]).as_deref() == Some(&col.name)
                        || self.key_names.contains(&col.name)
                        || out.iter().any(|(n, _)| *n == col.name)
                    {
                        continue;
                    }
                    out.push((col.name.clone(), pick(&col.data, col.kind())));
                }
                continue;
            }
            let (data, kind) = self.arg(e)?;
            let name = named
                .next()
                .map(|n| n.name.clone())
                .or_else(|| implicit_name(e))
                .unwrap_or_else(|| format!("{}_{}", if max { "max" } else { "min" }, out.len()));
            out.push((name, pick(&data, kind)));
        }
        Ok(out)
    }

    /// An expression over aggregates: each aggregate call becomes a column of a per-group
    /// table, then the expression is evaluated over that table.
    fn expression(&self, e: &Expr, groups: usize) -> Result<ColumnData, EngineError> {
        let mut calls = Vec::new();
        let rewritten = extract(e, &mut calls);
        if calls.is_empty() {
            return Err(Loc(e.span).semantic("summarize needs an aggregate function here"));
        }
        let mut cols = Vec::new();
        for (name, call) in &calls {
            let item = NamedExpr {
                names: Vec::new(),
                expr: Expr {
                    kind: ExprKind::Call(call.clone()),
                    span: call.span,
                },
                span: call.span,
            };
            let mut produced = self.aggregate(call, &item)?;
            if produced.len() != 1 {
                return Err(
                    Loc(call.span).unsupported("a multi-column aggregate inside an expression")
                );
            }
            let (_, col) = produced.remove(0);
            cols.push(Column::new(name.clone(), col));
        }
        let per_group = Table::new(cols).map_err(|err| Loc(e.span).semantic(err.to_string()))?;
        debug_assert_eq!(per_group.row_count(), groups);
        let bound = self.scope.compile(&rewritten, &per_group, "summarize")?;
        evaluate_column(&per_group, &bound, &self.scope.ctx)
    }
}

/// Replace each aggregate call inside `e` by a name, collecting the calls.
fn extract(e: &Expr, calls: &mut Vec<(String, Call)>) -> Expr {
    let kind = match &e.kind {
        ExprKind::Call(c) if Agg::from_name(&c.name.name).is_some() => {
            let name = format!("\u{1}agg{}", calls.len());
            calls.push((name.clone(), c.clone()));
            ExprKind::Name(name)
        }
        ExprKind::Call(c) => ExprKind::Call(Call {
            name: c.name.clone(),
            args: c.args.iter().map(|a| extract(a, calls)).collect(),
            span: c.span,
        }),
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: Box::new(extract(lhs, calls)),
            rhs: Box::new(extract(rhs, calls)),
        },
        ExprKind::Unary { op, expr } => ExprKind::Unary {
            op: *op,
            expr: Box::new(extract(expr, calls)),
        },
        _ => return e.clone(),
    };
    Expr { kind, span: e.span }
}

fn format_number(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{}", p as i64)
    } else {
        format!("{p}")
    }
}

/// The default name of the only aggregate call inside `e` (`tostring(make_set(X))` is
/// `set_X`), if there is exactly one.
fn inner_aggregate_name(e: &Expr) -> Option<String> {
    let mut calls = Vec::new();
    extract(e, &mut calls);
    let [(_, c)] = calls.as_slice() else {
        return None;
    };
    let name = c.name.name.as_str();
    let agg = Agg::from_name(name)?;
    Some(match agg {
        Agg::Count | Agg::CountIf => format!("{name}_"),
        _ => format!(
            "{}_{}",
            agg.prefix(name),
            c.args.first().and_then(implicit_name).unwrap_or_default()
        ),
    })
}
