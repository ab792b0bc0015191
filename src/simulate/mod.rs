//! Simulated ends of the OQS folder interface, for development, tests and the demo.
//!
//! [`renkei`] plays the 連携アプリ (OQSComApp) on the terminal: it consumes requests from Req and
//! writes responses into Res and face-reader results into Face. [`dynamics`] plays Dynamics on the
//! clinic PC: it writes requests into Req, consumes Res and Face, and is the **oracle** of
//! end-to-end tests (every request answered exactly once, nothing unexpected). Both use synthetic
//! patients only. This module shares the folder lookup, the "file is complete" rule and atomic
//! publishing between the two; it is never used by the courier's own sync logic.

pub mod dynamics;
pub mod renkei;
mod xml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A simulator could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The OQS folder does not exist.
    #[error("the OQS folder {path} does not exist")]
    NoOqsDir {
        /// The folder.
        path: PathBuf,
    },
    /// File-system access failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The saved simulator state is damaged.
    #[error("the simulator state {path} is damaged")]
    State {
        /// The state file.
        path: PathBuf,
    },
    /// Watching a folder failed.
    #[error("cannot watch {path}: {why}")]
    Watch {
        /// The folder.
        path: PathBuf,
        /// The cause.
        why: String,
    },
}

pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_owned(),
        source,
    }
}

pub use crate::oqs::folders::Sub;

/// The subfolder of `root` for `sub`, matched case-insensitively (`Req`, `req`, `REQ` …); created
/// as `Req`/`Res`/`Face` when none exists (a simulator may set up its own folder).
pub fn subfolder(root: &Path, sub: Sub) -> Result<PathBuf, Error> {
    if !root.is_dir() {
        return Err(Error::NoOqsDir {
            path: root.to_owned(),
        });
    }
    if let Some(p) = crate::oqs::folders::find(root, sub) {
        return Ok(p);
    }
    let p = root.join(sub.name());
    std::fs::create_dir_all(&p).map_err(|e| io(&p, e))?;
    Ok(p)
}

/// Writes `bytes` to `dir/name` through a hidden temporary name in the same folder, flushed, then
/// renamed: readers never see a partial file.
pub fn publish(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Error> {
    let target = dir.join(name);
    crate::durable::write_atomic(&target, bytes).map_err(|e| io(&target, e))
}

/// Tracks when files in a folder stopped changing: a file is complete once its size and
/// modification time have been the same for the quiet period (and it can be opened).
#[derive(Default)]
pub struct Quiet {
    seen: HashMap<String, (u64, Option<std::time::SystemTime>, Instant)>,
}

impl Quiet {
    /// Regular, non-hidden files in `dir` that have been quiet for `period`, sorted by name.
    pub fn complete(&mut self, dir: &Path, period: Duration) -> Result<Vec<String>, Error> {
        let now = Instant::now();
        let mut present = Vec::new();
        let mut ready = Vec::new();
        for e in std::fs::read_dir(dir).map_err(|e| io(dir, e))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(md) = e.metadata() else { continue };
            if name.starts_with('.') || !md.is_file() {
                continue;
            }
            let sig = (md.len(), md.modified().ok());
            let entry = self.seen.entry(name.clone()).or_insert((sig.0, sig.1, now));
            if (entry.0, entry.1) != sig {
                *entry = (sig.0, sig.1, now);
            } else if now.duration_since(entry.2) >= period && std::fs::File::open(e.path()).is_ok()
            {
                ready.push(name.clone());
            }
            present.push(name);
        }
        self.seen.retain(|k, _| present.contains(k));
        ready.sort();
        Ok(ready)
    }

    /// Forgets a file (after it was consumed).
    pub fn forget(&mut self, name: &str) {
        self.seen.remove(name);
    }
}

/// A synthetic patient (all invented).
#[derive(Clone, Copy, Debug)]
pub struct Patient {
    /// Name.
    pub name: &'static str,
    /// Half-width kana.
    pub kana: &'static str,
    /// Birth date yyyyMMdd.
    pub birth: &'static str,
    /// 1 male, 2 female.
    pub sex: &'static str,
}

/// The invented people the simulators answer about.
pub const PATIENTS: [Patient; 6] = [
    Patient {
        name: "試験 太郎",
        kana: "ｼｹﾝ ﾀﾛｳ",
        birth: "19800101",
        sex: "1",
    },
    Patient {
        name: "見本 花子",
        kana: "ﾐﾎﾝ ﾊﾅｺ",
        birth: "19920315",
        sex: "2",
    },
    Patient {
        name: "架空 次郎",
        kana: "ｶｸｳ ｼﾞﾛｳ",
        birth: "19450817",
        sex: "1",
    },
    Patient {
        name: "例題 さくら",
        kana: "ﾚｲﾀﾞｲ ｻｸﾗ",
        birth: "20150401",
        sex: "2",
    },
    Patient {
        name: "仮名 一郎",
        kana: "ｶﾒｲ ｲﾁﾛｳ",
        birth: "19600229",
        sex: "1",
    },
    Patient {
        name: "模擬 桃子",
        kana: "ﾓｷﾞ ﾓﾓｺ",
        birth: "19881111",
        sex: "2",
    },
];

/// Text encoding of files a simulator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8 (`CharacterCodeIdentifier` 0).
    Utf8,
    /// Shift_JIS (`CharacterCodeIdentifier` 1).
    ShiftJis,
}
