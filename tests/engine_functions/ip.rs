//! IP address functions.

use super::{check, fails, null};
use kqlhunt::data::Kind;
use kqlhunt::engine::ErrorKind;

// parse-ipv4-function, parse-ipv4-mask-function, format-ipv4-function.
#[test]
fn parse_and_format() {
    check("parse_ipv4('127.0.0.1')", "2130706433", Kind::Long);
    check("parse_ipv4('192.1.168.1/24')", "3221334016", Kind::Long);
    null("parse_ipv4('127.0.0.256')");
    check("parse_ipv4_mask('127.2.3.4', 8)", "2130706432", Kind::Long);
    check(
        "format_ipv4('192.168.1.255', 24)",
        "192.168.1.0",
        Kind::String,
    );
    check("format_ipv4(3232236031)", "192.168.1.255", Kind::String);
    check(
        "format_ipv4_mask('192.168.1.255', 24)",
        "192.168.1.0/24",
        Kind::String,
    );
}

// ipv4-is-private-function: RFC 1918 ranges.
#[test]
fn private_ranges() {
    check("ipv4_is_private('10.1.2.3')", "true", Kind::Bool);
    check("ipv4_is_private('172.16.0.1')", "true", Kind::Bool);
    check("ipv4_is_private('172.32.0.1')", "false", Kind::Bool);
    check("ipv4_is_private('192.168.1.1/24')", "true", Kind::Bool);
    check("ipv4_is_private('8.8.8.8')", "false", Kind::Bool);
    check("ipv4_is_private(ip)", "true", Kind::Bool);
    null("ipv4_is_private('not an ip')");
}

// ipv4-is-in-range-function, ipv4-is-in-any-range-function, ipv4-is-match-function,
// ipv4-compare-function.
#[test]
fn ranges_and_comparisons() {
    check(
        "ipv4_is_in_range('192.168.1.1', '192.168.1.1')",
        "true",
        Kind::Bool,
    );
    check(
        "ipv4_is_in_range('192.168.1.1', '192.168.1.255/24')",
        "true",
        Kind::Bool,
    );
    check(
        "ipv4_is_in_range('192.168.2.1', '192.168.1.0/24')",
        "false",
        Kind::Bool,
    );
    null("ipv4_is_in_range('x', '192.168.1.0/24')");
    check(
        "ipv4_is_in_any_range('10.0.0.5', '192.168.0.0/16', '10.0.0.0/8')",
        "true",
        Kind::Bool,
    );
    check(
        "ipv4_is_in_any_range('8.8.8.8', dynamic(['192.168.0.0/16', '10.0.0.0/8']))",
        "false",
        Kind::Bool,
    );
    check("ipv4_compare('127.0.0.1', '127.0.0.1')", "0", Kind::Long);
    check(
        "ipv4_compare('192.168.1.1', '192.168.1.255')",
        "-1",
        Kind::Long,
    );
    check(
        "ipv4_compare('192.168.1.1/24', '192.168.1.255/24')",
        "0",
        Kind::Long,
    );
    check(
        "ipv4_compare('192.168.1.1', '192.168.1.255', 24)",
        "0",
        Kind::Long,
    );
    check(
        "ipv4_is_match('192.168.1.1/24', '192.168.1.255')",
        "true",
        Kind::Bool,
    );
}

// ipv6-compare-function, ipv6-is-match-function: IPv4 addresses compare as mapped IPv6.
#[test]
fn ipv6() {
    check(
        "ipv6_compare('::ffff:7f00:1', '127.0.0.1')",
        "0",
        Kind::Long,
    );
    check(
        "ipv6_compare('fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995')",
        "-1",
        Kind::Long,
    );
    check(
        "ipv6_compare('fe80::85d:e82c:9446:7994/127', 'fe80::85d:e82c:9446:7995/127')",
        "0",
        Kind::Long,
    );
    check(
        "ipv6_is_match('fe80::85d:e82c:9446:7994', 'fe80::85d:e82c:9446:7995', 127)",
        "true",
        Kind::Bool,
    );
    null("ipv6_compare('nope', '::1')");
    check(
        "parse_ipv6('::1')",
        "0000:0000:0000:0000:0000:0000:0000:0001",
        Kind::String,
    );
}

// has-ipv4-function, has-ipv4-prefix-function, has-any-ipv4-function: an address must
// stand alone in the text.
#[test]
fn ipv4_in_text() {
    check(
        "has_ipv4('log: 10.1.2.3 connected', '10.1.2.3')",
        "true",
        Kind::Bool,
    );
    check(
        "has_ipv4('log: 10.1.2.3.4 connected', '10.1.2.3')",
        "false",
        Kind::Bool,
    );
    check(
        "has_ipv4('log: x10.1.2.3 connected', '10.1.2.3')",
        "false",
        Kind::Bool,
    );
    check(
        "has_ipv4_prefix('from 192.168.1.7:443', '192.168.')",
        "true",
        Kind::Bool,
    );
    check(
        "has_ipv4_prefix('from 192.168.1.7', '192.16')",
        "false",
        Kind::Bool,
    );
    check(
        "has_any_ipv4('a 1.1.1.1 b', dynamic(['8.8.8.8', '1.1.1.1']))",
        "true",
        Kind::Bool,
    );
    check(
        "has_any_ipv4('a 1.1.1.1 b', '8.8.8.8', '9.9.9.9')",
        "false",
        Kind::Bool,
    );
}

// geo-info-from-ip-address-function: private and reserved addresses give an empty bag; the
// demo's public ranges are bundled; anything else is refused rather than invented.
#[test]
fn geo_info() {
    check("geo_info_from_ip_address('10.0.0.10')", "{}", Kind::Dynamic);
    check(
        "geo_info_from_ip_address('203.0.113.77')",
        "{}",
        Kind::Dynamic,
    );
    check(
        "tostring(geo_info_from_ip_address('140.82.121.4').country)",
        "United States",
        Kind::String,
    );
    check(
        "tostring(geo_info_from_ip_address('185.15.59.224').country)",
        "Netherlands",
        Kind::String,
    );
    let (k, m) = fails("geo_info_from_ip_address('8.8.8.8')");
    assert_eq!(k, ErrorKind::Unsupported);
    assert_eq!(
        m,
        "geo_info_from_ip_address needs a GeoIP database (8.8.8.8)"
    );
    check("geo_info_from_ip_address('fe80::1')", "{}", Kind::Dynamic);
    check(
        "geo_info_from_ip_address('::ffff:10.0.0.1')",
        "{}",
        Kind::Dynamic,
    );
    let (k, _) = fails("geo_info_from_ip_address('2606:4700::1111')");
    assert_eq!(k, ErrorKind::Unsupported);
    let (k, _) = fails("geo_info_from_ip_address(strcat('8.8.8.', n))");
    assert_eq!(k, ErrorKind::Unsupported);
}

// Every address column of the demo dataset gets an answer from geo_info_from_ip_address:
// the bundled table covers every public range the demo generates.
#[test]
fn geo_info_covers_the_demo_dataset() {
    use kqlhunt::engine::{Catalog, execute};
    let now = super::NOW;
    let catalog = Catalog::from_tables(kqlhunt::demo::generate(now).into_tables());
    let ctx = kqlhunt::engine::ExecContext {
        now,
        ..Default::default()
    };
    let mut checked = 0;
    let names: Vec<String> = catalog.names().map(str::to_string).collect();
    for table in names {
        let t = catalog.get(&table).unwrap().clone();
        for c in t.columns() {
            if c.kind() != Kind::String || !c.name.ends_with("IP") && !c.name.ends_with("IPAddress")
            {
                continue;
            }
            let q = format!(
                "{table} | where isnotempty({0}) | extend G = geo_info_from_ip_address({0})",
                c.name
            );
            let out = execute(&catalog, &q, &ctx).unwrap_or_else(|e| panic!("{q}: {e}"));
            checked += out.table.row_count();
        }
    }
    assert!(checked > 1000, "only {checked} addresses checked");
}
