//! The volume a path lives on: its free space, flushing it whole, and whether a failed write
//! means "full". A leaf: it asks the operating system (through `win32` on Windows)
//! and depends on no other module of the crate, so the stick layout, the package writer and
//! the drive detection can all use it.
//!
//! Free space is asked only of the volume holding the path (Unix: one `statvfs`): a hung FUSE
//! mount or dead network share elsewhere must never block a write to the stick.

use std::path::Path;

/// Free bytes on the volume holding `path`, when the operating system tells (`None` when it
/// does not, e.g. under Wine). Used to refuse a package that cannot fit before writing anything.
///
/// Only the volume holding `path` is asked (Unix: one `statvfs` on `path`, or on its nearest
/// existing ancestor when it does not exist yet): a hung FUSE mount or dead network share
/// elsewhere must never block a write to the stick. A volume that reports a total size of 0 has
/// an unknown free space, `None` (FAT32 under fusefat reports 0 total and 0 free even when
/// empty): the writer then just writes and a real "no space" error decides.
pub fn available_space(path: &Path) -> Option<u64> {
    let path = std::path::absolute(path).ok()?;
    #[cfg(windows)]
    return crate::win32::free_space(&path);
    #[cfg(unix)]
    {
        statvfs_free_space(&path)
    }
    #[cfg(not(any(windows, unix)))]
    {
        let _ = path;
        None
    }
}

/// [`available_space`] on Unix: `statvfs` on `path` or, while it does not exist, its parent.
#[cfg(unix)]
fn statvfs_free_space(path: &Path) -> Option<u64> {
    for candidate in path.ancestors() {
        let mut answer = rustix::fs::statvfs(candidate);
        for _ in 0..3 {
            if !matches!(answer, Err(rustix::io::Errno::INTR)) {
                break;
            }
            answer = rustix::fs::statvfs(candidate);
        }
        match answer {
            Ok(s) => return free_from(s.f_blocks, s.f_bavail, s.f_frsize, s.f_bsize),
            Err(rustix::io::Errno::NOENT) => continue,
            Err(_) => return None,
        }
    }
    None
}

/// Free bytes from `statvfs` numbers: `avail_blocks` (blocks free for unprivileged users) times
/// the fragment size `frsize` (or the block size `bsize` when `frsize` is 0). `None` when the
/// volume reports a total of 0 blocks (its free space is unknown, not 0) or no block size.
#[cfg(any(unix, test))]
fn free_from(total_blocks: u64, avail_blocks: u64, frsize: u64, bsize: u64) -> Option<u64> {
    let unit = if frsize != 0 { frsize } else { bsize };
    (total_blocks != 0 && unit != 0).then(|| avail_blocks.saturating_mul(unit))
}

/// Below this much free space a stick counts as full: not even a package of acknowledgements
/// (a few KiB, in clusters of up to 32 KiB) would fit.
pub const FULL_BELOW: u64 = 64 * 1024;

/// Whether a failed write most likely failed because the volume is full: some FAT drivers
/// report a full volume as "operation not permitted" instead of "no space". Where the volume
/// says how much is free, that decides; where it cannot (fusefat reports 0 blocks in total),
/// a file that could be created but not written means full — a write-protected medium refuses
/// the creation already.
pub(crate) fn looks_full(path: &Path, e: &std::io::Error) -> bool {
    if !matches!(
        e.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::Other
    ) {
        return false;
    }
    match path
        .ancestors()
        .find(|a| a.exists())
        .and_then(available_space)
    {
        Some(free) => free < FULL_BELOW,
        None => path.is_file(),
    }
}

/// Flushes the whole volume mounted at `mount` to the medium, beyond the per-file flushes the
/// writers already did (Windows: `FlushFileBuffers` on `\\.\E:`, which needs administrator
/// rights on most systems). Whether it was done; `false` where the OS refused or has no such
/// call (elsewhere the per-file and per-folder `fsync`s are the flush).
pub fn flush_volume(mount: &Path) -> bool {
    #[cfg(windows)]
    {
        let letter = drive_letter_of(mount);
        letter.is_some_and(|l| crate::win32::flush_volume(l).is_ok())
    }
    #[cfg(not(windows))]
    {
        let _ = mount;
        false
    }
}

/// The drive letter of a `X:\…` path (also `\\?\X:\…`), upper case.
pub fn drive_letter_of(path: &Path) -> Option<char> {
    let text = path.to_string_lossy();
    let text = text
        .strip_prefix(r"\\?\")
        .or_else(|| text.strip_prefix("//?/"))
        .unwrap_or(&text);
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic() => {
            Some(letter.to_ascii_uppercase())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drive_letter_of_paths() {
        assert_eq!(drive_letter_of(Path::new("e:\\")), Some('E'));
        assert_eq!(
            drive_letter_of(Path::new("\\\\?\\F:\\OQSCOURIER")),
            Some('F')
        );
        assert_eq!(drive_letter_of(Path::new("\\\\server\\share")), None);
        assert_eq!(drive_letter_of(Path::new("/media/stick")), None);
    }

    #[cfg(not(windows))]
    #[test]
    fn flush_volume_is_a_no_op_off_windows() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!flush_volume(dir.path()));
    }

    #[test]
    fn free_space_from_statvfs_numbers() {
        assert_eq!(free_from(1000, 250, 4096, 4096), Some(250 * 4096));
        assert_eq!(
            free_from(1000, 250, 512, 4096),
            Some(250 * 512),
            "f_frsize wins"
        );
        assert_eq!(
            free_from(1000, 250, 0, 4096),
            Some(250 * 4096),
            "f_bsize fallback"
        );
        assert_eq!(free_from(1000, 0, 4096, 4096), Some(0), "really full");
        assert_eq!(free_from(u64::MAX, u64::MAX, 4096, 0), Some(u64::MAX));
    }

    #[cfg(unix)]
    #[test]
    fn available_space_of_a_tempdir_is_its_statvfs() {
        let dir = tempfile::tempdir().unwrap();
        let expected = |path: &Path| {
            let s = rustix::fs::statvfs(path).unwrap();
            free_from(s.f_blocks, s.f_bavail, s.f_frsize, s.f_bsize)
        };
        // Other processes write meanwhile: accept an answer between two looks, with some slack.
        let before = expected(dir.path());
        let got = available_space(dir.path());
        let after = expected(dir.path());
        let (Some(before), Some(got), Some(after)) = (before, got, after) else {
            panic!("{before:?} {got:?} {after:?}");
        };
        let slack = 256 << 20;
        assert!(
            got + slack >= before.min(after) && got <= before.max(after) + slack,
            "{before} {got} {after}"
        );
        // A folder that does not exist yet: its nearest existing ancestor's volume.
        let later = available_space(&dir.path().join("a/b/c"));
        assert!(later.is_some_and(|l| l.abs_diff(got) <= slack), "{later:?}");
        // A relative path is taken from the current folder.
        assert!(available_space(Path::new(".")).is_some());
    }

    /// The old code picked the listed mount with the longest matching prefix out of every mount
    /// (sysinfo leaves procfs out, so `/proc` got the free space of `/`); now only the volume
    /// holding the path is asked, and procfs says 0 blocks in total: unknown.
    #[cfg(target_os = "linux")]
    #[test]
    fn available_space_asks_the_volume_holding_the_path_itself() {
        let Ok(proc) = rustix::fs::statvfs("/proc") else {
            return; // no procfs here
        };
        if proc.f_blocks != 0 {
            return; // not procfs
        }
        assert_eq!(available_space(Path::new("/proc")), None);
        assert_eq!(available_space(Path::new("/proc/self")), None);
    }

    #[test]
    fn free_space_of_a_volume_with_total_zero_is_unknown() {
        // fusefat on a FAT32 image: 0 blocks in total, 0 free, although the stick is empty.
        assert_eq!(free_from(0, 0, 4096, 4096), None);
        assert_eq!(free_from(0, 100, 4096, 4096), None);
        assert_eq!(free_from(1000, 250, 0, 0), None, "no block size");
    }
}
