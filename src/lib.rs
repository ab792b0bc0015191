//! oqs-courier: carries オンライン資格確認 link files between a Dynamics PC and the 資格確認端末 on a
//! USB stick, in encrypted, signed, checksummed packages.
//!
//! The library holds all logic and no GUI; `src/main.rs` (the console, with `src/cli/`) and
//! `src/bin/oqs-courier-gui.rs` (the desktop app, [`gui`]) are thin front ends. Modules are
//! nouns that own one thing:
//!
//! - the wire and the keys: [`package`] (the sealed format, `docs/FORMAT.md`), [`crypto`]
//!   (keys and primitives), [`pairing`] (cards and the comparison code), [`label`] (names of
//!   PCs and sticks), [`role`] (clinic or terminal), [`filename`] (which names may travel);
//! - where things live: [`stick`] (the folder layout and enrolment marker on a stick),
//!   [`state`] (the installation's state directory), [`journal`] (its SQLite memory,
//!   `docs/JOURNAL.md`), [`durable`] (crash-safe writes), [`volume`] (free space, flushing a
//!   volume, "full"), [`detect`] (which drives are sticks, and when they arrive);
//! - the work: [`engine`] (a step with a stick: one driver, a pure plan, receive, publish,
//!   collect, seal), [`transfer`] (seal / inspect / open by hand), [`oqs`] (the OQS link files:
//!   names, answers, summaries, folders), [`review`] (the import prompt's rows, flags and
//!   question, GUI-free), [`selftest`] (the owner's check of a PC), [`care`] (the terminal's
//!   health reports and its settings chosen at the clinic);
//! - around it: [`text`] (everything staff read), [`error`] (the crate error, with a hint per
//!   front end), [`simulate`] (the other ends of the OQS interface, for tests and the demo),
//!   [`demo`] (the embedded default run), [`instance`] (one desktop app per state directory),
//!   [`pin`] (the owner PIN that guards the desktop app's owner actions), and
//!   `win32` (Windows only: the crate's only
//!   `unsafe`, plain calls into Windows).
//!
//! No module imports one that imports it back (`tests/it/layout.rs`).

pub mod care;
pub mod crypto;
pub mod demo;
pub mod detect;
pub mod durable;
pub mod engine;
pub mod error;
pub mod filename;
#[cfg(feature = "gui")]
pub mod gui;
pub mod instance;
pub mod journal;
pub mod label;
pub mod oqs;
pub mod package;
pub mod pairing;
pub mod pin;
pub mod review;
pub mod role;
pub mod selftest;
pub mod simulate;
pub mod state;
pub mod stick;
pub mod text;
pub mod transfer;
pub mod update;
pub mod volume;
#[cfg(windows)]
mod win32;

pub use error::{Error, ErrorKind};
