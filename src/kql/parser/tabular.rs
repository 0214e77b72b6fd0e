//! Tabular expressions: pipelines, their sources (tables, calls, `union`, `datatable`,
//! `externaldata`, `print`, `range`, `search`, `find`, parentheses), and operator
//! parameters/properties shared by many operators.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::lexer::TokenKind as K;
use crate::kql::span::Span;

/// Either a tabular expression or a scalar expression (the parser cannot always tell).
pub(super) enum TabOrExpr {
    Tab(Tabular),
    Expr(Expr),
}

impl Parser<'_> {
    /// Parses an expression that may continue with `| op ...` (making it tabular).
    pub(super) fn parse_pipe_expr(&mut self) -> TabOrExpr {
        let start = self.cur_span().start;
        if !self.enter() {
            self.skip_to_boundary();
            return TabOrExpr::Expr(Expr::error(self.span_from(start)));
        }
        let r = self.parse_pipe_expr_inner();
        self.leave();
        r
    }

    fn parse_pipe_expr_inner(&mut self) -> TabOrExpr {
        let start = self.cur_span().start;
        if let Some(source) = self.try_tabular_source() {
            let ops = self.parse_pipeline_ops();
            return TabOrExpr::Tab(Tabular {
                source,
                ops,
                span: self.span_from(start),
            });
        }
        let before = self.pos;
        let e = self.parse_expr();
        // A hole that consumed nothing must not adopt the following `| op` (it belongs
        // to an enclosing pipeline: `extend x = f(1,` then `| take 5`).
        if self.at(K::Pipe) && self.pos > before {
            let source = self.expr_into_source(e);
            let ops = self.parse_pipeline_ops();
            return TabOrExpr::Tab(Tabular {
                source,
                ops,
                span: self.span_from(start),
            });
        }
        TabOrExpr::Expr(e)
    }

    /// Parses a pipe expression and makes it a `Tabular` (reporting non-tabular shapes).
    pub(super) fn parse_tabular(&mut self) -> Tabular {
        match self.parse_pipe_expr() {
            TabOrExpr::Tab(t) => t,
            TabOrExpr::Expr(e) => self.expr_into_tabular(e),
        }
    }

    /// Wraps an expression as a source-only tabular expression.
    pub(super) fn expr_into_tabular(&mut self, e: Expr) -> Tabular {
        if let ExprKind::Tabular(t) = e.kind {
            return *t;
        }
        let span = e.span;
        Tabular {
            source: self.expr_into_source(e),
            ops: Vec::new(),
            span,
        }
    }

    /// Interprets an expression as the source of a pipeline.
    pub(super) fn expr_into_source(&mut self, e: Expr) -> Source {
        match e.kind {
            ExprKind::Name(name) => Source::Table(Ident { name, span: e.span }),
            ExprKind::Call(c) if c.name.name == "materialize" && c.args.len() == 1 => {
                let span = c.span;
                match c.args.into_iter().next() {
                    Some(arg) => Source::Materialize(Box::new(self.expr_into_tabular(arg))),
                    None => Source::Error(span),
                }
            }
            ExprKind::Call(c) => Source::Call(c),
            ExprKind::Tabular(t) => Source::Paren(t),
            ExprKind::Error => Source::Error(e.span),
            _ => {
                self.error(e.span, "expected a table name or tabular expression here");
                Source::Error(e.span)
            }
        }
    }

    /// `| op | op ...` (zero or more), with recovery after each operator.
    pub(super) fn parse_pipeline_ops(&mut self) -> Vec<Op> {
        let mut ops = Vec::new();
        while self.eat(K::Pipe).is_some() {
            ops.push(self.parse_op());
            self.recover_to_boundary("operator");
        }
        ops
    }

    /// `op | op ...` without a source (bodies of `mv-apply`, `partition`, `fork`, `facet`).
    pub(super) fn parse_op_chain(&mut self) -> Vec<Op> {
        let mut ops = Vec::new();
        if !self.at_boundary() {
            ops.push(self.parse_op());
            self.recover_to_boundary("operator");
        } else if !self.at(K::Pipe) {
            self.error_expected("an operator");
        }
        ops.extend(self.parse_pipeline_ops());
        ops
    }

    /// `( op | op ... )`.
    pub(super) fn parse_paren_op_chain(&mut self) -> Vec<Op> {
        let open = self.cur_span();
        if !self.expect(K::LParen, "'(' and a subquery") {
            return Vec::new();
        }
        if !self.enter() {
            self.close(K::RParen, open);
            return Vec::new();
        }
        let ops = self.parse_op_chain();
        self.leave();
        self.close(K::RParen, open);
        ops
    }

    /// Sources that only make sense as tables: `union`, `datatable`, `print`, ...
    fn try_tabular_source(&mut self) -> Option<Source> {
        if self.kind(0) != Some(K::Ident) {
            return None;
        }
        let next = self.kind(1);
        let start = self.cur_span().start;
        match self.text(0) {
            "union" if !matches!(next, Some(K::Eq | K::EqEq | K::Comma | K::RParen) | None) => {
                self.bump();
                Some(Source::Union(self.parse_union_body(start)))
            }
            "datatable" if next == Some(K::LParen) => {
                self.bump();
                Some(Source::Datatable(self.parse_datatable(start)))
            }
            "externaldata" | "external_data" if next == Some(K::LParen) => {
                self.bump();
                Some(Source::ExternalData(self.parse_externaldata(start)))
            }
            "print" if !matches!(next, Some(K::Eq | K::EqEq | K::Comma | K::RParen)) => {
                self.bump();
                let items = self.parse_named_list();
                Some(Source::Print(items))
            }
            "range" if next == Some(K::Ident) && self.is_word(2, "from") => {
                self.bump();
                Some(Source::Range(Box::new(self.parse_range(start))))
            }
            "search"
                if !matches!(
                    next,
                    Some(K::Eq | K::EqEq | K::Comma | K::RParen | K::LParen) | None
                ) =>
            {
                self.bump();
                Some(Source::Search(Box::new(self.parse_search_body(start))))
            }
            "find"
                if matches!(
                    self.text(1),
                    "in" | "where" | "withsource" | "datascope" | "kind"
                ) =>
            {
                self.bump();
                Some(Source::Find(Box::new(self.parse_find(start))))
            }
            _ => None,
        }
    }

    // ---- parameters -------------------------------------------------------------------

    /// True when a `name=` parameter from `allowed` (or any `hint.*`) starts here.
    fn at_param(&self, allowed: &[&str]) -> bool {
        if self.kind(0) != Some(K::Ident) {
            return false;
        }
        let w = self.text(0);
        if w == "hint" && self.kind(1) == Some(K::Dot) {
            return true;
        }
        allowed.contains(&w) && self.kind(1) == Some(K::Eq)
    }

    /// `name=value` operator parameters (`kind=inner hint.strategy=shuffle`).
    pub(super) fn parse_params(&mut self, allowed: &[&str]) -> Vec<Property> {
        let mut out = Vec::new();
        while self.at_param(allowed) {
            let before = self.pos;
            out.push(self.parse_property());
            if self.pos == before {
                break;
            }
        }
        out
    }

    /// One `a.b.c = value` property.
    pub(super) fn parse_property(&mut self) -> Property {
        let start = self.cur_span().start;
        let name = self.parse_dotted_name();
        self.expect(K::Eq, "'=' after the property name");
        let value = self.parse_param_value();
        Property {
            name,
            value,
            span: self.span_from(start),
        }
    }

    /// A parameter value: a bare word (never a call: `kind=inner (T)`) or a literal.
    fn parse_param_value(&mut self) -> Expr {
        if self.kind(0) == Some(K::Ident) {
            let span = self.cur_span();
            let name = self.text(0).to_string();
            self.bump();
            return Expr {
                kind: ExprKind::Name(name),
                span,
            };
        }
        self.parse_unary()
    }

    /// `a.b.c` joined by dots (for hint names and properties).
    fn parse_dotted_name(&mut self) -> Ident {
        let start = self.cur_span().start;
        let mut name = self.expect_name("a property name").name;
        while self.at(K::Dot) && self.kind(1) == Some(K::Ident) {
            self.bump();
            name.push('.');
            name.push_str(self.text(0));
            self.bump();
        }
        Ident {
            name,
            span: self.span_from(start),
        }
    }

    /// `( name = value, ... )`.
    pub(super) fn parse_property_list(&mut self) -> Vec<Property> {
        let mut out = Vec::new();
        let open = self.cur_span();
        if !self.expect(K::LParen, "'(' and properties") {
            return out;
        }
        while self.name_len_at(0).is_some() {
            out.push(self.parse_property());
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        self.close(K::RParen, open);
        out
    }

    // ---- sources ----------------------------------------------------------------------

    /// After `union`: parameters and legs.
    pub(super) fn parse_union_body(&mut self, start: usize) -> Union {
        let params = self.parse_params(&["kind", "withsource", "isfuzzy"]);
        let mut tables = Vec::new();
        loop {
            if let Some(p) = self.parse_wildcard_name() {
                tables.push(Tabular {
                    source: Source::Table(Ident {
                        name: p.pattern,
                        span: p.span,
                    }),
                    ops: Vec::new(),
                    span: p.span,
                });
            } else if self.at(K::LParen) || self.name_len_at(0).is_some() {
                let e = self.parse_postfix();
                tables.push(self.expr_into_tabular(e));
            } else {
                self.error_expected("a table to union");
                break;
            }
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        Union {
            params,
            tables,
            span: self.span_from(start),
        }
    }

    /// A name containing `*` written without spaces (`Device*`, `*Events`).
    pub(super) fn parse_wildcard_name(&mut self) -> Option<ColumnPattern> {
        let mut n = 0;
        let mut has_star = false;
        while let Some(k) = self.kind(n) {
            let ok = match k {
                K::Ident => true,
                K::Star => {
                    has_star = true;
                    true
                }
                _ => false,
            };
            if !ok || (n > 0 && !self.adjacent(n)) {
                break;
            }
            n += 1;
        }
        if !has_star || n == 0 {
            return None;
        }
        let start = self.cur_span().start;
        let mut pattern = String::new();
        for _ in 0..n {
            pattern.push_str(self.text(0));
            self.bump();
        }
        Some(ColumnPattern {
            pattern,
            span: self.span_from(start),
        })
    }

    fn parse_datatable(&mut self, start: usize) -> Datatable {
        let open = self.cur_span();
        let mut columns = Vec::new();
        if self.expect(K::LParen, "'(' and the datatable schema") {
            columns = self.parse_column_decls_until_close();
            self.close(K::RParen, open);
        }
        let values = self.parse_bracket_values("the datatable values");
        Datatable {
            columns,
            values,
            span: self.span_from(start),
        }
    }

    /// `[ expr, expr, ... ]` (a trailing comma is allowed).
    fn parse_bracket_values(&mut self, what: &str) -> Vec<Expr> {
        let mut values = Vec::new();
        let open = self.cur_span();
        if !self.expect(K::LBracket, &format!("'[' and {what}")) {
            return values;
        }
        while !self.at(K::RBracket) && !self.at_eof() {
            let before = self.pos;
            values.push(self.parse_expr());
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        self.close(K::RBracket, open);
        values
    }

    fn parse_externaldata(&mut self, start: usize) -> ExternalData {
        let open = self.cur_span();
        let mut columns = Vec::new();
        if self.expect(K::LParen, "'(' and the externaldata schema") {
            columns = self.parse_column_decls_until_close();
            self.close(K::RParen, open);
        }
        let urls = self.parse_bracket_values("the storage URLs");
        let props = if self.eat_word("with").is_some() {
            self.parse_property_list()
        } else {
            Vec::new()
        };
        ExternalData {
            columns,
            urls,
            props,
            span: self.span_from(start),
        }
    }

    fn parse_range(&mut self, start: usize) -> RangeSource {
        let column = self.expect_name("the range column name");
        self.expect_word("from");
        let from = self.parse_expr();
        self.expect_word("to");
        let to = self.parse_expr();
        self.expect_word("step");
        let step = self.parse_expr();
        RangeSource {
            column,
            from,
            to,
            step,
            span: self.span_from(start),
        }
    }

    /// After `search`: `[kind=..] [in (T, ...)] predicate`.
    pub(super) fn parse_search_body(&mut self, start: usize) -> Search {
        let params = self.parse_params(&["kind"]);
        let mut tables = Vec::new();
        if self.at_word("in") && self.kind(1) == Some(K::LParen) {
            self.bump();
            let open = self.cur_span();
            self.bump();
            while let Some(t) = self
                .parse_wildcard_name()
                .map(|p| Ident {
                    name: p.pattern,
                    span: p.span,
                })
                .or_else(|| self.eat_name())
            {
                tables.push(t);
                if self.eat(K::Comma).is_none() {
                    break;
                }
            }
            self.close(K::RParen, open);
        }
        let predicate = self.parse_search_predicate();
        Search {
            params,
            tables,
            predicate,
            span: self.span_from(start),
        }
    }

    /// A search predicate; `Col:"term"` becomes `Col has "term"`.
    fn parse_search_predicate(&mut self) -> Expr {
        let e = self.parse_expr();
        if self.eat(K::Colon).is_some() {
            let rhs = self.parse_expr();
            let span = e.span.to(rhs.span);
            return Expr {
                kind: ExprKind::Binary {
                    op: BinOp::Has,
                    lhs: Box::new(e),
                    rhs: Box::new(rhs),
                },
                span,
            };
        }
        e
    }

    fn parse_find(&mut self, start: usize) -> Find {
        let params = self.parse_params(&["withsource", "datascope", "kind"]);
        let mut tables = Vec::new();
        if self.at_word("in") && self.kind(1) == Some(K::LParen) {
            self.bump();
            let open = self.cur_span();
            self.bump();
            loop {
                if let Some(p) = self.parse_wildcard_name() {
                    tables.push(Tabular {
                        source: Source::Table(Ident {
                            name: p.pattern,
                            span: p.span,
                        }),
                        ops: Vec::new(),
                        span: p.span,
                    });
                } else {
                    tables.push(self.parse_tabular());
                }
                if self.eat(K::Comma).is_none() {
                    break;
                }
            }
            self.close(K::RParen, open);
        }
        self.expect_word("where");
        let predicate = self.parse_expr();
        let mut project = Vec::new();
        if self.eat_word("project").is_some() || self.eat_word("project-smart").is_some() {
            loop {
                project.push(self.parse_expr());
                if self.eat(K::Comma).is_none() {
                    break;
                }
            }
        }
        Find {
            params,
            tables,
            predicate,
            project,
            span: self.span_from(start),
        }
    }

    /// Comma-separated `[name =] expr` items (possibly empty at a boundary).
    pub(super) fn parse_named_list(&mut self) -> Vec<NamedExpr> {
        let mut out = Vec::new();
        if self.at_boundary() {
            return out;
        }
        loop {
            let before = self.pos;
            out.push(self.parse_named_expr());
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        out
    }

    /// `e`, `name = e`, or `(a, b) = e`.
    pub(super) fn parse_named_expr(&mut self) -> NamedExpr {
        let start = self.cur_span().start;
        let mut names = Vec::new();
        if let Some(n) = self.tuple_target_len() {
            let open = self.cur_span();
            self.bump();
            while let Some(id) = self.eat_name() {
                names.push(id);
                if self.eat(K::Comma).is_none() {
                    break;
                }
            }
            self.close(K::RParen, open);
            self.expect(K::Eq, "'='");
            debug_assert!(n > 0);
        } else if let Some(len) = self.name_len_at(0)
            && self.kind(len) == Some(K::Eq)
        {
            if let Some(id) = self.eat_name() {
                names.push(id);
            }
            self.bump(); // =
        }
        let expr = self.parse_expr();
        NamedExpr {
            names,
            expr,
            span: self.span_from(start),
        }
    }

    /// If `( a, b, ... ) =` starts here, the number of tokens before `=`.
    fn tuple_target_len(&self) -> Option<usize> {
        if !self.at(K::LParen) {
            return None;
        }
        let mut n = 1;
        loop {
            n += self.name_len_at(n)?;
            match self.kind(n)? {
                K::Comma => n += 1,
                K::RParen => {
                    return (self.kind(n + 1) == Some(K::Eq)).then_some(n + 1);
                }
                _ => return None,
            }
        }
    }

    /// Empty span helper for error holes.
    pub(super) fn hole(&self) -> Expr {
        Expr::error(Span::empty(self.cur_span().start))
    }
}
