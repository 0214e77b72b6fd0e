//! The completion popup in the editor: its state (the engine's answer, the selected row,
//! the scroll), where it goes on screen (under the cursor, above it when there is no room
//! below, clipped to the screen), how it is drawn, and the one-line hint under the editor
//! (the signature of the call around the cursor and the diagnostic under it).
//!
//! The candidates come from `kql::complete`; this file only shows them. Everything drawn
//! passes through `escape_control`: labels may be values from a hunt's results.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Focus};
use super::editor::Editor;
use super::theme::Theme;
use crate::data::format::{display_width, escape_control, truncate_to_width};
use crate::kql::complete::{Completion, Item, Request, complete, signature_at};

/// Rows shown at once.
pub const MAX_ROWS: usize = 10;
/// Widest the popup grows (cells, borders included).
const MAX_WIDTH: usize = 64;

/// An open completion list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionState {
    pub completion: Completion,
    /// Index of the highlighted item.
    pub selected: usize,
    /// First item shown.
    pub top: usize,
}

impl CompletionState {
    /// A list for `completion`, or `None` when it offers nothing.
    pub fn new(completion: Completion) -> Option<CompletionState> {
        (!completion.items.is_empty()).then_some(CompletionState {
            completion,
            selected: 0,
            top: 0,
        })
    }

    pub fn selected(&self) -> Option<&Item> {
        self.completion.items.get(self.selected)
    }

    /// Move the highlight by `delta` rows, wrapping at the ends for single steps.
    pub fn move_by(&mut self, delta: isize) {
        let n = self.completion.items.len();
        if n == 0 {
            return;
        }
        let next = self.selected as isize + delta;
        self.selected = if delta.abs() == 1 {
            next.rem_euclid(n as isize) as usize
        } else {
            next.clamp(0, n as isize - 1) as usize
        };
        self.scroll_into_view(MAX_ROWS);
    }

    pub fn page(&mut self, down: bool) {
        let step = MAX_ROWS.saturating_sub(1).max(1) as isize;
        self.move_by(if down { step } else { -step });
    }

    fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + rows {
            self.top = self.selected + 1 - rows;
        }
    }
}

/// Where a `width` × `height` popup goes for a cursor at `cursor` on `screen`: below the
/// cursor line when it fits, else above it when that has more room, shifted left to stay on
/// screen, and shrunk to what there is. `None` when there is no room at all.
pub fn popup_area(cursor: Position, screen: Rect, width: u16, height: u16) -> Option<Rect> {
    if screen.width < 4 || screen.height < 3 || width == 0 || height == 0 {
        return None;
    }
    let bottom = screen.y.saturating_add(screen.height);
    let right = screen.x.saturating_add(screen.width);
    let cursor = Position::new(
        cursor.x.clamp(screen.x, right - 1),
        cursor.y.clamp(screen.y, bottom - 1),
    );
    let below = bottom.saturating_sub(cursor.y.saturating_add(1));
    let above = cursor.y.saturating_sub(screen.y);
    let (y, h) = if below >= height || below >= above {
        (cursor.y.saturating_add(1), height.min(below))
    } else {
        let h = height.min(above);
        (cursor.y - h, h)
    };
    if h < 3 {
        return None;
    }
    let w = width.min(screen.width);
    let x = cursor.x.max(screen.x).min(right - w);
    Some(Rect::new(x, y, w, h))
}

fn row_text(item: &Item) -> (String, String) {
    (
        escape_control(&item.label).into_owned(),
        escape_control(&item.detail).into_owned(),
    )
}

/// The popup's natural size: the widest row (tag, label, detail) and the rows shown.
fn natural_size(state: &CompletionState) -> (u16, u16) {
    let widest = state
        .completion
        .items
        .iter()
        .map(|it| {
            let (label, detail) = row_text(it);
            5 + display_width(&label) + 2 + display_width(&detail)
        })
        .max()
        .unwrap_or(0);
    let w = (widest + 2).clamp(24, MAX_WIDTH);
    let h = state.completion.items.len().min(MAX_ROWS) + 2;
    (w as u16, h as u16)
}

/// Draw the popup for a cursor at `cursor` (screen cell of the caret). The list starts under
/// the start of the word being completed.
pub fn draw(
    frame: &mut Frame,
    state: &mut CompletionState,
    cursor: Position,
    screen: Rect,
    theme: &Theme,
) {
    let (w, h) = natural_size(state);
    let typed = display_width(&escape_control(&state.completion.prefix)) as u16;
    // One cell left of the word, for the border.
    let anchor = Position::new(cursor.x.saturating_sub(typed + 1), cursor.y);
    let Some(area) = popup_area(anchor, screen, w, h) else {
        return;
    };
    let rows = usize::from(area.height.saturating_sub(2));
    state.scroll_into_view(rows);
    let n = state.completion.items.len();
    let title = format!(" {}/{} ", state.selected + 1, n);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title_bottom(Line::styled(title, theme.dim).right_aligned());
    let inner = block.inner(area);
    let width = usize::from(inner.width);
    let mut lines = Vec::new();
    for (i, item) in state
        .completion
        .items
        .iter()
        .enumerate()
        .skip(state.top)
        .take(rows)
    {
        let (label, detail) = row_text(item);
        let tag = format!("{:<4} ", item.kind.tag());
        let label_room = width.saturating_sub(5);
        let label = truncate_to_width(&label, label_room).into_owned();
        let used = 5 + display_width(&label);
        let detail_room = width.saturating_sub(used + 2);
        let detail = if detail_room >= 4 {
            truncate_to_width(&detail, detail_room).into_owned()
        } else {
            String::new()
        };
        let pad = width.saturating_sub(used + display_width(&detail));
        let selected = i == state.selected;
        let base = if selected {
            theme.selected_row.patch(theme.selected_cell)
        } else {
            theme.text
        };
        let dim = if selected { base } else { theme.dim };
        lines.push(Line::from(vec![
            Span::styled(tag, dim),
            Span::styled(label, base),
            Span::styled(" ".repeat(pad), base),
            Span::styled(detail, dim),
        ]));
    }
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).style(theme.text), area);
}

/// The hint under the editor: the signature of the call around the cursor and the message
/// of the diagnostic under it, each escaped and on one line.
pub fn hint_line(
    signature: Option<&str>,
    diagnostic: Option<(&str, bool)>,
    theme: &Theme,
) -> Option<Line<'static>> {
    let mut spans = Vec::new();
    if let Some(sig) = signature {
        spans.push(Span::styled(
            format!(" {} ", escape_control(sig)),
            theme.syntax_function,
        ));
    }
    if let Some((message, is_error)) = diagnostic {
        let style: Style = if is_error { theme.error } else { theme.warn };
        let mark = if is_error { "✗" } else { "⚠" };
        let one_line = message.lines().next().unwrap_or("");
        spans.push(Span::styled(
            format!(" {mark} {} ", escape_control(one_line)),
            style,
        ));
    }
    (!spans.is_empty()).then(|| Line::from(spans))
}

/// The signature hint, recomputed only when the text or the cursor moved.
#[derive(Clone, Debug, Default)]
pub struct SignatureCache {
    key: Option<(u64, usize)>,
    signature: Option<String>,
}

impl SignatureCache {
    /// The signature of the call around the editor's cursor.
    pub fn get(&mut self, editor: &Editor) -> Option<&str> {
        let key = (editor.revision(), editor.cursor_byte_offset());
        if self.key != Some(key) {
            self.signature = signature_at(&editor.text(), key.1);
            self.key = Some(key);
        }
        self.signature.as_deref()
    }
}

// ---- the App's side: opening, keys, accepting ----------------------------------------------

impl App {
    /// Candidates at the editor's cursor with everything the app knows.
    pub fn completion_at_cursor(&self) -> Completion {
        let text = self.editor.text();
        let mut req = Request::new(&text, self.editor.cursor_byte_offset());
        req.schema = &self.schema;
        req.extra_tables = &self.extra_tables;
        req.results = self.result.as_ref().map(|r| &*r.table);
        complete(&req)
    }

    /// Ctrl+Space: open the list (a single match for a typed word is inserted at once).
    pub fn open_completion(&mut self) {
        self.focus = Focus::Editor;
        let completion = self.completion_at_cursor();
        if completion.items.len() == 1 && !completion.prefix.is_empty() {
            let item = completion.items[0].clone();
            self.accept(&completion, &item);
            return;
        }
        self.completion = CompletionState::new(completion);
        if self.completion.is_none() {
            self.notice = Some("No completions here.".into());
        }
    }

    fn accept(&mut self, completion: &Completion, item: &Item) {
        self.editor
            .replace_range(completion.replace.clone(), &item.insert, item.caret);
        self.completion = None;
    }

    /// Keys the open list takes. Returns false for keys that go on to the editor and the
    /// key map (the list then follows what was typed, see [`App::after_key_for_completion`]).
    pub(crate) fn on_completion_key(&mut self, key: KeyEvent) -> bool {
        let Some(state) = &mut self.completion else {
            return false;
        };
        if !key.modifiers.difference(KeyModifiers::SHIFT).is_empty() {
            return false;
        }
        match key.code {
            KeyCode::Up => state.move_by(-1),
            KeyCode::Down => state.move_by(1),
            KeyCode::PageUp => state.page(false),
            KeyCode::PageDown => state.page(true),
            KeyCode::Esc => self.completion = None,
            KeyCode::Enter | KeyCode::Tab => {
                if let Some(item) = state.selected().cloned() {
                    let completion = state.completion.clone();
                    self.accept(&completion, &item);
                }
            }
            _ => return false,
        }
        true
    }

    /// After a key went to the editor with the list open: narrow the list to what is typed
    /// now, or close it when the key ended the word or left the editor.
    pub(crate) fn after_key_for_completion(&mut self, key: KeyEvent) {
        if self.completion.is_none() {
            return;
        }
        let word_key = match key.code {
            KeyCode::Char(c) => {
                (c.is_alphanumeric() || matches!(c, '_' | '-' | '$'))
                    && !key.modifiers.contains(KeyModifiers::CONTROL)
                    && !key.modifiers.contains(KeyModifiers::ALT)
            }
            KeyCode::Backspace => true,
            _ => false,
        };
        if !word_key || self.focus != Focus::Editor || self.overlay.is_some() {
            self.completion = None;
            return;
        }
        self.completion = CompletionState::new(self.completion_at_cursor());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn popup_goes_below_then_above_and_stays_on_screen() {
        let screen = Rect::new(0, 0, 80, 24);
        // Room below.
        assert_eq!(
            popup_area(Position::new(10, 3), screen, 30, 12),
            Some(Rect::new(10, 4, 30, 12))
        );
        // No room below: above.
        assert_eq!(
            popup_area(Position::new(10, 20), screen, 30, 12),
            Some(Rect::new(10, 8, 30, 12))
        );
        // Near the right edge: shifted left.
        assert_eq!(
            popup_area(Position::new(75, 3), screen, 30, 12),
            Some(Rect::new(50, 4, 30, 12))
        );
        // Tiny screens: shrunk or nothing, never a panic.
        for w in 0..6 {
            for h in 0..6 {
                for x in 0..8 {
                    for y in 0..8 {
                        if let Some(r) =
                            popup_area(Position::new(x, y), Rect::new(0, 0, w, h), 30, 12)
                        {
                            assert!(r.right() <= w && r.bottom() <= h, "{r:?} in {w}x{h}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn selection_wraps_and_scrolls() {
        let items = (0..25)
            .map(|i| Item {
                label: format!("c{i}"),
                insert: format!("c{i}"),
                caret: 2,
                kind: crate::kql::complete::ItemKind::Column,
                detail: String::new(),
            })
            .collect();
        let mut s = CompletionState::new(Completion {
            items,
            ..Completion::default()
        })
        .unwrap();
        s.move_by(-1);
        assert_eq!(s.selected, 24);
        assert_eq!(s.top, 15);
        s.move_by(1);
        assert_eq!((s.selected, s.top), (0, 0));
        s.page(true);
        assert_eq!(s.selected, 9);
        s.page(true);
        s.page(true);
        assert_eq!(s.selected, 24);
        assert!(CompletionState::new(Completion::default()).is_none());
    }
}
