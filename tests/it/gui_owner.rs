//! The owner's side of the window (issue 14): the PIN gate in front of settings, enrolment,
//! revoking, exporting and quitting; no enrolment from the staff screen; the unsaved-settings
//! question; notices that do not outlive their screen. Through the real engine and a stick folder.
#![cfg(feature = "gui")]

use super::gui::{click, fixed_settings, next, opts, press_escape, shows, snapshot, ui};
use super::util::paired;
use oqs_courier::detect::{Event as Drive, Volume};
use oqs_courier::engine;
use oqs_courier::gui::owner::{self, Action};
use oqs_courier::gui::{App, Message, Screen, Source, settings, worker};
use oqs_courier::journal::Outcome;
use oqs_courier::pin;
use oqs_courier::state::{Home, Role};
use oqs_courier::text;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn owner(app: &mut App, m: owner::Message) {
    let _ = app.update(Message::Owner(m));
}

/// Types `pin` at the PIN gate (twice when a first PIN is being set) and presses OK.
pub(crate) fn enter_pin(app: &mut App, pin: &str) {
    let Screen::Owner(gate) = &app.screen else {
        panic!("no PIN gate: {:?}", app.screen)
    };
    let setting = gate.setting;
    owner(app, owner::Message::Pin(pin.into()));
    if setting {
        owner(app, owner::Message::Again(pin.into()));
    }
    click(app, text::O_OK);
}

/// Opens the settings from the home screen through the PIN gate (setting `pin` first when the
/// installation has none).
pub(crate) fn open_settings(app: &mut App, pin: &str) {
    click(app, text::G_SETTINGS);
    enter_pin(app, pin);
    assert!(
        matches!(app.screen, Screen::Settings(_)),
        "{:?}",
        app.screen
    );
}

/// A paired clinic whose owner PIN is 2468, and its window watching an empty stick folder (the
/// folder must outlive the window).
fn clinic_with_pin() -> (tempfile::TempDir, Home, App) {
    let p = paired();
    let (dir, clinic) = (p.dir, p.clinic);
    pin::set(&clinic, "2468").unwrap();
    drop(clinic);
    let home = Home::at(dir.path().join("clinic/state"));
    let app = App::new(
        home.clone(),
        Source::Folder(dir.path().join("stick")),
        opts(),
    );
    (dir, home, app)
}

fn audited(home: &Home, outcome: Outcome) -> usize {
    home.load()
        .unwrap()
        .journal
        .audit_rows(None)
        .unwrap()
        .iter()
        .filter(|r| r.outcome == outcome)
        .count()
}

/// Settings behind the PIN: an installation from before asks to set one first (typed twice);
/// then a wrong PIN is refused with the tries left, the right one opens the settings, and
/// やめる / Esc return without opening them.
#[test]
fn settings_ask_for_the_pin() {
    let p = paired();
    let (dir, clinic) = (p.dir, p.clinic);
    drop(clinic);
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(
        home.clone(),
        Source::Folder(dir.path().join("stick")),
        opts(),
    );

    click(&mut app, text::G_SETTINGS);
    assert!(matches!(app.screen, Screen::Owner(ref g) if g.setting));
    assert!(shows(&app, text::O_SET_FIRST));
    owner(&mut app, owner::Message::Pin("2468".into()));
    owner(&mut app, owner::Message::Again("2467".into()));
    click(&mut app, text::O_OK);
    assert!(shows(&app, text::PIN_MISMATCH));
    assert!(!pin::is_set(&home));
    owner(&mut app, owner::Message::Pin("24".into()));
    owner(&mut app, owner::Message::Again("24".into()));
    click(&mut app, text::O_OK);
    assert!(shows(&app, text::PIN_FORMAT));
    enter_pin(&mut app, "2468");
    assert!(
        matches!(app.screen, Screen::Settings(_)),
        "{:?}",
        app.screen
    );
    assert!(pin::is_set(&home));
    assert_eq!(audited(&home, Outcome::PinSet), 1);
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Home));

    // Now the PIN is asked, not set.
    click(&mut app, text::G_SETTINGS);
    assert!(matches!(app.screen, Screen::Owner(ref g) if !g.setting));
    assert!(shows(&app, text::O_FOR_SETTINGS));
    enter_pin(&mut app, "1357");
    assert!(matches!(app.screen, Screen::Owner(_)));
    assert!(shows(&app, &text::pin_wrong(pin::MAX_TRIES - 1)));
    click(&mut app, text::O_CANCEL);
    assert!(matches!(app.screen, Screen::Home));
    click(&mut app, text::G_SETTINGS);
    press_escape(&mut app);
    assert!(matches!(app.screen, Screen::Home));
    click(&mut app, text::G_SETTINGS);
    enter_pin(&mut app, "2468");
    assert!(matches!(app.screen, Screen::Settings(_)));

    // The PIN is changed in the settings: the old one no longer opens them.
    owner(&mut app, owner::Message::OldPin("2468".into()));
    owner(&mut app, owner::Message::NewPin("97531".into()));
    owner(&mut app, owner::Message::NewAgain("97531".into()));
    // (below the fold of the scrolled form: sent as the button would)
    owner(&mut app, owner::Message::ChangePin);
    assert!(shows(&app, text::O_PIN_SAVED));
    assert_eq!(audited(&home, Outcome::PinChanged), 1);
    click(&mut app, text::G_BACK);
    click(&mut app, text::G_SETTINGS);
    enter_pin(&mut app, "2468");
    assert!(matches!(app.screen, Screen::Owner(_)));
    enter_pin(&mut app, "97531");
    assert!(matches!(app.screen, Screen::Settings(_)));
}

/// Five wrong PINs in a row lock the gate for a while (even the right PIN is refused), with
/// an audit row.
#[test]
fn repeated_wrong_pins_lock_the_gate() {
    let (_dir, home, mut app) = clinic_with_pin();
    click(&mut app, text::G_SETTINGS);
    for _ in 0..pin::MAX_TRIES {
        enter_pin(&mut app, "0000");
    }
    assert!(shows(&app, &text::pin_locked(pin::LOCKOUT_SECS)));
    enter_pin(&mut app, "2468");
    assert!(matches!(app.screen, Screen::Owner(_)), "locked: not opened");
    let Screen::Owner(g) = &app.screen else {
        unreachable!()
    };
    assert!(
        g.problem.as_deref().is_some_and(|p| p.contains("待って")),
        "{:?}",
        g.problem
    );
    assert_eq!(audited(&home, Outcome::PinLocked), 1);
}

/// Exporting the history and quitting ask for the PIN too; やめる returns to where the owner was.
#[test]
fn export_and_quit_ask_for_the_pin() {
    let (_dir, _, mut app) = clinic_with_pin();
    click(&mut app, text::G_HISTORY);
    assert!(matches!(app.screen, Screen::History(_)));
    let _ = app.owner_gate(Action::ExportHistory);
    assert!(shows(&app, text::O_FOR_EXPORT));
    enter_pin(&mut app, "1111");
    assert!(matches!(app.screen, Screen::Owner(_)));
    enter_pin(&mut app, "2468");
    assert!(matches!(app.screen, Screen::History(_)), "{:?}", app.screen);

    owner(&mut app, owner::Message::Ask(Action::Quit));
    assert!(shows(&app, text::O_FOR_QUIT));
    click(&mut app, text::O_CANCEL);
    assert!(matches!(app.screen, Screen::History(_)));
}

/// A foreign stick on the staff screen: one sentence, nothing to press. The owner enrolls it in
/// the settings (behind the PIN), and leaving the settings runs its step.
#[test]
fn a_foreign_stick_is_enrolled_only_in_the_settings() {
    let p = paired();
    let (dir, clinic, stick) = (p.dir, p.clinic, p.stick);
    let root = stick.root().to_owned();
    drop(clinic);
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(home.clone(), Source::Folder(root.clone()), opts());
    // A stick with a courier folder but no marker: refused by the step, one sentence.
    std::fs::create_dir_all(root.join("OQS-COURIER")).unwrap();
    let mut events = app.start(root.clone()).unwrap();
    let _ = app.update(Message::Worker(next(&mut events)));
    assert!(matches!(app.screen, Screen::Problem(..)));
    for screen in ["refusal", "home"] {
        assert!(shows(&app, text::G_FOREIGN_STICK), "{screen}");
        for caption in [text::G_ENROLL_THIS, text::O_ENROLL_INSERTED, text::G_BACK] {
            assert!(!shows(&app, caption), "{screen}: {caption}");
        }
        app.screen = Screen::Home;
    }
    let _ = app.update(Message::Drive(Drive::Removed(root.clone())));
    assert!(!shows(&app, text::G_FOREIGN_STICK));

    // The owner opens the settings, then inserts the stick: it is offered there.
    open_settings(&mut app, "2468");
    assert!(!shows(&app, text::O_ENROLL_INSERTED));
    let _ = app.update(Message::Drive(Drive::Arrived(Volume::stick(&root))));
    assert!(
        matches!(app.screen, Screen::Settings(_)),
        "no step while in the settings"
    );
    assert!(shows(&app, text::O_ENROLL_INSERTED));
    click(&mut app, text::O_ENROLL_INSERTED);
    assert!(shows(&app, &text::g_enrolled_now("受付用1")));
    assert!(!shows(&app, text::O_ENROLL_INSERTED));
    assert!(shows(&app, "受付用1") && shows(&app, text::O_REVOKE));
    assert_eq!(app.info.sticks.len(), 1);
    assert_eq!(audited(&home, Outcome::Enrolled), 1);

    // Leaving the settings runs the stick's step at once.
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Working(_)), "{:?}", app.screen);
    let start = Instant::now();
    while home
        .load()
        .unwrap()
        .journal
        .get_meta("last_trip")
        .unwrap()
        .is_none()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the step did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Revoking a lost stick in the settings (with a confirmation) makes it refused at its next
/// insertion.
#[test]
fn a_stick_revoked_in_the_settings_is_refused_next_time() {
    let p = paired();
    let (dir, mut clinic, stick) = (p.dir, p.clinic, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    pin::set(&clinic, "2468").unwrap();
    drop(clinic);
    let home = Home::at(dir.path().join("clinic/state"));
    let mut app = App::new(home.clone(), Source::Folder(root.clone()), opts());
    open_settings(&mut app, "2468");
    assert!(shows(&app, "受付用1"));
    click(&mut app, text::O_REVOKE);
    assert!(shows(&app, &text::o_revoke_confirm("受付用1")));
    click(&mut app, text::O_CANCEL);
    assert_eq!(
        audited(&home, Outcome::Revoked),
        0,
        "やめる revokes nothing"
    );
    click(&mut app, text::O_REVOKE);
    click(&mut app, text::O_REVOKE_YES);
    assert!(shows(&app, &text::o_revoked("受付用1")));
    assert!(app.info.sticks.is_empty());
    assert!(shows(&app, text::O_NO_STICKS));
    assert_eq!(audited(&home, Outcome::Revoked), 1);
    click(&mut app, text::G_BACK);

    let mut events = app.start(root.clone()).unwrap();
    match next(&mut events) {
        worker::Event::Failed(f) => assert_eq!(f.what, text::E_STICK_REVOKED),
        other => panic!("{other:?}"),
    }
}

/// Leaving the settings with unsaved edits asks 「変更を保存しますか？」: 戻る stays, 保存しない
/// drops the edits, 保存する saves them (and stays when they cannot be saved).
#[test]
fn leaving_settings_with_unsaved_edits_asks() {
    let (_dir, home, mut app) = clinic_with_pin();
    let set = |app: &mut App, m: settings::Message| {
        let _ = app.update(Message::Settings(m));
    };
    open_settings(&mut app, "2468");
    set(&mut app, settings::Message::Wait("45".into()));
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Settings(_)));
    assert!(shows(&app, text::O_UNSAVED));
    click(&mut app, text::O_STAY);
    assert!(!shows(&app, text::O_UNSAVED));
    press_escape(&mut app);
    assert!(shows(&app, text::O_UNSAVED), "Esc asks too");
    click(&mut app, text::O_DISCARD);
    assert!(matches!(app.screen, Screen::Home));
    assert_eq!(home.load().unwrap().config.response_wait_secs, 30);

    open_settings(&mut app, "2468");
    set(&mut app, settings::Message::Wait("abc".into()));
    click(&mut app, text::G_BACK);
    click(&mut app, text::O_SAVE);
    assert!(
        matches!(app.screen, Screen::Settings(_)),
        "not saved: stays"
    );
    assert!(shows(&app, text::S_BAD_WAIT));
    set(&mut app, settings::Message::Wait("45".into()));
    click(&mut app, text::G_BACK);
    click(&mut app, text::O_SAVE);
    assert!(matches!(app.screen, Screen::Home));
    assert_eq!(home.load().unwrap().config.response_wait_secs, 45);

    // Saved edits leave without a question.
    open_settings(&mut app, "2468");
    set(&mut app, settings::Message::Wait("50".into()));
    click(&mut app, text::S_SAVE);
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Home));
}

/// A notice belongs to its screen: it is gone on the next one.
#[test]
fn a_notice_does_not_stay_on_later_screens() {
    let p = paired();
    let (dir, clinic) = (p.dir, p.clinic);
    drop(clinic);
    let mut app = App::new(
        Home::at(dir.path().join("clinic/state")),
        Source::Folder(dir.path().join("stick")),
        opts(),
    );
    app.notice = Some("作業履歴を書き出しました".into());
    assert!(shows(&app, "作業履歴を書き出しました"));
    click(&mut app, text::G_HISTORY);
    assert_eq!(app.notice, None);
    assert!(!shows(&app, "作業履歴を書き出しました"));
}

/// The terminal's home lists the stick once it has used it (the clinic enrolled it).
#[test]
fn the_terminal_lists_the_stick_it_used() {
    let p = paired();
    let (dir, mut clinic, terminal, stick) = (p.dir, p.clinic, p.terminal, p.stick);
    let root = stick.root().to_owned();
    engine::enroll(&mut clinic, &root, &"受付用1".parse().unwrap()).unwrap();
    let s = engine::begin(&mut clinic, &root, opts()).unwrap();
    s.finish().unwrap();
    drop((clinic, terminal));
    let mut app = App::new(
        Home::at(dir.path().join("terminal/state")),
        Source::Folder(root.clone()),
        opts(),
    );
    assert!(app.info.sticks.is_empty());
    let mut events = app.start(root.clone()).unwrap();
    loop {
        let e = next(&mut events);
        let done = matches!(e, worker::Event::Done(_) | worker::Event::Failed(_));
        let _ = app.update(Message::Worker(e));
        if done {
            break;
        }
    }
    assert!(matches!(app.screen, Screen::Done(_)), "{:?}", app.screen);
    assert_eq!(app.info.sticks.len(), 1, "{:?}", app.info.sticks);
    app.screen = Screen::Home;
    assert!(shows(&app, &text::g_home_sticks("受付用1")));
}

/// The owner's screens from fixed data (see `gui::snapshot`).
#[test]
fn owner_screens_match_the_committed_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let p = paired();
    drop(p.terminal);
    let mut app = App::new(
        Home::at(p.dir.path().join("clinic/state")),
        Source::Folder(dir.path().join("stick")),
        opts(),
    );
    drop(p.clinic);
    app.info.role_line = text::g_role_line("clinic", "資格確認端末");
    app.info.sticks = vec![("受付用1".into(), "id1".into())];
    let shot = |app: &App, name: &str| snapshot(&mut ui(app), name);

    app.enrollable = Some(PathBuf::from("E:\\"));
    app.screen = Screen::Home;
    shot(&app, "home-foreign-stick");
    app.enrollable = None;

    let gate = |setting: bool, action: Action, problem: Option<String>| owner::Gate {
        action,
        pin: "12".into(),
        again: String::new(),
        setting,
        problem,
        back: Box::new(Screen::Home),
    };
    app.screen = Screen::Owner(gate(false, Action::Settings, Some(text::pin_wrong(4))));
    shot(&app, "owner-gate");
    app.screen = Screen::Owner(gate(true, Action::Settings, None));
    shot(&app, "owner-gate-first-pin");

    let form = |owner: owner::Panel| settings::Form {
        wait: "45".into(),
        owner,
        ..fixed_settings(Role::Clinic)
    };
    app.screen = Screen::Settings(form(owner::Panel {
        unenrolled: Some(PathBuf::from("E:\\")),
        ..owner::Panel::default()
    }));
    shot(&app, "settings-enroll-offer");
    app.screen = Screen::Settings(form(owner::Panel {
        leaving: true,
        ..owner::Panel::default()
    }));
    shot(&app, "settings-unsaved");
    app.screen = Screen::Settings(form(owner::Panel {
        revoking: Some(("id1".into(), "受付用1".into())),
        ..owner::Panel::default()
    }));
    shot(&app, "settings-revoke-confirm");
}

/// `oqs-courier pin set --pin-stdin`: IT staff set the PIN without the window; a malformed PIN
/// is refused (exit 2) and nothing is stored.
#[test]
fn pin_set_from_the_command_line() {
    use std::io::Write;
    let p = paired();
    let home = p.dir.path().join("clinic/state");
    drop(p.clinic);
    let run = |input: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_oqs-courier"))
            .args([
                "--home",
                home.to_str().unwrap(),
                "pin",
                "set",
                "--pin-stdin",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run("12a4\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(text::PIN_FORMAT));
    assert!(!pin::is_set(&Home::at(&home)));
    let out = run("2468\n");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(text::O_PIN_SAVED));
    let inst = Home::at(&home).load().unwrap();
    pin::verify(&inst, "2468").unwrap();
    assert!(pin::verify(&inst, "1357").is_err());
}
