//! The planted attack stories are present and coherent: what a hunter's query would find,
//! on the documented devices and accounts, in the documented order.

use kqlhunt::data::time::{TICKS_PER_MINUTE, TICKS_PER_SECOND, parse_datetime};
use kqlhunt::data::{Table, ValueRef};
use kqlhunt::demo::stories::*;
use kqlhunt::demo::{Catalog, generate};

fn catalog() -> Catalog {
    generate(parse_datetime("2025-03-14T15:30:00Z").expect("valid datetime"))
}

fn table<'a>(c: &'a Catalog, name: &str) -> &'a Table {
    c.get(name).unwrap_or_else(|| panic!("no table {name}"))
}

fn text<'a>(t: &'a Table, row: usize, col: &str) -> &'a str {
    let i = t
        .column_index(col)
        .unwrap_or_else(|| panic!("no column {col}"));
    match t.cell(row, i) {
        ValueRef::String(s) | ValueRef::Dynamic(s) => s,
        _ => "",
    }
}

fn time(t: &Table, row: usize) -> i64 {
    match t.cell(row, t.column_index("Timestamp").expect("Timestamp")) {
        ValueRef::DateTime(v) => v,
        other => panic!("Timestamp is {other:?}"),
    }
}

fn number(t: &Table, row: usize, col: &str) -> i64 {
    match t.cell(
        row,
        t.column_index(col)
            .unwrap_or_else(|| panic!("no column {col}")),
    ) {
        ValueRef::Int(v) => v as i64,
        ValueRef::Long(v) => v,
        other => panic!("{col} is {other:?}"),
    }
}

/// A column and a test of its text.
type Pred<'a> = (&'a str, &'a dyn Fn(&str) -> bool);

/// Rows where every (column, predicate) holds.
fn rows(t: &Table, preds: &[Pred<'_>]) -> Vec<usize> {
    (0..t.row_count())
        .filter(|&r| preds.iter().all(|(col, p)| p(text(t, r, col))))
        .collect()
}

fn eq(v: &'static str) -> impl Fn(&str) -> bool {
    move |s: &str| s.eq_ignore_ascii_case(v)
}

fn has(v: &'static str) -> impl Fn(&str) -> bool {
    move |s: &str| s.to_ascii_lowercase().contains(&v.to_ascii_lowercase())
}

fn one(t: &Table, preds: &[Pred<'_>], what: &str) -> usize {
    let found = rows(t, preds);
    assert_eq!(
        found.len(),
        1,
        "{what}: expected one row, found {}",
        found.len()
    );
    found[0]
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|&c| c != b'=').map(val).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &v)| acc | (v as u32) << (18 - 6 * i));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn phishing_mail_click_and_office_child_form_one_chain() {
    let c = catalog();
    let mail = table(&c, "EmailEvents");
    let recipients = rows(mail, &[("SenderFromAddress", &eq(PHISH_SENDER))]);
    assert_eq!(recipients.len(), 4, "the campaign reached four people");
    let m = one(
        mail,
        &[
            ("SenderFromAddress", &eq(PHISH_SENDER)),
            ("RecipientEmailAddress", &eq(VICTIM_UPN)),
        ],
        "victim mail",
    );
    assert_eq!(text(mail, m, "DeliveryAction"), "Delivered");
    let nmid = text(mail, m, "NetworkMessageId").to_string();

    let urls = table(&c, "EmailUrlInfo");
    let u = one(
        urls,
        &[("NetworkMessageId", &|s: &str| s == nmid)],
        "url of the victim mail",
    );
    assert_eq!(text(urls, u, "Url"), PHISH_URL);

    let clicks = table(&c, "UrlClickEvents");
    let k = one(clicks, &[("Url", &eq(PHISH_URL))], "click");
    assert_eq!(text(clicks, k, "AccountUpn"), VICTIM_UPN);
    assert_eq!(text(clicks, k, "NetworkMessageId"), nmid);
    assert!(time(mail, m) < time(clicks, k));

    let procs = table(&c, "DeviceProcessEvents");
    let edge = one(
        procs,
        &[
            ("FileName", &eq("msedge.exe")),
            ("ProcessCommandLine", &has(PHISH_URL)),
            ("InitiatingProcessFileName", &eq("OUTLOOK.EXE")),
        ],
        "browser opened from Outlook",
    );
    let word = one(
        procs,
        &[
            ("FileName", &eq("WINWORD.EXE")),
            ("ProcessCommandLine", &has("INV-20931.docm")),
            ("InitiatingProcessFileName", &eq("msedge.exe")),
        ],
        "Word opened by the browser",
    );
    let ps = one(
        procs,
        &[
            ("FileName", &eq("powershell.exe")),
            ("InitiatingProcessFileName", &eq("WINWORD.EXE")),
            ("ProcessCommandLine", &has("-enc ")),
        ],
        "PowerShell started by Word",
    );
    for r in [edge, word, ps] {
        assert_eq!(text(procs, r, "DeviceName"), VICTIM_DEVICE);
        assert_eq!(text(procs, r, "AccountUpn"), VICTIM_UPN);
        assert_eq!(text(procs, r, "AccountName"), VICTIM_ACCOUNT);
    }
    assert!(time(clicks, k) <= time(procs, edge));
    assert!(time(procs, edge) < time(procs, word) && time(procs, word) < time(procs, ps));
    assert_eq!(
        number(procs, word, "InitiatingProcessId"),
        number(procs, edge, "ProcessId")
    );
    assert_eq!(
        number(procs, ps, "InitiatingProcessId"),
        number(procs, word, "ProcessId")
    );

    let files = table(&c, "DeviceFileEvents");
    let f = one(
        files,
        &[("FileName", &eq("INV-20931.docm"))],
        "downloaded document",
    );
    assert_eq!(text(files, f, "DeviceName"), VICTIM_DEVICE);
    assert_eq!(text(files, f, "InitiatingProcessFileName"), "msedge.exe");
    assert_eq!(text(files, f, "FileOriginIP"), STAGING_IP);
}

#[test]
fn encoded_powershell_decodes_to_a_download_cradle() {
    let c = catalog();
    let procs = table(&c, "DeviceProcessEvents");
    let r = one(
        procs,
        &[
            ("FileName", &eq("powershell.exe")),
            ("ProcessCommandLine", &has(" -w hidden -enc ")),
        ],
        "encoded PowerShell",
    );
    let line = text(procs, r, "ProcessCommandLine");
    let b64 = line.rsplit(' ').next().unwrap_or_default();
    let bytes = decode_base64(b64);
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| u16::from_le_bytes([p[0], *p.get(1).unwrap_or(&0)]))
        .collect();
    let script = String::from_utf16(&units).expect("UTF-16LE script");
    assert!(
        script.contains("DownloadString") && script.contains("IEX"),
        "{script}"
    );
    // Benign look-alikes exist (Intune's Monday check) but come from AgentExecutor as SYSTEM.
    let benign = rows(
        procs,
        &[
            ("FileName", &eq("powershell.exe")),
            ("ProcessCommandLine", &has("-EncodedCommand")),
        ],
    );
    assert!(!benign.is_empty());
    assert!(
        benign
            .iter()
            .all(|&b| text(procs, b, "InitiatingProcessFileName") == "AgentExecutor.exe")
    );
}

#[test]
fn lolbin_downloads_leave_process_network_and_file_traces() {
    let c = catalog();
    let procs = table(&c, "DeviceProcessEvents");
    let cu = one(
        procs,
        &[
            ("FileName", &eq("certutil.exe")),
            ("ProcessCommandLine", &has("-urlcache -split -f http")),
        ],
        "certutil download",
    );
    assert_eq!(text(procs, cu, "DeviceName"), VICTIM_DEVICE);
    one(
        procs,
        &[
            ("FileName", &eq("bitsadmin.exe")),
            ("ProcessCommandLine", &has("/transfer")),
        ],
        "bitsadmin download",
    );

    let net = table(&c, "DeviceNetworkEvents");
    one(
        net,
        &[
            ("InitiatingProcessFileName", &eq("certutil.exe")),
            ("RemoteIP", &eq(STAGING_IP)),
        ],
        "certutil connection",
    );

    let files = table(&c, "DeviceFileEvents");
    let f = one(
        files,
        &[
            ("FolderPath", &eq(IMPLANT_PATH)),
            ("InitiatingProcessFileName", &eq("certutil.exe")),
        ],
        "implant written by certutil",
    );
    assert_eq!(text(files, f, "FileOriginUrl"), PAYLOAD_URL);
    let run = one(
        procs,
        &[("FolderPath", &eq(IMPLANT_PATH))],
        "implant started",
    );
    assert_eq!(
        text(files, f, "SHA256"),
        text(procs, run, "SHA256"),
        "the file that ran is the file written"
    );

    let reg = table(&c, "DeviceRegistryEvents");
    let k = one(
        reg,
        &[("RegistryValueName", &eq("UpdateService"))],
        "Run key",
    );
    assert!(text(reg, k, "RegistryKey").ends_with(r"\CurrentVersion\Run"));
    assert!(text(reg, k, "RegistryValueData").contains(IMPLANT_PATH));
}

#[test]
fn lsass_is_dumped_twice() {
    let c = catalog();
    let procs = table(&c, "DeviceProcessEvents");
    let rd = one(
        procs,
        &[
            ("FileName", &eq("rundll32.exe")),
            ("ProcessCommandLine", &has("comsvcs.dll, MiniDump")),
        ],
        "comsvcs MiniDump",
    );
    assert_eq!(text(procs, rd, "DeviceName"), VICTIM_DEVICE);
    assert_eq!(text(procs, rd, "ProcessIntegrityLevel"), "High");
    let pd = one(
        procs,
        &[
            ("FileName", &eq("procdump64.exe")),
            ("ProcessCommandLine", &has("-ma lsass.exe")),
        ],
        "ProcDump",
    );
    assert_eq!(text(procs, pd, "DeviceName"), "srv-file01.contoso.local");
    assert_eq!(text(procs, pd, "InitiatingProcessFileName"), "PSEXESVC.exe");

    let events = table(&c, "DeviceEvents");
    let access = rows(
        events,
        &[
            ("ActionType", &eq("OpenProcessApiCall")),
            ("FileName", &eq("lsass.exe")),
        ],
    );
    let by: Vec<&str> = access
        .iter()
        .map(|&r| text(events, r, "InitiatingProcessFileName"))
        .collect();
    assert_eq!(by, ["rundll32.exe", "procdump64.exe"]);
    let images = table(&c, "DeviceImageLoadEvents");
    one(
        images,
        &[
            ("FileName", &eq("comsvcs.dll")),
            ("InitiatingProcessFileName", &eq("rundll32.exe")),
        ],
        "comsvcs load",
    );
}

#[test]
fn stolen_admin_moves_laterally_over_ntlm() {
    let c = catalog();
    let logons = table(&c, "DeviceLogonEvents");
    let remote = rows(
        logons,
        &[
            ("AccountName", &eq(STOLEN_ADMIN)),
            ("LogonType", &eq("Network")),
            ("RemoteDeviceName", &eq(VICTIM_DEVICE)),
        ],
    );
    let targets: Vec<&str> = remote
        .iter()
        .map(|&r| text(logons, r, "DeviceName"))
        .collect();
    assert_eq!(
        targets,
        ["srv-file01.contoso.local", "srv-app01.contoso.local"]
    );
    assert!(
        remote.iter().all(|&r| text(logons, r, "Protocol") == "NTLM"
            && text(logons, r, "RemoteIP") == "10.0.1.27")
    );

    let procs = table(&c, "DeviceProcessEvents");
    one(
        procs,
        &[
            ("FileName", &eq("PsExec64.exe")),
            ("ProcessCommandLine", &has(r"\\srv-file01")),
        ],
        "PsExec",
    );
    one(
        procs,
        &[
            ("FileName", &eq("WMIC.exe")),
            ("ProcessCommandLine", &has("/node:srv-app01")),
        ],
        "wmic",
    );
    one(
        procs,
        &[
            ("FileName", &eq("PSEXESVC.exe")),
            ("DeviceName", &eq("srv-file01.contoso.local")),
        ],
        "PsExec service",
    );
    one(
        procs,
        &[
            ("DeviceName", &eq("srv-app01.contoso.local")),
            ("InitiatingProcessFileName", &eq("WmiPrvSE.exe")),
            ("AccountName", &eq(STOLEN_ADMIN)),
        ],
        "WMI child on the target",
    );
    let files = table(&c, "DeviceFileEvents");
    let svc = one(
        files,
        &[("FileName", &eq("PSEXESVC.exe"))],
        "PsExec service binary",
    );
    assert_eq!(text(files, svc, "ShareName"), "ADMIN$");
    assert_eq!(text(files, svc, "RequestAccountName"), STOLEN_ADMIN);

    let id = table(&c, "IdentityLogonEvents");
    let ntlm = rows(
        id,
        &[
            ("AccountName", &eq(STOLEN_ADMIN)),
            ("Protocol", &eq("Ntlm")),
            ("DeviceName", &eq(VICTIM_DEVICE)),
        ],
    );
    assert_eq!(ntlm.len(), 2);
    // The precursor: the admin's earlier, legitimate RDP session on the victim's machine.
    one(
        logons,
        &[
            ("AccountName", &eq(STOLEN_ADMIN)),
            ("LogonType", &eq("RemoteInteractive")),
            ("DeviceName", &eq(VICTIM_DEVICE)),
        ],
        "admin RDP to wks-017",
    );
}

#[test]
fn brute_force_burst_then_success() {
    let c = catalog();
    let logons = table(&c, "DeviceLogonEvents");
    let from_ip = |r: usize| text(logons, r, "RemoteIP") == BRUTE_FORCE_IP;
    let failed = rows(
        logons,
        &[
            ("ActionType", &eq("LogonFailed")),
            ("RemoteIP", &eq(BRUTE_FORCE_IP)),
        ],
    );
    assert!(failed.len() >= 30, "{} failures", failed.len());
    assert!(
        failed
            .iter()
            .all(|&r| text(logons, r, "DeviceName") == BRUTE_FORCE_TARGET)
    );
    let first = failed
        .iter()
        .map(|&r| time(logons, r))
        .min()
        .unwrap_or_default();
    let last = failed
        .iter()
        .map(|&r| time(logons, r))
        .max()
        .unwrap_or_default();
    assert!(
        last - first <= 15 * TICKS_PER_MINUTE,
        "burst spans {} minutes",
        (last - first) / TICKS_PER_MINUTE
    );
    let ok: Vec<usize> = (0..logons.row_count())
        .filter(|&r| from_ip(r) && text(logons, r, "ActionType") == "LogonSuccess")
        .collect();
    assert!(!ok.is_empty());
    assert!(
        ok.iter()
            .all(|&r| text(logons, r, "AccountName") == BRUTE_FORCED_ACCOUNT
                && time(logons, r) > last)
    );
    // Scanner noise exists too, but never more than a handful per address.
    let noise = rows(
        logons,
        &[
            ("ActionType", &eq("LogonFailed")),
            ("RemoteIPType", &eq("Public")),
        ],
    );
    assert!(noise.len() > failed.len());
}

#[test]
fn implant_beacons_every_five_minutes_to_a_rare_address() {
    let c = catalog();
    let net = table(&c, "DeviceNetworkEvents");
    let beacons = rows(net, &[("RemoteIP", &eq(C2_IP))]);
    assert!(beacons.len() > 1_000, "{} beacons", beacons.len());
    assert!(
        beacons
            .iter()
            .all(|&r| text(net, r, "DeviceName") == VICTIM_DEVICE
                && text(net, r, "InitiatingProcessFileName") == "updsvc.exe"
                && number(net, r, "RemotePort") == 443)
    );
    let mut gaps: Vec<i64> = beacons
        .windows(2)
        .map(|w| time(net, w[1]) - time(net, w[0]))
        .collect();
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2] / TICKS_PER_SECOND;
    assert!((280..=320).contains(&median), "median gap {median}s");
}

#[test]
fn every_story_has_an_alert_with_evidence() {
    let c = catalog();
    let info = table(&c, "AlertInfo");
    let ev = table(&c, "AlertEvidence");
    for (title, device) in [
        ("phishing", ""),
        ("encoded PowerShell", VICTIM_DEVICE),
        ("certutil", VICTIM_DEVICE),
        ("Run key", VICTIM_DEVICE),
        ("rare external", VICTIM_DEVICE),
        ("comsvcs", VICTIM_DEVICE),
        ("PsExec", "srv-file01.contoso.local"),
        ("ProcDump", "srv-file01.contoso.local"),
        ("WMI", "srv-app01.contoso.local"),
        ("failed logons", BRUTE_FORCE_TARGET),
    ] {
        let a = rows(
            info,
            &[("Title", &|s: &str| {
                s.to_lowercase().contains(&title.to_lowercase())
            })],
        );
        assert_eq!(a.len(), 1, "alert about {title}");
        let id = text(info, a[0], "AlertId");
        let evidence = rows(ev, &[("AlertId", &|s: &str| s == id)]);
        assert!(!evidence.is_empty(), "{title} has evidence");
        if !device.is_empty() {
            assert!(
                evidence
                    .iter()
                    .any(|&r| text(ev, r, "DeviceName") == device),
                "{title} names {device}"
            );
        }
    }
}
