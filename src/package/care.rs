//! The optional metadata fields for looking after the terminal (`docs/FORMAT.md` §5): the
//! terminal's health report and the settings the clinic's owner chose for it.
//!
//! Both are optional v1 fields: a package without them is what every earlier version wrote, and
//! a reader that does not know them ignores them. Inside each object every field is optional too
//! (a missing one takes its default), so a later version can add fields the same way. This file
//! owns only the shape and its limits; what the values mean for staff is `crate::care`'s.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most problem kinds a health report carries (a longer map is refused).
pub const MAX_PROBLEM_KINDS: usize = 32;
/// Most file-kind groups in [`TerminalSettings::kinds`].
pub const MAX_KIND_GROUPS: usize = 16;
/// Longest text value in these objects (version, clock, names), in bytes.
pub const MAX_CARE_TEXT: usize = 64;
/// An upper bound of the JSON both objects take in the metadata, with every value at its widest
/// (used by [`super::manifest_len_bound`]).
pub const CARE_JSON_BOUND: u64 = 8192;

/// `health`: how the terminal is doing, written by the terminal into every package it seals.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Health {
    /// The writer's oqs-courier version (`0.1.0`).
    pub app_version: String,
    /// The package format versions it reads (`[1]`).
    pub package_formats: Vec<u16>,
    /// The terminal's clock when it sealed the package (RFC 3339); the clinic compares it with
    /// its own clock around the trip.
    pub clock: String,
    /// Free bytes on the volume of the OQS folder, when the system tells.
    pub free_oqs_bytes: Option<u64>,
    /// Free bytes on the volume of the state directory, when the system tells.
    pub free_state_bytes: Option<u64>,
    /// How the 連携アプリ behaved since the terminal's previous package.
    pub renkei: Renkei,
    /// Errors and refusals since the previous package, counted by kind (`refused`, `lost`,
    /// `err-file`, …).
    pub problems: BTreeMap<String, u64>,
    /// Bytes in the terminal's archive of collected originals.
    pub archive_bytes: u64,
    /// The settings the terminal runs with now (its confirmation of [`TerminalSettings::rev`]).
    pub settings: Option<TerminalSettings>,
    /// Updates carried by the stick (`crate::update`): present when the terminal reads the
    /// `update` field and its parts; absent from terminals older than that.
    pub update: Option<UpdateReport>,
}

/// `health.update`: where an update carried by the stick stands on the terminal.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct UpdateReport {
    /// A verified installer of this version waits to be installed after the step.
    pub staged: Option<String>,
    /// The last update the terminal refused (its version), with the reason's kind.
    pub refused: Option<String>,
    /// Why: `wrong-key`, `not-newer`, `corrupted`, `bad-signature`, `no-version`.
    pub refused_why: Option<String>,
    /// The version whose installer the terminal keeps for rolling back, if any.
    pub previous: Option<String>,
}

/// `update` (clinic → terminal): an installer of oqs-courier signed with the release key, carried
/// in parts (files named `oqs-courier-setup-<version>.exe.part<NNN>`, kind `update`) over one or
/// more trips. Every package the clinic writes repeats it until the terminal reports the
/// version installed or refused.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Update {
    /// The installer's version, as its signature's trusted comment states it.
    pub version: String,
    /// Its length in bytes.
    pub size: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// How many parts it travels in (1 to [`MAX_UPDATE_PARTS`]).
    pub parts: u32,
    /// The minisign signature file (`.minisig`) as text.
    pub signature: String,
}

/// Most parts an update travels in.
pub const MAX_UPDATE_PARTS: u32 = 4096;
/// Longest minisign signature text accepted in [`Update::signature`].
pub const MAX_SIGNATURE_TEXT: usize = 1024;
/// Room the `update` and `health.update` objects take at their widest (see
/// [`super::manifest_len_bound`]).
pub const UPDATE_JSON_BOUND: u64 = 2 * MAX_SIGNATURE_TEXT as u64 + 1024;

/// `health.renkei`: the 連携アプリ seen from the terminal's folders.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct Renkei {
    /// Requests handed over into Req on this step.
    pub published: u64,
    /// Requests answered (in Res) since the previous package.
    pub answered: u64,
    /// Requests handed over and still without an answer.
    pub unanswered: u64,
    /// Age of the oldest of them, seconds.
    pub oldest_unanswered_secs: Option<u64>,
    /// Seconds since the newest file the 連携アプリ wrote into Res or Face (by its time).
    pub last_file_secs: Option<u64>,
}

/// `terminal_settings` (clinic → terminal) and `health.settings` (terminal → clinic): the
/// terminal's settings that the owner may change from the reception PC.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TerminalSettings {
    /// Revision: the clinic counts up with every change; the terminal applies a revision
    /// greater than the one it runs and reports the one it runs.
    pub rev: u64,
    /// Seconds to wait for answers (1–600).
    pub response_wait_secs: u64,
    /// Days collected originals stay in the archive (1–3650).
    pub retention_days: i64,
    /// The file-kind groups that travel (`single`, `face`, `bulk`, `refno`, `drug`, `checkup`).
    pub kinds: Vec<String>,
    /// Scan received files with Microsoft Defender.
    pub defender_scan: bool,
}

/// Checks the limits of both objects (`Err` says what is wrong).
pub fn validate(
    health: Option<&Health>,
    settings: Option<&TerminalSettings>,
    update: Option<&Update>,
) -> Result<(), &'static str> {
    let short = |s: &str| s.len() <= MAX_CARE_TEXT;
    let settings_ok = |s: &TerminalSettings| {
        s.rev <= super::MAX_SEQ
            && s.kinds.len() <= MAX_KIND_GROUPS
            && s.kinds.iter().all(|k| short(k))
    };
    if let Some(h) = health {
        if !short(&h.app_version) || h.package_formats.len() > 8 {
            return Err("health: version fields too long");
        }
        if !h.clock.is_empty() && chrono::DateTime::parse_from_rfc3339(&h.clock).is_err() {
            return Err("health: clock is not an RFC 3339 time");
        }
        if h.problems.len() > MAX_PROBLEM_KINDS || !h.problems.keys().all(|k| short(k)) {
            return Err("health: too many problem kinds");
        }
        if h.settings.as_ref().is_some_and(|s| !settings_ok(s)) {
            return Err("health: settings out of range");
        }
        if let Some(u) = &h.update {
            let texts = [&u.staged, &u.refused, &u.refused_why, &u.previous];
            if !texts.iter().all(|t| t.as_deref().is_none_or(short)) {
                return Err("health: update fields too long");
            }
        }
    }
    if let Some(u) = update {
        // Escaped at most twice its bytes in JSON, the signature stays within the bound.
        if !short(&u.version)
            || u.signature.len() > MAX_SIGNATURE_TEXT
            || !(1..=MAX_UPDATE_PARTS).contains(&u.parts)
            || u.sha256.len() != 64
            || !u
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return Err("update out of range");
        }
    }
    if settings.is_some_and(|s| !settings_ok(s)) {
        return Err("terminal_settings out of range");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widest objects stay within [`CARE_JSON_BOUND`] (the room a manifest reserves).
    #[test]
    fn widest_care_objects_fit_the_bound() {
        let s = TerminalSettings {
            rev: super::super::MAX_SEQ,
            response_wait_secs: u64::MAX,
            retention_days: i64::MIN,
            kinds: vec!["k".repeat(MAX_CARE_TEXT); MAX_KIND_GROUPS],
            defender_scan: true,
        };
        let h = Health {
            app_version: "v".repeat(MAX_CARE_TEXT),
            package_formats: vec![u16::MAX; 8],
            clock: "2026-11-27T09:30:00.123456789+09:00".into(),
            free_oqs_bytes: Some(u64::MAX),
            free_state_bytes: Some(u64::MAX),
            renkei: Renkei {
                published: u64::MAX,
                answered: u64::MAX,
                unanswered: u64::MAX,
                oldest_unanswered_secs: Some(u64::MAX),
                last_file_secs: Some(u64::MAX),
            },
            problems: (0..MAX_PROBLEM_KINDS)
                .map(|i| (format!("{i:0>64}"), u64::MAX))
                .collect(),
            archive_bytes: u64::MAX,
            settings: Some(s.clone()),
            update: None,
        };
        assert!(validate(Some(&h), Some(&s), None).is_ok());
        let len = serde_json::to_vec(&h).unwrap().len() + serde_json::to_vec(&s).unwrap().len();
        let keys = r#","health":,"terminal_settings":"#.len();
        assert!(((len + keys) as u64) <= CARE_JSON_BOUND, "{len}");
    }

    #[test]
    fn limits_are_checked() {
        let h = Health {
            clock: "yesterday".into(),
            ..Health::default()
        };
        assert!(validate(Some(&h), None, None).is_err());
        let s = TerminalSettings {
            kinds: vec!["x".into(); MAX_KIND_GROUPS + 1],
            ..TerminalSettings::default()
        };
        assert!(validate(None, Some(&s), None).is_err());
        assert!(validate(Some(&Health::default()), None, None).is_ok());
        let u = Update {
            version: "9.0.0".into(),
            size: 1,
            sha256: "0".repeat(64),
            parts: 0,
            signature: String::new(),
        };
        assert!(validate(None, None, Some(&u)).is_err(), "no parts");
        assert!(
            validate(
                None,
                None,
                Some(&Update {
                    parts: 1,
                    ..u.clone()
                })
            )
            .is_ok()
        );
        let long = "x".repeat(MAX_SIGNATURE_TEXT + 1);
        assert!(
            validate(
                None,
                None,
                Some(&Update {
                    parts: 1,
                    signature: long,
                    ..u
                })
            )
            .is_err()
        );
    }
}
