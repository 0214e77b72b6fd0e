//! Dynamic values: parsing, property and index access, arrays, sets and bags.

use super::{check, eval, fails, null, text};
use kqlhunt::data::{Kind, Value};
use kqlhunt::engine::ErrorKind;

// parse-json-function: a JSON string parses; text that is not JSON stays a dynamic string;
// a dynamic is used as it is. Aliases: parsejson, todynamic.
#[test]
fn parse_json_and_aliases() {
    check(r#"parse_json('{"a":1}')"#, r#"{"a":1}"#, Kind::Dynamic);
    check("parse_json('not json')", "not json", Kind::Dynamic);
    assert_eq!(
        eval("parse_json('not json')").0,
        Value::Dynamic("\"not json\"".into())
    );
    check("parsejson('[1,2]')", "[1,2]", Kind::Dynamic);
    check("todynamic(d).n", "5", Kind::Dynamic);
    check("parse_json(js).User", "alice", Kind::Dynamic);
    null("parse_json(nulldyn)");
    null("parse_json('null')");
    check("parse_json(42)", "42", Kind::Dynamic);
}

// dynamic: property access with `.name` and `["name"]`, index with `[i]`, negative indexes
// count from the end; a missing property is null.
#[test]
fn property_and_index_access() {
    check("d.a.b[1]", "20", Kind::Dynamic);
    check(r#"d["a"]["b"][-1]"#, "30", Kind::Dynamic);
    check("d.name", "x", Kind::Dynamic);
    null("d.missing");
    null("d.a.b[5]");
    null("nulldyn.a");
    check("d[tostring(d.k)].b[0]", "10", Kind::Dynamic);
    // A string column holding JSON is read as its parsed value.
    check("js.Ips[1]", "8.8.8.8", Kind::Dynamic);
    check("tostring(parse_json(js).Ips[0])", "10.0.0.1", Kind::String);
    // Dynamic scalars compare and compute as the values they hold.
    check("d.n > 4", "true", Kind::Bool);
    check("d.n == 5", "true", Kind::Bool);
    check("d.name == 'x'", "true", Kind::Bool);
    check("toint(d.n) * 2", "10", Kind::Long);
    check("d.n + 1", "6", Kind::Dynamic);
    let (k, m) = fails("n.a");
    assert_eq!(k, ErrorKind::Semantic, "{m}");
}

// tostring-function: dynamic values print as JSON, strings without quotes.
#[test]
fn tostring_of_dynamic() {
    check("tostring(d.a)", r#"{"b":[10,20,30]}"#, Kind::String);
    check("tostring(d.name)", "x", Kind::String);
    check("tostring(nulldyn)", "", Kind::String);
}

// pack-array-function: values of any kind, nulls kept as JSON null.
#[test]
fn pack_array() {
    check(
        "pack_array(1, 'a', nulllong, true)",
        r#"[1,"a",null,true]"#,
        Kind::Dynamic,
    );
    check("pack_array(d.n, s)", r#"[5,"Hello World"]"#, Kind::Dynamic);
    check("array_length(pack_array(1, 2, 3))", "3", Kind::Long);
}

// pack-function / bag-pack-function / pack-dictionary-function, pack-all-function.
#[test]
fn bags_are_packed() {
    check(
        "pack('k', 1, 'v', s)",
        r#"{"k":1,"v":"Hello World"}"#,
        Kind::Dynamic,
    );
    check("bag_pack('a', 1)", r#"{"a":1}"#, Kind::Dynamic);
    check(
        "pack_dictionary('a', nulllong)",
        r#"{"a":null}"#,
        Kind::Dynamic,
    );
    let all = text("pack_all()");
    assert!(
        all.starts_with(r#"{"s":"Hello World","empty":"","n":42,"nulllong":null"#),
        "{all}"
    );
    let nonempty = text("pack_all(true)");
    assert!(
        !nonempty.contains("empty") && !nonempty.contains("nulllong"),
        "{nonempty}"
    );
}

// array-length-function: null for a value that is not an array.
#[test]
fn array_length() {
    check("array_length(d.a.b)", "3", Kind::Long);
    null("array_length(d.name)");
    null("array_length(nulldyn)");
    check("array_length(dynamic([]))", "0", Kind::Long);
}

// array-index-of-function: -1 when absent; start, length and occurrence arguments.
#[test]
fn array_index_of() {
    check(
        "array_index_of(dynamic(['a','b','c','b']), 'b')",
        "1",
        Kind::Long,
    );
    check(
        "array_index_of(dynamic(['a','b','c','b']), 'z')",
        "-1",
        Kind::Long,
    );
    check(
        "array_index_of(dynamic(['a','b','c','b']), 'b', 2)",
        "3",
        Kind::Long,
    );
    check(
        "array_index_of(dynamic(['a','b','c','b']), 'b', 0, -1, 2)",
        "3",
        Kind::Long,
    );
    check("array_index_of(dynamic([1,2,3]), 2)", "1", Kind::Long);
    null("array_index_of(d.name, 'x')");
}

// array-slice-function: inclusive indexes, negative from the end, out of range empty.
#[test]
fn array_slice() {
    check(
        "array_slice(dynamic([1,2,3,4,5]), 1, 3)",
        "[2,3,4]",
        Kind::Dynamic,
    );
    check(
        "array_slice(dynamic([1,2,3,4,5]), -2, -1)",
        "[4,5]",
        Kind::Dynamic,
    );
    check(
        "array_slice(dynamic([1,2,3,4,5]), 2, 10)",
        "[3,4,5]",
        Kind::Dynamic,
    );
    check(
        "array_slice(dynamic([1,2,3,4,5]), 6, 10)",
        "[]",
        Kind::Dynamic,
    );
}

// array-concat-function, array-sort-asc-function, array-sort-desc-function,
// array-reverse-function.
#[test]
fn array_concat_and_sort() {
    check(
        "array_concat(dynamic([1,2]), dynamic(['a']))",
        r#"[1,2,"a"]"#,
        Kind::Dynamic,
    );
    null("array_concat(dynamic([1]), d.name)");
    check(
        "array_sort_asc(dynamic([3,null,1,2]))",
        "[1,2,3,null]",
        Kind::Dynamic,
    );
    check(
        "array_sort_asc(dynamic([3,null,1]), false)",
        "[null,1,3]",
        Kind::Dynamic,
    );
    check(
        "array_sort_desc(dynamic(['b','c','a']))",
        r#"["c","b","a"]"#,
        Kind::Dynamic,
    );
    check("array_reverse(dynamic([1,2,3]))", "[3,2,1]", Kind::Dynamic);
}

// set-union-function, set-intersect-function, set-difference-function,
// set-has-element-function: distinct values, first-seen order.
#[test]
fn sets() {
    check(
        "set_union(dynamic([1,2,2]), dynamic([2,3]))",
        "[1,2,3]",
        Kind::Dynamic,
    );
    check(
        "set_intersect(dynamic([1,2,3]), dynamic([3,2,9]))",
        "[2,3]",
        Kind::Dynamic,
    );
    check(
        "set_difference(dynamic([1,2,3]), dynamic([2]))",
        "[1,3]",
        Kind::Dynamic,
    );
    check(
        "set_has_element(dynamic(['a','b']), 'b')",
        "true",
        Kind::Bool,
    );
    check(
        "set_has_element(dynamic(['a','b']), 'B')",
        "false",
        Kind::Bool,
    );
}

// bag-keys-function, bag-has-key-function, bag-merge-function, bag-remove-keys-function.
#[test]
fn bag_functions() {
    check("bag_keys(d)", r#"["a","name","n","k"]"#, Kind::Dynamic);
    check("bag_has_key(d, 'name')", "true", Kind::Bool);
    check("bag_has_key(d, 'nope')", "false", Kind::Bool);
    check("bag_has_key(d, '$.a.b')", "true", Kind::Bool);
    check(
        "bag_merge(dynamic({'a':1,'b':2}), dynamic({'b':3,'c':4}))",
        r#"{"a":1,"b":2,"c":4}"#,
        Kind::Dynamic,
    );
    check(
        "bag_remove_keys(dynamic({'a':1,'b':2,'c':3}), dynamic(['a','c']))",
        r#"{"b":2}"#,
        Kind::Dynamic,
    );
}

// extractjson-function / extract-json-function: JSONPath, text by default, typed with
// typeof(); missing elements are null.
#[test]
fn extractjson() {
    check("extractjson('$.User', js)", "alice", Kind::String);
    check("extract_json('$.Ips[1]', js)", "8.8.8.8", Kind::String);
    check(
        "extractjson('$.a.b[0]', tostring(d), typeof(long))",
        "10",
        Kind::Long,
    );
    check("extractjson('$.nope', js)", "", Kind::String);
    check("extractjson('$.User', 'not json')", "", Kind::String);
}

// gettype-function.
#[test]
fn gettype() {
    check("gettype(d)", "dictionary", Kind::String);
    check("gettype(d.a.b)", "array", Kind::String);
    check("gettype(d.n)", "long", Kind::String);
    check("gettype(s)", "string", Kind::String);
    check("gettype(t)", "datetime", Kind::String);
    check("gettype(nulldyn)", "null", Kind::String);
}

// parse-xml-function: the page's example shape: attributes as @name, text beside them as
// #text; malformed XML is null.
#[test]
fn parse_xml() {
    check(
        r#"parse_xml('<event><id>123</id><code color="red">500</code><message>Failed to connect</message></event>')"#,
        r##"{"event":{"id":"123","code":{"@color":"red","#text":"500"},"message":"Failed to connect"}}"##,
        Kind::Dynamic,
    );
    check(
        "tostring(parse_xml('<a><b>1</b><b>2</b></a>').a.b[1])",
        "2",
        Kind::String,
    );
    null("parse_xml('<a><b></a>')");
}

// jaccard-index-function.
#[test]
fn jaccard_index() {
    check(
        "jaccard_index(dynamic([1, 1, 2, 2, 3, 3]), dynamic([1, 2, 3, 4, 4, 4]))",
        "0.75",
        Kind::Real,
    );
    check(
        "jaccard_index(dynamic(['a','s','d']), dynamic(['f','d','s','a']))",
        "0.75",
        Kind::Real,
    );
}

// range-function: numbers, datetimes and timespans, inclusive of stop.
#[test]
fn range() {
    check("range(1, 5)", "[1,2,3,4,5]", Kind::Dynamic);
    check("range(1, 8, 3)", "[1,4,7]", Kind::Dynamic);
    check("range(5, 1, -2)", "[5,3,1]", Kind::Dynamic);
    check("range(1, 0)", "[]", Kind::Dynamic);
    check("range(1.0, 2.0, 0.5)", "[1.0,1.5,2.0]", Kind::Dynamic);
    check(
        "range(datetime(2024-01-01), datetime(2024-01-03), 1d)",
        r#"["2024-01-01T00:00:00.0000000Z","2024-01-02T00:00:00.0000000Z","2024-01-03T00:00:00.0000000Z"]"#,
        Kind::Dynamic,
    );
    check(
        "range(1h, 3h, 1h)",
        r#"["01:00:00","02:00:00","03:00:00"]"#,
        Kind::Dynamic,
    );
    null("range(1, 5, 0)");
}
