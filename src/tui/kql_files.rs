//! `.kql` files in query tabs: open one into a new tab (`kqlhunt FILE.kql`, `:e FILE`), save
//! a tab to its file (Ctrl+S, `:w`) or to a new name (`:saveas FILE`). A file that does not
//! exist yet opens as an empty tab named after it, as vim does. Saving replaces the file
//! atomically (temp file beside it, then rename), keeping an existing file's permissions; a
//! failure is one line in the status bar and the buffer keeps every keystroke.

use std::path::{Path, PathBuf};

use super::app::App;
use super::tabs::title_for;
use crate::data::format::escape_control;

/// The largest `.kql` file the editor opens.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// What reading a query file gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Loaded {
    Text(String),
    /// No such file: the tab starts empty and the first save creates it.
    New,
}

/// Read a query file; the error is one line naming the file.
pub fn read(path: &Path) -> Result<Loaded, String> {
    let shown = escape_control(&path.display().to_string()).into_owned();
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::New),
        Err(e) => return Err(format!("cannot open {shown}: {e}")),
        Ok(m) if m.is_dir() => return Err(format!("cannot open {shown}: it is a directory")),
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            return Err(format!(
                "cannot open {shown}: {} bytes is more than a query file should hold",
                m.len()
            ));
        }
        Ok(_) => {}
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot open {shown}: {e}"))?;
    String::from_utf8(bytes)
        .map(Loaded::Text)
        .map_err(|_| format!("cannot open {shown}: it is not UTF-8 text"))
}

/// Write `text` to `path` atomically (see [`crate::config::write_atomic`]); an existing
/// file keeps its permissions.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    crate::config::write_atomic(path, text.as_bytes(), false)
}

/// `path` from the current directory, so the session finds it from anywhere later.
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// Whether a `:w` target names a query file rather than an export.
pub fn is_query_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("kql") || e.eq_ignore_ascii_case("csl"))
}

impl App {
    /// Open `path` in a tab: switch to it when it is already open, reuse the tab when the
    /// only one is empty and untitled, otherwise open a new one.
    pub fn open_query_file(&mut self, path: PathBuf) {
        let path = absolute(path);
        if let Some(i) = self.queries.find_path(&path) {
            self.switch_query_tab(i);
            return;
        }
        let shown = escape_control(&path.display().to_string()).into_owned();
        let (text, notice) = match read(&path) {
            Ok(Loaded::Text(text)) => (text, format!("opened {shown}")),
            Ok(Loaded::New) => (String::new(), format!("{shown} is a new file")),
            Err(e) => {
                self.notice = Some(e);
                return;
            }
        };
        self.show_query_file(path, &text);
        self.notice = Some(notice);
    }

    /// Show `text`, read from `path`, in a tab as [`App::open_query_file`] does (for callers
    /// that read the file themselves, such as the library pane).
    pub fn show_query_file(&mut self, path: PathBuf, text: &str) {
        let path = absolute(path);
        if let Some(i) = self.queries.find_path(&path) {
            self.switch_query_tab(i);
            return;
        }
        let reuse = self.query_tab_count() == 1
            && self.queries.active_tab().path.is_none()
            && self.editor.text().is_empty();
        if reuse {
            self.editor.set_text(text);
            self.mark_active_saved(path);
        } else {
            self.new_query_tab(Some(title_for(&path)), Some(path), text);
        }
    }

    /// Ctrl+S / bare `:w`: save the active tab to its file, or ask for a name.
    pub fn save_active_tab(&mut self) {
        match self.queries.active_tab().path.clone() {
            Some(path) => self.save_active_tab_as(path),
            None => self.open_command_line("saveas "),
        }
    }

    /// `:saveas FILE` (and `:w FILE.kql`): write the active tab to `path`, which becomes its
    /// file. On failure the tab keeps its text, its old file and its unsaved mark.
    pub fn save_active_tab_as(&mut self, path: PathBuf) {
        let path = absolute(path);
        let shown = escape_control(&path.display().to_string()).into_owned();
        let text = self.editor.text();
        match write_atomic(&path, &text) {
            Ok(()) => {
                self.mark_active_saved(path);
                self.notice = Some(format!(
                    "saved {shown} ({})",
                    crate::data::format::count_of(text.lines().count(), "line")
                ));
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot save a query file");
                self.notice = Some(format!("cannot save {shown}: {e}; the query is still here"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_file_names_are_told_from_exports() {
        assert!(is_query_file(Path::new("hunt.kql")));
        assert!(is_query_file(Path::new("a/HUNT.KQL")));
        assert!(is_query_file(Path::new("x.csl")));
        assert!(!is_query_file(Path::new("hits.csv")));
        assert!(!is_query_file(Path::new("kql")));
    }

    #[test]
    fn a_missing_file_is_new_and_a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read(&dir.path().join("nope.kql")), Ok(Loaded::New));
        assert!(read(dir.path()).unwrap_err().contains("is a directory"));
        std::fs::write(dir.path().join("bin.kql"), [0xff, 0xfe]).unwrap();
        assert!(
            read(&dir.path().join("bin.kql"))
                .unwrap_err()
                .contains("not UTF-8")
        );
    }

    #[cfg(unix)]
    #[test]
    fn saving_keeps_the_permissions_of_the_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.kql");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );
    }
}
