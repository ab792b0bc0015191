//! The streaming package writer: data first, flushed; the signed manifest last.

use super::{
    CHUNK_SIZE, DATA_EXT, Error, FileEntry, HEADER_LEN, Header, MANIFEST_EXT, MAX_DATA_LEN,
    MAX_FILES, Meta, VERSION, data_len_for, signed_message,
};
use crate::crypto::{self, Identity, PublicKeys};
use crate::{durable, filename};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// One file to put into a package.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Where to read it.
    pub path: PathBuf,
    /// The name it travels under.
    pub name: String,
    /// Its kind label (`file` when not classified).
    pub kind: String,
    /// Its content is known to be incomplete (travels as [`FileEntry::incomplete`]).
    pub incomplete: bool,
}

/// What was written.
#[derive(Debug)]
pub struct Written {
    /// The manifest header.
    pub header: Header,
    /// The metadata that was sealed.
    pub meta: Meta,
    /// The manifest on the stick.
    pub manifest_path: PathBuf,
    /// The data file on the stick.
    pub data_path: PathBuf,
}

/// Parameters of one package apart from its files.
pub struct Envelope<'a> {
    /// Our identity (signs).
    pub identity: &'a Identity,
    /// The recipient's public keys (can decrypt).
    pub recipient: &'a PublicKeys,
    /// Sequence number in this direction.
    pub seq: u64,
    /// Our role, recorded in the metadata.
    pub sender_role: &'a str,
    /// Acknowledged sequence numbers of the recipient's packages.
    pub acks: Vec<[u64; 2]>,
    /// Terminal: its health report ([`Meta::health`]).
    pub health: Option<super::Health>,
    /// Clinic: settings for the terminal ([`Meta::terminal_settings`]).
    pub terminal_settings: Option<super::TerminalSettings>,
    /// Clinic: an update travelling to the terminal ([`Meta::update`]).
    pub update: Option<super::Update>,
}

/// What a package otherwise draws from the operating system, given instead: its randomness and
/// the clock. With these, the same identity, envelope and files always seal to the same bytes,
/// which is what the published test vectors (`tests/fixtures/vectors/`) need.
///
/// Test vectors only. Never seal two packages with the same values: a repeated ephemeral secret
/// and package id repeat the keys and the nonces.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Fixed {
    /// The package id, normally 16 random bytes.
    pub package_id: [u8; 16],
    /// The sender's ephemeral X25519 secret, normally 32 random bytes (clamped when used).
    pub ephemeral_secret: [u8; 32],
    /// The metadata's `created` time, normally the local clock when the data is written.
    pub created: chrono::DateTime<chrono::FixedOffset>,
}

/// Seals `files` into a new package in `dir`. On error, nothing of the package is left behind.
pub fn write_package(
    env: Envelope<'_>,
    dir: &Path,
    files: &[SourceFile],
) -> Result<Written, Error> {
    seal(env, dir, files, None)
}

/// [`write_package`] with the randomness and the clock taken from `fixed`: reproducible bytes
/// for the test vectors. See [`Fixed`].
#[doc(hidden)]
pub fn write_package_fixed(
    env: Envelope<'_>,
    dir: &Path,
    files: &[SourceFile],
    fixed: &Fixed,
) -> Result<Written, Error> {
    seal(env, dir, files, Some(fixed))
}

/// The writer; `fixed` is `None` in production (fresh randomness, the local clock).
fn seal(
    env: Envelope<'_>,
    dir: &Path,
    files: &[SourceFile],
    fixed: Option<&Fixed>,
) -> Result<Written, Error> {
    filename::check_set(files.iter().map(|f| f.name.as_str())).map_err(|source| {
        Error::BadName {
            path: files
                .iter()
                .find(|f| filename::check(&f.name).is_err())
                .map(|f| f.path.clone())
                .unwrap_or_default(),
            source,
        }
    })?;
    if files.len() > MAX_FILES {
        return Err(Error::TooLarge {
            size: files.len() as u64,
        });
    }
    let mut entries = Vec::with_capacity(files.len());
    let mut total: u64 = 0;
    for f in files {
        let md = fs::metadata(&f.path).map_err(|e| Error::io(&f.path, e))?;
        if !md.is_file() {
            return Err(Error::SourceChanged {
                path: f.path.clone(),
            });
        }
        let mtime = md.modified().ok().map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        });
        total = total.saturating_add(md.len());
        entries.push(FileEntry {
            name: f.name.clone(),
            size: md.len(),
            sha256: String::new(),
            mtime,
            kind: f.kind.clone(),
            incomplete: f.incomplete,
        });
    }
    let data_len = data_len_for(total);
    if data_len > MAX_DATA_LEN {
        return Err(Error::TooLarge { size: data_len });
    }

    let (package_id, (ephemeral_pk, keys)) = match fixed {
        None => {
            let package_id: [u8; 16] = crypto::random()?;
            let keys = crypto::sender_package_keys(env.recipient, &package_id)?;
            (package_id, keys)
        }
        Some(f) => {
            let keys =
                crypto::sender_package_keys_from(f.ephemeral_secret, env.recipient, &f.package_id)?;
            (f.package_id, keys)
        }
    };
    let id = hex::encode(package_id);
    let data_path = dir.join(format!("{id}.{DATA_EXT}"));
    let manifest_path = dir.join(format!("{id}.{MANIFEST_EXT}"));
    let manifest_tmp = durable::temp_path(&manifest_path);

    let result = (|| {
        let file = durable::create_new(&data_path).map_err(|e| Error::io(&data_path, e))?;
        let mut out = ChunkWriter::new(file, &keys.data, package_id, total, &data_path);
        for (f, entry) in files.iter().zip(entries.iter_mut()) {
            entry.sha256 = out.copy_file(&f.path, entry.size)?;
        }
        // Flushed below, together with the manifest.
        drop(out.finish()?);

        let meta = Meta {
            seq: env.seq,
            created: fixed
                .map_or_else(|| chrono::Local::now().fixed_offset(), |f| f.created)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            sender_role: env.sender_role.to_owned(),
            acks: env.acks,
            files: entries,
            health: env.health,
            terminal_settings: env.terminal_settings,
            update: env.update,
        };
        let mut sealed = serde_json::to_vec(&meta).map_err(|_| Error::Malformed {
            path: manifest_path.clone(),
            why: "metadata cannot be encoded",
        })?;
        let header = Header {
            version: VERSION,
            package_id,
            sender: env.identity.public().fingerprint(),
            recipient: env.recipient.fingerprint(),
            ephemeral_pk,
            data_len,
            meta_len: u32::try_from(sealed.len() + crypto::TAG_LEN)
                .map_err(|_| Error::TooLarge { size: data_len })?,
        };
        let head = header.encode();
        crypto::seal_chunk(&keys.meta, 0, true, &head, &mut sealed)?;
        let mut manifest = Vec::with_capacity(HEADER_LEN + sealed.len() + crypto::SIGNATURE_LEN);
        manifest.extend_from_slice(&head);
        manifest.extend_from_slice(&sealed);
        let sig = env.identity.sign(&signed_message(&manifest));
        manifest.extend_from_slice(&sig);

        let mut f = durable::create(&manifest_tmp).map_err(|e| Error::io(&manifest_tmp, e))?;
        f.write_all(&manifest)
            .map_err(|e| Error::io(&manifest_tmp, e))?;
        drop(f);
        // Both files reach the medium before the manifest gets its name: a package whose
        // manifest exists is whole (FORMAT.md). The two flushes run at once (one device round
        // trip where the file system groups them, instead of two in a row).
        durable::sync_paths(&[data_path.clone(), manifest_tmp.clone()])
            .map_err(|e| Error::io(&data_path, e))?;
        durable::rename(&manifest_tmp, &manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
        durable::sync_parent(&manifest_path).map_err(|e| Error::io(&manifest_path, e))?;
        Ok(Written {
            header,
            meta,
            manifest_path: manifest_path.clone(),
            data_path: data_path.clone(),
        })
    })();
    if result.is_err() {
        let _ = durable::remove_file(&manifest_tmp);
        let _ = durable::remove_file(&data_path);
    }
    result
}

/// Cuts the plaintext stream into chunks, encrypts and writes them.
struct ChunkWriter<'a> {
    out: BufWriter<durable::Tracked>,
    key: &'a ring::aead::LessSafeKey,
    aad: [u8; 16],
    buf: Vec<u8>,
    index: u64,
    chunks: u64,
    path: &'a Path,
}

impl<'a> ChunkWriter<'a> {
    fn new(
        file: durable::Tracked,
        key: &'a ring::aead::LessSafeKey,
        aad: [u8; 16],
        total: u64,
        path: &'a Path,
    ) -> Self {
        Self {
            out: BufWriter::with_capacity(1 << 20, file),
            key,
            aad,
            buf: Vec::with_capacity(CHUNK_SIZE + crypto::TAG_LEN),
            index: 0,
            chunks: total.div_ceil(CHUNK_SIZE as u64).max(1),
            path,
        }
    }

    /// Streams one file into the package; returns its SHA-256 (hex). Fails when the file does not
    /// have exactly `expected` bytes.
    fn copy_file(&mut self, path: &Path, expected: u64) -> Result<String, Error> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut hasher = Sha256::new();
        let mut seen: u64 = 0;
        loop {
            if self.buf.len() == CHUNK_SIZE {
                if self.index + 1 < self.chunks {
                    self.flush_chunk(false)?;
                } else {
                    // The last chunk is full: the file must be at its end.
                    let mut probe = [0u8; 1];
                    if read_retrying(&mut file, &mut probe).map_err(|e| Error::io(path, e))? > 0 {
                        return Err(Error::SourceChanged {
                            path: path.to_owned(),
                        });
                    }
                    break;
                }
            }
            let start = self.buf.len();
            // Read at most what the file should still hold, plus one byte to see its end (or
            // that it grew): zeroing the whole rest of the chunk for every small file cost
            // more than reading it.
            let want = usize::try_from(expected.saturating_sub(seen))
                .unwrap_or(usize::MAX)
                .saturating_add(1)
                .min(CHUNK_SIZE - start);
            self.buf.resize(start + want, 0);
            let read = read_retrying(&mut file, &mut self.buf[start..]);
            let n = *read.as_ref().unwrap_or(&0);
            self.buf.truncate(start + n);
            read.map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&self.buf[start..]);
            seen += n as u64;
            if seen > expected {
                return Err(Error::SourceChanged {
                    path: path.to_owned(),
                });
            }
        }
        if seen != expected {
            return Err(Error::SourceChanged {
                path: path.to_owned(),
            });
        }
        Ok(hex::encode(hasher.finalize()))
    }

    fn flush_chunk(&mut self, last: bool) -> Result<(), Error> {
        crypto::seal_chunk(self.key, self.index, last, &self.aad, &mut self.buf)?;
        self.out
            .write_all(&self.buf)
            .map_err(|e| Error::io(self.path, e))?;
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<durable::Tracked, Error> {
        if self.index + 1 != self.chunks || self.buf.len() > CHUNK_SIZE {
            return Err(Error::SourceChanged {
                path: self.path.to_owned(),
            });
        }
        self.flush_chunk(true)?;
        self.out
            .into_inner()
            .map_err(|e| Error::io(self.path, e.into_error()))
    }
}

fn read_retrying(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
