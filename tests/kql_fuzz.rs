//! Robustness properties of the KQL front end: on arbitrary text, token soups, and corpus
//! queries truncated or randomly edited, lexing, parsing and splitting never panic and
//! every span (tokens, diagnostics, tree nodes, query ranges) is in bounds and on char
//! boundaries.

mod corpus;
#[path = "../fuzz/targets.rs"]
mod targets;

use std::time::Instant;

use proptest::prelude::*;

/// Lexing, parsing and splitting, every span checked.
fn check(src: &str) {
    targets::kql_front_end(src);
}

fn corpus() -> Vec<String> {
    let Some(dir) = corpus::dir() else {
        eprintln!("\n!!!!! KQL CORPUS NOT FOUND: corpus-based fuzzing SKIPPED !!!!!\n");
        return Vec::new();
    };
    corpus::kql_files(&dir)
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

/// KQL-ish fragments for token soups, including broken ones.
const FRAGMENTS: &[&str] = &[
    "T",
    "|",
    "where",
    "extend",
    "project",
    "summarize",
    "by",
    "join",
    "kind=inner",
    "on",
    "$left.a",
    "==",
    "=~",
    "!has",
    "in~",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ";",
    "let",
    "=",
    "x",
    "1",
    "1.5",
    "1d",
    "datetime(2024-01-01)",
    "dynamic([1,{\"a\":2}])",
    "'str'",
    "\"s\\\"",
    "@'v'",
    "h'x'",
    "```",
    "//c\n",
    "\n",
    "\n\n",
    "mv-expand",
    "project-away",
    "a*",
    "*",
    "between",
    "..",
    "(1 .. 2)",
    "materialize(",
    "toscalar(",
    "datatable(a:string)[",
    "union",
    "-",
    "+",
    "not(",
    "count()",
    "arg_max(x, *)",
    "render",
    "with",
    "é",
    "🙂",
    "\t",
    "'",
    "parse",
    "with *",
    "typeof(",
    "range",
    "from",
    "to",
    "step",
    "print",
    "=>",
    ":",
    "!",
    "evaluate",
    "bag_unpack(",
    "invoke",
    "top",
    "10",
    "asc",
    "nulls",
    "first",
    "partition",
    "mv-apply",
    "on (",
    "fork",
    "scan",
    "find",
    "search",
    "externaldata",
    "guid(",
    "#",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((0..FRAGMENTS.len(), prop::bool::ANY), 0..60).prop_map(|parts| {
        let mut s = String::new();
        for (i, space) in parts {
            s.push_str(FRAGMENTS[i]);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(s in any::<String>()) {
        targets::kql_text(&s);
    }

    #[test]
    fn kql_alphabet_strings(s in "[a-z_|()\\[\\]{}'\"@`=!~<>.,;:*/%+\\-0-9 \n\té$]{0,200}") {
        check(&s);
    }

    #[test]
    fn token_soups(s in soup()) {
        targets::kql_text(&s);
    }
}

#[test]
fn corpus_random_edits() {
    let corpus = corpus();
    if corpus.is_empty() {
        return;
    }
    let start = Instant::now();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 3000,
        ..ProptestConfig::default()
    });
    let n = corpus.len();
    let strategy = (
        0..n,
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        0..4u8,
        soup(),
    );
    runner
        .run(&strategy, |(i, a, b, edit, frag)| {
            let src = &corpus[i];
            let bounds: Vec<usize> = (0..=src.len())
                .filter(|&k| src.is_char_boundary(k))
                .collect();
            let (x, y) = {
                let p = a.get(&bounds);
                let q = b.get(&bounds);
                (*p.min(q), *p.max(q))
            };
            let edited = match edit {
                0 => format!("{}{}", &src[..x], &src[y..]),
                1 => format!("{}{}{}", &src[..x], frag, &src[x..]),
                2 => format!("{}{}{}", &src[..y], &src[x..y], &src[y..]),
                _ => format!("{}{}{}", &src[..x], frag, &src[y..]),
            };
            check(&edited);
            Ok(())
        })
        .expect("random corpus edits");
    eprintln!("corpus_random_edits: 3000 cases in {:?}", start.elapsed());
}

#[test]
fn corpus_truncated_at_every_char_boundary() {
    let corpus = corpus();
    if corpus.is_empty() {
        return;
    }
    let start = Instant::now();
    let mut cases = 0usize;
    // Every boundary of every 10th file (the work is quadratic in file size); set
    // KQLHUNT_FUZZ_FULL=1 to truncate every file.
    let step = if std::env::var_os("KQLHUNT_FUZZ_FULL").is_some() {
        1
    } else {
        10
    };
    for src in corpus.iter().step_by(step) {
        for k in (0..=src.len()).filter(|&k| src.is_char_boundary(k)) {
            check(&src[..k]);
            cases += 1;
        }
    }
    eprintln!(
        "corpus_truncated_at_every_char_boundary: {cases} prefixes in {:?}",
        start.elapsed()
    );
}
