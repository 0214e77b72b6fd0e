//! Finding the real-world query corpus for tests: `KQLHUNT_CORPUS`, else
//! `../shared/data/kql-corpus` beside the repo. The corpus is others' text: it is read from
//! there at test time and never copied into the repo.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus directory, if it is reachable.
pub fn dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("KQLHUNT_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/kql-corpus"),
    };
    dir.is_dir().then_some(dir)
}

/// Every `.kql` file under `dir`, sorted.
pub fn kql_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in std::fs::read_dir(&d)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
        {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "kql") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}
