//! The Defender advanced-hunting functions, computed from the local tables (the demo
//! dataset): `FileProfile` (via `invoke FileProfile(column, n)`), `DeviceFromIP(ip [, at])`
//! and `AssignedIPAddresses(device [, at])`. The output columns are the documented ones
//! (from the bundled schema). What the service knows globally is computed over the local
//! tables: `GlobalPrevalence` is the number of local devices that saw the file, and
//! `GlobalFirstSeen`/`GlobalLastSeen` the first and last local sightings.

use std::collections::{HashMap, HashSet};

use super::run::convert;
use super::scope::Scope;
use super::{EngineError, Loc};
use crate::data::format::plain_text;
use crate::data::{Column, ColumnData, DefenderSchema, Kind, Table, Value, ValueRef};
use crate::kql::ast::{Call, ExprKind, Literal};

const FUNCTIONS: &[&str] = &["FileProfile", "DeviceFromIP", "AssignedIPAddresses"];

/// Tables whose rows describe files by hash.
const FILE_TABLES: &[&str] = &[
    "DeviceFileEvents",
    "DeviceProcessEvents",
    "DeviceImageLoadEvents",
];

pub fn is_function(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

pub fn call(scope: &Scope<'_>, call: &Call, input: Option<Table>) -> Result<Table, EngineError> {
    let loc = Loc(call.span);
    let name = call.name.name.as_str();
    let schema: Vec<(String, Kind)> = DefenderSchema::bundled()
        .function(name)
        .map(|f| f.columns.clone())
        .unwrap_or_default();
    let mut args = Vec::new();
    for a in &call.args {
        args.push(a);
    }
    match (name, input) {
        ("FileProfile", Some(input)) => file_profile(scope, input, &args, &schema, loc),
        ("FileProfile", None) => {
            Err(loc.semantic("use FileProfile with invoke: T | invoke FileProfile(SHA1, 1000)"))
        }
        ("DeviceFromIP", Some(input)) => devices_of_input(scope, input, loc),
        (_, Some(_)) => Err(loc.semantic(format!("{name}() is not used with invoke"))),
        ("DeviceFromIP", None) => device_from_ip(scope, &args, &schema, loc),
        (_, None) => assigned_ips(scope, &args, &schema, loc),
    }
}

/// A column of a local table by name, if the table and column exist.
fn column<'a>(scope: &'a Scope<'_>, table: &str, col: &str) -> Option<(&'a Table, usize)> {
    let t = scope.catalog.get(table)?;
    let i = t.column_index(col)?;
    Some((t.as_ref(), i))
}

fn text(t: &Table, row: usize, col: Option<usize>) -> String {
    col.map(|c| plain_text(t.cell(row, c)).into_owned())
        .unwrap_or_default()
}

#[derive(Default)]
struct FileFacts {
    sha1: String,
    sha256: String,
    md5: String,
    size: Option<i64>,
    devices: HashSet<String>,
    first: Option<i64>,
    last: Option<i64>,
    file_name: String,
    publisher: String,
    software: String,
}

fn file_profile(
    scope: &Scope<'_>,
    input: Table,
    args: &[&crate::kql::ast::Expr],
    schema: &[(String, Kind)],
    loc: Loc,
) -> Result<Table, EngineError> {
    let key_col = match args.first() {
        None => "SHA1".to_string(),
        Some(a) => match &a.kind {
            ExprKind::Name(n) => n.clone(),
            ExprKind::Literal(Literal::String(s)) => s.clone(),
            _ => return Err(loc.semantic("FileProfile's first argument is the hash column")),
        },
    };
    let Some(key_idx) = input.column_index(&key_col) else {
        return Err(loc.semantic(format!("FileProfile: no column '{key_col}' in the input")));
    };
    let limit = match args.get(1) {
        Some(e) => super::ops::row_count(e, scope)?.min(10_000),
        None => 1_000,
    };
    let by_sha256 = key_col.contains("256");
    // Facts about each hash, gathered from the file-describing tables.
    let mut facts: HashMap<String, FileFacts> = HashMap::new();
    for table in FILE_TABLES {
        let Some(t) = scope.catalog.get(table) else {
            continue;
        };
        let idx = |c: &str| t.column_index(c);
        let (sha1, sha256, md5) = (idx("SHA1"), idx("SHA256"), idx("MD5"));
        let (size, dev, ts, name) = (
            idx("FileSize"),
            idx("DeviceId"),
            idx("Timestamp"),
            idx("FileName"),
        );
        let (company, product) = (
            idx("ProcessVersionInfoCompanyName"),
            idx("ProcessVersionInfoProductName"),
        );
        for row in 0..t.row_count() {
            if row % super::ops::CANCEL_EVERY == 0 {
                scope.ctx.check_cancelled()?;
            }
            let key = text(t, row, if by_sha256 { sha256 } else { sha1 });
            if key.is_empty() {
                continue;
            }
            let f = facts.entry(key).or_default();
            if f.sha1.is_empty() {
                f.sha1 = text(t, row, sha1);
                f.sha256 = text(t, row, sha256);
                f.md5 = text(t, row, md5);
                f.file_name = text(t, row, name);
            }
            if f.size.is_none() {
                f.size = size.and_then(|c| match t.cell(row, c) {
                    ValueRef::Long(v) => Some(v),
                    ValueRef::Int(v) => Some(v as i64),
                    _ => None,
                });
            }
            if f.publisher.is_empty() {
                f.publisher = text(t, row, company);
                f.software = text(t, row, product);
            }
            f.devices.insert(text(t, row, dev));
            if let Some(ValueRef::DateTime(at)) = ts.map(|c| t.cell(row, c)) {
                f.first = Some(f.first.map_or(at, |x| x.min(at)));
                f.last = Some(f.last.map_or(at, |x| x.max(at)));
            }
        }
    }
    // Certificates by SHA1.
    let mut certs: HashMap<String, usize> = HashMap::new();
    let cert_table = column(scope, "DeviceFileCertificateInfo", "SHA1");
    if let Some((t, c)) = cert_table {
        for row in 0..t.row_count() {
            certs
                .entry(plain_text(t.cell(row, c)).into_owned())
                .or_insert(row);
        }
    }
    let cert = |sha1: &str, col: &str| -> Value {
        let Some((t, _)) = cert_table else {
            return Value::Null;
        };
        match (certs.get(sha1), t.column_index(col)) {
            (Some(&row), Some(c)) => t.cell(row, c).to_owned(),
            _ => Value::Null,
        }
    };
    // Profiles for the first `limit` distinct hashes of the input, as the service does.
    let mut profiled: HashSet<String> = HashSet::new();
    let mut new_columns: Vec<(String, ColumnData)> = schema
        .iter()
        .filter(|(n, _)| input.column_index(n).is_none())
        .map(|(n, k)| (n.clone(), ColumnData::with_capacity(*k, input.row_count())))
        .collect();
    for row in 0..input.row_count() {
        let key = plain_text(input.cell(row, key_idx)).into_owned();
        let known = !key.is_empty()
            && (profiled.contains(&key) || profiled.len() < limit)
            && facts.contains_key(&key);
        if known {
            profiled.insert(key.clone());
        }
        let f = facts.get(&key).filter(|_| known);
        for (name, col) in &mut new_columns {
            let v = match f {
                None => Value::Null,
                Some(f) => profile_value(name, f, &cert),
            };
            let kind = col.kind();
            col.push(convert(v, kind).as_ref());
        }
    }
    let mut columns = input.into_columns();
    columns.extend(new_columns.into_iter().map(|(n, d)| Column::new(n, d)));
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}

fn profile_value(name: &str, f: &FileFacts, cert: &dyn Fn(&str, &str) -> Value) -> Value {
    let s = |x: &str| {
        if x.is_empty() {
            Value::Null
        } else {
            Value::String(x.to_string())
        }
    };
    let signed = cert(&f.sha1, "IsSigned");
    let trusted = cert(&f.sha1, "IsTrusted");
    match name {
        "SHA1" => s(&f.sha1),
        "SHA256" => s(&f.sha256),
        "MD5" => s(&f.md5),
        "FileSize" => f.size.map_or(Value::Null, Value::Long),
        "GlobalPrevalence" => Value::Long(f.devices.len() as i64),
        "GlobalFirstSeen" => f.first.map_or(Value::Null, Value::DateTime),
        "GlobalLastSeen" => f.last.map_or(Value::Null, Value::DateTime),
        "Signer" | "Issuer" | "SignerHash" | "IsRootSignerMicrosoft" => cert(&f.sha1, name),
        "IsCertificateValid" => trusted,
        "SignatureState" => match (signed, trusted) {
            (Value::Bool(true), Value::Bool(true)) => s("SignedValid"),
            (Value::Bool(true), _) => s("SignedInvalid"),
            (Value::Bool(false), _) => s("Unsigned"),
            _ => Value::Null,
        },
        "IsExecutable" => {
            let lower = f.file_name.to_ascii_lowercase();
            Value::Bool(
                [
                    ".exe", ".dll", ".sys", ".scr", ".com", ".msi", ".ocx", ".cpl",
                ]
                .iter()
                .any(|e| lower.ends_with(e)),
            )
        }
        "Publisher" => s(&f.publisher),
        "SoftwareName" => s(&f.software),
        "ProfileAvailability" => s("Available"),
        _ => Value::Null,
    }
}

/// The constant string and optional datetime arguments of the IP functions.
fn ip_args(
    scope: &Scope<'_>,
    args: &[&crate::kql::ast::Expr],
    loc: Loc,
) -> Result<(String, i64), EngineError> {
    let first = match args.first() {
        Some(a) => plain_text(scope.constant(a, "function argument")?.1.as_ref()).into_owned(),
        None => return Err(loc.semantic("the function needs an argument")),
    };
    let at = match args.get(1) {
        Some(a) => match scope.constant(a, "function argument")?.1 {
            Value::DateTime(t) => t,
            _ => return Err(Loc(a.span).semantic("expected a datetime")),
        },
        None => scope.ctx.now,
    };
    Ok((first, at))
}

/// Every (row, IP address) of DeviceNetworkInfo at or before `at`.
fn network_rows<'a>(scope: &'a Scope<'_>, at: i64) -> Vec<(&'a Table, usize, String)> {
    let Some(t) = scope.catalog.get("DeviceNetworkInfo") else {
        return Vec::new();
    };
    let (Some(ips), Some(ts)) = (t.column_index("IPAddresses"), t.column_index("Timestamp")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for row in 0..t.row_count() {
        if !matches!(t.cell(row, ts), ValueRef::DateTime(x) if x <= at) {
            continue;
        }
        let json = plain_text(t.cell(row, ips));
        if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&json) {
            for item in items {
                if let Some(ip) = item.get("IPAddress").and_then(|v| v.as_str()) {
                    out.push((t.as_ref(), row, ip.to_string()));
                }
            }
        }
    }
    out
}

fn build(schema: &[(String, Kind)], rows: Vec<Vec<Value>>, loc: Loc) -> Result<Table, EngineError> {
    let columns = schema
        .iter()
        .enumerate()
        .map(|(i, (n, k))| {
            let mut col = ColumnData::with_capacity(*k, rows.len());
            for r in &rows {
                col.push(convert(r[i].clone(), *k).as_ref());
            }
            Column::new(n.clone(), col)
        })
        .collect();
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}

/// `DeviceFromIP(ip [, at])`: devices that had the address assigned at or before `at`.
fn device_from_ip(
    scope: &Scope<'_>,
    args: &[&crate::kql::ast::Expr],
    schema: &[(String, Kind)],
    loc: Loc,
) -> Result<Table, EngineError> {
    let (ip, at) = ip_args(scope, args, loc)?;
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (t, row, addr) in network_rows(scope, at) {
        if addr != ip {
            continue;
        }
        let device = text(t, row, t.column_index("DeviceId"));
        if seen.insert(device.clone()) {
            rows.push(vec![Value::String(addr), Value::String(device)]);
        }
    }
    build(schema, rows, loc)
}

/// `AssignedIPAddresses(device [, at])`: the addresses of the device's latest network
/// report at or before `at`.
fn assigned_ips(
    scope: &Scope<'_>,
    args: &[&crate::kql::ast::Expr],
    schema: &[(String, Kind)],
    loc: Loc,
) -> Result<Table, EngineError> {
    let (device, at) = ip_args(scope, args, loc)?;
    let candidates: Vec<_> = network_rows(scope, at)
        .into_iter()
        .filter(|(t, row, _)| {
            ["DeviceName", "DeviceId"]
                .iter()
                .any(|c| text(t, *row, t.column_index(c)).eq_ignore_ascii_case(&device))
        })
        .collect();
    let latest = candidates
        .iter()
        .filter_map(
            |(t, row, _)| match t.column_index("Timestamp").map(|c| t.cell(*row, c)) {
                Some(ValueRef::DateTime(x)) => Some(x),
                _ => None,
            },
        )
        .max();
    let mut rows = Vec::new();
    for (t, row, ip) in &candidates {
        let ts = t.column_index("Timestamp").map(|c| t.cell(*row, c));
        if ts != latest.map(ValueRef::DateTime) {
            continue;
        }
        let ip_type = if ip.contains(':') { "IPv6" } else { "IPv4" };
        rows.push(vec![
            ts.map_or(Value::Null, ValueRef::to_owned),
            Value::String(ip.clone()),
            Value::String(ip_type.into()),
            t.column_index("NetworkAdapterType")
                .map_or(Value::Null, |c| t.cell(*row, c).to_owned()),
            t.column_index("ConnectedNetworks")
                .map_or(Value::Null, |c| t.cell(*row, c).to_owned()),
        ]);
    }
    build(schema, rows, loc)
}

/// `T | invoke DeviceFromIP()`: the devices that had each row's `IP` (at its `Timestamp`,
/// if the table has one), one output row per device, as a `DeviceId` column.
fn devices_of_input(scope: &Scope<'_>, input: Table, loc: Loc) -> Result<Table, EngineError> {
    let Some(ip_col) = input.column_index("IP") else {
        return Err(loc.semantic("invoke DeviceFromIP() needs an input column named IP"));
    };
    let ts_col = input.column_index("Timestamp");
    let all = network_rows(scope, i64::MAX);
    let mut by_ip: HashMap<&str, Vec<(i64, String)>> = HashMap::new();
    for (t, row, ip) in &all {
        let at = match t.column_index("Timestamp").map(|c| t.cell(*row, c)) {
            Some(ValueRef::DateTime(x)) => x,
            _ => continue,
        };
        by_ip
            .entry(ip.as_str())
            .or_default()
            .push((at, text(t, *row, t.column_index("DeviceId"))));
    }
    let mut rows = Vec::new();
    let mut devices = ColumnData::new(Kind::String);
    for row in 0..input.row_count() {
        let ip = plain_text(input.cell(row, ip_col));
        let at = match ts_col.map(|c| input.cell(row, c)) {
            Some(ValueRef::DateTime(x)) => x,
            _ => scope.ctx.now,
        };
        let mut seen = HashSet::new();
        for (when, device) in by_ip.get(ip.as_ref()).into_iter().flatten() {
            if *when <= at && seen.insert(device.as_str()) {
                rows.push(row);
                devices.push(ValueRef::String(device));
            }
        }
    }
    let mut columns = input.take(&rows).into_columns();
    columns.push(Column::new("DeviceId", devices));
    let columns = {
        let mut out: Vec<Column> = Vec::new();
        for c in columns {
            let name = super::summarize::unique(c.name.clone(), &out);
            out.push(Column { name, ..c });
        }
        out
    };
    Table::new(columns).map_err(|e| loc.semantic(e.to_string()))
}
