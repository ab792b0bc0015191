//! Windows desktop conventions: hidden windows on their own threads (the single-instance
//! window, the notification-area icon's window), the named mutex of the single instance, the
//! notification-area icon itself (`Shell_NotifyIconW`), its menu, the system sound and the common
//! file dialogs. Like the rest of [`crate::win32`] it only calls Windows and hands back plain
//! values; what a click or a second start means is decided by safe code in
//! [`crate::instance`] and `crate::gui::desktop`.

use super::{message_loop, wide};
use std::cell::RefCell;
use std::io;
use std::sync::mpsc;
use std::thread::JoinHandle;
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ALREADY_EXISTS, ERROR_CLASS_ALREADY_EXISTS, GetLastError, HANDLE, HWND,
    LPARAM, LRESULT, WPARAM,
};
use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;
use windows_sys::Win32::System::Threading::CreateMutexW;
use windows_sys::Win32::UI::WindowsAndMessaging::{
    AllowSetForegroundWindow, CreateWindowExW, DefWindowProcW, DestroyWindow, FindWindowW,
    GetWindowThreadProcessId, PostMessageW, PostQuitMessage, RegisterClassW, WM_CLOSE, WM_DESTROY,
    WNDCLASSW,
};

/// What a hidden window's thread calls for every message: the window (as an integer), the
/// message, `wParam`, `lParam`. `Some(result)` answers the message; `None` leaves it to the
/// default handling (`WM_CLOSE` destroys the window, `WM_DESTROY` ends the thread).
pub type Handler = Box<dyn FnMut(usize, u32, usize, isize) -> Option<isize> + Send>;

thread_local! {
    static HANDLER: RefCell<Option<Handler>> = const { RefCell::new(None) };
}

unsafe extern "system" fn hidden_proc(
    hwnd: HWND,
    msg: u32,
    wparam: WPARAM,
    lparam: LPARAM,
) -> LRESULT {
    // Taken out while it runs: a modal loop inside it (the tray menu) dispatches messages to
    // this window again; those nested calls get the default handling instead of a second
    // mutable borrow.
    if let Some(mut handler) = HANDLER.with(|h| h.borrow_mut().take()) {
        let answer = handler(hwnd as usize, msg, wparam, lparam);
        HANDLER.with(|h| *h.borrow_mut() = Some(handler));
        if let Some(answer) = answer {
            return answer;
        }
    }
    match msg {
        WM_CLOSE => {
            // SAFETY: the window belongs to this thread.
            unsafe { DestroyWindow(hwnd) };
            0
        }
        WM_DESTROY => {
            // SAFETY: ends this thread's message loop; no pointers.
            unsafe { PostQuitMessage(0) };
            0
        }
        // SAFETY: default handling with the arguments we were given.
        _ => unsafe { DefWindowProcW(hwnd, msg, wparam, lparam) },
    }
}

/// A hidden top-level window (found by [`post_to`] through its class and title) on its own
/// thread, which blocks in `GetMessageW` between messages (no polling). Closed and joined on
/// drop.
#[derive(Debug)]
pub struct HiddenWindow {
    hwnd: usize,
    thread: Option<JoinHandle<()>>,
}

impl HiddenWindow {
    /// Registers `class` (once per process), creates the window titled `title` on a new thread
    /// and runs its message loop, calling `handler` for every message. Fails where there is no
    /// window station (a service).
    pub fn start(class: &str, title: &str, handler: Handler) -> io::Result<Self> {
        let (tx, rx) = mpsc::channel::<io::Result<usize>>();
        let class = wide(class);
        let title = wide(title);
        let thread = std::thread::Builder::new()
            .name("oqs-courier-desktop".into())
            .spawn(move || {
                HANDLER.with(|h| *h.borrow_mut() = Some(handler));
                match create(&class, &title) {
                    Ok(hwnd) => {
                        let _ = tx.send(Ok(hwnd as usize));
                        message_loop();
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
                HANDLER.with(|h| h.borrow_mut().take());
            })?;
        match rx.recv() {
            Ok(Ok(hwnd)) => Ok(Self {
                hwnd,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(io::Error::other("the window thread ended"))
            }
        }
    }

    /// The window's handle, as an integer.
    pub fn hwnd(&self) -> usize {
        self.hwnd
    }

    /// Posts `msg` to the window (returns at once; the window's thread handles it).
    pub fn post(&self, msg: u32) -> bool {
        // SAFETY: posting to a window handle is safe even if the window is already gone.
        unsafe { PostMessageW(self.hwnd as HWND, msg, 0, 0) != 0 }
    }
}

impl Drop for HiddenWindow {
    fn drop(&mut self) {
        self.post(WM_CLOSE);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn create(class: &[u16], title: &[u16]) -> io::Result<HWND> {
    // SAFETY: a null module name asks for this executable's own handle.
    let instance = unsafe { GetModuleHandleW(std::ptr::null()) };
    let wc = WNDCLASSW {
        lpfnWndProc: Some(hidden_proc),
        hInstance: instance,
        lpszClassName: class.as_ptr(),
        ..Default::default()
    };
    // SAFETY: `wc` and the class name it points to outlive the call.
    if unsafe { RegisterClassW(&wc) } == 0 {
        // SAFETY: reads this thread's last error, no pointers.
        let err = unsafe { GetLastError() };
        if err != ERROR_CLASS_ALREADY_EXISTS {
            return Err(io::Error::from_raw_os_error(err as i32));
        }
    }
    // SAFETY: class and title are NUL-terminated and live; no parent (top-level, never shown, so
    // FindWindowW sees it), no menu, no creation parameter.
    let hwnd = unsafe {
        CreateWindowExW(
            0,
            class.as_ptr(),
            title.as_ptr(),
            0,
            0,
            0,
            0,
            0,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            instance,
            std::ptr::null(),
        )
    };
    if hwnd.is_null() {
        return Err(io::Error::last_os_error());
    }
    Ok(hwnd)
}

/// Finds the top-level window of `class` titled `title` (any process of this session), lets its
/// process take the foreground (this process was just started by the user and may) and posts
/// `msg` to it. Whether a window was found and the message posted.
pub fn post_to(class: &str, title: &str, msg: u32) -> bool {
    let class = wide(class);
    let title = wide(title);
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let hwnd = unsafe { FindWindowW(class.as_ptr(), title.as_ptr()) };
    if hwnd.is_null() {
        return false;
    }
    let mut pid = 0u32;
    // SAFETY: `hwnd` came from FindWindowW (a stale handle only makes the calls fail); `pid` is
    // a live local.
    unsafe {
        GetWindowThreadProcessId(hwnd, &mut pid);
        if pid != 0 {
            AllowSetForegroundWindow(pid);
        }
        PostMessageW(hwnd, msg, 0, 0) != 0
    }
}

/// A named kernel mutex (here only its existence matters: nobody waits on it); closed on drop,
/// and by Windows when the process ends, however it ends.
#[derive(Debug)]
pub struct NamedMutex(usize);

impl NamedMutex {
    /// Creates or opens the mutex `name` (e.g. `Local\…`: this log-on session); with it,
    /// whether it existed already (another process holds it).
    pub fn create(name: &str) -> io::Result<(Self, bool)> {
        let name = wide(name);
        // SAFETY: `name` is NUL-terminated and outlives the call; default security, not owned.
        let handle = unsafe { CreateMutexW(std::ptr::null(), 0, name.as_ptr()) };
        // SAFETY: reads this thread's last error right after the call, no pointers.
        let err = unsafe { GetLastError() };
        if handle.is_null() {
            return Err(io::Error::from_raw_os_error(err as i32));
        }
        Ok((Self(handle as usize), err == ERROR_ALREADY_EXISTS))
    }
}

impl Drop for NamedMutex {
    fn drop(&mut self) {
        // SAFETY: the handle came from CreateMutexW and is closed exactly once.
        unsafe { CloseHandle(self.0 as HANDLE) };
    }
}

// --- notification area (gui) ------------------------------------------------------------------

#[cfg(feature = "gui")]
pub use gui::*;

#[cfg(feature = "gui")]
mod gui {
    use super::super::wide;
    use std::io;
    use std::path::{Path, PathBuf};
    use windows_sys::Win32::Foundation::{HWND, POINT};
    use windows_sys::Win32::System::Com::{
        COINIT_APARTMENTTHREADED, COINIT_DISABLE_OLE1DDE, CoInitializeEx, CoTaskMemFree,
        CoUninitialize,
    };
    use windows_sys::Win32::System::Diagnostics::Debug::MessageBeep;
    use windows_sys::Win32::System::LibraryLoader::GetModuleHandleW;
    use windows_sys::Win32::UI::Controls::Dialogs::{
        GetOpenFileNameW, GetSaveFileNameW, OFN_EXPLORER, OFN_FILEMUSTEXIST, OFN_NOCHANGEDIR,
        OFN_OVERWRITEPROMPT, OFN_PATHMUSTEXIST, OPENFILENAMEW,
    };
    use windows_sys::Win32::UI::Input::KeyboardAndMouse::GetActiveWindow;
    use windows_sys::Win32::UI::Shell::{
        BFFM_INITIALIZED, BFFM_SETSELECTIONW, BIF_NEWDIALOGSTYLE, BIF_RETURNONLYFSDIRS,
        BROWSEINFOW, NIF_ICON, NIF_INFO, NIF_MESSAGE, NIF_TIP, NIIF_INFO, NIIF_NOSOUND, NIM_ADD,
        NIM_DELETE, NIM_MODIFY, NOTIFYICONDATAW, SHBrowseForFolderW, SHGetPathFromIDListW,
        Shell_NotifyIconW,
    };
    use windows_sys::Win32::UI::WindowsAndMessaging::{
        AppendMenuW, CreatePopupMenu, DestroyMenu, GetCursorPos, GetSystemMetrics, HICON,
        IDI_APPLICATION, IMAGE_ICON, LR_DEFAULTCOLOR, LoadIconW, LoadImageW, MB_ICONINFORMATION,
        MF_STRING, PostMessageW, RegisterWindowMessageW, SM_CXSMICON, SM_CYSMICON, SendMessageW,
        SetForegroundWindow, TPM_RETURNCMD, TPM_RIGHTBUTTON, TrackPopupMenu, WM_NULL,
    };

    /// The one icon this app puts in the notification area.
    const ICON_ID: u32 = 1;
    /// The icon resource embedded by build.rs (`1 ICON "assets/icon.ico"`).
    const ICON_RESOURCE: u16 = 1;

    /// Copies `s` into a fixed UTF-16 field, cut to fit, NUL-terminated.
    fn fill(field: &mut [u16], s: &str) {
        let max = field.len().saturating_sub(1);
        let mut n = 0;
        for (slot, unit) in field.iter_mut().zip(s.encode_utf16().take(max)) {
            *slot = unit;
            n += 1;
        }
        if let Some(end) = field.get_mut(n) {
            *end = 0;
        }
    }

    fn data(hwnd: usize) -> NOTIFYICONDATAW {
        NOTIFYICONDATAW {
            cbSize: size_of::<NOTIFYICONDATAW>() as u32,
            hWnd: hwnd as HWND,
            uID: ICON_ID,
            ..Default::default()
        }
    }

    /// The app's icon at the small-icon size (the embedded resource; Windows' generic
    /// application icon when the exe has none, e.g. a test harness).
    fn small_icon() -> HICON {
        // SAFETY: a null module name is this exe; the resource id is passed as an integer
        // "name" (MAKEINTRESOURCE); sizes come from the system metrics.
        unsafe {
            let icon = LoadImageW(
                GetModuleHandleW(std::ptr::null()),
                ICON_RESOURCE as usize as *const u16,
                IMAGE_ICON,
                GetSystemMetrics(SM_CXSMICON),
                GetSystemMetrics(SM_CYSMICON),
                LR_DEFAULTCOLOR,
            );
            if icon.is_null() {
                LoadIconW(std::ptr::null_mut(), IDI_APPLICATION)
            } else {
                icon
            }
        }
    }

    /// Adds the notification-area icon owned by window `hwnd`, which receives
    /// `callback_msg` for mouse events on it (`lParam` = the mouse message), with tooltip `tip`.
    pub fn tray_add(hwnd: usize, callback_msg: u32, tip: &str) -> io::Result<()> {
        let mut d = data(hwnd);
        d.uFlags = NIF_MESSAGE | NIF_ICON | NIF_TIP;
        d.uCallbackMessage = callback_msg;
        d.hIcon = small_icon();
        fill(&mut d.szTip, tip);
        // SAFETY: `d` is a fully initialised NOTIFYICONDATAW with its own size set.
        if unsafe { Shell_NotifyIconW(NIM_ADD, &d) } == 0 {
            return Err(io::Error::other("Shell_NotifyIconW(NIM_ADD) failed"));
        }
        Ok(())
    }

    /// Changes the icon's tooltip.
    pub fn tray_tip(hwnd: usize, tip: &str) -> bool {
        let mut d = data(hwnd);
        d.uFlags = NIF_TIP;
        fill(&mut d.szTip, tip);
        // SAFETY: as in `tray_add`.
        unsafe { Shell_NotifyIconW(NIM_MODIFY, &d) != 0 }
    }

    /// Shows a notification (balloon, or a toast on Windows 10) from the icon, without its own
    /// sound (the caller plays [`beep`]).
    pub fn tray_balloon(hwnd: usize, title: &str, body: &str) -> bool {
        let mut d = data(hwnd);
        d.uFlags = NIF_INFO;
        d.dwInfoFlags = NIIF_INFO | NIIF_NOSOUND;
        fill(&mut d.szInfoTitle, title);
        fill(&mut d.szInfo, body);
        // SAFETY: as in `tray_add`.
        unsafe { Shell_NotifyIconW(NIM_MODIFY, &d) != 0 }
    }

    /// Removes the icon.
    pub fn tray_delete(hwnd: usize) {
        let d = data(hwnd);
        // SAFETY: as in `tray_add`.
        unsafe { Shell_NotifyIconW(NIM_DELETE, &d) };
    }

    /// The message Explorer broadcasts when the taskbar is (re)created: the icon must be added
    /// again.
    pub fn taskbar_created_message() -> u32 {
        let name = wide("TaskbarCreated");
        // SAFETY: `name` is NUL-terminated and outlives the call.
        unsafe { RegisterWindowMessageW(name.as_ptr()) }
    }

    /// Shows a pop-up menu of `items` (command id, text) at the mouse pointer for window `hwnd`
    /// (must be called on that window's thread) and returns the chosen id, `None` when
    /// dismissed.
    pub fn popup_menu(hwnd: usize, items: &[(u32, &str)]) -> Option<u32> {
        let hwnd = hwnd as HWND;
        // SAFETY: the menu is created, used and destroyed here; every string is NUL-terminated
        // and lives across its AppendMenuW call (the menu copies it); `pt` is a live local.
        unsafe {
            let menu = CreatePopupMenu();
            if menu.is_null() {
                return None;
            }
            for (id, text) in items {
                let text = wide(text);
                AppendMenuW(menu, MF_STRING, *id as usize, text.as_ptr());
            }
            let mut pt = POINT { x: 0, y: 0 };
            GetCursorPos(&mut pt);
            // Without this the menu does not close when the user clicks elsewhere (documented
            // Shell behaviour); the WM_NULL afterwards makes the second click work.
            SetForegroundWindow(hwnd);
            let chosen = TrackPopupMenu(
                menu,
                TPM_RETURNCMD | TPM_RIGHTBUTTON,
                pt.x,
                pt.y,
                0,
                hwnd,
                std::ptr::null(),
            );
            PostMessageW(hwnd, WM_NULL, 0, 0);
            DestroyMenu(menu);
            (chosen > 0).then_some(chosen as u32)
        }
    }

    /// The short "information" system sound.
    pub fn beep() {
        // SAFETY: a plain flag value.
        unsafe { MessageBeep(MB_ICONINFORMATION) };
    }

    /// COM for the calling thread (the shell dialogs need an apartment); undone on drop if this
    /// call initialised it (winit has usually initialised OLE on the UI thread already).
    struct Com(bool);

    impl Com {
        fn init() -> Self {
            // SAFETY: reserved pointer null; plain flag values.
            let hr = unsafe {
                CoInitializeEx(
                    std::ptr::null(),
                    (COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE) as u32,
                )
            };
            Self(hr >= 0)
        }
    }

    impl Drop for Com {
        fn drop(&mut self) {
            if self.0 {
                // SAFETY: balances the successful CoInitializeEx of `init` on this thread.
                unsafe { CoUninitialize() };
            }
        }
    }

    /// Selects the start folder once the folder dialog is up (`lpdata`: its NUL-terminated path).
    unsafe extern "system" fn browse_callback(
        hwnd: HWND,
        msg: u32,
        _lparam: isize,
        lpdata: isize,
    ) -> i32 {
        if msg == BFFM_INITIALIZED && lpdata != 0 {
            // SAFETY: `lpdata` is the path buffer of `browse_folder`, alive during the dialog;
            // wParam TRUE says it is a path (not a PIDL).
            unsafe { SendMessageW(hwnd, BFFM_SETSELECTIONW, 1, lpdata) };
        }
        0
    }

    /// The system's folder dialog (`SHBrowseForFolderW`, with a 新しいフォルダー button), modal to
    /// the calling thread's active window; `None` when cancelled.
    pub fn browse_folder(title: &str, start: Option<&Path>) -> Option<PathBuf> {
        let _com = Com::init();
        let title = wide(title);
        let start = start.map(|p| wide(&p.to_string_lossy()));
        let mut display = [0u16; 260];
        let info = BROWSEINFOW {
            // SAFETY: no arguments; null when this thread has no active window.
            hwndOwner: unsafe { GetActiveWindow() },
            pszDisplayName: display.as_mut_ptr(),
            lpszTitle: title.as_ptr(),
            ulFlags: BIF_RETURNONLYFSDIRS | BIF_NEWDIALOGSTYLE,
            lpfn: Some(browse_callback),
            lParam: start.as_ref().map_or(0, |s| s.as_ptr() as isize),
            ..Default::default()
        };
        // SAFETY: every pointer in `info` is to a live local that outlives the modal call.
        let pidl = unsafe { SHBrowseForFolderW(&info) };
        if pidl.is_null() {
            return None;
        }
        let mut path = [0u16; 260];
        // SAFETY: `pidl` came from SHBrowseForFolderW; `path` has the MAX_PATH units the call
        // requires; the PIDL is freed exactly once with the COM allocator that made it.
        let ok = unsafe {
            let ok = SHGetPathFromIDListW(pidl, path.as_mut_ptr());
            CoTaskMemFree(pidl as *const std::ffi::c_void);
            ok
        };
        (ok != 0).then(|| PathBuf::from(from_wide(&path)))
    }

    fn from_wide(buf: &[u16]) -> String {
        let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
        String::from_utf16_lossy(&buf[..end])
    }

    /// Which file dialog [`file_dialog`] shows.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum FileDialog {
        /// `GetOpenFileNameW`: an existing file.
        Open,
        /// `GetSaveFileNameW`: asks before overwriting.
        Save,
    }

    /// The system's open or save dialog, modal to the calling thread's active window, in
    /// `start`, proposing `default_name`; `filters` are (description, pattern) pairs,
    /// `extension` the one a save adds when the user types none. `None` when cancelled.
    pub fn file_dialog(
        kind: FileDialog,
        title: &str,
        start: Option<&Path>,
        default_name: &str,
        filters: &[(String, String)],
        extension: Option<&str>,
    ) -> Option<PathBuf> {
        let _com = Com::init();
        let title = wide(title);
        let start = start.map(|p| wide(&p.to_string_lossy()));
        let extension = extension.map(wide);
        // "desc\0pattern\0…\0\0"
        let mut filter: Vec<u16> = Vec::new();
        for (desc, pattern) in filters {
            filter.extend(desc.encode_utf16().chain([0]));
            filter.extend(pattern.encode_utf16().chain([0]));
        }
        filter.push(0);
        let mut file = vec![0u16; 32_768];
        fill(&mut file, default_name);
        let flags = match kind {
            FileDialog::Open => OFN_FILEMUSTEXIST,
            FileDialog::Save => OFN_OVERWRITEPROMPT,
        };
        let mut ofn = OPENFILENAMEW {
            lStructSize: size_of::<OPENFILENAMEW>() as u32,
            // SAFETY: no arguments; null when this thread has no active window.
            hwndOwner: unsafe { GetActiveWindow() },
            lpstrFilter: if filters.is_empty() {
                std::ptr::null()
            } else {
                filter.as_ptr()
            },
            nFilterIndex: 1,
            lpstrFile: file.as_mut_ptr(),
            nMaxFile: file.len() as u32,
            lpstrInitialDir: start.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            lpstrTitle: title.as_ptr(),
            Flags: OFN_EXPLORER | OFN_PATHMUSTEXIST | OFN_NOCHANGEDIR | flags,
            lpstrDefExt: extension.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            ..Default::default()
        };
        // SAFETY: every pointer in `ofn` is to a live local that outlives the modal call, and
        // `nMaxFile` is the length of `file`.
        let ok = unsafe {
            match kind {
                FileDialog::Open => GetOpenFileNameW(&mut ofn),
                FileDialog::Save => GetSaveFileNameW(&mut ofn),
            }
        };
        (ok != 0).then(|| PathBuf::from(from_wide(&file)))
    }
}

#[cfg(all(test, feature = "gui"))]
mod tests {
    use super::*;
    use windows_sys::Win32::UI::WindowsAndMessaging::WM_COMMAND;

    /// Presses OK (`IDOK`) in the dialog titled `title` once it is up (from another thread,
    /// as a user would); gives up after 20 s.
    fn press_ok_in(title: &'static str) -> JoinHandle<bool> {
        std::thread::spawn(move || {
            let title = wide(title);
            for _ in 0..200 {
                std::thread::sleep(std::time::Duration::from_millis(100));
                // SAFETY: the title is NUL-terminated and outlives the call; any class.
                let hwnd = unsafe { FindWindowW(std::ptr::null(), title.as_ptr()) };
                if !hwnd.is_null() {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    // SAFETY: posting to a found window; IDOK = 1.
                    return unsafe { PostMessageW(hwnd, WM_COMMAND, 1, 0) } != 0;
                }
            }
            false
        })
    }

    #[test]
    #[ignore = "needs a desktop for a dialog (under Wine an X display): scripts/wine-test.sh"]
    fn the_save_dialog_proposes_the_name_in_the_start_folder() {
        let dir = tempfile::tempdir().unwrap();
        let ok = press_ok_in("oqs save test");
        let chosen = file_dialog(
            FileDialog::Save,
            "oqs save test",
            Some(dir.path()),
            "history.csv",
            &[("CSV".to_owned(), "*.csv".to_owned())],
            Some("csv"),
        );
        assert!(ok.join().unwrap(), "the save dialog did not appear");
        let chosen = chosen.expect("OK gives a path");
        assert_eq!(chosen.file_name().unwrap(), "history.csv");
        assert_eq!(
            chosen.parent().unwrap().canonicalize().unwrap(),
            dir.path().canonicalize().unwrap()
        );
    }

    #[test]
    #[ignore = "needs a desktop for a dialog (under Wine an X display): scripts/wine-test.sh"]
    fn the_open_dialog_returns_the_proposed_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("setup.exe"), b"MZ").unwrap();
        let ok = press_ok_in("oqs open test");
        let chosen = file_dialog(
            FileDialog::Open,
            "oqs open test",
            Some(dir.path()),
            "setup.exe",
            &[("EXE".to_owned(), "*.exe".to_owned())],
            None,
        );
        assert!(ok.join().unwrap(), "the open dialog did not appear");
        let chosen = chosen.expect("OK on an existing file gives its path");
        assert_eq!(
            chosen.canonicalize().unwrap(),
            dir.path().join("setup.exe").canonicalize().unwrap()
        );
    }
}
