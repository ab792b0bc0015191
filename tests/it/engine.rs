//! The sync engine end to end: clinic and terminal steps against both simulators.

use super::util::{Pair, paired, tree};
use oqs_courier::engine::{self, Options, Outcome};
use oqs_courier::simulate::{Encoding, dynamics, renkei};
use oqs_courier::{ErrorKind, stick};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn opts() -> Options {
    Options {
        quiet: Duration::from_millis(150),
        response_wait: Duration::from_millis(1500),
        poll: Duration::from_millis(50),
        ..Options::default()
    }
}

fn clinic_trip(p: &mut Pair) -> Outcome {
    let root = p.stick.root().to_owned();
    super::util::step(&mut p.clinic, &root, opts()).unwrap()
}

fn terminal_trip(p: &mut Pair) -> Outcome {
    let root = p.stick.root().to_owned();
    super::util::step(&mut p.terminal, &root, opts()).unwrap()
}

fn enrolled() -> Pair {
    let mut p = paired();
    let root = p.stick.root().to_owned();
    engine::enroll(&mut p.clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    p
}

fn oqs(p: &Pair, who: &str) -> std::path::PathBuf {
    p.dir.path().join(who).join("OQS")
}

fn packages_on(stick: &Path) -> usize {
    let dir = stick.join("OQSCOURIER/packages");
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn round_trips_with_both_simulators_deliver_everything_exactly_once() {
    let mut p = enrolled();
    let stop = Arc::new(AtomicBool::new(false));
    let mut ro = renkei::Options::new(oqs(&p, "terminal"));
    ro.delay_min = Duration::from_millis(10);
    ro.delay_max = Duration::from_millis(400);
    ro.face_every = Some(Duration::from_millis(700));
    let s = stop.clone();
    let sim = std::thread::spawn(move || renkei::run(&ro, &s, &mut std::io::sink()).unwrap());

    let mut d = dynamics::Options::new(oqs(&p, "clinic"));
    d.requests = 30;
    d.over = Duration::from_secs(3);
    d.timeout = Duration::from_secs(120);
    d.drug_every = 5;
    d.encoding = Encoding::ShiftJis;
    let dyn_opts = d.clone();
    let oracle = std::thread::spawn(move || {
        dynamics::run(&dyn_opts, &AtomicBool::new(false), &mut std::io::sink()).unwrap()
    });

    let mut trips = 0;
    while !oracle.is_finished() && trips < 40 {
        clinic_trip(&mut p);
        terminal_trip(&mut p);
        trips += 1;
    }
    let report = oracle.join().unwrap();
    assert!(report.ok(), "after {trips} trips: {report}");

    // Stop the face reader, carry what is left, and let Dynamics read it.
    stop.store(true, Ordering::Relaxed);
    let stats = sim.join().unwrap();
    for _ in 0..3 {
        terminal_trip(&mut p);
        clinic_trip(&mut p);
    }
    d.resume = true;
    d.timeout = Duration::from_secs(5);
    let report = dynamics::run(&d, &AtomicBool::new(false), &mut std::io::sink()).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.answered, 30);
    assert_eq!(
        report.faces,
        stats.faces.len() as u64,
        "every face file exactly once: {report}"
    );
    assert_eq!(
        packages_on(p.stick.root()),
        0,
        "stick clean: {:?}",
        tree(p.stick.root())
    );

    // Both audit logs list every file with its hash.
    for inst in [&p.clinic, &p.terminal] {
        let rows = inst.journal.audit_rows(None).unwrap();
        assert!(
            rows.iter()
                .filter(|r| r.outcome == oqs_courier::journal::Outcome::Sealed)
                .all(|r| r.sha256.as_deref().is_some_and(|h| h.len() == 64))
        );
        assert!(
            rows.iter()
                .any(|r| r.outcome == oqs_courier::journal::Outcome::Published)
        );
    }
    let published_at_clinic = p
        .clinic
        .journal
        .audit_rows(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome == oqs_courier::journal::Outcome::Published)
        .count();
    assert_eq!(published_at_clinic as u64, 30 + stats.faces.len() as u64);
}

#[test]
fn replayed_stick_changes_nothing() {
    let mut p = enrolled();
    let req = oqs(&p, "clinic").join("Req");
    std::fs::write(
        req.join("OQSsiquc01req_202611270001.xml"),
        b"<XmlMsg>1</XmlMsg>",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let out = clinic_trip(&mut p);
    assert_eq!(out.sent, 1);
    let copy = p.dir.path().join("stick-copy");
    copy_dir(p.stick.root(), &copy);
    let t = terminal_trip(&mut p);
    assert_eq!(t.published, 1);
    // Dynamics-side request consumed by the (absent) 連携アプリ: remove it, then replay the old stick.
    std::fs::remove_file(oqs(&p, "terminal").join("Req/OQSsiquc01req_202611270001.xml")).unwrap();
    let root = p.stick.root().to_owned();
    std::fs::remove_dir_all(&root).unwrap();
    copy_dir(&copy, &root);
    let again = terminal_trip(&mut p);
    assert_eq!((again.files_received, again.published), (0, 0), "{again:?}");
    assert!(
        !oqs(&p, "terminal")
            .join("Req/OQSsiquc01req_202611270001.xml")
            .exists()
    );
}

#[test]
fn unenrolled_foreign_and_revoked_sticks_are_refused_and_untouched() {
    let mut p = paired();
    let root = p.stick.root().to_owned();
    let before = tree(&root);
    let e = engine::begin(&mut p.clinic, &root, opts()).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert!(e.message().contains("登録されていない"), "{}", e.message());
    assert_eq!(tree(&root), before);

    // A stick enrolled by another clinic's pair.
    let mut q = paired();
    let qroot = q.stick.root().to_owned();
    engine::enroll(&mut q.clinic, &qroot, &"他院".parse().unwrap()).unwrap();
    let e = engine::begin(&mut p.clinic, &qroot, opts()).err().unwrap();
    assert!(
        matches!(e, oqs_courier::Error::Stick(stick::Error::OtherPair { .. })),
        "{e}"
    );

    // Revoked here: refused.
    let m = engine::enroll(&mut p.clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    assert!(p.clinic.journal.revoke_stick(&m.stick_id).unwrap());
    let before = tree(&root);
    let e = engine::begin(&mut p.clinic, &root, opts()).err().unwrap();
    assert!(
        matches!(e, oqs_courier::Error::Stick(stick::Error::Revoked { .. })),
        "{e}"
    );
    assert_eq!(tree(&root), before);
    // The terminal did not revoke it: it still works there.
    assert!(engine::begin(&mut p.terminal, &root, opts()).is_ok());
}

#[test]
fn held_results_stay_until_imported_and_are_not_published_twice() {
    let mut p = enrolled();
    let res = oqs(&p, "terminal").join("Res");
    std::fs::write(
        res.join("OQSsiquc01res_202611270009.xml"),
        b"<XmlMsg>late answer</XmlMsg>",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    terminal_trip(&mut p);
    // Staff press 後で.
    let root = p.stick.root().to_owned();
    let mut s = engine::begin(&mut p.clinic, &root, opts()).unwrap();
    assert_eq!(s.import_rows().unwrap().len(), 1);
    s.import(&engine::Decision::later(), "試験 受付").unwrap();
    s.finish().unwrap();
    let target = oqs(&p, "clinic").join("Res/OQSsiquc01res_202611270009.xml");
    assert!(!target.exists());
    // Next insert: the held row is offered again and imported once.
    let out = clinic_trip(&mut p);
    assert_eq!(out.published, 1);
    assert!(target.exists());
    let out = clinic_trip(&mut p);
    assert_eq!(out.published, 0);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `status` and the home screen share one computation; "old unanswered" counts, at the clinic,
/// requests sent whose answer has not come back, and at the terminal, requests handed over and
/// not answered yet.
#[test]
fn status_counts_unanswered_requests_on_both_sides() {
    use super::world::{Act, World};
    let w = World::new();
    w.act(Act::Dynamics).unwrap();
    w.act(Act::Clinic).unwrap();
    let sent = engine::status(&w.load(true), 24).unwrap();
    assert!(sent.in_transit > 0, "{sent:?}");
    assert_eq!(sent.old_unanswered, 0, "nothing is a day old yet");
    // With a threshold of 0 hours every request sent counts until its answer arrives.
    let now = engine::status(&w.load(true), 0).unwrap();
    assert_eq!(now.old_unanswered, sent.in_transit, "{now:?}");
    w.act(Act::Terminal).unwrap();
    let term = engine::status(&w.load(false), 0).unwrap();
    assert!(
        term.awaiting > 0 && term.old_unanswered == term.awaiting,
        "{term:?}"
    );
    w.settle_and_check().unwrap();
    assert_eq!(engine::status(&w.load(true), 0).unwrap().old_unanswered, 0);
    assert_eq!(engine::status(&w.load(false), 0).unwrap().old_unanswered, 0);
}
