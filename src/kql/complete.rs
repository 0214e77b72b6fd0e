//! Completion for the query editor, free of any UI: from the buffer, the cursor, the schema
//! (bundled, refreshed from the tenant, plus local tables) and the results on screen, it
//! works out what may be typed at the cursor and returns the byte span to replace and the
//! candidates, ranked by a fuzzy match of what is already typed.
//!
//! How the context is found: the query under the cursor (blank-line separated, as it runs)
//! is lexed; the tokens before the cursor are walked with a stack of bracket frames, each
//! remembering where its current `|` segment starts. The operator heading that segment, the
//! token just before the cursor and the enclosing call decide what is offered. The columns
//! in scope come from lint's column-scope tracker ([`super::lint::scopes`]), looked up by
//! the operator's start offset, so completion and lint agree on what exists.

use std::collections::HashMap;
use std::ops::Range;

use super::keywords::is_keyword;
use super::lexer::{Token, TokenKind, lex};
use super::lint::{ScopeMap, scopes};
use super::lint_names::{AGGREGATION_FUNCTIONS, PLUGINS, SCALAR_FUNCTIONS};
use super::parser::parse;
use super::signatures;
use super::split::query_at;
use crate::data::schema::{DefenderSchema, TableSchema};
use crate::data::value::{Kind, ValueRef};
use crate::data::{Table, format::plain_text};

/// What a candidate is, for its marker in the list and for ranking ties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    /// A value seen in the results grid.
    Value,
    Column,
    /// A `let` name of the query.
    Let,
    Keyword,
    /// A tabular operator after `|`.
    Operator,
    Table,
    Aggregation,
    Function,
    Type,
    Plugin,
}

impl ItemKind {
    /// A short tag for the list (`col`, `fn`, ...).
    pub fn tag(self) -> &'static str {
        match self {
            ItemKind::Value => "val",
            ItemKind::Column => "col",
            ItemKind::Let => "let",
            ItemKind::Keyword => "kw",
            ItemKind::Operator => "op",
            ItemKind::Table => "tbl",
            ItemKind::Aggregation => "agg",
            ItemKind::Function => "fn",
            ItemKind::Type => "type",
            ItemKind::Plugin => "plug",
        }
    }
}

/// One candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What the list shows and the fuzzy match runs on.
    pub label: String,
    /// What replaces the partial word (names quoted when needed, `()` after functions).
    pub insert: String,
    /// Where the cursor goes, as a byte offset into `insert` (inside `()` for functions).
    pub caret: usize,
    pub kind: ItemKind,
    /// A type, a signature, a count: one short line.
    pub detail: String,
}

/// What completion offers at a cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Byte range of the text that an accepted item replaces (the partial word).
    pub replace: Range<usize>,
    /// The typed part of that word, which the items were matched against.
    pub prefix: String,
    /// Ranked, best first.
    pub items: Vec<Item>,
    /// The signature of the function call the cursor is inside, if any.
    pub signature: Option<String>,
}

/// Everything completion reads.
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// The whole editor buffer.
    pub text: &'a str,
    /// Cursor as a byte offset into `text`.
    pub cursor: usize,
    /// Tables and functions of the schema (bundled, or merged with the tenant's).
    pub schema: &'a DefenderSchema,
    /// More tables the backend knows (opened files, saved results).
    pub extra_tables: &'a [TableSchema],
    /// The table in the results grid, for value completion.
    pub results: Option<&'a Table>,
}

impl<'a> Request<'a> {
    /// A request with the bundled schema and nothing else.
    pub fn new(text: &'a str, cursor: usize) -> Request<'a> {
        Request {
            text,
            cursor,
            schema: DefenderSchema::bundled(),
            extra_tables: &[],
            results: None,
        }
    }
}

/// Most values offered for one column.
const MAX_VALUES: usize = 200;
/// Most items returned.
const MAX_ITEMS: usize = 500;

/// Candidates at the cursor. Never panics; returns no items where nothing fits (inside a
/// comment, a string that is not compared with a column, a name being declared).
pub fn complete(req: &Request) -> Completion {
    let text = req.text;
    let mut cursor = req.cursor.min(text.len());
    while !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    // The query under the cursor. Text typed on the line right after a query joins it;
    // after a blank line it starts a new one.
    let range = match query_at(text, cursor) {
        Some(r)
            if r.start <= cursor && text[r.end.min(cursor)..cursor].matches('\n').count() < 2 =>
        {
            r.start..r.end.max(cursor)
        }
        _ => cursor..cursor,
    };
    let query = &text[range.clone()];
    let at = cursor - range.start;
    let mut out = complete_query(req, query, at);
    out.replace = out.replace.start + range.start..out.replace.end + range.start;
    out
}

/// The signature of the function call around the cursor (`bin(value, roundTo)  · argument
/// 2`), from tokens only: cheap enough to run on every cursor move.
pub fn signature_at(text: &str, cursor: usize) -> Option<String> {
    let mut cursor = cursor.min(text.len());
    while !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    let range = query_at(text, cursor).filter(|r| r.start <= cursor)?;
    let query = text.get(range.start..range.end.max(cursor))?;
    let at = cursor - range.start;
    let toks: Vec<Token> = lex(query)
        .into_iter()
        .filter(|t| !t.is_trivia() && t.span.end <= at)
        .collect();
    call_signature(&walk(&toks), &toks, query)
}

/// What the analysis asks for.
#[derive(Default)]
struct Want {
    tables: bool,
    tabular_lets: bool,
    scalar_lets: bool,
    function_lets: bool,
    columns: Vec<String>,
    scalar_fns: bool,
    aggregations: bool,
    operators: bool,
    keywords: Vec<&'static str>,
    types: bool,
    plugins: bool,
    /// Column whose result values to offer, and whether the cursor is inside a string.
    values: Option<(String, bool)>,
    /// Tables the query names: their column types win when names clash across tables.
    query_tables: Vec<String>,
}

/// One bracket level while walking tokens.
struct Frame {
    /// Index of the opening bracket in `toks`; `None` for the top level.
    open: Option<usize>,
    /// Index of the first token of the current `|` / `;` segment.
    seg: usize,
    /// The segment follows a `|`.
    piped: bool,
    /// Token indices at this level since `seg` (a closed bracket group counts as its closer).
    items: Vec<usize>,
    /// Commas at this level since the opener (argument index).
    commas: usize,
}

fn complete_query(req: &Request, query: &str, at: usize) -> Completion {
    let all = lex(query);
    // Inside a comment or a string: values only, when a string is compared with a column.
    if let Some(t) = all.iter().find(|t| inside(t, query, at)) {
        return match t.kind {
            TokenKind::String | TokenKind::Error if is_string_start(t.text(query)) => {
                string_values(req, query, &all, t, at)
            }
            _ => Completion {
                replace: at..at,
                ..Completion::default()
            },
        };
    }
    let (replace, prefix) = word_at(query, &all, at);
    let toks: Vec<Token> = all
        .iter()
        .copied()
        .filter(|t| !t.is_trivia() && t.span.end <= replace.start)
        .collect();
    let frames = walk(&toks);
    let op_start = enclosing_op(&frames, &toks, query).map(|(_, i)| toks[i].span.start);
    let parsed = parse(query);
    // Local tables (opened files) join the schema so their columns are tracked too.
    let merged;
    let schema = if req.extra_tables.is_empty() {
        req.schema
    } else {
        let mut s = req.schema.clone();
        for t in req.extra_tables {
            match s.tables.iter_mut().find(|x| x.name == t.name) {
                Some(x) => *x = t.clone(),
                None => s.tables.push(t.clone()),
            }
        }
        merged = s;
        &merged
    };
    let scope = scopes(&parsed, schema, Some(op_start.unwrap_or(usize::MAX)));
    let mut want = Want::default();
    let signature = call_signature(&frames, &toks, query);
    analyse(&mut want, &frames, &toks, query, &scope);
    // After `Col ==` with no quote yet, the values of Col come first.
    if want.values.is_none()
        && let Some(col) = compared_column(&toks, query)
    {
        want.values = Some((col, false));
    }
    want.query_tables = all
        .iter()
        .filter(|t| t.kind == TokenKind::Ident)
        .map(|t| t.text(query))
        .filter(|n| req.schema.table(n).is_some() || req.extra_tables.iter().any(|t| t.name == *n))
        .map(str::to_string)
        .collect();
    let items = candidates(req, &want, &scope, replace.start);
    let mut items = rank(items, &prefix);
    if want.aggregations && prefix.is_empty() {
        // `summarize |`: aggregations are what comes first.
        items.sort_by_key(|it| it.kind != ItemKind::Aggregation);
    }
    Completion {
        replace,
        prefix,
        items,
        signature,
    }
}

/// True when `at` is strictly inside a comment or string token (or at the end of one that
/// is not closed).
fn inside(t: &Token, src: &str, at: usize) -> bool {
    match t.kind {
        TokenKind::Comment => t.span.start < at && at <= t.span.end,
        TokenKind::String => {
            let s = t.text(src);
            t.span.start < at && (at < t.span.end || !closed_string(s))
        }
        TokenKind::Error => is_string_start(t.text(src)) && t.span.start < at && at <= t.span.end,
        _ => false,
    }
}

fn is_string_start(s: &str) -> bool {
    let s = s.trim_start_matches(['h', 'H', '@']);
    s.starts_with(['"', '\'', '`'])
}

fn closed_string(s: &str) -> bool {
    let body = s.trim_start_matches(['h', 'H', '@']);
    if body.starts_with("```") {
        return body.len() >= 6 && body.ends_with("```");
    }
    let q = body.chars().next().unwrap_or('"');
    body.len() >= 2 && body.ends_with(q)
}

/// The word under the cursor: its full span (the part after the cursor is replaced too)
/// and the part before the cursor. Operator names with dashes (`project-aw`) count as one
/// word.
fn word_at(src: &str, toks: &[Token], at: usize) -> (Range<usize>, String) {
    let Some(t) = toks.iter().find(|t| {
        t.kind == TokenKind::Ident && t.span.start < at && at <= t.span.end
            || t.kind == TokenKind::Ident && t.span.start == at
    }) else {
        return (at..at, String::new());
    };
    let mut start = t.span.start;
    let end = t.span.end;
    // `project-aw`, `mv-ex`: Ident, Minus, Ident with no spaces.
    if let Some(i) = toks.iter().position(|x| x == t)
        && i >= 2
        && toks[i - 1].kind == TokenKind::Minus
        && toks[i - 1].span.start == toks[i - 2].span.end
        && toks[i - 1].span.end == start
        && toks[i - 2].kind == TokenKind::Ident
    {
        let joined = &src[toks[i - 2].span.start..at.max(start)];
        if super::keywords::TABULAR_OPERATORS
            .iter()
            .any(|op| op.starts_with(joined))
        {
            start = toks[i - 2].span.start;
        }
    }
    let at = at.max(start);
    (start..end, src[start..at].to_string())
}

/// Bracket frames at the cursor, innermost last.
fn walk(toks: &[Token]) -> Vec<Frame> {
    let top = |open| Frame {
        open,
        seg: 0,
        piped: false,
        items: Vec::new(),
        commas: 0,
    };
    let mut frames = vec![top(None)];
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                if let Some(f) = frames.last_mut() {
                    f.items.push(i);
                }
                let mut f = top(Some(i));
                f.seg = i + 1;
                frames.push(f);
            }
            TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                if frames.len() > 1 {
                    frames.pop();
                }
                if let Some(f) = frames.last_mut() {
                    // The group stands for itself: replace its opener by the closer.
                    f.items.pop_if(|j| is_opener(toks[*j].kind));
                    f.items.push(i);
                }
            }
            TokenKind::Pipe | TokenKind::Semi => {
                if let Some(f) = frames.last_mut() {
                    f.seg = i + 1;
                    f.piped = t.kind == TokenKind::Pipe;
                    f.items.clear();
                    if t.kind == TokenKind::Semi {
                        f.commas = 0;
                    }
                }
            }
            _ => {
                if let Some(f) = frames.last_mut() {
                    if t.kind == TokenKind::Comma {
                        f.commas += 1;
                    }
                    f.items.push(i);
                }
            }
        }
    }
    frames
}

fn is_opener(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace
    )
}

fn lower(t: &Token, src: &str) -> String {
    t.text(src).to_ascii_lowercase()
}

fn is_function_name(name: &str) -> bool {
    SCALAR_FUNCTIONS.binary_search(&name).is_ok()
        || AGGREGATION_FUNCTIONS.binary_search(&name).is_ok()
        || signatures::params(name).is_some()
}

/// The identifier right before the opener of `frame`, lowercased.
fn opener_word(frame: &Frame, toks: &[Token], src: &str) -> Option<String> {
    let open = frame.open?;
    let before = toks.get(open.checked_sub(1)?)?;
    (before.kind == TokenKind::Ident).then(|| lower(before, src))
}

/// The signature of the innermost call around the cursor.
fn call_signature(frames: &[Frame], toks: &[Token], src: &str) -> Option<String> {
    frames.iter().rev().find_map(|f| {
        let open = f.open?;
        if toks[open].kind != TokenKind::LParen {
            return None;
        }
        let name = opener_word(f, toks, src)?;
        if !is_function_name(&name) {
            return None;
        }
        let sig = signatures::signature(&name);
        Some(
            if signatures::params(&name).is_some_and(|p| !p.is_empty()) {
                format!("{sig}  · argument {}", f.commas + 1)
            } else {
                sig
            },
        )
    })
}

/// Does this `(`-frame open a subquery (a new row source) rather than a call or grouping?
fn is_subquery(frames: &[Frame], idx: usize, toks: &[Token], src: &str) -> bool {
    let f = &frames[idx];
    let Some(open) = f.open else { return false };
    if toks[open].kind == TokenKind::LBrace {
        return true;
    }
    if toks[open].kind != TokenKind::LParen {
        return false;
    }
    let word = opener_word(f, toks, src);
    if matches!(
        word.as_deref(),
        Some("join" | "lookup" | "union" | "materialize" | "toscalar")
    ) {
        return true;
    }
    if word.as_deref().is_some_and(is_function_name) {
        return false;
    }
    // `join kind=inner (`, `union A, (`: the enclosing segment is a join/union.
    let outer = idx.checked_sub(1).map(|o| &frames[o]);
    outer.is_some_and(|o| {
        o.items
            .first()
            .or_else(|| (o.seg < toks.len()).then_some(&o.seg))
            .map(|&i| lower(&toks[i], src))
            .is_some_and(|w| matches!(w.as_str(), "join" | "lookup" | "union"))
    })
}

/// The operator whose segment encloses the cursor (through calls and groupings, not
/// through subqueries): (frame index, operator token index).
fn enclosing_op(frames: &[Frame], toks: &[Token], src: &str) -> Option<(usize, usize)> {
    for idx in (0..frames.len()).rev() {
        let f = &frames[idx];
        if f.piped {
            return f
                .items
                .first()
                .copied()
                .filter(|&i| toks[i].kind == TokenKind::Ident)
                .map(|i| (idx, i));
        }
        if f.open.is_none() || is_subquery(frames, idx, toks, src) {
            return None;
        }
    }
    None
}

/// A token that ends an operand: a name (not a clause word such as `by`), a literal, a
/// closing bracket.
fn is_operand(t: &Token, src: &str) -> bool {
    if t.kind == TokenKind::Ident {
        let w = t.text(src);
        return !is_keyword(w) || matches!(w, "asc" | "desc");
    }
    matches!(
        t.kind,
        TokenKind::String
            | TokenKind::Int
            | TokenKind::Real
            | TokenKind::Bool
            | TokenKind::TimeSpan
            | TokenKind::DateTime
            | TokenKind::Guid
            | TokenKind::RParen
            | TokenKind::RBracket
    )
}

const JOIN_KINDS: &[&str] = &[
    "inner",
    "innerunique",
    "leftouter",
    "rightouter",
    "fullouter",
    "leftanti",
    "rightanti",
    "leftsemi",
    "rightsemi",
];
const CHARTS: &[&str] = &[
    "timechart",
    "columnchart",
    "barchart",
    "piechart",
    "linechart",
    "areachart",
    "stackedareachart",
    "scatterchart",
    "table",
    "card",
];
const WHERE_WORDS: &[&str] = &[
    "and",
    "or",
    "has",
    "!has",
    "has_any",
    "has_all",
    "has_cs",
    "contains",
    "!contains",
    "contains_cs",
    "startswith",
    "endswith",
    "hasprefix",
    "hassuffix",
    "in",
    "!in",
    "in~",
    "matches regex",
    "between",
];
const STATEMENT_WORDS: &[&str] = &[
    "let",
    "union",
    "print",
    "datatable",
    "range",
    "search",
    "find",
    "externaldata",
    "set",
    "declare",
];
const LET_VALUE_WORDS: &[&str] = &["materialize", "toscalar", "datatable", "view", "dynamic"];
const SORT_WORDS: &[&str] = &["asc", "desc", "nulls first", "nulls last"];

/// Fills `want` from the tokens before the cursor.
fn analyse(want: &mut Want, frames: &[Frame], toks: &[Token], src: &str, scope: &ScopeMap) {
    let prev = toks.last();
    let prev_text = prev.map(|t| lower(t, src)).unwrap_or_default();
    let prev2_text = toks
        .len()
        .checked_sub(2)
        .map(|i| lower(&toks[i], src))
        .unwrap_or_default();
    let top_idx = frames.len() - 1;
    let top = &frames[top_idx];
    let op = enclosing_op(frames, toks, src);
    let op_start = op.map(|(_, i)| toks[i].span.start);
    let cols = op_start
        .and_then(|s| scope.op_input(s))
        .map(<[String]>::to_vec)
        .unwrap_or_default();

    // `$left.` / `$right.`
    if prev.is_some_and(|t| t.kind == TokenKind::Dot) {
        if let Some(s) = op_start
            && let Some((_, l, r)) = scope.joins.iter().find(|(j, _, _)| *j == s)
        {
            match prev2_text.as_str() {
                "$left" => want.columns = l.clone().unwrap_or_default(),
                "$right" => want.columns = r.clone().unwrap_or_default(),
                _ => {}
            }
        }
        return;
    }
    // Types: `typeof(`, `name: ` in a schema or parameter list.
    if prev.is_some_and(|t| t.kind == TokenKind::Colon) && top.open.is_some() {
        want.types = true;
        return;
    }
    if let Some(open) = top.open {
        let word = opener_word(top, toks, src);
        if word.as_deref() == Some("typeof") && toks[open].kind == TokenKind::LParen {
            want.types = true;
            return;
        }
        if matches!(
            word.as_deref(),
            Some("datatable" | "externaldata" | "external_data")
        ) {
            return;
        }
        // `let f = (`: parameter names are being declared.
        if toks[open].kind == TokenKind::LParen
            && open >= 3
            && toks[open - 1].kind == TokenKind::Eq
            && lower(&toks[open - 3], src) == "let"
        {
            return;
        }
        if toks[open].kind == TokenKind::LBracket && top.items.is_empty() {
            // `x[` index or `['name`: nothing sensible to offer.
            return;
        }
    }

    if top.piped && top.items.is_empty() {
        want.operators = true;
        return;
    }
    let subquery = is_subquery(frames, top_idx, toks, src);
    if !top.piped && (top.open.is_none() || subquery) {
        statement(want, top, toks, src, subquery);
        return;
    }
    let Some((op_frame, op_tok)) = op else {
        // Inside a call or grouping with no operator around it (`print f(`, `let x = f(`).
        expression(want, Vec::new(), prev, false);
        return;
    };
    let op_name = lower(&toks[op_tok], src);
    // Only the operator's own level decides clauses; inside a call it is an expression.
    if op_frame != top_idx {
        let aggs = matches!(op_name.as_str(), "summarize" | "make-series")
            && !has_word(&frames[op_frame], toks, src, "by");
        expression(want, cols, prev, aggs);
        return;
    }
    let f = &frames[op_frame];
    let rest = &f.items[1..];
    let after_operand = prev.is_some_and(|t| is_operand(t, src)) && !rest.is_empty();
    let has = |w: &str| has_word(f, toks, src, w);
    match op_name.as_str() {
        "where" | "filter" => {
            expression(want, cols, prev, false);
            if after_operand {
                want.keywords.extend(WHERE_WORDS);
            }
        }
        "summarize" => {
            if has("by") {
                if !after_operand {
                    expression(want, cols, prev, false);
                }
            } else if after_operand {
                want.keywords.push("by");
            } else {
                expression(want, cols, prev, true);
            }
        }
        "make-series" => {
            if after_operand {
                want.keywords
                    .extend(["default", "on", "from", "to", "step", "by"]);
            } else {
                expression(want, cols, prev, !has("on"));
            }
        }
        "sort" | "order" | "top" => {
            let needs_by = !has("by") && (op_name != "top" || !rest.is_empty());
            if needs_by {
                if op_name != "top" || after_operand {
                    want.keywords.push("by");
                }
            } else if after_operand {
                want.keywords.extend(SORT_WORDS);
            } else {
                expression(want, cols, prev, false);
            }
        }
        "project-away" | "project-keep" | "project-reorder" => {
            if after_operand {
                if op_name == "project-reorder" {
                    want.keywords.extend(["asc", "desc"]);
                }
            } else {
                want.columns = cols;
            }
        }
        "project-rename" => {
            if prev.is_some_and(|t| t.kind == TokenKind::Eq) {
                want.columns = cols;
            }
        }
        "join" | "lookup" => {
            if prev_text == "=" && prev2_text == "kind" {
                want.keywords.extend(JOIN_KINDS);
            } else if has("on") {
                if !after_operand || prev_text == "on" {
                    let (l, r) = op_start
                        .and_then(|s| scope.joins.iter().find(|(j, _, _)| *j == s))
                        .map(|(_, l, r)| (l.clone(), r.clone()))
                        .unwrap_or_default();
                    let mut both = l.unwrap_or_default();
                    for c in r.unwrap_or_default() {
                        if !both.contains(&c) {
                            both.push(c);
                        }
                    }
                    want.columns = both;
                    want.keywords.extend(["$left", "$right"]);
                } else {
                    want.keywords.push("and");
                }
            } else if prev.is_some_and(|t| t.kind == TokenKind::RParen)
                || (prev.is_some_and(|t| t.kind == TokenKind::Ident)
                    && !matches!(prev_text.as_str(), "join" | "lookup")
                    && !(prev2_text == "=" || JOIN_KINDS.contains(&prev_text.as_str())))
            {
                want.keywords.push("on");
            } else {
                want.tables = true;
                want.tabular_lets = true;
                if !has("kind") {
                    want.keywords.push("kind=");
                }
            }
        }
        "union" => {
            if prev_text == "=" && prev2_text == "kind" {
                want.keywords.extend(["inner", "outer"]);
            } else if !after_operand || prev.is_some_and(|t| t.kind == TokenKind::Comma) {
                want.tables = true;
                want.tabular_lets = true;
                want.keywords
                    .extend(["withsource=", "kind=", "isfuzzy=true"]);
            }
        }
        "mv-expand" | "mvexpand" => {
            if prev_text == "to" {
                want.keywords.push("typeof");
            } else if after_operand {
                want.keywords.extend(["to", "limit"]);
            } else {
                expression(want, cols, prev, false);
            }
        }
        "mv-apply" | "mvapply" => {
            if after_operand {
                want.keywords.extend(["to", "on"]);
            } else {
                expression(want, cols, prev, false);
            }
        }
        "parse" | "parse-where" | "parse-kv" => {
            if after_operand && !has("with") {
                want.keywords.push("with");
            } else if !has("with") {
                expression(want, cols, prev, false);
            }
        }
        "render" => {
            if rest.is_empty() {
                want.keywords.extend(CHARTS);
            } else if !has("with") {
                want.keywords.push("with");
            }
        }
        "evaluate" => {
            if rest.is_empty() || prev.is_some_and(|t| !is_operand(t, src)) {
                want.plugins = true;
            }
        }
        "invoke" => {
            if rest.is_empty() {
                want.function_lets = true;
            }
        }
        "take" | "limit" | "sample" | "count" | "getschema" | "as" | "consume" | "search"
        | "sample-distinct" | "scan" | "fork" | "facet" => {}
        "extend" | "project" | "serialize" | "distinct" | "top-nested" | "partition" | "reduce" => {
            if !after_operand {
                expression(want, cols, prev, false);
            }
        }
        _ => expression(want, cols, prev, false),
    }
}

/// True when `word` appears at the frame's level in its current segment.
fn has_word(f: &Frame, toks: &[Token], src: &str, word: &str) -> bool {
    f.items
        .iter()
        .skip(1)
        .any(|&i| toks[i].kind == TokenKind::Ident && toks[i].text(src).eq_ignore_ascii_case(word))
}

fn expression(want: &mut Want, cols: Vec<String>, prev: Option<&Token>, aggregations: bool) {
    // Right after a literal or a closing bracket another operand makes no sense; the
    // caller adds the words that may follow one.
    if prev.is_some_and(|t| {
        !matches!(
            t.kind,
            TokenKind::Ident
                | TokenKind::Comma
                | TokenKind::LParen
                | TokenKind::LBracket
                | TokenKind::Pipe
        ) && !is_binary_op(t.kind)
    }) {
        return;
    }
    want.columns = cols;
    want.scalar_fns = true;
    want.scalar_lets = true;
    want.aggregations = aggregations;
}

fn is_binary_op(k: TokenKind) -> bool {
    use TokenKind as T;
    matches!(
        k,
        T::EqEq
            | T::NotEq
            | T::EqTilde
            | T::BangTilde
            | T::Lt
            | T::Le
            | T::Gt
            | T::Ge
            | T::Eq
            | T::Plus
            | T::Minus
            | T::Star
            | T::Slash
            | T::Percent
            | T::Colon
            | T::DotDot
            | T::FatArrow
            | T::Bang
    )
}

/// A statement level (top level, `{` body, subquery parenthesis) with no `|` yet.
fn statement(want: &mut Want, f: &Frame, toks: &[Token], src: &str, subquery: bool) {
    let items = &f.items;
    let words: Vec<String> = items.iter().map(|&i| lower(&toks[i], src)).collect();
    match words.first().map(String::as_str) {
        None => {
            want.tables = true;
            want.tabular_lets = true;
            want.function_lets = true;
            if !subquery {
                want.keywords.extend(STATEMENT_WORDS);
            } else {
                want.keywords
                    .extend(["datatable", "union", "range", "print"]);
            }
        }
        Some("let") => {
            if words.len() == 3 && words[2] == "=" {
                want.tables = true;
                want.tabular_lets = true;
                want.scalar_lets = true;
                want.scalar_fns = true;
                want.function_lets = true;
                want.keywords.extend(LET_VALUE_WORDS);
            } else if words.len() > 3 {
                let prev = toks.last();
                expression(want, Vec::new(), prev, false);
            }
        }
        Some("union") => {
            let prev = toks.last();
            if words.len() == 1 || prev.is_some_and(|t| t.kind == TokenKind::Comma) {
                want.tables = true;
                want.tabular_lets = true;
                if words.len() == 1 {
                    want.keywords
                        .extend(["withsource=", "kind=", "isfuzzy=true"]);
                }
            }
        }
        Some("print") => expression(want, Vec::new(), toks.last(), false),
        _ => {}
    }
}

/// `Col ==` / `Col in (` / `Col has` just before the cursor: the column compared.
fn compared_column(toks: &[Token], src: &str) -> Option<String> {
    let n = toks.len();
    let is_cmp = |t: &Token| {
        matches!(
            t.kind,
            TokenKind::EqEq | TokenKind::NotEq | TokenKind::EqTilde | TokenKind::BangTilde
        ) || t.kind == TokenKind::Ident
            && matches!(
                lower(t, src).trim_start_matches('!'),
                "has"
                    | "has_cs"
                    | "contains"
                    | "contains_cs"
                    | "startswith"
                    | "endswith"
                    | "hasprefix"
                    | "hassuffix"
                    | "startswith_cs"
                    | "endswith_cs"
            )
    };
    let name_before = |i: usize| -> Option<String> {
        let t = toks.get(i.checked_sub(1)?)?;
        (t.kind == TokenKind::Ident && !is_keyword(t.text(src)))
            .then(|| t.text(src).to_string())
            .or_else(|| {
                // `['quoted name'] ==`
                (t.kind == TokenKind::RBracket && i >= 3)
                    .then(|| &toks[i - 2])
                    .filter(|s| s.kind == TokenKind::String)
                    .and_then(|s| super::literal::decode_string(s.text(src)))
            })
    };
    let last = toks.get(n.checked_sub(1)?)?;
    if is_cmp(last) {
        return name_before(n - 1);
    }
    // `Col in (` ... `,`: walk back to the unmatched `(` after `in`.
    let mut depth = 0usize;
    for i in (0..n).rev() {
        match toks[i].kind {
            TokenKind::RParen => depth += 1,
            TokenKind::LParen if depth > 0 => depth -= 1,
            TokenKind::LParen => {
                let kw = toks.get(i.checked_sub(1)?)?;
                let w = lower(kw, src);
                let w = w.trim_start_matches('!');
                return if matches!(w, "in" | "in~" | "has_any" | "has_all") {
                    name_before(i - 1)
                } else {
                    None
                };
            }
            TokenKind::Comma | TokenKind::String | TokenKind::Int | TokenKind::Real
                if depth == 0 => {}
            _ if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// The cursor is inside a string: offer the compared column's values, replacing the string.
fn string_values(req: &Request, query: &str, all: &[Token], s: &Token, at: usize) -> Completion {
    let toks: Vec<Token> = all
        .iter()
        .copied()
        .filter(|t| !t.is_trivia() && t.span.end <= s.span.start)
        .collect();
    let typed = &query[s.span.start..at];
    let prefix = typed
        .trim_start_matches(['h', 'H', '@'])
        .get(1..)
        .unwrap_or("")
        .to_string();
    let mut out = Completion {
        replace: s.span.start..s.span.end,
        prefix: prefix.clone(),
        ..Completion::default()
    };
    let Some(col) = compared_column(&toks, query) else {
        return Completion {
            replace: at..at,
            ..Completion::default()
        };
    };
    let want = Want {
        values: Some((col, true)),
        ..Want::default()
    };
    out.items = rank(candidates(req, &want, &ScopeMap::default(), 0), &prefix);
    out
}

// ---- candidates ----------------------------------------------------------------------------

fn item(label: &str, kind: ItemKind, detail: impl Into<String>) -> Item {
    Item {
        label: label.to_string(),
        insert: label.to_string(),
        caret: label.len(),
        kind,
        detail: detail.into(),
    }
}

fn call_item(name: &str, kind: ItemKind, detail: String) -> Item {
    let insert = format!("{name}()");
    Item {
        label: name.to_string(),
        caret: insert.len() - 1,
        insert,
        kind,
        detail,
    }
}

/// A name as KQL needs it written: bare when it is a plain identifier and not a keyword,
/// otherwise `['...']` with quotes and backslashes escaped.
pub fn quote_name(name: &str) -> String {
    // `$left`, `$last`, `$3`: written bare.
    if let Some(rest) = name.strip_prefix('$')
        && !rest.is_empty()
        && rest.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
    {
        return name.to_string();
    }
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
        && !is_keyword(name);
    if plain {
        return name.to_string();
    }
    let mut out = String::from("['");
    for c in name.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push_str("']");
    out
}

/// `s` as a double-quoted KQL string literal; `None` for text with control characters that
/// have no short escape (such a value is not offered).
pub fn kql_string(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => return None,
            c if crate::data::format::escape_control(c.encode_utf8(&mut [0; 4]))
                .starts_with('\\') =>
            {
                return None;
            }
            c => out.push(c),
        }
    }
    out.push('"');
    Some(out)
}

/// The distinct values of `column` in `table`, most frequent first (ties in first-seen
/// order), as KQL literals with their counts. Strings and guids are quoted; numbers and
/// bools are bare; datetimes become `datetime(...)`. Nulls and empty strings are skipped.
pub fn distinct_values(table: &Table, column: &str, limit: usize) -> Vec<(String, usize)> {
    let Some(col) = table.column(column) else {
        return Vec::new();
    };
    // Count by the cell's text first (no allocation for strings), quote only the winners.
    let mut counts: HashMap<std::borrow::Cow<'_, str>, (usize, usize)> = HashMap::new();
    for row in 0..col.data.len() {
        let key = match col.data.get(row) {
            ValueRef::Null | ValueRef::Dynamic(_) => continue,
            ValueRef::String("") => continue,
            ValueRef::String(s) => std::borrow::Cow::Borrowed(s),
            v => plain_text(v),
        };
        let next = counts.len();
        counts.entry(key).or_insert((0, next)).0 += 1;
    }
    let mut ranked: Vec<_> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
    let kind = col.data.kind();
    ranked
        .into_iter()
        .filter_map(|(text, (n, _))| {
            let literal = match kind {
                Kind::String | Kind::Guid => kql_string(&text)?,
                Kind::DateTime => format!("datetime({text})"),
                Kind::TimeSpan => format!("timespan({text})"),
                _ => text.into_owned(),
            };
            Some((literal, n))
        })
        .take(limit)
        .collect()
}

/// Column name → kind, the query's own tables first, then every table and function.
fn column_kinds<'a>(req: &Request<'a>, first: &[String]) -> HashMap<&'a str, Kind> {
    let mut kinds = HashMap::new();
    let named = first.iter().filter_map(|n| {
        req.extra_tables
            .iter()
            .find(|t| t.name == *n)
            .or_else(|| req.schema.table(n))
    });
    for t in named.chain(req.extra_tables).chain(&req.schema.tables) {
        for (n, k) in &t.columns {
            kinds.entry(n.as_str()).or_insert(*k);
        }
    }
    for f in &req.schema.functions {
        for (n, k) in &f.columns {
            kinds.entry(n.as_str()).or_insert(*k);
        }
    }
    kinds
}

fn candidates(req: &Request, want: &Want, scope: &ScopeMap, at: usize) -> Vec<Item> {
    let mut out = Vec::new();
    if let Some((col, in_string)) = &want.values
        && let Some(table) = req.results
    {
        for (lit, n) in distinct_values(table, col, MAX_VALUES) {
            if *in_string && !lit.starts_with('"') {
                continue;
            }
            out.push(item(&lit, ItemKind::Value, format!("{n}× in {col}")));
        }
    }
    if !want.columns.is_empty() {
        let kinds = column_kinds(req, &want.query_tables);
        for c in &want.columns {
            let detail = kinds.get(c.as_str()).map_or("column", |k| k.kql_name());
            let mut it = item(c, ItemKind::Column, detail);
            it.insert = quote_name(c);
            it.caret = it.insert.len();
            out.push(it);
        }
    }
    for l in scope.lets.iter().filter(|l| l.end <= at) {
        let (wanted, detail) = match (&l.columns, l.function) {
            (_, true) => (want.function_lets || want.tabular_lets, "function"),
            (None, _) => (want.scalar_lets, "scalar"),
            (Some(_), _) => (want.tabular_lets, "tabular"),
        };
        if !wanted {
            continue;
        }
        if l.function {
            out.push(call_item(&l.name, ItemKind::Let, detail.into()));
        } else {
            let mut it = item(&l.name, ItemKind::Let, detail);
            it.insert = quote_name(&l.name);
            it.caret = it.insert.len();
            out.push(it);
        }
    }
    for k in &want.keywords {
        out.push(item(k, ItemKind::Keyword, "keyword"));
    }
    if want.operators {
        for op in super::keywords::TABULAR_OPERATORS {
            let detail = match *op {
                "mvexpand" | "mvapply" => "deprecated spelling",
                _ => "operator",
            };
            out.push(item(op, ItemKind::Operator, detail));
        }
    }
    if want.tables {
        let mut seen = std::collections::HashSet::new();
        for t in req.extra_tables.iter().chain(&req.schema.tables) {
            if !seen.insert(t.name.as_str()) {
                continue;
            }
            let detail = format!(
                "{} columns{}",
                t.columns.len(),
                if t.preview { " · preview" } else { "" }
            );
            let mut it = item(&t.name, ItemKind::Table, detail);
            it.insert = quote_name(&t.name);
            it.caret = it.insert.len();
            out.push(it);
        }
        for f in &req.schema.functions {
            if seen.insert(f.name.as_str()) {
                out.push(call_item(
                    &f.name,
                    ItemKind::Table,
                    format!("schema function · {} columns", f.columns.len()),
                ));
            }
        }
    }
    if want.aggregations {
        for a in AGGREGATION_FUNCTIONS.iter().filter(|a| !deprecated_agg(a)) {
            out.push(call_item(
                a,
                ItemKind::Aggregation,
                signatures::signature(a),
            ));
        }
    }
    if want.scalar_fns {
        for f in SCALAR_FUNCTIONS.iter().filter(|f| !deprecated_scalar(f)) {
            out.push(call_item(f, ItemKind::Function, signatures::signature(f)));
        }
    }
    if want.types {
        for t in [
            "string", "int", "long", "real", "double", "bool", "datetime", "timespan", "dynamic",
            "guid", "decimal",
        ] {
            out.push(item(t, ItemKind::Type, "type"));
        }
    }
    if want.plugins {
        for p in PLUGINS {
            out.push(call_item(p, ItemKind::Plugin, "plugin".into()));
        }
    }
    out
}

fn deprecated_agg(name: &str) -> bool {
    super::lint_names::DEPRECATED_AGGREGATION
        .iter()
        .any(|(n, _)| *n == name)
}

fn deprecated_scalar(name: &str) -> bool {
    super::lint_names::DEPRECATED_SCALAR
        .iter()
        .any(|(n, _)| *n == name)
}

// ---- ranking -------------------------------------------------------------------------------

/// A fuzzy score of `pattern` against `candidate`, `None` when the pattern's characters do
/// not all appear in order (ignoring ASCII case). Higher is better: an exact match, then a
/// prefix, then matches at word starts (`_`, `-`, camelCase humps) and runs of consecutive
/// characters; gaps and length cost a little.
pub fn fuzzy_score(pattern: &str, candidate: &str) -> Option<i32> {
    if pattern.is_empty() {
        return Some(0);
    }
    let cand: Vec<char> = candidate.chars().collect();
    let pat: Vec<char> = pattern.chars().collect();
    let (n, m) = (cand.len(), pat.len());
    if m > n {
        return None;
    }
    let eq = |a: char, b: char| a == b || a.eq_ignore_ascii_case(&b);
    let boundary = |j: usize| {
        j == 0
            || matches!(cand[j - 1], '_' | '-' | '.' | ' ' | '"' | '\'' | '[' | '$')
            || (cand[j].is_uppercase() && cand[j - 1].is_lowercase())
            || (cand[j].is_ascii_digit() && !cand[j - 1].is_ascii_digit())
    };
    const NONE: i32 = i32::MIN / 2;
    // best[j]: best score with the current pattern char matched at cand[j].
    let mut best: Vec<i32> = (0..n)
        .map(|j| {
            if eq(cand[j], pat[0]) {
                (if boundary(j) { 30 } else { 0 }) - (j as i32).min(15)
            } else {
                NONE
            }
        })
        .collect();
    for &p in &pat[1..] {
        let mut next = vec![NONE; n];
        // The best way to reach j after a gap: opening one costs 5, each skipped char 1.
        let mut gap_best = NONE;
        for j in 1..n {
            gap_best = (gap_best - 1).max(if j >= 2 && best[j - 2] > NONE {
                best[j - 2] - 6
            } else {
                NONE
            });
            if !eq(cand[j], p) {
                continue;
            }
            let bonus = if boundary(j) { 30 } else { 0 };
            let adjacent = if best[j - 1] > NONE {
                best[j - 1] + 20
            } else {
                NONE
            };
            let b = adjacent.max(gap_best);
            if b > NONE / 2 {
                next[j] = b + bonus;
            }
        }
        best = next;
    }
    let mut score = best.into_iter().max().filter(|&s| s > NONE)?;
    if cand.iter().zip(&pat).all(|(a, b)| eq(*a, *b)) {
        score += 200;
        if n == m {
            score += 200;
        }
    }
    Some(score - (n as i32) / 4)
}

/// Items matching `prefix`, best first; with no prefix, in context order (values, columns,
/// lets, keywords, ... as `ItemKind` orders them).
fn rank(items: Vec<Item>, prefix: &str) -> Vec<Item> {
    // For values the typed text is matched without its opening quote.
    let mut scored: Vec<(i32, Item)> = items
        .into_iter()
        .filter_map(|it| {
            let target = if it.kind == ItemKind::Value {
                it.label.trim_start_matches('"')
            } else {
                it.label.as_str()
            };
            fuzzy_score(prefix, target).map(|s| (s, it))
        })
        .collect();
    if prefix.is_empty() {
        scored.sort_by_key(|(_, it)| it.kind);
    } else {
        scored.sort_by(|(sa, a), (sb, b)| {
            sb.cmp(sa)
                .then(a.kind.cmp(&b.kind))
                .then(a.label.len().cmp(&b.label.len()))
                .then(a.label.cmp(&b.label))
        });
    }
    // One entry per (label, kind).
    let mut seen = std::collections::HashSet::new();
    scored
        .into_iter()
        .map(|(_, it)| it)
        .filter(|it| seen.insert((it.label.clone(), it.kind)))
        .take(MAX_ITEMS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_prefers_prefix_and_word_starts() {
        let p = fuzzy_score("dpe", "DeviceProcessEvents").unwrap();
        let q = fuzzy_score("dpe", "DeviceNetworkEvents");
        assert!(q.is_none() || q.unwrap() < p);
        assert!(
            fuzzy_score("tos", "tostring").unwrap()
                > fuzzy_score("tos", "ipv4_to_s").unwrap_or(-999)
        );
        assert!(fuzzy_score("xyz", "tostring").is_none());
        // A long gap costs more than the camel humps it reaches.
        assert!(
            fuzzy_score("InitingFileN", "InitiatingProcessFileName").unwrap()
                > fuzzy_score(
                    "InitingFileN",
                    "InitiatingProcessVersionInfoOriginalFileName"
                )
                .unwrap()
        );
        assert!(fuzzy_score("count", "count").unwrap() > fuzzy_score("count", "countif").unwrap());
    }

    #[test]
    fn names_and_strings_are_quoted() {
        assert_eq!(quote_name("FileName"), "FileName");
        assert_eq!(quote_name("a b"), "['a b']");
        assert_eq!(quote_name("$last"), "$last");
        assert_eq!(quote_name("$"), "['$']");
        assert_eq!(quote_name("where"), "['where']");
        assert_eq!(quote_name("it's"), "['it\\'s']");
        assert_eq!(kql_string("a\"b\\c").as_deref(), Some("\"a\\\"b\\\\c\""));
        assert_eq!(kql_string("x\ny").as_deref(), Some("\"x\\ny\""));
        assert_eq!(kql_string("bell\u{7}"), None);
        assert_eq!(kql_string("rtl\u{202e}"), None);
    }
}
