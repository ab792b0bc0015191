//! The crate-wide error: one variant per module error, with what staff read.
//!
//! Rules for every error in this crate:
//! - each module has one `thiserror` enum; variants name the failed thing and carry its path;
//! - `Display` (English) is the developer detail: one sentence, what failed and where;
//! - [`Error::message`] is the one Japanese sentence staff read (from [`crate::text`]), saying
//!   what happened — and, when input was refused, that nothing was changed;
//! - [`Error::hint`] is the next step for staff;
//! - [`Error::kind`] groups errors for exit codes and the GUI: `Refused` (the stick's content was
//!   refused: exit 1) or `Environment` (set-up, stick or disk problem, or bad usage: exit 2).

use crate::{crypto, filename, package, pairing, simulate, state, stick, text, transfer};

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
    Engine(#[from] crate::engine::EngineError),
}

impl Error {
    /// Refused content or environment problem.
    pub fn kind(&self) -> ErrorKind {
        use package::Error as P;
        match self {
            Error::Package(
                P::Malformed { .. }
                | P::FutureVersion { .. }
                | P::Renamed { .. }
                | P::UnsafeName { .. }
                | P::UnknownSender { .. }
                | P::NotForUs { .. }
                | P::BadSignature { .. }
                | P::Tampered { .. }
                | P::DataMissing { .. }
                | P::DataNotRegular { .. }
                | P::DataLength { .. }
                | P::Checksum { .. },
            )
            | Error::Pairing(pairing::Error::BadCard { .. } | pairing::Error::OwnCard { .. })
            | Error::Stick(
                stick::Error::TooManyEntries { .. }
                | stick::Error::NotEnrolled { .. }
                | stick::Error::OtherPair { .. }
                | stick::Error::BadMarker { .. }
                | stick::Error::Revoked { .. },
            )
            | Error::Transfer(
                transfer::TransferError::Incomplete { .. }
                | transfer::TransferError::Conflict { .. }
                | transfer::TransferError::SeqReused { .. },
            )
            | Error::Engine(crate::engine::EngineError::Threat { .. }) => ErrorKind::Refused,
            _ => ErrorKind::Environment,
        }
    }

    /// What happened, in one Japanese sentence for staff.
    pub fn message(&self) -> &'static str {
        self.texts().0
    }

    /// What to do next, in Japanese.
    pub fn hint(&self) -> &'static str {
        self.texts().1
    }

    /// The figures behind the message, in Japanese, where they help staff decide (how much
    /// waits to travel and how much room it needs); shown after the message.
    pub fn figures(&self) -> Option<String> {
        match self {
            Error::Engine(crate::engine::EngineError::NoRoom { room, .. }) => Some(text::no_room(
                room.waiting,
                room.waiting_bytes,
                room.need_all,
                room.room,
            )),
            _ => None,
        }
    }

    fn texts(&self) -> (&'static str, &'static str) {
        use package::Error as P;
        use text::*;
        match self {
            Error::State(e) => match e {
                state::Error::NoHome => (E_NO_HOME, H_NO_HOME),
                state::Error::NotInitialized { .. } => (E_NOT_INITIALIZED, H_INIT),
                state::Error::AlreadyInitialized { .. } => {
                    (E_ALREADY_INITIALIZED, H_ALREADY_INITIALIZED)
                }
                state::Error::OqsDirMissing { .. } => (E_OQS_DIR_MISSING, H_OQS_DIR),
                state::Error::NotPaired => (E_NOT_PAIRED, H_PAIR),
                state::Error::Io { .. } => (E_STATE_IO, H_STATE),
                state::Error::Damaged { .. } | state::Error::Crypto(_) => {
                    (E_STATE_DAMAGED, H_STATE)
                }
                state::Error::Journal(crate::journal::Error::NewerSchema { .. }) => {
                    (E_STATE_NEWER, H_UPDATE)
                }
                state::Error::Journal(_) => (E_STATE_IO, H_STATE),
                state::Error::Busy { .. } => (E_BUSY, H_BUSY),
                state::Error::KeyLocked { .. } => (E_KEY_LOCKED, H_KEY_LOCKED),
            },
            Error::Stick(e) => match e {
                stick::Error::Missing { .. } => (E_STICK_MISSING, H_STICK_MISSING),
                stick::Error::Io { .. } => (E_STICK_IO, H_STICK_IO),
                stick::Error::Full { .. } => (E_STICK_FULL, H_STICK_FULL),
                stick::Error::ReadOnly { .. } => (E_STICK_READ_ONLY, H_STICK_READ_ONLY),
                stick::Error::TooManyEntries { .. } => (E_STICK_TOO_MANY, H_SUSPICIOUS),
                stick::Error::NotEnrolled { .. } => (E_STICK_NOT_ENROLLED, H_ENROLL),
                stick::Error::OtherPair { .. } => (E_STICK_OTHER_PAIR, H_SUSPICIOUS),
                stick::Error::BadMarker { .. } => (E_STICK_BAD_MARKER, H_SUSPICIOUS),
                stick::Error::Revoked { .. } => (E_STICK_REVOKED, H_SUSPICIOUS),
            },
            Error::Package(e) => match e {
                P::Io { .. } => (E_STICK_IO, H_STICK_IO),
                P::StickFull { .. } => (E_STICK_FULL, H_STICK_FULL),
                P::StickReadOnly { .. } => (E_STICK_READ_ONLY, H_STICK_READ_ONLY),
                P::SourceChanged { .. } => (E_SOURCE_CHANGED, H_RETRY_LATER),
                P::BadName { .. } => (E_BAD_NAME, H_BAD_NAME),
                P::TooLarge { .. } => (E_TOO_LARGE, H_TOO_LARGE),
                P::FutureVersion { .. } => (E_FUTURE_VERSION, H_UPDATE),
                P::UnknownSender { .. } => (E_UNKNOWN_SENDER, H_SUSPICIOUS),
                P::NotForUs { .. } => (E_NOT_FOR_US, H_SUSPICIOUS),
                P::DataMissing { .. } => (E_INCOMPLETE, H_INCOMPLETE),
                P::UnsafeName { .. } => (E_UNSAFE_NAME, H_SUSPICIOUS),
                P::Malformed { .. }
                | P::Renamed { .. }
                | P::BadSignature { .. }
                | P::Tampered { .. }
                | P::DataNotRegular { .. }
                | P::DataLength { .. }
                | P::Checksum { .. } => (E_TAMPERED, H_TAMPERED),
                P::Crypto(_) => (E_CRYPTO, H_RESTART),
            },
            Error::Pairing(e) => match e {
                pairing::Error::NoCard { .. } => (E_NO_CARD, H_EXPORT_CARD),
                pairing::Error::BadCard { .. } => (E_BAD_CARD, H_EXPORT_CARD),
                pairing::Error::OwnCard { .. } => (E_OWN_CARD, H_OTHER_CARD),
            },
            Error::Transfer(e) => match e {
                transfer::TransferError::Incomplete { .. } => (E_INCOMPLETE, H_INCOMPLETE),
                transfer::TransferError::Conflict { .. } => (E_CONFLICT, H_CONFLICT),
                transfer::TransferError::DestinationMissing { .. } => (E_DEST_MISSING, H_DEST),
                transfer::TransferError::Publish { .. } => (E_PUBLISH, H_DEST),
                transfer::TransferError::NoName { .. } => (E_BAD_NAME, H_BAD_NAME),
                transfer::TransferError::NotAFile { .. } => (E_NOT_A_FILE, H_NOT_A_FILE),
                transfer::TransferError::SeqReused { .. } => (E_SEQ_REUSED, H_SEQ_REUSED),
            },
            Error::Name(_) => (E_BAD_NAME, H_BAD_NAME),
            Error::Crypto(_) => (E_CRYPTO, H_RESTART),
            Error::Simulate(simulate::Error::NoOqsDir { .. }) => (E_OQS_DIR_MISSING, H_OQS_DIR),
            Error::Simulate(_) => (E_SIMULATOR, H_OQS_DIR),
            Error::Engine(crate::engine::EngineError::FolderMissing { .. }) => {
                (E_OQS_SUBFOLDER, H_OQS_DIR)
            }
            Error::Engine(crate::engine::EngineError::Io { .. }) => (E_OQS_IO, H_STATE),
            Error::Engine(crate::engine::EngineError::Threat { .. }) => {
                (E_DEFENDER_THREAT, H_DEFENDER_THREAT)
            }
            Error::Engine(crate::engine::EngineError::ScanFailed { .. }) => {
                (E_DEFENDER_FAILED, H_DEFENDER_FAILED)
            }
            Error::Engine(crate::engine::EngineError::NoRoom { .. }) => {
                (E_STICK_FULL, H_STICK_FULL)
            }
        }
    }
}
