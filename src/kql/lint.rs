//! Lint for hunting queries: syntax errors from the parser plus checks against the bundled
//! Defender schema and advanced hunting's limits. `kqlhunt lint` prints these and the
//! editor underlines them as the analyst types.
//!
//! Two passes over the tree:
//! - a column-scope tracker follows each pipeline from its source, knowing which columns
//!   exist after every operator (`project`, `extend`, `summarize`, `join`, ...). It reports
//!   unknown tables and columns, large tables read without a time filter, and joins with an
//!   unfiltered side. Where the columns cannot be known (a plugin, `mv-apply`, an implicit
//!   column name we are unsure of) the scope becomes unknown and no column is reported.
//! - an expression pass reports unknown and deprecated functions, `contains` where `has`
//!   would do, and lookbacks beyond the 30 days advanced hunting keeps.
//!
//! Every check is conservative: a false "unknown column" costs the analyst's trust more
//! than a missed one.

use std::collections::{HashMap, HashSet};

use super::ast::*;
use super::diag::Severity;
use super::lint_names as names;
use super::parser::{Parsed, parse};
use super::span::Span;
use super::split::query_ranges;
use super::visit::{self, Visitor};
use crate::data::schema::{DefenderSchema, TableSchema};
use crate::data::time::{TICKS_PER_DAY, now_ticks, parse_datetime};

/// Advanced hunting keeps 30 days of data.
pub const MAX_LOOKBACK_DAYS: i64 = 30;

/// What a diagnostic is about; the code is stable for CI filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// The parser's errors and warnings.
    Syntax,
    /// A table that is not in the schema.
    UnknownTable,
    /// A column that is not in scope.
    UnknownColumn,
    /// A function, aggregation or plugin that does not exist.
    UnknownFunction,
    /// A time filter reaching beyond the 30 days of retained data.
    Lookback,
    /// A large event table read without a `Timestamp` filter.
    NoTimeFilter,
    /// `contains` on a whole term, where `has` would use the term index.
    ContainsHas,
    /// A `join` with a side that has no time filter.
    JoinTimeFilter,
    /// A deprecated function or operator spelling.
    Deprecated,
}

impl Code {
    /// Every code, in order.
    pub const ALL: [Code; 9] = [
        Code::Syntax,
        Code::UnknownTable,
        Code::UnknownColumn,
        Code::UnknownFunction,
        Code::Lookback,
        Code::NoTimeFilter,
        Code::ContainsHas,
        Code::JoinTimeFilter,
        Code::Deprecated,
    ];

    /// `KQL001` ...
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Syntax => "KQL001",
            Code::UnknownTable => "KQL002",
            Code::UnknownColumn => "KQL003",
            Code::UnknownFunction => "KQL004",
            Code::Lookback => "KQL005",
            Code::NoTimeFilter => "KQL006",
            Code::ContainsHas => "KQL007",
            Code::JoinTimeFilter => "KQL008",
            Code::Deprecated => "KQL009",
        }
    }

    /// A short name (`unknown-column`).
    pub fn name(self) -> &'static str {
        match self {
            Code::Syntax => "syntax",
            Code::UnknownTable => "unknown-table",
            Code::UnknownColumn => "unknown-column",
            Code::UnknownFunction => "unknown-function",
            Code::Lookback => "lookback",
            Code::NoTimeFilter => "no-time-filter",
            Code::ContainsHas => "contains-has",
            Code::JoinTimeFilter => "join-time-filter",
            Code::Deprecated => "deprecated",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One lint finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintDiagnostic {
    /// Byte span in the linted text.
    pub span: Span,
    pub severity: Severity,
    pub code: Code,
    /// One sentence.
    pub message: String,
    /// What to do about it, when there is something to say.
    pub help: Option<String>,
}

impl LintDiagnostic {
    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// What the checks compare against.
#[derive(Clone, Copy, Debug)]
pub struct LintOptions<'a> {
    pub schema: &'a DefenderSchema,
    /// "Now" in ticks since the Unix epoch, for the lookback check.
    pub now_ticks: i64,
}

impl LintOptions<'static> {
    /// The bundled schema and the current time.
    pub fn bundled() -> LintOptions<'static> {
        LintOptions {
            schema: DefenderSchema::bundled(),
            now_ticks: now_ticks(),
        }
    }
}

/// Lints one query or script with the bundled schema.
pub fn lint(src: &str) -> Vec<LintDiagnostic> {
    lint_with(src, &LintOptions::bundled())
}

/// Lints one query or script.
pub fn lint_with(src: &str, opts: &LintOptions) -> Vec<LintDiagnostic> {
    lint_parsed(&parse(src), src, opts)
}

/// Lints a file of queries. The file is parsed whole (statements separated by `;`, blank
/// lines allowed inside a query); when that gives syntax errors and splitting it into
/// blank-line separated queries (as the portal runs them) gives fewer, the split is used.
pub fn lint_file(src: &str, opts: &LintOptions) -> Vec<LintDiagnostic> {
    let whole = parse(src);
    let whole_errors = whole.errors().count();
    if whole_errors > 0 {
        let parts: Vec<_> = query_ranges(src)
            .into_iter()
            .filter_map(|r| Some((r.start, src.get(r)?)))
            .map(|(at, text)| (at, text, parse(text)))
            .collect();
        let split_errors: usize = parts.iter().map(|(_, _, p)| p.errors().count()).sum();
        if parts.len() > 1 && split_errors < whole_errors {
            let mut out = Vec::new();
            for (at, text, parsed) in &parts {
                out.extend(lint_parsed(parsed, text, opts).into_iter().map(|mut d| {
                    d.span = Span::new(d.span.start + at, d.span.end + at);
                    d
                }));
            }
            return out;
        }
    }
    lint_parsed(&whole, src, opts)
}

/// Lints an already parsed text (`src` is the text `parsed` came from).
pub fn lint_parsed(parsed: &Parsed, src: &str, opts: &LintOptions) -> Vec<LintDiagnostic> {
    let mut out: Vec<LintDiagnostic> = parsed
        .diagnostics
        .iter()
        .map(|d| LintDiagnostic {
            span: d.span,
            severity: d.severity,
            code: Code::Syntax,
            message: d.message.clone(),
            help: None,
        })
        .collect();
    let bound = bound_names(&parsed.script);
    let mut scopes = ScopeChecker {
        schema: opts.schema,
        out: Vec::new(),
        lets: vec![HashMap::new()],
        depth: 0,
        record: None,
    };
    scopes.script(&parsed.script);
    out.append(&mut scopes.out);
    let mut exprs = ExprChecker {
        src,
        schema: opts.schema,
        now: opts.now_ticks,
        bound: &bound,
        timespans: let_timespans(&parsed.script),
        in_aggregation: false,
        checked: HashSet::new(),
        out: Vec::new(),
    };
    visit::walk_script(&mut exprs, &parsed.script);
    out.append(&mut exprs.out);
    out.sort_by_key(|d| (d.span.start, d.span.end, d.code));
    out.dedup();
    out
}

// ---- scopes for completion ----------------------------------------------------------------

/// A top-level `let` as completion sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct LetScope {
    pub name: String,
    /// End of the `let` statement: the name is usable after it.
    pub end: usize,
    /// `None` for a scalar; `Some(None)` for rows whose columns are unknown.
    pub columns: Option<Option<Vec<String>>>,
    /// A user function (`let f = (x: int) { ... }`).
    pub function: bool,
}

/// `join` / `lookup` sides: (operator start, left columns, right columns).
pub type JoinScope = (usize, Option<Vec<String>>, Option<Vec<String>>);

/// Which columns the scope tracker saw at each operator, for completion. Offsets are into
/// the parsed text; `None` columns mean the tracker could not know them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScopeMap {
    /// (operator start, columns flowing into the operator).
    pub ops: Vec<(usize, Option<Vec<String>>)>,
    /// `join` / `lookup`: (operator start, left columns, right columns).
    pub joins: Vec<JoinScope>,
    /// Top-level `let` statements, in order.
    pub lets: Vec<LetScope>,
    /// When set, only the operator starting here is recorded (columns are cloned per
    /// recorded operator, which adds up on long pipelines).
    pub only: Option<usize>,
}

impl ScopeMap {
    /// The columns flowing into the operator that starts at `start`.
    pub fn op_input(&self, start: usize) -> Option<&[String]> {
        self.ops
            .iter()
            .find(|(s, _)| *s == start)
            .and_then(|(_, c)| c.as_deref())
    }
}

/// Runs the column-scope tracker over `parsed` and records the columns in scope at every
/// operator (the same tracking lint reports unknown columns from), or only at the operator
/// starting at `only`.
pub fn scopes(parsed: &Parsed, schema: &DefenderSchema, only: Option<usize>) -> ScopeMap {
    let mut checker = ScopeChecker {
        schema,
        out: Vec::new(),
        lets: vec![HashMap::new()],
        depth: 0,
        record: Some(ScopeMap {
            only,
            ..ScopeMap::default()
        }),
    };
    checker.script(&parsed.script);
    checker.record.unwrap_or_default()
}

// ---- helpers ----------------------------------------------------------------------------

/// The closest candidate to `name`: the same name in another case, or one within a small
/// edit distance.
pub fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = if c.eq_ignore_ascii_case(name) {
            0
        } else {
            strsim::levenshtein(&lower, &c.to_ascii_lowercase())
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn help_did_you_mean(found: Option<&str>) -> Option<String> {
    found.map(|s| format!("did you mean `{s}`?"))
}

fn is_time_column(name: &str) -> bool {
    name == "Timestamp" || name == "TimeGenerated"
}

/// Large event tables: `Device*`, `Email*`, `Identity*`, `Cloud*` tables of events that
/// have a time column.
fn is_large_table(t: &TableSchema) -> bool {
    ["Device", "Email", "Identity", "Cloud"]
        .iter()
        .any(|p| t.name.starts_with(p))
        && t.name.contains("Events")
        && t.columns.iter().any(|(c, _)| is_time_column(c))
}

fn sorted_contains(list: &[&str], name: &str) -> bool {
    list.binary_search(&name).is_ok()
}

fn deprecated(list: &'static [(&'static str, &'static str)], name: &str) -> Option<&'static str> {
    list.iter().find(|(n, _)| *n == name).map(|(_, u)| *u)
}

/// Every name bound anywhere in the script: `let` names, function parameters, `as` names.
/// Used to avoid calling a user's own function or parameter unknown.
fn bound_names(script: &Script) -> HashSet<String> {
    struct Bound(HashSet<String>);
    impl Visitor for Bound {
        fn statement(&mut self, s: &Statement) {
            match s {
                Statement::Let(l) => {
                    self.0.insert(l.name.name.clone());
                    if let LetValue::Function(f) = &l.value {
                        for p in &f.params {
                            self.0.insert(p.name.name.clone());
                        }
                    }
                }
                Statement::DeclareParams { params, .. } => {
                    for p in params {
                        self.0.insert(p.name.name.clone());
                    }
                }
                _ => {}
            }
            visit::walk_statement(self, s)
        }
        fn op(&mut self, op: &Op) {
            if let OpKind::As { name, .. } = &op.kind {
                self.0.insert(name.name.clone());
            }
            visit::walk_op(self, op)
        }
    }
    let mut b = Bound(HashSet::new());
    visit::walk_script(&mut b, script);
    b.0
}

/// Top-level `let name = <timespan literal>`, for `ago(name)`.
fn let_timespans(script: &Script) -> HashMap<String, i64> {
    script
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Let(LetStmt {
                name,
                value:
                    LetValue::Expr(Expr {
                        kind: ExprKind::Literal(Literal::TimeSpan(t)),
                        ..
                    }),
                ..
            }) => Some((name.name.clone(), *t)),
            _ => None,
        })
        .collect()
}

/// True when `e` mentions a time column or `ingestion_time()` (not inside subqueries).
fn mentions_time(e: &Expr) -> bool {
    struct Finder(bool);
    impl Visitor for Finder {
        fn expr(&mut self, e: &Expr) {
            match &e.kind {
                ExprKind::Name(n) if is_time_column(n) => self.0 = true,
                ExprKind::Call(c) if c.name.name == "ingestion_time" => self.0 = true,
                ExprKind::Tabular(_) => {}
                _ => visit::walk_expr(self, e),
            }
        }
    }
    let mut f = Finder(false);
    f.expr(e);
    f.0
}

// ---- pass 1: columns, tables, time filters ---------------------------------------------

/// Columns of a row set, when we know them.
#[derive(Clone, Debug, PartialEq)]
enum Cols {
    Known(Vec<String>),
    Unknown,
}

impl Cols {
    fn names(&self) -> Option<Vec<String>> {
        match self {
            Cols::Known(c) => Some(c.clone()),
            Cols::Unknown => None,
        }
    }

    fn has(&self, name: &str) -> bool {
        match self {
            Cols::Known(c) => c.iter().any(|n| n == name),
            Cols::Unknown => true,
        }
    }

    fn add(&mut self, name: &str) {
        if let Cols::Known(c) = self
            && !c.iter().any(|n| n == name)
        {
            c.push(name.to_string());
        }
    }

    /// Union of two row sets' columns (`union`).
    fn merge(&mut self, other: &Cols) {
        match (&mut *self, other) {
            (Cols::Known(_), Cols::Known(o)) => {
                for n in o {
                    self.add(n);
                }
            }
            _ => *self = Cols::Unknown,
        }
    }
}

/// A large table read without a time filter (yet).
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    table: String,
    span: Span,
    /// Already reported (by the join check), so not reported again.
    reported: bool,
}

/// What flows through a pipeline.
#[derive(Clone, Debug, PartialEq)]
struct Rel {
    cols: Cols,
    pending: Vec<Pending>,
}

impl Rel {
    fn unknown() -> Rel {
        Rel {
            cols: Cols::Unknown,
            pending: Vec::new(),
        }
    }

    fn known(cols: Vec<String>) -> Rel {
        Rel {
            cols: Cols::Known(cols),
            pending: Vec::new(),
        }
    }
}

/// What a `let` name stands for.
#[derive(Clone, Debug)]
enum Binding {
    Scalar,
    Tabular(Rel),
    /// A user function and the rows its body returns (when it is tabular).
    Function(Option<Rel>),
}

/// Recursion beyond this (deeper than the parser allows) makes the rest unknown.
const MAX_NESTING: usize = 200;

struct ScopeChecker<'a> {
    schema: &'a DefenderSchema,
    out: Vec<LintDiagnostic>,
    /// Innermost last: function bodies push their parameters.
    lets: Vec<HashMap<String, Binding>>,
    depth: usize,
    /// Filled when completion asks where which columns are in scope.
    record: Option<ScopeMap>,
}

impl ScopeChecker<'_> {
    fn binding(&self, name: &str) -> Option<&Binding> {
        self.lets.iter().rev().find_map(|m| m.get(name))
    }

    fn bind(&mut self, name: &str, b: Binding) {
        if let Some(top) = self.lets.last_mut() {
            top.insert(name.to_string(), b);
        }
    }

    fn push(&mut self, d: LintDiagnostic) {
        self.out.push(d);
    }

    fn script(&mut self, s: &Script) {
        self.statements(&s.statements, true);
    }

    /// Returns the rows of the last tabular statement (a function body's result).
    fn statements(&mut self, statements: &[Statement], report: bool) -> Option<Rel> {
        let mut last = None;
        for st in statements {
            last = None;
            match st {
                Statement::Let(l) => {
                    let b = self.let_value(&l.value);
                    if self.lets.len() == 1
                        && let Some(r) = &mut self.record
                    {
                        r.lets.push(LetScope {
                            name: l.name.name.clone(),
                            end: l.span.end,
                            columns: match &b {
                                Binding::Scalar => None,
                                Binding::Tabular(rel) | Binding::Function(Some(rel)) => {
                                    Some(rel.cols.names())
                                }
                                Binding::Function(None) => Some(None),
                            },
                            function: matches!(l.value, LetValue::Function(_)),
                        });
                    }
                    self.bind(&l.name.name, b);
                }
                Statement::Query(t) => {
                    let rel = self.tabular(t);
                    if report {
                        self.report_pending(&rel);
                    }
                    last = Some(rel);
                }
                Statement::Expr(e) => self.expr(e, &Cols::Unknown),
                Statement::DeclareParams { params, .. } => {
                    for p in params {
                        self.bind(&p.name.name, param_binding(p));
                    }
                }
                Statement::Set(_) | Statement::Other { .. } => {}
            }
        }
        last
    }

    fn let_value(&mut self, v: &LetValue) -> Binding {
        match v {
            LetValue::Tabular(t) => Binding::Tabular(self.tabular(t)),
            LetValue::Expr(e) => match &e.kind {
                // `let x = DeviceEvents;` names a table; `let y = x;` another let.
                ExprKind::Name(n) => match (self.binding(n), self.schema.table(n)) {
                    (Some(Binding::Tabular(r)), _) => Binding::Tabular(r.clone()),
                    (_, Some(t)) => Binding::Tabular(self.table_rel(t, e.span, n)),
                    _ => Binding::Scalar,
                },
                ExprKind::Call(c) => match self.binding(&c.name.name) {
                    Some(Binding::Function(Some(r))) => Binding::Tabular(r.clone()),
                    _ if self.schema.function(&c.name.name).is_some() => {
                        Binding::Tabular(self.source_call(c))
                    }
                    _ => {
                        self.expr(e, &Cols::Unknown);
                        Binding::Scalar
                    }
                },
                _ => {
                    self.expr(e, &Cols::Unknown);
                    Binding::Scalar
                }
            },
            LetValue::Function(f) => {
                let mut frame = HashMap::new();
                for p in &f.params {
                    frame.insert(p.name.name.clone(), param_binding(p));
                }
                self.lets.push(frame);
                let result = self.statements(&f.body, false);
                self.lets.pop();
                Binding::Function(result)
            }
        }
    }

    fn report_pending(&mut self, rel: &Rel) {
        for p in rel.pending.iter().filter(|p| !p.reported) {
            self.out.push(LintDiagnostic {
                span: p.span,
                severity: Severity::Warning,
                code: Code::NoTimeFilter,
                message: format!("`{}` is read without a time filter", p.table),
                help: Some(format!(
                    "add `| where Timestamp > ago(1d)` (or the range you need) right after `{}`: \
                     it is a large table and the filter makes the query much cheaper",
                    p.table
                )),
            });
        }
    }

    fn table_rel(&self, t: &TableSchema, span: Span, written: &str) -> Rel {
        let mut rel = Rel::known(t.columns.iter().map(|(n, _)| n.clone()).collect());
        // In the unified Defender portal, `TimeGenerated` works wherever `Timestamp` does.
        if t.column("Timestamp").is_some() {
            rel.cols.add("TimeGenerated");
        }
        if is_large_table(t) {
            rel.pending.push(Pending {
                table: written.to_string(),
                span,
                reported: false,
            });
        }
        rel
    }

    fn tabular(&mut self, t: &Tabular) -> Rel {
        if self.depth >= MAX_NESTING {
            return Rel::unknown();
        }
        self.depth += 1;
        let mut rel = self.source(&t.source);
        for op in &t.ops {
            if let Some(r) = &mut self.record
                && r.only.is_none_or(|at| at == op.span.start)
            {
                r.ops.push((op.span.start, rel.cols.names()));
            }
            rel = self.op(op, rel);
        }
        self.depth -= 1;
        rel
    }

    fn table_ref(&mut self, id: &Ident) -> Rel {
        let name = id.name.as_str();
        if name.contains('*') {
            // `union Device*`: every schema table the pattern matches.
            let mut rel: Option<Rel> = None;
            for t in self
                .schema
                .tables
                .iter()
                .filter(|t| glob_matches(name, &t.name))
            {
                let r = self.table_rel(t, id.span, &t.name);
                match &mut rel {
                    Some(acc) => {
                        acc.cols.merge(&r.cols);
                        acc.pending.extend(r.pending);
                    }
                    None => rel = Some(r),
                }
            }
            return rel.unwrap_or_else(Rel::unknown);
        }
        match self.binding(name) {
            Some(Binding::Tabular(r)) => return r.clone(),
            Some(Binding::Function(r)) => return r.clone().unwrap_or_else(Rel::unknown),
            Some(Binding::Scalar) => return Rel::unknown(),
            None => {}
        }
        if let Some(t) = self.schema.table(name) {
            return self.table_rel(t, id.span, name);
        }
        if let Some(f) = self.schema.function(name) {
            return Rel::known(f.columns.iter().map(|(n, _)| n.clone()).collect());
        }
        if let Some(t) = self.schema.table_ci(name) {
            let mut rel = self.table_rel(t, id.span, name);
            rel.pending.clear();
            self.push(LintDiagnostic {
                span: id.span,
                severity: Severity::Warning,
                code: Code::UnknownTable,
                message: format!("table `{name}` is spelled `{}` in the schema", t.name),
                help: Some(format!("table names are case-sensitive: use `{}`", t.name)),
            });
            return rel;
        }
        if !name.starts_with('$') && !name.is_empty() && self.record.is_none() {
            let mut candidates: Vec<&str> = self.schema.table_names().collect();
            let lets: Vec<String> = self
                .lets
                .iter()
                .flat_map(|m| {
                    m.iter()
                        .filter(|(_, b)| !matches!(b, Binding::Scalar))
                        .map(|(k, _)| k.clone())
                })
                .collect();
            candidates.extend(lets.iter().map(String::as_str));
            let help = help_did_you_mean(did_you_mean(name, candidates)).or_else(|| {
                Some("the bundled Defender schema has no such table; check the name".into())
            });
            self.push(LintDiagnostic {
                span: id.span,
                severity: Severity::Error,
                code: Code::UnknownTable,
                message: format!("unknown table `{name}`"),
                help,
            });
        }
        Rel::unknown()
    }

    fn source_call(&mut self, c: &Call) -> Rel {
        for a in &c.args {
            self.expr(a, &Cols::Unknown);
        }
        match self.binding(&c.name.name) {
            Some(Binding::Function(r)) => r.clone().unwrap_or_else(Rel::unknown),
            Some(Binding::Tabular(r)) => r.clone(),
            _ => match self.schema.function(&c.name.name) {
                Some(f) => Rel::known(f.columns.iter().map(|(n, _)| n.clone()).collect()),
                None => Rel::unknown(),
            },
        }
    }

    fn source(&mut self, s: &Source) -> Rel {
        match s {
            Source::Table(id) => self.table_ref(id),
            Source::Call(c) => self.source_call(c),
            Source::Materialize(t) | Source::Paren(t) => self.tabular(t),
            Source::Union(u) => {
                let mut rel: Option<Rel> = None;
                for t in &u.tables {
                    let r = self.tabular(t);
                    match &mut rel {
                        Some(acc) => {
                            acc.cols.merge(&r.cols);
                            acc.pending.extend(r.pending);
                        }
                        None => rel = Some(r),
                    }
                }
                let mut rel = rel.unwrap_or_else(Rel::unknown);
                union_params(&u.params, &mut rel.cols);
                rel
            }
            Source::Datatable(d) => {
                Rel::known(d.columns.iter().map(|c| c.name.name.clone()).collect())
            }
            Source::ExternalData(x) => {
                Rel::known(x.columns.iter().map(|c| c.name.name.clone()).collect())
            }
            Source::Print(items) => {
                let mut cols = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    self.expr(&item.expr, &Cols::Unknown);
                    match item.names.as_slice() {
                        [] => cols.push(format!("print_{i}")),
                        names => cols.extend(names.iter().map(|n| n.name.clone())),
                    }
                }
                Rel::known(cols)
            }
            Source::Range(r) => {
                for e in [&r.from, &r.to, &r.step] {
                    self.expr(e, &Cols::Unknown);
                }
                Rel::known(vec![r.column.name.clone()])
            }
            Source::Search(s) => {
                self.expr(&s.predicate, &Cols::Unknown);
                Rel::unknown()
            }
            Source::Find(f) => {
                for t in &f.tables {
                    self.tabular(t);
                }
                Rel::unknown()
            }
            Source::Error(_) => Rel::unknown(),
        }
    }

    /// Checks the names an expression reads against `cols`; subqueries are checked in
    /// their own scope.
    fn expr(&mut self, e: &Expr, cols: &Cols) {
        struct Names<'c, 'a, 'b> {
            checker: &'c mut ScopeChecker<'a>,
            cols: &'b Cols,
        }
        impl Visitor for Names<'_, '_, '_> {
            fn expr(&mut self, e: &Expr) {
                match &e.kind {
                    ExprKind::Name(n) => self.checker.column(n, e.span, self.cols),
                    ExprKind::Tabular(t) => {
                        let rel = self.checker.tabular(t);
                        self.checker.report_pending(&rel);
                    }
                    // `bag.key`: only the bag is a column.
                    ExprKind::Member { expr, .. } => self.expr(expr),
                    // Argument names are not columns.
                    ExprKind::NamedArg { value, .. } => self.expr(value),
                    _ => visit::walk_expr(self, e),
                }
            }
        }
        if self.depth >= MAX_NESTING {
            return;
        }
        self.depth += 1;
        Names {
            checker: self,
            cols,
        }
        .expr(e);
        self.depth -= 1;
    }

    fn column(&mut self, name: &str, span: Span, cols: &Cols) {
        // Recording scopes for completion needs no findings (nor their "did you mean").
        if self.record.is_some()
            || cols.has(name)
            || name.starts_with('$')
            || self.binding(name).is_some()
        {
            return;
        }
        let Cols::Known(known) = cols else { return };
        // Only the case differs: the bundled schema may lag the service's spelling, so
        // this is a warning, not an error.
        if let Some(other) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
            self.push(LintDiagnostic {
                span,
                severity: Severity::Warning,
                code: Code::UnknownColumn,
                message: format!("column `{name}` is spelled `{other}` in the schema"),
                help: Some(format!("column names are case-sensitive: use `{other}`")),
            });
            return;
        }
        let help = help_did_you_mean(did_you_mean(name, known.iter().map(String::as_str)));
        self.push(LintDiagnostic {
            span,
            severity: Severity::Error,
            code: Code::UnknownColumn,
            message: format!("unknown column `{name}`"),
            help: help.or_else(|| Some("no column of that name is in scope here".into())),
        });
    }

    fn patterns_exist(&mut self, patterns: &[ColumnPattern], cols: &Cols) {
        for p in patterns.iter().filter(|p| !p.is_wildcard()) {
            self.column(&p.pattern, p.span, cols);
        }
    }

    /// Output names of `project`/`summarize by`-style items, `None` when one is implicit
    /// and we cannot be sure of its name.
    fn item_names(items: &[NamedExpr], out: &mut Vec<String>) -> bool {
        for item in items {
            if !item.names.is_empty() {
                out.extend(item.names.iter().map(|n| n.name.clone()));
                continue;
            }
            match implicit_name(&item.expr) {
                Some(n) => out.push(n),
                None => return false,
            }
        }
        true
    }

    fn op(&mut self, op: &Op, mut rel: Rel) -> Rel {
        match &op.kind {
            OpKind::Where(e) => {
                self.expr(e, &rel.cols);
                if mentions_time(e) {
                    rel.pending.clear();
                }
                rel
            }
            OpKind::Extend(items) | OpKind::Serialize(items) => {
                for item in items {
                    self.expr(&item.expr, &rel.cols);
                    if item.names.is_empty() {
                        match implicit_name(&item.expr) {
                            Some(n) => rel.cols.add(&n),
                            None => rel.cols = Cols::Unknown,
                        }
                    } else {
                        for n in &item.names {
                            rel.cols.add(&n.name);
                        }
                    }
                }
                rel
            }
            OpKind::Project(items) => {
                for item in items {
                    self.expr(&item.expr, &rel.cols);
                }
                let mut out = Vec::new();
                rel.cols = if Self::item_names(items, &mut out) {
                    Cols::Known(out)
                } else {
                    Cols::Unknown
                };
                rel
            }
            OpKind::ProjectAway(ps) => {
                self.patterns_exist(ps, &rel.cols);
                if let Cols::Known(c) = &mut rel.cols {
                    c.retain(|n| !ps.iter().any(|p| glob_matches(&p.pattern, n)));
                }
                rel
            }
            OpKind::ProjectKeep(ps) => {
                self.patterns_exist(ps, &rel.cols);
                if let Cols::Known(c) = &mut rel.cols {
                    c.retain(|n| ps.iter().any(|p| glob_matches(&p.pattern, n)));
                }
                rel
            }
            OpKind::ProjectRename(rs) => {
                for r in rs {
                    self.column(&r.old.name, r.old.span, &rel.cols);
                }
                if let Cols::Known(c) = &mut rel.cols {
                    for r in rs {
                        for n in c.iter_mut().filter(|n| **n == r.old.name) {
                            n.clone_from(&r.new.name);
                        }
                    }
                }
                rel
            }
            OpKind::ProjectReorder(items) => {
                for it in items.iter().filter(|it| !it.pattern.is_wildcard()) {
                    self.column(&it.pattern.pattern, it.pattern.span, &rel.cols);
                }
                rel
            }
            OpKind::Summarize { aggs, by, .. } => {
                for item in aggs.iter().chain(by) {
                    self.expr(&item.expr, &rel.cols);
                }
                let mut out = Vec::new();
                let known =
                    Self::item_names(by, &mut out) && aggregate_names(aggs, &rel.cols, &mut out);
                rel.cols = if known {
                    Cols::Known(out)
                } else {
                    Cols::Unknown
                };
                rel
            }
            OpKind::Sort(keys) => {
                for k in keys {
                    self.expr(&k.expr, &rel.cols);
                }
                rel
            }
            OpKind::Top { n, by } => {
                self.expr(n, &Cols::Unknown);
                self.expr(&by.expr, &rel.cols);
                rel
            }
            OpKind::Take(e) | OpKind::Sample(e) => {
                self.expr(e, &Cols::Unknown);
                rel
            }
            OpKind::Distinct(es) => {
                for e in es {
                    self.expr(e, &rel.cols);
                }
                if !es.iter().any(|e| e.kind == ExprKind::Star) {
                    let names: Option<Vec<String>> = es.iter().map(implicit_name).collect();
                    rel.cols = names.map_or(Cols::Unknown, Cols::Known);
                }
                rel
            }
            OpKind::Count => Rel {
                cols: Cols::Known(vec!["Count".into()]),
                pending: rel.pending,
            },
            OpKind::Join(j) | OpKind::Lookup(j) => {
                let lookup = matches!(op.kind, OpKind::Lookup(_));
                self.join(op.span, j, rel, lookup)
            }
            OpKind::Union(u) => {
                for t in &u.tables {
                    let r = self.tabular(t);
                    rel.cols.merge(&r.cols);
                    rel.pending.extend(r.pending);
                }
                union_params(&u.params, &mut rel.cols);
                rel
            }
            OpKind::MvExpand(m) => {
                for it in &m.items {
                    self.expr(&it.item.expr, &rel.cols);
                    for n in &it.item.names {
                        rel.cols.add(&n.name);
                    }
                    // An unnamed expression (`mv-expand parse_json(x).y`) gets a made-up name.
                    if it.item.names.is_empty() && it.item.expr.as_name().is_none() {
                        rel.cols = Cols::Unknown;
                    }
                }
                for p in &m.params {
                    if p.name.name == "with_itemindex"
                        && let Some(n) = p.value.as_name()
                    {
                        rel.cols.add(n);
                    }
                }
                rel
            }
            OpKind::MvApply(m) => {
                for it in &m.items {
                    self.expr(&it.item.expr, &rel.cols);
                }
                rel.cols = Cols::Unknown;
                rel
            }
            OpKind::Parse(p) | OpKind::ParseWhere(p) => {
                self.expr(&p.expr, &rel.cols);
                for part in &p.pattern {
                    if let ParsePart::Column { name, .. } = part {
                        rel.cols.add(&name.name);
                    }
                }
                rel
            }
            OpKind::ParseKv(p) => {
                self.expr(&p.expr, &rel.cols);
                for c in &p.columns {
                    rel.cols.add(&c.name.name);
                }
                rel
            }
            OpKind::MakeSeries(m) => {
                for a in &m.aggs {
                    self.expr(&a.agg.expr, &rel.cols);
                }
                self.expr(&m.on, &rel.cols);
                for item in &m.by {
                    self.expr(&item.expr, &rel.cols);
                }
                let mut out = Vec::new();
                let aggs: Vec<NamedExpr> = m.aggs.iter().map(|a| a.agg.clone()).collect();
                let known = Self::item_names(&m.by, &mut out)
                    && aggregate_names(&aggs, &rel.cols, &mut out)
                    && implicit_name(&m.on).map(|n| out.push(n)).is_some();
                rel.cols = if known {
                    Cols::Known(out)
                } else {
                    Cols::Unknown
                };
                rel
            }
            OpKind::Render { .. } | OpKind::As { .. } => rel,
            OpKind::Evaluate { plugin, schema, .. } => {
                for a in &plugin.args {
                    self.expr(a, &Cols::Unknown);
                }
                rel.cols = match schema {
                    Some(cols) => Cols::Known(cols.iter().map(|c| c.name.name.clone()).collect()),
                    None => Cols::Unknown,
                };
                rel
            }
            OpKind::Invoke(c) => {
                for a in &c.args {
                    self.expr(a, &Cols::Unknown);
                }
                match self.schema.function(&c.name.name) {
                    Some(f) if self.binding(&c.name.name).is_none() => {
                        for (n, _) in &f.columns {
                            rel.cols.add(n);
                        }
                    }
                    _ => rel.cols = Cols::Unknown,
                }
                rel
            }
            OpKind::SampleDistinct { n, of } => {
                self.expr(n, &Cols::Unknown);
                self.expr(of, &rel.cols);
                rel.cols = implicit_name(of).map_or(Cols::Unknown, |n| Cols::Known(vec![n]));
                rel
            }
            OpKind::Partition { body, .. } => {
                if let PartitionBody::Tabular(t) = body {
                    self.tabular(t);
                }
                rel.cols = Cols::Unknown;
                rel
            }
            OpKind::TopNested(_)
            | OpKind::Search(_)
            | OpKind::Facet { .. }
            | OpKind::Fork(_)
            | OpKind::Reduce { .. }
            | OpKind::GetSchema
            | OpKind::Scan
            | OpKind::Consume
            | OpKind::Unsupported(_)
            | OpKind::Unknown(_) => {
                rel.cols = Cols::Unknown;
                rel
            }
        }
    }

    fn join(&mut self, span: Span, j: &Join, mut left: Rel, lookup: bool) -> Rel {
        let mut right = self.tabular(&j.right);
        if let Some(r) = &mut self.record
            && r.only.is_none_or(|at| at == span.start)
        {
            r.joins
                .push((span.start, left.cols.names(), right.cols.names()));
        }
        for c in &j.on {
            match c {
                JoinCondition::Same(id) => {
                    self.column(&id.name, id.span, &left.cols);
                    self.column(&id.name, id.span, &right.cols);
                }
                JoinCondition::Equal {
                    left: l, right: r, ..
                } => {
                    self.column(&l.name, l.span, &left.cols);
                    self.column(&r.name, r.span, &right.cols);
                }
                JoinCondition::Expr(e) => self.expr(e, &Cols::Unknown),
            }
        }
        let unfiltered: Vec<String> = left
            .pending
            .iter()
            .chain(&right.pending)
            .filter(|p| !p.reported)
            .map(|p| format!("`{}`", p.table))
            .collect();
        if !unfiltered.is_empty() {
            let keyword = if lookup { "lookup" } else { "join" };
            let word_span = Span::new(span.start, span.start + keyword.len().min(span.len()));
            self.push(LintDiagnostic {
                span: word_span,
                severity: Severity::Warning,
                code: Code::JoinTimeFilter,
                message: format!(
                    "`{keyword}` with a side that has no time filter: {}",
                    unfiltered.join(", ")
                ),
                help: Some(
                    "filter both sides on `Timestamp` before the join; otherwise every row of \
                     the unfiltered side is read and matched"
                        .into(),
                ),
            });
            for p in left.pending.iter_mut().chain(right.pending.iter_mut()) {
                p.reported = true;
            }
        }
        let cols = match (j.kind, &left.cols, &right.cols) {
            (Some(JoinKind::LeftAnti | JoinKind::LeftSemi), _, _) => left.cols.clone(),
            (Some(JoinKind::RightAnti | JoinKind::RightSemi), _, _) => right.cols.clone(),
            (_, Cols::Known(l), Cols::Known(r)) => {
                let keys: Vec<&str> =
                    j.on.iter()
                        .filter_map(|c| match c {
                            JoinCondition::Same(id) => Some(id.name.as_str()),
                            _ => None,
                        })
                        .collect();
                let mut out = l.clone();
                for n in r {
                    if !(lookup && keys.contains(&n.as_str())) {
                        // The right side's copy of a duplicate name gets a number.
                        push_unique(&mut out, n);
                    }
                }
                Cols::Known(out)
            }
            _ => Cols::Unknown,
        };
        left.pending.append(&mut right.pending);
        Rel {
            cols,
            pending: left.pending,
        }
    }
}

fn param_binding(p: &Param) -> Binding {
    match &p.ty {
        ParamType::Scalar(_) => Binding::Scalar,
        // A tabular parameter has at least its declared columns, perhaps more.
        ParamType::Tabular(_) => Binding::Tabular(Rel::unknown()),
    }
}

fn union_params(params: &[Property], cols: &mut Cols) {
    for p in params {
        if p.name.name == "withsource"
            && let Some(n) = p.value.as_name()
        {
            cols.add(n);
        }
    }
}

/// Adds `name`, or when it is taken the next free `name1`, `name2`, ... (how KQL names
/// duplicate output columns).
fn push_unique(out: &mut Vec<String>, name: &str) {
    if !out.iter().any(|n| n == name) {
        out.push(name.to_string());
        return;
    }
    for k in 1.. {
        let candidate = format!("{name}{k}");
        if !out.contains(&candidate) {
            out.push(candidate);
            return;
        }
    }
}

/// The column name KQL gives an unnamed expression, when we are sure of it.
fn implicit_name(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(n) => Some(n.clone()),
        // `bin(Timestamp, 1h)` keeps the column's name.
        ExprKind::Call(c)
            if matches!(c.name.name.as_str(), "bin" | "floor" | "bin_at")
                && c.args.first().is_some_and(|a| a.as_name().is_some()) =>
        {
            c.args.first().and_then(Expr::as_name).map(str::to_string)
        }
        _ => None,
    }
}

/// Output names of aggregates; false when one is unnamed and we are not sure of its name.
/// Where KQL's naming is subtle (`arg_max(x, *)`), more names are added rather than fewer:
/// an extra name only hides a finding, a missing one invents a false one.
fn aggregate_names(aggs: &[NamedExpr], input: &Cols, out: &mut Vec<String>) -> bool {
    for item in aggs {
        let call = match &item.expr.kind {
            ExprKind::Call(c) => Some(c),
            _ => None,
        };
        let name = call.map_or("", |c| c.name.name.as_str());
        if matches!(
            name,
            "arg_max" | "arg_min" | "take_any" | "any" | "argmax" | "argmin"
        ) {
            // Names given replace the arguments' names in order; the rest keep theirs.
            let args = call.map_or(&[][..], |c| c.args.as_slice());
            for (i, a) in args.iter().enumerate() {
                if let Some(n) = item.names.get(i) {
                    push_unique(out, &n.name);
                    continue;
                }
                match &a.kind {
                    ExprKind::Star => match input {
                        Cols::Known(cols) => {
                            for n in cols {
                                if out.contains(n) {
                                    push_unique(out, n);
                                } else {
                                    out.push(n.clone());
                                }
                            }
                        }
                        Cols::Unknown => return false,
                    },
                    ExprKind::Name(n) => push_unique(out, n),
                    _ => return false,
                }
            }
            continue;
        }
        if !item.names.is_empty() {
            for n in &item.names {
                push_unique(out, &n.name);
            }
            continue;
        }
        let Some(c) = call else { return false };
        let first = c.args.first().and_then(Expr::as_name);
        let implicit = match name {
            "count" if c.args.is_empty() => "count_".to_string(),
            "countif" => "countif_".to_string(),
            "dcount" | "sum" | "avg" | "min" | "max" | "stdev" | "variance" | "dcountif"
            | "sumif" | "avgif" | "minif" | "maxif" => match first {
                Some(f) => format!("{name}_{f}"),
                None => return false,
            },
            "make_set" | "makeset" | "make_set_if" => match first {
                Some(f) => format!("set_{f}"),
                None => return false,
            },
            "make_list" | "makelist" | "make_list_if" => match first {
                Some(f) => format!("list_{f}"),
                None => return false,
            },
            _ => return false,
        };
        push_unique(out, &implicit);
    }
    true
}

// ---- pass 2: functions, deprecated names, contains/has, lookback -------------------------

struct ExprChecker<'a> {
    src: &'a str,
    schema: &'a DefenderSchema,
    now: i64,
    bound: &'a HashSet<String>,
    timespans: HashMap<String, i64>,
    /// Directly inside `summarize`/`make-series` aggregates.
    in_aggregation: bool,
    /// Calls already checked (by name span).
    checked: HashSet<Span>,
    out: Vec<LintDiagnostic>,
}

impl ExprChecker<'_> {
    fn is_function(&self, name: &str) -> bool {
        sorted_contains(names::SCALAR_FUNCTIONS, name)
            || sorted_contains(names::AGGREGATION_FUNCTIONS, name)
            || self.schema.function(name).is_some()
            || self.bound.contains(name)
            || ScalarType::from_name(name).is_some()
            || matches!(name, "toscalar" | "materialize" | "datatable" | "view")
    }

    fn call(&mut self, c: &Call, plugin: bool) {
        self.checked.insert(c.name.span);
        let name = c.name.name.as_str();
        let known = if plugin {
            sorted_contains(names::PLUGINS, name) || self.bound.contains(name)
        } else {
            self.is_function(name)
        };
        if !known && !name.is_empty() {
            let suggestion = if plugin {
                did_you_mean(name, names::PLUGINS.iter().copied())
            } else {
                did_you_mean(
                    name,
                    names::SCALAR_FUNCTIONS
                        .iter()
                        .chain(names::AGGREGATION_FUNCTIONS)
                        .copied()
                        .chain(self.schema.functions.iter().map(|f| f.name.as_str()))
                        .chain(self.bound.iter().map(String::as_str)),
                )
            };
            let what = if plugin { "plugin" } else { "function" };
            self.out.push(LintDiagnostic {
                span: c.name.span,
                severity: Severity::Error,
                code: Code::UnknownFunction,
                message: format!("unknown {what} `{name}`"),
                help: help_did_you_mean(suggestion),
            });
            return;
        }
        if self.bound.contains(name) {
            return;
        }
        let replacement = if plugin {
            deprecated(names::DEPRECATED_PLUGINS, name)
        } else {
            deprecated(names::DEPRECATED_SCALAR, name).or_else(|| {
                let agg = deprecated(names::DEPRECATED_AGGREGATION, name)?;
                (self.in_aggregation || !sorted_contains(names::SCALAR_FUNCTIONS, name))
                    .then_some(agg)
            })
        };
        if let Some(use_instead) = replacement {
            self.out.push(LintDiagnostic {
                span: c.name.span,
                severity: Severity::Warning,
                code: Code::Deprecated,
                message: format!("`{name}` is deprecated"),
                help: Some(format!("use {use_instead}")),
            });
        }
        if name == "ago"
            && let [arg] = c.args.as_slice()
        {
            let ticks = match &arg.kind {
                ExprKind::Literal(Literal::TimeSpan(t)) => Some(*t),
                ExprKind::Name(n) => self.timespans.get(n).copied(),
                _ => None,
            };
            if let Some(t) = ticks
                && t > MAX_LOOKBACK_DAYS * TICKS_PER_DAY
            {
                self.lookback(arg.span, "`ago(...)` reaches");
            }
        }
    }

    fn lookback(&mut self, span: Span, what: &str) {
        self.out.push(LintDiagnostic {
            span,
            severity: Severity::Warning,
            code: Code::Lookback,
            message: format!(
                "{what} further back than the {MAX_LOOKBACK_DAYS} days advanced hunting keeps"
            ),
            help: Some(format!(
                "older data is not there: use at most {MAX_LOOKBACK_DAYS}d"
            )),
        });
    }

    /// `Timestamp <op> datetime(...)` with a datetime older than the retention.
    fn old_datetime(&mut self, e: &Expr) {
        if let ExprKind::Literal(Literal::DateTime(text)) = &e.kind
            && let Some(t) = parse_datetime(text)
            && t < self.now - MAX_LOOKBACK_DAYS * TICKS_PER_DAY
        {
            self.lookback(e.span, "this date is");
        }
    }

    fn binary(&mut self, op: BinOp, lhs: &Expr, rhs: &Expr) {
        use BinOp::*;
        if matches!(op, Lt | Le | Gt | Ge | Eq | NotEq) {
            if lhs.as_name().is_some_and(is_time_column) {
                self.old_datetime(rhs);
            } else if rhs.as_name().is_some_and(is_time_column) {
                self.old_datetime(lhs);
            }
        }
        let (word, better) = match op {
            Contains => ("contains", "has"),
            NotContains => ("!contains", "!has"),
            ContainsCs => ("contains_cs", "has_cs"),
            NotContainsCs => ("!contains_cs", "!has_cs"),
            _ => return,
        };
        let ExprKind::Literal(Literal::String(needle)) = &rhs.kind else {
            return;
        };
        if needle.len() < 3 || !needle.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return;
        }
        // The operator's own span: the word between the operands.
        let between = Span::new(lhs.span.end, rhs.span.start);
        let text = between.text(self.src);
        let span = text
            .find(word)
            .map(|at| Span::new(between.start + at, between.start + at + word.len()))
            .unwrap_or(between);
        self.out.push(LintDiagnostic {
            span,
            severity: Severity::Warning,
            code: Code::ContainsHas,
            message: format!("`{word}` on the whole term \"{needle}\""),
            help: Some(format!(
                "use `{better}`: has is faster and matches whole terms (it uses the term index; \
                 keep `{word}` only if \"{needle}\" may be part of a longer word)"
            )),
        });
    }
}

impl Visitor for ExprChecker<'_> {
    fn tabular(&mut self, t: &Tabular) {
        if let Source::Call(c) = &t.source {
            self.call(c, false);
        }
        visit::walk_tabular(self, t)
    }

    fn op(&mut self, op: &Op) {
        match &op.kind {
            OpKind::Summarize { aggs, .. } => {
                for a in aggs {
                    if let ExprKind::Call(c) = &a.expr.kind {
                        self.in_aggregation = true;
                        self.call(c, false);
                        self.in_aggregation = false;
                    }
                }
            }
            OpKind::MakeSeries(m) => {
                for a in &m.aggs {
                    if let ExprKind::Call(c) = &a.agg.expr.kind {
                        self.in_aggregation = true;
                        self.call(c, false);
                        self.in_aggregation = false;
                    }
                }
            }
            OpKind::Evaluate { plugin, .. } => self.call(plugin, true),
            OpKind::Invoke(c) => self.call(c, false),
            OpKind::MvExpand(_)
                if self
                    .src
                    .get(op.span.start..)
                    .is_some_and(|s| s.starts_with("mvexpand")) =>
            {
                self.out.push(LintDiagnostic {
                    span: Span::new(op.span.start, op.span.start + "mvexpand".len()),
                    severity: Severity::Warning,
                    code: Code::Deprecated,
                    message: "`mvexpand` is a legacy spelling".into(),
                    help: Some("use `mv-expand`".into()),
                });
            }
            _ => {}
        }
        visit::walk_op(self, op)
    }

    fn expr(&mut self, e: &Expr) {
        match &e.kind {
            // Aggregates of summarize were checked in `op`, with their context.
            ExprKind::Call(c) if !self.checked.contains(&c.name.span) => self.call(c, false),
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs),
            ExprKind::Between { expr, low, .. } if expr.as_name().is_some_and(is_time_column) => {
                self.old_datetime(low)
            }
            _ => {}
        }
        visit::walk_expr(self, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globbing() {
        assert!(glob_matches("Device*", "DeviceEvents"));
        assert!(glob_matches("*Events", "DeviceEvents"));
        assert!(glob_matches("D*e*s", "DeviceEvents"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("Initiating*", "InitiatingProcessId"));
        assert!(!glob_matches("Exact", "Exactly"));
        assert!(!glob_matches("Device*", "EmailEvents"));
        assert!(!glob_matches("A*B*C", "AxxC"));
        assert!(glob_matches("Exact", "Exact"));
    }

    #[test]
    fn suggestions() {
        let c = ["FileName", "FolderPath", "Timestamp"];
        assert_eq!(did_you_mean("filename", c), Some("FileName"));
        assert_eq!(did_you_mean("FileNme", c), Some("FileName"));
        assert_eq!(did_you_mean("Xyzzy", c), None);
        assert_eq!(did_you_mean("FileName", c), None);
    }

    #[test]
    fn generated_lists_are_sorted_for_binary_search() {
        for l in [
            names::SCALAR_FUNCTIONS,
            names::AGGREGATION_FUNCTIONS,
            names::PLUGINS,
        ] {
            assert!(l.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(sorted_contains(names::SCALAR_FUNCTIONS, "tolower"));
        assert!(sorted_contains(names::AGGREGATION_FUNCTIONS, "make_set"));
    }

    #[test]
    fn codes_are_distinct() {
        let codes: HashSet<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(codes.len(), Code::ALL.len());
    }
}
