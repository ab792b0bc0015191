//! The window's one state at a time, through the real engine: the terminal's wait counts down
//! and can end early, the done screen says where the stick goes and what was done, home says
//! 「取り外せます」 only while the finished stick is still in; the window fits small screens.
#![cfg(feature = "gui")]

use super::gui::{click, shows};
use super::util::paired;
use iced::futures::channel::mpsc::UnboundedReceiver;
use oqs_courier::detect::Event as Drive;
use oqs_courier::engine::{self, Options};
use oqs_courier::gui::{self, App, Message, Screen, Source, settings, worker};
use oqs_courier::state::Home;
use oqs_courier::text;
use std::time::{Duration, Instant};

/// Feeds the worker's events to the window until `until` holds for its screen.
fn run_until(app: &mut App, rx: &mut UnboundedReceiver<worker::Event>, until: fn(&Screen) -> bool) {
    let start = Instant::now();
    while !until(&app.screen) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the screen never got there: {:?}",
            app.screen
        );
        match rx.try_recv() {
            Ok(e) => {
                let _ = app.update(Message::Worker(e));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

#[test]
fn the_terminal_counts_down_its_wait_and_can_end_it_early() {
    let p = paired();
    let (dir, mut clinic, terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    // Dynamics wrote two requests; the clinic's step carries them.
    for n in 1..=2 {
        std::fs::copy(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/oqs/single_req_utf8.xml"
            ),
            dir.path()
                .join(format!("clinic/OQS/Req/OQSsiquc01req_20261127000{n}.xml")),
        )
        .unwrap();
    }
    std::thread::sleep(Duration::from_millis(150));
    let opts = Options {
        quiet: Duration::from_millis(100),
        ..Options::default()
    };
    let mut s = engine::begin(&mut clinic, &root, opts.clone()).unwrap();
    s.collect().unwrap();
    assert_eq!(s.finish().unwrap().sent, 2);
    drop((clinic, terminal));

    // The terminal's window; nobody answers (no 連携アプリ), the wait is long.
    let mut app = App::new(
        Home::at(dir.path().join("terminal/state")),
        Source::Folder(root.clone()),
        opts,
    );
    // The stick is in (the window takes the wait from the owner's settings, as in the field).
    app.stick = Some(root.clone());
    let mut rx = app.start(root.clone()).expect("the step started");
    assert!(matches!(app.screen, Screen::Working(_)), "{:?}", app.screen);
    run_until(&mut app, &mut rx, |s| matches!(s, Screen::Waiting { .. }));
    let Screen::Waiting {
        answered,
        total,
        left_secs,
        work,
    } = &app.screen
    else {
        unreachable!()
    };
    assert_eq!((*answered, *total), (0, 2));
    assert!(*left_secs > 20 && *left_secs <= 60, "{left_secs}");
    assert!(work.done.contains(&text::st_requests_handed(2)));
    assert!(shows(&app, &text::st_answered(0, 2)));
    assert!(shows(&app, text::ST_BUSY));
    assert!(shows(&app, &text::st_left(*left_secs)));
    // A second later the countdown moved.
    let first = *left_secs;
    let start = Instant::now();
    loop {
        if let Ok(e) = rx.try_recv() {
            let _ = app.update(Message::Worker(e));
        }
        if matches!(app.screen, Screen::Waiting { left_secs, .. } if left_secs < first) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "no countdown");
        std::thread::sleep(Duration::from_millis(50));
    }

    // 「待たずに終える」 ends the wait; the done screen says what was done and where to go.
    click(&mut app, text::G_FINISH_EARLY);
    run_until(&mut app, &mut rx, |s| matches!(s, Screen::Done(_)));
    assert!(shows(&app, text::ST_SAFE));
    assert!(shows(&app, text::ST_SAFE_TO_CLINIC));
    assert!(shows(&app, &text::st_requests_handed(2)));
    assert!(
        !shows(&app, &text::st_imported(2)),
        "the terminal hands requests over, it does not import"
    );

    // Back home with the stick still in: still safe to remove; once pulled: waiting again.
    click(&mut app, text::G_BACK);
    assert!(shows(&app, text::ST_SAFE) && shows(&app, text::ST_SAFE_AGAIN));
    let _ = app.update(Message::Drive(Drive::Removed(root)));
    assert!(shows(&app, text::ST_IDLE));
}

#[test]
fn the_window_fits_small_screens() {
    use iced::Size;
    // 1366×768 at 125 % and 1024×768 at 125 %: logical screens of 1093×614 and 819×614.
    assert_eq!(gui::fit(Size::new(1093.0, 614.0)), (960.0, 558.0));
    assert_eq!(gui::fit(Size::new(819.2, 614.4)), (803.2, 558.4));
    // 1024×768 and larger at 100 %: the full window.
    assert_eq!(gui::fit(Size::new(1024.0, 768.0)), gui::WINDOW_SIZE);
    assert_eq!(gui::fit(Size::new(1920.0, 1080.0)), gui::WINDOW_SIZE);
    // Never below the smallest layout.
    assert_eq!(gui::fit(Size::new(640.0, 480.0)), gui::MIN_SIZE);
}

#[test]
fn larger_text_is_the_owners_setting_and_scales_the_window() {
    let p = paired();
    let dir = p.dir;
    drop((p.clinic, p.terminal));
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(
        home.clone(),
        Source::Folder(dir.path().join("stick")),
        Options::default(),
    );
    assert_eq!(app.scale(), 1.0);
    super::gui_owner::open_settings(&mut app, "2468");
    let _ = app.update(Message::Settings(settings::Message::LargeText(true)));
    let _ = app.update(Message::Settings(settings::Message::Save));
    assert_eq!(
        app.scale(),
        gui::LARGE_TEXT,
        "saved: the window draws larger at once"
    );
    assert!(
        home.load().unwrap().config.large_text,
        "and it is in config.json"
    );
}

#[test]
fn quitting_from_the_tray_asks_for_the_owner_pin() {
    let p = paired();
    let dir = p.dir;
    drop((p.clinic, p.terminal));
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(
        home,
        Source::Folder(dir.path().join("stick")),
        Options::default(),
    );
    let _ = app.update(Message::QuitRequested);
    assert!(
        matches!(app.screen, Screen::Owner(_)),
        "the app does not end; the PIN is asked first: {:?}",
        app.screen
    );
}
