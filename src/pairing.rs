//! Pairing cards and the comparison code.
//!
//! A pairing card is the public half of an installation (role, label, Ed25519 and X25519 public
//! keys) with a self-signature, written as JSON to the stick. Each PC imports the other's card;
//! both then show the same six-digit comparison code, derived from both cards' keys, so staff can
//! confirm that the right two PCs were paired. This module owns the card format and the code; it
//! stores nothing itself (the state module keeps the peer).

use crate::crypto::{self, PublicKeys};
use crate::label::Label;
use crate::role::Role;
use crate::state::Peer;
use serde::{Deserialize, Serialize};

/// Value of the card's `format` field.
pub const CARD_FORMAT: &str = "oqs-courier-pairing-card";
/// Largest card read from a stick.
pub const MAX_CARD_LEN: u64 = 16 * 1024;
/// Longest label, in characters ([`crate::label::MAX_CHARS`]).
pub const MAX_LABEL_CHARS: usize = crate::label::MAX_CHARS;
const CARD_DOMAIN: &[u8] = b"oqs-courier/v1/pairing-card\0";
const CODE_DOMAIN: &[u8] = b"oqs-courier/v1/comparison-code\0";

/// A pairing card cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// There is no card of the needed role on the stick.
    #[error("no pairing card of a {role} PC on the stick ({path})")]
    NoCard {
        /// The role whose card was looked for.
        role: &'static str,
        /// Where it was looked for.
        path: std::path::PathBuf,
    },
    /// The card is damaged, forged or not a card.
    #[error("the pairing card {path} is not valid ({why})")]
    BadCard {
        /// The card.
        path: std::path::PathBuf,
        /// What is wrong.
        why: &'static str,
    },
    /// The card is this installation's own.
    #[error("the pairing card {path} is this PC's own card")]
    OwnCard {
        /// The card.
        path: std::path::PathBuf,
    },
}

/// A pairing card as stored on the stick.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Card {
    /// Always [`CARD_FORMAT`].
    pub format: String,
    /// Always 1.
    pub version: u32,
    /// The role of the PC that wrote it.
    pub role: Role,
    /// Its label (computer name or what the owner typed).
    pub label: String,
    /// Ed25519 public key, hex.
    pub sign_pk: String,
    /// X25519 public key, hex.
    pub agree_pk: String,
    /// When it was written (RFC 3339).
    pub created: String,
    /// Ed25519 signature by `sign_pk` over the signed message (see `docs/FORMAT.md` §7), hex.
    pub signature: String,
}

fn signed_message(role: Role, label: &str, keys: &PublicKeys) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(CARD_DOMAIN);
    m.extend_from_slice(role.as_str().as_bytes());
    m.push(0);
    m.extend_from_slice(&keys.sign);
    m.extend_from_slice(&keys.agree);
    m.extend_from_slice(label.as_bytes());
    m
}

impl Card {
    /// Makes and signs the card of an identity.
    pub fn new(identity: &crypto::Identity, role: Role, label: &Label) -> Self {
        Self::new_at(identity, role, label, chrono::Local::now().fixed_offset())
    }

    /// [`Card::new`] with a given `created` time instead of the clock. Ed25519 signatures are
    /// deterministic, so this reproduces a card byte for byte (the published test vectors).
    #[doc(hidden)]
    pub fn new_at(
        identity: &crypto::Identity,
        role: Role,
        label: &Label,
        created: chrono::DateTime<chrono::FixedOffset>,
    ) -> Self {
        let keys = identity.public();
        let label = label.to_string();
        let sig = identity.sign(&signed_message(role, &label, &keys));
        Self {
            format: CARD_FORMAT.to_owned(),
            version: 1,
            role,
            label,
            sign_pk: hex::encode(keys.sign),
            agree_pk: hex::encode(keys.agree),
            created: created.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            signature: hex::encode(sig),
        }
    }

    /// The card's bytes as written to the stick: pretty-printed UTF-8 JSON, fields in the order
    /// of `docs/FORMAT.md` §7.
    pub fn to_bytes(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec_pretty(self)
    }

    /// Parses and verifies a card read from `path`.
    pub fn parse(bytes: &[u8], path: &std::path::Path) -> Result<Self, Error> {
        let bad = |why| Error::BadCard {
            path: path.to_owned(),
            why,
        };
        if bytes.len() as u64 > MAX_CARD_LEN {
            return Err(bad("too large"));
        }
        let card: Card = serde_json::from_slice(bytes).map_err(|_| bad("not a pairing card"))?;
        if card.format != CARD_FORMAT || card.version != 1 {
            return Err(bad("unknown format or version"));
        }
        Label::exact(&card.label).map_err(|_| bad("bad label"))?;
        let keys = card.keys().map_err(|_| bad("bad public key"))?;
        let sig = hex::decode(&card.signature).map_err(|_| bad("bad signature"))?;
        keys.verify(&signed_message(card.role, &card.label, &keys), &sig)
            .map_err(|_| bad("signature does not verify"))?;
        Ok(card)
    }

    /// The card's public keys.
    pub fn keys(&self) -> Result<PublicKeys, crypto::Error> {
        self.as_peer().keys()
    }

    /// The card as the peer record kept in the state directory.
    pub fn as_peer(&self) -> Peer {
        Peer {
            version: 1,
            role: self.role,
            label: self.label.clone(),
            sign_pk: self.sign_pk.clone(),
            agree_pk: self.agree_pk.clone(),
            paired: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        }
    }
}

/// The six-digit comparison code of a clinic and a terminal, shown as `123 456`.
///
/// `SHA-256("oqs-courier/v1/comparison-code\0" || clinic sign || clinic agree || terminal sign ||
/// terminal agree)`, first 8 bytes big-endian, modulo 1,000,000, zero-padded.
pub fn comparison_code(clinic: &PublicKeys, terminal: &PublicKeys) -> String {
    let mut m = Vec::with_capacity(CODE_DOMAIN.len() + 128);
    m.extend_from_slice(CODE_DOMAIN);
    for k in [clinic, terminal] {
        m.extend_from_slice(&k.sign);
        m.extend_from_slice(&k.agree);
    }
    let d = crypto::sha256(&m);
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    let n = u64::from_be_bytes(first) % 1_000_000;
    format!("{:03} {:03}", n / 1000, n % 1000)
}

const PAIR_DOMAIN: &[u8] = b"oqs-courier/v1/pair\0";

/// The id of a clinic–terminal pair (32 hex digits): `SHA-256("oqs-courier/v1/pair\0" ||
/// clinic fingerprint || terminal fingerprint)[0..16]`. Stick markers name the pair they belong to.
pub fn pair_id(clinic: &PublicKeys, terminal: &PublicKeys) -> String {
    let mut m = PAIR_DOMAIN.to_vec();
    m.extend_from_slice(&clinic.fingerprint().0);
    m.extend_from_slice(&terminal.fingerprint().0);
    hex::encode(&crypto::sha256(&m)[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_round_trip_and_forgery() {
        let id = crypto::Identity::generate().unwrap();
        let card = Card::new(&id, Role::Terminal, &Label::new("資格確認端末").unwrap());
        let bytes = serde_json::to_vec(&card).unwrap();
        let p = std::path::Path::new("terminal.card");
        assert_eq!(Card::parse(&bytes, p).unwrap(), card);
        let mut forged = card.clone();
        forged.label = "偽物".into();
        let bytes = serde_json::to_vec(&forged).unwrap();
        assert!(matches!(Card::parse(&bytes, p), Err(Error::BadCard { .. })));
        assert!(Card::parse(b"{", p).is_err());
    }

    /// `init --label` once let a tab into the label; the card it made was refused by the peer.
    /// A card is now made from a [`Label`] and read back under the same rule.
    #[test]
    fn card_label_follows_the_label_rule() {
        let id = crypto::Identity::generate().unwrap();
        let p = std::path::Path::new("clinic.card");
        for bad in ["a\tb", "", " 受付PC", &"x".repeat(MAX_LABEL_CHARS + 1)] {
            let mut card = Card::new(&id, Role::Clinic, &Label::new("受付PC").unwrap());
            card.label = bad.to_owned();
            card.signature = hex::encode(id.sign(&signed_message(card.role, bad, &id.public())));
            let bytes = serde_json::to_vec(&card).unwrap();
            assert!(
                matches!(
                    Card::parse(&bytes, p),
                    Err(Error::BadCard {
                        why: "bad label",
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn code_depends_on_order_and_keys() {
        let a = crypto::Identity::generate().unwrap().public();
        let b = crypto::Identity::generate().unwrap().public();
        let code = comparison_code(&a, &b);
        assert_eq!(code.len(), 7);
        assert_eq!(code, comparison_code(&a, &b));
        assert_ne!(code, comparison_code(&b, &a));
    }
}
