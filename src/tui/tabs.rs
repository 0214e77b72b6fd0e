//! Query tabs: several buffers in the editor pane, each with its own text, cursor, scroll and
//! undo history, a title, and the `.kql` file it came from (if any). The active buffer's
//! editor lives in `App::editor` (so completion, lint, the highlighter and run read one
//! place); the others are parked here and swapped in on a switch.

use std::path::{Path, PathBuf};

use ratatui::text::Span;

use super::app::{App, Overlay};
use super::editor::Editor;
use super::theme::Theme;
use crate::data::format::escape_control;

/// One buffer. For the active tab `editor` is an empty placeholder: the text is in
/// `App::editor`.
#[derive(Debug, Default)]
pub struct QueryTab {
    pub editor: Editor,
    /// What the tab strip shows: the file name, or "query N".
    pub title: String,
    /// The `.kql` file the buffer is saved to.
    pub path: Option<PathBuf>,
    /// The editor revision that matches the file on disk (`None`: never saved or loaded, or
    /// restored from a session with unsaved changes).
    pub saved_revision: Option<u64>,
}

/// Every tab, and which one is active.
#[derive(Debug)]
pub struct QueryTabs {
    tabs: Vec<QueryTab>,
    active: usize,
    /// Changes whenever tabs open, close, switch or are renamed, so the session knows to save.
    generation: u64,
    /// The next "query N" number.
    next_number: usize,
}

impl Default for QueryTabs {
    fn default() -> Self {
        QueryTabs {
            tabs: vec![QueryTab {
                title: "query 1".into(),
                ..QueryTab::default()
            }],
            active: 0,
            generation: 0,
            next_number: 2,
        }
    }
}

impl QueryTabs {
    pub fn len(&self) -> usize {
        self.tabs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tabs.is_empty()
    }

    pub fn active(&self) -> usize {
        self.active
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn get(&self, i: usize) -> Option<&QueryTab> {
        self.tabs.get(i)
    }

    pub fn active_tab(&self) -> &QueryTab {
        &self.tabs[self.active]
    }

    fn active_tab_mut(&mut self) -> &mut QueryTab {
        self.generation += 1;
        &mut self.tabs[self.active]
    }

    /// A fresh "query N" title.
    pub fn untitled(&mut self) -> String {
        let n = self.next_number;
        self.next_number += 1;
        format!("query {n}")
    }

    /// The tab whose file is `path`, if one is open.
    pub fn find_path(&self, path: &Path) -> Option<usize> {
        let want = canonical(path);
        self.tabs
            .iter()
            .position(|t| t.path.as_deref().is_some_and(|p| canonical(p) == want))
    }
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The title of a tab whose file is `path`: its file name.
pub fn title_for(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl App {
    /// The number of query tabs.
    pub fn query_tab_count(&self) -> usize {
        self.queries.len()
    }

    /// Whether tab `i` holds text that would be lost on close: edits not saved to its file,
    /// or any text in a tab that has no file.
    pub fn tab_is_dirty(&self, i: usize) -> bool {
        let Some(tab) = self.queries.get(i) else {
            return false;
        };
        let editor = if i == self.queries.active() {
            &self.editor
        } else {
            &tab.editor
        };
        match &tab.path {
            Some(_) => tab.saved_revision != Some(editor.revision()),
            None => !editor.text().trim().is_empty(),
        }
    }

    /// Whether the active tab has a file and edits not written to it (the `*` in the strip).
    pub fn tab_is_modified(&self, i: usize) -> bool {
        self.queries.get(i).is_some_and(|t| t.path.is_some()) && self.tab_is_dirty(i)
    }

    /// Open a new tab holding `text` and make it active.
    pub fn new_query_tab(&mut self, title: Option<String>, path: Option<PathBuf>, text: &str) {
        let title = title.unwrap_or_else(|| self.queries.untitled());
        let editor = Editor::from_text(text);
        let saved_revision = path.as_ref().map(|_| editor.revision());
        self.park_active();
        self.queries.tabs.push(QueryTab {
            editor,
            title,
            path,
            saved_revision,
        });
        self.queries.active = self.queries.tabs.len() - 1;
        self.unpark_active();
    }

    /// Make tab `i` active (ignored when out of range).
    pub fn switch_query_tab(&mut self, i: usize) {
        if i >= self.queries.len() || i == self.queries.active() {
            return;
        }
        self.park_active();
        self.queries.active = i;
        self.unpark_active();
    }

    /// The next (`+1`) or previous (`-1`) tab, wrapping.
    pub fn cycle_query_tab(&mut self, step: isize) {
        let n = self.queries.len() as isize;
        let next = (self.queries.active() as isize + step).rem_euclid(n.max(1));
        self.switch_query_tab(next as usize);
    }

    /// Ctrl+W: close the active tab, asking first when it holds text that would be lost.
    pub fn request_close_tab(&mut self) {
        if self.tab_is_dirty(self.queries.active()) {
            self.overlay = Some(Overlay::ConfirmCloseTab);
        } else {
            self.close_query_tab();
        }
    }

    /// Close the active tab without asking; closing the last one leaves one empty tab.
    pub fn close_query_tab(&mut self) {
        let i = self.queries.active();
        self.completion = None;
        if self.queries.len() == 1 {
            let title = self.queries.untitled();
            self.queries.tabs[0] = QueryTab {
                title,
                ..QueryTab::default()
            };
            self.editor.set_text("");
            self.queries.generation += 1;
            return;
        }
        self.queries.tabs.remove(i);
        self.queries.active = i.min(self.queries.len() - 1);
        self.unpark_active();
    }

    pub(crate) fn on_confirm_close_tab_key(&mut self, key: crossterm::event::KeyEvent) {
        use crossterm::event::KeyCode as K;
        self.overlay = None;
        if matches!(key.code, K::Char('y') | K::Char('Y') | K::Enter) {
            self.close_query_tab();
        }
    }

    /// Mark the active tab as matching its file `path` now (after a save or load).
    pub(crate) fn mark_active_saved(&mut self, path: PathBuf) {
        let revision = self.editor.revision();
        let tab = self.queries.active_tab_mut();
        tab.title = title_for(&path);
        tab.path = Some(path);
        tab.saved_revision = Some(revision);
    }

    /// Replace the tabs wholesale (restoring a session). `tabs` must not be empty.
    pub(crate) fn set_query_tabs(&mut self, tabs: Vec<QueryTab>, active: usize) {
        if tabs.is_empty() {
            return;
        }
        let next_number = tabs.len() + 1;
        self.queries = QueryTabs {
            active: active.min(tabs.len() - 1),
            tabs,
            generation: self.queries.generation + 1,
            next_number,
        };
        self.unpark_active();
    }

    /// The editor of tab `i` (the active one is `App::editor`).
    pub fn tab_editor(&self, i: usize) -> Option<&Editor> {
        if i == self.queries.active() {
            Some(&self.editor)
        } else {
            self.queries.get(i).map(|t| &t.editor)
        }
    }

    /// Something that changes whenever any tab's text or the set of tabs changes.
    pub fn query_tabs_fingerprint(&self) -> (u64, Vec<u64>) {
        let revisions = (0..self.queries.len())
            .map(|i| {
                if i == self.queries.active() {
                    self.editor.revision()
                } else {
                    self.queries.tabs[i].editor.revision()
                }
            })
            .collect();
        (self.queries.generation(), revisions)
    }

    /// Swap the active editor out of `App::editor` into its tab.
    fn park_active(&mut self) {
        self.completion = None;
        let i = self.queries.active();
        std::mem::swap(&mut self.editor, &mut self.queries.tabs[i].editor);
        self.queries.generation += 1;
    }

    /// Swap the active tab's editor into `App::editor`.
    fn unpark_active(&mut self) {
        let i = self.queries.active();
        self.editor = std::mem::take(&mut self.queries.tabs[i].editor);
        self.queries.generation += 1;
    }
}

/// The longest tab title the strip shows (longer ones end in `…`).
const MAX_TITLE: usize = 24;

/// The tab strip for the editor pane's title: ` 1 query 1 [2 hunt.kql*] `, the active tab
/// in brackets and styled as a title, `*` on a file tab with unsaved edits. When the tabs do
/// not fit in `width` cells, a window around the active tab is shown with `‹`/`›` where
/// tabs are hidden. `None` with a single untitled tab (the pane says " Query ").
pub fn strip(app: &App, theme: &Theme, width: usize) -> Option<Vec<Span<'static>>> {
    use crate::data::format::{display_width, truncate_to_width};
    let tabs = &app.queries;
    if tabs.len() == 1 && tabs.active_tab().path.is_none() {
        return None;
    }
    let labels: Vec<(String, ratatui::style::Style)> = (0..tabs.len())
        .map(|i| {
            let mark = if app.tab_is_modified(i) { "*" } else { "" };
            let name = escape_control(&tabs.tabs[i].title);
            let name = truncate_to_width(&name, MAX_TITLE);
            // Brackets mark the active tab without colour (NO_COLOR, monochrome terminals).
            if i == tabs.active() {
                (format!("[{} {name}{mark}]", i + 1), theme.title)
            } else {
                (format!(" {} {name}{mark} ", i + 1), theme.dim)
            }
        })
        .collect();
    let widths: Vec<usize> = labels.iter().map(|(l, _)| display_width(l)).collect();
    // Grow a window around the active tab while it fits (2 cells kept for the markers).
    let (mut lo, mut hi) = (tabs.active(), tabs.active() + 1);
    let mut used = widths[tabs.active()];
    let room = if widths.iter().sum::<usize>() <= width {
        usize::MAX
    } else {
        width.saturating_sub(2)
    };
    loop {
        let mut grew = false;
        if hi < labels.len() && used + widths[hi] <= room {
            used += widths[hi];
            hi += 1;
            grew = true;
        }
        if lo > 0 && used + widths[lo - 1] <= room {
            lo -= 1;
            used += widths[lo];
            grew = true;
        }
        if !grew {
            break;
        }
    }
    let mut spans = Vec::new();
    if lo > 0 {
        spans.push(Span::styled("‹", theme.dim));
    }
    spans.extend(
        labels[lo..hi]
            .iter()
            .map(|(label, style)| Span::styled(label.clone(), *style)),
    );
    if hi < labels.len() {
        spans.push(Span::styled("›", theme.dim));
    }
    spans.push(Span::raw(" "));
    Some(spans)
}

/// The close question in the status bar's place.
pub fn draw_confirm_close(frame: &mut ratatui::Frame, area: ratatui::layout::Rect, theme: &Theme) {
    use ratatui::text::Line;
    use ratatui::widgets::{Clear, Paragraph};
    frame.render_widget(Clear, area);
    let line = Line::from(vec![
        Span::styled("Close this tab? Unsaved text will be lost. ", theme.warn),
        Span::styled("y/Enter close · other keys keep it", theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}
