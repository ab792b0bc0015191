//! Receiving: the tidy-up and crash recovery at the start of a step, then verifying every
//! package on the stick and storing the new ones (one transaction per package).

use super::*;

impl Session<'_> {
    /// Repairs what would otherwise stop every later step, and drops what is no longer needed:
    /// an item whose stored copy disappeared (removed by a person or a virus scanner) can never
    /// travel or be published, so it is marked `lost` with an audit row instead of failing
    /// every step; stored copies of finished items and temporary copies a crash left behind are
    /// removed (the lock guarantees that no other step is writing them).
    pub(super) fn tidy(&mut self) -> Result<(), Error> {
        let store = self.store();
        let mut live = std::collections::HashSet::new();
        let waiting = [(Dir::Out, State::WAITING_OUT), (Dir::In, State::WAITING_IN)];
        for (dir, states) in waiting {
            for item in self.inst.journal.items(dir, states)? {
                if self.stored(item.id).is_file() {
                    live.insert(item.id);
                    continue;
                }
                let audit = self.item_audit(
                    &item,
                    Flow::Local,
                    Audited::Repaired,
                    Some("its stored copy is missing: marked lost".into()),
                );
                self.inst.journal.transaction(|tx| {
                    tx.set_state(item.id, State::Lost)?;
                    tx.audit(&audit)
                })?;
            }
        }
        // A publish in progress still needs its copy (see `recover`).
        for item in self.inst.journal.items(Dir::In, &[State::Publishing])? {
            live.insert(item.id);
        }
        let Ok(entries) = fs::read_dir(&store) else {
            return Ok(());
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let keep = name.parse::<i64>().is_ok_and(|id| live.contains(&id));
            if !keep && (name.starts_with(".new-") || name.parse::<i64>().is_ok()) {
                let _ = durable::remove_file(&e.path());
            }
        }
        Ok(())
    }

    /// Finishes publishes a crash interrupted (see the module doc).
    pub(super) fn recover(&mut self) -> Result<(), Error> {
        let _ = fs::remove_dir_all(self.inst.home.path().join("incoming"));
        for item in self.inst.journal.items(Dir::In, &[State::Publishing])? {
            let sub = item.folder;
            let dir = folder(&self.oqs_root, sub)?;
            let tmp = temp_name(&dir, item.id);
            if tmp.exists() {
                durable::rename(&tmp, &dir.join(&item.name)).map_err(|e| io(&tmp, e))?;
            }
            let audit = self.item_audit(
                &item,
                Flow::Local,
                Audited::Published,
                Some("completed after an interruption".into()),
            );
            self.mark_published(&item, sub, audit)?;
        }
        Ok(())
    }

    /// Verifies every package on the stick and stores the new ones from the peer.
    pub(super) fn receive(&mut self) -> Result<(), Error> {
        let opened = match transfer::verify_all(self.inst, &self.stick) {
            Ok(v) => v,
            Err(e) => {
                refuse_audit(self.inst, Some(&self.marker.stick_id), &e);
                return Err(e);
            }
        };
        let incoming = self.inst.home.path().join("incoming");
        let store = self.store();
        fs::create_dir_all(&store).map_err(|e| io(&store, e))?;
        // Verify everything first (nothing stored), then store package by package.
        let mut new = Vec::new();
        for m in opened {
            if self.inst.is_applied(&m.sender(), m.meta.seq)? {
                self.applied_now.push(m.manifest_path.clone());
                continue;
            }
            if fs::symlink_metadata(&m.data_path)
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
            {
                // A verified manifest without its data file: its sender superseded and removed
                // this package, and a power cut kept only part of that removal (the folder
                // entries reach a FAT stick in any order). It can never be applied; its files
                // are still unacknowledged at the sender and travel again. Removed with the
                // applied ones instead of refusing the stick.
                self.applied_now.push(m.manifest_path.clone());
                continue;
            }
            let dir = incoming.join(m.header.id_hex());
            fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            let mut sink = transfer::StagingSink::new(&dir);
            if let Err(e) = m.stream(&mut sink).and_then(|()| sink.flush()) {
                let _ = fs::remove_dir_all(&incoming);
                let e = Error::from(e);
                refuse_audit(self.inst, Some(&self.marker.stick_id), &e);
                return Err(e);
            }
            new.push((m, dir));
        }
        for (m, dir) in new {
            self.store_package(&m, &dir)?;
            self.care_in(&m)?;
            let _ = fs::remove_dir_all(&dir);
            self.applied_now.push(m.manifest_path.clone());
        }
        let _ = fs::remove_dir_all(&incoming);
        self.checkpoint(Checkpoint::Received);
        Ok(())
    }

    pub(super) fn store_package(
        &mut self,
        m: &package::OpenedManifest,
        staged: &Path,
    ) -> Result<(), Error> {
        let role = self.inst.config.role;
        let (sender, id, seq) = (m.sender().to_string(), m.header.id_hex(), m.meta.seq);
        let stick_id = self.marker.stick_id.clone();
        let store = self.store();
        let audit = self.audit_base(Flow::In, Audited::Received);
        // Which files are new: not a duplicate of something received before.
        let mut fresh = Vec::new();
        for (i, f) in m.meta.files.iter().enumerate() {
            let dup = self
                .inst
                .journal
                .has_item(Dir::In, &f.name, &f.sha256, State::RECEIVED)?;
            fresh.push((i, f, dup, destination(role, &f.name)));
        }
        // Terminal: parts of an update wait in their own folder until the installer is whole
        // (`update::receive_offer`, after this package is stored); never in an OQS folder.
        let parts = crate::update::parts_dir(self.inst);
        let update_part = |name: &str| role == Role::Terminal && crate::update::is_part_name(name);
        if fresh.iter().any(|(_, f, ..)| update_part(&f.name)) {
            fs::create_dir_all(&parts).map_err(|e| io(&parts, e))?;
        }
        let mut received = 0;
        self.inst
            .journal
            .transaction(|tx: &Tx<'_>| {
                for (i, f, dup, dest) in &fresh {
                    let mut row = file_audit(Flow::In, &id, seq, f, Audited::Received);
                    row.stick = audit.stick.clone();
                    row.kind = Some(oqs::classify(&f.name).label());
                    row.summary = None;
                    match (dup, dest) {
                        (false, None) if update_part(&f.name) => {
                            // Replaces a part an interrupted earlier receive left.
                            let from = staged.join(i.to_string());
                            durable::rename(&from, &parts.join(&f.name)).map_err(|source| {
                                crate::journal::Error::File {
                                    path: from.clone(),
                                    source,
                                }
                            })?;
                            row.kind = Some("update".to_owned());
                            tx.audit(&row)?;
                            received += 1;
                        }
                        (true, _) => {
                            row.outcome = Audited::DuplicateIgnored;
                            tx.audit(&row)?;
                        }
                        (false, None) => {
                            row.outcome = Audited::Refused;
                            row.reason = Some(crate::text::not_for_this_pc(
                                &row.kind.clone().unwrap_or_default(),
                                role.as_str(),
                            ));
                            tx.audit(&row)?;
                        }
                        (false, Some(sub)) => {
                            let item = tx.add_item(&NewItem {
                                dir: Dir::In,
                                name: &f.name,
                                folder: *sub,
                                kind: &oqs::classify(&f.name).label(),
                                size: f.size,
                                sha256: &f.sha256,
                                state: State::Pending,
                                seq: Some(seq),
                                incomplete: f.incomplete,
                            })?;
                            // The stored copy gets its final name inside the transaction; if the
                            // commit fails, it is an orphan without a row and is swept later.
                            let from = staged.join(i.to_string());
                            durable::rename(&from, &store.join(item.to_string())).map_err(
                                |source| crate::journal::Error::File {
                                    path: from.clone(),
                                    source,
                                },
                            )?;
                            tx.audit(&row)?;
                            received += 1;
                        }
                    }
                }
                if received > 0 {
                    // One flush of the store folder for the whole package, before the commit:
                    // once the journal says the package is applied, every stored copy it names
                    // is on the medium under its final name (its data was flushed by
                    // `StagingSink::flush`). A crash before the commit leaves only copies
                    // without a row, which `tidy` sweeps; the package is received again.
                    for d in [&store, &parts] {
                        if d.is_dir() {
                            durable::sync_dir(d).map_err(|source| crate::journal::Error::File {
                                path: d.clone(),
                                source,
                            })?;
                        }
                    }
                }
                // The commit (WAL, synchronous=FULL: one flush of the write-ahead log) makes
                // the items, the audit rows and "applied" durable together.
                tx.record_applied(&sender, seq, &id, Some(&stick_id), &m.meta.acks)
            })
            .map_err(Error::from)?;
        self.outcome.packages_received += 1;
        self.outcome.files_received += received;
        // The peer keeps what it sent until we acknowledge it; an acknowledgement-only package
        // needs no acknowledgement back (that would never end).
        self.acks_needed |= !m.meta.files.is_empty();
        Ok(())
    }
}

/// Where a received file belongs on this side, by its name alone (the sender's label is not
/// trusted); `None` when it must not be published here.
pub(super) fn destination(role: Role, name: &str) -> Option<Sub> {
    match (role, oqs::classify(name)) {
        (Role::Terminal, Kind::Request(_)) => Some(Sub::Req),
        (Role::Clinic, Kind::Face) => Some(Sub::Face),
        // A request comes back to the clinic only beside its `.err` file, in Res.
        (Role::Clinic, Kind::Result(_) | Kind::Error(_) | Kind::Request(_)) => Some(Sub::Res),
        _ => None,
    }
}
