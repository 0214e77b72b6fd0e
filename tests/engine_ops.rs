//! The local engine's tabular operators, `let` and the aggregates, each case written from
//! Kusto's documented behaviour; the comment above each case names the page under
//! learn.microsoft.com/kusto/query/ it follows. Most cases build their input with
//! `datatable`, so the expected rows are visible next to the query.

use kqlhunt::data::format::plain_text;
use kqlhunt::data::time::TICKS_PER_DAY;
use kqlhunt::data::{Column, ColumnData, Kind, Table, Value};
use kqlhunt::engine::{Catalog, ErrorKind, ExecContext, execute};

const NOW: i64 = 20_000 * TICKS_PER_DAY;

fn ctx() -> ExecContext {
    ExecContext {
        now: NOW,
        ..Default::default()
    }
}

fn strings(kind: Kind, values: &[&str]) -> ColumnData {
    let mut c = ColumnData::new(kind);
    for v in values {
        c.push(kqlhunt::data::ValueRef::String(v));
    }
    c
}

/// Two small tables for union wildcards and cross-table queries.
fn catalog() -> Catalog {
    let events = Table::new(vec![
        Column::new("DeviceName", strings(Kind::String, &["a", "b", "a"])),
        Column::new("Count", strings(Kind::Long, &["1", "2", "3"])),
    ])
    .unwrap();
    let logons = Table::new(vec![
        Column::new("DeviceName", strings(Kind::String, &["c"])),
        Column::new("Count", strings(Kind::String, &["x"])),
    ])
    .unwrap();
    let other = Table::new(vec![Column::new("X", strings(Kind::Long, &["9"]))]).unwrap();
    Catalog::from_tables([
        ("DeviceEvents".to_string(), events),
        ("DeviceLogonEvents".to_string(), logons),
        ("IdentityInfo".to_string(), other),
    ])
}

fn run(q: &str) -> Table {
    match execute(&catalog(), q, &ctx()) {
        Ok(o) => o.table,
        Err(e) => panic!("{q}\n=> {:?}: {}", e.kind, e.message),
    }
}

fn err(q: &str) -> (ErrorKind, String) {
    let e = execute(&catalog(), q, &ctx()).expect_err(q);
    (e.kind, e.message)
}

fn names(t: &Table) -> Vec<&str> {
    t.columns().iter().map(|c| c.name.as_str()).collect()
}

/// A column's cells as text (null is empty).
fn col(t: &Table, name: &str) -> Vec<String> {
    let c = t
        .column(name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", names(t)));
    (0..t.row_count())
        .map(|r| plain_text(c.data.get(r)).into_owned())
        .collect()
}

fn cell(t: &Table, name: &str, row: usize) -> Value {
    t.column(name).unwrap().data.get(row).to_owned()
}

const PROCS: &str = r#"datatable(Device:string, File:string, Size:long, Score:real, At:datetime)[
    "wks-1", "cmd.exe", 10, 1.5, datetime(2024-01-01 10:00),
    "wks-1", "powershell.exe", 30, 2.5, datetime(2024-01-01 11:30),
    "wks-2", "cmd.exe", 20, 3.0, datetime(2024-01-01 10:15),
    "wks-2", "CMD.EXE", long(null), real(null), datetime(2024-01-02 09:00),
    "wks-3", "certutil.exe", 5, 4.0, datetime(2024-01-03 08:00)]"#;

// let-statement: scalar, tabular and function bindings; later names hide earlier ones.
#[test]
fn let_binds_scalars_tables_and_functions() {
    let t = run(&format!(
        "let limit = 15; let P = {PROCS}; P | where Size > limit | project File"
    ));
    assert_eq!(col(&t, "File"), ["powershell.exe", "cmd.exe"]);
    let t = run("let x = 1; let x = x + 1; print y = x");
    assert_eq!(col(&t, "y"), ["2"]);
    // A column hides a scalar let of the same name.
    let t = run("let Size = 1000; datatable(Size:long)[1, 2] | where Size < 2");
    assert_eq!(col(&t, "Size"), ["1"]);
    // A dynamic array let expands in `in` and `has_any`.
    let t = run(&format!(
        r#"let bad = dynamic(["cmd.exe", "certutil.exe"]); {PROCS} | where File in (bad) | project Device"#
    ));
    assert_eq!(col(&t, "Device"), ["wks-1", "wks-2", "wks-3"]);
    let t = run(&format!(
        r#"let words = dynamic(["certutil"]); {PROCS} | where File has_any (words) | count"#
    ));
    assert_eq!(col(&t, "Count"), ["1"]);
}

// user-defined-functions: scalar functions with typed and default parameters are
// expanded at the call; tabular functions and views run as sources.
#[test]
fn user_functions_scalar_tabular_and_views() {
    let t = run(&format!(
        r#"let big = (n:long, limit:long = 15) {{ n > limit }};
           {PROCS} | where big(Size) | project File"#
    ));
    assert_eq!(col(&t, "File"), ["powershell.exe", "cmd.exe"]);
    let t = run(&format!(
        r#"let big = (n:long, limit:long = 15) {{ n > limit }};
           {PROCS} | where big(Size, 25) | project File"#
    ));
    assert_eq!(col(&t, "File"), ["powershell.exe"]);
    let t = run(&format!(
        r#"let on_device = (d:string) {{ {PROCS} | where Device == d }};
           on_device("wks-2") | count"#
    ));
    assert_eq!(col(&t, "Count"), ["2"]);
    let t = run(&format!(
        r#"let everything = view () {{ {PROCS} }}; everything | count"#
    ));
    assert_eq!(col(&t, "Count"), ["5"]);
    // A function body with its own let.
    let t = run(r#"let f = (s:string) { let t = strcat(s, "!"); t }; print r = f("hi")"#);
    assert_eq!(col(&t, "r"), ["hi!"]);
    // A function's free names mean what they meant where it was defined.
    let t = run("let x = 1; let f = () { x * 10 }; let x = 2; print a = f(), b = x");
    assert_eq!(col(&t, "a"), ["10"]);
    assert_eq!(col(&t, "b"), ["2"]);
    let (kind, msg) = err(r#"let f = (a:string) { a }; print f()"#);
    assert_eq!(kind, ErrorKind::Semantic);
    assert!(msg.contains("missing argument 'a'"), "{msg}");
}

// invoke-operator: the piped table is the function's first (tabular) parameter.
#[test]
fn invoke_passes_the_input_table() {
    let t = run(&format!(
        r#"let top_by = (T:(Size:long), n:long) {{ T | top n by Size }};
           {PROCS} | invoke top_by(2) | project Size"#
    ));
    assert_eq!(col(&t, "Size"), ["30", "20"]);
}

// materialize-function and toscalar-function: a value computed once and reused.
#[test]
fn materialize_and_toscalar() {
    let t = run(&format!(
        r#"let m = materialize({PROCS} | summarize n = count() by Device);
           let biggest = toscalar(m | summarize max(n));
           m | where n == biggest | project Device"#
    ));
    assert_eq!(col(&t, "Device"), ["wks-1", "wks-2"]);
    let t = run(&format!(
        r#"let devices = {PROCS} | where Size > 15 | distinct Device;
           {PROCS} | where Device in (devices) | count"#
    ));
    assert_eq!(col(&t, "Count"), ["4"]);
    let t = run(&format!(
        r#"{PROCS} | where Device !in ((datatable(d:string)["wks-1"])) | count"#
    ));
    assert_eq!(col(&t, "Count"), ["3"]);
    // toscalar of an empty table is null.
    let t = run(r#"print v = toscalar(datatable(a:long)[] | take 1)"#);
    assert_eq!(col(&t, "v"), [""]);
}

// summarize-operator and count-aggregation-function, countif, dcount, sum, min, max,
// avg: default column names and nulls ignored by the aggregates.
#[test]
fn summarize_basic_aggregates_and_names() {
    let t = run(&format!(
        "{PROCS} | summarize count(), countif(Size > 10), dcount(File), sum(Size), min(Size), \
         max(At), avg(Score) by Device"
    ));
    assert_eq!(
        names(&t),
        [
            "Device",
            "count_",
            "countif_",
            "dcount_File",
            "sum_Size",
            "min_Size",
            "max_At",
            "avg_Score"
        ]
    );
    assert_eq!(col(&t, "Device"), ["wks-1", "wks-2", "wks-3"]);
    assert_eq!(col(&t, "count_"), ["2", "2", "1"]);
    assert_eq!(col(&t, "countif_"), ["1", "1", "0"]);
    // dcount is case-sensitive: cmd.exe and CMD.EXE are two values.
    assert_eq!(col(&t, "dcount_File"), ["2", "2", "1"]);
    assert_eq!(col(&t, "sum_Size"), ["40", "20", "5"]);
    assert_eq!(col(&t, "min_Size"), ["10", "20", "5"]);
    assert_eq!(cell(&t, "avg_Score", 1), Value::Real(3.0));
    assert_eq!(cell(&t, "sum_Size", 0), Value::Long(40));
    // Explicit names win; `summarize by` alone is a distinct.
    let t = run(&format!("{PROCS} | summarize Total = sum(Size)"));
    assert_eq!(col(&t, "Total"), ["65"]);
    let t = run(&format!("{PROCS} | summarize by Device | count"));
    assert_eq!(col(&t, "Count"), ["3"]);
}

// summarize-operator: on an empty input, no rows with `by`, one row without it
// (count is 0).
#[test]
fn summarize_empty_input() {
    let empty = "datatable(Device:string, Size:long)[]";
    let t = run(&format!("{empty} | summarize count(), sum(Size) by Device"));
    assert_eq!(t.row_count(), 0);
    assert_eq!(names(&t), ["Device", "count_", "sum_Size"]);
    let t = run(&format!(
        "{empty} | summarize count(), dcount(Device), make_set(Device)"
    ));
    assert_eq!(t.row_count(), 1);
    assert_eq!(col(&t, "count_"), ["0"]);
    assert_eq!(col(&t, "dcount_Device"), ["0"]);
    assert_eq!(col(&t, "set_Device"), ["[]"]);
}

// summarize-operator: `by` keys may be expressions, bin() names the column after its
// first argument; aggregates may appear inside expressions.
#[test]
fn summarize_by_expressions_and_bins() {
    let t = run(&format!(
        "{PROCS} | summarize n = count() by bin(At, 1d) | sort by At asc"
    ));
    assert_eq!(names(&t), ["At", "n"]);
    assert_eq!(col(&t, "n"), ["3", "1", "1"]);
    let t = run(&format!(
        "{PROCS} | summarize n = count() by lower = tolower(File) | sort by n desc | take 1"
    ));
    assert_eq!(col(&t, "lower"), ["cmd.exe"]);
    assert_eq!(col(&t, "n"), ["3"]);
    let t = run(&format!(
        "{PROCS} | summarize Pct = 100.0 * countif(Size > 10) / count()"
    ));
    assert_eq!(cell(&t, "Pct", 0), Value::Real(40.0));
    // An unnamed expression over one aggregate takes the aggregate's name.
    let t = run(&format!("{PROCS} | summarize tostring(make_set(Device))"));
    assert_eq!(names(&t), ["set_Device"]);
}

// arg-max-aggregation-function and arg-min: the extreme row's value and the requested
// columns; with `*` every other column, the by keys not repeated.
#[test]
fn summarize_arg_max_and_arg_min() {
    let t = run(&format!("{PROCS} | summarize arg_max(At, File) by Device"));
    assert_eq!(names(&t), ["Device", "At", "File"]);
    assert_eq!(
        col(&t, "File"),
        ["powershell.exe", "CMD.EXE", "certutil.exe"]
    );
    let t = run(&format!("{PROCS} | summarize arg_min(Size, *) by Device"));
    assert_eq!(names(&t), ["Device", "Size", "File", "Score", "At"]);
    // Nulls are skipped: wks-2's null size row is not the minimum.
    assert_eq!(col(&t, "File"), ["cmd.exe", "cmd.exe", "certutil.exe"]);
    let t = run(&format!("{PROCS} | summarize arg_max(Score, *)"));
    assert_eq!(col(&t, "Device"), ["wks-3"]);
}

// make-set-aggregation-function, make-list, make-bag (+ the _if forms and the size
// limit; makeset/makelist are the deprecated spellings).
#[test]
fn summarize_make_set_list_bag() {
    let t = run(&format!(
        "{PROCS} | summarize make_set(File), makelist(Size), make_set_if(File, Size > 10), \
         make_list(Device, 2) by Device | where Device == 'wks-2'"
    ));
    assert_eq!(
        names(&t),
        [
            "Device",
            "set_File",
            "list_Size",
            "set_File1",
            "list_Device"
        ]
    );
    assert_eq!(col(&t, "set_File"), [r#"["cmd.exe","CMD.EXE"]"#]);
    assert_eq!(col(&t, "list_Size"), ["[20]"]);
    assert_eq!(col(&t, "set_File1"), [r#"["cmd.exe"]"#]);
    assert_eq!(col(&t, "list_Device"), [r#"["wks-2","wks-2"]"#]);
    let t = run(
        r#"datatable(b:dynamic)[dynamic({"a":1}), dynamic({"b":2}), dynamic(null)]
           | summarize bag = make_bag(b)"#,
    );
    assert_eq!(col(&t, "bag"), [r#"{"a":1,"b":2}"#]);
}

// take-any-aggregation-function, percentile, stdev, variance, dcountif, sumif, avgif,
// minif, maxif, count_distinct, take_anyif.
#[test]
fn summarize_statistics_and_if_forms() {
    let nums = "datatable(x:long, g:string)[1,'a', 2,'a', 3,'a', 4,'a', 10,'b']";
    let t = run(&format!(
        "{nums} | summarize percentile(x, 50), percentiles(x, 25, 100), stdev(x), variance(x) by g"
    ));
    assert_eq!(
        names(&t),
        [
            "g",
            "percentile_x_50",
            "percentile_x_25",
            "percentile_x_100",
            "stdev_x",
            "variance_x"
        ]
    );
    assert_eq!(col(&t, "percentile_x_50"), ["2", "10"]);
    assert_eq!(col(&t, "percentile_x_100"), ["4", "10"]);
    // Sample variance of 1..4 is 5/3; of one value, 0.
    assert_eq!(cell(&t, "variance_x", 0), Value::Real(5.0 / 3.0));
    assert_eq!(cell(&t, "stdev_x", 1), Value::Real(0.0));
    let t = run(&format!(
        "{nums} | summarize dcountif(g, x > 1), sumif(x, x > 2), avgif(x, g == 'a'), \
         minif(x, x > 1), maxif(x, g == 'a'), count_distinct(g), take_anyif(g, x == 10)"
    ));
    assert_eq!(col(&t, "dcountif_g"), ["2"]);
    assert_eq!(col(&t, "sumif_x"), ["17"]);
    assert_eq!(cell(&t, "avgif_x", 0), Value::Real(2.5));
    assert_eq!(col(&t, "minif_x"), ["2"]);
    assert_eq!(col(&t, "maxif_x"), ["4"]);
    assert_eq!(col(&t, "count_distinct_g"), ["2"]);
    assert_eq!(col(&t, "anyif_g"), ["b"]);
    let t = run(&format!("{nums} | summarize take_any(g)"));
    assert_eq!(names(&t), ["any_g"]);
    let (kind, _) = err(&format!("{nums} | summarize count(x)"));
    assert_eq!(kind, ErrorKind::Unsupported);
}

const LEFT: &str = r#"datatable(Key:string, L:long)["a", 1, "a", 2, "b", 3, "c", 4]"#;
const RIGHT: &str = r#"datatable(Key:string, R:long)["a", 10, "b", 20, "b", 21, "d", 40]"#;

fn joined(kind: &str) -> Table {
    let order = if kind.contains("anti") || kind.contains("semi") {
        "L asc"
    } else {
        "L asc, R asc"
    };
    run(&format!(
        "{LEFT} | join kind={kind} ({RIGHT}) on Key | order by {order}"
    ))
}

// join-operator: every kind, the default (innerunique) deduplicating the left on the
// key, and the right key column kept as Key1.
#[test]
fn join_kinds() {
    let t = run(&format!(
        "{LEFT} | join ({RIGHT}) on Key | order by L asc, R asc"
    ));
    assert_eq!(names(&t), ["Key", "L", "Key1", "R"]);
    assert_eq!(col(&t, "L"), ["1", "3", "3"]);
    let t = joined("inner");
    assert_eq!(col(&t, "L"), ["1", "2", "3", "3"]);
    assert_eq!(col(&t, "R"), ["10", "10", "20", "21"]);
    let t = joined("leftouter");
    assert_eq!(col(&t, "L"), ["1", "2", "3", "3", "4"]);
    assert_eq!(col(&t, "R"), ["10", "10", "20", "21", ""]);
    let t = joined("rightouter");
    assert_eq!(col(&t, "R"), ["40", "10", "10", "20", "21"]);
    assert_eq!(col(&t, "Key1")[0], "d");
    let t = joined("fullouter");
    assert_eq!(t.row_count(), 6);
    let t = joined("leftanti");
    assert_eq!(names(&t), ["Key", "L"]);
    assert_eq!(col(&t, "L"), ["4"]);
    let t = joined("anti");
    assert_eq!(col(&t, "L"), ["4"]);
    let t = joined("leftsemi");
    assert_eq!(col(&t, "L"), ["1", "2", "3"]);
    let t = run(&format!("{LEFT} | join kind=rightanti ({RIGHT}) on Key"));
    assert_eq!(names(&t), ["Key", "R"]);
    assert_eq!(col(&t, "R"), ["40"]);
    let t = run(&format!("{LEFT} | join kind=rightsemi ({RIGHT}) on Key"));
    assert_eq!(col(&t, "R"), ["10", "20", "21"]);
}

// join-operator: `$left.A == $right.B`, several keys, case-sensitive matching, null
// keys never match.
#[test]
fn join_conditions() {
    let t = run(&format!(
        r#"{LEFT} | join kind=inner (datatable(K:string, R:long)["A", 1, "a", 2]) on $left.Key == $right.K"#
    ));
    assert_eq!(col(&t, "R"), ["2", "2"]);
    let t = run(
        r#"datatable(a:string, b:long, x:long)["k", 1, 100, "k", 2, 200]
           | join kind=inner (datatable(a:string, b:long, y:long)["k", 2, 7]) on a, b"#,
    );
    assert_eq!(names(&t), ["a", "b", "x", "a1", "b1", "y"]);
    assert_eq!(col(&t, "x"), ["200"]);
    let t = run(r#"datatable(k:long, x:long)[long(null), 1]
           | join kind=inner (datatable(k:long, y:long)[long(null), 2]) on k"#);
    assert_eq!(t.row_count(), 0);
    let (kind, _) = err(&format!("{LEFT} | join ({RIGHT}) on $left.L > $right.R"));
    assert_eq!(kind, ErrorKind::Unsupported);
}

// lookup-operator: leftouter by default, inner on request, key columns appear once.
#[test]
fn lookup_extends_the_left() {
    let t = run(&format!("{LEFT} | lookup ({RIGHT}) on Key"));
    assert_eq!(names(&t), ["Key", "L", "R"]);
    assert_eq!(t.row_count(), 5);
    let t = run(&format!(
        "{LEFT} | lookup kind=inner ({RIGHT}) on Key | where Key == 'c'"
    ));
    assert_eq!(t.row_count(), 0);
}

// union-operator: outer by default (null where a leg lacks a column, a clashing type
// gets a suffixed column), inner keeps the shared columns, withsource names the leg,
// wildcards match table names, isfuzzy skips legs that do not resolve.
#[test]
fn union_kinds_sources_and_wildcards() {
    let t = run("union withsource=Table DeviceEvents, IdentityInfo");
    assert_eq!(names(&t), ["Table", "DeviceName", "Count", "X"]);
    assert_eq!(
        col(&t, "Table"),
        [
            "DeviceEvents",
            "DeviceEvents",
            "DeviceEvents",
            "IdentityInfo"
        ]
    );
    assert_eq!(col(&t, "X"), ["", "", "", "9"]);
    let t = run("union kind=inner DeviceEvents, DeviceLogonEvents");
    assert_eq!(names(&t), ["DeviceName"]);
    let t = run("union Device*");
    assert_eq!(names(&t), ["DeviceName", "Count_long", "Count_string"]);
    assert_eq!(t.row_count(), 4);
    let t = run("DeviceEvents | union (DeviceLogonEvents | project DeviceName) | count");
    assert_eq!(col(&t, "Count"), ["4"]);
    let t = run("union isfuzzy=true DeviceEvents, NoSuchTable | count");
    assert_eq!(col(&t, "Count"), ["3"]);
    let (kind, _) = err("union DeviceEvents, NoSuchTable");
    assert_eq!(kind, ErrorKind::Semantic);
}

// distinct-operator, project-reorder-operator, getschema-operator, serialize-operator,
// sample-operator, as-operator.
#[test]
fn distinct_reorder_getschema_and_friends() {
    let t = run(&format!("{PROCS} | distinct Device"));
    assert_eq!(col(&t, "Device"), ["wks-1", "wks-2", "wks-3"]);
    let t = run("datatable(a:long, b:long)[1, 2, 1, 2, 1, 3] | distinct *");
    assert_eq!(t.row_count(), 2);
    let t = run(&format!("{PROCS} | project-reorder S*, File"));
    assert_eq!(names(&t), ["Size", "Score", "File", "Device", "At"]);
    let t = run(&format!("{PROCS} | project-reorder * asc"));
    assert_eq!(names(&t), ["At", "Device", "File", "Score", "Size"]);
    let t = run("datatable(a10:long, a2:long, a1:long)[1,2,3] | project-reorder a* granny-asc");
    assert_eq!(names(&t), ["a1", "a2", "a10"]);
    let t = run(&format!("{PROCS} | getschema"));
    assert_eq!(
        names(&t),
        ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"]
    );
    assert_eq!(
        col(&t, "ColumnType"),
        ["string", "string", "long", "real", "datetime"]
    );
    let t = run(&format!("{PROCS} | serialize n = Size * 2 | project n"));
    assert_eq!(col(&t, "n")[0], "20");
    let t = run(&format!("{PROCS} | sample 2"));
    assert_eq!(t.row_count(), 2);
    assert_eq!(run(&format!("{PROCS} | sample 9")).row_count(), 5);
    let t = run(&format!(
        "{PROCS} | where Size > 10 | as Big | join kind=inner (Big | project Device) on Device | count"
    ));
    assert_eq!(col(&t, "Count"), ["2"]);
}

// mv-expand-operator: arrays and bags, several columns in lockstep (a null is one row,
// an empty array none), `to typeof()` casting (no parsing), `limit`, `with_itemindex`.
#[test]
fn mv_expand() {
    let src = r#"datatable(id:long, a:dynamic, b:dynamic)[
        1, dynamic([10, 20, 30]), dynamic(["x", "y"]),
        2, dynamic([]), dynamic(null)]"#;
    let t = run(&format!("{src} | mv-expand a, b"));
    assert_eq!(col(&t, "id"), ["1", "1", "1", "2"]);
    assert_eq!(col(&t, "a"), ["10", "20", "30", ""]);
    assert_eq!(col(&t, "b"), ["x", "y", "", ""]);
    let t = run(&format!(
        "{src} | mv-expand with_itemindex=i a to typeof(long) limit 2"
    ));
    assert_eq!(col(&t, "i"), ["0", "1"]);
    assert_eq!(t.column("a").unwrap().kind(), Kind::Long);
    let t = run(r#"print d = dynamic({"k1": 1, "k2": 2}) | mv-expand d"#);
    assert_eq!(col(&t, "d"), [r#"{"k1":1}"#, r#"{"k2":2}"#]);
    let t = run(r#"print d = dynamic({"k1": 1}) | mv-expand bagexpansion=array d"#);
    assert_eq!(col(&t, "d"), [r#"["k1",1]"#]);
    let t = run(r#"print d = dynamic([1, 2]) | mv-expand v = d"#);
    assert_eq!(names(&t), ["d", "v"]);
    let t = run(r#"datatable(d:dynamic)[dynamic([]), dynamic({})] | mv-expand d"#);
    assert_eq!(t.row_count(), 0);
    let t = run(r#"print d = dynamic(["5", 6, "x"]) | mv-expand d to typeof(long)"#);
    assert_eq!(col(&t, "d"), ["", "6", ""]);
}

// parse-operator and parse-where-operator: simple and regex patterns, typed columns, `*`.
#[test]
fn parse_and_parse_where() {
    let src =
        r#"datatable(Text:string)["user=alice id=42 ok", "user=bob id=x ok", "nothing here"]"#;
    let t = run(&format!(
        r#"{src} | parse Text with "user=" User " id=" Id:long " " *"#
    ));
    assert_eq!(col(&t, "User"), ["alice", "", ""]);
    assert_eq!(col(&t, "Id"), ["42", "", ""]);
    let t = run(&format!(
        r#"{src} | parse kind=relaxed Text with "user=" User " id=" Id:long " " *"#
    ));
    assert_eq!(col(&t, "User"), ["alice", "bob", ""]);
    let t = run(&format!(
        r#"{src} | parse kind=regex Text with @"user=" User @"\s+id=" *"#
    ));
    assert_eq!(col(&t, "User"), ["alice", "bob", ""]);
    let t = run(&format!(
        r#"{src} | parse-where Text with * "id=" Id:long " " *"#
    ));
    assert_eq!(col(&t, "Id"), ["42"]);
}

// datatable-operator, print-operator, range-operator.
#[test]
fn datatable_print_range() {
    let t = run("print 1, x = 'a', 2 * 3");
    assert_eq!(names(&t), ["print_0", "x", "print_2"]);
    assert_eq!(col(&t, "print_2"), ["6"]);
    let t = run("range n from 1 to 10 step 3");
    assert_eq!(col(&t, "n"), ["1", "4", "7", "10"]);
    let t = run("range d from datetime(2024-01-01) to datetime(2024-01-03) step 1d | count");
    assert_eq!(col(&t, "Count"), ["3"]);
    let (kind, _) = err("datatable(a:long, b:long)[1, 2, 3]");
    assert_eq!(kind, ErrorKind::Semantic);
}

// make-series-operator: one array per aggregate, empty bins get the default, the axis is
// the array of bin starts (to is exclusive).
#[test]
fn make_series() {
    let t = run(&format!(
        "{PROCS} | make-series n = count() default = 0, total = sum(Size) on At \
         from datetime(2024-01-01) to datetime(2024-01-04) step 1d by Device | order by Device asc"
    ));
    assert_eq!(names(&t), ["Device", "n", "total", "At"]);
    assert_eq!(col(&t, "n"), ["[2,0,0]", "[1,1,0]", "[0,0,1]"]);
    assert_eq!(col(&t, "total"), ["[40,0,0]", "[20,null,0]", "[0,0,5]"]);
    let axis = col(&t, "At");
    assert!(
        axis[0].starts_with(r#"["2024-01-01T00:00:00"#),
        "{}",
        axis[0]
    );
}

// bag-unpack-plugin: one column per property, optional prefix; other plugins refused.
#[test]
fn evaluate_bag_unpack() {
    let t = run(
        r#"datatable(id:long, d:dynamic)[1, dynamic({"a": "x", "b": 2}), 2, dynamic({"a": "y"})]
           | evaluate bag_unpack(d, "p_")"#,
    );
    assert_eq!(names(&t), ["id", "p_a", "p_b"]);
    assert_eq!(col(&t, "p_a"), ["x", "y"]);
    assert_eq!(col(&t, "p_b"), ["2", ""]);
    let (kind, msg) = err("print a = 1 | evaluate autocluster()");
    assert_eq!(kind, ErrorKind::Unsupported);
    assert_eq!(msg, "evaluate autocluster()");
}

// externaldata-operator: local files are read with the declared schema; a remote URL is
// refused, never fetched.
#[test]
fn externaldata_local_only() {
    let dir = std::env::temp_dir().join(format!("kqlhunt-extdata-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("iocs.csv");
    std::fs::write(&path, "sha,score\nabc,5\ndef,7\n").unwrap();
    let q = format!(
        r#"externaldata(Sha:string, Score:long)[@"{}"] with (format="csv", ignoreFirstRecord=true)"#,
        path.display()
    );
    let t = run(&q);
    assert_eq!(col(&t, "Sha"), ["abc", "def"]);
    assert_eq!(cell(&t, "Score", 1), Value::Long(7));
    std::fs::remove_dir_all(&dir).ok();
    let (kind, msg) = err(r#"externaldata(a:string)["https://example.com/list.csv"]"#);
    assert_eq!(kind, ErrorKind::Unsupported);
    assert!(msg.contains("remote URL"), "{msg}");
}

// Unsupported constructs name themselves; nothing runs with a different meaning.
#[test]
fn unsupported_operators_say_so() {
    for (q, what) in [
        (
            "print a = 1 | top-nested 2 of a with others = 0 by count()",
            "top-nested",
        ),
        ("print a = 1 | fork (take 1) (take 2)", "fork"),
        ("print a = 1 | partition by a (take 1)", "partition"),
    ] {
        let (kind, msg) = err(q);
        assert_eq!(kind, ErrorKind::Unsupported, "{q}");
        assert!(msg.contains(what), "{q}: {msg}");
    }
}

// A cancelled query stops with Cancelled, whatever operator it is in.
#[test]
fn cancellation_reaches_the_operators() {
    let c = ctx();
    c.cancel.cancel();
    for q in [
        "range n from 1 to 100000 step 1 | summarize count() by n % 7",
        "range n from 1 to 1000 step 1 | join (range n from 1 to 1000 step 1) on n",
    ] {
        let e = execute(&catalog(), q, &c).expect_err(q);
        assert_eq!(e.kind, ErrorKind::Cancelled, "{q}");
    }
}

// mv-apply-operator: the subquery runs over each row's expanded items; its output
// replaces the expanded column, other columns are kept.
#[test]
fn mv_apply() {
    let t = run(
        r#"datatable(id:long, xs:dynamic)[1, dynamic([3, 1, 2]), 2, dynamic([5])]
           | mv-apply x = xs to typeof(long) on (top 2 by x)"#,
    );
    assert_eq!(col(&t, "id"), ["1", "1", "2"]);
    assert_eq!(col(&t, "x"), ["3", "2", "5"]);
    let t = run(
        r#"datatable(id:long, xs:dynamic)[1, dynamic([3, 1, 2]), 2, dynamic([])]
           | mv-apply xs to typeof(long) on (summarize total = sum(xs))"#,
    );
    assert_eq!(names(&t), ["id", "total"]);
    assert_eq!(col(&t, "total"), ["6", ""]);
    // When every subquery is empty, the columns are still those it would return.
    let t = run(r#"datatable(id:long, xs:dynamic)[1, dynamic(["a"])]
           | mv-apply x = xs on (where x == "b" | project y = strcat(x, "!"))"#);
    assert_eq!(t.row_count(), 0);
    assert_eq!(names(&t), ["id", "xs", "y"]);
}

// search-operator: a bare term matches any column with `has` semantics, `in (...)`
// limits the tables and `$table` names each row's table; piped input is filtered.
#[test]
fn search() {
    let t = run(r#"search in (DeviceEvents, DeviceLogonEvents) "A" or "c""#);
    assert_eq!(names(&t)[0], "$table");
    assert_eq!(col(&t, "DeviceName"), ["a", "a", "c"]);
    let t = run(r#"DeviceEvents | search Count > 1 and "a""#);
    assert_eq!(col(&t, "Count"), ["3"]);
    let t = run(r#"search kind=case_sensitive "A" | count"#);
    assert_eq!(col(&t, "Count"), ["0"]);
}

// pivot-plugin: the pivot column's values become columns holding count() (or the given
// aggregate) per group of the remaining columns; a declared schema shapes the output.
#[test]
fn evaluate_pivot() {
    let src = r#"datatable(Dev:string, Sev:string, n:long)[
        "a", "High", 1, "a", "Low", 2, "a", "High", 3, "b", "Low", 4]"#;
    let t = run(&format!("{src} | project Dev, Sev | evaluate pivot(Sev)"));
    assert_eq!(names(&t), ["Dev", "High", "Low"]);
    assert_eq!(col(&t, "High"), ["2", "0"]);
    assert_eq!(col(&t, "Low"), ["1", "1"]);
    let t = run(&format!("{src} | evaluate pivot(Sev, sum(n))"));
    assert_eq!(col(&t, "High"), ["4", ""]);
    let t = run(&format!(
        "{src} | project Dev, Sev | evaluate pivot(Sev) : (Dev:string, Critical:long, Low:long)"
    ));
    assert_eq!(names(&t), ["Dev", "Critical", "Low"]);
    assert_eq!(col(&t, "Critical"), ["", ""]);
}

// top-nested-operator: top groups per level, each path one row, aggregates named
// aggregated_<column>.
#[test]
fn top_nested() {
    let t = run(&format!(
        "{PROCS} | top-nested 2 of Device by sum(Size), top-nested 1 of File by max(Size)"
    ));
    assert_eq!(
        names(&t),
        ["Device", "aggregated_Device", "File", "aggregated_File"]
    );
    assert_eq!(col(&t, "Device"), ["wks-1", "wks-2"]);
    assert_eq!(col(&t, "aggregated_Device"), ["40", "20"]);
    assert_eq!(col(&t, "File"), ["powershell.exe", "cmd.exe"]);
}

// take-operator after where-operator: the first n matches in input order; set
// query_now (the request property) pins now().
#[test]
fn where_take_and_query_now() {
    let t = run("range n from 1 to 100000 step 1 | where n % 7 == 0 | take 3");
    assert_eq!(col(&t, "n"), ["7", "14", "21"]);
    let t = run("set query_now = datetime(2024-05-01); print d = now() - 1d");
    assert!(
        col(&t, "d")[0].starts_with("2024-04-30T00:00:00"),
        "{:?}",
        col(&t, "d")
    );
}

// find-operator: matching rows of each table with source_; project-smart keeps the
// predicate's columns, the columns all tables share, and pack_ with the rest.
#[test]
fn find() {
    let t = run(r#"find in (DeviceEvents, IdentityInfo) where DeviceName == "a""#);
    assert_eq!(names(&t), ["source_", "DeviceName", "Count", "pack_"]);
    assert_eq!(col(&t, "source_"), ["DeviceEvents", "DeviceEvents"]);
    let t = run(
        r#"find withsource=T in (DeviceEvents, DeviceLogonEvents) where DeviceName in ("a", "c") project DeviceName"#,
    );
    assert_eq!(names(&t), ["T", "DeviceName"]);
    assert_eq!(
        col(&t, "T"),
        ["DeviceEvents", "DeviceEvents", "DeviceLogonEvents"]
    );
}
