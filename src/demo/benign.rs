//! Everyday, benign activity: people logging on in the morning and working in Outlook,
//! Office, browsers and shells on weekdays; Defender, Intune, scheduled tasks and name
//! lookups around the clock; servers serving files, web pages and SQL; admins using RDP;
//! mail flowing in and out; the internet knocking on the jump server. This is the haystack
//! the planted stories hide in, so it deliberately contains look-alikes (encoded PowerShell
//! from Intune, admin RDP, failed logons, Run keys).

use super::org::{Dept, EGRESS_IP, NETWORK_SERVICE, Role, UPN_SUFFIX};
use super::rng::encode_powershell;
use super::world::{
    DAY, DevEv, DevSnapshot, Elev, EmailEv, EmailUrl, HOUR, IdLogon, LogonEv, MIN, SEC, Sess,
    UrlClick, Workday, World,
};

/// Day of the week of a midnight, 0 = Monday (1970-01-01 was a Thursday).
pub(crate) fn weekday(day: i64) -> i64 {
    (day.div_euclid(DAY) + 3).rem_euclid(7)
}

pub(crate) fn is_weekend(day: i64) -> bool {
    weekday(day) >= 5
}

/// Web destinations of ordinary browsing: host and a public address it resolves to.
const SITES: [(&str, &str); 14] = [
    ("www.office.com", "13.107.6.156"),
    ("login.microsoftonline.com", "20.190.151.6"),
    ("contoso.sharepoint.com", "13.107.136.10"),
    ("www.bing.com", "13.107.21.200"),
    ("github.com", "140.82.121.4"),
    ("stackoverflow.com", "104.18.32.7"),
    ("www.google.com", "142.250.185.68"),
    ("docs.python.org", "151.101.0.223"),
    ("www.linkedin.com", "13.107.42.14"),
    ("www.wikipedia.org", "185.15.59.224"),
    ("www.fabrikam.com", "20.76.201.171"),
    ("www.tailspintoys.com", "20.43.161.105"),
    ("learn.microsoft.com", "23.53.122.40"),
    ("portal.azure.com", "13.107.246.40"),
];

const PARTNERS: [&str; 6] = [
    "fabrikam.com",
    "tailspintoys.com",
    "wingtiptoys.com",
    "northwindtraders.com",
    "adventure-works.com",
    "litwareinc.com",
];

const FIRST: [&str; 12] = [
    "alex", "morgan", "sasha", "robin", "kim", "lee", "noa", "ari", "jess", "toni", "remy", "sky",
];
const LAST: [&str; 10] = [
    "berg", "costa", "diaz", "evans", "fischer", "garcia", "holm", "iqbal", "jensen", "klein",
];

const SUBJECTS: [&str; 16] = [
    "Re: Q3 forecast review",
    "Updated price list",
    "Meeting notes - project sync",
    "Invoice 4471 attached",
    "Shipping confirmation",
    "Re: contract renewal",
    "Lunch on Friday?",
    "Your weekly report",
    "Action required: timesheet",
    "Re: onboarding checklist",
    "Agenda for Tuesday",
    "Fw: customer feedback",
    "Purchase order PO-20817",
    "Team offsite - save the date",
    "Re: budget approval",
    "Webinar invitation",
];

const DOCS: [&str; 12] = [
    "Budget 2025",
    "Q3 Forecast",
    "Customer List",
    "Project Plan",
    "Meeting Notes",
    "Sales Pipeline",
    "Onboarding",
    "Expense Report",
    "Roadmap",
    "Pricing",
    "Status Update",
    "Board Deck",
];

const DOWNLOADS: [(&str, i64); 8] = [
    ("statement_0914.pdf", 184_320),
    ("agenda.pdf", 96_256),
    ("report-q3.pdf", 1_245_184),
    ("contract_signed.pdf", 412_672),
    ("price-list.xlsx", 58_368),
    ("photos.zip", 14_680_064),
    ("slides.pptx", 3_342_336),
    ("notes.txt", 2_048),
];

pub(crate) fn image_path(w: &World, name: &str) -> String {
    w.org
        .images
        .get(w.org.image(name) as usize)
        .map_or_else(String::new, |i| i.path.clone())
}

pub(crate) fn user_name(w: &World, acct: u16) -> String {
    w.org
        .accounts
        .get(acct as usize)
        .map_or_else(String::new, |a| a.name.clone())
}

pub(crate) fn dev_ip(w: &World, dev: u16) -> String {
    w.org
        .devices
        .get(dev as usize)
        .map_or_else(String::new, |d| d.ip.clone())
}

pub(crate) fn dev_name(w: &World, dev: u16) -> String {
    w.org
        .devices
        .get(dev as usize)
        .map_or_else(String::new, |d| d.name.clone())
}

fn dept(w: &World, acct: u16) -> Dept {
    w.org
        .accounts
        .get(acct as usize)
        .map_or(Dept::Unknown, |a| a.dept)
}

/// People in IT, and Jordan Hale (a leftover exception), are local admins on their PCs.
pub(crate) fn is_local_admin(w: &World, acct: u16) -> bool {
    dept(w, acct) == Dept::It || user_name(w, acct) == "jhale"
}

pub(crate) fn generate(w: &mut World) {
    let days: Vec<i64> = w.days().collect();
    let devices = w.org.devices.len() as u16;
    for &day in &days {
        for dev in 0..devices {
            background(w, dev, day);
            let role = w.org.devices[dev as usize].role;
            match role {
                Role::Workstation => {
                    if let Some(user) = who_works(w, dev, day) {
                        workstation_day(w, dev, day, user);
                    }
                }
                _ => server_day(w, dev, day, role),
            }
            let ts = day + w.rng.range(0, DAY);
            w.dev_info.push(DevSnapshot { ts, dev });
        }
        if !is_weekend(day) {
            mail_day(w, day);
            admin_rdp(w, day);
        }
        jump_noise(w, day);
    }
}

/// Who sits at a workstation on a given day, if anyone.
fn who_works(w: &mut World, dev: u16, day: i64) -> Option<u16> {
    let owner = w.org.devices[dev as usize].owner;
    let weekend = is_weekend(day);
    match owner {
        Some(user) => {
            let p = if weekend { 0.05 } else { 0.93 };
            w.rng.chance(p).then_some(user)
        }
        None => {
            // Hot desks: used on about half the weekdays by someone from sales or finance.
            if weekend || !w.rng.chance(0.5) {
                return None;
            }
            let first = w.org.users().start;
            Some(first + w.rng.below(17) as u16)
        }
    }
}

/// The interactive day for `dev` on `day`, generating it if the benign pass did not.
pub(crate) fn ensure_workday(w: &mut World, dev: u16, day: i64) -> Workday {
    if let Some(wd) = w.workdays.get(&(dev, day)) {
        return *wd;
    }
    let user = w.org.devices[dev as usize]
        .owner
        .unwrap_or(w.org.users().start);
    workstation_day(w, dev, day, user)
}

fn workstation_day(w: &mut World, dev: u16, day: i64, user: u16) -> Workday {
    let roots = w.roots[dev as usize];
    let logon = day + 7 * HOUR + 30 * MIN + w.rng.jitter(50 * MIN);
    let logoff = logon + 8 * HOUR + 30 * MIN + w.rng.jitter(60 * MIN);
    let logon_id = w.rng.range(0x10_0000, 0x800_0000);
    let session = 1 + w.rng.range(0, 3);
    let sess = Sess {
        dev,
        acct: user,
        logon_id,
        elev: Elev::Limited,
        session,
    };
    let admin = is_local_admin(w, user);
    let name = user_name(w, user);

    if w.rng.chance(0.05) {
        w.logons.push(LogonEv {
            ts: logon - 25 * SEC,
            dev,
            proc: Some(roots.lsass),
            action: "LogonFailed",
            logon_type: "Interactive",
            acct: user,
            protocol: "Negotiate",
            failure: "InvalidUserNameOrPassword",
            ..LogonEv::default()
        });
        identity(
            w,
            logon - 24 * SEC,
            "LogonFailed",
            user,
            dev,
            None,
            "WrongPassword",
        );
    }
    w.logons.push(LogonEv {
        ts: logon,
        dev,
        proc: Some(roots.lsass),
        action: "LogonSuccess",
        logon_type: "Interactive",
        acct: user,
        protocol: "Negotiate",
        local_admin: Some(admin),
        logon_id: Some(logon_id),
        ..LogonEv::default()
    });
    identity(w, logon + SEC, "LogonSuccess", user, dev, None, "");

    let userinit = w.spawn(
        sess,
        Some(roots.winlogon),
        "userinit.exe",
        r"C:\Windows\system32\userinit.exe",
        logon + 2 * SEC,
    );
    let explorer = w.spawn(
        sess,
        Some(userinit),
        "explorer.exe",
        r"C:\Windows\Explorer.EXE",
        logon + 4 * SEC,
    );
    let onedrive = w.spawn(
        sess,
        Some(explorer),
        "OneDrive.exe",
        r#""C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background"#,
        logon + 20 * SEC,
    );
    let teams_path = image_path(w, "ms-teams.exe");
    let teams = w.spawn(
        sess,
        Some(explorer),
        "ms-teams.exe",
        format!(r#""{teams_path}" msteams:system-initiated"#),
        logon + 25 * SEC,
    );
    let outlook_path = image_path(w, "OUTLOOK.EXE");
    let outlook = w.spawn(
        sess,
        Some(explorer),
        "OUTLOOK.EXE",
        format!(r#""{outlook_path}" "#),
        logon + 2 * MIN,
    );
    let sid = w.org.accounts[user as usize].sid.clone();
    w.registry(
        logon + 21 * SEC,
        onedrive,
        format!(r"HKEY_CURRENT_USER\{sid}\SOFTWARE\Microsoft\Windows\CurrentVersion\Run"),
        "OneDrive",
        r#""C:\Program Files\Microsoft OneDrive\OneDrive.exe" /background"#.to_string(),
    );
    if w.rng.chance(0.5) {
        w.connect(
            logon + 22 * SEC,
            onedrive,
            "13.107.138.10",
            443,
            "contoso-my.sharepoint.com",
        );
    }
    if w.rng.chance(0.5) {
        w.connect(
            logon + 27 * SEC,
            teams,
            "52.113.194.132",
            443,
            "teams.microsoft.com",
        );
    }
    w.connect(
        logon + 2 * MIN + 3 * SEC,
        outlook,
        "52.96.88.146",
        443,
        "outlook.office365.com",
    );

    for _ in 0..w.rng.range(0, 3) {
        let ts = w.rng.range(logon + HOUR, logoff);
        w.logons.push(LogonEv {
            ts,
            dev,
            proc: Some(roots.lsass),
            action: "LogonSuccess",
            logon_type: "Unlock",
            acct: user,
            protocol: "Negotiate",
            local_admin: Some(admin),
            logon_id: Some(w.rng.range(0x10_0000, 0x800_0000)),
            ..LogonEv::default()
        });
    }

    let weights: [u32; 7] = match dept(w, user) {
        Dept::Engineering => [22, 8, 12, 22, 8, 6, 4],
        Dept::It => [18, 6, 10, 26, 8, 8, 3],
        _ => [30, 24, 10, 2, 12, 6, 6],
    };
    let mut browser = None;
    let chrome = user.is_multiple_of(5);
    let mut times: Vec<i64> = (0..w.rng.range(7, 14))
        .map(|_| w.rng.range(logon + 10 * MIN, logoff))
        .collect();
    times.sort_unstable();
    for t in times {
        match w.rng.weighted(&weights) {
            0 => {
                browse(w, sess, explorer, &mut browser, chrome, t);
            }
            1 => office_doc(w, sess, explorer, &name, t),
            2 => {
                let (p, ip, host) = if w.rng.chance(0.5) {
                    (outlook, "52.96.88.146", "outlook.office365.com")
                } else {
                    (teams, "52.112.100.46", "teams.microsoft.com")
                };
                w.connect(t, p, ip, 443, host);
            }
            3 => shell(w, sess, explorer, t),
            4 => file_share(w, sess, t),
            5 => {
                let doc = format!(
                    r"C:\Users\{name}\Documents\{}.txt",
                    w.rng.pick(&["todo", "notes", "scratch"])
                );
                let p = w.spawn(
                    sess,
                    Some(explorer),
                    "notepad.exe",
                    format!(r#""C:\Windows\system32\NOTEPAD.EXE" {doc}"#),
                    t,
                );
                let size = w.rng.range(200, 9_000);
                let ts = t + w.rng.range(MIN, 30 * MIN);
                w.file(ts, p, "FileModified", &doc, size);
            }
            _ => {
                let b = browse(w, sess, explorer, &mut browser, chrome, t);
                let (file, size) = *w.rng.pick(&DOWNLOADS);
                let (host, ip) = *w.rng.pick(&SITES);
                let path = format!(r"C:\Users\{name}\Downloads\{file}");
                let ev = w.file(t + 20 * SEC, b, "FileCreated", &path, size);
                ev.origin_url = format!("https://{host}/files/{file}");
                ev.referrer = format!("https://{host}/");
                ev.origin_ip = ip.to_string();
            }
        }
    }
    let wd = Workday {
        sess,
        logon,
        logoff,
        explorer,
        outlook,
    };
    w.workdays.insert((dev, day), wd);
    wd
}

/// Start (or reuse) the user's browser and make a few connections.
fn browse(
    w: &mut World,
    sess: Sess,
    explorer: u32,
    browser: &mut Option<u32>,
    chrome: bool,
    t: i64,
) -> u32 {
    let exe = if chrome { "chrome.exe" } else { "msedge.exe" };
    let path = image_path(w, exe);
    let b = match *browser {
        Some(b) => b,
        None => {
            let b = w.spawn(sess, Some(explorer), exe, format!(r#""{path}" "#), t);
            w.spawn(
                sess,
                Some(b),
                exe,
                format!(r#""{path}" --type=gpu-process --gpu-preferences=UAAAAAAAAADgAAAMAAAAAAAAAAAAAAAAAABgAAAAAAA --mojo-platform-channel-handle=2024 /prefetch:2"#),
                t + SEC,
            );
            w.spawn(
                sess,
                Some(b),
                exe,
                format!(r#""{path}" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle=2256 /prefetch:3"#),
                t + SEC,
            );
            *browser = Some(b);
            b
        }
    };
    if w.rng.chance(0.6) {
        let n = w.rng.range(3, 40);
        w.spawn(
            sess,
            Some(b),
            exe,
            format!(r#""{path}" --type=renderer --lang=en-US --renderer-client-id={n} --time-ticks-at-unix-epoch=-1729 --launch-time-ticks=83{n}1 --mojo-platform-channel-handle=3{n}12 /prefetch:1"#),
            t + 2 * SEC,
        );
    }
    for k in 0..w.rng.range(1, 3) {
        let (host, ip) = *w.rng.pick(&SITES);
        let ts = t + k * w.rng.range(2 * SEC, 90 * SEC);
        w.connect(ts, b, ip, 443, host);
    }
    b
}

fn office_doc(w: &mut World, sess: Sess, explorer: u32, user: &str, t: i64) {
    let (exe, ext) = *w.rng.pick(&[
        ("WINWORD.EXE", "docx"),
        ("EXCEL.EXE", "xlsx"),
        ("POWERPNT.EXE", "pptx"),
    ]);
    let doc = format!(
        r"C:\Users\{user}\OneDrive - Contoso\Documents\{}.{ext}",
        w.rng.pick(&DOCS)
    );
    let path = image_path(w, exe);
    let p = w.spawn(
        sess,
        Some(explorer),
        exe,
        format!(r#""{path}" /n "{doc}" /o """#),
        t,
    );
    w.connect(
        t + 4 * SEC,
        p,
        "52.109.8.21",
        443,
        "officeclient.microsoft.com",
    );
    if w.rng.chance(0.6) {
        let size = w.rng.range(20_000, 4_000_000);
        let ts = t + w.rng.range(2 * MIN, 50 * MIN);
        w.file(ts, p, "FileModified", &doc, size);
    }
}

fn shell(w: &mut World, sess: Sess, explorer: u32, t: i64) {
    match w.rng.below(3) {
        0 => {
            let cmd = w.spawn_console(
                sess,
                Some(explorer),
                "cmd.exe",
                r#""C:\Windows\system32\cmd.exe" "#,
                t,
            );
            for k in 0..w.rng.range(1, 4) {
                let (exe, line) = *w.rng.pick(&[
                    ("ipconfig.exe", "ipconfig  /all"),
                    ("PING.EXE", "ping  -n 4 srv-file01"),
                    ("nslookup.exe", "nslookup  github.com"),
                    ("whoami.exe", "whoami"),
                    ("HOSTNAME.EXE", "hostname"),
                    ("gpupdate.exe", "gpupdate  /force"),
                    ("git.exe", "git  pull --rebase"),
                ]);
                let ts = t + (k + 1) * w.rng.range(5 * SEC, 3 * MIN);
                w.spawn(sess, Some(cmd), exe, line, ts);
            }
        }
        1 => {
            let ps = w.spawn_console(
                sess,
                Some(explorer),
                "powershell.exe",
                r#""C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe" "#,
                t,
            );
            w.image_load(t + SEC / 2, ps, "System.Management.Automation.dll");
            w.image_load(t + SEC / 2, ps, "amsi.dll");
            for k in 0..w.rng.range(1, 4) {
                let command = *w.rng.pick(&[
                    "Get-Service",
                    "Get-ChildItem",
                    "Get-Process",
                    "Test-NetConnection",
                    "Get-ADUser",
                    "Import-Module",
                    "Get-Content",
                ]);
                w.dev_events.push(DevEv {
                    ts: t + (k + 1) * w.rng.range(10 * SEC, 4 * MIN),
                    proc: ps,
                    action: "PowerShellCommand",
                    additional: format!(r#"{{"Command":"{command}"}}"#),
                    ..DevEv::default()
                });
            }
        }
        _ => {
            let code = w.spawn(
                sess,
                Some(explorer),
                "Code.exe",
                r#""C:\Program Files\Microsoft VS Code\Code.exe" "#,
                t,
            );
            let git = w.spawn(
                sess,
                Some(code),
                "git.exe",
                "git.exe fetch --all",
                t + 40 * SEC,
            );
            w.connect(t + 41 * SEC, git, "140.82.121.4", 443, "github.com");
        }
    }
}

/// Opening and saving a document on the file server's share: traffic on both sides, the
/// file event on the server (SMB, with the requesting account and address), and the
/// Kerberos service ticket the domain controller sees.
fn file_share(w: &mut World, sess: Sess, t: i64) {
    let fs = w.org.device("srv-file01");
    let share = match dept(w, sess.acct) {
        Dept::Finance => "Finance",
        Dept::Hr => "HR",
        Dept::Sales => "Sales",
        _ => "Shared",
    };
    let src_ip = dev_ip(w, sess.dev);
    let src_system = w.roots[sess.dev as usize].system;
    let fs_system = w.roots[fs as usize].system;
    w.connect(t, src_system, "10.0.0.20", 445, "");
    w.accept(t, fs_system, &src_ip, 445);
    identity(w, t, "LogonSuccess", sess.acct, sess.dev, Some(fs), "");
    let path = format!(
        r"D:\Shares\{share}\{} {}.xlsx",
        w.rng.pick(&DOCS),
        w.rng.range(1, 13)
    );
    let size = w.rng.range(30_000, 2_000_000);
    let port = w.ephemeral_port();
    let action = if w.rng.chance(0.3) {
        "FileCreated"
    } else {
        "FileModified"
    };
    let ts = t + w.rng.range(MIN, 20 * MIN);
    let ev = w.file(ts, fs_system, action, &path, size);
    ev.req_protocol = "SMB";
    ev.req_ip = src_ip;
    ev.req_port = Some(port);
    ev.req_acct = Some(sess.acct);
    ev.share = share;
}

/// An `IdentityLogonEvents` row as the domain controller sees it.
pub(crate) fn identity(
    w: &mut World,
    ts: i64,
    action: &'static str,
    acct: u16,
    dev: u16,
    target: Option<u16>,
    failure: &'static str,
) {
    let ip = dev_ip(w, dev);
    let port = w.ephemeral_port();
    let (logon_type, additional) = match target {
        Some(t) => {
            let host = dev_name(w, t);
            let short = host.split('.').next().unwrap_or_default().to_string();
            (
                "Resource access",
                format!(r#"{{"Spns":"cifs/{short}","Count":"1"}}"#),
            )
        }
        None => (
            "Credentials validation",
            r#"{"Spns":"krbtgt/CONTOSO.LOCAL","Count":"1"}"#.to_string(),
        ),
    };
    let report_id = w.report_id();
    w.id_logons.push(IdLogon {
        ts,
        action,
        logon_type,
        protocol: "Kerberos",
        failure,
        acct,
        dev: Some(dev),
        ip,
        port,
        dest_port: 88,
        target,
        additional,
        report_id,
    });
}

/// Defender, Intune, scheduled tasks, WMI, name lookups and Kerberos: every device, every day.
fn background(w: &mut World, dev: u16, day: i64) {
    let r = w.roots[dev as usize];
    let sys = World::system(dev);
    let role = w.org.devices[dev as usize].role;

    let t = day + w.rng.range(0, DAY);
    let mp = w.spawn_console(
        sys,
        Some(r.msmpeng),
        "MpCmdRun.exe",
        r#""C:\ProgramData\Microsoft\Windows Defender\platform\4.18.24090.11-0\MpCmdRun.exe" SignatureUpdate -ScheduleJob -RestrictPrivileges -DefinitionUpdateAndPlatformUpdate"#,
        t,
    );
    if w.rng.chance(0.5) {
        w.connect(
            t + 2 * SEC,
            mp,
            "20.7.1.246",
            443,
            "definitionupdates.microsoft.com",
        );
    }
    let sig = format!("1.421.{}.0", 1200 + (day.div_euclid(DAY) % 1000));
    w.registry(
        t + 40 * SEC,
        r.msmpeng,
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows Defender\Signature Updates".to_string(),
        "AVSignatureVersion",
        sig,
    );
    let scan = day + 2 * HOUR + w.rng.range(0, HOUR);
    w.dev_events.push(DevEv {
        ts: scan,
        proc: r.msmpeng,
        action: "AntivirusScanCompleted",
        additional: r#"{"ScanTypeIndex":1,"ScanTypeName":"Quick"}"#.to_string(),
        ..DevEv::default()
    });

    for _ in 0..w.rng.range(1, 3) {
        let ts = day + w.rng.range(0, DAY);
        w.spawn(
            sys,
            Some(r.svc_netsvcs),
            "taskhostw.exe",
            "taskhostw.exe",
            ts,
        );
    }
    if w.rng.chance(0.6) {
        let ts = day + w.rng.range(0, DAY);
        let ns = Sess {
            dev,
            acct: NETWORK_SERVICE,
            logon_id: 996,
            elev: Elev::System,
            session: 0,
        };
        w.spawn(
            ns,
            Some(r.svc_dcom),
            "WmiPrvSE.exe",
            r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",
            ts,
        );
    }
    if w.rng.chance(0.3) {
        let ts = day + w.rng.range(0, DAY);
        let ct = w.spawn_console(
            sys,
            Some(r.svc_netsvcs),
            "CompatTelRunner.exe",
            r"C:\Windows\system32\compattelrunner.exe",
            ts,
        );
        w.connect(
            ts + 10 * SEC,
            ct,
            "20.42.65.92",
            443,
            "v10.events.data.microsoft.com",
        );
    }
    if w.rng.chance(0.7) {
        let ts = day + w.rng.range(0, DAY);
        w.connect(
            ts,
            r.mssense,
            "20.50.201.195",
            443,
            "winatp-gw-weu.microsoft.com",
        );
    }
    if w.rng.chance(0.4) {
        let ts = day + w.rng.range(0, DAY);
        w.connect(
            ts,
            r.svc_netsvcs,
            "13.107.4.50",
            443,
            "fe3cr.delivery.mp.microsoft.com",
        );
    }
    if role != Role::DomainController {
        for _ in 0..w.rng.range(0, 3) {
            let ts = day + w.rng.range(0, DAY);
            w.connect(ts, r.svc_dns, "10.0.0.10", 53, "");
        }
        let dc = w.org.device("dc01");
        let dc_lsass = w.roots[dc as usize].lsass;
        let ip = dev_ip(w, dev);
        for _ in 0..w.rng.range(0, 2) {
            let ts = day + w.rng.range(0, DAY);
            let port = *w.rng.pick(&[88, 389, 445]);
            w.connect(ts, r.lsass, "10.0.0.10", port, "");
            if w.rng.chance(0.5) {
                w.accept(ts, dc_lsass, &ip, port);
            }
        }
    }
    if let Some(ime) = r.ime
        && w.rng.chance(0.5)
    {
        let ts = day + w.rng.range(0, DAY);
        let agent = w.spawn(
            sys,
            Some(ime),
            "AgentExecutor.exe",
            r#""C:\Program Files (x86)\Microsoft Intune Management Extension\agentexecutor.exe" -powershell "C:\Program Files (x86)\Microsoft Intune Management Extension\Policies\Scripts\3f1c8a2e-5d1b-4c7e-9a0f-2b6d4e8c1a7f_1.ps1" "C:\Program Files (x86)\Microsoft Intune Management Extension\Policies\Results\3f1c8a2e-5d1b-4c7e-9a0f-2b6d4e8c1a7f_1.output" "C:\WINDOWS\System32\WindowsPowerShell\v1.0\powershell.exe" 0 "" 0"#,
            ts,
        );
        let line = if weekday(day) == 0 {
            // Monday's compliance check ships as an encoded command: a benign look-alike.
            let b64 = encode_powershell(
                "Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object Caption,Version,LastBootUpTime | ConvertTo-Json",
            );
            format!(
                r#""C:\WINDOWS\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {b64}"#
            )
        } else {
            r#""C:\WINDOWS\System32\WindowsPowerShell\v1.0\powershell.exe" -NoProfile -executionPolicy bypass -file  "C:\Program Files (x86)\Microsoft Intune Management Extension\Policies\Scripts\3f1c8a2e-5d1b-4c7e-9a0f-2b6d4e8c1a7f_1.ps1" "#.to_string()
        };
        let ps = w.spawn_console(sys, Some(agent), "powershell.exe", line, ts + SEC);
        w.image_load(ts + 2 * SEC, ps, "amsi.dll");
    }
}

fn server_day(w: &mut World, dev: u16, day: i64, role: Role) {
    let r = w.roots[dev as usize];
    let weekend = is_weekend(day);
    match role {
        Role::FileServer => {
            let backup = w.org.account("svc-backup");
            let t = day + HOUR + w.rng.range(0, 5 * MIN);
            let logon_id = w.rng.range(0x10_0000, 0x800_0000);
            let sess = Sess {
                dev,
                acct: backup,
                logon_id,
                elev: Elev::Full,
                session: 0,
            };
            w.logons.push(LogonEv {
                ts: t - SEC,
                dev,
                proc: Some(r.lsass),
                action: "LogonSuccess",
                logon_type: "Batch",
                acct: backup,
                protocol: "Negotiate",
                local_admin: Some(true),
                logon_id: Some(logon_id),
                ..LogonEv::default()
            });
            let cmd = w.spawn_console(
                sess,
                Some(r.svc_netsvcs),
                "cmd.exe",
                r#"C:\Windows\system32\cmd.exe /c "C:\Scripts\nightly-backup.cmd""#,
                t,
            );
            let rc = w.spawn(
                sess,
                Some(cmd),
                "robocopy.exe",
                r"robocopy  D:\Shares \\nas01.contoso.local\backup\srv-file01 /MIR /R:1 /W:5 /NP /LOG:C:\Scripts\Logs\robocopy.log",
                t + SEC,
            );
            w.connect(t + 2 * SEC, rc, "10.0.0.40", 445, "");
            let size = w.rng.range(40_000, 90_000);
            w.file(
                t + 40 * MIN,
                rc,
                "FileModified",
                r"C:\Scripts\Logs\robocopy.log",
                size,
            );
        }
        Role::SqlServer => {
            let sql = r.server_app.unwrap_or(r.services);
            for _ in 0..w.rng.range(3, 8) {
                let ts = day + w.rng.range(6 * HOUR, 19 * HOUR);
                w.accept(ts, sql, "10.0.0.21", 1433);
            }
            let (y, m, d) = crate::data::time::civil_from_days(day.div_euclid(DAY));
            let size = w.rng.range(800_000_000, 900_000_000);
            w.file(
                day + 23 * HOUR,
                sql,
                "FileCreated",
                &format!(r"D:\Backup\Intranet_{y:04}{m:02}{d:02}.bak"),
                size,
            );
        }
        Role::AppServer => {
            let w3wp = r.server_app.unwrap_or(r.services);
            let n = if weekend { 1 } else { w.rng.range(6, 14) };
            for _ in 0..n {
                let ts = day + w.rng.range(7 * HOUR, 18 * HOUR);
                let client = w.rng.range(0, 40) as u16;
                let ip = dev_ip(w, client);
                w.accept(ts, w3wp, &ip, 443);
                w.connect(ts + SEC, w3wp, "10.0.0.22", 1433, "");
            }
        }
        Role::DomainController | Role::JumpServer | Role::Workstation => {}
    }
}

/// Scanners on the internet trying a few passwords against the exposed jump server.
fn jump_noise(w: &mut World, day: i64) {
    let jump = w.org.device("srv-jump01");
    let r = w.roots[jump as usize];
    for _ in 0..w.rng.range(0, 4) {
        let ts = day + w.rng.range(0, DAY);
        let ip = format!("203.0.113.{}", w.rng.range(100, 250));
        let acct = if w.rng.chance(0.3) {
            w.org.account("administrator")
        } else {
            let name = *w.rng.pick(&super::org::BOGUS_NAMES);
            w.org.account(name)
        };
        w.accept(ts - SEC, r.svc_netsvcs, &ip, 3389);
        let port = w.ephemeral_port();
        w.logons.push(LogonEv {
            ts,
            dev: jump,
            proc: Some(r.lsass),
            action: "LogonFailed",
            logon_type: "Network",
            acct,
            protocol: "NTLM",
            failure: "InvalidUserNameOrPassword",
            remote_ip: ip,
            remote_ip_type: "Public",
            remote_port: Some(port),
            ..LogonEv::default()
        });
    }
}

/// IT admins connecting to servers over RDP with their admin accounts: the benign baseline
/// for lateral-movement hunts.
fn admin_rdp(w: &mut World, day: i64) {
    for (admin, user, p) in [
        ("adm-tkowalski", "tkowalski", 0.45),
        ("adm-draman", "draman", 0.3),
    ] {
        if !w.rng.chance(p) {
            continue;
        }
        let admin = w.org.account(admin);
        let user = w.org.account(user);
        let src = match w
            .workdays
            .iter()
            .find(|((_, d), wd)| *d == day && wd.sess.acct == user)
        {
            Some(((dev, _), _)) => *dev,
            None => continue,
        };
        let Some(wd) = w.workdays.get(&(src, day)).copied() else {
            continue;
        };
        let target = *w
            .rng
            .pick(&["srv-jump01", "srv-app01", "srv-sql01", "srv-file01", "dc01"]);
        let target = w.org.device(target);
        let t = w.rng.range(wd.logon + 30 * MIN, wd.logoff - 30 * MIN);
        rdp_session(w, wd, admin, target, t);
    }
}

/// One admin RDP session from a workstation day to a server.
pub(crate) fn rdp_session(w: &mut World, wd: Workday, admin: u16, target: u16, t: i64) {
    let target_name = dev_name(w, target);
    let short = target_name
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let target_ip = dev_ip(w, target);
    let src_ip = dev_ip(w, wd.sess.dev);
    let src_name = dev_name(w, wd.sess.dev);
    let mstsc = w.spawn(
        wd.sess,
        Some(wd.explorer),
        "mstsc.exe",
        format!(r#""C:\Windows\system32\mstsc.exe" /v:{short}"#),
        t,
    );
    w.connect(t + 2 * SEC, mstsc, &target_ip, 3389, "");
    let r = w.roots[target as usize];
    w.accept(t + 2 * SEC, r.svc_netsvcs, &src_ip, 3389);
    let logon_id = w.rng.range(0x10_0000, 0x800_0000);
    let port = w.ephemeral_port();
    w.logons.push(LogonEv {
        ts: t + 10 * SEC,
        dev: target,
        proc: Some(r.lsass),
        action: "LogonSuccess",
        logon_type: "RemoteInteractive",
        acct: admin,
        protocol: "Kerberos",
        local_admin: Some(true),
        logon_id: Some(logon_id),
        remote_device: src_name,
        remote_ip: src_ip,
        remote_ip_type: "Private",
        remote_port: Some(port),
        ..LogonEv::default()
    });
    identity(
        w,
        t + 9 * SEC,
        "LogonSuccess",
        admin,
        wd.sess.dev,
        Some(target),
        "",
    );
    if let Some(last) = w.id_logons.last_mut() {
        last.logon_type = "Remote desktop";
        last.additional = format!(r#"{{"Spns":"TERMSRV/{short}","Count":"1"}}"#);
    }
    let sess = Sess {
        dev: target,
        acct: admin,
        logon_id,
        elev: Elev::Full,
        session: 2,
    };
    let ui = w.spawn(
        sess,
        Some(r.winlogon),
        "userinit.exe",
        r"C:\Windows\system32\userinit.exe",
        t + 12 * SEC,
    );
    let ex = w.spawn(
        sess,
        Some(ui),
        "explorer.exe",
        r"C:\Windows\Explorer.EXE",
        t + 14 * SEC,
    );
    w.spawn(
        sess,
        Some(r.svc_netsvcs),
        "rdpclip.exe",
        "rdpclip",
        t + 15 * SEC,
    );
    let t2 = t + w.rng.range(MIN, 15 * MIN);
    if w.rng.chance(0.5) {
        w.spawn(
            sess,
            Some(ex),
            "mmc.exe",
            r#""C:\Windows\system32\mmc.exe" "C:\Windows\system32\dsa.msc" "#,
            t2,
        );
    } else {
        let cmd = w.spawn_console(
            sess,
            Some(ex),
            "cmd.exe",
            r#""C:\Windows\system32\cmd.exe" "#,
            t2,
        );
        w.spawn(
            sess,
            Some(cmd),
            "ipconfig.exe",
            "ipconfig  /all",
            t2 + 20 * SEC,
        );
    }
}

/// A weekday of mail: inbound from partners (some with links, a few clicked), outbound and
/// internal mail, and filtered spam and phish.
fn mail_day(w: &mut World, day: i64) {
    let users: Vec<u16> = w.org.users().collect();
    for &user in &users {
        let (upn, oid, display) = {
            let a = &w.org.accounts[user as usize];
            (a.upn.clone(), a.object_id.clone(), a.display.clone())
        };
        for _ in 0..w.rng.range(2, 6) {
            let ts = day + w.rng.range(5 * HOUR, 19 * HOUR);
            let domain = *w.rng.pick(&PARTNERS);
            let from = format!("{}.{}@{domain}", w.rng.pick(&FIRST), w.rng.pick(&LAST));
            let subject = w.rng.pick(&SUBJECTS).to_string();
            let junk = w.rng.chance(0.05);
            let phish = !junk && w.rng.chance(0.01);
            let urls = if w.rng.chance(0.4) || phish {
                w.rng.range(1, 3) as i32
            } else {
                0
            };
            let mut ev = inbound(w, ts, &from, domain, &upn, &oid, subject, urls);
            if junk {
                ev.from_domain = format!("deals-{}.example", w.rng.range(10, 99));
                ev.from = format!("promo@{}", ev.from_domain);
                ev.subject = "Exclusive offer just for you".to_string();
                ev.delivery_action = "Junked";
                ev.delivery_location = "Junk folder";
                ev.threat_types = "Spam";
                ev.detection = r#"{"Spam":["Advanced filter"]}"#;
                ev.confidence = r#"{"Spam":"High"}"#;
                ev.bcl = Some(7);
                ev.auth = r#"{"SPF":"fail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}"#;
            } else if phish {
                ev.from_domain = "secure-mailbox-verify.example".to_string();
                ev.from = format!("it-support@{}", ev.from_domain);
                ev.subject = "Your mailbox is almost full".to_string();
                ev.delivery_action = "Blocked";
                ev.delivery_location = "Quarantine";
                ev.threat_types = "Phish";
                ev.detection = r#"{"Phish":["URL detonation reputation"]}"#;
                ev.confidence = r#"{"Phish":"High"}"#;
                ev.auth = r#"{"SPF":"fail","DKIM":"none","DMARC":"fail","CompAuth":"fail"}"#;
            }
            let nmid = ev.nmid.clone();
            let delivered = ev.delivery_action == "Delivered";
            let link_domain = if delivered {
                format!("www.{domain}")
            } else {
                ev.from_domain.clone()
            };
            w.emails.push(ev);
            for k in 0..urls {
                let url = format!(
                    "https://{link_domain}/{}",
                    ["news", "docs/share", "events/register", "account"][k as usize % 4]
                );
                let report_id = w.report_id();
                w.email_urls.push(EmailUrl {
                    ts,
                    nmid: nmid.clone(),
                    url: url.clone(),
                    domain: link_domain.clone(),
                    report_id,
                });
                if delivered && k == 0 && w.rng.chance(0.12) {
                    let click = ts + w.rng.range(MIN, 3 * HOUR);
                    let report_id = w.report_id();
                    w.clicks.push(UrlClick {
                        ts: click,
                        url: url.clone(),
                        action: "ClickAllowed",
                        upn: upn.clone(),
                        nmid: nmid.clone(),
                        threat_types: "",
                        ip: EGRESS_IP.to_string(),
                        chain: format!(r#"["{url}"]"#),
                        report_id,
                    });
                }
            }
        }
        for _ in 0..w.rng.range(0, 2) {
            let ts = day + w.rng.range(7 * HOUR, 18 * HOUR);
            let to = format!(
                "{}.{}@{}",
                w.rng.pick(&FIRST),
                w.rng.pick(&LAST),
                w.rng.pick(&PARTNERS)
            );
            let subject = format!("Re: {}", w.rng.pick(&SUBJECTS));
            let mut ev = inbound(w, ts, &upn, UPN_SUFFIX, &to, "", subject, 0);
            ev.direction = "Outbound";
            ev.from_name = display.clone();
            ev.sender_oid = oid.clone();
            ev.sender_ip = "40.107.22.51".to_string();
            ev.delivery_location = "Dropped";
            w.emails.push(ev);
        }
        if w.rng.chance(0.6) {
            let ts = day + w.rng.range(7 * HOUR, 18 * HOUR);
            let other = users[w.rng.below(users.len() as u64) as usize];
            let (to, to_oid) = {
                let a = &w.org.accounts[other as usize];
                (a.upn.clone(), a.object_id.clone())
            };
            let subject = w.rng.pick(&SUBJECTS).to_string();
            let mut ev = inbound(w, ts, &upn, UPN_SUFFIX, &to, &to_oid, subject, 0);
            ev.direction = "Intra-org";
            ev.from_name = display.clone();
            ev.sender_oid = oid.clone();
            ev.sender_ip = String::new();
            ev.auth = "";
            w.emails.push(ev);
        }
    }
}

/// A delivered inbound message; callers adjust it for other directions and verdicts.
#[allow(clippy::too_many_arguments)]
pub(crate) fn inbound(
    w: &mut World,
    ts: i64,
    from: &str,
    from_domain: &str,
    to: &str,
    to_oid: &str,
    subject: String,
    urls: i32,
) -> EmailEv {
    let nmid = w.report_id();
    let imid = format!("<{}@{}>", w.rng.hex(24).to_ascii_uppercase(), from_domain);
    let from_name = from
        .split('@')
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let sender_ip = format!("40.107.{}.{}", w.rng.range(1, 255), w.rng.range(1, 255));
    let report_id = w.report_id();
    EmailEv {
        ts,
        nmid,
        imid,
        from: from.to_string(),
        from_name,
        from_domain: from_domain.to_string(),
        sender_oid: String::new(),
        sender_ip,
        to: to.to_string(),
        to_oid: to_oid.to_string(),
        subject,
        direction: "Inbound",
        delivery_action: "Delivered",
        delivery_location: "Inbox/folder",
        threat_types: "",
        detection: "",
        confidence: "",
        bcl: Some(w.rng.range(0, 4) as i32),
        auth: r#"{"SPF":"pass","DKIM":"pass","DMARC":"pass","CompAuth":"pass"}"#,
        attachments: if w.rng.chance(0.2) { 1 } else { 0 },
        urls,
        cluster: w.rng.range(1_000_000_000, 9_000_000_000),
        report_id,
    }
}
