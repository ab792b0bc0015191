//! The status screens: home (waiting for a stick), working, the terminal's wait, done
//! (取り外せます) and refused — each under its state banner (`theme::banner`).

use super::theme::{self, BODY, GREY, ORANGE, RED, Tone, big_button, small_button};
use super::{App, Message, Screen};
use crate::engine;
use crate::state::Role;
use crate::text;
use iced::widget::{column, container, progress_bar, row, text as label};
use iced::{Element, Length};

/// What a running step did so far, in staff's words.
#[derive(Clone, Debug, Default)]
pub struct Work {
    /// Lines already done (✓ …).
    pub done: Vec<String>,
}

impl Work {
    /// Adds what the step reported.
    pub fn note(&mut self, p: engine::Progress) {
        match p {
            engine::Progress::Received { packages, files } => {
                self.done.push(text::st_received(packages, files));
            }
            engine::Progress::Published(n) => self.done.push(text::st_requests_handed(n)),
            engine::Progress::Imported { .. } | engine::Progress::Waiting { .. } => {}
        }
    }

    /// The working screen's body.
    pub fn view(&self) -> Element<'_, Message> {
        let mut c = column![].spacing(8);
        for line in &self.done {
            c = c.push(theme::para(line).size(BODY + 2.0));
        }
        c.into()
    }
}

/// The terminal's wait for answers: count, bar, countdown, and the way to stop early.
pub(super) fn waiting_view(
    answered: usize,
    total: usize,
    left_secs: u64,
    work: &Work,
) -> Element<'_, Message> {
    column![
        work.view(),
        label(text::st_answered(answered, total)).size(34),
        progress_bar(0.0..=total.max(1) as f32, answered as f32).girth(22),
        label(text::st_left(left_secs)).size(BODY + 1.0),
        big_button(text::G_FINISH_EARLY, Message::FinishNow),
    ]
    .spacing(14)
    .into()
}

/// The refusal screen: one sentence, what to do, the technical detail small.
pub(super) fn problem_view<'a>(
    what: &'a str,
    hint: &'a str,
    detail: &'a str,
) -> Element<'a, Message> {
    column![
        theme::para(what).size(24).color(theme::RED),
        theme::para(&format!("{}: {hint}", text::HINT_LABEL)).size(20),
        label(format!("{}: {detail}", text::DETAIL_LABEL))
            .size(13)
            .color(GREY),
        big_button(text::G_BACK, Message::Home),
    ]
    .spacing(14)
    .into()
}

impl App {
    /// The state in words, as the banner says it (the notification-area icon's tooltip).
    pub fn state_words(&self) -> &'static str {
        match &self.screen {
            Screen::Working(_) | Screen::Waiting { .. } => text::ST_BUSY,
            Screen::Prompt(_) => text::ST_YOUR_TURN,
            Screen::Done(_) => text::ST_SAFE,
            Screen::PromptEnd(super::prompt::End::StickPulled { .. }) => text::ST_PULLED,
            Screen::Problem(..) if self.enrollable.is_some() => text::ST_FOREIGN,
            Screen::Problem(..) => text::ST_REFUSED,
            _ if self.enrollable.is_some() => text::ST_FOREIGN,
            _ if self.finished.is_some() && self.finished == self.stick => text::ST_SAFE,
            _ => text::ST_IDLE,
        }
    }

    /// The home screen's banner: waiting for a stick, or the stick still in after its step.
    pub(super) fn home_banner(&self) -> Element<'_, Message> {
        if self.enrollable.is_some() {
            theme::banner(Tone::Refused, text::ST_FOREIGN, None)
        } else if self.finished.is_some() && self.finished == self.stick {
            theme::banner(Tone::Safe, text::ST_SAFE, Some(text::ST_SAFE_AGAIN))
        } else {
            theme::banner(Tone::Idle, text::ST_IDLE, Some(text::ST_IDLE_LINE))
        }
    }

    pub(super) fn home_view(&self) -> Element<'_, Message> {
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
        let mut c = column![
            label(text::g_home_in_transit(i.in_transit)).size(BODY + 1.0),
            label(text::g_home_to_import(i.to_import)).size(BODY + 1.0),
            label(text::g_home_awaiting(i.awaiting)).size(BODY + 1.0),
            label(text::g_home_last_trip(&i.last_trip)).size(BODY + 1.0),
            label(text::g_home_sticks(&sticks)).size(BODY + 1.0),
        ]
        .spacing(8);
        if self.enrollable.is_some() {
            // Nothing to press for a foreign stick: enrolling is the owner's, in the settings.
            return foreign_stick();
        }
        // Held results can be imported without a stick (clinic only).
        let clinic = self.inst.as_ref().is_some_and(|inst| {
            inst.try_lock()
                .is_ok_and(|i| i.config.role == crate::state::Role::Clinic)
        });
        if clinic && let Some(b) = super::prompt::held_button(i.to_import) {
            c = c.push(b);
        }
        if i.old_unanswered > 0 {
            c = c.push(
                label(text::old_unanswered(
                    i.old_unanswered,
                    engine::OLD_UNANSWERED_HOURS,
                ))
                .size(18)
                .color(ORANGE),
            );
        }
        let card = container(c)
            .width(Length::Fill)
            .padding(16)
            .style(theme::card);
        let history = small_button(text::G_HISTORY, Message::History);
        let settings = small_button(text::G_SETTINGS, Message::ShowSettings);
        let bottom: Element<'_, Message> = if i.care.is_empty() {
            row![history, settings].spacing(12).into()
        } else {
            // Clinic: the terminal's block with the two buttons beside it, so the home screen
            // still fits the smallest window with every warning showing.
            row![
                care_block(&i.care),
                column![history, settings]
                    .spacing(8)
                    .align_x(iced::Alignment::End),
            ]
            .spacing(12)
            .into()
        };
        column![card, bottom].spacing(theme::GAP).into()
    }
}

/// Clinic: 資格確認端末の状態 — the heading and a few short lines (the home screen must still fit
/// the smallest window).
fn care_block(lines: &[crate::care::Line]) -> Element<'_, Message> {
    // The heading and the newest report's line share one row: the block stays small.
    let (first, rest) = match lines.split_first() {
        Some((f, rest)) if !f.warn => (Some(f), rest),
        _ => (None, lines),
    };
    let mut head = row![label(text::C_TITLE).size(15)]
        .spacing(16)
        .align_y(iced::Alignment::Center);
    if let Some(f) = first {
        head = head.push(label(f.text.as_str()).size(13).color(GREY));
    }
    let mut c = column![head].spacing(2);
    for l in rest {
        let t = theme::para(&l.text).size(13);
        c = c.push(if l.warn {
            t.color(ORANGE)
        } else {
            t.color(GREY)
        });
    }
    container(c)
        .width(Length::Fill)
        .padding([6, 16])
        .style(theme::card)
        .into()
}

/// A stick that is not enrolled here: one large sentence and nothing to press.
pub(super) fn foreign_stick<'a>() -> Element<'a, Message> {
    theme::para(text::G_FOREIGN_STICK)
        .size(34)
        .color(RED)
        .into()
}

/// The done screen's body: what was done, in words; what waits.
pub(super) fn done_view(o: &engine::Outcome, role: Option<Role>) -> Element<'_, Message> {
    let mut c = column![].spacing(10);
    match role {
        Some(Role::Terminal) if o.published > 0 => {
            c = c.push(theme::para(&text::st_requests_handed(o.published)).size(22));
        }
        _ => {
            if o.published > 0 {
                c = c.push(theme::para(&text::st_imported(o.published)).size(22));
            }
            if o.held > 0 {
                c = c.push(
                    theme::para(&text::st_held(o.held))
                        .size(BODY + 2.0)
                        .color(ORANGE),
                );
            }
        }
    }
    if o.auto_imported && o.published > 0 {
        c = c.push(theme::para(text::G_AUTO_IMPORTED).size(BODY).color(ORANGE));
    }
    c = c.push(if o.sent > 0 {
        theme::para(&text::st_carried(o.sent)).size(22)
    } else {
        theme::para(text::ST_NOTHING_NEW).size(BODY + 2.0)
    });
    let warn = |s: String| theme::para(&s).size(BODY + 1.0).color(ORANGE);
    if o.awaiting > 0 {
        c = c.push(warn(text::still_awaiting(o.awaiting)));
    }
    if o.incomplete_waiting > 0 {
        c = c.push(warn(text::incomplete_waiting(o.incomplete_waiting)));
    }
    if o.left_behind > 0 {
        c = c.push(warn(text::left_behind(
            o.left_behind,
            o.left_behind_bytes,
            o.space_needed,
        )));
    }
    match (&o.update_ready, &o.update_failed) {
        (Some(v), None) => c = c.push(theme::para(&text::st_updating(v)).size(BODY + 1.0)),
        (Some(v), Some((what, hint))) => {
            c = c
                .push(warn(text::st_update_failed(v, what)))
                .push(theme::para(hint).size(BODY));
        }
        (None, _) => {}
    }
    column![
        container(c)
            .width(Length::Fill)
            .padding(16)
            .style(theme::card),
        small_button(text::G_BACK, Message::Home),
    ]
    .spacing(theme::GAP)
    .into()
}
