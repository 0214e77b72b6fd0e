//! Colours and text attributes for every widget, in one place. Only the 16 ANSI colours and
//! indexed (256-colour) colours are used, so the themes work on any terminal a jump host
//! offers; `Theme::no_color` uses text attributes only and is chosen when `NO_COLOR` is set.

use std::ffi::OsStr;

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
