//! The scalar function registry: one table of (name, arity, result-kind rule,
//! implementation), split by family into the modules below. The compiler looks a call up
//! here, checks its arity, infers its kind from the argument kinds, prepares what can be
//! prepared once (constant regular expressions) and folds calls whose arguments are all
//! constant. Implementations see already-evaluated arguments as borrowed `ValueRef`s and
//! follow Kusto's rules for nulls and types (docs: learn.microsoft.com/kusto/query/).

mod conversion;
pub(crate) mod datetime;
pub(crate) mod dynamic;
mod hash;
mod ip;
mod math;
mod strings;
mod xml;

use std::borrow::Cow;

use super::{ExecContext, Loc};
use crate::data::format::plain_text;
use crate::data::{Kind, Value, ValueRef};
use crate::kql::span::Span;

/// How a function's result kind follows from its arguments' kinds.
#[derive(Clone, Copy)]
pub enum Ret {
    /// Always this kind.
    K(Kind),
    /// The kind of argument `n` (or `Dynamic` if absent).
    Arg(usize),
    /// Computed from all argument kinds.
    F(fn(&[Kind]) -> Kind),
}

/// What the compiler prepared once for a call site.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// The constant regular-expression argument, compiled.
    pub regex: Option<regex::Regex>,
    /// The kind named by a `typeof(T)` argument.
    pub kind: Option<Kind>,
}

/// Evaluated arguments of one call.
pub struct Args<'a> {
    pub v: &'a [ValueRef<'a>],
    pub ctx: &'a ExecContext,
    pub prep: Option<&'a Prepared>,
    /// Where the call is, for errors raised while evaluating it.
    pub span: Span,
    /// The function's registered name.
    pub name: &'static str,
}

impl<'a> Args<'a> {
    /// Fail the query with "not supported locally: `what`" at this call, and give null.
    pub fn unsupported(&self, what: String) -> Value {
        self.ctx.fault.raise(Loc(self.span).unsupported(what));
        Value::Null
    }

    pub fn len(&self) -> usize {
        self.v.len()
    }

    pub fn is_empty(&self) -> bool {
        self.v.is_empty()
    }

    /// Argument `i`, null when absent.
    pub fn get(&self, i: usize) -> ValueRef<'a> {
        self.v.get(i).copied().unwrap_or(ValueRef::Null)
    }

    pub fn is_null(&self, i: usize) -> bool {
        self.get(i).is_null()
    }

    /// Argument `i` as text, the way `tostring()` converts it.
    pub fn str(&self, i: usize) -> Cow<'a, str> {
        plain_text(self.get(i))
    }

    /// Argument `i` as a whole number (ints, longs, reals truncated, numeric dynamic values).
    pub fn long(&self, i: usize) -> Option<i64> {
        long_of(self.get(i))
    }

    /// Argument `i` as a real number.
    pub fn real(&self, i: usize) -> Option<f64> {
        real_of(self.get(i))
    }

    /// Argument `i` as a bool.
    pub fn bool(&self, i: usize) -> Option<bool> {
        match self.get(i) {
            ValueRef::Bool(b) => Some(b),
            ValueRef::Dynamic(j) => match j {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// The regular expression at argument `i`: prepared at compile time when constant.
    pub fn regex(&self, i: usize) -> Option<Cow<'a, regex::Regex>> {
        if let Some(re) = self.prep.and_then(|p| p.regex.as_ref()) {
            return Some(Cow::Borrowed(re));
        }
        build_regex(&strings::wrap_pattern(self.name, &self.str(i)))
            .ok()
            .map(Cow::Owned)
    }
}

/// A whole number from a numeric value (reals truncate toward zero), or from a dynamic number.
pub fn long_of(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Int(i) => Some(i as i64),
        ValueRef::Long(i) => Some(i),
        ValueRef::Real(f) if f.is_finite() && f.abs() < 9.2e18 => Some(f.trunc() as i64),
        ValueRef::Dynamic(j) => match serde_json::from_str::<serde_json::Value>(j).ok()? {
            serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            _ => None,
        },
        _ => None,
    }
}

/// A real from a numeric value, or from a dynamic number.
pub fn real_of(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Dynamic(j) => match serde_json::from_str::<serde_json::Value>(j).ok()? {
            serde_json::Value::Number(n) => n.as_f64(),
            _ => None,
        },
        other => other.as_f64(),
    }
}

/// A function implementation: arguments in, one value out.
pub type Imp = fn(&Args<'_>) -> Value;

/// One registered function.
pub struct FuncDef {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub ret: Ret,
    pub imp: Imp,
    /// Which argument is a regular expression to prepare once, if any.
    pub regex_arg: Option<usize>,
    /// False for functions that must not be folded at compile time (`rand`).
    pub pure: bool,
}

impl std::fmt::Debug for FuncDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl FuncDef {
    /// The result kind for these argument kinds.
    pub fn kind(&self, args: &[Kind]) -> Kind {
        match self.ret {
            Ret::K(k) => k,
            Ret::Arg(i) => args.get(i).copied().unwrap_or(Kind::Dynamic),
            Ret::F(f) => f(args),
        }
    }
}

/// Shorthand for building registry rows.
pub(crate) const fn f(name: &'static str, min: usize, max: usize, ret: Ret, imp: Imp) -> FuncDef {
    FuncDef {
        name,
        min,
        max,
        ret,
        imp,
        regex_arg: None,
        pure: true,
    }
}

/// A row for a function that must run per row, never folded (`rand`, `new_guid`).
pub(crate) const fn fv(name: &'static str, min: usize, max: usize, ret: Ret, imp: Imp) -> FuncDef {
    FuncDef {
        name,
        min,
        max,
        ret,
        imp,
        regex_arg: None,
        pure: false,
    }
}

/// A row whose argument `arg` is a regular expression.
pub(crate) const fn fr(
    name: &'static str,
    min: usize,
    max: usize,
    ret: Ret,
    imp: Imp,
    arg: usize,
) -> FuncDef {
    FuncDef {
        name,
        min,
        max,
        ret,
        imp,
        regex_arg: Some(arg),
        pure: true,
    }
}

/// Functions with a well-known name that need a service-side model or database; they get
/// a clear refusal rather than "unknown function".
pub const SERVICE_ONLY: &[&str] = &[
    "series_decompose_anomalies",
    "series_decompose",
    "series_decompose_forecast",
    "series_fit_line",
    "series_fit_2lines",
    "series_outliers",
    "series_periods_detect",
    "series_stats",
    "series_stats_dynamic",
    "parse_user_agent",
    "datetime_utc_to_local",
    "datetime_local_to_utc",
];

/// Calls the compiler resolves itself (they need the table's schema), not through the
/// registry.
pub const SCHEMA_FUNCTIONS: &[&str] =
    &["column_ifexists", "pack_all", "prev", "next", "row_number"];

const FAMILIES: &[&[FuncDef]] = &[
    conversion::FUNCTIONS,
    datetime::FUNCTIONS,
    dynamic::FUNCTIONS,
    strings::FUNCTIONS,
    math::FUNCTIONS,
    ip::FUNCTIONS,
    hash::FUNCTIONS,
    xml::FUNCTIONS,
];

/// The function called `name` (KQL function names are case-sensitive).
pub fn lookup(name: &str) -> Option<&'static FuncDef> {
    FAMILIES
        .iter()
        .flat_map(|fam| fam.iter())
        .find(|d| d.name == name)
}

/// Every registered name, for completion and tests.
pub fn names() -> impl Iterator<Item = &'static str> {
    FAMILIES.iter().flat_map(|fam| fam.iter()).map(|d| d.name)
}

/// Prepare a call once: compile a constant regular-expression argument. `consts[i]` is the
/// argument's value when it is a constant.
/// `type_arg` is the kind of a `typeof(T)` argument, if the call has one.
pub fn prepare(
    def: &FuncDef,
    consts: &[Option<&Value>],
    type_arg: Option<Kind>,
) -> Result<Option<Prepared>, String> {
    let mut prep = Prepared {
        regex: None,
        kind: type_arg,
    };
    if let Some(i) = def.regex_arg {
        // countof's search text is a regular expression only with kind "regex".
        let is_regex = def.name != "countof"
            || matches!(consts.get(2), Some(Some(Value::String(k))) if k.eq_ignore_ascii_case("regex"));
        if let (true, Some(Some(Value::String(p)))) = (is_regex, consts.get(i)) {
            let re = build_regex(&strings::wrap_pattern(def.name, p))
                .map_err(|e| format!("{}(): {}", def.name, regex_error(&e)))?;
            prep.regex = Some(re);
        }
    }
    Ok((prep.regex.is_some() || prep.kind.is_some()).then_some(prep))
}

/// Compile a Kusto (RE2) regular expression: octal escapes such as `\0` are accepted as
/// RE2 accepts them; the compiled size is bounded so a hostile pattern cannot exhaust memory.
pub fn build_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .octal(true)
        .size_limit(10 << 20)
        .build()
}

/// A regex compile error on one line (the regex crate draws a caret diagram over several).
pub fn regex_error(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    format!(
        "invalid regular expression: {}",
        last.strip_prefix("error: ").unwrap_or(last)
    )
}

/// Numeric promotion for functions such as `abs` or `min_of`: int < long < real.
pub(crate) fn numeric_kind(kinds: &[Kind]) -> Kind {
    let mut best = None;
    for &k in kinds {
        best = Some(match (best, k) {
            (None, k) => k,
            (Some(Kind::Real), _) | (_, Kind::Real) => Kind::Real,
            (Some(Kind::Long), Kind::Int | Kind::Long) | (Some(Kind::Int), Kind::Long) => {
                Kind::Long
            }
            (Some(b), k) if b == k => b,
            (Some(b), _) if b.is_numeric() && k == Kind::Dynamic => b,
            (Some(b), _) => b,
        });
    }
    best.unwrap_or(Kind::Real)
}

/// Push `v` into a one-cell column of `kind`, converting as KQL's `to*()` functions do.
pub(crate) fn convert(v: ValueRef<'_>, kind: Kind) -> Value {
    let v = match v {
        ValueRef::Dynamic(_) if kind != Kind::Dynamic && kind != Kind::String => {
            // Arrays and bags stay dynamic after unwrapping: they convert to nothing.
            return match dynamic::unwrap_scalar(v) {
                Some(Value::Dynamic(_)) | None => Value::Null,
                Some(s) => convert(s.as_ref(), kind),
            };
        }
        v => v,
    };
    if let (Kind::DateTime, ValueRef::String(s)) = (kind, v) {
        return datetime::parse_lenient(s).map_or(Value::Null, Value::DateTime);
    }
    let mut col = crate::data::ColumnData::with_capacity(kind, 1);
    col.push(v);
    col.get(0).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_registered_once() {
        let mut seen = std::collections::HashSet::new();
        for n in names() {
            assert!(seen.insert(n), "{n} is registered twice");
        }
        assert!(seen.len() > 190, "{} functions", seen.len());
    }
}
