//! Two processes appending to one history at once (two workbench windows, a script beside
//! them): every line stays whole, none is lost, and compaction under the lock keeps the
//! newest runs of each. The writers are this test binary run again as child processes.

use std::process::Command;
use std::time::Duration;

use kqlhunt::backend::RunRequest;
use kqlhunt::history::store::MAX_ENTRIES;
use kqlhunt::history::{Ended, Entry, Store};

/// Runs per writer: together they pass the cap by more than the slack a process allows
/// between counts, so compaction surely happens while both append.
const PER_WRITER: usize = 3_500;
const CHILD_ENV: &str = "KQLHUNT_HISTORY_TEST_WRITER";

/// The child's side: append `PER_WRITER` runs tagged with this writer's name, each query
/// over 4 KiB so that a torn write would show. Does nothing unless started as a child.
#[test]
fn child_writer() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (tag, path) = spec.split_once(':').expect("TAG:PATH");
    let mut store = Store::at(path.into());
    let padding = "x".repeat(4200);
    for i in 0..PER_WRITER {
        let request = RunRequest::new(format!("{tag} {i:05} {padding}"));
        let entry = Entry::new(
            &request,
            0,
            Ended::Cancelled {
                elapsed: Duration::ZERO,
            },
        );
        store.append(&entry).unwrap();
    }
}

#[test]
fn two_processes_never_interleave_or_lose_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.jsonl");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|tag| {
            Command::new(&exe)
                .args(["--exact", "child_writer", "--test-threads=1"])
                .env(CHILD_ENV, format!("{tag}:{}", path.display()))
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }

    let text = std::fs::read_to_string(&path).unwrap();
    let mut seen: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for line in text.lines() {
        let entry: Entry = serde_json::from_str(line).expect("every line is one whole entry");
        let mut words = entry.query.split(' ');
        let (tag, n) = (words.next().unwrap(), words.next().unwrap());
        seen.entry(tag.to_string())
            .or_default()
            .push(n.parse().unwrap());
    }
    let total: usize = seen.values().map(Vec::len).sum();
    assert!(
        (MAX_ENTRIES..2 * PER_WRITER).contains(&total),
        "compacted to the newest {MAX_ENTRIES} at least once, then appended: {total}"
    );
    for (tag, ns) in &seen {
        // Each writer's runs that remain are its newest, in order, with none missing.
        let first = ns[0];
        let missing: Vec<usize> = (first..PER_WRITER).filter(|n| !ns.contains(n)).collect();
        assert!(missing.is_empty(), "writer {tag} lost runs {missing:?}");
        assert!(
            ns.windows(2).all(|w| w[0] < w[1]),
            "writer {tag}: out of order"
        );
    }
    assert_eq!(seen.len(), 2, "both writers' newest runs are kept");
}
