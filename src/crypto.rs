//! Keys and cryptographic primitives: who we are, who the peer is, and how package bytes are
//! encrypted, authenticated and signed.
//!
//! Owns the installation identity (an Ed25519 signing key from ring and a static X25519
//! key-agreement key from x25519-dalek), public-key fingerprints, the per-package key derivation
//! (ephemeral-static X25519 + HKDF-SHA256) and the chunked AES-256-GCM stream. It knows nothing
//! about files, sticks or manifests; `docs/FORMAT.md` is the normative description of every
//! constant here.

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey as XPublic, StaticSecret};

/// Length of an AES-256-GCM tag.
pub const TAG_LEN: usize = 16;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a fingerprint.
pub const FINGERPRINT_LEN: usize = 16;

/// Length of the stored Ed25519 key: a PKCS#8 v2 (RFC 5958) DER document.
const PKCS8_LEN: usize = 83;
/// What precedes the 32-byte seed in that document.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// What follows the seed and precedes the 32-byte public key.
const PKCS8_PUBLIC_KEY_TAG: [u8; 3] = [0x81, 0x21, 0x00];

const FINGERPRINT_DOMAIN: &[u8] = b"oqs-courier/v1/fingerprint\0";
const META_KEY_INFO: &[u8] = b"oqs-courier/v1/meta-key";
const DATA_KEY_INFO: &[u8] = b"oqs-courier/v1/data-key";

/// A cryptographic operation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system's random generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// A stored secret key could not be decoded.
    #[error("the stored secret key is damaged")]
    BadSecretKey,
    /// A public key is malformed or is a low-order point.
    #[error("a public key is invalid")]
    BadPublicKey,
    /// A signature did not verify.
    #[error("the signature does not verify")]
    BadSignature,
    /// An AEAD tag did not verify: the bytes were altered or the key is wrong.
    #[error("decryption failed: the data was altered or is not meant for this PC")]
    Decrypt,
}

/// Fills a fresh array with random bytes from the operating system.
pub fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| Error::Random)?;
    Ok(out)
}

/// Lower-case hex of `bytes` (checksums and ids as the manifest and the journal spell them).
/// `hex::encode` builds its string one `char` at a time through an iterator, which was a
/// fifth of the reading thread's time in a seal of 10,000 small files.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// A short identifier of a pair of public keys: the first 16 bytes of
/// `SHA-256("oqs-courier/v1/fingerprint\0" || sign_pk || agree_pk)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Fingerprint(pub [u8; FINGERPRINT_LEN]);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let mut out = [0u8; FINGERPRINT_LEN];
        hex::decode_to_slice(s, &mut out).map_err(|_| Error::BadPublicKey)?;
        Ok(Self(out))
    }
}

/// The public half of an installation identity.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PublicKeys {
    /// Ed25519 public key (signatures).
    pub sign: [u8; 32],
    /// X25519 public key (key agreement).
    pub agree: [u8; 32],
}

impl PublicKeys {
    /// The fingerprint that names these keys in manifests and in the journal.
    pub fn fingerprint(&self) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(FINGERPRINT_DOMAIN);
        h.update(self.sign);
        h.update(self.agree);
        let digest: [u8; 32] = h.finalize().into();
        let mut fp = [0u8; FINGERPRINT_LEN];
        fp.copy_from_slice(&digest[..FINGERPRINT_LEN]);
        Fingerprint(fp)
    }

    /// Verifies an Ed25519 `signature` over `message` made by these keys.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        UnparsedPublicKey::new(&ED25519, self.sign)
            .verify(message, signature)
            .map_err(|_| Error::BadSignature)
    }
}

/// The secret identity of one installation. Lives only in the state directory.
pub struct Identity {
    sign: Ed25519KeyPair,
    sign_pkcs8: Vec<u8>,
    agree: StaticSecret,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("fingerprint", &self.public().fingerprint())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Generates a new identity from the system random generator.
    pub fn generate() -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| Error::Random)?;
        let agree: [u8; 32] = random()?;
        Self::from_secrets(pkcs8.as_ref(), agree)
    }

    /// Builds an identity from its two 32-byte secrets: the Ed25519 seed (the RFC 8032 private
    /// key) and the X25519 scalar (RFC 7748). The same identity as [`Identity::from_secrets`]
    /// with the PKCS#8 document of that seed (`docs/FORMAT.md` §8); used for the published test
    /// vectors and for keys that come from another implementation.
    pub fn from_seeds(sign_seed: &[u8; 32], agree_secret: [u8; 32]) -> Result<Self, Error> {
        let pair =
            Ed25519KeyPair::from_seed_unchecked(sign_seed).map_err(|_| Error::BadSecretKey)?;
        let mut pkcs8 = Vec::with_capacity(PKCS8_LEN);
        pkcs8.extend_from_slice(&PKCS8_PREFIX);
        pkcs8.extend_from_slice(sign_seed);
        pkcs8.extend_from_slice(&PKCS8_PUBLIC_KEY_TAG);
        pkcs8.extend_from_slice(pair.public_key().as_ref());
        Self::from_secrets(&pkcs8, agree_secret)
    }

    /// Rebuilds an identity from its stored secrets.
    pub fn from_secrets(sign_pkcs8: &[u8], agree_secret: [u8; 32]) -> Result<Self, Error> {
        let sign = Ed25519KeyPair::from_pkcs8(sign_pkcs8).map_err(|_| Error::BadSecretKey)?;
        Ok(Self {
            sign,
            sign_pkcs8: sign_pkcs8.to_vec(),
            agree: StaticSecret::from(agree_secret),
        })
    }

    /// The secrets to store: PKCS#8 v2 of the Ed25519 key and the raw X25519 scalar.
    pub fn secrets(&self) -> (&[u8], [u8; 32]) {
        (&self.sign_pkcs8, self.agree.to_bytes())
    }

    /// The public keys.
    pub fn public(&self) -> PublicKeys {
        let mut sign = [0u8; 32];
        sign.copy_from_slice(self.sign.public_key().as_ref());
        PublicKeys {
            sign,
            agree: XPublic::from(&self.agree).to_bytes(),
        }
    }

    /// Signs `message` with the Ed25519 key.
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        let mut out = [0u8; SIGNATURE_LEN];
        out.copy_from_slice(self.sign.sign(message).as_ref());
        out
    }

    /// Recipient side of the package key agreement.
    pub fn package_keys(
        &self,
        ephemeral_pk: &[u8; 32],
        package_id: &[u8],
    ) -> Result<PackageKeys, Error> {
        let shared = self.agree.diffie_hellman(&XPublic::from(*ephemeral_pk));
        if !shared.was_contributory() {
            return Err(Error::BadPublicKey);
        }
        let own = XPublic::from(&self.agree).to_bytes();
        PackageKeys::derive(shared.as_bytes(), ephemeral_pk, &own, package_id)
    }
}

/// Sender side of the package key agreement: a fresh ephemeral key against the recipient's static
/// X25519 key. Returns the ephemeral public key (stored in the manifest) and the keys.
pub fn sender_package_keys(
    recipient: &PublicKeys,
    package_id: &[u8],
) -> Result<([u8; 32], PackageKeys), Error> {
    sender_package_keys_from(random()?, recipient, package_id)
}

/// [`sender_package_keys`] with a given ephemeral secret instead of a fresh one: only for the
/// package writer's reproducible test-vector path. An ephemeral secret used twice with the same
/// package id repeats the keys and therefore the nonces.
pub(crate) fn sender_package_keys_from(
    ephemeral_secret: [u8; 32],
    recipient: &PublicKeys,
    package_id: &[u8],
) -> Result<([u8; 32], PackageKeys), Error> {
    let eph = StaticSecret::from(ephemeral_secret);
    let eph_pk = XPublic::from(&eph).to_bytes();
    let shared = eph.diffie_hellman(&XPublic::from(recipient.agree));
    if !shared.was_contributory() {
        return Err(Error::BadPublicKey);
    }
    let keys = PackageKeys::derive(shared.as_bytes(), &eph_pk, &recipient.agree, package_id)?;
    Ok((eph_pk, keys))
}

/// The two AEAD keys of one package.
pub struct PackageKeys {
    /// Encrypts the manifest's metadata block.
    pub meta: LessSafeKey,
    /// Encrypts the data stream.
    pub data: LessSafeKey,
}

impl PackageKeys {
    fn derive(
        shared: &[u8; 32],
        eph_pk: &[u8; 32],
        recipient_pk: &[u8; 32],
        package_id: &[u8],
    ) -> Result<Self, Error> {
        let mut ikm = Vec::with_capacity(96);
        ikm.extend_from_slice(shared);
        ikm.extend_from_slice(eph_pk);
        ikm.extend_from_slice(recipient_pk);
        let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, package_id).extract(&ikm);
        let expand = |info: &[u8]| -> Result<LessSafeKey, Error> {
            let info = [info];
            let okm = prk
                .expand(&info, &AES_256_GCM)
                .map_err(|_| Error::BadPublicKey)?;
            Ok(LessSafeKey::new(UnboundKey::from(okm)))
        };
        Ok(Self {
            meta: expand(META_KEY_INFO)?,
            data: expand(DATA_KEY_INFO)?,
        })
    }
}

/// The nonce of chunk `index`: 11-byte big-endian index followed by a last-chunk flag byte.
/// The metadata block uses index 0 with flag 1 under its own key.
pub fn chunk_nonce(index: u64, last: bool) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

/// Encrypts `buf` in place and appends the tag.
pub fn seal_chunk(
    key: &LessSafeKey,
    index: u64,
    last: bool,
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(), Error> {
    let tag = key
        .seal_in_place_separate_tag(chunk_nonce(index, last), Aad::from(aad), buf)
        .map_err(|_| Error::Decrypt)?;
    buf.extend_from_slice(tag.as_ref());
    Ok(())
}

/// Decrypts `buf` (ciphertext + tag) in place; returns the plaintext length.
pub fn open_chunk(
    key: &LessSafeKey,
    index: u64,
    last: bool,
    aad: &[u8],
    buf: &mut [u8],
) -> Result<usize, Error> {
    key.open_in_place(chunk_nonce(index, last), Aad::from(aad), buf)
        .map(|p| p.len())
        .map_err(|_| Error::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_and_recipient_derive_the_same_keys() {
        let recipient = Identity::generate().unwrap();
        let id = [7u8; 16];
        let (eph, send) = sender_package_keys(&recipient.public(), &id).unwrap();
        let recv = recipient.package_keys(&eph, &id).unwrap();
        let mut buf = "試験 太郎".as_bytes().to_vec();
        seal_chunk(&send.data, 0, true, &id, &mut buf).unwrap();
        let n = open_chunk(&recv.data, 0, true, &id, &mut buf).unwrap();
        assert_eq!(&buf[..n], "試験 太郎".as_bytes());
        // Wrong index, wrong flag, wrong key, wrong aad: all refused.
        let mut sealed = b"x".to_vec();
        seal_chunk(&send.data, 3, false, &id, &mut sealed).unwrap();
        assert!(open_chunk(&recv.data, 3, true, &id, &mut sealed.clone()).is_err());
        assert!(open_chunk(&recv.data, 4, false, &id, &mut sealed.clone()).is_err());
        assert!(open_chunk(&recv.meta, 3, false, &id, &mut sealed.clone()).is_err());
        assert!(open_chunk(&recv.data, 3, false, &[8u8; 16], &mut sealed.clone()).is_err());
        assert!(open_chunk(&recv.data, 3, false, &id, &mut sealed).is_ok());
    }

    #[test]
    fn to_hex_spells_as_hex_encode() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(to_hex(&all), hex::encode(&all));
        assert_eq!(to_hex(&sha256(b"abc")), hex::encode(sha256(b"abc")));
        assert_eq!(to_hex(&[]), "");
    }

    #[test]
    fn identity_round_trips_through_its_secrets() {
        let a = Identity::generate().unwrap();
        let (pkcs8, x) = a.secrets();
        let b = Identity::from_secrets(pkcs8, x).unwrap();
        assert_eq!(a.public(), b.public());
        let sig = b.sign(b"m");
        a.public().verify(b"m", &sig).unwrap();
        assert!(a.public().verify(b"n", &sig).is_err());
    }

    /// FORMAT.md section 8: the stored Ed25519 key is the 83-byte PKCS#8 v2 (RFC 5958) DER
    /// document with a fixed 16-byte prefix, the 32-byte seed, `81 21 00` and the public key.
    #[test]
    fn stored_signing_key_layout() {
        let id = Identity::generate().unwrap();
        let (pkcs8, _) = id.secrets();
        assert_eq!(pkcs8.len(), 83);
        assert_eq!(
            hex::encode(&pkcs8[..16]),
            "3051020101300506032b657004220420"
        );
        assert_eq!(hex::encode(&pkcs8[48..51]), "812100");
        assert_eq!(pkcs8[51..], id.public().sign);
        let seed = &pkcs8[16..48];
        let again = Ed25519KeyPair::from_seed_and_public_key(seed, &pkcs8[51..]).unwrap();
        assert_eq!(again.public_key().as_ref(), &id.public().sign);
    }

    #[test]
    fn identity_from_seeds_is_the_stored_identity() {
        let a = Identity::generate().unwrap();
        let (pkcs8, x) = a.secrets();
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&pkcs8[16..48]);
        let b = Identity::from_seeds(&seed, x).unwrap();
        assert_eq!(a.public(), b.public());
        assert_eq!(b.secrets().0, pkcs8);
    }

    #[test]
    fn low_order_ephemeral_key_is_refused() {
        let recipient = Identity::generate().unwrap();
        assert!(matches!(
            recipient.package_keys(&[0u8; 32], &[0; 16]),
            Err(Error::BadPublicKey)
        ));
    }
}
