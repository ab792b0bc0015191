//! Any change to a sealed package is refused, writes nothing and never panics.

use super::util::{installation, package_files, paired, tree, write_files};
use oqs_courier::state::Role;
use oqs_courier::{ErrorKind, transfer};
use std::path::Path;

/// Opens the stick into a fresh folder; asserts refusal (exit 1 class), nothing written, nothing
/// recorded. Returns the English detail for diagnostics.
fn assert_refused(p: &mut super::util::Pair, what: &str) -> String {
    let dest = p.path("dest");
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir(&dest).unwrap();
    let clinic_fp = p.clinic.fingerprint().to_string();
    let ledger = p.terminal.journal.applied_ranges(&clinic_fp).unwrap();
    let err = match transfer::open(&mut p.terminal, &p.stick, &dest) {
        Ok(r) => panic!("{what}: accepted ({} packages applied)", r.applied.len()),
        Err(e) => e,
    };
    assert_eq!(err.kind(), ErrorKind::Refused, "{what}: {err}");
    assert!(!err.message().is_empty() && !err.hint().is_empty());
    assert!(tree(&dest).is_empty(), "{what}: wrote {:?}", tree(&dest));
    assert_eq!(
        p.terminal.journal.applied_ranges(&clinic_fp).unwrap(),
        ledger,
        "{what}: ledger changed"
    );
    assert!(
        transfer::inspect(&p.terminal, &p.stick).is_err(),
        "{what}: inspect accepted"
    );
    err.to_string()
}

fn sealed_pair() -> super::util::Pair {
    let mut p = paired();
    let files = write_files(
        p.dir.path(),
        "src",
        &[
            ("OQSsiquc01req_1.xml", b"<XmlMsg>one</XmlMsg>"),
            ("empty.xml", b""),
            ("OQSsiquc01req_2.xml", b"two"),
        ],
    );
    transfer::seal(&mut p.clinic, &p.stick, &files).unwrap();
    p
}

#[test]
fn every_flipped_byte_is_refused() {
    let mut p = sealed_pair();
    let (manifest, data) = package_files(&p.stick).remove(0);
    for path in [&manifest, &data] {
        let original = std::fs::read(path).unwrap();
        for i in 0..original.len() {
            let mut bytes = original.clone();
            bytes[i] ^= 0x01;
            std::fs::write(path, &bytes).unwrap();
            assert_refused(&mut p, &format!("bit 0 of byte {i} of {}", path.display()));
        }
        std::fs::write(path, &original).unwrap();
    }
    // Untouched again, it opens.
    let dest = p.path("dest");
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir(&dest).unwrap();
    assert_eq!(
        transfer::open(&mut p.terminal, &p.stick, &dest)
            .unwrap()
            .applied
            .len(),
        1
    );
}

#[test]
fn every_truncation_is_refused() {
    let mut p = sealed_pair();
    let (manifest, data) = package_files(&p.stick).remove(0);
    for path in [&manifest, &data] {
        let original = std::fs::read(path).unwrap();
        for len in 0..original.len() {
            std::fs::write(path, &original[..len]).unwrap();
            assert_refused(&mut p, &format!("{} cut to {len} bytes", path.display()));
        }
        // One byte too many is refused as well.
        let mut longer = original.clone();
        longer.push(0);
        std::fs::write(path, &longer).unwrap();
        assert_refused(&mut p, "appended byte");
        std::fs::write(path, &original).unwrap();
    }
}

#[test]
fn missing_manifest_or_data_is_refused() {
    let mut p = sealed_pair();
    let (manifest, data) = package_files(&p.stick).remove(0);
    let m = std::fs::read(&manifest).unwrap();
    std::fs::remove_file(&manifest).unwrap();
    let detail = assert_refused(&mut p, "manifest deleted");
    assert!(detail.contains("no manifest"), "{detail}");
    std::fs::write(&manifest, &m).unwrap();
    std::fs::remove_file(&data).unwrap();
    assert_refused(&mut p, "data deleted");
}

#[test]
fn renamed_package_files_are_refused() {
    let mut p = sealed_pair();
    let (manifest, data) = package_files(&p.stick).remove(0);
    let dir = manifest.parent().unwrap().to_owned();
    let other = "0123456789abcdef0123456789abcdef";
    let rename = |from: &Path, to: &Path| std::fs::rename(from, to).unwrap();

    rename(&manifest, &dir.join(format!("{other}.oqm")));
    rename(&data, &dir.join(format!("{other}.oqd")));
    assert!(assert_refused(&mut p, "both renamed").contains("renamed"));

    // Names that are not `<32 lowercase hex>.oqm/.oqd` are no package files (FORMAT.md section
    // 3): ignored, and so nothing to open.
    rename(&dir.join(format!("{other}.oqm")), &dir.join("paket.oqm"));
    rename(&dir.join(format!("{other}.oqd")), &dir.join("paket.oqd"));
    let dest = p.path("dest-nothing");
    std::fs::create_dir(&dest).unwrap();
    let opened = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap();
    assert!(opened.applied.is_empty());
    assert!(tree(&dest).is_empty());

    rename(&dir.join("paket.oqm"), &manifest);
    rename(&dir.join("paket.oqd"), &dir.join(format!("{other}.oqd")));
    assert_refused(&mut p, "data file renamed away");
}

#[test]
fn data_files_swapped_between_packages_are_refused() {
    let mut p = sealed_pair();
    let more = write_files(
        p.dir.path(),
        "src2",
        &[("b.xml", b"<XmlMsg>three</XmlMsg>")],
    );
    transfer::seal(&mut p.clinic, &p.stick, &more).unwrap();
    let pk = package_files(&p.stick);
    let (a, b) = (
        std::fs::read(&pk[0].1).unwrap(),
        std::fs::read(&pk[1].1).unwrap(),
    );
    std::fs::write(&pk[0].1, &b).unwrap();
    std::fs::write(&pk[1].1, &a).unwrap();
    assert_refused(&mut p, "data files swapped");
}

#[test]
fn package_from_a_third_unpaired_installation_is_refused() {
    let mut p = sealed_pair();
    for (m, d) in package_files(&p.stick) {
        std::fs::remove_file(m).unwrap();
        std::fs::remove_file(d).unwrap();
    }
    // A stranger imports the terminal's public card from the stick and seals for it.
    let mut stranger = installation(p.dir.path(), "stranger", Role::Clinic);
    transfer::pair_import(&mut stranger, &p.stick).unwrap();
    let files = write_files(
        p.dir.path(),
        "evil",
        &[("OQSsiquc01res_x.xml", b"<XmlMsg>forged</XmlMsg>")],
    );
    transfer::seal(&mut stranger, &p.stick, &files).unwrap();
    let detail = assert_refused(&mut p, "stranger's package");
    assert!(detail.contains("unpaired"), "{detail}");
}

#[test]
fn package_for_another_pc_is_refused_and_one_bad_package_blocks_all() {
    let mut p = sealed_pair();
    // A second, valid stick content from another clinic pair lands beside ours.
    let q = paired();
    let files = write_files(q.dir.path(), "src", &[("x.xml", b"x")]);
    let mut qc = q.clinic;
    transfer::seal(&mut qc, &q.stick, &files).unwrap();
    for (m, d) in package_files(&q.stick) {
        let dir = p.stick.packages_dir();
        std::fs::copy(&m, dir.join(m.file_name().unwrap())).unwrap();
        std::fs::copy(&d, dir.join(d.file_name().unwrap())).unwrap();
    }
    let detail = assert_refused(&mut p, "foreign package beside a good one");
    assert!(detail.contains("another PC"), "{detail}");
}

#[test]
fn conflicting_file_in_destination_is_refused_identical_is_skipped() {
    let mut p = sealed_pair();
    let dest = p.path("dest2");
    std::fs::create_dir(&dest).unwrap();
    std::fs::write(dest.join("OQSsiquc01req_2.xml"), b"different").unwrap();
    let err = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert_eq!(tree(&dest).len(), 1, "only the pre-existing file remains");
    std::fs::write(dest.join("OQSsiquc01req_2.xml"), b"two").unwrap();
    let r = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap();
    assert_eq!(r.applied.len(), 1);
    assert_eq!(tree(&dest).len(), 3);
}
