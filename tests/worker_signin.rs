//! Every sign-in flow end to end through the worker, against one loopback fake serving
//! both the Entra token service and the hunting API: client secret, client certificate,
//! device code (prompt relayed as `WorkerEvent::SignIn`, declined, expired), refresh-token
//! rotation, a token that expires mid-session (renewed before the next query), a 401
//! (token refreshed once), and a 401 that persists ("sign in again").

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kqlhunt::api::{HttpOptions, HuntingBackend};
use kqlhunt::auth::device_code::DeviceCodeOptions;
use kqlhunt::auth::{AuthEvent, AuthEvents, ManualClock, ProviderOptions, provider_with};
use kqlhunt::backend::{BackendKind, RunError};
use kqlhunt::config::Paths;
use kqlhunt::config::profile::{ConfigFile, EnvVars, Overrides, ResolvedProfile, resolve_with};
use kqlhunt::quota::{Limits, Store, SystemClock};
use kqlhunt::worker::{self, WorkerEvent, WorkerHandle, WorkerOptions};
use support::login::*;
use support::*;

const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn profile(fake: &FakeHandle, home: &Path, extra: &str, env: &EnvVars) -> ResolvedProfile {
    let text = format!(
        "default_profile = \"t\"\n[profiles.t]\nbackend = \"graph\"\ntenant = \"{TENANT}\"\n\
         client_id = \"{CLIENT_ID}\"\nlogin_endpoint = \"{}\"\nendpoint = \"{}\"\n{extra}",
        fake.base_url(),
        fake.base_url()
    );
    let file = ConfigFile::parse(&text, Path::new("config.toml")).unwrap();
    let mut r = resolve_with(&file, None, &Overrides::default(), env).unwrap();
    r.paths = Some(Paths::under(home));
    r
}

/// The real provider, backend and worker (with a quota ledger) for `profile`; the
/// provider's clock is `clock`, device-code polling runs 50× faster than real time.
fn start(profile: &ResolvedProfile, home: &Path, clock: &ManualClock) -> WorkerHandle {
    let (events, rx) = AuthEvents::channel();
    let options = ProviderOptions {
        clock: Arc::new(clock.clone()),
        device_code: DeviceCodeOptions {
            poll_unit: Duration::from_millis(20),
            network_retries: 0,
        },
        ..ProviderOptions::default()
    };
    let tokens = provider_with(profile, events, options).unwrap();
    let backend = HuntingBackend::new(
        BackendKind::Graph,
        &profile.api_base().unwrap(),
        tokens,
        &HttpOptions::default(),
    )
    .unwrap();
    let store = Store::open_at(
        home.join("quota.json"),
        BackendKind::Graph,
        Limits::for_backend(BackendKind::Graph),
        SystemClock,
    );
    worker::spawn(
        Arc::new(backend),
        WorkerOptions {
            quota: Some(store),
            auth_events: Some(rx),
            ..WorkerOptions::default()
        },
    )
}

/// Run one query (fresh: no cache) and collect every event up to its end.
async fn run(w: &mut WorkerHandle, id: u64) -> (Result<usize, RunError>, Vec<WorkerEvent>) {
    let (end, seen) =
        support::worker::run_query(w, id, &format!("DeviceEvents | take {}", 1 + id % 3), true)
            .await;
    (end.map(|r| r.table.row_count()), seen)
}

fn sign_ins(events: &[WorkerEvent]) -> Vec<AuthEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            WorkerEvent::SignIn(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn bearer_tokens(fake: &FakeHandle) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter_map(|r| r.authorization)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_secret_signs_in_once_for_many_queries() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let env = EnvVars::from_pairs([("AZURE_CLIENT_SECRET", CLIENT_SECRET)]);
    let p = profile(&fake, home.path(), "", &env);
    let mut w = start(&p, home.path(), &ManualClock::new(SystemTime::now()));
    for id in 1..=3 {
        let (rows, events) = run(&mut w, id).await;
        assert_eq!(rows.unwrap(), 1 + id as usize % 3);
        assert!(sign_ins(&events).is_empty(), "an app sign-in needs nobody");
    }
    assert_eq!(fake.login().grants("client_credentials").len(), 1);
    assert_eq!(fake.requests().len(), 3);
    let tokens = bearer_tokens(&fake);
    assert!(tokens.iter().all(|t| t == &tokens[0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificate_signs_in_with_a_signed_assertion() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let cert = TestCert::generate();
    fake.login().with_cert(&cert);
    let home = tempfile::tempdir().unwrap();
    let pem = home.path().join("app.pem");
    std::fs::write(&pem, &cert.combined_pem).unwrap();
    let p = profile(
        &fake,
        home.path(),
        &format!(
            "auth = \"certificate\"\ncertificate_path = \"{}\"\n",
            pem.display()
        ),
        &EnvVars::default(),
    );
    let mut w = start(&p, home.path(), &ManualClock::new(SystemTime::now()));
    let (rows, _) = run(&mut w, 1).await;
    assert_eq!(rows.unwrap(), 2);
    assert_eq!(
        fake.login().state.lock().unwrap().assertion_algs,
        vec!["RS256".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_prompt_reaches_the_ui_then_refresh_tokens_rotate() {
    let fake = FakeService::start(FakeConfig::default()).await;
    fake.login().set(|s| {
        s.device_script = ["authorization_pending", "authorization_pending"].into();
    });
    let home = tempfile::tempdir().unwrap();
    let p = profile(
        &fake,
        home.path(),
        "auth = \"device-code\"\n",
        &EnvVars::default(),
    );
    let clock = ManualClock::new(SystemTime::now());
    let mut w = start(&p, home.path(), &clock);
    let (rows, events) = run(&mut w, 1).await;
    assert_eq!(rows.unwrap(), 2);
    let auth = sign_ins(&events);
    let AuthEvent::DeviceCode(prompt) = &auth[0] else {
        panic!("the first sign-in event is the prompt: {auth:?}");
    };
    assert_eq!(prompt.user_code, USER_CODE);
    assert_eq!(prompt.verification_uri, "https://microsoft.com/devicelogin");
    assert!(prompt.expires_at > SystemTime::now() + Duration::from_secs(800));
    assert!(matches!(&auth[1], AuthEvent::SignedIn { profile } if profile == "t"));
    assert_eq!(auth.len(), 2, "{auth:?}");
    // Nothing the analyst sees carries a token or the device code.
    let shown = format!("{auth:?}");
    let device_code = fake
        .login()
        .state
        .lock()
        .unwrap()
        .issued_device_code
        .clone();
    assert!(!shown.contains(&device_code.unwrap()));
    for t in bearer_tokens(&fake) {
        assert!(!shown.contains(t.trim_start_matches("Bearer ")));
    }
    assert_eq!(
        fake.login().grants(DEVICE_CODE).len(),
        3,
        "two pending polls"
    );

    // Two hours later the access token has expired: the refresh token gets a new one
    // before the query goes out (no 401, no prompt), and it rotates every time.
    for (i, id) in [2u64, 3].into_iter().enumerate() {
        clock.advance(Duration::from_secs(2 * 3600));
        let before = fake.requests().len();
        let (rows, events) = run(&mut w, id).await;
        assert!(rows.is_ok(), "{rows:?}");
        assert!(sign_ins(&events).is_empty());
        assert_eq!(fake.requests().len(), before + 1, "no 401 round trip");
        assert_eq!(fake.login().grants("refresh_token").len(), i + 1);
    }
    let refreshes = fake.login().grants("refresh_token");
    assert_ne!(
        refreshes[0].form["refresh_token"], refreshes[1].form["refresh_token"],
        "the refresh token rotates"
    );
    assert_eq!(fake.login().grants(DEVICE_CODE).len(), 3, "signed in once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_or_expired_device_code_fails_the_query_with_the_next_step() {
    for (end, said) in [
        ("authorization_declined", "declined"),
        ("expired_token", "expired"),
    ] {
        let fake = FakeService::start(FakeConfig::default()).await;
        fake.login().set(|s| s.device_end = DeviceEnd::Error(end));
        let home = tempfile::tempdir().unwrap();
        let p = profile(
            &fake,
            home.path(),
            "auth = \"device-code\"\n",
            &EnvVars::default(),
        );
        let mut w = start(&p, home.path(), &ManualClock::new(SystemTime::now()));
        let (outcome, mut events) = run(&mut w, 1).await;
        // The outcome reaches the UI on its own channel: it may trail the query's end.
        while !sign_ins(&events)
            .iter()
            .any(|a| matches!(a, AuthEvent::Failed { .. }))
        {
            let ev = tokio::time::timeout(Duration::from_secs(10), w.events.recv())
                .await
                .expect("no sign-in outcome")
                .expect("worker stopped");
            events.push(ev);
        }
        let auth = sign_ins(&events);
        assert!(matches!(&auth[0], AuthEvent::DeviceCode(_)), "{auth:?}");
        assert!(
            auth.iter()
                .any(|a| matches!(a, AuthEvent::Failed { message } if message.contains(said))),
            "{auth:?}"
        );
        let Err(RunError::Auth(message)) = outcome else {
            panic!("{end}: {outcome:?}");
        };
        assert!(message.contains(said), "{message}");
        assert!(message.contains("kqlhunt login"), "{message}");
        assert!(fake.requests().is_empty(), "nothing reached the API");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_refreshes_the_token_once_and_a_second_says_sign_in_again() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let env = EnvVars::from_pairs([("AZURE_CLIENT_SECRET", CLIENT_SECRET)]);
    let p = profile(&fake, home.path(), "", &env);
    let mut w = start(&p, home.path(), &ManualClock::new(SystemTime::now()));

    // The service rejects the token once (revoked, or expired early): one new token, one
    // retry, the query succeeds.
    let (rows, _) = run(&mut w, 1).await;
    assert!(rows.is_ok());
    fake.set_next_response(Reply::Unauthorized);
    let (rows, _) = run(&mut w, 2).await;
    assert!(rows.is_ok(), "{rows:?}");
    assert_eq!(fake.login().grants("client_credentials").len(), 2);
    let tokens = bearer_tokens(&fake);
    assert_eq!(tokens.len(), 3);
    assert_ne!(tokens[1], tokens[2], "the retry carries the new token");

    // Rejected again after the refresh: the query fails with "sign in again", no loop.
    fake.set_next_response(Reply::Unauthorized);
    fake.set_next_response(Reply::Unauthorized);
    let (outcome, _) = run(&mut w, 3).await;
    let Err(RunError::Auth(message)) = &outcome else {
        panic!("{outcome:?}");
    };
    assert!(message.contains("sign in again"), "{message}");
    assert_eq!(fake.requests().len(), 5, "one retry, not more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegated_profile_without_a_watcher_says_run_login() {
    // `kqlhunt run` passes no watcher: a profile that is not signed in fails at once.
    let fake = FakeService::start(FakeConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let p = profile(
        &fake,
        home.path(),
        "auth = \"device-code\"\n",
        &EnvVars::default(),
    );
    let tokens = kqlhunt::auth::provider_for(&p, AuthEvents::none()).unwrap();
    let backend = HuntingBackend::new(
        BackendKind::Graph,
        &fake.base_url(),
        tokens,
        &HttpOptions::default(),
    )
    .unwrap();
    let mut w = worker::spawn(Arc::new(backend), WorkerOptions::default());
    let (outcome, events) = run(&mut w, 1).await;
    assert!(sign_ins(&events).is_empty());
    let Err(RunError::Auth(message)) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(message.contains("kqlhunt login"), "{message}");
    assert!(fake.login().seen().is_empty());
}
