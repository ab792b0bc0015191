//! The app's look, used by every screen: one colour per state (so staff tell "working", "your
//! turn", "safe to remove" and "refused" apart at a glance, from across the room), the state
//! banner, the buttons, spacing and text sizes.
//!
//! The primary button's colour (`PRIMARY`) is used by nothing else: `scripts/gui-screenshots.sh`
//! finds the button in a screenshot by it.

use iced::widget::{button, column, container, row, text as label};
use iced::{Background, Border, Color, Element, Length, Theme};

/// Refused, failed, error rows.
pub(crate) const RED: Color = Color::from_rgb(0.72, 0.08, 0.08);
/// Needs a look (stale rows, warnings).
pub(crate) const ORANGE: Color = Color::from_rgb(0.70, 0.36, 0.0);
/// Done, saved.
pub(crate) const GREEN: Color = Color::from_rgb(0.05, 0.45, 0.15);
/// Secondary text.
pub(crate) const GREY: Color = Color::from_rgb(0.36, 0.38, 0.42);
/// Body text.
pub(crate) const INK: Color = Color::from_rgb(0.10, 0.11, 0.13);
/// The primary action (取り込む, 次へ, 保存): one exact colour, found by the screenshot check.
pub(crate) const PRIMARY: Color = Color::from_rgb8(0x1a, 0x56, 0xb0);
/// The page's background.
pub(crate) const PAGE: Color = Color::from_rgb8(0xf6, 0xf7, 0xf9);

/// Body text size; headings and banners are larger, details smaller.
pub(crate) const BODY: f32 = 17.0;
/// Small print (details, notes).
pub(crate) const SMALL: f32 = 14.0;
/// Space between blocks.
pub(crate) const GAP: f32 = 12.0;

/// What the app is doing, as staff must read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Waiting for a stick: nothing to do.
    Idle,
    /// Working: do not pull the stick.
    Busy,
    /// Staff's turn: a decision is needed.
    YourTurn,
    /// Safe to remove: done.
    Safe,
    /// Refused or failed.
    Refused,
}

impl Tone {
    /// The banner's background.
    pub fn colour(self) -> Color {
        match self {
            Tone::Idle => Color::from_rgb8(0x44, 0x55, 0x6b),
            Tone::Busy => Color::from_rgb8(0xb4, 0x5f, 0x06),
            Tone::YourTurn => Color::from_rgb8(0x1d, 0x4e, 0x89),
            Tone::Safe => Color::from_rgb8(0x13, 0x73, 0x33),
            Tone::Refused => Color::from_rgb8(0xa8, 0x14, 0x14),
        }
    }

    /// The state's mark, shown before its words (the bundled font has these glyphs).
    pub fn mark(self) -> &'static str {
        match self {
            Tone::Idle => "○",
            Tone::Busy => "●",
            Tone::YourTurn => "▶",
            Tone::Safe => "✓",
            Tone::Refused => "×",
        }
    }
}

/// Japanese text that breaks only between phrases: the characters of each clause are joined
/// with U+2060 WORD JOINER (invisible; the shaper draws nothing for it), so a line breaks after
/// 、。）」 or a space — never inside a word as in 「いませ／ん。」. A clause longer than the line
/// still breaks (use it with `para`, which allows that).
pub fn phrased(s: &str) -> String {
    const AFTER: &[char] = &[
        '、', '。', '，', '．', '）', '」', '』', '！', '？', '：', ' ', '　', '\n',
    ];
    const BEFORE: &[char] = &['（', '「', '『', ' ', '　', '\n'];
    let mut out = String::with_capacity(s.len() * 2);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev
            && !AFTER.contains(&p)
            && !BEFORE.contains(&c)
        {
            out.push('\u{2060}');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// A sentence for staff: [`phrased`], wrapping between phrases (and inside a clause only when
/// it is longer than the line).
pub(crate) fn para<'a>(s: &str) -> iced::widget::Text<'a> {
    label(phrased(s)).wrapping(iced::widget::text::Wrapping::WordOrGlyph)
}

/// The state banner: a full-width coloured band with the state in large white words and one
/// line below it.
pub(crate) fn banner<'a, M: 'a>(
    tone: Tone,
    title: &'a str,
    line: Option<&'a str>,
) -> Element<'a, M> {
    let mut c = column![
        row![
            label(tone.mark()).size(30).color(Color::WHITE),
            label(title).size(30).color(Color::WHITE)
        ]
        .spacing(12)
    ]
    .spacing(4);
    if let Some(line) = line {
        c = c.push(para(line).size(19).color(Color::WHITE));
    }
    container(c)
        .width(Length::Fill)
        .padding([14, 20])
        .style(move |_| filled(tone.colour()))
        .into()
}

/// A container filled with `colour`, rounded.
pub(crate) fn filled(colour: Color) -> container::Style {
    container::Style {
        background: Some(Background::Color(colour)),
        border: Border::default().rounded(6),
        text_color: Some(Color::WHITE),
        ..container::Style::default()
    }
}

/// A white card with a thin border (lists, forms).
pub(crate) fn card(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(Color::WHITE)),
        border: Border::default()
            .rounded(6)
            .width(1)
            .color(Color::from_rgb8(0xd5, 0xd9, 0xe0)),
        ..container::Style::default()
    }
}

/// The page behind everything.
pub(crate) fn page(_: &Theme) -> container::Style {
    container::Style {
        background: Some(Background::Color(PAGE)),
        text_color: Some(INK),
        ..container::Style::default()
    }
}

/// The primary action: large, in [`PRIMARY`].
pub(crate) fn primary_button<'a, M: Clone + 'a>(caption: &'a str, on: M) -> Element<'a, M> {
    button(label(caption).size(22))
        .padding([12, 30])
        .style(|_, status| {
            let base = match status {
                button::Status::Hovered | button::Status::Pressed => PRIMARY,
                button::Status::Disabled => GREY,
                button::Status::Active => PRIMARY,
            };
            button::Style {
                background: Some(Background::Color(base)),
                text_color: Color::WHITE,
                border: Border::default().rounded(6),
                ..button::Style::default()
            }
        })
        .on_press(on)
        .into()
}

/// A large, touch-friendly secondary button.
pub(crate) fn big_button<'a, M: Clone + 'a>(caption: &'a str, on: M) -> Element<'a, M> {
    button(label(caption).size(20))
        .padding([12, 24])
        .style(secondary)
        .on_press(on)
        .into()
}

/// A small secondary button (settings, history on the home screen).
pub(crate) fn small_button<'a, M: Clone + 'a>(caption: &'a str, on: M) -> Element<'a, M> {
    button(label(caption).size(16))
        .padding([8, 16])
        .style(secondary)
        .on_press(on)
        .into()
}

/// White with a border; darker when pointed at.
pub(crate) fn secondary(_: &Theme, status: button::Status) -> button::Style {
    let background = match status {
        button::Status::Hovered | button::Status::Pressed => Color::from_rgb8(0xe8, 0xec, 0xf2),
        _ => Color::WHITE,
    };
    button::Style {
        background: Some(Background::Color(background)),
        text_color: INK,
        border: Border::default()
            .rounded(6)
            .width(1)
            .color(Color::from_rgb8(0x9a, 0xa3, 0xb0)),
        ..button::Style::default()
    }
}

/// Import prompt: the 「確認が必要」 band and its rows' background.
pub(crate) const BAND: Color = Color::from_rgb(1.0, 0.93, 0.80);
/// Import prompt: background of a ticked row.
pub(crate) const TICKED: Color = Color::from_rgb(0.90, 0.96, 0.90);
/// Import prompt: background of an unticked row.
pub(crate) const PLAIN: Color = Color::WHITE;
/// The keyboard focus frame.
pub(crate) const FOCUS: Color = Color::from_rgb(0.10, 0.35, 0.85);
/// Secondary text (kana, sex, card number, notes).
pub(crate) const MUTED: Color = Color::from_rgb(0.33, 0.33, 0.33);

#[cfg(test)]
mod tests {
    use super::phrased;

    #[test]
    fn clauses_are_joined_and_break_after_punctuation() {
        let p = phrased("抜かないでください。取り外せます");
        // Inside a clause: joined; after 。: a break opportunity (no joiner).
        assert!(p.starts_with("抜\u{2060}か\u{2060}な"));
        assert!(p.contains("。取"));
        // Nothing is lost: without the joiners it is the same text.
        assert_eq!(
            p.replace('\u{2060}', ""),
            "抜かないでください。取り外せます"
        );
        // A bracket opens a new phrase.
        assert!(phrased("結果（試験）").contains("果（"));
    }
}
