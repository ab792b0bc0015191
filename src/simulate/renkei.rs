//! The simulated 連携アプリ (OQSComApp) on the terminal.
//!
//! Watches Req (notify events plus a rescan every 100 ms), takes each complete request after a
//! random delay, removes it and writes the answer atomically into Res: XML for checks (in the
//! configured encoding), a PDF for drug / check-up requests, a phase-1 reception number and a
//! phase-2 "still processing" on the first ask for bulk, and `<request>.err` beside the moved
//! request when a request is malformed. Emits face-reader results into Face at fixed intervals.
//! Deterministic for a given `--seed` and input order. Keeps its counters in `.simrenkei.json`
//! in the OQS folder so a restart never reuses a face-file name.

use super::xml::{self, Echo};
use super::{Encoding, Error, PATIENTS, Quiet, Sub, io, publish, subfolder};
use crate::oqs::classify::{self, Kind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const STATE_FILE: &str = ".simrenkei.json";

/// How the simulated 連携アプリ behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// The terminal's OQS folder.
    pub oqs_dir: PathBuf,
    /// Shortest delay before a complete request is answered.
    pub delay_min: Duration,
    /// Longest delay.
    pub delay_max: Duration,
    /// Emit a face-reader result this often (none when `None`).
    pub face_every: Option<Duration>,
    /// PRNG seed.
    pub seed: u64,
    /// Encoding of XML responses.
    pub encoding: Encoding,
    /// Encoding of face results (real ones are Shift_JIS).
    pub face_encoding: Encoding,
    /// 医療機関コード written into face results.
    pub institution: String,
    /// Stop after this long (run until stopped when `None`).
    pub duration: Option<Duration>,
    /// How long a request must be unchanged before it counts as complete.
    pub quiet: Duration,
}

impl Options {
    /// Realistic defaults: 0.5–3 s answers, no face results, UTF-8 responses, Shift_JIS faces.
    pub fn new(oqs_dir: PathBuf) -> Self {
        Self {
            oqs_dir,
            delay_min: Duration::from_millis(500),
            delay_max: Duration::from_millis(3000),
            face_every: None,
            seed: 1,
            encoding: Encoding::Utf8,
            face_encoding: Encoding::ShiftJis,
            institution: "1399999999".to_owned(),
            duration: None,
            quiet: Duration::from_millis(300),
        }
    }
}

/// What the simulator did.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Responses written (including `.err`).
    pub answered: u64,
    /// Requests refused with `.err`.
    pub errors: u64,
    /// Face results emitted, by name.
    pub faces: Vec<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct State {
    next_face: u64,
    next_reception: u64,
    bulk_asked: BTreeMap<String, u32>,
}

/// Runs until `stop` is set or the duration ends.
pub fn run(opts: &Options, stop: &AtomicBool, log: &mut dyn Write) -> Result<Stats, Error> {
    let req = subfolder(&opts.oqs_dir, Sub::Req)?;
    let res = subfolder(&opts.oqs_dir, Sub::Res)?;
    let face = subfolder(&opts.oqs_dir, Sub::Face)?;
    let state_path = opts.oqs_dir.join(STATE_FILE);
    let mut state: State = match std::fs::read(&state_path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|_| Error::State {
            path: state_path.clone(),
        })?,
        Err(_) => State {
            next_face: 1,
            next_reception: 1,
            ..State::default()
        },
    };
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
        let _ = tx.send(());
    })
    .ok();
    if let Some(w) = watcher.as_mut() {
        use notify::Watcher;
        if let Err(e) = w.watch(&req, notify::RecursiveMode::NonRecursive) {
            let _ = writeln!(
                log,
                "renkei: watching {} failed ({e}); polling only",
                req.display()
            );
        }
    }
    let mut rng = fastrand::Rng::with_seed(opts.seed);
    let mut quiet = Quiet::default();
    let mut due: HashMap<String, Instant> = HashMap::new();
    let mut stats = Stats::default();
    let start = Instant::now();
    let mut next_face = opts.face_every.map(|d| start + d);
    let span = opts.delay_max.saturating_sub(opts.delay_min).as_millis() as u64;
    while !stop.load(Ordering::Relaxed) && opts.duration.is_none_or(|d| start.elapsed() < d) {
        let now = Instant::now();
        for name in quiet.complete(&req, opts.quiet)? {
            due.entry(name)
                .or_insert_with(|| now + opts.delay_min + Duration::from_millis(rng.u64(0..=span)));
        }
        let mut ready: Vec<String> = due
            .iter()
            .filter(|(_, t)| **t <= now)
            .map(|(n, _)| n.clone())
            .collect();
        ready.sort();
        for name in ready {
            due.remove(&name);
            quiet.forget(&name);
            answer(opts, &req, &res, &name, &mut state, &mut stats, log)?;
            save(&state_path, &state)?;
        }
        if let (Some(at), Some(every)) = (next_face, opts.face_every)
            && now >= at
        {
            let p = PATIENTS[rng.usize(0..PATIENTS.len())];
            let serial = state.next_face;
            state.next_face += 1;
            save(&state_path, &state)?;
            let t = chrono::Local::now().naive_local();
            let name = format!(
                "OQSsiquc01res_face_{}400{serial:017}_{}.xml",
                opts.institution,
                t.format("%Y%m%d%H%M%S")
            );
            let body = xml::face_result(&p, &opts.institution, serial, opts.face_encoding, &t);
            publish(&face, &name, &xml::encode(&body, opts.face_encoding))?;
            let _ = writeln!(log, "renkei: face {name}");
            stats.faces.push(name);
            next_face = Some(at + every);
        }
        let _ = rx.recv_timeout(Duration::from_millis(100));
        while rx.try_recv().is_ok() {}
    }
    Ok(stats)
}

fn save(path: &Path, state: &State) -> Result<(), Error> {
    let bytes = serde_json::to_vec(state).map_err(|_| Error::State {
        path: path.to_owned(),
    })?;
    crate::durable::write_atomic(path, &bytes).map_err(|e| io(path, e))
}

fn answer(
    opts: &Options,
    req: &Path,
    res: &Path,
    name: &str,
    state: &mut State,
    stats: &mut Stats,
    log: &mut dyn Write,
) -> Result<(), Error> {
    let Kind::Request(process) = classify::classify(name) else {
        return Ok(()); // not a request: the real app ignores it too
    };
    let path = req.join(name);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io(&path, e)),
    };
    let expected = classify::expected_responses(name);
    let pick = |ext: &str| {
        expected
            .iter()
            .find(|n| n.to_ascii_lowercase().ends_with(ext))
            .cloned()
    };
    let text = xml::decode(&bytes).filter(|t| t.contains("<XmlMsg"));
    let Some(text) = text else {
        // File-level error: the request moves into Res and `<request>.err` appears beside it.
        let err_name = pick(".err").unwrap_or_else(|| format!("{name}.err"));
        std::fs::rename(&path, res.join(name)).map_err(|e| io(&path, e))?;
        publish(
            res,
            &err_name,
            "SIM-E001 要求ファイルの形式が正しくありません（シミュレーター）\r\n".as_bytes(),
        )?;
        stats.answered += 1;
        stats.errors += 1;
        let _ = writeln!(log, "renkei: {name} is malformed -> {err_name}");
        return Ok(());
    };
    let echo = Echo::from_request(&text);
    let now = chrono::Local::now().naive_local();
    let enc = opts.encoding;
    let (ext, body): (&str, Vec<u8>) = if matches!(
        process,
        classify::Process::Drug | classify::Process::Checkup
    ) {
        (".pdf", xml::pdf(name))
    } else if process.is_first_phase() {
        let reception = format!("{:012}", state.next_reception);
        state.next_reception += 1;
        (
            ".xml",
            xml::encode(&xml::bulk1_response(&echo, &reception, enc, &now), enc),
        )
    } else if process.is_second_phase() {
        let reception = xml::tag(&text, "ReceptionNumber")
            .unwrap_or_default()
            .to_owned();
        let asked = state.bulk_asked.entry(reception.clone()).or_insert(0);
        *asked += 1;
        let ready = *asked > 1;
        (
            ".xml",
            xml::encode(
                &xml::bulk2_response(&echo, &reception, ready, enc, &now),
                enc,
            ),
        )
    } else {
        (
            ".xml",
            xml::encode(&xml::single_response(&echo, enc, &now), enc),
        )
    };
    let Some(res_name) = pick(ext) else {
        return Ok(());
    };
    std::fs::remove_file(&path).map_err(|e| io(&path, e))?;
    publish(res, &res_name, &body)?;
    stats.answered += 1;
    let _ = writeln!(log, "renkei: {name} -> {res_name}");
    Ok(())
}
