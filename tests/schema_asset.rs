//! Checks that the bundled schema asset (`assets/defender-schema.json`) has exactly the
//! tables, columns and types of the shared documented schema, when `../shared` (or
//! `KQLHUNT_SHARED`) is reachable; otherwise says loudly that the check was skipped.

use std::path::PathBuf;

use kqlhunt::data::{DefenderSchema, Kind};
use serde_json::Value;

fn shared_schema_path() -> Option<PathBuf> {
    let base = match std::env::var_os("KQLHUNT_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("shared"),
    };
    let path = base.join("data").join("defender-schema.json");
    path.is_file().then_some(path)
}

fn pairs(columns: &Value, type_key: &str) -> Vec<(String, String)> {
    columns
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| match c {
            Value::Array(a) => (
                a.first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                a.get(1)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            ),
            obj => (
                obj["name"].as_str().unwrap_or_default().to_string(),
                obj[type_key].as_str().unwrap_or_default().to_string(),
            ),
        })
        .collect()
}

#[test]
fn asset_matches_shared_schema() {
    let Some(path) = shared_schema_path() else {
        eprintln!(
            "\n*** SKIPPED asset_matches_shared_schema: ../shared/data/defender-schema.json not found \
             (set KQLHUNT_SHARED to the shared directory to run this check) ***\n"
        );
        return;
    };
    let shared: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read shared schema"))
            .expect("shared schema is JSON");
    let asset_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/defender-schema.json");
    let asset: Value =
        serde_json::from_str(&std::fs::read_to_string(asset_path).expect("read asset"))
            .expect("asset is JSON");

    let shared_tables = shared["tables"].as_array().expect("shared tables");
    let asset_tables = asset["tables"].as_array().expect("asset tables");
    assert_eq!(asset_tables.len(), shared_tables.len(), "table count");
    for (a, s) in asset_tables.iter().zip(shared_tables) {
        assert_eq!(a["name"], s["name"]);
        assert_eq!(
            a["preview"].as_bool(),
            s["preview"].as_bool(),
            "{} preview",
            s["name"]
        );
        assert_eq!(
            pairs(&a["columns"], "type"),
            pairs(&s["columns"], "type"),
            "{} columns",
            s["name"]
        );
    }

    let shared_fns = shared["functions"].as_array().expect("shared functions");
    let asset_fns = asset["functions"].as_array().expect("asset functions");
    assert_eq!(asset_fns.len(), shared_fns.len(), "function count");
    for (a, s) in asset_fns.iter().zip(shared_fns) {
        assert_eq!(a["name"], s["name"]);
        assert_eq!(
            pairs(&a["columns"], "type"),
            pairs(&s["returns_columns"], "type"),
            "{}",
            s["name"]
        );
    }

    // No documentation text in the asset: only names, flags and types.
    for t in asset_tables {
        let keys: Vec<&String> = t.as_object().expect("table object").keys().collect();
        assert_eq!(keys, ["name", "preview", "columns"], "{}", t["name"]);
    }
    for f in asset_fns {
        let keys: Vec<&String> = f.as_object().expect("function object").keys().collect();
        assert_eq!(keys, ["name", "columns"], "{}", f["name"]);
    }

    // And what the program sees is the same, with every type mapped to a known kind.
    let bundled = DefenderSchema::bundled();
    assert_eq!(bundled.tables.len(), shared_tables.len());
    for (t, s) in bundled.tables.iter().zip(shared_tables) {
        let expected = pairs(&s["columns"], "type");
        assert_eq!(t.columns.len(), expected.len(), "{}", t.name);
        for ((name, kind), (sname, stype)) in t.columns.iter().zip(&expected) {
            assert_eq!(name, sname);
            assert_eq!(
                Some(*kind),
                Kind::from_type_name(stype),
                "{}.{name}",
                t.name
            );
        }
    }
}
