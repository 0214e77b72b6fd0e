//! Every token provider end to end against the loopback fake token service
//! (`support::login`): client secret, certificate (RS256/`x5t` and PS256/`x5t#S256`), device
//! code with its polling answers, refresh-token rotation and `invalid_grant`, the Azure CLI
//! shims, the static token; renewal before expiry on an injected clock; the cache file.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kqlhunt::auth::certificate::AssertionAlg;
use kqlhunt::auth::device_code::DeviceCodeOptions;
use kqlhunt::auth::{
    AuthError, AuthEvent, AuthEvents, ManualClock, ProviderOptions, jwt, provider_for,
    provider_with,
};
use kqlhunt::config::Paths;
use kqlhunt::config::profile::{ConfigFile, EnvVars, Overrides, ResolvedProfile, resolve_with};
use support::login::*;

const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn profile_env(fake: &FakeLogin, home: &Path, extra: &str, env: &EnvVars) -> ResolvedProfile {
    let text = format!(
        "default_profile = \"t\"\n[profiles.t]\n{}tenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\nlogin_endpoint = \"{}\"\ntimeout = 10\n{extra}",
        if extra.contains("backend =") {
            ""
        } else {
            "backend = \"graph\"\n"
        },
        fake.base
    );
    let file = ConfigFile::parse(&text, Path::new("config.toml")).unwrap();
    let mut r = resolve_with(&file, None, &Overrides::default(), env).unwrap();
    r.paths = Some(Paths::under(home));
    r
}

fn profile(fake: &FakeLogin, home: &Path, extra: &str) -> ResolvedProfile {
    profile_env(fake, home, extra, &EnvVars::default())
}

fn fast() -> ProviderOptions {
    ProviderOptions {
        device_code: DeviceCodeOptions {
            poll_unit: Duration::from_millis(20),
            network_retries: 0,
        },
        ..ProviderOptions::default()
    }
}

fn cache_file(home: &Path) -> std::path::PathBuf {
    Paths::under(home).data_dir.join("tokens.json")
}

#[tokio::test]
async fn client_secret_from_a_command_is_cached_and_force_refresh_fetches_anew() {
    let fake = FakeLogin::start().await;
    let home = tempfile::tempdir().unwrap();
    let p = profile(
        &fake,
        home.path(),
        &format!("auth = \"secret\"\nsecret_command = \"printf '{CLIENT_SECRET}\\\\n'\"\n"),
    );
    let provider = provider_for(&p, AuthEvents::none()).unwrap();
    let t1 = provider.token(false).await.unwrap();
    let claims = jwt::claims(t1.token.expose()).unwrap();
    assert_eq!(claims.aud, vec!["https://graph.microsoft.com"]);
    assert!(
        claims
            .permissions
            .contains(&"ThreatHunting.Read.All".to_string())
    );
    let t2 = provider.token(false).await.unwrap();
    assert_eq!(t1.token, t2.token);
    let grants = fake.grants("client_credentials");
    assert_eq!(grants.len(), 1);
    assert_eq!(
        grants[0].form["scope"],
        "https://graph.microsoft.com/.default"
    );
    assert_eq!(grants[0].path, format!("/{TENANT}/oauth2/v2.0/token"));
    let t3 = provider.token(true).await.unwrap();
    assert_ne!(t1.token, t3.token);
    assert_eq!(fake.grants("client_credentials").len(), 2);

    // A second provider (the next `kqlhunt run`) reuses the cached access token.
    let again = provider_for(&p, AuthEvents::none()).unwrap();
    assert_eq!(again.token(false).await.unwrap().token, t3.token);
    assert_eq!(fake.grants("client_credentials").len(), 2);

    // The cache file is owner-only and never holds the client secret.
    let path = cache_file(home.path());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(CLIENT_SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Nothing secret in Debug output.
    assert!(!format!("{t3:?}").contains(t3.token.expose()));
}

#[tokio::test]
async fn client_secret_from_azure_env_and_a_wrong_secret() {
    let fake = FakeLogin::start().await;
    let home = tempfile::tempdir().unwrap();
    let env = EnvVars::from_pairs([("AZURE_CLIENT_SECRET", CLIENT_SECRET)]);
    let p = profile_env(&fake, home.path(), "", &env);
    assert_eq!(p.auth.value.name(), "secret");
    assert!(!format!("{p:?}").contains(CLIENT_SECRET));
    provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap();

    let home = tempfile::tempdir().unwrap();
    let env = EnvVars::from_pairs([("AZURE_CLIENT_SECRET", "wrong")]);
    let p = profile_env(&fake, home.path(), "", &env);
    let err = provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AuthError::Refused(_)), "{err:?}");
    assert!(msg.contains("AADSTS7000215"), "{msg}");
    assert!(msg.contains("check client_id"), "{msg}");
    assert!(!msg.contains("Trace ID"), "{msg}");
}

#[tokio::test]
async fn a_failing_secret_command_is_a_clear_error() {
    let fake = FakeLogin::start().await;
    let home = tempfile::tempdir().unwrap();
    let p = profile(
        &fake,
        home.path(),
        "auth = \"secret\"\nsecret_command = \"echo 'vault sealed' >&2; exit 2\"\n",
    );
    let err = provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("secret_command") && err.contains("vault sealed"),
        "{err}"
    );
    assert!(fake.seen().is_empty(), "no request without a secret");
}

fn write_cert(dir: &Path, cert: &TestCert) -> std::path::PathBuf {
    let path = dir.join("app.pem");
    std::fs::write(&path, &cert.combined_pem).unwrap();
    path
}

#[tokio::test]
async fn certificate_rs256_and_ps256() {
    let fake = FakeLogin::start().await;
    let cert = TestCert::generate();
    fake.with_cert(&cert);
    let home = tempfile::tempdir().unwrap();
    let path = write_cert(home.path(), &cert);
    let p = profile(
        &fake,
        home.path(),
        &format!(
            "auth = \"certificate\"\ncertificate_path = \"{}\"\n",
            path.display()
        ),
    );
    let token = provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap();
    assert!(jwt::claims(token.token.expose()).is_some());
    let p = profile(
        &fake,
        home.path(),
        &format!(
            "auth = \"certificate\"\ncertificate_path = \"{}\"\ncertificate_alg = \"ps256\"\n",
            path.display()
        ),
    );
    assert_eq!(p.certificate_alg.value, AssertionAlg::Ps256);
    provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(true)
        .await
        .unwrap();
    assert_eq!(
        fake.state.lock().unwrap().assertion_algs,
        vec!["RS256", "PS256"]
    );
    let sent = &fake.grants("client_credentials")[0].form;
    assert_eq!(sent["client_assertion_type"], JWT_BEARER);
    assert!(!sent.contains_key("client_secret"));
}

#[tokio::test]
async fn a_certificate_the_app_does_not_know_is_refused() {
    let fake = FakeLogin::start().await;
    fake.with_cert(&TestCert::generate());
    let other = TestCert::generate();
    let home = tempfile::tempdir().unwrap();
    let env = EnvVars::from_pairs([(
        "AZURE_CLIENT_CERTIFICATE_PATH",
        write_cert(home.path(), &other).to_str().unwrap(),
    )]);
    let p = profile_env(&fake, home.path(), "", &env);
    assert_eq!(p.auth.value.name(), "certificate");
    let err = provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("AADSTS700027"), "{err}");
}

async fn device_login(
    fake: &FakeLogin,
    home: &Path,
) -> (
    Result<kqlhunt::auth::AccessToken, AuthError>,
    Vec<AuthEvent>,
) {
    let p = profile(fake, home, "auth = \"device-code\"\n");
    let (events, mut rx) = AuthEvents::channel();
    let provider = provider_with(&p, events, fast()).unwrap();
    let result = provider.sign_in().await;
    drop(provider);
    let mut seen = Vec::new();
    while let Some(e) = rx.recv().await {
        seen.push(e);
    }
    (result, seen)
}

#[tokio::test]
async fn device_code_pending_then_success_then_refresh_rotation() {
    let fake = FakeLogin::start().await;
    fake.set(|s| {
        s.device_script = ["authorization_pending", "authorization_pending"].into();
    });
    let home = tempfile::tempdir().unwrap();
    let (token, events) = device_login(&fake, home.path()).await;
    let token = token.unwrap();
    let claims = jwt::claims(token.token.expose()).unwrap();
    assert!(
        claims
            .permissions
            .contains(&"ThreatHunting.Read.All".to_string())
    );
    let AuthEvent::DeviceCode(prompt) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(prompt.user_code, USER_CODE);
    assert_eq!(prompt.verification_uri, "https://microsoft.com/devicelogin");
    assert!(prompt.message.contains(USER_CODE));
    assert!(matches!(events.last(), Some(AuthEvent::SignedIn { .. })));
    assert_eq!(fake.grants(DEVICE_CODE).len(), 3);
    let dc = fake
        .seen()
        .into_iter()
        .find(|s| s.path.ends_with("/devicecode"))
        .unwrap();
    assert_eq!(
        dc.form["scope"],
        "https://graph.microsoft.com/.default offline_access"
    );

    // The refresh token is in the 0600 cache; the next run needs no prompt.
    let text = std::fs::read_to_string(cache_file(home.path())).unwrap();
    let first_rt = fake
        .state
        .lock()
        .unwrap()
        .valid_refresh
        .iter()
        .next()
        .cloned()
        .unwrap();
    assert!(text.contains(&first_rt));
    let p = profile(&fake, home.path(), "auth = \"device-code\"\n");
    let quiet = provider_for(&p, AuthEvents::none()).unwrap();
    assert_eq!(quiet.token(false).await.unwrap().token, token.token);
    // A rejected token: the refresh grant runs and rotates the refresh token.
    let renewed = quiet.token(true).await.unwrap();
    assert_ne!(renewed.token, token.token);
    let refreshes = fake.grants("refresh_token");
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0].form["refresh_token"], first_rt);
    let text = std::fs::read_to_string(cache_file(home.path())).unwrap();
    assert!(
        !text.contains(&first_rt),
        "the old refresh token is replaced"
    );
    // Another resource from the same sign-in (Defender): the rotated token is used.
    let p = profile(
        &fake,
        home.path(),
        "auth = \"device-code\"\nbackend = \"defender\"\n",
    );
    let defender = provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap();
    let c = jwt::claims(defender.token.expose()).unwrap();
    assert_eq!(c.aud, vec!["https://api.security.microsoft.com"]);
    let refreshes = fake.grants("refresh_token");
    assert_eq!(refreshes.len(), 2);
    assert_ne!(refreshes[1].form["refresh_token"], first_rt);
}

#[tokio::test]
async fn device_code_slow_down_adds_five_intervals() {
    let fake = FakeLogin::start().await;
    fake.set(|s| s.device_script = ["slow_down", "authorization_pending"].into());
    let home = tempfile::tempdir().unwrap();
    let (token, _) = device_login(&fake, home.path()).await;
    token.unwrap();
    let polls: Vec<_> = fake.grants(DEVICE_CODE).into_iter().map(|s| s.at).collect();
    assert_eq!(polls.len(), 3);
    // interval 1 → 6 units of 20 ms after slow_down.
    let gap = polls[1] - polls[0];
    assert!(gap >= Duration::from_millis(115), "{gap:?}");
}

#[tokio::test]
async fn device_code_declined_expired_and_bad_code_stop_with_advice() {
    for (code, kind, words) in [
        ("authorization_declined", "Refused", "declined"),
        ("expired_token", "NotSignedIn", "expired"),
        ("bad_verification_code", "Refused", "did not recognise"),
    ] {
        let fake = FakeLogin::start().await;
        fake.set(|s| {
            s.device_script = ["authorization_pending"].into();
            s.device_end = DeviceEnd::Error(code);
        });
        let home = tempfile::tempdir().unwrap();
        let (result, events) = device_login(&fake, home.path()).await;
        let err = result.unwrap_err();
        assert!(format!("{err:?}").starts_with(kind), "{code}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains(words) && msg.contains("kqlhunt login --profile t"),
            "{msg}"
        );
        assert!(matches!(events.last(), Some(AuthEvent::Failed { .. })));
        assert_eq!(fake.grants(DEVICE_CODE).len(), 2, "{code}: stops polling");
        assert!(!cache_file(home.path()).exists());
    }
}

#[tokio::test]
async fn device_code_gives_up_when_the_code_runs_out_locally() {
    let fake = FakeLogin::start().await;
    fake.set(|s| {
        s.device_expires_in = 3;
        s.device_end = DeviceEnd::Error("authorization_pending");
    });
    let home = tempfile::tempdir().unwrap();
    let (result, _) = device_login(&fake, home.path()).await;
    let msg = result.unwrap_err().to_string();
    assert!(msg.contains("expired"), "{msg}");
    assert!(fake.grants(DEVICE_CODE).len() <= 3);
}

#[tokio::test]
async fn invalid_grant_means_sign_in_again_and_clears_the_cache() {
    let fake = FakeLogin::start().await;
    let home = tempfile::tempdir().unwrap();
    device_login(&fake, home.path()).await.0.unwrap();
    fake.set(|s| s.refresh_invalid = true);
    let p = profile(&fake, home.path(), "auth = \"device-code\"\n");
    let provider = provider_for(&p, AuthEvents::none()).unwrap();
    let err = provider.token(true).await.unwrap_err();
    assert!(matches!(err, AuthError::NotSignedIn(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("AADSTS70008") && msg.contains("kqlhunt login --profile t"),
        "{msg}"
    );
    let text = std::fs::read_to_string(cache_file(home.path())).unwrap_or_default();
    assert!(!text.contains("fake-refresh-token"), "{text}");
}

#[tokio::test]
async fn not_signed_in_without_a_watcher_says_run_login() {
    let fake = FakeLogin::start().await;
    let home = tempfile::tempdir().unwrap();
    let p = profile(&fake, home.path(), "auth = \"device-code\"\n");
    let err = provider_for(&p, AuthEvents::none())
        .unwrap()
        .token(false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("run `kqlhunt login --profile t` first"),
        "{err}"
    );
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn tokens_are_renewed_before_they_expire() {
    let fake = FakeLogin::start().await;
    let home = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(SystemTime::now());
    let env = EnvVars::from_pairs([("AZURE_CLIENT_SECRET", CLIENT_SECRET)]);
    let p = profile_env(&fake, home.path(), "", &env);
    let options = ProviderOptions {
        clock: Arc::new(clock.clone()),
        ..ProviderOptions::default()
    };
    let provider = provider_with(&p, AuthEvents::none(), options).unwrap();
    let first = provider.token(false).await.unwrap();
    clock.advance(Duration::from_secs(50 * 60));
    assert_eq!(provider.token(false).await.unwrap().token, first.token);
    assert_eq!(fake.grants("client_credentials").len(), 1);
    // 56 minutes into a 60-minute token: renewed although it has not expired.
    clock.advance(Duration::from_secs(6 * 60));
    let second = provider.token(false).await.unwrap();
    assert_ne!(second.token, first.token);
    assert!(first.expires_at.unwrap() > SystemTime::now() + Duration::from_secs(50 * 60));
    assert_eq!(fake.grants("client_credentials").len(), 2);
}

fn az_profile(home: &Path, extra: &str) -> ResolvedProfile {
    let text = format!("[profiles.t]\nauth = \"azure-cli\"\n{extra}");
    let file = ConfigFile::parse(&text, Path::new("config.toml")).unwrap();
    let o = Overrides {
        profile: Some("t".into()),
        ..Overrides::default()
    };
    let mut r = resolve_with(&file, None, &o, &EnvVars::default()).unwrap();
    r.paths = Some(Paths::under(home));
    r
}

fn az_options(program: std::path::PathBuf) -> ProviderOptions {
    ProviderOptions {
        az_program: Some(program),
        ..ProviderOptions::default()
    }
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_with_expires_on() {
    let dir = tempfile::tempdir().unwrap();
    let exp = 1_900_000_000u64;
    let token = cli_jwt(serde_json::json!({
        "aud": "https://graph.microsoft.com", "exp": exp - 100,
        "scp": "ThreatHunting.Read.All"
    }));
    let json = format!(
        r#"{{"accessToken":"{token}","expiresOn":"2030-03-17 17:46:40.000000","expires_on":{exp},"subscription":"s","tenant":"{TENANT}","tokenType":"Bearer"}}"#
    );
    let shim = az_shim(dir.path(), &json, "", false);
    let p = az_profile(dir.path(), &format!("tenant = \"{TENANT}\"\n"));
    let t = provider_with(&p, AuthEvents::none(), az_options(shim))
        .unwrap()
        .token(false)
        .await
        .unwrap();
    assert_eq!(t.token.expose(), token);
    assert_eq!(
        t.expires_at,
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(exp))
    );
    let args = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(
        args,
        [
            "account",
            "get-access-token",
            "--resource",
            "https://graph.microsoft.com",
            "-o",
            "json",
            "--tenant",
            TENANT
        ]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_without_expires_on_reads_local_expires_on() {
    let dir = tempfile::tempdir().unwrap();
    let exp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3000;
    let Some(local) = std::process::Command::new("date")
        .args(["-d", &format!("@{exp}"), "+%Y-%m-%d %H:%M:%S.000000"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8(o.stdout).unwrap().trim().to_string())
    else {
        eprintln!("skipping: no GNU date to render local time");
        return;
    };
    let json = format!(
        r#"{{"accessToken":"opaque-cli-token","expiresOn":"{local}","subscription":"s","tenant":"{TENANT}","tokenType":"Bearer"}}"#
    );
    let shim = az_shim(dir.path(), &json, "", false);
    let p = az_profile(dir.path(), "backend = \"mde\"\n");
    let t = provider_with(&p, AuthEvents::none(), az_options(shim))
        .unwrap()
        .token(false)
        .await
        .unwrap();
    assert_eq!(t.token.expose(), "opaque-cli-token");
    assert_eq!(
        t.expires_at,
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(exp))
    );
    let args = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    assert!(
        args.contains("https://api.securitycenter.microsoft.com\n"),
        "{args}"
    );
    assert!(!args.contains("--tenant"));
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_failures_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = "ERROR: AADSTS700082: The refresh token has expired due to inactivity.\nInteractive authentication is needed. Please run:\naz login --scope https://graph.microsoft.com/.default";
    let shim = az_shim(dir.path(), "", stderr, true);
    let p = az_profile(dir.path(), &format!("tenant = \"{TENANT}\"\n"));
    let err = provider_with(&p, AuthEvents::none(), az_options(shim))
        .unwrap()
        .token(false)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("AADSTS700082"), "{err}");
    assert!(
        err.contains(&format!("az login --tenant {TENANT}")),
        "{err}"
    );

    // A token without the hunting permission.
    let token =
        cli_jwt(serde_json::json!({"aud": "https://graph.microsoft.com", "scp": "User.Read"}));
    let json =
        format!(r#"{{"accessToken":"{token}","expires_on":1900000000,"tokenType":"Bearer"}}"#);
    let shim = az_shim(dir.path(), &json, "", false);
    let err = provider_with(&p, AuthEvents::none(), az_options(shim))
        .unwrap()
        .token(false)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("does not carry ThreatHunting.Read.All"),
        "{err}"
    );
    assert!(err.contains("device-code"), "{err}");

    // No `az` at all.
    let err = provider_with(
        &p,
        AuthEvents::none(),
        az_options(dir.path().join("no-such-az")),
    )
    .unwrap()
    .token(false)
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("not installed or not on PATH"), "{err}");
}

#[tokio::test]
async fn static_token_from_the_environment() {
    let env = EnvVars::from_pairs([
        ("KQLHUNT_ACCESS_TOKEN", "eyJstatic.token.sig"),
        ("KQLHUNT_BACKEND", "graph"),
    ]);
    let p = resolve_with(&ConfigFile::default(), None, &Overrides::default(), &env).unwrap();
    assert_eq!(p.auth.value.name(), "token");
    let provider = provider_for(&p, AuthEvents::none()).unwrap();
    assert_eq!(
        provider.token(false).await.unwrap().token.expose(),
        "eyJstatic.token.sig"
    );
    let err = provider.token(true).await.unwrap_err().to_string();
    assert!(err.contains("KQLHUNT_ACCESS_TOKEN"), "{err}");
    assert!(!format!("{p:?}").contains("eyJstatic"));
}

#[test]
fn the_local_backend_needs_no_provider_and_missing_settings_are_named() {
    let p = resolve_with(
        &ConfigFile::default(),
        None,
        &Overrides::default(),
        &EnvVars::default(),
    )
    .unwrap();
    let err = provider_for(&p, AuthEvents::none())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("local backend needs no sign-in"), "{err}");
    let env = EnvVars::from_pairs([("KQLHUNT_BACKEND", "graph"), ("AZURE_CLIENT_SECRET", "x")]);
    let p = resolve_with(&ConfigFile::default(), None, &Overrides::default(), &env).unwrap();
    let err = provider_for(&p, AuthEvents::none())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("needs client_id") && err.contains("AZURE_CLIENT_ID"),
        "{err}"
    );
}
