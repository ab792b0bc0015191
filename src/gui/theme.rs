//! The app's look: colours per state, spacing and the common buttons, used by every screen.

use iced::widget::{button, text as label};
use iced::{Color, Element};

pub(crate) const RED: Color = Color::from_rgb(0.72, 0.08, 0.08);
pub(crate) const ORANGE: Color = Color::from_rgb(0.78, 0.42, 0.0);
pub(crate) const GREEN: Color = Color::from_rgb(0.05, 0.45, 0.15);

/// A large, touch-friendly button.
pub(crate) fn big_button<'a, M: Clone + 'a>(caption: &'a str, on: M) -> Element<'a, M> {
    button(label(caption).size(22))
        .padding([12, 28])
        .on_press(on)
        .into()
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
/// Text on a plain background.
pub(crate) const INK: Color = Color::BLACK;
