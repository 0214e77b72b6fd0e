//! `evaluate` plugins. `bag_unpack` makes one column per property of a dynamic bag
//! column (values stay `dynamic`, as Kusto types them), with an optional prefix, and drops
//! the bag column. `pivot` turns the distinct values of a column into columns holding an
//! aggregate (`count()` by default) per group of the other columns. A declared output
//! schema (`evaluate p(...) : (a:string, ...)`) shapes the result. Other plugins are
//! refused by name.

use std::collections::HashMap;

use super::ops::{CANCEL_EVERY, evaluate_column};
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::format::plain_text;
use crate::data::{Column, ColumnData, Kind, Table, Value, ValueRef};
use crate::kql::ast::{Call, ColumnDecl, Expr, ExprKind, NamedExpr};

pub fn evaluate(
    table: Table,
    plugin: &Call,
    schema: Option<&[ColumnDecl]>,
    scope: &Scope<'_>,
) -> Result<Table, EngineError> {
    let loc = Loc(plugin.span);
    let out = match plugin.name.name.as_str() {
        "bag_unpack" => bag_unpack(table, plugin, scope, loc)?,
        "pivot" => pivot(&table, plugin, scope, loc)?,
        other => return Err(loc.unsupported(format!("evaluate {other}()"))),
    };
    match schema {
        Some(decls) => Ok(shape(&out, decls)),
        None => Ok(out),
    }
}

/// The declared columns, in order, converted to their types (null where absent).
fn shape(t: &Table, decls: &[ColumnDecl]) -> Table {
    let columns = decls
        .iter()
        .map(|d| {
            let kind = super::scalar::scalar_type_kind(d.ty);
            let mut col = ColumnData::with_capacity(kind, t.row_count());
            match t.column(&d.name.name) {
                Some(c) => (0..t.row_count()).for_each(|r| {
                    col.push(c.data.get(r));
                }),
                None => (0..t.row_count()).for_each(|_| col.push_null()),
            }
            Column::new(d.name.name.clone(), col)
        })
        .collect();
    Table::new(columns).expect("every column has every row")
}

/// `pivot(Column [, Aggregate [, GroupColumn...]])`.
fn pivot(table: &Table, plugin: &Call, scope: &Scope<'_>, loc: Loc) -> Result<Table, EngineError> {
    let Some(pivot_name) = plugin.args.first().and_then(|a| a.as_name()) else {
        return Err(loc.semantic("pivot() needs the pivot column"));
    };
    let count = Expr {
        kind: ExprKind::Call(Call {
            name: crate::kql::ast::Ident {
                name: "count".into(),
                span: plugin.span,
            },
            args: Vec::new(),
            span: plugin.span,
        }),
        span: plugin.span,
    };
    let agg = plugin.args.get(1).cloned().unwrap_or(count);
    let agg_columns: Vec<String> = match &agg.kind {
        ExprKind::Call(c) => c
            .args
            .iter()
            .filter_map(|a| a.as_name().map(String::from))
            .collect(),
        _ => return Err(Loc(agg.span).semantic("pivot() needs an aggregate call")),
    };
    let groups: Vec<String> = if plugin.args.len() > 2 {
        plugin.args[2..]
            .iter()
            .map(|a| {
                a.as_name()
                    .map(String::from)
                    .ok_or_else(|| Loc(a.span).semantic("pivot() groups by column names"))
            })
            .collect::<Result<_, _>>()?
    } else {
        table
            .columns()
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| n != pivot_name && !agg_columns.contains(n))
            .collect()
    };
    let item = |name: &str| NamedExpr {
        names: Vec::new(),
        expr: Expr {
            kind: ExprKind::Name(name.to_string()),
            span: plugin.span,
        },
        span: plugin.span,
    };
    let mut by: Vec<NamedExpr> = groups.iter().map(|g| item(g)).collect();
    by.push(item(pivot_name));
    let value = NamedExpr {
        names: vec![crate::kql::ast::Ident {
            name: "\u{1}value".into(),
            span: plugin.span,
        }],
        expr: agg.clone(),
        span: plugin.span,
    };
    let summary = super::summarize::summarize(table, &[value], &by, scope, loc)?;
    let n_groups = groups.len();
    let pivot_col = &summary.columns()[n_groups].data;
    let value_col = &summary.columns()[n_groups + 1].data;
    // Pivot values become columns, in ascending order.
    let mut values: Vec<String> = (0..summary.row_count())
        .map(|r| plain_text(pivot_col.get(r)).into_owned())
        .collect();
    values.sort();
    values.dedup();
    let group_cols: Vec<&ColumnData> = summary.columns()[..n_groups]
        .iter()
        .map(|c| &c.data)
        .collect();
    let mut rows_of: HashMap<Vec<super::keys::Key<'_>>, usize> = HashMap::new();
    let mut first_rows = Vec::new();
    let mut cells: Vec<HashMap<String, usize>> = Vec::new();
    for r in 0..summary.row_count() {
        let key = super::keys::key_of(&group_cols, r);
        let g = *rows_of.entry(key).or_insert_with(|| {
            first_rows.push(r);
            cells.push(HashMap::new());
            cells.len() - 1
        });
        cells[g].insert(plain_text(pivot_col.get(r)).into_owned(), r);
    }
    let fill = match &agg.kind {
        ExprKind::Call(c) => super::aggregate::Agg::from_name(&c.name.name)
            .map_or(Value::Null, super::aggregate::Agg::empty),
        _ => Value::Null,
    };
    let mut columns: Vec<Column> = summary.columns()[..n_groups]
        .iter()
        .map(|c| Column::new(c.name.clone(), c.data.take(&first_rows)))
        .collect();
    for v in &values {
        let mut col = ColumnData::with_capacity(value_col.kind(), cells.len());
        for g in &cells {
            match g.get(v) {
                Some(&r) => col.push(value_col.get(r)),
                None => col.push(fill.as_ref()),
            };
        }
        let name = super::summarize::unique(v.clone(), &columns);
        columns.push(Column::new(name, col));
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}

fn bag_unpack(
    table: Table,
    plugin: &Call,
    scope: &Scope<'_>,
    loc: Loc,
) -> Result<Table, EngineError> {
    let mut positional = plugin
        .args
        .iter()
        .filter(|a| !matches!(a.kind, ExprKind::NamedArg { .. }));
    let Some(column) = positional.next() else {
        return Err(loc.semantic("bag_unpack() needs the bag column"));
    };
    let prefix = match positional.next() {
        Some(e) => match scope.constant(e, "bag_unpack")?.1 {
            Value::String(s) => s,
            Value::Null => String::new(),
            _ => return Err(Loc(e.span).semantic("the bag_unpack prefix must be a string")),
        },
        None => String::new(),
    };
    let mut ignored: Vec<String> = Vec::new();
    let mut replace_source = false;
    let mut keep_source = false;
    for a in &plugin.args {
        if let ExprKind::NamedArg { name, value } = &a.kind {
            match name.name.as_str() {
                "ignoredProperties" => {
                    if let Value::Dynamic(j) = scope.constant(value, "bag_unpack")?.1
                        && let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&j)
                    {
                        ignored = items
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_string))
                            .collect();
                    }
                }
                "columnsConflict" => match scope.constant(value, "bag_unpack")?.1 {
                    Value::String(s) if s == "replace_source" => replace_source = true,
                    Value::String(s) if s == "keep_source" => keep_source = true,
                    Value::String(s) if s == "error" => {}
                    _ => {
                        return Err(Loc(value.span).semantic(
                            "columnsConflict must be error, replace_source or keep_source",
                        ));
                    }
                },
                other => {
                    return Err(Loc(a.span).unsupported(format!("bag_unpack argument '{other}'")));
                }
            }
        }
    }
    let bound = scope.compile(column, &table, "bag_unpack")?;
    let bag_col = match bound.scalar {
        super::scalar::Scalar::Column(i) => Some(table.columns()[i].name.clone()),
        _ => None,
    };
    let data = evaluate_column(&table, &bound, &scope.ctx)?;
    let mut keys: Vec<String> = Vec::new();
    let mut key_index: HashMap<String, usize> = HashMap::new();
    let mut rows: Vec<Vec<(usize, Value)>> = Vec::with_capacity(table.row_count());
    for row in 0..table.row_count() {
        if row % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        let mut cells = Vec::new();
        if let ValueRef::Dynamic(j) = data.get(row)
            && let Ok(serde_json::Value::Object(map)) = serde_json::from_str(j)
        {
            for (k, v) in map {
                if ignored.contains(&k) {
                    continue;
                }
                let i = *key_index.entry(k.clone()).or_insert_with(|| {
                    keys.push(k);
                    keys.len() - 1
                });
                cells.push((i, Value::dynamic(&v)));
            }
        }
        rows.push(cells);
    }
    let mut columns: Vec<Column> = table
        .into_columns()
        .into_iter()
        .filter(|c| Some(&c.name) != bag_col.as_ref())
        .collect();
    for (i, key) in keys.iter().enumerate() {
        let name = format!("{prefix}{key}");
        let mut col = ColumnData::with_capacity(Kind::Dynamic, rows.len());
        for cells in &rows {
            match cells.iter().find(|(k, _)| *k == i) {
                Some((_, v)) => {
                    col.push(v.as_ref());
                }
                None => col.push_null(),
            }
        }
        match columns.iter().position(|c| c.name == name) {
            Some(_) if keep_source => {}
            Some(pos) if replace_source => columns[pos] = Column::new(name, col),
            Some(_) => {
                return Err(loc.semantic(format!(
                    "bag_unpack: property '{name}' clashes with an existing column"
                )));
            }
            None => columns.push(Column::new(name, col)),
        }
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}
