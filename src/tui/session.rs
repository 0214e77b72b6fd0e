//! The query tabs survive a dropped SSH session: every tab's text, title, file and cursor,
//! and which tab is active, are saved under the data dir when anything changes (at most once
//! a second while typing, and always on the way out, SIGHUP included) and restored at the
//! next start. Owner-only, replaced atomically, so a crash mid-write leaves the previous
//! version. The single `buffer.kql` of older versions is read once and then retired.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::app::App;
use super::editor::Editor;
use super::tabs::QueryTab;

/// The file under the data dir that holds the tabs.
pub const SESSION_FILE: &str = "session.json";
/// The single buffer older versions kept; read when there is no [`SESSION_FILE`].
pub const BUFFER_FILE: &str = "buffer.kql";
/// The least time between two saves while the text keeps changing.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// What [`SESSION_FILE`] holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    pub version: u32,
    pub active: usize,
    pub tabs: Vec<SavedTab>,
}

/// One tab in [`SESSION_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedTab {
    pub title: String,
    #[serde(default)]
    pub path: Option<PathBuf>,
    pub text: String,
    /// The text differs from the file (unsaved edits).
    #[serde(default)]
    pub modified: bool,
    /// (row, column in chars).
    #[serde(default)]
    pub cursor: (usize, usize),
}

/// Where the tabs live and what was last written there.
#[derive(Debug)]
pub struct Session {
    dir: PathBuf,
    /// The tabs' fingerprint last saved (or loaded).
    saved: Option<(u64, Vec<u64>)>,
    last_save: Option<Instant>,
}

impl Session {
    pub fn new(data_dir: &Path) -> Session {
        Session {
            dir: data_dir.to_path_buf(),
            saved: None,
            last_save: None,
        }
    }

    fn file(&self) -> PathBuf {
        self.dir.join(SESSION_FILE)
    }

    /// What the last session left: its tabs, or the old single buffer as one tab. An
    /// unreadable session file is moved aside (`session.json.broken`) and said in the notice.
    pub fn load(&self) -> (Option<SavedSession>, Option<String>) {
        match std::fs::read_to_string(self.file()) {
            Ok(json) => match serde_json::from_str::<SavedSession>(&json) {
                Ok(saved) if !saved.tabs.is_empty() => return (Some(saved), None),
                Ok(_) => return (None, None),
                Err(e) => {
                    let aside = self.dir.join(format!("{SESSION_FILE}.broken"));
                    let _ = std::fs::rename(self.file(), &aside);
                    return (
                        None,
                        Some(format!(
                            "the last session could not be read ({e}); it was kept as {}",
                            aside.display()
                        )),
                    );
                }
            },
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return (None, Some(format!("cannot read the last session: {e}")));
            }
            Err(_) => {}
        }
        let legacy = std::fs::read_to_string(self.dir.join(BUFFER_FILE))
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(|text| SavedSession {
                version: 1,
                active: 0,
                tabs: vec![SavedTab {
                    title: "query 1".into(),
                    path: None,
                    text,
                    modified: false,
                    cursor: (0, 0),
                }],
            });
        (legacy, None)
    }
}

impl App {
    /// Open the tabs the last session left (if any) and keep saving them.
    pub fn restore_session(&mut self, mut session: Session) {
        let (saved, problem) = session.load();
        if let Some(saved) = saved {
            let count = saved.tabs.len();
            let with_text = saved.tabs.iter().any(|t| !t.text.trim().is_empty());
            let tabs = saved
                .tabs
                .into_iter()
                .map(|t| {
                    let mut editor = Editor::from_text(&t.text);
                    editor.set_cursor(t.cursor.0, t.cursor.1);
                    let saved_revision =
                        (t.path.is_some() && !t.modified).then(|| editor.revision());
                    QueryTab {
                        editor,
                        title: t.title,
                        path: t.path,
                        saved_revision,
                    }
                })
                .collect();
            self.set_query_tabs(tabs, saved.active);
            if count > 1 {
                self.notice = Some(format!(
                    "restored {count} query tabs from your last session"
                ));
            } else if with_text {
                self.notice = Some("restored the query text from your last session".into());
            }
        }
        if problem.is_some() {
            self.notice = problem;
        }
        session.saved = Some(self.query_tabs_fingerprint());
        self.session = Some(session);
    }

    /// The tabs as the session file keeps them.
    pub fn saved_session(&self) -> SavedSession {
        let tabs = (0..self.query_tab_count())
            .filter_map(|i| {
                let (tab, editor) = (self.queries.get(i)?, self.tab_editor(i)?);
                Some(SavedTab {
                    title: tab.title.clone(),
                    path: tab.path.clone(),
                    text: editor.text(),
                    modified: self.tab_is_modified(i),
                    cursor: editor.cursor(),
                })
            })
            .collect();
        SavedSession {
            version: 1,
            active: self.queries.active(),
            tabs,
        }
    }

    /// Save the tabs if they changed: at most once per [`SAVE_EVERY`], or now when `force`
    /// (leaving). A failure is said once in the status line and never stops the analyst.
    pub fn save_session(&mut self, now: Instant, force: bool) {
        let fingerprint = self.query_tabs_fingerprint();
        let Some(session) = &self.session else {
            return;
        };
        let due = session
            .last_save
            .is_none_or(|t| now.saturating_duration_since(t) >= SAVE_EVERY);
        if session.saved.as_ref() == Some(&fingerprint) || !(due || force) {
            return;
        }
        let json = match serde_json::to_vec_pretty(&self.saved_session()) {
            Ok(json) => json,
            Err(e) => {
                self.notice = Some(format!("cannot save the session: {e}"));
                return;
            }
        };
        let Some(session) = &mut self.session else {
            return;
        };
        let file = session.file();
        let result = crate::config::write_private_atomic(&file, &json);
        // Do not retry a failure on every keystroke either.
        session.saved = Some(fingerprint);
        session.last_save = Some(now);
        match result {
            Ok(()) => {
                // The tabs now hold everything the old single buffer did.
                let _ = std::fs::remove_file(session.dir.join(BUFFER_FILE));
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot save the query tabs");
                self.notice = Some(format!(
                    "cannot save the query text to {}: {e}",
                    file.display()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendKind;
    use crate::tui::theme::Theme;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("kqlhunt-session-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn the_buffer_comes_back_after_a_restart() {
        let d = dir("restart");
        let t0 = Instant::now();
        let mut app = App::new(BackendKind::Local, Theme::no_color());
        app.restore_session(Session::new(&d));
        assert!(app.editor.is_empty());
        app.editor.insert_str("DeviceEvents\n| take 5");
        app.save_session(t0, false);
        let mut again = App::new(BackendKind::Local, Theme::no_color());
        again.restore_session(Session::new(&d));
        assert_eq!(again.editor.text(), "DeviceEvents\n| take 5");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(d.join(SESSION_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn typing_saves_at_most_once_a_second_but_leaving_always_saves() {
        let d = dir("throttle");
        let t0 = Instant::now();
        let mut app = App::new(BackendKind::Local, Theme::no_color());
        app.restore_session(Session::new(&d));
        let saved = || {
            std::fs::read_to_string(d.join(SESSION_FILE))
                .ok()
                .and_then(|j| serde_json::from_str::<SavedSession>(&j).ok())
                .map(|s| s.tabs[0].text.clone())
                .unwrap_or_default()
        };
        app.editor.insert_str("a");
        app.save_session(t0, false);
        assert_eq!(saved(), "a");
        app.editor.insert_str("b");
        app.save_session(t0 + Duration::from_millis(300), false);
        assert_eq!(saved(), "a", "throttled");
        app.save_session(t0 + Duration::from_millis(400), true);
        assert_eq!(saved(), "ab", "forced on the way out");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn the_old_single_buffer_becomes_the_first_tab_and_is_retired() {
        let d = dir("legacy");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(BUFFER_FILE), "DeviceEvents | take 1").unwrap();
        let mut app = App::new(BackendKind::Local, Theme::no_color());
        app.restore_session(Session::new(&d));
        assert_eq!(app.editor.text(), "DeviceEvents | take 1");
        assert_eq!(app.query_tab_count(), 1);
        app.editor.insert_str("0");
        app.save_session(Instant::now(), true);
        assert!(!d.join(BUFFER_FILE).exists());
        let mut again = App::new(BackendKind::Local, Theme::no_color());
        again.restore_session(Session::new(&d));
        assert_eq!(again.editor.text(), "0DeviceEvents | take 1");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_broken_session_file_is_kept_aside_and_said() {
        let d = dir("broken");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(SESSION_FILE), "{ not json").unwrap();
        let mut app = App::new(BackendKind::Local, Theme::no_color());
        app.restore_session(Session::new(&d));
        assert!(app.notice.as_deref().unwrap().contains("could not be read"));
        assert!(d.join("session.json.broken").exists());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn an_unwritable_place_is_one_notice_not_a_failure() {
        let file =
            std::env::temp_dir().join(format!("kqlhunt-session-file-{}", std::process::id()));
        std::fs::write(&file, "not a directory").unwrap();
        let mut app = App::new(BackendKind::Local, Theme::no_color());
        app.restore_session(Session::new(&file.join("sub")));
        app.editor.insert_str("x");
        app.save_session(Instant::now(), true);
        assert!(
            app.notice
                .as_deref()
                .unwrap()
                .starts_with("cannot save the query text")
        );
        assert_eq!(app.editor.text(), "x");
        let _ = std::fs::remove_file(&file);
    }
}
