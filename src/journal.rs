//! The journal: this installation's durable memory, in one SQLite file in the state directory.
//!
//! Owns the outgoing sequence counter, the permanent "applied" ledger, what the peer has
//! acknowledged, the items waiting to travel or to be published (with their stored copies' ids),
//! the terminal's list of requests awaiting answers and of files already collected, the enrolled
//! and revoked sticks, and the audit log (作業履歴). Every change that must happen together
//! happens in one transaction; the database runs with `synchronous=FULL` so a committed
//! transaction survives power loss. Schema: `docs/JOURNAL.md`. This module does no file I/O
//! besides the database and knows nothing about sticks or packages beyond their ids.

use crate::oqs::folders::Sub;
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, ToSql, TransactionBehavior, params};
use std::path::{Path, PathBuf};

/// Schema version this build writes.
pub const SCHEMA_VERSION: i64 = 4;

/// The journal could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A database operation failed.
    #[error("journal {path}: {source}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A file operation that belongs to a transaction failed (the transaction is rolled back).
    #[error("cannot move {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The journal was written by a newer version.
    #[error("journal {path} has schema version {version}; this build knows {SCHEMA_VERSION}")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its version.
        version: i64,
    },
}

const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applied(
    sender TEXT NOT NULL, seq INTEGER NOT NULL, package_id TEXT NOT NULL, stick TEXT, time TEXT NOT NULL,
    PRIMARY KEY(sender, seq));
CREATE TABLE IF NOT EXISTS acked(peer TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(peer, seq));
CREATE TABLE IF NOT EXISTS sent(
    seq INTEGER PRIMARY KEY, package_id TEXT NOT NULL, peer TEXT NOT NULL, stick TEXT, time TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS item(
    id INTEGER PRIMARY KEY,
    dir TEXT NOT NULL CHECK(dir IN ('out', 'in')),
    name TEXT NOT NULL, folder TEXT NOT NULL, kind TEXT NOT NULL,
    size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    seq INTEGER,
    added TEXT NOT NULL, changed TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS item_state ON item(dir, state);
CREATE TABLE IF NOT EXISTS sent_item(seq INTEGER NOT NULL, item INTEGER NOT NULL, PRIMARY KEY(seq, item));
CREATE TABLE IF NOT EXISTS awaiting(name TEXT PRIMARY KEY COLLATE NOCASE, published TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collected(
    folder TEXT NOT NULL, name TEXT NOT NULL COLLATE NOCASE, sha256 TEXT NOT NULL, time TEXT NOT NULL,
    PRIMARY KEY(folder, name, sha256));
CREATE TABLE IF NOT EXISTS stick(
    id TEXT PRIMARY KEY, label TEXT NOT NULL, enrolled TEXT NOT NULL, revoked TEXT);
CREATE TABLE IF NOT EXISTS audit(
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, stick TEXT, direction TEXT NOT NULL,
    package_id TEXT, seq INTEGER, file TEXT, size INTEGER, sha256 TEXT, kind TEXT, summary TEXT,
    actor TEXT, outcome TEXT NOT NULL, reason TEXT);
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
";

/// The terminal's health reports as the clinic received them, one row per package (issue 16).
/// Added without a schema version: created on every open when missing, so a journal of schema 2
/// gains it in place and an older build that opens the journal again simply does not use it.
const SCHEMA_CARE: &str = r"
CREATE TABLE IF NOT EXISTS health(
    id INTEGER PRIMARY KEY, time TEXT NOT NULL, sender TEXT NOT NULL, seq INTEGER NOT NULL,
    skew_secs INTEGER, report TEXT NOT NULL);
";

/// Schema 2: a file name can be queued to travel only once at a time (a package cannot carry two
/// files of one name, so a second one would stop every later step), and an item can be flagged
/// incomplete (collected at the end of the wait while its content was still cut short). Created after
/// [`repair_v1`] has resolved what an earlier version could leave behind.
const SCHEMA_2: &str = r"
CREATE UNIQUE INDEX IF NOT EXISTS item_out_queued_name ON item(name COLLATE NOCASE)
    WHERE dir='out' AND state='queued';
ALTER TABLE item ADD COLUMN incomplete INTEGER NOT NULL DEFAULT 0;
";

/// Schema 3: indexes for a journal that holds years of history (hundreds of thousands of items,
/// millions of audit rows), so that what a step, `status`, `log` and the history screen look up
/// costs the same on the first day and after five years:
/// - `item_name`: "was this name with this content seen before" (`has_item`, `items_named`:
///   every received and collected file asks it);
/// - `audit_file`: the summary recorded for a file (`audit_summary`, the import prompt); only
///   rows that have a summary (see [`AUDIT_FILE_PARTIAL`]);
/// - `audit_outcome_time`: the newest rows of one outcome in a period (the history screen's
///   filters, `audit_rows_newest`); only the outcomes those filters ask for (see
///   [`AUDIT_OUTCOME_PARTIAL`]).
///
/// Only indexes: a version-2 program could still read the tables, but refuses the version.
const SCHEMA_3: &str = r"
CREATE INDEX IF NOT EXISTS item_name ON item(name COLLATE NOCASE, sha256);
CREATE INDEX IF NOT EXISTS audit_file ON audit(file COLLATE NOCASE, outcome)
    WHERE summary IS NOT NULL;
CREATE INDEX IF NOT EXISTS audit_outcome_time ON audit(outcome, time)
    WHERE outcome = 'published' OR outcome = 'held' OR outcome = 'refused';
";

/// `audit_file` holds only the rows that have a summary: its one reader ([`Journal::audit_summary`])
/// asks for `summary IS NOT NULL`, and rows without one (every `sealed`, `opened` and `received`
/// file row) made each of them an insertion at a random place of a large index — a third of
/// the journal's pages written by a seal of 10,000 files. Journals of schema 3 and 4 made
/// before had it over every row; [`Journal::open`] replaces it once. Not a schema version: a
/// program that knows only the full index finds one of that name (`IF NOT EXISTS`) and its
/// query uses this one the same way.
const AUDIT_FILE_PARTIAL: &str = r"
DROP INDEX IF EXISTS audit_file;
CREATE INDEX audit_file ON audit(file COLLATE NOCASE, outcome) WHERE summary IS NOT NULL;
";

/// `audit_outcome_time` holds only the rows of the outcomes that [`OUTCOMES_BY_TIME`] lists
/// (the history screen's filters: imported, held, refused), for the same reason as
/// [`AUDIT_FILE_PARTIAL`]: the other rows, most of all the `sealed` rows of a large package,
/// each cost an insertion into it that no query reads (about a quarter of the time of
/// writing a 10,000-file seal's rows). [`Journal::open`] replaces the full index once; its
/// queries name the outcome literally, since SQLite uses a partial index only for a `WHERE`
/// that names one of its terms. Not a schema version, as for `audit_file`.
const AUDIT_OUTCOME_PARTIAL: &str = r"
DROP INDEX IF EXISTS audit_outcome_time;
CREATE INDEX audit_outcome_time ON audit(outcome, time)
    WHERE outcome = 'published' OR outcome = 'held' OR outcome = 'refused';
";

/// The outcomes whose rows `audit_outcome_time` holds (its `WHERE`).
const OUTCOMES_BY_TIME: [Outcome; 3] = [Outcome::Published, Outcome::Held, Outcome::Refused];

/// Whether index `name` still covers every row (made before [`AUDIT_FILE_PARTIAL`] or
/// [`AUDIT_OUTCOME_PARTIAL`]).
fn index_is_full(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?;
    Ok(sql.is_some_and(|s| !s.to_ascii_uppercase().contains("WHERE")))
}

/// The indexes made partial after they were first released, each with the statements that
/// replace its full form.
const PARTIAL_INDEXES: [(&str, &str); 2] = [
    ("audit_file", AUDIT_FILE_PARTIAL),
    ("audit_outcome_time", AUDIT_OUTCOME_PARTIAL),
];

/// Schema 4: the clinic's requests that have no answer yet, so that `status` and the home
/// screen's "old unanswered requests" read only those and not every request and answer of the
/// history. One row per name that would answer an outgoing request (`oqs::expected_responses`
/// and `<request>.err`), written with the request ([`Tx::add_item`], [`Tx::queue_out`]);
/// all rows of a request go as soon as any of its names is received (the triggers made by
/// [`schema_4_triggers`], so every way an item enters or changes state keeps it right). Filled
/// once from the history when a journal of an earlier version is opened ([`fill_unanswered`]).
const SCHEMA_4: &str = r"
CREATE TABLE IF NOT EXISTS unanswered(
    name TEXT NOT NULL COLLATE NOCASE, item INTEGER NOT NULL, PRIMARY KEY(name, item)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS unanswered_item ON unanswered(item);
";

/// The triggers of schema 4: an incoming item in a received state (on insertion or when its
/// state changes) answers every request one of whose answer names it bears. The state words come
/// from [`State::RECEIVED`].
fn schema_4_triggers() -> String {
    let received = State::RECEIVED
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let body = "BEGIN DELETE FROM unanswered WHERE item IN \
        (SELECT item FROM unanswered WHERE name = NEW.name); END;";
    format!(
        "CREATE TRIGGER IF NOT EXISTS unanswered_in AFTER INSERT ON item \
           WHEN NEW.dir = 'in' AND NEW.state IN ({received}) {body}\n\
         CREATE TRIGGER IF NOT EXISTS unanswered_state AFTER UPDATE OF state ON item \
           WHEN NEW.dir = 'in' AND NEW.state IN ({received}) {body}"
    )
}

/// Records the names that would answer the outgoing request `id` named `name` — none when one
/// of them was received already (then it is answered, as it always was: a received name
/// answers every request it matches).
fn expect_answers(conn: &Connection, id: i64, name: &str) -> rusqlite::Result<()> {
    let mut names = crate::oqs::expected_responses(name);
    names.push(format!("{name}.err"));
    let marks = vec!["?"; State::RECEIVED.len()].join(", ");
    let mut seen = conn.prepare_cached(&format!(
        "SELECT 1 FROM item WHERE name = ?1 COLLATE NOCASE AND dir = 'in' AND state IN ({marks}) LIMIT 1"
    ))?;
    for n in &names {
        let args =
            std::iter::once(n as &dyn ToSql).chain(State::RECEIVED.iter().map(|s| s as &dyn ToSql));
        if seen.exists(rusqlite::params_from_iter(args))? {
            return Ok(());
        }
    }
    let mut add =
        conn.prepare_cached("INSERT OR IGNORE INTO unanswered(name, item) VALUES(?1, ?2)")?;
    for n in &names {
        add.execute(params![n, id])?;
    }
    Ok(())
}

/// Fills `unanswered` from the history (schema 3 → 4): every outgoing request is looked at once.
fn fill_unanswered(conn: &Connection) -> rusqlite::Result<()> {
    let mut st = conn.prepare("SELECT id, name FROM item WHERE dir = 'out' AND folder = ?1")?;
    let rows = st
        .query_map(params![Sub::Req], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, name) in rows {
        expect_answers(conn, id, &name)?;
    }
    Ok(())
}

/// A closed set of words the journal stores: the enum, its stored text, parsing, `Display`,
/// JSON as the text, and the SQLite conversions. Every state, direction and outcome is written
/// and read only through these — nowhere else in the crate is one spelled out.
macro_rules! stored_words {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored text.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value stored as `text`, if it is one.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let text = value.as_str()?;
                Self::parse(text).ok_or_else(|| {
                    FromSqlError::Other(
                        format!("not a {}: {text:?}", stringify!($name)).into(),
                    )
                })
            }
        }
    };
}

stored_words! {
    /// Which way an item travels, seen from this installation.
    Dir {
        /// To the peer (see [`State`] for its life).
        Out = "out",
        /// From the peer.
        In = "in",
    }
}

stored_words! {
    /// Where an item is in its life.
    ///
    /// Outgoing: [`State::Queued`] (waiting to travel, or travelling), then [`State::Acked`];
    /// [`State::Deferred`] while another file of the same name is queued (queued once that one is
    /// acknowledged); [`State::Duplicate`] for a second copy of a queued file (never travels).
    /// Incoming: [`State::Pending`] (not yet published), [`State::Held`] (staff chose later),
    /// [`State::Publishing`], [`State::Published`], or [`State::Dropped`] (staff chose not to
    /// import it, with a reason); [`State::Duplicate`] for a second copy of a received file. Either way [`State::Lost`] when its stored copy disappeared (audited).
    State {
        /// Outgoing: waiting to travel or travelling, not yet acknowledged.
        Queued = "queued",
        /// Outgoing: waits for an earlier file of the same name to be acknowledged.
        Deferred = "deferred",
        /// Outgoing: the peer acknowledged the package that carried it.
        Acked = "acked",
        /// A second copy of a file already in the journal.
        Duplicate = "duplicate",
        /// Its stored copy disappeared.
        Lost = "lost",
        /// Incoming: received, not yet published or shown.
        Pending = "pending",
        /// Incoming: staff chose to import it later.
        Held = "held",
        /// Incoming: being renamed into its OQS folder (see `engine` on crash recovery).
        Publishing = "publishing",
        /// Incoming: in its OQS folder.
        Published = "published",
        /// Incoming: staff chose not to import it (取り込まない, audited with the reason); it
        /// never shows in a prompt again.
        Dropped = "dropped",
    }
}

impl ToSql for Sub {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.label()))
    }
}

impl FromSql for Sub {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Sub::from_label(text)
            .ok_or_else(|| FromSqlError::Other(format!("not an OQS folder: {text:?}").into()))
    }
}

impl State {
    /// Outgoing items that still travel.
    pub const WAITING_OUT: &'static [State] = &[State::Queued, State::Deferred];
    /// Incoming items waiting for staff.
    pub const WAITING_IN: &'static [State] = &[State::Pending, State::Held];
    /// Incoming items received at some time (a copy of any of them is a duplicate).
    pub const RECEIVED: &'static [State] = &[
        State::Pending,
        State::Held,
        State::Publishing,
        State::Published,
        State::Dropped,
    ];
    /// Outgoing items collected at some time (a copy of any of them is not collected again).
    pub const COLLECTED: &'static [State] = &[State::Queued, State::Deferred, State::Acked];
}

stored_words! {
    /// Which way an audited event went.
    Flow {
        /// Stick → this PC.
        In = "in",
        /// This PC → stick.
        Out = "out",
        /// On this PC only (OQS folders, settings, enrolment).
        Local = "local",
    }
}

stored_words! {
    /// What an audit row records.
    Outcome {
        /// Taken out of an OQS folder into the outbox.
        Collected = "collected",
        /// Written into a package.
        Sealed = "sealed",
        /// Received from a package and stored.
        Received = "received",
        /// Extracted by `open` (the CLI tool).
        Opened = "opened",
        /// Put into its OQS folder.
        Published = "published",
        /// Staff chose to import it later.
        Held = "held",
        /// Staff chose not to import it (取り込まない); `reason` says why, `actor` who.
        Dropped = "dropped",
        /// A stick or its content was refused.
        Refused = "refused",
        /// A copy of something received before; ignored.
        DuplicateIgnored = "duplicate-ignored",
        /// A stick was enrolled.
        Enrolled = "enrolled",
        /// A stick was revoked.
        Revoked = "revoked",
        /// The journal repaired what an interruption or an older version left.
        Repaired = "repaired",
        /// The key file was protected (Windows DPAPI).
        Protected = "protected",
        /// The owner PIN was set for the first time.
        PinSet = "pin-set",
        /// The owner PIN was replaced.
        PinChanged = "pin-changed",
        /// Too many wrong owner PINs in a row: the PIN is locked for a while.
        PinLocked = "pin-locked",
        /// Clinic: the owner changed the terminal's settings; they travel in the next package.
        SettingsSent = "settings-sent",
        /// Terminal: settings from the clinic were applied.
        SettingsApplied = "settings-applied",
        /// Clinic: the terminal confirmed that it runs the settings sent.
        SettingsConfirmed = "settings-confirmed",
        /// An update of oqs-courier was verified and kept: queued to travel (clinic) or whole
        /// and waiting for the end of the step (terminal).
        UpdateStaged = "update-staged",
        /// Terminal: an installer was started (an update or a roll-back).
        UpdateInstalled = "update-installed",
        /// Clinic: the terminal reports the version of the update it was sent.
        UpdateDone = "update-done",
    }
}

/// One file the journal tracks; its bytes are stored as `store/<id>` in the state directory.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Item {
    /// Row id (also the stored copy's file name).
    pub id: i64,
    /// Original file name.
    pub name: String,
    /// OQS subfolder it belongs in on the receiving side.
    pub folder: Sub,
    /// Kind label (see `oqs::Kind::label`).
    pub kind: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// State.
    pub state: State,
    /// Sequence number of the package that brought it (in) or last carried it (out).
    pub seq: Option<u64>,
    /// When it entered the journal.
    pub added: String,
    /// Collected although its content was incomplete (see `oqs::complete`), after waiting the
    /// longest time the settings allow; shown as an error row in the import prompt.
    pub incomplete: bool,
}

/// A new item for [`Tx::add_item`].
#[derive(Clone, Copy, Debug)]
pub struct NewItem<'a> {
    /// Direction.
    pub dir: Dir,
    /// File name.
    pub name: &'a str,
    /// Destination subfolder.
    pub folder: Sub,
    /// Kind label.
    pub kind: &'a str,
    /// Size.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: &'a str,
    /// Initial state.
    pub state: State,
    /// Package sequence number, if any.
    pub seq: Option<u64>,
    /// Its content is known to be incomplete (see [`Item::incomplete`]).
    pub incomplete: bool,
}

/// What [`Tx::queue_out`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queued {
    /// Queued to travel in the next package (the new item's id).
    Queued(i64),
    /// Another file of the same name is queued; this one waits its turn (the new item's id).
    Deferred(i64),
}

impl Queued {
    /// The new item's id.
    pub fn id(self) -> i64 {
        match self {
            Queued::Queued(id) | Queued::Deferred(id) => id,
        }
    }
}

/// An enrolled (or seen) stick.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StickRecord {
    /// Stick id (hex).
    pub id: String,
    /// Its label.
    pub label: String,
    /// When it was enrolled or first seen here.
    pub enrolled: String,
    /// When it was revoked here, if it was.
    pub revoked: Option<String>,
}

/// A row of the audit log (作業履歴).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditRow {
    /// Row id (0 before insertion).
    pub id: i64,
    /// Local time, RFC 3339.
    pub time: String,
    /// Stick id, if a stick was involved.
    pub stick: Option<String>,
    /// Which way it went.
    pub direction: Flow,
    /// Package id.
    pub package_id: Option<String>,
    /// Package sequence number.
    pub seq: Option<u64>,
    /// File name.
    pub file: Option<String>,
    /// File size.
    pub size: Option<u64>,
    /// File SHA-256.
    pub sha256: Option<String>,
    /// Kind label.
    pub kind: Option<String>,
    /// Short summary (patient, state) as shown to staff.
    pub summary: Option<String>,
    /// Who confirmed (the logged-in user, or `auto`).
    pub actor: Option<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Why (refusals, skips).
    pub reason: Option<String>,
}

impl AuditRow {
    /// A row of `outcome` going `direction`, every other field empty (the time is set when it
    /// is written).
    pub fn new(direction: Flow, outcome: Outcome) -> Self {
        Self {
            id: 0,
            time: String::new(),
            stick: None,
            direction,
            package_id: None,
            seq: None,
            file: None,
            size: None,
            sha256: None,
            kind: None,
            summary: None,
            actor: None,
            outcome,
            reason: None,
        }
    }
}

/// The journal of one installation.
pub struct Journal {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Local time now, RFC 3339 with offset.
pub fn now() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

fn ranges(mut seqs: Vec<u64>) -> Vec<[u64; 2]> {
    seqs.sort_unstable();
    seqs.dedup();
    let mut out: Vec<[u64; 2]> = Vec::new();
    for s in seqs {
        match out.last_mut() {
            Some(r) if r[1] + 1 == s => r[1] = s,
            _ => out.push([s, s]),
        }
    }
    out
}

impl Journal {
    /// Opens (creating if needed) the journal at `path`.
    pub fn open(path: &Path) -> Result<Self, Error> {
        let db = |source| Error::Db {
            path: path.to_owned(),
            source,
        };
        let mut conn = Connection::open(path).map_err(db)?;
        // cache_spill: a transaction keeps up to 4096 changed pages (16 MiB) in memory before
        // it writes any of them to the log ahead of its commit. The default (the cache size,
        // about 500 pages) made the commit of a 10,000-file seal (about 800 pages) write a few
        // hundred pages twice. Reads stay within the default cache size.
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; \
             PRAGMA cache_spill=4096;",
        )
        .map_err(db)?;
        // The write-ahead log stays when the journal is closed: no checkpoint on close, so the
        // file is not removed either. Every command is its own process, and closing used to
        // cost two flushes (the log, then the database after copying it back) and the next
        // opening two more (the new log's header and its folder): four of the nine flushes of
        // a small `seal`. Durability is unchanged — a transaction is durable once its commit
        // has flushed the log (`synchronous=FULL`); SQLite copies the log into the database
        // when it has grown past 1000 pages (automatic checkpoint, in the committing process)
        // and reads it on every opening, after a crash too. [`Journal::checkpoint`] folds it
        // in on request.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .map_err(db)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key='schema_version'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        match version.and_then(|v| v.parse::<i64>().ok()) {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(Error::NewerSchema {
                    path: path.to_owned(),
                    version: v,
                });
            }
            Some(SCHEMA_VERSION) => {}
            Some(v) => {
                // Version 1: repair what it may have left (see `repair_v1`), then add the
                // constraint that keeps it from happening again; every version: the indexes
                // of version 3 and the unanswered requests of version 4. In one transaction.
                let tx = conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(db)?;
                if v < 2 {
                    repair_v1(&tx).map_err(db)?;
                    tx.execute_batch(SCHEMA_2).map_err(db)?;
                }
                tx.execute_batch(SCHEMA_3).map_err(db)?;
                tx.execute_batch(SCHEMA_4).map_err(db)?;
                tx.execute_batch(&schema_4_triggers()).map_err(db)?;
                if v < 4 {
                    fill_unanswered(&tx).map_err(db)?;
                }
                tx.execute(
                    "UPDATE meta SET value=?1 WHERE key='schema_version'",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(db)?;
                tx.commit().map_err(db)?;
            }
            None => {
                conn.execute_batch(SCHEMA_2).map_err(db)?;
                conn.execute_batch(SCHEMA_3).map_err(db)?;
                conn.execute_batch(SCHEMA_4).map_err(db)?;
                conn.execute_batch(&schema_4_triggers()).map_err(db)?;
                conn.execute(
                    "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?1), ('next_seq', '1')",
                    params![SCHEMA_VERSION.to_string()],
                )
                .map_err(db)?;
            }
        }
        conn.execute_batch(SCHEMA_CARE).map_err(db)?;
        let full = |conn: &Connection| -> rusqlite::Result<Vec<&str>> {
            let mut out = Vec::new();
            for (name, replace) in PARTIAL_INDEXES {
                if index_is_full(conn, name)? {
                    out.push(replace);
                }
            }
            Ok(out)
        };
        if !full(&conn).map_err(db)?.is_empty() {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            // Checked again under the write lock: another process may have done it meanwhile.
            for replace in full(&tx).map_err(db)? {
                tx.execute_batch(replace).map_err(db)?;
            }
            tx.commit().map_err(db)?;
        }
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    fn db(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |source| Error::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key=?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())
    }

    /// Stores a free-form value (e.g. the time of the last trip).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)",
                params![key, value],
            )
            .map(|_| ())
            .map_err(self.db())
    }

    /// Reads a free-form value.
    pub fn get_meta(&self, key: &str) -> Result<Option<String>, Error> {
        self.meta(key)
    }

    /// Takes the next outgoing sequence number; committed before the package is written, so a
    /// crash can only burn a number, never reuse one.
    pub fn take_seq(&mut self) -> Result<u64, Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| Error::Db {
                path: self.path.clone(),
                source,
            })?;
        let next: u64 = tx
            .query_row("SELECT value FROM meta WHERE key='next_seq'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(|source| Error::Db {
                path: self.path.clone(),
                source,
            })?
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES('next_seq', ?1)",
            params![(next + 1).to_string()],
        )
        .map_err(|source| Error::Db {
            path: self.path.clone(),
            source,
        })?;
        tx.commit().map_err(|source| Error::Db {
            path: self.path.clone(),
            source,
        })?;
        Ok(next)
    }

    /// Whether package `seq` from `sender` was applied here.
    pub fn is_applied(&self, sender: &str, seq: u64) -> Result<bool, Error> {
        self.conn
            .query_row(
                "SELECT 1 FROM applied WHERE sender=?1 AND seq=?2",
                params![sender, seq],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(self.db())
    }

    /// The id of the package `seq` from `sender` that was applied here, if one was.
    pub fn applied_package(&self, sender: &str, seq: u64) -> Result<Option<String>, Error> {
        self.conn
            .query_row(
                "SELECT package_id FROM applied WHERE sender=?1 AND seq=?2",
                params![sender, seq],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db())
    }

    /// Sequence numbers applied from `sender`, as ranges (what we acknowledge).
    pub fn applied_ranges(&self, sender: &str) -> Result<Vec<[u64; 2]>, Error> {
        self.seqs("SELECT seq FROM applied WHERE sender=?1", sender)
            .map(ranges)
    }

    /// Our sequence numbers the peer acknowledged, as ranges.
    pub fn acked_ranges(&self, peer: &str) -> Result<Vec<[u64; 2]>, Error> {
        self.seqs("SELECT seq FROM acked WHERE peer=?1", peer)
            .map(ranges)
    }

    fn seqs(&self, sql: &str, key: &str) -> Result<Vec<u64>, Error> {
        let mut st = self.conn.prepare_cached(sql).map_err(self.db())?;
        let rows = st
            .query_map(params![key], |r| r.get::<_, u64>(0))
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// Runs `f` in one transaction: all of its changes land, or none.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.transaction_if(|tx| f(tx).map(|out| (true, out)))
            .map(|(_, out)| out)
    }

    /// [`Journal::transaction`] whose `f` decides at its end: its changes land when it returns
    /// `true` with its result, none of them when it returns `false` (or an error).
    pub fn transaction_if<T>(
        &mut self,
        f: impl FnOnce(&Tx<'_>) -> Result<(bool, T), Error>,
    ) -> Result<(bool, T), Error> {
        let path = self.path.clone();
        // IMMEDIATE: the write lock is taken before the first read, so what `f` checks is still
        // true when it writes, whoever else has the database open.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|source| Error::Db {
                path: path.clone(),
                source,
            })?;
        let (keep, out) = f(&Tx {
            tx: &tx,
            path: &path,
        })?;
        if keep {
            tx.commit().map_err(|source| Error::Db { path, source })?;
        }
        // Otherwise dropping `tx` rolls it back.
        Ok((keep, out))
    }

    /// Items in direction `dir` whose state is one of `states`, oldest first (through the
    /// `item_state` index: the cost follows the matching rows, not the history).
    pub fn items(&self, dir: Dir, states: &[State]) -> Result<Vec<Item>, Error> {
        let marks = vec!["?"; states.len()].join(", ");
        let sql = format!(
            "SELECT id, name, folder, kind, size, sha256, state, seq, added, incomplete FROM item \
             WHERE dir=? AND state IN ({marks}) ORDER BY id"
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(self.db())?;
        let rows = st
            .query_map(
                rusqlite::params_from_iter(dir_states(dir, states)),
                item_from_row,
            )
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// Items in direction `dir` named `name` (letter case ignored), newest first, whatever
    /// their state.
    pub fn items_named(&self, dir: Dir, name: &str) -> Result<Vec<Item>, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT id, name, folder, kind, size, sha256, state, seq, added, incomplete FROM item \
                 WHERE dir=?1 AND name=?2 COLLATE NOCASE ORDER BY id DESC",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map(params![dir, name], item_from_row)
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// The summary of the newest audit row of `outcome` for the file `file` (letter case
    /// ignored), if it has one.
    pub fn audit_summary(&self, file: &str, outcome: Outcome) -> Result<Option<String>, Error> {
        self.conn
            .query_row(
                "SELECT summary FROM audit WHERE file=?1 COLLATE NOCASE AND outcome=?2 \
                 AND summary IS NOT NULL ORDER BY id DESC LIMIT 1",
                params![file, outcome],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.db())
    }

    /// How many items in direction `dir` have one of `states` (counted by the `item_state`
    /// index, nothing loaded).
    pub fn count_items(&self, dir: Dir, states: &[State]) -> Result<usize, Error> {
        let marks = vec!["?"; states.len()].join(", ");
        let sql = format!("SELECT COUNT(*) FROM item WHERE dir=? AND state IN ({marks})");
        let mut st = self.conn.prepare_cached(&sql).map_err(self.db())?;
        st.query_row(rusqlite::params_from_iter(dir_states(dir, states)), |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| usize::try_from(n).unwrap_or(0))
        .map_err(self.db())
    }

    /// How many outgoing requests (folder Req) with one of `states` entered the journal before
    /// `before` (RFC 3339) and have no answer yet (none of the names that would answer them was
    /// received). Reads only the unanswered requests (table `unanswered`), not the history.
    pub fn count_unanswered(&self, states: &[State], before: &str) -> Result<usize, Error> {
        let marks = vec!["?"; states.len()].join(", ");
        let sql = format!(
            "SELECT COUNT(*) FROM item WHERE id IN (SELECT item FROM unanswered) \
             AND dir = 'out' AND folder = ? AND state IN ({marks}) AND added < ?"
        );
        let mut st = self.conn.prepare_cached(&sql).map_err(self.db())?;
        let mut args: Vec<&dyn ToSql> = vec![&Sub::Req];
        args.extend(states.iter().map(|s| s as &dyn ToSql));
        args.push(&before);
        st.query_row(rusqlite::params_from_iter(args), |r| r.get::<_, i64>(0))
            .map(|n| usize::try_from(n).unwrap_or(0))
            .map_err(self.db())
    }

    /// Whether an item with this name and content was ever recorded in direction `dir` with
    /// one of `states`.
    pub fn has_item(
        &self,
        dir: Dir,
        name: &str,
        sha256: &str,
        states: &[State],
    ) -> Result<bool, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT state FROM item WHERE dir=?1 AND name=?2 COLLATE NOCASE AND sha256=?3",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map(params![dir, name, sha256], |r| r.get::<_, State>(0))
            .map_err(self.db())?;
        let found = rows.collect::<Result<Vec<_>, _>>().map_err(self.db())?;
        Ok(found.iter().any(|s| states.contains(s)))
    }

    /// The packages each queued outgoing item travelled in so far: `(item id, seq)` pairs. What
    /// an acknowledgement of those sequence numbers would settle (see `engine::dry_run`).
    pub fn queued_sent_seqs(&self) -> Result<Vec<(i64, u64)>, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT sent_item.item, sent_item.seq FROM sent_item JOIN item ON item.id = sent_item.item \
                 WHERE item.dir='out' AND item.state='queued'",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// Copies the write-ahead log into the database file and empties it, so that the file
    /// alone holds everything (a copy of `journal.sqlite3` without its `-wal`, e.g. a fixture).
    pub fn checkpoint(&self) -> Result<(), Error> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(self.db())
    }

    /// SQLite's `PRAGMA quick_check`: the problems it found, none when the database is sound.
    pub fn quick_check(&self) -> Result<Vec<String>, Error> {
        let mut st = self.conn.prepare("PRAGMA quick_check").map_err(self.db())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.db())?;
        let found = rows.collect::<Result<Vec<_>, _>>().map_err(self.db())?;
        Ok(found.into_iter().filter(|r| r != "ok").collect())
    }

    /// How many files wait to be sent (queued or deferred) and to be imported (pending or held).
    pub fn counts(&self) -> Result<(u64, u64), Error> {
        self.conn
            .query_row(
                "SELECT \
                   (SELECT COUNT(*) FROM item WHERE dir='out' AND state IN ('queued','deferred')), \
                   (SELECT COUNT(*) FROM item WHERE dir='in' AND state IN ('pending','held'))",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.db())
    }

    /// Requests published into Req that have no answer yet (terminal), with publish times.
    pub fn awaiting(&self) -> Result<Vec<(String, String)>, Error> {
        let mut st = self
            .conn
            .prepare_cached("SELECT name, published FROM awaiting ORDER BY published")
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// Whether this file was already collected from `folder` (terminal).
    pub fn was_collected(&self, folder: Sub, name: &str, sha256: &str) -> Result<bool, Error> {
        self.conn
            .query_row(
                "SELECT 1 FROM collected WHERE folder=?1 AND name=?2 AND sha256=?3",
                params![folder, name, sha256],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(self.db())
    }

    /// Enrolled or seen sticks, oldest first.
    pub fn sticks(&self) -> Result<Vec<StickRecord>, Error> {
        let mut st = self
            .conn
            .prepare_cached("SELECT id, label, enrolled, revoked FROM stick ORDER BY enrolled")
            .map_err(self.db())?;
        let rows = st
            .query_map([], |r| {
                Ok(StickRecord {
                    id: r.get(0)?,
                    label: r.get(1)?,
                    enrolled: r.get(2)?,
                    revoked: r.get(3)?,
                })
            })
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// Whether the stick `id` was revoked here.
    pub fn is_revoked(&self, id: &str) -> Result<bool, Error> {
        self.conn
            .query_row(
                "SELECT 1 FROM stick WHERE id=?1 AND revoked IS NOT NULL",
                params![id],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(self.db())
    }

    /// Records a stick (enrolled here or first seen here) if unknown.
    pub fn note_stick(&self, id: &str, label: &str) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO stick(id, label, enrolled) VALUES(?1, ?2, ?3)",
                params![id, label, now()],
            )
            .map(|_| ())
            .map_err(self.db())
    }

    /// Marks a stick revoked; returns false when it is unknown.
    pub fn revoke_stick(&self, id: &str) -> Result<bool, Error> {
        self.conn
            .execute(
                "UPDATE stick SET revoked=?2 WHERE id=?1 AND revoked IS NULL",
                params![id, now()],
            )
            .map(|n| n > 0)
            .map_err(self.db())
    }

    /// Appends one audit row outside any other transaction.
    pub fn audit(&self, row: &AuditRow) -> Result<(), Error> {
        insert_audit(&self.conn, row).map_err(self.db())
    }

    /// Audit rows at or after `since` (RFC 3339 prefix compare; `None`: all), oldest first.
    /// Loads them all: for a long period use [`Journal::each_audit_row`] or
    /// [`Journal::audit_rows_newest`].
    pub fn audit_rows(&self, since: Option<&str>) -> Result<Vec<AuditRow>, Error> {
        let mut out = Vec::new();
        self.each_audit_row(since, |r| {
            out.push(r);
            Ok::<_, Error>(())
        })?;
        Ok(out)
    }

    /// Calls `f` with every audit row at or after `since`, oldest first, one at a time (memory
    /// stays flat however long the history is: `log --csv`, the export). Stops at the first
    /// error `f` returns.
    pub fn each_audit_row<E: From<Error>>(
        &self,
        since: Option<&str>,
        mut f: impl FnMut(AuditRow) -> Result<(), E>,
    ) -> Result<(), E> {
        // With a period, the rows are found through the time index and put in order afterwards
        // (a sort of the period's rows; SQLite spills a large sort to a temporary file, so
        // memory stays flat): left to itself SQLite would walk every row of the history in id
        // order to avoid that sort. Without one, every row in id order, no sort.
        let since = since.filter(|s| !s.is_empty());
        let sql = if since.is_some() {
            format!(
                "SELECT {AUDIT_COLUMNS} FROM audit INDEXED BY audit_time WHERE time >= ?1 ORDER BY id"
            )
        } else {
            format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY id")
        };
        let mut st = self.conn.prepare_cached(&sql).map_err(self.db())?;
        let mut rows = match since {
            Some(since) => st.query(params![since]),
            None => st.query([]),
        }
        .map_err(self.db())?;
        while let Some(r) = rows.next().map_err(self.db())? {
            f(audit_from_row(r).map_err(self.db())?)?;
        }
        Ok(())
    }

    /// The newest `limit` audit rows at or after `since` (`None`: all), newest first, and for
    /// each of `outcomes` the newest `limit` rows of that outcome too (so that a screen that
    /// filters by outcome still finds its newest `limit` rows), each row once. Reads through the
    /// time indexes: the cost follows `limit`, not the length of the history.
    pub fn audit_rows_newest(
        &self,
        since: Option<&str>,
        outcomes: &[Outcome],
        limit: usize,
    ) -> Result<Vec<AuditRow>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let since = since.unwrap_or("");
        let mut out: std::collections::BTreeMap<i64, AuditRow> = Default::default();
        let all = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit WHERE time >= ?1 ORDER BY time DESC, id DESC LIMIT ?2"
        );
        let mut st = self.conn.prepare_cached(&all).map_err(self.db())?;
        let rows = st
            .query_map(params![since, limit], audit_from_row)
            .map_err(self.db())?;
        for r in rows {
            let r = r.map_err(self.db())?;
            out.insert(r.id, r);
        }
        // Another outcome would be read without an index: every row of the period.
        debug_assert!(outcomes.iter().all(|o| OUTCOMES_BY_TIME.contains(o)));
        for outcome in outcomes {
            // Named literally (one of our own values, never input): only then does SQLite use
            // the partial index `audit_outcome_time` (see `OUTCOMES_BY_TIME`).
            let one = format!(
                "SELECT {AUDIT_COLUMNS} FROM audit WHERE outcome = '{}' AND time >= ?1 \
                 ORDER BY time DESC, id DESC LIMIT ?2",
                outcome.as_str()
            );
            let mut st = self.conn.prepare_cached(&one).map_err(self.db())?;
            let rows = st
                .query_map(params![since, limit], audit_from_row)
                .map_err(self.db())?;
            for r in rows {
                let r = r.map_err(self.db())?;
                out.insert(r.id, r);
            }
        }
        Ok(out.into_values().rev().collect())
    }
}

/// The columns of [`audit_from_row`].
const AUDIT_COLUMNS: &str = "id, time, stick, direction, package_id, seq, file, size, sha256, \
    kind, summary, actor, outcome, reason";

fn audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        id: r.get(0)?,
        time: r.get(1)?,
        stick: r.get(2)?,
        direction: r.get(3)?,
        package_id: r.get(4)?,
        seq: r.get(5)?,
        file: r.get(6)?,
        size: r.get(7)?,
        sha256: r.get(8)?,
        kind: r.get(9)?,
        summary: r.get(10)?,
        actor: r.get(11)?,
        outcome: r.get(12)?,
        reason: r.get(13)?,
    })
}

/// Repairs what a version-1 journal could hold that stops every later step (two steps ran at
/// once on one PC), with an audit row (`repaired`) for each change:
/// - two outgoing items of one name queued at once: the same content again becomes `duplicate`
///   (it never travels); different content becomes `deferred` and travels once the first one is
///   acknowledged;
/// - an incoming file stored twice and not yet published: the later copy becomes `duplicate`.
fn repair_v1(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let out: Vec<(i64, String, String, bool)> = tx
        .prepare(
            "SELECT d.id, d.name, d.sha256, EXISTS(SELECT 1 FROM item k WHERE k.dir='out' AND k.state='queued' \
               AND k.id < d.id AND k.name = d.name COLLATE NOCASE AND k.sha256 = d.sha256) \
             FROM item d WHERE d.dir='out' AND d.state='queued' AND EXISTS(SELECT 1 FROM item k \
               WHERE k.dir='out' AND k.state='queued' AND k.id < d.id AND k.name = d.name COLLATE NOCASE) \
             ORDER BY d.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let inn: Vec<(i64, String, String)> = tx
        .prepare(
            "SELECT d.id, d.name, d.sha256 FROM item d WHERE d.dir='in' AND d.state IN ('pending', 'held') \
             AND EXISTS(SELECT 1 FROM item k WHERE k.dir='in' AND k.id < d.id AND k.name = d.name COLLATE NOCASE \
               AND k.sha256 = d.sha256 AND k.state IN ('pending', 'held', 'publishing', 'published')) ORDER BY d.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let fixes = out
        .into_iter()
        .map(|(id, name, sha, same)| {
            if same {
                (id, name, sha, DUPLICATE, "queued twice by two steps at once: kept once")
            } else {
                (id, name, sha, DEFERRED,
                 "queued beside another file of the same name: travels after that one is acknowledged")
            }
        })
        .chain(inn.into_iter().map(|(id, name, sha)| {
            (id, name, sha, DUPLICATE, "received twice by two steps at once: kept once")
        }));
    for (id, name, sha, state, why) in fixes {
        tx.execute(
            "UPDATE item SET state=?2, changed=?3 WHERE id=?1",
            params![id, state, now()],
        )?;
        insert_audit(
            tx,
            &AuditRow {
                file: Some(name),
                sha256: Some(sha),
                reason: Some(format!("journal item {id}: {why}")),
                ..AuditRow::new(Flow::Local, Outcome::Repaired)
            },
        )?;
    }
    Ok(())
}

const DUPLICATE: State = State::Duplicate;
const DEFERRED: State = State::Deferred;

/// The query arguments `dir, states…` of the item filters.
fn dir_states(dir: Dir, states: &[State]) -> Vec<&dyn ToSql> {
    let dir: &'static dyn ToSql = match dir {
        Dir::Out => &Dir::Out,
        Dir::In => &Dir::In,
    };
    std::iter::once(dir)
        .chain(states.iter().map(|s| s as &dyn ToSql))
        .collect()
}

fn item_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item {
        id: r.get(0)?,
        name: r.get(1)?,
        folder: r.get(2)?,
        kind: r.get(3)?,
        size: r.get(4)?,
        sha256: r.get(5)?,
        state: r.get(6)?,
        seq: r.get(7)?,
        added: r.get(8)?,
        incomplete: r.get(9)?,
    })
}

/// One audit row; parameters in the order of [`AuditRow`]'s fields.
const INSERT_AUDIT: &str = "INSERT INTO audit(time, stick, direction, package_id, seq, file, size, \
     sha256, kind, summary, actor, outcome, reason) \
     VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

fn insert_audit(conn: &Connection, a: &AuditRow) -> rusqlite::Result<()> {
    // Prepared once per connection: a package of 10,000 files writes 10,000 rows, and parsing
    // the statement for each was a tenth of such a seal's CPU time.
    conn.prepare_cached(INSERT_AUDIT)?
        .execute(params![
            if a.time.is_empty() {
                now()
            } else {
                a.time.clone()
            },
            a.stick,
            a.direction,
            a.package_id,
            a.seq,
            a.file,
            a.size,
            a.sha256,
            a.kind,
            a.summary,
            a.actor,
            a.outcome,
            a.reason
        ])
        .map(|_| ())
}

/// One health report of the terminal as the clinic received it (table `health`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HealthRow {
    /// When the clinic received it (local time, RFC 3339).
    pub time: String,
    /// The package that carried it.
    pub seq: u64,
    /// The terminal's clock minus the clinic's around the trip, seconds (`None`: not known).
    pub skew_secs: Option<i64>,
    /// The report as it travelled (JSON, `package::Health`).
    pub report: String,
}

impl Journal {
    /// Keeps a health report of the terminal (one row per package that carried one).
    pub fn add_health(
        &self,
        sender: &str,
        seq: u64,
        skew_secs: Option<i64>,
        report: &str,
    ) -> Result<(), Error> {
        self.conn
            .execute(
                "INSERT INTO health(time, sender, seq, skew_secs, report) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![now(), sender, seq, skew_secs, report],
            )
            .map(|_| ())
            .map_err(self.db())
    }

    /// The newest `limit` health reports, newest first.
    pub fn health_rows(&self, limit: usize) -> Result<Vec<HealthRow>, Error> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT time, seq, skew_secs, report FROM health ORDER BY id DESC LIMIT ?1",
            )
            .map_err(self.db())?;
        let rows = st
            .query_map(params![limit as i64], |r| {
                Ok(HealthRow {
                    time: r.get(0)?,
                    seq: r.get(1)?,
                    skew_secs: r.get(2)?,
                    report: r.get(3)?,
                })
            })
            .map_err(self.db())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.db())
    }

    /// When we sealed our package `seq` (RFC 3339), if we did.
    pub fn sent_time(&self, seq: u64) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT time FROM sent WHERE seq=?1", params![seq], |r| {
                r.get(0)
            })
            .optional()
            .map_err(self.db())
    }
}

/// Changes made inside [`Journal::transaction`].
pub struct Tx<'a> {
    tx: &'a rusqlite::Transaction<'a>,
    path: &'a Path,
}

impl Tx<'_> {
    fn db(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        |source| Error::Db {
            path: self.path.to_owned(),
            source,
        }
    }

    /// Records package `seq` from `sender` as applied, and the acknowledgements it carried.
    pub fn record_applied(
        &self,
        sender: &str,
        seq: u64,
        package_id: &str,
        stick: Option<&str>,
        acks: &[[u64; 2]],
    ) -> Result<(), Error> {
        self.tx
            .execute(
                "INSERT OR IGNORE INTO applied(sender, seq, package_id, stick, time) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![sender, seq, package_id, stick, now()],
            )
            .map_err(self.db())?;
        for r in acks {
            // Only sequence numbers we actually sent can be acknowledged; this bounds the work.
            self.tx
                .execute(
                    "INSERT OR IGNORE INTO acked(peer, seq) SELECT ?1, seq FROM sent WHERE peer=?1 AND seq BETWEEN ?2 AND ?3",
                    params![sender, r[0], r[1]],
                )
                .map_err(self.db())?;
        }
        // Outgoing items carried by an acknowledged package are done.
        self.tx
            .execute(
                "UPDATE item SET state='acked', changed=?2 WHERE dir='out' AND state='queued' AND id IN \
                 (SELECT item FROM sent_item JOIN acked ON acked.seq = sent_item.seq AND acked.peer = ?1)",
                params![sender, now()],
            )
            .map_err(self.db())?;
        Ok(())
    }

    /// Adds an item; returns its id.
    pub fn add_item(&self, item: &NewItem<'_>) -> Result<i64, Error> {
        let t = now();
        self.tx
            .execute(
                "INSERT INTO item(dir, name, folder, kind, size, sha256, state, seq, added, changed, incomplete) \
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
                params![
                    item.dir,
                    item.name,
                    item.folder,
                    item.kind,
                    item.size,
                    item.sha256,
                    item.state,
                    item.seq,
                    t,
                    item.incomplete
                ],
            )
            .map_err(self.db())?;
        let id = self.tx.last_insert_rowid();
        self.expect_answers(item, id)?;
        Ok(id)
    }

    /// An outgoing request waits for its answer (table `unanswered`, schema 4).
    fn expect_answers(&self, item: &NewItem<'_>, id: i64) -> Result<(), Error> {
        if item.dir == Dir::Out && item.folder == Sub::Req {
            expect_answers(self.tx, id, item.name).map_err(self.db())?;
        }
        Ok(())
    }

    /// Queues an outgoing item: `queued` when no other file of its name is queued, else
    /// `deferred` (it is queued by [`Tx::promote_deferred`] once the other one is acknowledged).
    /// The unique index on queued names decides, so two steps can never queue one name twice.
    pub fn queue_out(&self, item: &NewItem<'_>) -> Result<Queued, Error> {
        let t = now();
        let insert = |state: State| {
            self.tx
                .execute(
                    "INSERT OR IGNORE INTO item(dir, name, folder, kind, size, sha256, state, seq, added, changed, incomplete) \
                     VALUES('out', ?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?7, ?8)",
                    params![item.name, item.folder, item.kind, item.size, item.sha256, state, t, item.incomplete],
                )
                .map_err(self.db())
        };
        let out = NewItem {
            dir: Dir::Out,
            ..*item
        };
        if insert(State::Queued)? == 1 {
            let id = self.tx.last_insert_rowid();
            self.expect_answers(&out, id)?;
            return Ok(Queued::Queued(id));
        }
        // Ignored only by the unique index on queued names; a deferred row has no such index.
        insert(DEFERRED)?;
        let id = self.tx.last_insert_rowid();
        self.expect_answers(&out, id)?;
        Ok(Queued::Deferred(id))
    }

    /// Queues the oldest `deferred` item of every name that has no queued item any more.
    pub fn promote_deferred(&self) -> Result<usize, Error> {
        self.tx
            .execute(
                "UPDATE item SET state='queued', changed=?1 WHERE id IN (\
                   SELECT min(d.id) FROM item d WHERE d.dir='out' AND d.state='deferred' \
                   AND NOT EXISTS(SELECT 1 FROM item q WHERE q.dir='out' AND q.state='queued' \
                     AND q.name = d.name COLLATE NOCASE) \
                   GROUP BY d.name COLLATE NOCASE)",
                params![now()],
            )
            .map_err(self.db())
    }

    /// Changes an item's state.
    pub fn set_state(&self, id: i64, state: State) -> Result<(), Error> {
        self.tx
            .execute(
                "UPDATE item SET state=?2, changed=?3 WHERE id=?1",
                params![id, state, now()],
            )
            .map(|_| ())
            .map_err(self.db())
    }

    /// Records that package `seq` carries `items` to `peer`.
    pub fn record_sent(
        &self,
        seq: u64,
        package_id: &str,
        peer: &str,
        stick: Option<&str>,
        items: &[i64],
    ) -> Result<(), Error> {
        self.tx
            .execute(
                "INSERT INTO sent(seq, package_id, peer, stick, time) VALUES(?1, ?2, ?3, ?4, ?5)",
                params![seq, package_id, peer, stick, now()],
            )
            .map_err(self.db())?;
        for id in items {
            self.tx
                .execute(
                    "INSERT OR IGNORE INTO sent_item(seq, item) VALUES(?1, ?2)",
                    params![seq, id],
                )
                .map_err(self.db())?;
            self.tx
                .execute("UPDATE item SET seq=?2 WHERE id=?1", params![id, seq])
                .map_err(self.db())?;
        }
        Ok(())
    }

    /// Adds a request to the terminal's awaiting list.
    pub fn add_awaiting(&self, name: &str) -> Result<(), Error> {
        self.tx
            .execute(
                "INSERT OR IGNORE INTO awaiting(name, published) VALUES(?1, ?2)",
                params![name, now()],
            )
            .map(|_| ())
            .map_err(self.db())
    }

    /// Removes a request from the awaiting list (answered).
    pub fn remove_awaiting(&self, name: &str) -> Result<(), Error> {
        self.tx
            .execute("DELETE FROM awaiting WHERE name=?1", params![name])
            .map(|_| ())
            .map_err(self.db())
    }

    /// Records a file swept from Res / Face (terminal).
    pub fn add_collected(&self, folder: Sub, name: &str, sha256: &str) -> Result<(), Error> {
        self.tx
            .execute(
                "INSERT OR IGNORE INTO collected(folder, name, sha256, time) VALUES(?1, ?2, ?3, ?4)",
                params![folder, name, sha256, now()],
            )
            .map(|_| ())
            .map_err(self.db())
    }

    /// Appends an audit row in this transaction.
    pub fn audit(&self, row: &AuditRow) -> Result<(), Error> {
        insert_audit(self.tx, row).map_err(self.db())
    }

    /// Appends one audit row per file of a package: `base` with the file's name, size,
    /// SHA-256 and kind. One time for all of them (set when `base` has none: they record one
    /// event), and the statement is bound once, only the four file columns per row — binding
    /// all thirteen for each of 10,000 files was a fifth of what writing the rows cost.
    pub fn audit_files<'f>(
        &self,
        base: &AuditRow,
        files: impl IntoIterator<Item = (&'f str, u64, &'f str, &'f str)>,
    ) -> Result<(), Error> {
        let time = if base.time.is_empty() {
            now()
        } else {
            base.time.clone()
        };
        let run = || -> rusqlite::Result<()> {
            let mut st = self.tx.prepare_cached(INSERT_AUDIT)?;
            st.raw_bind_parameter(1, &time)?;
            st.raw_bind_parameter(2, &base.stick)?;
            st.raw_bind_parameter(3, base.direction)?;
            st.raw_bind_parameter(4, &base.package_id)?;
            st.raw_bind_parameter(5, base.seq)?;
            st.raw_bind_parameter(10, &base.summary)?;
            st.raw_bind_parameter(11, &base.actor)?;
            st.raw_bind_parameter(12, base.outcome)?;
            st.raw_bind_parameter(13, &base.reason)?;
            for (file, size, sha256, kind) in files {
                st.raw_bind_parameter(6, file)?;
                st.raw_bind_parameter(7, size)?;
                st.raw_bind_parameter(8, sha256)?;
                st.raw_bind_parameter(9, kind)?;
                st.raw_execute()?;
            }
            Ok(())
        };
        run().map_err(self.db())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_file_of_an_older_journal_is_replaced_by_the_partial_index() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.sqlite3");
        {
            let mut j = Journal::open(&p).unwrap();
            // As schema 3 and 4 made it before: over every row.
            j.conn
                .execute_batch(
                    "DROP INDEX audit_file; \
                     CREATE INDEX audit_file ON audit(file COLLATE NOCASE, outcome);",
                )
                .unwrap();
            assert!(index_is_full(&j.conn, "audit_file").unwrap());
            j.transaction(|tx| {
                tx.audit(&AuditRow {
                    file: Some("A.xml".into()),
                    summary: Some("試験 太郎".into()),
                    ..AuditRow::new(Flow::Out, Outcome::Collected)
                })?;
                tx.audit_files(
                    &AuditRow::new(Flow::Out, Outcome::Sealed),
                    [("a.xml", 3, "00", "file")],
                )
            })
            .unwrap();
        }
        let j = Journal::open(&p).unwrap();
        assert!(!index_is_full(&j.conn, "audit_file").unwrap());
        assert_eq!(
            j.audit_summary("a.XML", Outcome::Collected)
                .unwrap()
                .as_deref(),
            Some("試験 太郎")
        );
        assert_eq!(j.audit_summary("a.xml", Outcome::Sealed).unwrap(), None);
        let plan: String = j
            .conn
            .query_row(
                "EXPLAIN QUERY PLAN SELECT summary FROM audit WHERE file=?1 COLLATE NOCASE \
                 AND outcome=?2 AND summary IS NOT NULL ORDER BY id DESC LIMIT 1",
                params!["a.xml", Outcome::Collected],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains("audit_file"), "{plan}");
        let rows: i64 = j
            .conn
            .query_row(
                "SELECT COUNT(*) FROM audit WHERE outcome = 'sealed'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 1);
    }

    #[test]
    fn audit_outcome_time_of_an_older_journal_is_replaced_by_the_partial_index() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.sqlite3");
        {
            let mut j = Journal::open(&p).unwrap();
            assert!(!index_is_full(&j.conn, "audit_outcome_time").unwrap());
            // As schema 3 and 4 made it before: over every row.
            j.conn
                .execute_batch(
                    "DROP INDEX audit_outcome_time; \
                     CREATE INDEX audit_outcome_time ON audit(outcome, time);",
                )
                .unwrap();
            assert!(index_is_full(&j.conn, "audit_outcome_time").unwrap());
            j.transaction(|tx| {
                for outcome in [Outcome::Held, Outcome::Sealed, Outcome::Refused] {
                    tx.audit(&AuditRow {
                        file: Some("A.xml".into()),
                        time: "2026-12-01T09:00:00+09:00".into(),
                        ..AuditRow::new(Flow::In, outcome)
                    })?;
                }
                Ok(())
            })
            .unwrap();
        }
        let j = Journal::open(&p).unwrap();
        assert!(!index_is_full(&j.conn, "audit_outcome_time").unwrap());
        // The index holds the rows of exactly the outcomes that its queries may ask it for,
        // and each such query reads through it.
        let sql: String = j
            .conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'audit_outcome_time'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        for outcome in OUTCOMES_BY_TIME {
            assert!(
                sql.contains(&format!("outcome = '{}'", outcome.as_str())),
                "{sql}"
            );
            let plan: String = j
                .conn
                .query_row(
                    &format!(
                        "EXPLAIN QUERY PLAN SELECT id FROM audit WHERE outcome = '{}' \
                         AND time >= ?1 ORDER BY time DESC, id DESC LIMIT 5",
                        outcome.as_str()
                    ),
                    [""],
                    |r| r.get(3),
                )
                .unwrap();
            assert!(plan.contains("audit_outcome_time"), "{outcome:?}: {plan}");
        }
        assert_eq!(sql.matches("outcome = '").count(), OUTCOMES_BY_TIME.len());
        let held = j
            .audit_rows_newest(None, &[Outcome::Held, Outcome::Refused], 10)
            .unwrap();
        assert_eq!(held.len(), 3, "every row of the period, each once");
        let rows: i64 = j
            .conn
            .query_row(
                "SELECT COUNT(*) FROM audit INDEXED BY audit_outcome_time \
                 WHERE outcome = 'held' OR outcome = 'published' OR outcome = 'refused'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(rows, 2, "the sealed row is not in the index");
    }

    #[test]
    fn sequence_and_ledger_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("journal.sqlite3");
        let mut j = Journal::open(&p).unwrap();
        assert_eq!(j.take_seq().unwrap(), 1);
        assert_eq!(j.take_seq().unwrap(), 2);
        j.transaction(|tx| {
            tx.record_sent(1, "p1", "peer", None, &[])?;
            tx.record_sent(2, "p2", "peer", None, &[])?;
            tx.record_applied("peer", 5, "x", None, &[[1, 1], [2, 900]])
        })
        .unwrap();
        drop(j);
        let mut j = Journal::open(&p).unwrap();
        assert_eq!(j.take_seq().unwrap(), 3);
        assert!(j.is_applied("peer", 5).unwrap());
        assert!(!j.is_applied("peer", 4).unwrap());
        assert_eq!(
            j.acked_ranges("peer").unwrap(),
            vec![[1, 2]],
            "only sent numbers are acknowledged"
        );
        assert_eq!(j.applied_ranges("peer").unwrap(), vec![[5, 5]]);
    }

    #[test]
    fn failed_transaction_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        let r: Result<(), Error> = j.transaction(|tx| {
            tx.add_item(&item("a.xml"))?;
            tx.record_sent(1, "p", "peer", None, &[])?;
            tx.record_sent(1, "p", "peer", None, &[]) // primary key violation
        });
        assert!(r.is_err());
        assert!(j.items(Dir::Out, &[State::Queued]).unwrap().is_empty());
    }

    #[test]
    fn acknowledged_items_are_done() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        let id = j
            .transaction(|tx| {
                let id = tx.add_item(&item("a.xml"))?;
                tx.record_sent(1, "p", "peer", None, &[id])?;
                Ok(id)
            })
            .unwrap();
        assert_eq!(j.items(Dir::Out, &[State::Queued]).unwrap()[0].id, id);
        j.transaction(|tx| tx.record_applied("peer", 1, "q", None, &[[1, 1]]))
            .unwrap();
        assert!(j.items(Dir::Out, &[State::Queued]).unwrap().is_empty());
        assert_eq!(j.items(Dir::Out, &[State::Acked]).unwrap().len(), 1);
        assert!(
            j.has_item(Dir::Out, "A.XML", "00", &[State::Acked])
                .unwrap()
        );
    }

    fn item(name: &str) -> NewItem<'_> {
        NewItem {
            dir: Dir::Out,
            name,
            folder: Sub::Req,
            kind: "single-req",
            size: 1,
            sha256: "00",
            state: State::Queued,
            seq: None,
            incomplete: false,
        }
    }

    fn request(name: &str) -> NewItem<'_> {
        NewItem {
            kind: "single-req",
            ..item(name)
        }
    }

    fn answer(name: &str) -> NewItem<'_> {
        NewItem {
            dir: Dir::In,
            folder: Sub::Res,
            kind: "single-res",
            state: State::Pending,
            seq: Some(1),
            ..item(name)
        }
    }

    const LATER: &str = "9999";
    const OPEN: &[State] = &[State::Queued, State::Acked];

    #[test]
    fn unanswered_requests_follow_their_answers() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        j.transaction(|tx| {
            tx.add_item(&request("OQSsiquc01req_1.xml"))?;
            tx.queue_out(&request("OQSsiquc01req_2.xml"))?;
            tx.queue_out(&request("OQSsiquc01req_3.xml"))?;
            Ok(())
        })
        .unwrap();
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 3);
        assert_eq!(j.count_unanswered(OPEN, "0").unwrap(), 0, "none is old");
        // A result (other letter case) answers the first, an error file the second.
        j.transaction(|tx| {
            tx.add_item(&answer("oqssiquc01res_1.XML"))?;
            tx.add_item(&answer("OQSsiquc01req_2.xml.err"))
        })
        .unwrap();
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 1);
        // A duplicate copy does not answer; a state change into a received state does.
        let dup = j
            .transaction(|tx| {
                tx.add_item(&NewItem {
                    state: State::Duplicate,
                    ..answer("OQSsiquc01res_3.xml")
                })
            })
            .unwrap();
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 1);
        j.transaction(|tx| tx.set_state(dup, State::Held)).unwrap();
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 0);
        // A request sent again after its name was answered counts as answered (as a name
        // received once always did).
        let again = j
            .transaction(|tx| tx.queue_out(&request("OQSsiquc01req_1.xml")))
            .unwrap();
        assert!(matches!(again, Queued::Deferred(_)), "{again:?}");
        assert_eq!(j.count_unanswered(&[State::Deferred], LATER).unwrap(), 0);
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 0);
    }

    #[test]
    fn schema_3_journal_gains_its_unanswered_requests() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("j.sqlite3");
        let mut j = Journal::open(&p).unwrap();
        j.transaction(|tx| {
            tx.add_item(&request("OQSsiquc01req_1.xml"))?;
            tx.add_item(&request("OQSsiquc01req_2.xml"))?;
            tx.add_item(&answer("OQSsiquc01res_2.xml"))?;
            Ok(())
        })
        .unwrap();
        drop(j);
        // What schema 3 had: no table, no triggers.
        let c = Connection::open(&p).unwrap();
        c.execute_batch(
            "DROP TRIGGER unanswered_in; DROP TRIGGER unanswered_state; DROP TABLE unanswered; \
             UPDATE meta SET value='3' WHERE key='schema_version';",
        )
        .unwrap();
        drop(c);
        let mut j = Journal::open(&p).unwrap();
        assert_eq!(j.get_meta("schema_version").unwrap().as_deref(), Some("4"));
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 1);
        j.transaction(|tx| tx.add_item(&answer("OQSsiquc01res_1.xml")))
            .unwrap();
        assert_eq!(j.count_unanswered(OPEN, LATER).unwrap(), 0);
    }

    /// `log --since` finds a period's rows through the time index and still lists them in the
    /// order they were written, also when the clock went back in between.
    #[test]
    fn audit_rows_of_a_period_in_written_order() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(&dir.path().join("j.sqlite3")).unwrap();
        for (n, time) in ["2026-01-03", "2026-01-01", "2026-01-05", "2026-01-02"]
            .iter()
            .enumerate()
        {
            j.audit(&AuditRow {
                time: (*time).into(),
                file: Some(format!("f{n}")),
                ..AuditRow::new(Flow::Local, Outcome::Repaired)
            })
            .unwrap();
        }
        let files = |since| {
            j.audit_rows(since)
                .unwrap()
                .into_iter()
                .map(|r| r.file.unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(files(Some("2026-01-02")), ["f0", "f2", "f3"]);
        assert_eq!(files(None), ["f0", "f1", "f2", "f3"]);
        assert_eq!(files(Some("")), ["f0", "f1", "f2", "f3"]);
        assert!(files(Some("2027")).is_empty());
    }

    #[test]
    fn ranges_merge() {
        assert_eq!(
            ranges(vec![3, 1, 2, 7, 5, 6, 9]),
            vec![[1, 3], [5, 7], [9, 9]]
        );
        assert!(ranges(vec![]).is_empty());
    }
}
