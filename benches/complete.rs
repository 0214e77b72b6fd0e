//! Completion cost per keystroke on a 500-line buffer: the query at the cursor is lexed,
//! parsed and scope-tracked on every call, so the worst case is one 500-line query. Also
//! the signature hint (run on every cursor move) and value completion over a 100,000-row
//! result column. Run: `cargo bench --bench complete`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::{Column, Kind, Table, Value};
use kqlhunt::kql::complete::{Request, complete, signature_at};

/// One 20-line hunting query; repeated with blank lines it makes a buffer of queries,
/// repeated with `| where` joints it makes one long query.
const QUERY: &[&str] = &[
    "let lookback = 7d;",
    "let office = dynamic([\"winword.exe\", \"excel.exe\"]);",
    "DeviceProcessEvents",
    "| where Timestamp > ago(lookback)",
    "| where InitiatingProcessFileName in~ (office)",
    "| where FileName =~ \"powershell.exe\" and ProcessCommandLine has_any (\"-enc\", \"-e\")",
    "| extend Decoded = base64_decode_tostring(extract(@\"-enc\\s+(\\S+)\", 1, ProcessCommandLine))",
    "| project-rename Account = AccountName",
    "| join kind=leftouter (",
    "    DeviceNetworkEvents",
    "    | where Timestamp > ago(1d)",
    "    | summarize Connections = count() by DeviceId, bin(Timestamp, 1h)",
    "    ) on DeviceId",
    "| extend Risk = iff(Connections > 10, \"high\", 'low')",
    "| summarize arg_max(Timestamp, *), Count = dcount(DeviceId) by Account, Risk",
    "| where Count >= 2",
    "| project-away Connections*",
    "| order by Timestamp desc",
    "| take 100",
    "",
];

fn many_queries() -> String {
    QUERY
        .iter()
        .cycle()
        .take(500)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}

fn one_query() -> String {
    let body: Vec<&str> = QUERY[3..QUERY.len() - 1]
        .iter()
        .copied()
        .filter(|l| !l.starts_with("| take"))
        .collect();
    let mut lines = vec!["DeviceProcessEvents"];
    while lines.len() < 500 {
        lines.extend(
            body.iter()
                .filter(|l| !l.starts_with("DeviceProcessEvents")),
        );
    }
    lines.truncate(499);
    lines.push("| where ");
    lines.join("\n")
}

fn bench(c: &mut Criterion) {
    let text = many_queries();
    // Mid-buffer, inside a `where` of the 13th query.
    let cursor = text.match_indices("| where Count >= 2").nth(12).unwrap().0 + 8;
    c.bench_function("complete_500_lines_of_queries", |b| {
        b.iter(|| black_box(complete(&Request::new(black_box(&text), cursor))))
    });
    let long = one_query();
    c.bench_function("complete_one_500_line_query_at_end", |b| {
        b.iter(|| black_box(complete(&Request::new(black_box(&long), long.len()))))
    });
    c.bench_function("signature_hint_500_lines", |b| {
        b.iter(|| black_box(signature_at(black_box(&text), cursor)))
    });
    let names = [
        "cmd.exe",
        "powershell.exe",
        "rundll32.exe",
        "certutil.exe",
        "wscript.exe",
    ];
    let table = Table::new(vec![Column::new(
        "FileName",
        column_from_values(
            Kind::String,
            (0..100_000).map(|i| Value::String(format!("{}-{}", names[i % 5], i % 97))),
        ),
    )])
    .unwrap();
    let q = "DeviceProcessEvents | where FileName == \"";
    c.bench_function("complete_values_100k_rows", |b| {
        b.iter(|| {
            let mut req = Request::new(q, q.len());
            req.results = Some(&table);
            black_box(complete(&req))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
