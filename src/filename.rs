//! The rules for which file names may travel.
//!
//! Every name that comes from outside — a file picked for sealing, a name inside a package read from
//! a stick — passes [`check`] before it is used to build a path. A name is a single path component
//! that is safe on both Windows and Linux: no separators, no `..`, no drive letters, no alternate
//! data streams, no reserved DOS device names, no trailing dots or spaces, no control characters.
//! This module only judges names; it never touches the file system.

use std::collections::HashSet;

/// Longest accepted name, in UTF-16 code units (what NTFS and FAT long names count).
pub const MAX_NAME_UTF16: usize = 255;
/// Longest name in UTF-8 bytes (Linux file systems count bytes: 85 kanji fit, 100 do not).
pub const MAX_NAME_UTF8: usize = 255;
/// Names the courier itself uses in the folders it writes to (`.oqs-courier-staging-<id>`,
/// `.oqs-courier-<id>.tmp`): no file that travels may start with it (any letter case).
pub const RESERVED_PREFIX: &str = ".oqs-courier-";

/// Why a file name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The name is empty.
    #[error("the file name is empty")]
    Empty,
    /// The name is longer than [`MAX_NAME_UTF16`] units or [`MAX_NAME_UTF8`] bytes.
    #[error("the file name {0:?} is too long")]
    TooLong(String),
    /// The name starts with [`RESERVED_PREFIX`], which the courier's own working files use.
    #[error(
        "the file name {0:?} starts with {RESERVED_PREFIX:?}, reserved for oqs-courier's own files"
    )]
    ReservedPrefix(String),
    /// The name is `.` or `..`, or contains a path separator or drive/stream colon.
    #[error("the file name {0:?} contains a path (separator, `..`, drive letter or stream)")]
    Path(String),
    /// The name contains a character Windows does not allow in names, or a control character.
    #[error("the file name {0:?} contains a character that is not allowed on Windows")]
    BadCharacter(String),
    /// The name is a reserved Windows device name such as `CON` or `NUL.txt`.
    #[error("the file name {0:?} is a reserved Windows device name")]
    Reserved(String),
    /// The name has the shape of a Windows 8.3 short name (`PROGRA~1.TXT`), which can be the
    /// alias of another file.
    #[error("the file name {0:?} looks like a Windows short name (8.3 alias)")]
    ShortName(String),
    /// The name ends with a dot or a space, which Windows silently strips.
    #[error("the file name {0:?} ends with a dot or a space")]
    TrailingDotOrSpace(String),
    /// Two names in one set differ only in letter case.
    #[error("the file name {0:?} appears twice (letter case ignored)")]
    Duplicate(String),
}

const RESERVED: [&str; 4] = ["CON", "PRN", "AUX", "NUL"];

/// Checks that `name` is one safe path component. Returns it unchanged when it is.
pub fn check(name: &str) -> Result<&str, Error> {
    if name.is_empty() {
        return Err(Error::Empty);
    }
    if name.encode_utf16().count() > MAX_NAME_UTF16 || name.len() > MAX_NAME_UTF8 {
        return Err(Error::TooLong(name.to_owned()));
    }
    if name
        .get(..RESERVED_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED_PREFIX))
    {
        return Err(Error::ReservedPrefix(name.to_owned()));
    }
    if name == "." || name == ".." || name.contains(['/', '\\', ':']) {
        return Err(Error::Path(name.to_owned()));
    }
    if name
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '|' | '?' | '*'))
    {
        return Err(Error::BadCharacter(name.to_owned()));
    }
    if name.ends_with(['.', ' ']) {
        return Err(Error::TrailingDotOrSpace(name.to_owned()));
    }
    if is_reserved(name) {
        return Err(Error::Reserved(name.to_owned()));
    }
    if looks_like_short_name(name) {
        return Err(Error::ShortName(name.to_owned()));
    }
    Ok(name)
}

/// Windows treats `CON`, `con.txt`, `COM1.xml`, `LPT¹` … as devices whatever the extension.
fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
    let upper = stem.to_ascii_uppercase();
    if RESERVED.contains(&upper.as_str()) || upper == "CONIN$" || upper == "CONOUT$" {
        return true;
    }
    for prefix in ["COM", "LPT"] {
        if let Some(rest) = upper.strip_prefix(prefix) {
            let mut chars = rest.chars();
            if let (Some(c), None) = (chars.next(), chars.next())
                && matches!(c, '0'..='9' | '¹' | '²' | '³')
            {
                return true;
            }
        }
    }
    false
}

/// The key under which Windows considers two names the same file: every character upper-cased
/// by its simple (one-to-one) Unicode mapping, as Windows' own up-case table does — so σ and ς,
/// ı and i, ſ and s, µ and μ are one name, while ß (whose upper case is two letters) stays ß.
pub fn fold(name: &str) -> String {
    // ASCII letters have one-letter upper cases: the same key, without the per-character
    // Unicode look-up (a seal of 10,000 names folds each of them twice).
    if name.is_ascii() {
        return name.to_ascii_uppercase();
    }
    name.chars()
        .map(|c| {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// Whether `name` has the shape of a Windows 8.3 short name (`PROGRA~1`, `OQSSIQ~1.XML`): such
/// a name can be the short alias of another file in the same folder and open that file.
fn looks_like_short_name(name: &str) -> bool {
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    let Some((head, digits)) = stem.rsplit_once('~') else {
        return false;
    };
    stem.len() <= 8
        && ext.len() <= 3
        && !ext.contains('.')
        && !head.is_empty()
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Checks every name and that no two differ only in letter case.
pub fn check_set<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for name in names {
        check(name)?;
        unique(&mut seen, name)?;
    }
    Ok(())
}

/// The uniqueness part of [`check_set`], for names already checked one by one.
pub fn check_unique<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<(), Error> {
    let mut seen = HashSet::new();
    names
        .into_iter()
        .try_for_each(|name| unique(&mut seen, name))
}

fn unique(seen: &mut HashSet<String>, name: &str) -> Result<(), Error> {
    if seen.insert(fold(name)) {
        Ok(())
    } else {
        Err(Error::Duplicate(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fold_is_the_unicode_fold() {
        let ascii: String = (0u8..128).map(char::from).collect();
        let slow: String = ascii
            .chars()
            .map(|c| c.to_uppercase().next().unwrap_or(c))
            .collect();
        assert_eq!(fold(&ascii), slow);
        assert_eq!(fold("OQSsiquc01req_x.xml"), "OQSSIQUC01REQ_X.XML");
        assert_eq!(fold("σς.txt"), fold("ΣΣ.TXT"));
    }

    #[test]
    fn accepts_oqs_names() {
        for ok in [
            "OQSsiquc01req_20250101120000.xml",
            "OQSsiquc01res_face_1312345678400_20250101120000.xml",
            "OQSmuquc02res_202501150001.zip",
            "OQSsiquc01req_x.err",
            "試験太郎.pdf",
            ".hidden",
            "a b",
        ] {
            assert_eq!(check(ok), Ok(ok), "{ok}");
        }
    }

    #[test]
    fn refuses_path_tricks() {
        type Make = fn(String) -> Error;
        let cases: &[(&str, Make)] = &[
            ("..", Error::Path),
            (".", Error::Path),
            ("../x.xml", Error::Path),
            ("a/b", Error::Path),
            ("a\\b", Error::Path),
            ("C:x.xml", Error::Path),
            ("C:\\Windows", Error::Path),
            ("\\\\server\\share", Error::Path),
            ("/etc/passwd", Error::Path),
            ("file.xml:Zone.Identifier", Error::Path),
            ("CON", Error::Reserved),
            ("con.xml", Error::Reserved),
            ("Nul.tar.gz", Error::Reserved),
            ("COM1.txt", Error::Reserved),
            ("lpt9", Error::Reserved),
            ("COM¹", Error::Reserved),
            ("CONIN$", Error::Reserved),
            ("x.xml.", Error::TrailingDotOrSpace),
            ("x.xml ", Error::TrailingDotOrSpace),
            ("a*b", Error::BadCharacter),
            ("a?b", Error::BadCharacter),
            ("a\u{0}b", Error::BadCharacter),
            ("a\nb", Error::BadCharacter),
            ("a|b", Error::BadCharacter),
        ];
        for (name, make) in cases {
            assert_eq!(check(name), Err(make((*name).to_owned())), "{name:?}");
        }
        assert_eq!(check(""), Err(Error::Empty));
        assert!(matches!(check(&"a".repeat(256)), Err(Error::TooLong(_))));
        // 255 UTF-16 units and 255 UTF-8 bytes: 85 kanji fit, 86 do not.
        assert!(check(&"あ".repeat(85)).is_ok());
        assert!(matches!(check(&"あ".repeat(86)), Err(Error::TooLong(_))));
        assert!(matches!(check(&"試".repeat(100)), Err(Error::TooLong(_))));
        for reserved in [
            ".oqs-courier-staging-0123",
            ".OQS-Courier-1.tmp",
            ".oqs-courier-",
        ] {
            assert!(
                matches!(check(reserved), Err(Error::ReservedPrefix(_))),
                "{reserved}"
            );
        }
        assert!(check(".oqs-courier").is_ok());
        assert!(check("oqs-courier-notes.txt").is_ok());
        assert!(check("COM10").is_ok());
        assert!(check("CONSOLE.xml").is_ok());
    }

    #[test]
    fn windows_folding_and_short_names() {
        for (a, b) in [
            ("σ.xml", "ς.xml"),
            ("ı.xml", "I.xml"),
            ("ſ.xml", "S.xml"),
            ("µ.xml", "μ.xml"),
            ("a.xml", "A.XML"),
        ] {
            assert_eq!(
                check_set([a, b]),
                Err(Error::Duplicate(b.to_owned())),
                "{a} {b}"
            );
        }
        assert!(
            check_set(["ß.xml", "SS.xml"]).is_ok(),
            "ß does not fold to SS"
        );
        for short in ["PROGRA~1", "OQSSIQ~1.XML", "a~12.x", "abcdef~9.txt"] {
            assert!(matches!(check(short), Err(Error::ShortName(_))), "{short}");
        }
        for long in [
            "OQSsiquc01req_~1.xml",
            "a~b.xml",
            "~1.xml",
            "abc~1.xml.bak",
            "ab~1.html",
        ] {
            assert!(check(long).is_ok(), "{long}");
        }
        assert!(matches!(check("CON .txt"), Err(Error::Reserved(_))));
    }

    #[test]
    fn refuses_case_duplicates() {
        assert_eq!(
            check_set(["a.xml", "b.xml", "A.XML"]),
            Err(Error::Duplicate("A.XML".into()))
        );
        assert_eq!(check_set(["a.xml", "b.xml"]), Ok(()));
    }
}
