//! Updates of oqs-courier from the owner's settings (issue 16, item 3), through the real window,
//! the real engine and the test release key: at the clinic the owner gives the installer and
//! it is verified and queued (a wrong key is refused and audited, nothing queued); at the
//! terminal the owner rolls back to the kept installer after a question, and the installer is
//! started. Both are behind the PIN of the settings.
#![cfg(feature = "gui")]

use super::gui::{click_in, fixed_settings, opts, shows, snapshot, ui_sized};
use super::gui_owner::open_settings;
use super::gui_prompt::finish;
use super::update::{audits, fixture, round_trip, stage, two_updates_installed};
use super::world::World;
use oqs_courier::gui::{App, Message, Screen, Source, settings, updates};
use oqs_courier::journal::Outcome;
use oqs_courier::state::{Home, Role};
use oqs_courier::text;
use oqs_courier::update::{self, Installer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// An installer that only records what it was asked to run.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<PathBuf>>>);

impl Installer for Recorder {
    fn run(&mut self, installer: &Path) -> std::io::Result<()> {
        self.0.lock().unwrap().push(installer.to_owned());
        Ok(())
    }
}

fn app(w: &World, clinic: bool, runs: &Recorder) -> App {
    let runs = runs.clone();
    App::new(
        Home::at(w.home(clinic)),
        Source::Folder(w.stick.clone()),
        opts(),
    )
    .with_installers(Arc::new(move || Box::new(runs.clone())))
}

/// Clicks `caption` far down the settings page (the update part is its last).
fn click(app: &mut App, caption: &str) {
    click_in(app, caption, 960.0, 1400.0);
}

fn type_installer(app: &mut App, path: &Path) {
    let _ = app.update(Message::Settings(settings::Message::Update(
        updates::Message::Installer(path.display().to_string()),
    )));
}

/// Clinic: after a first trip (the terminal's report says what it runs), the owner types the
/// installer's path and presses 確かめて端末に送る: a wrong key is refused with its message and
/// audited, nothing queued; the release is verified, queued and followed on the home screen.
#[test]
fn the_owner_sends_an_update_from_the_settings() {
    let w = World::new();
    round_trip(&w, 1);
    let runs = Recorder::default();
    let mut app = app(&w, true, &runs);
    open_settings(&mut app, "2580");
    assert!(shows(&app, text::UP_CLINIC_TITLE));
    let ours = oqs_courier::care::APP_VERSION;
    assert!(shows(&app, &text::up_versions(ours, ours)));

    click(&mut app, text::UP_STAGE);
    assert!(shows(&app, text::UP_NO_FILE), "no file given");

    // Signed by another key (its .minisig beside it): refused, audited, nothing queued.
    let given = w.dir.path().join("given");
    std::fs::create_dir(&given).unwrap();
    let exe = given.join("oqs-courier-setup-9.0.0.exe");
    std::fs::copy(fixture("oqs-courier-setup-9.0.0.exe"), &exe).unwrap();
    std::fs::copy(
        fixture("wrong-key/oqs-courier-setup-9.0.0.exe.minisig"),
        given.join("oqs-courier-setup-9.0.0.exe.minisig"),
    )
    .unwrap();
    type_installer(&mut app, &exe);
    click(&mut app, text::UP_STAGE);
    assert!(shows(&app, text::E_UPD_WRONG_KEY), "{:?}", app.screen);
    assert!(shows(&app, text::H_UPD_WRONG_KEY));
    let clinic = w.load(true);
    assert_eq!(audits(&clinic, Outcome::Refused).len(), 1);
    assert_eq!(update::offer_to_send(&clinic).unwrap(), None);
    drop(clinic);

    type_installer(&mut app, &fixture("oqs-courier-setup-9.0.0.exe"));
    click(&mut app, text::UP_STAGE);
    assert!(shows(&app, &text::u_staged("9.0.0")), "{:?}", app.screen);
    assert!(shows(&app, &text::u_line_sending("9.0.0")));
    let clinic = w.load(true);
    assert_eq!(audits(&clinic, Outcome::UpdateStaged).len(), 1);
    assert_eq!(
        update::offer_to_send(&clinic).unwrap().map(|u| u.version),
        Some("9.0.0".to_owned())
    );
    drop(clinic);
    let _ = app.update(Message::Home);
    assert!(
        shows(&app, &text::u_line_sending("9.0.0")),
        "the home screen's terminal block follows it"
    );
    assert!(
        runs.0.lock().unwrap().is_empty(),
        "nothing runs at the clinic"
    );
}

/// An installer that cannot be started.
struct Broken;

impl Installer for Broken {
    fn run(&mut self, _: &Path) -> std::io::Result<()> {
        Err(std::io::Error::other("試験: 起動できません"))
    }
}

/// Terminal: a verified update arrives; once the step is done the window says the app is being
/// updated and restarts, and the installer is started. An installer that cannot start leaves
/// the step done (「取り外せます」) and says so, with what to do.
#[test]
fn the_terminal_says_it_updates_after_the_step_or_why_it_cannot() {
    for works in [true, false] {
        let w = World::new();
        round_trip(&w, 1);
        stage(&w, &fixture("oqs-courier-setup-9.0.0.exe"), None).unwrap();
        w.step(true).unwrap();
        // The window's step waits as configured for answers still due: not here.
        let mut terminal = w.load(false);
        let config = oqs_courier::state::Config {
            response_wait_secs: 1,
            ..terminal.config.clone()
        };
        terminal.save_config(config).unwrap();
        drop(terminal);
        let runs = Recorder::default();
        let recorder = runs.clone();
        let mut app = App::new(
            Home::at(w.home(false)),
            Source::Folder(w.stick.clone()),
            opts(),
        )
        .with_installers(Arc::new(move || -> Box<dyn Installer> {
            if works {
                Box::new(recorder.clone())
            } else {
                Box::new(Broken)
            }
        }));
        let mut events = app.start(w.stick.clone()).unwrap();
        let out = finish(&mut app, &mut events);
        assert_eq!(out.update_ready.as_deref(), Some("9.0.0"));
        assert!(matches!(app.screen, Screen::Done(_)), "{:?}", app.screen);
        assert!(
            shows(&app, text::ST_SAFE),
            "the step is complete either way"
        );
        if works {
            assert!(shows(&app, &text::st_updating("9.0.0")));
            assert_eq!(runs.0.lock().unwrap().len(), 1);
        } else {
            assert!(shows(
                &app,
                &text::st_update_failed("9.0.0", text::E_UPD_INSTALL_FAILED)
            ));
            assert!(shows(&app, text::H_UPD_INSTALL_FAILED));
        }
    }
}

/// Terminal: with the installer of 9.0.0 kept (9.1.0 installed after it), 前の版に戻す asks
/// once; やめる runs nothing; 戻す starts the kept installer and says the app restarts.
#[test]
fn the_owner_rolls_the_terminal_back_after_a_question() {
    let w = World::new();
    let runs = Recorder::default();
    {
        let mut app = app(&w, false, &runs);
        open_settings(&mut app, "2580");
        assert!(shows(&app, text::UP_NO_PREVIOUS), "nothing kept yet");
    }
    round_trip(&w, 1);
    two_updates_installed(&w, &mut runs.clone());
    let installed = runs.0.lock().unwrap().len();
    assert_eq!(installed, 2);

    let mut app = app(&w, false, &runs);
    open_settings(&mut app, "2580");
    assert!(shows(&app, &text::up_previous("9.0.0")));
    click(&mut app, text::UP_ROLLBACK);
    assert!(shows(&app, &text::up_rollback_confirm("9.0.0")));
    click(&mut app, text::O_CANCEL);
    assert!(!shows(&app, &text::up_rollback_confirm("9.0.0")));
    assert_eq!(
        runs.0.lock().unwrap().len(),
        installed,
        "やめる runs nothing"
    );

    click(&mut app, text::UP_ROLLBACK);
    click(&mut app, text::UP_ROLLBACK_YES);
    assert!(
        shows(&app, &text::up_rolling_back("9.0.0")),
        "{:?}",
        app.screen
    );
    let ran = runs.0.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        std::fs::read(&ran).unwrap(),
        std::fs::read(fixture("oqs-courier-setup-9.0.0.exe")).unwrap()
    );
    let terminal = w.load(false);
    assert_eq!(
        audits(&terminal, Outcome::UpdateInstalled).last().unwrap(),
        &text::u_audit_rollback("9.0.0")
    );
    // The kept installers swapped: the next roll-back would return to 9.1.0.
    drop(terminal);
    assert!(shows(&app, &text::up_previous("9.1.0")));
}

/// The update parts of both PCs, from fixed data, on a tall window that shows the whole
/// settings page (see `gui::snapshot`).
#[test]
fn the_update_parts_match_the_committed_snapshots() {
    let w = World::new();
    let mut app = App::new(
        Home::at(w.home(true)),
        Source::Folder(w.stick.clone()),
        opts(),
    );
    app.info.role_line = text::g_role_line("clinic", "資格確認端末");
    let part = |role: Role| updates::Part {
        role,
        this_version: "0.1.0".into(),
        installer: r"D:\oqs-courier-setup-0.2.0.exe".into(),
        terminal_version: Some("0.1.0".into()),
        under_way: None,
        ready: None,
        previous: Some("0.0.9".into()),
        confirming: false,
        result: None,
    };
    let form = |updates: updates::Part| {
        let role = updates.role;
        settings::Form {
            wait: "45".into(),
            updates: Box::new(updates),
            ..fixed_settings(role)
        }
    };
    let tall = |app: &App, name: &str| snapshot(&mut ui_sized(app, 960.0, 1400.0), name);
    app.screen = Screen::Settings(form(updates::Part {
        result: Some(Ok(text::u_staged("0.2.0"))),
        under_way: Some(text::u_line_sending("0.2.0")),
        ..part(Role::Clinic)
    }));
    tall(&app, "settings-update-clinic");
    app.info.role_line = text::g_role_line("terminal", "受付PC");
    app.screen = Screen::Settings(form(updates::Part {
        confirming: true,
        ..part(Role::Terminal)
    }));
    tall(&app, "settings-update-terminal");

    // The terminal's done screen when an update starts after the step.
    app.info.role = Some(Role::Terminal);
    app.screen = Screen::Done(oqs_courier::engine::Outcome {
        update_ready: Some("0.2.0".into()),
        published: 3,
        sent: 1,
        ..Default::default()
    });
    snapshot(&mut super::gui::ui(&app), "done-terminal-updating");
}
