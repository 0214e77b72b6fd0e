//! Parser unit tests on small hand-written queries.

use crate::kql::ast::*;
use crate::kql::parse;

fn ok(src: &str) -> Script {
    let p = parse(src);
    assert!(
        p.is_ok(),
        "unexpected diagnostics for {src:?}: {:#?}",
        p.diagnostics
    );
    p.script
}

fn query(src: &str) -> Tabular {
    let s = ok(src);
    match s.statements.into_iter().last() {
        Some(Statement::Query(t)) => t,
        other => panic!("expected a query, got {other:?}"),
    }
}

fn op_kinds(src: &str) -> Vec<OpKind> {
    query(src).ops.into_iter().map(|o| o.kind).collect()
}

fn where_expr(src: &str) -> Expr {
    match op_kinds(&format!("T | where {src}")).into_iter().next() {
        Some(OpKind::Where(e)) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn simple_pipeline() {
    let t = query("DeviceProcessEvents | where Timestamp > ago(1d) | take 10");
    assert!(matches!(&t.source, Source::Table(i) if i.name == "DeviceProcessEvents"));
    assert_eq!(t.ops.len(), 2);
    assert_eq!(t.span.start, 0);
    match &t.ops[1].kind {
        OpKind::Take(e) => assert_eq!(e.kind, ExprKind::Literal(Literal::Long(10))),
        k => panic!("{k:?}"),
    }
}

#[test]
fn precedence() {
    let e = where_expr("a == 1 or b > 2 and c + 1 * 2 < 5");
    let ExprKind::Binary {
        op: BinOp::Or, rhs, ..
    } = &e.kind
    else {
        panic!("{e:?}")
    };
    let ExprKind::Binary {
        op: BinOp::And,
        rhs,
        ..
    } = &rhs.kind
    else {
        panic!()
    };
    let ExprKind::Binary {
        op: BinOp::Lt, lhs, ..
    } = &rhs.kind
    else {
        panic!()
    };
    let ExprKind::Binary {
        op: BinOp::Add,
        rhs,
        ..
    } = &lhs.kind
    else {
        panic!()
    };
    assert!(matches!(rhs.kind, ExprKind::Binary { op: BinOp::Mul, .. }));
}

#[test]
fn string_operators_are_distinct() {
    for (src, op) in [
        ("x has 'a'", BinOp::Has),
        ("x !has 'a'", BinOp::NotHas),
        ("x has_cs 'a'", BinOp::HasCs),
        ("x !contains_cs 'a'", BinOp::NotContainsCs),
        ("x startswith 'a'", BinOp::StartsWith),
        ("x !endswith 'a'", BinOp::NotEndsWith),
        ("x matches regex '[a-z]'", BinOp::MatchesRegex),
        ("x =~ 'a'", BinOp::EqCi),
        ("x !~ 'a'", BinOp::NotEqCi),
        ("x hassuffix_cs 'a'", BinOp::HasSuffixCs),
    ] {
        let e = where_expr(src);
        assert!(
            matches!(e.kind, ExprKind::Binary { op: o, .. } if o == op),
            "{src}: {e:?}"
        );
    }
    let e = where_expr("x has_any ('a', 'b')");
    let ExprKind::Binary {
        op: BinOp::HasAny,
        rhs,
        ..
    } = e.kind
    else {
        panic!()
    };
    assert!(matches!(&rhs.kind, ExprKind::List(v) if v.len() == 2));
}

#[test]
fn in_and_between() {
    let e = where_expr("x !in~ ('a', 'b')");
    assert!(matches!(
        &e.kind,
        ExprKind::In { negated: true, case_insensitive: true, list, .. } if list.len() == 2
    ));
    let e = where_expr("x in ((T | project y))");
    let ExprKind::In { list, .. } = &e.kind else {
        panic!()
    };
    assert!(matches!(list[0].kind, ExprKind::Tabular(_)));
    let e = where_expr("Timestamp between (ago(2d) .. now())");
    assert!(matches!(e.kind, ExprKind::Between { negated: false, .. }));
    let e = where_expr("x !between (1 .. 5)");
    assert!(matches!(e.kind, ExprKind::Between { negated: true, .. }));
}

#[test]
fn literals() {
    let e = where_expr("x == -1.5e3");
    let ExprKind::Binary { rhs, .. } = e.kind else {
        panic!()
    };
    assert_eq!(rhs.kind, ExprKind::Literal(Literal::Real(-1500.0)));
    let k = op_kinds(
        "T | extend a = 1h, b = datetime(2024-01-02), c = long(null), d = dynamic({\"k\": [1, 'x', null]}), \
         e = typeof(string), f = guid(00000000-0000-0000-0000-000000000000), g = h'secret' 'more', i = int(-3)",
    );
    let OpKind::Extend(items) = &k[0] else {
        panic!()
    };
    let lits: Vec<&ExprKind> = items.iter().map(|i| &i.expr.kind).collect();
    assert_eq!(
        *lits[0],
        ExprKind::Literal(Literal::TimeSpan(36_000_000_000))
    );
    assert_eq!(
        *lits[1],
        ExprKind::Literal(Literal::DateTime("2024-01-02".into()))
    );
    assert_eq!(*lits[2], ExprKind::Literal(Literal::Null(ScalarType::Long)));
    assert_eq!(
        *lits[3],
        ExprKind::Literal(Literal::Dynamic(Box::new(
            serde_json::json!({"k": [1, "x", null]})
        )))
    );
    assert_eq!(
        *lits[4],
        ExprKind::Literal(Literal::Type(ScalarType::String))
    );
    assert!(matches!(lits[5], ExprKind::Literal(Literal::Guid(_))));
    assert_eq!(
        *lits[6],
        ExprKind::Literal(Literal::String("secretmore".into()))
    );
    assert_eq!(*lits[7], ExprKind::Literal(Literal::Int(-3)));
}

#[test]
fn summarize_and_sort() {
    let k = op_kinds(
        "T | summarize arg_max(Timestamp, *), n = count() by DeviceId, bin(Timestamp, 1h) | sort by n asc nulls first, DeviceId",
    );
    let OpKind::Summarize { aggs, by, .. } = &k[0] else {
        panic!()
    };
    assert_eq!(aggs.len(), 2);
    assert_eq!(aggs[1].names[0].name, "n");
    assert_eq!(by.len(), 2);
    let OpKind::Sort(keys) = &k[1] else { panic!() };
    assert!(!keys[0].desc && keys[0].nulls_first == Some(true));
    assert!(keys[1].desc && keys[1].nulls_first.is_none());
    let k = op_kinds("T | summarize by x | top 5 by y");
    assert!(matches!(&k[0], OpKind::Summarize { aggs, .. } if aggs.is_empty()));
    assert!(matches!(&k[1], OpKind::Top { by, .. } if by.desc));
}

#[test]
fn join_forms() {
    let k = op_kinds(
        "A | join kind=leftouter hint.strategy=shuffle (B | where x > 1) on $left.Id == $right.DeviceId, Name",
    );
    let OpKind::Join(j) = &k[0] else { panic!() };
    assert_eq!(j.kind, Some(JoinKind::LeftOuter));
    assert_eq!(j.params[0].name.name, "hint.strategy");
    assert_eq!(j.right.ops.len(), 1);
    assert!(
        matches!(&j.on[0], JoinCondition::Equal { left, right, .. } if left.name == "Id" && right.name == "DeviceId")
    );
    assert!(matches!(&j.on[1], JoinCondition::Same(i) if i.name == "Name"));
    let k = op_kinds("A | join B on $right.X == $left.Y and Z");
    let OpKind::Join(j) = &k[0] else { panic!() };
    assert!(matches!(&j.on[0], JoinCondition::Equal { left, .. } if left.name == "Y"));
    assert_eq!(j.on.len(), 2);
    assert!(matches!(&*j.right, Tabular { source: Source::Table(i), .. } if i.name == "B"));
}

#[test]
fn let_forms() {
    let s = ok(
        "let a = 5; let T = materialize(X | take 1); let f = (x:string, y:long = 5, t:(*)) { t | where c == x }; \
                let v = view () { X }; let n = T; f('a', 1, T)",
    );
    let lets: Vec<&LetStmt> = s
        .statements
        .iter()
        .filter_map(|s| {
            if let Statement::Let(l) = s {
                Some(l)
            } else {
                None
            }
        })
        .collect();
    assert!(matches!(lets[0].value, LetValue::Expr(_)));
    assert!(matches!(
        &lets[1].value,
        LetValue::Tabular(Tabular {
            source: Source::Materialize(_),
            ..
        })
    ));
    let LetValue::Function(f) = &lets[2].value else {
        panic!()
    };
    assert_eq!(f.params.len(), 3);
    assert!(f.params[1].default.is_some());
    assert_eq!(f.params[2].ty, ParamType::Tabular(None));
    assert!(matches!(f.body.last(), Some(Statement::Query(_))));
    assert!(matches!(&lets[3].value, LetValue::Function(f) if f.is_view));
    assert!(matches!(lets[4].value, LetValue::Expr(_)));
    assert!(matches!(
        s.statements.last(),
        Some(Statement::Query(Tabular {
            source: Source::Call(_),
            ..
        }))
    ));
}

#[test]
fn sources() {
    let t = query("datatable (a:string, b:long) ['x', 1, 'y', -2]");
    let Source::Datatable(d) = t.source else {
        panic!()
    };
    assert_eq!(d.columns.len(), 2);
    assert_eq!(d.values.len(), 4);
    let t = query(
        "externaldata (h:string) [@'https://x/y.csv'] with (format='csv', ignoreFirstRecord=true) | take 1",
    );
    let Source::ExternalData(x) = t.source else {
        panic!()
    };
    assert_eq!(x.props.len(), 2);
    let t = query("union withsource=Table kind=outer Device*, (T | take 1), U");
    let Source::Union(u) = t.source else { panic!() };
    assert_eq!(u.params.len(), 2);
    assert_eq!(u.tables.len(), 3);
    assert!(matches!(&u.tables[0].source, Source::Table(i) if i.name == "Device*"));
    assert!(matches!(query("print x = 1, y = 'a'").source, Source::Print(v) if v.len() == 2));
    assert!(matches!(
        query("range i from 1 to 10 step 1").source,
        Source::Range(_)
    ));
    assert!(matches!(
        query("search 'evil.exe'").source,
        Source::Search(_)
    ));
    assert!(
        matches!(query("['My Table'] | count").source, Source::Table(i) if i.name == "My Table")
    );
}

#[test]
fn projection_ops() {
    let k = op_kinds(
        "T | project-away Init*, ['b c'] | project-rename New = Old | project-reorder Time, A* asc | project-keep X | extend (a, b) = f(x)",
    );
    assert!(
        matches!(&k[0], OpKind::ProjectAway(p) if p[0].pattern == "Init*" && p[1].pattern == "b c")
    );
    assert!(
        matches!(&k[1], OpKind::ProjectRename(r) if r[0].new.name == "New" && r[0].old.name == "Old")
    );
    assert!(matches!(&k[2], OpKind::ProjectReorder(r) if r[1].order == Some(ReorderOrder::Asc)));
    assert!(matches!(&k[4], OpKind::Extend(v) if v[0].names.len() == 2));
}

#[test]
fn other_ops() {
    let k = op_kinds(
        "T | mv-expand bagexpansion=array x to typeof(string), y limit 10 \
         | mv-apply z to typeof(long) on (top 1 by z | project z) \
         | parse kind=regex flags=i Cmd with * 'user=' User:string ' ' Rest \
         | make-series n = count() default = 0 on Timestamp from ago(1d) to now() step 1h by Dev \
         | render timechart with (title='x', ycolumns=a, b) \
         | evaluate bag_unpack(Extra) \
         | invoke FileProfile(SHA1, 1000) \
         | top-nested 3 of A by count(), top-nested 2 of B with others = 'o' by sum(x) asc \
         | sample-distinct 3 of x | serialize rn = row_number() | getschema | as Foo \
         | partition by Dev (top 1 by Timestamp) | distinct * | count | mvexpand q | lookup kind=inner (L) on k",
    );
    assert!(
        matches!(&k[0], OpKind::MvExpand(m) if m.items.len() == 2 && m.limit.is_some() && m.items[0].to_type == Some(ScalarType::String))
    );
    assert!(matches!(&k[1], OpKind::MvApply(m) if m.on.len() == 2));
    let OpKind::Parse(p) = &k[2] else { panic!() };
    assert_eq!(p.kind, ParseKind::Regex);
    assert_eq!(p.pattern.len(), 5);
    assert!(
        matches!(&k[3], OpKind::MakeSeries(m) if m.aggs[0].default.is_some() && m.step.is_some() && m.by.len() == 1)
    );
    assert!(matches!(&k[4], OpKind::Render { props, .. } if props[1].values.len() == 2));
    assert!(matches!(&k[5], OpKind::Evaluate { plugin, .. } if plugin.name.name == "bag_unpack"));
    assert!(matches!(&k[6], OpKind::Invoke(c) if c.args.len() == 2));
    assert!(
        matches!(&k[7], OpKind::TopNested(c) if c.len() == 2 && !c[1].desc && c[1].others.is_some())
    );
    assert!(matches!(&k[13], OpKind::Distinct(v) if v[0].kind == ExprKind::Star));
    assert!(matches!(&k[14], OpKind::Count));
    assert!(matches!(&k[16], OpKind::Lookup(j) if j.kind == Some(JoinKind::Inner)));
}

#[test]
fn half_typed_queries_still_have_trees() {
    for src in [
        "DeviceProcessEvents | where FileName =~ ",
        "T | where (a > 1",
        "T | summarize count() by",
        "T | join kind=inner (",
        "T | extend x = f(1,",
        "T | ",
        "T | frobnicate 1 2 3 | take 1",
        "let x = ",
        "let",
        "let = 5; T",
        "T | where x in (",
        "datatable(a:string)[",
        ")))",
        "T | where a == 'unterminated",
    ] {
        let p = parse(src);
        assert!(!p.is_ok(), "{src:?} should have errors");
        assert!(!p.script.statements.is_empty(), "{src:?} lost its tree");
        for d in &p.diagnostics {
            assert!(
                d.span.end <= src.len() && d.span.start <= d.span.end,
                "{src:?}: {d:?}"
            );
        }
    }
    let p = parse("T | extend x = f(1,\n| take 5");
    let Some(t) = p.script.query() else { panic!() };
    assert!(matches!(&t.ops[1].kind, OpKind::Take(_)), "{:?}", t.ops);
    let p = parse("T | frobnicate 1 2 3 | take 1");
    let Some(Statement::Query(t)) = p.script.statements.first() else {
        panic!()
    };
    assert!(matches!(&t.ops[0].kind, OpKind::Unknown(i) if i.name == "frobnicate"));
    assert!(matches!(&t.ops[1].kind, OpKind::Take(_)));
}

#[test]
fn deep_nesting_is_capped() {
    // Every recursive construct, nested far past the cap, on a thread with a small stack
    // (debug frames are large; the default test thread has 2 MiB).
    let shapes: Vec<(&str, &str)> = vec![
        ("print ", "("),
        ("print ", "-"),
        ("print ", "f("),
        ("print ", "x["),
        ("print dynamic(", "["),
        ("print ", "x between ("),
        ("print ", "x in ("),
        ("print ", "x has_any ("),
        ("", "let f = () { "),
        ("", "find in ("),
        ("", "union ("),
        ("T | join ", "(U | join "),
        ("T | ", "mv-apply x on ("),
        ("T | ", "partition by x { T | "),
        ("T | ", "fork ("),
        ("", "materialize("),
        ("print ", "toscalar(T | where x in ("),
    ];
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for (prefix, open) in shapes {
                let src = format!("{prefix}{}1", open.repeat(3000));
                let p = parse(&src);
                assert!(
                    p.diagnostics
                        .iter()
                        .any(|d| d.message.contains("nested too deeply")),
                    "{open}: {:?}",
                    p.diagnostics.iter().take(3).collect::<Vec<_>>()
                );
            }
            // Reasonable nesting still parses cleanly.
            let src = format!("print {}1{}", "f(".repeat(25), ")".repeat(25));
            assert!(parse(&src).is_ok());
        });
    assert!(handle.map(|h| h.join().is_ok()).unwrap_or(false));
}

#[test]
fn long_chains_stay_shallow() {
    fn depth(e: &Expr) -> usize {
        match &e.kind {
            ExprKind::Binary { lhs, rhs, .. } => 1 + depth(lhs).max(depth(rhs)),
            _ => 1,
        }
    }
    let terms: Vec<String> = (0..20_000).map(|i| format!("x == {i}")).collect();
    let src = format!("T | where {}", terms.join(" or "));
    let p = parse(&src);
    assert!(p.is_ok());
    let Some(Statement::Query(t)) = p.script.statements.first() else {
        panic!()
    };
    let OpKind::Where(e) = &t.ops[0].kind else {
        panic!()
    };
    assert!(depth(e) < 20, "depth {}", depth(e));
    // Order is preserved: leftmost operand first.
    let ExprKind::Binary {
        op: BinOp::Or, lhs, ..
    } = &e.kind
    else {
        panic!()
    };
    assert_eq!(lhs.span.start, src.find("x == 0").unwrap_or(0));
    // Non-associative chains are capped instead of nesting without bound.
    let src = format!("print {}", vec!["1"; 100_000].join(" + "));
    assert!(!parse(&src).is_ok());
    let src = format!("print a{}", ".b".repeat(100_000));
    assert!(!parse(&src).is_ok());
    let src = format!("print a{}", "[0]".repeat(100_000));
    assert!(!parse(&src).is_ok());
}

#[test]
fn spans_cover_source() {
    let src = "T\n| where x == 1 // c\n| take 5";
    let t = query(src);
    assert_eq!(t.span.text(src), src.trim_end_matches("// c").trim_end());
    assert_eq!(t.ops[1].span.text(src), "take 5");
    let OpKind::Where(e) = &t.ops[0].kind else {
        panic!()
    };
    assert_eq!(e.span.text(src), "x == 1");
}

#[test]
fn script_helpers() {
    let src = "let a = 1;\nT | take a";
    let s = ok(src);
    assert!(matches!(s.query().map(|t| &t.source), Some(Source::Table(i)) if i.name == "T"));
    assert!(matches!(s.statement_at(2), Some(Statement::Let(_))));
    assert!(matches!(
        s.statement_at(src.len()),
        Some(Statement::Query(_))
    ));
}
