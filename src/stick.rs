//! The layout of the courier's folder on a stick, and listing what is in it.
//!
//! Owns the paths (`OQSCOURIER/packages`, `OQSCOURIER/pairing`) and a bounded, hostile-input-safe
//! listing of package files. It does not open packages or decide what to do with them. Files it
//! does not know are ignored, never executed, never followed (symlinks are skipped).

use crate::state::Role;
use std::path::{Path, PathBuf};

/// The courier's folder at the root of the stick.
pub const ROOT_DIR: &str = "OQSCOURIER";
/// Sub-folder for packages.
pub const PACKAGES_DIR: &str = "packages";
/// Sub-folder for pairing cards.
pub const PAIRING_DIR: &str = "pairing";
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
    /// A stick folder has more entries than any real courier stick would.
    #[error("{path} holds more than {MAX_ENTRIES} entries")]
    TooManyEntries {
        /// The folder.
        path: PathBuf,
    },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
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
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
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
            match path.extension().and_then(|e| e.to_str()) {
                Some(crate::package::MANIFEST_EXT) => manifests.push(path),
                Some(crate::package::DATA_EXT) => data.push(path),
                _ => {}
            }
        }
        manifests.sort();
        let mut orphans: Vec<PathBuf> = data
            .into_iter()
            .filter(|d| !manifests.contains(&d.with_extension(crate::package::MANIFEST_EXT)))
            .collect();
        orphans.sort();
        Ok(Scan { manifests, orphans })
    }
}
