//! Properties over open-ended inputs: split/strcat round trips, bin idempotence and bounds,
//! parse_json of arbitrary JSON printing back as the same JSON, substring lengths.

use super::{eval, text};
use kqlhunt::data::Value;
use proptest::prelude::*;

/// A KQL single-quoted string literal holding exactly `s`.
fn lit(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value as J;
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        any::<i64>().prop_map(J::from),
        "[a-zA-Z0-9 _\\\\\"'é.-]{0,8}".prop_map(J::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
            prop::collection::vec(("[a-z]{1,4}", inner), 0..4)
                .prop_map(|kv| J::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    // split-function / strcat-array-function: joining the parts gives the text back.
    #[test]
    fn split_then_join_round_trips(s in "[a-z,;. é']{0,24}") {
        let q = format!("strcat_array(split({}, ','), ',')", lit(&s));
        prop_assert_eq!(text(&q), s);
    }

    // strcat-function / strlen-function: lengths add up.
    #[test]
    fn strcat_lengths_add(a in "[a-zé ]{0,12}", b in "[a-z0-9]{0,12}") {
        let q = format!("strlen(strcat({}, {}))", lit(&a), lit(&b));
        prop_assert_eq!(text(&q), (a.chars().count() + b.chars().count()).to_string());
    }

    // bin-function: bin is idempotent, at or below the value, and within one bin of it.
    #[test]
    fn bin_longs(x in -1_000_000_000i64..1_000_000_000, size in 1i64..100_000) {
        let b = format!("bin({x}, {size})");
        let v = eval(&b).0;
        let Value::Long(r) = v else { panic!("{b} gave {v:?}") };
        prop_assert!(r <= x && x - r < size);
        prop_assert_eq!(r % size, 0);
        prop_assert_eq!(eval(&format!("bin({b}, {size})")).0, Value::Long(r));
    }

    #[test]
    fn bin_datetimes(secs in 0i64..4_000_000_000, size_s in 1i64..864_000) {
        let size = format!("{size_s}s");
        let b = format!("bin(unixtime_seconds_todatetime({secs}), {size})");
        let v = eval(&b).0;
        let Value::DateTime(r) = v else { panic!("{b} gave {v:?}") };
        let x = secs * 10_000_000;
        prop_assert!(r <= x && x - r < size_s * 10_000_000);
        prop_assert_eq!(eval(&format!("bin({b}, {size})")).0, Value::DateTime(r));
    }

    // parse-json-function + tostring-function: arbitrary JSON prints back as itself
    // (strings at the top level print without quotes; JSON null is a null value).
    #[test]
    fn parse_json_round_trips(j in json()) {
        let compact = j.to_string();
        let got = text(&format!("tostring(parse_json({}))", lit(&compact)));
        let want = match &j {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            _ => compact,
        };
        prop_assert_eq!(got, want);
    }

    // substring-function: never longer than asked, never longer than the source.
    #[test]
    fn substring_bounds(s in "[a-zé]{0,16}", start in -20i64..20, len in 0i64..20) {
        let q = format!("strlen(substring({}, {start}, {len}))", lit(&s));
        let n: i64 = text(&q).parse().unwrap();
        prop_assert!(n <= len && n <= s.chars().count() as i64);
    }

    // Nothing a string function is handed makes it panic; bad input is null or a value.
    #[test]
    fn string_functions_total(s in "\\PC{0,16}") {
        let l = lit(&s);
        for f in ["url_decode", "base64_decode_tostring", "parse_url", "parse_path",
                  "parse_csv", "reverse", "parse_ipv4", "parse_json", "tohex", "toint",
                  "todatetime", "totimespan", "geo_info_from_ip_address"] {
            let q = format!("T | extend R = {f}({l})");
            let _ = kqlhunt::engine::execute(&super::catalog(), &q, &Default::default());
        }
        let q = format!("parse_command_line({l}, 'windows')");
        let _ = eval(&q);
    }
}

/// Every registered function, called with nulls of each kind (and with wrong kinds), gives
/// a value or a one-line error; nothing panics.
#[test]
fn every_function_takes_nulls_and_wrong_kinds() {
    use kqlhunt::engine::functions;
    let fillers = [
        "nulllong", "nulldyn", "nulldt", "empty", "s", "d", "t", "r", "-1", "0",
    ];
    for name in functions::names() {
        let def = functions::lookup(name).unwrap();
        for n in def.min..=def.max.min(4) {
            for filler in fillers {
                let args = vec![filler; n].join(", ");
                let q = format!("T | extend R = {name}({args})");
                if let Err(e) = kqlhunt::engine::execute(&super::catalog(), &q, &Default::default())
                {
                    assert!(!e.message.contains('\n'), "{q}: {e:?}");
                }
            }
        }
    }
}
