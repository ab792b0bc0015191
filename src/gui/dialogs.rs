//! The system's own file dialogs: a folder picker (the wizard's OQS folder), an open dialog (the
//! owner's update installer) and a save dialog (exporting the history). On Windows these are the native common dialogs; elsewhere (the
//! demo, development) there is no dialog and the caller falls back to a typed path.
//!
//! Windows: `SHBrowseForFolderW` (with a 新しいフォルダー button, so the wizard's missing folders
//! can be made there), `GetOpenFileNameW` and `GetSaveFileNameW` (asks before overwriting). They are plain
//! functions, so no COM interface code is needed, and both work under Wine. They are called on
//! the UI thread (from `update`) and are modal to the app's window: the window is disabled
//! while the dialog is up, and the dialog's own message loop keeps handling its messages (no
//! 「応答なし」; it shows its last picture until the dialog closes), the usual behaviour of a
//! Windows app. The stick watcher and the workers run
//! on their own threads meanwhile; their messages are handled once the dialog closes. A dialog
//! on another thread would need a blocked UI thread (the caller waits for the answer) that an
//! owned dialog can deadlock, or an unowned dialog that can hide behind the window.

use std::path::{Path, PathBuf};

/// Asks the user for a folder; `None` when cancelled or when this system has no dialog.
pub fn pick_folder(title: &str, start: Option<&Path>) -> Option<PathBuf> {
    #[cfg(windows)]
    return crate::win32::desktop::browse_folder(title, start);
    #[cfg(not(windows))]
    {
        let _ = (title, start);
        None
    }
}

/// Asks the user where to save a file called `default_name` (in `start` if given); `None` when
/// cancelled or when this system has no dialog.
pub fn save_file(title: &str, start: Option<&Path>, default_name: &str) -> Option<PathBuf> {
    #[cfg(windows)]
    {
        let (filters, ext) = save_filters(default_name);
        use crate::win32::desktop::{FileDialog, file_dialog};
        file_dialog(FileDialog::Save, title, start, default_name, &filters, ext)
    }
    #[cfg(not(windows))]
    {
        let _ = (title, start, default_name);
        None
    }
}

/// Asks the user for an existing file ending in `.{extension}` (in `start` if given); `None`
/// when cancelled or when this system has no dialog.
pub fn open_file(title: &str, start: Option<&Path>, extension: &str) -> Option<PathBuf> {
    #[cfg(windows)]
    {
        use crate::win32::desktop::{FileDialog, file_dialog};
        let (filters, _) = save_filters(&format!("x.{extension}"));
        file_dialog(FileDialog::Open, title, start, "", &filters, None)
    }
    #[cfg(not(windows))]
    {
        let _ = (title, start, extension);
        None
    }
}

/// The save dialog's filters for `default_name` — its extension's files first, then every
/// file — and the extension the dialog adds when the user types none.
pub fn save_filters(default_name: &str) -> (Vec<(String, String)>, Option<&str>) {
    let all = (crate::text::DLG_ALL_FILES.to_owned(), "*.*".to_owned());
    let ext = Path::new(default_name)
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| !e.is_empty());
    match ext {
        Some(e) => (
            vec![(crate::text::dlg_files_of(e), format!("*.{e}")), all],
            Some(e),
        ),
        None => (vec![all], None),
    }
}

/// Whether this system shows real dialogs (otherwise the screens offer a path field).
pub fn available() -> bool {
    cfg!(windows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_names_extension_is_offered_first() {
        let (filters, ext) = save_filters("作業履歴-20261127.csv");
        assert_eq!(ext, Some("csv"));
        assert_eq!(
            filters,
            [
                ("CSV ファイル".to_owned(), "*.csv".to_owned()),
                ("すべてのファイル".to_owned(), "*.*".to_owned())
            ]
        );
        let (filters, ext) = save_filters("report");
        assert_eq!(ext, None);
        assert_eq!(filters.len(), 1);
    }
}
