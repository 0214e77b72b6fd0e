//! Refreshing the schema from the tenant, on request only: one query (one quota call) that
//! asks every known table for its `getschema`, the answer turned into tables and columns,
//! cached on disk under the data dir with a time to live, and merged over the bundled
//! schema for completion and the editor's lint.
//!
//! The query goes through the worker like any other (`Command::RefreshSchema`), so it
//! waits for the quota ledger, is retried after a 429 and can be cancelled. `getschema`
//! reads table metadata, not rows, so the call costs next to no CPU. `union isfuzzy=true`
//! lets tables the tenant lacks (unlicensed workloads) drop out instead of failing the
//! whole query. It refreshes the columns of the tables we know; it does not discover
//! tables that the bundled schema has never heard of.

use std::io;
use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use crate::backend::RunRequest;
use crate::data::schema::{DefenderSchema, TableSchema};
use crate::data::{ResultSet, ValueRef};

/// Where the schema of `tenant` (as the profile names it) is cached under `data_dir`:
/// `tenant-schema-<tenant>.json`, the name reduced to safe characters.
pub fn cache_path(data_dir: &Path, tenant: Option<&str>) -> std::path::PathBuf {
    let safe: String = tenant
        .unwrap_or("default")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.') {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let safe = safe.trim_start_matches('.');
    let safe = if safe.is_empty() { "default" } else { safe };
    data_dir.join(format!("tenant-schema-{safe}.json"))
}

/// How long a refreshed schema is used before the bundled one is preferred again.
pub const DEFAULT_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// The refresh query for these tables.
pub fn refresh_query<'a>(tables: impl IntoIterator<Item = &'a str>) -> String {
    let legs: Vec<String> = tables
        .into_iter()
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|t| format!("({t} | getschema | project TableName = \"{t}\", ColumnName, ColumnType)"))
        .collect();
    format!(
        "union isfuzzy=true\n{}\n| project TableName, ColumnName, ColumnType",
        legs.join(",\n")
    )
}

/// The refresh request for every table of the bundled schema.
pub fn refresh_request() -> RunRequest {
    RunRequest::new(refresh_query(DefenderSchema::bundled().table_names()))
}

/// Why an answer is not a schema.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SchemaError {
    #[error("the schema answer has no `{0}` column")]
    MissingColumn(&'static str),
    #[error("the schema answer lists no tables")]
    Empty,
    #[error("the schema cache is unreadable: {0}")]
    Cache(String),
}

fn text(v: ValueRef<'_>) -> Option<&str> {
    match v {
        ValueRef::String(s) if !s.is_empty() => Some(s),
        _ => None,
    }
}

/// Tables and columns from the refresh query's rows (TableName, ColumnName, ColumnType;
/// `DataType` such as `System.String` is accepted in place of `ColumnType`). Columns keep
/// the order the service lists them in; unknown types become dynamic.
pub fn tables_from_result(result: &ResultSet) -> Result<Vec<TableSchema>, SchemaError> {
    let t = &result.table;
    let col = |name: &'static str| t.column(name).ok_or(SchemaError::MissingColumn(name));
    let tables = col("TableName")?;
    let names = col("ColumnName")?;
    let types = t
        .column("ColumnType")
        .or_else(|| t.column("DataType"))
        .ok_or(SchemaError::MissingColumn("ColumnType"))?;
    let mut out: Vec<TableSchema> = Vec::new();
    for row in 0..t.row_count() {
        let (Some(table), Some(name)) = (text(tables.data.get(row)), text(names.data.get(row)))
        else {
            continue;
        };
        let kind = text(types.data.get(row))
            .and_then(crate::data::Kind::from_type_name)
            .unwrap_or(crate::data::Kind::Dynamic);
        let pos = match out.iter().position(|s| s.name == table) {
            Some(p) => p,
            None => {
                out.push(TableSchema {
                    name: table.to_string(),
                    preview: false,
                    columns: Vec::new(),
                });
                out.len() - 1
            }
        };
        let cols = &mut out[pos].columns;
        if !cols.iter().any(|(n, _)| n == name) {
            cols.push((name.to_string(), kind));
        }
    }
    if out.is_empty() {
        return Err(SchemaError::Empty);
    }
    Ok(out)
}

/// `base` with the tenant's tables laid over it: a table the tenant described replaces the
/// bundled one (keeping its preview flag); tables only one side knows are kept.
pub fn merge(base: &DefenderSchema, tenant: &[TableSchema]) -> DefenderSchema {
    let mut out = base.clone();
    for t in tenant {
        match out.tables.iter_mut().find(|b| b.name == t.name) {
            Some(b) => b.columns = t.columns.clone(),
            None => out.tables.push(t.clone()),
        }
    }
    out
}

#[derive(Serialize)]
struct CacheTable<'a> {
    name: &'a str,
    columns: Vec<(&'a str, &'static str)>,
}

#[derive(Serialize)]
struct CacheFile<'a> {
    fetched_at: i64,
    tables: Vec<CacheTable<'a>>,
}

/// Write the refreshed tables to `path` (JSON in the bundled asset's shape plus
/// `fetched_at`, Unix seconds), via a temporary file so a crash never leaves half a file.
pub fn save(path: &Path, tables: &[TableSchema], fetched_at: i64) -> io::Result<()> {
    let file = CacheFile {
        fetched_at,
        tables: tables
            .iter()
            .map(|t| CacheTable {
                name: &t.name,
                columns: t
                    .columns
                    .iter()
                    .map(|(n, k)| (n.as_str(), k.kql_name()))
                    .collect(),
            })
            .collect(),
    };
    let json = serde_json::to_vec(&file).map_err(io::Error::other)?;
    if let Some(dir) = path.parent() {
        crate::config::create_private_dir(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

/// The cached tables and when they were fetched, if the cache exists and is younger than
/// `ttl` at `now` (Unix seconds). An unreadable cache is an error, a missing or stale one
/// is `Ok(None)`.
pub fn load(
    path: &Path,
    now: i64,
    ttl: Duration,
) -> Result<Option<(Vec<TableSchema>, i64)>, SchemaError> {
    let bytes = match std::fs::read_to_string(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SchemaError::Cache(e.to_string())),
    };
    #[derive(serde::Deserialize)]
    struct Stamp {
        fetched_at: i64,
    }
    let stamp: Stamp =
        serde_json::from_str(&bytes).map_err(|e| SchemaError::Cache(e.to_string()))?;
    let age = now.saturating_sub(stamp.fetched_at);
    if age < 0 || age as u64 > ttl.as_secs() {
        return Ok(None);
    }
    let schema = DefenderSchema::parse(&bytes).map_err(|e| SchemaError::Cache(e.to_string()))?;
    Ok(Some((schema.tables, stamp.fetched_at)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::column::column_from_values;
    use crate::data::{Column, Kind, Origin, Table, Value};

    fn answer(rows: &[(&str, &str, &str)]) -> ResultSet {
        let col = |i: usize, name: &str| {
            Column::new(
                name,
                column_from_values(
                    Kind::String,
                    rows.iter().map(|r| {
                        Value::String(
                            match i {
                                0 => r.0,
                                1 => r.1,
                                _ => r.2,
                            }
                            .into(),
                        )
                    }),
                ),
            )
        };
        let table = Table::new(vec![
            col(0, "TableName"),
            col(1, "ColumnName"),
            col(2, "ColumnType"),
        ])
        .unwrap();
        ResultSet::new(table, Origin::default())
    }

    #[test]
    fn query_has_one_leg_per_table_and_skips_odd_names() {
        let q = refresh_query(["DeviceEvents", "Bad\"Name", "EmailEvents"]);
        assert!(q.starts_with("union isfuzzy=true\n(DeviceEvents | getschema"));
        assert!(q.contains("TableName = \"EmailEvents\""));
        assert!(!q.contains("Bad"));
        // The query parses without errors.
        assert_eq!(crate::kql::parse(&q).errors().count(), 0, "{q}");
        assert_eq!(refresh_request().query.matches("getschema").count(), 65);
    }

    #[test]
    fn answer_becomes_tables_and_merges_over_the_bundle() {
        let r = answer(&[
            ("DeviceEvents", "Timestamp", "datetime"),
            ("DeviceEvents", "BrandNewColumn", "string"),
            ("DeviceEvents", "Weird", "blob"),
            ("NewTable", "Id", "System.Int64"),
            ("", "Skipped", "string"),
        ]);
        let tables = tables_from_result(&r).unwrap();
        assert_eq!(tables.len(), 2);
        assert_eq!(
            tables[0].columns,
            vec![
                ("Timestamp".into(), Kind::DateTime),
                ("BrandNewColumn".into(), Kind::String),
                ("Weird".into(), Kind::Dynamic)
            ]
        );
        assert_eq!(tables[1].columns, vec![("Id".into(), Kind::Long)]);
        let merged = merge(DefenderSchema::bundled(), &tables);
        assert_eq!(merged.tables.len(), 66);
        assert_eq!(merged.table("DeviceEvents").unwrap().columns.len(), 3);
        assert!(merged.table("EmailEvents").is_some());
        assert!(tables_from_result(&answer(&[])).is_err());
    }

    #[test]
    fn cache_round_trip_and_ttl() {
        let dir = tempfile::tempdir().unwrap();
        let path = cache_path(&dir.path().join("data"), Some("Contoso.onmicrosoft.com"));
        assert!(path.ends_with("data/tenant-schema-contoso.onmicrosoft.com.json"));
        assert!(cache_path(dir.path(), Some("../x")).ends_with("tenant-schema-_x.json"));
        assert_eq!(load(&path, 1000, DEFAULT_TTL), Ok(None));
        let tables = vec![TableSchema {
            name: "T".into(),
            preview: false,
            columns: vec![("a".into(), Kind::Long), ("b".into(), Kind::Bool)],
        }];
        save(&path, &tables, 1000).unwrap();
        let (back, at) = load(&path, 1000 + 3600, DEFAULT_TTL).unwrap().unwrap();
        assert_eq!((back, at), (tables, 1000));
        assert_eq!(load(&path, 1000 + 8 * 24 * 3600, DEFAULT_TTL), Ok(None));
        std::fs::write(&path, "{").unwrap();
        assert!(load(&path, 1000, DEFAULT_TTL).is_err());
    }
}
