//! Overlays: the key help (generated from the keymap table) and the quit confirmation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::keymap::{Context, Keymap};
use super::theme::Theme;

/// A `width` × `height` box in the middle of `area` (clipped to it).
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

/// A popup at `popup`: what was under it cleared, then `lines` wrapped inside `block`,
/// scrolled down by `scroll` lines.
pub fn draw_popup(
    frame: &mut Frame,
    popup: Rect,
    lines: Vec<Line<'_>>,
    block: Block<'_>,
    theme: &Theme,
    scroll: u16,
) {
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(theme.text)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        popup,
    );
}

/// The help text, one line per binding in effect, grouped by where it applies.
pub fn help_lines(keys: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let rows = keys.help_rows();
    for context in [
        Context::Global,
        Context::Editor,
        Context::Grid,
        Context::Side,
    ] {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(context.title(), theme.title));
        for (_, keys, help) in rows.iter().filter(|(c, ..)| *c == context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<26}"), theme.status_key),
                Span::raw(" "),
                Span::styled(*help, theme.text),
            ]));
        }
    }
    lines.push(Line::raw(""));
    for note in [
        "Ctrl+Enter works where the terminal reports it (kitty keyboard protocol);",
        "F5 and Alt+Enter work everywhere, including tmux and SSH.",
        "Mouse: click, drag, wheel. Shift+drag selects text in most terminals;",
        "[ui] mouse = false in the config leaves the mouse to the terminal.",
    ] {
        lines.push(Line::styled(note, theme.dim));
    }
    lines
}

pub fn draw(frame: &mut Frame, area: Rect, scroll: u16, keys: &Keymap, theme: &Theme) {
    let lines = help_lines(keys, theme);
    let height = (lines.len() as u16).saturating_add(2);
    let popup = centered(area, 84, height);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(" Keys ", theme.title))
        .title_bottom(Line::styled(" Esc closes · ↑↓ scroll ", theme.dim));
    let max_scroll = height.saturating_sub(popup.height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max_scroll), 0)),
        popup,
    );
}

pub fn draw_confirm_quit(frame: &mut Frame, area: Rect, theme: &Theme) {
    let popup = centered(area, 44, 5);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(" Quit? ", theme.title));
    let text = vec![
        Line::raw("A query is still running."),
        Line::from(vec![
            Span::raw("Quit anyway? "),
            Span::styled("y", theme.status_key),
            Span::raw(" / "),
            Span::styled("n", theme.status_key),
        ]),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(text).block(block).centered(), popup);
}
