//! The one driver of a step: the order of its phases lives here and nowhere else.
//!
//! [`run_step`] is what the CLI (`sync`, `watch`), the desktop app's worker, the demo and the
//! tests call. A caller supplies only a [`Frontend`] — staff's decision at the import prompt,
//! what to show while the step runs, and whether to stop waiting for answers — and can neither
//! skip nor reorder a phase (the Defender scan included).

use super::{ImportRow, Options, Outcome, Session, begin};
use crate::Error;
use crate::state::{Installation, Role};
use std::path::Path;

/// Something a front end may show while a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// New packages from the other PC were received and stored (before anything is shown).
    Received {
        /// Packages.
        packages: usize,
        /// Files in them.
        files: usize,
    },
    /// Clinic: the import prompt was answered (or skipped by auto-import).
    Imported {
        /// Files put into Res / Face.
        published: usize,
        /// Files held for a later prompt.
        held: usize,
        /// Nobody was asked: auto-import (the owner's setting or `sync --yes`).
        unasked: bool,
    },
    /// Terminal: requests handed over into Req.
    Published(usize),
    /// Terminal: answers so far while waiting.
    Waiting {
        /// Requests answered.
        answered: usize,
        /// Requests handed over and waiting.
        total: usize,
        /// Seconds left of the response wait (the step ends then at the latest).
        left_secs: u64,
    },
}

/// What a caller supplies to [`run_step`].
pub trait Frontend {
    /// Clinic: staff's answer to the import prompt — the item ids to import now; every other
    /// row is held for the next prompt. Called only when there are rows and auto-import is off.
    fn decide(&mut self, rows: &[ImportRow]) -> Vec<i64>;

    /// Clinic: auto-import imported these rows without asking (the rows a prompt would have
    /// shown; those flagged incomplete were held). The CLI lists them.
    fn imported_unasked(&mut self, _rows: &[ImportRow]) {}

    /// Something to show while the step runs.
    fn progress(&mut self, _event: Progress) {}

    /// Terminal: whether staff asked to stop waiting for answers (「今すぐ終了」); asked between
    /// looks at the Res and Face folders.
    fn stop_waiting(&self) -> bool {
        false
    }

    /// Who decided the import, for the audit log.
    fn actor(&self) -> String {
        crate::state::actor()
    }
}

/// The rows imported when nobody decides row by row: every row except a file that arrived
/// flagged incomplete ([`ImportRow::imported_unasked`]).
pub fn unasked(rows: &[ImportRow]) -> Vec<i64> {
    rows.iter()
        .filter(|r| r.imported_unasked())
        .map(|r| r.item.id)
        .collect()
}

/// One whole step with the stick at `stick`: receive and verify (refusing the stick on any bad
/// package), the Defender scan when the owner set it, then at the clinic the import prompt and
/// at the terminal publishing the requests and waiting for their answers, then collecting from
/// the OQS folders, sealing and cleaning the stick. When it returns `Ok`, the stick may be
/// removed.
///
/// Auto-import: the owner's setting (`auto_import`) or `opts.assume_yes` (`sync --yes`) imports
/// [`unasked`] rows without calling [`Frontend::decide`].
pub fn run_step(
    inst: &mut Installation,
    stick: &Path,
    opts: Options,
    frontend: &mut dyn Frontend,
) -> Result<Outcome, Error> {
    let role = inst.config.role;
    let auto_import = opts.assume_yes || inst.config.auto_import;
    let mut session = begin(inst, stick, opts)?;
    session.scan_received()?;
    if session.outcome.packages_received > 0 {
        frontend.progress(Progress::Received {
            packages: session.outcome.packages_received,
            files: session.outcome.files_received,
        });
    }
    match role {
        Role::Clinic => import(&mut session, auto_import, frontend)?,
        Role::Terminal => {
            let n = session.publish_requests()?;
            if n > 0 {
                frontend.progress(Progress::Published(n));
            }
            session.wait(frontend)?;
        }
    }
    session.collect()?;
    session.finish()
}

fn import(
    session: &mut Session<'_>,
    auto_import: bool,
    frontend: &mut dyn Frontend,
) -> Result<(), Error> {
    let rows = session.import_rows()?;
    if rows.is_empty() {
        return Ok(());
    }
    let ids = if auto_import {
        frontend.imported_unasked(&rows);
        unasked(&rows)
    } else {
        frontend.decide(&rows)
    };
    session.import(&ids, &frontend.actor())?;
    session.outcome.auto_imported = auto_import;
    frontend.progress(Progress::Imported {
        published: session.outcome.published,
        held: session.outcome.held,
        unasked: auto_import,
    });
    Ok(())
}
