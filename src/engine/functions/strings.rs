//! String functions.

use super::{Args, FuncDef, Ret, f};
use crate::data::{Kind, Value};

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("tolower", 1, 1, Ret::K(Kind::String), tolower),
    f("toupper", 1, 1, Ret::K(Kind::String), toupper),
    f("strlen", 1, 1, Ret::K(Kind::Long), strlen),
];

fn tolower(a: &Args<'_>) -> Value {
    Value::String(a.str(0).to_lowercase())
}

fn toupper(a: &Args<'_>) -> Value {
    Value::String(a.str(0).to_uppercase())
}

fn strlen(a: &Args<'_>) -> Value {
    Value::Long(a.str(0).chars().count() as i64)
}
