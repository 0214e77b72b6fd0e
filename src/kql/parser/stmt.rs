//! Statements: `let` (values and functions), `set`, `declare query_parameters`, queries;
//! plus parameter lists and type names shared with tabular sources.

use super::Parser;
use super::tabular::TabOrExpr;
use crate::kql::ast::*;
use crate::kql::lexer::TokenKind as K;
use crate::kql::span::Span;

impl Parser<'_> {
    /// Parses `;`-separated statements until the end (or a `}` when `in_braces`).
    pub(super) fn parse_statements(&mut self, in_braces: bool) -> Vec<Statement> {
        let mut out = Vec::new();
        loop {
            while self.eat(K::Semi).is_some() {}
            if self.at_eof() || (in_braces && self.at(K::RBrace)) {
                break;
            }
            let before = self.pos;
            let stmt = self.parse_statement();
            out.push(stmt);
            if self.eat(K::Semi).is_some() {
                continue;
            }
            if self.at_eof() || (in_braces && self.at(K::RBrace)) {
                break;
            }
            // Something is left over: report it, then skip it.
            let msg = format!(
                "unexpected {}; statements are separated by ';'",
                self.found()
            );
            self.error(self.cur_span(), msg);
            if !self.skip_to_boundary() || self.pos == before {
                // Stuck on a closer or a pipe: drop one token to make progress.
                if in_braces && self.at(K::RBrace) {
                    break;
                }
                self.bump();
            }
        }
        out
    }

    fn parse_statement(&mut self) -> Statement {
        let start = self.cur_span().start;
        // `let` is reserved at statement start, so a half-typed `let` still reads as one.
        if self.at_word("let") && !matches!(self.kind(1), Some(K::Pipe | K::Dot)) {
            return self.parse_let();
        }
        if self.at_word("set")
            && self.kind(1) == Some(K::Ident)
            && matches!(
                self.kind(2),
                Some(K::Eq | K::Semi | K::Dot | K::Minus) | None
            )
        {
            return self.parse_set();
        }
        if self.at_word("declare") && self.is_word(1, "query_parameters") {
            self.bump();
            self.bump();
            let params = self.parse_param_list();
            return Statement::DeclareParams {
                params,
                span: self.span_from(start),
            };
        }
        if (self.at_word("alias") && self.is_word(1, "database"))
            || (self.at_word("restrict") && self.is_word(1, "access"))
            || (self.at_word("declare") && self.is_word(1, "pattern"))
        {
            let keyword = self.eat_name().unwrap_or_else(|| Ident {
                name: String::new(),
                span: Span::empty(start),
            });
            self.skip_to_boundary();
            self.warning(
                self.span_from(start),
                "statement is not supported by Defender advanced hunting",
            );
            return Statement::Other {
                keyword,
                span: self.span_from(start),
            };
        }
        match self.parse_pipe_expr() {
            TabOrExpr::Tab(t) => Statement::Query(t),
            TabOrExpr::Expr(e) => match e.kind {
                ExprKind::Name(_) | ExprKind::Call(_) | ExprKind::Tabular(_) => {
                    Statement::Query(self.expr_into_tabular(e))
                }
                ExprKind::Error if e.span.is_empty() => {
                    self.error_expected("a query or statement");
                    Statement::Expr(e)
                }
                _ => Statement::Expr(e),
            },
        }
    }

    fn parse_let(&mut self) -> Statement {
        let start = self.cur_span().start;
        self.bump(); // let
        let name = self.expect_name("a name after 'let'");
        self.expect(K::Eq, "'=' after the let name");
        let value = if self.at_function_def() {
            LetValue::Function(self.parse_function_def())
        } else {
            match self.parse_pipe_expr() {
                TabOrExpr::Tab(t) => LetValue::Tabular(t),
                TabOrExpr::Expr(e) => {
                    if is_definitely_tabular(&e) {
                        LetValue::Tabular(self.expr_into_tabular(e))
                    } else {
                        LetValue::Expr(e)
                    }
                }
            }
        };
        Statement::Let(LetStmt {
            name,
            value,
            span: self.span_from(start),
        })
    }

    /// `(` `)` `{`, `(` name `:` ..., or `view (`.
    fn at_function_def(&self) -> bool {
        if self.at_word("view") && self.kind(1) == Some(K::LParen) {
            return true;
        }
        if !self.at(K::LParen) {
            return false;
        }
        if self.kind(1) == Some(K::RParen) {
            return self.kind(2) == Some(K::LBrace);
        }
        match self.name_len_at(1) {
            Some(n) => self.kind(1 + n) == Some(K::Colon),
            None => false,
        }
    }

    fn parse_function_def(&mut self) -> FunctionDef {
        let start = self.cur_span().start;
        let is_view = self.eat_word("view").is_some();
        let params = self.parse_param_list();
        let mut body = Vec::new();
        let open = self.cur_span();
        if self.expect(K::LBrace, "'{' starting the function body") && self.enter() {
            body = self.parse_statements(true);
            self.leave();
            self.close(K::RBrace, open);
        }
        FunctionDef {
            params,
            body,
            is_view,
            span: self.span_from(start),
        }
    }

    /// `( name: type [= default], ... )`.
    pub(super) fn parse_param_list(&mut self) -> Vec<Param> {
        let mut params = Vec::new();
        let open = self.cur_span();
        if !self.expect(K::LParen, "'(' starting the parameter list") {
            return params;
        }
        while !self.at(K::RParen) && !self.at_eof() {
            let start = self.cur_span().start;
            let Some(name) = self.eat_name() else {
                self.error_expected("a parameter name");
                break;
            };
            self.expect(K::Colon, "':' and a type after the parameter name");
            let ty = self.parse_param_type();
            let default = if self.eat(K::Eq).is_some() {
                Some(self.parse_expr())
            } else {
                None
            };
            params.push(Param {
                name,
                ty,
                default,
                span: self.span_from(start),
            });
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        self.close(K::RParen, open);
        params
    }

    fn parse_param_type(&mut self) -> ParamType {
        if self.at(K::LParen) {
            let open = self.cur_span();
            self.bump();
            if self.eat(K::Star).is_some() {
                self.close(K::RParen, open);
                return ParamType::Tabular(None);
            }
            let cols = self.parse_column_decls_until_close();
            self.close(K::RParen, open);
            return ParamType::Tabular(Some(cols));
        }
        ParamType::Scalar(self.parse_scalar_type())
    }

    /// A scalar type name; reports and defaults to `string` when missing or unknown.
    pub(super) fn parse_scalar_type(&mut self) -> ScalarType {
        if self.kind(0) == Some(K::Ident)
            && let Some(t) = ScalarType::from_name(self.text(0))
        {
            self.bump();
            return t;
        }
        // `datetime`/`timespan`/`guid` followed by `(` were lexed as literals; not types.
        self.error_expected("a type name");
        if self.kind(0) == Some(K::Ident) {
            self.bump();
        }
        ScalarType::String
    }

    /// `name: type, ...` up to (not including) a `)`; a trailing `*` is allowed.
    pub(super) fn parse_column_decls_until_close(&mut self) -> Vec<ColumnDecl> {
        let mut cols = Vec::new();
        while !self.at(K::RParen) && !self.at_eof() {
            if self.eat(K::Star).is_some() {
                if self.eat(K::Comma).is_none() {
                    break;
                }
                continue;
            }
            let start = self.cur_span().start;
            let Some(name) = self.eat_name() else {
                self.error_expected("a column name");
                break;
            };
            self.expect(K::Colon, "':' and a type after the column name");
            let ty = self.parse_scalar_type();
            cols.push(ColumnDecl {
                name,
                ty,
                span: self.span_from(start),
            });
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        cols
    }

    fn parse_set(&mut self) -> Statement {
        let start = self.cur_span().start;
        self.bump(); // set
        let name_start = self.cur_span().start;
        let mut name = String::new();
        while let Some(k) = self.kind(0) {
            match k {
                K::Ident | K::Dot | K::Minus | K::Int => {
                    name.push_str(self.text(0));
                    self.bump();
                }
                _ => break,
            }
        }
        let name = Ident {
            name,
            span: self.span_from(name_start),
        };
        let value = if self.eat(K::Eq).is_some() {
            Some(self.parse_expr())
        } else {
            None
        };
        Statement::Set(SetStmt {
            name,
            value,
            span: self.span_from(start),
        })
    }
}

/// True for expressions that can only be tables (`materialize(...)`, parenthesised pipes).
fn is_definitely_tabular(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Tabular(_) => true,
        ExprKind::Call(c) => c.name.name == "materialize",
        _ => false,
    }
}
