//! Scalar expressions: precedence climbing over binary/string operators, `in`,
//! `between`, unary minus, member/index postfixes, calls, and typed literals
//! including `dynamic(...)` (decoded to JSON).

use super::Parser;
use super::tabular::TabOrExpr;
use crate::kql::ast::*;
use crate::kql::lexer::TokenKind as K;
use crate::kql::literal;
use crate::kql::span::Span;

/// Binding power: or < and < comparison/string ops < additive < multiplicative.
const PREC_OR: u8 = 1;
const PREC_AND: u8 = 2;
const PREC_CMP: u8 = 3;
const PREC_ADD: u8 = 4;
const PREC_MUL: u8 = 5;

/// Most non-logical binary operators (or postfixes) chained at one level.
const MAX_CHAIN: usize = 256;

/// What the parser found at a binary-operator position.
enum InfixOp {
    /// A plain binary operator spanning `len` tokens.
    Bin(BinOp, usize),
    /// A single `=` used as `==` (accepted with a warning).
    LegacyEq,
    /// `in`, `!in`, `in~`, `!in~`.
    In { negated: bool, ci: bool },
    /// `between`, `!between`.
    Between { negated: bool },
}

impl Parser<'_> {
    /// Parses a full scalar expression.
    pub(super) fn parse_expr(&mut self) -> Expr {
        self.parse_binary(PREC_OR)
    }

    fn peek_infix(&self) -> Option<(InfixOp, u8)> {
        let k = self.kind(0)?;
        let bin = |op, prec| Some((InfixOp::Bin(op, 1), prec));
        match k {
            K::EqEq => bin(BinOp::Eq, PREC_CMP),
            K::Eq => Some((InfixOp::LegacyEq, PREC_CMP)),
            K::NotEq => bin(BinOp::NotEq, PREC_CMP),
            K::EqTilde => bin(BinOp::EqCi, PREC_CMP),
            K::BangTilde => bin(BinOp::NotEqCi, PREC_CMP),
            K::Lt => bin(BinOp::Lt, PREC_CMP),
            K::Le => bin(BinOp::Le, PREC_CMP),
            K::Gt => bin(BinOp::Gt, PREC_CMP),
            K::Ge => bin(BinOp::Ge, PREC_CMP),
            K::Plus => bin(BinOp::Add, PREC_ADD),
            K::Minus => bin(BinOp::Sub, PREC_ADD),
            K::Star => bin(BinOp::Mul, PREC_MUL),
            K::Slash => bin(BinOp::Div, PREC_MUL),
            K::Percent => bin(BinOp::Mod, PREC_MUL),
            K::Ident => {
                let w = self.text(0);
                match w {
                    "or" => bin(BinOp::Or, PREC_OR),
                    "and" => bin(BinOp::And, PREC_AND),
                    "in" => Some((
                        InfixOp::In {
                            negated: false,
                            ci: false,
                        },
                        PREC_CMP,
                    )),
                    "!in" => Some((
                        InfixOp::In {
                            negated: true,
                            ci: false,
                        },
                        PREC_CMP,
                    )),
                    "in~" => Some((
                        InfixOp::In {
                            negated: false,
                            ci: true,
                        },
                        PREC_CMP,
                    )),
                    "!in~" => Some((
                        InfixOp::In {
                            negated: true,
                            ci: true,
                        },
                        PREC_CMP,
                    )),
                    "between" => Some((InfixOp::Between { negated: false }, PREC_CMP)),
                    "!between" => Some((InfixOp::Between { negated: true }, PREC_CMP)),
                    "matches" if self.is_word(1, "regex") => {
                        Some((InfixOp::Bin(BinOp::MatchesRegex, 2), PREC_CMP))
                    }
                    _ => BinOp::from_word(w)
                        .filter(|op| !op.is_logical())
                        .map(|op| (InfixOp::Bin(op, 1), PREC_CMP)),
                }
            }
            _ => None,
        }
    }

    fn parse_binary(&mut self, min_prec: u8) -> Expr {
        let mut lhs = self.parse_unary();
        let mut chain = 0usize;
        while let Some((op, prec)) = self.peek_infix() {
            if prec < min_prec {
                break;
            }
            chain += 1;
            if chain > MAX_CHAIN {
                // Left-nested trees this deep would overflow recursive consumers.
                self.error(
                    self.cur_span(),
                    "expression has too many operators in a row",
                );
                self.skip_to_boundary();
                break;
            }
            let start = lhs.span.start;
            lhs = match op {
                InfixOp::Bin(op @ (BinOp::And | BinOp::Or), 1) => {
                    // Collect the whole `a or b or c` run and build a balanced tree, so long
                    // generated predicate lists stay shallow.
                    let mut operands = vec![lhs];
                    while matches!(self.peek_infix(), Some((InfixOp::Bin(o, 1), _)) if o == op) {
                        self.bump();
                        operands.push(self.parse_binary(prec + 1));
                    }
                    balance(op, operands)
                }
                InfixOp::Bin(op, len) => {
                    self.pos += len;
                    let rhs = if matches!(op, BinOp::HasAny | BinOp::HasAll) {
                        let list_start = self.cur_span().start;
                        let items = self.parse_value_list();
                        Expr {
                            kind: ExprKind::List(items),
                            span: self.span_from(list_start),
                        }
                    } else {
                        self.parse_binary(prec + 1)
                    };
                    Expr {
                        kind: ExprKind::Binary {
                            op,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span: self.span_from(start),
                    }
                }
                InfixOp::LegacyEq => {
                    let sp = self.cur_span();
                    self.warning(sp, "'=' used as a comparison; write '=='");
                    self.bump();
                    let rhs = self.parse_binary(prec + 1);
                    Expr {
                        kind: ExprKind::Binary {
                            op: BinOp::Eq,
                            lhs: Box::new(lhs),
                            rhs: Box::new(rhs),
                        },
                        span: self.span_from(start),
                    }
                }
                InfixOp::In { negated, ci } => {
                    self.bump();
                    let list = self.parse_value_list();
                    Expr {
                        kind: ExprKind::In {
                            expr: Box::new(lhs),
                            list,
                            negated,
                            case_insensitive: ci,
                        },
                        span: self.span_from(start),
                    }
                }
                InfixOp::Between { negated } => {
                    self.bump();
                    let (low, high) = self.parse_between_range();
                    Expr {
                        kind: ExprKind::Between {
                            expr: Box::new(lhs),
                            low: Box::new(low),
                            high: Box::new(high),
                            negated,
                        },
                        span: self.span_from(start),
                    }
                }
            };
        }
        lhs
    }

    /// `( a, b, T | ... )` for `in`/`has_any`; a single operand without parentheses too.
    fn parse_value_list(&mut self) -> Vec<Expr> {
        if !self.at(K::LParen) {
            let e = self.parse_unary();
            return vec![e];
        }
        let open = self.cur_span();
        self.bump();
        let mut items = Vec::new();
        while !self.at(K::RParen) && !self.at_eof() {
            let before = self.pos;
            let item = match self.parse_pipe_expr() {
                TabOrExpr::Tab(t) => {
                    let span = t.span;
                    Expr {
                        kind: ExprKind::Tabular(Box::new(t)),
                        span,
                    }
                }
                TabOrExpr::Expr(e) => e,
            };
            items.push(item);
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        self.close(K::RParen, open);
        items
    }

    /// `( low .. high )`.
    fn parse_between_range(&mut self) -> (Expr, Expr) {
        let open = self.cur_span();
        if !self.expect(K::LParen, "'(' after between") {
            return (self.hole(), self.hole());
        }
        // The bounds are parsed after the operand's `parse_unary` returned, so this
        // recursion needs its own depth guard.
        if !self.enter() {
            self.skip_to_boundary();
            self.close(K::RParen, open);
            return (self.hole(), self.hole());
        }
        let low = self.parse_expr();
        let high = if self.expect(K::DotDot, "'..' between the bounds") {
            self.parse_expr()
        } else {
            self.hole()
        };
        self.leave();
        self.close(K::RParen, open);
        (low, high)
    }

    /// Unary `-`/`+` then a postfix expression. Negative numeric literals are folded.
    /// Every operand passes through here, so this is where expression nesting is capped.
    pub(super) fn parse_unary(&mut self) -> Expr {
        let start = self.cur_span().start;
        if !self.enter() {
            self.skip_to_boundary();
            return Expr::error(self.span_from(start));
        }
        let e = self.parse_unary_inner();
        self.leave();
        e
    }

    fn parse_unary_inner(&mut self) -> Expr {
        let op = match self.kind(0) {
            Some(K::Minus) => UnaryOp::Neg,
            Some(K::Plus) => UnaryOp::Plus,
            _ => return self.parse_postfix(),
        };
        let start = self.cur_span().start;
        self.bump();
        let inner = self.parse_unary();
        let span = self.span_from(start);
        if op == UnaryOp::Neg
            && let ExprKind::Literal(lit) = &inner.kind
        {
            let folded = match lit {
                Literal::Long(v) => v.checked_neg().map(Literal::Long),
                Literal::Real(v) => Some(Literal::Real(-v)),
                Literal::TimeSpan(v) => v.checked_neg().map(Literal::TimeSpan),
                _ => None,
            };
            if let Some(l) = folded {
                return Expr {
                    kind: ExprKind::Literal(l),
                    span,
                };
            }
        }
        if op == UnaryOp::Plus && matches!(inner.kind, ExprKind::Literal(_)) {
            return Expr { span, ..inner };
        }
        Expr {
            kind: ExprKind::Unary {
                op,
                expr: Box::new(inner),
            },
            span,
        }
    }

    /// A primary followed by `.member` and `[index]` postfixes.
    pub(super) fn parse_postfix(&mut self) -> Expr {
        let mut e = self.parse_primary();
        let mut chain = 0usize;
        loop {
            let start = e.span.start;
            chain += 1;
            if chain > MAX_CHAIN && matches!(self.kind(0), Some(K::Dot | K::LBracket)) {
                self.error(
                    self.cur_span(),
                    "expression has too many member accesses in a row",
                );
                self.skip_to_boundary();
                break;
            }
            match self.kind(0) {
                Some(K::Dot) if self.name_len_at(1).is_some() => {
                    self.bump();
                    let Some(name) = self.eat_name() else { break };
                    // `cluster('x').database('y').T` style calls: keep the call shape.
                    if self.at(K::LParen) && self.adjacent(0) {
                        let args = self.parse_call_args();
                        let span = self.span_from(start);
                        e = Expr {
                            kind: ExprKind::Call(Call {
                                name: Ident {
                                    name: format!("{}.{}", expr_label(&e), name.name),
                                    span: name.span,
                                },
                                args,
                                span,
                            }),
                            span,
                        };
                        continue;
                    }
                    e = Expr {
                        kind: ExprKind::Member {
                            expr: Box::new(e),
                            name,
                        },
                        span: self.span_from(start),
                    };
                }
                Some(K::LBracket) => {
                    let open = self.cur_span();
                    self.bump();
                    if !self.enter() {
                        self.close(K::RBracket, open);
                        break;
                    }
                    let index = self.parse_expr();
                    self.leave();
                    self.close(K::RBracket, open);
                    e = Expr {
                        kind: ExprKind::Index {
                            expr: Box::new(e),
                            index: Box::new(index),
                        },
                        span: self.span_from(start),
                    };
                }
                _ => break,
            }
        }
        e
    }

    fn lit(&self, lit: Literal, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Literal(lit),
            span,
        }
    }

    fn parse_primary(&mut self) -> Expr {
        let Some(tok) = self.tok(0) else {
            self.error_expected("an expression");
            return self.hole();
        };
        let span = tok.span;
        match tok.kind {
            K::Int | K::Real | K::Bool | K::TimeSpan | K::DateTime | K::Guid => {
                self.parse_literal_token()
            }
            K::String => self.parse_string_lit(),
            K::Star => {
                self.bump();
                Expr {
                    kind: ExprKind::Star,
                    span,
                }
            }
            K::Error => {
                self.bump();
                Expr::error(span)
            }
            K::LParen => self.parse_paren(),
            K::LBracket if self.name_len_at(0) == Some(3) => {
                let id = self.eat_name().unwrap_or_else(|| Ident {
                    name: String::new(),
                    span,
                });
                Expr {
                    kind: ExprKind::Name(id.name),
                    span: id.span,
                }
            }
            K::Ident => self.parse_word(),
            _ => {
                self.error_expected("an expression");
                self.hole()
            }
        }
    }

    /// A single literal token (number, bool, timespan, datetime, guid). Kept out of
    /// `parse_primary` so that frame, which is on every recursion path, stays small.
    fn parse_literal_token(&mut self) -> Expr {
        let Some(tok) = self.tok(0) else {
            return self.hole();
        };
        let span = tok.span;
        let text = self.text(0);
        match tok.kind {
            K::Int => {
                self.bump();
                match literal::parse_int(text) {
                    Some(v) => self.lit(Literal::Long(v), span),
                    None => match literal::parse_real(text) {
                        Some(v) => self.lit(Literal::Real(v), span),
                        None => {
                            self.error(span, "integer literal out of range");
                            Expr::error(span)
                        }
                    },
                }
            }
            K::Real => {
                self.bump();
                match literal::parse_real(text) {
                    Some(v) => self.lit(Literal::Real(v), span),
                    None => {
                        self.error(span, "invalid real literal");
                        Expr::error(span)
                    }
                }
            }
            K::Bool => {
                self.bump();
                self.lit(Literal::Bool(text.eq_ignore_ascii_case("true")), span)
            }
            K::TimeSpan => {
                self.bump();
                let body = if text.contains('(') {
                    literal::paren_body(text)
                } else {
                    text
                };
                if body == "null" {
                    return self.lit(Literal::Null(ScalarType::TimeSpan), span);
                }
                let ticks = if text.contains('(') {
                    literal::parse_timespan_body(body)
                } else {
                    literal::parse_timespan_suffixed(body)
                };
                match ticks {
                    Some(t) => self.lit(Literal::TimeSpan(t), span),
                    None => {
                        self.error(span, "invalid timespan literal");
                        Expr::error(span)
                    }
                }
            }
            K::DateTime => {
                self.bump();
                let body = literal::paren_body(text);
                if body == "null" {
                    self.lit(Literal::Null(ScalarType::DateTime), span)
                } else {
                    if body.is_empty() {
                        self.error(span, "empty datetime literal");
                    }
                    self.lit(Literal::DateTime(body.to_string()), span)
                }
            }
            K::Guid => {
                self.bump();
                let body = literal::paren_body(text);
                if body == "null" {
                    self.lit(Literal::Null(ScalarType::Guid), span)
                } else {
                    self.lit(Literal::Guid(body.to_string()), span)
                }
            }
            _ => self.hole(),
        }
    }

    /// One or more adjacent string literals, concatenated.
    fn parse_string_lit(&mut self) -> Expr {
        let start = self.cur_span().start;
        let mut s = String::new();
        while self.at(K::String) {
            match literal::decode_string(self.text(0)) {
                Some(v) => s.push_str(&v),
                None => {
                    let sp = self.cur_span();
                    self.error(sp, "malformed string literal");
                }
            }
            self.bump();
        }
        let span = self.span_from(start);
        self.lit(Literal::String(s), span)
    }

    fn parse_paren(&mut self) -> Expr {
        let open = self.cur_span();
        let start = open.start;
        self.bump();
        let first = self.parse_pipe_expr();
        if self.at(K::Comma) {
            let mut items = vec![tab_or_expr_into_expr(first)];
            while self.eat(K::Comma).is_some() {
                let before = self.pos;
                items.push(tab_or_expr_into_expr(self.parse_pipe_expr()));
                if self.pos == before {
                    break;
                }
            }
            self.close(K::RParen, open);
            Expr {
                kind: ExprKind::List(items),
                span: self.span_from(start),
            }
        } else {
            self.close(K::RParen, open);
            match first {
                TabOrExpr::Tab(t) => Expr {
                    kind: ExprKind::Tabular(Box::new(t)),
                    span: self.span_from(start),
                },
                TabOrExpr::Expr(e) => e,
            }
        }
    }

    /// An identifier in primary position: name, call, typed literal, `dynamic(...)`.
    fn parse_word(&mut self) -> Expr {
        let start = self.cur_span().start;
        let word = self.text(0);
        let is_call = self.kind(1) == Some(K::LParen);
        if is_call {
            if word == "dynamic" {
                return self.parse_dynamic();
            }
            if word == "typeof" {
                return self.parse_typeof();
            }
            if let Some(ty) = ScalarType::from_name(word)
                && let Some(e) = self.try_typed_literal(ty)
            {
                return e;
            }
            let name = Ident {
                name: word.to_string(),
                span: self.cur_span(),
            };
            self.bump();
            let args = self.parse_call_args();
            let span = self.span_from(start);
            return Expr {
                kind: ExprKind::Call(Call { name, args, span }),
                span,
            };
        }
        self.bump();
        Expr {
            kind: ExprKind::Name(word.to_string()),
            span: self.span_from(start),
        }
    }

    /// `( arg, name = arg, T | ... )`.
    pub(super) fn parse_call_args(&mut self) -> Vec<Expr> {
        let open = self.cur_span();
        let mut args = Vec::new();
        if !self.expect(K::LParen, "'('") {
            return args;
        }
        while !self.at(K::RParen) && !self.at_eof() {
            let before = self.pos;
            let arg_start = self.cur_span().start;
            if let Some(len) = self.name_len_at(0)
                && self.kind(len) == Some(K::Eq)
                && let Some(name) = self.eat_name()
            {
                self.bump(); // =
                let value = self.parse_expr();
                args.push(Expr {
                    kind: ExprKind::NamedArg {
                        name,
                        value: Box::new(value),
                    },
                    span: self.span_from(arg_start),
                });
            } else {
                args.push(tab_or_expr_into_expr(self.parse_pipe_expr()));
            }
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        self.close(K::RParen, open);
        args
    }

    /// `long(5)`, `int(null)`, `real(nan)`, `bool(true)`, `decimal(1.5)`, `string(x)`.
    fn try_typed_literal(&mut self, ty: ScalarType) -> Option<Expr> {
        let start = self.cur_span().start;
        // ty ( [sign] value )
        let mut n = 2;
        let neg = match self.kind(n) {
            Some(K::Minus) => {
                n += 1;
                true
            }
            Some(K::Plus) => {
                n += 1;
                false
            }
            _ => false,
        };
        let vk = self.kind(n)?;
        if self.kind(n + 1) != Some(K::RParen) {
            return None;
        }
        let vt = self.text(n);
        let lit = if vk == K::Ident && vt == "null" {
            Literal::Null(ty)
        } else {
            match (ty, vk) {
                (ScalarType::Bool, K::Bool) => Literal::Bool(vt.eq_ignore_ascii_case("true")),
                (ScalarType::Bool, K::Int) => Literal::Bool(vt != "0"),
                (ScalarType::Int, K::Int) => {
                    let v = literal::parse_int(vt)?;
                    Literal::Int(i32::try_from(if neg { -v } else { v }).ok()?)
                }
                (ScalarType::Long, K::Int) => {
                    let v = literal::parse_int(vt)?;
                    Literal::Long(if neg { v.checked_neg()? } else { v })
                }
                (ScalarType::Real, K::Int | K::Real) | (ScalarType::Real, K::Ident) => {
                    let v = literal::parse_real(vt)?;
                    Literal::Real(if neg { -v } else { v })
                }
                (ScalarType::Decimal, K::Int | K::Real) => {
                    Literal::Decimal(format!("{}{vt}", if neg { "-" } else { "" }))
                }
                (ScalarType::String, K::String) => Literal::String(literal::decode_string(vt)?),
                _ => return None,
            }
        };
        self.pos += n + 2;
        Some(self.lit(lit, self.span_from(start)))
    }

    /// `typeof(type)`.
    fn parse_typeof(&mut self) -> Expr {
        let start = self.cur_span().start;
        self.bump(); // typeof
        let open = self.cur_span();
        self.bump(); // (
        let ty = match self.kind(0) {
            Some(K::Ident) => self.parse_scalar_type(),
            // `typeof(datetime)` etc. can be lexed as typed-literal tokens only with `(`;
            // here they are plain words, so this is just a fallback.
            _ => {
                self.error_expected("a type name");
                ScalarType::String
            }
        };
        self.close(K::RParen, open);
        let span = self.span_from(start);
        self.lit(Literal::Type(ty), span)
    }

    /// `dynamic( json )`.
    fn parse_dynamic(&mut self) -> Expr {
        let start = self.cur_span().start;
        self.bump(); // dynamic
        let open = self.cur_span();
        self.bump(); // (
        let value = if self.at(K::RParen) {
            serde_json::Value::Null
        } else {
            self.parse_json()
        };
        self.close(K::RParen, open);
        let span = self.span_from(start);
        self.lit(Literal::Dynamic(Box::new(value)), span)
    }

    fn parse_json(&mut self) -> serde_json::Value {
        use serde_json::Value;
        if !self.enter() {
            self.skip_to_boundary();
            return Value::Null;
        }
        let neg = self.eat(K::Minus).is_some();
        let text = self.text(0);
        let v = match self.kind(0) {
            Some(K::Int) => {
                self.bump();
                match literal::parse_int(text) {
                    Some(v) => Value::from(if neg { -v } else { v }),
                    None => Value::from(literal::parse_real(text).unwrap_or(0.0)),
                }
            }
            Some(K::Real) => {
                self.bump();
                let v = literal::parse_real(text).unwrap_or(0.0);
                serde_json::Number::from_f64(if neg { -v } else { v })
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            Some(K::Bool) => {
                self.bump();
                Value::Bool(text.eq_ignore_ascii_case("true"))
            }
            Some(K::String) => {
                self.bump();
                Value::String(literal::decode_string(text).unwrap_or_default())
            }
            Some(K::Ident) if text == "null" => {
                self.bump();
                Value::Null
            }
            Some(K::DateTime | K::TimeSpan | K::Guid) => {
                self.bump();
                Value::String(literal::paren_body(text).to_string())
            }
            Some(K::LBracket) => {
                let open = self.cur_span();
                self.bump();
                let mut items = Vec::new();
                while !self.at(K::RBracket) && !self.at_eof() {
                    let before = self.pos;
                    items.push(self.parse_json());
                    if self.eat(K::Comma).is_none() || self.pos == before {
                        break;
                    }
                }
                self.close(K::RBracket, open);
                Value::Array(items)
            }
            Some(K::LBrace) => {
                let open = self.cur_span();
                self.bump();
                let mut map = serde_json::Map::new();
                while !self.at(K::RBrace) && !self.at_eof() {
                    let key = match self.kind(0) {
                        Some(K::String) => literal::decode_string(self.text(0)).unwrap_or_default(),
                        Some(K::Ident) => self.text(0).to_string(),
                        _ => {
                            self.error_expected("a property name in a dynamic object");
                            break;
                        }
                    };
                    self.bump();
                    self.expect(K::Colon, "':' after the property name");
                    let v = self.parse_json();
                    map.insert(key, v);
                    if self.eat(K::Comma).is_none() {
                        break;
                    }
                }
                self.close(K::RBrace, open);
                Value::Object(map)
            }
            _ => {
                self.error_expected("a dynamic value (JSON-like)");
                Value::Null
            }
        };
        self.leave();
        v
    }
}

/// Builds a balanced tree of one associative logical operator (in-order = source order).
fn balance(op: BinOp, mut operands: Vec<Expr>) -> Expr {
    if operands.len() <= 1 {
        return operands
            .pop()
            .unwrap_or_else(|| Expr::error(Span::default()));
    }
    let right = operands.split_off(operands.len() / 2);
    let lhs = balance(op, operands);
    let rhs = balance(op, right);
    let span = lhs.span.to(rhs.span);
    Expr {
        kind: ExprKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
        span,
    }
}

/// Turns a parenthesised/argument item into an expression (tabular ones wrapped).
fn tab_or_expr_into_expr(t: TabOrExpr) -> Expr {
    match t {
        TabOrExpr::Expr(e) => e,
        TabOrExpr::Tab(t) => {
            let span = t.span;
            Expr {
                kind: ExprKind::Tabular(Box::new(t)),
                span,
            }
        }
    }
}

/// A short label for an expression used as a dotted call prefix.
fn expr_label(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Name(n) => n.clone(),
        ExprKind::Call(c) => c.name.name.clone(),
        ExprKind::Member { expr, name } => format!("{}.{}", expr_label(expr), name.name),
        _ => String::new(),
    }
}
