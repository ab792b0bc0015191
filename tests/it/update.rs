//! Updates of oqs-courier carried by the stick (issue 16, item 3), through the real engine: an
//! installer signed with the (test) release key travels in parts, is verified at the clinic and
//! again at the terminal, and reaches the installer only after the terminal's step has ended;
//! a wrong key, an older version and a flipped byte are refused and audited on both PCs.
//! The tests trust the test key (feature `test-release-key`, see Cargo.toml).

use super::world::World;
use oqs_courier::Error;
use oqs_courier::journal::{Dir, Outcome, State};
use oqs_courier::package::{Health, Update, UpdateReport};
use oqs_courier::state::Installation;
use oqs_courier::update::{self, Installer, UpdateError};
use std::fs;
use std::path::{Path, PathBuf};

/// Small parts, so a 20 KB test installer travels in three.
const PART: u64 = 8 * 1024;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/update")
        .join(name)
}

/// An installer that only records what it was given, and what the stick held at that moment.
#[derive(Default)]
struct Fake {
    stick: PathBuf,
    runs: Vec<(PathBuf, Vec<u8>, usize)>,
}

impl Installer for Fake {
    fn run(&mut self, installer: &Path) -> std::io::Result<()> {
        let on_stick =
            fs::read_dir(self.stick.join("OQSCOURIER").join("packages")).map_or(0, |d| d.count());
        self.runs
            .push((installer.to_owned(), fs::read(installer)?, on_stick));
        Ok(())
    }
}

pub(crate) fn audits(inst: &Installation, outcome: Outcome) -> Vec<String> {
    inst.journal
        .audit_rows(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.outcome == outcome && r.kind.as_deref() == Some("update"))
        .map(|r| r.reason.unwrap_or_default())
        .collect()
}

/// One round trip with one new request, so the clinic holds a fresh health report.
pub(crate) fn round_trip(w: &World, n: u32) {
    let name = format!("OQSsiquc01req_20261127093000{n:04}.xml");
    fs::write(
        w.oqs(true).join("Req").join(name),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg/>\n",
    )
    .unwrap();
    w.step(true).unwrap();
    w.step(false).unwrap();
    w.step(true).unwrap();
}

pub(crate) fn stage(w: &World, installer: &Path, sig: Option<&Path>) -> Result<Update, Error> {
    let mut clinic = w.load(true);
    update::stage_with(
        &mut clinic,
        installer,
        sig,
        &update::trusted_keys(),
        PART,
        "試験 院長",
    )
}

/// The clinic reads a report of a terminal that runs `version` (as after a restart by the
/// installer of that version).
pub(crate) fn reported_running(clinic: &Installation, version: &str) {
    let health = Health {
        app_version: version.into(),
        update: Some(UpdateReport::default()),
        ..Health::default()
    };
    update::note_report(clinic, &health).unwrap();
}

/// The fixture installer of version `v` staged at the clinic and carried by one trip: the
/// terminal's step ends with it verified and waiting.
pub(crate) fn carried(w: &World, v: &str) {
    stage(w, &fixture(&format!("oqs-courier-setup-{v}.exe")), None).unwrap();
    w.step(true).unwrap();
    assert_eq!(w.step(false).unwrap().update_ready.as_deref(), Some(v));
}

#[test]
fn an_update_travels_is_verified_on_both_sides_and_is_installed_only_after_the_step() {
    let w = World::new();
    // No report from the terminal yet: the clinic cannot know what it runs.
    let exe = fixture("oqs-courier-setup-9.0.0.exe");
    let e = stage(&w, &exe, None).unwrap_err();
    assert!(
        matches!(e, Error::Update(UpdateError::TerminalUnknown)),
        "{e}"
    );
    round_trip(&w, 1);

    let u = stage(&w, &exe, None).unwrap();
    assert_eq!((u.version.as_str(), u.parts), ("9.0.0", 3));
    let clinic = w.load(true);
    let queued = clinic.journal.items(Dir::Out, &[State::Queued]).unwrap();
    let parts: Vec<&str> = queued.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        parts,
        [
            "oqs-courier-setup-9.0.0.exe.part001",
            "oqs-courier-setup-9.0.0.exe.part002",
            "oqs-courier-setup-9.0.0.exe.part003"
        ]
    );
    assert_eq!(audits(&clinic, Outcome::UpdateStaged).len(), 1);
    drop(clinic);

    w.step(true).unwrap();
    let out = w.step(false).unwrap();
    // The step ended with the update verified and waiting; nothing was installed in it.
    assert_eq!(out.update_ready.as_deref(), Some("9.0.0"));
    let terminal = w.load(false);
    assert!(
        fs::read_dir(w.oqs(false).join("Req"))
            .unwrap()
            .flatten()
            .all(|e| !update::is_part_name(&e.file_name().to_string_lossy())),
        "no part is ever published into an OQS folder"
    );
    assert_eq!(audits(&terminal, Outcome::UpdateStaged).len(), 1);
    assert!(audits(&terminal, Outcome::UpdateInstalled).is_empty());
    let report = update::report(&terminal).unwrap();
    assert_eq!(report.staged.as_deref(), Some("9.0.0"));

    let mut fake = Fake {
        stick: w.stick.clone(),
        ..Fake::default()
    };
    let started = update::install_ready(&terminal, &mut fake).unwrap();
    assert_eq!(started.as_deref(), Some("9.0.0"));
    assert_eq!(fake.runs.len(), 1);
    let (path, bytes, on_stick) = &fake.runs[0];
    assert_eq!(
        bytes,
        &fs::read(&exe).unwrap(),
        "the installer arrived whole"
    );
    assert!(path.ends_with("oqs-courier-setup-9.0.0.exe"));
    // Only the terminal's own new package is on the stick: the step had cleaned and ended.
    assert_eq!(*on_stick, 2, "one package: its manifest and data file");
    assert_eq!(
        audits(&terminal, Outcome::UpdateInstalled),
        [oqs_courier::text::u_audit_install("9.0.0")]
    );
    // Once only.
    assert_eq!(update::install_ready(&terminal, &mut fake).unwrap(), None);
    assert_eq!(fake.runs.len(), 1);
    drop(terminal);

    // The clinic learns of it from the next report, and shows it until the terminal runs it.
    w.step(true).unwrap();
    let clinic = w.load(true);
    let line = update::clinic_line(&clinic).unwrap().unwrap();
    assert_eq!(line, oqs_courier::text::u_line_staged("9.0.0"));
    // The home screen and `status` show it in the terminal's block.
    let status = oqs_courier::engine::status(&clinic, 24).unwrap();
    assert!(status.care.unwrap().lines().iter().any(|l| l.text == line));
    assert!(
        clinic
            .journal
            .items(Dir::Out, &[State::Queued])
            .unwrap()
            .is_empty(),
        "every part acknowledged"
    );
    // The restarted terminal reports 9.0.0 (what the Wine test shows with a real installer).
    reported_running(&clinic, "9.0.0");
    assert_eq!(
        audits(&clinic, Outcome::UpdateDone),
        [oqs_courier::text::u_audit_done("9.0.0")]
    );
    assert_eq!(update::offer_to_send(&clinic).unwrap(), None);
    assert_eq!(update::clinic_line(&clinic).unwrap(), None);
}

/// An installer that cannot be started (as Windows refuses an installer that needs elevation to
/// a process that is not elevated).
struct Refusing;

impl Installer for Refusing {
    fn run(&mut self, _installer: &Path) -> std::io::Result<()> {
        Err(std::io::Error::other(
            "the requested operation requires elevation (os error 740)",
        ))
    }
}

/// An installer that could not be started is not taken for installed: the update still waits
/// (the terminal reports it staged, the clinic keeps sending it), the kept installers are as they
/// were, and the next attempt starts it.
#[test]
fn an_installer_that_cannot_start_leaves_the_update_waiting() {
    let w = World::new();
    round_trip(&w, 1);
    let mut fake = Fake {
        stick: w.stick.clone(),
        ..Fake::default()
    };
    // A first update by stick, so that a previous installer is kept.
    stage(&w, &fixture("oqs-courier-setup-9.0.0.exe"), None).unwrap();
    w.step(true).unwrap();
    w.step(false).unwrap();
    update::install_ready(&w.load(false), &mut fake).unwrap();
    let clinic = w.load(true);
    reported_running(&clinic, "9.0.0");
    drop(clinic);
    round_trip(&w, 2);

    carried(&w, "9.1.0");
    let terminal = w.load(false);
    let e = update::install_ready(&terminal, &mut Refusing).unwrap_err();
    assert!(
        matches!(e, Error::Update(UpdateError::InstallFailed { .. })),
        "{e}"
    );
    assert_eq!(
        update::report(&terminal).unwrap().staged.as_deref(),
        Some("9.1.0")
    );
    assert_eq!(
        update::previous_version(&terminal).unwrap(),
        None,
        "the installer of 9.0.0 is the current one again, not the previous"
    );
    let refused = audits(&terminal, Outcome::Refused);
    assert!(
        refused
            .last()
            .unwrap()
            .starts_with(oqs_courier::text::E_UPD_INSTALL_FAILED),
        "{refused:?}"
    );
    drop(terminal);

    // The clinic still sends it; the next step of the terminal tries again and starts it.
    w.step(true).unwrap();
    assert_eq!(
        update::clinic_line(&w.load(true)).unwrap().as_deref(),
        Some(oqs_courier::text::u_line_staged("9.1.0").as_str())
    );
    assert_eq!(
        w.step(false).unwrap().update_ready.as_deref(),
        Some("9.1.0")
    );
    let terminal = w.load(false);
    assert_eq!(
        update::install_ready(&terminal, &mut fake)
            .unwrap()
            .as_deref(),
        Some("9.1.0")
    );
    let (_, bytes, _) = fake.runs.last().unwrap();
    assert_eq!(
        bytes,
        &fs::read(fixture("oqs-courier-setup-9.1.0.exe")).unwrap()
    );
    assert_eq!(
        update::previous_version(&terminal).unwrap().as_deref(),
        Some("9.0.0")
    );
}

/// After the update the terminal runs the offered version, while the clinic sends the offer
/// until it reads a report of that version: the offer arriving then is no refusal, and the
/// report marks the update done (seen with the real installer, scripts/update-wine-e2e.sh: the
/// clinic used to audit it as refused, "not newer").
#[test]
fn the_offer_arriving_after_the_update_is_not_refused_and_the_report_marks_it_done() {
    let w = World::new();
    round_trip(&w, 1);
    let running = oqs_courier::care::APP_VERSION;
    let exe = fixture("oqs-courier-setup-9.0.0.exe");
    // The offer as the clinic keeps sending it (the parts are not read: the version decides).
    let offer = Update {
        version: running.into(),
        size: fs::metadata(&exe).unwrap().len(),
        sha256: "0".repeat(64),
        parts: 0,
        signature: fs::read_to_string(fixture("oqs-courier-setup-9.0.0.exe.minisig")).unwrap(),
    };

    // The clinic: a report of the offered version counts as done, even one that also names it
    // refused (what a terminal without this fix reports).
    let mut clinic = w.load(true);
    update::queue_parts(&mut clinic, &exe, offer.clone(), PART, "test").unwrap();
    let health = Health {
        app_version: running.into(),
        update: Some(UpdateReport {
            refused: Some(running.into()),
            refused_why: Some("not-newer".into()),
            ..UpdateReport::default()
        }),
        ..Health::default()
    };
    update::note_report(&clinic, &health).unwrap();
    assert!(audits(&clinic, Outcome::Refused).is_empty());
    assert_eq!(
        audits(&clinic, Outcome::UpdateDone),
        [oqs_courier::text::u_audit_done(running)]
    );
    assert_eq!(update::offer_to_send(&clinic).unwrap(), None);

    // The terminal: the offer arrives by a real trip and is neither received nor refused; its
    // next report makes the clinic record the update done.
    update::queue_parts(&mut clinic, &exe, offer, PART, "test").unwrap();
    drop(clinic);
    w.step(true).unwrap();
    let out = w.step(false).unwrap();
    assert_eq!(out.update_ready, None);
    let terminal = w.load(false);
    assert!(audits(&terminal, Outcome::Refused).is_empty());
    assert_eq!(update::report(&terminal).unwrap(), UpdateReport::default());
    assert!(!update::parts_dir(&terminal).exists());
    drop(terminal);
    w.step(true).unwrap();
    let clinic = w.load(true);
    assert!(audits(&clinic, Outcome::Refused).is_empty());
    assert_eq!(audits(&clinic, Outcome::UpdateDone).len(), 2);
    assert_eq!(update::offer_to_send(&clinic).unwrap(), None);
}

/// An installer that was started but did not finish (ten minutes later the terminal still runs
/// its old version): the terminal audits it once and reports it; the clinic stops sending the
/// update, audits it and shows it in the terminal's block until the owner sends it again, which
/// then travels, is received and started as the first time.
#[test]
fn an_installation_that_did_not_finish_is_reported_and_can_be_sent_again() {
    use oqs_courier::text;
    let w = World::new();
    round_trip(&w, 1);
    carried(&w, "9.0.0");
    let mut fake = Fake {
        stick: w.stick.clone(),
        ..Fake::default()
    };
    let terminal = w.load(false);
    update::install_ready(&terminal, &mut fake).unwrap();
    // Right after the start (the installer may still be running): nothing to report.
    assert_eq!(update::report(&terminal).unwrap().refused, None);
    // Eleven minutes later the old version still runs (the fake installer did nothing).
    let started = (
        "9.0.0",
        (chrono::Utc::now() - chrono::TimeDelta::minutes(11)).to_rfc3339(),
    );
    terminal
        .journal
        .set_meta("update_started", &serde_json::to_string(&started).unwrap())
        .unwrap();
    for _ in 0..2 {
        let r = update::report(&terminal).unwrap();
        assert_eq!(r.refused.as_deref(), Some("9.0.0"));
        assert_eq!(r.refused_why.as_deref(), Some(update::UNFINISHED));
    }
    assert_eq!(
        audits(&terminal, Outcome::Refused),
        [text::u_audit_unfinished("9.0.0")],
        "audited once"
    );
    drop(terminal);

    // The next trip carries the report to the clinic.
    round_trip(&w, 2);
    let clinic = w.load(true);
    assert_eq!(update::offer_to_send(&clinic).unwrap(), None);
    assert_eq!(
        audits(&clinic, Outcome::Refused),
        [text::u_audit_unfinished_there("9.0.0")]
    );
    let line = update::clinic_line(&clinic).unwrap().unwrap();
    assert_eq!(line, text::u_line_unfinished("9.0.0"));
    let status = oqs_courier::engine::status(&clinic, 24).unwrap();
    assert!(status.care.unwrap().lines().iter().any(|l| l.text == line));
    drop(clinic);

    // Sent again: received and started after the step.
    let exe = fixture("oqs-courier-setup-9.0.0.exe");
    stage(&w, &exe, None).unwrap();
    assert_eq!(
        update::clinic_line(&w.load(true)).unwrap(),
        Some(text::u_line_sending("9.0.0"))
    );
    w.step(true).unwrap();
    assert_eq!(
        w.step(false).unwrap().update_ready.as_deref(),
        Some("9.0.0")
    );
    let terminal = w.load(false);
    assert_eq!(update::report(&terminal).unwrap().refused, None);
    assert_eq!(
        update::install_ready(&terminal, &mut fake)
            .unwrap()
            .as_deref(),
        Some("9.0.0")
    );
    assert_eq!(fake.runs.len(), 2);
    drop(terminal);

    // Once the terminal runs it, the clinic's line goes.
    let clinic = w.load(true);
    reported_running(&clinic, "9.0.0");
    assert_eq!(update::clinic_line(&clinic).unwrap(), None);
}

/// A refusal at the terminal is shown in the clinic's terminal block (what the guide says
/// staff see) until another update is staged.
#[test]
fn a_refusal_at_the_terminal_is_shown_at_the_clinic() {
    let w = World::new();
    round_trip(&w, 1);
    stage(&w, &fixture("oqs-courier-setup-9.0.0.exe"), None).unwrap();
    let clinic = w.load(true);
    let health = Health {
        app_version: oqs_courier::care::APP_VERSION.into(),
        update: Some(UpdateReport {
            refused: Some("9.0.0".into()),
            refused_why: Some("corrupted".into()),
            ..UpdateReport::default()
        }),
        ..Health::default()
    };
    update::note_report(&clinic, &health).unwrap();
    assert_eq!(
        update::clinic_line(&clinic).unwrap(),
        Some(oqs_courier::text::u_line_refused("9.0.0"))
    );
    drop(clinic);
    stage(&w, &fixture("oqs-courier-setup-9.1.0.exe"), None).unwrap();
    assert_eq!(
        update::clinic_line(&w.load(true)).unwrap(),
        Some(oqs_courier::text::u_line_sending("9.1.0"))
    );
}

/// The clinic refuses what the owner gives it: a wrong key, an older version, a flipped byte;
/// each is audited and nothing is queued.
#[test]
fn the_clinic_refuses_a_wrong_key_an_older_version_and_a_flipped_byte() {
    let w = World::new();
    round_trip(&w, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut flipped = fs::read(fixture("oqs-courier-setup-9.0.0.exe")).unwrap();
    flipped[12_345] ^= 0x20;
    let flipped_exe = dir.path().join("oqs-courier-setup-9.0.0.exe");
    fs::write(&flipped_exe, flipped).unwrap();
    let cases: [(PathBuf, Option<PathBuf>, &str); 3] = [
        (
            fixture("oqs-courier-setup-9.0.0.exe"),
            Some(fixture("wrong-key/oqs-courier-setup-9.0.0.exe.minisig")),
            oqs_courier::text::E_UPD_WRONG_KEY,
        ),
        (
            fixture("oqs-courier-setup-0.0.1.exe"),
            None,
            oqs_courier::text::E_UPD_NOT_NEWER,
        ),
        (
            flipped_exe,
            Some(fixture("oqs-courier-setup-9.0.0.exe.minisig")),
            oqs_courier::text::E_UPD_CORRUPTED,
        ),
    ];
    for (i, (exe, sig, message)) in cases.iter().enumerate() {
        let e = stage(&w, exe, sig.as_deref()).unwrap_err();
        assert_eq!(e.message(), *message);
        assert_eq!(e.kind(), oqs_courier::error::ErrorKind::Refused);
        let clinic = w.load(true);
        let refused = audits(&clinic, Outcome::Refused);
        assert_eq!(refused.len(), i + 1);
        assert!(refused[i].starts_with(message), "{}", refused[i]);
        assert!(
            clinic
                .journal
                .items(Dir::Out, &[State::Queued])
                .unwrap()
                .is_empty()
        );
        assert_eq!(update::offer_to_send(&clinic).unwrap(), None);
    }
}

/// The terminal verifies again: bundles the clinic should never have sent (queued here without
/// the clinic's checks) are refused there, audited, reported back, and audited at the clinic.
#[test]
fn the_terminal_refuses_a_wrong_key_an_older_version_and_a_flipped_byte() {
    let w = World::new();
    round_trip(&w, 1);
    let dir = tempfile::tempdir().unwrap();
    let offer = |exe: &str, sig: &str| {
        let signature = fs::read_to_string(fixture(sig)).unwrap();
        let bytes = fs::read(fixture(exe)).unwrap();
        Update {
            version: update::version_of(
                signature
                    .lines()
                    .nth(2)
                    .unwrap()
                    .trim_start_matches("trusted comment: "),
            )
            .unwrap(),
            size: bytes.len() as u64,
            sha256: "0".repeat(64),
            parts: 0,
            signature,
        }
    };
    let mut flipped = fs::read(fixture("oqs-courier-setup-9.1.0.exe")).unwrap();
    flipped[100] ^= 0x01;
    let flipped_exe = dir.path().join("flipped.exe");
    fs::write(&flipped_exe, flipped).unwrap();
    let cases = [
        (
            fixture("oqs-courier-setup-9.0.0.exe"),
            offer(
                "oqs-courier-setup-9.0.0.exe",
                "wrong-key/oqs-courier-setup-9.0.0.exe.minisig",
            ),
            "wrong-key",
            oqs_courier::text::E_UPD_WRONG_KEY,
        ),
        (
            flipped_exe,
            offer(
                "oqs-courier-setup-9.1.0.exe",
                "oqs-courier-setup-9.1.0.exe.minisig",
            ),
            "corrupted",
            oqs_courier::text::E_UPD_CORRUPTED,
        ),
        (
            fixture("oqs-courier-setup-0.0.1.exe"),
            offer(
                "oqs-courier-setup-0.0.1.exe",
                "oqs-courier-setup-0.0.1.exe.minisig",
            ),
            "not-newer",
            oqs_courier::text::E_UPD_NOT_NEWER,
        ),
    ];
    for (i, (exe, offer, why, message)) in cases.into_iter().enumerate() {
        let mut clinic = w.load(true);
        update::queue_parts(&mut clinic, &exe, offer.clone(), PART, "test").unwrap();
        drop(clinic);
        w.step(true).unwrap();
        let out = w.step(false).unwrap();
        assert_eq!(out.update_ready, None, "{why}");
        let terminal = w.load(false);
        let refused = audits(&terminal, Outcome::Refused);
        assert_eq!(refused.len(), i + 1, "{why}: {refused:?}");
        assert!(refused[i].starts_with(message), "{why}: {}", refused[i]);
        let report = update::report(&terminal).unwrap();
        assert_eq!(report.refused.as_deref(), Some(offer.version.as_str()));
        assert_eq!(report.refused_why.as_deref(), Some(why));
        let mut fake = Fake::default();
        assert_eq!(update::install_ready(&terminal, &mut fake).unwrap(), None);
        assert!(fake.runs.is_empty());
        drop(terminal);
        // Back at the clinic: the refusal is audited there, the update no longer sent.
        w.step(true).unwrap();
        let clinic = w.load(true);
        let there = audits(&clinic, Outcome::Refused);
        assert_eq!(there.len(), i + 1, "{why}");
        assert!(
            there[i].starts_with(&oqs_courier::text::u_audit_refused_there(&offer.version)),
            "{}",
            there[i]
        );
        assert_eq!(update::offer_to_send(&clinic).unwrap(), None);
    }
}

/// Updates 9.0.0 then 9.1.0 travel and are installed by `installer` (after a first round trip),
/// so the terminal keeps the installer of 9.0.0 for a roll-back.
pub(crate) fn two_updates_installed(w: &World, installer: &mut dyn Installer) {
    for (n, v) in [(2, "9.0.0"), (3, "9.1.0")] {
        carried(w, v);
        update::install_ready(&w.load(false), installer).unwrap();
        // The clinic stops sending it once the report shows it (here: by hand, as if the
        // terminal had restarted as the new version).
        let clinic = w.load(true);
        reported_running(&clinic, v);
        drop(clinic);
        round_trip(w, n);
    }
}

/// The previous installer is kept: after two updates the owner can go back to the first.
#[test]
fn the_previous_installer_is_kept_for_a_roll_back() {
    let w = World::new();
    round_trip(&w, 1);
    let mut fake = Fake {
        stick: w.stick.clone(),
        ..Fake::default()
    };
    let terminal = w.load(false);
    let e = update::rollback(&terminal, &mut fake, "試験 院長").unwrap_err();
    assert!(matches!(e, Error::Update(UpdateError::NoPrevious)));
    drop(terminal);
    two_updates_installed(&w, &mut fake);
    let terminal = w.load(false);
    assert_eq!(
        update::previous_version(&terminal).unwrap().as_deref(),
        Some("9.0.0")
    );
    let back = update::rollback(&terminal, &mut fake, "試験 院長").unwrap();
    assert_eq!(back, "9.0.0");
    let (_, bytes, _) = fake.runs.last().unwrap();
    assert_eq!(
        bytes,
        &fs::read(fixture("oqs-courier-setup-9.0.0.exe")).unwrap()
    );
    // A second roll-back returns to the newer one.
    assert_eq!(
        update::previous_version(&terminal).unwrap().as_deref(),
        Some("9.1.0")
    );
    assert_eq!(
        audits(&terminal, Outcome::UpdateInstalled).last().unwrap(),
        &oqs_courier::text::u_audit_rollback("9.0.0")
    );
}
