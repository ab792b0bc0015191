//! The OQS folder's layout: its Req, Res and Face subfolders.
//!
//! Owns finding a subfolder whatever its letter case (`Req`, `req`, `REQ` … — Windows does not
//! care, the vendors' convention varies). Never creates folders: on a real terminal they belong
//! to the 連携アプリ, and a missing one means a wrong setting (callers that may create, such as
//! the simulators, do so themselves).

use std::path::{Path, PathBuf};

/// One subfolder of the OQS folder (in JSON and the journal by its [`Sub::label`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sub {
    /// Requests (レセコン → 連携アプリ).
    Req,
    /// Responses (連携アプリ → レセコン).
    Res,
    /// Face-reader results (連携アプリ → レセコン, no request).
    Face,
}

impl Sub {
    /// The conventional name (`Req`, `Res`, `Face`).
    pub fn name(self) -> &'static str {
        match self {
            Sub::Req => "Req",
            Sub::Res => "Res",
            Sub::Face => "Face",
        }
    }

    /// The short label stored in the journal (`req`, `res`, `face`).
    pub fn label(self) -> &'static str {
        match self {
            Sub::Req => "req",
            Sub::Res => "res",
            Sub::Face => "face",
        }
    }

    /// Parses a journal label.
    pub fn from_label(s: &str) -> Option<Sub> {
        match s {
            "req" => Some(Sub::Req),
            "res" => Some(Sub::Res),
            "face" => Some(Sub::Face),
            _ => None,
        }
    }
}

/// The existing subfolder of `root` for `sub`, matched case-insensitively; `None` if missing.
pub fn find(root: &Path, sub: Sub) -> Option<PathBuf> {
    let exact = root.join(sub.name());
    if exact.is_dir() {
        return Some(exact);
    }
    std::fs::read_dir(root).ok()?.flatten().find_map(|e| {
        let p = e.path();
        (e.file_name()
            .to_string_lossy()
            .eq_ignore_ascii_case(sub.name())
            && p.is_dir())
        .then_some(p)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_any_case_and_never_creates() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("req")).unwrap();
        std::fs::create_dir(dir.path().join("RES")).unwrap();
        // Windows resolves `Req` to the existing `req` itself; elsewhere the scan finds it.
        let name = |p: PathBuf| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .to_ascii_lowercase()
        };
        assert_eq!(name(find(dir.path(), Sub::Req).unwrap()), "req");
        assert_eq!(name(find(dir.path(), Sub::Res).unwrap()), "res");
        assert!(find(dir.path(), Sub::Req).unwrap().is_dir());
        assert_eq!(find(dir.path(), Sub::Face), None);
        assert!(!dir.path().join("Face").exists());
        assert_eq!(Sub::from_label(Sub::Face.label()), Some(Sub::Face));
    }
}
