//! The editor's text survives a dropped SSH session: it is saved under the data dir when it
//! changes (at most once a second while typing, and always on the way out, SIGHUP included)
//! and restored at the next start. Owner-only, replaced atomically, so a crash mid-write
//! leaves the previous version.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::app::App;

/// The file under the data dir that holds the buffer.
pub const BUFFER_FILE: &str = "buffer.kql";
/// The least time between two saves while the text keeps changing.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Where the buffer lives and what was last written there.
#[derive(Debug)]
pub struct Session {
    path: PathBuf,
    /// The editor revision last saved (or loaded).
    saved: Option<u64>,
    last_save: Option<Instant>,
}

impl Session {
    pub fn new(data_dir: &Path) -> Session {
        Session {
            path: data_dir.join(BUFFER_FILE),
            saved: None,
            last_save: None,
        }
    }

    /// The text saved by the last session, if any.
    pub fn load(&self) -> Option<String> {
        std::fs::read_to_string(&self.path)
            .ok()
            .filter(|t| !t.trim().is_empty())
    }
}

impl App {
    /// Open the editor on the buffer the last session left (if any) and keep saving it.
    pub fn restore_session(&mut self, mut session: Session) {
        if let Some(text) = session.load() {
            self.editor.set_text(&text);
            self.notice = Some("restored the query text from your last session".into());
        }
        session.saved = Some(self.editor.revision());
        self.session = Some(session);
    }

    /// Save the buffer if it changed: at most once per [`SAVE_EVERY`], or now when `force`
    /// (leaving). A failure is said once in the status line and never stops the analyst.
    pub fn save_session(&mut self, now: Instant, force: bool) {
        let Some(session) = &mut self.session else {
            return;
        };
        let revision = self.editor.revision();
        let due = session
            .last_save
            .is_none_or(|t| now.saturating_duration_since(t) >= SAVE_EVERY);
        if session.saved == Some(revision) || !(due || force) {
            return;
        }
        let text = self.editor.text();
        match crate::config::write_private_atomic(&session.path, text.as_bytes()) {
            Ok(()) => {
                session.saved = Some(revision);
                session.last_save = Some(now);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot save the editor buffer");
                self.notice = Some(format!(
                    "cannot save the query text to {}: {e}",
                    session.path.display()
                ));
                // Do not retry on every keystroke.
                session.saved = Some(revision);
                session.last_save = Some(now);
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
            let mode = std::fs::metadata(d.join(BUFFER_FILE))
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
        let saved = || std::fs::read_to_string(d.join(BUFFER_FILE)).unwrap_or_default();
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
