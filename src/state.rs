//! The installation state directory: role, OQS folder, keys, the paired peer and the journal.
//!
//! Owns where the state lives (`--home`, `OQS_COURIER_HOME`, or the per-user default), its file
//! layout and its on-disk formats (JSON, documented in `docs/FORMAT.md` §8). Secret keys are
//! written only here, owner-only. Every file is replaced atomically. This module never touches a
//! stick.

use crate::crypto::{self, Fingerprint, Identity, PublicKeys};
use crate::durable;
use crate::journal::{self, Journal};
use crate::oqs::folders::Sub;
use crate::oqs::{Kind, Process};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

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

/// Which PC this installation runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The reception PC with Dynamics.
    Clinic,
    /// The 資格確認端末.
    Terminal,
}

impl Role {
    /// The role's name in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clinic => "clinic",
            Role::Terminal => "terminal",
        }
    }

    /// The role a peer must have.
    pub fn opposite(self) -> Role {
        match self {
            Role::Clinic => Role::Terminal,
            Role::Terminal => Role::Clinic,
        }
    }

    /// Parses `clinic` / `terminal`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "clinic" => Some(Role::Clinic),
            "terminal" => Some(Role::Terminal),
            _ => None,
        }
    }
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
        if self.label.trim().is_empty()
            || self.label.chars().count() > crate::pairing::MAX_LABEL_CHARS
            || self.label.chars().any(char::is_control)
        {
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

#[derive(Serialize, Deserialize)]
struct IdentityFile {
    version: u32,
    ed25519_pkcs8: String,
    x25519_secret: String,
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
    pub fn init(&self, role: Role, oqs_dir: &Path, label: &str) -> Result<Installation, Error> {
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
        let (pkcs8, x) = identity.secrets();
        let key_file = IdentityFile {
            version: 1,
            ed25519_pkcs8: hex::encode(pkcs8),
            x25519_secret: hex::encode(x),
        };
        self.write_json(IDENTITY_FILE, &key_file, true)?;
        let journal = Journal::open(&self.file(JOURNAL_FILE))?;
        let config = Config {
            version: 1,
            role,
            oqs_dir,
            label: label.to_owned(),
            created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            response_wait_secs: default_response_wait_secs(),
            retention_days: default_retention_days(),
            incomplete_wait_secs: default_incomplete_wait_secs(),
            kinds: default_kinds(),
            auto_import: false,
            defender_scan: false,
        };
        // The config is written last: it marks the installation as complete.
        self.write_json(CONFIG_FILE, &config, false)?;
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
        let key_file: IdentityFile = self.read_json(IDENTITY_FILE)?;
        let damaged = |why: &str| Error::Damaged {
            path: self.file(IDENTITY_FILE),
            why: why.to_owned(),
        };
        let pkcs8 = hex::decode(&key_file.ed25519_pkcs8).map_err(|_| damaged("bad hex"))?;
        let mut x = [0u8; 32];
        hex::decode_to_slice(&key_file.x25519_secret, &mut x).map_err(|_| damaged("bad hex"))?;
        let identity = Identity::from_secrets(&pkcs8, x).map_err(|_| damaged("unusable key"))?;
        let peer = if self.file(PEER_FILE).exists() {
            Some(self.read_json(PEER_FILE)?)
        } else {
            None
        };
        let journal = Journal::open(&self.file(JOURNAL_FILE))?;
        Ok(Installation {
            home: self.clone(),
            config,
            identity,
            peer,
            journal,
        })
    }

    fn io(&self, path: &Path, source: std::io::Error) -> Error {
        Error::Io {
            path: path.to_owned(),
            source,
        }
    }

    fn read_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
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
        let bytes = std::fs::read(&path).map_err(|e| self.io(&path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Damaged {
            path,
            why: e.to_string(),
        })
    }

    fn write_json<T: Serialize>(&self, name: &str, value: &T, private: bool) -> Result<(), Error> {
        let path = self.file(name);
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| Error::Damaged {
            path: path.clone(),
            why: e.to_string(),
        })?;
        let r = if private {
            durable::write_private(&path, &bytes)
        } else {
            durable::write_atomic(&path, &bytes)
        };
        r.map_err(|e| self.io(&path, e))
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
        self.home.write_json(PEER_FILE, &peer, false)?;
        self.peer = Some(peer);
        Ok(())
    }

    /// Replaces the configuration (written atomically; check it with [`Config::validate`] first).
    pub fn save_config(&mut self, config: Config) -> Result<(), Error> {
        self.home.write_json(CONFIG_FILE, &config, false)?;
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
        let a = home.init(Role::Clinic, &oqs, "受付PC").unwrap();
        assert!(matches!(
            home.init(Role::Clinic, &oqs, "x"),
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
        let mut inst = home.init(Role::Clinic, &oqs, "受付PC").unwrap();
        // A config.json written before the settings existed.
        let old = serde_json::json!({"version": 1, "role": "clinic", "oqs_dir": oqs,
            "label": "受付PC", "created": "2026-11-01T09:00:00+09:00"});
        std::fs::write(home.file(CONFIG_FILE), old.to_string()).unwrap();
        let loaded = home.load().unwrap();
        assert_eq!(loaded.config.response_wait_secs, 30);
        assert_eq!(loaded.config.retention_days, 30);
        assert!(!loaded.config.auto_import && !loaded.config.defender_scan);
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

    #[test]
    fn init_refuses_missing_oqs_dir() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path().join("home"));
        assert!(matches!(
            home.init(Role::Terminal, &dir.path().join("nope"), "x"),
            Err(Error::OqsDirMissing { .. })
        ));
        assert!(!home.path().exists());
    }
}
