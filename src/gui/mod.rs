//! The desktop app (iced, Japanese): the resident window staff see.
//!
//! Owns the screens — the set-up wizard, home/status, the import prompt, the terminal's waiting
//! screen, 「取り外せます」, refusals, history, settings — and how they follow each other. It has
//! no logic of its own: a stick arrival (from [`crate::detect`]) starts one engine step on a
//! [`worker`] thread, and the window shows what the worker reports; set-up and settings call the
//! same library functions as the command line. Compiled only with the `gui` feature; the library
//! works without it.

pub mod desktop;
pub mod dialogs;
mod history;
mod prompt;
mod report;
pub mod settings;
pub mod setup;
pub mod startup;
mod status;
pub mod theme;
pub mod worker;

use crate::detect;
use crate::engine;
use crate::journal::AuditRow;
use crate::state::{Home, Installation};
use crate::text;
use iced::futures::StreamExt;
use iced::widget::{column, container, row, scrollable, text as label};
use iced::{Element, Font, Length, Subscription, Task, window};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use theme::{GREEN, RED, big_button};

/// The bundled Japanese font (IPAexGothic, IPA Font License v1.0; see `packaging/fonts/`).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");
/// The bundled font's family name.
pub const FONT_NAME: &str = "IPAexGothic";

/// The window icon (256 px PNG).
pub const ICON: &[u8] = include_bytes!("../../assets/icon.png");
/// The window's size when it opens: fits a 1366×768 reception screen with the taskbar.
pub const WINDOW_SIZE: (f32, f32) = (960.0, 640.0);

/// Where sticks come from.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub enum Source {
    /// Removable drives of this PC.
    System,
    /// One folder standing in for a stick (demo, tests, IT staff).
    Folder(PathBuf),
}

/// What the home screen shows.
#[derive(Clone, Debug, Default)]
pub struct Info {
    /// Role and peer line.
    pub role_line: String,
    /// Files travelling, not yet acknowledged.
    pub in_transit: usize,
    /// Results waiting for import (held).
    pub to_import: usize,
    /// Terminal: requests without an answer.
    pub awaiting: usize,
    /// Last trip time.
    pub last_trip: String,
    /// Enrolled sticks (label, id).
    pub sticks: Vec<(String, String)>,
    /// Requests older than a day without an answer.
    pub old_unanswered: usize,
}

/// Which screen is shown.
#[derive(Clone, Debug)]
pub enum Screen {
    /// Status, waiting for a stick.
    Home,
    /// A step is running.
    Working,
    /// The clinic's import prompt.
    Prompt {
        /// The rows.
        rows: Vec<worker::Row>,
        /// Which rows are selected.
        selected: Vec<bool>,
    },
    /// The terminal waits for answers.
    Waiting {
        /// Answered so far.
        answered: usize,
        /// Handed over.
        total: usize,
    },
    /// Done: the stick may be removed.
    Done(engine::Outcome),
    /// Refused or failed: what happened, what to do, detail.
    Problem(String, String, String),
    /// The audit log.
    History(Vec<AuditRow>),
    /// The set-up wizard (first start).
    Setup(setup::Wizard),
    /// The settings.
    Settings(settings::Form),
    /// The owner's self-test of this PC: `None` while it runs, then the report.
    Selftest(Option<String>),
}

impl Screen {
    /// The problem screen for `e`, with the hint worded for the desktop app.
    pub fn problem(e: &crate::Error) -> Self {
        Screen::Problem(
            e.message().to_owned(),
            e.hint_for(crate::error::Ui::Gui).to_owned(),
            e.to_string(),
        )
    }
}

/// What the user did, or what arrived.
#[derive(Clone, Debug)]
pub enum Message {
    /// A drive arrived or left.
    Drive(detect::Event),
    /// The running step reported something.
    Worker(worker::Event),
    /// A row of the import prompt was (de)selected.
    Toggle(usize, bool),
    /// Select every row.
    SelectAll,
    /// 取り込む.
    Import,
    /// 後で.
    Later,
    /// 今すぐ終了 (terminal: stop waiting for answers).
    FinishNow,
    /// Back to the home screen.
    Home,
    /// Show the audit log.
    History,
    /// Export the audit log as CSV.
    ExportCsv,
    /// A key was pressed (Enter / Esc).
    Key(iced::keyboard::Event),
    /// Something happened in the set-up wizard.
    Setup(setup::Message),
    /// Show the settings.
    ShowSettings,
    /// Something happened on the settings screen.
    Settings(settings::Message),
    /// このUSBメモリを登録する (refusal screen of a stick that is not enrolled).
    EnrollStick,
    /// The window's close button: the app stays resident (minimised).
    CloseRequested(window::Id),
    /// このPCを点検する (settings screen).
    RunSelftest,
    /// The self-test finished: its report.
    SelftestDone(String),
    /// Save the self-test report on the desktop.
    SaveSelftest,
    /// Bring the window to the front (a second start, the notification-area icon or its 開く).
    ShowWindow,
    /// 終了 in the notification-area menu (ends the app; to be put behind the owner PIN).
    QuitRequested,
}

/// The app's state.
pub struct App {
    home: Home,
    inst: Option<Arc<Mutex<Installation>>>,
    source: Source,
    opts: engine::Options,
    /// The stick inserted now (the last arrival not yet removed).
    pub stick: Option<PathBuf>,
    /// The refused stick that can be enrolled from the refusal screen.
    pub enrollable: Option<PathBuf>,
    /// The current screen.
    pub screen: Screen,
    /// The home screen's figures.
    pub info: Info,
    /// A one-line notice (e.g. where the CSV went).
    pub notice: Option<String>,
    decide: Option<mpsc::Sender<worker::Decision>>,
    stop: Option<Arc<AtomicBool>>,
}

impl App {
    /// Opens the installation at `home` (or starts the set-up wizard) and watches `source`.
    pub fn new(home: Home, source: Source, opts: engine::Options) -> Self {
        let (loaded, screen) = match home.load() {
            Ok(i) if i.peer.is_some() => (Some(i), Screen::Home),
            Ok(i) => {
                let w = setup::Wizard::new(Some(&i));
                (Some(i), Screen::Setup(w))
            }
            Err(_) if !home.is_initialized() => (None, Screen::Setup(setup::Wizard::new(None))),
            // Set up, but the state cannot be read: say so (the wizard would only fail).
            Err(e) => (None, Screen::problem(&crate::Error::from(e))),
        };
        let inst = loaded.map(|i| Arc::new(Mutex::new(i)));
        let mut app = Self {
            screen,
            home,
            inst,
            source,
            opts,
            stick: None,
            enrollable: None,
            info: Info::default(),
            notice: None,
            decide: None,
            stop: None,
        };
        app.refresh();
        app
    }

    /// Re-reads the home screen's figures from the journal.
    pub fn refresh(&mut self) {
        let Some(inst) = &self.inst else { return };
        let Ok(inst) = inst.try_lock() else { return };
        // The same figures as `oqs-courier status` (engine::status): counted by the journal's
        // indexes, cheap enough to run after a step or a saved setting.
        let st = engine::status(&inst, engine::OLD_UNANSWERED_HOURS).unwrap_or_default();
        let peer = st.peer.unwrap_or_else(|| text::NOT_PAIRED_YET.to_owned());
        self.info = Info {
            role_line: text::g_role_line(inst.config.role.as_str(), &peer),
            in_transit: st.in_transit,
            to_import: st.to_import,
            awaiting: st.awaiting,
            old_unanswered: st.old_unanswered,
            last_trip: st
                .last_trip
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y/%m/%d %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| text::NO_VALUE.to_owned()),
            sticks: st.sticks,
        };
    }

    /// Starts the step for the stick at `mount`; returns the worker's event stream (the window
    /// turns it into a task; tests read it directly).
    pub fn start(
        &mut self,
        mount: PathBuf,
    ) -> Option<iced::futures::channel::mpsc::UnboundedReceiver<worker::Event>> {
        let inst = self.inst.clone()?;
        if self.decide.is_some()
            || matches!(
                self.screen,
                Screen::Working | Screen::Prompt { .. } | Screen::Waiting { .. }
            )
        {
            return None; // one stick at a time
        }
        let opts = {
            let Ok(i) = inst.try_lock() else { return None };
            let c = &i.config;
            engine::Options {
                response_wait: c.response_wait(),
                retention_days: c.retention(),
                incomplete_wait: c.incomplete_wait(),
                ..self.opts.clone()
            }
        };
        self.enrollable = None;
        let handle = worker::spawn(inst, mount, opts);
        self.decide = Some(handle.decide);
        self.stop = Some(handle.stop);
        self.notice = None;
        self.screen = Screen::Working;
        Some(handle.events)
    }

    /// Handles a message.
    pub fn update(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Drive(detect::Event::Arrived(v)) => {
                self.stick = Some(v.mount.clone());
                if matches!(self.screen, Screen::Setup(_)) {
                    return to_front(); // the wizard uses the stick when asked
                }
                if !detect::has_courier_folder(&v.mount) {
                    // Not a courier stick: never touched, only offered for enrollment.
                    if matches!(self.screen, Screen::Home) && self.inst.is_some() {
                        self.enrollable = Some(v.mount);
                        return to_front();
                    }
                    return Task::none();
                }
                if let Some(events) = self.start(v.mount) {
                    desktop::set_state_text(text::TRAY_WORKING);
                    desktop::notify(text::NOTIFY_ARRIVED_TITLE, text::NOTIFY_ARRIVED_BODY);
                    return Task::batch([to_front(), Task::run(events, Message::Worker)]);
                }
            }
            Message::Drive(detect::Event::Removed(mount)) => {
                if self.stick.as_ref() == Some(&mount) {
                    self.stick = None;
                }
                if self.enrollable.as_ref() == Some(&mount) {
                    self.enrollable = None;
                }
                if matches!(self.screen, Screen::Done(_) | Screen::Problem(..)) {
                    desktop::set_state_text(text::TRAY_WAITING);
                    self.screen = Screen::Home;
                    self.enrollable = None;
                    self.refresh();
                }
            }
            Message::Worker(event) => self.on_worker(event),
            Message::Toggle(i, on) => {
                if let Screen::Prompt { selected, .. } = &mut self.screen
                    && let Some(s) = selected.get_mut(i)
                {
                    *s = on;
                }
            }
            Message::SelectAll => {
                if let Screen::Prompt { selected, .. } = &mut self.screen {
                    selected.iter_mut().for_each(|s| *s = true);
                }
            }
            Message::Import => self.decide_prompt(true),
            Message::Later => self.decide_prompt(false),
            Message::FinishNow => {
                if let Some(stop) = &self.stop {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            Message::Home => self.go_home(),
            Message::History => {
                if let Some(inst) = &self.inst
                    && let Ok(inst) = inst.try_lock()
                {
                    let mut rows = inst.journal.audit_rows(None).unwrap_or_default();
                    rows.reverse();
                    rows.truncate(500);
                    self.screen = Screen::History(rows);
                }
            }
            Message::ExportCsv => self.export_csv(),
            Message::Key(iced::keyboard::Event::KeyPressed { key, .. }) => {
                use iced::keyboard::key::{Key, Named};
                match (&self.screen, key) {
                    (Screen::Prompt { .. }, Key::Named(Named::Enter)) => self.decide_prompt(true),
                    (Screen::Prompt { .. }, Key::Named(Named::Escape)) => self.decide_prompt(false),
                    // Esc leaves a finished or secondary screen; it never quits the app.
                    (
                        Screen::Done(_)
                        | Screen::Problem(..)
                        | Screen::History(_)
                        | Screen::Settings(_)
                        | Screen::Selftest(Some(_)),
                        Key::Named(Named::Escape),
                    ) => self.go_home(),
                    _ => {}
                }
            }
            Message::Key(_) => {}
            Message::Setup(m) => {
                let Screen::Setup(w) = &mut self.screen else {
                    return Task::none();
                };
                match w.update(m, &self.home, self.inst.as_ref(), self.stick.as_deref()) {
                    setup::Outcome::None => {}
                    setup::Outcome::Installed(i) => {
                        self.inst = Some(Arc::new(Mutex::new(*i)));
                        self.refresh();
                    }
                    setup::Outcome::Finished => self.go_home(),
                }
            }
            Message::ShowSettings => {
                if let Some(inst) = &self.inst
                    && let Ok(inst) = inst.try_lock()
                {
                    self.screen = Screen::Settings(settings::Form::new(&inst));
                }
            }
            Message::Settings(m) => {
                // Only a save changes what the home screen shows; keystrokes do not refresh it.
                let saved = matches!(m, settings::Message::Save);
                if let Screen::Settings(form) = &mut self.screen
                    && let Some(inst) = &self.inst
                    && let Ok(mut inst) = inst.try_lock()
                {
                    form.update(m, &mut inst);
                }
                if saved {
                    self.refresh();
                }
            }
            Message::EnrollStick => {
                if let Some(events) = self.enroll_refused() {
                    return Task::run(events, Message::Worker);
                }
            }
            Message::CloseRequested(id) => return window::minimize(id, true),
            Message::RunSelftest => {
                // Off the UI thread: the checks touch the disk, the stick and the drive list.
                self.screen = Screen::Selftest(None);
                let (tx, rx) = iced::futures::channel::oneshot::channel();
                let home = self.home.clone();
                let stick = self.stick.clone();
                std::thread::spawn(move || {
                    let report = crate::selftest::run(&home, stick.as_deref());
                    let _ = tx.send(report.render());
                });
                return Task::perform(rx, |r| {
                    Message::SelftestDone(r.unwrap_or_else(|_| text::E_STATE_IO.to_owned()))
                });
            }
            Message::SelftestDone(report) => {
                if let Screen::Selftest(slot) = &mut self.screen {
                    *slot = Some(report);
                }
            }
            Message::SaveSelftest => {
                if let Screen::Selftest(Some(report)) = &self.screen {
                    self.notice = Some(report::save_report(report));
                }
            }
            Message::ShowWindow => return to_front(),
            Message::QuitRequested => {
                desktop::stop_tray();
                return iced::exit();
            }
        }
        Task::none()
    }

    fn go_home(&mut self) {
        self.screen = Screen::Home;
        self.enrollable = None;
        self.refresh();
    }

    /// Enrolls the stick that was just refused as unknown, then starts its step; returns the
    /// step's event stream like [`App::start`].
    pub fn enroll_refused(
        &mut self,
    ) -> Option<iced::futures::channel::mpsc::UnboundedReceiver<worker::Event>> {
        let mount = self.enrollable.take()?;
        let inst = self.inst.clone()?;
        let enrolled = {
            let mut i = inst.lock().ok()?;
            let n = i.journal.sticks().map(|v| v.len()).unwrap_or(0);
            crate::label::Label::new(&text::w_stick_label(n + 1))
                .map_err(crate::Error::from)
                .and_then(|l| engine::enroll(&mut i, &mount, &l))
        };
        match enrolled {
            Ok(marker) => {
                self.screen = Screen::Home;
                let events = self.start(mount);
                self.notice = Some(text::g_enrolled_now(&marker.label));
                events
            }
            Err(e) => {
                self.screen = Screen::problem(&e);
                None
            }
        }
    }

    fn on_worker(&mut self, event: worker::Event) {
        match event {
            worker::Event::Prompt(rows) => {
                // A file that arrived cut short is not imported unless staff tick it.
                let selected = rows.iter().map(|r| !r.incomplete).collect();
                self.screen = Screen::Prompt { rows, selected };
            }
            worker::Event::Waiting(answered, total) => {
                self.screen = Screen::Waiting { answered, total }
            }
            worker::Event::Done(outcome) => {
                desktop::set_state_text(text::TRAY_SAFE_TO_REMOVE);
                desktop::notify(text::NOTIFY_DONE_TITLE, text::NOTIFY_DONE_BODY);
                self.decide = None;
                self.stop = None;
                self.screen = Screen::Done(outcome);
                self.refresh();
            }
            worker::Event::Failed(failure) => {
                self.decide = None;
                self.stop = None;
                self.enrollable = failure.enrollable;
                self.screen = Screen::Problem(failure.what, failure.hint, failure.detail);
                self.refresh();
            }
        }
    }

    fn decide_prompt(&mut self, import: bool) {
        let Screen::Prompt { rows, selected } = &self.screen else {
            return;
        };
        let decision = if import {
            worker::Decision::Import(
                rows.iter()
                    .zip(selected)
                    .filter(|(_, s)| **s)
                    .map(|(r, _)| r.id)
                    .collect(),
            )
        } else {
            worker::Decision::Later
        };
        if let Some(d) = &self.decide {
            let _ = d.send(decision);
        }
        self.screen = Screen::Working;
    }

    /// Stick arrivals, the keyboard, the close button and the desktop's requests.
    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            Subscription::run_with(self.source.clone(), drive_events),
            iced::keyboard::listen().map(Message::Key),
            window::close_requests().map(Message::CloseRequested),
            Subscription::run(desktop::requests),
        ])
    }

    /// The window's content.
    pub fn view(&self) -> Element<'_, Message> {
        let body: Element<'_, Message> = match &self.screen {
            Screen::Setup(w) => {
                let page = column![
                    label(text::G_TITLE).size(16),
                    w.view(self.stick.is_some()).map(Message::Setup)
                ]
                .spacing(14)
                .padding(20);
                return container(page)
                    .width(Length::Fill)
                    .height(Length::Fill)
                    .into();
            }
            Screen::Home => self.home_view(),
            Screen::Working => label(text::G_WORKING).size(20).into(),
            Screen::Prompt { rows, selected } => prompt::view(rows, selected),
            Screen::Waiting { answered, total } => column![
                label(text::waiting(*answered, *total)).size(28),
                iced::widget::progress_bar(0.0..=(*total).max(1) as f32, *answered as f32)
                    .girth(24),
                big_button(text::G_FINISH_NOW, Message::FinishNow),
            ]
            .spacing(16)
            .into(),
            Screen::Done(o) => status::done_view(o),
            Screen::Problem(what, hint, detail) => {
                let mut buttons = row![].spacing(16);
                if self.enrollable.is_some() {
                    buttons = buttons.push(big_button(text::G_ENROLL_THIS, Message::EnrollStick));
                }
                let hint = if self.enrollable.is_some() {
                    text::G_ENROLL_HINT
                } else {
                    hint.as_str()
                };
                column![
                    label(what.as_str()).size(22).color(RED),
                    label(format!("{}: {hint}", text::HINT_LABEL)).size(18),
                    label(format!("{}: {detail}", text::DETAIL_LABEL)).size(13),
                    buttons.push(big_button(text::G_BACK, Message::Home)),
                ]
                .spacing(14)
                .into()
            }
            Screen::History(rows) => history::view(rows),
            Screen::Settings(form) => column![
                form.view().map(Message::Settings),
                row![
                    big_button(text::S_SAVE, Message::Settings(settings::Message::Save)),
                    big_button(text::G_SELFTEST, Message::RunSelftest),
                    big_button(text::G_BACK, Message::Home)
                ]
                .spacing(16),
            ]
            .spacing(12)
            .into(),
            Screen::Selftest(None) => label(text::G_SELFTEST_RUNNING).size(22).into(),
            Screen::Selftest(Some(report)) => column![
                scrollable(label(report.as_str()).size(14)).height(Length::Fill),
                row![
                    big_button(text::G_SELFTEST_SAVE, Message::SaveSelftest),
                    big_button(text::G_BACK, Message::Home)
                ]
                .spacing(16),
            ]
            .spacing(12)
            .into(),
        };
        let state_line = match &self.screen {
            Screen::Working | Screen::Prompt { .. } | Screen::Waiting { .. } => {
                Some(label(text::PROCESSING).size(26))
            }
            Screen::Done(_) => Some(label(text::G_DONE).size(30).color(GREEN)),
            Screen::Problem(..) => Some(label(text::G_PROBLEM).size(26).color(RED)),
            Screen::Home => Some(label(text::INSERT_STICK).size(26)),
            _ => None,
        };
        let mut page = column![
            label(text::G_TITLE).size(16),
            label(&self.info.role_line).size(16),
        ]
        .spacing(14)
        .padding(20);
        if let Some(line) = state_line {
            page = page.push(line);
        }
        page = page.push(body);
        if let Some(n) = &self.notice {
            page = page.push(label(n.as_str()).size(14));
        }
        container(page)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }
}

/// Brings the window to the front (un-minimised, focused, and flashing in the taskbar where
/// the system refuses focus to a background app) — a stick just arrived.
fn to_front() -> Task<Message> {
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
fn drive_events(source: &Source) -> impl iced::futures::Stream<Item = Message> + use<> {
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
    .subscription(App::subscription)
    .font(FONT)
    .default_font(Font::with_name(FONT_NAME))
    .window(window::Settings {
        size: WINDOW_SIZE.into(),
        min_size: Some((720.0, 520.0).into()),
        icon: icon(),
        // Resident: the close button minimises (see `Message::CloseRequested`).
        exit_on_close_request: false,
        ..window::Settings::default()
    })
    .run()
}
