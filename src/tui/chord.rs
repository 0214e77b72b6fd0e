//! Key chords as text: parsing what an analyst writes in the config's `[keys]` section
//! ("Ctrl+Shift+F5", "Alt+Enter", "g", "PageDown") and spelling chords back for the help
//! overlay. Chords are normalised the way terminals report them, so one spelling matches
//! however the key arrives: a character never carries Shift (Shift+g is `G`, Shift+/ is `?`),
//! and Shift+Tab is `BackTab`.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key chord: a key and its modifiers (Ctrl, Alt, Shift only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// Why a chord cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChordError {
    #[error("an empty key")]
    Empty,
    #[error("`{0}` is not a modifier (use Ctrl, Alt or Shift)")]
    Modifier(String),
    #[error("`{0}` is not a key name (e.g. g, F5, Enter, PageDown, Space)")]
    Key(String),
}

const CTRL_ALT: KeyModifiers = KeyModifiers::CONTROL.union(KeyModifiers::ALT);

/// Named keys: (canonical name, code). Aliases are accepted by `parse_key` only.
const NAMED: &[(&str, KeyCode)] = &[
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Insert", KeyCode::Insert),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Space", KeyCode::Char(' ')),
];

const ALIASES: &[(&str, KeyCode)] = &[
    ("return", KeyCode::Enter),
    ("escape", KeyCode::Esc),
    ("del", KeyCode::Delete),
    ("ins", KeyCode::Insert),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("pgdown", KeyCode::PageDown),
    ("plus", KeyCode::Char('+')),
    ("backtab", KeyCode::BackTab),
];

impl Chord {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Chord {
        Chord { code, mods }
    }

    /// The chord a key event presses, normalised.
    pub fn of_event(event: &KeyEvent) -> Chord {
        Chord::new(event.code, event.modifiers).normalized()
    }

    /// The form lookups compare: only Ctrl/Alt/Shift; no Shift on characters (it is in the
    /// character's case); Shift+Tab as `BackTab` without Shift.
    pub fn normalized(self) -> Chord {
        let wanted = KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT;
        let mut mods = self.mods & wanted;
        let code = match self.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(upper(c))
            }
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            code => code,
        };
        Chord { code, mods }
    }

    /// Read "Ctrl+Shift+F5", "alt+enter", "g", "Ctrl++", "F2". Modifier and key names are
    /// case-insensitive; a single character is taken as written (`g` and `G` differ).
    pub fn parse(text: &str) -> Result<Chord, ChordError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ChordError::Empty);
        }
        // The key is after the last `+`, unless the key itself is `+` ("Ctrl++", "+").
        let (mods_part, key_part) = if text == "+" {
            ("", "+")
        } else if let Some(rest) = text.strip_suffix("++") {
            (rest, "+")
        } else {
            match text.rsplit_once('+') {
                Some((m, k)) => (m, k),
                None => ("", text),
            }
        };
        let mut mods = KeyModifiers::NONE;
        if !mods_part.is_empty() {
            for m in mods_part.split('+') {
                mods |= match m.trim().to_ascii_lowercase().as_str() {
                    "ctrl" | "control" => KeyModifiers::CONTROL,
                    "alt" | "meta" | "option" => KeyModifiers::ALT,
                    "shift" => KeyModifiers::SHIFT,
                    _ => return Err(ChordError::Modifier(m.trim().to_string())),
                };
            }
        }
        let code = match parse_key(key_part.trim())? {
            // With Ctrl or Alt a letter's case is Shift's: "Ctrl+Q" is Ctrl+q, as the help
            // spells it, and "Alt+Shift+Y" is Alt+Y.
            KeyCode::Char(c) if mods.intersects(CTRL_ALT) && c.is_ascii_alphabetic() => {
                KeyCode::Char(if mods.contains(KeyModifiers::SHIFT) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                })
            }
            code => code,
        };
        Ok(Chord { code, mods }.normalized())
    }
}

fn parse_key(key: &str) -> Result<KeyCode, ChordError> {
    let mut chars = key.chars();
    if let (Some(c), None) = (chars.next(), chars.clone().next()) {
        if c.is_control() {
            return Err(ChordError::Key(
                crate::data::format::escape_control(key).into_owned(),
            ));
        }
        return Ok(KeyCode::Char(c));
    }
    if key.is_empty() {
        return Err(ChordError::Empty);
    }
    let lower = key.to_ascii_lowercase();
    if let Some(digits) = lower.strip_prefix('f')
        && !digits.starts_with('0')
        && let Ok(n) = digits.parse::<u8>()
        && (1..=24).contains(&n)
    {
        return Ok(KeyCode::F(n));
    }
    NAMED
        .iter()
        .chain(ALIASES)
        .find(|(name, _)| name.eq_ignore_ascii_case(&lower))
        .map(|&(_, code)| code)
        .ok_or_else(|| ChordError::Key(crate::data::format::escape_control(key).into_owned()))
}

fn upper(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

impl fmt::Display for Chord {
    /// Canonical spelling: `Ctrl+Alt+Shift+Key`, keys as in `NAMED`, characters as is,
    /// except that letters with Ctrl or Alt are written in capitals (`Ctrl+Q`), with
    /// `Shift+` when the letter is a capital (`Alt+Shift+Y`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctrl_letter = match self.code {
            KeyCode::Char(c) if self.mods.intersects(CTRL_ALT) && c.is_ascii_alphabetic() => {
                Some(c)
            }
            _ => None,
        };
        let mut mods = self.mods;
        if ctrl_letter.is_some_and(|c| c.is_ascii_uppercase()) {
            mods |= KeyModifiers::SHIFT;
        }
        for (m, name) in [
            (KeyModifiers::CONTROL, "Ctrl+"),
            (KeyModifiers::ALT, "Alt+"),
            (KeyModifiers::SHIFT, "Shift+"),
        ] {
            if mods.contains(m) {
                f.write_str(name)?;
            }
        }
        match self.code {
            _ if let Some(c) = ctrl_letter => write!(f, "{}", c.to_ascii_uppercase()),
            KeyCode::BackTab => f.write_str("Shift+Tab"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Char(c) if c != ' ' => write!(f, "{c}"),
            code => match NAMED.iter().find(|(_, k)| *k == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{code:?}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Chord {
        Chord::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn reads_the_usual_spellings() {
        assert_eq!(
            p("Ctrl+Shift+F5"),
            Chord::new(KeyCode::F(5), KeyModifiers::CONTROL | KeyModifiers::SHIFT)
        );
        assert_eq!(
            p("alt+enter"),
            Chord::new(KeyCode::Enter, KeyModifiers::ALT)
        );
        assert_eq!(p("g"), Chord::new(KeyCode::Char('g'), KeyModifiers::NONE));
        assert_eq!(p("Shift+g"), p("G"));
        assert_eq!(p("PgDn"), p("PageDown"));
        assert_eq!(
            p("Ctrl++"),
            Chord::new(KeyCode::Char('+'), KeyModifiers::CONTROL)
        );
        assert_eq!(p("+"), Chord::new(KeyCode::Char('+'), KeyModifiers::NONE));
        assert_eq!(
            p("Shift+Tab"),
            Chord::new(KeyCode::BackTab, KeyModifiers::NONE)
        );
        assert_eq!(
            p("Ctrl+Space"),
            Chord::new(KeyCode::Char(' '), KeyModifiers::CONTROL)
        );
        assert_eq!(p(" F24 "), Chord::new(KeyCode::F(24), KeyModifiers::NONE));
        // Ctrl with a letter: the case is Shift's, as terminals report it.
        assert_eq!(
            p("Ctrl+Q"),
            Chord::new(KeyCode::Char('q'), KeyModifiers::CONTROL)
        );
        assert_eq!(p("ctrl+q"), p("Ctrl+Q"));
        assert_eq!(
            p("Ctrl+Shift+q"),
            Chord::new(KeyCode::Char('Q'), KeyModifiers::CONTROL)
        );
        // Alt alike, though terminals do tell Alt+y from Alt+Y: Shift says which.
        assert_eq!(
            p("Alt+y"),
            Chord::new(KeyCode::Char('y'), KeyModifiers::ALT)
        );
        assert_eq!(p("Alt+Y"), p("Alt+y"));
        assert_eq!(
            p("Alt+Shift+y"),
            Chord::new(KeyCode::Char('Y'), KeyModifiers::ALT)
        );
    }

    #[test]
    fn says_what_is_wrong() {
        assert_eq!(Chord::parse(""), Err(ChordError::Empty));
        assert_eq!(Chord::parse("Ctrl+"), Err(ChordError::Empty));
        assert_eq!(
            Chord::parse("Hyper+x"),
            Err(ChordError::Modifier("Hyper".into()))
        );
        assert_eq!(Chord::parse("F25"), Err(ChordError::Key("F25".into())));
        assert_eq!(Chord::parse("F05"), Err(ChordError::Key("F05".into())));
        assert_eq!(
            Chord::parse("Ctrl+\u{1b}"),
            Err(ChordError::Key("\\x1b".into()))
        );
    }

    #[test]
    fn events_match_however_the_terminal_spells_shift() {
        let from_terminal = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Chord::of_event(&from_terminal), p("G"));
        let kitty = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(Chord::of_event(&kitty), p("?"));
        let backtab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Chord::of_event(&backtab), p("Shift+Tab"));
    }

    #[test]
    fn canonical_spellings_round_trip() {
        for s in [
            "Ctrl+Alt+Shift+F5",
            "Alt+Enter",
            "g",
            "G",
            "F2",
            "PageDown",
            "Ctrl++",
            "+",
            "Shift+Tab",
            "Ctrl+Space",
            "Ctrl+Q",
            "Ctrl+Shift+Q",
            "Ctrl+Alt+R",
            "Alt+Y",
            "Alt+Shift+Y",
            "ö",
            "Esc",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
    }

    fn any_code() -> impl Strategy<Value = KeyCode> {
        prop_oneof![
            any::<char>()
                .prop_filter("printable", |c| !c.is_control())
                .prop_map(KeyCode::Char),
            (1u8..=24).prop_map(KeyCode::F),
            proptest::sample::select(NAMED.iter().map(|(_, c)| *c).collect::<Vec<_>>()),
            Just(KeyCode::BackTab),
        ]
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(code in any_code(), bits in 0u8..8) {
            let mut mods = KeyModifiers::NONE;
            for (bit, m) in [(1, KeyModifiers::CONTROL), (2, KeyModifiers::ALT), (4, KeyModifiers::SHIFT)] {
                if bits & bit != 0 {
                    mods |= m;
                }
            }
            let chord = Chord::new(code, mods).normalized();
            let text = chord.to_string();
            prop_assert_eq!(Chord::parse(&text), Ok(chord), "{}", text);
        }

        #[test]
        fn parsed_chords_format_canonically(s in "\\PC{0,12}") {
            if let Ok(chord) = Chord::parse(&s) {
                // The canonical spelling reads back as the same chord and spells itself.
                let canonical = chord.to_string();
                prop_assert_eq!(Chord::parse(&canonical), Ok(chord));
                prop_assert_eq!(Chord::parse(&canonical).map(|c| c.to_string()), Ok(canonical.clone()));
            }
        }

        #[test]
        fn random_text_never_panics(s in "(?s).{0,40}") {
            let _ = Chord::parse(&s);
        }
    }
}
