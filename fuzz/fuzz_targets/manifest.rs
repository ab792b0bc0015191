//! The manifest reader (`package::read_manifest`): any bytes as a `.oqm` file on a stick, read by
//! the fixture's terminal with the fixture's clinic as its peer. Must never panic, never allocate
//! more than the format's limits, and never accept a manifest the clinic did not sign.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oqs_courier::crypto::{Identity, PublicKeys};
use oqs_courier::package::{self, Classified, NullSink};
use std::sync::OnceLock;

struct Fixture {
    dir: tempfile::TempDir,
    terminal: Identity,
    clinic: PublicKeys,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| Fixture {
        dir: tempfile::tempdir().expect("temp dir"),
        terminal: oqs_courier_fuzz::terminal(),
        clinic: oqs_courier_fuzz::clinic().public(),
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    // Name the file after the id it carries (when it carries one) so the reader gets past the
    // "renamed" check and into the signature and metadata checks.
    let stem = data
        .get(12..28)
        .map(hex::encode)
        .unwrap_or_else(|| "0".repeat(32));
    let path = f.dir.path().join(format!("{stem}.oqm"));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(Classified::ForUs(m)) = package::read_manifest(&path, &f.terminal, Some(&f.clinic)) {
        // Only a manifest really signed by the clinic gets here (the seed); its data file is
        // absent, which must be a clean refusal.
        let _ = m.stream(&mut NullSink);
    }
    let _ = std::fs::remove_file(&path);
});
