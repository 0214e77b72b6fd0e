//! The history on the `App`: each run the workbench sends is recorded when the worker says
//! how it ended (Finished, Failed, Cancelled), Ctrl+R opens the overlay (`history.rs`), and
//! its choices land here: a query goes into the editor (undoably, as a new block), a result comes back from
//! its tab or, through `Command::Reopen`, from what the worker still holds (never the
//! service).

use std::time::Instant;

use crossterm::event::KeyEvent;

use super::app::{App, Focus, LastRun, Overlay};
use super::history::{HistoryOverlay, Reopenable, Step, name_number};
use crate::backend::RunRequest;
use crate::data::format::escape_control;
use crate::data::time::now_ticks;
use crate::history::{Ended, Entry, Recorder};
use crate::worker::refine::KEPT_RESULTS;
use crate::worker::{Command, QueryId, WorkerEvent};

/// The run in flight, as it will be recorded.
#[derive(Debug)]
struct Sent {
    id: QueryId,
    request: RunRequest,
    /// Wall clock (ticks) when it was sent, then when the worker started it.
    at: i64,
    started: Instant,
}

/// The `App`'s history: where runs are recorded, and what is in flight.
#[derive(Debug, Default)]
pub struct HistoryState {
    /// `None`: runs are not recorded (no state dir).
    pub recorder: Option<Recorder>,
    sent: Option<Sent>,
    /// A `Command::Reopen` waiting for its answer.
    reopening: Option<QueryId>,
    /// The highest `$N` this session has seen.
    latest: u64,
    /// A failed write was said once; later ones only go to the log.
    warned: bool,
}

impl App {
    /// Remember the run just sent, to record it when it ends.
    pub(crate) fn note_sent(&mut self, id: QueryId, request: &RunRequest) {
        self.history.sent = Some(Sent {
            id,
            request: request.clone(),
            at: now_ticks(),
            started: Instant::now(),
        });
    }

    /// Record the current run's end and take a reopen's answer. Returns whether the event
    /// was the reopen's (and so is handled).
    pub(crate) fn on_history_event(&mut self, event: &WorkerEvent) -> bool {
        if let WorkerEvent::Finished { result, .. } = event
            && let Some(n) = result.origin.local_name.as_deref().and_then(name_number)
        {
            self.history.latest = self.history.latest.max(n);
        }
        let (WorkerEvent::Started { id }
        | WorkerEvent::Finished { id, .. }
        | WorkerEvent::Failed { id, .. }
        | WorkerEvent::Cancelled { id }) = event
        else {
            return false;
        };
        if self.history.reopening == Some(*id) {
            self.on_reopened(event);
            return true;
        }
        let Some(sent) = self.history.sent.as_mut().filter(|s| s.id == *id) else {
            return false;
        };
        let ended = match event {
            WorkerEvent::Started { .. } => {
                sent.at = now_ticks();
                return false;
            }
            WorkerEvent::Finished {
                result, cached_age, ..
            } => Ended::Finished {
                result,
                cached_age: *cached_age,
            },
            WorkerEvent::Failed { error, elapsed, .. } => Ended::Failed {
                error,
                elapsed: *elapsed,
            },
            _ => Ended::Cancelled {
                elapsed: sent.started.elapsed(),
            },
        };
        let (request, at) = (sent.request.clone(), sent.at);
        self.history.sent = None;
        if let Some(recorder) = &mut self.history.recorder
            && let Err(e) = recorder.record(&request, at, ended)
        {
            tracing::warn!(error = %e, "cannot record the run in the history");
            if !self.history.warned {
                self.history.warned = true;
                self.notice = Some(format!(
                    "cannot write the history to {}: {e}",
                    recorder.store().path().display()
                ));
            }
        }
        false
    }

    /// Ctrl+R: the history, newest first.
    pub(crate) fn open_history(&mut self) {
        self.completion = None;
        let overlay = match &self.history.recorder {
            None => HistoryOverlay::unavailable(
                "The history is off: there is no state directory (set KQLHUNT_HOME).".into(),
            ),
            Some(recorder) => match recorder.store().load() {
                Ok(runs) => HistoryOverlay::new(
                    runs,
                    now_ticks(),
                    Reopenable {
                        session: Some(recorder.session().to_string()),
                        kept_from: (self.history.latest + 1)
                            .saturating_sub(KEPT_RESULTS as u64)
                            .max(1),
                        latest: self.history.latest,
                    },
                ),
                Err(e) => HistoryOverlay::unavailable(format!(
                    "cannot read {}: {e}",
                    recorder.store().path().display()
                )),
            },
        };
        self.overlay = Some(Overlay::History(Box::new(overlay)));
    }

    pub(crate) fn on_history_key(&mut self, key: KeyEvent) {
        let Some(Overlay::History(overlay)) = &mut self.overlay else {
            return;
        };
        match overlay.on_key(&key) {
            Step::Stay => {}
            Step::Close => self.overlay = None,
            Step::Quit => {
                self.overlay = None;
                self.request_quit();
            }
            Step::Edit(entry) => {
                self.overlay = None;
                self.open_in_editor(&entry.query);
            }
            Step::Reopen(entry) => {
                self.overlay = None;
                self.reopen(&entry);
            }
        }
    }

    /// Put a query in the editor as one undoable edit, never over the analyst's text: an
    /// empty editor gets it, otherwise it becomes a new block at the end (blocks are
    /// separated by blank lines, so F5 runs it); a query already there is only found.
    pub fn open_in_editor(&mut self, query: &str) {
        self.focus = Focus::Editor;
        let text = self.editor.text();
        if let Some(at) = text.find(query).filter(|_| !query.is_empty()) {
            self.editor.set_cursor_byte_offset(at);
            self.notice = Some("the query is already in the editor: the cursor is on it".into());
            return;
        }
        if text.trim().is_empty() {
            self.editor.replace_range(0..text.len(), query, 0);
            self.notice = Some("the query from the history is in the editor; F5 runs it".into());
            return;
        }
        let newlines = text.len() - text.trim_end_matches('\n').len();
        let block = format!("{}{query}", "\n".repeat(2usize.saturating_sub(newlines)));
        self.editor.set_cursor_byte_offset(text.len());
        self.editor.insert_str(&block);
        self.editor
            .set_cursor_byte_offset(text.len() + block.len() - query.len());
        self.notice = Some(
            "the query from the history is at the end of the editor; F5 runs it, Ctrl+Z takes it back"
                .into(),
        );
    }

    /// Show a run's result again: its tab if it still has one, else whatever the worker
    /// holds (answered at no quota; when nothing is held the worker says so).
    fn reopen(&mut self, entry: &Entry) {
        let session = self.history.recorder.as_ref().map(|r| r.session());
        let ours = session == Some(entry.session.as_str());
        let tab = self.tabs.iter().rposition(|t| {
            ours && entry.name.is_some()
                && t.result.origin.local_name == entry.name
                && t.result.origin.query == entry.query
        });
        if let Some(index) = tab {
            self.switch_tab(index);
            self.focus = Focus::Grid;
            self.notice = Some(format!(
                "result {} (its tab)",
                escape_control(entry.name.as_deref().unwrap_or(""))
            ));
            return;
        }
        let id = self.alloc_query_id();
        self.history.reopening = Some(id);
        self.outbox.push(Command::Reopen {
            id,
            request: RunRequest {
                query: entry.query.clone(),
                timespan: entry.timespan.clone(),
            },
            name: entry.name.clone().filter(|_| ours),
        });
    }

    fn on_reopened(&mut self, event: &WorkerEvent) {
        match event {
            WorkerEvent::Finished {
                result, cached_age, ..
            } => {
                self.history.reopening = None;
                self.last = Some(LastRun::Ok {
                    result: result.clone(),
                    cached_age: *cached_age,
                });
                self.push_result(result.clone());
                self.focus = Focus::Grid;
            }
            WorkerEvent::Failed { error, .. } => {
                self.history.reopening = None;
                let text = match error {
                    crate::backend::RunError::Refused(why) => why.clone(),
                    other => other.to_string(),
                };
                self.notice = Some(format!(
                    "cannot reopen the result: {}",
                    escape_control(&text)
                ));
            }
            _ => {}
        }
    }
}
