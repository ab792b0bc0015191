//! The name staff give a PC or a stick (「受付PC」「受付用1」), validated once.
//!
//! A [`Label`] is shown on the other PC (pairing cards) and on the screens (stick markers), and is
//! signed into both, so one rule holds everywhere it is entered — `init --label`, the set-up
//! wizard, the settings screen, `stick enroll --label` — and where it is read back (a pairing card
//! refuses any other): no leading or trailing white space, 1 to [`MAX_CHARS`] characters, no
//! control characters (tab, newline). This module owns only that rule; it stores nothing.

use std::fmt;

/// Longest label, in characters.
pub const MAX_CHARS: usize = 64;

/// Why a text cannot be a label.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Nothing but white space.
    #[error("the name is empty")]
    Empty,
    /// More than [`MAX_CHARS`] characters.
    #[error("the name has {chars} characters; at most {MAX_CHARS} are allowed")]
    TooLong {
        /// How many it has (after trimming).
        chars: usize,
    },
    /// A tab, newline or other control character.
    #[error("the name contains a control character (tab, newline)")]
    Control,
    /// White space at the start or end of a label read back from a signed record.
    #[error("the name begins or ends with white space")]
    Padded,
}

/// A valid name of a PC or a stick.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Label(String);

impl Label {
    /// `text` with surrounding white space removed, if the rest is a valid label.
    pub fn new(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        if t.is_empty() {
            return Err(Error::Empty);
        }
        if t.chars().any(char::is_control) {
            return Err(Error::Control);
        }
        let chars = t.chars().count();
        if chars > MAX_CHARS {
            return Err(Error::TooLong { chars });
        }
        Ok(Self(t.to_owned()))
    }

    /// `text` if it already is a label exactly as written (nothing to trim): the check for a
    /// label read back from a signed record, where changing it would break the signature.
    pub fn exact(text: &str) -> Result<Self, Error> {
        if text.chars().any(char::is_control) {
            return Err(Error::Control);
        }
        let label = Self::new(text)?;
        if label.0 != text {
            return Err(Error::Padded);
        }
        Ok(label)
    }

    /// A label made from text stored before the rule was enforced (an older `config.json`):
    /// control characters become spaces, the rest is trimmed and cut to [`MAX_CHARS`];
    /// `fallback`, repaired the same way, when nothing is left (and `PC` when that is empty too).
    pub fn repair(text: &str, fallback: &str) -> Self {
        [text, fallback]
            .iter()
            .find_map(|t| {
                let spaced: String = t
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                let cut: String = spaced.trim().chars().take(MAX_CHARS).collect();
                Self::new(&cut).ok()
            })
            .unwrap_or_else(|| Self("PC".to_owned()))
    }

    /// The label's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Label {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Label {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::new(s)
    }
}

impl From<Label> for String {
    fn from(l: Label) -> String {
        l.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_japanese_names() {
        assert_eq!(Label::new("  受付PC ").unwrap().as_str(), "受付PC");
        assert_eq!(
            Label::new(&"あ".repeat(MAX_CHARS))
                .unwrap()
                .as_str()
                .chars()
                .count(),
            64
        );
    }

    #[test]
    fn refuses_empty_long_and_control() {
        assert_eq!(Label::new(" \u{3000} "), Err(Error::Empty));
        assert_eq!(Label::new(""), Err(Error::Empty));
        assert_eq!(
            Label::new(&"a".repeat(MAX_CHARS + 1)),
            Err(Error::TooLong { chars: 65 })
        );
        assert_eq!(Label::new("a\tb"), Err(Error::Control));
        assert_eq!(Label::new("a\nb"), Err(Error::Control));
        assert_eq!(Label::new("a\u{7f}b"), Err(Error::Control));
    }

    #[test]
    fn exact_refuses_what_new_would_change() {
        assert!(Label::exact("受付PC").is_ok());
        assert!(Label::exact(" 受付PC").is_err());
        assert!(Label::exact("受付PC\n").is_err());
        assert!(Label::exact("").is_err());
    }

    #[test]
    fn repair_keeps_what_it_can() {
        assert_eq!(Label::repair("a\tb", "受付PC").as_str(), "a b");
        assert_eq!(Label::repair("\n\t", "受付PC").as_str(), "受付PC");
        assert_eq!(Label::repair("", "").as_str(), "PC");
        assert_eq!(
            Label::repair(&"x".repeat(100), "受付PC").as_str(),
            "x".repeat(64)
        );
    }
}
