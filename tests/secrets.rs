//! No secret leaks: a whole session of the real binary against the loopback fake, with a
//! client secret (in the config file and in the environment) and a device-code sign-in whose
//! refresh token rotates, at the most verbose log level; the workbench in a terminal (a hunt,
//! a copy, an export, a crash report); ending in a failed sign-in. Then every
//! file kqlhunt wrote under its home and everything it printed is searched for every secret
//! the session handled: the client secrets, each access token, each refresh token and the
//! device code. Only the token cache may hold tokens, and it is owner-only.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use support::login::*;
use support::pty::{Key, Pty, Spawn};
use support::*;

const WRONG_SECRET: &str = "wrong-client-secret-9Kp~w";

fn kqlhunt(home: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kqlhunt"));
    cmd.env("KQLHUNT_HOME", home)
        .env("KQLHUNT_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    for var in kqlhunt::config::profile::ENV_VARS {
        cmd.env_remove(var);
    }
    cmd
}

/// Everything the session printed, command by command.
#[derive(Default)]
struct Printed(Vec<(String, Vec<u8>)>);

impl Printed {
    async fn run(&mut self, mut cmd: tokio::process::Command, what: &str) -> Output {
        let out = cmd.output().await.unwrap();
        self.0
            .push((format!("{what} (stdout)"), out.stdout.clone()));
        self.0
            .push((format!("{what} (stderr)"), out.stderr.clone()));
        out
    }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_session_leaves_no_secret_outside_the_token_cache() {
    let fake = FakeService::start(FakeConfig::default()).await;
    let base = fake.base_url();
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("config");
    std::fs::create_dir_all(&config_dir).unwrap();
    let config = config_dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "default_profile = \"app\"\n\
             [profiles.app]\nbackend = \"graph\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\n\
             client_secret = \"{CLIENT_SECRET}\"\nendpoint = \"{base}\"\nlogin_endpoint = \"{base}\"\n\
             [profiles.envsecret]\nbackend = \"graph\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\n\
             endpoint = \"{base}\"\nlogin_endpoint = \"{base}\"\n\
             [profiles.user]\nbackend = \"graph\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\n\
             auth = \"device-code\"\nendpoint = \"{base}\"\nlogin_endpoint = \"{base}\"\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    let mut printed = Printed::default();
    let query = "DeviceProcessEvents | take 3";

    // The client secret from the config file: show the config, run, export, refresh schema.
    let mut cmd = kqlhunt(home.path());
    cmd.args(["config", "show"]);
    let out = printed.run(cmd, "config show").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for format in ["json", "table"] {
        let mut cmd = kqlhunt(home.path());
        cmd.args(["run", "-q", query, "--format", format]);
        let out = printed.run(cmd, "run (config secret)").await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let export = home.path().join("out.csv");
    let mut cmd = kqlhunt(home.path());
    cmd.args(["run", "-q", query, "-o"]).arg(&export);
    let out = printed.run(cmd, "run -o").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = kqlhunt(home.path());
    cmd.args(["schema", "refresh"]);
    printed.run(cmd, "schema refresh").await;

    // The same secret from the environment (the fake knows one secret).
    let mut cmd = kqlhunt(home.path());
    cmd.env("AZURE_CLIENT_SECRET", CLIENT_SECRET).args([
        "--profile",
        "envsecret",
        "run",
        "-q",
        query,
    ]);
    let out = printed.run(cmd, "run (env secret)").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Device code, with access tokens that expire at once, so every run renews through the
    // refresh token, which rotates each time.
    fake.login().set(|s| s.token_lifetime = 1);
    let mut cmd = kqlhunt(home.path());
    cmd.args(["--profile", "user", "login"]);
    let out = printed.run(cmd, "login").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let mut cmd = kqlhunt(home.path());
        cmd.args(["--profile", "user", "run", "-q", query]);
        let out = printed.run(cmd, "run (device code)").await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let refreshes = fake
        .login()
        .seen()
        .iter()
        .filter(|s| s.form.get("grant_type").map(String::as_str) == Some("refresh_token"))
        .count();
    assert!(
        refreshes >= 2,
        "the refresh token was used {refreshes} times"
    );

    // The workbench in a terminal with the client-secret profile: a hunt, a copy, an export,
    // a quit; then a start that panics on purpose (debug builds), so a crash report is among
    // the files searched.
    let raw = tokio::task::spawn_blocking({
        let home = home.path().to_path_buf();
        move || {
            let mut p = Pty::spawn(&home, Spawn::default().env("KQLHUNT_LOG", "trace"));
            p.wait_for("No results yet");
            p.send("DeviceProcessEvents | where Timestamp > ago(1h) | take 3");
            p.key(Key::F(5));
            p.wait_for("3 rows");
            p.key(Key::Tab);
            p.send("Y");
            p.wait_for("copied");
            p.send(":w pty.csv");
            p.key(Key::Enter);
            p.wait_for("wrote 3 rows");
            p.key(Key::Ctrl('q'));
            assert_eq!(p.exit_status().code(), Some(0));
            let mut raw = p.raw();
            let mut p = Pty::spawn(&home, Spawn::default().env("KQLHUNT_DEBUG_PANIC", "draw"));
            p.wait_for("Query");
            p.send("x");
            assert_eq!(p.exit_status().code(), Some(101));
            raw.extend(p.raw());
            raw
        }
    })
    .await
    .unwrap();
    printed.0.push(("the workbench's terminal".into(), raw));

    // A refused secret: the failure is one line without the secret.
    let mut cmd = kqlhunt(home.path());
    cmd.env("AZURE_CLIENT_SECRET", WRONG_SECRET).args([
        "--profile",
        "envsecret",
        "run",
        "-q",
        query,
    ]);
    fake.login().set(|s| s.token_lifetime = 3599);
    printed.run(cmd, "run (refused secret)").await;

    // Every secret the session handled, as the fake saw them.
    let mut secrets: Vec<(String, String)> = vec![
        ("client secret".into(), CLIENT_SECRET.into()),
        ("refused client secret".into(), WRONG_SECRET.into()),
    ];
    for seen in fake.login().seen() {
        for key in ["refresh_token", "device_code", "client_assertion"] {
            if let Some(v) = seen.form.get(key) {
                secrets.push((key.into(), v.clone()));
            }
        }
    }
    for request in fake.requests() {
        if let Some(bearer) = request
            .authorization
            .as_deref()
            .and_then(|a| a.strip_prefix("Bearer "))
        {
            secrets.push(("access token".into(), bearer.to_string()));
        }
    }
    // The token cache holds the newest refresh token; the fake issues them in this shape.
    secrets.push(("a refresh token".into(), "fake-refresh-token".into()));
    secrets.push(("an access token's signature".into(), ".fakesig".into()));
    assert!(
        secrets.iter().filter(|(k, _)| k == "access token").count() >= 5,
        "the session should have sent queries with tokens"
    );

    let mut files = Vec::new();
    files_under(home.path(), &mut files);
    let token_cache = home.path().join("data").join("tokens.json");
    assert!(files.contains(&token_cache), "no token cache in {files:?}");
    for written in ["kqlhunt.log", "session.json", "history.jsonl", "pty.csv"] {
        assert!(
            files.iter().any(|f| f.ends_with(written)),
            "no {written} in {files:?}"
        );
    }
    assert!(
        files.iter().any(|f| f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("crash-")),
        "no crash report in {files:?}"
    );
    let mut leaks = Vec::new();
    for file in &files {
        if file == &token_cache || file == &config {
            continue;
        }
        let bytes = std::fs::read(file).unwrap();
        for (what, secret) in &secrets {
            if contains(&bytes, secret) {
                leaks.push(format!("{what} in {}", file.display()));
            }
        }
    }
    for (what_printed, bytes) in &printed.0 {
        for (what, secret) in &secrets {
            if contains(bytes, secret) {
                leaks.push(format!("{what} printed by {what_printed}"));
            }
        }
    }
    leaks.dedup();
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));

    // The config file the analyst wrote may hold the secret they put there; kqlhunt must not
    // have added any other.
    let config_text = std::fs::read_to_string(&config).unwrap();
    for (what, secret) in &secrets[1..] {
        assert!(
            !config_text.contains(secret.as_str()),
            "{what} in config.toml"
        );
    }
    let cache = std::fs::read_to_string(&token_cache).unwrap();
    assert!(cache.contains("fake-refresh-token"));
    assert!(!cache.contains(CLIENT_SECRET) && !cache.contains(WRONG_SECRET));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for file in &files {
            let text = std::fs::read(file).unwrap();
            if contains(&text, "fake-refresh-token") || contains(&text, ".fakesig") {
                let mode = std::fs::metadata(file).unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "{} holds a token", file.display());
            }
        }
    }
}
