//! Where the panes go and how each is framed: the editor on top, results below, with
//! titles that say what the pane holds. Small terminals shrink the editor first; nothing
//! here panics on any size.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::app::{App, Focus, LastRun};
use super::editor::EditorView;
use super::grid::Grid;
use crate::data::format::{escape_control, group_digits, line_col};

/// Split the main area into (editor, results).
pub fn split_panes(area: Rect) -> (Rect, Rect) {
    let h = area.height;
    let editor = if h < 8 {
        h / 2
    } else {
        (h * 35 / 100).clamp(5, 18)
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Length(editor), Constraint::Min(0)]).areas(area);
    (top, bottom)
}

/// Split off the side pane (`width` columns on the left) when it is drawn: (pane, rest).
pub fn split_side(area: Rect, width: Option<u16>) -> (Option<Rect>, Rect) {
    match width {
        Some(w) if area.width > w => {
            let [side, rest] =
                Layout::horizontal([Constraint::Length(w), Constraint::Min(0)]).areas(area);
            (Some(side), rest)
        }
        _ => (None, area),
    }
}

fn pane_block<'a>(app: &App, title: Vec<Span<'a>>, focused: bool) -> Block<'a> {
    let style = if focused {
        app.theme.border_focused
    } else {
        app.theme.border
    };
    Block::bordered()
        .border_style(style)
        .title(Line::from(title))
}

/// Draws the editor pane; returns the screen cell of the cursor when the editor has focus
/// (where the completion list goes).
pub fn draw_editor(app: &mut App, frame: &mut Frame, area: Rect) -> Option<Position> {
    app.highlighter.refresh(&mut app.editor, &app.theme);
    let focused = app.focus == Focus::Editor && app.overlay.is_none();
    let mut title = vec![Span::styled(" Query ", app.theme.title)];
    if app.editor.lines().len() > 1 {
        let (row, col) = app.editor.cursor();
        title.push(Span::styled(
            format!("{}:{} ", row + 1, col + 1),
            app.theme.dim,
        ));
    }
    let mut block = pane_block(app, title, focused);
    if focused {
        let offset = app.editor.cursor_byte_offset();
        let diagnostic = app
            .highlighter
            .diagnostic_at(offset)
            .map(|d| (d.message.clone(), d.is_error()));
        let signature = app.signature.get(&app.editor).map(str::to_string);
        let hint = super::completion::hint_line(
            signature.as_deref(),
            diagnostic.as_ref().map(|(m, e)| (m.as_str(), *e)),
            &app.theme,
        );
        if let Some(hint) = hint {
            block = block.title_bottom(hint);
        }
    }
    let text_area = EditorView::new(&app.editor, &app.theme)
        .block(block.clone())
        .text_area(area);
    if let Some(text) = text_area {
        app.editor.settle_viewport(text);
    }
    let view = EditorView::new(&app.editor, &app.theme)
        .focused(focused)
        .block(block);
    // The cursor position is only known once the view has scrolled while rendering.
    frame.render_widget(&view, area);
    let pos = view.cursor_position(area);
    if let Some(pos) = pos {
        frame.set_cursor_position(pos);
    }
    pos
}

/// The results pane: a one-line banner for errors and truncation, then the grid.
pub fn draw_results(app: &mut App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Focus::Grid && app.overlay.is_none();
    let mut title = vec![Span::styled(" Results ", app.theme.title)];
    if let Some(result) = &app.result {
        let t = &result.table;
        title.push(Span::styled(
            format!(
                "{} × {} ",
                crate::data::format::count_of(t.row_count(), "row"),
                crate::data::format::count_of(t.columns().len(), "column")
            ),
            app.theme.dim,
        ));
    }
    title.extend(super::grid_actions::results_title(app));
    app.mouse.areas.tabs = super::mouse::tab_hits(app, &title, area);
    let block = pane_block(app, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let banners = banners(app);
    let banner_height = (banners.len() as u16).min(inner.height.saturating_sub(1));
    let [banner_area, grid_area] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Min(0)]).areas(inner);
    if banner_height > 0 {
        frame.render_widget(
            Paragraph::new(banners).wrap(Wrap { trim: false }),
            banner_area,
        );
    }
    app.mouse.areas.grid = Rect::default();
    match &app.result {
        Some(result) => match &app.chart.model {
            Some(Ok(model)) if app.chart.show => {
                super::chart::draw(model, grid_area, frame.buffer_mut(), &app.theme)
            }
            _ => {
                app.mouse.areas.grid = grid_area;
                let sort = app.view.sort.map(|s| (s.column, s.descending));
                let grid = Grid::new(&result.table, &app.theme)
                    .focused(focused)
                    .rows(app.view.rows.as_deref().map(Vec::as_slice))
                    .sorted(sort);
                frame.render_stateful_widget(grid, grid_area, &mut app.grid);
            }
        },
        None if banner_height == 0 => {
            let hint = Line::styled("No results yet. Type a query and press F5.", app.theme.dim);
            frame.render_widget(Paragraph::new(hint).centered(), centered_line(grid_area));
        }
        None => {}
    }
}

fn banners(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(LastRun::Failed { error, offset }) = &app.last {
        let mut text = format!("✗ {}", escape_control(&error.to_string()));
        if let Some(at) = error.position() {
            let (line, col) = line_col(&app.editor.text(), offset + at);
            text.push_str(&format!(" (line {line}, column {col})"));
        }
        lines.push(Line::styled(text, app.theme.error));
    }
    if let Some(LastRun::Cancelled) = &app.last {
        lines.push(Line::styled(
            "Query cancelled; the results below are from the previous run.",
            app.theme.warn,
        ));
    }
    if let Some(refined) = app.result.as_ref().and_then(|r| r.origin.refined.as_ref())
        && refined.source_truncated
    {
        lines.push(Line::styled(
            format!(
                "⚠ MAY BE INCOMPLETE: answered locally from {}, which hit the service's row cap. Shift+F5 asks the service.",
                refined.from
            ),
            app.theme.warn,
        ));
    }
    if let Some(result) = &app.result
        && result.truncated
    {
        lines.push(Line::styled(
            format!(
                "⚠ TRUNCATED: the service stopped at {} rows; rows are missing. Narrow the query (time range, where, summarize).",
                group_digits(result.table.row_count())
            ),
            app.theme.warn,
        ));
    }
    lines
}

fn centered_line(area: Rect) -> Rect {
    let y = area.y + area.height / 2;
    Rect {
        y,
        height: area.height.min(1),
        ..area
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_fit_any_height() {
        for h in 0..60 {
            let (top, bottom) = split_panes(Rect::new(0, 0, 40, h));
            assert_eq!(top.height + bottom.height, h);
        }
    }
}
