//! Runs one step of the sync engine on its own thread, so the window never freezes.
//!
//! The worker talks to the window through two channels: [`Event`]s out (progress, the import
//! prompt, the outcome, a refusal) and one [`Decision`] in (which rows staff accepted). It owns
//! no logic of its own: everything is [`crate::engine`].

use crate::engine::{self, ImportRow, Outcome};
use crate::error::Ui;
use crate::state::Installation;
use iced::futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// One row of the import prompt, ready to show.
#[derive(Clone, Debug)]
pub struct Row {
    /// Journal item id.
    pub id: i64,
    /// Kind (資格確認 / 顔認証 / 薬剤情報PDF / エラー …).
    pub kind: String,
    /// Patient name, if readable.
    pub name: String,
    /// Kana.
    pub kana: String,
    /// Birth date.
    pub birth: String,
    /// Insurer number.
    pub insurer: String,
    /// Validity word (有効 / 無効 / 該当資格なし …).
    pub validity: String,
    /// Date and age (本日 / 3日前 …).
    pub age: String,
    /// Stale (not today) — highlighted.
    pub stale: bool,
    /// An error result — its own colour.
    pub problem: bool,
    /// Error text or 内容を表示できません.
    pub note: String,
    /// Arrived flagged incomplete (its writer never finished it): not ticked at first.
    pub incomplete: bool,
    /// File name.
    pub file: String,
}

impl Row {
    fn from(r: &ImportRow, today: chrono::NaiveDate) -> Self {
        let s = &r.summary;
        let p = s.patients.first();
        let opt = |v: Option<String>| v.unwrap_or_default();
        // Error results stand out; a PDF or an encrypted file is normal, only not displayable.
        let problem = s.state == crate::oqs::State::Error;
        let note = match s.state {
            crate::oqs::State::Unreadable => crate::text::UNREADABLE.to_owned(),
            crate::oqs::State::Error => format!(
                "{} {}",
                opt(s.error_code.clone()),
                opt(s.error_message.clone())
            )
            .trim()
            .to_owned(),
            _ => String::new(),
        };
        Self {
            id: r.item.id,
            kind: s.kind_text().to_owned(),
            name: opt(p.and_then(|p| p.name.clone())),
            kana: opt(p.and_then(|p| p.kana.clone())),
            birth: p
                .and_then(|p| p.birth_date)
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default(),
            insurer: opt(p.and_then(|p| p.insurer_number.clone())),
            validity: p
                .and_then(|p| p.validity.as_ref())
                .or(s.validity.as_ref())
                .map(|v| v.text().to_owned())
                .unwrap_or_default(),
            age: s.age_text(today),
            stale: s.is_stale(today),
            problem,
            note,
            incomplete: r.item.incomplete,
            file: r.item.name.clone(),
        }
    }
}

/// What the worker reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// The clinic's import prompt: staff must decide.
    Prompt(Vec<Row>),
    /// What the step did so far (received, handed over, the terminal's wait).
    Progress(engine::Progress),
    /// The step is complete; the stick may be removed.
    Done(Outcome),
    /// The step was refused or failed.
    Failed(Failure),
}

/// Why a step did not complete.
#[derive(Clone, Debug)]
pub struct Failure {
    /// What happened (Japanese).
    pub what: String,
    /// What to do (Japanese).
    pub hint: String,
    /// The technical detail.
    pub detail: String,
    /// The stick is simply not enrolled: it may be enrolled from the refusal screen.
    pub enrollable: Option<PathBuf>,
}

impl Failure {
    fn new(what: &str, hint: &str, detail: String) -> Self {
        Self {
            what: what.to_owned(),
            hint: hint.to_owned(),
            detail,
            enrollable: None,
        }
    }
}

/// Staff's answer to the import prompt.
#[derive(Clone, Debug)]
pub enum Decision {
    /// Import these rows; the others are held for later.
    Import(Vec<i64>),
    /// Import nothing now.
    Later,
}

/// A running step.
pub struct Handle {
    /// Where the step's events arrive.
    pub events: UnboundedReceiver<Event>,
    /// Answers the import prompt.
    pub decide: mpsc::Sender<Decision>,
    /// Ends the terminal's wait for answers early (今すぐ終了).
    pub stop: Arc<AtomicBool>,
}

/// Starts this installation's step with the stick at `stick`.
pub fn spawn(inst: Arc<Mutex<Installation>>, stick: PathBuf, opts: engine::Options) -> Handle {
    let (tx, events) = unbounded();
    let (decide, decisions) = mpsc::channel();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    std::thread::spawn(move || {
        let result = match inst.lock() {
            Ok(mut guard) => {
                let mut frontend = GuiFrontend {
                    tx: &tx,
                    decisions: &decisions,
                    stop: &s,
                };
                let result = engine::run_step(&mut guard, &stick, opts, &mut frontend);
                s.store(false, Ordering::Relaxed);
                result.map_err(Some)
            }
            Err(_) => Err(None),
        };
        let event = match result {
            Ok(outcome) => Event::Done(outcome),
            Err(Some(e)) => {
                let what = match e.figures() {
                    Some(figures) => format!("{}\n{figures}", e.message()),
                    None => e.message().to_owned(),
                };
                let mut f = Failure::new(&what, e.hint_for(Ui::Gui), e.to_string());
                if matches!(
                    e,
                    crate::Error::Stick(crate::stick::Error::NotEnrolled { .. })
                ) {
                    f.enrollable = Some(stick.clone());
                }
                Event::Failed(f)
            }
            Err(None) => Event::Failed(Failure::new(
                crate::text::E_STATE_IO,
                crate::text::H_STATE,
                String::new(),
            )),
        };
        let _ = tx.unbounded_send(event);
    });
    Handle {
        events,
        decide,
        stop,
    }
}

/// The window as a step's front end: the prompt goes out as an event and staff's decision
/// comes back on a channel; 今すぐ終了 sets `stop`.
struct GuiFrontend<'a> {
    tx: &'a UnboundedSender<Event>,
    decisions: &'a mpsc::Receiver<Decision>,
    stop: &'a AtomicBool,
}

impl engine::Frontend for GuiFrontend<'_> {
    fn decide(&mut self, rows: &[ImportRow]) -> Vec<i64> {
        let today = chrono::Local::now().date_naive();
        let _ = self.tx.unbounded_send(Event::Prompt(
            rows.iter().map(|r| Row::from(r, today)).collect(),
        ));
        match self.decisions.recv() {
            Ok(Decision::Import(ids)) => ids,
            Ok(Decision::Later) | Err(_) => Vec::new(),
        }
    }

    fn progress(&mut self, event: engine::Progress) {
        let _ = self.tx.unbounded_send(Event::Progress(event));
    }

    fn stop_waiting(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}
