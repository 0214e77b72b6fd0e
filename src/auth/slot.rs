//! The in-memory token every provider keeps, and when to replace it: a token is renewed
//! ahead of its expiry (5 minutes, or half its lifetime for short-lived ones), concurrent
//! callers share one fetch, and a failed early renewal falls back to the still-valid token.
//! Time comes from a `Clock`, so tests move it instead of sleeping.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use super::{AccessToken, AuthError};

/// How early a token is renewed at most.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// Where providers read the time.
pub trait Clock: Send + Sync {
    fn now(&self) -> SystemTime;
}

/// The wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock tests set and advance by hand.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    pub fn new(start: SystemTime) -> Self {
        ManualClock(Arc::new(Mutex::new(start)))
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// When a token fetched at `now` should be replaced.
pub fn renew_at(token: &AccessToken, now: SystemTime) -> Option<SystemTime> {
    let expires = token.expires_at?;
    let lifetime = expires.duration_since(now).unwrap_or_default();
    Some(expires - REFRESH_MARGIN.min(lifetime / 2))
}

struct Held {
    token: AccessToken,
    renew_at: Option<SystemTime>,
}

/// One cached token with renew-ahead.
pub struct TokenSlot {
    clock: Arc<dyn Clock>,
    held: tokio::sync::Mutex<Option<Held>>,
}

impl TokenSlot {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        TokenSlot {
            clock,
            held: tokio::sync::Mutex::new(None),
        }
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.clock)
    }

    /// The held token if it is fresh, else the result of `fetch` (which then is held).
    /// `force` skips the held token (the service rejected it).
    pub async fn get<F, Fut>(&self, force: bool, fetch: F) -> Result<AccessToken, AuthError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, AuthError>>,
    {
        let mut held = self.held.lock().await;
        let now = self.clock.now();
        if !force
            && let Some(h) = held.as_ref()
            && h.renew_at.is_none_or(|at| now < at)
        {
            return Ok(h.token.clone());
        }
        match fetch().await {
            Ok(token) => {
                let now = self.clock.now();
                *held = Some(Held {
                    renew_at: renew_at(&token, now),
                    token: token.clone(),
                });
                Ok(token)
            }
            Err(e) => {
                // Renewing early failed: the old token still works for a while.
                if !force
                    && let Some(h) = held.as_ref()
                    && h.token.expires_at.is_some_and(|exp| now < exp)
                {
                    tracing::warn!("token renewal failed, using the current token: {e}");
                    return Ok(h.token.clone());
                }
                Err(e)
            }
        }
    }

    /// Forget the held token (sign-out, or a profile change).
    pub async fn clear(&self) {
        *self.held.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Secret;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn token(n: u32, expires: SystemTime) -> AccessToken {
        AccessToken {
            token: Secret::new(format!("t{n}")),
            expires_at: Some(expires),
        }
    }

    #[tokio::test]
    async fn renews_five_minutes_early_and_falls_back_on_failure() {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let clock = ManualClock::new(start);
        let slot = TokenSlot::new(Arc::new(clock.clone()));
        let calls = AtomicU32::new(0);
        let fetch = |ok: bool| {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let now = clock.now();
            async move {
                if ok {
                    Ok(token(n, now + Duration::from_secs(3600)))
                } else {
                    Err(AuthError::Network("down".into()))
                }
            }
        };
        let t = slot.get(false, || fetch(true)).await.unwrap();
        assert_eq!(t.token.expose(), "t0");
        clock.advance(Duration::from_secs(54 * 60));
        assert_eq!(
            slot.get(false, || fetch(true))
                .await
                .unwrap()
                .token
                .expose(),
            "t0"
        );
        clock.advance(Duration::from_secs(2 * 60)); // 56 min: inside the margin
        assert_eq!(
            slot.get(false, || fetch(false))
                .await
                .unwrap()
                .token
                .expose(),
            "t0",
            "a failed early renewal keeps the valid token"
        );
        assert_eq!(
            slot.get(false, || fetch(true))
                .await
                .unwrap()
                .token
                .expose(),
            "t2"
        );
        assert_eq!(
            slot.get(true, || fetch(true)).await.unwrap().token.expose(),
            "t3"
        );
        clock.advance(Duration::from_secs(2 * 3600));
        assert!(slot.get(false, || fetch(false)).await.is_err());
    }

    #[test]
    fn short_lived_tokens_renew_at_half_life() {
        let now = SystemTime::UNIX_EPOCH;
        let t = token(0, now + Duration::from_secs(60));
        assert_eq!(renew_at(&t, now), Some(now + Duration::from_secs(30)));
    }
}
