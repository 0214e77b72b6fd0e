//! The sign-in overlay: while a delegated profile signs in with a device code, the URL and
//! the code to enter (plain lines with no frame at their sides, so the terminal's own
//! selection copies them cleanly: there is no browser on a jump host), the time left
//! before the code expires, and how it ended (signed in, declined, expired) with the next
//! step. It only ever shows what the provider put in `AuthEvent`s: never a token.

use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::help::{centered, draw_popup};
use super::theme::Theme;
use crate::auth::{AuthEvent, DeviceCodePrompt};
use crate::data::format::escape_control;

/// Where the sign-in stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Waiting for the analyst to enter the code.
    Pending,
    SignedIn {
        profile: String,
    },
    /// Declined, expired or failed; the message says why and what to do.
    Failed {
        message: String,
    },
}

/// The overlay's state.
#[derive(Clone, Debug)]
pub struct SignIn {
    pub verification_uri: String,
    pub user_code: String,
    /// When the code stops working (from the provider's `expires_at`).
    pub expires: Instant,
    pub outcome: Outcome,
}

/// What a key does to the overlay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyOutcome {
    /// Keep the overlay.
    Keep,
    /// Close it.
    Close,
    /// Close it and cancel the query that waits for the sign-in (which stops it).
    CancelQuery,
}

impl SignIn {
    pub fn from_prompt(prompt: &DeviceCodePrompt, now: Instant) -> SignIn {
        let left = prompt
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        SignIn {
            verification_uri: escape_control(&prompt.verification_uri).into_owned(),
            user_code: escape_control(&prompt.user_code).into_owned(),
            expires: now + left,
            outcome: Outcome::Pending,
        }
    }

    /// Apply a later event. A new prompt replaces this one.
    pub fn apply(&mut self, event: AuthEvent, now: Instant) {
        match event {
            AuthEvent::DeviceCode(prompt) => *self = SignIn::from_prompt(&prompt, now),
            AuthEvent::SignedIn { profile } => self.outcome = Outcome::SignedIn { profile },
            AuthEvent::Failed { message } => self.outcome = Outcome::Failed { message },
        }
    }

    pub fn is_pending(&self) -> bool {
        self.outcome == Outcome::Pending
    }

    pub fn on_key(&self, key: &KeyEvent) -> KeyOutcome {
        match (&self.outcome, key.code) {
            (Outcome::Pending, KeyCode::Esc) => KeyOutcome::CancelQuery,
            (Outcome::Pending, _) => KeyOutcome::Keep,
            _ => KeyOutcome::Close,
        }
    }

    /// The overlay's lines at `now`.
    pub fn lines(&self, now: Instant, theme: &Theme) -> Vec<Line<'static>> {
        let mut lines = vec![Line::raw("")];
        match &self.outcome {
            Outcome::Pending => {
                let left = self.expires.saturating_duration_since(now);
                lines.push(Line::raw(
                    " The service needs you to sign in. On any device with a browser, open",
                ));
                lines.push(Line::raw(""));
                lines.push(Line::styled(
                    format!("   {}", self.verification_uri),
                    theme.title,
                ));
                lines.push(Line::raw(""));
                lines.push(Line::raw(" and enter the code"));
                lines.push(Line::raw(""));
                lines.push(Line::styled(format!("   {}", self.user_code), theme.title));
                lines.push(Line::raw(""));
                if left.is_zero() {
                    lines.push(Line::styled(
                        " The code has expired; Esc, then F5 asks for a new one.",
                        theme.error,
                    ));
                } else {
                    lines.push(Line::from(vec![
                        Span::raw(" The code expires in "),
                        Span::styled(countdown(left), theme.warn),
                        Span::raw(". Waiting for you to finish in the browser…"),
                    ]));
                }
            }
            Outcome::SignedIn { profile } => {
                lines.push(Line::styled(
                    format!(" ✓ Signed in (profile {}).", escape_control(profile)),
                    theme.ok,
                ));
                lines.push(Line::raw(""));
                lines.push(Line::raw(
                    " The query is on its way; the sign-in is remembered for the day.",
                ));
            }
            Outcome::Failed { message } => {
                lines.push(Line::styled(" ✗ The sign-in did not finish.", theme.error));
                lines.push(Line::raw(format!(" {}", escape_control(message))));
                lines.push(Line::raw(""));
                lines.push(Line::raw(
                    " F5 runs the query again and asks for a new code.",
                ));
            }
        }
        lines.push(Line::raw(""));
        lines
    }
}

/// `mm:ss` (or `h:mm:ss` for long codes).
pub fn countdown(d: Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{:02}:{:02}", s / 60, s % 60)
    }
}

/// Draw the overlay over `area`: a band across the whole width framed only by rules above
/// and below, so selecting the URL or the code line with the mouse copies no border
/// characters.
pub fn draw(state: &SignIn, frame: &mut Frame, area: Rect, now: Instant, theme: &Theme) {
    let lines = state.lines(now, theme);
    let popup = centered(area, area.width, lines.len() as u16 + 2);
    let hint = if state.is_pending() {
        " Esc cancels the query and the sign-in "
    } else {
        " any key closes "
    };
    let block = Block::new()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_style(theme.border_focused)
        .title(Line::styled(" Sign in ", theme.title))
        .title_bottom(Line::styled(hint, theme.dim));
    draw_popup(frame, popup, lines, block, theme, 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn prompt() -> DeviceCodePrompt {
        DeviceCodePrompt {
            user_code: "ABC\x1b[2JDEF".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            message: String::new(),
            expires_at: SystemTime::now() + Duration::from_secs(900),
        }
    }

    #[test]
    fn countdown_reads_as_a_clock() {
        assert_eq!(countdown(Duration::from_secs(0)), "00:00");
        assert_eq!(countdown(Duration::from_millis(899_200)), "15:00");
        assert_eq!(countdown(Duration::from_secs(3725)), "1:02:05");
    }

    #[test]
    fn escapes_the_code_and_follows_the_outcome() {
        let now = Instant::now();
        let mut s = SignIn::from_prompt(&prompt(), now);
        assert_eq!(s.user_code, "ABC\\x1b[2JDEF");
        assert!(s.expires > now + Duration::from_secs(890));
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        let x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(s.on_key(&esc), KeyOutcome::CancelQuery);
        assert_eq!(s.on_key(&x), KeyOutcome::Keep);
        s.apply(
            AuthEvent::Failed {
                message: "declined".into(),
            },
            now,
        );
        assert_eq!(s.on_key(&x), KeyOutcome::Close);
    }
}
