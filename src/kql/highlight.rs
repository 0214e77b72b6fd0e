//! Syntax highlighting of KQL into token classes, with syntect and our own grammar
//! (`assets/kql.sublime-syntax`, compiled into a binary dump by `build.rs`).
//!
//! [`LineHighlighter`] keeps syntect's parse state after every line, so an edit re-parses
//! from the first changed line and stops as soon as the state after a line matches what was
//! cached there: one keystroke costs about one line. Colours are not chosen here; the UI
//! maps each [`TokenClass`] to a style (`tui::highlight`).

use std::ops::Range;
use std::sync::OnceLock;

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

/// The dump written by `build.rs`.
static SYNTAX_DUMP: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kql.syntaxdump"));

/// Lines longer than this are not highlighted (the regex engine's time grows with line
/// length; a pasted blob is not worth a frame). Their parse state is carried over unchanged.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// What a piece of text is, for choosing its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenClass {
    /// Tabular operators, statement and clause words (`where`, `let`, `by`, `kind`).
    Keyword,
    /// String and comparison operators (`has`, `!contains_cs`, `=~`, `==`, `and`).
    Operator,
    /// Calls: built-in scalar and aggregation functions, plugins, user functions.
    Function,
    /// String literals in every form, escapes included.
    String,
    /// Numbers, booleans, `null`, `guid(...)`.
    Number,
    /// `datetime(...)`, `timespan(...)` and timespan literals such as `1d` or `1.5h`.
    Time,
    /// `// comments`.
    Comment,
    /// Type names (`string`, `long`, `dynamic`).
    Type,
    /// Names that are declared or quoted: `let` names, `['quoted names']`, `$left`.
    Name,
    /// `|`, brackets, commas, `;`, `.`.
    Punctuation,
}

/// A classified byte range of one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClassSpan {
    /// Byte offsets into the line.
    pub bytes: Range<usize>,
    /// What the bytes are.
    pub class: TokenClass,
}

/// The compiled KQL syntax set, loaded from the embedded dump on first use. Should the
/// dump ever be unreadable this is an empty set, and nothing is highlighted.
pub fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        syntect::dumps::from_uncompressed_data(SYNTAX_DUMP).unwrap_or_else(|e| {
            tracing::error!("the embedded KQL syntax dump is unreadable: {e}");
            SyntaxSet::new()
        })
    })
}

fn kql_syntax() -> Option<&'static SyntaxReference> {
    syntax_set().find_syntax_by_scope(Scope::new("source.kql").ok()?)
}

/// Scope prefixes in priority order, tried from the innermost scope outwards. `None`
/// marks scopes that say nothing on their own (a string's quotes take the string's class).
fn scope_rules() -> &'static [(Scope, Option<TokenClass>)] {
    static RULES: OnceLock<Vec<(Scope, Option<TokenClass>)>> = OnceLock::new();
    RULES.get_or_init(|| {
        use TokenClass::*;
        [
            ("punctuation.definition", None),
            ("meta", None),
            ("source", None),
            ("comment", Some(Comment)),
            ("string", Some(String)),
            ("constant.character.escape", Some(String)),
            ("constant.other.datetime", Some(Time)),
            ("constant.other.timespan", Some(Time)),
            ("constant.numeric.timespan", Some(Time)),
            ("constant", Some(Number)),
            ("storage.type", Some(Type)),
            ("support.function", Some(Function)),
            ("variable.function", Some(Function)),
            ("keyword.operator", Some(Operator)),
            ("keyword", Some(Keyword)),
            ("entity.name", Some(Name)),
            ("variable", Some(Name)),
            ("punctuation", Some(Punctuation)),
        ]
        .into_iter()
        .filter_map(|(s, c)| Some((Scope::new(s).ok()?, c)))
        .collect()
    })
}

/// The class of the innermost scope that has one.
pub fn classify(stack: &[Scope]) -> Option<TokenClass> {
    let rules = scope_rules();
    for scope in stack.iter().rev() {
        if let Some((_, class)) = rules.iter().find(|(p, _)| p.is_prefix_of(*scope)) {
            if class.is_some() {
                return *class;
            }
            continue;
        }
    }
    None
}

/// Parser state between two lines.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LineState {
    parse: ParseState,
    scopes: ScopeStack,
}

#[derive(Clone, Debug)]
struct LineEntry {
    text: String,
    before: LineState,
    after: LineState,
    spans: Vec<ClassSpan>,
}

/// Incremental, per-line highlighter for an editor buffer.
#[derive(Clone, Debug, Default)]
pub struct LineHighlighter {
    lines: Vec<LineEntry>,
    /// A reused buffer for "line + \n" (the grammar matches line ends).
    scratch: String,
}

impl LineHighlighter {
    /// An empty highlighter; the first [`update`](Self::update) highlights everything.
    pub fn new() -> LineHighlighter {
        LineHighlighter::default()
    }

    /// Brings the highlighting up to date with `lines` and returns the range of line
    /// indices that were re-highlighted (empty when nothing changed).
    pub fn update<S: AsRef<str>>(&mut self, lines: &[S]) -> Range<usize> {
        let Some(syntax) = kql_syntax() else {
            return 0..0;
        };
        let n_new = lines.len();
        let n_old = self.lines.len();
        let common = n_old.min(n_new);
        let prefix = (0..common)
            .find(|&i| self.lines[i].text != lines[i].as_ref())
            .unwrap_or(common);
        if prefix == n_old && prefix == n_new {
            return prefix..prefix;
        }
        let mut suffix = 0;
        while suffix < common - prefix
            && self.lines[n_old - 1 - suffix].text == lines[n_new - 1 - suffix].as_ref()
        {
            suffix += 1;
        }

        let mut entries = std::mem::take(&mut self.lines);
        let mut tail = entries.split_off(n_old - suffix);
        entries.truncate(prefix);
        let mut state = match entries.last() {
            Some(e) => e.after.clone(),
            None => LineState {
                parse: ParseState::new(syntax),
                scopes: ScopeStack::new(),
            },
        };
        let reusable_from = n_new - suffix;
        let mut end = n_new;
        for (i, line) in lines.iter().enumerate().skip(prefix) {
            if i >= reusable_from {
                let j = i - reusable_from;
                if tail.get(j).is_some_and(|t| t.before == state) {
                    entries.extend(tail.drain(j..));
                    end = i;
                    break;
                }
            }
            let line = line.as_ref();
            let before = state.clone();
            let spans = self.highlight_line(line, &mut state);
            entries.push(LineEntry {
                text: line.to_string(),
                before,
                after: state.clone(),
                spans,
            });
        }
        self.lines = entries;
        prefix..end
    }

    /// The classified spans of line `row` (empty for an unknown row).
    pub fn line_spans(&self, row: usize) -> &[ClassSpan] {
        self.lines.get(row).map_or(&[], |e| &e.spans)
    }

    /// How many lines are cached.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn highlight_line(&mut self, line: &str, state: &mut LineState) -> Vec<ClassSpan> {
        if line.len() > MAX_LINE_BYTES {
            return Vec::new();
        }
        self.scratch.clear();
        self.scratch.push_str(line);
        self.scratch.push('\n');
        let ops = match state.parse.parse_line(&self.scratch, syntax_set()) {
            Ok(ops) => ops,
            Err(e) => {
                tracing::debug!("highlighting stopped on a line: {e}");
                return Vec::new();
            }
        };
        let mut spans: Vec<ClassSpan> = Vec::new();
        let mut push = |bytes: Range<usize>, class: Option<TokenClass>| {
            let bytes = bytes.start.min(line.len())..bytes.end.min(line.len());
            let Some(class) = class else { return };
            if bytes.is_empty() {
                return;
            }
            match spans.last_mut() {
                Some(last) if last.class == class && last.bytes.end == bytes.start => {
                    last.bytes.end = bytes.end;
                }
                _ => spans.push(ClassSpan { bytes, class }),
            }
        };
        let mut pos = 0;
        let mut class = classify(state.scopes.as_slice());
        for (at, op) in ops {
            if at > pos {
                push(pos..at, class);
                pos = at;
            }
            if state.scopes.apply(&op).is_err() {
                state.scopes = ScopeStack::new();
            }
            class = classify(state.scopes.as_slice());
        }
        push(pos..line.len(), class);
        spans
    }
}

/// Highlights a whole text at once (for tests and one-off rendering): one `Vec` per line.
pub fn highlight_text(text: &str) -> Vec<Vec<ClassSpan>> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut h = LineHighlighter::new();
    h.update(&lines);
    (0..lines.len()).map(|i| h.line_spans(i).to_vec()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenClass::*;

    /// (text, class) pairs of a one-line query.
    fn classes(line: &str) -> Vec<(&str, TokenClass)> {
        highlight_text(line)[0]
            .iter()
            .map(|s| (&line[s.bytes.clone()], s.class))
            .collect()
    }

    fn class_of(line: &str, word: &str) -> Option<TokenClass> {
        let at = line.find(word)?;
        highlight_text(line)[0]
            .iter()
            .find(|s| s.bytes.contains(&at))
            .map(|s| s.class)
    }

    #[test]
    fn the_dump_loads_and_has_kql() {
        assert!(kql_syntax().is_some());
    }

    #[test]
    fn a_typical_query() {
        let q = "DeviceProcessEvents | where Timestamp > ago(7d) and FileName =~ \"cmd.exe\" // x";
        assert_eq!(
            classes(q),
            vec![
                ("|", Punctuation),
                ("where", Keyword),
                (">", Operator),
                ("ago", Function),
                ("(", Punctuation),
                ("7d", Time),
                (")", Punctuation),
                ("and", Operator),
                ("=~", Operator),
                ("\"cmd.exe\"", String),
                ("// x", Comment),
            ]
        );
    }

    #[test]
    fn dashed_operators_and_negated_string_operators() {
        let q = "T | project-away A | mv-expand B | where C !contains_cs 'x' and D !has 'y'";
        assert_eq!(class_of(q, "project-away"), Some(Keyword));
        assert_eq!(classes(q)[1], ("project-away", Keyword));
        assert_eq!(class_of(q, "mv-expand"), Some(Keyword));
        assert_eq!(class_of(q, "!contains_cs"), Some(Operator));
        assert!(classes(q).contains(&("!contains_cs", Operator)));
        assert!(classes(q).contains(&("!has", Operator)));
        assert_eq!(class_of(q, "A"), None);
    }

    #[test]
    fn literals_in_every_form() {
        for (q, lit, class) in [
            (r"print 'it\'s'", r"'it\'s'", String),
            (r#"print "a\"b""#, r#""a\"b""#, String),
            (r#"print @"C:\tmp""#, r#"@"C:\tmp""#, String),
            (r#"print h"secret""#, r#"h"secret""#, String),
            (r#"print h@'x'"#, "h@'x'", String),
            ("print 1.5h", "1.5h", Time),
            ("print 30m", "30m", Time),
            ("print 10ms", "10ms", Time),
            (
                "print datetime(2024-01-01 10:00)",
                "datetime(2024-01-01 10:00)",
                Time,
            ),
            ("print timespan(1.02:03:04)", "timespan(1.02:03:04)", Time),
            ("print 42", "42", Number),
            ("print 1.5e3", "1.5e3", Number),
            ("print 0x1F", "0x1F", Number),
            ("print true", "true", Number),
            (
                "print guid(74be27de-1e4e-49d9-b579-fe0b331d3642)",
                "guid(74be27de-1e4e-49d9-b579-fe0b331d3642)",
                Number,
            ),
        ] {
            assert!(classes(q).contains(&(lit, class)), "{q}: {:?}", classes(q));
        }
    }

    #[test]
    fn functions_types_names() {
        let q = "let x = T | summarize make_set(A), dcount(B) by bin(Timestamp, 1h) | extend y = tostring(z), w = myfunc(1) | project ['a b'], $left.c";
        let c = classes(q);
        assert!(c.contains(&("let", Keyword)));
        assert!(c.contains(&("x", Name)));
        assert!(c.contains(&("make_set", Function)));
        assert!(c.contains(&("dcount", Function)));
        assert!(c.contains(&("bin", Function)));
        assert!(c.contains(&("tostring", Function)));
        assert!(c.contains(&("myfunc", Function)));
        assert!(c.contains(&("['a b']", Name)));
        assert!(c.contains(&("$left", Name)));
        let t = classes("datatable(a: string, b: long) [1, 2] | extend d = dynamic({\"k\": 1})");
        assert!(t.contains(&("string", Type)), "{t:?}");
        assert!(t.contains(&("long", Type)));
        assert!(t.contains(&("dynamic", Type)));
        // An index into a bag is a string, not a quoted name.
        assert!(classes("print b['key']").contains(&("'key'", String)));
    }

    #[test]
    fn keywords_before_a_parenthesis_stay_keywords() {
        let q = "T | where (A in (1) and B !in~ ('x')) | join (U) on C | union (V)";
        for w in ["where", "join", "union"] {
            assert_eq!(class_of(q, w), Some(Keyword), "{w}");
        }
        assert!(classes(q).contains(&("in", Operator)));
        assert!(classes(q).contains(&("and", Operator)));
        assert!(classes(q).contains(&("!in~", Operator)), "{:?}", classes(q));
        assert_eq!(class_of("T | extend x = f (1)", "f "), Some(Function));
    }

    #[test]
    fn count_is_an_operator_or_a_function() {
        assert_eq!(class_of("T | count", "count"), Some(Keyword));
        assert_eq!(class_of("T | summarize count()", "count("), Some(Function));
    }

    #[test]
    fn multi_line_strings_carry_state_and_unterminated_strings_stop_at_the_line_end() {
        let h = highlight_text("print ```a\nwhere b\nc``` | take 1");
        assert_eq!(
            h[1],
            vec![ClassSpan {
                bytes: 0..7,
                class: String
            }]
        );
        assert_eq!(
            h[2][0],
            ClassSpan {
                bytes: 0..4,
                class: String
            }
        );
        assert!(h[2].iter().any(|s| s.class == Keyword));
        let h = highlight_text("print 'open\nT | take 1");
        assert!(h[1].iter().any(|s| s.class == Keyword), "{:?}", h[1]);
    }

    #[test]
    fn incremental_updates_touch_only_what_changed() {
        let mut lines: Vec<std::string::String> =
            (0..50).map(|i| format!("T | where A == {i}")).collect();
        let mut h = LineHighlighter::new();
        assert_eq!(h.update(&lines), 0..50);
        assert_eq!(h.update(&lines), 50..50);
        lines[20].push('0');
        assert_eq!(h.update(&lines), 20..21);
        // Opening a multi-line string re-highlights until it closes (here: to the end).
        lines[10] = "print ```".into();
        let r = h.update(&lines);
        assert_eq!(r, 10..50);
        assert_eq!(h.line_spans(30)[0].class, String);
        lines[10] = "print 1".into();
        assert_eq!(h.update(&lines), 10..50);
        assert_eq!(h.line_spans(30), highlight_text(&lines[30])[0].as_slice());
        // Inserting and deleting lines keeps the rest.
        lines.insert(5, "// new".into());
        assert_eq!(h.update(&lines), 5..6);
        assert_eq!(h.len(), 51);
        lines.remove(0);
        lines.remove(0);
        // The new first line starts from the initial state, unlike before; only it is redone.
        assert_eq!(h.update(&lines), 0..1);
        assert_eq!(h.len(), 49);
        for (i, l) in lines.iter().enumerate() {
            assert_eq!(h.line_spans(i), highlight_text(l)[0].as_slice(), "{i}");
        }
        let empty: [&str; 0] = [];
        h.update(&empty);
        assert!(h.is_empty());
    }

    #[test]
    fn never_panics_on_odd_text() {
        for q in [
            "",
            "'",
            "@\"",
            "```",
            "[",
            "['",
            "datetime(",
            "\u{0}\u{7f}\u{202e}é日本",
            "h",
            "!",
            "$",
        ] {
            highlight_text(q);
        }
        let long = "x".repeat(MAX_LINE_BYTES + 1);
        assert!(highlight_text(&long)[0].is_empty());
    }
}
