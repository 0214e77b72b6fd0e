//! Tabular operators after `|`: one small parse function per operator, each producing a
//! structured `OpKind`. Unrecognised operators become `OpKind::Unknown` with a diagnostic.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::lexer::TokenKind as K;
use crate::kql::literal;

/// Valid Kusto operators this parser keeps only by name (skipped to the next `|`).
const UNSUPPORTED: &[&str] = &[
    "assert-schema",
    "macro-expand",
    "make-graph",
    "graph-match",
    "graph-to-table",
    "graph-shortest-paths",
    "graph-mark-components",
    "top-hitters",
    "project-smart",
    "entity_group",
    "materialized-view-combine",
    "execute",
];

impl Parser<'_> {
    /// Parses one operator (the `|` is already consumed).
    pub(super) fn parse_op(&mut self) -> Op {
        let start = self.cur_span().start;
        let Some(name) = (if self.kind(0) == Some(K::Ident) {
            self.eat_name()
        } else {
            None
        }) else {
            self.error_expected("an operator name after '|'");
            let name = Ident {
                name: String::new(),
                span: self.cur_span(),
            };
            self.skip_to_boundary();
            return Op {
                kind: OpKind::Unknown(name),
                span: self.span_from(start),
            };
        };
        let kind = self.parse_op_kind(&name, start);
        Op {
            kind,
            span: self.span_from(start),
        }
    }

    /// Dispatches on the operator name. Every arm is one call so this frame stays small
    /// (debug builds give each arm's temporaries their own stack slots, and this function
    /// is on the recursion path of nested subqueries).
    fn parse_op_kind(&mut self, name: &Ident, start: usize) -> OpKind {
        match name.name.as_str() {
            "where" | "filter" => self.op_where(),
            "extend" => self.op_extend(),
            "project" => self.op_project(),
            "project-away" => self.op_project_away(),
            "project-keep" => self.op_project_keep(),
            "project-rename" => self.op_project_rename(),
            "project-reorder" => self.op_project_reorder(),
            "summarize" => self.parse_summarize(),
            "sort" | "order" => self.op_sort(),
            "top" => self.op_top(),
            "take" | "limit" => self.op_take(),
            "distinct" => self.op_distinct(),
            "count" => OpKind::Count,
            "join" => self.op_join(true),
            "lookup" => self.op_join(false),
            "union" => self.op_union(start),
            "mv-expand" | "mvexpand" => self.op_mv_expand(),
            "mv-apply" | "mvapply" => self.parse_mv_apply(),
            "parse" => self.op_parse(false),
            "parse-where" => self.op_parse(true),
            "parse-kv" => self.parse_parse_kv(),
            "make-series" => self.parse_make_series(),
            "render" => self.parse_render(),
            "evaluate" => self.op_evaluate(name),
            "invoke" => self.op_invoke(name),
            "top-nested" => self.parse_top_nested(),
            "sample" => self.op_sample(),
            "sample-distinct" => self.op_sample_distinct(),
            "serialize" => self.op_serialize(),
            "getschema" => OpKind::GetSchema,
            "as" => self.op_as(),
            "partition" => self.parse_partition(),
            "search" => self.op_search(start),
            "facet" => self.parse_facet(),
            "fork" => self.parse_fork(),
            "reduce" => self.op_reduce(),
            "scan" => self.op_skipped(OpKind::Scan),
            "consume" => self.op_skipped(OpKind::Consume),
            n if UNSUPPORTED.contains(&n) => self.op_skipped(OpKind::Unsupported(name.clone())),
            _ => self.op_unknown(name),
        }
    }

    fn op_where(&mut self) -> OpKind {
        OpKind::Where(self.parse_expr())
    }

    fn op_extend(&mut self) -> OpKind {
        OpKind::Extend(self.parse_named_list_nonempty("extend"))
    }

    fn op_project(&mut self) -> OpKind {
        OpKind::Project(self.parse_named_list_nonempty("project"))
    }

    fn op_project_away(&mut self) -> OpKind {
        OpKind::ProjectAway(self.parse_patterns())
    }

    fn op_project_keep(&mut self) -> OpKind {
        OpKind::ProjectKeep(self.parse_patterns())
    }

    fn op_project_rename(&mut self) -> OpKind {
        OpKind::ProjectRename(self.parse_renames())
    }

    fn op_project_reorder(&mut self) -> OpKind {
        OpKind::ProjectReorder(self.parse_reorder())
    }

    fn op_sort(&mut self) -> OpKind {
        self.parse_params(&[]);
        self.expect_word("by");
        OpKind::Sort(self.parse_sort_list())
    }

    fn op_top(&mut self) -> OpKind {
        let n = self.parse_expr();
        self.expect_word("by");
        OpKind::Top {
            n,
            by: self.parse_sort_expr(),
        }
    }

    fn op_take(&mut self) -> OpKind {
        self.parse_params(&[]);
        OpKind::Take(self.parse_expr())
    }

    fn op_distinct(&mut self) -> OpKind {
        self.parse_params(&[]);
        OpKind::Distinct(self.parse_expr_list())
    }

    fn op_join(&mut self, is_join: bool) -> OpKind {
        let j = self.parse_join(is_join);
        if is_join {
            OpKind::Join(j)
        } else {
            OpKind::Lookup(j)
        }
    }

    fn op_union(&mut self, start: usize) -> OpKind {
        OpKind::Union(self.parse_union_body(start))
    }

    fn op_mv_expand(&mut self) -> OpKind {
        OpKind::MvExpand(Box::new(self.parse_mv_expand()))
    }

    fn op_parse(&mut self, is_where: bool) -> OpKind {
        let p = Box::new(self.parse_parse());
        if is_where {
            OpKind::ParseWhere(p)
        } else {
            OpKind::Parse(p)
        }
    }

    fn op_evaluate(&mut self, name: &Ident) -> OpKind {
        let params = self.parse_params(&[]);
        let Some(plugin) = self.parse_call() else {
            return OpKind::Unknown(name.clone());
        };
        // Optional output schema: `evaluate pivot(x) : (a:string, ...)`.
        let schema = if self.eat(K::Colon).is_some() {
            let open = self.cur_span();
            let mut cols = Vec::new();
            if self.expect(K::LParen, "'(' and the output schema") {
                cols = self.parse_column_decls_until_close();
                self.close(K::RParen, open);
            }
            Some(cols)
        } else {
            None
        };
        OpKind::Evaluate {
            params,
            plugin,
            schema,
        }
    }

    fn op_invoke(&mut self, name: &Ident) -> OpKind {
        match self.parse_call() {
            Some(c) => OpKind::Invoke(c),
            None => OpKind::Unknown(name.clone()),
        }
    }

    fn op_sample(&mut self) -> OpKind {
        OpKind::Sample(self.parse_expr())
    }

    fn op_sample_distinct(&mut self) -> OpKind {
        let n = self.parse_expr();
        self.expect_word("of");
        OpKind::SampleDistinct {
            n,
            of: self.parse_expr(),
        }
    }

    fn op_serialize(&mut self) -> OpKind {
        OpKind::Serialize(self.parse_named_list())
    }

    fn op_as(&mut self) -> OpKind {
        let params = self.parse_params(&[]);
        OpKind::As {
            params,
            name: self.expect_name("a name after 'as'"),
        }
    }

    fn op_search(&mut self, start: usize) -> OpKind {
        OpKind::Search(Box::new(self.parse_search_body(start)))
    }

    fn op_reduce(&mut self) -> OpKind {
        self.parse_params(&["kind"]);
        self.expect_word("by");
        let by = self.parse_expr();
        let mut props = Vec::new();
        if self.eat_word("with").is_some() {
            while self.name_len_at(0).is_some() {
                props.push(self.parse_property());
                if self.eat(K::Comma).is_none() {
                    break;
                }
            }
        }
        OpKind::Reduce { by, props }
    }

    /// Operators kept by name only: skip their arguments.
    fn op_skipped(&mut self, kind: OpKind) -> OpKind {
        self.skip_to_boundary();
        kind
    }

    fn op_unknown(&mut self, name: &Ident) -> OpKind {
        let msg = format!("unknown operator '{}'", name.name);
        self.error(name.span, msg);
        self.skip_to_boundary();
        OpKind::Unknown(name.clone())
    }

    fn parse_named_list_nonempty(&mut self, op: &str) -> Vec<NamedExpr> {
        if self.at_boundary() {
            self.error_expected(&format!("an expression after '{op}'"));
            return Vec::new();
        }
        self.parse_named_list()
    }

    /// `e, e, ...` (may be empty at a boundary).
    fn parse_expr_list(&mut self) -> Vec<Expr> {
        let mut out = Vec::new();
        if self.at_boundary() {
            self.error_expected("a column");
            return out;
        }
        loop {
            let before = self.pos;
            out.push(self.parse_expr());
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        out
    }

    /// A column pattern: a name, `['quoted']`, or an adjacent `Col*` wildcard.
    fn parse_pattern(&mut self) -> Option<ColumnPattern> {
        if let Some(p) = self.parse_wildcard_name() {
            return Some(p);
        }
        self.eat_name().map(|id| ColumnPattern {
            pattern: id.name,
            span: id.span,
        })
    }

    fn parse_patterns(&mut self) -> Vec<ColumnPattern> {
        let mut out = Vec::new();
        loop {
            match self.parse_pattern() {
                Some(p) => out.push(p),
                None => {
                    self.error_expected("a column name");
                    break;
                }
            }
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        out
    }

    fn parse_renames(&mut self) -> Vec<Rename> {
        let mut out = Vec::new();
        loop {
            let start = self.cur_span().start;
            let Some(new) = self.eat_name() else {
                self.error_expected("'NewName = OldName'");
                break;
            };
            self.expect(K::Eq, "'=' in project-rename");
            let old = self.expect_name("the existing column name");
            out.push(Rename {
                new,
                old,
                span: self.span_from(start),
            });
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        out
    }

    fn parse_reorder(&mut self) -> Vec<ReorderItem> {
        let mut out = Vec::new();
        loop {
            let Some(pattern) = self.parse_pattern() else {
                self.error_expected("a column name");
                break;
            };
            let order = match self.text(0) {
                "asc" => Some(ReorderOrder::Asc),
                "desc" => Some(ReorderOrder::Desc),
                "granny-asc" => Some(ReorderOrder::GrannyAsc),
                "granny-desc" => Some(ReorderOrder::GrannyDesc),
                _ => None,
            };
            if order.is_some() && self.kind(0) == Some(K::Ident) {
                self.bump();
            }
            out.push(ReorderItem { pattern, order });
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        out
    }

    fn parse_summarize(&mut self) -> OpKind {
        let params = self.parse_params(&[]);
        let aggs = if self.at_word("by") || self.at_boundary() {
            Vec::new()
        } else {
            self.parse_named_list()
        };
        let by = if self.eat_word("by").is_some() {
            self.parse_named_list_nonempty("by")
        } else {
            Vec::new()
        };
        if aggs.is_empty() && by.is_empty() {
            self.error_expected("aggregates or 'by' after summarize");
        }
        OpKind::Summarize { params, aggs, by }
    }

    fn parse_sort_list(&mut self) -> Vec<SortExpr> {
        let mut out = Vec::new();
        loop {
            let before = self.pos;
            out.push(self.parse_sort_expr());
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        out
    }

    /// `expr [asc|desc] [nulls first|last]`.
    fn parse_sort_expr(&mut self) -> SortExpr {
        let start = self.cur_span().start;
        let expr = self.parse_expr();
        let mut desc = true;
        if self.eat_word("asc").is_some() {
            desc = false;
        } else {
            self.eat_word("desc");
        }
        let mut nulls_first = None;
        if self.eat_word("nulls").is_some() {
            if self.eat_word("first").is_some() {
                nulls_first = Some(true);
            } else if self.eat_word("last").is_some() {
                nulls_first = Some(false);
            } else {
                self.error_expected("'first' or 'last' after 'nulls'");
            }
        }
        SortExpr {
            expr,
            desc,
            nulls_first,
            span: self.span_from(start),
        }
    }

    /// `join`/`lookup`: `[params] right on conditions`.
    fn parse_join(&mut self, is_join: bool) -> Join {
        let params = self.parse_params(&["kind", "withsource", "isfuzzy"]);
        let mut kind = None;
        let mut rest = Vec::new();
        for p in params {
            if p.name.name == "kind" {
                match p.value.as_name().and_then(JoinKind::from_name) {
                    Some(k) => kind = Some(k),
                    None => self.error(p.value.span, "unknown join kind"),
                }
            } else {
                rest.push(p);
            }
        }
        let right = if self.at(K::LParen) || self.name_len_at(0).is_some() {
            let e = self.parse_postfix();
            self.expr_into_tabular(e)
        } else {
            self.error_expected(if is_join {
                "the right side of the join"
            } else {
                "the lookup table"
            });
            Tabular {
                source: Source::Error(self.cur_span()),
                ops: Vec::new(),
                span: self.cur_span(),
            }
        };
        let mut on = Vec::new();
        if self.eat_word("on").is_some() {
            loop {
                let before = self.pos;
                let e = self.parse_expr();
                flatten_conditions(e, &mut on);
                if self.eat(K::Comma).is_none() || self.pos == before {
                    break;
                }
            }
        } else {
            self.error_expected("'on' and the join keys");
        }
        Join {
            kind,
            params: rest,
            right: Box::new(right),
            on,
        }
    }

    /// `name(args)`.
    fn parse_call(&mut self) -> Option<Call> {
        if self.kind(0) == Some(K::Ident) && self.kind(1) == Some(K::LParen) {
            let start = self.cur_span().start;
            let name = self.eat_name()?;
            let args = self.parse_call_args();
            return Some(Call {
                name,
                args,
                span: self.span_from(start),
            });
        }
        self.error_expected("a function call such as name(...)");
        self.skip_to_boundary();
        None
    }

    /// Items of mv-expand/mv-apply: `[name =] expr [to typeof(t)]`, ...
    fn parse_expand_items(&mut self) -> Vec<ExpandItem> {
        let mut items = Vec::new();
        if self.at_boundary() {
            self.error_expected("a column to expand");
            return items;
        }
        loop {
            let before = self.pos;
            let item = self.parse_named_expr();
            let to_type = if self.at_word("to") && self.is_word(1, "typeof") {
                self.bump();
                self.bump();
                let open = self.cur_span();
                if self.expect(K::LParen, "'(' after typeof") {
                    let t = self.parse_scalar_type();
                    self.close(K::RParen, open);
                    Some(t)
                } else {
                    None
                }
            } else {
                None
            };
            items.push(ExpandItem { item, to_type });
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        items
    }

    fn parse_limit(&mut self) -> Option<Expr> {
        self.eat_word("limit").map(|_| self.parse_expr())
    }

    fn parse_mv_expand(&mut self) -> MvExpand {
        let params = self.parse_params(&["bagexpansion", "with_itemindex", "kind"]);
        let items = self.parse_expand_items();
        let limit = self.parse_limit();
        MvExpand {
            params,
            items,
            limit,
        }
    }

    fn parse_mv_apply(&mut self) -> OpKind {
        let params = self.parse_params(&["with_itemindex", "kind"]);
        let items = self.parse_expand_items();
        let limit = self.parse_limit();
        let on = if self.expect_word("on") {
            self.parse_paren_op_chain()
        } else {
            Vec::new()
        };
        OpKind::MvApply(Box::new(MvApply {
            params,
            items,
            limit,
            on,
        }))
    }

    fn parse_parse(&mut self) -> Parse {
        let params = self.parse_params(&["kind", "flags"]);
        let mut kind = ParseKind::Simple;
        let mut rest = Vec::new();
        for p in params {
            if p.name.name == "kind" {
                kind = match p.value.as_name() {
                    Some("regex") => ParseKind::Regex,
                    Some("relaxed") => ParseKind::Relaxed,
                    Some("simple") => ParseKind::Simple,
                    _ => {
                        self.error(p.value.span, "parse kind must be simple, regex or relaxed");
                        ParseKind::Simple
                    }
                };
            } else {
                rest.push(p);
            }
        }
        let expr = self.parse_expr();
        self.expect_word("with");
        let mut pattern = Vec::new();
        loop {
            match self.kind(0) {
                Some(K::String) => {
                    let s = literal::decode_string(self.text(0)).unwrap_or_default();
                    self.bump();
                    pattern.push(ParsePart::Literal(s));
                }
                Some(K::Star) => {
                    self.bump();
                    pattern.push(ParsePart::Star);
                }
                Some(K::Ident | K::LBracket) if self.name_len_at(0).is_some() => {
                    let Some(name) = self.eat_name() else { break };
                    let ty = if self.eat(K::Colon).is_some() {
                        Some(self.parse_scalar_type())
                    } else {
                        None
                    };
                    pattern.push(ParsePart::Column { name, ty });
                }
                _ => break,
            }
        }
        if pattern.is_empty() {
            self.error_expected("a parse pattern");
        }
        Parse {
            kind,
            params: rest,
            expr,
            pattern,
        }
    }

    fn parse_parse_kv(&mut self) -> OpKind {
        let expr = self.parse_expr();
        self.expect_word("as");
        let open = self.cur_span();
        let mut columns = Vec::new();
        if self.expect(K::LParen, "'(' and the extracted keys") {
            columns = self.parse_column_decls_until_close();
            self.close(K::RParen, open);
        }
        let props = if self.eat_word("with").is_some() {
            self.parse_property_list()
        } else {
            Vec::new()
        };
        OpKind::ParseKv(ParseKv {
            expr,
            columns,
            props,
        })
    }

    fn parse_make_series(&mut self) -> OpKind {
        let params = self.parse_params(&["kind"]);
        let mut aggs = Vec::new();
        while !self.at_word("on") && !self.at_boundary() {
            let before = self.pos;
            let agg = self.parse_named_expr();
            let default = if self.at_word("default") && self.kind(1) == Some(K::Eq) {
                self.bump();
                self.bump();
                Some(self.parse_expr())
            } else {
                None
            };
            aggs.push(SeriesAgg { agg, default });
            if self.eat(K::Comma).is_none() || self.pos == before {
                break;
            }
        }
        self.expect_word("on");
        let on = self.parse_expr();
        let (mut from, mut to, mut step) = (None, None, None);
        if self.at_word("in") && self.is_word(1, "range") {
            self.bump();
            self.bump();
            let args = self.parse_call_args();
            let mut it = args.into_iter();
            from = it.next();
            to = it.next();
            step = it.next();
        } else {
            if self.eat_word("from").is_some() {
                from = Some(self.parse_expr());
            }
            if self.eat_word("to").is_some() {
                to = Some(self.parse_expr());
            }
            if self.expect_word("step") {
                step = Some(self.parse_expr());
            }
        }
        let by = if self.eat_word("by").is_some() {
            self.parse_named_list_nonempty("by")
        } else {
            Vec::new()
        };
        OpKind::MakeSeries(Box::new(MakeSeries {
            params,
            aggs,
            on,
            from,
            to,
            step,
            by,
        }))
    }

    fn parse_render(&mut self) -> OpKind {
        let chart = self.expect_name("a chart type after 'render'");
        let mut props = Vec::new();
        if self.eat_word("with").is_some() {
            let open = self.cur_span();
            if self.expect(K::LParen, "'(' and render properties") {
                while self.name_len_at(0).is_some() {
                    let start = self.cur_span().start;
                    let Some(name) = self.eat_name() else { break };
                    self.expect(K::Eq, "'=' after the property name");
                    let mut values = vec![self.parse_expr()];
                    // List-valued properties: `ycolumns=a, b` (until the next `name =`).
                    while self.at(K::Comma)
                        && self
                            .name_len_at(1)
                            .is_some_and(|n| self.kind(1 + n) != Some(K::Eq))
                    {
                        self.bump();
                        values.push(self.parse_expr());
                    }
                    props.push(RenderProp {
                        name,
                        values,
                        span: self.span_from(start),
                    });
                    if self.eat(K::Comma).is_none() {
                        break;
                    }
                }
                self.close(K::RParen, open);
            }
        }
        OpKind::Render { chart, props }
    }

    fn parse_top_nested(&mut self) -> OpKind {
        let mut clauses = Vec::new();
        loop {
            let start = self.cur_span().start;
            let n = if self.at_word("of") {
                None
            } else {
                Some(self.parse_expr())
            };
            self.expect_word("of");
            let of = self.parse_named_expr();
            let others = if self.at_word("with") && self.is_word(1, "others") {
                self.bump();
                self.bump();
                self.expect(K::Eq, "'=' after 'with others'");
                Some(self.parse_expr())
            } else {
                None
            };
            self.expect_word("by");
            let by = self.parse_named_expr();
            let mut desc = true;
            if self.eat_word("asc").is_some() {
                desc = false;
            } else {
                self.eat_word("desc");
            }
            clauses.push(TopNestedClause {
                n,
                of,
                others,
                by,
                desc,
                span: self.span_from(start),
            });
            if !(self.at(K::Comma) && self.is_word(1, "top-nested")) {
                break;
            }
            self.bump();
            self.bump();
        }
        OpKind::TopNested(clauses)
    }

    fn parse_partition(&mut self) -> OpKind {
        let params = self.parse_params(&[]);
        self.expect_word("by");
        // A column name only: `partition by Col (ops)` must not read as a call.
        let by = match self.eat_name() {
            Some(id) => Expr {
                kind: ExprKind::Name(id.name),
                span: id.span,
            },
            None => {
                self.error_expected("the partition column");
                self.hole()
            }
        };
        let body = if self.at(K::LBrace) {
            let open = self.cur_span();
            self.bump();
            let t = if self.enter() {
                let t = self.parse_tabular();
                self.leave();
                t
            } else {
                Tabular {
                    source: Source::Error(open),
                    ops: Vec::new(),
                    span: open,
                }
            };
            self.close(K::RBrace, open);
            PartitionBody::Tabular(Box::new(t))
        } else {
            PartitionBody::Ops(self.parse_paren_op_chain())
        };
        OpKind::Partition { params, by, body }
    }

    fn parse_facet(&mut self) -> OpKind {
        self.expect_word("by");
        let mut by = Vec::new();
        while let Some(id) = self.eat_name() {
            by.push(id);
            if self.eat(K::Comma).is_none() {
                break;
            }
        }
        let with = if self.eat_word("with").is_some() {
            self.parse_paren_op_chain()
        } else {
            Vec::new()
        };
        OpKind::Facet { by, with }
    }

    fn parse_fork(&mut self) -> OpKind {
        let mut branches = Vec::new();
        loop {
            // Optional `name =` before a branch.
            if let Some(n) = self.name_len_at(0)
                && self.kind(n) == Some(K::Eq)
            {
                self.pos += n + 1;
            }
            if !self.at(K::LParen) {
                break;
            }
            branches.push(self.parse_paren_op_chain());
        }
        if branches.is_empty() {
            self.error_expected("'(' and a fork branch");
        }
        OpKind::Fork(branches)
    }
}

/// Splits `a and b, c` join conditions and classifies each.
fn flatten_conditions(e: Expr, out: &mut Vec<JoinCondition>) {
    match e.kind {
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => {
            flatten_conditions(*lhs, out);
            flatten_conditions(*rhs, out);
        }
        ExprKind::Name(name) => out.push(JoinCondition::Same(Ident { name, span: e.span })),
        ExprKind::Binary {
            op: BinOp::Eq,
            lhs,
            rhs,
        } => match (side_column(&lhs), side_column(&rhs)) {
            (Some(("$left", l)), Some(("$right", r)))
            | (Some(("$right", r)), Some(("$left", l))) => out.push(JoinCondition::Equal {
                left: l,
                right: r,
                span: e.span,
            }),
            _ => out.push(JoinCondition::Expr(Expr {
                kind: ExprKind::Binary {
                    op: BinOp::Eq,
                    lhs,
                    rhs,
                },
                span: e.span,
            })),
        },
        kind => out.push(JoinCondition::Expr(Expr { kind, span: e.span })),
    }
}

/// `$left.Col` / `$right.Col` → (side, column).
fn side_column(e: &Expr) -> Option<(&str, Ident)> {
    if let ExprKind::Member { expr, name } = &e.kind {
        let side = expr.as_name()?;
        if side == "$left" || side == "$right" {
            return Some((side, name.clone()));
        }
    }
    None
}
