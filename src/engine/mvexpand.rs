//! `mv-expand`: each row becomes one row per element of a dynamic array (or per property
//! of a bag: `{key: value}` bags by default, `[key, value]` pairs with
//! `bagexpansion=array`). Several columns expand in lockstep, the shorter padded with
//! nulls; `to typeof(t)` casts the elements (an element of another type becomes null, text
//! is not parsed into numbers); `limit n` caps the rows per input row; `with_itemindex=I`
//! adds each element's index. A null value gives one row with null, an empty array or bag
//! none. `mv-apply` runs a subquery over each row's expanded items.

use super::ops::{CANCEL_EVERY, evaluate_column};
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::format::json_value;
use crate::data::{Column, ColumnData, Kind, Table, Value, ValueRef};
use crate::kql::ast::{ExprKind, Literal, MvApply, MvExpand};

pub fn mv_expand(
    table: &Table,
    m: &MvExpand,
    scope: &Scope<'_>,
    loc: Loc,
) -> Result<Table, EngineError> {
    let param = |name: &str| {
        m.params
            .iter()
            .find(|p| p.name.name.eq_ignore_ascii_case(name))
            .and_then(|p| match &p.value.kind {
                ExprKind::Name(n) => Some(n.clone()),
                ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
                _ => None,
            })
    };
    let pairs = param("bagexpansion").is_some_and(|v| v.eq_ignore_ascii_case("array"));
    let index_name = param("with_itemindex");
    let limit = match &m.limit {
        Some(e) => super::ops::row_count(e, scope)?,
        None => usize::MAX,
    };
    // Each expanded item: its output name, its elements per row, its output kind.
    let mut expanded: Vec<(String, Vec<Vec<Value>>, Kind)> = Vec::new();
    for item in &m.items {
        let e = &item.item;
        if e.names.len() > 1 {
            return Err(Loc(e.span).unsupported("tuple names in mv-expand"));
        }
        let name = match e.names.first() {
            Some(n) => n.name.clone(),
            None => super::summarize::key_name(&e.expr).ok_or_else(|| {
                Loc(e.span).semantic("mv-expand needs a name for this expression")
            })?,
        };
        let bound = scope.compile(&e.expr, table, "mv-expand")?;
        let data = evaluate_column(table, &bound, &scope.ctx)?;
        let kind = item
            .to_type
            .map(super::scalar::scalar_type_kind)
            .unwrap_or(Kind::Dynamic);
        let mut per_row = Vec::with_capacity(table.row_count());
        for row in 0..table.row_count() {
            if row % CANCEL_EVERY == 0 {
                scope.ctx.check_cancelled()?;
            }
            per_row.push(elements(data.get(row), pairs));
        }
        expanded.push((name, per_row, kind));
    }
    // Which input row each output row comes from, and the element index.
    let mut source_rows = Vec::new();
    let mut item_index = Vec::new();
    for row in 0..table.row_count() {
        let n = expanded
            .iter()
            .map(|(_, per_row, _)| per_row[row].len())
            .max()
            .unwrap_or(0)
            .min(limit);
        for i in 0..n {
            source_rows.push(row);
            item_index.push(i);
        }
    }
    let mut columns: Vec<Column> = table
        .columns()
        .iter()
        .map(|c| {
            Column::new(c.name.clone(), c.data.take(&source_rows))
                .with_type_name(c.type_name.clone())
        })
        .collect();
    for (name, per_row, kind) in expanded {
        let mut col = ColumnData::with_capacity(kind, source_rows.len());
        for (&row, &i) in source_rows.iter().zip(&item_index) {
            match per_row[row].get(i) {
                Some(Value::Dynamic(j)) if kind != Kind::Dynamic => {
                    col.push(cast(j, kind).as_ref());
                }
                Some(v) => {
                    col.push(v.as_ref());
                }
                None => col.push_null(),
            }
        }
        let column = Column::new(name.clone(), col);
        match columns.iter_mut().find(|c| c.name == name) {
            Some(existing) => *existing = column,
            None => columns.push(column),
        }
    }
    if let Some(index_name) = index_name {
        let idx = ColumnData::Long(item_index.iter().map(|&i| Some(i as i64)).collect());
        columns.push(Column::new(index_name, idx));
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}

/// `to typeof(kind)`: the element if it already is of that kind (datetimes, timespans and
/// guids travel as text in JSON), else null.
fn cast(json: &str, kind: Kind) -> Value {
    let Ok(j) = serde_json::from_str::<serde_json::Value>(json) else {
        return Value::Null;
    };
    match (kind, &j) {
        (Kind::String, serde_json::Value::String(s)) => Value::String(s.clone()),
        (Kind::Long, serde_json::Value::Number(n)) => n.as_i64().map_or(Value::Null, Value::Long),
        (Kind::Int, serde_json::Value::Number(n)) => n
            .as_i64()
            .and_then(|i| i32::try_from(i).ok())
            .map_or(Value::Null, Value::Int),
        (Kind::Real, serde_json::Value::Number(n)) => n.as_f64().map_or(Value::Null, Value::Real),
        (Kind::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
        (Kind::DateTime | Kind::TimeSpan | Kind::Guid, serde_json::Value::String(s)) => {
            let mut col = ColumnData::with_capacity(kind, 1);
            col.push(ValueRef::String(s));
            col.get(0).to_owned()
        }
        _ => Value::Null,
    }
}

/// The elements one cell expands into (dynamic values, or the cell itself if scalar): a
/// null is one null element, an empty array or bag none.
fn elements(v: ValueRef<'_>, pairs: bool) -> Vec<Value> {
    let json = match v {
        ValueRef::Null => return vec![Value::Null],
        ValueRef::Dynamic(j) => match serde_json::from_str::<serde_json::Value>(j) {
            Ok(j) => j,
            Err(_) => return vec![Value::Dynamic(j.to_string())],
        },
        ValueRef::String(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(j @ (serde_json::Value::Array(_) | serde_json::Value::Object(_))) => j,
            _ => return vec![Value::dynamic(&json_value(v))],
        },
        other => return vec![Value::dynamic(&json_value(other))],
    };
    match json {
        serde_json::Value::Array(items) => items.iter().map(Value::dynamic).collect(),
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(k, x)| {
                let j = if pairs {
                    serde_json::Value::Array(vec![serde_json::Value::String(k), x])
                } else {
                    let mut one = serde_json::Map::new();
                    one.insert(k, x);
                    serde_json::Value::Object(one)
                };
                Value::Dynamic(j.to_string())
            })
            .collect(),
        other => vec![Value::dynamic(&other)],
    }
}

/// `mv-apply`: for each row, the expanded items form a small table that the `on (...)`
/// subquery runs over; each result row is joined back to the row's other columns (the
/// expanded columns are replaced by what the subquery returns). A row whose subquery
/// returns nothing is dropped.
pub fn mv_apply(
    table: &Table,
    m: &MvApply,
    scope: &Scope<'_>,
    loc: Loc,
) -> Result<Table, EngineError> {
    let expand = MvExpand {
        params: m.params.clone(),
        items: m.items.clone(),
        limit: m.limit.clone(),
    };
    let mut item_names = Vec::new();
    for item in &m.items {
        let e = &item.item;
        match e.names.first() {
            Some(n) => item_names.push(n.name.clone()),
            None => item_names.push(super::summarize::key_name(&e.expr).ok_or_else(|| {
                Loc(e.span).semantic("mv-apply needs a name for this expression")
            })?),
        }
    }
    if let Some(p) = m
        .params
        .iter()
        .find(|p| p.name.name.eq_ignore_ascii_case("with_itemindex"))
        && let ExprKind::Name(n) = &p.value.kind
    {
        item_names.push(n.clone());
    }
    let mut legs = Vec::new();
    for row in 0..table.row_count() {
        scope.ctx.check_cancelled()?;
        let one = table.take(&[row]);
        let expanded = mv_expand(&one, &expand, scope, loc)?;
        let sub_columns: Vec<Column> = expanded
            .columns()
            .iter()
            .filter(|c| item_names.contains(&c.name))
            .cloned()
            .collect();
        let sub = Table::new(sub_columns).map_err(|e| loc.semantic(e.to_string()))?;
        let result = super::run::pipeline(scope, std::sync::Arc::new(sub), &m.on)?.table;
        if result.row_count() == 0 {
            continue;
        }
        let repeat = vec![0; result.row_count()];
        let mut columns: Vec<Column> = one
            .columns()
            .iter()
            .filter(|c| !item_names.contains(&c.name) && result.column(&c.name).is_none())
            .map(|c| {
                Column::new(c.name.clone(), c.data.take(&repeat))
                    .with_type_name(c.type_name.clone())
            })
            .collect();
        columns.extend(result.into_columns());
        let t = Table::new(columns).map_err(|e| loc.semantic(e.to_string()))?;
        legs.push((String::new(), std::sync::Arc::new(t)));
    }
    if legs.is_empty() {
        // No rows: the schema is the other columns plus what the subquery returns over
        // an empty subtable.
        let expanded = mv_expand(&table.head(0), &expand, scope, loc)?;
        let sub = Table::new(
            expanded
                .columns()
                .iter()
                .filter(|c| item_names.contains(&c.name))
                .cloned()
                .collect(),
        )
        .map_err(|e| loc.semantic(e.to_string()))?;
        let result = super::run::pipeline(scope, std::sync::Arc::new(sub), &m.on)?.table;
        let mut columns: Vec<Column> = table
            .columns()
            .iter()
            .filter(|c| !item_names.contains(&c.name) && result.column(&c.name).is_none())
            .map(|c| Column::new(c.name.clone(), ColumnData::new(c.kind())))
            .collect();
        columns.extend(result.head(0).into_columns());
        return Table::new(columns).map_err(|e| loc.semantic(e.to_string()));
    }
    super::union::combine_legs(legs, false, None, loc)
}
