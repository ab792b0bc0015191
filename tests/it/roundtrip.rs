//! Seal → open round trips: chunk boundaries, empty files, many files, property test.

use super::util::{paired, write_files};
use oqs_courier::package::CHUNK_SIZE;
use oqs_courier::transfer;
use proptest::prelude::*;

fn round_trip(files: &[(String, Vec<u8>)]) {
    let mut p = paired();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let paths = write_files(p.dir.path(), "src", &refs);
    let written = transfer::seal(&mut p.clinic, &p.stick, &paths).unwrap();
    assert_eq!(written.meta.seq, 1);
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    let r = transfer::open(&mut p.terminal, &p.stick, &dest).unwrap();
    assert_eq!(r.applied.len(), 1);
    for (name, bytes) in files {
        assert_eq!(&std::fs::read(dest.join(name)).unwrap(), bytes, "{name}");
    }
    assert_eq!(std::fs::read_dir(&dest).unwrap().count(), files.len());
}

#[test]
fn chunk_boundaries_and_empty_files() {
    let sizes = [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        0,
    ];
    let files: Vec<(String, Vec<u8>)> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            (
                format!("f{i}.bin"),
                (0..n).map(|b| (b * 31 + i) as u8).collect(),
            )
        })
        .collect();
    round_trip(&files);
    for &n in &sizes {
        round_trip(&[("one.bin".into(), vec![0xA5; n])]);
    }
    round_trip(&[("only-empty.xml".into(), vec![])]);
}

#[test]
fn sequence_numbers_increase_and_acks_ride_back() {
    let mut p = paired();
    let a = write_files(p.dir.path(), "a", &[("a.xml", b"a")]);
    let b = write_files(p.dir.path(), "b", &[("b.xml", b"b")]);
    assert_eq!(
        transfer::seal(&mut p.clinic, &p.stick, &a)
            .unwrap()
            .meta
            .seq,
        1
    );
    assert_eq!(
        transfer::seal(&mut p.clinic, &p.stick, &b)
            .unwrap()
            .meta
            .seq,
        2
    );
    let dest = p.path("dest");
    std::fs::create_dir(&dest).unwrap();
    assert_eq!(
        transfer::open(&mut p.terminal, &p.stick, &dest)
            .unwrap()
            .applied
            .len(),
        2
    );
    // The terminal's next package acknowledges both.
    let r = write_files(p.dir.path(), "r", &[("OQSsiquc01res_a.xml", b"res")]);
    let w = transfer::seal(&mut p.terminal, &p.stick, &r).unwrap();
    assert_eq!(w.meta.acks, vec![[1, 2]]);
    let cdest = p.path("cdest");
    std::fs::create_dir(&cdest).unwrap();
    transfer::open(&mut p.clinic, &p.stick, &cdest).unwrap();
    let fp = p.terminal.fingerprint().to_string();
    assert_eq!(p.clinic.journal.acked_ranges(&fp).unwrap(), vec![[1, 2]]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]
    #[test]
    fn any_file_set_round_trips(sizes in proptest::collection::vec(0usize..(3 * CHUNK_SIZE), 0..6), seed in any::<u8>()) {
        let files: Vec<(String, Vec<u8>)> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (format!("OQSsiquc01res_{i}.xml"), (0..n).map(|b| (b as u8).wrapping_mul(seed) ^ i as u8).collect()))
            .collect();
        round_trip(&files);
    }
}
