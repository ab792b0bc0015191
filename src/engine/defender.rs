//! The owner's Microsoft Defender scan of received files (Windows only).

use super::*;

impl Session<'_> {
    /// The owner's Defender setting ([`crate::state::Config::defender_scan`]): when on, scans
    /// the received files before anyone sees or publishes them; anything but a clean verdict
    /// stops the step here (nothing imported or published, the stick untouched). `Ok` when the
    /// setting is off or on a system without Defender.
    pub fn scan_received(&self) -> Result<(), Error> {
        let dir = self.inst.store_dir();
        if !self.inst.config.defender_scan || !dir.is_dir() {
            return Ok(());
        }
        match defender_scan(&dir) {
            Scan::Clean | Scan::NotAvailable => Ok(()),
            Scan::Threat(said) => Err(EngineError::Threat { said }.into()),
            Scan::Failed(detail) => Err(EngineError::ScanFailed { detail }.into()),
        }
    }
}

/// Where Microsoft Defender's command-line scanner is on Windows.
pub(super) fn defender_path() -> PathBuf {
    std::env::var_os("ProgramFiles")
        .map_or_else(|| PathBuf::from(r"C:\Program Files"), PathBuf::from)
        .join("Windows Defender")
        .join("MpCmdRun.exe")
}

/// Microsoft Defender's command-line scanner, when this PC has it (never outside Windows).
pub fn defender_program() -> Option<PathBuf> {
    let program = defender_path();
    (cfg!(windows) && program.is_file()).then_some(program)
}

/// What Microsoft Defender said about received files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scan {
    /// No threat found.
    Clean,
    /// Not scanned: not Windows (the setting is Windows-only).
    NotAvailable,
    /// Defender reported a threat (its output).
    Threat(String),
    /// Defender could not be run or failed (what happened).
    Failed(String),
}

/// Scans `dir` (the received files: [`Installation::store_dir`]) with Microsoft Defender:
/// `%ProgramFiles%\Windows Defender\MpCmdRun.exe -Scan -ScanType 3 -File <dir>
/// -DisableRemediation` (exit code 0 = clean, 2 = threat). Nothing is removed or quarantined;
/// callers refuse the step on anything but [`Scan::Clean`]. A no-op on other systems.
pub fn defender_scan(dir: &Path) -> Scan {
    if !cfg!(windows) {
        return Scan::NotAvailable;
    }
    let program = defender_path();
    let mut cmd = std::process::Command::new(&program);
    cmd.args(["-Scan", "-ScanType", "3", "-File"])
        .arg(dir)
        .arg("-DisableRemediation")
        .stdin(std::process::Stdio::null());
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        cmd.creation_flags(0x0800_0000); // CREATE_NO_WINDOW: no console flashes up
    }
    match cmd.output() {
        Ok(out) => {
            let said = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            match out.status.code() {
                Some(0) => Scan::Clean,
                Some(2) => Scan::Threat(said),
                _ => Scan::Failed(format!("{}: {} {said}", program.display(), out.status)),
            }
        }
        Err(e) => Scan::Failed(format!("{}: {e}", program.display())),
    }
}
