//! `oqs-courier selftest`: non-destructive checks of the PC it runs on, for the owner's first
//! installation and for support.
//!
//! Wine cannot show everything a real PC does (bus types, volume flush, Defender, DPAPI under a
//! real profile), so the owner runs this on each PC and sends the report to support. Each check
//! reads, or writes one hidden probe file (`.oqs-courier-selftest-<pid>-<n>.tmp`) and removes it;
//! nothing else changes. The report carries counts, paths of the app's own folders, drive and
//! volume facts and versions — never a file name from the OQS folders or anything inside a file
//! (no patient data), which `tests/it/selftest.rs` checks.

use crate::state::{Home, Installation};
use crate::{detect, text, volume};
use std::io::{Read, Write};
use std::path::Path;

/// The start of the probe files the write checks write and remove (the courier's reserved
/// prefix, so that no OQS program takes one for a link file); the process id and a counter
/// follow, so two self-tests at once never share a probe.
pub const PROBE_PREFIX: &str = ".oqs-courier-selftest-";

/// How a check went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// As it should be.
    Ok,
    /// Works, but the owner should look at it.
    Warn,
    /// Does not work: the courier cannot do its job on this PC until it is fixed.
    Fail,
    /// Not checked here (not initialised, no stick given, not Windows).
    Skipped,
}

/// One check.
#[derive(Clone, Debug)]
pub struct Check {
    /// What was checked (Japanese, from [`text`]).
    pub title: &'static str,
    /// How it went.
    pub status: Status,
    /// What was found, for the owner (Japanese).
    pub summary: String,
    /// The technical detail for support (English).
    pub detail: String,
}

/// The whole report.
#[derive(Clone, Debug)]
pub struct Report {
    /// When it was made (local time, RFC 3339).
    pub created: String,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Report {
    /// Checks that failed.
    pub fn failures(&self) -> usize {
        self.count(Status::Fail)
    }

    /// Checks with a warning.
    pub fn warnings(&self) -> usize {
        self.count(Status::Warn)
    }

    fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// The report as plain text (Japanese, with the English detail indented below each line).
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&text::selftest_heading(
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH,
            &self.created,
        ));
        out.push('\n');
        for c in &self.checks {
            let mark = match c.status {
                Status::Ok => text::SELFTEST_OK,
                Status::Warn => text::SELFTEST_WARN,
                Status::Fail => text::SELFTEST_FAIL,
                Status::Skipped => text::SELFTEST_SKIPPED,
            };
            out.push_str(&format!("{mark} {}: {}\n", c.title, c.summary));
            if !c.detail.is_empty() {
                out.push_str(&format!("      ({})\n", c.detail));
            }
        }
        out.push_str(&text::selftest_result(self.failures(), self.warnings()));
        out.push('\n');
        out.push_str(text::SELFTEST_NO_PATIENT_DATA);
        out.push('\n');
        out
    }
}

/// Runs every check on this PC; `stick` is the root of a stick to check as well.
pub fn run(home: &Home, stick: Option<&Path>) -> Report {
    let mut checks = vec![state_dir(home.path())];
    let inst = match home.load() {
        Ok(inst) => {
            checks.push(check(
                text::SELFTEST_SETUP,
                Status::Ok,
                text::selftest_setup(
                    text::role_name(inst.config.role.as_str()),
                    &inst.config.label,
                ),
                format!(
                    "role {}, key fingerprint {}",
                    inst.config.role.as_str(),
                    inst.fingerprint()
                ),
            ));
            checks.push(keys(&inst));
            checks.push(journal(&inst));
            checks.push(pairing(&inst));
            checks.push(oqs_folder(&inst.config.oqs_dir));
            Some(inst)
        }
        Err(e) => {
            let e = crate::Error::from(e);
            checks.push(check(
                text::SELFTEST_SETUP,
                Status::Fail,
                format!("{} {}", e.message(), e.hint()),
                e.to_string(),
            ));
            None
        }
    };
    checks.push(drives());
    checks.push(match stick {
        Some(root) => stick_check(root, inst.as_ref()),
        None => check(
            text::SELFTEST_STICK,
            Status::Skipped,
            text::SELFTEST_NO_STICK.to_owned(),
            String::new(),
        ),
    });
    checks.push(defender(inst.as_ref()));
    checks.push(clock(inst.as_ref()));
    Report {
        created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        checks,
    }
}

fn check(title: &'static str, status: Status, summary: String, detail: String) -> Check {
    Check {
        title,
        status,
        summary,
        detail,
    }
}

/// Writes, flushes, reads back and removes the probe file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("{PROBE_PREFIX}{}-{n}.tmp", std::process::id()));
    let payload = b"oqs-courier selftest\n";
    let result = (|| {
        let mut f = crate::durable::create(&path)?;
        f.write_all(payload)?;
        f.sync_all()?;
        drop(f);
        let mut back = Vec::new();
        std::fs::File::open(&path)?.read_to_end(&mut back)?;
        if back != payload {
            return Err(std::io::Error::other("read back different bytes"));
        }
        crate::durable::remove_file(&path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    result
}

/// Below this much free space in the state directory's volume, a warning (the journal and the
/// stored copies live there).
const LOW_STATE_SPACE: u64 = 200 * 1024 * 1024;

fn state_dir(dir: &Path) -> Check {
    if !dir.is_dir() {
        return check(
            text::SELFTEST_STATE_DIR,
            Status::Fail,
            text::SELFTEST_STATE_DIR_MISSING.to_owned(),
            format!("{} does not exist", dir.display()),
        );
    }
    let free = volume::available_space(dir);
    let detail = format!(
        "{}, {} bytes free",
        dir.display(),
        free.map_or("unknown".to_owned(), |f| f.to_string())
    );
    match probe(dir) {
        Err(e) => check(
            text::SELFTEST_STATE_DIR,
            Status::Fail,
            text::SELFTEST_NOT_WRITABLE.to_owned(),
            format!("{detail}: {e}"),
        ),
        Ok(()) => check(
            text::SELFTEST_STATE_DIR,
            if free.is_some_and(|f| f < LOW_STATE_SPACE) {
                Status::Warn
            } else {
                Status::Ok
            },
            text::selftest_writable(free),
            detail,
        ),
    }
}

fn keys(inst: &Installation) -> Check {
    // The key file opened (Home::load); sign and verify once to show the key is usable.
    let message = b"oqs-courier selftest";
    let sig = inst.identity.sign(message);
    let signs = inst.identity.public().verify(message, &sig).is_ok();
    let (protected, how) = key_protection(&inst.home);
    let status = match (signs, protected) {
        (false, _) => Status::Fail,
        (true, false) => Status::Warn,
        (true, true) => Status::Ok,
    };
    check(
        text::SELFTEST_KEYS,
        status,
        match status {
            Status::Fail => text::E_STATE_DAMAGED,
            Status::Warn => text::SELFTEST_KEYS_EXPOSED,
            _ => text::SELFTEST_KEYS_OK,
        }
        .to_owned(),
        format!("identity loaded, signs and verifies: {signs}; {how}"),
    )
}

/// Whether the key file is protected at rest, and how: on Windows, DPAPI (checked from the
/// file's form, the unlock itself happened when the installation loaded); elsewhere an
/// owner-only file in an owner-only folder.
fn key_protection(home: &Home) -> (bool, String) {
    let form = home.key_protection();
    let form_text = match &form {
        Ok(f) => format!("{} is {f}", crate::state::IDENTITY_FILE),
        Err(e) => e.to_string(),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
        let dir = home.path();
        match (mode(dir), mode(&dir.join(crate::state::IDENTITY_FILE))) {
            (Ok(d), Ok(f)) => (
                d & 0o077 == 0 && f & 0o077 == 0,
                format!("{form_text}; state dir mode {d:o}, key file mode {f:o} (owner only)"),
            ),
            (d, f) => (false, format!("{form_text}; modes unreadable: {d:?} {f:?}")),
        }
    }
    #[cfg(not(unix))]
    {
        let protected = form.is_ok_and(|f| f.starts_with("dpapi"));
        (
            protected,
            format!("{form_text}; unlocked with DPAPI when loaded"),
        )
    }
}

fn journal(inst: &Installation) -> Check {
    match inst.journal.quick_check() {
        Ok(problems) if problems.is_empty() => {
            let waiting = inst.journal.counts().unwrap_or_default();
            check(
                text::SELFTEST_JOURNAL,
                Status::Ok,
                text::selftest_journal(waiting.0, waiting.1),
                format!(
                    "quick_check ok; {} to send, {} to import",
                    waiting.0, waiting.1
                ),
            )
        }
        Ok(problems) => check(
            text::SELFTEST_JOURNAL,
            Status::Fail,
            text::E_STATE_DAMAGED.to_owned(),
            format!("quick_check: {}", problems.join("; ")),
        ),
        Err(e) => check(
            text::SELFTEST_JOURNAL,
            Status::Fail,
            text::E_STATE_IO.to_owned(),
            e.to_string(),
        ),
    }
}

fn pairing(inst: &Installation) -> Check {
    match &inst.peer {
        Some(peer) => check(
            text::SELFTEST_PAIRING,
            Status::Ok,
            text::selftest_paired(&peer.label),
            match inst.peer_keys() {
                Ok(k) => format!("peer fingerprint {}", k.fingerprint()),
                Err(e) => e.to_string(),
            },
        ),
        None => check(
            text::SELFTEST_PAIRING,
            Status::Fail,
            text::E_NOT_PAIRED.to_owned(),
            "no peer.json".to_owned(),
        ),
    }
}

fn oqs_folder(root: &Path) -> Check {
    let mut problems = Vec::new();
    let mut detail = vec![root.display().to_string()];
    if !root.is_dir() {
        problems.push(root.display().to_string());
    } else {
        use crate::oqs::folders::{self, Sub};
        for sub in [Sub::Req, Sub::Res, Sub::Face] {
            let dir = folders::find(root, sub).unwrap_or_else(|| root.join(sub.name()));
            let listed = std::fs::read_dir(&dir).map(|d| d.count());
            let written = listed.as_ref().ok().map(|_| probe(&dir));
            match (&listed, &written) {
                (Ok(n), Some(Ok(()))) => {
                    detail.push(format!("{}: {n} entries, writable", sub.name()));
                }
                (Ok(_), Some(Err(e))) => {
                    problems.push(sub.name().to_owned());
                    detail.push(format!("{}: not writable: {e}", sub.name()));
                }
                (Err(e), _) => {
                    problems.push(sub.name().to_owned());
                    detail.push(format!("{}: {e}", sub.name()));
                }
                (Ok(_), None) => unreachable!("probed whenever listed"),
            }
        }
    }
    check(
        text::SELFTEST_OQS,
        if problems.is_empty() {
            Status::Ok
        } else {
            Status::Fail
        },
        if problems.is_empty() {
            text::SELFTEST_OQS_OK.to_owned()
        } else {
            text::selftest_oqs_problem(&problems.join("、"))
        },
        detail.join("; "),
    )
}

fn drives() -> Check {
    let seen = detect::system_source().volumes();
    let all = detect::drive_report();
    match seen {
        Ok(volumes) => {
            let list: Vec<String> = volumes
                .iter()
                .map(|v| {
                    format!(
                        "{} ({})",
                        v.mount.display(),
                        v.file_system.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            check(
                text::SELFTEST_DRIVES,
                if volumes.is_empty() {
                    Status::Warn
                } else {
                    Status::Ok
                },
                text::selftest_drives(&list),
                all.join("; "),
            )
        }
        Err(e) => check(
            text::SELFTEST_DRIVES,
            Status::Fail,
            text::SELFTEST_DRIVES_FAILED.to_owned(),
            format!("{e}; {}", all.join("; ")),
        ),
    }
}

fn stick_check(root: &Path, inst: Option<&Installation>) -> Check {
    if !root.is_dir() {
        return check(
            text::SELFTEST_STICK,
            Status::Fail,
            text::E_STICK_MISSING.to_owned(),
            format!("{} is not a folder", root.display()),
        );
    }
    let free = volume::available_space(root);
    let fs = file_system_of(root);
    let mut detail = format!(
        "{}, file system {}, {} bytes free",
        root.display(),
        fs.as_deref().unwrap_or("unknown"),
        free.map_or("unknown".to_owned(), |f| f.to_string())
    );
    if let Err(e) = probe(root) {
        let read_only = e.kind() == std::io::ErrorKind::ReadOnlyFilesystem
            || e.kind() == std::io::ErrorKind::PermissionDenied;
        return check(
            text::SELFTEST_STICK,
            Status::Fail,
            if read_only {
                text::E_STICK_READ_ONLY
            } else {
                text::E_STICK_IO
            }
            .to_owned(),
            format!("{detail}: write/flush/read/remove failed: {e}"),
        );
    }
    detail.push_str(", write/flush/read/remove ok");
    let flushed = volume::flush_volume(root);
    detail.push_str(&format!(
        ", volume flush {}",
        if flushed { "done" } else { "not available" }
    ));
    let enrolled = inst.map(|inst| crate::engine::stick_enrolled(inst, root));
    match &enrolled {
        Some(Ok(true)) => detail.push_str(", enrolled for this pair"),
        Some(Ok(false)) => detail.push_str(", not enrolled for this pair"),
        Some(Err(e)) => detail.push_str(&format!(", marker: {e}")),
        None => {}
    }
    let full = free.is_some_and(|f| f < crate::volume::FULL_BELOW);
    let status = match enrolled {
        _ if full => Status::Fail,
        Some(Ok(true)) => Status::Ok,
        _ => Status::Warn,
    };
    let summary = if full {
        text::E_STICK_FULL.to_owned()
    } else {
        text::selftest_stick(fs.as_deref(), free, matches!(enrolled, Some(Ok(true))))
    };
    check(text::SELFTEST_STICK, status, summary, detail)
}

/// The file system of the volume holding `path`, from the drive list where it is a candidate.
fn file_system_of(path: &Path) -> Option<String> {
    let canon = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    detect::system_source()
        .volumes()
        .ok()?
        .into_iter()
        .filter(|v| canon.starts_with(&v.mount))
        .max_by_key(|v| v.mount.as_os_str().len())
        .and_then(|v| v.file_system)
}

fn defender(inst: Option<&Installation>) -> Check {
    let setting = inst.is_some_and(|i| i.config.defender_scan);
    match crate::engine::defender_program() {
        None => check(
            text::SELFTEST_DEFENDER,
            if setting {
                Status::Fail
            } else {
                Status::Skipped
            },
            text::SELFTEST_DEFENDER_MISSING.to_owned(),
            format!("MpCmdRun.exe not found; scan setting {setting}"),
        ),
        Some(program) => check(
            text::SELFTEST_DEFENDER,
            Status::Ok,
            text::selftest_defender(setting),
            format!("{}; scan setting {setting}", program.display()),
        ),
    }
}

fn clock(inst: Option<&Installation>) -> Check {
    let now = chrono::Local::now();
    let offset = now.offset().local_minus_utc();
    let last = inst
        .and_then(|i| i.journal.get_meta("last_trip").ok().flatten())
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
    let behind = last.is_some_and(|t| t > now + chrono::Duration::minutes(5));
    let status = if behind || offset != 9 * 3600 {
        Status::Warn
    } else {
        Status::Ok
    };
    let summary = if behind {
        text::SELFTEST_CLOCK_BACK.to_owned()
    } else if offset != 9 * 3600 {
        text::SELFTEST_CLOCK_ZONE.to_owned()
    } else {
        text::selftest_clock(&now.format("%Y-%m-%d %H:%M").to_string())
    };
    check(
        text::SELFTEST_CLOCK,
        status,
        summary,
        format!(
            "now {}, UTC offset {} s, last trip {}",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            offset,
            last.map_or("never".to_owned(), |t| t.to_rfc3339())
        ),
    )
}
