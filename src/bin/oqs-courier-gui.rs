//! The desktop app: a thin shell around `oqs_courier::gui`.
#![windows_subsystem = "windows"]

use oqs_courier::gui::{self, Source};
use oqs_courier::state::Home;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `--home DIR` and `--stick DIR` as in the CLI (the stick folder for demos and tests).
    let mut home = None;
    let mut stick = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--home" => home = args.next().map(PathBuf::from),
            "--stick" => stick = args.next().map(PathBuf::from),
            _ => {}
        }
    }
    let Ok(home) = Home::resolve(home) else {
        return ExitCode::from(2);
    };
    let source = stick.map_or(Source::System, Source::Folder);
    match gui::run(home, source, oqs_courier::engine::Options::default()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(2),
    }
}
