//! Talking to the Entra ID token service: the authority URLs, the urlencoded POST every
//! grant uses, the success and error bodies (`error`, `error_description`, `error_codes`,
//! …), and the one place their failures become `AuthError`s with advice.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::{AccessToken, AuthError, Secret};
use crate::config::ResolvedProfile;
use crate::data::format::escape_control;

/// The most of a token-service response kqlhunt reads.
const MAX_BODY: usize = 1 << 20;

/// `https://{login}/{tenant}`: where a tenant's token and device-code endpoints live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authority {
    base: String,
    tenant: String,
}

impl Authority {
    /// `login_base` is already normalised (see `config::profile::normalize_base_url`).
    pub fn new(login_base: &str, tenant: &str) -> Result<Authority, AuthError> {
        let tenant = tenant.trim();
        let ok = !tenant.is_empty()
            && tenant.len() <= 256
            && tenant
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
        if !ok {
            return Err(AuthError::Config(format!(
                "tenant `{}` is not a tenant ID or domain; use the directory (tenant) ID GUID or a domain like contoso.onmicrosoft.com",
                escape_control(tenant)
            )));
        }
        Ok(Authority {
            base: login_base.trim_end_matches('/').to_string(),
            tenant: tenant.to_string(),
        })
    }

    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// `POST` here for every grant; also the `aud` of a client assertion.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.base, self.tenant)
    }

    pub fn devicecode_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/devicecode", self.base, self.tenant)
    }
}

/// A successful token response.
#[derive(Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds; Entra sends a number (v1 endpoints sent a string).
    #[serde(default)]
    pub expires_in: Option<serde_json::Value>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl TokenResponse {
    /// The access token, expiring `expires_in` after `now` (an hour if it is missing).
    pub fn access_token(&self, now: SystemTime) -> AccessToken {
        let secs = match &self.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .unwrap_or(3600);
        AccessToken {
            token: Secret::new(self.access_token.clone()),
            expires_at: Some(now + Duration::from_secs(secs)),
        }
    }

    pub fn refresh_token(&self) -> Option<Secret> {
        self.refresh_token
            .as_ref()
            .filter(|t| !t.is_empty())
            .map(|t| Secret::new(t.clone()))
    }
}

/// The Entra error body.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct EntraError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_codes: Vec<i64>,
    #[serde(default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl EntraError {
    /// The first line of the description (`AADSTS70011: …`), escaped, or the error code.
    pub fn summary(&self) -> String {
        let first = self
            .error_description
            .as_deref()
            .and_then(|d| d.lines().map(str::trim).find(|l| !l.is_empty()))
            .unwrap_or(&self.error);
        let mut s = escape_control(first).into_owned();
        if s.len() > 400 {
            let cut = (0..=400)
                .rev()
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(0);
            s.truncate(cut);
            s.push('…');
        }
        s
    }
}

/// What a token request can come back with, before it is turned into advice.
#[derive(Debug)]
pub enum CallError {
    /// The service answered with an error body.
    Entra { status: u16, error: EntraError },
    /// The service could not be reached, or answered with something that is not JSON.
    Network(String),
}

impl CallError {
    /// The OAuth `error` code, if the service sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            CallError::Entra { error, .. } => Some(error.error.as_str()),
            CallError::Network(_) => None,
        }
    }

    /// The general mapping; flows handle their own codes (device-code polling) first.
    pub fn into_auth_error(self, what: &str) -> AuthError {
        match self {
            CallError::Network(m) => AuthError::Network(m),
            CallError::Entra { status, error } => {
                let summary = error.summary();
                let ids = match (&error.trace_id, &error.correlation_id) {
                    (Some(t), Some(c)) => format!(" (trace ID {t}, correlation ID {c})"),
                    _ => String::new(),
                };
                tracing::warn!(
                    status,
                    error = %error.error,
                    codes = ?error.error_codes,
                    "{what} failed: {summary}{ids}"
                );
                match error.error.as_str() {
                    "invalid_grant"
                    | "interaction_required"
                    | "consent_required"
                    | "login_required" => AuthError::NotSignedIn(format!(
                        "{summary}; sign in again with `kqlhunt login`"
                    )),
                    "invalid_client" | "unauthorized_client" => AuthError::Refused(format!(
                        "{summary}; check client_id and the client secret or certificate registered for the app"
                    )),
                    "invalid_scope" => AuthError::Refused(format!(
                        "{summary}; check the profile's backend and cloud (the scope is their API's /.default)"
                    )),
                    "invalid_request" if error.error_codes.contains(&90002) => {
                        AuthError::Config(format!("{summary}; check the profile's tenant"))
                    }
                    "temporarily_unavailable" => {
                        AuthError::Network(format!("{summary}; try again in a moment"))
                    }
                    _ if status >= 500 => AuthError::Network(format!(
                        "the sign-in service failed ({status}): {summary}; try again in a moment"
                    )),
                    _ => AuthError::Refused(summary),
                }
            }
        }
    }
}

/// `POST` an urlencoded form to a token-service URL and read the JSON answer.
pub async fn post_form<T: serde::de::DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<T, CallError> {
    let response = client
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| CallError::Network(describe_reqwest(&e)))?;
    let status = response.status();
    let body = read_limited(response).await?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| {
            CallError::Network(format!(
                "the sign-in service sent an unreadable answer ({e}); check login_endpoint"
            ))
        });
    }
    match serde_json::from_slice::<EntraError>(&body) {
        Ok(error) if !error.error.is_empty() => Err(CallError::Entra {
            status: status.as_u16(),
            error,
        }),
        _ => {
            let text = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            Err(CallError::Entra {
                status: status.as_u16(),
                error: EntraError {
                    error: format!("http_{}", status.as_u16()),
                    error_description: Some(format!(
                        "HTTP {status} from the sign-in service: {}",
                        text.trim()
                    )),
                    ..EntraError::default()
                },
            })
        }
    }
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, CallError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| CallError::Network(describe_reqwest(&e)))?
    {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(CallError::Network(
                "the sign-in service sent an answer over 1 MB; check login_endpoint".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A reqwest error as one line, with the cause chain, without the URL's query.
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut msg = if e.is_timeout() {
        "the sign-in service did not answer in time".to_string()
    } else if e.is_connect() {
        "cannot connect to the sign-in service".to_string()
    } else {
        "the request to the sign-in service failed".to_string()
    };
    if let Some(url) = e.url() {
        msg.push_str(&format!(" at {}", url.host_str().unwrap_or("(no host)")));
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

/// The HTTP client for sign-in: the profile's timeout and extra CA bundle, rustls.
pub fn client_for(profile: &ResolvedProfile) -> Result<reqwest::Client, AuthError> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("kqlhunt/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .timeout(profile.timeout.value);
    if let Some(bundle) = &profile.ca_bundle {
        let path = &bundle.value;
        let pem = std::fs::read(path).map_err(|e| {
            AuthError::Config(format!(
                "cannot read ca_bundle {}: {e}; point it at a PEM file of CA certificates",
                path.display()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            AuthError::Config(format!(
                "ca_bundle {} holds no PEM certificates ({e})",
                path.display()
            ))
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| AuthError::Config(format!("cannot set up HTTPS: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_urls_and_tenant_validation() {
        let a = Authority::new(
            "https://login.microsoftonline.com/",
            "contoso.onmicrosoft.com",
        )
        .unwrap();
        assert_eq!(
            a.token_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        assert!(Authority::new("https://x", "a/../b").is_err());
        assert!(Authority::new("https://x", "").is_err());
    }

    #[test]
    fn errors_map_to_advice() {
        let e = CallError::Entra {
            status: 400,
            error: EntraError {
                error: "invalid_grant".into(),
                error_description: Some(
                    "AADSTS70008: The refresh token has expired.\r\nTrace ID: x".into(),
                ),
                ..EntraError::default()
            },
        };
        let msg = e.into_auth_error("refresh").to_string();
        assert!(
            msg.contains("AADSTS70008: The refresh token has expired."),
            "{msg}"
        );
        assert!(msg.contains("kqlhunt login"), "{msg}");
        assert!(!msg.contains("Trace ID"), "{msg}");
    }
}
