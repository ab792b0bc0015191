//! Runs one step of the sync engine on its own thread, so the window never freezes.
//!
//! The worker talks to the window through two channels: [`Event`]s out (progress, the import
//! prompt, the outcome, a refusal) and one [`Decision`] in (which rows staff accepted). It owns
//! no logic of its own: everything is [`crate::engine`].

use crate::engine::{self, Decision, ImportRow, Outcome};
use crate::error::Ui;
use crate::state::Installation;
use iced::futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// What the worker reports.
#[derive(Clone, Debug)]
pub enum Event {
    /// The clinic's import prompt: staff must decide (one row per person, see [`crate::review`]).
    Prompt(Vec<crate::review::Row>),
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

/// A running step.
pub struct Handle {
    /// Where the step's events arrive.
    pub events: UnboundedReceiver<Event>,
    /// Answers the import prompt.
    pub decide: mpsc::Sender<Decision>,
    /// Ends the terminal's wait for answers early (今すぐ終了).
    pub stop: Arc<AtomicBool>,
}

/// Starts this installation's step with the stick at `stick`; a verified update that arrived
/// is run by an installer from `installers` once the step has ended.
pub fn spawn(
    inst: Arc<Mutex<Installation>>,
    stick: PathBuf,
    opts: engine::Options,
    installers: super::Installers,
) -> Handle {
    let enrollable = stick.clone();
    run(inst, Some(enrollable), move |inst, frontend| {
        let mut out = engine::run_step(inst, &stick, opts, frontend)?;
        if out.update_ready.is_some() {
            // The step has ended and the stick is safe to remove: the verified update is
            // installed now (the installer stops this app and starts the new version). When it
            // cannot start, the step is still complete: the done screen says both.
            if let Err(e) = crate::update::install_ready(inst, &mut *installers()) {
                out.update_failed = Some((e.message().to_owned(), e.hint_for(Ui::Gui).to_owned()));
            }
        }
        Ok(out)
    })
}

/// Clinic, without a stick: the import prompt for the held results, then publishing the chosen
/// ones ([`engine::import_held`]).
pub fn spawn_held(inst: Arc<Mutex<Installation>>) -> Handle {
    run(inst, None, engine::import_held)
}

/// Runs `job` on its own thread with the window as its front end.
fn run(
    inst: Arc<Mutex<Installation>>,
    stick: Option<PathBuf>,
    job: impl FnOnce(&mut Installation, &mut dyn engine::Frontend) -> Result<Outcome, crate::Error>
    + Send
    + 'static,
) -> Handle {
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
                let result = job(&mut guard, &mut frontend);
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
                    f.enrollable = stick.clone();
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
    fn decide(&mut self, rows: &[ImportRow]) -> Decision {
        let today = chrono::Local::now().date_naive();
        let _ = self
            .tx
            .unbounded_send(Event::Prompt(crate::review::rows(rows, today)));
        // A closed window holds everything for the next prompt.
        self.decisions.recv().unwrap_or_else(|_| Decision::later())
    }

    fn progress(&mut self, event: engine::Progress) {
        let _ = self.tx.unbounded_send(Event::Progress(event));
    }

    fn stop_waiting(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}
