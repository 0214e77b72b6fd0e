//! The side pane (F4), left of the editor and results: the schema tree (tables → columns,
//! Enter inserts a name at the editor's cursor) and the library of saved `.kql` queries
//! (Enter opens one into the editor, `S` saves the editor's query). This file holds the
//! pane's state, its keys and its drawing; the two models are `schema_tree` and `library`.
//! The library is read on a thread; names and texts from disk are escaped before drawing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, Focus};
use super::keymap::{Action, Context};
use super::library::{self, EntryKind, Listing, SaveError};
use super::schema_tree::{Node, SchemaTree, parent_of};
use super::theme::Theme;
use crate::config::Paths;
use crate::data::format::{display_width, escape_control, truncate_to_width};

/// Columns the pane takes, borders included.
pub const WIDTH: u16 = 32;
/// Below this terminal width the pane is hidden (the editor and grid need the room).
pub const MIN_TERMINAL_WIDTH: u16 = 90;

/// The two halves of the pane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Section {
    #[default]
    Schema,
    Library,
}

/// A selected row in a list and the first row shown.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    selected: usize,
    offset: usize,
}

impl Cursor {
    fn move_by(&mut self, delta: isize, len: usize) {
        let last = len.saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// The rows to draw in `height` lines, scrolled so the selection shows.
    fn window(&mut self, len: usize, height: usize) -> std::ops::Range<usize> {
        self.selected = self.selected.min(len.saturating_sub(1));
        if height == 0 || len == 0 {
            return 0..0;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
        self.offset..(self.offset + height).min(len)
    }
}

/// The library half: where it is, what was read, what is folded and searched.
#[derive(Debug, Default)]
pub struct LibraryPane {
    /// The folder (`None`: no data directory and none configured).
    pub dir: Option<PathBuf>,
    pub listing: Option<Listing>,
    loading: Option<Receiver<Listing>>,
    closed: HashSet<String>,
    /// What the analyst typed after `/`.
    pub search: String,
    cursor: Cursor,
    /// Select this entry (`rel`) once the scan under way is done (a query just saved).
    reveal: Option<String>,
}

impl LibraryPane {
    /// Read the folder again, on a thread; the old listing stays on screen meanwhile.
    pub fn rescan(&mut self) {
        let Some(dir) = self.dir.clone() else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("library-scan".into())
            .spawn(move || {
                let _ = tx.send(library::scan(&dir));
            });
        match spawned {
            Ok(_) => self.loading = Some(rx),
            Err(e) => {
                tracing::warn!(%e, "no thread for the library scan; reading inline");
                self.listing = self.dir.as_deref().map(library::scan);
            }
        }
    }

    pub fn is_loading(&self) -> bool {
        self.loading.is_some()
    }

    /// Take a finished scan; whether the screen changed.
    pub fn poll(&mut self) -> bool {
        let Some(rx) = &self.loading else {
            return false;
        };
        match rx.try_recv() {
            Ok(listing) => {
                self.loaded(listing);
                true
            }
            Err(TryRecvError::Empty) => false,
            Err(TryRecvError::Disconnected) => {
                self.loading = None;
                true
            }
        }
    }

    /// Block until the scan under way is done (tests, and nothing else).
    pub fn wait(&mut self) {
        if let Some(rx) = self.loading.take()
            && let Ok(listing) = rx.recv()
        {
            self.loaded(listing);
        }
    }

    fn loaded(&mut self, listing: Listing) {
        self.listing = Some(listing);
        self.loading = None;
        let Some(rel) = self.reveal.take() else {
            return;
        };
        if let Some(listing) = &self.listing {
            // Open the folders that lead to it, then select it.
            let mut prefix = String::new();
            for part in rel.split('/') {
                prefix.push_str(part);
                self.closed.remove(&prefix);
                prefix.push('/');
            }
            let visible = listing.visible(&self.closed, &self.search);
            if let Some(pos) = visible.iter().position(|&i| listing.entries[i].rel == rel) {
                self.cursor.selected = pos;
            }
        }
    }

    fn visible(&self) -> Vec<usize> {
        self.listing
            .as_ref()
            .map_or_else(Vec::new, |l| l.visible(&self.closed, &self.search))
    }
}

/// The pane's state, kept in `App.side`.
#[derive(Debug, Default)]
pub struct SidePane {
    /// F4 turned it on (it may still be hidden on a narrow terminal).
    pub shown: bool,
    pub section: Section,
    pub schema: SchemaTree,
    schema_cursor: Cursor,
    pub library: LibraryPane,
    /// `/` is typing into the section's filter.
    pub typing: bool,
    /// The terminal's width at the last draw.
    last_width: Option<u16>,
    /// The "too narrow" notice was given for this narrowing.
    narrow_said: bool,
    /// Rows of the list at the last draw (a page).
    page: usize,
}

impl SidePane {
    /// Shown and with room to draw.
    pub fn is_visible(&self) -> bool {
        self.shown && self.last_width.is_none_or(|w| w >= MIN_TERMINAL_WIDTH)
    }

    fn filter_mut(&mut self) -> &mut String {
        match self.section {
            Section::Schema => &mut self.schema.filter,
            Section::Library => &mut self.library.search,
        }
    }

    fn filter(&self) -> &str {
        match self.section {
            Section::Schema => &self.schema.filter,
            Section::Library => &self.library.search,
        }
    }
}

/// Tab order: the pane (when visible), the editor, the results.
pub fn next_focus(focus: Focus, forward: bool, side_visible: bool) -> Focus {
    let order: &[Focus] = if side_visible {
        &[Focus::Side, Focus::Editor, Focus::Grid]
    } else {
        &[Focus::Editor, Focus::Grid]
    };
    let Some(i) = order.iter().position(|f| *f == focus) else {
        return Focus::Editor;
    };
    let n = order.len();
    order[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }]
}

/// The library folder: config `[ui] library` (`~/` is the home folder; a relative path is
/// taken from the config file's folder), else `library` under the data directory.
pub fn library_dir(sections: &toml::Table, paths: &Paths) -> PathBuf {
    configured_library(sections, &paths.config_dir)
        .unwrap_or_else(|| paths.data_dir.join("library"))
}

/// `[ui] library` from the config file's non-profile tables, resolved against `config_dir`.
pub fn configured_library(sections: &toml::Table, config_dir: &Path) -> Option<PathBuf> {
    let raw = sections.get("ui")?.get("library")?.as_str()?.trim();
    if raw.is_empty() {
        return None;
    }
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match (raw, raw.strip_prefix("~/"), home) {
        ("~", _, Some(home)) => home,
        (_, Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(raw),
    };
    Some(if path.is_absolute() {
        path
    } else {
        config_dir.join(path)
    })
}

impl App {
    /// F4: show or hide the pane; showing it focuses it.
    pub fn toggle_side_pane(&mut self) {
        let side = &mut self.side;
        side.shown = !side.shown;
        if !side.shown {
            side.typing = false;
            if self.focus == Focus::Side {
                self.focus = Focus::Editor;
            }
            return;
        }
        if side.library.listing.is_none() && !side.library.is_loading() {
            side.library.rescan();
        }
        if side.is_visible() {
            self.focus = Focus::Side;
        } else {
            side.narrow_said = true;
            self.notice = Some(narrow_notice());
        }
    }

    /// Finished library scans (the event loop asks); whether the screen changed.
    pub fn poll_side(&mut self) -> bool {
        self.side.library.poll()
    }

    /// Keys while the pane has focus; false for keys it leaves to the rest of the app.
    pub(crate) fn on_side_key(&mut self, key: KeyEvent) -> bool {
        if self.side.typing {
            return self.on_side_typing_key(key);
        }
        if self.keymap.lookup(Context::Global, &key).is_some() {
            return false;
        }
        let Some(action) = self.keymap.lookup(Context::Side, &key) else {
            return true;
        };
        let page = self.side.page.max(1) as isize;
        match action {
            Action::SideUp => self.side_move(-1),
            Action::SideDown => self.side_move(1),
            Action::SidePageUp => self.side_move(-page),
            Action::SidePageDown => self.side_move(page),
            Action::SideTop => self.side_move(isize::MIN / 2),
            Action::SideBottom => self.side_move(isize::MAX / 2),
            Action::SideLeft => self.side_left(),
            Action::SideRight => self.side_right(),
            Action::SideActivate => self.side_activate(),
            Action::SideInsert => self.side_insert(),
            Action::SideFilter => self.side.typing = true,
            Action::SideSchema => self.side.section = Section::Schema,
            Action::SideLibrary => {
                self.side.section = Section::Library;
                self.side.library.rescan();
            }
            Action::SideReload => self.side.library.rescan(),
            Action::SaveQuery => self.open_command_line("save-query "),
            _ => {}
        }
        true
    }

    fn on_side_typing_key(&mut self, key: KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.side.filter_mut().clear();
                self.side.typing = false;
            }
            KeyCode::Enter => self.side.typing = false,
            KeyCode::Backspace => {
                self.side.filter_mut().pop();
            }
            KeyCode::Char('u') if ctrl => self.side.filter_mut().clear(),
            KeyCode::Char(c) if !ctrl && !c.is_control() => self.side.filter_mut().push(c),
            KeyCode::Up => self.side_move(-1),
            KeyCode::Down => self.side_move(1),
            _ => {
                self.side.typing = false;
                return false;
            }
        }
        if matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace) {
            self.side_move(isize::MIN / 2);
        }
        true
    }

    fn side_len(&self) -> usize {
        match self.side.section {
            Section::Schema => self
                .side
                .schema
                .nodes(&self.schema, &self.extra_tables)
                .len(),
            Section::Library => self.side.library.visible().len(),
        }
    }

    fn side_move(&mut self, delta: isize) {
        let len = self.side_len();
        match self.side.section {
            Section::Schema => self.side.schema_cursor.move_by(delta, len),
            Section::Library => self.side.library.cursor.move_by(delta, len),
        }
    }

    fn side_activate(&mut self) {
        match self.side.section {
            Section::Schema => {
                let schema = Arc::clone(&self.schema);
                let nodes = self.side.schema.nodes(&schema, &self.extra_tables);
                match nodes.get(self.side.schema_cursor.selected) {
                    Some(node @ Node::Column { .. }) => self.insert_name(node.insert_text()),
                    Some(node) => self.side.schema.toggle(node),
                    None => {}
                }
            }
            Section::Library => self.library_activate(),
        }
    }

    fn side_insert(&mut self) {
        if self.side.section != Section::Schema {
            return self.side_activate();
        }
        let nodes = self.side.schema.nodes(&self.schema, &self.extra_tables);
        let text = nodes
            .get(self.side.schema_cursor.selected)
            .and_then(Node::insert_text);
        self.insert_name(text);
    }

    fn insert_name(&mut self, text: Option<String>) {
        let Some(text) = text else { return };
        self.completion = None;
        self.editor.insert_str(&text);
        self.notice = Some(format!(
            "inserted {} at the editor's cursor · Tab goes there",
            escape_control(&text)
        ));
    }

    fn side_right(&mut self) {
        match self.side.section {
            Section::Schema => {
                let schema = Arc::clone(&self.schema);
                let nodes = self.side.schema.nodes(&schema, &self.extra_tables);
                match nodes.get(self.side.schema_cursor.selected) {
                    Some(Node::Group { source, open, .. }) if !open => {
                        self.side.schema.set_group(*source, true)
                    }
                    Some(Node::Table {
                        source,
                        table,
                        open,
                    }) if !open => self.side.schema.set_table(*source, &table.name, true),
                    Some(Node::Column { .. }) | None => {}
                    Some(_) => self.side_move(1),
                }
            }
            Section::Library => {
                let visible = self.side.library.visible();
                let lib = &mut self.side.library;
                let Some(entry) = visible
                    .get(lib.cursor.selected)
                    .and_then(|&i| lib.listing.as_ref()?.entries.get(i))
                else {
                    return;
                };
                if matches!(entry.kind, EntryKind::Dir { .. }) && !lib.closed.remove(&entry.rel) {
                    self.side_move(1);
                }
            }
        }
    }

    fn side_left(&mut self) {
        match self.side.section {
            Section::Schema => {
                let schema = Arc::clone(&self.schema);
                let nodes = self.side.schema.nodes(&schema, &self.extra_tables);
                let at = self.side.schema_cursor.selected;
                match nodes.get(at) {
                    Some(Node::Group { source, open, .. }) if *open => {
                        self.side.schema.set_group(*source, false)
                    }
                    Some(Node::Table {
                        source,
                        table,
                        open,
                    }) if *open => self.side.schema.set_table(*source, &table.name, false),
                    _ => {
                        if let Some(parent) = parent_of(&nodes, at) {
                            self.side.schema_cursor.selected = parent;
                        }
                    }
                }
            }
            Section::Library => {
                let visible = self.side.library.visible();
                let lib = &mut self.side.library;
                let Some(listing) = &lib.listing else { return };
                let Some(&at) = visible.get(lib.cursor.selected) else {
                    return;
                };
                let entry = &listing.entries[at];
                if matches!(entry.kind, EntryKind::Dir { .. })
                    && lib.search.trim().is_empty()
                    && !lib.closed.contains(&entry.rel)
                {
                    lib.closed.insert(entry.rel.clone());
                    return;
                }
                let depth = entry.depth;
                if let Some(pos) = visible[..lib.cursor.selected]
                    .iter()
                    .rposition(|&i| listing.entries[i].depth + 1 == depth)
                {
                    lib.cursor.selected = pos;
                }
            }
        }
    }

    fn library_activate(&mut self) {
        let visible = self.side.library.visible();
        let lib = &mut self.side.library;
        let (Some(listing), Some(&at)) = (&lib.listing, visible.get(lib.cursor.selected)) else {
            return;
        };
        let entry = &listing.entries[at];
        match &entry.kind {
            EntryKind::Dir { .. } => {
                if !lib.search.trim().is_empty() {
                    return;
                }
                if !lib.closed.remove(&entry.rel) {
                    lib.closed.insert(entry.rel.clone());
                }
            }
            EntryKind::Unreadable { reason } => {
                self.notice = Some(format!(
                    "{} cannot be read: {}",
                    escape_control(&entry.rel),
                    escape_control(reason)
                ));
            }
            EntryKind::Query { .. } => {
                let path = listing.root.join(&entry.rel);
                let (title, rel) = (entry.name.clone(), entry.rel.clone());
                match library::read_query(&path) {
                    Ok(text) => self.open_query_text(&title, &path, &text),
                    Err(reason) => {
                        self.notice = Some(format!(
                            "{} cannot be opened: {}",
                            escape_control(&rel),
                            escape_control(&reason)
                        ))
                    }
                }
            }
        }
    }

    /// Open a saved query in a tab of its own (its file, so Ctrl+S saves it back to the
    /// library; the draft in the editor stays in its tab) and focus the editor.
    pub fn open_query_text(&mut self, title: &str, path: &Path, text: &str) {
        tracing::info!(path = %escape_control(&path.display().to_string()), "saved query opened");
        self.completion = None;
        self.show_query_file(path.to_path_buf(), text);
        self.focus = Focus::Editor;
        self.notice = Some(format!(
            "opened {} in a tab · Ctrl+S saves it · Ctrl+W closes it",
            escape_control(title)
        ));
    }

    /// `:save-query NAME`: the editor's text into the library as `NAME.kql`; an existing
    /// file is replaced only with `overwrite` (`:save-query! NAME`).
    pub fn save_query(&mut self, name: &str, overwrite: bool) {
        let Some(dir) = self.side.library.dir.clone() else {
            self.notice =
                Some("No library folder: set [ui] library = \"~/hunts\" in the config.".into());
            return;
        };
        let text = self.editor.text();
        if text.trim().is_empty() {
            self.notice = Some("Nothing to save: the editor is empty.".into());
            return;
        }
        self.notice = Some(match library::save_query(&dir, name, &text, overwrite) {
            Ok(path) => {
                let lib = &mut self.side.library;
                lib.reveal = path
                    .strip_prefix(&dir)
                    .ok()
                    .map(|rel| rel.to_string_lossy().replace('\\', "/"));
                lib.rescan();
                if self.side.shown {
                    self.side.section = Section::Library;
                }
                format!("saved {}", escape_control(&path.display().to_string()))
            }
            Err(SaveError::Exists(path)) => {
                // Asked again, with `!`: Enter confirms, Esc keeps the file.
                self.open_command_line(&format!("save-query! {}", name.trim()));
                format!(
                    "{} exists; :save-query! {} replaces it",
                    escape_control(&path.display().to_string()),
                    escape_control(name.trim())
                )
            }
            Err(e) => format!("not saved: {}", escape_control(&e.to_string())),
        });
    }

    /// Where the pane goes in `main`, given the terminal's `width`: `(pane, the rest)`.
    /// Says once when the terminal is too narrow for it.
    pub fn side_layout(&mut self, main: Rect, width: u16) -> (Option<Rect>, Rect) {
        let side = &mut self.side;
        side.last_width = Some(width);
        if side.shown && !side.is_visible() {
            if !side.narrow_said {
                side.narrow_said = true;
                self.notice = Some(narrow_notice());
            }
            if self.focus == Focus::Side {
                self.focus = Focus::Editor;
                side.typing = false;
            }
        } else if width >= MIN_TERMINAL_WIDTH {
            side.narrow_said = false;
        }
        super::layout::split_side(main, self.side.is_visible().then_some(WIDTH))
    }
}

fn narrow_notice() -> String {
    format!("side pane (F4) hidden below {MIN_TERMINAL_WIDTH} columns")
}

/// Draw the pane into `area`.
pub fn draw(app: &mut App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Side && app.overlay.is_none();
    let theme = &app.theme;
    let side = &mut app.side;
    let tab = |label: &'static str, on: bool| {
        Span::styled(label, if on { theme.title } else { theme.dim })
    };
    let title = Line::from(vec![
        Span::raw(" "),
        tab("1 Schema", side.section == Section::Schema),
        Span::styled(" · ", theme.dim),
        tab("2 Library", side.section == Section::Library),
        Span::raw(" "),
    ]);
    let mut block = theme.pane(title, focused);
    if focused {
        let hint = match side.section {
            Section::Schema => " Enter/i insert · / filter ",
            Section::Library => " Enter open · / find · S save ",
        };
        block = block.title_bottom(Line::styled(hint, theme.dim));
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);

    let filter = side.filter().to_string();
    let filter_rows = u16::from(side.typing || !filter.is_empty()).min(inner.height);
    let [filter_area, body] =
        Layout::vertical([Constraint::Length(filter_rows), Constraint::Min(0)]).areas(inner);
    if filter_rows > 0 {
        let cursor = if side.typing && focused { "▏" } else { "" };
        let text = format!("/{}{cursor}", escape_control(&filter));
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate_to_width(&text, width).into_owned(),
                theme.status_key,
            )),
            filter_area,
        );
    }
    let lines = match side.section {
        Section::Schema => {
            let nodes = side.schema.nodes(&app.schema, &app.extra_tables);
            let footer = if body.height >= 8 { 3 } else { 0 };
            side.page = usize::from(body.height - footer);
            if nodes.is_empty() {
                vec![Line::styled("no table or column matches", theme.dim)]
            } else {
                let range = side.schema_cursor.window(nodes.len(), side.page);
                let selected = side.schema_cursor.selected;
                let mut lines: Vec<Line<'static>> = range
                    .map(|i| {
                        let (text, style) = schema_row(&nodes[i], width, theme);
                        row(text, style, focused && i == selected, width, theme)
                    })
                    .collect();
                if footer > 0 {
                    lines.resize(side.page, Line::raw(""));
                    lines.push(Line::styled("─".repeat(width), theme.border));
                    lines.extend(schema_footer(nodes.get(selected), width, theme));
                }
                lines
            }
        }
        Section::Library => library_lines(&mut side.library, body, focused, theme, &mut side.page),
    };
    frame.render_widget(Paragraph::new(lines), body);
}

/// A row padded to the width, highlighted when selected.
fn row(
    spans: Vec<Span<'static>>,
    base: Style,
    selected: bool,
    width: usize,
    theme: &Theme,
) -> Line<'static> {
    let used: usize = spans.iter().map(|s| display_width(&s.content)).sum();
    let mut spans = spans;
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    let line = Line::from(spans).style(base);
    if selected {
        line.style(theme.selected_row)
    } else {
        line
    }
}

/// An untrusted name, escaped and cut to `width` cells.
fn fit(text: &str, width: usize) -> String {
    truncate_to_width(&escape_control(text), width).into_owned()
}

fn schema_row(node: &Node<'_>, width: usize, theme: &Theme) -> (Vec<Span<'static>>, Style) {
    let arrow = |open: bool| if open { "▾ " } else { "▸ " };
    match node {
        Node::Group {
            source,
            tables,
            open,
        } => {
            let text = format!("{}{} ({tables})", arrow(*open), source.title());
            (vec![Span::raw(fit(&text, width))], theme.title)
        }
        Node::Table { table, open, .. } => {
            let name = fit(&table.name, width.saturating_sub(4));
            let mut spans = vec![Span::raw(format!("  {}{name}", arrow(*open)))];
            let used = 4 + display_width(&name);
            if table.preview && used + 10 <= width {
                spans.push(Span::styled(" (preview)", theme.dim));
            }
            (spans, theme.text)
        }
        Node::Column { name, kind, .. } => {
            // The name first; the type when there is room (the footer always has it).
            let kind = kind.kql_name();
            let name = fit(name, width.saturating_sub(4));
            let used = 4 + display_width(&name);
            let mut spans = vec![Span::raw(format!("    {name}"))];
            if used + 1 + kind.len() <= width {
                spans.push(Span::raw(" ".repeat(width - used - kind.len())));
                spans.push(Span::styled(kind, theme.dim));
            }
            (spans, theme.text)
        }
    }
}

/// Two lines about the selected row: its whole name, then its type and table (a column)
/// or its size and source (a table).
fn schema_footer(node: Option<&Node<'_>>, width: usize, theme: &Theme) -> [Line<'static>; 2] {
    let (name, about) = match node {
        Some(Node::Column {
            table, name, kind, ..
        }) => (
            name.to_string(),
            format!("{} · {}", kind.kql_name(), table.name),
        ),
        Some(Node::Table { table, source, .. }) => (
            table.name.clone(),
            format!("{} columns · {}", table.columns.len(), source.title()),
        ),
        _ => (String::new(), String::new()),
    };
    [
        Line::styled(fit(&name, width), theme.text),
        Line::styled(fit(&about, width), theme.dim),
    ]
}

fn library_lines(
    lib: &mut LibraryPane,
    body: Rect,
    focused: bool,
    theme: &Theme,
    page: &mut usize,
) -> Vec<Line<'static>> {
    let width = usize::from(body.width);
    let dir = lib
        .dir
        .as_deref()
        .map(|d| fit(&d.display().to_string(), width));
    let Some(listing) = &lib.listing else {
        let text = if lib.is_loading() {
            "reading the library…"
        } else {
            "no library folder: set [ui] library in the config"
        };
        return vec![Line::styled(text, theme.dim)];
    };
    if let Some(err) = &listing.error {
        return vec![
            Line::styled(
                fit(&format!("✗ cannot read the library: {err}"), width),
                theme.error,
            ),
            Line::styled(dir.unwrap_or_default(), theme.dim),
        ];
    }
    if listing.entries.is_empty() {
        return vec![
            Line::styled("No saved queries yet.", theme.text),
            Line::styled("S saves the editor's query", theme.dim),
            Line::styled("into:", theme.dim),
            Line::styled(dir.unwrap_or_default(), theme.dim),
        ];
    }
    let visible = listing.visible(&lib.closed, &lib.search);
    let searching = !lib.search.trim().is_empty();
    if visible.is_empty() {
        return vec![Line::styled("no saved query matches", theme.dim)];
    }
    let footer = if body.height >= 8 { 3 } else { 0 };
    let capped = u16::from(listing.capped);
    *page = usize::from(body.height.saturating_sub(footer + capped));
    let range = lib.cursor.window(visible.len(), *page);
    let selected = lib.cursor.selected;
    let mut lines: Vec<Line<'static>> = range
        .map(|v| {
            let e = &listing.entries[visible[v]];
            let indent = "  ".repeat(e.depth);
            let spans = match &e.kind {
                EntryKind::Dir { .. } => {
                    let open = searching || !lib.closed.contains(&e.rel);
                    let arrow = if open { "▾ " } else { "▸ " };
                    let room = width.saturating_sub(indent.len() + 3);
                    vec![Span::styled(
                        format!("{indent}{arrow}{}/", fit(&e.name, room)),
                        theme.title,
                    )]
                }
                EntryKind::Query { description, .. } => {
                    let name = fit(&e.name, width.saturating_sub(indent.len() + 2));
                    let used = indent.len() + 2 + display_width(&name);
                    let mut spans = vec![Span::raw(format!("{indent}  {name}"))];
                    if let Some(d) = description
                        && used + 4 <= width
                    {
                        spans.push(Span::styled(
                            format!("  {}", fit(d, width - used - 2)),
                            theme.dim,
                        ));
                    }
                    spans
                }
                EntryKind::Unreadable { .. } => {
                    let name = fit(&e.name, width.saturating_sub(indent.len() + 4));
                    vec![
                        Span::raw(format!("{indent}  {name}")),
                        Span::styled(" ✗", theme.error),
                    ]
                }
            };
            row(spans, theme.text, focused && v == selected, width, theme)
        })
        .collect();
    if listing.capped {
        lines.push(Line::styled(
            fit(
                &format!("only the first {} files", library::MAX_FILES),
                width,
            ),
            theme.warn,
        ));
    }
    if footer > 0 {
        lines.resize(usize::from(body.height - footer), Line::raw(""));
        let e = visible.get(selected).map(|&i| &listing.entries[i]);
        lines.push(Line::styled("─".repeat(width), theme.border));
        let (path, about) = match e.map(|e| (&e.rel, &e.kind)) {
            Some((rel, EntryKind::Query { description, .. })) => (
                Line::styled(fit(rel, width), theme.dim),
                Line::styled(
                    fit(
                        description.as_deref().unwrap_or("(no // description)"),
                        width,
                    ),
                    theme.text,
                ),
            ),
            Some((rel, EntryKind::Unreadable { reason })) => (
                Line::styled(fit(rel, width), theme.dim),
                Line::styled(fit(&format!("✗ {reason}"), width), theme.error),
            ),
            Some((rel, EntryKind::Dir { .. })) => (
                Line::styled(fit(&format!("{rel}/"), width), theme.dim),
                Line::raw(""),
            ),
            None => (Line::raw(""), Line::raw("")),
        };
        lines.push(path);
        lines.push(about);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_order_includes_the_pane_only_when_visible() {
        use Focus::*;
        assert_eq!(next_focus(Editor, true, false), Grid);
        assert_eq!(next_focus(Grid, true, false), Editor);
        assert_eq!(next_focus(Side, true, false), Editor);
        assert_eq!(next_focus(Grid, true, true), Side);
        assert_eq!(next_focus(Side, true, true), Editor);
        assert_eq!(next_focus(Editor, false, true), Side);
        assert_eq!(next_focus(Side, false, true), Grid);
    }

    #[test]
    fn the_library_folder_comes_from_ui_library() {
        let parse = |t: &str| {
            crate::config::profile::ConfigFile::parse(t, Path::new("c.toml"))
                .unwrap()
                .other
        };
        let dir = Path::new("/cfg");
        assert_eq!(
            configured_library(&parse("[ui]\nlibrary = \"/srv/hunts\"\n"), dir),
            Some(PathBuf::from("/srv/hunts"))
        );
        assert_eq!(
            configured_library(&parse("[ui]\nlibrary = \"hunts\"\n"), dir),
            Some(PathBuf::from("/cfg/hunts"))
        );
        assert_eq!(
            configured_library(&parse("[ui]\nmouse = false\n"), dir),
            None
        );
        assert_eq!(configured_library(&parse("[ui]\nlibrary = 3\n"), dir), None);
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(
                configured_library(&parse("[ui]\nlibrary = \"~/hunts\"\n"), dir),
                Some(Path::new(&home).join("hunts"))
            );
        }
    }

    #[test]
    fn the_cursor_window_keeps_the_selection_in_view() {
        let mut c = Cursor::default();
        c.move_by(15, 20);
        assert_eq!(c.window(20, 5), 11..16);
        c.move_by(-100, 20);
        assert_eq!(c.window(20, 5), 0..5);
        c.move_by(100, 3);
        assert_eq!(c.window(3, 5), 0..3);
        assert_eq!(c.window(0, 5), 0..0);
    }
}
