//! Conversions, emptiness tests and control flow.

use super::{check, eval, fails, null};
use kqlhunt::data::{Kind, Value};
use kqlhunt::engine::ErrorKind;

// tostring-function: null becomes empty; numbers, bools, datetimes print as Kusto does.
#[test]
fn tostring() {
    check("tostring(123)", "123", Kind::String);
    check("tostring(nulllong)", "", Kind::String);
    check("tostring(true)", "true", Kind::String);
    check(
        "tostring(datetime(2024-01-02 03:04:05))",
        "2024-01-02T03:04:05Z",
        Kind::String,
    );
    check("tostring(1h)", "01:00:00", Kind::String);
}

// toint-function, tolong-function, toreal-function (todouble), todecimal-function: text
// that is not a number gives null; reals truncate toward zero.
#[test]
fn numbers() {
    check("toint('123')", "123", Kind::Int);
    check("toint(2.9)", "2", Kind::Int);
    check("toint(-2.9)", "-2", Kind::Int);
    null("toint('abc')");
    null("toint('3000000000')");
    check("tolong('3000000000')", "3000000000", Kind::Long);
    null("tolong('')");
    check("toreal('1.5')", "1.5", Kind::Real);
    check("todouble(n)", "42", Kind::Real);
    check("todecimal('2.25')", "2.25", Kind::Real);
    check("tolong(d.n)", "5", Kind::Long);
    check("toint(true)", "1", Kind::Int);
    null("toreal(nulllong)");
}

// tobool-function: "true"/"false" in any case, numbers non-zero; anything else null.
#[test]
fn booleans() {
    check("tobool('TRUE')", "true", Kind::Bool);
    check("tobool('false')", "false", Kind::Bool);
    check("tobool(1)", "true", Kind::Bool);
    check("tobool(0)", "false", Kind::Bool);
    null("tobool('yes')");
    check("toboolean('true')", "true", Kind::Bool);
}

// todatetime-function, totimespan-function, toguid-function.
#[test]
fn time_and_guid() {
    check(
        "todatetime('2015-12-24')",
        "2015-12-24T00:00:00Z",
        Kind::DateTime,
    );
    null("todatetime('abc')");
    check("totimespan('0.00:01:00')", "00:01:00", Kind::TimeSpan);
    check("totimespan('1.02:03:04')", "1.02:03:04", Kind::TimeSpan);
    null("totimespan('abc')");
    check(
        "toguid('0697405b-7e35-4bb7-81d4-c3c3a7e3c8a5')",
        "0697405b-7e35-4bb7-81d4-c3c3a7e3c8a5",
        Kind::Guid,
    );
    null("toguid('0697405b')");
}

// tohex-function: lower case; negative numbers in two's complement; minimum length pads.
#[test]
fn tohex() {
    check("tohex(256)", "100", Kind::String);
    check("tohex(-546)", "fffffffffffffdde", Kind::String);
    check("tohex(int(-546))", "fffffdde", Kind::String);
    check("tohex(48, 4)", "0030", Kind::String);
}

// isempty-function, isnotempty-function, isnull-function, isnotnull-function.
#[test]
fn emptiness_and_nulls() {
    check("isempty(empty)", "true", Kind::Bool);
    check("isempty(s)", "false", Kind::Bool);
    check("isempty(nulllong)", "true", Kind::Bool);
    check("isempty(n)", "false", Kind::Bool);
    check("isnotempty(s)", "true", Kind::Bool);
    check("isnotempty(d.missing)", "false", Kind::Bool);
    check("isnull(nulllong)", "true", Kind::Bool);
    check("isnull(empty)", "false", Kind::Bool);
    check("isnotnull(n)", "true", Kind::Bool);
    check("isnull(nulldyn)", "true", Kind::Bool);
}

// not-function.
#[test]
fn not() {
    check("not(true)", "false", Kind::Bool);
    check("not(n > 100)", "true", Kind::Bool);
    null("not(bool(null))");
}

// iff-function (alias iif): a null condition takes the else branch; numeric branches
// promote.
#[test]
fn iff() {
    check("iff(n > 10, 'big', 'small')", "big", Kind::String);
    check("iif(n > 100, 'big', 'small')", "small", Kind::String);
    check("iff(bool(null), 1, 2)", "2", Kind::Long);
    check("iff(true, 1, 2.5)", "1", Kind::Real);
    assert_eq!(eval("iff(false, n, nulllong)").0, Value::Null);
}

// case-function: the first true predicate wins; else the last argument.
#[test]
fn case() {
    check(
        "case(n < 10, 'low', n < 50, 'mid', 'high')",
        "mid",
        Kind::String,
    );
    check("case(n < 10, 'low', 'other')", "other", Kind::String);
    check("case(n > 10, 1, 2.5)", "1", Kind::Real);
}

// coalesce-function: the first value that is not null (not empty for strings).
#[test]
fn coalesce() {
    check("coalesce(nulllong, 10, 20)", "10", Kind::Long);
    check("coalesce(empty, 'x')", "x", Kind::String);
    null("coalesce(nulllong, nulllong)");
    check(
        "coalesce(tostring(d.missing), tostring(d.name))",
        "x",
        Kind::String,
    );
}

// column-ifexists-function: the column when it exists, else the default.
#[test]
fn column_ifexists() {
    check("column_ifexists('s', 'none')", "Hello World", Kind::String);
    check(
        "column_ifexists('NoSuchColumn', 'none')",
        "none",
        Kind::String,
    );
}

// ingestion-time-function: local tables carry no ingestion time; always null.
#[test]
fn ingestion_time() {
    null("ingestion_time()");
}

// Unknown and service-only functions are refused clearly, never guessed.
#[test]
fn unknown_functions_are_refused() {
    let (k, m) = fails("no_such_function(1)");
    assert_eq!(k, ErrorKind::Unsupported);
    assert_eq!(m, "function no_such_function");
    let (k, m) = fails("series_decompose_anomalies(dynamic([1,2,3]))");
    assert_eq!(k, ErrorKind::Unsupported);
    assert!(m.starts_with("function series_decompose_anomalies"), "{m}");
    let (k, m) = fails("strlen(1, 2)");
    assert_eq!(k, ErrorKind::Semantic, "{m}");
    let (k, m) = fails("extract('(', 1, s)");
    assert_eq!(k, ErrorKind::Semantic);
    assert!(
        m.starts_with("extract(): invalid regular expression: "),
        "{m}"
    );
    assert!(!m.contains('\n'), "{m}");
}

// prev-function, next-function, row-number-function: neighbouring rows of the serialized
// table; defaults beyond the edges.
#[test]
fn prev_next_row_number() {
    use super::rows;
    assert_eq!(rows("prev(x)"), ["", "1", "2"]);
    assert_eq!(rows("prev(x, 2, 0)"), ["0", "0", "1"]);
    assert_eq!(rows("next(x)"), ["2", "3", ""]);
    assert_eq!(rows("x - prev(x, 1, 0)"), ["1", "1", "1"]);
    assert_eq!(rows("row_number()"), ["1", "2", "3"]);
    assert_eq!(rows("row_number(10)"), ["10", "11", "12"]);
}

// datetime literals and todatetime() accept the other forms Kusto parses (scalar-data-types/
// datetime): US dates, RFC 822, quoted text.
#[test]
fn datetime_forms() {
    check(
        r#"datetime("01/16/2022 00:00:00")"#,
        "2022-01-16T00:00:00Z",
        Kind::DateTime,
    );
    check(
        "datetime(2021-01-01 10:10:17)",
        "2021-01-01T10:10:17Z",
        Kind::DateTime,
    );
    check(
        "todatetime('10 MAY 2021')",
        "2021-05-10T00:00:00Z",
        Kind::DateTime,
    );
    check(
        "todatetime('Sat, 8 May 2021 10:00:00 GMT')",
        "2021-05-08T10:00:00Z",
        Kind::DateTime,
    );
    null("todatetime('13/45/2021')");
}

// Converting an array or a bag to a scalar kind gives null (tolong-function etc.).
#[test]
fn bags_do_not_convert_to_scalars() {
    null("tolong(d)");
    null("toint(d.a.b)");
    null("todatetime(d)");
    check("tostring(d.a.b)", "[10,20,30]", Kind::String);
}

// Nulls in, nulls out, across the families (each function's page: "null if the argument is
// null" or invalid). A null string reads as empty.
#[test]
fn null_arguments_give_null() {
    for expr in [
        "startofday(nulldt)",
        "startofweek(nulldt)",
        "startofmonth(nulldt)",
        "startofyear(nulldt)",
        "endofday(nulldt)",
        "endofmonth(nulldt)",
        "datetime_add('day', 1, nulldt)",
        "datetime_add('day', nulllong, t)",
        "datetime_diff('day', nulldt, t)",
        "datetime_part('year', nulldt)",
        "dayofweek(nulldt)",
        "hourofday(nulldt)",
        "getmonth(nulldt)",
        "getyear(nulldt)",
        "week_of_year(nulldt)",
        "make_datetime(nulllong, 1, 1)",
        "unixtime_seconds_todatetime(nulllong)",
        "bin_at(n, 10, nulllong)",
        "array_length(nulldyn)",
        "array_slice(nulldyn, 0, 1)",
        "array_sort_asc(nulldyn)",
        "array_concat(nulldyn)",
        "set_union(nulldyn, dynamic([1]))",
        "set_has_element(nulldyn, 1)",
        "bag_keys(nulldyn)",
        "bag_has_key(nulldyn, 'a')",
        "bag_remove_keys(nulldyn, dynamic(['a']))",
        "parse_json(nulldyn)",
        "todynamic(nulldyn)",
        "abs(nulllong)",
        "round(nulllong)",
        "log(nulllong)",
        "pow(nulllong, 2)",
        "sqrt(nulllong)",
        "isnan(nulllong)",
        "binary_and(nulllong, 1)",
        "parse_ipv4(empty)",
        "ipv4_is_private(empty)",
        "ipv4_is_in_range(empty, '10.0.0.0/8')",
        "ipv4_compare(empty, '10.0.0.1')",
        "ipv6_compare(empty, '::1')",
        "geo_info_from_ip_address(nulldyn)",
        "tolong(nulllong)",
        "toint(empty)",
        "todatetime(empty)",
        "totimespan(empty)",
        "toguid(empty)",
        "tobool(empty)",
        "indexof(nulldyn, 'a')",
        "extract_all('(a)', empty)",
        "base64_decode_toarray('@@')",
        "hash(nulldyn)",
    ] {
        null(expr);
    }
    for expr in [
        "tostring(nulllong)",
        "tolower(nulldyn)",
        "substring(empty, 0, 1)",
        "replace_string(empty, 'a', 'b')",
        "replace_regex(empty, 'a', 'b')",
        "trim(' ', empty)",
        "extract('(a)', 1, empty)",
        "base64_encode_tostring(empty)",
        "url_encode(empty)",
        "reverse(empty)",
        "strcat(nulllong, nulldyn)",
        "format_datetime(nulldt, 'yyyy')",
        "format_timespan(totimespan(empty), 'hh')",
        "hash_md5(nulldyn)",
        "tohex(nulllong)",
        "strcat_array(nulldyn, ',')",
    ] {
        check(expr, "", Kind::String);
    }
    check("strlen(empty)", "0", Kind::Long);
    check("countof(empty, 'a')", "0", Kind::Long);
    check("split(empty, ',')", r#"[""]"#, Kind::Dynamic);
    check("pack_array(nulllong)", "[null]", Kind::Dynamic);
}
