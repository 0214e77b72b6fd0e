//! Test support shared by the integration tests: one loopback fake that serves the hunting
//! APIs (`hunting`) and the Entra token service (`login`) on one port, JWT-shaped test
//! tokens, and a token provider that counts refreshes.
#![allow(dead_code, unused_imports)]

pub mod hunting;
pub mod login;
#[cfg(unix)]
pub mod pty;
pub mod worker;

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use kqlhunt::auth::{AccessToken, AuthError, Secret, TokenProvider};

pub use hunting::{
    Api, CallLimit, FakeConfig, FakeHandle, FakeService, FakeTable, RecordedRequest, Reply,
    RetryAfter, Throttle,
};

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A JWT-shaped token (unsigned) with `aud`, `tid`, `exp` and `roles`, expiring
/// `expires_in` seconds from now (negative: already expired).
pub fn jwt(aud: &str, roles: &[&str], expires_in: i64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = serde_json::json!({
        "aud": aud,
        "tid": "00000000-0000-0000-0000-00000000a11c",
        "exp": unix_now() + expires_in,
        "nbf": unix_now() - 60,
        "roles": roles,
    });
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

/// A valid token for an API: its audience and its application permission.
pub fn token_for(api: Api) -> String {
    jwt(api.audience(), &[api.role()], 3600)
}

/// A token provider that hands out `first` until asked to refresh, then `refreshed`, and
/// counts both kinds of call.
pub struct CountingTokens {
    current: Mutex<String>,
    refreshed: String,
    pub calls: AtomicUsize,
    pub refreshes: AtomicUsize,
    /// Refuse to refresh (like a static token).
    pub refuse_refresh: bool,
}

impl CountingTokens {
    pub fn new(first: String, refreshed: String) -> Self {
        CountingTokens {
            current: Mutex::new(first),
            refreshed,
            calls: AtomicUsize::new(0),
            refreshes: AtomicUsize::new(0),
            refuse_refresh: false,
        }
    }

    pub fn refreshes(&self) -> usize {
        self.refreshes.load(Ordering::SeqCst)
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl TokenProvider for CountingTokens {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
            if force_refresh {
                self.refreshes.fetch_add(1, Ordering::SeqCst);
                if self.refuse_refresh {
                    return Err(AuthError::NotSignedIn("refresh refused".into()));
                }
                *current = self.refreshed.clone();
            }
            Ok(AccessToken {
                token: Secret::new(current.clone()),
                expires_at: None,
            })
        })
    }
}

use std::sync::Arc;

use kqlhunt::api::{HttpOptions, HuntingBackend};
use kqlhunt::auth::StaticToken;
use kqlhunt::backend::{Backend, BackendKind, RunError, RunRequest};
use kqlhunt::data::ResultSet;
use tokio_util::sync::CancellationToken;

/// The backend kind that talks to an API.
pub fn kind(api: Api) -> BackendKind {
    match api {
        Api::Graph => BackendKind::Graph,
        Api::Defender => BackendKind::Defender,
        Api::Mde => BackendKind::Mde,
    }
}

/// A backend for `api` on the fake, with a valid static token.
pub fn backend(api: Api, fake: &FakeHandle) -> HuntingBackend {
    let tokens = Arc::new(StaticToken(Secret::new(token_for(api))));
    backend_with(api, fake, tokens, &HttpOptions::default())
}

/// A backend for `api` on the fake with these tokens and options.
pub fn backend_with(
    api: Api,
    fake: &FakeHandle,
    tokens: Arc<dyn TokenProvider>,
    options: &HttpOptions,
) -> HuntingBackend {
    HuntingBackend::new(kind(api), &fake.base_url(), tokens, options).expect("backend")
}

/// Run one query to completion.
pub async fn run(backend: &HuntingBackend, query: &str) -> Result<ResultSet, RunError> {
    backend
        .run(&RunRequest::new(query), CancellationToken::new())
        .await
}
