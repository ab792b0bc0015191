//! The clinic's import prompt (取り込みの確認): one row per result, staff tick what to import.

use super::theme::{ORANGE, RED, big_button};
use super::{Message, worker};
use crate::text;
use iced::widget::{button, checkbox, column, row, scrollable, text as label};
use iced::{Color, Element, Length};

pub(super) fn view<'a>(rows: &'a [worker::Row], selected: &'a [bool]) -> Element<'a, Message> {
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
            super::theme::primary_button(text::G_IMPORT, Message::Import),
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
