//! Search in the query buffer (Ctrl+F, and `/` in vim mode): an incremental prompt in the
//! status bar's place. What is typed is literal text, matched case-insensitively unless it
//! holds a capital letter (smart case); matches are highlighted while the prompt is open;
//! Enter/F3 jump to the next match, Shift+F3 to the previous one, wrapping at the ends; Esc
//! closes and leaves the cursor where it is. F3/Shift+F3 (and `n`/`N` in vim) repeat the
//! last search after the prompt is closed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::{App, Overlay};
use super::editor::Editor;
use super::theme::Theme;

/// What the search prompt shows after the text.
pub const HINT: &str = "Enter/F3 next · Shift+F3 previous · Esc closes";

/// The open prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchPrompt {
    pub text: String,
    /// The cursor when the prompt opened: incremental search starts from here each time.
    pub origin: (usize, usize),
}

/// The regex for literal `text`: escaped, and case-insensitive unless `text` has a capital.
pub fn pattern_for(text: &str) -> String {
    let escaped = regex::escape(text);
    if text.chars().any(char::is_uppercase) {
        escaped
    } else {
        format!("(?i){escaped}")
    }
}

/// Which way to jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Next,
    Prev,
}

/// Jump to the next/previous match of `text` in `editor`. `from_cursor`: a match at the
/// cursor counts (incremental typing). Returns the status line to show: `None` when the
/// cursor moved without wrapping.
pub fn jump(editor: &mut Editor, text: &str, dir: Direction, from_cursor: bool) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if let Err(e) = editor.set_search_pattern(&pattern_for(text)) {
        return Some(format!("bad search: {e}"));
    }
    let before = editor.cursor();
    let found = match dir {
        Direction::Next => editor.textarea_search(true, from_cursor),
        Direction::Prev => editor.textarea_search(false, from_cursor),
    };
    if !found {
        return Some(format!(
            "no match for \"{}\"",
            crate::data::format::escape_control(text)
        ));
    }
    let after = editor.cursor();
    let wrapped = match dir {
        Direction::Next => after < before || (after == before && !from_cursor),
        Direction::Prev => after > before || (after == before && !from_cursor),
    };
    wrapped.then(|| match dir {
        Direction::Next => "search wrapped to the top".to_string(),
        Direction::Prev => "search wrapped to the bottom".to_string(),
    })
}

impl App {
    /// Ctrl+F: open the search prompt (with the last search typed, selected for retyping).
    pub fn open_buffer_search(&mut self) {
        self.completion = None;
        self.overlay = Some(Overlay::Search(SearchPrompt {
            text: String::new(),
            origin: self.editor.cursor(),
        }));
    }

    /// F3 / Shift+F3 (and vim `n`/`N`): repeat the last search.
    pub fn repeat_buffer_search(&mut self, dir: Direction) {
        let Some(text) = self.last_search.clone() else {
            self.notice = Some("nothing searched yet: Ctrl+F searches the query".into());
            return;
        };
        self.notice = jump(&mut self.editor, &text, dir, false);
        if self.overlay.is_none() {
            // Outside the prompt the highlight would outlive the search.
            let _ = self.editor.set_search_pattern("");
        }
    }

    pub(crate) fn on_search_key(&mut self, key: KeyEvent) {
        let Some(Overlay::Search(prompt)) = &mut self.overlay else {
            return;
        };
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Esc => {
                self.overlay = None;
                let _ = self.editor.set_search_pattern("");
            }
            KeyCode::Enter | KeyCode::F(3) if !shift => {
                let text = prompt.text.clone();
                self.remember_search(&text);
                self.notice = jump(&mut self.editor, &text, Direction::Next, false);
            }
            KeyCode::F(3) | KeyCode::F(15) => {
                let text = prompt.text.clone();
                self.remember_search(&text);
                self.notice = jump(&mut self.editor, &text, Direction::Prev, false);
            }
            KeyCode::Backspace => {
                prompt.text.pop();
                self.incremental();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.text.clear();
                self.incremental();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.text.push(c);
                self.incremental();
            }
            _ => {}
        }
    }

    fn remember_search(&mut self, text: &str) {
        if !text.is_empty() {
            self.last_search = Some(text.to_string());
        }
    }

    /// Typing in the prompt: the first match at or after where the prompt opened.
    fn incremental(&mut self) {
        let Some(Overlay::Search(prompt)) = &self.overlay else {
            return;
        };
        let (text, (row, col)) = (prompt.text.clone(), prompt.origin);
        self.editor.set_cursor(row, col);
        if text.is_empty() {
            let _ = self.editor.set_search_pattern("");
            return;
        }
        self.remember_search(&text);
        self.notice = jump(&mut self.editor, &text, Direction::Next, true)
            .filter(|n| !n.starts_with("search wrapped"));
    }
}

/// The prompt in the status bar's place; `notice` ("no match", "wrapped") replaces the hint,
/// since the prompt covers the status line that would say it.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    prompt: &SearchPrompt,
    notice: Option<&str>,
    theme: &Theme,
) {
    let hint = notice.unwrap_or(HINT);
    super::grid_actions::draw_prompt(frame, area, ("/", &prompt.text, hint), theme);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_literal_and_smart_case() {
        assert_eq!(pattern_for("a.b"), "(?i)a\\.b");
        assert_eq!(pattern_for("Dev|x"), "Dev\\|x");
        let re = regex::Regex::new(&pattern_for("(evil")).unwrap();
        assert!(re.is_match("x (EVIL y"));
    }

    #[test]
    fn next_and_prev_wrap_and_say_so() {
        let mut e = Editor::from_text("ab\nxab\nab");
        assert_eq!(jump(&mut e, "ab", Direction::Next, false), None);
        assert_eq!(e.cursor(), (1, 1));
        assert_eq!(jump(&mut e, "ab", Direction::Next, false), None);
        assert_eq!(e.cursor(), (2, 0));
        assert_eq!(
            jump(&mut e, "ab", Direction::Next, false).as_deref(),
            Some("search wrapped to the top")
        );
        assert_eq!(e.cursor(), (0, 0));
        assert_eq!(
            jump(&mut e, "ab", Direction::Prev, false).as_deref(),
            Some("search wrapped to the bottom")
        );
        assert_eq!(e.cursor(), (2, 0));
        assert_eq!(
            jump(&mut e, "zz", Direction::Next, false).as_deref(),
            Some("no match for \"zz\"")
        );
        assert_eq!(e.cursor(), (2, 0));
    }
}
