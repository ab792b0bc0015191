//! The self-test report screen's file: saved on the desktop for the owner or the vendor.

use crate::text;
use std::path::PathBuf;

/// Saves a self-test report on the desktop (UTF-8 with a byte-order mark, so every Notepad
/// reads it) and returns the notice for staff.
pub(super) fn save_report(report: &str) -> String {
    let home = std::env::var_os("USERPROFILE").or_else(|| std::env::var_os("HOME"));
    let dir = home
        .map(PathBuf::from)
        .map(|h| {
            let desktop = h.join("Desktop");
            if desktop.is_dir() { desktop } else { h }
        })
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!(
        "oqs-courier-点検-{}.txt",
        chrono::Local::now().format("%Y%m%d-%H%M%S")
    ));
    let body = format!("\u{feff}{}", report.replace('\n', "\r\n"));
    match std::fs::write(&path, body) {
        Ok(()) => text::g_selftest_saved(&path.display().to_string()),
        Err(e) => format!("{} ({e})", text::E_STATE_IO),
    }
}
