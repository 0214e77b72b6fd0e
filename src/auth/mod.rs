//! Sign-in: token providers (static token, client secret, certificate, device code, Azure
//! CLI) behind one `TokenProvider` trait, and the `Secret` wrapper that keeps tokens and
//! passwords out of logs and `Debug` output.

use std::fmt;
use std::time::SystemTime;

use futures_util::future::BoxFuture;

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
