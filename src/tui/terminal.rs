//! Taking over the terminal and giving it back: raw mode, alternate screen, bracketed
//! paste, and the kitty keyboard protocol where the terminal supports it (so Ctrl+Enter
//! can be told from Enter). `restore` is idempotent and is also called from the panic hook,
//! so a crash never leaves a broken terminal; the hook then writes a crash report
//! (`crate::crash`) and chains to the previous hook only when no report could be written.
//! Panics on other threads (caught there) leave the terminal alone and only write a report.
//! Mouse capture is switched on separately (`enable_mouse`), only when the config asks for it.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, KeyboardEnhancementFlags,
    PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static KEYBOARD_FLAGS: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Enter the workbench's terminal mode and install the restoring panic hook.
pub fn enter() -> io::Result<Tui> {
    use std::io::IsTerminal;
    if !io::stdout().is_terminal() || !io::stdin().is_terminal() {
        return Err(io::Error::other(
            "the workbench needs a terminal; for scripts and pipes use `kqlhunt run -q '<kql>'`",
        ));
    }
    install_panic_hook();
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    if matches!(terminal::supports_keyboard_enhancement(), Ok(true)) {
        execute!(
            out,
            PushKeyboardEnhancementFlags(
                KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES
                    | KeyboardEnhancementFlags::REPORT_ALTERNATE_KEYS
            )
        )?;
        KEYBOARD_FLAGS.store(true, Ordering::SeqCst);
    }
    let mut terminal = Terminal::new(CrosstermBackend::new(out))?;
    terminal.clear()?;
    Ok(terminal)
}

/// Ask the terminal for mouse events (after `enter`). While it reports them, its own text
/// selection needs Shift (most terminals) or is gone; `[ui] mouse = false` keeps it.
pub fn enable_mouse() -> io::Result<()> {
    if ACTIVE.load(Ordering::SeqCst) && !MOUSE.swap(true, Ordering::SeqCst) {
        execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    Ok(())
}

/// Give the terminal back. Safe to call more than once and from a panic hook.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if MOUSE.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, crossterm::event::DisableMouseCapture);
    }
    if KEYBOARD_FLAGS.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    // The thread that draws: a panic there ends the workbench. A panic on another thread
    // (a task, an export) is caught there and the workbench goes on, so the terminal stays
    // as it is and nothing is printed over the frame; the report is written all the same.
    let ui = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let on_ui = std::thread::current().id() == ui;
        if on_ui {
            restore();
        }
        if !crate::crash::report(info, on_ui) && on_ui {
            previous(info);
        }
    }));
}
