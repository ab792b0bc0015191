//! The command line: every command, its arguments and their help (clap).

use clap::{Parser, Subcommand};
use oqs_courier::error::Ui;
use oqs_courier::label::Label;
use oqs_courier::simulate::Encoding;
use oqs_courier::state::Role;
use oqs_courier::{Error, engine, text};
use std::path::PathBuf;

/// oqs-courier: USBメモリでオンライン資格確認の連携ファイルを安全に運びます。
#[derive(Parser)]
#[command(name = "oqs-courier", version, about, long_about = None)]
pub struct Cli {
    /// State directory of this installation (default: per-user app data; env OQS_COURIER_HOME).
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
    /// Set the owner PIN that guards settings, enrolment, revoking and quitting the desktop app.
    Pin {
        #[command(subcommand)]
        action: PinAction,
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
    /// Updates of oqs-courier carried by the stick to the terminal (minisign-signed installers).
    Update {
        #[command(subcommand)]
        action: UpdateAction,
    },
    /// Run the embedded demo: two PCs pair, seal, carry and open a package.
    Demo {
        /// Keep the demo folder instead of removing it.
        #[arg(long)]
        keep: bool,
    },
}

#[derive(Subcommand)]
pub enum Simulator {
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
pub enum StickAction {
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
pub enum UpdateAction {
    /// Check an installer and its signature against the release key compiled into this build
    /// and print its version; changes nothing (exit 1 when refused).
    Verify {
        /// The installer (oqs-courier-setup-<version>.exe).
        #[arg(long, value_name = "FILE")]
        installer: PathBuf,
        /// Its minisign signature (default: <installer>.minisig).
        #[arg(long, value_name = "FILE")]
        sig: Option<PathBuf>,
    },
    /// Clinic: verify an installer and send it to the terminal on the next trips.
    Stage {
        /// The installer (oqs-courier-setup-<version>.exe).
        #[arg(long, value_name = "FILE")]
        installer: PathBuf,
        /// Its minisign signature (default: <installer>.minisig).
        #[arg(long, value_name = "FILE")]
        sig: Option<PathBuf>,
    },
    /// Terminal: install a verified update that arrived (normally done right after the step).
    Install,
    /// Terminal: reinstall the previous version kept from the last update.
    Rollback,
}

/// `pin` subcommands.
#[derive(Debug, Subcommand)]
pub enum PinAction {
    /// Set or replace the owner PIN (4-8 digits), typed twice.
    Set {
        /// Read the PIN once from standard input (one line) instead of asking twice (scripts).
        #[arg(long)]
        pin_stdin: bool,
    },
}

#[derive(Subcommand)]
pub enum PairAction {
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
