//! The config's workbench sections (`[ui]`, `[keys]`, `[theme]`) turned into what `App`
//! uses: the theme, the keymap and whether the mouse is on, plus every warning about them.
//! The workbench shows the first warning on its status line at start; `kqlhunt config show`
//! prints them all.

use std::ffi::OsStr;

use super::app::App;
use super::keymap::Keymap;
use super::theme::Theme;
use crate::config::ui::UiConfig;

/// What the workbench takes from the config.
#[derive(Clone, Debug)]
pub struct Settings {
    pub theme: Theme,
    pub keymap: Keymap,
    pub mouse: bool,
    /// Everything that was ignored and why, one line each.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Build from the config; `no_color_var` is what `NO_COLOR` holds, if set.
    pub fn from_config(ui: &UiConfig, no_color_var: Option<&OsStr>) -> Settings {
        let mut warnings = ui.warnings.clone();
        let (keymap, key_warnings) = Keymap::with_overrides(&ui.keys);
        let (theme, theme_warnings) = Theme::configured(ui.theme, &ui.styles, no_color_var);
        warnings.extend(key_warnings);
        warnings.extend(theme_warnings);
        Settings {
            theme,
            keymap,
            mouse: ui.mouse,
            warnings,
        }
    }

    /// The one line the status bar shows at start, if anything was wrong.
    pub fn notice(&self) -> Option<String> {
        let first = self.warnings.first()?;
        Some(match self.warnings.len() {
            1 => format!("config: {first}"),
            n => format!("config: {first} (+{} more: kqlhunt config show)", n - 1),
        })
    }
}

impl App {
    /// Use `settings` from now on (at start, before the first frame).
    pub fn apply_settings(&mut self, settings: Settings) {
        if let Some(notice) = settings.notice() {
            self.notice = Some(notice);
        }
        self.theme = settings.theme;
        self.keymap = settings.keymap;
        self.mouse.enabled = settings.mouse;
        // The editor's colours were computed with the old theme.
        self.highlighter = super::highlight::Highlighter::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Settings {
        let ui = UiConfig::from_sections(&toml::from_str(text).unwrap());
        Settings::from_config(&ui, None)
    }

    #[test]
    fn warnings_from_every_section_are_collected() {
        let s =
            settings("[ui]\nmouse = 3\n[keys]\nrun = \"Hyper+R\"\n[theme]\ntitle = \"blinking\"\n");
        assert_eq!(s.warnings.len(), 3, "{:?}", s.warnings);
        let notice = s.notice().unwrap();
        assert!(notice.starts_with("config: [ui] mouse"), "{notice}");
        assert!(
            notice.ends_with("(+2 more: kqlhunt config show)"),
            "{notice}"
        );
        assert!(s.mouse);
    }

    #[test]
    fn a_clean_config_says_nothing() {
        let s = settings("[ui]\nmouse = false\ntheme = \"light\"\n");
        assert!(s.notice().is_none());
        assert!(!s.mouse);
        assert_eq!(s.theme, Theme::light());
    }
}
