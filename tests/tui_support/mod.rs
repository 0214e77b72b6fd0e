//! Driving the `App` in whole-screen tests: an app on the local backend, keys, typing, and a
//! frame drawn on ratatui's `TestBackend`.
#![allow(dead_code)]

use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use kqlhunt::backend::BackendKind;
use kqlhunt::tui::app::App;
use kqlhunt::tui::theme::Theme;
use kqlhunt::worker::WorkerEvent;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A monochrome app on the local backend whose dataset is described as `description`.
pub fn app_with(description: &str) -> App {
    let mut app = App::new(BackendKind::Local, Theme::no_color());
    app.on_worker_event(WorkerEvent::Ready {
        description: description.into(),
    });
    app
}

pub fn key(app: &mut App, code: KeyCode, mods: KeyModifiers) {
    app.on_event(Event::Key(KeyEvent::new(code, mods)));
}

/// Type `text` as keys; a newline is Enter.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        match c {
            '\n' => key(app, KeyCode::Enter, KeyModifiers::NONE),
            c => key(app, KeyCode::Char(c), KeyModifiers::NONE),
        }
    }
}

pub fn draw(app: &mut App, w: u16, h: u16, now: Instant) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.draw(f, now)).unwrap();
    terminal
}
