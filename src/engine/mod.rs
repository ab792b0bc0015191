//! The sync engine: what happens when an enrolled stick is inserted at the clinic or the terminal.
//!
//! Owns the steps of a trip and their order, which is what makes "exactly once, nothing lost"
//! hold across pulled sticks and crashes:
//!
//! 1. [`begin`]: check the stick's marker, finish any publish a crash interrupted, verify every
//!    package on the stick (one bad package refuses the stick and changes nothing), and receive
//!    the new ones into the journal: their files are stored in the state directory and the
//!    package is recorded as applied in **one transaction** — from then on it is safe to
//!    acknowledge, even before anything is published.
//! 2. Clinic: [`Session::import_rows`] gives the import prompt (with OQS summaries);
//!    [`Session::import`] publishes what staff accepted into Res / Face, the rest is held.
//!    Terminal: [`Session::publish_requests`] puts the requests into Req, and
//!    [`Session::wait_for_responses`] waits for their answers.
//! 3. [`Session::collect`]: the clinic takes complete requests out of Req, the terminal sweeps every
//!    complete result from Res and Face (moving the originals to its archive). Each file is stored
//!    and queued in one transaction before the original is removed.
//! 4. [`Session::finish`]: seal everything still unacknowledged (plus our acknowledgements) into a
//!    new package, then remove what the stick no longer needs (the peer's packages we applied,
//!    our older packages, incomplete leftovers), flush, and report that the stick may be removed.
//!
//! Publishing into an OQS folder goes through a temporary name in the same folder, recorded as
//! `publishing` before the rename and `published` after: after a crash, a temporary file still
//! present means "not renamed yet", a missing one means "renamed" — so no file is ever published
//! twice. Received duplicates (the same name and content again) are recorded and skipped.
//! This module talks to no user; the CLI and the GUI drive it through [`run_step`].
//!
//! Files: `step.rs` (the driver and [`Frontend`]), `plan.rs` (the pure decisions), `receive.rs`,
//! `publish.rs`, `collect.rs`, `seal.rs` (the phases), `care.rs` (the terminal's
//! health report and settings in the packages), `dry_run.rs` (`sync --dry-run`),
//! `status.rs` (the home screen's and `status`'s figures), `admin.rs` (sticks), `defender.rs`,
//! `log.rs` (the audit log as CSV); this file holds the session and what they share.

mod admin;
mod care;
mod collect;
mod defender;
mod dry_run;
mod log;
pub mod plan;
mod publish;
mod receive;
mod seal;
mod status;
mod step;

pub use admin::{Revoked, enroll, revoke, stick_enrolled};
pub use defender::{Scan, defender_program, defender_scan};
pub use log::{audit_csv_line, write_audit_csv, write_audit_csv_header, write_audit_csv_row};
pub use publish::{error_text, short_summary};

use admin::pair_of;
use collect::complete_files;
use publish::temp_name;
use receive::destination;
use seal::package_len;

pub use dry_run::{StepPlan, dry_run};
pub use status::{OLD_UNANSWERED_HOURS, Status, status};
pub use step::{Decision, DropReason, Frontend, Progress, import_held, run_step, unasked};

use crate::journal::{AuditRow, Dir, Flow, Item, NewItem, Outcome as Audited, State, Tx};
use crate::label::Label;
use crate::oqs::folders::{self, Sub};
use crate::oqs::{self, Completeness, Kind, Summary};
use crate::package::{self, SourceFile};
use crate::pairing;
use crate::state::{Installation, Role};
use crate::stick::{Marker, Stick};
use crate::transfer::{self, file_audit};
use crate::{Error, durable};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Something in the OQS folders or the state directory stopped a step.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// An OQS subfolder does not exist.
    #[error("the OQS folder {path} has no {sub} subfolder")]
    FolderMissing {
        /// The OQS folder.
        path: PathBuf,
        /// Which subfolder.
        sub: &'static str,
    },
    /// A file could not be read, written or moved.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Microsoft Defender reported a threat in the received files (the owner's setting).
    #[error("Microsoft Defender reported a threat in the received files: {said}")]
    Threat {
        /// What Defender printed.
        said: String,
    },
    /// The stick cannot take even the smallest package the step has to write.
    #[error(
        "the stick at {path} has {} bytes of room, {} files ({} bytes) wait to travel and need {} bytes",
        room.room, room.waiting, room.waiting_bytes, room.need_all
    )]
    NoRoom {
        /// The stick's package folder.
        path: PathBuf,
        /// The figures.
        room: plan::NoRoom,
    },
    /// The owner asked for a Defender scan of received files, but it could not be run.
    #[error("the Microsoft Defender scan could not be run: {detail}")]
    ScanFailed {
        /// What happened.
        detail: String,
    },
}

fn io(path: &Path, source: std::io::Error) -> Error {
    EngineError::Io {
        path: path.to_owned(),
        source,
    }
    .into()
}

/// Named points of a step, where fault-injection tests pull the stick or stop the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpoint {
    /// New packages are stored and recorded as applied.
    Received,
    /// One file was published into an OQS folder.
    Published,
    /// Files were collected from the OQS folders.
    Collected,
    /// The new package is written and recorded, older packages still on the stick.
    Sealed,
    /// The stick was cleaned, not yet flushed.
    Cleaned,
}

/// A callback run at every [`Checkpoint`] (tests only; `None` in the product).
#[derive(Clone)]
pub struct Hook(pub std::sync::Arc<dyn Fn(Checkpoint) + Send + Sync>);

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hook")
    }
}

/// Settings of a step.
#[derive(Clone, Debug)]
pub struct Options {
    /// A file in an OQS folder is complete once unchanged for this long.
    pub quiet: Duration,
    /// A file whose content is incomplete (`oqs::complete`) waits in its OQS folder until it is
    /// this old (by modification time), then travels flagged as incomplete.
    pub incomplete_wait: Duration,
    /// Terminal: how long to wait for responses to the requests just published.
    pub response_wait: Duration,
    /// Terminal: how long collected originals stay in the archive.
    pub retention_days: i64,
    /// How often to look at the folders while waiting.
    pub poll: Duration,
    /// Clinic: import every row nobody has to look at without asking (`sync --yes`); the
    /// owner's `auto_import` setting does the same. See [`run_step`].
    pub assume_yes: bool,
    /// Fault-injection hook (tests).
    pub checkpoint: Option<Hook>,
    /// Terminal: seconds added to the clock its health report states (tests: a terminal whose
    /// clock is off; 0 in the product).
    pub clock_offset_secs: i64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            quiet: Duration::from_millis(1000),
            incomplete_wait: Duration::from_secs(300),
            response_wait: Duration::from_secs(30),
            retention_days: 30,
            poll: Duration::from_millis(200),
            assume_yes: false,
            checkpoint: None,
            clock_offset_secs: 0,
        }
    }
}

/// One row of the clinic's import prompt.
#[derive(Clone, Debug)]
pub struct ImportRow {
    /// The journal item.
    pub item: Item,
    /// What the file says (for display only; the file travels untouched).
    pub summary: Summary,
    /// The clinic's own request this file answers, when it is known: for a `.err` file (whose
    /// content names no patient) and a PDF result — from the stored copy of the request this
    /// clinic sent, or a request that came back in the same prompt.
    pub request: Option<Summary>,
    /// The request's patient as the audit log recorded it when it was collected, when the
    /// request's own copy is no longer kept (see [`ImportRow::request`]).
    pub request_line: Option<String>,
    /// The text inside a `.err` file (decoded as Shift_JIS or UTF-8, trimmed, shortened).
    pub error_text: Option<String>,
}

impl ImportRow {
    /// Whether the row is imported when nobody decides row by row (auto-import, `sync --yes`,
    /// the CLI's yes): every row but a file that arrived flagged incomplete, which stays held
    /// and shows again in the next prompt until staff tick it there.
    pub fn imported_unasked(&self) -> bool {
        !self.item.incomplete
    }
}

/// What a whole step did (for the CLI, the GUI and the demo).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Terminal: a verified update waits to be installed once the step has ended
    /// (`update::install_ready`): its version.
    pub update_ready: Option<String>,
    /// Terminal: the front end could not start that update's installer after the step (what
    /// happened, what to do); the step itself is complete.
    pub update_failed: Option<(String, String)>,
    /// Packages received from the peer on this insert.
    pub packages_received: usize,
    /// Files received (new, not duplicates).
    pub files_received: usize,
    /// Files published into the OQS folders.
    pub published: usize,
    /// Files staff held back for later (with [`Outcome::stick_removed`]: every file left waiting).
    pub held: usize,
    /// Files staff chose not to import (取り込まない).
    pub dropped: usize,
    /// Clinic: the stick was pulled while the import prompt was up; everything received was
    /// kept (held) and nothing was written to the stick.
    pub stick_removed: bool,
    /// Clinic: the results were imported without the prompt (auto-import or `sync --yes`).
    pub auto_imported: bool,
    /// Files collected from the OQS folders on this step.
    pub collected: usize,
    /// Files in the package written now (everything not yet acknowledged).
    pub sent: usize,
    /// Sequence number of the package written now.
    pub sent_seq: Option<u64>,
    /// Terminal: requests still without an answer.
    pub awaiting: usize,
    /// Package files removed from the stick.
    pub cleaned: usize,
    /// Files left in the OQS folders at the last look because their content is still incomplete
    /// (they travel on a later step, flagged if still incomplete after the wait).
    pub incomplete_waiting: usize,
    /// Files that did not fit on the stick and wait for a later trip ([`plan::seal`]).
    pub left_behind: usize,
    /// Their total size in bytes.
    pub left_behind_bytes: u64,
    /// Free space the stick would have needed to carry everything at once.
    pub space_needed: u64,
}

/// An inserted stick being processed.
pub struct Session<'a> {
    /// Held from [`begin`] to the end of [`Session::finish`]: one step at a time per installation.
    _lock: crate::state::StepLock,
    inst: &'a mut Installation,
    stick: Stick,
    marker: Marker,
    opts: Options,
    oqs_root: PathBuf,
    peer_fp: String,
    applied_now: Vec<PathBuf>,
    acks_needed: bool,
    /// Terminal: requests awaiting an answer when the step began (for the health report).
    awaiting_before: usize,
    /// When each file in the OQS folders last changed (the quiet period of every file).
    quiet: collect::Quiet,
    /// What happened so far.
    pub outcome: Outcome,
}

/// Checks the stick and receives every new package on it. Refuses (changing nothing on the
/// stick or in the OQS folders) when the stick is not enrolled for this pair, revoked, or
/// carries any package that does not verify.
pub fn begin<'a>(
    inst: &'a mut Installation,
    stick_root: &Path,
    opts: Options,
) -> Result<Session<'a>, Error> {
    // First of all: a second process waits here, then gives up having changed nothing.
    let lock = inst.home.lock()?;
    let stick = Stick::at(stick_root)?;
    let (pair, own, peer) = pair_of(inst)?;
    let marker = match stick.verify_marker(&pair, &[own, peer]) {
        Ok(m) => m,
        Err(e) => {
            let e = Error::from(e);
            refuse_audit(inst, None, &e);
            return Err(e);
        }
    };
    if inst.journal.is_revoked(&marker.stick_id)? {
        let e = Error::from(crate::stick::Error::Revoked {
            id: marker.stick_id.clone(),
        });
        refuse_audit(inst, Some(&marker.stick_id), &e);
        return Err(e);
    }
    // A stick that cannot take the answer (write-protected, full) changes nothing.
    if let Err(e) = stick.check_writable() {
        let e = Error::from(e);
        refuse_audit(inst, Some(&marker.stick_id), &e);
        return Err(e);
    }
    inst.journal.note_stick(&marker.stick_id, &marker.label)?;
    let oqs_root = inst.config.oqs_dir.clone();
    for sub in [Sub::Req, Sub::Res, Sub::Face] {
        folder(&oqs_root, sub)?;
    }
    let awaiting_before = inst.journal.awaiting()?.len();
    let mut session = Session {
        _lock: lock,
        peer_fp: peer.fingerprint().to_string(),
        inst,
        stick,
        marker,
        opts,
        oqs_root,
        applied_now: Vec::new(),
        acks_needed: false,
        awaiting_before,
        quiet: collect::Quiet::default(),
        outcome: Outcome::default(),
    };
    session.tidy()?;
    session.recover()?;
    session.receive()?;
    Ok(session)
}

/// Records a refused stick: the reason in staff's words, then the technical detail (the
/// history shows the first, an inspector reads both).
fn refuse_audit(inst: &Installation, stick: Option<&str>, e: &Error) {
    let _ = inst.journal.audit(&AuditRow {
        stick: stick.map(str::to_owned),
        actor: Some(crate::state::actor()),
        reason: Some(format!("{}（{e}）", e.message())),
        ..AuditRow::new(Flow::In, Audited::Refused)
    });
}

fn folder(root: &Path, sub: Sub) -> Result<PathBuf, Error> {
    folders::find(root, sub).ok_or_else(|| {
        EngineError::FolderMissing {
            path: root.to_owned(),
            sub: sub.name(),
        }
        .into()
    })
}

fn sha256_file(path: &Path) -> Result<(String, u64), Error> {
    let mut f = File::open(path).map_err(|e| io(path, e))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(|e| io(path, e))?;
    Ok((hex::encode(h.finalize()), n))
}

/// Copies `from` to `to` and flushes it.
fn copy_flushed(from: &Path, to: &Path) -> Result<(), Error> {
    let mut src = File::open(from).map_err(|e| io(from, e))?;
    let mut dst = durable::create(to).map_err(|e| io(to, e))?;
    std::io::copy(&mut src, &mut dst).map_err(|e| io(to, e))?;
    dst.sync_all().map_err(|e| io(to, e))
}

impl Session<'_> {
    fn checkpoint(&self, at: Checkpoint) {
        if let Some(h) = &self.opts.checkpoint {
            (h.0)(at);
        }
    }

    /// The verified marker of the inserted stick.
    pub fn marker(&self) -> &Marker {
        &self.marker
    }

    fn store(&self) -> PathBuf {
        self.inst.store_dir()
    }

    fn stored(&self, id: i64) -> PathBuf {
        self.store().join(id.to_string())
    }

    fn audit_base(&self, direction: Flow, outcome: Audited) -> AuditRow {
        AuditRow {
            stick: Some(self.marker.stick_id.clone()),
            actor: Some(crate::state::actor()),
            ..AuditRow::new(direction, outcome)
        }
    }

    fn item_audit(
        &self,
        item: &Item,
        direction: Flow,
        outcome: Audited,
        reason: Option<String>,
    ) -> AuditRow {
        item_audit(
            Some(&self.marker.stick_id),
            item,
            direction,
            outcome,
            reason,
        )
    }

    /// The publishing desk of this session (see [`publish::Desk`]).
    fn desk(&mut self) -> publish::Desk<'_> {
        publish::Desk {
            inst: &mut *self.inst,
            stick: Some(&self.marker.stick_id),
            oqs_root: &self.oqs_root,
            hook: self.opts.checkpoint.as_ref(),
            outcome: &mut self.outcome,
        }
    }
}

/// The audit row of `outcome` for one journal item.
fn item_audit(
    stick: Option<&str>,
    item: &Item,
    direction: Flow,
    outcome: Audited,
    reason: Option<String>,
) -> AuditRow {
    AuditRow {
        seq: item.seq,
        file: Some(item.name.clone()),
        size: Some(item.size),
        sha256: Some(item.sha256.clone()),
        kind: Some(item.kind.clone()),
        reason,
        stick: stick.map(str::to_owned),
        actor: Some(crate::state::actor()),
        ..AuditRow::new(direction, outcome)
    }
}
