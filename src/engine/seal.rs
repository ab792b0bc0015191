//! Sealing: what waits to travel goes into a new package ([`super::plan::seal`] decides what
//! fits), then the stick is cleaned and flushed.

use super::*;

impl Session<'_> {
    /// Seals everything not yet acknowledged into a new package, cleans the stick and flushes.
    /// After this returns, the stick may be removed.
    pub fn finish(mut self) -> Result<Outcome, Error> {
        if self.inst.config.role == Role::Terminal && self.outcome.update_ready.is_none() {
            // An update that waits from an earlier step (its installer could not be started) is
            // tried again after this one, whether or not the clinic sent a package.
            self.outcome.update_ready = crate::update::report(self.inst)?.staged;
        }
        // A file that waited for an acknowledged one of the same name takes its turn now.
        self.inst.journal.transaction(|tx| tx.promote_deferred())?;
        let queued = self.inst.journal.items(Dir::Out, &[State::Queued])?;
        let must_ack = self.acks_needed || self.care_due()?;
        let before = self.stick.scan()?;
        let mut cleared = false;
        if !queued.is_empty() || must_ack {
            let peer = self.inst.peer_keys()?;
            let acks = self.inst.acks_for_peer()?;
            let dir = self.stick.packages_dir();
            self.stick.ensure(&dir)?;
            // What fits on the stick travels now, the rest on the next trip (engine::plan).
            let waiting: Vec<plan::Waiting> = queued.iter().map(plan::Waiting::of).collect();
            let room = plan::Room {
                free: crate::volume::available_space(&dir),
                reclaimable: before.manifests.iter().map(|m| package_len(m)).sum(),
            };
            let seal_plan = plan::seal(&waiting, acks.len(), room, must_ack).map_err(|room| {
                EngineError::NoRoom {
                    path: dir.clone(),
                    room,
                }
            })?;
            if seal_plan.clear_first {
                // The new package needs the room of the ones it supersedes: everything they
                // carry is still queued in the journal, so removing them first loses nothing.
                for m in &before.manifests {
                    self.outcome.cleaned += remove_package(m);
                }
                cleared = true;
            }
            let take: std::collections::HashSet<i64> = seal_plan.take.iter().copied().collect();
            let queued: Vec<&Item> = queued.iter().filter(|i| take.contains(&i.id)).collect();
            self.outcome.left_behind = seal_plan.left;
            self.outcome.left_behind_bytes = seal_plan.left_bytes;
            self.outcome.space_needed = seal_plan.need_all;
            let sources: Vec<SourceFile> = queued
                .iter()
                .map(|i| SourceFile {
                    path: self.stored(i.id),
                    name: i.name.clone(),
                    kind: i.kind.clone(),
                    incomplete: i.incomplete,
                })
                .collect();
            let (health, terminal_settings, update) = self.care_out()?;
            let seq = self.inst.take_seq()?;
            let env = package::Envelope {
                identity: &self.inst.identity,
                recipient: &peer,
                seq,
                sender_role: self.inst.config.role.as_str(),
                acks,
                health,
                terminal_settings,
                update,
            };
            let written = package::write_package(env, &dir, &sources)?;
            let pkg = written.header.id_hex();
            let ids: Vec<i64> = queued.iter().map(|i| i.id).collect();
            let peer_fp = self.peer_fp.clone();
            let stick_id = self.marker.stick_id.clone();
            let rows: Vec<AuditRow> = written
                .meta
                .files
                .iter()
                .map(|f| {
                    let mut r = file_audit(Flow::Out, &pkg, seq, f, Audited::Sealed);
                    r.stick = Some(stick_id.clone());
                    r
                })
                .collect();
            self.inst.journal.transaction(|tx| {
                tx.record_sent(seq, &pkg, &peer_fp, Some(&stick_id), &ids)?;
                rows.iter().try_for_each(|r| tx.audit(r))
            })?;
            self.outcome.sent = sources.len();
            self.outcome.sent_seq = Some(seq);
            self.checkpoint(Checkpoint::Sealed);
            // Our older packages are superseded by this one; the peer's are applied.
            if !cleared {
                for m in &before.manifests {
                    self.outcome.cleaned += remove_package(m);
                }
            }
        } else {
            // Nothing new to send: keep our packages in transit, drop the peer's applied ones.
            for m in &self.applied_now {
                self.outcome.cleaned += remove_package(m);
            }
        }
        // Leftovers of writes cut short (ours or the peer's, on an earlier trip): the lock
        // guarantees that no writer of this PC is using them; the peer is not attached.
        for orphan in before.orphans.iter().chain(&before.temps) {
            if durable::remove_file(orphan).is_ok() {
                self.outcome.cleaned += 1;
            }
        }
        self.checkpoint(Checkpoint::Cleaned);
        durable::sync_dir(&self.stick.packages_dir())
            .map_err(|e| io(&self.stick.packages_dir(), e))?;
        // Every file was flushed as it was written; where Windows allows it, also flush the whole
        // volume (FAT tables, directory entries) before saying the stick may be removed.
        crate::volume::flush_volume(self.stick.root());
        self.prune_archive();
        self.outcome.awaiting = self.inst.journal.awaiting()?.len();
        self.inst
            .journal
            .set_meta("last_trip", &crate::journal::now())?;
        Ok(self.outcome)
    }
}

/// Removes a package (manifest first, so a half-removed package no longer exists); returns how
/// many files were removed.
/// Bytes a package takes on the stick (its manifest and data file; 0 for what cannot be read).
pub(super) fn package_len(manifest: &Path) -> u64 {
    let len = |p: &Path| fs::symlink_metadata(p).map_or(0, |m| m.len());
    len(manifest) + len(&manifest.with_extension(package::DATA_EXT))
}

pub(super) fn remove_package(manifest: &Path) -> usize {
    let data = manifest.with_extension(package::DATA_EXT);
    usize::from(durable::remove_file(manifest).is_ok())
        + usize::from(durable::remove_file(&data).is_ok())
}
