//! `parse` and `parse-where`: the pattern (string literals, `*` and `Column[:type]`
//! captures) is compiled once into an anchored regular expression; `kind=regex` takes the
//! literal parts as regular expressions. Captures convert to their declared type; in the
//! default mode a failed conversion fails the whole row (all new columns null), with
//! `kind=relaxed` only that column. `parse-where` drops rows that do not match.

use regex::Regex;

use super::ops::{CANCEL_EVERY, evaluate_column};
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::format::plain_text;
use crate::data::{Column, ColumnData, Kind, Table, ValueRef};
use crate::kql::ast::{ExprKind, Literal, Parse, ParseKind, ParsePart, ScalarType};

pub fn parse(
    table: &Table,
    p: &Parse,
    scope: &Scope<'_>,
    loc: Loc,
    drop_unmatched: bool,
) -> Result<Table, EngineError> {
    let flags = p
        .params
        .iter()
        .find(|x| x.name.name.eq_ignore_ascii_case("flags"))
        .and_then(|x| match &x.value.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let mut pattern = String::from("(?s)^");
    for f in flags.chars() {
        match f {
            'i' => pattern.push_str("(?i)"),
            'm' => pattern.push_str("(?m)"),
            's' => {}
            other => return Err(loc.unsupported(format!("parse flag '{other}'"))),
        }
    }
    let mut captures: Vec<(String, Kind)> = Vec::new();
    let last = p.pattern.len().saturating_sub(1);
    for (i, part) in p.pattern.iter().enumerate() {
        match part {
            ParsePart::Literal(text) => match p.kind {
                ParseKind::Regex => pattern.push_str(&format!("(?:{text})")),
                _ => pattern.push_str(&regex::escape(text)),
            },
            ParsePart::Star => pattern.push_str(if i == last { "(?:.*)" } else { "(?:.*?)" }),
            ParsePart::Column { name, ty } => {
                let ty = ty.unwrap_or(ScalarType::String);
                let kind = super::scalar::scalar_type_kind(ty);
                let group = match ty {
                    _ if p.kind == ParseKind::Relaxed && i == last => "(.*)",
                    _ if p.kind == ParseKind::Relaxed => "(.*?)",
                    ScalarType::Int | ScalarType::Long => r"(-?\d+)",
                    ScalarType::Real | ScalarType::Decimal => r"(-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)",
                    _ if i == last => "(.*)",
                    _ => "(.*?)",
                };
                pattern.push_str(group);
                captures.push((name.name.clone(), kind));
            }
        }
    }
    let re = Regex::new(&pattern).map_err(|e| {
        loc.semantic(format!(
            "the parse pattern is not a valid regular expression: {e}"
        ))
    })?;
    let bound = scope.compile(&p.expr, table, "parse")?;
    let source = evaluate_column(table, &bound, &scope.ctx)?;
    let mut out: Vec<ColumnData> = captures
        .iter()
        .map(|(_, k)| ColumnData::with_capacity(*k, table.row_count()))
        .collect();
    let mut keep = Vec::new();
    for row in 0..table.row_count() {
        if row % CANCEL_EVERY == 0 {
            scope.ctx.check_cancelled()?;
        }
        let text = plain_text(source.get(row));
        let matched = re.captures(&text).and_then(|caps| {
            let mut values = Vec::with_capacity(captures.len());
            for (i, (_, kind)) in captures.iter().enumerate() {
                let s = caps.get(i + 1).map_or("", |m| m.as_str());
                let mut one = ColumnData::with_capacity(*kind, 1);
                let ok = one.push(ValueRef::String(s));
                if !ok && p.kind != ParseKind::Relaxed {
                    return None;
                }
                values.push(one);
            }
            Some(values)
        });
        match matched {
            Some(values) => {
                keep.push(row);
                for (col, v) in out.iter_mut().zip(&values) {
                    col.push(v.get(0));
                }
            }
            None if drop_unmatched => {}
            None => {
                keep.push(row);
                out.iter_mut().for_each(ColumnData::push_null);
            }
        }
    }
    let mut columns: Vec<Column> = if keep.len() == table.row_count() {
        table.columns().to_vec()
    } else {
        table.take(&keep).into_columns()
    };
    for ((name, _), data) in captures.into_iter().zip(out) {
        let column = Column::new(name.clone(), data);
        match columns.iter_mut().find(|c| c.name == name) {
            Some(existing) => *existing = column,
            None => columns.push(column),
        }
    }
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}
