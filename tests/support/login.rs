//! A loopback fake of the Entra ID token service (hunting-api.md §7 items 13–14) for the
//! auth tests: client credentials with a secret or a JWT client assertion (checked: type,
//! aud/iss/sub/exp/nbf/jti, `x5t` or `x5t#S256`, RS256/PS256 signature), the device-code
//! endpoint and scripted polling, the refresh-token grant with rotation and
//! `invalid_grant`, Entra-shaped errors, JWT-shaped access tokens; plus a test RSA key and
//! self-signed certificate made at test time, and `az` CLI shims. `FakeService` serves
//! these routes next to the hunting APIs, so one fake drives sign-in and queries.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha1::Digest as _;

pub const TENANT: &str = "11111111-2222-3333-4444-555555555555";
pub const CLIENT_ID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
pub const CLIENT_SECRET: &str = "fake-client-secret-value-7Q~x";
pub const USER_CODE: &str = "FRWQDE7YL";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A test RSA key and a self-signed certificate for it, as PEM, with thumbprints.
pub struct TestCert {
    /// Private key then certificate, in one PEM file (what kqlhunt reads).
    pub combined_pem: String,
    pub public_key_pem: String,
    pub x5t: String,
    pub x5t_s256: String,
}

impl TestCert {
    pub fn generate() -> TestCert {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
        let params = rcgen::CertificateParams::new(vec!["kqlhunt-test.invalid".into()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let der: &[u8] = cert.der();
        TestCert {
            combined_pem: format!("{}{}", key.serialize_pem(), cert.pem()),
            public_key_pem: key.public_key_pem(),
            x5t: URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(der)),
            x5t_s256: URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(der)),
        }
    }
}

/// How device-code polling ends after the scripted answers run out.
#[derive(Clone, Debug)]
pub enum DeviceEnd {
    Success,
    Error(&'static str),
}

/// One request the fake saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub form: HashMap<String, String>,
    pub at: Instant,
}

/// What the fake does; tests change it through `FakeLogin::state`.
pub struct LoginState {
    pub base: String,
    pub token_lifetime: u64,
    pub device_interval: u64,
    pub device_expires_in: u64,
    /// Error codes returned by successive polls before `device_end` applies.
    pub device_script: VecDeque<&'static str>,
    pub device_end: DeviceEnd,
    /// Refuse every refresh token with `invalid_grant` (AADSTS70008).
    pub refresh_invalid: bool,
    pub valid_refresh: HashSet<String>,
    pub issued: u64,
    pub seen: Vec<Seen>,
    pub cert_public_pem: Option<String>,
    pub cert_x5t: Option<String>,
    pub cert_x5t_s256: Option<String>,
    /// The `alg` of every accepted client assertion.
    pub assertion_algs: Vec<String>,
    pub issued_device_code: Option<String>,
}

#[derive(Clone)]
pub struct FakeLogin {
    pub base: String,
    pub state: Arc<Mutex<LoginState>>,
}

impl FakeLogin {
    /// The token service alone, on its own loopback port (the auth tests need no
    /// hunting routes); `FakeService::start` serves both on one port.
    pub async fn start() -> FakeLogin {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (login, app) = FakeLogin::router(&base);
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        login
    }

    /// The token and device-code routes for a server at `base`, and the handle that
    /// scripts them.
    pub fn router(base: &str) -> (FakeLogin, Router) {
        let base = base.to_string();
        let state = Arc::new(Mutex::new(LoginState {
            base: base.clone(),
            token_lifetime: 3599,
            device_interval: 1,
            device_expires_in: 900,
            device_script: VecDeque::new(),
            device_end: DeviceEnd::Success,
            refresh_invalid: false,
            valid_refresh: HashSet::new(),
            issued: 0,
            seen: Vec::new(),
            cert_public_pem: None,
            cert_x5t: None,
            cert_x5t_s256: None,
            assertion_algs: Vec::new(),
            issued_device_code: None,
        }));
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
            .with_state(Arc::clone(&state));
        (FakeLogin { base, state }, app)
    }

    pub fn with_cert(&self, cert: &TestCert) {
        let mut s = self.state.lock().unwrap();
        s.cert_public_pem = Some(cert.public_key_pem.clone());
        s.cert_x5t = Some(cert.x5t.clone());
        s.cert_x5t_s256 = Some(cert.x5t_s256.clone());
    }

    pub fn set(&self, f: impl FnOnce(&mut LoginState)) {
        f(&mut self.state.lock().unwrap());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Token-endpoint requests with this grant type.
    pub fn grants(&self, grant: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.form.get("grant_type").map(String::as_str) == Some(grant))
            .collect()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The Entra error body (§4.1), as a 400 unless `status` says otherwise.
pub fn entra_error(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let trace = "0f0e0d0c-0000-4000-8000-000000000001";
    let corr = "0f0e0d0c-0000-4000-8000-000000000002";
    let ts = "2026-11-23 10:00:00Z";
    let body = json!({
        "error": error,
        "error_description": format!(
            "AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\nTimestamp: {ts}"
        ),
        "error_codes": [code],
        "timestamp": ts,
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, Json(body)).into_response()
}

fn bad(error: &str, code: u32, text: &str) -> Response {
    entra_error(StatusCode::BAD_REQUEST, error, code, text)
}

/// A JWT-shaped access token (unsigned) with aud/tid/exp and roles or scp.
fn access_token(s: &mut LoginState, scope: &str, delegated: bool) -> String {
    s.issued += 1;
    let aud = scope
        .split_whitespace()
        .find(|x| x.starts_with("http"))
        .map(|x| x.rsplit_once('/').map_or(x, |(r, _)| r))
        .unwrap_or("")
        .to_string();
    let mut claims = json!({
        "aud": aud,
        "tid": TENANT,
        "exp": now_secs() + s.token_lifetime,
        "nbf": now_secs(),
        "n": s.issued,
    });
    if delegated {
        claims["scp"] = json!("ThreatHunting.Read.All AdvancedHunting.Read AdvancedQuery.Read");
    } else {
        claims["roles"] = json!([
            "ThreatHunting.Read.All",
            "AdvancedHunting.Read.All",
            "AdvancedQuery.Read.All"
        ]);
    }
    format!(
        "{}.{}.fakesig",
        URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

fn success(s: &mut LoginState, scope: &str, delegated: bool) -> Response {
    let at = access_token(s, scope, delegated);
    let mut body = json!({
        "token_type": "Bearer",
        "expires_in": s.token_lifetime,
        "ext_expires_in": s.token_lifetime,
        "access_token": at,
    });
    if delegated {
        body["scope"] = json!(scope);
        if scope.split_whitespace().any(|x| x == "offline_access") {
            let rt = format!("fake-refresh-token-{}", s.issued);
            s.valid_refresh.insert(rt.clone());
            body["refresh_token"] = json!(rt);
        }
    }
    (StatusCode::OK, Json(body)).into_response()
}

async fn devicecode(
    State(state): State<Arc<Mutex<LoginState>>>,
    UrlPath(tenant): UrlPath<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.seen.push(Seen {
        path: format!("/{tenant}/oauth2/v2.0/devicecode"),
        form: form.clone(),
        at: Instant::now(),
    });
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return bad(
            "unauthorized_client",
            700016,
            "Application not found in the directory.",
        );
    }
    if form.get("scope").is_none_or(|x| x.is_empty()) {
        return bad(
            "invalid_scope",
            70011,
            "The provided value for scope is not valid.",
        );
    }
    let device_code = format!("device-code-{}", uuid::Uuid::new_v4());
    s.issued_device_code = Some(device_code.clone());
    Json(json!({
        "device_code": device_code,
        "user_code": USER_CODE,
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": s.device_expires_in,
        "interval": s.device_interval,
        "message": format!("To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code {USER_CODE} to authenticate."),
    }))
    .into_response()
}

async fn token(
    State(state): State<Arc<Mutex<LoginState>>>,
    UrlPath(tenant): UrlPath<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.seen.push(Seen {
        path: format!("/{tenant}/oauth2/v2.0/token"),
        form: form.clone(),
        at: Instant::now(),
    });
    let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID {
        return bad(
            "unauthorized_client",
            700016,
            "Application with identifier was not found in the directory.",
        );
    }
    let scope = get("scope").to_string();
    match get("grant_type") {
        "client_credentials" => {
            if tenant != TENANT {
                return bad("invalid_request", 90002, "Tenant not found.");
            }
            if !scope.ends_with("/.default") || scope.contains(' ') {
                return bad(
                    "invalid_scope",
                    1002012,
                    "The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.",
                );
            }
            if let Some(secret) = form.get("client_secret") {
                if secret != CLIENT_SECRET {
                    return entra_error(
                        StatusCode::UNAUTHORIZED,
                        "invalid_client",
                        7000215,
                        "Invalid client secret provided.",
                    );
                }
            } else if let Some(assertion) = form.get("client_assertion") {
                if get("client_assertion_type") != JWT_BEARER {
                    return bad("invalid_request", 50027, "Invalid client_assertion_type.");
                }
                let aud = format!("{}/{tenant}/oauth2/v2.0/token", s.base);
                if let Err(why) = check_assertion(&mut s, assertion, &aud) {
                    return entra_error(StatusCode::UNAUTHORIZED, "invalid_client", 700027, &why);
                }
            } else {
                return bad(
                    "invalid_client",
                    7000218,
                    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
                );
            }
            success(&mut s, &scope, false)
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            if s.issued_device_code.as_deref() != Some(get("device_code")) {
                return bad(
                    "bad_verification_code",
                    70018,
                    "The provided value for the input parameter 'device_code' is not valid.",
                );
            }
            if let Some(code) = s.device_script.pop_front() {
                return device_error(code);
            }
            match s.device_end.clone() {
                DeviceEnd::Success => {
                    let scope = s
                        .seen
                        .iter()
                        .rev()
                        .find(|x| x.path.ends_with("/devicecode"))
                        .and_then(|x| x.form.get("scope").cloned())
                        .unwrap_or_default();
                    success(&mut s, &scope, true)
                }
                DeviceEnd::Error(code) => device_error(code),
            }
        }
        "refresh_token" => {
            let rt = get("refresh_token").to_string();
            if s.refresh_invalid || !s.valid_refresh.remove(&rt) {
                return bad(
                    "invalid_grant",
                    70008,
                    "The provided authorization code or refresh token has expired due to inactivity.",
                );
            }
            success(&mut s, &scope, true)
        }
        other => bad(
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{other}'."),
        ),
    }
}

fn device_error(code: &str) -> Response {
    match code {
        "authorization_pending" => bad(
            code,
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        ),
        "expired_token" => bad(code, 70019, "Verification code expired."),
        "bad_verification_code" => bad(code, 70018, "The device code is not valid."),
        "authorization_declined" => bad(code, 70000, "The user declined the sign-in."),
        "slow_down" => bad(code, 70016, "Slow down polling."),
        other => bad(other, 90000, "scripted error"),
    }
}

#[derive(serde::Deserialize)]
struct AssertionClaims {
    jti: String,
    nbf: u64,
    exp: u64,
}

fn check_assertion(s: &mut LoginState, assertion: &str, aud: &str) -> Result<(), String> {
    let header = jsonwebtoken::decode_header(assertion).map_err(|e| format!("bad header: {e}"))?;
    let alg = header.alg;
    match alg {
        jsonwebtoken::Algorithm::RS256 => {
            if header.x5t.is_none() || header.x5t != s.cert_x5t {
                return Err("The certificate with identifier (x5t) used to sign the client assertion is not registered on application.".into());
            }
        }
        jsonwebtoken::Algorithm::PS256 => {
            if header.x5t_s256.is_none() || header.x5t_s256 != s.cert_x5t_s256 {
                return Err("The certificate with identifier (x5t#S256) used to sign the client assertion is not registered on application.".into());
            }
        }
        other => return Err(format!("unsupported alg {other:?}")),
    }
    let key_pem = s
        .cert_public_pem
        .clone()
        .ok_or("no certificate registered")?;
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(key_pem.as_bytes())
        .map_err(|e| format!("bad test key: {e}"))?;
    let mut validation = jsonwebtoken::Validation::new(alg);
    validation.set_audience(&[aud]);
    validation.set_issuer(&[CLIENT_ID]);
    validation.sub = Some(CLIENT_ID.to_string());
    validation.validate_nbf = true;
    validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    let data = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation)
        .map_err(|e| format!("client assertion rejected: {e}"))?;
    let c = data.claims;
    if uuid::Uuid::parse_str(&c.jti).is_err() {
        return Err("jti is not a GUID".into());
    }
    if c.exp <= c.nbf || c.exp - c.nbf > 3600 {
        return Err("assertion lifetime out of range".into());
    }
    s.assertion_algs.push(format!("{alg:?}"));
    Ok(())
}

/// An `az` shim: a shell script in a fresh directory that prints `stdout` (exit 0), or
/// `stderr` with exit 1 when `fail` is set, and records its arguments in `args.txt`.
pub fn az_shim(dir: &Path, stdout: &str, stderr: &str, fail: bool) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("az");
    let args = dir.join("args.txt");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\ncat <<'KQLHUNT_EOF'\n{stdout}\nKQLHUNT_EOF\ncat >&2 <<'KQLHUNT_EOF'\n{stderr}\nKQLHUNT_EOF\nexit {}\n",
        args.display(),
        if fail { 1 } else { 0 }
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A JWT-shaped token like the Azure CLI hands out, with the given payload.
pub fn cli_jwt(payload: Value) -> String {
    format!(
        "{}.{}.sig",
        URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"RS256"}"#),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}
