//! Editing the active query in `$VISUAL` / `$EDITOR` (Ctrl+E). The pure part lives here:
//! split the editor command (whitespace and quotes, no shell), write the text to an
//! owner-only temp file, run the command on it and wait, read the file back. The event loop
//! (`tui::run`) leaves and re-enters the terminal around [`edit`], because only it owns the
//! terminal; `App` only raises the request and applies the outcome as one undoable edit.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::app::App;

/// What went wrong, as one line for the status bar; the buffer is left untouched.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the editor command is empty; set $VISUAL or $EDITOR")]
    NoCommand,
    #[error("the editor command has an unclosed quote: {0}")]
    Unbalanced(String),
    #[error("cannot start {program}: {source}; set $VISUAL or $EDITOR")]
    Spawn {
        program: String,
        source: std::io::Error,
    },
    #[error("{program} exited with {status}; the query is unchanged")]
    Failed { program: String, status: String },
    #[error("cannot use a temp file for the editor: {0}")]
    TempFile(std::io::Error),
    #[error("the edited file is not UTF-8 text; the query is unchanged")]
    NotText,
}

/// The editor command from the environment: `$VISUAL`, then `$EDITOR`, then `vi`.
pub fn command_from_env(visual: Option<OsString>, editor: Option<OsString>) -> String {
    [visual, editor]
        .into_iter()
        .flatten()
        .map(|v| v.to_string_lossy().trim().to_string())
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Split a command like `code -w` or `"/opt/my editor/bin/ed" --flag 'a b'` into words:
/// whitespace separates, single and double quotes group, a backslash escapes the next
/// character outside single quotes. No variables, globs or pipes: nothing runs a shell.
pub fn split_command(command: &str) -> Result<Vec<String>, EditError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(EditError::Unbalanced(command.to_string()));
    }
    if in_word {
        words.push(word);
    }
    if words.is_empty() {
        return Err(EditError::NoCommand);
    }
    Ok(words)
}

/// Write `text` to a fresh owner-only `.kql` file under `dir`, run `command FILE` with the
/// current terminal, wait for it, and return the file's text. The temp file is removed.
pub fn edit(command: &str, text: &str, dir: &Path) -> Result<String, EditError> {
    let words = split_command(command)?;
    let path = temp_path(dir);
    crate::config::write_private_atomic(&path, text.as_bytes()).map_err(EditError::TempFile)?;
    let result = run_on(&words, &path).and_then(|()| {
        let bytes = std::fs::read(&path).map_err(EditError::TempFile)?;
        String::from_utf8(bytes).map_err(|_| EditError::NotText)
    });
    let _ = std::fs::remove_file(&path);
    result
}

fn temp_path(dir: &Path) -> PathBuf {
    dir.join(format!(
        "kqlhunt-{}-{}.kql",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ))
}

fn run_on(words: &[String], path: &Path) -> Result<(), EditError> {
    let program = words[0].clone();
    let status = Command::new(&program)
        .args(&words[1..])
        .arg(path)
        .status()
        .map_err(|source| EditError::Spawn {
            program: program.clone(),
            source,
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(EditError::Failed {
            program,
            status: status.to_string(),
        })
    }
}

/// Editors end files with a newline; the buffer did not have one, so drop the one added.
fn settle_trailing_newline(before: &str, after: String) -> String {
    if !before.ends_with('\n') {
        if let Some(s) = after.strip_suffix("\r\n") {
            return s.to_string();
        }
        if let Some(s) = after.strip_suffix('\n') {
            return s.to_string();
        }
    }
    after
}

impl App {
    /// Ctrl+E: ask the event loop to hand the active query to the external editor.
    pub fn request_external_edit(&mut self) {
        self.completion = None;
        self.external_edit = true;
    }

    /// Take the request (the event loop calls this once per turn).
    pub fn take_external_edit(&mut self) -> bool {
        std::mem::take(&mut self.external_edit)
    }

    /// Run the external editor on the active query and apply what it returns as one
    /// undoable edit. The caller has left the terminal's raw mode (or has none, in tests).
    pub fn run_external_edit(&mut self, command: &str, temp_dir: &Path) {
        let before = self.editor.text();
        match edit(command, &before, temp_dir) {
            Ok(after) => {
                let after = settle_trailing_newline(&before, after);
                if after == before {
                    self.notice = Some("the external editor changed nothing".into());
                } else {
                    self.editor.replace_all(&after);
                    self.notice =
                        Some("query updated from the external editor (Ctrl+Z undoes)".into());
                }
            }
            Err(e) => {
                self.notice = Some(crate::data::format::escape_control(&e.to_string()).into_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_like_a_shell_would_without_one() {
        let ok = |s: &str| split_command(s).unwrap();
        assert_eq!(ok("vi"), ["vi"]);
        assert_eq!(ok("  code   -w "), ["code", "-w"]);
        assert_eq!(ok("nvim -u NONE"), ["nvim", "-u", "NONE"]);
        assert_eq!(
            ok("\"/opt/my editor/ed\" 'a b' c\\ d"),
            ["/opt/my editor/ed", "a b", "c d"]
        );
        assert_eq!(ok("ed ''"), ["ed", ""]);
        assert!(matches!(split_command("  "), Err(EditError::NoCommand)));
        assert!(matches!(
            split_command("ed 'oops"),
            Err(EditError::Unbalanced(_))
        ));
    }

    #[test]
    fn visual_wins_then_editor_then_vi() {
        let s = |v: &str| Some(OsString::from(v));
        assert_eq!(command_from_env(s("code -w"), s("nano")), "code -w");
        assert_eq!(command_from_env(s(" "), s("nano")), "nano");
        assert_eq!(command_from_env(None, None), "vi");
    }

    #[test]
    fn a_trailing_newline_the_editor_added_is_dropped() {
        assert_eq!(settle_trailing_newline("a", "a\nb\n".into()), "a\nb");
        assert_eq!(settle_trailing_newline("a\n", "a\nb\n".into()), "a\nb\n");
    }
}
