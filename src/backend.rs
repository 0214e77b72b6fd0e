//! The `Backend` contract: where a query runs (a Defender/Graph API, or the local engine),
//! what it is asked (`RunRequest`) and how it can fail (`RunError`). The worker owns the
//! backends; everything else sees only results and errors.

use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use crate::data::ResultSet;

/// Which kind of backend a query goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum BackendKind {
    /// Microsoft Graph `security/runHuntingQuery` (the current API).
    Graph,
    /// `api.security.microsoft.com/api/advancedhunting/run` (retiring in 2027).
    Defender,
    /// `api.securitycenter.microsoft.com/api/advancedqueries/run` (legacy).
    Mde,
    /// The embedded KQL engine over local tables (the demo dataset, files, cached results).
    Local,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Graph => "graph",
            BackendKind::Defender => "defender",
            BackendKind::Mde => "mde",
            BackendKind::Local => "local",
        }
    }

    /// Whether queries on this backend spend the tenant's quota.
    pub fn spends_quota(self) -> bool {
        self != BackendKind::Local
    }
}

/// One query to run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRequest {
    pub query: String,
    /// Graph's optional ISO-8601 `Timespan` (e.g. `P7D`).
    pub timespan: Option<String>,
}

impl RunRequest {
    pub fn new(query: impl Into<String>) -> Self {
        RunRequest {
            query: query.into(),
            timespan: None,
        }
    }
}

/// Why a query produced no result. Each message is one sentence with what to do next.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    /// The query does not parse (locally or per the service); `at` is a byte offset.
    #[error("syntax error{}: {message}", at.map(|a| format!(" at {a}")).unwrap_or_default())]
    Syntax { message: String, at: Option<usize> },
    /// The query parses but refers to something that does not exist or has the wrong type.
    #[error("{message}")]
    Semantic { message: String, at: Option<usize> },
    /// The local engine cannot run this construct yet (it never guesses an answer).
    #[error("not supported locally: {what}")]
    Unsupported { what: String, at: Option<usize> },
    #[error("sign-in failed: {0}")]
    Auth(String),
    #[error("access denied: {0}")]
    Forbidden(String),
    #[error("throttled by the service; retry in {}s", wait.as_secs())]
    Throttled { wait: Duration, message: String },
    #[error("the query ran out of time: {0}")]
    Timeout(String),
    #[error("the result is too large: {0}")]
    TooLarge(String),
    #[error("the service failed ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("network error: {0}")]
    Network(String),
    #[error("cancelled")]
    Cancelled,
    /// The quota ledger would not send it (budget spent for longer than it will queue).
    #[error("not sent: {0}")]
    Refused(String),
    /// A bug in kqlhunt (e.g. a panic in the local engine), caught and reported.
    #[error("internal error: {0}; this is a kqlhunt bug, details are in the log")]
    Internal(String),
}

impl RunError {
    /// The byte offset in the query the error points at, if any.
    pub fn position(&self) -> Option<usize> {
        match self {
            RunError::Syntax { at, .. }
            | RunError::Semantic { at, .. }
            | RunError::Unsupported { at, .. } => *at,
            _ => None,
        }
    }
}

/// Something that turns KQL text into a `ResultSet`.
pub trait Backend: Send + Sync {
    fn kind(&self) -> BackendKind;

    /// Get ready to run queries (load tables, warm a token) and say what is available, in
    /// a few words for the status bar. Queries may arrive before this finishes and wait.
    fn prepare(&self) -> BoxFuture<'_, Result<String, RunError>>;

    /// Run one query. Implementations stop promptly once `cancel` fires and return
    /// `RunError::Cancelled`.
    fn run<'a>(
        &'a self,
        request: &'a RunRequest,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<ResultSet, RunError>>;
}
