//! Word classes for highlighting and completion: which identifiers are KQL keywords or
//! tabular operator names. The parser itself treats keywords contextually.

/// Tabular operator names (including deprecated spellings) that may follow `|`.
pub const TABULAR_OPERATORS: &[&str] = &[
    "as",
    "consume",
    "count",
    "distinct",
    "evaluate",
    "extend",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "invoke",
    "join",
    "limit",
    "lookup",
    "make-series",
    "mv-apply",
    "mv-expand",
    "mvapply",
    "mvexpand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
];

/// Other query keywords (statement words, clause words, word operators, literal heads).
pub const KEYWORDS: &[&str] = &[
    "let",
    "set",
    "declare",
    "query_parameters",
    "view",
    "materialize",
    "toscalar",
    "datatable",
    "externaldata",
    "external_data",
    "print",
    "range",
    "by",
    "on",
    "with",
    "kind",
    "of",
    "to",
    "from",
    "step",
    "in",
    "in~",
    "!in",
    "!in~",
    "between",
    "!between",
    "and",
    "or",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "hasprefix",
    "!hasprefix",
    "hasprefix_cs",
    "!hasprefix_cs",
    "hassuffix",
    "!hassuffix",
    "hassuffix_cs",
    "!hassuffix_cs",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "startswith",
    "!startswith",
    "startswith_cs",
    "!startswith_cs",
    "endswith",
    "!endswith",
    "endswith_cs",
    "!endswith_cs",
    "matches",
    "regex",
    "has_any",
    "has_all",
    "like",
    "notlike",
    "typeof",
    "dynamic",
    "datetime",
    "timespan",
    "guid",
    "true",
    "false",
    "null",
    "default",
    "limit",
    "withsource",
    "isfuzzy",
    "bagexpansion",
    "with_itemindex",
    "hint",
    "others",
    "$left",
    "$right",
];

/// True for tabular operator names.
pub fn is_tabular_operator(word: &str) -> bool {
    TABULAR_OPERATORS.contains(&word)
}

/// True for any KQL keyword or operator name (case-sensitive, as KQL is).
pub fn is_keyword(word: &str) -> bool {
    is_tabular_operator(word) || KEYWORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    #[test]
    fn classes() {
        assert!(super::is_keyword("project-away"));
        assert!(super::is_keyword("!has"));
        assert!(!super::is_keyword("FileName"));
        assert!(!super::is_keyword("Where"));
    }
}
