//! Editor highlighting costs on a 500-line buffer: highlighting everything from scratch,
//! re-highlighting after one keystroke (syntax only, the issue's < 2 ms target), and the
//! whole editor refresh after one keystroke (syntax + spans + diagnostics of the edited
//! query). Run: `cargo bench --bench highlight`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kqlhunt::kql::highlight::LineHighlighter;
use kqlhunt::tui::editor::Editor;
use kqlhunt::tui::highlight::Highlighter;
use kqlhunt::tui::theme::Theme;

/// A hunting query of 25 lines with most token kinds; `n` of them make a buffer.
const QUERY: &[&str] = &[
    "// Suspicious encoded PowerShell launched by an Office application",
    "let lookback = 7d;",
    "let office = dynamic([\"winword.exe\", \"excel.exe\", \"powerpnt.exe\"]);",
    "DeviceProcessEvents",
    "| where Timestamp > ago(lookback)",
    "| where InitiatingProcessFileName in~ (office)",
    "| where FileName =~ \"powershell.exe\" and ProcessCommandLine has_any (\"-enc\", \"-EncodedCommand\")",
    "| extend Decoded = base64_decode_tostring(extract(@\"-enc\\s+([A-Za-z0-9+/=]+)\", 1, ProcessCommandLine))",
    "| where isnotempty(Decoded) and Decoded !contains_cs 'Get-Help'",
    "| project-rename Account = AccountName",
    "| join kind=leftouter (",
    "    DeviceNetworkEvents",
    "    | where Timestamp between (datetime(2024-01-01) .. datetime(2024-01-08 12:00:00))",
    "    | where RemotePort in (80, 443, 8080) and RemoteIPType == 'Public'",
    "    | summarize Connections = count(), Ports = make_set(RemotePort, 10) by DeviceId, bin(Timestamp, 1h)",
    "    ) on DeviceId",
    "| mv-expand Ports to typeof(long)",
    "| extend Risk = iff(Connections > 10, \"high\", 'low'), Window = 1.5h, Id = guid(74be27de-1e4e-49d9-b579-fe0b331d3642)",
    "| summarize arg_max(Timestamp, *), Count = dcount(DeviceId) by ['Account'], Risk",
    "| where Count >= 2 // more than one device",
    "| project-away Connections*",
    "| order by Timestamp desc",
    "| take 100",
    "",
    "",
];

fn buffer(lines: usize, single_query: bool) -> Vec<String> {
    QUERY
        .iter()
        .cycle()
        .filter(|l| !single_query || !l.is_empty())
        .take(lines)
        .map(|l| l.to_string())
        .collect()
}

fn syntax(c: &mut Criterion) {
    let lines = buffer(500, false);
    c.bench_function("highlight_full_500_lines", |b| {
        b.iter(|| {
            let mut h = LineHighlighter::new();
            black_box(h.update(black_box(&lines)));
        })
    });

    // One keystroke in the middle of the buffer: a character typed, then removed again,
    // so every iteration is a real change.
    let mut lines = lines;
    let mut h = LineHighlighter::new();
    h.update(&lines);
    let row = 254;
    let original = lines[row].clone();
    let typed = format!("{original}x");
    let mut toggle = false;
    c.bench_function("highlight_keystroke_500_lines", |b| {
        b.iter(|| {
            toggle = !toggle;
            lines[row].clone_from(if toggle { &typed } else { &original });
            black_box(h.update(black_box(&lines)));
        })
    });
}

fn editor_refresh(c: &mut Criterion) {
    let theme = Theme::dark();
    for (name, single) in [
        ("editor_refresh_keystroke_500_lines_20_queries", false),
        ("editor_refresh_keystroke_500_lines_one_query", true),
    ] {
        let mut editor = Editor::from_text(&buffer(500, single).join("\n"));
        let mut h = Highlighter::new();
        h.refresh(&mut editor, &theme);
        editor.set_cursor(254, 10);
        let mut toggle = false;
        c.bench_function(name, |b| {
            b.iter(|| {
                toggle = !toggle;
                if toggle {
                    editor.insert_str("x");
                } else {
                    editor.undo();
                }
                black_box(h.refresh(&mut editor, &theme));
            })
        });
    }
}

criterion_group!(benches, syntax, editor_refresh);
criterion_main!(benches);
