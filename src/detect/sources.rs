//! Where the volume list comes from: Win32 on Windows, `/proc/self/mountinfo` on Linux, sysinfo
//! elsewhere, and the fake and folder sources of tests.

use super::*;

// --- the real source -------------------------------------------------------------------------

/// The operating system's volume list, filtered to candidates: through sysinfo on Unixes other
/// than Linux (macOS); on Linux it reads `/proc/self/mountinfo` exactly like [`MountinfoSource`]
/// (sysinfo would `stat` every mount point there, and one hung mount would block the list).
/// [`system_source`] picks the right source for each OS.
#[derive(Clone, Debug)]
pub struct SysinfoSource {
    filter: Filter,
}

impl SysinfoSource {
    /// A source with this computer's [`Filter`].
    pub fn new() -> Self {
        Self::with_filter(Filter::for_this_system())
    }

    /// A source with a given filter.
    pub fn with_filter(filter: Filter) -> Self {
        Self { filter }
    }
}

impl Default for SysinfoSource {
    fn default() -> Self {
        Self::new()
    }
}

impl VolumeSource for SysinfoSource {
    fn volumes(&self) -> Result<Vec<Volume>, Error> {
        #[cfg(target_os = "linux")]
        {
            MountinfoSource::with_filter(self.filter.clone()).volumes()
        }
        #[cfg(not(target_os = "linux"))]
        {
            // Only the list: no sizes (statvfs / GetDiskFreeSpaceEx) and no I/O counters per poll.
            let disks = sysinfo::Disks::new_with_refreshed_list_specifics(
                sysinfo::DiskRefreshKind::nothing(),
            )
            .map_err(|e| Error::List {
                source: Box::new(e),
            })?;
            let all = disks.iter().map(volume_from_disk).collect();
            Ok(self.filter.candidates(all))
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn volume_from_disk(disk: &sysinfo::Disk) -> Volume {
    let mount = disk.mount_point().to_owned();
    // On Windows `name` is the volume label; on Linux it is the device (`/dev/sdb1`).
    let label = if cfg!(windows) {
        non_empty(disk.name())
    } else {
        None
    };
    Volume {
        removable: disk.is_removable(),
        label,
        file_system: non_empty(disk.file_system()),
        id: disk.id(),
        mount,
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn non_empty(s: &std::ffi::OsStr) -> Option<String> {
    let s = s.to_string_lossy();
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

// --- Linux: the mount table as text (pure, tested on every OS) --------------------------------

/// The volumes listed in a Linux `/proc/self/mountinfo` text, in its order (the order of
/// mounting, so of two mounts at the same place the later one, the one on top, comes last).
/// Pure: reads nothing but `text`.
///
/// Each line is `ID PARENT MAJOR:MINOR ROOT MOUNT OPTIONS [OPTIONAL…] - FSTYPE SOURCE SUPER`;
/// the kernel writes a space, tab, newline or backslash in a field as `\040`, `\011`, `\012`,
/// `\134`, and these are decoded. `mount` is the mount point, `file_system` the type (`vfat`,
/// `fuse.sshfs`, …), `id` the device number `MAJOR:MINOR` combined like glibc's `makedev` (so it
/// equals `st_dev` of files on most file systems; it only has to be stable), `label` is `None`,
/// and `removable` is what `is_removable` says about the decoded mount source (`/dev/sdb1`,
/// `server:/export`, …). Lines that do not have this shape are skipped. A mount point that is not
/// UTF-8 is decoded lossily (such a volume then points nowhere and is never used as a stick).
pub fn parse_mountinfo(text: &str, is_removable: impl Fn(&str) -> bool) -> Vec<Volume> {
    text.lines()
        .filter_map(|line| parse_mountinfo_line(line, &is_removable))
        .collect()
}

pub(super) fn parse_mountinfo_line(
    line: &str,
    is_removable: &impl Fn(&str) -> bool,
) -> Option<Volume> {
    let mut fields = line.split_ascii_whitespace();
    let _mount_id = fields.next()?;
    let _parent_id = fields.next()?;
    let device = fields.next()?;
    let _root = fields.next()?;
    let mount = fields.next()?;
    let _options = fields.next()?;
    // Optional fields (`shared:1`, `master:2`, …) up to the lone `-`.
    fields.by_ref().find(|f| *f == "-")?;
    let file_system = unescape_mountinfo(fields.next()?);
    let source = fields.next().map(unescape_mountinfo).unwrap_or_default();
    let mount = unescape_mountinfo(mount);
    if !mount.starts_with('/') {
        return None;
    }
    Some(Volume {
        removable: is_removable(&source),
        label: None,
        file_system: (!file_system.is_empty()).then_some(file_system),
        id: parse_device_number(device),
        mount: PathBuf::from(mount),
    })
}

/// Decodes the kernel's `\NNN` (three octal digits) escapes; anything else stays as it is.
pub(super) fn unescape_mountinfo(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .and_then(|d| {
                let value = d.iter().fold(0u32, |v, b| v * 8 + u32::from(b - b'0'));
                u8::try_from(value).ok()
            });
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `MAJOR:MINOR` as one number, combined like glibc's `makedev` (the `st_dev` encoding).
pub(super) fn parse_device_number(field: &str) -> Option<u64> {
    let (major, minor) = field.split_once(':')?;
    Some(makedev(major.parse().ok()?, minor.parse().ok()?))
}

/// glibc's `makedev`: the low 8 bits of the minor, then 12 bits of the major, then the rest of
/// the minor, then the rest of the major.
pub(super) fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (u64::from(major), u64::from(minor));
    ((major & 0xffff_f000) << 32)
        | ((major & 0x0000_0fff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0x0000_00ff)
}

// --- Linux: the real source ------------------------------------------------------------------

/// Linux's volume list from `/proc/self/mountinfo` ([`parse_mountinfo`]), filtered to candidates.
///
/// A volume is removable when its mount source is a device that a `/dev/disk/by-id/usb-*` link
/// points to (the rule sysinfo uses). Only `/proc/self/mountinfo` and links inside `/dev` are
/// read: no mount point is ever asked anything, so a FUSE mount whose daemon stopped or a dead
/// network share cannot block the list.
#[cfg(target_os = "linux")]
#[derive(Clone, Debug)]
pub struct MountinfoSource {
    filter: Filter,
}

#[cfg(target_os = "linux")]
impl MountinfoSource {
    /// A source with this computer's [`Filter`].
    pub fn new() -> Self {
        Self::with_filter(Filter::for_this_system())
    }

    /// A source with a given filter.
    pub fn with_filter(filter: Filter) -> Self {
        Self { filter }
    }
}

#[cfg(target_os = "linux")]
impl Default for MountinfoSource {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(target_os = "linux")]
impl VolumeSource for MountinfoSource {
    fn volumes(&self) -> Result<Vec<Volume>, Error> {
        let bytes = std::fs::read("/proc/self/mountinfo").map_err(|e| Error::List {
            source: Box::new(e),
        })?;
        let text = String::from_utf8_lossy(&bytes);
        let usb = usb_devices(Path::new("/dev/disk/by-id"));
        let all = parse_mountinfo(&text, |source| {
            source.starts_with("/dev/") && usb.contains(&resolve_dev(Path::new(source)))
        });
        Ok(self.filter.candidates(all))
    }
}

/// The devices that the `usb-*` links in `by_id` point to (none when the folder is missing).
#[cfg(target_os = "linux")]
pub(super) fn usb_devices(by_id: &Path) -> std::collections::BTreeSet<PathBuf> {
    let Ok(entries) = std::fs::read_dir(by_id) else {
        return Default::default();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("usb-"))
        .map(|e| resolve_dev(&e.path()))
        .collect()
}

/// Follows the symbolic links of a path inside `/dev` (`/dev/disk/by-id/usb-…` →
/// `../../sdb1` → `/dev/sdb1`) with `read_link` and lexical joins, never leaving `/dev` (so it
/// never asks a mounted volume anything) and giving up after a few hops.
#[cfg(target_os = "linux")]
pub(super) fn resolve_dev(path: &Path) -> PathBuf {
    let mut path = normalize(path);
    for _ in 0..16 {
        if !path.starts_with("/dev") {
            break;
        }
        let Ok(target) = std::fs::read_link(&path) else {
            break; // not a link: the device itself
        };
        let base = path
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_owned);
        path = normalize(&base.join(target));
    }
    path
}

/// `path` with `.` and `..` resolved as text.
#[cfg(target_os = "linux")]
pub(super) fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// This computer's drives through Win32 (`GetLogicalDrives`, `GetDriveTypeW`,
/// `GetVolumeInformationW`, and the bus type for fixed drives), filtered to candidates. Drives
/// without a medium (empty card-reader slots) are skipped without a "no disk" dialog.
#[cfg(windows)]
#[derive(Clone, Debug)]
pub struct WindowsSource {
    filter: Filter,
}

#[cfg(windows)]
impl WindowsSource {
    /// A source with this computer's [`Filter`].
    pub fn new() -> Self {
        Self {
            filter: Filter::for_this_system(),
        }
    }
}

#[cfg(windows)]
impl Default for WindowsSource {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(windows)]
impl VolumeSource for WindowsSource {
    fn volumes(&self) -> Result<Vec<Volume>, Error> {
        use crate::win32;
        let mut all = Vec::new();
        for letter in drive_letters(win32::logical_drives()) {
            let kind = DriveKind::from_code(win32::drive_type(letter));
            let mount = PathBuf::from(format!("{letter}:\\"));
            match kind {
                DriveKind::NoRootDir | DriveKind::Unknown => continue,
                // Listed (so the filter sees every drive) but never asked: no medium access.
                DriveKind::Remote | DriveKind::CdRom | DriveKind::RamDisk => {
                    all.push(Volume {
                        removable: false,
                        ..Volume::stick(mount)
                    });
                    continue;
                }
                DriveKind::Removable | DriveKind::Fixed => {}
            }
            let Some(info) = win32::volume_info(letter) else {
                continue; // no medium in the slot
            };
            let bus = (kind == DriveKind::Fixed)
                .then(|| win32::bus_type(letter))
                .flatten();
            all.push(Volume {
                mount,
                label: info.label,
                removable: drive_is_removable(kind, bus),
                file_system: info.file_system,
                id: Some(u64::from(info.serial)),
            });
        }
        Ok(self.filter.candidates(all))
    }
}

/// This computer's volume source: `WindowsSource` on Windows, [`MountinfoSource`] on Linux,
/// [`SysinfoSource`] elsewhere.
pub fn system_source() -> Box<dyn VolumeSource + Send> {
    #[cfg(windows)]
    return Box::new(WindowsSource::new());
    #[cfg(target_os = "linux")]
    return Box::new(MountinfoSource::new());
    #[cfg(not(any(windows, target_os = "linux")))]
    Box::new(SysinfoSource::new())
}

/// Every drive letter of this PC as one line for a support report (`oqs-courier selftest`):
/// letter, drive type, bus type and file system, as Windows reports them. Empty elsewhere
/// (the candidate volumes are the whole story there).
pub fn drive_report() -> Vec<String> {
    #[cfg(windows)]
    {
        let mask = crate::win32::logical_drives();
        (0..26u8)
            .filter(|i| mask & (1 << i) != 0)
            .map(|i| {
                let letter = char::from(b'A' + i);
                let kind = match crate::win32::drive_type(letter) {
                    2 => "removable",
                    3 => "fixed",
                    4 => "network",
                    5 => "optical",
                    6 => "ram disk",
                    _ => "unknown",
                };
                let bus = match crate::win32::bus_type(letter) {
                    Some(7) => "USB".to_owned(),
                    Some(12) => "SD".to_owned(),
                    Some(11) => "SATA".to_owned(),
                    Some(17) => "NVMe".to_owned(),
                    Some(n) => format!("bus {n}"),
                    None => "bus ?".to_owned(),
                };
                let fs = crate::win32::volume_info(letter)
                    .and_then(|v| v.file_system)
                    .unwrap_or_else(|| "no medium".to_owned());
                format!("{letter}: {kind}, {bus}, {fs}")
            })
            .collect()
    }
    #[cfg(not(windows))]
    Vec::new()
}

// --- the fake source -------------------------------------------------------------------------

/// An in-memory volume list for tests: clones share the list, so a test keeps one clone and gives
/// another to the [`Watcher`]. Thread-safe. Returns its volumes as they are (no filtering).
#[derive(Clone, Debug, Default)]
pub struct FakeSource {
    inner: Arc<Mutex<FakeState>>,
}

#[derive(Debug, Default)]
struct FakeState {
    volumes: Vec<Volume>,
    failing: bool,
}

impl FakeSource {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a removable volume at `mount` (replacing any volume mounted there).
    pub fn insert(&self, mount: impl Into<PathBuf>) {
        self.insert_volume(Volume::stick(mount));
    }

    /// Adds `volume` (replacing any volume at its mount).
    pub fn insert_volume(&self, volume: Volume) {
        let mut state = lock(&self.inner);
        state.volumes.retain(|v| v.mount != volume.mount);
        state.volumes.push(volume);
    }

    /// Removes the volume at `mount`; whether there was one.
    pub fn remove(&self, mount: &Path) -> bool {
        let mut state = lock(&self.inner);
        let before = state.volumes.len();
        state.volumes.retain(|v| v.mount != mount);
        state.volumes.len() != before
    }

    /// Makes [`VolumeSource::volumes`] fail (`true`) or work again (`false`).
    pub fn set_failing(&self, failing: bool) {
        lock(&self.inner).failing = failing;
    }
}

impl VolumeSource for FakeSource {
    fn volumes(&self) -> Result<Vec<Volume>, Error> {
        let state = lock(&self.inner);
        if state.failing {
            return Err(Error::List {
                source: "the fake volume source was told to fail".into(),
            });
        }
        Ok(state.volumes.clone())
    }
}

/// One folder given explicitly (`--stick DIR`, for IT staff and tests): "inserted" while it
/// exists, "removed" while it does not.
#[derive(Clone, Debug)]
pub struct PathSource {
    path: PathBuf,
}

impl PathSource {
    /// Watches `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl VolumeSource for PathSource {
    fn volumes(&self) -> Result<Vec<Volume>, Error> {
        Ok(if self.path.is_dir() {
            vec![Volume::stick(self.path.clone())]
        } else {
            Vec::new()
        })
    }
}

/// Locks `mutex`; a panic elsewhere while holding it leaves plain data, still usable.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
