//! The layout of the courier's folder on a stick, its enrolment marker, and listing what is in it.
//!
//! Owns the paths (`OQSCOURIER/packages`, `OQSCOURIER/pairing`, `OQSCOURIER/stick.json`), the
//! signed marker that makes a stick "ours" whatever drive letter or label Windows gives it, and a
//! bounded, hostile-input-safe listing of package files. It does not open packages or decide what
//! to do with them. Files it does not know are ignored, never executed, never followed (symlinks
//! are skipped).

use crate::crypto::{Identity, PublicKeys};
use crate::state::Role;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The courier's folder at the root of the stick.
pub const ROOT_DIR: &str = "OQSCOURIER";
/// Sub-folder for packages.
pub const PACKAGES_DIR: &str = "packages";
/// Sub-folder for pairing cards.
pub const PAIRING_DIR: &str = "pairing";
/// The enrolment marker's file name inside the courier folder.
pub const MARKER_FILE: &str = "stick.json";
/// Value of the marker's `format` field.
pub const MARKER_FORMAT: &str = "oqs-courier-stick";
/// Largest marker read.
pub const MAX_MARKER_LEN: u64 = 16 * 1024;
const MARKER_DOMAIN: &[u8] = b"oqs-courier/v1/stick-marker\0";
/// Most directory entries read from one stick folder.
pub const MAX_ENTRIES: usize = 100_000;

/// Something is wrong with the stick itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The stick folder does not exist (not inserted, or pulled).
    #[error("the stick {path} is not there")]
    Missing {
        /// The stick root.
        path: PathBuf,
    },
    /// The stick cannot be read or written.
    #[error("cannot access {path} on the stick: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The stick is full.
    #[error("the stick is full ({path})")]
    Full {
        /// The path being written.
        path: PathBuf,
    },
    /// The stick is write-protected.
    #[error("the stick is read-only ({path})")]
    ReadOnly {
        /// The path being written.
        path: PathBuf,
    },
    /// The stick carries no enrolment marker.
    #[error("{path} is not an enrolled courier stick")]
    NotEnrolled {
        /// The stick root.
        path: PathBuf,
    },
    /// The marker belongs to another clinic–terminal pair.
    #[error("{path} is enrolled for another pair of PCs ({pair})")]
    OtherPair {
        /// The stick root.
        path: PathBuf,
        /// The pair id in the marker.
        pair: String,
    },
    /// The marker is damaged or forged.
    #[error("the marker on {path} is not valid ({why})")]
    BadMarker {
        /// The marker file.
        path: PathBuf,
        /// What is wrong.
        why: &'static str,
    },
    /// The stick was revoked on this PC.
    #[error("the stick {id} was revoked on this PC")]
    Revoked {
        /// The stick id.
        id: String,
    },
    /// A stick folder has more entries than any real courier stick would.
    #[error("{path} holds more than {MAX_ENTRIES} entries")]
    TooManyEntries {
        /// The folder.
        path: PathBuf,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        if crate::volume::looks_full(path, &source) {
            return Self::Full {
                path: path.to_owned(),
            };
        }
        let path = path.to_owned();
        match source.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                Self::Full { path }
            }
            std::io::ErrorKind::ReadOnlyFilesystem => Self::ReadOnly { path },
            std::io::ErrorKind::NotFound => Self::Missing { path },
            _ => Self::Io { path, source },
        }
    }
}

/// A mounted stick (or a folder standing in for one).
#[derive(Clone, Debug)]
pub struct Stick {
    root: PathBuf,
}

/// The package files found on a stick.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every `*.oqm`, sorted by name.
    pub manifests: Vec<PathBuf>,
    /// Every `*.oqd` without a manifest beside it: a package that does not exist (yet).
    pub orphans: Vec<PathBuf>,
    /// Temporary files a writer left when the stick was pulled or the PC stopped mid-write:
    /// only the names the courier itself writes (`.<package id>.oqm.tmp`).
    pub temps: Vec<PathBuf>,
}

/// Whether `name` is a temporary manifest the courier writes (`.<32 lowercase hex>.oqm.tmp`,
/// see [`crate::durable::temp_path`]); nothing else on a stick is ever removed as a leftover.
pub fn is_own_temp(name: &str) -> bool {
    name.strip_prefix('.')
        .and_then(|n| n.strip_suffix(".tmp"))
        .is_some_and(|n| is_package_file(n, crate::package::MANIFEST_EXT))
}

/// Whether `name` is `<32 lowercase hex>.<ext>`: the only names a package's files have
/// (FORMAT.md §3). Anything else — `notes.oqm`, the `._<id>.oqm` macOS writes beside every file
/// on a FAT stick — is not a package file: never read, never removed.
pub fn is_package_file(name: &str, ext: &str) -> bool {
    name.strip_suffix(ext)
        .and_then(|n| n.strip_suffix('.'))
        .is_some_and(|id| {
            id.len() == 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

impl Stick {
    /// A stick mounted at `root`, which must be an existing folder.
    pub fn at(root: &Path) -> Result<Self, Error> {
        if !root.is_dir() {
            return Err(Error::Missing {
                path: root.to_owned(),
            });
        }
        Ok(Self {
            root: root.to_owned(),
        })
    }

    /// The stick's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `OQSCOURIER/packages`.
    pub fn packages_dir(&self) -> PathBuf {
        self.root.join(ROOT_DIR).join(PACKAGES_DIR)
    }

    /// `OQSCOURIER/pairing`.
    pub fn pairing_dir(&self) -> PathBuf {
        self.root.join(ROOT_DIR).join(PAIRING_DIR)
    }

    /// Where the pairing card of an installation with `role` lives.
    pub fn card_path(&self, role: Role) -> PathBuf {
        self.pairing_dir().join(format!("{}.card", role.as_str()))
    }

    /// Creates a sub-folder of the courier folder if needed.
    pub fn ensure(&self, dir: &Path) -> Result<(), Error> {
        crate::durable::create_dir_all(dir).map_err(|e| Error::io(dir, e))
    }

    /// `OQSCOURIER/stick.json`.
    pub fn marker_path(&self) -> PathBuf {
        self.root.join(ROOT_DIR).join(MARKER_FILE)
    }

    /// Reads the marker, if there is one (not yet verified).
    pub fn read_marker(&self) -> Result<Option<Marker>, Error> {
        use std::io::Read;
        let path = self.marker_path();
        let mut bytes = Vec::new();
        match crate::durable::open_regular(&path) {
            Ok(f) => f
                .take(MAX_MARKER_LEN + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io(&path, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(Error::BadMarker {
                    path,
                    why: "not a regular file",
                });
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        if bytes.len() as u64 > MAX_MARKER_LEN {
            return Err(Error::BadMarker {
                path,
                why: "too large",
            });
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| Error::BadMarker {
                path,
                why: "not a marker",
            })
    }

    /// Writes `marker` (replacing any previous one).
    pub fn write_marker(&self, marker: &Marker) -> Result<(), Error> {
        let path = self.marker_path();
        self.ensure(&self.root.join(ROOT_DIR))?;
        let bytes = serde_json::to_vec_pretty(marker).map_err(|_| Error::BadMarker {
            path: path.clone(),
            why: "cannot encode",
        })?;
        crate::durable::write_atomic(&path, &bytes).map_err(|e| Error::io(&path, e))
    }

    /// Checks that the stick is enrolled for the pair `pair`, signed by one of `signers`; returns
    /// the verified marker.
    pub fn verify_marker(&self, pair: &str, signers: &[PublicKeys]) -> Result<Marker, Error> {
        let marker = self.read_marker()?.ok_or_else(|| Error::NotEnrolled {
            path: self.root.clone(),
        })?;
        marker.verify(pair, signers, &self.marker_path())?;
        Ok(marker)
    }

    /// Checks that the stick can be written (a write-protect switch, a full volume) by writing,
    /// flushing and removing a small hidden probe file. Run before anything is read from the
    /// stick, so a stick that cannot take the answer changes nothing.
    pub fn check_writable(&self) -> Result<(), Error> {
        use std::io::Write;
        let dir = self.packages_dir();
        self.ensure(&dir)?;
        let probe = dir.join(".oqs-courier-probe");
        let result = crate::durable::create(&probe)
            .and_then(|mut f| f.write_all(b"1").and_then(|()| f.sync_all()))
            .and_then(|()| crate::durable::remove_file(&probe));
        if result.is_ok()
            && crate::volume::available_space(&dir).is_some_and(|f| f < crate::volume::FULL_BELOW)
        {
            return Err(Error::Full { path: dir });
        }
        result.map_err(|e| {
            let error = Error::io(&probe, e);
            let _ = std::fs::remove_file(&probe);
            match error {
                // Windows reports a write-protected medium as access denied or "write protect".
                Error::Io { path, source }
                    if source.kind() == std::io::ErrorKind::PermissionDenied
                        || source.raw_os_error() == Some(19) =>
                {
                    Error::ReadOnly { path }
                }
                other => other,
            }
        })
    }

    /// Lists the package files, ignoring everything else.
    pub fn scan(&self) -> Result<Scan, Error> {
        let dir = self.packages_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !self.root.is_dir() {
                    return Err(Error::Missing {
                        path: self.root.clone(),
                    });
                }
                return Ok(Scan::default());
            }
            Err(e) => return Err(Error::io(&dir, e)),
        };
        let mut manifests = Vec::new();
        let mut data = Vec::new();
        let mut temps = Vec::new();
        for (n, entry) in entries.enumerate() {
            if n >= MAX_ENTRIES {
                return Err(Error::TooManyEntries { path: dir });
            }
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let Ok(ft) = entry.file_type() else { continue };
            if !ft.is_file() {
                continue;
            }
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue; // not a name the courier writes
            };
            if is_own_temp(&name) {
                temps.push(path);
            } else if is_package_file(&name, crate::package::MANIFEST_EXT) {
                manifests.push(path);
            } else if is_package_file(&name, crate::package::DATA_EXT) {
                data.push(path);
            }
        }
        manifests.sort();
        let mut orphans: Vec<PathBuf> = data
            .into_iter()
            .filter(|d| !manifests.contains(&d.with_extension(crate::package::MANIFEST_EXT)))
            .collect();
        orphans.sort();
        temps.sort();
        Ok(Scan {
            manifests,
            orphans,
            temps,
        })
    }
}

/// The signed enrolment marker: proves a stick belongs to one clinic–terminal pair.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Marker {
    /// Always [`MARKER_FORMAT`].
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// Random stick id (32 hex digits).
    pub stick_id: String,
    /// The pair it belongs to ([`crate::pairing::pair_id`]).
    pub pair: String,
    /// A name staff gave it (e.g. 「受付用1」).
    pub label: String,
    /// When it was enrolled.
    pub created: String,
    /// Fingerprint of the installation that signed it.
    pub signer: String,
    /// Ed25519 signature, hex (see `docs/FORMAT.md` §10).
    pub signature: String,
}

fn marker_message(stick_id: &str, pair: &str, label: &str) -> Vec<u8> {
    let mut m = MARKER_DOMAIN.to_vec();
    for part in [stick_id, pair, label] {
        m.extend_from_slice(part.as_bytes());
        m.push(0);
    }
    m
}

impl Marker {
    /// A new marker with a fresh stick id, signed by `identity`.
    pub fn new(
        identity: &Identity,
        pair: &str,
        label: &crate::label::Label,
    ) -> Result<Self, crate::crypto::Error> {
        let stick_id = hex::encode(crate::crypto::random::<16>()?);
        let label = label.to_string();
        let signature = hex::encode(identity.sign(&marker_message(&stick_id, pair, &label)));
        Ok(Self {
            format: MARKER_FORMAT.to_owned(),
            version: 1,
            stick_id,
            pair: pair.to_owned(),
            label,
            created: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            signer: identity.public().fingerprint().to_string(),
            signature,
        })
    }

    /// Checks format, pair and signature.
    pub fn verify(&self, pair: &str, signers: &[PublicKeys], path: &Path) -> Result<(), Error> {
        let bad = |why| Error::BadMarker {
            path: path.to_owned(),
            why,
        };
        if self.format != MARKER_FORMAT || self.version != 1 {
            return Err(bad("unknown format"));
        }
        if self.stick_id.len() != 32 || !self.stick_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("bad stick id"));
        }
        if self.pair != pair {
            return Err(Error::OtherPair {
                path: path.to_owned(),
                pair: self.pair.clone(),
            });
        }
        let signer = signers
            .iter()
            .find(|k| k.fingerprint().to_string() == self.signer)
            .ok_or_else(|| bad("signed by an unknown PC"))?;
        let sig = hex::decode(&self.signature).map_err(|_| bad("bad signature"))?;
        signer
            .verify(
                &marker_message(&self.stick_id, &self.pair, &self.label),
                &sig,
            )
            .map_err(|_| bad("signature does not verify"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_round_trip_and_refusals() {
        let a = Identity::generate().unwrap();
        let b = Identity::generate().unwrap();
        let stranger = Identity::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let stick = Stick::at(dir.path()).unwrap();
        assert!(matches!(
            stick.verify_marker("p", &[a.public()]),
            Err(Error::NotEnrolled { .. })
        ));
        let m = Marker::new(&a, "p", &crate::label::Label::new("受付用1").unwrap()).unwrap();
        stick.write_marker(&m).unwrap();
        assert_eq!(
            stick.verify_marker("p", &[b.public(), a.public()]).unwrap(),
            m
        );
        assert!(matches!(
            stick.verify_marker("q", &[a.public()]),
            Err(Error::OtherPair { .. })
        ));
        assert!(matches!(
            stick.verify_marker("p", &[stranger.public()]),
            Err(Error::BadMarker { .. })
        ));
        let mut forged = m.clone();
        forged.label = "偽".into();
        stick.write_marker(&forged).unwrap();
        assert!(matches!(
            stick.verify_marker("p", &[a.public()]),
            Err(Error::BadMarker { .. })
        ));
        std::fs::write(stick.marker_path(), b"{").unwrap();
        assert!(matches!(
            stick.verify_marker("p", &[a.public()]),
            Err(Error::BadMarker { .. })
        ));
    }
}
