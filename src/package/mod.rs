//! The sealed package format, version 1 (normative text: `docs/FORMAT.md`).
//!
//! A package is two files on the stick: `<id>.oqd`, the encrypted data stream, written and
//! flushed first; and `<id>.oqm`, the signed manifest, written last through a temporary name. A
//! package whose manifest is missing or does not verify does not exist. This module owns the byte
//! layout, its limits and the streaming writer and reader. It does not decide which packages to
//! apply (that is the journal's and the transfer's job) and it never publishes files anywhere.

pub mod care;
mod read;
mod write;

pub use care::{Health, Renkei, TerminalSettings, Update, UpdateReport};
pub use read::{Classified, FileSink, NullSink, OpenedManifest, read_manifest};
pub(crate) use write::{DataFile, Sealed};
pub use write::{Envelope, SourceFile, Written, write_package};
#[doc(hidden)]
pub use write::{Fixed, write_package_fixed};

use crate::crypto::{self, FINGERPRINT_LEN, Fingerprint, SIGNATURE_LEN, TAG_LEN};
use crate::filename;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Magic bytes that open every manifest.
pub const MAGIC: &[u8; 8] = b"OQSC-MAN";
/// The format version this build writes and the newest it reads.
pub const VERSION: u16 = 1;
/// Plaintext bytes per data chunk.
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Length of the fixed manifest header.
pub const HEADER_LEN: usize = 8 + 2 + 2 + 16 + FINGERPRINT_LEN * 2 + 32 + 8 + 4;
/// Largest encrypted metadata block accepted.
pub const MAX_META_LEN: usize = 32 * 1024 * 1024;
/// Largest number of files in one package.
pub const MAX_FILES: usize = 100_000;
/// Largest data file: FAT32 cannot hold a file of 4 GiB or more.
pub const MAX_DATA_LEN: u64 = u32::MAX as u64;
/// Largest `kind` label.
pub const MAX_KIND_LEN: usize = 32;
/// Largest sequence number a package (or an acknowledgement) may carry: 2⁵³ − 1, exact in every
/// JSON implementation (IEEE doubles) and in the journal's signed 64-bit integers.
pub const MAX_SEQ: u64 = (1 << 53) - 1;
/// Extension of the data file.
pub const DATA_EXT: &str = "oqd";
/// Extension of the manifest.
pub const MANIFEST_EXT: &str = "oqm";
/// Prefix of the signed message: the signature covers this prefix then the manifest bytes.
pub const SIGNATURE_DOMAIN: &[u8] = b"oqs-courier/v1/manifest\0";

/// A package failed to be written or was refused on reading.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a package file failed.
    #[error("cannot access {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The stick has no room left.
    #[error("the stick is full while writing {path}")]
    StickFull {
        /// The file being written.
        path: PathBuf,
    },
    /// The stick cannot be written to.
    #[error("the stick is read-only ({path})")]
    StickReadOnly {
        /// The file being written.
        path: PathBuf,
    },
    /// A file to seal is not a regular file, or changed while it was read.
    #[error("{path} is not a regular file or changed while it was packed")]
    SourceChanged {
        /// The source file.
        path: PathBuf,
    },
    /// A file name may not travel.
    #[error("{path}: {source}")]
    BadName {
        /// Where the name came from.
        path: PathBuf,
        /// What is wrong with it.
        source: filename::Error,
    },
    /// A package read from a stick names a file that may not be written (path escape, reserved
    /// name, duplicate): the package is hostile or broken.
    #[error("{path} names a file that may not be written: {source}")]
    UnsafeName {
        /// The manifest.
        path: PathBuf,
        /// What is wrong with the name.
        source: filename::Error,
    },
    /// The payload does not fit into one package on a FAT32 stick.
    #[error("the package would be {size} bytes; FAT32 sticks hold at most 4 GiB per file")]
    TooLarge {
        /// The size it would have.
        size: u64,
    },
    /// The manifest is not in a format this build understands.
    #[error("{path} is not an oqs-courier manifest ({why})")]
    Malformed {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        why: &'static str,
    },
    /// The manifest was written by a newer version of oqs-courier.
    #[error("{path} uses format version {version}; this build reads up to {VERSION}")]
    FutureVersion {
        /// The manifest.
        path: PathBuf,
        /// Its version.
        version: u16,
    },
    /// The manifest's file name does not match the package id it carries.
    #[error("{path} was renamed (it carries package id {id})")]
    Renamed {
        /// The manifest.
        path: PathBuf,
        /// The id inside it.
        id: String,
    },
    /// The package was signed by an installation that is not our paired peer.
    #[error("{path} comes from an unpaired PC ({sender})")]
    UnknownSender {
        /// The manifest.
        path: PathBuf,
        /// The signer's fingerprint.
        sender: Fingerprint,
    },
    /// The package is addressed to another installation.
    #[error("{path} is addressed to another PC ({recipient})")]
    NotForUs {
        /// The manifest.
        path: PathBuf,
        /// The recipient's fingerprint.
        recipient: Fingerprint,
    },
    /// The signature over the manifest does not verify.
    #[error("the signature of {path} does not verify")]
    BadSignature {
        /// The manifest.
        path: PathBuf,
    },
    /// Decryption failed: some byte of the package was altered.
    #[error("{path} was altered (authentication failed at byte offset {offset})")]
    Tampered {
        /// The altered file.
        path: PathBuf,
        /// Where the failing chunk starts.
        offset: u64,
    },
    /// The data file is missing.
    #[error("the data file {path} is missing")]
    DataMissing {
        /// The expected data file.
        path: PathBuf,
    },
    /// Something other than a regular file (a link, a folder, a device) is at the data file's
    /// name: never followed or read.
    #[error("the data file {path} is not a regular file (a link, folder or device)")]
    DataNotRegular {
        /// The data file's name.
        path: PathBuf,
    },
    /// The data file does not have the length the manifest states.
    #[error("{path} has {actual} bytes, the manifest says {expected}")]
    DataLength {
        /// The data file.
        path: PathBuf,
        /// Expected length.
        expected: u64,
        /// Actual length.
        actual: u64,
    },
    /// A file's SHA-256 does not match the manifest.
    #[error("{name}: SHA-256 mismatch")]
    Checksum {
        /// The file inside the package.
        name: String,
    },
    /// A cryptographic primitive failed.
    #[error(transparent)]
    Crypto(#[from] crypto::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if crate::volume::looks_full(&path, &source) {
            return Self::StickFull { path };
        }
        match source.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                Self::StickFull { path }
            }
            std::io::ErrorKind::ReadOnlyFilesystem => Self::StickReadOnly { path },
            _ => Self::Io { path, source },
        }
    }
}

/// The fixed-size, cleartext (but signed) start of a manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version.
    pub version: u16,
    /// Random package id; also the file name stem on the stick.
    pub package_id: [u8; 16],
    /// Who sealed it.
    pub sender: Fingerprint,
    /// Who can open it.
    pub recipient: Fingerprint,
    /// The sender's ephemeral X25519 public key for this package.
    pub ephemeral_pk: [u8; 32],
    /// Exact length of the data file.
    pub data_len: u64,
    /// Length of the encrypted metadata block (including its tag).
    pub meta_len: u32,
}

impl Header {
    /// Serialises the header (big-endian integers).
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let mut w = 0;
        let mut put = |bytes: &[u8]| {
            out[w..w + bytes.len()].copy_from_slice(bytes);
            w += bytes.len();
        };
        put(MAGIC);
        put(&self.version.to_be_bytes());
        put(&0u16.to_be_bytes());
        put(&self.package_id);
        put(&self.sender.0);
        put(&self.recipient.0);
        put(&self.ephemeral_pk);
        put(&self.data_len.to_be_bytes());
        put(&self.meta_len.to_be_bytes());
        out
    }

    /// Parses a header; checks magic, version and the reserved field.
    pub fn decode(bytes: &[u8], path: &std::path::Path) -> Result<Self, Error> {
        let malformed = |why| Error::Malformed {
            path: path.to_owned(),
            why,
        };
        if bytes.len() < HEADER_LEN {
            return Err(malformed("shorter than its header"));
        }
        let mut r = 0;
        let mut take = |n: usize| {
            let s = &bytes[r..r + n];
            r += n;
            s
        };
        if take(8) != MAGIC {
            return Err(malformed("bad magic"));
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        take(2);
        if version > VERSION {
            return Err(Error::FutureVersion {
                path: path.to_owned(),
                version,
            });
        }
        if version != VERSION {
            return Err(malformed("unknown version"));
        }
        if take(2) != [0, 0] {
            return Err(malformed("reserved field is not zero"));
        }
        let arr16 = |s: &[u8]| {
            let mut a = [0u8; 16];
            a.copy_from_slice(s);
            a
        };
        let package_id = arr16(take(16));
        let sender = Fingerprint(arr16(take(16)));
        let recipient = Fingerprint(arr16(take(16)));
        let mut ephemeral_pk = [0u8; 32];
        ephemeral_pk.copy_from_slice(take(32));
        let mut d = [0u8; 8];
        d.copy_from_slice(take(8));
        let mut m = [0u8; 4];
        m.copy_from_slice(take(4));
        Ok(Self {
            version,
            package_id,
            sender,
            recipient,
            ephemeral_pk,
            data_len: u64::from_be_bytes(d),
            meta_len: u32::from_be_bytes(m),
        })
    }

    /// The package id as lowercase hex, the file name stem on the stick.
    pub fn id_hex(&self) -> String {
        hex::encode(self.package_id)
    }
}

/// The encrypted metadata block (JSON, see `docs/FORMAT.md` §5).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Meta {
    /// Sequence number of this package in its direction (sender → recipient), from 1.
    pub seq: u64,
    /// When it was sealed (RFC 3339).
    pub created: String,
    /// The sender's role.
    pub sender_role: String,
    /// Sequence numbers of the recipient's packages the sender has applied, as inclusive ranges.
    #[serde(default)]
    pub acks: Vec<[u64; 2]>,
    /// The files, in data-stream order.
    pub files: Vec<FileEntry>,
    /// Terminal → clinic: the terminal's health report (optional; [`care`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
    /// Clinic → terminal: settings the owner chose for the terminal (optional; [`care`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_settings: Option<TerminalSettings>,
    /// Clinic → terminal: an update of oqs-courier travelling in parts (optional; [`care`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<Update>,
}

/// One file inside a package.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Original file name (one path component).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Modification time of the source (RFC 3339), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtime: Option<String>,
    /// What the file is (see the OQS classification); `file` when not classified.
    pub kind: String,
    /// The sender collected it although its content was incomplete (an OQS result whose writer
    /// never finished it); the receiver shows it as an error. Absent when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub incomplete: bool,
}

/// Number of chunks and the data-file length for a plaintext of `plain_len` bytes.
pub fn data_len_for(plain_len: u64) -> u64 {
    let chunk = CHUNK_SIZE as u64;
    let chunks = plain_len.div_ceil(chunk).max(1);
    plain_len + chunks * TAG_LEN as u64
}

/// An upper bound of a manifest's length for files with names of `name_lens` UTF-8 bytes and
/// `ack_ranges` acknowledgement ranges (§4, §5): the header, the metadata JSON with every value
/// at its widest (a name escaped to at most twice its bytes, 20-digit integers, an RFC 3339 time
/// with nanoseconds and offset, the longest kind), its tag and the signature.
pub fn manifest_len_bound(name_lens: impl IntoIterator<Item = usize>, ack_ranges: usize) -> u64 {
    // {"seq":…,"created":"…","sender_role":"terminal","acks":[…],"files":[…]}, and room for
    // the optional `health` and `terminal_settings` objects.
    const FIXED: u64 = 128 + care::CARE_JSON_BOUND + care::UPDATE_JSON_BOUND;
    // [seq,seq], with the comma.
    const PER_ACK: u64 = 2 * 20 + 4;
    // {"name":"…","size":…,"sha256":"<64>","mtime":"<≤40>","kind":"<≤32>","incomplete":true},
    const PER_FILE: u64 = 8 + 9 + 20 + 11 + 64 + 10 + 40 + 9 + MAX_KIND_LEN as u64 + 20 + 2;
    let files: u64 = name_lens.into_iter().map(|n| PER_FILE + 2 * n as u64).sum();
    (HEADER_LEN + TAG_LEN + SIGNATURE_LEN) as u64 + FIXED + PER_ACK * ack_ranges as u64 + files
}

/// Checks what a metadata block says against the limits and the name rules.
pub fn validate_meta(meta: &Meta, path: &std::path::Path) -> Result<u64, Error> {
    let malformed = |why| Error::Malformed {
        path: path.to_owned(),
        why,
    };
    if meta.files.len() > MAX_FILES {
        return Err(malformed("too many files"));
    }
    if meta.seq == 0 || meta.seq > MAX_SEQ {
        return Err(malformed("sequence number out of range (1 to 2^53 - 1)"));
    }
    let rfc3339 = |t: &str| chrono::DateTime::parse_from_rfc3339(t).is_ok();
    if !rfc3339(&meta.created) {
        return Err(malformed("created is not an RFC 3339 time"));
    }
    if !matches!(meta.sender_role.as_str(), "clinic" | "terminal") {
        return Err(malformed("sender_role is neither clinic nor terminal"));
    }
    filename::check_set(meta.files.iter().map(|f| f.name.as_str())).map_err(|source| {
        Error::UnsafeName {
            path: path.to_owned(),
            source,
        }
    })?;
    let mut total: u64 = 0;
    for f in &meta.files {
        if f.sha256.len() != 64
            || !f
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err(malformed("bad sha256 field"));
        }
        if f.kind.is_empty()
            || f.kind.len() > MAX_KIND_LEN
            || !f
                .kind
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(malformed("bad kind field"));
        }
        if f.mtime.as_deref().is_some_and(|t| !rfc3339(t)) {
            return Err(malformed("a file's mtime is not an RFC 3339 time"));
        }
        total = total
            .checked_add(f.size)
            .ok_or_else(|| malformed("sizes overflow"))?;
    }
    let mut last = 0;
    for r in &meta.acks {
        // sorted, disjoint, 1 <= from <= to <= MAX_SEQ
        if r[0] <= last || r[0] > r[1] || r[1] > MAX_SEQ {
            return Err(malformed(
                "acknowledgement ranges not sorted, overlapping or out of range",
            ));
        }
        last = r[1];
    }
    if data_len_for(total) > MAX_DATA_LEN {
        return Err(malformed("declared sizes exceed the format's limit"));
    }
    care::validate(
        meta.health.as_ref(),
        meta.terminal_settings.as_ref(),
        meta.update.as_ref(),
    )
    .map_err(malformed)?;
    Ok(total)
}

/// Bytes covered by the signature: the domain prefix, then `manifest_without_signature`.
pub fn signed_message(manifest_without_signature: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(SIGNATURE_DOMAIN.len() + manifest_without_signature.len());
    m.extend_from_slice(SIGNATURE_DOMAIN);
    m.extend_from_slice(manifest_without_signature);
    m
}

/// Smallest possible manifest: header, an empty-plaintext tag, a signature.
pub const MIN_MANIFEST_LEN: usize = HEADER_LEN + TAG_LEN + SIGNATURE_LEN;
/// Largest manifest read from a stick.
pub const MAX_MANIFEST_LEN: usize = HEADER_LEN + MAX_META_LEN + SIGNATURE_LEN;

#[cfg(test)]
mod tests {
    use super::*;

    /// The room the engine reserves for a manifest is never less than a real one takes, with
    /// every field at its widest.
    #[test]
    fn manifest_len_bound_holds_for_the_widest_metadata() {
        let names = ["a.xml".to_owned(), "試".repeat(85), "x".repeat(255)];
        let meta = Meta {
            seq: MAX_SEQ,
            created: "2026-11-27T09:30:00.123456789+09:00".to_owned(),
            sender_role: "terminal".to_owned(),
            acks: vec![[MAX_SEQ - 3, MAX_SEQ - 2], [MAX_SEQ - 1, MAX_SEQ]],
            files: names
                .iter()
                .map(|n| FileEntry {
                    name: n.clone(),
                    size: u64::MAX,
                    sha256: "f".repeat(64),
                    mtime: Some("2026-11-27T09:30:00.123456789+09:00".to_owned()),
                    kind: "k".repeat(MAX_KIND_LEN),
                    incomplete: true,
                })
                .collect(),
            health: None,
            terminal_settings: None,
            update: None,
        };
        let json = serde_json::to_vec(&meta).unwrap();
        let real = (HEADER_LEN + json.len() + TAG_LEN + SIGNATURE_LEN) as u64;
        let bound = manifest_len_bound(names.iter().map(String::len), meta.acks.len());
        assert!(real <= bound, "{real} > {bound}");
        assert!(
            bound < real + 1024 + care::CARE_JSON_BOUND + care::UPDATE_JSON_BOUND,
            "a bound far above the real length wastes the stick"
        );
    }

    /// What FORMAT.md section 5 says of the metadata JSON, pinned: required and optional
    /// fields, `null`, floats, duplicate keys, a byte-order mark, unknown fields, the RFC 3339
    /// profile.
    #[test]
    fn metadata_json_rules() {
        let parse = |json: &str| -> Result<Meta, ()> {
            let meta: Meta = serde_json::from_str(json).map_err(|_| ())?;
            validate_meta(&meta, std::path::Path::new("x.oqm")).map_err(|_| ())?;
            Ok(meta)
        };
        let file = r#"{"name":"a.xml","size":1,"sha256":"0000000000000000000000000000000000000000000000000000000000000000","kind":"file"}"#;
        let with = |fields: &str| {
            format!(
                r#"{{"seq":1,"created":"2026-11-27T09:30:00+09:00","sender_role":"clinic",{fields}"files":[{file}]}}"#
            )
        };
        assert!(parse(&with("")).is_ok(), "acks may be absent");
        assert!(parse(&with(r#""acks":[],"#)).is_ok());
        assert!(
            parse(&with(r#""acks":null,"#)).is_err(),
            "null is not absent"
        );
        assert!(
            parse(&with(r#""future_field":{"x":1},"#)).is_ok(),
            "unknown fields ignored"
        );
        // The care of the terminal (§5.1): optional, each field inside optional, null absent.
        for (fields, ok) in [
            (r#""health":null,"#, true),
            (r#""health":{},"#, true),
            (r#""health":{"app_version":"0.2.0","later":{"x":1}},"#, true),
            (r#""health":{"clock":"yesterday"},"#, false),
            (r#""health":{"archive_bytes":-1},"#, false),
            (r#""terminal_settings":{"rev":2,"kinds":["single"]},"#, true),
            (r#""terminal_settings":{"rev":1.5},"#, false),
        ] {
            assert_eq!(parse(&with(fields)).is_ok(), ok, "{fields}");
        }
        for required in ["seq", "created", "sender_role", "files"] {
            let mut v: serde_json::Value = serde_json::from_str(&with("")).unwrap();
            v.as_object_mut().unwrap().remove(required);
            assert!(parse(&v.to_string()).is_err(), "{required} is required");
        }
        for required in ["name", "size", "sha256", "kind"] {
            let mut v: serde_json::Value = serde_json::from_str(&with("")).unwrap();
            v["files"][0].as_object_mut().unwrap().remove(required);
            assert!(
                parse(&v.to_string()).is_err(),
                "files[].{required} is required"
            );
        }
        let mut v: serde_json::Value = serde_json::from_str(&with("")).unwrap();
        v["files"][0]["mtime"] = serde_json::Value::Null;
        assert!(parse(&v.to_string()).is_ok(), "mtime: null is absent");
        v["files"][0]["incomplete"] = serde_json::Value::Null;
        assert!(
            parse(&v.to_string()).is_err(),
            "incomplete: null is refused"
        );
        assert!(
            parse(&with("").replace(r#""seq":1"#, r#""seq":1.0"#)).is_err(),
            "no floats"
        );
        assert!(parse(&with("").replace(r#""seq":1"#, r#""seq":-1"#)).is_err());
        assert!(
            parse(&with("").replace(r#""seq":1,"#, r#""seq":1,"seq":2,"#)).is_err(),
            "duplicate keys are refused"
        );
        assert!(
            parse(&format!("\u{feff}{}", with(""))).is_err(),
            "no byte-order mark"
        );
        for (created, ok) in [
            ("2026-11-27T09:30:00+09:00", true),
            ("2026-11-27T00:30:00Z", true),
            ("2026-11-27T00:30:00.123456789Z", true),
            ("2026-11-27t00:30:00z", true),
            ("2026-11-27 00:30:00Z", true),
            ("2026-11-27T09:30:00", false),
            ("2026-11-27", false),
            ("yesterday", false),
        ] {
            let json = with("").replace("2026-11-27T09:30:00+09:00", created);
            assert_eq!(parse(&json).is_ok(), ok, "created {created}");
        }
    }

    #[test]
    fn data_length_rule() {
        assert_eq!(data_len_for(0), 16);
        assert_eq!(data_len_for(1), 17);
        assert_eq!(data_len_for(CHUNK_SIZE as u64), CHUNK_SIZE as u64 + 16);
        assert_eq!(
            data_len_for(CHUNK_SIZE as u64 + 1),
            CHUNK_SIZE as u64 + 1 + 32
        );
    }

    #[test]
    fn header_round_trip() {
        let h = Header {
            version: 1,
            package_id: [1; 16],
            sender: Fingerprint([2; 16]),
            recipient: Fingerprint([3; 16]),
            ephemeral_pk: [4; 32],
            data_len: 5,
            meta_len: 6,
        };
        let p = std::path::Path::new("x.oqm");
        assert_eq!(Header::decode(&h.encode(), p).unwrap(), h);
        let mut future = h.encode();
        future[9] = 2;
        assert!(matches!(
            Header::decode(&future, p),
            Err(Error::FutureVersion { version: 2, .. })
        ));
    }
}
