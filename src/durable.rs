//! Durable file writes: write to a temporary name, flush to the medium, rename, flush the folder.
//!
//! Owns the only way this crate replaces a file that must survive a crash or a pulled stick, and
//! the creation of private (owner-only) folders and files for secrets. It knows nothing about what
//! the bytes mean.
//!
//! It is also the **write boundary** of the crate: every create, write, flush, rename, removal
//! and folder flush on the stick and in the OQS folders goes through a function here
//! ([`create`], [`Tracked`], [`sync_file`], [`rename`], [`remove_file`], [`sync_dir`], …), and
//! each of them first reports itself to [`seam`]. In the product nothing listens and the report
//! is one relaxed atomic load; fault-injection tests arm a hook on their own thread to count the
//! boundaries of a step, fail the N-th one, stop the process there, or record the operations
//! for the power-loss model of the stick (`tests/it/faults.rs`, `tests/it/powerloss.rs`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Test seam at every write boundary (not part of the supported API).
///
/// A hook armed with [`seam::arm`] sees every [`seam::Event`] reported on the same thread
/// before the operation runs; returning an error makes that operation fail with it (nothing of
/// it happens), panicking stops the step there. The hook is per thread, so tests running in
/// parallel do not see each other's operations.
#[doc(hidden)]
pub mod seam {
    use std::cell::RefCell;
    use std::io;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// The kinds of write operation.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Op {
        /// A file is created (or truncated).
        Create,
        /// Bytes are appended to an open file.
        Write,
        /// A file's data (and, on FAT, its folder entry) is flushed to the medium.
        SyncFile,
        /// `path` is renamed to `to`.
        Rename,
        /// A file is removed.
        Remove,
        /// A folder's entries are flushed to the medium.
        SyncDir,
        /// A folder (and its parents) is created.
        CreateDir,
    }

    /// One operation about to happen.
    #[derive(Debug)]
    pub struct Event<'a> {
        /// What.
        pub op: Op,
        /// On which file or folder.
        pub path: &'a Path,
        /// The new name (renames).
        pub to: Option<&'a Path>,
        /// The bytes (writes).
        pub bytes: &'a [u8],
    }

    type HookFn = Box<dyn FnMut(&Event<'_>) -> io::Result<()>>;

    /// How many threads have a hook armed: the product's fast path is one load of this.
    static ARMED: AtomicUsize = AtomicUsize::new(0);

    thread_local! {
        static HOOK: RefCell<Option<HookFn>> = const { RefCell::new(None) };
    }

    /// Disarms the hook when dropped.
    #[must_use = "the hook is disarmed when this is dropped"]
    pub struct Armed(());

    impl Drop for Armed {
        fn drop(&mut self) {
            if HOOK
                .with(|h| h.try_borrow_mut().ok().and_then(|mut h| h.take()))
                .is_some()
            {
                ARMED.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// Arms `hook` for the current thread (replacing any hook armed before).
    pub fn arm(hook: impl FnMut(&Event<'_>) -> io::Result<()> + 'static) -> Armed {
        let before = HOOK.with(|h| h.borrow_mut().replace(Box::new(hook)));
        if before.is_none() {
            ARMED.fetch_add(1, Ordering::SeqCst);
        }
        Armed(())
    }

    /// Reports an operation; `Err` when the armed hook wants it to fail.
    pub(crate) fn report(op: Op, path: &Path, to: Option<&Path>, bytes: &[u8]) -> io::Result<()> {
        if ARMED.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        HOOK.with(|h| match h.try_borrow_mut() {
            Ok(mut h) => match h.as_mut() {
                Some(f) => f(&Event {
                    op,
                    path,
                    to,
                    bytes,
                }),
                None => Ok(()),
            },
            // The hook itself wrote a file (a test recording state): not a boundary.
            Err(_) => Ok(()),
        })
    }
}

use seam::{Op, report};

/// Creates (truncating) the file at `path` for writing, through the seam.
pub fn create(path: &Path) -> io::Result<Tracked> {
    report(Op::Create, path, None, &[])?;
    File::create(path).map(|file| Tracked::new(file, path))
}

/// Creates the file at `path`, which must not exist yet, through the seam.
pub fn create_new(path: &Path) -> io::Result<Tracked> {
    report(Op::Create, path, None, &[])?;
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map(|file| Tracked::new(file, path))
}

/// A file being written whose every write goes through the seam.
#[derive(Debug)]
pub struct Tracked {
    file: File,
    path: PathBuf,
}

impl Tracked {
    fn new(file: File, path: &Path) -> Self {
        Self {
            file,
            path: path.to_owned(),
        }
    }

    /// Flushes the file's data to the medium ([`sync_file`]).
    pub fn sync_all(&self) -> io::Result<()> {
        sync_file(&self.file, &self.path)
    }

    /// The open file.
    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Write for Tracked {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        report(Op::Write, &self.path, None, buf)?;
        self.file.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Flushes `file` (at `path`) to the medium, through the seam.
pub fn sync_file(file: &File, path: &Path) -> io::Result<()> {
    report(Op::SyncFile, path, None, &[])?;
    file.sync_all()
}

/// Flushes `file` (at `path`) to the medium on a second thread while `work` runs on this one,
/// and returns `work`'s result once both are done (the flush's error first). The flush is
/// reported to the seam first, on this thread (an injected failure flushes nothing and `work`
/// does not run); whatever `work` writes is reported by it, on this thread too.
pub fn sync_file_during<R>(file: &File, path: &Path, work: impl FnOnce() -> R) -> io::Result<R> {
    report(Op::SyncFile, path, None, &[])?;
    std::thread::scope(|s| {
        let flush = s.spawn(|| file.sync_all());
        let done = work();
        match flush.join() {
            Ok(flushed) => flushed.map(|()| done),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// How many flushes [`sync_paths`] has in flight at once. A file system commits flushes that
/// arrive together as one group (ext4's journal, NTFS's log), and a flush mostly waits for the
/// device, so a few threads pay about one device round trip for a whole batch instead of one per
/// file, even on two cores.
const FLUSH_THREADS: usize = 8;

/// Flushes the files at `paths` (written and closed before) to the medium, several at a time.
/// Returns only when every flush has returned; the first error, if any. Each flush is reported
/// to the seam first, on the calling thread and in order (an injected failure flushes nothing);
/// the flushes themselves run on up to `FLUSH_THREADS` threads.
pub fn sync_paths(paths: &[PathBuf]) -> io::Result<()> {
    for p in paths {
        report(Op::SyncFile, p, None, &[])?;
    }
    // Windows flushes only through a handle with write access; Unix flushes the file through
    // any handle. Never truncates.
    let flush = |p: &PathBuf| OpenOptions::new().write(true).open(p)?.sync_all();
    let threads = FLUSH_THREADS.min(paths.len());
    if threads <= 1 {
        return paths.iter().try_for_each(flush);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || -> io::Result<()> {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(p) = paths.get(i) else {
                return Ok(());
            };
            flush(p)?;
        }
    };
    std::thread::scope(|s| {
        let running: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
        let mut first = Ok(());
        for t in running {
            let r = t
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("a flush thread stopped")));
            if first.is_ok() {
                first = r;
            }
        }
        first
    })
}

/// Renames `from` to `to`, through the seam.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    report(Op::Rename, from, Some(to), &[])?;
    fs::rename(from, to)
}

/// Removes the file at `path`, through the seam. A file marked read-only (which Windows refuses
/// to delete: a copy made from a CD, a stick set read-only by another program) loses the mark
/// first, so it does not stay behind on a stick or in Req for ever.
pub fn remove_file(path: &Path) -> io::Result<()> {
    report(Op::Remove, path, None, &[])?;
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            let md = fs::symlink_metadata(path)?;
            let mut perms = md.permissions();
            if !md.is_file() || !perms.readonly() {
                return Err(e);
            }
            #[allow(clippy::permissions_set_readonly_false)] // Windows: clears the attribute
            perms.set_readonly(false);
            fs::set_permissions(path, perms)?;
            fs::remove_file(path)
        }
        other => other,
    }
}

/// Creates `dir` and its parents, through the seam (one report, only when `dir` is missing).
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    report(Op::CreateDir, dir, None, &[])?;
    fs::create_dir_all(dir)
}

/// The temporary name used while `path` is being replaced: `.<name>.tmp` beside it.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new content.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, false)
}

/// Like [`write_atomic`], but the file is readable and writable by the owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, bytes, true)
}

fn write_atomic_with(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = Tracked::new(create_new_file(&tmp, private)?, &tmp);
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        rename(&tmp, path)?;
        sync_parent(path)
    })();
    if result.is_err() {
        let _ = remove_file(&tmp);
    }
    result
}

/// Creates (truncating) a file, owner-only when `private` is set (reported to the seam; its
/// writes are not: wrap it in [`Tracked`] via [`create`] where they matter).
pub fn create_new_file(path: &Path, private: bool) -> io::Result<File> {
    report(Op::Create, path, None, &[])?;
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    opts.open(path)
}

/// Creates `dir` and its parents; the last component is owner-only on Unix. On Windows the
/// per-user local application-data folder is already private to the user.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Flushes the folder entry of `path` to the medium where the OS allows it (Unix). On Windows
/// folder handles cannot be flushed this way; files are flushed individually instead.
pub fn sync_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => sync_dir(p),
        _ => sync_dir(Path::new(".")),
    }
}

/// Flushes the entries of folder `dir` to the medium where the OS allows it (Unix).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    report(Op::SyncDir, dir, None, &[])?;
    #[cfg(unix)]
    // Some FUSE file systems refuse fsync on folders; the files themselves were flushed already.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Opens `path` for reading only if it is a regular file (not a symlink, FIFO, device or
/// folder): opening a FIFO would block forever, and the stick's layout never follows links.
pub(crate) fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let not_regular =
        || std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file");
    if !std::fs::symlink_metadata(path)?.file_type().is_file() {
        return Err(not_regular());
    }
    let f = std::fs::File::open(path)?;
    if !f.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows refuses to delete a read-only file; Linux does not care. Either way it goes.
    #[test]
    fn read_only_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("OQSsiquc01req_1.xml");
        fs::write(&p, b"x").unwrap();
        let mut perms = fs::metadata(&p).unwrap().permissions();
        perms.set_readonly(true);
        fs::set_permissions(&p, perms).unwrap();
        remove_file(&p).unwrap();
        assert!(!p.exists());
    }

    #[test]
    fn replaces_content_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_seam_sees_every_boundary_and_can_fail_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.json");
        let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let s = seen.clone();
        let armed = seam::arm(move |e| {
            s.borrow_mut().push(e.op);
            if e.op == Op::Rename {
                return Err(io::Error::other("injected"));
            }
            Ok(())
        });
        assert!(write_atomic(&p, b"one").is_err());
        drop(armed);
        assert_eq!(
            seen.borrow()[..4],
            [Op::Create, Op::Write, Op::SyncFile, Op::Rename]
        );
        // The failed rename did not happen, and the temporary file was cleaned up.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        // Disarmed: nothing is reported any more.
        write_atomic(&p, b"two").unwrap();
        assert_eq!(seen.borrow().len(), 5);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("home");
        create_private_dir(&d).unwrap();
        let p = d.join("identity.key");
        write_private(&p, b"secret").unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
}
