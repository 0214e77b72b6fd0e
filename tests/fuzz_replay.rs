//! Replays every input the fuzzers kept (`fuzz/corpus/<target>/`) and every crash they found
//! (`fuzz/regressions/<target>/`) through the same target bodies (`fuzz/targets.rs`), so
//! `cargo test` guards what fuzzing learned without libFuzzer or a nightly compiler.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(dir) = std::fs::read_dir(root.join(kind).join(target)) else {
            continue;
        };
        files.extend(dir.filter_map(|e| e.ok()).map(|e| e.path()));
    }
    files.sort();
    files
}

fn replay(target: &str, body: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no kept inputs for the `{target}` fuzz target under fuzz/"
    );
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{} fails again", file.display());
    }
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn kql_inputs_replay() {
    replay("kql", targets::kql);
}

#[test]
fn decode_inputs_replay() {
    replay("decode", targets::decode);
}

#[test]
fn throttle_inputs_replay() {
    replay("throttle", targets::throttle);
}
