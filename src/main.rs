//! The console binary: parses the arguments and dispatches to a command in [`cli`]; nothing
//! else. The commands call the library and print Japanese results.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;

use clap::Parser;
use cli::args::{Cli, Command, UpdateAction};
use oqs_courier::state::Home;
use oqs_courier::{Error, demo};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            cli::print_error(&e);
            ExitCode::from(e.kind().exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    // Commands that need no installation.
    let home = match cli.command {
        Command::Demo { keep } => {
            let outcome = demo::run(&mut std::io::stdout(), keep)?;
            if keep {
                println!("{}", outcome.dir.display());
            }
            return Ok(if outcome.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            });
        }
        Command::Simulate { which } => return cli::simulate::simulate_cmd(which),
        Command::Update {
            action: UpdateAction::Verify { installer, sig },
        } => return cli::update::verify(&installer, sig.as_deref()),
        Command::Summary { file, json } => return cli::report::summary_cmd(&file, json),
        _ => Home::resolve(cli.home)?,
    };
    match cli.command {
        Command::Init {
            role,
            oqs_dir,
            label,
        } => cli::setup::init(&home, role, &oqs_dir, label)?,
        Command::Pair { action } => cli::setup::pair(&home, action)?,
        Command::Stick { action } => return cli::setup::stick(&home, action),
        Command::Pin { action } => return cli::setup::pin(&home, action),
        Command::Seal { stick, files } => cli::transfer::seal(&home, &stick, &files)?,
        Command::Inspect { stick, json } => cli::transfer::inspect(&home, &stick, json)?,
        Command::Open { stick, to } => cli::transfer::open(&home, &stick, &to)?,
        Command::Sync {
            stick,
            yes,
            wait,
            quiet_ms,
            dry_run,
        } => return cli::step::sync(&home, &stick, yes, wait, quiet_ms, dry_run),
        Command::Watch {
            stick,
            yes,
            wait,
            interval_ms,
        } => cli::step::watch(&home, stick, yes, wait, interval_ms)?,
        Command::Selftest { stick } => return Ok(cli::report::selftest(&home, stick.as_deref())),
        Command::Status { hours } => cli::report::status(&home, hours)?,
        Command::Log { since, csv } => cli::report::log(&home, since.as_deref(), csv)?,
        Command::Update { action } => return cli::update::update(&home, action),
        Command::Demo { .. } | Command::Simulate { .. } | Command::Summary { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}
