//! The two simulators talk to each other like the real programs (no courier in between).

use oqs_courier::oqs::{State, summarize};
use oqs_courier::simulate::{Encoding, dynamics, renkei};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn run_pair(encoding: Encoding, slow_writes: bool) {
    let dir = tempfile::tempdir().unwrap();
    let oqs = dir.path().join("OQS");
    std::fs::create_dir(&oqs).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut ro = renkei::Options::new(oqs.clone());
    ro.delay_min = Duration::from_millis(20);
    ro.delay_max = Duration::from_millis(150);
    ro.face_every = Some(Duration::from_millis(400));
    ro.encoding = encoding;
    let s = stop.clone();
    let sim = std::thread::spawn(move || renkei::run(&ro, &s, &mut std::io::sink()).unwrap());

    let mut d = dynamics::Options::new(oqs.clone());
    d.requests = 12;
    d.over = Duration::from_millis(1500);
    d.timeout = Duration::from_secs(30);
    d.drug_every = 4;
    d.slow_writes = slow_writes;
    d.encoding = encoding;
    let report = dynamics::run(&d, &AtomicBool::new(false), &mut std::io::sink()).unwrap();
    stop.store(true, Ordering::Relaxed);
    let stats = sim.join().unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.answered, 12);
    assert_eq!(stats.answered, 12);

    // Collect the face results written after Dynamics stopped, then check every one arrived once.
    d.resume = true;
    d.timeout = Duration::from_secs(5);
    let report = dynamics::run(&d, &AtomicBool::new(false), &mut std::io::sink()).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.faces, stats.faces.len() as u64, "{report}");
    assert_eq!(dynamics::check(&oqs).unwrap(), report);

    // Everything the simulated 連携アプリ wrote reads as a proper OQS summary.
    let mut xml_seen = 0;
    for e in std::fs::read_dir(oqs.join(".simdyn/trash")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_owned();
        let s = summarize(&name, &std::fs::read(&p).unwrap());
        assert!(s.kind.is_known(), "{name}");
        if name.ends_with(".xml") {
            assert_eq!(s.state, State::Ok, "{name}");
            assert_eq!(s.patients.len(), 1, "{name}");
            assert!(s.patients[0].name.is_some(), "{name}");
            xml_seen += 1;
        }
    }
    assert!(xml_seen >= 9);
}

#[test]
fn renkei_and_dynamics_agree_utf8() {
    run_pair(Encoding::Utf8, false);
}

#[test]
fn renkei_and_dynamics_agree_shift_jis_with_slow_writes() {
    run_pair(Encoding::ShiftJis, true);
}

#[test]
fn malformed_request_gets_an_err_file_named_like_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let oqs = dir.path().join("OQS");
    for s in ["Req", "Res", "Face"] {
        std::fs::create_dir_all(oqs.join(s)).unwrap();
    }
    std::fs::write(
        oqs.join("Req/OQSsiquc01req_202611270001.xml"),
        b"not xml at all",
    )
    .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut ro = renkei::Options::new(oqs.clone());
    ro.delay_min = Duration::ZERO;
    ro.delay_max = Duration::ZERO;
    ro.quiet = Duration::from_millis(50);
    ro.duration = Some(Duration::from_secs(2));
    let stats = renkei::run(&ro, &stop, &mut std::io::sink()).unwrap();
    assert_eq!(stats.errors, 1);
    assert!(oqs.join("Res/OQSsiquc01req_202611270001.err").is_file());
    assert!(oqs.join("Res/OQSsiquc01req_202611270001.xml").is_file());
    assert!(!oqs.join("Req/OQSsiquc01req_202611270001.xml").exists());
}

#[test]
fn bulk_phase_two_is_not_ready_on_first_ask() {
    let dir = tempfile::tempdir().unwrap();
    let oqs = dir.path().join("OQS");
    for s in ["Req", "Res", "Face"] {
        std::fs::create_dir_all(oqs.join(s)).unwrap();
    }
    let req2 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><XmlMsg><MessageHeader><MedicalInstitutionCode>1399999999</MedicalInstitutionCode></MessageHeader><MessageBody><ReceptionNumber>000000000001</ReceptionNumber></MessageBody></XmlMsg>";
    let mut ro = renkei::Options::new(oqs.clone());
    ro.delay_min = Duration::ZERO;
    ro.delay_max = Duration::ZERO;
    ro.quiet = Duration::from_millis(50);
    ro.duration = Some(Duration::from_millis(800));
    let stop = AtomicBool::new(false);
    let mut segments = Vec::new();
    for _ in 0..2 {
        std::fs::write(oqs.join("Req/OQSmuquc02req_202611270001.xml"), req2).unwrap();
        renkei::run(&ro, &stop, &mut std::io::sink()).unwrap();
        let res = std::fs::read_to_string(oqs.join("Res/OQSmuquc02res_202611270001.xml")).unwrap();
        std::fs::remove_file(oqs.join("Res/OQSmuquc02res_202611270001.xml")).unwrap();
        segments.push(res.contains("<SegmentOfResult>2</SegmentOfResult>"));
    }
    assert_eq!(
        segments,
        vec![true, false],
        "first ask: processing; second: done"
    );
}
