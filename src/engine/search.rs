//! `search`: rows of the named tables (all tables without `in (...)`, or the piped
//! input) where the predicate holds. A bare string term in the predicate means "some
//! column has this term" (case-insensitive unless `kind=case_sensitive`; `*` at an end
//! of the term matches a prefix, a suffix or, at both ends, any substring). Over tables,
//! the output starts with `$table`; a table lacking a column the predicate names is
//! skipped, as Kusto's search does.

use std::sync::Arc;

use super::ops::filter;
use super::run::resolve_table;
use super::scope::Scope;
use super::union::combine_legs;
use super::{EngineError, ErrorKind, Loc};
use crate::data::Table;
use crate::kql::ast::{BinOp, Expr, ExprKind, Literal, Search};

/// `search ...` as a source.
pub fn source(scope: &Scope<'_>, s: &Search) -> Result<Table, EngineError> {
    let loc = Loc(s.span);
    let names: Vec<String> = if s.tables.is_empty() {
        scope.catalog.names().map(str::to_string).collect()
    } else {
        s.tables.iter().map(|t| t.name.clone()).collect()
    };
    let mut legs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let span = s.tables.get(i).map_or(s.span, |t| t.span);
        let table = resolve_table(scope, name, span)?;
        match matching(scope, table, s) {
            Ok(rows) => legs.push((name.clone(), rows)),
            Err(e) if e.kind == ErrorKind::Semantic => {}
            Err(e) => return Err(e),
        }
    }
    combine_legs(legs, false, Some("$table".into()), loc)
}

/// `T | search ...`.
pub fn operator(
    table: Arc<Table>,
    s: &Search,
    scope: &Scope<'_>,
) -> Result<Arc<Table>, EngineError> {
    matching(scope, table, s)
}

fn matching(scope: &Scope<'_>, table: Arc<Table>, s: &Search) -> Result<Arc<Table>, EngineError> {
    let case_sensitive = s.params.iter().any(|p| {
        p.name.name.eq_ignore_ascii_case("kind")
            && matches!(&p.value.kind, ExprKind::Name(n) if n == "case_sensitive")
    });
    let columns: Vec<String> = table.columns().iter().map(|c| c.name.clone()).collect();
    let pred = terms(&s.predicate, &columns, case_sensitive);
    filter(table, &pred, scope, None)
}

/// The predicate with bare string terms replaced by "some column has the term".
fn terms(e: &Expr, columns: &[String], cs: bool) -> Expr {
    let kind = match &e.kind {
        ExprKind::Literal(Literal::String(term)) => return any_column(term, columns, cs, e),
        ExprKind::Binary { op, lhs, rhs } if op.is_logical() => ExprKind::Binary {
            op: *op,
            lhs: Box::new(terms(lhs, columns, cs)),
            rhs: Box::new(terms(rhs, columns, cs)),
        },
        ExprKind::Call(c) if c.name.name == "not" => ExprKind::Call(crate::kql::ast::Call {
            name: c.name.clone(),
            args: c.args.iter().map(|a| terms(a, columns, cs)).collect(),
            span: c.span,
        }),
        _ => return e.clone(),
    };
    Expr { kind, span: e.span }
}

fn any_column(term: &str, columns: &[String], cs: bool, at: &Expr) -> Expr {
    let (op, text) = match (term.starts_with('*'), term.ends_with('*') && term.len() > 1) {
        (true, true) => (
            if cs {
                BinOp::ContainsCs
            } else {
                BinOp::Contains
            },
            &term[1..term.len() - 1],
        ),
        (false, true) => (
            if cs {
                BinOp::HasPrefixCs
            } else {
                BinOp::HasPrefix
            },
            &term[..term.len() - 1],
        ),
        (true, false) => (
            if cs {
                BinOp::HasSuffixCs
            } else {
                BinOp::HasSuffix
            },
            &term[1..],
        ),
        (false, false) => (if cs { BinOp::HasCs } else { BinOp::Has }, term),
    };
    let mk = |kind| Expr {
        kind,
        span: at.span,
    };
    let mut out: Option<Expr> = None;
    for c in columns {
        let test = mk(ExprKind::Binary {
            op,
            lhs: Box::new(mk(ExprKind::Name(c.clone()))),
            rhs: Box::new(mk(ExprKind::Literal(Literal::String(text.to_string())))),
        });
        out = Some(match out {
            None => test,
            Some(prev) => mk(ExprKind::Binary {
                op: BinOp::Or,
                lhs: Box::new(prev),
                rhs: Box::new(test),
            }),
        });
    }
    out.unwrap_or_else(|| mk(ExprKind::Literal(Literal::Bool(false))))
}
