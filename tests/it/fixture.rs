//! The frozen v1 fixture: a package sealed by version 0.1.0 with test-only keys. Every later
//! version must open it, byte for byte.

use oqs_courier::crypto::{Identity, PublicKeys};
use oqs_courier::package::{self, Classified, FileEntry, FileSink};
use std::path::{Path, PathBuf};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/package-v1");

fn identity(path: &Path) -> Identity {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let pkcs8 = hex::decode(v["ed25519_pkcs8"].as_str().unwrap()).unwrap();
    let mut x = [0u8; 32];
    hex::decode_to_slice(v["x25519_secret"].as_str().unwrap(), &mut x).unwrap();
    Identity::from_secrets(&pkcs8, x).unwrap()
}

#[derive(Default)]
/// A sink that keeps every file in memory: (name, bytes).
pub struct Collect(pub Vec<(String, Vec<u8>)>);

impl FileSink for Collect {
    fn begin(&mut self, _: usize, e: &FileEntry) -> Result<(), package::Error> {
        self.0.push((e.name.clone(), Vec::new()));
        Ok(())
    }
    fn write(&mut self, b: &[u8]) -> Result<(), package::Error> {
        if let Some(last) = self.0.last_mut() {
            last.1.extend_from_slice(b);
        }
        Ok(())
    }
    fn finish(&mut self, _: usize, _: &FileEntry) -> Result<(), package::Error> {
        Ok(())
    }
}

fn manifest(root: &Path) -> PathBuf {
    let dir = root.join("stick/OQSCOURIER/packages");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "oqm"))
        .unwrap()
}

#[test]
fn frozen_v1_package_still_opens() {
    opens_byte_for_byte(Path::new(FIXTURE));
}

/// The fixture under `root` opens for the terminal with every expected file, byte for byte.
fn opens_byte_for_byte(root: &Path) {
    let clinic = identity(&root.join("clinic.identity.key"));
    let terminal = identity(&root.join("terminal.identity.key"));
    let peer: PublicKeys = clinic.public();
    let Classified::ForUs(m) =
        package::read_manifest(&manifest(root), &terminal, Some(&peer)).unwrap()
    else {
        panic!("the fixture is addressed to the terminal");
    };
    assert_eq!(m.meta.seq, 1);
    let mut got = Collect::default();
    m.stream(&mut got).unwrap();
    let expected_dir = root.join("expected");
    let mut names: Vec<String> = std::fs::read_dir(&expected_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut got_names: Vec<String> = got.0.iter().map(|(n, _)| n.clone()).collect();
    got_names.sort();
    assert_eq!(got_names, names);
    for (name, bytes) in &got.0 {
        assert_eq!(
            bytes,
            &std::fs::read(expected_dir.join(name)).unwrap(),
            "{name}"
        );
    }
    // The clinic sees it as its own package, the wrong peer cannot open it.
    assert!(matches!(
        package::read_manifest(&manifest(root), &clinic, Some(&terminal.public())).unwrap(),
        Classified::Own(_)
    ));
    assert!(package::read_manifest(&manifest(root), &terminal, Some(&terminal.public())).is_err());
}

/// Regenerates the fixture into a temporary folder and checks that it opens like the frozen one
/// (so the generator stays right). Only with `OQS_COURIER_WRITE_FIXTURE=1` does it overwrite
/// the committed fixture — only when the format version changes (never for v1 again):
/// `OQS_COURIER_WRITE_FIXTURE=1 cargo test --test it regenerate_v1_fixture`
#[test]
fn regenerate_v1_fixture() {
    let scratch = tempfile::tempdir().unwrap();
    let root = if std::env::var_os("OQS_COURIER_WRITE_FIXTURE").is_some_and(|v| v == "1") {
        Path::new(FIXTURE)
    } else {
        scratch.path()
    };
    write_fixture(root);
    opens_byte_for_byte(root);
}

fn write_fixture(root: &Path) {
    let _ = std::fs::remove_dir_all(root);
    let expected = root.join("expected");
    std::fs::create_dir_all(&expected).unwrap();
    let files: [(&str, &[u8]); 3] = [
        ("OQSsiquc01req_202611270930000001.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader><MedicalInstitutionCode>1399999999</MedicalInstitutionCode><ArbitraryFileIdentifier>FIXTURE-0001</ArbitraryFileIdentifier></MessageHeader><MessageBody><QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber><InsuredCardSymbol>試験</InsuredCardSymbol><InsuredIdentificationNumber>1234567</InsuredIdentificationNumber><InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>19800101</Birthdate></QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n".as_bytes()),
        ("empty.xml", b""),
        ("YZKsiquc01req_01261127093001.bin", &[0, 1, 2, 3, 254, 255]),
    ];
    let mut paths = Vec::new();
    for (n, b) in files {
        std::fs::write(expected.join(n), b).unwrap();
        paths.push(expected.join(n));
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut clinic =
        super::util::installation(tmp.path(), "clinic", oqs_courier::state::Role::Clinic);
    let mut terminal =
        super::util::installation(tmp.path(), "terminal", oqs_courier::state::Role::Terminal);
    let stick_dir = root.join("stick");
    std::fs::create_dir_all(&stick_dir).unwrap();
    let stick = oqs_courier::stick::Stick::at(&stick_dir).unwrap();
    oqs_courier::transfer::pair_export(&clinic, &stick).unwrap();
    oqs_courier::transfer::pair_import(&mut terminal, &stick).unwrap();
    oqs_courier::transfer::pair_export(&terminal, &stick).unwrap();
    oqs_courier::transfer::pair_import(&mut clinic, &stick).unwrap();
    std::fs::remove_dir_all(stick.pairing_dir()).unwrap();
    oqs_courier::transfer::seal(&mut clinic, &stick, &paths).unwrap();
    // The test keys in the plain form of FORMAT.md §8 (on Windows the installations' own key
    // files are DPAPI-protected for this user and could not be committed).
    for (name, inst) in [("clinic", &clinic), ("terminal", &terminal)] {
        let (pkcs8, x) = inst.identity.secrets();
        let plain = serde_json::json!({
            "version": 1,
            "ed25519_pkcs8": hex::encode(pkcs8),
            "x25519_secret": hex::encode(x),
        });
        std::fs::write(
            root.join(format!("{name}.identity.key")),
            serde_json::to_vec_pretty(&plain).unwrap(),
        )
        .unwrap();
    }
}
