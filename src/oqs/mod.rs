//! The OQS file knowledge: what a link file is, which answer belongs to which request, and what
//! a result says — for display only.
//!
//! Owns the file-name rules of the オンライン資格確認 link-file interface
//! ([`classify`](mod@classify)), the matching of answers to requests in flight
//! ([`correlate`](mod@correlate)), whether a file's content is complete
//! ([`complete`](mod@complete)) and the hardened, read-only summary of result XML
//! ([`summary`](mod@summary)). It must not change, re-encode or refuse payload bytes (the courier
//! carries every file byte for byte; a file that cannot be summarised is still carried and shown
//! as 「内容を表示できません」), must not write to the file system (only
//! [`complete::check_file`] reads one file), and must not decide policy such as
//! whether unknown files may travel — callers do that with their settings.
//!
//! # Kind labels (frozen)
//!
//! The package format stores [`Kind::label`] in its `kind` field, so these labels never change
//! once shipped (lowercase ASCII `[a-z0-9-]`, at most 32 characters):
//!
//! | label | files |
//! |---|---|
//! | `single-req` / `single-res` / `single-err` | `OQSsiquc01req_*.xml` / `OQSsiquc01res_*.xml` / `OQSsiquc01req_*.err` |
//! | `face` | `OQSsiquc01res_face_*.xml` (no request; in any folder) |
//! | `bulk1-req` / `bulk1-res` / `bulk1-err` | `OQSmuquc01req_` / `OQSmuquc01res_` / `OQSmuquc01req_*.err` |
//! | `bulk2-req` / `bulk2-res` / `bulk2-err` | `OQSmuquc02req_` / `OQSmuquc02res_` (`.xml` or `.zip`) / `.err` |
//! | `refno-req` / `refno-res` / `refno-err` | `OQSsiimm01req_` / `OQSsiimm01res_` / `.err` |
//! | `refno-bulk1-…`, `refno-bulk2-…` | `OQSmuimm01…`, `OQSmuimm02…` (phase 2 result `.xml` or `.zip`) |
//! | `aid-bulk1-…`, `aid-bulk2-…` | `OQSmutic01…`, `OQSmutic02…` (一括照会 医療扶助) |
//! | `visit-bulk1-…`, `visit-bulk2-…` | `OQSmuhvq01…`, `OQSmuhvq02…` (一括照会 訪問診療) |
//! | `online-bulk1-…`, `online-bulk2-…` | `OQSmuonq01…`, `OQSmuonq02…` (一括照会 オンライン診療) |
//! | `drug-req` / `drug-res` / `drug-err` | `YZKsiquc01req_` / `YZKsiquc01res_` (`.xml` or `.pdf`) / `.err` |
//! | `checkup-req` / `checkup-res` / `checkup-err` | `TKKsiquc01req_` / `TKKsiquc01res_` (`.xml` or `.pdf`) / `.err` |
//! | `unknown` | anything else (flagged; carried only if settings allow) |
//!
//! Every `…-req` travels clinic → terminal; every `…-res`, `…-err` and `face` travels
//! terminal → clinic ([`Kind::direction`]).

pub mod classify;
pub mod complete;
pub mod correlate;
pub mod folders;
pub mod summary;

pub use classify::{
    Direction, Kind, PrefixRule, PrefixTable, Process, TableError, classify, default_table,
    expected_responses,
};
pub use complete::Completeness;
pub use correlate::{Answer, Correlation, Unmatched, correlate};
pub use summary::{
    MAX_DEPTH, MAX_INPUT, MAX_PATIENTS, Patient, Sex, State, Summary, TextEncoding, Unreadable,
    Validity, summarize, summarize_with,
};
