//! The remote backends: one `HuntingBackend`, parameterised by which API it speaks
//! (Graph `runHuntingQuery`, Defender `advancedhunting/run`, MDE `advancedqueries/run`).
//! It fetches a token, posts the query, retries once with a fresh token after a 401,
//! decodes the answer off the async threads and maps failures to `RunError`s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use reqwest::Url;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use tokio_util::sync::CancellationToken;

use super::cloud::Cloud;
use super::decode::{DecodeError, Decoded, QueryBody, decode};
use super::error::{ErrorContext, map_response, map_transport, token_audience};
use super::http::{self, ConfigError, HttpOptions, MAX_BODY};
use crate::auth::{AccessToken, TokenProvider};
use crate::backend::{Backend, BackendKind, RunError, RunRequest};
use crate::data::{Origin, ResultSet};

/// Error bodies larger than this are cut (they are read only for their message).
const MAX_ERROR_BODY: usize = 1024 * 1024;
/// Bodies larger than this are decoded on the blocking pool.
const INLINE_DECODE: usize = 256 * 1024;

/// A Graph, Defender or MDE advanced hunting backend.
pub struct HuntingBackend {
    kind: BackendKind,
    endpoint: Url,
    http: reqwest::Client,
    tokens: Arc<dyn TokenProvider>,
    timeout: Duration,
    audiences: Vec<String>,
}

/// The path of each API's run endpoint, below its base URL.
pub fn endpoint_path(kind: BackendKind) -> Option<&'static str> {
    match kind {
        BackendKind::Graph => Some("/v1.0/security/runHuntingQuery"),
        BackendKind::Defender => Some("/api/advancedhunting/run"),
        BackendKind::Mde => Some("/api/advancedqueries/run"),
        BackendKind::Local => None,
    }
}

impl HuntingBackend {
    /// A backend of `kind` at `base_url` (e.g. `https://graph.microsoft.com`; plain http only
    /// for loopback), taking tokens from `tokens`.
    pub fn new(
        kind: BackendKind,
        base_url: &str,
        tokens: Arc<dyn TokenProvider>,
        options: &HttpOptions,
    ) -> Result<Self, ConfigError> {
        let path = endpoint_path(kind).ok_or(ConfigError::NotRemote(kind.name()))?;
        let base = http::check_base_url(base_url)?;
        let joined = format!("{}{path}", base.as_str().trim_end_matches('/'));
        let endpoint = Url::parse(&joined).map_err(|e| ConfigError::BadUrl {
            url: joined.clone(),
            reason: e.to_string(),
        })?;
        let loopback = http::is_loopback(&base);
        let client = http::client(options, loopback)?;
        Ok(HuntingBackend {
            kind,
            audiences: default_audiences(kind, &base, loopback),
            endpoint,
            http: client,
            tokens,
            timeout: options.timeout.unwrap_or(http::default_timeout(kind)),
        })
    }

    /// Graph `runHuntingQuery` at `base_url`.
    pub fn graph(
        base_url: &str,
        tokens: Arc<dyn TokenProvider>,
        options: &HttpOptions,
    ) -> Result<Self, ConfigError> {
        Self::new(BackendKind::Graph, base_url, tokens, options)
    }

    /// Defender XDR `advancedhunting/run` at `base_url`.
    pub fn defender(
        base_url: &str,
        tokens: Arc<dyn TokenProvider>,
        options: &HttpOptions,
    ) -> Result<Self, ConfigError> {
        Self::new(BackendKind::Defender, base_url, tokens, options)
    }

    /// MDE `advancedqueries/run` at `base_url`.
    pub fn mde(
        base_url: &str,
        tokens: Arc<dyn TokenProvider>,
        options: &HttpOptions,
    ) -> Result<Self, ConfigError> {
        Self::new(BackendKind::Mde, base_url, tokens, options)
    }

    /// A backend at its cloud's default host.
    pub fn for_cloud(
        kind: BackendKind,
        cloud: Cloud,
        tokens: Arc<dyn TokenProvider>,
        options: &HttpOptions,
    ) -> Result<Self, ConfigError> {
        let base = cloud
            .api_base(kind)
            .ok_or(ConfigError::NotRemote(kind.name()))?;
        Self::new(kind, &base, tokens, options)
    }

    /// Replace the token audiences this backend expects (used only to explain a 403).
    pub fn with_audiences(mut self, audiences: Vec<String>) -> Self {
        self.audiences = audiences;
        self
    }

    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    async fn token(&self, force_refresh: bool) -> Result<AccessToken, RunError> {
        self.tokens.token(force_refresh).await.map_err(|e| {
            RunError::Auth(if force_refresh {
                format!(
                    "the {} service rejected the token and no new one could be had ({e})",
                    self.kind.name()
                )
            } else {
                e.to_string()
            })
        })
    }

    async fn send(&self, token: &AccessToken, body: &[u8]) -> Result<reqwest::Response, RunError> {
        let content_type = match self.kind {
            BackendKind::Graph => "application/json; charset=utf-8",
            _ => "application/json",
        };
        self.http
            .post(self.endpoint.clone())
            .timeout(self.timeout)
            .header(AUTHORIZATION, format!("Bearer {}", token.token.expose()))
            .header(CONTENT_TYPE, content_type)
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| map_transport(self.kind, &e, self.timeout))
    }

    async fn run_inner(&self, request: &RunRequest) -> Result<ResultSet, RunError> {
        let started_at = crate::data::time::now_ticks();
        let started = Instant::now();
        let timespan = match self.kind {
            BackendKind::Graph => request.timespan.as_deref(),
            _ => None,
        };
        let body = serde_json::to_vec(&QueryBody {
            query: &request.query,
            timespan,
        })
        .map_err(|e| RunError::Internal(format!("the request could not be written: {e}")))?;

        let mut token = self.token(false).await?;
        let mut response = self.send(&token, &body).await?;
        if response.status().as_u16() == 401 {
            tracing::info!(
                backend = self.kind.name(),
                "401: asking for a fresh token once"
            );
            drop(response);
            token = self.token(true).await?;
            response = self.send(&token, &body).await?;
        }

        let status = response.status().as_u16();
        tracing::debug!(backend = self.kind.name(), status, "response");
        if !(200..300).contains(&status) {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = match http::read_body(response, MAX_ERROR_BODY).await {
                Ok(Ok(b)) => b,
                // An error body we cannot read whole still has a status to go on.
                Ok(Err(_)) | Err(_) => Vec::new(),
            };
            let ctx = ErrorContext {
                kind: self.kind,
                query: &request.query,
                token_audience: token_audience(token.token.expose()),
                expected_audiences: &self.audiences,
            };
            return Err(map_response(&ctx, status, retry_after.as_deref(), &body));
        }

        let bytes = http::read_body(response, MAX_BODY)
            .await
            .map_err(|e| map_transport(self.kind, &e, self.timeout))?
            .map_err(|n| {
                RunError::TooLarge(format!(
                    "the result is over {} MB; project fewer columns, summarize, or take fewer rows",
                    n / (1024 * 1024)
                ))
            })?;
        let decoded = if bytes.len() > INLINE_DECODE {
            tokio::task::spawn_blocking(move || decode(&bytes))
                .await
                .map_err(|e| RunError::Internal(format!("decoding the result failed: {e}")))?
        } else {
            decode(&bytes)
        };
        let Decoded {
            table,
            stats,
            truncated,
            unconverted_cells,
            unknown_keys,
        } = decoded.map_err(|e| self.decode_error(status, e))?;
        if unconverted_cells > 0 || unknown_keys > 0 {
            tracing::info!(
                backend = self.kind.name(),
                unconverted_cells,
                unknown_keys,
                "cells that did not fit the schema"
            );
        }
        let origin = Origin {
            backend: self.kind.name().into(),
            query: request.query.clone(),
            started_at,
            elapsed: started.elapsed(),
            stats,
            ..Origin::default()
        };
        let mut result = ResultSet::new(table, origin);
        result.truncated = truncated;
        Ok(result)
    }

    fn decode_error(&self, status: u16, e: DecodeError) -> RunError {
        let name = self.kind.name();
        match e {
            DecodeError::Truncated(_) => RunError::Network(format!(
                "the result from {name} ended early ({e}); the connection may have dropped, run the query again"
            )),
            _ => RunError::Server {
                status,
                message: format!(
                    "{name} sent an answer that is not a hunting result ({e}); check the base URL, or run the query again"
                ),
            },
        }
    }
}

/// The audiences a token for this backend may carry: the API's own resource URL, plus the
/// legacy MDE resource, which MDE still accepts.
fn default_audiences(kind: BackendKind, base: &Url, loopback: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !loopback && let Some(host) = base.host_str() {
        out.push(format!("https://{host}"));
    }
    if let Some(public) = Cloud::Public.api_base(kind)
        && !out.contains(&public)
    {
        out.push(public);
    }
    if kind == BackendKind::Mde {
        out.push("https://api.securitycenter.windows.com".into());
    }
    out
}

impl Backend for HuntingBackend {
    fn kind(&self) -> BackendKind {
        self.kind
    }

    fn prepare(&self) -> BoxFuture<'_, Result<String, RunError>> {
        Box::pin(async move {
            self.token(false).await?;
            Ok(format!("{} · tenant ready", self.kind.name()))
        })
    }

    fn run<'a>(
        &'a self,
        request: &'a RunRequest,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<ResultSet, RunError>> {
        Box::pin(async move {
            tokio::select! {
                biased;
                _ = cancel.cancelled() => Err(RunError::Cancelled),
                r = self.run_inner(request) => r,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Secret, StaticToken};

    fn tokens() -> Arc<dyn TokenProvider> {
        Arc::new(StaticToken(Secret::new("t")))
    }

    #[test]
    fn endpoints_and_audiences() {
        let o = HttpOptions::default();
        let g =
            HuntingBackend::for_cloud(BackendKind::Graph, Cloud::GccHigh, tokens(), &o).unwrap();
        assert_eq!(
            g.endpoint().as_str(),
            "https://graph.microsoft.us/v1.0/security/runHuntingQuery"
        );
        assert_eq!(g.audiences[0], "https://graph.microsoft.us");
        assert_eq!(g.timeout(), http::GRAPH_TIMEOUT);
        let m = HuntingBackend::mde("http://127.0.0.1:9/x/", tokens(), &o).unwrap();
        assert_eq!(
            m.endpoint().as_str(),
            "http://127.0.0.1:9/x/api/advancedqueries/run"
        );
        assert_eq!(m.audiences[0], "https://api.securitycenter.microsoft.com");
        assert!(matches!(
            HuntingBackend::new(BackendKind::Local, "https://x", tokens(), &o),
            Err(ConfigError::NotRemote("local"))
        ));
        assert!(matches!(
            HuntingBackend::defender("http://example.com", tokens(), &o),
            Err(ConfigError::NotHttps(_))
        ));
    }
}
