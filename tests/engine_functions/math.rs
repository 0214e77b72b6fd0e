//! Numeric functions.

use super::{check, null};
use kqlhunt::data::Kind;

// abs-function, ceiling-function, round-function (half away from zero, precision),
// sign-function.
#[test]
fn rounding() {
    check("abs(-5)", "5", Kind::Long);
    check("abs(-2.5)", "2.5", Kind::Real);
    check("abs(-1h)", "01:00:00", Kind::TimeSpan);
    null("abs(nulllong)");
    check("ceiling(1.1)", "2", Kind::Real);
    check("ceiling(-1.1)", "-1", Kind::Real);
    check("round(2.5)", "3", Kind::Real);
    check("round(2.15, 1)", "2.2", Kind::Real);
    check("round(1234.5678, -2)", "1200", Kind::Real);
    check("round(n)", "42", Kind::Long);
    check("sign(-3)", "-1", Kind::Long);
}

// log-function, log10-function, exp-function, pow-function, sqrt-function: out-of-domain
// arguments give null.
#[test]
fn logs_and_powers() {
    check("log(exp(1))", "1", Kind::Real);
    check("log10(1000)", "3", Kind::Real);
    check("log2(8)", "3", Kind::Real);
    null("log(-1)");
    check("pow(2, 10)", "1024", Kind::Real);
    check("sqrt(16)", "4", Kind::Real);
    null("sqrt(-1)");
    check("exp10(2)", "100", Kind::Real);
}

// min-of-function, max-of-function: nulls are ignored.
#[test]
fn min_and_max_of() {
    check("min_of(10, 1, 5)", "1", Kind::Long);
    check("max_of(10, 1, nulllong)", "10", Kind::Long);
    check("max_of(1, 2.5)", "2.5", Kind::Real);
    check(
        "max_of(t, datetime(2030-01-01))",
        "2030-01-01T00:00:00Z",
        Kind::DateTime,
    );
    check("min_of('b', 'a')", "a", Kind::String);
    null("min_of(nulllong, nulllong)");
}

// isnan-function, isinf-function, isfinite-function.
#[test]
fn nan_and_infinity() {
    check("isnan(real(nan))", "true", Kind::Bool);
    check("isnan(r)", "false", Kind::Bool);
    check("isfinite(1.0/0)", "false", Kind::Bool);
    check("isinf(-1.0/0)", "true", Kind::Bool);
    check("isfinite(r)", "true", Kind::Bool);
}

// binary-and-function, binary-or-function, binary-xor-function, binary-not-function,
// binary-shift-left-function, binary-shift-right-function.
#[test]
fn bitwise() {
    check("binary_and(12, 10)", "8", Kind::Long);
    check("binary_or(12, 10)", "14", Kind::Long);
    check("binary_xor(12, 10)", "6", Kind::Long);
    check("binary_not(100)", "-101", Kind::Long);
    check("binary_shift_left(1, 4)", "16", Kind::Long);
    check("binary_shift_right(16, 2)", "4", Kind::Long);
    null("binary_xor(nulllong, 1)");
}

// rand-function: in range, and evaluated per row (not folded into one constant).
#[test]
fn rand() {
    for _ in 0..20 {
        let (v, _) = super::eval("rand()");
        let kqlhunt::data::Value::Real(x) = v else {
            panic!("{v:?}")
        };
        assert!((0.0..1.0).contains(&x));
        let (v, _) = super::eval("rand(10)");
        let kqlhunt::data::Value::Long(n) = v else {
            panic!("{v:?}")
        };
        assert!((0..10).contains(&n));
    }
    check("strlen(tostring(new_guid()))", "36", Kind::Long);
}
