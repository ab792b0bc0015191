//! The pairing card parser (`pairing::Card::parse`): never panics; whatever it accepts has a
//! valid self-signature and re-parses from its own serialisation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oqs_courier::pairing::Card;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(card) = Card::parse(data, Path::new("clinic.card")) {
        let again = serde_json::to_vec(&card).expect("a parsed card serialises");
        let back = Card::parse(&again, Path::new("clinic.card"));
        assert!(back.is_ok(), "an accepted card must be accepted again");
    }
});
