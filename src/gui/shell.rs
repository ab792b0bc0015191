//! The window's plumbing: its size on the screen, its icon, the stick watcher feeding
//! [`Message::Drive`], bringing it to the front, and running it. The screens and their logic
//! are [`App`]'s (`gui/mod.rs` and one module per screen).

use super::{App, FONT, FONT_NAME, Message, Source, desktop};
use crate::detect;
use crate::engine;
use crate::state::Home;
use crate::text;
use iced::futures::StreamExt;
use iced::{Font, Task, window};
use std::sync::atomic::AtomicBool;

/// The window icon (256 px PNG).
pub const ICON: &[u8] = include_bytes!("../../assets/icon.png");
/// The window's size when it opens on a screen large enough; smaller screens get [`fit`].
pub const WINDOW_SIZE: (f32, f32) = (960.0, 640.0);
/// The smallest window every screen is laid out for: 1024×768 at 125 % is 819×614 logical
/// pixels, less the taskbar.
pub const MIN_SIZE: (f32, f32) = (800.0, 540.0);
/// The scale of the larger-text setting.
pub const LARGE_TEXT: f32 = 1.2;
/// Room left for the taskbar and the window's frame (logical pixels).
const SCREEN_MARGIN: (f32, f32) = (16.0, 56.0);

/// The window's size on a screen of `screen` logical pixels: [`WINDOW_SIZE`], shrunk to what
/// the screen shows with the taskbar (never below [`MIN_SIZE`]).
pub fn fit(screen: iced::Size) -> (f32, f32) {
    let w = WINDOW_SIZE
        .0
        .min(screen.width - SCREEN_MARGIN.0)
        .max(MIN_SIZE.0);
    let h = WINDOW_SIZE
        .1
        .min(screen.height - SCREEN_MARGIN.1)
        .max(MIN_SIZE.1);
    (w, h)
}

/// Brings the window to the front (un-minimised, focused, and flashing in the taskbar where
/// the system refuses focus to a background app) — a stick just arrived.
pub(super) fn to_front() -> Task<Message> {
    window::oldest().and_then(|id| {
        Task::batch([
            window::minimize(id, false),
            window::gain_focus(id),
            window::request_user_attention(id, Some(window::UserAttention::Informational)),
        ])
    })
}

/// The window icon, decoded from the bundled PNG (`None` if it cannot be decoded).
pub fn icon() -> Option<window::Icon> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(ICON))
        .read_info()
        .ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    if info.color_type != png::ColorType::Rgba || info.bit_depth != png::BitDepth::Eight {
        return None;
    }
    buf.truncate(info.buffer_size());
    window::icon::from_rgba(buf, info.width, info.height).ok()
}

/// Stick arrivals and removals, from a watcher thread (polls about once a second; idle cost is
/// one volume-list query per second).
pub(super) fn drive_events(source: &Source) -> impl iced::futures::Stream<Item = Message> + use<> {
    let (tx, rx) = iced::futures::channel::mpsc::unbounded();
    let folder = match source {
        Source::System => None,
        Source::Folder(p) => Some(p.clone()),
    };
    std::thread::spawn(move || {
        // The system watcher also wakes on Windows' device-arrival messages (its hidden window
        // lives on its own thread and closes with the watcher).
        let mut w = match folder {
            None => detect::Watcher::system(),
            Some(p) => detect::Watcher::new(Box::new(detect::PathSource::new(p))),
        };
        let stop = AtomicBool::new(false);
        loop {
            match w.next_event(&stop) {
                Ok(Some(e)) => {
                    if tx.unbounded_send(e).is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    if tx.is_closed() {
                        break;
                    }
                }
            }
        }
    });
    rx.map(Message::Drive)
}

/// Runs the window (resident: closing it minimises it; the app ends with the session).
pub fn run(home: Home, source: Source, opts: engine::Options) -> iced::Result {
    desktop::start_tray(home.path());
    iced::application(
        move || App::new(home.clone(), source.clone(), opts.clone()),
        App::update,
        App::view,
    )
    .title(|_: &App| text::G_TITLE.to_owned())
    .scale_factor(App::scale)
    .subscription(App::subscription)
    .font(FONT)
    .default_font(Font::with_name(FONT_NAME))
    .window(window::Settings {
        size: WINDOW_SIZE.into(),
        min_size: Some(MIN_SIZE.into()),
        icon: icon(),
        // Resident: the close button minimises (see `Message::CloseRequested`).
        exit_on_close_request: false,
        ..window::Settings::default()
    })
    .run()
}
