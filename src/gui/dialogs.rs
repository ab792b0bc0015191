//! The system's own file dialogs: a folder picker (the wizard's OQS folder) and a save dialog
//! (exporting the history). On Windows these are the native common dialogs; elsewhere (the
//! demo, development) there is no dialog and the caller falls back to a typed path.

use std::path::{Path, PathBuf};

/// Asks the user for a folder; `None` when cancelled or when this system has no dialog.
pub fn pick_folder(_title: &str, _start: Option<&Path>) -> Option<PathBuf> {
    None
}

/// Asks the user where to save a file called `default_name` (in `start` if given); `None` when
/// cancelled or when this system has no dialog.
pub fn save_file(_title: &str, _start: Option<&Path>, _default_name: &str) -> Option<PathBuf> {
    None
}

/// Whether this system shows real dialogs (otherwise the screens offer a path field).
pub fn available() -> bool {
    cfg!(windows)
}
