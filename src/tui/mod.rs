//! The terminal UI: the `App` state machine, its widgets and the event loop that connects
//! the terminal and the worker. Nothing here talks to the network.

pub mod app;
pub mod buffer_search;
pub mod chart;
pub mod chord;
pub mod clipboard;
pub mod command_line;
pub mod completion;
pub mod confirm;
pub mod detail;
pub mod editor;
pub mod export;
pub mod external_editor;
pub mod grid;
pub mod grid_actions;
pub mod help;
pub mod highlight;
pub mod history;
pub mod history_app;
pub mod inspect;
pub mod keymap;
pub mod kql_files;
pub mod layout;
pub mod library;
pub mod mouse;
pub mod quota_popup;
pub mod results;
pub mod schema;
pub mod schema_tree;
pub mod session;
pub mod settings;
pub mod side_pane;
pub mod signin;
pub mod status;
pub mod tabs;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod vim;

use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc::error::TrySendError;

use crate::worker::WorkerHandle;
use app::App;

/// How the loop should end.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoopOptions {
    /// Draw one frame and return (startup benchmarks).
    pub exit_after_first_frame: bool,
}

/// Run the workbench until the analyst quits or a termination signal arrives. Events are
/// handled in batches: everything that is ready is applied, then one frame is drawn.
pub async fn run(
    terminal: &mut terminal::Tui,
    app: &mut App,
    worker: &mut WorkerHandle,
    opts: LoopOptions,
) -> std::io::Result<()> {
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new()?;
    let mut dirty = true;
    // A resize repaints everything: two quick resizes (a tmux zoom and back) can end at the
    // size ratatui last saw, and the terminal may have cut the old frame meanwhile.
    let mut resized = false;
    #[cfg(debug_assertions)]
    let (panic_on_draw, mut key_seen) = (crate::crash::debug_panic_at("draw"), false);
    loop {
        flush_outbox(app, worker);
        if app.should_quit {
            break;
        }
        // Results grid: finished sorts/filters, and copies whose OSC 52 bytes must reach
        // the real terminal (never through the frame buffer).
        dirty |= app.poll_jobs();
        dirty |= app.poll_side();
        app.save_session(Instant::now(), false);
        if app.take_external_edit() {
            // The key reader's thread must stop before the editor reads the terminal.
            drop(events);
            *terminal = external_edit(app)?;
            events = EventStream::new();
            dirty = true;
        }
        if !app.copies.is_empty() {
            app.flush_copies(&clipboard::Env::from_process(), terminal.backend_mut());
            dirty = true;
        }
        if dirty {
            if std::mem::take(&mut resized) {
                // Not `terminal.clear()`: it asks the terminal where the cursor is, and that
                // answer is lost to the event stream while the loop runs.
                let size = terminal.size()?;
                terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height))?;
            }
            terminal.draw(|f| {
                #[cfg(debug_assertions)]
                if panic_on_draw && key_seen {
                    panic!("KQLHUNT_DEBUG_PANIC=draw: a widget panicked while drawing");
                }
                app.draw(f, Instant::now())
            })?;
            dirty = false;
            if opts.exit_after_first_frame {
                break;
            }
        }
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    let mut ev = Some(ev);
                    while let Some(e) = ev {
                        resized |= matches!(e, Event::Resize(..));
                        #[cfg(debug_assertions)]
                        {
                            key_seen |= matches!(e, Event::Key(_));
                        }
                        dirty |= app.on_event(e);
                        ev = events.next().now_or_never().flatten().and_then(Result::ok);
                    }
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(ev) = worker.events.recv() => {
                app.on_worker_event(ev);
                while let Ok(ev) = worker.events.try_recv() {
                    app.on_worker_event(ev);
                }
                dirty = true;
            }
            _ = tick.tick() => dirty |= app.is_animating(),
            signal = signals.recv() => {
                tracing::info!(signal, "termination signal; leaving");
                app.exit_signal = Some(signal);
                break;
            }
        }
    }
    flush_outbox(app, worker);
    // Quit, SIGTERM or SIGHUP (a dropped SSH session): the text is saved on the way out.
    app.save_session(Instant::now(), true);
    Ok(())
}

/// Ctrl+E: give the terminal to `$VISUAL`/`$EDITOR` on the active query, then take it
/// back. The caller stops the key reader first, so no keystroke meant for the editor is
/// read by the workbench.
fn external_edit(app: &mut App) -> std::io::Result<terminal::Tui> {
    let command =
        external_editor::command_from_env(std::env::var_os("VISUAL"), std::env::var_os("EDITOR"));
    terminal::restore();
    app.run_external_edit(&command, &std::env::temp_dir());
    let tui = terminal::enter()?;
    // `restore` let go of the mouse too; take it back if the analyst has it on.
    if app.mouse.enabled
        && let Err(e) = terminal::enable_mouse()
    {
        tracing::warn!("cannot turn the mouse on again: {e}");
        app.mouse.enabled = false;
    }
    Ok(tui)
}

/// Hand queued commands to the worker without ever blocking the UI.
fn flush_outbox(app: &mut App, worker: &WorkerHandle) {
    let mut pending = std::mem::take(&mut app.outbox).into_iter();
    for cmd in pending.by_ref() {
        match worker.commands.try_send(cmd) {
            Ok(()) => {}
            Err(TrySendError::Full(cmd)) => {
                app.notice = Some("The worker is busy; retrying…".into());
                app.outbox.push(cmd);
                break;
            }
            Err(TrySendError::Closed(_)) => {
                app.notice = Some("The worker has stopped; restart kqlhunt.".into());
                break;
            }
        }
    }
    app.outbox.extend(pending);
}

/// SIGTERM and SIGHUP end the loop like Ctrl+Q does, so the terminal is restored.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The number of the signal that arrived (15 for SIGTERM, 1 for SIGHUP).
    async fn recv(&mut self) -> i32 {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => 15,
            _ = self.hup.recv() => 1,
        }
        #[cfg(not(unix))]
        std::future::pending::<i32>().await
    }
}
