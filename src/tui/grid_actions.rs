//! What the results grid's keys do to the `App`: result tabs, sort and quick filter (handed
//! to background jobs, answers polled by the event loop), columns, the row detail overlay,
//! inspect-to-query, copies (queued here, written to the terminal by the event loop) and
//! the chart toggle. Kept apart from `app.rs` so the state machine there stays small.

use std::io::Write;
use std::mem::take;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::app::{App, Overlay};
use super::clipboard::{self, Env, Scope, Shape};
use super::detail::Detail;
use super::inspect::{self, Op};
use super::keymap::Action;
use super::results::{MAX_TABS, ResultTab};
use super::theme::Theme;
use super::view::{self, Filter};
use crate::data::ResultSet;
use crate::data::format::{escape_control, truncate_to_width};

impl App {
    /// A new result becomes a new tab, and the current one.
    pub fn push_result(&mut self, result: Arc<ResultSet>) {
        self.stash_tab();
        self.tabs.push(ResultTab::new(result));
        if self.tabs.len() > MAX_TABS {
            self.tabs.remove(0);
        }
        self.load_tab(self.tabs.len() - 1);
        if let Some(Err(why)) = &self.chart.model {
            self.notice = Some(format!("no chart: {}", escape_control(why)));
        }
    }

    /// Show tab `index` (clamped).
    pub fn switch_tab(&mut self, index: usize) {
        if self.tabs.is_empty() {
            return;
        }
        let index = index.min(self.tabs.len() - 1);
        if index == self.tab && self.result.is_some() {
            return;
        }
        self.stash_tab();
        self.load_tab(index);
        self.overlay = None;
    }

    /// Put the current tab's grid, view and chart back in its slot.
    fn stash_tab(&mut self) {
        if let Some(slot) = self.tabs.get_mut(self.tab)
            && self.result.is_some()
        {
            slot.grid = take(&mut self.grid);
            slot.view = take(&mut self.view);
            slot.chart = take(&mut self.chart);
        }
    }

    fn load_tab(&mut self, index: usize) {
        let slot = &mut self.tabs[index];
        self.tab = index;
        self.grid = take(&mut slot.grid);
        self.view = take(&mut slot.view);
        self.chart = take(&mut slot.chart);
        self.result = Some(slot.result.clone());
        if self.view.pending.is_some() {
            // Its answer was dropped while the tab was away: ask again.
            self.refresh_view();
        }
    }

    /// The grid's keys (everything in `keymap` past plain movement).
    pub(crate) fn grid_action(&mut self, action: Action) {
        match action {
            Action::PrevResult => self.switch_tab(self.tab.saturating_sub(1)),
            Action::NextResult => self.switch_tab(self.tab + 1),
            _ if self.result.is_none() => {
                self.notice = Some("No result yet: F5 runs the query under the cursor.".into())
            }
            Action::Sort => {
                let Some(col) = self.grid.selected_column() else {
                    return;
                };
                self.view.sort = self.view.cycle_sort(col);
                self.refresh_view();
            }
            Action::Filter => {
                let text = self.view.filter.as_ref().map(|f| f.text.clone());
                self.overlay = Some(Overlay::Filter {
                    text: text.unwrap_or_default(),
                });
            }
            Action::NextMatch => self.jump_to_match(true),
            Action::PrevMatch => self.jump_to_match(false),
            Action::Narrower => self.grid.widen(-2),
            Action::Wider => self.grid.widen(2),
            Action::Freeze => self.grid.toggle_freeze(),
            Action::HideColumn => self.hide_column(),
            Action::ShowColumns => self.grid.show_all(),
            Action::Detail => self.open_detail(),
            Action::WhereEq => self.inspect(Op::Eq),
            Action::WhereNe => self.inspect(Op::Ne),
            Action::WhereHas => self.inspect(Op::Has),
            Action::Copy(scope, shape) => self.queue_copy(scope, shape),
            Action::ToggleChart => {
                if let Some(result) = &self.result
                    && let Err(why) = self.chart.toggle(result)
                {
                    self.notice = Some(why);
                }
            }
            _ => {}
        }
    }

    fn hide_column(&mut self) {
        if !self.grid.hide_selected() {
            self.notice = Some("The last shown column stays; + shows all.".into());
        }
    }

    /// Recompute the view for the current sort and filter, off the UI thread.
    fn refresh_view(&mut self) {
        let Some(result) = &self.result else {
            return;
        };
        if self.view.sort.is_none() && self.view.filter.is_none() {
            self.view.rows = None;
            self.view.pending = None;
            self.grid.set_row_count(result.table.row_count());
            return;
        }
        let job = self.jobs.spawn(
            result.table.clone(),
            self.view.sort,
            self.view.filter.clone(),
        );
        self.view.pending = Some(job);
    }

    /// Apply finished sort/filter jobs; stale answers are dropped. Returns whether the
    /// screen changed.
    pub fn poll_jobs(&mut self) -> bool {
        let mut changed = false;
        for done in self.jobs.poll() {
            changed |= self.apply_job(done);
        }
        changed | self.poll_export()
    }

    /// Block until the pending sort/filter is applied (tests, benchmarks, scripts).
    pub fn wait_jobs(&mut self) {
        while self.view.pending.is_some() {
            match self.jobs.wait() {
                Some(done) => {
                    self.apply_job(done);
                }
                None => return,
            }
        }
    }

    fn apply_job(&mut self, done: view::Done) -> bool {
        if self.view.pending != Some(done.job) {
            return false;
        }
        self.view.pending = None;
        self.grid.set_row_count(done.rows.len());
        self.view.rows = Some(Arc::new(done.rows));
        self.grid.top();
        true
    }

    fn jump_to_match(&mut self, forward: bool) {
        let (Some(result), Some(filter)) = (&self.result, &self.view.filter) else {
            self.notice = Some("No filter: / sets one.".into());
            return;
        };
        let rows = self.view.shown_rows(&result.table);
        let cols = self.grid.shown_columns();
        let at = (self.grid.selected_row, self.grid.selected_col);
        match view::next_match(&result.table, &rows, &cols, filter, at, forward) {
            Some((row, col)) => self.grid.select(row, col),
            None => self.notice = Some("No cell matches the filter.".into()),
        }
    }

    pub(crate) fn on_filter_key(&mut self, key: KeyEvent) {
        let Some(Overlay::Filter { text }) = &mut self.overlay else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.overlay = None,
            KeyCode::Enter => {
                let text = take(text);
                self.overlay = None;
                if let Some(result) = &self.result {
                    self.view.filter = Filter::parse(&result.table, &text);
                    self.refresh_view();
                }
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => {}
        }
    }

    fn open_detail(&mut self) {
        let Some(result) = &self.result else { return };
        let Some((row, _)) = self.grid.selected() else {
            return;
        };
        let table_row = self.view.table_row(row);
        let of = self.view.shown_count(&result.table);
        self.overlay = Some(Overlay::Detail(Box::new(Detail::new(row, table_row, of))));
    }

    pub(crate) fn on_detail_key(&mut self, key: KeyEvent) {
        let (Some(Overlay::Detail(detail)), Some(result)) = (&mut self.overlay, &self.result)
        else {
            return;
        };
        let table = &result.table;
        let count = detail.lines(table, detail.width).len();
        let page = isize::try_from(detail.height.max(1)).unwrap_or(1);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.overlay = None,
            KeyCode::Up | KeyCode::Char('k') => detail.move_cursor(-1, count),
            KeyCode::Down | KeyCode::Char('j') => detail.move_cursor(1, count),
            KeyCode::PageUp => detail.move_cursor(-page, count),
            KeyCode::PageDown => detail.move_cursor(page, count),
            KeyCode::Home | KeyCode::Char('g') => detail.cursor = 0,
            KeyCode::End | KeyCode::Char('G') => detail.move_cursor(isize::MAX, count),
            KeyCode::Enter | KeyCode::Char(' ') => {
                detail.fold(table, None);
            }
            KeyCode::Right | KeyCode::Char('l') => {
                detail.fold(table, Some(true));
            }
            KeyCode::Left | KeyCode::Char('h') => {
                detail.fold(table, Some(false));
            }
            _ => {}
        }
    }

    /// Add `| where` for the selected cell to the end of the query under the editor's cursor.
    fn inspect(&mut self, op: Op) {
        let Some(result) = &self.result else { return };
        let Some((row, col)) = self.grid.selected() else {
            return;
        };
        let table = &result.table;
        let column = &table.columns()[col];
        let value = column.data.get(self.view.table_row(row));
        let predicate = inspect::predicate(&column.name, column.kind(), value, op);
        let text = self.editor.text();
        let Some(range) = crate::kql::split::query_at(&text, self.editor.cursor_byte_offset())
        else {
            self.notice = Some("No query in the editor to add to.".into());
            return;
        };
        let end = range.start + text[range].trim_end().len();
        self.editor.cancel_selection();
        self.editor.set_cursor_byte_offset(end);
        self.editor.insert_str(&format!("\n| where {predicate}"));
        let shown = truncate_to_width(&escape_control(&predicate), 60).into_owned();
        self.notice = Some(format!("Added | where {shown} (F5 runs it)"));
    }

    fn queue_copy(&mut self, scope: Scope, shape: Shape) {
        let Some(result) = &self.result else { return };
        let Some((row, col)) = self.grid.selected() else {
            self.notice = Some("Nothing to copy.".into());
            return;
        };
        let rows = self.view.shown_rows(&result.table);
        let payload = clipboard::payload(&result.table, &rows, (row, col), scope, shape);
        self.copies.push(payload);
    }

    /// Send queued copies: the OSC 52 bytes go to `terminal` (the real terminal in the
    /// event loop, a buffer in tests). The status line says what happened.
    pub fn flush_copies(&mut self, env: &Env, terminal: &mut dyn Write) {
        for payload in take(&mut self.copies) {
            self.notice = Some(match clipboard::copy(&payload.text, env, terminal) {
                Ok(routes) => clipboard::describe(&payload, &routes),
                Err(why) => format!("Not copied: {why}"),
            });
        }
    }
}

/// The quick-filter prompt, drawn over the status line.
pub fn draw_filter_prompt(frame: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    let hint = "Enter apply · empty clears · Col:text one column · Esc cancel";
    draw_prompt(frame, area, ("/", text, hint), theme);
}

/// A one-line prompt in `area` (the status bar's place): `prefix`, the typed text escaped,
/// a dim hint, and the cursor after the text.
pub fn draw_prompt(
    frame: &mut Frame,
    area: Rect,
    (prefix, text, hint): (&str, &str, &str),
    theme: &Theme,
) {
    frame.render_widget(Clear, area);
    let shown = escape_control(text);
    let line = Line::from(vec![
        Span::styled(prefix.to_string(), theme.title),
        Span::styled(shown.to_string(), theme.text),
        Span::styled(format!("   {hint}"), theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    let x = area.x + 1 + u16::try_from(crate::data::format::display_width(&shown)).unwrap_or(0);
    if x < area.right() {
        frame.set_cursor_position(Position::new(x, area.y));
    }
}

/// The results title past the row count: the tab strip (`$1 [$2] $3`), then the view's
/// state (`sorting…`, `sorted by Col ▲`, `filter "x": 12 rows`).
pub fn results_title(app: &App) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    if let Some(result) = &app.result {
        let table = &result.table;
        if let Some(sort) = app.view.sort
            && let Some(column) = table.columns().get(sort.column)
        {
            let arrow = if sort.descending { '▼' } else { '▲' };
            let name = truncate_to_width(&escape_control(&column.name), 24).into_owned();
            spans.push(Span::styled(format!("· by {name} {arrow} "), app.theme.dim));
        }
        if let Some(filter) = &app.view.filter {
            let text = truncate_to_width(&escape_control(&filter.text), 24).into_owned();
            let rows = crate::data::format::count_of(app.view.shown_count(table), "row");
            spans.push(Span::styled(format!("· /{text}: {rows} "), app.theme.dim));
        }
        if app.view.pending.is_some() {
            let doing = if app.view.filter.is_some() {
                "· filtering… "
            } else {
                "· sorting… "
            };
            spans.push(Span::styled(doing, app.theme.warn));
        }
    }
    if app.tabs.len() > 1 {
        // The tabs around the current one, as many as reasonably fit.
        let first = app.tab.saturating_sub(4);
        let last = (first + 8).min(app.tabs.len());
        spans.push(Span::styled("· ", app.theme.dim));
        if first > 0 {
            spans.push(Span::styled("… ", app.theme.dim));
        }
        for i in first..last {
            let name = super::results::tab_name(&app.tabs[i].result, i);
            if i == app.tab {
                spans.push(Span::styled(format!("[{name}]"), app.theme.title));
            } else {
                spans.push(Span::styled(name, app.theme.dim));
            }
            spans.push(Span::raw(" "));
        }
        if last < app.tabs.len() {
            spans.push(Span::styled("… ", app.theme.dim));
        }
    }
    spans
}
