//! A read-only visitor over the AST. Override the hooks you need and call the matching
//! `walk_*` function to continue into children. `span` is called for every node that
//! carries a span (statements, tabulars, operators, expressions, names, items).

use super::ast::*;
use super::span::Span;

/// Hooks called while walking a tree; every default just walks the children.
pub trait Visitor {
    /// Every span of every node, in walk order.
    fn span(&mut self, _span: Span) {}
    /// A statement.
    fn statement(&mut self, s: &Statement) {
        walk_statement(self, s)
    }
    /// A tabular expression.
    fn tabular(&mut self, t: &Tabular) {
        walk_tabular(self, t)
    }
    /// An operator.
    fn op(&mut self, op: &Op) {
        walk_op(self, op)
    }
    /// An expression.
    fn expr(&mut self, e: &Expr) {
        walk_expr(self, e)
    }
    /// A name (column, table, parameter, property, ...).
    fn ident(&mut self, i: &Ident) {
        self.span(i.span)
    }
}

/// Walks every statement of a script.
pub fn walk_script<V: Visitor + ?Sized>(v: &mut V, s: &Script) {
    v.span(s.span);
    for st in &s.statements {
        v.statement(st);
    }
}

/// Walks a statement's children.
pub fn walk_statement<V: Visitor + ?Sized>(v: &mut V, s: &Statement) {
    v.span(s.span());
    match s {
        Statement::Let(l) => {
            v.ident(&l.name);
            match &l.value {
                LetValue::Expr(e) => v.expr(e),
                LetValue::Tabular(t) => v.tabular(t),
                LetValue::Function(f) => {
                    v.span(f.span);
                    walk_params(v, &f.params);
                    for st in &f.body {
                        v.statement(st);
                    }
                }
            }
        }
        Statement::Query(t) => v.tabular(t),
        Statement::Expr(e) => v.expr(e),
        Statement::Set(s) => {
            v.ident(&s.name);
            if let Some(e) = &s.value {
                v.expr(e);
            }
        }
        Statement::DeclareParams { params, .. } => walk_params(v, params),
        Statement::Other { keyword, .. } => v.ident(keyword),
    }
}

fn walk_params<V: Visitor + ?Sized>(v: &mut V, params: &[Param]) {
    for p in params {
        v.span(p.span);
        v.ident(&p.name);
        if let ParamType::Tabular(Some(cols)) = &p.ty {
            walk_columns(v, cols);
        }
        if let Some(d) = &p.default {
            v.expr(d);
        }
    }
}

fn walk_columns<V: Visitor + ?Sized>(v: &mut V, cols: &[ColumnDecl]) {
    for c in cols {
        v.span(c.span);
        v.ident(&c.name);
    }
}

fn walk_props<V: Visitor + ?Sized>(v: &mut V, props: &[Property]) {
    for p in props {
        v.span(p.span);
        v.ident(&p.name);
        v.expr(&p.value);
    }
}

fn walk_named<V: Visitor + ?Sized>(v: &mut V, items: &[NamedExpr]) {
    for n in items {
        v.span(n.span);
        for id in &n.names {
            v.ident(id);
        }
        v.expr(&n.expr);
    }
}

fn walk_sort<V: Visitor + ?Sized>(v: &mut V, s: &SortExpr) {
    v.span(s.span);
    v.expr(&s.expr);
}

fn walk_call<V: Visitor + ?Sized>(v: &mut V, c: &Call) {
    v.span(c.span);
    v.ident(&c.name);
    for a in &c.args {
        v.expr(a);
    }
}

fn walk_patterns<V: Visitor + ?Sized>(v: &mut V, ps: &[ColumnPattern]) {
    for p in ps {
        v.span(p.span);
    }
}

fn walk_union<V: Visitor + ?Sized>(v: &mut V, u: &Union) {
    v.span(u.span);
    walk_props(v, &u.params);
    for t in &u.tables {
        v.tabular(t);
    }
}

fn walk_join<V: Visitor + ?Sized>(v: &mut V, j: &Join) {
    walk_props(v, &j.params);
    v.tabular(&j.right);
    for c in &j.on {
        match c {
            JoinCondition::Same(i) => v.ident(i),
            JoinCondition::Equal { left, right, span } => {
                v.span(*span);
                v.ident(left);
                v.ident(right);
            }
            JoinCondition::Expr(e) => v.expr(e),
        }
    }
}

fn walk_expand<V: Visitor + ?Sized>(v: &mut V, items: &[ExpandItem], limit: &Option<Expr>) {
    for it in items {
        walk_named(v, std::slice::from_ref(&it.item));
    }
    if let Some(l) = limit {
        v.expr(l);
    }
}

fn walk_ops<V: Visitor + ?Sized>(v: &mut V, ops: &[Op]) {
    for o in ops {
        v.op(o);
    }
}

fn walk_search<V: Visitor + ?Sized>(v: &mut V, s: &Search) {
    v.span(s.span);
    walk_props(v, &s.params);
    for t in &s.tables {
        v.ident(t);
    }
    v.expr(&s.predicate);
}

fn walk_parse<V: Visitor + ?Sized>(v: &mut V, p: &Parse) {
    walk_props(v, &p.params);
    v.expr(&p.expr);
    for part in &p.pattern {
        if let ParsePart::Column { name, .. } = part {
            v.ident(name);
        }
    }
}

/// Walks a tabular expression: its source, then its operators.
pub fn walk_tabular<V: Visitor + ?Sized>(v: &mut V, t: &Tabular) {
    v.span(t.span);
    match &t.source {
        Source::Table(i) => v.ident(i),
        Source::Call(c) => walk_call(v, c),
        Source::Materialize(t) | Source::Paren(t) => v.tabular(t),
        Source::Union(u) => walk_union(v, u),
        Source::Datatable(d) => {
            v.span(d.span);
            walk_columns(v, &d.columns);
            for e in &d.values {
                v.expr(e);
            }
        }
        Source::ExternalData(x) => {
            v.span(x.span);
            walk_columns(v, &x.columns);
            for e in &x.urls {
                v.expr(e);
            }
            walk_props(v, &x.props);
        }
        Source::Print(items) => walk_named(v, items),
        Source::Range(r) => {
            v.span(r.span);
            v.ident(&r.column);
            v.expr(&r.from);
            v.expr(&r.to);
            v.expr(&r.step);
        }
        Source::Search(s) => walk_search(v, s),
        Source::Find(f) => {
            v.span(f.span);
            walk_props(v, &f.params);
            for t in &f.tables {
                v.tabular(t);
            }
            v.expr(&f.predicate);
            for e in &f.project {
                v.expr(e);
            }
        }
        Source::Error(span) => v.span(*span),
    }
    walk_ops(v, &t.ops);
}

/// Walks an operator's children.
pub fn walk_op<V: Visitor + ?Sized>(v: &mut V, op: &Op) {
    v.span(op.span);
    match &op.kind {
        OpKind::Where(e) | OpKind::Take(e) | OpKind::Sample(e) => v.expr(e),
        OpKind::Extend(items) | OpKind::Project(items) | OpKind::Serialize(items) => {
            walk_named(v, items)
        }
        OpKind::ProjectAway(ps) | OpKind::ProjectKeep(ps) => walk_patterns(v, ps),
        OpKind::ProjectRename(rs) => {
            for r in rs {
                v.span(r.span);
                v.ident(&r.new);
                v.ident(&r.old);
            }
        }
        OpKind::ProjectReorder(items) => {
            for it in items {
                v.span(it.pattern.span);
            }
        }
        OpKind::Summarize { params, aggs, by } => {
            walk_props(v, params);
            walk_named(v, aggs);
            walk_named(v, by);
        }
        OpKind::Sort(keys) => {
            for k in keys {
                walk_sort(v, k);
            }
        }
        OpKind::Top { n, by } => {
            v.expr(n);
            walk_sort(v, by);
        }
        OpKind::Distinct(es) => {
            for e in es {
                v.expr(e);
            }
        }
        OpKind::Join(j) | OpKind::Lookup(j) => walk_join(v, j),
        OpKind::Union(u) => walk_union(v, u),
        OpKind::MvExpand(m) => {
            walk_props(v, &m.params);
            walk_expand(v, &m.items, &m.limit);
        }
        OpKind::MvApply(m) => {
            walk_props(v, &m.params);
            walk_expand(v, &m.items, &m.limit);
            walk_ops(v, &m.on);
        }
        OpKind::Parse(p) | OpKind::ParseWhere(p) => walk_parse(v, p),
        OpKind::ParseKv(p) => {
            v.expr(&p.expr);
            walk_columns(v, &p.columns);
            walk_props(v, &p.props);
        }
        OpKind::MakeSeries(m) => {
            walk_props(v, &m.params);
            for a in &m.aggs {
                walk_named(v, std::slice::from_ref(&a.agg));
                if let Some(d) = &a.default {
                    v.expr(d);
                }
            }
            v.expr(&m.on);
            for e in [&m.from, &m.to, &m.step].into_iter().flatten() {
                v.expr(e);
            }
            walk_named(v, &m.by);
        }
        OpKind::Render { chart, props } => {
            v.ident(chart);
            for p in props {
                v.span(p.span);
                v.ident(&p.name);
                for e in &p.values {
                    v.expr(e);
                }
            }
        }
        OpKind::Evaluate {
            params,
            plugin,
            schema,
        } => {
            walk_props(v, params);
            walk_call(v, plugin);
            if let Some(cols) = schema {
                walk_columns(v, cols);
            }
        }
        OpKind::Invoke(c) => walk_call(v, c),
        OpKind::TopNested(clauses) => {
            for c in clauses {
                v.span(c.span);
                if let Some(n) = &c.n {
                    v.expr(n);
                }
                walk_named(v, std::slice::from_ref(&c.of));
                if let Some(o) = &c.others {
                    v.expr(o);
                }
                walk_named(v, std::slice::from_ref(&c.by));
            }
        }
        OpKind::SampleDistinct { n, of } => {
            v.expr(n);
            v.expr(of);
        }
        OpKind::As { params, name } => {
            walk_props(v, params);
            v.ident(name);
        }
        OpKind::Partition { params, by, body } => {
            walk_props(v, params);
            v.expr(by);
            match body {
                PartitionBody::Ops(ops) => walk_ops(v, ops),
                PartitionBody::Tabular(t) => v.tabular(t),
            }
        }
        OpKind::Search(s) => walk_search(v, s),
        OpKind::Facet { by, with } => {
            for i in by {
                v.ident(i);
            }
            walk_ops(v, with);
        }
        OpKind::Fork(branches) => {
            for b in branches {
                walk_ops(v, b);
            }
        }
        OpKind::Reduce { by, props } => {
            v.expr(by);
            walk_props(v, props);
        }
        OpKind::Unsupported(i) | OpKind::Unknown(i) => v.ident(i),
        OpKind::Count | OpKind::GetSchema | OpKind::Scan | OpKind::Consume => {}
    }
}

/// Walks an expression's children.
pub fn walk_expr<V: Visitor + ?Sized>(v: &mut V, e: &Expr) {
    v.span(e.span);
    match &e.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Star | ExprKind::Error => {}
        ExprKind::Call(c) => walk_call(v, c),
        ExprKind::Binary { lhs, rhs, .. } => {
            v.expr(lhs);
            v.expr(rhs);
        }
        ExprKind::Unary { expr, .. } => v.expr(expr),
        ExprKind::In { expr, list, .. } => {
            v.expr(expr);
            for x in list {
                v.expr(x);
            }
        }
        ExprKind::Between {
            expr, low, high, ..
        } => {
            v.expr(expr);
            v.expr(low);
            v.expr(high);
        }
        ExprKind::Member { expr, name } => {
            v.expr(expr);
            v.ident(name);
        }
        ExprKind::Index { expr, index } => {
            v.expr(expr);
            v.expr(index);
        }
        ExprKind::List(items) => {
            for x in items {
                v.expr(x);
            }
        }
        ExprKind::NamedArg { name, value } => {
            v.ident(name);
            v.expr(value);
        }
        ExprKind::Tabular(t) => v.tabular(t),
    }
}

/// Calls `f` with every span in the tree (handy for checks and tests).
pub fn for_each_span(script: &Script, f: impl FnMut(Span)) {
    struct Spans<F>(F);
    impl<F: FnMut(Span)> Visitor for Spans<F> {
        fn span(&mut self, span: Span) {
            (self.0)(span)
        }
    }
    walk_script(&mut Spans(f), script);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kql::parse;

    #[test]
    fn visits_names() {
        struct Names(Vec<String>);
        impl Visitor for Names {
            fn expr(&mut self, e: &Expr) {
                if let ExprKind::Name(n) = &e.kind {
                    self.0.push(n.clone());
                }
                walk_expr(self, e)
            }
        }
        let p = parse(
            "let x = 1; T | where a > x | join (U | project b) on c | summarize count() by d",
        );
        let mut v = Names(Vec::new());
        walk_script(&mut v, &p.script);
        assert_eq!(v.0, vec!["a", "x", "b", "d"]);
        let mut n = 0;
        for_each_span(&p.script, |_| n += 1);
        assert!(n > 15);
    }
}
