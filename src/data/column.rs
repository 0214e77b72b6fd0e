//! Typed column storage. Each column keeps its values in one vector of its kind; text
//! (strings and dynamic JSON) lives in one contiguous buffer with offsets, so 100,000 rows of
//! 60 columns cost a few allocations, not six million.

use super::time::{parse_datetime, parse_timespan};
use super::value::{Kind, Value, ValueRef, parse_guid};

/// Strings in one buffer, addressed by offsets (`offsets.len() == len + 1`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StrVec {
    offsets: Vec<usize>,
    bytes: String,
}

impl StrVec {
    pub fn new() -> Self {
        StrVec {
            offsets: vec![0],
            bytes: String::new(),
        }
    }

    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        StrVec {
            offsets,
            bytes: String::with_capacity(bytes),
        }
    }

    pub fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.offsets.push(self.bytes.len());
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &str {
        &self.bytes[self.offsets[i]..self.offsets[i + 1]]
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.offsets.windows(2).map(|w| &self.bytes[w[0]..w[1]])
    }

    /// All strings back to back, and where each starts and ends (`offsets[i]..offsets[i + 1]`),
    /// for scans that search the whole column at once.
    pub fn buffer(&self) -> (&str, &[usize]) {
        (&self.bytes, &self.offsets)
    }

    /// Heap bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.offsets.capacity() * std::mem::size_of::<usize>()
    }

    /// Give back spare capacity once a column is complete (decoders grow by doubling).
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.offsets.shrink_to_fit();
    }
}

/// The values of one column, stored by kind. Strings have no null in KQL (an absent string
/// is empty); a dynamic cell is its compact JSON text, empty meaning null.
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnData {
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i32>>),
    Long(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    String(StrVec),
    DateTime(Vec<Option<i64>>),
    TimeSpan(Vec<Option<i64>>),
    Guid(Vec<Option<u128>>),
    Dynamic(StrVec),
}

impl ColumnData {
    pub fn new(kind: Kind) -> Self {
        Self::with_capacity(kind, 0)
    }

    pub fn with_capacity(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Bool => ColumnData::Bool(Vec::with_capacity(rows)),
            Kind::Int => ColumnData::Int(Vec::with_capacity(rows)),
            Kind::Long => ColumnData::Long(Vec::with_capacity(rows)),
            Kind::Real => ColumnData::Real(Vec::with_capacity(rows)),
            Kind::String => ColumnData::String(StrVec::with_capacity(rows, rows * 8)),
            Kind::DateTime => ColumnData::DateTime(Vec::with_capacity(rows)),
            Kind::TimeSpan => ColumnData::TimeSpan(Vec::with_capacity(rows)),
            Kind::Guid => ColumnData::Guid(Vec::with_capacity(rows)),
            Kind::Dynamic => ColumnData::Dynamic(StrVec::with_capacity(rows, rows * 8)),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            ColumnData::Bool(_) => Kind::Bool,
            ColumnData::Int(_) => Kind::Int,
            ColumnData::Long(_) => Kind::Long,
            ColumnData::Real(_) => Kind::Real,
            ColumnData::String(_) => Kind::String,
            ColumnData::DateTime(_) => Kind::DateTime,
            ColumnData::TimeSpan(_) => Kind::TimeSpan,
            ColumnData::Guid(_) => Kind::Guid,
            ColumnData::Dynamic(_) => Kind::Dynamic,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ColumnData::Bool(v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Long(v) | ColumnData::DateTime(v) | ColumnData::TimeSpan(v) => v.len(),
            ColumnData::Real(v) => v.len(),
            ColumnData::String(v) | ColumnData::Dynamic(v) => v.len(),
            ColumnData::Guid(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell at `row` (panics if out of range, like slice indexing).
    pub fn get(&self, row: usize) -> ValueRef<'_> {
        fn opt<T: Copy>(
            v: &[Option<T>],
            row: usize,
            f: impl Fn(T) -> ValueRef<'static>,
        ) -> ValueRef<'static> {
            v[row].map(f).unwrap_or(ValueRef::Null)
        }
        match self {
            ColumnData::Bool(v) => opt(v, row, ValueRef::Bool),
            ColumnData::Int(v) => opt(v, row, ValueRef::Int),
            ColumnData::Long(v) => opt(v, row, ValueRef::Long),
            ColumnData::Real(v) => opt(v, row, ValueRef::Real),
            ColumnData::String(v) => ValueRef::String(v.get(row)),
            ColumnData::DateTime(v) => opt(v, row, ValueRef::DateTime),
            ColumnData::TimeSpan(v) => opt(v, row, ValueRef::TimeSpan),
            ColumnData::Guid(v) => opt(v, row, ValueRef::Guid),
            ColumnData::Dynamic(v) => match v.get(row) {
                "" => ValueRef::Null,
                json => ValueRef::Dynamic(json),
            },
        }
    }

    pub fn push_null(&mut self) {
        match self {
            ColumnData::Bool(v) => v.push(None),
            ColumnData::Int(v) => v.push(None),
            ColumnData::Long(v) | ColumnData::DateTime(v) | ColumnData::TimeSpan(v) => v.push(None),
            ColumnData::Real(v) => v.push(None),
            ColumnData::String(v) | ColumnData::Dynamic(v) => v.push(""),
            ColumnData::Guid(v) => v.push(None),
        }
    }

    /// Append a value, converting it to the column's kind the way KQL's `to*()` functions
    /// would; a value that does not convert becomes null. Returns whether it converted.
    pub fn push(&mut self, value: ValueRef<'_>) -> bool {
        use ValueRef as V;
        if value.is_null() {
            self.push_null();
            return true;
        }
        match (&mut *self, value) {
            (ColumnData::Bool(v), V::Bool(b)) => push_some(v, b),
            (ColumnData::Bool(v), V::String(s)) => push_opt(v, parse_bool(s)),
            (ColumnData::Bool(v), x) => push_opt(v, x.as_f64().map(|f| f != 0.0)),
            (ColumnData::Int(v), V::Int(i)) => push_some(v, i),
            (ColumnData::Int(v), V::Long(i)) => push_opt(v, i32::try_from(i).ok()),
            (ColumnData::Int(v), V::Real(f)) => {
                push_opt(v, real_to_int(f).and_then(|i| i32::try_from(i).ok()))
            }
            (ColumnData::Int(v), V::Bool(b)) => push_some(v, b as i32),
            (ColumnData::Int(v), V::String(s)) => push_opt(v, s.trim().parse().ok()),
            (ColumnData::Long(v), V::Int(i)) => push_some(v, i as i64),
            (ColumnData::Long(v), V::Long(i)) => push_some(v, i),
            (ColumnData::Long(v), V::Real(f)) => push_opt(v, real_to_int(f)),
            (ColumnData::Long(v), V::Bool(b)) => push_some(v, b as i64),
            (ColumnData::Long(v), V::String(s)) => push_opt(v, s.trim().parse().ok()),
            (ColumnData::Real(v), V::String(s)) => push_opt(v, s.trim().parse().ok()),
            (ColumnData::Real(v), x) => push_opt(v, x.as_f64()),
            (ColumnData::String(v), V::String(s)) => {
                v.push(s);
                true
            }
            (ColumnData::String(v), x) => {
                v.push(&super::format::plain_text(x));
                true
            }
            (ColumnData::DateTime(v), V::DateTime(t)) => push_some(v, t),
            (ColumnData::DateTime(v), V::String(s)) => push_opt(v, parse_datetime(s)),
            (ColumnData::TimeSpan(v), V::TimeSpan(t)) => push_some(v, t),
            (ColumnData::TimeSpan(v), V::String(s)) => push_opt(v, parse_timespan(s)),
            (ColumnData::TimeSpan(v), V::Long(t)) => push_some(v, t),
            (ColumnData::Guid(v), V::Guid(g)) => push_some(v, g),
            (ColumnData::Guid(v), V::String(s)) => push_opt(v, parse_guid(s)),
            (ColumnData::Dynamic(v), V::Dynamic(j)) => {
                v.push(j);
                true
            }
            (ColumnData::Dynamic(v), x) => {
                v.push(&super::format::json_value(x).to_string());
                true
            }
            (col, _) => {
                col.push_null();
                false
            }
        }
    }

    /// A new column holding the rows at `indices`, in that order.
    pub fn take(&self, indices: &[usize]) -> ColumnData {
        fn pick<T: Copy>(v: &[T], idx: &[usize]) -> Vec<T> {
            idx.iter().map(|&i| v[i]).collect()
        }
        fn pick_str(v: &StrVec, idx: &[usize]) -> StrVec {
            let mut out = StrVec::with_capacity(idx.len(), 0);
            for &i in idx {
                out.push(v.get(i));
            }
            out
        }
        match self {
            ColumnData::Bool(v) => ColumnData::Bool(pick(v, indices)),
            ColumnData::Int(v) => ColumnData::Int(pick(v, indices)),
            ColumnData::Long(v) => ColumnData::Long(pick(v, indices)),
            ColumnData::Real(v) => ColumnData::Real(pick(v, indices)),
            ColumnData::String(v) => ColumnData::String(pick_str(v, indices)),
            ColumnData::DateTime(v) => ColumnData::DateTime(pick(v, indices)),
            ColumnData::TimeSpan(v) => ColumnData::TimeSpan(pick(v, indices)),
            ColumnData::Guid(v) => ColumnData::Guid(pick(v, indices)),
            ColumnData::Dynamic(v) => ColumnData::Dynamic(pick_str(v, indices)),
        }
    }

    /// Give back spare capacity once a column is complete.
    pub fn shrink_to_fit(&mut self) {
        match self {
            ColumnData::Bool(v) => v.shrink_to_fit(),
            ColumnData::Int(v) => v.shrink_to_fit(),
            ColumnData::Long(v) | ColumnData::DateTime(v) | ColumnData::TimeSpan(v) => {
                v.shrink_to_fit()
            }
            ColumnData::Real(v) => v.shrink_to_fit(),
            ColumnData::String(v) | ColumnData::Dynamic(v) => v.shrink_to_fit(),
            ColumnData::Guid(v) => v.shrink_to_fit(),
        }
    }

    /// Approximate heap bytes, for memory accounting in benchmarks and the status bar.
    pub fn heap_bytes(&self) -> usize {
        fn vb<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        match self {
            ColumnData::Bool(v) => vb(v),
            ColumnData::Int(v) => vb(v),
            ColumnData::Long(v) | ColumnData::DateTime(v) | ColumnData::TimeSpan(v) => vb(v),
            ColumnData::Real(v) => vb(v),
            ColumnData::String(v) | ColumnData::Dynamic(v) => v.heap_bytes(),
            ColumnData::Guid(v) => vb(v),
        }
    }
}

fn push_some<T>(v: &mut Vec<Option<T>>, x: T) -> bool {
    v.push(Some(x));
    true
}

fn push_opt<T>(v: &mut Vec<Option<T>>, x: Option<T>) -> bool {
    let ok = x.is_some();
    v.push(x);
    ok
}

fn real_to_int(f: f64) -> Option<i64> {
    (f.is_finite() && f.abs() < 9.2e18).then(|| f.trunc() as i64)
}

/// KQL's `tobool()` on text: `true`/`false` in any case, `1`/`0`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim() {
        t if t.eq_ignore_ascii_case("true") || t == "1" => Some(true),
        t if t.eq_ignore_ascii_case("false") || t == "0" => Some(false),
        _ => None,
    }
}

/// Build a column from owned values (tests, demo data, small literal tables).
pub fn column_from_values(kind: Kind, values: impl IntoIterator<Item = Value>) -> ColumnData {
    let mut col = ColumnData::new(kind);
    for v in values {
        col.push(v.as_ref());
    }
    col
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strvec_keeps_every_string_in_one_buffer() {
        let mut s = StrVec::new();
        for w in ["a", "", "héllo", "x"] {
            s.push(w);
        }
        assert_eq!(s.len(), 4);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec!["a", "", "héllo", "x"]);
        assert_eq!(s.get(2), "héllo");
    }

    #[test]
    fn pushes_convert_like_kql() {
        let mut c = ColumnData::new(Kind::Long);
        assert!(c.push(ValueRef::String(" 42 ")));
        assert!(c.push(ValueRef::Real(3.9)));
        assert!(!c.push(ValueRef::String("x")));
        c.push_null();
        assert_eq!(c.get(0), ValueRef::Long(42));
        assert_eq!(c.get(1), ValueRef::Long(3));
        assert_eq!(c.get(2), ValueRef::Null);
        assert_eq!(c.get(3), ValueRef::Null);

        let mut d = ColumnData::new(Kind::Dynamic);
        d.push(ValueRef::Long(5));
        d.push_null();
        assert_eq!(d.get(0), ValueRef::Dynamic("5"));
        assert_eq!(d.get(1), ValueRef::Null);

        let mut b = ColumnData::new(Kind::Bool);
        b.push(ValueRef::String("True"));
        assert_eq!(b.get(0), ValueRef::Bool(true));
    }

    #[test]
    fn take_reorders_rows() {
        let c = column_from_values(
            Kind::String,
            ["a", "b", "c"].map(|s| Value::String(s.into())),
        );
        let t = c.take(&[2, 0]);
        assert_eq!(t.get(0), ValueRef::String("c"));
        assert_eq!(t.get(1), ValueRef::String("a"));
    }
}
