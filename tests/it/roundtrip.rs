//! Seal → open round trips: chunk boundaries, empty files, many files, property test.

use super::util::{Pair, paired, write_files};
use oqs_courier::package::CHUNK_SIZE;
use oqs_courier::transfer;
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// Files named by `name(i)` with `sizes[i]` bytes of a pattern that differs with `mul` and `i`.
fn patterned(
    sizes: &[usize],
    mul: usize,
    name: impl Fn(usize) -> String,
) -> Vec<(String, Vec<u8>)> {
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| (name(i), (0..n).map(|b| (b * mul + i) as u8).collect()))
        .collect()
}

/// Writes `files` into the folder `src` of the set-up; returns their paths.
fn write_src(p: &Pair, files: &[(String, Vec<u8>)]) -> Vec<std::path::PathBuf> {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_files(p.dir.path(), "src", &refs)
}

fn round_trip(files: &[(String, Vec<u8>)]) {
    let mut p = paired();
    let paths = write_src(&p, files);
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
    round_trip(&patterned(&sizes, 31, |i| format!("f{i}.bin")));
    for &n in &sizes {
        round_trip(&[("one.bin".into(), vec![0xA5; n])]);
    }
    round_trip(&[("only-empty.xml".into(), vec![])]);
}

/// More files than one block of the writer's two reading threads (16 each, every other block
/// read ahead): small and large files in the blocks of both, in order, with their hashes and
/// times in the manifest.
#[test]
fn many_files_in_the_blocks_of_both_readers() {
    let sizes: Vec<usize> = (0..70)
        .map(|i| match i {
            3 | 40 => CHUNK_SIZE + 7,
            20 => 3 * CHUNK_SIZE,
            33 => CHUNK_SIZE,
            i if i % 9 == 0 => 0,
            i => 100 + i * 37,
        })
        .collect();
    let files = patterned(&sizes, 7, |i| format!("OQSsiquc01res_{i:03}.xml"));
    round_trip(&files);

    let mut p = paired();
    let paths = write_src(&p, &files);
    let written = transfer::seal(&mut p.clinic, &p.stick, &paths).unwrap();
    for ((entry, (name, bytes)), path) in written.meta.files.iter().zip(&files).zip(&paths) {
        assert_eq!(&entry.name, name);
        assert_eq!(entry.size, bytes.len() as u64);
        assert_eq!(entry.sha256, hex::encode(Sha256::digest(bytes)), "{name}");
        let mtime = chrono::DateTime::<chrono::Utc>::from(
            std::fs::metadata(path).unwrap().modified().unwrap(),
        )
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        assert_eq!(entry.mtime.as_deref(), Some(mtime.as_str()), "{name}");
    }
}

/// A file that cannot be read, in a block of either reading thread: the seal fails naming it,
/// leaves nothing on the stick and costs no sequence number.
#[test]
fn a_missing_file_in_either_readers_block_leaves_nothing() {
    let mut p = paired();
    let sizes: Vec<usize> = (300..340).collect();
    let paths = write_src(&p, &patterned(&sizes, 3, |i| format!("f{i:02}.xml")));
    for gone in [5, 20, 39] {
        let mut given = paths.clone();
        given[gone] = p.dir.path().join("src").join(format!("gone{gone}.xml"));
        let err = transfer::seal(&mut p.clinic, &p.stick, &given).unwrap_err();
        assert!(
            err.to_string().contains(&format!("gone{gone}.xml")),
            "{err}"
        );
        let scan = p.stick.scan().unwrap();
        assert!(scan.manifests.is_empty() && scan.orphans.is_empty() && scan.temps.is_empty());
    }
    let folder = p.dir.path().join("src").join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let mut given = paths.clone();
    given[2] = folder;
    let err = transfer::seal(&mut p.clinic, &p.stick, &given).unwrap_err();
    assert_eq!(err.message(), oqs_courier::text::E_NOT_A_FILE, "{err}");
    let written = transfer::seal(&mut p.clinic, &p.stick, &paths).unwrap();
    assert_eq!(written.meta.seq, 1, "the failed seals took no number");
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
    fn any_file_set_round_trips(sizes in proptest::collection::vec(0usize..(3 * CHUNK_SIZE), 0..40), seed in any::<u8>()) {
        let files: Vec<(String, Vec<u8>)> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (format!("OQSsiquc01res_{i}.xml"), (0..n).map(|b| (b as u8).wrapping_mul(seed) ^ i as u8).collect()))
            .collect();
        round_trip(&files);
    }
}
