//! The owner's side of the window: the PIN gate in front of owner actions (設定, exporting the
//! history, quitting), and the owner's part of the settings screen (enrolling the stick that is
//! in, revoking a lost stick, changing the PIN, the 「変更を保存しますか？」 question).
//!
//! Thin: checking and storing the PIN is [`crate::pin`], enrolling and revoking are
//! [`engine::enroll`] and [`engine::revoke`].

use super::theme::{GREEN, ORANGE, RED, big_button};
use super::{App, Screen, settings};
use crate::state::Installation;
use crate::{engine, pin, text};
use iced::widget::{column, row, text as label, text_input};
use iced::{Element, Length, Task};
use std::path::PathBuf;

/// An action only the owner may take (behind the PIN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open 設定 (enrolling and revoking sticks live there).
    Settings,
    /// Export the history (the gate then sends [`super::Message::ExportCsv`]).
    ExportHistory,
    /// Quit the app (the tray's 終了).
    Quit,
}

/// The PIN gate (a screen of its own, [`Screen::Owner`]).
#[derive(Clone, Debug)]
pub struct Gate {
    /// What opens when the PIN is right.
    pub action: Action,
    /// The PIN as typed.
    pub pin: String,
    /// The new PIN typed again (only when no PIN is set yet and one is being set).
    pub again: String,
    /// No PIN is set yet: the owner sets one here first.
    pub setting: bool,
    /// Why the last try was refused.
    pub problem: Option<String>,
    /// The screen to return to on やめる.
    pub back: Box<Screen>,
}

/// The owner's part of the settings screen.
#[derive(Clone, Debug, Default)]
pub struct Panel {
    /// The stick inserted now when it is not enrolled here (offered for enrolment).
    pub unenrolled: Option<PathBuf>,
    /// The stick (id, label) whose revoking waits for confirmation.
    pub revoking: Option<(String, String)>,
    /// PIN change: the current PIN.
    pub old_pin: String,
    /// PIN change: the new PIN.
    pub new_pin: String,
    /// PIN change: the new PIN again.
    pub new_again: String,
    /// What the last owner action did (`Ok`: green, `Err`: red).
    pub note: Option<Result<String, String>>,
    /// 戻る was pressed with unsaved edits: 「変更を保存しますか？」 is shown.
    pub leaving: bool,
}

/// What the owner did at the gate or in the owner's part of the settings screen.
#[derive(Clone, Debug)]
pub enum Message {
    /// Ask for the PIN, then take the action.
    Ask(Action),
    /// The PIN field changed.
    Pin(String),
    /// The second PIN field changed (setting a first PIN).
    Again(String),
    /// OK at the gate.
    Submit,
    /// やめる at the gate.
    Cancel,
    /// 差し込まれているUSBメモリを登録する.
    Enroll,
    /// 紛失したので使えなくする (stick id).
    Revoke(String),
    /// 使えなくする (confirmed).
    ConfirmRevoke,
    /// やめる (not revoking).
    CancelRevoke,
    /// PIN change: the current PIN changed.
    OldPin(String),
    /// PIN change: the new PIN changed.
    NewPin(String),
    /// PIN change: the new PIN again changed.
    NewAgain(String),
    /// 暗証番号を変更する.
    ChangePin,
    /// 戻る on the settings screen (or Esc).
    Leave,
    /// 保存する (leaving).
    SaveAndLeave,
    /// 保存しない (leaving).
    Discard,
    /// 戻る (stay on the settings screen).
    Stay,
}

impl App {
    /// Asks for the owner PIN before `action` (a first PIN is set here when there is none).
    /// Other screens call this for their owner buttons (history export, the tray's 終了).
    pub fn owner_gate(&mut self, action: Action) -> Task<super::Message> {
        let setting = !pin::is_set(&self.home);
        if self.inst.is_none() {
            return Task::none();
        }
        let back = Box::new(std::mem::replace(&mut self.screen, Screen::Home));
        self.screen = Screen::Owner(Gate {
            action,
            pin: String::new(),
            again: String::new(),
            setting,
            problem: None,
            back,
        });
        Task::none()
    }

    /// Handles an owner message.
    pub(super) fn on_owner(&mut self, m: Message) -> Task<super::Message> {
        match m {
            Message::Ask(action) => return self.owner_gate(action),
            Message::Pin(v) | Message::Again(v) if v.len() > pin::MAX_DIGITS => {}
            Message::Pin(v) => {
                if let Screen::Owner(g) = &mut self.screen {
                    g.pin = v;
                }
            }
            Message::Again(v) => {
                if let Screen::Owner(g) = &mut self.screen {
                    g.again = v;
                }
            }
            Message::Submit => return self.submit_pin(),
            Message::Cancel => {
                if let Screen::Owner(g) = &mut self.screen {
                    self.screen = std::mem::replace(&mut *g.back, Screen::Home);
                }
            }
            Message::Leave => return self.leave_settings(false),
            Message::Discard => return self.leave_settings(true),
            Message::SaveAndLeave => {
                let _ = self.update(super::Message::Settings(settings::Message::Save));
                if let Screen::Settings(f) = &self.screen
                    && matches!(f.result, Some(Ok(())))
                {
                    return self.leave_settings(true);
                }
                if let Screen::Settings(f) = &mut self.screen {
                    f.owner.leaving = false;
                }
            }
            m => self.on_panel(m),
        }
        Task::none()
    }

    fn submit_pin(&mut self) -> Task<super::Message> {
        let Screen::Owner(g) = &mut self.screen else {
            return Task::none();
        };
        let Some(inst) = &self.inst else {
            return Task::none();
        };
        // A reader of the journal (the history being loaded, a refresh) holds the lock for a
        // moment; a running step holds it for long, and the window must not wait on that.
        let Some(inst) = lock_briefly(inst) else {
            g.problem = Some(text::G_WORKING.to_owned());
            return Task::none();
        };
        let checked = if g.setting {
            if !pin::valid(&g.pin) {
                Err(pin::Problem::Format)
            } else if g.pin != g.again {
                Err(pin::Problem::Mismatch)
            } else {
                pin::set(&inst, &g.pin)
            }
        } else {
            pin::verify(&inst, &g.pin)
        };
        if let Err(p) = checked {
            g.problem = Some(p.message());
            g.pin.clear();
            g.again.clear();
            return Task::none();
        }
        let action = g.action.clone();
        let back = std::mem::replace(&mut *g.back, Screen::Home);
        match action {
            Action::Settings => {
                let mut form = settings::Form::new(&inst);
                drop(inst);
                form.owner.unenrolled = self.unenrolled_stick();
                self.screen = Screen::Settings(form);
                Task::none()
            }
            Action::ExportHistory => {
                drop(inst);
                self.screen = back;
                Task::done(super::Message::ExportCsv)
            }
            Action::Quit => {
                super::desktop::stop_tray();
                iced::exit()
            }
        }
    }

    /// The inserted stick, when it is not enrolled for this pair (the settings screen offers it).
    pub(super) fn unenrolled_stick(&self) -> Option<PathBuf> {
        let mount = self.stick.clone()?;
        let inst = self.inst.as_ref()?.try_lock().ok()?;
        match engine::stick_enrolled(&inst, &mount) {
            Ok(false) => Some(mount),
            _ => None,
        }
    }

    /// Leaves the settings screen; with unsaved edits asks first unless `discard`.
    fn leave_settings(&mut self, discard: bool) -> Task<super::Message> {
        if let Screen::Settings(form) = &mut self.screen
            && !discard
            && let Some(inst) = &self.inst
            && let Ok(inst) = inst.try_lock()
            && form.changed(&inst.config)
        {
            form.owner.leaving = true;
            return Task::none();
        }
        let _ = self.update(super::Message::Home);
        // A stick enrolled in the settings is used at once.
        if let Some(mount) = self.stick.clone()
            && crate::detect::has_courier_folder(&mount)
            && let Some(events) = self.start(mount)
        {
            return Task::run(events, super::Message::Worker);
        }
        Task::none()
    }

    fn on_panel(&mut self, m: Message) {
        let Screen::Settings(form) = &mut self.screen else {
            return;
        };
        let Some(inst) = self.inst.clone() else {
            return;
        };
        let Ok(mut inst) = inst.try_lock() else {
            return;
        };
        let p = &mut form.owner;
        p.note = None;
        match m {
            Message::Enroll => {
                if let Some(mount) = p.unenrolled.clone() {
                    p.note = Some(enroll(&mut inst, &mount));
                    p.unenrolled = None;
                }
            }
            Message::Revoke(id) => {
                let label = self
                    .info
                    .sticks
                    .iter()
                    .find(|(_, i)| *i == id)
                    .map(|(l, _)| l.clone())
                    .unwrap_or_else(|| id.clone());
                p.revoking = Some((id, label));
            }
            Message::CancelRevoke => p.revoking = None,
            Message::ConfirmRevoke => {
                if let Some((id, label)) = p.revoking.take() {
                    p.note = Some(match engine::revoke(&inst, &id) {
                        Ok(Some(_)) => Ok(text::o_revoked(&label)),
                        Ok(None) => Err(text::unknown_stick(&id)),
                        Err(e) => Err(format!("{} {}", e.message(), e.hint())),
                    });
                }
            }
            Message::OldPin(v) => p.old_pin = v,
            Message::NewPin(v) => p.new_pin = v,
            Message::NewAgain(v) => p.new_again = v,
            Message::ChangePin => {
                p.note = Some(
                    pin::change(&inst, &p.old_pin, &p.new_pin, &p.new_again)
                        .map(|()| text::O_PIN_SAVED.to_owned())
                        .map_err(|e| e.message()),
                );
                p.old_pin.clear();
                p.new_pin.clear();
                p.new_again.clear();
            }
            Message::Stay => p.leaving = false,
            _ => {}
        }
        drop(inst);
        self.refresh();
    }
}

fn enroll(inst: &mut Installation, mount: &std::path::Path) -> Result<String, String> {
    let n = inst.journal.sticks().map(|v| v.len()).unwrap_or(0);
    crate::label::Label::new(&text::w_stick_label(n + 1))
        .map_err(crate::Error::from)
        .and_then(|l| engine::enroll(inst, mount, &l))
        .map(|m| text::g_enrolled_now(&m.label))
        .map_err(|e| format!("{} {}", e.message(), e.hint()))
}

/// The PIN gate.
pub(super) fn gate_view(g: &Gate) -> Element<'_, super::Message> {
    let m = super::Message::Owner;
    let why = match (g.setting, &g.action) {
        (true, _) => text::O_SET_FIRST,
        (false, Action::Settings) => text::O_FOR_SETTINGS,
        (false, Action::ExportHistory) => text::O_FOR_EXPORT,
        (false, Action::Quit) => text::O_FOR_QUIT,
    };
    let field = |value: &str, on: fn(String) -> Message| {
        text_input("", value)
            .secure(true)
            .on_input(move |v| m(on(v)))
            .on_submit(m(Message::Submit))
            .size(26)
            .padding(10)
            .width(Length::Fixed(260.0))
    };
    let mut c = column![
        label(text::O_GATE_TITLE).size(26),
        super::theme::para(why).size(18),
        field(&g.pin, Message::Pin),
    ]
    .spacing(14);
    if g.setting {
        c = c
            .push(label(text::O_NEW_PIN_AGAIN).size(16))
            .push(field(&g.again, Message::Again));
    }
    if let Some(p) = &g.problem {
        c = c.push(super::theme::para(p).size(18).color(RED));
    }
    c.push(
        row![
            super::theme::primary_button(text::O_OK, m(Message::Submit)),
            big_button(text::O_CANCEL, m(Message::Cancel)),
        ]
        .spacing(16),
    )
    .into()
}

/// The owner's part of the settings page: sticks (enrol / revoke) and the PIN.
pub(super) fn panel_view<'a>(
    p: &'a Panel,
    sticks: &'a [(String, String)],
) -> Element<'a, super::Message> {
    let m = super::Message::Owner;
    let mut c = column![label(text::O_STICKS).size(18)].spacing(8);
    if sticks.is_empty() {
        c = c.push(label(text::O_NO_STICKS).size(16));
    }
    for (name, id) in sticks {
        c = c.push(
            row![
                label(name.as_str()).size(17).width(Length::Fixed(200.0)),
                iced::widget::button(label(text::O_REVOKE).size(16))
                    .style(super::theme::secondary)
                    .padding([6, 14])
                    .on_press(m(Message::Revoke(id.clone()))),
            ]
            .spacing(12)
            .align_y(iced::Alignment::Center),
        );
    }
    let pin_field = |caption: &'static str, value: &str, on: fn(String) -> Message| {
        column![
            label(caption).size(15),
            text_input("", value)
                .secure(true)
                .on_input(move |v| m(on(v)))
                .size(17)
                .padding(6)
                .width(Length::Fixed(200.0))
        ]
        .spacing(4)
    };
    c = c.push(label(text::O_PIN_SECTION).size(18)).push(
        row![
            pin_field(text::O_OLD_PIN, &p.old_pin, Message::OldPin),
            pin_field(text::O_NEW_PIN, &p.new_pin, Message::NewPin),
            pin_field(text::O_NEW_PIN_AGAIN, &p.new_again, Message::NewAgain),
        ]
        .spacing(12),
    );
    c = c.push(
        iced::widget::button(label(text::O_CHANGE_PIN).size(16))
            .style(super::theme::secondary)
            .padding([6, 14])
            .on_press(m(Message::ChangePin)),
    );
    match &p.note {
        Some(Ok(n)) => c = c.push(label(n.as_str()).size(17).color(GREEN)),
        Some(Err(n)) => c = c.push(label(n.as_str()).size(17).color(RED)),
        None => {}
    }
    c.into()
}

/// The buttons under the settings page, or the question that waits for an answer (revoking a
/// stick, 「変更を保存しますか？」) in their place, always in view.
pub(super) fn settings_buttons(p: &Panel) -> Element<'_, super::Message> {
    use super::Message as M;
    if let Some((_, name)) = &p.revoking {
        return column![
            super::theme::para(&text::o_revoke_confirm(name))
                .size(20)
                .color(RED),
            row![
                big_button(text::O_REVOKE_YES, M::Owner(Message::ConfirmRevoke)),
                big_button(text::O_CANCEL, M::Owner(Message::CancelRevoke)),
            ]
            .spacing(16)
        ]
        .spacing(10)
        .into();
    }
    if p.leaving {
        return column![
            label(text::O_UNSAVED).size(22).color(ORANGE),
            row![
                big_button(text::O_SAVE, M::Owner(Message::SaveAndLeave)),
                big_button(text::O_DISCARD, M::Owner(Message::Discard)),
                big_button(text::O_STAY, M::Owner(Message::Stay)),
            ]
            .spacing(16)
        ]
        .spacing(10)
        .into();
    }
    let buttons = row![
        super::theme::primary_button(text::S_SAVE, M::Settings(settings::Message::Save)),
        big_button(text::G_SELFTEST, M::RunSelftest),
        big_button(text::G_BACK, M::Owner(Message::Leave)),
    ]
    .spacing(16);
    // A stick that is not enrolled is offered in view, above the buttons.
    if p.unenrolled.is_some() {
        return column![
            row![
                label(text::O_UNENROLLED_IN)
                    .size(16)
                    .color(ORANGE)
                    .width(Length::Fill),
                big_button(text::O_ENROLL_INSERTED, M::Owner(Message::Enroll)),
            ]
            .spacing(16)
            .align_y(iced::Alignment::Center),
            buttons
        ]
        .spacing(10)
        .into();
    }
    buttons.into()
}

/// The installation, if nobody holds it for longer than a moment (up to half a second).
fn lock_briefly(
    inst: &std::sync::Mutex<crate::state::Installation>,
) -> Option<std::sync::MutexGuard<'_, crate::state::Installation>> {
    for _ in 0..50 {
        if let Ok(guard) = inst.try_lock() {
            return Some(guard);
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    None
}
