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
//! This module talks to no user; the CLI and the GUI drive it.

mod dry_run;
pub mod plan;
mod status;
mod step;

pub use dry_run::{StepPlan, dry_run};
pub use status::{OLD_UNANSWERED_HOURS, Status, status};
pub use step::{Frontend, Progress, run_step, unasked};

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
    /// Packages received from the peer on this insert.
    pub packages_received: usize,
    /// Files received (new, not duplicates).
    pub files_received: usize,
    /// Files published into the OQS folders.
    pub published: usize,
    /// Files staff held back for later.
    pub held: usize,
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
            refuse_audit(inst, None, &e.to_string());
            return Err(e.into());
        }
    };
    if inst.journal.is_revoked(&marker.stick_id)? {
        let e = crate::stick::Error::Revoked {
            id: marker.stick_id.clone(),
        };
        refuse_audit(inst, Some(&marker.stick_id), &e.to_string());
        return Err(e.into());
    }
    // A stick that cannot take the answer (write-protected, full) changes nothing.
    if let Err(e) = stick.check_writable() {
        refuse_audit(inst, Some(&marker.stick_id), &e.to_string());
        return Err(e.into());
    }
    inst.journal.note_stick(&marker.stick_id, &marker.label)?;
    let oqs_root = inst.config.oqs_dir.clone();
    for sub in [Sub::Req, Sub::Res, Sub::Face] {
        folder(&oqs_root, sub)?;
    }
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
        outcome: Outcome::default(),
    };
    session.tidy()?;
    session.recover()?;
    session.receive()?;
    Ok(session)
}

fn refuse_audit(inst: &Installation, stick: Option<&str>, reason: &str) {
    let _ = inst.journal.audit(&AuditRow {
        stick: stick.map(str::to_owned),
        actor: Some(crate::state::actor()),
        reason: Some(reason.to_owned()),
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

/// Where a received file belongs on this side, by its name alone (the sender's label is not
/// trusted); `None` when it must not be published here.
fn destination(role: Role, name: &str) -> Option<Sub> {
    match (role, oqs::classify(name)) {
        (Role::Terminal, Kind::Request(_)) => Some(Sub::Req),
        (Role::Clinic, Kind::Face) => Some(Sub::Face),
        // A request comes back to the clinic only beside its `.err` file, in Res.
        (Role::Clinic, Kind::Result(_) | Kind::Error(_) | Kind::Request(_)) => Some(Sub::Res),
        _ => None,
    }
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
        AuditRow {
            seq: item.seq,
            file: Some(item.name.clone()),
            size: Some(item.size),
            sha256: Some(item.sha256.clone()),
            kind: Some(item.kind.clone()),
            reason,
            ..self.audit_base(direction, outcome)
        }
    }

    /// Repairs what would otherwise stop every later step, and drops what is no longer needed:
    /// an item whose stored copy disappeared (removed by a person or a virus scanner) can never
    /// travel or be published, so it is marked `lost` with an audit row instead of failing
    /// every step; stored copies of finished items and temporary copies a crash left behind are
    /// removed (the lock guarantees that no other step is writing them).
    fn tidy(&mut self) -> Result<(), Error> {
        let store = self.store();
        let mut live = std::collections::HashSet::new();
        let waiting = [(Dir::Out, State::WAITING_OUT), (Dir::In, State::WAITING_IN)];
        for (dir, states) in waiting {
            for item in self.inst.journal.items(dir, states)? {
                if self.stored(item.id).is_file() {
                    live.insert(item.id);
                    continue;
                }
                let audit = self.item_audit(
                    &item,
                    Flow::Local,
                    Audited::Repaired,
                    Some("its stored copy is missing: marked lost".into()),
                );
                self.inst.journal.transaction(|tx| {
                    tx.set_state(item.id, State::Lost)?;
                    tx.audit(&audit)
                })?;
            }
        }
        // A publish in progress still needs its copy (see `recover`).
        for item in self.inst.journal.items(Dir::In, &[State::Publishing])? {
            live.insert(item.id);
        }
        let Ok(entries) = fs::read_dir(&store) else {
            return Ok(());
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let keep = name.parse::<i64>().is_ok_and(|id| live.contains(&id));
            if !keep && (name.starts_with(".new-") || name.parse::<i64>().is_ok()) {
                let _ = durable::remove_file(&e.path());
            }
        }
        Ok(())
    }

    /// Finishes publishes a crash interrupted (see the module doc).
    fn recover(&mut self) -> Result<(), Error> {
        let _ = fs::remove_dir_all(self.inst.home.path().join("incoming"));
        for item in self.inst.journal.items(Dir::In, &[State::Publishing])? {
            let sub = item.folder;
            let dir = folder(&self.oqs_root, sub)?;
            let tmp = temp_name(&dir, item.id);
            if tmp.exists() {
                durable::rename(&tmp, &dir.join(&item.name)).map_err(|e| io(&tmp, e))?;
            }
            let audit = self.item_audit(
                &item,
                Flow::Local,
                Audited::Published,
                Some("completed after an interruption".into()),
            );
            self.mark_published(&item, sub, audit)?;
        }
        Ok(())
    }

    /// Verifies every package on the stick and stores the new ones from the peer.
    fn receive(&mut self) -> Result<(), Error> {
        let opened = match transfer::verify_all(self.inst, &self.stick) {
            Ok(v) => v,
            Err(e) => {
                refuse_audit(self.inst, Some(&self.marker.stick_id), &e.to_string());
                return Err(e);
            }
        };
        let incoming = self.inst.home.path().join("incoming");
        let store = self.store();
        fs::create_dir_all(&store).map_err(|e| io(&store, e))?;
        // Verify everything first (nothing stored), then store package by package.
        let mut new = Vec::new();
        for m in opened {
            if self.inst.is_applied(&m.sender(), m.meta.seq)? {
                self.applied_now.push(m.manifest_path.clone());
                continue;
            }
            if fs::symlink_metadata(&m.data_path)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
            {
                // A verified manifest without its data file: its sender superseded and removed
                // this package, and a power cut kept only part of that removal (the folder
                // entries reach a FAT stick in any order). It can never be applied; its files
                // are still unacknowledged at the sender and travel again. Removed with the
                // applied ones instead of refusing the stick.
                self.applied_now.push(m.manifest_path.clone());
                continue;
            }
            let dir = incoming.join(m.header.id_hex());
            fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            if let Err(e) = m.stream(&mut transfer::StagingSink::new(&dir)) {
                let _ = fs::remove_dir_all(&incoming);
                refuse_audit(self.inst, Some(&self.marker.stick_id), &e.to_string());
                return Err(e.into());
            }
            new.push((m, dir));
        }
        for (m, dir) in new {
            self.store_package(&m, &dir)?;
            let _ = fs::remove_dir_all(&dir);
            self.applied_now.push(m.manifest_path.clone());
        }
        let _ = fs::remove_dir_all(&incoming);
        self.checkpoint(Checkpoint::Received);
        Ok(())
    }

    fn store_package(&mut self, m: &package::OpenedManifest, staged: &Path) -> Result<(), Error> {
        let role = self.inst.config.role;
        let (sender, id, seq) = (m.sender().to_string(), m.header.id_hex(), m.meta.seq);
        let stick_id = self.marker.stick_id.clone();
        let store = self.store();
        let audit = self.audit_base(Flow::In, Audited::Received);
        // Which files are new: not a duplicate of something received before.
        let mut fresh = Vec::new();
        for (i, f) in m.meta.files.iter().enumerate() {
            let dup = self
                .inst
                .journal
                .has_item(Dir::In, &f.name, &f.sha256, State::RECEIVED)?;
            fresh.push((i, f, dup, destination(role, &f.name)));
        }
        let mut received = 0;
        self.inst
            .journal
            .transaction(|tx: &Tx<'_>| {
                for (i, f, dup, dest) in &fresh {
                    let mut row = file_audit(Flow::In, &id, seq, f, Audited::Received);
                    row.stick = audit.stick.clone();
                    row.kind = Some(oqs::classify(&f.name).label());
                    row.summary = None;
                    match (dup, dest) {
                        (true, _) => {
                            row.outcome = Audited::DuplicateIgnored;
                            tx.audit(&row)?;
                        }
                        (false, None) => {
                            row.outcome = Audited::Refused;
                            row.reason = Some(format!(
                                "a {} does not belong on a {}",
                                row.kind.clone().unwrap_or_default(),
                                role.as_str()
                            ));
                            tx.audit(&row)?;
                        }
                        (false, Some(sub)) => {
                            let item = tx.add_item(&NewItem {
                                dir: Dir::In,
                                name: &f.name,
                                folder: *sub,
                                kind: &oqs::classify(&f.name).label(),
                                size: f.size,
                                sha256: &f.sha256,
                                state: State::Pending,
                                seq: Some(seq),
                                incomplete: f.incomplete,
                            })?;
                            // The stored copy gets its final name inside the transaction; if the
                            // commit fails, it is an orphan without a row and is swept later.
                            let from = staged.join(i.to_string());
                            durable::rename(&from, &store.join(item.to_string())).map_err(
                                |source| crate::journal::Error::File {
                                    path: from.clone(),
                                    source,
                                },
                            )?;
                            tx.audit(&row)?;
                            received += 1;
                        }
                    }
                }
                tx.record_applied(&sender, seq, &id, Some(&stick_id), &m.meta.acks)
            })
            .map_err(Error::from)?;
        self.outcome.packages_received += 1;
        self.outcome.files_received += received;
        // The peer keeps what it sent until we acknowledge it; an acknowledgement-only package
        // needs no acknowledgement back (that would never end).
        self.acks_needed |= !m.meta.files.is_empty();
        Ok(())
    }

    /// Clinic: the import prompt — every received result not yet published, with its summary.
    pub fn import_rows(&self) -> Result<Vec<ImportRow>, Error> {
        let items = self.inst.journal.items(Dir::In, State::WAITING_IN)?;
        let mut rows = Vec::new();
        for item in items.into_iter().filter(|i| i.folder != Sub::Req) {
            let path = self.stored(item.id);
            let bytes = read_prefix(&path, oqs::MAX_INPUT as u64 + 1)?;
            let mut summary = oqs::summarize(&item.name, &bytes);
            if item.incomplete {
                summary.mark_incomplete();
            }
            rows.push(ImportRow { item, summary });
        }
        Ok(rows)
    }

    /// Clinic: publishes the accepted items into Res / Face; every other pending row is held for
    /// the next prompt. `actor` is who confirmed (recorded in the audit log).
    pub fn import(&mut self, accepted: &[i64], actor: &str) -> Result<(), Error> {
        for row in self.import_rows()? {
            if accepted.contains(&row.item.id) {
                self.publish(&row.item, Some(actor), Some(short_summary(&row.summary)))?;
            } else if row.item.state != State::Held {
                let audit = self.item_audit(&row.item, Flow::Local, Audited::Held, None);
                let id = row.item.id;
                self.inst.journal.transaction(|tx| {
                    tx.set_state(id, State::Held)?;
                    tx.audit(&audit)
                })?;
                self.outcome.held += 1;
            } else {
                self.outcome.held += 1;
            }
        }
        Ok(())
    }

    /// Terminal: publishes every received request into Req and adds it to the awaiting list.
    pub fn publish_requests(&mut self) -> Result<usize, Error> {
        let items = self.inst.journal.items(Dir::In, State::WAITING_IN)?;
        let mut n = 0;
        for item in items.into_iter().filter(|i| i.folder == Sub::Req) {
            self.publish(&item, None, None)?;
            n += 1;
        }
        Ok(n)
    }

    /// Publishes one received item into its OQS subfolder, exactly once.
    fn publish(
        &mut self,
        item: &Item,
        actor: Option<&str>,
        summary: Option<String>,
    ) -> Result<(), Error> {
        let sub = item.folder;
        let dir = folder(&self.oqs_root, sub)?;
        let target = dir.join(&item.name);
        if target.exists() {
            // The same name is already there: identical content means an earlier publish of
            // this very file completed; anything else is held for a person to look at.
            let (sum, _) = sha256_file(&target)?;
            if sum != item.sha256 {
                let audit = self.item_audit(
                    item,
                    Flow::Local,
                    Audited::Held,
                    Some("a different file of the same name is in the folder".into()),
                );
                let id = item.id;
                self.inst.journal.transaction(|tx| {
                    tx.set_state(id, State::Held)?;
                    tx.audit(&audit)
                })?;
                self.outcome.held += 1;
                return Ok(());
            }
        } else {
            let tmp = temp_name(&dir, item.id);
            copy_flushed(&self.stored(item.id), &tmp)?;
            let id = item.id;
            self.inst
                .journal
                .transaction(|tx| tx.set_state(id, State::Publishing))?;
            durable::rename(&tmp, &target).map_err(|e| io(&target, e))?;
            durable::sync_dir(&dir).map_err(|e| io(&dir, e))?;
        }
        let mut audit = self.item_audit(item, Flow::Local, Audited::Published, None);
        audit.actor = actor.map(str::to_owned).or(audit.actor);
        audit.summary = summary;
        self.mark_published(item, sub, audit)?;
        self.outcome.published += 1;
        self.checkpoint(Checkpoint::Published);
        Ok(())
    }

    /// Records a completed rename (and, for a request, starts waiting for its answer), then drops
    /// the stored copy.
    fn mark_published(&mut self, item: &Item, sub: Sub, audit: AuditRow) -> Result<(), Error> {
        let id = item.id;
        let await_name = (sub == Sub::Req).then(|| item.name.clone());
        self.inst.journal.transaction(|tx| {
            tx.set_state(id, State::Published)?;
            if let Some(n) = &await_name {
                tx.add_awaiting(n)?;
            }
            tx.audit(&audit)
        })?;
        let _ = fs::remove_file(self.stored(item.id));
        Ok(())
    }

    /// Terminal: waits until every awaiting request is answered in Res, the wait time ends, or
    /// `stop` is set; collects as it goes. Calls `progress(answered, total)` whenever it changes.
    pub fn wait_for_responses(
        &mut self,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), Error> {
        self.wait_loop(&mut |answered, total| {
            if let Some((a, t)) = answered.zip(Some(total)) {
                progress(a, t);
            }
            stop.load(Ordering::Relaxed)
        })
    }

    /// [`Session::wait_for_responses`] reporting to a [`Frontend`].
    pub(crate) fn wait(&mut self, frontend: &mut dyn Frontend) -> Result<(), Error> {
        self.wait_loop(&mut |answered, total| {
            if let Some(answered) = answered {
                frontend.progress(Progress::Waiting { answered, total });
            }
            frontend.stop_waiting()
        })
    }

    /// Collects until every published request is answered, the response wait is over, or
    /// `tick` says stop. `tick(Some(answered), total)` when the count changed, `tick(None, …)`
    /// on the other looks; it returns whether to stop.
    fn wait_loop(
        &mut self,
        tick: &mut dyn FnMut(Option<usize>, usize) -> bool,
    ) -> Result<(), Error> {
        let total = self.inst.journal.awaiting()?.len();
        let start = Instant::now();
        let mut last = usize::MAX;
        loop {
            self.collect()?;
            let left = self.inst.journal.awaiting()?.len();
            let answered = total.saturating_sub(left);
            let changed = (answered != last).then_some(answered);
            last = answered;
            if tick(changed, total) || left == 0 || start.elapsed() >= self.opts.response_wait {
                break;
            }
            std::thread::sleep(self.opts.poll);
        }
        Ok(())
    }

    /// Takes complete files out of the OQS folders into the outbox: requests from Req at the
    /// clinic; results from Res and Face at the terminal (originals go to the archive).
    pub fn collect(&mut self) -> Result<usize, Error> {
        let subs: &[Sub] = match self.inst.config.role {
            Role::Clinic => &[Sub::Req],
            Role::Terminal => &[Sub::Res, Sub::Face],
        };
        let mut n = 0;
        self.outcome.incomplete_waiting = 0;
        for &sub in subs {
            let dir = folder(&self.oqs_root, sub)?;
            for name in complete_files(&dir, self.opts.quiet)? {
                if self.collect_one(&dir, sub, &name)? {
                    n += 1;
                }
            }
        }
        self.outcome.collected += n;
        self.checkpoint(Checkpoint::Collected);
        Ok(n)
    }

    fn collect_one(&mut self, dir: &Path, sub: Sub, name: &str) -> Result<bool, Error> {
        let kind = oqs::classify(name);
        let wanted = plan::takes(self.inst.config.role, sub, kind);
        if !wanted || !self.inst.config.carries(kind) || crate::filename::check(name).is_err() {
            return Ok(false); // unknown files, and kinds switched off in the settings, stay
        }
        let path = dir.join(name);
        let (sha, size) = match sha256_file(&path) {
            Err(e) if vanished(&e) => return Ok(false), // taken by its reader meanwhile
            other => other?,
        };
        let role = self.inst.config.role;
        let already = match role {
            Role::Clinic => self
                .inst
                .journal
                .has_item(Dir::Out, name, &sha, State::COLLECTED)?,
            Role::Terminal => self.inst.journal.was_collected(sub, name, &sha)?,
        };
        if !already {
            let store = self.store();
            fs::create_dir_all(&store).map_err(|e| io(&store, e))?;
            let tmp = store.join(format!(
                ".new-{}",
                hex::encode(crate::crypto::random::<8>()?)
            ));
            copy_flushed(&path, &tmp)?;
            let (check, _) = sha256_file(&tmp)?;
            if check != sha {
                let _ = fs::remove_file(&tmp);
                return Ok(false); // still changing: next time
            }
            // Quiet is not finished: a writer that paused mid-file leaves a file cut short. Such
            // a file waits (looked at again every step) until it is `incomplete_wait` old, then
            // travels flagged so the receiver shows it as an error instead of a result.
            let complete = oqs::complete::check_file(kind, &tmp);
            let incomplete = match plan::collect(
                complete == Completeness::Incomplete,
                self.waited_long_enough(&path),
            ) {
                plan::Collect::Wait => {
                    let _ = fs::remove_file(&tmp);
                    self.outcome.incomplete_waiting += 1;
                    return Ok(false);
                }
                plan::Collect::Take { flagged } => flagged,
            };
            let answers: Vec<String> = if role == Role::Terminal {
                self.inst
                    .journal
                    .awaiting()?
                    .into_iter()
                    .map(|(req, _)| req)
                    .filter(|req| answers_request(req, name))
                    .collect()
            } else {
                Vec::new()
            };
            let mut audit = self.audit_base(Flow::Local, Audited::Collected);
            if incomplete {
                audit.reason = Some(format!(
                    "content incomplete after waiting {} s: travels flagged incomplete",
                    self.opts.incomplete_wait.as_secs()
                ));
            }
            audit.file = Some(name.to_owned());
            audit.size = Some(size);
            audit.sha256 = Some(sha.clone());
            audit.kind = Some(kind.label());
            let label = kind.label();
            self.inst
                .journal
                .transaction(|tx| {
                    // Never queued twice: a second file of this name waits its turn (deferred).
                    let id = tx
                        .queue_out(&NewItem {
                            dir: Dir::Out,
                            name,
                            folder: sub,
                            kind: &label,
                            size,
                            sha256: &sha,
                            state: State::Queued,
                            seq: None,
                            incomplete,
                        })?
                        .id();
                    durable::rename(&tmp, &store.join(id.to_string())).map_err(|source| {
                        crate::journal::Error::File {
                            path: tmp.clone(),
                            source,
                        }
                    })?;
                    if role == Role::Terminal {
                        tx.add_collected(sub, name, &sha)?;
                        for req in &answers {
                            tx.remove_awaiting(req)?;
                        }
                    }
                    tx.audit(&audit)
                })
                .map_err(Error::from)?;
        }
        // The original leaves the OQS folder only after the copy is queued.
        let gone = match role {
            Role::Clinic => durable::remove_file(&path).map_err(|e| io(&path, e)),
            Role::Terminal => self.archive(&path, sub, name),
        };
        match gone {
            Err(e) if vanished(&e) => {}
            other => other?,
        }
        Ok(!already)
    }

    /// Whether a file whose content is incomplete has waited `incomplete_wait` since it last
    /// changed (a file without a readable modification time has not).
    fn waited_long_enough(&self, path: &Path) -> bool {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= self.opts.incomplete_wait)
    }

    fn archive(&self, path: &Path, sub: Sub, name: &str) -> Result<(), Error> {
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        let dir = self
            .inst
            .home
            .path()
            .join("archive")
            .join(day)
            .join(sub.label());
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let mut target = dir.join(name);
        let mut n = 1;
        while target.exists() {
            target = dir.join(format!("{name}.{n}"));
            n += 1;
        }
        durable::rename(path, &target)
            .or_else(|_| {
                copy_flushed(path, &target)
                    .map_err(|_| std::io::Error::other("copy failed"))
                    .and_then(|_| fs::remove_file(path))
            })
            .map_err(|e| io(path, e))
    }

    /// Deletes archive days older than the retention period.
    fn prune_archive(&self) {
        let root = self.inst.home.path().join("archive");
        let cutoff =
            chrono::Local::now().date_naive() - chrono::Duration::days(self.opts.retention_days);
        if let Ok(entries) = fs::read_dir(&root) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Ok(day) = chrono::NaiveDate::parse_from_str(&name, "%Y-%m-%d")
                    && day < cutoff
                {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
    }

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

    /// Seals everything not yet acknowledged into a new package, cleans the stick and flushes.
    /// After this returns, the stick may be removed.
    pub fn finish(mut self) -> Result<Outcome, Error> {
        // A file that waited for an acknowledged one of the same name takes its turn now.
        self.inst.journal.transaction(|tx| tx.promote_deferred())?;
        let queued = self.inst.journal.items(Dir::Out, &[State::Queued])?;
        let must_ack = self.acks_needed;
        let before = self.stick.scan()?;
        let mut cleared = false;
        if !queued.is_empty() || must_ack {
            let peer = self.inst.peer_keys()?;
            let acks = self.inst.acks_for_peer()?;
            let dir = self.stick.packages_dir();
            self.stick.ensure(&dir)?;
            // What fits on the stick travels now, the rest on the next trip (engine::plan).
            let waiting: Vec<plan::Waiting> = queued
                .iter()
                .map(|i| plan::Waiting {
                    id: i.id,
                    name_len: i.name.len(),
                    size: i.size,
                    class: plan::Class::of(&i.name),
                })
                .collect();
            let room = plan::Room {
                free: crate::volume::available_space(&dir),
                reclaimable: before.manifests.iter().map(|m| package_len(m)).sum(),
            };
            let seal_plan = plan::seal(&waiting, acks.len(), room, must_ack).map_err(|room| {
                EngineError::NoRoom {
                    path: dir.clone(),
                    room,
                }
            })?;
            if seal_plan.clear_first {
                // The new package needs the room of the ones it supersedes: everything they
                // carry is still queued in the journal, so removing them first loses nothing.
                for m in &before.manifests {
                    self.outcome.cleaned += remove_package(m);
                }
                cleared = true;
            }
            let queued: Vec<&Item> = queued
                .iter()
                .filter(|i| seal_plan.take.contains(&i.id))
                .collect();
            self.outcome.left_behind = seal_plan.left;
            self.outcome.left_behind_bytes = seal_plan.left_bytes;
            self.outcome.space_needed = seal_plan.need_all;
            let sources: Vec<SourceFile> = queued
                .iter()
                .map(|i| SourceFile {
                    path: self.stored(i.id),
                    name: i.name.clone(),
                    kind: i.kind.clone(),
                    incomplete: i.incomplete,
                })
                .collect();
            let seq = self.inst.take_seq()?;
            let env = package::Envelope {
                identity: &self.inst.identity,
                recipient: &peer,
                seq,
                sender_role: self.inst.config.role.as_str(),
                acks,
            };
            let written = package::write_package(env, &dir, &sources)?;
            let pkg = written.header.id_hex();
            let ids: Vec<i64> = queued.iter().map(|i| i.id).collect();
            let peer_fp = self.peer_fp.clone();
            let stick_id = self.marker.stick_id.clone();
            let rows: Vec<AuditRow> = written
                .meta
                .files
                .iter()
                .map(|f| {
                    let mut r = file_audit(Flow::Out, &pkg, seq, f, Audited::Sealed);
                    r.stick = Some(stick_id.clone());
                    r
                })
                .collect();
            self.inst.journal.transaction(|tx| {
                tx.record_sent(seq, &pkg, &peer_fp, Some(&stick_id), &ids)?;
                rows.iter().try_for_each(|r| tx.audit(r))
            })?;
            self.outcome.sent = sources.len();
            self.outcome.sent_seq = Some(seq);
            self.checkpoint(Checkpoint::Sealed);
            // Our older packages are superseded by this one; the peer's are applied.
            if !cleared {
                for m in &before.manifests {
                    self.outcome.cleaned += remove_package(m);
                }
            }
        } else {
            // Nothing new to send: keep our packages in transit, drop the peer's applied ones.
            for m in &self.applied_now {
                self.outcome.cleaned += remove_package(m);
            }
        }
        // Leftovers of writes cut short (ours or the peer's, on an earlier trip): the lock
        // guarantees that no writer of this PC is using them; the peer is not attached.
        for orphan in before.orphans.iter().chain(&before.temps) {
            if durable::remove_file(orphan).is_ok() {
                self.outcome.cleaned += 1;
            }
        }
        self.checkpoint(Checkpoint::Cleaned);
        durable::sync_dir(&self.stick.packages_dir())
            .map_err(|e| io(&self.stick.packages_dir(), e))?;
        // Every file was flushed as it was written; where Windows allows it, also flush the whole
        // volume (FAT tables, directory entries) before saying the stick may be removed.
        crate::volume::flush_volume(self.stick.root());
        self.prune_archive();
        self.outcome.awaiting = self.inst.journal.awaiting()?.len();
        self.inst
            .journal
            .set_meta("last_trip", &crate::journal::now())?;
        Ok(self.outcome)
    }
}

/// Whether `e` says that a file in an OQS folder is no longer there.
fn vanished(e: &Error) -> bool {
    matches!(e, Error::Engine(EngineError::Io { source, .. })
        if source.kind() == std::io::ErrorKind::NotFound)
}

/// Whether `response` (a name in Res) answers `request`.
fn answers_request(request: &str, response: &str) -> bool {
    oqs::expected_responses(request)
        .iter()
        .any(|e| e.eq_ignore_ascii_case(response))
        || response.eq_ignore_ascii_case(&format!("{request}.err"))
}

/// Removes a package (manifest first, so a half-removed package no longer exists); returns how
/// many files were removed.
/// Bytes a package takes on the stick (its manifest and data file; 0 for what cannot be read).
fn package_len(manifest: &Path) -> u64 {
    let len = |p: &Path| fs::symlink_metadata(p).map_or(0, |m| m.len());
    len(manifest) + len(&manifest.with_extension(package::DATA_EXT))
}

fn remove_package(manifest: &Path) -> usize {
    let data = manifest.with_extension(package::DATA_EXT);
    usize::from(durable::remove_file(manifest).is_ok())
        + usize::from(durable::remove_file(&data).is_ok())
}

fn temp_name(dir: &Path, id: i64) -> PathBuf {
    dir.join(format!(".oqs-courier-{id}.tmp"))
}

fn read_prefix(path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let mut out = Vec::new();
    File::open(path)
        .and_then(|f| f.take(max).read_to_end(&mut out))
        .map_err(|e| io(path, e))?;
    Ok(out)
}

/// Regular, visible files in `dir` that have not changed for `quiet` (and can be opened). Files
/// that changed more recently are looked at again after the quiet period, once; still changing
/// files wait for the next step.
fn complete_files(dir: &Path, quiet: Duration) -> Result<Vec<String>, Error> {
    let list = |dir: &Path| -> Result<Vec<(String, u64, Option<SystemTime>)>, Error> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).map_err(|e| io(dir, e))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(md) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if name.starts_with('.') || !md.is_file() {
                continue;
            }
            out.push((name, md.len(), md.modified().ok()));
        }
        out.sort();
        Ok(out)
    };
    let now = SystemTime::now();
    let first = list(dir)?;
    let young = first
        .iter()
        .any(|(_, _, m)| m.is_none_or(|m| now.duration_since(m).unwrap_or_default() < quiet));
    let stable: Vec<(String, u64, Option<SystemTime>)> = if young {
        std::thread::sleep(quiet);
        let second = list(dir)?;
        first.into_iter().filter(|f| second.contains(f)).collect()
    } else {
        first
    };
    Ok(stable
        .into_iter()
        .filter(|(name, _, _)| writer_is_done(&dir.join(name)))
        .map(|(name, _, _)| name)
        .collect())
}

/// Whether no one is writing `path` any more: it opens for reading. On Windows it must open
/// without sharing write access, which fails with a sharing violation while a writer (the
/// 連携アプリ, Dynamics) still holds it open for writing, however quiet it has been.
fn writer_is_done(path: &Path) -> bool {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_SHARE_READ: u32 = 0x1;
        opts.share_mode(FILE_SHARE_READ);
    }
    opts.open(path).is_ok()
}

/// One line for the audit log and the prompt: kind, patient, state.
pub fn short_summary(s: &Summary) -> String {
    let who = s
        .patients
        .first()
        .and_then(|p| p.name.clone())
        .unwrap_or_default();
    format!("{} {} {}", s.kind_text(), who, s.state.text())
        .trim()
        .to_owned()
}

/// This installation's pair id (clinic keys first, whatever our role), our public keys and the
/// peer's: what a stick marker is checked against.
fn pair_of(
    inst: &Installation,
) -> Result<(String, crate::crypto::PublicKeys, crate::crypto::PublicKeys), Error> {
    let peer = inst.peer_keys()?;
    let own = inst.identity.public();
    let pair = match inst.config.role {
        Role::Clinic => pairing::pair_id(&own, &peer),
        Role::Terminal => pairing::pair_id(&peer, &own),
    };
    Ok((pair, own, peer))
}

/// Where Microsoft Defender's command-line scanner is on Windows.
fn defender_path() -> PathBuf {
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

/// Whether the stick at `root` is enrolled for this installation's pair (and not revoked);
/// `Err` with the English detail when its marker cannot be read or belongs elsewhere. Reads
/// only.
pub fn stick_enrolled(inst: &Installation, root: &Path) -> Result<bool, String> {
    let stick = Stick::at(root).map_err(|e| e.to_string())?;
    let (pair, own, peer) = pair_of(inst).map_err(|e| e.to_string())?;
    match stick.verify_marker(&pair, &[own, peer]) {
        Ok(m) => Ok(!inst
            .journal
            .is_revoked(&m.stick_id)
            .map_err(|e| e.to_string())?),
        Err(crate::stick::Error::NotEnrolled { .. }) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// Enrolls the stick at `root` for this installation's pair (clinic or terminal). Returns the
/// marker; a stick already enrolled for this pair keeps its id.
pub fn enroll(inst: &mut Installation, root: &Path, label: &Label) -> Result<Marker, Error> {
    let _lock = inst.home.lock()?;
    let stick = Stick::at(root)?;
    let (pair, own, peer) = pair_of(inst)?;
    let marker = match stick.verify_marker(&pair, &[own, peer]) {
        Ok(m) => m,
        Err(crate::stick::Error::NotEnrolled { .. }) => {
            let m = Marker::new(&inst.identity, &pair, label)?;
            stick.write_marker(&m)?;
            m
        }
        Err(e) => return Err(e.into()),
    };
    // The packages folder exists from the start: a full stick then never needs a new folder
    // entry (some FAT drivers leave a broken folder behind when creating one fails).
    stick.ensure(&stick.packages_dir())?;
    inst.journal.note_stick(&marker.stick_id, &marker.label)?;
    inst.journal.audit(&AuditRow {
        stick: Some(marker.stick_id.clone()),
        actor: Some(crate::state::actor()),
        summary: Some(marker.label.clone()),
        ..AuditRow::new(Flow::Local, Audited::Enrolled)
    })?;
    Ok(marker)
}

/// What [`revoke`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The stick was in use here and is revoked now.
    Now,
    /// It was revoked already.
    Already,
    /// This PC never saw it; it is recorded as revoked, so it is refused if it ever arrives.
    Unseen,
}

/// Revokes the stick `id` on this PC (after a loss: on both PCs) and writes it to the audit log.
/// A stick this PC never saw is recorded as revoked too; `None` when `id` is not a stick id
/// (32 hex digits) and nothing was changed.
pub fn revoke(inst: &Installation, id: &str) -> Result<Option<Revoked>, Error> {
    let _lock = inst.home.lock()?;
    let id = id.trim().to_ascii_lowercase();
    let known = inst.journal.sticks()?;
    let what = match known.iter().find(|s| s.id == id) {
        Some(s) if s.revoked.is_some() => Revoked::Already,
        Some(_) => Revoked::Now,
        None if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) => Revoked::Unseen,
        None => return Ok(None),
    };
    if what != Revoked::Already {
        inst.journal.note_stick(&id, "")?;
        inst.journal.revoke_stick(&id)?;
        inst.journal.audit(&AuditRow {
            stick: Some(id),
            actor: Some(crate::state::actor()),
            ..AuditRow::new(Flow::Local, Audited::Revoked)
        })?;
    }
    Ok(Some(what))
}

/// Files waiting in this PC's OQS folders to be collected (requests at the clinic; results and
/// face files at the terminal).
fn folder_counts(inst: &Installation) -> Result<usize, Error> {
    let subs: &[Sub] = match inst.config.role {
        Role::Clinic => &[Sub::Req],
        Role::Terminal => &[Sub::Res, Sub::Face],
    };
    let mut n = 0;
    for &sub in subs {
        if let Some(dir) = folders::find(&inst.config.oqs_dir, sub) {
            n += fs::read_dir(&dir)
                .map_err(|e| io(&dir, e))?
                .flatten()
                .filter(|e| oqs::classify(&e.file_name().to_string_lossy()).is_known())
                .count();
        }
    }
    Ok(n)
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

/// One audit row as a CSV line (RFC 4180 quoting).
/// The audit log as CSV for Excel: UTF-8 with a byte-order mark, the header of
/// [`crate::text::LOG_CSV_HEADER`], one line per row, CRLF line ends. The one writer behind
/// `log --csv` and the desktop app's export.
pub fn write_audit_csv(rows: &[AuditRow], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write!(out, "\u{feff}{}\r\n", crate::text::LOG_CSV_HEADER)?;
    for r in rows {
        write!(out, "{}\r\n", audit_csv_line(r))?;
    }
    Ok(())
}

/// One audit row as a CSV line (fields quoted where they need it), without the line end.
pub fn audit_csv_line(r: &AuditRow) -> String {
    let q = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let o = |s: &Option<String>| q(s.as_deref().unwrap_or(""));
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        q(&r.time),
        o(&r.stick),
        q(r.direction.as_str()),
        o(&r.package_id),
        n(r.seq),
        o(&r.file),
        n(r.size),
        o(&r.sha256),
        o(&r.kind),
        o(&r.summary),
        o(&r.actor),
        q(r.outcome.as_str()),
        o(&r.reason),
    ]
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_files_skip_hidden_young_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for name in ["a.xml", "日本語の名前.xml", ".partial.tmp"] {
            let p = dir.path().join(name);
            fs::write(&p, b"x").unwrap();
            File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        fs::create_dir(dir.path().join("sub")).unwrap();
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(got, ["a.xml", "日本語の名前.xml"]);
    }

    /// FAT keeps 2-second timestamps and a DST change or a wrong clock can put a file's time in
    /// the future: such a file is still collected once it has stopped changing.
    #[test]
    fn complete_files_take_a_file_stamped_in_the_future() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("future.xml");
        fs::write(&p, b"x").unwrap();
        File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(SystemTime::now() + Duration::from_secs(3 * 3600))
            .unwrap();
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(got, ["future.xml"]);
    }

    /// Windows: a file still held open for writing (the 連携アプリ writing a result) is not
    /// complete, even when it has been quiet; once closed it is. Runs under Wine.
    #[cfg(windows)]
    #[test]
    fn complete_files_wait_for_a_writer_that_still_holds_the_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("res.xml");
        let mut writer = File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&p)
            .unwrap();
        writer.write_all(b"<x/>").unwrap();
        writer
            .set_modified(SystemTime::now() - Duration::from_secs(60))
            .unwrap();
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert!(got.is_empty(), "collected while being written: {got:?}");
        drop(writer);
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(got, ["res.xml"]);
    }
}
