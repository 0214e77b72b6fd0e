//! A pseudo-terminal harness for the end-to-end tests: the real `kqlhunt` binary in a PTY
//! of a given size (openpty from libc, the child a session leader with the PTY as its
//! controlling terminal), a clean environment (KQLHUNT_HOME and HOME in a temp dir,
//! TERM=xterm-256color, no TMUX/DISPLAY/WAYLAND_DISPLAY, so copies go out as OSC 52), a
//! reader thread that keeps every raw byte and feeds a `vt100` screen, and helpers to type,
//! wait for text on the screen, resize and collect the exit status. The harness answers the
//! terminal queries a real terminal would (primary device attributes, without the kitty
//! keyboard protocol), so startup does not wait for a query timeout.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The generous wait for anything on screen: CI is a loaded two-core machine.
pub const WAIT: Duration = Duration::from_secs(20);

/// Window titles and clipboard writes the terminal saw (none may come from data).
#[derive(Default, Debug, Clone)]
pub struct Seen {
    pub titles: Vec<Vec<u8>>,
    pub clipboard: Vec<(Vec<u8>, Vec<u8>)>,
}

impl vt100::Callbacks for Seen {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8], data: &[u8]) {
        self.clipboard.push((ty.to_vec(), data.to_vec()));
    }
}

struct Shared {
    raw: Vec<u8>,
    parser: vt100::Parser<Seen>,
    /// How much of `raw` has been searched for terminal queries.
    scanned: usize,
    eof: bool,
}

/// Keys as a terminal sends them.
#[derive(Clone, Copy, Debug)]
pub enum Key {
    Enter,
    Esc,
    Tab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageDown,
    F(u8),
    ShiftF(u8),
    Ctrl(char),
    Alt(char),
}

impl Key {
    pub fn bytes(self) -> Vec<u8> {
        let fkey = |n: u8| -> &'static str {
            match n {
                1 => "P",
                2 => "Q",
                3 => "R",
                4 => "S",
                5 => "15",
                6 => "17",
                7 => "18",
                8 => "19",
                9 => "20",
                10 => "21",
                _ => panic!("F{n} is not mapped in the harness"),
            }
        };
        match self {
            Key::Enter => b"\r".to_vec(),
            Key::Esc => b"\x1b".to_vec(),
            Key::Tab => b"\t".to_vec(),
            Key::Backspace => b"\x7f".to_vec(),
            Key::Up => b"\x1b[A".to_vec(),
            Key::Down => b"\x1b[B".to_vec(),
            Key::Right => b"\x1b[C".to_vec(),
            Key::Left => b"\x1b[D".to_vec(),
            Key::Home => b"\x1b[H".to_vec(),
            Key::End => b"\x1b[F".to_vec(),
            Key::PageDown => b"\x1b[6~".to_vec(),
            Key::F(n) if n <= 4 => format!("\x1bO{}", fkey(n)).into_bytes(),
            Key::F(n) => format!("\x1b[{}~", fkey(n)).into_bytes(),
            Key::ShiftF(n) if n <= 4 => format!("\x1b[1;2{}", fkey(n)).into_bytes(),
            Key::ShiftF(n) => format!("\x1b[{};2~", fkey(n)).into_bytes(),
            Key::Ctrl(c) => vec![(c.to_ascii_lowercase() as u8) & 0x1f],
            Key::Alt(c) => format!("\x1b{c}").into_bytes(),
        }
    }
}

/// How to start the binary.
pub struct Spawn {
    pub cols: u16,
    pub rows: u16,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl Default for Spawn {
    fn default() -> Self {
        Spawn {
            cols: 120,
            rows: 32,
            args: Vec::new(),
            env: Vec::new(),
        }
    }
}

impl Spawn {
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
    pub fn size(mut self, cols: u16, rows: u16) -> Self {
        self.cols = cols;
        self.rows = rows;
        self
    }
}

/// The running binary in its PTY.
pub struct Pty {
    master: File,
    child: Child,
    shared: Arc<Mutex<Shared>>,
    reader: Option<JoinHandle<()>>,
    status: Option<ExitStatus>,
    pub home: PathBuf,
}

fn winsize(cols: u16, rows: u16) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

fn lock(s: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// Primary device attributes of a VT220-class terminal without the kitty protocol.
const DA_QUERY: &[u8] = b"\x1b[c";
const DA_ANSWER: &[u8] = b"\x1b[?62;22c";
/// Cursor position report.
const CPR_QUERY: &[u8] = b"\x1b[6n";

/// The answers a terminal gives to the queries in the output not yet scanned, in order.
fn answers(s: &mut Shared) -> Vec<u8> {
    let old = s.scanned;
    s.scanned = s.raw.len();
    let mut out = Vec::new();
    // A query may have begun in the last chunk; one that ended there was answered then.
    let mut i = old.saturating_sub(CPR_QUERY.len() - 1);
    while i < s.raw.len() {
        let rest = &s.raw[i..];
        let new = |q: &[u8]| rest.starts_with(q) && i + q.len() > old;
        if new(DA_QUERY) {
            out.extend_from_slice(DA_ANSWER);
        } else if new(CPR_QUERY) {
            let (row, col) = s.parser.screen().cursor_position();
            out.extend_from_slice(format!("\x1b[{};{}R", row + 1, col + 1).as_bytes());
        }
        i += 1;
    }
    out
}

impl Pty {
    /// Start `kqlhunt` with its files under `home`.
    pub fn spawn(home: &Path, spec: Spawn) -> Pty {
        // Tests run on threads of one process: while one opens its PTY, another's fork must
        // not inherit the still-inheritable fds (a stray slave copy would delay the EOF).
        static SPAWN: Mutex<()> = Mutex::new(());
        let spawning = SPAWN.lock().unwrap_or_else(|p| p.into_inner());
        let mut master: libc::c_int = -1;
        let mut slave: libc::c_int = -1;
        let ws = winsize(spec.cols, spec.rows);
        // SAFETY: openpty writes two fds into the given ints; name and termios may be null.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &ws,
            )
        };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both fds were just opened by openpty and are owned here alone.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        set_cloexec(&master);
        set_cloexec(&slave);
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kqlhunt"));
        cmd.args(&spec.args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", home)
            .env("KQLHUNT_HOME", home)
            .env("TERM", "xterm-256color")
            .env("LANG", "C.UTF-8")
            .current_dir(home)
            .stdin(Stdio::from(slave.try_clone().expect("dup slave")))
            .stdout(Stdio::from(slave.try_clone().expect("dup slave")))
            .stderr(Stdio::from(slave));
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        // SAFETY: setsid and ioctl are async-signal-safe; the child becomes a session
        // leader whose controlling terminal is the PTY on its stdin.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn kqlhunt");
        drop(cmd); // closes the parent's copies of the slave, so EOF comes when the child exits
        drop(spawning);
        let master = File::from(master);
        let shared = Arc::new(Mutex::new(Shared {
            raw: Vec::new(),
            parser: vt100::Parser::new_with_callbacks(
                nonzero(spec.rows),
                nonzero(spec.cols),
                0,
                Seen::default(),
            ),
            scanned: 0,
            eof: false,
        }));
        let reader = {
            let mut input = master.try_clone().expect("dup master");
            let mut answer = master.try_clone().expect("dup master");
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                loop {
                    match input.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            let mut s = lock(&shared);
                            s.raw.extend_from_slice(&buf[..n]);
                            s.parser.process(&buf[..n]);
                            let answers = answers(&mut s);
                            drop(s);
                            if !answers.is_empty() {
                                let _ = answer.write_all(&answers);
                            }
                        }
                    }
                }
                lock(&shared).eof = true;
            })
        };
        Pty {
            master,
            child,
            shared,
            reader: Some(reader),
            status: None,
            home: home.to_path_buf(),
        }
    }

    /// Type text as it is (UTF-8), in one write.
    pub fn send(&mut self, text: &str) {
        self.write(text.as_bytes());
    }

    /// Press one key.
    pub fn key(&mut self, key: Key) {
        self.write(&key.bytes());
        // A lone Esc followed at once by more bytes would read as Alt+…: let it land.
        if matches!(key, Key::Esc) {
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn write(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to the pty");
        self.master.flush().expect("flush the pty");
    }

    /// The screen as text, rows joined by newlines.
    pub fn screen_text(&self) -> String {
        lock(&self.shared).parser.screen().contents()
    }

    /// Every byte the binary wrote so far.
    pub fn raw(&self) -> Vec<u8> {
        lock(&self.shared).raw.clone()
    }

    /// Titles and clipboard writes the emulated terminal saw.
    pub fn seen(&self) -> Seen {
        lock(&self.shared).parser.callbacks().clone()
    }

    /// Whether the emulated terminal is on the alternate screen.
    pub fn alternate_screen(&self) -> bool {
        lock(&self.shared).parser.screen().alternate_screen()
    }

    /// Poll the screen until `pred` holds; panic with the screen after `timeout`.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let screen = self.screen_text();
            if pred(&screen) {
                return;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Wait until `text` is on the screen.
    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), WAIT, |s| s.contains(text));
    }

    /// Wait until `text` is no longer on the screen.
    pub fn wait_gone(&self, text: &str) {
        self.wait_until(&format!("{text:?} to go"), WAIT, |s| !s.contains(text));
    }

    /// Wait until the raw output holds `needle` at or after byte `from`.
    pub fn wait_raw(&self, needle: &[u8], from: usize) {
        let start = Instant::now();
        loop {
            let raw = self.raw();
            if find(&raw[from.min(raw.len())..], needle).is_some() {
                return;
            }
            if start.elapsed() > WAIT {
                panic!(
                    "timed out waiting for {:?} in the output; the screen:\n{}",
                    String::from_utf8_lossy(needle),
                    self.screen_text()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Resize the PTY (the child gets SIGWINCH) and the emulated screen.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let ws = winsize(cols, rows);
        lock(&self.shared)
            .parser
            .set_size(nonzero(rows), nonzero(cols));
        // SAFETY: TIOCSWINSZ reads one winsize from the pointer.
        let rc = unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ as _, &ws) };
        assert_eq!(rc, 0, "TIOCSWINSZ: {}", std::io::Error::last_os_error());
    }

    /// Send a signal to the binary.
    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill with the pid of a child this harness spawned and has not reaped.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }

    /// Wait for the binary to exit (panics after `WAIT`), and for its last bytes.
    pub fn exit_status(&mut self) -> ExitStatus {
        if let Some(s) = self.status {
            return s;
        }
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("wait for kqlhunt") {
                break s;
            }
            if start.elapsed() > WAIT {
                let _ = self.child.kill();
                panic!(
                    "kqlhunt did not exit within {WAIT:?}; the screen:\n{}",
                    self.screen_text()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        };
        // The reader sees EOF once no process holds the slave side any more.
        let start = Instant::now();
        while !lock(&self.shared).eof && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.status = Some(status);
        status
    }

    /// Whether the binary is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process id (for signals sent by the test).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.status.is_none() && matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        // The reader ends at EOF; a grandchild still holding the PTY would keep it reading.
        if let Some(r) = self.reader.take()
            && lock(&self.shared).eof
        {
            let _ = r.join();
        }
    }
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal size is never zero")
}

fn set_cloexec(fd: &OwnedFd) {
    // SAFETY: F_SETFD on an fd owned here.
    unsafe {
        libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
    }
}

/// The first offset of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() || hay.len() < needle.len() {
        return 0;
    }
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Every OSC sequence in `raw` (`ESC ]` up to BEL or ST), without its introducer and end.
pub fn oscs(raw: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = find(&raw[i..], b"\x1b]") {
        let start = i + at + 2;
        let mut end = start;
        while end < raw.len()
            && raw[end] != 0x07
            && !(raw[end] == 0x1b && raw.get(end + 1) == Some(&b'\\'))
        {
            end += 1;
        }
        out.push(raw[start..end].to_vec());
        i = end.min(raw.len());
        if i >= raw.len() {
            break;
        }
    }
    out
}

/// Write `<home>/config/config.toml` (0600) with one default profile `fake` that signs in
/// with a client secret at `base` (the loopback fake) and sends queries there; `extra` is
/// appended inside the profile.
pub fn write_fake_profile(home: &Path, backend: &str, base: &str, extra: &str) {
    use super::login::{CLIENT_ID, CLIENT_SECRET, TENANT};
    use std::os::unix::fs::PermissionsExt;
    let dir = home.join("config");
    std::fs::create_dir_all(&dir).expect("config dir");
    let path = dir.join("config.toml");
    let text = format!(
        "default_profile = \"fake\"\n\n[profiles.fake]\nbackend = \"{backend}\"\n\
         tenant = \"{TENANT}\"\nclient_id = \"{CLIENT_ID}\"\n\
         client_secret = \"{CLIENT_SECRET}\"\nlogin_endpoint = \"{base}\"\n\
         endpoint = \"{base}\"\n{extra}"
    );
    std::fs::write(&path, text).expect("write config");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}
