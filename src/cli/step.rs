//! A step with a stick: `sync` (by hand, or `--dry-run`) and `watch` (resident), and the
//! console as the step's [`engine::Frontend`].

use super::print_error;
use oqs_courier::state::{Config, Home, Installation, Role};
use oqs_courier::{Error, detect, engine, review, text};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// `sync`.
pub fn sync(
    home: &Home,
    stick: &Path,
    yes: bool,
    wait: Option<f64>,
    quiet_ms: u64,
    dry_run: bool,
) -> Result<ExitCode, Error> {
    let mut inst = home.load()?;
    let opts = engine::Options {
        quiet: Duration::from_millis(quiet_ms),
        ..step_options(&inst.config, wait)
    };
    if dry_run {
        return dry_run_cmd(&inst, stick, &opts);
    }
    sync_cmd(&mut inst, stick, yes, opts)
}

/// `watch`: waits for an enrolled stick, does the step, waits for its removal, repeats.
pub fn watch(
    home: &Home,
    stick: Option<PathBuf>,
    yes: bool,
    wait: Option<f64>,
    interval_ms: u64,
) -> Result<(), Error> {
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
    Ok(())
}

/// The step options from the owner's settings; `--wait` overrides the response wait.
fn step_options(config: &Config, wait: Option<f64>) -> engine::Options {
    engine::Options {
        response_wait: wait.map_or_else(|| config.response_wait(), secs),
        retention_days: config.retention(),
        incomplete_wait: config.incomplete_wait(),
        ..engine::Options::default()
    }
}

/// Seconds from the command line (negative means 0).
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn sync_cmd(
    inst: &mut Installation,
    stick: &Path,
    yes: bool,
    opts: engine::Options,
) -> Result<ExitCode, Error> {
    println!("{}", text::PROCESSING);
    let role = inst.config.role;
    let opts = engine::Options {
        assume_yes: yes,
        ..opts
    };
    let out = engine::run_step(inst, stick, opts, &mut CliFrontend::default())?;
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
    if out.update_ready.is_some() {
        // The step has ended and the stick is safe to remove: now the verified update.
        if let Some(v) =
            oqs_courier::update::install_ready(inst, &mut oqs_courier::update::SilentInstaller)?
        {
            println!("{}", text::u_audit_install(&v));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn dry_run_cmd(
    inst: &Installation,
    stick: &Path,
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
#[derive(Default)]
struct CliFrontend {
    /// The last answered count printed while waiting (the engine reports once a second).
    answered: Option<usize>,
}

impl CliFrontend {
    fn print_rows(rows: &[engine::ImportRow]) -> Vec<review::Row> {
        println!("{}", text::import_heading(rows.len()));
        let today = chrono::Local::now().date_naive();
        let shown = review::rows(rows, today);
        for r in &shown {
            let mark = if r.flagged() { "!" } else { " " };
            println!(
                "{mark} {:<8} {:<12} {:<14} {:<10} {:<10} {:<6} {}",
                r.kind, r.name, r.kana, r.birth, r.validity, r.date, r.age
            );
            if r.person.0 == 0 {
                println!("    {}", r.file);
            }
            for why in &r.reasons {
                println!("    {why}");
            }
            if !r.note.is_empty() {
                println!("    {}", r.note);
            }
        }
        shown
    }
}

impl engine::Frontend for CliFrontend {
    fn decide(&mut self, rows: &[engine::ImportRow]) -> engine::Decision {
        use std::io::IsTerminal;
        let shown = Self::print_rows(rows);
        if !std::io::stdin().is_terminal() {
            println!("{}", text::IMPORT_NOT_ASKED);
            return engine::Decision::later();
        }
        print!("{}", text::IMPORT_QUESTION);
        let _ = std::io::Write::flush(&mut std::io::stdout());
        let mut line = String::new();
        let _ = std::io::stdin().read_line(&mut line);
        if matches!(line.trim(), "n" | "N" | "no" | "いいえ") {
            return engine::Decision::later();
        }
        // Yes imports what nobody has to look at; a flagged file (stale, error, unreadable, not
        // final, cut short) is held and listed, to be looked at in the desktop app.
        let mut flagged: Vec<i64> = shown.iter().filter(|r| r.flagged()).map(|r| r.id).collect();
        flagged.dedup();
        if !flagged.is_empty() {
            println!("{}", text::held_flagged(flagged.len()));
        }
        engine::Decision::import(
            engine::unasked(rows)
                .into_iter()
                .filter(|id| !flagged.contains(id))
                .collect(),
        )
    }

    fn imported_unasked(&mut self, rows: &[engine::ImportRow]) {
        let _ = Self::print_rows(rows);
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
            engine::Progress::Waiting {
                answered, total, ..
            } if total > 0 && self.answered != Some(answered) => {
                self.answered = Some(answered);
                println!("{}", text::waiting(answered, total));
            }
            engine::Progress::Waiting { .. } => {}
        }
    }
}
