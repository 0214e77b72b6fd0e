//! Warn before send: on a metered backend, a query that reads a table with no time filter
//! (lint KQL006) or reaches further back than the 30 days the service keeps (KQL005)
//! spends the tenant's quota on a scan that is slow, capped or empty. F5 then asks first;
//! Enter or `y` sends anyway, Esc or `n` goes back to the editor with the text untouched.
//! Local runs never ask.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::help::{centered, draw_popup};
use super::theme::Theme;
use crate::data::format::escape_control;
use crate::kql::lint::{Code, lint};

/// A query held back until the analyst says to send it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmSend {
    /// Why it asks, one sentence each.
    pub reasons: Vec<String>,
    pub query: String,
    /// Byte offset of the query in the editor text.
    pub offset: usize,
    pub fresh: bool,
}

/// The analyst's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Send,
    Back,
    /// Not an answer; keep asking.
    Undecided,
}

/// Why `query` deserves a second look before it spends quota (empty: send at once).
pub fn reasons(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in lint(query) {
        if !matches!(d.code, Code::NoTimeFilter | Code::Lookback) {
            continue;
        }
        let reason = format!("{} ({})", d.message, d.code);
        if !out.contains(&reason) {
            out.push(reason);
        }
    }
    out
}

impl ConfirmSend {
    pub fn answer(key: &KeyEvent) -> Answer {
        match key.code {
            KeyCode::Enter | KeyCode::Char('y') | KeyCode::Char('Y') => Answer::Send,
            KeyCode::Esc | KeyCode::Char('n') | KeyCode::Char('N') => Answer::Back,
            _ => Answer::Undecided,
        }
    }

    pub fn lines(&self, backend: &str, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = vec![Line::raw(format!(
            "This query spends the tenant's {backend} quota and:"
        ))];
        for r in &self.reasons {
            lines.push(Line::styled(
                format!("  • {}", escape_control(r)),
                theme.warn,
            ));
        }
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "A time filter such as `| where Timestamp > ago(1d)` keeps it fast and cheap.",
            theme.dim,
        ));
        lines.push(Line::from(vec![
            Span::raw("Send anyway? "),
            Span::styled("Enter/y", theme.status_key),
            Span::raw(" sends · "),
            Span::styled("Esc/n", theme.status_key),
            Span::raw(" goes back to the editor"),
        ]));
        lines
    }
}

pub fn draw(state: &ConfirmSend, backend: &str, frame: &mut Frame, area: Rect, theme: &Theme) {
    let lines = state.lines(backend, theme);
    let width = 84;
    // Long reasons wrap: give them room.
    let extra: usize = state
        .reasons
        .iter()
        .map(|r| (r.chars().count() + 4) / (width - 2))
        .sum();
    let popup = centered(area, width as u16, (lines.len() + extra) as u16 + 2);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(" Send this query? ", theme.title));
    draw_popup(frame, popup, lines, block, theme, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbounded_and_too_old_queries_ask_bounded_ones_do_not() {
        assert!(reasons("DeviceProcessEvents | where Timestamp > ago(1d) | take 10").is_empty());
        let r = reasons("DeviceProcessEvents | take 10");
        assert_eq!(r.len(), 1, "{r:?}");
        assert!(r[0].contains("KQL006"), "{r:?}");
        let r = reasons("DeviceProcessEvents | where Timestamp > ago(90d) | take 10");
        assert!(r.iter().any(|r| r.contains("KQL005")), "{r:?}");
    }
}
