//! The clinic's import prompt through the real engine (issue 14): safe defaults, the question
//! before a flagged row is imported, 取り込まない, decisions across insertions, one row per
//! person, `.err` rows, a stick pulled mid-prompt, held results without a stick, the keyboard,
//! and the layout at the size of a 1024×768 screen.
#![cfg(feature = "gui")]

use super::gui::{click, fixture_today, next, opts, sample_prompt_rows, snapshot};
use super::util::{Pair, paired};
use iced::keyboard::key::Named;
use iced_test::core::{Font, Settings, Size};
use iced_test::simulator::Simulator;
use oqs_courier::detect::Event as Drive;
use oqs_courier::engine::{self, Outcome};
use oqs_courier::gui::prompt::{Ask, End, Prompt};
use oqs_courier::gui::{self, App, Message, Screen, Source, worker};
use oqs_courier::journal::{Dir, Outcome as Audited, State};
use oqs_courier::review::Flag;
use oqs_courier::state::Home;
use oqs_courier::text;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The window's logical size on a 1024×768 screen (taskbar and frame taken off).
const SMALL: Size = Size::new(1000.0, 700.0);

fn ui_at(app: &App, size: Size) -> Simulator<'_, Message> {
    let settings = Settings {
        fonts: vec![gui::FONT.into()],
        default_font: Font::with_name(gui::FONT_NAME),
        ..Settings::default()
    };
    Simulator::with_size(settings, size, app.view())
}

fn shows(app: &App, what: &str) -> bool {
    let mut ui = ui_at(app, SMALL);
    ui.find(what).is_ok() || ui.find(gui::theme::phrased(what).as_str()).is_ok()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/oqs")
            .join(name),
    )
    .unwrap()
}

/// A paired clinic and terminal with an enrolled stick; the clinic's installation is closed
/// (the window opens its own).
struct World {
    pair: Pair,
    root: PathBuf,
}

impl World {
    fn new() -> Self {
        let mut pair = paired();
        let root = pair.stick.root().to_owned();
        engine::enroll(&mut pair.clinic, &root, &"受付用1".parse().unwrap()).unwrap();
        Self { pair, root }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.pair.path(p)
    }

    /// The terminal's 連携アプリ writes `files` (folder, name, bytes); the terminal's step
    /// collects them and seals them onto the stick.
    fn terminal_sends(&mut self, files: &[(&str, &str, Vec<u8>)]) {
        for (sub, name, bytes) in files {
            std::fs::write(self.path("terminal/OQS").join(sub).join(name), bytes).unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
        let mut s = engine::begin(&mut self.pair.terminal, &self.root, opts()).unwrap();
        s.collect().unwrap();
        s.finish().unwrap();
    }

    fn app(&self) -> App {
        App::new(
            Home::at(self.path("clinic/state")),
            Source::Folder(self.root.clone()),
            opts(),
        )
    }

    fn clinic_has(&self, sub: &str, name: &str) -> bool {
        self.path("clinic/OQS").join(sub).join(name).exists()
    }
}

pub(crate) type Events = iced::futures::channel::mpsc::UnboundedReceiver<worker::Event>;

/// Inserts the stick into `app` and returns the prompt's event stream.
fn insert(app: &mut App, root: &Path) -> Events {
    let mut events = app.start(root.to_owned()).unwrap();
    let e = next(&mut events);
    assert!(matches!(e, worker::Event::Prompt(_)), "{e:?}");
    let _ = app.update(Message::Worker(e));
    events
}

fn prompt(app: &App) -> &Prompt {
    match &app.screen {
        Screen::Prompt(p) => p,
        other => panic!("not the prompt: {other:?}"),
    }
}

fn row_of(app: &App, file: &str) -> usize {
    prompt(app)
        .rows
        .iter()
        .position(|r| r.file == file)
        .unwrap_or_else(|| panic!("no row for {file}"))
}

/// Waits for the step to end and shows its result.
pub(crate) fn finish(app: &mut App, events: &mut Events) -> Outcome {
    let e = next(events);
    let _ = app.update(Message::Worker(e.clone()));
    match e {
        worker::Event::Done(o) => o,
        other => panic!("the step did not end well: {other:?}"),
    }
}

fn key(app: &mut App, named: Named, shift: bool) {
    use iced::keyboard::{Event, Key, Location, Modifiers, key};
    let _ = app.update(Message::Key(Event::KeyPressed {
        key: Key::Named(named),
        modified_key: Key::Named(named),
        physical_key: key::Physical::Unidentified(key::NativeCode::Unidentified),
        location: Location::Standard,
        modifiers: if shift {
            Modifiers::SHIFT
        } else {
            Modifiers::default()
        },
        text: None,
        repeat: false,
    }));
}

const STALE: &str = "OQSsiquc01res_202501060001.xml";
const FRESH: &str = "OQSsiquc01res_202612060001.xml";

/// A result of an earlier day and one of today.
fn stale_and_fresh(w: &mut World) {
    w.terminal_sends(&[
        ("Res", STALE, fixture("single_res_utf8.xml")),
        ("Res", FRESH, fixture_today("single_res_utf8.xml")),
    ]);
}

#[test]
fn flagged_rows_start_unticked_under_their_band_and_enter_imports_the_rest() {
    let mut w = World::new();
    stale_and_fresh(&mut w);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let p = prompt(&app);
    let stale = row_of(&app, STALE);
    let fresh = row_of(&app, FRESH);
    assert_eq!(stale, 0, "flagged rows come first");
    assert_eq!(p.rows[stale].flags, vec![Flag::Stale]);
    assert!(!p.selected[stale] && p.selected[fresh]);
    assert!(shows(&app, &format!("{}（1 件）", text::G_REVIEW_BAND)));
    let reason = p.rows[stale].reasons[0].clone();
    assert!(
        reason.contains("本日以外") && reason.contains("日前"),
        "{reason}"
    );
    assert!(shows(&app, &reason));
    // The date itself is shown, with its age beside it.
    assert!(shows(&app, &format!("2025/01/06（{}）", p.rows[stale].age)));
    key(&mut app, Named::Enter, false);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held), (1, 1));
    assert!(w.clinic_has("Res", FRESH) && !w.clinic_has("Res", STALE));
}

#[test]
fn importing_a_flagged_row_asks_once_more() {
    let mut w = World::new();
    stale_and_fresh(&mut w);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    // A click anywhere on the row ticks it.
    let stale = row_of(&app, STALE);
    let _ = app.update(Message::Prompt(gui::prompt::Msg::Row(stale)));
    assert!(prompt(&app).selected[stale]);
    click(&mut app, text::G_IMPORT);
    let question = "本日以外の結果が 1 件あります。取り込みますか？";
    assert_eq!(prompt(&app).ask, Some(Ask::Confirm(question.into())));
    assert!(shows(&app, question));
    // いいえ: back to the prompt, nothing imported; Enter while asked is not a second 取り込む.
    click(&mut app, text::G_NO);
    assert_eq!(prompt(&app).ask, None);
    assert!(!w.clinic_has("Res", STALE));
    click(&mut app, text::G_IMPORT);
    click(&mut app, text::G_YES);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held), (2, 0));
    assert!(w.clinic_has("Res", STALE) && w.clinic_has("Res", FRESH));
}

#[test]
fn a_dropped_result_is_audited_and_never_comes_back() {
    let mut w = World::new();
    stale_and_fresh(&mut w);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let stale = row_of(&app, STALE);
    let fresh = row_of(&app, FRESH);
    // Nothing ticked but the fresh one: untick it, tick the stale one, 取り込まない.
    let _ = app.update(Message::Toggle(fresh, false));
    let _ = app.update(Message::Toggle(stale, true));
    click(&mut app, text::G_DROP);
    assert!(shows(&app, text::G_DROP_QUESTION));
    click(&mut app, text::DROP_OLD);
    assert_eq!(
        prompt(&app).rows.len(),
        1,
        "the dropped row leaves the list"
    );
    assert!(shows(&app, &text::g_dropped(1, text::DROP_OLD)));
    // The fresh one is imported.
    let fresh = row_of(&app, FRESH);
    let _ = app.update(Message::Toggle(fresh, true));
    click(&mut app, text::G_IMPORT);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held, o.dropped), (1, 0, 1));
    assert!(!w.clinic_has("Res", STALE));
    drop(app);

    let clinic = Home::at(w.path("clinic/state")).load().unwrap();
    let audit = clinic.journal.audit_rows(None).unwrap();
    let dropped: Vec<_> = audit
        .iter()
        .filter(|r| r.outcome == Audited::Dropped)
        .collect();
    assert_eq!(dropped.len(), 1, "{audit:#?}");
    assert_eq!(dropped[0].file.as_deref(), Some(STALE));
    assert_eq!(dropped[0].reason.as_deref(), Some(text::DROP_OLD));
    assert!(dropped[0].actor.is_some());
    assert!(
        engine::audit_csv_line(dropped[0]).contains(",dropped,"),
        "the CSV says so"
    );
    assert_eq!(
        clinic
            .journal
            .items(Dir::In, &[State::Dropped])
            .unwrap()
            .len(),
        1
    );
    drop(clinic);

    // The terminal sends the same file again and a new one: only the new one is shown.
    let again = "OQSsiquc01res_202612060002.xml";
    w.terminal_sends(&[("Res", again, fixture_today("single_res_utf8.xml"))]);
    std::fs::write(
        w.path("terminal/OQS/Res").join(STALE),
        fixture("single_res_utf8.xml"),
    )
    .unwrap();
    let mut app = w.app();
    assert_eq!(app.info.to_import, 0, "a dropped result is not waiting");
    let _events = insert(&mut app, &w.root);
    let files: Vec<&str> = prompt(&app).rows.iter().map(|r| r.file.as_str()).collect();
    assert_eq!(files, vec![again]);
    // The history names the outcome in words.
    drop(_events);
}

#[test]
fn decisions_survive_a_reinsertion() {
    let mut w = World::new();
    w.terminal_sends(&[("Res", FRESH, fixture_today("single_res_utf8.xml"))]);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    assert!(prompt(&app).selected[0], "a result of today starts ticked");
    let _ = app.update(Message::Later);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held), (0, 1));
    drop(app);

    let second = "OQSsiquc01res_202612060003.xml";
    w.terminal_sends(&[("Res", second, fixture_today("single_res_utf8.xml"))]);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let p = prompt(&app);
    let held = row_of(&app, FRESH);
    let new = row_of(&app, second);
    assert!(
        p.rows[held].held && !p.selected[held],
        "held stays unticked"
    );
    assert!(p.selected[new]);
    assert!(shows(&app, text::G_HELD_BEFORE));
    let _ = app.update(Message::Import);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held), (1, 1));
    assert!(w.clinic_has("Res", second) && !w.clinic_has("Res", FRESH));
}

#[test]
fn a_bulk_result_shows_one_row_per_person_and_one_decision() {
    let mut w = World::new();
    let bulk = "OQSmuquc02res_202612060001.xml";
    w.terminal_sends(&[("Res", bulk, fixture_today("bulk2_res_done.xml"))]);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let p = prompt(&app);
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.rows[0].id, p.rows[1].id);
    assert!(p.selected.iter().all(|s| *s));
    // The second person, without a match, is visible with their validity and error.
    let second = p.rows[1].clone();
    assert_eq!(second.validity, text::OQS_NO_QUALIFICATION);
    assert!(shows(&app, &second.name) || shows(&app, &second.birth));
    assert!(shows(&app, text::OQS_NO_QUALIFICATION));
    assert!(shows(&app, "2/2 人目"));
    // Unticking one person unticks the file.
    let _ = app.update(Message::Prompt(gui::prompt::Msg::Row(1)));
    assert!(prompt(&app).selected.iter().all(|s| !*s));
    let _ = app.update(Message::Toggle(0, true));
    assert!(prompt(&app).selected.iter().all(|s| *s));
    let _ = app.update(Message::Import);
    let o = finish(&mut app, &mut events);
    assert_eq!(o.published, 1);
}

#[test]
fn an_err_row_names_the_clinics_patient_and_shows_the_error_text() {
    let mut w = World::new();
    // The clinic's own request travels to the terminal.
    let req = "OQSsiquc01req_202612060001.xml";
    std::fs::write(
        w.path("clinic/OQS/Req").join(req),
        fixture("single_req_utf8.xml"),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut clinic = Home::at(w.path("clinic/state")).load().unwrap();
    super::util::step(&mut clinic, &w.root, opts()).unwrap();
    drop(clinic);
    super::util::step(&mut w.pair.terminal, &w.root, opts()).unwrap();
    assert!(w.path("terminal/OQS/Req").join(req).exists());
    // The 連携アプリ answers with an error file.
    let err = "OQSsiquc01req_202612060001.err";
    w.terminal_sends(&[("Res", err, fixture("single_req.err"))]);

    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let r = &prompt(&app).rows[row_of(&app, err)];
    assert_eq!(r.flags, vec![Flag::Error]);
    assert!(!prompt(&app).selected[0]);
    // The request names 試験 太郎 born 1980/01/01 (single_req_utf8.xml).
    let request = oqs_courier::oqs::summarize(req, &fixture("single_req_utf8.xml"));
    let who = request.who().unwrap();
    assert_eq!(
        r.birth,
        who.birth_date.unwrap().format("%Y/%m/%d").to_string()
    );
    assert_eq!(r.name, who.name.clone().unwrap_or_default());
    assert!(shows(&app, &r.birth));
    assert!(r.note.contains("E9999"), "{r:?}");
    let note = r.note.clone();
    assert!(shows(&app, &format!("{}　{note}", text::FLAG_ERROR)));
    let _ = app.update(Message::Later);
    finish(&mut app, &mut events);
    drop(app);

    // Held and shown again after the request's own copy is gone: the patient still shows
    // (from the audit line written when the request was collected).
    let second = "OQSsiquc01res_202612060009.xml";
    w.terminal_sends(&[("Res", second, fixture_today("single_res_utf8.xml"))]);
    let mut app = w.app();
    let _events = insert(&mut app, &w.root);
    let r = &prompt(&app).rows[row_of(&app, err)];
    let birth = who.birth_date.unwrap().format("%Y/%m/%d").to_string();
    assert!(r.name.contains(&birth), "{r:?}");
    assert!(
        r.note.contains("E9999") && !r.note.contains(text::NOTE_REQUEST_UNKNOWN),
        "{r:?}"
    );
}

fn listing(dir: &Path) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = walk(dir);
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push((
                p.display().to_string(),
                std::fs::metadata(&p).unwrap().len(),
            ));
        }
    }
    out
}

#[test]
fn a_stick_pulled_mid_prompt_keeps_the_results_and_writes_nothing() {
    let mut w = World::new();
    stale_and_fresh(&mut w);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let before = listing(&w.root);
    // The stick is pulled while staff look at the prompt.
    let _ = app.update(Message::Drive(Drive::Removed(w.root.clone())));
    let o = finish(&mut app, &mut events);
    assert!(o.stick_removed);
    assert_eq!((o.published, o.held, o.sent, o.cleaned), (0, 2, 0, 0));
    assert!(matches!(
        app.screen,
        Screen::PromptEnd(End::StickPulled { kept: 2 })
    ));
    assert!(shows(&app, text::G_PULLED));
    assert!(shows(&app, &text::g_pulled_kept(2)));
    assert!(
        !shows(&app, text::G_PROBLEM),
        "no red refusal for what was fine"
    );
    assert_eq!(listing(&w.root), before, "nothing was written to the stick");
    assert!(!w.clinic_has("Res", STALE) && !w.clinic_has("Res", FRESH));

    // Home: the held results can be imported without a stick.
    click(&mut app, text::G_BACK);
    assert!(matches!(app.screen, Screen::Home));
    assert_eq!(app.info.to_import, 2);
    let button = text::g_import_held(2);
    assert!(shows(&app, &button));
    let messages: Vec<Message> = {
        let mut ui = ui_at(&app, SMALL);
        ui.click(button.as_str()).unwrap();
        ui.into_messages().collect()
    };
    assert!(matches!(messages.as_slice(), [Message::ImportHeld]));
    let mut events = app.start_held().unwrap();
    let e = next(&mut events);
    let _ = app.update(Message::Worker(e));
    let fresh = row_of(&app, FRESH);
    assert!(prompt(&app).selected[fresh] && !prompt(&app).selected[row_of(&app, STALE)]);
    click(&mut app, text::G_IMPORT);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held), (1, 1));
    assert!(matches!(app.screen, Screen::PromptEnd(End::Held(_))));
    assert!(shows(&app, &text::g_held_done(1, 1, 0)));
    assert!(w.clinic_has("Res", FRESH));
    assert_eq!(listing(&w.root), before, "the stick was not needed");
    click(&mut app, text::G_BACK);
    assert_eq!(app.info.to_import, 1);
    assert!(shows(&app, &text::g_import_held(1)));
}

#[test]
fn keyboard_only_import_works() {
    let mut w = World::new();
    stale_and_fresh(&mut w);
    let mut app = w.app();
    let mut events = insert(&mut app, &w.root);
    let stale = row_of(&app, STALE);
    let fresh = row_of(&app, FRESH);
    assert_eq!(prompt(&app).focus, None);
    key(&mut app, Named::Tab, false);
    assert_eq!(prompt(&app).focus, Some(0));
    key(&mut app, Named::Tab, false);
    key(&mut app, Named::Tab, true);
    assert_eq!(prompt(&app).focus, Some(0), "Shift-Tab goes back");
    assert_eq!(
        prompt(&app).focus_offset(),
        Some(0.0),
        "the list scrolls to the top row"
    );
    key(&mut app, Named::Tab, true);
    assert_eq!(
        prompt(&app).focus_offset(),
        Some(1.0),
        "Shift-Tab from the top: the last row, in sight"
    );
    key(&mut app, Named::Tab, false);
    // Space ticks the focused (stale) row; Enter asks; Esc says no; Enter again, then Enter
    // answers はい.
    key(&mut app, Named::Space, false);
    assert!(prompt(&app).selected[stale] && prompt(&app).selected[fresh]);
    key(&mut app, Named::Enter, false);
    assert!(matches!(prompt(&app).ask, Some(Ask::Confirm(_))));
    key(&mut app, Named::Escape, false);
    assert_eq!(prompt(&app).ask, None);
    assert!(
        matches!(app.screen, Screen::Prompt(_)),
        "Esc answered the question only"
    );
    // Untick it again with Space: Enter imports at once.
    key(&mut app, Named::Space, false);
    key(&mut app, Named::Enter, false);
    let o = finish(&mut app, &mut events);
    assert_eq!((o.published, o.held), (1, 1));
    assert!(w.clinic_has("Res", FRESH));
}

/// At the window size of a 1024×768 screen: headings sit exactly over their columns, 種類 does
/// not wrap, the primary button is inside the window, and about 12 rows fit.
#[test]
fn the_prompt_fits_a_small_screen_with_aligned_headings() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::new(
        Home::at(dir.path().join("not-set-up")),
        Source::Folder(dir.path().join("stick")),
        opts(),
    );
    app.info.role_line = text::g_role_line("clinic", "資格確認端末");
    let rows = sample_prompt_rows();
    app.screen = Screen::Prompt(Prompt::new(rows.clone()));
    // The window as fitted on 1024×768 and 1366×768 at 125 % (gui::fit), and the test's size.
    for size in [Size::new(803.2, 558.4), Size::new(960.0, 558.0), SMALL] {
        let mut ui = ui_at(&app, size);
        let x = |ui: &mut Simulator<'_, Message>, s: &str| ui.find(s).unwrap().bounds().x;
        let first = &rows[0];
        let pairs = [
            (text::G_REVIEW_COLUMNS[0], first.kind.as_str()),
            (text::G_REVIEW_COLUMNS[1], first.name.as_str()),
            (text::G_REVIEW_COLUMNS[2], first.birth.as_str()),
            (text::G_REVIEW_COLUMNS[3], first.insurer.as_str()),
            (text::G_REVIEW_COLUMNS[4], first.validity.as_str()),
        ];
        for (heading, cell) in pairs {
            let (h, c) = (x(&mut ui, heading), x(&mut ui, cell));
            assert!((h - c).abs() < 1.0, "{heading} at {h}, its column at {c}");
        }
        let date = format!("{}（{}）", first.date, first.age);
        let (h, c) = (x(&mut ui, text::G_REVIEW_COLUMNS[5]), x(&mut ui, &date));
        assert!((h - c).abs() < 1.0, "日付 at {h}, its column at {c}");
        // 種類 on one line: its text is one line high.
        let kind = ui.find(first.kind.as_str()).unwrap().bounds();
        assert!(kind.height < 25.0, "種類 wraps: {kind:?}");
        let import = ui.find(text::G_IMPORT).unwrap().bounds();
        assert!(
            import.y + import.height <= size.height && import.x + import.width <= size.width,
            "取り込む is outside the {size:?} window: {import:?}"
        );
        drop(ui);
    }

    // Twelve single-person rows: at least 11 are fully visible without scrolling.
    let many: Vec<_> = (0..14)
        .map(|i| {
            let mut r = rows
                .iter()
                .find(|r| r.person.1 == 1 && !r.flagged())
                .unwrap()
                .clone();
            r.id = 100 + i;
            r.name = format!("試験 {i:02}");
            r
        })
        .collect();
    app.screen = Screen::Prompt(Prompt::new(many));
    let mut ui = ui_at(&app, SMALL);
    let visible = (0..14)
        .filter(|i| {
            let t = ui.find(format!("試験 {i:02}").as_str()).unwrap();
            t.visible_bounds()
                .is_some_and(|v| v.height >= t.bounds().height - 0.5)
        })
        .count();
    assert!(visible >= 11, "only {visible} rows fit");
    drop(ui);
    app.screen = Screen::Prompt(Prompt::new(rows));
    snapshot(&mut ui_at(&app, SMALL), "prompt-1000x700");
}
