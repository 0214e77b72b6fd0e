//! The history at its cap (5,000 runs of hunting-sized queries, ≈2 MB): loading it as
//! Ctrl+R does (read the file, parse every line, fold the queries for search), searching it
//! as each key is typed (one word, three words, nothing matching), and one append.
//! Run: `cargo bench --bench history`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kqlhunt::backend::RunRequest;
use kqlhunt::history::store::MAX_ENTRIES;
use kqlhunt::history::{Ended, Entry, Runs, Store};

const TABLES: [&str; 6] = [
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceLogonEvents",
    "DeviceFileEvents",
    "EmailEvents",
    "IdentityLogonEvents",
];
const FILTERS: [&str; 5] = [
    "| where FileName in~ (\"powershell.exe\", \"pwsh.exe\")",
    "| where ProcessCommandLine has_any (\"-enc\", \"-EncodedCommand\", \"FromBase64String\")",
    "| where RemotePort in (3389, 5985, 5986) and ActionType == \"ConnectionSuccess\"",
    "| where AccountName !endswith \"$\" and LogonType == \"RemoteInteractive\"",
    "| where SenderFromDomain !in (\"contoso.com\") and AttachmentCount > 0",
];

/// Run `i`: a multi-line hunt of a few hundred bytes, every 7th one failed.
fn entry(i: usize) -> Entry {
    let query = format!(
        "{}\n| where Timestamp > ago({}d)\n{}\n| summarize Count = count(), First = min(Timestamp) by DeviceName, AccountName\n| where Count > {}\n| top 100 by Count desc",
        TABLES[i % TABLES.len()],
        1 + i % 30,
        FILTERS[i % FILTERS.len()],
        i % 50,
    );
    let error = kqlhunt::backend::RunError::Semantic {
        message: "Failed to resolve column or scalar expression named 'LogonType'".into(),
        at: None,
    };
    let result = kqlhunt::data::ResultSet::default();
    let ended = if i.is_multiple_of(7) {
        Ended::Failed {
            error: &error,
            elapsed: Duration::from_millis(300),
        }
    } else {
        Ended::Finished {
            result: &result,
            cached_age: None,
        }
    };
    let mut e = Entry::new(&RunRequest::new(query), 1_700_000_000 * 10_000_000, ended);
    e.backend = "graph".into();
    e.profile = Some("prod".into());
    e.session = "0123456789ab".into();
    e.name = Some(format!("${}", i % 50 + 1));
    e
}

fn history(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::in_dir(dir.path());
    for i in 0..MAX_ENTRIES {
        store.append(&entry(i)).unwrap();
    }
    let bytes = std::fs::metadata(store.path()).unwrap().len();
    let runs = store.load().unwrap();
    assert_eq!(runs.len(), MAX_ENTRIES);
    println!("history file: {} runs, {} KiB", runs.len(), bytes / 1024);
    assert!(!runs.search("powershell").is_empty());
    assert_eq!(runs.search("pwsh 3389 remoteinteractive").len(), 0);

    let mut g = c.benchmark_group("history_5000");
    g.bench_function("load", |b| b.iter(|| black_box(store.load().unwrap())));
    let text = std::fs::read_to_string(store.path()).unwrap();
    g.bench_function("parse", |b| {
        b.iter(|| black_box(Runs::parse(black_box(&text))))
    });
    for (label, search) in [
        ("search_one_word", "powershell"),
        ("search_three_words", "process ENC top"),
        ("search_no_match", "pwsh 3389 remoteinteractive"),
    ] {
        g.bench_function(label, |b| {
            b.iter(|| black_box(runs.search(black_box(search))))
        });
    }
    // Appending to a full file; the copy compacts back now and then, as a real one would.
    let append_dir = tempfile::tempdir().unwrap();
    let path = append_dir.path().join("history.jsonl");
    std::fs::copy(store.path(), &path).unwrap();
    let mut appender = Store::at(path);
    let one = entry(1);
    g.bench_function("append", |b| {
        b.iter(|| appender.append(black_box(&one)).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3));
    targets = history
}
criterion_main!(benches);
