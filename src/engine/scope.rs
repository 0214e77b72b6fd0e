//! Names in scope while a query runs: `let` bindings (scalar values, tabular expressions
//! evaluated once on first use, user functions and views), operator `as` names and function
//! parameters. A `Scope` is cheap to clone; a function body runs in a clone of the scope it
//! was defined in, plus its parameters, as Kusto scopes them.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use super::scalar::{Bound, compile};
use super::{Catalog, EngineError, ExecContext, Loc, rewrite};
use crate::data::{Kind, Table, Value};
use crate::kql::ast::{Expr, FunctionDef, LetValue, ParamType, Source, Statement, Tabular};

/// What a name stands for.
pub(crate) enum Binding<'c> {
    /// A tabular expression, run on first use and kept (`let T = ...`, `materialize`).
    Lazy {
        query: Rc<Tabular>,
        scope: Scope<'c>,
        value: OnceCell<Arc<Table>>,
    },
    /// A table already in hand (`as`, tabular parameters).
    Table(Arc<Table>),
    /// A user function or view.
    Function {
        def: Rc<FunctionDef>,
        scope: Scope<'c>,
    },
}

/// The catalog, the per-query context (with scalar `let` values) and the other names.
#[derive(Clone)]
pub(crate) struct Scope<'c> {
    pub catalog: &'c Catalog,
    pub ctx: ExecContext,
    names: Rc<HashMap<String, Rc<Binding<'c>>>>,
    /// How deeply functions are nested, to stop runaway recursion.
    depth: usize,
}

/// Function calls nested deeper than this are refused.
const MAX_DEPTH: usize = 32;

impl<'c> Scope<'c> {
    pub fn new(catalog: &'c Catalog, ctx: &ExecContext) -> Self {
        Scope {
            catalog,
            ctx: ctx.clone(),
            names: Rc::new(HashMap::new()),
            depth: 0,
        }
    }

    pub fn get(&self, name: &str) -> Option<&Rc<Binding<'c>>> {
        self.names.get(name)
    }

    /// Bind a non-scalar name (hiding a scalar of the same name).
    pub fn bind(&mut self, name: &str, binding: Binding<'c>) {
        if self.ctx.scalars.contains_key(name) {
            Arc::make_mut(&mut self.ctx.scalars).remove(name);
        }
        Rc::make_mut(&mut self.names).insert(name.to_string(), Rc::new(binding));
    }

    /// Bind a scalar value (hiding a table or function of the same name).
    pub fn bind_scalar(&mut self, name: &str, kind: Kind, value: Value) {
        if self.names.contains_key(name) {
            Rc::make_mut(&mut self.names).remove(name);
        }
        Arc::make_mut(&mut self.ctx.scalars).insert(name.to_string(), (kind, value));
    }

    /// A scope for a function body: its definition scope, one level deeper.
    pub fn enter(&self, loc: Loc) -> Result<Scope<'c>, EngineError> {
        if self.depth >= MAX_DEPTH {
            return Err(loc.semantic("functions call each other too deeply"));
        }
        let mut s = self.clone();
        s.depth += 1;
        Ok(s)
    }

    /// Bind `expr` to `table`'s columns after resolving what only the scope knows (user
    /// functions, `toscalar`, tabular `in` lists).
    pub fn compile(&self, expr: &Expr, table: &Table, what: &str) -> Result<Bound, EngineError> {
        let mut extra = BTreeMap::new();
        let expr = rewrite::expr(self, expr, table, &mut extra)?;
        if extra.is_empty() {
            return compile(&expr, table, &self.ctx, what);
        }
        let mut ctx = self.ctx.clone();
        Arc::make_mut(&mut ctx.scalars).extend(extra);
        compile(&expr, table, &ctx, what)
    }

    /// Evaluate a row-independent expression (a `let` value, a function argument).
    pub fn constant(&self, expr: &Expr, what: &str) -> Result<(Kind, Value), EngineError> {
        let empty = Table::default();
        let bound = self.compile(expr, &empty, what)?;
        let value = bound.scalar.eval(&empty, 0, &self.ctx).get().to_owned();
        Ok((bound.kind, value))
    }

    /// The table a tabular binding stands for, running it on first use.
    pub fn force(
        &self,
        binding: &Binding<'c>,
        loc: Loc,
    ) -> Result<Option<Arc<Table>>, EngineError> {
        match binding {
            Binding::Table(t) => Ok(Some(t.clone())),
            Binding::Lazy {
                query,
                scope,
                value,
            } => {
                if let Some(t) = value.get() {
                    return Ok(Some(t.clone()));
                }
                let table = Arc::new(super::run::tabular(scope, query)?.table);
                Ok(Some(value.get_or_init(|| table).clone()))
            }
            Binding::Function { def, scope } => {
                if def.params.iter().all(|p| p.default.is_some()) {
                    let t = super::run::call_function(self, def, scope, &[], None, loc)?;
                    Ok(Some(Arc::new(t)))
                } else {
                    Ok(None)
                }
            }
        }
    }
}

/// True when a user function returns a table (its last statement is a query, or a name of
/// a table). A bare name that is a scalar parameter or a scalar `let` of the body is a
/// scalar result.
pub(crate) fn returns_table(def: &FunctionDef, scope: &Scope<'_>) -> bool {
    let bare = match def.body.last() {
        Some(Statement::Query(t)) => match (&t.source, t.ops.is_empty()) {
            (Source::Table(id), true) => id.name.as_str(),
            _ => return true,
        },
        Some(Statement::Expr(e)) => match e.as_name() {
            Some(n) => n,
            None => return false,
        },
        _ => return false,
    };
    if let Some(p) = def.params.iter().find(|p| p.name.name == bare) {
        return matches!(p.ty, ParamType::Tabular(_));
    }
    let local = def.body.iter().rev().find_map(|st| match st {
        Statement::Let(l) if l.name.name == bare => Some(&l.value),
        _ => None,
    });
    match local {
        Some(LetValue::Expr(e)) => match e.as_name() {
            Some(n) => scope.get(n).is_some() || scope.catalog.get(n).is_some(),
            None => matches!(e.kind, crate::kql::ast::ExprKind::Tabular(_)),
        },
        Some(_) => true,
        None => scope.get(bare).is_some() || scope.catalog.get(bare).is_some(),
    }
}
