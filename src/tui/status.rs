//! The status bar: backend, what the last run returned and how long it took, the tenant
//! quota spent (each window as used / what the ledger will use, so a full gauge means
//! queries wait; F2 shows the configured limits and the margin), the queue, and the keys
//! that matter now. Segments drop from the right when the
//! terminal is narrow; the backend and the run state always stay.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, LastRun};
use crate::data::format::{count_of, display_width, escape_control};
use crate::data::time::human_duration;
use crate::quota::{QuotaSnapshot, WindowUsage};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn draw(app: &App, frame: &mut Frame, area: Rect, now: Instant) {
    let t = &app.theme;
    let info = app
        .backend_info
        .clone()
        .unwrap_or_else(|| "loading…".into());
    // (priority: lower survives longer on a narrow terminal, spans), in display order.
    let mut segments: Vec<(u8, Vec<Span<'static>>)> = vec![
        (
            0,
            vec![Span::styled(
                format!(" {} ", app.backend.name().to_uppercase()),
                t.status_key,
            )],
        ),
        (4, vec![Span::styled(info, t.status)]),
        (1, run_segment(app, now)),
        (3, quota_gauges(&app.quota, t)),
    ];
    if let Some(queued) = app
        .quota_details
        .as_ref()
        .map(|d| d.queued)
        .filter(|&n| n > 0)
    {
        segments.push((3, vec![Span::styled(format!("queue {queued}"), t.warn)]));
    }
    if let Some(notice) = &app.notice {
        segments.push((
            2,
            vec![Span::styled(escape_control(notice).into_owned(), t.warn)],
        ));
    }
    let hints = Span::styled(app.keymap.status_hints(app.quota.metered), t.dim);
    let width = area.width as usize;
    // Gauges when there is room, plain numbers when there is not.
    let total_wide: usize = segments
        .iter()
        .flat_map(|(_, s)| s.iter())
        .map(|s| display_width(&s.content) + 3)
        .sum();
    if total_wide > width
        && let Some(seg) = segments.iter_mut().find(|(p, _)| *p == 3)
    {
        seg.1 = vec![Span::styled(quota_text(&app.quota), t.status)];
    }
    let seg_width = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| display_width(&s.content))
            .sum::<usize>()
    };
    let total =
        |segs: &[(u8, Vec<Span>)]| segs.iter().map(|(_, s)| seg_width(s) + 3).sum::<usize>();
    while total(&segments) > width + 3 && segments.len() > 1 {
        let drop = segments
            .iter()
            .enumerate()
            .max_by_key(|(_, (p, _))| *p)
            .map_or(0, |(i, _)| i);
        segments.remove(drop);
    }
    let used = total(&segments).saturating_sub(3);
    let mut spans = Vec::new();
    for (i, (_, seg)) in segments.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" │ ", t.dim));
        }
        spans.extend(seg);
    }
    let hint_width = display_width(&hints.content);
    if used + hint_width + 2 <= width {
        spans.push(Span::raw(" ".repeat(width - used - hint_width)));
        spans.push(hints);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.status), area);
}

fn run_segment(app: &App, now: Instant) -> Vec<Span<'static>> {
    let t = &app.theme;
    if let Some(running) = &app.running {
        if let Some((sends_at, why)) = &running.queued {
            let when = match sends_at {
                Some(at) => format!(
                    "sends in {}s",
                    at.saturating_duration_since(now).as_secs_f64().ceil() as u64
                ),
                None => "waiting".into(),
            };
            return vec![Span::styled(
                format!("⏳ queued, {when} ({why}) · Esc cancels"),
                t.warn,
            )];
        }
        let elapsed = now.saturating_duration_since(running.started);
        let frame = (elapsed.as_millis() / 100) as usize % SPINNER.len();
        return vec![Span::styled(
            format!(
                "{} running {} · Esc cancels",
                SPINNER[frame],
                human_duration(elapsed)
            ),
            t.warn,
        )];
    }
    match &app.last {
        None => vec![Span::styled("ready", t.dim)],
        Some(LastRun::Ok { result, cached_age }) => {
            let timing = match (cached_age, result.origin.refined.as_ref()) {
                (Some(age), _) => format!(
                    "cached {} ago, 0 quota · Shift+F5 reruns",
                    human_duration(*age)
                ),
                (None, Some(refined)) => format!(
                    "{} · {} · Shift+F5 asks the service",
                    human_duration(result.origin.elapsed),
                    crate::worker::refine::describe(refined)
                ),
                (None, None) => human_duration(result.origin.elapsed),
            };
            let name = result
                .origin
                .local_name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let mut spans = vec![Span::styled(
                format!(
                    "{}{name} · {timing}",
                    count_of(result.table.row_count(), "row")
                ),
                t.ok,
            )];
            if result.truncated {
                spans.push(Span::styled(" · TRUNCATED", t.error));
            }
            spans
        }
        Some(LastRun::Failed { .. }) => vec![Span::styled("✗ failed (see results pane)", t.error)],
        Some(LastRun::Cancelled) => vec![Span::styled("cancelled", t.warn)],
    }
}

/// `quota 0 spent (local)`, or each window as `calls 3/45 min`.
pub fn quota_text(q: &QuotaSnapshot) -> String {
    if !q.metered {
        return "0 quota (local)".into();
    }
    let mut parts: Vec<String> = q.windows.iter().map(window_text).collect();
    if let Some(wait) = q.throttled_for {
        parts.push(format!("THROTTLED {}s", wait.as_secs()));
    }
    if parts.is_empty() {
        parts.push(format!("{} calls this session", q.session_calls));
    }
    format!("quota: {}", parts.join(" · "))
}

const GAUGE_CELLS: usize = 6;
const EIGHTHS: [char; 8] = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

/// A small bar for `fraction` (0..=1) in `GAUGE_CELLS` cells, with eighth-cell precision.
pub fn gauge(fraction: f64) -> String {
    let eighths = (fraction.clamp(0.0, 1.0) * (GAUGE_CELLS * 8) as f64).round() as usize;
    let mut bar = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        bar.push(EIGHTHS[eighths % 8 - 1]);
    }
    let used = bar.chars().count();
    bar.push_str(&" ".repeat(GAUGE_CELLS - used));
    bar
}

/// Each quota window as a gauge plus its figures, coloured by how close it is to the limit.
fn quota_gauges(q: &QuotaSnapshot, t: &super::theme::Theme) -> Vec<Span<'static>> {
    if !q.metered || q.windows.is_empty() {
        return vec![Span::styled(quota_text(q), t.status)];
    }
    let mut spans = Vec::new();
    for (i, w) in q.windows.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ", t.status));
        }
        let fraction = if w.limit > 0.0 { w.used / w.limit } else { 1.0 };
        let style = if fraction >= 0.9 {
            t.error
        } else if fraction >= 0.7 {
            t.warn
        } else {
            t.ok
        };
        spans.push(Span::styled(format!("{} ", w.label), t.status));
        spans.push(Span::styled(format!("▕{}▏", gauge(fraction)), style));
        spans.push(Span::styled(window_figures(w), t.status));
    }
    if let Some(wait) = q.throttled_for {
        spans.push(Span::styled(
            format!(" THROTTLED {}s", wait.as_secs_f64().ceil() as u64),
            t.error,
        ));
    }
    spans
}

fn window_figures(w: &WindowUsage) -> String {
    if w.is_time {
        let f = |s: f64| human_duration(std::time::Duration::from_secs_f64(s.max(0.0)));
        format!("{}/{}", f(w.used), f(w.limit))
    } else {
        format!("{}/{}", w.used as u64, w.limit as u64)
    }
}

fn window_text(w: &WindowUsage) -> String {
    format!("{} {}", w.label, window_figures(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_fill_by_eighths() {
        assert_eq!(gauge(0.0), "      ");
        assert_eq!(gauge(1.0), "██████");
        assert_eq!(gauge(0.5), "███   ");
        assert_eq!(gauge(1.0 / 48.0), "▏     ");
        assert_eq!(gauge(7.0), "██████");
        assert_eq!(gauge(f64::NAN).chars().count(), 6);
    }

    #[test]
    fn quota_text_for_local_and_metered() {
        assert_eq!(
            quota_text(&QuotaSnapshot::unmetered("local")),
            "0 quota (local)"
        );
        let q = QuotaSnapshot {
            backend: "graph".into(),
            metered: true,
            windows: vec![
                WindowUsage {
                    label: "calls/min".into(),
                    used: 3.0,
                    limit: 45.0,
                    is_time: false,
                },
                WindowUsage {
                    label: "run/h".into(),
                    used: 42.0,
                    limit: 600.0,
                    is_time: true,
                },
            ],
            throttled_for: Some(std::time::Duration::from_secs(12)),
            session_calls: 3,
        };
        assert_eq!(
            quota_text(&q),
            "quota: calls/min 3/45 · run/h 42.0 s/10m 00s · THROTTLED 12s"
        );
    }
}
