//! The desktop app (iced, Japanese): the resident window staff see.
//!
//! Owns the screens — home/status, the import prompt, the terminal's waiting screen, 「取り外せます」,
//! refusals, history — and how they follow each other. It has no logic of its own: a stick
//! arrival (from [`crate::detect`]) starts one engine step on a [`worker`] thread, and the
//! window shows what the worker reports. Compiled only with the `gui` feature; the library
//! works without it.

pub mod worker;

use crate::detect;
use crate::engine;
use crate::journal::{AuditRow, Dir};
use crate::state::{Home, Installation};
use crate::text;
use iced::futures::StreamExt;
use iced::widget::{button, checkbox, column, container, row, scrollable, text as label};
use iced::{Color, Element, Font, Length, Subscription, Task};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// The bundled Japanese font (IPAexGothic, IPA Font License v1.0; see `packaging/fonts/`).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/ipaexg.ttf");
/// The bundled font's family name.
pub const FONT_NAME: &str = "IPAexGothic";

const RED: Color = Color::from_rgb(0.72, 0.08, 0.08);
const ORANGE: Color = Color::from_rgb(0.78, 0.42, 0.0);
const GREEN: Color = Color::from_rgb(0.05, 0.45, 0.15);

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
    /// This PC is not set up yet.
    NotSetUp,
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
}

/// The app's state.
pub struct App {
    inst: Option<Arc<Mutex<Installation>>>,
    source: Source,
    opts: engine::Options,
    auto_import: bool,
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
    /// Opens the installation at `home` (or shows the set-up notice) and watches `source`.
    pub fn new(home: Home, source: Source, opts: engine::Options) -> Self {
        let inst = home.load().ok().map(|i| Arc::new(Mutex::new(i)));
        let mut app = Self {
            screen: if inst.is_some() {
                Screen::Home
            } else {
                Screen::NotSetUp
            },
            inst,
            source,
            opts,
            auto_import: false,
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
        let j = &inst.journal;
        let peer = inst
            .peer
            .as_ref()
            .map_or(text::NOT_PAIRED_YET.to_owned(), |p| p.label.clone());
        self.info = Info {
            role_line: text::g_role_line(inst.config.role.as_str(), &peer),
            in_transit: j.items(Dir::Out, &["queued"]).map(|v| v.len()).unwrap_or(0),
            to_import: j
                .items(Dir::In, &["pending", "held"])
                .map(|v| v.len())
                .unwrap_or(0),
            awaiting: j.awaiting().map(|v| v.len()).unwrap_or(0),
            last_trip: j
                .get_meta("last_trip")
                .ok()
                .flatten()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| {
                    t.with_timezone(&chrono::Local)
                        .format("%Y/%m/%d %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|| text::NO_VALUE.to_owned()),
            sticks: j
                .sticks()
                .map(|v| {
                    v.into_iter()
                        .filter(|s| s.revoked.is_none())
                        .map(|s| (s.label, s.id))
                        .collect()
                })
                .unwrap_or_default(),
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
        let handle = worker::spawn(inst, mount, self.opts.clone(), self.auto_import);
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
                if !detect::has_courier_folder(&v.mount) {
                    return Task::none(); // not a courier stick: never touched
                }
                if let Some(events) = self.start(v.mount) {
                    return Task::run(events, Message::Worker);
                }
            }
            Message::Drive(detect::Event::Removed(_)) => {
                if matches!(self.screen, Screen::Done(_) | Screen::Problem(..)) {
                    self.screen = Screen::Home;
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
            Message::Home => {
                self.screen = Screen::Home;
                self.refresh();
            }
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
                if matches!(self.screen, Screen::Prompt { .. }) {
                    match key {
                        Key::Named(Named::Enter) => self.decide_prompt(true),
                        Key::Named(Named::Escape) => self.decide_prompt(false),
                        _ => {}
                    }
                }
            }
            Message::Key(_) => {}
        }
        Task::none()
    }

    fn on_worker(&mut self, event: worker::Event) {
        match event {
            worker::Event::Prompt(rows) => {
                let selected = vec![true; rows.len()];
                self.screen = Screen::Prompt { rows, selected };
            }
            worker::Event::Waiting(answered, total) => {
                self.screen = Screen::Waiting { answered, total }
            }
            worker::Event::Done(outcome) => {
                self.decide = None;
                self.stop = None;
                self.screen = Screen::Done(outcome);
                self.refresh();
            }
            worker::Event::Failed(what, hint, detail) => {
                self.decide = None;
                self.stop = None;
                self.screen = Screen::Problem(what, hint, detail);
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

    fn export_csv(&mut self) {
        let Some(inst) = &self.inst else { return };
        let Ok(inst) = inst.try_lock() else { return };
        let rows = inst.journal.audit_rows(None).unwrap_or_default();
        let mut out = format!("\u{feff}{}\r\n", text::LOG_CSV_HEADER);
        for r in &rows {
            out.push_str(&engine::audit_csv_line(r));
            out.push_str("\r\n");
        }
        let path = inst.home.path().join(format!(
            "作業履歴-{}.csv",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        self.notice = Some(match std::fs::write(&path, out) {
            Ok(()) => text::g_exported(&path.display().to_string()),
            Err(e) => format!("{} ({e})", text::E_STATE_IO),
        });
    }

    /// Stick arrivals and the keyboard.
    pub fn subscription(&self) -> Subscription<Message> {
        Subscription::batch([
            Subscription::run_with(self.source.clone(), drive_events),
            iced::keyboard::listen().map(Message::Key),
        ])
    }

    /// The window's content.
    pub fn view(&self) -> Element<'_, Message> {
        let state_line = match &self.screen {
            Screen::Working | Screen::Prompt { .. } | Screen::Waiting { .. } => {
                label(text::PROCESSING).size(26)
            }
            Screen::Done(_) => label(text::G_DONE).size(30).color(GREEN),
            Screen::Problem(..) => label(text::G_PROBLEM).size(26).color(RED),
            _ => label(text::INSERT_STICK).size(26),
        };
        let body: Element<'_, Message> = match &self.screen {
            Screen::Home => self.home_view(),
            Screen::NotSetUp => label(text::G_NOT_SET_UP).size(18).into(),
            Screen::Working => label(text::G_WORKING).size(20).into(),
            Screen::Prompt { rows, selected } => prompt_view(rows, selected),
            Screen::Waiting { answered, total } => column![
                label(text::waiting(*answered, *total)).size(28),
                iced::widget::progress_bar(0.0..=(*total).max(1) as f32, *answered as f32)
                    .girth(24),
                big_button(text::G_FINISH_NOW, Message::FinishNow),
            ]
            .spacing(16)
            .into(),
            Screen::Done(o) => done_view(o),
            Screen::Problem(what, hint, detail) => column![
                label(what.as_str()).size(22).color(RED),
                label(format!("{}: {hint}", text::HINT_LABEL)).size(18),
                label(format!("{}: {detail}", text::DETAIL_LABEL)).size(13),
                big_button(text::G_BACK, Message::Home),
            ]
            .spacing(14)
            .into(),
            Screen::History(rows) => history_view(rows),
        };
        let mut page = column![
            label(text::G_TITLE).size(16),
            label(&self.info.role_line).size(16),
            state_line,
            body
        ]
        .spacing(14)
        .padding(20);
        if let Some(n) = &self.notice {
            page = page.push(label(n.as_str()).size(14));
        }
        container(page)
            .width(Length::Fill)
            .height(Length::Fill)
            .into()
    }

    fn home_view(&self) -> Element<'_, Message> {
        let i = &self.info;
        let sticks = if i.sticks.is_empty() {
            text::NO_VALUE.to_owned()
        } else {
            i.sticks
                .iter()
                .map(|(l, _)| l.as_str())
                .collect::<Vec<_>>()
                .join("、")
        };
        column![
            label(format!(
                "運搬中（相手の受け取り確認待ち）: {} 件",
                i.in_transit
            ))
            .size(18),
            label(format!("取り込み待ち・保留中の結果: {} 件", i.to_import)).size(18),
            label(format!("応答待ちの照会: {} 件", i.awaiting)).size(18),
            label(format!("最後の作業: {}", i.last_trip)).size(18),
            label(format!("登録済みUSBメモリ: {sticks}")).size(18),
            big_button(text::G_HISTORY, Message::History),
        ]
        .spacing(10)
        .into()
    }
}

fn big_button(caption: &str, on: Message) -> Element<'_, Message> {
    button(label(caption).size(22))
        .padding([12, 28])
        .on_press(on)
        .into()
}

fn prompt_view<'a>(rows: &'a [worker::Row], selected: &'a [bool]) -> Element<'a, Message> {
    let header = row(text::G_COLUMNS
        .iter()
        .map(|c| label(*c).size(15).width(Length::FillPortion(2)).into()))
    .spacing(8);
    let mut list = column![header].spacing(8);
    for (i, r) in rows.iter().enumerate() {
        let colour = if r.problem {
            RED
        } else if r.stale {
            ORANGE
        } else {
            Color::BLACK
        };
        let cell = |s: &'a str| {
            label(s)
                .size(17)
                .color(colour)
                .width(Length::FillPortion(2))
        };
        let mark = if r.stale || r.problem { "!" } else { "" };
        let line = row![
            checkbox(selected.get(i).copied().unwrap_or(false))
                .on_toggle(move |on| Message::Toggle(i, on)),
            label(mark).size(17).color(colour),
            cell(&r.kind),
            cell(&r.name),
            cell(&r.kana),
            cell(&r.birth),
            cell(&r.insurer),
            cell(&r.validity),
            cell(&r.age),
        ]
        .spacing(8);
        list = list.push(line);
        if !r.note.is_empty() {
            list = list.push(label(format!("　　{}", r.note)).size(14).color(colour));
        }
    }
    column![
        label(format!("{}（{} 件）", text::G_IMPORT_HEADING, rows.len())).size(22),
        label(text::G_IMPORT_NOTE).size(14),
        scrollable(list).height(Length::Fill),
        row![
            big_button(text::G_IMPORT, Message::Import),
            big_button(text::G_LATER, Message::Later),
            button(label(text::G_SELECT_ALL).size(16))
                .padding([10, 18])
                .on_press(Message::SelectAll),
        ]
        .spacing(16),
    ]
    .spacing(12)
    .into()
}

fn done_view(o: &engine::Outcome) -> Element<'_, Message> {
    let mut c = column![].spacing(10);
    if o.published > 0 || o.held > 0 {
        c = c.push(label(text::g_imported(o.published, o.held)).size(20));
    }
    if o.sent > 0 {
        c = c.push(label(text::g_sent(o.sent)).size(20));
    }
    if o.awaiting > 0 {
        c = c.push(
            label(text::still_awaiting(o.awaiting))
                .size(18)
                .color(ORANGE),
        );
    }
    c.push(big_button(text::G_BACK, Message::Home)).into()
}

fn history_view(rows: &[AuditRow]) -> Element<'_, Message> {
    let mut list = column![].spacing(4);
    for r in rows {
        let line = format!(
            "{}  {}  {}  {}  {}",
            r.time.get(..19).unwrap_or(&r.time),
            r.outcome,
            r.file.as_deref().unwrap_or(""),
            r.summary.as_deref().unwrap_or(""),
            r.reason.as_deref().unwrap_or("")
        );
        list = list.push(label(line).size(14).font(Font::MONOSPACE));
    }
    column![
        label(text::G_HISTORY_HEADING).size(22),
        scrollable(list).height(Length::Fill),
        row![
            big_button(text::G_EXPORT, Message::ExportCsv),
            big_button(text::G_BACK, Message::Home)
        ]
        .spacing(16),
    ]
    .spacing(12)
    .into()
}

/// Stick arrivals and removals, from a watcher thread (polls about once a second; idle cost is
/// one volume-list query per second).
fn drive_events(source: &Source) -> impl iced::futures::Stream<Item = Message> + use<> {
    let (tx, rx) = iced::futures::channel::mpsc::unbounded();
    let src: Box<dyn detect::VolumeSource + Send> = match source {
        Source::System => Box::new(detect::SysinfoSource::new()),
        Source::Folder(p) => Box::new(detect::PathSource::new(p.clone())),
    };
    std::thread::spawn(move || {
        let mut w = detect::Watcher::new(src);
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

/// Runs the window until it is closed.
pub fn run(home: Home, source: Source, opts: engine::Options) -> iced::Result {
    iced::application(
        move || App::new(home.clone(), source.clone(), opts.clone()),
        App::update,
        App::view,
    )
    .title(|_: &App| text::G_TITLE.to_owned())
    .subscription(App::subscription)
    .font(FONT)
    .default_font(Font::with_name(FONT_NAME))
    .window_size((960.0, 640.0))
    .run()
}
