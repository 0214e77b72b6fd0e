//! Parses every published hunting query in the shared corpus (not part of this repo) and
//! requires zero error diagnostics, except for queries listed as broken as published.

mod corpus;

use std::path::Path;

use kqlhunt::kql::{self, Diagnostic};

/// Queries that are invalid KQL as published, with the reason.
const BROKEN_AS_PUBLISHED: &[(&str, &str)] = &[
    (
        "bertjanp/0102.kql",
        "a `//` comment wraps onto a second line that is not commented",
    ),
    (
        "bertjanp/0141.kql",
        "a `//` comment wraps onto a second line that is not commented",
    ),
    (
        "bertjanp/0184.kql",
        "missing `or` between two `contains` predicates",
    ),
    (
        "m365d-hunting-queries/0228.kql",
        "uses `#` as a comment marker",
    ),
    (
        "m365d-hunting-queries/0354.kql",
        "a multi-line `//` comment has uncommented continuation lines",
    ),
    (
        "m365d-hunting-queries/0355.kql",
        "pasted text duplicated inside `toscalar(...)` and `(...)`",
    ),
    (
        "m365d-hunting-queries/0358.kql",
        "a line of dashes used as a separator outside a comment",
    ),
    (
        "m365d-hunting-queries/0361.kql",
        "a blank line inside a pipeline splits it into a query starting with `|`",
    ),
];

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = src.get(..offset).unwrap_or(src);
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|s| s.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Errors for a file, parsed whole (as a selection would run) or, failing that, split
/// into blank-line separated queries (as the portal runs the query at the cursor).
/// Spans are relative to the file.
fn file_errors(src: &str) -> Vec<Diagnostic> {
    let whole: Vec<Diagnostic> = kql::parse(src).errors().cloned().collect();
    if whole.is_empty() {
        return whole;
    }
    let mut split = Vec::new();
    for r in kql::query_ranges(src) {
        for mut d in kql::parse(&src[r.clone()]).errors().cloned() {
            d.span.start += r.start;
            d.span.end += r.start;
            split.push(d);
        }
    }
    split
}

#[test]
fn corpus_parses_without_errors() {
    let Some(dir) = corpus::dir() else {
        eprintln!(
            "\n!!!!! KQL CORPUS NOT FOUND: set KQLHUNT_CORPUS or provide ../shared/data/kql-corpus; \
             corpus test SKIPPED !!!!!\n"
        );
        return;
    };
    let files = corpus::kql_files(&dir);
    assert!(
        !files.is_empty(),
        "corpus directory {dir:?} holds no .kql files"
    );
    let mut failures = Vec::new();
    let mut ok = 0;
    let mut excused = Vec::new();
    for path in &files {
        let name = rel(&dir, path);
        let Ok(src) = std::fs::read_to_string(path) else {
            failures.push(format!("{name}: unreadable"));
            continue;
        };
        let errors = file_errors(&src);
        let errors: Vec<&Diagnostic> = errors.iter().collect();
        let broken = BROKEN_AS_PUBLISHED.iter().find(|(f, _)| *f == name);
        match (errors.is_empty(), broken) {
            (true, None) => ok += 1,
            (true, Some(_)) => {
                failures.push(format!("{name}: listed as broken but parses cleanly"))
            }
            (false, Some(_)) => excused.push(name),
            (false, None) => {
                let d = errors[0];
                let (l, c) = line_col(&src, d.span.start);
                let snippet: String = d.span.text(&src).chars().take(40).collect();
                failures.push(format!(
                    "{name}:{l}:{c}: {} [{snippet}] ({} errors)",
                    d.message,
                    errors.len()
                ));
            }
        }
    }
    eprintln!(
        "kql corpus: {ok} parsed cleanly, {} excused as broken, {} failed, {} total",
        excused.len(),
        failures.len(),
        files.len()
    );
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
}
