//! Looking after the terminal from the reception desk (issue 16), through the real engine: the
//! health report in the terminal's packages and the clinic's warnings, the terminal's settings
//! changed at the clinic and confirmed back, and older packages without the new fields.

use super::util::step;
use super::world::{Act, World, step_opts};
use oqs_courier::care::{self, SettingsState, Warning};
use oqs_courier::crypto::{Identity, PublicKeys};
use oqs_courier::engine::Options;
use oqs_courier::journal::Outcome;
use oqs_courier::package::{self, Classified, TerminalSettings};
use oqs_courier::state::Installation;
use std::path::Path;

/// Dynamics writes `n` new single-check requests into the clinic's Req.
fn requests(w: &World, from: u32, n: u32) {
    for i in from..from + n {
        let name = format!("OQSsiquc01req_20261127093000{i:04}.xml");
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader>\
             <ArbitraryFileIdentifier>{i}</ArbitraryFileIdentifier></MessageHeader></XmlMsg>\n"
        );
        std::fs::write(w.oqs(true).join("Req").join(name), body).unwrap();
    }
}

fn overview(w: &World) -> care::Overview {
    care::overview(&w.load(true)).unwrap().unwrap()
}

fn audited(inst: &Installation, outcome: Outcome) -> usize {
    inst.journal
        .audit_rows(None)
        .unwrap()
        .iter()
        .filter(|r| r.outcome == outcome)
        .count()
}

/// A terminal whose 連携アプリ has stopped: each trip's report says requests wait and none was
/// answered; the clinic warns after the configured number of trips in a row (3 by default), and
/// the warning goes once the 連携アプリ answers again. Every report is kept, one row per trip.
#[test]
fn a_silent_renkei_app_is_reported_after_the_configured_trips() {
    let w = World::new();
    for trip in 0..3u32 {
        requests(&w, trip * 2 + 1, 2);
        w.step(true).unwrap();
        let t = w.step(false).unwrap();
        assert_eq!(t.published, 2, "trip {trip}");
        w.step(true).unwrap();
        let o = overview(&w);
        let last = o.last.clone().expect("a report per trip");
        assert_eq!(last.health.renkei.published, 2);
        assert_eq!(last.health.renkei.answered, 0);
        assert_eq!(last.health.renkei.unanswered, u64::from(trip + 1) * 2);
        assert!(last.health.renkei.oldest_unanswered_secs.is_some());
        assert_eq!(last.health.app_version, care::APP_VERSION);
        assert_eq!(last.health.package_formats, [1]);
        assert!(last.health.free_state_bytes.is_some());
        let warned = o.warnings.contains(&Warning::Renkei { trips: 3 });
        assert_eq!(warned, trip == 2, "trip {trip}: {:?}", o.warnings);
    }
    let clinic = w.load(true);
    assert_eq!(clinic.journal.health_rows(10).unwrap().len(), 3);
    let lines = overview(&w).lines();
    assert!(
        lines.iter().any(|l| l.warn
            && l.text
                .starts_with("連携アプリが応答していません（3 回続けて）")),
        "{lines:?}"
    );

    // The owner may ask for a warning after one silent trip already.
    let mut c = clinic.config.clone();
    c.care_unanswered_trips = 1;
    let reports: Vec<care::Report> = vec![overview(&w).last.unwrap()];
    assert_eq!(care::warnings(&c, &reports), [Warning::Renkei { trips: 1 }]);
    drop(clinic);

    // The 連携アプリ answers again: the next report shows it and the warning goes.
    w.act(Act::Renkei).unwrap();
    w.step(false).unwrap();
    w.step(true).unwrap();
    let o = overview(&w);
    assert_eq!(o.last.as_ref().unwrap().health.renkei.answered, 6);
    assert_eq!(o.last.as_ref().unwrap().health.renkei.unanswered, 0);
    assert!(
        o.last
            .as_ref()
            .unwrap()
            .health
            .renkei
            .last_file_secs
            .is_some(),
        "the answers' time is known"
    );
    assert!(o.warnings.is_empty(), "{:?}", o.warnings);
}

/// A terminal whose clock is 12 minutes slow (injected): the clinic computes the skew against
/// the trip and says so in plain words; a right clock raises nothing.
#[test]
fn a_terminal_clock_twelve_minutes_off_is_shown() {
    let w = World::new();
    requests(&w, 1, 1);
    w.step(true).unwrap();
    let mut terminal = w.load(false);
    let slow = Options {
        clock_offset_secs: -12 * 60,
        ..step_opts()
    };
    step(&mut terminal, &w.stick, slow).unwrap();
    drop(terminal);
    w.step(true).unwrap();
    let o = overview(&w);
    assert_eq!(o.warnings, [Warning::Clock { minutes: -12 }]);
    let lines = o.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.warn && l.text.contains("端末の時計が 12 分ずれています")),
        "{lines:?}"
    );

    // The next trip with a right clock: no warning.
    requests(&w, 2, 1);
    w.step(true).unwrap();
    w.step(false).unwrap();
    w.step(true).unwrap();
    assert!(overview(&w).warnings.is_empty());
}

/// The owner changes the terminal's settings at the clinic: the change travels in the next
/// package (even with nothing else to carry), the terminal applies it at its next step and
/// audits it, and the clinic shows 「端末に反映済み」 only once the terminal's confirmation came
/// back (audited too). Then nothing more travels for it.
#[test]
fn settings_changed_at_the_clinic_are_applied_and_confirmed() {
    let w = World::new();
    let wanted = TerminalSettings {
        rev: 0,
        response_wait_secs: 90,
        retention_days: 7,
        kinds: vec!["single".into(), "face".into()],
        // Windows under Wine has no Defender to run: there the switch stays off.
        defender_scan: !cfg!(windows),
    };
    let clinic = w.load(true);
    // Out of range: refused before anything is kept.
    let bad = TerminalSettings {
        response_wait_secs: 0,
        ..wanted.clone()
    };
    assert!(care::send_settings(&clinic, bad, "owner").unwrap().is_err());
    let rev = care::send_settings(&clinic, wanted.clone(), "owner")
        .unwrap()
        .unwrap();
    assert_eq!(rev, 1);
    assert_eq!(audited(&clinic, Outcome::SettingsSent), 1);
    drop(clinic);
    assert!(matches!(
        overview(&w).settings,
        Some(SettingsState::Pending(_))
    ));

    let sent = w.step(true).unwrap();
    assert!(sent.sent_seq.is_some(), "a package for the change alone");
    let before = w.load(false).config.clone();
    assert_eq!(before.response_wait_secs, 30);
    let t = w.step(false).unwrap();
    assert!(t.sent_seq.is_some(), "the terminal answers a change");
    let terminal = w.load(false);
    assert_eq!(terminal.config.response_wait_secs, 90);
    assert_eq!(terminal.config.retention_days, 7);
    assert_eq!(terminal.config.kinds, ["single", "face"]);
    assert_eq!(terminal.config.defender_scan, !cfg!(windows));
    assert_eq!(audited(&terminal, Outcome::SettingsApplied), 1);
    drop(terminal);
    // Not confirmed until the terminal's package is back at the clinic.
    assert!(matches!(
        overview(&w).settings,
        Some(SettingsState::Pending(_))
    ));
    w.step(true).unwrap();
    let o = overview(&w);
    assert!(
        matches!(&o.settings, Some(SettingsState::Applied(s)) if s.rev == 1),
        "{:?}",
        o.settings
    );
    assert!(o.lines().iter().any(|l| l.text.contains("端末に反映済み")));
    let clinic = w.load(true);
    assert_eq!(audited(&clinic, Outcome::SettingsConfirmed), 1);
    let reported = o.last.unwrap().health.settings.unwrap();
    assert_eq!((reported.rev, reported.response_wait_secs), (1, 90));
    drop(clinic);
    // Settled: nothing more travels for the change, and it is applied once.
    assert!(w.step(true).unwrap().sent_seq.is_none());
    w.step(false).unwrap();
    assert_eq!(audited(&w.load(false), Outcome::SettingsApplied), 1);

    // A second change gets the next revision.
    let clinic = w.load(true);
    let rev = care::send_settings(
        &clinic,
        TerminalSettings {
            response_wait_secs: 45,
            ..wanted
        },
        "owner",
    )
    .unwrap()
    .unwrap();
    assert_eq!(rev, 2);
    drop(clinic);
    w.step(true).unwrap();
    w.step(false).unwrap();
    assert_eq!(w.load(false).config.response_wait_secs, 45);
    w.step(true).unwrap();
    assert!(matches!(
        overview(&w).settings,
        Some(SettingsState::Applied(_))
    ));
}

/// A clinic settings change at a terminal that cannot use it (a later clinic with a wider range,
/// say) is refused and audited there, and never applied.
#[test]
fn settings_the_terminal_cannot_use_are_refused_and_audited() {
    let w = World::new();
    let mut terminal = w.load(false);
    let odd = TerminalSettings {
        rev: 5,
        response_wait_secs: 100_000,
        retention_days: 7,
        kinds: vec!["single".into()],
        defender_scan: false,
    };
    let r = care::apply_settings(&mut terminal, &odd, None).unwrap();
    assert!(matches!(r, care::Applied::Refused(_)));
    assert_eq!(audited(&terminal, Outcome::Refused), 1);
    assert_eq!(terminal.config.response_wait_secs, 30);
    assert_eq!(care::running_rev(&terminal).unwrap(), 0);
}

/// Older packages without the new fields still open: the frozen test-vector package from the
/// terminal (written before the health report existed) opens at the clinic with no report, and
/// a package with a report and settings opens in this reader with both.
#[test]
fn packages_with_and_without_the_care_fields_open() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vectors");
    let pairing: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("pairing.json")).unwrap()).unwrap();
    let id = |who: &str| {
        let v = pairing["identities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["role"] == who)
            .unwrap();
        let seed = hex::decode(v["ed25519_pkcs8"].as_str().unwrap()).unwrap();
        let mut x = [0u8; 32];
        hex::decode_to_slice(v["x25519_secret"].as_str().unwrap(), &mut x).unwrap();
        Identity::from_secrets(&seed, x).unwrap()
    };
    let (clinic, terminal) = (id("clinic"), id("terminal"));
    let mut opened = 0;
    for dir in std::fs::read_dir(&root).unwrap().flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_none_or(|e| e != "oqm") {
                continue;
            }
            for (me, peer) in [(&clinic, terminal.public()), (&terminal, clinic.public())] {
                if let Ok(Classified::ForUs(m)) = package::read_manifest(&p, me, Some(&peer)) {
                    assert!(m.meta.health.is_none() && m.meta.terminal_settings.is_none());
                    m.stream(&mut package::NullSink).unwrap();
                    opened += 1;
                }
            }
        }
    }
    assert_eq!(opened, 3, "every frozen vector package opens");

    // A package with both fields, through the writer and the reader of this build.
    let tmp = tempfile::tempdir().unwrap();
    let health = package::Health {
        app_version: "0.1.0".into(),
        package_formats: vec![1],
        clock: "2026-11-27T09:30:00+09:00".into(),
        archive_bytes: 12,
        ..package::Health::default()
    };
    let settings = TerminalSettings {
        rev: 3,
        response_wait_secs: 60,
        retention_days: 30,
        kinds: vec!["single".into()],
        defender_scan: false,
    };
    let peer: PublicKeys = clinic.public();
    let env = package::Envelope {
        identity: &terminal,
        recipient: &peer,
        seq: 1,
        sender_role: "terminal",
        acks: vec![],
        health: Some(health.clone()),
        terminal_settings: Some(settings.clone()),
        update: None,
    };
    let written = package::write_package(env, tmp.path(), &[]).unwrap();
    let Classified::ForUs(m) =
        package::read_manifest(&written.manifest_path, &clinic, Some(&terminal.public())).unwrap()
    else {
        panic!("addressed to the clinic")
    };
    assert_eq!(m.meta.health, Some(health));
    assert_eq!(m.meta.terminal_settings, Some(settings));
    // What an older reader sees: the same metadata minus fields it does not know, which it
    // ignores (the rule of FORMAT.md §5 this relies on is pinned by metadata_json_rules).
    let json = serde_json::to_value(&m.meta).unwrap();
    assert!(json.get("health").is_some());
}

/// The clinic's `status` command shows the block with its warning (through the binary).
#[test]
fn status_shows_the_terminal_block() {
    let w = World::new();
    requests(&w, 1, 1);
    w.step(true).unwrap();
    let mut terminal = w.load(false);
    let slow = Options {
        clock_offset_secs: 12 * 60,
        ..step_opts()
    };
    step(&mut terminal, &w.stick, slow).unwrap();
    drop(terminal);
    w.step(true).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oqs-courier"))
        .arg("--home")
        .arg(w.home(true))
        .arg("status")
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.contains("資格確認端末の状態:"), "{out}");
    assert!(
        out.contains("注意: 端末の時計が 12 分ずれています（進んでいます）"),
        "{out}"
    );
}

/// The desktop app, through the real engine: the clinic's home screen shows 資格確認端末の状態
/// with the warning; the owner changes the terminal's settings behind the PIN, the home screen
/// says the change waits, and 「端末に反映済み」 only after the terminal's confirmation came back.
#[cfg(feature = "gui")]
#[test]
fn the_home_screen_and_the_settings_screen_look_after_the_terminal() {
    use super::gui::{click, opts, shows};
    use super::gui_owner::open_settings;
    use oqs_courier::gui::{App, Message, Screen, Source, care as care_form, settings};
    use oqs_courier::state::Home;
    use oqs_courier::text;

    let w = World::new();
    let mut app = App::new(
        Home::at(w.home(true)),
        Source::Folder(w.dir.path().join("no-stick")),
        opts(),
    );
    assert!(shows(&app, text::C_TITLE));
    assert!(shows(&app, text::C_NO_REPORT));
    for trip in 0..3u32 {
        requests(&w, trip + 1, 1);
        w.step(true).unwrap();
        w.step(false).unwrap();
        w.step(true).unwrap();
    }
    app.refresh();
    let warning = format!("{}。{}", text::c_warn_renkei(3), text::C_DO_RENKEI);
    assert!(shows(&app, &warning));

    open_settings(&mut app, "2468");
    let Screen::Settings(form) = &app.screen else {
        panic!("{:?}", app.screen)
    };
    let terminal = form
        .terminal
        .as_ref()
        .expect("the clinic sets the terminal's settings");
    assert!(terminal.known, "the report told the terminal's settings");
    assert_eq!(terminal.wait, "30");
    let _ = app.update(Message::Settings(settings::Message::Terminal(
        care_form::Message::Wait("120".into()),
    )));
    // 端末に送る sits at the end of the scrolled form (the owner scrolls to it).
    let _ = app.update(Message::Settings(settings::Message::Terminal(
        care_form::Message::Send,
    )));
    assert!(shows(&app, text::C_SETTINGS_PENDING));
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Home), "{:?}", app.screen);
    assert!(shows(&app, text::C_SETTINGS_PENDING));
    assert!(!shows(&app, text::C_SETTINGS_APPLIED));

    w.step(true).unwrap();
    w.step(false).unwrap();
    assert_eq!(w.load(false).config.response_wait_secs, 120);
    app.refresh();
    assert!(
        shows(&app, text::C_SETTINGS_PENDING),
        "not before the confirmation is back"
    );
    w.step(true).unwrap();
    app.refresh();
    assert!(shows(&app, text::C_SETTINGS_APPLIED));
    assert!(!shows(&app, text::C_SETTINGS_PENDING));
}

/// The home screen with every warning still fits the smallest window (800×540).
#[cfg(feature = "gui")]
#[test]
fn the_home_screen_with_every_warning_fits_the_smallest_window() {
    use super::gui::snapshot;
    use iced_test::core::{Font, Settings, Size};
    use iced_test::simulator::Simulator;
    use oqs_courier::gui::{self, App, Source};
    use oqs_courier::state::{Home, Role};
    use oqs_courier::text;

    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(
        Home::at(dir.path().join("not-set-up")),
        Source::Folder(dir.path().join("stick")),
        super::gui::opts(),
    );
    let overview = care::Overview {
        last: Some(care::Report {
            received: "2026-11-27T09:41:00+09:00".into(),
            skew_secs: Some(-12 * 60),
            health: package::Health {
                app_version: "0.0.9".into(),
                free_oqs_bytes: Some(300 << 20),
                ..package::Health::default()
            },
        }),
        warnings: vec![
            Warning::Renkei { trips: 3 },
            Warning::Clock { minutes: -12 },
            Warning::Space { free: 300 << 20 },
            Warning::Version {
                theirs: "0.0.9".into(),
            },
        ],
        settings: Some(SettingsState::Pending(TerminalSettings::default())),
        update: None,
    };
    let mut lines = overview.lines();
    // The received time is shown in local time: fixed here so the picture is the same anywhere.
    lines[0].text = text::c_report_line("11/27 09:41", "0.0.9", "300 MB");
    app.info = gui::Info {
        role_line: text::g_role_line("clinic", "資格確認端末"),
        in_transit: 3,
        to_import: 2,
        awaiting: 0,
        last_trip: "2026/11/27 09:41".into(),
        sticks: vec![("受付用1".into(), "id1".into())],
        old_unanswered: 1,
        role: Some(Role::Clinic),
        large_text: false,
        care: lines,
    };
    app.screen = gui::Screen::Home;
    let settings = Settings {
        fonts: vec![gui::FONT.into()],
        default_font: Font::with_name(gui::FONT_NAME),
        ..Settings::default()
    };
    let (w, h) = gui::MIN_SIZE;
    let mut ui = Simulator::with_size(settings, Size::new(w, h), app.view());
    // The buttons under the block are still on screen (a click on a hidden one fails).
    let fits = ui.click(text::G_SETTINGS).is_ok() && ui.click(text::G_HISTORY).is_ok();
    let mut ui = Simulator::with_size(
        Settings {
            fonts: vec![gui::FONT.into()],
            default_font: Font::with_name(gui::FONT_NAME),
            ..Settings::default()
        },
        Size::new(w, h),
        app.view(),
    );
    snapshot(&mut ui, "home-care-warnings");
    assert!(fits, "the buttons under the block are cut off");
}
