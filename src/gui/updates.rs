//! The settings screen, part 更新 (behind the settings' PIN gate, like every owner action).
//!
//! - Clinic: the owner picks the installer a release came with (its `.minisig` beside it);
//!   「確かめて端末に送る」 verifies the signature and the version and queues it for the next trips
//!   ([`crate::update::stage`]). The home screen's terminal block then follows it to
//!   「端末に反映済み」.
//! - Terminal: the version this PC runs, an update waiting for the end of the next step, and
//!   「前の版に戻す」 (asked once more) when the installer of the previous version is kept
//!   ([`crate::update::rollback`]; the installer stops this app and starts the old version).
//!
//! Thin: verifying, queueing and running installers are [`crate::update`]'s.

use super::theme::{GREEN, ORANGE, RED, small_button};
use crate::state::{Installation, Role};
use crate::update::Installer;
use crate::{care, text, update};
use iced::widget::{column, row, text as label, text_input};
use iced::{Alignment, Element, Length};
use std::path::{Path, PathBuf};

/// What the part shows and what was typed.
#[derive(Clone, Debug)]
pub struct Part {
    /// Which PC this is (which half of the part is shown).
    pub role: Role,
    /// The version this PC runs.
    pub this_version: String,
    /// Clinic: the installer's path, typed or picked.
    pub installer: String,
    /// Clinic: the version the terminal last reported (`None`: no report yet).
    pub terminal_version: Option<String>,
    /// Clinic: the update on its way to the terminal, in words.
    pub under_way: Option<String>,
    /// Terminal: an update received and verified, installed after the next step.
    pub ready: Option<String>,
    /// Terminal: the version a roll-back returns to (its installer is kept).
    pub previous: Option<String>,
    /// Terminal: 前の版に戻す was pressed; the question waits for an answer.
    pub confirming: bool,
    /// What the last action did: `Ok` in green, or what went wrong and what to do, in red.
    pub result: Option<Result<String, (String, String)>>,
}

/// What the owner did in this part.
#[derive(Clone, Debug)]
pub enum Message {
    /// The installer's path changed.
    Installer(String),
    /// 選ぶ… (the system's open dialog).
    Pick,
    /// 確かめて端末に送る.
    Stage,
    /// 前の版に戻す (asks first).
    Rollback,
    /// 前の版に戻す (confirmed).
    ConfirmRollback,
    /// やめる (not rolling back).
    CancelRollback,
}

impl Part {
    /// The part for `inst`'s role, showing what is known now.
    pub fn new(inst: &Installation) -> Self {
        let mut p = Self::empty(inst.config.role);
        p.reload(inst);
        p
    }

    /// The part for `role` with nothing known yet.
    pub fn empty(role: Role) -> Self {
        Self {
            role,
            this_version: care::APP_VERSION.to_owned(),
            installer: String::new(),
            terminal_version: None,
            under_way: None,
            ready: None,
            previous: None,
            confirming: false,
            result: None,
        }
    }

    /// Reads again what the journal says about updates.
    fn reload(&mut self, inst: &Installation) {
        match self.role {
            Role::Clinic => {
                self.terminal_version = care::overview(inst)
                    .ok()
                    .flatten()
                    .and_then(|o| o.last)
                    .map(|r| r.health.app_version)
                    .filter(|v| !v.is_empty());
                self.under_way = update::clinic_line(inst).ok().flatten();
            }
            Role::Terminal => {
                self.ready = update::report(inst).ok().and_then(|r| r.staged);
                self.previous = update::previous_version(inst).ok().flatten();
            }
        }
    }

    /// Handles a message; `installer` runs an installer for a roll-back.
    pub fn update(
        &mut self,
        message: Message,
        inst: &mut Installation,
        installer: &mut dyn Installer,
    ) {
        self.result = None;
        match message {
            Message::Installer(v) => self.installer = v,
            Message::Pick => {
                let start = Path::new(self.installer.trim())
                    .parent()
                    .map(Path::to_owned);
                if let Some(p) = super::dialogs::open_file(
                    text::UP_PICK_TITLE,
                    start.as_deref().filter(|d| d.is_dir()),
                    "exe",
                ) {
                    self.installer = p.display().to_string();
                }
            }
            Message::Stage => {
                let path = PathBuf::from(self.installer.trim());
                self.result = Some(if self.installer.trim().is_empty() {
                    Err((text::UP_NO_FILE.to_owned(), String::new()))
                } else {
                    update::stage(inst, &path, None, &crate::state::actor())
                        .map(|u| text::u_staged(&u.version))
                        .map_err(|e| problem(&e))
                });
                if matches!(self.result, Some(Ok(_))) {
                    self.installer.clear();
                }
            }
            Message::Rollback => self.confirming = self.previous.is_some(),
            Message::CancelRollback => self.confirming = false,
            Message::ConfirmRollback => {
                self.confirming = false;
                self.result = Some(
                    update::rollback(inst, installer, &crate::state::actor())
                        .map(|v| text::up_rolling_back(&v))
                        .map_err(|e| problem(&e)),
                );
            }
        }
        self.reload(inst);
    }

    /// The part's view (inside the settings screen's scrolled form).
    pub fn view(&self) -> Element<'_, Message> {
        let mut c = match self.role {
            Role::Clinic => self.clinic_view(),
            Role::Terminal => self.terminal_view(),
        };
        match &self.result {
            Some(Ok(n)) => c = c.push(super::theme::para(n).size(16).color(GREEN)),
            Some(Err((what, hint))) => {
                c = c.push(super::theme::para(what).size(16).color(RED));
                if !hint.is_empty() {
                    c = c.push(super::theme::para(hint).size(15));
                }
            }
            None => {}
        }
        c.into()
    }

    fn clinic_view(&self) -> iced::widget::Column<'_, Message> {
        let theirs = self.terminal_version.as_deref().unwrap_or(text::NO_VALUE);
        let mut c = column![
            label(text::UP_CLINIC_TITLE).size(18),
            label(text::up_versions(theirs, &self.this_version)).size(15),
        ]
        .spacing(10);
        if let Some(line) = &self.under_way {
            c = c.push(label(line.as_str()).size(15).color(ORANGE));
        }
        c = c.push(super::theme::para(text::UP_CLINIC_HOW).size(14));
        // The same on every system, as the wizard's folder button (without a system dialog,
        // off Windows, the path is typed).
        let pick = row![
            text_input(text::UP_INSTALLER_PLACEHOLDER, &self.installer)
                .on_input(Message::Installer)
                .on_submit(Message::Stage)
                .size(16)
                .padding(6)
                .width(Length::Fill),
            small_button(text::UP_PICK, Message::Pick),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        c.push(pick)
            .push(small_button(text::UP_STAGE, Message::Stage))
    }

    fn terminal_view(&self) -> iced::widget::Column<'_, Message> {
        let mut c = column![
            label(text::UP_THIS_TITLE).size(18),
            label(text::up_this_version(&self.this_version)).size(15),
        ]
        .spacing(10);
        if let Some(v) = &self.ready {
            c = c.push(label(text::up_ready(v)).size(15).color(ORANGE));
        }
        match &self.previous {
            None => c.push(label(text::UP_NO_PREVIOUS).size(14)),
            Some(v) if self.confirming => c.push(
                column![
                    super::theme::para(&text::up_rollback_confirm(v))
                        .size(17)
                        .color(RED),
                    row![
                        small_button(text::UP_ROLLBACK_YES, Message::ConfirmRollback),
                        small_button(text::O_CANCEL, Message::CancelRollback),
                    ]
                    .spacing(16),
                ]
                .spacing(8),
            ),
            Some(v) => c.push(
                row![
                    label(text::up_previous(v)).size(15),
                    small_button(text::UP_ROLLBACK, Message::Rollback),
                ]
                .spacing(16)
                .align_y(Alignment::Center),
            ),
        }
    }
}

/// An error as the owner reads it: what happened, and what to do.
fn problem(e: &crate::Error) -> (String, String) {
    (
        e.message().to_owned(),
        e.hint_for(crate::error::Ui::Gui).to_owned(),
    )
}
