//! `kqlhunt run` against the loopback fake of the service: the real binary, a static token
//! from KQLHUNT_ACCESS_TOKEN, `--backend` and `--endpoint`, every query through the worker.

mod support;

use std::process::Stdio;

use support::*;

async fn kqlhunt(args: &[&str], token: &str) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    kqlhunt_in(home.path(), args, token).await
}

/// The binary with its files under `home` and `token` as KQLHUNT_ACCESS_TOKEN.
async fn kqlhunt_in(home: &std::path::Path, args: &[&str], token: &str) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_kqlhunt"))
        .args(args)
        .env("KQLHUNT_HOME", home)
        .env("KQLHUNT_ACCESS_TOKEN", token)
        .env_remove("KQLHUNT_PROFILE")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_on_graph_through_the_fake() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let base = fake.base_url();
    let out = kqlhunt(
        &[
            "--backend",
            "graph",
            "--endpoint",
            &base,
            "run",
            "-q",
            "DeviceEvents | take 3",
            "--format",
            "jsonl",
        ],
        &token_for(Api::Graph),
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 3);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_for_the_wrong_audience_is_one_clear_line() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let base = fake.base_url();
    let out = kqlhunt(
        &[
            "--backend",
            "graph",
            "--endpoint",
            &base,
            "run",
            "-q",
            "DeviceEvents | take 3",
        ],
        &token_for(Api::Defender),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("graph needs a token for https://graph.microsoft.com"),
        "{err}"
    );
}

/// Issue 4's proof: a burst of queries from one file, against a fake that enforces a
/// sliding-window limit, completes with zero 429s because the ledger paces the calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_from_a_file_never_provokes_a_429() {
    let fake = FakeService::start(FakeConfig {
        call_limits: vec![CallLimit {
            max: 10,
            window: std::time::Duration::from_secs(2),
        }],
        ..FakeConfig::default()
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        format!(
            "default_profile = \"t\"\n[profiles.t]\nbackend = \"graph\"\nendpoint = \"{}\"\n\
             [profiles.t.quota]\ncalls = [\"10 per 2s\"]\nrun_time = []\nskew = \"100ms\"\nheadroom = 0.0\n",
            fake.base_url()
        ),
    )
    .unwrap();
    let queries: Vec<String> = (1..=30)
        .map(|i| format!("DeviceEvents | extend Q = {i} | take {}", 1 + i % 3))
        .collect();
    let file = home.path().join("burst.kql");
    std::fs::write(&file, queries.join("\n\n")).unwrap();
    let started = std::time::Instant::now();
    let out = kqlhunt_in(
        home.path(),
        &["run", "-f", file.to_str().unwrap(), "--format", "jsonl"],
        &token_for(Api::Graph),
    )
    .await;
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = String::from_utf8(out.stdout).unwrap().lines().count();
    let expected: usize = (1..=30).map(|i| 1 + i % 3).sum();
    assert_eq!(rows, expected);
    // Every request the fake saw was answered: no 429s, no retries.
    assert_eq!(fake.requests().len(), 30, "the fake answered a 429");
    // 30 calls at 9 per ~2.1 s (the last call of a window is held back) take about 6 s;
    // far longer would mean the ledger is wasting the tenant's budget.
    eprintln!("30 queries in {elapsed:?}");
    assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
}
