//! An optional vim mode for the query editor (`[ui] vim = true` in the config file, or
//! `:set vim` / `:set novim`). A sound core, not all of vim:
//! - normal mode: `h j k l w b e 0 ^ $ gg G` (with counts: `3j`, `5G`), `i a I A o O`,
//!   `x dd yy cc p P u`, Ctrl+R redo, operators `d c y` with the motions above (`dw`, `c$`,
//!   `d2w`, `2dd`), `/` search and `n N` (the buffer search), `:` the workbench command line;
//! - visual mode, charwise `v` and linewise `V`: motions extend it; `d x y c > <`;
//! - insert mode: the ordinary editor, Esc back to normal.
//!
//! Esc goes to vim first (leave insert/visual, drop a half-typed command); Esc in normal
//! mode with nothing pending reaches the workbench and cancels the running query, so
//! cancelling is still one Esc away for a vim user (two from insert mode). Keys vim does not
//! use with a modifier (F5, Ctrl+Q, Tab, Ctrl+T…) reach the workbench in every mode.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
use super::buffer_search::Direction;
use super::editor::Editor;

/// The vim mode the editor is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Insert,
    Visual,
    VisualLine,
}

/// What the app should do with a key after vim saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Vim used the key.
    Handled,
    /// Not vim's: the workbench's key map and then the editor take it.
    PassThrough,
    /// `:`: open the command line.
    CommandLine,
    /// `/`: open the buffer search.
    Search,
    /// `n` / `N`.
    Repeat(Direction),
}

/// An operator waiting for its motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Delete,
    Change,
    Yank,
}

/// What `y`/`d` last took, for `p`/`P`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Register {
    text: String,
    linewise: bool,
}

/// Vim's state beside the editor.
#[derive(Clone, Debug)]
pub struct Vim {
    mode: Mode,
    count: Option<usize>,
    operator: Option<(Operator, usize)>,
    /// `g` typed, waiting for the second `g`.
    g: bool,
    /// Where visual mode started.
    anchor: (usize, usize),
    register: Register,
}

impl Default for Vim {
    fn default() -> Self {
        Vim::new()
    }
}

/// How a motion's range is taken by an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Exclusive,
    Inclusive,
    Linewise,
}

impl Vim {
    pub fn new() -> Vim {
        Vim {
            mode: Mode::Normal,
            count: None,
            operator: None,
            g: false,
            anchor: (0, 0),
            register: Register::default(),
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// What the editor title shows, e.g. `-- INSERT --`.
    pub fn mode_label(&self) -> Option<&'static str> {
        Some(match self.mode {
            Mode::Normal => "-- NORMAL --",
            Mode::Insert => "-- INSERT --",
            Mode::Visual => "-- VISUAL --",
            Mode::VisualLine => "-- VISUAL LINE --",
        })
    }

    /// Whether a count, operator or `g` is half typed.
    pub fn is_pending(&self) -> bool {
        self.count.is_some() || self.operator.is_some() || self.g
    }

    fn reset_pending(&mut self) {
        self.count = None;
        self.operator = None;
        self.g = false;
    }

    /// Handle one key in `editor`.
    pub fn on_key(&mut self, editor: &mut Editor, key: KeyEvent) -> Outcome {
        match self.mode {
            Mode::Insert => {
                if key.code == KeyCode::Esc && key.modifiers.is_empty() {
                    self.mode = Mode::Normal;
                    let (row, col) = editor.cursor();
                    editor.set_cursor(row, col.saturating_sub(1));
                    Outcome::Handled
                } else {
                    Outcome::PassThrough
                }
            }
            Mode::Normal | Mode::Visual | Mode::VisualLine => self.on_command_key(editor, key),
        }
    }

    fn on_command_key(&mut self, editor: &mut Editor, key: KeyEvent) -> Outcome {
        let mods = key.modifiers - KeyModifiers::SHIFT;
        let visual = matches!(self.mode, Mode::Visual | Mode::VisualLine);
        if key.code == KeyCode::Esc && mods.is_empty() {
            if visual {
                self.mode = Mode::Normal;
                editor.cancel_selection();
                self.reset_pending();
                return Outcome::Handled;
            }
            if self.is_pending() {
                self.reset_pending();
                return Outcome::Handled;
            }
            return Outcome::PassThrough;
        }
        if mods == KeyModifiers::CONTROL && key.code == KeyCode::Char('r') && !visual {
            for _ in 0..self.count.take().unwrap_or(1) {
                editor.redo();
            }
            self.reset_pending();
            return Outcome::Handled;
        }
        if !mods.is_empty() {
            return Outcome::PassThrough;
        }
        let c = match key.code {
            KeyCode::Char(c) => c,
            KeyCode::Left | KeyCode::Backspace => 'h',
            KeyCode::Right => 'l',
            KeyCode::Up => 'k',
            KeyCode::Down | KeyCode::Enter => 'j',
            KeyCode::Home => '0',
            KeyCode::End => '$',
            KeyCode::Delete => 'x',
            _ => return Outcome::PassThrough,
        };
        self.on_char(editor, c)
    }

    fn on_char(&mut self, editor: &mut Editor, c: char) -> Outcome {
        // Counts.
        if c.is_ascii_digit() && (c != '0' || self.count.is_some()) {
            let d = c.to_digit(10).unwrap_or(0) as usize;
            self.count = Some(
                self.count
                    .unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(d)
                    .min(99_999),
            );
            return Outcome::Handled;
        }
        if self.g {
            self.g = false;
            if c == 'g' {
                let row = self.count.take().map_or(0, |n| n.saturating_sub(1));
                return self.motion(editor, Motion::Line(row));
            }
            self.reset_pending();
            return Outcome::Handled;
        }
        let motion = match c {
            'h' => Some(Motion::Left),
            'l' => Some(Motion::Right),
            'j' => Some(Motion::Down),
            'k' => Some(Motion::Up),
            'w' => Some(Motion::WordForward),
            'b' => Some(Motion::WordBack),
            'e' => Some(Motion::WordEnd),
            '0' => Some(Motion::LineStart),
            '^' => Some(Motion::FirstNonBlank),
            '$' => Some(Motion::LineEnd),
            'G' => {
                let last = editor.lines().len().saturating_sub(1);
                let row = self.count.take().map_or(last, |n| n.saturating_sub(1));
                Some(Motion::Line(row))
            }
            _ => None,
        };
        if let Some(motion) = motion {
            return self.motion(editor, motion);
        }
        if c == 'g' {
            self.g = true;
            return Outcome::Handled;
        }
        if matches!(self.mode, Mode::Visual | Mode::VisualLine) {
            return self.visual_key(editor, c);
        }
        let count = self.count.take().unwrap_or(1);
        // A doubled operator: `dd`, `cc`, `yy`.
        if let Some((op, n)) = self.operator {
            let op_char = match op {
                Operator::Delete => 'd',
                Operator::Change => 'c',
                Operator::Yank => 'y',
            };
            self.operator = None;
            if c == op_char {
                let (row, _) = editor.cursor();
                let last = (row + n * count - 1).min(editor.lines().len() - 1);
                self.apply_lines(editor, op, row, last);
            }
            return Outcome::Handled;
        }
        match c {
            'd' => self.operator = Some((Operator::Delete, count)),
            'c' => self.operator = Some((Operator::Change, count)),
            'y' => self.operator = Some((Operator::Yank, count)),
            'i' => self.mode = Mode::Insert,
            'a' => {
                let (row, col) = editor.cursor();
                let len = line_len(editor, row);
                editor.set_cursor(row, (col + 1).min(len));
                self.mode = Mode::Insert;
            }
            'I' => {
                let (row, _) = editor.cursor();
                editor.set_cursor(row, first_non_blank(&editor.lines()[row]));
                self.mode = Mode::Insert;
            }
            'A' => {
                let (row, _) = editor.cursor();
                editor.set_cursor(row, line_len(editor, row));
                self.mode = Mode::Insert;
            }
            'o' => {
                let (row, _) = editor.cursor();
                editor.set_cursor(row, line_len(editor, row));
                editor.insert_str("\n");
                self.mode = Mode::Insert;
            }
            'O' => {
                let (row, _) = editor.cursor();
                editor.set_cursor(row, 0);
                editor.insert_str("\n");
                editor.set_cursor(row, 0);
                self.mode = Mode::Insert;
            }
            'x' => {
                let (row, col) = editor.cursor();
                let len = line_len(editor, row);
                if len > 0 {
                    let end = (col + count).min(len);
                    self.take_chars(editor, Operator::Delete, (row, col), (row, end));
                    clamp_normal(editor);
                }
            }
            'p' | 'P' => self.put(editor, c == 'p', count),
            'u' => {
                let before = editor.text();
                for _ in 0..count {
                    editor.undo();
                }
                if let Some((row, col)) = changed_at(&before, editor.lines()) {
                    editor.set_cursor(row, col);
                }
                clamp_normal(editor);
            }
            'v' | 'V' => {
                self.mode = if c == 'v' {
                    Mode::Visual
                } else {
                    Mode::VisualLine
                };
                self.anchor = editor.cursor();
                self.show_selection(editor);
            }
            '/' => return Outcome::Search,
            ':' => return Outcome::CommandLine,
            'n' => return Outcome::Repeat(Direction::Next),
            'N' => return Outcome::Repeat(Direction::Prev),
            _ => {}
        }
        Outcome::Handled
    }

    fn motion(&mut self, editor: &mut Editor, motion: Motion) -> Outcome {
        let count = self.count.take().unwrap_or(1);
        let from = editor.cursor();
        if let Some((op, n)) = self.operator.take() {
            let count = count * n;
            // `cw` changes to the end of the word, as vim does.
            let motion = match (op, motion) {
                (Operator::Change, Motion::WordForward) if !is_blank_at(editor.lines(), from) => {
                    Motion::WordEnd
                }
                _ => motion,
            };
            let mut to = motion.apply(editor.lines(), from, count, true);
            match motion.kind() {
                Kind::Linewise => {
                    self.apply_lines(editor, op, from.0.min(to.0), from.0.max(to.0));
                }
                kind => {
                    if motion == Motion::WordForward && to.0 > from.0 {
                        // `dw` on a line's last word stops at the line's end.
                        to = (from.0, line_len(editor, from.0));
                    }
                    let (mut start, mut end) = if to < from { (to, from) } else { (from, to) };
                    if kind == Kind::Inclusive {
                        end = step_forward(editor.lines(), end);
                    }
                    if start == end {
                        return Outcome::Handled;
                    }
                    start = clamp_pos(editor.lines(), start);
                    self.take_chars(editor, op, start, end);
                    if op == Operator::Change {
                        self.mode = Mode::Insert;
                    } else {
                        if op == Operator::Yank {
                            editor.set_cursor(start.0, start.1);
                        }
                        clamp_normal(editor);
                    }
                }
            }
            return Outcome::Handled;
        }
        let visual = matches!(self.mode, Mode::Visual | Mode::VisualLine);
        let to = motion.apply(editor.lines(), from, count, false);
        editor.set_cursor(to.0, to.1);
        if visual {
            self.show_selection(editor);
        } else {
            clamp_normal(editor);
        }
        Outcome::Handled
    }

    /// Highlight the visual selection, the cursor staying where vim has it.
    fn show_selection(&self, editor: &mut Editor) {
        let cursor = editor.cursor();
        editor.cancel_selection();
        let anchor = match self.mode {
            Mode::VisualLine if cursor.0 >= self.anchor.0 => (self.anchor.0, 0),
            Mode::VisualLine => (self.anchor.0, line_len(editor, self.anchor.0)),
            _ => self.anchor,
        };
        editor.set_cursor(anchor.0, anchor.1);
        editor.start_selection();
        editor.set_cursor(cursor.0, cursor.1);
    }

    fn visual_key(&mut self, editor: &mut Editor, c: char) -> Outcome {
        let cursor = editor.cursor();
        let (lo, hi) = if cursor < self.anchor {
            (cursor, self.anchor)
        } else {
            (self.anchor, cursor)
        };
        let linewise = self.mode == Mode::VisualLine;
        let op = match c {
            'd' | 'x' => Some(Operator::Delete),
            'c' => Some(Operator::Change),
            'y' => Some(Operator::Yank),
            _ => None,
        };
        self.count = None;
        match (op, c) {
            (Some(op), _) => {
                editor.cancel_selection();
                self.mode = Mode::Normal;
                if linewise {
                    self.apply_lines(editor, op, lo.0, hi.0);
                } else {
                    let end = step_forward(editor.lines(), hi);
                    self.take_chars(editor, op, lo, end);
                    if op == Operator::Change {
                        self.mode = Mode::Insert;
                    } else {
                        editor.set_cursor(lo.0, lo.1);
                        clamp_normal(editor);
                    }
                }
            }
            (None, '>' | '<') => {
                editor.cancel_selection();
                self.mode = Mode::Normal;
                // One edit for all the lines, so one `u` undoes it.
                let lines: Vec<String> = editor
                    .lines()
                    .iter()
                    .enumerate()
                    .map(|(row, line)| match c {
                        _ if !(lo.0..=hi.0).contains(&row) || line.is_empty() => line.clone(),
                        '>' => format!("    {line}"),
                        _ => {
                            let n = line.chars().take(4).take_while(|c| *c == ' ').count();
                            line[n..].to_string()
                        }
                    })
                    .collect();
                editor.replace_all(&lines.join("\n"));
                let row = lo.0;
                editor.set_cursor(row, first_non_blank(&editor.lines()[row]));
            }
            (None, 'v' | 'V') => {
                let want = if c == 'v' {
                    Mode::Visual
                } else {
                    Mode::VisualLine
                };
                if self.mode == want {
                    self.mode = Mode::Normal;
                    editor.cancel_selection();
                } else {
                    self.mode = want;
                    self.show_selection(editor);
                }
            }
            (None, 'o') => {
                let anchor = self.anchor;
                self.anchor = cursor;
                editor.set_cursor(anchor.0, anchor.1);
                self.show_selection(editor);
            }
            (None, ':') => {
                editor.cancel_selection();
                self.mode = Mode::Normal;
                return Outcome::CommandLine;
            }
            _ => {}
        }
        Outcome::Handled
    }

    /// Delete, change or yank the characters from `start` to `end` (excluded).
    fn take_chars(
        &mut self,
        editor: &mut Editor,
        op: Operator,
        start: (usize, usize),
        end: (usize, usize),
    ) {
        self.register = Register {
            text: text_between(editor.lines(), start, end),
            linewise: false,
        };
        if op != Operator::Yank {
            editor.delete_between(start, end);
        }
    }

    /// Delete, change or yank whole lines `first..=last`.
    fn apply_lines(&mut self, editor: &mut Editor, op: Operator, first: usize, last: usize) {
        let lines = editor.lines();
        let last = last.min(lines.len() - 1);
        self.register = Register {
            text: lines[first..=last].join("\n"),
            linewise: true,
        };
        match op {
            Operator::Yank => editor.set_cursor(first, first_non_blank(&lines[first])),
            Operator::Change => {
                let len = line_len(editor, last);
                let indent = first_non_blank(&editor.lines()[first]);
                editor.delete_between((first, indent), (last, len));
                editor.set_cursor(first, indent);
                self.mode = Mode::Insert;
            }
            Operator::Delete => {
                let total = lines.len();
                if last + 1 < total {
                    editor.delete_between((first, 0), (last + 1, 0));
                } else if first > 0 {
                    let prev = line_len(editor, first - 1);
                    let len = line_len(editor, last);
                    editor.delete_between((first - 1, prev), (last, len));
                } else {
                    let len = line_len(editor, last);
                    editor.delete_between((0, 0), (last, len));
                }
                let row = first.min(editor.lines().len() - 1);
                editor.set_cursor(row, first_non_blank(&editor.lines()[row]));
            }
        }
    }

    /// `p` (after) / `P` (before), `count` times.
    fn put(&mut self, editor: &mut Editor, after: bool, count: usize) {
        if self.register.text.is_empty() && !self.register.linewise {
            return;
        }
        let (row, col) = editor.cursor();
        let text = vec![self.register.text.as_str(); count.min(1000)]
            .join(if self.register.linewise { "\n" } else { "" });
        if self.register.linewise {
            if after {
                editor.set_cursor(row, line_len(editor, row));
                editor.insert_str(&format!("\n{text}"));
                editor.set_cursor(row + 1, first_non_blank(&editor.lines()[row + 1]));
            } else {
                editor.set_cursor(row, 0);
                editor.insert_str(&format!("{text}\n"));
                editor.set_cursor(row, first_non_blank(&editor.lines()[row]));
            }
        } else {
            let at = if after && line_len(editor, row) > 0 {
                col + 1
            } else {
                col
            };
            editor.set_cursor(row, at);
            editor.insert_str(&text);
            let (r, c) = editor.cursor();
            editor.set_cursor(r, c.saturating_sub(1));
        }
    }
}

/// A cursor motion; `apply` computes where it lands without touching the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Motion {
    Left,
    Right,
    Up,
    Down,
    WordForward,
    WordBack,
    WordEnd,
    LineStart,
    FirstNonBlank,
    LineEnd,
    /// `gg` / `G` with the row (0-based) to go to.
    Line(usize),
}

impl Motion {
    fn kind(self) -> Kind {
        match self {
            Motion::Up | Motion::Down | Motion::Line(_) => Kind::Linewise,
            Motion::WordEnd | Motion::LineEnd => Kind::Inclusive,
            _ => Kind::Exclusive,
        }
    }

    /// Where the cursor lands after `count` times this motion from `from`. `for_operator`:
    /// `l` and `w` may go one past the line's last character, as an operator's end.
    fn apply(
        self,
        lines: &[String],
        from: (usize, usize),
        count: usize,
        for_operator: bool,
    ) -> (usize, usize) {
        let (row, col) = from;
        let last_row = lines.len().saturating_sub(1);
        let len = |r: usize| lines.get(r).map_or(0, |l| l.chars().count());
        match self {
            Motion::Left => (row, col.saturating_sub(count)),
            Motion::Right => {
                let max = if for_operator {
                    len(row)
                } else {
                    len(row).saturating_sub(1)
                };
                (row, (col + count).min(max))
            }
            Motion::Up => {
                let r = row.saturating_sub(count);
                (r, col.min(len(r).saturating_sub(1)))
            }
            Motion::Down => {
                let r = (row + count).min(last_row);
                (r, col.min(len(r).saturating_sub(1)))
            }
            Motion::LineStart => (row, 0),
            Motion::FirstNonBlank => (row, first_non_blank(&lines[row])),
            Motion::LineEnd => {
                let r = (row + count - 1).min(last_row);
                (r, len(r).saturating_sub(1))
            }
            Motion::Line(r) => {
                let r = r.min(last_row);
                (r, first_non_blank(&lines[r]))
            }
            Motion::WordForward | Motion::WordBack | Motion::WordEnd => {
                let flat = Flat::new(lines);
                let mut i = flat.index(from);
                for _ in 0..count {
                    i = match self {
                        Motion::WordForward => flat.word_forward(i, for_operator),
                        Motion::WordBack => flat.word_back(i),
                        _ => flat.word_end(i),
                    };
                }
                flat.position(i)
            }
        }
    }
}

/// The text as one sequence of characters with `\n` between lines, for word motions.
struct Flat {
    chars: Vec<char>,
    /// The flat index where each line starts.
    starts: Vec<usize>,
}

fn class(c: char) -> u8 {
    if c.is_whitespace() {
        0
    } else if c.is_alphanumeric() || c == '_' {
        1
    } else {
        2
    }
}

impl Flat {
    fn new(lines: &[String]) -> Flat {
        let mut chars = Vec::new();
        let mut starts = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                chars.push('\n');
            }
            starts.push(chars.len());
            chars.extend(line.chars());
        }
        Flat { chars, starts }
    }

    fn index(&self, (row, col): (usize, usize)) -> usize {
        let row = row.min(self.starts.len() - 1);
        let end = self.starts.get(row + 1).map_or(self.chars.len(), |s| s - 1);
        (self.starts[row] + col).min(end)
    }

    fn position(&self, i: usize) -> (usize, usize) {
        let row = self.starts.partition_point(|s| *s <= i).saturating_sub(1);
        (row, i - self.starts[row])
    }

    fn is_empty_line_at(&self, i: usize) -> bool {
        self.chars.get(i) == Some(&'\n') && (i == 0 || self.chars[i - 1] == '\n')
    }

    /// The start of the next word; at the end: the last character, or one past it when an
    /// operator wants the end.
    fn word_forward(&self, mut i: usize, for_operator: bool) -> usize {
        let n = self.chars.len();
        if i >= n {
            return i;
        }
        let c = class(self.chars[i]);
        if c != 0 {
            while i < n && class(self.chars[i]) == c {
                i += 1;
            }
        }
        while i < n && class(self.chars[i]) == 0 {
            if self.chars[i] == '\n' && i + 1 < n && self.chars[i + 1] == '\n' {
                return i + 1;
            }
            i += 1;
        }
        if i >= n && !for_operator {
            n.saturating_sub(1)
        } else {
            i
        }
    }

    fn word_back(&self, mut i: usize) -> usize {
        if i == 0 {
            return 0;
        }
        i -= 1;
        while i > 0 && class(self.chars[i]) == 0 && !self.is_empty_line_at(i) {
            i -= 1;
        }
        if self.is_empty_line_at(i) && i > 0 {
            // An empty line is a word of its own: land on it (the `\n` that ends it is
            // the next line's separator, so the line's position is `i`).
            return i;
        }
        let c = class(self.chars[i]);
        while i > 0 && class(self.chars[i - 1]) == c && c != 0 {
            i -= 1;
        }
        i
    }

    fn word_end(&self, mut i: usize) -> usize {
        let n = self.chars.len();
        if i + 1 >= n {
            return i;
        }
        i += 1;
        while i + 1 < n && class(self.chars[i]) == 0 {
            i += 1;
        }
        let c = class(self.chars[i]);
        while i + 1 < n && class(self.chars[i + 1]) == c && c != 0 {
            i += 1;
        }
        i
    }
}

/// Where an undo changed the text, as vim puts the cursor: the first changed line, at its
/// first non-blank when lines came or went, else at the first changed character.
fn changed_at(before: &str, after: &[String]) -> Option<(usize, usize)> {
    let old: Vec<&str> = before.split('\n').collect();
    let row = (0..old.len().max(after.len()))
        .find(|&r| old.get(r).copied() != after.get(r).map(String::as_str))?;
    let row = row.min(after.len() - 1);
    let line = &after[row];
    if old.len() != after.len() {
        return Some((row, first_non_blank(line)));
    }
    let col = old[row]
        .chars()
        .zip(line.chars())
        .take_while(|(a, b)| a == b)
        .count();
    Some((row, col))
}

fn line_len(editor: &Editor, row: usize) -> usize {
    editor.lines().get(row).map_or(0, |l| l.chars().count())
}

fn first_non_blank(line: &str) -> usize {
    line.chars().take_while(|c| c.is_whitespace()).count()
}

fn is_blank_at(lines: &[String], (row, col): (usize, usize)) -> bool {
    lines[row].chars().nth(col).is_none_or(char::is_whitespace)
}

/// One character further, crossing to the next line's start at a line's end.
fn step_forward(lines: &[String], (row, col): (usize, usize)) -> (usize, usize) {
    let len = lines[row].chars().count();
    if col < len {
        (row, col + 1)
    } else if row + 1 < lines.len() {
        (row + 1, 0)
    } else {
        (row, len)
    }
}

fn clamp_pos(lines: &[String], (row, col): (usize, usize)) -> (usize, usize) {
    let row = row.min(lines.len() - 1);
    (row, col.min(lines[row].chars().count()))
}

/// In normal mode the cursor sits on a character, never past the line's end.
fn clamp_normal(editor: &mut Editor) {
    let (row, col) = editor.cursor();
    let len = line_len(editor, row);
    if len > 0 && col >= len {
        editor.set_cursor(row, len - 1);
    }
}

fn text_between(lines: &[String], start: (usize, usize), end: (usize, usize)) -> String {
    let flat = Flat::new(lines);
    let (a, b) = (flat.index(start), flat.index(end).max(flat.index(start)));
    // `index` clamps to a line's end; an end at (row + 1, 0) is the `\n` before it.
    let b = if end.0 > start.0 && end.1 == 0 {
        flat.starts.get(end.0).map_or(b, |s| *s)
    } else {
        b
    };
    flat.chars[a..b.min(flat.chars.len())].iter().collect()
}

/// Whether `[ui] vim = true` is in the config file's top-level tables (the config module
/// keeps tables it does not own in `ConfigFile::other`).
pub fn enabled_in_config(other: &toml::Table) -> bool {
    other
        .get("ui")
        .and_then(|ui| ui.get("vim"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false)
}

impl App {
    /// `:set vim` / `:set novim` (and `[ui] vim` at start).
    pub fn set_vim(&mut self, on: bool) {
        self.editor.cancel_selection();
        self.vim = on.then(Vim::new);
        if on {
            clamp_normal(&mut self.editor);
        }
        self.notice = Some(if on {
            "vim mode on (:set novim turns it off)".into()
        } else {
            "vim mode off".into()
        });
    }

    /// Give the key to vim first when vim mode is on; `true` when vim used it.
    pub(crate) fn on_vim_key(&mut self, key: KeyEvent) -> bool {
        let Some(vim) = &mut self.vim else {
            return false;
        };
        if key.kind == crossterm::event::KeyEventKind::Release {
            return false;
        }
        match vim.on_key(&mut self.editor, key) {
            Outcome::Handled => {
                self.completion = None;
                true
            }
            Outcome::PassThrough => false,
            Outcome::CommandLine => {
                self.open_command_line("");
                true
            }
            Outcome::Search => {
                self.open_buffer_search();
                true
            }
            Outcome::Repeat(dir) => {
                self.repeat_buffer_search(dir);
                true
            }
        }
    }
}
