//! Kusto's string operators. `has` matches whole terms: the needle must start and end on
//! term boundaries, where a term is a run of ASCII letters and digits (Kusto's indexing
//! rule); `contains` matches any substring. The plain forms compare case-insensitively,
//! the `_cs` forms exactly. Docs: learn.microsoft.com/kusto/query/datatypes-string-operators

/// Whether `c` is part of a term (Kusto terms are maximal runs of alphanumeric characters).
fn is_term_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Lower-casing that only allocates when the text is not already lower-case ASCII.
fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(s.to_lowercase())
    }
}

/// Case-insensitive equality (`=~`).
pub fn eq_ci(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.eq_ignore_ascii_case(b)
        || (!a.is_ascii() || !b.is_ascii()) && fold(a) == fold(b)
}

/// Where `needle` may match inside `hay`: whole term, term prefix, or term suffix.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TermMatch {
    Whole,
    Prefix,
    Suffix,
}

/// `has` / `hasprefix` / `hassuffix` (and their `_cs` forms with `case_sensitive`).
pub fn has_term(hay: &str, needle: &str, mode: TermMatch, case_sensitive: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    if case_sensitive {
        term_search(hay, needle, mode)
    } else {
        term_search(&fold(hay), &fold(needle), mode)
    }
}

fn term_search(hay: &str, needle: &str, mode: TermMatch) -> bool {
    let needle_starts_term = needle.chars().next().is_some_and(is_term_char);
    let needle_ends_term = needle.chars().next_back().is_some_and(is_term_char);
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = !needle_starts_term
            || hay[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !is_term_char(c));
        let after_ok =
            !needle_ends_term || hay[end..].chars().next().is_none_or(|c| !is_term_char(c));
        let ok = match mode {
            TermMatch::Whole => before_ok && after_ok,
            TermMatch::Prefix => before_ok,
            TermMatch::Suffix => after_ok,
        };
        if ok {
            return true;
        }
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

pub fn contains(hay: &str, needle: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        hay.contains(needle)
    } else {
        fold(hay).contains(&*fold(needle))
    }
}

pub fn starts_with(hay: &str, needle: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        hay.starts_with(needle)
    } else {
        hay.get(..needle.len()).is_some_and(|p| eq_ci(p, needle))
            || fold(hay).starts_with(&*fold(needle))
    }
}

pub fn ends_with(hay: &str, needle: &str, case_sensitive: bool) -> bool {
    if case_sensitive {
        hay.ends_with(needle)
    } else {
        hay.len()
            .checked_sub(needle.len())
            .and_then(|i| hay.get(i..))
            .is_some_and(|p| eq_ci(p, needle))
            || fold(hay).ends_with(&*fold(needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Examples from the Kusto string operators page: "North America" has "america" but not
    // "amer"; hasprefix "amer" matches; contains "amer" matches.
    #[test]
    fn has_matches_whole_terms_only() {
        assert!(has_term(
            "North America",
            "america",
            TermMatch::Whole,
            false
        ));
        assert!(!has_term("North America", "amer", TermMatch::Whole, false));
        assert!(has_term("North America", "amer", TermMatch::Prefix, false));
        assert!(has_term("North America", "rica", TermMatch::Suffix, false));
        assert!(!has_term(
            "North America",
            "america",
            TermMatch::Whole,
            true
        ));
        assert!(has_term(
            "C:\\Windows\\System32\\cmd.exe /c whoami",
            "cmd.exe",
            TermMatch::Whole,
            false
        ));
        assert!(!has_term("xcmd.exe", "cmd.exe", TermMatch::Whole, false));
        assert!(has_term(
            "powershell.exe -enc AAAA",
            "-enc",
            TermMatch::Whole,
            false
        ));
        assert!(has_term("abc", "", TermMatch::Whole, false));
    }

    #[test]
    fn later_occurrence_can_match() {
        assert!(has_term("xfoo foo", "foo", TermMatch::Whole, false));
    }

    #[test]
    fn contains_and_affixes() {
        assert!(contains("North America", "RTH", false));
        assert!(!contains("North America", "RTH", true));
        assert!(starts_with("PowerShell.exe", "power", false));
        assert!(ends_with("PowerShell.EXE", ".exe", false));
        assert!(!ends_with("PowerShell.EXE", ".exe", true));
        assert!(eq_ci("ÄBC", "äbc"));
        assert!(!eq_ci("abc", "abd"));
    }
}
