//! The completion engine at many cursor positions: what is offered after each pipeline
//! operator, in half-typed input, inside strings and comments, and how items insert.

use kqlhunt::data::{Column, ColumnData, Table};
use kqlhunt::kql::complete::{Completion, ItemKind, Request, complete};

/// Completion at the `‸` marker.
fn at(src: &str) -> Completion {
    let cursor = src.find('‸').expect("marker");
    let text = src.replace('‸', "");
    complete(&Request::new(&text, cursor))
}

fn labels(src: &str) -> Vec<String> {
    at(src).items.into_iter().map(|i| i.label).collect()
}

fn kinds(src: &str, kind: ItemKind) -> Vec<String> {
    at(src)
        .items
        .into_iter()
        .filter(|i| i.kind == kind)
        .map(|i| i.label)
        .collect()
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|l| l == name)
}

#[test]
fn query_start_offers_tables_and_statements() {
    let l = labels("‸");
    assert!(has(&l, "DeviceProcessEvents"));
    assert!(has(&l, "let"));
    let c = at("DevicePro‸");
    assert_eq!(c.items[0].label, "DeviceProcessEvents");
    assert_eq!(c.replace, 0..9);
    assert_eq!(c.prefix, "DevicePro");
    // Fuzzy: initials find the table.
    assert_eq!(labels("dpe‸")[0], "DeviceProcessEvents");
}

#[test]
fn after_a_pipe_operators() {
    let l = labels("DeviceProcessEvents | ‸");
    assert!(has(&l, "where") && has(&l, "summarize") && has(&l, "project-away"));
    assert!(!has(&l, "FileName"));
    assert_eq!(labels("DeviceProcessEvents\n| summ‸")[0], "summarize");
    // A dashed operator half typed is one word.
    let c = at("T | project-aw‸");
    assert_eq!(c.items[0].label, "project-away");
    assert_eq!(c.replace, 4..14);
}

#[test]
fn where_offers_columns_of_the_table_and_functions() {
    let c = at("DeviceProcessEvents | where ‸");
    let cols: Vec<_> = c
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Column)
        .collect();
    assert!(cols.iter().any(|i| i.label == "InitiatingProcessFileName"));
    assert_eq!(c.items[0].kind, ItemKind::Column, "columns first");
    let ts = cols.iter().find(|i| i.label == "Timestamp").unwrap();
    assert_eq!(ts.detail, "datetime");
    assert!(
        c.items
            .iter()
            .any(|i| i.label == "ago" && i.kind == ItemKind::Function)
    );
    assert!(!c.items.iter().any(|i| i.kind == ItemKind::Aggregation));
    assert_eq!(
        labels("DeviceProcessEvents | where InitiatingProcessF‸")[0],
        "InitiatingProcessFileName"
    );
}

#[test]
fn columns_follow_the_pipeline() {
    let src =
        "DeviceProcessEvents | project FileName, Sha1 | extend Len = strlen(FileName) | where ‸";
    let cols = kinds(src, ItemKind::Column);
    assert_eq!(cols, vec!["FileName", "Sha1", "Len"]);
    let src = "DeviceProcessEvents | summarize Count = count(), make_set(FileName) by DeviceName | where ‸";
    assert_eq!(
        kinds(src, ItemKind::Column),
        vec!["DeviceName", "Count", "set_FileName"]
    );
    let src =
        "DeviceProcessEvents | project-away *Process* | project-rename Host = DeviceName | where ‸";
    let cols = kinds(src, ItemKind::Column);
    assert!(has(&cols, "Host") && !has(&cols, "DeviceName"));
    assert!(!cols.iter().any(|c| c.contains("Process")));
    // Before the project, all columns.
    let src = "DeviceProcessEvents | where ‸ | project FileName";
    assert!(kinds(src, ItemKind::Column).len() > 20);
    // count and distinct.
    assert_eq!(
        kinds("DeviceEvents | count | where ‸", ItemKind::Column),
        vec!["Count"]
    );
    assert_eq!(
        kinds(
            "DeviceEvents | distinct DeviceName, ActionType | where ‸",
            ItemKind::Column
        ),
        vec!["DeviceName", "ActionType"]
    );
}

#[test]
fn join_sides_and_left_right() {
    let src = "DeviceLogonEvents | project DeviceId, AccountName\n| join kind=inner (DeviceInfo | project DeviceId, OSPlatform) on $left.‸";
    assert_eq!(
        kinds(src, ItemKind::Column),
        vec!["DeviceId", "AccountName"]
    );
    let src = "DeviceLogonEvents | project DeviceId, AccountName\n| join kind=inner (DeviceInfo | project DeviceId, OSPlatform) on $right.‸";
    assert_eq!(kinds(src, ItemKind::Column), vec!["DeviceId", "OSPlatform"]);
    let src = "DeviceLogonEvents | project DeviceId, AccountName\n| join kind=inner (DeviceInfo | project DeviceId, OSPlatform) on ‸";
    let l = labels(src);
    assert!(has(&l, "OSPlatform") && has(&l, "AccountName") && has(&l, "$left"));
    // Inside the right side: the right table's columns.
    let src = "DeviceLogonEvents | join (DeviceInfo | where ‸)";
    let cols = kinds(src, ItemKind::Column);
    assert!(has(&cols, "OSPlatform") && !has(&cols, "LogonType"));
    // After the join: both sides.
    let src = "DeviceLogonEvents | project DeviceId, AccountName | join (DeviceInfo | project DeviceId, OSPlatform) on DeviceId | where ‸";
    assert_eq!(
        kinds(src, ItemKind::Column),
        vec!["DeviceId", "AccountName", "DeviceId1", "OSPlatform"]
    );
    // Sub-keywords.
    assert!(has(&labels("T | join kind=‸"), "leftanti"));
    assert!(has(&labels("T | join ‸"), "kind="));
    assert!(has(&labels("T | join ‸"), "DeviceInfo"));
    assert!(has(&labels("T | join (DeviceInfo) ‸"), "on"));
    assert!(has(&labels("T | join kind=inner (‸"), "DeviceInfo"));
}

#[test]
fn summarize_offers_aggregations_then_by() {
    let c = at("DeviceEvents | summarize ‸");
    assert!(
        c.items
            .iter()
            .any(|i| i.label == "dcount" && i.kind == ItemKind::Aggregation)
    );
    let cnt = c.items.iter().find(|i| i.label == "count").unwrap();
    assert_eq!(cnt.insert, "count()");
    assert_eq!(cnt.caret, 6);
    assert_eq!(labels("DeviceEvents | summarize count() ‸"), vec!["by"]);
    let by = labels("DeviceEvents | summarize count() by ‸");
    assert!(has(&by, "DeviceName") && has(&by, "bin") && !has(&by, "dcount"));
    // Inside an aggregation call: columns, with the signature as a hint.
    let c = at("DeviceEvents | summarize dcount(‸");
    assert!(c.items.iter().any(|i| i.label == "DeviceId"));
    assert_eq!(
        c.signature.as_deref(),
        Some("dcount(expr [, accuracy])  · argument 1")
    );
    let c = at("DeviceEvents | summarize count() by bin(Timestamp, ‸");
    assert_eq!(
        c.signature.as_deref(),
        Some("bin(value, roundTo)  · argument 2")
    );
}

#[test]
fn sort_top_and_clause_words() {
    assert_eq!(labels("T | order ‸"), vec!["by"]);
    assert!(has(&labels("DeviceEvents | order by Timestamp ‸"), "desc"));
    assert!(has(&labels("DeviceEvents | order by ‸"), "Timestamp"));
    assert_eq!(labels("T | top 10 ‸"), vec!["by"]);
    assert!(has(&labels("DeviceEvents | top 10 by ‸"), "Timestamp"));
    assert!(has(&labels("DeviceEvents | where FileName ‸"), "has"));
    assert!(has(
        &labels("DeviceEvents | where FileName ‸"),
        "startswith"
    ));
    assert!(has(&labels("DeviceEvents | render ‸"), "timechart"));
    assert!(has(&labels("DeviceEvents | evaluate ‸"), "bag_unpack"));
    assert!(labels("DeviceEvents | take ‸").is_empty());
}

#[test]
fn lets_and_their_columns() {
    let src = "let procs = DeviceProcessEvents | project FileName, SHA256;\nlet lookback = 7d;\nprocs | where ‸";
    let c = at(src);
    let cols: Vec<_> = c
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Column)
        .map(|i| i.label.as_str())
        .collect();
    assert_eq!(cols, vec!["FileName", "SHA256"]);
    assert!(
        c.items
            .iter()
            .any(|i| i.label == "lookback" && i.kind == ItemKind::Let)
    );
    let src = "let procs = DeviceProcessEvents | project FileName;\nlet lookback = 7d;\n‸";
    let lets = kinds(src, ItemKind::Let);
    assert!(has(&lets, "procs") && !has(&lets, "lookback"));
    // A let is not offered before it is defined.
    assert!(!has(
        &kinds("‸\nlet later = DeviceEvents;", ItemKind::Let),
        "later"
    ));
    // A function let inserts a call.
    let c = at("let f = (n: int) { DeviceEvents | take n };\n‸");
    let f = c.items.iter().find(|i| i.label == "f").unwrap();
    assert_eq!((f.insert.as_str(), f.caret), ("f()", 2));
    // The name being declared gets nothing.
    assert!(labels("let ‸").is_empty());
}

#[test]
fn types_where_types_go() {
    assert!(has(&labels("T | mv-expand x to typeof(‸"), "string"));
    assert!(has(&labels("datatable(a: ‸"), "long"));
    assert!(has(&labels("let f = (x: ‸"), "timespan"));
    assert!(labels("datatable(‸").is_empty());
}

#[test]
fn nothing_inside_comments_and_plain_strings() {
    assert!(labels("DeviceEvents // where ‸").is_empty());
    assert!(labels("DeviceEvents | where FileName == \"abc‸\"").is_empty());
    assert!(labels("print \"‸").is_empty());
    assert!(labels("DeviceEvents | where x == 'a‸").is_empty());
}

fn results() -> Table {
    let mut names = ColumnData::new(kqlhunt::data::Kind::String);
    for n in [
        "cmd.exe",
        "powershell.exe",
        "cmd.exe",
        "say \"hi\"\\",
        "",
        "cmd.exe",
        "powershell.exe",
    ] {
        names.push(kqlhunt::data::ValueRef::String(n));
    }
    names.push_null();
    let mut ids = ColumnData::new(kqlhunt::data::Kind::Long);
    for n in [1, 2, 2, 3, 3, 3, 9, 9] {
        ids.push(kqlhunt::data::ValueRef::Long(n));
    }
    Table::new(vec![
        Column::new("FileName", names),
        Column::new("ProcessId", ids),
    ])
    .unwrap()
}

fn with_results(src: &str) -> Completion {
    let cursor = src.find('‸').expect("marker");
    let text = src.replace('‸', "");
    let table = results();
    let mut req = Request::new(&text, cursor);
    req.results = Some(&table);
    complete(&req)
}

#[test]
fn values_from_the_results_most_frequent_first() {
    let src = "DeviceProcessEvents | where FileName == \"‸";
    let c = with_results(src);
    let vals: Vec<_> = c.items.iter().map(|i| i.label.as_str()).collect();
    assert_eq!(
        vals,
        vec![
            "\"cmd.exe\"",
            "\"powershell.exe\"",
            "\"say \\\"hi\\\"\\\\\""
        ]
    );
    assert_eq!(c.items[0].detail, "3× in FileName");
    // The whole string is replaced.
    assert_eq!(c.replace, 40..41);
    // Narrowed by what is typed inside the quotes.
    let c = with_results("DeviceProcessEvents | where FileName =~ \"pow‸\" | take 1");
    assert_eq!(c.items[0].label, "\"powershell.exe\"");
    assert_eq!(c.replace, 40..45);
    // Without a quote: values first, then columns and functions.
    let c = with_results("DeviceProcessEvents | where ProcessId == ‸");
    assert_eq!(c.items[0].label, "3");
    assert_eq!(c.items[0].kind, ItemKind::Value);
    assert!(c.items.iter().any(|i| i.kind == ItemKind::Function));
    // In a list.
    let c = with_results("DeviceProcessEvents | where FileName in (\"cmd.exe\", \"‸");
    assert_eq!(c.items[0].label, "\"cmd.exe\"");
    // A column that is not in the results: nothing.
    assert!(
        with_results("DeviceProcessEvents | where SHA1 == \"‸")
            .items
            .is_empty()
    );
}

#[test]
fn quoted_names_insert_quoted() {
    let schema = kqlhunt::data::DefenderSchema::bundled();
    let extra = vec![kqlhunt::data::TableSchema {
        name: "my file.csv".into(),
        preview: false,
        columns: vec![("user name".into(), kqlhunt::data::Kind::String)],
    }];
    let text = "my";
    let mut req = Request::new(text, 2);
    req.schema = schema;
    req.extra_tables = &extra;
    let c = complete(&req);
    let t = c.items.iter().find(|i| i.label == "my file.csv").unwrap();
    assert_eq!(t.insert, "['my file.csv']");
    let text = "['my file.csv'] | where ";
    let mut req = Request::new(text, text.len());
    req.extra_tables = &extra;
    let c = complete(&req);
    // Local tables' columns are tracked like the schema's, and quoted when needed.
    let col = c.items.iter().find(|i| i.kind == ItemKind::Column).unwrap();
    assert_eq!(
        (col.label.as_str(), col.insert.as_str()),
        ("user name", "['user name']")
    );
    assert_eq!(col.detail, "string");
}

#[test]
fn the_query_under_the_cursor_only() {
    let src = "DeviceInfo | project OSPlatform\n\nDeviceEvents | project ActionType | where ‸";
    assert_eq!(kinds(src, ItemKind::Column), vec!["ActionType"]);
    // A blank line after a query starts a new one.
    let src = "DeviceInfo | project OSPlatform\n\n‸";
    assert!(has(&labels(src), "DeviceInfo"));
    // Trailing spaces after the query still belong to it.
    let src = "DeviceInfo | project OSPlatform |   ‸";
    assert!(has(&labels(src), "where"));
}

#[test]
fn half_typed_input_still_completes() {
    assert!(has(
        &labels("DeviceEvents | where (Timestamp > ago(1d) and ‸"),
        "ActionType"
    ));
    assert!(has(
        &labels("DeviceEvents | where FileName has \"x\" and Acti‸"),
        "ActionType"
    ));
    assert!(has(
        &labels("DeviceEvents | extend a = tostring(‸"),
        "ActionType"
    ));
    assert!(has(
        &labels("DeviceEvents | project ‸, FileName"),
        "ActionType"
    ));
    assert!(has(
        &labels("DeviceEvents | where ‸\n| summarize count() by DeviceName"),
        "ActionType"
    ));
}

#[test]
fn column_types_come_from_the_query_s_table() {
    // `InitiatingProcessId` is a string in some tables and a long in DeviceProcessEvents.
    let c = at("DeviceProcessEvents | where InitiatingProcessI‸");
    let it = c
        .items
        .iter()
        .find(|i| i.label == "InitiatingProcessId")
        .unwrap();
    assert_eq!(it.detail, "long");
}
