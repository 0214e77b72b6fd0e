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
///
/// Rows are view positions (the grid may be given a sorted/filtered permutation); columns
/// are positions among the *shown* columns (hidden ones skipped), which equal table column
/// indices until a column is hidden: [`GridState::selected_column`] maps back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GridState {
    pub selected_row: usize,
    pub selected_col: usize,
    /// First row on screen.
    pub row_offset: usize,
    /// First scrolling column on screen (horizontal scrolling is by whole columns).
    pub col_offset: usize,
    /// Display width of each table column in cells.
    pub widths: Vec<u16>,
    /// Table columns hidden from view (same length as `widths`).
    pub hidden: Vec<bool>,
    /// The first this many shown columns stay on screen while scrolling right.
    pub frozen: usize,
    rows: usize,
    /// Data rows that fit on screen at the last render (the page size).
    page_rows: usize,
}

impl GridState {
    /// State for a new result: widths measured over the first rows, top-left selected.
    pub fn for_table(table: &Table) -> GridState {
        let widths: Vec<u16> = natural_widths(table, WIDTH_SAMPLE_ROWS, MAX_COLUMN_WIDTH)
            .into_iter()
            .map(|w| u16::try_from(w).unwrap_or(u16::MAX))
            .collect();
        GridState {
            hidden: vec![false; widths.len()],
            widths,
            rows: table.row_count(),
            page_rows: 1,
            ..GridState::default()
        }
    }

    pub fn row_count(&self) -> usize {
        self.rows
    }

    /// Set the number of rows shown (after a sort or filter); the selection is clamped.
    pub fn set_row_count(&mut self, rows: usize) {
        self.rows = rows;
        self.clamp();
    }

    pub fn column_count(&self) -> usize {
        self.widths.len()
    }

    /// Table indices of the columns not hidden, in order.
    pub fn shown_columns(&self) -> Vec<usize> {
        (0..self.widths.len())
            .filter(|&c| !self.hidden.get(c).copied().unwrap_or(false))
            .collect()
    }

    fn shown_len(&self) -> usize {
        self.shown_columns().len()
    }

    /// The table column of shown position `pos`.
    pub fn column_at_position(&self, pos: usize) -> Option<usize> {
        self.shown_columns().get(pos).copied()
    }

    /// The table column under the selection.
    pub fn selected_column(&self) -> Option<usize> {
        self.column_at_position(self.selected_col)
    }

    /// Data rows that fit on screen at the last render.
    pub fn page_rows(&self) -> usize {
        self.page_rows
    }

    /// The selected (view row, table column), `None` when nothing is shown.
    pub fn selected(&self) -> Option<(usize, usize)> {
        if self.rows == 0 {
            return None;
        }
        Some((self.selected_row, self.selected_column()?))
    }

    /// The value under the selection in an unsorted, unfiltered view.
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
        self.selected_col = self.shown_len().saturating_sub(1);
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

    /// Select a cell by view row and shown-column position (clamped).
    pub fn select(&mut self, row: usize, col: usize) {
        self.selected_row = row;
        self.selected_col = col;
        self.clamp();
    }

    /// Make the selected column `delta` cells wider (negative: narrower), within 1..=255.
    pub fn widen(&mut self, delta: i16) {
        if let Some(c) = self.selected_column()
            && let Some(w) = self.widths.get_mut(c)
        {
            *w = w.saturating_add_signed(delta).clamp(1, 255);
        }
    }

    /// Hide the selected column; the last shown column stays. Returns whether one was hidden.
    pub fn hide_selected(&mut self) -> bool {
        if self.shown_len() <= 1 {
            return false;
        }
        let Some(c) = self.selected_column() else {
            return false;
        };
        self.hidden[c] = true;
        if self.selected_col < self.frozen {
            self.frozen -= 1;
        }
        self.clamp();
        true
    }

    /// Show every hidden column again.
    pub fn show_all(&mut self) {
        let selected = self.selected_column();
        self.hidden.iter_mut().for_each(|h| *h = false);
        if let Some(c) = selected {
            self.selected_col = c;
        }
        self.clamp();
    }

    /// Freeze the columns up to and including the selected one; again to unfreeze.
    pub fn toggle_freeze(&mut self) {
        self.frozen = if self.frozen == self.selected_col + 1 {
            0
        } else {
            self.selected_col + 1
        };
        self.clamp();
    }

    fn clamp(&mut self) {
        if self.hidden.len() != self.widths.len() {
            self.hidden = vec![false; self.widths.len()];
        }
        let shown = self.shown_len();
        self.frozen = self.frozen.min(shown);
        self.selected_row = self.selected_row.min(self.rows.saturating_sub(1));
        self.selected_col = self.selected_col.min(shown.saturating_sub(1));
        self.row_offset = self.row_offset.min(self.selected_row);
        if self.selected_col >= self.frozen {
            self.col_offset = self.col_offset.min(self.selected_col);
        }
        self.col_offset = self.col_offset.max(self.frozen);
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
        if self.selected_col < self.frozen || self.shown_len() == 0 {
            return;
        }
        // Scroll right until the selected column fits whole (or is the first one shown).
        let shown = self.shown_columns();
        let spans: Vec<usize> = shown
            .iter()
            .map(|&c| usize::from(self.width(c)) + 1)
            .collect();
        let width = |pos: usize| spans[pos];
        let frozen_span: usize = (0..self.frozen).map(width).sum();
        let available = usize::from(geometry.data_width).saturating_sub(frozen_span);
        let mut span: usize = (self.col_offset..=self.selected_col).map(width).sum();
        while self.col_offset < self.selected_col && span.saturating_sub(1) > available {
            span -= width(self.col_offset);
            self.col_offset += 1;
        }
    }

    /// Where each column on screen goes: (table column, x, width); the last may be cut, and
    /// a one-cell sliver of it is kept only when `slivers` (mouse hits, not drawing).
    fn visible_columns(&self, area: Rect, slivers: bool) -> Vec<(usize, u16, u16)> {
        let geometry = Geometry::new(area, self.rows);
        let shown = self.shown_columns();
        let frozen = self.frozen.min(shown.len());
        let right = area.right();
        let mut visible: Vec<(usize, u16, u16)> = Vec::new();
        let mut x = area.x + geometry.gutter;
        let order = (0..frozen).chain(self.col_offset.max(frozen)..shown.len());
        for pos in order {
            if x >= right {
                break;
            }
            let col = shown[pos];
            let w = self.width(col).min(right - x);
            if !slivers && w < 2 && w < self.width(col) && !visible.is_empty() {
                // A lone `…` says nothing the ▶ marker does not.
                break;
            }
            visible.push((col, x, w));
            x = x.saturating_add(w).saturating_add(1);
        }
        visible
    }

    /// The cell (view row, table column) at screen position `pos` when the grid was last
    /// rendered into `area`, for mouse clicks. `None` on the header, the gutter, the gaps,
    /// or past the data.
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
        self.visible_columns(area, true)
            .into_iter()
            .find(|&(_, x, w)| pos.x >= x && pos.x < x.saturating_add(w))
            .map(|(col, _, _)| (row, col))
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
    /// Table rows in display order (a sort or filter); `None` shows the table's order.
    pub rows: Option<&'a [usize]>,
    /// The sorted column and whether descending, marked in the header.
    pub sort: Option<(usize, bool)>,
    /// The selected cell stands out only when the grid has focus.
    pub focused: bool,
    pub theme: &'a Theme,
}

impl<'a> Grid<'a> {
    pub fn new(table: &'a Table, theme: &'a Theme) -> Self {
        Grid {
            table,
            rows: None,
            sort: None,
            focused: false,
            theme,
        }
    }

    /// Show these table rows, in this order.
    pub fn rows(mut self, rows: Option<&'a [usize]>) -> Self {
        self.rows = rows;
        self
    }

    /// Mark `column` as sorted in the header.
    pub fn sorted(mut self, sort: Option<(usize, bool)>) -> Self {
        self.sort = sort;
        self
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
        if state.widths.len() != columns.len() {
            *state = GridState::for_table(table);
        }
        state.rows = self.rows.map_or(table.row_count(), <[usize]>::len);
        state.scroll_into_view(area);

        if columns.is_empty() {
            let style = self.theme.text.patch(self.theme.placeholder);
            centered(buf, area, area.y + area.height / 2, NO_RESULT_HINT, style);
            return;
        }

        let geo = Geometry::new(area, state.rows);
        let right = area.right();
        let visible = state.visible_columns(area, false);
        let shown = state.shown_columns();
        let hidden_left = state.col_offset > state.frozen;
        let selected_column = state.selected_column();
        let hidden_right = visible.last().is_some_and(|&(c, _, w)| {
            shown.last().is_some_and(|&last| last != c) || w < state.width(c)
        });

        // Header.
        let header_style = self.theme.text.patch(self.theme.header);
        for &(c, x, w) in &visible {
            let column = &columns[c];
            let mut name = escape_control(&column.name).into_owned();
            match self.sort {
                Some((sorted, false)) if sorted == c => name.insert(0, '▲'),
                Some((sorted, true)) if sorted == c => name.insert(0, '▼'),
                _ => {}
            }
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
            let data_row = self.rows.map_or(row, |r| r[row]);
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
                if data_row >= column.data.len() {
                    continue;
                }
                let style = if selected && self.focused && Some(c) == selected_column {
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
                let text = cell_text(column.data.get(data_row), usize::from(w));
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
