//! The package tools: `seal`, `inspect`, `open`.

use oqs_courier::state::Home;
use oqs_courier::stick::Stick;
use oqs_courier::{Error, text, transfer};
use std::path::{Path, PathBuf};

/// `seal`.
pub fn seal(home: &Home, stick: &Path, files: &[PathBuf]) -> Result<(), Error> {
    let mut inst = home.load()?;
    let written = transfer::seal(&mut inst, &Stick::at(stick)?, files)?;
    println!(
        "{}",
        text::sealed(written.meta.files.len(), written.meta.seq)
    );
    Ok(())
}

/// `inspect`.
pub fn inspect(home: &Home, stick: &Path, json: bool) -> Result<(), Error> {
    let inst = home.load()?;
    let seen = transfer::inspect(&inst, &Stick::at(stick)?)?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&seen).unwrap_or_default()
        );
    } else {
        print_inspection(&seen);
    }
    Ok(())
}

/// `open`.
pub fn open(home: &Home, stick: &Path, to: &Path) -> Result<(), Error> {
    let mut inst = home.load()?;
    let report = transfer::open(&mut inst, &Stick::at(stick)?, to)?;
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
    Ok(())
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
