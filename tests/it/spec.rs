//! Where the product departed from `docs/FORMAT.md` (issue 17, A–H): one test named after each
//! gap that is closed.

use super::craft::{craft, crafted_refused, open_refused};
use super::util::{paired, tree};
use super::world::{Act, World};
use oqs_courier::package::Meta;
use oqs_courier::{ErrorKind, package, stick, text, transfer};

/// A. A package whose ephemeral key is a low-order point (all-zero shared secret) is a crafted
/// package: refused as altered (exit 1, 「データが壊れている」), not "restart the PC" (exit 2).
#[test]
fn spec_a_low_order_ephemeral_key_is_refused_as_altered() {
    let mut p = paired();
    let dir = p.stick.packages_dir();
    craft(
        &p.clinic.identity,
        &p.terminal.identity.public(),
        &dir,
        1,
        &[("OQSsiquc01req_1.xml", b"<XmlMsg/>")],
    );
    let manifest = stick::Stick::at(p.stick.root())
        .unwrap()
        .scan()
        .unwrap()
        .manifests[0]
        .clone();
    let mut bytes = std::fs::read(&manifest).unwrap();
    // The ephemeral key (header bytes 60..92, FORMAT.md section 4) becomes the all-zero point,
    // signed again by the real sender: only the key agreement can refuse it.
    bytes[60..92].fill(0);
    let body = bytes.len() - 64;
    let sig = p
        .clinic
        .identity
        .sign(&package::signed_message(&bytes[..body]));
    bytes[body..].copy_from_slice(&sig);
    std::fs::write(&manifest, &bytes).unwrap();

    let err = open_refused(&mut p, "low-order key");
    assert_eq!(err.message(), text::E_TAMPERED, "{err}");
}

/// C. Only `<32 lowercase hex>.oqm` is a manifest (section 3: readers ignore every other file):
/// a `notes.oqm`, the `._<id>.oqm` macOS Finder writes beside every file on a FAT stick and a
/// `notes.oqd` neither refuse the stick nor are removed as leftovers.
#[test]
fn spec_c_stray_oqm_files_are_ignored() {
    let w = World::new();
    w.act(Act::Dynamics).unwrap();
    w.act(Act::Clinic).unwrap();
    let dir = stick::Stick::at(&w.stick).unwrap().packages_dir();
    let ours = stick::Stick::at(&w.stick)
        .unwrap()
        .scan()
        .unwrap()
        .manifests;
    assert_eq!(ours.len(), 1);
    let id = ours[0].file_stem().unwrap().to_string_lossy().into_owned();
    let strays = [
        (format!("._{id}.oqm"), vec![0u8; 4096]),
        ("notes.oqm".to_owned(), b"memo".to_vec()),
        ("notes.oqd".to_owned(), b"memo".to_vec()),
        (format!("{id}-copy.oqm"), b"not ours".to_vec()),
    ];
    for (name, bytes) in &strays {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    let out = w.step(false).unwrap();
    assert_eq!(out.packages_received, 1);
    w.settle_and_check().unwrap();
    for (name, bytes) in &strays {
        assert_eq!(
            &std::fs::read(dir.join(name)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
}

/// Crafts a package from the clinic with `edit` applied to its metadata; `open` at the terminal
/// must refuse it as altered (exit 1) and write nothing.
fn refused_at_open(what: &str, edit: impl FnOnce(&mut Meta)) {
    let err = crafted_refused(&[("OQSsiquc01req_1.xml", b"<XmlMsg/>")], edit, what);
    assert_eq!(err.message(), text::E_TAMPERED, "{what}: {err}");
}

/// B. Every rule of section 5's table is checked (section 6 step 7): a `created` that is not
/// RFC 3339, a `sender_role` other than clinic or terminal, unsorted, overlapping or empty
/// `acks` ranges, an `mtime` that is not RFC 3339 — each refused as altered.
#[test]
fn spec_b_metadata_rules_are_checked() {
    refused_at_open("created", |m| m.created = "yesterday".into());
    refused_at_open("sender_role", |m| m.sender_role = "admin".into());
    refused_at_open("unsorted acks", |m| m.acks = vec![[5, 6], [1, 2]]);
    refused_at_open("overlapping acks", |m| m.acks = vec![[1, 4], [3, 6]]);
    refused_at_open("empty range", |m| m.acks = vec![[4, 3]]);
    refused_at_open("ack 0", |m| m.acks = vec![[0, 1]]);
    refused_at_open("mtime", |m| m.files[0].mtime = Some("2026-13-45".into()));
}

/// D. `seq` is bounded (1 to 2^53 - 1, section 5): 2^63 used to reach the journal and stop
/// `inspect` and `open` with an environment error (exit 2) about the PC's disk.
#[test]
fn spec_d_sequence_numbers_beyond_the_bound_are_refused() {
    refused_at_open("seq 2^63", |m| m.seq = 1 << 63);
    refused_at_open("seq 2^53", |m| m.seq = 1 << 53);
    refused_at_open("ack 2^63", |m| m.acks = vec![[1, 1 << 63]]);
}

/// H. A different package under a sequence number already applied (the other PC restored from
/// a backup) used to be dropped silently with exit 0: now it is refused (exit 1), with the
/// message that the other PC went backwards, and audited by the step.
#[test]
fn spec_h_a_different_package_under_an_applied_seq_is_refused() {
    let mut p = paired();
    let root = p.stick.root().to_owned();
    oqs_courier::engine::enroll(&mut p.clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    let dir = p.stick.packages_dir();
    let send = |p: &super::util::Pair, body: &[u8]| {
        craft(
            &p.clinic.identity,
            &p.terminal.identity.public(),
            &dir,
            1,
            &[("OQSsiquc01req_1.xml", body)],
        );
    };
    send(&p, b"<XmlMsg>first</XmlMsg>");
    let opts = super::world::step_opts();
    let s = oqs_courier::engine::begin(&mut p.terminal, &root, opts.clone()).unwrap();
    assert_eq!(s.outcome.packages_received, 1);
    drop(s);
    for m in stick::Stick::at(&root).unwrap().scan().unwrap().manifests {
        std::fs::remove_file(m.with_extension("oqd")).unwrap();
        std::fs::remove_file(m).unwrap();
    }
    send(&p, b"<XmlMsg>restored from a backup</XmlMsg>");
    let err = match oqs_courier::engine::begin(&mut p.terminal, &root, opts) {
        Err(e) => e,
        Ok(_) => panic!("a second package under sequence number 1 was accepted"),
    };
    assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
    assert_eq!(err.message(), text::E_SEQ_REUSED, "{err}");
    let refused = p.terminal.journal.audit_rows(None).unwrap();
    assert!(
        refused
            .iter()
            .any(|r| r.outcome == oqs_courier::journal::Outcome::Refused
                && r.reason
                    .as_deref()
                    .is_some_and(|w| w.contains("went backwards"))),
        "not audited: {refused:?}"
    );
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    let err = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap_err();
    assert_eq!(err.message(), text::E_SEQ_REUSED, "{err}");
    assert!(tree(&dest).is_empty());
}

/// H. Two different packages of one sender with the same sequence number on one stick used to
/// be both applied: now the stick is refused and nothing is written.
#[test]
fn spec_h_two_packages_with_one_seq_on_a_stick_are_refused() {
    let mut p = paired();
    let dir = p.stick.packages_dir();
    for body in [&b"<XmlMsg>one</XmlMsg>"[..], b"<XmlMsg>two</XmlMsg>"] {
        craft(
            &p.clinic.identity,
            &p.terminal.identity.public(),
            &dir,
            7,
            &[("OQSsiquc01req_1.xml", body)],
        );
    }
    let err = open_refused(&mut p, "two packages numbered 7");
    assert_eq!(err.message(), text::E_SEQ_REUSED, "{err}");
    assert!(
        p.terminal
            .journal
            .applied_ranges(&p.clinic.fingerprint().to_string())
            .unwrap()
            .is_empty()
    );
}

/// Crafts a package with one file named `name`; `open` must refuse it (exit 1, an unsafe name),
/// write nothing and leave no staging folder.
fn name_refused_at_open(name: &str) {
    let err = crafted_refused(&[("ok.xml", b"fine"), (name, b"payload")], |_| {}, name);
    assert_eq!(err.message(), text::E_UNSAFE_NAME, "{name}: {err}");
}

/// E. A name is at most 255 UTF-16 units **and** 255 UTF-8 bytes (FORMAT.md section 6): 100
/// kanji (300 bytes) used to pass `inspect`, then fail `open` on Linux (exit 2) and leave an
/// empty staging folder behind. Now it is refused before anything is written; 85 kanji travel.
#[test]
fn spec_e_long_names_are_refused_before_anything_is_written() {
    name_refused_at_open(&format!("{}.xml", "試".repeat(100)));
    let mut p = paired();
    let name = format!("{}.x", "試".repeat(84)); // 254 bytes
    craft(
        &p.clinic.identity,
        &p.terminal.identity.public(),
        &p.stick.packages_dir(),
        1,
        &[(&name, b"payload")],
    );
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    transfer::open(&mut p.terminal, &p.stick, &dest).unwrap();
    assert_eq!(std::fs::read(dest.join(&name)).unwrap(), b"payload");
    assert_eq!(tree(&dest).len(), 1, "a staging folder was left behind");
}

/// F. The names of the courier's own working files (`.oqs-courier-staging-<id>`,
/// `.oqs-courier-<id>.tmp`) are reserved: a package carrying one used to be refused as "already
/// exists with different content"; now it is an unsafe name, in any letter case.
#[test]
fn spec_f_the_staging_prefix_is_reserved() {
    name_refused_at_open(".oqs-courier-staging-0123456789abcdef0123456789abcdef");
    name_refused_at_open(".OQS-Courier-1.tmp");
}

/// G. `peer.json` carries `"version": 1` (section 8); a link in place of the data file is
/// reported as the data file's problem, not the manifest's; `seal` given a folder says so
/// instead of "changed while being read"; `seal` without files is a usage error (clap: exit 2).
#[test]
fn spec_g_small_departures() {
    let mut p = paired();
    let peer: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.path("terminal/state/peer.json")).unwrap())
            .unwrap();
    assert_eq!(peer["version"], 1, "{peer}");

    let folder = p.path("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let err = transfer::seal(&mut p.clinic, &p.stick, &[folder]).unwrap_err();
    assert_eq!(err.message(), text::E_NOT_A_FILE, "{err}");
    assert!(
        stick::Stick::at(p.stick.root())
            .unwrap()
            .scan()
            .unwrap()
            .manifests
            .is_empty()
    );

    let out = std::process::Command::new(super::cli::exe())
        .arg("--home")
        .arg(p.path("clinic/state"))
        .args(["seal", "--stick"])
        .arg(p.stick.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    #[cfg(unix)]
    {
        craft(
            &p.clinic.identity,
            &p.terminal.identity.public(),
            &p.stick.packages_dir(),
            1,
            &[("a.xml", b"payload")],
        );
        let m = stick::Stick::at(p.stick.root())
            .unwrap()
            .scan()
            .unwrap()
            .manifests[0]
            .clone();
        let data = m.with_extension("oqd");
        let real = p.path("elsewhere.oqd");
        std::fs::rename(&data, &real).unwrap();
        std::os::unix::fs::symlink(&real, &data).unwrap();
        let dest = p.path("dest");
        std::fs::create_dir(&dest).unwrap();
        let err = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Refused, "{err}");
        assert!(err.to_string().contains("data file"), "{err}");
        assert!(tree(&dest).is_empty());
    }
}

/// Section 6 "equal ignoring case" is Windows' comparison: two names that are one file on
/// NTFS or FAT (σ and ς) are refused in one package; an 8.3-shaped name is refused.
#[test]
fn spec_names_equal_as_windows_compares_them_are_refused() {
    for pair in [["σ.xml", "ς.xml"], ["ſ.xml", "s.xml"]] {
        let what = format!("{pair:?}");
        let err = crafted_refused(&[(pair[0], b"one"), (pair[1], b"two")], |_| {}, &what);
        assert_eq!(err.message(), text::E_UNSAFE_NAME, "{what}: {err}");
    }
    name_refused_at_open("OQSSIQ~1.XML");
}
