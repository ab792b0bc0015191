//! The desktop app driven headlessly with iced_test, through the real engine and a stick folder.
#![cfg(feature = "gui")]

use super::gui_owner::open_settings;
use super::util::paired;
use iced_test::core::{Font, Settings, Size};
use iced_test::simulator::Simulator;
use oqs_courier::detect::{Event as Drive, Volume};
use oqs_courier::engine::{self, Options};
use oqs_courier::gui::setup::{self, Step};
use oqs_courier::gui::{self, App, Message, Screen, Source, history, settings, worker};
use oqs_courier::journal::AuditRow;
use oqs_courier::state::{Home, Role};
use oqs_courier::text;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

pub(crate) fn opts() -> Options {
    Options {
        quiet: Duration::from_millis(100),
        response_wait: Duration::from_millis(300),
        ..Options::default()
    }
}

pub(crate) fn ui(app: &App) -> Simulator<'_, Message> {
    ui_sized(app, 960.0, 640.0)
}

/// [`ui`] in a window of `width` × `height` logical pixels.
pub(crate) fn ui_sized(app: &App, width: f32, height: f32) -> Simulator<'_, Message> {
    let settings = Settings {
        fonts: vec![gui::FONT.into()],
        default_font: Font::with_name(gui::FONT_NAME),
        ..Settings::default()
    };
    Simulator::with_size(settings, Size::new(width, height), app.view())
}

/// Waits for the worker's next event that needs staff or ends the step (progress reports,
/// which only change the working screen, are skipped).
pub(crate) fn next(
    rx: &mut iced::futures::channel::mpsc::UnboundedReceiver<worker::Event>,
) -> worker::Event {
    let start = Instant::now();
    loop {
        if let Ok(e) = rx.try_recv() {
            if matches!(e, worker::Event::Progress(_)) {
                continue;
            }
            return e;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the worker did not report"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Set to `1` to rewrite the committed snapshots in `tests/snapshots/gui/` (then look at them).
const UPDATE_ENV: &str = "OQS_COURIER_UPDATE_SNAPSHOTS";

/// Compares the window's picture with the committed PNG `tests/snapshots/gui/<name>-tiny-skia.png`
/// (rewritten only when [`UPDATE_ENV`] is `1`). A missing PNG is a failure — a new or renamed
/// screen must not pass by writing its own baseline — and so is a differing picture, which is
/// saved under `target/gui-snapshots/` for a look.
pub(crate) fn snapshot(ui: &mut Simulator<'_, Message>, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join("tests/snapshots/gui");
    let baseline = committed.join(format!("{name}-tiny-skia.png"));
    let shot = ui.snapshot(&iced::Theme::Light).unwrap();
    if std::env::var(UPDATE_ENV).is_ok_and(|v| v == "1") {
        let _ = std::fs::remove_file(&baseline);
    } else if !baseline.exists() {
        let out = root.join("target/gui-snapshots");
        let _ = std::fs::remove_file(out.join(format!("{name}-tiny-skia.png")));
        let _ = shot.matches_image(out.join(format!("{name}.png")));
        panic!(
            "no committed snapshot of the {name} screen: tests/snapshots/gui/{name}-tiny-skia.png \
             is missing (this run's picture: target/gui-snapshots/{name}-tiny-skia.png); for a new \
             or renamed screen, run `{UPDATE_ENV}=1 cargo test --test it gui::`, look at the new \
             PNG and commit it"
        );
    }
    if shot
        .matches_image(committed.join(format!("{name}.png")))
        .unwrap()
    {
        return;
    }
    let out = root.join("target/gui-snapshots");
    let _ = std::fs::remove_file(out.join(format!("{name}-tiny-skia.png")));
    let _ = shot.matches_image(out.join(format!("{name}.png")));
    panic!(
        "the {name} screen differs from tests/snapshots/gui/{name}-tiny-skia.png (now: \
         target/gui-snapshots/{name}-tiny-skia.png); if the change is wanted, rerun with {UPDATE_ENV}=1"
    );
}

/// Builds the view, clicks the widget showing `caption` and feeds the resulting messages back.
pub(crate) fn click(app: &mut App, caption: &str) {
    click_in(app, caption, 960.0, 640.0);
}

/// [`click`] in a window of `width` × `height` (a widget far down a long page, as if scrolled).
pub(crate) fn click_in(app: &mut App, caption: &str, width: f32, height: f32) {
    let messages: Vec<Message> = {
        let mut ui = ui_sized(app, width, height);
        ui.click(caption)
            .unwrap_or_else(|e| panic!("no {caption:?} to click: {e:?}"));
        ui.into_messages().collect()
    };
    assert!(!messages.is_empty(), "clicking {caption:?} did nothing");
    for m in messages {
        let _ = app.update(m);
    }
}

/// Staff press Esc.
pub(crate) fn press_escape(app: &mut App) {
    use iced::keyboard::{Event, Key, Location, Modifiers, key};
    let _ = app.update(Message::Key(Event::KeyPressed {
        key: Key::Named(key::Named::Escape),
        modified_key: Key::Named(key::Named::Escape),
        physical_key: key::Physical::Unidentified(key::NativeCode::Unidentified),
        location: Location::Standard,
        modifiers: Modifiers::default(),
        text: None,
        repeat: false,
    }));
}

/// The settings form with fixed, invented values (snapshots); the updates part shows nothing
/// known.
pub(crate) fn fixed_settings(role: Role) -> settings::Form {
    settings::Form {
        oqs_dir: r"C:\OQS".into(),
        label: match role {
            Role::Clinic => text::W_LABEL_CLINIC.into(),
            Role::Terminal => text::W_LABEL_TERMINAL.into(),
        },
        wait: "30".into(),
        retention: "30".into(),
        incomplete_wait: "300".into(),
        kinds: vec![true, true, true, true, true, false],
        auto_import: false,
        defender: true,
        large_text: false,
        state_dir: r"C:\Users\受付\AppData\Local\oqs-courier".into(),
        result: None,
        owner: Default::default(),
        terminal: None,
        updates: Box::new(oqs_courier::gui::updates::Part::empty(role)),
    }
}

/// Whether the window shows `what` (as one text; sentences are drawn phrase-joined, see
/// `gui::theme::phrased`).
pub(crate) fn shows(app: &App, what: &str) -> bool {
    let mut ui = ui(app);
    ui.find(what).is_ok() || ui.find(gui::theme::phrased(what).as_str()).is_ok()
}

/// The bytes of the OQS fixture `name` with its dates moved to today (the committed fixtures are
/// dated January 2025, which the prompt rightly flags as not today).
pub(crate) fn fixture_today(name: &str) -> Vec<u8> {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/oqs")
            .join(name),
    )
    .unwrap();
    let today = chrono::Local::now().format("%Y%m%d").to_string();
    let mut out = bytes.clone();
    for day in ["20250106", "20250107", "20250115", "20250116"] {
        let mut i = 0;
        while i + 8 <= out.len() {
            if &out[i..i + 8] == day.as_bytes() {
                out[i..i + 8].copy_from_slice(today.as_bytes());
                i += 8;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// The prompt's rows for a typical mixed arrival, from the repository's OQS fixtures through
/// `review` (no hand-made rows), on 2025-01-16: a bulk result of today with two persons, a
/// result and a face result of earlier days, a `.err` file answering the clinic's request, a
/// 薬剤情報PDF and an unreadable XML.
pub(crate) fn sample_prompt_rows() -> Vec<oqs_courier::review::Row> {
    use oqs_courier::journal::{Item, State};
    use oqs_courier::oqs;
    let read = |f: &str| {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/oqs")
                .join(f),
        )
        .unwrap()
    };
    let row = |id: i64, name: &str, fixture: &str| {
        let bytes = read(fixture);
        engine::ImportRow {
            item: Item {
                id,
                name: name.into(),
                folder: if name.contains("_face_") {
                    oqs::folders::Sub::Face
                } else {
                    oqs::folders::Sub::Res
                },
                kind: oqs::classify(name).label(),
                size: bytes.len() as u64,
                sha256: String::new(),
                state: State::Pending,
                seq: Some(1),
                added: String::new(),
                incomplete: false,
            },
            summary: oqs::summarize(name, &bytes),
            request: None,
            request_line: None,
            error_text: oqs::classify(name)
                .process()
                .filter(|_| name.ends_with(".err"))
                .and_then(|_| engine::error_text(&bytes)),
        }
    };
    let mut err = row(4, "OQSsiquc01req_202501160001.err", "single_req.err");
    err.request = Some(oqs::summarize(
        "OQSsiquc01req_202501160001.xml",
        &read("single_req_utf8.xml"),
    ));
    let items = vec![
        row(1, "OQSmuquc02res_202501150001.xml", "bulk2_res_done.xml"),
        row(2, "OQSsiquc01res_202501060001.xml", "single_res_utf8.xml"),
        row(3, "OQSsiquc01res_face_20250107081500.xml", "face_utf8.xml"),
        err,
        row(5, "YZKsiquc01res_202501160002.pdf", "drug_res.pdf"),
        row(6, "OQSsiquc01res_202501160003.xml", "deep_nesting.xml"),
    ];
    let today = chrono::NaiveDate::from_ymd_opt(2025, 1, 16).unwrap();
    oqs_courier::review::rows(&items, today)
}

pub(crate) fn oqs_dir(base: &Path, name: &str) -> PathBuf {
    let d = base.join(name);
    for sub in ["Req", "Res", "Face"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    d
}

#[test]
fn insert_prompt_import_done_through_the_window() {
    let p = paired();
    let (dir, mut clinic, mut terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    // The terminal sends a result for 試験 太郎 and a face result.
    // Both dated today: nothing needs a look, so both start ticked.
    let res = dir
        .path()
        .join("terminal/OQS/Res/OQSsiquc01res_202611270001.xml");
    std::fs::write(&res, fixture_today("single_res_utf8.xml")).unwrap();
    let face = dir
        .path()
        .join("terminal/OQS/Face/OQSsiquc01res_face_20261127090000.xml");
    std::fs::write(&face, fixture_today("face_sjis.xml")).unwrap();
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
        assert!(home.find(text::ST_IDLE).is_ok());
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
    assert!(shows(&app, text::ST_SAFE));
    assert!(shows(&app, text::ST_SAFE_TO_TERMINAL));
    assert!(shows(&app, &text::st_imported(2)));
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

    // History shows what happened (read off the window's thread, then shown).
    let rx = app
        .open_history(history::Period::All, history::Show::Everything)
        .unwrap();
    assert!(shows(&app, text::HI_LOADING));
    let rows = iced::futures::executor::block_on(rx).unwrap();
    let _ = app.update(Message::HistoryView(history::Msg::Loaded(rows)));
    let Screen::History(h) = &app.screen else {
        panic!("not the history: {:?}", app.screen)
    };
    assert!(
        h.shown()
            .iter()
            .any(|r| r.outcome == oqs_courier::journal::Outcome::Published)
    );
    // Only imports, then the first row's details.
    click(&mut app, text::HI_SHOW_IMPORTED);
    let Screen::History(h) = &app.screen else {
        panic!("not the history")
    };
    assert!(!h.shown().is_empty());
    assert!(
        h.shown()
            .iter()
            .all(|r| r.outcome == oqs_courier::journal::Outcome::Published)
    );
    assert!(shows(&app, text::HI_SELECT_HINT));
    let _ = app.update(Message::HistoryView(history::Msg::Select(0)));
    assert!(
        !shows(&app, text::HI_SELECT_HINT),
        "a selected row shows its details in place of the hint"
    );
}

/// A result whose writer never finished travels flagged after the wait; at the clinic it is a red
/// row saying so, not ticked, so 取り込む imports only the other results.
#[test]
fn a_result_cut_short_is_an_unticked_error_row() {
    let p = paired();
    let (dir, mut clinic, mut terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    drop(clinic);
    let fixture = fixture_today;
    let full = fixture("single_res_utf8.xml");
    let res = "OQSsiquc01res_202611270001.xml";
    let face = "OQSsiquc01res_face_20261127090000.xml";
    let t = dir.path().join("terminal/OQS");
    std::fs::write(t.join("Res").join(res), &full[..full.len() / 2]).unwrap();
    std::fs::write(t.join("Face").join(face), fixture("face_sjis.xml")).unwrap();
    let flag_at_once = Options {
        incomplete_wait: Duration::ZERO,
        ..opts()
    };
    let mut s = engine::begin(&mut terminal, &root, flag_at_once).unwrap();
    s.collect().unwrap();
    assert_eq!(s.finish().unwrap().sent, 2);

    let mut app = App::new(
        Home::at(dir.path().join("clinic/state")),
        Source::Folder(root.clone()),
        opts(),
    );
    let mut events = app.start(root.clone()).unwrap();
    let prompt = next(&mut events);
    let _ = app.update(Message::Worker(prompt));
    let Screen::Prompt(p) = &app.screen else {
        panic!("{:?}", app.screen);
    };
    let (rows, selected) = (&p.rows, &p.selected);
    let cut = rows.iter().position(|r| r.file == res).unwrap();
    assert_eq!(rows[cut].flags, vec![oqs_courier::review::Flag::Incomplete]);
    assert_eq!(rows[cut].reasons, vec![text::INCOMPLETE_FILE.to_owned()]);
    assert!(!selected[cut], "a file cut short is ticked");
    assert_eq!(selected.iter().filter(|s| **s).count(), 1);
    assert!(shows(&app, text::INCOMPLETE_FILE));
    click(&mut app, "取り込む");
    let done = next(&mut events);
    let _ = app.update(Message::Worker(done));
    assert!(
        matches!(app.screen, Screen::Done(ref o) if o.published == 1 && o.held == 1),
        "{:?}",
        app.screen
    );
    assert!(!dir.path().join("clinic/OQS/Res").join(res).exists());
    assert!(dir.path().join("clinic/OQS/Face").join(face).exists());
    // The history names whose result was held, and who held it.
    drop(app);
    let clinic = Home::at(dir.path().join("clinic/state")).load().unwrap();
    let held: Vec<AuditRow> = clinic
        .journal
        .audit_rows(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome == oqs_courier::journal::Outcome::Held)
        .collect();
    assert_eq!(held.len(), 1);
    assert!(
        held[0].summary.as_deref().is_some_and(|s| !s.is_empty()) && held[0].actor.is_some(),
        "{:?}",
        held[0]
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
    // The refusal of an unknown stick offers nothing to press (enrolling is the owner's, in the
    // settings: tests/it/gui_owner.rs).
    assert_eq!(app.enrollable.as_deref(), Some(root.as_path()));
    assert!(shows(&app, text::G_FOREIGN_STICK));
    assert!(!shows(&app, text::G_ENROLL_THIS) && !shows(&app, text::G_BACK));
    drop(app);
    clinic = Home::at(dir.path().join("clinic/state")).load().unwrap();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
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
        matches!(&app.screen, Screen::Prompt(p)
            if p.rows[0].flags.contains(&oqs_courier::review::Flag::Error) && !p.selected[0]),
        "error rows stand out and start unticked"
    );
    press_escape(&mut app);
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

/// The set-up wizard on two PCs with one stick folder: role, OQS folder (a wrong one first),
/// pairing through the stick with the code on both screens, stick enrollment — ending with a
/// step that goes through on both PCs.
#[test]
fn wizard_sets_up_clinic_and_terminal_through_one_stick() {
    let dir = tempfile::tempdir().unwrap();
    let stick = dir.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let c_oqs = oqs_dir(dir.path(), "c/OQS");
    let t_oqs = oqs_dir(dir.path(), "t/OQS");
    let insert = |app: &mut App| {
        let _ = app.update(Message::Drive(Drive::Arrived(Volume::stick(&stick))));
    };
    let wizard = |app: &App| match &app.screen {
        Screen::Setup(w) => w.clone(),
        other => panic!("not the wizard: {other:?}"),
    };
    let new_app = |home: &str| {
        App::new(
            Home::at(dir.path().join(home)),
            Source::Folder(stick.clone()),
            opts(),
        )
    };
    let mut clinic = new_app("ch");
    let mut terminal = new_app("th");
    assert_eq!(wizard(&clinic).step, Step::Role);

    // 1–2. Role and folder. A folder that does not exist is refused with a clear message; a
    // folder without Req/Res/Face gets them after a confirmation (the terminal's here; 参照… has
    // no dialog on Linux and leaves the typed path).
    std::fs::remove_dir_all(&t_oqs).unwrap();
    std::fs::create_dir_all(t_oqs.join("req")).unwrap();
    for (app, role, oqs) in [
        (&mut clinic, text::W_ROLE_CLINIC, &c_oqs),
        (&mut terminal, text::W_ROLE_TERMINAL, &t_oqs),
    ] {
        click(app, role);
        assert_eq!(wizard(app).step, Step::Folder);
        assert!(
            !wizard(app).folder.is_empty(),
            "a default folder is offered"
        );
        let _ = app.update(Message::Setup(setup::Message::Folder(
            dir.path().join("nowhere").display().to_string(),
        )));
        // Without a system dialog (Linux), 参照… keeps the typed folder; on Windows it would
        // open the real, modal dialog (checked by hand and in win32::desktop's tests).
        if !gui::dialogs::available() {
            click(app, text::W_BROWSE);
        }
        assert!(wizard(app).folder.ends_with("nowhere"));
        click(app, text::W_NEXT);
        let w = wizard(app);
        assert_eq!(w.step, Step::Folder);
        assert!(w.problem.is_some() && w.create.is_none(), "{:?}", w.problem);
        let _ = app.update(Message::Setup(setup::Message::Folder(
            oqs.display().to_string(),
        )));
        click(app, text::W_NEXT);
    }
    assert_eq!(
        wizard(&clinic).step,
        Step::Pair,
        "{:?}",
        wizard(&clinic).problem
    );
    assert_eq!(wizard(&terminal).step, Step::Folder);
    assert_eq!(wizard(&terminal).create, Some(vec!["Res", "Face"]));
    assert!(shows(
        &terminal,
        &text::w_create_subfolders(&t_oqs.display().to_string(), &["Res", "Face"])
    ));
    assert!(
        !t_oqs.join("Res").exists(),
        "nothing created before the confirmation"
    );
    click(&mut terminal, text::O_CANCEL);
    assert!(wizard(&terminal).create.is_none() && !t_oqs.join("Res").exists());
    click(&mut terminal, text::W_NEXT);
    click(&mut terminal, text::W_CREATE);
    assert!(t_oqs.join("Res").is_dir() && t_oqs.join("Face").is_dir());
    // The existing lower-case one is kept (not a second `Req` beside it, where names have case).
    let names: Vec<String> = std::fs::read_dir(&t_oqs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n == "req") && !names.iter().any(|n| n == "Req"),
        "the existing one is kept: {names:?}"
    );
    assert_eq!(
        wizard(&terminal).step,
        Step::Pair,
        "{:?}",
        wizard(&terminal).problem
    );

    // 3. Pairing: the clinic writes its card; the terminal reads it and writes its own; the
    // clinic reads that. Both show the same code.
    click(&mut clinic, text::W_PAIR_GO);
    assert!(
        wizard(&clinic)
            .problem
            .is_some_and(|p| p == text::W_PAIR_INSERT),
        "without a stick the wizard asks for one"
    );
    insert(&mut clinic);
    click(&mut clinic, text::W_PAIR_GO);
    assert_eq!(wizard(&clinic).step, Step::Pair);
    assert_eq!(
        wizard(&clinic).note.as_deref(),
        Some(text::W_PAIR_CARD_WRITTEN)
    );
    // The terminal reads the clinic's card and knows the code, but the clinic cannot show it
    // yet: the terminal shows its number without asking.
    insert(&mut terminal);
    click(&mut terminal, text::W_PAIR_GO);
    assert_eq!(wizard(&terminal).step, Step::Code);
    assert!(!wizard(&terminal).compare);
    assert!(shows(&terminal, &wizard(&terminal).code));
    assert!(!shows(&terminal, text::W_YES) && !shows(&terminal, text::W_PAIR_SAME));
    assert!(shows(&terminal, text::W_PAIR_SHOW_OTHER));
    // Back at the clinic: both cards exist and the terminal shows its number: compare.
    click(&mut clinic, text::W_PAIR_GO);
    assert_eq!(wizard(&clinic).step, Step::Code);
    assert!(wizard(&clinic).compare);
    let code = wizard(&clinic).code;
    assert_eq!(code, wizard(&terminal).code, "both PCs show the same code");
    assert_eq!(code.len(), 7);
    assert!(shows(&clinic, &code) && shows(&clinic, text::W_PAIR_SAME));
    click(&mut clinic, text::W_YES);
    // Back at the terminal: the clinic has read its card, so it asks now.
    assert!(!shows(&terminal, text::W_YES));
    click(&mut terminal, text::W_PAIR_GO);
    assert!(wizard(&terminal).compare);
    assert!(shows(&terminal, &code) && shows(&terminal, text::W_PAIR_SAME));
    click(&mut terminal, text::W_YES);

    // 4. Enrollment: the clinic enrolls the stick; the terminal finds it already enrolled.
    assert_eq!(wizard(&clinic).step, Step::Enroll);
    click(&mut clinic, text::G_ENROLL_THIS);
    assert_eq!(wizard(&clinic).enrolled, vec!["受付用1".to_owned()]);
    click(&mut terminal, text::G_ENROLL_THIS);
    assert_eq!(wizard(&terminal).enrolled, vec!["受付用1".to_owned()]);
    // 5. The owner PIN, typed twice, before the wizard ends.
    for app in [&mut clinic, &mut terminal] {
        click(app, text::W_NEXT);
        assert_eq!(wizard(app).step, Step::Pin);
        let _ = app.update(Message::Setup(setup::Message::Pin("2468".into())));
        let _ = app.update(Message::Setup(setup::Message::PinAgain("2469".into())));
        click(app, text::W_FINISH);
        assert!(shows(app, text::PIN_MISMATCH));
        assert_eq!(wizard(app).step, Step::Pin);
        let _ = app.update(Message::Setup(setup::Message::Pin("2468".into())));
        let _ = app.update(Message::Setup(setup::Message::PinAgain("2468".into())));
        click(app, text::W_FINISH);
    }
    assert!(matches!(clinic.screen, Screen::Home));
    assert!(matches!(terminal.screen, Screen::Home));
    assert_eq!(clinic.info.sticks.len(), 1);
    assert_eq!(
        terminal.info.sticks.len(),
        1,
        "enrolment shows on the terminal too"
    );
    assert!(shows(&clinic, text::ST_IDLE));
    drop((clinic, terminal));
    for h in ["ch", "th"] {
        assert!(oqs_courier::pin::is_set(&Home::at(dir.path().join(h))));
    }

    // Both are paired with each other and the stick works on both sides.
    let mut c = Home::at(dir.path().join("ch")).load().unwrap();
    let mut t = Home::at(dir.path().join("th")).load().unwrap();
    assert_eq!(c.config.role, Role::Clinic);
    assert_eq!(t.config.role, Role::Terminal);
    assert_eq!(c.peer.as_ref().unwrap().label, text::W_LABEL_TERMINAL);
    assert_eq!(t.peer.as_ref().unwrap().label, text::W_LABEL_CLINIC);
    std::fs::write(c_oqs.join("Req/OQSsiquc01req_202611270003.xml"), b"<x/>").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut s = engine::begin(&mut c, &stick, opts()).unwrap();
    s.collect().unwrap();
    assert_eq!(s.finish().unwrap().sent, 1);
    let mut s = engine::begin(&mut t, &stick, opts()).unwrap();
    assert_eq!(s.publish_requests().unwrap(), 1);
    assert!(t_oqs.join("req/OQSsiquc01req_202611270003.xml").exists());
}

/// Settings: wrong values are refused with a message, good ones are written to config.json;
/// with auto-import on, the clinic imports without the prompt and the done screen says so.
#[test]
fn settings_are_checked_saved_and_auto_import_skips_the_prompt() {
    let p = paired();
    let (dir, mut clinic, mut terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    drop(clinic);
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(home.clone(), Source::Folder(root.clone()), opts());
    open_settings(&mut app, "2468");
    let Screen::Settings(form) = &app.screen else {
        panic!("{:?}", app.screen)
    };
    assert_eq!(form.wait, "30");
    assert_eq!(form.kinds, vec![true; 6]);
    let set = |app: &mut App, m: settings::Message| {
        let _ = app.update(Message::Settings(m));
    };
    set(&mut app, settings::Message::Wait("abc".into()));
    click(&mut app, text::S_SAVE);
    assert!(shows(&app, text::S_BAD_WAIT));
    set(&mut app, settings::Message::Wait("45".into()));
    set(
        &mut app,
        settings::Message::OqsDir(dir.path().display().to_string()),
    );
    click(&mut app, text::S_SAVE);
    assert!(shows(&app, text::S_BAD_OQS_SUBFOLDERS));
    set(
        &mut app,
        settings::Message::OqsDir(dir.path().join("clinic/OQS").display().to_string()),
    );
    for i in 0..6 {
        set(&mut app, settings::Message::Kind(i, false));
    }
    click(&mut app, text::S_SAVE);
    assert!(shows(&app, text::S_NO_KINDS));
    for i in [0, 1] {
        set(&mut app, settings::Message::Kind(i, true));
    }
    set(&mut app, settings::Message::AutoImport(true));
    click(&mut app, text::S_SAVE);
    assert!(shows(&app, text::S_SAVED));
    let saved = home.load().unwrap().config;
    assert_eq!(saved.response_wait_secs, 45);
    assert_eq!(saved.kinds, vec!["single".to_owned(), "face".to_owned()]);
    assert!(saved.auto_import && !saved.defender_scan);
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Home));

    // A result arrives: imported without the prompt.
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oqs/single_res_utf8.xml"
        ),
        dir.path()
            .join("terminal/OQS/Res/OQSsiquc01res_202611270004.xml"),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut s = engine::begin(&mut terminal, &root, opts()).unwrap();
    s.collect().unwrap();
    s.finish().unwrap();
    let mut events = app.start(root.clone()).unwrap();
    let event = next(&mut events);
    assert!(
        matches!(event, worker::Event::Done(ref o) if o.published == 1),
        "{event:?}"
    );
    let _ = app.update(Message::Worker(event));
    assert!(shows(&app, text::G_AUTO_IMPORTED));
    assert!(
        dir.path()
            .join("clinic/OQS/Res/OQSsiquc01res_202611270004.xml")
            .exists()
    );
}

/// Every main screen drawn from fixed data (no clock, no temporary paths) and compared with the
/// committed PNGs in `tests/snapshots/gui/` (see [`UPDATE_ENV`]).
#[test]
fn screens_match_the_committed_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(
        Home::at(dir.path().join("not-set-up")),
        Source::Folder(dir.path().join("stick")),
        opts(),
    );
    app.info = gui::Info {
        role_line: text::g_role_line("clinic", "資格確認端末"),
        in_transit: 3,
        to_import: 0,
        awaiting: 0,
        last_trip: "2026/11/27 09:41".into(),
        sticks: vec![
            ("受付用1".into(), "id1".into()),
            ("受付用2".into(), "id2".into()),
        ],
        old_unanswered: 1,
        role: Some(Role::Clinic),
        large_text: false,
        care: Vec::new(),
    };
    let shot = |app: &App, name: &str| snapshot(&mut ui(app), name);

    // The wizard.
    let mut w = setup::Wizard::new(None);
    app.screen = Screen::Setup(w.clone());
    shot(&app, "wizard-1-role");
    w.role = Some(Role::Clinic);
    w.step = Step::Folder;
    w.folder = r"C:\OQS".into();
    w.label = text::W_LABEL_CLINIC.into();
    w.create = Some(vec!["Req", "Face"]);
    app.screen = Screen::Setup(w.clone());
    shot(&app, "wizard-2-folder");
    w.create = None;
    w.step = Step::Pair;
    w.problem = None;
    w.note = Some(text::W_PAIR_CARD_WRITTEN.into());
    app.stick = Some(PathBuf::from("E:\\"));
    app.screen = Screen::Setup(w.clone());
    shot(&app, "wizard-3-pair");
    w.step = Step::Code;
    w.note = None;
    w.code = "482 913".into();
    w.peer = text::W_LABEL_TERMINAL.into();
    app.screen = Screen::Setup(w.clone());
    shot(&app, "wizard-4-code-pending");
    w.compare = true;
    app.screen = Screen::Setup(w.clone());
    shot(&app, "wizard-4-code");
    w.step = Step::Enroll;
    w.enrolled = vec!["受付用1".into()];
    w.note = Some(text::w_enrolled("受付用1"));
    w.stick_label = text::w_stick_label(2);
    app.screen = Screen::Setup(w.clone());
    shot(&app, "wizard-5-enroll");
    w.step = Step::Pin;
    w.note = None;
    w.pin = "2468".into();
    w.problem = Some(text::PIN_MISMATCH.into());
    app.screen = Screen::Setup(w);
    shot(&app, "wizard-6-pin");

    app.screen = Screen::Home;
    shot(&app, "home");

    app.screen = Screen::Prompt(gui::prompt::Prompt::new(sample_prompt_rows()));
    shot(&app, "prompt");

    app.screen = Screen::Waiting {
        answered: 3,
        total: 5,
        left_secs: 23,
        work: gui::status::Work {
            done: vec![text::st_requests_handed(5)],
        },
    };
    shot(&app, "waiting");

    app.screen = Screen::Done(engine::Outcome {
        published: 4,
        held: 1,
        auto_imported: true,
        sent: 2,
        ..engine::Outcome::default()
    });
    shot(&app, "done");

    // The terminal's done screen when the stick could not take everything.
    app.screen = Screen::Done(engine::Outcome {
        sent: 3,
        awaiting: 1,
        left_behind: 2,
        left_behind_bytes: 1_800_000,
        space_needed: 3_900_000,
        ..engine::Outcome::default()
    });
    shot(&app, "done-left-behind");

    app.enrollable = Some(PathBuf::from("E:\\"));
    app.screen = Screen::Problem(
        text::E_STICK_NOT_ENROLLED.into(),
        text::H_ENROLL.into(),
        "the stick E:\\ is not enrolled".into(),
    );
    shot(&app, "problem");

    use oqs_courier::journal::{Flow, Outcome};
    let audit = |time: &str, outcome: Outcome, file: &str, summary: &str| AuditRow {
        time: time.into(),
        file: Some(file.into()),
        summary: Some(summary.into()),
        ..AuditRow::new(Flow::Local, outcome)
    };
    app.screen = Screen::History(history::History {
        rows: Some(vec![
            audit(
                "2026-11-27T09:41:07+09:00",
                Outcome::Published,
                "OQSsiquc01res_202611270001.xml",
                "資格確認 試験 太郎 正常",
            ),
            audit(
                "2026-11-27T09:40:55+09:00",
                Outcome::Received,
                "OQSsiquc01res_face_20261127093000.xml",
                "顔認証 試験 花子 正常",
            ),
            audit(
                "2026-11-27T08:02:13+09:00",
                Outcome::Sealed,
                "OQSsiquc01req_202611270001.xml",
                "",
            ),
            AuditRow {
                reason: Some(format!(
                    "{}（the stick E:\\ is not enrolled for this pair）",
                    text::E_STICK_NOT_ENROLLED
                )),
                ..audit("2026-11-27T08:01:02+09:00", Outcome::Refused, "", "")
            },
            audit(
                "2026-11-27T07:59:40+09:00",
                Outcome::Held,
                "OQSsiquc01res_face_20261127075900123456.xml",
                "顔認証 試験 長い名前のかた 正常",
            ),
        ]),
        period: history::Period::Week,
        show: history::Show::Everything,
        selected: Some(3),
    });
    shot(&app, "history");

    app.screen = Screen::Settings(settings::Form {
        result: Some(Ok(())),
        ..fixed_settings(Role::Clinic)
    });
    shot(&app, "settings");
}

/// A blank stick (no courier data) is never touched and never offered for enrollment on the
/// staff screen: one sentence says it cannot be used.
#[test]
fn a_blank_stick_is_refused_in_one_sentence() {
    let p = paired();
    let (dir, clinic, stick) = (p.dir, p.clinic, p.stick);
    drop(clinic);
    let blank = dir.path().join("blank");
    std::fs::create_dir(&blank).unwrap();
    let mut app = App::new(
        Home::at(dir.path().join("clinic/state")),
        Source::Folder(stick.root().to_owned()),
        opts(),
    );
    let _ = app.update(Message::Drive(Drive::Arrived(Volume::stick(&blank))));
    assert!(matches!(app.screen, Screen::Home));
    assert!(shows(&app, text::G_FOREIGN_STICK));
    assert!(!shows(&app, text::G_ENROLL_THIS) && !shows(&app, text::O_ENROLL_INSERTED));
    assert!(!shows(&app, text::ST_IDLE), "no contradicting state line");
    assert_eq!(
        std::fs::read_dir(&blank).unwrap().count(),
        0,
        "nothing written"
    );
    let _ = app.update(Message::Drive(Drive::Removed(blank.clone())));
    assert!(!shows(&app, text::G_FOREIGN_STICK), "pulled: gone");
    assert!(shows(&app, text::ST_IDLE));
}

/// The owner's 「このPCを点検する」 on the settings screen: the checks run off the UI thread
/// (the screen says so meanwhile), then the report is shown with a save button, and Esc leaves.
#[test]
fn settings_offer_the_self_test_and_show_its_report() {
    let p = paired();
    let (dir, mut clinic, stick) = (p.dir, p.clinic, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    drop(clinic);
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(home.clone(), Source::Folder(root.clone()), opts());
    open_settings(&mut app, "2468");
    click(&mut app, text::G_SELFTEST);
    assert!(matches!(app.screen, Screen::Selftest(None)));
    assert!(shows(&app, text::G_SELFTEST_RUNNING));
    // What the background thread delivers.
    let report = oqs_courier::selftest::run(&home, Some(&root)).render();
    let _ = app.update(Message::SelftestDone(report));
    assert!(shows(&app, text::G_SELFTEST_SAVE));
    let Screen::Selftest(Some(shown)) = &app.screen else {
        panic!("{:?}", app.screen)
    };
    assert!(shown.contains("[OK]   ペアリング"), "{shown}");
    assert!(shown.contains("このペアに登録済みです"), "{shown}");
    press_escape(&mut app);
    assert!(matches!(app.screen, Screen::Home));
}
