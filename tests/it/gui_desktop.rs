//! The desktop conventions: one app per state directory (a second start shows the first window
//! and ends), the requests the desktop sends to the window.
//!
//! The instance tests run on every OS (on Windows and under Wine: the named mutex and the hidden
//! window, which need a desktop — scripts/wine-test.sh runs under xvfb-run). The test that starts
//! the real Linux GUI twice needs Xvfb. The Windows GUI exe under Wine, its tray icon and a second
//! start of it: scripts/gui-wine-desktop.sh.
#![cfg(feature = "gui")]

use oqs_courier::gui::desktop::{self, Request};
use oqs_courier::gui::{Message, startup};
use oqs_courier::instance::{self, Acquired};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

fn first(dir: &Path) -> (instance::Instance, mpsc::Receiver<()>) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let acquired = instance::acquire(
        dir,
        Box::new(move || {
            let _ = tx.lock().unwrap().send(());
        }),
    )
    .unwrap();
    match acquired {
        Acquired::First(i) => (i, rx),
        Acquired::Second { shown } => panic!("the first start found another (shown: {shown})"),
    }
}

fn second(dir: &Path) -> Acquired {
    instance::acquire(
        dir,
        Box::new(|| panic!("a second start never hears requests")),
    )
    .unwrap()
}

#[test]
fn a_second_start_asks_the_first_to_show_and_a_restart_is_first_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let (guard, shows) = first(&dir);
    match second(&dir) {
        Acquired::Second { shown } => assert!(shown, "the first instance was not reached"),
        Acquired::First(_) => panic!("a second start of the same state directory was first"),
    }
    shows
        .recv_timeout(Duration::from_secs(5))
        .expect("the first instance did not hear the second start");
    // A third start is heard too (the listener keeps going).
    assert!(matches!(second(&dir), Acquired::Second { shown: true }));
    shows.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(shows.try_recv().is_err(), "one start, one request");
    // The first ends: the next start is first again.
    drop(guard);
    let (_again, _) = first(&dir);
}

#[test]
fn another_state_directory_is_another_app() {
    let tmp = tempfile::tempdir().unwrap();
    let (_a, shows_a) = first(&tmp.path().join("a"));
    let (_b, shows_b) = first(&tmp.path().join("b"));
    assert!(shows_a.try_recv().is_err());
    assert!(shows_b.try_recv().is_err());
    assert_ne!(
        instance::key(&tmp.path().join("a")),
        instance::key(&tmp.path().join("b"))
    );
}

/// A socket left behind by an app that was killed does not make the next start a "second".
#[cfg(unix)]
#[test]
fn a_stale_socket_of_a_killed_app_is_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    {
        // Bound and dropped without removing the file: what a killed app leaves.
        std::fs::create_dir_all(&dir).unwrap();
        let l = std::os::unix::net::UnixListener::bind(instance::socket_path(&dir)).unwrap();
        drop(l);
    }
    assert!(instance::socket_path(&dir).exists());
    let (_guard, shows) = first(&dir);
    assert!(matches!(second(&dir), Acquired::Second { shown: true }));
    shows.recv_timeout(Duration::from_secs(5)).unwrap();
}

/// `desktop::claim` as the GUI binary calls it: the second start is refused and logged, the
/// first gets a [`Message::ShowWindow`] through the subscription's stream and logs it.
#[test]
fn claim_turns_a_second_start_into_a_show_window_message() {
    use iced::futures::{FutureExt, StreamExt};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state");
    let claim = desktop::claim(&dir).expect("the first claim");
    assert!(claim.0.is_some());
    let refused = desktop::claim(&dir).expect_err("a second claim of the same directory");
    assert!(refused.shown);
    let mut stream = std::pin::pin!(desktop::requests());
    // The request may still be on its way from the listener thread.
    let began = std::time::Instant::now();
    let next = loop {
        if let Some(m) = stream.next().now_or_never() {
            break m;
        }
        assert!(
            began.elapsed() < Duration::from_secs(5),
            "no ShowWindow within 5 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(matches!(next, Some(Message::ShowWindow)), "{next:?}");
    // A menu's 終了 reaches the window as QuitRequested.
    desktop::request(Request::Quit);
    let quit = stream.next().now_or_never().flatten();
    assert!(matches!(quit, Some(Message::QuitRequested)), "{quit:?}");
    let log = std::fs::read_to_string(startup::log_path(Some(&dir))).unwrap();
    assert!(
        log.contains(oqs_courier::text::LOG_ALREADY_RUNNING),
        "log: {log}"
    );
    assert!(
        log.contains(oqs_courier::text::LOG_SHOW_REQUESTED),
        "log: {log}"
    );
}

/// The real Linux GUI started twice on one state directory under Xvfb: the second exits 0 at
/// once and the first keeps running and logs the request.
#[cfg(unix)]
#[test]
#[ignore = "needs Xvfb (apt-get install xvfb)"]
fn the_real_gui_started_twice_runs_once() {
    use std::process::{Command, Stdio};
    use std::time::Instant;
    // A display number of this process's own (other Xvfb may run on this machine).
    let display = format!(":{}", 200 + std::process::id() % 500);
    /// Kills the child on drop, so that a failing assertion leaves no Xvfb or app behind.
    struct Killed(std::process::Child);
    impl Drop for Killed {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _xvfb = Killed(
        Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "1024x768x24"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("this test needs Xvfb (apt-get install xvfb): {e}")),
    );
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("state");
    let gui = env!("CARGO_BIN_EXE_oqs-courier-gui");
    let start = || {
        Command::new(gui)
            .arg("--home")
            .arg(&home)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let wait_for = |what: &str, f: &dyn Fn() -> bool| {
        let t = Instant::now();
        while !f() {
            assert!(t.elapsed() < Duration::from_secs(20), "timed out: {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let x_socket = format!("/tmp/.X11-unix/X{}", &display[1..]);
    wait_for("Xvfb", &|| Path::new(&x_socket).exists());
    let mut first = Killed(start());
    wait_for("the first start's socket", &|| {
        instance::socket_path(&home).exists()
    });
    // Let the first open its window (without a display it would end within this time).
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        first.0.try_wait().unwrap().is_none(),
        "the first start ended: {}",
        std::fs::read_to_string(startup::log_path(Some(&home))).unwrap_or_default()
    );
    let began = Instant::now();
    let mut second = Killed(start());
    let status = loop {
        if let Some(s) = second.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            began.elapsed() < Duration::from_secs(10),
            "the second start did not end"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let log_path = startup::log_path(Some(&home));
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    wait_for("the first start's log line", &|| {
        log().contains(oqs_courier::text::LOG_SHOW_REQUESTED)
    });
    let still_running = first.0.try_wait().unwrap().is_none();
    assert!(status.success(), "second start: {status}");
    assert!(still_running, "the first start ended");
    assert!(
        log().contains(oqs_courier::text::LOG_ALREADY_RUNNING),
        "{}",
        log()
    );
}
