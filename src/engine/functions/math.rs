//! Numeric functions: `abs`, `round`, `ceiling`, logarithms and powers, `min_of`/`max_of`,
//! NaN and infinity tests, trigonometry, and the bitwise `binary_*` family. A null or
//! non-numeric argument gives null; a result outside a function's domain (the square root of
//! a negative number) is null too, as Kusto documents.

use super::{Args, FuncDef, Ret, f, fv, numeric_kind, real_of};
use crate::data::{Kind, Value, ValueRef};

const R: Ret = Ret::K(Kind::Real);
const B: Ret = Ret::K(Kind::Bool);
const L: Ret = Ret::K(Kind::Long);

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("abs", 1, 1, Ret::Arg(0), abs),
    f("round", 1, 2, Ret::F(round_kind), round),
    f("ceiling", 1, 1, Ret::Arg(0), ceiling),
    f("sign", 1, 1, Ret::Arg(0), sign),
    f("log", 1, 1, R, log),
    f("log10", 1, 1, R, log10),
    f("log2", 1, 1, R, log2),
    f("exp", 1, 1, R, exp),
    f("exp10", 1, 1, R, exp10),
    f("exp2", 1, 1, R, exp2),
    f("pow", 2, 2, R, pow),
    f("sqrt", 1, 1, R, sqrt),
    f("min_of", 1, 64, Ret::F(numeric_or_first), min_of),
    f("max_of", 1, 64, Ret::F(numeric_or_first), max_of),
    f("isnan", 1, 1, B, isnan),
    f("isinf", 1, 1, B, isinf),
    f("isfinite", 1, 1, B, isfinite),
    f("pi", 0, 0, R, pi),
    fv("rand", 0, 1, Ret::F(rand_kind), rand),
    f("sin", 1, 1, R, sin),
    f("cos", 1, 1, R, cos),
    f("tan", 1, 1, R, tan),
    f("asin", 1, 1, R, asin),
    f("acos", 1, 1, R, acos),
    f("atan", 1, 1, R, atan),
    f("atan2", 2, 2, R, atan2),
    f("degrees", 1, 1, R, degrees),
    f("radians", 1, 1, R, radians),
    f("binary_and", 2, 2, L, binary_and),
    f("binary_or", 2, 2, L, binary_or),
    f("binary_xor", 2, 2, L, binary_xor),
    f("binary_not", 1, 1, L, binary_not),
    f("binary_shift_left", 2, 2, L, binary_shift_left),
    f("binary_shift_right", 2, 2, L, binary_shift_right),
    f("bitset_count_ones", 1, 1, L, bitset_count_ones),
];

fn real1(a: &Args<'_>, f: impl Fn(f64) -> f64) -> Value {
    match a.real(0) {
        Some(x) => {
            let y = f(x);
            if y.is_nan() && !x.is_nan() {
                Value::Null
            } else {
                Value::Real(y)
            }
        }
        None => Value::Null,
    }
}

fn abs(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::Int(i) => i.checked_abs().map_or(Value::Null, Value::Int),
        ValueRef::Long(i) => i.checked_abs().map_or(Value::Null, Value::Long),
        ValueRef::TimeSpan(t) => t.checked_abs().map_or(Value::Null, Value::TimeSpan),
        _ => real1(a, f64::abs),
    }
}

fn round_kind(k: &[Kind]) -> Kind {
    match k.first() {
        Some(Kind::Int | Kind::Long) if k.len() == 1 => k[0],
        _ => Kind::Real,
    }
}

/// `round(x [, precision])`: half away from zero; a negative precision rounds to tens,
/// hundreds….
fn round(a: &Args<'_>) -> Value {
    let p = if a.len() > 1 { a.long(1) } else { Some(0) };
    let Some(p) = p else {
        return Value::Null;
    };
    match a.get(0) {
        ValueRef::Int(i) if a.len() == 1 => Value::Int(i),
        ValueRef::Long(i) if a.len() == 1 => Value::Long(i),
        v => match real_of(v) {
            Some(x) => {
                let scale = 10f64.powi(p.clamp(-300, 300) as i32);
                Value::Real((x * scale).round() / scale)
            }
            None => Value::Null,
        },
    }
}

fn ceiling(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::Int(i) => Value::Int(i),
        ValueRef::Long(i) => Value::Long(i),
        _ => real1(a, f64::ceil),
    }
}

fn sign(a: &Args<'_>) -> Value {
    match a.get(0) {
        ValueRef::Int(i) => Value::Int(i.signum()),
        ValueRef::Long(i) => Value::Long(i.signum()),
        _ => real1(a, |x| if x == 0.0 { 0.0 } else { x.signum() }),
    }
}

fn log(a: &Args<'_>) -> Value {
    real1(a, f64::ln)
}
fn log10(a: &Args<'_>) -> Value {
    real1(a, f64::log10)
}
fn log2(a: &Args<'_>) -> Value {
    real1(a, f64::log2)
}
fn exp(a: &Args<'_>) -> Value {
    real1(a, f64::exp)
}
fn exp10(a: &Args<'_>) -> Value {
    real1(a, |x| 10f64.powf(x))
}
fn exp2(a: &Args<'_>) -> Value {
    real1(a, f64::exp2)
}
fn sqrt(a: &Args<'_>) -> Value {
    real1(a, f64::sqrt)
}
fn sin(a: &Args<'_>) -> Value {
    real1(a, f64::sin)
}
fn cos(a: &Args<'_>) -> Value {
    real1(a, f64::cos)
}
fn tan(a: &Args<'_>) -> Value {
    real1(a, f64::tan)
}
fn asin(a: &Args<'_>) -> Value {
    real1(a, f64::asin)
}
fn acos(a: &Args<'_>) -> Value {
    real1(a, f64::acos)
}
fn atan(a: &Args<'_>) -> Value {
    real1(a, f64::atan)
}
fn degrees(a: &Args<'_>) -> Value {
    real1(a, f64::to_degrees)
}
fn radians(a: &Args<'_>) -> Value {
    real1(a, f64::to_radians)
}

fn atan2(a: &Args<'_>) -> Value {
    match (a.real(0), a.real(1)) {
        (Some(y), Some(x)) => Value::Real(y.atan2(x)),
        _ => Value::Null,
    }
}

fn pow(a: &Args<'_>) -> Value {
    match (a.real(0), a.real(1)) {
        (Some(x), Some(y)) => Value::Real(x.powf(y)),
        _ => Value::Null,
    }
}

fn rand_kind(k: &[Kind]) -> Kind {
    if k.is_empty() { Kind::Real } else { Kind::Long }
}

/// `rand()`: a real in [0, 1); `rand(n)`: a long in [0, n).
fn rand(a: &Args<'_>) -> Value {
    let bits = (uuid::Uuid::new_v4().as_u128() >> 64) as u64;
    let x = (bits >> 11) as f64 / (1u64 << 53) as f64;
    if a.is_empty() {
        return Value::Real(x);
    }
    match a.long(0) {
        Some(n) if n > 0 => Value::Long((x * n as f64) as i64),
        _ => Value::Null,
    }
}

fn pi(_: &Args<'_>) -> Value {
    Value::Real(std::f64::consts::PI)
}

fn numeric_or_first(k: &[Kind]) -> Kind {
    if k.iter().all(|k| k.is_numeric()) {
        numeric_kind(k)
    } else {
        k.iter()
            .copied()
            .find(|k| *k != Kind::Dynamic)
            .unwrap_or(Kind::Dynamic)
    }
}

/// The extreme of the non-null arguments (numbers across kinds, or datetimes, timespans
/// and strings among themselves); null when all are null.
fn extreme(a: &Args<'_>, want: std::cmp::Ordering) -> Value {
    let mut best: Option<ValueRef<'_>> = None;
    for v in a.v.iter().copied().filter(|v| !v.is_null()) {
        best = match best {
            None => Some(v),
            Some(b) if v.total_cmp(b) == want => Some(v),
            keep => keep,
        };
    }
    best.map_or(Value::Null, ValueRef::to_owned)
}

fn min_of(a: &Args<'_>) -> Value {
    extreme(a, std::cmp::Ordering::Less)
}

fn max_of(a: &Args<'_>) -> Value {
    extreme(a, std::cmp::Ordering::Greater)
}

fn isnan(a: &Args<'_>) -> Value {
    a.real(0).map_or(Value::Null, |x| Value::Bool(x.is_nan()))
}

fn isinf(a: &Args<'_>) -> Value {
    a.real(0)
        .map_or(Value::Null, |x| Value::Bool(x.is_infinite()))
}

fn isfinite(a: &Args<'_>) -> Value {
    a.real(0)
        .map_or(Value::Null, |x| Value::Bool(x.is_finite()))
}

fn bits2(a: &Args<'_>, f: impl Fn(i64, i64) -> Option<i64>) -> Value {
    match (a.long(0), a.long(1)) {
        (Some(x), Some(y)) => f(x, y).map_or(Value::Null, Value::Long),
        _ => Value::Null,
    }
}

fn binary_and(a: &Args<'_>) -> Value {
    bits2(a, |x, y| Some(x & y))
}
fn binary_or(a: &Args<'_>) -> Value {
    bits2(a, |x, y| Some(x | y))
}
fn binary_xor(a: &Args<'_>) -> Value {
    bits2(a, |x, y| Some(x ^ y))
}
fn binary_shift_left(a: &Args<'_>) -> Value {
    bits2(a, |x, n| u32::try_from(n).ok().map(|n| x.wrapping_shl(n)))
}
fn binary_shift_right(a: &Args<'_>) -> Value {
    bits2(a, |x, n| u32::try_from(n).ok().map(|n| x.wrapping_shr(n)))
}
fn binary_not(a: &Args<'_>) -> Value {
    a.long(0).map_or(Value::Null, |x| Value::Long(!x))
}
fn bitset_count_ones(a: &Args<'_>) -> Value {
    a.long(0)
        .map_or(Value::Null, |x| Value::Long(x.count_ones() as i64))
}
