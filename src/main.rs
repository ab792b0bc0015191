//! The console binary: parses arguments, calls the library, prints Japanese results.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::{Parser, Subcommand};
use oqs_courier::state::{Home, Role};
use oqs_courier::stick::Stick;
use oqs_courier::{Error, demo, text, transfer};
use std::path::PathBuf;
use std::process::ExitCode;

/// oqs-courier: USBメモリでオンライン資格確認の連携ファイルを安全に運びます。
#[derive(Parser)]
#[command(name = "oqs-courier", version, about, long_about = None)]
struct Cli {
    /// State directory of this installation (default: per-user app data; env OQS_COURIER_HOME).
    #[arg(long, global = true, value_name = "DIR")]
    home: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up this PC: role, OQS folder and new keys.
    Init {
        /// clinic (Dynamics PC) or terminal (資格確認端末).
        #[arg(long, value_enum)]
        role: Role,
        /// The OQS folder holding Req, Res and Face.
        #[arg(long, value_name = "DIR")]
        oqs_dir: PathBuf,
        /// Name shown to the paired PC (default: the computer name).
        #[arg(long)]
        label: Option<String>,
    },
    /// Pair this PC with the other one through the stick.
    Pair {
        #[command(subcommand)]
        action: PairAction,
    },
    /// Pack files into one encrypted, signed package for the paired PC.
    Seal {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
        /// Files to pack.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Verify every package on the stick addressed to this PC and list its files; writes nothing.
    Inspect {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify and extract every new package addressed to this PC, atomically.
    Open {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
        /// Destination folder.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Run the embedded demo: two PCs pair, seal, carry and open a package.
    Demo {
        /// Keep the demo folder instead of removing it.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
enum PairAction {
    /// Write this PC's pairing card to the stick.
    Export {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
    },
    /// Read the other PC's pairing card from the stick and print the comparison code.
    Import {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
    },
    /// Show the paired PC and the comparison code.
    Show,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}: {}", text::ERROR_PREFIX, e.message());
            eprintln!("{}: {}", text::HINT_LABEL, e.hint());
            eprintln!("{}: {e}", text::DETAIL_LABEL);
            ExitCode::from(e.kind().exit_code())
        }
    }
}

fn computer_name() -> String {
    ["COMPUTERNAME", "HOSTNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "PC".to_owned())
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    if let Command::Demo { keep } = cli.command {
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
    let home = Home::resolve(cli.home)?;
    match cli.command {
        Command::Init {
            role,
            oqs_dir,
            label,
        } => {
            let inst = home.init(role, &oqs_dir, &label.unwrap_or_else(computer_name))?;
            println!(
                "{}",
                text::initialized(
                    inst.config.role.as_str(),
                    &home.path().display().to_string()
                )
            );
        }
        Command::Pair { action } => {
            let mut inst = home.load()?;
            match action {
                PairAction::Export { stick } => {
                    let path = transfer::pair_export(&inst, &Stick::at(&stick)?)?;
                    println!("{}", text::card_written(&path.display().to_string()));
                }
                PairAction::Import { stick } => {
                    let paired = transfer::pair_import(&mut inst, &Stick::at(&stick)?)?;
                    if let Some(old) = &paired.replaced {
                        println!("{}", text::pair_replaced(old));
                    }
                    println!("{}", text::paired(&paired.label));
                    println!("{}", text::comparison_code(&paired.code));
                }
                PairAction::Show => match &inst.peer {
                    Some(peer) => {
                        println!("{}", text::paired(&peer.label));
                        println!(
                            "{}",
                            text::comparison_code(&transfer::comparison_code(&inst)?)
                        );
                    }
                    None => println!("{}", text::NOT_PAIRED_YET),
                },
            }
        }
        Command::Seal { stick, files } => {
            let mut inst = home.load()?;
            let written = transfer::seal(&mut inst, &Stick::at(&stick)?, &files)?;
            println!(
                "{}",
                text::sealed(written.meta.files.len(), written.meta.seq)
            );
        }
        Command::Inspect { stick, json } => {
            let inst = home.load()?;
            let seen = transfer::inspect(&inst, &Stick::at(&stick)?)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&seen).unwrap_or_default()
                );
            } else {
                print_inspection(&seen);
            }
        }
        Command::Open { stick, to } => {
            let mut inst = home.load()?;
            let report = transfer::open(&mut inst, &Stick::at(&stick)?, &to)?;
            let files: usize = report.applied.iter().map(|p| p.files.len()).sum();
            if !report.applied.is_empty() {
                println!("{}", text::opened(report.applied.len(), files));
                for p in &report.applied {
                    for f in &p.files {
                        println!("  {}  {} bytes  sha256 {}", f.name, f.size, f.sha256);
                    }
                }
            }
            if !report.already_applied.is_empty() {
                println!("{}", text::already_applied(report.already_applied.len()));
            }
            if report.applied.is_empty() && report.already_applied.is_empty() {
                println!("{}", text::NOTHING_FOR_US);
            }
            if report.own_in_transit > 0 {
                println!("{}", text::own_in_transit(report.own_in_transit));
            }
        }
        Command::Demo { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

fn print_inspection(seen: &transfer::Inspection) {
    if seen.packages.is_empty() {
        println!("{}", text::NOTHING_FOR_US);
    } else {
        let files: usize = seen.packages.iter().map(|p| p.files.len()).sum();
        println!("{}", text::inspected(seen.packages.len(), files));
        for p in &seen.packages {
            let status = if p.applied {
                text::STATUS_APPLIED
            } else {
                text::STATUS_NEW
            };
            println!(
                "通番 {}  {}  {}  (package {})",
                p.seq, p.created, status, p.id
            );
            for f in &p.files {
                println!(
                    "  {}  {} bytes  sha256 {}  {}",
                    f.name, f.size, f.sha256, f.kind
                );
            }
        }
    }
    if seen.own_in_transit > 0 {
        println!("{}", text::own_in_transit(seen.own_in_transit));
    }
}
