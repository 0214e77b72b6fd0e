//! The tenant's hunting quota as the status bar sees it. The full ledger (limits, sliding
//! windows, admission, 429 interpretation, persistence) grows here; today it holds the
//! snapshot type the worker publishes after every change.

use std::time::Duration;

/// How much of one budget window is spent.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowUsage {
    /// Short label for the status bar, e.g. `calls/min`, `run/h`.
    pub label: String,
    pub used: f64,
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
