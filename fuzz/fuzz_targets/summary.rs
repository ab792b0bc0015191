//! The OQS result summary (`oqs::summarize`): hostile XML (bombs, DOCTYPE, deep nesting, odd
//! encodings) must give a summary or "unreadable", never a panic, in bounded time. The first
//! byte picks the file name (and so the kind); the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: [&str; 6] = [
    "OQSsiquc01res_202611270930000001.xml",
    "OQSsiquc01res_face_0001_20261127093000.xml",
    "OQSmuquc02res_202611270930000001.zip",
    "YZKsiquc01res_01261127093001.pdf",
    "OQSmuquc01res_202611270930000001.xml",
    "unknown.bin",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let _ = oqs_courier::oqs::summarize(name, body);
});
