//! The query editor pane. [`Editor`] holds the text, cursor, selection, undo/redo and search
//! in a `ratatui_textarea::TextArea`; [`EditorView`] draws it with our own code, because the
//! textarea cannot style arbitrary spans (syntax highlighting, diagnostic underlines).
//!
//! The view stays in step with the textarea by letting the textarea render itself first into
//! a scratch buffer of the same size (which moves its viewport to follow the cursor, exactly
//! as its own PageUp/PageDown expect), then drawing every visible line from
//! `TextArea::scroll_offset()`, with tabs and wide characters measured the way the textarea
//! measures them.

use std::borrow::Cow;
use std::ops::Range;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::{Buffer, CellWidth as _};
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::{Block, Widget};
use ratatui_textarea::{CursorMove, TextArea};

use super::theme::Theme;
use crate::data::format::escape_control;

/// The example query an empty editor shows, dimmed.
pub const PLACEHOLDER: &str = "DeviceProcessEvents | where Timestamp > ago(1d) | take 100";
/// The line under the example in an empty editor.
pub const PLACEHOLDER_HINT: &str = "F5 runs the query under the cursor";

/// A style for a byte range of one line, e.g. a syntax token or a diagnostic underline.
/// `bytes` are offsets into `Editor::lines()[line]`; ranges past the end of the line are
/// clipped, and a character is styled when its first byte is inside the range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StyledSpan {
    pub line: usize,
    pub bytes: Range<usize>,
    pub style: Style,
}

/// The editor's state: text, cursor, selection, history, and the spans to draw over the text.
///
/// Key handling: the app first takes its global keys (run, switch pane, quit…), then passes
/// the rest to [`Editor::input`]; bracketed pastes (`Event::Paste`) go to [`Editor::paste`].
#[derive(Clone, Debug)]
pub struct Editor {
    textarea: TextArea<'static>,
    /// Sorted by line (stable), so a line's spans are found by binary search.
    spans: Vec<StyledSpan>,
    revision: u64,
    /// Whole-text replacements the textarea records as two edits (delete, insert), as
    /// (text hash before, text hash after), so undo and redo take both steps at once.
    compound: Vec<(u64, u64)>,
}

impl Default for Editor {
    fn default() -> Self {
        Editor::new()
    }
}

impl Editor {
    /// An empty editor.
    pub fn new() -> Editor {
        Editor::with_textarea(TextArea::default())
    }

    /// An editor holding `text` (`\n` or `\r\n` line ends), cursor at the start.
    pub fn from_text(text: &str) -> Editor {
        Editor::with_textarea(TextArea::new(split_lines(text)))
    }

    fn with_textarea(mut textarea: TextArea<'static>) -> Editor {
        // Tab inserts spaces up to the next multiple of 4 (the textarea's default); our
        // view draws, so the textarea's own styling stays at its defaults.
        textarea.set_tab_length(TAB_LENGTH);
        textarea.set_hard_tab_indent(false);
        textarea.set_max_histories(500);
        Editor {
            textarea,
            spans: Vec::new(),
            revision: next_revision(),
            compound: Vec::new(),
        }
    }

    /// The whole text, lines joined with `\n`.
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// Replace the whole text (e.g. a query from history or a file). The cursor goes to the
    /// start, spans are cleared, and the undo history starts afresh.
    pub fn set_text(&mut self, text: &str) {
        *self = Editor::from_text(text);
    }

    /// The lines of the text (never empty: an empty editor has one empty line).
    pub fn lines(&self) -> &[String] {
        self.textarea.lines()
    }

    pub fn is_empty(&self) -> bool {
        self.textarea.is_empty()
    }

    /// The cursor as (row, column), the column counted in chars, as the textarea counts.
    pub fn cursor(&self) -> (usize, usize) {
        let c = self.textarea.cursor();
        (c.0, c.1)
    }

    /// The cursor as a byte offset into [`Editor::text`].
    pub fn cursor_byte_offset(&self) -> usize {
        let (row, col) = self.cursor();
        self.byte_offset(row, col)
    }

    /// Move the cursor to a byte offset into [`Editor::text`] (clamped; an offset inside a
    /// character goes to its start). For jumping to a diagnostic or a statement.
    pub fn set_cursor_byte_offset(&mut self, offset: usize) {
        let (row, col) = self.position_of(offset);
        self.set_cursor(row, col);
    }

    /// Move the cursor to (row, column in chars), clamped to the text.
    pub fn set_cursor(&mut self, row: usize, col: usize) {
        let to16 = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        self.textarea
            .move_cursor(CursorMove::Jump(to16(row), to16(col)));
    }

    /// Scroll the view by `rows` (negative: up), as a mouse wheel does; the cursor stays in
    /// view. Takes effect at the next render.
    pub fn scroll(&mut self, rows: i16) {
        self.textarea.scroll((rows, 0));
    }

    /// Before drawing into `text` (the text rect, see [`EditorView::text_area`]): when the
    /// pane has grown so the cursor fits without horizontal scrolling, scroll back to the
    /// first column. The textarea alone keeps an old offset after a shrink-and-grow resize.
    pub fn settle_viewport(&mut self, text: Rect) {
        if text.is_empty() {
            return;
        }
        // Let the textarea see the new size first, so scrolling cannot move the cursor.
        let mut scratch = Buffer::empty(text);
        (&self.textarea).render(text, &mut scratch);
        let (_, top_col) = self.textarea.scroll_offset();
        if top_col > 0 && self.textarea.screen_cursor().col < usize::from(text.width) {
            self.textarea
                .scroll((0, -(top_col.min(i16::MAX as u16) as i16)));
        }
    }

    /// The selected text as a byte range of [`Editor::text`], `None` when nothing (or nothing
    /// but an empty range) is selected.
    pub fn selection_byte_range(&self) -> Option<Range<usize>> {
        let ((r0, c0), (r1, c1)) = self.textarea.selection_range()?;
        let range = self.byte_offset(r0, c0)..self.byte_offset(r1, c1);
        (!range.is_empty()).then_some(range)
    }

    /// The selected text, if any.
    pub fn selected_text(&self) -> Option<String> {
        let range = self.selection_byte_range()?;
        self.text().get(range).map(str::to_owned)
    }

    /// What the textarea's own copy/cut (Ctrl+C / Ctrl+X) last put aside, for the app's
    /// clipboard.
    pub fn yank_text(&self) -> String {
        self.textarea.yank_text()
    }

    /// Handle a key the app did not take. Returns whether the text changed (recompute spans
    /// and diagnostics then). Release events are ignored. Besides the textarea's own key map
    /// (arrows, Home/End, PageUp/PageDown, Shift+movement selects, Ctrl+U/Ctrl+R undo/redo,
    /// Ctrl+C/X/Y copy/cut/paste within the editor, emacs-style Ctrl/Alt keys), Ctrl+Z undoes
    /// and Ctrl+Shift+Z redoes, and Ctrl+Alt with a character that is not an ASCII letter
    /// types that character: Windows reports AltGr that way, and `|`, `[`, `{`, `@` are
    /// AltGr keys on many European layouts.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        let changed = match key.code {
            KeyCode::Char('z') if ctrl && !alt && !shift => self.textarea.undo(),
            KeyCode::Char('Z') | KeyCode::Char('z') if ctrl && !alt => self.textarea.redo(),
            KeyCode::Char(c) if ctrl && alt && !c.is_ascii_alphabetic() && !c.is_control() => {
                self.textarea.insert_char(c);
                true
            }
            _ => self.textarea.input(key),
        };
        if changed {
            self.touch();
        }
        changed
    }

    /// Insert pasted text at the cursor (replacing a selection). Line ends are normalised to
    /// `\n` (`\r\n` and lone `\r`), tabs become spaces up to the next tab stop (as the Tab key
    /// inserts), and other control characters are dropped. Returns whether the text changed.
    pub fn paste(&mut self, text: &str) -> bool {
        let (row, col) = self.cursor();
        let start_cells = self.lines().get(row).map_or(0, |line| {
            // With a selection the insertion point is the selection's start.
            let col = match self.textarea.selection_range() {
                Some(((r0, c0), _)) if r0 == row => c0.min(col),
                _ => col,
            };
            line_cells(line, col)
        });
        let text = normalize_paste(text, start_cells);
        let changed = if text.is_empty() {
            // Pasting nothing still replaces a selection, like typing would.
            self.textarea.selection_range().is_some() && self.textarea.cut()
        } else {
            self.textarea.insert_str(&text)
        };
        if changed {
            self.touch();
        }
        changed
    }

    /// Insert `text` at the cursor as typed (for completion). Returns whether it changed.
    pub fn insert_str(&mut self, text: &str) -> bool {
        let changed = self.textarea.insert_str(text);
        if changed {
            self.touch();
        }
        changed
    }

    /// Replace the byte range `range` of [`Editor::text`] with `text` and put the cursor
    /// `caret` bytes into it (accepting a completion). The yank buffer is left alone.
    pub fn replace_range(&mut self, range: Range<usize>, text: &str, caret: usize) -> bool {
        let full = self.text();
        let (Some(old), Some(_)) = (full.get(range.clone()), text.get(..caret)) else {
            return false;
        };
        let yank = self.textarea.yank_text();
        self.textarea.cancel_selection();
        self.set_cursor_byte_offset(range.start);
        let mut changed = self.textarea.delete_str(old.chars().count());
        changed |= self.textarea.insert_str(text);
        self.textarea.set_yank_text(yank);
        if changed {
            self.touch();
        }
        self.set_cursor_byte_offset(range.start + caret);
        changed
    }

    pub fn undo(&mut self) -> bool {
        let now = self.text_hash();
        let changed = self.textarea.undo();
        if changed {
            if self.compound.iter().any(|(_, after)| *after == now) {
                self.textarea.undo();
            }
            self.touch();
        }
        changed
    }

    pub fn redo(&mut self) -> bool {
        let now = self.text_hash();
        let changed = self.textarea.redo();
        if changed {
            if self.compound.iter().any(|(before, _)| *before == now) {
                self.textarea.redo();
            }
            self.touch();
        }
        changed
    }

    /// Replace the whole text with `text` as ONE undoable edit (the external editor's
    /// result): only the part that differs is touched, and the cursor goes to its start.
    pub fn replace_all(&mut self, text: &str) -> bool {
        let old = self.text();
        let text = text.replace("\r\n", "\n");
        if old == text {
            return false;
        }
        let prefix = old
            .char_indices()
            .zip(text.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        let suffix = old[prefix..]
            .chars()
            .rev()
            .zip(text[prefix..].chars().rev())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum::<usize>();
        let removed = &old[prefix..old.len() - suffix];
        let added = &text[prefix..text.len() - suffix];
        let before = self.text_hash();
        self.textarea.cancel_selection();
        self.set_cursor_byte_offset(prefix);
        let yank = self.textarea.yank_text();
        if !removed.is_empty() {
            self.textarea.delete_str(removed.chars().count());
        }
        if !added.is_empty() {
            self.textarea.insert_str(added);
        }
        self.textarea.set_yank_text(yank);
        if !removed.is_empty() && !added.is_empty() {
            self.compound.push((before, self.text_hash()));
            if self.compound.len() > 16 {
                self.compound.remove(0);
            }
        }
        self.set_cursor_byte_offset(prefix);
        self.touch();
        true
    }

    fn text_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.textarea.lines().hash(&mut h);
        h.finish()
    }

    /// Select the whole text.
    pub fn select_all(&mut self) {
        self.textarea.select_all();
    }

    pub fn cancel_selection(&mut self) {
        self.textarea.cancel_selection();
    }

    /// Start selecting at the cursor; cursor moves then extend the selection.
    pub fn start_selection(&mut self) {
        self.textarea.start_selection();
    }

    /// Delete the text between two positions (row, column in chars; `to` excluded) as one
    /// undoable edit, leaving the cursor at `from`. The textarea's yank buffer is kept.
    pub fn delete_between(&mut self, from: (usize, usize), to: (usize, usize)) -> bool {
        if from >= to {
            return false;
        }
        let yank = self.textarea.yank_text();
        self.textarea.cancel_selection();
        self.set_cursor(from.0, from.1);
        self.textarea.start_selection();
        self.set_cursor(to.0, to.1);
        let changed = self.textarea.cut();
        self.textarea.set_yank_text(yank);
        self.textarea.cancel_selection();
        if changed {
            self.touch();
        }
        changed
    }

    /// Styles to draw over the text (syntax, diagnostics), replacing the previous ones. They
    /// do not follow edits: recompute them whenever [`Editor::revision`] changes. Later spans
    /// are patched over earlier ones; selection, search matches and the cursor go on top.
    pub fn set_spans(&mut self, mut spans: Vec<StyledSpan>) {
        spans.sort_by_key(|s| s.line);
        self.spans = spans;
    }

    pub fn spans(&self) -> &[StyledSpan] {
        &self.spans
    }

    /// A number that changes whenever the text changes through this type, so the app can
    /// tell when spans, diagnostics or "query under cursor" are stale. Unique across
    /// editors (one counter for the process), so caches keyed by it cannot confuse two
    /// query tabs.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Highlight matches of a regex (empty clears it). Returns the regex error as text.
    pub fn set_search_pattern(&mut self, pattern: &str) -> Result<(), String> {
        self.textarea
            .set_search_pattern(pattern)
            .map_err(|e| e.to_string())
    }

    /// Move to the next match; `false` when there is none.
    pub fn search_forward(&mut self) -> bool {
        self.textarea.search_forward(false)
    }

    /// Move to the previous match; `false` when there is none.
    pub fn search_back(&mut self) -> bool {
        self.textarea.search_back(false)
    }

    /// Search the pattern set by [`Editor::set_search_pattern`] forward or back, wrapping;
    /// `match_cursor`: a match at the cursor counts. `false` when there is none.
    pub fn textarea_search(&mut self, forward: bool, match_cursor: bool) -> bool {
        if forward {
            self.textarea.search_forward(match_cursor)
        } else {
            self.textarea.search_back(match_cursor)
        }
    }

    /// The underlying textarea, read-only (scroll offset, search pattern…).
    pub fn textarea(&self) -> &TextArea<'static> {
        &self.textarea
    }

    /// The underlying textarea for anything this type does not wrap. Counts as a change
    /// ([`Editor::revision`] moves), since we cannot tell.
    pub fn textarea_mut(&mut self) -> &mut TextArea<'static> {
        self.touch();
        &mut self.textarea
    }

    fn touch(&mut self) {
        self.revision = next_revision();
    }

    fn byte_offset(&self, row: usize, col: usize) -> usize {
        let lines = self.lines();
        let row = row.min(lines.len().saturating_sub(1));
        let before: usize = lines[..row].iter().map(|l| l.len() + 1).sum();
        before + lines.get(row).map_or(0, |l| char_to_byte(l, col))
    }

    fn position_of(&self, offset: usize) -> (usize, usize) {
        let lines = self.lines();
        let mut rest = offset;
        for (row, line) in lines.iter().enumerate() {
            if rest <= line.len() || row + 1 == lines.len() {
                let mut b = rest.min(line.len());
                while !line.is_char_boundary(b) {
                    b -= 1;
                }
                return (row, line[..b].chars().count());
            }
            rest -= line.len() + 1;
        }
        (0, 0)
    }
}

/// A revision no editor has had yet.
fn next_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The tab stop distance, the textarea's default.
const TAB_LENGTH: u8 = 4;

fn split_lines(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .collect()
}

fn char_to_byte(s: &str, col: usize) -> usize {
    s.char_indices().nth(col).map_or(s.len(), |(i, _)| i)
}

/// Cells a character takes, as the textarea counts them (`ratatui_textarea`'s
/// `util::char_width`): controls take none.
fn char_cells(c: char) -> usize {
    if c.is_control() {
        0
    } else {
        usize::from(c.encode_utf8(&mut [0; 4]).cell_width())
    }
}

/// Cells a character takes at display column `col`, tabs expanded to the next tab stop, as
/// the textarea's screen map measures (`screen_map::char_display_width`).
fn cells_at(c: char, col: usize, tab_len: u8) -> usize {
    if c == '\t' {
        let tab = usize::from(tab_len.max(1));
        (tab - col % tab).max(1)
    } else {
        char_cells(c)
    }
}

/// Display width of the first `chars` characters of a line.
fn line_cells(line: &str, chars: usize) -> usize {
    line.chars()
        .take(chars)
        .fold(0, |col, c| col + cells_at(c, col, TAB_LENGTH))
}

/// Characters that are never drawn: controls, and the bidi controls that
/// `data::format::escape_control` escapes (the terminal must not see them raw; the textarea
/// gives them no width anyway).
fn never_drawn(c: char) -> bool {
    c.is_control() || matches!(escape_control(c.encode_utf8(&mut [0; 4])), Cow::Owned(_))
}

fn normalize_paste(text: &str, start_cells: usize) -> String {
    let tab = usize::from(TAB_LENGTH);
    let mut out = String::with_capacity(text.len());
    let mut col = start_cells;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
                col = 0;
            }
            '\n' => {
                out.push('\n');
                col = 0;
            }
            '\t' => {
                let n = tab - col % tab;
                out.extend(std::iter::repeat_n(' ', n));
                col += n;
            }
            c if c.is_control() => {}
            c => {
                out.push(c);
                col += char_cells(c);
            }
        }
    }
    out
}

/// Draws an [`Editor`]: line numbers, text, spans, search matches, selection, cursor, and a
/// hint when empty. Render it with `frame.render_widget(&view, area)`, then place the
/// terminal cursor with `view.cursor_position(area)` in the same frame.
#[derive(Clone, Debug)]
pub struct EditorView<'a> {
    pub editor: &'a Editor,
    /// Draw the cursor cell (and report `cursor_position`) only when focused.
    pub focused: bool,
    pub theme: &'a Theme,
    /// Drawn around the pane; the text goes inside it.
    pub block: Option<Block<'a>>,
}

/// Where things go inside the pane.
struct Layout {
    /// Line numbers.
    gutter: Rect,
    /// The text; the textarea's viewport has exactly this size.
    text: Rect,
}

impl<'a> EditorView<'a> {
    pub fn new(editor: &'a Editor, theme: &'a Theme) -> Self {
        EditorView {
            editor,
            focused: false,
            theme,
            block: None,
        }
    }

    pub fn focused(mut self, focused: bool) -> Self {
        self.focused = focused;
        self
    }

    pub fn block(mut self, block: Block<'a>) -> Self {
        self.block = Some(block);
        self
    }

    /// The rect the text is drawn in (inside the block, right of the line numbers).
    pub fn text_area(&self, area: Rect) -> Option<Rect> {
        self.layout(area).map(|l| l.text)
    }

    fn layout(&self, area: Rect) -> Option<Layout> {
        let inner = match &self.block {
            Some(b) => b.inner(area),
            None => area,
        };
        if inner.is_empty() {
            return None;
        }
        // " 12 ": right-aligned number with a space either side; dropped when too narrow.
        let digits = self.editor.lines().len().max(1).ilog10() as u16 + 1;
        let gutter = digits + 2;
        let gutter = if inner.width > gutter.saturating_add(4) {
            gutter
        } else {
            0
        };
        Some(Layout {
            gutter: Rect {
                width: gutter,
                ..inner
            },
            text: Rect {
                x: inner.x + gutter,
                width: inner.width - gutter,
                ..inner
            },
        })
    }

    /// Where the terminal cursor belongs after rendering into `area`: `None` when not
    /// focused or when the cursor is outside the visible text. Call it after rendering the
    /// view in the same frame (the scroll position is updated while rendering).
    pub fn cursor_position(&self, area: Rect) -> Option<Position> {
        if !self.focused {
            return None;
        }
        let layout = self.layout(area)?;
        let ta = &self.editor.textarea;
        let (top_row, top_col) = if self.editor.is_empty() {
            (0, 0)
        } else {
            ta.scroll_offset()
        };
        let screen = ta.screen_cursor();
        let dy = screen.row.checked_sub(usize::from(top_row))?;
        let dx = screen.col.checked_sub(usize::from(top_col))?;
        if dy >= usize::from(layout.text.height) || dx >= usize::from(layout.text.width) {
            return None;
        }
        Some(Position {
            x: layout.text.x + dx as u16,
            y: layout.text.y + dy as u16,
        })
    }

    /// The text position (row, column in chars) shown at screen position `pos` when the view
    /// was last rendered into `area`, for mouse clicks: feed it to [`Editor::set_cursor`].
    /// Clicks past the end of a line or below the text clamp to it; `None` outside the text
    /// (border, gutter, elsewhere).
    pub fn text_position_at(&self, area: Rect, pos: Position) -> Option<(usize, usize)> {
        let layout = self.layout(area)?;
        if !layout.text.contains(pos) {
            return None;
        }
        let ta = &self.editor.textarea;
        let (top_row, top_col) = ta.scroll_offset();
        let row = usize::from(top_row) + usize::from(pos.y - layout.text.y);
        let col = usize::from(top_col) + usize::from(pos.x - layout.text.x);
        let c = ta.screen_to_data(row, col);
        Some((c.0, c.1))
    }

    fn draw_gutter(&self, buf: &mut Buffer, gutter: Rect, top_row: usize) {
        if gutter.width == 0 {
            return;
        }
        let (cursor_row, _) = self.editor.cursor();
        let lines = self.editor.lines().len();
        let number_width = usize::from(gutter.width - 1);
        for dy in 0..gutter.height {
            let row = top_row + usize::from(dy);
            if row >= lines {
                break;
            }
            let style = if row == cursor_row {
                self.theme.gutter_current
            } else {
                self.theme.gutter
            };
            let label = format!("{:>number_width$} ", row + 1);
            buf.set_stringn(
                gutter.x,
                gutter.y + dy,
                label,
                usize::from(gutter.width),
                style,
            );
        }
    }

    fn draw_placeholder(&self, buf: &mut Buffer, text: Rect) {
        let style = self.theme.text.patch(self.theme.placeholder);
        for (dy, line) in [PLACEHOLDER, PLACEHOLDER_HINT].into_iter().enumerate() {
            if let Ok(dy) = u16::try_from(dy)
                && dy < text.height
            {
                buf.set_stringn(text.x, text.y + dy, line, usize::from(text.width), style);
            }
        }
    }

    /// Draw one line of text at screen row `y`, from display column `top_col`.
    fn draw_line(&self, buf: &mut Buffer, text: Rect, y: u16, row: usize, top_col: usize) {
        let ta = &self.editor.textarea;
        let line = ta.lines()[row].as_str();
        let tab_len = ta.tab_length();
        let left = top_col;
        let right = top_col + usize::from(text.width);
        let x_of = |col: usize| text.x + (col - left) as u16;

        let spans = {
            let s = &self.editor.spans;
            let lo = s.partition_point(|s| s.line < row);
            let hi = s.partition_point(|s| s.line <= row);
            &s[lo..hi]
        };
        let matches: Vec<Range<usize>> = ta
            .search_pattern()
            .map(|re| {
                re.find_iter(line)
                    .map(|m| m.range())
                    .filter(|r| !r.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let selection = ta.selection_range();
        let selected =
            |ci: usize| selection.is_some_and(|(start, end)| start <= (row, ci) && (row, ci) < end);

        let mut col = 0usize;
        let mut last_symbol: Option<u16> = None;
        let mut chars = 0usize;
        let mut complete = true;
        for (ci, (bi, c)) in line.char_indices().enumerate() {
            if col >= right {
                complete = false;
                break;
            }
            chars = ci + 1;
            let w = cells_at(c, col, tab_len);
            let mut style = self.theme.text;
            for s in spans.iter().filter(|s| s.bytes.contains(&bi)) {
                style = style.patch(s.style);
            }
            if matches.iter().any(|m| m.contains(&bi)) {
                style = style.patch(self.theme.search);
            }
            if selected(ci) {
                style = style.patch(self.theme.selection);
            }
            if w == 0 {
                // A combining mark joins the symbol before it; controls are never drawn.
                if !never_drawn(c)
                    && let Some(x) = last_symbol
                {
                    let cell = &mut buf[(x, y)];
                    let joined = format!("{}{c}", cell.symbol());
                    cell.set_symbol(&joined);
                }
                continue;
            }
            let (start, end) = (col, col + w);
            col = end;
            if end <= left {
                continue;
            }
            if c != '\t' && !never_drawn(c) && start >= left && end <= right {
                let x = x_of(start);
                buf[(x, y)]
                    .set_symbol(c.encode_utf8(&mut [0; 4]))
                    .set_style(style);
                for k in 1..w {
                    // Covered by the wide character, as `Buffer::set_stringn` leaves them.
                    let cell = &mut buf[(x + k as u16, y)];
                    cell.reset();
                    cell.set_style(style);
                }
                last_symbol = Some(x);
            } else {
                // A tab, or a wide character cut by an edge: blank cells in its style, so the
                // other cells keep their columns (as the textarea draws it). Anything that must
                // not reach the terminal raw is blank too.
                for cc in start.max(left)..end.min(right) {
                    buf[(x_of(cc), y)].set_symbol(" ").set_style(style);
                }
                last_symbol = None;
            }
        }
        // The line break of a line the selection runs past is shown as one selected cell.
        let eol = col;
        if complete
            && selection.is_some_and(|(start, end)| start <= (row, chars) && row < end.0)
            && (left..right).contains(&eol)
        {
            buf[(x_of(eol), y)]
                .set_symbol(" ")
                .set_style(self.theme.text.patch(self.theme.selection));
        }
    }

    fn draw_cursor(&self, buf: &mut Buffer, text: Rect, top_row: usize, top_col: usize) {
        let ta = &self.editor.textarea;
        let screen = ta.screen_cursor();
        let Some(dy) = screen
            .row
            .checked_sub(top_row)
            .filter(|dy| *dy < usize::from(text.height))
        else {
            return;
        };
        let width = screen
            .char
            .map_or(1, |c| cells_at(c, screen.col, ta.tab_length()).max(1));
        let right = top_col + usize::from(text.width);
        for col in screen.col.max(top_col)..(screen.col + width).min(right) {
            let cell = &mut buf[(text.x + (col - top_col) as u16, text.y + dy as u16)];
            let style = cell.style().patch(self.theme.cursor);
            cell.set_style(style);
        }
    }
}

impl Widget for EditorView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        (&self).render(area, buf);
    }
}

impl Widget for &EditorView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if let Some(block) = &self.block {
            block.clone().render(area, buf);
        }
        let Some(layout) = self.layout(area) else {
            return;
        };
        let text = layout.text;
        for pos in text.positions().chain(layout.gutter.positions()) {
            buf[pos].reset();
        }
        buf.set_style(text, self.theme.text);

        // Let the textarea scroll its viewport to the cursor, as if it were on screen here.
        let ta = &self.editor.textarea;
        let mut scratch = Buffer::empty(text);
        ta.render(text, &mut scratch);

        if self.editor.is_empty() {
            self.draw_gutter(buf, layout.gutter, 0);
            self.draw_placeholder(buf, text);
        } else {
            let (top_row, top_col) = ta.scroll_offset();
            let (top_row, top_col) = (usize::from(top_row), usize::from(top_col));
            self.draw_gutter(buf, layout.gutter, top_row);
            let lines = ta.lines().len();
            for dy in 0..text.height {
                let row = top_row + usize::from(dy);
                if row >= lines {
                    break;
                }
                self.draw_line(buf, text, text.y + dy, row, top_col);
            }
        }
        if self.focused {
            let (top_row, top_col) = if self.editor.is_empty() {
                (0, 0)
            } else {
                ta.scroll_offset()
            };
            self.draw_cursor(buf, text, usize::from(top_row), usize::from(top_col));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paste_normalises_line_ends_tabs_and_controls() {
        assert_eq!(normalize_paste("a\r\nb\rc\n", 0), "a\nb\nc\n");
        assert_eq!(normalize_paste("\tx\ty", 0), "    x   y");
        assert_eq!(normalize_paste("\tx", 2), "  x");
        assert_eq!(normalize_paste("a\x1b[2Jb\u{7f}", 0), "a[2Jb");
    }

    #[test]
    fn byte_offsets_round_trip_with_multibyte_text() {
        let mut e = Editor::from_text("ab\nçé𝄞x\n");
        for (offset, expected) in [
            (0, 0),
            (3, 3),
            (5, 5),
            (7, 7),
            (11, 11),
            (12, 12),
            (13, 13),
            (99, 13),
        ] {
            e.set_cursor_byte_offset(offset);
            assert_eq!(e.cursor_byte_offset(), expected, "offset {offset}");
        }
        e.set_cursor_byte_offset(4); // inside 'ç'
        assert_eq!(e.cursor(), (1, 0));
        e.set_cursor_byte_offset(11);
        assert_eq!(e.cursor(), (1, 3));
    }
}
