//! Copying to the analyst's clipboard from a jump host: what to copy (a cell, a row, a
//! column or the whole result, as TSV or JSON, with control and bidi characters escaped
//! because the text is attacker-controlled) and how it gets there. Inside tmux the text goes
//! to `tmux load-buffer -w -` (tmux's paste buffer, forwarded to the outer terminal's
//! clipboard as tmux is configured); otherwise an OSC 52 sequence asks the terminal itself;
//! on a machine with a desktop, wl-copy, xclip or pbcopy is used as well. Payloads are
//! capped at [`MAX_BYTES`] and the cap is reported; no route available is a message, never
//! a panic.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;

use crate::data::Table;
use crate::data::format::{escape_control, json_value, plain_text};

/// The most the clipboard is sent: terminals drop larger OSC 52 payloads silently.
pub const MAX_BYTES: usize = 256 * 1024;

/// What part of a result to copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Cell,
    Row,
    Column,
    All,
}

/// How rows are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Tsv,
    Json,
}

/// The text to copy, already escaped, capped at whole rows, with what was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub text: String,
    /// Rows in the text, and rows in the scope.
    pub rows: usize,
    pub of_rows: usize,
    pub scope: Scope,
}

impl Payload {
    pub fn capped(&self) -> bool {
        self.rows < self.of_rows
    }
}

/// JSON text with the characters `serde_json` leaves raw (DEL, C1 controls, bidi
/// overrides) written as `\u` escapes: still valid JSON, never live in a terminal.
fn json_text(v: &serde_json::Value) -> String {
    let text = v.to_string();
    let mut out = String::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        match escape_control(c.encode_utf8(&mut buf)) {
            std::borrow::Cow::Borrowed(_) => out.push(c),
            std::borrow::Cow::Owned(_) => out.push_str(&format!("\\u{:04x}", c as u32)),
        }
    }
    out
}

/// Build the payload for `scope` around the selected `row` and `col` of `table`; `rows`
/// is the order rows are shown in (a sort or filter of the grid), so a copy matches the
/// screen.
pub fn payload(
    table: &Table,
    rows: &[usize],
    (row, col): (usize, usize),
    scope: Scope,
    shape: Shape,
) -> Payload {
    let cols = table.columns();
    let (row_ids, col_ids): (Vec<usize>, Vec<usize>) = match scope {
        Scope::Cell => (rows.get(row).copied().into_iter().collect(), vec![col]),
        Scope::Row => (
            rows.get(row).copied().into_iter().collect(),
            (0..cols.len()).collect(),
        ),
        Scope::Column => (rows.to_vec(), vec![col]),
        Scope::All => (rows.to_vec(), (0..cols.len()).collect()),
    };
    let col_ids: Vec<usize> = col_ids.into_iter().filter(|&c| c < cols.len()).collect();
    let of_rows = row_ids.len();
    let header = scope != Scope::Cell && shape == Shape::Tsv && scope != Scope::Row;
    let mut text = String::new();
    if header {
        let names: Vec<String> = col_ids
            .iter()
            .map(|&c| escape_control(&cols[c].name).into_owned())
            .collect();
        text.push_str(&names.join("\t"));
        text.push('\n');
    }
    if shape == Shape::Json && scope != Scope::Cell {
        text.push('[');
    }
    let mut done = 0;
    for (i, &r) in row_ids.iter().enumerate() {
        let line = match (shape, scope) {
            (Shape::Tsv, _) => col_ids
                .iter()
                .map(|&c| escape_control(&plain_text(cols[c].data.get(r))).into_owned())
                .collect::<Vec<_>>()
                .join("\t"),
            (Shape::Json, Scope::Cell) => json_text(&json_value(cols[col_ids[0]].data.get(r))),
            (Shape::Json, _) => {
                let object: serde_json::Map<String, serde_json::Value> = col_ids
                    .iter()
                    .map(|&c| (cols[c].name.clone(), json_value(cols[c].data.get(r))))
                    .collect();
                json_text(&serde_json::Value::Object(object))
            }
        };
        if text.len() + line.len() + 2 > MAX_BYTES && done > 0 {
            break;
        }
        if shape == Shape::Json && scope != Scope::Cell && i > 0 {
            text.push(',');
        }
        text.push_str(&line);
        if shape == Shape::Tsv && scope != Scope::Cell {
            text.push('\n');
        }
        done += 1;
    }
    if shape == Shape::Json && scope != Scope::Cell {
        text.push(']');
    }
    if text.len() > MAX_BYTES {
        // One row alone over the cap: cut it at a character boundary.
        let mut cut = MAX_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    Payload {
        text,
        rows: done,
        of_rows,
        scope,
    }
}

/// Where the text went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// An OSC 52 sequence to the terminal.
    Osc52,
    /// `tmux load-buffer -w`.
    Tmux,
    /// A desktop clipboard tool (`wl-copy`, `xclip`, `pbcopy`).
    Tool(&'static str),
}

/// What the environment offers, read once from the process environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    pub tmux: bool,
    pub wayland: bool,
    pub x11: bool,
    pub macos: bool,
}

impl Env {
    pub fn from_process() -> Env {
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        Env {
            tmux: set("TMUX"),
            wayland: set("WAYLAND_DISPLAY"),
            x11: set("DISPLAY"),
            macos: cfg!(target_os = "macos"),
        }
    }

    /// The desktop tools worth trying, in order.
    fn tools(&self) -> Vec<(&'static str, &'static [&'static str])> {
        let mut tools: Vec<(&'static str, &'static [&'static str])> = Vec::new();
        if self.wayland {
            tools.push(("wl-copy", &[]));
        }
        if self.x11 {
            tools.push(("xclip", &["-selection", "clipboard"]));
            tools.push(("xsel", &["--clipboard", "--input"]));
        }
        if self.macos {
            tools.push(("pbcopy", &[]));
        }
        tools
    }
}

/// The OSC 52 sequence that asks the terminal to put `text` on its clipboard.
pub fn osc52(text: &str) -> String {
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Feed `text` to a program's stdin; true when it ran and succeeded.
fn pipe_to(program: &str, args: &[&str], text: &str) -> bool {
    let Ok(mut child) = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let wrote = child
        .stdin
        .take()
        .is_some_and(|mut stdin| stdin.write_all(text.as_bytes()).is_ok());
    child.wait().is_ok_and(|s| s.success()) && wrote
}

/// Send `text` everywhere it can go; `terminal` receives the OSC 52 sequence when that is a
/// route. Returns the routes that took it, or a one-line reason when none did.
pub fn copy(text: &str, env: &Env, terminal: &mut dyn Write) -> Result<Vec<Route>, String> {
    let mut routes = Vec::new();
    if env.tmux && pipe_to("tmux", &["load-buffer", "-w", "-"], text) {
        routes.push(Route::Tmux);
    }
    if !env.tmux {
        // Without tmux the terminal is right there: ask it directly.
        if terminal
            .write_all(osc52(text).as_bytes())
            .and_then(|_| terminal.flush())
            .is_ok()
        {
            routes.push(Route::Osc52);
        }
    }
    if let Some((name, _)) = env
        .tools()
        .into_iter()
        .find(|(name, args)| pipe_to(name, args, text))
    {
        routes.push(Route::Tool(name));
    }
    if routes.is_empty() {
        return Err("no clipboard reachable (no tmux buffer, terminal or desktop tool)".into());
    }
    Ok(routes)
}

/// The status line after a copy: `copied 3 rows (1.2 KiB) via tmux`.
pub fn describe(payload: &Payload, routes: &[Route]) -> String {
    let via: Vec<&str> = routes
        .iter()
        .map(|r| match r {
            Route::Osc52 => "terminal (OSC 52)",
            Route::Tmux => "tmux buffer",
            Route::Tool(name) => name,
        })
        .collect();
    let size = if payload.text.len() >= 1024 {
        format!("{:.1} KiB", payload.text.len() as f64 / 1024.0)
    } else {
        format!("{} B", payload.text.len())
    };
    let what = match (payload.scope, payload.rows) {
        (Scope::Cell, _) => "the cell".to_string(),
        (Scope::Row, _) => "the row".to_string(),
        (_, n) => crate::data::format::count_of(n, "row"),
    };
    let mut text = format!("copied {what} ({size}) via {}", via.join(" + "));
    if payload.capped() {
        text.push_str(&format!(
            " · CAPPED at {} KiB: {} of {} rows; export (:w) for all",
            MAX_BYTES / 1024,
            payload.rows,
            payload.of_rows
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::column::column_from_values;
    use crate::data::{Column, Kind, Value};

    fn table() -> Table {
        Table::new(vec![
            Column::new(
                "Cmd",
                column_from_values(
                    Kind::String,
                    [
                        Value::String("a\tb\n\u{1b}]52;c;AAAA\u{7}".into()),
                        Value::String("evil\u{202e}txt.exe".into()),
                    ],
                ),
            ),
            Column::new(
                "N",
                column_from_values(Kind::Long, [Value::Long(1), Value::Long(2)]),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn tsv_escapes_what_would_break_the_grid_or_the_terminal() {
        let p = payload(&table(), &[0, 1], (0, 0), Scope::All, Shape::Tsv);
        assert_eq!(
            p.text,
            "Cmd\tN\na\\tb\\n\\x1b]52;c;AAAA\\x07\t1\nevil\\u{202e}txt.exe\t2\n"
        );
        assert!(!p.capped());
    }

    #[test]
    fn json_stays_valid_json_and_keeps_no_raw_controls() {
        let p = payload(&table(), &[1, 0], (0, 0), Scope::All, Shape::Json);
        assert!(!p.text.chars().any(|c| c.is_control() || c == '\u{202e}'));
        let back: serde_json::Value = serde_json::from_str(&p.text).unwrap();
        // The value survives the round trip exactly, in the grid's order.
        assert_eq!(back[0]["Cmd"], "evil\u{202e}txt.exe");
        assert_eq!(back[1]["N"], 1);
    }

    #[test]
    fn a_cell_a_row_and_a_column_follow_the_shown_order() {
        let t = table();
        assert_eq!(
            payload(&t, &[1, 0], (0, 1), Scope::Cell, Shape::Tsv).text,
            "2"
        );
        assert_eq!(
            payload(&t, &[1, 0], (1, 1), Scope::Row, Shape::Tsv).text,
            "a\\tb\\n\\x1b]52;c;AAAA\\x07\t1\n"
        );
        assert_eq!(
            payload(&t, &[1, 0], (0, 1), Scope::Column, Shape::Tsv).text,
            "N\n2\n1\n"
        );
        // A selection past the end copies nothing rather than panicking.
        assert_eq!(payload(&t, &[], (5, 9), Scope::Cell, Shape::Json).rows, 0);
    }

    #[test]
    fn big_results_are_capped_at_whole_rows_and_say_so() {
        let n = 20_000;
        let t = Table::new(vec![Column::new(
            "S",
            column_from_values(
                Kind::String,
                (0..n).map(|i| Value::String(format!("{i:020}"))),
            ),
        )])
        .unwrap();
        let rows: Vec<usize> = (0..n).collect();
        let p = payload(&t, &rows, (0, 0), Scope::All, Shape::Tsv);
        assert!(p.capped() && p.text.len() <= MAX_BYTES);
        assert!(p.text.ends_with('\n'));
        assert!(describe(&p, &[Route::Osc52]).contains("CAPPED"));
        let cell = payload(&t, &rows, (0, 0), Scope::Cell, Shape::Tsv);
        assert_eq!(
            describe(&cell, &[Route::Tmux]),
            "copied the cell (20 B) via tmux buffer"
        );
    }

    #[test]
    fn osc52_goes_to_the_terminal_outside_tmux() {
        let mut out = Vec::new();
        let routes = copy("hi", &Env::default(), &mut out).unwrap();
        assert_eq!(routes, [Route::Osc52]);
        assert_eq!(out, b"\x1b]52;c;aGk=\x07");
    }

    #[test]
    fn nothing_reachable_is_a_message() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = copy("hi", &Env::default(), &mut Closed).unwrap_err();
        assert!(err.contains("no clipboard"), "{err}");
    }
}
