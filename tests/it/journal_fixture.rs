//! The frozen `journal-v1` fixture: the journal of a clinic installation written by this
//! release (schema 2) after real trips — items in every common state, audit rows of every
//! common outcome, the applied ledger, acknowledgements, a stick. Every later version must open
//! it (migrating it if its schema moved on) and read the same facts, listed in `expected.json`.

use super::world::{A_FEW_TRIPS, World};
use oqs_courier::journal::{Dir, Journal, Outcome, State};
use std::collections::BTreeMap;
use std::path::Path;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/journal-v1");

/// What a journal says, as counts that any later version must still read.
fn facts(j: &Journal) -> serde_json::Value {
    let mut states = BTreeMap::new();
    for dir in Dir::ALL {
        for state in State::ALL {
            let n = j.count_items(*dir, &[*state]).unwrap();
            if n > 0 {
                states.insert(format!("{dir}/{state}"), n);
            }
        }
    }
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    for r in j.audit_rows(None).unwrap() {
        *outcomes
            .entry(format!("{}/{}", r.direction, r.outcome))
            .or_default() += 1;
    }
    let peer = j
        .sticks()
        .unwrap()
        .first()
        .map(|s| s.label.clone())
        .unwrap_or_default();
    serde_json::json!({
        "items": states,
        "audit": outcomes,
        "stick": peer,
        "last_trip_recorded": j.get_meta("last_trip").unwrap().is_some(),
    })
}

#[test]
fn frozen_journal_v1_opens_and_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("journal.sqlite3");
    std::fs::copy(Path::new(FIXTURE).join("journal.sqlite3"), &copy).unwrap();
    let j = Journal::open(&copy).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(FIXTURE).join("expected.json")).unwrap())
            .unwrap();
    assert_eq!(facts(&j), expected);
    // Rich enough to mean something.
    assert!(j.count_items(Dir::Out, &[State::Acked]).unwrap() > 0);
    assert!(j.count_items(Dir::In, &[State::Published]).unwrap() > 0);
    assert!(
        j.audit_rows(None)
            .unwrap()
            .iter()
            .any(|r| r.outcome == Outcome::Sealed)
    );
    // And it still takes writes after opening.
    j.set_meta("fixture-test", "ok").unwrap();
}

/// Writes a journal like the fixture into a temporary folder and checks that it holds the same
/// kinds of facts (so the generator stays right; counts of face files vary with timing). Only
/// with `OQS_COURIER_WRITE_FIXTURE=1` does it overwrite the committed fixture — only when the
/// journal's schema is meant to be frozen anew:
/// `OQS_COURIER_WRITE_FIXTURE=1 cargo test --test it regenerate_journal_v1_fixture`
#[test]
fn regenerate_journal_v1_fixture() {
    let scratch = tempfile::tempdir().unwrap();
    let write = std::env::var_os("OQS_COURIER_WRITE_FIXTURE").is_some_and(|v| v == "1");
    let out = if write {
        Path::new(FIXTURE).to_owned()
    } else {
        scratch.path().to_owned()
    };
    let w = World::new();
    w.play(A_FEW_TRIPS);
    let src = w.home(true).join("journal.sqlite3");
    // Fold the write-ahead log into the file.
    Journal::open(&src).unwrap().checkpoint().unwrap();
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(&src, out.join("journal.sqlite3")).unwrap();
    let fresh = facts(&Journal::open(&out.join("journal.sqlite3")).unwrap());
    let frozen: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(FIXTURE).join("expected.json")).unwrap())
            .unwrap();
    let keys = |v: &serde_json::Value, field: &str| -> Vec<String> {
        v[field]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    for field in ["items", "audit"] {
        assert_eq!(keys(&fresh, field), keys(&frozen, field), "{field}");
    }
    if write {
        let mut json = serde_json::to_string_pretty(&fresh).unwrap();
        json.push('\n');
        std::fs::write(out.join("expected.json"), json).unwrap();
    }
}
