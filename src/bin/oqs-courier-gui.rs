//! The desktop app: a thin shell around `oqs_courier::gui`.
#![windows_subsystem = "windows"]

use oqs_courier::gui::{self, Source, startup};
use oqs_courier::state::Home;
use oqs_courier::text;
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
    // Without a console nobody sees an exit code: every failure to start is logged (and shown
    // in a message box on Windows) before exiting with 2.
    let home = match Home::resolve(home) {
        Ok(home) => home,
        Err(e) => {
            let e = oqs_courier::Error::from(e);
            startup::report(None, e.message(), &e.to_string());
            return ExitCode::from(2);
        }
    };
    // One app per state directory: a second start shows the first one's window and ends.
    let _claim = match gui::desktop::claim(home.path()) {
        Ok(claim) => claim,
        Err(_already_running) => return ExitCode::SUCCESS,
    };
    let source = stick.map_or(Source::System, Source::Folder);
    match gui::run(
        home.clone(),
        source,
        oqs_courier::engine::Options::default(),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            startup::report(Some(home.path()), text::G_NO_WINDOW, &e.to_string());
            ExitCode::from(2)
        }
    }
}
