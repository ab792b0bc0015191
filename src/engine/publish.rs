//! Publishing into the OQS folders: the clinic's import prompt and import, the terminal's
//! requests into Req — through a temporary name, so that nothing is published twice.

use super::*;

impl Session<'_> {
    /// Clinic: the import prompt — every received result not yet published (new or held), with
    /// its summary and, for `.err` files and PDFs, the request it answers.
    pub fn import_rows(&mut self) -> Result<Vec<ImportRow>, Error> {
        self.desk().import_rows()
    }

    /// Clinic: publishes what staff accepted into Res / Face and drops what they chose not to
    /// import (audited with the reason); every other pending row is held for the next prompt.
    /// `actor` is who confirmed (recorded in the audit log).
    pub fn import(&mut self, decision: &Decision, actor: &str) -> Result<(), Error> {
        self.desk().import(decision, actor)
    }

    /// Terminal: publishes every received request into Req and adds it to the awaiting list.
    pub fn publish_requests(&mut self) -> Result<usize, Error> {
        let items = self.inst.journal.items(Dir::In, State::WAITING_IN)?;
        let mut n = 0;
        for item in items.into_iter().filter(|i| i.folder == Sub::Req) {
            self.desk().publish(&item, None, None)?;
            n += 1;
        }
        Ok(n)
    }

    /// Records a completed rename (and, for a request, starts waiting for its answer), then drops
    /// the stored copy.
    pub(super) fn mark_published(
        &mut self,
        item: &Item,
        sub: Sub,
        audit: AuditRow,
    ) -> Result<(), Error> {
        self.desk().mark_published(item, sub, audit)
    }
}

/// What publishing needs — the installation, the OQS folder and the outcome to count in — with
/// a stick session ([`Session`]) or without one (held results, [`super::import_held`]).
pub(super) struct Desk<'a> {
    /// The installation.
    pub inst: &'a mut Installation,
    /// The stick's id for the audit log (`None`: no stick involved).
    pub stick: Option<&'a str>,
    /// The OQS folder.
    pub oqs_root: &'a Path,
    /// Fault-injection hook (tests).
    pub hook: Option<&'a Hook>,
    /// What happened so far.
    pub outcome: &'a mut Outcome,
}

impl Desk<'_> {
    fn stored(&self, id: i64) -> PathBuf {
        self.inst.store_dir().join(id.to_string())
    }

    fn audit(&self, item: &Item, outcome: Audited, reason: Option<String>) -> AuditRow {
        item_audit(self.stick, item, Flow::Local, outcome, reason)
    }

    /// Every received result not yet published, with what the prompt shows of it.
    pub fn import_rows(&self) -> Result<Vec<ImportRow>, Error> {
        let items = self.inst.journal.items(Dir::In, State::WAITING_IN)?;
        let items: Vec<Item> = items.into_iter().filter(|i| i.folder != Sub::Req).collect();
        let mut rows = Vec::new();
        for item in &items {
            let bytes = read_prefix(&self.stored(item.id), oqs::MAX_INPUT as u64 + 1)?;
            let mut summary = oqs::summarize(&item.name, &bytes);
            if item.incomplete {
                summary.mark_incomplete();
            }
            let kind = summary.kind;
            let error_text = matches!(kind, Kind::Error(_)).then(|| error_text(&bytes));
            let wants_request = matches!(kind, Kind::Error(_))
                || (matches!(kind, Kind::Result(_)) && summary.patients.is_empty());
            let (request, request_line) = if wants_request {
                self.request_for(&item.name, &items)?
            } else {
                (None, None)
            };
            rows.push(ImportRow {
                item: item.clone(),
                summary,
                request,
                request_line,
                error_text: error_text.flatten(),
            });
        }
        Ok(rows)
    }

    /// The request `answer` answers: one that came back in the same prompt, else this clinic's
    /// own stored copy of it, else the patient line its collection was audited with.
    fn request_for(
        &self,
        answer: &str,
        waiting: &[Item],
    ) -> Result<(Option<Summary>, Option<String>), Error> {
        let answers = |req: &str| {
            oqs::expected_responses(req)
                .iter()
                .any(|n| n.eq_ignore_ascii_case(answer))
        };
        let summary_of = |item: &Item| -> Option<Summary> {
            let bytes = read_prefix(&self.stored(item.id), oqs::MAX_INPUT as u64 + 1).ok()?;
            Some(oqs::summarize(&item.name, &bytes))
        };
        for item in waiting {
            if matches!(oqs::classify(&item.name), Kind::Request(_))
                && answers(&item.name)
                && let Some(s) = summary_of(item)
            {
                return Ok((Some(s), None));
            }
        }
        for name in request_names(answer) {
            if !answers(&name) {
                continue;
            }
            for item in self.inst.journal.items_named(Dir::Out, &name)? {
                if let Some(s) = summary_of(&item) {
                    return Ok((Some(s), None));
                }
            }
            if let Some(line) = self.inst.journal.audit_summary(&name, Audited::Collected)? {
                return Ok((None, Some(line)));
            }
        }
        Ok((None, None))
    }

    /// Publishes, drops and holds as staff decided.
    pub fn import(&mut self, decision: &Decision, actor: &str) -> Result<(), Error> {
        for row in self.import_rows()? {
            let id = row.item.id;
            if let Some((_, why)) = decision.drop.iter().find(|(d, _)| *d == id) {
                let mut audit = self.audit(&row.item, Audited::Dropped, Some(why.text().into()));
                audit.actor = Some(actor.to_owned());
                audit.summary = Some(short_summary(&row.summary));
                self.inst.journal.transaction(|tx| {
                    tx.set_state(id, State::Dropped)?;
                    tx.audit(&audit)
                })?;
                let _ = fs::remove_file(self.stored(id));
                self.outcome.dropped += 1;
            } else if decision.import.contains(&id) {
                self.publish(&row.item, Some(actor), Some(short_summary(&row.summary)))?;
            } else if row.item.state != State::Held {
                // The patient too: the history shows whose result waits.
                let mut audit = self.audit(&row.item, Audited::Held, None);
                audit.actor = Some(actor.to_owned());
                audit.summary = Some(short_summary(&row.summary));
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

    /// Publishes one received item into its OQS subfolder, exactly once.
    pub fn publish(
        &mut self,
        item: &Item,
        actor: Option<&str>,
        summary: Option<String>,
    ) -> Result<(), Error> {
        let sub = item.folder;
        let dir = folder(self.oqs_root, sub)?;
        let target = dir.join(&item.name);
        if target.exists() {
            // The same name is already there: identical content means an earlier publish of
            // this very file completed; anything else is held for a person to look at.
            let (sum, _) = sha256_file(&target)?;
            if sum != item.sha256 {
                let audit = self.audit(
                    item,
                    Audited::Held,
                    Some(crate::text::HELD_NAME_TAKEN.into()),
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
        let mut audit = self.audit(item, Audited::Published, None);
        audit.actor = actor.map(str::to_owned).or(audit.actor);
        audit.summary = summary;
        self.mark_published(item, sub, audit)?;
        self.outcome.published += 1;
        if let Some(h) = self.hook {
            (h.0)(Checkpoint::Published);
        }
        Ok(())
    }

    /// Records a completed rename (and, for a request, starts waiting for its answer), then drops
    /// the stored copy.
    pub fn mark_published(&mut self, item: &Item, sub: Sub, audit: AuditRow) -> Result<(), Error> {
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

/// The names a request answered by `answer` could have: `<stem>.xml` for a `.err` file, and
/// each `res` → `req` inside the name for a result (the caller checks which one really is).
fn request_names(answer: &str) -> Vec<String> {
    let Some((stem, _)) = answer.rsplit_once('.') else {
        return Vec::new();
    };
    if matches!(oqs::classify(answer), Kind::Error(_)) {
        return vec![format!("{stem}.xml")];
    }
    let lower = stem.to_ascii_lowercase();
    lower
        .match_indices("res")
        .map(|(at, _)| {
            let req = if &stem[at..at + 3] == "RES" {
                "REQ"
            } else {
                "req"
            };
            format!("{}{req}{}.xml", &stem[..at], &stem[at + 3..])
        })
        .collect()
}

/// The text inside a `.err` file for staff: Shift_JIS or UTF-8 (whichever decodes without
/// errors), whitespace folded, at most 200 characters; `None` when empty or binary.
pub fn error_text(bytes: &[u8]) -> Option<String> {
    let bytes = &bytes[..bytes.len().min(64 * 1024)];
    let text = match std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)) {
        Ok(t) => t.to_owned(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
            if bad {
                return None;
            }
            t.into_owned()
        }
    };
    if text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
        return None;
    }
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return None;
    }
    let mut out: String = folded.chars().take(200).collect();
    if folded.chars().count() > 200 {
        out.push('…');
    }
    Some(out)
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
