//! The error-tolerant recursive-descent KQL parser. This file holds the token cursor,
//! recovery helpers and the entry point; statements, tabular sources, operators and
//! expressions live in the sibling modules.

mod expr;
mod ops;
mod stmt;
mod tabular;

use super::ast::{Ident, Script};
use super::diag::Diagnostic;
use super::lexer::{Token, TokenKind, lex_with_diagnostics};
use super::span::Span;

/// Maximum recursion depth (each nested operand or parenthesised/tabular level counts
/// about two) before the parser reports "nested too deeply" and skips the branch.
pub const MAX_DEPTH: usize = 64;

/// The result of parsing: a tree (always), every diagnostic, and all tokens (with comments).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The syntax tree; contains error holes where the text was invalid.
    pub script: Script,
    /// Lexer and parser diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// All tokens including comments, for highlighting.
    pub tokens: Vec<Token>,
}

impl Parsed {
    /// True when no diagnostic is an error.
    pub fn is_ok(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The error diagnostics only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Parses a KQL buffer (one or more `;`-separated statements). Never panics.
pub fn parse(src: &str) -> Parsed {
    let (tokens, mut diagnostics) = lex_with_diagnostics(src);
    let toks: Vec<Token> = tokens.iter().copied().filter(|t| !t.is_trivia()).collect();
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        diags: Vec::new(),
        depth: 0,
    };
    let statements = p.parse_statements(false);
    diagnostics.append(&mut p.diags);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Parsed {
        script: Script {
            statements,
            span: Span::new(0, src.len()),
        },
        diagnostics,
        tokens,
    }
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    diags: Vec<Diagnostic>,
    depth: usize,
}

impl<'a> Parser<'a> {
    // ---- cursor -------------------------------------------------------------------

    fn tok(&self, n: usize) -> Option<Token> {
        self.toks.get(self.pos + n).copied()
    }

    fn kind(&self, n: usize) -> Option<TokenKind> {
        self.tok(n).map(|t| t.kind)
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.kind(0) == Some(kind)
    }

    fn text(&self, n: usize) -> &'a str {
        self.tok(n).map(|t| t.span.text(self.src)).unwrap_or("")
    }

    /// True when token `n` is the word `w`.
    fn is_word(&self, n: usize, w: &str) -> bool {
        self.kind(n) == Some(TokenKind::Ident) && self.text(n) == w
    }

    fn at_word(&self, w: &str) -> bool {
        self.is_word(0, w)
    }

    fn at_eof(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// Span of the current token, or an empty span at the end of input.
    fn cur_span(&self) -> Span {
        match self.tok(0) {
            Some(t) => t.span,
            None => Span::empty(self.src.len()),
        }
    }

    /// End of the last consumed token (start of input if none).
    fn prev_end(&self) -> usize {
        if self.pos == 0 {
            self.cur_span().start.min(self.src.len())
        } else {
            self.toks
                .get(self.pos - 1)
                .map(|t| t.span.end)
                .unwrap_or(self.src.len())
        }
    }

    /// Span from `start` to the end of the last consumed token.
    fn span_from(&self, start: usize) -> Span {
        Span::new(start, self.prev_end())
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.tok(0);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn eat(&mut self, kind: TokenKind) -> Option<Token> {
        if self.at(kind) { self.bump() } else { None }
    }

    fn eat_word(&mut self, w: &str) -> Option<Token> {
        if self.at_word(w) { self.bump() } else { None }
    }

    /// True when token `n` starts exactly where token `n - 1` ends (no space between).
    fn adjacent(&self, n: usize) -> bool {
        match (n.checked_sub(1).and_then(|m| self.tok(m)), self.tok(n)) {
            (Some(a), Some(b)) => a.span.end == b.span.start,
            _ => false,
        }
    }

    // ---- diagnostics ----------------------------------------------------------------

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        // One error per position is enough; cascades help nobody.
        if self
            .diags
            .last()
            .is_some_and(|d| d.span.start == span.start && d.is_error())
        {
            return;
        }
        self.diags.push(Diagnostic::error(span, msg));
    }

    fn warning(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(span, msg));
    }

    /// Describes the current token for messages.
    fn found(&self) -> String {
        match self.tok(0) {
            None => "end of query".to_string(),
            Some(t) if t.kind == TokenKind::Error => "invalid token".to_string(),
            Some(t) => {
                let s = t.span.text(self.src);
                let short: String = s.chars().take(30).collect();
                format!("'{short}'")
            }
        }
    }

    fn error_expected(&mut self, what: &str) {
        let msg = format!("expected {what}, found {}", self.found());
        self.error(self.cur_span(), msg);
    }

    /// Consumes `kind` or reports "expected {what}". Returns whether it was there.
    fn expect(&mut self, kind: TokenKind, what: &str) -> bool {
        if self.eat(kind).is_some() {
            true
        } else {
            self.error_expected(what);
            false
        }
    }

    /// Consumes the word `w` or reports it missing.
    fn expect_word(&mut self, w: &str) -> bool {
        if self.eat_word(w).is_some() {
            true
        } else {
            self.error_expected(&format!("'{w}'"));
            false
        }
    }

    // ---- recursion guard ----------------------------------------------------------

    /// Enters one nesting level; false (with a diagnostic) when too deep.
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            if self.depth == MAX_DEPTH {
                self.error(self.cur_span(), "expression is nested too deeply");
                self.depth += 1;
            }
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1).min(MAX_DEPTH);
    }

    // ---- recovery -----------------------------------------------------------------

    /// Skips tokens until, at bracket depth 0, a `|`, `;`, or an unmatched closer
    /// (`)`, `]`, `}`) or the end. Returns true if anything was skipped.
    fn skip_to_boundary(&mut self) -> bool {
        let start = self.pos;
        let mut depth = 0usize;
        while let Some(k) = self.kind(0) {
            if is_opener(k) {
                depth += 1;
            } else if is_closer(k) {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if depth == 0 && matches!(k, TokenKind::Pipe | TokenKind::Semi) {
                break;
            }
            self.pos += 1;
        }
        self.pos > start
    }

    /// After a construct, reports and skips anything before the next boundary.
    fn recover_to_boundary(&mut self, ctx: &str) {
        if self.at_boundary() {
            return;
        }
        let msg = format!("unexpected {} in {ctx}", self.found());
        self.error(self.cur_span(), msg);
        self.skip_to_boundary();
    }

    /// True at `|`, `;`, a closer, or the end.
    fn at_boundary(&self) -> bool {
        matches!(
            self.kind(0),
            None | Some(
                TokenKind::Pipe
                    | TokenKind::Semi
                    | TokenKind::RParen
                    | TokenKind::RBracket
                    | TokenKind::RBrace
            )
        )
    }

    /// Consumes a closing bracket, or reports it and skips to it (staying in this nesting).
    fn close(&mut self, kind: TokenKind, open: Span) {
        if self.eat(kind).is_some() {
            return;
        }
        let what = match kind {
            TokenKind::RParen => "')'",
            TokenKind::RBracket => "']'",
            _ => "'}'",
        };
        let msg = format!("expected {what} to close the one at byte {}", open.start);
        self.error(self.cur_span(), msg);
        let save = self.pos;
        // Look for the closer at this nesting level; stop at `;`.
        let mut depth = 0usize;
        while let Some(k) = self.kind(0) {
            if is_opener(k) {
                depth += 1;
            } else if is_closer(k) {
                if depth == 0 {
                    if k == kind {
                        self.pos += 1;
                    }
                    return;
                }
                depth -= 1;
            } else if depth == 0 && k == TokenKind::Semi {
                break;
            }
            self.pos += 1;
        }
        // No closer before `;`/end: do not swallow the rest of the statement.
        self.pos = save;
    }

    // ---- names ----------------------------------------------------------------------

    /// Number of tokens forming a name at offset `n`: an identifier (1) or `['quoted']` (3).
    fn name_len_at(&self, n: usize) -> Option<usize> {
        match self.kind(n)? {
            TokenKind::Ident => Some(1),
            TokenKind::LBracket
                if self.kind(n + 1) == Some(TokenKind::String)
                    && self.kind(n + 2) == Some(TokenKind::RBracket) =>
            {
                Some(3)
            }
            _ => None,
        }
    }

    /// Parses a name (identifier or `['quoted']`) if one is here.
    fn eat_name(&mut self) -> Option<Ident> {
        let len = self.name_len_at(0)?;
        let start = self.cur_span().start;
        let name = if len == 1 {
            self.text(0).to_string()
        } else {
            let t = self.text(1);
            super::literal::decode_string(t).unwrap_or_else(|| t.to_string())
        };
        self.pos += len;
        Some(Ident {
            name,
            span: self.span_from(start),
        })
    }

    /// Parses a name or reports one missing (returning an empty name at the cursor).
    fn expect_name(&mut self, what: &str) -> Ident {
        match self.eat_name() {
            Some(i) => i,
            None => {
                self.error_expected(what);
                Ident {
                    name: String::new(),
                    span: Span::empty(self.cur_span().start),
                }
            }
        }
    }
}

fn is_opener(k: TokenKind) -> bool {
    matches!(
        k,
        TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace
    )
}

fn is_closer(k: TokenKind) -> bool {
    matches!(
        k,
        TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace
    )
}

#[cfg(test)]
mod tests;
