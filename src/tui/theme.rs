//! Colours and text attributes for every widget, in one place. Only the 16 ANSI colours and
//! indexed (256-colour) colours are used, so the themes work on any terminal a jump host
//! offers; `Theme::no_color` uses text attributes only and is chosen when `NO_COLOR` is set.
//!
//! The config picks a theme (`[ui] theme = "dark" | "light" | "no-color"`) and may replace
//! single styles by name (`[theme] keyword = "magenta bold"`, `selected_cell = "black on
//! #ffd75f"`; see [`parse_style`] and [`STYLE_NAMES`]). A replaced style is replaced whole.
//! `NO_COLOR` (or the no-color theme) wins over the config: its theme is used whatever
//! `[ui] theme` says, and overrides keep only their attributes (bold, underlined, ...),
//! never their colours, so NO_COLOR always means no colour on screen.

use std::ffi::OsStr;
use std::str::FromStr;

use crate::config::ui::ThemeName;

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, BorderType};

/// Every style a widget draws with. Widgets patch these over each other (a selected cell is
/// `selected_row` patched with `selected_cell`), so a theme may leave fields at
/// `Style::default()` to inherit.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Plain text (editor text, grid cells).
    pub text: Style,
    /// Secondary text: hints, row counts, the grid's scroll markers.
    pub dim: Style,
    /// Pane borders of unfocused panes.
    pub border: Style,
    /// Pane borders of the focused pane.
    pub border_focused: Style,
    /// Pane titles.
    pub title: Style,
    /// The grid's header row (column names).
    pub header: Style,
    /// The rule between the grid's header and its rows.
    pub separator: Style,
    /// The whole selected row of the grid.
    pub selected_row: Style,
    /// The selected cell of the grid when the grid has focus (patched over `selected_row`).
    pub selected_cell: Style,
    /// Line numbers in the editor and row numbers in the grid.
    pub gutter: Style,
    /// The gutter entry of the cursor line / selected row.
    pub gutter_current: Style,
    /// The editor's cursor cell.
    pub cursor: Style,
    /// Selected text in the editor.
    pub selection: Style,
    /// Search matches in the editor.
    pub search: Style,
    /// The hint shown in an empty editor or an empty grid.
    pub placeholder: Style,
    /// The status bar background.
    pub status: Style,
    /// Key names in the status bar and help (`F5`, `Ctrl+Q`).
    pub status_key: Style,
    pub error: Style,
    pub warn: Style,
    pub ok: Style,
    /// Syntax highlighting in the editor (see `kql::highlight::TokenClass`): tabular
    /// operators, statement and clause words.
    pub syntax_keyword: Style,
    /// String and comparison operators (`has`, `=~`, `and`).
    pub syntax_operator: Style,
    /// Function, aggregation and plugin calls.
    pub syntax_function: Style,
    /// String literals.
    pub syntax_string: Style,
    /// Numbers, booleans, `null`, guids.
    pub syntax_number: Style,
    /// `datetime(...)`, `timespan(...)`, `1d`.
    pub syntax_time: Style,
    pub syntax_comment: Style,
    /// Type names.
    pub syntax_type: Style,
    /// `let` names, `['quoted names']`, `$left` / `$right`.
    pub syntax_name: Style,
    /// `|`, brackets, commas.
    pub syntax_punctuation: Style,
    /// Patched over the text of an error diagnostic in the editor (keeps the syntax colour).
    pub diag_error: Style,
    /// Patched over the text of a warning diagnostic in the editor.
    pub diag_warning: Style,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::dark()
    }
}

impl Theme {
    /// For dark terminal backgrounds (the default).
    pub fn dark() -> Theme {
        Theme {
            text: Style::new(),
            dim: Style::new().fg(Color::DarkGray),
            border: Style::new().fg(Color::DarkGray),
            border_focused: Style::new().fg(Color::Cyan),
            title: Style::new().add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            separator: Style::new().fg(Color::DarkGray),
            selected_row: Style::new().bg(Color::Indexed(237)),
            selected_cell: Style::new().fg(Color::Black).bg(Color::Cyan),
            gutter: Style::new().fg(Color::DarkGray),
            gutter_current: Style::new().fg(Color::Gray),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            selection: Style::new().fg(Color::White).bg(Color::Blue),
            search: Style::new().fg(Color::Black).bg(Color::Yellow),
            placeholder: Style::new().fg(Color::DarkGray),
            status: Style::new().fg(Color::Gray).bg(Color::Indexed(236)),
            status_key: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            error: Style::new().fg(Color::LightRed),
            warn: Style::new().fg(Color::Yellow),
            ok: Style::new().fg(Color::Green),
            syntax_keyword: Style::new().fg(Color::LightMagenta),
            syntax_operator: Style::new().fg(Color::LightCyan),
            syntax_function: Style::new().fg(Color::LightBlue),
            syntax_string: Style::new().fg(Color::Green),
            syntax_number: Style::new().fg(Color::Indexed(173)),
            syntax_time: Style::new().fg(Color::Indexed(180)),
            syntax_comment: Style::new().fg(Color::Indexed(244)),
            syntax_type: Style::new().fg(Color::Cyan),
            syntax_name: Style::new().fg(Color::LightYellow),
            syntax_punctuation: Style::new().fg(Color::Indexed(248)),
            diag_error: Style::new()
                .add_modifier(Modifier::UNDERLINED)
                .underline_color(Color::LightRed),
            diag_warning: Style::new()
                .add_modifier(Modifier::UNDERLINED)
                .underline_color(Color::Yellow),
        }
    }

    /// For light terminal backgrounds.
    pub fn light() -> Theme {
        Theme {
            text: Style::new(),
            dim: Style::new().fg(Color::Indexed(244)),
            border: Style::new().fg(Color::Indexed(248)),
            border_focused: Style::new().fg(Color::Blue),
            title: Style::new().add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            separator: Style::new().fg(Color::Indexed(248)),
            selected_row: Style::new().bg(Color::Indexed(254)),
            selected_cell: Style::new().fg(Color::White).bg(Color::Blue),
            gutter: Style::new().fg(Color::Indexed(248)),
            gutter_current: Style::new().fg(Color::Indexed(240)),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            selection: Style::new().fg(Color::Black).bg(Color::Indexed(153)),
            search: Style::new().fg(Color::Black).bg(Color::Indexed(222)),
            placeholder: Style::new().fg(Color::Indexed(246)),
            status: Style::new().fg(Color::Black).bg(Color::Indexed(252)),
            status_key: Style::new().fg(Color::Blue).add_modifier(Modifier::BOLD),
            error: Style::new().fg(Color::Red),
            warn: Style::new().fg(Color::Indexed(130)),
            ok: Style::new().fg(Color::Indexed(28)),
            syntax_keyword: Style::new().fg(Color::Indexed(90)),
            syntax_operator: Style::new().fg(Color::Indexed(30)),
            syntax_function: Style::new().fg(Color::Indexed(25)),
            syntax_string: Style::new().fg(Color::Indexed(28)),
            syntax_number: Style::new().fg(Color::Indexed(130)),
            syntax_time: Style::new().fg(Color::Indexed(94)),
            syntax_comment: Style::new().fg(Color::Indexed(245)),
            syntax_type: Style::new().fg(Color::Indexed(31)),
            syntax_name: Style::new().fg(Color::Indexed(136)),
            syntax_punctuation: Style::new().fg(Color::Indexed(240)),
            diag_error: Style::new()
                .add_modifier(Modifier::UNDERLINED)
                .underline_color(Color::Red),
            diag_warning: Style::new()
                .add_modifier(Modifier::UNDERLINED)
                .underline_color(Color::Indexed(130)),
        }
    }

    /// No colours at all, only attributes (bold, reversed, dim, underline): for `NO_COLOR`
    /// (<https://no-color.org>) and terminals where colours are unreadable.
    pub fn no_color() -> Theme {
        let dim = Style::new().add_modifier(Modifier::DIM);
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = Style::new().add_modifier(Modifier::REVERSED);
        Theme {
            text: Style::new(),
            dim,
            border: dim,
            border_focused: bold,
            title: bold,
            header: bold.add_modifier(Modifier::UNDERLINED),
            separator: dim,
            selected_row: bold,
            selected_cell: reversed.add_modifier(Modifier::BOLD),
            gutter: dim,
            gutter_current: Style::new(),
            cursor: reversed,
            selection: reversed,
            search: Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD),
            placeholder: dim,
            status: reversed,
            status_key: reversed.add_modifier(Modifier::BOLD),
            error: bold.add_modifier(Modifier::UNDERLINED),
            warn: bold,
            ok: Style::new(),
            // NO_COLOR: no syntax colours at all; diagnostics are still underlined.
            syntax_keyword: Style::new(),
            syntax_operator: Style::new(),
            syntax_function: Style::new(),
            syntax_string: Style::new(),
            syntax_number: Style::new(),
            syntax_time: Style::new(),
            syntax_comment: Style::new(),
            syntax_type: Style::new(),
            syntax_name: Style::new(),
            syntax_punctuation: Style::new(),
            diag_error: bold.add_modifier(Modifier::UNDERLINED),
            diag_warning: Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }

    /// The theme the environment asks for: `no_color()` when `NO_COLOR` is set to a non-empty
    /// value, `dark()` otherwise.
    pub fn from_env() -> Theme {
        Theme::for_no_color_var(std::env::var_os("NO_COLOR").as_deref())
    }

    /// `from_env` without reading the environment: `value` is what `NO_COLOR` holds, if set.
    pub fn for_no_color_var(value: Option<&OsStr>) -> Theme {
        match value {
            Some(v) if !v.is_empty() => Theme::no_color(),
            _ => Theme::dark(),
        }
    }

    /// The theme the config asks for, given what `NO_COLOR` holds: `no_color_var` non-empty
    /// means the no-color theme whatever `name` says. Returns the theme and one warning per
    /// override that could not be used.
    pub fn configured(
        name: Option<ThemeName>,
        overrides: &[(String, String)],
        no_color_var: Option<&OsStr>,
    ) -> (Theme, Vec<String>) {
        let no_color =
            no_color_var.is_some_and(|v| !v.is_empty()) || name == Some(ThemeName::NoColor);
        let mut theme = match name {
            _ if no_color => Theme::no_color(),
            Some(ThemeName::Light) => Theme::light(),
            _ => Theme::dark(),
        };
        let mut warnings = Vec::new();
        for (key, text) in overrides {
            let shown = crate::data::format::escape_control(key);
            let Some(slot) = theme.style_mut(key) else {
                warnings.push(format!(
                    "[theme] `{shown}` is not a style name; the README lists them"
                ));
                continue;
            };
            match parse_style(text) {
                Ok(style) if no_color => {
                    *slot = Style {
                        fg: None,
                        bg: None,
                        underline_color: None,
                        ..style
                    }
                }
                Ok(style) => *slot = style,
                Err(e) => warnings.push(format!("[theme] {shown} ignored: {e}")),
            }
        }
        (theme, warnings)
    }

    /// The style called `name` in `[theme]`: a field name (`border_focused`), with `-` for
    /// `_` allowed and the `syntax_` prefix optional (`keyword`).
    pub fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
        let name = name.trim().to_ascii_lowercase().replace('-', "_");
        let name = match name.as_str() {
            "keyword" | "operator" | "function" | "string" | "number" | "time" | "comment"
            | "type" | "name" | "punctuation" => format!("syntax_{name}"),
            _ => name,
        };
        Some(match name.as_str() {
            "text" => &mut self.text,
            "dim" => &mut self.dim,
            "border" => &mut self.border,
            "border_focused" => &mut self.border_focused,
            "title" => &mut self.title,
            "header" => &mut self.header,
            "separator" => &mut self.separator,
            "selected_row" => &mut self.selected_row,
            "selected_cell" => &mut self.selected_cell,
            "gutter" => &mut self.gutter,
            "gutter_current" => &mut self.gutter_current,
            "cursor" => &mut self.cursor,
            "selection" => &mut self.selection,
            "search" => &mut self.search,
            "placeholder" => &mut self.placeholder,
            "status" => &mut self.status,
            "status_key" => &mut self.status_key,
            "error" => &mut self.error,
            "warn" => &mut self.warn,
            "ok" => &mut self.ok,
            "syntax_keyword" => &mut self.syntax_keyword,
            "syntax_operator" => &mut self.syntax_operator,
            "syntax_function" => &mut self.syntax_function,
            "syntax_string" => &mut self.syntax_string,
            "syntax_number" => &mut self.syntax_number,
            "syntax_time" => &mut self.syntax_time,
            "syntax_comment" => &mut self.syntax_comment,
            "syntax_type" => &mut self.syntax_type,
            "syntax_name" => &mut self.syntax_name,
            "syntax_punctuation" => &mut self.syntax_punctuation,
            "diag_error" => &mut self.diag_error,
            "diag_warning" => &mut self.diag_warning,
            _ => return None,
        })
    }

    /// A bordered pane with `title`, its border styled by focus. Widgets take an optional
    /// block, so the app decides; this keeps all panes looking alike.
    pub fn pane<'t>(&self, title: impl Into<ratatui::text::Line<'t>>, focused: bool) -> Block<'t> {
        Block::bordered()
            .border_type(if focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(if focused {
                self.border_focused
            } else {
                self.border
            })
            .title(title.into().style(self.title))
    }
}

/// Every style name `[theme]` accepts (the `Theme` fields).
pub const STYLE_NAMES: &[&str] = &[
    "text",
    "dim",
    "border",
    "border_focused",
    "title",
    "header",
    "separator",
    "selected_row",
    "selected_cell",
    "gutter",
    "gutter_current",
    "cursor",
    "selection",
    "search",
    "placeholder",
    "status",
    "status_key",
    "error",
    "warn",
    "ok",
    "syntax_keyword",
    "syntax_operator",
    "syntax_function",
    "syntax_string",
    "syntax_number",
    "syntax_time",
    "syntax_comment",
    "syntax_type",
    "syntax_name",
    "syntax_punctuation",
    "diag_error",
    "diag_warning",
];

/// Read a style: words separated by spaces, in any order. A colour sets the text colour,
/// `on COLOUR` the background; colours are names (`cyan`, `light-red`, `dark-gray`,
/// `reset`), 256-colour indexes (`236`) or `#rrggbb`. Attributes: `bold`, `dim`, `italic`,
/// `underlined`, `reversed`, `crossed-out`. An empty string is the terminal's plain text.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace();
    while let Some(word) = words.next() {
        let lower = word.to_ascii_lowercase();
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            "crossed-out" | "strikethrough" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if lower == "on" {
            let Some(bg) = words.next() else {
                return Err("`on` needs a colour after it".into());
            };
            style = style.bg(colour(bg)?);
        } else {
            style = style.fg(colour(word)?);
        }
    }
    Ok(style)
}

fn colour(word: &str) -> Result<Color, String> {
    let word = if word.eq_ignore_ascii_case("default") {
        "reset"
    } else {
        word
    };
    Color::from_str(word).map_err(|_| {
        format!(
            "`{}` is not a colour or attribute (e.g. cyan, 236, #5fafff, bold, on blue)",
            crate::data::format::escape_control(word)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_is_chosen_only_for_non_empty_values() {
        assert_eq!(Theme::for_no_color_var(None), Theme::dark());
        assert_eq!(Theme::for_no_color_var(Some(OsStr::new(""))), Theme::dark());
        assert_eq!(
            Theme::for_no_color_var(Some(OsStr::new("1"))),
            Theme::no_color()
        );
    }

    /// Every style of a theme, so the colour checks cannot miss a field.
    fn every_style(t: &Theme) -> Vec<Style> {
        vec![
            t.text,
            t.dim,
            t.border,
            t.border_focused,
            t.title,
            t.header,
            t.separator,
            t.selected_row,
            t.selected_cell,
            t.gutter,
            t.gutter_current,
            t.cursor,
            t.selection,
            t.search,
            t.placeholder,
            t.status,
            t.status_key,
            t.error,
            t.warn,
            t.ok,
            t.syntax_keyword,
            t.syntax_operator,
            t.syntax_function,
            t.syntax_string,
            t.syntax_number,
            t.syntax_time,
            t.syntax_comment,
            t.syntax_type,
            t.syntax_name,
            t.syntax_punctuation,
            t.diag_error,
            t.diag_warning,
        ]
    }

    #[test]
    fn every_style_has_a_name_and_every_name_a_style() {
        let mut t = Theme::dark();
        assert_eq!(STYLE_NAMES.len(), every_style(&t).len());
        for (i, name) in STYLE_NAMES.iter().enumerate() {
            let marker = Style::new().fg(Color::Indexed(i as u8));
            *t.style_mut(name).unwrap_or_else(|| panic!("{name}")) = marker;
        }
        let styles = every_style(&t);
        for (i, s) in styles.iter().enumerate() {
            assert_eq!(s.fg, Some(Color::Indexed(i as u8)), "{}", STYLE_NAMES[i]);
        }
        assert!(t.style_mut("keyword").is_some());
        assert!(t.style_mut("Border-Focused").is_some());
        assert!(t.style_mut("sparkles").is_none());
    }

    #[test]
    fn styles_read_colours_backgrounds_and_attributes() {
        assert_eq!(
            parse_style("cyan bold"),
            Ok(Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD))
        );
        assert_eq!(
            parse_style("black on yellow"),
            Ok(Style::new().fg(Color::Black).bg(Color::Yellow))
        );
        assert_eq!(
            parse_style("#5fafff"),
            Ok(Style::new().fg(Color::Rgb(0x5f, 0xaf, 0xff)))
        );
        assert_eq!(
            parse_style("on 236 italic underlined light-red"),
            Ok(Style::new()
                .bg(Color::Indexed(236))
                .fg(Color::LightRed)
                .add_modifier(Modifier::ITALIC | Modifier::UNDERLINED))
        );
        assert_eq!(parse_style(""), Ok(Style::new()));
        assert_eq!(parse_style("default"), Ok(Style::new().fg(Color::Reset)));
        assert!(parse_style("on").is_err());
        assert!(parse_style("cyan blod").unwrap_err().contains("blod"));
        assert!(parse_style("#12345").is_err());
        assert!(parse_style("256").is_err());
        assert!(!parse_style("\u{1b}[31m").unwrap_err().contains('\u{1b}'));
    }

    fn overrides(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_config_picks_a_theme_and_replaces_styles() {
        let (t, w) = Theme::configured(
            Some(ThemeName::Light),
            &overrides(&[("keyword", "cyan bold"), ("selection", "black on yellow")]),
            None,
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(t.header, Theme::light().header);
        assert_eq!(
            t.syntax_keyword,
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        );
        assert_eq!(t.selection, Style::new().fg(Color::Black).bg(Color::Yellow));
        let (t, w) = Theme::configured(
            None,
            &overrides(&[("sparkles", "red"), ("title", "blinking")]),
            None,
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert_eq!(t, Theme::dark());
    }

    #[test]
    fn no_color_wins_over_the_config_but_keeps_attributes() {
        let (t, w) = Theme::configured(
            Some(ThemeName::Light),
            &overrides(&[("keyword", "cyan bold"), ("selection", "black on yellow")]),
            Some(OsStr::new("1")),
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(t.syntax_keyword, Style::new().add_modifier(Modifier::BOLD));
        assert_eq!(t.selection, Style::new());
        for s in every_style(&t) {
            assert_eq!((s.fg, s.bg, s.underline_color), (None, None, None), "{s:?}");
        }
        let (t, _) = Theme::configured(Some(ThemeName::NoColor), &[], None);
        assert_eq!(t, Theme::no_color());
        let (t, _) = Theme::configured(None, &[], Some(OsStr::new("")));
        assert_eq!(t, Theme::dark());
    }

    proptest::proptest! {
        #[test]
        fn any_style_text_is_a_style_or_an_error(text in "(?s).{0,60}") {
            let _ = parse_style(&text);
        }
    }

    #[test]
    fn no_color_theme_has_no_colours() {
        let t = Theme::no_color();
        let styles = every_style(&t);
        for s in styles {
            assert_eq!((s.fg, s.bg, s.underline_color), (None, None, None), "{s:?}");
        }
    }

    #[test]
    fn themes_use_only_ansi_or_indexed_colours() {
        for t in [Theme::dark(), Theme::light()] {
            let styles = every_style(&t);
            for c in styles
                .iter()
                .flat_map(|s| [s.fg, s.bg, s.underline_color])
                .flatten()
            {
                assert!(!matches!(c, Color::Rgb(..)), "{c:?}");
            }
        }
    }
}
