//! The generator's working state: the organisation, an arena of processes (so every event can
//! name its initiating process and that process's parent consistently), and one record
//! vector per table. Benign activity and the planted stories append to it; `tables` turns
//! it into columns at the end.

use std::collections::HashMap;

use crate::data::time::{TICKS_PER_DAY, TICKS_PER_SECOND};

use super::org::{LOCAL_SERVICE, NETWORK_SERVICE, Org, Role, SYSTEM};
use super::rng::{Rng, digests};

pub(crate) const SEC: i64 = TICKS_PER_SECOND;
pub(crate) const MIN: i64 = 60 * SEC;
pub(crate) const HOUR: i64 = 60 * MIN;
pub(crate) const DAY: i64 = TICKS_PER_DAY;

/// Token elevation and integrity of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Elev {
    System,
    Limited,
    Full,
}

impl Elev {
    pub(crate) fn integrity(self) -> &'static str {
        match self {
            Elev::System => "System",
            Elev::Limited => "Medium",
            Elev::Full => "High",
        }
    }

    pub(crate) fn token(self) -> &'static str {
        match self {
            Elev::System => "TokenElevationTypeDefault",
            Elev::Limited => "TokenElevationTypeLimited",
            Elev::Full => "TokenElevationTypeFull",
        }
    }
}

/// Who a process runs as, and where.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sess {
    pub dev: u16,
    pub acct: u16,
    pub logon_id: i64,
    pub elev: Elev,
    pub session: i64,
}

impl Sess {
    pub(crate) fn elevated(self) -> Sess {
        Sess {
            elev: Elev::Full,
            ..self
        }
    }
}

/// One process instance.
pub(crate) struct Proc {
    pub dev: u16,
    pub image: u16,
    /// A path other than the catalog's (a copy, a user-profile install).
    pub path: Option<String>,
    pub pid: i64,
    pub cmd: String,
    pub created: i64,
    pub acct: u16,
    pub elev: Elev,
    pub logon_id: i64,
    pub session: i64,
    pub parent: Option<u32>,
}

/// Long-lived processes of a device, started at boot before the window.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Roots {
    pub system: u32,
    pub winlogon: u32,
    pub services: u32,
    pub lsass: u32,
    pub svc_netsvcs: u32,
    pub svc_dcom: u32,
    pub svc_dns: u32,
    pub msmpeng: u32,
    pub mssense: u32,
    pub ime: Option<u32>,
    pub server_app: Option<u32>,
}

/// A user's interactive day on a workstation: the processes stories can hang off.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Workday {
    pub sess: Sess,
    pub logon: i64,
    pub logoff: i64,
    pub explorer: u32,
    pub outlook: u32,
}

#[derive(Default)]
pub(crate) struct NetEv {
    pub ts: i64,
    pub proc: u32,
    pub action: &'static str,
    pub remote_ip: String,
    pub remote_port: i32,
    pub remote_url: String,
    pub local_port: i32,
    pub protocol: &'static str,
}

#[derive(Default)]
pub(crate) struct FileEv {
    pub ts: i64,
    pub proc: u32,
    pub action: &'static str,
    pub name: String,
    pub path: String,
    pub sha1: String,
    pub sha256: String,
    pub md5: String,
    pub size: Option<i64>,
    pub origin_url: String,
    pub referrer: String,
    pub origin_ip: String,
    pub prev_name: String,
    pub prev_path: String,
    pub req_protocol: &'static str,
    pub req_ip: String,
    pub req_port: Option<i32>,
    pub req_acct: Option<u16>,
    pub share: &'static str,
}

#[derive(Default)]
pub(crate) struct LogonEv {
    pub ts: i64,
    pub dev: u16,
    pub proc: Option<u32>,
    pub action: &'static str,
    pub logon_type: &'static str,
    pub acct: u16,
    pub protocol: &'static str,
    pub failure: &'static str,
    pub local_admin: Option<bool>,
    pub logon_id: Option<i64>,
    pub remote_device: String,
    pub remote_ip: String,
    pub remote_ip_type: &'static str,
    pub remote_port: Option<i32>,
}

#[derive(Default)]
pub(crate) struct DevEv {
    pub ts: i64,
    pub proc: u32,
    pub action: &'static str,
    /// The process the event is about (lsass for an open-process call).
    pub target: Option<u32>,
    pub file_name: String,
    pub path: String,
    pub sha1: String,
    pub sha256: String,
    pub md5: String,
    pub acct: Option<u16>,
    pub remote_url: String,
    pub remote_ip: String,
    pub remote_port: Option<i32>,
    pub remote_device: String,
    pub reg_key: String,
    pub reg_name: String,
    pub reg_data: String,
    pub additional: String,
}

#[derive(Default)]
pub(crate) struct RegEv {
    pub ts: i64,
    pub proc: u32,
    pub action: &'static str,
    pub key: String,
    pub value_type: &'static str,
    pub value_name: String,
    pub value_data: String,
}

#[derive(Default)]
pub(crate) struct ImgEv {
    pub ts: i64,
    pub proc: u32,
    pub image: u16,
}

#[derive(Default)]
pub(crate) struct EmailEv {
    pub ts: i64,
    pub nmid: String,
    pub imid: String,
    pub from: String,
    pub from_name: String,
    pub from_domain: String,
    pub sender_oid: String,
    pub sender_ip: String,
    pub to: String,
    pub to_oid: String,
    pub subject: String,
    pub direction: &'static str,
    pub delivery_action: &'static str,
    pub delivery_location: &'static str,
    pub threat_types: &'static str,
    pub detection: &'static str,
    pub confidence: &'static str,
    pub bcl: Option<i32>,
    pub auth: &'static str,
    pub attachments: i32,
    pub urls: i32,
    pub cluster: i64,
    pub report_id: String,
}

#[derive(Default)]
pub(crate) struct EmailUrl {
    pub ts: i64,
    pub nmid: String,
    pub url: String,
    pub domain: String,
    pub report_id: String,
}

#[derive(Default)]
pub(crate) struct UrlClick {
    pub ts: i64,
    pub url: String,
    pub action: &'static str,
    pub upn: String,
    pub nmid: String,
    pub threat_types: &'static str,
    pub ip: String,
    pub chain: String,
    pub report_id: String,
}

#[derive(Default)]
pub(crate) struct IdLogon {
    pub ts: i64,
    pub action: &'static str,
    pub logon_type: &'static str,
    pub protocol: &'static str,
    pub failure: &'static str,
    pub acct: u16,
    /// Source device, if it is one of ours.
    pub dev: Option<u16>,
    pub ip: String,
    pub port: i32,
    pub dest_port: i32,
    pub target: Option<u16>,
    pub additional: String,
    pub report_id: String,
}

#[derive(Default)]
pub(crate) struct AlertRec {
    pub ts: i64,
    pub id: String,
    pub title: &'static str,
    pub category: &'static str,
    /// `Categories` of the evidence rows: a JSON array holding `category`.
    pub categories: String,
    pub severity: &'static str,
    pub service: &'static str,
    pub detection: &'static str,
    pub techniques: &'static str,
}

#[derive(Default)]
pub(crate) struct EvidenceRec {
    pub ts: i64,
    pub alert: usize,
    pub entity: &'static str,
    pub role: &'static str,
    pub file_name: String,
    pub path: String,
    pub sha1: String,
    pub sha256: String,
    pub size: Option<i64>,
    pub remote_ip: String,
    pub remote_url: String,
    pub acct: Option<u16>,
    pub dev: Option<u16>,
    pub nmid: String,
    pub subject: String,
    pub cmd: String,
    pub reg_key: String,
    pub reg_name: String,
    pub reg_data: String,
}

pub(crate) struct DevSnapshot {
    pub ts: i64,
    pub dev: u16,
}

pub(crate) struct World {
    pub rng: Rng,
    pub now: i64,
    pub start: i64,
    pub org: Org,
    pub roots: Vec<Roots>,
    pub procs: Vec<Proc>,
    /// Processes created, in `DeviceProcessEvents` (indices into `procs`).
    pub proc_events: Vec<u32>,
    pub net: Vec<NetEv>,
    pub files: Vec<FileEv>,
    pub logons: Vec<LogonEv>,
    pub dev_events: Vec<DevEv>,
    pub reg: Vec<RegEv>,
    pub img: Vec<ImgEv>,
    pub emails: Vec<EmailEv>,
    pub email_urls: Vec<EmailUrl>,
    pub clicks: Vec<UrlClick>,
    pub id_logons: Vec<IdLogon>,
    pub alerts: Vec<AlertRec>,
    pub evidence: Vec<EvidenceRec>,
    pub dev_info: Vec<DevSnapshot>,
    pub workdays: HashMap<(u16, i64), Workday>,
    /// Per device: `LoggedOnUsers` and `IPAddresses` JSON, built once.
    pub logged_on: Vec<String>,
    pub ip_json: Vec<String>,
}

impl World {
    pub(crate) fn new(now: i64, seed: u64) -> World {
        let mut rng = Rng::new(seed);
        let org = Org::new(&mut rng);
        let mut w = World {
            rng,
            now,
            start: now - 30 * DAY,
            org,
            roots: Vec::new(),
            procs: Vec::with_capacity(24_000),
            proc_events: Vec::with_capacity(24_000),
            net: Vec::with_capacity(12_000),
            files: Vec::with_capacity(6_000),
            logons: Vec::with_capacity(4_000),
            dev_events: Vec::with_capacity(4_000),
            reg: Vec::with_capacity(3_000),
            img: Vec::with_capacity(3_000),
            emails: Vec::with_capacity(4_000),
            email_urls: Vec::with_capacity(2_000),
            clicks: Vec::new(),
            id_logons: Vec::with_capacity(3_000),
            alerts: Vec::new(),
            evidence: Vec::new(),
            dev_info: Vec::new(),
            workdays: HashMap::new(),
            logged_on: Vec::new(),
            ip_json: Vec::new(),
        };
        for d in &w.org.devices {
            let users = match d.owner.and_then(|u| w.org.accounts.get(u as usize)) {
                Some(a) => format!(
                    r#"[{{"UserName":"{}","DomainName":"{}","Sid":"{}"}}]"#,
                    a.name, a.domain, a.sid
                ),
                None => "[]".to_string(),
            };
            w.logged_on.push(users);
            w.ip_json.push(format!(
                r#"[{{"IPAddress":"{}","SubnetPrefix":24,"AddressType":"Private"}}]"#,
                d.ip
            ));
        }
        for dev in 0..w.org.devices.len() as u16 {
            let roots = w.boot(dev);
            w.roots.push(roots);
        }
        w
    }

    /// Midnight (UTC) of the day `now` falls in.
    pub(crate) fn today(&self) -> i64 {
        self.now.div_euclid(DAY) * DAY
    }

    /// Midnights of every day that overlaps the 30-day window.
    pub(crate) fn days(&self) -> impl Iterator<Item = i64> + use<> {
        let first = self.start.div_euclid(DAY);
        let last = self.now.div_euclid(DAY);
        (first..=last).map(|d| d * DAY)
    }

    pub(crate) fn system(dev: u16) -> Sess {
        Sess {
            dev,
            acct: SYSTEM,
            logon_id: 999,
            elev: Elev::System,
            session: 0,
        }
    }

    fn service(dev: u16, acct: u16) -> Sess {
        let logon_id = if acct == LOCAL_SERVICE {
            997
        } else if acct == NETWORK_SERVICE {
            996
        } else {
            0x3_1f2a
        };
        Sess {
            dev,
            acct,
            logon_id,
            elev: Elev::System,
            session: 0,
        }
    }

    /// Start the long-lived processes of a device, some days before the window opens.
    fn boot(&mut self, dev: u16) -> Roots {
        let t = self.start - self.rng.range(DAY, 9 * DAY) - self.rng.range(0, 12 * HOUR);
        let sys = World::system(dev);
        let role = self.org.devices[dev as usize].role;
        let system = self.spawn_pid(sys, None, "System", "", t, 4);
        let smss = self.spawn(
            sys,
            Some(system),
            "smss.exe",
            r"\SystemRoot\System32\smss.exe",
            t + 2 * SEC,
        );
        let wininit = self.spawn(sys, Some(smss), "wininit.exe", "wininit.exe", t + 5 * SEC);
        let winlogon = self.spawn(sys, Some(smss), "winlogon.exe", "winlogon.exe", t + 5 * SEC);
        let services = self.spawn(
            sys,
            Some(wininit),
            "services.exe",
            r"C:\Windows\system32\services.exe",
            t + 6 * SEC,
        );
        let lsass = self.spawn(
            sys,
            Some(wininit),
            "lsass.exe",
            r"C:\Windows\system32\lsass.exe",
            t + 6 * SEC,
        );
        let svc = |k: &str| format!(r"C:\Windows\system32\svchost.exe -k {k} -p");
        let svc_dcom = self.spawn(
            sys,
            Some(services),
            "svchost.exe",
            svc("DcomLaunch"),
            t + 7 * SEC,
        );
        let svc_netsvcs = self.spawn(
            sys,
            Some(services),
            "svchost.exe",
            svc("netsvcs"),
            t + 9 * SEC,
        );
        let ns = World::service(dev, NETWORK_SERVICE);
        let svc_dns = self.spawn(
            ns,
            Some(services),
            "svchost.exe",
            svc("NetworkService"),
            t + 9 * SEC,
        );
        let msmpeng = self.spawn(
            sys,
            Some(services),
            "MsMpEng.exe",
            r#""C:\ProgramData\Microsoft\Windows Defender\platform\4.18.24090.11-0\MsMpEng.exe""#,
            t + 12 * SEC,
        );
        let mssense = self.spawn(
            sys,
            Some(services),
            "MsSense.exe",
            r#""C:\Program Files\Windows Defender Advanced Threat Protection\MsSense.exe""#,
            t + 14 * SEC,
        );
        let ime = (role == Role::Workstation).then(|| {
            self.spawn(
                sys,
                Some(services),
                "Microsoft.Management.Services.IntuneWindowsAgent.exe",
                r#""C:\Program Files (x86)\Microsoft Intune Management Extension\Microsoft.Management.Services.IntuneWindowsAgent.exe""#,
                t + 40 * SEC,
            )
        });
        let server_app = match role {
            Role::SqlServer => {
                let sql = World::service(dev, self.org.account("svc-sql"));
                Some(self.spawn(
                    sql,
                    Some(services),
                    "sqlservr.exe",
                    r#""C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Binn\sqlservr.exe" -sMSSQLSERVER"#,
                    t + 30 * SEC,
                ))
            }
            Role::AppServer => {
                let web = World::service(dev, self.org.account("svc-web"));
                let was = self.spawn(
                    sys,
                    Some(services),
                    "svchost.exe",
                    svc("iissvcs"),
                    t + 20 * SEC,
                );
                Some(self.spawn(
                    web,
                    Some(was),
                    "w3wp.exe",
                    r#"c:\windows\system32\inetsrv\w3wp.exe -ap "IntranetPool" -v "v4.0" -l "webengine4.dll" -a \\.\pipe\iisipm1b2c -h "C:\inetpub\temp\apppools\IntranetPool\IntranetPool.config" -w "" -m 0"#,
                    t + 60 * SEC,
                ))
            }
            _ => None,
        };
        Roots {
            system,
            winlogon,
            services,
            lsass,
            svc_netsvcs,
            svc_dcom,
            svc_dns,
            msmpeng,
            mssense,
            ime,
            server_app,
        }
    }

    /// Create a process (and its `ProcessCreated` event) with a random process id.
    pub(crate) fn spawn(
        &mut self,
        s: Sess,
        parent: Option<u32>,
        image: &str,
        cmd: impl Into<String>,
        ts: i64,
    ) -> u32 {
        let pid = 4 * self.rng.range(100, 12_000);
        self.spawn_pid(s, parent, image, cmd, ts, pid)
    }

    pub(crate) fn spawn_pid(
        &mut self,
        s: Sess,
        parent: Option<u32>,
        image: &str,
        cmd: impl Into<String>,
        ts: i64,
        pid: i64,
    ) -> u32 {
        let image = self.org.image(image);
        let idx = self.procs.len() as u32;
        self.procs.push(Proc {
            dev: s.dev,
            image,
            path: None,
            pid,
            cmd: cmd.into(),
            created: ts,
            acct: s.acct,
            elev: s.elev,
            logon_id: s.logon_id,
            session: s.session,
            parent,
        });
        self.proc_events.push(idx);
        idx
    }

    /// A console program: the process and the conhost.exe Windows starts beside it.
    pub(crate) fn spawn_console(
        &mut self,
        s: Sess,
        parent: Option<u32>,
        image: &str,
        cmd: impl Into<String>,
        ts: i64,
    ) -> u32 {
        let p = self.spawn(s, parent, image, cmd, ts);
        self.spawn(
            s,
            Some(p),
            "conhost.exe",
            r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1",
            ts + SEC / 20,
        );
        p
    }

    pub(crate) fn proc(&self, i: u32) -> Option<&Proc> {
        self.procs.get(i as usize)
    }

    pub(crate) fn path_of<'a>(&'a self, p: &'a Proc) -> &'a str {
        match &p.path {
            Some(path) => path,
            None => self
                .org
                .images
                .get(p.image as usize)
                .map_or("", |i| i.path.as_str()),
        }
    }

    pub(crate) fn dev_of(&self, proc: u32) -> u16 {
        self.proc(proc).map_or(0, |p| p.dev)
    }

    pub(crate) fn ephemeral_port(&mut self) -> i32 {
        self.rng.range(49_152, 65_535) as i32
    }

    /// An outbound connection.
    pub(crate) fn connect(&mut self, ts: i64, proc: u32, ip: &str, port: i32, url: &str) {
        let local_port = self.ephemeral_port();
        let protocol = if port == 53 || port == 123 {
            "Udp"
        } else {
            "Tcp"
        };
        self.net.push(NetEv {
            ts,
            proc,
            action: "ConnectionSuccess",
            remote_ip: ip.to_string(),
            remote_port: port,
            remote_url: url.to_string(),
            local_port,
            protocol,
        });
    }

    /// An accepted inbound connection on `local_port`.
    pub(crate) fn accept(&mut self, ts: i64, proc: u32, from_ip: &str, local_port: i32) {
        let remote_port = self.ephemeral_port();
        self.net.push(NetEv {
            ts,
            proc,
            action: "InboundConnectionAccepted",
            remote_ip: from_ip.to_string(),
            remote_port,
            remote_url: String::new(),
            local_port,
            protocol: "Tcp",
        });
    }

    /// A file event with stable digests derived from the path and size.
    pub(crate) fn file(
        &mut self,
        ts: i64,
        proc: u32,
        action: &'static str,
        path: &str,
        size: i64,
    ) -> &mut FileEv {
        let name = path.rsplit('\\').next().unwrap_or(path).to_string();
        let (sha1, sha256, md5) = if action == "FileDeleted" {
            (String::new(), String::new(), String::new())
        } else {
            digests(&format!("{path}#{size}"))
        };
        self.files.push(FileEv {
            ts,
            proc,
            action,
            name,
            path: path.to_string(),
            sha1,
            sha256,
            md5,
            size: Some(size),
            ..FileEv::default()
        });
        let last = self.files.len() - 1;
        &mut self.files[last]
    }

    pub(crate) fn registry(&mut self, ts: i64, proc: u32, key: String, name: &str, data: String) {
        self.reg.push(RegEv {
            ts,
            proc,
            action: "RegistryValueSet",
            key,
            value_type: "String",
            value_name: name.to_string(),
            value_data: data,
        });
    }

    pub(crate) fn image_load(&mut self, ts: i64, proc: u32, dll: &str) {
        let image = self.org.image(dll);
        self.img.push(ImgEv { ts, proc, image });
    }

    pub(crate) fn report_id(&mut self) -> String {
        self.rng.guid_text()
    }

    /// Keep only what falls inside `[now - 30d, now]` and order every table by time.
    pub(crate) fn finish(&mut self) {
        let (lo, hi) = (self.start, self.now);
        let inside = |t: i64| t >= lo && t <= hi;
        let procs = &self.procs;
        self.proc_events
            .retain(|&i| procs.get(i as usize).is_some_and(|p| inside(p.created)));
        self.proc_events
            .sort_by_key(|&i| procs.get(i as usize).map_or(0, |p| p.created));
        macro_rules! window {
            ($($v:ident),*) => {$(
                self.$v.retain(|r| inside(r.ts));
                self.$v.sort_by_key(|r| r.ts);
            )*};
        }
        window!(
            net, files, logons, dev_events, reg, img, emails, email_urls, clicks, id_logons,
            dev_info
        );
        // Alerts are planted inside the window; order them by time and keep each evidence
        // row pointing at its alert.
        let mut order: Vec<usize> = (0..self.alerts.len()).collect();
        order.sort_by_key(|&i| self.alerts[i].ts);
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let mut alerts: Vec<Option<AlertRec>> = std::mem::take(&mut self.alerts)
            .into_iter()
            .map(Some)
            .collect();
        self.alerts = order.iter().filter_map(|&old| alerts[old].take()).collect();
        for e in &mut self.evidence {
            e.alert = new_index.get(e.alert).copied().unwrap_or(e.alert);
        }
        self.evidence.sort_by_key(|e| (e.ts, e.alert));
    }
}
