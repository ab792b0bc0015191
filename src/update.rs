//! Updates of oqs-courier carried by the stick (issue 16, item 3).
//!
//! A release is an NSIS installer plus its **minisign** signature (`.minisig`), made with the
//! project's release key; an owner can check one by hand with `minisign -V`. This module owns:
//! verifying an installer against the release public key compiled in here ([`verify`]) and
//! that its version (from the signature's *trusted*, i.e. signed, comment) is newer
//! ([`check_newer`]); on the clinic, staging a verified installer as outgoing parts the next
//! trips carry ([`stage`]); on the terminal, assembling the parts, verifying them again and
//! keeping the installer until the step has ended ([`receive_offer`]), then handing it to an
//! [`Installer`] ([`install_ready`]) and keeping the previous one for a roll-back
//! ([`rollback`]). It never runs an installer itself: [`SilentInstaller`] does, behind the
//! trait, so the engine's logic is tested with a fake.
//!
//! Keys: [`RELEASE_PUBLIC_KEY`] is the only key a release build trusts; its secret is never in
//! the repository (packaging/README.md, "Releases"). The cargo feature `test-release-key` adds
//! the test key whose secret is `tests/fixtures/update/test-release.key` (a test key, public
//! on purpose); release builds and the installer never enable it.

use crate::journal::{AuditRow, Flow, NewItem, Outcome as Audited, State};
use crate::oqs::folders::Sub;
use crate::package::{self, Health, Update, UpdateReport};
use crate::state::{Installation, Role};
use crate::{Error, care, durable, text};
use sha2::{Digest, Sha256};
use std::cmp::Ordering;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The project's release key (minisign public key, base64). Release installers are signed with
/// its secret, which is kept offline by the maintainers and never in the repository.
pub const RELEASE_PUBLIC_KEY: &str = "RWQOJ3xe1vbdaxhBa3TuwKKyhG4BeXTBCl4xXTJ2Crm1O/6A6AC3ydPV";

/// The test key (`tests/fixtures/update/test-release.pub`); trusted only with the cargo feature
/// `test-release-key`.
#[cfg(feature = "test-release-key")]
pub const TEST_PUBLIC_KEY: &str = "RWRydV3sW/I0bJwFN3TSmYZPlpUHl23Qq3BYrVwSbn1fI9KU5qaeH/xX";

/// The keys this build trusts: the release key, plus the test key when built with the feature
/// `test-release-key` (tests only).
pub fn trusted_keys() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut keys = vec![RELEASE_PUBLIC_KEY];
    #[cfg(feature = "test-release-key")]
    keys.push(TEST_PUBLIC_KEY);
    keys
}

/// Largest installer accepted (a release installer is some tens of MB).
pub const MAX_INSTALLER: u64 = 512 * 1024 * 1024;
/// Bytes per part on the stick: an installer travels in parts, so a small stick carries it
/// over several trips (each part waits, least urgent, like any large file: `engine::plan`).
pub const PART_SIZE: u64 = 4 * 1024 * 1024;

const OFFER_KEY: &str = "update_offer";
const READY_KEY: &str = "update_ready";
const REFUSED_KEY: &str = "update_refused";
const CURRENT_KEY: &str = "update_current";
const PREVIOUS_KEY: &str = "update_previous";
/// Terminal: the version whose installer was last started and when (RFC 3339).
const STARTED_KEY: &str = "update_started";
/// Terminal: the unfinished installation last audited (see [`unfinished`]).
const UNFINISHED_KEY: &str = "update_unfinished";
/// Clinic: the last update the terminal refused or could not finish, and why (its report's
/// `refused_why`), shown in the terminal's block until another update is staged or the
/// terminal runs that version.
const REFUSED_THERE_KEY: &str = "update_refused_there";

/// `refused_why` of an update whose installer was started but did not finish: the terminal
/// still runs an older version (FORMAT.md §5.1).
pub const UNFINISHED: &str = "unfinished";

/// How long after its installer was started a version that does not run counts as unfinished
/// (an installation takes seconds; a report made while it runs must not say so).
const UNFINISHED_AFTER: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// An update was refused (on either PC), or could not be handled.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The installer or its signature could not be read or stored.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not an installer we take (empty, too large, not a regular file).
    #[error("{path} is not an oqs-courier installer")]
    NotAnInstaller {
        /// The file.
        path: PathBuf,
    },
    /// The `.minisig` is not a minisign signature (or a legacy one).
    #[error("{path}: not a readable minisign signature")]
    BadSignatureFile {
        /// The installer it was meant for.
        path: PathBuf,
    },
    /// Signed with a key this build does not trust.
    #[error("{path} is not signed with the release key")]
    WrongKey {
        /// The installer.
        path: PathBuf,
    },
    /// The installer's bytes do not match its signature.
    #[error("{path} does not match its signature (corrupted or altered)")]
    Corrupted {
        /// The installer.
        path: PathBuf,
    },
    /// The signed comment names no version.
    #[error("the signature of {path} names no version")]
    NoVersion {
        /// The installer.
        path: PathBuf,
    },
    /// The installer is not newer than what runs.
    #[error("version {version} is not newer than {running}")]
    NotNewer {
        /// The installer's version.
        version: String,
        /// What it was compared with.
        running: String,
    },
    /// The clinic has no report from a terminal that takes updates.
    #[error("no health report from a terminal that reads updates")]
    TerminalUnknown,
    /// Nothing to roll back to.
    #[error("no previous installer is kept")]
    NoPrevious,
    /// Windows asked for administrator consent to start the installer and it was declined.
    #[error("the administrator consent to start the installer {path} was declined")]
    Declined {
        /// The installer.
        path: PathBuf,
    },
    /// The installer could not be started.
    #[error("cannot start the installer {path}: {detail}")]
    InstallFailed {
        /// The installer.
        path: PathBuf,
        /// What happened.
        detail: String,
    },
}

impl UpdateError {
    /// The Japanese sentence and the hint staff read.
    pub fn texts(&self) -> (&'static str, &'static str) {
        use text::*;
        match self {
            UpdateError::Io { .. } => (E_UPD_IO, H_UPD_IO),
            UpdateError::NotAnInstaller { .. } => (E_UPD_NOT_INSTALLER, H_UPD_NOT_INSTALLER),
            UpdateError::BadSignatureFile { .. } => {
                (E_UPD_BAD_SIGNATURE_FILE, H_UPD_BAD_SIGNATURE_FILE)
            }
            UpdateError::WrongKey { .. } => (E_UPD_WRONG_KEY, H_UPD_WRONG_KEY),
            UpdateError::Corrupted { .. } => (E_UPD_CORRUPTED, H_UPD_CORRUPTED),
            UpdateError::NoVersion { .. } => (E_UPD_NO_VERSION, H_UPD_NO_VERSION),
            UpdateError::NotNewer { .. } => (E_UPD_NOT_NEWER, H_UPD_NOT_NEWER),
            UpdateError::TerminalUnknown => (E_UPD_TERMINAL_UNKNOWN, H_UPD_TERMINAL_UNKNOWN),
            UpdateError::NoPrevious => (E_UPD_NO_PREVIOUS, H_UPD_NO_PREVIOUS),
            UpdateError::Declined { .. } => (E_UPD_DECLINED, H_UPD_DECLINED),
            UpdateError::InstallFailed { .. } => (E_UPD_INSTALL_FAILED, H_UPD_INSTALL_FAILED),
        }
    }

    /// Whether this refuses the update (as opposed to a file or set-up problem).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            UpdateError::NotAnInstaller { .. }
                | UpdateError::BadSignatureFile { .. }
                | UpdateError::WrongKey { .. }
                | UpdateError::Corrupted { .. }
                | UpdateError::NoVersion { .. }
                | UpdateError::NotNewer { .. }
        )
    }

    /// A short kind for the health report (`health.update.refused_why`).
    pub fn short(&self) -> &'static str {
        match self {
            UpdateError::WrongKey { .. } => "wrong-key",
            UpdateError::Corrupted { .. } => "corrupted",
            UpdateError::NotNewer { .. } => "not-newer",
            UpdateError::NoVersion { .. } => "no-version",
            UpdateError::BadSignatureFile { .. } => "bad-signature",
            _ => "other",
        }
    }
}

fn io(path: &Path, source: std::io::Error) -> UpdateError {
    UpdateError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The version a signature's trusted comment states: a `version:X.Y.Z` field, else the version
/// in a signed file name `file:oqs-courier-setup-X.Y.Z.exe` (what `minisign -S` writes by
/// default). Fields are separated by tabs or spaces.
pub fn version_of(trusted_comment: &str) -> Option<String> {
    let fields: Vec<&str> = trusted_comment.split(['\t', ' ']).collect();
    let valid = |v: &str| {
        !v.is_empty()
            && v.len() <= package::care::MAX_CARE_TEXT
            && v.starts_with(|c: char| c.is_ascii_digit())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
    };
    if let Some(v) = fields.iter().find_map(|f| f.strip_prefix("version:")) {
        return valid(v).then(|| v.to_owned());
    }
    let file = fields.iter().find_map(|f| f.strip_prefix("file:"))?;
    let v = file
        .strip_prefix("oqs-courier-setup-")?
        .strip_suffix(".exe")?;
    valid(v).then(|| v.to_owned())
}

/// Verifies `installer` against `signature` (the `.minisig` text) with one of `keys`: the
/// signature (over the installer's bytes and the trusted comment) must verify, and the trusted
/// comment must name a version. Returns the update as it travels (`parts` still 0).
pub fn verify(installer: &Path, signature: &str, keys: &[&str]) -> Result<Update, UpdateError> {
    let md = fs::metadata(installer).map_err(|e| io(installer, e))?;
    if !md.is_file() || md.len() == 0 || md.len() > MAX_INSTALLER {
        return Err(UpdateError::NotAnInstaller {
            path: installer.to_owned(),
        });
    }
    let bad_sig = || UpdateError::BadSignatureFile {
        path: installer.to_owned(),
    };
    if signature.len() > package::care::MAX_SIGNATURE_TEXT {
        return Err(bad_sig());
    }
    let sig = minisign_verify::Signature::decode(signature).map_err(|_| bad_sig())?;
    let key = keys
        .iter()
        .filter_map(|k| minisign_verify::PublicKey::from_base64(k).ok())
        .find(|k| k.verify_stream(&sig).is_ok());
    let Some(key) = key else {
        // No trusted key has the signature's key id (a legacy signature also ends here).
        return match keys
            .iter()
            .filter_map(|k| minisign_verify::PublicKey::from_base64(k).ok())
            .map(|k| k.verify_stream(&sig).err())
            .next()
        {
            Some(Some(minisign_verify::Error::UnsupportedLegacyMode)) => Err(bad_sig()),
            _ => Err(UpdateError::WrongKey {
                path: installer.to_owned(),
            }),
        };
    };
    let mut verifier = key.verify_stream(&sig).map_err(|_| bad_sig())?;
    let mut sha = Sha256::new();
    let mut file = fs::File::open(installer).map_err(|e| io(installer, e))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| io(installer, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        verifier.update(&buf[..n]);
        sha.update(&buf[..n]);
    }
    verifier.finalize().map_err(|_| UpdateError::Corrupted {
        path: installer.to_owned(),
    })?;
    let version = version_of(sig.trusted_comment()).ok_or_else(|| UpdateError::NoVersion {
        path: installer.to_owned(),
    })?;
    Ok(Update {
        version,
        size,
        sha256: hex::encode(sha.finalize()),
        parts: 0,
        signature: signature.to_owned(),
    })
}

/// Refuses an update whose `version` is not newer than `running`.
pub fn check_newer(version: &str, running: &str) -> Result<(), UpdateError> {
    if care::compare_versions(version, running) == Ordering::Greater {
        Ok(())
    } else {
        Err(UpdateError::NotNewer {
            version: version.to_owned(),
            running: running.to_owned(),
        })
    }
}

/// The canonical installer name of `version`.
pub fn installer_name(version: &str) -> String {
    format!("oqs-courier-setup-{version}.exe")
}

/// The name part `i` (from 1) of the installer of `version` travels under.
pub fn part_name(version: &str, i: u32) -> String {
    format!("{}.part{i:03}", installer_name(version))
}

/// Whether a file name in a package is a part of an update.
pub fn is_part_name(name: &str) -> bool {
    name.starts_with("oqs-courier-setup-")
        && name
            .rsplit_once(".exe.part")
            .is_some_and(|(_, n)| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The signature file beside an installer: `<installer>.minisig`.
pub fn default_signature(installer: &Path) -> PathBuf {
    let mut s = installer.as_os_str().to_owned();
    s.push(".minisig");
    PathBuf::from(s)
}

fn read_signature(path: &Path) -> Result<String, UpdateError> {
    let md = fs::metadata(path).map_err(|e| io(path, e))?;
    if md.len() > package::care::MAX_SIGNATURE_TEXT as u64 {
        return Err(UpdateError::BadSignatureFile {
            path: path.to_owned(),
        });
    }
    let bytes = fs::read(path).map_err(|e| io(path, e))?;
    String::from_utf8(bytes).map_err(|_| UpdateError::BadSignatureFile {
        path: path.to_owned(),
    })
}

/// Writes `bytes` to `path` and flushes them to the medium.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::File::create(path)?;
    std::io::Write::write_all(&mut f, bytes)?;
    f.sync_all()
}

fn dir(inst: &Installation, sub: &str) -> PathBuf {
    inst.home.path().join("update").join(sub)
}

fn audit(inst: &Installation, flow: Flow, outcome: Audited, file: Option<&str>, reason: String) {
    let _ = inst.journal.audit(&AuditRow {
        actor: Some(crate::state::actor()),
        file: file.map(str::to_owned),
        kind: Some("update".to_owned()),
        reason: Some(reason),
        ..AuditRow::new(flow, outcome)
    });
}

fn refusal_reason(e: &UpdateError) -> String {
    let (message, _) = e.texts();
    format!("{message}（{e}）")
}

/// Audits `e` as a refusal of the installer `file`, seen locally (`Flow::Local`) or on arrival
/// (`Flow::In`).
fn audit_refused(inst: &Installation, flow: Flow, file: Option<&str>, e: &UpdateError) {
    audit(inst, flow, Audited::Refused, file, refusal_reason(e));
}

fn get_json<T: serde::de::DeserializeOwned>(
    inst: &Installation,
    key: &str,
) -> Result<Option<T>, Error> {
    Ok(inst
        .journal
        .get_meta(key)?
        .and_then(|j| serde_json::from_str(&j).ok()))
}

fn set_json<T: serde::Serialize>(
    inst: &Installation,
    key: &str,
    v: Option<&T>,
) -> Result<(), Error> {
    let json = v.map_or_else(String::new, |v| {
        serde_json::to_string(v).unwrap_or_default()
    });
    inst.journal.set_meta(key, &json)?;
    Ok(())
}

// ---- the clinic -------------------------------------------------------------------------------

/// Clinic (the owner, behind the PIN): verifies `installer` with its signature (`signature`,
/// default `<installer>.minisig`) against the release key, checks it is newer than the version
/// the terminal last reported, and queues it in parts for the next trips. Refusals are audited.
pub fn stage(
    inst: &mut Installation,
    installer: &Path,
    signature: Option<&Path>,
    actor: &str,
) -> Result<Update, Error> {
    stage_with(
        inst,
        installer,
        signature,
        &trusted_keys(),
        PART_SIZE,
        actor,
    )
}

/// [`stage`] with the keys and the part size given (tests).
#[doc(hidden)]
pub fn stage_with(
    inst: &mut Installation,
    installer: &Path,
    signature: Option<&Path>,
    keys: &[&str],
    part_size: u64,
    actor: &str,
) -> Result<Update, Error> {
    let checked = (|| {
        let sig_path = signature.map_or_else(|| default_signature(installer), Path::to_owned);
        let sig = read_signature(&sig_path)?;
        let update = verify(installer, &sig, keys)?;
        let theirs = terminal_version(inst)?.ok_or(UpdateError::TerminalUnknown)?;
        check_newer(&update.version, &theirs)?;
        Ok::<_, Error>(update)
    })();
    let update = match checked {
        Ok(u) => u,
        Err(e) => {
            if let Error::Update(u) = &e
                && u.is_refusal()
            {
                let name = installer.file_name().map(|n| n.to_string_lossy());
                audit_refused(inst, Flow::Local, name.as_deref(), u);
            }
            return Err(e);
        }
    };
    queue_parts(inst, installer, update, part_size, actor)
}

/// The version the terminal runs, from its newest health report — only when that report says
/// the terminal reads updates (`health.update`).
fn terminal_version(inst: &Installation) -> Result<Option<String>, Error> {
    let last = inst.journal.health_rows(1)?.into_iter().next();
    let health: Option<Health> = last.and_then(|r| serde_json::from_str(&r.report).ok());
    Ok(health
        .filter(|h| h.update.is_some() && !h.app_version.is_empty())
        .map(|h| h.app_version))
}

/// Queues `installer` (whatever it is: the caller verified it, or a test wants the terminal to
/// refuse it) in parts of `part_size` bytes as outgoing items, and keeps `update` to describe
/// them in every package until the terminal reports it installed or refused.
#[doc(hidden)]
pub fn queue_parts(
    inst: &mut Installation,
    installer: &Path,
    mut update: Update,
    part_size: u64,
    actor: &str,
) -> Result<Update, Error> {
    let part_size = part_size.max(1);
    let bytes = fs::read(installer).map_err(|e| io(installer, e))?;
    let parts = u32::try_from(bytes.len().div_ceil(part_size as usize).max(1))
        .unwrap_or(u32::MAX)
        .min(package::care::MAX_UPDATE_PARTS);
    update.parts = parts;
    let store = inst.store_dir();
    fs::create_dir_all(&store).map_err(|e| io(&store, e))?;
    let chunk = bytes.len().div_ceil(parts as usize).max(1);
    for (i, piece) in bytes.chunks(chunk).enumerate() {
        let name = part_name(&update.version, i as u32 + 1);
        let tmp = store.join(format!(".new-update-{i}"));
        write_synced(&tmp, piece).map_err(|e| io(&tmp, e))?;
        let sha = hex::encode(Sha256::digest(piece));
        inst.journal.transaction(|tx| {
            let id = tx
                .queue_out(&NewItem {
                    dir: crate::journal::Dir::Out,
                    name: &name,
                    folder: Sub::Req,
                    kind: "update",
                    size: piece.len() as u64,
                    sha256: &sha,
                    state: State::Queued,
                    seq: None,
                    incomplete: false,
                })?
                .id();
            durable::rename(&tmp, &store.join(id.to_string())).map_err(|source| {
                crate::journal::Error::File {
                    path: tmp.clone(),
                    source,
                }
            })
        })?;
    }
    set_json(inst, OFFER_KEY, Some(&update))?;
    set_json::<(String, String)>(inst, REFUSED_THERE_KEY, None)?;
    let _ = inst.journal.audit(&AuditRow {
        actor: Some(actor.to_owned()),
        file: Some(installer_name(&update.version)),
        size: Some(update.size),
        sha256: Some(update.sha256.clone()),
        kind: Some("update".to_owned()),
        reason: Some(text::u_audit_staged(&update.version, parts)),
        ..AuditRow::new(Flow::Local, Audited::UpdateStaged)
    });
    Ok(update)
}

/// Clinic: the update every package carries until the terminal reports it done or refused.
pub fn offer_to_send(inst: &Installation) -> Result<Option<Update>, Error> {
    if inst.config.role != Role::Clinic {
        return Ok(None);
    }
    get_json(inst, OFFER_KEY)
}

/// Clinic: a health report arrived; an update it shows installed or refused is audited once and
/// no longer sent.
pub fn note_report(inst: &Installation, health: &Health) -> Result<(), Error> {
    // A refusal shown until now is over once the terminal runs that version.
    if let Some((version, _)) = get_json::<(String, String)>(inst, REFUSED_THERE_KEY)?
        && care::compare_versions(&health.app_version, &version) != Ordering::Less
    {
        set_json::<(String, String)>(inst, REFUSED_THERE_KEY, None)?;
    }
    let Some(offer) = offer_to_send(inst)? else {
        return Ok(());
    };
    let running = care::compare_versions(&health.app_version, &offer.version);
    let installed = running != Ordering::Less;
    // A terminal that runs the offered version has it, whatever else it reports (the offer keeps
    // arriving until the clinic reads a report of the new version: it is not a refusal).
    let refused = running != Ordering::Equal
        && health
            .update
            .as_ref()
            .and_then(|u| u.refused.as_deref())
            .is_some_and(|v| v == offer.version);
    if refused {
        let why = health
            .update
            .as_ref()
            .and_then(|u| u.refused_why.clone())
            .unwrap_or_default();
        let reason = if why == UNFINISHED {
            text::u_audit_unfinished_there(&offer.version)
        } else {
            format!("{}（{why}）", text::u_audit_refused_there(&offer.version))
        };
        audit(
            inst,
            Flow::In,
            Audited::Refused,
            Some(&installer_name(&offer.version)),
            reason,
        );
        set_json(inst, REFUSED_THERE_KEY, Some(&(offer.version.clone(), why)))?;
    } else if installed {
        audit(
            inst,
            Flow::In,
            Audited::UpdateDone,
            Some(&installer_name(&offer.version)),
            text::u_audit_done(&offer.version),
        );
    } else {
        return Ok(());
    }
    set_json::<Update>(inst, OFFER_KEY, None)
}

/// Clinic: a line for the terminal's block about an update on its way, if any.
pub fn clinic_line(inst: &Installation) -> Result<Option<String>, Error> {
    let Some(offer) = offer_to_send(inst)? else {
        // The last one refused or not finished there, until another is staged or it runs.
        return Ok(
            get_json::<(String, String)>(inst, REFUSED_THERE_KEY)?.map(|(version, why)| {
                if why == UNFINISHED {
                    text::u_line_unfinished(&version)
                } else {
                    text::u_line_refused(&version)
                }
            }),
        );
    };
    let last = inst.journal.health_rows(1)?.into_iter().next();
    let health: Option<Health> = last.and_then(|r| serde_json::from_str(&r.report).ok());
    let staged = health
        .and_then(|h| h.update)
        .and_then(|u| u.staged)
        .is_some_and(|v| v == offer.version);
    Ok(Some(if staged {
        text::u_line_staged(&offer.version)
    } else {
        text::u_line_sending(&offer.version)
    }))
}

// ---- the terminal -----------------------------------------------------------------------------

/// Terminal: where received parts wait until the installer is whole.
pub fn parts_dir(inst: &Installation) -> PathBuf {
    dir(inst, "parts")
}

/// Terminal: what its health report says about updates.
pub fn report(inst: &Installation) -> Result<UpdateReport, Error> {
    let ready: Option<Update> = get_json(inst, READY_KEY)?;
    let mut refused: Option<(String, String)> = get_json(inst, REFUSED_KEY)?;
    if let Some(version) = unfinished(inst, ready.as_ref())? {
        refused = Some((version, UNFINISHED.to_owned()));
    }
    let previous: Option<Update> = get_json(inst, PREVIOUS_KEY)?;
    Ok(UpdateReport {
        staged: ready.map(|u| u.version),
        refused: refused.as_ref().map(|r| r.0.clone()),
        refused_why: refused.map(|r| r.1),
        previous: previous.map(|u| u.version),
    })
}

/// Terminal: the version whose installer was started at least [`UNFINISHED_AFTER`] ago and
/// is still not the one running, while no other update waits: the installer did not finish
/// (it failed, or was stopped). Audited once. Not kept as a refusal: the owner may send the
/// same version again, and it is then received and installed as any other.
fn unfinished(inst: &Installation, ready: Option<&Update>) -> Result<Option<String>, Error> {
    if inst.config.role != Role::Terminal || ready.is_some() {
        return Ok(None);
    }
    let Some((version, started)) = get_json::<(String, String)>(inst, STARTED_KEY)? else {
        return Ok(None);
    };
    let long_ago = chrono::DateTime::parse_from_rfc3339(&started)
        .is_ok_and(|t| chrono::Utc::now().signed_duration_since(t) >= UNFINISHED_AFTER);
    if !long_ago || care::compare_versions(&version, care::APP_VERSION) != Ordering::Greater {
        return Ok(None);
    }
    if get_json::<String>(inst, UNFINISHED_KEY)?.as_deref() != Some(version.as_str()) {
        audit(
            inst,
            Flow::Local,
            Audited::Refused,
            Some(&installer_name(&version)),
            text::u_audit_unfinished(&version),
        );
        set_json(inst, UNFINISHED_KEY, Some(&version))?;
    }
    Ok(Some(version))
}

/// Terminal: an update described in a received package (its parts, if any, were stored in
/// [`parts_dir`] with the package). When every part is here, the installer is assembled and
/// verified again — key, bytes and version against this terminal's — and kept for
/// [`install_ready`]; a refusal is audited, reported back and its parts removed.
pub fn receive_offer(inst: &Installation, offer: &Update) -> Result<(), Error> {
    let ready: Option<Update> = get_json(inst, READY_KEY)?;
    let refused: Option<(String, String)> = get_json(inst, REFUSED_KEY)?;
    if ready.is_some_and(|r| r.version == offer.version)
        || refused.is_some_and(|r| r.0 == offer.version)
    {
        return Ok(());
    }
    let name = installer_name(&offer.version);
    let parts = parts_dir(inst);
    let names: Vec<String> = (1..=offer.parts)
        .map(|i| part_name(&offer.version, i))
        .collect();
    let refuse = |e: UpdateError| -> Result<(), Error> {
        audit_refused(inst, Flow::In, Some(&name), &e);
        set_json(
            inst,
            REFUSED_KEY,
            Some(&(offer.version.clone(), e.short().to_owned())),
        )?;
        let _ = fs::remove_dir_all(&parts);
        Ok(())
    };
    // The version running now: installed (by this update, whose offer the clinic sends until
    // this terminal's report shows it, or by hand). Nothing to receive and nothing to refuse.
    if care::compare_versions(&offer.version, care::APP_VERSION) == Ordering::Equal {
        let _ = fs::remove_dir_all(&parts);
        return Ok(());
    }
    // Refused before the parts arrive: a wrong version is known from the offer alone.
    if let Err(e) = check_newer(&offer.version, care::APP_VERSION) {
        return refuse(e);
    }
    if !names.iter().all(|n| parts.join(n).is_file()) {
        return Ok(());
    }
    let ready_dir = dir(inst, "ready");
    let _ = fs::remove_dir_all(&ready_dir);
    fs::create_dir_all(&ready_dir).map_err(|e| io(&ready_dir, e))?;
    let exe = ready_dir.join(&name);
    {
        let mut out = fs::File::create(&exe).map_err(|e| io(&exe, e))?;
        for n in &names {
            let p = parts.join(n);
            let mut f = fs::File::open(&p).map_err(|e| io(&p, e))?;
            std::io::copy(&mut f, &mut out).map_err(|e| io(&exe, e))?;
        }
        out.sync_all().map_err(|e| io(&exe, e))?;
    }
    let sig = default_signature(&exe);
    write_synced(&sig, offer.signature.as_bytes()).map_err(|e| io(&sig, e))?;
    let checked = verify(&exe, &offer.signature, &trusted_keys()).and_then(|u| {
        check_newer(&u.version, care::APP_VERSION)?;
        Ok(u)
    });
    let _ = fs::remove_dir_all(&parts);
    match checked {
        Ok(u) => {
            set_json(inst, READY_KEY, Some(&u))?;
            audit(
                inst,
                Flow::In,
                Audited::UpdateStaged,
                Some(&name),
                text::u_audit_ready(&u.version),
            );
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&ready_dir);
            refuse(e)
        }
    }
}

/// Runs an installer. The product's is [`SilentInstaller`]; tests use a fake.
pub trait Installer {
    /// Starts `installer` (verified just before). Returning `Ok` means it was started.
    fn run(&mut self, installer: &Path) -> std::io::Result<()>;
}

/// Starts the NSIS installer silently (`/S`) with `/UPDATE`: it stops the running app, waits
/// until no process runs the program files, keeps the autostart choice, installs, and starts the
/// app again (packaging/windows/installer.nsi). It is not waited for: it replaces this program.
/// It inherits no standard handle (a `sync` whose output a script reads must not have its pipe
/// held open by the installer) and runs in its own folder, not in this process's current folder
/// (which may be on the stick staff were just told they can remove).
pub struct SilentInstaller;

impl Installer for SilentInstaller {
    fn run(&mut self, installer: &Path) -> std::io::Result<()> {
        // Windows: through the shell's "runas", as the installer needs administrator rights
        // and the app has none (Windows asks for consent where UAC says so).
        #[cfg(windows)]
        return crate::win32::run_elevated(installer, "/S /UPDATE", installer.parent());
        #[cfg(not(windows))]
        {
            let mut cmd = std::process::Command::new(installer);
            cmd.args(["/S", "/UPDATE"])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            if let Some(dir) = installer.parent() {
                cmd.current_dir(dir);
            }
            cmd.spawn().map(|_| ())
        }
    }
}

/// Terminal, after a step has ended and the stick is safe to remove: installs a verified update
/// that waits, if any. The installer is verified once more right before it runs; the installer
/// of the version running until now (if it came by the stick) is kept for [`rollback`].
/// Returns the version started. When the installer cannot be started, everything is put back:
/// the update still waits and is tried again after the next step.
pub fn install_ready(
    inst: &Installation,
    installer: &mut dyn Installer,
) -> Result<Option<String>, Error> {
    if inst.config.role != Role::Terminal {
        return Ok(None);
    }
    let Some(ready) = get_json::<Update>(inst, READY_KEY)? else {
        return Ok(None);
    };
    let name = installer_name(&ready.version);
    let ready_dir = dir(inst, "ready");
    let verified = verify(&ready_dir.join(&name), &ready.signature, &trusted_keys())
        .and_then(|u| check_newer(&u.version, care::APP_VERSION).map(|()| u));
    if let Err(e) = verified {
        set_json::<Update>(inst, READY_KEY, None)?;
        let _ = fs::remove_dir_all(&ready_dir);
        audit_refused(inst, Flow::Local, Some(&name), &e);
        set_json(
            inst,
            REFUSED_KEY,
            Some(&(ready.version.clone(), e.short().to_owned())),
        )?;
        return Err(e.into());
    }
    // previous ← current ← ready, written before the installer starts (it stops the desktop app
    // at once). The previous installer until now waits aside until the new one has started, so
    // that a failure to start puts everything back.
    let (current, previous, aside) = (
        dir(inst, "current"),
        dir(inst, "previous"),
        dir(inst, "previous.old"),
    );
    let _ = fs::remove_dir_all(&aside);
    let cur: Option<Update> = get_json(inst, CURRENT_KEY)?;
    let prev: Option<Update> = get_json(inst, PREVIOUS_KEY)?;
    let moved = current.is_dir();
    if moved {
        if previous.is_dir() {
            fs::rename(&previous, &aside).map_err(|e| io(&aside, e))?;
        }
        fs::rename(&current, &previous).map_err(|e| io(&previous, e))?;
        set_json(inst, PREVIOUS_KEY, cur.as_ref())?;
    }
    fs::rename(&ready_dir, &current).map_err(|e| io(&current, e))?;
    set_json(inst, CURRENT_KEY, Some(&ready))?;
    set_json::<Update>(inst, READY_KEY, None)?;
    audit(
        inst,
        Flow::Local,
        Audited::UpdateInstalled,
        Some(&name),
        text::u_audit_install(&ready.version),
    );
    let exe = current.join(&name);
    set_json(
        inst,
        STARTED_KEY,
        Some(&(ready.version.clone(), chrono::Utc::now().to_rfc3339())),
    )?;
    if let Err(e) = installer.run(&exe) {
        // Not started (e.g. Windows refused it): as it was, the update waits and is tried again
        // after the next step (or by `update install`), instead of being taken for installed
        // while the clinic sends its offer for ever.
        let e = not_started(&exe, &e);
        let _ = fs::rename(&current, &ready_dir);
        if moved {
            let _ = fs::rename(&previous, &current);
            let _ = fs::rename(&aside, &previous);
        }
        set_json(inst, READY_KEY, Some(&ready))?;
        set_json(inst, CURRENT_KEY, cur.as_ref())?;
        set_json(inst, PREVIOUS_KEY, prev.as_ref())?;
        set_json::<(String, String)>(inst, STARTED_KEY, None)?;
        audit_refused(inst, Flow::Local, Some(&name), &e);
        return Err(e.into());
    }
    let _ = fs::remove_dir_all(&aside);
    Ok(Some(ready.version))
}

/// Terminal (the owner, behind the PIN): runs the kept installer of the previous version
/// (verified again; older on purpose). The two kept installers swap places, so a second
/// roll-back returns to the newer one.
pub fn rollback(
    inst: &Installation,
    installer: &mut dyn Installer,
    actor: &str,
) -> Result<String, Error> {
    let Some(prev) = get_json::<Update>(inst, PREVIOUS_KEY)? else {
        return Err(UpdateError::NoPrevious.into());
    };
    let (current, previous) = (dir(inst, "current"), dir(inst, "previous"));
    let name = installer_name(&prev.version);
    let exe = previous.join(&name);
    verify(&exe, &prev.signature, &trusted_keys())?;
    let cur: Option<Update> = get_json(inst, CURRENT_KEY)?;
    let swap = dir(inst, "swap");
    let _ = fs::remove_dir_all(&swap);
    if current.is_dir() {
        fs::rename(&current, &swap).map_err(|e| io(&swap, e))?;
    }
    fs::rename(&previous, &current).map_err(|e| io(&current, e))?;
    if swap.is_dir() {
        fs::rename(&swap, &previous).map_err(|e| io(&previous, e))?;
    }
    set_json(inst, CURRENT_KEY, Some(&prev))?;
    set_json(inst, PREVIOUS_KEY, cur.as_ref())?;
    let _ = inst.journal.audit(&AuditRow {
        actor: Some(actor.to_owned()),
        file: Some(name.clone()),
        kind: Some("update".to_owned()),
        reason: Some(text::u_audit_rollback(&prev.version)),
        ..AuditRow::new(Flow::Local, Audited::UpdateInstalled)
    });
    let exe = current.join(&name);
    installer.run(&exe).map_err(|e| not_started(&exe, &e))?;
    Ok(prev.version)
}

/// Why `installer` did not start: the administrator consent declined (Windows'
/// `ERROR_CANCELLED`), or anything else.
fn not_started(installer: &Path, e: &std::io::Error) -> UpdateError {
    const ERROR_CANCELLED: i32 = 1223;
    if cfg!(windows) && e.raw_os_error() == Some(ERROR_CANCELLED) {
        UpdateError::Declined {
            path: installer.to_owned(),
        }
    } else {
        UpdateError::InstallFailed {
            path: installer.to_owned(),
            detail: e.to_string(),
        }
    }
}

/// Terminal: the version a roll-back would return to, if an installer is kept.
pub fn previous_version(inst: &Installation) -> Result<Option<String>, Error> {
    Ok(get_json::<Update>(inst, PREVIOUS_KEY)?.map(|u| u.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/update")
            .join(name)
    }

    fn sig(name: &str) -> String {
        fs::read_to_string(fixture(name)).unwrap()
    }

    const TEST_KEY: &str = "RWRydV3sW/I0bJwFN3TSmYZPlpUHl23Qq3BYrVwSbn1fI9KU5qaeH/xX";

    #[test]
    fn versions_come_from_the_signed_comment() {
        let c = "timestamp:1796555157\tfile:oqs-courier-setup-9.0.0.exe\thashed";
        assert_eq!(version_of(c).as_deref(), Some("9.0.0"));
        assert_eq!(
            version_of("version:1.2.3 file:oqs-courier-setup-9.0.0.exe").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(version_of("timestamp:1 file:setup.exe"), None);
        assert_eq!(version_of("version:../x"), None);
        assert_eq!(
            version_of("file:oqs-courier-setup-0.2.0-debug.exe").as_deref(),
            Some("0.2.0-debug")
        );
    }

    #[test]
    fn part_names_are_recognised() {
        assert!(is_part_name(&part_name("9.0.0", 1)));
        assert_eq!(
            part_name("9.0.0", 12),
            "oqs-courier-setup-9.0.0.exe.part012"
        );
        assert!(!is_part_name("oqs-courier-setup-9.0.0.exe"));
        assert!(!is_part_name("OQSsiquc01req_1.xml"));
        assert!(!is_part_name("oqs-courier-setup-9.exe.partx"));
    }

    #[test]
    fn only_newer_versions_pass() {
        assert!(check_newer("0.2.0", "0.1.0").is_ok());
        assert!(matches!(
            check_newer("0.1.0", "0.1.0"),
            Err(UpdateError::NotNewer { .. })
        ));
        assert!(check_newer("0.0.9", "0.1.0").is_err());
    }

    /// What a release build trusts: the release key only. A bundle signed with the test key is
    /// refused, one signed with the release key verifies.
    #[test]
    fn the_release_key_alone_refuses_a_bundle_signed_with_the_test_key() {
        let exe = fixture("oqs-courier-setup-9.0.0.exe");
        let release_only = [RELEASE_PUBLIC_KEY];
        let e = verify(
            &exe,
            &sig("oqs-courier-setup-9.0.0.exe.minisig"),
            &release_only,
        );
        assert!(matches!(e, Err(UpdateError::WrongKey { .. })), "{e:?}");
        let u = verify(
            &exe,
            &sig("release-key/oqs-courier-setup-9.0.0.exe.minisig"),
            &release_only,
        )
        .unwrap();
        assert_eq!(
            (u.version.as_str(), u.size),
            ("9.0.0", fs::metadata(&exe).unwrap().len())
        );
        // With the test key (what the feature adds), the test bundle verifies.
        let u = verify(
            &exe,
            &sig("oqs-courier-setup-9.0.0.exe.minisig"),
            &[RELEASE_PUBLIC_KEY, TEST_KEY],
        )
        .unwrap();
        assert_eq!(
            u.sha256,
            hex::encode(Sha256::digest(fs::read(&exe).unwrap()))
        );
    }

    // A build without the feature (`cargo build --release`, the installer) trusts the release
    // key alone: `cargo test` always has the feature (the self dev-dependency), so that is
    // checked on the release binary by .ci/run (`oqs-courier update verify` on the test-signed
    // fixture must be refused), and above with the release key alone.

    #[test]
    fn wrong_key_flipped_byte_and_garbage_are_refused() {
        let keys = [RELEASE_PUBLIC_KEY, TEST_KEY];
        let exe = fixture("oqs-courier-setup-9.0.0.exe");
        let e = verify(
            &exe,
            &sig("wrong-key/oqs-courier-setup-9.0.0.exe.minisig"),
            &keys,
        );
        assert!(matches!(e, Err(UpdateError::WrongKey { .. })), "{e:?}");
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = fs::read(&exe).unwrap();
        bytes[5000] ^= 0x01;
        let flipped = dir.path().join("oqs-courier-setup-9.0.0.exe");
        fs::write(&flipped, bytes).unwrap();
        let e = verify(&flipped, &sig("oqs-courier-setup-9.0.0.exe.minisig"), &keys);
        assert!(matches!(e, Err(UpdateError::Corrupted { .. })), "{e:?}");
        let e = verify(&exe, "not a signature", &keys);
        assert!(
            matches!(e, Err(UpdateError::BadSignatureFile { .. })),
            "{e:?}"
        );
        // A signature whose trusted comment was edited does not verify either.
        let edited = sig("oqs-courier-setup-9.0.0.exe.minisig").replace("9.0.0.exe", "9.9.9.exe");
        let e = verify(&exe, &edited, &keys);
        assert!(matches!(e, Err(UpdateError::Corrupted { .. })), "{e:?}");
    }
}
