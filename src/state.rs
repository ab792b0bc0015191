//! The installation state directory: role, OQS folder, keys, the paired peer and the journal.
//!
//! Owns where the state lives (`--home`, `OQS_COURIER_HOME`, or the per-user default), its file
//! layout and its on-disk formats (JSON, documented in `docs/FORMAT.md` §8). Secret keys are
//! written only here, owner-only. Every file is replaced atomically. This module never touches a
//! stick.

use crate::crypto::{self, Fingerprint, Identity, PublicKeys};
use crate::durable;
use crate::journal::{self, Journal};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Environment variable that overrides the state directory.
pub const HOME_ENV: &str = "OQS_COURIER_HOME";
const CONFIG_FILE: &str = "config.json";
const IDENTITY_FILE: &str = "identity.key";
const PEER_FILE: &str = "peer.json";
const JOURNAL_FILE: &str = "journal.sqlite3";
const MAX_STATE_FILE: u64 = 16 * 1024 * 1024;

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
}

/// `peer.json`: the paired PC as imported from its pairing card.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Peer {
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
