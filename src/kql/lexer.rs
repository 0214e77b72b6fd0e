//! The KQL lexer: turns source text into tokens with byte spans. Never fails: malformed
//! input becomes `TokenKind::Error` tokens plus diagnostics. Comments are kept as trivia.
//! Quoted names (`['a b']`) lex as `[`, `String`, `]`: only the parser can tell them from
//! an index (`x['k']`) or a one-element list, so it decides.

use super::diag::Diagnostic;
use super::span::Span;

/// What kind of token a `Token` is. Words (including keywords) are all `Ident`: KQL
/// keywords are contextual, so the parser decides by text; see `keywords::is_keyword`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word: `where`, `FileName`, `mv-expand`, `$left`, and fused negated/ci operators
    /// such as `!has`, `!contains_cs`, `in~`, `!in~`.
    Ident,
    /// Any string literal: `'..'`, `".."`, `@'..'`, `h".."`, a multi-line ```` ```..``` ````.
    String,
    /// An integer literal, decimal or `0x` hex.
    Int,
    /// A real literal: `1.5`, `1e5`.
    Real,
    /// `true` / `false` in any of the spellings KQL accepts.
    Bool,
    /// A timespan: `1d`, `1.5h`, `100ms`, or `timespan(...)` / `time(...)`.
    TimeSpan,
    /// `datetime(...)` / `date(...)` with its raw contents.
    DateTime,
    /// `guid(...)` with its raw contents.
    Guid,
    /// A `//` comment up to the end of the line (trivia).
    Comment,
    /// `==`
    EqEq,
    /// `!=` or the legacy `<>`
    NotEq,
    /// `=~`
    EqTilde,
    /// `!~`
    BangTilde,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `|`
    Pipe,
    /// `,`
    Comma,
    /// `;`
    Semi,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `=>`
    FatArrow,
    /// `:`
    Colon,
    /// A lone `!` (not valid KQL on its own).
    Bang,
    /// `?`
    Question,
    /// Malformed input: unterminated string, stray character, bad number suffix.
    Error,
}

/// One token: its kind and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Where it is (byte offsets, on char boundaries).
    pub span: Span,
}

impl Token {
    /// The token's source text.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        self.span.text(src)
    }

    /// True for comments (trivia the parser skips).
    pub fn is_trivia(&self) -> bool {
        self.kind == TokenKind::Comment
    }
}

/// Operator names spelled with dashes, lexed as one word.
const DASHED: &[&str] = &[
    "mv-expand",
    "mv-apply",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "make-series",
    "make-graph",
    "parse-kv",
    "parse-where",
    "sample-distinct",
    "top-nested",
    "top-hitters",
    "assert-schema",
    "macro-expand",
    "graph-match",
    "graph-to-table",
    "graph-shortest-paths",
    "graph-mark-components",
    "partitioned-by",
    "granny-asc",
    "granny-desc",
    "materialized-view-combine",
];

/// Words that may be fused with a leading `!` (`!has`, `!in`, `!between` ...).
const NEGATABLE: &[&str] = &[
    "has",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "contains",
    "contains_cs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
    "in",
    "between",
    "has_any",
    "has_all",
];

/// Timespan unit suffixes and their length in ticks (100 ns).
pub(crate) const TIME_UNITS: &[(&str, f64)] = &[
    ("d", 864_000_000_000.0),
    ("day", 864_000_000_000.0),
    ("days", 864_000_000_000.0),
    ("h", 36_000_000_000.0),
    ("hr", 36_000_000_000.0),
    ("hrs", 36_000_000_000.0),
    ("hour", 36_000_000_000.0),
    ("hours", 36_000_000_000.0),
    ("m", 600_000_000.0),
    ("min", 600_000_000.0),
    ("minute", 600_000_000.0),
    ("minutes", 600_000_000.0),
    ("s", 10_000_000.0),
    ("sec", 10_000_000.0),
    ("second", 10_000_000.0),
    ("seconds", 10_000_000.0),
    ("ms", 10_000.0),
    ("milli", 10_000.0),
    ("millis", 10_000.0),
    ("millisec", 10_000.0),
    ("millisecond", 10_000.0),
    ("milliseconds", 10_000.0),
    ("microsec", 10.0),
    ("microsecond", 10.0),
    ("microseconds", 10.0),
    ("nanosec", 0.01),
    ("nanosecond", 0.01),
    ("nanoseconds", 0.01),
    ("tick", 1.0),
    ("ticks", 1.0),
];

/// Ticks per unit for a timespan suffix, if `unit` is one.
pub(crate) fn time_unit_ticks(unit: &str) -> Option<f64> {
    TIME_UNITS.iter().find(|(u, _)| *u == unit).map(|(_, t)| *t)
}

/// Lexes `src` into tokens, dropping diagnostics. Comments are included as trivia.
pub fn lex(src: &str) -> Vec<Token> {
    lex_with_diagnostics(src).0
}

/// Lexes `src` into tokens and the diagnostics for malformed ones.
pub fn lex_with_diagnostics(src: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        diags: Vec::new(),
    };
    lx.run();
    (lx.tokens, lx.diags)
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    diags: Vec<Diagnostic>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl Lexer<'_> {
    fn byte(&self, at: usize) -> u8 {
        self.bytes.get(at).copied().unwrap_or(0)
    }

    fn char_at(&self, at: usize) -> Option<char> {
        self.src.get(at..).and_then(|s| s.chars().next())
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.tokens.push(Token {
            kind,
            span: Span::new(start, end),
        });
        self.pos = end;
    }

    fn error(&mut self, start: usize, end: usize, message: &str) {
        self.diags
            .push(Diagnostic::error(Span::new(start, end), message));
        self.push(TokenKind::Error, start, end);
    }

    /// End of the identifier starting at `at` (which must be an ident start).
    fn ident_end(&self, mut at: usize) -> usize {
        while let Some(c) = self.char_at(at) {
            if !is_ident_continue(c) {
                break;
            }
            at += c.len_utf8();
        }
        at
    }

    /// End of an ASCII word `[A-Za-z0-9_]*` starting at `at`.
    fn word_end(&self, mut at: usize) -> usize {
        while self.byte(at).is_ascii_alphanumeric() || self.byte(at) == b'_' {
            at += 1;
        }
        at
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let Some(c) = self.char_at(start) else {
                break;
            };
            if c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}' | '\u{200c}' | '\u{200d}') {
                self.pos += c.len_utf8();
                continue;
            }
            match c {
                '/' if self.byte(start + 1) == b'/' => {
                    let end = self.line_end(start);
                    self.push(TokenKind::Comment, start, end);
                }
                '\'' | '"' => self.string(start, start),
                '`' if self.src[start..].starts_with("```") => self.multiline(start, start),
                '@' if matches!(self.byte(start + 1), b'\'' | b'"') => {
                    self.verbatim(start, start + 1)
                }
                'h' | 'H' if matches!(self.byte(start + 1), b'\'' | b'"') => {
                    self.string(start, start + 1)
                }
                'h' | 'H'
                    if self.byte(start + 1) == b'@'
                        && matches!(self.byte(start + 2), b'\'' | b'"') =>
                {
                    self.verbatim(start, start + 2)
                }
                // `$left`, `$right`, and kqlhunt's result tables `$last`, `$1`, `$2`…
                '$' if self
                    .char_at(start + 1)
                    .is_some_and(|c| is_ident_start(c) || c.is_ascii_digit()) =>
                {
                    self.pos = start + 1;
                    let end = self.ident_end(start + 1);
                    self.push(TokenKind::Ident, start, end);
                }
                c if is_ident_start(c) => self.word(start),
                '0'..='9' => self.number(start),
                '!' => self.bang(start),
                _ => self.punct(start, c),
            }
        }
    }

    fn line_end(&self, from: usize) -> usize {
        self.src[from..]
            .find('\n')
            .map(|i| from + i)
            .unwrap_or(self.src.len())
    }

    /// A quoted string with backslash escapes; `quote_at` is the opening quote.
    fn string(&mut self, start: usize, quote_at: usize) {
        let q = self.byte(quote_at);
        let mut i = quote_at + 1;
        loop {
            match self.bytes.get(i) {
                None | Some(b'\n') => {
                    self.error(start, i, "unterminated string literal");
                    return;
                }
                Some(b'\\') => {
                    i += 1;
                    // Skip the escaped char (whole UTF-8 char), but never a newline.
                    match self.char_at(i) {
                        Some('\n') | None => {}
                        Some(c) => i += c.len_utf8(),
                    }
                }
                Some(&b) if b == q => {
                    self.push(TokenKind::String, start, i + 1);
                    return;
                }
                Some(_) => {
                    i += self.char_at(i).map(char::len_utf8).unwrap_or(1);
                }
            }
        }
    }

    /// A verbatim string `@'..'`: no escapes, a doubled quote stands for one quote.
    fn verbatim(&mut self, start: usize, quote_at: usize) {
        let q = self.byte(quote_at);
        let mut i = quote_at + 1;
        loop {
            match self.bytes.get(i) {
                None | Some(b'\n') => {
                    self.error(start, i, "unterminated verbatim string literal");
                    return;
                }
                Some(&b) if b == q => {
                    if self.byte(i + 1) == q {
                        i += 2;
                    } else {
                        self.push(TokenKind::String, start, i + 1);
                        return;
                    }
                }
                Some(_) => i += self.char_at(i).map(char::len_utf8).unwrap_or(1),
            }
        }
    }

    /// A multi-line string ```` ```..``` ````.
    fn multiline(&mut self, start: usize, fence_at: usize) {
        let body = fence_at + 3;
        match self.src[body..].find("```") {
            Some(i) => self.push(TokenKind::String, start, body + i + 3),
            None => self.error(
                start,
                self.src.len(),
                "unterminated multi-line string literal",
            ),
        }
    }

    fn word(&mut self, start: usize) {
        let mut end = self.ident_end(start);
        // Dashed operator names: take the longest known `a-b(-c)*` prefix.
        if self.byte(end) == b'-' && self.byte(end + 1).is_ascii_alphabetic() {
            let mut probe = end;
            let mut best = None;
            while self.byte(probe) == b'-' && self.byte(probe + 1).is_ascii_alphabetic() {
                probe = self.word_end(probe + 1);
                if DASHED.contains(&&self.src[start..probe]) {
                    best = Some(probe);
                }
            }
            if let Some(b) = best {
                end = b;
            }
        }
        let word = &self.src[start..end];
        match word {
            "true" | "false" | "True" | "False" | "TRUE" | "FALSE" => {
                self.push(TokenKind::Bool, start, end);
                return;
            }
            "in" if self.byte(end) == b'~' => {
                self.push(TokenKind::Ident, start, end + 1);
                return;
            }
            "datetime" | "date" | "timespan" | "time" | "guid" => {
                let mut p = end;
                while matches!(self.byte(p), b' ' | b'\t') {
                    p += 1;
                }
                if self.byte(p) == b'(' {
                    let kind = match word {
                        "datetime" | "date" => TokenKind::DateTime,
                        "guid" => TokenKind::Guid,
                        _ => TokenKind::TimeSpan,
                    };
                    let close = self.src[p..]
                        .find([')', '\n'])
                        .map(|i| p + i)
                        .filter(|&i| self.byte(i) == b')');
                    match close {
                        Some(c) => self.push(kind, start, c + 1),
                        None => {
                            let e = self.line_end(p);
                            self.error(start, e, "missing ')' after typed literal");
                        }
                    }
                    return;
                }
            }
            _ => {}
        }
        self.push(TokenKind::Ident, start, end);
    }

    fn number(&mut self, start: usize) {
        let mut i = start;
        if self.byte(i) == b'0' && matches!(self.byte(i + 1), b'x' | b'X') {
            i += 2;
            while self.byte(i).is_ascii_hexdigit() {
                i += 1;
            }
            self.push(TokenKind::Int, start, i);
            return;
        }
        let mut kind = TokenKind::Int;
        while self.byte(i).is_ascii_digit() {
            i += 1;
        }
        if self.byte(i) == b'.' && self.byte(i + 1).is_ascii_digit() {
            kind = TokenKind::Real;
            i += 1;
            while self.byte(i).is_ascii_digit() {
                i += 1;
            }
        }
        if matches!(self.byte(i), b'e' | b'E') {
            let mut j = i + 1;
            if matches!(self.byte(j), b'+' | b'-') {
                j += 1;
            }
            if self.byte(j).is_ascii_digit() {
                while self.byte(j).is_ascii_digit() {
                    j += 1;
                }
                kind = TokenKind::Real;
                i = j;
            }
        }
        if self.char_at(i).is_some_and(is_ident_start) {
            let end = self.ident_end(i);
            if time_unit_ticks(&self.src[i..end]).is_some() {
                self.push(TokenKind::TimeSpan, start, end);
            } else if kind == TokenKind::Int && !self.src[start..i].starts_with("0x") {
                // KQL accepts names that start with digits (`5MinuteBin`).
                self.push(TokenKind::Ident, start, end);
            } else {
                self.error(start, end, "invalid suffix on numeric literal");
            }
            return;
        }
        self.push(kind, start, i);
    }

    fn bang(&mut self, start: usize) {
        match self.byte(start + 1) {
            b'=' => return self.push(TokenKind::NotEq, start, start + 2),
            b'~' => return self.push(TokenKind::BangTilde, start, start + 2),
            _ => {}
        }
        let wend = self.word_end(start + 1);
        if wend > start + 1 && NEGATABLE.contains(&&self.src[start + 1..wend]) {
            let end = if &self.src[start + 1..wend] == "in" && self.byte(wend) == b'~' {
                wend + 1
            } else {
                wend
            };
            self.push(TokenKind::Ident, start, end);
            return;
        }
        self.push(TokenKind::Bang, start, start + 1);
    }

    fn punct(&mut self, start: usize, c: char) {
        use TokenKind::*;
        let next = self.byte(start + 1);
        let (kind, len) = match (c, next) {
            ('=', b'=') => (EqEq, 2),
            ('=', b'~') => (EqTilde, 2),
            ('=', b'>') => (FatArrow, 2),
            ('=', _) => (Eq, 1),
            ('<', b'=') => (Le, 2),
            ('<', b'>') => (NotEq, 2),
            ('<', _) => (Lt, 1),
            ('>', b'=') => (Ge, 2),
            ('>', _) => (Gt, 1),
            ('.', b'.') => (DotDot, 2),
            ('.', _) => (Dot, 1),
            ('+', _) => (Plus, 1),
            ('-', _) => (Minus, 1),
            ('*', _) => (Star, 1),
            ('/', _) => (Slash, 1),
            ('%', _) => (Percent, 1),
            ('|', _) => (Pipe, 1),
            (',', _) => (Comma, 1),
            (';', _) => (Semi, 1),
            ('(', _) => (LParen, 1),
            (')', _) => (RParen, 1),
            ('[', _) => (LBracket, 1),
            (']', _) => (RBracket, 1),
            ('{', _) => (LBrace, 1),
            ('}', _) => (RBrace, 1),
            (':', _) => (Colon, 1),
            ('?', _) => (Question, 1),
            _ => {
                let end = start + c.len_utf8();
                self.error(start, end, &format!("unexpected character {c:?}"));
                return;
            }
        };
        self.push(kind, start, start + len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src)
            .into_iter()
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    #[test]
    fn dashed_names_vs_subtraction() {
        assert_eq!(
            kinds("T | mv-expand x | project-away a-b"),
            vec![
                (Ident, "T"),
                (Pipe, "|"),
                (Ident, "mv-expand"),
                (Ident, "x"),
                (Pipe, "|"),
                (Ident, "project-away"),
                (Ident, "a"),
                (Minus, "-"),
                (Ident, "b"),
            ]
        );
        assert_eq!(kinds("project-x")[1], (Minus, "-"));
    }

    #[test]
    fn strings() {
        let src = r#"'a\'b' "c\"d" @'x''y' @"C:\t" h"secret" H@'p' ```multi
line```"#;
        let k = kinds(src);
        assert!(k.iter().all(|(k, _)| *k == String), "{k:?}");
        assert_eq!(k.len(), 7);
        let (toks, diags) = lex_with_diagnostics("where x == 'abc\n| take 1");
        assert_eq!(toks[3].kind, Error);
        assert_eq!(toks[4].kind, Pipe);
        assert_eq!(diags.len(), 1);
    }

    #[test]
    fn numbers_and_timespans() {
        assert_eq!(
            kinds("1 1.5 1e5 2.5E-3 0x1F 1d 30m 1.5h 10s 100ms 5tick 2microsecond 1..5"),
            vec![
                (Int, "1"),
                (Real, "1.5"),
                (Real, "1e5"),
                (Real, "2.5E-3"),
                (Int, "0x1F"),
                (TimeSpan, "1d"),
                (TimeSpan, "30m"),
                (TimeSpan, "1.5h"),
                (TimeSpan, "10s"),
                (TimeSpan, "100ms"),
                (TimeSpan, "5tick"),
                (TimeSpan, "2microsecond"),
                (Int, "1"),
                (DotDot, ".."),
                (Int, "5"),
            ]
        );
        assert_eq!(kinds("5xyz")[0].0, Ident);
        assert_eq!(kinds("1.5xyz")[0].0, Error);
    }

    #[test]
    fn typed_literals() {
        assert_eq!(
            kinds(
                "datetime(2024-01-01 10:00) timespan(1.02:00:00) guid(74be27de-1e4e-49d9-b579-fe0b331d3642) todatetime(x)"
            ),
            vec![
                (DateTime, "datetime(2024-01-01 10:00)"),
                (TimeSpan, "timespan(1.02:00:00)"),
                (Guid, "guid(74be27de-1e4e-49d9-b579-fe0b331d3642)"),
                (Ident, "todatetime"),
                (LParen, "("),
                (Ident, "x"),
                (RParen, ")"),
            ]
        );
    }

    #[test]
    fn operators() {
        assert_eq!(
            kinds(
                "== != =~ !~ < <= > >= <> + - * / % | , ; ( ) [ ] { } . .. => : = $left !has !in~ in~ !contains_cs"
            ),
            vec![
                (EqEq, "=="),
                (NotEq, "!="),
                (EqTilde, "=~"),
                (BangTilde, "!~"),
                (Lt, "<"),
                (Le, "<="),
                (Gt, ">"),
                (Ge, ">="),
                (NotEq, "<>"),
                (Plus, "+"),
                (Minus, "-"),
                (Star, "*"),
                (Slash, "/"),
                (Percent, "%"),
                (Pipe, "|"),
                (Comma, ","),
                (Semi, ";"),
                (LParen, "("),
                (RParen, ")"),
                (LBracket, "["),
                (RBracket, "]"),
                (LBrace, "{"),
                (RBrace, "}"),
                (Dot, "."),
                (DotDot, ".."),
                (FatArrow, "=>"),
                (Colon, ":"),
                (Eq, "="),
                (Ident, "$left"),
                (Ident, "!has"),
                (Ident, "!in~"),
                (Ident, "in~"),
                (Ident, "!contains_cs"),
            ]
        );
    }

    #[test]
    fn comments_and_bools() {
        assert_eq!(
            kinds("x // hi ✓\ntrue"),
            vec![(Ident, "x"), (Comment, "// hi ✓"), (Bool, "true")]
        );
    }

    #[test]
    fn garbage_never_panics() {
        for src in [
            "\"",
            "@",
            "h@",
            "```",
            "datetime(",
            "é§",
            "!",
            "0x",
            "1e",
            "$",
            "\\",
            "'\\",
        ] {
            let (toks, _) = lex_with_diagnostics(src);
            for t in toks {
                assert!(src.is_char_boundary(t.span.start) && src.is_char_boundary(t.span.end));
            }
        }
    }
}
