//! `evaluate` plugins. Only `bag_unpack` runs locally: one column per property of a
//! dynamic bag column (values stay `dynamic`, as Kusto types them), with an optional
//! prefix; the bag column itself is dropped. Other plugins are refused by name.

use std::collections::HashMap;

use super::ops::{CANCEL_EVERY, evaluate_column};
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::{Column, ColumnData, Kind, Table, Value, ValueRef};
use crate::kql::ast::{Call, ExprKind};

pub fn evaluate(table: Table, plugin: &Call, scope: &Scope<'_>) -> Result<Table, EngineError> {
    let loc = Loc(plugin.span);
    match plugin.name.name.as_str() {
        "bag_unpack" => bag_unpack(table, plugin, scope, loc),
        other => Err(loc.unsupported(format!("evaluate {other}()"))),
    }
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
                    _ => return Err(Loc(value.span).semantic("columnsConflict must be error, replace_source or keep_source")),
                },
                other => return Err(Loc(a.span).unsupported(format!("bag_unpack argument '{other}'"))),
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
