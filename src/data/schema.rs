//! The bundled Microsoft Defender advanced hunting schema: table and function names with
//! their columns and KQL kinds, parsed once from `assets/defender-schema.json` (names and
//! types only; see `scripts/gen-schema-asset.py`). Used for completion, lint, the schema
//! tree and the demo dataset when no tenant schema is at hand.

use std::sync::OnceLock;

use serde::Deserialize;

use super::value::Kind;

/// One advanced hunting table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSchema {
    pub name: String,
    /// The table is documented as a preview.
    pub preview: bool,
    /// Columns in documented order.
    pub columns: Vec<(String, Kind)>,
}

impl TableSchema {
    /// The kind of a column, by exact name.
    pub fn column(&self, name: &str) -> Option<Kind> {
        self.columns
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, k)| *k)
    }
}

/// One schema function (`FileProfile`, `DeviceFromIP`, …) and the columns it returns.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionSchema {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
}

/// Every table and function of the schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefenderSchema {
    pub tables: Vec<TableSchema>,
    pub functions: Vec<FunctionSchema>,
}

#[derive(Deserialize)]
struct RawSchema {
    tables: Vec<RawTable>,
    #[serde(default)]
    functions: Vec<RawFunction>,
}

#[derive(Deserialize)]
struct RawTable {
    name: String,
    #[serde(default)]
    preview: bool,
    columns: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct RawFunction {
    name: String,
    columns: Vec<(String, String)>,
}

const BUNDLED_JSON: &str = include_str!("../../assets/defender-schema.json");

/// Type names we do not know are kept as dynamic, the way results keep unknown columns.
fn kinds(columns: Vec<(String, String)>) -> Vec<(String, Kind)> {
    columns
        .into_iter()
        .map(|(n, t)| {
            let k = Kind::from_type_name(&t).unwrap_or(Kind::Dynamic);
            (n, k)
        })
        .collect()
}

impl DefenderSchema {
    /// Parse a schema in the asset's format.
    pub fn parse(json: &str) -> Result<DefenderSchema, serde_json::Error> {
        let raw: RawSchema = serde_json::from_str(json)?;
        Ok(DefenderSchema {
            tables: raw
                .tables
                .into_iter()
                .map(|t| TableSchema {
                    name: t.name,
                    preview: t.preview,
                    columns: kinds(t.columns),
                })
                .collect(),
            functions: raw
                .functions
                .into_iter()
                .map(|f| FunctionSchema {
                    name: f.name,
                    columns: kinds(f.columns),
                })
                .collect(),
        })
    }

    /// The schema bundled into the binary, parsed on first use. The asset is checked by the
    /// tests; were it ever unreadable this yields an empty schema rather than a panic.
    pub fn bundled() -> &'static DefenderSchema {
        static SCHEMA: OnceLock<DefenderSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| DefenderSchema::parse(BUNDLED_JSON).unwrap_or_default())
    }

    /// A table by exact name (KQL table names are case-sensitive).
    pub fn table(&self, name: &str) -> Option<&TableSchema> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// A table by name ignoring ASCII case, for "did you mean" hints and lenient lookups.
    pub fn table_ci(&self, name: &str) -> Option<&TableSchema> {
        self.table(name).or_else(|| {
            self.tables
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(name))
        })
    }

    /// Table names in schema order (alphabetical in the bundled asset).
    pub fn table_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tables.iter().map(|t| t.name.as_str())
    }

    /// A function by exact name.
    pub fn function(&self, name: &str) -> Option<&FunctionSchema> {
        self.functions.iter().find(|f| f.name == name)
    }

    /// A function by name ignoring ASCII case.
    pub fn function_ci(&self, name: &str) -> Option<&FunctionSchema> {
        self.function(name).or_else(|| {
            self.functions
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
        })
    }
}

/// Shorthand for [`DefenderSchema::bundled`].
pub fn bundled() -> &'static DefenderSchema {
    DefenderSchema::bundled()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_asset_parses_with_every_table() {
        // The asset must parse: `bundled()` hides a failure behind an empty schema.
        let parsed = DefenderSchema::parse(BUNDLED_JSON).expect("asset parses");
        assert_eq!(parsed.tables.len(), 65);
        assert_eq!(bundled(), &parsed);
        assert!(parsed.tables.iter().all(|t| !t.columns.is_empty()));
    }

    #[test]
    fn lookups_are_exact_or_case_insensitive() {
        let s = bundled();
        let dpe = s.table("DeviceProcessEvents").expect("DeviceProcessEvents");
        assert_eq!(dpe.columns[0], ("Timestamp".to_string(), Kind::DateTime));
        assert_eq!(dpe.column("ProcessId"), Some(Kind::Long));
        assert_eq!(dpe.column("processid"), None);
        assert!(s.table("deviceprocessevents").is_none());
        assert_eq!(
            s.table_ci("deviceprocessevents").map(|t| t.name.as_str()),
            Some("DeviceProcessEvents")
        );
        assert!(s.table_names().any(|n| n == "EmailEvents"));
        assert!(s.table_ci("NoSuchTable").is_none());
    }

    #[test]
    fn functions_and_kinds() {
        let s = bundled();
        let fp = s.function_ci("fileprofile").expect("FileProfile");
        assert_eq!(
            fp.columns
                .iter()
                .find(|(n, _)| n == "IsCertificateValid")
                .map(|c| c.1),
            Some(Kind::Bool)
        );
        assert!(s.function("DeviceFromIP").is_some());
        let al = s.table("AlertEvidence").expect("AlertEvidence");
        assert_eq!(al.column("ApplicationId"), Some(Kind::Int));
        assert_eq!(al.column("FileSize"), Some(Kind::Long));
    }

    #[test]
    fn unknown_types_become_dynamic() {
        let s = DefenderSchema::parse(
            r#"{"tables":[{"name":"T","columns":[["a","blob"],["b","guid"]]}]}"#,
        )
        .expect("parses");
        assert_eq!(
            s.tables[0].columns,
            vec![("a".into(), Kind::Dynamic), ("b".into(), Kind::Guid)]
        );
        assert!(!s.tables[0].preview);
        assert!(DefenderSchema::parse("{").is_err());
    }
}
