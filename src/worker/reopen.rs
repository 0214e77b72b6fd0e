//! Reopening an earlier run's result without running it again (Ctrl+O in the history): the
//! answer comes only from what the worker already holds, never from the service, so it
//! costs no quota. First the result kept under the run's own `$N` name (when it is still
//! a local table and is the same query), then the result cache, then any kept result of
//! the same query; otherwise the reopen fails and says how to run it again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::{QueryKey, ResultCache};
use super::refine::LocalTables;
use crate::backend::{RunError, RunRequest};
use crate::data::ResultSet;

/// What a reopen says when nothing is held.
pub const NOT_CACHED: &str = "the result is no longer cached; F5 runs it again";

/// One result still addressable as `$N`.
struct KeptResult {
    name: String,
    key: QueryKey,
    received: Instant,
    result: Arc<ResultSet>,
}

/// The session's results that are still local tables, newest last. They share their
/// tables with `LocalTables`, so keeping them costs no memory beyond what `$N` holds.
#[derive(Default)]
pub struct Kept(Vec<KeptResult>);

impl Kept {
    /// Remember a result the worker just named (`origin.local_name`); forget those whose
    /// `$N` table is gone.
    pub fn remember(
        &mut self,
        key: QueryKey,
        now: Instant,
        result: &Arc<ResultSet>,
        tables: &LocalTables,
    ) {
        if let Some(name) = &result.origin.local_name {
            self.0.push(KeptResult {
                name: name.clone(),
                key,
                received: now,
                result: Arc::clone(result),
            });
        }
        self.0.retain(|k| tables.contains(&k.name));
    }

    /// The answer to reopening `request` (run as `name` in this session, if known), and
    /// its age.
    pub fn answer(
        &self,
        cache: &mut ResultCache,
        request: &RunRequest,
        name: Option<&str>,
        now: Instant,
    ) -> Result<(Arc<ResultSet>, Duration), RunError> {
        let key = QueryKey::of(request);
        let age = |k: &KeptResult| {
            (
                Arc::clone(&k.result),
                now.saturating_duration_since(k.received),
            )
        };
        let named = name.and_then(|n| self.0.iter().find(|k| k.name == n && k.key == key));
        if let Some(k) = named {
            return Ok(age(k));
        }
        if let Some(hit) = cache.get(&key, now) {
            return Ok(hit);
        }
        match self.0.iter().rev().find(|k| k.key == key) {
            Some(k) => Ok(age(k)),
            None => Err(RunError::Refused(NOT_CACHED.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Origin, Table};

    fn named(name: &str) -> Arc<ResultSet> {
        Arc::new(ResultSet::new(
            Table::default(),
            Origin {
                local_name: Some(name.into()),
                ..Origin::default()
            },
        ))
    }

    fn key(q: &str) -> QueryKey {
        QueryKey::of(&RunRequest::new(q))
    }

    #[test]
    fn the_named_run_first_then_the_cache_then_the_same_query() {
        let tables = LocalTables::new();
        let mut kept = Kept::default();
        let mut cache = ResultCache::new(Duration::from_secs(600));
        let t0 = Instant::now();
        for name in ["$1", "$2", "$3"] {
            tables.insert(name, Arc::new(Table::default()));
        }
        kept.remember(key("T | take 1"), t0, &named("$1"), &tables);
        kept.remember(key("U"), t0, &named("$2"), &tables);
        kept.remember(key("T | take 1"), t0, &named("$3"), &tables);
        cache.put(key("U"), t0, named("$9"));
        let later = t0 + Duration::from_secs(30);
        let reopen = |cache: &mut ResultCache, q: &str, name: Option<&str>| {
            kept.answer(cache, &RunRequest::new(q), name, later)
                .map(|(r, age)| (r.origin.local_name.clone().unwrap(), age.as_secs()))
        };
        assert_eq!(
            reopen(&mut cache, "T | take 1", Some("$1")),
            Ok(("$1".into(), 30))
        );
        assert_eq!(
            reopen(&mut cache, "T\n| take 1 // again", None),
            Ok(("$3".into(), 30)),
            "the newest kept run of the same query"
        );
        assert_eq!(
            reopen(&mut cache, "U", Some("$1")),
            Ok(("$9".into(), 30)),
            "a name of another query is not that query's result"
        );
        assert_eq!(
            reopen(&mut cache, "V", None),
            Err(RunError::Refused(NOT_CACHED.into()))
        );
    }

    #[test]
    fn results_whose_tables_are_gone_are_forgotten() {
        let tables = LocalTables::new();
        let mut kept = Kept::default();
        let t0 = Instant::now();
        tables.insert("$1", Arc::new(Table::default()));
        kept.remember(key("T"), t0, &named("$1"), &tables);
        tables.remove("$1");
        tables.insert("$2", Arc::new(Table::default()));
        kept.remember(key("U"), t0, &named("$2"), &tables);
        let mut cache = ResultCache::new(Duration::ZERO);
        assert!(
            kept.answer(&mut cache, &RunRequest::new("T"), Some("$1"), t0)
                .is_err()
        );
        assert_eq!(kept.0.len(), 1);
    }
}
