//! Conversions and control flow: `to*()` casts, emptiness and null tests, `not`, `iff`,
//! `case`, `coalesce`, and `ingestion_time` (always null locally: local tables carry no
//! ingestion metadata, so a `where ingestion_time() > ...` keeps nothing rather than
//! guessing).

use super::{Args, FuncDef, Ret, convert, f, fv, numeric_kind};
use crate::data::{Kind, Value, ValueRef};

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("tostring", 1, 1, Ret::K(Kind::String), tostring),
    f("tolong", 1, 1, Ret::K(Kind::Long), tolong),
    f("toint", 1, 1, Ret::K(Kind::Int), toint),
    f("toreal", 1, 1, Ret::K(Kind::Real), toreal),
    f("todouble", 1, 1, Ret::K(Kind::Real), toreal),
    f("todecimal", 1, 1, Ret::K(Kind::Real), toreal),
    f("tobool", 1, 1, Ret::K(Kind::Bool), tobool),
    f("toboolean", 1, 1, Ret::K(Kind::Bool), tobool),
    f("todatetime", 1, 1, Ret::K(Kind::DateTime), todatetime),
    f("totimespan", 1, 1, Ret::K(Kind::TimeSpan), totimespan),
    f("totime", 1, 1, Ret::K(Kind::TimeSpan), totimespan),
    f("toguid", 1, 1, Ret::K(Kind::Guid), toguid),
    f("tohex", 1, 2, Ret::K(Kind::String), tohex),
    f("isempty", 1, 1, Ret::K(Kind::Bool), isempty),
    f("isnotempty", 1, 1, Ret::K(Kind::Bool), isnotempty),
    f("notempty", 1, 1, Ret::K(Kind::Bool), isnotempty),
    f("isnull", 1, 1, Ret::K(Kind::Bool), isnull),
    f("isnotnull", 1, 1, Ret::K(Kind::Bool), isnotnull),
    f("notnull", 1, 1, Ret::K(Kind::Bool), isnotnull),
    f("not", 1, 1, Ret::K(Kind::Bool), not),
    f("iff", 3, 3, Ret::F(iff_kind), iff),
    f("iif", 3, 3, Ret::F(iff_kind), iff),
    f("case", 3, 257, Ret::F(case_kind), case),
    f("coalesce", 1, 64, Ret::F(coalesce_kind), coalesce),
    f(
        "ingestion_time",
        0,
        0,
        Ret::K(Kind::DateTime),
        ingestion_time,
    ),
    fv("new_guid", 0, 0, Ret::K(Kind::Guid), new_guid),
];

fn tostring(a: &Args<'_>) -> Value {
    Value::String(a.str(0).into_owned())
}

fn tolong(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::Long)
}

fn toint(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::Int)
}

fn toreal(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::Real)
}

fn tobool(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::Bool)
}

fn todatetime(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::DateTime)
}

fn totimespan(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::TimeSpan)
}

fn toguid(a: &Args<'_>) -> Value {
    convert(a.get(0), Kind::Guid)
}

/// `tohex(n [, min_length])`: lower-case hex; negative numbers in 64-bit two's complement.
fn tohex(a: &Args<'_>) -> Value {
    let n = match a.get(0) {
        ValueRef::Int(i) => i as u32 as u64,
        v => match super::long_of(v) {
            Some(i) => i as u64,
            None => return Value::Null,
        },
    };
    let width = a.long(1).unwrap_or(0).clamp(0, 64) as usize;
    Value::String(format!("{n:0width$x}"))
}

/// Empty means null, or a string (or dynamic string) of length zero.
fn empty(v: ValueRef<'_>) -> bool {
    match v {
        ValueRef::Null => true,
        ValueRef::String(s) => s.is_empty(),
        ValueRef::Dynamic(j) => j == "\"\"",
        _ => false,
    }
}

fn isempty(a: &Args<'_>) -> Value {
    Value::Bool(empty(a.get(0)))
}

fn isnotempty(a: &Args<'_>) -> Value {
    Value::Bool(!empty(a.get(0)))
}

fn isnull(a: &Args<'_>) -> Value {
    Value::Bool(a.is_null(0))
}

fn isnotnull(a: &Args<'_>) -> Value {
    Value::Bool(!a.is_null(0))
}

fn not(a: &Args<'_>) -> Value {
    a.bool(0).map_or(Value::Null, |b| Value::Bool(!b))
}

/// The common kind of several branch values: numbers promote, otherwise the first
/// branch that is not a bare `null` decides.
fn branches_kind(kinds: impl IntoIterator<Item = Kind>) -> Kind {
    let kinds: Vec<Kind> = kinds.into_iter().collect();
    if !kinds.is_empty() && kinds.iter().all(|k| k.is_numeric()) {
        return numeric_kind(&kinds);
    }
    kinds.first().copied().unwrap_or(Kind::String)
}

fn iff_kind(k: &[Kind]) -> Kind {
    branches_kind(k.iter().skip(1).copied())
}

fn case_kind(k: &[Kind]) -> Kind {
    let n = k.len();
    branches_kind(
        k.iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == 1 || *i == n - 1)
            .map(|(_, k)| *k),
    )
}

fn coalesce_kind(k: &[Kind]) -> Kind {
    branches_kind(k.iter().copied())
}

/// `iff(cond, then, else)`: a null or false condition takes the else branch.
fn iff(a: &Args<'_>) -> Value {
    if a.bool(0) == Some(true) {
        a.get(1).to_owned()
    } else {
        a.get(2).to_owned()
    }
}

/// `case(p1, v1, p2, v2, ..., else)`.
fn case(a: &Args<'_>) -> Value {
    let n = a.len();
    let mut i = 0;
    while i + 1 < n {
        if a.bool(i) == Some(true) {
            return a.get(i + 1).to_owned();
        }
        i += 2;
    }
    if n % 2 == 1 {
        a.get(n - 1).to_owned()
    } else {
        Value::Null
    }
}

/// `coalesce(a, b, ...)`: the first value that is not null (for strings: not empty).
fn coalesce(a: &Args<'_>) -> Value {
    a.v.iter()
        .find(|v| !empty(**v) || matches!(v, ValueRef::Dynamic(_)))
        .map_or(Value::Null, |v| (*v).to_owned())
}

fn new_guid(_: &Args<'_>) -> Value {
    Value::Guid(uuid::Uuid::new_v4().as_u128())
}

/// Local tables have no ingestion metadata: always null.
fn ingestion_time(_: &Args<'_>) -> Value {
    Value::Null
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::format::plain_text;

    #[test]
    fn emptiness_follows_kusto() {
        assert!(empty(ValueRef::Null));
        assert!(empty(ValueRef::String("")));
        assert!(!empty(ValueRef::String(" ")));
        assert!(!empty(ValueRef::Long(0)));
        assert!(!empty(ValueRef::Dynamic("[]")));
        assert_eq!(plain_text(ValueRef::Dynamic("\"\"")), "");
    }
}
