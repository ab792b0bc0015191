//! 作業履歴: the audit log as a table, and its export as CSV.

use super::theme::big_button;
use super::{App, Message};
use crate::engine;
use crate::journal::AuditRow;
use crate::text;
use iced::widget::{column, row, scrollable, text as label};
use iced::{Element, Length};

pub(super) fn view(rows: &[AuditRow]) -> Element<'_, Message> {
    // One font everywhere (the bundled one): the table looks the same on every PC.
    let widths = [3, 2, 6, 4, 3];
    let cells = |values: [&str; 5], size: f32| {
        row(values.into_iter().zip(widths).map(|(v, w)| {
            label(v.to_owned())
                .size(size)
                .width(Length::FillPortion(w))
                .into()
        }))
        .spacing(8)
    };
    let mut list = column![].spacing(4);
    for r in rows {
        let time = r.time.get(..19).unwrap_or(&r.time).replace('T', " ");
        list = list.push(cells(
            [
                &time,
                outcome_word(r.outcome),
                r.file.as_deref().unwrap_or(""),
                r.summary.as_deref().unwrap_or(""),
                r.reason.as_deref().unwrap_or(""),
            ],
            13.0,
        ));
    }
    column![
        label(text::G_HISTORY_HEADING).size(22),
        cells(text::G_HISTORY_COLUMNS, 15.0),
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

/// The word for an audit outcome in the history table.
fn outcome_word(outcome: crate::journal::Outcome) -> &'static str {
    use crate::journal::Outcome;
    match outcome {
        Outcome::Published => text::G_OUTCOME_PUBLISHED,
        Outcome::Received => text::G_OUTCOME_RECEIVED,
        Outcome::Sealed => text::G_OUTCOME_SEALED,
        Outcome::Opened => text::G_OUTCOME_OPENED,
        Outcome::Collected => text::G_OUTCOME_COLLECTED,
        Outcome::Held => text::G_OUTCOME_HELD,
        Outcome::Dropped => text::G_OUTCOME_DROPPED,
        Outcome::Refused => text::G_OUTCOME_REFUSED,
        Outcome::Enrolled => text::G_OUTCOME_ENROLLED,
        Outcome::Revoked => text::G_OUTCOME_REVOKED,
        Outcome::DuplicateIgnored => text::G_OUTCOME_DUPLICATE,
        Outcome::Repaired => text::G_OUTCOME_REPAIRED,
        Outcome::Protected => text::G_OUTCOME_PROTECTED,
    }
}

impl App {
    pub(super) fn export_csv(&mut self) {
        let Some(inst) = &self.inst else { return };
        let Ok(inst) = inst.try_lock() else { return };
        let path = inst.home.path().join(format!(
            "作業履歴-{}.csv",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ));
        // A journal that cannot be read is an error, never a header-only file called a success.
        let written = inst
            .journal
            .audit_rows(None)
            .map_err(|e| e.to_string())
            .and_then(|rows| {
                let mut out = Vec::new();
                engine::write_audit_csv(&rows, &mut out).map_err(|e| e.to_string())?;
                std::fs::write(&path, out).map_err(|e| e.to_string())
            });
        self.notice = Some(match written {
            Ok(()) => text::g_exported(&path.display().to_string()),
            Err(e) => format!("{} ({e})", text::E_STATE_IO),
        });
    }
}
