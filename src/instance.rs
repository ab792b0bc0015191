//! One desktop app per state directory: a second start asks the first to show its window, then
//! ends.
//!
//! Staff double-click the desktop icon when they cannot find the window (it stays resident,
//! minimised); a second copy would watch the same drives and prompt for the same stick. So the
//! first start [`acquire`]s the state directory, and a later start of the same state directory
//! finds it taken, sends "show" to the first and gets [`Acquired::Second`] (the app then exits
//! 0). The first hears it through the `on_show` callback, on a thread of its own.
//!
//! - Windows: a named mutex `Local\oqs-courier-gui-<key>` (this log-on session) marks the first
//!   start; the second finds the first's hidden window (class [`WINDOW_CLASS`], title with the
//!   key) and posts it [`SHOW_MESSAGE`], after letting it take the foreground.
//! - Elsewhere (development, demos, tests): an exclusive lock on `gui-instance.lock` in the state
//!   directory (released by the OS however the process ends) and a Unix socket
//!   `gui-instance.sock` next to it, on which the second writes `show`.
//!
//! Neither side polls: the first's thread blocks in `GetMessageW` or `accept`.

use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Called on the first instance's own thread each time a later start asks to be shown.
pub type OnShow = Box<dyn Fn() + Send + Sync>;

/// How long a second start keeps trying to reach the first (which may still be starting: it
/// holds the lock or mutex a moment before it listens).
pub const REACH_WAIT: Duration = Duration::from_secs(3);

/// The class of the first instance's hidden window (Windows).
pub const WINDOW_CLASS: &str = "OqsCourierInstance";

/// The message a second start posts to the first's hidden window: show yourself (`WM_APP` +
/// 0x51).
pub const SHOW_MESSAGE: u32 = 0x8000 + 0x51;

/// What [`acquire`] found.
#[derive(Debug)]
pub enum Acquired {
    /// This is the first start: keep the guard for the app's lifetime.
    First(Instance),
    /// Another start of this state directory runs; `shown` tells whether it was reached and
    /// asked to show its window.
    Second {
        /// Whether the first instance received the request.
        shown: bool,
    },
}

/// The first instance's hold on the state directory and its listener; released on drop.
#[derive(Debug)]
pub struct Instance {
    #[cfg(windows)]
    _window: crate::win32::desktop::HiddenWindow,
    #[cfg(windows)]
    _mutex: crate::win32::desktop::NamedMutex,
    #[cfg(unix)]
    _unix: unix::Listener,
}

/// A short key naming the state directory `dir` (its absolute path, case-folded on Windows):
/// the same directory gives the same key in every process.
pub fn key(dir: &Path) -> String {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let mut s = abs.to_string_lossy().into_owned();
    while s.len() > 1 && (s.ends_with('/') || s.ends_with('\\')) {
        s.pop();
    }
    if cfg!(windows) {
        s = s.to_lowercase();
    }
    hex::encode(&Sha256::digest(s.as_bytes())[..8])
}

/// The named mutex of state directory `dir` (Windows).
pub fn mutex_name(dir: &Path) -> String {
    format!("Local\\oqs-courier-gui-{}", key(dir))
}

/// The title of the first instance's hidden window for `dir` (Windows).
pub fn window_title(dir: &Path) -> String {
    format!("oqs-courier-gui {}", key(dir))
}

/// The lock file in the state directory (Unix).
pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join("gui-instance.lock")
}

/// The socket in the state directory (Unix).
pub fn socket_path(dir: &Path) -> PathBuf {
    dir.join("gui-instance.sock")
}

/// Takes the state directory `dir` for this process, or, if another process has it, asks that
/// one to show its window. `on_show` runs (on a listener thread) for every later start.
pub fn acquire(dir: &Path, on_show: OnShow) -> io::Result<Acquired> {
    #[cfg(windows)]
    return windows::acquire(dir, on_show);
    #[cfg(unix)]
    return unix::acquire(dir, on_show);
    #[cfg(not(any(windows, unix)))]
    {
        let _ = (dir, on_show);
        Err(io::Error::other(
            "no single-instance support on this system",
        ))
    }
}

/// Retries `f` until it succeeds or [`REACH_WAIT`] has passed (a few tries a second).
fn retry(mut f: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if f() {
            return true;
        }
        if start.elapsed() >= REACH_WAIT {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(windows)]
mod windows {
    use super::*;
    use crate::win32::desktop::{HiddenWindow, NamedMutex, post_to};

    pub(super) fn acquire(dir: &Path, on_show: OnShow) -> io::Result<Acquired> {
        let (mutex, existed) = NamedMutex::create(&mutex_name(dir))?;
        let title = window_title(dir);
        if existed {
            drop(mutex);
            let shown = retry(|| post_to(WINDOW_CLASS, &title, SHOW_MESSAGE));
            return Ok(Acquired::Second { shown });
        }
        let window = HiddenWindow::start(
            WINDOW_CLASS,
            &title,
            Box::new(move |_, msg, _, _| {
                if msg == SHOW_MESSAGE {
                    on_show();
                    return Some(0);
                }
                None
            }),
        )?;
        Ok(Acquired::First(Instance {
            _window: window,
            _mutex: mutex,
        }))
    }
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::net::{UnixListener, UnixStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::JoinHandle;

    /// The request line a second start writes, and the first's answer.
    const SHOW: &str = "show\n";
    const OK: &str = "ok\n";

    #[derive(Debug)]
    pub(super) struct Listener {
        _lock: std::fs::File,
        socket: PathBuf,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
            // Wakes the blocking accept; it sees the flag and ends.
            let _ = UnixStream::connect(&self.socket);
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
            let _ = std::fs::remove_file(&self.socket);
        }
    }

    fn ask_to_show(socket: &Path) -> bool {
        let Ok(mut s) = UnixStream::connect(socket) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(REACH_WAIT));
        if s.write_all(SHOW.as_bytes()).is_err() {
            return false;
        }
        let mut answer = String::new();
        BufReader::new(s).read_line(&mut answer).is_ok() && answer == OK
    }

    pub(super) fn acquire(dir: &Path, on_show: OnShow) -> io::Result<Acquired> {
        crate::durable::create_private_dir(dir)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(dir))?;
        let socket = socket_path(dir);
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let shown = retry(|| ask_to_show(&socket));
                return Ok(Acquired::Second { shown });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        // We hold the lock: a socket left by a process that died is stale.
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("oqs-courier-instance".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut conn) = conn else { continue };
                    // A client that connects and says nothing must not stall later ones.
                    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                    let mut line = String::new();
                    let Ok(reader) = conn.try_clone() else {
                        continue;
                    };
                    if BufReader::new(reader).read_line(&mut line).is_ok() && line == SHOW {
                        on_show();
                        let _ = conn.write_all(OK.as_bytes());
                    }
                }
            })?;
        Ok(Acquired::First(Instance {
            _unix: Listener {
                _lock: lock,
                socket,
                stop,
                thread: Some(thread),
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_names_the_directory_not_its_spelling() {
        let dir = std::env::temp_dir().join("oqs-key-test");
        assert_eq!(key(&dir), key(&dir.join("")));
        assert_ne!(key(&dir), key(&dir.join("other")));
        assert_eq!(key(&dir).len(), 16);
        assert!(mutex_name(&dir).starts_with("Local\\oqs-courier-gui-"));
    }
}
