//! Which volumes are candidates: removable, never the system volume, never a network drive.

use super::*;

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
    pub(super) os: Os,
    pub(super) system: Vec<PathBuf>,
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
pub(super) fn path_key(os: Os, path: &Path) -> String {
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
pub(super) const NETWORK_FILE_SYSTEMS: &[&str] = &[
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

pub(super) fn is_network(os: Os, mount: &str, file_system: Option<&str>) -> bool {
    if os == Os::Windows && mount.starts_with("\\\\") {
        return true; // a UNC path: \\server\share
    }
    file_system.is_some_and(|fs| {
        let fs = fs.to_ascii_lowercase();
        NETWORK_FILE_SYSTEMS.contains(&fs.as_str())
    })
}

/// Whether a Linux mount key is `/media/X/`, `/media/USER/X/`, `/run/media/USER/X/` or `/mnt/X/`.
pub(super) fn under_removable_root(mount: &str) -> bool {
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
