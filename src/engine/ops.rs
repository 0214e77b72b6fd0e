//! Tabular operators over `data::Table`: each takes the piped table and returns a new one.
//! Filters compute a row selection first and copy the kept rows once; sorts compute a
//! permutation. The bigger operators live in their own files (summarize, join, union,
//! mv-expand, parse, make-series); operators the local engine does not run say so, with
//! their span.

use std::collections::HashSet;
use std::sync::Arc;

use super::scalar::{Bound, Scalar, is_true};
use super::scope::Scope;
use super::{EngineError, ExecContext, Loc};
use crate::data::{Column, ColumnData, Kind, SortKey, Table, Value};
use crate::kql::ast::{
    ColumnPattern, Expr, ExprKind, NamedExpr, Op, OpKind, Rename, ReorderItem, ReorderOrder,
    SortExpr,
};

/// How often long loops look at the cancellation token.
pub(crate) const CANCEL_EVERY: usize = 4096;

/// Apply one operator. `visualization` receives a `render` chart kind; the second value
/// is the name an `as` operator gives the table.
pub fn apply(
    table: Arc<Table>,
    op: &Op,
    scope: &Scope<'_>,
    visualization: &mut Option<String>,
) -> Result<(Arc<Table>, Option<String>), EngineError> {
    let loc = Loc(op.span);
    let owned = |t: Arc<Table>| Arc::unwrap_or_clone(t);
    let table: Table = match &op.kind {
        OpKind::Where(pred) => return Ok((filter(table, pred, scope, None)?, None)),
        OpKind::Take(n) => return Ok((head(table, row_count(n, scope)?), None)),
        OpKind::Render { chart, .. } => {
            *visualization = Some(chart.name.clone());
            return Ok((table, None));
        }
        OpKind::As { name, .. } => return Ok((table, Some(name.name.clone()))),
        OpKind::Project(items) => project(&table, items, scope, false)?,
        OpKind::Extend(items) => project(&table, items, scope, true)?,
        OpKind::ProjectAway(patterns) => project_away(&table, patterns)?,
        OpKind::ProjectKeep(patterns) => project_keep(&table, patterns)?,
        OpKind::ProjectRename(renames) => project_rename(owned(table), renames)?,
        OpKind::ProjectReorder(items) => project_reorder(owned(table), items)?,
        OpKind::Sort(keys) => sort(&table, keys, scope)?,
        OpKind::Top { n, by } => {
            let n = row_count(n, scope)?;
            sort(&table, std::slice::from_ref(by), scope)?.head(n)
        }
        OpKind::Count => {
            let mut col = ColumnData::new(Kind::Long);
            col.push(Value::Long(table.row_count() as i64).as_ref());
            Table::new(vec![Column::new("Count", col)]).expect("one column")
        }
        OpKind::Distinct(cols) => distinct(&table, cols, scope)?,
        OpKind::Serialize(items) => project(&table, items, scope, true)?,
        OpKind::GetSchema => getschema(&table),
        OpKind::Sample(n) => sample(owned(table), row_count(n, scope)?, scope.ctx.now),
        OpKind::Summarize { aggs, by, .. } => {
            super::summarize::summarize(&table, aggs, by, scope, loc)?
        }
        OpKind::Join(j) => super::join::join(&table, j, scope, loc, false)?,
        OpKind::Lookup(j) => super::join::join(&table, j, scope, loc, true)?,
        OpKind::Union(u) => super::union::operator(table, u, scope)?,
        OpKind::MvExpand(m) => super::mvexpand::mv_expand(&table, m, scope, loc)?,
        OpKind::MvApply(m) => super::mvexpand::mv_apply(&table, m, scope, loc)?,
        OpKind::Parse(p) => super::parse::parse(&table, p, scope, loc, false)?,
        OpKind::ParseWhere(p) => super::parse::parse(&table, p, scope, loc, true)?,
        OpKind::Search(s) => return Ok((super::search::operator(table, s, scope)?, None)),
        OpKind::TopNested(c) => super::topnested::top_nested(&table, c, scope, loc)?,
        OpKind::MakeSeries(m) => super::series::make_series(&table, m, scope, loc)?,
        OpKind::Invoke(call) => super::run::call_source(scope, call, Some(owned(table)))?,
        OpKind::Evaluate { plugin, schema, .. } => {
            super::evaluate::evaluate(owned(table), plugin, schema.as_deref(), scope)?
        }
        other => return Err(loc.unsupported(operator_name(other))),
    };
    Ok((Arc::new(table), None))
}

/// The first `n` rows, sharing the table when it has no more.
pub(crate) fn head(table: Arc<Table>, n: usize) -> Arc<Table> {
    if n >= table.row_count() {
        table
    } else {
        Arc::new(table.head(n))
    }
}

/// The KQL name of an operator, for "not supported locally" messages.
fn operator_name(kind: &OpKind) -> String {
    match kind {
        OpKind::Summarize { .. } => "summarize",
        OpKind::Distinct(_) => "distinct",
        OpKind::Join(_) => "join",
        OpKind::Lookup(_) => "lookup",
        OpKind::Union(_) => "union",
        OpKind::MvExpand(_) => "mv-expand",
        OpKind::MvApply(_) => "mv-apply",
        OpKind::Parse(_) => "parse",
        OpKind::ParseWhere(_) => "parse-where",
        OpKind::ParseKv(_) => "parse-kv",
        OpKind::MakeSeries(_) => "make-series",
        OpKind::Evaluate { .. } => "evaluate",
        OpKind::Invoke(_) => "invoke",
        OpKind::TopNested(_) => "top-nested",
        OpKind::Sample(_) => "sample",
        OpKind::SampleDistinct { .. } => "sample-distinct",
        OpKind::Serialize(_) => "serialize",
        OpKind::GetSchema => "getschema",
        OpKind::As { .. } => "as",
        OpKind::Partition { .. } => "partition",
        OpKind::Search(_) => "search",
        OpKind::Facet { .. } => "facet",
        OpKind::Fork(_) => "fork",
        OpKind::Reduce { .. } => "reduce",
        OpKind::Scan => "scan",
        OpKind::Consume => "consume",
        OpKind::ProjectReorder(_) => "project-reorder",
        OpKind::Unsupported(id) | OpKind::Unknown(id) => return id.name.clone(),
        _ => "this operator",
    }
    .to_string()
}

/// A constant, non-negative row count (`take 10`).
pub(crate) fn row_count(expr: &Expr, scope: &Scope<'_>) -> Result<usize, EngineError> {
    match scope.constant(expr, "take")?.1 {
        Value::Long(n) => Ok(n.max(0) as usize),
        Value::Int(n) => Ok(n.max(0) as usize),
        Value::Real(n) if n.fract() == 0.0 => Ok(n.max(0.0) as usize),
        _ => Err(Loc(expr.span).semantic("expected a whole number of rows")),
    }
}

/// `where`; with `limit` (a following `take`), stop after that many matches.
pub(crate) fn filter(
    table: Arc<Table>,
    pred: &Expr,
    scope: &Scope<'_>,
    limit: Option<usize>,
) -> Result<Arc<Table>, EngineError> {
    let ctx = &scope.ctx;
    let bound = scope.compile(pred, &table, "where")?;
    if bound.kind != Kind::Bool {
        return Err(Loc(pred.span).semantic(format!(
            "'where' needs a bool expression, not {}",
            bound.kind
        )));
    }
    let limit = limit.unwrap_or(usize::MAX);
    let mut keep = Vec::new();
    for row in 0..table.row_count() {
        if keep.len() >= limit {
            break;
        }
        if row % CANCEL_EVERY == 0 {
            ctx.check_cancelled()?;
        }
        if is_true(bound.scalar.eval(&table, row, ctx).get()) {
            keep.push(row);
        }
    }
    if keep.len() == table.row_count() {
        return Ok(table);
    }
    Ok(Arc::new(table.take(&keep)))
}

/// Materialise a bound expression as a column over every row.
pub(crate) fn evaluate_column(
    table: &Table,
    bound: &Bound,
    ctx: &ExecContext,
) -> Result<ColumnData, EngineError> {
    if let Scalar::Column(i) = bound.scalar {
        return Ok(table.columns()[i].data.clone());
    }
    let mut col = ColumnData::with_capacity(bound.kind, table.row_count());
    for row in 0..table.row_count() {
        if row % CANCEL_EVERY == 0 {
            ctx.check_cancelled()?;
        }
        col.push(bound.scalar.eval(table, row, ctx).get());
    }
    Ok(col)
}

/// The column name Kusto gives an unnamed expression: the column itself for a plain
/// reference, the path joined by `_` for dynamic access (`a.b["c"]` is `a_b_c`).
pub(crate) fn implicit_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Name(name) => Some(name.clone()),
        ExprKind::Member { expr, name } => Some(format!("{}_{}", implicit_name(expr)?, name.name)),
        ExprKind::Index { expr, index } => match &index.kind {
            ExprKind::Literal(crate::kql::ast::Literal::String(s)) => {
                Some(format!("{}_{s}", implicit_name(expr)?))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `project` (only the listed columns) and `extend` (all columns plus the listed ones;
/// an existing name is replaced in place).
pub(crate) fn project(
    table: &Table,
    items: &[NamedExpr],
    scope: &Scope<'_>,
    extend: bool,
) -> Result<Table, EngineError> {
    let what = if extend { "extend" } else { "project" };
    let mut out: Vec<Column> = if extend {
        table.columns().to_vec()
    } else {
        Vec::new()
    };
    let mut unnamed = 0;
    for item in items {
        if item.names.len() > 1 {
            return Err(Loc(item.span).unsupported("tuple assignments"));
        }
        let name = match item.names.first() {
            Some(id) => id.name.clone(),
            None => match implicit_name(&item.expr) {
                Some(n) => n,
                None => {
                    unnamed += 1;
                    format!("Column{unnamed}")
                }
            },
        };
        let bound = scope.compile(&item.expr, table, what)?;
        let data = evaluate_column(table, &bound, &scope.ctx)?;
        let type_name = match &bound.scalar {
            Scalar::Column(i) => table.columns()[*i].type_name.clone(),
            _ => data.kind().kql_name().to_string(),
        };
        let column = Column::new(name.clone(), data).with_type_name(type_name);
        match out.iter_mut().find(|c| c.name == name) {
            Some(existing) if extend => *existing = column,
            Some(_) => {
                return Err(
                    Loc(item.span).semantic(format!("'project': column '{name}' is listed twice"))
                );
            }
            None => out.push(column),
        }
    }
    if out.is_empty() {
        return Ok(Table::default());
    }
    Table::new(out).map_err(|e| {
        Loc(items.first().map_or_else(Default::default, |i| i.span)).semantic(e.to_string())
    })
}

fn check_patterns(
    table: &Table,
    patterns: &[ColumnPattern],
    what: &str,
) -> Result<(), EngineError> {
    for p in patterns.iter().filter(|p| !p.is_wildcard()) {
        if table.column_index(&p.pattern).is_none() {
            return Err(Loc(p.span).semantic(format!(
                "'{what}': Failed to resolve column '{}'",
                p.pattern
            )));
        }
    }
    Ok(())
}

fn project_away(table: &Table, patterns: &[ColumnPattern]) -> Result<Table, EngineError> {
    check_patterns(table, patterns, "project-away")?;
    let kept = table
        .columns()
        .iter()
        .filter(|c| !patterns.iter().any(|p| p.matches(&c.name)))
        .cloned();
    Ok(Table::new(kept.collect()).expect("columns of one table"))
}

fn project_keep(table: &Table, patterns: &[ColumnPattern]) -> Result<Table, EngineError> {
    check_patterns(table, patterns, "project-keep")?;
    let kept = table
        .columns()
        .iter()
        .filter(|c| patterns.iter().any(|p| p.matches(&c.name)))
        .cloned();
    Ok(Table::new(kept.collect()).expect("columns of one table"))
}

fn project_rename(table: Table, renames: &[Rename]) -> Result<Table, EngineError> {
    let mut columns = table.into_columns();
    for r in renames {
        let Some(col) = columns.iter_mut().find(|c| c.name == r.old.name) else {
            return Err(Loc(r.old.span).semantic(format!(
                "'project-rename': Failed to resolve column '{}'",
                r.old.name
            )));
        };
        col.name = r.new.name.clone();
    }
    Ok(Table::new(columns).expect("columns of one table"))
}

/// `project-reorder`: the listed columns (wildcards expand, optionally sorted by name)
/// first, in the order given, then every other column in its original order.
fn project_reorder(table: Table, items: &[ReorderItem]) -> Result<Table, EngineError> {
    let patterns: Vec<ColumnPattern> = items.iter().map(|i| i.pattern.clone()).collect();
    check_patterns(&table, &patterns, "project-reorder")?;
    let mut columns: Vec<Option<Column>> = table.into_columns().into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(columns.len());
    for item in items {
        let mut matched: Vec<Column> = columns
            .iter_mut()
            .filter(|c| c.as_ref().is_some_and(|c| item.pattern.matches(&c.name)))
            .filter_map(Option::take)
            .collect();
        match item.order {
            Some(ReorderOrder::Asc) => matched.sort_by(|a, b| a.name.cmp(&b.name)),
            Some(ReorderOrder::Desc) => matched.sort_by(|a, b| b.name.cmp(&a.name)),
            Some(ReorderOrder::GrannyAsc) => matched.sort_by(|a, b| granny(&a.name, &b.name)),
            Some(ReorderOrder::GrannyDesc) => matched.sort_by(|a, b| granny(&b.name, &a.name)),
            None => {}
        }
        out.extend(matched);
    }
    out.extend(columns.into_iter().flatten());
    Ok(Table::new(out).expect("columns of one table"))
}

/// "Granny" order: runs of digits compare as numbers (`a2` before `a10`).
fn granny(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for ch in s.chars() {
            let digit = ch.is_ascii_digit();
            match out.last_mut() {
                Some((d, text)) if *d == digit => text.push(ch),
                _ => out.push((digit, ch.to_string())),
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x.0, y.0) {
            (true, true) => {
                let (nx, ny) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                nx.len().cmp(&ny.len()).then_with(|| nx.cmp(ny))
            }
            _ => x.1.cmp(&y.1),
        };
        if o.is_ne() {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

/// `distinct a, b` / `distinct *`: the first row of each distinct combination, in input
/// order.
fn distinct(table: &Table, cols: &[Expr], scope: &Scope<'_>) -> Result<Table, EngineError> {
    let key_table = if cols.iter().any(|c| matches!(c.kind, ExprKind::Star)) {
        table.clone()
    } else {
        let items: Vec<NamedExpr> = cols
            .iter()
            .map(|e| NamedExpr {
                names: Vec::new(),
                expr: e.clone(),
                span: e.span,
            })
            .collect();
        project(table, &items, scope, false)?
    };
    let mut seen = HashSet::new();
    let mut keep = Vec::new();
    let key_cols: Vec<usize> = (0..key_table.columns().len()).collect();
    for row in 0..key_table.row_count() {
        if row % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        if seen.insert(super::keys::row_key(&key_table, &key_cols, row)) {
            keep.push(row);
        }
    }
    Ok(key_table.take(&keep))
}

/// `sample n`: up to `n` rows picked at random (seeded by the query's `now`, so one run
/// is reproducible), in input order.
fn sample(table: Table, n: usize, seed: i64) -> Table {
    let rows = table.row_count();
    if n >= rows {
        return table;
    }
    // Partial Fisher-Yates over the row indices with a xorshift generator.
    let mut state = ((seed as u64) ^ 0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut idx: Vec<usize> = (0..rows).collect();
    for i in 0..n {
        let j = i + (next() % (rows - i) as u64) as usize;
        idx.swap(i, j);
    }
    let mut picked = idx[..n].to_vec();
    picked.sort_unstable();
    table.take(&picked)
}

/// `getschema`: one row per column.
fn getschema(table: &Table) -> Table {
    let n = table.columns().len();
    let mut name = ColumnData::with_capacity(Kind::String, n);
    let mut ordinal = ColumnData::with_capacity(Kind::Int, n);
    let mut data_type = ColumnData::with_capacity(Kind::String, n);
    let mut column_type = ColumnData::with_capacity(Kind::String, n);
    for (i, c) in table.columns().iter().enumerate() {
        name.push(crate::data::ValueRef::String(&c.name));
        ordinal.push(crate::data::ValueRef::Int(i as i32));
        data_type.push(crate::data::ValueRef::String(system_type(c.kind())));
        column_type.push(crate::data::ValueRef::String(c.kind().kql_name()));
    }
    Table::new(vec![
        Column::new("ColumnName", name),
        Column::new("ColumnOrdinal", ordinal),
        Column::new("DataType", data_type),
        Column::new("ColumnType", column_type),
    ])
    .expect("four columns of n rows")
}

fn system_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Bool => "System.Boolean",
        Kind::Int => "System.Int32",
        Kind::Long => "System.Int64",
        Kind::Real => "System.Double",
        Kind::String => "System.String",
        Kind::DateTime => "System.DateTime",
        Kind::TimeSpan => "System.TimeSpan",
        Kind::Guid => "System.Guid",
        Kind::Dynamic => "System.Object",
    }
}

/// `sort by` / `order by`: keys may be any expression; ties keep input order.
pub(crate) fn sort(
    table: &Table,
    keys: &[SortExpr],
    scope: &Scope<'_>,
) -> Result<Table, EngineError> {
    let mut bound = Vec::with_capacity(keys.len());
    for key in keys {
        bound.push(scope.compile(&key.expr, table, "sort")?);
    }
    let sort_key = |column: usize, key: &SortExpr| {
        let mut k = SortKey::new(column, key.desc);
        if let Some(first) = key.nulls_first {
            k.nulls_first = first;
        }
        k
    };
    let plain: Option<Vec<usize>> = bound
        .iter()
        .map(|b| match b.scalar {
            Scalar::Column(c) => Some(c),
            _ => None,
        })
        .collect();
    let permutation = match plain {
        // Plain column keys sort the table in place of a copy.
        Some(columns) => {
            let sort_keys: Vec<SortKey> = columns
                .iter()
                .zip(keys)
                .map(|(&c, k)| sort_key(c, k))
                .collect();
            table.sort_permutation(&sort_keys)
        }
        None => {
            let mut key_columns = Vec::with_capacity(keys.len());
            for (i, b) in bound.iter().enumerate() {
                key_columns.push(Column::new(
                    format!("key{i}"),
                    evaluate_column(table, b, &scope.ctx)?,
                ));
            }
            let key_table = Table::new(key_columns).expect("keys have the table's rows");
            let sort_keys: Vec<SortKey> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| sort_key(i, k))
                .collect();
            key_table.sort_permutation(&sort_keys)
        }
    };
    scope.ctx.check_cancelled()?;
    Ok(table.take(&permutation))
}
