//! 作業履歴: the audit log as a readable table — filtered by period and by what happened, a row
//! selected shows everything recorded about it — and its export as CSV to a place the owner
//! chooses.
//!
//! The rows are read on a thread of their own ([`App::open_history`]): the window never waits
//! on the journal.

use super::theme::{self, BODY, GREY, SMALL, big_button};
use super::{App, Message, Screen};
use crate::engine;
use crate::journal::{AuditRow, Outcome};
use crate::text;
use iced::widget::{button, column, container, row, scrollable, text as label};
use iced::{Color, Element, Length, Task};
use std::path::PathBuf;

/// At most this many rows are shown (the newest); the export has every row of the period.
pub const SHOWN: usize = 500;

/// The period shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Period {
    /// Today only.
    #[default]
    Today,
    /// The last 7 days.
    Week,
    /// The last 30 days.
    Month,
    /// Everything.
    All,
}

impl Period {
    /// Every period, in the order of the buttons.
    pub const ALL: [Period; 4] = [Period::Today, Period::Week, Period::Month, Period::All];

    /// The button's words.
    pub fn words(self) -> &'static str {
        match self {
            Period::Today => text::HI_PERIOD_TODAY,
            Period::Week => text::HI_PERIOD_WEEK,
            Period::Month => text::HI_PERIOD_MONTH,
            Period::All => text::HI_PERIOD_ALL,
        }
    }

    /// The first instant shown (RFC 3339, local), `None` for everything.
    pub fn since(self, now: chrono::DateTime<chrono::Local>) -> Option<String> {
        let days = match self {
            Period::Today => 0,
            Period::Week => 6,
            Period::Month => 29,
            Period::All => return None,
        };
        let day = now.date_naive() - chrono::Days::new(days);
        let start = day.and_hms_opt(0, 0, 0)?;
        start
            .and_local_timezone(chrono::Local)
            .earliest()
            .map(|t| t.to_rfc3339())
    }
}

/// Which outcomes are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Show {
    /// Every row.
    #[default]
    Everything,
    /// Results put into the OQS folders, requests handed over.
    Imported,
    /// Held or dropped results.
    Held,
    /// Refusals and problems.
    Refused,
}

impl Show {
    /// Every filter, in the order of the buttons.
    pub const ALL: [Show; 4] = [Show::Everything, Show::Imported, Show::Held, Show::Refused];

    /// The button's words.
    pub fn words(self) -> &'static str {
        match self {
            Show::Everything => text::HI_SHOW_ALL,
            Show::Imported => text::HI_SHOW_IMPORTED,
            Show::Held => text::HI_SHOW_HELD,
            Show::Refused => text::HI_SHOW_REFUSED,
        }
    }

    /// Whether a row of `outcome` is shown.
    pub fn keeps(self, outcome: Outcome) -> bool {
        match self {
            Show::Everything => true,
            Show::Imported => outcome == Outcome::Published,
            Show::Held => outcome == Outcome::Held,
            Show::Refused => outcome == Outcome::Refused,
        }
    }
}

/// The history screen's state.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The period's rows, newest first (`None` while they are read).
    pub rows: Option<Vec<AuditRow>>,
    /// The period shown.
    pub period: Period,
    /// The outcome filter.
    pub show: Show,
    /// The row whose details are shown (an index into the filtered rows).
    pub selected: Option<usize>,
}

impl History {
    /// The rows the filter keeps, at most [`SHOWN`].
    pub fn shown(&self) -> Vec<&AuditRow> {
        self.rows
            .iter()
            .flatten()
            .filter(|r| self.show.keeps(r.outcome))
            .take(SHOWN)
            .collect()
    }
}

/// What staff did on the history screen.
#[derive(Clone, Debug)]
pub enum Msg {
    /// The rows of the period arrived.
    Loaded(Vec<AuditRow>),
    /// Another period.
    Period(Period),
    /// Another outcome filter.
    Show(Show),
    /// A row was clicked.
    Select(usize),
}

/// Column widths (portions): time, what happened, patient / file, reason.
const WIDTHS: [u16; 4] = [5, 4, 11, 8];
/// Widest text in a cell, in half-width columns (a Japanese character is two), before it is cut
/// with 「…」 at the narrowest window (the selected row shows everything).
const CELL_CHARS: [usize; 4] = [16, 12, 40, 30];
/// The rows' inner padding; the headings get the same so that they sit over their columns.
const ROW_PADDING: [u16; 2] = [3, 6];

/// The screen.
pub(super) fn view(h: &History) -> Element<'_, Message> {
    let filters = row(Period::ALL
        .iter()
        .map(|p| chip(p.words(), *p == h.period, Msg::Period(*p)))
        .chain([label("　").into()])
        .chain(
            Show::ALL
                .iter()
                .map(|s| chip(s.words(), *s == h.show, Msg::Show(*s))),
        ))
    .spacing(6);
    let heading =
        container(cells(text::HI_COLUMNS.map(str::to_owned), 15.0, GREY)).padding(ROW_PADDING);
    let shown = h.shown();
    let list: Element<'_, Message> = match &h.rows {
        None => label(text::HI_LOADING).size(BODY).into(),
        Some(_) if shown.is_empty() => label(text::HI_EMPTY).size(BODY).into(),
        Some(_) => {
            let mut list = column![].spacing(2);
            for (i, r) in shown.iter().enumerate() {
                let values = cell_texts(r).map(|(v, max)| elide(&v, max));
                let line = button(cells(values, SMALL + 1.0, theme::INK))
                    .padding(ROW_PADDING)
                    .width(Length::Fill)
                    .style(move |t, s| row_style(t, s, h.selected == Some(i)))
                    .on_press(Message::HistoryView(Msg::Select(i)));
                list = list.push(line);
            }
            scrollable(list).height(Length::Fill).into()
        }
    };
    let detail: Element<'_, Message> = match h.selected.and_then(|i| shown.get(i)) {
        Some(r) => container(label(details(r)).size(SMALL))
            .width(Length::Fill)
            .padding(8)
            .style(theme::card)
            .into(),
        None => label(text::HI_SELECT_HINT).size(SMALL).color(GREY).into(),
    };
    column![
        label(text::G_HISTORY_HEADING).size(22),
        filters,
        container(column![heading, list].spacing(4))
            .height(Length::Fill)
            .padding(6)
            .style(theme::card),
        detail,
        row![
            big_button(
                text::G_EXPORT,
                Message::Owner(super::owner::Message::Ask(
                    super::owner::Action::ExportHistory
                ))
            ),
            big_button(text::G_BACK, Message::Home)
        ]
        .spacing(16),
    ]
    .spacing(8)
    .into()
}

/// A filter button: filled when chosen.
fn chip(words: &'static str, on: bool, msg: Msg) -> Element<'static, Message> {
    let b = button(label(words).size(SMALL + 1.0)).padding([5, 12]);
    let b = if on {
        b.style(|_, _| button::Style {
            background: Some(iced::Background::Color(theme::Tone::YourTurn.colour())),
            text_color: Color::WHITE,
            border: iced::Border::default().rounded(14),
            ..button::Style::default()
        })
    } else {
        b.style(theme::secondary)
    };
    b.on_press(Message::HistoryView(msg)).into()
}

fn row_style(_: &iced::Theme, status: button::Status, selected: bool) -> button::Style {
    let background = if selected {
        Color::from_rgb8(0xd8, 0xe6, 0xf8)
    } else if matches!(status, button::Status::Hovered) {
        Color::from_rgb8(0xee, 0xf2, 0xf7)
    } else {
        Color::TRANSPARENT
    };
    button::Style {
        background: Some(iced::Background::Color(background)),
        text_color: theme::INK,
        ..button::Style::default()
    }
}

fn cells(values: [String; 4], size: f32, colour: Color) -> Element<'static, Message> {
    row(values.into_iter().zip(WIDTHS).map(|(v, w)| {
        label(v)
            .size(size)
            .color(colour)
            .wrapping(iced::widget::text::Wrapping::None)
            .width(Length::FillPortion(w))
            .into()
    }))
    .spacing(8)
    .into()
}

/// A row's cells, with how long each may be.
fn cell_texts(r: &AuditRow) -> [(String, usize); 4] {
    let who = match (&r.summary, &r.file) {
        (Some(s), _) if !s.is_empty() => s.clone(),
        (_, Some(f)) => f.clone(),
        _ => String::new(),
    };
    [
        (time(&r.time), CELL_CHARS[0]),
        (outcome_word(r.outcome).to_owned(), CELL_CHARS[1]),
        (who, CELL_CHARS[2]),
        (r.reason.clone().unwrap_or_default(), CELL_CHARS[3]),
    ]
}

/// `2026/11/27 09:41` from an RFC 3339 time.
fn time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.format("%Y/%m/%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// `s` cut to `max` half-width columns with 「…」 (a character outside ASCII counts two).
fn elide(s: &str, max: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if s.chars().map(width).sum::<usize>() <= max {
        return s.to_owned();
    }
    let mut cut = String::new();
    let mut used = 2; // the 「…」
    for c in s.chars() {
        used += width(c);
        if used > max {
            break;
        }
        cut.push(c);
    }
    cut.push('…');
    cut
}

/// Everything recorded about a row, one field a line.
fn details(r: &AuditRow) -> String {
    let mut lines = vec![format!("{}　{}", time(&r.time), outcome_word(r.outcome))];
    let mut add = |name: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            lines.push(format!("{name}: {v}"));
        }
    };
    add(text::HI_FIELD_SUMMARY, r.summary.clone());
    add(text::HI_FIELD_FILE, r.file.clone());
    add(text::HI_FIELD_REASON, r.reason.clone());
    add(text::HI_FIELD_ACTOR, r.actor.clone());
    add(text::HI_FIELD_STICK, r.stick.clone());
    add(
        text::HI_FIELD_PACKAGE,
        r.seq
            .map(|s| format!("{} #{s}", r.package_id.clone().unwrap_or_default())),
    );
    lines.join("\n")
}

/// The word for an audit outcome in the history table.
pub(super) fn outcome_word(outcome: Outcome) -> &'static str {
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
        Outcome::PinSet => text::G_OUTCOME_PIN_SET,
        Outcome::PinChanged => text::G_OUTCOME_PIN_CHANGED,
        Outcome::PinLocked => text::G_OUTCOME_PIN_LOCKED,
        Outcome::SettingsSent => text::G_OUTCOME_SETTINGS_SENT,
        Outcome::SettingsApplied => text::G_OUTCOME_SETTINGS_APPLIED,
        Outcome::SettingsConfirmed => text::G_OUTCOME_SETTINGS_CONFIRMED,
        Outcome::UpdateStaged => text::G_OUTCOME_UPDATE_STAGED,
        Outcome::UpdateInstalled => text::G_OUTCOME_UPDATE_INSTALLED,
        Outcome::UpdateDone => text::G_OUTCOME_UPDATE_DONE,
    }
}

impl App {
    /// Opens the history screen and reads the period's rows on a thread of their own; returns
    /// where they arrive, newest first (the window turns it into a task; tests read it
    /// directly, like [`App::start`]).
    pub fn open_history(
        &mut self,
        period: Period,
        show: Show,
    ) -> Option<iced::futures::channel::oneshot::Receiver<Vec<AuditRow>>> {
        let inst = self.inst.clone()?;
        self.screen = Screen::History(History {
            rows: None,
            period,
            show,
            selected: None,
        });
        let since = period.since(chrono::Local::now());
        let (tx, rx) = iced::futures::channel::oneshot::channel();
        std::thread::spawn(move || {
            // Only what the screen can show: the newest rows of the period, and of every
            // outcome a filter picks (the export still writes every row of the period).
            let outcomes: Vec<Outcome> = Show::ALL
                .iter()
                .filter_map(|s| match s {
                    Show::Everything => None,
                    Show::Imported => Some(Outcome::Published),
                    Show::Held => Some(Outcome::Held),
                    Show::Refused => Some(Outcome::Refused),
                })
                .collect();
            let rows = inst
                .lock()
                .ok()
                .and_then(|i| {
                    i.journal
                        .audit_rows_newest(since.as_deref(), &outcomes, SHOWN)
                        .ok()
                })
                .unwrap_or_default();
            let _ = tx.send(rows);
        });
        Some(rx)
    }

    /// [`App::open_history`] as the window's task.
    pub(super) fn show_history(&mut self, period: Period, show: Show) -> Task<Message> {
        match self.open_history(period, show) {
            Some(rx) => Task::perform(rx, |rows| {
                Message::HistoryView(Msg::Loaded(rows.unwrap_or_default()))
            }),
            None => Task::none(),
        }
    }

    /// Handles the history screen's messages.
    pub(super) fn on_history(&mut self, m: Msg) -> Task<Message> {
        let Screen::History(h) = &mut self.screen else {
            return Task::none();
        };
        match m {
            Msg::Loaded(rows) => h.rows = Some(rows),
            Msg::Period(p) => {
                let show = h.show;
                return self.show_history(p, show);
            }
            Msg::Show(s) => {
                h.show = s;
                h.selected = None;
            }
            Msg::Select(i) => h.selected = (h.selected != Some(i)).then_some(i),
        }
        Task::none()
    }

    /// Exports the period's rows as CSV: to the place chosen in the system's save dialog, or,
    /// where there is none, to the desktop.
    pub(super) fn export_csv(&mut self) {
        let Screen::History(h) = &self.screen else {
            return;
        };
        let Some(inst) = &self.inst else { return };
        let Ok(inst) = inst.try_lock() else { return };
        let name = format!(
            "作業履歴-{}.csv",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        let path = if super::dialogs::available() {
            match super::dialogs::save_file(text::G_EXPORT, desktop().as_deref(), &name) {
                Some(p) => p,
                None => return, // cancelled
            }
        } else {
            desktop()
                .unwrap_or_else(|| inst.home.path().to_owned())
                .join(&name)
        };
        let since = h.period.since(chrono::Local::now());
        // A journal that cannot be read is an error, never a header-only file called a success.
        // Row by row as the journal gives them: memory stays flat over years of history.
        let written = (|| -> Result<(), String> {
            let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
            let mut out = std::io::BufWriter::new(file);
            engine::write_audit_csv_header(&mut out).map_err(|e| e.to_string())?;
            inst.journal
                .each_audit_row(since.as_deref(), |r| {
                    engine::write_audit_csv_row(&r, &mut out)
                        .map_err(Box::<dyn std::error::Error>::from)
                })
                .map_err(|e| e.to_string())?;
            std::io::Write::flush(&mut out).map_err(|e| e.to_string())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&path); // no file cut short is left as if complete
        }
        self.notice = Some(match written {
            Ok(()) => text::g_exported(&path.display().to_string()),
            Err(e) => format!("{} ({e})", text::E_STATE_IO),
        });
    }
}

/// The user's desktop (or home) folder, where exports and reports go by default.
pub(crate) fn desktop() -> Option<PathBuf> {
    let home = std::env::var_os("USERPROFILE").or_else(|| std::env::var_os("HOME"))?;
    let home = PathBuf::from(home);
    let desktop = home.join("Desktop");
    Some(if desktop.is_dir() { desktop } else { home })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_at_local_midnight() {
        let now = chrono::Local::now();
        assert_eq!(Period::All.since(now), None);
        let today = Period::Today.since(now).unwrap();
        assert!(today.starts_with(&now.format("%Y-%m-%dT00:00:00").to_string()));
        let week = Period::Week.since(now).unwrap();
        assert!(week < today);
    }

    #[test]
    fn long_cells_are_cut_and_short_ones_kept() {
        assert_eq!(elide("試験 太郎", 10), "試験 太郎");
        assert_eq!(
            elide("OQSsiquc01res_face_20261127090000.xml", 10),
            "OQSsiquc…"
        );
        assert_eq!(elide("登録されていないUSBメモリです", 12), "登録されて…");
    }

    #[test]
    fn filters_keep_only_their_outcomes() {
        assert!(Show::Refused.keeps(Outcome::Refused));
        assert!(!Show::Refused.keeps(Outcome::Published));
        assert!(Show::Everything.keeps(Outcome::Sealed));
    }
}
