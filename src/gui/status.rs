//! The status screens: home (waiting for a stick), done (取り外せます).

use super::theme::{ORANGE, big_button};
use super::{App, Message};
use crate::engine;
use crate::text;
use iced::Element;
use iced::widget::{column, row, text as label};

impl App {
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
            label(text::g_home_in_transit(i.in_transit)).size(18),
            label(text::g_home_to_import(i.to_import)).size(18),
            label(text::g_home_awaiting(i.awaiting)).size(18),
            label(text::g_home_last_trip(&i.last_trip)).size(18),
            label(text::g_home_sticks(&sticks)).size(18),
        ]
        .spacing(10);
        if self.enrollable.is_some() {
            c = c.push(label(text::G_UNKNOWN_STICK).size(18).color(ORANGE));
            c = c.push(big_button(text::G_ENROLL_THIS, Message::EnrollStick));
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
        c.push(
            row![
                big_button(text::G_HISTORY, Message::History),
                big_button(text::G_SETTINGS, Message::ShowSettings),
            ]
            .spacing(16),
        )
        .into()
    }
}

pub(super) fn done_view(o: &engine::Outcome) -> Element<'_, Message> {
    let mut c = column![].spacing(10);
    if o.published > 0 || o.held > 0 {
        c = c.push(label(text::g_imported(o.published, o.held)).size(20));
    }
    if o.auto_imported && o.published > 0 {
        c = c.push(label(text::G_AUTO_IMPORTED).size(17).color(ORANGE));
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
    if o.incomplete_waiting > 0 {
        c = c.push(
            label(text::incomplete_waiting(o.incomplete_waiting))
                .size(18)
                .color(ORANGE),
        );
    }
    if o.left_behind > 0 {
        c = c.push(
            label(text::left_behind(
                o.left_behind,
                o.left_behind_bytes,
                o.space_needed,
            ))
            .size(18)
            .color(ORANGE),
        );
    }
    c.push(big_button(text::G_BACK, Message::Home)).into()
}
