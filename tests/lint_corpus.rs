//! Lints every published hunting query in the shared corpus (not part of this repo): no
//! panics anywhere, a summary of findings per code, and no unknown table or column in
//! queries that were checked by hand to be valid against the Defender schema.

mod corpus;

use std::collections::BTreeMap;

use kqlhunt::kql::lint::{Code, LintOptions, lint_file};

/// Checked by hand: valid Defender queries whose tables and columns are all in the bundled
/// schema, covering `let`/`materialize`, `summarize` naming (`count_`, named `arg_max`
/// with `ReportId1`), join chains (`Timestamp1`, `Timestamp2`), `invoke FileProfile`,
/// `externaldata` and `project-rename`.
const MUST_HAVE_NO_UNKNOWN_NAMES: &[&str] = &[
    "m365d-hunting-queries/0001.kql",
    "m365d-hunting-queries/0050.kql",
    "m365d-hunting-queries/0134.kql",
    "m365d-hunting-queries/0180.kql",
    "m365d-hunting-queries/0200.kql",
    "defender-docs/0001.kql",
    "defender-docs/0010.kql",
    "defender-docs/0020.kql",
    "bertjanp/0020.kql",
    "bertjanp/0050.kql",
    "bertjanp/0100.kql",
];

#[test]
fn corpus_lints_without_panics_or_false_unknown_names() {
    let Some(dir) = corpus::dir() else {
        eprintln!(
            "\n!!!!! KQL CORPUS NOT FOUND: set KQLHUNT_CORPUS or provide ../shared/data/kql-corpus; \
             lint corpus test SKIPPED !!!!!\n"
        );
        return;
    };
    let opts = LintOptions::bundled();
    let files = corpus::kql_files(&dir);
    assert!(!files.is_empty(), "no .kql files under {dir:?}");
    let mut per_code: BTreeMap<(Code, bool), usize> = BTreeMap::new();
    let mut files_with_findings = 0;
    let mut false_unknowns = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let Ok(src) = std::fs::read_to_string(path) else {
            continue;
        };
        let found = lint_file(&src, &opts);
        if !found.is_empty() {
            files_with_findings += 1;
        }
        for d in &found {
            *per_code.entry((d.code, d.is_error())).or_default() += 1;
            if MUST_HAVE_NO_UNKNOWN_NAMES.contains(&name.as_str())
                && matches!(d.code, Code::UnknownTable | Code::UnknownColumn)
            {
                false_unknowns.push(format!("{name}: {} `{}`", d.message, d.span.text(&src)));
            }
        }
    }
    eprintln!(
        "lint corpus: {} files, {files_with_findings} with findings",
        files.len()
    );
    for ((code, error), n) in &per_code {
        let sev = if *error { "error" } else { "warning" };
        eprintln!("  {code} {:<17} {sev:<7} {n}", code.name());
    }
    for name in MUST_HAVE_NO_UNKNOWN_NAMES {
        assert!(
            dir.join(name).is_file(),
            "hand-checked file {name} is missing"
        );
    }
    assert!(
        false_unknowns.is_empty(),
        "valid Defender names reported unknown:\n{}",
        false_unknowns.join("\n")
    );
}
