//! The ledger shared by every kqlhunt process of the user on this machine (three tmux
//! panes spend one budget, and a 429 learned by one stops all): one JSON file per tenant
//! and backend, `<data_dir>/quota/<tenant>-<backend>.json`, owner-only.
//!
//! Every change is read-merge-write under an exclusive lock (`File::lock` on a sibling
//! `.lock` file), and the file is replaced by rename, so readers never see half a file and
//! need no lock. `begin_call` admits and counts a call under one lock, so two processes
//! cannot both take the last slot. Reads that change nothing (`admit`, `snapshot`) re-read
//! the file only when its inode, size or mtime changed.
//!
//! The file holds wall-clock timestamps (Unix nanoseconds); the ledger holds monotonic
//! ticks. Each read and write maps one to the other through the clock's current offset, so
//! a wall-clock step moves only what is written after it. Records dated more than a minute
//! in the future (the clock went back) are clamped to a minute ahead: they still count,
//! but cannot block for hours.
//!
//! Nothing here fails the caller: an unreadable or corrupted file, a missing directory or a
//! failed lock is a `tracing` warning (also kept in `warning()` for the UI), and the ledger
//! carries on with what it knows: a fresh ledger at worst.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::QuotaSnapshot;
use super::clock::{Clock, SystemClock};
use super::ledger::{
    Admission, CallId, CallTicket, LastThrottle, Ledger, Record, Shared, ThrottleOutcome, Tick, ns,
};
use super::limits::{CallWindow, Limits, MAX_WINDOW};
use crate::backend::BackendKind;
use crate::config::{Paths, create_private_dir};

/// Bigger files are not read (a day at 1,500 calls an hour is about 3 MB).
const MAX_FILE_BYTES: u64 = 64 << 20;
/// How far in the future a record from the file may be dated.
const FUTURE_TOLERANCE: Duration = Duration::from_secs(60);
const VERSION: u32 = 1;
/// The longest 429 block the file can impose (a damaged file must not lock us out longer).
const MAX_BLOCK: Duration = Duration::from_secs(86_400);

/// A `Ledger` kept in sync with the file every process of the user shares.
pub struct Store<C: Clock = SystemClock> {
    path: PathBuf,
    clock: C,
    ledger: Ledger,
    stamp: Option<Stamp>,
    warning: Option<String>,
}

impl Store<SystemClock> {
    /// The store of `tenant` on `backend` under `paths.data_dir`.
    pub fn open(paths: &Paths, tenant: &str, backend: BackendKind, limits: Limits) -> Self {
        Store::open_at(
            Store::path_for(paths, tenant, backend),
            backend,
            limits,
            SystemClock,
        )
    }

    /// `<data_dir>/quota/<tenant>-<backend>.json`, the tenant reduced to file-name-safe
    /// characters.
    pub fn path_for(paths: &Paths, tenant: &str, backend: BackendKind) -> PathBuf {
        let mut safe: String = tenant
            .chars()
            .map(|c| match c {
                'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' => c,
                _ => '_',
            })
            .take(100)
            .collect();
        if safe.is_empty() || safe.starts_with('.') {
            safe.insert_str(0, "tenant");
        }
        paths
            .data_dir
            .join("quota")
            .join(format!("{safe}-{}.json", backend.name()))
    }
}

impl<C: Clock> Store<C> {
    /// The store at `path` (tests and tools); `open` is the usual way in.
    pub fn open_at(path: PathBuf, backend: BackendKind, limits: Limits, clock: C) -> Self {
        let mut ledger = Ledger::with_seed(limits, unique_seed());
        ledger.set_backend(backend.name());
        let mut store = Store {
            path,
            clock,
            ledger,
            stamp: None,
            warning: None,
        };
        if let Some(dir) = store.path.parent()
            && let Err(e) = create_private_dir(dir)
        {
            store.warn(format!(
                "cannot create {}: {e}; the quota is not shared with other kqlhunt windows",
                dir.display()
            ));
        }
        let now = store.clock.now();
        store.read(now, true);
        store
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The in-memory ledger as of the last read.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The last problem with the file, in one sentence, if any.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// May a query be sent at `now`? (`begin_call` is the race-free way to act on it.)
    pub fn admit(&mut self, now: Instant) -> Admission {
        self.read(now, false);
        self.ledger.admit(now)
    }

    /// Admit and count a call in one step under the file lock: `Ok` means send it now;
    /// `Err` carries `At` or `Refused` and nothing was counted.
    pub fn begin_call(&mut self, now: Instant) -> Result<CallTicket, Admission> {
        self.locked(now, |l| match l.admit(now) {
            Admission::Now => (Ok(l.begin_call(now)), true),
            other => (Err(other), false),
        })
    }

    /// See `Ledger::end_call`.
    pub fn end_call(
        &mut self,
        ticket: &CallTicket,
        end: Instant,
        service_runtime: Option<Duration>,
    ) {
        let now = self.clock.now();
        self.locked(now, |l| {
            l.end_call(ticket, end, service_runtime);
            ((), true)
        })
    }

    /// See `Ledger::record_call`.
    pub fn record_call(
        &mut self,
        start: Instant,
        end: Instant,
        service_runtime: Option<Duration>,
    ) -> CallId {
        let now = self.clock.now();
        self.locked(now, |l| (l.record_call(start, end, service_runtime), true))
    }

    /// See `Ledger::throttled`; every other process stops too.
    pub fn throttled(
        &mut self,
        now: Instant,
        retry_after: Option<Duration>,
        body: &str,
    ) -> ThrottleOutcome {
        self.locked(now, |l| (l.throttled(now, retry_after, body), true))
    }

    /// Usage at `now`, including other processes' calls.
    pub fn snapshot(&mut self, now: Instant) -> QuotaSnapshot {
        self.read(now, false);
        self.ledger.snapshot(now)
    }

    /// The whole ledger at `now`, for the details popup, with the shared file named.
    pub fn details(&mut self, now: Instant) -> super::QuotaDetails {
        self.read(now, false);
        let mut d = self.ledger.details(now);
        d.shared_file = Some(self.path.display().to_string());
        d.warning = self.warning.clone();
        d
    }

    fn warn(&mut self, message: String) {
        tracing::warn!("{message}");
        self.warning = Some(message);
    }

    fn lock_path(&self) -> PathBuf {
        self.path.with_extension("lock")
    }

    /// Lock, read and merge, apply `op`, write if it changed something, unlock.
    fn locked<R>(&mut self, now: Instant, op: impl FnOnce(&mut Ledger) -> (R, bool)) -> R {
        let guard = match private_file(&self.lock_path(), false).and_then(|f| {
            f.lock()?;
            Ok(f)
        }) {
            Ok(f) => Some(f),
            Err(e) => {
                self.warn(format!(
                    "cannot lock {}: {e}; the quota may not be shared with other kqlhunt windows",
                    self.lock_path().display()
                ));
                None
            }
        };
        self.read(now, true);
        let (result, changed) = op(&mut self.ledger);
        if changed {
            self.write(now);
        }
        if let Some(f) = guard {
            let _ = f.unlock();
        }
        result
    }

    fn read(&mut self, now: Instant, force: bool) {
        let meta = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.stamp = None;
                return;
            }
            Err(e) => {
                self.warn(format!("cannot read {}: {e}", self.path.display()));
                return;
            }
        };
        let stamp = Stamp::of(&meta);
        if !force && self.stamp.as_ref() == Some(&stamp) {
            return;
        }
        self.stamp = Some(stamp);
        let text = if meta.len() > MAX_FILE_BYTES {
            Err(format!("it is larger than {} MB", MAX_FILE_BYTES >> 20))
        } else {
            let mut s = String::new();
            File::open(&self.path)
                .and_then(|mut f| f.read_to_string(&mut s))
                .map(|_| s)
                .map_err(|e| e.to_string())
        };
        let state = text.and_then(|t| {
            let state: FileState = serde_json::from_str(&t).map_err(|e| e.to_string())?;
            if state.version != VERSION {
                return Err(format!("it has format version {}", state.version));
            }
            Ok(state)
        });
        match state {
            Ok(state) => {
                let conv = self.conv(now);
                let shared = conv.read_file(state);
                self.ledger.absorb(shared, conv.t0);
            }
            Err(why) => self.warn(format!(
                "ignoring the quota file {} ({why}); starting from a fresh ledger",
                self.path.display()
            )),
        }
    }

    fn write(&mut self, now: Instant) {
        let conv = self.conv(now);
        let state = conv.file_state(self.ledger.export());
        let tmp = self.path.with_extension("json.tmp");
        let result = serde_json::to_vec(&state)
            .map_err(io::Error::other)
            .and_then(|bytes| {
                let _ = fs::remove_file(&tmp);
                let mut f = private_file(&tmp, true)?;
                f.write_all(&bytes)?;
                drop(f);
                fs::rename(&tmp, &self.path)
            });
        match result.and_then(|()| fs::metadata(&self.path)) {
            Ok(meta) => self.stamp = Some(Stamp::of(&meta)),
            Err(e) => self.warn(format!(
                "cannot write {}: {e}; the quota is not shared with other kqlhunt windows",
                self.path.display()
            )),
        }
    }

    fn conv(&self, now: Instant) -> Conv {
        Conv {
            t0: self.ledger.tick(now),
            w0: unix_ns(self.clock.wall(now)),
        }
    }
}

/// Open (creating owner-only) a file for writing; `truncate` for data, not for the lock.
fn private_file(path: &Path, truncate: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn unix_ns(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => ns(d),
        Err(e) => ns(e.duration()).saturating_neg(),
    }
}

/// A per-process seed for jitter and call ids.
fn unique_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = unix_ns(SystemTime::now()) as u64;
    let mut rng = super::throttle::SplitMix64(
        t ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    rng.next_u64()
}

/// What tells us the file changed without reading it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }
}

/// Tick ↔ Unix-nanosecond mapping at one instant.
struct Conv {
    t0: Tick,
    w0: i64,
}

impl Conv {
    fn to_unix(&self, t: Tick) -> i64 {
        self.w0.saturating_add(t.saturating_sub(self.t0))
    }

    fn to_tick(&self, w: i64) -> Tick {
        self.t0.saturating_add(w.saturating_sub(self.w0))
    }

    /// A record's time, clamped to at most a minute ahead and two years back (older is
    /// out of every window anyway, and the clamp keeps every difference in range).
    fn past_tick(&self, w: i64) -> Tick {
        let oldest = self.t0.saturating_sub(ns(MAX_WINDOW).saturating_mul(2));
        let newest = self.t0.saturating_add(ns(FUTURE_TOLERANCE));
        self.to_tick(w).clamp(oldest, newest)
    }

    fn file_state(&self, s: Shared) -> FileState {
        FileState {
            version: VERSION,
            calls: s
                .records
                .into_iter()
                .map(|r| FileCall {
                    id: r.id.0,
                    start: r.start.map(|t| self.to_unix(t)),
                    ran: r.span.map(|(a, b)| [self.to_unix(a), self.to_unix(b)]),
                    in_flight: r.in_flight,
                })
                .collect(),
            blocked_until: s.blocked_until.map(|t| self.to_unix(t)),
            strikes: s.strikes,
            last_429: s.last_429.map(|t| self.to_unix(t)),
            learned: s
                .learned
                .into_iter()
                .map(|w| FileWindow {
                    limit: w.limit,
                    window_ms: w.window.as_millis().min(u64::MAX as u128) as u64,
                })
                .collect(),
            last_throttle: s.last_throttle.map(|l| FileThrottle {
                at: self.to_unix(l.at),
                wait_ms: l.wait.as_millis().min(u64::MAX as u128) as u64,
                body: l.body,
            }),
        }
    }

    fn read_file(&self, f: FileState) -> Shared {
        Shared {
            records: f
                .calls
                .into_iter()
                .filter(|c| c.start.is_some() || c.ran.is_some())
                .map(|c| Record {
                    id: CallId(c.id),
                    start: c.start.map(|w| self.past_tick(w)),
                    span: c.ran.map(|[a, b]| {
                        let (a, b) = (self.past_tick(a), self.past_tick(b));
                        (a.min(b), b)
                    }),
                    in_flight: c.in_flight,
                })
                .collect(),
            blocked_until: f
                .blocked_until
                .map(|w| self.to_tick(w).min(self.t0.saturating_add(ns(MAX_BLOCK))))
                .filter(|&t| t > self.t0),
            strikes: f.strikes,
            last_429: f.last_429.map(|w| self.past_tick(w)),
            learned: f
                .learned
                .into_iter()
                .filter(|w| w.window_ms > 0)
                .map(|w| CallWindow {
                    limit: w.limit,
                    window: Duration::from_millis(w.window_ms),
                })
                .collect(),
            last_throttle: f.last_throttle.map(|l| LastThrottle {
                at: self.past_tick(l.at),
                wait: Duration::from_millis(l.wait_ms),
                body: super::throttle::escaped_body(&l.body),
            }),
        }
    }
}

/// The file, version 1.
#[derive(Serialize, Deserialize)]
struct FileState {
    version: u32,
    #[serde(default)]
    calls: Vec<FileCall>,
    /// Unix nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    blocked_until: Option<i64>,
    #[serde(default)]
    strikes: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_429: Option<i64>,
    #[serde(default)]
    learned: Vec<FileWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_throttle: Option<FileThrottle>,
}

#[derive(Serialize, Deserialize)]
struct FileCall {
    id: u64,
    /// Where the call sits in the call windows: its send while in flight, its answer once
    /// it has ended (see the ledger's module comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<i64>,
    /// The run span `[from, to]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ran: Option<[i64; 2]>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    in_flight: bool,
}

#[derive(Serialize, Deserialize)]
struct FileWindow {
    limit: u32,
    window_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct FileThrottle {
    at: i64,
    wait_ms: u64,
    body: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quota::clock::FakeClock;

    fn temp_root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!(
            "kqlhunt-quota-{name}-{}-{}",
            std::process::id(),
            unique_seed()
        ));
        let _ = fs::remove_dir_all(&root);
        root
    }

    #[test]
    fn path_is_per_tenant_and_backend_and_file_safe() {
        let paths = Paths::under(Path::new("/x"));
        let p = Store::path_for(&paths, "contoso.onmicrosoft.com", BackendKind::Graph);
        assert_eq!(
            p,
            Path::new("/x/data/quota/contoso.onmicrosoft.com-graph.json")
        );
        let p = Store::path_for(&paths, "../../etc/passwd", BackendKind::Mde);
        assert_eq!(p.file_name().unwrap(), "tenant.._.._etc_passwd-mde.json");
        let p = Store::path_for(&paths, "", BackendKind::Defender);
        assert_eq!(p.file_name().unwrap(), "tenant-defender.json");
    }

    #[test]
    fn state_survives_a_restart_and_the_file_is_owner_only() {
        let root = temp_root("restart");
        let paths = Paths::under(&root);
        let clock = FakeClock::new();
        let limits = Limits::for_backend(BackendKind::Graph);
        let path = Store::path_for(&paths, "t", BackendKind::Graph);
        let mut a = Store::open_at(
            path.clone(),
            BackendKind::Graph,
            limits.clone(),
            clock.clone(),
        );
        let now = clock.now();
        let t = a.begin_call(now).unwrap();
        a.end_call(
            &t,
            now + Duration::from_secs(2),
            Some(Duration::from_secs(1)),
        );
        a.throttled(
            now,
            Some(Duration::from_secs(30)),
            "{\"error\":{\"message\":\"\u{1b}x\"}}",
        );
        drop(a);
        let mut b = Store::open_at(path.clone(), BackendKind::Graph, limits, clock.clone());
        let s = b.snapshot(now + Duration::from_secs(2));
        assert_eq!(s.windows[0].used, 1.0);
        assert_eq!(s.windows[2].used, 1.0);
        assert!(s.throttled_for.is_some());
        let body = &b.ledger().last_throttle().unwrap().body;
        assert!(body.contains("\\x1b") && !body.contains('\u{1b}'), "{body}");
        assert_eq!(b.warning(), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&path.with_extension("lock")), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_corrupted_file_is_a_warning_and_a_fresh_ledger() {
        let root = temp_root("corrupt");
        fs::create_dir_all(&root).unwrap();
        let clock = FakeClock::new();
        let limits = Limits::for_backend(BackendKind::Graph);
        for junk in [
            &b"{not json"[..],
            b"",
            b"\xff\xfe\x00",
            br#"{"version":99}"#,
            br#"{"version":1,"calls":[{"id":-1}]}"#,
            br#"{"version":1,"calls":"x"}"#,
        ] {
            let path = root.join("q.json");
            fs::write(&path, junk).unwrap();
            let mut s = Store::open_at(
                path.clone(),
                BackendKind::Graph,
                limits.clone(),
                clock.clone(),
            );
            assert!(
                s.warning().unwrap().contains("fresh ledger"),
                "{:?}",
                s.warning()
            );
            assert_eq!(s.admit(clock.now()), Admission::Now);
            // The next change rewrites it whole.
            s.begin_call(clock.now()).unwrap();
            let again = Store::open_at(path, BackendKind::Graph, limits.clone(), clock.clone());
            assert_eq!(again.warning(), None);
            assert_eq!(again.ledger().snapshot(clock.now()).windows[0].used, 1.0);
        }
        // Odd but valid records: absurd times, reversed spans, in flight without a start.
        let path = root.join("odd.json");
        fs::write(
            &path,
            br#"{"version":1,"calls":[{"id":1,"start":-9223372036854775808},
                {"id":2,"start":9223372036854775807},{"id":3,"ran":[500,1]},
                {"id":4,"in_flight":true},{"id":5},
                {"id":6,"ran":[-9223372036854775808,9223372036854775807]},
                {"id":7,"start":0,"ran":[-9223372036854775808,0],"in_flight":true}],
                "blocked_until":9223372036854775807,
                "learned":[{"limit":3,"window_ms":0}],"strikes":4294967295}"#,
        )
        .unwrap();
        let mut s = Store::open_at(path, BackendKind::Graph, limits, clock.clone());
        assert_eq!(s.warning(), None);
        // The far-future start is clamped to a minute ahead; the block is beyond the horizon.
        assert!(matches!(s.admit(clock.now()), Admission::Refused(_)));
        let _ = s.snapshot(clock.now());
        fs::remove_dir_all(root).unwrap();
    }
}
