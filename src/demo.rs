//! The embedded default run: the whole clinic ⇄ terminal loop on one machine, no hardware.
//!
//! Owns nothing but the script of the demo: in a fresh temporary folder, a clinic and a terminal
//! installation are set up, pair over a stick folder and enroll it; simulated Dynamics writes
//! requests on the clinic side, the simulated 連携アプリ answers them (some too late for the trip
//! that brought them) and emits face-reader results on the terminal side; the stick is carried
//! back and forth until the Dynamics oracle has every answer. Every step is narrated in Japanese
//! and English to the writer it is given, and the run ends with the oracle's verdict. All data is
//! synthetic (試験 太郎 …).

use crate::engine::{self, Options, Outcome};
use crate::simulate::{Encoding, dynamics, renkei};
use crate::state::{Home, Installation, Role};
use crate::stick::Stick;
use crate::{Error, crypto, transfer};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How many requests simulated Dynamics writes.
const REQUESTS: u64 = 12;
/// Most round trips before the demo gives up.
const MAX_TRIPS: usize = 12;

/// What the demo established.
#[derive(Debug)]
pub struct Summary {
    /// Whether every check passed.
    pub ok: bool,
    /// The folder it ran in (removed unless kept).
    pub dir: PathBuf,
}

/// Runs the demo in a new folder under the system temp folder; removes it unless `keep`.
pub fn run(out: &mut dyn Write, keep: bool) -> Result<Summary, Error> {
    let tag: [u8; 4] = crypto::random()?;
    let dir = std::env::temp_dir().join(format!("oqs-courier-demo-{}", hex::encode(tag)));
    let result = run_in(&dir, out);
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.map(|ok| Summary { ok, dir })
}

fn say(out: &mut dyn Write, ja: &str, en: &str) {
    let _ = writeln!(out, "{ja}\n    ({en})");
}

fn io_err(path: &Path, source: std::io::Error) -> Error {
    crate::state::Error::Io {
        path: path.to_owned(),
        source,
    }
    .into()
}

fn setup(
    dir: &Path,
    name: &str,
    role: Role,
    label: &str,
) -> Result<(Installation, PathBuf), Error> {
    let oqs = dir.join(name).join("OQS");
    for sub in ["Req", "Res", "Face"] {
        let p = oqs.join(sub);
        std::fs::create_dir_all(&p).map_err(|e| io_err(&p, e))?;
    }
    let inst = Home::at(dir.join(name).join("state")).init(
        role,
        &oqs,
        &crate::label::Label::new(label)?,
    )?;
    Ok((inst, oqs))
}

fn options() -> Options {
    Options {
        quiet: Duration::from_millis(300),
        response_wait: Duration::from_secs(2),
        poll: Duration::from_millis(100),
        ..Options::default()
    }
}

/// The demo's front end: imports every row it is shown and counts them.
#[derive(Default)]
struct ImportAll {
    rows: usize,
    faces: usize,
    published: usize,
}

impl engine::Frontend for ImportAll {
    fn decide(&mut self, rows: &[engine::ImportRow]) -> engine::Decision {
        self.rows += rows.len();
        self.faces += rows
            .iter()
            .filter(|r| r.item.folder == crate::oqs::folders::Sub::Face)
            .count();
        engine::Decision::import(rows.iter().map(|r| r.item.id).collect())
    }

    fn progress(&mut self, event: engine::Progress) {
        if let engine::Progress::Published(n) = event {
            self.published += n;
        }
    }

    fn actor(&self) -> String {
        "demo".to_owned()
    }
}

fn clinic_trip(inst: &mut Installation, stick: &Path) -> Result<(Outcome, usize, usize), Error> {
    let mut f = ImportAll::default();
    let out = engine::run_step(inst, stick, options(), &mut f)?;
    Ok((out, f.rows, f.faces))
}

fn terminal_trip(inst: &mut Installation, stick: &Path) -> Result<(Outcome, usize), Error> {
    let mut f = ImportAll::default();
    let out = engine::run_step(inst, stick, options(), &mut f)?;
    Ok((out, f.published))
}

/// The demo in `dir`; returns whether all checks passed.
pub fn run_in(dir: &Path, out: &mut dyn Write) -> Result<bool, Error> {
    say(
        out,
        &format!("デモ用フォルダ: {}", dir.display()),
        "demo folder: two PCs and a stick folder, synthetic data only",
    );
    let (mut clinic, clinic_oqs) = setup(dir, "clinic", Role::Clinic, "受付PC（デモ）")?;
    let (mut terminal, terminal_oqs) =
        setup(dir, "terminal", Role::Terminal, "資格確認端末（デモ）")?;
    let stick_dir = dir.join("stick");
    std::fs::create_dir_all(&stick_dir).map_err(|e| io_err(&stick_dir, e))?;
    let stick = Stick::at(&stick_dir)?;

    transfer::pair_export(&clinic, &stick)?;
    let t = transfer::pair_import(&mut terminal, &stick)?;
    transfer::pair_export(&terminal, &stick)?;
    let c = transfer::pair_import(&mut clinic, &stick)?;
    let _ = std::fs::remove_dir_all(stick.pairing_dir());
    let marker = engine::enroll(
        &mut clinic,
        &stick_dir,
        &crate::label::Label::new("受付用1")?,
    )?;
    say(
        out,
        &format!(
            "1. 初期設定・ペアリング完了（確認コード 受付PC {} / 端末 {}）、USBメモリ「{}」を登録。",
            c.code, t.code, marker.label
        ),
        "1. set up both PCs, paired them (same comparison code) and enrolled the stick",
    );
    let mut ok = c.code == t.code;

    // The two simulated programs run beside the courier, as the real ones would.
    let stop = Arc::new(AtomicBool::new(false));
    let mut ro = renkei::Options::new(terminal_oqs.clone());
    ro.delay_min = Duration::from_millis(200);
    ro.delay_max = Duration::from_millis(3500);
    ro.face_every = Some(Duration::from_millis(2500));
    ro.seed = 42;
    let s = stop.clone();
    let renkei_thread = std::thread::spawn(move || renkei::run(&ro, &s, &mut std::io::sink()));
    let mut d = dynamics::Options::new(clinic_oqs.clone());
    d.requests = REQUESTS;
    d.over = Duration::from_secs(4);
    d.timeout = Duration::from_secs(50);
    d.drug_every = 4;
    d.encoding = Encoding::ShiftJis;
    let dyn_opts = d.clone();
    let dynamics_thread = std::thread::spawn(move || {
        dynamics::run(&dyn_opts, &AtomicBool::new(false), &mut std::io::sink())
    });
    say(
        out,
        &format!(
            "2. 模擬Dynamicsが資格確認の照会を {REQUESTS} 件書き、模擬連携アプリが応答と顔認証の結果を書きます。"
        ),
        "2. simulated Dynamics writes requests; the simulated 連携アプリ answers them and writes face results",
    );

    let mut trip = 0;
    let mut checked_leak = false;
    while !dynamics_thread.is_finished() && trip < MAX_TRIPS {
        trip += 1;
        // Walking between the two PCs.
        std::thread::sleep(Duration::from_millis(1200));
        let (co, shown, faces) = clinic_trip(&mut clinic, &stick_dir)?;
        if !checked_leak && co.sent > 0 {
            checked_leak = true;
            let leaked = stick_leaks(
                &stick_dir,
                &[
                    b"OQSsiquc01req".as_slice(),
                    b"XmlMsg",
                    b"MedicalInstitutionCode",
                ],
            )?;
            ok &= !leaked;
            say(
                out,
                if leaked {
                    "   警告: USBメモリに平文のファイル名か内容があります。"
                } else {
                    "   USBメモリ上にはファイル名も内容も平文では残っていません。"
                },
                "   searched the stick for names and contents in plain text",
            );
        }
        say(
            out,
            &format!(
                "往復 {trip} 受付PC: 結果 {shown} 件を取り込み（うち顔認証 {faces} 件）、照会 {} 件をUSBメモリへ。→ {}",
                co.sent,
                crate::text::REMOVABLE
            ),
            &format!(
                "trip {trip} clinic: imported {shown} results ({faces} face), sealed {} files for the terminal",
                co.sent
            ),
        );
        let (to, published) = terminal_trip(&mut terminal, &stick_dir)?;
        say(
            out,
            &format!(
                "往復 {trip} 端末: 照会 {published} 件を連携アプリへ、結果 {} 件をUSBメモリへ（応答待ち {} 件は次回）。",
                to.sent, to.awaiting
            ),
            &format!(
                "trip {trip} terminal: handed {published} requests over, sealed {} results; {} late answers go next time",
                to.sent, to.awaiting
            ),
        );
    }
    let report = dynamics_thread
        .join()
        .map_err(|_| crate::simulate::Error::State {
            path: dir.to_owned(),
        })??;
    stop.store(true, Ordering::Relaxed);
    let stats = renkei_thread
        .join()
        .map_err(|_| crate::simulate::Error::State {
            path: dir.to_owned(),
        })??;
    ok &= report.ok();

    // Carry what is left (the last face results), then let Dynamics read it.
    for _ in 0..2 {
        terminal_trip(&mut terminal, &stick_dir)?;
        clinic_trip(&mut clinic, &stick_dir)?;
    }
    d.resume = true;
    d.timeout = Duration::from_secs(5);
    let report = dynamics::run(&d, &AtomicBool::new(false), &mut std::io::sink())?;
    let faces_ok = report.faces == stats.faces.len() as u64;
    let stick_empty = stick.scan()?.manifests.is_empty();
    ok &= report.ok() && faces_ok && stick_empty;
    say(
        out,
        &format!(
            "3. 模擬Dynamicsの判定: 応答 {}/{}、重複 {}、想定外 {}、顔認証 {}/{}。USBメモリは{}。",
            report.answered,
            report.target,
            report.duplicates,
            report.unexpected.len(),
            report.faces,
            stats.faces.len(),
            if stick_empty {
                "空です"
            } else {
                "空ではありません"
            }
        ),
        &format!(
            "3. oracle: {report}; face results emitted {}; stick empty: {stick_empty}",
            stats.faces.len()
        ),
    );
    let log = clinic
        .journal
        .audit_rows(None)
        .map_err(crate::state::Error::from)?
        .len();
    say(
        out,
        &format!("4. 作業履歴: 受付PCに {log} 行（oqs-courier log --csv で出力できます）。"),
        "4. the audit log lists every file with its SHA-256",
    );
    say(
        out,
        if ok {
            "結果: すべて正常です。"
        } else {
            "結果: 問題が見つかりました。"
        },
        if ok {
            "verdict: all checks passed"
        } else {
            "verdict: a check FAILED"
        },
    );
    Ok(ok)
}

/// Whether any of `needles` appears in plain text anywhere under `stick`.
fn stick_leaks(stick: &Path, needles: &[&[u8]]) -> Result<bool, Error> {
    let mut stack = vec![stick.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| crate::stick::Error::io(&d, e))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && needles
                    .iter()
                    .any(|n| bytes.windows(n.len()).any(|w| w == *n))
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
