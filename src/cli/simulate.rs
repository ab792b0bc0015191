//! `simulate renkei|dynamics`: the simulated ends of the OQS folder interface.

use super::args::Simulator;
use super::step::secs;
use oqs_courier::{Error, simulate};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// `simulate …`.
pub fn simulate_cmd(which: Simulator) -> Result<ExitCode, Error> {
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
