//! Decoding a hunting response body (Graph `schema`/`results`, legacy `Stats`/`Schema`/
//! `Results`) straight into typed columns. The body is walked once by serde: the schema
//! becomes column builders, and each row's cells are pushed into their column as they are
//! read, borrowing strings from the body. No `serde_json::Value` is built per row; rows are
//! buffered (as raw JSON text) only when the schema comes after them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::data::column::parse_bool;
use crate::data::time::{TICKS_PER_DAY, TICKS_PER_SECOND, days_from_civil, parse_datetime};
use crate::data::value::parse_guid;
use crate::data::{Column, ColumnData, Kind, QueryStats, StrVec, Table, ValueRef};

/// The most rows the service returns for one query; a result with exactly this many rows
/// was probably cut short.
pub const ROW_CAP: usize = 100_000;

/// Why a body could not be read as a hunting result.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The body ended in the middle of the JSON (usually a dropped connection).
    #[error("the result ended early ({0})")]
    Truncated(String),
    #[error("the result is not valid JSON ({0})")]
    Json(String),
    #[error("the result has no schema")]
    NoSchema,
}

impl DecodeError {
    fn from_json(e: serde_json::Error) -> Self {
        if e.is_eof() {
            DecodeError::Truncated(e.to_string())
        } else {
            DecodeError::Json(e.to_string())
        }
    }
}

/// A decoded result: the table, the service's `Stats` when it sent them, and counts of what
/// did not fit (cells whose value did not convert to the column's kind, row keys that are
/// not in the schema).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decoded {
    pub table: Table,
    pub stats: Option<QueryStats>,
    /// The service returned exactly [`ROW_CAP`] rows.
    pub truncated: bool,
    pub unconverted_cells: usize,
    pub unknown_keys: usize,
}

/// Decode a whole response body.
pub fn decode(body: &[u8]) -> Result<Decoded, DecodeError> {
    // Validating UTF-8 once up front (a fast pass) spares serde_json from validating every
    // string it reads; a body that is not UTF-8 goes the slow way for a precise error.
    match std::str::from_utf8(body) {
        Ok(text) => decode_from(serde_json::Deserializer::from_str(text)),
        Err(_) => decode_from(serde_json::Deserializer::from_slice(body)),
    }
}

fn decode_from<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
) -> Result<Decoded, DecodeError> {
    let top = TopSeed
        .deserialize(&mut de)
        .map_err(DecodeError::from_json)?;
    de.end().map_err(DecodeError::from_json)?;
    let builder = top.builder.ok_or(DecodeError::NoSchema)?;
    Ok(builder.finish(top.stats))
}

// ---------------------------------------------------------------------------------------
// Keys

/// An object key, borrowed from the body unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl Key<'_> {
    fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_ascii_case(name)
    }
}

// ---------------------------------------------------------------------------------------
// Top level

struct Top {
    builder: Option<Builder>,
    stats: Option<QueryStats>,
}

struct TopSeed;

impl<'de> DeserializeSeed<'de> for TopSeed {
    type Value = Top;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        d.deserialize_map(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Top;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with a schema and results")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut builder: Option<Builder> = None;
        let mut pending_rows: Option<&'de RawValue> = None;
        let mut stats = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.is("schema") && builder.is_none() {
                let Schema(specs) = map.next_value()?;
                let mut b = Builder::new(specs);
                if let Some(raw) = pending_rows.take() {
                    let mut de = serde_json::Deserializer::from_str(raw.get());
                    RowsSeed(&mut b)
                        .deserialize(&mut de)
                        .map_err(de::Error::custom)?;
                }
                builder = Some(b);
            } else if key.is("results") && pending_rows.is_none() && builder_rows(&builder) {
                match builder.as_mut() {
                    Some(b) => map.next_value_seed(RowsSeed(b))?,
                    None => pending_rows = Some(map.next_value()?),
                }
            } else if key.is("stats") && stats.is_none() {
                let v: serde_json::Value = map.next_value()?;
                stats = stats_from_json(&v);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(Top { builder, stats })
    }
}

/// Whether rows may still be taken (a second `results` key is ignored).
fn builder_rows(b: &Option<Builder>) -> bool {
    b.as_ref().is_none_or(|b| !b.rows_seen)
}

// ---------------------------------------------------------------------------------------
// Schema

/// One column as the schema describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnSpec {
    pub name: String,
    /// The type string as the service spelled it.
    pub type_name: String,
    pub kind: Kind,
}

impl ColumnSpec {
    /// A column from a name and a service type string; unknown types become dynamic.
    ///
    /// `Decimal` (KQL `decimal`: 128-bit, up to 34 significant digits) becomes a *string*
    /// column holding the number exactly as the service wrote it: an f64 would silently
    /// round `79228162514264337593543950335` or `0.1000000000000000000000000001`, and a
    /// decimal kind of its own would touch every part of `data` for a type hunting tables
    /// do not use (none of the Defender tables has a decimal column). The price: such a
    /// column sorts and compares as text, not as numbers, and a null reads as empty (string
    /// columns have no null); the original type string stays in `type_name`.
    pub fn new(name: impl Into<String>, type_name: impl Into<String>) -> Self {
        let type_name = type_name.into();
        let kind = if is_decimal(&type_name) {
            Kind::String
        } else {
            Kind::from_type_name(&type_name).unwrap_or(Kind::Dynamic)
        };
        ColumnSpec {
            name: name.into(),
            type_name,
            kind,
        }
    }
}

/// `Decimal` or `System.Decimal`, in any case. (Other spellings such as `SqlDecimal` are
/// unknown types, kept as their raw JSON: exact too.)
fn is_decimal(type_name: &str) -> bool {
    let t = type_name.trim();
    let t = t
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("system."))
        .map_or(t, |_| &t[7..]);
    t.eq_ignore_ascii_case("decimal")
}

struct Schema(Vec<ColumnSpec>);

impl<'de> Deserialize<'de> for Schema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SchemaVisitor;
        impl<'de> Visitor<'de> for SchemaVisitor {
            type Value = Schema;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of {name, type} columns")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Schema, E> {
                Ok(Schema(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Schema, A::Error> {
                let mut specs = Vec::new();
                while let Some(spec) = seq.next_element::<SchemaEntry>()? {
                    specs.push(spec.0);
                }
                Ok(Schema(specs))
            }
        }
        d.deserialize_any(SchemaVisitor)
    }
}

struct SchemaEntry(ColumnSpec);

impl<'de> Deserialize<'de> for SchemaEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntryVisitor;
        impl<'de> Visitor<'de> for EntryVisitor {
            type Value = SchemaEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a {name, type} column")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SchemaEntry, A::Error> {
                let (mut name, mut ty) = (None, None);
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    if key.is("name") || key.is("columnname") {
                        name = Some(map.next_value::<Option<String>>()?.unwrap_or_default());
                    } else if key.is("type") || key.is("datatype") || key.is("columntype") {
                        ty = map.next_value::<Option<String>>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                let name = name.ok_or_else(|| de::Error::missing_field("name"))?;
                Ok(SchemaEntry(ColumnSpec::new(
                    name,
                    ty.unwrap_or_else(|| "Object".into()),
                )))
            }
        }
        d.deserialize_map(EntryVisitor)
    }
}

// ---------------------------------------------------------------------------------------
// Rows

/// Column builders for one result.
struct Builder {
    specs: Vec<ColumnSpec>,
    cols: Vec<ColumnData>,
    /// Columns whose cells keep their exact JSON text (decimals).
    exact: Vec<bool>,
    /// `filled[i] == rows + 1` once column `i` has a value in the current row.
    filled: Vec<usize>,
    by_name: HashMap<String, usize>,
    rows: usize,
    rows_seen: bool,
    unconverted: usize,
    unknown_keys: usize,
}

impl Builder {
    fn new(specs: Vec<ColumnSpec>) -> Self {
        let cols = specs.iter().map(|s| ColumnData::new(s.kind)).collect();
        let exact = specs.iter().map(|s| is_decimal(&s.type_name)).collect();
        let mut by_name = HashMap::with_capacity(specs.len());
        for (i, s) in specs.iter().enumerate() {
            by_name.entry(s.name.clone()).or_insert(i);
        }
        Builder {
            filled: vec![0; specs.len()],
            specs,
            cols,
            exact,
            by_name,
            rows: 0,
            rows_seen: false,
            unconverted: 0,
            unknown_keys: 0,
        }
    }

    /// Column index of a row key: the expected position first, then by name.
    #[inline]
    fn index_of(&self, key: &str, expected: usize) -> Option<usize> {
        match self.specs.get(expected) {
            Some(s) if s.name == key => Some(expected),
            _ => self.by_name.get(key).copied(),
        }
    }

    fn end_row(&mut self) {
        let mark = self.rows + 1;
        for (f, col) in self.filled.iter().zip(self.cols.iter_mut()) {
            if *f != mark {
                col.push_null();
            }
        }
        self.rows += 1;
    }

    fn finish(self, stats: Option<QueryStats>) -> Decoded {
        let columns = self
            .specs
            .into_iter()
            .zip(self.cols)
            .map(|(spec, mut data)| {
                data.shrink_to_fit();
                Column {
                    name: spec.name,
                    type_name: spec.type_name,
                    data,
                }
            })
            .collect();
        // Every column gets exactly one push per row, so the table is never ragged.
        let table = Table::new(columns).unwrap_or_default();
        Decoded {
            truncated: self.rows == ROW_CAP,
            table,
            stats,
            unconverted_cells: self.unconverted,
            unknown_keys: self.unknown_keys,
        }
    }
}

struct RowsSeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rows")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.rows_seen = true;
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let b = self.0;
        b.rows_seen = true;
        while seq.next_element_seed(RowSeed(b))?.is_some() {}
        Ok(())
    }
}

struct RowSeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.0;
        let mark = b.rows + 1;
        let mut expected = 0;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            match b.index_of(&key, expected) {
                Some(i) if b.filled[i] != mark => {
                    b.filled[i] = mark;
                    expected = i + 1;
                    let ok = map.next_value_seed(CellSeed(&mut b.cols[i], b.exact[i]))?;
                    b.unconverted += usize::from(!ok);
                }
                _ => {
                    b.unknown_keys += 1;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        b.end_row();
        Ok(())
    }

    /// A row as an array of cells in schema order (not seen from the service, but cheap).
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let b = self.0;
        let mark = b.rows + 1;
        let mut i = 0;
        loop {
            if i < b.cols.len() {
                match seq.next_element_seed(CellSeed(&mut b.cols[i], b.exact[i]))? {
                    Some(ok) => {
                        b.filled[i] = mark;
                        b.unconverted += usize::from(!ok);
                    }
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_some() {
                b.unknown_keys += 1;
            } else {
                break;
            }
            i += 1;
        }
        b.end_row();
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Cells

/// Decodes one cell into its column; yields whether the value converted to the column's
/// kind (a value that does not becomes null). With `exact` (decimal columns), a number is
/// kept as the digits the service sent, never parsed into a float.
struct CellSeed<'c>(&'c mut ColumnData, bool);

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        match self.0 {
            ColumnData::Dynamic(v) => {
                let raw = <&'de RawValue>::deserialize(d)?;
                push_dynamic(v, raw.get());
                Ok(true)
            }
            ColumnData::String(s) if self.1 => {
                let raw = <&'de RawValue>::deserialize(d)?.get();
                match raw.as_bytes().first() {
                    Some(b'"') => {
                        let text =
                            serde_json::from_str::<Cow<'_, str>>(raw).map_err(de::Error::custom)?;
                        s.push(&text);
                    }
                    _ if raw == "null" => self.0.push_null(),
                    Some(b'{' | b'[') => {
                        self.0.push_null();
                        return Ok(false);
                    }
                    _ => s.push(raw),
                }
                Ok(true)
            }
            col => d.deserialize_any(CellVisitor(col)),
        }
    }
}

struct CellVisitor<'c>(&'c mut ColumnData);

impl<'de> Visitor<'de> for CellVisitor<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<bool, E> {
        self.0.push_null();
        Ok(true)
    }

    fn visit_none<E: de::Error>(self) -> Result<bool, E> {
        self.visit_unit()
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(match self.0 {
            ColumnData::Bool(c) => {
                c.push(Some(v));
                true
            }
            col => col.push(ValueRef::Bool(v)),
        })
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        Ok(push_i64(self.0, v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => push_i64(self.0, i),
            Err(_) => match self.0 {
                ColumnData::String(s) => {
                    s.push(&v.to_string());
                    true
                }
                col => col.push(ValueRef::Real(v as f64)),
            },
        })
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<bool, E> {
        Ok(match self.0 {
            ColumnData::Real(c) => {
                c.push(Some(v));
                true
            }
            ColumnData::String(s) => {
                s.push(
                    &serde_json::Number::from_f64(v)
                        .map_or_else(|| format!("{v}"), |n| n.to_string()),
                );
                true
            }
            col => col.push(ValueRef::Real(v)),
        })
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<bool, E> {
        Ok(push_str(self.0, v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(push_str(self.0, v))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        nested(self.0, de::value::MapAccessDeserializer::new(map))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        nested(self.0, de::value::SeqAccessDeserializer::new(seq))
    }
}

/// An object or array in a non-dynamic column: a string column keeps its JSON text, any
/// other kind a null.
fn nested<'de, D: Deserializer<'de>>(col: &mut ColumnData, d: D) -> Result<bool, D::Error> {
    match col {
        ColumnData::String(s) => {
            let v = serde_json::Value::deserialize(d)?;
            s.push(&v.to_string());
            Ok(true)
        }
        col => {
            IgnoredAny::deserialize(d)?;
            col.push_null();
            Ok(false)
        }
    }
}

#[inline]
fn push_i64(col: &mut ColumnData, v: i64) -> bool {
    match col {
        ColumnData::Long(c) => {
            c.push(Some(v));
            true
        }
        ColumnData::Int(c) => {
            let x = i32::try_from(v).ok();
            c.push(x);
            x.is_some()
        }
        ColumnData::Real(c) => {
            c.push(Some(v as f64));
            true
        }
        ColumnData::Bool(c) => {
            c.push(Some(v != 0));
            true
        }
        ColumnData::String(s) => {
            s.push(&v.to_string());
            true
        }
        col => col.push(ValueRef::Long(v)),
    }
}

#[inline]
fn push_str(col: &mut ColumnData, s: &str) -> bool {
    match col {
        ColumnData::String(c) => {
            c.push(s);
            return true;
        }
        ColumnData::Dynamic(c) => {
            push_dynamic_text(c, s, None);
            return true;
        }
        _ => {}
    }
    if s.is_empty() {
        col.push_null();
        return true;
    }
    match col {
        ColumnData::DateTime(c) => push_opt(c, fast_datetime(s).or_else(|| parse_datetime(s))),
        ColumnData::Long(c) => push_opt(c, s.trim().parse().ok()),
        ColumnData::Int(c) => push_opt(c, s.trim().parse().ok()),
        ColumnData::Real(c) => push_opt(c, s.trim().parse().ok()),
        ColumnData::Bool(c) => push_opt(c, parse_bool(s)),
        ColumnData::TimeSpan(c) => push_opt(c, crate::data::time::parse_timespan(s)),
        ColumnData::Guid(c) => push_opt(c, fast_guid(s).or_else(|| parse_guid(s))),
        ColumnData::String(_) | ColumnData::Dynamic(_) => true,
    }
}

#[inline]
fn push_opt<T>(c: &mut Vec<Option<T>>, v: Option<T>) -> bool {
    let ok = v.is_some();
    c.push(v);
    ok
}

/// A dynamic cell from its raw JSON: nested JSON is stored compact; a JSON string holding
/// an object or array (dynamic sent as text) is parsed and stored compact; any other
/// string stays a JSON string; `null` is null.
fn push_dynamic(v: &mut StrVec, raw: &str) {
    match raw.as_bytes().first() {
        None | Some(b'n') => v.push(""),
        Some(b'"') => match serde_json::from_str::<Cow<'_, str>>(raw) {
            Ok(text) => push_dynamic_text(v, &text, Some(raw)),
            Err(_) => v.push(raw),
        },
        Some(_) => v.push(&compact(raw)),
    }
}

/// A dynamic cell given as text: JSON objects and arrays are parsed, anything else is kept
/// as a JSON string (`quoted` is its JSON literal when the caller has it).
fn push_dynamic_text(v: &mut StrVec, text: &str, quoted: Option<&str>) {
    let t = text.trim_start();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(raw) = serde_json::from_str::<&RawValue>(t)
    {
        v.push(&compact(raw.get()));
        return;
    }
    match quoted {
        Some(q) => v.push(q),
        None => v.push(&serde_json::Value::String(text.to_owned()).to_string()),
    }
}

/// Valid JSON text without insignificant whitespace.
fn compact(raw: &str) -> Cow<'_, str> {
    let mut in_str = false;
    let mut escaped = false;
    let needs = raw.bytes().any(|c| {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_str = false;
            }
            false
        } else if c == b'"' {
            in_str = true;
            false
        } else {
            matches!(c, b' ' | b'\n' | b'\r' | b'\t')
        }
    });
    if !needs {
        return Cow::Borrowed(raw);
    }
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v) => Cow::Owned(v.to_string()),
        Err(_) => Cow::Borrowed(raw),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,7}]Z`, the form the service sends, without allocating.
fn fast_datetime(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || *b.last()? != b'Z'
    {
        return None;
    }
    let d = |i: usize| -> Option<i64> {
        let c = b[i].wrapping_sub(b'0');
        (c < 10).then_some(c as i64)
    };
    let two = |i: usize| Some(d(i)? * 10 + d(i + 1)?);
    let year = d(0)? * 1000 + d(1)? * 100 + two(2)?;
    let (month, day) = (two(5)?, two(8)?);
    let (h, mi, sec) = (two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    let mut frac = 0;
    let rest = &b[19..b.len() - 1];
    if !rest.is_empty() {
        if rest[0] != b'.' || rest.len() < 2 || rest.len() > 8 {
            return None;
        }
        for i in 20..b.len() - 1 {
            frac = frac * 10 + d(i)?;
        }
        frac *= 10_i64.pow(8 - rest.len() as u32);
    }
    Some(
        days_from_civil(year, month as u32, day as u32) * TICKS_PER_DAY
            + (h * 3600 + mi * 60 + sec) * TICKS_PER_SECOND
            + frac,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A hyphenated 36-character guid, without allocating.
fn fast_guid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut g: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let n = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        g = (g << 4) | n as u128;
    }
    Some(g)
}

// ---------------------------------------------------------------------------------------
// Stats

/// Read the legacy APIs' `Stats` leniently: keys in any case, missing parts left `None`.
pub fn stats_from_json(v: &serde_json::Value) -> Option<QueryStats> {
    let obj = v.as_object()?;
    let get = |o: &'_ serde_json::Map<String, serde_json::Value>, k: &str| {
        o.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let num = |v: Option<serde_json::Value>| -> Option<f64> {
        match v? {
            serde_json::Value::Number(n) => n.as_f64(),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let uint = |v: Option<&serde_json::Value>| -> Option<u64> {
        match v? {
            serde_json::Value::Number(n) => n.as_u64().or_else(|| n.as_f64().map(|f| f as u64)),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    let span = |v: Option<serde_json::Value>| -> Option<i64> {
        crate::data::time::parse_timespan(v?.as_str()?)
    };
    let mut stats = QueryStats {
        execution_time: num(get(obj, "ExecutionTime")),
        ..QueryStats::default()
    };
    if let Some(serde_json::Value::Object(ru)) = get(obj, "resource_usage") {
        if let Some(serde_json::Value::Object(cpu)) = get(&ru, "cpu") {
            stats.cpu_user = span(get(&cpu, "user"));
            stats.cpu_kernel = span(get(&cpu, "kernel"));
            stats.cpu_total = span(get(&cpu, "total cpu"));
        }
        if let Some(serde_json::Value::Object(mem)) = get(&ru, "memory") {
            stats.memory_peak_per_node = uint(get(&mem, "peak_per_node").as_ref());
        }
    }
    if let Some(serde_json::Value::Array(sets)) = get(obj, "dataset_statistics") {
        let sum = |k: &str| -> Option<u64> {
            let vals: Vec<u64> = sets
                .iter()
                .filter_map(|s| s.as_object().and_then(|o| uint(get(o, k).as_ref())))
                .collect();
            (!vals.is_empty()).then(|| vals.iter().sum())
        };
        stats.table_row_count = sum("table_row_count");
        stats.table_size = sum("table_size");
    }
    Some(stats)
}

// ---------------------------------------------------------------------------------------
// Request bodies

/// The request body: `{"Query": …}` plus Graph's optional `Timespan`.
#[derive(Serialize)]
pub struct QueryBody<'a> {
    #[serde(rename = "Query")]
    pub query: &'a str,
    #[serde(rename = "Timespan", skip_serializing_if = "Option::is_none")]
    pub timespan: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::parse_timespan;

    fn ok(body: &str) -> Decoded {
        decode(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    #[test]
    fn legacy_example_with_stats() {
        let d = ok(r#"{
          "Stats": {"ExecutionTime": 4.621215,
            "resource_usage": {"cache": {"memory": {"hits": 1}},
              "cpu": {"user": "00:00:19.0468750", "kernel": "00:00:00.0156250", "total cpu": "00:00:19.0625000"},
              "memory": {"peak_per_node": 236822432}},
            "dataset_statistics": [{"table_row_count": 2, "table_size": 102}]},
          "Schema": [{"Name": "Timestamp", "Type": "DateTime"}, {"Name": "FileName", "Type": "String"}],
          "Results": [{"Timestamp": "2020-08-30T06:38:35.7664356Z", "FileName": "conhost.exe"},
                      {"FileName": "cmd.exe", "Timestamp": "2020-08-30T06:38:30.5163363Z"}]}"#);
        let t = &d.table;
        assert_eq!(t.row_count(), 2);
        assert_eq!(t.columns()[0].type_name, "DateTime");
        assert_eq!(
            t.cell(0, 0),
            ValueRef::DateTime(parse_datetime("2020-08-30T06:38:35.7664356Z").unwrap())
        );
        assert_eq!(t.cell(1, 1), ValueRef::String("cmd.exe"));
        let s = d.stats.unwrap();
        assert_eq!(s.execution_time, Some(4.621215));
        assert_eq!(s.cpu_user, parse_timespan("00:00:19.0468750"));
        assert_eq!(s.cpu_total, Some(190_625_000));
        assert_eq!(s.memory_peak_per_node, Some(236_822_432));
        assert_eq!(s.table_row_count, Some(2));
        assert_eq!(s.table_size, Some(102));
        assert!(!d.truncated);
    }

    #[test]
    fn graph_shape_and_results_before_schema() {
        let body = r#"{"@odata.context":"x","results":[{"a":1,"b":"x"},{"b":"y"}],"schema":[{"name":"a","type":"Int32"},{"NAME":"b","TYPE":"string"}]}"#;
        let d = ok(body);
        assert_eq!(d.table.row_count(), 2);
        assert_eq!(d.table.cell(0, 0), ValueRef::Int(1));
        assert_eq!(d.table.cell(1, 0), ValueRef::Null);
        assert_eq!(d.table.cell(1, 1), ValueRef::String("y"));
        assert!(d.stats.is_none());
    }

    #[test]
    fn kinds_and_conversions() {
        let body = r#"{"schema":[{"name":"l","type":"Int64"},{"name":"b","type":"SByte"},
          {"name":"r","type":"Double"},{"name":"g","type":"Guid"},{"name":"ts","type":"TimeSpan"},
          {"name":"d","type":"Dynamic"},{"name":"x","type":"Blob"},{"name":"s","type":"String"},
          {"name":"dec","type":"Decimal"},{"name":"bb","type":"Boolean"}],
          "results":[{"l":9007199254740993,"b":1,"r":"NaN","g":"DE3F2F4A-0B3C-4D5E-8F9A-0123456789AB",
          "ts":"1.02:03:04.5000000","d":"{\"a\": [1, 2]}","x":{"k": "v"},"s":"caf\u00e9 \ud83d\ude00","dec":"1.25","bb":true},
          {"l":"-9223372036854775808","b":false,"r":2,"g":null,"ts":null,"d":{"n": null},"x":"plain","s":12,"dec":null,"bb":"False"}]}"#;
        let d = ok(body);
        let t = &d.table;
        assert_eq!(t.cell(0, 0), ValueRef::Long(9_007_199_254_740_993));
        assert_eq!(t.cell(1, 0), ValueRef::Long(i64::MIN));
        assert_eq!(t.cell(0, 1), ValueRef::Bool(true));
        assert_eq!(t.cell(1, 1), ValueRef::Bool(false));
        assert!(matches!(t.cell(0, 2), ValueRef::Real(f) if f.is_nan()));
        assert_eq!(t.cell(1, 2), ValueRef::Real(2.0));
        assert_eq!(
            t.cell(0, 3),
            ValueRef::Guid(0xde3f2f4a_0b3c_4d5e_8f9a_0123456789ab)
        );
        assert_eq!(t.cell(1, 3), ValueRef::Null);
        assert_eq!(
            t.cell(0, 4),
            ValueRef::TimeSpan(parse_timespan("1.02:03:04.5").unwrap())
        );
        assert_eq!(t.cell(0, 5), ValueRef::Dynamic(r#"{"a":[1,2]}"#));
        assert_eq!(t.cell(1, 5), ValueRef::Dynamic(r#"{"n":null}"#));
        assert_eq!(t.columns()[6].type_name, "Blob");
        assert_eq!(t.columns()[6].kind(), Kind::Dynamic);
        assert_eq!(t.cell(0, 6), ValueRef::Dynamic(r#"{"k":"v"}"#));
        assert_eq!(t.cell(1, 6), ValueRef::Dynamic(r#""plain""#));
        assert_eq!(t.cell(0, 7), ValueRef::String("café 😀"));
        assert_eq!(t.cell(1, 7), ValueRef::String("12"));
        assert_eq!(t.cell(0, 8), ValueRef::String("1.25"));
        // A string column has no null (as in KQL): a null decimal reads as empty.
        assert_eq!(t.cell(1, 8), ValueRef::String(""));
        assert_eq!(t.columns()[8].type_name, "Decimal");
        assert_eq!(t.cell(1, 9), ValueRef::Bool(false));
        assert_eq!(d.unconverted_cells, 0);
    }

    #[test]
    fn decimals_keep_every_digit() {
        let body = r#"{"Schema":[{"Name":"a","Type":"Decimal"},{"Name":"b","Type":"System.Decimal"}],
          "Results":[{"a":79228162514264337593543950335,"b":0.1000000000000000000000000001},
          {"a":"-1.50","b":1e-28},{"a":[1],"b":null}]}"#;
        let d = ok(body);
        let t = &d.table;
        assert_eq!(t.columns()[0].kind(), Kind::String);
        assert_eq!(
            t.cell(0, 0),
            ValueRef::String("79228162514264337593543950335")
        );
        assert_eq!(
            t.cell(0, 1),
            ValueRef::String("0.1000000000000000000000000001")
        );
        assert_eq!(t.cell(1, 0), ValueRef::String("-1.50"));
        assert_eq!(t.cell(1, 1), ValueRef::String("1e-28"));
        assert_eq!(t.cell(2, 0), ValueRef::String(""));
        assert_eq!(t.cell(2, 1), ValueRef::String(""));
        assert_eq!(d.unconverted_cells, 1);
    }

    #[test]
    fn zero_rows_keep_the_schema_and_cap_marks_truncation() {
        let d = ok(r#"{"Schema":[{"Name":"a","Type":"String"}],"Results":[]}"#);
        assert_eq!(d.table.row_count(), 0);
        assert_eq!(d.table.columns().len(), 1);
        let mut body = String::from(r#"{"Schema":[{"Name":"a","Type":"Int32"}],"Results":["#);
        for i in 0..ROW_CAP {
            if i > 0 {
                body.push(',');
            }
            body.push_str(r#"{"a":1}"#);
        }
        body.push_str("]}");
        assert!(ok(&body).truncated);
    }

    #[test]
    fn unknown_keys_duplicates_and_bad_cells() {
        let d = ok(
            r#"{"schema":[{"name":"a","type":"Int32"}],"results":[{"a":1,"a":2,"zz":3},{"a":"x"},{"a":{"o":1}},{"a":99999999999}]}"#,
        );
        assert_eq!(d.table.cell(0, 0), ValueRef::Int(1));
        assert_eq!(d.unknown_keys, 2);
        assert_eq!(d.unconverted_cells, 3);
        assert_eq!(d.table.row_count(), 4);
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        for body in [
            "",
            "[]",
            "{",
            "null",
            r#"{"Schema":[{"Name":"a","Type":"String"}],"Results":[{"a":"x"}"#,
            r#"{"Schema":[{"Type":"String"}],"Results":[]}"#,
            r#"{"Schema":5,"Results":[]}"#,
            r#"{"Results":[]}"#,
            r#"{"error":{"code":"x"}}"#,
            r#"{"Schema":[],"Results":[1]} x"#,
        ] {
            assert!(decode(body.as_bytes()).is_err(), "{body}");
        }
        assert!(matches!(
            decode(br#"{"Schema":[{"Name":"a","Type":"String"}],"Results":[{"a":"#),
            Err(DecodeError::Truncated(_))
        ));
        assert_eq!(decode(br#"{"x":1}"#), Err(DecodeError::NoSchema));
    }

    #[test]
    fn fast_paths_agree_with_the_general_parsers() {
        for s in [
            "2020-08-30T06:38:35.7664356Z",
            "2020-08-30T06:38:35Z",
            "2020-08-30T06:38:35.1Z",
            "2024-02-29T23:59:59.9999999Z",
            "1601-01-01T00:00:00.0000000Z",
        ] {
            assert_eq!(fast_datetime(s), parse_datetime(s), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2020-13-01T00:00:00Z",
            "2020-08-30T06:38:35.Z",
        ] {
            assert_eq!(fast_datetime(s), None, "{s}");
        }
        let g = "de3f2f4a-0b3c-4d5e-8f9a-0123456789ab";
        assert_eq!(fast_guid(g), parse_guid(g));
        assert_eq!(fast_guid("de3f2f4a-0b3c-4d5e-8f9a-0123456789ag"), None);
    }
}
