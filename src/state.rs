//! The installation state directory: role, OQS folder, keys, the paired peer and the journal.
//!
//! Owns where the state lives (`--home`, `OQS_COURIER_HOME`, or the per-user default), its file
//! layout and its on-disk formats (JSON, documented in `docs/FORMAT.md` §8). Secret keys are
//! written only here, owner-only, and on Windows protected with DPAPI (`state/keyfile.rs`). Every file
//! is replaced atomically. This module never touches a stick.

use crate::crypto::{self, Fingerprint, Identity, PublicKeys};
use crate::durable;
use crate::journal::{self, Journal};
use crate::oqs::folders::Sub;
use crate::oqs::{Kind, Process};
pub use crate::role::Role;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod keyfile;

/// Environment variable that overrides the state directory.
pub const HOME_ENV: &str = "OQS_COURIER_HOME";
const CONFIG_FILE: &str = "config.json";
/// The key file in the state directory (`docs/FORMAT.md` §8).
pub const IDENTITY_FILE: &str = "identity.key";
const PEER_FILE: &str = "peer.json";
const JOURNAL_FILE: &str = "journal.sqlite3";
const MAX_STATE_FILE: u64 = 16 * 1024 * 1024;
const LOCK_FILE: &str = "oqs-courier.lock";
/// How long a second process waits for the installation's lock before saying that oqs-courier
/// is already working on this PC.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Something is wrong with the state directory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No state directory could be determined.
    #[error("no state directory: set --home or {HOME_ENV}")]
    NoHome,
    /// This installation has not been set up.
    #[error("{home} is not set up (run `oqs-courier init`)")]
    NotInitialized {
        /// The state directory.
        home: PathBuf,
    },
    /// `init` was run on a directory that is already set up.
    #[error("{home} is already set up")]
    AlreadyInitialized {
        /// The state directory.
        home: PathBuf,
    },
    /// The configured OQS folder does not exist.
    #[error("the OQS folder {path} does not exist")]
    OqsDirMissing {
        /// The folder.
        path: PathBuf,
    },
    /// No peer has been paired yet.
    #[error("this PC is not paired yet")]
    NotPaired,
    /// A state file cannot be read or written.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A state file is damaged.
    #[error("{path} is damaged: {why}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The secret key is protected (Windows DPAPI) for another Windows user or another PC, or
    /// its protection is damaged: this account cannot unlock it.
    #[error("cannot unlock the secret key in {path}: {why}")]
    KeyLocked {
        /// The key file.
        path: PathBuf,
        /// Why (the operating system's answer).
        why: String,
    },
    /// The stored keys cannot be used.
    #[error(transparent)]
    Crypto(#[from] crypto::Error),
    /// The journal cannot be used.
    #[error(transparent)]
    Journal(#[from] journal::Error),
    /// Another oqs-courier process (the resident app, a second copy, the CLI, a scheduled task)
    /// holds this installation's lock: it is in the middle of a step.
    #[error(
        "another oqs-courier process is working on {home} (its lock was not released within {waited:?})"
    )]
    Busy {
        /// The state directory.
        home: PathBuf,
        /// How long this process waited.
        waited: Duration,
    },
}

/// An exclusive hold on one installation: while it lives, no other process (and no other
/// handle in this process) can run a step, pair, enrol, revoke or set up on the same state
/// directory. The operating system releases it when the file handle closes — also when the
/// process crashes or is killed, so a stale lock can never block the next step.
#[derive(Debug)]
pub struct StepLock {
    _file: File,
}

/// `config.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Config {
    /// Always 1 in this version.
    pub version: u32,
    /// This PC's role.
    pub role: Role,
    /// The OQS folder (with Req, Res, Face).
    pub oqs_dir: PathBuf,
    /// A name for this PC shown to the peer.
    pub label: String,
    /// When `init` ran.
    pub created: String,
    /// Terminal: seconds to wait for the answers to the requests just published (設定: 応答待ち時間).
    #[serde(default = "default_response_wait_secs")]
    pub response_wait_secs: u64,
    /// Terminal: days collected originals stay in the archive (設定: 保存日数).
    #[serde(default = "default_retention_days")]
    pub retention_days: i64,
    /// Seconds a file whose content is still incomplete (a result cut short by its writer) may
    /// wait in an OQS folder before it travels flagged as incomplete (設定: 書きかけを待つ時間).
    #[serde(default = "default_incomplete_wait_secs")]
    pub incomplete_wait_secs: u64,
    /// Which groups of OQS files travel ([`KIND_GROUPS`]; unknown names are ignored).
    #[serde(default = "default_kinds")]
    pub kinds: Vec<String>,
    /// Clinic: publish received results without the import prompt (設定: 自動取り込み).
    #[serde(default)]
    pub auto_import: bool,
    /// Scan received files with Microsoft Defender before they are shown or published (Windows).
    #[serde(default)]
    pub defender_scan: bool,
    /// The desktop app draws everything larger (for staff who need it; the window stays the same).
    #[serde(default)]
    pub large_text: bool,
    /// Windows: who may unlock `identity.key` (DPAPI scope). A change takes effect at the next
    /// start, when the key is re-protected. Ignored elsewhere.
    #[serde(default)]
    pub key_scope: KeyScope,
    /// Clinic: warn when the 連携アプリ answered nothing on this many trips in a row
    /// (資格確認端末の状態).
    #[serde(default = "default_care_unanswered_trips")]
    pub care_unanswered_trips: u32,
    /// Clinic: warn when the terminal's clock is off by this many minutes or more.
    #[serde(default = "default_care_clock_skew_mins")]
    pub care_clock_skew_mins: i64,
    /// Clinic: warn when the terminal has less free space than this, in MB.
    #[serde(default = "default_care_min_free_mb")]
    pub care_min_free_mb: u64,
}

/// Whom Windows DPAPI lets unlock `identity.key` (FORMAT.md §8; ignored off Windows, where the
/// key file is owner-only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyScope {
    /// Only the Windows user the app runs as (the default).
    #[default]
    User,
    /// Every account of this PC (`CRYPTPROTECT_LOCAL_MACHINE`): for a PC whose app runs under an
    /// auto-logon account that an administrator may re-create or whose password may be reset
    /// (which loses that user's DPAPI keys). Weaker: any program on the PC can unlock it.
    Machine,
}

impl KeyScope {
    /// The scope's name in `config.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::User => "user",
            KeyScope::Machine => "machine",
        }
    }
}

/// The groups of OQS file kinds the owner can switch on and off, in the order the settings show
/// them: 資格確認, 顔認証, 一括照会 (all bulk kinds), 照会番号, 薬剤情報, 健診情報.
pub const KIND_GROUPS: [&str; 6] = ["single", "face", "bulk", "refno", "drug", "checkup"];
/// Longest response wait the settings accept, in seconds.
pub const MAX_RESPONSE_WAIT_SECS: u64 = 600;
/// Longest archive retention the settings accept, in days.
pub const MAX_RETENTION_DAYS: i64 = 3650;
/// Longest wait for an incomplete file the settings accept, in seconds (one hour).
pub const MAX_INCOMPLETE_WAIT_SECS: u64 = 3600;

fn one() -> u32 {
    1
}

fn default_response_wait_secs() -> u64 {
    30
}

fn default_retention_days() -> i64 {
    30
}

fn default_incomplete_wait_secs() -> u64 {
    300
}

fn default_care_unanswered_trips() -> u32 {
    3
}

fn default_care_clock_skew_mins() -> i64 {
    5
}

fn default_care_min_free_mb() -> u64 {
    1024
}

fn default_kinds() -> Vec<String> {
    KIND_GROUPS.iter().map(|s| (*s).to_owned()).collect()
}

/// The settings group of a file kind (`None` for unknown files, which never travel).
pub fn kind_group(kind: Kind) -> Option<&'static str> {
    let p = match kind {
        Kind::Face => return Some("face"),
        Kind::Unknown => return None,
        Kind::Request(p) | Kind::Result(p) | Kind::Error(p) => p,
    };
    Some(match p {
        Process::Single => "single",
        Process::RefNo | Process::RefNoBulk1 | Process::RefNoBulk2 => "refno",
        Process::Drug => "drug",
        Process::Checkup => "checkup",
        Process::Bulk1
        | Process::Bulk2
        | Process::AidBulk1
        | Process::AidBulk2
        | Process::VisitBulk1
        | Process::VisitBulk2
        | Process::OnlineBulk1
        | Process::OnlineBulk2 => "bulk",
    })
}

/// What is wrong with an OQS folder, if anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OqsDirCheck {
    /// The folder has Req, Res and Face.
    Ok,
    /// The folder does not exist.
    Missing,
    /// These subfolders (`Req`, `Res`, `Face`) are missing.
    NoSubfolders(Vec<&'static str>),
}

/// Checks that `dir` exists and has its Req, Res and Face subfolders (any letter case).
pub fn check_oqs_dir(dir: &Path) -> OqsDirCheck {
    if !dir.is_dir() {
        return OqsDirCheck::Missing;
    }
    let missing: Vec<&'static str> = [Sub::Req, Sub::Res, Sub::Face]
        .into_iter()
        .filter(|s| crate::oqs::folders::find(dir, *s).is_none())
        .map(Sub::name)
        .collect();
    if missing.is_empty() {
        OqsDirCheck::Ok
    } else {
        OqsDirCheck::NoSubfolders(missing)
    }
}

/// The OQS folder suggested for a role: the vendors' convention `C:\OQS` on Windows (the
/// 連携アプリ's folder on the terminal, Dynamics' offline link folder at the clinic), `~/OQS`
/// elsewhere.
pub fn default_oqs_dir(_role: Role) -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(r"C:\OQS")
    } else {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join("OQS")
    }
}

/// A setting the owner entered cannot be used (the Japanese sentence to show).
pub type SettingProblem = &'static str;

impl Config {
    /// A config of `role` with every setting at its default (no folder, no name yet).
    pub fn defaults(role: Role) -> Self {
        Self {
            version: 1,
            role,
            oqs_dir: PathBuf::new(),
            label: String::new(),
            created: String::new(),
            response_wait_secs: default_response_wait_secs(),
            retention_days: default_retention_days(),
            incomplete_wait_secs: default_incomplete_wait_secs(),
            kinds: default_kinds(),
            auto_import: false,
            defender_scan: false,
            large_text: false,
            key_scope: KeyScope::default(),
            care_unanswered_trips: default_care_unanswered_trips(),
            care_clock_skew_mins: default_care_clock_skew_mins(),
            care_min_free_mb: default_care_min_free_mb(),
        }
    }

    /// This PC's name as a [`crate::label::Label`]. A name stored by an older version that breaks
    /// the rule (`init --label` once accepted a tab) is repaired: control characters become
    /// spaces, or the role's default name is used when nothing is left.
    pub fn label(&self) -> crate::label::Label {
        let fallback = match self.role {
            Role::Clinic => crate::text::W_LABEL_CLINIC,
            Role::Terminal => crate::text::W_LABEL_TERMINAL,
        };
        crate::label::Label::repair(&self.label, fallback)
    }

    /// Whether files of `kind` travel under these settings.
    pub fn carries(&self, kind: Kind) -> bool {
        kind_group(kind).is_some_and(|g| self.kinds.iter().any(|k| k == g))
    }

    /// The response wait as a duration (out-of-range values are clamped).
    pub fn response_wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.response_wait_secs.min(MAX_RESPONSE_WAIT_SECS))
    }

    /// How long an incomplete file may wait before it travels flagged (out-of-range values are
    /// clamped).
    pub fn incomplete_wait(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.incomplete_wait_secs.clamp(1, MAX_INCOMPLETE_WAIT_SECS))
    }

    /// The archive retention in days (out-of-range values are clamped).
    pub fn retention(&self) -> i64 {
        self.retention_days.clamp(1, MAX_RETENTION_DAYS)
    }

    /// Checks settings entered by the owner before they are saved.
    pub fn validate(&self) -> Result<(), SettingProblem> {
        use crate::text;
        match check_oqs_dir(&self.oqs_dir) {
            OqsDirCheck::Ok => {}
            OqsDirCheck::Missing => return Err(text::S_BAD_OQS_DIR),
            OqsDirCheck::NoSubfolders(_) => return Err(text::S_BAD_OQS_SUBFOLDERS),
        }
        if !(1..=MAX_RESPONSE_WAIT_SECS).contains(&self.response_wait_secs) {
            return Err(text::S_BAD_WAIT);
        }
        if !(1..=MAX_RETENTION_DAYS).contains(&self.retention_days) {
            return Err(text::S_BAD_RETENTION);
        }
        if !(1..=MAX_INCOMPLETE_WAIT_SECS).contains(&self.incomplete_wait_secs) {
            return Err(text::S_BAD_INCOMPLETE_WAIT);
        }
        if !self.kinds.iter().any(|k| KIND_GROUPS.contains(&k.as_str())) {
            return Err(text::S_NO_KINDS);
        }
        if crate::label::Label::exact(&self.label).is_err() {
            return Err(text::S_BAD_LABEL);
        }
        Ok(())
    }
}

/// `peer.json`: the paired PC as imported from its pairing card.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Peer {
    /// Always 1 in this version (FORMAT.md section 8; files written before it was added load).
    #[serde(default = "one")]
    pub version: u32,
    /// The peer's role.
    pub role: Role,
    /// The peer's label.
    pub label: String,
    /// Ed25519 public key, hex.
    pub sign_pk: String,
    /// X25519 public key, hex.
    pub agree_pk: String,
    /// When it was paired.
    pub paired: String,
}

impl Peer {
    /// The peer's public keys.
    pub fn keys(&self) -> Result<PublicKeys, crypto::Error> {
        let mut sign = [0u8; 32];
        let mut agree = [0u8; 32];
        hex::decode_to_slice(&self.sign_pk, &mut sign).map_err(|_| crypto::Error::BadPublicKey)?;
        hex::decode_to_slice(&self.agree_pk, &mut agree)
            .map_err(|_| crypto::Error::BadPublicKey)?;
        Ok(PublicKeys { sign, agree })
    }
}

/// Who is acting: the logged-in user (`USERNAME` on Windows, `USER` elsewhere).
pub fn actor() -> String {
    ["USERNAME", "USER"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Where the state directory is.
#[derive(Clone, Debug)]
pub struct Home(PathBuf);

impl Home {
    /// `explicit` (from `--home`), else `$OQS_COURIER_HOME`, else the per-user default:
    /// `%LOCALAPPDATA%\oqs-courier` on Windows, `$XDG_DATA_HOME/oqs-courier` or
    /// `~/.local/share/oqs-courier` elsewhere.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self, Error> {
        if let Some(p) = explicit {
            return Ok(Self(p));
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(p) = env(HOME_ENV) {
            return Ok(Self(p));
        }
        let base = if cfg!(windows) {
            env("LOCALAPPDATA")
        } else {
            env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local").join("share")))
        };
        base.map(|b| Self(b.join("oqs-courier")))
            .ok_or(Error::NoHome)
    }

    /// A state directory at `path`.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Takes this installation's [`StepLock`], waiting up to [`LOCK_WAIT`] for a step in
    /// another process to end; [`Error::Busy`] after that, with nothing changed.
    pub fn lock(&self) -> Result<StepLock, Error> {
        self.lock_within(LOCK_WAIT)
    }

    /// [`Home::lock`] with a chosen wait.
    pub fn lock_within(&self, wait: Duration) -> Result<StepLock, Error> {
        let path = self.file(LOCK_FILE);
        // The lock file is never removed: removing it could let two processes lock two
        // different files of the same name.
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| self.io(&path, e))?;
        let start = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(StepLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(Error::Busy {
                        home: self.0.clone(),
                        waited: start.elapsed(),
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(self.io(&path, e)),
            }
        }
    }

    /// Whether `init` has run here.
    pub fn is_initialized(&self) -> bool {
        self.file(CONFIG_FILE).is_file()
    }

    /// Creates a new installation: keys, an empty journal and the config.
    pub fn init(
        &self,
        role: Role,
        oqs_dir: &Path,
        label: &crate::label::Label,
    ) -> Result<Installation, Error> {
        if self.is_initialized() || self.file(IDENTITY_FILE).exists() {
            return Err(Error::AlreadyInitialized {
                home: self.0.clone(),
            });
        }
        if !oqs_dir.is_dir() {
            return Err(Error::OqsDirMissing {
                path: oqs_dir.to_owned(),
            });
        }
        let oqs_dir = std::path::absolute(oqs_dir).map_err(|e| self.io(oqs_dir, e))?;
        durable::create_private_dir(&self.0).map_err(|e| self.io(&self.0, e))?;
        // Two set-ups started at once: the second waits, then finds the first one's result.
        let _lock = self.lock()?;
        if self.is_initialized() || self.file(IDENTITY_FILE).exists() {
            return Err(Error::AlreadyInitialized {
                home: self.0.clone(),
            });
        }
        let identity = Identity::generate()?;
        let key_scope = KeyScope::default();
        let plain = keyfile::plain(&identity).map_err(|why| self.damaged(IDENTITY_FILE, why))?;
        self.write_identity(&plain, key_scope)?;
        let journal = Journal::open(&self.file(JOURNAL_FILE))?;
        let config = Config {
            oqs_dir,
            label: label.to_string(),
            created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            key_scope,
            ..Config::defaults(role)
        };
        // The config is written last: it marks the installation as complete.
        self.write_json(CONFIG_FILE, &config)?;
        Ok(Installation {
            home: self.clone(),
            config,
            identity,
            peer: None,
            journal,
        })
    }

    /// Loads an existing installation.
    pub fn load(&self) -> Result<Installation, Error> {
        if !self.is_initialized() {
            return Err(Error::NotInitialized {
                home: self.0.clone(),
            });
        }
        let config: Config = self.read_json(CONFIG_FILE)?;
        let (identity, rewritten) = self.load_identity(config.key_scope)?;
        let peer = if self.file(PEER_FILE).exists() {
            Some(self.read_json(PEER_FILE)?)
        } else {
            None
        };
        let journal = Journal::open(&self.file(JOURNAL_FILE))?;
        if let Some(reason) = rewritten {
            journal.audit(&journal::AuditRow {
                file: Some(IDENTITY_FILE.to_owned()),
                actor: Some(actor()),
                reason: Some(reason),
                ..journal::AuditRow::new(journal::Flow::Local, journal::Outcome::Protected)
            })?;
        }
        Ok(Installation {
            home: self.clone(),
            config,
            identity,
            peer,
            journal,
        })
    }

    /// How `identity.key` is kept on disk: `plain` (Linux: an owner-only file), `dpapi-user` or
    /// `dpapi-machine` (Windows). Reads only; for the self-test report.
    pub fn key_protection(&self) -> Result<&'static str, Error> {
        let bytes = self.read_bounded(IDENTITY_FILE)?;
        let stored = keyfile::parse(&bytes).map_err(|why| self.damaged(IDENTITY_FILE, why))?;
        Ok(stored.name())
    }

    /// Reads and unlocks `identity.key`. On Windows it also brings the file into the owner's
    /// form — protected with DPAPI in `scope` — when it is not (a plain file written before
    /// DPAPI, or a scope the owner changed); the returned reason is for the audit log.
    fn load_identity(&self, scope: KeyScope) -> Result<(Identity, Option<String>), Error> {
        let path = self.file(IDENTITY_FILE);
        let bytes = self.read_bounded(IDENTITY_FILE)?;
        let stored = keyfile::parse(&bytes).map_err(|why| self.damaged(IDENTITY_FILE, why))?;
        let target = keyfile::rewrite_to(&stored, scope, cfg!(windows));
        let was = stored.name();
        let plain = keyfile::unlock(stored).map_err(|why| Error::KeyLocked { path, why })?;
        let identity = keyfile::identity(&plain).map_err(|why| self.damaged(IDENTITY_FILE, why))?;
        let Some(scope) = target else {
            return Ok((identity, None));
        };
        // Another process may be starting at the same moment: only the one that gets the lock
        // at once re-writes, and only the file it read; the others use the key as read and the
        // next start re-writes what is still left.
        let _lock = match self.lock_within(Duration::ZERO) {
            Ok(lock) => lock,
            Err(Error::Busy { .. }) => return Ok((identity, None)),
            Err(e) => return Err(e),
        };
        if self.read_bounded(IDENTITY_FILE)? != bytes {
            return Ok((identity, None));
        }
        self.write_identity(&plain, scope)?;
        let reason = format!(
            "{IDENTITY_FILE} was {was}; now protected with Windows DPAPI, {} scope",
            scope.as_str()
        );
        Ok((identity, Some(reason)))
    }

    /// Writes `identity.key` durably and owner-only: on Windows protected with DPAPI in `scope`.
    fn write_identity(&self, plain: &[u8], scope: KeyScope) -> Result<(), Error> {
        let path = self.file(IDENTITY_FILE);
        let bytes = keyfile::at_rest(plain, scope).map_err(|e| self.io(&path, e))?;
        durable::write_private(&path, &bytes).map_err(|e| self.io(&path, e))
    }

    fn damaged(&self, name: &str, why: String) -> Error {
        Error::Damaged {
            path: self.file(name),
            why,
        }
    }

    fn io(&self, path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }

    /// The bytes of state file `name` (refused as damaged beyond [`MAX_STATE_FILE`]).
    fn read_bounded(&self, name: &str) -> Result<Vec<u8>, Error> {
        let path = self.file(name);
        let len = std::fs::metadata(&path)
            .map_err(|e| self.io(&path, e))?
            .len();
        if len > MAX_STATE_FILE {
            return Err(Error::Damaged {
                path,
                why: "too large".into(),
            });
        }
        std::fs::read(&path).map_err(|e| self.io(&path, e))
    }

    pub(crate) fn read_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let bytes = self.read_bounded(name)?;
        serde_json::from_slice(&bytes).map_err(|e| self.damaged(name, e.to_string()))
    }

    /// Writes a (non-secret) JSON state file atomically; `identity.key` has [`Home::write_identity`].
    pub(crate) fn write_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), Error> {
        let path = self.file(name);
        let bytes =
            serde_json::to_vec_pretty(value).map_err(|e| self.damaged(name, e.to_string()))?;
        durable::write_atomic(&path, &bytes).map_err(|e| self.io(&path, e))
    }
}

/// A loaded installation.
#[derive(Debug)]
pub struct Installation {
    /// Where it lives.
    pub home: Home,
    /// Its configuration.
    pub config: Config,
    /// Its secret identity.
    pub identity: Identity,
    /// Its paired peer, if any.
    pub peer: Option<Peer>,
    /// Its journal (sequence numbers, applied ledger, items, audit log).
    pub journal: Journal,
}

impl Installation {
    /// Our fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        self.identity.public().fingerprint()
    }

    /// The paired peer's keys, or [`Error::NotPaired`].
    pub fn peer_keys(&self) -> Result<PublicKeys, Error> {
        Ok(self.peer.as_ref().ok_or(Error::NotPaired)?.keys()?)
    }

    /// Stores a new peer (replacing any previous one).
    pub fn set_peer(&mut self, peer: Peer) -> Result<(), Error> {
        self.home.write_json(PEER_FILE, &peer)?;
        self.peer = Some(peer);
        Ok(())
    }

    /// Replaces the configuration (written atomically; check it with [`Config::validate`] first).
    pub fn save_config(&mut self, config: Config) -> Result<(), Error> {
        self.home.write_json(CONFIG_FILE, &config)?;
        self.config = config;
        Ok(())
    }

    /// Takes the next outgoing sequence number (stored before the package is written, so that a
    /// crash can only burn a number, never reuse one).
    pub fn take_seq(&mut self) -> Result<u64, Error> {
        Ok(self.journal.take_seq()?)
    }

    /// Whether the package `seq` from `sender` was applied here.
    pub fn is_applied(&self, sender: &Fingerprint, seq: u64) -> Result<bool, Error> {
        Ok(self.journal.is_applied(&sender.to_string(), seq)?)
    }

    /// What we tell the peer we applied from it.
    pub fn acks_for_peer(&self) -> Result<Vec<[u64; 2]>, Error> {
        let peer = self.peer_keys()?.fingerprint().to_string();
        Ok(self.journal.applied_ranges(&peer)?)
    }

    /// The folder where the journal keeps copies of items (`store/<item id>`).
    pub fn store_dir(&self) -> PathBuf {
        self.home.path().join("store")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_then_load_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let oqs = dir.path().join("OQS");
        std::fs::create_dir(&oqs).unwrap();
        let home = Home::at(dir.path().join("home"));
        let a = home
            .init(
                Role::Clinic,
                &oqs,
                &crate::label::Label::new("受付PC").unwrap(),
            )
            .unwrap();
        assert!(matches!(
            home.init(Role::Clinic, &oqs, &crate::label::Label::new("x").unwrap()),
            Err(Error::AlreadyInitialized { .. })
        ));
        let mut b = home.load().unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(b.config.label, "受付PC");
        assert_eq!(b.take_seq().unwrap(), 1);
        assert_eq!(home.load().unwrap().take_seq().unwrap(), 2);
        assert!(matches!(b.peer_keys(), Err(Error::NotPaired)));
    }

    #[test]
    fn old_config_loads_with_defaults_and_settings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let oqs = dir.path().join("OQS");
        for sub in ["Req", "res", "Face"] {
            std::fs::create_dir_all(oqs.join(sub)).unwrap();
        }
        let home = Home::at(dir.path().join("home"));
        let mut inst = home
            .init(
                Role::Clinic,
                &oqs,
                &crate::label::Label::new("受付PC").unwrap(),
            )
            .unwrap();
        // A config.json written before the settings existed.
        let old = serde_json::json!({"version": 1, "role": "clinic", "oqs_dir": oqs,
            "label": "受付PC", "created": "2026-11-01T09:00:00+09:00"});
        std::fs::write(home.file(CONFIG_FILE), old.to_string()).unwrap();
        let loaded = home.load().unwrap();
        assert_eq!(loaded.config.response_wait_secs, 30);
        assert_eq!(loaded.config.retention_days, 30);
        assert!(!loaded.config.auto_import && !loaded.config.defender_scan);
        assert_eq!(loaded.config.key_scope, KeyScope::User);
        assert!(
            loaded
                .config
                .carries(crate::oqs::classify("OQSsiquc01req_1.xml"))
        );
        assert_eq!(check_oqs_dir(&oqs), OqsDirCheck::Ok);
        assert_eq!(
            check_oqs_dir(dir.path()),
            OqsDirCheck::NoSubfolders(vec!["Req", "Res", "Face"])
        );
        assert_eq!(
            check_oqs_dir(&dir.path().join("nope")),
            OqsDirCheck::Missing
        );

        let mut c = loaded.config.clone();
        c.kinds.retain(|k| k != "drug");
        c.auto_import = true;
        c.response_wait_secs = 0;
        assert!(c.validate().is_err());
        c.response_wait_secs = 45;
        c.validate().unwrap();
        inst.save_config(c).unwrap();
        let again = home.load().unwrap();
        assert!(again.config.auto_import);
        assert_eq!(again.config.response_wait().as_secs(), 45);
        assert!(
            !again
                .config
                .carries(crate::oqs::classify("YZKsiquc01req_1.xml"))
        );
        assert!(!again.config.carries(crate::oqs::Kind::Unknown));
    }

    /// A plain `identity.key` as version 0.1.0 wrote it (the frozen v1 fixture).
    const LEGACY_KEY: &[u8] = include_bytes!("../tests/fixtures/package-v1/clinic.identity.key");

    fn set_up(dir: &Path) -> (Home, Installation) {
        let oqs = dir.join("OQS");
        std::fs::create_dir(&oqs).unwrap();
        let home = Home::at(dir.join("home"));
        let inst = home
            .init(
                Role::Clinic,
                &oqs,
                &crate::label::Label::new("受付PC").unwrap(),
            )
            .unwrap();
        (home, inst)
    }

    fn protected_rows(inst: &Installation) -> Vec<journal::AuditRow> {
        let rows = inst.journal.audit_rows(None).unwrap();
        rows.into_iter()
            .filter(|r| r.outcome == journal::Outcome::Protected)
            .collect()
    }

    /// The x25519 secret of a plain document, as it would appear in the clear.
    fn secret_hex(plain: &[u8]) -> String {
        let v: serde_json::Value = serde_json::from_slice(plain).unwrap();
        v["x25519_secret"].as_str().unwrap().to_owned()
    }

    /// Issue 17 (keys at rest): a plain key file from before DPAPI is protected on the first
    /// start on Windows, once, with an audit row; elsewhere it stays as it is, owner-only.
    #[test]
    fn a_legacy_plain_key_file_is_protected_on_first_start_on_windows() {
        let dir = tempfile::tempdir().unwrap();
        let (home, _) = set_up(dir.path());
        let key = home.file(IDENTITY_FILE);
        durable::write_private(&key, LEGACY_KEY).unwrap();
        let legacy = keyfile::identity(LEGACY_KEY)
            .unwrap()
            .public()
            .fingerprint();

        let first = home.load().unwrap();
        assert_eq!(first.fingerprint(), legacy);
        let on_disk = std::fs::read(&key).unwrap();
        let again = home.load().unwrap();
        assert_eq!(again.fingerprint(), legacy);
        assert_eq!(std::fs::read(&key).unwrap(), on_disk, "re-written twice");
        let rows = protected_rows(&again);
        if cfg!(windows) {
            assert!(
                matches!(
                    keyfile::parse(&on_disk),
                    Ok(keyfile::Stored::Dpapi {
                        scope: KeyScope::User,
                        ..
                    })
                ),
                "{}",
                String::from_utf8_lossy(&on_disk)
            );
            let text = String::from_utf8_lossy(&on_disk);
            assert!(!text.contains(&secret_hex(LEGACY_KEY)));
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert_eq!(rows[0].file.as_deref(), Some(IDENTITY_FILE));
            assert_eq!(
                rows[0].reason.as_deref(),
                Some("identity.key was plain; now protected with Windows DPAPI, user scope")
            );
            assert_eq!(rows[0].outcome, journal::Outcome::Protected);
        } else {
            assert_eq!(on_disk, LEGACY_KEY);
            assert_eq!(rows, []);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&key), 0o600);
            assert_eq!(mode(home.path()), 0o700);
        }
    }

    /// Issue 17 acceptance: on Windows (run under Wine by scripts/wine-test.sh) the key file on
    /// disk is not the plain key, the app opens it, and the owner's scope is honoured.
    #[cfg(windows)]
    #[test]
    fn dpapi_the_key_on_disk_is_not_the_plain_key_and_the_app_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let (home, mut inst) = set_up(dir.path());
        let key = home.file(IDENTITY_FILE);
        let plain = keyfile::plain(&inst.identity).unwrap();
        let on_disk = std::fs::read(&key).unwrap();
        assert_ne!(on_disk, plain);
        assert!(!String::from_utf8_lossy(&on_disk).contains(&secret_hex(&plain)));
        assert!(
            keyfile::identity(&on_disk).is_err(),
            "the file is a usable plain key"
        );
        let keyfile::Stored::Dpapi { scope, blob } = keyfile::parse(&on_disk).unwrap() else {
            panic!("not protected");
        };
        assert_eq!(scope, KeyScope::User);
        assert!(!blob.windows(32).any(|w| w == inst.identity.secrets().1));
        let loaded = home.load().unwrap();
        assert_eq!(loaded.fingerprint(), inst.fingerprint());
        assert_eq!(
            std::fs::read(&key).unwrap(),
            on_disk,
            "a protected key is left alone"
        );
        assert_eq!(protected_rows(&loaded), []);

        // The owner chooses machine scope: the next start re-protects the key for the PC.
        let config = Config {
            key_scope: KeyScope::Machine,
            ..inst.config.clone()
        };
        inst.save_config(config).unwrap();
        let loaded = home.load().unwrap();
        assert_eq!(loaded.fingerprint(), inst.fingerprint());
        let on_disk = std::fs::read(&key).unwrap();
        assert!(matches!(
            keyfile::parse(&on_disk),
            Ok(keyfile::Stored::Dpapi {
                scope: KeyScope::Machine,
                ..
            })
        ));
        let rows = protected_rows(&loaded);
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            rows[0].reason.as_deref(),
            Some("identity.key was dpapi-user; now protected with Windows DPAPI, machine scope")
        );
        assert_eq!(home.load().unwrap().fingerprint(), inst.fingerprint());
    }

    /// A key this account cannot unlock (another Windows user's, another PC's, or damaged
    /// protection) is refused with what to do, exit code 2, and left as it is.
    #[test]
    fn a_key_this_user_cannot_unlock_is_refused_with_a_hint() {
        let dir = tempfile::tempdir().unwrap();
        let (home, _) = set_up(dir.path());
        let key = home.file(IDENTITY_FILE);
        let foreign = br#"{"version": 1, "protection": "dpapi-user", "dpapi": "01000000d08c9ddf0115d1118c7a00c04fc297eb"}"#;
        durable::write_private(&key, foreign).unwrap();
        let err = home.load().unwrap_err();
        assert!(
            matches!(&err, Error::KeyLocked { path, .. } if *path == key),
            "{err}"
        );
        let err = crate::Error::from(err);
        assert_eq!(err.message(), crate::text::E_KEY_LOCKED);
        assert_eq!(err.hint(), crate::text::H_KEY_LOCKED);
        assert_eq!(err.kind().exit_code(), 2);
        assert_eq!(std::fs::read(&key).unwrap(), foreign);
    }

    #[test]
    fn init_refuses_missing_oqs_dir() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("home"));
        assert!(matches!(
            home.init(
                Role::Terminal,
                &dir.path().join("nope"),
                &crate::label::Label::new("x").unwrap()
            ),
            Err(Error::OqsDirMissing { .. })
        ));
        assert!(!home.path().exists());
    }
}
