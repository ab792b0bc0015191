//! The console binary: parses arguments, calls the library, prints Japanese results.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::{Parser, Subcommand};
use oqs_courier::simulate::{self, Encoding};
use oqs_courier::state::{Home, Role};
use oqs_courier::stick::Stick;
use oqs_courier::{Error, demo, text, transfer};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

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
    /// Show what the import prompt would show for one OQS link file (kind, state, patients).
    Summary {
        /// The file.
        file: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Simulated ends of the OQS folder interface (development and tests; synthetic data only).
    Simulate {
        #[command(subcommand)]
        which: Simulator,
    },
    /// Run the embedded demo: two PCs pair, seal, carry and open a package.
    Demo {
        /// Keep the demo folder instead of removing it.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
enum Simulator {
    /// The 連携アプリ on the terminal: answers requests from Req into Res, writes face results.
    Renkei {
        /// The terminal's OQS folder.
        #[arg(long, value_name = "DIR")]
        oqs_dir: PathBuf,
        /// Shortest answer delay in milliseconds.
        #[arg(long, default_value_t = 500)]
        delay_min_ms: u64,
        /// Longest answer delay in milliseconds.
        #[arg(long, default_value_t = 3000)]
        delay_max_ms: u64,
        /// Emit a face-reader result every SECS seconds.
        #[arg(long, value_name = "SECS")]
        face_every: Option<f64>,
        /// Seed of the pseudo-random choices.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Encoding of XML responses.
        #[arg(long, value_enum, default_value = "utf8")]
        encoding: Encoding,
        /// Stop after SECS seconds (default: run until killed).
        #[arg(long, value_name = "SECS")]
        duration: Option<f64>,
    },
    /// Dynamics on the clinic PC: writes requests, consumes results; the end-to-end oracle.
    Dynamics {
        /// The clinic's OQS folder.
        #[arg(long, value_name = "DIR")]
        oqs_dir: PathBuf,
        /// How many requests to write.
        #[arg(long, default_value_t = 10)]
        requests: u64,
        /// Spread the requests over SECS seconds.
        #[arg(long, value_name = "SECS", default_value_t = 10.0)]
        over: f64,
        /// Give up after SECS seconds.
        #[arg(long, value_name = "SECS", default_value_t = 60.0)]
        timeout: f64,
        /// Write requests in pieces, like a careless program.
        #[arg(long)]
        slow_writes: bool,
        /// Continue the saved run in this OQS folder.
        #[arg(long)]
        resume: bool,
        /// Only report on the saved run; change nothing.
        #[arg(long)]
        check: bool,
        /// Every N-th request is a 薬剤情報 request (0: none).
        #[arg(long, default_value_t = 0)]
        drug_every: u64,
        /// Encoding of the requests.
        #[arg(long, value_enum, default_value = "shift-jis")]
        encoding: Encoding,
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
    if let Command::Simulate { which } = cli.command {
        return simulate_cmd(which);
    }
    if let Command::Summary { file, json } = &cli.command {
        return summary_cmd(file, *json);
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
        Command::Demo { .. } | Command::Simulate { .. } | Command::Summary { .. } => {}
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

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn simulate_cmd(which: Simulator) -> Result<ExitCode, Error> {
    let stop = AtomicBool::new(false);
    let mut log = std::io::stderr();
    match which {
        Simulator::Renkei {
            oqs_dir,
            delay_min_ms,
            delay_max_ms,
            face_every,
            seed,
            encoding,
            duration,
        } => {
            let mut o = simulate::renkei::Options::new(oqs_dir);
            o.delay_min = Duration::from_millis(delay_min_ms);
            o.delay_max = Duration::from_millis(delay_max_ms.max(delay_min_ms));
            o.face_every = face_every.map(secs);
            o.seed = seed;
            o.encoding = encoding;
            o.duration = duration.map(secs);
            let stats = simulate::renkei::run(&o, &stop, &mut log)?;
            println!(
                "responses {}, errors {}, face {}",
                stats.answered,
                stats.errors,
                stats.faces.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Simulator::Dynamics {
            oqs_dir,
            requests,
            over,
            timeout,
            slow_writes,
            resume,
            check,
            drug_every,
            encoding,
        } => {
            let report = if check {
                simulate::dynamics::check(&oqs_dir)?
            } else {
                let mut o = simulate::dynamics::Options::new(oqs_dir);
                o.requests = requests;
                o.over = secs(over);
                o.timeout = secs(timeout);
                o.slow_writes = slow_writes;
                o.resume = resume;
                o.drug_every = drug_every;
                o.encoding = encoding;
                simulate::dynamics::run(&o, &stop, &mut log)?
            };
            for w in &report.waiting {
                println!("waiting: {w}");
            }
            for u in &report.unexpected {
                println!("unexpected: {u}");
            }
            println!("{report}");
            Ok(if report.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn summary_cmd(file: &std::path::Path, json: bool) -> Result<ExitCode, Error> {
    use oqs_courier::oqs::summary::MAX_INPUT;
    use std::io::Read;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_INPUT as u64 + 1).read_to_end(&mut bytes))
        .map_err(|source| oqs_courier::state::Error::Io {
            path: file.to_owned(),
            source,
        })?;
    let s = oqs_courier::oqs::summarize(name, &bytes);
    if json {
        println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let today = chrono::Local::now().date_naive();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| text::NO_VALUE.to_owned());
    println!("{}", s.name);
    println!("  {}: {}", text::L_KIND, s.kind_text());
    println!("  {}: {}", text::L_STATE, s.state.text());
    if let Some(e) = &s.encoding {
        let e = match e {
            oqs_courier::oqs::TextEncoding::Utf8 => "UTF-8",
            oqs_courier::oqs::TextEncoding::ShiftJis => "Shift_JIS",
        };
        println!("  {}: {e}", text::L_ENCODING);
    }
    let date = s.date().map_or_else(
        || text::NO_VALUE.to_owned(),
        |d| d.format("%Y-%m-%d").to_string(),
    );
    println!("  {}: {date}（{}）", text::L_DATE, s.age_text(today));
    if s.error_code.is_some() || s.error_message.is_some() {
        println!(
            "  {}: {} {}",
            text::L_ERROR,
            opt(&s.error_code),
            opt(&s.error_message)
        );
    }
    if let Some(r) = &s.reception_number {
        println!("  {}: {r}", text::L_RECEPTION);
    }
    for p in &s.patients {
        println!(
            "  {}: {}（{}）",
            text::L_PATIENT,
            opt(&p.name),
            opt(&p.kana)
        );
        let birth = p.birth_date.map_or_else(
            || text::NO_VALUE.to_owned(),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let sex = p.sex.as_ref().map_or(text::NO_VALUE, |x| x.text());
        println!("    {}: {birth}  {}: {sex}", text::L_BIRTH, text::L_SEX);
        println!(
            "    {}: {}  {}: {} / {} / {}",
            text::L_INSURER,
            opt(&p.insurer_number),
            text::L_CARD,
            opt(&p.card_symbol),
            opt(&p.card_number),
            opt(&p.card_branch)
        );
        let validity = p
            .validity
            .as_ref()
            .or(s.validity.as_ref())
            .map_or(text::NO_VALUE, |v| v.text());
        println!(
            "    {}: {validity}  {}: {}",
            text::L_VALIDITY,
            text::L_REFNO,
            opt(&p.reference_number)
        );
    }
    Ok(ExitCode::SUCCESS)
}
