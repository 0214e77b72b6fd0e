//! Client credentials with a certificate: a JWT client assertion signed with the app's
//! private key. RS256 with `x5t` (SHA-1 thumbprint, what MSAL sends) by default, PS256 with
//! `x5t#S256` (the current Entra doc) as an option. Input is one PEM file holding the RSA
//! private key and the certificate; PFX/PKCS#12 gets a clear message with the `openssl`
//! command that converts it.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha1::Digest as _;

use super::provider::Target;
use super::{AccessToken, AuthError, Secret, TokenProvider, TokenSlot};

/// How long an assertion is valid (Entra accepts 5–10 minutes).
const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Which signature the assertion carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssertionAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 and header `x5t` (SHA-1 thumbprint).
    #[default]
    Rs256,
    /// RSASSA-PSS with SHA-256 and header `x5t#S256` (SHA-256 thumbprint).
    Ps256,
}

/// An app's certificate and private key.
pub struct ClientCertificate {
    key: EncodingKey,
    /// base64url(SHA-1(cert DER)).
    pub x5t: String,
    /// base64url(SHA-256(cert DER)).
    pub x5t_s256: String,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("x5t", &self.x5t)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: u64,
    iat: u64,
    exp: u64,
}

fn pfx_advice(path: &Path) -> AuthError {
    AuthError::Config(format!(
        "{} looks like a PFX/PKCS#12 file, which kqlhunt does not read; convert it to PEM with \
         `openssl pkcs12 -in {} -out cert.pem -nodes` and point certificate_path at cert.pem \
         (keep it owner-only: chmod 600 cert.pem)",
        path.display(),
        path.display()
    ))
}

impl AssertionAlg {
    pub fn name(self) -> &'static str {
        match self {
            AssertionAlg::Rs256 => "rs256",
            AssertionAlg::Ps256 => "ps256",
        }
    }
}

impl ClientCertificate {
    /// Read a PEM file with the RSA private key and the certificate. `password` is only
    /// for PFX files, which are not supported (the error says how to convert them).
    pub fn load(path: &Path, _password: Option<&Secret>) -> Result<Self, AuthError> {
        let bytes = std::fs::read(path).map_err(|e| {
            AuthError::Config(format!(
                "cannot read the certificate {}: {e}; check certificate_path / AZURE_CLIENT_CERTIFICATE_PATH",
                path.display()
            ))
        })?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        if matches!(ext.as_deref(), Some("pfx" | "p12")) || !contains(&bytes, b"-----BEGIN") {
            return Err(pfx_advice(path));
        }
        ClientCertificate::from_pem(&bytes)
            .map_err(|m| AuthError::Config(format!("{}: {m}", path.display())))
    }

    /// Parse PEM text holding the key and the certificate (in either order).
    pub fn from_pem(bytes: &[u8]) -> Result<Self, String> {
        let blocks =
            pem::parse_many(bytes).map_err(|e| format!("not a readable PEM file ({e})"))?;
        let cert = blocks
            .iter()
            .find(|b| b.tag() == "CERTIFICATE")
            .ok_or("no CERTIFICATE block; put the certificate and its private key in one PEM file (cat cert.pem key.pem > combined.pem)")?;
        if blocks.iter().any(|b| b.tag() == "ENCRYPTED PRIVATE KEY") {
            return Err("the private key is encrypted; decrypt it with `openssl pkey -in key.pem -out key-plain.pem` (and chmod 600 the result)".into());
        }
        if blocks.iter().any(|b| b.tag() == "EC PRIVATE KEY") {
            return Err(
                "the private key is an EC key; Entra client assertions need an RSA key".into(),
            );
        }
        let key_block = blocks
            .iter()
            .find(|b| matches!(b.tag(), "PRIVATE KEY" | "RSA PRIVATE KEY"))
            .ok_or("no private key block; put the certificate and its RSA private key in one PEM file (cat cert.pem key.pem > combined.pem)")?;
        let key = EncodingKey::from_rsa_pem(pem::encode(key_block).as_bytes())
            .map_err(|e| format!("the private key is not a usable RSA key ({e})"))?;
        let der = cert.contents();
        let cert = ClientCertificate {
            key,
            x5t: URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der)),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der)),
        };
        // Sign once now, so a bad key fails at start-up rather than at the first query.
        cert.assertion(
            "check",
            "https://login.invalid/t/oauth2/v2.0/token",
            AssertionAlg::Rs256,
            SystemTime::now(),
        )
        .map_err(|e| format!("cannot sign with the private key ({e})"))?;
        Ok(cert)
    }

    /// A signed client assertion for `client_id` at the token endpoint `aud`.
    pub fn assertion(
        &self,
        client_id: &str,
        aud: &str,
        alg: AssertionAlg,
        now: SystemTime,
    ) -> Result<Secret, AuthError> {
        let mut header = match alg {
            AssertionAlg::Rs256 => {
                let mut h = Header::new(Algorithm::RS256);
                h.x5t = Some(self.x5t.clone());
                h
            }
            AssertionAlg::Ps256 => {
                let mut h = Header::new(Algorithm::PS256);
                h.x5t_s256 = Some(self.x5t_s256.clone());
                h
            }
        };
        header.typ = Some("JWT".into());
        let secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let claims = AssertionClaims {
            aud,
            iss: client_id,
            sub: client_id,
            jti: uuid::Uuid::new_v4().to_string(),
            nbf: secs,
            iat: secs,
            exp: secs + ASSERTION_LIFETIME.as_secs(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| AuthError::Config(format!("cannot sign the client assertion: {e}")))
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub struct ClientCertificateProvider {
    target: Target,
    cert: ClientCertificate,
    alg: AssertionAlg,
    slot: TokenSlot,
}

impl ClientCertificateProvider {
    pub fn new(target: Target, cert: ClientCertificate, alg: AssertionAlg) -> Self {
        let slot = TokenSlot::new(Arc::clone(&target.clock));
        ClientCertificateProvider {
            target,
            cert,
            alg,
            slot,
        }
    }

    async fn fetch(&self) -> Result<AccessToken, AuthError> {
        let now = self.slot.now();
        if let Some(t) = self.target.cached_access(now) {
            return Ok(t);
        }
        let url = self.target.authority.token_url();
        let assertion = self
            .cert
            .assertion(&self.target.client_id, &url, self.alg, now)?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.target.client_id.as_str()),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion.expose()),
            ("scope", self.target.scope.as_str()),
        ];
        let response: super::http::TokenResponse =
            super::http::post_form(&self.target.client, &url, &form)
                .await
                .map_err(|e| e.into_auth_error("certificate sign-in"))?;
        let token = response.access_token(self.slot.now());
        self.target.remember(&token, None);
        Ok(token)
    }
}

impl TokenProvider for ClientCertificateProvider {
    fn token(&self, force_refresh: bool) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            if force_refresh {
                self.target.forget_access();
            }
            self.slot.get(force_refresh, || self.fetch()).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_encoding_matches_the_entra_doc_example() {
        // hex 84E05C1D98BCE3A5421D225B140B36E86A3D5534 → hOBcHZi846VCHSJbFAs26Go9VTQ
        let raw = [
            0x84, 0xE0, 0x5C, 0x1D, 0x98, 0xBC, 0xE3, 0xA5, 0x42, 0x1D, 0x22, 0x5B, 0x14, 0x0B,
            0x36, 0xE8, 0x6A, 0x3D, 0x55, 0x34,
        ];
        assert_eq!(URL_SAFE_NO_PAD.encode(raw), "hOBcHZi846VCHSJbFAs26Go9VTQ");
    }

    #[test]
    fn pfx_and_bad_pem_get_advice() {
        let dir = tempfile::tempdir().unwrap();
        let pfx = dir.path().join("app.pfx");
        std::fs::write(&pfx, [0x30, 0x82, 0x01]).unwrap();
        let e = ClientCertificate::load(&pfx, None).unwrap_err().to_string();
        assert!(e.contains("openssl pkcs12 -in"), "{e}");
        assert!(e.contains("-nodes"), "{e}");
        let e = ClientCertificate::from_pem(
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        )
        .err()
        .unwrap_or_default();
        assert!(!e.is_empty());
        let e = ClientCertificate::from_pem(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .err()
        .unwrap_or_default();
        assert!(e.contains("openssl pkey"), "{e}");
    }
}
