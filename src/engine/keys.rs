//! Hashable keys for grouping, `distinct` and joins: a cell becomes a `Key` that borrows
//! text from its column. Numbers of different integer kinds hash alike, so an `int` key
//! joins a `long` key of the same value; nulls are a key of their own.

use crate::data::{ColumnData, Table, ValueRef};

/// One cell as a hash key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Key<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// A real, by its bits (`-0.0` folded into `0.0`).
    Real(u64),
    Str(&'a str),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    Dynamic(&'a str),
}

impl<'a> Key<'a> {
    pub fn of(v: ValueRef<'a>) -> Key<'a> {
        match v {
            ValueRef::Null => Key::Null,
            ValueRef::Bool(b) => Key::Bool(b),
            ValueRef::Int(i) => Key::Int(i as i64),
            ValueRef::Long(i) => Key::Int(i),
            // `-0.0` and `0.0` are one key.
            ValueRef::Real(0.0) => Key::Real(0),
            ValueRef::Real(f) => Key::Real(f.to_bits()),
            ValueRef::String(s) => Key::Str(s),
            ValueRef::DateTime(t) => Key::DateTime(t),
            ValueRef::TimeSpan(t) => Key::TimeSpan(t),
            ValueRef::Guid(g) => Key::Guid(g),
            ValueRef::Dynamic(j) => Key::Dynamic(j),
        }
    }
}

/// The key of `row` over the given columns of `table`.
pub fn row_key<'a>(table: &'a Table, cols: &[usize], row: usize) -> Vec<Key<'a>> {
    cols.iter().map(|&c| Key::of(table.cell(row, c))).collect()
}

/// The key of `row` over several columns.
pub fn key_of<'a>(cols: &[&'a ColumnData], row: usize) -> Vec<Key<'a>> {
    cols.iter().map(|c| Key::of(c.get(row))).collect()
}
