//! Results as local tables, and refining at zero quota. Every result the worker receives
//! becomes a local table (`$1`, `$2`… in arrival order, and `$last`); files the analyst opens
//! join them under their own names. When a new query is an earlier remote query plus extra
//! trailing operators, the worker runs only the extra part locally over the earlier result,
//! so narrowing a hunt costs no quota. Queries that name these tables always run locally.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::backend::RunRequest;
use crate::data::{Refined, ResultSet, Table};
use crate::engine::Catalog;
use crate::kql::{Token, TokenKind, lex};

/// How many results stay addressable as `$N`; older ones are dropped to bound memory.
pub const KEPT_RESULTS: usize = 50;

/// The local tables beyond a backend's own: results and opened files. Cloning the handle
/// shares the tables; the local backend and the worker see the same set.
#[derive(Clone, Default, Debug)]
pub struct LocalTables(Arc<RwLock<Catalog>>);

impl LocalTables {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&self, name: impl Into<String>, table: Arc<Table>) {
        self.write().insert_shared(name, table);
    }

    pub fn remove(&self, name: &str) {
        self.write().remove(name);
    }

    /// The tables now, to run one query over.
    pub fn snapshot(&self) -> Catalog {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// `base` with these tables added (these win on a name clash).
    pub fn over(&self, base: &Catalog) -> Catalog {
        let mut all = base.clone();
        for (name, table) in self.snapshot().iter() {
            all.insert_shared(name, Arc::clone(table));
        }
        all
    }

    /// Read data files into tables named after them; one line per file says what was read
    /// (`logons: 1,204 rows, 7 columns`). The first unreadable file (or a name already
    /// open) is the error, and then none of the files is added.
    pub fn open_files(&self, files: &[std::path::PathBuf]) -> anyhow::Result<Vec<String>> {
        let mut read = Vec::new();
        for path in files {
            let file = crate::data::import::read_file(path)?;
            if self.contains(&file.name) || read.iter().any(|(n, _)| n == &file.name) {
                anyhow::bail!(
                    "{}: a table named '{}' is already open (rename one of the files)",
                    path.display(),
                    file.name
                );
            }
            read.push((file.name, file.table));
        }
        Ok(read
            .into_iter()
            .map(|(name, table)| {
                let line = format!(
                    "{name}: {}, {}",
                    crate::data::format::count_of(table.row_count(), "row"),
                    crate::data::format::count_of(table.columns().len(), "column")
                );
                self.insert(name, Arc::new(table));
                line
            })
            .collect())
    }

    /// The names and columns of every table, for completion.
    pub fn schemas(&self) -> Vec<crate::data::TableSchema> {
        self.snapshot()
            .iter()
            .map(|(name, table)| crate::data::TableSchema {
                name: name.to_string(),
                preview: false,
                columns: table
                    .columns()
                    .iter()
                    .map(|c| (c.name.clone(), c.kind()))
                    .collect(),
            })
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.snapshot().names().map(str::to_string).collect()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .is_some()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Catalog> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the worker should do instead of calling the backend.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// The KQL to run locally.
    pub query: String,
    /// Set when only the trailing operators run locally over an earlier result.
    pub refined: Option<Refined>,
}

/// One remote result the worker keeps for refining.
struct Entry {
    /// The query's tokens, comments dropped.
    tokens: Vec<String>,
    timespan: Option<String>,
    name: String,
    truncated: bool,
    received: Instant,
}

/// The results of this session, newest last.
pub struct History {
    tables: LocalTables,
    entries: Vec<Entry>,
    next: usize,
}

impl History {
    pub fn new(tables: LocalTables) -> Self {
        History {
            tables,
            entries: Vec::new(),
            next: 1,
        }
    }

    /// Keep `result` as `$N` and `$last`; returns `$N`. `refinable` is false for answers
    /// that did not come from the service (local runs), which are never used as a prefix.
    pub fn record(
        &mut self,
        request: &RunRequest,
        result: &mut ResultSet,
        refinable: bool,
        now: Instant,
    ) -> String {
        let name = format!("${}", self.next);
        self.next += 1;
        result.origin.local_name = Some(name.clone());
        self.tables.insert(name.clone(), Arc::clone(&result.table));
        self.tables.insert("$last", Arc::clone(&result.table));
        if refinable {
            self.entries.push(Entry {
                tokens: significant(&request.query)
                    .map(|(t, _)| t.to_string())
                    .collect(),
                timespan: request.timespan.clone(),
                name: name.clone(),
                truncated: result.truncated,
                received: now,
            });
        }
        if self.next > KEPT_RESULTS + 1 {
            let old = format!("${}", self.next - 1 - KEPT_RESULTS);
            self.tables.remove(&old);
            self.entries.retain(|e| e.name != old);
        }
        name
    }

    /// How to answer `request` locally, if it can be: a query naming local tables runs
    /// locally as written; a query extending an earlier remote query runs only its extra
    /// operators over that query's result (the longest such earlier query wins).
    pub fn plan(&self, request: &RunRequest, now: Instant) -> Option<Plan> {
        let src = request.query.as_str();
        let tokens: Vec<(&str, Token)> = significant(src).collect();
        let quoted_name = |i: usize| {
            i > 0
                && tokens[i - 1].1.kind == TokenKind::LBracket
                && tokens
                    .get(i + 1)
                    .is_some_and(|t| t.1.kind == TokenKind::RBracket)
        };
        let names_local = tokens
            .iter()
            .enumerate()
            .any(|(i, (text, t))| match t.kind {
                TokenKind::Ident => self.names_local_table(text),
                TokenKind::String if quoted_name(i) => {
                    self.names_local_table(text.trim_matches(|c| c == '\'' || c == '"'))
                }
                _ => false,
            });
        if names_local {
            return Some(Plan {
                query: request.query.clone(),
                refined: None,
            });
        }
        let entry = self
            .entries
            .iter()
            .rev()
            .filter(|e| now.saturating_duration_since(e.received) <= REFINE_MAX_AGE)
            .filter(|e| e.timespan == request.timespan && e.tokens.len() < tokens.len())
            .filter(|e| tokens[e.tokens.len()].0 == "|")
            .filter(|e| e.tokens.iter().zip(&tokens).all(|(a, (b, _))| a == b))
            .max_by_key(|e| e.tokens.len())?;
        let pipe = tokens[entry.tokens.len()].1.span.start;
        Some(Plan {
            query: format!("['{}'] {}", entry.name, &src[pipe..]),
            refined: Some(Refined {
                from: entry.name.clone(),
                age: now.saturating_duration_since(entry.received),
                source_truncated: entry.truncated,
            }),
        })
    }

    /// `$3`, `$last` and opened files; `$left`/`$right` belong to `join`. A file named
    /// like a Defender table (an export of `DeviceEvents`, say) shadows the demo table in
    /// the local backend, but never pulls a tenant query away from the service.
    fn names_local_table(&self, name: &str) -> bool {
        !matches!(name, "$left" | "$right")
            && self.tables.contains(name)
            && (name.starts_with('$') || crate::data::schema::bundled().table(name).is_none())
    }
}

/// Tokens other than comments, with their text.
fn significant(src: &str) -> impl Iterator<Item = (&str, Token)> {
    lex(src)
        .into_iter()
        .filter(|t| t.kind != TokenKind::Comment)
        .map(move |t| (src.get(t.span.start..t.span.end).unwrap_or(""), t))
}

/// A refined answer must not be mistaken for the service's: say where it came from.
pub fn describe(refined: &Refined) -> String {
    let mut text = format!(
        "LOCAL from {} ({} old), 0 quota",
        refined.from,
        crate::data::time::human_duration(refined.age)
    );
    if refined.source_truncated {
        text.push_str(" · MAY BE INCOMPLETE: the source hit the row cap");
    }
    text
}

/// How long an answer from an earlier result stays a fair stand-in for the service's: past
/// this age the worker asks the service again.
pub const REFINE_MAX_AGE: Duration = Duration::from_secs(60 * 60);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Column, ColumnData, Kind, Origin};

    fn result(rows: usize, truncated: bool) -> ResultSet {
        let mut col = ColumnData::new(Kind::Long);
        for i in 0..rows {
            col.push(crate::data::Value::Long(i as i64).as_ref());
        }
        let mut r = ResultSet::new(
            Table::new(vec![Column::new("N", col)]).unwrap(),
            Origin::default(),
        );
        r.truncated = truncated;
        r
    }

    fn req(q: &str) -> RunRequest {
        RunRequest {
            query: q.into(),
            timespan: None,
        }
    }

    #[test]
    fn results_are_numbered_and_the_newest_is_last() {
        let tables = LocalTables::new();
        let mut h = History::new(tables.clone());
        let t0 = Instant::now();
        assert_eq!(h.record(&req("A"), &mut result(1, false), true, t0), "$1");
        let mut second = result(2, false);
        assert_eq!(h.record(&req("B"), &mut second, true, t0), "$2");
        assert_eq!(second.origin.local_name.as_deref(), Some("$2"));
        let snap = tables.snapshot();
        assert_eq!(snap.get("$last").unwrap().row_count(), 2);
        assert_eq!(snap.get("$1").unwrap().row_count(), 1);
    }

    #[test]
    fn an_extended_query_refines_the_longest_matching_earlier_one() {
        let mut h = History::new(LocalTables::new());
        let t0 = Instant::now();
        h.record(&req("T | where A > 1"), &mut result(1, false), true, t0);
        h.record(
            &req("T\n| where A > 1 // narrow\n| take 5"),
            &mut result(1, true),
            true,
            t0,
        );
        let q = "T | where A > 1 | take 5 | summarize count() by B";
        let plan = h.plan(&req(q), t0 + Duration::from_secs(90)).unwrap();
        assert_eq!(plan.query, "['$2'] | summarize count() by B");
        let refined = plan.refined.unwrap();
        assert_eq!(refined.from, "$2");
        assert!(refined.source_truncated);
        assert_eq!(refined.age, Duration::from_secs(90));
    }

    #[test]
    fn only_whole_operators_refine_and_the_timespan_must_match() {
        let mut h = History::new(LocalTables::new());
        let t0 = Instant::now();
        h.record(&req("T | where A > 1"), &mut result(1, false), true, t0);
        // `A > 10` is not `A > 1` followed by more operators.
        assert_eq!(h.plan(&req("T | where A > 10"), t0), None);
        assert_eq!(h.plan(&req("T | where A > 1"), t0), None);
        let mut other = req("T | where A > 1 | take 1");
        other.timespan = Some("P1D".into());
        assert_eq!(h.plan(&other, t0), None);
    }

    #[test]
    fn local_answers_are_never_a_prefix_but_local_names_run_locally() {
        let mut h = History::new(LocalTables::new());
        let t0 = Instant::now();
        h.record(&req("T | take 3"), &mut result(3, false), false, t0);
        assert_eq!(h.plan(&req("T | take 3 | count"), t0), None);
        let plan = h.plan(&req("$last | count"), t0).unwrap();
        assert!(h.plan(&req("$1 | count"), t0).is_some());
        assert_eq!(plan.refined, None);
        assert!(h.plan(&req("['$1'] | count"), t0).is_some());
        assert_eq!(
            h.plan(&req("T | join (U) on $left.A == $right.B"), t0),
            None
        );
    }

    #[test]
    fn opened_files_run_locally_unless_named_like_a_defender_table() {
        let tables = LocalTables::new();
        let h = History::new(tables.clone());
        let t0 = Instant::now();
        tables.insert("failed_logons", result(2, false).table);
        tables.insert("DeviceEvents", result(2, false).table);
        assert!(h.plan(&req("failed_logons | count"), t0).is_some());
        assert!(h.plan(&req("['failed_logons'] | count"), t0).is_some());
        assert_eq!(h.plan(&req("DeviceEvents | count"), t0), None);
    }

    #[test]
    fn an_hour_old_result_is_not_a_stand_in_for_the_service() {
        let mut h = History::new(LocalTables::new());
        let t0 = Instant::now();
        h.record(&req("T | where A > 1"), &mut result(1, false), true, t0);
        let later = t0 + REFINE_MAX_AGE + Duration::from_secs(1);
        assert_eq!(h.plan(&req("T | where A > 1 | count"), later), None);
    }

    #[test]
    fn old_results_are_dropped_beyond_the_limit() {
        let tables = LocalTables::new();
        let mut h = History::new(tables.clone());
        let t0 = Instant::now();
        for i in 0..KEPT_RESULTS + 3 {
            h.record(
                &req(&format!("T | take {i}")),
                &mut result(1, false),
                true,
                t0,
            );
        }
        assert!(!tables.contains("$3"));
        assert!(tables.contains("$4"));
        assert_eq!(h.entries.len(), KEPT_RESULTS);
    }
}
