//! The workbench's state machine: what is on screen and how keys and worker events change
//! it. `App` never touches the terminal or the network: it takes events in, queues
//! `Command`s for the worker in `outbox`, and draws into a ratatui `Frame`. That is what
//! makes whole screens snapshot-testable with scripted worker events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEvent, KeyEventKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::editor::Editor;
use super::grid::GridState;
use super::keymap::{self, Action, Context};
use super::theme::Theme;
use super::{help, layout};
use crate::backend::{BackendKind, RunError, RunRequest};
use crate::data::{DefenderSchema, ResultSet, TableSchema};
use crate::quota::QuotaSnapshot;
use crate::worker::{Command, QueryId, WorkerEvent};

/// Which pane takes keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Editor,
    Grid,
    /// The side pane (F4): schema tree and saved queries.
    Side,
}

/// A modal on top of the panes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    /// The grid's quick-filter prompt (`/`), with what is typed so far.
    Filter {
        text: String,
    },
    /// The selected row, listed vertically.
    Detail(Box<super::detail::Detail>),
    /// The command line (`:open FILE`), with what is typed so far.
    Command {
        text: String,
    },
    /// "Close this tab and lose its unsaved text?"
    ConfirmCloseTab,
    /// Search in the query buffer (Ctrl+F).
    Search(super::buffer_search::SearchPrompt),
    /// The run history (Ctrl+R).
    History(Box<super::history::HistoryOverlay>),
}

/// The query in flight.
#[derive(Clone, Debug)]
pub struct Running {
    pub id: QueryId,
    pub started: Instant,
    /// Byte offset of the query in the editor text, to place error positions.
    pub offset: usize,
    /// Set while the worker holds the query for the quota: when it expects to send it, and why.
    pub queued: Option<(Option<Instant>, String)>,
}

/// The outcome of the last finished run, for the results title and the status bar.
#[derive(Clone, Debug)]
pub enum LastRun {
    /// `cached_age`: answered from the worker's cache, this long after the real run.
    /// `result` is the run's own answer: the status bar describes it even while another
    /// result tab is shown.
    Ok {
        result: Arc<ResultSet>,
        cached_age: Option<Duration>,
    },
    Failed {
        error: RunError,
        offset: usize,
    },
    Cancelled,
}

pub struct App {
    pub editor: Editor,
    /// Syntax colours and diagnostic underlines for `editor`, refreshed before each draw.
    pub highlighter: super::highlight::Highlighter,
    pub grid: GridState,
    pub result: Option<Arc<ResultSet>>,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    /// The device-code sign-in overlay; drawn over everything while it is set.
    pub signin: Option<super::signin::SignIn>,
    /// A query held back until the analyst confirms it may spend quota.
    pub confirm: Option<super::confirm::ConfirmSend>,
    /// The whole quota ledger, as the worker last published it.
    pub quota_details: Option<Box<crate::quota::QuotaDetails>>,
    /// The quota details popup is open, scrolled this far.
    pub quota_popup: Option<u16>,
    pub running: Option<Running>,
    pub last: Option<LastRun>,
    pub backend: BackendKind,
    /// What the backend holds, once it is ready ("demo dataset: 14 tables, 50,210 rows").
    pub backend_info: Option<String>,
    pub quota: QuotaSnapshot,
    /// A one-line notice for the status bar (e.g. "Nothing to run").
    pub notice: Option<String>,
    pub theme: Theme,
    /// The keys in effect (defaults plus the config's `[keys]`).
    pub keymap: keymap::Keymap,
    /// Mouse clicks and the wheel, and where the panes were last drawn (see mouse.rs).
    pub mouse: super::mouse::MouseState,
    /// Commands for the worker; the event loop sends them.
    pub outbox: Vec<Command>,
    pub should_quit: bool,
    /// The termination signal that ended the loop, if one did (the exit code is 128 + it).
    pub exit_signal: Option<i32>,
    next_id: u64,
    /// The open completion list, if any.
    pub completion: Option<super::completion::CompletionState>,
    /// The signature hint under the editor.
    pub signature: super::completion::SignatureCache,
    /// The schema completion uses: bundled, or refreshed from the tenant.
    pub schema: Arc<DefenderSchema>,
    /// Tables the backend holds beyond the schema (opened files, saved results).
    pub extra_tables: Vec<TableSchema>,
    /// The schema refresh in flight.
    pub schema_refresh: Option<QueryId>,
    /// Where a refreshed schema is cached (`None`: not saved).
    pub schema_cache: Option<std::path::PathBuf>,
    // Results grid (see grid_actions.rs): the current tab's view and chart (its result and
    // grid are `result` and `grid`), every tab, and the background sort/filter jobs.
    pub view: super::view::ViewState,
    pub chart: super::results::ChartState,
    pub tabs: Vec<super::results::ResultTab>,
    pub tab: usize,
    pub(crate) jobs: super::view::ViewJobs,
    /// A `:w FILE` export on its way.
    pub export: Option<super::export::ExportJob>,
    /// Where the editor's text is kept between sessions (`None`: not kept).
    pub session: Option<super::session::Session>,
    /// Copies waiting for the event loop to hand them to the terminal.
    pub copies: Vec<super::clipboard::Payload>,
    /// Where runs are recorded, and the run and reopen in flight (history_app.rs).
    pub history: super::history_app::HistoryState,
    /// The side pane: schema tree and library of saved queries.
    pub side: super::side_pane::SidePane,
    // Editor (see tabs.rs, buffer_search.rs, external_editor.rs, vim.rs): the query tabs
    // (`editor` is the active one's), the last buffer search, a request for the event loop
    // to run $EDITOR, and vim mode when it is on.
    pub queries: super::tabs::QueryTabs,
    pub last_search: Option<String>,
    pub(crate) external_edit: bool,
    pub vim: Option<super::vim::Vim>,
}

impl App {
    pub fn new(backend: BackendKind, theme: Theme) -> Self {
        App {
            editor: Editor::new(),
            highlighter: super::highlight::Highlighter::new(),
            grid: GridState::default(),
            result: None,
            focus: Focus::Editor,
            overlay: None,
            signin: None,
            confirm: None,
            quota_details: None,
            quota_popup: None,
            running: None,
            last: None,
            backend,
            backend_info: None,
            quota: QuotaSnapshot::unmetered(backend.name()),
            notice: None,
            theme,
            keymap: keymap::Keymap::default(),
            mouse: Default::default(),
            outbox: Vec::new(),
            should_quit: false,
            exit_signal: None,
            next_id: 1,
            completion: None,
            signature: Default::default(),
            schema: Arc::new(DefenderSchema::bundled().clone()),
            extra_tables: Vec::new(),
            schema_refresh: None,
            schema_cache: None,
            view: Default::default(),
            chart: Default::default(),
            tabs: Vec::new(),
            tab: 0,
            jobs: Default::default(),
            copies: Vec::new(),
            export: None,
            session: None,
            history: Default::default(),
            side: Default::default(),
            queries: Default::default(),
            last_search: None,
            external_edit: false,
            vim: None,
        }
    }

    /// Handle one terminal event. Returns whether anything changed that needs a redraw.
    pub fn on_event(&mut self, event: Event) -> bool {
        match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => {
                self.on_key(key);
                true
            }
            Event::Paste(text) => {
                if self.overlay.is_none() {
                    self.focus = Focus::Editor;
                    self.completion = None;
                    self.editor.paste(&text);
                }
                true
            }
            Event::Mouse(mouse) => self.on_mouse(mouse),
            Event::Resize(..) | Event::FocusGained => true,
            _ => false,
        }
    }

    fn context(&self) -> Context {
        match self.focus {
            Focus::Editor => Context::Editor,
            Focus::Grid => Context::Grid,
            Focus::Side => Context::Side,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) {
        self.notice = None;
        if let Some(signin) = &self.signin {
            return self.on_signin_key(signin.on_key(&key));
        }
        if self.confirm.is_some() {
            return self.on_confirm_send_key(key);
        }
        if let Some(scroll) = &mut self.quota_popup {
            use crossterm::event::KeyCode as K;
            match key.code {
                K::Up | K::Char('k') => *scroll = scroll.saturating_sub(1),
                K::Down | K::Char('j') => *scroll = scroll.saturating_add(1),
                _ => self.quota_popup = None,
            }
            return;
        }
        match self.overlay {
            Some(Overlay::ConfirmQuit) => return self.on_confirm_quit_key(key),
            Some(Overlay::Help { .. }) => return self.on_help_key(key),
            Some(Overlay::Filter { .. }) => return self.on_filter_key(key),
            Some(Overlay::Detail(_)) => return self.on_detail_key(key),
            Some(Overlay::Command { .. }) => return self.on_command_key(key),
            Some(Overlay::ConfirmCloseTab) => return self.on_confirm_close_tab_key(key),
            Some(Overlay::Search(_)) => return self.on_search_key(key),
            Some(Overlay::History(_)) => return self.on_history_key(key),
            None => {}
        }
        if self.on_completion_key(key) {
            return;
        }
        if self.focus == Focus::Side && self.on_side_key(key) {
            return;
        }
        if self.focus == Focus::Editor && self.on_vim_key(key) {
            return;
        }
        match self.keymap.lookup(self.context(), &key) {
            Some(Action::Complete) => return self.open_completion(),
            Some(action) => self.act(action),
            None if self.focus == Focus::Editor => {
                self.editor.input(key);
            }
            None => {}
        }
        self.after_key_for_completion(key);
    }

    fn act(&mut self, action: Action) {
        match action {
            Action::Run => self.run_at_cursor(false),
            Action::RunFresh => self.run_at_cursor(true),
            Action::Cancel => self.cancel(),
            Action::Quit => self.request_quit(),
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::QuotaDetails => self.quota_popup = Some(0),
            Action::FocusNext | Action::FocusPrev => {
                self.focus = super::side_pane::next_focus(
                    self.focus,
                    action == Action::FocusNext,
                    self.side.is_visible(),
                )
            }
            Action::ToggleSide => self.toggle_side_pane(),
            Action::FocusEditor => self.focus = Focus::Editor,
            Action::FocusGrid => self.focus = Focus::Grid,
            Action::Undo => {
                self.editor.undo();
            }
            Action::Redo => {
                self.editor.redo();
            }
            Action::SelectAll => self.editor.select_all(),
            Action::PasteYank => {
                let yanked = self.editor.yank_text();
                self.editor.insert_str(&yanked);
            }
            Action::Up => self.grid.up(1),
            Action::Down => self.grid.down(1),
            Action::Left => self.grid.left(1),
            Action::Right => self.grid.right(1),
            Action::PageUp => self.grid.page_up(),
            Action::PageDown => self.grid.page_down(),
            Action::FirstColumn => self.grid.home(),
            Action::LastColumn => self.grid.end(),
            Action::Top => self.grid.top(),
            Action::Bottom => self.grid.bottom(),
            Action::Complete => self.open_completion(),
            Action::RefreshSchema => self.refresh_schema(),
            Action::CommandLine => self.open_command_line(""),
            Action::OpenFile => self.open_command_line("open "),
            Action::History => self.open_history(),
            Action::EditorBuiltin => {}
            Action::NewTab => self.new_query_tab(None, None, ""),
            Action::CloseTab => self.request_close_tab(),
            Action::NextTab => self.cycle_query_tab(1),
            Action::PrevTab => self.cycle_query_tab(-1),
            Action::GotoTab(n) => self.switch_query_tab(usize::from(n).saturating_sub(1)),
            Action::SaveTab => self.save_active_tab(),
            Action::ExternalEditor => self.request_external_edit(),
            Action::SearchBuffer => self.open_buffer_search(),
            Action::SearchNext => self.repeat_buffer_search(super::buffer_search::Direction::Next),
            Action::SearchPrev => self.repeat_buffer_search(super::buffer_search::Direction::Prev),
            grid_action => self.grid_action(grid_action),
        }
    }

    fn on_confirm_send_key(&mut self, key: KeyEvent) {
        use super::confirm::{Answer, ConfirmSend};
        match ConfirmSend::answer(&key) {
            Answer::Send => {
                if let Some(c) = self.confirm.take() {
                    self.send(c.query, c.offset, c.fresh);
                }
            }
            Answer::Back => self.confirm = None,
            Answer::Undecided => {}
        }
    }

    fn on_signin_key(&mut self, outcome: super::signin::KeyOutcome) {
        use super::signin::KeyOutcome;
        match outcome {
            KeyOutcome::Keep => {}
            KeyOutcome::Close => self.signin = None,
            KeyOutcome::CancelQuery => {
                self.signin = None;
                self.cancel();
            }
        }
    }

    fn on_sign_in(&mut self, event: crate::auth::AuthEvent) {
        use crate::auth::AuthEvent;
        let now = Instant::now();
        match (&mut self.signin, event) {
            (_, AuthEvent::DeviceCode(prompt)) => {
                self.signin = Some(super::signin::SignIn::from_prompt(&prompt, now))
            }
            (Some(signin), event) => signin.apply(event, now),
            (None, AuthEvent::SignedIn { .. }) => {}
            (None, AuthEvent::Failed { message }) => self.notice = Some(message),
        }
    }

    fn on_help_key(&mut self, key: KeyEvent) {
        use crossterm::event::KeyCode as K;
        let Some(Overlay::Help { scroll }) = &mut self.overlay else {
            return;
        };
        match key.code {
            K::Up | K::Char('k') => *scroll = scroll.saturating_sub(1),
            K::Down | K::Char('j') => *scroll = scroll.saturating_add(1),
            K::PageUp => *scroll = scroll.saturating_sub(10),
            K::PageDown => *scroll = scroll.saturating_add(10),
            K::Char('q')
                if key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                self.request_quit()
            }
            _ => self.overlay = None,
        }
    }

    fn on_confirm_quit_key(&mut self, key: KeyEvent) {
        use crossterm::event::KeyCode as K;
        match key.code {
            K::Char('y') | K::Char('Y') | K::Enter => self.quit_now(),
            K::Char('q')
                if key
                    .modifiers
                    .contains(crossterm::event::KeyModifiers::CONTROL) =>
            {
                self.quit_now()
            }
            _ => self.overlay = None,
        }
    }

    pub(crate) fn request_quit(&mut self) {
        if self.running.is_some() {
            self.overlay = Some(Overlay::ConfirmQuit);
        } else {
            self.quit_now();
        }
    }

    fn quit_now(&mut self) {
        if let Some(running) = &self.running {
            let id = running.id;
            self.outbox.push(Command::Cancel { id });
            // Its `Cancelled` will not be read: the history hears it now.
            self.on_history_event(&WorkerEvent::Cancelled { id });
        }
        self.should_quit = true;
    }

    /// Run the selection, or the query under the cursor (queries are separated by blank
    /// lines, as in the Defender portal).
    pub fn run_at_cursor(&mut self, fresh: bool) {
        if self.running.is_some() {
            self.notice = Some("A query is already running; Esc cancels it.".into());
            return;
        }
        let text = self.editor.text();
        let range = self
            .editor
            .selection_byte_range()
            .filter(|r| !text[r.clone()].trim().is_empty())
            .or_else(|| crate::kql::split::query_at(&text, self.editor.cursor_byte_offset()));
        let Some(range) = range else {
            self.notice = Some("Nothing to run: type a query first.".into());
            return;
        };
        let query = text[range.clone()].to_string();
        if self.backend.spends_quota() {
            let reasons = super::confirm::reasons(&query);
            if !reasons.is_empty() {
                self.confirm = Some(super::confirm::ConfirmSend {
                    reasons,
                    query,
                    offset: range.start,
                    fresh,
                });
                return;
            }
        }
        self.send(query, range.start, fresh);
    }

    fn send(&mut self, query: String, offset: usize, fresh: bool) {
        let id = self.alloc_query_id();
        let request = RunRequest::new(query);
        self.note_sent(id, &request);
        self.outbox.push(Command::Run { id, request, fresh });
        self.running = Some(Running {
            id,
            started: Instant::now(),
            offset,
            queued: None,
        });
    }

    /// A fresh id for a command to the worker.
    pub(crate) fn alloc_query_id(&mut self) -> QueryId {
        let id = QueryId(self.next_id);
        self.next_id += 1;
        id
    }

    fn cancel(&mut self) {
        if let Some(running) = &self.running {
            self.outbox.push(Command::Cancel { id: running.id });
            self.notice = Some("Cancelling…".into());
        } else if self.editor.selection_byte_range().is_some() {
            self.editor.cancel_selection();
        }
    }

    /// Apply one event from the worker.
    pub fn on_worker_event(&mut self, event: WorkerEvent) {
        if self.on_schema_event(&event) || self.on_history_event(&event) {
            return;
        }
        let is_current = |app: &App, id: QueryId| app.running.as_ref().is_some_and(|r| r.id == id);
        match event {
            WorkerEvent::Ready { description } => self.backend_info = Some(description),
            WorkerEvent::Opened { opened, tables } => self.on_opened(opened, tables),
            WorkerEvent::OpenFailed { reason } => {
                self.notice = Some(crate::data::format::escape_control(&reason).into_owned())
            }
            WorkerEvent::Unavailable { reason } => {
                self.backend_info = Some("unavailable".into());
                self.notice = Some(reason);
            }
            WorkerEvent::Queued { id, sends_at, why } if is_current(self, id) => {
                if let Some(running) = &mut self.running {
                    running.queued = Some((sends_at, why));
                }
            }
            WorkerEvent::Started { id } if is_current(self, id) => {
                if let Some(running) = &mut self.running {
                    running.queued = None;
                }
            }
            WorkerEvent::Finished {
                id,
                result,
                cached_age,
            } if is_current(self, id) => {
                self.running = None;
                if self.signin.as_ref().is_some_and(|s| !s.is_pending()) {
                    self.signin = None;
                }
                self.last = Some(LastRun::Ok {
                    result: Arc::clone(&result),
                    cached_age,
                });
                self.push_result(result);
            }
            WorkerEvent::Failed { id, error, .. } if is_current(self, id) => {
                let offset = self.running.take().map_or(0, |r| r.offset);
                self.last = Some(LastRun::Failed { error, offset });
            }
            WorkerEvent::Cancelled { id } if is_current(self, id) => {
                self.running = None;
                self.last = Some(LastRun::Cancelled);
            }
            WorkerEvent::Queued { .. }
            | WorkerEvent::Started { .. }
            | WorkerEvent::Finished { .. }
            | WorkerEvent::Failed { .. }
            | WorkerEvent::Cancelled { .. } => {}
            WorkerEvent::Quota(snapshot) => self.quota = snapshot,
            WorkerEvent::SignIn(event) => self.on_sign_in(event),
            WorkerEvent::QuotaDetails(details) => self.quota_details = Some(details),
        }
    }

    /// Whether something on screen changes with time alone (a running query's clock).
    pub fn is_animating(&self) -> bool {
        self.running.is_some()
            || self.view.pending.is_some()
            || self.export.is_some()
            || self.signin.as_ref().is_some_and(|s| s.is_pending())
    }

    /// Draw the whole screen. `now` is injected so snapshots are stable.
    pub fn draw(&mut self, frame: &mut Frame, now: Instant) {
        let area = frame.area();
        let [main, status] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        let (side, main) = self.side_layout(main, area.width);
        if let Some(side) = side {
            super::side_pane::draw(self, frame, side);
        }
        let (editor_area, results_area) = layout::split_panes(main);
        self.mouse.areas.editor = editor_area;
        self.mouse.areas.results = results_area;
        let cursor = layout::draw_editor(self, frame, editor_area);
        layout::draw_results(self, frame, results_area);
        super::status::draw(self, frame, status, now);
        if let (Some(state), Some(cursor)) = (&mut self.completion, cursor) {
            super::completion::draw(frame, state, cursor, main, &self.theme);
        }
        match &mut self.overlay {
            Some(Overlay::Help { scroll }) => {
                help::draw(frame, area, *scroll, &self.keymap, &self.theme)
            }
            Some(Overlay::ConfirmQuit) => help::draw_confirm_quit(frame, area, &self.theme),
            Some(Overlay::Filter { text }) => {
                super::grid_actions::draw_filter_prompt(frame, status, text, &self.theme)
            }
            Some(Overlay::Command { text }) => {
                super::command_line::draw(frame, status, text, &self.theme)
            }
            Some(Overlay::ConfirmCloseTab) => {
                super::tabs::draw_confirm_close(frame, status, &self.theme)
            }
            Some(Overlay::Search(prompt)) => super::buffer_search::draw(
                frame,
                status,
                prompt,
                self.notice.as_deref(),
                &self.theme,
            ),
            Some(Overlay::History(history)) => history.draw(frame, area, &self.theme),
            Some(Overlay::Detail(detail)) => {
                if let Some(result) = &self.result {
                    super::detail::draw(
                        detail,
                        &result.table,
                        area,
                        frame.buffer_mut(),
                        &self.theme,
                    );
                }
            }
            None => {}
        }
        if let Some(scroll) = self.quota_popup {
            let unmetered;
            let details = match self.quota_details.as_deref() {
                Some(d) => d,
                None => {
                    unmetered = crate::quota::QuotaDetails {
                        backend: self.quota.backend.clone(),
                        metered: self.quota.metered,
                        ..Default::default()
                    };
                    &unmetered
                }
            };
            super::quota_popup::draw(details, frame, area, scroll, &self.theme);
        }
        if let Some(confirm) = &self.confirm {
            super::confirm::draw(confirm, self.backend.name(), frame, area, &self.theme);
        }
        if let Some(signin) = &self.signin {
            super::signin::draw(signin, frame, area, now, &self.theme);
        }
    }
}
