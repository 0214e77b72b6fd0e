//! The fictional organisation behind the demo data: Contoso's devices (40 workstations,
//! four servers and a domain controller), its people and service accounts, and the catalog
//! of executables and libraries that appear in process, file and image-load events.

use std::collections::HashMap;

use super::rng::{Rng, digests, hash_str, hex_digits};

pub(crate) const DOMAIN: &str = "contoso";
pub(crate) const DNS_DOMAIN: &str = "contoso.local";
pub(crate) const UPN_SUFFIX: &str = "contoso.com";
pub(crate) const DOMAIN_SID: &str = "S-1-5-21-2583948121-3317457263-1839240371";
/// The office's internet egress address (TEST-NET-1 documentation range).
pub(crate) const EGRESS_IP: &str = "192.0.2.15";
/// The jump server's published address.
pub(crate) const JUMP_PUBLIC_IP: &str = "192.0.2.30";

pub(crate) const SYSTEM: u16 = 0;
pub(crate) const LOCAL_SERVICE: u16 = 1;
pub(crate) const NETWORK_SERVICE: u16 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Workstation,
    FileServer,
    AppServer,
    SqlServer,
    JumpServer,
    DomainController,
}

impl Role {
    pub(crate) fn is_server(self) -> bool {
        self != Role::Workstation
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dept {
    System,
    Finance,
    Sales,
    Hr,
    Engineering,
    It,
    Service,
    Unknown,
}

#[derive(Clone, Debug)]
pub(crate) struct Account {
    pub name: String,
    pub domain: String,
    pub sid: String,
    pub upn: String,
    pub object_id: String,
    pub display: String,
    pub dept: Dept,
    /// A real directory account (false for names only an attacker tries).
    pub exists: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Device {
    /// FQDN, lower case, as Defender reports `DeviceName`.
    pub name: String,
    pub id: String,
    pub aad_id: String,
    pub ip: String,
    pub mac: String,
    pub role: Role,
    /// The workstation's primary user.
    pub owner: Option<u16>,
    pub model: &'static str,
    pub vendor: &'static str,
    pub os_platform: &'static str,
    pub os_build: i64,
    pub os_version_info: &'static str,
}

/// Display names of the 30 staff; index 16 (Jordan Hale, wks-017) is the phishing victim,
/// index 29 (Tomasz Kowalski) the IT helpdesk admin, index 28 (Dev Raman) a domain admin.
const PEOPLE: [(&str, Dept); 30] = [
    ("Avery Brooks", Dept::Finance),
    ("Blake Carter", Dept::Finance),
    ("Casey Dunn", Dept::Finance),
    ("Dana Ellis", Dept::Finance),
    ("Eli Foster", Dept::Finance),
    ("Farah Gill", Dept::Sales),
    ("Gabe Hirano", Dept::Sales),
    ("Hana Ibsen", Dept::Hr),
    ("Ivan Jaramillo", Dept::Hr),
    ("Jun Kato", Dept::Sales),
    ("Kira Lund", Dept::Sales),
    ("Leo Marsh", Dept::Sales),
    ("Maya Novak", Dept::Sales),
    ("Nico Ortega", Dept::Sales),
    ("Omar Patel", Dept::Sales),
    ("Priya Quinn", Dept::Hr),
    ("Jordan Hale", Dept::Finance),
    ("Rosa Silva", Dept::Sales),
    ("Sam Tanaka", Dept::Engineering),
    ("Tess Umber", Dept::Engineering),
    ("Uma Varga", Dept::Engineering),
    ("Vik Walsh", Dept::Engineering),
    ("Wes Xu", Dept::Engineering),
    ("Yara Young", Dept::Engineering),
    ("Zane Ziegler", Dept::Engineering),
    ("Alma Reyes", Dept::Engineering),
    ("Ben Okafor", Dept::It),
    ("Cleo Baptiste", Dept::It),
    ("Dev Raman", Dept::It),
    ("Tomasz Kowalski", Dept::It),
];

/// Index of the first person in `Org::accounts`.
pub(crate) const FIRST_USER: u16 = 3;
pub(crate) const USER_COUNT: u16 = PEOPLE.len() as u16;

/// Names an internet scanner tries that do not exist in the directory.
pub(crate) const BOGUS_NAMES: [&str; 6] = ["admin", "test", "user1", "scan", "rdpuser", "sqladmin"];

pub(crate) struct Org {
    pub accounts: Vec<Account>,
    pub devices: Vec<Device>,
    pub images: Vec<Image>,
    image_index: HashMap<&'static str, u16>,
    account_index: HashMap<String, u16>,
}

impl Org {
    pub(crate) fn new(rng: &mut Rng) -> Org {
        let mut accounts = vec![
            builtin("system", "nt authority", "S-1-5-18"),
            builtin("local service", "nt authority", "S-1-5-19"),
            builtin("network service", "nt authority", "S-1-5-20"),
        ];
        for (i, (display, dept)) in PEOPLE.iter().enumerate() {
            let mut parts = display.split(' ');
            let first = parts.next().unwrap_or_default();
            let last = parts.next().unwrap_or_default();
            let sam = format!(
                "{}{}",
                first[..1].to_ascii_lowercase(),
                last.to_ascii_lowercase()
            );
            accounts.push(person(rng, &sam, display, *dept, 1104 + i as u32));
        }
        for (sam, display, rid) in [
            ("adm-tkowalski", "Tomasz Kowalski (admin)", 1201),
            ("adm-draman", "Dev Raman (admin)", 1202),
            ("administrator", "Administrator", 500),
        ] {
            accounts.push(person(rng, sam, display, Dept::It, rid));
        }
        for (sam, display, rid) in [
            ("svc-backup", "Backup service", 1301),
            ("svc-sql", "SQL Server service", 1302),
            ("svc-web", "Intranet app pool", 1303),
        ] {
            accounts.push(person(rng, sam, display, Dept::Service, rid));
        }
        for name in BOGUS_NAMES {
            accounts.push(Account {
                name: name.to_string(),
                domain: String::new(),
                sid: String::new(),
                upn: String::new(),
                object_id: String::new(),
                display: String::new(),
                dept: Dept::Unknown,
                exists: false,
            });
        }
        let account_index = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.name.clone(), i as u16))
            .collect();

        let mut devices = Vec::new();
        for n in 1..=40u16 {
            let owner = (n <= USER_COUNT).then(|| FIRST_USER + n - 1);
            let (model, vendor) = if n % 3 == 0 {
                ("HP EliteBook 840 G9", "HP")
            } else {
                ("Latitude 5440", "Dell Inc.")
            };
            devices.push(device(
                rng,
                &format!("wks-{n:03}"),
                format!("10.0.1.{}", 10 + n),
                Role::Workstation,
                owner,
                model,
                vendor,
            ));
        }
        for (name, ip, role) in [
            ("dc01", "10.0.0.10", Role::DomainController),
            ("srv-file01", "10.0.0.20", Role::FileServer),
            ("srv-app01", "10.0.0.21", Role::AppServer),
            ("srv-sql01", "10.0.0.22", Role::SqlServer),
            ("srv-jump01", "10.0.0.30", Role::JumpServer),
        ] {
            devices.push(device(
                rng,
                name,
                ip.to_string(),
                role,
                None,
                "Virtual Machine",
                "Microsoft Corporation",
            ));
        }

        let images: Vec<Image> = IMAGES.iter().map(Image::from_spec).collect();
        let image_index = IMAGES
            .iter()
            .enumerate()
            .map(|(i, s)| (s.file, i as u16))
            .collect();
        Org {
            accounts,
            devices,
            images,
            image_index,
            account_index,
        }
    }

    /// The catalog index of an executable or library by file name. Unknown names map to the
    /// first entry (a bug the tests would show as a wrong file name, never a panic).
    pub(crate) fn image(&self, file: &str) -> u16 {
        debug_assert!(self.image_index.contains_key(file), "no image {file}");
        self.image_index.get(file).copied().unwrap_or(0)
    }

    /// An account by `sAMAccountName`.
    pub(crate) fn account(&self, name: &str) -> u16 {
        debug_assert!(self.account_index.contains_key(name), "no account {name}");
        self.account_index.get(name).copied().unwrap_or(SYSTEM)
    }

    /// A device by short name (`wks-017`, `dc01`, …).
    pub(crate) fn device(&self, short: &str) -> u16 {
        let idx = self
            .devices
            .iter()
            .position(|d| d.name.split('.').next() == Some(short));
        debug_assert!(idx.is_some(), "no device {short}");
        idx.unwrap_or(0) as u16
    }

    pub(crate) fn users(&self) -> std::ops::Range<u16> {
        FIRST_USER..FIRST_USER + USER_COUNT
    }
}

fn builtin(name: &str, domain: &str, sid: &str) -> Account {
    Account {
        name: name.to_string(),
        domain: domain.to_string(),
        sid: sid.to_string(),
        upn: String::new(),
        object_id: String::new(),
        display: String::new(),
        dept: Dept::System,
        exists: true,
    }
}

fn person(rng: &mut Rng, sam: &str, display: &str, dept: Dept, rid: u32) -> Account {
    Account {
        name: sam.to_string(),
        domain: DOMAIN.to_string(),
        sid: format!("{DOMAIN_SID}-{rid}"),
        upn: format!("{sam}@{UPN_SUFFIX}"),
        object_id: rng.guid_text(),
        display: display.to_string(),
        dept,
        exists: true,
    }
}

fn device(
    rng: &mut Rng,
    short: &str,
    ip: String,
    role: Role,
    owner: Option<u16>,
    model: &'static str,
    vendor: &'static str,
) -> Device {
    let mac_seed = hash_str(short);
    let mac_hex = hex_digits(mac_seed, 6).to_ascii_uppercase();
    let mac = format!(
        "00-15-5D-{}-{}-{}",
        &mac_hex[0..2],
        &mac_hex[2..4],
        &mac_hex[4..6]
    );
    let (os_platform, os_build, os_version_info) = if role.is_server() {
        ("WindowsServer2022", 20348, "21H2")
    } else {
        ("Windows11", 22631, "23H2")
    };
    Device {
        name: format!("{short}.{DNS_DOMAIN}"),
        id: rng.hex(40),
        aad_id: rng.guid_text(),
        ip,
        mac,
        role,
        owner,
        model,
        vendor,
        os_platform,
        os_build,
        os_version_info,
    }
}

/// What the catalog knows about an executable or library.
pub(crate) struct ImageSpec {
    pub file: &'static str,
    pub dir: &'static str,
    pub company: &'static str,
    pub product: &'static str,
    pub version: &'static str,
    pub description: &'static str,
    pub size: i64,
    /// Signer type as process events report it; empty for unsigned files.
    pub signer: &'static str,
}

/// A catalog entry with its full path and (fake, stable) digests.
pub(crate) struct Image {
    pub spec: &'static ImageSpec,
    pub path: String,
    pub sha1: String,
    pub sha256: String,
    pub md5: String,
}

impl Image {
    fn from_spec(spec: &'static ImageSpec) -> Image {
        let path = if spec.dir.is_empty() {
            String::new()
        } else {
            format!("{}\\{}", spec.dir, spec.file)
        };
        let (sha1, sha256, md5) = if spec.dir.is_empty() {
            (String::new(), String::new(), String::new())
        } else {
            digests(&format!("{}|{}", path, spec.version))
        };
        Image {
            spec,
            path,
            sha1,
            sha256,
            md5,
        }
    }

    pub(crate) fn signature_status(&self) -> &'static str {
        if self.spec.signer.is_empty() {
            "Unsigned"
        } else {
            "Valid"
        }
    }
}

const S32: &str = r"C:\Windows\System32";
const OFFICE: &str = r"C:\Program Files\Microsoft Office\root\Office16";
const WINVER: &str = "10.0.22621.3880";
const OS: &str = "Microsoft® Windows® Operating System";
const MS: &str = "Microsoft Corporation";
const DEFENDER: &str = r"C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.24090.11-0";
const IME: &str = r"C:\Program Files (x86)\Microsoft Intune Management Extension";

macro_rules! img {
    ($file:expr, $dir:expr, $company:expr, $product:expr, $version:expr, $desc:expr, $size:expr, $signer:expr) => {
        ImageSpec {
            file: $file,
            dir: $dir,
            company: $company,
            product: $product,
            version: $version,
            description: $desc,
            size: $size,
            signer: $signer,
        }
    };
}

/// Executables and libraries seen in the demo. Attack tooling is at the end.
pub(crate) static IMAGES: [ImageSpec; 63] = [
    img!("System", "", "", "", "", "", 0, ""),
    img!(
        "smss.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Windows Session Manager",
        155_648,
        "OsVendor"
    ),
    img!(
        "wininit.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Windows Start-Up Application",
        454_656,
        "OsVendor"
    ),
    img!(
        "winlogon.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Windows Logon Application",
        905_216,
        "OsVendor"
    ),
    img!(
        "services.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Services and Controller app",
        733_520,
        "OsVendor"
    ),
    img!(
        "lsass.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Local Security Authority Process",
        84_512,
        "OsVendor"
    ),
    img!(
        "svchost.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Host Process for Windows Services",
        57_360,
        "OsVendor"
    ),
    img!(
        "userinit.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Userinit Logon Application",
        39_424,
        "OsVendor"
    ),
    img!(
        "explorer.exe",
        r"C:\Windows",
        MS,
        OS,
        WINVER,
        "Windows Explorer",
        5_434_112,
        "OsVendor"
    ),
    img!(
        "cmd.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Windows Command Processor",
        289_792,
        "OsVendor"
    ),
    img!(
        "conhost.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Console Window Host",
        868_352,
        "OsVendor"
    ),
    img!(
        "powershell.exe",
        r"C:\Windows\System32\WindowsPowerShell\v1.0",
        MS,
        OS,
        WINVER,
        "Windows PowerShell",
        455_680,
        "OsVendor"
    ),
    img!(
        "taskhostw.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Host Process for Windows Tasks",
        101_888,
        "OsVendor"
    ),
    img!(
        "WmiPrvSE.exe",
        r"C:\Windows\System32\wbem",
        MS,
        OS,
        WINVER,
        "WMI Provider Host",
        496_640,
        "OsVendor"
    ),
    img!(
        "backgroundTaskHost.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Background Task Host",
        36_864,
        "OsVendor"
    ),
    img!(
        "RuntimeBroker.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Runtime Broker",
        139_264,
        "OsVendor"
    ),
    img!(
        "CompatTelRunner.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Microsoft Compatibility Telemetry",
        204_800,
        "OsVendor"
    ),
    img!(
        "rdpclip.exe",
        S32,
        MS,
        OS,
        WINVER,
        "RDP Clipboard Monitor",
        278_528,
        "OsVendor"
    ),
    img!(
        "mstsc.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Remote Desktop Connection",
        1_310_720,
        "OsVendor"
    ),
    img!(
        "mmc.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Microsoft Management Console",
        2_092_032,
        "OsVendor"
    ),
    img!(
        "notepad.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Notepad",
        201_216,
        "OsVendor"
    ),
    img!(
        "ipconfig.exe",
        S32,
        MS,
        OS,
        WINVER,
        "IP Configuration Utility",
        36_352,
        "OsVendor"
    ),
    img!(
        "PING.EXE",
        S32,
        MS,
        OS,
        WINVER,
        "TCP/IP Ping Command",
        22_528,
        "OsVendor"
    ),
    img!(
        "nslookup.exe",
        S32,
        MS,
        OS,
        WINVER,
        "nslookup",
        102_400,
        "OsVendor"
    ),
    img!(
        "whoami.exe",
        S32,
        MS,
        OS,
        WINVER,
        "whoami - displays logged on user information",
        73_728,
        "OsVendor"
    ),
    img!(
        "net.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Net Command",
        61_952,
        "OsVendor"
    ),
    img!(
        "net1.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Net Command",
        182_784,
        "OsVendor"
    ),
    img!(
        "nltest.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Microsoft® Logon Server Test Utility",
        474_112,
        "OsVendor"
    ),
    img!(
        "HOSTNAME.EXE",
        S32,
        MS,
        OS,
        WINVER,
        "Hostname APP",
        13_312,
        "OsVendor"
    ),
    img!(
        "quser.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Query User Utility",
        22_528,
        "OsVendor"
    ),
    img!(
        "gpupdate.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Microsoft® Windows® Group Policy Update Utility",
        34_304,
        "OsVendor"
    ),
    img!(
        "certutil.exe",
        S32,
        MS,
        OS,
        WINVER,
        "CertUtil.exe",
        1_462_272,
        "OsVendor"
    ),
    img!(
        "bitsadmin.exe",
        S32,
        MS,
        OS,
        WINVER,
        "BITS administration utility",
        192_512,
        "OsVendor"
    ),
    img!(
        "rundll32.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Windows host process (Rundll32)",
        71_680,
        "OsVendor"
    ),
    img!(
        "WMIC.exe",
        r"C:\Windows\System32\wbem",
        MS,
        OS,
        WINVER,
        "WMI Commandline Utility",
        571_392,
        "OsVendor"
    ),
    img!(
        "fodhelper.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Features On Demand Helper",
        47_616,
        "OsVendor"
    ),
    img!(
        "robocopy.exe",
        S32,
        MS,
        OS,
        WINVER,
        "Microsoft Robocopy",
        138_240,
        "OsVendor"
    ),
    img!(
        "MsMpEng.exe",
        DEFENDER,
        MS,
        OS,
        "4.18.24090.11",
        "Antimalware Service Executable",
        133_560,
        "OsVendor"
    ),
    img!(
        "MpCmdRun.exe",
        DEFENDER,
        MS,
        OS,
        "4.18.24090.11",
        "Microsoft Malware Protection Command Line Utility",
        1_542_080,
        "OsVendor"
    ),
    img!(
        "MsSense.exe",
        r"C:\Program Files\Windows Defender Advanced Threat Protection",
        MS,
        OS,
        "10.8760.22621.3880",
        "Windows Defender Advanced Threat Protection Service Executable",
        4_374_432,
        "OsVendor"
    ),
    img!(
        "Microsoft.Management.Services.IntuneWindowsAgent.exe",
        IME,
        MS,
        "Microsoft Intune Management Extension",
        "1.83.107.0",
        "Microsoft Intune Management Extension",
        69_632,
        "Microsoft"
    ),
    img!(
        "AgentExecutor.exe",
        IME,
        MS,
        "Microsoft Intune Management Extension",
        "1.83.107.0",
        "AgentExecutor",
        46_080,
        "Microsoft"
    ),
    img!(
        "msedge.exe",
        r"C:\Program Files (x86)\Microsoft\Edge\Application",
        MS,
        "Microsoft Edge",
        "130.0.2849.68",
        "Microsoft Edge",
        4_193_320,
        "Microsoft"
    ),
    img!(
        "chrome.exe",
        r"C:\Program Files\Google\Chrome\Application",
        "Google LLC",
        "Google Chrome",
        "130.0.6723.92",
        "Google Chrome",
        3_034_136,
        "ThirdParty"
    ),
    img!(
        "OUTLOOK.EXE",
        OFFICE,
        MS,
        "Microsoft Outlook",
        "16.0.17928.20216",
        "Microsoft Outlook",
        43_153_808,
        "Microsoft"
    ),
    img!(
        "WINWORD.EXE",
        OFFICE,
        MS,
        "Microsoft Office",
        "16.0.17928.20216",
        "Microsoft Word",
        2_124_160,
        "Microsoft"
    ),
    img!(
        "EXCEL.EXE",
        OFFICE,
        MS,
        "Microsoft Office",
        "16.0.17928.20216",
        "Microsoft Excel",
        73_262_480,
        "Microsoft"
    ),
    img!(
        "POWERPNT.EXE",
        OFFICE,
        MS,
        "Microsoft Office",
        "16.0.17928.20216",
        "Microsoft PowerPoint",
        2_089_344,
        "Microsoft"
    ),
    img!(
        "ms-teams.exe",
        r"C:\Program Files\WindowsApps\MSTeams_24277.3507.3205.5228_x64__8wekyb3d8bbwe",
        MS,
        "Microsoft Teams",
        "24277.3507.3205.5228",
        "Microsoft Teams",
        1_097_608,
        "Microsoft"
    ),
    img!(
        "OneDrive.exe",
        r"C:\Program Files\Microsoft OneDrive",
        MS,
        "Microsoft OneDrive",
        "24.201.1006.0005",
        "Microsoft OneDrive",
        3_721_544,
        "Microsoft"
    ),
    img!(
        "Code.exe",
        r"C:\Program Files\Microsoft VS Code",
        MS,
        "Visual Studio Code",
        "1.95.1",
        "Visual Studio Code",
        170_614_576,
        "Microsoft"
    ),
    img!(
        "git.exe",
        r"C:\Program Files\Git\cmd",
        "The Git Development Community",
        "Git",
        "2.47.0.2",
        "Git for Windows",
        47_832,
        "ThirdParty"
    ),
    img!(
        "sqlservr.exe",
        r"C:\Program Files\Microsoft SQL Server\MSSQL16.MSSQLSERVER\MSSQL\Binn",
        MS,
        "Microsoft SQL Server",
        "2022.160.4140.3",
        "SQL Server Windows NT - 64 Bit",
        692_592,
        "Microsoft"
    ),
    img!(
        "w3wp.exe",
        r"C:\Windows\System32\inetsrv",
        MS,
        "Internet Information Services",
        WINVER,
        "IIS Worker Process",
        31_232,
        "OsVendor"
    ),
    // Libraries (image loads).
    img!(
        "amsi.dll",
        S32,
        MS,
        OS,
        WINVER,
        "Anti-Malware Scan Interface",
        102_400,
        "OsVendor"
    ),
    img!(
        "comsvcs.dll",
        S32,
        MS,
        OS,
        WINVER,
        "COM+ Services",
        1_433_600,
        "OsVendor"
    ),
    img!(
        "dbgcore.dll",
        S32,
        MS,
        OS,
        WINVER,
        "Windows DbgCore Library",
        184_320,
        "OsVendor"
    ),
    img!(
        "VBE7.DLL",
        r"C:\Program Files\Common Files\Microsoft Shared\VBA\VBA7.1",
        MS,
        "Microsoft Visual Basic for Applications",
        "7.1.11.34",
        "Visual Basic for Applications",
        3_204_504,
        "Microsoft"
    ),
    img!(
        "System.Management.Automation.dll",
        r"C:\Windows\Microsoft.NET\assembly\GAC_MSIL\System.Management.Automation\v4.0_3.0.0.0__31bf3856ad364e35",
        MS,
        OS,
        "10.0.22621.3880",
        "System.Management.Automation",
        7_458_304,
        "OsVendor"
    ),
    // Attack tooling: Sysinternals tools as the attacker dropped them, and the implant.
    img!(
        "PsExec64.exe",
        r"C:\Users\Public\Libraries",
        "Sysinternals - www.sysinternals.com",
        "Sysinternals PsExec",
        "2.43",
        "Execute processes remotely",
        833_472,
        "ThirdParty"
    ),
    img!(
        "PSEXESVC.exe",
        r"C:\Windows",
        "Sysinternals - www.sysinternals.com",
        "Sysinternals PsExec",
        "2.43",
        "PsExec Service",
        193_376,
        "ThirdParty"
    ),
    img!(
        "procdump64.exe",
        r"C:\Windows",
        "Sysinternals - www.sysinternals.com",
        "ProcDump",
        "11.0",
        "Sysinternals process dump utility",
        424_856,
        "ThirdParty"
    ),
    img!(
        "updsvc.exe",
        r"C:\Users\Public\Libraries",
        "",
        "",
        "",
        "",
        287_744,
        ""
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_has_the_expected_shape() {
        let org = Org::new(&mut Rng::new(1));
        assert_eq!(org.devices.len(), 45);
        assert_eq!(org.devices[16].name, "wks-017.contoso.local");
        assert_eq!(
            org.devices[16]
                .owner
                .map(|u| org.accounts[u as usize].name.as_str()),
            Some("jhale")
        );
        assert_eq!(
            org.accounts[org.account("tkowalski") as usize].display,
            "Tomasz Kowalski"
        );
        assert!(org.devices.iter().all(|d| d.id.len() == 40));
        assert_eq!(org.device("srv-file01") as usize, 41);
        let cmd = &org.images[org.image("cmd.exe") as usize];
        assert_eq!(cmd.path, r"C:\Windows\System32\cmd.exe");
        assert_eq!(cmd.sha256.len(), 64);
        let names: std::collections::HashSet<&str> = IMAGES.iter().map(|i| i.file).collect();
        assert_eq!(names.len(), IMAGES.len(), "image file names are unique");
    }
}
