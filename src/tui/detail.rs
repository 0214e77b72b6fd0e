//! The row detail overlay: one record listed vertically (`name │ value`), long strings
//! wrapped, dynamic values as a folded JSON tree (Enter/Space or ←/→ on a `▸`/`▾` line folds
//! it). Everything is escaped; a value longer than [`MAX_VALUE_BYTES`] is cut and says so.

use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::theme::Theme;
use crate::data::format::{display_text, display_width, escape_control, group_digits};
use crate::data::{Kind, Table};

/// The most of one value the overlay shows; the rest is counted.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;
/// Narrowest cap of the name column; wider screens give it up to a third of the width, so
/// Defender's long names (`InitiatingProcessVersionInfoFileDescription`) stay whole.
const MIN_NAME_WIDTH: usize = 16;

/// Which record, where the cursor is, and which JSON nodes are folded the other way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detail {
    /// View position (for the title) and table row.
    pub position: usize,
    pub row: usize,
    /// Shown rows, for the title.
    pub of: usize,
    /// Cursor line and first line on screen.
    pub cursor: usize,
    pub scroll: usize,
    /// Nodes toggled from their default (top level open, nested closed).
    pub toggled: BTreeSet<String>,
    /// Text width at the last draw (lines wrap to it).
    pub width: u16,
    /// Lines that fit at the last draw.
    pub height: u16,
}

/// One screen line of the overlay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailLine {
    /// The name column (empty on continuation lines).
    pub name: String,
    /// Escaped text of the value column.
    pub text: String,
    /// The JSON node this line folds, if any.
    pub node: Option<String>,
    /// Whether that node is open.
    pub open: bool,
}

impl Detail {
    pub fn new(position: usize, row: usize, of: usize) -> Detail {
        Detail {
            position,
            row,
            of,
            width: 80,
            height: 20,
            ..Detail::default()
        }
    }

    fn is_open(&self, node: &str, depth: usize) -> bool {
        (depth == 0) != self.toggled.contains(node)
    }

    /// The overlay's lines at `width` cells.
    pub fn lines(&self, table: &Table, width: u16) -> Vec<DetailLine> {
        let cols = table.columns();
        let name_w = cols
            .iter()
            .map(|c| display_width(&escape_control(&c.name)))
            .max()
            .unwrap_or(0)
            .min((usize::from(width) / 3).max(MIN_NAME_WIDTH));
        let value_w = usize::from(width).saturating_sub(name_w + 3).max(8);
        let mut out = Vec::new();
        for (c, column) in cols.iter().enumerate() {
            let name =
                crate::data::format::truncate_to_width(&escape_control(&column.name), name_w)
                    .into_owned();
            if self.row >= column.data.len() {
                continue;
            }
            let value = column.data.get(self.row);
            let first = out.len();
            let parsed = match value {
                crate::data::ValueRef::Dynamic(j) if column.kind() == Kind::Dynamic => {
                    serde_json::from_str::<serde_json::Value>(j).ok()
                }
                _ => None,
            };
            match parsed {
                Some(json @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => {
                    self.tree(&json, &format!("{c}"), 0, "", value_w, &mut out);
                }
                _ => {
                    let text = capped(value);
                    wrap_into(&text, value_w, None, false, &mut out);
                }
            }
            if let Some(line) = out.get_mut(first) {
                line.name = name;
            }
        }
        out
    }

    fn tree(
        &self,
        json: &serde_json::Value,
        path: &str,
        depth: usize,
        label: &str,
        width: usize,
        out: &mut Vec<DetailLine>,
    ) {
        use serde_json::Value as J;
        let indent = "  ".repeat(depth);
        let children: Vec<(String, &J)> = match json {
            J::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
            J::Array(a) => a
                .iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
            scalar => {
                let text = format!(
                    "{indent}{label}{}",
                    escape_control(&cap_str(&scalar.to_string()))
                );
                wrap_into(&text, width, None, false, out);
                return;
            }
        };
        let open = self.is_open(path, depth);
        let summary = match json {
            J::Object(_) if open => "{".to_string(),
            J::Object(_) => format!("{{…}} {} keys", children.len()),
            _ if open => "[".to_string(),
            _ => format!("[…] {} items", children.len()),
        };
        let marker = if open { '▾' } else { '▸' };
        let text = format!("{indent}{marker} {label}{summary}");
        wrap_into(&text, width, Some(path.to_string()), open, out);
        if !open {
            return;
        }
        for (key, child) in children {
            let label = match json {
                J::Object(_) => format!("{}: ", escape_control(&key)),
                _ => format!("{key}: "),
            };
            self.tree(
                child,
                &format!("{path}/{key}"),
                depth + 1,
                &label,
                width,
                out,
            );
        }
        let close = if matches!(json, J::Object(_)) {
            "}"
        } else {
            "]"
        };
        out.push(DetailLine {
            name: String::new(),
            text: format!("{indent}{close}"),
            node: None,
            open: false,
        });
    }

    /// Move the cursor by `delta` lines within `count`.
    pub fn move_cursor(&mut self, delta: isize, count: usize) {
        let max = count.saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(max);
    }

    /// Open (`Some(true)`), close (`Some(false)`) or flip (`None`) the node under the cursor.
    /// Returns whether anything changed.
    pub fn fold(&mut self, table: &Table, open: Option<bool>) -> bool {
        let lines = self.lines(table, self.width);
        let Some(DetailLine {
            node: Some(node),
            open: is_open,
            ..
        }) = lines.get(self.cursor)
        else {
            return false;
        };
        let want = open.unwrap_or(!is_open);
        if want == *is_open {
            return false;
        }
        if !self.toggled.remove(node) {
            self.toggled.insert(node.clone());
        }
        true
    }
}

/// A value's escaped text, cut at [`MAX_VALUE_BYTES`] with a note.
fn capped(value: crate::data::ValueRef<'_>) -> String {
    use crate::data::ValueRef as V;
    match value {
        V::String(s) | V::Dynamic(s) if s.len() > MAX_VALUE_BYTES => {
            let mut end = MAX_VALUE_BYTES;
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            format!(
                "{}… ({} more bytes)",
                escape_control(&s[..end]),
                group_digits(s.len() - end)
            )
        }
        V::Null => String::new(),
        v => display_text(v).into_owned(),
    }
}

fn cap_str(s: &str) -> String {
    if s.len() <= MAX_VALUE_BYTES {
        return s.to_string();
    }
    let mut end = MAX_VALUE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… ({} more bytes)",
        &s[..end],
        group_digits(s.len() - end)
    )
}

/// Break escaped `text` into lines of at most `width` cells.
fn wrap_into(
    text: &str,
    width: usize,
    node: Option<String>,
    open: bool,
    out: &mut Vec<DetailLine>,
) {
    let width = width.max(1);
    let mut line = String::new();
    let mut used = 0;
    let mut first = true;
    let push = |line: &mut String, out: &mut Vec<DetailLine>, first: &mut bool| {
        out.push(DetailLine {
            name: String::new(),
            text: std::mem::take(line),
            node: if *first { node.clone() } else { None },
            open,
        });
        *first = false;
    };
    for c in text.chars() {
        let w = display_width(c.encode_utf8(&mut [0; 4]));
        if used + w > width && !line.is_empty() {
            push(&mut line, out, &mut first);
            used = 0;
        }
        line.push(c);
        used += w;
    }
    if !line.is_empty() || first {
        push(&mut line, out, &mut first);
    }
}

/// Draw the overlay over `area` (most of the screen).
pub fn draw(detail: &mut Detail, table: &Table, area: Rect, buf: &mut Buffer, theme: &Theme) {
    let popup = Rect {
        x: area.x + area.width / 20,
        y: area.y + area.height / 20,
        width: area.width - area.width / 10,
        height: area.height - area.height / 10,
    };
    Clear.render(popup, buf);
    let title = format!(
        " Row {} of {} ",
        group_digits(detail.position + 1),
        group_digits(detail.of)
    );
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Line::styled(title, theme.title))
        .title_bottom(Line::styled(
            " ↑↓ move  Enter/Space/←→ fold  Esc close ",
            theme.dim,
        ));
    let inner = block.inner(popup);
    block.render(popup, buf);
    if inner.is_empty() {
        return;
    }
    detail.width = inner.width;
    detail.height = inner.height;
    let lines = detail.lines(table, inner.width);
    detail.cursor = detail.cursor.min(lines.len().saturating_sub(1));
    let h = usize::from(inner.height);
    if detail.cursor < detail.scroll {
        detail.scroll = detail.cursor;
    } else if detail.cursor >= detail.scroll + h {
        detail.scroll = detail.cursor + 1 - h;
    }
    let name_w = lines
        .iter()
        .map(|l| display_width(&l.name))
        .max()
        .unwrap_or(0);
    let shown: Vec<Line> = lines
        .iter()
        .enumerate()
        .skip(detail.scroll)
        .take(h)
        .map(|(i, l)| {
            let pad = name_w.saturating_sub(display_width(&l.name));
            let style = if i == detail.cursor {
                theme.text.patch(theme.selected_row)
            } else {
                theme.text
            };
            Line::from(vec![
                Span::styled(format!("{}{}", l.name, " ".repeat(pad)), theme.header),
                Span::styled(" │ ", theme.separator),
                Span::raw(l.text.clone()),
            ])
            .style(style)
        })
        .collect();
    Paragraph::new(shown).render(inner, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::column::column_from_values;
    use crate::data::{Column, Value};

    fn table() -> Table {
        Table::new(vec![
            Column::new(
                "Cmd",
                column_from_values(Kind::String, [Value::String("a\x1b[31mb".repeat(10))]),
            ),
            Column::new(
                "Extra",
                column_from_values(
                    Kind::Dynamic,
                    [Value::Dynamic(r#"{"a":{"b":[1,2]},"c":"x\u202e"}"#.into())],
                ),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn wraps_escapes_and_folds() {
        let t = table();
        let mut d = Detail::new(0, 0, 1);
        d.width = 30;
        let lines = d.lines(&t, 30);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert!(
            texts
                .iter()
                .all(|l| !l.contains('\x1b') && !l.contains('\u{202e}'))
        );
        assert!(texts.iter().all(|l| display_width(l) <= 30 - 8));
        let tree_at = lines.iter().position(|l| l.name == "Extra").unwrap();
        assert_eq!(lines[tree_at].text, "▾ {");
        assert_eq!(lines[tree_at + 1].text, "  ▸ a: {…} 1 keys");
        assert_eq!(lines[tree_at + 2].text, r#"  c: "x\u{202e}""#);
        d.cursor = tree_at + 1;
        assert!(d.fold(&t, Some(true)));
        let lines = d.lines(&t, 30);
        assert_eq!(lines[tree_at + 2].text, "    ▸ b: […] 2 items");
        assert!(d.fold(&t, None));
        assert!(!d.fold(&t, Some(false)));
    }

    #[test]
    fn long_column_names_stay_whole_on_a_wide_screen() {
        let name = "InitiatingProcessVersionInfoFileDescription";
        let t = Table::new(vec![Column::new(
            name,
            column_from_values(Kind::String, [Value::String("x".into())]),
        )])
        .unwrap();
        let d = Detail::new(0, 0, 1);
        assert_eq!(d.lines(&t, 140)[0].name, name);
        assert_eq!(d.lines(&t, 48)[0].name.chars().count(), 16);
    }
}
