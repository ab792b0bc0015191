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
