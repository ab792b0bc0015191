//! The simulated Dynamics on the clinic PC, and the oracle of end-to-end runs.
//!
//! Writes single-check requests into Req (atomically, or in pieces with `slow_writes` like a
//! careless program), every `drug_every`-th one a 薬剤情報 request; consumes Res and Face like
//! Dynamics (moving what it read into its own trash folder), and counts: every request must be
//! answered exactly once, nothing unexpected may arrive, no face file twice. Its state lives in
//! `.simdyn/` inside the OQS folder, so it can be stopped and resumed across trips.

use super::xml;
use super::{Encoding, Error, Quiet, Sub, io, publish, subfolder};
use crate::oqs::classify;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const STATE_DIR: &str = ".simdyn";

/// How the simulated Dynamics behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// The clinic's OQS folder.
    pub oqs_dir: PathBuf,
    /// How many requests to write in total.
    pub requests: u64,
    /// Spread the requests over this time.
    pub over: Duration,
    /// Give up after this long.
    pub timeout: Duration,
    /// Write requests in pieces, slowly.
    pub slow_writes: bool,
    /// Continue a saved run instead of starting a new one.
    pub resume: bool,
    /// Every n-th request is a 薬剤情報 request (0: none).
    pub drug_every: u64,
    /// Encoding of the requests.
    pub encoding: Encoding,
    /// 医療機関コード.
    pub institution: String,
    /// How long a result must be unchanged before it is read.
    pub quiet: Duration,
}

impl Options {
    /// Defaults: 10 requests over 10 s, 60 s timeout.
    pub fn new(oqs_dir: PathBuf) -> Self {
        Self {
            oqs_dir,
            requests: 10,
            over: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
            slow_writes: false,
            resume: false,
            drug_every: 0,
            encoding: Encoding::Utf8,
            institution: "1399999999".to_owned(),
            quiet: Duration::from_millis(200),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Request {
    expected: Vec<String>,
    answers: u32,
    error: bool,
}

/// The saved state of a run (`.simdyn/state.json`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct State {
    stamp: String,
    target: u64,
    written: u64,
    requests: BTreeMap<String, Request>,
    faces: BTreeMap<String, String>,
    face_duplicates: u64,
    duplicates: u64,
    unexpected: Vec<String>,
}

/// The oracle's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Requests to write in this run.
    pub target: u64,
    /// Requests written so far.
    pub written: u64,
    /// Requests answered (at least once).
    pub answered: u64,
    /// Of those, answered with an error file.
    pub errors: u64,
    /// Answers beyond the first for one request.
    pub duplicates: u64,
    /// Files that belong to no request.
    pub unexpected: Vec<String>,
    /// Face results received.
    pub faces: u64,
    /// Face results received twice.
    pub face_duplicates: u64,
    /// Requests written but not answered.
    pub waiting: Vec<String>,
}

impl Report {
    /// Every request written and answered exactly once, nothing unexpected, no face twice.
    pub fn ok(&self) -> bool {
        self.written == self.target
            && self.answered == self.target
            && self.duplicates == 0
            && self.unexpected.is_empty()
            && self.face_duplicates == 0
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "answered {}/{}, duplicates {}, unexpected {}, face {} (duplicates {})",
            self.answered,
            self.target,
            self.duplicates,
            self.unexpected.len(),
            self.faces,
            self.face_duplicates
        )
    }
}

impl State {
    fn report(&self) -> Report {
        let answered = self.requests.values().filter(|r| r.answers > 0).count() as u64;
        Report {
            target: self.target,
            written: self.written,
            answered,
            errors: self.requests.values().filter(|r| r.error).count() as u64,
            duplicates: self.duplicates,
            unexpected: self.unexpected.clone(),
            faces: self.faces.len() as u64,
            face_duplicates: self.face_duplicates,
            waiting: self
                .requests
                .iter()
                .filter(|(_, r)| r.answers == 0)
                .map(|(n, _)| n.clone())
                .collect(),
        }
    }
}

fn state_path(oqs: &Path) -> PathBuf {
    oqs.join(STATE_DIR).join("state.json")
}

fn load(oqs: &Path) -> Result<Option<State>, Error> {
    let p = state_path(oqs);
    match std::fs::read(&p) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|_| Error::State { path: p }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&p, e)),
    }
}

fn save(oqs: &Path, state: &State) -> Result<(), Error> {
    let p = state_path(oqs);
    let bytes = serde_json::to_vec_pretty(state).map_err(|_| Error::State { path: p.clone() })?;
    crate::durable::write_atomic(&p, &bytes).map_err(|e| io(&p, e))
}

/// Reports on a saved run without changing anything (`--check`).
pub fn check(oqs_dir: &Path) -> Result<Report, Error> {
    Ok(load(oqs_dir)?.unwrap_or_default().report())
}

/// Runs until every request is answered, `stop` is set, or the timeout.
pub fn run(opts: &Options, stop: &AtomicBool, log: &mut dyn Write) -> Result<Report, Error> {
    let oqs = &opts.oqs_dir;
    let req = subfolder(oqs, Sub::Req)?;
    let res = subfolder(oqs, Sub::Res)?;
    let face = subfolder(oqs, Sub::Face)?;
    let trash = oqs.join(STATE_DIR).join("trash");
    std::fs::create_dir_all(&trash).map_err(|e| io(&trash, e))?;
    let mut state = match (opts.resume, load(oqs)?) {
        (true, Some(s)) => s,
        _ => State {
            stamp: chrono::Local::now().format("%Y%m%d%H%M%S").to_string(),
            target: opts.requests,
            ..State::default()
        },
    };
    save(oqs, &state)?;
    let start = Instant::now();
    let first = state.written;
    let to_write = state.target.saturating_sub(first).max(1);
    let mut quiet_res = Quiet::default();
    let mut quiet_face = Quiet::default();
    while !stop.load(Ordering::Relaxed) && start.elapsed() < opts.timeout {
        // Requests are spread evenly over `over`.
        while state.written < state.target {
            let i = state.written - first;
            let at = opts.over.mul_f64(i as f64 / to_write as f64);
            if start.elapsed() < at {
                break;
            }
            write_request(opts, &req, &mut state, log)?;
            save(oqs, &state)?;
        }
        let mut changed = false;
        for name in quiet_res.complete(&res, opts.quiet)? {
            quiet_res.forget(&name);
            consume_result(&res, &trash, &name, &mut state, log)?;
            changed = true;
        }
        for name in quiet_face.complete(&face, opts.quiet)? {
            quiet_face.forget(&name);
            let path = face.join(&name);
            let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
            let sum = hex::encode(crate::crypto::sha256(&bytes));
            if state.faces.insert(name.clone(), sum).is_some() {
                state.face_duplicates += 1;
                let _ = writeln!(log, "dynamics: DUPLICATE face {name}");
            }
            to_trash(&path, &trash, &name)?;
            changed = true;
        }
        if changed {
            save(oqs, &state)?;
        }
        let r = state.report();
        if r.written == r.target && r.answered == r.target && is_empty(&res)? && is_empty(&face)? {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    save(oqs, &state)?;
    Ok(state.report())
}

fn write_request(
    opts: &Options,
    req: &Path,
    state: &mut State,
    log: &mut dyn Write,
) -> Result<(), Error> {
    state.written += 1;
    let n = state.written;
    let prefix = if opts.drug_every > 0 && n.is_multiple_of(opts.drug_every) {
        "YZKsiquc01req_"
    } else {
        "OQSsiquc01req_"
    };
    let name = format!("{prefix}{}{n:05}.xml", state.stamp);
    let bytes = xml::encode(
        &xml::request(n, &opts.institution, opts.encoding),
        opts.encoding,
    );
    let expected = classify::expected_responses(&name);
    state.requests.insert(
        name.clone(),
        Request {
            expected,
            answers: 0,
            error: false,
        },
    );
    if opts.slow_writes {
        let path = req.join(&name);
        let mut f = std::fs::File::create(&path).map_err(|e| io(&path, e))?;
        for piece in bytes.chunks(bytes.len().div_ceil(3).max(1)) {
            f.write_all(piece).map_err(|e| io(&path, e))?;
            f.flush().map_err(|e| io(&path, e))?;
            std::thread::sleep(Duration::from_millis(150));
        }
    } else {
        publish(req, &name, &bytes)?;
    }
    let _ = writeln!(log, "dynamics: wrote {name}");
    Ok(())
}

fn consume_result(
    res: &Path,
    trash: &Path,
    name: &str,
    state: &mut State,
    log: &mut dyn Write,
) -> Result<(), Error> {
    let lower = name.to_ascii_lowercase();
    let owner = state
        .requests
        .iter()
        .find(|(_, r)| r.expected.iter().any(|e| e.to_ascii_lowercase() == lower))
        .map(|(n, _)| n.clone());
    match owner {
        Some(req_name) => {
            if let Some(r) = state.requests.get_mut(&req_name) {
                r.answers += 1;
                r.error |= lower.ends_with(".err");
                if r.answers > 1 {
                    state.duplicates += 1;
                    let _ = writeln!(log, "dynamics: DUPLICATE answer {name} for {req_name}");
                }
            }
        }
        // A request moved into Res beside its `.err` file is part of that answer.
        None if state.requests.keys().any(|k| k.eq_ignore_ascii_case(name)) => {}
        None => {
            let _ = writeln!(log, "dynamics: UNEXPECTED {name}");
            state.unexpected.push(name.to_owned());
        }
    }
    to_trash(&res.join(name), trash, name)
}

fn to_trash(path: &Path, trash: &Path, name: &str) -> Result<(), Error> {
    let mut target = trash.join(name);
    let mut n = 1;
    while target.exists() {
        target = trash.join(format!("{name}.{n}"));
        n += 1;
    }
    std::fs::rename(path, &target).map_err(|e| io(path, e))
}

/// Whether `dir` holds no visible files (nothing left for Dynamics to read).
fn is_empty(dir: &Path) -> Result<bool, Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| io(dir, e))?;
    Ok(!entries
        .flatten()
        .any(|e| !e.file_name().to_string_lossy().starts_with('.')))
}
