//! Tabular operators over `data::Table`: each takes the piped table and returns a new one.
//! Filters compute a row selection first and copy the kept rows once; sorts compute a
//! permutation. Operators the local engine does not run yet say so, with their span.

use super::scalar::{Bound, Scalar, compile, is_true};
use super::{EngineError, ExecContext, Loc};
use crate::data::{Column, ColumnData, Kind, SortKey, Table, Value};
use crate::kql::ast::{ColumnPattern, Expr, ExprKind, NamedExpr, Op, OpKind, Rename, SortExpr};

/// How often long loops look at the cancellation token.
const CANCEL_EVERY: usize = 4096;

/// Apply one operator. `visualization` receives a `render` chart kind.
pub fn apply(
    table: Table,
    op: &Op,
    ctx: &ExecContext,
    visualization: &mut Option<String>,
) -> Result<Table, EngineError> {
    let loc = Loc(op.span);
    match &op.kind {
        OpKind::Where(pred) => filter(table, pred, ctx),
        OpKind::Project(items) => project(&table, items, ctx, false),
        OpKind::Extend(items) => project(&table, items, ctx, true),
        OpKind::ProjectAway(patterns) => project_away(table, patterns, loc),
        OpKind::ProjectKeep(patterns) => project_keep(table, patterns, loc),
        OpKind::ProjectRename(renames) => project_rename(table, renames),
        OpKind::Take(n) => Ok(table.head(row_count(n, ctx)?)),
        OpKind::Sort(keys) => sort(&table, keys, ctx),
        OpKind::Top { n, by } => {
            let n = row_count(n, ctx)?;
            Ok(sort(&table, std::slice::from_ref(by), ctx)?.head(n))
        }
        OpKind::Count => {
            let mut col = ColumnData::new(Kind::Long);
            col.push(Value::Long(table.row_count() as i64).as_ref());
            Ok(Table::new(vec![Column::new("Count", col)]).expect("one column"))
        }
        OpKind::Render { chart, .. } => {
            *visualization = Some(chart.name.clone());
            Ok(table)
        }
        other => Err(loc.unsupported(operator_name(other))),
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
fn row_count(expr: &Expr, ctx: &ExecContext) -> Result<usize, EngineError> {
    let bound = compile(expr, &Table::default(), ctx, "take")?;
    match bound.scalar.eval(&Table::default(), 0, ctx).get() {
        crate::data::ValueRef::Long(n) => Ok(n.max(0) as usize),
        crate::data::ValueRef::Int(n) => Ok(n.max(0) as usize),
        _ => Err(Loc(expr.span).semantic("expected a whole number of rows")),
    }
}

fn filter(table: Table, pred: &Expr, ctx: &ExecContext) -> Result<Table, EngineError> {
    let bound = compile(pred, &table, ctx, "where")?;
    if bound.kind != Kind::Bool {
        return Err(Loc(pred.span).semantic(format!(
            "'where' needs a bool expression, not {}",
            bound.kind
        )));
    }
    let mut keep = Vec::new();
    for row in 0..table.row_count() {
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
    Ok(table.take(&keep))
}

/// Materialise a bound expression as a column over every row.
fn evaluate_column(
    table: &Table,
    bound: &Bound,
    ctx: &ExecContext,
) -> Result<ColumnData, EngineError> {
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
/// reference, `ColumnN` otherwise.
fn implicit_name(expr: &Expr, n: usize) -> String {
    match &expr.kind {
        ExprKind::Name(name) => name.clone(),
        _ => format!("Column{n}"),
    }
}

/// `project` (only the listed columns) and `extend` (all columns plus the listed ones;
/// an existing name is replaced in place).
fn project(
    table: &Table,
    items: &[NamedExpr],
    ctx: &ExecContext,
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
            None => {
                if !matches!(item.expr.kind, ExprKind::Name(_)) {
                    unnamed += 1;
                }
                implicit_name(&item.expr, unnamed)
            }
        };
        let bound = compile(&item.expr, table, ctx, what)?;
        let data = match &bound.scalar {
            Scalar::Column(i) => table.columns()[*i].data.clone(),
            _ => evaluate_column(table, &bound, ctx)?,
        };
        let type_name = match &bound.scalar {
            Scalar::Column(i) => table.columns()[*i].type_name.clone(),
            _ => bound.kind.kql_name().to_string(),
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
    Table::new(out).map_err(|e| {
        super::Loc(items.first().map_or_else(Default::default, |i| i.span)).semantic(e.to_string())
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

fn project_away(table: Table, patterns: &[ColumnPattern], _loc: Loc) -> Result<Table, EngineError> {
    check_patterns(&table, patterns, "project-away")?;
    let kept = table
        .into_columns()
        .into_iter()
        .filter(|c| !patterns.iter().any(|p| p.matches(&c.name)));
    Ok(Table::new(kept.collect()).expect("columns of one table"))
}

fn project_keep(table: Table, patterns: &[ColumnPattern], _loc: Loc) -> Result<Table, EngineError> {
    check_patterns(&table, patterns, "project-keep")?;
    let kept = table
        .into_columns()
        .into_iter()
        .filter(|c| patterns.iter().any(|p| p.matches(&c.name)));
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

/// `sort by` / `order by`: keys may be any expression; ties keep input order.
fn sort(table: &Table, keys: &[SortExpr], ctx: &ExecContext) -> Result<Table, EngineError> {
    let mut bound = Vec::with_capacity(keys.len());
    for key in keys {
        bound.push(compile(&key.expr, table, ctx, "sort")?);
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
                    evaluate_column(table, b, ctx)?,
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
    ctx.check_cancelled()?;
    Ok(table.take(&permutation))
}
