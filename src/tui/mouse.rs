//! The mouse, when the config's `[ui] mouse` leaves it on (the default): a click focuses the
//! pane under the pointer, places the editor's cursor or selects the grid's cell, a drag
//! selects text in the editor, the wheel scrolls the pane under the pointer, a click on a
//! result tab's name in the results title switches to it. Hit-testing
//! uses the areas of the last frame, which `App::draw` records in [`MouseState`]. With the
//! mouse off, the terminal is never asked for mouse events (so its own text selection
//! works) and any that arrive anyway are ignored.

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::Block;

use super::app::{App, Focus};
use super::editor::EditorView;

/// Lines (editor) or rows (grid) one wheel notch moves.
pub const WHEEL_STEP: usize = 3;

/// Whether the mouse is used, and where things were on screen when last drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MouseState {
    pub enabled: bool,
    pub areas: Areas,
}

/// Where the panes were drawn in the last frame (empty until the first draw).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    /// The editor pane, border included (as given to `EditorView`).
    pub editor: Rect,
    /// The results pane, border included.
    pub results: Rect,
    /// The grid inside the results pane (as given to `Grid`); empty when a chart is shown.
    pub grid: Rect,
    /// The result tabs named in the results pane's title: (screen row, columns, tab index).
    pub tabs: Vec<(u16, std::ops::Range<u16>, usize)>,
}

/// Where each result tab's name is in the results title `spans` drawn on the top border of
/// `pane`: the tab strip is the title's tail (see `grid_actions::results_title`): the names
/// of tabs `first..last`, each followed by a space, then `… ` when more tabs follow.
pub fn tab_hits(app: &App, spans: &[Span], pane: Rect) -> Vec<(u16, std::ops::Range<u16>, usize)> {
    if app.tabs.len() < 2 || pane.width < 2 {
        return Vec::new();
    }
    let first = app.tab.saturating_sub(4);
    let last = (first + 8).min(app.tabs.len());
    let mut end = spans.len();
    if last < app.tabs.len() {
        end = end.saturating_sub(1);
    }
    let start = end.saturating_sub(2 * (last - first));
    let mut x = u32::from(pane.x) + 1;
    let right = u32::from(pane.right()) - 1;
    let mut hits = Vec::new();
    for (i, span) in spans[..end].iter().enumerate() {
        let w = span.width() as u32;
        if i >= start && (i - start).is_multiple_of(2) && x < right {
            let to = (x + w).min(right);
            hits.push((pane.y, x as u16..to as u16, first + (i - start) / 2));
        }
        x += w;
    }
    hits
}

impl App {
    /// Handle one mouse event; returns whether anything changed.
    pub fn on_mouse(&mut self, event: MouseEvent) -> bool {
        if !self.mouse.enabled {
            return false;
        }
        // The wheel scrolls the help and the quota popup; otherwise popups keep the
        // keyboard's rules and the mouse does not reach behind them.
        let wheel = match event.kind {
            MouseEventKind::ScrollUp => Some(-(WHEEL_STEP as i32)),
            MouseEventKind::ScrollDown => Some(WHEEL_STEP as i32),
            _ => None,
        };
        let popup_scroll = match (&mut self.overlay, &mut self.quota_popup) {
            (_, Some(scroll)) if self.signin.is_none() && self.confirm.is_none() => Some(scroll),
            (Some(super::app::Overlay::Help { scroll }), None)
                if self.signin.is_none() && self.confirm.is_none() =>
            {
                Some(scroll)
            }
            _ => None,
        };
        if let (Some(delta), Some(scroll)) = (wheel, popup_scroll) {
            *scroll = scroll.saturating_add_signed(delta as i16);
            return true;
        }
        if self.overlay.is_some()
            || self.signin.is_some()
            || self.confirm.is_some()
            || self.quota_popup.is_some()
        {
            return false;
        }
        let pos = Position::new(event.column, event.row);
        let areas = &self.mouse.areas;
        let tab = areas
            .tabs
            .iter()
            .find(|(y, xs, _)| *y == pos.y && xs.contains(&pos.x))
            .map(|t| t.2);
        let grid_area = areas.grid;
        let in_editor = areas.editor.contains(pos);
        let in_results = areas.results.contains(pos);
        match event.kind {
            MouseEventKind::Down(MouseButton::Left) if in_editor => {
                self.completion = None;
                self.focus = Focus::Editor;
                self.editor.cancel_selection();
                if let Some((row, col)) = self.editor_position_at(pos) {
                    self.editor.set_cursor(row, col);
                }
                true
            }
            MouseEventKind::Drag(MouseButton::Left) if in_editor && self.focus == Focus::Editor => {
                match self.editor_position_at(pos) {
                    Some((row, col)) => {
                        if !self.editor.textarea().is_selecting() {
                            self.editor.textarea_mut().start_selection();
                        }
                        self.editor.set_cursor(row, col);
                        true
                    }
                    None => false,
                }
            }
            MouseEventKind::Down(MouseButton::Left) if let Some(tab) = tab => {
                self.completion = None;
                self.focus = Focus::Grid;
                self.switch_tab(tab);
                true
            }
            MouseEventKind::Down(MouseButton::Left) if in_results => {
                self.completion = None;
                self.focus = Focus::Grid;
                if let Some((row, column)) = self.grid.cell_at(grid_area, pos)
                    && let Some(at) = self.grid.shown_columns().iter().position(|&c| c == column)
                {
                    self.grid.select(row, at);
                }
                true
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown if in_editor => {
                let step = WHEEL_STEP as i16;
                let up = event.kind == MouseEventKind::ScrollUp;
                self.editor.scroll(if up { -step } else { step });
                true
            }
            MouseEventKind::ScrollUp | MouseEventKind::ScrollDown if in_results => {
                // Shift+wheel scrolls sideways, as in most terminals' own panes.
                let sideways = event.modifiers.contains(KeyModifiers::SHIFT);
                match (event.kind == MouseEventKind::ScrollUp, sideways) {
                    (true, false) => self.grid.up(WHEEL_STEP),
                    (false, false) => self.grid.down(WHEEL_STEP),
                    (true, true) => self.grid.left(1),
                    (false, true) => self.grid.right(1),
                }
                true
            }
            MouseEventKind::ScrollLeft if in_results => {
                self.grid.left(1);
                true
            }
            MouseEventKind::ScrollRight if in_results => {
                self.grid.right(1);
                true
            }
            _ => false,
        }
    }

    /// The editor's text position under `pos`, as the editor was last drawn.
    fn editor_position_at(&self, pos: Position) -> Option<(usize, usize)> {
        EditorView::new(&self.editor, &self.theme)
            .block(Block::bordered())
            .text_position_at(self.mouse.areas.editor, pos)
    }
}
