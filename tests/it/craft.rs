//! Hand-crafted packages, written from `docs/FORMAT.md` with the crypto primitives only and no
//! name checks: what a hostile or buggy sender could put on a stick.

use super::util::{Pair, paired, tree};
use oqs_courier::crypto::{self, Identity, PublicKeys};
use oqs_courier::package::{self, FileEntry, HEADER_LEN, Header, Meta, VERSION};
use oqs_courier::{ErrorKind, transfer};
use std::path::Path;

/// Writes a package per FORMAT.md into `dir` with any names and any metadata.
pub fn craft(
    sender: &Identity,
    recipient: &PublicKeys,
    dir: &Path,
    seq: u64,
    files: &[(&str, &[u8])],
) {
    craft_with(sender, recipient, dir, seq, files, |_| {});
}

/// [`craft`], with `edit` changing the metadata before it is sealed.
pub fn craft_with(
    sender: &Identity,
    recipient: &PublicKeys,
    dir: &Path,
    seq: u64,
    files: &[(&str, &[u8])],
    edit: impl FnOnce(&mut Meta),
) {
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
        seq,
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
    edit(&mut meta);
    let mut sealed = serde_json::to_vec(&meta).unwrap();
    let header = Header {
        version: VERSION,
        package_id: id,
        sender: sender.public().fingerprint(),
        recipient: recipient.fingerprint(),
        ephemeral_pk: eph,
        data_len: data.len() as u64,
        meta_len: (sealed.len() + 16) as u32,
    };
    let head = header.encode();
    assert_eq!(head.len(), HEADER_LEN);
    crypto::seal_chunk(&keys.meta, 0, true, &head, &mut sealed).unwrap();
    let mut manifest = head.to_vec();
    manifest.extend_from_slice(&sealed);
    let sig = sender.sign(&package::signed_message(&manifest));
    manifest.extend_from_slice(&sig);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(format!("{}.oqd", hex::encode(id))), data).unwrap();
    std::fs::write(dir.join(format!("{}.oqm", hex::encode(id))), manifest).unwrap();
}

/// Opens the stick at the terminal into a fresh folder and expects a refusal (exit 1) with
/// nothing written: no file, no staging folder. Returns the error for its message.
pub fn open_refused(p: &mut Pair, what: &str) -> oqs_courier::Error {
    let base = p.path("base");
    let dest = base.join("dest");
    std::fs::create_dir_all(&dest).unwrap();
    let err = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused, "{what}: {err}");
    assert_eq!(
        tree(&base),
        vec![("dest/".to_owned(), vec![])],
        "{what} wrote something"
    );
    err
}

/// A package from the clinic (sequence number 1) with `files` and `edit` applied to its
/// metadata, then [`open_refused`].
pub fn crafted_refused(
    files: &[(&str, &[u8])],
    edit: impl FnOnce(&mut Meta),
    what: &str,
) -> oqs_courier::Error {
    let mut p = paired();
    craft_with(
        &p.clinic.identity,
        &p.terminal.identity.public(),
        &p.stick.packages_dir(),
        1,
        files,
        edit,
    );
    open_refused(&mut p, what)
}

#[test]
fn an_independent_writer_following_the_spec_is_accepted() {
    let mut p = paired();
    let big = vec![7u8; package::CHUNK_SIZE * 2 + 5];
    craft(
        &p.clinic.identity,
        &p.terminal.identity.public(),
        &p.stick.packages_dir(),
        1,
        &[("a.xml", b"alpha"), ("big.bin", &big), ("z.xml", b"")],
    );
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    transfer::open(&mut p.terminal, &p.stick, &dest).unwrap();
    assert_eq!(std::fs::read(dest.join("big.bin")).unwrap(), big);
    assert_eq!(std::fs::read(dest.join("a.xml")).unwrap(), b"alpha");
    assert_eq!(std::fs::read(dest.join("z.xml")).unwrap(), b"");
}

#[test]
fn path_escape_names_are_refused_at_open() {
    for bad in [
        "../escape.xml",
        "..",
        "/etc/passwd",
        "C:\\Windows\\evil.xml",
        "C:evil.xml",
        "\\\\server\\share\\x.xml",
        "sub/dir.xml",
        "CON",
        "nul.xml",
        "COM1.txt",
        "trailing.",
        "trailing ",
        "x.xml:stream",
        "",
        "a\u{0}b",
    ] {
        crafted_refused(
            &[("ok.xml", b"fine"), (bad, b"payload")],
            |_| {},
            &format!("{bad:?}"),
        );
    }
}

#[test]
fn names_differing_only_in_case_are_refused_at_open() {
    let mut p = paired();
    craft(
        &p.clinic.identity,
        &p.terminal.identity.public(),
        &p.stick.packages_dir(),
        1,
        &[("OQSsiquc01res_1.xml", b"a"), ("oqssiquc01res_1.XML", b"b")],
    );
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    assert_eq!(
        transfer::open(&mut p.terminal, &p.stick, &dest)
            .unwrap_err()
            .kind(),
        ErrorKind::Refused
    );
    assert!(tree(&dest).is_empty());
}

#[test]
fn path_escape_names_are_refused_at_seal() {
    let p = paired();
    let mut clinic = p.clinic;
    for bad in ["CON", "nul.xml", "trailing.", "x.xml:stream"] {
        let path = p.dir.path().join("src").join(bad);
        // The file may or may not be creatable on this OS; the check happens before any read.
        let err = transfer::seal(&mut clinic, &p.stick, &[path]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Environment, "{bad}: {err}");
    }
    assert!(p.stick.scan().unwrap().manifests.is_empty());
    assert!(!p.stick.packages_dir().exists() || tree(&p.stick.packages_dir()).is_empty());
}

#[test]
fn replayed_sequence_number_is_a_no_op() {
    let mut p = paired();
    let dir = p.stick.packages_dir();
    craft(
        &p.clinic.identity,
        &p.terminal.identity.public(),
        &dir,
        5,
        &[("a.xml", b"one")],
    );
    let saved = super::util::files_in(&dir);
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    assert_eq!(
        transfer::open(&mut p.terminal, &p.stick, &dest)
            .unwrap()
            .applied
            .len(),
        1
    );
    // The same package again (an old copy of the stick) is already applied: a no-op. A
    // different package under number 5 is refused: tests/it/spec.rs, H.
    std::fs::remove_file(dest.join("a.xml")).unwrap();
    super::util::put_back(&saved);
    let r = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap();
    assert!(r.applied.is_empty());
    assert_eq!(r.already_applied.len(), 1);
    assert!(!dest.join("a.xml").exists());
}
