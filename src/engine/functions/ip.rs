//! IP address functions: IPv4 parsing, masks, ranges, private ranges and comparisons,
//! IPv6 comparison and matching, `has_ipv4` and friends (an address must stand alone, not be
//! part of a longer dotted run), and `geo_info_from_ip_address`. There is no GeoIP database
//! locally: private and reserved addresses give Kusto's empty bag, the public ranges the demo
//! dataset uses come from a small bundled table, and any other address fails the query
//! with "not supported locally" rather than inventing a location.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::Value as J;

use super::dynamic::{as_json, from_json};
use super::{Args, FuncDef, Ret, f};
use crate::data::{Kind, Value};

const B: Ret = Ret::K(Kind::Bool);
const L: Ret = Ret::K(Kind::Long);

pub(super) const FUNCTIONS: &[FuncDef] = &[
    f("parse_ipv4", 1, 1, L, parse_ipv4),
    f("parse_ipv4_mask", 2, 2, L, parse_ipv4_mask),
    f("format_ipv4", 1, 2, Ret::K(Kind::String), format_ipv4),
    f(
        "format_ipv4_mask",
        1,
        2,
        Ret::K(Kind::String),
        format_ipv4_mask,
    ),
    f("ipv4_is_private", 1, 1, B, ipv4_is_private),
    f("ipv4_is_in_range", 2, 2, B, ipv4_is_in_range),
    f("ipv4_is_in_any_range", 2, 64, B, ipv4_is_in_any_range),
    f("ipv4_is_match", 2, 3, B, ipv4_is_match),
    f("ipv4_compare", 2, 3, L, ipv4_compare),
    f(
        "ipv4_netmask_suffix",
        1,
        1,
        Ret::K(Kind::Int),
        ipv4_netmask_suffix,
    ),
    f("parse_ipv6", 1, 1, Ret::K(Kind::String), parse_ipv6),
    f(
        "parse_ipv6_mask",
        2,
        2,
        Ret::K(Kind::String),
        parse_ipv6_mask,
    ),
    f("ipv6_compare", 2, 3, L, ipv6_compare),
    f("ipv6_is_match", 2, 3, B, ipv6_is_match),
    f("ipv6_is_in_range", 2, 2, B, ipv6_is_in_range),
    f("has_ipv4", 2, 2, B, has_ipv4),
    f("has_ipv4_prefix", 2, 2, B, has_ipv4_prefix),
    f("has_any_ipv4", 2, 64, B, has_any_ipv4),
    f("has_any_ipv4_prefix", 2, 64, B, has_any_ipv4_prefix),
    f(
        "geo_info_from_ip_address",
        1,
        1,
        Ret::K(Kind::Dynamic),
        geo_info,
    ),
];

/// An IPv4 address with an optional `/prefix` (0..=32) as (address, prefix).
pub(super) fn parse_v4(text: &str) -> Option<(u32, u32)> {
    let t = text.trim();
    let (addr, prefix) = match t.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u32>().ok().filter(|p| *p <= 32)?),
        None => (t, 32),
    };
    let ip: Ipv4Addr = addr.trim().parse().ok()?;
    Some((u32::from(ip), prefix))
}

fn mask(prefix: u32) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

fn v4_arg(a: &Args<'_>, i: usize) -> Option<(u32, u32)> {
    if a.is_null(i) {
        return None;
    }
    parse_v4(&a.str(i))
}

/// `parse_ipv4("a.b.c.d[/p]")`: the address as a long, masked by the prefix.
fn parse_ipv4(a: &Args<'_>) -> Value {
    v4_arg(a, 0).map_or(Value::Null, |(ip, p)| Value::Long((ip & mask(p)) as i64))
}

fn parse_ipv4_mask(a: &Args<'_>) -> Value {
    let (Some((ip, p)), Some(m)) = (v4_arg(a, 0), a.long(1)) else {
        return Value::Null;
    };
    if !(0..=32).contains(&m) {
        return Value::Null;
    }
    Value::Long((ip & mask(p.min(m as u32))) as i64)
}

fn v4_from_any(a: &Args<'_>, i: usize) -> Option<(u32, u32)> {
    match a.get(i) {
        crate::data::ValueRef::Int(_) | crate::data::ValueRef::Long(_) => {
            u32::try_from(a.long(i)?).ok().map(|ip| (ip, 32))
        }
        _ => v4_arg(a, i),
    }
}

fn format_ipv4(a: &Args<'_>) -> Value {
    let Some((ip, p)) = v4_from_any(a, 0) else {
        return Value::Null;
    };
    let m = if a.len() > 1 {
        match a.long(1) {
            Some(m) if (0..=32).contains(&m) => (m as u32).min(p),
            _ => return Value::Null,
        }
    } else {
        p
    };
    Value::String(Ipv4Addr::from(ip & mask(m)).to_string())
}

fn format_ipv4_mask(a: &Args<'_>) -> Value {
    let Some((ip, p)) = v4_from_any(a, 0) else {
        return Value::Null;
    };
    let m = if a.len() > 1 {
        match a.long(1) {
            Some(m) if (0..=32).contains(&m) => (m as u32).min(p),
            _ => return Value::Null,
        }
    } else {
        p
    };
    Value::String(format!("{}/{m}", Ipv4Addr::from(ip & mask(m))))
}

/// RFC 1918 private ranges, as `ipv4_is_private` defines them.
pub(super) fn is_private(ip: u32) -> bool {
    let o = ip.to_be_bytes();
    o[0] == 10 || (o[0] == 172 && (16..=31).contains(&o[1])) || (o[0] == 192 && o[1] == 168)
}

fn ipv4_is_private(a: &Args<'_>) -> Value {
    v4_arg(a, 0).map_or(Value::Null, |(ip, p)| {
        // A prefix must keep the whole block inside a private range.
        let lo = ip & mask(p);
        let hi = lo | !mask(p);
        Value::Bool(is_private(lo) && is_private(hi))
    })
}

fn in_range(ip: u32, range: (u32, u32)) -> bool {
    let (net, p) = range;
    ip & mask(p) == net & mask(p)
}

fn ipv4_is_in_range(a: &Args<'_>) -> Value {
    match (v4_arg(a, 0), v4_arg(a, 1)) {
        (Some((ip, _)), Some(r)) => Value::Bool(in_range(ip, r)),
        _ => Value::Null,
    }
}

/// Range arguments given one by one or as a dynamic array.
fn ranges(a: &Args<'_>, from: usize) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for i in from..a.len() {
        match as_json(a.get(i)) {
            Some(J::Array(items)) => out.extend(items.iter().filter_map(|x| match x {
                J::String(s) => Some(s.clone()),
                _ => None,
            })),
            _ => out.push(a.str(i).into_owned()),
        }
    }
    Some(out)
}

fn ipv4_is_in_any_range(a: &Args<'_>) -> Value {
    let Some((ip, _)) = v4_arg(a, 0) else {
        return Value::Null;
    };
    let Some(list) = ranges(a, 1) else {
        return Value::Null;
    };
    let mut any_valid = false;
    for r in &list {
        if let Some(r) = parse_v4(r) {
            any_valid = true;
            if in_range(ip, r) {
                return Value::Bool(true);
            }
        }
    }
    if any_valid || list.is_empty() {
        Value::Bool(false)
    } else {
        Value::Null
    }
}

/// Compare two addresses over the shorter of their prefixes (and the optional one).
fn compare_v4(a: &Args<'_>) -> Option<std::cmp::Ordering> {
    let ((x, px), (y, py)) = (v4_arg(a, 0)?, v4_arg(a, 1)?);
    let mut p = px.min(py);
    if a.len() > 2 {
        let m = a.long(2)?;
        if !(0..=32).contains(&m) {
            return None;
        }
        p = p.min(m as u32);
    }
    Some((x & mask(p)).cmp(&(y & mask(p))))
}

fn ordering_long(o: std::cmp::Ordering) -> Value {
    Value::Long(match o {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

fn ipv4_compare(a: &Args<'_>) -> Value {
    compare_v4(a).map_or(Value::Null, ordering_long)
}

fn ipv4_is_match(a: &Args<'_>) -> Value {
    compare_v4(a).map_or(Value::Null, |o| Value::Bool(o.is_eq()))
}

fn ipv4_netmask_suffix(a: &Args<'_>) -> Value {
    v4_arg(a, 0).map_or(Value::Null, |(_, p)| Value::Int(p as i32))
}

/// An IPv6 (or IPv4, mapped) address with an optional prefix (0..=128).
fn parse_v6(text: &str) -> Option<(u128, u32)> {
    let t = text.trim();
    let (addr, prefix) = match t.split_once('/') {
        Some((a, p)) => (a.trim(), Some(p.trim().parse::<u32>().ok()?)),
        None => (t, None),
    };
    if let Ok(v6) = addr.parse::<Ipv6Addr>() {
        let p = prefix.unwrap_or(128);
        return (p <= 128).then_some((u128::from(v6), p));
    }
    let v4: Ipv4Addr = addr.parse().ok()?;
    let p = match prefix {
        Some(p) if p <= 32 => p + 96,
        Some(_) => return None,
        None => 128,
    };
    Some((u128::from(v4.to_ipv6_mapped()), p))
}

fn mask6(p: u32) -> u128 {
    if p == 0 { 0 } else { u128::MAX << (128 - p) }
}

fn v6_arg(a: &Args<'_>, i: usize) -> Option<(u128, u32)> {
    if a.is_null(i) {
        return None;
    }
    parse_v6(&a.str(i))
}

fn compare_v6(a: &Args<'_>) -> Option<std::cmp::Ordering> {
    let ((x, px), (y, py)) = (v6_arg(a, 0)?, v6_arg(a, 1)?);
    let mut p = px.min(py);
    if a.len() > 2 {
        let m = a.long(2)?;
        if !(0..=128).contains(&m) {
            return None;
        }
        p = p.min(m as u32);
    }
    Some((x & mask6(p)).cmp(&(y & mask6(p))))
}

fn ipv6_compare(a: &Args<'_>) -> Value {
    compare_v6(a).map_or(Value::Null, ordering_long)
}

fn ipv6_is_match(a: &Args<'_>) -> Value {
    compare_v6(a).map_or(Value::Null, |o| Value::Bool(o.is_eq()))
}

fn ipv6_is_in_range(a: &Args<'_>) -> Value {
    match (v6_arg(a, 0), v6_arg(a, 1)) {
        (Some((ip, _)), Some((net, p))) => Value::Bool(ip & mask6(p) == net & mask6(p)),
        _ => Value::Null,
    }
}

/// `parse_ipv6`: the canonical, fully expanded lower-case form (IPv4 maps into `::ffff:`).
fn parse_ipv6(a: &Args<'_>) -> Value {
    v6_arg(a, 0).map_or(Value::Null, |(ip, p)| {
        Value::String(expanded(ip & mask6(p)))
    })
}

fn parse_ipv6_mask(a: &Args<'_>) -> Value {
    let (Some((ip, p)), Some(m)) = (v6_arg(a, 0), a.long(1)) else {
        return Value::Null;
    };
    if !(0..=128).contains(&m) {
        return Value::Null;
    }
    Value::String(expanded(ip & mask6(p.min(m as u32))))
}

fn expanded(ip: u128) -> String {
    let groups: Vec<String> = Ipv6Addr::from(ip)
        .segments()
        .iter()
        .map(|s| format!("{s:04x}"))
        .collect();
    groups.join(":")
}

/// Every standalone IPv4 address in `text`: runs of digits and dots that are not part of a
/// longer token of letters, digits or dots.
fn ipv4s_in(text: &str) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let before_ok = start == 0 || !(b[start - 1].is_ascii_alphanumeric());
        let after_ok = i >= b.len() || !b[i].is_ascii_alphanumeric();
        let token = text[start..i].trim_end_matches('.');
        if before_ok
            && after_ok
            && let Ok(ip) = token.parse::<Ipv4Addr>()
        {
            out.push((token.to_string(), u32::from(ip)));
        }
    }
    out
}

fn has_ipv4(a: &Args<'_>) -> Value {
    let Some((ip, _)) = v4_arg(a, 1) else {
        return Value::Bool(false);
    };
    Value::Bool(ipv4s_in(&a.str(0)).iter().any(|(_, x)| *x == ip))
}

/// A prefix such as `10.1.` or `192.168.1` matches addresses starting with those octets.
fn prefix_matches(token: &str, prefix: &str) -> bool {
    let p = prefix.trim();
    let octets: Vec<&str> = p.trim_end_matches('.').split('.').collect();
    if octets.is_empty() || octets.len() > 4 || octets.iter().any(|o| o.parse::<u8>().is_err()) {
        return false;
    }
    let t: Vec<&str> = token.split('.').collect();
    t.len() >= octets.len() && t.iter().zip(&octets).all(|(a, b)| a == b)
}

fn has_ipv4_prefix(a: &Args<'_>) -> Value {
    let prefix = a.str(1);
    Value::Bool(
        ipv4s_in(&a.str(0))
            .iter()
            .any(|(t, _)| prefix_matches(t, &prefix)),
    )
}

fn has_any_ipv4(a: &Args<'_>) -> Value {
    let wanted: Vec<u32> = ranges(a, 1)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| parse_v4(s).map(|(ip, _)| ip))
        .collect();
    Value::Bool(ipv4s_in(&a.str(0)).iter().any(|(_, x)| wanted.contains(x)))
}

fn has_any_ipv4_prefix(a: &Args<'_>) -> Value {
    let prefixes = ranges(a, 1).unwrap_or_default();
    Value::Bool(
        ipv4s_in(&a.str(0))
            .iter()
            .any(|(t, _)| prefixes.iter().any(|p| prefix_matches(t, p))),
    )
}

/// Ranges that are not routable on the internet (RFC 6890 special-purpose blocks, including
/// the documentation networks the demo's attackers live in): Kusto gives an empty bag.
const RESERVED_V4: &[(&str, u32)] = &[
    ("0.0.0.0", 8),
    ("10.0.0.0", 8),
    ("100.64.0.0", 10),
    ("127.0.0.0", 8),
    ("169.254.0.0", 16),
    ("172.16.0.0", 12),
    ("192.0.0.0", 24),
    ("192.0.2.0", 24),
    ("192.168.0.0", 16),
    ("198.18.0.0", 15),
    ("198.51.100.0", 24),
    ("203.0.113.0", 24),
    ("224.0.0.0", 4),
    ("240.0.0.0", 4),
];

/// The public ranges the demo dataset generates (src/demo: the benign sites and services),
/// with the registrant's location. (network, prefix, country, state, city, latitude,
/// longitude).
#[rustfmt::skip]
const DEMO_GEO: &[(&str, u32, &str, &str, &str, f64, f64)] = &[
    ("13.64.0.0", 11, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("13.96.0.0", 13, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("13.104.0.0", 14, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("20.0.0.0", 8, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("23.32.0.0", 11, "United States", "Massachusetts", "Cambridge", 42.3736, -71.1097),
    ("40.64.0.0", 10, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("52.96.0.0", 12, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("52.112.0.0", 14, "United States", "Washington", "Redmond", 47.674, -122.1215),
    ("104.16.0.0", 13, "United States", "California", "San Francisco", 37.7749, -122.4194),
    ("140.82.112.0", 20, "United States", "California", "San Francisco", 37.7749, -122.4194),
    ("142.250.0.0", 15, "United States", "California", "Mountain View", 37.3861, -122.0839),
    ("151.101.0.0", 16, "United States", "California", "San Francisco", 37.7749, -122.4194),
    ("185.15.56.0", 22, "Netherlands", "North Holland", "Amsterdam", 52.3676, 4.9041),
];

/// `geo_info_from_ip_address(ip)`: see the module comment for what is known locally.
fn geo_info(a: &Args<'_>) -> Value {
    if a.is_null(0) {
        return Value::Null;
    }
    let text = a.str(0);
    let Some((ip, _)) = parse_v4(&text) else {
        return match text.trim().parse::<Ipv6Addr>() {
            Ok(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => geo_v4(a, u32::from(v4), &text),
                None if v6_unroutable(v6) => Value::Dynamic("{}".into()),
                None => a.unsupported(format!(
                    "geo_info_from_ip_address needs a GeoIP database ({})",
                    text.trim()
                )),
            },
            Err(_) => Value::Null,
        };
    };
    geo_v4(a, ip, &text)
}

/// Loopback, unspecified, link-local, unique-local, multicast and documentation IPv6.
fn v6_unroutable(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] == 0x2001 && s[1] == 0x0db8)
}

fn geo_v4(a: &Args<'_>, ip: u32, text: &str) -> Value {
    let member = |net: &str, p: u32| parse_v4(net).is_some_and(|(n, _)| in_range(ip, (n, p)));
    if RESERVED_V4.iter().any(|(n, p)| member(n, *p)) {
        return Value::Dynamic("{}".into());
    }
    match DEMO_GEO.iter().find(|g| member(g.0, g.1)) {
        Some(&(_, _, country, state, city, lat, lon)) => from_json(serde_json::json!({
            "country": country,
            "state": state,
            "city": city,
            "latitude": lat,
            "longitude": lon,
        })),
        None => a.unsupported(format!(
            "geo_info_from_ip_address needs a GeoIP database ({})",
            text.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_standalone_addresses_only() {
        let found: Vec<String> = ipv4s_in("from 10.0.0.1, to 1.2.3.4.5 and v10.0.0.2 end 8.8.8.8.")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(found, vec!["10.0.0.1", "8.8.8.8"]);
        assert!(prefix_matches("10.1.2.3", "10.1."));
        assert!(!prefix_matches("10.12.2.3", "10.1."));
    }

    #[test]
    fn every_demo_geo_range_parses() {
        for g in DEMO_GEO {
            assert!(parse_v4(g.0).is_some(), "{}", g.0);
        }
        for (n, _) in RESERVED_V4 {
            assert!(parse_v4(n).is_some(), "{n}");
        }
    }
}
