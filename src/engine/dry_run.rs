//! `sync --dry-run`: what a step with this stick would do, computed without writing anything —
//! not to the stick, not to the journal, not to the OQS folders (no lock, no audit row, no probe
//! file). For owners and support: "why does this stick not carry my file?"
//!
//! It reads the same facts a step reads — the stick's marker and packages (fully verified, as
//! `inspect` does), the journal, the OQS folders — and runs the same decisions ([`plan::takes`],
//! [`plan::collect`], [`plan::seal`]). Two things a real step may still do differently: the
//! 連携アプリ may answer while a step waits (the plan counts what is there now), and a file
//! that waits for an earlier one of the same name to be acknowledged is counted as waiting.

use super::plan::{self, Collect, NoRoom, SealPlan};
use super::{Options, destination, folder, package_len, pair_of, sha256_file};
use crate::journal::{Dir, State};
use crate::oqs::{self, folders::Sub};
use crate::state::{Installation, Role};
use crate::stick::Stick;
use crate::{Error, transfer};
use std::path::Path;
use std::time::SystemTime;

/// What a step with this stick would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepPlan {
    /// This PC's role.
    pub role: Role,
    /// New packages from the other PC that the step would receive.
    pub packages_new: usize,
    /// Files in them that would be stored (not duplicates of earlier ones).
    pub files_new: usize,
    /// Packages on the stick received before (removed by the step).
    pub packages_applied: usize,
    /// Clinic: rows of the import prompt.
    pub prompt_rows: usize,
    /// Terminal: requests that would be handed over into Req.
    pub requests_to_publish: usize,
    /// Files the step would take out of the OQS folders.
    pub to_collect: usize,
    /// Of those, files that would travel flagged incomplete.
    pub flagged: usize,
    /// Files left in the OQS folders because their content is still incomplete.
    pub incomplete_waiting: usize,
    /// The package the step would write, or why it could not.
    pub seal: Result<Option<SealPlan>, NoRoom>,
    /// Files waiting to travel (already queued plus those collected now).
    pub waiting_to_travel: usize,
}

/// Computes the [`StepPlan`] of a step by this installation with the stick at `stick_root`.
/// Refuses exactly where the step would (the same errors), but writes nothing anywhere.
pub fn dry_run(inst: &Installation, stick_root: &Path, opts: &Options) -> Result<StepPlan, Error> {
    let role = inst.config.role;
    let stick = Stick::at(stick_root)?;
    let (pair, own, peer) = pair_of(inst)?;
    let marker = stick.verify_marker(&pair, &[own, peer])?;
    if inst.journal.is_revoked(&marker.stick_id)? {
        return Err(crate::stick::Error::Revoked {
            id: marker.stick_id,
        }
        .into());
    }
    let oqs_root = &inst.config.oqs_dir;
    for sub in [Sub::Req, Sub::Res, Sub::Face] {
        folder(oqs_root, sub)?;
    }

    // Receive: every package verified, as the step does before storing anything.
    let inspection = transfer::inspect_for_step(inst, &stick)?;
    let mut plan = StepPlan {
        role,
        packages_new: 0,
        files_new: 0,
        packages_applied: 0,
        prompt_rows: 0,
        requests_to_publish: 0,
        to_collect: 0,
        flagged: 0,
        incomplete_waiting: 0,
        seal: Ok(None),
        waiting_to_travel: 0,
    };
    let mut new_acks: Vec<[u64; 2]> = Vec::new();
    let mut acks_needed = false;
    let (mut new_results, mut new_requests) = (0, 0);
    for p in &inspection.packages {
        if p.applied {
            plan.packages_applied += 1;
            continue;
        }
        plan.packages_new += 1;
        acks_needed |= !p.files.is_empty();
        new_acks.extend(p.acks.iter().copied());
        for f in &p.files {
            let dup = inst
                .journal
                .has_item(Dir::In, &f.name, &f.sha256, State::RECEIVED)?;
            match (dup, destination(role, &f.name)) {
                (false, Some(Sub::Req)) => new_requests += 1,
                (false, Some(_)) => new_results += 1,
                _ => continue,
            }
            plan.files_new += 1;
        }
    }
    let pending = inst.journal.items(Dir::In, State::WAITING_IN)?;
    let pending_req = pending.iter().filter(|i| i.folder == Sub::Req).count();
    match role {
        Role::Clinic => plan.prompt_rows = pending.len() - pending_req + new_results,
        Role::Terminal => plan.requests_to_publish = pending_req + new_requests,
    }

    // Collect: the same decisions as the step, on the files as they are now.
    let subs: &[Sub] = match role {
        Role::Clinic => &[Sub::Req],
        Role::Terminal => &[Sub::Res, Sub::Face],
    };
    let mut waiting: Vec<plan::Waiting> = Vec::new();
    for &sub in subs {
        let dir = folder(oqs_root, sub)?;
        for name in super::complete_files(&dir, opts.quiet)? {
            let kind = oqs::classify(&name);
            if !plan::takes(role, sub, kind)
                || !inst.config.carries(kind)
                || crate::filename::check(&name).is_err()
            {
                continue;
            }
            let path = dir.join(&name);
            let Ok((sha, size)) = sha256_file(&path) else {
                continue;
            };
            let already = match role {
                Role::Clinic => inst
                    .journal
                    .has_item(Dir::Out, &name, &sha, State::COLLECTED)?,
                Role::Terminal => inst.journal.was_collected(sub, &name, &sha)?,
            };
            if already {
                continue;
            }
            let incomplete =
                oqs::complete::check_file(kind, &path) == oqs::Completeness::Incomplete;
            let old_enough = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .is_some_and(|age| age >= opts.incomplete_wait);
            match plan::collect(incomplete, old_enough) {
                Collect::Wait => plan.incomplete_waiting += 1,
                Collect::Take { flagged } => {
                    plan.to_collect += 1;
                    plan.flagged += usize::from(flagged);
                    waiting.push(plan::Waiting {
                        id: i64::MAX - waiting.len() as i64, // after everything queued
                        name_len: name.len(),
                        size,
                        class: plan::Class::of(&name),
                    });
                }
            }
        }
    }

    // Seal: what is queued and not settled by the acknowledgements just received, plus what
    // would be collected.
    let settled: std::collections::HashSet<i64> = inst
        .journal
        .queued_sent_seqs()?
        .into_iter()
        .filter(|(_, seq)| new_acks.iter().any(|[a, b]| (*a..=*b).contains(seq)))
        .map(|(item, _)| item)
        .collect();
    let queued = inst.journal.items(Dir::Out, &[State::Queued])?;
    let mut all: Vec<plan::Waiting> = queued
        .iter()
        .filter(|i| !settled.contains(&i.id))
        .map(plan::Waiting::of)
        .collect();
    all.extend(waiting);
    plan.waiting_to_travel = all.len();
    if !all.is_empty() || acks_needed {
        let scan = stick.scan()?;
        let acks = inst.acks_for_peer()?.len() + usize::from(plan.packages_new > 0);
        let room = plan::Room {
            free: crate::volume::available_space(&stick.packages_dir())
                .or_else(|| crate::volume::available_space(stick_root)),
            reclaimable: scan.manifests.iter().map(|m| package_len(m)).sum(),
        };
        plan.seal = plan::seal(&all, acks, room, acks_needed).map(Some);
    }
    Ok(plan)
}
