//! The care of the terminal inside a step (issue 16, `crate::care`): the terminal's health
//! report goes into every package it seals; the clinic keeps each report it receives and sends
//! the owner's settings change until the terminal confirms it; the terminal saves a change it
//! receives (its steps use it from the next one on) and confirms it in its report.

use super::*;
use crate::care;
use crate::package::{Health, Renkei, TerminalSettings};
use std::collections::BTreeMap;

/// The care objects of a package: health (terminal), settings and update (clinic).
pub(super) type CareOut = (
    Option<Health>,
    Option<TerminalSettings>,
    Option<package::Update>,
);

impl Session<'_> {
    /// After a package from the peer was stored: the clinic keeps its health report (with the
    /// clock skew against this trip) and audits a confirmed settings change; the terminal
    /// applies settings it carries (and answers, so the clinic learns of it).
    pub(super) fn care_in(&mut self, m: &package::OpenedManifest) -> Result<(), Error> {
        match self.inst.config.role {
            Role::Clinic => {
                let Some(health) = &m.meta.health else {
                    return Ok(());
                };
                let sent = match m.meta.acks.last() {
                    Some(r) => self.inst.journal.sent_time(r[1])?,
                    None => None,
                };
                let sent = sent.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
                let skew =
                    care::skew_secs(&health.clock, sent, chrono::Local::now().fixed_offset());
                let json = serde_json::to_string(health).unwrap_or_default();
                self.inst
                    .journal
                    .add_health(&self.peer_fp, m.meta.seq, skew, &json)?;
                crate::update::note_report(self.inst, health)?;
                care::note_confirmation(self.inst, health)
            }
            Role::Terminal => {
                if let Some(update) = &m.meta.update {
                    // Verified again here; installed only after the step (update::install_ready,
                    // when `Session::finish` finds it waiting).
                    crate::update::receive_offer(self.inst, update)?;
                }
                let Some(settings) = &m.meta.terminal_settings else {
                    return Ok(());
                };
                // The clinic sends a change until it hears back: always answer one.
                self.acks_needed = true;
                // Saved now; the caller chose this step's options from the settings before it
                // began, so the change governs the steps from the next one on.
                let stick = self.marker.stick_id.clone();
                care::apply_settings(self.inst, settings, Some(&stick)).map(|_| ())
            }
        }
    }

    /// Whether the next package is due for the care alone: the clinic has a settings change the
    /// terminal has not confirmed.
    pub(super) fn care_due(&self) -> Result<bool, Error> {
        Ok(self.inst.config.role == Role::Clinic && care::settings_to_send(self.inst)?.is_some())
    }

    /// What the package sealed now carries for the care: the terminal's health report, or the
    /// clinic's unconfirmed settings change and the update on its way.
    pub(super) fn care_out(&self) -> Result<CareOut, Error> {
        match self.inst.config.role {
            Role::Clinic => Ok((
                None,
                care::settings_to_send(self.inst)?,
                crate::update::offer_to_send(self.inst)?,
            )),
            Role::Terminal => Ok((Some(self.health()?), None, None)),
        }
    }

    /// The terminal's health report at this moment.
    fn health(&self) -> Result<Health, Error> {
        let now = chrono::Local::now().fixed_offset();
        let clock = now + chrono::Duration::seconds(self.opts.clock_offset_secs);
        let awaiting = self.inst.journal.awaiting()?;
        let unanswered = awaiting.len();
        let oldest = awaiting
            .iter()
            .filter_map(|(_, t)| chrono::DateTime::parse_from_rfc3339(t).ok())
            .min()
            .map(|t| (now - t).num_seconds().max(0) as u64);
        let answered = (self.awaiting_before + self.outcome.published).saturating_sub(unanswered);
        let home = self.inst.home.path();
        let (archive_bytes, newest_archived) = tree_size(&home.join("archive"));
        // The newest file the 連携アプリ wrote: in the archive or still in Res / Face.
        let mut newest = newest_archived;
        for sub in [Sub::Res, Sub::Face] {
            if let Some(dir) = folders::find(&self.oqs_root, sub) {
                let (_, n) = tree_size(&dir);
                newest = newest.max(n);
            }
        }
        let last_file_secs = newest.and_then(|t| SystemTime::now().duration_since(t).ok());
        Ok(Health {
            app_version: care::APP_VERSION.to_owned(),
            package_formats: vec![package::VERSION],
            clock: clock.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            free_oqs_bytes: crate::volume::available_space(&self.oqs_root),
            free_state_bytes: crate::volume::available_space(home),
            renkei: Renkei {
                published: self.outcome.published as u64,
                answered: answered as u64,
                unanswered: unanswered as u64,
                oldest_unanswered_secs: oldest,
                last_file_secs: last_file_secs.map(|d| d.as_secs()),
            },
            problems: self.problems()?,
            archive_bytes,
            settings: Some(care::current_settings(
                &self.inst.config,
                care::running_rev(self.inst)?,
            )),
            update: Some(crate::update::report(self.inst)?),
        })
    }

    /// Errors and refusals since the previous trip, by kind: audit outcomes that are problems,
    /// and the `.err` files the 連携アプリ wrote for rejected requests.
    fn problems(&self) -> Result<BTreeMap<String, u64>, Error> {
        let since = self.inst.journal.get_meta("last_trip")?;
        let mut out = BTreeMap::new();
        for row in self.inst.journal.audit_rows(since.as_deref())? {
            let kind = match row.outcome {
                Audited::Refused => "refused".to_owned(),
                Audited::Repaired => "repaired".to_owned(),
                Audited::Collected
                    if row
                        .file
                        .as_deref()
                        .is_some_and(|f| matches!(oqs::classify(f), Kind::Error(_))) =>
                {
                    "err-file".to_owned()
                }
                _ => continue,
            };
            *out.entry(kind).or_insert(0) += 1;
        }
        Ok(out)
    }
}

/// Bytes of the regular files under `dir` and the newest modification time among them.
fn tree_size(dir: &Path) -> (u64, Option<SystemTime>) {
    let (mut bytes, mut newest) = (0u64, None::<SystemTime>);
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(md) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if md.is_dir() {
                todo.push(e.path());
            } else if md.is_file() {
                bytes += md.len();
                if let Ok(m) = md.modified() {
                    newest = newest.max(Some(m));
                }
            }
        }
    }
    (bytes, newest)
}
