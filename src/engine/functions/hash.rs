//! hash functions.

use super::FuncDef;

pub(super) const FUNCTIONS: &[FuncDef] = &[];
