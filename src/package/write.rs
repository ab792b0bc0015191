//! The streaming package writer: data first, flushed; the signed manifest last.

use super::{
    CHUNK_SIZE, DATA_EXT, Error, FileEntry, HEADER_LEN, Header, MANIFEST_EXT, MAX_DATA_LEN,
    MAX_FILES, Meta, VERSION, data_len_for, signed_message,
};
use crate::crypto::{self, Identity, PublicKeys};
use crate::{durable, filename};
use sha2::{Digest, Sha256};
use std::fs::File;
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
    DataFile::write(env.recipient, dir, files, fixed)?
        .finish(env, None::<NoRecord>)
        .map(|(w, _)| w)
}

/// A package whose data file is written (not yet flushed) and whose manifest is still to be
/// made: the first half of [`write_package`], for a caller that takes the package's sequence
/// number only once its files were read (a file that cannot be read then costs no number).
/// The caller checked the names ([`filename::check_set`]). Dropped without
/// [`DataFile::finish`], it removes the data file.
pub(crate) struct DataFile<'f> {
    files: &'f [SourceFile],
    read: Vec<ReadFile>,
    package_id: [u8; 16],
    id: String,
    ephemeral_pk: [u8; 32],
    meta_key: ring::aead::LessSafeKey,
    recipient: crypto::Fingerprint,
    data_len: u64,
    created: Option<chrono::DateTime<chrono::FixedOffset>>,
    /// `None` once finished.
    file: Option<durable::Tracked>,
    data_path: PathBuf,
    manifest_path: PathBuf,
}

/// What reading one file found.
struct ReadFile {
    size: u64,
    sha256: String,
    mtime: Option<String>,
}

impl<'f> DataFile<'f> {
    /// Writes the data file of a new package for `recipient` in `dir`: reads `files` once each
    /// (opened, their metadata taken from the open file, read, hashed), encrypts and writes
    /// them. `fixed` as for [`write_package_fixed`].
    pub(crate) fn write(
        recipient: &PublicKeys,
        dir: &Path,
        files: &'f [SourceFile],
        fixed: Option<&Fixed>,
    ) -> Result<Self, Error> {
        if files.len() > MAX_FILES {
            return Err(Error::TooLarge {
                size: files.len() as u64,
            });
        }
        let (package_id, (ephemeral_pk, keys)) = match fixed {
            None => {
                let package_id: [u8; 16] = crypto::random()?;
                let keys = crypto::sender_package_keys(recipient, &package_id)?;
                (package_id, keys)
            }
            Some(f) => {
                let keys =
                    crypto::sender_package_keys_from(f.ephemeral_secret, recipient, &f.package_id)?;
                (f.package_id, keys)
            }
        };
        let id = hex::encode(package_id);
        let data_path = dir.join(format!("{id}.{DATA_EXT}"));
        let manifest_path = dir.join(format!("{id}.{MANIFEST_EXT}"));
        let file = durable::create_new(&data_path).map_err(|e| Error::io(&data_path, e))?;
        let mut data = DataFile {
            files,
            read: Vec::new(),
            package_id,
            id,
            ephemeral_pk,
            meta_key: keys.meta,
            recipient: recipient.fingerprint(),
            data_len: 0,
            created: fixed.map(|f| f.created),
            file: None,
            data_path,
            manifest_path,
        };
        // From here on, dropping `data` on an error removes the data file.
        let (read, file) = write_data(file, &keys.data, package_id, files, &data.data_path)?;
        data.data_len = data_len_for(read.iter().map(|r| r.size).sum());
        data.read = read;
        data.file = Some(file);
        Ok(data)
    }

    /// Makes, signs and writes the manifest, flushes both files and names the manifest: the
    /// package is complete. `record`, if given, runs on a second thread meanwhile (see
    /// [`Sealed`]); its result is returned with the package.
    pub(crate) fn finish<R: Send>(
        mut self,
        env: Envelope<'_>,
        record: Option<impl FnOnce(Sealed<'_>) -> R + Send>,
    ) -> Result<(Written, Option<R>), Error> {
        debug_assert_eq!(env.recipient.fingerprint(), self.recipient);
        let Some(file) = self.file.take() else {
            return Err(Error::io(
                &self.data_path,
                std::io::Error::other("finished twice"),
            ));
        };
        let manifest_tmp = durable::temp_path(&self.manifest_path);
        let entries: Vec<FileEntry> = self
            .files
            .iter()
            .zip(&self.read)
            .map(|(f, r)| FileEntry {
                name: f.name.clone(),
                size: r.size,
                sha256: r.sha256.clone(),
                mtime: r.mtime.clone(),
                kind: f.kind.clone(),
                incomplete: f.incomplete,
            })
            .collect();
        let header = Header {
            version: VERSION,
            package_id: self.package_id,
            sender: env.identity.public().fingerprint(),
            recipient: self.recipient,
            ephemeral_pk: self.ephemeral_pk,
            data_len: self.data_len,
            // Set with the metadata's length.
            meta_len: 0,
        };
        let this = &self;
        let result = std::thread::scope(|s| {
            let (done, done_rx) = mpsc::channel();
            let recorder = record.map(|record| {
                let sealed = Sealed {
                    id: &this.id,
                    files: this.files,
                    read: &this.read,
                    done: done_rx,
                };
                s.spawn(move || record(sealed))
            });
            let written = (|| {
                // The data file is flushed while the manifest is made, signed, written and
                // flushed (the signature alone hashes the whole manifest twice): both are on
                // the medium before the manifest gets its name, so a package whose manifest
                // exists is whole (FORMAT.md).
                let made = durable::sync_file_during(file.file(), &this.data_path, || {
                    manifest_file(
                        env,
                        entries,
                        &this.meta_key,
                        header,
                        this.created,
                        &manifest_tmp,
                    )
                })
                .map_err(|e| Error::io(&this.data_path, e))?;
                drop(file);
                let (header, meta) = made?;
                durable::rename(&manifest_tmp, &this.manifest_path)
                    .map_err(|e| Error::io(&this.manifest_path, e))?;
                durable::sync_parent(&this.manifest_path)
                    .map_err(|e| Error::io(&this.manifest_path, e))?;
                Ok(Written {
                    header,
                    meta,
                    manifest_path: this.manifest_path.clone(),
                    data_path: this.data_path.clone(),
                })
            })();
            // The recorder may have returned already (its own error): nobody to tell then.
            let _ = done.send(written.is_ok());
            (written, recorder.map(|r| r.join()))
        });
        let (written, recorded) = result;
        match &written {
            // Complete: nothing to remove any more, even if the recorder panicked.
            Ok(_) => self.data_path = PathBuf::new(),
            Err(_) => drop(durable::remove_file(&manifest_tmp)),
        }
        let recorded = recorded.map(|r| r.unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        written.map(|w| (w, recorded))
    }
}

impl Drop for DataFile<'_> {
    fn drop(&mut self) {
        // Not finished, or finishing failed: the data file goes (closed first, for Windows).
        drop(self.file.take());
        if !self.data_path.as_os_str().is_empty() {
            let _ = durable::remove_file(&self.data_path);
        }
    }
}

/// A package whose data file is written, as the `record` of [`DataFile::finish`] sees it
/// while the manifest is being made (for a 10,000-file package, writing its journal rows
/// takes about as long as the manifest).
pub(crate) struct Sealed<'a> {
    /// The package id (hex).
    pub id: &'a str,
    files: &'a [SourceFile],
    read: &'a [ReadFile],
    done: mpsc::Receiver<bool>,
}

impl<'a> Sealed<'a> {
    /// Each file's name, size, SHA-256 (hex) and kind, in the package's order.
    pub fn files(&self) -> impl Iterator<Item = (&'a str, u64, &'a str, &'a str)> + use<'a> {
        let (files, read) = (self.files, self.read);
        files
            .iter()
            .zip(read)
            .map(|(f, r)| (f.name.as_str(), r.size, r.sha256.as_str(), f.kind.as_str()))
    }

    /// Waits until the package is complete on the medium (its manifest named and the folder
    /// flushed): `true`; `false` when writing it failed.
    pub fn complete(&self) -> bool {
        self.done.recv().unwrap_or(false)
    }
}

/// No `record` (see [`DataFile::finish`]).
type NoRecord = fn(Sealed<'_>);

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
/// and written. Returns what reading each file found and the data file, not flushed.
///
/// A reading thread opens, reads and hashes the files into plaintext chunks ([`read_chunks`],
/// with a second reading thread of its own); this thread encrypts and writes them. Every write
/// stays on the calling thread (the write boundary, [`durable::seam`], is per thread); the
/// reading threads only read. The files' sizes are learnt while reading, so a chunk is
/// encrypted only once the next one arrived or the reader finished: then it is known whether
/// it is the last one (the nonce says so, FORMAT.md).
fn write_data(
    file: durable::Tracked,
    key: &ring::aead::LessSafeKey,
    aad: [u8; 16],
    files: &[SourceFile],
    path: &Path,
) -> Result<(Vec<ReadFile>, durable::Tracked), Error> {
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let (read, written) = std::thread::scope(|s| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(READ_AHEAD);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
        let reader = s.spawn(move || read_chunks(files, &full_tx, &empty_rx, path));
        let mut index: u64 = 0;
        let mut seal = |mut buf: Vec<u8>, last: bool| -> Result<Vec<u8>, Error> {
            crypto::seal_chunk(key, index, last, &aad, &mut buf)?;
            out.write_all(&buf).map_err(|e| Error::io(path, e))?;
            index += 1;
            buf.clear();
            Ok(buf)
        };
        let mut held: Option<Vec<u8>> = None;
        let mut written = Ok(());
        while let Ok(buf) = full_rx.recv() {
            let Some(before) = held.replace(buf) else {
                continue;
            };
            match seal(before, false) {
                // The reader is gone once it sent the last chunk: nothing to give back then.
                Ok(empty) => drop(empty_tx.send(empty)),
                Err(e) => {
                    written = Err(e);
                    break;
                }
            }
        }
        // Dropping the receiver stops a reader still waiting to hand over a chunk.
        drop(full_rx);
        let read = match reader.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        // The reader sends its last chunk (empty only when there are no bytes at all) and
        // returns: that chunk is the last one.
        if written.is_ok() && read.is_ok() {
            written = match held {
                Some(last) => seal(last, true).map(drop),
                None => Err(Error::io(path, std::io::Error::other("no last chunk"))),
            };
        }
        (read, written)
    });
    // An error of the writing side comes first: the reader then only saw the writer stop.
    written?;
    let read = read?;
    let file = out
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    Ok((read, file))
}

/// Files of at most this size are read whole, in one `read` (plus the check that they end
/// there), and copied into the chunks.
const SMALL: u64 = CHUNK_SIZE as u64;

/// Files are read in blocks of this many; every other block is read ahead by a second reading
/// thread (see [`read_chunks`]).
const BLOCK: usize = 16;

/// Blocks read ahead: at most `AHEAD * BLOCK` small files (4 MiB) wait in memory.
const AHEAD: usize = 4;

/// Whether the second reading thread reads file `i` (of `n`).
fn read_ahead_of(i: usize, n: usize) -> bool {
    n > BLOCK && (i / BLOCK).is_multiple_of(2)
}

/// One source file, opened.
struct Source {
    /// Its size and modification time, from the open file.
    size: u64,
    mtime: Option<String>,
    body: Body,
}

enum Body {
    /// A small file, read whole, and its SHA-256 (hex).
    Small(Vec<u8>, String),
    /// A larger one, to be read in chunks.
    Large(File),
}

/// The reading thread of [`write_data`]: reads `files` into chunks of [`CHUNK_SIZE`] bytes
/// (the last one shorter), sends them in order (the last one always, even empty) and returns
/// what it found about each file. Takes emptied buffers back from `empty` when there are.
///
/// Each file is opened once: its metadata comes from the open file (a folder or anything but
/// a regular file is refused there), and it must then read exactly as long as it said. Opening
/// a small file costs more than reading it (a 10,000-file seal spent most of its time in the
/// kernel's `open`), so a second thread opens and reads every other block of files ahead
/// ([`read_ahead`]); this one does the rest and puts everything into the chunks in order.
fn read_chunks(
    files: &[SourceFile],
    full: &mpsc::SyncSender<Vec<u8>>,
    empty: &mpsc::Receiver<Vec<u8>>,
    data_path: &Path,
) -> Result<Vec<ReadFile>, Error> {
    // The writer stopped (its own error is the one reported).
    let stopped = || Error::io(data_path, std::io::Error::other("the writer stopped"));
    let mut out = Chunks {
        buf: fresh_chunk(),
        full,
        empty,
    };
    let mut read = Vec::with_capacity(files.len());
    let mut total: u64 = 0;
    let n = files.len();
    std::thread::scope(|s| {
        let (ahead_tx, ahead_rx) = mpsc::sync_channel::<Vec<(usize, Result<Source, Error>)>>(AHEAD);
        if n > BLOCK {
            s.spawn(move || read_ahead(files, &ahead_tx));
        }
        let mut ahead = std::collections::VecDeque::new();
        for (i, f) in files.iter().enumerate() {
            let path = f.path.as_path();
            let source = if read_ahead_of(i, n) {
                while ahead.is_empty() {
                    // The other reader is gone only after it sent its error, or if it
                    // panicked (the scope then resumes the panic).
                    ahead.extend(ahead_rx.recv().map_err(|_| stopped())?);
                }
                match ahead.pop_front() {
                    Some((j, source)) if j == i => source?,
                    _ => return Err(stopped()),
                }
            } else {
                open_source(path)?
            };
            total = total.saturating_add(source.size);
            let data_len = data_len_for(total);
            if data_len > MAX_DATA_LEN {
                return Err(Error::TooLarge { size: data_len });
            }
            let sha256 = match source.body {
                Body::Small(bytes, sha256) => {
                    out.push(&bytes).map_err(|()| stopped())?;
                    sha256
                }
                Body::Large(file) => read_large(file, source.size, path, &mut out)
                    .map_err(|e| e.unwrap_or_else(stopped))?,
            };
            read.push(ReadFile {
                size: source.size,
                sha256,
                mtime: source.mtime,
            });
        }
        Ok(())
    })?;
    full.send(out.buf).map_err(|_| stopped())?;
    Ok(read)
}

/// The second reading thread of [`read_chunks`]: opens the files that [`read_ahead_of`] gives
/// it, one block at a time, and reads the small ones, until the first error (sent too) or
/// until the other reader stops taking them.
fn read_ahead(
    files: &[SourceFile],
    blocks: &mpsc::SyncSender<Vec<(usize, Result<Source, Error>)>>,
) {
    let n = files.len();
    for first in (0..n).step_by(2 * BLOCK) {
        let mut block = Vec::with_capacity(BLOCK);
        for (i, f) in files
            .iter()
            .enumerate()
            .take(n.min(first + BLOCK))
            .skip(first)
        {
            let source = open_source(&f.path);
            let failed = source.is_err();
            block.push((i, source));
            if failed {
                let _ = blocks.send(block);
                return;
            }
        }
        if blocks.send(block).is_err() {
            return;
        }
    }
}

/// Opens the file at `path`, takes its metadata from the open file, and reads it whole if it
/// is small.
fn open_source(path: &Path) -> Result<Source, Error> {
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let md = file.metadata().map_err(|e| Error::io(path, e))?;
    if !md.is_file() {
        return Err(Error::SourceChanged {
            path: path.to_owned(),
        });
    }
    let size = md.len();
    let mtime = md.modified().ok().map(|t| {
        chrono::DateTime::<chrono::Utc>::from(t)
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    });
    let body = if size <= SMALL {
        let (bytes, sha256) = read_small(&mut file, size, path)?;
        Body::Small(bytes, sha256)
    } else {
        Body::Large(file)
    };
    Ok(Source { size, mtime, body })
}

/// Reads `file` (at `path`), which must hold exactly `expected` bytes (at most [`SMALL`]),
/// whole; returns its bytes and SHA-256 (hex).
fn read_small(file: &mut File, expected: u64, path: &Path) -> Result<(Vec<u8>, String), Error> {
    let changed = || Error::SourceChanged {
        path: path.to_owned(),
    };
    let expected = usize::try_from(expected).map_err(|_| changed())?;
    let mut bytes = vec![0u8; expected + 1];
    let mut seen = 0;
    loop {
        let want = bytes.len() - seen;
        let got = read_retrying(file, &mut bytes[seen..]).map_err(|e| Error::io(path, e))?;
        seen += got;
        // A read that asked for one byte more than the file should still hold and got fewer
        // than it asked for has met the file's end (a regular file reads short only there):
        // the second read, which would return nothing, is saved (one syscall per small file).
        if got == 0 || seen > expected || (seen == expected && got < want) {
            break;
        }
    }
    if seen != expected {
        return Err(changed());
    }
    bytes.truncate(expected);
    let sha256 = crypto::to_hex(&Sha256::digest(&bytes));
    Ok((bytes, sha256))
}

/// Reads `file` (at `path`), which must hold exactly `expected` bytes, into the chunks;
/// returns its SHA-256 (hex). `Err(None)`: the writer stopped.
fn read_large(
    mut file: File,
    expected: u64,
    path: &Path,
    out: &mut Chunks<'_>,
) -> Result<String, Option<Error>> {
    let changed = || {
        Some(Error::SourceChanged {
            path: path.to_owned(),
        })
    };
    let mut hasher = Sha256::new();
    let mut seen: u64 = 0;
    while seen < expected {
        out.room().map_err(|()| None)?;
        let buf = &mut out.buf;
        let start = buf.len();
        let want = usize::try_from(expected - seen)
            .unwrap_or(usize::MAX)
            .min(CHUNK_SIZE - start);
        buf.resize(start + want, 0);
        let read = read_retrying(&mut file, &mut buf[start..]);
        let got = *read.as_ref().unwrap_or(&0);
        buf.truncate(start + got);
        read.map_err(|e| Some(Error::io(path, e)))?;
        if got == 0 {
            return Err(changed());
        }
        hasher.update(&buf[start..]);
        seen += got as u64;
    }
    // It must end there.
    let mut probe = [0u8; 1];
    if read_retrying(&mut file, &mut probe).map_err(|e| Some(Error::io(path, e)))? > 0 {
        return Err(changed());
    }
    Ok(crypto::to_hex(&hasher.finalize()))
}

fn fresh_chunk() -> Vec<u8> {
    Vec::with_capacity(CHUNK_SIZE + crypto::TAG_LEN)
}

/// The chunks [`read_chunks`] fills and hands to the writer, in order.
struct Chunks<'c> {
    /// The chunk being filled.
    buf: Vec<u8>,
    full: &'c mpsc::SyncSender<Vec<u8>>,
    empty: &'c mpsc::Receiver<Vec<u8>>,
}

impl Chunks<'_> {
    /// Makes room in the chunk being filled: a full one is sent first. Called only with bytes
    /// to add, so that the last chunk is never empty (unless there are no bytes at all).
    /// `Err`: the writer stopped.
    fn room(&mut self) -> Result<(), ()> {
        if self.buf.len() < CHUNK_SIZE {
            return Ok(());
        }
        let next = self.empty.try_recv().unwrap_or_else(|_| fresh_chunk());
        self.full
            .send(std::mem::replace(&mut self.buf, next))
            .map_err(|_| ())
    }

    /// Appends `bytes`.
    fn push(&mut self, mut bytes: &[u8]) -> Result<(), ()> {
        while !bytes.is_empty() {
            self.room()?;
            let n = bytes.len().min(CHUNK_SIZE - self.buf.len());
            self.buf.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        Ok(())
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
