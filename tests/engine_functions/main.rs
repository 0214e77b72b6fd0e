//! The local engine's scalar functions, one file per family, with expected answers written
//! from Kusto's documented behaviour: each case cites its page under
//! learn.microsoft.com/kusto/query/. Expressions run through `engine::execute` as an
//! `extend` over a one-row table whose columns give typed inputs (a string column, a
//! dynamic column, a string column holding JSON, nulls of each kind).

mod conversion;
mod datetime;
mod dynamic;
mod ip;
mod math;
mod props;
mod strings;

use kqlhunt::data::column::column_from_values;
use kqlhunt::data::format::plain_text;
use kqlhunt::data::time::{TICKS_PER_DAY, parse_datetime};
use kqlhunt::data::{Column, Kind, Table, Value};
use kqlhunt::engine::{Catalog, ErrorKind, ExecContext, execute};

/// 2024-05-01T12:00:00Z: `now()` for every test query.
pub const NOW: i64 = (19_844 * TICKS_PER_DAY) + 12 * 3600 * 10_000_000;

fn col(name: &str, kind: Kind, v: Value) -> Column {
    Column::new(name, column_from_values(kind, [v]))
}

/// The one-row input table `T`.
pub fn catalog() -> Catalog {
    let t = Table::new(vec![
        col("s", Kind::String, Value::String("Hello World".into())),
        col("empty", Kind::String, Value::String(String::new())),
        col("n", Kind::Long, Value::Long(42)),
        col("nulllong", Kind::Long, Value::Null),
        col("r", Kind::Real, Value::Real(2.5)),
        col(
            "d",
            Kind::Dynamic,
            Value::Dynamic(r#"{"a":{"b":[10,20,30]},"name":"x","n":5,"k":"a"}"#.into()),
        ),
        col(
            "js",
            Kind::String,
            Value::String(r#"{"User":"alice","Ips":["10.0.0.1","8.8.8.8"]}"#.into()),
        ),
        col("nulldyn", Kind::Dynamic, Value::Null),
        col(
            "t",
            Kind::DateTime,
            Value::DateTime(parse_datetime("2024-05-01T08:30:15.25Z").unwrap()),
        ),
        col("nulldt", Kind::DateTime, Value::Null),
        col("ip", Kind::String, Value::String("192.168.1.20".into())),
    ])
    .unwrap();
    let rows = Table::new(vec![
        Column::new(
            "x",
            column_from_values(Kind::Long, [1, 2, 3].map(Value::Long)),
        ),
        Column::new(
            "pat",
            column_from_values(
                Kind::String,
                ["^a", "b$", "("].map(|p| Value::String(p.into())),
            ),
        ),
        Column::new(
            "txt",
            column_from_values(
                Kind::String,
                ["abc", "abc", "abc"].map(|p| Value::String(p.into())),
            ),
        ),
    ])
    .unwrap();
    Catalog::from_tables([("T".to_string(), t), ("R".to_string(), rows)])
}

/// Evaluate `expr` on every row of the three-row table `R` (x = 1, 2, 3): the texts.
pub fn rows(expr: &str) -> Vec<String> {
    let q = format!("R | extend Result = {expr} | project Result");
    let out = execute(&catalog(), &q, &ctx()).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
    let c = out.table.column("Result").unwrap();
    (0..out.table.row_count())
        .map(|r| plain_text(c.data.get(r)).into_owned())
        .collect()
}

fn ctx() -> ExecContext {
    ExecContext {
        now: NOW,
        ..Default::default()
    }
}

/// Evaluate `expr` on the row of `T`: its value and kind.
pub fn eval(expr: &str) -> (Value, Kind) {
    let q = format!("T | extend Result = {expr} | project Result");
    let out = execute(&catalog(), &q, &ctx()).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
    let c = out.table.column("Result").unwrap();
    (c.data.get(0).to_owned(), c.kind())
}

/// `eval` as `tostring()` text.
pub fn text(expr: &str) -> String {
    let (v, _) = eval(expr);
    plain_text(v.as_ref()).into_owned()
}

/// Assert `expr` gives `want` (compared as `tostring()` text) and is of kind `kind`.
#[track_caller]
pub fn check(expr: &str, want: &str, kind: Kind) {
    let (v, k) = eval(expr);
    assert_eq!(plain_text(v.as_ref()), want, "{expr}");
    assert_eq!(k, kind, "kind of {expr}");
}

/// Assert `expr` is null.
#[track_caller]
pub fn null(expr: &str) {
    let (v, _) = eval(expr);
    assert_eq!(v, Value::Null, "{expr} should be null");
}

/// The error `expr` gives.
pub fn fails(expr: &str) -> (ErrorKind, String) {
    let q = format!("T | extend Result = {expr} | project Result");
    let e = execute(&catalog(), &q, &ctx()).expect_err(expr);
    (e.kind, e.message)
}
