//! The HTTP client the hunting backends share: reqwest over rustls, proxies from
//! HTTPS_PROXY/NO_PROXY (reqwest's default, kept on), an optional extra CA bundle, a
//! per-request timeout and the `kqlhunt/<version>` User-Agent. Base URLs must be https,
//! except loopback ones, which is how tests reach the fake service.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::backend::BackendKind;

pub const USER_AGENT: &str = concat!("kqlhunt/", env!("CARGO_PKG_VERSION"));

/// Graph documents a three-minute limit per query; the legacy APIs allow up to ten.
pub const GRAPH_TIMEOUT: Duration = Duration::from_secs(180);
pub const LEGACY_TIMEOUT: Duration = Duration::from_secs(600);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest body read. The service refuses results over 124 MB, so anything much
/// bigger is not a hunting result.
pub const MAX_BODY: usize = 256 * 1024 * 1024;

/// Client settings a user may change (config file or flags).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HttpOptions {
    /// Per-request timeout; `None` uses the backend's default.
    pub timeout: Option<Duration>,
    /// A PEM bundle of extra trusted roots (a corporate TLS-inspecting proxy).
    pub ca_bundle: Option<PathBuf>,
    pub connect_timeout: Option<Duration>,
}

/// Why a backend could not be set up.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    #[error("'{url}' is not a valid URL ({reason}); use e.g. https://graph.microsoft.com")]
    BadUrl { url: String, reason: String },
    #[error(
        "'{0}' must use https:// (plain http is accepted only for loopback addresses such as 127.0.0.1, for tests)"
    )]
    NotHttps(String),
    #[error("cannot use the CA bundle {path}: {reason}; point it at a PEM file of certificates")]
    CaBundle { path: String, reason: String },
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
    #[error("{0} is not a remote backend")]
    NotRemote(&'static str),
}

/// The default per-request timeout of a backend.
pub fn default_timeout(kind: BackendKind) -> Duration {
    match kind {
        BackendKind::Graph => GRAPH_TIMEOUT,
        _ => LEGACY_TIMEOUT,
    }
}

/// Whether a URL points at this machine: 127.0.0.0/8, ::1 or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        None => false,
        Some(h) if h.eq_ignore_ascii_case("localhost") => true,
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
    }
}

/// Parse and vet a base URL: https anywhere, http only on loopback.
pub fn check_base_url(text: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim()).map_err(|e| ConfigError::BadUrl {
        url: text.to_string(),
        reason: e.to_string(),
    })?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ConfigError::BadUrl {
            url: text.to_string(),
            reason: "no host".into(),
        });
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(ConfigError::NotHttps(text.to_string())),
    }
}

/// Build the client. A loopback base bypasses proxies (a proxy cannot reach our loopback).
pub fn client(options: &HttpOptions, loopback: bool) -> Result<reqwest::Client, ConfigError> {
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(options.connect_timeout.unwrap_or(CONNECT_TIMEOUT));
    if let Some(path) = &options.ca_bundle {
        let ca_err = |reason: String| ConfigError::CaBundle {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ca_err(e.to_string()))?;
        if certs.is_empty() {
            return Err(ca_err("it holds no certificates".into()));
        }
        b = b.tls_certs_merge(certs);
    }
    if loopback {
        b = b.no_proxy();
    }
    b.build().map_err(|e| ConfigError::Client(e.to_string()))
}

/// Read a response body, refusing more than `max` bytes.
pub async fn read_body(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Result<Vec<u8>, usize>, reqwest::Error> {
    let hint = response.content_length().unwrap_or(0).min(max as u64) as usize;
    let mut body = Vec::with_capacity(hint);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Ok(Err(body.len() + chunk.len()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_may_be_plain_http() {
        for ok in [
            "https://graph.microsoft.com",
            "http://127.0.0.1:8080",
            "http://127.3.2.1",
            "http://[::1]:9",
            "http://localhost:1234/",
        ] {
            assert!(check_base_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://graph.microsoft.com",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "ftp://127.0.0.1",
        ] {
            assert!(
                matches!(check_base_url(bad), Err(ConfigError::NotHttps(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            check_base_url("graph.microsoft.com"),
            Err(ConfigError::BadUrl { .. })
        ));
    }

    #[test]
    fn ca_bundle_errors_are_clear() {
        let opts = HttpOptions {
            ca_bundle: Some("/nonexistent/ca.pem".into()),
            ..Default::default()
        };
        let e = client(&opts, false).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
        assert_eq!(default_timeout(BackendKind::Mde), LEGACY_TIMEOUT);
        assert!(USER_AGENT.starts_with("kqlhunt/"));
    }

    /// A throwaway self-signed CA (public certificate only), for the bundle loader.
    const TEST_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBjDCCATGgAwIBAgIUPe1TEFx/HxgEy/8foCBCWAU7+dUwCgYIKoZIzj0EAwIw\nGjEYMBYGA1UEAwwPa3FsaHVudCB0ZXN0IENBMCAXDTI2MTEyMzEyMzkxOVoYDzIx\nMjYxMDMwMTIzOTE5WjAaMRgwFgYDVQQDDA9rcWxodW50IHRlc3QgQ0EwWTATBgcq\nhkjOPQIBBggqhkjOPQMBBwNCAARjHdPwYKMg9iSwqdhoQJS+E0/0kgyFLC9HNKor\n4geLkdy/gNY7jffxSMAIwUMDrHL5lrhdEKoDtkwBYQ+e6/6No1MwUTAdBgNVHQ4E\nFgQUoThRSO6Csu80QYINkOFW7z5bV4YwHwYDVR0jBBgwFoAUoThRSO6Csu80QYIN\nkOFW7z5bV4YwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEAkk3w\n77wCuRXLuowKhGLyzYvo9tptaJwcLFNHdjligPsCIQCgiOoXcX+q2i5jBIMGXjsM\nKXBxDP2kuAr+DgKdSCsRgw==\n-----END CERTIFICATE-----";

    #[test]
    fn an_extra_ca_bundle_is_loaded() {
        let dir = std::env::temp_dir().join(format!("kqlhunt-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("ca.pem");
        std::fs::write(&good, TEST_CA).unwrap();
        let opts = HttpOptions {
            ca_bundle: Some(good),
            ..Default::default()
        };
        assert!(client(&opts, false).is_ok());
        let bad = dir.join("bad.pem");
        std::fs::write(&bad, "not a certificate").unwrap();
        let opts = HttpOptions {
            ca_bundle: Some(bad),
            ..Default::default()
        };
        assert!(matches!(
            client(&opts, false),
            Err(ConfigError::CaBundle { .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
