//! The console binary: parses arguments, calls the library, prints Japanese results.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use clap::{Parser, Subcommand};
use oqs_courier::error::Ui;
use oqs_courier::label::Label;
use oqs_courier::simulate::{self, Encoding};
use oqs_courier::state::{Home, Role};
use oqs_courier::stick::Stick;
use oqs_courier::{Error, demo, detect, engine, text, transfer};
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
        /// Name shown to the paired PC, up to 64 characters (default: the computer name).
        #[arg(long, value_parser = parse_label)]
        label: Option<Label>,
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
    /// Register, list or revoke the USB sticks this pair of PCs uses.
    Stick {
        #[command(subcommand)]
        action: StickAction,
    },
    /// Perform this PC's step with an inserted stick once (clinic: import prompt, then pack the
    /// requests; terminal: hand over requests, wait for answers, pack results).
    Sync {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
        /// Clinic: import every result without asking (also when auto-import is on in the
        /// settings).
        #[arg(long)]
        yes: bool,
        /// Terminal: wait at most SECS seconds for responses (default: the setting, 30 s).
        #[arg(long, value_name = "SECS")]
        wait: Option<f64>,
        /// A file in an OQS folder counts as complete after this many quiet milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 1000)]
        quiet_ms: u64,
        /// Print what the step would do and change nothing (not the stick, the journal or the
        /// OQS folders).
        #[arg(long)]
        dry_run: bool,
    },
    /// Run headless as the resident agent: wait for an enrolled stick, do this PC's step, wait for
    /// its removal, repeat (until the process is stopped).
    Watch {
        /// Watch this folder instead of the removable drives.
        #[arg(long, value_name = "DIR")]
        stick: Option<PathBuf>,
        /// Clinic: import every result without asking (also when auto-import is on in the
        /// settings).
        #[arg(long)]
        yes: bool,
        /// Terminal: wait at most SECS seconds for responses (default: the setting, 30 s).
        #[arg(long, value_name = "SECS")]
        wait: Option<f64>,
        /// Look for drives this often.
        #[arg(long, value_name = "MS", default_value_t = 1000)]
        interval_ms: u64,
    },
    /// Show what is waiting, what is in transit, and the last trip.
    Status {
        /// Warn about requests unanswered for this many hours (the desktop app's home screen
        /// uses the default).
        #[arg(long, default_value_t = engine::OLD_UNANSWERED_HOURS)]
        hours: i64,
    },
    /// Export the audit log (作業履歴).
    Log {
        /// Only entries on or after this date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// CSV (UTF-8 with BOM, for Excel) instead of a table.
        #[arg(long)]
        csv: bool,
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
    /// Check this PC without changing anything (state folder, keys, journal, pairing, OQS folder,
    /// drives, a stick, Defender, the clock) and print a report for support; exit 2 when a check
    /// fails. The report has no patient data.
    Selftest {
        /// Also check the stick at DIR (its root folder): file system, free space, a write,
        /// flush, read and remove of a probe file, and its registration.
        #[arg(long, value_name = "DIR")]
        stick: Option<PathBuf>,
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
enum StickAction {
    /// Register the stick at DIR for this pair of PCs (writes a signed marker).
    Enroll {
        /// The stick (its root folder).
        #[arg(long, value_name = "DIR")]
        stick: PathBuf,
        /// A name for it, e.g. 受付用1 (up to 64 characters).
        #[arg(long, default_value = "USBメモリ", value_parser = parse_label)]
        label: Label,
    },
    /// List the sticks known on this PC.
    List,
    /// Stop using a stick on this PC (e.g. after it was lost).
    Revoke {
        /// The stick id (from `stick list`).
        id: String,
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
            print_error(&e);
            ExitCode::from(e.kind().exit_code())
        }
    }
}

fn print_error(e: &Error) {
    eprintln!("{}: {}", text::ERROR_PREFIX, e.message());
    if let Some(figures) = e.figures() {
        eprintln!("{figures}");
    }
    eprintln!("{}: {}", text::HINT_LABEL, e.hint_for(Ui::Cli));
    eprintln!("{}: {e}", text::DETAIL_LABEL);
}

/// `--label`: the one label rule, refused in Japanese before anything is written (clap then
/// exits with 2, like any usage error).
fn parse_label(s: &str) -> Result<Label, String> {
    Label::new(s).map_err(|e| {
        let e = Error::from(e);
        format!(
            "{}\n{}: {}\n{}: {e}",
            e.message(),
            text::HINT_LABEL,
            e.hint_for(Ui::Cli),
            text::DETAIL_LABEL
        )
    })
}

/// This PC's name when `init` is given none: the computer name, made a valid label.
fn computer_name() -> Label {
    Label::repair(&computer_name_raw(), "PC")
}

fn computer_name_raw() -> String {
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
        Command::Stick { action } => {
            let mut inst = home.load()?;
            match action {
                StickAction::Enroll { stick, label } => {
                    let m = engine::enroll(&mut inst, &stick, &label)?;
                    println!("{}", text::enrolled(&m.label, &m.stick_id));
                }
                StickAction::List => {
                    for s in inst
                        .journal
                        .sticks()
                        .map_err(oqs_courier::state::Error::from)?
                    {
                        let state = s
                            .revoked
                            .as_deref()
                            .map_or("使用中".to_owned(), |r| format!("使用停止 {r}"));
                        println!("{}  {}  {}  {state}", s.id, s.label, s.enrolled);
                    }
                }
                StickAction::Revoke { id } => match engine::revoke(&inst, &id)? {
                    Some(engine::Revoked::Now | engine::Revoked::Already) => {
                        println!("{}", text::revoked(id.trim()));
                    }
                    Some(engine::Revoked::Unseen) => {
                        println!("{}", text::revoked_unseen(id.trim()));
                    }
                    None => {
                        println!("{}", text::unknown_stick(&id));
                        return Ok(ExitCode::from(2));
                    }
                },
            }
        }
        Command::Sync {
            stick,
            yes,
            wait,
            quiet_ms,
            dry_run,
        } => {
            let mut inst = home.load()?;
            let opts = engine::Options {
                quiet: Duration::from_millis(quiet_ms),
                ..step_options(&inst.config, wait)
            };
            if dry_run {
                return dry_run_cmd(&inst, &stick, &opts);
            }
            return sync_cmd(&mut inst, &stick, yes, opts);
        }
        Command::Watch {
            stick,
            yes,
            wait,
            interval_ms,
        } => {
            let mut inst = home.load()?;
            // The system watcher also wakes on Windows' device-arrival messages.
            let watcher = match stick {
                Some(dir) => detect::Watcher::new(Box::new(detect::PathSource::new(dir))),
                None => detect::Watcher::system(),
            };
            let mut watcher = watcher.with_interval(Duration::from_millis(interval_ms.max(100)));
            let stop = AtomicBool::new(false);
            println!("{}", text::INSERT_STICK);
            loop {
                match watcher.next_event(&stop) {
                    Ok(Some(detect::Event::Arrived(v))) => {
                        if !detect::has_courier_folder(&v.mount) {
                            continue; // not a courier stick: never written to
                        }
                        let opts = step_options(&inst.config, wait);
                        if let Err(e) = sync_cmd(&mut inst, &v.mount, yes, opts) {
                            print_error(&e);
                        }
                    }
                    Ok(Some(detect::Event::Removed(_))) => println!("{}", text::INSERT_STICK),
                    Ok(None) => break,
                    Err(e) => print_error(&e.into()),
                }
            }
        }
        Command::Selftest { stick } => {
            let report = oqs_courier::selftest::run(&home, stick.as_deref());
            print!("{}", report.render());
            if report.failures() > 0 {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Status { hours } => {
            let inst = home.load()?;
            status_cmd(&inst, hours)?;
        }
        Command::Log { since, csv } => {
            let inst = home.load()?;
            log_cmd(&inst, since.as_deref(), csv)?;
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

/// The step options from the owner's settings; `--wait` overrides the response wait.
fn step_options(config: &oqs_courier::state::Config, wait: Option<f64>) -> engine::Options {
    engine::Options {
        response_wait: wait.map_or_else(|| config.response_wait(), secs),
        retention_days: config.retention(),
        incomplete_wait: config.incomplete_wait(),
        ..engine::Options::default()
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

fn sync_cmd(
    inst: &mut oqs_courier::state::Installation,
    stick: &std::path::Path,
    yes: bool,
    opts: engine::Options,
) -> Result<ExitCode, Error> {
    println!("{}", text::PROCESSING);
    let role = inst.config.role;
    let opts = engine::Options {
        assume_yes: yes,
        ..opts
    };
    let out = engine::run_step(inst, stick, opts, &mut CliFrontend)?;
    if let Some(seq) = out.sent_seq {
        println!("{}", text::sent(out.sent, seq));
    }
    if role == Role::Terminal && out.awaiting > 0 {
        println!("{}", text::still_awaiting(out.awaiting));
    }
    if out.incomplete_waiting > 0 {
        println!("{}", text::incomplete_waiting(out.incomplete_waiting));
    }
    if out.left_behind > 0 {
        println!(
            "{}",
            text::left_behind(out.left_behind, out.left_behind_bytes, out.space_needed)
        );
    }
    println!("{}", text::REMOVABLE);
    Ok(ExitCode::SUCCESS)
}

fn dry_run_cmd(
    inst: &oqs_courier::state::Installation,
    stick: &std::path::Path,
    opts: &engine::Options,
) -> Result<ExitCode, Error> {
    let plan = engine::dry_run(inst, stick, opts)?;
    println!("{}", text::DRY_RUN_HEADING);
    println!(
        "{}",
        text::dry_received(plan.packages_new, plan.files_new, plan.packages_applied)
    );
    match plan.role {
        Role::Clinic => println!("{}", text::dry_prompt(plan.prompt_rows)),
        Role::Terminal => println!("{}", text::dry_publish(plan.requests_to_publish)),
    }
    println!(
        "{}",
        text::dry_collect(plan.to_collect, plan.flagged, plan.incomplete_waiting)
    );
    match &plan.seal {
        Ok(Some(seal)) => {
            println!("{}", text::dry_seal(seal.take.len()));
            if seal.left > 0 {
                println!(
                    "{}",
                    text::left_behind(seal.left, seal.left_bytes, seal.need_all)
                );
            }
        }
        Ok(None) => println!("{}", text::DRY_NOTHING_TO_SEAL),
        Err(room) => {
            println!("{}", text::E_STICK_FULL);
            println!(
                "{}",
                text::no_room(room.waiting, room.waiting_bytes, room.need_all, room.room)
            );
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The CLI as a step's front end: prints progress, lists the import prompt's rows and asks on
/// the terminal (without one, holds everything for the next time).
struct CliFrontend;

impl CliFrontend {
    fn print_rows(rows: &[engine::ImportRow]) {
        println!("{}", text::import_heading(rows.len()));
        let today = chrono::Local::now().date_naive();
        for r in rows {
            let s = &r.summary;
            let who = s.patients.first();
            let name = who.and_then(|p| p.name.clone()).unwrap_or_default();
            let kana = who.and_then(|p| p.kana.clone()).unwrap_or_default();
            let validity = who
                .and_then(|p| p.validity.as_ref())
                .or(s.validity.as_ref())
                .map_or("", |v| v.text());
            let mark = if s.is_stale(today) || s.state == oqs_courier::oqs::State::Error {
                "!"
            } else {
                " "
            };
            println!(
                "{mark} {:<8} {:<12} {:<14} {:<10} {:<6} {}  {}",
                s.kind_text(),
                name,
                kana,
                validity,
                s.age_text(today),
                s.state.text(),
                r.item.name
            );
            if r.item.incomplete {
                println!("  {}", text::INCOMPLETE_FILE);
            }
        }
    }
}

impl engine::Frontend for CliFrontend {
    fn decide(&mut self, rows: &[engine::ImportRow]) -> Vec<i64> {
        use std::io::IsTerminal;
        Self::print_rows(rows);
        if !std::io::stdin().is_terminal() {
            println!("{}", text::IMPORT_NOT_ASKED);
            return Vec::new();
        }
        print!("{}", text::IMPORT_QUESTION);
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        if matches!(line.trim(), "n" | "N" | "no" | "いいえ") {
            Vec::new()
        } else {
            engine::unasked(rows)
        }
    }

    fn imported_unasked(&mut self, rows: &[engine::ImportRow]) {
        Self::print_rows(rows);
    }

    fn progress(&mut self, event: engine::Progress) {
        match event {
            engine::Progress::Received { packages, files } => {
                println!("{}", text::received(packages, files));
            }
            engine::Progress::Imported {
                published, held, ..
            } => println!("{}", text::published(published, held)),
            engine::Progress::Published(n) => println!("{}", text::requests_published(n)),
            engine::Progress::Waiting { answered, total } if total > 0 => {
                println!("{}", text::waiting(answered, total));
            }
            engine::Progress::Waiting { .. } => {}
        }
    }
}

fn status_cmd(inst: &oqs_courier::state::Installation, hours: i64) -> Result<(), Error> {
    let st = engine::status(inst, hours)?;
    let peer = st.peer.unwrap_or_else(|| text::NOT_PAIRED_YET.to_owned());
    let last = st.last_trip.unwrap_or_else(|| text::NO_VALUE.to_owned());
    for line in text::status_lines(
        inst.config.role.as_str(),
        &peer,
        st.waiting_in_folders,
        st.in_transit,
        st.to_import,
        st.awaiting,
        &last,
    ) {
        println!("{line}");
    }
    if st.old_unanswered > 0 {
        println!("{}", text::old_unanswered(st.old_unanswered, hours));
    }
    Ok(())
}

fn log_cmd(
    inst: &oqs_courier::state::Installation,
    since: Option<&str>,
    csv: bool,
) -> Result<(), Error> {
    let rows = inst
        .journal
        .audit_rows(since)
        .map_err(oqs_courier::state::Error::from)?;
    // Written through one locked handle; a reader that stops early (`log --csv | head`) ends
    // the output quietly instead of a panic on the broken pipe.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = (|| -> std::io::Result<()> {
        use std::io::Write;
        if csv {
            engine::write_audit_csv(&rows, &mut out)?;
        } else {
            for r in &rows {
                writeln!(
                    out,
                    "{}  {:<8} {:<6} {}  {}  {}",
                    r.time,
                    r.outcome,
                    r.direction,
                    r.file.as_deref().unwrap_or(""),
                    r.summary.as_deref().unwrap_or(""),
                    r.reason.as_deref().unwrap_or("")
                )?;
            }
        }
        out.flush()
    })();
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("{}: {e}", text::DETAIL_LABEL);
        }
        _ => {}
    }
    Ok(())
}
