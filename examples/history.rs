//! Years of history for the benchmarks (issue 15, item 5; `scripts/bench.sh` part g). Not a
//! test and not shipped: synthetic data only.
//!
//! `history fill HOME [DAYS]` fills the journal of a set-up, paired installation (clinic or
//! terminal) with DAYS working days (default 1500: five years of 300 days) of a busy clinic —
//! per day 150 requests, 150 results, 30 face results and 10 PDFs, each collected, sealed,
//! received and published as the steps record them, one trip a day — through the journal API
//! (one transaction per day, as a step would write it), then dates every row back to its day.
//! Afterwards the installation's sequence numbers continue after the history, so real steps
//! run on it.
//!
//! `history page HOME` prints the milliseconds of the history screen's first page
//! (`audit_rows_newest` for today / 7 days / 30 days / everything, as the screen asks it) and
//! of the status refresh (`engine::status`), best of 5.

// A benchmark tool: a broken set-up is reported by a panic; figures go to stdout.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use oqs_courier::engine;
use oqs_courier::journal::{AuditRow, Dir, Flow, NewItem, Outcome, State};
use oqs_courier::oqs::{self, folders::Sub};
use oqs_courier::state::{Home, Role};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("fill") if args.len() >= 2 => {
            let days = args.get(2).and_then(|d| d.parse().ok()).unwrap_or(1500);
            fill(&args[1], days);
        }
        Some("page") if args.len() == 2 => page(&args[1]),
        _ => {
            eprintln!("usage: history fill HOME [DAYS] | history page HOME");
            std::process::exit(2);
        }
    }
}

const REQUESTS: usize = 150;
const RESULTS: usize = 150;
const FACES: usize = 30;
const PDFS: usize = 10;

fn fill(home: &str, days: u64) {
    let mut inst = Home::at(home).load().expect("a set-up installation");
    let role = inst.config.role;
    let peer = inst.peer_keys().expect("paired").fingerprint().to_string();
    let db = rusqlite::Connection::open(inst.home.path().join("journal.sqlite3")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    let today = chrono::Local::now().date_naive();
    let started = Instant::now();
    let mut last_trip = String::new();
    for d in 0..days {
        // Working days spread over the calendar: five years back for 1500 days.
        let back = (days - d) * 365 / 300;
        let day = today - chrono::Days::new(back);
        let stamp = day.format("%Y%m%d").to_string();
        let time = |minute: usize| {
            day.and_hms_opt(8 + (minute / 60 % 10) as u32, (minute % 60) as u32, 0)
                .unwrap()
                .and_local_timezone(chrono::Local)
                .earliest()
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
        };
        let seq = d + 1;
        let requests: Vec<String> = (0..REQUESTS)
            .map(|n| format!("OQSsiquc01req_{stamp}{n:06}.xml"))
            .collect();
        let mut answers: Vec<String> = (0..RESULTS)
            .map(|n| format!("OQSsiquc01res_{stamp}{n:06}.xml"))
            .collect();
        answers.extend(
            (0..FACES).map(|n| {
                format!("OQSsiquc01res_face_1399999999400{seq:010}{n:07}_{stamp}090000.xml")
            }),
        );
        answers.extend((0..PDFS).map(|n| format!("OQSsiquc01res_{stamp}{n:06}_drug.pdf")));
        // The clinic sends requests and receives answers; the terminal the other way round.
        let (outgoing, incoming, in_folder) = match role {
            Role::Clinic => (&requests, &answers, Sub::Res),
            Role::Terminal => (&answers, &requests, Sub::Req),
        };
        let sha = |name: &str| format!("{:064x}", fxhash(name));
        let pkg = format!("{:032x}", fxhash(&format!("{role:?}{seq}")));
        let peer_pkg = format!("{:032x}", fxhash(&format!("peer{seq}")));
        let first_item: i64 = db
            .query_row("SELECT COALESCE(MAX(id), 0) FROM item", [], |r| r.get(0))
            .unwrap();
        let first_audit: i64 = db
            .query_row("SELECT COALESCE(MAX(id), 0) FROM audit", [], |r| r.get(0))
            .unwrap();
        inst.journal
            .transaction(|tx| {
                let mut ids = Vec::new();
                for (n, name) in outgoing.iter().enumerate() {
                    let kind = oqs::classify(name).label();
                    let sha = sha(name);
                    let folder = match role {
                        Role::Clinic => Sub::Req,
                        Role::Terminal if name.contains("_face_") => Sub::Face,
                        Role::Terminal => Sub::Res,
                    };
                    let id = tx.add_item(&NewItem {
                        dir: Dir::Out,
                        name,
                        folder,
                        kind: &kind,
                        size: 2048,
                        sha256: &sha,
                        state: State::Queued,
                        seq: None,
                        incomplete: false,
                    })?;
                    ids.push(id);
                    if role == Role::Terminal {
                        tx.add_collected(folder, name, &sha)?;
                    }
                    for outcome in [Outcome::Collected, Outcome::Sealed] {
                        tx.audit(&row(
                            Flow::Out,
                            outcome,
                            name,
                            &kind,
                            &sha,
                            &pkg,
                            seq,
                            time(n),
                        ))?;
                    }
                }
                tx.record_sent(seq, &pkg, &peer, Some("stick-1"), &ids)?;
                for id in &ids {
                    tx.set_state(*id, State::Acked)?;
                }
                for (n, name) in incoming.iter().enumerate() {
                    let kind = oqs::classify(name).label();
                    let sha = sha(name);
                    let folder = if name.contains("_face_") {
                        Sub::Face
                    } else {
                        in_folder
                    };
                    tx.add_item(&NewItem {
                        dir: Dir::In,
                        name,
                        folder,
                        kind: &kind,
                        size: 2048,
                        sha256: &sha,
                        state: State::Published,
                        seq: Some(seq),
                        incomplete: false,
                    })?;
                    for outcome in [Outcome::Received, Outcome::Published] {
                        let t = time(n + 300);
                        tx.audit(&row(
                            Flow::In,
                            outcome,
                            name,
                            &kind,
                            &sha,
                            &peer_pkg,
                            seq,
                            t,
                        ))?;
                    }
                }
                // The peer's package of the day, acknowledging ours.
                tx.record_applied(&peer, seq, &peer_pkg, Some("stick-1"), &[[1, seq]])
            })
            .expect("a day of history");
        let (t_item, t_audit) = (time(0), time(0));
        last_trip = time(599);
        db.execute(
            "UPDATE item SET added=?1, changed=?1 WHERE id > ?2",
            rusqlite::params![t_item, first_item],
        )
        .unwrap();
        db.execute(
            "UPDATE sent SET time=?1 WHERE seq=?2",
            rusqlite::params![t_audit, seq],
        )
        .unwrap();
        db.execute(
            "UPDATE applied SET time=?1 WHERE seq=?2",
            rusqlite::params![t_audit, seq],
        )
        .unwrap();
        let _ = first_audit;
        if d % 100 == 99 {
            eprintln!("history: {} days in {:.0?}", d + 1, started.elapsed());
        }
    }
    // The installation's own numbers continue after the history, and its last trip was the
    // last day's (every step records it; what a step reports as problems "since the previous
    // trip" reads from there).
    inst.journal
        .set_meta("next_seq", &(days + 1).to_string())
        .unwrap();
    if !last_trip.is_empty() {
        inst.journal.set_meta("last_trip", &last_trip).unwrap();
    }
    let count = |t: &str| -> i64 {
        db.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    let size = std::fs::metadata(inst.home.path().join("journal.sqlite3"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "history: {days} days, {} items, {} audit rows, {} packages sent, journal {} MB, in {:.1} s",
        count("item"),
        count("audit"),
        count("sent"),
        size / 1_000_000,
        started.elapsed().as_secs_f64()
    );
}

#[allow(clippy::too_many_arguments)]
fn row(
    dir: Flow,
    outcome: Outcome,
    name: &str,
    kind: &str,
    sha: &str,
    pkg: &str,
    seq: u64,
    time: String,
) -> AuditRow {
    AuditRow {
        time,
        stick: Some("stick-1".into()),
        package_id: Some(pkg.into()),
        seq: Some(seq),
        file: Some(name.into()),
        size: Some(2048),
        sha256: Some(sha.into()),
        kind: Some(kind.into()),
        actor: Some("bench".into()),
        ..AuditRow::new(dir, outcome)
    }
}

/// A cheap, stable 128-bit mix of a name (synthetic content hashes and package ids).
fn fxhash(s: &str) -> u128 {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in s.bytes() {
        h = (h ^ u128::from(b)).wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    h
}

fn page(home: &str) {
    let inst = Home::at(home).load().expect("a set-up installation");
    let outcomes = [Outcome::Published, Outcome::Held, Outcome::Refused];
    let now = chrono::Local::now();
    let best = |f: &mut dyn FnMut() -> usize| {
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..5 {
            let t = Instant::now();
            n = f();
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        }
        (best, n)
    };
    for (label, days) in [
        ("today", Some(0)),
        ("7 days", Some(6)),
        ("30 days", Some(29)),
        ("all", None),
    ] {
        let since = days.map(|d: u64| {
            (now.date_naive() - chrono::Days::new(d))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_local_timezone(chrono::Local)
                .earliest()
                .unwrap()
                .to_rfc3339()
        });
        let (ms, n) = best(&mut || {
            inst.journal
                .audit_rows_newest(since.as_deref(), &outcomes, 500)
                .unwrap()
                .len()
        });
        println!("page {label}: {ms:.2} ms ({n} rows)");
    }
    let (ms, _) = best(&mut || {
        engine::status(&inst, engine::OLD_UNANSWERED_HOURS)
            .unwrap()
            .old_unanswered
    });
    println!("page status: {ms:.2} ms");
}
