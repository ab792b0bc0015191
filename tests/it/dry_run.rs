//! `sync --dry-run`: the plan of a step, with nothing written anywhere — and a plan that says
//! what the step then really does.

use super::cli::exe;
use super::util::tree;
use super::world::{Act, World, step_opts};
use oqs_courier::engine::{self, StepPlan};
use std::process::Command;

/// Everything a dry run must leave byte-identical: both OQS folders, the stick, and the state
/// directories' files (the journal's write-ahead log and shared-memory files aside: SQLite may
/// create and remove them when a reader opens the database).
fn everything(w: &World) -> Vec<(String, Vec<u8>)> {
    let mut all = Vec::new();
    for (tag, dir) in [
        ("oqs-c", w.oqs(true)),
        ("oqs-t", w.oqs(false)),
        ("stick", w.stick.clone()),
        ("home-c", w.home(true)),
        ("home-t", w.home(false)),
    ] {
        all.extend(
            tree(&dir)
                .into_iter()
                .filter(|(n, _)| !n.ends_with("-wal") && !n.ends_with("-shm"))
                .map(|(n, b)| (format!("{tag}/{n}"), b)),
        );
    }
    all
}

fn cli_dry_run(w: &World, clinic: bool) -> String {
    let out = Command::new(exe())
        .env_remove("OQS_COURIER_HOME")
        .arg("--home")
        .arg(w.home(clinic))
        .args(["sync", "--quiet-ms", "0", "--dry-run", "--stick"])
        .arg(&w.stick)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn plan(w: &World, clinic: bool) -> StepPlan {
    engine::dry_run(&w.load(clinic), &w.stick, &step_opts()).unwrap()
}

fn sealed(p: &StepPlan) -> usize {
    p.seal
        .as_ref()
        .unwrap()
        .as_ref()
        .map_or(0, |s| s.take.len())
}

fn check_and_run(w: &World, clinic: bool) -> StepPlan {
    let before = everything(w);
    let printed = cli_dry_run(w, clinic);
    let p = plan(w, clinic);
    assert!(
        everything(w) == before,
        "a dry run changed the stick, an OQS folder or a journal"
    );
    assert!(printed.contains("何も変更していません"), "{printed}");
    assert!(
        printed.contains(&format!("USBメモリに書き込むもの: {} 件", sealed(&p))) || sealed(&p) == 0,
        "{printed}"
    );
    // The step then does what the plan said.
    let out = w.step(clinic).unwrap();
    assert_eq!(out.packages_received, p.packages_new, "{p:?}\n{out:?}");
    assert_eq!(out.files_received, p.files_new, "{p:?}\n{out:?}");
    assert_eq!(out.collected, p.to_collect, "{p:?}\n{out:?}");
    assert_eq!(out.sent, sealed(&p), "{p:?}\n{out:?}");
    if clinic {
        assert_eq!(out.published, p.prompt_rows, "{p:?}\n{out:?}");
    } else {
        assert_eq!(out.published, p.requests_to_publish, "{p:?}\n{out:?}");
    }
    p
}

#[test]
fn a_dry_run_changes_nothing_and_the_step_then_does_what_it_said() {
    let w = World::new();
    w.act(Act::Dynamics).unwrap();
    let c1 = check_and_run(&w, true);
    assert!(c1.to_collect > 0 && sealed(&c1) == c1.to_collect, "{c1:?}");
    let t1 = check_and_run(&w, false);
    assert_eq!(
        (t1.packages_new, t1.requests_to_publish),
        (1, c1.to_collect)
    );
    w.act(Act::Renkei).unwrap();
    let t2 = check_and_run(&w, false);
    assert!(t2.to_collect > 0, "answers and faces to take: {t2:?}");
    let c2 = check_and_run(&w, true);
    assert!(c2.prompt_rows > 0 && c2.packages_new == 1, "{c2:?}");
    // Nothing new on either side: a plan with nothing to do, and the stick keeps what travels.
    let t3 = check_and_run(&w, false);
    assert_eq!((t3.to_collect, t3.requests_to_publish), (0, 0), "{t3:?}");
}

#[test]
fn a_dry_run_refuses_where_the_step_would() {
    let w = World::new();
    let other = tempfile::tempdir().unwrap();
    let e = engine::dry_run(&w.load(true), other.path(), &step_opts()).unwrap_err();
    assert!(
        matches!(
            e,
            oqs_courier::Error::Stick(oqs_courier::stick::Error::NotEnrolled { .. })
        ),
        "{e}"
    );
    assert!(
        std::fs::read_dir(other.path()).unwrap().next().is_none(),
        "nothing written to a stick that is not enrolled"
    );
}

/// What an owner reads (printed once for a look: `cargo test dry_run -- --nocapture`).
#[test]
fn the_printed_plan_names_each_phase() {
    let w = World::new();
    w.act(Act::Dynamics).unwrap();
    let printed = cli_dry_run(&w, true);
    eprintln!("{printed}");
    for line in [
        "受け取るもの: 新しいパッケージ 0 個",
        "取り込み画面に出るもの: 0 件",
        "OQSフォルダから取り出すもの:",
        "USBメモリに書き込むもの:",
    ] {
        assert!(printed.contains(line), "{line} missing:\n{printed}");
    }
}
