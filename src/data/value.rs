//! Scalar values: the `Kind` of a column, an owned `Value` and a borrowed `ValueRef` that
//! reads a cell without copying its text. Comparison follows Kusto: values of different
//! numeric kinds compare numerically, nulls sort before everything else.

use std::cmp::Ordering;
use std::fmt;

/// The scalar kinds of KQL that results and tables are stored in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Bool,
    Int,
    Long,
    Real,
    String,
    DateTime,
    TimeSpan,
    Guid,
    Dynamic,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Bool,
        Kind::Int,
        Kind::Long,
        Kind::Real,
        Kind::String,
        Kind::DateTime,
        Kind::TimeSpan,
        Kind::Guid,
        Kind::Dynamic,
    ];

    /// The KQL name of the kind, as `getschema` prints it.
    pub fn kql_name(self) -> &'static str {
        match self {
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Long => "long",
            Kind::Real => "real",
            Kind::String => "string",
            Kind::DateTime => "datetime",
            Kind::TimeSpan => "timespan",
            Kind::Guid => "guid",
            Kind::Dynamic => "dynamic",
        }
    }

    /// Map a type name from KQL or from a service schema (`String`, `Int64`, `SByte`,
    /// `Object`, `System.DateTime` …) to a kind, case-insensitively. `None` for names we do
    /// not know; callers keep such columns as dynamic with the raw type string.
    pub fn from_type_name(name: &str) -> Option<Kind> {
        let lower = name.trim().to_ascii_lowercase();
        let base = lower.strip_prefix("system.").unwrap_or(&lower);
        Some(match base {
            "bool" | "boolean" | "sbyte" => Kind::Bool,
            "int" | "int32" | "integer" | "int16" | "byte" => Kind::Int,
            "long" | "int64" | "uint32" | "uint64" => Kind::Long,
            "real" | "double" | "float" | "single" | "decimal" => Kind::Real,
            "string" => Kind::String,
            "datetime" | "date" => Kind::DateTime,
            "timespan" | "time" => Kind::TimeSpan,
            "guid" | "uniqueid" => Kind::Guid,
            "dynamic" | "object" | "array" | "dictionary" => Kind::Dynamic,
            _ => return None,
        })
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Kind::Int | Kind::Long | Kind::Real)
    }

    /// Numbers, datetimes and timespans read best right-aligned.
    pub fn right_aligned(self) -> bool {
        matches!(self, Kind::Int | Kind::Long | Kind::Real | Kind::TimeSpan)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kql_name())
    }
}

/// A borrowed cell. Strings and dynamic values point into the column's buffer; a dynamic
/// value is its compact JSON text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    String(&'a str),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    Dynamic(&'a str),
}

/// An owned scalar.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    Real(f64),
    String(String),
    DateTime(i64),
    TimeSpan(i64),
    Guid(u128),
    /// Compact JSON text.
    Dynamic(String),
}

impl Value {
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(v) => ValueRef::Bool(*v),
            Value::Int(v) => ValueRef::Int(*v),
            Value::Long(v) => ValueRef::Long(*v),
            Value::Real(v) => ValueRef::Real(*v),
            Value::String(v) => ValueRef::String(v),
            Value::DateTime(v) => ValueRef::DateTime(*v),
            Value::TimeSpan(v) => ValueRef::TimeSpan(*v),
            Value::Guid(v) => ValueRef::Guid(*v),
            Value::Dynamic(v) => ValueRef::Dynamic(v),
        }
    }

    /// A dynamic value from parsed JSON.
    pub fn dynamic(json: &serde_json::Value) -> Value {
        if json.is_null() {
            Value::Null
        } else {
            Value::Dynamic(json.to_string())
        }
    }
}

impl<'a> ValueRef<'a> {
    pub fn to_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(v) => Value::Bool(v),
            ValueRef::Int(v) => Value::Int(v),
            ValueRef::Long(v) => Value::Long(v),
            ValueRef::Real(v) => Value::Real(v),
            ValueRef::String(v) => Value::String(v.to_owned()),
            ValueRef::DateTime(v) => Value::DateTime(v),
            ValueRef::TimeSpan(v) => Value::TimeSpan(v),
            ValueRef::Guid(v) => Value::Guid(v),
            ValueRef::Dynamic(v) => Value::Dynamic(v.to_owned()),
        }
    }

    pub fn is_null(self) -> bool {
        matches!(self, ValueRef::Null)
    }

    /// The kind of a non-null value.
    pub fn kind(self) -> Option<Kind> {
        Some(match self {
            ValueRef::Null => return None,
            ValueRef::Bool(_) => Kind::Bool,
            ValueRef::Int(_) => Kind::Int,
            ValueRef::Long(_) => Kind::Long,
            ValueRef::Real(_) => Kind::Real,
            ValueRef::String(_) => Kind::String,
            ValueRef::DateTime(_) => Kind::DateTime,
            ValueRef::TimeSpan(_) => Kind::TimeSpan,
            ValueRef::Guid(_) => Kind::Guid,
            ValueRef::Dynamic(_) => Kind::Dynamic,
        })
    }

    /// Numeric view for int/long/real (and bool as 0/1), used by mixed comparisons.
    pub fn as_f64(self) -> Option<f64> {
        match self {
            ValueRef::Int(v) => Some(v as f64),
            ValueRef::Long(v) => Some(v as f64),
            ValueRef::Real(v) => Some(v),
            _ => None,
        }
    }

    /// Total order used by `sort`: nulls first, then by value; values of unrelated kinds
    /// are ordered by kind so sorting never panics. Strings compare ordinally, like Kusto.
    pub fn total_cmp(self, other: ValueRef<'_>) -> Ordering {
        use ValueRef as V;
        match (self, other) {
            (V::Null, V::Null) => Ordering::Equal,
            (V::Null, _) => Ordering::Less,
            (_, V::Null) => Ordering::Greater,
            (V::Int(a), V::Int(b)) => a.cmp(&b),
            (V::Long(a), V::Long(b)) => a.cmp(&b),
            (V::Int(a), V::Long(b)) => (a as i64).cmp(&b),
            (V::Long(a), V::Int(b)) => a.cmp(&(b as i64)),
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => {
                let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                x.total_cmp(&y)
            }
            (V::Bool(a), V::Bool(b)) => a.cmp(&b),
            (V::String(a), V::String(b)) => a.cmp(b),
            (V::DateTime(a), V::DateTime(b)) => a.cmp(&b),
            (V::TimeSpan(a), V::TimeSpan(b)) => a.cmp(&b),
            (V::Guid(a), V::Guid(b)) => a.cmp(&b),
            (V::Dynamic(a), V::Dynamic(b)) => a.cmp(b),
            (a, b) => a.kind().cmp(&b.kind()),
        }
    }
}

/// Format a guid in Kusto's lower-case hyphenated form.
pub fn format_guid(g: u128) -> String {
    let h = format!("{g:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Parse a guid with or without hyphens or braces.
pub fn parse_guid(text: &str) -> Option<u128> {
    let t = text.trim().trim_start_matches('{').trim_end_matches('}');
    let hex: String = t.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    if t.len() == 36 && [8, 13, 18, 23].iter().any(|&i| t.as_bytes()[i] != b'-') {
        return None;
    }
    u128::from_str_radix(&hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_from_services_and_kql() {
        for (name, kind) in [
            ("String", Kind::String),
            ("Int64", Kind::Long),
            ("SByte", Kind::Bool),
            ("Object", Kind::Dynamic),
            ("System.DateTime", Kind::DateTime),
            ("TIMESPAN", Kind::TimeSpan),
            ("double", Kind::Real),
        ] {
            assert_eq!(Kind::from_type_name(name), Some(kind), "{name}");
        }
        assert_eq!(Kind::from_type_name("Blob"), None);
    }

    #[test]
    fn guids_round_trip() {
        let g = parse_guid("DE3F2F4A-0B3C-4D5E-8F9A-0123456789AB").unwrap();
        assert_eq!(format_guid(g), "de3f2f4a-0b3c-4d5e-8f9a-0123456789ab");
        assert_eq!(parse_guid("{de3f2f4a0b3c4d5e8f9a0123456789ab}"), Some(g));
        assert_eq!(parse_guid("not-a-guid"), None);
    }

    #[test]
    fn mixed_numeric_and_null_ordering() {
        assert_eq!(
            ValueRef::Int(2).total_cmp(ValueRef::Real(1.5)),
            Ordering::Greater
        );
        assert_eq!(ValueRef::Null.total_cmp(ValueRef::Long(-9)), Ordering::Less);
        assert_eq!(
            ValueRef::String("B").total_cmp(ValueRef::String("a")),
            Ordering::Less
        );
        assert_eq!(
            ValueRef::Long(i64::MAX).total_cmp(ValueRef::Long(i64::MAX - 1)),
            Ordering::Greater
        );
    }
}
