//! Collecting from the OQS folders: complete files only (quiet, closed by their writer,
//! complete by content), the files of one look stored, flushed together and queued in one
//! transaction before their originals go;
//! the terminal's wait for answers; the archive of originals.

use super::*;
use std::collections::HashMap;

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
    ///
    /// Event-driven: a watcher on Res and Face wakes the loop as soon as something changes
    /// there; otherwise it wakes when the youngest file it saw becomes quiet (the quiet period
    /// counts from that file's own last change, see [`Quiet`]), at every whole second of the
    /// wait (the countdown) and at the latest after `opts.poll` (the safety net: a watcher can
    /// miss or drop events, e.g. on a network folder or after an overflow on Windows). It never
    /// sleeps a fixed quiet period, and it ends as soon as the last request is answered.
    pub(super) fn wait_loop(
        &mut self,
        tick: &mut dyn FnMut(Option<usize>, usize) -> bool,
    ) -> Result<(), Error> {
        let total = self.inst.journal.awaiting()?.len();
        let start = Instant::now();
        let end = start + self.opts.response_wait;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let _watcher = if total > 0 {
            self.watch_answers(tx)
        } else {
            None
        };
        let mut last = usize::MAX;
        loop {
            let next = self.collect_ready()?.next;
            let left = self.inst.journal.awaiting()?.len();
            let answered = total.saturating_sub(left);
            let changed = (answered != last).then_some(answered);
            last = answered;
            let now = Instant::now();
            if tick(changed, total) || left == 0 || now >= end {
                break;
            }
            let next_second = start + Duration::from_secs(now.duration_since(start).as_secs() + 1);
            let wake = [
                Some(now + self.opts.poll),
                next,
                Some(next_second),
                Some(end),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now);
            // An event or the wake-up: either way look again. Events that came meanwhile (a
            // burst of answers, our own moves to the archive) need only one look.
            let _ = rx.recv_timeout(wake.saturating_duration_since(now));
            while rx.try_recv().is_ok() {}
        }
        Ok(())
    }

    /// A watcher that sends on `tx` whenever something changes in Res or Face; `None` when the
    /// OS cannot watch them (then the poll alone finds the answers).
    fn watch_answers(&self, tx: std::sync::mpsc::Sender<()>) -> Option<notify::RecommendedWatcher> {
        use notify::Watcher;
        let mut w = notify::recommended_watcher(move |_: notify::Result<notify::Event>| {
            let _ = tx.send(());
        })
        .ok()?;
        for sub in [Sub::Res, Sub::Face] {
            let dir = folder(&self.oqs_root, sub).ok()?;
            w.watch(&dir, notify::RecursiveMode::NonRecursive).ok()?;
        }
        Some(w)
    }

    /// Takes complete files out of the OQS folders into the outbox: requests from Req at the
    /// clinic; results from Res and Face at the terminal (originals go to the archive). A file
    /// that changed less than the quiet period ago is waited for (until its own quiet period
    /// ends, never longer than `opts.quiet`) and taken if it did not change meanwhile.
    pub fn collect(&mut self) -> Result<usize, Error> {
        let look = self.collect_ready()?;
        let mut n = look.collected;
        if let Some(due) = look.latest {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            n += self.collect_ready()?.collected;
        }
        Ok(n)
    }

    /// One look at the OQS folders this role collects from: takes every file that has been quiet
    /// long enough (by [`Quiet`], kept for the whole session), without waiting for the others.
    pub(super) fn collect_ready(&mut self) -> Result<Collected, Error> {
        let subs: &[Sub] = match self.inst.config.role {
            Role::Clinic => &[Sub::Req],
            Role::Terminal => &[Sub::Res, Sub::Face],
        };
        let mut out = Collected::default();
        self.outcome.incomplete_waiting = 0;
        for &sub in subs {
            let dir = folder(&self.oqs_root, sub)?;
            let look = self.quiet.look(&dir, self.opts.quiet)?;
            out.next = earliest(out.next, look.next);
            out.latest = out.latest.max(look.latest);
            out.collected += self.collect_batch(&dir, sub, &look.ready)?;
        }
        self.outcome.collected += out.collected;
        self.checkpoint(Checkpoint::Collected);
        Ok(out)
    }

    /// Collects the files `names` of `dir` together: each is copied into the store (not yet
    /// flushed) and checked; then all copies are flushed at once (`durable::sync_paths`),
    /// renamed to their ids, the store folder flushed and the whole batch queued in one journal
    /// transaction; only then do the originals leave the OQS folder. Returns how many were
    /// collected. Flushes per batch instead of two per file (the copy, the commit) — a crash
    /// at any point leaves every original in place until its copy is committed, and what the
    /// journal names is on the medium when it is committed.
    pub(super) fn collect_batch(
        &mut self,
        dir: &Path,
        sub: Sub,
        names: &[String],
    ) -> Result<usize, Error> {
        let mut seen = std::collections::HashSet::new();
        let mut taken: Vec<Taken> = Vec::new();
        let mut originals: Vec<(PathBuf, String)> = Vec::new();
        let prepared = (|| -> Result<(), Error> {
            for name in names {
                match self.prepare(dir, sub, name, &mut seen)? {
                    Prepared::Skip => {}
                    Prepared::Already => originals.push((dir.join(name), name.clone())),
                    Prepared::Take(t) => taken.push(*t),
                }
            }
            Ok(())
        })();
        let tmps: Vec<PathBuf> = taken.iter().map(|t| t.tmp.clone()).collect();
        let committed = prepared.and_then(|()| self.commit_batch(sub, &taken, &tmps));
        if let Err(e) = committed {
            for tmp in &tmps {
                let _ = fs::remove_file(tmp);
            }
            return Err(e);
        }
        originals.extend(taken.iter().map(|t| (t.path.clone(), t.name.clone())));
        // The originals leave the OQS folder only after their copies are queued.
        let role = self.inst.config.role;
        for (path, name) in &originals {
            let gone = match role {
                Role::Clinic => durable::remove_file(path).map_err(|e| io(path, e)),
                Role::Terminal => self.archive(path, sub, name),
            };
            match gone {
                Err(e) if vanished(&e) => {}
                other => other?,
            }
        }
        Ok(taken.len())
    }

    /// Flushes the copies `tmps` of `taken`, then queues them in one transaction (renamed to
    /// their ids and the store folder flushed before the commit).
    fn commit_batch(&mut self, sub: Sub, taken: &[Taken], tmps: &[PathBuf]) -> Result<(), Error> {
        if taken.is_empty() {
            return Ok(());
        }
        let store = self.store();
        // The copies' content is on the medium before any of them gets a journal row.
        durable::sync_paths(tmps).map_err(|e| io(&store, e))?;
        let role = self.inst.config.role;
        let awaiting: Vec<String> = if role == Role::Terminal {
            self.inst
                .journal
                .awaiting()?
                .into_iter()
                .map(|(req, _)| req)
                .collect()
        } else {
            Vec::new()
        };
        self.inst
            .journal
            .transaction(|tx| {
                for t in taken {
                    // Never queued twice: a second file of this name waits its turn (deferred).
                    let id = tx
                        .queue_out(&NewItem {
                            dir: Dir::Out,
                            name: &t.name,
                            folder: sub,
                            kind: &t.label,
                            size: t.size,
                            sha256: &t.sha,
                            state: State::Queued,
                            seq: None,
                            incomplete: t.incomplete,
                        })?
                        .id();
                    durable::rename(&t.tmp, &store.join(id.to_string())).map_err(|source| {
                        crate::journal::Error::File {
                            path: t.tmp.clone(),
                            source,
                        }
                    })?;
                    if role == Role::Terminal {
                        tx.add_collected(sub, &t.name, &t.sha)?;
                        for req in awaiting.iter().filter(|req| answers_request(req, &t.name)) {
                            tx.remove_awaiting(req)?;
                        }
                    }
                    tx.audit(&t.audit)?;
                }
                // The new names in the store are on the medium before the rows naming them.
                durable::sync_dir(&store).map_err(|source| crate::journal::Error::File {
                    path: store.clone(),
                    source,
                })
            })
            .map_err(Error::from)
    }

    /// Looks at one file for [`Session::collect_batch`]: whether it is taken (copied into the
    /// store, not yet flushed), was collected before (its original just goes), or stays.
    fn prepare(
        &mut self,
        dir: &Path,
        sub: Sub,
        name: &str,
        seen: &mut std::collections::HashSet<(String, String)>,
    ) -> Result<Prepared, Error> {
        let kind = oqs::classify(name);
        let wanted = plan::takes(self.inst.config.role, sub, kind);
        if !wanted || !self.inst.config.carries(kind) || crate::filename::check(name).is_err() {
            return Ok(Prepared::Skip); // unknown files, and kinds switched off in the settings, stay
        }
        let path = dir.join(name);
        let (sha, size) = match sha256_file(&path) {
            Err(e) if vanished(&e) => return Ok(Prepared::Skip), // taken by its reader meanwhile
            other => other?,
        };
        let role = self.inst.config.role;
        // The same name and content twice in one batch (names that differ only in letter case)
        // is collected once, as it was when each file was queued on its own.
        let first_in_batch = seen.insert((name.to_ascii_uppercase(), sha.clone()));
        let already = !first_in_batch
            || match role {
                Role::Clinic => {
                    self.inst
                        .journal
                        .has_item(Dir::Out, name, &sha, State::COLLECTED)?
                }
                Role::Terminal => self.inst.journal.was_collected(sub, name, &sha)?,
            };
        if already {
            return Ok(Prepared::Already);
        }
        let store = self.store();
        fs::create_dir_all(&store).map_err(|e| io(&store, e))?;
        let tmp = store.join(format!(
            ".new-{}",
            hex::encode(crate::crypto::random::<8>()?)
        ));
        copy_unflushed(&path, &tmp)?;
        let (check, _) = sha256_file(&tmp)?;
        if check != sha {
            let _ = fs::remove_file(&tmp);
            return Ok(Prepared::Skip); // still changing: next time
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
                return Ok(Prepared::Skip);
            }
            plan::Collect::Take { flagged } => flagged,
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
        Ok(Prepared::Take(Box::new(Taken {
            path,
            name: name.to_owned(),
            tmp,
            sha,
            size,
            label: kind.label(),
            incomplete,
            audit,
        })))
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

/// What [`Session::prepare`] found.
enum Prepared {
    /// Not taken (unknown, switched off, still changing, or waiting while incomplete).
    Skip,
    /// Collected before: only the original goes.
    Already,
    /// Copied into the store, to be queued.
    Take(Box<Taken>),
}

/// A file copied into the store for the batch (see [`Session::collect_batch`]).
struct Taken {
    path: PathBuf,
    name: String,
    tmp: PathBuf,
    sha: String,
    size: u64,
    label: String,
    incomplete: bool,
    audit: AuditRow,
}

/// Copies `from` to `to` (created or truncated) through the seam, without flushing: the caller
/// flushes a whole batch together.
fn copy_unflushed(from: &Path, to: &Path) -> Result<(), Error> {
    let mut src = File::open(from).map_err(|e| io(from, e))?;
    let mut dst = durable::create(to).map_err(|e| io(to, e))?;
    std::io::copy(&mut src, &mut dst).map_err(|e| io(to, e))?;
    Ok(())
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

/// What one look of [`Session::collect_ready`] did and found.
#[derive(Debug, Default)]
pub(super) struct Collected {
    /// Files collected.
    pub collected: usize,
    /// When the first file still too young becomes quiet.
    pub next: Option<Instant>,
    /// When the last file still too young becomes quiet.
    pub latest: Option<Instant>,
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Remembers, per folder and file, when the file last changed, so that every file is taken once
/// it has been quiet for the quiet period counted from **its own** last change, and nothing
/// sleeps a whole quiet period because some other file is young.
///
/// A file's last change is, when it is first seen, its modification time (if that lies in the
/// past; a file stamped in the future, or without a time, counts as changed when first seen),
/// and afterwards the moment a look found its size or modification time different. A young
/// file is therefore always seen twice, unchanged, before it is taken.
#[derive(Debug, Default)]
pub(super) struct Quiet {
    seen: HashMap<PathBuf, HashMap<String, Seen>>,
}

#[derive(Debug)]
struct Seen {
    len: u64,
    mtime: Option<SystemTime>,
    since: Instant,
}

/// What [`Quiet::look`] found in one folder.
#[derive(Debug, Default)]
pub(super) struct Look {
    /// Regular, visible files quiet for the period and closed by their writer, sorted.
    pub ready: Vec<String>,
    /// When the first of the younger files becomes quiet.
    pub next: Option<Instant>,
    /// When the last of them does.
    pub latest: Option<Instant>,
}

impl Quiet {
    /// Lists `dir` once and says which files are complete now, and when the others will be.
    pub(super) fn look(&mut self, dir: &Path, quiet: Duration) -> Result<Look, Error> {
        let (now, wall) = (Instant::now(), SystemTime::now());
        let before = self.seen.remove(dir).unwrap_or_default();
        let mut seen = HashMap::new();
        let mut look = Look::default();
        for e in fs::read_dir(dir).map_err(|e| io(dir, e))?.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(md) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if name.starts_with('.') || !md.is_file() {
                continue;
            }
            let (len, mtime) = (md.len(), md.modified().ok());
            let since = match before.get(&name) {
                Some(s) if s.len == len && s.mtime == mtime => s.since,
                Some(_) => now, // changed since the last look
                None => {
                    let age = mtime
                        .and_then(|m| wall.duration_since(m).ok())
                        .unwrap_or_default()
                        .min(quiet);
                    now.checked_sub(age).unwrap_or(now)
                }
            };
            let due = since + quiet;
            if due > now {
                look.next = earliest(look.next, Some(due));
                look.latest = look.latest.max(Some(due));
            } else if writer_is_done(&e.path()) {
                look.ready.push(name.clone());
            }
            seen.insert(name, Seen { len, mtime, since });
        }
        self.seen.insert(dir.to_owned(), seen);
        look.ready.sort();
        Ok(look)
    }
}

/// Regular, visible files in `dir` that have not changed for `quiet` (and can be opened). Files
/// that changed more recently are waited for until they have been quiet that long (never longer
/// than `quiet`) and taken if they did not change meanwhile; still changing files wait for the
/// next step.
pub(super) fn complete_files(dir: &Path, quiet: Duration) -> Result<Vec<String>, Error> {
    let mut q = Quiet::default();
    let look = q.look(dir, quiet)?;
    match look.latest {
        None => Ok(look.ready),
        Some(due) => {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            Ok(q.look(dir, quiet)?.ready)
        }
    }
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

    fn stamp(p: &Path, at: SystemTime) {
        File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(at)
            .unwrap();
    }

    /// Each file's quiet period counts from its own last change: a young file does not hold
    /// back an old one, and it is taken only after a later look found it unchanged.
    #[test]
    fn quiet_counts_from_each_files_own_change() {
        let dir = tempfile::tempdir().unwrap();
        let hour = Duration::from_secs(3600);
        let (old, young) = (dir.path().join("old.xml"), dir.path().join("young.xml"));
        fs::write(&old, b"x").unwrap();
        fs::write(&young, b"y").unwrap();
        stamp(&old, SystemTime::now() - 2 * hour);
        let mut q = Quiet::default();
        let first = q.look(dir.path(), hour).unwrap();
        assert_eq!(first.ready, ["old.xml"]);
        let due = first.next.expect("the young file has a due time");
        assert!(
            due > Instant::now() + hour / 2,
            "due about an hour after its change"
        );
        assert_eq!(first.next, first.latest);
        // Unchanged: the same due time. Changed: the period starts again from the change.
        assert_eq!(q.look(dir.path(), hour).unwrap().next, Some(due));
        fs::write(&young, b"yy").unwrap();
        let later = q.look(dir.path(), hour).unwrap();
        assert!(later.next.unwrap() >= due);
        assert_eq!(later.ready, ["old.xml"]);
        // Made old (an hour unchanged by its time stamp) it is taken; a vanished file is
        // forgotten.
        fs::remove_file(&old).unwrap();
        let mut fresh = Quiet::default();
        stamp(&young, SystemTime::now() - 2 * hour);
        let look = fresh.look(dir.path(), hour).unwrap();
        assert_eq!(look.ready, ["young.xml"]);
        assert_eq!(look.next, None);
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
