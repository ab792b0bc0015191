//! The package reader: verifies a manifest, then streams and checks the data file.
//!
//! Everything here treats the stick as hostile: lengths are checked against the file size and the
//! format's limits before anything is allocated, and nothing reaches a [`FileSink`] before its
//! chunk has been authenticated. A file's bytes are only final once `finish` was called for it,
//! which happens after its SHA-256 matched.

use super::{
    CHUNK_SIZE, DATA_EXT, Error, FileEntry, HEADER_LEN, Header, MANIFEST_EXT, MAX_MANIFEST_LEN,
    MIN_MANIFEST_LEN, Meta, data_len_for, signed_message, validate_meta,
};
use crate::crypto::{self, Fingerprint, Identity, PublicKeys, SIGNATURE_LEN, TAG_LEN};
use ring::aead::LessSafeKey;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Receives the verified content of a package, file by file.
pub trait FileSink {
    /// A new file starts.
    fn begin(&mut self, index: usize, entry: &FileEntry) -> Result<(), Error>;
    /// Authenticated bytes of the current file.
    fn write(&mut self, bytes: &[u8]) -> Result<(), Error>;
    /// The current file is complete and its SHA-256 matched.
    fn finish(&mut self, index: usize, entry: &FileEntry) -> Result<(), Error>;
}

/// A sink that keeps nothing: verification only.
pub struct NullSink;

impl FileSink for NullSink {
    fn begin(&mut self, _: usize, _: &FileEntry) -> Result<(), Error> {
        Ok(())
    }
    fn write(&mut self, _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
    fn finish(&mut self, _: usize, _: &FileEntry) -> Result<(), Error> {
        Ok(())
    }
}

/// What a manifest turned out to be.
pub enum Classified {
    /// Sealed by this installation (travelling to the peer): not ours to open.
    Own(Header),
    /// From the peer to us, signature verified and metadata decrypted.
    ForUs(Box<OpenedManifest>),
}

/// A verified manifest, ready to stream its data.
pub struct OpenedManifest {
    /// The header.
    pub header: Header,
    /// The decrypted metadata.
    pub meta: Meta,
    /// Where the manifest was read.
    pub manifest_path: PathBuf,
    /// Where the data file is expected.
    pub data_path: PathBuf,
    plain_len: u64,
    data_key: LessSafeKey,
}

/// Reads and verifies the manifest at `path` for `identity`, trusting only `peer` as sender.
pub fn read_manifest(
    path: &Path,
    identity: &Identity,
    peer: Option<&PublicKeys>,
) -> Result<Classified, Error> {
    let malformed = |why| Error::Malformed {
        path: path.to_owned(),
        why,
    };
    let mut file = crate::durable::open_regular(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::InvalidInput {
            Error::Malformed {
                path: path.to_owned(),
                why: "not a regular file",
            }
        } else {
            Error::io(path, e)
        }
    })?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len < MIN_MANIFEST_LEN as u64 {
        return Err(malformed("too short"));
    }
    if len > MAX_MANIFEST_LEN as u64 {
        return Err(malformed("too large"));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.by_ref()
        .take(len)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 != len {
        return Err(malformed("changed while read"));
    }
    let header = Header::decode(&bytes, path)?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != header.id_hex() {
        return Err(Error::Renamed {
            path: path.to_owned(),
            id: header.id_hex(),
        });
    }
    let own = identity.public();
    let signed = |keys: &PublicKeys| -> Result<(), Error> {
        let (body, sig) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
        keys.verify(&signed_message(body), sig)
            .map_err(|_| Error::BadSignature {
                path: path.to_owned(),
            })
    };
    if header.sender == own.fingerprint() {
        // Our own package travelling to the peer: only check that it really is ours.
        signed(&own)?;
        return Ok(Classified::Own(header));
    }
    if header.recipient != own.fingerprint() {
        return Err(Error::NotForUs {
            path: path.to_owned(),
            recipient: header.recipient,
        });
    }
    let peer = match peer {
        Some(p) if p.fingerprint() == header.sender => p,
        _ => {
            return Err(Error::UnknownSender {
                path: path.to_owned(),
                sender: header.sender,
            });
        }
    };
    if header.meta_len as usize != bytes.len() - HEADER_LEN - SIGNATURE_LEN
        || (header.meta_len as usize) < TAG_LEN
    {
        return Err(malformed("metadata length does not match the file"));
    }
    signed(peer)?;
    let body = &bytes[..bytes.len() - SIGNATURE_LEN];

    // A low-order ephemeral key (all-zero shared secret) is a crafted package, not a fault of
    // this PC: refused like any altered byte, at the key's offset in the header (FORMAT.md §4).
    const EPHEMERAL_KEY_OFFSET: u64 = 60;
    let keys = identity
        .package_keys(&header.ephemeral_pk, &header.package_id)
        .map_err(|e| match e {
            crypto::Error::BadPublicKey => Error::Tampered {
                path: path.to_owned(),
                offset: EPHEMERAL_KEY_OFFSET,
            },
            other => Error::from(other),
        })?;
    let mut sealed = body[HEADER_LEN..].to_vec();
    let n = crypto::open_chunk(&keys.meta, 0, true, &body[..HEADER_LEN], &mut sealed).map_err(
        |_| Error::Tampered {
            path: path.to_owned(),
            offset: HEADER_LEN as u64,
        },
    )?;
    let meta: Meta =
        serde_json::from_slice(&sealed[..n]).map_err(|_| malformed("metadata is not valid"))?;
    let plain_len = validate_meta(&meta, path)?;
    if header.data_len != data_len_for(plain_len) {
        return Err(malformed("data length does not match the files"));
    }
    let data_path = path.with_extension(DATA_EXT);
    debug_assert!(path.extension().is_some_and(|e| e == MANIFEST_EXT));
    Ok(Classified::ForUs(Box::new(OpenedManifest {
        header,
        meta,
        manifest_path: path.to_owned(),
        data_path,
        plain_len,
        data_key: keys.data,
    })))
}

impl OpenedManifest {
    /// The sender's fingerprint.
    pub fn sender(&self) -> Fingerprint {
        self.header.sender
    }

    /// Decrypts and checks the whole data file, handing verified bytes to `sink`.
    pub fn stream(&self, sink: &mut dyn FileSink) -> Result<(), Error> {
        let path = &self.data_path;
        let mut file = match crate::durable::open_regular(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::DataMissing { path: path.clone() });
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(Error::DataNotRegular { path: path.clone() });
            }
            Err(e) => return Err(Error::io(path, e)),
        };
        let actual = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if actual != self.header.data_len {
            return Err(Error::DataLength {
                path: path.clone(),
                expected: self.header.data_len,
                actual,
            });
        }
        let chunks = self.plain_len.div_ceil(CHUNK_SIZE as u64).max(1);
        let mut demux = Demux::new(&self.meta.files);
        let mut buf = vec![0u8; CHUNK_SIZE + TAG_LEN];
        let mut offset: u64 = 0;
        demux.skip_empty(sink)?;
        for index in 0..chunks {
            let plain =
                (self.plain_len - index * CHUNK_SIZE as u64).min(CHUNK_SIZE as u64) as usize;
            let chunk = &mut buf[..plain + TAG_LEN];
            file.read_exact(chunk).map_err(|e| Error::io(path, e))?;
            let n = crypto::open_chunk(
                &self.data_key,
                index,
                index + 1 == chunks,
                &self.header.package_id,
                chunk,
            )
            .map_err(|_| Error::Tampered {
                path: path.clone(),
                offset,
            })?;
            demux.feed(&chunk[..n], sink)?;
            offset += (plain + TAG_LEN) as u64;
        }
        demux.done()
    }
}

/// Splits the plaintext stream into the files of the metadata and checks each hash.
struct Demux<'a> {
    files: &'a [FileEntry],
    index: usize,
    left: u64,
    hasher: Sha256,
}

impl<'a> Demux<'a> {
    fn new(files: &'a [FileEntry]) -> Self {
        Self {
            files,
            index: 0,
            left: files.first().map_or(0, |f| f.size),
            hasher: Sha256::new(),
        }
    }

    /// Begins the current file and completes every zero-length file at the cursor.
    fn skip_empty(&mut self, sink: &mut dyn FileSink) -> Result<(), Error> {
        if let Some(f) = self.files.get(self.index) {
            sink.begin(self.index, f)?;
        }
        while self.index < self.files.len() && self.left == 0 {
            self.close(sink)?;
        }
        Ok(())
    }

    fn close(&mut self, sink: &mut dyn FileSink) -> Result<(), Error> {
        let f = &self.files[self.index];
        let digest = crypto::to_hex(&std::mem::take(&mut self.hasher).finalize());
        if digest != f.sha256 {
            return Err(Error::Checksum {
                name: f.name.clone(),
            });
        }
        sink.finish(self.index, f)?;
        self.index += 1;
        if let Some(next) = self.files.get(self.index) {
            self.left = next.size;
            sink.begin(self.index, next)?;
        }
        Ok(())
    }

    fn feed(&mut self, mut bytes: &[u8], sink: &mut dyn FileSink) -> Result<(), Error> {
        while !bytes.is_empty() {
            let take = (self.left.min(bytes.len() as u64)) as usize;
            if self.index >= self.files.len() || take == 0 {
                return Err(Error::Checksum {
                    name: String::from("(stream longer than its files)"),
                });
            }
            self.hasher.update(&bytes[..take]);
            sink.write(&bytes[..take])?;
            self.left -= take as u64;
            bytes = &bytes[take..];
            while self.index < self.files.len() && self.left == 0 {
                self.close(sink)?;
            }
        }
        Ok(())
    }

    fn done(self) -> Result<(), Error> {
        if self.index != self.files.len() {
            return Err(Error::Checksum {
                name: String::from("(stream shorter than its files)"),
            });
        }
        Ok(())
    }
}
