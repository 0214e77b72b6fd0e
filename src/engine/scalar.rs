//! Scalar expressions: the parser's `Expr` is first bound to a table's columns
//! (`compile`, which resolves names, looks functions up in the registry, prepares constant
//! regular expressions, folds constant sub-expressions and infers the result kind once),
//! then evaluated row by row (`Scalar::eval`). Column reads borrow from the table; only
//! computed values allocate. Semantics follow Kusto: nulls propagate through comparisons
//! and arithmetic, string operators convert their operands to text, and dynamic scalars
//! compare and compute as the values they hold.

use std::cmp::Ordering;

use super::functions::dynamic::{self, Step};
use super::functions::{self, Args, FuncDef, Prepared};
use super::strings::{self, TermMatch};
use super::{EngineError, ExecContext, Loc};
use crate::data::format::plain_text;
use crate::data::time::parse_datetime;
use crate::data::value::parse_guid;
use crate::data::{Kind, Table, Value, ValueRef};
use crate::kql::ast::{BinOp, Call, Expr, ExprKind, Literal, ScalarType, UnaryOp};
use crate::kql::span::Span;

/// A value during evaluation: borrowed from a column, or computed.
#[derive(Debug, Clone)]
pub enum Val<'t> {
    Ref(ValueRef<'t>),
    Own(Value),
}

impl Val<'_> {
    pub fn get(&self) -> ValueRef<'_> {
        match self {
            Val::Ref(v) => *v,
            Val::Own(v) => v.as_ref(),
        }
    }
}

const NULL: Val<'static> = Val::Ref(ValueRef::Null);

/// The last pattern a per-row `matches regex` compiled (patterns usually repeat).
#[derive(Debug, Default)]
pub struct RegexCache(std::sync::Mutex<Option<(String, Option<regex::Regex>)>>);

impl Clone for RegexCache {
    fn clone(&self) -> Self {
        RegexCache::default()
    }
}

impl RegexCache {
    /// Whether `text` matches `pattern`; null (None) for an invalid pattern.
    fn is_match(&self, pattern: &str, text: &str) -> Option<bool> {
        let mut slot = self.0.lock().ok()?;
        if slot.as_ref().is_none_or(|(p, _)| p != pattern) {
            *slot = Some((pattern.to_string(), functions::build_regex(pattern).ok()));
        }
        let re = slot.as_ref()?.1.as_ref()?;
        Some(re.is_match(text))
    }
}

/// A call to a registered function, bound to its arguments.
#[derive(Debug, Clone)]
pub struct CallSite {
    pub def: &'static FuncDef,
    pub args: Vec<Scalar>,
    pub prep: Option<Prepared>,
    pub span: Span,
}

/// A bound expression, ready to evaluate against rows of one table.
#[derive(Debug, Clone)]
pub enum Scalar {
    Column(usize),
    Const(Value),
    Binary(BinOp, Box<Scalar>, Box<Scalar>),
    Regex(Box<Scalar>, regex::Regex, bool),
    /// `matches regex` with a pattern that is not constant.
    RegexPerRow(Box<Scalar>, Box<Scalar>, RegexCache),
    /// `prev(expr, offset, default)` / `next(...)`: `expr` on the row `offset` away
    /// (negative looks back), or `default` beyond the table.
    Shift {
        expr: Box<Scalar>,
        offset: i64,
        default: Box<Scalar>,
    },
    /// `row_number(start)`: the row's position in the (serialized) table, from `start`.
    RowNumber(i64),
    Neg(Box<Scalar>),
    Call(Box<CallSite>),
    /// Constant property/index path into a dynamic value: `d.a.b`, `d["k"][0]`.
    Path(Box<Scalar>, Vec<Step>),
    /// `d[expr]` with an index computed per row.
    Index(Box<Scalar>, Box<Scalar>),
    In {
        expr: Box<Scalar>,
        list: Vec<Value>,
        negated: bool,
        case_insensitive: bool,
    },
    Between {
        expr: Box<Scalar>,
        low: Box<Scalar>,
        high: Box<Scalar>,
        negated: bool,
    },
    Terms {
        expr: Box<Scalar>,
        terms: Vec<String>,
        all: bool,
    },
}

/// A bound expression and the kind of value it produces.
#[derive(Debug, Clone)]
pub struct Bound {
    pub scalar: Scalar,
    pub kind: Kind,
}

impl Bound {
    fn constant(value: Value, kind: Kind) -> Bound {
        Bound {
            scalar: Scalar::Const(value),
            kind,
        }
    }
}

/// Bind `expr` to `table`'s columns. `what` names the operator for error messages.
pub fn compile(
    expr: &Expr,
    table: &Table,
    ctx: &ExecContext,
    what: &str,
) -> Result<Bound, EngineError> {
    Compiler { table, ctx, what }.compile(expr)
}

struct Compiler<'a> {
    table: &'a Table,
    ctx: &'a ExecContext,
    what: &'a str,
}

impl Compiler<'_> {
    fn compile(&self, expr: &Expr) -> Result<Bound, EngineError> {
        let loc = Loc(expr.span);
        Ok(match &expr.kind {
            ExprKind::Literal(lit) => {
                let value = literal(lit, loc)?;
                let kind = literal_kind(lit);
                Bound::constant(value, kind)
            }
            ExprKind::Name(name) => self.column(name, loc)?,
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, loc)?,
            ExprKind::Unary { op, expr } => {
                let inner = self.compile(expr)?;
                if !inner.kind.is_numeric()
                    && inner.kind != Kind::TimeSpan
                    && inner.kind != Kind::Dynamic
                {
                    return Err(loc.semantic(format!(
                        "unary minus needs a number or timespan, not {}",
                        inner.kind
                    )));
                }
                match op {
                    UnaryOp::Plus => inner,
                    UnaryOp::Neg => Bound {
                        kind: inner.kind,
                        scalar: fold(Scalar::Neg(Box::new(inner.scalar)), self.ctx),
                    },
                }
            }
            ExprKind::Call(call) => self.call(call, loc)?,
            ExprKind::In {
                expr,
                list,
                negated,
                case_insensitive,
            } => {
                let inner = self.compile(expr)?;
                let mut values = Vec::with_capacity(list.len());
                for item in list {
                    let b = self.compile(item)?;
                    match b.scalar {
                        // A dynamic array in the list contributes its elements.
                        Scalar::Const(Value::Dynamic(j)) => match serde_json::from_str(&j) {
                            Ok(serde_json::Value::Array(items)) => values.extend(
                                items
                                    .into_iter()
                                    .map(|x| dynamic::unwrap_scalar_json(x).unwrap_or(Value::Null)),
                            ),
                            _ => values.push(Value::Dynamic(j)),
                        },
                        Scalar::Const(v) => values.push(v),
                        _ => {
                            return Err(
                                Loc(item.span).unsupported("non-constant values in an 'in' list")
                            );
                        }
                    }
                }
                Bound {
                    scalar: Scalar::In {
                        expr: Box::new(inner.scalar),
                        list: values,
                        negated: *negated,
                        case_insensitive: *case_insensitive,
                    },
                    kind: Kind::Bool,
                }
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => Bound {
                scalar: Scalar::Between {
                    expr: Box::new(self.compile(expr)?.scalar),
                    low: Box::new(self.compile(low)?.scalar),
                    high: Box::new(self.compile(high)?.scalar),
                    negated: *negated,
                },
                kind: Kind::Bool,
            },
            ExprKind::Tabular(_) => return Err(loc.unsupported("tabular subqueries")),
            ExprKind::Member { expr, name } => {
                let base = self.compile(expr)?;
                self.path(base, Step::Key(name.name.clone()), loc)?
            }
            ExprKind::Index { expr, index } => {
                let base = self.compile(expr)?;
                let index = self.compile(index)?;
                match index.scalar {
                    Scalar::Const(Value::String(k)) => self.path(base, Step::Key(k), loc)?,
                    Scalar::Const(ref v) if functions::long_of(v.as_ref()).is_some() => {
                        let i = functions::long_of(v.as_ref()).unwrap_or_default();
                        self.path(base, Step::Index(i), loc)?
                    }
                    other => {
                        check_dynamic_base(&base, loc)?;
                        Bound {
                            scalar: Scalar::Index(Box::new(base.scalar), Box::new(other)),
                            kind: Kind::Dynamic,
                        }
                    }
                }
            }
            ExprKind::List(_) => {
                return Err(
                    loc.semantic("a parenthesised list is only valid after has_any / has_all")
                );
            }
            ExprKind::NamedArg { .. } => {
                return Err(loc.semantic("a named argument is only valid inside a call"));
            }
            ExprKind::Star => return Err(loc.semantic("'*' is not valid here")),
            ExprKind::Error => return Err(loc.syntax("incomplete expression")),
        })
    }

    /// Extend a property path (consecutive steps collapse into one `Path`).
    fn path(&self, base: Bound, step: Step, loc: Loc) -> Result<Bound, EngineError> {
        check_dynamic_base(&base, loc)?;
        let scalar = match base.scalar {
            Scalar::Path(inner, mut steps) => {
                steps.push(step);
                Scalar::Path(inner, steps)
            }
            // `parse_json(x).a`: the path reads x directly, which gives the same answer
            // (text that is not JSON has no properties either way) with one parse, not two
            // and a re-serialisation.
            Scalar::Call(c)
                if matches!(
                    c.def.name,
                    "parse_json" | "parsejson" | "todynamic" | "toobject"
                ) =>
            {
                let mut args = c.args;
                Scalar::Path(Box::new(args.remove(0)), vec![step])
            }
            other => Scalar::Path(Box::new(other), vec![step]),
        };
        Ok(Bound {
            scalar: fold(scalar, self.ctx),
            kind: Kind::Dynamic,
        })
    }

    fn call(&self, call: &Call, loc: Loc) -> Result<Bound, EngineError> {
        let name = call.name.name.as_str();
        match name {
            // Resolved against the schema at compile time.
            "column_ifexists" => return self.column_ifexists(call, loc),
            // Needs the row: expands to a bag of every column.
            "pack_all" => return self.pack_all(call, loc),
            // Need the neighbouring rows of the serialized table.
            "prev" | "next" => return self.shift(call, name == "prev", loc),
            "row_number" => return self.row_number(call, loc),
            _ => {}
        }
        let Some(def) = functions::lookup(name) else {
            if functions::SERVICE_ONLY.contains(&name) {
                return Err(loc.unsupported(format!("function {name} (it needs the service)")));
            }
            return Err(loc.unsupported(format!("function {name}")));
        };
        if call.args.len() < def.min || call.args.len() > def.max {
            let range = if def.min == def.max {
                def.min.to_string()
            } else {
                format!("{}..{}", def.min, def.max)
            };
            return Err(loc.semantic(format!(
                "{name}() takes {range} arguments, got {}",
                call.args.len()
            )));
        }
        let mut args = Vec::with_capacity(call.args.len());
        let mut kinds = Vec::with_capacity(call.args.len());
        let mut type_arg = None;
        for a in &call.args {
            let b = match &a.kind {
                ExprKind::Literal(Literal::Type(t)) => {
                    let k = scalar_type_kind(*t);
                    type_arg = Some(k);
                    Bound::constant(Value::Null, k)
                }
                ExprKind::NamedArg { .. } => {
                    return Err(Loc(a.span).unsupported(format!("named arguments to {name}()")));
                }
                _ => self.compile(a)?,
            };
            kinds.push(b.kind);
            args.push(b.scalar);
        }
        let consts: Vec<Option<&Value>> = args
            .iter()
            .map(|s| match s {
                Scalar::Const(v) => Some(v),
                _ => None,
            })
            .collect();
        let prep = functions::prepare(def, &consts, type_arg).map_err(|e| loc.semantic(e))?;
        let kind = def.kind(&kinds);
        let site = Scalar::Call(Box::new(CallSite {
            def,
            args,
            prep,
            span: loc.0,
        }));
        let scalar = if def.pure { fold(site, self.ctx) } else { site };
        Ok(Bound { scalar, kind })
    }

    /// `column_ifexists(name, default)`: the column when the table has it, else the default.
    fn column_ifexists(&self, call: &Call, loc: Loc) -> Result<Bound, EngineError> {
        let [name, default] = call.args.as_slice() else {
            return Err(loc.semantic("column_ifexists() takes 2 arguments"));
        };
        let Scalar::Const(Value::String(column)) = self.compile(name)?.scalar else {
            return Err(Loc(name.span).semantic("column_ifexists() needs a constant column name"));
        };
        match self.table.column_index(&column) {
            Some(i) => Ok(Bound {
                scalar: Scalar::Column(i),
                kind: self.table.columns()[i].kind(),
            }),
            None => self.compile(default),
        }
    }

    /// `prev(column [, offset [, default]])` / `next(...)`: the value `offset` rows before
    /// (after) this one in the table's order; null or `default` beyond the edge.
    fn shift(&self, call: &Call, back: bool, loc: Loc) -> Result<Bound, EngineError> {
        let name = if back { "prev" } else { "next" };
        if call.args.is_empty() || call.args.len() > 3 {
            return Err(loc.semantic(format!("{name}() takes 1..3 arguments")));
        }
        let expr = self.compile(&call.args[0])?;
        let offset = match call.args.get(1) {
            None => 1,
            Some(a) => match self.compile(a)?.scalar {
                Scalar::Const(v) if functions::long_of(v.as_ref()).is_some_and(|n| n >= 0) => {
                    functions::long_of(v.as_ref()).unwrap_or(1)
                }
                _ => {
                    return Err(Loc(a.span)
                        .semantic(format!("{name}() needs a constant, non-negative offset")));
                }
            },
        };
        let default = match call.args.get(2) {
            None => Scalar::Const(Value::Null),
            Some(a) => self.compile(a)?.scalar,
        };
        Ok(Bound {
            kind: expr.kind,
            scalar: Scalar::Shift {
                expr: Box::new(expr.scalar),
                offset: if back { -offset } else { offset },
                default: Box::new(default),
            },
        })
    }

    /// `row_number([start])`; the `restart` form is refused.
    fn row_number(&self, call: &Call, loc: Loc) -> Result<Bound, EngineError> {
        let start = match call.args.as_slice() {
            [] => 1,
            [a] => match self.compile(a)?.scalar {
                Scalar::Const(v) if functions::long_of(v.as_ref()).is_some() => {
                    functions::long_of(v.as_ref()).unwrap_or(1)
                }
                _ => return Err(Loc(a.span).semantic("row_number() needs a constant start")),
            },
            _ => return Err(loc.unsupported("row_number() with a restart condition")),
        };
        Ok(Bound {
            scalar: Scalar::RowNumber(start),
            kind: Kind::Long,
        })
    }

    /// `pack_all([ignore_null_empty])`: a bag of every column of the row.
    fn pack_all(&self, call: &Call, loc: Loc) -> Result<Bound, EngineError> {
        let skip_empty = match call.args.as_slice() {
            [] => false,
            [flag] => match self.compile(flag)?.scalar {
                Scalar::Const(Value::Bool(b)) => b,
                _ => return Err(Loc(flag.span).semantic("pack_all() needs a constant bool")),
            },
            _ => return Err(loc.semantic("pack_all() takes 0..1 arguments")),
        };
        let def = functions::lookup(if skip_empty {
            "bag_pack_nonempty"
        } else {
            "bag_pack"
        })
        .ok_or_else(|| loc.unsupported("pack_all"))?;
        let mut args = Vec::with_capacity(self.table.columns().len() * 2);
        for (i, c) in self.table.columns().iter().enumerate() {
            args.push(Scalar::Const(Value::String(c.name.clone())));
            args.push(Scalar::Column(i));
        }
        Ok(Bound {
            scalar: Scalar::Call(Box::new(CallSite {
                def,
                args,
                prep: None,
                span: loc.0,
            })),
            kind: Kind::Dynamic,
        })
    }

    fn column(&self, name: &str, loc: Loc) -> Result<Bound, EngineError> {
        if let Some(i) = self.table.column_index(name) {
            return Ok(Bound {
                scalar: Scalar::Column(i),
                kind: self.table.columns()[i].kind(),
            });
        }
        // A column hides a `let` scalar of the same name.
        if let Some((kind, value)) = self.ctx.let_scalar(name) {
            return Ok(Bound {
                scalar: Scalar::Const(value.clone()),
                kind,
            });
        }
        let hint = self
            .table
            .columns()
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
            .map(|c| {
                format!(
                    " (did you mean '{}'? column names are case-sensitive)",
                    c.name
                )
            })
            .unwrap_or_default();
        Err(loc.semantic(format!(
            "'{}' operator: Failed to resolve scalar expression named '{name}'{hint}",
            self.what
        )))
    }

    fn binary(&self, op: BinOp, lhs: &Expr, rhs: &Expr, loc: Loc) -> Result<Bound, EngineError> {
        use BinOp::*;
        let l = self.compile(lhs)?;
        if matches!(op, HasAny | HasAll) {
            let ExprKind::List(items) = &rhs.kind else {
                return Err(Loc(rhs.span).semantic("has_any / has_all need a parenthesised list"));
            };
            let mut terms = Vec::new();
            for item in items {
                match self.compile(item)?.scalar {
                    // A dynamic array contributes each of its elements as a term.
                    Scalar::Const(Value::Dynamic(j)) => match serde_json::from_str(&j) {
                        Ok(serde_json::Value::Array(xs)) => terms.extend(
                            xs.into_iter()
                                .map(|x| plain_text(dynamic::from_json(x).as_ref()).into_owned()),
                        ),
                        _ => terms.push(plain_text(ValueRef::Dynamic(&j)).into_owned()),
                    },
                    Scalar::Const(v) => terms.push(plain_text(v.as_ref()).into_owned()),
                    _ => {
                        return Err(
                            Loc(item.span).unsupported("non-constant has_any / has_all terms")
                        );
                    }
                }
            }
            let all = op == HasAll;
            return Ok(Bound {
                scalar: Scalar::Terms {
                    expr: Box::new(l.scalar),
                    terms,
                    all,
                },
                kind: Kind::Bool,
            });
        }
        let r = self.compile(rhs)?;
        if op == MatchesRegex {
            let scalar = match &r.scalar {
                Scalar::Const(Value::String(pattern)) => {
                    let re = functions::build_regex(pattern)
                        .map_err(|e| Loc(rhs.span).semantic(functions::regex_error(&e)))?;
                    Scalar::Regex(Box::new(l.scalar), re, false)
                }
                // A pattern computed per row (a column, an expression) compiles when it changes.
                _ => Scalar::RegexPerRow(
                    Box::new(l.scalar),
                    Box::new(r.scalar),
                    RegexCache::default(),
                ),
            };
            return Ok(Bound {
                scalar,
                kind: Kind::Bool,
            });
        }
        if matches!(op, Like | NotLike) {
            return Err(loc.unsupported("the legacy 'like' operator"));
        }
        let kind = if op.is_arithmetic() {
            arithmetic_kind(op, l.kind, r.kind).ok_or_else(|| {
                loc.semantic(format!("cannot apply {op:?} to {} and {}", l.kind, r.kind))
            })?
        } else {
            Kind::Bool
        };
        let scalar = fold(
            Scalar::Binary(op, Box::new(l.scalar), Box::new(r.scalar)),
            self.ctx,
        );
        Ok(Bound { scalar, kind })
    }
}

/// Property access needs a dynamic value, or a string that may hold JSON.
fn check_dynamic_base(base: &Bound, loc: Loc) -> Result<(), EngineError> {
    if matches!(base.kind, Kind::Dynamic | Kind::String) {
        Ok(())
    } else {
        Err(loc.semantic(format!(
            "property access needs a dynamic value, not {}",
            base.kind
        )))
    }
}

/// Evaluate an expression whose operands are all constant once (e.g. `ago(7d)`,
/// `bin(datetime(...), 1h)`, `dynamic([1,2])[0]`), so rows do not repeat it.
fn fold(s: Scalar, ctx: &ExecContext) -> Scalar {
    let all_const = match &s {
        Scalar::Binary(_, l, r) => is_const(l) && is_const(r),
        Scalar::Neg(e) | Scalar::Path(e, _) => is_const(e),
        Scalar::Call(c) => c.def.pure && c.args.iter().all(is_const),
        _ => false,
    };
    if all_const {
        return Scalar::Const(s.eval(&Table::default(), 0, ctx).get().to_owned());
    }
    s
}

fn is_const(s: &Scalar) -> bool {
    matches!(s, Scalar::Const(_))
}

fn arithmetic_kind(op: BinOp, l: Kind, r: Kind) -> Option<Kind> {
    use Kind::*;
    Some(match (l, r) {
        (Dynamic, _) | (_, Dynamic) => Dynamic,
        (Int, Int) => Int,
        (Int | Long, Int | Long) => Long,
        (Int | Long | Real, Int | Long | Real) => Real,
        (DateTime, DateTime) if op == BinOp::Sub => TimeSpan,
        (DateTime, TimeSpan) if matches!(op, BinOp::Add | BinOp::Sub) => DateTime,
        (TimeSpan, DateTime) if op == BinOp::Add => DateTime,
        (TimeSpan, TimeSpan) if op == BinOp::Div => Real,
        (TimeSpan, TimeSpan) if matches!(op, BinOp::Add | BinOp::Sub | BinOp::Mod) => TimeSpan,
        (TimeSpan, Int | Long | Real) if matches!(op, BinOp::Mul | BinOp::Div) => TimeSpan,
        (Int | Long | Real, TimeSpan) if op == BinOp::Mul => TimeSpan,
        _ => return None,
    })
}

fn literal_kind(lit: &Literal) -> Kind {
    match lit {
        Literal::String(_) => Kind::String,
        Literal::Long(_) => Kind::Long,
        Literal::Int(_) => Kind::Int,
        Literal::Real(_) | Literal::Decimal(_) => Kind::Real,
        Literal::Bool(_) => Kind::Bool,
        Literal::DateTime(_) => Kind::DateTime,
        Literal::TimeSpan(_) => Kind::TimeSpan,
        Literal::Guid(_) => Kind::Guid,
        Literal::Dynamic(_) => Kind::Dynamic,
        Literal::Null(t) | Literal::Type(t) => scalar_type_kind(*t),
    }
}

/// The storage kind of a KQL type.
pub fn scalar_type_kind(t: ScalarType) -> Kind {
    match t {
        ScalarType::Bool => Kind::Bool,
        ScalarType::Int => Kind::Int,
        ScalarType::Long => Kind::Long,
        ScalarType::Real | ScalarType::Decimal => Kind::Real,
        ScalarType::String => Kind::String,
        ScalarType::DateTime => Kind::DateTime,
        ScalarType::TimeSpan => Kind::TimeSpan,
        ScalarType::Guid => Kind::Guid,
        ScalarType::Dynamic => Kind::Dynamic,
    }
}

fn literal(lit: &Literal, loc: Loc) -> Result<Value, EngineError> {
    Ok(match lit {
        Literal::String(s) => Value::String(s.clone()),
        Literal::Long(v) => Value::Long(*v),
        Literal::Int(v) => Value::Int(*v),
        Literal::Real(v) => Value::Real(*v),
        Literal::Decimal(s) => Value::Real(
            s.trim()
                .parse()
                .map_err(|_| loc.semantic(format!("invalid decimal literal '{s}'")))?,
        ),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::DateTime(s) => match s.trim() {
            "null" => Value::Null,
            t => Value::DateTime(
                functions::datetime::parse_lenient(t)
                    .ok_or_else(|| loc.semantic(format!("invalid datetime literal '{t}'")))?,
            ),
        },
        Literal::TimeSpan(t) => Value::TimeSpan(*t),
        Literal::Guid(s) => match s.trim() {
            "null" => Value::Null,
            t => Value::Guid(
                parse_guid(t).ok_or_else(|| loc.semantic(format!("invalid guid literal '{t}'")))?,
            ),
        },
        Literal::Dynamic(j) => Value::dynamic(j),
        Literal::Null(_) => Value::Null,
        Literal::Type(_) => return Err(loc.unsupported("typeof() outside a type position")),
    })
}

impl Scalar {
    /// Evaluate on `row` of `table`.
    pub fn eval<'t>(&'t self, table: &'t Table, row: usize, ctx: &ExecContext) -> Val<'t> {
        match self {
            Scalar::Column(i) => Val::Ref(table.cell(row, *i)),
            Scalar::Const(v) => Val::Ref(v.as_ref()),
            Scalar::Neg(e) => Val::Own(match e.eval(table, row, ctx).get() {
                ValueRef::Int(v) => Value::Int(v.wrapping_neg()),
                ValueRef::Long(v) => Value::Long(v.wrapping_neg()),
                ValueRef::Real(v) => Value::Real(-v),
                ValueRef::TimeSpan(v) => Value::TimeSpan(v.wrapping_neg()),
                _ => Value::Null,
            }),
            Scalar::Binary(op, l, r) => binary(*op, l, r, table, row, ctx),
            Scalar::Regex(e, re, negated) => {
                let v = e.eval(table, row, ctx);
                match v.get() {
                    ValueRef::Null => NULL,
                    x => Val::Own(Value::Bool(re.is_match(&plain_text(x)) != *negated)),
                }
            }
            Scalar::Call(c) => call(c, table, row, ctx),
            Scalar::RegexPerRow(e, p, cache) => {
                let (v, p) = (e.eval(table, row, ctx), p.eval(table, row, ctx));
                match v.get() {
                    ValueRef::Null => NULL,
                    x => boolean(cache.is_match(&plain_text(p.get()), &plain_text(x))),
                }
            }
            Scalar::Shift {
                expr,
                offset,
                default,
            } => {
                let target = row as i64 + offset;
                if target >= 0 && (target as usize) < table.row_count() {
                    expr.eval(table, target as usize, ctx)
                } else {
                    default.eval(table, row, ctx)
                }
            }
            Scalar::RowNumber(start) => Val::Own(Value::Long(start + row as i64)),
            Scalar::Path(e, steps) => {
                let v = e.eval(table, row, ctx);
                Val::Own(dynamic::access(v.get(), steps))
            }
            Scalar::Index(e, i) => {
                let (v, i) = (e.eval(table, row, ctx), i.eval(table, row, ctx));
                let step = match i.get() {
                    ValueRef::String(k) => Step::Key(k.to_owned()),
                    other => match functions::long_of(other) {
                        Some(n) => Step::Index(n),
                        None => Step::Key(plain_text(other).into_owned()),
                    },
                };
                Val::Own(dynamic::access(v.get(), &[step]))
            }
            Scalar::In {
                expr,
                list,
                negated,
                case_insensitive,
            } => {
                let v = expr.eval(table, row, ctx);
                let v = v.get();
                let found = list
                    .iter()
                    .any(|c| equals(v, c.as_ref(), *case_insensitive) == Some(true));
                Val::Own(Value::Bool(found != *negated))
            }
            Scalar::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let (v, lo, hi) = (
                    expr.eval(table, row, ctx),
                    low.eval(table, row, ctx),
                    high.eval(table, row, ctx),
                );
                let hi = match (lo.get(), hi.get()) {
                    (ValueRef::DateTime(a), ValueRef::TimeSpan(b)) => {
                        Val::Own(Value::DateTime(a.saturating_add(b)))
                    }
                    _ => hi,
                };
                match (compare(v.get(), lo.get()), compare(v.get(), hi.get())) {
                    (Some(a), Some(b)) => Val::Own(Value::Bool(
                        (a != Ordering::Less && b != Ordering::Greater) != *negated,
                    )),
                    _ => NULL,
                }
            }
            Scalar::Terms { expr, terms, all } => {
                let v = expr.eval(table, row, ctx);
                let text = plain_text(v.get());
                let hit = |t: &String| strings::has_term(&text, t, TermMatch::Whole, false);
                Val::Own(Value::Bool(if *all {
                    terms.iter().all(hit)
                } else {
                    terms.iter().any(hit)
                }))
            }
        }
    }
}

/// Truthiness for `where`: only `true` keeps a row.
pub fn is_true(v: ValueRef<'_>) -> bool {
    matches!(v, ValueRef::Bool(true))
}

/// Ordering of two non-null comparable values (numbers across kinds, strings ordinally).
fn compare(a: ValueRef<'_>, b: ValueRef<'_>) -> Option<Ordering> {
    use ValueRef as V;
    match (a, b) {
        (V::Null, _) | (_, V::Null) => None,
        (V::Dynamic(x), V::Dynamic(y)) => {
            match (dynamic::unwrap_scalar(a)?, dynamic::unwrap_scalar(b)?) {
                (Value::Dynamic(_), _) | (_, Value::Dynamic(_)) => Some(x.cmp(y)),
                (p, q) => compare(p.as_ref(), q.as_ref()),
            }
        }
        (V::Dynamic(_), other) => match dynamic::unwrap_scalar(a)? {
            Value::Dynamic(_) => None,
            v => compare(v.as_ref(), other),
        },
        (other, V::Dynamic(_)) => compare(b, other).map(Ordering::reverse),
        (V::String(x), V::String(y)) => Some(x.cmp(y)),
        (V::DateTime(x), V::DateTime(y)) | (V::TimeSpan(x), V::TimeSpan(y)) => Some(x.cmp(&y)),
        (V::Bool(x), V::Bool(y)) => Some(x.cmp(&y)),
        (V::Guid(x), V::Guid(y)) => Some(x.cmp(&y)),
        (x, y) if x.as_f64().is_some() && y.as_f64().is_some() => Some(x.total_cmp(y)),
        (V::DateTime(x), V::String(s)) => parse_datetime(s).map(|y| x.cmp(&y)),
        (V::String(s), V::DateTime(y)) => parse_datetime(s).map(|x| x.cmp(&y)),
        _ => None,
    }
}

/// `==` (or `=~` with `ci`): None when either side is null.
fn equals(a: ValueRef<'_>, b: ValueRef<'_>, ci: bool) -> Option<bool> {
    match (a, b) {
        (ValueRef::Null, _) | (_, ValueRef::Null) => None,
        (ValueRef::String(x), ValueRef::String(y)) => {
            Some(if ci { strings::eq_ci(x, y) } else { x == y })
        }
        (ValueRef::Dynamic(x), y) | (y, ValueRef::Dynamic(x))
            if !matches!(
                dynamic::unwrap_scalar(ValueRef::Dynamic(x)),
                Some(Value::Dynamic(_))
            ) =>
        {
            let v = dynamic::unwrap_scalar(ValueRef::Dynamic(x))?;
            equals(v.as_ref(), y, ci)
        }
        (ValueRef::Dynamic(x), y) | (y, ValueRef::Dynamic(x)) => {
            let text = plain_text(ValueRef::Dynamic(x));
            let other = plain_text(y);
            Some(if ci {
                strings::eq_ci(&text, &other)
            } else {
                text == other
            })
        }
        (x, y) => compare(x, y).map(|o| o == Ordering::Equal),
    }
}

fn boolean(b: Option<bool>) -> Val<'static> {
    b.map_or(NULL, |b| Val::Own(Value::Bool(b)))
}

fn binary<'t>(
    op: BinOp,
    l: &'t Scalar,
    r: &'t Scalar,
    table: &'t Table,
    row: usize,
    ctx: &ExecContext,
) -> Val<'t> {
    use BinOp::*;
    // and/or short-circuit with Kusto's three-valued logic.
    if op == And || op == Or {
        let a = l.eval(table, row, ctx);
        let a = bool_of(a.get());
        if (op == And && a == Some(false)) || (op == Or && a == Some(true)) {
            return boolean(a);
        }
        let b = r.eval(table, row, ctx);
        let b = bool_of(b.get());
        return boolean(match (op, a, b) {
            (And, Some(true), b) => b,
            (And, None, Some(false)) => Some(false),
            (Or, Some(false), b) => b,
            (Or, None, Some(true)) => Some(true),
            _ => None,
        });
    }
    let (a, b) = (l.eval(table, row, ctx), r.eval(table, row, ctx));
    let (a, b) = (a.get(), b.get());
    if op.is_arithmetic() {
        return arithmetic(op, a, b).map_or(NULL, Val::Own);
    }
    let ord = || compare(a, b);
    match op {
        Eq => boolean(equals(a, b, false)),
        NotEq => boolean(equals(a, b, false).map(|x| !x)),
        EqCi => boolean(equals(a, b, true)),
        NotEqCi => boolean(equals(a, b, true).map(|x| !x)),
        Lt => boolean(ord().map(|o| o == Ordering::Less)),
        Le => boolean(ord().map(|o| o != Ordering::Greater)),
        Gt => boolean(ord().map(|o| o == Ordering::Greater)),
        Ge => boolean(ord().map(|o| o != Ordering::Less)),
        _ => {
            let (hay, needle) = (plain_text(a), plain_text(b));
            let (hay, needle) = (hay.as_ref(), needle.as_ref());
            let (matched, negated) = match op {
                Has => (
                    strings::has_term(hay, needle, TermMatch::Whole, false),
                    false,
                ),
                NotHas => (
                    strings::has_term(hay, needle, TermMatch::Whole, false),
                    true,
                ),
                HasCs => (
                    strings::has_term(hay, needle, TermMatch::Whole, true),
                    false,
                ),
                NotHasCs => (strings::has_term(hay, needle, TermMatch::Whole, true), true),
                HasPrefix => (
                    strings::has_term(hay, needle, TermMatch::Prefix, false),
                    false,
                ),
                NotHasPrefix => (
                    strings::has_term(hay, needle, TermMatch::Prefix, false),
                    true,
                ),
                HasPrefixCs => (
                    strings::has_term(hay, needle, TermMatch::Prefix, true),
                    false,
                ),
                NotHasPrefixCs => (
                    strings::has_term(hay, needle, TermMatch::Prefix, true),
                    true,
                ),
                HasSuffix => (
                    strings::has_term(hay, needle, TermMatch::Suffix, false),
                    false,
                ),
                NotHasSuffix => (
                    strings::has_term(hay, needle, TermMatch::Suffix, false),
                    true,
                ),
                HasSuffixCs => (
                    strings::has_term(hay, needle, TermMatch::Suffix, true),
                    false,
                ),
                NotHasSuffixCs => (
                    strings::has_term(hay, needle, TermMatch::Suffix, true),
                    true,
                ),
                Contains => (strings::contains(hay, needle, false), false),
                NotContains => (strings::contains(hay, needle, false), true),
                ContainsCs => (strings::contains(hay, needle, true), false),
                NotContainsCs => (strings::contains(hay, needle, true), true),
                StartsWith => (strings::starts_with(hay, needle, false), false),
                NotStartsWith => (strings::starts_with(hay, needle, false), true),
                StartsWithCs => (strings::starts_with(hay, needle, true), false),
                NotStartsWithCs => (strings::starts_with(hay, needle, true), true),
                EndsWith => (strings::ends_with(hay, needle, false), false),
                NotEndsWith => (strings::ends_with(hay, needle, false), true),
                EndsWithCs => (strings::ends_with(hay, needle, true), false),
                NotEndsWithCs => (strings::ends_with(hay, needle, true), true),
                // Compiled into other `Scalar` forms; never reach here.
                Or | And | Eq | NotEq | EqCi | NotEqCi | Lt | Le | Gt | Ge | Add | Sub | Mul
                | Div | Mod | MatchesRegex | HasAny | HasAll | Like | NotLike => return NULL,
            };
            Val::Own(Value::Bool(matched != negated))
        }
    }
}

fn bool_of(v: ValueRef<'_>) -> Option<bool> {
    match v {
        ValueRef::Bool(b) => Some(b),
        _ => None,
    }
}

fn arithmetic(op: BinOp, a: ValueRef<'_>, b: ValueRef<'_>) -> Option<Value> {
    use BinOp::*;
    use ValueRef as V;
    if matches!(a, V::Dynamic(_)) || matches!(b, V::Dynamic(_)) {
        let (x, y) = (dynamic::unwrap_scalar(a)?, dynamic::unwrap_scalar(b)?);
        if matches!(x, Value::Dynamic(_)) || matches!(y, Value::Dynamic(_)) {
            return None;
        }
        return arithmetic(op, x.as_ref(), y.as_ref());
    }
    let int = |x: i64, y: i64| -> Option<i64> {
        match op {
            Add => x.checked_add(y),
            Sub => x.checked_sub(y),
            Mul => x.checked_mul(y),
            Div => x.checked_div(y),
            Mod => x.checked_rem(y),
            _ => None,
        }
    };
    let real = |x: f64, y: f64| -> f64 {
        match op {
            Add => x + y,
            Sub => x - y,
            Mul => x * y,
            Div => x / y,
            _ => x % y,
        }
    };
    Some(match (a, b) {
        (V::Int(x), V::Int(y)) => Value::Int(i32::try_from(int(x as i64, y as i64)?).ok()?),
        (V::Int(_) | V::Long(_), V::Int(_) | V::Long(_)) => {
            Value::Long(int(long_of(a)?, long_of(b)?)?)
        }
        (x, y) if x.as_f64().is_some() && y.as_f64().is_some() => {
            Value::Real(real(x.as_f64()?, y.as_f64()?))
        }
        (V::DateTime(x), V::DateTime(y)) if op == Sub => Value::TimeSpan(x.checked_sub(y)?),
        (V::DateTime(x), V::TimeSpan(y)) if op == Add || op == Sub => Value::DateTime(int(x, y)?),
        (V::TimeSpan(x), V::DateTime(y)) if op == Add => Value::DateTime(x.checked_add(y)?),
        (V::TimeSpan(x), V::TimeSpan(y)) if op == Div => Value::Real(x as f64 / y as f64),
        (V::TimeSpan(x), V::TimeSpan(y)) => Value::TimeSpan(int(x, y)?),
        (V::TimeSpan(x), y) if matches!(op, Mul | Div) => {
            Value::TimeSpan(real(x as f64, y.as_f64()?) as i64)
        }
        (x, V::TimeSpan(y)) if op == Mul => Value::TimeSpan((x.as_f64()? * y as f64) as i64),
        _ => return None,
    })
}

fn long_of(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Int(i) => Some(i as i64),
        ValueRef::Long(i) => Some(i),
        _ => None,
    }
}

/// Evaluate a call: arguments first (borrowed where they are column cells), then the
/// function. Up to four arguments live on the stack.
fn call<'t>(c: &'t CallSite, table: &'t Table, row: usize, ctx: &ExecContext) -> Val<'t> {
    let n = c.args.len();
    if n <= 4 {
        let mut vals = [NULL, NULL, NULL, NULL];
        for (slot, a) in vals.iter_mut().zip(&c.args) {
            *slot = a.eval(table, row, ctx);
        }
        let refs = [vals[0].get(), vals[1].get(), vals[2].get(), vals[3].get()];
        Val::Own(invoke(c, &refs[..n], ctx))
    } else {
        let vals: Vec<Val<'_>> = c.args.iter().map(|a| a.eval(table, row, ctx)).collect();
        let refs: Vec<ValueRef<'_>> = vals.iter().map(Val::get).collect();
        Val::Own(invoke(c, &refs, ctx))
    }
}

fn invoke(c: &CallSite, v: &[ValueRef<'_>], ctx: &ExecContext) -> Value {
    (c.def.imp)(&Args {
        v,
        ctx,
        prep: c.prep.as_ref(),
        span: c.span,
        name: c.def.name,
    })
}
