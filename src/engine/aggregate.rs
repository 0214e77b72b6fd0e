//! Aggregation functions of `summarize` (and `make-series`): which names exist, how many
//! arguments they take, the kind and default column name of their result, and how a group
//! of rows folds into one value. Values are exact: `dcount` counts distinct values
//! exactly and `percentile` uses the nearest rank, where Kusto estimates.

use std::cmp::Ordering;
use std::collections::HashSet;

use super::keys::Key;
use crate::data::format::{json_value, plain_text};
use crate::data::{ColumnData, Kind, Value, ValueRef};

/// An aggregation function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Count,
    CountIf,
    DCount,
    DCountIf,
    Sum,
    SumIf,
    Min,
    Max,
    MinIf,
    MaxIf,
    Avg,
    AvgIf,
    ArgMax,
    ArgMin,
    MakeSet,
    MakeSetIf,
    MakeList,
    MakeListIf,
    MakeListWithNulls,
    MakeBag,
    MakeBagIf,
    TakeAny,
    TakeAnyIf,
    Percentile,
    Percentiles,
    Stdev,
    StdevIf,
    StdevP,
    Variance,
    VarianceIf,
    VarianceP,
}

/// Default maximum number of elements of `make_set` / `make_list` / `make_bag`.
const MAX_ELEMENTS: usize = 1_048_576;

impl Agg {
    /// The aggregate named `name` (deprecated spellings included).
    pub fn from_name(name: &str) -> Option<Agg> {
        use Agg::*;
        Some(match name {
            "count" => Count,
            "countif" => CountIf,
            "dcount" | "count_distinct" => DCount,
            "dcountif" | "count_distinctif" => DCountIf,
            "sum" => Sum,
            "sumif" => SumIf,
            "min" => Min,
            "max" => Max,
            "minif" => MinIf,
            "maxif" => MaxIf,
            "avg" => Avg,
            "avgif" => AvgIf,
            "arg_max" | "argmax" => ArgMax,
            "arg_min" | "argmin" => ArgMin,
            "make_set" | "makeset" => MakeSet,
            "make_set_if" => MakeSetIf,
            "make_list" | "makelist" => MakeList,
            "make_list_if" => MakeListIf,
            "make_list_with_nulls" => MakeListWithNulls,
            "make_bag" | "make_dictionary" => MakeBag,
            "make_bag_if" => MakeBagIf,
            "any" | "take_any" => TakeAny,
            "anyif" | "take_anyif" => TakeAnyIf,
            "percentile" => Percentile,
            "percentiles" => Percentiles,
            "stdev" => Stdev,
            "stdevif" => StdevIf,
            "stdevp" => StdevP,
            "variance" => Variance,
            "varianceif" => VarianceIf,
            "variancep" => VarianceP,
            _ => return None,
        })
    }

    /// The prefix of the default output column name (`count_`, `dcount_X`, `set_X`...).
    pub fn prefix(self, name: &str) -> &str {
        match self {
            Agg::MakeSet | Agg::MakeSetIf => "set",
            Agg::MakeList | Agg::MakeListIf | Agg::MakeListWithNulls => "list",
            Agg::MakeBag | Agg::MakeBagIf => "bag",
            Agg::TakeAny => "any",
            Agg::TakeAnyIf => "anyif",
            Agg::DCount if name == "count_distinct" => "count_distinct",
            _ => name,
        }
    }

    /// Whether the last value argument is a predicate.
    pub fn has_predicate(self) -> bool {
        use Agg::*;
        matches!(
            self,
            CountIf
                | DCountIf
                | SumIf
                | MinIf
                | MaxIf
                | AvgIf
                | MakeSetIf
                | MakeListIf
                | MakeBagIf
                | TakeAnyIf
                | StdevIf
                | VarianceIf
        )
    }

    /// (min, max) arguments.
    pub fn arity(self) -> (usize, usize) {
        use Agg::*;
        match self {
            Count => (0, 0),
            CountIf => (1, 1),
            DCount => (1, 2),
            DCountIf => (2, 3),
            Sum | Min | Max | Avg | Stdev | StdevP | Variance | VarianceP => (1, 1),
            SumIf | MinIf | MaxIf | AvgIf | StdevIf | VarianceIf | TakeAnyIf => (2, 2),
            MakeSet | MakeList | MakeBag | MakeListWithNulls => (1, 2),
            MakeSetIf | MakeListIf | MakeBagIf => (2, 3),
            TakeAny => (1, 1),
            Percentile => (2, 2),
            Percentiles => (2, usize::MAX),
            ArgMax | ArgMin => (1, usize::MAX),
        }
    }

    /// The kind of the result given the kind of the first argument.
    pub fn kind(self, arg: Option<Kind>) -> Kind {
        use Agg::*;
        let arg = arg.unwrap_or(Kind::Long);
        match self {
            Count | CountIf | DCount | DCountIf => Kind::Long,
            Sum | SumIf => match arg {
                Kind::Int | Kind::Long | Kind::Bool => Kind::Long,
                Kind::TimeSpan => Kind::TimeSpan,
                _ => Kind::Real,
            },
            Avg | AvgIf => match arg {
                Kind::TimeSpan => Kind::TimeSpan,
                Kind::DateTime => Kind::DateTime,
                _ => Kind::Real,
            },
            Min | Max | MinIf | MaxIf | TakeAny | TakeAnyIf | ArgMax | ArgMin => arg,
            Percentile | Percentiles => match arg {
                Kind::Int => Kind::Long,
                k => k,
            },
            MakeSet | MakeSetIf | MakeList | MakeListIf | MakeListWithNulls | MakeBag
            | MakeBagIf => Kind::Dynamic,
            Stdev | StdevIf | StdevP | Variance | VarianceIf | VarianceP => Kind::Real,
        }
    }

    /// The value over no rows at all (`summarize` without `by` on an empty table).
    pub fn empty(self) -> Value {
        use Agg::*;
        match self {
            Count | CountIf | DCount | DCountIf => Value::Long(0),
            MakeSet | MakeSetIf | MakeList | MakeListIf | MakeListWithNulls => {
                Value::Dynamic("[]".into())
            }
            MakeBag | MakeBagIf => Value::Dynamic("{}".into()),
            _ => Value::Null,
        }
    }
}

/// The arguments of one aggregate, evaluated over every input row.
pub struct Inputs<'a> {
    /// The value argument (absent for `count()` / `countif()`).
    pub value: Option<&'a ColumnData>,
    /// The predicate of the `*if` forms.
    pub predicate: Option<&'a ColumnData>,
    /// The size limit of `make_*` (or a percentile for `percentile`).
    pub limit: Option<usize>,
}

fn pass(pred: Option<&ColumnData>, row: u32) -> bool {
    pred.is_none_or(|p| matches!(p.get(row as usize), ValueRef::Bool(true)))
}

/// Fold the group `rows` into one value (everything but arg_max/arg_min/percentiles).
pub fn fold(agg: Agg, input: &Inputs<'_>, rows: &[u32], kind: Kind) -> Value {
    use Agg::*;
    let pred = input.predicate;
    let values = || {
        rows.iter()
            .filter(move |&&r| pass(pred, r))
            .map(move |&r| input.value.map_or(ValueRef::Null, |c| c.get(r as usize)))
    };
    let non_null = || values().filter(|v| !v.is_null());
    match agg {
        Count => Value::Long(rows.len() as i64),
        CountIf => Value::Long(rows.iter().filter(|&&r| pass(pred, r)).count() as i64),
        DCount | DCountIf => {
            let set: HashSet<Key<'_>> = non_null().map(Key::of).collect();
            Value::Long(set.len() as i64)
        }
        Sum | SumIf => sum(non_null(), kind),
        Min | MinIf => non_null()
            .min_by(|a, b| a.total_cmp(*b))
            .map_or(Value::Null, ValueRef::to_owned),
        Max | MaxIf => non_null()
            .reduce(|a, b| {
                if b.total_cmp(a) == Ordering::Greater {
                    b
                } else {
                    a
                }
            })
            .map_or(Value::Null, ValueRef::to_owned),
        Avg | AvgIf => average(non_null(), kind),
        TakeAny | TakeAnyIf => non_null()
            .find(|v| !matches!(v, ValueRef::String("")))
            .or_else(|| values().next())
            .map_or(Value::Null, ValueRef::to_owned),
        MakeSet | MakeSetIf => {
            let limit = input.limit.unwrap_or(MAX_ELEMENTS);
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for v in non_null() {
                if out.len() >= limit {
                    break;
                }
                if seen.insert(Key::of(v)) {
                    out.push(element(v));
                }
            }
            Value::Dynamic(serde_json::Value::Array(out).to_string())
        }
        MakeList | MakeListIf | MakeListWithNulls => {
            let limit = input.limit.unwrap_or(MAX_ELEMENTS);
            let out: Vec<serde_json::Value> = if agg == MakeListWithNulls {
                values().take(limit).map(element).collect()
            } else {
                non_null().take(limit).map(element).collect()
            };
            Value::Dynamic(serde_json::Value::Array(out).to_string())
        }
        MakeBag | MakeBagIf => {
            let limit = input.limit.unwrap_or(MAX_ELEMENTS);
            let mut bag = serde_json::Map::new();
            for v in non_null() {
                if let serde_json::Value::Object(o) = element(v) {
                    for (k, x) in o {
                        if bag.len() >= limit {
                            break;
                        }
                        bag.entry(k).or_insert(x);
                    }
                }
            }
            Value::Dynamic(serde_json::Value::Object(bag).to_string())
        }
        Stdev | StdevIf | StdevP | Variance | VarianceIf | VarianceP => {
            let xs: Vec<f64> = non_null().filter_map(ValueRef::as_f64).collect();
            let n = xs.len() as f64;
            if xs.is_empty() {
                return Value::Null;
            }
            let mean = xs.iter().sum::<f64>() / n;
            let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
            let population = matches!(agg, StdevP | VarianceP);
            let var = if population {
                ss / n
            } else if xs.len() > 1 {
                ss / (n - 1.0)
            } else {
                0.0
            };
            Value::Real(if matches!(agg, Stdev | StdevIf | StdevP) {
                var.sqrt()
            } else {
                var
            })
        }
        Percentile | Percentiles | ArgMax | ArgMin => Value::Null,
    }
}

/// A cell as a JSON element of a set, list or bag.
fn element(v: ValueRef<'_>) -> serde_json::Value {
    match v {
        ValueRef::Dynamic(j) => serde_json::from_str(j).unwrap_or(serde_json::Value::Null),
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::String(s) => serde_json::Value::String(s.to_string()),
        other => match json_value(other) {
            serde_json::Value::Null => serde_json::Value::String(plain_text(other).into_owned()),
            j => j,
        },
    }
}

fn sum<'a>(values: impl Iterator<Item = ValueRef<'a>>, kind: Kind) -> Value {
    let mut any = false;
    match kind {
        Kind::Long | Kind::TimeSpan => {
            let mut total: i64 = 0;
            for v in values {
                let x = match v {
                    ValueRef::Int(i) => i as i64,
                    ValueRef::Long(i) | ValueRef::TimeSpan(i) => i,
                    ValueRef::Bool(b) => b as i64,
                    _ => continue,
                };
                any = true;
                total = total.wrapping_add(x);
            }
            match (any, kind) {
                (false, _) => Value::Null,
                (true, Kind::TimeSpan) => Value::TimeSpan(total),
                _ => Value::Long(total),
            }
        }
        _ => {
            let mut total = 0.0;
            for v in values {
                if let Some(x) = v.as_f64() {
                    any = true;
                    total += x;
                }
            }
            if any { Value::Real(total) } else { Value::Null }
        }
    }
}

fn average<'a>(values: impl Iterator<Item = ValueRef<'a>>, kind: Kind) -> Value {
    let (mut total, mut n) = (0.0f64, 0usize);
    for v in values {
        let x = match v {
            ValueRef::TimeSpan(t) | ValueRef::DateTime(t) => t as f64,
            other => match other.as_f64() {
                Some(x) => x,
                None => continue,
            },
        };
        total += x;
        n += 1;
    }
    if n == 0 {
        return Value::Null;
    }
    let mean = total / n as f64;
    match kind {
        Kind::TimeSpan => Value::TimeSpan(mean.round() as i64),
        Kind::DateTime => Value::DateTime(mean.round() as i64),
        _ => Value::Real(mean),
    }
}

/// Nearest-rank percentile `p` (0..=100) of the non-null values of `rows`.
pub fn percentile(values: &ColumnData, rows: &[u32], p: f64) -> Value {
    let mut xs: Vec<ValueRef<'_>> = rows
        .iter()
        .map(|&r| values.get(r as usize))
        .filter(|v| !v.is_null())
        .collect();
    if xs.is_empty() {
        return Value::Null;
    }
    xs.sort_by(|a, b| a.total_cmp(*b));
    let rank = ((p / 100.0) * xs.len() as f64).ceil() as usize;
    let v = xs[rank.clamp(1, xs.len()) - 1];
    match v {
        ValueRef::Int(i) => Value::Long(i as i64),
        other => other.to_owned(),
    }
}

/// The row of `rows` where `values` is greatest (`max`) or least; the first on ties.
/// Rows whose value is null are skipped; `None` when every value is null.
pub fn arg_row(values: &ColumnData, rows: &[u32], max: bool) -> Option<u32> {
    let mut best: Option<(u32, ValueRef<'_>)> = None;
    for &r in rows {
        let v = values.get(r as usize);
        if v.is_null() {
            continue;
        }
        let better = match &best {
            None => true,
            Some((_, b)) => {
                let o = v.total_cmp(*b);
                if max {
                    o == Ordering::Greater
                } else {
                    o == Ordering::Less
                }
            }
        };
        if better {
            best = Some((r, v));
        }
    }
    best.map(|(r, _)| r)
}
