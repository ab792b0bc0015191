//! The clinic's settings screen, part 資格確認端末の設定: the owner (already past the PIN gate of
//! the settings) changes the terminal's response wait, retention, file kinds and Defender scan;
//! 「端末に送る」 keeps the change for the next package ([`crate::care::send_settings`]) and the
//! home screen says when the terminal confirmed it.

use super::theme::{GREEN, ORANGE, RED};
use crate::care;
use crate::package::TerminalSettings;
use crate::state::Installation;
use crate::text;
use iced::widget::{checkbox, column, row, text as label, text_input};
use iced::{Element, Length};

/// The terminal's settings as typed.
#[derive(Clone, Debug)]
pub struct Form {
    /// Response wait, seconds.
    pub wait: String,
    /// Retention, days.
    pub retention: String,
    /// One switch per [`crate::state::KIND_GROUPS`] entry.
    pub kinds: Vec<bool>,
    /// Defender scan.
    pub defender: bool,
    /// The values come from the terminal's report or an earlier change (else the defaults).
    pub known: bool,
    /// The result of the last 「端末に送る」: the revision, or why not.
    pub result: Option<Result<u64, String>>,
}

/// What the owner did in this part.
#[derive(Clone, Debug)]
pub enum Message {
    /// The response wait changed.
    Wait(String),
    /// The retention changed.
    Retention(String),
    /// A file kind was switched.
    Kind(usize, bool),
    /// The Defender scan was switched.
    Defender(bool),
    /// 端末に送る.
    Send,
}

impl Form {
    /// The form showing what the clinic knows of the terminal's settings.
    pub fn new(inst: &Installation) -> Self {
        let (s, known) = care::known_settings(inst).unwrap_or_else(|_| {
            (
                care::current_settings(&crate::state::Config::defaults(inst.config.role), 0),
                false,
            )
        });
        Self {
            wait: s.response_wait_secs.to_string(),
            retention: s.retention_days.to_string(),
            kinds: super::settings::kind_switches(&s.kinds),
            defender: s.defender_scan,
            known,
            result: None,
        }
    }

    /// The settings the form describes (numbers that do not parse become 0 and are refused).
    pub fn settings(&self) -> TerminalSettings {
        TerminalSettings {
            rev: 0,
            response_wait_secs: self.wait.trim().parse().unwrap_or(0),
            retention_days: self.retention.trim().parse().unwrap_or(0),
            kinds: super::settings::chosen_kinds(&self.kinds),
            defender_scan: self.defender,
        }
    }

    /// Handles a message; 端末に送る checks and keeps the change (audited).
    pub fn update(&mut self, message: Message, inst: &Installation) {
        self.result = None;
        match message {
            Message::Wait(v) => self.wait = v,
            Message::Retention(v) => self.retention = v,
            Message::Kind(i, on) => {
                if let Some(k) = self.kinds.get_mut(i) {
                    *k = on;
                }
            }
            Message::Defender(on) => self.defender = on,
            Message::Send => {
                self.result = Some(
                    match care::send_settings(inst, self.settings(), &crate::state::actor()) {
                        Ok(Ok(rev)) => Ok(rev),
                        Ok(Err(why)) => Err(why.to_owned()),
                        Err(e) => Err(e.message().to_owned()),
                    },
                );
            }
        }
    }

    /// The part's view (inside the settings screen's scrolled form).
    pub fn view(&self) -> Element<'_, Message> {
        let field = |caption: &'static str, value: &str, on: fn(String) -> Message| {
            column![
                label(caption).size(15),
                text_input("", value).on_input(on).size(17).padding(6)
            ]
            .spacing(4)
            .width(Length::FillPortion(1))
        };
        let kinds = super::settings::kinds_row(&self.kinds, Message::Kind);
        let mut c = column![label(text::C_S_TITLE).size(18)].spacing(10);
        if !self.known {
            c = c.push(label(text::C_S_NO_REPORT).size(14).color(ORANGE));
        }
        c = c.push(
            row![
                field(text::S_WAIT, &self.wait, Message::Wait),
                field(text::S_RETENTION, &self.retention, Message::Retention),
            ]
            .spacing(16),
        );
        c = c.push(label(text::S_KINDS).size(15)).push(kinds).push(
            checkbox(self.defender)
                .label(text::S_DEFENDER)
                .on_toggle(Message::Defender)
                .size(20)
                .text_size(16),
        );
        let mut bottom =
            row![super::theme::small_button(text::C_S_SEND, Message::Send)].spacing(16);
        match &self.result {
            Some(Ok(_)) => {
                bottom = bottom.push(label(text::C_SETTINGS_PENDING).size(15).color(GREEN));
            }
            Some(Err(why)) => bottom = bottom.push(label(why.as_str()).size(15).color(RED)),
            None => {}
        }
        c.push(bottom).into()
    }
}
