//! The results grid: a virtualized view of a `data::Table`. Only the cells on screen are
//! formatted each frame, so a 100,000 × 60 result draws as fast as a 10-row one. Column
//! widths are measured once per result ([`GridState::for_table`]); scrolling is by whole
//! columns horizontally and by rows vertically. Every cell goes through
//! `data::format::display_text`, which escapes the control characters an attacker may have
//! planted in the data.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::widgets::StatefulWidget;

use super::theme::Theme;
use crate::data::format::{
    display_text, display_width, escape_control, natural_widths, truncate_to_width,
};
use crate::data::{Table, ValueRef};

/// Rows sampled to measure column widths.
pub const WIDTH_SAMPLE_ROWS: usize = 1000;
/// The widest a column starts (cells); longer values are cut with `…`.
pub const MAX_COLUMN_WIDTH: usize = 48;
/// Rows above the data: the header and the rule under it.
const HEADER_ROWS: u16 = 2;
/// Hint shown when there is no result yet.
pub const NO_RESULT_HINT: &str = "No results yet: F5 runs the query under the cursor";

/// Selection and scroll position in a grid, plus the column widths of its result. Make a new
/// one with [`GridState::for_table`] for each result. Movement methods clamp to the table;
/// rendering keeps the selected cell visible, so after moving there is nothing else to call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GridState {
    pub selected_row: usize,
    pub selected_col: usize,
    /// First row on screen.
    pub row_offset: usize,
    /// First column on screen (horizontal scrolling is by whole columns).
    pub col_offset: usize,
    /// Display width of each column in cells.
    pub widths: Vec<u16>,
    rows: usize,
    /// Data rows that fit on screen at the last render (the page size).
    page_rows: usize,
}

impl GridState {
    /// State for a new result: widths measured over the first rows, top-left selected.
    pub fn for_table(table: &Table) -> GridState {
        let widths = natural_widths(table, WIDTH_SAMPLE_ROWS, MAX_COLUMN_WIDTH)
            .into_iter()
            .map(|w| u16::try_from(w).unwrap_or(u16::MAX))
            .collect();
        GridState {
            widths,
            rows: table.row_count(),
            page_rows: 1,
            ..GridState::default()
        }
    }

    pub fn row_count(&self) -> usize {
        self.rows
    }

    pub fn column_count(&self) -> usize {
        self.widths.len()
    }

    /// Data rows that fit on screen at the last render.
    pub fn page_rows(&self) -> usize {
        self.page_rows
    }

    /// The selected (row, column), `None` when the table has no rows or no columns.
    pub fn selected(&self) -> Option<(usize, usize)> {
        (self.rows > 0 && !self.widths.is_empty()).then_some((self.selected_row, self.selected_col))
    }

    /// The value under the selection, for copying or a detail view.
    pub fn selected_value<'t>(&self, table: &'t Table) -> Option<ValueRef<'t>> {
        let (row, col) = self.selected()?;
        let column = table.columns().get(col)?;
        (row < column.data.len()).then(|| column.data.get(row))
    }

    pub fn up(&mut self, n: usize) {
        self.selected_row = self.selected_row.saturating_sub(n);
        self.clamp();
    }

    pub fn down(&mut self, n: usize) {
        self.selected_row = self.selected_row.saturating_add(n);
        self.clamp();
    }

    pub fn left(&mut self, n: usize) {
        self.selected_col = self.selected_col.saturating_sub(n);
        self.clamp();
    }

    pub fn right(&mut self, n: usize) {
        self.selected_col = self.selected_col.saturating_add(n);
        self.clamp();
    }

    /// One screen down: the view and the selection move together.
    pub fn page_down(&mut self) {
        let page = self.page_rows.max(1);
        self.row_offset = self
            .row_offset
            .saturating_add(page)
            .min(self.rows.saturating_sub(page));
        self.down(page);
    }

    /// One screen up: the view and the selection move together.
    pub fn page_up(&mut self) {
        let page = self.page_rows.max(1);
        self.row_offset = self.row_offset.saturating_sub(page);
        self.up(page);
    }

    /// First column.
    pub fn home(&mut self) {
        self.selected_col = 0;
        self.clamp();
    }

    /// Last column.
    pub fn end(&mut self) {
        self.selected_col = self.widths.len().saturating_sub(1);
        self.clamp();
    }

    /// First row.
    pub fn top(&mut self) {
        self.selected_row = 0;
        self.clamp();
    }

    /// Last row.
    pub fn bottom(&mut self) {
        self.selected_row = self.rows.saturating_sub(1);
        self.clamp();
    }

    /// Select a cell (clamped).
    pub fn select(&mut self, row: usize, col: usize) {
        self.selected_row = row;
        self.selected_col = col;
        self.clamp();
    }

    fn clamp(&mut self) {
        self.selected_row = self.selected_row.min(self.rows.saturating_sub(1));
        self.selected_col = self.selected_col.min(self.widths.len().saturating_sub(1));
        self.row_offset = self.row_offset.min(self.selected_row);
        self.col_offset = self.col_offset.min(self.selected_col);
    }

    /// Adjust the offsets so the selected cell is on screen when the grid is drawn into
    /// `area` (the same area given to render, which calls this itself). Also records the
    /// page size for `page_up`/`page_down`.
    pub fn scroll_into_view(&mut self, area: Rect) {
        self.clamp();
        let geometry = Geometry::new(area, self.rows);
        let visible = usize::from(geometry.body_height);
        self.page_rows = visible.max(1);
        if visible > 0 {
            if self.selected_row >= self.row_offset + visible {
                self.row_offset = self.selected_row + 1 - visible;
            }
            // No blank rows at the bottom while there are rows above (after a resize).
            self.row_offset = self.row_offset.min(self.rows.saturating_sub(visible));
        }
        // Scroll right until the selected column fits whole (or is the first one shown).
        let available = usize::from(geometry.data_width);
        let mut span: usize = (self.col_offset..=self.selected_col)
            .map(|c| usize::from(self.width(c)) + 1)
            .sum();
        while self.col_offset < self.selected_col && span.saturating_sub(1) > available {
            span -= usize::from(self.width(self.col_offset)) + 1;
            self.col_offset += 1;
        }
    }

    /// The data cell (row, column) at screen position `pos` when the grid was last rendered
    /// into `area`, for mouse clicks: feed it to [`GridState::select`]. `None` on the header,
    /// the gutter, the gaps, or past the data.
    pub fn cell_at(&self, area: Rect, pos: Position) -> Option<(usize, usize)> {
        if !area.contains(pos) {
            return None;
        }
        let geometry = Geometry::new(area, self.rows);
        let dy = (pos.y - area.y).checked_sub(HEADER_ROWS)?;
        let row = self.row_offset + usize::from(dy);
        if row >= self.rows || dy >= geometry.body_height {
            return None;
        }
        let mut x = area.x + geometry.gutter;
        for col in self.col_offset..self.widths.len() {
            if pos.x < x {
                return None;
            }
            let end = x.saturating_add(self.width(col));
            if pos.x < end {
                return Some((row, col));
            }
            x = end.saturating_add(1);
        }
        None
    }

    fn width(&self, col: usize) -> u16 {
        self.widths.get(col).copied().unwrap_or(1).max(1)
    }
}

/// Where the parts of the grid go inside its area.
struct Geometry {
    /// Row-number gutter width (digits plus a space), 0 when the area is too narrow.
    gutter: u16,
    /// Cells for columns, right of the gutter.
    data_width: u16,
    /// Rows for data, below the header and the rule.
    body_height: u16,
}

impl Geometry {
    fn new(area: Rect, rows: usize) -> Geometry {
        let digits = rows.max(1).ilog10() as u16 + 1;
        let gutter = if area.width > (digits + 1).saturating_mul(2) {
            digits + 1
        } else {
            0
        };
        Geometry {
            gutter,
            data_width: area.width.saturating_sub(gutter),
            body_height: area.height.saturating_sub(HEADER_ROWS),
        }
    }
}

/// Draws a result table with a [`GridState`]:
/// `frame.render_stateful_widget(Grid::new(&table, &theme).focused(true), area, &mut state)`.
#[derive(Clone, Copy, Debug)]
pub struct Grid<'a> {
    pub table: &'a Table,
    /// The selected cell stands out only when the grid has focus.
    pub focused: bool,
    pub theme: &'a Theme,
}

impl<'a> Grid<'a> {
    pub fn new(table: &'a Table, theme: &'a Theme) -> Self {
        Grid {
            table,
            focused: false,
            theme,
        }
    }

    pub fn focused(mut self, focused: bool) -> Self {
        self.focused = focused;
        self
    }
}

/// Text of a cell cut to `width` cells. Long strings are cut before escaping, so a
/// megabyte-long command line costs no more than a short one.
fn cell_text(value: ValueRef<'_>, width: usize) -> Cow<'_, str> {
    // Any char is at most 4 bytes and, escaped, at least one cell wide (zero-width marks
    // aside), so this many bytes always cover the cell.
    let limit = width.saturating_mul(4).saturating_add(64);
    let (value, cut) = match value {
        ValueRef::String(s) if s.len() > limit => (ValueRef::String(prefix(s, limit)), true),
        ValueRef::Dynamic(s) if s.len() > limit => (ValueRef::Dynamic(prefix(s, limit)), true),
        v => (v, false),
    };
    let text = display_text(value);
    if !cut || display_width(&text) > width {
        return match text {
            Cow::Borrowed(s) => truncate_to_width(s, width),
            Cow::Owned(s) => Cow::Owned(truncate_to_width(&s, width).into_owned()),
        };
    }
    // Cut, yet it fits (mostly zero-width characters): still say that something is missing.
    let mut shown = truncate_to_width(&text, width.saturating_sub(1)).into_owned();
    if !shown.ends_with('…') && width > 0 {
        shown.push('…');
    }
    Cow::Owned(shown)
}

fn prefix(s: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Write `text` (already at most `width` cells) into `width` cells at (x, y), right-aligned
/// when asked.
fn put(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, right: bool, style: Style) {
    let used = u16::try_from(display_width(text))
        .unwrap_or(u16::MAX)
        .min(width);
    let x = if right { x + (width - used) } else { x };
    buf.set_stringn(x, y, text, usize::from(width), style);
}

fn centered(buf: &mut Buffer, area: Rect, y: u16, text: &str, style: Style) {
    let text = truncate_to_width(text, usize::from(area.width));
    let w = u16::try_from(display_width(&text))
        .unwrap_or(u16::MAX)
        .min(area.width);
    buf.set_stringn(
        area.x + (area.width - w) / 2,
        y,
        &text,
        usize::from(area.width),
        style,
    );
}

impl StatefulWidget for Grid<'_> {
    type State = GridState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut GridState) {
        (&self).render(area, buf, state);
    }
}

impl StatefulWidget for &Grid<'_> {
    type State = GridState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut GridState) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        for pos in area.positions() {
            buf[pos].reset();
        }
        buf.set_style(area, self.theme.text);
        let table = self.table;
        let columns = table.columns();
        // The state may be stale (another result); take the table's shape as the truth.
        state.rows = table.row_count();
        if state.widths.len() != columns.len() {
            *state = GridState::for_table(table);
        }
        state.scroll_into_view(area);

        if columns.is_empty() {
            let style = self.theme.text.patch(self.theme.placeholder);
            centered(buf, area, area.y + area.height / 2, NO_RESULT_HINT, style);
            return;
        }

        let geo = Geometry::new(area, state.rows);
        let data_x = area.x + geo.gutter;
        let right = area.right();

        // Which columns are on screen, where, and how wide (the last one may be cut).
        let mut visible: Vec<(usize, u16, u16)> = Vec::new();
        let mut x = data_x;
        let mut col = state.col_offset;
        while col < columns.len() && x < right {
            let w = state.width(col).min(right - x);
            if w < 2 && w < state.width(col) && !visible.is_empty() {
                // A lone `…` says nothing the ▶ marker does not.
                break;
            }
            visible.push((col, x, w));
            x = x.saturating_add(w).saturating_add(1);
            col += 1;
        }
        let hidden_left = state.col_offset > 0;
        let hidden_right = visible
            .last()
            .is_some_and(|&(c, _, w)| c + 1 < columns.len() || w < state.width(c));

        // Header.
        let header_style = self.theme.text.patch(self.theme.header);
        for &(c, x, w) in &visible {
            let column = &columns[c];
            let name = escape_control(&column.name);
            let name = truncate_to_width(&name, usize::from(w));
            put(
                buf,
                x,
                area.y,
                w,
                &name,
                column.kind().right_aligned(),
                header_style,
            );
        }

        // The rule under the header, with markers for columns hidden left and right.
        if area.height >= 2 {
            let y = area.y + 1;
            let style = self.theme.text.patch(self.theme.separator);
            for x in area.x..right {
                buf[(x, y)].set_symbol("─").set_style(style);
            }
            let marker = self.theme.text.patch(self.theme.dim);
            if hidden_left {
                buf[(area.x, y)].set_symbol("◀").set_style(marker);
            }
            if hidden_right {
                buf[(right - 1, y)].set_symbol("▶").set_style(marker);
            }
        }

        let body_y = area.y + HEADER_ROWS.min(area.height);
        if state.rows == 0 {
            if geo.body_height > 0 {
                let style = self.theme.text.patch(self.theme.dim);
                centered(
                    buf,
                    area,
                    body_y + (geo.body_height - 1) / 2,
                    "0 rows",
                    style,
                );
            }
            return;
        }

        let number_width = usize::from(geo.gutter.saturating_sub(1));
        for dy in 0..geo.body_height {
            let row = state.row_offset + usize::from(dy);
            if row >= state.rows {
                break;
            }
            let y = body_y + dy;
            let selected = row == state.selected_row;
            let row_style = if selected {
                self.theme.text.patch(self.theme.selected_row)
            } else {
                self.theme.text
            };
            if selected {
                buf.set_style(
                    Rect {
                        x: area.x,
                        y,
                        width: area.width,
                        height: 1,
                    },
                    row_style,
                );
            }
            if geo.gutter > 0 {
                let style = row_style.patch(if selected {
                    self.theme.gutter_current
                } else {
                    self.theme.gutter
                });
                let label = format!("{:>number_width$}", row + 1);
                buf.set_stringn(area.x, y, label, number_width, style);
            }
            for &(c, x, w) in &visible {
                let column = &columns[c];
                if row >= column.data.len() {
                    continue;
                }
                let style = if selected && self.focused && c == state.selected_col {
                    buf.set_style(
                        Rect {
                            x,
                            y,
                            width: w,
                            height: 1,
                        },
                        row_style.patch(self.theme.selected_cell),
                    );
                    row_style.patch(self.theme.selected_cell)
                } else {
                    row_style
                };
                let text = cell_text(column.data.get(row), usize::from(w));
                put(buf, x, y, w, &text, column.kind().right_aligned(), style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_before_escaping() {
        let long = "\x1b".repeat(100_000);
        let text = cell_text(ValueRef::String(&long), 10);
        assert_eq!(text, "\\x1b\\x1b\\…");
        let marks = format!("a{}", "\u{301}".repeat(10_000));
        let text = cell_text(ValueRef::String(&marks), 5);
        assert!(text.ends_with('…'), "{text:?}");
        assert!(display_width(&text) <= 5);
    }

    #[test]
    fn prefix_respects_char_boundaries() {
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(prefix("aé", 3), "aé");
        assert_eq!(prefix("", 3), "");
    }
}
