//! Completion never panics: arbitrary text (KQL-ish fragments, brackets, quotes, multi-byte
//! characters) and any cursor, including offsets inside a character or past the end.

use proptest::prelude::*;

use kqlhunt::kql::complete::{Request, complete};

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("DeviceProcessEvents".to_string()),
        Just(" | ".to_string()),
        Just("where ".to_string()),
        Just("summarize count() by ".to_string()),
        Just("join kind=inner (".to_string()),
        Just("$left.".to_string()),
        Just("let x = ".to_string()),
        Just(";\n".to_string()),
        Just("\n\n".to_string()),
        Just("typeof(".to_string()),
        Just("\"".to_string()),
        Just("'".to_string()),
        Just("```".to_string()),
        Just("//".to_string()),
        Just("['".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("{".to_string()),
        Just("]".to_string()),
        Just("==".to_string()),
        Just(",".to_string()),
        Just("project-".to_string()),
        Just("é€😀".to_string()),
        "[a-zA-Z_]{1,8}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics(parts in proptest::collection::vec(fragment(), 0..12), cursor in 0usize..400) {
        let text: String = parts.concat();
        let c = complete(&Request::new(&text, cursor));
        // The replaced span is inside the text and on character boundaries.
        prop_assert!(c.replace.start <= c.replace.end && c.replace.end <= text.len());
        prop_assert!(text.is_char_boundary(c.replace.start) && text.is_char_boundary(c.replace.end));
        for it in &c.items {
            prop_assert!(it.caret <= it.insert.len());
            prop_assert!(it.insert.is_char_boundary(it.caret));
        }
    }
}
