//! The world of the trip-script tests: a paired clinic and terminal with an enrolled stick
//! folder, both simulators driven synchronously between steps, and the oracle (every request
//! answered exactly once, every face file once, nothing published twice, journals settled,
//! stick clean). Shared by the power-loss model (`powerloss.rs`), the fault injection
//! (`faults.rs`) and the regression tests (`regression.rs`); runs on Windows (under Wine) too.

use super::util::{Pair, paired};
use oqs_courier::engine::{self, Options, Outcome};
use oqs_courier::journal::Dir;
use oqs_courier::simulate::{dynamics, renkei};
use oqs_courier::state::{Home, Installation};
use oqs_courier::{Error, stick};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// What the trip script does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// A clinic step (import everything, collect, seal).
    Clinic,
    /// A terminal step (publish, collect without waiting, seal).
    Terminal,
    /// The simulated 連携アプリ answers every request in Req and emits a face file or two.
    Renkei,
    /// The simulated Dynamics writes its requests (the first time) and reads Res / Face.
    Dynamics,
}

use Act::{Clinic, Dynamics, Renkei, Terminal};

/// The trip script. The clinic goes twice in a row at the start and the terminal twice around
/// the 連携アプリ, so a side replaces its own package the peer has not seen yet.
#[cfg(unix)] // the power-loss and fault tests
pub const SCRIPT: &[Act] = &[
    Dynamics, Clinic, Clinic, Terminal, Renkei, Terminal, Clinic, Dynamics, Terminal, Clinic,
];

/// A short working day: requests sent, answered with face results, imported, and the next
/// requests written (for tests that need a used installation on both sides).
pub const A_FEW_TRIPS: &[Act] = &[
    Dynamics, Clinic, Terminal, Renkei, Terminal, Clinic, Dynamics, Clinic,
];

/// One settling round after the script (and after a fault); the last terminal step takes the
/// clinic's acknowledgement off the stick.
const ROUND: [Act; 5] = [Renkei, Terminal, Clinic, Dynamics, Terminal];

/// Settling rounds at most: everything must have arrived by then.
const MAX_ROUNDS: usize = 8;

/// Requests the simulated Dynamics writes.
pub const REQUESTS: u64 = 4;

/// A clinic, a terminal and a stick folder in one temporary folder; installations are loaded
/// for each step (so a crash is a reload from the state directory).
pub struct World {
    pub dir: tempfile::TempDir,
    pub stick: PathBuf,
    /// Requests the simulated Dynamics writes ([`REQUESTS`] unless [`World::with_requests`]).
    pub requests: u64,
}

/// Step options without waits (quiet period, response wait) and with a 1 ms poll.
pub fn step_opts() -> Options {
    Options {
        quiet: Duration::ZERO,
        response_wait: Duration::ZERO,
        poll: Duration::from_millis(1),
        ..Options::default()
    }
}

/// One step of `inst` on the stick at `stick`.
pub fn trip(inst: &mut Installation, stick: &Path) -> Result<Outcome, Error> {
    super::util::step(inst, stick, step_opts())
}

impl World {
    /// A paired clinic and terminal with an enrolled stick folder.
    pub fn new() -> Self {
        Self::with_requests(REQUESTS)
    }

    /// [`World::new`] where the simulated Dynamics writes `requests` requests.
    pub fn with_requests(requests: u64) -> Self {
        let Pair {
            dir,
            mut clinic,
            terminal,
            stick,
        } = paired();
        engine::enroll(&mut clinic, stick.root(), &"受付用1".parse().unwrap()).unwrap();
        let stick = stick.root().to_owned();
        drop((clinic, terminal));
        Self {
            dir,
            stick,
            requests,
        }
    }

    pub fn who(clinic: bool) -> &'static str {
        if clinic { "clinic" } else { "terminal" }
    }

    pub fn home(&self, clinic: bool) -> PathBuf {
        self.dir.path().join(Self::who(clinic)).join("state")
    }

    pub fn oqs(&self, clinic: bool) -> PathBuf {
        self.dir.path().join(Self::who(clinic)).join("OQS")
    }

    /// The installation, loaded from its state directory.
    pub fn load(&self, clinic: bool) -> Installation {
        Home::at(self.home(clinic)).load().unwrap()
    }

    /// One step; `Err` is the step's own error.
    pub fn step(&self, clinic: bool) -> Result<Outcome, Error> {
        let mut inst = self.load(clinic);
        trip(&mut inst, &self.stick)
    }

    fn dynamics_opts(&self) -> dynamics::Options {
        let mut d = dynamics::Options::new(self.oqs(true));
        d.requests = self.requests;
        d.over = Duration::ZERO;
        d.timeout = Duration::from_millis(5);
        d.quiet = Duration::ZERO;
        d.drug_every = 3;
        d.resume = true;
        d
    }

    /// Runs one act of the script; `Err` describes an oracle failure.
    /// Runs every act of `script`, panicking on an oracle failure.
    pub fn play(&self, script: &[Act]) {
        for act in script {
            self.act(*act).unwrap();
        }
    }

    pub fn act(&self, act: Act) -> Result<(), String> {
        match act {
            Clinic | Terminal => self
                .step(act == Clinic)
                .map(|_| ())
                .map_err(|e| format!("{act:?} step failed without a fault: {e}")),
            Renkei => {
                let mut r = renkei::Options::new(self.oqs(false));
                r.delay_min = Duration::ZERO;
                r.delay_max = Duration::ZERO;
                r.face_every = Some(Duration::from_millis(1));
                r.duration = Some(Duration::from_millis(40));
                r.quiet = Duration::ZERO;
                renkei::run(&r, &AtomicBool::new(false), &mut std::io::sink())
                    .map(|_| ())
                    .map_err(|e| format!("simulated 連携アプリ failed: {e}"))
            }
            Dynamics => dynamics::run(
                &self.dynamics_opts(),
                &AtomicBool::new(false),
                &mut std::io::sink(),
            )
            .map(|_| ())
            .map_err(|e| format!("simulated Dynamics failed: {e}")),
        }
    }

    /// Face files the simulated 連携アプリ emitted so far (its saved state).
    fn faces_emitted(&self) -> u64 {
        let p = self.oqs(false).join(".simrenkei.json");
        std::fs::read(p)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v.get("next_face")?.as_u64())
            .map_or(0, |n| n.saturating_sub(1))
    }

    /// Settles (rounds of clean trips until the oracle holds in two rounds in a row, at most
    /// [`MAX_ROUNDS`]) and checks the oracle.
    pub fn settle_and_check(&self) -> Result<(), String> {
        let mut good = 0;
        for _ in 0..MAX_ROUNDS {
            for a in ROUND {
                self.act(a)?;
            }
            good = if self.check().is_ok() { good + 1 } else { 0 };
            if good == 2 {
                return Ok(());
            }
        }
        self.check()
    }

    /// The oracle: every request answered exactly once, every face file delivered exactly once,
    /// the stick clean, the journals settled.
    pub fn check(&self) -> Result<(), String> {
        let report = dynamics::check(&self.oqs(true)).map_err(|e| e.to_string())?;
        if !report.ok() || report.answered != self.requests {
            return Err(format!("after the last trips: {report}"));
        }
        if report.faces != self.faces_emitted() {
            return Err(format!(
                "face files: {} emitted, {} delivered ({report})",
                self.faces_emitted(),
                report.faces
            ));
        }
        let scan = stick::Stick::at(&self.stick)
            .and_then(|s| s.scan())
            .map_err(|e| format!("stick unreadable: {e}"))?;
        if !scan.manifests.is_empty() || !scan.orphans.is_empty() {
            return Err(format!("stick not clean: {scan:?}"));
        }
        journals_settled(&self.load(true), &self.load(false))
    }

    /// Copies the whole world (both PCs, both OQS folders, the stick) to `to`.
    #[cfg(unix)]
    pub fn save(&self, to: &Path) {
        let _ = std::fs::remove_dir_all(to);
        copy_tree(self.dir.path(), to);
    }

    /// Puts the world back as it was saved in `from`.
    #[cfg(unix)]
    pub fn restore(&self, from: &Path) {
        for e in std::fs::read_dir(self.dir.path()).unwrap().flatten() {
            std::fs::remove_dir_all(e.path()).unwrap();
        }
        copy_tree(from, self.dir.path());
    }
}

/// The journals' part of the oracle: nothing published twice on either PC (no two `published`
/// audit rows with the same file name and SHA-256), nothing left pending, held, half-published
/// or queued, nothing awaited at the terminal.
pub fn journals_settled(clinic: &Installation, terminal: &Installation) -> Result<(), String> {
    for (who, inst) in [("clinic", clinic), ("terminal", terminal)] {
        let rows = inst.journal.audit_rows(None).map_err(|e| e.to_string())?;
        let mut seen = HashSet::new();
        for r in rows
            .iter()
            .filter(|r| r.outcome == oqs_courier::journal::Outcome::Published)
        {
            let key = (r.file.clone(), r.sha256.clone());
            if !seen.insert(key) {
                return Err(format!("{who}: published twice: {:?}", r.file));
            }
        }
        let left_in = inst
            .journal
            .items(
                Dir::In,
                &[
                    oqs_courier::journal::State::Pending,
                    oqs_courier::journal::State::Held,
                    oqs_courier::journal::State::Publishing,
                ],
            )
            .map_err(|e| e.to_string())?;
        let left_out = inst
            .journal
            .items(Dir::Out, &[oqs_courier::journal::State::Queued])
            .map_err(|e| e.to_string())?;
        if !left_in.is_empty() || !left_out.is_empty() {
            return Err(format!(
                "{who}: journal not settled: {} incoming, {} outgoing left",
                left_in.len(),
                left_out.len()
            ));
        }
    }
    let awaiting = terminal.journal.awaiting().map_err(|e| e.to_string())?;
    if !awaiting.is_empty() {
        return Err(format!("terminal still awaits {awaiting:?}"));
    }
    Ok(())
}

#[cfg(unix)]
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}
