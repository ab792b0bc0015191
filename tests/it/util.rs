//! Shared set-up: paired installations in temporary folders.

use oqs_courier::engine::{self, Options, Outcome};
use oqs_courier::state::{Home, Installation, Role};
use oqs_courier::stick::Stick;
use oqs_courier::transfer;
use std::path::{Path, PathBuf};

pub struct Pair {
    pub dir: tempfile::TempDir,
    pub clinic: Installation,
    pub terminal: Installation,
    pub stick: Stick,
}

impl Pair {
    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }
}

pub fn installation(dir: &Path, name: &str, role: Role) -> Installation {
    let oqs = dir.join(name).join("OQS");
    for sub in ["Req", "Res", "Face"] {
        std::fs::create_dir_all(oqs.join(sub)).unwrap();
    }
    Home::at(dir.join(name).join("state"))
        .init(role, &oqs, &name.parse().unwrap())
        .unwrap()
}

/// A clinic and a terminal paired through a stick folder.
pub fn paired() -> Pair {
    let dir = tempfile::tempdir().unwrap();
    let mut clinic = installation(dir.path(), "clinic", Role::Clinic);
    let mut terminal = installation(dir.path(), "terminal", Role::Terminal);
    let stick_dir = dir.path().join("stick");
    std::fs::create_dir(&stick_dir).unwrap();
    let stick = Stick::at(&stick_dir).unwrap();
    transfer::pair_export(&clinic, &stick).unwrap();
    transfer::pair_import(&mut terminal, &stick).unwrap();
    transfer::pair_export(&terminal, &stick).unwrap();
    transfer::pair_import(&mut clinic, &stick).unwrap();
    Pair {
        dir,
        clinic,
        terminal,
        stick,
    }
}

/// Writes `files` (name, content) into a new folder `sub` and returns their paths.
pub fn write_files(base: &Path, sub: &str, files: &[(&str, &[u8])]) -> Vec<PathBuf> {
    let dir = base.join(sub);
    std::fs::create_dir_all(&dir).unwrap();
    files
        .iter()
        .map(|(name, content)| {
            let p = dir.join(name);
            std::fs::write(&p, content).unwrap();
            p
        })
        .collect()
}

/// Every file under `dir`, recursively, as (relative path, bytes).
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string() + "/",
                    Vec::new(),
                ));
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Whether `needle` occurs in any file under `dir`.
pub fn contains_bytes(dir: &Path, needle: &[u8]) -> bool {
    tree(dir)
        .iter()
        .any(|(_, b)| b.windows(needle.len()).any(|w| w == needle))
}

/// The package files on the stick: (manifest, data).
pub fn package_files(stick: &Stick) -> Vec<(PathBuf, PathBuf)> {
    let scan = stick.scan().unwrap();
    scan.manifests
        .iter()
        .map(|m| (m.clone(), m.with_extension("oqd")))
        .collect()
}

/// One whole step of `inst` with the stick at `stick`, as the desktop app runs it without staff:
/// the clinic imports every result, the terminal publishes the requests and waits for answers.
pub fn step(
    inst: &mut Installation,
    stick: &Path,
    opts: Options,
) -> Result<Outcome, oqs_courier::Error> {
    engine::run_step(inst, stick, opts, &mut ImportAll)
}

/// A front end that imports every row of the prompt, as 試験 受付.
pub struct ImportAll;

impl engine::Frontend for ImportAll {
    fn decide(&mut self, rows: &[engine::ImportRow]) -> engine::Decision {
        engine::Decision::import(rows.iter().map(|r| r.item.id).collect())
    }

    fn actor(&self) -> String {
        "試験 受付".to_owned()
    }
}

/// The files directly in `dir`, with their bytes (to put back later with [`put_back`]).
pub fn files_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// Writes files saved by [`files_in`] back where they were.
pub fn put_back(files: &[(PathBuf, Vec<u8>)]) {
    for (path, bytes) in files {
        std::fs::write(path, bytes).unwrap();
    }
}
