//! What Windows' drive answers and device messages mean (pure, tested on every OS).

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
pub(super) const EXTERNAL_BUS_TYPES: [i32; 3] = [7, 12, 13];

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

pub(super) const DBT_DEVNODES_CHANGED: usize = 0x0007;
pub(super) const DBT_DEVICEARRIVAL: usize = 0x8000;
pub(super) const DBT_DEVICEREMOVECOMPLETE: usize = 0x8004;
pub(super) const DBT_DEVTYP_VOLUME: u32 = 2;

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
