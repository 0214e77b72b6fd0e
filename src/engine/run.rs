//! Running statements and pipelines: `let` statements bind names, a query's source is
//! resolved (tables, `let` names, user function calls, `materialize`, `datatable`, `print`,
//! `range`, `union`, `externaldata`) and its operators are applied in order.

use std::rc::Rc;
use std::sync::Arc;

use super::scope::{Binding, Scope, returns_table};
use super::{Catalog, EngineError, ExecContext, Loc, Output, ops, sources};
use crate::data::{ColumnData, Kind, Table, Value};
use crate::kql::ast::{
    Call, Expr, ExprKind, FunctionDef, Ident, LetStmt, LetValue, Op, OpKind, ParamType, Script,
    Source, Statement, Tabular,
};
use crate::kql::span::Span;

/// Run a parsed script: bind its `let`s, then run its one query.
pub fn script(
    catalog: &Catalog,
    script: &Script,
    ctx: &ExecContext,
) -> Result<Output, EngineError> {
    let mut scope = Scope::new(catalog, ctx);
    let mut query: Option<(&Tabular, Scope<'_>)> = None;
    for statement in &script.statements {
        match statement {
            Statement::Query(tabular) => {
                if query.is_some() {
                    return Err(Loc(tabular.span)
                        .unsupported("more than one query in a run; select the one to run"));
                }
                query = Some((tabular, scope.clone()));
            }
            Statement::Let(l) => bind_let(&mut scope, l)?,
            Statement::Set(s) => set_option(&mut scope, s)?,
            Statement::DeclareParams { span, .. } => {
                return Err(Loc(*span).unsupported("declare query_parameters"));
            }
            other => return Err(Loc(other.span()).unsupported("this statement")),
        }
    }
    let Some((tabular, scope)) = query else {
        return Err(Loc(Span::empty(0)).syntax("there is no query to run"));
    };
    tabular_output(&scope, tabular)
}

/// `set query_now = datetime(...)` pins `now()`; other options are service hints that do
/// not change a local answer.
fn set_option(scope: &mut Scope<'_>, s: &crate::kql::ast::SetStmt) -> Result<(), EngineError> {
    if s.name.name == "query_now"
        && let Some(v) = &s.value
    {
        match scope.constant(v, "set")?.1 {
            Value::DateTime(t) => scope.ctx.now = t,
            _ => return Err(Loc(v.span).semantic("query_now needs a datetime")),
        }
    }
    Ok(())
}

/// Bind one `let` statement in `scope`.
pub fn bind_let<'c>(scope: &mut Scope<'c>, l: &LetStmt) -> Result<(), EngineError> {
    let name = l.name.name.as_str();
    match &l.value {
        LetValue::Function(def) => {
            let binding = Binding::Function {
                def: Rc::new(def.clone()),
                scope: scope.clone(),
            };
            scope.bind(name, binding);
        }
        LetValue::Tabular(t) => {
            let binding = lazy(t.clone(), scope);
            scope.bind(name, binding);
        }
        LetValue::Expr(e) => match tabular_expr(scope, e) {
            Some(t) => {
                let binding = lazy(t, scope);
                scope.bind(name, binding);
            }
            None => {
                let (kind, value) = scope.constant(e, "let")?;
                scope.bind_scalar(name, kind, value);
            }
        },
    }
    Ok(())
}

fn lazy<'c>(query: Tabular, scope: &Scope<'c>) -> Binding<'c> {
    Binding::Lazy {
        query: Rc::new(query),
        scope: scope.clone(),
        value: Default::default(),
    }
}

/// The tabular expression an ambiguous `let` value (a bare name or call) denotes, if it
/// is one.
fn tabular_expr(scope: &Scope<'_>, e: &Expr) -> Option<Tabular> {
    let source = match &e.kind {
        ExprKind::Tabular(t) => return Some((**t).clone()),
        ExprKind::Name(n) if is_table_name(scope, n) => Source::Table(Ident {
            name: n.clone(),
            span: e.span,
        }),
        ExprKind::Call(c) if is_table_call(scope, c) => Source::Call(c.clone()),
        _ => return None,
    };
    Some(Tabular {
        source,
        ops: Vec::new(),
        span: e.span,
    })
}

pub(crate) fn is_table_name(scope: &Scope<'_>, name: &str) -> bool {
    if scope.ctx.let_scalar(name).is_some() {
        return false;
    }
    match scope.get(name).map(|b| &**b) {
        Some(Binding::Function { def, scope: s }) => returns_table(def, s),
        Some(_) => true,
        None => scope.catalog.get(name).is_some(),
    }
}

fn is_table_call(scope: &Scope<'_>, call: &Call) -> bool {
    match scope.get(&call.name.name).map(|b| &**b) {
        Some(Binding::Function { def, scope: s }) => returns_table(def, s),
        Some(_) => false,
        None => sources::is_builtin_table_function(&call.name.name),
    }
}

/// Run a pipeline and keep its `render` hint.
pub fn tabular_output(scope: &Scope<'_>, tabular: &Tabular) -> Result<Output, EngineError> {
    let table = source(scope, &tabular.source)?;
    pipeline(scope, table, &tabular.ops)
}

/// Apply `ops` in order to `table`. Tables are shared, not copied, until an operator
/// builds a new one (a catalog table read by `where` is never copied whole).
pub fn pipeline(scope: &Scope<'_>, table: Arc<Table>, ops: &[Op]) -> Result<Output, EngineError> {
    let mut visualization = None;
    let mut local: Option<Scope<'_>> = None;
    let mut table = table;
    let mut i = 0;
    while i < ops.len() {
        let op = &ops[i];
        i += 1;
        scope.ctx.check_cancelled()?;
        let s = local.as_ref().unwrap_or(scope);
        // `where p | take n` stops filtering after n matches.
        if let (
            OpKind::Where(pred),
            Some(Op {
                kind: OpKind::Take(n),
                ..
            }),
        ) = (&op.kind, ops.get(i))
        {
            let n = ops::row_count(n, s)?;
            table = ops::head(ops::filter(table, pred, s, Some(n))?, n);
            i += 1;
            continue;
        }
        let (next, alias) = ops::apply(table, op, s, &mut visualization)?;
        table = next;
        if let Some(name) = alias {
            let mut s = local.take().unwrap_or_else(|| scope.clone());
            s.bind(&name, Binding::Table(table.clone()));
            local = Some(s);
        }
    }
    scope.ctx.check_cancelled()?;
    Ok(Output {
        table: Arc::unwrap_or_clone(table),
        visualization,
    })
}

/// Run a pipeline.
pub fn tabular(scope: &Scope<'_>, tabular: &Tabular) -> Result<Output, EngineError> {
    tabular_output(scope, tabular)
}

/// The table a source produces.
fn source(scope: &Scope<'_>, source: &Source) -> Result<Arc<Table>, EngineError> {
    Ok(Arc::new(match source {
        Source::Table(id) => return resolve_table(scope, &id.name, id.span),
        Source::Paren(inner) | Source::Materialize(inner) => tabular(scope, inner)?.table,
        Source::Call(call) => call_source(scope, call, None)?,
        Source::Union(u) => super::union::source(scope, u)?,
        Source::Datatable(d) => sources::datatable(scope, d)?,
        Source::Print(items) => sources::print(scope, items)?,
        Source::Range(r) => sources::range(scope, r)?,
        Source::ExternalData(x) => sources::externaldata(scope, x)?,
        Source::Search(s) => super::search::source(scope, s)?,
        Source::Find(f) => super::search::find(scope, f)?,
        Source::Error(span) => return Err(Loc(*span).syntax("expected a table name")),
    }))
}

/// A table by name: a `let` name in scope, else a catalog table.
pub fn resolve_table(scope: &Scope<'_>, name: &str, span: Span) -> Result<Arc<Table>, EngineError> {
    if let Some(binding) = scope.get(name) {
        return scope.force(binding, Loc(span))?.ok_or_else(|| {
            Loc(span).semantic(format!(
                "function '{name}' needs arguments: call it as {name}(...)"
            ))
        });
    }
    if scope.ctx.let_scalar(name).is_some() {
        return Err(Loc(span).semantic(format!("'{name}' is a scalar, not a table")));
    }
    lookup(scope.catalog, name, span).cloned()
}

/// A table-valued expression used as an argument (`T`, `(T | where ...)`, `f(1)`).
pub fn table_of_expr(scope: &Scope<'_>, e: &Expr) -> Result<Arc<Table>, EngineError> {
    match &e.kind {
        ExprKind::Name(n) => resolve_table(scope, n, e.span),
        ExprKind::Tabular(t) => Ok(Arc::new(tabular(scope, t)?.table)),
        ExprKind::Call(c) => Ok(Arc::new(call_source(scope, c, None)?)),
        _ => Err(Loc(e.span).semantic("expected a table here")),
    }
}

/// `f(args)` as a source, or `invoke f(args)` with the piped table as `input`.
pub fn call_source(
    scope: &Scope<'_>,
    call: &Call,
    input: Option<Table>,
) -> Result<Table, EngineError> {
    let loc = Loc(call.span);
    match scope.get(&call.name.name).map(|b| &**b) {
        Some(Binding::Function {
            def,
            scope: def_scope,
        }) => call_function(scope, def, def_scope, &call.args, input, loc),
        Some(_) => Err(loc.semantic(format!("'{}' is not a function", call.name.name))),
        None => sources::builtin_table_function(scope, call, input),
    }
}

/// Call a user function: bind its parameters (the piped table first, for `invoke`), run
/// its body in the scope it was defined in, and return the table it produces.
pub fn call_function<'c>(
    caller: &Scope<'c>,
    def: &FunctionDef,
    def_scope: &Scope<'c>,
    args: &[Expr],
    input: Option<Table>,
    loc: Loc,
) -> Result<Table, EngineError> {
    let mut body = def_scope.enter(loc)?;
    let mut params = def.params.iter();
    if let Some(input) = input {
        match params.next() {
            Some(p) if matches!(p.ty, ParamType::Tabular(_)) => {
                body.bind(&p.name.name, Binding::Table(Arc::new(input)))
            }
            _ => {
                return Err(
                    loc.semantic("invoke needs a function whose first parameter is a table")
                );
            }
        }
    }
    let params: Vec<_> = params.collect();
    let positional: Vec<&Expr> = args
        .iter()
        .filter(|a| !matches!(a.kind, ExprKind::NamedArg { .. }))
        .collect();
    if positional.len() > params.len() {
        return Err(loc.semantic(format!(
            "the function takes {} arguments, got {}",
            params.len(),
            positional.len()
        )));
    }
    for (i, p) in params.iter().enumerate() {
        let named = args.iter().find_map(|a| match &a.kind {
            ExprKind::NamedArg { name, value } if name.name == p.name.name => Some(&**value),
            _ => None,
        });
        let arg = positional.get(i).copied().or(named);
        match (&p.ty, arg) {
            (ParamType::Tabular(_), Some(a)) => {
                let t = table_of_expr(caller, a)?;
                body.bind(&p.name.name, Binding::Table(t));
            }
            (ParamType::Scalar(ty), Some(a)) => {
                let (_, v) = caller.constant(a, "function argument")?;
                let kind = super::scalar::scalar_type_kind(*ty);
                body.bind_scalar(&p.name.name, kind, convert(v, kind));
            }
            (ParamType::Scalar(ty), None) => match &p.default {
                Some(d) => {
                    let (_, v) = body.constant(d, "default argument")?;
                    let kind = super::scalar::scalar_type_kind(*ty);
                    body.bind_scalar(&p.name.name, kind, convert(v, kind));
                }
                None => {
                    return Err(loc.semantic(format!("missing argument '{}'", p.name.name)));
                }
            },
            (ParamType::Tabular(_), None) => {
                return Err(loc.semantic(format!("missing table argument '{}'", p.name.name)));
            }
        }
    }
    run_body(&mut body, &def.body, loc)
}

/// A function body: `let`s, then the statement whose value is returned.
fn run_body(scope: &mut Scope<'_>, body: &[Statement], loc: Loc) -> Result<Table, EngineError> {
    let Some((last, lets)) = body.split_last() else {
        return Err(loc.semantic("the function body is empty"));
    };
    for st in lets {
        match st {
            Statement::Let(l) => bind_let(scope, l)?,
            other => return Err(Loc(other.span()).unsupported("this statement in a function body")),
        }
    }
    match last {
        Statement::Query(t) => Ok(tabular(scope, t)?.table),
        Statement::Expr(e) => Ok(table_of_expr(scope, e)?.as_ref().clone()),
        other => Err(Loc(other.span()).semantic("a function body must end in a query")),
    }
}

/// Convert a value to `kind` as the `to*()` functions would.
pub fn convert(v: Value, kind: Kind) -> Value {
    if v.as_ref().kind() == Some(kind) || matches!(v, Value::Null) {
        return v;
    }
    let mut col = ColumnData::with_capacity(kind, 1);
    col.push(v.as_ref());
    col.get(0).to_owned()
}

pub(crate) fn lookup<'c>(
    catalog: &'c Catalog,
    name: &str,
    span: Span,
) -> Result<&'c Arc<Table>, EngineError> {
    catalog.get(name).ok_or_else(|| {
        let hint = catalog
            .names()
            .find(|n| n.eq_ignore_ascii_case(name))
            .map(|n| format!(" (did you mean '{n}'? table names are case-sensitive)"))
            .unwrap_or_default();
        Loc(span).semantic(format!(
            "Failed to resolve table expression named '{name}'{hint}"
        ))
    })
}
