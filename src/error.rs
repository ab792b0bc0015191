//! The crate-wide error: one variant per module error, with what staff read.
//!
//! Rules for every error in this crate:
//! - each module has one `thiserror` enum; variants name the failed thing and carry its path;
//! - `Display` (English) is the developer detail: one sentence, what failed and where;
//! - [`Error::message`] is the one Japanese sentence staff read (from [`crate::text`]), saying
//!   what happened — and, when input was refused, that nothing was changed;
//! - [`Error::hint_for`] is the next step for staff, worded for the front end they use: the
//!   desktop app never tells staff to type a command ([`Ui`]);
//! - [`Error::kind`] groups errors for exit codes and the GUI: `Refused` (the stick's content was
//!   refused: exit 1) or `Environment` (set-up, stick or disk problem, or bad usage: exit 2).
//!
//! All three come from one exhaustive match ([`Error::texts`]) with no catch-all arm, so a new
//! variant of any module error does not compile until someone decides what staff read about it
//! and which exit code it gets. `tests/snapshots/errors.txt` shows every decision.

use crate::engine::EngineError;
use crate::{
    crypto, detect, filename, journal, label, package, pairing, simulate, state, stick, text,
    transfer, update,
};

/// How an error should be treated by a front end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The content of the stick was refused (verification failed). Exit code 1.
    Refused,
    /// Set-up, environment or usage problem. Exit code 2.
    Environment,
}

impl ErrorKind {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Refused => 1,
            ErrorKind::Environment => 2,
        }
    }
}

/// Which front end shows an error: the hint differs where it would name a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ui {
    /// The console program (`oqs-courier`): hints may name commands.
    Cli,
    /// The desktop app (`oqs-courier-gui`): hints name buttons and screens, never commands.
    Gui,
}

/// What staff read about one error, and how it is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Texts {
    /// Refused content or environment problem.
    pub kind: ErrorKind,
    /// What happened, in one Japanese sentence.
    pub message: &'static str,
    /// What to do next in the console program.
    pub cli_hint: &'static str,
    /// What to do next in the desktop app.
    pub gui_hint: &'static str,
}

impl Texts {
    /// The hint for `ui`.
    pub fn hint(&self, ui: Ui) -> &'static str {
        match ui {
            Ui::Cli => self.cli_hint,
            Ui::Gui => self.gui_hint,
        }
    }
}

/// A next step: the same in both front ends, or one per front end.
#[derive(Clone, Copy)]
struct Hint(&'static str, &'static str);

impl Hint {
    const fn both(h: &'static str) -> Self {
        Self(h, h)
    }
}

fn env(message: &'static str, hint: Hint) -> Texts {
    Texts {
        kind: ErrorKind::Environment,
        message,
        cli_hint: hint.0,
        gui_hint: hint.1,
    }
}

fn refused(message: &'static str, hint: Hint) -> Texts {
    Texts {
        kind: ErrorKind::Refused,
        ..env(message, hint)
    }
}

/// Any error of the courier.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state directory.
    #[error(transparent)]
    State(#[from] state::Error),
    /// The stick.
    #[error(transparent)]
    Stick(#[from] stick::Error),
    /// A package.
    #[error(transparent)]
    Package(#[from] package::Error),
    /// Pairing.
    #[error(transparent)]
    Pairing(#[from] pairing::Error),
    /// Seal/open orchestration.
    #[error(transparent)]
    Transfer(#[from] transfer::TransferError),
    /// A file name.
    #[error(transparent)]
    Name(#[from] filename::Error),
    /// A cryptographic primitive.
    #[error(transparent)]
    Crypto(#[from] crypto::Error),
    /// A simulator (development and test tool).
    #[error(transparent)]
    Simulate(#[from] simulate::Error),
    /// The sync engine (OQS folders, stored copies).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The journal (state and audit log in the state directory).
    #[error(transparent)]
    Journal(#[from] journal::Error),
    /// The list of drives (finding sticks).
    #[error(transparent)]
    Drive(#[from] detect::Error),
    /// A name given to this PC or a stick.
    #[error(transparent)]
    Label(#[from] label::Error),
    /// An update of oqs-courier was refused or could not be handled.
    #[error(transparent)]
    Update(#[from] update::UpdateError),
}

impl Error {
    /// Refused content or environment problem.
    pub fn kind(&self) -> ErrorKind {
        self.texts().kind
    }

    /// What happened, in one Japanese sentence for staff.
    pub fn message(&self) -> &'static str {
        self.texts().message
    }

    /// What to do next, in Japanese, for the console program ([`Error::hint_for`]).
    pub fn hint(&self) -> &'static str {
        self.hint_for(Ui::Cli)
    }

    /// What to do next, in Japanese, worded for `ui`.
    pub fn hint_for(&self, ui: Ui) -> &'static str {
        self.texts().hint(ui)
    }

    /// The figures behind the message, in Japanese, where they help staff decide (how much
    /// waits to travel and how much room it needs); shown after the message.
    pub fn figures(&self) -> Option<String> {
        match self {
            Error::Engine(EngineError::NoRoom { room, .. }) => Some(text::no_room(
                room.waiting,
                room.waiting_bytes,
                room.need_all,
                room.room,
            )),
            _ => None,
        }
    }

    /// Kind, message and hints: the one decision per variant (no catch-all arms).
    pub fn texts(&self) -> Texts {
        match self {
            Error::State(e) => state_texts(e),
            Error::Stick(e) => stick_texts(e),
            Error::Package(e) => package_texts(e),
            Error::Pairing(e) => pairing_texts(e),
            Error::Transfer(e) => transfer_texts(e),
            Error::Name(e) => name_texts(e),
            Error::Crypto(e) => crypto_texts(e),
            Error::Simulate(e) => simulate_texts(e),
            Error::Engine(e) => engine_texts(e),
            Error::Journal(e) => journal_texts(e),
            Error::Drive(e) => drive_texts(e),
            Error::Label(e) => label_texts(e),
            Error::Update(e) => {
                let (message, hint) = e.texts();
                if e.is_refusal() {
                    refused(message, Hint::both(hint))
                } else {
                    env(message, Hint::both(hint))
                }
            }
        }
    }
}

fn state_texts(e: &state::Error) -> Texts {
    use state::Error as S;
    use text::*;
    match e {
        S::NoHome => env(E_NO_HOME, Hint(H_NO_HOME, H_NO_HOME_GUI)),
        S::NotInitialized { .. } => env(E_NOT_INITIALIZED, Hint(H_INIT, H_INIT_GUI)),
        S::AlreadyInitialized { .. } => {
            env(E_ALREADY_INITIALIZED, Hint::both(H_ALREADY_INITIALIZED))
        }
        S::OqsDirMissing { .. } => env(E_OQS_DIR_MISSING, Hint::both(H_OQS_DIR)),
        S::NotPaired => env(E_NOT_PAIRED, Hint(H_PAIR, H_PAIR_GUI)),
        S::Io { .. } => env(E_STATE_IO, Hint::both(H_STATE)),
        S::Damaged { .. } => env(E_STATE_DAMAGED, Hint::both(H_STATE)),
        S::Crypto(
            crypto::Error::Random
            | crypto::Error::BadSecretKey
            | crypto::Error::BadPublicKey
            | crypto::Error::BadSignature
            | crypto::Error::Decrypt,
        ) => env(E_STATE_DAMAGED, Hint::both(H_STATE)),
        S::Journal(e) => journal_texts(e),
        S::Busy { .. } => env(E_BUSY, Hint::both(H_BUSY)),
        S::KeyLocked { .. } => env(E_KEY_LOCKED, Hint::both(H_KEY_LOCKED)),
    }
}

fn journal_texts(e: &journal::Error) -> Texts {
    use journal::Error as J;
    use text::*;
    match e {
        J::Db { .. } | J::File { .. } => env(E_STATE_IO, Hint::both(H_STATE)),
        J::NewerSchema { .. } => env(E_STATE_NEWER, Hint::both(H_UPDATE)),
    }
}

fn stick_texts(e: &stick::Error) -> Texts {
    use stick::Error as S;
    use text::*;
    match e {
        S::Missing { .. } => env(E_STICK_MISSING, Hint::both(H_STICK_MISSING)),
        S::Io { .. } => env(E_STICK_IO, Hint::both(H_STICK_IO)),
        S::Full { .. } => env(E_STICK_FULL, Hint::both(H_STICK_FULL)),
        S::ReadOnly { .. } => env(E_STICK_READ_ONLY, Hint::both(H_STICK_READ_ONLY)),
        S::TooManyEntries { .. } => refused(E_STICK_TOO_MANY, Hint::both(H_SUSPICIOUS)),
        S::NotEnrolled { .. } => refused(E_STICK_NOT_ENROLLED, Hint(H_ENROLL, H_ENROLL_GUI)),
        S::OtherPair { .. } => refused(E_STICK_OTHER_PAIR, Hint::both(H_SUSPICIOUS)),
        S::BadMarker { .. } => refused(E_STICK_BAD_MARKER, Hint::both(H_SUSPICIOUS)),
        S::Revoked { .. } => refused(E_STICK_REVOKED, Hint::both(H_SUSPICIOUS)),
    }
}

fn package_texts(e: &package::Error) -> Texts {
    use package::Error as P;
    use text::*;
    match e {
        P::Io { .. } => env(E_STICK_IO, Hint::both(H_STICK_IO)),
        P::StickFull { .. } => env(E_STICK_FULL, Hint::both(H_STICK_FULL)),
        P::StickReadOnly { .. } => env(E_STICK_READ_ONLY, Hint::both(H_STICK_READ_ONLY)),
        P::SourceChanged { .. } => env(E_SOURCE_CHANGED, Hint::both(H_RETRY_LATER)),
        P::BadName { .. } => env(E_BAD_NAME, Hint::both(H_BAD_NAME)),
        P::TooLarge { .. } => env(E_TOO_LARGE, Hint::both(H_TOO_LARGE)),
        P::FutureVersion { .. } => refused(E_FUTURE_VERSION, Hint::both(H_UPDATE)),
        P::UnknownSender { .. } => refused(E_UNKNOWN_SENDER, Hint::both(H_SUSPICIOUS)),
        P::NotForUs { .. } => refused(E_NOT_FOR_US, Hint::both(H_SUSPICIOUS)),
        P::DataMissing { .. } => refused(E_INCOMPLETE, Hint::both(H_INCOMPLETE)),
        P::UnsafeName { .. } => refused(E_UNSAFE_NAME, Hint::both(H_SUSPICIOUS)),
        P::Malformed { .. }
        | P::Renamed { .. }
        | P::BadSignature { .. }
        | P::Tampered { .. }
        | P::DataNotRegular { .. }
        | P::DataLength { .. }
        | P::Checksum { .. } => refused(E_TAMPERED, Hint::both(H_TAMPERED)),
        P::Crypto(e) => crypto_texts(e),
    }
}

fn pairing_texts(e: &pairing::Error) -> Texts {
    use pairing::Error as P;
    use text::*;
    match e {
        P::NoCard { .. } => env(E_NO_CARD, Hint(H_EXPORT_CARD, H_EXPORT_CARD_GUI)),
        P::BadCard { .. } => refused(E_BAD_CARD, Hint(H_EXPORT_CARD, H_EXPORT_CARD_GUI)),
        P::OwnCard { .. } => refused(E_OWN_CARD, Hint::both(H_OTHER_CARD)),
    }
}

fn transfer_texts(e: &transfer::TransferError) -> Texts {
    use text::*;
    use transfer::TransferError as T;
    match e {
        T::Incomplete { .. } => refused(E_INCOMPLETE, Hint::both(H_INCOMPLETE)),
        T::Conflict { .. } => refused(E_CONFLICT, Hint::both(H_CONFLICT)),
        T::DestinationMissing { .. } => env(E_DEST_MISSING, Hint::both(H_DEST)),
        T::Publish { .. } => env(E_PUBLISH, Hint::both(H_DEST)),
        T::NoName { .. } => env(E_BAD_NAME, Hint::both(H_BAD_NAME)),
        T::NotAFile { .. } => env(E_NOT_A_FILE, Hint::both(H_NOT_A_FILE)),
        T::SeqReused { .. } => refused(E_SEQ_REUSED, Hint::both(H_SEQ_REUSED)),
    }
}

fn name_texts(e: &filename::Error) -> Texts {
    use filename::Error as N;
    match e {
        N::Empty
        | N::TooLong(_)
        | N::ReservedPrefix(_)
        | N::Path(_)
        | N::BadCharacter(_)
        | N::Reserved(_)
        | N::ShortName(_)
        | N::TrailingDotOrSpace(_)
        | N::Duplicate(_) => env(text::E_BAD_NAME, Hint::both(text::H_BAD_NAME)),
    }
}

fn crypto_texts(e: &crypto::Error) -> Texts {
    use crypto::Error as C;
    match e {
        C::Random | C::BadSecretKey | C::BadPublicKey | C::BadSignature | C::Decrypt => {
            env(text::E_CRYPTO, Hint::both(text::H_RESTART))
        }
    }
}

fn simulate_texts(e: &simulate::Error) -> Texts {
    use simulate::Error as S;
    use text::*;
    match e {
        S::NoOqsDir { .. } => env(E_OQS_DIR_MISSING, Hint::both(H_OQS_DIR)),
        S::Io { .. } | S::State { .. } | S::Watch { .. } => env(E_SIMULATOR, Hint::both(H_OQS_DIR)),
    }
}

fn engine_texts(e: &EngineError) -> Texts {
    use text::*;
    match e {
        EngineError::FolderMissing { .. } => env(E_OQS_SUBFOLDER, Hint::both(H_OQS_DIR)),
        EngineError::Io { .. } => env(E_OQS_IO, Hint::both(H_STATE)),
        EngineError::Threat { .. } => refused(E_DEFENDER_THREAT, Hint::both(H_DEFENDER_THREAT)),
        EngineError::ScanFailed { .. } => env(E_DEFENDER_FAILED, Hint::both(H_DEFENDER_FAILED)),
        EngineError::NoRoom { .. } => env(E_STICK_FULL, Hint::both(H_STICK_FULL)),
    }
}

fn drive_texts(e: &detect::Error) -> Texts {
    match e {
        detect::Error::List { .. } => env(text::E_DRIVE_LIST, Hint::both(text::H_DRIVE_LIST)),
    }
}

fn label_texts(e: &label::Error) -> Texts {
    use label::Error as L;
    match e {
        L::Empty | L::TooLong { .. } | L::Control | L::Padded => {
            env(text::E_BAD_LABEL, Hint::both(text::H_BAD_LABEL))
        }
    }
}
