//! Noticing arrivals and removals: the diff of two volume lists and the polling watcher that
//! Windows' device messages nudge.

use super::*;

// --- diffing ---------------------------------------------------------------------------------

/// The events that turn `previous` into `current` (two sets of candidate volumes, keyed by
/// mount; a later duplicate replaces an earlier one): first every removal, then every arrival,
/// each sorted by mount. A different volume at the same mount (see [`Volume::is_same_as`]) is a
/// removal followed by an arrival.
pub fn diff(previous: &[Volume], current: &[Volume]) -> Vec<Event> {
    let previous = by_mount(previous.iter().cloned());
    let mut current = by_mount(current.iter().cloned());
    let mut events = Vec::new();
    for (mount, old) in &previous {
        if !current.get(mount).is_some_and(|new| old.is_same_as(new)) {
            events.push(Event::Removed(mount.clone()));
        }
    }
    current.retain(|mount, new| !previous.get(mount).is_some_and(|old| old.is_same_as(new)));
    events.extend(current.into_values().map(Event::Arrived));
    events
}

/// `volumes` keyed by mount; a later duplicate replaces an earlier one.
pub(super) fn by_mount(volumes: impl IntoIterator<Item = Volume>) -> BTreeMap<PathBuf, Volume> {
    volumes.into_iter().map(|v| (v.mount.clone(), v)).collect()
}

// --- the watcher -----------------------------------------------------------------------------

/// Wakes a [`Watcher`] waiting in [`Watcher::next_event`] so it polls now instead of at the end
/// of its interval. For `WM_DEVICECHANGE` (Windows issue) and for a stop request that should not
/// wait for the next stop-flag check. Clones share the same watcher.
#[derive(Clone, Debug, Default)]
pub struct Nudge {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Nudge {
    /// Asks the watcher to poll as soon as possible.
    pub fn nudge(&self) {
        let (flag, wake) = &*self.inner;
        *lock(flag) = true;
        wake.notify_all();
    }

    /// Clears the request; whether there was one.
    fn take(&self) -> bool {
        std::mem::take(&mut *lock(&self.inner.0))
    }

    /// Waits up to `timeout` for a request (returns at once if there is one).
    fn wait(&self, timeout: Duration) {
        let (flag, wake) = &*self.inner;
        let guard = lock(flag);
        if *guard {
            return;
        }
        // Waking early or by accident is harmless: the caller re-checks everything.
        drop(wake.wait_timeout(guard, timeout));
    }
}

/// Polls a [`VolumeSource`] and reports candidate volumes arriving and leaving.
///
/// The first poll reports every volume already present as arrived. A failed poll changes nothing:
/// the error is returned and the next successful poll is compared with the last good set. Idle
/// cost: one call to the source per interval (plus a stop-flag check every 100 ms).
pub struct Watcher {
    source: Box<dyn VolumeSource + Send>,
    interval: Duration,
    seen: Vec<Volume>,
    pending: VecDeque<Event>,
    last_poll: Option<Instant>,
    nudge: Nudge,
    /// Receives `WM_DEVICECHANGE` and nudges; closed with the watcher.
    #[cfg(windows)]
    device_window: Option<crate::win32::DeviceWindow>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("interval", &self.interval)
            .field("seen", &self.seen)
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// A watcher over `source`, polling every [`DEFAULT_INTERVAL`], having seen nothing yet.
    pub fn new(source: Box<dyn VolumeSource + Send>) -> Self {
        Self {
            source,
            interval: DEFAULT_INTERVAL,
            seen: Vec::new(),
            pending: VecDeque::new(),
            last_poll: None,
            nudge: Nudge::default(),
            #[cfg(windows)]
            device_window: None,
        }
    }

    /// A watcher over this computer's volumes ([`system_source`]). On Windows it also starts a
    /// hidden window whose `WM_DEVICECHANGE` messages make it poll at once (where no window can
    /// be created, e.g. in a service, it only polls).
    pub fn system() -> Self {
        #[allow(unused_mut)]
        let mut watcher = Self::new(system_source());
        #[cfg(windows)]
        {
            let nudge = watcher.nudge();
            watcher.device_window =
                crate::win32::DeviceWindow::start(Box::new(move |event, broadcast| {
                    if decode_device_change(event, broadcast).is_some() {
                        nudge.nudge();
                    }
                }))
                .ok();
        }
        watcher
    }

    /// Whether OS arrival events wake this watcher (Windows, when the hidden window exists).
    pub fn has_os_events(&self) -> bool {
        #[cfg(windows)]
        return self.device_window.is_some();
        #[cfg(not(windows))]
        false
    }

    /// Sets the time between two polls in [`Watcher::next_event`].
    pub fn with_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The time between two polls.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The candidate volumes of the last successful poll, sorted by mount.
    pub fn volumes(&self) -> &[Volume] {
        &self.seen
    }

    /// A handle that makes a waiting [`Watcher::next_event`] poll at once.
    pub fn nudge(&self) -> Nudge {
        self.nudge.clone()
    }

    /// Polls once, now: the events not yet handed out by [`Watcher::next_event`], then the
    /// changes since the last successful poll. On error the seen set and queued events are kept.
    pub fn poll(&mut self) -> Result<Vec<Event>, Error> {
        self.nudge.take();
        self.last_poll = Some(Instant::now());
        let current: Vec<Volume> = by_mount(self.source.volumes()?).into_values().collect();
        let changes = diff(&self.seen, &current);
        self.seen = current;
        let mut events: Vec<Event> = self.pending.drain(..).collect();
        events.extend(changes);
        Ok(events)
    }

    /// Waits for the next event: polls at most once per interval (at once if never polled or
    /// nudged) and sleeps in between. `Ok(None)` once `stop` is set (checked at least every
    /// 100 ms; events not yet handed out stay queued). A source error is returned at once; the
    /// next call waits out the interval before polling again, so a caller that loops on errors
    /// does not spin.
    pub fn next_event(&mut self, stop: &AtomicBool) -> Result<Option<Event>, Error> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            let now = Instant::now();
            let due = self.last_poll.map_or(now, |last| last + self.interval);
            if now < due && !self.nudge.take() {
                self.nudge.wait((due - now).min(STOP_CHECK));
                continue;
            }
            let events = self.poll()?;
            self.pending.extend(events);
        }
    }
}
