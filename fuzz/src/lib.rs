//! Shared set-up of the fuzz targets: the published test-only identities of the frozen v1
//! fixture (`tests/fixtures/package-v1`), so fuzzed manifests and markers are checked against
//! the same keys the seeds were made with.

use oqs_courier::crypto::Identity;

fn identity(json: &str) -> Identity {
    let v: serde_json::Value = serde_json::from_str(json).expect("fixture key is JSON");
    let pkcs8 = hex::decode(v["ed25519_pkcs8"].as_str().expect("pkcs8")).expect("hex");
    let mut x = [0u8; 32];
    hex::decode_to_slice(v["x25519_secret"].as_str().expect("x25519"), &mut x).expect("hex");
    Identity::from_secrets(&pkcs8, x).expect("fixture key is usable")
}

/// The fixture's clinic installation (the sender of the fixture package).
pub fn clinic() -> Identity {
    identity(include_str!(
        "../../tests/fixtures/package-v1/clinic.identity.key"
    ))
}

/// The fixture's terminal installation (the recipient of the fixture package).
pub fn terminal() -> Identity {
    identity(include_str!(
        "../../tests/fixtures/package-v1/terminal.identity.key"
    ))
}
