//! The mouse, when the config's `[ui] mouse` leaves it on (the default): a click focuses the
//! pane under the pointer, places the editor's cursor or selects the grid's cell, a drag
//! selects text in the editor, the wheel scrolls the pane under the pointer. Hit-testing
//! uses the areas of the last frame, which `App::draw` records in [`MouseState`]. With the
//! mouse off, the terminal is never asked for mouse events (so its own text selection
//! works) and any that arrive anyway are ignored.

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Areas {
    /// The editor pane, border included (as given to `EditorView`).
    pub editor: Rect,
    /// The results pane, border included.
    pub results: Rect,
    /// The grid inside the results pane (as given to `Grid`); empty when a chart is shown.
    pub grid: Rect,
}

impl App {
    /// Handle one mouse event; returns whether anything changed.
    pub fn on_mouse(&mut self, event: MouseEvent) -> bool {
        if !self.mouse.enabled {
            return false;
        }
        // Popups keep the keyboard's rules; the mouse does not reach behind them.
        if self.overlay.is_some()
            || self.signin.is_some()
            || self.confirm.is_some()
            || self.quota_popup.is_some()
        {
            return false;
        }
        let pos = Position::new(event.column, event.row);
        let areas = self.mouse.areas;
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
            MouseEventKind::Down(MouseButton::Left) if in_results => {
                self.completion = None;
                self.focus = Focus::Grid;
                if let Some((row, column)) = self.grid.cell_at(areas.grid, pos)
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
