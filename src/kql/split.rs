//! Splitting an editor buffer into queries the way the Defender portal does: queries are
//! separated by one or more blank (whitespace-only) lines, except where the blank line is
//! inside a multi-line string literal or inside a bracket pair that is closed later.

use std::ops::Range;

use super::lexer::{TokenKind, lex};

/// Byte ranges of the queries in `src`, in order. Each range runs from the start of the
/// query's first line to the end of its last non-blank line (newline excluded).
pub fn query_ranges(src: &str) -> Vec<Range<usize>> {
    let protected = protected_intervals(src);
    let mut out = Vec::new();
    let mut current: Option<Range<usize>> = None;
    let mut iv = 0;
    let mut line_start = 0;
    while line_start < src.len() {
        let nl = src[line_start..].find('\n').map(|i| line_start + i);
        let line_end = nl.unwrap_or(src.len());
        let line = &src[line_start..line_end];
        let content_end = line_start + line.trim_end_matches(['\r', ' ', '\t']).len();
        let blank = line.trim().is_empty();
        while iv < protected.len() && protected[iv].end <= line_start {
            iv += 1;
        }
        let inside = protected
            .get(iv)
            .is_some_and(|r| r.start < line_start && line_start < r.end);
        if blank && !inside {
            if let Some(r) = current.take() {
                out.push(r);
            }
        } else if !blank {
            match &mut current {
                Some(r) => r.end = content_end,
                None => current = Some(line_start..content_end),
            }
        }
        line_start = match nl {
            Some(i) => i + 1,
            None => src.len(),
        };
    }
    if let Some(r) = current {
        out.push(r);
    }
    out
}

/// The query under the cursor at `byte_offset`. On a blank separator line this is the
/// query above; before the first query, the first one. `None` for a buffer with no query.
pub fn query_at(src: &str, byte_offset: usize) -> Option<Range<usize>> {
    let ranges = query_ranges(src);
    let off = byte_offset.min(src.len());
    if let Some(r) = ranges.iter().find(|r| r.start <= off && off <= r.end) {
        return Some(r.clone());
    }
    ranges
        .iter()
        .rev()
        .find(|r| r.end < off)
        .or_else(|| ranges.first())
        .cloned()
}

/// Sorted, disjoint byte intervals in which a blank line does not split queries.
fn protected_intervals(src: &str) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut stack: Vec<(TokenKind, usize)> = Vec::new();
    for t in lex(src) {
        match t.kind {
            TokenKind::String if t.span.text(src).contains('\n') => spans.push(t.span.range()),
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                stack.push((t.kind, t.span.start))
            }
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                let opener = match t.kind {
                    TokenKind::RParen => TokenKind::LParen,
                    TokenKind::RBracket => TokenKind::LBracket,
                    _ => TokenKind::LBrace,
                };
                if let Some(&(k, start)) = stack.last()
                    && k == opener
                {
                    stack.pop();
                    spans.push(start..t.span.end);
                }
            }
            _ => {}
        }
    }
    spans.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in spans {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        query_ranges(src).into_iter().map(|r| &src[r]).collect()
    }

    #[test]
    fn blank_lines_separate() {
        let src = "T\n| take 1\n\n  \nU | count\n\n\n";
        assert_eq!(texts(src), vec!["T\n| take 1", "U | count"]);
    }

    #[test]
    fn blank_lines_inside_strings_and_brackets_do_not_separate() {
        let src = "let f = () {\n  T\n\n  | take 1\n};\nf()\n\nprint x = ```a\n\nb```\n\nV";
        assert_eq!(
            texts(src),
            vec![
                "let f = () {\n  T\n\n  | take 1\n};\nf()",
                "print x = ```a\n\nb```",
                "V"
            ]
        );
    }

    #[test]
    fn unclosed_bracket_does_not_swallow_the_buffer() {
        let src = "T | where f(x\n\nU | take 1";
        assert_eq!(texts(src), vec!["T | where f(x", "U | take 1"]);
    }

    #[test]
    fn cursor_picks_query() {
        let src = "A\n| take 1\n\n\nB\n";
        assert_eq!(query_at(src, 0), Some(0..10));
        assert_eq!(query_at(src, 10), Some(0..10)); // end of line
        assert_eq!(query_at(src, 11), Some(0..10)); // blank separator line
        assert_eq!(query_at(src, 13), Some(13..14));
        assert_eq!(query_at(src, 999), Some(13..14));
        assert_eq!(query_at("\n\nA", 0), Some(2..3));
        assert_eq!(query_at("  \n", 1), None);
    }

    #[test]
    fn crlf() {
        assert_eq!(texts("A\r\n\r\nB\r\n"), vec!["A", "B"]);
    }
}
