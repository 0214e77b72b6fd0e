//! A loopback fake of the three hunting APIs (hunting-api.md §7), started inside a test on
//! port 0: Graph `runHuntingQuery`, Defender `advancedhunting/run` and MDE
//! `advancedqueries/run`, with their body shapes, bearer checks (audience, role, expiry),
//! the observed 429/400/401/403/5xx bodies, sliding-window call limits, a CPU budget, slow
//! answers, dropped connections and the 100,000-row and size caps. Rows come from a small
//! built-in schema, so nothing is read from disk or the network.
//!
//! ```ignore
//! let fake = FakeService::start(FakeConfig::default()).await;
//! fake.set_next_response(Reply::Throttle(Throttle::PerMinute(45)));
//! let backend = HuntingBackend::mde(&fake.base_url(), tokens, &HttpOptions::default())?;
//! ```

#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower_service::Service;

/// Which API a request went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    Graph,
    Defender,
    Mde,
}

impl Api {
    pub const ALL: [Api; 3] = [Api::Graph, Api::Defender, Api::Mde];

    pub fn path(self) -> &'static str {
        match self {
            Api::Graph => "/v1.0/security/runHuntingQuery",
            Api::Defender => "/api/advancedhunting/run",
            Api::Mde => "/api/advancedqueries/run",
        }
    }

    fn from_path(path: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| path.ends_with(a.path()))
    }

    /// The token audience the real service expects.
    pub fn audience(self) -> &'static str {
        match self {
            Api::Graph => "https://graph.microsoft.com",
            Api::Defender => "https://api.security.microsoft.com",
            Api::Mde => "https://api.securitycenter.microsoft.com",
        }
    }

    /// The application permission (`roles`) the API needs.
    pub fn role(self) -> &'static str {
        match self {
            Api::Graph => "ThreatHunting.Read.All",
            Api::Defender => "AdvancedHunting.Read.All",
            Api::Mde => "AdvancedQuery.Read.All",
        }
    }

    /// The delegated permission (`scp`) the API accepts.
    fn scope(self) -> &'static str {
        match self {
            Api::Graph => "ThreatHunting.Read.All",
            Api::Defender => "AdvancedHunting.Read",
            Api::Mde => "AdvancedQuery.Read",
        }
    }
}

/// A sliding-window limit on calls, counted over all routes (the quota is per tenant).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CallLimit {
    pub max: usize,
    pub window: Duration,
}

impl CallLimit {
    pub fn per_minute(max: usize) -> Self {
        CallLimit {
            max,
            window: Duration::from_secs(60),
        }
    }
    pub fn per_hour(max: usize) -> Self {
        CallLimit {
            max,
            window: Duration::from_secs(3600),
        }
    }
}

/// How 429 answers carry `Retry-After`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RetryAfter {
    Absent,
    Seconds(u64),
    Fractional(f64),
    /// The time until the window has room again (whole seconds, rounded up).
    UntilFree,
}

/// The 429 bodies seen from the services.
#[derive(Clone, Debug, PartialEq)]
pub enum Throttle {
    /// "API calls quota exceeded! maximum allowed N per 00:01:00"
    PerMinute(usize),
    /// "API calls quota exceeded! maximum allowed N per 01:00:00"
    Hourly(usize),
    /// The same body for any window ("… maximum allowed 5 per 00:00:02"), so a test can
    /// impose a short limit the client was not told about and finish in seconds.
    PerWindow { max: usize, window: Duration },
    /// The MDE variant that names the wait: "… You can send requests again in N seconds."
    AgainIn { max: usize, secs: u64 },
    /// The CPU quota: "You have exceeded processing resources … again in hh:mm:ss."
    Cpu(Duration),
    /// Graph's `TooManyRequests` envelope.
    Graph,
}

/// One scripted answer; the queue of these is consumed one per request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A success with this many generated rows (auth and limits still apply).
    Rows(usize),
    /// A success with exactly this table (auth and limits still apply).
    Table(FakeTable),
    /// Any status, headers and body, verbatim.
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// 400: "'where' operator: Failed to resolve table or column expression named …"
    Semantic,
    /// 400: a syntax error with a zero-based `[line:position=L:P]`.
    Syntax {
        line: usize,
        position: usize,
    },
    /// 400: the query was preempted for using too much CPU or memory.
    Preempted,
    /// 400: the result is over the size limit.
    TooLarge,
    /// "Query exceeded the timeout period." with this status (400, 408 or 504).
    Timeout(u16),
    /// This status with an empty body.
    Empty(u16),
    /// Graph's `UnknownError` with an empty message, with this status (500, 504).
    UnknownError(u16),
    /// 503 with an optional `Retry-After`.
    Unavailable(Option<u64>),
    Unauthorized,
    Forbidden,
    /// 429 with this body; `Retry-After` per `FakeConfig::retry_after`.
    Throttle(Throttle),
    /// 410 Gone, as a retired legacy endpoint might answer.
    Retired,
    /// Wait, then answer.
    Slow(Duration, Box<Reply>),
    /// Close the connection without answering.
    DropBeforeHeaders,
    /// Send the headers and part of the body, then close the connection.
    DropMidBody,
    /// Never answer.
    Hang,
}

/// A result table. `rows: None` generates rows from the built-in schema.
#[derive(Clone, Debug, PartialEq)]
pub struct FakeTable {
    /// (name, service type string)
    pub columns: Vec<(String, String)>,
    pub rows: Option<Vec<Vec<serde_json::Value>>>,
}

impl FakeTable {
    /// The built-in schema; rows are generated on demand.
    pub fn standard() -> Self {
        Self::standard_columns(STANDARD.len())
    }

    /// The first `n` columns of the built-in schema (narrow tables for big row counts).
    pub fn standard_columns(n: usize) -> Self {
        FakeTable {
            columns: STANDARD[..n.min(STANDARD.len())]
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            rows: None,
        }
    }

    /// A table with these columns and rows.
    pub fn new(columns: &[(&str, &str)], rows: Vec<Vec<serde_json::Value>>) -> Self {
        FakeTable {
            columns: columns
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            rows: Some(rows),
        }
    }
}

/// The built-in schema of generated rows.
pub const STANDARD: [(&str, &str); 13] = [
    ("Timestamp", "DateTime"),
    ("DeviceId", "String"),
    ("DeviceName", "String"),
    ("ActionType", "String"),
    ("ProcessId", "Int64"),
    ("ReportId", "Int64"),
    ("IsElevated", "SByte"),
    ("AdditionalFields", "Object"),
    ("ProcessCommandLine", "String"),
    ("Score", "Double"),
    ("InitiatingProcessId", "Int32"),
    ("CorrelationId", "Guid"),
    ("Duration", "TimeSpan"),
];

/// The first generated `ReportId`: above 2^53, where f64 loses precision.
pub const BIG_REPORT_ID: i64 = 9_007_199_254_740_993;

/// How the fake behaves when no reply is scripted.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// Rows per answer when the query has no `take N`/`limit N`.
    pub rows: usize,
    /// The service's row cap: larger answers are cut to it silently.
    pub row_cap: usize,
    /// Bodies larger than this become a 400 "exceeded the allowed result size".
    pub size_cap: usize,
    pub table: FakeTable,
    /// Dynamic (`Object`) cells as JSON text instead of nested JSON.
    pub dynamic_as_text: bool,
    /// Graph schema keys as `Name`/`Type` instead of `name`/`type`.
    pub graph_pascal_schema: bool,
    /// Send the results before the schema.
    pub schema_last: bool,
    /// Check bearer tokens (audience, role or scope, expiry).
    pub require_auth: bool,
    pub call_limits: Vec<CallLimit>,
    pub retry_after: RetryAfter,
    /// Wait before every answer.
    pub delay: Duration,
    /// CPU each query spends (reported in legacy `Stats`).
    pub cpu_per_query: Duration,
    /// CPU allowed per 15-minute cycle; `None`: unlimited.
    pub cpu_budget: Option<Duration>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            rows: 5,
            row_cap: 100_000,
            size_cap: 124 * 1024 * 1024,
            table: FakeTable::standard(),
            dynamic_as_text: false,
            graph_pascal_schema: false,
            schema_last: false,
            require_auth: true,
            call_limits: Vec::new(),
            retry_after: RetryAfter::Seconds(10),
            delay: Duration::ZERO,
            cpu_per_query: Duration::from_millis(1500),
            cpu_budget: None,
        }
    }
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// When the fake received it.
    pub at: Instant,
    pub api: Option<Api>,
    pub path: String,
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub user_agent: Option<String>,
    pub body: String,
}

struct Inner {
    config: FakeConfig,
    replies: VecDeque<Reply>,
    requests: Vec<RecordedRequest>,
    admitted: VecDeque<Instant>,
    /// 429s answered because a call limit or the CPU budget was spent.
    throttled: usize,
    cpu_cycle_start: Option<Instant>,
    cpu_spent: Duration,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(s: &Shared) -> std::sync::MutexGuard<'_, Inner> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// The running fake. Dropping it stops accepting connections.
pub struct FakeHandle {
    addr: SocketAddr,
    shared: Shared,
    login: super::login::FakeLogin,
    accept: JoinHandle<()>,
}

pub struct FakeService;

impl FakeService {
    /// Start the fake on 127.0.0.1, port 0, on the current tokio runtime.
    pub async fn start(config: FakeConfig) -> FakeHandle {
        Self::start_at(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Start the fake on `addr` (a port a stopped fake had: the service coming back).
    pub async fn start_at(addr: SocketAddr, config: FakeConfig) -> FakeHandle {
        let listener = TcpListener::bind(addr).await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let shared: Shared = Arc::new(Mutex::new(Inner {
            config,
            replies: VecDeque::new(),
            requests: Vec::new(),
            admitted: VecDeque::new(),
            throttled: 0,
            cpu_cycle_start: None,
            cpu_spent: Duration::ZERO,
        }));
        let (login, login_routes) = super::login::FakeLogin::router(&format!("http://{addr}"));
        let mut router = Router::new();
        for api in Api::ALL {
            router = router.route(api.path(), post(handle));
        }
        let router = router
            .with_state(shared.clone())
            .merge(login_routes)
            .fallback(|| async { plain(404, "") });
        let accept = tokio::spawn(accept_loop(listener, router));
        FakeHandle {
            addr,
            shared,
            login,
            accept,
        }
    }
}

impl FakeHandle {
    /// `http://127.0.0.1:<port>`: the base URL of all three APIs.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The Entra token service on the same port (`/{tenant}/oauth2/v2.0/token` and
    /// `/devicecode`): script it and read what it saw here.
    pub fn login(&self) -> &super::login::FakeLogin {
        &self.login
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared).requests.clone()
    }

    /// How many 429s the fake answered on its own (spent call limits or CPU budget).
    pub fn throttled(&self) -> usize {
        lock(&self.shared).throttled
    }

    /// Script the answer to the next request that has none scripted.
    pub fn set_next_response(&self, reply: Reply) {
        lock(&self.shared).replies.push_back(reply);
    }

    /// Change the configuration of a running fake.
    pub fn configure(&self, f: impl FnOnce(&mut FakeConfig)) {
        f(&mut lock(&self.shared).config);
    }

    /// Forget counted calls and CPU spent (a new quota period).
    pub fn reset_quota(&self) {
        let mut s = lock(&self.shared);
        s.admitted.clear();
        s.cpu_spent = Duration::ZERO;
        s.cpu_cycle_start = None;
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Closes the connection a request came on.
#[derive(Clone)]
struct Kill(CancellationToken);

async fn accept_loop(listener: TcpListener, router: Router) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let kill = CancellationToken::new();
        let router = router.clone();
        let conn_kill = kill.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
                req.extensions_mut().insert(Kill(conn_kill.clone()));
                let mut router = router.clone();
                async move { router.call(req).await }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.cancelled() => {}
            }
        });
    }
}

fn plain(status: u16, body: &str) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .body(Body::from(body.to_owned()))
        .unwrap_or_default()
}

fn json(status: u16, headers: &[(String, String)], body: String) -> Response {
    let mut b = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json; charset=utf-8");
    for (k, v) in headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(Body::from(body)).unwrap_or_default()
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn handle(
    State(shared): State<Shared>,
    Extension(kill): Extension<Kill>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let api = Api::from_path(uri.path());
    let (reply, config) = {
        let mut s = lock(&shared);
        s.requests.push(RecordedRequest {
            at: Instant::now(),
            api,
            path: uri.path().to_string(),
            authorization: header(&headers, "authorization"),
            content_type: header(&headers, "content-type"),
            user_agent: header(&headers, "user-agent"),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        (s.replies.pop_front(), s.config.clone())
    };
    let Some(api) = api else {
        return plain(404, "");
    };
    if !config.delay.is_zero() {
        tokio::time::sleep(config.delay).await;
    }
    let mut reply = reply;
    while let Some(Reply::Slow(d, inner)) = reply {
        tokio::time::sleep(d).await;
        reply = Some(*inner);
    }
    match reply {
        Some(Reply::DropBeforeHeaders) => {
            kill.0.cancel();
            std::future::pending::<Response>().await
        }
        Some(Reply::DropMidBody) => {
            let k = kill.0.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                k.cancel();
            });
            let first = futures_util::stream::once(async {
                Ok::<_, Infallible>(Bytes::from_static(
                    br#"{"Schema":[{"Name":"a","Type":"String"}],"Results":[{"a":"#,
                ))
            });
            let rest = futures_util::stream::pending();
            use futures_util::StreamExt as _;
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from_stream(first.chain(rest)))
                .unwrap_or_default()
        }
        Some(Reply::Hang) => std::future::pending::<Response>().await,
        Some(Reply::Rows(n)) => success(&shared, api, &config, &headers, &body, Some(n), None),
        Some(Reply::Table(t)) => success(&shared, api, &config, &headers, &body, None, Some(t)),
        Some(other) => render(api, &config, other),
        None => success(&shared, api, &config, &headers, &body, None, None),
    }
}

fn now_iso() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    kqlhunt::data::time::format_datetime(secs * 10_000_000, 0)
        .trim_end_matches('Z')
        .to_string()
}

/// An error in the API's own envelope.
fn error_body(api: Api, code: &str, message: &str) -> String {
    let v = match api {
        Api::Graph => serde_json::json!({"error": {
            "code": code, "message": message,
            "innerError": {"date": now_iso(), "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2",
                           "client-request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa3"}}}),
        _ => serde_json::json!({"error": {"code": code, "message": message,
            "target": "|dda96034-4495868f9e453baf."}}),
    };
    v.to_string()
}

fn hms(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

fn retry_after_header(mode: RetryAfter, until_free: Duration) -> Vec<(String, String)> {
    let v = match mode {
        RetryAfter::Absent => return Vec::new(),
        RetryAfter::Seconds(n) => n.to_string(),
        RetryAfter::Fractional(f) => format!("{f}"),
        RetryAfter::UntilFree => until_free.as_secs_f64().ceil().max(1.0).to_string(),
    };
    vec![("Retry-After".into(), v)]
}

fn throttle(api: Api, config: &FakeConfig, t: &Throttle, until_free: Duration) -> Response {
    let headers = retry_after_header(config.retry_after, until_free);
    let body = match t {
        Throttle::PerMinute(n) => error_body(
            api,
            "429",
            &format!("API calls quota exceeded! maximum allowed {n} per 00:01:00"),
        ),
        Throttle::Hourly(n) => error_body(
            api,
            "429",
            &format!("API calls quota exceeded! maximum allowed {n} per 01:00:00"),
        ),
        Throttle::PerWindow { max, window } => error_body(
            api,
            "429",
            &format!(
                "API calls quota exceeded! maximum allowed {max} per {}",
                hms(*window)
            ),
        ),
        Throttle::AgainIn { max, secs } => error_body(
            api,
            "429",
            &format!(
                "API calls quota exceeded! Maximum allowed {max} per 00:01:00 for the key Destination+TenantID+AppID. You can send requests again in {secs} seconds."
            ),
        ),
        Throttle::Cpu(wait) => error_body(
            api,
            "429",
            &format!(
                "You have exceeded processing resources allocated to this tenant. You can run queries again in {}.",
                hms(*wait)
            ),
        ),
        Throttle::Graph => serde_json::json!({"error": {
            "code": "TooManyRequests", "message": "Please retry again later.",
            "innerError": {"code": "429", "status": "429", "date": now_iso(),
                           "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2",
                           "client-request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa3"}}})
        .to_string(),
    };
    json(429, &headers, body)
}

fn render(api: Api, config: &FakeConfig, reply: Reply) -> Response {
    match reply {
        Reply::Raw {
            status,
            headers,
            body,
        } => json(status, &headers, body),
        Reply::Semantic => json(
            400,
            &[],
            error_body(
                api,
                "BadRequest",
                "'where' operator: Failed to resolve table or column expression named 'EmailAttachmentInfoX'. Fix semantic errors in your query.",
            ),
        ),
        Reply::Syntax { line, position } => json(
            400,
            &[],
            error_body(
                api,
                "BadRequest",
                &format!(
                    "Syntax error: SYN0002: A recognition error occurred. [line:position={line}:{position}]"
                ),
            ),
        ),
        Reply::Preempted => json(
            400,
            &[],
            error_body(
                api,
                "BadRequest",
                "Query execution has exceeded the allowed limits. The query execution was preempted. This could possibly be due to high CPU and/or memory resource consumption. Optimize your query by following best practices and try again.",
            ),
        ),
        Reply::TooLarge => too_large(api),
        Reply::Timeout(status) => json(
            status,
            &[],
            error_body(api, "BadRequest", "Query exceeded the timeout period."),
        ),
        Reply::Empty(status) => plain(status, ""),
        Reply::UnknownError(status) => {
            json(status, &[], error_body(Api::Graph, "UnknownError", ""))
        }
        Reply::Unavailable(after) => json(
            503,
            &after
                .map(|s| vec![("Retry-After".to_string(), s.to_string())])
                .unwrap_or_default(),
            error_body(
                api,
                "ServiceUnavailable",
                "The service is temporarily unavailable.",
            ),
        ),
        Reply::Unauthorized => unauthorized(api, "invalid or expired authorization header"),
        Reply::Forbidden => json(
            403,
            &[],
            error_body(
                api,
                "Forbidden",
                "The application does not have the required permission.",
            ),
        ),
        Reply::Throttle(t) => throttle(api, config, &t, Duration::from_secs(60)),
        Reply::Retired => json(
            410,
            &[],
            error_body(api, "Gone", "This API has been retired."),
        ),
        // Handled before rendering.
        Reply::Rows(_)
        | Reply::Table(_)
        | Reply::Slow(..)
        | Reply::DropBeforeHeaders
        | Reply::DropMidBody
        | Reply::Hang => plain(500, "unexpected reply"),
    }
}

fn too_large(api: Api) -> Response {
    json(
        400,
        &[],
        error_body(
            api,
            "BadRequest",
            "Query execution has exceeded the allowed result size. Optimize your query by limiting the number of results and try again.",
        ),
    )
}

fn unauthorized(api: Api, message: &str) -> Response {
    let code = match api {
        Api::Graph => "InvalidAuthenticationToken",
        _ => "Unauthorized",
    };
    json(401, &[], error_body(api, code, message))
}

/// Check the bearer token: 401 when missing, malformed or expired; 403 for another
/// audience or without the permission.
fn check_token(api: Api, headers: &HeaderMap) -> Option<Response> {
    let Some(auth) = header(headers, "authorization") else {
        return Some(unauthorized(api, "Authorization header is missing."));
    };
    let Some(token) = auth.strip_prefix("Bearer ") else {
        return Some(unauthorized(
            api,
            "Authorization header is not a bearer token.",
        ));
    };
    let claims: Option<serde_json::Value> = token
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(claims) = claims else {
        return Some(unauthorized(api, "Access token is not a valid JWT."));
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    if claims
        .get("exp")
        .and_then(|e| e.as_i64())
        .is_none_or(|exp| exp <= now)
    {
        return Some(unauthorized(
            api,
            "Access token has expired or is not yet valid.",
        ));
    }
    let aud = claims.get("aud").and_then(|a| a.as_str()).unwrap_or("");
    if aud.trim_end_matches('/') != api.audience() {
        return Some(json(
            403,
            &[],
            error_body(api, "Forbidden", "Invalid audience."),
        ));
    }
    let has_role = claims
        .get("roles")
        .and_then(|r| r.as_array())
        .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(api.role())));
    let has_scope = claims
        .get("scp")
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.split(' ').any(|x| x == api.scope()));
    if !has_role && !has_scope {
        return Some(json(
            403,
            &[],
            error_body(
                api,
                "Forbidden",
                "Missing application roles or delegated scopes.",
            ),
        ));
    }
    None
}

/// Validate the request body; `Err` is the 400 to send, `Ok` the query text.
fn check_body(api: Api, body: &[u8]) -> Result<(String, Option<String>), Response> {
    let bad = |code: &str, msg: &str| json(400, &[], error_body(api, code, msg));
    let v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|_| bad("InvalidRequestBody", "Invalid request body."))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad("InvalidRequestBody", "Invalid request body."))?;
    let query = match api {
        Api::Graph => obj.get("Query").or_else(|| obj.get("query")),
        _ => {
            if obj
                .keys()
                .any(|k| k != "Query" && k.eq_ignore_ascii_case("query"))
            {
                return Err(bad("InvalidRequestBody", "Invalid request body."));
            }
            obj.get("Query")
        }
    };
    let Some(query) = query.and_then(|q| q.as_str()) else {
        return Err(bad(
            "MissingRequiredParameter",
            "Parameter Query is missing.",
        ));
    };
    let timespan = obj
        .get("Timespan")
        .or_else(|| obj.get("timespan"))
        .and_then(|t| t.as_str())
        .map(str::to_owned);
    if api == Api::Graph
        && let Some(ts) = &timespan
    {
        let re = regex::Regex::new(
            r"^(P[0-9WDTHMS.]+|\d{4}-\d{2}-\d{2}T[0-9:.]+Z)(/(P[0-9WDTHMS.]+|\d{4}-\d{2}-\d{2}T[0-9:.]+Z))?$",
        )
        .expect("regex");
        if !re.is_match(ts) {
            return Err(bad("BadRequest", "Invalid timespan."));
        }
    }
    Ok((query.to_string(), timespan))
}

/// Count the call against the sliding windows and the CPU budget; `Err` is the 429.
fn admit(shared: &Shared, api: Api, config: &FakeConfig) -> Result<(), Response> {
    let now = Instant::now();
    let mut s = lock(shared);
    let longest = config
        .call_limits
        .iter()
        .map(|l| l.window)
        .max()
        .unwrap_or_default();
    while s
        .admitted
        .front()
        .is_some_and(|t| now.duration_since(*t) >= longest)
    {
        s.admitted.pop_front();
    }
    for limit in &config.call_limits {
        let in_window: Vec<Instant> = s
            .admitted
            .iter()
            .copied()
            .filter(|t| now.duration_since(*t) < limit.window)
            .collect();
        if in_window.len() >= limit.max {
            let oldest = in_window[in_window.len() - limit.max];
            let until_free = limit.window.saturating_sub(now.duration_since(oldest));
            let t = if api == Api::Graph {
                Throttle::Graph
            } else if limit.window == Duration::from_secs(3600) {
                Throttle::Hourly(limit.max)
            } else if limit.window == Duration::from_secs(60) {
                Throttle::PerMinute(limit.max)
            } else {
                Throttle::PerWindow {
                    max: limit.max,
                    window: limit.window,
                }
            };
            s.throttled += 1;
            return Err(throttle(api, config, &t, until_free));
        }
    }
    if let Some(budget) = config.cpu_budget {
        let cycle = Duration::from_secs(15 * 60);
        let start = *s.cpu_cycle_start.get_or_insert(now);
        if now.duration_since(start) >= cycle {
            s.cpu_cycle_start = Some(now);
            s.cpu_spent = Duration::ZERO;
        }
        if s.cpu_spent >= budget {
            let wait = cycle.saturating_sub(now.duration_since(start));
            s.throttled += 1;
            return Err(throttle(api, config, &Throttle::Cpu(wait), wait));
        }
        s.cpu_spent += config.cpu_per_query;
    }
    s.admitted.push_back(now);
    Ok(())
}

fn success(
    shared: &Shared,
    api: Api,
    config: &FakeConfig,
    headers: &HeaderMap,
    body: &[u8],
    rows: Option<usize>,
    table: Option<FakeTable>,
) -> Response {
    if config.require_auth
        && let Some(r) = check_token(api, headers)
    {
        return r;
    }
    let (query, _timespan) = match check_body(api, body) {
        Ok(q) => q,
        Err(r) => return r,
    };
    if let Err(r) = admit(shared, api, config) {
        return r;
    }
    let table = table.unwrap_or_else(|| config.table.clone());
    let wanted = rows.unwrap_or_else(|| take_count(&query).unwrap_or(config.rows));
    let out = result_body(api, config, &table, wanted);
    if out.len() > config.size_cap {
        return too_large(api);
    }
    json(200, &[], out)
}

/// `take N` / `limit N` in the query, if any.
fn take_count(query: &str) -> Option<usize> {
    let re = regex::Regex::new(r"(?i)\b(?:take|limit)\s+(\d+)").expect("regex");
    re.captures_iter(query)
        .filter_map(|c| c[1].parse().ok())
        .min()
}

/// The success body in the API's shape.
pub fn result_body(api: Api, config: &FakeConfig, table: &FakeTable, wanted: usize) -> String {
    let rows = match &table.rows {
        Some(r) => r.len().min(config.row_cap),
        None => wanted.min(config.row_cap),
    };
    let mut results = String::with_capacity(rows * 400 + 2);
    results.push('[');
    for r in 0..rows {
        if r > 0 {
            results.push(',');
        }
        results.push('{');
        for (c, (name, ty)) in table.columns.iter().enumerate() {
            if c > 0 {
                results.push(',');
            }
            results.push_str(&serde_json::Value::String(name.clone()).to_string());
            results.push(':');
            let is_dynamic =
                ty.eq_ignore_ascii_case("object") || ty.eq_ignore_ascii_case("dynamic");
            match &table.rows {
                Some(rows) => {
                    let v = rows[r].get(c).cloned().unwrap_or(serde_json::Value::Null);
                    if is_dynamic && config.dynamic_as_text && (v.is_object() || v.is_array()) {
                        results.push_str(&serde_json::Value::String(v.to_string()).to_string());
                    } else {
                        results.push_str(&v.to_string());
                    }
                }
                None => standard_cell(&mut results, r, c, config.dynamic_as_text),
            }
        }
        results.push('}');
    }
    results.push(']');

    let (schema_key, results_key, name_key, type_key) = match api {
        Api::Graph if config.graph_pascal_schema => ("schema", "results", "Name", "Type"),
        Api::Graph => ("schema", "results", "name", "type"),
        _ => ("Schema", "Results", "Name", "Type"),
    };
    let schema: Vec<serde_json::Value> = table
        .columns
        .iter()
        .map(|(n, t)| {
            let mut m = serde_json::Map::new();
            m.insert(name_key.into(), n.clone().into());
            m.insert(type_key.into(), t.clone().into());
            serde_json::Value::Object(m)
        })
        .collect();
    let schema = serde_json::Value::Array(schema).to_string();
    let mut out = String::with_capacity(results.len() + schema.len() + 600);
    out.push('{');
    match api {
        Api::Graph => out.push_str(
            r#""@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults","#,
        ),
        _ => {
            let cpu = config.cpu_per_query;
            let user = cpu.mul_f64(0.9);
            let kernel = cpu.saturating_sub(user);
            let stats = serde_json::json!({
                "ExecutionTime": 0.25 + rows as f64 * 1e-6,
                "resource_usage": {
                    "cache": {"memory": {"hits": 773461, "misses": 4481, "total": 777942},
                              "disk": {"hits": 994, "misses": 197, "total": 1191}},
                    "cpu": {"user": timespan(user), "kernel": timespan(kernel), "total cpu": timespan(cpu)},
                    "memory": {"peak_per_node": 236822432}
                },
                "dataset_statistics": [{"table_row_count": rows, "table_size": results.len()}]
            });
            let _ = write!(out, r#""Stats":{stats},"#);
        }
    }
    if config.schema_last {
        let _ = write!(out, r#""{results_key}":{results},"{schema_key}":{schema}"#);
    } else {
        let _ = write!(out, r#""{schema_key}":{schema},"{results_key}":{results}"#);
    }
    out.push('}');
    out
}

fn timespan(d: Duration) -> String {
    let ticks = (d.as_nanos() / 100) as i64;
    let s = ticks / 10_000_000;
    format!(
        "{:02}:{:02}:{:02}.{:07}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ticks % 10_000_000
    )
}

/// One generated cell of the built-in schema, written as JSON.
fn standard_cell(out: &mut String, r: usize, c: usize, dynamic_as_text: bool) {
    let _ = match c {
        0 => write!(
            out,
            "\"2024-05-01T{:02}:{:02}:{:02}.{:07}Z\"",
            (r / 3600) % 24,
            (r / 60) % 60,
            r % 60,
            (r * 7919) % 10_000_000
        ),
        1 => write!(
            out,
            "\"{:040x}\"",
            (r as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ),
        2 => write!(out, "\"host-{}.contoso.test\"", r % 7),
        3 => write!(
            out,
            "\"{}\"",
            ["ProcessCreated", "FileCreated", "ConnectionSuccess"][r % 3]
        ),
        4 => write!(out, "{}", 1000 + r),
        5 => write!(out, "{}", BIG_REPORT_ID + r as i64),
        6 => write!(out, "{}", r.is_multiple_of(2)),
        7 => {
            let v = format!(r#"{{"Count":{r},"Tags":["a","b"],"Nested":{{"k":null}}}}"#);
            if dynamic_as_text {
                write!(out, "{}", serde_json::Value::String(v))
            } else {
                write!(out, "{v}")
            }
        }
        8 if r % 5 == 4 => write!(out, "null"),
        8 => write!(out, "\"cmd.exe /c echo Grüße 👋 \\\"{r}\\\"\""),
        9 => write!(out, "{}", r as f64 * 0.5 + 0.25),
        10 if r % 7 == 6 => write!(out, "null"),
        10 => write!(out, "{}", r % 65536),
        11 => write!(
            out,
            "\"{:08x}-0b3c-4d5e-8f9a-{:012x}\"",
            r as u32,
            r as u64 * 31
        ),
        12 => write!(out, "\"00:00:{:02}.5000000\"", r % 60),
        _ => write!(out, "null"),
    };
}
