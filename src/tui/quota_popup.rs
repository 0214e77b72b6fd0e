//! The quota details popup: the whole ledger the worker publishes (`QuotaDetails`), one
//! line per window with used / usable (limit), when it frees up and whether it holds the
//! next query back, then what runs and waits, the limits that are not windows, the safety
//! margin, and the last 429 exactly as the service sent it (control characters escaped).

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::help::{centered, draw_popup};
use super::theme::Theme;
use crate::data::format::{escape_control, group_digits};
use crate::quota::limits::short_duration;
use crate::quota::{QuotaDetails, WindowDetail};

fn secs(s: f64) -> String {
    short_duration(Duration::from_secs(s.max(0.0).round() as u64))
}

/// Whole days as `30d`, anything else as `short_duration` does.
fn span(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 86_400 && s.is_multiple_of(86_400) && d.subsec_nanos() == 0 {
        format!("{}d", s / 86_400)
    } else {
        short_duration(d)
    }
}

fn wait(d: Duration) -> String {
    short_duration(Duration::from_secs(d.as_secs_f64().ceil() as u64))
}

fn figures(w: &WindowDetail) -> String {
    if w.is_time {
        format!("{} / {} ({})", secs(w.used), secs(w.usable), secs(w.limit))
    } else {
        format!(
            "{} / {} ({})",
            group_digits(w.used as usize),
            group_digits(w.usable as usize),
            group_digits(w.limit as usize)
        )
    }
}

/// The popup's lines.
pub fn lines(d: &QuotaDetails, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if !d.metered {
        out.push(Line::raw(format!(
            " {} spends no tenant quota: nothing is counted.",
            escape_control(&d.backend)
        )));
        return out;
    }
    out.push(Line::styled(
        format!(
            " {:<18}{:<28}{:<14}{}",
            "window", "used / usable (limit)", "frees up in", "next query"
        ),
        theme.header,
    ));
    for w in &d.windows {
        let frees = w.frees_in.map_or("—".to_string(), wait);
        let (next, style) = match w.blocks_for {
            Some(b) => (format!("waits {}", wait(b)), theme.warn),
            None => ("has room".to_string(), theme.ok),
        };
        let mut spans = vec![
            Span::raw(format!(" {:<18}", w.label)),
            Span::raw(format!("{:<28}", figures(w))),
            Span::raw(format!("{frees:<14}")),
            Span::styled(next, style),
        ];
        if w.learned {
            spans.push(Span::styled(" (learned from a 429)", theme.dim));
        }
        out.push(Line::from(spans));
    }
    out.push(Line::raw(""));
    out.push(Line::raw(format!(
        " Running {} · queued {} · sent this session {}",
        d.in_flight,
        d.queued,
        group_digits(d.session_calls as usize)
    )));
    match d.throttled_for {
        Some(t) => out.push(Line::styled(
            format!(" THROTTLED by the service: nothing is sent for {}", wait(t)),
            theme.error,
        )),
        None => out.push(Line::styled(" Not throttled.", theme.ok)),
    }
    out.push(Line::raw(format!(
        " Per query: timeout {} · at most {} rows · {} of data",
        short_duration(d.query_timeout),
        group_digits(d.max_rows as usize),
        span(d.lookback)
    )));
    out.push(Line::styled(
        format!(
            " Safety: every window counts {} longer; {:.0}% of each budget stays unused",
            short_duration(d.skew),
            d.headroom * 100.0
        ),
        theme.dim,
    ));
    if let Some(path) = &d.shared_file {
        out.push(Line::styled(
            " Shared with the user's other kqlhunt windows through",
            theme.dim,
        ));
        out.push(Line::styled(
            format!("   {}", escape_control(path)),
            theme.dim,
        ));
    }
    if let Some(w) = &d.warning {
        out.push(Line::styled(
            format!(" ⚠ {}", escape_control(w)),
            theme.warn,
        ));
    }
    out.push(Line::raw(""));
    match &d.last_throttle {
        Some(t) => {
            out.push(Line::raw(format!(
                " Last 429, {} ago (waited {}), verbatim:",
                wait(t.ago),
                wait(t.wait)
            )));
            out.push(Line::styled(
                format!("   {}", escape_control(&t.body)),
                theme.text,
            ));
        }
        None => out.push(Line::styled(" No 429 so far.", theme.dim)),
    }
    out
}

pub fn draw(d: &QuotaDetails, frame: &mut Frame, area: Rect, scroll: u16, theme: &Theme) {
    let lines = lines(d, theme);
    let width = 96u16;
    // The 429 body may wrap over a few lines.
    let wrapped: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(usize::from(width - 2)).max(1))
        .sum();
    let popup = centered(area, width, wrapped as u16 + 2);
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(
            format!(" Quota · {} ", escape_control(&d.backend)),
            theme.title,
        ))
        .title_bottom(Line::styled(" Esc closes · ↑↓ scroll ", theme.dim));
    draw_popup(frame, popup, lines, block, theme, scroll);
}
