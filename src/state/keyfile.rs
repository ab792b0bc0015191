//! `identity.key` at rest: its two forms, how to tell them apart, and which one a PC should keep
//! (`docs/FORMAT.md` §8).
//!
//! The *plain* form is a JSON document with the hex secrets: Linux keeps it (an owner-only file
//! in an owner-only folder), and every Windows installation set up before DPAPI has it. The
//! *protected* form (Windows) is a JSON wrapper holding the DPAPI blob of the plain document and
//! the scope it was protected for. Parsing and the decision whether to re-write are pure and
//! tested on every OS; protecting and unprotecting call Windows through `crate::win32`. This
//! module reads and writes no file: the state directory does that (durably, under its lock).

use super::KeyScope;
use crate::crypto::Identity;
use serde::{Deserialize, Serialize};

/// DPAPI's optional entropy for `identity.key`: ties the blob to this app, so that another
/// program calling `CryptUnprotectData` on the blob without this value gets nothing.
#[cfg_attr(not(windows), allow(dead_code))]
const DPAPI_ENTROPY: &[u8] = b"oqs-courier/v1/identity.key\0";
/// `protection` of a blob only the Windows user who wrote it can unlock.
const DPAPI_USER: &str = "dpapi-user";
/// `protection` of a blob every account of the PC that wrote it can unlock.
const DPAPI_MACHINE: &str = "dpapi-machine";

/// The plain document (also the plaintext inside a DPAPI blob).
#[derive(Serialize, Deserialize)]
struct Plain {
    version: u32,
    ed25519_pkcs8: String,
    x25519_secret: String,
}

/// The protected form.
#[derive(Serialize, Deserialize)]
struct Wrapper {
    version: u32,
    protection: String,
    /// Lowercase hex of the DPAPI blob.
    dpapi: String,
}

/// Just enough of either form to tell which one it is.
#[derive(Deserialize)]
struct Probe {
    version: u32,
    #[serde(default)]
    protection: Option<String>,
}

/// What `identity.key` holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Stored {
    /// The plain document, as read.
    Plain(Vec<u8>),
    /// A DPAPI blob of the plain document.
    Dpapi {
        /// Whom Windows lets unlock it.
        scope: KeyScope,
        /// The blob.
        blob: Vec<u8>,
    },
}

impl Stored {
    /// The form's name in the audit log: `plain`, `dpapi-user` or `dpapi-machine`.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Stored::Plain(_) => "plain",
            Stored::Dpapi { scope, .. } => protection(*scope),
        }
    }
}

fn protection(scope: KeyScope) -> &'static str {
    match scope {
        KeyScope::User => DPAPI_USER,
        KeyScope::Machine => DPAPI_MACHINE,
    }
}

/// Tells the two forms apart. `Err` says what is wrong (the file is damaged, or was written by
/// a newer version).
pub(super) fn parse(bytes: &[u8]) -> Result<Stored, String> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if probe.version != 1 {
        return Err(format!("unknown version {}", probe.version));
    }
    let scope = match probe.protection.as_deref() {
        None | Some("none") => return Ok(Stored::Plain(bytes.to_vec())),
        Some(DPAPI_USER) => KeyScope::User,
        Some(DPAPI_MACHINE) => KeyScope::Machine,
        Some(other) => return Err(format!("unknown protection {other:?}")),
    };
    let wrapper: Wrapper = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let blob = hex::decode(&wrapper.dpapi).map_err(|_| "bad hex in dpapi".to_owned())?;
    if blob.is_empty() {
        return Err("empty dpapi blob".to_owned());
    }
    Ok(Stored::Dpapi { scope, blob })
}

/// The plain document of `identity`.
pub(super) fn plain(identity: &Identity) -> Result<Vec<u8>, String> {
    let (pkcs8, x) = identity.secrets();
    serde_json::to_vec_pretty(&Plain {
        version: 1,
        ed25519_pkcs8: hex::encode(pkcs8),
        x25519_secret: hex::encode(x),
    })
    .map_err(|e| e.to_string())
}

/// The identity in a plain document. `Err` says what is wrong with it.
pub(super) fn identity(plain: &[u8]) -> Result<Identity, String> {
    let file: Plain = serde_json::from_slice(plain).map_err(|e| e.to_string())?;
    if file.version != 1 {
        return Err(format!("unknown version {}", file.version));
    }
    let pkcs8 = hex::decode(&file.ed25519_pkcs8).map_err(|_| "bad hex".to_owned())?;
    let mut x = [0u8; 32];
    hex::decode_to_slice(&file.x25519_secret, &mut x).map_err(|_| "bad hex".to_owned())?;
    Identity::from_secrets(&pkcs8, x).map_err(|_| "unusable key".to_owned())
}

/// The protected form of a DPAPI `blob`.
#[cfg_attr(not(windows), allow(dead_code))]
fn wrap(scope: KeyScope, blob: &[u8]) -> Result<Vec<u8>, String> {
    serde_json::to_vec_pretty(&Wrapper {
        version: 1,
        protection: protection(scope).to_owned(),
        dpapi: hex::encode(blob),
    })
    .map_err(|e| e.to_string())
}

/// The scope a file in form `stored` must be re-written to, if any: on Windows every key is kept
/// protected in the owner's scope `want` (a plain file from before DPAPI, or one protected in the
/// other scope, is re-written); elsewhere nothing is re-written.
pub(super) fn rewrite_to(stored: &Stored, want: KeyScope, windows: bool) -> Option<KeyScope> {
    match stored {
        _ if !windows => None,
        Stored::Dpapi { scope, .. } if *scope == want => None,
        Stored::Plain(_) | Stored::Dpapi { .. } => Some(want),
    }
}

/// The file to store for the plain document `plain` on this OS: protected for `scope` on
/// Windows, `plain` itself elsewhere.
pub(super) fn at_rest(plain: &[u8], scope: KeyScope) -> std::io::Result<Vec<u8>> {
    #[cfg(windows)]
    {
        let blob = crate::win32::dpapi_protect(plain, DPAPI_ENTROPY, scope == KeyScope::Machine)?;
        wrap(scope, &blob).map_err(std::io::Error::other)
    }
    #[cfg(not(windows))]
    {
        let _ = scope;
        Ok(plain.to_vec())
    }
}

/// The plain document in `stored`. `Err` says why it cannot be unlocked here.
pub(super) fn unlock(stored: Stored) -> Result<Vec<u8>, String> {
    match stored {
        Stored::Plain(bytes) => Ok(bytes),
        #[cfg(windows)]
        Stored::Dpapi { scope, blob } => crate::win32::dpapi_unprotect(&blob, DPAPI_ENTROPY)
            .map_err(|e| format!("Windows DPAPI ({}) refused it: {e}", protection(scope))),
        #[cfg(not(windows))]
        Stored::Dpapi { scope, .. } => Err(format!(
            "it is protected with Windows DPAPI ({}) and opens only on the Windows PC that wrote it",
            protection(scope)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain `identity.key` written by version 0.1.0 (the frozen v1 fixture).
    const LEGACY: &[u8] = include_bytes!("../../tests/fixtures/package-v1/clinic.identity.key");

    #[test]
    fn a_legacy_plain_file_is_plain_and_loads() {
        let stored = parse(LEGACY).unwrap();
        assert_eq!(stored, Stored::Plain(LEGACY.to_vec()));
        assert_eq!(stored.name(), "plain");
        let id = identity(LEGACY).unwrap();
        // What `plain` writes is the same document.
        assert_eq!(
            identity(&plain(&id).unwrap()).unwrap().public(),
            id.public()
        );
        // Stated `"protection": "none"` is plain too.
        let mut v: serde_json::Value = serde_json::from_slice(LEGACY).unwrap();
        v["protection"] = "none".into();
        let bytes = serde_json::to_vec(&v).unwrap();
        assert_eq!(parse(&bytes).unwrap(), Stored::Plain(bytes.clone()));
    }

    #[test]
    fn the_wrapper_round_trips_with_its_scope() {
        for (scope, name) in [
            (KeyScope::User, "dpapi-user"),
            (KeyScope::Machine, "dpapi-machine"),
        ] {
            let bytes = wrap(scope, &[1, 2, 0xfe]).unwrap();
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(v["version"], 1);
            assert_eq!(v["protection"], name);
            assert_eq!(v["dpapi"], "0102fe");
            let stored = parse(&bytes).unwrap();
            assert_eq!(
                stored,
                Stored::Dpapi {
                    scope,
                    blob: vec![1, 2, 0xfe]
                }
            );
            assert_eq!(stored.name(), name);
        }
    }

    #[test]
    fn damaged_or_unknown_files_are_refused_with_a_reason() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "EOF"),
            (b"\x01\x00\x00\x00DPAPI", "expected value"),
            (
                br#"{"version": 2, "protection": "dpapi-user", "dpapi": "00"}"#,
                "version 2",
            ),
            (
                br#"{"version": 1, "protection": "tpm", "dpapi": "00"}"#,
                "protection \"tpm\"",
            ),
            (
                br#"{"version": 1, "protection": "dpapi-user", "dpapi": "zz"}"#,
                "bad hex",
            ),
            (
                br#"{"version": 1, "protection": "dpapi-user", "dpapi": ""}"#,
                "empty",
            ),
            (br#"{"version": 1, "protection": "dpapi-machine"}"#, "dpapi"),
        ];
        for (bytes, why) in cases {
            let err = parse(bytes).unwrap_err();
            assert!(err.contains(why), "{err:?} should mention {why:?}");
        }
        // A plain file with a damaged secret parses as plain and is refused when used.
        let bad = br#"{"version": 1, "ed25519_pkcs8": "00", "x25519_secret": "00"}"#;
        assert!(matches!(parse(bad), Ok(Stored::Plain(_))));
        assert!(identity(bad).is_err());
    }

    #[test]
    fn only_windows_rewrites_and_only_into_the_owners_scope() {
        let plain = Stored::Plain(LEGACY.to_vec());
        let user = Stored::Dpapi {
            scope: KeyScope::User,
            blob: vec![1],
        };
        let machine = Stored::Dpapi {
            scope: KeyScope::Machine,
            blob: vec![1],
        };
        for want in [KeyScope::User, KeyScope::Machine] {
            for stored in [&plain, &user, &machine] {
                assert_eq!(rewrite_to(stored, want, false), None);
            }
            assert_eq!(rewrite_to(&plain, want, true), Some(want));
        }
        assert_eq!(rewrite_to(&user, KeyScope::User, true), None);
        assert_eq!(
            rewrite_to(&user, KeyScope::Machine, true),
            Some(KeyScope::Machine)
        );
        assert_eq!(rewrite_to(&machine, KeyScope::Machine, true), None);
        assert_eq!(
            rewrite_to(&machine, KeyScope::User, true),
            Some(KeyScope::User)
        );
    }

    #[cfg(not(windows))]
    #[test]
    fn off_windows_the_file_stays_plain_and_a_protected_one_does_not_open() {
        assert_eq!(at_rest(LEGACY, KeyScope::Machine).unwrap(), LEGACY);
        let err = unlock(parse(&wrap(KeyScope::User, &[1]).unwrap()).unwrap()).unwrap_err();
        assert!(err.contains("Windows DPAPI (dpapi-user)"), "{err}");
    }

    /// Under Wine (scripts/wine-test.sh) and on Windows: the blob on disk is not the key, opens
    /// again only with our entropy, and both scopes round-trip.
    #[cfg(windows)]
    #[test]
    fn dpapi_protects_and_unlocks_in_both_scopes() {
        let secret_hex = serde_json::from_slice::<Plain>(LEGACY)
            .unwrap()
            .x25519_secret;
        for scope in [KeyScope::User, KeyScope::Machine] {
            let bytes = at_rest(LEGACY, scope).unwrap();
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(!text.contains(&secret_hex), "the secret is in the clear");
            let Stored::Dpapi { scope: got, blob } = parse(&bytes).unwrap() else {
                panic!("not protected: {text}");
            };
            assert_eq!(got, scope);
            assert!(!blob.windows(LEGACY.len()).any(|w| w == LEGACY));
            assert!(crate::win32::dpapi_unprotect(&blob, b"another app").is_err());
            let plain = unlock(parse(&bytes).unwrap()).unwrap();
            assert_eq!(plain, LEGACY);
        }
        let err = unlock(Stored::Dpapi {
            scope: KeyScope::User,
            blob: vec![1, 0, 0, 0, 0xd0, 0x8c, 0x9d, 0xdf, 1, 0x15, 0xd1, 0x11],
        })
        .unwrap_err();
        assert!(err.contains("DPAPI (dpapi-user) refused it"), "{err}");
    }
}
