//! Before an expression is bound to a table, resolve what only the query's scope knows:
//! calls of user scalar functions are inlined (parameters replaced by the argument
//! expressions), `toscalar(query)` runs its query once, and `in (...)` / `has_any (...)` /
//! `has_all (...)` lists that name a table, a subquery or a dynamic array are expanded into
//! their values. Values the rewrite computes travel as scalar names in `extra`.

use std::collections::{BTreeMap, HashMap};

use super::run::{is_table_name, table_of_expr};
use super::scope::{Binding, Scope, returns_table};
use super::{EngineError, Loc};
use crate::data::{Kind, Table, Value};
use crate::kql::ast::{BinOp, Call, Expr, ExprKind, FunctionDef, Literal, ParamType, Statement};

/// Values computed while rewriting, by the synthetic names the rewritten expression uses.
pub type Extra = BTreeMap<String, (Kind, Value)>;

/// Inlined functions nested deeper than this are refused.
const MAX_INLINE: usize = 32;

pub fn expr(
    scope: &Scope<'_>,
    e: &Expr,
    table: &Table,
    extra: &mut Extra,
) -> Result<Expr, EngineError> {
    Rewriter {
        scope,
        table,
        extra,
        depth: 0,
    }
    .expr(e)
}

struct Rewriter<'s, 'c, 'x> {
    scope: &'s Scope<'c>,
    table: &'s Table,
    extra: &'x mut Extra,
    depth: usize,
}

impl Rewriter<'_, '_, '_> {
    fn expr(&mut self, e: &Expr) -> Result<Expr, EngineError> {
        let span = e.span;
        let kind = match &e.kind {
            ExprKind::Call(c) => return self.call(c, span),
            ExprKind::In {
                expr,
                list,
                negated,
                case_insensitive,
            } => ExprKind::In {
                expr: Box::new(self.expr(expr)?),
                list: self.list(list)?,
                negated: *negated,
                case_insensitive: *case_insensitive,
            },
            ExprKind::Binary { op, lhs, rhs } if matches!(op, BinOp::HasAny | BinOp::HasAll) => {
                let items = match &rhs.kind {
                    ExprKind::List(items) => self.list(items)?,
                    _ => self.list(std::slice::from_ref(rhs))?,
                };
                ExprKind::Binary {
                    op: *op,
                    lhs: Box::new(self.expr(lhs)?),
                    rhs: Box::new(Expr {
                        kind: ExprKind::List(items),
                        span: rhs.span,
                    }),
                }
            }
            ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
                op: *op,
                lhs: Box::new(self.expr(lhs)?),
                rhs: Box::new(self.expr(rhs)?),
            },
            ExprKind::Unary { op, expr } => ExprKind::Unary {
                op: *op,
                expr: Box::new(self.expr(expr)?),
            },
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => ExprKind::Between {
                expr: Box::new(self.expr(expr)?),
                low: Box::new(self.expr(low)?),
                high: Box::new(self.expr(high)?),
                negated: *negated,
            },
            ExprKind::Member { expr, name } => ExprKind::Member {
                expr: Box::new(self.expr(expr)?),
                name: name.clone(),
            },
            ExprKind::Index { expr, index } => ExprKind::Index {
                expr: Box::new(self.expr(expr)?),
                index: Box::new(self.expr(index)?),
            },
            ExprKind::List(items) => ExprKind::List(
                items
                    .iter()
                    .map(|i| self.expr(i))
                    .collect::<Result<_, _>>()?,
            ),
            ExprKind::NamedArg { name, value } => ExprKind::NamedArg {
                name: name.clone(),
                value: Box::new(self.expr(value)?),
            },
            _ => return Ok(e.clone()),
        };
        Ok(Expr { kind, span })
    }

    fn call(&mut self, c: &Call, span: crate::kql::span::Span) -> Result<Expr, EngineError> {
        let name = c.name.name.as_str();
        if name == "toscalar" {
            return self.toscalar(c, span);
        }
        if let Some(binding) = self.scope.get(name)
            && let Binding::Function { def, scope } = &**binding
        {
            if returns_table(def, scope) {
                return Err(Loc(span).semantic(format!(
                    "'{name}' returns a table; use it as a source or with toscalar()"
                )));
            }
            return self.inline(def, scope, c, span);
        }
        let args = c
            .args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<_, _>>()?;
        Ok(Expr {
            kind: ExprKind::Call(Call {
                name: c.name.clone(),
                args,
                span: c.span,
            }),
            span,
        })
    }

    /// `toscalar(query)`: the first column of the first row, or null.
    fn toscalar(&mut self, c: &Call, span: crate::kql::span::Span) -> Result<Expr, EngineError> {
        let [arg] = c.args.as_slice() else {
            return Err(Loc(span).semantic("toscalar() takes one argument"));
        };
        let scalar_arg = match &arg.kind {
            ExprKind::Tabular(_) => false,
            ExprKind::Name(n) => !is_table_name(self.scope, n),
            ExprKind::Call(_) => false,
            _ => true,
        };
        if scalar_arg {
            return self.expr(arg);
        }
        let t = table_of_expr(self.scope, arg)?;
        let (kind, value) = match t.columns().first() {
            Some(col) => (
                col.kind(),
                if t.row_count() > 0 {
                    col.data.get(0).to_owned()
                } else {
                    Value::Null
                },
            ),
            None => (Kind::Dynamic, Value::Null),
        };
        Ok(self.value_expr(kind, value, span))
    }

    /// A synthetic name bound to `value` in `extra`.
    fn value_expr(&mut self, kind: Kind, value: Value, span: crate::kql::span::Span) -> Expr {
        let name = format!("\u{1}value{}", self.extra.len());
        self.extra.insert(name.clone(), (kind, value));
        Expr {
            kind: ExprKind::Name(name),
            span,
        }
    }

    /// Items of an `in` / `has_any` list, with tables and dynamic arrays expanded.
    fn list(&mut self, items: &[Expr]) -> Result<Vec<Expr>, EngineError> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.kind {
                ExprKind::Tabular(_) => self.expand_table(item, &mut out)?,
                ExprKind::Name(n) if self.table.column_index(n).is_none() => {
                    if is_table_name(self.scope, n) {
                        self.expand_table(item, &mut out)?;
                    } else if let Some((_, Value::Dynamic(json))) =
                        self.scope.ctx.let_scalar(n).map(|(k, v)| (k, v.clone()))
                    {
                        self.expand_json(&json, item, &mut out);
                    } else {
                        out.push(self.expr(item)?);
                    }
                }
                ExprKind::Literal(Literal::Dynamic(json)) if json.is_array() => {
                    self.expand_json(&json.to_string(), item, &mut out)
                }
                ExprKind::Call(c) if self.is_table_call(c) => self.expand_table(item, &mut out)?,
                _ => {
                    let e = self.expr(item)?;
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    fn is_table_call(&self, c: &Call) -> bool {
        match self.scope.get(&c.name.name).map(|b| &**b) {
            Some(Binding::Function { def, scope }) => returns_table(def, scope),
            _ => false,
        }
    }

    fn expand_table(&mut self, item: &Expr, out: &mut Vec<Expr>) -> Result<(), EngineError> {
        let t = table_of_expr(self.scope, item)?;
        let Some(col) = t.columns().first() else {
            return Ok(());
        };
        let mut seen = std::collections::HashSet::new();
        for row in 0..t.row_count() {
            let v = col.data.get(row);
            if v.is_null() {
                continue;
            }
            let key = crate::data::format::plain_text(v).into_owned();
            if seen.insert((v.kind(), key)) {
                out.push(self.value_expr(col.kind(), v.to_owned(), item.span));
            }
        }
        Ok(())
    }

    /// A dynamic array expands into its elements; any other dynamic value stays one value.
    fn expand_json(&mut self, json: &str, item: &Expr, out: &mut Vec<Expr>) {
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::Array(items)) => {
                for v in items {
                    let (kind, value) = json_scalar(&v);
                    out.push(self.value_expr(kind, value, item.span));
                }
            }
            _ => {
                let e = self.value_expr(Kind::Dynamic, Value::Dynamic(json.to_string()), item.span);
                out.push(e);
            }
        }
    }

    /// Replace a call of a user scalar function by its body with the arguments in place
    /// of the parameters.
    fn inline(
        &mut self,
        def: &FunctionDef,
        def_scope: &Scope<'_>,
        c: &Call,
        span: crate::kql::span::Span,
    ) -> Result<Expr, EngineError> {
        let loc = Loc(span);
        if self.depth >= MAX_INLINE {
            return Err(loc.semantic("functions call each other too deeply"));
        }
        let positional: Vec<&Expr> = c
            .args
            .iter()
            .filter(|a| !matches!(a.kind, ExprKind::NamedArg { .. }))
            .collect();
        if positional.len() > def.params.len() {
            return Err(loc.semantic(format!(
                "'{}' takes {} arguments, got {}",
                c.name.name,
                def.params.len(),
                positional.len()
            )));
        }
        let mut map: HashMap<String, Expr> = HashMap::new();
        // Free names of the body mean what they meant where the function was defined
        // (unless the calling row has such a column).
        let mut free = Vec::new();
        for st in &def.body {
            match st {
                Statement::Let(l) => {
                    if let crate::kql::ast::LetValue::Expr(e) = &l.value {
                        names_in(e, &mut free);
                    }
                }
                Statement::Expr(e) => names_in(e, &mut free),
                Statement::Query(t) => {
                    if let crate::kql::ast::Source::Table(id) = &t.source {
                        free.push(id.name.clone());
                    }
                }
                _ => {}
            }
        }
        for n in free {
            if self.table.column_index(&n).is_none()
                && let Some((kind, value)) = def_scope.ctx.let_scalar(&n)
            {
                let e = self.value_expr(kind, value.clone(), span);
                map.insert(n, e);
            }
        }
        for (i, p) in def.params.iter().enumerate() {
            if matches!(p.ty, ParamType::Tabular(_)) {
                return Err(loc.unsupported("a scalar function with a table parameter"));
            }
            let named = c.args.iter().find_map(|a| match &a.kind {
                ExprKind::NamedArg { name, value } if name.name == p.name.name => Some(&**value),
                _ => None,
            });
            let arg = positional.get(i).copied().or(named).or(p.default.as_ref());
            let Some(arg) = arg else {
                return Err(loc.semantic(format!("missing argument '{}'", p.name.name)));
            };
            let arg = match (&p.ty, arg) {
                (ParamType::Scalar(ty), a) => cast(a, *ty),
                (_, a) => a.clone(),
            };
            map.insert(p.name.name.clone(), arg);
        }
        let Some((last, lets)) = def.body.split_last() else {
            return Err(loc.semantic("the function body is empty"));
        };
        for st in lets {
            match st {
                Statement::Let(l) => match &l.value {
                    crate::kql::ast::LetValue::Expr(e) => {
                        let v = substitute(e, &map);
                        map.insert(l.name.name.clone(), v);
                    }
                    _ => {
                        return Err(
                            Loc(l.span).unsupported("a tabular let inside a scalar function")
                        );
                    }
                },
                other => {
                    return Err(Loc(other.span()).unsupported("this statement in a function body"));
                }
            }
        }
        let body = match last {
            Statement::Expr(body) => substitute(body, &map),
            // A bare name parses as a query; here it is the name of a scalar.
            Statement::Query(t) if t.ops.is_empty() => match &t.source {
                crate::kql::ast::Source::Table(id) => substitute(
                    &Expr {
                        kind: ExprKind::Name(id.name.clone()),
                        span: id.span,
                    },
                    &map,
                ),
                _ => {
                    return Err(
                        Loc(last.span()).semantic("a scalar function must end in an expression")
                    );
                }
            },
            _ => {
                return Err(
                    Loc(last.span()).semantic("a scalar function must end in an expression")
                );
            }
        };
        self.depth += 1;
        let out = self.expr(&body);
        self.depth -= 1;
        out
    }
}

/// Every name `e` mentions.
fn names_in(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::Call(c) => c.args.iter().for_each(|a| names_in(a, out)),
        ExprKind::Binary { lhs, rhs, .. } => {
            names_in(lhs, out);
            names_in(rhs, out);
        }
        ExprKind::Unary { expr, .. } | ExprKind::Member { expr, .. } => names_in(expr, out),
        ExprKind::In { expr, list, .. } => {
            names_in(expr, out);
            list.iter().for_each(|a| names_in(a, out));
        }
        ExprKind::Between {
            expr, low, high, ..
        } => {
            names_in(expr, out);
            names_in(low, out);
            names_in(high, out);
        }
        ExprKind::Index { expr, index } => {
            names_in(expr, out);
            names_in(index, out);
        }
        ExprKind::List(items) => items.iter().for_each(|a| names_in(a, out)),
        ExprKind::NamedArg { value, .. } => names_in(value, out),
        _ => {}
    }
}

/// A typed parameter converts its argument as Kusto does on the call.
fn cast(arg: &Expr, ty: crate::kql::ast::ScalarType) -> Expr {
    use crate::kql::ast::ScalarType as T;
    let func = match ty {
        T::String => "tostring",
        T::Long => "tolong",
        T::Int => "toint",
        T::Real | T::Decimal => "toreal",
        T::Bool => "tobool",
        T::DateTime => "todatetime",
        T::TimeSpan => "totimespan",
        T::Guid => "toguid",
        T::Dynamic => return arg.clone(),
    };
    Expr {
        kind: ExprKind::Call(Call {
            name: crate::kql::ast::Ident {
                name: func.to_string(),
                span: arg.span,
            },
            args: vec![arg.clone()],
            span: arg.span,
        }),
        span: arg.span,
    }
}

/// `e` with every name in `map` replaced by its expression.
fn substitute(e: &Expr, map: &HashMap<String, Expr>) -> Expr {
    let sub = |x: &Expr| Box::new(substitute(x, map));
    let kind = match &e.kind {
        ExprKind::Name(n) => match map.get(n) {
            Some(v) => return v.clone(),
            None => return e.clone(),
        },
        ExprKind::Call(c) => ExprKind::Call(Call {
            name: c.name.clone(),
            args: c.args.iter().map(|a| substitute(a, map)).collect(),
            span: c.span,
        }),
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: sub(lhs),
            rhs: sub(rhs),
        },
        ExprKind::Unary { op, expr } => ExprKind::Unary {
            op: *op,
            expr: sub(expr),
        },
        ExprKind::In {
            expr,
            list,
            negated,
            case_insensitive,
        } => ExprKind::In {
            expr: sub(expr),
            list: list.iter().map(|a| substitute(a, map)).collect(),
            negated: *negated,
            case_insensitive: *case_insensitive,
        },
        ExprKind::Between {
            expr,
            low,
            high,
            negated,
        } => ExprKind::Between {
            expr: sub(expr),
            low: sub(low),
            high: sub(high),
            negated: *negated,
        },
        ExprKind::Member { expr, name } => ExprKind::Member {
            expr: sub(expr),
            name: name.clone(),
        },
        ExprKind::Index { expr, index } => ExprKind::Index {
            expr: sub(expr),
            index: sub(index),
        },
        ExprKind::List(items) => ExprKind::List(items.iter().map(|a| substitute(a, map)).collect()),
        ExprKind::NamedArg { name, value } => ExprKind::NamedArg {
            name: name.clone(),
            value: sub(value),
        },
        _ => return e.clone(),
    };
    Expr { kind, span: e.span }
}

/// A JSON element as a KQL scalar (numbers as long or real, text as string).
pub fn json_scalar(v: &serde_json::Value) -> (Kind, Value) {
    match v {
        serde_json::Value::Null => (Kind::Dynamic, Value::Null),
        serde_json::Value::Bool(b) => (Kind::Bool, Value::Bool(*b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => (Kind::Long, Value::Long(i)),
            None => (Kind::Real, Value::Real(n.as_f64().unwrap_or(f64::NAN))),
        },
        serde_json::Value::String(s) => (Kind::String, Value::String(s.clone())),
        other => (Kind::Dynamic, Value::dynamic(other)),
    }
}
