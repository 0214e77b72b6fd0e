//! Every key the workbench answers to, as one table: dispatch reads it and the help overlay
//! prints it, so the two cannot drift apart. Keys the editor handles itself (typing,
//! cursor movement, selection) are listed for help only.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Anywhere, whatever has focus.
    Global,
    Editor,
    Grid,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Editor => "Editor",
            Context::Grid => "Results grid",
        }
    }
}

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Run,
    RunFresh,
    Cancel,
    Quit,
    Help,
    /// Show the quota details popup (the whole ledger and the last 429).
    QuotaDetails,
    FocusNext,
    FocusPrev,
    FocusEditor,
    FocusGrid,
    Undo,
    Redo,
    SelectAll,
    PasteYank,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    FirstColumn,
    LastColumn,
    Top,
    Bottom,
    /// Open the completion list at the cursor.
    Complete,
    /// Fetch the tenant's schema (one query).
    RefreshSchema,
    /// The command line (`:open FILE`).
    CommandLine,
    /// The command line with `open ` typed.
    OpenFile,
    /// The run history overlay.
    History,
    // Results grid: view, columns, detail, inspect, copy, chart, tabs.
    Sort,
    Filter,
    NextMatch,
    PrevMatch,
    Narrower,
    Wider,
    Freeze,
    HideColumn,
    ShowColumns,
    Detail,
    WhereEq,
    WhereNe,
    WhereHas,
    Copy(crate::tui::clipboard::Scope, crate::tui::clipboard::Shape),
    ToggleChart,
    PrevResult,
    NextResult,
    /// Handled by the editor widget itself; listed for the help overlay.
    EditorBuiltin,
}

/// One key chord.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn key(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::CONTROL,
    }
}
const fn alt(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::ALT,
    }
}
const fn shift(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::SHIFT,
    }
}

const fn alt_shift(code: KeyCode) -> Chord {
    Chord {
        code,
        mods: KeyModifiers::ALT.union(KeyModifiers::SHIFT),
    }
}

/// A row of the key table.
pub struct Binding {
    pub context: Context,
    pub chords: &'static [Chord],
    /// How the help overlay spells the keys.
    pub keys: &'static str,
    pub action: Action,
    pub help: &'static str,
}

use crate::tui::clipboard::{Scope, Shape};
use Action as A;
use Context as C;
use KeyCode as K;

pub const BINDINGS: &[Binding] = &[
    Binding {
        context: C::Global,
        chords: &[
            key(K::F(5)),
            alt(K::Enter),
            ctrl(K::Enter),
            ctrl(K::Char('j')),
        ],
        keys: "F5  Alt+Enter  Ctrl+Enter",
        action: A::Run,
        help: "run the query under the cursor (or the selection)",
    },
    Binding {
        context: C::Global,
        chords: &[shift(K::F(5)), ctrl(K::F(5)), key(K::F(17))],
        keys: "Shift+F5  Ctrl+F5",
        action: A::RunFresh,
        help: "run again on the service, skipping the result cache",
    },
    Binding {
        context: C::Global,
        chords: &[key(K::Esc)],
        keys: "Esc",
        action: A::Cancel,
        help: "cancel the running query",
    },
    Binding {
        context: C::Global,
        chords: &[key(K::F(1))],
        keys: "F1  ?",
        action: A::Help,
        help: "show or hide this help",
    },
    Binding {
        context: C::Global,
        chords: &[key(K::F(6))],
        keys: "F6",
        action: A::RefreshSchema,
        help: "refresh the schema from the tenant (one query)",
    },
    Binding {
        context: C::Global,
        chords: &[key(K::F(2)), alt(K::Char('q'))],
        keys: "F2  Alt+Q",
        action: A::QuotaDetails,
        help: "quota details: every window, the queue, the last 429",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Char('r'))],
        keys: "Ctrl+R",
        action: A::History,
        help: "history: search runs, reopen a query or its result",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Char('q'))],
        keys: "Ctrl+Q",
        action: A::Quit,
        help: "quit",
    },
    Binding {
        context: C::Global,
        chords: &[key(K::Tab)],
        keys: "Tab  Shift+Tab",
        action: A::FocusNext,
        help: "switch editor/results (Tab inserts when completing)",
    },
    Binding {
        context: C::Global,
        chords: &[shift(K::BackTab), key(K::BackTab)],
        keys: "",
        action: A::FocusPrev,
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Up)],
        keys: "Ctrl+Up  Ctrl+Down",
        action: A::FocusEditor,
        help: "focus the editor / the results",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Down)],
        keys: "",
        action: A::FocusGrid,
        help: "",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char('z'))],
        keys: "Ctrl+Z",
        action: A::Undo,
        help: "undo",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char('y'))],
        keys: "Ctrl+Y",
        action: A::Redo,
        help: "redo",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char('a'))],
        keys: "Ctrl+A",
        action: A::SelectAll,
        help: "select all",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char('v'))],
        keys: "Ctrl+V",
        action: A::PasteYank,
        help: "paste what Ctrl+C / Ctrl+X took",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char(' '))],
        keys: "Ctrl+Space",
        action: A::Complete,
        help: "complete; ↑↓ pick, Enter/Tab insert, Esc close",
    },
    Binding {
        context: C::Editor,
        chords: &[],
        keys: "Shift+arrows",
        action: A::EditorBuiltin,
        help: "select text; Ctrl+C copy, Ctrl+X cut",
    },
    Binding {
        context: C::Editor,
        chords: &[],
        keys: "Ctrl+Left/Right",
        action: A::EditorBuiltin,
        help: "move by word; Home/End line start/end",
    },
    Binding {
        context: C::Editor,
        chords: &[],
        keys: "Ctrl+K",
        action: A::EditorBuiltin,
        help: "delete to end of line",
    },
    Binding {
        context: C::Grid,
        chords: &[shift(K::Char('?')), key(K::Char('?'))],
        keys: "",
        action: A::Help,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Up), key(K::Char('k'))],
        keys: "↑ ↓ ← →  h j k l",
        action: A::Up,
        help: "move the selected cell",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Down), key(K::Char('j'))],
        keys: "",
        action: A::Down,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Left), key(K::Char('h'))],
        keys: "",
        action: A::Left,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Right), key(K::Char('l'))],
        keys: "",
        action: A::Right,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::PageUp), ctrl(K::Char('b'))],
        keys: "PgUp PgDn  Ctrl+B Ctrl+F",
        action: A::PageUp,
        help: "scroll a page",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::PageDown), ctrl(K::Char('f'))],
        keys: "",
        action: A::PageDown,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Home), key(K::Char('0'))],
        keys: "Home End  0 $",
        action: A::FirstColumn,
        help: "first / last column",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::End), key(K::Char('$')), shift(K::Char('$'))],
        keys: "",
        action: A::LastColumn,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('g')), ctrl(K::Home)],
        keys: "g G  Ctrl+Home Ctrl+End",
        action: A::Top,
        help: "first / last row",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('G')), shift(K::Char('G')), ctrl(K::End)],
        keys: "",
        action: A::Bottom,
        help: "",
    },
    // Results grid: view, columns, detail, inspect, copy, chart, tabs.
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('s'))],
        keys: "s",
        action: A::Sort,
        help: "sort by the column: asc, desc, off (nulls last)",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Char('o'))],
        keys: "Ctrl+O",
        action: A::OpenFile,
        help: "open data files as tables (CSV, TSV, JSON, JSONL)",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char(':'))],
        keys: ":",
        action: A::CommandLine,
        help: "command line: :open FILE..., :w FILE.csv",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('/'))],
        keys: "/",
        action: A::Filter,
        help: "filter rows: text, or Col:text (empty clears)",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('n'))],
        keys: "n N",
        action: A::NextMatch,
        help: "next / previous cell matching the filter",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('N')), shift(K::Char('N'))],
        keys: "",
        action: A::PrevMatch,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('<')), shift(K::Char('<'))],
        keys: "< >",
        action: A::Narrower,
        help: "narrow / widen the column",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('>')), shift(K::Char('>'))],
        keys: "",
        action: A::Wider,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('f'))],
        keys: "f",
        action: A::Freeze,
        help: "freeze the columns up to this one (again: unfreeze)",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('-'))],
        keys: "- +",
        action: A::HideColumn,
        help: "hide the column / show all columns again",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('+')), shift(K::Char('+'))],
        keys: "",
        action: A::ShowColumns,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Enter)],
        keys: "Enter",
        action: A::Detail,
        help: "the whole row, one value per line",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('i'))],
        keys: "i x H",
        action: A::WhereEq,
        help: "add | where Col == / != / has this value",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('x'))],
        keys: "",
        action: A::WhereNe,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('H')), shift(K::Char('H'))],
        keys: "",
        action: A::WhereHas,
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('y'))],
        keys: "y Y c C",
        action: A::Copy(Scope::Cell, Shape::Tsv),
        help: "copy cell / row / column / all (TSV)",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('Y')), shift(K::Char('Y'))],
        keys: "",
        action: A::Copy(Scope::Row, Shape::Tsv),
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('c'))],
        keys: "",
        action: A::Copy(Scope::Column, Shape::Tsv),
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('C')), shift(K::Char('C'))],
        keys: "",
        action: A::Copy(Scope::All, Shape::Tsv),
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[alt(K::Char('y'))],
        keys: "Alt+ y Y c C",
        action: A::Copy(Scope::Cell, Shape::Json),
        help: "copy the same as JSON",
    },
    Binding {
        context: C::Grid,
        chords: &[alt(K::Char('Y')), alt_shift(K::Char('Y'))],
        keys: "",
        action: A::Copy(Scope::Row, Shape::Json),
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[alt(K::Char('c'))],
        keys: "",
        action: A::Copy(Scope::Column, Shape::Json),
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[alt(K::Char('C')), alt_shift(K::Char('C'))],
        keys: "",
        action: A::Copy(Scope::All, Shape::Json),
        help: "",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('v'))],
        keys: "v",
        action: A::ToggleChart,
        help: "chart / grid (any time or number shape)",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char('['))],
        keys: "[ ]",
        action: A::PrevResult,
        help: "previous / next result tab",
    },
    Binding {
        context: C::Grid,
        chords: &[key(K::Char(']'))],
        keys: "",
        action: A::NextResult,
        help: "",
    },
];

/// The action bound to `event` in `context` (global bindings first).
pub fn lookup(context: Context, event: &KeyEvent) -> Option<Action> {
    let chord = Chord {
        code: event.code,
        mods: event.modifiers,
    };
    let matches = |b: &&Binding| b.chords.contains(&chord);
    BINDINGS
        .iter()
        .filter(|b| b.context == Context::Global)
        .find(matches)
        .or_else(|| {
            BINDINGS
                .iter()
                .filter(|b| b.context == context)
                .find(matches)
        })
        .map(|b| b.action)
}

/// Rows for the help overlay: (context, keys, description), one per documented binding.
pub fn help_rows() -> impl Iterator<Item = (Context, &'static str, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| !b.keys.is_empty())
        .map(|b| (b.context, b.keys, b.help))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn run_has_keys_that_survive_tmux_and_ssh() {
        for (code, mods) in [
            (K::F(5), KeyModifiers::NONE),
            (K::Enter, KeyModifiers::ALT),
            (K::Enter, KeyModifiers::CONTROL),
            (K::Char('j'), KeyModifiers::CONTROL),
        ] {
            assert_eq!(
                lookup(C::Editor, &ev(code, mods)),
                Some(A::Run),
                "{code:?} {mods:?}"
            );
        }
    }

    #[test]
    fn grid_letters_do_not_steal_editor_typing() {
        assert_eq!(
            lookup(C::Editor, &ev(K::Char('j'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            lookup(C::Editor, &ev(K::Char('?'), KeyModifiers::SHIFT)),
            None
        );
        assert_eq!(
            lookup(C::Grid, &ev(K::Char('j'), KeyModifiers::NONE)),
            Some(A::Down)
        );
        assert_eq!(
            lookup(C::Grid, &ev(K::Char('?'), KeyModifiers::SHIFT)),
            Some(A::Help)
        );
    }

    #[test]
    fn ctrl_space_completes_in_the_editor_only() {
        let ctrl_space = ev(K::Char(' '), KeyModifiers::CONTROL);
        assert_eq!(lookup(C::Editor, &ctrl_space), Some(A::Complete));
        assert_eq!(lookup(C::Grid, &ctrl_space), None);
        assert_eq!(
            lookup(C::Editor, &ev(K::Char(' '), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn no_chord_is_bound_twice_where_it_applies() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                let overlap =
                    a.context == b.context || a.context == C::Global || b.context == C::Global;
                for chord in a.chords {
                    assert!(
                        !(overlap && b.chords.contains(chord)),
                        "{chord:?} bound to {:?} and {:?}",
                        a.action,
                        b.action
                    );
                }
            }
        }
    }

    #[test]
    fn every_documented_row_has_help_text() {
        for (_, keys, help) in help_rows() {
            assert!(!help.is_empty(), "{keys}");
        }
    }
}
