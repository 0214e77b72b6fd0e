//! `kqlhunt run` end to end: the real binary on the demo dataset, every input route and
//! output format, and the exit codes.

use std::io::Write;
use std::process::{Command, Stdio};

fn kqlhunt() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kqlhunt"));
    let home = std::env::temp_dir().join(format!("kqlhunt-cli-test-{}", std::process::id()));
    cmd.env("KQLHUNT_HOME", home).env_remove("NO_COLOR");
    cmd
}

fn run_ok(args: &[&str]) -> String {
    let out = kqlhunt().args(args).stdin(Stdio::null()).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn jsonl_when_piped_one_object_per_row() {
    let out = run_ok(&[
        "run",
        "-q",
        r#"DeviceProcessEvents | where FileName =~ "powershell.exe" | take 20"#,
    ]);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!rows.is_empty() && rows.len() <= 20, "{} rows", rows.len());
    for row in &rows {
        assert!(
            row["FileName"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("powershell.exe")
        );
        assert!(row["Timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn every_format() {
    let q = "DeviceInfo | project DeviceName, Timestamp | take 3";
    let csv = run_ok(&["run", "-q", q, "--format", "csv"]);
    assert_eq!(csv.lines().next(), Some("DeviceName,Timestamp"));
    assert_eq!(csv.lines().count(), 4);
    let json: serde_json::Value =
        serde_json::from_str(&run_ok(&["run", "-q", q, "--format", "json"])).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    let table = run_ok(&["run", "-q", q, "--format", "table"]);
    assert!(table.starts_with("DeviceName"), "{table}");
    assert_eq!(table.lines().count(), 5, "header, rule, three rows");
}

#[test]
fn query_from_a_file_and_from_stdin() {
    let path = std::env::temp_dir().join(format!("kqlhunt-cli-{}.kql", std::process::id()));
    std::fs::write(&path, "DeviceLogonEvents\n| count\n").unwrap();
    let out = run_ok(&["run", "-f", path.to_str().unwrap(), "--format", "csv"]);
    assert!(out.starts_with("Count\n"), "{out}");
    std::fs::remove_file(&path).unwrap();

    let mut child = kqlhunt()
        .args(["run", "--format", "csv"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"DeviceInfo | count")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with("Count\n")
    );
}

#[test]
fn errors_are_one_line_on_stderr_with_a_non_zero_exit() {
    for (args, expect) in [
        (
            vec!["run", "-q", "DeviceProcessEvents | evaluate autocluster()"],
            "not supported locally: evaluate autocluster()",
        ),
        (
            vec!["run", "-q", "NoSuchTable | take 1"],
            "Failed to resolve table expression named 'NoSuchTable'",
        ),
        (vec!["run", "-q", "DeviceInfo | where"], "syntax error"),
        (
            vec!["run", "-f", "/nonexistent/q.kql"],
            "cannot read /nonexistent/q.kql",
        ),
        (vec!["run", "-q", "   "], "the query is empty"),
    ] {
        let out = kqlhunt().args(&args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("kqlhunt: error: "), "{err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn the_workbench_refuses_a_pipe_with_a_pointer_to_run() {
    let out = kqlhunt().stdin(Stdio::null()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("the workbench needs a terminal") && err.contains("kqlhunt run"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no escape sequences were written to the pipe"
    );
}

#[test]
fn data_files_are_tables_named_after_the_file() {
    let dir = std::env::temp_dir().join(format!("kqlhunt-cli-files-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("iocs.csv");
    std::fs::write(&csv, "Sha1,Score\naa,10\nbb,90\ncc,95\n").unwrap();
    let jsonl = dir.join("seen.jsonl");
    std::fs::write(&jsonl, "{\"Sha1\":\"bb\",\"Host\":\"wks-1\"}\n").unwrap();
    let out = run_ok(&[
        "run",
        "--table",
        jsonl.to_str().unwrap(),
        "-q",
        "seen | project Host, Sha1",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "Host,Sha1\nwks-1,bb\n");
    let out = run_ok(&[
        "run",
        "-t",
        csv.to_str().unwrap(),
        "-q",
        "iocs | where Score > 50 | project Sha1",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "Sha1\nbb\ncc\n");

    // A file that cannot be read is one line naming it, and nothing runs.
    let bad = dir.join("broken.csv");
    std::fs::write(&bad, "A,B\n1\n").unwrap();
    let out = kqlhunt()
        .args(["run", "-t", bad.to_str().unwrap(), "-q", "broken | count"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("broken.csv") && err.contains("line 2"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn output_files_take_their_format_from_the_name_and_never_stay_half_written() {
    let dir = std::env::temp_dir().join(format!("kqlhunt-cli-output-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let q = "datatable(Name:string, N:long) [\"a\\tb\", 1, \"c\", 2]";
    for (name, expected) in [
        ("out.tsv", "Name\tN\n\"a\tb\"\t1\nc\t2\n"),
        ("out.csv", "Name,N\na\tb,1\nc,2\n"),
        (
            "out.jsonl",
            "{\"Name\":\"a\\tb\",\"N\":1}\n{\"Name\":\"c\",\"N\":2}\n",
        ),
    ] {
        let path = dir.join(name);
        let out = run_ok(&["run", "-q", q, "--output", path.to_str().unwrap()]);
        assert_eq!(out, "", "nothing on stdout when writing a file");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected, "{name}");
    }
    // A failing run leaves neither the file nor its partial twin.
    let path = dir.join("bad.csv");
    let out = kqlhunt()
        .args([
            "run",
            "-q",
            "NoSuchTable | take 1",
            "-o",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!path.exists() && !dir.join("bad.csv.partial").exists());
    // An unknown extension asks for --format.
    let out = kqlhunt()
        .args(["run", "-q", q, "-o", dir.join("x.xlsx").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format"));
    let _ = std::fs::remove_dir_all(&dir);
}
