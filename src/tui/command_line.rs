//! The workbench's command line (`:` in the results, Ctrl+O from anywhere): `:open FILE...`
//! reads data files into local tables named after them, through the worker, so a large file
//! never stalls the screen; `:w FILE` writes the result as shown (see `export`). Typed text
//! is kept until Enter or Esc. `:save-query NAME` (`!` to replace) saves the editor's
//! query into the library (see `side_pane`).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;

use super::app::{App, Overlay};
use super::theme::Theme;
use crate::worker::Command;

/// What the command line understands, for its hint.
pub const HINT: &str =
    "open FILE... · w FILE.csv|tsv|json|jsonl · save-query NAME   Enter runs · Esc cancels";

impl App {
    /// Open the command line with `text` already typed.
    pub fn open_command_line(&mut self, text: &str) {
        self.overlay = Some(Overlay::Command { text: text.into() });
    }

    pub(crate) fn on_command_key(&mut self, key: KeyEvent) {
        let Some(Overlay::Command { text }) = &mut self.overlay else {
            return;
        };
        match key.code {
            KeyCode::Esc => self.overlay = None,
            KeyCode::Enter => {
                let line = std::mem::take(text);
                self.overlay = None;
                self.run_command_line(&line);
            }
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
            _ => {}
        }
    }

    /// Run one command line; what it does or why it cannot is said in the status line.
    pub fn run_command_line(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        match words.next() {
            None => {}
            Some("open" | "o" | "e" | "edit") => {
                let paths: Vec<std::path::PathBuf> = words.map(expand_home).collect();
                if paths.is_empty() {
                    self.notice = Some(":open needs a file: :open logons.csv".into());
                } else {
                    self.notice = Some(format!(
                        "opening {}…",
                        crate::data::format::count_of(paths.len(), "file")
                    ));
                    self.outbox.push(Command::Open { paths });
                }
            }
            Some("w" | "write" | "export") => match words.next() {
                Some(path) if words.next().is_none() => self.start_export(expand_home(path)),
                _ => self.notice = Some(":w needs one file: :w hits.csv".into()),
            },
            Some(cmd @ ("save-query" | "sq" | "save-query!" | "sq!")) => {
                let name = line.trim_start()[cmd.len()..].trim();
                if name.is_empty() {
                    self.notice =
                        Some(":save-query needs a name: :save-query lateral/psexec".into());
                } else {
                    self.save_query(name, cmd.ends_with('!'));
                }
            }
            Some(other) => {
                self.notice = Some(format!(
                    "unknown command :{}; try :open FILE",
                    crate::data::format::escape_control(other)
                ));
            }
        }
    }

    /// The worker read the files: say so, and let completion know the new tables.
    pub fn on_opened(&mut self, opened: Vec<String>, tables: Vec<crate::data::TableSchema>) {
        self.notice = Some(format!(
            "opened {}",
            crate::data::format::escape_control(&opened.join(" · "))
        ));
        for table in tables {
            self.extra_tables.retain(|t| t.name != table.name);
            self.extra_tables.push(table);
        }
    }
}

/// `~/x.csv` → the home directory's `x.csv`; other paths as typed.
fn expand_home(word: &str) -> std::path::PathBuf {
    match (word.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => std::path::Path::new(&home).join(rest),
        _ => word.into(),
    }
}

/// The hint while `:save-query! NAME` asks to replace a saved query.
pub const REPLACE_HINT: &str = "that name is taken · Enter replaces it · Esc keeps it";

/// The command line in the status bar's place, with the cursor after the text.
pub fn draw(frame: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    let hint = if text.starts_with("save-query! ") {
        REPLACE_HINT
    } else {
        HINT
    };
    super::grid_actions::draw_prompt(frame, area, (":", text, hint), theme);
}
