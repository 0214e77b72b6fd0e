//! The history overlay (Ctrl+R): every run newest first, filtered as you type (every word
//! must appear in the query, case-insensitive). Each row shows how long ago, how it ended,
//! whether its result can be reopened (↺), where it ran, rows, duration and the query on
//! one line (`⏎` between lines), all escaped: a query is whatever was pasted. Enter puts
//! the query in the editor, Tab shows it whole, Ctrl+O (or Alt+Enter) reopens its result.
//! The `App` side (recording runs, the keys' effects) is in `history_app.rs`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::help::centered;
use super::theme::Theme;
use crate::data::format::{escape_control, group_digits, truncate_to_width};
use crate::data::time::{TICKS_PER_SECOND, human_duration};
use crate::history::{Entry, Outcome, Runs};

/// What the session can still reopen: its results `$kept_from` to `$latest`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reopenable {
    pub session: Option<String>,
    /// The lowest `$N` the worker still holds.
    pub kept_from: u64,
    /// The newest `$N` this session has seen (0: none).
    pub latest: u64,
}

impl Reopenable {
    pub fn covers(&self, entry: &Entry) -> bool {
        entry.outcome == Outcome::Ok
            && self.session.as_deref() == Some(entry.session.as_str())
            && entry
                .name
                .as_deref()
                .and_then(name_number)
                .is_some_and(|n| n >= self.kept_from && n <= self.latest)
    }
}

/// `$12` → 12.
pub fn name_number(name: &str) -> Option<u64> {
    name.strip_prefix('$')?.parse().ok()
}

/// The overlay's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryOverlay {
    runs: Runs,
    search: String,
    /// Indices into `runs`, newest first.
    matches: Vec<usize>,
    /// Index into `matches`.
    selected: usize,
    /// The first row shown.
    offset: usize,
    /// Rows shown at the last draw (for PgUp/PgDn).
    page: usize,
    /// The whole query of the selected run is shown, scrolled this far.
    preview: Option<u16>,
    /// Wall clock (ticks) the ages are measured from.
    now: i64,
    reopenable: Reopenable,
    /// Why there is no list (no state dir, an unreadable file).
    problem: Option<String>,
}

/// What a key in the overlay asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Stay,
    Close,
    Quit,
    /// Put this query in the editor.
    Edit(Entry),
    /// Show this run's result again.
    Reopen(Entry),
}

impl HistoryOverlay {
    pub fn new(runs: Runs, now: i64, reopenable: Reopenable) -> Self {
        let matches = runs.search("");
        HistoryOverlay {
            runs,
            search: String::new(),
            matches,
            selected: 0,
            offset: 0,
            page: 10,
            preview: None,
            now,
            reopenable,
            problem: None,
        }
    }

    /// An overlay that only says why there is no history.
    pub fn unavailable(problem: String) -> Self {
        HistoryOverlay {
            problem: Some(problem),
            ..HistoryOverlay::new(Runs::default(), 0, Reopenable::default())
        }
    }

    /// Measure ages from this wall-clock time (ticks); snapshot tests pin it.
    pub fn set_now(&mut self, now: i64) {
        self.now = now;
    }

    pub fn search_text(&self) -> &str {
        &self.search
    }

    /// The selected run, if any matches.
    pub fn selected(&self) -> Option<&Entry> {
        self.runs.get(*self.matches.get(self.selected)?)
    }

    pub fn match_count(&self) -> usize {
        self.matches.len()
    }

    fn set_search(&mut self, text: String) {
        self.search = text;
        self.matches = self.runs.search(&self.search);
        self.selected = 0;
        self.offset = 0;
    }

    fn move_by(&mut self, delta: isize) {
        let last = self.matches.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Step {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let chosen =
            |s: &Self, step: fn(Entry) -> Step| s.selected().cloned().map_or(Step::Stay, step);
        match key.code {
            KeyCode::Char('q') if ctrl => return Step::Quit,
            KeyCode::Char('o') if ctrl => return chosen(self, Step::Reopen),
            KeyCode::Enter if alt => return chosen(self, Step::Reopen),
            KeyCode::Enter => return chosen(self, Step::Edit),
            KeyCode::Esc if self.preview.is_some() => self.preview = None,
            KeyCode::Esc => return Step::Close,
            KeyCode::Tab | KeyCode::Right
                if self.preview.is_none() && self.selected().is_some() =>
            {
                self.preview = Some(0)
            }
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Left => self.preview = None,
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown
                if self.preview.is_some() =>
            {
                let scroll = self.preview.get_or_insert(0);
                *scroll = match key.code {
                    KeyCode::Up => scroll.saturating_sub(1),
                    KeyCode::Down => scroll.saturating_add(1),
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    _ => scroll.saturating_add(10),
                };
            }
            KeyCode::Up => self.move_by(-1),
            KeyCode::Char('p') if ctrl => self.move_by(-1),
            KeyCode::Down => self.move_by(1),
            KeyCode::Char('n' | 'r') if ctrl => self.move_by(1),
            KeyCode::PageUp => self.move_by(-(self.page.max(1) as isize)),
            KeyCode::PageDown => self.move_by(self.page.max(1) as isize),
            KeyCode::Backspace => {
                let mut text = std::mem::take(&mut self.search);
                text.pop();
                self.set_search(text);
            }
            KeyCode::Char('u') if ctrl => self.set_search(String::new()),
            KeyCode::Char('w') if ctrl => {
                let kept = self
                    .search
                    .trim_end()
                    .trim_end_matches(|c: char| !c.is_whitespace());
                self.set_search(kept.to_string());
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                self.preview = None;
                let mut text = std::mem::take(&mut self.search);
                text.push(c);
                self.set_search(text);
            }
            _ => {}
        }
        Step::Stay
    }

    /// Draw the overlay over `area`.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let width = area.width.saturating_sub(4).min(150);
        let popup = centered(area, width, area.height.saturating_sub(2));
        let mut title = format!(
            " History · {} of {} ",
            group_digits(self.matches.len()),
            crate::data::format::count_of(self.runs.len(), "run")
        );
        if self.runs.skipped() > 0 {
            title.push_str(&format!(
                "· {} unreadable skipped ",
                crate::data::format::count_of(self.runs.skipped(), "line")
            ));
        }
        let keys = if self.preview.is_some() {
            " Enter to the editor · Ctrl+O result · ↑↓ scroll · Esc/Tab back "
        } else {
            " Enter to the editor · Tab preview · Ctrl+O result (↺ still held) · Esc close "
        };
        let block = Block::bordered()
            .border_style(theme.border_focused)
            .title(Line::styled(title, theme.title))
            .title_bottom(Line::styled(keys, theme.dim));
        let inner = block.inner(popup).inner(Margin::new(1, 0));
        frame.render_widget(Clear, popup);
        frame.render_widget(block, popup);
        let [search, head, body, detail] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
            Constraint::Length(1),
        ])
        .areas(inner);
        let shown = escape_control(&self.search);
        let prompt = Line::from(vec![
            Span::styled("search: ", theme.status_key),
            Span::styled(shown.to_string(), theme.text),
        ]);
        frame.render_widget(Paragraph::new(prompt), search);
        let cursor_x = search.x + 8 + crate::data::format::display_width(&shown) as u16;
        if cursor_x < search.right() {
            frame.set_cursor_position(Position::new(cursor_x, search.y));
        }
        if let Some(problem) = &self.problem {
            let text = Line::styled(escape_control(problem).into_owned(), theme.warn);
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), body);
            return;
        }
        match (self.preview, self.selected().cloned()) {
            (Some(scroll), Some(entry)) => {
                frame.render_widget(Paragraph::new(Line::styled("query", theme.header)), head);
                self.draw_preview(frame, body, &entry, scroll, theme);
            }
            _ => {
                let header = format!(
                    "{:>7} {:<2} {:<14} {:>9} {:>7}  query",
                    "when", "", "where", "rows", "took"
                );
                frame.render_widget(Paragraph::new(Line::styled(header, theme.header)), head);
                self.draw_rows(frame, body, theme);
            }
        }
        if let Some(entry) = self.selected() {
            let text = truncate_to_width(&describe(entry), detail.width as usize).into_owned();
            frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), detail);
        }
    }

    fn draw_rows(&mut self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let height = area.height as usize;
        self.page = height.max(1);
        if self.matches.is_empty() {
            let text = if self.runs.is_empty() {
                "No runs yet: every query you run (F5) is kept here.".to_string()
            } else {
                format!(
                    "No run's query has every word of “{}”.",
                    escape_control(&self.search)
                )
            };
            frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), area);
            return;
        }
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if height > 0 && self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let lines: Vec<Line> = self
            .matches
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(height)
            .filter_map(|(i, &run)| {
                let entry = self.runs.get(run)?;
                let style = if i == self.selected {
                    theme.selected_row
                } else {
                    theme.text
                };
                Some(self.row(entry, area.width as usize, style, theme))
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn row(&self, entry: &Entry, width: usize, style: Style, theme: &Theme) -> Line<'static> {
        let (mark, mark_style) = match entry.outcome {
            Outcome::Ok => ("✓", theme.ok),
            Outcome::Failed => ("✗", theme.error),
            Outcome::Cancelled => ("⊘", theme.warn),
        };
        let reopen = if self.reopenable.covers(entry) {
            "↺"
        } else {
            " "
        };
        let rows = entry
            .rows
            .map_or("—".to_string(), |n| group_digits(n as usize));
        let took = if entry.cached {
            "cache".to_string()
        } else {
            human_duration(std::time::Duration::from_millis(entry.duration_ms))
        };
        let place = escape_control(&entry.place()).into_owned();
        let lead = format!(
            "{:>7} ",
            ago(self.now.saturating_sub(entry.at) / TICKS_PER_SECOND)
        );
        let rest = format!(
            " {:<14} {:>9} {:>7}  ",
            truncate_to_width(&place, 14),
            rows,
            took
        );
        let used = 8 + 2 + crate::data::format::display_width(&rest);
        let query = one_line(&entry.query);
        let query = truncate_to_width(&query, width.saturating_sub(used)).into_owned();
        Line::from(vec![
            Span::styled(lead, style),
            Span::styled(mark, mark_style.patch(bg_of(style))),
            Span::styled(reopen, style),
            Span::styled(rest, style),
            Span::styled(query, style),
        ])
        .style(style)
    }

    fn draw_preview(
        &self,
        frame: &mut Frame,
        area: Rect,
        entry: &Entry,
        scroll: u16,
        theme: &Theme,
    ) {
        let mut lines = Vec::new();
        if let Some(error) = &entry.error {
            lines.push(Line::styled(
                format!("✗ {}", escape_control(error)),
                theme.error,
            ));
            lines.push(Line::raw(""));
        }
        for line in entry.query.lines() {
            let line = line.replace('\t', "    ");
            lines.push(Line::styled(escape_control(&line).into_owned(), theme.text));
        }
        if entry.cut {
            lines.push(Line::styled(
                "… (cut: the query was longer than the history keeps)",
                theme.warn,
            ));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            area,
        );
    }
}

/// The selected run in a line: its name, exact time, where, and how it was answered.
fn describe(entry: &Entry) -> String {
    let mut parts = Vec::new();
    if let Some(name) = &entry.name {
        parts.push(escape_control(name).into_owned());
    }
    parts.push(format!(
        "{} UTC",
        crate::data::time::format_datetime(entry.at, 0)
            .replace('T', " ")
            .trim_end_matches('Z')
    ));
    parts.push(format!(
        "{} ({})",
        escape_control(&entry.place()),
        match entry.client {
            crate::history::Client::Workbench => "workbench",
            crate::history::Client::Run => "kqlhunt run",
        }
    ));
    if entry.cached {
        parts.push("from the cache, 0 quota".into());
    }
    if let Some(from) = &entry.refined_from {
        parts.push(format!(
            "refined locally from {}, 0 quota",
            escape_control(from)
        ));
    }
    match entry.outcome {
        Outcome::Ok => {}
        Outcome::Cancelled => parts.push("cancelled".into()),
        Outcome::Failed => parts.push(format!(
            "failed: {}",
            escape_control(entry.error.as_deref().unwrap_or("no reason kept"))
        )),
    }
    parts.join(" · ")
}

/// A query on one line: its lines trimmed and joined with ` ⏎ `, escaped.
pub fn one_line(query: &str) -> String {
    let joined = query
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ⏎ ");
    escape_control(&joined).into_owned()
}

/// `42s ago`, `5m ago`, `3h ago`, `2d ago`, `1y ago`.
pub fn ago(secs: i64) -> String {
    let secs = secs.max(0);
    let (n, unit) = match secs {
        s if s < 60 => (s, "s"),
        s if s < 3600 => (s / 60, "m"),
        s if s < 86_400 => (s / 3600, "h"),
        s if s < 365 * 86_400 => (s / 86_400, "d"),
        s => (s / (365 * 86_400), "y"),
    };
    format!("{n}{unit} ago")
}

fn bg_of(style: Style) -> Style {
    match style.bg {
        Some(bg) => Style::default().bg(bg),
        None => Style::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn the_search_box_edits_by_char_and_by_word() {
        let mut o = HistoryOverlay::new(Runs::default(), 0, Reopenable::default());
        for c in "DeviceEvents\u{3000}has  x".chars() {
            o.on_key(&key(KeyCode::Char(c), KeyModifiers::NONE));
        }
        o.on_key(&key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(o.search_text(), "DeviceEvents\u{3000}has  ");
        o.on_key(&key(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(o.search_text(), "DeviceEvents\u{3000}");
        o.on_key(&key(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(o.search_text(), "DeviceEvents");
        o.on_key(&key(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(o.search_text(), "");
        assert_eq!(
            o.on_key(&key(KeyCode::Enter, KeyModifiers::NONE)),
            Step::Stay,
            "nothing to pick"
        );
    }

    #[test]
    fn ages_read_short() {
        assert_eq!(ago(-5), "0s ago");
        assert_eq!(ago(59), "59s ago");
        assert_eq!(ago(60), "1m ago");
        assert_eq!(ago(7200), "2h ago");
        assert_eq!(ago(3 * 86_400), "3d ago");
        assert_eq!(ago(800 * 86_400), "2y ago");
    }

    #[test]
    fn a_query_is_one_escaped_line() {
        assert_eq!(
            one_line("DeviceEvents\n    | where A == \"\u{1b}[31m\"\n\n| take 5\r\n"),
            "DeviceEvents ⏎ | where A == \"\\x1b[31m\" ⏎ | take 5"
        );
        assert_eq!(
            one_line("T | where N == \"\u{202e}x\""),
            "T | where N == \"\\u{202e}x\""
        );
    }

    #[test]
    fn only_this_sessions_kept_results_are_reopenable() {
        let mut e = Entry::new(
            &crate::backend::RunRequest::new("T"),
            0,
            crate::history::Ended::Cancelled {
                elapsed: Default::default(),
            },
        );
        e.outcome = Outcome::Ok;
        e.session = "abc".into();
        e.name = Some("$7".into());
        let r = Reopenable {
            session: Some("abc".into()),
            kept_from: 5,
            latest: 7,
        };
        assert!(r.covers(&e));
        e.name = Some("$8".into());
        assert!(!r.covers(&e), "not a result this session has seen");
        e.name = Some("$4".into());
        assert!(!r.covers(&e), "dropped by the worker");
        e.name = Some("$7".into());
        e.session = "other".into();
        assert!(!r.covers(&e), "another process");
    }
}
