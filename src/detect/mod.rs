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
//!
//! Files: this one (the volume model, the source seam, the courier-folder check and the tests),
//! `filter.rs` (candidates), `sources.rs` (Win32, mountinfo, sysinfo, fake and folder sources),
//! `decode.rs` (what Windows' answers mean), `watcher.rs` (diff and the polling watcher).

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

mod decode;
mod filter;
mod sources;
mod watcher;

pub use decode::*;
pub use filter::*;
pub use sources::*;
pub use watcher::*;

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
