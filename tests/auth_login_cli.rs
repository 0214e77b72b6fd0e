//! `kqlhunt login` on the real binary: the device code and URL on stderr, the token cached
//! owner-only; an Azure CLI profile with an `az` shim first on PATH; and the clear error
//! when there is nothing to sign in to.

mod support;

use std::path::Path;
use std::process::Stdio;

use support::login::*;

fn kqlhunt(home: &Path) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_kqlhunt"));
    cmd.env("KQLHUNT_HOME", home).stdin(Stdio::null());
    for var in kqlhunt::config::profile::ENV_VARS {
        cmd.env_remove(var);
    }
    cmd
}

fn write_config(home: &Path, text: &str) {
    std::fs::create_dir_all(home.join("config")).unwrap();
    std::fs::write(home.join("config").join("config.toml"), text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_code_login_prints_the_code_and_caches_the_token() {
    let fake = FakeLogin::start().await;
    fake.set(|s| s.device_script = ["authorization_pending"].into());
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "default_profile = \"soc\"\n[profiles.soc]\nbackend = \"graph\"\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\nlogin_endpoint = \"{}\"\n",
            fake.base
        ),
    );
    let out = kqlhunt(home.path()).arg("login").output().await.unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains(USER_CODE) && err.contains("https://microsoft.com/devicelogin"),
        "{err}"
    );
    assert!(err.contains("signed in for profile soc"), "{err}");
    assert!(
        !err.contains("fake-refresh-token") && !err.contains("eyJ"),
        "{err}"
    );
    let cache = home.path().join("data").join("tokens.json");
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(text.contains("fake-refresh-token"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir = std::fs::metadata(cache.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir & 0o077, 0, "the data dir is owner-only");
    }
    // No secret reaches the log file either.
    let log =
        std::fs::read_to_string(home.path().join("state").join("kqlhunt.log")).unwrap_or_default();
    assert!(
        !log.contains("fake-refresh-token") && !log.contains("eyJ"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_login_fails_with_one_line() {
    let fake = FakeLogin::start().await;
    fake.set(|s| s.device_end = DeviceEnd::Error("authorization_declined"));
    let home = tempfile::tempdir().unwrap();
    write_config(
        home.path(),
        &format!(
            "[profiles.soc]\ntenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\nlogin_endpoint = \"{}\"\n",
            fake.base
        ),
    );
    let out = kqlhunt(home.path())
        .args(["login", "--profile", "soc"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    let last = err.lines().last().unwrap();
    assert!(
        last.starts_with("kqlhunt: error: sign-in was refused: the sign-in was declined"),
        "{err}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn azure_cli_login_through_a_shim_on_path() {
    let home = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    let token = cli_jwt(
        serde_json::json!({"aud": "https://api.security.microsoft.com", "roles": ["AdvancedHunting.Read.All"], "exp": 1900000000u64}),
    );
    az_shim(
        bin.path(),
        &format!(
            r#"{{"accessToken":"{token}","expiresOn":"2030-03-17 17:46:40.000000","expires_on":1900000000,"tenant":"{TENANT}","tokenType":"Bearer"}}"#
        ),
        "",
        false,
    );
    write_config(
        home.path(),
        "[profiles.cli]\nbackend = \"defender\"\nauth = \"azure-cli\"\n",
    );
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = kqlhunt(home.path())
        .args(["login", "--profile", "cli"])
        .env("PATH", path)
        .output()
        .await
        .unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("sign-in works for profile cli (azure-cli, defender)"),
        "{err}"
    );
    assert!(err.contains("2030-03-17T"), "{err}");
    assert!(!err.contains(&token));
}

#[tokio::test]
async fn login_without_a_remote_profile_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = kqlhunt(home.path()).arg("login").output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("nothing to sign in to") && err.contains("config.toml"),
        "{err}"
    );
}
