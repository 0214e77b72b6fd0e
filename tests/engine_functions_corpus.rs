//! Every scalar function the real-world corpus calls is either run by the local engine or
//! refused by name as needing the service; the test fails if a corpus function is neither
//! (so a new query shape cannot silently fall through to "unknown function"). Aggregates,
//! table functions and `let`-defined functions belong to the operators and are skipped.

mod corpus;

use std::collections::{BTreeMap, BTreeSet};

use kqlhunt::engine::functions;
use kqlhunt::kql::ast::{Expr, ExprKind, Statement};
use kqlhunt::kql::visit::{Visitor, walk_expr, walk_statement};

/// Calls the operators own: aggregates (summarize, make-series, top-nested), table-valued
/// and scope functions.
const OPERATOR_FUNCTIONS: &[&str] = &[
    "count",
    "countif",
    "dcount",
    "dcountif",
    "sum",
    "sumif",
    "min",
    "max",
    "minif",
    "maxif",
    "avg",
    "avgif",
    "arg_max",
    "arg_min",
    "argmax",
    "argmin",
    "count_distinct",
    "make_set",
    "make_set_if",
    "make_list",
    "make_list_if",
    "make_bag",
    "make_bag_if",
    "makeset",
    "makelist",
    "any",
    "anyif",
    "take_any",
    "take_anyif",
    "percentile",
    "percentiles",
    "percentiles_array",
    "stdev",
    "stdevif",
    "variance",
    "varianceif",
    "hll",
    "hll_merge",
    "dcount_hll",
    "tdigest",
    "merge_tdigest",
    "toscalar",
    "materialize",
    "table",
    "row_cumsum",
    "FileProfile",
    "DeviceFromIP",
    "AssignedIPAddresses",
    "binary_all_or",
    "binary_all_and",
    "binary_all_xor",
    "buildschema",
    "make_list_with_nulls",
];

#[derive(Default)]
struct Calls {
    names: BTreeSet<String>,
    lets: BTreeSet<String>,
}

impl Visitor for Calls {
    fn statement(&mut self, s: &Statement) {
        if let Statement::Let(l) = s {
            self.lets.insert(l.name.name.clone());
        }
        walk_statement(self, s)
    }
    fn expr(&mut self, e: &Expr) {
        if let ExprKind::Call(c) = &e.kind {
            self.names.insert(c.name.name.clone());
        }
        walk_expr(self, e)
    }
}

#[test]
fn every_corpus_function_is_run_or_refused_by_name() {
    let Some(dir) = corpus::dir() else {
        eprintln!("KQL corpus not found (set KQLHUNT_CORPUS): skipping the corpus function check");
        return;
    };
    let known: BTreeSet<&str> = functions::names()
        .chain(functions::SERVICE_ONLY.iter().copied())
        .chain(functions::SCHEMA_FUNCTIONS.iter().copied())
        .chain(OPERATOR_FUNCTIONS.iter().copied())
        .collect();
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let files = corpus::kql_files(&dir);
    assert!(files.len() > 100, "only {} corpus files", files.len());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let parsed = kqlhunt::kql::parse(&text);
        let mut calls = Calls::default();
        kqlhunt::kql::visit::walk_script(&mut calls, &parsed.script);
        for name in calls.names.difference(&calls.lets) {
            if !known.contains(name.as_str()) {
                *missing.entry(name.clone()).or_default() += 1;
            }
        }
    }
    assert!(
        missing.is_empty(),
        "corpus functions neither run nor refused: {missing:?}"
    );
}
