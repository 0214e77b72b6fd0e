//! Reading local files into tables, so the local engine can hunt over them: CSV and TSV
//! (header row required), a JSON array of objects, JSON Lines, and saved service responses
//! (`{"Schema": [...], "Results": [...]}` in either casing, decoded by `api::decode` with
//! the types the service declared). Column kinds of CSV and JSON rows are inferred from
//! every value: a column is `long`, `real`, `bool` or `datetime` only when all its
//! non-empty values read as one; JSON objects and arrays become `dynamic`; anything else
//! stays `string`. Nothing is guessed from a sample, so a late odd value cannot be lost.

use std::path::Path;

use serde_json::Value as Json;

use super::column::{ColumnData, StrVec};
use super::time::parse_datetime;
use super::{Column, Kind, Table, Value};

/// Why a file could not become a table: one line, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    pub path: String,
    pub message: String,
}

/// The file formats we read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Tsv,
    /// A JSON array of objects, or a saved service response.
    Json,
    Jsonl,
}

impl FileFormat {
    /// The format named by a file's extension (`.csv`, `.tsv`, `.json`, `.jsonl`/`.ndjson`).
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => FileFormat::Csv,
            "tsv" | "tab" => FileFormat::Tsv,
            "json" => FileFormat::Json,
            "jsonl" | "ndjson" => FileFormat::Jsonl,
            _ => return None,
        })
    }
}

/// A file read into a table.
#[derive(Debug)]
pub struct Imported {
    /// The file name without its extension: the name queries use.
    pub name: String,
    pub table: Table,
}

/// Read `path` (format from its extension) into a table named after the file.
pub fn read_file(path: &Path) -> Result<Imported, ImportError> {
    let fail = |message: String| ImportError {
        path: path.display().to_string(),
        message,
    };
    let format = FileFormat::from_path(path).ok_or_else(|| {
        fail("unknown file type; kqlhunt reads .csv, .tsv, .json, .jsonl and .ndjson".into())
    })?;
    let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
    let table = read_bytes(&bytes, format).map_err(fail)?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("file")
        .to_string();
    Ok(Imported { name, table })
}

/// Parse file contents of a known format.
pub fn read_bytes(bytes: &[u8], format: FileFormat) -> Result<Table, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match format {
        FileFormat::Csv => read_delimited(bytes, b','),
        FileFormat::Tsv => read_delimited(bytes, b'\t'),
        FileFormat::Json => read_json(bytes),
        FileFormat::Jsonl => read_jsonl(bytes),
    }
}

fn read_delimited(bytes: &[u8], delimiter: u8) -> Result<Table, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| format!("the header row cannot be read: {e}"))?
        .clone();
    if headers.is_empty() {
        return Err("the file has no header row".into());
    }
    let mut cells: Vec<StrVec> = vec![StrVec::new(); headers.len()];
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                for (col, cell) in cells.iter_mut().zip(record.iter()) {
                    col.push(cell);
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(format!("line {line}: {e}"));
            }
        }
    }
    let names = unique_names(headers.iter().map(str::to_string));
    let columns = names
        .into_iter()
        .zip(cells)
        .map(|(name, texts)| Column::new(name, typed_from_text(&texts)))
        .collect();
    Table::new(columns).map_err(|e| e.to_string())
}

fn read_json(bytes: &[u8]) -> Result<Table, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let start = text.trim_start();
    if start.starts_with('{') {
        // A saved service response keeps the service's own column types.
        return crate::api::decode::decode(bytes)
            .map(|d| d.table)
            .map_err(|e| format!("not a hunting response ({e}); expected an array of objects"));
    }
    let rows: Vec<Json> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON array of objects: {e}"))?;
    rows_to_table(rows.iter())
}

fn read_jsonl(bytes: &[u8]) -> Result<Table, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Json = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        rows.push(row);
    }
    rows_to_table(rows.iter())
}

/// Objects to columns: keys in first-seen order; a key missing from a row is null there.
fn rows_to_table<'a>(rows: impl Iterator<Item = &'a Json> + Clone) -> Result<Table, String> {
    let mut names: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (i, row) in rows.clone().enumerate() {
        let Json::Object(map) = row else {
            return Err(format!("row {} is not a JSON object", i + 1));
        };
        for key in map.keys() {
            if !index.contains_key(key) {
                index.insert(key.clone(), names.len());
                names.push(key.clone());
            }
        }
    }
    let columns = names
        .iter()
        .map(|name| {
            let values: Vec<Option<&Json>> = rows
                .clone()
                .map(|row| row.get(name).filter(|v| !v.is_null()))
                .collect();
            Column::new(name.clone(), typed_from_json(&values))
        })
        .collect();
    Table::new(columns).map_err(|e| e.to_string())
}

/// The narrowest kind every value fits, tried in this order.
const TEXT_KINDS: [Kind; 4] = [Kind::Long, Kind::Real, Kind::Bool, Kind::DateTime];

fn parse_text(text: &str, kind: Kind) -> Option<Value> {
    // `007` is an identifier (a zip code, an account number), not the number 7.
    let digits = text.trim_start_matches(['-', '+']).as_bytes();
    if kind.is_numeric() && digits.len() > 1 && digits[0] == b'0' && digits[1].is_ascii_digit() {
        return None;
    }
    match kind {
        Kind::Long => text.parse().ok().map(Value::Long),
        Kind::Real => text
            .parse::<f64>()
            .ok()
            .filter(|_| !text.eq_ignore_ascii_case("nan") && !text.contains("inf"))
            .map(Value::Real),
        Kind::Bool => match text.to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::DateTime => parse_datetime(text).map(Value::DateTime),
        _ => Some(Value::String(text.to_string())),
    }
}

fn typed_from_text(texts: &StrVec) -> ColumnData {
    let kind = TEXT_KINDS
        .into_iter()
        .find(|&k| {
            texts.iter().any(|t| !t.is_empty())
                && texts
                    .iter()
                    .all(|t| t.is_empty() || parse_text(t, k).is_some())
        })
        .unwrap_or(Kind::String);
    let mut col = ColumnData::with_capacity(kind, texts.len());
    for t in texts.iter() {
        match parse_text(t, kind) {
            // An empty CSV field is null in a typed column, an empty string in a string one.
            Some(v) if !(t.is_empty() && kind != Kind::String) => {
                col.push(v.as_ref());
            }
            _ => col.push_null(),
        }
    }
    col
}

fn json_kind(v: &Json) -> Kind {
    match v {
        Json::Bool(_) => Kind::Bool,
        Json::Number(n) if n.is_i64() => Kind::Long,
        Json::Number(_) => Kind::Real,
        Json::String(s) if parse_datetime(s).is_some() => Kind::DateTime,
        Json::String(_) => Kind::String,
        _ => Kind::Dynamic,
    }
}

/// Combine two value kinds into the column kind that holds both.
fn widen(a: Kind, b: Kind) -> Kind {
    match (a, b) {
        _ if a == b => a,
        (Kind::Long, Kind::Real) | (Kind::Real, Kind::Long) => Kind::Real,
        (Kind::DateTime, Kind::String) | (Kind::String, Kind::DateTime) => Kind::String,
        _ => Kind::Dynamic,
    }
}

fn typed_from_json(values: &[Option<&Json>]) -> ColumnData {
    let kind = values
        .iter()
        .flatten()
        .map(|v| json_kind(v))
        .reduce(widen)
        .unwrap_or(Kind::String);
    let mut col = ColumnData::with_capacity(kind, values.len());
    for v in values {
        let Some(v) = v else {
            col.push_null();
            continue;
        };
        let value = match (kind, v) {
            (Kind::Bool, Json::Bool(b)) => Value::Bool(*b),
            (Kind::Long, Json::Number(n)) => n.as_i64().map_or(Value::Null, Value::Long),
            (Kind::Real, Json::Number(n)) => n.as_f64().map_or(Value::Null, Value::Real),
            (Kind::DateTime, Json::String(s)) => {
                parse_datetime(s).map_or(Value::Null, Value::DateTime)
            }
            (Kind::String, Json::String(s)) => Value::String(s.clone()),
            _ => Value::dynamic(v),
        };
        col.push(value.as_ref());
    }
    col
}

/// Header names made unique the way Kusto does for clashes: `Name`, `Name1`, `Name2`…;
/// an empty header becomes `Column1`-style.
fn unique_names(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, name) in names.enumerate() {
        let base = if name.trim().is_empty() {
            format!("Column{}", i + 1)
        } else {
            name
        };
        let mut candidate = base.clone();
        let mut n = 1;
        while out.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValueRef;
    use crate::data::export::{Format, write};

    fn cell(table: &Table, row: usize, col: &str) -> Value {
        table.column(col).expect("column").data.get(row).to_owned()
    }

    #[test]
    fn csv_columns_get_the_narrowest_kind_that_fits_every_value() {
        let text = "Count,Score,Ok,When,Name,Mixed,Zip\n\
                    1,1.5,true,2024-05-01T08:30:00Z,a,1,02134\n\
                    ,2,False,2024-05-02,b,x,10001\n";
        let t = read_bytes(text.as_bytes(), FileFormat::Csv).unwrap();
        let kinds: Vec<Kind> = t.columns().iter().map(|c| c.kind()).collect();
        assert_eq!(
            kinds,
            [
                Kind::Long,
                Kind::Real,
                Kind::Bool,
                Kind::DateTime,
                Kind::String,
                Kind::String,
                Kind::String,
            ]
        );
        assert_eq!(cell(&t, 1, "Count"), Value::Null);
        assert_eq!(cell(&t, 1, "Ok"), Value::Bool(false));
        assert_eq!(cell(&t, 1, "Mixed"), Value::String("x".into()));
    }

    #[test]
    fn an_empty_string_field_stays_an_empty_string() {
        let t = read_bytes(b"A,B\nx,\n", FileFormat::Csv).unwrap();
        assert_eq!(cell(&t, 0, "B"), Value::String(String::new()));
    }

    #[test]
    fn ragged_csv_is_an_error_with_its_line() {
        let err = read_bytes(b"A,B\n1,2\n3\n", FileFormat::Csv).unwrap_err();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn duplicate_and_blank_headers_are_renamed() {
        let t = read_bytes(b"A,A,\n1,2,3\n", FileFormat::Csv).unwrap();
        let names: Vec<&str> = t.columns().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["A", "A1", "Column3"]);
    }

    #[test]
    fn json_rows_union_their_keys_and_keep_nested_values_dynamic() {
        let text = r#"[{"a":1,"b":{"x":[1,2]}},{"a":2.5,"c":"2024-01-01T00:00:00Z"}]"#;
        let t = read_bytes(text.as_bytes(), FileFormat::Json).unwrap();
        assert_eq!(t.column("a").unwrap().kind(), Kind::Real);
        assert_eq!(t.column("b").unwrap().kind(), Kind::Dynamic);
        assert_eq!(t.column("c").unwrap().kind(), Kind::DateTime);
        assert_eq!(cell(&t, 0, "c"), Value::Null);
        assert_eq!(cell(&t, 0, "b"), Value::Dynamic(r#"{"x":[1,2]}"#.into()));
    }

    #[test]
    fn a_jsonl_line_that_is_not_json_is_named() {
        let err = read_bytes(b"{\"a\":1}\n{oops\n", FileFormat::Jsonl).unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }

    #[test]
    fn a_saved_service_response_keeps_the_declared_types() {
        let text = r#"{"Schema":[{"Name":"Id","Type":"Int64"},{"Name":"When","Type":"DateTime"}],
                       "Results":[{"Id":9007199254740993,"When":"2024-05-01T08:30:00.1234567Z"}]}"#;
        let t = read_bytes(text.as_bytes(), FileFormat::Json).unwrap();
        assert_eq!(cell(&t, 0, "Id"), Value::Long(9_007_199_254_740_993));
        assert_eq!(t.column("When").unwrap().kind(), Kind::DateTime);
    }

    #[test]
    fn our_own_exports_read_back_with_their_kinds_and_values() {
        let text = "Id,When,Name,Ok\n1,2024-05-01T08:30:00Z,\"a,\"\"b\"\"\",true\n";
        let original = read_bytes(text.as_bytes(), FileFormat::Csv).unwrap();
        for format in [Format::Csv, Format::Tsv, Format::Json, Format::Jsonl] {
            let mut out = Vec::new();
            write(&original, format, &mut out).unwrap();
            let back = read_bytes(
                &out,
                match format {
                    Format::Csv => FileFormat::Csv,
                    Format::Tsv => FileFormat::Tsv,
                    Format::Json => FileFormat::Json,
                    _ => FileFormat::Jsonl,
                },
            )
            .unwrap();
            assert_eq!(back, original, "{format:?}");
        }
    }

    #[test]
    fn the_format_comes_from_the_extension() {
        assert_eq!(
            FileFormat::from_path(Path::new("x.CSV")),
            Some(FileFormat::Csv)
        );
        assert_eq!(
            FileFormat::from_path(Path::new("x.ndjson")),
            Some(FileFormat::Jsonl)
        );
        assert_eq!(FileFormat::from_path(Path::new("x.xlsx")), None);
        let err = read_file(Path::new("/nonexistent/x.xlsx")).unwrap_err();
        assert!(err.to_string().contains("unknown file type"), "{err}");
    }

    #[test]
    fn a_cell_value_is_never_taken_for_a_control_sequence() {
        // Import keeps data as data: escaping happens only on the way to the screen.
        let t = read_bytes(b"A\n\"\x1b]0;t\x07\"\n", FileFormat::Csv).unwrap();
        assert_eq!(cell(&t, 0, "A"), Value::String("\u{1b}]0;t\u{7}".into()));
        assert!(matches!(t.cell(0, 0), ValueRef::String(_)));
    }
}
