//! Live colouring of the query editor: syntax classes from `kql::highlight` turned into
//! theme styles, plus underlines under the diagnostics of every query in the buffer.
//!
//! [`Highlighter`] lives in the `App`; [`Highlighter::refresh`] is called before the editor
//! is drawn and does nothing unless the text (its `revision`) or the theme changed. Syntax is
//! re-highlighted from the first changed line only; diagnostics are recomputed only for the
//! queries (blank-line separated, as they run) whose text changed.

use std::collections::HashMap;
use std::ops::Range;

use ratatui::style::Style;

use super::editor::{Editor, StyledSpan};
use super::theme::Theme;
use crate::kql::highlight::{LineHighlighter, TokenClass};
use crate::kql::{Diagnostic, Severity, Span, query_ranges};

/// The style the theme gives a token class.
pub fn class_style(theme: &Theme, class: TokenClass) -> Style {
    match class {
        TokenClass::Keyword => theme.syntax_keyword,
        TokenClass::Operator => theme.syntax_operator,
        TokenClass::Function => theme.syntax_function,
        TokenClass::String => theme.syntax_string,
        TokenClass::Number => theme.syntax_number,
        TokenClass::Time => theme.syntax_time,
        TokenClass::Comment => theme.syntax_comment,
        TokenClass::Type => theme.syntax_type,
        TokenClass::Name => theme.syntax_name,
        TokenClass::Punctuation => theme.syntax_punctuation,
    }
}

/// The style patched over a diagnostic's text.
pub fn severity_style(theme: &Theme, severity: Severity) -> Style {
    match severity {
        Severity::Error => theme.diag_error,
        Severity::Warning => theme.diag_warning,
    }
}

/// Diagnostics for one query's text, spans relative to the query: the same findings
/// `kqlhunt lint` prints (syntax, schema, time filters...), with the code in the message.
pub fn diagnose(query: &str) -> Vec<Diagnostic> {
    diagnose_with(query, crate::data::DefenderSchema::bundled())
}

/// [`diagnose`] against another schema (the bundled one merged with the tenant's).
pub fn diagnose_with(query: &str, schema: &crate::data::DefenderSchema) -> Vec<Diagnostic> {
    let opts = crate::kql::lint::LintOptions {
        schema,
        ..crate::kql::lint::LintOptions::bundled()
    };
    crate::kql::lint::lint_with(query, &opts)
        .into_iter()
        .map(|d| Diagnostic {
            span: d.span,
            severity: d.severity,
            message: format!("{} [{}]", d.message, d.code),
        })
        .collect()
}

/// Per-query diagnostics, kept while the query's text is unchanged.
#[derive(Debug, Default)]
struct DiagnosticCache {
    by_query: HashMap<String, Vec<Diagnostic>>,
    /// Every diagnostic of the buffer, spans into the whole text, in source order.
    current: Vec<Diagnostic>,
    /// The schema lint checks against when not the bundled one.
    schema: Option<std::sync::Arc<crate::data::DefenderSchema>>,
}

impl DiagnosticCache {
    fn update(&mut self, text: &str) {
        let mut next = HashMap::new();
        let mut current = Vec::new();
        for range in query_ranges(text) {
            let Some(query) = text.get(range.clone()) else {
                continue;
            };
            let diags = match self.by_query.remove(query) {
                Some(d) => d,
                None => match &self.schema {
                    Some(schema) => diagnose_with(query, schema),
                    None => diagnose(query),
                },
            };
            current.extend(diags.iter().map(|d| Diagnostic {
                span: Span::new(d.span.start + range.start, d.span.end + range.start),
                ..d.clone()
            }));
            next.insert(query.to_string(), diags);
        }
        self.by_query = next;
        self.current = current;
    }
}

/// The editor's highlighting state, owned by the `App`.
#[derive(Debug, Default)]
pub struct Highlighter {
    lines: LineHighlighter,
    diagnostics: DiagnosticCache,
    /// The editor revision and theme the spans were made for.
    done_for: Option<(u64, Theme)>,
}

impl Highlighter {
    pub fn new() -> Highlighter {
        Highlighter::default()
    }

    /// Recompute the editor's spans if its text or the theme changed since the last call.
    /// Returns whether anything was recomputed.
    pub fn refresh(&mut self, editor: &mut Editor, theme: &Theme) -> bool {
        let revision = editor.revision();
        if self
            .done_for
            .as_ref()
            .is_some_and(|(r, t)| *r == revision && t == theme)
        {
            return false;
        }
        self.lines.update(editor.lines());
        self.diagnostics.update(&editor.text());
        let spans = self.spans(editor.lines(), theme);
        editor.set_spans(spans);
        self.done_for = Some((revision, theme.clone()));
        true
    }

    /// Lint against `schema` from now on (a tenant schema merged over the bundled one).
    pub fn set_schema(&mut self, schema: std::sync::Arc<crate::data::DefenderSchema>) {
        self.diagnostics.schema = Some(schema);
        self.diagnostics.by_query.clear();
        self.done_for = None;
    }

    /// The diagnostics of the whole buffer as of the last refresh (spans into
    /// `Editor::text()`), in source order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics.current
    }

    /// The first diagnostic whose span contains `offset` (end inclusive), errors first:
    /// for showing the message of the one under the cursor.
    pub fn diagnostic_at(&self, offset: usize) -> Option<&Diagnostic> {
        let mut hits = self
            .diagnostics
            .current
            .iter()
            .filter(|d| d.span.contains(offset));
        let first = hits.next()?;
        if first.is_error() {
            return Some(first);
        }
        Some(hits.find(|d| d.is_error()).unwrap_or(first))
    }

    /// Syntax spans for every line, then diagnostic underlines (patched on top).
    fn spans(&self, lines: &[String], theme: &Theme) -> Vec<StyledSpan> {
        let mut out = Vec::new();
        for (row, _) in lines.iter().enumerate() {
            for s in self.lines.line_spans(row) {
                let style = class_style(theme, s.class);
                if style != Style::default() {
                    out.push(StyledSpan {
                        line: row,
                        bytes: s.bytes.clone(),
                        style,
                    });
                }
            }
        }
        let starts = line_starts(lines);
        for d in &self.diagnostics.current {
            let style = severity_style(theme, d.severity);
            for (line, bytes) in line_pieces(lines, &starts, d.span) {
                out.push(StyledSpan { line, bytes, style });
            }
        }
        out
    }
}

/// Byte offset of each line's start in the `\n`-joined text.
fn line_starts(lines: &[String]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(lines.len());
    let mut at = 0;
    for l in lines {
        starts.push(at);
        at += l.len() + 1;
    }
    starts
}

/// The per-line byte ranges a span of the joined text covers. An empty span (a missing
/// token) underlines the character at it, or the last character of its line at a line end.
fn line_pieces(lines: &[String], starts: &[usize], span: Span) -> Vec<(usize, Range<usize>)> {
    let row_of = |offset: usize| starts.partition_point(|&s| s <= offset).saturating_sub(1);
    let mut out = Vec::new();
    if lines.is_empty() {
        return out;
    }
    if span.is_empty() {
        let row = row_of(span.start);
        let line = &lines[row];
        let mut col = (span.start - starts[row]).min(line.len());
        while !line.is_char_boundary(col) {
            col -= 1;
        }
        let piece = match line[col..].chars().next() {
            Some(c) => col..col + c.len_utf8(),
            _ => match line.char_indices().next_back() {
                Some((i, c)) => i..i + c.len_utf8(),
                None => return out,
            },
        };
        out.push((row, piece));
        return out;
    }
    let first = row_of(span.start);
    let last = row_of(span.end.saturating_sub(1));
    for row in first..=last.min(lines.len() - 1) {
        let len = lines[row].len();
        let lo = span.start.saturating_sub(starts[row]).min(len);
        let hi = (span.end - starts[row]).min(len);
        if lo < hi {
            out.push((row, lo..hi));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.split('\n').map(str::to_string).collect()
    }

    #[test]
    fn pieces_split_across_lines_and_widen_empty_spans() {
        let l = lines("ab\ncdé\n\nx");
        let s = line_starts(&l);
        assert_eq!(s, vec![0, 3, 8, 9]);
        assert_eq!(
            line_pieces(&l, &s, Span::new(1, 5)),
            vec![(0, 1..2), (1, 0..2)]
        );
        assert_eq!(line_pieces(&l, &s, Span::empty(3)), vec![(1, 0..1)]);
        assert_eq!(line_pieces(&l, &s, Span::empty(8)), vec![]);
        assert_eq!(line_pieces(&l, &s, Span::empty(2)), vec![(0, 1..2)]);
        assert_eq!(line_pieces(&l, &s, Span::empty(7)), vec![(1, 2..4)]);
        assert_eq!(line_pieces(&l, &s, Span::new(9, 99)), vec![(3, 0..1)]);
        assert_eq!(line_pieces(&l, &s, Span::empty(99)), vec![(3, 0..1)]);
        // An offset inside a character never slices it.
        assert_eq!(line_pieces(&l, &s, Span::empty(6)), vec![(1, 2..4)]);
    }

    #[test]
    fn refresh_colours_and_underlines_and_caches() {
        let theme = Theme::dark();
        let mut editor = Editor::from_text("print x = 1 ==\n\nprint 1");
        let mut h = Highlighter::new();
        assert!(h.refresh(&mut editor, &theme));
        assert!(!h.refresh(&mut editor, &theme));
        let spans = editor.spans();
        assert!(
            spans
                .iter()
                .any(|s| s.line == 0 && s.bytes == (0..5) && s.style == theme.syntax_keyword)
        );
        assert!(
            spans
                .iter()
                .any(|s| s.line == 0 && s.style == theme.diag_error),
            "{spans:?}"
        );
        assert!(
            !spans
                .iter()
                .any(|s| s.line == 2 && s.style == theme.diag_error)
        );
        assert_eq!(h.diagnostics().len(), 1);
        assert!(h.diagnostic_at(14).is_some_and(Diagnostic::is_error));
        // A theme change recomputes; no-color has no syntax colours but keeps underlines.
        let plain = Theme::no_color();
        assert!(h.refresh(&mut editor, &plain));
        assert!(
            editor
                .spans()
                .iter()
                .all(|s| s.style == plain.diag_error || s.style == plain.diag_warning)
        );
        editor.set_text("");
        assert!(h.refresh(&mut editor, &plain));
        assert!(editor.spans().is_empty());
        assert!(h.diagnostics().is_empty());
    }
}
