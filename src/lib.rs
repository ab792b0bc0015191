//! oqs-courier: carries オンライン資格確認 link files between a Dynamics PC and the 資格確認端末 on a
//! USB stick, in encrypted, signed, checksummed packages.
//!
//! The library holds all logic and no GUI. Modules are nouns that own one thing:
//! [`package`] (the sealed format), [`crypto`] (keys and primitives), [`label`] (names of PCs
//! and sticks), [`pairing`] (cards and the comparison code), [`stick`] (the folder layout on a stick), [`state`] (the installation's
//! state directory), [`transfer`] (seal / inspect / open for one installation), [`filename`]
//! (which names may travel), [`durable`] (crash-safe writes), [`text`] (everything staff read),
//! [`error`] (the crate error) and [`demo`] (the embedded default run).

pub mod crypto;
pub mod demo;
pub mod detect;
pub mod durable;
pub mod engine;
pub mod error;
pub mod filename;
#[cfg(feature = "gui")]
pub mod gui;
pub mod journal;
pub mod label;
pub mod oqs;
pub mod package;
pub mod pairing;
pub mod selftest;
pub mod simulate;
pub mod state;
pub mod stick;
pub mod text;
pub mod transfer;
pub mod volume;
#[cfg(windows)]
mod win32;

pub use error::{Error, ErrorKind};
