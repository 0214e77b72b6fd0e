//! `make-series`: per group of the `by` keys, rows fall into bins of `step` along the axis
//! column from `from` (inclusive) to `to` (exclusive); each aggregate becomes a dynamic
//! array with one value per bin (`default`, 0 unless given, where a bin has no rows),
//! and the axis becomes the array of bin starts. Without `from`/`to` a series spans the
//! bins where its own rows are. Columns: the keys, the aggregates, then the axis.

use std::borrow::Cow;

use super::aggregate::{Agg, Inputs, fold};
use super::ops::{CANCEL_EVERY, evaluate_column, implicit_name};
use super::scope::Scope;
use super::summarize::{group, key_name, unique};
use super::{EngineError, Loc};
use crate::data::format::json_value;
use crate::data::{Column, ColumnData, Kind, Table, Value, ValueRef};
use crate::kql::ast::{ExprKind, MakeSeries};

/// A series may hold at most this many bins, as in Kusto.
const MAX_BINS: i64 = 1 << 20;

/// One aggregate of the series, with its inputs evaluated over every row.
struct SeriesAgg<'a> {
    name: String,
    agg: Agg,
    value: Option<Cow<'a, ColumnData>>,
    kind: Kind,
    predicate: Option<Cow<'a, ColumnData>>,
    default: Value,
}

pub fn make_series(
    table: &Table,
    m: &MakeSeries,
    scope: &Scope<'_>,
    loc: Loc,
) -> Result<Table, EngineError> {
    let column = |e: &crate::kql::ast::Expr| -> Result<(Cow<'_, ColumnData>, Kind), EngineError> {
        let bound = scope.compile(e, table, "make-series")?;
        let kind = bound.kind;
        Ok(match bound.scalar {
            super::scalar::Scalar::Column(c) => (Cow::Borrowed(&table.columns()[c].data), kind),
            _ => (
                Cow::Owned(evaluate_column(table, &bound, &scope.ctx)?),
                kind,
            ),
        })
    };
    let number = |e: &Option<crate::kql::ast::Expr>| -> Result<Option<f64>, EngineError> {
        match e {
            None => Ok(None),
            Some(e) => match scope.constant(e, "make-series")?.1.as_ref() {
                ValueRef::DateTime(t) | ValueRef::TimeSpan(t) => Ok(Some(t as f64)),
                v => v
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| Loc(e.span).semantic("expected a number, datetime or timespan")),
            },
        }
    };
    let (axis, axis_kind) = column(&m.on)?;
    let axis_name = implicit_name(&m.on).unwrap_or_else(|| "Column1".into());
    let from = number(&m.from)?;
    let to = number(&m.to)?;
    let step = number(&m.step)?.ok_or_else(|| loc.semantic("make-series needs a step"))?;
    if step <= 0.0 {
        return Err(loc.semantic("make-series step must be positive"));
    }

    let mut aggs = Vec::new();
    for sa in &m.aggs {
        let item = &sa.agg;
        let ExprKind::Call(c) = &item.expr.kind else {
            return Err(Loc(item.span).semantic("make-series needs an aggregate call"));
        };
        let name = c.name.name.as_str();
        let agg = match Agg::from_name(name) {
            Some(Agg::ArgMax | Agg::ArgMin | Agg::Percentile | Agg::Percentiles) | None => {
                return Err(Loc(c.span).unsupported(format!("{name}() in make-series")));
            }
            Some(a) => a,
        };
        let (min, max) = agg.arity();
        if c.args.len() < min || c.args.len() > max {
            return Err(Loc(c.span).semantic(format!("{name}(): wrong number of arguments")));
        }
        let value = match agg {
            Agg::Count | Agg::CountIf => None,
            _ => Some(column(&c.args[0])?),
        };
        let predicate = match agg {
            Agg::CountIf => Some(column(&c.args[0])?.0),
            a if a.has_predicate() => Some(column(&c.args[1])?.0),
            _ => None,
        };
        let kind = agg.kind(value.as_ref().map(|(_, k)| *k));
        let default = match &sa.default {
            Some(d) => scope.constant(d, "make-series")?.1,
            None => Value::Long(0),
        };
        let arg = c.args.first().and_then(implicit_name).unwrap_or_default();
        let name = match item.names.first() {
            Some(n) => n.name.clone(),
            None if matches!(agg, Agg::Count | Agg::CountIf) => format!("{name}_"),
            None => format!("{}_{arg}", agg.prefix(name)),
        };
        aggs.push(SeriesAgg {
            name,
            agg,
            value: value.map(|(v, _)| v),
            kind,
            predicate,
            default,
        });
    }

    let mut key_data = Vec::new();
    for (i, item) in m.by.iter().enumerate() {
        let name = match item.names.first() {
            Some(n) => n.name.clone(),
            None => key_name(&item.expr).unwrap_or_else(|| format!("Column{}", i + 1)),
        };
        key_data.push((name, column(&item.expr)?.0));
    }
    let keys: Vec<&ColumnData> = key_data.iter().map(|(_, d)| d.as_ref()).collect();
    let groups = group(&keys, table.row_count(), scope)?;
    let group_rows: &[Vec<u32>] = if table.row_count() == 0 {
        &[]
    } else {
        &groups.rows
    };

    let mut agg_cols: Vec<ColumnData> = aggs
        .iter()
        .map(|_| ColumnData::with_capacity(Kind::Dynamic, group_rows.len()))
        .collect();
    let mut axis_col = ColumnData::with_capacity(Kind::Dynamic, group_rows.len());
    for (g, rows) in group_rows.iter().enumerate() {
        if g % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        let positions: Vec<Option<f64>> = rows
            .iter()
            .map(|&r| match axis.get(r as usize) {
                ValueRef::DateTime(t) | ValueRef::TimeSpan(t) => Some(t as f64),
                v => v.as_f64(),
            })
            .collect();
        let lo = positions
            .iter()
            .flatten()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let hi = positions
            .iter()
            .flatten()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let start = from.unwrap_or_else(|| (lo / step).floor() * step);
        let end = to.unwrap_or_else(|| ((hi / step).floor() + 1.0) * step);
        let bins = if start.is_finite() && end.is_finite() && end > start {
            ((end - start) / step).ceil() as i64
        } else {
            0
        };
        if bins > MAX_BINS {
            return Err(loc.semantic(format!("make-series would build more than {MAX_BINS} bins")));
        }
        let mut per_bin: Vec<Vec<u32>> = vec![Vec::new(); bins as usize];
        for (&r, p) in rows.iter().zip(&positions) {
            if let Some(p) = p {
                let b = ((p - start) / step).floor();
                if b >= 0.0 && (b as i64) < bins {
                    per_bin[b as usize].push(r);
                }
            }
        }
        for (a, col) in aggs.iter().zip(&mut agg_cols) {
            let inputs = Inputs {
                value: a.value.as_deref(),
                predicate: a.predicate.as_deref(),
                limit: None,
            };
            let values: Vec<serde_json::Value> = per_bin
                .iter()
                .map(|rows| {
                    let v = if rows.is_empty() {
                        a.default.clone()
                    } else {
                        fold(a.agg, &inputs, rows, a.kind)
                    };
                    json_value(v.as_ref())
                })
                .collect();
            col.push(ValueRef::Dynamic(
                &serde_json::Value::Array(values).to_string(),
            ));
        }
        let axis_values: Vec<serde_json::Value> = (0..bins)
            .map(|b| {
                let x = start + b as f64 * step;
                let v = match axis_kind {
                    Kind::DateTime => Value::DateTime(x as i64),
                    Kind::TimeSpan => Value::TimeSpan(x as i64),
                    Kind::Int | Kind::Long if x.fract() == 0.0 => Value::Long(x as i64),
                    _ => Value::Real(x),
                };
                json_value(v.as_ref())
            })
            .collect();
        axis_col.push(ValueRef::Dynamic(
            &serde_json::Value::Array(axis_values).to_string(),
        ));
    }

    let mut out: Vec<Column> = Vec::new();
    for (name, data) in &key_data {
        let col = if group_rows.is_empty() {
            ColumnData::new(data.kind())
        } else {
            data.take(&groups.first)
        };
        let name = unique(name.clone(), &out);
        out.push(Column::new(name, col));
    }
    for (a, col) in aggs.iter().zip(agg_cols) {
        let name = unique(a.name.clone(), &out);
        out.push(Column::new(name, col));
    }
    let name = unique(axis_name, &out);
    out.push(Column::new(name, axis_col));
    Table::new(out).map_err(|e| loc.semantic(e.to_string()))
}
