//! Sources that build a table from the query text itself or from local files: `datatable`,
//! `print`, `range`, `externaldata` (local paths only), and the built-in table functions
//! (`table()`, and the Defender functions computed from the demo tables).

use std::path::Path;

use super::run::{convert, resolve_table};
use super::scope::Scope;
use super::{EngineError, Loc, defender};
use crate::data::import::{FileFormat, read_bytes};
use crate::data::{Column, ColumnData, Kind, Table, Value};
use crate::kql::ast::{Call, Datatable, ExternalData, NamedExpr, RangeSource};

/// `range` refuses to build more rows than this.
const MAX_RANGE_ROWS: usize = 10_000_000;

/// Table functions the engine provides itself.
pub fn is_builtin_table_function(name: &str) -> bool {
    name == "table" || defender::is_function(name)
}

/// `table("T")` and the Defender functions; `input` is the piped table for `invoke`.
pub fn builtin_table_function(
    scope: &Scope<'_>,
    call: &Call,
    input: Option<Table>,
) -> Result<Table, EngineError> {
    let loc = Loc(call.span);
    match call.name.name.as_str() {
        "table" if input.is_none() => {
            let [arg] = call.args.as_slice() else {
                return Err(loc.semantic("table() takes one argument, the table name"));
            };
            match scope.constant(arg, "table")?.1 {
                Value::String(name) => Ok(resolve_table(scope, &name, arg.span)?.as_ref().clone()),
                _ => Err(Loc(arg.span).semantic("table() needs the table name as a string")),
            }
        }
        name if defender::is_function(name) => defender::call(scope, call, input),
        name => Err(loc.unsupported(format!("function {name}()"))),
    }
}

/// Column kinds of a declared schema.
fn declared(columns: &[crate::kql::ast::ColumnDecl]) -> Vec<(String, Kind)> {
    columns
        .iter()
        .map(|c| (c.name.name.clone(), super::scalar::scalar_type_kind(c.ty)))
        .collect()
}

/// `datatable (schema) [values]`: values are row-major and converted to the declared kinds.
pub fn datatable(scope: &Scope<'_>, d: &Datatable) -> Result<Table, EngineError> {
    let schema = declared(&d.columns);
    if schema.is_empty() {
        return Err(Loc(d.span).semantic("datatable needs at least one column"));
    }
    if !d.values.len().is_multiple_of(schema.len()) {
        return Err(Loc(d.span).semantic(format!(
            "datatable has {} values, not a multiple of its {} columns",
            d.values.len(),
            schema.len()
        )));
    }
    let rows = d.values.len() / schema.len();
    let mut data: Vec<ColumnData> = schema
        .iter()
        .map(|(_, k)| ColumnData::with_capacity(*k, rows))
        .collect();
    for (i, e) in d.values.iter().enumerate() {
        let (_, v) = scope.constant(e, "datatable")?;
        data[i % schema.len()].push(v.as_ref());
    }
    let columns = schema
        .into_iter()
        .zip(data)
        .map(|((n, _), c)| Column::new(n, c))
        .collect();
    Ok(Table::new(columns).expect("every column has every row"))
}

/// `print a = 1, b`: one row; unnamed columns are `print_0`, `print_1`, ...
pub fn print(scope: &Scope<'_>, items: &[NamedExpr]) -> Result<Table, EngineError> {
    let mut columns: Vec<Column> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if item.names.len() > 1 {
            return Err(Loc(item.span).unsupported("tuple assignments in print"));
        }
        let (kind, value) = scope.constant(&item.expr, "print")?;
        let name = item
            .names
            .first()
            .map_or_else(|| format!("print_{i}"), |n| n.name.clone());
        let mut col = ColumnData::with_capacity(kind, 1);
        col.push(value.as_ref());
        columns.push(Column::new(name, col));
    }
    Table::new(columns).map_err(|e| Loc(items[0].span).semantic(e.to_string()))
}

/// `range x from a to b step s`: inclusive, numbers, datetimes or timespans.
pub fn range(scope: &Scope<'_>, r: &RangeSource) -> Result<Table, EngineError> {
    let loc = Loc(r.span);
    let (fk, from) = scope.constant(&r.from, "range")?;
    let (_, to) = scope.constant(&r.to, "range")?;
    let (_, step) = scope.constant(&r.step, "range")?;
    let too_many = || {
        loc.semantic(format!(
            "range would produce more than {MAX_RANGE_ROWS} rows"
        ))
    };
    // a, a+s, ... up to b inclusive, for whole numbers and ticks alike.
    let whole_steps = |a: i64, b: i64, s: i64| -> Result<Vec<Option<i64>>, EngineError> {
        if s == 0 {
            return Err(loc.semantic("range step must not be zero"));
        }
        let n = if (s > 0 && b < a) || (s < 0 && b > a) {
            0
        } else {
            ((b as i128 - a as i128) / s as i128 + 1) as usize
        };
        if n > MAX_RANGE_ROWS {
            return Err(too_many());
        }
        Ok((0..n).map(|i| Some(a + i as i64 * s)).collect())
    };
    let col = match fk {
        Kind::Int | Kind::Long => {
            let (Some(a), Some(b), Some(s)) = (as_long(&from), as_long(&to), as_long(&step)) else {
                return Err(loc.semantic("range needs whole-number from, to and step"));
            };
            ColumnData::Long(whole_steps(a, b, s)?)
        }
        Kind::Real => {
            let (Some(a), Some(b), Some(s)) = (
                from.as_ref().as_f64(),
                to.as_ref().as_f64(),
                step.as_ref().as_f64(),
            ) else {
                return Err(loc.semantic("range needs numeric from, to and step"));
            };
            if s == 0.0 || !s.is_finite() {
                return Err(loc.semantic("range step must not be zero"));
            }
            let n = ((b - a) / s).floor() + 1.0;
            if n > MAX_RANGE_ROWS as f64 {
                return Err(too_many());
            }
            let n = if n > 0.0 { n as usize } else { 0 };
            ColumnData::Real((0..n).map(|i| Some(a + i as f64 * s)).collect())
        }
        Kind::DateTime | Kind::TimeSpan => {
            let (Some(a), Some(b), Value::TimeSpan(s)) = (ticks(&from), ticks(&to), step) else {
                return Err(loc.semantic("a datetime or timespan range needs a timespan step"));
            };
            let v = whole_steps(a, b, s)?;
            if fk == Kind::DateTime {
                ColumnData::DateTime(v)
            } else {
                ColumnData::TimeSpan(v)
            }
        }
        other => return Err(loc.semantic(format!("range cannot count in {other}"))),
    };
    Ok(Table::new(vec![Column::new(r.column.name.clone(), col)]).expect("one column"))
}

fn as_long(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i as i64),
        Value::Long(i) => Some(*i),
        _ => None,
    }
}

fn ticks(v: &Value) -> Option<i64> {
    match v {
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        _ => None,
    }
}

/// `externaldata (schema) [paths] with (format=...)`: local files only. Columns are matched
/// by name for JSON and by position for CSV/TSV, and converted to the declared kinds.
pub fn externaldata(scope: &Scope<'_>, x: &ExternalData) -> Result<Table, EngineError> {
    let schema = declared(&x.columns);
    let prop = |name: &str| -> Option<String> {
        x.props
            .iter()
            .find(|p| p.name.name.eq_ignore_ascii_case(name))
            .and_then(|p| match &p.value.kind {
                crate::kql::ast::ExprKind::Name(n) => Some(n.clone()),
                crate::kql::ast::ExprKind::Literal(crate::kql::ast::Literal::String(s)) => {
                    Some(s.clone())
                }
                crate::kql::ast::ExprKind::Literal(crate::kql::ast::Literal::Bool(b)) => {
                    Some(b.to_string())
                }
                _ => None,
            })
    };
    let skip_first = prop("ignoreFirstRecord").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut parts = Vec::new();
    for url in &x.urls {
        let loc = Loc(url.span);
        let Value::String(path) = scope.constant(url, "externaldata")?.1 else {
            return Err(loc.semantic("externaldata needs the path as a string"));
        };
        let lower = path.to_ascii_lowercase();
        if lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.contains("://") && !lower.starts_with("file://")
        {
            return Err(loc.unsupported(
                "externaldata from a remote URL; only local files are read (download it and use its path)",
            ));
        }
        let path = path.strip_prefix("file://").unwrap_or(&path);
        let format = match prop("format").map(|f| f.to_ascii_lowercase()) {
            Some(f) if f == "csv" || f == "txt" => FileFormat::Csv,
            Some(f) if f == "tsv" => FileFormat::Tsv,
            Some(f) if f == "json" || f == "multijson" => FileFormat::Jsonl,
            Some(f) => return Err(loc.unsupported(format!("externaldata format '{f}'"))),
            None => FileFormat::from_path(Path::new(path)).unwrap_or(FileFormat::Csv),
        };
        let bytes = std::fs::read(path)
            .map_err(|e| loc.semantic(format!("externaldata cannot read '{path}': {e}")))?;
        parts.push(read_part(&bytes, format, &schema, skip_first).map_err(|m| loc.semantic(m))?);
    }
    let mut columns: Vec<ColumnData> = schema.iter().map(|(_, k)| ColumnData::new(*k)).collect();
    for part in &parts {
        for (i, col) in columns.iter_mut().enumerate() {
            let src = &part.columns()[i].data;
            for row in 0..part.row_count() {
                col.push(src.get(row));
            }
        }
    }
    let columns = schema
        .into_iter()
        .zip(columns)
        .map(|((n, _), c)| Column::new(n, c))
        .collect();
    Ok(Table::new(columns).expect("every column has every row"))
}

/// One file as a table with exactly the declared columns, in order.
fn read_part(
    bytes: &[u8],
    format: FileFormat,
    schema: &[(String, Kind)],
    skip_first: bool,
) -> Result<Table, String> {
    let delimited = matches!(format, FileFormat::Csv | FileFormat::Tsv);
    let table = if delimited {
        // Positional columns: give the file the declared names as its header.
        let sep = if format == FileFormat::Tsv { "\t" } else { "," };
        let header: Vec<&str> = schema.iter().map(|(n, _)| n.as_str()).collect();
        let text = String::from_utf8_lossy(bytes);
        let body = if skip_first {
            text.split_once('\n').map_or("", |(_, rest)| rest)
        } else {
            &text
        };
        read_bytes(format!("{}\n{body}", header.join(sep)).as_bytes(), format)?
    } else {
        read_bytes(bytes, format)?
    };
    let rows = table.row_count();
    let columns = schema
        .iter()
        .map(|(name, kind)| {
            let mut out = ColumnData::with_capacity(*kind, rows);
            match table.column(name) {
                Some(c) => (0..rows).for_each(|r| {
                    out.push(convert(c.data.get(r).to_owned(), *kind).as_ref());
                }),
                None => (0..rows).for_each(|_| out.push_null()),
            }
            Column::new(name.clone(), out)
        })
        .collect();
    Table::new(columns).map_err(|e| e.to_string())
}
