//! The console program's commands, one module per job; `main.rs` only dispatches to them.
//! Every result is printed in Japanese from [`oqs_courier::text`]; errors go through
//! [`print_error`] (message, figures, the CLI's hint, the English detail).

pub mod args;
pub mod report;
pub mod setup;
pub mod simulate;
pub mod step;
pub mod transfer;
pub mod update;

use oqs_courier::error::Ui;
use oqs_courier::{Error, text};

/// Prints an error as staff read it on the console.
pub fn print_error(e: &Error) {
    eprintln!("{}: {}", text::ERROR_PREFIX, e.message());
    if let Some(figures) = e.figures() {
        eprintln!("{figures}");
    }
    eprintln!("{}: {}", text::HINT_LABEL, e.hint_for(Ui::Cli));
    eprintln!("{}: {e}", text::DETAIL_LABEL);
}
