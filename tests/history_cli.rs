//! `kqlhunt run` records every query it runs in the same history the workbench reads: the
//! real binary on the demo dataset, a success and a failure in one invocation, the file
//! owner-only under `KQLHUNT_HOME/state`.

use std::process::{Command, Stdio};

use kqlhunt::history::{Client, Outcome, Store};

#[test]
fn kqlhunt_run_writes_one_line_per_query() {
    let home = tempfile::tempdir().unwrap();
    let queries = home.path().join("hunt.kql");
    std::fs::write(
        &queries,
        "DeviceInfo\n| project DeviceName\n| take 3\n\nNoSuchTable | take 1\n",
    )
    .unwrap();
    let before = kqlhunt::data::time::now_ticks();
    let out = Command::new(env!("CARGO_BIN_EXE_kqlhunt"))
        .env("KQLHUNT_HOME", home.path())
        .args(["run", "--format", "csv", "-f"])
        .arg(&queries)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "one of the two queries fails");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("history"), "{stderr}");

    let path = home.path().join("state").join("history.jsonl");
    let runs = Store::at(path.clone()).load().unwrap();
    assert_eq!(runs.skipped(), 0);
    // Recorded as each ends: local queries run at once, so in either order.
    let [a, b] = runs.entries() else {
        panic!("two runs, got {:?}", runs.entries())
    };
    let (ok, failed) = if a.outcome == Outcome::Ok {
        (a, b)
    } else {
        (b, a)
    };
    assert_eq!(ok.query, "DeviceInfo\n| project DeviceName\n| take 3");
    assert_eq!(
        (ok.outcome, ok.rows, ok.client, ok.backend.as_str()),
        (Outcome::Ok, Some(3), Client::Run, "local")
    );
    assert_eq!(ok.name.as_deref(), Some("$1"));
    assert_eq!(ok.profile, None, "no config file, no profile name");
    assert!(ok.at >= before - 10_000_000 && ok.at <= kqlhunt::data::time::now_ticks());
    assert_eq!(failed.outcome, Outcome::Failed);
    assert!(
        failed.error.as_deref().unwrap().contains("NoSuchTable"),
        "{failed:?}"
    );
    assert_eq!(ok.session, failed.session, "one invocation, one session");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
