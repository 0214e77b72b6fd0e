//! Delegated sign-in for analysts: the device-code flow (RFC 8628) once, then the cached,
//! rotating refresh token for every later token. The code and URL go out as an
//! `AuthEvent::DeviceCode` (the TUI shows it, `kqlhunt login` prints it on stderr); polling
//! honours `interval`, `slow_down` (+5 s), `authorization_pending`, `expired_token`,
//! `authorization_declined` and `bad_verification_code`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::http::{self, CallError, TokenResponse};
use super::provider::Target;
use super::refresh::{self, Redeemed};
use super::{
    AccessToken, AuthError, AuthEvent, AuthEvents, DeviceCodePrompt, Secret, TokenProvider,
    TokenSlot,
};
use crate::data::format::escape_control;

pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Polling knobs. `poll_unit` is what one second of `interval` means (tests shrink it).
#[derive(Clone, Debug)]
pub struct DeviceCodeOptions {
    pub poll_unit: Duration,
    /// Consecutive network failures tolerated while polling.
    pub network_retries: u32,
}

impl Default for DeviceCodeOptions {
    fn default() -> Self {
        DeviceCodeOptions {
            poll_unit: Duration::from_secs(1),
            network_retries: 3,
        }
    }
}

#[derive(Deserialize)]
struct DeviceCodeResponse {
    device_code: String,
    user_code: String,
    #[serde(alias = "verification_url")]
    verification_uri: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

/// Device code + refresh token, for `auth = "device-code"` profiles.
pub struct DelegatedProvider {
    target: Target,
    events: AuthEvents,
    options: DeviceCodeOptions,
    slot: TokenSlot,
    refresh_token: tokio::sync::Mutex<Option<Secret>>,
}

impl DelegatedProvider {
    pub fn new(target: Target, events: AuthEvents, options: DeviceCodeOptions) -> Self {
        let slot = TokenSlot::new(Arc::clone(&target.clock));
        DelegatedProvider {
            target,
            events,
            options,
            slot,
            refresh_token: tokio::sync::Mutex::new(None),
        }
    }

    fn login_hint(&self) -> String {
        match self.target.cache_key.profile.as_str() {
            "default" => "kqlhunt login".into(),
            p => format!("kqlhunt login --profile {p}"),
        }
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let now = self.slot.now();
        if let Some(t) = self.target.cached_access(now) {
            return Ok(t);
        }
        let mut held = self.refresh_token.lock().await;
        let cached = match held.clone() {
            Some(rt) => Some(rt),
            None => self
                .target
                .cache
                .as_ref()
                .and_then(|c| c.refresh_token(&self.target.cache_key)),
        };
        if let Some(rt) = cached {
            match refresh::redeem(
                &self.target.client,
                &self.target.authority,
                &self.target.client_id,
                &rt,
                &self.target.scope,
            )
            .await
            {
                Redeemed::Ok(response) => {
                    let token = response.access_token(self.slot.now());
                    // Rotation: the new refresh token replaces the old one.
                    let next = response.refresh_token().unwrap_or(rt);
                    self.target.remember(&token, Some(&next));
                    *held = Some(next);
                    return Ok(token);
                }
                Redeemed::SignInAgain(e) => {
                    *held = None;
                    if let Some(cache) = &self.target.cache
                        && let Err(e) = cache.forget(&self.target.cache_key)
                    {
                        tracing::warn!("{e}");
                    }
                    if !self.events.is_watched() {
                        return Err(AuthError::NotSignedIn(format!(
                            "the sign-in has expired ({e}); sign in again with `{}`",
                            self.login_hint()
                        )));
                    }
                }
                Redeemed::Failed(e) => return Err(e),
            }
        } else if !self.events.is_watched() {
            return Err(AuthError::NotSignedIn(format!(
                "profile `{}` is not signed in; run `{}` first",
                self.target.cache_key.profile,
                self.login_hint()
            )));
        }
        drop(held);
        self.device_flow().await
    }

    /// Run the device-code flow now, whatever is cached (`kqlhunt login`).
    async fn device_flow(&self) -> Result<AccessToken, AuthError> {
        let result = self.device_flow_inner().await;
        match &result {
            Ok(_) => self.events.send(AuthEvent::SignedIn {
                profile: self.target.cache_key.profile.clone(),
            }),
            Err(e) => self.events.send(AuthEvent::Failed {
                message: e.to_string(),
            }),
        }
        result
    }

    async fn device_flow_inner(&self) -> Result<AccessToken, AuthError> {
        let client = &self.target.client;
        let form = [
            ("client_id", self.target.client_id.as_str()),
            ("scope", self.target.scope.as_str()),
        ];
        let code: DeviceCodeResponse =
            http::post_form(client, &self.target.authority.devicecode_url(), &form)
                .await
                .map_err(|e| e.into_auth_error("starting device-code sign-in"))?;
        let unit = self.options.poll_unit;
        let expires_in = code.expires_in.unwrap_or(900).clamp(1, 3600);
        let mut interval = code.interval.unwrap_or(5).min(60);
        let deadline = tokio::time::Instant::now() + unit * expires_in as u32;
        let message = code
            .message
            .as_deref()
            .map(|m| escape_control(m).into_owned())
            .unwrap_or_else(|| {
                format!(
                    "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                    code.verification_uri, code.user_code
                )
            });
        self.events.send(AuthEvent::DeviceCode(DeviceCodePrompt {
            user_code: escape_control(&code.user_code).into_owned(),
            verification_uri: escape_control(&code.verification_uri).into_owned(),
            message,
            expires_at: self.slot.now() + Duration::from_secs(expires_in),
        }));
        let device_code = Secret::new(code.device_code);
        let mut network_failures = 0;
        loop {
            tokio::time::sleep(unit * interval.max(1) as u32).await;
            if tokio::time::Instant::now() >= deadline {
                return Err(expired(&self.login_hint()));
            }
            let form = [
                ("grant_type", DEVICE_CODE_GRANT),
                ("client_id", self.target.client_id.as_str()),
                ("device_code", device_code.expose()),
            ];
            let outcome: Result<TokenResponse, CallError> =
                http::post_form(client, &self.target.authority.token_url(), &form).await;
            match outcome {
                Ok(response) => {
                    let token = response.access_token(self.slot.now());
                    let rt = response.refresh_token();
                    self.target.remember(&token, rt.as_ref());
                    *self.refresh_token.lock().await = rt;
                    return Ok(token);
                }
                Err(e) => match e.code() {
                    Some("authorization_pending") => network_failures = 0,
                    Some("slow_down") => {
                        interval += 5;
                        network_failures = 0;
                    }
                    Some("authorization_declined") | Some("access_denied") => {
                        return Err(AuthError::Refused(format!(
                            "the sign-in was declined in the browser; run `{}` to try again",
                            self.login_hint()
                        )));
                    }
                    Some("expired_token") | Some("code_expired") => {
                        return Err(expired(&self.login_hint()));
                    }
                    Some("bad_verification_code") => {
                        return Err(AuthError::Refused(format!(
                            "the sign-in service did not recognise the device code; run `{}` again",
                            self.login_hint()
                        )));
                    }
                    _ if !refresh::is_permanent(&e)
                        && network_failures < self.options.network_retries =>
                    {
                        network_failures += 1;
                        tracing::warn!("device-code polling failed, retrying: {e:?}");
                    }
                    _ => return Err(e.into_auth_error("device-code sign-in")),
                },
            }
        }
    }
}

fn expired(hint: &str) -> AuthError {
    AuthError::NotSignedIn(format!(
        "the sign-in code expired before sign-in finished; run `{hint}` again and enter the new code within 15 minutes"
    ))
}

impl TokenProvider for DelegatedProvider {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            if force_refresh {
                self.target.forget_access();
            }
            self.slot.get(force_refresh, || self.fetch()).await
        })
    }

    fn sign_in(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            self.target.forget_access();
            self.slot.get(true, || self.device_flow()).await
        })
    }
}
