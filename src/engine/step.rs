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

/// Why staff chose not to import a result (取り込まない); recorded in the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// 古い結果: an old result nobody needs any more.
    Old,
    /// 重複: the same result was imported already.
    Duplicate,
    /// 誤った患者: the result is for the wrong patient.
    WrongPatient,
    /// その他.
    Other,
}

impl DropReason {
    /// Every reason, in the order staff see them.
    pub const ALL: [DropReason; 4] = [
        DropReason::Old,
        DropReason::Duplicate,
        DropReason::WrongPatient,
        DropReason::Other,
    ];

    /// The words staff see and the audit log records.
    pub fn text(self) -> &'static str {
        match self {
            DropReason::Old => crate::text::DROP_OLD,
            DropReason::Duplicate => crate::text::DROP_DUPLICATE,
            DropReason::WrongPatient => crate::text::DROP_WRONG_PATIENT,
            DropReason::Other => crate::text::DROP_OTHER,
        }
    }
}

/// Staff's answer to the import prompt: what to import now, what never to import (with the
/// reason); every other row is held for the next prompt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    /// Journal item ids to publish now.
    pub import: Vec<i64>,
    /// Journal item ids not to import, ever (取り込まない), each with its reason.
    pub drop: Vec<(i64, DropReason)>,
    /// The stick was pulled while the prompt was up: hold everything and end the step without
    /// writing to the stick (the received files are kept in the journal).
    pub stick_removed: bool,
}

impl Decision {
    /// Import `ids`, hold the rest.
    pub fn import(ids: Vec<i64>) -> Self {
        Self {
            import: ids,
            ..Self::default()
        }
    }

    /// Import nothing now (後で).
    pub fn later() -> Self {
        Self::default()
    }
}

/// What a caller supplies to [`run_step`].
pub trait Frontend {
    /// Clinic: staff's answer to the import prompt. Called only when there are rows and
    /// auto-import is off.
    fn decide(&mut self, rows: &[ImportRow]) -> Decision;

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
    if session.outcome.stick_removed {
        // The stick is gone: nothing is written to it; what it brought is kept in the journal
        // (held) and was acknowledged by being recorded as applied — it travels back next time.
        return Ok(session.outcome.clone());
    }
    session.collect()?;
    session.finish()
}

/// Clinic, without a stick: the import prompt for the results waiting in the journal (held or
/// not yet shown), and publishing the chosen ones into Res / Face — what the home screen's
/// 「保留中の結果を取り込む」 does. Takes the installation's step lock like a step; does nothing
/// on the terminal or when nothing waits.
pub fn import_held(inst: &mut Installation, frontend: &mut dyn Frontend) -> Result<Outcome, Error> {
    let mut outcome = Outcome::default();
    if inst.config.role != Role::Clinic {
        return Ok(outcome);
    }
    let _lock = inst.home.lock()?;
    let oqs_root = inst.config.oqs_dir.clone();
    let mut desk = super::publish::Desk {
        inst,
        stick: None,
        oqs_root: &oqs_root,
        hook: None,
        outcome: &mut outcome,
    };
    let rows = desk.import_rows()?;
    if rows.is_empty() {
        return Ok(outcome);
    }
    let decision = frontend.decide(&rows);
    desk.import(&decision, &frontend.actor())?;
    frontend.progress(Progress::Imported {
        published: outcome.published,
        held: outcome.held,
        unasked: false,
    });
    Ok(outcome)
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
    let decision = if auto_import {
        frontend.imported_unasked(&rows);
        Decision::import(unasked(&rows))
    } else {
        frontend.decide(&rows)
    };
    if decision.stick_removed {
        // Nobody decided anything: every file stays waiting as it was (new ones are not
        // marked held), and the step ends without the stick.
        let mut files: Vec<i64> = rows.iter().map(|r| r.item.id).collect();
        files.dedup();
        session.outcome.held = files.len();
        session.outcome.stick_removed = true;
        return Ok(());
    }
    session.import(&decision, &frontend.actor())?;
    session.outcome.auto_imported = auto_import;
    frontend.progress(Progress::Imported {
        published: session.outcome.published,
        held: session.outcome.held,
        unasked: auto_import,
    });
    Ok(())
}
