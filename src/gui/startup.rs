//! What the desktop app does when it cannot start: one line in `gui-startup.log` and, on
//! Windows, a message box — never a silent exit.
//!
//! The app has no console (`windows_subsystem = "windows"`), so without this a failure before
//! the window opens (no state directory, no window or renderer) left staff with nothing on the
//! screen and support with nothing to read. The log goes to the state directory, or to the
//! temporary folder when there is none. Writing it is best effort: the app is already failing.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The log's file name (in the state directory).
pub const LOG_FILE: &str = "gui-startup.log";
/// The log's file name in the temporary folder, when no state directory could be found.
pub const TEMP_LOG_FILE: &str = "oqs-courier-gui-startup.log";

/// Where the log goes: `<state dir>/gui-startup.log`, or a file in the temporary folder.
pub fn log_path(state_dir: Option<&Path>) -> PathBuf {
    match state_dir {
        Some(dir) => dir.join(LOG_FILE),
        None => std::env::temp_dir().join(TEMP_LOG_FILE),
    }
}

/// One log line: time, what staff were told, the technical detail, separated by tabs; line
/// breaks inside become spaces so that one failure is one line.
pub fn log_line(time: &str, what: &str, detail: &str) -> String {
    let flat = |s: &str| s.replace(['\r', '\n', '\t'], " ");
    format!("{time}\t{}\t{}\n", flat(what), flat(detail))
}

/// Appends `line` to the log at `path`, creating the file (and its folder, owner-only) first.
pub fn append(path: &Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::durable::create_private_dir(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(line.as_bytes())?;
    f.sync_all()
}

/// Records that the app could not start (`what`: a Japanese sentence for staff; `detail`: the
/// English cause) and, on Windows, tells staff in a message box. Returns the log's path.
pub fn report(state_dir: Option<&Path>, what: &str, detail: &str) -> PathBuf {
    let mut path = log_path(state_dir);
    let time = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let line = log_line(&time, what, detail);
    if append(&path, &line).is_err() && state_dir.is_some() {
        // The state directory cannot be written either: the temporary folder is the last place.
        path = log_path(None);
        let _ = append(&path, &line);
    }
    #[cfg(windows)]
    crate::win32::error_box(
        crate::text::G_TITLE,
        &crate::text::g_startup_failed(what, &path.display().to_string()),
    );
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failure_is_one_line() {
        assert_eq!(
            log_line(
                "2026-11-27T09:00:00+09:00",
                "画面を開けません。",
                "no adapter\nfound"
            ),
            "2026-11-27T09:00:00+09:00\t画面を開けません。\tno adapter found\n"
        );
    }

    #[test]
    fn appends_to_the_state_directory_and_creates_it() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("state");
        let path = log_path(Some(&home));
        assert_eq!(path, home.join(LOG_FILE));
        append(&path, &log_line("t1", "a", "x")).unwrap();
        append(&path, &log_line("t2", "b", "y")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "t1\ta\tx\nt2\tb\ty\n"
        );
    }

    #[test]
    fn without_a_state_directory_the_log_is_in_the_temporary_folder() {
        assert_eq!(log_path(None), std::env::temp_dir().join(TEMP_LOG_FILE));
    }
}
