//! Seal, inspect and open packages on a stick for one installation, and pair via the stick.
//!
//! Owns the order of operations that makes `open` atomic: verify every package addressed to us
//! first (nothing written), stage the verified files beside the destination, check for conflicts,
//! then rename them into place and record the sequence number. Refuses the whole stick if any
//! package on it is bad. Does not classify OQS files and does not talk to the user.

use crate::journal::{AuditRow, Flow, Outcome};
use crate::package::{self, Classified, FileEntry, FileSink, NullSink, OpenedManifest, SourceFile};
use crate::pairing::{self, Card};
use crate::state::{Installation, Role};
use crate::stick::Stick;
use crate::{Error, crypto::Fingerprint, durable, filename};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A transfer was refused or could not be done.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A package's data file is on the stick without its manifest, and nothing else is.
    #[error("{path} has no manifest: the package was not completed")]
    Incomplete {
        /// The data file.
        path: PathBuf,
    },
    /// The destination already holds a different file of the same name.
    #[error("{path} already exists with different content")]
    Conflict {
        /// The existing file.
        path: PathBuf,
    },
    /// The destination folder does not exist.
    #[error("the destination folder {path} does not exist")]
    DestinationMissing {
        /// The folder.
        path: PathBuf,
    },
    /// Writing into the destination failed.
    #[error("cannot write {path}: {source}")]
    Publish {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file given to `seal` has no usable name.
    #[error("{path} has no usable file name")]
    NoName {
        /// The file.
        path: PathBuf,
    },
    /// Something given to `seal` is not a regular file (a folder, a link, a device).
    #[error("{path} is not a regular file: give the files themselves, not a folder")]
    NotAFile {
        /// What was given.
        path: PathBuf,
    },
    /// A package reuses the sequence number of another package of the same sender (applied
    /// earlier, or beside it on the stick): the sender's state went backwards (restored from a
    /// backup, copied from another PC). Applying it or dropping it silently could lose data.
    #[error(
        "{path} reuses sequence number {seq} of package {other} from the same sender: \
         the other PC's state went backwards"
    )]
    SeqReused {
        /// The manifest.
        path: PathBuf,
        /// The sequence number.
        seq: u64,
        /// The other package's id.
        other: String,
    },
}

/// One verified package addressed to this installation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PackageInfo {
    /// Package id (hex).
    pub id: String,
    /// Sequence number.
    pub seq: u64,
    /// Sender fingerprint (hex).
    pub sender: String,
    /// When it was sealed.
    pub created: String,
    /// Whether it was applied here before.
    pub applied: bool,
    /// The sender's acknowledgements of our packages (inclusive ranges of sequence numbers).
    pub acks: Vec<[u64; 2]>,
    /// Its files.
    pub files: Vec<FileEntry>,
}

/// What is on a stick for this installation.
#[derive(Debug, Default, serde::Serialize)]
pub struct Inspection {
    /// Packages from the peer to us, verified, in sequence order.
    pub packages: Vec<PackageInfo>,
    /// Packages we sealed that are still on the stick (travelling to the peer).
    pub own_in_transit: usize,
}

/// What `open` did.
#[derive(Debug, Default)]
pub struct OpenReport {
    /// Packages applied now.
    pub applied: Vec<PackageInfo>,
    /// Packages that had been applied before (no-op).
    pub already_applied: Vec<PackageInfo>,
    /// Packages we sealed that are still on the stick.
    pub own_in_transit: usize,
}

/// Result of importing the peer's pairing card.
#[derive(Debug)]
pub struct Paired {
    /// The peer's label.
    pub label: String,
    /// The comparison code to show.
    pub code: String,
    /// The label of the peer this pairing replaced, if any.
    pub replaced: Option<String>,
}

/// Writes this installation's pairing card to the stick.
pub fn pair_export(inst: &Installation, stick: &Stick) -> Result<PathBuf, Error> {
    let _lock = inst.home.lock()?;
    let card = Card::new(&inst.identity, inst.config.role, &inst.config.label());
    let path = stick.card_path(inst.config.role);
    stick.ensure(&stick.pairing_dir())?;
    let bytes = card.to_bytes().map_err(|_| pairing::Error::BadCard {
        path: path.clone(),
        why: "cannot encode",
    })?;
    durable::write_atomic(&path, &bytes).map_err(|e| crate::stick::Error::io(&path, e))?;
    Ok(path)
}

/// Reads the peer's pairing card from the stick and stores it as our peer.
pub fn pair_import(inst: &mut Installation, stick: &Stick) -> Result<Paired, Error> {
    let _lock = inst.home.lock()?;
    let want = inst.config.role.opposite();
    let path = stick.card_path(want);
    let bytes = match read_bounded(&path, pairing::MAX_CARD_LEN) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(pairing::Error::NoCard {
                role: want.as_str(),
                path,
            }
            .into());
        }
        Err(e) => return Err(crate::stick::Error::io(&path, e).into()),
    };
    let card = Card::parse(&bytes, &path)?;
    let keys = card.keys().map_err(|_| pairing::Error::BadCard {
        path: path.clone(),
        why: "bad public key",
    })?;
    if keys == inst.identity.public() {
        return Err(pairing::Error::OwnCard { path }.into());
    }
    if card.role != want {
        return Err(pairing::Error::BadCard {
            path,
            why: "wrong role",
        }
        .into());
    }
    let replaced = inst
        .peer
        .as_ref()
        .filter(|p| p.keys().ok() != Some(keys))
        .map(|p| p.label.clone());
    inst.set_peer(card.as_peer())?;
    Ok(Paired {
        label: card.label,
        code: comparison_code(inst)?,
        replaced,
    })
}

/// Where pairing through the stick stands after one press of 「ペアリングを進める」 in the wizard
/// (see [`pair_step`]).
#[derive(Debug)]
pub enum PairStep {
    /// There was no card of the other PC: this PC's card is on the stick now.
    CardWritten,
    /// The other PC's card was read and this PC's card written: this PC knows the code, but the
    /// other PC cannot show it until it reads this card, so staff are not asked to compare yet.
    ShowCode(Paired),
    /// Both PCs can show the code: staff compare now.
    Compare(Paired),
}

/// One press of 「ペアリングを進める」: four touches of the stick, A → B → A → B, so that each PC
/// asks staff to compare the code only once the other PC can show it too.
///
/// 1. A (no card of B on the stick): writes A's card → [`PairStep::CardWritten`].
/// 2. B (A's card there, B's not): imports A's card, writes B's → [`PairStep::ShowCode`].
/// 3. A (both cards there): imports B's card and removes it from the stick (the sign for B that
///    A has read it and shows the code) → [`PairStep::Compare`].
/// 4. B (A's card there, B's own gone although `wrote_card`): → [`PairStep::Compare`].
///
/// `wrote_card` says whether this PC wrote its card earlier in the same wizard (after a restart
/// it is false, and the exchange simply takes one more trip).
pub fn pair_step(
    inst: &mut Installation,
    stick: &Stick,
    wrote_card: bool,
) -> Result<PairStep, Error> {
    let own_card = stick.card_path(inst.config.role);
    let own_there = own_card.is_file();
    let imported = match pair_import(inst, stick) {
        Ok(p) => Some(p),
        Err(Error::Pairing(pairing::Error::NoCard { .. })) => None,
        Err(e) => return Err(e),
    };
    match imported {
        Some(p) if own_there => {
            let theirs = stick.card_path(inst.config.role.opposite());
            std::fs::remove_file(&theirs).map_err(|e| crate::stick::Error::io(&theirs, e))?;
            Ok(PairStep::Compare(p))
        }
        Some(p) if wrote_card => Ok(PairStep::Compare(p)),
        Some(p) => {
            pair_export(inst, stick)?;
            Ok(PairStep::ShowCode(p))
        }
        None => {
            pair_export(inst, stick)?;
            Ok(PairStep::CardWritten)
        }
    }
}

/// The comparison code of this installation and its peer.
pub fn comparison_code(inst: &Installation) -> Result<String, Error> {
    let peer = inst.peer_keys()?;
    let own = inst.identity.public();
    Ok(match inst.config.role {
        Role::Clinic => pairing::comparison_code(&own, &peer),
        Role::Terminal => pairing::comparison_code(&peer, &own),
    })
}

/// Seals `files` into one package for the peer.
pub fn seal(
    inst: &mut Installation,
    stick: &Stick,
    files: &[PathBuf],
) -> Result<package::Written, Error> {
    let _lock = inst.home.lock()?;
    let peer = inst.peer_keys()?;
    // The names first, in the order of `files`: a path without a file name, then a name that
    // may not travel, then two names that differ only in letter case.
    let mut sources = Vec::with_capacity(files.len());
    for path in files {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| TransferError::NoName { path: path.clone() })?;
        filename::check(name).map_err(|source| package::Error::BadName {
            path: path.clone(),
            source,
        })?;
        sources.push(SourceFile {
            path: path.clone(),
            name: name.to_owned(),
            kind: "file".to_owned(),
            incomplete: false,
        });
    }
    filename::check_unique(sources.iter().map(|s| s.name.as_str())).map_err(|source| {
        package::Error::BadName {
            path: stick.root().to_owned(),
            source,
        }
    })?;
    let dir = stick.packages_dir();
    stick.ensure(&dir)?;
    // Each file is opened and read once, as the data file is written (a missing file or a
    // folder is found there; the data file is then removed). The sequence number is taken
    // only afterwards, so that such a mistake costs none.
    let data = package::DataFile::write(&peer, &dir, &sources, None).map_err(|e| match e {
        package::Error::Io { path, .. } | package::Error::SourceChanged { path }
            if path.is_dir() =>
        {
            Error::from(TransferError::NotAFile { path })
        }
        e => e.into(),
    })?;
    let seq = inst.take_seq()?;
    let env = package::Envelope {
        identity: &inst.identity,
        recipient: &peer,
        seq,
        sender_role: inst.config.role.as_str(),
        acks: inst.acks_for_peer()?,
        health: None,
        terminal_settings: None,
        update: None,
    };
    let peer_fp = peer.fingerprint().to_string();
    let actor = crate::state::actor();
    let journal = &mut inst.journal;
    // The `sent` row and the files' audit rows are written while the manifest is made and
    // flushed, and committed once the package is complete (see `docs/JOURNAL.md`, flush 6).
    let (written, recorded) = data.finish(
        env,
        Some(|sealed: package::Sealed<'_>| {
            journal.transaction_if(|tx| {
                tx.record_sent(seq, sealed.id, &peer_fp, None, &[])?;
                let base = AuditRow {
                    package_id: Some(sealed.id.to_owned()),
                    seq: Some(seq),
                    actor: Some(actor),
                    ..AuditRow::new(Flow::Out, Outcome::Sealed)
                };
                tx.audit_files(&base, sealed.files())?;
                Ok((sealed.complete(), ()))
            })
        }),
    )?;
    if let Some(recorded) = recorded {
        recorded.map_err(crate::state::Error::from)?;
    }
    Ok(written)
}

/// An audit row about one file of a package.
pub(crate) fn file_audit(
    direction: Flow,
    package_id: &str,
    seq: u64,
    f: &FileEntry,
    outcome: Outcome,
) -> AuditRow {
    AuditRow {
        package_id: Some(package_id.to_owned()),
        seq: Some(seq),
        file: Some(f.name.clone()),
        size: Some(f.size),
        sha256: Some(f.sha256.clone()),
        kind: Some(f.kind.clone()),
        actor: Some(crate::state::actor()),
        ..AuditRow::new(direction, outcome)
    }
}

/// The columns of a file's audit row ([`crate::journal::Tx::audit_files`]).
pub(crate) fn file_columns(f: &FileEntry) -> (&str, u64, &str, &str) {
    (&f.name, f.size, &f.sha256, &f.kind)
}

/// Verifies every package on the stick; returns those addressed to us. Writes nothing.
pub fn inspect(inst: &Installation, stick: &Stick) -> Result<Inspection, Error> {
    inspect_with(inst, stick, true)
}

/// [`inspect`] as the sync step sees the stick: a data file without its manifest (a write cut
/// short) is ignored instead of refused (see [`verify_all`]). Writes nothing.
pub(crate) fn inspect_for_step(inst: &Installation, stick: &Stick) -> Result<Inspection, Error> {
    inspect_with(inst, stick, false)
}

fn inspect_with(
    inst: &Installation,
    stick: &Stick,
    refuse_orphans: bool,
) -> Result<Inspection, Error> {
    let (opened, own) = verify_manifests_with(inst, stick, refuse_orphans)?;
    let mut out = Inspection {
        own_in_transit: own,
        ..Inspection::default()
    };
    for m in &opened {
        let data_gone = fs::symlink_metadata(&m.data_path)
            .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
        if !refuse_orphans && data_gone {
            // A superseded package whose removal a power cut kept half: the step skips it.
            continue;
        }
        m.stream(&mut NullSink)?;
        out.packages.push(info(inst, m)?);
    }
    Ok(out)
}

/// Verifies every package addressed to us and applies the new ones into `to`, atomically:
/// either every new package lands (files renamed into place, sequence recorded) or nothing does.
pub fn open(inst: &mut Installation, stick: &Stick, to: &Path) -> Result<OpenReport, Error> {
    let _lock = inst.home.lock()?;
    if !to.is_dir() {
        return Err(TransferError::DestinationMissing {
            path: to.to_owned(),
        }
        .into());
    }
    let (opened, own) = verify_manifests(inst, stick)?;
    let mut report = OpenReport {
        own_in_transit: own,
        ..OpenReport::default()
    };
    let mut new = Vec::new();
    for m in opened {
        if inst.is_applied(&m.sender(), m.meta.seq)? {
            report.already_applied.push(info(inst, &m)?);
        } else {
            new.push(m);
        }
    }

    // Stage every new package; any failure removes all staging and changes nothing.
    let mut staged: Vec<(OpenedManifest, PathBuf)> = Vec::new();
    let result = (|| {
        for m in new {
            let dir = to.join(format!(".oqs-courier-staging-{}", m.header.id_hex()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir(&dir).map_err(|source| TransferError::Publish {
                path: dir.clone(),
                source,
            })?;
            staged.push((m, dir.clone()));
            let (m, dir) = staged
                .last()
                .ok_or(TransferError::DestinationMissing { path: dir.clone() })?;
            let mut sink = StagingSink::new(dir);
            m.stream(&mut sink)?;
            sink.flush()?;
        }
        plan_conflicts(to, &staged)
    })();
    let skip = match result {
        Ok(skip) => skip,
        Err(e) => {
            for (_, dir) in &staged {
                let _ = fs::remove_dir_all(dir);
            }
            return Err(e);
        }
    };

    let mut staged = staged.into_iter();
    while let Some((m, dir)) = staged.next() {
        let published = (|| {
            for (i, f) in m.meta.files.iter().enumerate() {
                let target = to.join(&f.name);
                if skip.contains(&target) {
                    continue;
                }
                durable::rename(&dir.join(i.to_string()), &target).map_err(|source| {
                    TransferError::Publish {
                        path: target.clone(),
                        source,
                    }
                })?;
            }
            // One flush of the destination folder per package, before the package is recorded
            // as applied: the renamed names are on the medium then (their data was flushed
            // before any rename, `StagingSink::flush`), so "applied" never names a file a power
            // cut could take back.
            durable::sync_dir(to).map_err(|source| TransferError::Publish {
                path: to.to_owned(),
                source,
            })
        })();
        let _ = fs::remove_dir_all(&dir);
        if let Err(e) = published {
            // No staging folder is left behind, this one's or a later package's.
            for (_, later) in staged {
                let _ = fs::remove_dir_all(&later);
            }
            return Err(e.into());
        }
        let (sender, id, seq) = (m.sender().to_string(), m.header.id_hex(), m.meta.seq);
        // One journal transaction per package (one flush of the write-ahead log).
        inst.journal
            .transaction(|tx| {
                tx.record_applied(&sender, seq, &id, None, &m.meta.acks)?;
                let base = AuditRow {
                    package_id: Some(id.clone()),
                    seq: Some(seq),
                    actor: Some(crate::state::actor()),
                    ..AuditRow::new(Flow::In, Outcome::Opened)
                };
                tx.audit_files(&base, m.meta.files.iter().map(file_columns))
            })
            .map_err(crate::state::Error::from)?;
        report.applied.push(info(inst, &m)?);
    }
    Ok(report)
}

/// Verifies every manifest on the stick; returns the packages addressed to us, in sequence order.
/// For the sync engine: a data file with nothing at its manifest's name is a package whose
/// writing a pulled stick or a power cut interrupted — it does not exist, is ignored here and
/// removed by the next step's cleaning (refusing it would leave both PCs refusing the stick for
/// good). Something that is not a manifest at that name (a link, a folder) is still refused.
pub(crate) fn verify_all(inst: &Installation, stick: &Stick) -> Result<Vec<OpenedManifest>, Error> {
    verify_manifests_with(inst, stick, false).map(|(opened, _)| opened)
}

/// Reads and verifies every manifest on the stick. Our own packages are counted and skipped.
fn verify_manifests(
    inst: &Installation,
    stick: &Stick,
) -> Result<(Vec<OpenedManifest>, usize), Error> {
    verify_manifests_with(inst, stick, true)
}

/// [`verify_manifests`]; `refuse_orphans`: a data file without its manifest, and nothing for us
/// beside it, is [`TransferError::Incomplete`] (`inspect` / `open` tell the user so).
fn verify_manifests_with(
    inst: &Installation,
    stick: &Stick,
    refuse_orphans: bool,
) -> Result<(Vec<OpenedManifest>, usize), Error> {
    let scan = stick.scan()?;
    let peer = inst.peer_keys().ok();
    let mut own = 0;
    let mut opened = Vec::new();
    for path in &scan.manifests {
        match package::read_manifest(path, &inst.identity, peer.as_ref())? {
            Classified::Own(_) => own += 1,
            Classified::ForUs(m) => opened.push(*m),
        }
    }
    if opened.is_empty() {
        if let Some(path) = scan.orphans.iter().find(|p| {
            refuse_orphans || fs::symlink_metadata(p.with_extension(package::MANIFEST_EXT)).is_ok()
        }) {
            return Err(TransferError::Incomplete { path: path.clone() }.into());
        }
        if peer.is_none() && own == 0 {
            return Err(crate::state::Error::NotPaired.into());
        }
    }
    opened.sort_by_key(|m| m.meta.seq);
    // One sequence number, one package (FORMAT.md section 6): a different package under a
    // number already applied, or two on the stick, means the sender went backwards.
    for (i, m) in opened.iter().enumerate() {
        let id = m.header.id_hex();
        let beside = opened[..i]
            .iter()
            .find(|o| o.meta.seq == m.meta.seq && o.header.id_hex() != id)
            .map(|o| o.header.id_hex());
        let applied = inst
            .journal
            .applied_package(&m.sender().to_string(), m.meta.seq)
            .map_err(crate::state::Error::from)?
            .filter(|other| *other != id);
        if let Some(other) = beside.or(applied) {
            return Err(TransferError::SeqReused {
                path: m.manifest_path.clone(),
                seq: m.meta.seq,
                other,
            }
            .into());
        }
    }
    Ok((opened, own))
}

fn info(inst: &Installation, m: &OpenedManifest) -> Result<PackageInfo, Error> {
    let sender: Fingerprint = m.sender();
    Ok(PackageInfo {
        id: m.header.id_hex(),
        seq: m.meta.seq,
        sender: sender.to_string(),
        created: m.meta.created.clone(),
        applied: inst.is_applied(&sender, m.meta.seq)?,
        acks: m.meta.acks.clone(),
        files: m.meta.files.clone(),
    })
}

/// Which destination files already hold exactly the incoming content (skip them); refuses when a
/// different file of the same name exists, or two new packages disagree about one name.
fn plan_conflicts(to: &Path, staged: &[(OpenedManifest, PathBuf)]) -> Result<Vec<PathBuf>, Error> {
    let mut planned: HashMap<String, &str> = HashMap::new();
    let mut skip = Vec::new();
    for (m, _) in staged {
        for f in &m.meta.files {
            let target = to.join(&f.name);
            if let Some(prev) = planned.insert(filename::fold(&f.name), &f.sha256)
                && prev != f.sha256
            {
                return Err(TransferError::Conflict { path: target }.into());
            }
            match fs::symlink_metadata(&target) {
                Ok(md)
                    if md.is_file()
                        && sha256_file(&target).as_deref() == Some(f.sha256.as_str()) =>
                {
                    skip.push(target);
                }
                Ok(_) => return Err(TransferError::Conflict { path: target }.into()),
                Err(_) => {}
            }
        }
    }
    Ok(skip)
}

fn sha256_file(path: &Path) -> Option<String> {
    let mut f = File::open(path).ok()?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).ok()?;
    Some(hex::encode(h.finalize()))
}

fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    crate::durable::open_regular(path)?
        .take(max + 1)
        .read_to_end(&mut out)?;
    Ok(out)
}

/// Writes each verified file to `<staging>/<index>` with its original mtime, **not yet
/// flushed**: the caller flushes every staged file of the package at once with
/// [`StagingSink::flush`] before anything is renamed into place or recorded.
pub(crate) struct StagingSink<'a> {
    dir: &'a Path,
    file: Option<(durable::Tracked, PathBuf)>,
    written: Vec<PathBuf>,
}

impl<'a> StagingSink<'a> {
    /// A sink writing into the (existing) folder `dir`.
    pub(crate) fn new(dir: &'a Path) -> Self {
        Self {
            dir,
            file: None,
            written: Vec::new(),
        }
    }

    /// Flushes every file staged so far to the medium (several at a time). This is the flush
    /// that lets a package be applied: until it returns, nothing of the package is renamed into
    /// place nor recorded as applied, so a crash before it leaves only a staging folder that
    /// the next run removes (nothing half-applied); after it, every staged file is whole on the
    /// medium, so the renames and the journal commit that follow never publish a file whose
    /// data a power cut could still lose.
    pub(crate) fn flush(&self) -> Result<(), package::Error> {
        durable::sync_paths(&self.written).map_err(|e| package::Error::io(self.dir, e))
    }
}

impl FileSink for StagingSink<'_> {
    fn begin(&mut self, index: usize, _: &FileEntry) -> Result<(), package::Error> {
        let path = self.dir.join(index.to_string());
        let f = durable::create(&path).map_err(|e| package::Error::io(&path, e))?;
        self.file = Some((f, path));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), package::Error> {
        if let Some((f, path)) = self.file.as_mut() {
            f.write_all(bytes)
                .map_err(|e| package::Error::io(path.as_path(), e))?;
        }
        Ok(())
    }

    fn finish(&mut self, _: usize, entry: &FileEntry) -> Result<(), package::Error> {
        if let Some((f, path)) = self.file.take() {
            if let Some(t) = entry
                .mtime
                .as_deref()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            {
                let _ = f.file().set_modified(t.into());
            }
            // Closed here (no handle per file stays open: 10,000 files would exceed the
            // process's limit); flushed together in `flush`.
            drop(f);
            self.written.push(path);
        }
        Ok(())
    }
}
