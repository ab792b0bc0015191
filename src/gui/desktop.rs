//! The desktop conventions around the window: one app per state directory ([`claim`], built on
//! [`crate::instance`]), the notification-area icon with the current state and its 開く / 終了
//! menu ([`start_tray`], [`set_state_text`]), and a notification with a short system sound when
//! something needs staff ([`notify()`]).
//!
//! What the desktop asks of the window (a second start, a click on the icon, a menu entry)
//! arrives as a [`Request`] through one process-wide channel that the app's subscription
//! ([`requests`]) turns into [`Message::ShowWindow`] / [`Message::QuitRequested`]. Requests sent
//! before the subscription runs are kept and delivered when it starts.
//!
//! On Windows the icon lives on a hidden window on its own thread, blocked in `GetMessageW`
//! between messages; the UI thread only posts to it, never waits for Explorer. Elsewhere the
//! icon and the notification are no-ops (the state text is still kept).

use super::{Message, startup};
use crate::instance::{self, Acquired, Instance};
use crate::text;
use iced::futures::StreamExt;
use iced::futures::channel::mpsc::{UnboundedSender, unbounded};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// What the desktop asks of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Show the window in front (a second start, 開く, a click on the icon).
    Show,
    /// 終了 in the icon's menu.
    Quit,
}

/// The requests not yet taken by the subscription, and its sender once it runs.
struct Sink {
    tx: Option<UnboundedSender<Request>>,
    pending: Vec<Request>,
}

static SINK: Mutex<Sink> = Mutex::new(Sink {
    tx: None,
    pending: Vec::new(),
});

/// The state shown in the icon's tooltip.
static STATE_TEXT: Mutex<String> = Mutex::new(String::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends `r` to the window (from any thread).
pub fn request(r: Request) {
    let mut sink = lock(&SINK);
    if let Some(tx) = &sink.tx
        && tx.unbounded_send(r).is_ok()
    {
        return;
    }
    sink.tx = None;
    sink.pending.push(r);
}

/// The desktop's requests as messages (for `Subscription::run`): starts a fresh channel and
/// first delivers what arrived before.
pub fn requests() -> impl iced::futures::Stream<Item = Message> + use<> {
    let (tx, rx) = unbounded();
    let mut sink = lock(&SINK);
    for r in sink.pending.drain(..) {
        let _ = tx.unbounded_send(r);
    }
    sink.tx = Some(tx);
    rx.map(|r| match r {
        Request::Show => Message::ShowWindow,
        Request::Quit => Message::QuitRequested,
    })
}

/// Appends one line to the state directory's startup log (best effort).
fn log(state_dir: &Path, what: &str, detail: &str) {
    let time = chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let _ = startup::append(
        &startup::log_path(Some(state_dir)),
        &startup::log_line(&time, what, detail),
    );
}

/// This process's hold on its state directory (keep it while the app runs).
#[derive(Debug)]
pub struct Claim(
    /// `None` when the check itself failed (the app runs anyway).
    pub Option<Instance>,
);

/// Another copy of the app runs for this state directory and was asked to show its window
/// (`shown`: whether it answered); this start should exit 0.
#[derive(Debug)]
pub struct AlreadyRunning {
    /// Whether the running copy received the request.
    pub shown: bool,
}

/// Claims `state_dir` for this process, or asks the copy that runs for it to show its window.
/// Each outcome other than a plain first start leaves a line in the startup log. A later start
/// reaches this process as [`Request::Show`].
pub fn claim(state_dir: &Path) -> Result<Claim, AlreadyRunning> {
    let dir = state_dir.to_owned();
    let on_show = Box::new(move || {
        log(
            &dir,
            text::LOG_SHOW_REQUESTED,
            "show requested by a second start",
        );
        request(Request::Show);
    });
    match instance::acquire(state_dir, on_show) {
        Ok(Acquired::First(i)) => Ok(Claim(Some(i))),
        Ok(Acquired::Second { shown }) => {
            let (what, detail) = if shown {
                (
                    text::LOG_ALREADY_RUNNING,
                    "second start: the first was asked to show",
                )
            } else {
                (
                    text::LOG_ALREADY_RUNNING_UNREACHED,
                    "second start: the first did not answer",
                )
            };
            log(state_dir, what, detail);
            Err(AlreadyRunning { shown })
        }
        Err(e) => {
            log(state_dir, text::LOG_NO_INSTANCE_CHECK, &e.to_string());
            Ok(Claim(None))
        }
    }
}

/// Sets the state shown in the notification-area icon's tooltip, e.g. [`text::ST_IDLE`]
/// (the tooltip reads 「oqs-courier — 状態」). Cheap; call it whenever the state changes.
pub fn set_state_text(state: &str) {
    {
        let mut s = lock(&STATE_TEXT);
        if *s == state {
            return;
        }
        state.clone_into(&mut s);
    }
    #[cfg(windows)]
    tray::post(tray::MSG_TIP);
}

/// The state last given to [`set_state_text`].
pub fn state_text() -> String {
    lock(&STATE_TEXT).clone()
}

/// Tells staff something needs them: a notification from the notification-area icon and a
/// short system sound (Windows; elsewhere nothing).
pub fn notify(title: &str, body: &str) {
    #[cfg(windows)]
    tray::notify(title, body);
    #[cfg(not(windows))]
    let _ = (title, body);
}

/// What a mouse event on the icon (the callback's `lParam`) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconAction {
    /// Show the window (left click, double click).
    Show,
    /// Open the menu (right click, context-menu key).
    Menu,
    /// Nothing (mouse moves, button downs).
    Nothing,
}

/// [`IconAction`] of the mouse message `msg` (the Win32 `WM_*` number).
pub fn icon_action(msg: u32) -> IconAction {
    const WM_CONTEXTMENU: u32 = 0x007B;
    const WM_LBUTTONUP: u32 = 0x0202;
    const WM_LBUTTONDBLCLK: u32 = 0x0203;
    const WM_RBUTTONUP: u32 = 0x0205;
    match msg {
        WM_LBUTTONUP | WM_LBUTTONDBLCLK => IconAction::Show,
        WM_RBUTTONUP | WM_CONTEXTMENU => IconAction::Menu,
        _ => IconAction::Nothing,
    }
}

/// The icon's menu: command id and text.
pub const MENU: [(u32, &str); 2] = [(1, text::TRAY_OPEN), (2, text::TRAY_QUIT)];

/// The request of the menu command `id`.
pub fn menu_request(id: u32) -> Option<Request> {
    match id {
        1 => Some(Request::Show),
        2 => Some(Request::Quit),
        _ => None,
    }
}

/// Puts the app's icon in the notification area (Windows; elsewhere nothing), with the
/// tooltip of [`set_state_text`] (「USBメモリを待っています」 until told otherwise). Whether it
/// worked goes to the startup log in `state_dir`.
pub fn start_tray(state_dir: &Path) {
    if lock(&STATE_TEXT).is_empty() {
        set_state_text(text::ST_IDLE);
    }
    #[cfg(windows)]
    tray::start(state_dir);
    #[cfg(not(windows))]
    let _ = state_dir;
}

/// Removes the icon (before the app ends; Windows would otherwise show it until the mouse
/// passes over it).
pub fn stop_tray() {
    #[cfg(windows)]
    tray::stop();
}

#[cfg(windows)]
mod tray {
    use super::*;
    use crate::win32::desktop::{self as w, HiddenWindow};
    use std::collections::VecDeque;

    const CLASS: &str = "OqsCourierTray";
    /// Add the icon (posted once the window exists).
    const MSG_ADD: u32 = 0x8000 + 0x61;
    /// Mouse events on the icon (`lParam`: the mouse message).
    const MSG_ICON: u32 = 0x8000 + 0x62;
    /// The tooltip changed.
    pub(super) const MSG_TIP: u32 = 0x8000 + 0x63;
    /// A notification is queued.
    const MSG_NOTIFY: u32 = 0x8000 + 0x64;

    static WINDOW: Mutex<Option<HiddenWindow>> = Mutex::new(None);
    static NOTES: Mutex<VecDeque<(String, String)>> = Mutex::new(VecDeque::new());

    pub(super) fn post(msg: u32) {
        if let Some(w) = lock(&WINDOW).as_ref() {
            w.post(msg);
        }
    }

    pub(super) fn notify(title: &str, body: &str) {
        w::beep();
        lock(&NOTES).push_back((title.to_owned(), body.to_owned()));
        post(MSG_NOTIFY);
    }

    fn tip() -> String {
        text::tray_tip(&lock(&STATE_TEXT))
    }

    pub(super) fn start(state_dir: &Path) {
        let mut slot = lock(&WINDOW);
        if slot.is_some() {
            return;
        }
        let dir = state_dir.to_owned();
        let taskbar_created = w::taskbar_created_message();
        let window = HiddenWindow::start(
            CLASS,
            "oqs-courier tray",
            Box::new(move |hwnd, msg, _wparam, lparam| {
                match msg {
                    MSG_ADD => match w::tray_add(hwnd, MSG_ICON, &tip()) {
                        Ok(()) => log(&dir, text::LOG_TRAY_ADDED, "Shell_NotifyIconW(NIM_ADD) ok"),
                        Err(e) => log(&dir, text::LOG_TRAY_FAILED, &e.to_string()),
                    },
                    // Explorer restarted: the icon is gone, add it again.
                    m if m == taskbar_created && m != 0 => {
                        let _ = w::tray_add(hwnd, MSG_ICON, &tip());
                    }
                    MSG_ICON => match icon_action((lparam as usize & 0xFFFF) as u32) {
                        IconAction::Show => request(Request::Show),
                        IconAction::Menu => {
                            if let Some(r) = w::popup_menu(hwnd, &MENU).and_then(menu_request) {
                                request(r);
                            }
                        }
                        IconAction::Nothing => {}
                    },
                    MSG_TIP => {
                        w::tray_tip(hwnd, &tip());
                    }
                    MSG_NOTIFY => {
                        let note = lock(&NOTES).pop_front();
                        if let Some((title, body)) = note {
                            w::tray_balloon(hwnd, &title, &body);
                        }
                    }
                    // WM_DESTROY: take the icon away, then the default handling ends the thread.
                    0x0002 => w::tray_delete(hwnd),
                    _ => return None,
                }
                if msg == 0x0002 { None } else { Some(0) }
            }),
        );
        match window {
            Ok(window) => {
                window.post(MSG_ADD);
                *slot = Some(window);
            }
            Err(e) => log(state_dir, text::LOG_TRAY_FAILED, &e.to_string()),
        }
    }

    pub(super) fn stop() {
        let window = lock(&WINDOW).take();
        drop(window); // closes the window (removing the icon) and joins its thread
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_on_the_icon_show_the_window_and_a_right_click_opens_the_menu() {
        assert_eq!(icon_action(0x0202), IconAction::Show);
        assert_eq!(icon_action(0x0203), IconAction::Show);
        assert_eq!(icon_action(0x0205), IconAction::Menu);
        assert_eq!(icon_action(0x007B), IconAction::Menu);
        assert_eq!(icon_action(0x0200), IconAction::Nothing); // WM_MOUSEMOVE
        assert_eq!(icon_action(0x0201), IconAction::Nothing); // WM_LBUTTONDOWN
    }

    #[test]
    fn the_menu_opens_and_quits() {
        assert_eq!(MENU.map(|(_, t)| t), ["開く", "終了"]);
        for (id, _) in MENU {
            assert!(menu_request(id).is_some());
        }
        assert_eq!(menu_request(MENU[0].0), Some(Request::Show));
        assert_eq!(menu_request(MENU[1].0), Some(Request::Quit));
        assert_eq!(menu_request(0), None);
    }
}
