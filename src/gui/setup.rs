//! The set-up wizard: role → OQS folder → pairing through the stick → stick enrollment → the
//! owner PIN.
//!
//! Owns the wizard's steps and what they show. Every action is one library call — the ones the
//! command line uses ([`Home::init`], [`transfer::pair_import`], [`transfer::pair_export`],
//! [`engine::enroll`], [`state::check_oqs_dir`], [`crate::pin::set`]); the wizard decides nothing
//! of its own.

use super::theme::{GREEN, ORANGE, RED, big_button};
use crate::error::Ui;
use crate::label::Label;
use crate::state::{self, Home, Installation, OqsDirCheck, Role};
use crate::stick::Stick;
use crate::{Error, engine, text, transfer};
use iced::widget::{column, row, text as label, text_input};
use iced::{Element, Length};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Where the wizard is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Choose the role.
    Role,
    /// Enter the OQS folder and this PC's name.
    Folder,
    /// Pair through the stick.
    Pair,
    /// Compare the code shown on both PCs.
    Code,
    /// Enroll this stick (and optionally more).
    Enroll,
    /// Set the owner PIN (skipped when one is set already).
    Pin,
}

/// The wizard's state.
#[derive(Clone, Debug)]
pub struct Wizard {
    /// The current step.
    pub step: Step,
    /// The chosen role.
    pub role: Option<Role>,
    /// The OQS folder as typed.
    pub folder: String,
    /// This PC's name as typed.
    pub label: String,
    /// What went wrong in this step (shown in red).
    pub problem: Option<String>,
    /// What happened in this step (shown in green).
    pub note: Option<String>,
    /// The comparison code.
    pub code: String,
    /// The paired peer's name.
    pub peer: String,
    /// The next stick's name as typed.
    pub stick_label: String,
    /// Sticks enrolled in this wizard.
    pub enrolled: Vec<String>,
    /// Subfolders of the OQS folder that are missing, waiting for 「作成する」.
    pub create: Option<Vec<&'static str>>,
    /// This PC wrote its pairing card to the stick in this wizard ([`transfer::pair_step`]).
    pub wrote_card: bool,
    /// The code step asks staff to compare (both PCs can show the code); otherwise it only shows
    /// this PC's code and asks to take the stick to the other PC.
    pub compare: bool,
    /// The owner PIN as typed.
    pub pin: String,
    /// The owner PIN typed again.
    pub pin_again: String,
}

/// What the owner did in the wizard.
#[derive(Clone, Debug)]
pub enum Message {
    /// A role button.
    Role(Role),
    /// The OQS folder field changed.
    Folder(String),
    /// This PC's name changed.
    Label(String),
    /// 次へ on the folder step.
    Next,
    /// ペアリングを進める.
    Pair,
    /// はい / いいえ under the comparison code.
    Same(bool),
    /// The stick name changed.
    StickLabel(String),
    /// このUSBメモリを登録する.
    Enroll,
    /// 完了.
    Finish,
    /// 戻る (to the previous step where that makes sense).
    Back,
    /// 参照… (the system's folder picker).
    Browse,
    /// 作成する (the missing Req/Res/Face).
    CreateFolders,
    /// やめる (not creating them).
    KeepFolders,
    /// The PIN field changed.
    Pin(String),
    /// The second PIN field changed.
    PinAgain(String),
}

/// What the app must do after a wizard message.
#[derive(Debug)]
pub enum Outcome {
    /// Nothing more.
    None,
    /// The installation was created: the app keeps it.
    Installed(Box<Installation>),
    /// The wizard is done: show the home screen.
    Finished,
}

impl Wizard {
    /// A wizard at its first step, or at pairing when `inst` exists but has no peer.
    pub fn new(inst: Option<&Installation>) -> Self {
        let mut w = Self {
            step: Step::Role,
            role: None,
            folder: String::new(),
            label: String::new(),
            problem: None,
            note: None,
            code: String::new(),
            peer: String::new(),
            stick_label: text::w_stick_label(1),
            enrolled: Vec::new(),
            create: None,
            wrote_card: false,
            compare: false,
            pin: String::new(),
            pin_again: String::new(),
        };
        if let Some(i) = inst {
            w.role = Some(i.config.role);
            w.step = if i.peer.is_some() {
                Step::Enroll
            } else {
                Step::Pair
            };
            let n = i.journal.sticks().map(|v| v.len()).unwrap_or(0);
            w.stick_label = text::w_stick_label(n + 1);
        }
        w
    }

    /// Handles a message. `inst` is the installation once it exists; `stick` the stick now
    /// inserted, if any.
    pub fn update(
        &mut self,
        message: Message,
        home: &Home,
        inst: Option<&Arc<Mutex<Installation>>>,
        stick: Option<&Path>,
    ) -> Outcome {
        self.problem = None;
        match message {
            Message::Role(role) => {
                self.role = Some(role);
                self.folder = state::default_oqs_dir(role).display().to_string();
                self.label = match role {
                    Role::Clinic => text::W_LABEL_CLINIC,
                    Role::Terminal => text::W_LABEL_TERMINAL,
                }
                .to_owned();
                self.step = Step::Folder;
            }
            Message::Folder(f) => {
                self.folder = f;
                self.create = None;
            }
            Message::Label(l) => self.label = l,
            Message::Next => return self.create(home),
            Message::Pair => {
                if let Some(inst) = inst {
                    self.pair(inst, stick);
                }
            }
            Message::Same(true) if self.compare => {
                self.note = None;
                self.step = Step::Enroll;
            }
            Message::Same(true) => {}
            Message::Same(false) => {
                self.note = Some(text::W_PAIR_RETRY.to_owned());
                self.step = Step::Pair;
                self.wrote_card = false;
                self.compare = false;
            }
            Message::StickLabel(l) => self.stick_label = l,
            Message::Enroll => {
                if let Some(inst) = inst {
                    self.enroll(inst, stick);
                }
            }
            // The owner PIN is set before the wizard ends (unless this PC has one already).
            Message::Finish if self.step == Step::Enroll => {
                if inst.is_some_and(|i| i.lock().is_ok_and(|i| crate::pin::is_set(&i.home))) {
                    return Outcome::Finished;
                }
                self.note = None;
                self.step = Step::Pin;
            }
            Message::Finish => {
                let Some(inst) = inst else {
                    return Outcome::None;
                };
                let Ok(inst) = inst.lock() else {
                    return Outcome::None;
                };
                let set = if !crate::pin::valid(&self.pin) {
                    Err(crate::pin::Problem::Format)
                } else if self.pin != self.pin_again {
                    Err(crate::pin::Problem::Mismatch)
                } else {
                    crate::pin::set(&inst, &self.pin)
                };
                self.pin.clear();
                self.pin_again.clear();
                match set {
                    Ok(()) => return Outcome::Finished,
                    Err(p) => self.problem = Some(p.message()),
                }
            }
            Message::Pin(p) if p.len() <= crate::pin::MAX_DIGITS => self.pin = p,
            Message::PinAgain(p) if p.len() <= crate::pin::MAX_DIGITS => self.pin_again = p,
            Message::Pin(_) | Message::PinAgain(_) => {}
            Message::Browse => {
                let start = PathBuf::from(self.folder.trim());
                let start = start.is_dir().then_some(start.as_path());
                if let Some(dir) = super::dialogs::pick_folder(text::W_BROWSE_TITLE, start) {
                    self.folder = dir.display().to_string();
                    self.create = None;
                }
            }
            Message::KeepFolders => self.create = None,
            Message::CreateFolders => {
                let dir = PathBuf::from(self.folder.trim());
                for sub in self.create.take().unwrap_or_default() {
                    let path = dir.join(sub);
                    if crate::durable::create_dir_all(&path).is_err() {
                        self.problem = Some(text::w_create_failed(&path.display().to_string()));
                        return Outcome::None;
                    }
                }
                return self.create(home);
            }
            Message::Back => {
                self.note = None;
                self.step = match self.step {
                    Step::Folder => Step::Role,
                    Step::Code => Step::Pair,
                    Step::Pin => Step::Enroll,
                    s => s,
                }
            }
        }
        Outcome::None
    }

    fn create(&mut self, home: &Home) -> Outcome {
        let Some(role) = self.role else {
            self.step = Step::Role;
            return Outcome::None;
        };
        let dir = PathBuf::from(self.folder.trim());
        let shown = dir.display().to_string();
        match state::check_oqs_dir(&dir) {
            OqsDirCheck::Ok => {}
            OqsDirCheck::Missing => {
                self.problem = Some(text::w_folder_missing(&shown));
                return Outcome::None;
            }
            // Offered for creation after a confirmation (the view asks).
            OqsDirCheck::NoSubfolders(missing) => {
                self.create = Some(missing);
                return Outcome::None;
            }
        }
        let Ok(label) = Label::new(&self.label) else {
            self.problem = Some(text::S_BAD_LABEL.to_owned());
            return Outcome::None;
        };
        match home.init(role, &dir, &label) {
            Ok(inst) => {
                self.step = Step::Pair;
                Outcome::Installed(Box::new(inst))
            }
            Err(e) => {
                self.problem = Some(problem(&e.into()));
                Outcome::None
            }
        }
    }

    /// Reads the other PC's card if it is on the stick (then shows the code), and writes this
    /// PC's card so the other PC can read it.
    fn pair(&mut self, inst: &Arc<Mutex<Installation>>, stick: Option<&Path>) {
        let Some(stick) = stick else {
            self.problem = Some(text::W_PAIR_INSERT.to_owned());
            return;
        };
        let Ok(mut inst) = inst.lock() else { return };
        let wrote = self.wrote_card;
        let result = Stick::at(stick)
            .map_err(Error::from)
            .and_then(|s| transfer::pair_step(&mut inst, &s, wrote));
        match result {
            Ok(transfer::PairStep::CardWritten) => {
                self.wrote_card = true;
                self.note = Some(text::W_PAIR_CARD_WRITTEN.to_owned());
            }
            Ok(transfer::PairStep::ShowCode(paired)) => {
                self.wrote_card = true;
                self.code = paired.code;
                self.peer = paired.label;
                self.compare = false;
                self.note = None;
                self.step = Step::Code;
            }
            Ok(transfer::PairStep::Compare(paired)) => {
                self.code = paired.code;
                self.peer = paired.label;
                self.compare = true;
                self.note = None;
                self.step = Step::Code;
            }
            Err(e) => self.problem = Some(problem(&e)),
        }
    }

    fn enroll(&mut self, inst: &Arc<Mutex<Installation>>, stick: Option<&Path>) {
        let Some(stick) = stick else {
            self.problem = Some(text::INSERT_STICK.to_owned());
            return;
        };
        let Ok(mut inst) = inst.lock() else { return };
        let enrolled = Label::new(&self.stick_label)
            .map_err(Error::from)
            .and_then(|wanted| engine::enroll(&mut inst, stick, &wanted));
        match enrolled {
            Ok(marker) => {
                self.note = Some(text::w_enrolled(&marker.label));
                if !self.enrolled.contains(&marker.label) {
                    self.enrolled.push(marker.label);
                }
                let n = inst.journal.sticks().map(|v| v.len()).unwrap_or(0);
                self.stick_label = text::w_stick_label(n + 1);
            }
            Err(e) => self.problem = Some(problem(&e)),
        }
    }

    /// The wizard's page. `stick_present` says whether a stick is inserted now.
    pub fn view(&self, stick_present: bool) -> Element<'_, Message> {
        let mut page = column![label(text::W_TITLE).size(24)].spacing(14);
        let stick_line = || {
            if stick_present {
                label(text::W_STICK_PRESENT).size(20).color(GREEN)
            } else {
                label(text::W_PAIR_INSERT).size(20)
            }
        };
        match self.step {
            Step::Role => {
                page = page.push(label(text::W_STEP_ROLE).size(22)).push(
                    row![
                        role_choice(text::W_ROLE_CLINIC, text::W_ROLE_CLINIC_NOTE, Role::Clinic),
                        role_choice(
                            text::W_ROLE_TERMINAL,
                            text::W_ROLE_TERMINAL_NOTE,
                            Role::Terminal
                        ),
                    ]
                    .spacing(24),
                );
            }
            Step::Folder => {
                page = page
                    .push(label(text::W_STEP_FOLDER).size(22))
                    .push(label(text::W_FOLDER_NOTE).size(16))
                    .push(
                        row![
                            text_input("C:\\OQS", &self.folder)
                                .on_input(Message::Folder)
                                .on_submit(Message::Next)
                                .size(20)
                                .padding(10),
                            iced::widget::button(label(text::W_BROWSE).size(20))
                                .padding([10, 18])
                                .style(super::theme::secondary)
                                .on_press(Message::Browse),
                        ]
                        .spacing(10),
                    )
                    .push(label(text::W_PC_LABEL).size(16))
                    .push(
                        text_input("", &self.label)
                            .on_input(Message::Label)
                            .on_submit(Message::Next)
                            .size(20)
                            .padding(10),
                    )
                    .push(match &self.create {
                        Some(missing) => column![
                            label(text::w_create_subfolders(self.folder.trim(), missing))
                                .size(18)
                                .color(ORANGE),
                            row![
                                big_button(text::W_CREATE, Message::CreateFolders),
                                big_button(text::O_CANCEL, Message::KeepFolders)
                            ]
                            .spacing(16)
                        ]
                        .spacing(10),
                        None => column![
                            row![
                                super::theme::primary_button(text::W_NEXT, Message::Next),
                                big_button(text::G_BACK, Message::Back)
                            ]
                            .spacing(16)
                        ],
                    });
            }
            Step::Pair => {
                page = page
                    .push(label(text::W_STEP_PAIR).size(22))
                    .push(stick_line())
                    .push(big_button(text::W_PAIR_GO, Message::Pair));
            }
            Step::Code if !self.compare => {
                page = page
                    .push(label(text::W_STEP_PAIR).size(22))
                    .push(label(text::W_PAIR_CODE_PENDING).size(18))
                    .push(label(self.code.as_str()).size(48))
                    .push(label(text::W_PAIR_SHOW_OTHER).size(18))
                    .push(stick_line())
                    .push(big_button(text::W_PAIR_GO, Message::Pair));
            }
            Step::Code => {
                page = page
                    .push(label(text::W_STEP_PAIR).size(22))
                    .push(label(text::W_PAIR_CODE).size(20))
                    .push(label(self.code.as_str()).size(72))
                    .push(label(text::W_PAIR_SAME).size(26))
                    .push(label(text::w_pair_with(&self.peer)).size(15))
                    .push(
                        row![
                            big_button(text::W_YES, Message::Same(true)),
                            big_button(text::W_NO, Message::Same(false))
                        ]
                        .spacing(16),
                    );
            }
            Step::Enroll => {
                page = page
                    .push(label(text::W_STEP_ENROLL).size(22))
                    .push(label(text::W_ENROLL_NOTE).size(16))
                    .push(stick_line())
                    .push(label(text::W_STICK_LABEL).size(16))
                    .push(
                        text_input("", &self.stick_label)
                            .on_input(Message::StickLabel)
                            .on_submit(Message::Enroll)
                            .size(20)
                            .padding(10)
                            .width(Length::Fixed(360.0)),
                    )
                    .push(
                        row![
                            big_button(text::G_ENROLL_THIS, Message::Enroll),
                            super::theme::primary_button(text::W_NEXT, Message::Finish)
                        ]
                        .spacing(16),
                    );
            }
            Step::Pin => {
                let field = |value: &str, on: fn(String) -> Message| {
                    text_input("", value)
                        .secure(true)
                        .on_input(on)
                        .on_submit(Message::Finish)
                        .size(24)
                        .padding(10)
                        .width(Length::Fixed(260.0))
                };
                page = page
                    .push(label(text::W_STEP_PIN).size(22))
                    .push(label(text::W_PIN_NOTE).size(16))
                    .push(label(text::O_NEW_PIN).size(16))
                    .push(field(&self.pin, Message::Pin))
                    .push(label(text::O_NEW_PIN_AGAIN).size(16))
                    .push(field(&self.pin_again, Message::PinAgain))
                    .push(
                        row![
                            super::theme::primary_button(text::W_FINISH, Message::Finish),
                            big_button(text::G_BACK, Message::Back)
                        ]
                        .spacing(16),
                    );
            }
        }
        if let Some(n) = &self.note {
            page = page.push(label(n.as_str()).size(17).color(GREEN));
        }
        if let Some(p) = &self.problem {
            page = page.push(label(p.as_str()).size(18).color(RED));
        }
        page.into()
    }
}

fn role_choice<'a>(caption: &'a str, note: &'a str, role: Role) -> Element<'a, Message> {
    column![
        big_button(caption, Message::Role(role)),
        label(note).size(15)
    ]
    .spacing(8)
    .width(Length::Fixed(400.0))
    .into()
}

fn problem(e: &Error) -> String {
    format!("{} {}", e.message(), e.hint_for(Ui::Gui))
}
