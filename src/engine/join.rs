//! `join` and `lookup` as hash joins: the right table is hashed on its keys once, the
//! left probes it. Every join kind of Kusto: innerunique (the default: the left side is
//! first deduplicated on the key), inner, left/right/full outer, left/right anti and semi.
//! Right-side columns whose names clash with the left are renamed `Name1`, `Name2`...; a
//! null key matches nothing.

use std::collections::HashMap;
use std::collections::HashSet;

use super::keys::{Key, key_of};
use super::ops::CANCEL_EVERY;
use super::scope::Scope;
use super::summarize::unique;
use super::{EngineError, Loc};
use crate::data::{Column, ColumnData, Table};
use crate::kql::ast::{Join, JoinCondition, JoinKind};

/// `left | join (right) on ...` (or `lookup` when `lookup` is true).
pub fn join(
    left: &Table,
    j: &Join,
    scope: &Scope<'_>,
    loc: Loc,
    lookup: bool,
) -> Result<Table, EngineError> {
    let what = if lookup { "lookup" } else { "join" };
    let kind = match (j.kind, lookup) {
        (Some(k), false) => k,
        (None, false) => JoinKind::InnerUnique,
        (None, true) | (Some(JoinKind::LeftOuter), true) => JoinKind::LeftOuter,
        (Some(JoinKind::Inner), true) => JoinKind::Inner,
        (Some(_), true) => return Err(loc.semantic("lookup supports kind=leftouter or kind=inner")),
    };
    let right = super::run::tabular(scope, &j.right)?.table;
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for cond in &j.on {
        let (l, r, span) = match cond {
            JoinCondition::Same(id) => (&id.name, &id.name, id.span),
            JoinCondition::Equal { left, right, span } => (&left.name, &right.name, *span),
            JoinCondition::Expr(e) => {
                return Err(Loc(e.span).unsupported(format!(
                    "{what} conditions other than equal columns ($left.A == $right.B)"
                )));
            }
        };
        let li = left.column_index(l).ok_or_else(|| {
            Loc(span).semantic(format!(
                "'{what}': Failed to resolve column '{l}' on the left side"
            ))
        })?;
        let ri = right.column_index(r).ok_or_else(|| {
            Loc(span).semantic(format!(
                "'{what}': Failed to resolve column '{r}' on the right side"
            ))
        })?;
        pairs.push((li, ri));
    }
    if pairs.is_empty() {
        return Err(loc.semantic(format!("'{what}' needs at least one 'on' key")));
    }
    let left_keys: Vec<&ColumnData> = pairs
        .iter()
        .map(|&(l, _)| &left.columns()[l].data)
        .collect();
    let right_keys: Vec<&ColumnData> = pairs
        .iter()
        .map(|&(_, r)| &right.columns()[r].data)
        .collect();

    // Build: right rows by key.
    let mut index: HashMap<Vec<Key<'_>>, Vec<usize>> = HashMap::new();
    for row in 0..right.row_count() {
        if row % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        let key = key_of(&right_keys, row);
        if key.contains(&Key::Null) {
            continue;
        }
        index.entry(key).or_default().push(row);
    }

    // Probe with the left rows (deduplicated on the key for innerunique).
    let mut seen_left = HashSet::new();
    let mut out: Vec<(Option<usize>, Option<usize>)> = Vec::new();
    let mut right_matched = vec![false; right.row_count()];
    for row in 0..left.row_count() {
        if row % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        let key = key_of(&left_keys, row);
        if kind == JoinKind::InnerUnique && !seen_left.insert(key.clone()) {
            continue;
        }
        let matches = if key.contains(&Key::Null) {
            None
        } else {
            index.get(&key)
        };
        match kind {
            JoinKind::InnerUnique | JoinKind::Inner => {
                for &r in matches.into_iter().flatten() {
                    out.push((Some(row), Some(r)));
                }
            }
            JoinKind::LeftOuter | JoinKind::FullOuter | JoinKind::RightOuter => match matches {
                Some(rs) => {
                    for &r in rs {
                        right_matched[r] = true;
                        out.push((Some(row), Some(r)));
                    }
                }
                None if kind != JoinKind::RightOuter => out.push((Some(row), None)),
                None => {}
            },
            JoinKind::LeftAnti => {
                if matches.is_none() {
                    out.push((Some(row), None));
                }
            }
            JoinKind::LeftSemi => {
                if matches.is_some() {
                    out.push((Some(row), None));
                }
            }
            JoinKind::RightAnti | JoinKind::RightSemi => {
                for &r in matches.into_iter().flatten() {
                    right_matched[r] = true;
                }
            }
        }
    }
    match kind {
        JoinKind::RightOuter | JoinKind::FullOuter => {
            out.extend(
                (0..right.row_count())
                    .filter(|&r| !right_matched[r])
                    .map(|r| (None, Some(r))),
            );
        }
        JoinKind::RightAnti => {
            let rows: Vec<usize> = (0..right.row_count())
                .filter(|&r| !right_matched[r])
                .collect();
            return Ok(right.take(&rows));
        }
        JoinKind::RightSemi => {
            let rows: Vec<usize> = (0..right.row_count())
                .filter(|&r| right_matched[r])
                .collect();
            return Ok(right.take(&rows));
        }
        JoinKind::LeftAnti | JoinKind::LeftSemi => {
            let rows: Vec<usize> = out.iter().filter_map(|(l, _)| *l).collect();
            return Ok(left.take(&rows));
        }
        _ => {}
    }
    let left_rows: Vec<Option<usize>> = out.iter().map(|(l, _)| *l).collect();
    let right_rows: Vec<Option<usize>> = out.iter().map(|(_, r)| *r).collect();
    let mut columns: Vec<Column> = Vec::with_capacity(left.columns().len() + right.columns().len());
    for c in left.columns() {
        let data = take_opt(&c.data, &left_rows);
        columns.push(Column::new(c.name.clone(), data).with_type_name(c.type_name.clone()));
    }
    for (i, c) in right.columns().iter().enumerate() {
        if lookup && pairs.iter().any(|&(_, r)| r == i) {
            continue;
        }
        let name = unique(c.name.clone(), &columns);
        let data = take_opt(&c.data, &right_rows);
        columns.push(Column::new(name, data).with_type_name(c.type_name.clone()));
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}

/// The rows at `rows` (`None` gives a null).
pub fn take_opt(data: &ColumnData, rows: &[Option<usize>]) -> ColumnData {
    if rows.iter().all(Option::is_some) {
        let idx: Vec<usize> = rows.iter().map(|r| r.unwrap_or_default()).collect();
        return data.take(&idx);
    }
    let mut col = ColumnData::with_capacity(data.kind(), rows.len());
    for r in rows {
        match r {
            Some(r) => {
                col.push(data.get(*r));
            }
            None => col.push_null(),
        }
    }
    col
}
