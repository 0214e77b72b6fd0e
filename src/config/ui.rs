//! The workbench's sections of the config file, typed: `[ui]` (`theme`, `mouse`, plus keys
//! other parts of the workbench read, kept raw), `[keys]` (action name → chord or list of
//! chords) and `[theme]` (style name → style). Only the shape is checked here; chords and
//! styles are read by the TUI's keymap and theme. Nothing here refuses to start: a bad
//! value is a warning and the default is used.

use crate::data::format::escape_control;

/// The built-in theme `[ui] theme` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    NoColor,
}

impl ThemeName {
    pub fn parse(name: &str) -> Option<ThemeName> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "dark" => Some(ThemeName::Dark),
            "light" => Some(ThemeName::Light),
            "no-color" | "no-colour" | "nocolor" => Some(ThemeName::NoColor),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ThemeName::Dark => "dark",
            ThemeName::Light => "light",
            ThemeName::NoColor => "no-color",
        }
    }
}

/// The `[ui]`, `[keys]` and `[theme]` sections as the workbench uses them.
#[derive(Clone, Debug, PartialEq)]
pub struct UiConfig {
    /// `None`: not set (dark, or no-color under `NO_COLOR`).
    pub theme: Option<ThemeName>,
    /// Mouse clicks and wheel in the workbench (on unless `mouse = false`). Off keeps the
    /// terminal's own text selection working without Shift.
    pub mouse: bool,
    /// Whether `mouse` came from the file (for `config show`).
    pub mouse_set: bool,
    /// `[ui]` entries read elsewhere (`vim`, `library`, ...), untouched.
    pub extra: toml::Table,
    /// `[keys]`: (action name, chords as written), in name order.
    pub keys: Vec<(String, Vec<String>)>,
    /// `[theme]`: (style name, style as written), in name order.
    pub styles: Vec<(String, String)>,
    /// What was wrong, one line each; defaults were used instead.
    pub warnings: Vec<String>,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: None,
            mouse: true,
            mouse_set: false,
            extra: toml::Table::new(),
            keys: Vec::new(),
            styles: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl UiConfig {
    /// Read the sections from the config file's non-profile tables (`ConfigFile::other`).
    pub fn from_sections(sections: &toml::Table) -> UiConfig {
        let mut ui = UiConfig::default();
        if let Some(table) = section(sections, "ui", &mut ui.warnings) {
            for (key, value) in table {
                match key.as_str() {
                    "theme" => match value.as_str().map(ThemeName::parse) {
                        Some(Some(name)) => ui.theme = Some(name),
                        _ => ui.warnings.push(format!(
                            "[ui] theme = {} is not a theme; use \"dark\", \"light\" or \"no-color\"",
                            shown(value)
                        )),
                    },
                    "mouse" => match value.as_bool() {
                        Some(on) => {
                            ui.mouse = on;
                            ui.mouse_set = true;
                        }
                        None => ui.warnings.push(format!(
                            "[ui] mouse = {} is not true or false; the mouse stays on",
                            shown(value)
                        )),
                    },
                    _ => {
                        ui.extra.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        if let Some(table) = section(sections, "keys", &mut ui.warnings) {
            for (action, value) in table {
                let chords = match value {
                    toml::Value::String(s) => Some(vec![s.clone()]),
                    toml::Value::Array(items) => items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>(),
                    _ => None,
                };
                match chords {
                    Some(chords) => ui.keys.push((action.clone(), chords)),
                    None => ui.warnings.push(format!(
                        "[keys] {} = {} ignored: use a key like \"Ctrl+R\" or a list of them",
                        escape_control(action),
                        shown(value)
                    )),
                }
            }
            ui.keys.sort_by(|a, b| a.0.cmp(&b.0));
        }
        if let Some(table) = section(sections, "theme", &mut ui.warnings) {
            for (name, value) in table {
                match value.as_str() {
                    Some(style) => ui.styles.push((name.clone(), style.to_string())),
                    None => ui.warnings.push(format!(
                        "[theme] {} = {} ignored: use a style like \"cyan bold\" or \"black on #ffd75f\"",
                        escape_control(name),
                        shown(value)
                    )),
                }
            }
            ui.styles.sort_by(|a, b| a.0.cmp(&b.0));
        }
        ui
    }

    /// Lines for `kqlhunt config show`: (key, value, where it came from).
    pub fn describe(&self) -> Vec<(String, String, String)> {
        let source = |set: bool| if set { "config file" } else { "default" }.to_string();
        let mut rows = vec![
            (
                "ui.theme".to_string(),
                self.theme
                    .map_or("dark (no-color under NO_COLOR)", |t| t.name())
                    .to_string(),
                source(self.theme.is_some()),
            ),
            (
                "ui.mouse".to_string(),
                if self.mouse { "on" } else { "off" }.to_string(),
                source(self.mouse_set),
            ),
        ];
        for (action, chords) in &self.keys {
            let value = if chords.is_empty() {
                "(unbound)".to_string()
            } else {
                chords.join(", ")
            };
            rows.push((format!("keys.{action}"), value, source(true)));
        }
        for (name, style) in &self.styles {
            rows.push((format!("theme.{name}"), style.clone(), source(true)));
        }
        rows
    }
}

/// The table `name`, or a warning when it is there but not a table.
fn section<'a>(
    sections: &'a toml::Table,
    name: &str,
    warnings: &mut Vec<String>,
) -> Option<&'a toml::Table> {
    match sections.get(name)? {
        toml::Value::Table(t) => Some(t),
        other => {
            warnings.push(format!(
                "`{name} = {}` ignored: write it as a [{name}] section",
                shown(other)
            ));
            None
        }
    }
}

/// A value as the file spells it, escaped, cut short.
fn shown(value: &toml::Value) -> String {
    let text = escape_control(&value.to_string()).into_owned();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ui(text: &str) -> UiConfig {
        UiConfig::from_sections(&toml::from_str(text).unwrap())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let u = ui("");
        assert_eq!(u, UiConfig::default());
        assert!(u.mouse);
        assert_eq!(u.theme, None);
    }

    #[test]
    fn reads_ui_keys_and_theme() {
        let u = ui(r##"
            [ui]
            theme = "Light"
            mouse = false
            vim = true
            [keys]
            run = "F9"
            quit = ["Ctrl+Q", "Ctrl+D"]
            sort = []
            [theme]
            keyword = "cyan bold"
            border_focused = "#5fafff"
        "##);
        assert!(u.warnings.is_empty(), "{:?}", u.warnings);
        assert_eq!(u.theme, Some(ThemeName::Light));
        assert!(!u.mouse && u.mouse_set);
        assert_eq!(u.extra.get("vim"), Some(&toml::Value::Boolean(true)));
        assert_eq!(
            u.keys,
            [
                (
                    "quit".to_string(),
                    vec!["Ctrl+Q".to_string(), "Ctrl+D".to_string()]
                ),
                ("run".to_string(), vec!["F9".to_string()]),
                ("sort".to_string(), vec![]),
            ]
        );
        assert_eq!(u.styles.len(), 2);
        assert_eq!(u.styles[0], ("border_focused".into(), "#5fafff".into()));
    }

    #[test]
    fn bad_values_warn_once_each_and_keep_defaults() {
        let u = ui(r#"
            keys = "oops"
            [ui]
            theme = "solarized"
            mouse = "yes"
            [theme]
            keyword = 5
        "#);
        assert_eq!(u.warnings.len(), 4, "{:?}", u.warnings);
        assert_eq!(u.theme, None);
        assert!(u.mouse);
        assert!(u.keys.is_empty() && u.styles.is_empty());
        assert!(u.warnings.iter().any(|w| w.contains("solarized")));
        let u = ui("[keys]\nrun = [\"F9\", 3]\n");
        assert_eq!(u.warnings.len(), 1, "{:?}", u.warnings);
        assert!(u.keys.is_empty());
    }

    #[test]
    fn warnings_escape_what_the_file_holds() {
        let u = ui("[ui]\ntheme = \"\\u001b[31m\"\n");
        assert!(!u.warnings[0].contains('\u{1b}'), "{:?}", u.warnings);
    }

    #[test]
    fn describe_says_where_each_value_came_from() {
        let rows = ui("[ui]\nmouse = false\n[keys]\nrun = \"F9\"\n").describe();
        assert!(rows.contains(&("ui.mouse".into(), "off".into(), "config file".into())));
        assert!(rows.contains(&("keys.run".into(), "F9".into(), "config file".into())));
        assert!(rows.iter().any(|r| r.0 == "ui.theme" && r.2 == "default"));
    }
}
