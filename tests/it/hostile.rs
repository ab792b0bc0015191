//! Hostile sticks: crafted packages and stick layouts. Each is refused with its own error (a
//! Japanese message and next step for staff), or — where the spec says so — ignored; never a
//! panic, never a file in the OQS folders or a destination, always within a bounded time.

use super::craft::craft;
use super::util::{Pair, paired, tree};
use oqs_courier::crypto::{self, Identity, PublicKeys};
use oqs_courier::engine::{self, Options};
use oqs_courier::package::{self, FileEntry, HEADER_LEN, Header, Meta, VERSION};
use oqs_courier::stick::{self, Marker};
use oqs_courier::{Error, ErrorKind, filename, pairing, transfer};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long any refusal may take (generous: debug builds, shared CI machines, Wine).
const BOUND: Duration = Duration::from_secs(10);

fn opts() -> Options {
    Options {
        quiet: Duration::from_millis(50),
        response_wait: Duration::from_millis(100),
        poll: Duration::from_millis(20),
        ..Options::default()
    }
}

fn japanese(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

fn oqs(p: &Pair, who: &str) -> PathBuf {
    p.dir.path().join(who).join("OQS")
}

/// A pair with the stick enrolled (by the clinic).
fn enrolled() -> Pair {
    let mut p = paired();
    let root = p.stick.root().to_owned();
    engine::enroll(&mut p.clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    p
}

/// Runs the terminal's step and then `open` on the stick; both must refuse, with Japanese text,
/// changing nothing in the OQS folders, the destination, the stick or the applied ledger, in
/// bounded time. Returns the engine's error for the caller to check its variant.
fn refused(p: &mut Pair, what: &str) -> Error {
    let e = refused_step(p, what);
    // `open` (the tool path) refuses the same way and writes nothing into its destination.
    let dest = p.path("dest");
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir(&dest).unwrap();
    let e2 = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap_err();
    assert_eq!(e2.kind(), ErrorKind::Refused, "{what}: open: {e2}");
    assert!(
        tree(&dest).is_empty(),
        "{what}: open wrote {:?}",
        tree(&dest)
    );
    e
}

/// The terminal's step refuses the stick (marker problems: `open` does not look at markers).
fn refused_step(p: &mut Pair, what: &str) -> Error {
    let clinic_fp = p.clinic.fingerprint().to_string();
    let ledger = p.terminal.journal.applied_ranges(&clinic_fp).unwrap();
    let oqs_before = (tree(&oqs(p, "terminal")), tree(&oqs(p, "clinic")));
    let stick_before = tree(p.stick.root());
    let root = p.stick.root().to_owned();
    let start = Instant::now();
    let e = match engine::begin(&mut p.terminal, &root, opts()) {
        Ok(_) => panic!("{what}: the step accepted the stick"),
        Err(e) => e,
    };
    let took = start.elapsed();
    assert!(took < BOUND, "{what}: took {took:?}");
    assert_eq!(e.kind(), ErrorKind::Refused, "{what}: {e}");
    assert!(japanese(e.message()), "{what}: message {:?}", e.message());
    assert!(japanese(e.hint()), "{what}: hint {:?}", e.hint());
    assert_eq!(
        (tree(&oqs(p, "terminal")), tree(&oqs(p, "clinic"))),
        oqs_before,
        "{what}: the OQS folders changed"
    );
    assert_eq!(
        tree(p.stick.root()),
        stick_before,
        "{what}: the stick changed"
    );
    assert_eq!(
        p.terminal.journal.applied_ranges(&clinic_fp).unwrap(),
        ledger,
        "{what}: the ledger changed"
    );
    e
}

/// Like `craft`, with a hook to change the metadata and the header before sealing, and the data
/// file's bytes replaceable: what a hostile sender with the right keys could write.
fn craft_with(
    sender: &Identity,
    recipient: &PublicKeys,
    dir: &Path,
    files: &[(&str, &[u8])],
    edit: impl FnOnce(&mut Meta, &mut Header),
) -> (PathBuf, PathBuf) {
    let id: [u8; 16] = crypto::random().unwrap();
    let (eph, keys) = crypto::sender_package_keys(recipient, &id).unwrap();
    let plain: Vec<u8> = files.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let mut data = Vec::new();
    let chunks: Vec<&[u8]> = if plain.is_empty() {
        vec![&[][..]]
    } else {
        plain.chunks(package::CHUNK_SIZE).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        let mut buf = c.to_vec();
        crypto::seal_chunk(&keys.data, i as u64, i + 1 == chunks.len(), &id, &mut buf).unwrap();
        data.extend_from_slice(&buf);
    }
    let mut meta = Meta {
        seq: 1,
        created: "2026-11-27T09:00:00+09:00".into(),
        sender_role: "clinic".into(),
        acks: vec![],
        files: files
            .iter()
            .map(|(n, b)| FileEntry {
                name: (*n).to_owned(),
                size: b.len() as u64,
                sha256: hex::encode(crypto::sha256(b)),
                mtime: None,
                kind: "file".into(),
                incomplete: false,
            })
            .collect(),
        health: None,
        terminal_settings: None,
        update: None,
    };
    let mut header = Header {
        version: VERSION,
        package_id: id,
        sender: sender.public().fingerprint(),
        recipient: recipient.fingerprint(),
        ephemeral_pk: eph,
        data_len: data.len() as u64,
        meta_len: 0,
    };
    edit(&mut meta, &mut header);
    let mut sealed = serde_json::to_vec(&meta).unwrap();
    header.meta_len = (sealed.len() + 16) as u32;
    let head = header.encode();
    assert_eq!(head.len(), HEADER_LEN);
    crypto::seal_chunk(&keys.meta, 0, true, &head, &mut sealed).unwrap();
    let mut manifest = head.to_vec();
    manifest.extend_from_slice(&sealed);
    let sig = sender.sign(&package::signed_message(&manifest));
    manifest.extend_from_slice(&sig);
    std::fs::create_dir_all(dir).unwrap();
    let m = dir.join(format!("{}.oqm", hex::encode(id)));
    let d = dir.join(format!("{}.oqd", hex::encode(id)));
    std::fs::write(&d, data).unwrap();
    std::fs::write(&m, manifest).unwrap();
    (m, d)
}

const REQ: &str = "OQSsiquc01req_202611270001.xml";

// ---------------------------------------------------------------- keys

#[test]
fn package_signed_by_a_stranger_is_refused_as_unpaired() {
    let mut p = enrolled();
    let stranger = Identity::generate().unwrap();
    let to = p.terminal.identity.public();
    craft(&stranger, &to, &p.stick.packages_dir(), 1, &[(REQ, b"x")]);
    let e = refused(&mut p, "stranger");
    assert!(
        matches!(e, Error::Package(package::Error::UnknownSender { .. })),
        "{e}"
    );
}

#[test]
fn package_for_another_installation_is_refused_as_not_for_us() {
    let mut p = enrolled();
    let other = Identity::generate().unwrap();
    craft(
        &p.clinic.identity,
        &other.public(),
        &p.stick.packages_dir(),
        1,
        &[(REQ, b"x")],
    );
    let e = refused(&mut p, "for another PC");
    assert!(
        matches!(e, Error::Package(package::Error::NotForUs { .. })),
        "{e}"
    );
}

#[test]
fn package_claiming_the_peer_but_signed_with_another_key_is_refused_as_bad_signature() {
    let mut p = enrolled();
    let stranger = Identity::generate().unwrap();
    let clinic_fp = p.clinic.fingerprint();
    let to = p.terminal.identity.public();
    craft_with(
        &stranger,
        &to,
        &p.stick.packages_dir(),
        &[(REQ, b"x")],
        |_, h| h.sender = clinic_fp,
    );
    let e = refused(&mut p, "forged sender");
    assert!(
        matches!(e, Error::Package(package::Error::BadSignature { .. })),
        "{e}"
    );
}

// ---------------------------------------------------------------- versions and sequence numbers

#[test]
fn future_format_version_is_refused_with_an_update_hint() {
    let mut p = enrolled();
    let to = p.terminal.identity.public();
    craft_with(
        &p.clinic.identity,
        &to,
        &p.stick.packages_dir(),
        &[(REQ, b"x")],
        |_, h| h.version = VERSION + 1,
    );
    let e = refused(&mut p, "version 2");
    assert!(
        matches!(
            e,
            Error::Package(package::Error::FutureVersion { version, .. }) if version == VERSION + 1
        ),
        "{e}"
    );
    assert!(e.message().contains("新しい"), "{}", e.message());
}

#[test]
fn old_sequence_number_is_a_silent_no_op() {
    let mut p = enrolled();
    let dir = p.stick.packages_dir();
    let to = p.terminal.identity.public();
    craft(
        &p.clinic.identity,
        &to,
        &dir,
        3,
        &[(REQ, b"<XmlMsg>1</XmlMsg>")],
    );
    let saved = super::util::files_in(&dir);
    let root = p.stick.root().to_owned();
    let mut s = engine::begin(&mut p.terminal, &root, opts()).unwrap();
    assert_eq!(s.publish_requests().unwrap(), 1);
    s.finish().unwrap();
    let req = oqs(&p, "terminal").join("Req");
    std::fs::remove_file(req.join(REQ)).unwrap(); // the 連携アプリ took it
    // A replay: the package with the already applied number 3 again, from an old copy of the
    // stick. (Another package under number 3 is refused: tests/it/spec.rs, H.)
    super::util::put_back(&saved);
    let mut s = engine::begin(&mut p.terminal, &root, opts()).unwrap();
    assert_eq!(s.outcome.files_received, 0);
    assert_eq!(s.publish_requests().unwrap(), 0);
    s.finish().unwrap();
    assert!(tree(&req).is_empty(), "{:?}", tree(&req));
}

// ---------------------------------------------------------------- sizes and counts

#[test]
fn declared_four_gib_file_with_tiny_data_is_refused_without_allocating() {
    let mut p = enrolled();
    let to = p.terminal.identity.public();
    craft_with(
        &p.clinic.identity,
        &to,
        &p.stick.packages_dir(),
        &[(REQ, b"tiny")],
        |m, _| m.files[0].size = 4 * 1024 * 1024 * 1024,
    );
    let e = refused(&mut p, "4 GiB declared");
    assert!(
        matches!(e, Error::Package(package::Error::Malformed { why, .. }) if why.contains("exceed")),
        "{e}"
    );
}

#[test]
fn declared_one_gib_file_with_consistent_header_but_tiny_data_is_refused_by_length() {
    let mut p = enrolled();
    let to = p.terminal.identity.public();
    let gib = 1024 * 1024 * 1024;
    craft_with(
        &p.clinic.identity,
        &to,
        &p.stick.packages_dir(),
        &[(REQ, b"tiny")],
        |m, h| {
            m.files[0].size = gib;
            h.data_len = package::data_len_for(gib);
        },
    );
    let e = refused(&mut p, "1 GiB declared, 20 bytes present");
    assert!(
        matches!(e, Error::Package(package::Error::DataLength { expected, actual, .. })
            if expected > gib && actual < 100),
        "{e}"
    );
}

#[test]
fn more_files_than_the_format_allows_are_refused() {
    let mut p = enrolled();
    let to = p.terminal.identity.public();
    let names: Vec<String> = (0..=package::MAX_FILES).map(|i| format!("f{i}")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let start = Instant::now();
    craft(&p.clinic.identity, &to, &p.stick.packages_dir(), 1, &files);
    eprintln!("crafted {} files in {:?}", files.len(), start.elapsed());
    let e = refused(&mut p, "100,001 files");
    assert!(
        matches!(e, Error::Package(package::Error::Malformed { why, .. }) if why.contains("too many")),
        "{e}"
    );
}

#[test]
fn ten_thousand_tiny_files_verify_in_a_few_seconds() {
    let p = enrolled();
    let names: Vec<String> = (0..10_000)
        .map(|i| format!("OQSsiquc01req_2026112700{i:05}.xml"))
        .collect();
    let bodies: Vec<Vec<u8>> = (0..10_000)
        .map(|i| format!("<XmlMsg>{i}</XmlMsg>").into_bytes())
        .collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .zip(&bodies)
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let to = p.terminal.identity.public();
    craft(&p.clinic.identity, &to, &p.stick.packages_dir(), 1, &files);
    let start = Instant::now();
    let inspection = transfer::inspect(&p.terminal, &p.stick).unwrap();
    let took = start.elapsed();
    eprintln!("verified 10,000 files in one package in {took:?}");
    assert_eq!(inspection.packages[0].files.len(), 10_000);
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// 100,001 entries in the packages folder: refused as too many, quickly. (Unix only: creating
/// the entries under Wine takes minutes; the code path is the same `read_dir`.)
#[cfg(unix)]
#[test]
fn stick_folder_with_more_than_100000_entries_is_refused() {
    let mut p = enrolled();
    let dir = p.stick.packages_dir();
    let start = Instant::now();
    for i in 0..=stick::MAX_ENTRIES {
        std::fs::File::create(dir.join(format!("{i}.junk"))).unwrap();
    }
    eprintln!(
        "created {} entries in {:?}",
        stick::MAX_ENTRIES + 1,
        start.elapsed()
    );
    // `refused` compares whole trees; here that alone would take long, so check directly.
    let root = p.stick.root().to_owned();
    let req = oqs(&p, "terminal").join("Req");
    let start = Instant::now();
    let e = engine::begin(&mut p.terminal, &root, opts()).err().unwrap();
    let took = start.elapsed();
    eprintln!("refused a folder of 100,001 entries in {took:?}");
    assert!(took < BOUND, "{took:?}");
    assert!(
        matches!(e, Error::Stick(stick::Error::TooManyEntries { .. })),
        "{e}"
    );
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert!(japanese(e.message()) && japanese(e.hint()));
    assert!(tree(&req).is_empty());
}

// ---------------------------------------------------------------- names

#[test]
fn reserved_long_and_case_duplicate_names_are_refused_each_with_its_reason() {
    let long = format!("OQSsiquc01req_{}.xml", "9".repeat(250));
    type Case<'a> = (&'a str, Vec<&'a str>, fn(&filename::Error) -> bool);
    let cases: [Case<'_>; 6] = [
        ("reserved", vec!["CON.xml"], |e| {
            matches!(e, filename::Error::Reserved(_))
        }),
        ("reserved com", vec!["com1"], |e| {
            matches!(e, filename::Error::Reserved(_))
        }),
        ("long", vec![long.as_str()], |e| {
            matches!(e, filename::Error::TooLong(_))
        }),
        ("case", vec![REQ, "oqssiquc01req_202611270001.XML"], |e| {
            matches!(e, filename::Error::Duplicate(_))
        }),
        ("stream", vec!["a.xml:Zone.Identifier"], |e| {
            matches!(e, filename::Error::Path(_))
        }),
        ("trailing dot", vec!["a.xml."], |e| {
            matches!(e, filename::Error::TrailingDotOrSpace(_))
        }),
    ];
    for (what, names, want) in cases {
        let mut p = enrolled();
        let to = p.terminal.identity.public();
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (*n, &b"payload"[..])).collect();
        craft(&p.clinic.identity, &to, &p.stick.packages_dir(), 1, &files);
        let e = refused(&mut p, what);
        match &e {
            Error::Package(package::Error::UnsafeName { source, .. }) if want(source) => {}
            other => panic!("{what}: {other}"),
        }
    }
}

// ---------------------------------------------------------------- stick layout

#[test]
fn deep_directories_under_the_courier_folder_are_ignored() {
    let mut p = enrolled();
    let mut deep = p.stick.packages_dir();
    for _ in 0..64 {
        deep = deep.join("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir_all(p.stick.packages_dir().join("0123.oqm")).unwrap();
    std::fs::write(deep.join("x.oqm"), b"not looked at").unwrap();
    let root = p.stick.root().to_owned();
    let start = Instant::now();
    let mut s = engine::begin(&mut p.terminal, &root, opts()).unwrap();
    assert_eq!(s.publish_requests().unwrap(), 0);
    s.finish().unwrap();
    assert!(start.elapsed() < BOUND);
    assert!(deep.join("x.oqm").exists(), "nothing foreign is removed");
    assert!(tree(&oqs(&p, "terminal").join("Req")).is_empty());
}

#[cfg(unix)]
#[test]
fn symlinked_manifest_is_not_followed() {
    let mut p = enrolled();
    let to = p.terminal.identity.public();
    let elsewhere = p.path("elsewhere");
    let (m, d) = craft_with(
        &p.clinic.identity,
        &to,
        &elsewhere,
        &[(REQ, b"x")],
        |_, _| {},
    );
    let dir = p.stick.packages_dir();
    std::os::unix::fs::symlink(&m, dir.join(m.file_name().unwrap())).unwrap();
    std::fs::copy(&d, dir.join(d.file_name().unwrap())).unwrap();
    // The symlink is no manifest: the data file is an incomplete package.
    let e = refused(&mut p, "symlinked manifest");
    assert!(
        matches!(
            e,
            Error::Transfer(transfer::TransferError::Incomplete { .. })
        ),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn symlinked_marker_pointing_outside_is_refused() {
    let mut p = enrolled();
    let real = p.stick.marker_path();
    let outside = p.path("marker-outside.json");
    std::fs::rename(&real, &outside).unwrap();
    std::os::unix::fs::symlink(&outside, &real).unwrap();
    let root = p.stick.root().to_owned();
    let r = engine::begin(&mut p.terminal, &root, opts());
    // Documented behaviour today: the marker is read through the link (a FAT stick cannot hold
    // links; NTFS sticks could). It carries the same signed content, so this grants nothing.
    assert!(r.is_ok() || r.is_err_and(|e| e.kind() == ErrorKind::Refused));
}

/// A FIFO (or a symlink to one) in place of a package's data file: the reader must not block.
#[cfg(unix)]
#[test]
fn fifo_in_place_of_a_data_file_does_not_hang_the_step() {
    let p = enrolled();
    let to = p.terminal.identity.public();
    let (_, d) = craft_with(
        &p.clinic.identity,
        &to,
        &p.stick.packages_dir(),
        &[(REQ, b"x")],
        |_, _| {},
    );
    std::fs::remove_file(&d).unwrap();
    mkfifo(&d);
    let root = p.stick.root().to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut terminal = p.terminal;
    std::thread::spawn(move || {
        let r = engine::begin(&mut terminal, &root, opts()).map(|_| ());
        let _ = tx.send(r.map_err(|e| e.to_string()));
    });
    let r = rx.recv_timeout(BOUND);
    if r.is_err() {
        // Unblock the reader so the thread can end, then fail.
        let _ = std::fs::OpenOptions::new().write(true).open(&d);
    }
    let r = r.expect("the step blocked on a FIFO in place of the data file");
    assert!(r.is_err(), "a FIFO is not a package's data file");
}

/// A FIFO in place of the stick marker: reading it must not block the step.
#[cfg(unix)]
#[test]
fn fifo_in_place_of_the_marker_does_not_hang_the_step() {
    let p = enrolled();
    let marker = p.stick.marker_path();
    std::fs::remove_file(&marker).unwrap();
    mkfifo(&marker);
    let root = p.stick.root().to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    let mut terminal = p.terminal;
    std::thread::spawn(move || {
        let r = engine::begin(&mut terminal, &root, opts()).map(|_| ());
        let _ = tx.send(r.map_err(|e| e.to_string()));
    });
    let r = rx.recv_timeout(BOUND);
    if r.is_err() {
        let _ = std::fs::OpenOptions::new().write(true).open(&marker);
    }
    let r = r.expect("begin() blocked on a FIFO in place of stick.json");
    assert!(r.is_err());
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

// ---------------------------------------------------------------- markers

#[test]
fn marker_copied_from_another_pairs_stick_is_refused_as_other_pair() {
    let mut p = paired();
    let mut q = paired();
    let qroot = q.stick.root().to_owned();
    engine::enroll(&mut q.clinic, &qroot, &"他院".parse().unwrap()).unwrap();
    std::fs::create_dir_all(p.stick.root().join(stick::ROOT_DIR)).unwrap();
    std::fs::copy(q.stick.marker_path(), p.stick.marker_path()).unwrap();
    let e = refused_step(&mut p, "marker of another pair");
    assert!(
        matches!(e, Error::Stick(stick::Error::OtherPair { .. })),
        "{e}"
    );
    assert!(japanese(e.message()));
}

#[test]
fn marker_signed_by_our_clinic_for_another_pair_id_is_refused_as_other_pair() {
    let mut p = paired();
    // A valid signature by our own clinic key, but over another clinic's pair id.
    let other_pair = "f".repeat(32);
    let m = Marker::new(&p.clinic.identity, &other_pair, &"受付用1".parse().unwrap()).unwrap();
    p.stick.write_marker(&m).unwrap();
    let e = refused_step(&mut p, "our signature, other pair");
    assert!(
        matches!(e, Error::Stick(stick::Error::OtherPair { ref pair, .. }) if *pair == other_pair),
        "{e}"
    );
}

#[test]
fn marker_for_our_pair_signed_by_a_stranger_is_refused_as_bad_marker() {
    let mut p = enrolled();
    let good = p.stick.read_marker().unwrap().unwrap();
    let stranger = Identity::generate().unwrap();
    let m = Marker::new(&stranger, &good.pair, &"受付用1".parse().unwrap()).unwrap();
    p.stick.write_marker(&m).unwrap();
    let e = refused_step(&mut p, "stranger's marker");
    assert!(
        matches!(e, Error::Stick(stick::Error::BadMarker { why, .. }) if why.contains("unknown")),
        "{e}"
    );
    // Claiming our clinic as signer does not help.
    let mut forged = m.clone();
    forged.signer = good.signer.clone();
    p.stick.write_marker(&forged).unwrap();
    let e = refused_step(&mut p, "forged signer");
    assert!(
        matches!(e, Error::Stick(stick::Error::BadMarker { why, .. }) if why.contains("verify")),
        "{e}"
    );
}

#[test]
fn truncated_and_oversized_markers_are_refused_as_bad_marker() {
    let mut p = enrolled();
    let path = p.stick.marker_path();
    let good = std::fs::read(&path).unwrap();
    for len in [0, 1, good.len() / 2, good.len() - 2] {
        std::fs::write(&path, &good[..len]).unwrap();
        let e = refused_step(&mut p, &format!("marker cut to {len} bytes"));
        assert!(
            matches!(e, Error::Stick(stick::Error::BadMarker { .. })),
            "{len}: {e}"
        );
    }
    let mut big = good.clone();
    big.resize(stick::MAX_MARKER_LEN as usize + 10, b' ');
    std::fs::write(&path, &big).unwrap();
    let e = refused_step(&mut p, "oversized marker");
    assert!(
        matches!(e, Error::Stick(stick::Error::BadMarker { why, .. }) if why.contains("large")),
        "{e}"
    );
}

#[test]
fn marker_copied_from_another_enrolled_stick_of_the_same_pair_is_accepted_and_revoked_with_it() {
    // Documented limit (docs/SECURITY.md): a marker is not bound to the hardware. A copy of an
    // enrolled stick's marker makes another stick usable for the same pair — but it carries the
    // same stick id, so revoking that id refuses both.
    let mut p = enrolled();
    let copy = p.path("second-stick");
    std::fs::create_dir_all(copy.join(stick::ROOT_DIR)).unwrap();
    std::fs::copy(
        p.stick.marker_path(),
        copy.join(stick::ROOT_DIR).join(stick::MARKER_FILE),
    )
    .unwrap();
    let id = {
        let s = engine::begin(&mut p.terminal, &copy, opts()).unwrap();
        s.marker().stick_id.clone()
    };
    assert!(p.terminal.journal.revoke_stick(&id).unwrap());
    let e = engine::begin(&mut p.terminal, &copy, opts()).err().unwrap();
    assert!(
        matches!(e, Error::Stick(stick::Error::Revoked { .. })),
        "{e}"
    );
    let root = p.stick.root().to_owned();
    let e = engine::begin(&mut p.terminal, &root, opts()).err().unwrap();
    assert!(
        matches!(e, Error::Stick(stick::Error::Revoked { .. })),
        "{e}"
    );
    assert!(japanese(e.message()) && japanese(e.hint()));
}

#[test]
fn unenrolled_stick_is_refused_and_not_written() {
    let mut p = paired();
    let e = refused_step(&mut p, "no marker");
    assert!(
        matches!(e, Error::Stick(stick::Error::NotEnrolled { .. })),
        "{e}"
    );
}

// ---------------------------------------------------------------- pairing cards

#[test]
fn hostile_pairing_cards_are_refused_as_bad_cards() {
    let p = paired();
    let card = std::fs::read(p.stick.card_path(oqs_courier::state::Role::Clinic)).unwrap();
    let path = Path::new("clinic.card");
    assert!(pairing::Card::parse(&card, path).is_ok());
    let mut flipped = card.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 1;
    let mut label: serde_json::Value = serde_json::from_slice(&card).unwrap();
    label["label"] = "偽の受付".into();
    let relabelled = serde_json::to_vec(&label).unwrap();
    let huge = vec![b' '; pairing::MAX_CARD_LEN as usize + 1];
    for (what, bytes) in [
        ("truncated", card[..card.len() / 2].to_vec()),
        ("flipped", flipped),
        ("relabelled", relabelled),
        ("huge", huge),
        ("empty", Vec::new()),
    ] {
        let e = pairing::Card::parse(&bytes, path).unwrap_err();
        assert!(matches!(e, pairing::Error::BadCard { .. }), "{what}: {e:?}");
        let e = Error::from(e);
        assert_eq!(e.kind(), ErrorKind::Refused);
        assert!(japanese(e.message()) && japanese(e.hint()), "{what}");
    }
}

/// Sanity check of the helpers: a well-formed crafted package on the enrolled stick is delivered.
#[test]
fn refusals_leave_the_stick_usable_for_a_good_package() {
    let mut p = enrolled();
    let to = p.terminal.identity.public();
    craft(
        &p.clinic.identity,
        &to,
        &p.stick.packages_dir(),
        1,
        &[(REQ, b"ok")],
    );
    let root = p.stick.root().to_owned();
    let mut s = engine::begin(&mut p.terminal, &root, opts()).unwrap();
    assert_eq!(s.publish_requests().unwrap(), 1);
    s.finish().unwrap();
    assert_eq!(
        std::fs::read(oqs(&p, "terminal").join("Req").join(REQ)).unwrap(),
        b"ok"
    );
}
