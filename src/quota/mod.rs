//! The tenant's hunting quota: limits (`limits`), the sliding-window ledger that admits
//! queries so that kqlhunt never provokes a 429 (`ledger`), reading 429s (`throttle`), the
//! state shared by every kqlhunt process of the user (`store`), injected clocks (`clock`),
//! and the snapshot the worker publishes for the status bar.
//!
//! The worker's loop, per metered backend:
//!
//! ```text
//! let mut store = Store::open(&paths, tenant, kind, limits);
//! loop {
//!     match store.begin_call(Instant::now()) {          // admit + count, under the file lock
//!         Ok(ticket) => spawn(run(query)) … then on completion:
//!             Ok(result)  => store.end_call(&ticket, Instant::now(), result.execution_time()),
//!             Err(Throttled { wait, message }) => {
//!                 store.end_call(&ticket, Instant::now(), Some(Duration::ZERO));
//!                 store.throttled(Instant::now(), (!wait.is_zero()).then_some(wait), &message);
//!                 requeue(query);
//!             }
//!             Err(_) => store.end_call(&ticket, Instant::now(), None),
//!         Err(Admission::At(t)) => sleep_until(t) (or until a call ends / a command arrives),
//!         Err(Admission::Refused(why)) => fail the query with `why` (one sentence),
//!         Err(Admission::Now) => unreachable: begin_call only refuses with At or Refused,
//!     }
//!     every second: publish(store.snapshot(Instant::now()));
//! }
//! ```

pub mod clock;
pub mod ledger;
pub mod limits;
pub mod store;
pub mod throttle;

use std::time::Duration;

pub use clock::{Clock, FakeClock, SystemClock};
pub use ledger::{Admission, CallId, CallTicket, Ledger, Limiter, Refusal, ThrottleOutcome};
pub use limits::{CallWindow, Limits, LimitsError, Preset, RunWindow, Safety};
pub use store::Store;
pub use throttle::{Throttle, parse_retry_after};

/// How much of one budget window is spent.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowUsage {
    /// Short label for the status bar, e.g. `calls/min`, `run/h`.
    pub label: String,
    pub used: f64,
    /// The most the ledger lets itself use: the configured limit less the safety margin
    /// (44 of 45 calls a minute by default), so a full gauge means "queries wait now".
    pub limit: f64,
    /// Whether the figures are durations in seconds (run time) rather than call counts.
    pub is_time: bool,
}

/// The quota state published to the UI.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct QuotaSnapshot {
    /// Backend name the figures belong to.
    pub backend: String,
    /// False for backends that spend no tenant quota (local): the status bar says "0 quota".
    pub metered: bool,
    pub windows: Vec<WindowUsage>,
    /// Time left before the service accepts calls again after a 429.
    pub throttled_for: Option<Duration>,
    /// Queries spent this session on this backend.
    pub session_calls: u64,
}

/// One budget window in full, for the quota details popup.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowDetail {
    /// `calls per min`, `run time per h`.
    pub label: String,
    /// Whether the figures are seconds of run time rather than call counts.
    pub is_time: bool,
    pub used: f64,
    /// What the ledger lets itself use (the limit less the safety margin).
    pub usable: f64,
    /// The limit in force: configured, or lowered by a 429 body.
    pub limit: f64,
    /// The limit was learned from a 429 ("maximum allowed N per …").
    pub learned: bool,
    /// When the oldest call or run time counted in the window leaves it.
    pub frees_in: Option<Duration>,
    /// How long this window alone holds the next query back (`None`: it has room).
    pub blocks_for: Option<Duration>,
}

/// The most recent 429 as the service sent it (control characters escaped).
#[derive(Clone, Debug, PartialEq)]
pub struct ThrottleDetail {
    pub body: String,
    pub ago: Duration,
    pub wait: Duration,
}

/// The whole ledger, for the details popup: every window, the limits that are not windows,
/// what runs and waits, and the last 429 verbatim.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct QuotaDetails {
    pub backend: String,
    pub metered: bool,
    pub windows: Vec<WindowDetail>,
    /// Calls counted as running (this process and others sharing the ledger file).
    pub in_flight: usize,
    /// Queries the worker holds for the quota (filled in by the worker).
    pub queued: usize,
    pub session_calls: u64,
    pub throttled_for: Option<Duration>,
    pub last_throttle: Option<ThrottleDetail>,
    pub query_timeout: Duration,
    pub max_rows: u64,
    pub lookback: Duration,
    /// Added to every window and every announced wait.
    pub skew: Duration,
    /// Fraction of every budget left unused.
    pub headroom: f64,
    /// The file every kqlhunt process of the user shares, if any.
    pub shared_file: Option<String>,
    /// The last problem with that file.
    pub warning: Option<String>,
}

impl QuotaSnapshot {
    /// The snapshot of a backend that spends no quota.
    pub fn unmetered(backend: &str) -> Self {
        QuotaSnapshot {
            backend: backend.to_string(),
            metered: false,
            ..Default::default()
        }
    }
}
