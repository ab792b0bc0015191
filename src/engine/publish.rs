//! Publishing into the OQS folders: the clinic's import prompt and import, the terminal's
//! requests into Req — through a temporary name, so that nothing is published twice.

use super::*;

impl Session<'_> {
    /// Clinic: the import prompt — every received result not yet published, with its summary.
    pub fn import_rows(&self) -> Result<Vec<ImportRow>, Error> {
        let items = self.inst.journal.items(Dir::In, State::WAITING_IN)?;
        let mut rows = Vec::new();
        for item in items.into_iter().filter(|i| i.folder != Sub::Req) {
            let path = self.stored(item.id);
            let bytes = read_prefix(&path, oqs::MAX_INPUT as u64 + 1)?;
            let mut summary = oqs::summarize(&item.name, &bytes);
            if item.incomplete {
                summary.mark_incomplete();
            }
            rows.push(ImportRow { item, summary });
        }
        Ok(rows)
    }

    /// Clinic: publishes the accepted items into Res / Face; every other pending row is held for
    /// the next prompt. `actor` is who confirmed (recorded in the audit log).
    pub fn import(&mut self, accepted: &[i64], actor: &str) -> Result<(), Error> {
        for row in self.import_rows()? {
            if accepted.contains(&row.item.id) {
                self.publish(&row.item, Some(actor), Some(short_summary(&row.summary)))?;
            } else if row.item.state != State::Held {
                let audit = self.item_audit(&row.item, Flow::Local, Audited::Held, None);
                let id = row.item.id;
                self.inst.journal.transaction(|tx| {
                    tx.set_state(id, State::Held)?;
                    tx.audit(&audit)
                })?;
                self.outcome.held += 1;
            } else {
                self.outcome.held += 1;
            }
        }
        Ok(())
    }

    /// Terminal: publishes every received request into Req and adds it to the awaiting list.
    pub fn publish_requests(&mut self) -> Result<usize, Error> {
        let items = self.inst.journal.items(Dir::In, State::WAITING_IN)?;
        let mut n = 0;
        for item in items.into_iter().filter(|i| i.folder == Sub::Req) {
            self.publish(&item, None, None)?;
            n += 1;
        }
        Ok(n)
    }

    /// Publishes one received item into its OQS subfolder, exactly once.
    pub(super) fn publish(
        &mut self,
        item: &Item,
        actor: Option<&str>,
        summary: Option<String>,
    ) -> Result<(), Error> {
        let sub = item.folder;
        let dir = folder(&self.oqs_root, sub)?;
        let target = dir.join(&item.name);
        if target.exists() {
            // The same name is already there: identical content means an earlier publish of
            // this very file completed; anything else is held for a person to look at.
            let (sum, _) = sha256_file(&target)?;
            if sum != item.sha256 {
                let audit = self.item_audit(
                    item,
                    Flow::Local,
                    Audited::Held,
                    Some("a different file of the same name is in the folder".into()),
                );
                let id = item.id;
                self.inst.journal.transaction(|tx| {
                    tx.set_state(id, State::Held)?;
                    tx.audit(&audit)
                })?;
                self.outcome.held += 1;
                return Ok(());
            }
        } else {
            let tmp = temp_name(&dir, item.id);
            copy_flushed(&self.stored(item.id), &tmp)?;
            let id = item.id;
            self.inst
                .journal
                .transaction(|tx| tx.set_state(id, State::Publishing))?;
            durable::rename(&tmp, &target).map_err(|e| io(&target, e))?;
            durable::sync_dir(&dir).map_err(|e| io(&dir, e))?;
        }
        let mut audit = self.item_audit(item, Flow::Local, Audited::Published, None);
        audit.actor = actor.map(str::to_owned).or(audit.actor);
        audit.summary = summary;
        self.mark_published(item, sub, audit)?;
        self.outcome.published += 1;
        self.checkpoint(Checkpoint::Published);
        Ok(())
    }

    /// Records a completed rename (and, for a request, starts waiting for its answer), then drops
    /// the stored copy.
    pub(super) fn mark_published(
        &mut self,
        item: &Item,
        sub: Sub,
        audit: AuditRow,
    ) -> Result<(), Error> {
        let id = item.id;
        let await_name = (sub == Sub::Req).then(|| item.name.clone());
        self.inst.journal.transaction(|tx| {
            tx.set_state(id, State::Published)?;
            if let Some(n) = &await_name {
                tx.add_awaiting(n)?;
            }
            tx.audit(&audit)
        })?;
        let _ = fs::remove_file(self.stored(item.id));
        Ok(())
    }
}

pub(super) fn temp_name(dir: &Path, id: i64) -> PathBuf {
    dir.join(format!(".oqs-courier-{id}.tmp"))
}

pub(super) fn read_prefix(path: &Path, max: u64) -> Result<Vec<u8>, Error> {
    use std::io::Read;
    let mut out = Vec::new();
    File::open(path)
        .and_then(|f| f.take(max).read_to_end(&mut out))
        .map_err(|e| io(path, e))?;
    Ok(out)
}

/// One line for the audit log and the prompt: kind, patient, state.
pub fn short_summary(s: &Summary) -> String {
    let who = s
        .patients
        .first()
        .and_then(|p| p.name.clone())
        .unwrap_or_default();
    format!("{} {} {}", s.kind_text(), who, s.state.text())
        .trim()
        .to_owned()
}
