//! `kqlhunt config path|show` and the global flags on the real binary: precedence
//! (file < env < flag), masked secrets, and that with no config at all `kqlhunt run`
//! still answers from the demo dataset.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "file-secret-Zq8~do-not-print";
const ENV_SECRET: &str = "env-secret-Xy7~do-not-print";

/// The binary with a private home and none of the variables resolution reads.
fn kqlhunt(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kqlhunt"));
    cmd.env("KQLHUNT_HOME", home).stdin(Stdio::null());
    for var in kqlhunt::config::profile::ENV_VARS {
        cmd.env_remove(var);
    }
    cmd
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn write_config(home: &Path, text: &str) {
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(home.join("config").join("config.toml"), text).unwrap();
}

/// The `(value, source)` of one `config show` line.
fn setting(show: &str, key: &str) -> (String, String) {
    let line = show
        .lines()
        .find(|l| l.split_whitespace().next() == Some(key))
        .unwrap_or_else(|| panic!("no {key} in\n{show}"));
    let rest = line[key.len()..].trim();
    let (value, source) = rest.rsplit_once("  (").unwrap();
    (
        value.trim().to_string(),
        source.trim_end_matches(')').to_string(),
    )
}

const CONFIG: &str = r#"
default_profile = "prod"

[profiles.prod]
backend = "defender"
tenant = "contoso.onmicrosoft.com"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
auth = "secret"
client_secret = "file-secret-Zq8~do-not-print"
endpoint = "api-eu.security.microsoft.com"
timeout = 120

[profiles.prod.quota]
calls_per_minute = 45

[profiles.gov]
cloud = "gcc-high"
tenant = "fabrikam.onmicrosoft.us"
client_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
auth = "device-code"
"#;

#[test]
fn config_path_is_under_the_config_dir() {
    let home = tempfile::tempdir().unwrap();
    let out = ok(kqlhunt(home.path())
        .args(["config", "path"])
        .output()
        .unwrap());
    assert_eq!(
        out.trim(),
        home.path()
            .join("config")
            .join("config.toml")
            .to_str()
            .unwrap()
    );
}

#[test]
fn show_masks_secrets_and_names_sources() {
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), CONFIG);
    let show = ok(kqlhunt(home.path())
        .args(["config", "show"])
        .output()
        .unwrap());
    assert!(!show.contains(SECRET), "{show}");
    assert_eq!(
        setting(&show, "client_secret"),
        ("*** (set)".into(), "file: profiles.prod".into())
    );
    assert_eq!(
        setting(&show, "profile"),
        ("prod".into(), "file: default_profile".into())
    );
    assert_eq!(
        setting(&show, "endpoint").0,
        "https://api-eu.security.microsoft.com"
    );
    assert_eq!(setting(&show, "timeout").0, "120s");
    assert!(setting(&show, "quota").0.contains("calls_per_minute = 45"));

    let show = ok(kqlhunt(home.path())
        .args(["config", "show"])
        .env("AZURE_CLIENT_SECRET", ENV_SECRET)
        .env("KQLHUNT_ACCESS_TOKEN", "eyJ-access-token-do-not-print")
        .output()
        .unwrap());
    assert!(
        !show.contains(ENV_SECRET) && !show.contains("eyJ-access"),
        "{show}"
    );
    assert_eq!(setting(&show, "access_token").0, "*** (set)");
    assert_eq!(
        setting(&show, "auth"),
        ("token".into(), "env KQLHUNT_ACCESS_TOKEN".into())
    );
}

#[test]
fn precedence_is_file_then_env_then_flag() {
    let home = tempfile::tempdir().unwrap();
    write_config(home.path(), CONFIG);
    let show = |env: &[(&str, &str)], args: &[&str]| {
        let mut cmd = kqlhunt(home.path());
        cmd.args(args).args(["config", "show"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        ok(cmd.output().unwrap())
    };
    let s = show(&[], &[]);
    assert_eq!(
        setting(&s, "backend"),
        ("defender".into(), "file: profiles.prod".into())
    );
    let s = show(&[("KQLHUNT_BACKEND", "mde")], &[]);
    assert_eq!(
        setting(&s, "backend"),
        ("mde".into(), "env KQLHUNT_BACKEND".into())
    );
    let s = show(&[("KQLHUNT_BACKEND", "mde")], &["--backend", "graph"]);
    assert_eq!(
        setting(&s, "backend"),
        ("graph".into(), "flag --backend".into())
    );

    let s = show(&[("KQLHUNT_ENDPOINT", "http://127.0.0.1:8443")], &[]);
    assert_eq!(
        setting(&s, "endpoint"),
        (
            "http://127.0.0.1:8443".into(),
            "env KQLHUNT_ENDPOINT".into()
        )
    );
    let s = show(
        &[("KQLHUNT_ENDPOINT", "http://127.0.0.1:8443")],
        &["--endpoint", "https://x.example"],
    );
    assert_eq!(
        setting(&s, "endpoint"),
        ("https://x.example".into(), "flag --endpoint".into())
    );

    let s = show(&[("AZURE_TENANT_ID", "env-tenant")], &[]);
    assert_eq!(
        setting(&s, "tenant"),
        ("env-tenant".into(), "env AZURE_TENANT_ID".into())
    );

    // Profile: default_profile < KQLHUNT_PROFILE < --profile.
    let s = show(&[("KQLHUNT_PROFILE", "gov")], &[]);
    assert_eq!(
        setting(&s, "profile"),
        ("gov".into(), "env KQLHUNT_PROFILE".into())
    );
    assert_eq!(setting(&s, "backend"), ("graph".into(), "default".into()));
    assert_eq!(
        setting(&s, "login_endpoint").0,
        "https://login.microsoftonline.us"
    );
    assert_eq!(setting(&s, "endpoint").0, "https://graph.microsoft.us");
    let s = show(
        &[
            ("KQLHUNT_PROFILE", "gov"),
            ("AZURE_AUTHORITY_HOST", "login.example.test"),
        ],
        &["--profile", "prod"],
    );
    assert_eq!(
        setting(&s, "profile"),
        ("prod".into(), "flag --profile".into())
    );
    assert_eq!(
        setting(&s, "login_endpoint"),
        (
            "https://login.example.test".into(),
            "env AZURE_AUTHORITY_HOST".into()
        )
    );
}

#[test]
fn bad_config_is_one_clear_line() {
    let home = tempfile::tempdir().unwrap();
    for (text, args, expect) in [
        (
            "[profiles.a]\ntenat = \"x\"\n",
            vec!["config", "show"],
            "unknown field `tenat`",
        ),
        (
            "[profiles.a]\n",
            vec!["--profile", "b", "config", "show"],
            "known profiles: a",
        ),
        (
            "[profiles.a]\nendpoint = \"http://evil.example\"\n",
            vec!["--profile", "a", "config", "show"],
            "plain http",
        ),
        (
            "not toml [",
            vec!["run", "-q", "DeviceInfo"],
            "is not valid",
        ),
    ] {
        write_config(home.path(), text);
        let out = kqlhunt(home.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("kqlhunt: error: "), "{err}");
        assert!(err.contains(expect), "{text}: {err}");
    }
}

#[test]
fn run_without_any_config_uses_the_demo_dataset() {
    let home = tempfile::tempdir().unwrap();
    let out = ok(kqlhunt(home.path())
        .args(["run", "-q", "DeviceInfo | count", "--format", "csv"])
        .output()
        .unwrap());
    assert!(out.starts_with("Count\n"), "{out}");
    assert!(!home.path().join("config").exists(), "nothing is written");
}

#[test]
fn a_remote_backend_without_sign_in_settings_says_what_is_missing() {
    let home = tempfile::tempdir().unwrap();
    let out = kqlhunt(home.path())
        .args(["--backend", "graph", "run", "-q", "DeviceInfo | count"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("needs client_id") && err.contains("AZURE_CLIENT_ID"),
        "{err}"
    );
    // And `--backend local` wins over a profile that names a remote backend.
    write_config(home.path(), CONFIG);
    let out = ok(kqlhunt(home.path())
        .args([
            "run",
            "--backend",
            "local",
            "-q",
            "DeviceInfo | count",
            "--format",
            "csv",
        ])
        .output()
        .unwrap());
    assert!(out.starts_with("Count\n"));
}
