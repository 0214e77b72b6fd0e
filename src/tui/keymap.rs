//! Every key the workbench answers to, as one table of defaults (`BINDINGS`), and the
//! `Keymap` built from it plus the analyst's `[keys]` overrides: dispatch reads the keymap and
//! the help overlay prints it, so the two cannot drift apart. Keys the editor handles itself
//! (typing, cursor movement, selection) are listed for help only.

use std::borrow::Cow;
use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use super::chord::Chord;

/// Where a binding applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    /// Anywhere, whatever has focus.
    Global,
    Editor,
    Grid,
    /// The side pane (F4): schema tree and saved queries.
    Side,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Editor => "Editor",
            Context::Grid => "Results grid",
            Context::Side => "Side pane: schema and saved queries",
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
    // Side pane: schema tree and library (own actions, so `[keys]` can rebind them apart
    // from the grid's).
    ToggleSide,
    SideUp,
    SideDown,
    SidePageUp,
    SidePageDown,
    SideTop,
    SideBottom,
    /// Expand (or go down).
    SideRight,
    /// Collapse (or go up to the parent).
    SideLeft,
    /// Type to filter tables and columns / search saved queries.
    SideFilter,
    SideSchema,
    SideLibrary,
    /// Expand/collapse, insert a column, open a saved query.
    SideActivate,
    /// Insert the table or column name at the editor's cursor.
    SideInsert,
    /// The command line with `save-query ` typed.
    SaveQuery,
    SideReload,
    /// Handled by the editor widget itself; listed for the help overlay.
    EditorBuiltin,
    // Query tabs, files, $EDITOR and buffer search (tabs.rs, kql_files.rs, ...).
    NewTab,
    CloseTab,
    NextTab,
    PrevTab,
    /// Alt+N: the Nth query tab (1-based).
    GotoTab(u8),
    /// Save the query tab to its `.kql` file.
    SaveTab,
    ExternalEditor,
    SearchBuffer,
    SearchNext,
    SearchPrev,
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
    // Side pane (F4): schema tree and library of saved queries.
    Binding {
        context: C::Global,
        chords: &[key(K::F(4))],
        keys: "F4",
        action: A::ToggleSide,
        help: "side pane: schema and saved queries (Tab reaches it)",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('1'))],
        keys: "1 2",
        action: A::SideSchema,
        help: "schema tree / library of saved queries",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('2'))],
        keys: "",
        action: A::SideLibrary,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Up), key(K::Char('k'))],
        keys: "↑ ↓  k j  PgUp PgDn  g G",
        action: A::SideUp,
        help: "move",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Down), key(K::Char('j'))],
        keys: "",
        action: A::SideDown,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::PageUp)],
        keys: "",
        action: A::SidePageUp,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::PageDown)],
        keys: "",
        action: A::SidePageDown,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('g')), key(K::Home)],
        keys: "",
        action: A::SideTop,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('G')), shift(K::Char('G')), key(K::End)],
        keys: "",
        action: A::SideBottom,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Right), key(K::Char('l'))],
        keys: "→ ←  l h",
        action: A::SideRight,
        help: "expand / collapse (← on a row: up to its parent)",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Left), key(K::Char('h'))],
        keys: "",
        action: A::SideLeft,
        help: "",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Enter), key(K::Char(' '))],
        keys: "Enter  Space",
        action: A::SideActivate,
        help: "expand; insert a column; open a saved query",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('i'))],
        keys: "i",
        action: A::SideInsert,
        help: "insert the table or column name at the cursor",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('/'))],
        keys: "/",
        action: A::SideFilter,
        help: "filter tables and columns / search saved queries",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('S')), shift(K::Char('S'))],
        keys: "S",
        action: A::SaveQuery,
        help: "save the query: :save-query NAME (! replaces)",
    },
    Binding {
        context: C::Side,
        chords: &[key(K::Char('r'))],
        keys: "r",
        action: A::SideReload,
        help: "read the library folder again",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Char('t'))],
        keys: "Ctrl+T",
        action: A::NewTab,
        help: "new query tab",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Char('w'))],
        keys: "Ctrl+W",
        action: A::CloseTab,
        help: "close the query tab (asks when text would be lost)",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('1'))],
        keys: "Alt+1..9  Ctrl+PgUp/PgDn",
        action: A::GotoTab(1),
        help: "switch query tab",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('2'))],
        keys: "",
        action: A::GotoTab(2),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('3'))],
        keys: "",
        action: A::GotoTab(3),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('4'))],
        keys: "",
        action: A::GotoTab(4),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('5'))],
        keys: "",
        action: A::GotoTab(5),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('6'))],
        keys: "",
        action: A::GotoTab(6),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('7'))],
        keys: "",
        action: A::GotoTab(7),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('8'))],
        keys: "",
        action: A::GotoTab(8),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[alt(K::Char('9'))],
        keys: "",
        action: A::GotoTab(9),
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::PageDown)],
        keys: "",
        action: A::NextTab,
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::PageUp)],
        keys: "",
        action: A::PrevTab,
        help: "",
    },
    Binding {
        context: C::Global,
        chords: &[ctrl(K::Char('s'))],
        keys: "Ctrl+S",
        action: A::SaveTab,
        help: "save the tab to its .kql file (or :saveas FILE)",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char('e'))],
        keys: "Ctrl+E",
        action: A::ExternalEditor,
        help: "edit the query in $VISUAL / $EDITOR",
    },
    Binding {
        context: C::Editor,
        chords: &[ctrl(K::Char('f'))],
        keys: "Ctrl+F",
        action: A::SearchBuffer,
        help: "search in the query (literal, smart case)",
    },
    Binding {
        context: C::Editor,
        chords: &[key(K::F(3))],
        keys: "F3  Shift+F3",
        action: A::SearchNext,
        help: "next / previous match of the last search",
    },
    Binding {
        context: C::Editor,
        chords: &[shift(K::F(3)), key(K::F(15))],
        keys: "",
        action: A::SearchPrev,
        help: "",
    },
    Binding {
        context: C::Editor,
        chords: &[],
        keys: ":w  :w F.kql  :saveas F",
        action: A::EditorBuiltin,
        help: "save the query; :w F.csv|json exports the result",
    },
    Binding {
        context: C::Editor,
        chords: &[],
        keys: ":e F.kql  :set [no]vim",
        action: A::EditorBuiltin,
        help: "open a query file; vim mode (normal-mode Esc cancels)",
    },
];

impl Action {
    /// The action's name in the config's `[keys]` section: its variant in kebab case
    /// (`run-fresh`, `quota-details`, `copy-cell-tsv`), so every new action gets one.
    pub fn name(self) -> String {
        kebab(&format!("{self:?}"))
    }

    /// The action named `name` (see [`Action::name`]), if any can be bound.
    pub fn from_name(name: &str) -> Option<Action> {
        let name = name.trim().to_ascii_lowercase().replace('_', "-");
        BINDINGS
            .iter()
            .map(|b| b.action)
            .filter(|a| *a != Action::EditorBuiltin)
            .find(|a| a.name() == name)
    }
}

/// `CopyCell(Row, Tsv)` → `copy-cell-row-tsv`.
fn kebab(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len() + 4);
    for c in debug.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Whether bindings in `a` and `b` can both answer one key (global ones answer everywhere).
fn overlaps(a: Context, b: Context) -> bool {
    a == b || a == Context::Global || b == Context::Global
}

/// The keys in effect: the defaults of [`BINDINGS`] with the analyst's `[keys]` overrides
/// applied. Built once at start; `lookup` is one or two hash probes.
#[derive(Clone, Debug)]
pub struct Keymap {
    map: HashMap<(Context, Chord), Action>,
    /// The chords in effect for each row of `BINDINGS` (same index).
    rows: Vec<Vec<Chord>>,
    /// Rows whose chords differ from the defaults (their help text is generated).
    changed: Vec<bool>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::with_overrides(&[]).0
    }
}

impl Keymap {
    /// The defaults with `overrides` applied: (action name, chords as written). An action's
    /// chords replace all of its defaults and go where the action's first binding applies;
    /// an empty list unbinds it. A chord taken from another action is removed from it (and
    /// a warning says so); when two overrides claim one chord, the one whose action name
    /// sorts first keeps it. Unknown names and unreadable chords are warnings, never errors.
    pub fn with_overrides(overrides: &[(String, Vec<String>)]) -> (Keymap, Vec<String>) {
        let mut warnings = Vec::new();
        let mut rows: Vec<Vec<Chord>> = BINDINGS
            .iter()
            .map(|b| {
                let mut chords: Vec<Chord> = Vec::new();
                for c in b.chords.iter().map(|c| c.normalized()) {
                    if !chords.contains(&c) {
                        chords.push(c);
                    }
                }
                chords
            })
            .collect();
        let defaults = rows.clone();

        let mut sorted: Vec<&(String, Vec<String>)> = overrides.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        // Resolve names and chords first, so a displaced action that is itself rebound
        // does not draw a warning.
        let mut wanted: Vec<(Action, Vec<Chord>)> = Vec::new();
        for (name, texts) in sorted {
            let Some(action) = Action::from_name(name) else {
                warnings.push(format!(
                    "[keys] `{}` is not an action; `kqlhunt config keys` lists them",
                    crate::data::format::escape_control(name)
                ));
                continue;
            };
            if wanted.iter().any(|(a, _)| *a == action) {
                continue;
            }
            let context = primary_context(action);
            let mut chords = Vec::new();
            for text in texts {
                match Chord::parse(text) {
                    Ok(c) if types_text(context, c) => warnings.push(format!(
                        "[keys] {name} = \"{c}\" ignored: the editor needs that key for typing; add Ctrl or Alt"
                    )),
                    Ok(c) if !chords.contains(&c) => chords.push(c),
                    Ok(_) => {}
                    Err(e) => warnings.push(format!(
                        "[keys] {name} = \"{}\" ignored: {e}",
                        crate::data::format::escape_control(text)
                    )),
                }
            }
            if chords.is_empty() && !texts.is_empty() {
                // Nothing usable: keep the defaults rather than lose the action.
                continue;
            }
            wanted.push((action, chords));
        }

        let rebound: Vec<Action> = wanted.iter().map(|(a, _)| *a).collect();
        let mut claimed: Vec<(Context, Chord, Action)> = Vec::new();
        for (action, chords) in wanted {
            for (i, b) in BINDINGS.iter().enumerate() {
                if b.action == action {
                    rows[i].clear();
                }
            }
            let home = BINDINGS
                .iter()
                .position(|b| b.action == action)
                .unwrap_or_default();
            let context = BINDINGS[home].context;
            for chord in chords {
                if let Some((_, _, owner)) = claimed
                    .iter()
                    .find(|(ctx, c, _)| *c == chord && overlaps(*ctx, context))
                {
                    warnings.push(format!(
                        "[keys] {chord} is set for both {} and {}; {} keeps it",
                        owner.name(),
                        action.name(),
                        owner.name()
                    ));
                    continue;
                }
                for (i, b) in BINDINGS.iter().enumerate() {
                    if b.action != action
                        && overlaps(b.context, context)
                        && let Some(at) = rows[i].iter().position(|c| *c == chord)
                    {
                        rows[i].remove(at);
                        if !rebound.contains(&b.action) {
                            warnings.push(format!(
                                "[keys] {chord} now does {}; it no longer does {}",
                                action.name(),
                                b.action.name()
                            ));
                        }
                    }
                }
                claimed.push((context, chord, action));
                rows[home].push(chord);
            }
        }

        let mut map = HashMap::new();
        for (b, chords) in BINDINGS.iter().zip(&rows) {
            for chord in chords {
                map.entry((b.context, *chord)).or_insert(b.action);
            }
        }
        let changed = rows.iter().zip(&defaults).map(|(r, d)| r != d).collect();
        (Keymap { map, rows, changed }, warnings)
    }

    /// The action bound to `event` in `context` (global bindings first).
    pub fn lookup(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        let chord = Chord::of_event(event);
        self.map
            .get(&(Context::Global, chord))
            .or_else(|| self.map.get(&(context, chord)))
            .copied()
    }

    /// The chords that do `action` (in any context), for messages and tests.
    pub fn chords_for(&self, action: Action) -> Vec<Chord> {
        BINDINGS
            .iter()
            .zip(&self.rows)
            .filter(|(b, _)| b.action == action)
            .flat_map(|(_, chords)| chords.iter().copied())
            .collect()
    }

    /// Every action that can be bound, once, in table order: (its `[keys]` name, the keys
    /// that do it now, what it does). Undocumented rows borrow their group's help text.
    pub fn describe(&self) -> Vec<(String, String, &'static str)> {
        let mut out: Vec<(String, String, &'static str)> = Vec::new();
        let mut help = "";
        for (i, b) in BINDINGS.iter().enumerate() {
            if !b.help.is_empty() {
                help = b.help;
            }
            if b.action == Action::EditorBuiltin {
                continue;
            }
            let name = b.action.name();
            let chords: Vec<String> = self.rows[i].iter().map(Chord::to_string).collect();
            match out.iter_mut().find(|(n, ..)| *n == name) {
                Some(row) => {
                    for c in chords {
                        if !row.1.split("  ").any(|k| k == c) {
                            row.1 = if row.1.is_empty() {
                                c
                            } else {
                                format!("{}  {c}", row.1)
                            };
                        }
                    }
                }
                None => out.push((name, chords.join("  "), help)),
            }
        }
        for row in &mut out {
            if row.1.is_empty() {
                row.1 = "(unbound)".into();
            }
        }
        out
    }

    /// The key hints at the right of the status bar, spelled from the keys in effect once
    /// any of them was rebound (an unbound action is left out).
    pub fn status_hints(&self, metered: bool) -> Cow<'static, str> {
        let shown: &[(Action, &str)] = if metered {
            &[
                (Action::Run, "run"),
                (Action::QuotaDetails, "quota"),
                (Action::Help, "help"),
                (Action::Quit, "quit"),
            ]
        } else {
            &[
                (Action::Run, "run"),
                (Action::Help, "help"),
                (Action::Quit, "quit"),
            ]
        };
        let rebound = BINDINGS
            .iter()
            .zip(&self.changed)
            .any(|(b, &changed)| changed && shown.iter().any(|(a, _)| *a == b.action));
        if !rebound {
            return Cow::Borrowed(if metered {
                "F5 run · F2 quota · F1 help · ^Q quit"
            } else {
                "F5 run · F1 help · ^Q quit"
            });
        }
        let hints: Vec<String> = shown
            .iter()
            .filter_map(|&(action, label)| {
                let chord = self.chords_for(action).into_iter().next()?;
                Some(format!("{chord} {label}"))
            })
            .collect();
        Cow::Owned(hints.join(" · "))
    }

    /// Rows for the help overlay: (context, keys, description), one per documented binding.
    /// A documented row and the undocumented rows after it in the same context form one
    /// entry; when any of their chords were changed, the keys are spelled from the chords in
    /// effect instead of the table's hand-written text.
    pub fn help_rows(&self) -> Vec<(Context, Cow<'static, str>, &'static str)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < BINDINGS.len() {
            let lead = &BINDINGS[i];
            let mut end = i + 1;
            while end < BINDINGS.len()
                && BINDINGS[end].keys.is_empty()
                && BINDINGS[end].context == lead.context
            {
                end += 1;
            }
            if !lead.keys.is_empty() {
                let keys = if self.changed[i..end].iter().any(|&c| c) {
                    let spelled: Vec<String> = self.rows[i..end]
                        .iter()
                        .filter(|chords| !chords.is_empty())
                        .map(|chords| {
                            chords
                                .iter()
                                .map(Chord::to_string)
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .collect();
                    if spelled.is_empty() {
                        Cow::Borrowed("(unbound)")
                    } else {
                        Cow::Owned(spelled.join("  "))
                    }
                } else {
                    Cow::Borrowed(lead.keys)
                };
                out.push((lead.context, keys, lead.help));
            }
            i = end;
        }
        out
    }
}

/// Where a rebound action's chords go: the context of its first row in `BINDINGS`.
fn primary_context(action: Action) -> Context {
    BINDINGS
        .iter()
        .find(|b| b.action == action)
        .map_or(Context::Global, |b| b.context)
}

/// A chord that would stop the analyst typing or editing where the editor has the keys: a
/// character, Enter, Backspace, Delete, or moving and selecting (arrows, Home, End, with
/// or without Shift), none with Ctrl or Alt.
fn types_text(context: Context, chord: Chord) -> bool {
    use KeyCode as K;
    !matches!(context, Context::Grid | Context::Side)
        && !chord
            .mods
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && matches!(
            chord.code,
            K::Char(_)
                | K::Enter
                | K::Backspace
                | K::Delete
                | K::Left
                | K::Right
                | K::Up
                | K::Down
                | K::Home
                | K::End
        )
}

static DEFAULT: std::sync::LazyLock<Keymap> = std::sync::LazyLock::new(Keymap::default);

/// The default action bound to `event` in `context` (global bindings first).
pub fn lookup(context: Context, event: &KeyEvent) -> Option<Action> {
    DEFAULT.lookup(context, event)
}

/// The default keys' help rows (see [`Keymap::help_rows`]).
pub fn help_rows() -> impl Iterator<Item = (Context, Cow<'static, str>, &'static str)> {
    DEFAULT.help_rows().into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    fn build(pairs: &[(&str, &[&str])]) -> (Keymap, Vec<String>) {
        let owned: Vec<(String, Vec<String>)> = pairs
            .iter()
            .map(|(n, cs)| (n.to_string(), cs.iter().map(|c| c.to_string()).collect()))
            .collect();
        Keymap::with_overrides(&owned)
    }

    fn chord(s: &str) -> KeyEvent {
        let c = Chord::parse(s).unwrap();
        KeyEvent::new(c.code, c.mods)
    }

    #[test]
    fn action_names_are_unique_kebab_case_and_read_back() {
        let mut seen = Vec::new();
        for b in BINDINGS.iter().filter(|b| b.action != A::EditorBuiltin) {
            let name = b.action.name();
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
            assert_eq!(Action::from_name(&name), Some(b.action), "{name}");
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == name) {
                assert_eq!(*other, b.action, "two actions are named {name}");
            }
            seen.push((name, b.action));
        }
        assert_eq!(A::Copy(Scope::Cell, Shape::Tsv).name(), "copy-cell-tsv");
        assert_eq!(A::RunFresh.name(), "run-fresh");
        assert_eq!(Action::from_name("Quota_Details"), Some(A::QuotaDetails));
        assert_eq!(Action::from_name("editor-builtin"), None);
    }

    #[test]
    fn the_defaults_build_without_warnings_and_answer_like_the_table() {
        let (map, warnings) = Keymap::with_overrides(&[]);
        assert!(warnings.is_empty(), "{warnings:?}");
        for b in BINDINGS {
            for c in b.chords {
                let got = map.lookup(b.context, &KeyEvent::new(c.code, c.mods));
                assert_eq!(got, Some(b.action), "{c:?}");
            }
        }
        let rows = map.help_rows();
        assert!(
            rows.iter()
                .all(|(_, keys, _)| matches!(keys, Cow::Borrowed(_)))
        );
    }

    #[test]
    fn a_rebinding_replaces_the_defaults_and_shows_in_help() {
        let (map, warnings) = build(&[("quota-details", &["F9", "Ctrl+Shift+Q"])]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(map.lookup(C::Editor, &chord("F9")), Some(A::QuotaDetails));
        assert_eq!(map.lookup(C::Grid, &chord("Ctrl+Q")), Some(A::Quit));
        assert_eq!(
            map.lookup(C::Grid, &chord("Ctrl+Shift+Q")),
            Some(A::QuotaDetails)
        );
        assert_eq!(map.lookup(C::Editor, &chord("F2")), None, "default dropped");
        let row = map
            .help_rows()
            .into_iter()
            .find(|(_, _, help)| help.contains("quota"))
            .unwrap();
        assert_eq!(row.1, "F9 Ctrl+Shift+Q");
        assert_eq!(map.chords_for(A::QuotaDetails).len(), 2);
    }

    #[test]
    fn a_taken_chord_is_displaced_with_a_warning() {
        let (map, warnings) = build(&[("filter", &["s"])]);
        assert_eq!(map.lookup(C::Grid, &chord("s")), Some(A::Filter));
        assert_eq!(map.lookup(C::Grid, &chord("/")), None);
        assert_eq!(
            warnings,
            ["[keys] s now does filter; it no longer does sort"]
        );
        let sort = map
            .help_rows()
            .into_iter()
            .find(|(_, _, help)| help.starts_with("sort by"))
            .unwrap();
        assert_eq!(sort.1, "(unbound)");
        // A global chord displaces the same chord in a pane.
        let (map, warnings) = build(&[("refresh-schema", &["Alt+y"])]);
        assert_eq!(map.lookup(C::Grid, &chord("Alt+y")), Some(A::RefreshSchema));
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("copy-cell-json"), "{warnings:?}");
    }

    #[test]
    fn two_overrides_on_one_chord_keep_the_first_by_name() {
        let (map, warnings) = build(&[("sort", &["F9"]), ("freeze", &["F9"])]);
        assert_eq!(map.lookup(C::Grid, &chord("F9")), Some(A::Freeze));
        assert_eq!(
            warnings,
            ["[keys] F9 is set for both freeze and sort; freeze keeps it"]
        );
        // Different panes may share a chord.
        let (map, warnings) = build(&[("undo", &["Ctrl+U"]), ("page-up", &["Ctrl+U"])]);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(map.lookup(C::Editor, &chord("Ctrl+U")), Some(A::Undo));
        assert_eq!(map.lookup(C::Grid, &chord("Ctrl+U")), Some(A::PageUp));
    }

    #[test]
    fn bad_names_and_chords_warn_and_keep_the_defaults() {
        let (map, warnings) = build(&[
            ("launch-missiles", &["F9"]),
            ("run", &["Hyper+R"]),
            ("help", &["x"]),
        ]);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings.iter().any(|w| w.contains("help = \"x\" ignored")));
        assert!(warnings.iter().any(|w| w.contains("launch-missiles")));
        assert!(warnings.iter().any(|w| w.contains("Hyper")));
        assert_eq!(map.lookup(C::Editor, &chord("F5")), Some(A::Run));
        assert_eq!(map.lookup(C::Editor, &chord("F1")), Some(A::Help));
        assert_eq!(map.lookup(C::Editor, &chord("x")), None);
        // Editing keys stay the editor's; in the grid they may be taken.
        let (map, warnings) = build(&[
            ("run", &["Enter", "Shift+Left", "Ctrl+Enter"]),
            ("sort", &["Enter"]),
        ]);
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(
            warnings[..2]
                .iter()
                .all(|w| w.contains("the editor needs that key"))
        );
        assert_eq!(
            warnings[2],
            "[keys] Enter now does sort; it no longer does detail"
        );
        assert_eq!(map.lookup(C::Editor, &chord("Ctrl+Enter")), Some(A::Run));
        assert_eq!(map.lookup(C::Grid, &chord("Enter")), Some(A::Sort));
    }

    #[test]
    fn status_hints_follow_rebindings() {
        let (map, _) = build(&[]);
        assert_eq!(map.status_hints(false), "F5 run · F1 help · ^Q quit");
        let (map, _) = build(&[("run", &["Alt+R", "F5"]), ("quit", &[])]);
        assert_eq!(map.status_hints(false), "Alt+R run · F1 help");
        assert_eq!(map.status_hints(true), "Alt+R run · F2 quota · F1 help");
    }

    proptest::proptest! {
        /// Whatever the `[keys]` section holds: no panic, and every chord an override kept
        /// answers with that override's action where the action lives.
        #[test]
        fn any_overrides_build_a_consistent_keymap(
            picks in proptest::collection::vec(
                (0usize..80, proptest::collection::vec(
                    proptest::prop_oneof![
                        proptest::sample::select(vec![
                            "F9", "Ctrl+R", "s", "Alt+Enter", "Enter", "/", "Ctrl+Q", "G", "Esc",
                        ]).prop_map(String::from),
                        "(?s).{0,8}",
                    ],
                    0..3,
                )),
                0..6,
            )
        ) {
            let names: Vec<String> = BINDINGS.iter().map(|b| b.action.name()).collect();
            let overrides: Vec<(String, Vec<String>)> = picks
                .into_iter()
                .map(|(i, chords)| (names.get(i).cloned().unwrap_or_else(|| format!("nope-{i}")), chords))
                .collect();
            let (map, _) = Keymap::with_overrides(&overrides);
            for (b, chords) in BINDINGS.iter().zip(&map.rows) {
                for c in chords {
                    let ev = KeyEvent::new(c.code, c.mods);
                    prop_assert_eq!(map.lookup(b.context, &ev), Some(b.action), "{}", c);
                }
            }
            let _ = map.help_rows();
            let _ = map.describe();
        }
    }

    #[test]
    fn an_empty_list_unbinds() {
        let (map, warnings) = build(&[("quit", &[])]);
        assert!(warnings.is_empty());
        assert_eq!(map.lookup(C::Editor, &chord("Ctrl+Q")), None);
    }

    #[test]
    fn every_documented_row_has_help_text() {
        for (_, keys, help) in help_rows() {
            assert!(!help.is_empty(), "{keys}");
        }
    }
}
