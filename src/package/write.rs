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
use std::sync::mpsc;

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
    seal(env, dir, files, None, None)
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
    seal(env, dir, files, Some(fixed), None)
}

/// [`write_package`] for files whose metadata the caller has just read (one `stat` per file
/// instead of two for a seal of 10,000 small files): `stats[i]` belongs to `files[i]`.
pub(crate) fn write_package_stated(
    env: Envelope<'_>,
    dir: &Path,
    files: &[SourceFile],
    stats: Vec<fs::Metadata>,
) -> Result<Written, Error> {
    seal(env, dir, files, None, Some(stats))
}

/// The writer; `fixed` is `None` in production (fresh randomness, the local clock), `stats` is
/// `None` when the metadata of the files is still to be read.
fn seal(
    env: Envelope<'_>,
    dir: &Path,
    files: &[SourceFile],
    fixed: Option<&Fixed>,
    stats: Option<Vec<fs::Metadata>>,
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
    let stats = match stats {
        Some(stats) if stats.len() == files.len() => stats,
        _ => files
            .iter()
            .map(|f| fs::metadata(&f.path).map_err(|e| Error::io(&f.path, e)))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut entries = Vec::with_capacity(files.len());
    let mut total: u64 = 0;
    for (f, md) in files.iter().zip(&stats) {
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
        let sizes: Vec<u64> = entries.iter().map(|e| e.size).collect();
        let (hashes, file) = write_data(file, &keys.data, package_id, files, &sizes, &data_path)?;
        for (entry, sha256) in entries.iter_mut().zip(hashes) {
            entry.sha256 = sha256;
        }
        let header = Header {
            version: VERSION,
            package_id,
            sender: env.identity.public().fingerprint(),
            recipient: env.recipient.fingerprint(),
            ephemeral_pk,
            data_len,
            // Set with the metadata's length.
            meta_len: 0,
        };
        let created = fixed.map(|f| f.created);
        // The data file is flushed while the manifest is made, signed, written and flushed
        // (the signature alone hashes the whole manifest twice): both are on the medium
        // before the manifest gets its name, so a package whose manifest exists is whole
        // (FORMAT.md).
        let made = durable::sync_file_during(file.file(), &data_path, || {
            manifest_file(env, entries, &keys.meta, header, created, &manifest_tmp)
        })
        .map_err(|e| Error::io(&data_path, e))?;
        drop(file);
        let (header, meta) = made?;
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

/// Makes the manifest of a package whose data file is written (`header` without the
/// metadata's length; `created` given only for the test vectors), writes it to `tmp` and
/// flushes it; returns its header and the metadata it seals.
fn manifest_file(
    env: Envelope<'_>,
    entries: Vec<FileEntry>,
    meta_key: &ring::aead::LessSafeKey,
    mut header: Header,
    created: Option<chrono::DateTime<chrono::FixedOffset>>,
    tmp: &Path,
) -> Result<(Header, Meta), Error> {
    let meta = Meta {
        seq: env.seq,
        created: created
            .unwrap_or_else(|| chrono::Local::now().fixed_offset())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        sender_role: env.sender_role.to_owned(),
        acks: env.acks,
        files: entries,
        health: env.health,
        terminal_settings: env.terminal_settings,
        update: env.update,
    };
    let mut sealed = serde_json::to_vec(&meta).map_err(|_| Error::Malformed {
        path: tmp.to_owned(),
        why: "metadata cannot be encoded",
    })?;
    header.meta_len =
        u32::try_from(sealed.len() + crypto::TAG_LEN).map_err(|_| Error::TooLarge {
            size: header.data_len,
        })?;
    let head = header.encode();
    crypto::seal_chunk(meta_key, 0, true, &head, &mut sealed)?;
    let mut manifest = Vec::with_capacity(HEADER_LEN + sealed.len() + crypto::SIGNATURE_LEN);
    manifest.extend_from_slice(&head);
    manifest.extend_from_slice(&sealed);
    let sig = env.identity.sign(&signed_message(&manifest));
    manifest.extend_from_slice(&sig);

    let mut f = durable::create(tmp).map_err(|e| Error::io(tmp, e))?;
    f.write_all(&manifest).map_err(|e| Error::io(tmp, e))?;
    f.sync_all().map_err(|e| Error::io(tmp, e))?;
    Ok((header, meta))
}

/// Chunks read ahead of the encryption (64 KiB each): enough to keep both threads busy, little
/// memory.
const READ_AHEAD: usize = 8;

/// Writes the data file: the files' bytes one after another, cut into chunks, each encrypted
/// and written. Returns each file's SHA-256 (hex) and the data file, not flushed.
///
/// Two threads, so that a seal uses both cores of a small PC: a reading thread opens, reads and
/// hashes the files into plaintext chunks ([`read_chunks`]); this thread encrypts and writes
/// them. Every write stays on the calling thread (the write boundary, [`durable::seam`], is
/// per thread); the reading thread only reads.
fn write_data(
    file: durable::Tracked,
    key: &ring::aead::LessSafeKey,
    aad: [u8; 16],
    files: &[SourceFile],
    sizes: &[u64],
    path: &Path,
) -> Result<(Vec<String>, durable::Tracked), Error> {
    let total: u64 = sizes.iter().sum();
    let chunks = total.div_ceil(CHUNK_SIZE as u64).max(1);
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let (hashes, written) = std::thread::scope(|s| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(READ_AHEAD);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        let reader = s.spawn(move || read_chunks(files, sizes, chunks, &full_tx, &empty_rx, path));
        let mut index: u64 = 0;
        let mut written = Ok(());
        while let Ok(mut buf) = full_rx.recv() {
            if index >= chunks {
                written = Err(Error::SourceChanged {
                    path: path.to_owned(),
                });
                break;
            }
            let sealed = crypto::seal_chunk(key, index, index + 1 == chunks, &aad, &mut buf)
                .map_err(Error::from)
                .and_then(|()| out.write_all(&buf).map_err(|e| Error::io(path, e)));
            if let Err(e) = sealed {
                written = Err(e);
                break;
            }
            index += 1;
            buf.clear();
            // The reader is gone once it sent the last chunk: nothing to give back then.
            let _ = empty_tx.send(buf);
        }
        // Dropping the receiver stops a reader still waiting to hand over a chunk.
        drop(full_rx);
        let hashes = match reader.join() {
            Ok(h) => h,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (hashes, written.map(|()| index))
    });
    // An error of the writing side comes first: the reader then only saw the writer stop.
    let index = written?;
    let hashes = hashes?;
    if index != chunks {
        return Err(Error::SourceChanged {
            path: path.to_owned(),
        });
    }
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    Ok((hashes, file))
}

/// The reading thread of [`write_data`]: reads `files` (each must have exactly `sizes[i]`
/// bytes) into chunks of [`CHUNK_SIZE`] bytes (the last one shorter), sends them in order and
/// returns each file's SHA-256 (hex). Takes emptied buffers back from `empty` when there are.
fn read_chunks(
    files: &[SourceFile],
    sizes: &[u64],
    chunks: u64,
    full: &mpsc::SyncSender<Vec<u8>>,
    empty: &mpsc::Receiver<Vec<u8>>,
    data_path: &Path,
) -> Result<Vec<String>, Error> {
    let fresh = || Vec::with_capacity(CHUNK_SIZE + crypto::TAG_LEN);
    // The writer stopped (its own error is the one reported).
    let stopped = || Error::io(data_path, std::io::Error::other("the writer stopped"));
    let mut buf = fresh();
    let mut index: u64 = 0;
    let mut hashes = Vec::with_capacity(files.len());
    for (f, &expected) in files.iter().zip(sizes) {
        let path = f.path.as_path();
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let mut hasher = Sha256::new();
        let mut seen: u64 = 0;
        loop {
            if buf.len() == CHUNK_SIZE {
                if index + 1 < chunks {
                    let next = empty.try_recv().unwrap_or_else(|_| fresh());
                    full.send(std::mem::replace(&mut buf, next))
                        .map_err(|_| stopped())?;
                    index += 1;
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
            let start = buf.len();
            // Read at most what the file should still hold, plus one byte to see its end (or
            // that it grew): zeroing the whole rest of the chunk for every small file cost
            // more than reading it.
            let left = expected.saturating_sub(seen);
            let want = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .saturating_add(1)
                .min(CHUNK_SIZE - start);
            buf.resize(start + want, 0);
            let read = read_retrying(&mut file, &mut buf[start..]);
            let n = *read.as_ref().unwrap_or(&0);
            buf.truncate(start + n);
            read.map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[start..]);
            seen += n as u64;
            if seen > expected {
                return Err(Error::SourceChanged {
                    path: path.to_owned(),
                });
            }
            // A read that asked for one byte more than the file should still hold and got
            // fewer than it asked for has met the file's end (a regular file reads short only
            // there): the second read, which would return nothing, is saved (one syscall per
            // small file).
            if seen == expected && n < want {
                break;
            }
        }
        if seen != expected {
            return Err(Error::SourceChanged {
                path: path.to_owned(),
            });
        }
        hashes.push(crypto::to_hex(&hasher.finalize()));
    }
    if index + 1 != chunks {
        return Err(Error::SourceChanged {
            path: data_path.to_owned(),
        });
    }
    full.send(buf).map_err(|_| stopped())?;
    Ok(hashes)
}

fn read_retrying(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}
