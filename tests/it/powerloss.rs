//! Power loss of the stick: a model of a write-back cache on a FAT stick, driven by the write
//! boundaries the crate reports through `durable::seam`.
//!
//! A deterministic trip script (both simulators driven synchronously between steps, a plain
//! folder as the stick) is run up to one step; that step runs with a recording hook that sees
//! every create, write, flush, rename and removal on the stick and stops the process at the
//! N-th one (a crash: the step never continues), or lets it finish (the stick pulled right after
//! 「取り外せます」 without the OS having written its cache). From the recorded operations the
//! model computes what the **medium** may hold:
//!
//! - a file's data reaches the medium when the file is flushed (`sync_all`, FlushFileBuffers),
//!   together with its folder entry (on FAT the entry holds the size and first cluster);
//! - a folder's entries (creations, renames, removals) reach it when the folder is flushed —
//!   on Linux; in the **Windows** variant folder flushes do nothing (Windows cannot flush a
//!   folder handle), so only file flushes make anything durable;
//! - everything else may or may not have reached the medium, independently and in any order:
//!   each pending folder entry change (a new name, a rename, a removal) is applied or not, and
//!   each file whose data is not flushed holds its old data, all of its new data, a prefix of
//!   it, or the new size with a zero-filled tail (FAT entry written, clusters not).
//!
//! For each crash point a few of these medium states are materialised as the stick folder
//! (keep nothing pending, keep everything, two random mixes). Then the **commit point** must
//! hold: both sides can read the stick — every manifest on it either verifies with complete
//! data or is a package the reader ignores; a power cut is never reported as forged or
//! incomplete input — and the trip script goes on from there and the oracle of
//! `tests/it/faults.rs` holds after further trips (every request answered exactly once, every
//! face file exactly once, nothing published twice, journals settled, stick clean).
//!
//! `powerloss_sample` (every `cargo test`) covers a stride of the crash points;
//! `powerloss_full` (slow, ignored, opt-in: `scripts/faults.sh`) covers every crash point of
//! every step.
//! The world and the trip script (`tests/it/world.rs`) are shared with the write-boundary faults
//! in `tests/it/faults.rs`. Unix-only like those: the model replaces the OS's own caching, so
//! running it again as a Windows program under Wine would add nothing.
#![cfg(unix)]

pub use super::world::{Act, SCRIPT, World, journals_settled};
use Act::{Clinic, Dynamics, Terminal};
use oqs_courier::durable::seam::{self, Event, Op};
use oqs_courier::engine::Outcome;
use oqs_courier::package::{self, Classified, NullSink};
use oqs_courier::{Error, stick};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

/// The panic payload of an injected crash.
pub struct InjectedCrash;

pub fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<InjectedCrash>().is_none() {
                prev(info);
            }
        }));
    });
}

/// Runs the step `clinic` with `hook` armed; `Ok(None)` when it crashed (an injected crash).
pub fn step_with(
    w: &World,
    clinic: bool,
    hook: impl FnMut(&Event<'_>) -> std::io::Result<()> + 'static,
) -> Result<Option<Result<Outcome, Error>>, String> {
    quiet_injected_panics();
    let armed = seam::arm(hook);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.step(clinic)));
    drop(armed);
    match r {
        Ok(r) => Ok(Some(r)),
        Err(p) if p.downcast_ref::<InjectedCrash>().is_some() => Ok(None),
        Err(p) => Err(format!(
            "panicked: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        )),
    }
}

/// How many write boundaries the step has (a dry run from the saved world).
pub fn count_boundaries(w: &World, clinic: bool, keep: impl Fn(&Path) -> bool + 'static) -> usize {
    let n = Rc::new(RefCell::new(0usize));
    let c = n.clone();
    let r = step_with(w, clinic, move |e| {
        if keep(e.path) {
            *c.borrow_mut() += 1;
        }
        Ok(())
    })
    .unwrap();
    assert!(
        matches!(r, Some(Ok(_))),
        "the dry run failed: {:?}",
        r.map(|r| r.err())
    );
    *n.borrow()
}

// ---------------------------------------------------------------------------------------------
// The model of the medium.

/// One operation on the stick, as the OS saw it.
#[derive(Clone, Debug)]
enum Rec {
    Create(PathBuf),
    Write(PathBuf, Vec<u8>),
    SyncFile(PathBuf),
    Rename(PathBuf, PathBuf),
    Remove(PathBuf),
    SyncDir(PathBuf),
}

/// Files by inode; names by path. `volatile` is what the OS shows, `durable` what is surely on
/// the medium.
#[derive(Clone, Debug, Default)]
struct Fs {
    names: BTreeMap<PathBuf, u64>,
    data: BTreeMap<u64, Vec<u8>>,
}

#[derive(Clone, Debug)]
struct Medium {
    volatile: Fs,
    durable: Fs,
    next: u64,
    windows: bool,
}

impl Medium {
    /// The stick as it is now, all of it on the medium (the previous trip ended cleanly).
    fn read(root: &Path, windows: bool) -> Self {
        let mut fs = Fs::default();
        let mut next = 1;
        let mut stack = vec![root.to_owned()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if e.file_type().unwrap().is_dir() {
                    stack.push(p);
                } else {
                    fs.names.insert(p.clone(), next);
                    fs.data.insert(next, std::fs::read(&p).unwrap());
                    next += 1;
                }
            }
        }
        Self {
            volatile: fs.clone(),
            durable: fs,
            next,
            windows,
        }
    }

    fn apply(&mut self, r: &Rec) {
        let v = &mut self.volatile;
        match r {
            Rec::Create(p) => {
                let ino = self.next;
                self.next += 1;
                v.names.insert(p.clone(), ino);
                v.data.insert(ino, Vec::new());
            }
            Rec::Write(p, b) => {
                if let Some(ino) = v.names.get(p) {
                    v.data.entry(*ino).or_default().extend_from_slice(b);
                }
            }
            Rec::SyncFile(p) => {
                if let Some(&ino) = v.names.get(p) {
                    self.durable
                        .data
                        .insert(ino, v.data.get(&ino).cloned().unwrap_or_default());
                    // FAT: the file's folder entry (size, first cluster) is written with it.
                    self.durable.names.insert(p.clone(), ino);
                }
            }
            Rec::Rename(from, to) => {
                if let Some(ino) = v.names.remove(from) {
                    v.names.insert(to.clone(), ino);
                }
            }
            Rec::Remove(p) => {
                v.names.remove(p);
            }
            Rec::SyncDir(dir) => {
                if !self.windows {
                    self.durable.names.retain(|p, _| p.parent() != Some(dir));
                    for (p, ino) in &v.names {
                        if p.parent() == Some(dir.as_path()) {
                            self.durable.names.insert(p.clone(), *ino);
                            self.durable.data.entry(*ino).or_default();
                        }
                    }
                }
            }
        }
    }

    /// A state the medium may be in: every pending folder entry change applied or not, every
    /// unflushed file's data old, new, a prefix of the new, or the new size zero-filled.
    fn possible(&self, how: Mix, rng: &mut fastrand::Rng) -> BTreeMap<PathBuf, Vec<u8>> {
        let (v, d) = (&self.volatile, &self.durable);
        let paths: BTreeSet<&PathBuf> = v.names.keys().chain(d.names.keys()).collect();
        let mut names: BTreeMap<PathBuf, u64> = BTreeMap::new();
        for p in paths {
            let (new, old) = (v.names.get(p), d.names.get(p));
            let take_new = match how {
                Mix::Nothing => false,
                Mix::Everything => true,
                Mix::Random => rng.bool(),
            };
            if let Some(ino) = if take_new { new } else { old } {
                names.insert(p.clone(), *ino);
            }
        }
        let mut out = BTreeMap::new();
        let mut decided: BTreeMap<u64, Vec<u8>> = BTreeMap::new();
        for (p, ino) in names {
            let bytes = decided
                .entry(ino)
                .or_insert_with(|| {
                    let old = d.data.get(&ino).cloned().unwrap_or_default();
                    let new = v.data.get(&ino).cloned().unwrap_or_else(|| old.clone());
                    if old == new {
                        return new;
                    }
                    match how {
                        Mix::Nothing => old,
                        Mix::Everything => new,
                        Mix::Random => match rng.u8(0..4) {
                            0 => old,
                            1 => new,
                            2 => new[..rng.usize(0..=new.len())].to_vec(),
                            _ => {
                                let mut z = new.clone();
                                let from = rng.usize(0..=z.len());
                                z[from..].fill(0);
                                z
                            }
                        },
                    }
                })
                .clone();
            out.insert(p, bytes);
        }
        out
    }
}

/// Which medium state to materialise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// Nothing pending reached the medium.
    Nothing,
    /// Everything did (as if the cache had been written just before the cut).
    Everything,
    /// A random part of it (see [`Medium::possible`]).
    Random,
}

/// Replaces the stick folder's files with `files` (folders are kept: they are created once, at
/// enrolment, and never removed).
fn materialise(root: &Path, files: &BTreeMap<PathBuf, Vec<u8>>) {
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                std::fs::remove_file(e.path()).unwrap();
            }
        }
    }
    for (p, b) in files {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b).unwrap();
    }
}

/// The commit point: after a power cut, each side reads the stick as its step does without a
/// refusal — every manifest verifies, and every package for it not applied yet has complete
/// data that matches its manifest. A data file without its manifest is ignored (it does not
/// exist yet).
fn commit_point_holds(w: &World) -> Result<(), String> {
    let stick = stick::Stick::at(&w.stick).map_err(|e| e.to_string())?;
    let scan = stick.scan().map_err(|e| e.to_string())?;
    for clinic in [true, false] {
        let inst = w.load(clinic);
        let peer = inst.peer_keys().map_err(|e| e.to_string())?;
        let who = World::who(clinic);
        for path in &scan.manifests {
            let m = match package::read_manifest(path, &inst.identity, Some(&peer)) {
                Ok(Classified::Own(_)) => continue,
                Ok(Classified::ForUs(m)) => m,
                Err(e) => return Err(format!("{who} refuses the stick after a power cut: {e}")),
            };
            // Applied before, or its data file gone (a superseded package whose removal was cut
            // short): the step ignores it and takes it off the stick.
            if inst
                .is_applied(&m.sender(), m.meta.seq)
                .map_err(|e| e.to_string())?
                || !m.data_path.exists()
            {
                continue;
            }
            m.stream(&mut NullSink)
                .map_err(|e| format!("{who} refuses the stick after a power cut: {e}"))?;
        }
    }
    Ok(())
}

/// What a power-loss campaign did.
#[derive(Debug, Default)]
pub struct Tally {
    pub steps: usize,
    pub crash_points: usize,
    pub states: usize,
    pub failures: Vec<String>,
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "steps {}, crash points {}, medium states {}, failures {}",
            self.steps,
            self.crash_points,
            self.states,
            self.failures.len()
        )
    }
}

/// For every step of the script, every `stride`-th crash point (plus the end of the step), one
/// medium state per entry of `mixes`.
pub fn campaign(stride: usize, mixes: &[Mix], windows: bool, seed: u64) -> Tally {
    let w = World::new();
    let saved = tempfile::tempdir().unwrap();
    let snap = saved.path().join("world");
    let mut t = Tally::default();
    let mut rng = fastrand::Rng::with_seed(seed);
    for (k, &act) in SCRIPT.iter().enumerate() {
        if matches!(act, Clinic | Terminal) {
            w.save(&snap);
            let clinic = act == Clinic;
            let root = w.stick.clone();
            let n = count_boundaries(&w, clinic, move |p| p.starts_with(&root));
            w.restore(&snap);
            t.steps += 1;
            let mut points: Vec<usize> = (1..=n + 1).step_by(stride.max(1)).collect();
            if points.last() != Some(&(n + 1)) {
                points.push(n + 1);
            }
            for at in points {
                t.crash_points += 1;
                for &mix in mixes {
                    t.states += 1;
                    w.restore(&snap);
                    let ctx = format!(
                        "step {k} ({act:?}), power cut at stick write {at} of {n}, {mix:?}, {}",
                        if windows { "Windows" } else { "Linux" }
                    );
                    if let Err(e) =
                        power_cut(&w, clinic, at, mix, windows, &mut rng).and_then(|()| {
                            for &a in &SCRIPT[k + 1..] {
                                w.act(a)?;
                            }
                            w.settle_and_check()
                        })
                    {
                        t.failures.push(format!("{ctx}: {e}"));
                    }
                }
            }
            w.restore(&snap);
        }
        w.act(act).unwrap();
    }
    t
}

/// Runs the step with the stick's operations recorded, cuts the power before the `at`-th
/// (after the step when `at` is past the last), and leaves the stick as the medium may hold it.
fn power_cut(
    w: &World,
    clinic: bool,
    at: usize,
    mix: Mix,
    windows: bool,
    rng: &mut fastrand::Rng,
) -> Result<(), String> {
    let medium = Rc::new(RefCell::new(Medium::read(&w.stick, windows)));
    let m = medium.clone();
    let root = w.stick.clone();
    let mut seen = 0;
    let r = step_with(w, clinic, move |e| {
        if !e.path.starts_with(&root) {
            return Ok(());
        }
        seen += 1;
        if seen == at {
            std::panic::panic_any(InjectedCrash);
        }
        let p = e.path.to_owned();
        let rec = match e.op {
            Op::Create => Rec::Create(p),
            Op::Write => Rec::Write(p, e.bytes.to_vec()),
            Op::SyncFile => Rec::SyncFile(p),
            Op::Rename => Rec::Rename(p, e.to.unwrap_or(e.path).to_owned()),
            Op::Remove => Rec::Remove(p),
            Op::SyncDir => Rec::SyncDir(p),
            Op::CreateDir => return Ok(()),
        };
        m.borrow_mut().apply(&rec);
        Ok(())
    })?;
    if let Some(Err(e)) = r {
        return Err(format!("the step failed before the power cut: {e}"));
    }
    let state = medium.borrow().possible(mix, rng);
    materialise(&w.stick, &state);
    commit_point_holds(w)
}

fn report(name: &str, t: &Tally, start: Instant) {
    eprintln!("{name}: {t} in {:.1} s", start.elapsed().as_secs_f64());
    for f in t.failures.iter().take(20) {
        eprintln!("  FAILURE: {f}");
    }
}

/// A sample for every `cargo test`: every 10th crash point of every step, one random state of
/// the medium at each (about 15 s alone in a debug build; all of them: `powerloss_full`).
#[test]
fn powerloss_sample() {
    let start = Instant::now();
    let t = campaign(10, &[Mix::Random], true, 1);
    report("powerloss_sample", &t, start);
    assert!(t.failures.is_empty(), "{t}");
    assert!(t.crash_points > 10, "{t}");
}

/// Every crash point of every step: with Windows semantics (folder flushes do nothing) the
/// states "nothing pending", "everything" and two random mixes; with Linux semantics (folder
/// flushes work) two random mixes.
#[test]
#[ignore = "slow (minutes): opt-in, run by scripts/faults.sh"]
fn powerloss_full() {
    let start = Instant::now();
    let mut all = Tally::default();
    let windows = [Mix::Nothing, Mix::Everything, Mix::Random, Mix::Random];
    let linux = [Mix::Random, Mix::Random];
    for (is_windows, mixes, seed) in [(true, &windows[..], 11), (false, &linux[..], 12)] {
        let t = campaign(1, mixes, is_windows, seed);
        report(if is_windows { "windows" } else { "linux" }, &t, start);
        all.steps += t.steps;
        all.crash_points += t.crash_points;
        all.states += t.states;
        all.failures.extend(t.failures);
    }
    println!(
        "powerloss_full: {all} in {:.0} s",
        start.elapsed().as_secs_f64()
    );
    assert!(all.failures.is_empty(), "{all}");
}

/// Regression: a package whose writing a power cut (or a pull) interrupted — its data file on
/// the stick, its manifest not — made both PCs refuse the stick as incomplete, for good.
#[test]
fn interrupted_package_write_does_not_brick_the_stick() {
    let w = World::new();
    w.act(Dynamics).unwrap();
    w.act(Clinic).unwrap();
    let scan = stick::Stick::at(&w.stick).unwrap().scan().unwrap();
    assert!(!scan.manifests.is_empty());
    for m in scan.manifests {
        std::fs::remove_file(m).unwrap();
    }
    w.step(false)
        .expect("the terminal ignores the interrupted package");
    w.step(true)
        .expect("the clinic ignores it too and sends its files again");
    w.settle_and_check().unwrap();
}

/// Regression: a verified manifest whose data file is gone — its sender superseded the package
/// and only the data file's removal reached the stick before a power cut — made the receiver
/// refuse the stick.
#[test]
fn manifest_without_its_data_file_does_not_brick_the_stick() {
    let w = World::new();
    w.act(Dynamics).unwrap();
    w.act(Clinic).unwrap();
    let scan = stick::Stick::at(&w.stick).unwrap().scan().unwrap();
    for m in &scan.manifests {
        std::fs::remove_file(m.with_extension("oqd")).unwrap();
    }
    w.step(false)
        .expect("the terminal ignores the package that can never be applied");
    w.settle_and_check().unwrap();
}
