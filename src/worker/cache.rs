//! The worker's result cache: a query's normalized text (comments and layout ignored,
//! string literals and case kept) plus its timespan is the key; answers live for a TTL so
//! re-running the same hunt costs no quota.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::backend::RunRequest;
use crate::data::ResultSet;
use crate::kql::{TokenKind, lex};

/// What identifies "the same query" for the cache and for collapsing duplicates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueryKey {
    text: String,
    timespan: Option<String>,
}

impl QueryKey {
    /// Tokens joined by single spaces, comments dropped, so re-indenting or commenting a
    /// query does not make it a different query.
    pub fn of(request: &RunRequest) -> QueryKey {
        let src = request.query.as_str();
        let mut text = String::with_capacity(src.len());
        for token in lex(src) {
            if token.kind == TokenKind::Comment {
                continue;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(src.get(token.span.start..token.span.end).unwrap_or(""));
        }
        QueryKey {
            text,
            timespan: request.timespan.clone(),
        }
    }
}

/// Answers by key, each with when it arrived.
#[derive(Default)]
pub struct ResultCache {
    ttl: Duration,
    entries: HashMap<QueryKey, (Instant, Arc<ResultSet>)>,
}

impl ResultCache {
    pub fn new(ttl: Duration) -> Self {
        ResultCache {
            ttl,
            entries: HashMap::new(),
        }
    }

    /// A fresh answer and its age.
    pub fn get(&mut self, key: &QueryKey, now: Instant) -> Option<(Arc<ResultSet>, Duration)> {
        let ttl = self.ttl;
        self.entries
            .retain(|_, (at, _)| now.saturating_duration_since(*at) < ttl);
        self.entries
            .get(key)
            .map(|(at, r)| (Arc::clone(r), now.saturating_duration_since(*at)))
    }

    pub fn put(&mut self, key: QueryKey, now: Instant, result: Arc<ResultSet>) {
        if !self.ttl.is_zero() {
            self.entries.insert(key, (now, result));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(q: &str) -> QueryKey {
        QueryKey::of(&RunRequest::new(q))
    }

    #[test]
    fn layout_and_comments_do_not_change_the_key() {
        assert_eq!(
            key("DeviceInfo | take 5"),
            key("// the devices\nDeviceInfo\n    | take   5 // five\n")
        );
        assert_ne!(key("DeviceInfo | take 5"), key("DeviceInfo | take 6"));
        assert_ne!(
            key(r#"T | where A == "x  y""#),
            key(r#"T | where A == "x y""#)
        );
        let mut with_span = RunRequest::new("DeviceInfo");
        with_span.timespan = Some("P7D".into());
        assert_ne!(QueryKey::of(&with_span), key("DeviceInfo"));
    }

    #[test]
    fn entries_expire() {
        let mut cache = ResultCache::new(Duration::from_secs(600));
        let t0 = Instant::now();
        cache.put(key("T"), t0, Arc::new(ResultSet::default()));
        assert_eq!(
            cache
                .get(&key("T"), t0 + Duration::from_secs(180))
                .map(|(_, age)| age),
            Some(Duration::from_secs(180))
        );
        assert!(
            cache
                .get(&key("T"), t0 + Duration::from_secs(601))
                .is_none()
        );
    }
}
