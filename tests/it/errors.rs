//! Every error staff can meet, as they read it: a snapshot of (kind, message, CLI hint, GUI hint)
//! for one value of every variant, committed in `tests/snapshots/errors.txt`.
//!
//! A change of wording, of exit code or of a front end's hint shows up as a diff of that file in
//! review. Rerun with `OQS_COURIER_UPDATE_SNAPSHOTS=1` to rewrite it when the change is wanted.
//! [`variant`] matches every variant without a catch-all, so a new one does not compile here
//! until it has a line in the snapshot too.

use oqs_courier::crypto::{self, Fingerprint};
use oqs_courier::engine::{EngineError, plan};
use oqs_courier::error::Ui;
use oqs_courier::{
    Error, detect, filename, journal, label, package, pairing, simulate, state, stick, text,
    transfer,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

const UPDATE_ENV: &str = "OQS_COURIER_UPDATE_SNAPSHOTS";

/// The variant's name, e.g. `State::NoHome` (nested errors by their inner variant).
fn variant(e: &Error) -> String {
    use package::Error as P;
    use state::Error as S;
    use stick::Error as K;
    use transfer::TransferError as T;
    let inner = |e: &dyn std::fmt::Debug| {
        let d = format!("{e:?}");
        d.split([' ', '(', '{'])
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let (outer, name) = match e {
        Error::State(e) => (
            "State",
            match e {
                S::NoHome => "NoHome".to_owned(),
                S::NotInitialized { .. } => "NotInitialized".to_owned(),
                S::AlreadyInitialized { .. } => "AlreadyInitialized".to_owned(),
                S::OqsDirMissing { .. } => "OqsDirMissing".to_owned(),
                S::NotPaired => "NotPaired".to_owned(),
                S::Io { .. } => "Io".to_owned(),
                S::Damaged { .. } => "Damaged".to_owned(),
                S::KeyLocked { .. } => "KeyLocked".to_owned(),
                S::Crypto(c) => format!("Crypto::{}", inner(c)),
                S::Journal(j) => format!("Journal::{}", inner(j)),
                S::Busy { .. } => "Busy".to_owned(),
            },
        ),
        Error::Stick(e) => (
            "Stick",
            match e {
                K::Missing { .. }
                | K::Io { .. }
                | K::Full { .. }
                | K::ReadOnly { .. }
                | K::NotEnrolled { .. }
                | K::OtherPair { .. }
                | K::BadMarker { .. }
                | K::Revoked { .. }
                | K::TooManyEntries { .. } => inner(e),
            },
        ),
        Error::Package(e) => (
            "Package",
            match e {
                P::Crypto(c) => format!("Crypto::{}", inner(c)),
                P::Io { .. }
                | P::StickFull { .. }
                | P::StickReadOnly { .. }
                | P::SourceChanged { .. }
                | P::BadName { .. }
                | P::UnsafeName { .. }
                | P::TooLarge { .. }
                | P::Malformed { .. }
                | P::FutureVersion { .. }
                | P::Renamed { .. }
                | P::UnknownSender { .. }
                | P::NotForUs { .. }
                | P::BadSignature { .. }
                | P::Tampered { .. }
                | P::DataMissing { .. }
                | P::DataNotRegular { .. }
                | P::DataLength { .. }
                | P::Checksum { .. } => inner(e),
            },
        ),
        Error::Pairing(e) => (
            "Pairing",
            match e {
                pairing::Error::NoCard { .. }
                | pairing::Error::BadCard { .. }
                | pairing::Error::OwnCard { .. } => inner(e),
            },
        ),
        Error::Transfer(e) => (
            "Transfer",
            match e {
                T::Incomplete { .. }
                | T::Conflict { .. }
                | T::DestinationMissing { .. }
                | T::Publish { .. }
                | T::NoName { .. }
                | T::NotAFile { .. }
                | T::SeqReused { .. } => inner(e),
            },
        ),
        Error::Name(e) => ("Name", inner(e)),
        Error::Crypto(e) => ("Crypto", inner(e)),
        Error::Simulate(e) => (
            "Simulate",
            match e {
                simulate::Error::NoOqsDir { .. }
                | simulate::Error::Io { .. }
                | simulate::Error::State { .. }
                | simulate::Error::Watch { .. } => inner(e),
            },
        ),
        Error::Engine(e) => (
            "Engine",
            match e {
                EngineError::FolderMissing { .. }
                | EngineError::Io { .. }
                | EngineError::Threat { .. }
                | EngineError::NoRoom { .. }
                | EngineError::ScanFailed { .. } => inner(e),
            },
        ),
        Error::Journal(e) => (
            "Journal",
            match e {
                journal::Error::Db { .. }
                | journal::Error::File { .. }
                | journal::Error::NewerSchema { .. } => inner(e),
            },
        ),
        Error::Drive(e) => (
            "Drive",
            match e {
                detect::Error::List { .. } => inner(e),
            },
        ),
        Error::Label(e) => ("Label", inner(e)),
        Error::Update(e) => ("Update", inner(e)),
    };
    format!("{outer}::{name}")
}

/// One value of every variant.
fn every_error() -> Vec<Error> {
    use package::Error as P;
    use state::Error as S;
    use stick::Error as K;
    use transfer::TransferError as T;
    let p = || PathBuf::from("E:\\OQSCOURIER\\x");
    let io = || std::io::Error::other("cause");
    let fp = Fingerprint([7; crypto::FINGERPRINT_LEN]);
    let name = || filename::Error::Reserved("CON".into());
    let cryptos = || {
        [
            crypto::Error::Random,
            crypto::Error::BadSecretKey,
            crypto::Error::BadPublicKey,
            crypto::Error::BadSignature,
            crypto::Error::Decrypt,
        ]
    };
    let journals = || {
        [
            journal::Error::Db {
                path: p(),
                source: rusqlite::Error::QueryReturnedNoRows,
            },
            journal::Error::File {
                path: p(),
                source: io(),
            },
            journal::Error::NewerSchema {
                path: p(),
                version: 99,
            },
        ]
    };
    let mut all: Vec<Error> = vec![
        S::NoHome.into(),
        S::NotInitialized { home: p() }.into(),
        S::AlreadyInitialized { home: p() }.into(),
        S::OqsDirMissing { path: p() }.into(),
        S::NotPaired.into(),
        S::Io {
            path: p(),
            source: io(),
        }
        .into(),
        S::Damaged {
            path: p(),
            why: "x".into(),
        }
        .into(),
        S::KeyLocked {
            path: p(),
            why: "x".into(),
        }
        .into(),
        S::Busy {
            home: p(),
            waited: Duration::from_secs(5),
        }
        .into(),
        K::Missing { path: p() }.into(),
        K::Io {
            path: p(),
            source: io(),
        }
        .into(),
        K::Full { path: p() }.into(),
        K::ReadOnly { path: p() }.into(),
        K::NotEnrolled { path: p() }.into(),
        K::OtherPair {
            path: p(),
            pair: "x".into(),
        }
        .into(),
        K::BadMarker {
            path: p(),
            why: "x",
        }
        .into(),
        K::Revoked { id: "x".into() }.into(),
        K::TooManyEntries { path: p() }.into(),
        P::Io {
            path: p(),
            source: io(),
        }
        .into(),
        P::StickFull { path: p() }.into(),
        P::StickReadOnly { path: p() }.into(),
        P::SourceChanged { path: p() }.into(),
        P::BadName {
            path: p(),
            source: name(),
        }
        .into(),
        P::UnsafeName {
            path: p(),
            source: name(),
        }
        .into(),
        P::TooLarge { size: 1 << 33 }.into(),
        P::Malformed {
            path: p(),
            why: "x",
        }
        .into(),
        P::FutureVersion {
            path: p(),
            version: 9,
        }
        .into(),
        P::Renamed {
            path: p(),
            id: "x".into(),
        }
        .into(),
        P::UnknownSender {
            path: p(),
            sender: fp,
        }
        .into(),
        P::NotForUs {
            path: p(),
            recipient: fp,
        }
        .into(),
        P::BadSignature { path: p() }.into(),
        P::Tampered {
            path: p(),
            offset: 1,
        }
        .into(),
        P::DataMissing { path: p() }.into(),
        P::DataNotRegular { path: p() }.into(),
        P::DataLength {
            path: p(),
            expected: 2,
            actual: 1,
        }
        .into(),
        P::Checksum { name: "x".into() }.into(),
        pairing::Error::NoCard {
            role: "clinic",
            path: p(),
        }
        .into(),
        pairing::Error::BadCard {
            path: p(),
            why: "x",
        }
        .into(),
        pairing::Error::OwnCard { path: p() }.into(),
        T::Incomplete { path: p() }.into(),
        T::Conflict { path: p() }.into(),
        T::DestinationMissing { path: p() }.into(),
        T::Publish {
            path: p(),
            source: io(),
        }
        .into(),
        T::NoName { path: p() }.into(),
        T::NotAFile { path: p() }.into(),
        T::SeqReused {
            path: p(),
            seq: 1,
            other: "x".into(),
        }
        .into(),
    ];
    all.extend(
        [
            filename::Error::Empty,
            filename::Error::TooLong("x".into()),
            filename::Error::ReservedPrefix("x".into()),
            filename::Error::Path("x".into()),
            filename::Error::BadCharacter("x".into()),
            filename::Error::Reserved("x".into()),
            filename::Error::ShortName("x".into()),
            filename::Error::TrailingDotOrSpace("x".into()),
            filename::Error::Duplicate("x".into()),
        ]
        .map(Error::from),
    );
    all.extend(cryptos().map(|c| Error::from(S::Crypto(c))));
    all.extend(cryptos().map(|c| Error::from(P::Crypto(c))));
    all.extend(cryptos().map(Error::from));
    all.extend(journals().map(|j| Error::from(S::Journal(j))));
    all.extend(journals().map(Error::from));
    all.extend([
        simulate::Error::NoOqsDir { path: p() }.into(),
        simulate::Error::Io {
            path: p(),
            source: io(),
        }
        .into(),
        simulate::Error::State { path: p() }.into(),
        simulate::Error::Watch {
            path: p(),
            why: "x".into(),
        }
        .into(),
        EngineError::FolderMissing {
            path: p(),
            sub: "Req",
        }
        .into(),
        EngineError::Io {
            path: p(),
            source: io(),
        }
        .into(),
        EngineError::Threat { said: "x".into() }.into(),
        EngineError::NoRoom {
            path: p(),
            room: plan::NoRoom {
                need_all: 2,
                room: 1,
                waiting: 1,
                waiting_bytes: 1,
            },
        }
        .into(),
        EngineError::ScanFailed { detail: "x".into() }.into(),
        detect::Error::List { source: "x".into() }.into(),
        label::Error::Empty.into(),
        label::Error::TooLong { chars: 65 }.into(),
        label::Error::Control.into(),
        label::Error::Padded.into(),
    ]);
    {
        use oqs_courier::update::UpdateError as U;
        let path = || std::path::PathBuf::from("x.exe");
        all.extend::<Vec<Error>>(vec![
            U::Io {
                path: path(),
                source: std::io::ErrorKind::NotFound.into(),
            }
            .into(),
            U::NotAnInstaller { path: path() }.into(),
            U::BadSignatureFile { path: path() }.into(),
            U::WrongKey { path: path() }.into(),
            U::Corrupted { path: path() }.into(),
            U::NoVersion { path: path() }.into(),
            U::NotNewer {
                version: "0.1.0".into(),
                running: "0.1.0".into(),
            }
            .into(),
            U::TerminalUnknown.into(),
            U::NoPrevious.into(),
            U::Declined { path: path() }.into(),
            U::InstallFailed {
                path: path(),
                detail: "x".into(),
            }
            .into(),
        ]);
    }
    all
}

fn render() -> String {
    let mut out = String::from(
        "# Every error staff can meet: variant | kind (exit code) | message | hint (CLI) | hint (GUI)\n\
         # tests/it/errors.rs writes it; a hint that is the same in both front ends shows as =\n\n",
    );
    for e in every_error() {
        let t = e.texts();
        let gui = t.hint(Ui::Gui);
        let gui = if gui == t.hint(Ui::Cli) { "=" } else { gui };
        out.push_str(&format!(
            "{} | {:?} ({}) | {} | {} | {}\n",
            variant(&e),
            t.kind,
            t.kind.exit_code(),
            t.message,
            t.hint(Ui::Cli),
            gui
        ));
    }
    out
}

#[test]
fn every_error_text_matches_the_snapshot() {
    let names: Vec<String> = every_error().iter().map(variant).collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a variant is listed twice");

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/errors.txt");
    let now = render();
    if std::env::var_os(UPDATE_ENV).is_some_and(|v| v == "1") {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed.replace("\r\n", "\n") == now,
        "the error texts differ from tests/snapshots/errors.txt; if the change is wanted, rerun \
         with {UPDATE_ENV}=1 and review the diff\n--- now:\n{now}"
    );
}

/// The accessors agree with the one decision, and the desktop app never names a command.
#[test]
fn gui_hints_never_name_a_command() {
    for e in every_error() {
        let t = e.texts();
        assert_eq!(e.kind(), t.kind);
        assert_eq!(e.message(), t.message);
        assert_eq!(e.hint(), t.hint(Ui::Cli));
        assert_eq!(e.hint_for(Ui::Gui), t.hint(Ui::Gui));
        let gui = t.hint(Ui::Gui);
        for command in [
            "oqs-courier init",
            "oqs-courier pair",
            "oqs-courier stick",
            "--",
            "pair export",
            "pair import",
            "stick enroll",
            "環境変数",
        ] {
            assert!(
                !gui.contains(command),
                "{}: the GUI hint names a command: {gui}",
                variant(&e)
            );
        }
    }
    assert!(!text::H_INIT_GUI.contains("init"));
}
