//! The one integration test binary (ripgrep style): each module covers one area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::print_stdout,
    missing_docs
)]

mod it {
    pub mod care;
    pub mod cli;
    pub mod craft;
    pub mod dry_run;
    pub mod engine;
    pub mod errors;
    pub mod fat;
    pub mod faults;
    pub mod fixture;
    pub mod gui;
    pub mod gui_desktop;
    pub mod gui_owner;
    pub mod gui_prompt;
    pub mod gui_states;
    pub mod gui_update;
    pub mod hostile;
    pub mod journal_fixture;
    pub mod layout;
    pub mod powerloss;
    pub mod regression;
    pub mod roundtrip;
    pub mod selftest;
    pub mod simulate;
    pub mod spec;
    pub mod tamper;
    pub mod update;
    pub mod util;
    pub mod vectors;
    pub mod world;
}
