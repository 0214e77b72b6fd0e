//! The run history: every query the workbench or `kqlhunt run` runs becomes one JSON line
//! in `history.jsonl` under the state dir (the XDG place for history; `KQLHUNT_HOME/state`
//! when that is set): the query text, where it ran (backend and profile name, never a
//! profile's settings), when (UTC), how long, how many rows, and how it ended. The file is
//! owner-only and append-only (see `store`); `search` filters it for the Ctrl+R overlay.
//! One function, [`Recorder::record`], writes an entry for both the workbench and scripts.

pub mod search;
pub mod store;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::backend::{BackendKind, RunError, RunRequest};
use crate::config::Paths;
use crate::config::profile::ResolvedProfile;
use crate::data::ResultSet;
pub use search::Runs;
pub use store::Store;

/// Queries longer than this are kept cut (and marked `cut`): a pasted megabyte must not
/// make the history slow to load.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;
/// An error is kept as one line of at most this many characters.
pub const MAX_ERROR_CHARS: usize = 400;

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Ok,
    Failed,
    Cancelled,
}

/// Who ran the query.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    #[default]
    Workbench,
    /// `kqlhunt run`.
    Run,
}

/// One run, as one line of the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// When the run started, ticks since the Unix epoch; written as ISO 8601 UTC.
    #[serde(with = "iso_ticks")]
    pub at: i64,
    pub query: String,
    /// Graph's `Timespan`, when the run had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timespan: Option<String>,
    /// `local`, `graph`, `defender` or `mde`.
    #[serde(default)]
    pub backend: String,
    /// The profile's name (never its settings); absent without a config file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default)]
    pub client: Client,
    pub outcome: Outcome,
    /// Why it failed, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// How long the backend took (0 when answered from the cache).
    #[serde(default)]
    pub duration_ms: u64,
    /// Answered from the worker's result cache: no quota spent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// Answered locally from this earlier result (`$3`): no quota spent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refined_from: Option<String>,
    /// The result's local name in its session (`$3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which process ran it: `$N` names and cached results belong to one session.
    #[serde(default)]
    pub session: String,
    /// The query was longer than [`MAX_QUERY_BYTES`] and is kept cut.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
}

/// How a run ended, as the worker said it.
#[derive(Clone, Copy, Debug)]
pub enum Ended<'a> {
    Finished {
        result: &'a ResultSet,
        cached_age: Option<Duration>,
    },
    Failed {
        error: &'a RunError,
        elapsed: Duration,
    },
    Cancelled {
        elapsed: Duration,
    },
}

impl Entry {
    /// The entry for `request`, started at `at` (ticks), that ended as `ended`.
    pub fn new(request: &RunRequest, at: i64, ended: Ended<'_>) -> Entry {
        let (query, cut) = cut_query(&request.query);
        let mut entry = Entry {
            at,
            query: query.to_string(),
            timespan: request.timespan.clone(),
            backend: String::new(),
            profile: None,
            client: Client::Workbench,
            outcome: Outcome::Ok,
            error: None,
            rows: None,
            duration_ms: 0,
            cached: false,
            refined_from: None,
            name: None,
            session: String::new(),
            cut,
        };
        match ended {
            Ended::Finished { result, cached_age } => {
                entry.rows = Some(result.table.row_count() as u64);
                entry.cached = cached_age.is_some();
                if !entry.cached {
                    entry.duration_ms = millis(result.origin.elapsed);
                }
                entry.refined_from = result.origin.refined.as_ref().map(|r| r.from.clone());
                entry.name = result.origin.local_name.clone();
            }
            Ended::Failed { error, elapsed } => {
                entry.outcome = Outcome::Failed;
                entry.error = Some(one_line(&error.to_string(), MAX_ERROR_CHARS));
                entry.duration_ms = millis(elapsed);
            }
            Ended::Cancelled { elapsed } => {
                entry.outcome = Outcome::Cancelled;
                entry.duration_ms = millis(elapsed);
            }
        }
        entry
    }

    /// Where it ran, for a list: `graph`, or `graph:prod` with a profile name.
    pub fn place(&self) -> String {
        match &self.profile {
            Some(p) => format!("{}:{p}", self.backend),
            None => self.backend.clone(),
        }
    }
}

/// Records runs for one process: which backend and profile, and the session's id.
#[derive(Debug)]
pub struct Recorder {
    store: Store,
    backend: String,
    profile: Option<String>,
    client: Client,
    session: String,
}

impl Recorder {
    pub fn new(store: Store, backend: BackendKind, profile: Option<&str>, client: Client) -> Self {
        Recorder {
            store,
            backend: backend.name().to_string(),
            profile: profile.map(str::to_string),
            client,
            session: uuid::Uuid::new_v4().simple().to_string()[..12].to_string(),
        }
    }

    /// This process's session id.
    pub fn session(&self) -> &str {
        &self.session
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Append the run to the history file; returns what was written.
    pub fn record(
        &mut self,
        request: &RunRequest,
        at: i64,
        ended: Ended<'_>,
    ) -> std::io::Result<Entry> {
        let mut entry = Entry::new(request, at, ended);
        entry.backend = self.backend.clone();
        entry.profile = self.profile.clone();
        entry.client = self.client;
        entry.session = self.session.clone();
        self.store.append(&entry)?;
        Ok(entry)
    }
}

/// The recorder for runs on `profile`'s backend, under the state dir (`None` without one).
pub fn recorder_for(profile: &ResolvedProfile, client: Client) -> Option<Recorder> {
    let paths = profile.paths.clone().or_else(Paths::discover)?;
    let name = profile.name.as_ref().map(|n| n.value.as_str());
    Some(Recorder::new(
        Store::in_dir(&paths.state_dir),
        profile.backend.value,
        name,
        client,
    ))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `query`, cut at a char boundary to [`MAX_QUERY_BYTES`]; whether it was cut.
fn cut_query(query: &str) -> (&str, bool) {
    if query.len() <= MAX_QUERY_BYTES {
        return (query, false);
    }
    let mut end = MAX_QUERY_BYTES;
    while !query.is_char_boundary(end) {
        end -= 1;
    }
    (&query[..end], true)
}

/// Whitespace runs (newlines included) as one space, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    match out.char_indices().nth(max) {
        Some((i, _)) => {
            out.truncate(i);
            out.push('…');
            out
        }
        None => out,
    }
}

/// Datetimes as ISO 8601 UTC to the millisecond, so the file reads well in `less`.
mod iso_ticks {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(ticks: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::data::time::format_datetime(*ticks, 3))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        crate::data::time::parse_datetime(&text)
            .ok_or_else(|| D::Error::custom(format!("not a datetime: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Origin, Refined, Table};

    fn result(local_name: &str, refined: Option<&str>) -> ResultSet {
        ResultSet::new(
            Table::default(),
            Origin {
                elapsed: Duration::from_millis(1234),
                local_name: Some(local_name.into()),
                refined: refined.map(|from| Refined {
                    from: from.into(),
                    age: Duration::from_secs(5),
                    source_truncated: false,
                }),
                ..Origin::default()
            },
        )
    }

    #[test]
    fn entries_say_how_each_run_ended() {
        let req = RunRequest::new("DeviceInfo | take 3");
        let r = result("$4", Some("$2"));
        let ok = Entry::new(
            &req,
            7,
            Ended::Finished {
                result: &r,
                cached_age: None,
            },
        );
        assert_eq!(
            (ok.outcome, ok.rows, ok.duration_ms, ok.cached),
            (Outcome::Ok, Some(0), 1234, false)
        );
        assert_eq!(ok.name.as_deref(), Some("$4"));
        assert_eq!(ok.refined_from.as_deref(), Some("$2"));
        let cached = Entry::new(
            &req,
            7,
            Ended::Finished {
                result: &r,
                cached_age: Some(Duration::from_secs(60)),
            },
        );
        assert!(cached.cached);
        assert_eq!(cached.duration_ms, 0, "the cache took no time");
        let error = RunError::Semantic {
            message: "Failed to resolve\ntable  'Nope'".into(),
            at: None,
        };
        let failed = Entry::new(
            &req,
            7,
            Ended::Failed {
                error: &error,
                elapsed: Duration::from_millis(80),
            },
        );
        assert_eq!(failed.outcome, Outcome::Failed);
        assert_eq!(
            failed.error.as_deref(),
            Some("Failed to resolve table 'Nope'")
        );
        assert_eq!(failed.rows, None);
        let cancelled = Entry::new(
            &req,
            7,
            Ended::Cancelled {
                elapsed: Duration::from_secs(2),
            },
        );
        assert_eq!(
            (cancelled.outcome, cancelled.duration_ms),
            (Outcome::Cancelled, 2000)
        );
    }

    #[test]
    fn a_line_round_trips_with_a_readable_time() {
        let at = crate::data::time::parse_datetime("2026-11-23T16:20:01.123Z").unwrap();
        let mut entry = Entry::new(
            &RunRequest::new("T\n| take 1"),
            at,
            Ended::Cancelled {
                elapsed: Duration::ZERO,
            },
        );
        entry.backend = "graph".into();
        entry.profile = Some("prod".into());
        let line = serde_json::to_string(&entry).unwrap();
        assert!(
            line.contains(r#""at":"2026-11-23T16:20:01.123Z""#),
            "{line}"
        );
        assert!(!line.contains('\n'));
        assert_eq!(serde_json::from_str::<Entry>(&line).unwrap(), entry);
        assert_eq!(entry.place(), "graph:prod");
    }

    #[test]
    fn huge_queries_are_cut_at_a_char_boundary() {
        let query = "é".repeat(MAX_QUERY_BYTES);
        let entry = Entry::new(
            &RunRequest::new(query),
            0,
            Ended::Cancelled {
                elapsed: Duration::ZERO,
            },
        );
        assert!(entry.cut);
        assert!(entry.query.len() <= MAX_QUERY_BYTES);
        assert!(entry.query.chars().all(|c| c == 'é'));
    }

    #[test]
    fn errors_become_one_bounded_line() {
        assert_eq!(one_line(" a\n\tb  c ", 10), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }
}
