//! `kqlhunt lint` as a process: exit codes, rustc-style text, JSON, folders and Markdown.

use std::path::Path;
use std::process::Command;

fn kqlhunt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kqlhunt"))
        .args(args)
        .env("KQLHUNT_LOG", "off")
        .output()
        .expect("run kqlhunt");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(p, text).unwrap();
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kqlhunt-lint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn errors_exit_1_warnings_exit_0() {
    let dir = scratch("exit");
    write(
        &dir,
        "good.kql",
        "DeviceProcessEvents\n| where Timestamp > ago(1d)\n| where FileName contains \"mimikatz\"\n",
    );
    write(
        &dir,
        "bad.kql",
        "DeviceProcessEvents\n| where Timestamp > ago(1d)\n| where FileNme == 'x'\n",
    );
    let good = dir.join("good.kql");
    let (code, out, _) = kqlhunt(&["lint", good.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[KQL007]"), "{out}");
    assert!(out.contains("0 errors, 1 warning in 1 file"), "{out}");

    let bad = dir.join("bad.kql");
    let (code, out, err) = kqlhunt(&["lint", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    let expected_loc = format!("--> {}:3:9", bad.display());
    assert!(out.contains(&expected_loc), "{out}");
    assert!(out.contains("3 | | where FileNme == 'x'"), "{out}");
    assert!(out.contains("  |         ^^^^^^^"), "{out}");
    assert!(out.contains("= help: did you mean `FileName`?"), "{out}");
    assert!(err.contains("lint found 1 error in 1 file"), "{err}");
}

#[test]
fn json_for_ci_and_markdown_in_folders() {
    let dir = scratch("json");
    write(
        &dir,
        "docs/hunt.md",
        "# Hunt\n\nSome text.\n\n```kql\nDeviceProcessEvents\n| where Timestamp > ago(90d)\n```\n\n```python\nprint('x')\n```\n",
    );
    write(&dir, ".git/ignored.kql", "garbage |||");
    write(&dir, "notes.txt", "not kql");
    let (code, out, _) = kqlhunt(&["lint", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON array");
    let items = v.as_array().expect("array");
    assert_eq!(items.len(), 1, "{out}");
    assert_eq!(items[0]["code"], "KQL005");
    assert_eq!(items[0]["severity"], "warning");
    assert_eq!(items[0]["line"], 7);
    assert_eq!(items[0]["column"], 25);
    assert!(items[0]["file"].as_str().unwrap().ends_with("hunt.md"));

    let (code, out, _) = kqlhunt(&[
        "lint",
        "--format",
        "json",
        dir.join("notes.txt").to_str().unwrap(),
    ]);
    // An explicitly named file is linted whatever its extension.
    assert_eq!(code, 1, "{out}");
}

#[test]
fn missing_paths_and_control_characters() {
    let (code, _, err) = kqlhunt(&["lint", "/definitely/not/here.kql"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot read /definitely/not/here.kql"),
        "{err}"
    );
    let (code, _, _) = kqlhunt(&["lint"]);
    assert_eq!(code, 2, "usage error");

    let dir = scratch("ctl");
    write(
        &dir,
        "evil.kql",
        "DeviceProcessEvents | where Timestamp > ago(1d) | where \u{1b}]0;owned\u{7} == 1\n",
    );
    let (_, out, _) = kqlhunt(&["lint", dir.join("evil.kql").to_str().unwrap()]);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("\\x1b"), "{out}");
}
