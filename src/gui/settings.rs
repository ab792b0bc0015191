//! The settings screen (設定): folders, response wait, retention, the wait for incomplete files,
//! file kinds, auto-import and the Defender scan.
//!
//! Owns the form and what it shows. Checking and saving are the state module's
//! ([`Config::validate`], [`Installation::save_config`], written atomically); the form only
//! turns typed text into a [`Config`].

use super::theme::{GREEN, RED};
use crate::state::{Config, Installation, KIND_GROUPS};
use crate::text;
use iced::widget::{checkbox, column, row, scrollable, text as label, text_input};
use iced::{Element, Length};
use std::path::PathBuf;

/// One switch per [`KIND_GROUPS`] entry: on for the groups in `kinds`.
pub(super) fn kind_switches(kinds: &[String]) -> Vec<bool> {
    KIND_GROUPS
        .iter()
        .map(|g| kinds.iter().any(|k| k == g))
        .collect()
}

/// The [`KIND_GROUPS`] entries whose switch is on.
pub(super) fn chosen_kinds(switches: &[bool]) -> Vec<String> {
    KIND_GROUPS
        .iter()
        .zip(switches)
        .filter(|(_, on)| **on)
        .map(|(g, _)| (*g).to_owned())
        .collect()
}

/// The row of file-kind check boxes; `on` says which was switched.
pub(super) fn kinds_row<'a, M: Clone + 'a>(
    switches: &[bool],
    on: impl Fn(usize, bool) -> M + Copy + 'a,
) -> Element<'a, M> {
    row(KIND_GROUPS.iter().enumerate().map(|(i, _)| {
        checkbox(switches.get(i).copied().unwrap_or(false))
            .label(text::S_KIND_NAMES.get(i).copied().unwrap_or(""))
            .on_toggle(move |v| on(i, v))
            .size(20)
            .text_size(16)
            .into()
    }))
    .spacing(18)
    .into()
}

/// The form as typed.
#[derive(Clone, Debug)]
pub struct Form {
    /// The OQS folder.
    pub oqs_dir: String,
    /// This PC's name.
    pub label: String,
    /// Response wait, seconds.
    pub wait: String,
    /// Retention, days.
    pub retention: String,
    /// Longest wait for an incomplete file, seconds.
    pub incomplete_wait: String,
    /// One switch per [`KIND_GROUPS`] entry.
    pub kinds: Vec<bool>,
    /// Auto-import.
    pub auto_import: bool,
    /// Defender scan.
    pub defender: bool,
    /// Larger text in the desktop app.
    pub large_text: bool,
    /// Where the app keeps its data (shown, not editable).
    pub state_dir: String,
    /// The result of the last 保存.
    pub result: Option<Result<(), String>>,
    /// The owner's part: sticks, PIN, the unsaved-changes question ([`super::owner`]).
    pub owner: super::owner::Panel,
    /// Clinic: the terminal's settings, sent with the next package ([`super::care`]).
    pub terminal: Option<Box<super::care::Form>>,
    /// Updates: sending one to the terminal (clinic), rolling back (terminal)
    /// ([`super::updates`]).
    pub updates: Box<super::updates::Part>,
}

/// What the owner did on the settings screen.
#[derive(Clone, Debug)]
pub enum Message {
    /// The OQS folder changed.
    OqsDir(String),
    /// This PC's name changed.
    Label(String),
    /// The response wait changed.
    Wait(String),
    /// The retention changed.
    Retention(String),
    /// The incomplete-file wait changed.
    IncompleteWait(String),
    /// A file kind was switched.
    Kind(usize, bool),
    /// Auto-import was switched.
    AutoImport(bool),
    /// The Defender scan was switched.
    Defender(bool),
    /// Larger text was switched.
    LargeText(bool),
    /// 保存.
    Save,
    /// Something in the terminal's settings (clinic).
    Terminal(super::care::Message),
    /// Something in the updates part.
    Update(super::updates::Message),
}

impl Form {
    /// The form showing `inst`'s settings.
    pub fn new(inst: &Installation) -> Self {
        let c = &inst.config;
        Self {
            oqs_dir: c.oqs_dir.display().to_string(),
            label: c.label.clone(),
            wait: c.response_wait_secs.to_string(),
            retention: c.retention_days.to_string(),
            incomplete_wait: c.incomplete_wait_secs.to_string(),
            kinds: kind_switches(&c.kinds),
            auto_import: c.auto_import,
            defender: c.defender_scan,
            large_text: c.large_text,
            state_dir: inst.home.path().display().to_string(),
            result: None,
            owner: super::owner::Panel::default(),
            terminal: (c.role == crate::state::Role::Clinic)
                .then(|| Box::new(super::care::Form::new(inst))),
            updates: Box::new(super::updates::Part::new(inst)),
        }
    }

    /// Whether the form differs from the saved `config` (leaving then asks to save).
    pub fn changed(&self, config: &Config) -> bool {
        let json = |c: &Config| serde_json::to_value(c).ok();
        json(&self.config(config)) != json(config)
    }

    /// The config the form describes (numbers that do not parse become 0 and fail validation).
    pub fn config(&self, base: &Config) -> Config {
        Config {
            oqs_dir: PathBuf::from(self.oqs_dir.trim()),
            label: self.label.trim().to_owned(),
            response_wait_secs: self.wait.trim().parse().unwrap_or(0),
            retention_days: self.retention.trim().parse().unwrap_or(0),
            incomplete_wait_secs: self.incomplete_wait.trim().parse().unwrap_or(0),
            kinds: chosen_kinds(&self.kinds),
            auto_import: self.auto_import,
            defender_scan: self.defender,
            large_text: self.large_text,
            ..base.clone()
        }
    }

    /// Handles a message; 保存 validates and writes `config.json`. `installers` runs an
    /// installer (a roll-back of oqs-courier, terminal).
    pub fn update(
        &mut self,
        message: Message,
        inst: &mut Installation,
        installers: &super::Installers,
    ) {
        self.result = None;
        match message {
            Message::OqsDir(v) => self.oqs_dir = v,
            Message::Label(v) => self.label = v,
            Message::Wait(v) => self.wait = v,
            Message::Retention(v) => self.retention = v,
            Message::IncompleteWait(v) => self.incomplete_wait = v,
            Message::Kind(i, on) => {
                if let Some(k) = self.kinds.get_mut(i) {
                    *k = on;
                }
            }
            Message::AutoImport(on) => self.auto_import = on,
            Message::Defender(on) => self.defender = on,
            Message::LargeText(on) => self.large_text = on,
            Message::Terminal(m) => {
                if let Some(t) = &mut self.terminal {
                    t.update(m, inst);
                }
            }
            Message::Update(m) => self.updates.update(m, inst, &mut *installers()),
            Message::Save => {
                let config = self.config(&inst.config);
                self.result = Some(match config.validate() {
                    Err(why) => Err(why.to_owned()),
                    Ok(()) => inst
                        .save_config(config)
                        .map_err(|e| crate::Error::from(e).message().to_owned()),
                });
            }
        }
    }

    /// The settings page with `extra` (the owner's part) at the end of the scrolled form (the
    /// parent adds 保存 and 戻る).
    pub fn view<'a>(&'a self, extra: Element<'a, super::Message>) -> Element<'a, super::Message> {
        let field = |caption: &'static str, value: &str, on: fn(String) -> Message| {
            column![
                label(caption).size(15),
                text_input("", value)
                    .on_input(on)
                    .on_submit(Message::Save)
                    .size(17)
                    .padding(6)
            ]
            .spacing(4)
        };
        let kinds = kinds_row(&self.kinds, Message::Kind);
        let defender = row![
            checkbox(self.defender)
                .label(text::S_DEFENDER)
                .on_toggle(Message::Defender)
                .size(20)
                .text_size(16)
        ]
        .spacing(8);
        // Said on every system (the snapshots are the same everywhere); the scan itself is a
        // no-op off Windows (`engine::defender_scan`).
        let defender = defender.push(label(text::S_DEFENDER_WINDOWS_ONLY).size(14));
        let numbers = row![
            field(text::S_WAIT, &self.wait, Message::Wait).width(Length::FillPortion(1)),
            field(text::S_RETENTION, &self.retention, Message::Retention)
                .width(Length::FillPortion(1)),
            field(
                text::S_INCOMPLETE_WAIT,
                &self.incomplete_wait,
                Message::IncompleteWait
            )
            .width(Length::FillPortion(1)),
        ]
        .spacing(16);
        let form = column![
            field(text::S_OQS_DIR, &self.oqs_dir, Message::OqsDir),
            field(text::S_LABEL, &self.label, Message::Label),
            numbers,
            label(text::S_KINDS).size(15),
            kinds,
            checkbox(self.auto_import)
                .label(text::S_AUTO_IMPORT)
                .on_toggle(Message::AutoImport)
                .size(20)
                .text_size(16),
            defender,
            checkbox(self.large_text)
                .label(text::S_LARGE_TEXT)
                .on_toggle(Message::LargeText)
                .size(20)
                .text_size(16),
            label(format!("{}: {}", text::S_STATE_DIR, self.state_dir)).size(13),
        ]
        .spacing(10)
        .padding([0, 12]);
        let form: Element<'a, super::Message> = Element::from(form).map(super::Message::Settings);
        let mut form = column![form, iced::widget::container(extra).padding([0, 12])].spacing(18);
        // Clinic: the terminal's settings last, after this PC's own and the owner's part.
        if let Some(t) = &self.terminal {
            let part =
                Element::from(t.view()).map(|m| super::Message::Settings(Message::Terminal(m)));
            form = form.push(iced::widget::container(part).padding([0, 12]));
        }
        let part = self
            .updates
            .view()
            .map(|m| super::Message::Settings(Message::Update(m)));
        form = form.push(iced::widget::container(part).padding([0, 12]));
        let mut page: iced::widget::Column<'a, super::Message> = column![
            label(text::S_TITLE).size(22),
            scrollable(form).height(Length::Fill),
        ]
        .spacing(10);
        match &self.result {
            Some(Ok(())) => page = page.push(label(text::S_SAVED).size(17).color(GREEN)),
            Some(Err(why)) => page = page.push(label(why.as_str()).size(17).color(RED)),
            None => {}
        }
        page.into()
    }
}
