//! String functions.

use super::{check, eval, null, text};
use kqlhunt::data::{Kind, Value};

// strcat-function, strcat-delim-function, strcat-array-function: arguments convert to text,
// nulls are empty.
#[test]
fn concatenation() {
    check("strcat('a', 1, nulllong, true)", "a1true", Kind::String);
    check("strcat_delim('-', 'a', 'b', n)", "a-b-42", Kind::String);
    check(
        "strcat_array(dynamic([1, 'b', 2.5]), ',')",
        "1,b,2.5",
        Kind::String,
    );
    check("strcat_array(d.a.b, '|')", "10|20|30", Kind::String);
}

// split-function: an array of substrings; with an index, an array of that one part.
#[test]
fn split() {
    check(
        "split('aa_bb_cc', '_')",
        r#"["aa","bb","cc"]"#,
        Kind::Dynamic,
    );
    check("split('aa_bb_cc', '_', 1)", r#"["bb"]"#, Kind::Dynamic);
    check("split('aa_bb_cc', '_', 5)", "[]", Kind::Dynamic);
    check("split('aaa', '_')", r#"["aaa"]"#, Kind::Dynamic);
    check("split('', '_')", r#"[""]"#, Kind::Dynamic);
    check("split('a__b', '_')", r#"["a","","b"]"#, Kind::Dynamic);
    check("tostring(split(s, ' ')[1])", "World", Kind::String);
}

// substring-function: examples from the page, including a negative start.
#[test]
fn substring() {
    check("substring('123456', 1)", "23456", Kind::String);
    check("substring('123456', 2, 2)", "34", Kind::String);
    check("substring('ABCD', 0, 2)", "AB", Kind::String);
    check("substring('123456', -2, 2)", "56", Kind::String);
    check("substring('abc', 10)", "", Kind::String);
    check("substring('héllo', 1, 3)", "éll", Kind::String);
}

// indexof-function: examples from the page.
#[test]
fn indexof() {
    check("indexof('abcdefg', 'cde')", "2", Kind::Long);
    check("indexof('abcdefg', 'cde', 1, 4)", "2", Kind::Long);
    check("indexof('abcdefg', 'cde', 1, 2)", "-1", Kind::Long);
    check("indexof('abcdefg', 'cde', 3)", "-1", Kind::Long);
    check("indexof('abcdefg', 'cde', -5)", "2", Kind::Long);
    check("indexof(1234567, 5, 1, 4)", "4", Kind::Long);
    check("indexof('abcdefg', 'cde', 2, -1)", "2", Kind::Long);
    check(
        "indexof('abcdefgabcdefg', 'cde', 1, 10, 2)",
        "9",
        Kind::Long,
    );
    check(
        "indexof('abcdefgabcdefg', 'cde', 1, -1, 3)",
        "-1",
        Kind::Long,
    );
    null("indexof('abcdefg', 'cde', 1, -1, 0)");
}

// trim-function, trim-start-function, trim-end-function: the regex is removed repeatedly
// from both ends.
#[test]
fn trims() {
    check("trim('--', '--https://x--')", "https://x", Kind::String);
    check(r"trim(@'[^\w]+', '- text!!')", "text", Kind::String);
    check("trim_start('a', 'aaba')", "ba", Kind::String);
    check("trim_end('a', 'abaa')", "ab", Kind::String);
    check(r"trim(@'\s', '  x  ')", "x", Kind::String);
}

// replace-string-function, replace-regex-function (with \1 rewrites) and the deprecated
// replace-function (regex, rewrite, text).
#[test]
fn replacing() {
    check(
        "replace_string('A magic trick', 'magic', 'fun')",
        "A fun trick",
        Kind::String,
    );
    check("replace_string('aaa', '', 'b')", "aaa", Kind::String);
    check(
        r"replace_regex('Number is 123', @'is (\d+)', @'was: \1')",
        "Number was: 123",
        Kind::String,
    );
    check(
        r"replace(@'(\d)', @'<\1>', 'a1b2')",
        "a<1>b<2>",
        Kind::String,
    );
    check(
        "replace_regex('cost $5', 'cost', 'price')",
        "price $5",
        Kind::String,
    );
}

// extract-function: a capture group's text; typed with typeof(); no match is empty/null.
#[test]
fn extract() {
    check(
        r"extract(@'x=([0-9.]+)', 1, 'y=1, x=3.5')",
        "3.5",
        Kind::String,
    );
    check(
        r"extract(@'x=([0-9.]+)', 1, 'y=1, x=3.5', typeof(real))",
        "3.5",
        Kind::Real,
    );
    check(
        r"extract(@'x=([0-9.]+)', 0, 'x=3.5')",
        "x=3.5",
        Kind::String,
    );
    check(r"extract(@'z=(\d+)', 1, 'x=3')", "", Kind::String);
    null(r"extract(@'z=(\d+)', 1, 'x=3', typeof(long))");
    check(r"extract('(\\w+) (\\w+)', 2, s)", "World", Kind::String);
}

// extract-all-function: one group gives strings; several give arrays; none is null.
#[test]
fn extract_all() {
    check(
        r"extract_all(@'(\d+)', 'a1 b22 c333')",
        r#"["1","22","333"]"#,
        Kind::Dynamic,
    );
    check(
        r"extract_all(@'(\w)(\d+)', 'a1 b22')",
        r#"[["a","1"],["b","22"]]"#,
        Kind::Dynamic,
    );
    check(
        r"extract_all(@'(\w)(\d+)', dynamic([2]), 'a1 b22')",
        r#"["1","22"]"#,
        Kind::Dynamic,
    );
    null(r"extract_all(@'(\d+)', 'none')");
}

// countof-function: plain search counts overlapping matches, regex counts matches.
#[test]
fn countof() {
    check("countof('aaa', 'a')", "3", Kind::Long);
    check("countof('aaaa', 'aa')", "3", Kind::Long);
    check("countof('aaaa', 'aa', 'regex')", "2", Kind::Long);
    check("countof('ababa', 'ab', 'normal')", "2", Kind::Long);
    check("countof('abc', '(')", "0", Kind::Long);
}

// reverse-function, strrep-function, tolower-function, toupper-function, strlen-function,
// string-size-function (bytes).
#[test]
fn small_string_functions() {
    check("reverse('ABC')", "CBA", Kind::String);
    check("reverse(123)", "321", Kind::String);
    check("strrep('ABC', 2)", "ABCABC", Kind::String);
    check("strrep('ABC', 3, ',')", "ABC,ABC,ABC", Kind::String);
    check("tolower(s)", "hello world", Kind::String);
    check("toupper('aé')", "AÉ", Kind::String);
    check("strlen('hello')", "5", Kind::Long);
    check("strlen('⒦⒰⒮⒯⒪')", "5", Kind::Long);
    check("string_size('⒦⒰⒮⒯⒪')", "15", Kind::Long);
    check("string_size(empty)", "0", Kind::Long);
    check("isascii('abc')", "true", Kind::Bool);
    check("isascii('abç')", "false", Kind::Bool);
    check("translate('abc', 'x', 'abc')", "xxx", Kind::String);
}

// has-any-index-function: the index of the first array item found as a term, or -1.
#[test]
fn has_any_index() {
    check(
        "has_any_index('this is an example', dynamic(['this', 'example']))",
        "0",
        Kind::Long,
    );
    check(
        "has_any_index('this is an example', dynamic(['not', 'example']))",
        "1",
        Kind::Long,
    );
    check(
        "has_any_index('this is an example', dynamic(['not', 'found']))",
        "-1",
        Kind::Long,
    );
    check(
        "has_any_index('this is an example', dynamic([]))",
        "-1",
        Kind::Long,
    );
}

// url-encode-function, url-decode-function.
#[test]
fn url_codec() {
    check(
        "url_encode('https://www.bing.com/')",
        "https%3a%2f%2fwww.bing.com%2f",
        Kind::String,
    );
    check("url_encode('a b')", "a+b", Kind::String);
    check(
        "url_decode('https%3a%2f%2fwww.bing.com%2f')",
        "https://www.bing.com/",
        Kind::String,
    );
    check("url_decode('a+b%20c')", "a b c", Kind::String);
    // A null string is the empty string.
    check("url_decode('%ff')", "", Kind::String);
}

// base64-encode-tostring-function, base64-decode-tostring-function (and the deprecated
// base64_decodestring): invalid input is null.
#[test]
fn base64() {
    check("base64_encode_tostring('Kusto')", "S3VzdG8=", Kind::String);
    check("base64_decode_tostring('S3VzdG8=')", "Kusto", Kind::String);
    check("base64_decodestring('S3VzdG8=')", "Kusto", Kind::String);
    check("base64_decode_tostring('S3VzdG8')", "Kusto", Kind::String);
    // A null string is the empty string.
    check("base64_decode_tostring('@@@')", "", Kind::String);
    // A null string is the empty string.
    check("base64_decode_tostring('//79')", "", Kind::String);
    check(
        "base64_decode_toarray('S3VzdG8=')",
        "[75,117,115,116,111]",
        Kind::Dynamic,
    );
}

// unicode-codepoints-from-string-function, unicode-codepoints-to-string-function.
#[test]
fn codepoints() {
    check(
        "unicode_codepoints_from_string('⒦⒰')",
        "[9382,9392]",
        Kind::Dynamic,
    );
    check("unicode_codepoints_to_string(75, 117)", "Ku", Kind::String);
    check(
        "unicode_codepoints_to_string(dynamic([75, 117]))",
        "Ku",
        Kind::String,
    );
}

// parse-url-function: the example URL from the page.
#[test]
fn parse_url() {
    let url = "'scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment'";
    check(
        &format!("parse_url({url})"),
        r#"{"Scheme":"scheme","Host":"host","Port":"1234","Path":"/this/is/a/path","Username":"username","Password":"password","Query Parameters":{"k1":"v1","k2":"v2"},"Fragment":"fragment"}"#,
        Kind::Dynamic,
    );
    check(
        "tostring(parse_url('https://a.b/c?x=1%202').Host)",
        "a.b",
        Kind::String,
    );
    check(
        "tostring(parse_url('https://a.b/c?x=1%202')['Query Parameters'].x)",
        "1 2",
        Kind::String,
    );
    check("parse_url('not a url')", "{}", Kind::Dynamic);
}

// parse-path-function: Windows, UNC and Unix paths.
#[test]
fn parse_path() {
    check(
        r"parse_path(@'C:\temp\file.txt')",
        r#"{"Scheme":"","RootPath":"C:","DirectoryPath":"C:\\temp","DirectoryName":"temp","Filename":"file.txt","Extension":"txt","AlternateDataStreamName":""}"#,
        Kind::Dynamic,
    );
    check(
        r"tostring(parse_path(@'\\shared\users\file.txt').RootPath)",
        r"\\shared",
        Kind::String,
    );
    check(
        "tostring(parse_path('/usr/bin/ls').Filename)",
        "ls",
        Kind::String,
    );
    check(
        r"tostring(parse_path(@'C:\temp\file.txt:stream').AlternateDataStreamName)",
        "stream",
        Kind::String,
    );
}

// parse-command-line-function: Windows rules (CommandLineToArgvW).
#[test]
fn parse_command_line() {
    check(
        r#"parse_command_line(@'echo "hello world!" print$?', 'windows')"#,
        r#"["echo","hello world!","print$?"]"#,
        Kind::Dynamic,
    );
    check(
        r#"parse_command_line(@'"C:\Program Files\a.exe" /x "a\"b"', 'windows')"#,
        r#"["C:\\Program Files\\a.exe","/x","a\"b"]"#,
        Kind::Dynamic,
    );
}

// parse-csv-function: one record, quoted fields with doubled quotes.
#[test]
fn parse_csv() {
    check(
        r#"parse_csv('aaa,"b,bb","c""cc"')"#,
        r#"["aaa","b,bb","c\"cc"]"#,
        Kind::Dynamic,
    );
    check("parse_csv('')", r#"[""]"#, Kind::Dynamic);
}

// hash-sha256-function, hash-md5-function, hash-function (XxHash64; "World" from the page).
#[test]
fn hashes() {
    check(
        "hash_sha256('World')",
        "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524",
        Kind::String,
    );
    check(
        "hash_md5('World')",
        "f5a7924e621e84c9280a9a27e1bcb7f6",
        Kind::String,
    );
    check("hash('World')", "1846988464401551951", Kind::Long);
    check("hash('World', 100)", "51", Kind::Long);
    // A null string is the empty string.
    check("hash_sha256(nulllong)", "", Kind::String);
    assert!(matches!(eval("hash_md5('')").0, Value::String(ref s) if s.len() == 32));
    assert_eq!(
        text("hash_sha1('abc')"),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
}

// make-string-function.
#[test]
fn make_string() {
    check("make_string(75, 117, 115, 116, 111)", "Kusto", Kind::String);
}

// matches regex with a per-row pattern (datatypes-string-operators); an invalid pattern
// gives null for that row. RE2 octal escapes such as \0 are accepted (re2 syntax).
#[test]
fn per_row_patterns_and_octal_escapes() {
    assert_eq!(super::rows("txt matches regex pat"), ["true", "false", ""]);
    check(
        r"replace(@'\0', '', strcat('a', make_string(0), 'b'))",
        "ab",
        Kind::String,
    );
}
