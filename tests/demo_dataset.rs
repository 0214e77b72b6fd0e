//! The demo dataset as a whole: deterministic, shaped exactly like the bundled schema, about
//! 50,000 rows inside the 30-day window, with internally consistent process trees.

use std::collections::HashSet;

use kqlhunt::data::time::{TICKS_PER_DAY, parse_datetime};
use kqlhunt::data::{DefenderSchema, Kind, Table, ValueRef};
use kqlhunt::demo::{Catalog, generate};

fn now() -> i64 {
    parse_datetime("2025-03-14T15:30:00Z").expect("valid datetime")
}

fn text<'a>(t: &'a Table, row: usize, col: &str) -> &'a str {
    let i = t
        .column_index(col)
        .unwrap_or_else(|| panic!("no column {col}"));
    match t.cell(row, i) {
        ValueRef::String(s) | ValueRef::Dynamic(s) => s,
        _ => "",
    }
}

fn table<'a>(c: &'a Catalog, name: &str) -> &'a Table {
    c.get(name).unwrap_or_else(|| panic!("no table {name}"))
}

#[test]
fn same_now_same_data_and_a_different_now_shifts_it() {
    let a = generate(now());
    let b = generate(now());
    assert!(a == b, "two generations with the same now differ");
    let c = generate(now() + TICKS_PER_DAY);
    assert!(a != c);
}

#[test]
fn every_table_matches_the_bundled_schema() {
    let c = generate(now());
    let schema = DefenderSchema::bundled();
    let names: Vec<&str> = c.table_names().collect();
    let mut expected: Vec<&str> = schema.table_names().collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    for ts in &schema.tables {
        let t = table(&c, &ts.name);
        let got: Vec<(String, Kind)> = t
            .columns()
            .iter()
            .map(|col| (col.name.clone(), col.kind()))
            .collect();
        assert_eq!(got, ts.columns, "{}", ts.name);
    }
}

#[test]
fn row_counts_are_in_range() {
    let c = generate(now());
    let total = c.total_rows();
    assert!((40_000..=65_000).contains(&total), "total rows {total}");
    let dpe = table(&c, "DeviceProcessEvents").row_count();
    assert!(
        (15_000..=25_000).contains(&dpe),
        "DeviceProcessEvents {dpe}"
    );
    for (name, t) in c.iter() {
        assert!(
            t.row_count() <= dpe,
            "{name} is bigger than DeviceProcessEvents"
        );
    }
    for name in [
        "DeviceProcessEvents",
        "DeviceNetworkEvents",
        "DeviceFileEvents",
        "DeviceLogonEvents",
        "DeviceInfo",
        "DeviceEvents",
        "EmailEvents",
        "AlertInfo",
        "AlertEvidence",
        "IdentityLogonEvents",
        "DeviceRegistryEvents",
        "DeviceImageLoadEvents",
        "EmailUrlInfo",
        "UrlClickEvents",
        "DeviceNetworkInfo",
    ] {
        assert!(table(&c, name).row_count() > 0, "{name} is empty");
    }
    assert_eq!(table(&c, "CloudAppEvents").row_count(), 0);
    assert_eq!(table(&c, "DeviceTvmSoftwareInventory").row_count(), 0);
}

#[test]
fn timestamps_fall_in_the_last_30_days() {
    let n = now();
    let c = generate(n);
    for (name, t) in c.iter() {
        let Some(i) = t.column_index("Timestamp") else {
            continue;
        };
        for r in 0..t.row_count() {
            match t.cell(r, i) {
                ValueRef::DateTime(ts) => {
                    assert!(
                        ts >= n - 30 * TICKS_PER_DAY && ts <= n,
                        "{name}[{r}] outside the window"
                    )
                }
                other => panic!("{name}[{r}] Timestamp is {other:?}"),
            }
        }
    }
}

#[test]
fn activity_follows_office_hours() {
    let n = now();
    let c = generate(n);
    let t = table(&c, "DeviceLogonEvents");
    let i = t.column_index("Timestamp").expect("Timestamp");
    let (mut office, mut night) = (0, 0);
    for r in 0..t.row_count() {
        if text(t, r, "LogonType") != "Interactive" {
            continue;
        }
        if let ValueRef::DateTime(ts) = t.cell(r, i) {
            let hour = ts.rem_euclid(TICKS_PER_DAY) / (TICKS_PER_DAY / 24);
            if (6..10).contains(&hour) {
                office += 1
            } else {
                night += 1
            }
        }
    }
    assert!(
        office > 10 * night.max(1),
        "interactive logons: {office} in the morning, {night} otherwise"
    );
}

#[test]
fn hashes_ids_and_sids_have_the_right_shape() {
    let c = generate(now());
    let hex = |s: &str, len: usize| {
        s.is_empty() || (s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    for (name, t) in c.iter() {
        for col in t.columns() {
            let len = match col.name.as_str() {
                n if n.ends_with("SHA1") => 40,
                n if n.ends_with("SHA256") => 64,
                n if n.ends_with("MD5") => 32,
                "DeviceId" => 40,
                _ => continue,
            };
            for r in 0..t.row_count() {
                let v = text(t, r, &col.name);
                assert!(hex(v, len), "{name}.{}[{r}] = {v:?}", col.name);
            }
        }
        for col in ["AccountSid", "InitiatingProcessAccountSid"] {
            if t.column_index(col).is_none() {
                continue;
            }
            for r in 0..t.row_count() {
                let v = text(t, r, col);
                assert!(
                    v.is_empty() || v.starts_with("S-1-5-"),
                    "{name}.{col}[{r}] = {v}"
                );
            }
        }
    }
}

#[test]
fn process_trees_are_consistent() {
    let n = now();
    let c = generate(n);
    let t = table(&c, "DeviceProcessEvents");
    let ts_col = t.column_index("Timestamp").expect("Timestamp");
    let long = |r: usize, col: &str| match t.cell(r, t.column_index(col).expect(col)) {
        ValueRef::Long(v) | ValueRef::DateTime(v) => v,
        other => panic!("{col}[{r}] is {other:?}"),
    };
    let mut created = HashSet::new();
    for r in 0..t.row_count() {
        created.insert((
            text(t, r, "DeviceId").to_string(),
            long(r, "ProcessId"),
            long(r, "ProcessCreationTime"),
        ));
    }
    let mut checked = 0;
    for r in 0..t.row_count() {
        let parent_created = long(r, "InitiatingProcessCreationTime");
        let ts = match t.cell(r, ts_col) {
            ValueRef::DateTime(v) => v,
            _ => 0,
        };
        assert!(
            parent_created <= ts,
            "row {r}: parent created after the child"
        );
        if parent_created >= n - 30 * TICKS_PER_DAY {
            let key = (
                text(t, r, "DeviceId").to_string(),
                long(r, "InitiatingProcessId"),
                parent_created,
            );
            assert!(
                created.contains(&key),
                "row {r}: parent {key:?} has no ProcessCreated row"
            );
            checked += 1;
        }
    }
    assert!(checked > 5_000, "only {checked} parents inside the window");
}

#[test]
fn alert_evidence_points_at_alerts() {
    let c = generate(now());
    let info = table(&c, "AlertInfo");
    let ids: HashSet<&str> = (0..info.row_count())
        .map(|r| text(info, r, "AlertId"))
        .collect();
    assert_eq!(ids.len(), info.row_count(), "alert ids are unique");
    let ev = table(&c, "AlertEvidence");
    for r in 0..ev.row_count() {
        assert!(
            ids.contains(text(ev, r, "AlertId")),
            "evidence row {r} has an unknown alert"
        );
    }
    for id in &ids {
        assert!(
            (0..ev.row_count()).any(|r| text(ev, r, "AlertId") == *id),
            "alert {id} has no evidence"
        );
    }
}

/// Not a test of speed (no assertion): prints the best of five generation times, for the
/// record (`cargo test --release --test demo_dataset print_generation_time -- --nocapture`).
#[test]
fn print_generation_time() {
    let mut best = std::time::Duration::MAX;
    let mut c = generate(now());
    for _ in 0..5 {
        let start = std::time::Instant::now();
        c = generate(now());
        best = best.min(start.elapsed());
    }
    let elapsed = best;
    println!("demo::generate: {} rows in {elapsed:?}", c.total_rows());
    for (name, t) in c.iter().filter(|(_, t)| t.row_count() > 0) {
        println!("  {name}: {}", t.row_count());
    }
}

#[test]
fn stories_survive_any_now() {
    // Just after midnight on a Monday, late on a Sunday, and mid-week in a leap year.
    for text_now in [
        "2025-03-17T00:05:00Z",
        "2025-03-16T23:59:59Z",
        "2024-02-29T12:00:00Z",
    ] {
        let n = parse_datetime(text_now).expect("valid datetime");
        let c = generate(n);
        let net = table(&c, "DeviceNetworkEvents");
        let beacons = (0..net.row_count())
            .filter(|&r| text(net, r, "RemoteIP") == kqlhunt::demo::stories::C2_IP)
            .count();
        assert!(beacons > 1_000, "{text_now}: {beacons} beacons");
        let procs = table(&c, "DeviceProcessEvents");
        let dumps = (0..procs.row_count())
            .filter(|&r| text(procs, r, "ProcessCommandLine").contains("MiniDump"))
            .count();
        assert_eq!(dumps, 1, "{text_now}");
        let alerts = table(&c, "AlertInfo").row_count();
        assert_eq!(alerts, 14, "{text_now}");
        let ts = table(&c, "DeviceLogonEvents");
        let i = ts.column_index("Timestamp").expect("Timestamp");
        for r in 0..ts.row_count() {
            if let ValueRef::DateTime(t) = ts.cell(r, i) {
                assert!(
                    t >= n - 30 * TICKS_PER_DAY && t <= n,
                    "{text_now}: logon {r} outside the window"
                );
            }
        }
    }
}
