//! The desktop app driven headlessly with iced_test, through the real engine and a stick folder.
#![cfg(feature = "gui")]

use super::util::paired;
use iced_test::core::{Font, Settings, Size};
use iced_test::simulator::Simulator;
use oqs_courier::engine::{self, Options};
use oqs_courier::gui::{self, App, Message, Screen, Source, worker};
use oqs_courier::state::Home;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

fn opts() -> Options {
    Options {
        quiet: Duration::from_millis(100),
        response_wait: Duration::from_millis(300),
        ..Options::default()
    }
}

fn ui(app: &App) -> Simulator<'_, Message> {
    let settings = Settings {
        fonts: vec![gui::FONT.into()],
        default_font: Font::with_name(gui::FONT_NAME),
        ..Settings::default()
    };
    Simulator::with_size(settings, Size::new(960.0, 640.0), app.view())
}

/// Waits for the worker's next event.
fn next(rx: &mut iced::futures::channel::mpsc::UnboundedReceiver<worker::Event>) -> worker::Event {
    let start = Instant::now();
    loop {
        if let Ok(e) = rx.try_recv() {
            return e;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the worker did not report"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn snapshot(ui: &mut Simulator<'_, Message>, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/gui-snapshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    // A fresh image every run (the screens show temporary paths): written, not compared.
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with(name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    let shot = ui.snapshot(&iced::Theme::Light).unwrap();
    assert!(
        shot.matches_image(&path).unwrap(),
        "snapshot {name} could not be written"
    );
}

#[test]
fn insert_prompt_import_done_through_the_window() {
    let p = paired();
    let (dir, mut clinic, mut terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, "受付用1").unwrap();
    // The terminal sends a result for 試験 太郎 and a face result.
    let res = dir
        .path()
        .join("terminal/OQS/Res/OQSsiquc01res_202611270001.xml");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oqs/single_res_utf8.xml"
        ),
        &res,
    )
    .unwrap();
    let face = dir
        .path()
        .join("terminal/OQS/Face/OQSsiquc01res_face_20261127090000.xml");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oqs/face_sjis.xml"
        ),
        &face,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut s = engine::begin(&mut terminal, &root, opts()).unwrap();
    s.wait_for_responses(&AtomicBool::new(false), &mut |_, _| {})
        .unwrap();
    s.collect().unwrap();
    assert_eq!(s.finish().unwrap().sent, 2);
    drop(clinic);

    let mut app = App::new(
        Home::at(dir.path().join("clinic/state")),
        Source::Folder(root.clone()),
        opts(),
    );
    assert!(matches!(app.screen, Screen::Home));
    {
        let mut home = ui(&app);
        assert!(home.find("USBメモリを差し込んでください。").is_ok());
        snapshot(&mut home, "1-home");
    }

    let mut events = app.start(root.clone()).unwrap();
    let prompt = next(&mut events);
    assert!(
        matches!(prompt, worker::Event::Prompt(ref rows) if rows.len() == 2),
        "{prompt:?}"
    );
    let _ = app.update(Message::Worker(prompt));
    let messages: Vec<Message> = {
        let mut prompt_ui = ui(&app);
        assert!(
            prompt_ui.find("試験　太郎").is_ok() || prompt_ui.find("試験 太郎").is_ok(),
            "the patient is shown"
        );
        assert!(prompt_ui.find("顔認証").is_ok());
        snapshot(&mut prompt_ui, "2-import-prompt");
        prompt_ui.click("取り込む").unwrap();
        prompt_ui.into_messages().collect()
    };
    assert!(
        matches!(messages.as_slice(), [Message::Import]),
        "{messages:?}"
    );
    for m in messages {
        let _ = app.update(m);
    }
    let done = next(&mut events);
    let _ = app.update(Message::Worker(done));
    assert!(
        matches!(app.screen, Screen::Done(ref o) if o.published == 2),
        "{:?}",
        app.screen
    );
    {
        let mut done_ui = ui(&app);
        assert!(done_ui.find("USBメモリを取り外せます。").is_ok());
        snapshot(&mut done_ui, "3-done");
    }
    assert!(
        dir.path()
            .join("clinic/OQS/Res/OQSsiquc01res_202611270001.xml")
            .exists()
    );
    assert!(
        dir.path()
            .join("clinic/OQS/Face/OQSsiquc01res_face_20261127090000.xml")
            .exists()
    );

    // History shows what happened.
    let _ = app.update(Message::History);
    let history = ui(&app);
    drop(history);
    assert!(
        matches!(&app.screen, Screen::History(rows) if rows.iter().any(|r| r.outcome == "published"))
    );
}

#[test]
fn later_holds_results_and_refusals_get_their_own_screen() {
    let p = paired();
    let (dir, mut clinic, mut terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    // Not enrolled: the refusal screen says so.
    drop(clinic);
    let mut app = App::new(
        Home::at(dir.path().join("clinic/state")),
        Source::Folder(root.clone()),
        opts(),
    );
    let mut events = app.start(root.clone()).unwrap();
    let _ = app.update(Message::Worker(next(&mut events)));
    let Screen::Problem(what, _, _) = &app.screen else {
        panic!("{:?}", app.screen)
    };
    assert!(what.contains("登録されていない"), "{what}");
    {
        let mut refused = ui(&app);
        assert!(refused.find("処理できませんでした").is_ok());
        snapshot(&mut refused, "4-refused");
    }
    drop(app);

    clinic = Home::at(dir.path().join("clinic/state")).load().unwrap();
    engine::enroll(&mut clinic, &root, "受付用1").unwrap();
    drop(clinic);
    let res = dir
        .path()
        .join("terminal/OQS/Res/OQSsiquc01res_202611270002.xml");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oqs/not_found_utf8.xml"
        ),
        &res,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut s = engine::begin(&mut terminal, &root, opts()).unwrap();
    s.collect().unwrap();
    s.finish().unwrap();

    let mut app = App::new(
        Home::at(dir.path().join("clinic/state")),
        Source::Folder(root.clone()),
        opts(),
    );
    let mut events = app.start(root.clone()).unwrap();
    let _ = app.update(Message::Worker(next(&mut events)));
    assert!(
        matches!(&app.screen, Screen::Prompt { rows, .. } if rows[0].problem),
        "error rows stand out"
    );
    let _ = app.update(Message::Key(iced::keyboard::Event::KeyPressed {
        key: iced::keyboard::Key::Named(iced::keyboard::key::Named::Escape),
        modified_key: iced::keyboard::Key::Named(iced::keyboard::key::Named::Escape),
        physical_key: iced::keyboard::key::Physical::Unidentified(
            iced::keyboard::key::NativeCode::Unidentified,
        ),
        location: iced::keyboard::Location::Standard,
        modifiers: iced::keyboard::Modifiers::default(),
        text: None,
        repeat: false,
    }));
    let _ = app.update(Message::Worker(next(&mut events)));
    assert!(
        matches!(app.screen, Screen::Done(ref o) if o.published == 0 && o.held == 1),
        "{:?}",
        app.screen
    );
    assert!(
        !dir.path()
            .join("clinic/OQS/Res/OQSsiquc01res_202611270002.xml")
            .exists(),
        "後で imports nothing"
    );
    app.refresh();
    assert_eq!(
        app.info.to_import, 1,
        "the held result waits for the next insert"
    );
}
