//! Every lint check on hand-written queries: each has cases that must fire and cases that
//! must not. "Now" is fixed so the lookback checks are deterministic.

use kqlhunt::data::schema::DefenderSchema;
use kqlhunt::data::time::parse_datetime;
use kqlhunt::kql::Severity;
use kqlhunt::kql::lint::{Code, LintDiagnostic, LintOptions, lint_file, lint_with};

fn opts() -> LintOptions<'static> {
    LintOptions {
        schema: DefenderSchema::bundled(),
        now_ticks: parse_datetime("2025-06-01T00:00:00Z").expect("date"),
    }
}

fn lint(src: &str) -> Vec<LintDiagnostic> {
    lint_with(src, &opts())
}

/// The findings of one code, as (text under the span, severity).
fn found(src: &str, code: Code) -> Vec<(String, Severity)> {
    lint(src)
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| (d.span.text(src).to_string(), d.severity))
        .collect()
}

fn none(src: &str, code: Code) {
    let f = found(src, code);
    assert!(f.is_empty(), "{code} should not fire on:\n{src}\n{f:?}");
}

const T: &str = "| where Timestamp > ago(1d)";

#[test]
fn syntax_errors_are_kql001() {
    let d = lint("DeviceEvents | where");
    assert!(
        d.iter()
            .any(|d| d.code == Code::Syntax && d.is_error() && d.code.as_str() == "KQL001")
    );
    none(&format!("DeviceEvents {T} | take 1"), Code::Syntax);
}

#[test]
fn unknown_tables_with_did_you_mean() {
    let src = "DeviceProcesEvents | take 1";
    let d = lint(src);
    let t = d
        .iter()
        .find(|d| d.code == Code::UnknownTable)
        .expect("KQL002");
    assert!(t.is_error());
    assert_eq!(t.span.text(src), "DeviceProcesEvents");
    assert_eq!(
        t.help.as_deref(),
        Some("did you mean `DeviceProcessEvents`?")
    );
    // Only the case differs: a warning (the schema's spelling may lag the service).
    let f = found("deviceprocessevents | take 1", Code::UnknownTable);
    assert_eq!(
        f,
        vec![("deviceprocessevents".to_string(), Severity::Warning)]
    );
    // Let-bound tables, datatables, schema functions and union wildcards are known.
    none(
        &format!("let x = DeviceEvents {T}; x | take 1"),
        Code::UnknownTable,
    );
    none("let y = DeviceEvents; y | take 1", Code::UnknownTable);
    none(
        "datatable(a:string) ['x'] | as t | take 1",
        Code::UnknownTable,
    );
    none(
        &format!("union Device*Events {T} | take 1"),
        Code::UnknownTable,
    );
    none(
        "let f = (n:long) { DeviceEvents | take n }; f(1)",
        Code::UnknownTable,
    );
}

#[test]
fn unknown_columns_follow_the_pipeline() {
    let src = format!("DeviceProcessEvents {T} | where FileNme == 'a'");
    let d = lint(&src);
    let c = d
        .iter()
        .find(|d| d.code == Code::UnknownColumn)
        .expect("KQL003");
    assert!(c.is_error());
    assert_eq!(c.span.text(&src), "FileNme");
    assert_eq!(c.help.as_deref(), Some("did you mean `FileName`?"));

    // project narrows, extend adds, summarize replaces, project-away removes.
    let cases_bad = [
        "| project FileName | where FolderPath has 'x'",
        "| summarize count() by DeviceId | where FileName == 'x'",
        "| project-away FileName | project FileName",
        "| project-rename Name = FileName | where FileName == 'a'",
        "| extend X = 1 | project Y",
        "| summarize n = dcount(FileName) by DeviceId | project count_",
    ];
    for tail in cases_bad {
        let src = format!("DeviceProcessEvents {T} {tail}");
        assert_eq!(found(&src, Code::UnknownColumn).len(), 1, "{src}");
    }
    let cases_good = [
        "| project FileName | where FileName has 'x'",
        "| extend X = 1, Y = X + 1 | project X, Y, FileName",
        "| summarize count() by DeviceId | where count_ > 1",
        "| summarize dcount(FileName), make_set(FolderPath) by bin(Timestamp, 1h) | project dcount_FileName, set_FolderPath, Timestamp",
        "| summarize arg_max(Timestamp, *) by DeviceId | project FileName, ProcessCommandLine",
        "| summarize Last = arg_max(Timestamp, FileName) by DeviceId | project Last, FileName",
        "| project-rename Name = FileName | where Name == 'a'",
        "| project-away Initiating* | project FileName",
        "| parse ProcessCommandLine with * '-enc ' Encoded | project Encoded",
        "| mv-expand Part = split(FileName, '.') | project Part",
        "| extend TimeGenerated | take 1",
        "| invoke FileProfile(SHA1, 100) | where GlobalPrevalence < 10",
        "| evaluate bag_unpack(AdditionalFields) | where Anything == 1",
        "| count | where Count > 1",
        "| join kind=inner (DeviceNetworkEvents | where Timestamp > ago(1d)) on DeviceId | project DeviceId1, RemoteIP, FileName",
        "| lookup (DeviceInfo | project DeviceId, OSPlatform) on DeviceId | project OSPlatform",
        "| join kind=leftanti (DeviceNetworkEvents | where Timestamp > ago(1d)) on $left.DeviceId == $right.DeviceId | project FileName",
    ];
    for tail in cases_good {
        let src = format!("DeviceProcessEvents {T} {tail}");
        none(&src, Code::UnknownColumn);
    }
    // Unknown scope: no reports.
    none(
        "externaldata(a:string) [@'https://x'] | project a",
        Code::UnknownColumn,
    );
    none(
        "SomeUnknownTable | where Anything == 1",
        Code::UnknownColumn,
    );
    none(
        "let n = 5; DeviceEvents | where Timestamp > ago(1d) | top n by Timestamp",
        Code::UnknownColumn,
    );
    // Case only: a warning.
    let f = found(
        &format!("DeviceProcessEvents {T} | project filename"),
        Code::UnknownColumn,
    );
    assert_eq!(f, vec![("filename".to_string(), Severity::Warning)]);
}

#[test]
fn join_keys_are_checked_on_their_side() {
    let src = "DeviceProcessEvents | where Timestamp > ago(1d) | join (DeviceNetworkEvents | where Timestamp > ago(1d)) on $left.FileName == $right.FileNam";
    let f = found(src, Code::UnknownColumn);
    assert_eq!(f, vec![("FileNam".to_string(), Severity::Error)]);
}

#[test]
fn unknown_functions_and_plugins() {
    let src = format!("DeviceEvents {T} | extend x = tolowr(FileName)");
    let d = lint(&src);
    let f = d
        .iter()
        .find(|d| d.code == Code::UnknownFunction)
        .expect("KQL004");
    assert_eq!(f.span.text(&src), "tolowr");
    assert_eq!(f.help.as_deref(), Some("did you mean `tolower`?"));
    let f = found(
        &format!("DeviceEvents {T} | evaluate bag_unpak(AdditionalFields)"),
        Code::UnknownFunction,
    );
    assert_eq!(f.len(), 1);
    none(
        &format!(
            "let f = (s:string) {{ tolower(s) }}; DeviceEvents {T} | extend x = f(FileName), y = iff(true, 1, 2), z = toscalar(print 1), d = datetime_diff('day', now(), Timestamp) | evaluate bag_unpack(AdditionalFields)"
        ),
        Code::UnknownFunction,
    );
    none(
        &format!("DeviceFileEvents {T} | invoke FileProfile(SHA1, 100)"),
        Code::UnknownFunction,
    );
}

#[test]
fn lookback_beyond_thirty_days() {
    let f = found("DeviceEvents | where Timestamp > ago(31d)", Code::Lookback);
    assert_eq!(f, vec![("31d".to_string(), Severity::Warning)]);
    assert_eq!(
        found(
            "let lookback = 90d; DeviceEvents | where Timestamp > ago(lookback)",
            Code::Lookback
        )
        .len(),
        1
    );
    assert_eq!(
        found(
            "DeviceEvents | where Timestamp > datetime(2025-01-01)",
            Code::Lookback
        )
        .len(),
        1
    );
    assert_eq!(
        found(
            "DeviceEvents | where Timestamp between (datetime(2024-12-01) .. datetime(2025-05-30))",
            Code::Lookback
        )
        .len(),
        1
    );
    none("DeviceEvents | where Timestamp > ago(30d)", Code::Lookback);
    none(
        "DeviceEvents | where Timestamp > datetime(2025-05-20)",
        Code::Lookback,
    );
    // An old date that is not compared with the time column is something else.
    none(
        "DeviceEvents | where Timestamp > ago(1d) | where FileName != datetime(2020-01-01)",
        Code::Lookback,
    );
}

#[test]
fn large_tables_without_a_time_filter() {
    let f = found("DeviceProcessEvents | take 10", Code::NoTimeFilter);
    assert_eq!(
        f,
        vec![("DeviceProcessEvents".to_string(), Severity::Warning)]
    );
    assert_eq!(
        found(
            "let x = EmailEvents; x | where Subject has 'x'",
            Code::NoTimeFilter
        )
        .len(),
        1
    );
    none(
        "DeviceProcessEvents | where Timestamp > ago(1d)",
        Code::NoTimeFilter,
    );
    none(
        "CloudAppEvents | where TimeGenerated > ago(1d)",
        Code::NoTimeFilter,
    );
    none(
        "let x = DeviceProcessEvents | where Timestamp > ago(1d); x | take 1",
        Code::NoTimeFilter,
    );
    none(
        "let x = DeviceProcessEvents; x | where Timestamp > ago(1d)",
        Code::NoTimeFilter,
    );
    none(
        "union DeviceProcessEvents, DeviceFileEvents | where Timestamp > ago(1d)",
        Code::NoTimeFilter,
    );
    // Small or snapshot tables are not flagged.
    none("DeviceInfo | take 1", Code::NoTimeFilter);
    none("DeviceTvmSoftwareInventory | take 1", Code::NoTimeFilter);
    none("AlertInfo | take 1", Code::NoTimeFilter);
}

#[test]
fn contains_where_has_would_do() {
    let src = "DeviceProcessEvents | where Timestamp > ago(1d) | where ProcessCommandLine contains \"mimikatz\"";
    let d = lint(src);
    let c = d
        .iter()
        .find(|d| d.code == Code::ContainsHas)
        .expect("KQL007");
    assert_eq!(c.span.text(src), "contains");
    assert_eq!(c.severity, Severity::Warning);
    assert!(
        c.help
            .as_deref()
            .is_some_and(|h| h.contains("has is faster"))
    );
    assert_eq!(
        found(
            "DeviceProcessEvents | where Timestamp > ago(1d) | where FileName !contains_cs 'Powershell'",
            Code::ContainsHas
        ),
        vec![("!contains_cs".to_string(), Severity::Warning)]
    );
    for needle in ["ab", "cmd.exe", "-enc", "a b", "C:\\\\Windows", "ü"] {
        none(
            &format!(
                "DeviceProcessEvents | where Timestamp > ago(1d) | where FileName contains '{needle}'"
            ),
            Code::ContainsHas,
        );
    }
    none(
        "DeviceProcessEvents | where Timestamp > ago(1d) | where FileName has 'mimikatz'",
        Code::ContainsHas,
    );
}

#[test]
fn join_without_a_time_filter_on_one_side() {
    let src = "DeviceProcessEvents | where Timestamp > ago(1d) | join kind=inner (DeviceNetworkEvents | where RemotePort == 443) on DeviceId";
    let d = lint(src);
    let j = d
        .iter()
        .find(|d| d.code == Code::JoinTimeFilter)
        .expect("KQL008");
    assert_eq!(j.span.text(src), "join");
    assert!(j.message.contains("DeviceNetworkEvents"));
    // Reported once, not again as a table without a time filter.
    assert!(!d.iter().any(|d| d.code == Code::NoTimeFilter), "{d:?}");
    none(
        "DeviceProcessEvents | where Timestamp > ago(1d) | join (DeviceNetworkEvents | where Timestamp > ago(1d)) on DeviceId",
        Code::JoinTimeFilter,
    );
    none(
        "DeviceProcessEvents | where Timestamp > ago(1d) | join (datatable(DeviceId:string) ['a']) on DeviceId",
        Code::JoinTimeFilter,
    );
    assert_eq!(
        found(
            "let net = DeviceNetworkEvents; DeviceProcessEvents | where Timestamp > ago(1d) | lookup net on DeviceId",
            Code::JoinTimeFilter
        )
        .len(),
        1
    );
}

#[test]
fn deprecated_names() {
    let src = "DeviceProcessEvents | where Timestamp > ago(1d) | summarize makeset(FileName), any(FolderPath) by DeviceId | extend j = parsejson('{}')";
    let f = found(src, Code::Deprecated);
    assert_eq!(
        f.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        vec!["makeset", "any", "parsejson"]
    );
    assert!(f.iter().all(|(_, s)| *s == Severity::Warning));
    let d = lint(src);
    let help = d
        .iter()
        .find(|d| d.code == Code::Deprecated)
        .and_then(|d| d.help.clone());
    assert_eq!(help.as_deref(), Some("use `make_set`"));
    assert_eq!(
        found(
            "DeviceProcessEvents | where Timestamp > ago(1d) | mvexpand x = split(FileName, '.')",
            Code::Deprecated
        ),
        vec![("mvexpand".to_string(), Severity::Warning)]
    );
    none(
        "DeviceProcessEvents | where Timestamp > ago(1d) | summarize make_set(FileName), take_any(FolderPath), count() by DeviceId | extend d = todouble(1), j = parse_json('{}') | mv-expand j",
        Code::Deprecated,
    );
}

#[test]
fn a_file_with_blank_line_separated_queries_is_linted_per_query() {
    // Whole, this is two queries without `;`; the portal runs them one at a time.
    let src = "DeviceEvents\n| where Timestamp > ago(1d)\n\nDeviceFileEvents\n| where Timestamp > ago(1d)\n| where FileNme == 'a'";
    let d = lint_file(src, &opts());
    assert!(!d.iter().any(|d| d.code == Code::Syntax), "{d:?}");
    let c = d
        .iter()
        .find(|d| d.code == Code::UnknownColumn)
        .expect("KQL003");
    assert_eq!(c.span.text(src), "FileNme");
    // A let separated by a blank line stays visible when the whole file parses.
    let src = "let x = 1;\n\nDeviceEvents\n| where Timestamp > ago(1d)\n| where ActionType == x";
    assert!(lint_file(src, &opts()).is_empty());
}

#[test]
fn odd_input_never_panics() {
    for src in [
        "",
        "|",
        "let",
        "let x = (",
        "T | join",
        "T | summarize by",
        "T | project-away *",
        "union *",
        "DeviceEvents | where Timestamp > datetime(garbage)",
        "print ago(1d",
        "\u{0}\u{202e}é",
        "DeviceEvents | mv-apply x on (project y)",
        "let f = (t:(*)) { t | take 1 }; f(DeviceEvents)",
    ] {
        lint(src);
        lint_file(src, &opts());
    }
    let deep = format!("print {}1{}", "(".repeat(500), ")".repeat(500));
    lint(&deep);
    let pipes = format!(
        "DeviceEvents {}",
        "| where Timestamp > ago(1d) ".repeat(2000)
    );
    lint(&pipes);
}
