//! What the home screen and `oqs-courier status` show: one computation for both front ends.

use super::io;
use crate::Error;
use crate::journal::{Dir, State};
use crate::oqs;
use crate::oqs::folders;
use crate::oqs::folders::Sub;
use crate::state::{Installation, Role};
use std::fs;

/// Requests without an answer for this long are pointed out (home screen and `status`).
pub const OLD_UNANSWERED_HOURS: i64 = 24;

/// The state of this installation at a glance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    /// The paired PC's name, if paired.
    pub peer: Option<String>,
    /// Link files in this PC's OQS folders that the next step would look at.
    pub waiting_in_folders: usize,
    /// Files travelling to the other PC, not yet acknowledged.
    pub in_transit: usize,
    /// Clinic: results waiting for the import prompt (new or held).
    pub to_import: usize,
    /// Terminal: requests handed over and not yet answered.
    pub awaiting: usize,
    /// Requests without an answer for [`Status::old_hours`] or more.
    pub old_unanswered: usize,
    /// The threshold of [`Status::old_unanswered`].
    pub old_hours: i64,
    /// When the last step finished (RFC 3339), if ever.
    pub last_trip: Option<String>,
    /// Sticks in use (label, id), revoked ones left out.
    pub sticks: Vec<(String, String)>,
    /// Clinic: the terminal's health and settings (資格確認端末の状態); `None` at the terminal.
    pub care: Option<crate::care::Overview>,
}

/// Computes the [`Status`]; `old_hours` is the threshold for "old unanswered requests".
pub fn status(inst: &Installation, old_hours: i64) -> Result<Status, Error> {
    let j = &inst.journal;
    let cutoff = (chrono::Local::now() - chrono::Duration::hours(old_hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    let old_unanswered = match inst.config.role {
        Role::Terminal => j
            .awaiting()?
            .iter()
            .filter(|(_, published)| published.as_str() < cutoff.as_str())
            .count(),
        // The requests without an answer only (journal table `unanswered`), not the history.
        Role::Clinic => j.count_unanswered(&[State::Queued, State::Acked], &cutoff)?,
    };
    Ok(Status {
        peer: inst.peer.as_ref().map(|p| p.label.clone()),
        waiting_in_folders: folder_counts(inst)?,
        in_transit: j.count_items(Dir::Out, &[State::Queued])?,
        to_import: j.count_items(Dir::In, State::WAITING_IN)?,
        awaiting: j.awaiting()?.len(),
        old_unanswered,
        old_hours,
        last_trip: j.get_meta("last_trip")?,
        sticks: j
            .sticks()?
            .into_iter()
            .filter(|s| s.revoked.is_none())
            .map(|s| (s.label, s.id))
            .collect(),
        care: match crate::care::overview(inst)? {
            Some(mut o) => {
                o.update = crate::update::clinic_line(inst)?;
                Some(o)
            }
            None => None,
        },
    })
}

/// Files waiting in this PC's OQS folders to be collected (requests at the clinic; results and
/// face files at the terminal).
fn folder_counts(inst: &Installation) -> Result<usize, Error> {
    let subs: &[Sub] = match inst.config.role {
        Role::Clinic => &[Sub::Req],
        Role::Terminal => &[Sub::Res, Sub::Face],
    };
    let mut n = 0;
    for &sub in subs {
        if let Some(dir) = folders::find(&inst.config.oqs_dir, sub) {
            n += fs::read_dir(&dir)
                .map_err(|e| io(&dir, e))?
                .flatten()
                .filter(|e| oqs::classify(&e.file_name().to_string_lossy()).is_known())
                .count();
        }
    }
    Ok(n)
}
