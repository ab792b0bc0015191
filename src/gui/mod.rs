//! The desktop app (iced, Japanese): the resident window staff see.
//!
//! Owns the screens — the set-up wizard, home/status, the import prompt, the terminal's waiting
//! screen, 「取り外せます」, refusals, history, settings — and how they follow each other. It has
//! no logic of its own: a stick arrival (from [`crate::detect`]) starts one engine step on a
//! [`worker`] thread, and the window shows what the worker reports; set-up and settings call the
//! same library functions as the command line. Compiled only with the `gui` feature; the library
//! works without it.

pub mod care;
pub mod desktop;
pub mod dialogs;
pub mod history;
pub mod owner;
pub mod prompt;
mod report;
pub mod settings;
pub mod setup;
mod shell;
pub mod startup;
pub mod status;
pub mod theme;
pub mod updates;
pub mod worker;

use crate::detect;
use crate::engine;
use crate::state::{Home, Installation, Role};
use crate::text;
use iced::widget::{column, container, row, scrollable, text as label};
use iced::{Element, Length, Subscription, Task, window};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use theme::big_button;

/// The bundled Japanese font (IPAexGothic, IPA Font License v1.0; see `packaging/fonts/`).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");
/// The bundled font's family name.
pub const FONT_NAME: &str = "IPAexGothic";

pub use shell::{ICON, LARGE_TEXT, MIN_SIZE, WINDOW_SIZE, fit, icon, run};
use shell::{drive_events, to_front};

/// Makes the installer that runs an update or a roll-back of oqs-courier: the NSIS installer's
/// silent mode ([`crate::update::SilentInstaller`]); tests give a fake ([`App::with_installers`]).
pub type Installers = Arc<dyn Fn() -> Box<dyn crate::update::Installer> + Send + Sync>;

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
    /// This PC's role (`None` before set-up).
    pub role: Option<Role>,
    /// The owner's larger-text setting.
    pub large_text: bool,
    /// Clinic: the lines of 資格確認端末の状態 (empty at the terminal).
    pub care: Vec<crate::care::Line>,
}

/// Which screen is shown.
#[derive(Clone, Debug)]
pub enum Screen {
    /// Status, waiting for a stick.
    Home,
    /// A step is running: what it did so far.
    Working(status::Work),
    /// The clinic's import prompt.
    Prompt(prompt::Prompt),
    /// After a prompt: the stick was pulled, or held results were imported without a stick.
    PromptEnd(prompt::End),
    /// The terminal waits for answers.
    Waiting {
        /// Answered so far.
        answered: usize,
        /// Handed over.
        total: usize,
        /// Seconds left of the wait.
        left_secs: u64,
        /// What the step did before.
        work: status::Work,
    },
    /// Done: the stick may be removed.
    Done(engine::Outcome),
    /// Refused or failed: what happened, what to do, detail.
    Problem(String, String, String),
    /// The audit log.
    History(history::History),
    /// The set-up wizard (first start).
    Setup(setup::Wizard),
    /// The settings.
    Settings(settings::Form),
    /// The owner's self-test of this PC: `None` while it runs, then the report.
    Selftest(Option<String>),
    /// The owner PIN is asked before an owner action ([`owner`]).
    Owner(owner::Gate),
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
    /// Something else on the import prompt (row click, 取り込まない, the question).
    Prompt(prompt::Msg),
    /// 保留中の結果を取り込む (home screen, clinic): the prompt for held results, no stick.
    ImportHeld,
    /// 今すぐ終了 (terminal: stop waiting for answers).
    FinishNow,
    /// Back to the home screen.
    Home,
    /// Show the audit log.
    History,
    /// Something happened on the history screen.
    HistoryView(history::Msg),
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
    /// The owner PIN gate and the owner's part of the settings ([`owner`]).
    Owner(owner::Message),
    /// The window's close button: the app stays resident (minimised).
    CloseRequested(window::Id),
    /// このPCを点検する (settings screen).
    RunSelftest,
    /// The self-test finished: its report.
    SelftestDone(String),
    /// Save the self-test report on the desktop.
    SaveSelftest,
    /// The window opened: fit it to the screen.
    Opened(window::Id),
    /// The screen's logical size (work area estimate) arrived.
    Fit(window::Id, Option<iced::Size>),
    /// Bring the window to the front (a second start, the notification-area icon or its 開く).
    ShowWindow,
    /// 終了 in the notification-area menu (ends the app after the owner PIN).
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
    /// The stick of the step running now (`None`: no step, or held results without a stick).
    step_stick: Option<PathBuf>,
    /// The refused stick that can be enrolled from the refusal screen.
    pub enrollable: Option<PathBuf>,
    /// The stick whose step completed and that is still in (home then says 「取り外せます」).
    pub finished: Option<PathBuf>,
    /// The state last shown in the notification-area icon's tooltip.
    tray_words: &'static str,
    /// The current screen.
    pub screen: Screen,
    /// The home screen's figures.
    pub info: Info,
    /// A one-line notice (e.g. where the CSV went).
    pub notice: Option<String>,
    decide: Option<mpsc::Sender<engine::Decision>>,
    stop: Option<Arc<AtomicBool>>,
    installers: Installers,
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
            step_stick: None,
            enrollable: None,
            finished: None,
            tray_words: text::ST_IDLE,
            info: Info::default(),
            notice: None,
            decide: None,
            stop: None,
            installers: Arc::new(|| Box::new(crate::update::SilentInstaller)),
        };
        app.refresh();
        app
    }

    /// The app with `installers` running updates and roll-backs instead of the NSIS
    /// installer (tests).
    #[doc(hidden)]
    pub fn with_installers(mut self, installers: Installers) -> Self {
        self.installers = installers;
        self
    }

    /// How large everything is drawn: the owner's 「文字を大きくする」 setting.
    pub fn scale(&self) -> f32 {
        if self.info.large_text {
            LARGE_TEXT
        } else {
            1.0
        }
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
            role: Some(inst.config.role),
            large_text: inst.config.large_text,
            care: st.care.map(|o| o.lines()).unwrap_or_default(),
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
                Screen::Working(_) | Screen::Prompt(_) | Screen::Waiting { .. }
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
        self.step_stick = Some(mount.clone());
        let handle = worker::spawn(inst, mount, opts, self.installers.clone());
        self.decide = Some(handle.decide);
        self.stop = Some(handle.stop);
        self.notice = None;
        self.screen = Screen::Working(status::Work::default());
        Some(handle.events)
    }

    /// Handles a message. A notice belongs to the screen it was given on: it is cleared when the
    /// screen changes (unless the same message set a new one).
    pub fn update(&mut self, message: Message) -> Task<Message> {
        let screen = std::mem::discriminant(&self.screen);
        let notice = self.notice.clone();
        let task = self.handle(message);
        if std::mem::discriminant(&self.screen) != screen && self.notice == notice {
            self.notice = None;
        }
        // The notification-area icon says the same state as the banner.
        let words = self.state_words();
        if self.tray_words != words {
            desktop::set_state_text(words);
            self.tray_words = words;
        }
        task
    }

    fn handle(&mut self, message: Message) -> Task<Message> {
        match message {
            Message::Drive(detect::Event::Arrived(v)) => {
                self.stick = Some(v.mount.clone());
                if matches!(self.screen, Screen::Setup(_)) {
                    return to_front(); // the wizard uses the stick when asked
                }
                // The owner is at work: the stick is only offered for enrolment in the settings.
                if matches!(self.screen, Screen::Settings(_) | Screen::Owner(_)) {
                    let unenrolled = self.unenrolled_stick();
                    if let Screen::Settings(form) = &mut self.screen {
                        form.owner.unenrolled = unenrolled;
                    }
                    return Task::none();
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
                    desktop::notify(text::NOTIFY_ARRIVED_TITLE, text::NOTIFY_ARRIVED_BODY);
                    return Task::batch([to_front(), Task::run(events, Message::Worker)]);
                }
            }
            Message::Drive(detect::Event::Removed(mount)) => {
                if self.stick.as_ref() == Some(&mount) {
                    self.stick = None;
                }
                if self.finished.as_ref() == Some(&mount) {
                    self.finished = None;
                }
                if prompt::is_prompt(&self.screen) && self.step_stick.as_ref() == Some(&mount) {
                    // Pulled while staff decide: hold everything, write nothing to a stick
                    // that is gone; the worker ends the step and the window says so.
                    self.send(engine::Decision {
                        stick_removed: true,
                        ..engine::Decision::later()
                    });
                }
                if self.enrollable.as_ref() == Some(&mount) {
                    self.enrollable = None;
                }
                if let Screen::Settings(form) = &mut self.screen
                    && form.owner.unenrolled.as_ref() == Some(&mount)
                {
                    form.owner.unenrolled = None;
                }
                if matches!(self.screen, Screen::Done(_) | Screen::Problem(..)) {
                    self.screen = Screen::Home;
                    self.enrollable = None;
                    self.refresh();
                }
            }
            Message::Worker(event) => self.on_worker(event),
            Message::Toggle(i, on) => {
                if let Screen::Prompt(p) = &mut self.screen {
                    p.set(i, on);
                }
            }
            Message::SelectAll => {
                if let Screen::Prompt(p) = &mut self.screen {
                    p.selected.iter_mut().for_each(|s| *s = true);
                }
            }
            Message::Import => {
                if let Screen::Prompt(p) = &mut self.screen
                    && let Some(d) = p.import()
                {
                    self.send(d);
                }
            }
            Message::Later => {
                if let Screen::Prompt(p) = &self.screen {
                    let d = p.later();
                    self.send(d);
                }
            }
            Message::Prompt(m) => {
                if let Screen::Prompt(p) = &mut self.screen
                    && let Some(d) = p.update(m)
                {
                    self.send(d);
                }
            }
            Message::ImportHeld => {
                if let Some(events) = self.start_held() {
                    return Task::run(events, Message::Worker);
                }
            }
            Message::FinishNow => {
                if let Some(stop) = &self.stop {
                    stop.store(true, Ordering::Relaxed);
                }
            }
            Message::Home => self.go_home(),
            Message::History => {
                return self.show_history(history::Period::default(), history::Show::default());
            }
            Message::HistoryView(m) => return self.on_history(m),
            Message::ExportCsv => self.export_csv(),
            Message::Key(iced::keyboard::Event::KeyPressed { key, modifiers, .. }) => {
                use iced::keyboard::key::{Key, Named};
                if let Screen::Prompt(p) = &mut self.screen {
                    let tab = key == Key::Named(Named::Tab);
                    if let Some(d) = p.key(&key, modifiers.shift()) {
                        self.send(d);
                        return Task::none();
                    }
                    // Keep the focused row in sight.
                    return match p.focus_offset() {
                        Some(y) if tab => iced::widget::operation::snap_to(
                            prompt::LIST,
                            iced::widget::operation::RelativeOffset { x: 0.0, y },
                        ),
                        _ => Task::none(),
                    };
                }
                match (&self.screen, key) {
                    // Esc leaves a finished or secondary screen; it never quits the app.
                    (
                        Screen::PromptEnd(_)
                        | Screen::Done(_)
                        | Screen::Problem(..)
                        | Screen::History(_)
                        | Screen::Selftest(Some(_)),
                        Key::Named(Named::Escape),
                    ) => self.go_home(),
                    (Screen::Settings(_), Key::Named(Named::Escape)) => {
                        return self.on_owner(owner::Message::Leave);
                    }
                    (Screen::Owner(_), Key::Named(Named::Escape)) => {
                        return self.on_owner(owner::Message::Cancel);
                    }
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
            Message::ShowSettings => return self.owner_gate(owner::Action::Settings),
            Message::Owner(m) => return self.on_owner(m),
            Message::Settings(m) => {
                // Only a save changes what the home screen shows; keystrokes do not refresh it.
                let saved = matches!(
                    m,
                    settings::Message::Save
                        | settings::Message::Terminal(care::Message::Send)
                        | settings::Message::Update(updates::Message::Stage)
                );
                if let Screen::Settings(form) = &mut self.screen
                    && let Some(inst) = &self.inst
                    && let Ok(mut inst) = inst.try_lock()
                {
                    form.update(m, &mut inst, &self.installers);
                }
                if saved {
                    self.refresh();
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
            Message::Opened(id) => {
                return window::monitor_size(id).map(move |size| Message::Fit(id, size));
            }
            Message::Fit(id, Some(screen)) => {
                let (w, h) = fit(screen);
                if (w, h) != WINDOW_SIZE {
                    return Task::batch([
                        window::resize(id, iced::Size::new(w, h)),
                        window::move_to(id, iced::Point::ORIGIN),
                    ]);
                }
            }
            Message::Fit(_, None) => {}
            Message::SaveSelftest => {
                if let Screen::Selftest(Some(report)) = &self.screen {
                    self.notice = Some(report::save_report(report));
                }
            }
            Message::ShowWindow => return to_front(),
            // Ending the app is the owner's: the PIN first (a step still running is never cut).
            // Before set-up there is nothing to guard (and no PIN yet): it just ends.
            Message::QuitRequested => {
                if self.decide.is_some() {
                    return to_front();
                }
                if self.inst.is_none() {
                    desktop::stop_tray();
                    return iced::exit();
                }
                return Task::batch([to_front(), self.owner_gate(owner::Action::Quit)]);
            }
        }
        Task::none()
    }

    fn go_home(&mut self) {
        self.screen = Screen::Home;
        self.enrollable = None;
        self.refresh();
    }

    fn on_worker(&mut self, event: worker::Event) {
        match event {
            worker::Event::Prompt(rows) => {
                // Flagged rows and rows held before start unticked (see `review`).
                self.screen = Screen::Prompt(prompt::Prompt::new(rows));
            }
            worker::Event::Progress(p) => self.on_progress(p),
            worker::Event::Done(outcome) => {
                self.finished = self.stick.clone();
                self.decide = None;
                self.stop = None;
                let stick = self.step_stick.take();
                self.screen = if outcome.stick_removed {
                    Screen::PromptEnd(prompt::End::StickPulled { kept: outcome.held })
                } else if stick.is_none() {
                    Screen::PromptEnd(prompt::End::Held(outcome))
                } else {
                    desktop::notify(text::NOTIFY_DONE_TITLE, text::NOTIFY_DONE_BODY);
                    Screen::Done(outcome)
                };
                self.refresh();
            }
            worker::Event::Failed(failure) => {
                self.step_stick = None;
                self.decide = None;
                self.stop = None;
                self.enrollable = failure.enrollable;
                self.screen = Screen::Problem(failure.what, failure.hint, failure.detail);
                self.refresh();
            }
        }
    }

    /// Sends staff's decision to the running step and shows it working.
    fn send(&mut self, decision: engine::Decision) {
        if let Some(d) = &self.decide {
            let _ = d.send(decision);
        }
        self.screen = Screen::Working(status::Work::default());
    }

    /// Clinic, no stick: starts the prompt for the held results (保留中の結果を取り込む);
    /// returns the worker's event stream like [`App::start`].
    pub fn start_held(
        &mut self,
    ) -> Option<iced::futures::channel::mpsc::UnboundedReceiver<worker::Event>> {
        let inst = self.inst.clone()?;
        if self.decide.is_some() || !matches!(self.screen, Screen::Home) {
            return None;
        }
        let handle = worker::spawn_held(inst);
        self.step_stick = None;
        self.decide = Some(handle.decide);
        self.stop = Some(handle.stop);
        self.notice = None;
        self.screen = Screen::Working(status::Work::default());
        Some(handle.events)
    }

    /// Stick arrivals, the keyboard, the close button and the desktop's requests.
    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            Subscription::run_with(self.source.clone(), drive_events),
            iced::keyboard::listen().map(Message::Key),
            window::close_requests().map(Message::CloseRequested),
            window::open_events().map(Message::Opened),
            Subscription::run(desktop::requests),
        ])
    }

    /// The window's content: the title line, the state banner (one state at a time, from the
    /// step's real state) and the screen's body.
    pub fn view(&self) -> Element<'_, Message> {
        use theme::Tone;
        let role = self.info.role;
        let (banner, body): (Option<Element<'_, Message>>, Element<'_, Message>) =
            match &self.screen {
                Screen::Setup(w) => (None, w.view(self.stick.is_some()).map(Message::Setup)),
                Screen::Home => (Some(self.home_banner()), self.home_view()),
                Screen::Working(work) => (
                    Some(theme::banner(
                        Tone::Busy,
                        text::ST_BUSY,
                        Some(text::ST_BUSY_LINE),
                    )),
                    work.view(),
                ),
                Screen::Prompt(p) => (
                    // No second line: the rows need the room on a small screen.
                    Some(theme::banner(Tone::YourTurn, text::ST_YOUR_TURN, None)),
                    prompt::view(p),
                ),
                Screen::PromptEnd(end) => (
                    match end {
                        prompt::End::StickPulled { .. } => {
                            Some(theme::banner(Tone::Refused, text::ST_PULLED, None))
                        }
                        prompt::End::Held(_) => None,
                    },
                    prompt::end_view(end),
                ),
                Screen::Waiting {
                    answered,
                    total,
                    left_secs,
                    work,
                } => (
                    Some(theme::banner(
                        Tone::Busy,
                        text::ST_BUSY,
                        Some(text::ST_WAITING_LINE),
                    )),
                    status::waiting_view(*answered, *total, *left_secs, work),
                ),
                Screen::Done(o) => (
                    Some(theme::banner(
                        Tone::Safe,
                        text::ST_SAFE,
                        Some(match role {
                            Some(Role::Terminal) => text::ST_SAFE_TO_CLINIC,
                            _ => text::ST_SAFE_TO_TERMINAL,
                        }),
                    )),
                    status::done_view(o, role),
                ),
                // A stick that is not enrolled: one sentence, nothing to press (enrolling is the
                // owner's, in the settings behind the PIN).
                Screen::Problem(..) if self.enrollable.is_some() => (
                    Some(theme::banner(Tone::Refused, text::ST_FOREIGN, None)),
                    status::foreign_stick(),
                ),
                Screen::Problem(what, hint, detail) => (
                    Some(theme::banner(Tone::Refused, text::ST_REFUSED, None)),
                    status::problem_view(what, hint, detail),
                ),
                Screen::History(rows) => (None, history::view(rows)),
                Screen::Settings(form) => (
                    None,
                    column![
                        form.view(owner::panel_view(&form.owner, &self.info.sticks)),
                        owner::settings_buttons(&form.owner),
                    ]
                    .spacing(theme::GAP)
                    .into(),
                ),
                Screen::Owner(gate) => (None, owner::gate_view(gate)),
                Screen::Selftest(None) => (None, label(text::G_SELFTEST_RUNNING).size(22).into()),
                Screen::Selftest(Some(report)) => (
                    None,
                    column![
                        scrollable(label(report.as_str()).size(14)).height(Length::Fill),
                        row![
                            big_button(text::G_SELFTEST_SAVE, Message::SaveSelftest),
                            big_button(text::G_BACK, Message::Home)
                        ]
                        .spacing(16),
                    ]
                    .spacing(theme::GAP)
                    .into(),
                ),
            };
        let title = row![
            label(text::G_TITLE).size(15).color(theme::GREY),
            iced::widget::space::horizontal(),
            label(&self.info.role_line).size(15).color(theme::GREY),
        ]
        .spacing(12);
        let mut page = column![title].spacing(theme::GAP).padding([12, 18]);
        if let Some(banner) = banner {
            page = page.push(banner);
        }
        page = page.push(body);
        if let Some(n) = &self.notice {
            page = page.push(label(n.as_str()).size(theme::SMALL));
        }
        container(page)
            .width(Length::Fill)
            .height(Length::Fill)
            .style(theme::page)
            .into()
    }

    /// The step reported progress: the working screen shows it; the terminal's wait counts down.
    fn on_progress(&mut self, p: engine::Progress) {
        let mut work = match &self.screen {
            Screen::Working(w) | Screen::Waiting { work: w, .. } => w.clone(),
            _ => status::Work::default(),
        };
        match p {
            engine::Progress::Waiting {
                answered,
                total,
                left_secs,
            } => {
                self.screen = Screen::Waiting {
                    answered,
                    total,
                    left_secs,
                    work,
                };
                return;
            }
            other => work.note(other),
        }
        if matches!(self.screen, Screen::Working(_) | Screen::Waiting { .. }) {
            self.screen = Screen::Working(work);
        }
    }
}
