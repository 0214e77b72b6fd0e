//! From a `ResolvedProfile` to the `TokenProvider` the backends call (`provider_for`), and
//! `Target`, what every Entra-backed provider shares: the HTTP client, the authority, the
//! app's client ID, the scope, the clock and the on-disk token cache.

use std::sync::Arc;
use std::time::SystemTime;

use super::azure_cli::AzureCliProvider;
use super::cache::{CacheKey, TokenCache};
use super::certificate::{AssertionAlg, ClientCertificate, ClientCertificateProvider};
use super::device_code::{DelegatedProvider, DeviceCodeOptions};
use super::http::Authority;
use super::secret::ClientSecretProvider;
use super::slot::REFRESH_MARGIN;
use super::{
    AccessToken, AuthError, AuthEvents, Clock, Secret, StaticToken, SystemClock, TokenProvider,
};
use crate::backend::BackendKind;
use crate::config::{AuthMethod, ResolvedProfile};

/// Knobs tests turn; the defaults are right for real use.
#[derive(Clone)]
pub struct ProviderOptions {
    pub clock: Arc<dyn Clock>,
    pub device_code: DeviceCodeOptions,
    /// Override the HTTP client (tests, or a client shared with the API backends).
    pub client: Option<reqwest::Client>,
    /// The `az` program (tests point it at a shim).
    pub az_program: Option<std::path::PathBuf>,
    /// Overrides the profile's `certificate_alg`.
    pub certificate_alg: Option<AssertionAlg>,
}

impl Default for ProviderOptions {
    fn default() -> Self {
        ProviderOptions {
            clock: Arc::new(SystemClock),
            device_code: DeviceCodeOptions::default(),
            client: None,
            az_program: None,
            certificate_alg: None,
        }
    }
}

/// What an Entra-backed provider asks for and where it keeps the answer.
pub struct Target {
    pub client: reqwest::Client,
    pub authority: Authority,
    pub client_id: String,
    pub scope: String,
    pub clock: Arc<dyn Clock>,
    pub cache: Option<Arc<TokenCache>>,
    pub cache_key: CacheKey,
}

impl Target {
    /// An access token from the disk cache that is good for at least `REFRESH_MARGIN`.
    pub fn cached_access(&self, now: SystemTime) -> Option<AccessToken> {
        let cache = self.cache.as_ref()?;
        cache
            .access_token(&self.cache_key, &self.scope, now)
            .filter(|t| t.expires_at.is_some_and(|e| e > now + REFRESH_MARGIN))
    }

    /// Save a new token (and a rotated refresh token). A cache that cannot be written
    /// costs only a later sign-in, so it is logged, not returned.
    pub fn remember(&self, token: &AccessToken, refresh: Option<&Secret>) {
        if let Some(cache) = &self.cache
            && let Err(e) = cache.store(&self.cache_key, &self.scope, token, refresh)
        {
            tracing::warn!("{e}");
        }
    }

    /// Drop cached tokens after the service rejected one (keeps nothing stale on disk).
    pub fn forget_access(&self) {
        if let Some(cache) = &self.cache
            && let Err(e) = cache.forget_access(&self.cache_key)
        {
            tracing::warn!("{e}");
        }
    }
}

/// The token provider for a profile. `events` receives device-code prompts; with
/// `AuthEvents::none()`, a delegated profile that is not signed in fails with advice to
/// run `kqlhunt login` instead of waiting.
pub fn provider_for(
    profile: &ResolvedProfile,
    events: AuthEvents,
) -> Result<Arc<dyn TokenProvider>, AuthError> {
    provider_with(profile, events, ProviderOptions::default())
}

fn need<'a>(
    value: Option<&'a str>,
    what: &str,
    env: &str,
    profile: &ResolvedProfile,
) -> Result<&'a str, AuthError> {
    value.ok_or_else(|| {
        AuthError::Config(format!(
            "auth = \"{}\" needs {what}: set it in profile `{}` of the config file or in {env}",
            profile.auth.value.name(),
            profile.profile_name()
        ))
    })
}

/// `provider_for` with test knobs.
pub fn provider_with(
    profile: &ResolvedProfile,
    events: AuthEvents,
    options: ProviderOptions,
) -> Result<Arc<dyn TokenProvider>, AuthError> {
    let backend = profile.backend.value;
    if backend == BackendKind::Local {
        return Err(AuthError::Config(
            "the local backend needs no sign-in; pick a remote backend with --backend or a profile"
                .into(),
        ));
    }
    let method = profile.auth.value;
    if method == AuthMethod::Token {
        let token = profile.access_token.as_ref().ok_or_else(|| {
            AuthError::Config(
                "auth = \"token\" needs KQLHUNT_ACCESS_TOKEN in the environment".into(),
            )
        })?;
        return Ok(Arc::new(StaticToken(token.value.clone())));
    }
    let resource = profile.resource().ok_or_else(|| {
        AuthError::Config(format!(
            "the {} backend has no API resource",
            backend.name()
        ))
    })?;
    if method == AuthMethod::AzureCli {
        let mut p = AzureCliProvider::new(&resource, backend, options.clock.clone());
        if let Some(t) = profile.tenant() {
            p = p.with_tenant(t);
        }
        if let Some(prog) = &options.az_program {
            p = p.with_program(prog.clone());
        }
        return Ok(Arc::new(p));
    }

    let client_id = need(profile.client_id(), "client_id", "AZURE_CLIENT_ID", profile)?;
    let tenant = match method {
        AuthMethod::DeviceCode => profile.tenant().unwrap_or("organizations"),
        _ => need(profile.tenant(), "tenant", "AZURE_TENANT_ID", profile)?,
    };
    let client = match options.client.clone() {
        Some(c) => c,
        None => super::http::client_for(profile)?,
    };
    let authority = Authority::new(&profile.login_endpoint.value, tenant)?;
    let scope = match method {
        AuthMethod::DeviceCode => delegated_scope(profile, &resource),
        _ => format!("{resource}/.default"),
    };
    let target = Target {
        client,
        authority,
        client_id: client_id.to_string(),
        scope,
        clock: options.clock.clone(),
        cache: profile
            .paths
            .as_ref()
            .map(|p| Arc::new(TokenCache::in_dir(p))),
        cache_key: CacheKey {
            profile: profile.profile_name().to_string(),
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
        },
    };
    Ok(match method {
        AuthMethod::Secret => {
            let source = profile.client_secret.as_ref().ok_or_else(|| {
                AuthError::Config(format!(
                    "auth = \"secret\" needs a client secret: set secret_command in profile `{}` or AZURE_CLIENT_SECRET",
                    profile.profile_name()
                ))
            })?;
            Arc::new(ClientSecretProvider::new(target, source.value.clone()))
        }
        AuthMethod::Certificate => {
            let path = profile.certificate_path.as_ref().ok_or_else(|| {
                AuthError::Config(format!(
                    "auth = \"certificate\" needs certificate_path in profile `{}` or AZURE_CLIENT_CERTIFICATE_PATH",
                    profile.profile_name()
                ))
            })?;
            let cert = ClientCertificate::load(
                &path.value,
                profile.certificate_password.as_ref().map(|p| &p.value),
            )?;
            Arc::new(ClientCertificateProvider::new(
                target,
                cert,
                options
                    .certificate_alg
                    .unwrap_or(profile.certificate_alg.value),
            ))
        }
        AuthMethod::DeviceCode => Arc::new(DelegatedProvider::new(
            target,
            events,
            options.device_code.clone(),
        )),
        AuthMethod::AzureCli | AuthMethod::Token => {
            return Err(AuthError::Config(format!(
                "auth = \"{}\" takes no app registration",
                method.name()
            )));
        }
    })
}

/// The scopes a device-code sign-in asks for: the profile's `scope`, or the resource's
/// `.default`, always with `offline_access` so a refresh token comes back.
pub fn delegated_scope(profile: &ResolvedProfile, resource: &str) -> String {
    let base = profile
        .scope
        .as_ref()
        .map_or_else(|| format!("{resource}/.default"), |s| s.value.clone());
    if base.split_whitespace().any(|s| s == "offline_access") {
        base
    } else {
        format!("{base} offline_access")
    }
}
