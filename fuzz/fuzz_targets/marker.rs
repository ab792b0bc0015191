//! The stick marker (`OQSCOURIER/stick.json`): JSON parsing plus `Marker::verify` for the
//! fixture pair. Never panics; nothing but a marker signed by one of the pair verifies.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oqs_courier::crypto::PublicKeys;
use oqs_courier::pairing;
use oqs_courier::stick::Marker;
use std::path::Path;
use std::sync::OnceLock;

fn pair() -> &'static (String, [PublicKeys; 2]) {
    static P: OnceLock<(String, [PublicKeys; 2])> = OnceLock::new();
    P.get_or_init(|| {
        let c = oqs_courier_fuzz::clinic().public();
        let t = oqs_courier_fuzz::terminal().public();
        (pairing::pair_id(&c, &t), [c, t])
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = serde_json::from_slice::<Marker>(data) {
        let (id, signers) = pair();
        let _ = m.verify(id, signers, Path::new("stick.json"));
    }
});
