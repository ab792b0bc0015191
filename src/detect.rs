//! Drive detection: which mounted volumes could be a courier stick, and when they come and go.
//!
//! Owns the [`Volume`] description, the [`VolumeSource`] seam (the real [`system_source`] and the
//! in-memory [`FakeSource`] for tests), the candidate [`Filter`] (removable, never the system
//! volume, never a network drive), the pure [`diff`] of two volume sets into [`Event`]s and the
//! polling [`Watcher`]. It must not read or write anything on a volume beyond asking whether the
//! courier folder exists ([`has_courier_folder`]); free space is [`crate::volume`]'s. Whether a
//! stick is enrolled, and what to do with it, is decided by
//! [`crate::stick`] and the sync engine.
//!
//! Nothing here may touch a volume it was not asked about: a FUSE mount whose daemon stopped, or
//! a dead network share, blocks every `stat`/`statvfs` on it forever, and must not block the
//! watcher or a write to an unrelated stick. So on Linux the volume list is parsed from
//! `/proc/self/mountinfo` ([`parse_mountinfo`], [`MountinfoSource`]) with "removable" taken from
//! the `/dev/disk/by-id/usb-*` links, never from the mount points themselves (sysinfo calls
//! `metadata` on every mount, even when asked for nothing), and
//! [`crate::volume::available_space`] asks only the volume holding its path. Other Unixes (macOS) list through sysinfo ([`SysinfoSource`]).
//!
//! On Windows the volume list comes from Win32 directly (`WindowsSource`: drive letters, drive
//! type, and the bus type, so USB disks that report as fixed still count), and a hidden window
//! receives `WM_DEVICECHANGE` and nudges the [`Watcher`] at once ([`Watcher::system`]); the
//! periodic poll stays as the safety net. What those answers mean is decided here by pure
//! functions ([`DriveKind`], [`drive_is_removable`], [`decode_device_change`]) tested on every
//! OS; the calls themselves live in the crate's only `unsafe` module, `win32`.

use crate::stick;
use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How often the [`Watcher`] asks for the volume list by default.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(1);

/// Longest sleep between two looks at the stop flag in [`Watcher::next_event`].
const STOP_CHECK: Duration = Duration::from_millis(100);

/// The volume list could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system (or a fake standing in for it) did not give the volume list.
    #[error("cannot list the mounted volumes: {source}")]
    List {
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// One mounted volume, as the operating system describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Volume {
    /// Where it is mounted: `E:\` on Windows, `/media/user/STICK` on Linux.
    pub mount: PathBuf,
    /// The volume label where the OS reports one (Windows); `None` on Linux.
    pub label: Option<String>,
    /// Whether the OS (after our refinement) calls it removable.
    pub removable: bool,
    /// The file system name (`FAT32`, `exFAT`, `vfat`, …), when known.
    pub file_system: Option<String>,
    /// The volume serial number (Windows) or device id (Unix), when known.
    pub id: Option<u64>,
}

impl Volume {
    /// A removable volume at `mount` with nothing else known (fakes and tests).
    pub fn stick(mount: impl Into<PathBuf>) -> Self {
        Self {
            mount: mount.into(),
            label: None,
            removable: true,
            file_system: None,
            id: None,
        }
    }

    /// Whether `other` is the same volume seen again: same mount, label and file system, and the
    /// same id when both ids are known (a failed id lookup is not a stick swap).
    pub fn is_same_as(&self, other: &Volume) -> bool {
        let ids_agree = match (self.id, other.id) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        self.mount == other.mount
            && self.label == other.label
            && self.file_system == other.file_system
            && ids_agree
    }
}

/// A change in the set of candidate volumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A candidate volume appeared (or was already there at the first poll).
    Arrived(Volume),
    /// The candidate volume mounted here went away.
    Removed(PathBuf),
}

/// Where the candidate volumes come from.
pub trait VolumeSource {
    /// The candidate volumes mounted right now (already filtered, in any order).
    fn volumes(&self) -> Result<Vec<Volume>, Error>;
}

// --- the filter ------------------------------------------------------------------------------

/// Which operating system's rules a [`Filter`] applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    /// Drive letters, case-insensitive paths, UNC network paths.
    Windows,
    /// Linux: sticks are mounted under `/media`, `/run/media` or `/mnt`.
    Linux,
    /// Any other Unix: removable and not the system volume is enough.
    Other,
}

impl Os {
    /// The system this program was built for.
    pub const CURRENT: Os = if cfg!(windows) {
        Os::Windows
    } else if cfg!(target_os = "linux") {
        Os::Linux
    } else {
        Os::Other
    };
}

/// Decides which volumes are candidates for a courier stick. Pure: works on the list it is given.
///
/// A candidate is removable, is not a network drive, is not the volume holding any of the
/// filter's system paths (the OS, the running program) and never `/`. On Linux it must also be
/// mounted at a usual place for removable media: `/media/X`, `/media/USER/X`,
/// `/run/media/USER/X` or `/mnt/X`.
#[derive(Clone, Debug)]
pub struct Filter {
    os: Os,
    system: Vec<PathBuf>,
}

impl Filter {
    /// A filter with `os`'s rules; the volumes holding any of `system` are never candidates.
    pub fn new(os: Os, system: Vec<PathBuf>) -> Self {
        Self { os, system }
    }

    /// The filter for this computer: the system drive (`%SystemDrive%`, `%SystemRoot%`; `C:` if
    /// neither is set) on Windows, `/` elsewhere, and the running executable everywhere.
    pub fn for_this_system() -> Self {
        let os = Os::CURRENT;
        let mut system = Vec::new();
        if os == Os::Windows {
            for var in ["SystemDrive", "SystemRoot", "windir"] {
                if let Some(value) = std::env::var_os(var).filter(|v| !v.is_empty()) {
                    system.push(PathBuf::from(value));
                }
            }
            if system.is_empty() {
                system.push(PathBuf::from("C:\\"));
            }
        } else {
            system.push(PathBuf::from("/"));
        }
        if let Ok(exe) = std::env::current_exe() {
            system.push(exe);
        }
        Self { os, system }
    }

    /// The candidates among `all` (every mounted volume, so the system volume can be recognised),
    /// sorted by mount, one per mount (a later duplicate replaces an earlier one).
    pub fn candidates(&self, all: Vec<Volume>) -> Vec<Volume> {
        let system = self.system_mounts(&all);
        let accepted = all.into_iter().filter(|volume| {
            let mount = path_key(self.os, &volume.mount);
            self.accepts(volume, &mount, &system)
        });
        by_mount(accepted).into_values().collect()
    }

    /// The keys of the volumes that hold a system path: for each path, the listed mount that is
    /// its longest prefix.
    fn system_mounts(&self, all: &[Volume]) -> Vec<String> {
        let mounts: Vec<String> = all.iter().map(|v| path_key(self.os, &v.mount)).collect();
        self.system
            .iter()
            .filter_map(|path| {
                let path = path_key(self.os, path);
                mounts
                    .iter()
                    .filter(|m| path.starts_with(m.as_str()))
                    .max_by_key(|m| m.len())
                    .cloned()
            })
            .collect()
    }

    fn accepts(&self, volume: &Volume, mount: &str, system: &[String]) -> bool {
        if !volume.removable || mount == "/" || system.iter().any(|s| s == mount) {
            return false;
        }
        if is_network(self.os, mount, volume.file_system.as_deref()) {
            return false;
        }
        match self.os {
            Os::Linux => under_removable_root(mount),
            Os::Windows | Os::Other => true,
        }
    }
}

/// A comparable form of `path` that ends with a separator, so that "`path` lies on `mount`" is
/// `key(path).starts_with(key(mount))`. On Windows: `\` separators, no `\\?\` prefix, upper case.
/// String-based so both rule sets work (and are tested) on either OS.
fn path_key(os: Os, path: &Path) -> String {
    let raw = path.to_string_lossy();
    let mut key = match os {
        Os::Windows => {
            let s = raw.replace('/', "\\").to_ascii_uppercase();
            if let Some(rest) = s.strip_prefix("\\\\?\\UNC\\") {
                format!("\\\\{rest}")
            } else if let Some(rest) = s.strip_prefix("\\\\?\\") {
                rest.to_owned()
            } else {
                s
            }
        }
        Os::Linux | Os::Other => raw.into_owned(),
    };
    let sep = if os == Os::Windows { '\\' } else { '/' };
    if !key.ends_with(sep) {
        key.push(sep);
    }
    key
}

/// Network and remote file systems, by the names Linux and macOS give them.
const NETWORK_FILE_SYSTEMS: &[&str] = &[
    "9p",
    "afs",
    "autofs",
    "ceph",
    "cifs",
    "davfs",
    "fuse.davfs2",
    "fuse.glusterfs",
    "fuse.rclone",
    "fuse.sshfs",
    "glusterfs",
    "ncpfs",
    "nfs",
    "nfs4",
    "smb",
    "smb2",
    "smb3",
    "smbfs",
    "sshfs",
    "webdav",
];

fn is_network(os: Os, mount: &str, file_system: Option<&str>) -> bool {
    if os == Os::Windows && mount.starts_with("\\\\") {
        return true; // a UNC path: \\server\share
    }
    file_system.is_some_and(|fs| {
        let fs = fs.to_ascii_lowercase();
        NETWORK_FILE_SYSTEMS.contains(&fs.as_str())
    })
}

/// Whether a Linux mount key is `/media/X/`, `/media/USER/X/`, `/run/media/USER/X/` or `/mnt/X/`.
fn under_removable_root(mount: &str) -> bool {
    let Some(inner) = mount.strip_prefix('/').and_then(|m| m.strip_suffix('/')) else {
        return false;
    };
    let parts: Vec<&str> = inner.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return false;
    }
    matches!(
        parts.as_slice(),
        ["media", _] | ["media", _, _] | ["run", "media", _, _] | ["mnt", _]
    )
}

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
fn volume_from_disk(disk: &sysinfo::Disk) -> Volume {
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
fn non_empty(s: &std::ffi::OsStr) -> Option<String> {
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

fn parse_mountinfo_line(line: &str, is_removable: &impl Fn(&str) -> bool) -> Option<Volume> {
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
fn unescape_mountinfo(field: &str) -> String {
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
fn parse_device_number(field: &str) -> Option<u64> {
    let (major, minor) = field.split_once(':')?;
    Some(makedev(major.parse().ok()?, minor.parse().ok()?))
}

/// glibc's `makedev`: the low 8 bits of the minor, then 12 bits of the major, then the rest of
/// the minor, then the rest of the major.
fn makedev(major: u32, minor: u32) -> u64 {
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
fn usb_devices(by_id: &Path) -> std::collections::BTreeSet<PathBuf> {
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
fn resolve_dev(path: &Path) -> PathBuf {
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
fn normalize(path: &Path) -> PathBuf {
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

// --- Windows: what the drive answers mean (pure, tested on every OS) --------------------------

/// What `GetDriveTypeW` says about a drive root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriveKind {
    /// `DRIVE_UNKNOWN`.
    Unknown,
    /// `DRIVE_NO_ROOT_DIR`: no volume is mounted there.
    NoRootDir,
    /// `DRIVE_REMOVABLE`: sticks, card readers (and floppies).
    Removable,
    /// `DRIVE_FIXED`: internal disks, but also many USB hard disks, SSDs and large sticks.
    Fixed,
    /// `DRIVE_REMOTE`: a network drive.
    Remote,
    /// `DRIVE_CDROM`.
    CdRom,
    /// `DRIVE_RAMDISK`.
    RamDisk,
}

impl DriveKind {
    /// The kind for a `GetDriveTypeW` return value.
    pub fn from_code(code: u32) -> Self {
        match code {
            1 => Self::NoRootDir,
            2 => Self::Removable,
            3 => Self::Fixed,
            4 => Self::Remote,
            5 => Self::CdRom,
            6 => Self::RamDisk,
            _ => Self::Unknown,
        }
    }
}

/// `STORAGE_BUS_TYPE` values that mean "plugged in from outside": USB (7), SD (12), MMC (13).
const EXTERNAL_BUS_TYPES: [i32; 3] = [7, 12, 13];

/// Whether a drive of `kind` on a disk with bus type `bus` (from `IOCTL_STORAGE_QUERY_PROPERTY`,
/// `None` when Windows did not tell) may be a courier stick. Removable drives are; fixed drives
/// only on a USB/SD/MMC bus; network, optical, RAM and unknown drives never.
pub fn drive_is_removable(kind: DriveKind, bus: Option<i32>) -> bool {
    match kind {
        DriveKind::Removable => true,
        DriveKind::Fixed => bus.is_some_and(|b| EXTERNAL_BUS_TYPES.contains(&b)),
        _ => false,
    }
}

/// The drive letters set in a `GetLogicalDrives` / `dbcv_unitmask` bit mask (bit 0 = `A`).
pub fn drive_letters(mask: u32) -> Vec<char> {
    (0u8..26)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| char::from(b'A' + i))
        .collect()
}

/// A `WM_DEVICECHANGE` message that matters for sticks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceChange {
    /// `DBT_DEVICEARRIVAL` of volumes with these drive letters.
    Arrived(Vec<char>),
    /// `DBT_DEVICEREMOVECOMPLETE` of volumes with these drive letters.
    Removed(Vec<char>),
    /// Some device came or went without naming a drive (device interface, `DBT_DEVNODES_CHANGED`):
    /// look again.
    Changed,
}

const DBT_DEVNODES_CHANGED: usize = 0x0007;
const DBT_DEVICEARRIVAL: usize = 0x8000;
const DBT_DEVICEREMOVECOMPLETE: usize = 0x8004;
const DBT_DEVTYP_VOLUME: u32 = 2;

/// Decodes `WM_DEVICECHANGE(event, broadcast)`: `broadcast` is the `DEV_BROADCAST_HDR` that
/// `lParam` points to, as bytes (its first field is its size). `None` for messages that say
/// nothing about volumes (queries, custom events). Never trusts the sizes it is given.
pub fn decode_device_change(event: usize, broadcast: Option<&[u8]>) -> Option<DeviceChange> {
    let u32_at = |b: &[u8], at: usize| -> Option<u32> {
        let bytes = b.get(at..at + 4)?;
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    };
    match event {
        DBT_DEVNODES_CHANGED => Some(DeviceChange::Changed),
        DBT_DEVICEARRIVAL | DBT_DEVICEREMOVECOMPLETE => {
            let letters = broadcast.and_then(|b| {
                let size = u32_at(b, 0)? as usize;
                let b = b.get(..size.min(b.len()))?;
                (u32_at(b, 4)? == DBT_DEVTYP_VOLUME).then_some(())?;
                Some(drive_letters(u32_at(b, 12)?))
            });
            Some(match letters {
                Some(l) if !l.is_empty() && event == DBT_DEVICEARRIVAL => DeviceChange::Arrived(l),
                Some(l) if !l.is_empty() => DeviceChange::Removed(l),
                _ => DeviceChange::Changed,
            })
        }
        _ => None,
    }
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
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// --- diffing ---------------------------------------------------------------------------------

/// The events that turn `previous` into `current` (two sets of candidate volumes, keyed by
/// mount; a later duplicate replaces an earlier one): first every removal, then every arrival,
/// each sorted by mount. A different volume at the same mount (see [`Volume::is_same_as`]) is a
/// removal followed by an arrival.
pub fn diff(previous: &[Volume], current: &[Volume]) -> Vec<Event> {
    let previous = by_mount(previous.iter().cloned());
    let mut current = by_mount(current.iter().cloned());
    let mut events = Vec::new();
    for (mount, old) in &previous {
        if !current.get(mount).is_some_and(|new| old.is_same_as(new)) {
            events.push(Event::Removed(mount.clone()));
        }
    }
    current.retain(|mount, new| !previous.get(mount).is_some_and(|old| old.is_same_as(new)));
    events.extend(current.into_values().map(Event::Arrived));
    events
}

/// `volumes` keyed by mount; a later duplicate replaces an earlier one.
fn by_mount(volumes: impl IntoIterator<Item = Volume>) -> BTreeMap<PathBuf, Volume> {
    volumes.into_iter().map(|v| (v.mount.clone(), v)).collect()
}

// --- the watcher -----------------------------------------------------------------------------

/// Wakes a [`Watcher`] waiting in [`Watcher::next_event`] so it polls now instead of at the end
/// of its interval. For `WM_DEVICECHANGE` (Windows issue) and for a stop request that should not
/// wait for the next stop-flag check. Clones share the same watcher.
#[derive(Clone, Debug, Default)]
pub struct Nudge {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Nudge {
    /// Asks the watcher to poll as soon as possible.
    pub fn nudge(&self) {
        let (flag, wake) = &*self.inner;
        *lock(flag) = true;
        wake.notify_all();
    }

    /// Clears the request; whether there was one.
    fn take(&self) -> bool {
        std::mem::take(&mut *lock(&self.inner.0))
    }

    /// Waits up to `timeout` for a request (returns at once if there is one).
    fn wait(&self, timeout: Duration) {
        let (flag, wake) = &*self.inner;
        let guard = lock(flag);
        if *guard {
            return;
        }
        // Waking early or by accident is harmless: the caller re-checks everything.
        drop(wake.wait_timeout(guard, timeout));
    }
}

/// Polls a [`VolumeSource`] and reports candidate volumes arriving and leaving.
///
/// The first poll reports every volume already present as arrived. A failed poll changes nothing:
/// the error is returned and the next successful poll is compared with the last good set. Idle
/// cost: one call to the source per interval (plus a stop-flag check every 100 ms).
pub struct Watcher {
    source: Box<dyn VolumeSource + Send>,
    interval: Duration,
    seen: Vec<Volume>,
    pending: VecDeque<Event>,
    last_poll: Option<Instant>,
    nudge: Nudge,
    /// Receives `WM_DEVICECHANGE` and nudges; closed with the watcher.
    #[cfg(windows)]
    device_window: Option<crate::win32::DeviceWindow>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("interval", &self.interval)
            .field("seen", &self.seen)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// A watcher over `source`, polling every [`DEFAULT_INTERVAL`], having seen nothing yet.
    pub fn new(source: Box<dyn VolumeSource + Send>) -> Self {
        Self {
            source,
            interval: DEFAULT_INTERVAL,
            seen: Vec::new(),
            pending: VecDeque::new(),
            last_poll: None,
            nudge: Nudge::default(),
            #[cfg(windows)]
            device_window: None,
        }
    }

    /// A watcher over this computer's volumes ([`system_source`]). On Windows it also starts a
    /// hidden window whose `WM_DEVICECHANGE` messages make it poll at once (where no window can
    /// be created, e.g. in a service, it only polls).
    pub fn system() -> Self {
        #[allow(unused_mut)]
        let mut watcher = Self::new(system_source());
        #[cfg(windows)]
        {
            let nudge = watcher.nudge();
            watcher.device_window =
                crate::win32::DeviceWindow::start(Box::new(move |event, broadcast| {
                    if decode_device_change(event, broadcast).is_some() {
                        nudge.nudge();
                    }
                }))
                .ok();
        }
        watcher
    }

    /// Whether OS arrival events wake this watcher (Windows, when the hidden window exists).
    pub fn has_os_events(&self) -> bool {
        #[cfg(windows)]
        return self.device_window.is_some();
        #[cfg(not(windows))]
        false
    }

    /// Sets the time between two polls in [`Watcher::next_event`].
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The time between two polls.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The candidate volumes of the last successful poll, sorted by mount.
    pub fn volumes(&self) -> &[Volume] {
        &self.seen
    }

    /// A handle that makes a waiting [`Watcher::next_event`] poll at once.
    pub fn nudge(&self) -> Nudge {
        self.nudge.clone()
    }

    /// Polls once, now: the events not yet handed out by [`Watcher::next_event`], then the
    /// changes since the last successful poll. On error the seen set and queued events are kept.
    pub fn poll(&mut self) -> Result<Vec<Event>, Error> {
        self.nudge.take();
        self.last_poll = Some(Instant::now());
        let current: Vec<Volume> = by_mount(self.source.volumes()?).into_values().collect();
        let changes = diff(&self.seen, &current);
        self.seen = current;
        let mut events: Vec<Event> = self.pending.drain(..).collect();
        events.extend(changes);
        Ok(events)
    }

    /// Waits for the next event: polls at most once per interval (at once if never polled or
    /// nudged) and sleeps in between. `Ok(None)` once `stop` is set (checked at least every
    /// 100 ms; events not yet handed out stay queued). A source error is returned at once; the
    /// next call waits out the interval before polling again, so a caller that loops on errors
    /// does not spin.
    pub fn next_event(&mut self, stop: &AtomicBool) -> Result<Option<Event>, Error> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            let now = Instant::now();
            let due = self.last_poll.map_or(now, |last| last + self.interval);
            if now < due && !self.nudge.take() {
                self.nudge.wait((due - now).min(STOP_CHECK));
                continue;
            }
            let events = self.poll()?;
            self.pending.extend(events);
        }
    }
}

/// Whether the volume mounted at `mount` has the courier's folder (`OQSCOURIER`) at its root.
/// A symlink (or junction) named like it does not count and is not followed. This says nothing
/// about enrolment.
pub fn has_courier_folder(mount: &Path) -> bool {
    std::fs::symlink_metadata(mount.join(stick::ROOT_DIR)).is_ok_and(|m| m.file_type().is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::thread;

    fn vol(mount: &str) -> Volume {
        Volume::stick(mount)
    }

    fn fixed(mount: &str) -> Volume {
        Volume {
            removable: false,
            ..Volume::stick(mount)
        }
    }

    fn with_fs(mount: &str, fs: &str) -> Volume {
        Volume {
            file_system: Some(fs.to_owned()),
            ..Volume::stick(mount)
        }
    }

    fn mounts(volumes: &[Volume]) -> Vec<String> {
        volumes
            .iter()
            .map(|v| v.mount.to_string_lossy().into_owned())
            .collect()
    }

    fn arrived(mount: &str) -> Event {
        Event::Arrived(vol(mount))
    }

    fn removed(mount: &str) -> Event {
        Event::Removed(PathBuf::from(mount))
    }

    // --- diff ----------------------------------------------------------------------------------

    #[test]
    fn diff_of_two_empty_sets_is_empty() {
        assert_eq!(diff(&[], &[]), vec![]);
    }

    #[test]
    fn diff_unchanged_set_is_empty() {
        let set = [vol("/media/a"), vol("/media/b")];
        assert_eq!(diff(&set, &set), vec![]);
    }

    #[test]
    fn diff_order_of_input_does_not_matter() {
        let a = [vol("/media/a"), vol("/media/b")];
        let b = [vol("/media/b"), vol("/media/a")];
        assert_eq!(diff(&a, &b), vec![]);
    }

    #[test]
    fn diff_reports_arrivals_sorted() {
        let events = diff(&[], &[vol("/media/b"), vol("/media/a")]);
        assert_eq!(events, vec![arrived("/media/a"), arrived("/media/b")]);
    }

    #[test]
    fn diff_reports_removals_sorted() {
        let events = diff(&[vol("/media/b"), vol("/media/a")], &[]);
        assert_eq!(events, vec![removed("/media/a"), removed("/media/b")]);
    }

    #[test]
    fn diff_reports_removals_before_arrivals() {
        let events = diff(
            &[vol("/media/a"), vol("/media/keep")],
            &[vol("/media/keep"), vol("/media/0")],
        );
        assert_eq!(events, vec![removed("/media/a"), arrived("/media/0")]);
    }

    #[test]
    fn diff_swap_at_same_mount_is_removal_then_arrival() {
        let old = Volume {
            id: Some(1),
            ..vol("E:\\")
        };
        let new = Volume {
            id: Some(2),
            ..vol("E:\\")
        };
        assert_eq!(
            diff(std::slice::from_ref(&old), std::slice::from_ref(&new)),
            vec![removed("E:\\"), Event::Arrived(new)]
        );
    }

    #[test]
    fn diff_label_or_file_system_change_is_a_swap() {
        let old = Volume {
            label: Some("A".into()),
            ..vol("E:\\")
        };
        let relabelled = Volume {
            label: Some("B".into()),
            ..vol("E:\\")
        };
        let reformatted = Volume {
            file_system: Some("exFAT".into()),
            ..old.clone()
        };
        assert_eq!(
            diff(
                std::slice::from_ref(&old),
                std::slice::from_ref(&relabelled)
            )
            .len(),
            2
        );
        assert_eq!(
            diff(
                std::slice::from_ref(&old),
                std::slice::from_ref(&reformatted)
            )
            .len(),
            2
        );
    }

    #[test]
    fn diff_unknown_id_is_not_a_swap() {
        let known = Volume {
            id: Some(7),
            ..vol("E:\\")
        };
        let unknown = vol("E:\\");
        assert_eq!(
            diff(std::slice::from_ref(&known), std::slice::from_ref(&unknown)),
            vec![]
        );
        assert_eq!(
            diff(std::slice::from_ref(&unknown), std::slice::from_ref(&known)),
            vec![]
        );
    }

    #[test]
    fn diff_duplicate_mounts_count_once_last_wins() {
        let first = Volume {
            id: Some(1),
            ..vol("/media/a")
        };
        let second = Volume {
            id: Some(2),
            ..vol("/media/a")
        };
        let events = diff(&[], &[first, second.clone()]);
        assert_eq!(events, vec![Event::Arrived(second)]);
    }

    #[test]
    fn diff_applied_to_previous_gives_current() {
        // Every subset pair of a small universe: applying the events to `previous` yields `current`.
        let universe = ["/media/a", "/media/b", "/media/c", "/mnt/d"];
        for p in 0u32..16 {
            for c in 0u32..16 {
                let pick = |bits: u32| -> Vec<Volume> {
                    (0..4)
                        .filter(|i| bits & (1 << i) != 0)
                        .map(|i| vol(universe[i]))
                        .collect()
                };
                let (previous, current) = (pick(p), pick(c));
                let mut applied = by_mount(previous.iter().cloned());
                for event in diff(&previous, &current) {
                    match event {
                        Event::Arrived(v) => {
                            assert!(applied.insert(v.mount.clone(), v).is_none());
                        }
                        Event::Removed(m) => assert!(applied.remove(&m).is_some()),
                    }
                }
                assert_eq!(applied.into_values().collect::<Vec<_>>(), current);
            }
        }
    }

    // --- filter: Linux -------------------------------------------------------------------------

    fn linux() -> Filter {
        Filter::new(
            Os::Linux,
            vec![PathBuf::from("/"), PathBuf::from("/usr/bin/oqs-courier")],
        )
    }

    #[test]
    fn linux_root_is_never_a_candidate_even_if_removable() {
        assert!(linux().candidates(vec![vol("/")]).is_empty());
        let no_system = Filter::new(Os::Linux, vec![]);
        assert!(no_system.candidates(vec![vol("/")]).is_empty());
    }

    #[test]
    fn linux_accepts_removable_volumes_at_usual_mount_roots() {
        let all = vec![
            fixed("/"),
            vol("/media/STICK"),
            vol("/media/alice/STICK"),
            vol("/run/media/alice/STICK"),
            vol("/mnt/usb"),
            vol("/mnt/key/"),
        ];
        assert_eq!(
            mounts(&linux().candidates(all)),
            [
                "/media/STICK",
                "/media/alice/STICK",
                "/mnt/key/",
                "/mnt/usb",
                "/run/media/alice/STICK"
            ]
        );
    }

    #[test]
    fn linux_refuses_other_places_and_depths() {
        let all = vec![
            vol("/boot/efi"),
            vol("/home/alice/usb"),
            vol("/media"),
            vol("/media/a/b/c"),
            vol("/run/media/alice"),
            vol("/run/media/alice/a/b"),
            vol("/mnt"),
            vol("/mnt/a/b"),
            vol("/media/../etc"),
            vol("media/STICK"),
            vol("/srv/media/x"),
        ];
        assert_eq!(mounts(&linux().candidates(all)), Vec::<String>::new());
    }

    #[test]
    fn linux_refuses_fixed_volumes_at_removable_roots() {
        assert!(
            linux()
                .candidates(vec![fixed("/media/STICK"), fixed("/mnt/x")])
                .is_empty()
        );
    }

    #[test]
    fn linux_refuses_network_file_systems() {
        let all = vec![
            with_fs("/mnt/nas", "nfs4"),
            with_fs("/mnt/share", "CIFS"),
            with_fs("/media/ssh", "fuse.sshfs"),
            with_fs("/media/STICK", "vfat"),
        ];
        assert_eq!(mounts(&linux().candidates(all)), ["/media/STICK"]);
    }

    #[test]
    fn linux_refuses_the_volume_holding_the_running_program() {
        let filter = Filter::new(
            Os::Linux,
            vec![
                PathBuf::from("/"),
                PathBuf::from("/media/alice/APP/bin/oqs-courier"),
            ],
        );
        let all = vec![
            fixed("/"),
            vol("/media/alice/APP"),
            vol("/media/alice/STICK"),
        ];
        assert_eq!(mounts(&filter.candidates(all)), ["/media/alice/STICK"]);
    }

    #[test]
    fn linux_system_match_is_by_whole_component() {
        // `/media/a` holds the program; `/media/ab` is another stick.
        let filter = Filter::new(Os::Linux, vec![PathBuf::from("/media/a/oqs-courier")]);
        let all = vec![vol("/media/a"), vol("/media/ab")];
        assert_eq!(mounts(&filter.candidates(all)), ["/media/ab"]);
    }

    #[test]
    fn candidates_are_sorted_and_unique() {
        let all = vec![vol("/media/b"), vol("/media/a"), vol("/media/b")];
        assert_eq!(mounts(&linux().candidates(all)), ["/media/a", "/media/b"]);
    }

    // --- filter: Windows -----------------------------------------------------------------------

    fn windows() -> Filter {
        Filter::new(
            Os::Windows,
            vec![
                PathBuf::from("C:"),
                PathBuf::from("C:\\WINDOWS"),
                PathBuf::from("C:\\Program Files\\oqs-courier\\oqs-courier.exe"),
            ],
        )
    }

    #[test]
    fn windows_system_drive_is_never_a_candidate_even_if_removable() {
        let all = vec![vol("C:\\"), vol("E:\\")];
        assert_eq!(mounts(&windows().candidates(all)), ["E:\\"]);
    }

    #[test]
    fn windows_system_drive_match_ignores_case_slashes_and_verbatim_prefix() {
        let filter = Filter::new(Os::Windows, vec![PathBuf::from("c:/windows")]);
        let all = vec![vol("\\\\?\\C:\\"), vol("C:\\"), vol("e:/")];
        assert_eq!(mounts(&filter.candidates(all)), ["e:/"]);
    }

    #[test]
    fn windows_refuses_the_drive_holding_the_running_program() {
        let filter = Filter::new(
            Os::Windows,
            vec![
                PathBuf::from("C:"),
                PathBuf::from("E:\\portable\\oqs-courier.exe"),
            ],
        );
        let all = vec![fixed("C:\\"), vol("E:\\"), vol("F:\\")];
        assert_eq!(mounts(&filter.candidates(all)), ["F:\\"]);
    }

    #[test]
    fn windows_refuses_fixed_drives_unless_their_bus_is_usb() {
        assert!(windows().candidates(vec![fixed("D:\\")]).is_empty());
        let usb = DriveKind::from_code(3);
        assert_eq!(usb, DriveKind::Fixed);
        assert!(
            drive_is_removable(usb, Some(7)),
            "USB disk reporting DRIVE_FIXED"
        );
        assert!(drive_is_removable(usb, Some(12)), "SD card reader");
        assert!(!drive_is_removable(usb, Some(11)), "SATA");
        assert!(!drive_is_removable(usb, Some(17)), "NVMe");
        assert!(!drive_is_removable(usb, None), "bus type unknown");
    }

    #[test]
    fn windows_drive_kinds() {
        let kinds: Vec<DriveKind> = (0..8).map(DriveKind::from_code).collect();
        use DriveKind::*;
        assert_eq!(
            kinds,
            [
                Unknown, NoRootDir, Removable, Fixed, Remote, CdRom, RamDisk, Unknown
            ]
        );
        for kind in [Unknown, NoRootDir, Remote, CdRom, RamDisk] {
            assert!(!drive_is_removable(kind, Some(7)), "{kind:?} on USB");
        }
        assert!(drive_is_removable(Removable, None));
    }

    #[test]
    fn drive_letters_from_masks() {
        assert_eq!(drive_letters(0), Vec::<char>::new());
        assert_eq!(drive_letters(0b1_0100), ['C', 'E']);
        assert_eq!(drive_letters(1 << 25), ['Z']);
        assert_eq!(
            drive_letters(u32::MAX).len(),
            26,
            "bits above Z are ignored"
        );
    }

    fn broadcast(size: u32, kind: u32, mask: u32) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [size, kind, 0, mask] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&[0; 4]);
        b
    }

    #[test]
    fn device_change_volume_arrival_and_removal_name_their_drives() {
        let b = broadcast(20, 2, 0b11_0000);
        assert_eq!(
            decode_device_change(0x8000, Some(&b)),
            Some(DeviceChange::Arrived(vec!['E', 'F']))
        );
        assert_eq!(
            decode_device_change(0x8004, Some(&b)),
            Some(DeviceChange::Removed(vec!['E', 'F']))
        );
    }

    #[test]
    fn device_change_without_a_drive_means_look_again() {
        // A device interface (type 5), no broadcast, a too-short or lying size, an empty mask.
        for b in [
            Some(broadcast(20, 5, 0)),
            None,
            Some(vec![20, 0, 0, 0, 2, 0]),
            Some(broadcast(8, 2, 1 << 4)),
            Some(broadcast(20, 2, 0)),
        ] {
            assert_eq!(
                decode_device_change(0x8000, b.as_deref()),
                Some(DeviceChange::Changed),
                "{b:?}"
            );
        }
        assert_eq!(
            decode_device_change(0x0007, None),
            Some(DeviceChange::Changed)
        );
    }

    #[test]
    fn device_change_queries_and_custom_events_are_ignored() {
        let b = broadcast(20, 2, 1 << 4);
        // DBT_QUERYCHANGECONFIG, DBT_DEVICEQUERYREMOVE, DBT_DEVICEREMOVEPENDING, DBT_CUSTOMEVENT
        for event in [0x0017, 0x8001, 0x8003, 0x8006] {
            assert_eq!(decode_device_change(event, Some(&b)), None, "{event:#x}");
        }
    }

    #[test]
    fn windows_refuses_network_drives() {
        let all = vec![
            vol("\\\\server\\share"),
            vol("\\\\?\\UNC\\server\\share"),
            with_fs("Z:\\", "smbfs"),
            with_fs("E:\\", "FAT32"),
        ];
        assert_eq!(mounts(&windows().candidates(all)), ["E:\\"]);
    }

    #[test]
    fn windows_accepts_a_removable_volume_mounted_in_a_folder() {
        let all = vec![fixed("C:\\"), vol("C:\\mnt\\stick\\")];
        assert_eq!(mounts(&windows().candidates(all)), ["C:\\mnt\\stick\\"]);
    }

    #[test]
    fn windows_without_the_system_drive_listed_still_refuses_nothing_else() {
        let all = vec![vol("E:\\"), vol("F:\\")];
        assert_eq!(mounts(&windows().candidates(all)), ["E:\\", "F:\\"]);
    }

    // --- filter: other -------------------------------------------------------------------------

    #[test]
    fn other_os_needs_removable_not_system_not_network() {
        let filter = Filter::new(Os::Other, vec![PathBuf::from("/")]);
        let all = vec![
            vol("/"),
            vol("/Volumes/STICK"),
            fixed("/Volumes/Data"),
            with_fs("/Volumes/nas", "smbfs"),
        ];
        assert_eq!(mounts(&filter.candidates(all)), ["/Volumes/STICK"]);
    }

    #[test]
    fn this_system_filter_knows_its_system_paths() {
        let filter = Filter::for_this_system();
        assert_eq!(filter.os, Os::CURRENT);
        assert!(!filter.system.is_empty());
        if Os::CURRENT != Os::Windows {
            assert!(filter.system.contains(&PathBuf::from("/")));
        }
    }

    // --- sources -------------------------------------------------------------------------------

    #[test]
    fn sysinfo_source_answers() {
        // Never assert on real disks: under Wine the list is empty, on CI it is anything.
        let volumes = SysinfoSource::new().volumes();
        assert!(volumes.is_ok(), "{volumes:?}");
    }

    // --- Linux mount table ---------------------------------------------------------------------

    /// A mountinfo excerpt: root on NVMe, proc, tmpfs, a FUSE mount (fusefat, daemon may be
    /// dead), sshfs, NFS, and two USB sticks (one label with a space, one with optional fields).
    const MOUNTINFO: &str = "\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
25 24 0:23 / /run/user/1000 rw,nosuid,nodev shared:5 - tmpfs tmpfs rw,size=812345k,mode=700
60 27 0:55 / /mnt/image rw,nosuid,nodev,relatime shared:40 - fuse fusefat rw,user_id=0,group_id=0
61 27 0:56 / /mnt/remote rw,nosuid,nodev,relatime shared:41 - fuse.sshfs user@host: rw,user_id=0
62 27 0:57 / /mnt/nas rw,relatime shared:42 - nfs server:/export rw,vers=3,hard
70 27 8:17 / /media/user/STICK rw,nosuid,nodev,relatime shared:50 master:3 - vfat /dev/sdb1 rw,fmask=0022
71 27 8:33 / /media/user/MY\\040STICK rw,nosuid,nodev,relatime - vfat /dev/sdc1 rw,fmask=0022
";

    fn usb(source: &str) -> bool {
        matches!(source, "/dev/sdb1" | "/dev/sdc1")
    }

    #[test]
    fn mountinfo_lines_become_volumes() {
        let all = parse_mountinfo(MOUNTINFO, usb);
        assert_eq!(
            mounts(&all),
            [
                "/proc",
                "/",
                "/run/user/1000",
                "/mnt/image",
                "/mnt/remote",
                "/mnt/nas",
                "/media/user/STICK",
                "/media/user/MY STICK",
            ]
        );
        let fs: Vec<Option<&str>> = all.iter().map(|v| v.file_system.as_deref()).collect();
        assert_eq!(
            fs,
            [
                Some("proc"),
                Some("ext4"),
                Some("tmpfs"),
                Some("fuse"),
                Some("fuse.sshfs"),
                Some("nfs"),
                Some("vfat"),
                Some("vfat"),
            ]
        );
        let removable: Vec<bool> = all.iter().map(|v| v.removable).collect();
        assert_eq!(
            removable,
            [false, false, false, false, false, false, true, true]
        );
        assert!(all.iter().all(|v| v.label.is_none()));
        assert_eq!(all[6].id, Some(8 << 8 | 17), "8:17, /dev/sdb1");
        assert_eq!(all[1].id, Some(259 << 8 | 2), "259:2");
        assert_eq!(all[0].id, Some(21), "0:21");
    }

    #[test]
    fn mountinfo_candidates_are_the_usb_sticks() {
        let filter = Filter::new(Os::Linux, vec![PathBuf::from("/")]);
        let all = parse_mountinfo(MOUNTINFO, usb);
        assert_eq!(
            mounts(&filter.candidates(all)),
            ["/media/user/MY STICK", "/media/user/STICK"]
        );
        // Even if every source looked removable, the system volume, the network mounts (sshfs,
        // NFS) and the ones outside the removable-media folders would not be candidates.
        let all = parse_mountinfo(MOUNTINFO, |_| true);
        assert_eq!(
            mounts(&filter.candidates(all)),
            ["/media/user/MY STICK", "/media/user/STICK", "/mnt/image"]
        );
    }

    #[test]
    fn mountinfo_source_is_given_decoded() {
        let line = "80 27 8:49 / /media/u/A\\134B rw - exfat /dev/disk/by-label/MY\\040USB rw\n";
        let sources = std::cell::RefCell::new(Vec::new());
        let all = parse_mountinfo(line, |s| {
            sources.borrow_mut().push(s.to_owned());
            false
        });
        assert_eq!(mounts(&all), ["/media/u/A\\B"]);
        assert_eq!(sources.into_inner(), ["/dev/disk/by-label/MY USB"]);
    }

    #[test]
    fn mountinfo_escapes_decode_and_junk_stays() {
        assert_eq!(
            unescape_mountinfo("a\\040b\\011c\\012d\\134e"),
            "a b\tc\nd\\e"
        );
        assert_eq!(unescape_mountinfo("\\04"), "\\04", "too short");
        assert_eq!(unescape_mountinfo("\\089x"), "\\089x", "not octal");
        assert_eq!(unescape_mountinfo("\\777"), "\\777", "above 255");
        assert_eq!(unescape_mountinfo("trailing\\"), "trailing\\");
        assert_eq!(unescape_mountinfo("日本\\040語"), "日本 語");
    }

    #[test]
    fn mountinfo_malformed_lines_are_skipped() {
        let text = "\
\n\
garbage\n\
1 2 8:1 / /no/separator rw ext4 /dev/sda1 rw\n\
1 2 8:1 / /no/type rw -\n\
1 2 8:1 / relative rw - ext4 /dev/sda1 rw\n\
1 2 x:y / /bad/device rw - ext4 /dev/sda1 rw\n\
1 2 8:1 / /no/source rw - ext4\n";
        let all = parse_mountinfo(text, |_| true);
        assert_eq!(mounts(&all), ["/bad/device", "/no/source"]);
        assert_eq!(all[0].id, None);
        assert!(all[1].removable, "an empty source is still passed on");
    }

    #[test]
    fn device_numbers_combine_like_glibc_makedev() {
        assert_eq!(makedev(8, 17), 0x811);
        assert_eq!(makedev(0, 0), 0);
        // Large numbers (checked against Python's `os.makedev`, which calls glibc's).
        assert_eq!(makedev(0x12345, 0x6789a), 0x0001_2000_6783_459a);
        assert_eq!(parse_device_number("259:2"), Some(makedev(259, 2)));
        assert_eq!(parse_device_number("259"), None);
        assert_eq!(parse_device_number("-1:2"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn mountinfo_ids_match_st_dev_on_this_machine() {
        use std::os::unix::fs::MetadataExt;
        let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        let all = parse_mountinfo(&text, |_| false);
        // procfs: its own device number, never shared with a bind mount or a btrfs subvolume.
        let proc = all.iter().rev().find(|v| v.mount == Path::new("/proc"));
        let Some(proc) = proc else {
            return; // no /proc mount in this sandbox: nothing to compare
        };
        let dev = std::fs::metadata("/proc").unwrap().dev();
        assert_eq!(proc.id, Some(dev));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn mountinfo_source_answers_and_sysinfo_source_lists_the_same_on_linux() {
        let volumes = MountinfoSource::new().volumes();
        assert!(volumes.is_ok(), "{volumes:?}");
        // The sysinfo-named source lists the same way on Linux (never through sysinfo).
        assert_eq!(volumes.ok(), SysinfoSource::new().volumes().ok());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_paths_normalize_as_text() {
        assert_eq!(
            normalize(Path::new("/dev/disk/by-id/../../sdb1")),
            Path::new("/dev/sdb1")
        );
        assert_eq!(normalize(Path::new("/dev/./sda")), Path::new("/dev/sda"));
        assert_eq!(normalize(Path::new("/../dev")), Path::new("/dev"));
        // Outside /dev nothing is followed (and a missing device is itself).
        assert_eq!(
            resolve_dev(Path::new("/mnt/../dev/no-such-device")),
            Path::new("/dev/no-such-device")
        );
        assert_eq!(
            resolve_dev(Path::new("/media/user/STICK")),
            Path::new("/media/user/STICK")
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn usb_devices_of_a_missing_folder_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert!(usb_devices(&dir.path().join("by-id")).is_empty());
    }

    #[test]
    fn fake_source_insert_replace_remove_fail() {
        let fake = FakeSource::new();
        let other = fake.clone();
        assert!(fake.volumes().is_ok_and(|v| v.is_empty()));
        fake.insert("/media/a");
        fake.insert_volume(Volume {
            label: Some("X".into()),
            ..vol("/media/a")
        });
        let seen = other.volumes().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].label.as_deref(), Some("X"));
        assert!(other.remove(Path::new("/media/a")));
        assert!(!other.remove(Path::new("/media/a")));
        fake.set_failing(true);
        assert!(matches!(other.volumes(), Err(Error::List { .. })));
        fake.set_failing(false);
        assert!(other.volumes().is_ok());
    }

    // --- watcher -------------------------------------------------------------------------------

    fn watched() -> (FakeSource, Watcher) {
        let fake = FakeSource::new();
        let watcher = Watcher::new(Box::new(fake.clone()));
        (fake, watcher)
    }

    #[test]
    fn watcher_defaults() {
        let (_, watcher) = watched();
        assert_eq!(watcher.interval(), DEFAULT_INTERVAL);
        assert_eq!(DEFAULT_INTERVAL, Duration::from_secs(1));
        assert!(watcher.volumes().is_empty());
    }

    #[test]
    fn watcher_first_poll_reports_volumes_already_present() {
        let (fake, mut watcher) = watched();
        fake.insert("/media/b");
        fake.insert("/media/a");
        assert_eq!(
            watcher.poll().unwrap(),
            vec![arrived("/media/a"), arrived("/media/b")]
        );
        assert_eq!(mounts(watcher.volumes()), ["/media/a", "/media/b"]);
        assert_eq!(watcher.poll().unwrap(), vec![]);
    }

    #[test]
    fn watcher_reports_arrival_and_removal() {
        let (fake, mut watcher) = watched();
        assert_eq!(watcher.poll().unwrap(), vec![]);
        fake.insert("E:\\");
        assert_eq!(watcher.poll().unwrap(), vec![arrived("E:\\")]);
        assert_eq!(watcher.poll().unwrap(), vec![]);
        fake.remove(Path::new("E:\\"));
        assert_eq!(watcher.poll().unwrap(), vec![removed("E:\\")]);
        assert!(watcher.volumes().is_empty());
    }

    #[test]
    fn watcher_error_keeps_the_last_good_set() {
        let (fake, mut watcher) = watched();
        fake.insert("/media/a");
        assert_eq!(watcher.poll().unwrap(), vec![arrived("/media/a")]);

        fake.set_failing(true);
        fake.remove(Path::new("/media/a"));
        fake.insert("/media/b");
        assert!(matches!(watcher.poll(), Err(Error::List { .. })));
        assert_eq!(mounts(watcher.volumes()), ["/media/a"]);
        assert!(watcher.poll().is_err());

        fake.set_failing(false);
        assert_eq!(
            watcher.poll().unwrap(),
            vec![removed("/media/a"), arrived("/media/b")]
        );
        assert_eq!(mounts(watcher.volumes()), ["/media/b"]);
    }

    #[test]
    fn watcher_error_in_next_event_keeps_state_and_queued_events() {
        let (fake, mut watcher) = watched();
        let watcher_interval = Duration::from_millis(10);
        watcher = watcher.with_interval(watcher_interval);
        let stop = AtomicBool::new(false);
        fake.insert("/media/a");
        fake.insert("/media/b");
        assert_eq!(
            watcher.next_event(&stop).unwrap(),
            Some(arrived("/media/a"))
        );
        fake.set_failing(true);
        // `/media/b` was queued by the same poll and is handed out without asking the source.
        assert_eq!(
            watcher.next_event(&stop).unwrap(),
            Some(arrived("/media/b"))
        );
        assert!(watcher.next_event(&stop).is_err());
        assert_eq!(mounts(watcher.volumes()), ["/media/a", "/media/b"]);
        fake.set_failing(false);
        fake.remove(Path::new("/media/a"));
        assert_eq!(
            watcher.next_event(&stop).unwrap(),
            Some(removed("/media/a"))
        );
    }

    #[test]
    fn watcher_poll_hands_out_events_queued_by_next_event() {
        let (fake, mut watcher) = watched();
        let stop = AtomicBool::new(false);
        fake.insert("/media/a");
        fake.insert("/media/b");
        assert_eq!(
            watcher.next_event(&stop).unwrap(),
            Some(arrived("/media/a"))
        );
        fake.insert("/media/c");
        assert_eq!(
            watcher.poll().unwrap(),
            vec![arrived("/media/b"), arrived("/media/c")]
        );
    }

    #[test]
    fn next_event_returns_none_when_stopped() {
        let (fake, mut watcher) = watched();
        fake.insert("/media/a");
        let stop = AtomicBool::new(true);
        assert_eq!(watcher.next_event(&stop).unwrap(), None);
        // Nothing was lost: the arrival comes once the caller goes on.
        stop.store(false, Ordering::Relaxed);
        assert_eq!(
            watcher.next_event(&stop).unwrap(),
            Some(arrived("/media/a"))
        );
    }

    #[test]
    fn next_event_waits_for_an_arrival_from_another_thread() {
        let (fake, watcher) = watched();
        let mut watcher = watcher.with_interval(Duration::from_millis(20));
        let stop = AtomicBool::new(false);
        assert_eq!(watcher.poll().unwrap(), vec![]);
        let inserter = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            fake.insert("/media/a");
        });
        assert_eq!(
            watcher.next_event(&stop).unwrap(),
            Some(arrived("/media/a"))
        );
        inserter.join().unwrap();
    }

    #[test]
    fn next_event_stops_when_the_flag_is_set_from_another_thread() {
        let (_, watcher) = watched();
        let mut watcher = watcher.with_interval(Duration::from_secs(3600));
        let stop = Arc::new(AtomicBool::new(false));
        let setter = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                stop.store(true, Ordering::Relaxed);
            })
        };
        let started = Instant::now();
        assert_eq!(watcher.next_event(&stop).unwrap(), None);
        assert!(started.elapsed() < Duration::from_secs(30));
        setter.join().unwrap();
    }

    #[test]
    fn nudge_makes_a_waiting_watcher_poll_at_once() {
        let (fake, watcher) = watched();
        let mut watcher = watcher.with_interval(Duration::from_secs(3600));
        assert_eq!(watcher.poll().unwrap(), vec![]);
        let nudge = watcher.nudge();
        let stop = AtomicBool::new(false);
        let arrival = thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            fake.insert("E:\\");
            nudge.nudge();
        });
        let started = Instant::now();
        assert_eq!(watcher.next_event(&stop).unwrap(), Some(arrived("E:\\")));
        assert!(started.elapsed() < Duration::from_secs(30));
        arrival.join().unwrap();
    }

    /// Counts calls, never changes.
    struct Counting(Arc<AtomicUsize>);

    impl VolumeSource for Counting {
        fn volumes(&self) -> Result<Vec<Volume>, Error> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok(Vec::new())
        }
    }

    #[test]
    fn idle_watcher_polls_once_per_interval_not_in_a_busy_loop() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut watcher = Watcher::new(Box::new(Counting(Arc::clone(&calls))))
            .with_interval(Duration::from_millis(50));
        let stop = Arc::new(AtomicBool::new(false));
        let setter = {
            let stop = Arc::clone(&stop);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(300));
                stop.store(true, Ordering::Relaxed);
            })
        };
        let started = Instant::now();
        assert_eq!(watcher.next_event(&stop).unwrap(), None);
        let elapsed = started.elapsed();
        setter.join().unwrap();
        let calls = calls.load(Ordering::Relaxed);
        // One poll at once, then one per 50 ms; generous bound for slow machines and Wine.
        let most = elapsed.as_millis() / 50 + 2;
        assert!(
            calls >= 1 && calls as u128 <= most,
            "{calls} polls in {elapsed:?}"
        );
    }

    #[test]
    fn watcher_is_send() {
        fn is_send<T: Send>() {}
        is_send::<Watcher>();
        is_send::<FakeSource>();
        is_send::<Nudge>();
    }

    // --- courier folder ------------------------------------------------------------------------

    #[test]
    fn courier_folder_absent_or_present() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_courier_folder(dir.path()));
        std::fs::create_dir(dir.path().join(stick::ROOT_DIR)).unwrap();
        assert!(has_courier_folder(dir.path()));
    }

    #[test]
    fn courier_folder_must_be_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(stick::ROOT_DIR), b"not a folder").unwrap();
        assert!(!has_courier_folder(dir.path()));
    }

    #[test]
    fn courier_folder_on_a_missing_mount() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_courier_folder(&dir.path().join("pulled")));
    }

    #[cfg(unix)]
    #[test]
    fn courier_folder_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let mount = dir.path().join("stick");
        std::fs::create_dir(&mount).unwrap();
        std::os::unix::fs::symlink(&elsewhere, mount.join(stick::ROOT_DIR)).unwrap();
        assert!(!has_courier_folder(&mount));
    }
}
