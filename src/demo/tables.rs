//! Turns the generator's records into typed `data::Table`s, one column at a time, in the exact
//! column order and kinds of the bundled schema. Each table maps column names to getters
//! once; shared families (`InitiatingProcess*`, `Device*`, the created process's fields) are
//! resolved by prefix, and columns no record fills are written as the service leaves them
//! (empty strings, nulls, `false`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::data::{Column, ColumnData, DefenderSchema, Kind, StrVec, Table, TableSchema, ValueRef};

use super::org::{Account, Device, EGRESS_IP, Image, JUMP_PUBLIC_IP, Role};
use super::world::{
    AlertRec, DevEv, DevSnapshot, EmailEv, EmailUrl, EvidenceRec, FileEv, IdLogon, ImgEv, LogonEv,
    NetEv, Proc, RegEv, UrlClick, World,
};

type RecFn<R> = for<'a> fn(&'a R, &'a World) -> ValueRef<'a>;
type ProcOf<R> = for<'a> fn(&'a R, &'a World) -> Option<&'a Proc>;
type ProcFn = for<'a> fn(&'a Proc, &'a World) -> ValueRef<'a>;

/// How to read one column from a record.
enum Get<R> {
    Rec(RecFn<R>),
    Proc(ProcOf<R>, ProcFn),
}

/// What every record can say about itself.
trait Record {
    fn ts(&self) -> i64;
    /// The process behind the event (`InitiatingProcess*` columns).
    fn initiating(&self) -> Option<u32> {
        None
    }
    /// The device the event happened on.
    fn device(&self, w: &World) -> Option<u16> {
        self.initiating().map(|p| w.dev_of(p))
    }
}

fn s(text: &str) -> ValueRef<'_> {
    ValueRef::String(text)
}
const EMPTY: ValueRef<'static> = ValueRef::String("");

fn opt_long(v: Option<i64>) -> ValueRef<'static> {
    v.map_or(ValueRef::Null, ValueRef::Long)
}

fn opt_int(v: Option<i32>) -> ValueRef<'static> {
    v.map_or(ValueRef::Null, ValueRef::Int)
}

fn image<'a>(p: &Proc, w: &'a World) -> Option<&'a Image> {
    w.org.images.get(p.image as usize)
}

fn account(w: &World, i: u16) -> Option<&Account> {
    w.org.accounts.get(i as usize)
}

fn device(w: &World, i: u16) -> Option<&Device> {
    w.org.devices.get(i as usize)
}

fn parent<'a>(p: &Proc, w: &'a World) -> Option<&'a Proc> {
    p.parent.and_then(|i| w.proc(i))
}

/// Columns that describe a process, by their name without the `Process`/`InitiatingProcess`
/// prefix (`FileName`, `Id`, `CommandLine`, `AccountSid`, `ParentFileName` …).
fn proc_field(name: &str) -> Option<ProcFn> {
    let f: ProcFn = match name {
        "FileName" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.spec.file)),
        "FolderPath" => |p, w| s(w.path_of(p)),
        "SHA1" => |p, w| image(p, w).map_or(EMPTY, |i| s(&i.sha1)),
        "SHA256" => |p, w| image(p, w).map_or(EMPTY, |i| s(&i.sha256)),
        "MD5" => |p, w| image(p, w).map_or(EMPTY, |i| s(&i.md5)),
        "FileSize" => |p, w| match image(p, w) {
            Some(i) if i.spec.size > 0 => ValueRef::Long(i.spec.size),
            _ => ValueRef::Null,
        },
        "VersionInfoCompanyName" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.spec.company)),
        "VersionInfoProductName" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.spec.product)),
        "VersionInfoProductVersion" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.spec.version)),
        "VersionInfoInternalFileName" | "VersionInfoOriginalFileName" => |p, w| {
            image(p, w).map_or(EMPTY, |i| {
                if i.spec.company.is_empty() {
                    EMPTY
                } else {
                    s(i.spec.file)
                }
            })
        },
        "VersionInfoFileDescription" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.spec.description)),
        "Id" => |p, _| ValueRef::Long(p.pid),
        "CommandLine" => |p, _| s(&p.cmd),
        "CreationTime" => |p, _| ValueRef::DateTime(p.created),
        "IntegrityLevel" => |p, _| s(p.elev.integrity()),
        "TokenElevation" => |p, _| s(p.elev.token()),
        "AccountDomain" => |p, w| account(w, p.acct).map_or(EMPTY, |a| s(&a.domain)),
        "AccountName" => |p, w| account(w, p.acct).map_or(EMPTY, |a| s(&a.name)),
        "AccountSid" => |p, w| account(w, p.acct).map_or(EMPTY, |a| s(&a.sid)),
        "AccountUpn" => |p, w| account(w, p.acct).map_or(EMPTY, |a| s(&a.upn)),
        "AccountObjectId" => |p, w| account(w, p.acct).map_or(EMPTY, |a| s(&a.object_id)),
        "LogonId" => |p, _| ValueRef::Long(p.logon_id),
        "SessionId" => |p, _| ValueRef::Long(p.session),
        "SignerType" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.spec.signer)),
        "SignatureStatus" => |p, w| image(p, w).map_or(EMPTY, |i| s(i.signature_status())),
        "ParentId" => |p, w| parent(p, w).map_or(ValueRef::Null, |q| ValueRef::Long(q.pid)),
        "ParentFileName" => |p, w| {
            parent(p, w)
                .and_then(|q| image(q, w))
                .map_or(EMPTY, |i| s(i.spec.file))
        },
        "ParentCreationTime" => {
            |p, w| parent(p, w).map_or(ValueRef::Null, |q| ValueRef::DateTime(q.created))
        }
        _ => return None,
    };
    Some(f)
}

fn initiating_of<'a, R: Record>(r: &'a R, w: &'a World) -> Option<&'a Proc> {
    r.initiating().and_then(|i| w.proc(i))
}

fn initiating_parent_of<'a, R: Record>(r: &'a R, w: &'a World) -> Option<&'a Proc> {
    initiating_of(r, w).and_then(|p| parent(p, w))
}

fn ts_of<R: Record>(r: &R, _: &World) -> ValueRef<'static> {
    ValueRef::DateTime(r.ts())
}

fn device_id_of<'a, R: Record>(r: &'a R, w: &'a World) -> ValueRef<'a> {
    r.device(w)
        .and_then(|d| device(w, d))
        .map_or(EMPTY, |d| s(&d.id))
}

fn device_name_of<'a, R: Record>(r: &'a R, w: &'a World) -> ValueRef<'a> {
    r.device(w)
        .and_then(|d| device(w, d))
        .map_or(EMPTY, |d| s(&d.name))
}

fn local_ip_of<'a, R: Record>(r: &'a R, w: &'a World) -> ValueRef<'a> {
    r.device(w)
        .and_then(|d| device(w, d))
        .map_or(EMPTY, |d| s(&d.ip))
}

/// Columns every device table resolves the same way.
fn common<R: Record>(name: &str) -> Option<Get<R>> {
    if name == "Timestamp" {
        return Some(Get::Rec(ts_of::<R>));
    }
    if name == "DeviceId" {
        return Some(Get::Rec(device_id_of::<R>));
    }
    if name == "DeviceName" {
        return Some(Get::Rec(device_name_of::<R>));
    }
    if let Some(rest) = name.strip_prefix("InitiatingProcessParent") {
        return proc_field(rest).map(|f| Get::Proc(initiating_parent_of::<R>, f));
    }
    if let Some(rest) = name.strip_prefix("InitiatingProcess") {
        return proc_field(rest).map(|f| Get::Proc(initiating_of::<R>, f));
    }
    None
}

/// Build one table: the schema's columns in order, each filled by its getter or by the
/// service's idea of "nothing here".
fn build<R: Record>(
    schema: &TableSchema,
    recs: &[R],
    w: &World,
    pick: fn(&str) -> Option<Get<R>>,
) -> Table {
    let n = recs.len();
    let columns: Vec<Column> = schema
        .columns
        .iter()
        .map(|(name, kind)| {
            let get = pick(name).or_else(|| common::<R>(name));
            let mut data = match (&get, kind) {
                (Some(g), Kind::String | Kind::Dynamic) => {
                    // Reserve the text buffer from a sample so it is not regrown and
                    // copied many times over.
                    let step = (n / 64).max(1);
                    let sampled: usize = recs.iter().step_by(step).map(|r| text_len(g, r, w)).sum();
                    let bytes = sampled * step + sampled * step / 8;
                    let strings = StrVec::with_capacity(n, bytes);
                    if *kind == Kind::String {
                        ColumnData::String(strings)
                    } else {
                        ColumnData::Dynamic(strings)
                    }
                }
                _ => ColumnData::with_capacity(*kind, n),
            };
            match get {
                Some(Get::Rec(f)) => {
                    for r in recs {
                        data.push(f(r, w));
                    }
                }
                Some(Get::Proc(of, f)) => {
                    for r in recs {
                        data.push(of(r, w).map_or(ValueRef::Null, |p| f(p, w)));
                    }
                }
                None if name == "ReportId" && *kind == Kind::Long => {
                    for i in 0..n {
                        data.push(ValueRef::Long(1_000 + i as i64 * 3));
                    }
                }
                None if *kind == Kind::Bool => {
                    for _ in 0..n {
                        data.push(ValueRef::Bool(false));
                    }
                }
                None => {
                    for _ in 0..n {
                        data.push_null();
                    }
                }
            }
            Column::new(name.clone(), data)
        })
        .collect();
    Table::new(columns).unwrap_or_else(|_| Table::empty(&schema.columns))
}

/// The text length of one cell, for reserving buffers.
fn text_len<R>(get: &Get<R>, r: &R, w: &World) -> usize {
    let v = match get {
        Get::Rec(f) => f(r, w),
        Get::Proc(of, f) => of(r, w).map_or(ValueRef::Null, |p| f(p, w)),
    };
    match v {
        ValueRef::String(s) | ValueRef::Dynamic(s) => s.len(),
        _ => 0,
    }
}

/// Every table of the bundled schema: the demo's records where it has them, empty otherwise.
/// Tables are independent, so they are built on a few scoped threads, biggest first; a table
/// a worker could not deliver (no thread, a panic) is built on the calling thread.
pub(crate) fn catalog(w: &World) -> BTreeMap<String, Table> {
    let schema = DefenderSchema::bundled();
    let mut order: Vec<usize> = (0..schema.tables.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(records(w, &schema.tables[i].name)));
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4);
    let work = || {
        let mut done = Vec::new();
        while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
            done.push((i, build_table(&schema.tables[i], w)));
        }
        done
    };
    let mut built: Vec<Option<Table>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut built: Vec<Option<Table>> = vec![None; schema.tables.len()];
        let mut collect = |done: Vec<(usize, Table)>| {
            for (i, t) in done {
                built[i] = Some(t);
            }
        };
        collect(work());
        for h in workers {
            collect(h.join().unwrap_or_default());
        }
        built
    });
    schema
        .tables
        .iter()
        .zip(built.iter_mut())
        .map(|(t, b)| {
            (
                t.name.clone(),
                b.take().unwrap_or_else(|| build_table(t, w)),
            )
        })
        .collect()
}

/// How many records a table has, to schedule big tables first.
fn records(w: &World, table: &str) -> usize {
    match table {
        "DeviceProcessEvents" => w.proc_events.len(),
        "DeviceNetworkEvents" => w.net.len(),
        "DeviceFileEvents" => w.files.len(),
        "DeviceLogonEvents" => w.logons.len(),
        "DeviceEvents" => w.dev_events.len(),
        "DeviceRegistryEvents" => w.reg.len(),
        "DeviceImageLoadEvents" => w.img.len(),
        "DeviceInfo" | "DeviceNetworkInfo" => w.dev_info.len(),
        "EmailEvents" => w.emails.len(),
        "EmailUrlInfo" => w.email_urls.len(),
        "UrlClickEvents" => w.clicks.len(),
        "IdentityLogonEvents" => w.id_logons.len(),
        "AlertInfo" => w.alerts.len(),
        "AlertEvidence" => w.evidence.len(),
        _ => 0,
    }
}

fn build_table(t: &TableSchema, w: &World) -> Table {
    match t.name.as_str() {
        "DeviceProcessEvents" => {
            let recs: Vec<ProcRec> = w.proc_events.iter().map(|&i| ProcRec(i)).collect();
            build(t, &recs, w, process_column)
        }
        "DeviceNetworkEvents" => build(t, &w.net, w, network_column),
        "DeviceFileEvents" => build(t, &w.files, w, file_column),
        "DeviceLogonEvents" => build(t, &w.logons, w, logon_column),
        "DeviceEvents" => build(t, &w.dev_events, w, device_event_column),
        "DeviceRegistryEvents" => build(t, &w.reg, w, registry_column),
        "DeviceImageLoadEvents" => build(t, &w.img, w, image_load_column),
        "DeviceInfo" => build(t, &w.dev_info, w, device_info_column),
        "DeviceNetworkInfo" => build(t, &w.dev_info, w, network_info_column),
        "EmailEvents" => build(t, &w.emails, w, email_column),
        "EmailUrlInfo" => build(t, &w.email_urls, w, email_url_column),
        "UrlClickEvents" => build(t, &w.clicks, w, click_column),
        "IdentityLogonEvents" => build(t, &w.id_logons, w, identity_column),
        "AlertInfo" => build(t, &w.alerts, w, alert_column),
        "AlertEvidence" => build(t, &w.evidence, w, evidence_column),
        _ => Table::empty(&t.columns),
    }
}

// DeviceProcessEvents ------------------------------------------------------------------

struct ProcRec(u32);

impl Record for ProcRec {
    fn ts(&self) -> i64 {
        0
    }
    fn initiating(&self) -> Option<u32> {
        None
    }
}

fn created_of<'a>(r: &'a ProcRec, w: &'a World) -> Option<&'a Proc> {
    w.proc(r.0)
}

fn created_parent_of<'a>(r: &'a ProcRec, w: &'a World) -> Option<&'a Proc> {
    created_of(r, w).and_then(|p| parent(p, w))
}

fn created_grandparent_of<'a>(r: &'a ProcRec, w: &'a World) -> Option<&'a Proc> {
    created_parent_of(r, w).and_then(|p| parent(p, w))
}

fn process_column(name: &str) -> Option<Get<ProcRec>> {
    let of_created = |f| Some(Get::Proc(created_of, f));
    match name {
        "Timestamp" => return of_created(proc_field("CreationTime")?),
        "ActionType" => return Some(Get::Rec(|_, _| s("ProcessCreated"))),
        "DeviceId" => {
            return Some(Get::Rec(|r, w| {
                w.proc(r.0)
                    .and_then(|p| device(w, p.dev))
                    .map_or(EMPTY, |d| s(&d.id))
            }));
        }
        "DeviceName" => {
            return Some(Get::Rec(|r, w| {
                w.proc(r.0)
                    .and_then(|p| device(w, p.dev))
                    .map_or(EMPTY, |d| s(&d.name))
            }));
        }
        _ => {}
    }
    if let Some(rest) = name.strip_prefix("InitiatingProcessParent") {
        return proc_field(rest).map(|f| Get::Proc(created_grandparent_of, f));
    }
    if let Some(rest) = name.strip_prefix("InitiatingProcess") {
        return proc_field(rest).map(|f| Get::Proc(created_parent_of, f));
    }
    if let Some(rest) = name.strip_prefix("Process") {
        return proc_field(rest).and_then(of_created);
    }
    proc_field(name).and_then(of_created)
}

// DeviceNetworkEvents ------------------------------------------------------------------

impl Record for NetEv {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn initiating(&self) -> Option<u32> {
        Some(self.proc)
    }
}

fn ip_type(ip: &str) -> &'static str {
    if ip.starts_with("10.") || ip.starts_with("192.168.") || ip.starts_with("172.16.") {
        "Private"
    } else if ip.starts_with("127.") {
        "Loopback"
    } else if ip.is_empty() {
        ""
    } else {
        "Public"
    }
}

fn network_column(name: &str) -> Option<Get<NetEv>> {
    let f: RecFn<NetEv> = match name {
        "ActionType" => |r, _| s(r.action),
        "RemoteIP" => |r, _| s(&r.remote_ip),
        "RemotePort" => |r, _| ValueRef::Int(r.remote_port),
        "RemoteUrl" => |r, _| s(&r.remote_url),
        "LocalIP" => local_ip_of::<NetEv>,
        "LocalPort" => |r, _| ValueRef::Int(r.local_port),
        "Protocol" => |r, _| s(r.protocol),
        "LocalIPType" => |_, _| s("Private"),
        "RemoteIPType" => |r, _| s(ip_type(&r.remote_ip)),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// DeviceFileEvents ---------------------------------------------------------------------

impl Record for FileEv {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn initiating(&self) -> Option<u32> {
        Some(self.proc)
    }
}

fn file_column(name: &str) -> Option<Get<FileEv>> {
    let f: RecFn<FileEv> = match name {
        "ActionType" => |r, _| s(r.action),
        "FileName" => |r, _| s(&r.name),
        "FolderPath" => |r, _| s(&r.path),
        "SHA1" => |r, _| s(&r.sha1),
        "SHA256" => |r, _| s(&r.sha256),
        "MD5" => |r, _| s(&r.md5),
        "FileSize" => |r, _| opt_long(r.size),
        "FileOriginUrl" => |r, _| s(&r.origin_url),
        "FileOriginReferrerUrl" => |r, _| s(&r.referrer),
        "FileOriginIP" => |r, _| s(&r.origin_ip),
        "PreviousFileName" => |r, _| s(&r.prev_name),
        "PreviousFolderPath" => |r, _| s(&r.prev_path),
        "RequestProtocol" => |r, _| {
            s(if r.req_protocol.is_empty() {
                "Local"
            } else {
                r.req_protocol
            })
        },
        "RequestSourceIP" => |r, _| s(&r.req_ip),
        "RequestSourcePort" => |r, _| opt_int(r.req_port),
        "RequestAccountName" => |r, w| {
            r.req_acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.name))
        },
        "RequestAccountDomain" => |r, w| {
            r.req_acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.domain))
        },
        "RequestAccountSid" => |r, w| {
            r.req_acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.sid))
        },
        "ShareName" => |r, _| s(r.share),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// DeviceLogonEvents --------------------------------------------------------------------

impl Record for LogonEv {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn initiating(&self) -> Option<u32> {
        self.proc
    }
    fn device(&self, _: &World) -> Option<u16> {
        Some(self.dev)
    }
}

fn logon_column(name: &str) -> Option<Get<LogonEv>> {
    let f: RecFn<LogonEv> = match name {
        "ActionType" => |r, _| s(r.action),
        "LogonType" => |r, _| s(r.logon_type),
        "AccountDomain" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.domain)),
        "AccountName" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.name)),
        "AccountSid" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.sid)),
        "Protocol" => |r, _| s(r.protocol),
        "FailureReason" => |r, _| s(r.failure),
        "IsLocalAdmin" => |r, _| r.local_admin.map_or(ValueRef::Null, ValueRef::Bool),
        "LogonId" => |r, _| opt_long(r.logon_id),
        "RemoteDeviceName" => |r, _| s(&r.remote_device),
        "RemoteIP" => |r, _| s(&r.remote_ip),
        "RemoteIPType" => |r, _| s(r.remote_ip_type),
        "RemotePort" => |r, _| opt_int(r.remote_port),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// DeviceEvents -------------------------------------------------------------------------

impl Record for DevEv {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn initiating(&self) -> Option<u32> {
        Some(self.proc)
    }
}

fn target_of<'a>(r: &'a DevEv, w: &'a World) -> Option<&'a Proc> {
    r.target.and_then(|i| w.proc(i))
}

/// A file column of a device event: the target process's image if there is one, else the
/// event's own file fields.
fn dev_file<'a>(
    r: &'a DevEv,
    w: &'a World,
    pick: fn(&'a Image) -> &'a str,
    own: &'a str,
) -> ValueRef<'a> {
    match target_of(r, w).and_then(|p| image(p, w)) {
        Some(i) => s(pick(i)),
        None => s(own),
    }
}

fn device_event_column(name: &str) -> Option<Get<DevEv>> {
    let f: RecFn<DevEv> = match name {
        "ActionType" => |r, _| s(r.action),
        "FileName" => |r, w| dev_file(r, w, |i| i.spec.file, &r.file_name),
        "FolderPath" => |r, w| match target_of(r, w) {
            Some(p) => s(w.path_of(p)),
            None => s(&r.path),
        },
        "SHA1" => |r, w| dev_file(r, w, |i| &i.sha1, &r.sha1),
        "SHA256" => |r, w| dev_file(r, w, |i| &i.sha256, &r.sha256),
        "MD5" => |r, w| dev_file(r, w, |i| &i.md5, &r.md5),
        "AccountDomain" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.domain))
        },
        "AccountName" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.name))
        },
        "AccountSid" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.sid))
        },
        "RemoteUrl" => |r, _| s(&r.remote_url),
        "RemoteDeviceName" => |r, _| s(&r.remote_device),
        "RemoteIP" => |r, _| s(&r.remote_ip),
        "RemotePort" => |r, _| opt_int(r.remote_port),
        "RegistryKey" => |r, _| s(&r.reg_key),
        "RegistryValueName" => |r, _| s(&r.reg_name),
        "RegistryValueData" => |r, _| s(&r.reg_data),
        "AdditionalFields" => |r, _| s(&r.additional),
        _ => {
            let field = match name {
                "ProcessId" => "Id",
                "ProcessCommandLine" => "CommandLine",
                "ProcessCreationTime" => "CreationTime",
                "ProcessTokenElevation" => "TokenElevation",
                "FileSize" => "FileSize",
                "LogonId" => "LogonId",
                "CreatedProcessSessionId" => "SessionId",
                _ => return None,
            };
            return proc_field(field).map(|f| Get::Proc(target_of, f));
        }
    };
    Some(Get::Rec(f))
}

// DeviceRegistryEvents / DeviceImageLoadEvents -----------------------------------------

impl Record for RegEv {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn initiating(&self) -> Option<u32> {
        Some(self.proc)
    }
}

fn registry_column(name: &str) -> Option<Get<RegEv>> {
    let f: RecFn<RegEv> = match name {
        "ActionType" => |r, _| s(r.action),
        "RegistryKey" => |r, _| s(&r.key),
        "RegistryValueType" => |r, _| s(r.value_type),
        "RegistryValueName" => |r, _| s(&r.value_name),
        "RegistryValueData" => |r, _| s(&r.value_data),
        _ => return None,
    };
    Some(Get::Rec(f))
}

impl Record for ImgEv {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn initiating(&self) -> Option<u32> {
        Some(self.proc)
    }
}

fn loaded<'a>(r: &ImgEv, w: &'a World) -> Option<&'a Image> {
    w.org.images.get(r.image as usize)
}

fn image_load_column(name: &str) -> Option<Get<ImgEv>> {
    let f: RecFn<ImgEv> = match name {
        "ActionType" => |_, _| s("ImageLoaded"),
        "FileName" => |r, w| loaded(r, w).map_or(EMPTY, |i| s(i.spec.file)),
        "FolderPath" => |r, w| loaded(r, w).map_or(EMPTY, |i| s(&i.path)),
        "SHA1" => |r, w| loaded(r, w).map_or(EMPTY, |i| s(&i.sha1)),
        "SHA256" => |r, w| loaded(r, w).map_or(EMPTY, |i| s(&i.sha256)),
        "MD5" => |r, w| loaded(r, w).map_or(EMPTY, |i| s(&i.md5)),
        "FileSize" => |r, w| loaded(r, w).map_or(ValueRef::Null, |i| ValueRef::Long(i.spec.size)),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// DeviceInfo / DeviceNetworkInfo -------------------------------------------------------

impl Record for DevSnapshot {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn device(&self, _: &World) -> Option<u16> {
        Some(self.dev)
    }
}

fn snap<'a>(r: &DevSnapshot, w: &'a World) -> Option<&'a Device> {
    device(w, r.dev)
}

fn device_info_column(name: &str) -> Option<Get<DevSnapshot>> {
    let f: RecFn<DevSnapshot> = match name {
        "ClientVersion" => |_, _| s("10.8760.22621.3880"),
        "PublicIP" => |r, w| {
            s(if snap(r, w).is_some_and(|d| d.role == Role::JumpServer) {
                JUMP_PUBLIC_IP
            } else {
                EGRESS_IP
            })
        },
        "OSArchitecture" => |_, _| s("64-bit"),
        "OSPlatform" => |r, w| snap(r, w).map_or(EMPTY, |d| s(d.os_platform)),
        "OSBuild" => |r, w| snap(r, w).map_or(ValueRef::Null, |d| ValueRef::Long(d.os_build)),
        "IsAzureADJoined" => |_, _| ValueRef::Bool(true),
        "JoinType" => |_, _| s("Hybrid Azure AD Join"),
        "AadDeviceId" => |r, w| snap(r, w).map_or(EMPTY, |d| s(&d.aad_id)),
        "LoggedOnUsers" => |r, w| s(logged_on(w, r.dev)),
        "OSVersion" => |_, _| s("10.0"),
        "MachineGroup" => |r, w| {
            s(if snap(r, w).is_some_and(|d| d.role.is_server()) {
                "Servers"
            } else {
                "Workstations"
            })
        },
        "OnboardingStatus" => |_, _| s("Onboarded"),
        "DeviceCategory" => |_, _| s("Endpoint"),
        "DeviceType" => |r, w| {
            s(if snap(r, w).is_some_and(|d| d.role.is_server()) {
                "Server"
            } else {
                "Workstation"
            })
        },
        "Model" => |r, w| snap(r, w).map_or(EMPTY, |d| s(d.model)),
        "Vendor" => |r, w| snap(r, w).map_or(EMPTY, |d| s(d.vendor)),
        "OSDistribution" => |_, _| EMPTY,
        "OSVersionInfo" => |r, w| snap(r, w).map_or(EMPTY, |d| s(d.os_version_info)),
        "IsInternetFacing" => {
            |r, w| ValueRef::Bool(snap(r, w).is_some_and(|d| d.role == Role::JumpServer))
        }
        "SensorHealthState" => |_, _| s("Active"),
        "ExposureLevel" => |r, w| {
            s(match snap(r, w).map(|d| d.role) {
                Some(Role::JumpServer) | Some(Role::DomainController) => "High",
                Some(Role::Workstation) => "Medium",
                _ => "Low",
            })
        },
        "AssetValue" => |r, w| {
            s(
                if snap(r, w).is_some_and(|d| d.role == Role::DomainController) {
                    "High"
                } else {
                    "Normal"
                },
            )
        },
        "DeviceManualTags" | "DeviceDynamicTags" => |_, _| s("[]"),
        "ConnectivityType" => |_, _| s("Standard"),
        _ => return None,
    };
    Some(Get::Rec(f))
}

/// `LoggedOnUsers` JSON for a device's owner (precomputed once per device).
fn logged_on(w: &World, dev: u16) -> &str {
    w.logged_on.get(dev as usize).map_or("[]", |s| s.as_str())
}

fn network_info_column(name: &str) -> Option<Get<DevSnapshot>> {
    let f: RecFn<DevSnapshot> = match name {
        "NetworkAdapterName" => |_, _| s("Ethernet"),
        "MacAddress" => |r, w| snap(r, w).map_or(EMPTY, |d| s(&d.mac)),
        "NetworkAdapterType" => |_, _| s("Ethernet"),
        "NetworkAdapterStatus" => |_, _| s("Up"),
        "TunnelType" => |_, _| s("None"),
        "ConnectedNetworks" => |_, _| {
            s(
                r#"[{"Name":"contoso.local","Description":"contoso.local","IsConnectedToInternet":true,"Category":"Domain"}]"#,
            )
        },
        "DnsAddresses" => |_, _| s(r#"["10.0.0.10"]"#),
        "IPv4Dhcp" => |r, w| {
            s(if snap(r, w).is_some_and(|d| d.role.is_server()) {
                ""
            } else {
                "10.0.1.1"
            })
        },
        "DefaultGateways" => |r, w| {
            s(if snap(r, w).is_some_and(|d| d.role.is_server()) {
                r#"["10.0.0.1"]"#
            } else {
                r#"["10.0.1.1"]"#
            })
        },
        "IPAddresses" => |r, w| w.ip_json.get(r.dev as usize).map_or(EMPTY, |j| s(j)),
        "NetworkAdapterVendor" => |_, _| s("Microsoft"),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// Email, URL clicks --------------------------------------------------------------------

impl Record for EmailEv {
    fn ts(&self) -> i64 {
        self.ts
    }
}

fn email_column(name: &str) -> Option<Get<EmailEv>> {
    let f: RecFn<EmailEv> = match name {
        "Timestamp" => ts_of::<EmailEv>,
        "NetworkMessageId" => |r, _| s(&r.nmid),
        "InternetMessageId" => |r, _| s(&r.imid),
        "SenderMailFromAddress" | "SenderFromAddress" => |r, _| s(&r.from),
        "SenderDisplayName" => |r, _| s(&r.from_name),
        "SenderObjectId" => |r, _| s(&r.sender_oid),
        "SenderMailFromDomain" | "SenderFromDomain" => |r, _| s(&r.from_domain),
        "SenderIPv4" => |r, _| s(&r.sender_ip),
        "RecipientEmailAddress" => |r, _| s(&r.to),
        "RecipientObjectId" => |r, _| s(&r.to_oid),
        "Subject" => |r, _| s(&r.subject),
        "EmailClusterId" => |r, _| ValueRef::Long(r.cluster),
        "EmailDirection" => |r, _| s(r.direction),
        "DeliveryAction" | "LatestDeliveryAction" => |r, _| s(r.delivery_action),
        "DeliveryLocation" | "LatestDeliveryLocation" => |r, _| s(r.delivery_location),
        "ThreatTypes" => |r, _| s(r.threat_types),
        "DetectionMethods" => |r, _| s(r.detection),
        "ConfidenceLevel" => |r, _| s(r.confidence),
        "BulkComplaintLevel" => |r, _| opt_int(r.bcl),
        "EmailAction" => |r, _| {
            s(match r.delivery_action {
                "Junked" => "Move to junk mail folder",
                "Blocked" => "Send to quarantine",
                _ => "",
            })
        },
        "AuthenticationDetails" => |r, _| s(r.auth),
        "AttachmentCount" => |r, _| ValueRef::Int(r.attachments),
        "UrlCount" => |r, _| ValueRef::Int(r.urls),
        "EmailLanguage" => |_, _| s("en"),
        "ReportId" => |r, _| s(&r.report_id),
        _ => return None,
    };
    Some(Get::Rec(f))
}

impl Record for EmailUrl {
    fn ts(&self) -> i64 {
        self.ts
    }
}

fn email_url_column(name: &str) -> Option<Get<EmailUrl>> {
    let f: RecFn<EmailUrl> = match name {
        "Timestamp" => ts_of::<EmailUrl>,
        "NetworkMessageId" => |r, _| s(&r.nmid),
        "Url" => |r, _| s(&r.url),
        "UrlDomain" => |r, _| s(&r.domain),
        "UrlLocation" => |_, _| s("Body"),
        "ReportId" => |r, _| s(&r.report_id),
        _ => return None,
    };
    Some(Get::Rec(f))
}

impl Record for UrlClick {
    fn ts(&self) -> i64 {
        self.ts
    }
}

fn click_column(name: &str) -> Option<Get<UrlClick>> {
    let f: RecFn<UrlClick> = match name {
        "Timestamp" => ts_of::<UrlClick>,
        "Url" => |r, _| s(&r.url),
        "ActionType" => |r, _| s(r.action),
        "AccountUpn" => |r, _| s(&r.upn),
        "Workload" => |_, _| s("Email"),
        "NetworkMessageId" => |r, _| s(&r.nmid),
        "ThreatTypes" => |r, _| s(r.threat_types),
        "DetectionMethods" => |_, _| EMPTY,
        "IPAddress" => |r, _| s(&r.ip),
        "IsClickedThrough" => |_, _| ValueRef::Bool(false),
        "UrlChain" => |r, _| s(&r.chain),
        "ReportId" => |r, _| s(&r.report_id),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// IdentityLogonEvents ------------------------------------------------------------------

impl Record for IdLogon {
    fn ts(&self) -> i64 {
        self.ts
    }
}

fn identity_column(name: &str) -> Option<Get<IdLogon>> {
    let f: RecFn<IdLogon> = match name {
        "Timestamp" => ts_of::<IdLogon>,
        "ActionType" => |r, _| s(r.action),
        "Application" => |_, _| s("Active Directory"),
        "LogonType" => |r, _| s(r.logon_type),
        "Protocol" => |r, _| s(r.protocol),
        "FailureReason" => |r, _| s(r.failure),
        "AccountName" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.name)),
        "AccountDomain" => |_, _| s("contoso.local"),
        "AccountUpn" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.upn)),
        "AccountSid" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.sid)),
        "AccountObjectId" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.object_id)),
        "AccountDisplayName" => |r, w| account(w, r.acct).map_or(EMPTY, |a| s(&a.display)),
        "DeviceName" => |r, w| {
            r.dev
                .and_then(|d| device(w, d))
                .map_or(EMPTY, |d| s(&d.name))
        },
        "DeviceType" => |r, w| match r.dev.and_then(|d| device(w, d)) {
            Some(d) if d.role.is_server() => s("Server"),
            Some(_) => s("Workstation"),
            None => EMPTY,
        },
        "OSPlatform" => |r, w| {
            r.dev
                .and_then(|d| device(w, d))
                .map_or(EMPTY, |d| s(d.os_platform))
        },
        "IPAddress" => |r, _| s(&r.ip),
        "Port" => |r, _| ValueRef::Int(r.port),
        "DestinationDeviceName" => |_, _| s("dc01.contoso.local"),
        "DestinationIPAddress" => |_, _| s("10.0.0.10"),
        "DestinationPort" => |r, _| ValueRef::Int(r.dest_port),
        "TargetDeviceName" => |r, w| {
            r.target
                .and_then(|d| device(w, d))
                .map_or(EMPTY, |d| s(&d.name))
        },
        "ReportId" => |r, _| s(&r.report_id),
        "AdditionalFields" => |r, _| ValueRef::Dynamic(&r.additional),
        _ => return None,
    };
    Some(Get::Rec(f))
}

// AlertInfo / AlertEvidence ------------------------------------------------------------

impl Record for AlertRec {
    fn ts(&self) -> i64 {
        self.ts
    }
}

fn alert_column(name: &str) -> Option<Get<AlertRec>> {
    let f: RecFn<AlertRec> = match name {
        "Timestamp" => ts_of::<AlertRec>,
        "AlertId" => |r, _| s(&r.id),
        "Title" => |r, _| s(r.title),
        "Category" => |r, _| s(r.category),
        "Severity" => |r, _| s(r.severity),
        "ServiceSource" => |r, _| s(r.service),
        "DetectionSource" => |r, _| s(r.detection),
        "AttackTechniques" => |r, _| s(r.techniques),
        _ => return None,
    };
    Some(Get::Rec(f))
}

impl Record for EvidenceRec {
    fn ts(&self) -> i64 {
        self.ts
    }
    fn device(&self, _: &World) -> Option<u16> {
        self.dev
    }
}

fn of_alert<'a>(r: &EvidenceRec, w: &'a World) -> Option<&'a AlertRec> {
    w.alerts.get(r.alert)
}

fn evidence_column(name: &str) -> Option<Get<EvidenceRec>> {
    let f: RecFn<EvidenceRec> = match name {
        "AlertId" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(&a.id)),
        "Title" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(a.title)),
        "Categories" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(&a.categories)),
        "AttackTechniques" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(a.techniques)),
        "ServiceSource" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(a.service)),
        "DetectionSource" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(a.detection)),
        "Severity" => |r, w| of_alert(r, w).map_or(EMPTY, |a| s(a.severity)),
        "EntityType" => |r, _| s(r.entity),
        "EvidenceRole" => |r, _| s(r.role),
        "FileName" => |r, _| s(&r.file_name),
        "FolderPath" => |r, _| s(&r.path),
        "SHA1" => |r, _| s(&r.sha1),
        "SHA256" => |r, _| s(&r.sha256),
        "FileSize" => |r, _| opt_long(r.size),
        "RemoteIP" => |r, _| s(&r.remote_ip),
        "RemoteUrl" => |r, _| s(&r.remote_url),
        "AccountName" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.name))
        },
        "AccountDomain" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.domain))
        },
        "AccountSid" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.sid))
        },
        "AccountObjectId" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.object_id))
        },
        "AccountUpn" => |r, w| {
            r.acct
                .and_then(|a| account(w, a))
                .map_or(EMPTY, |a| s(&a.upn))
        },
        "LocalIP" => local_ip_of::<EvidenceRec>,
        "NetworkMessageId" => |r, _| s(&r.nmid),
        "EmailSubject" => |r, _| s(&r.subject),
        "ProcessCommandLine" => |r, _| s(&r.cmd),
        "RegistryKey" => |r, _| s(&r.reg_key),
        "RegistryValueName" => |r, _| s(&r.reg_name),
        "RegistryValueData" => |r, _| s(&r.reg_data),
        _ => return None,
    };
    Some(Get::Rec(f))
}
