//! Collecting from the OQS folders: complete files only (quiet, closed by their writer,
//! complete by content), each stored and queued in one transaction before the original goes;
//! the terminal's wait for answers; the archive of originals.

use super::*;

impl Session<'_> {
    /// Terminal: waits until every awaiting request is answered in Res, the wait time ends, or
    /// `stop` is set; collects as it goes. Calls `progress(answered, total)` whenever it changes.
    pub fn wait_for_responses(
        &mut self,
        stop: &AtomicBool,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), Error> {
        self.wait_loop(&mut |answered, total| {
            if let Some((a, t)) = answered.zip(Some(total)) {
                progress(a, t);
            }
            stop.load(Ordering::Relaxed)
        })
    }

    /// [`Session::wait_for_responses`] reporting to a [`Frontend`].
    /// Reports when the count changes and once a second (the window's countdown).
    pub(crate) fn wait(&mut self, frontend: &mut dyn Frontend) -> Result<(), Error> {
        let wait = self.opts.response_wait;
        let start = Instant::now();
        let (mut answered, mut shown) = (0, None);
        self.wait_loop(&mut |changed, total| {
            let left_secs = wait.saturating_sub(start.elapsed()).as_secs_f64().ceil() as u64;
            if let Some(a) = changed {
                answered = a;
            }
            if changed.is_some() || shown != Some(left_secs) {
                shown = Some(left_secs);
                frontend.progress(Progress::Waiting {
                    answered,
                    total,
                    left_secs,
                });
            }
            frontend.stop_waiting()
        })
    }

    /// Collects until every published request is answered, the response wait is over, or
    /// `tick` says stop. `tick(Some(answered), total)` when the count changed, `tick(None, …)`
    /// on the other looks; it returns whether to stop.
    pub(super) fn wait_loop(
        &mut self,
        tick: &mut dyn FnMut(Option<usize>, usize) -> bool,
    ) -> Result<(), Error> {
        let total = self.inst.journal.awaiting()?.len();
        let start = Instant::now();
        let mut last = usize::MAX;
        loop {
            self.collect()?;
            let left = self.inst.journal.awaiting()?.len();
            let answered = total.saturating_sub(left);
            let changed = (answered != last).then_some(answered);
            last = answered;
            if tick(changed, total) || left == 0 || start.elapsed() >= self.opts.response_wait {
                break;
            }
            std::thread::sleep(self.opts.poll);
        }
        Ok(())
    }

    /// Takes complete files out of the OQS folders into the outbox: requests from Req at the
    /// clinic; results from Res and Face at the terminal (originals go to the archive).
    pub fn collect(&mut self) -> Result<usize, Error> {
        let subs: &[Sub] = match self.inst.config.role {
            Role::Clinic => &[Sub::Req],
            Role::Terminal => &[Sub::Res, Sub::Face],
        };
        let mut n = 0;
        self.outcome.incomplete_waiting = 0;
        for &sub in subs {
            let dir = folder(&self.oqs_root, sub)?;
            for name in complete_files(&dir, self.opts.quiet)? {
                if self.collect_one(&dir, sub, &name)? {
                    n += 1;
                }
            }
        }
        self.outcome.collected += n;
        self.checkpoint(Checkpoint::Collected);
        Ok(n)
    }

    pub(super) fn collect_one(&mut self, dir: &Path, sub: Sub, name: &str) -> Result<bool, Error> {
        let kind = oqs::classify(name);
        let wanted = plan::takes(self.inst.config.role, sub, kind);
        if !wanted || !self.inst.config.carries(kind) || crate::filename::check(name).is_err() {
            return Ok(false); // unknown files, and kinds switched off in the settings, stay
        }
        let path = dir.join(name);
        let (sha, size) = match sha256_file(&path) {
            Err(e) if vanished(&e) => return Ok(false), // taken by its reader meanwhile
            other => other?,
        };
        let role = self.inst.config.role;
        let already = match role {
            Role::Clinic => self
                .inst
                .journal
                .has_item(Dir::Out, name, &sha, State::COLLECTED)?,
            Role::Terminal => self.inst.journal.was_collected(sub, name, &sha)?,
        };
        if !already {
            let store = self.store();
            fs::create_dir_all(&store).map_err(|e| io(&store, e))?;
            let tmp = store.join(format!(
                ".new-{}",
                hex::encode(crate::crypto::random::<8>()?)
            ));
            copy_flushed(&path, &tmp)?;
            let (check, _) = sha256_file(&tmp)?;
            if check != sha {
                let _ = fs::remove_file(&tmp);
                return Ok(false); // still changing: next time
            }
            // Quiet is not finished: a writer that paused mid-file leaves a file cut short. Such
            // a file waits (looked at again every step) until it is `incomplete_wait` old, then
            // travels flagged so the receiver shows it as an error instead of a result.
            let complete = oqs::complete::check_file(kind, &tmp);
            let incomplete = match plan::collect(
                complete == Completeness::Incomplete,
                self.waited_long_enough(&path),
            ) {
                plan::Collect::Wait => {
                    let _ = fs::remove_file(&tmp);
                    self.outcome.incomplete_waiting += 1;
                    return Ok(false);
                }
                plan::Collect::Take { flagged } => flagged,
            };
            let answers: Vec<String> = if role == Role::Terminal {
                self.inst
                    .journal
                    .awaiting()?
                    .into_iter()
                    .map(|(req, _)| req)
                    .filter(|req| answers_request(req, name))
                    .collect()
            } else {
                Vec::new()
            };
            let mut audit = self.audit_base(Flow::Local, Audited::Collected);
            if incomplete {
                audit.reason = Some(format!(
                    "content incomplete after waiting {} s: travels flagged incomplete",
                    self.opts.incomplete_wait.as_secs()
                ));
            }
            audit.file = Some(name.to_owned());
            audit.size = Some(size);
            audit.sha256 = Some(sha.clone());
            audit.kind = Some(kind.label());
            if role == Role::Clinic && matches!(kind, Kind::Request(_)) {
                // Whose request it is, kept for the `.err` file that may answer it long after
                // the request's own copy is gone (see `Desk::request_for`).
                let bytes = publish::read_prefix(&tmp, oqs::MAX_INPUT as u64 + 1)?;
                audit.summary = oqs::summarize(name, &bytes).who().and_then(|p| p.line());
            }
            let label = kind.label();
            self.inst
                .journal
                .transaction(|tx| {
                    // Never queued twice: a second file of this name waits its turn (deferred).
                    let id = tx
                        .queue_out(&NewItem {
                            dir: Dir::Out,
                            name,
                            folder: sub,
                            kind: &label,
                            size,
                            sha256: &sha,
                            state: State::Queued,
                            seq: None,
                            incomplete,
                        })?
                        .id();
                    durable::rename(&tmp, &store.join(id.to_string())).map_err(|source| {
                        crate::journal::Error::File {
                            path: tmp.clone(),
                            source,
                        }
                    })?;
                    if role == Role::Terminal {
                        tx.add_collected(sub, name, &sha)?;
                        for req in &answers {
                            tx.remove_awaiting(req)?;
                        }
                    }
                    tx.audit(&audit)
                })
                .map_err(Error::from)?;
        }
        // The original leaves the OQS folder only after the copy is queued.
        let gone = match role {
            Role::Clinic => durable::remove_file(&path).map_err(|e| io(&path, e)),
            Role::Terminal => self.archive(&path, sub, name),
        };
        match gone {
            Err(e) if vanished(&e) => {}
            other => other?,
        }
        Ok(!already)
    }

    /// Whether a file whose content is incomplete has waited `incomplete_wait` since it last
    /// changed (a file without a readable modification time has not).
    pub(super) fn waited_long_enough(&self, path: &Path) -> bool {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age >= self.opts.incomplete_wait)
    }

    pub(super) fn archive(&self, path: &Path, sub: Sub, name: &str) -> Result<(), Error> {
        let day = chrono::Local::now().format("%Y-%m-%d").to_string();
        let dir = self
            .inst
            .home
            .path()
            .join("archive")
            .join(day)
            .join(sub.label());
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let mut target = dir.join(name);
        let mut n = 1;
        while target.exists() {
            target = dir.join(format!("{name}.{n}"));
            n += 1;
        }
        durable::rename(path, &target)
            .or_else(|_| {
                copy_flushed(path, &target)
                    .map_err(|_| std::io::Error::other("copy failed"))
                    .and_then(|_| fs::remove_file(path))
            })
            .map_err(|e| io(path, e))
    }

    /// Deletes archive days older than the retention period.
    pub(super) fn prune_archive(&self) {
        let root = self.inst.home.path().join("archive");
        let cutoff =
            chrono::Local::now().date_naive() - chrono::Duration::days(self.opts.retention_days);
        if let Ok(entries) = fs::read_dir(&root) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Ok(day) = chrono::NaiveDate::parse_from_str(&name, "%Y-%m-%d")
                    && day < cutoff
                {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
    }
}

/// Whether `e` says that a file in an OQS folder is no longer there.
pub(super) fn vanished(e: &Error) -> bool {
    matches!(e, Error::Engine(EngineError::Io { source, .. })
        if source.kind() == std::io::ErrorKind::NotFound)
}

/// Whether `response` (a name in Res) answers `request`.
pub(super) fn answers_request(request: &str, response: &str) -> bool {
    oqs::expected_responses(request)
        .iter()
        .any(|e| e.eq_ignore_ascii_case(response))
        || response.eq_ignore_ascii_case(&format!("{request}.err"))
}

/// Regular, visible files in `dir` that have not changed for `quiet` (and can be opened). Files
/// that changed more recently are looked at again after the quiet period, once; still changing
/// files wait for the next step.
pub(super) fn complete_files(dir: &Path, quiet: Duration) -> Result<Vec<String>, Error> {
    let list = |dir: &Path| -> Result<Vec<(String, u64, Option<SystemTime>)>, Error> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).map_err(|e| io(dir, e))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(md) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if name.starts_with('.') || !md.is_file() {
                continue;
            }
            out.push((name, md.len(), md.modified().ok()));
        }
        out.sort();
        Ok(out)
    };
    let now = SystemTime::now();
    let first = list(dir)?;
    let young = first
        .iter()
        .any(|(_, _, m)| m.is_none_or(|m| now.duration_since(m).unwrap_or_default() < quiet));
    let stable: Vec<(String, u64, Option<SystemTime>)> = if young {
        std::thread::sleep(quiet);
        let second = list(dir)?;
        first.into_iter().filter(|f| second.contains(f)).collect()
    } else {
        first
    };
    Ok(stable
        .into_iter()
        .filter(|(name, _, _)| writer_is_done(&dir.join(name)))
        .map(|(name, _, _)| name)
        .collect())
}

/// Whether no one is writing `path` any more: it opens for reading. On Windows it must open
/// without sharing write access, which fails with a sharing violation while a writer (the
/// 連携アプリ, Dynamics) still holds it open for writing, however quiet it has been.
pub(super) fn writer_is_done(path: &Path) -> bool {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_SHARE_READ: u32 = 0x1;
        opts.share_mode(FILE_SHARE_READ);
    }
    opts.open(path).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_files_skip_hidden_young_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for name in ["a.xml", "日本語の名前.xml", ".partial.tmp"] {
            let p = dir.path().join(name);
            fs::write(&p, b"x").unwrap();
            File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        fs::create_dir(dir.path().join("sub")).unwrap();
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(got, ["a.xml", "日本語の名前.xml"]);
    }

    /// FAT keeps 2-second timestamps and a DST change or a wrong clock can put a file's time in
    /// the future: such a file is still collected once it has stopped changing.
    #[test]
    fn complete_files_take_a_file_stamped_in_the_future() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("future.xml");
        fs::write(&p, b"x").unwrap();
        File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(SystemTime::now() + Duration::from_secs(3 * 3600))
            .unwrap();
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(got, ["future.xml"]);
    }

    /// Windows: a file still held open for writing (the 連携アプリ writing a result) is not
    /// complete, even when it has been quiet; once closed it is. Runs under Wine.
    #[cfg(windows)]
    #[test]
    fn complete_files_wait_for_a_writer_that_still_holds_the_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("res.xml");
        let mut writer = File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&p)
            .unwrap();
        writer.write_all(b"<x/>").unwrap();
        writer
            .set_modified(SystemTime::now() - Duration::from_secs(60))
            .unwrap();
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert!(got.is_empty(), "collected while being written: {got:?}");
        drop(writer);
        let got = complete_files(dir.path(), Duration::from_millis(50)).unwrap();
        assert_eq!(got, ["res.xml"]);
    }
}
