//! The clinic's import prompt (取り込みの確認): one row per person, flagged rows first under
//! 「確認が必要」 and unticked, a question before a flagged row is imported, 取り込まない with a
//! reason, whole-row clicks and the keyboard (Tab / Shift-Tab, Space, Enter, Esc).
//!
//! What the rows say and which need a look is [`crate::review`]; this file keeps the screen's
//! state and draws it.

use super::theme::{
    BAND, FOCUS, INK, MUTED, ORANGE, PLAIN, RED, TICKED, big_button, primary_button,
};
use super::{Message, Screen};
use crate::engine::{Decision, DropReason, Outcome};
use crate::review::{self, Row};
use crate::text;
use iced::widget::scrollable::{Direction, Scrollbar};
use iced::widget::text::{LineHeight, Wrapping};
use iced::widget::{Space, button, column, container, row, scrollable, text as label};
use iced::{Background, Border, Element, Length, Padding};

/// The import prompt's state.
#[derive(Clone, Debug)]
pub struct Prompt {
    /// The rows still to decide (one per person; flagged files first).
    pub rows: Vec<Row>,
    /// Which rows are ticked (the rows of one file always agree).
    pub selected: Vec<bool>,
    /// The row with the keyboard focus.
    pub focus: Option<usize>,
    /// A question over the list, if one is open.
    pub ask: Option<Ask>,
    /// Files staff chose not to import, with the reason (sent with the decision).
    pub drops: Vec<(i64, DropReason)>,
    /// A one-line hint (e.g. nothing chosen to drop).
    pub hint: Option<&'static str>,
}

/// A question open over the prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Flagged rows are ticked: 「本日以外の結果が 2 件あります。取り込みますか？」
    Confirm(String),
    /// Which reason for 取り込まない, for these files.
    DropReason(Vec<i64>),
}

/// What the user did on the prompt (besides [`Message::Toggle`], [`Message::SelectAll`],
/// [`Message::Import`] and [`Message::Later`]).
#[derive(Clone, Debug)]
pub enum Msg {
    /// A row was clicked anywhere: toggles its file.
    Row(usize),
    /// 選んだ結果を取り込まない.
    Drop,
    /// The reason chosen for 取り込まない.
    DropBecause(DropReason),
    /// はい to the question.
    Yes,
    /// いいえ / やめる.
    No,
}

/// How a prompt ended without a stick step's done screen.
#[derive(Clone, Debug)]
pub enum End {
    /// The stick was pulled while the prompt was up: `kept` files are held in this PC.
    StickPulled {
        /// Files received from the stick and kept (held).
        kept: usize,
    },
    /// Held results were imported from the home screen (no stick).
    Held(Outcome),
}

impl Prompt {
    /// The prompt for `rows`: flagged rows and rows held before start unticked.
    pub fn new(rows: Vec<Row>) -> Self {
        let selected = rows.iter().map(Row::ticked_at_first).collect();
        Self {
            rows,
            selected,
            focus: None,
            ask: None,
            drops: Vec::new(),
            hint: None,
        }
    }

    /// Ticks or unticks every row of the file of row `i`.
    pub fn set(&mut self, i: usize, on: bool) {
        let Some(id) = self.rows.get(i).map(|r| r.id) else {
            return;
        };
        for (r, s) in self.rows.iter().zip(self.selected.iter_mut()) {
            if r.id == id {
                *s = on;
            }
        }
        self.hint = None;
    }

    fn toggle(&mut self, i: usize) {
        let on = !self.selected.get(i).copied().unwrap_or(true);
        self.set(i, on);
    }

    fn ticked_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .rows
            .iter()
            .zip(&self.selected)
            .filter(|(_, s)| **s)
            .map(|(r, _)| r.id)
            .collect();
        ids.dedup();
        ids
    }

    /// The decision to import what is ticked (and drop what was chosen).
    fn decision(&self) -> Decision {
        Decision {
            import: self.ticked_ids(),
            drop: self.drops.clone(),
            stick_removed: false,
        }
    }

    /// 取り込む: the decision, or `None` while a question must be answered first.
    pub fn import(&mut self) -> Option<Decision> {
        if self.ask.is_some() {
            return None;
        }
        let ticked = self.rows.iter().zip(&self.selected).filter(|(_, s)| **s);
        match review::question(ticked.map(|(r, _)| r)) {
            Some(q) => {
                self.ask = Some(Ask::Confirm(q));
                None
            }
            None => Some(self.decision()),
        }
    }

    /// 後で: import nothing now; what was chosen not to import is still dropped.
    pub fn later(&self) -> Decision {
        Decision {
            import: Vec::new(),
            drop: self.drops.clone(),
            stick_removed: false,
        }
    }

    /// Handles `m`; returns staff's decision when the prompt is done.
    pub fn update(&mut self, m: Msg) -> Option<Decision> {
        match m {
            Msg::Row(i) => {
                if self.ask.is_none() {
                    self.focus = Some(i);
                    self.toggle(i);
                }
            }
            Msg::Drop => {
                let mut ids = self.ticked_ids();
                if ids.is_empty()
                    && let Some(r) = self.focus.and_then(|i| self.rows.get(i))
                {
                    ids.push(r.id);
                }
                if ids.is_empty() {
                    self.hint = Some(text::G_DROP_NONE);
                } else {
                    self.ask = Some(Ask::DropReason(ids));
                }
            }
            Msg::DropBecause(why) => {
                if let Some(Ask::DropReason(ids)) = self.ask.take() {
                    self.drops.extend(ids.iter().map(|&id| (id, why)));
                    let keep: Vec<bool> = self.rows.iter().map(|r| !ids.contains(&r.id)).collect();
                    let mut k = keep.iter();
                    self.rows.retain(|_| *k.next().unwrap_or(&true));
                    let mut k = keep.iter();
                    self.selected.retain(|_| *k.next().unwrap_or(&true));
                    self.focus = self.focus.filter(|&f| f < self.rows.len());
                }
            }
            Msg::Yes => {
                if matches!(self.ask, Some(Ask::Confirm(_))) {
                    self.ask = None;
                    return Some(self.decision());
                }
            }
            Msg::No => self.ask = None,
        }
        None
    }

    /// Where the focused row sits in the list, from 0 (top) to 1 (bottom): the window scrolls
    /// there so that Tab never moves the focus out of sight.
    pub fn focus_offset(&self) -> Option<f32> {
        let f = self.focus?;
        Some(f as f32 / self.rows.len().saturating_sub(1).max(1) as f32)
    }

    /// A key on the prompt: Tab / Shift-Tab move the focus between rows, Space toggles the
    /// focused row, Enter is 取り込む (or はい to an open question), Esc is 後で (or いいえ).
    pub fn key(&mut self, key: &iced::keyboard::Key, shift: bool) -> Option<Decision> {
        use iced::keyboard::key::{Key, Named};
        let Key::Named(named) = key else {
            return None;
        };
        match (named, &self.ask) {
            (Named::Enter, Some(Ask::Confirm(_))) => self.update(Msg::Yes),
            (Named::Escape, Some(_)) => self.update(Msg::No),
            (_, Some(_)) => None,
            (Named::Tab, None) if !self.rows.is_empty() => {
                let n = self.rows.len();
                self.focus = Some(match (self.focus, shift) {
                    (None, false) => 0,
                    (None, true) => n - 1,
                    (Some(f), false) => (f + 1) % n,
                    (Some(f), true) => (f + n - 1) % n,
                });
                None
            }
            (Named::Space, None) => {
                if let Some(f) = self.focus {
                    self.toggle(f);
                }
                None
            }
            (Named::Enter, None) => self.import(),
            (Named::Escape, None) => Some(self.later()),
            _ => None,
        }
    }
}

/// The rows' scrollable (the keyboard focus scrolls it, [`Prompt::focus_offset`]).
pub const LIST: &str = "prompt-rows";

/// Column widths (logical px): the headings use the very same ones.
/// The checkbox: its box is the whole widget (no label), a big hit target.
const W_CHECK: f32 = 24.0;
const W_MARK: f32 = 12.0;
const W_KIND: f32 = 196.0;
const W_BIRTH: f32 = 92.0;
const W_INSURER: f32 = 136.0;
const W_VALIDITY: f32 = 104.0;
const W_DATE: f32 = 160.0;
const SPACING: f32 = 8.0;
/// Inner padding of a row (the headings get the same, plus the scrollbar's width on the right).
const ROW_PAD: f32 = 3.0;
const SCROLLBAR: f32 = 10.0;
/// Between the list and its scrollbar (which floats over a margin kept free for it).
const SCROLLBAR_GAP: f32 = 2.0;
/// Text sizes: the first line of a row, the second (kana, sex, card number), the notes.
const SIZE: f32 = 15.0;
const SIZE_SMALL: f32 = 12.0;
/// Dense lines: about 12 rows fit a 1024×768 screen.
const LINE: LineHeight = LineHeight::Relative(1.12);

fn cell<'a>(
    top: String,
    bottom: String,
    width: Length,
    colour: iced::Color,
) -> Element<'a, Message> {
    column![
        label(top)
            .size(SIZE)
            .line_height(LINE)
            .color(colour)
            .wrapping(Wrapping::None),
        label(bottom)
            .size(SIZE_SMALL)
            .line_height(LINE)
            .color(MUTED)
            .wrapping(Wrapping::None),
    ]
    .width(width)
    .into()
}

/// The row's tick box, drawn here rather than with iced's checkbox (whose check mark is not
/// clipped by the scrolled list and showed over the buttons): the whole row is its hit target.
fn tick_box<'a>(ticked: bool) -> Element<'a, Message> {
    let mark = label(if ticked { CHECK_MARK } else { "" })
        .font(iced::Font::with_name("Iced-Icons"))
        .size(W_CHECK * 0.7)
        .color(PLAIN)
        .center()
        .width(Length::Fill)
        .height(Length::Fill);
    container(mark)
        .width(W_CHECK)
        .height(W_CHECK)
        .style(move |_| container::Style {
            background: Some(Background::Color(if ticked { FOCUS } else { PLAIN })),
            border: Border::default()
                .width(2)
                .rounded(4)
                .color(if ticked { FOCUS } else { MUTED }),
            ..container::Style::default()
        })
        .into()
}

/// The check mark of iced's bundled icon font.
const CHECK_MARK: &str = "\u{f00c}";

fn line<'a>(r: &Row, ticked: bool, _i: usize, colour: iced::Color) -> Element<'a, Message> {
    let person = if r.person.1 > 1 {
        format!("{}/{} 人目", r.person.0 + 1, r.person.1)
    } else {
        String::new()
    };
    let date = if r.date.is_empty() {
        r.age.clone()
    } else {
        format!("{}（{}）", r.date, r.age)
    };
    row![
        tick_box(ticked),
        label(if r.flagged() { "!" } else { "" })
            .size(SIZE)
            .color(colour)
            .width(W_MARK),
        cell(r.kind.clone(), person, Length::Fixed(W_KIND), colour),
        cell(r.name.clone(), r.kana.clone(), Length::Fill, colour),
        cell(
            r.birth.clone(),
            r.sex.clone(),
            Length::Fixed(W_BIRTH),
            colour
        ),
        cell(
            r.insurer.clone(),
            r.card.clone(),
            Length::Fixed(W_INSURER),
            colour
        ),
        {
            // 無効（新しい資格あり）: the word on top, the parenthesis below.
            let (word, more) = match r.validity.find('（') {
                Some(at) => (r.validity[..at].to_owned(), r.validity[at..].to_owned()),
                None => (r.validity.clone(), String::new()),
            };
            cell(word, more, Length::Fixed(W_VALIDITY), colour)
        },
        cell(date, String::new(), Length::Fixed(W_DATE), colour),
    ]
    .spacing(SPACING)
    .align_y(iced::Alignment::Center)
    .into()
}

fn headings<'a>() -> Element<'a, Message> {
    let widths = [
        Length::Fixed(W_KIND),
        Length::Fill,
        Length::Fixed(W_BIRTH),
        Length::Fixed(W_INSURER),
        Length::Fixed(W_VALIDITY),
        Length::Fixed(W_DATE),
    ];
    let mut r = row![Space::new().width(W_CHECK), Space::new().width(W_MARK)].spacing(SPACING);
    for (h, w) in text::G_REVIEW_COLUMNS.iter().zip(widths) {
        r = r.push(
            label(*h)
                .size(SIZE_SMALL)
                .color(MUTED)
                .wrapping(Wrapping::None)
                .width(w),
        );
    }
    // The same padding as a row (its frame included), plus room for the list's scrollbar.
    container(r)
        .padding(Padding {
            top: 0.0,
            bottom: 0.0,
            left: ROW_PAD,
            right: ROW_PAD + SCROLLBAR + SCROLLBAR_GAP,
        })
        .into()
}

fn band<'a>(title: String, colour: iced::Color, bg: iced::Color) -> Element<'a, Message> {
    container(label(title).size(SIZE).color(colour))
        .padding([2, 8])
        .width(Length::Fill)
        .style(move |_| container::Style {
            background: Some(Background::Color(bg)),
            ..container::Style::default()
        })
        .into()
}

/// The prompt's view.
pub(super) fn view(p: &Prompt) -> Element<'_, Message> {
    let flagged = p.rows.iter().filter(|r| r.flagged()).count();
    let files = |flag: bool| {
        let mut ids: Vec<i64> = p
            .rows
            .iter()
            .filter(|r| r.flagged() == flag)
            .map(|r| r.id)
            .collect();
        ids.dedup();
        ids.len()
    };
    let mut list = column![].spacing(2);
    for (i, r) in p.rows.iter().enumerate() {
        if i == 0 && flagged > 0 {
            list = list.push(band(
                format!("{}（{} 件）", text::G_REVIEW_BAND, files(true)),
                INK,
                BAND,
            ));
        }
        if i == flagged && flagged < p.rows.len() {
            list = list.push(band(
                format!("{}（{} 件）", text::G_REVIEW_OK, files(false)),
                INK,
                TICKED,
            ));
        }
        let ticked = p.selected.get(i).copied().unwrap_or(false);
        let colour = if r.flags.iter().any(|f| {
            matches!(
                f,
                review::Flag::Error | review::Flag::Incomplete | review::Flag::Unreadable
            )
        }) {
            RED
        } else if r.flagged() {
            ORANGE
        } else {
            INK
        };
        let mut body = column![line(r, ticked, i, colour)].spacing(1);
        let mut notes: Vec<String> = r.reasons.clone();
        if r.held && r.person.0 == 0 {
            notes.push(text::G_HELD_BEFORE.to_owned());
        }
        if !r.note.is_empty() {
            notes.push(r.note.clone());
        }
        if !notes.is_empty() {
            body = body.push(
                label(notes.join("　"))
                    .size(SIZE_SMALL)
                    .color(colour)
                    .width(Length::Fill),
            );
        }
        let focused = p.focus == Some(i);
        let bg = match (ticked, r.flagged()) {
            (true, _) => TICKED,
            (false, true) => BAND,
            (false, false) => PLAIN,
        };
        list = list.push(
            button(body)
                .padding(ROW_PAD)
                .width(Length::Fill)
                .on_press(Message::Prompt(Msg::Row(i)))
                .style(move |_, _| button::Style {
                    background: Some(Background::Color(bg)),
                    text_color: INK,
                    border: Border::default().width(2).rounded(4).color(if focused {
                        FOCUS
                    } else {
                        bg
                    }),
                    ..button::Style::default()
                }),
        );
    }
    let mut page = column![
        row![
            label(format!(
                "{}（{} 件）",
                text::G_IMPORT_HEADING,
                p.rows
                    .iter()
                    .map(|r| r.id)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            ))
            .size(20),
            label(text::G_REVIEW_KEYS).size(12).color(MUTED),
        ]
        .spacing(16)
        .align_y(iced::Alignment::Center),
        headings(),
        // The scrollbar floats over a margin the rows always leave free (and the headings
        // too), so the columns stay put whether the list scrolls or not.
        scrollable(container(list).padding(Padding {
            right: SCROLLBAR + SCROLLBAR_GAP,
            ..Padding::ZERO
        }))
        .direction(Direction::Vertical(
            Scrollbar::new().width(SCROLLBAR).scroller_width(SCROLLBAR),
        ))
        .id(LIST)
        .height(Length::Fill),
    ]
    .spacing(6);
    if !p.drops.is_empty() {
        let mut words: Vec<&str> = p.drops.iter().map(|(_, w)| w.text()).collect();
        words.dedup();
        page = page.push(label(text::g_dropped(p.drops.len(), &words.join("・"))).size(14));
    }
    if let Some(h) = p.hint {
        page = page.push(label(h).size(14).color(RED));
    }
    let actions: Element<'_, Message> = match &p.ask {
        Some(Ask::Confirm(q)) => column![
            label(q.as_str()).size(20).color(ORANGE),
            row![
                big_button(text::G_YES, Message::Prompt(Msg::Yes)),
                big_button(text::G_NO, Message::Prompt(Msg::No)),
            ]
            .spacing(16),
        ]
        .spacing(8)
        .into(),
        Some(Ask::DropReason(_)) => {
            let mut reasons = row![].spacing(10);
            for why in DropReason::ALL {
                reasons = reasons.push(
                    button(label(why.text()).size(18))
                        .padding([10, 16])
                        .style(super::theme::secondary)
                        .on_press(Message::Prompt(Msg::DropBecause(why))),
                );
            }
            column![
                label(text::G_DROP_QUESTION).size(18),
                reasons.push(
                    button(label(text::G_DROP_CANCEL).size(18))
                        .padding([10, 16])
                        .style(super::theme::secondary)
                        .on_press(Message::Prompt(Msg::No))
                ),
            ]
            .spacing(8)
            .into()
        }
        None => row![
            primary_button(text::G_IMPORT, Message::Import),
            big_button(text::G_LATER, Message::Later),
            button(label(text::G_SELECT_ALL).size(16))
                .padding([10, 14])
                .style(super::theme::secondary)
                .on_press(Message::SelectAll),
            button(label(text::G_DROP).size(16))
                .padding([10, 14])
                .style(super::theme::secondary)
                .on_press(Message::Prompt(Msg::Drop)),
        ]
        .spacing(12)
        .align_y(iced::Alignment::Center)
        .into(),
    };
    page.push(actions).into()
}

/// The screen after a prompt that did not end in a stick step's done screen.
pub(super) fn end_view(end: &End) -> Element<'_, Message> {
    let (heading, body) = match end {
        End::StickPulled { kept } => (text::G_PULLED, text::g_pulled_kept(*kept)),
        End::Held(o) => (
            text::G_HELD_DONE,
            text::g_held_done(o.published, o.held, o.dropped),
        ),
    };
    column![
        label(heading).size(24),
        super::theme::para(&body).size(18),
        big_button(text::G_BACK, Message::Home),
    ]
    .spacing(16)
    .into()
}

/// The home screen's button for held results (only when some wait).
pub(super) fn held_button<'a>(n: usize) -> Option<Element<'a, Message>> {
    (n > 0).then(|| {
        button(label(text::g_import_held(n)).size(18))
            .padding([10, 18])
            .style(super::theme::secondary)
            .on_press(Message::ImportHeld)
            .into()
    })
}

/// Whether the screen is the prompt.
pub(super) fn is_prompt(s: &Screen) -> bool {
    matches!(s, Screen::Prompt(_))
}
