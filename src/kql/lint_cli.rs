//! `kqlhunt lint PATH...`: lint `.kql` files and the ```` ```kql ```` blocks of Markdown
//! files, folders walked recursively. Prints rustc-style diagnostics (or one JSON array
//! with `--format json`, for CI) and fails when any diagnostic is an error.
//!
//! The checks themselves are in [`super::lint`]; this file finds the text, maps spans
//! back to lines of the original file and renders them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use unicode_width::UnicodeWidthStr;

use super::diag::Severity;
use super::lint::{LintDiagnostic, LintOptions, lint_file};
use crate::data::format::escape_control;

/// Arguments of `kqlhunt lint`.
#[derive(Args, Debug, Clone)]
pub struct LintArgs {
    /// Files or folders: `.kql` files, and `.md` files' ```kql blocks.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format: rustc-style text, or one JSON array of diagnostics.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
}

/// How diagnostics are printed.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LintFormat {
    Text,
    Json,
}

/// A piece of KQL inside a file: the whole `.kql` file, or one fenced block of a `.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// The KQL text.
    pub text: String,
    /// 0-based line of the file where `text` starts.
    pub first_line: usize,
}

/// One finding, placed in its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub file: PathBuf,
    /// 1-based line and column (in characters) of the span's start and end.
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The file's source line at `line` (without its line end).
    pub source_line: String,
    pub diagnostic: LintDiagnostic,
}

/// What a lint run found.
#[derive(Clone, Debug, Default)]
pub struct LintReport {
    pub files: usize,
    pub findings: Vec<Located>,
}

impl LintReport {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.diagnostic.is_error())
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings.len() - self.errors()
    }
}

/// `kqlhunt lint`: prints the report to stdout; an error (exit 1) when any diagnostic is
/// an error or a path cannot be read.
pub fn run(args: LintArgs) -> anyhow::Result<()> {
    let opts = LintOptions::bundled();
    let report = lint_paths(&args.paths, &opts)?;
    let out = match args.format {
        LintFormat::Text => render_text(&report),
        LintFormat::Json => render_json(&report),
    };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    match lock.write_all(out.as_bytes()).and_then(|()| lock.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.context("cannot write the lint report")?,
    }
    let errors = report.errors();
    if errors > 0 {
        anyhow::bail!(
            "lint found {errors} error{} in {} file{}",
            plural(errors),
            report.files,
            plural(report.files)
        );
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Lints every path (folders recursively). Fails on a path that does not exist or a
/// file that cannot be read.
pub fn lint_paths(paths: &[PathBuf], opts: &LintOptions) -> anyhow::Result<LintReport> {
    let mut files = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_dir() {
            walk(p, &mut files, 0);
        } else {
            files.push(p.clone());
        }
    }
    let mut report = LintReport::default();
    for file in files {
        let bytes =
            std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        report.files += 1;
        report.findings.extend(lint_source(&file, &text, opts));
    }
    Ok(report)
}

/// `.kql` and `.md` files under `dir`, sorted; hidden folders and symlinked folders skipped.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            if !hidden {
                walk(&p, out, depth + 1);
            }
        } else if is_lintable(&p) {
            out.push(p);
        }
    }
}

fn is_lintable(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "kql" | "md" | "markdown"))
}

fn is_markdown(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "md" | "markdown"))
}

/// The KQL of a file: a `.md` file's ```kql / ```kusto blocks, or the whole text.
pub fn snippets(path: &Path, text: &str) -> Vec<Snippet> {
    if is_markdown(path) {
        markdown_blocks(text)
    } else {
        vec![Snippet {
            text: text.to_string(),
            first_line: 0,
        }]
    }
}

/// Fenced code blocks tagged `kql` or `kusto` (``` or ~~~ fences, any indentation).
pub fn markdown_blocks(text: &str) -> Vec<Snippet> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, usize, Vec<&str>)> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = line.trim_start();
        let fence = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        match &mut open {
            Some((c, len, start, lines)) => {
                let n = fence(*c);
                if n >= *len && trimmed[n * c.len_utf8()..].trim().is_empty() {
                    out.push(Snippet {
                        text: lines.join("\n"),
                        first_line: *start,
                    });
                    open = None;
                } else {
                    lines.push(line);
                }
            }
            None => {
                for c in ['`', '~'] {
                    let n = fence(c);
                    if n >= 3 {
                        let info = trimmed[n..].trim().to_ascii_lowercase();
                        let lang = info
                            .split(|ch: char| ch.is_whitespace() || ch == '{' || ch == ',')
                            .next()
                            .unwrap_or("");
                        if matches!(lang, "kql" | "kusto") {
                            open = Some((c, n, i + 1, Vec::new()));
                        } else {
                            // Skip other fenced blocks whole so their contents are not
                            // mistaken for fences.
                            open = Some((c, n, usize::MAX, Vec::new()));
                        }
                        break;
                    }
                }
            }
        }
    }
    out.retain(|s| s.first_line != usize::MAX);
    out
}

/// Lints one file's text and places the findings in it.
pub fn lint_source(path: &Path, text: &str, opts: &LintOptions) -> Vec<Located> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut out = Vec::new();
    for snippet in snippets(path, text) {
        for d in lint_file(&snippet.text, opts) {
            let (l0, c0) = line_col(&snippet.text, d.span.start);
            let (l1, c1) = line_col(&snippet.text, d.span.end);
            let line = snippet.first_line + l0;
            out.push(Located {
                file: path.to_path_buf(),
                line: line + 1,
                column: c0 + 1,
                end_line: snippet.first_line + l1 + 1,
                end_column: c1 + 1,
                source_line: lines.get(line).copied().unwrap_or("").to_string(),
                diagnostic: d,
            });
        }
    }
    out
}

/// 0-based line and column (in chars) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = before.rsplit('\n').next().unwrap_or("").chars().count();
    (line, col)
}

/// Text for the terminal: tabs as four spaces, control characters escaped.
fn printable(s: &str) -> String {
    escape_control(&s.replace('\t', "    ")).into_owned()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// rustc-style text: header, location, source line, carets, help; then a summary line.
pub fn render_text(report: &LintReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let d = &f.diagnostic;
        let number = f.line.to_string();
        let pad = " ".repeat(number.len());
        let _ = writeln!(
            out,
            "{}[{}]: {}",
            severity_word(d.severity),
            d.code,
            printable(&d.message)
        );
        let _ = writeln!(
            out,
            "{pad}--> {}:{}:{}",
            printable(&f.file.display().to_string()),
            f.line,
            f.column
        );
        let _ = writeln!(out, "{pad} |");
        let _ = writeln!(out, "{number} | {}", printable(&f.source_line));
        // Carets under the span's part on this line, measured on the printed text.
        let chars: Vec<char> = f.source_line.chars().collect();
        let start = (f.column - 1).min(chars.len());
        let end = if f.end_line == f.line {
            (f.end_column - 1).clamp(start, chars.len())
        } else {
            chars.len()
        };
        let prefix: String = chars[..start].iter().collect();
        let marked: String = chars[start..end].iter().collect();
        let indent = printable(&prefix).width();
        let carets = printable(&marked).width().max(1);
        let _ = writeln!(out, "{pad} | {}{}", " ".repeat(indent), "^".repeat(carets));
        if let Some(help) = &d.help {
            let _ = writeln!(out, "{pad} = help: {}", printable(help));
        }
        out.push('\n');
    }
    let (e, w) = (report.errors(), report.warnings());
    let _ = writeln!(
        out,
        "{e} error{}, {w} warning{} in {} file{}",
        plural(e),
        plural(w),
        report.files,
        plural(report.files)
    );
    out
}

/// One JSON array of diagnostics (an empty array when all is well).
pub fn render_json(report: &LintReport) -> String {
    let items: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let d = &f.diagnostic;
            serde_json::json!({
                "file": f.file.display().to_string(),
                "line": f.line,
                "column": f.column,
                "end_line": f.end_line,
                "end_column": f.end_column,
                "severity": severity_word(d.severity),
                "code": d.code.as_str(),
                "name": d.code.name(),
                "message": d.message,
                "help": d.help,
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_blocks_are_found_with_their_lines() {
        let md =
            "# T\n\n```kql\nT | take 1\n```\n\n```python\n```kql\n```\n\n  ~~~Kusto\n  U\n  ~~~\n";
        let b = markdown_blocks(md);
        assert_eq!(
            b,
            vec![
                Snippet {
                    text: "T | take 1".into(),
                    first_line: 3
                },
                Snippet {
                    text: "  U".into(),
                    first_line: 11
                },
            ]
        );
        assert!(markdown_blocks("```kql\nunterminated").is_empty());
    }

    #[test]
    fn carets_sit_under_the_span_even_after_tabs_and_controls() {
        let opts = LintOptions::bundled();
        let src = "DeviceProcessEvents\n| where Timestamp > ago(1d)\n|\twhere FileNme == 'a' // \u{1b}[2J";
        let found = lint_source(Path::new("q.kql"), src, &opts);
        let report = LintReport {
            files: 1,
            findings: found,
        };
        let text = render_text(&report);
        assert!(
            text.contains("error[KQL003]: unknown column `FileNme`"),
            "{text}"
        );
        assert!(text.contains("--> q.kql:3:"), "{text}");
        assert!(text.contains("= help: did you mean `FileName`?"), "{text}");
        assert!(!text.contains('\u{1b}'));
        let lines: Vec<&str> = text.lines().collect();
        let src_line = lines.iter().position(|l| l.starts_with("3 | ")).unwrap();
        let caret_line = lines[src_line + 1];
        let at = caret_line.find('^').unwrap();
        assert_eq!(&lines[src_line][at..at + 7], "FileNme");
        assert!(caret_line.ends_with("^^^^^^^"));
        let json: serde_json::Value = serde_json::from_str(&render_json(&report)).unwrap();
        assert_eq!(json[0]["code"], "KQL003");
        assert_eq!(json[0]["line"], 3);
    }
}
