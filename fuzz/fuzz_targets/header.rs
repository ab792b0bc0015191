//! The manifest header decoder (`package::Header::decode`): never panics; whatever it accepts
//! encodes back to the same 104 bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oqs_courier::package::{HEADER_LEN, Header};
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::decode(data, Path::new("fuzz.oqm")) {
        assert!(data.len() >= HEADER_LEN);
        assert_eq!(
            &h.encode()[..],
            &data[..HEADER_LEN],
            "decode/encode round trip"
        );
    }
});
