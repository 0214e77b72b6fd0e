//! The Defender functions over the demo dataset (learn.microsoft.com/defender-xdr:
//! advanced-hunting-fileprofile-function, advanced-hunting-devicefromip-function,
//! advanced-hunting-assignedipaddresses-function): the documented columns, computed from
//! the local tables.

use kqlhunt::data::format::plain_text;
use kqlhunt::data::time::TICKS_PER_DAY;
use kqlhunt::data::{DefenderSchema, Table};
use kqlhunt::engine::{Catalog, ExecContext, execute};

const NOW: i64 = 20_400 * TICKS_PER_DAY;

fn run(catalog: &Catalog, q: &str) -> Table {
    let ctx = ExecContext {
        now: NOW,
        ..Default::default()
    };
    match execute(catalog, q, &ctx) {
        Ok(o) => o.table,
        Err(e) => panic!("{q}\n=> {:?}: {}", e.kind, e.message),
    }
}

fn col(t: &Table, name: &str) -> Vec<String> {
    let c = t.column(name).unwrap_or_else(|| panic!("no column {name}"));
    (0..t.row_count())
        .map(|r| plain_text(c.data.get(r)).into_owned())
        .collect()
}

#[test]
fn defender_functions_on_the_demo_dataset() {
    let catalog = Catalog::from_tables(kqlhunt::demo::generate(NOW).into_tables());

    // FileProfile adds every documented column the input lacks.
    let t = run(
        &catalog,
        r#"DeviceProcessEvents | where FileName =~ "updsvc.exe" | take 1
           | project SHA1, FileName | invoke FileProfile(SHA1, 100)"#,
    );
    let documented = DefenderSchema::bundled().function("FileProfile").unwrap();
    for (name, _) in &documented.columns {
        assert!(t.column(name).is_some(), "FileProfile lacks {name}");
    }
    assert_eq!(col(&t, "ProfileAvailability"), ["Available"]);
    // The implant ran on one device only.
    assert_eq!(col(&t, "GlobalPrevalence"), ["1"]);
    // A hash no local table knows gets no profile.
    let t = run(
        &catalog,
        r#"print SHA1 = "0000000000000000000000000000000000000000" | invoke FileProfile()"#,
    );
    assert_eq!(col(&t, "GlobalPrevalence"), [""]);

    // wks-017 is 10.0.1.27 in the demo organisation.
    let t = run(&catalog, r#"DeviceFromIP("10.0.1.27")"#);
    assert_eq!(t.row_count(), 1);
    let device = col(&t, "DeviceId")[0].clone();
    let t = run(
        &catalog,
        &format!(r#"DeviceInfo | where DeviceId == "{device}" | take 1 | project DeviceName"#),
    );
    assert!(col(&t, "DeviceName")[0].starts_with("wks-017"));
    let t = run(
        &catalog,
        r#"print IP = "10.0.1.27" | invoke DeviceFromIP()"#,
    );
    assert_eq!(col(&t, "DeviceId"), [device]);

    let t = run(&catalog, r#"AssignedIPAddresses("wks-017.contoso.local")"#);
    assert_eq!(col(&t, "IPAddress"), ["10.0.1.27"]);
    assert_eq!(col(&t, "IPType"), ["IPv4"]);
}
