//! Sign-in: token providers (static token, client secret, certificate, device code, Azure
//! CLI) behind one `TokenProvider` trait, and the `Secret` wrapper that keeps tokens and
//! passwords out of logs and `Debug` output. `provider_for` turns a `ResolvedProfile` into
//! the provider the backends call; every provider caches its token and fetches a new one
//! before the old one expires (`TokenSlot`), so a long session never fails on an expired
//! token.

pub mod azure_cli;
pub mod cache;
pub mod certificate;
pub mod device_code;
pub mod http;
pub mod jwt;
pub mod provider;
pub mod refresh;
pub mod secret;
pub mod slot;

pub use provider::{ProviderOptions, provider_for, provider_with};
pub use slot::{Clock, ManualClock, SystemClock, TokenSlot};

use std::fmt;
use std::time::SystemTime;

use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

/// A string that never prints itself: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret text, for the one place that must send it (an HTTP header or form).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A bearer token and when it stops working (`None`: unknown, e.g. a static token).
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_at: Option<SystemTime>,
}

/// Why no token could be had. Messages say what to do next.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AuthError {
    #[error("not signed in: {0}")]
    NotSignedIn(String),
    #[error("sign-in was refused: {0}")]
    Refused(String),
    #[error("cannot reach the sign-in service: {0}")]
    Network(String),
    #[error("sign-in is misconfigured: {0}")]
    Config(String),
}

/// Something that hands out bearer tokens for one resource. Providers cache and refresh
/// on their own; `force_refresh` asks for a new token after the service rejected one (401).
pub trait TokenProvider: Send + Sync {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>>;

    /// Sign in now (`kqlhunt login`, the TUI's login command): the device-code flow for
    /// delegated profiles, a fresh token for the others.
    fn sign_in(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        self.token(true)
    }
}

/// A fixed token, e.g. from `KQLHUNT_ACCESS_TOKEN` for scripts. It cannot be refreshed.
pub struct StaticToken(pub Secret);

impl TokenProvider for StaticToken {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            if force_refresh {
                return Err(AuthError::NotSignedIn(
                    "the service rejected KQLHUNT_ACCESS_TOKEN; get a fresh token or sign in with `kqlhunt login`".into(),
                ));
            }
            Ok(AccessToken {
                token: self.0.clone(),
                expires_at: None,
            })
        })
    }

    fn sign_in(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        self.token(false)
    }
}

/// The code an analyst types at the sign-in page, with where to type it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: String,
    /// The service's own sentence ("To sign in, use a web browser to open …"), control
    /// characters escaped.
    pub message: String,
    pub expires_at: SystemTime,
}

/// What sign-in tells the UI while it works: the device-code prompt to show, and the end.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthEvent {
    /// Show this code and URL until `SignedIn` or `Failed` arrives.
    DeviceCode(DeviceCodePrompt),
    /// The device-code sign-in finished; the prompt can go.
    SignedIn { profile: String },
    /// The device-code sign-in stopped (declined, expired, network); the prompt can go.
    Failed { message: String },
}

/// Where providers deliver `AuthEvent`s. `AuthEvents::none()` means nobody is watching, so
/// a provider that would need the analyst (device code) fails with "run `kqlhunt login`"
/// instead of waiting for a code nobody sees.
#[derive(Clone, Debug, Default)]
pub struct AuthEvents(Option<mpsc::UnboundedSender<AuthEvent>>);

impl AuthEvents {
    pub fn none() -> Self {
        AuthEvents(None)
    }

    /// A sender for providers and the receiver the UI (or `kqlhunt login`) reads.
    pub fn channel() -> (Self, mpsc::UnboundedReceiver<AuthEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (AuthEvents(Some(tx)), rx)
    }

    pub fn from_sender(tx: mpsc::UnboundedSender<AuthEvent>) -> Self {
        AuthEvents(Some(tx))
    }

    /// Whether someone can show a device-code prompt.
    pub fn is_watched(&self) -> bool {
        self.0.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    pub fn send(&self, event: AuthEvent) {
        if let Some(tx) = &self.0 {
            let _ = tx.send(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("eyJ0eXAiOi.secret.sig");
        assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
        let t = AccessToken {
            token: s,
            expires_at: None,
        };
        assert!(!format!("{t:?}").contains("eyJ"));
    }
}
