//! The few Win32 calls the courier needs, and the only `unsafe` code in the crate (Windows only).
//!
//! Owns: the drive list (`GetLogicalDrives`, `GetDriveTypeW`, `GetVolumeInformationW`), a
//! drive's bus type (`IOCTL_STORAGE_QUERY_PROPERTY`), free space (`GetDiskFreeSpaceExW`),
//! flushing a whole volume (`FlushFileBuffers` on `\\.\E:`), a hidden window that receives
//! `WM_DEVICECHANGE`, DPAPI (`CryptProtectData` / `CryptUnprotectData`) for the key at rest,
//! starting an update's installer with administrator rights (`ShellExecuteExW` "runas"), and
//! the message box of a desktop app that cannot start (`MessageBoxW`); [`desktop`] holds the
//! desktop conventions (single instance, notification-area icon, common dialogs).
//! It only asks Windows and hands back plain values: every decision (what counts as removable,
//! what a device message means, how the key file is laid out) is made by pure functions in
//! [`crate::detect`] and [`crate::state`], which are tested on every OS. Each `unsafe` block says
//! why it is sound.
#![allow(unsafe_code)]

pub mod desktop;

use std::ffi::c_void;
use std::io;
use std::path::Path;
use windows_sys::Win32::Foundation::{
    CloseHandle, GENERIC_READ, GENERIC_WRITE, HANDLE, HWND, INVALID_HANDLE_VALUE, LocalFree,
};
use windows_sys::Win32::Security::Cryptography::{
    CRYPT_INTEGER_BLOB, CRYPTPROTECT_LOCAL_MACHINE, CRYPTPROTECT_UI_FORBIDDEN, CryptProtectData,
    CryptUnprotectData,
};
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, FILE_SHARE_READ, FILE_SHARE_WRITE, FlushFileBuffers, GetDiskFreeSpaceExW,
    GetDriveTypeW, GetLogicalDrives, GetVolumeInformationW, OPEN_EXISTING,
};
use windows_sys::Win32::System::Diagnostics::Debug::{SEM_FAILCRITICALERRORS, SetThreadErrorMode};
use windows_sys::Win32::System::IO::DeviceIoControl;
use windows_sys::Win32::System::Ioctl::{
    GUID_DEVINTERFACE_VOLUME, IOCTL_STORAGE_QUERY_PROPERTY, PropertyStandardQuery,
    STORAGE_DEVICE_DESCRIPTOR, STORAGE_PROPERTY_QUERY, StorageDeviceProperty,
};
use windows_sys::Win32::UI::WindowsAndMessaging::{
    DBT_DEVTYP_DEVICEINTERFACE, DEV_BROADCAST_DEVICEINTERFACE_W, DEVICE_NOTIFY_WINDOW_HANDLE,
    DispatchMessageW, GetMessageW, MSG, RegisterDeviceNotificationW, UnregisterDeviceNotification,
    WM_DEVICECHANGE,
};

/// `s` as a NUL-terminated UTF-16 string for the `W` functions.
fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Turns off the "There is no disk in the drive" dialog for this thread while it lives, so that
/// asking an empty card-reader slot about its volume fails quietly instead of stopping the app.
struct QuietErrors(u32);

impl QuietErrors {
    fn new() -> Self {
        let mut old = 0u32;
        // SAFETY: `old` is a valid, writable u32 for the call; the mode is a plain flag value.
        unsafe { SetThreadErrorMode(SEM_FAILCRITICALERRORS, &mut old) };
        Self(old)
    }
}

impl Drop for QuietErrors {
    fn drop(&mut self) {
        // SAFETY: restores the mode read in `new`; a null old-mode pointer is allowed.
        unsafe { SetThreadErrorMode(self.0, std::ptr::null_mut()) };
    }
}

/// An open kernel handle, closed on drop.
struct Handle(HANDLE);

impl Handle {
    /// Opens a device or file path with `access` (0 = only query metadata), sharing read and
    /// write with everyone else.
    fn open(path: &str, access: u32) -> io::Result<Self> {
        let path = wide(path);
        // SAFETY: `path` is NUL-terminated and outlives the call; null security attributes and
        // template handle are allowed.
        let h = unsafe {
            CreateFileW(
                path.as_ptr(),
                access,
                FILE_SHARE_READ | FILE_SHARE_WRITE,
                std::ptr::null(),
                OPEN_EXISTING,
                0,
                std::ptr::null_mut(),
            )
        };
        if h == INVALID_HANDLE_VALUE || h.is_null() {
            Err(io::Error::last_os_error())
        } else {
            Ok(Self(h))
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: the handle was returned open by CreateFileW and is closed exactly once.
        unsafe { CloseHandle(self.0) };
    }
}

/// The bit mask of existing drive letters (bit 0 = `A:`).
pub fn logical_drives() -> u32 {
    // SAFETY: no arguments, no pointers.
    unsafe { GetLogicalDrives() }
}

/// `GetDriveTypeW` for the root `X:\` of `letter`.
pub fn drive_type(letter: char) -> u32 {
    let root = wide(&format!("{letter}:\\"));
    // SAFETY: `root` is NUL-terminated and outlives the call.
    unsafe { GetDriveTypeW(root.as_ptr()) }
}

/// What `GetVolumeInformationW` tells about a drive with a medium in it.
pub struct VolumeInfo {
    /// The volume label, if any.
    pub label: Option<String>,
    /// The volume serial number.
    pub serial: u32,
    /// The file system name (`FAT32`, `exFAT`, `NTFS`, …).
    pub file_system: Option<String>,
}

/// The label, serial and file system of the volume at `letter`; `None` when there is no medium
/// (an empty card-reader slot) or Windows cannot tell.
pub fn volume_info(letter: char) -> Option<VolumeInfo> {
    let _quiet = QuietErrors::new();
    let root = wide(&format!("{letter}:\\"));
    let mut label = [0u16; 261];
    let mut fs = [0u16; 261];
    let mut serial = 0u32;
    let mut max_component = 0u32;
    let mut flags = 0u32;
    // SAFETY: every pointer is to a live local buffer whose length (in u16) is passed with it.
    let ok = unsafe {
        GetVolumeInformationW(
            root.as_ptr(),
            label.as_mut_ptr(),
            label.len() as u32,
            &mut serial,
            &mut max_component,
            &mut flags,
            fs.as_mut_ptr(),
            fs.len() as u32,
        )
    };
    if ok == 0 {
        return None;
    }
    let text = |buf: &[u16]| {
        let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
        let s = String::from_utf16_lossy(&buf[..end]).trim().to_owned();
        (!s.is_empty()).then_some(s)
    };
    Some(VolumeInfo {
        label: text(&label),
        serial,
        file_system: text(&fs),
    })
}

/// The `STORAGE_BUS_TYPE` of the disk holding drive `letter` (7 = USB), when Windows tells.
/// Opening `\\.\E:` with no access rights needs no administrator rights.
pub fn bus_type(letter: char) -> Option<i32> {
    let _quiet = QuietErrors::new();
    let device = Handle::open(&format!("\\\\.\\{letter}:"), 0).ok()?;
    let query = STORAGE_PROPERTY_QUERY {
        PropertyId: StorageDeviceProperty,
        QueryType: PropertyStandardQuery,
        AdditionalParameters: [0],
    };
    // Room for the descriptor and the strings Windows may append; u64s keep it aligned.
    let mut out = [0u64; 128];
    let mut returned = 0u32;
    // SAFETY: `query` and `out` are live locals and their sizes are passed; no OVERLAPPED.
    let ok = unsafe {
        DeviceIoControl(
            device.0,
            IOCTL_STORAGE_QUERY_PROPERTY,
            (&raw const query).cast::<c_void>(),
            size_of::<STORAGE_PROPERTY_QUERY>() as u32,
            out.as_mut_ptr().cast::<c_void>(),
            size_of_val(&out) as u32,
            &mut returned,
            std::ptr::null_mut(),
        )
    };
    let header = std::mem::offset_of!(STORAGE_DEVICE_DESCRIPTOR, BusType) + size_of::<i32>();
    if ok == 0 || (returned as usize) < header {
        return None;
    }
    // SAFETY: `out` is 8-byte aligned (enough for the descriptor's 4-byte alignment), at least
    // `size_of::<STORAGE_DEVICE_DESCRIPTOR>()` long, and Windows filled at least up to BusType.
    let descriptor = unsafe { &*out.as_ptr().cast::<STORAGE_DEVICE_DESCRIPTOR>() };
    Some(descriptor.BusType)
}

/// Free bytes available to this user on the volume holding `path`.
pub fn free_space(path: &Path) -> Option<u64> {
    let _quiet = QuietErrors::new();
    let path = wide(&path.to_string_lossy());
    let mut free = 0u64;
    // SAFETY: `path` is NUL-terminated; `free` is a live local; the other outputs may be null.
    let ok = unsafe {
        GetDiskFreeSpaceExW(
            path.as_ptr(),
            &mut free,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    (ok != 0).then_some(free)
}

/// Flushes the whole volume of drive `letter` (its file system metadata and cache) to the
/// medium. Needs administrator rights on most systems; the error says when it was refused.
pub fn flush_volume(letter: char) -> io::Result<()> {
    let volume = Handle::open(&format!("\\\\.\\{letter}:"), GENERIC_READ | GENERIC_WRITE)?;
    // SAFETY: the handle is open with write access for the duration of the call.
    if unsafe { FlushFileBuffers(volume.0) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Shows a modal error message box with `title` and `text` and waits for OK (the desktop app's
/// last word when it cannot open its window).
#[cfg(feature = "gui")]
pub fn error_box(title: &str, text: &str) {
    use windows_sys::Win32::UI::WindowsAndMessaging::{MB_ICONERROR, MB_OK, MessageBoxW};
    let title = wide(title);
    let text = wide(text);
    // SAFETY: both strings are NUL-terminated and outlive the call; no owner window (null).
    unsafe {
        MessageBoxW(
            std::ptr::null_mut(),
            text.as_ptr(),
            title.as_ptr(),
            MB_OK | MB_ICONERROR,
        )
    };
}

// --- starting an installer ---------------------------------------------------------------------

/// Starts `exe` with `args` in the folder `dir` through the shell with the verb `runas`
/// (`ShellExecuteExW`), as Windows starts a program that needs administrator rights: the
/// installer asks for them (`RequestExecutionLevel admin`) and the app runs `asInvoker`, so
/// `CreateProcess` would be refused (`ERROR_ELEVATION_REQUIRED`). Windows shows its consent
/// prompt (none when this process already has the rights, or when UAC is off) and this returns
/// once the program has started, or with the error: `ERROR_CANCELLED` (1223) when the prompt was
/// declined. No window of the shell's own for errors (`SEE_MASK_FLAG_NO_UI`): the caller reports
/// them. The program inherits no handle of this process.
pub fn run_elevated(exe: &Path, args: &str, dir: Option<&Path>) -> io::Result<()> {
    use windows_sys::Win32::System::Com::{
        COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, CoInitializeEx, CoUninitialize,
    };
    use windows_sys::Win32::UI::Shell::{
        SEE_MASK_FLAG_NO_UI, SEE_MASK_NOASYNC, SHELLEXECUTEINFOW, ShellExecuteExW,
    };
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    let verb = wide("runas");
    let file = wide(&exe.to_string_lossy());
    let params = wide(args);
    let dir = dir.map(|d| wide(&d.to_string_lossy()));
    let mut info = SHELLEXECUTEINFOW {
        cbSize: std::mem::size_of::<SHELLEXECUTEINFOW>() as u32,
        fMask: SEE_MASK_NOASYNC | SEE_MASK_FLAG_NO_UI,
        lpVerb: verb.as_ptr(),
        lpFile: file.as_ptr(),
        lpParameters: params.as_ptr(),
        lpDirectory: dir.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
        nShow: SW_SHOWNORMAL,
        ..Default::default()
    };
    // The shell wants COM on the calling thread (a worker thread has none yet).
    // SAFETY: reserved pointer null; plain flag values.
    let com = unsafe {
        CoInitializeEx(
            std::ptr::null(),
            (COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE) as u32,
        )
    } >= 0;
    // SAFETY: every pointer in `info` is to a NUL-terminated local that outlives the call, and
    // `cbSize` is the structure's size; no process handle is asked for, so none is to close.
    let ok = unsafe { ShellExecuteExW(&mut info) } != 0;
    let result = if ok {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    };
    if com {
        // SAFETY: balances the successful CoInitializeEx above on this thread.
        unsafe { CoUninitialize() };
    }
    result
}

// --- DPAPI ------------------------------------------------------------------------------------

/// A borrowed byte slice as the blob DPAPI reads (DPAPI never writes through an input blob).
fn in_blob(bytes: &[u8]) -> io::Result<CRYPT_INTEGER_BLOB> {
    Ok(CRYPT_INTEGER_BLOB {
        cbData: u32::try_from(bytes.len()).map_err(|_| io::Error::other("blob too large"))?,
        pbData: bytes.as_ptr().cast_mut(),
    })
}

/// Copies an output blob that DPAPI allocated, wipes it (it may hold a secret) and frees it.
fn take_blob(out: CRYPT_INTEGER_BLOB) -> Vec<u8> {
    if out.pbData.is_null() {
        return Vec::new();
    }
    let len = out.cbData as usize;
    // SAFETY: on success DPAPI returns `cbData` readable bytes at `pbData`, allocated with
    // LocalAlloc and owned by us until LocalFree.
    let bytes = unsafe { std::slice::from_raw_parts(out.pbData, len) }.to_vec();
    for i in 0..len {
        // SAFETY: in bounds of the same allocation; volatile so the wipe is not optimised away.
        unsafe { out.pbData.add(i).write_volatile(0) };
    }
    // SAFETY: `pbData` came from DPAPI's LocalAlloc and is freed exactly once.
    unsafe { LocalFree(out.pbData.cast::<c_void>()) };
    bytes
}

/// Encrypts `secret` with DPAPI for the current Windows user (`machine` false) or for every
/// account of this PC (`machine` true: `CRYPTPROTECT_LOCAL_MACHINE`). `entropy` must be given
/// again to decrypt, so another program's call cannot unwrap the blob by accident. Never shows a
/// prompt.
pub fn dpapi_protect(secret: &[u8], entropy: &[u8], machine: bool) -> io::Result<Vec<u8>> {
    let input = in_blob(secret)?;
    let entropy = in_blob(entropy)?;
    let description = wide("oqs-courier identity.key");
    let flags = CRYPTPROTECT_UI_FORBIDDEN
        | if machine {
            CRYPTPROTECT_LOCAL_MACHINE
        } else {
            0
        };
    let mut out = CRYPT_INTEGER_BLOB {
        cbData: 0,
        pbData: std::ptr::null_mut(),
    };
    // SAFETY: the input and entropy blobs point to live slices, the description is
    // NUL-terminated, reserved and prompt may be null, `out` is a live local that DPAPI fills.
    let ok = unsafe {
        CryptProtectData(
            &input,
            description.as_ptr(),
            &entropy,
            std::ptr::null(),
            std::ptr::null(),
            flags,
            &mut out,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(take_blob(out))
}

/// Decrypts a blob made by [`dpapi_protect`] with the same `entropy`. Fails when the blob was
/// protected for another Windows user or another PC, or is damaged.
pub fn dpapi_unprotect(blob: &[u8], entropy: &[u8]) -> io::Result<Vec<u8>> {
    let input = in_blob(blob)?;
    let entropy = in_blob(entropy)?;
    let mut out = CRYPT_INTEGER_BLOB {
        cbData: 0,
        pbData: std::ptr::null_mut(),
    };
    // SAFETY: as in `dpapi_protect`; a null description pointer means "do not return it".
    let ok = unsafe {
        CryptUnprotectData(
            &input,
            std::ptr::null_mut(),
            &entropy,
            std::ptr::null(),
            std::ptr::null(),
            CRYPTPROTECT_UI_FORBIDDEN,
            &mut out,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(take_blob(out))
}

// --- WM_DEVICECHANGE ---------------------------------------------------------------------------

/// What the window calls for each `WM_DEVICECHANGE`: the event code (`wParam`) and the broadcast
/// structure `lParam` points to, when there is one. What they mean is decided in
/// [`crate::detect::decode_device_change`], tested on every OS.
pub type OnChange = Box<dyn Fn(usize, Option<&[u8]>) + Send>;

/// Longest device broadcast the window reads (a volume broadcast is 20 bytes, a
/// device-interface broadcast carries a path of a few hundred bytes).
const MAX_BROADCAST: usize = 4096;

/// The class and title of the device window (a [`desktop::HiddenWindow`]).
const DEVICE_CLASS: &str = "OqsCourierDeviceWindow";
const DEVICE_TITLE: &str = "oqs-courier device notifications";

/// A hidden top-level window on its own thread that receives `WM_DEVICECHANGE` (volume arrival
/// and removal are broadcast to top-level windows; message-only windows would miss them) and
/// calls back for each device message. Closed and joined on drop.
#[derive(Debug)]
pub struct DeviceWindow {
    /// The registration for volume-interface arrivals (as an integer: not `Send`).
    notify: usize,
    /// The window (kept for its lifetime: dropped after the registration).
    _window: desktop::HiddenWindow,
}

impl DeviceWindow {
    /// Creates the window and starts its message loop. Fails where there is no window station
    /// (a service) — the caller then relies on polling.
    pub fn start(on_change: OnChange) -> io::Result<Self> {
        let window = desktop::HiddenWindow::start(
            DEVICE_CLASS,
            DEVICE_TITLE,
            Box::new(move |_, msg, wparam, lparam| {
                (msg == WM_DEVICECHANGE).then(|| {
                    // SAFETY: Windows (or `send_device_change`) sends WM_DEVICECHANGE with
                    // `lparam` either 0 or pointing to a DEV_BROADCAST_HDR kept alive while the
                    // window procedure runs (SendMessage blocks).
                    let broadcast = unsafe { broadcast(lparam) };
                    on_change(wparam, broadcast);
                    1 // TRUE: grant any query
                })
            }),
        )?;
        let notify = register_volume_interface(window.hwnd() as HWND) as usize;
        Ok(Self {
            notify,
            _window: window,
        })
    }

    /// Delivers `event` with `broadcast` to the window exactly as Windows would (for tests:
    /// Wine sends no real arrival messages). Returns when the window procedure has run.
    #[cfg(test)]
    pub fn send_device_change(&self, event: usize, broadcast: Option<&[u8]>) {
        use windows_sys::Win32::UI::WindowsAndMessaging::SendMessageW;
        // The buffer is copied into u32s so the header is aligned like Windows' own.
        let mut aligned: Vec<u32> = Vec::new();
        let lparam = match broadcast {
            Some(bytes) => {
                aligned.resize(bytes.len().div_ceil(4), 0);
                for (i, chunk) in bytes.chunks(4).enumerate() {
                    let mut word = [0u8; 4];
                    word[..chunk.len()].copy_from_slice(chunk);
                    aligned[i] = u32::from_le_bytes(word);
                }
                aligned.as_ptr() as isize
            }
            None => 0,
        };
        // SAFETY: the window lives until drop; SendMessageW blocks until the procedure returned,
        // so `aligned` outlives every read of it.
        unsafe { SendMessageW(self._window.hwnd() as HWND, WM_DEVICECHANGE, event, lparam) };
    }
}

impl Drop for DeviceWindow {
    fn drop(&mut self) {
        if self.notify != 0 {
            // SAFETY: the registration handle came from RegisterDeviceNotificationW and is
            // unregistered once; the window (dropped after this) is still alive.
            unsafe { UnregisterDeviceNotification(self.notify as *mut c_void) };
        }
    }
}

/// The broadcast `lparam` points to, read up to its own size (bounded).
///
/// # Safety
/// `lparam` is 0 or points to a live DEV_BROADCAST_HDR, whose first field is its whole size.
unsafe fn broadcast<'a>(lparam: isize) -> Option<&'a [u8]> {
    if lparam == 0 {
        return None;
    }
    let ptr = lparam as *const u8;
    // SAFETY: the caller's promise; we read only the header's own size, at most MAX_BROADCAST.
    let size = unsafe { ptr.cast::<u32>().read_unaligned() } as usize;
    let size = size.clamp(4, MAX_BROADCAST);
    Some(unsafe { std::slice::from_raw_parts(ptr, size) })
}

fn register_volume_interface(hwnd: HWND) -> *mut c_void {
    let filter = DEV_BROADCAST_DEVICEINTERFACE_W {
        dbcc_size: size_of::<DEV_BROADCAST_DEVICEINTERFACE_W>() as u32,
        dbcc_devicetype: DBT_DEVTYP_DEVICEINTERFACE,
        dbcc_reserved: 0,
        dbcc_classguid: GUID_DEVINTERFACE_VOLUME,
        dbcc_name: [0],
    };
    // SAFETY: `filter` is a valid DEV_BROADCAST_DEVICEINTERFACE_W living across the call.
    unsafe {
        RegisterDeviceNotificationW(
            hwnd,
            (&raw const filter).cast::<c_void>(),
            DEVICE_NOTIFY_WINDOW_HANDLE,
        )
    }
}

fn message_loop() {
    // SAFETY: MSG is plain data; all-zero is a valid initial value.
    let mut msg: MSG = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `msg` is a live local; null hwnd = every window of this thread.
        let got = unsafe { GetMessageW(&mut msg, std::ptr::null_mut(), 0, 0) };
        if got == 0 || got == -1 {
            break;
        }
        // SAFETY: `msg` was filled by GetMessageW.
        unsafe { DispatchMessageW(&msg) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{self, DeviceChange};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn volume_broadcast(mask: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&20u32.to_le_bytes()); // dbch_size
        b.extend_from_slice(&2u32.to_le_bytes()); // DBT_DEVTYP_VOLUME
        b.extend_from_slice(&0u32.to_le_bytes()); // reserved
        b.extend_from_slice(&mask.to_le_bytes()); // dbcv_unitmask
        b.extend_from_slice(&0u16.to_le_bytes()); // dbcv_flags
        b.extend_from_slice(&[0, 0]);
        b
    }

    /// The hidden device-notification window. It needs a desktop (under Wine: an X display;
    /// scripts/wine-test.sh runs the suite under xvfb-run), so the tests that create one are
    /// `#[ignore]`d and, once asked to run, fail when it cannot be created.
    fn start(on_change: OnChange) -> DeviceWindow {
        DeviceWindow::start(on_change).unwrap_or_else(|e| {
            panic!(
                "no device window ({e}); this test needs a desktop: under Wine an X display \
                 (scripts/wine-test.sh runs it under xvfb-run)"
            )
        })
    }

    #[test]
    #[ignore = "needs a desktop for a window (under Wine an X display): scripts/wine-test.sh"]
    fn device_window_decodes_a_faked_arrival_and_removal() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let window = start(Box::new(move |event, broadcast| {
            if let Some(c) = detect::decode_device_change(event, broadcast) {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(c);
            }
        }));
        window.send_device_change(0x8000, Some(&volume_broadcast(1 << 4)));
        window.send_device_change(0x8004, Some(&volume_broadcast(1 << 4)));
        window.send_device_change(0x0007, None);
        window.send_device_change(0x8006, None); // DBT_CUSTOMEVENT: ignored
        drop(window);
        let seen = seen.lock().unwrap_or_else(|p| p.into_inner());
        assert_eq!(
            *seen,
            [
                DeviceChange::Arrived(vec!['E']),
                DeviceChange::Removed(vec!['E']),
                DeviceChange::Changed,
            ]
        );
    }

    #[test]
    #[ignore = "needs a desktop for a window (under Wine an X display): scripts/wine-test.sh"]
    fn a_faked_arrival_wakes_the_watcher_at_once() {
        let fake = detect::FakeSource::new();
        let mut watcher =
            detect::Watcher::new(Box::new(fake.clone())).with_interval(Duration::from_secs(60));
        let stop = std::sync::atomic::AtomicBool::new(false);
        assert_eq!(watcher.poll().unwrap(), []);
        let nudge = watcher.nudge();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let window = start(Box::new(move |event, broadcast| {
            if let Some(c) = detect::decode_device_change(event, broadcast) {
                sink.lock().unwrap_or_else(|p| p.into_inner()).push(c);
                nudge.nudge();
            }
        }));
        fake.insert("E:\\");
        window.send_device_change(0x8000, Some(&volume_broadcast(1 << 4)));
        let started = std::time::Instant::now();
        let event = watcher.next_event(&stop).unwrap();
        assert_eq!(
            event,
            Some(detect::Event::Arrived(detect::Volume::stick("E:\\")))
        );
        assert!(started.elapsed() < Duration::from_secs(5), "woke late");
    }

    #[test]
    fn this_machine_has_a_system_drive() {
        let mask = logical_drives();
        assert_ne!(mask, 0);
        assert!(detect::drive_letters(mask).contains(&'C'));
        assert_eq!(
            detect::DriveKind::from_code(drive_type('C')),
            detect::DriveKind::Fixed
        );
        assert!(free_space(Path::new("C:\\")).is_some());
    }

    /// scripts/wine-test.sh links a folder as a drive and tells Wine it is a floppy (removable),
    /// then names it in this variable (see ../testing notes in docs/RELIABILITY.md).
    #[test]
    #[ignore = "needs a removable drive named in OQS_COURIER_WINE_REMOVABLE: scripts/wine-test.sh"]
    fn a_faked_removable_drive_is_a_candidate() {
        let letter = std::env::var("OQS_COURIER_WINE_REMOVABLE")
            .ok()
            .and_then(|v| v.chars().next())
            .unwrap_or_else(|| {
                panic!(
                    "OQS_COURIER_WINE_REMOVABLE is not set: this test needs a removable drive \
                     and its letter there (scripts/wine-test.sh fakes one under Wine)"
                )
            });
        assert_eq!(
            detect::DriveKind::from_code(drive_type(letter)),
            detect::DriveKind::Removable
        );
        let volumes = detect::VolumeSource::volumes(&detect::WindowsSource::new()).unwrap();
        let mount = format!("{letter}:\\");
        assert!(
            volumes.iter().any(|v| v.mount == Path::new(&mount)),
            "{mount} not among {volumes:?}"
        );
        assert!(
            !volumes.iter().any(|v| v.mount == Path::new("C:\\")),
            "the system drive is never a candidate"
        );
    }
}
