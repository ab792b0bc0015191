//! Looking after the terminal from the reception desk (issue 16): what its health reports mean
//! for staff, and the terminal's settings chosen by the owner at the clinic.
//!
//! Owns the decisions: which warnings a run of health reports raises ([`warnings`], pure), the
//! clock skew a report shows against the trip ([`skew_secs`], pure), the state of a settings
//! change (sent, confirmed), and applying a change on the terminal. The reports and the settings
//! travel as optional fields of the package metadata (`package::care`, `docs/FORMAT.md` §5);
//! the engine puts them in and takes them out (`engine/care.rs`). This module writes only the
//! journal and `config.json`; it never touches a stick or an OQS folder.

use crate::journal::{AuditRow, Flow, HealthRow, Outcome as Audited};
use crate::package::{Health, TerminalSettings};
use crate::state::{Config, Installation, KIND_GROUPS, Role};
use crate::{Error, text};
use std::cmp::Ordering;

/// Journal key (clinic): the last settings change the owner sent, as JSON.
const SENT_KEY: &str = "care_settings_sent";
/// Journal key (clinic): the newest revision whose confirmation was audited.
const CONFIRMED_KEY: &str = "care_settings_confirmed";
/// Journal key (terminal): the revision of the settings it runs (0: never changed remotely).
const REV_KEY: &str = "care_settings_rev";
/// Health reports looked at for the warnings (the longest run a threshold can ask for).
const HISTORY: usize = 50;

/// This build's version, as health reports carry it.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Something the clinic's owner should know about the terminal, with what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Warning {
    /// The 連携アプリ answered nothing on the last `trips` trips while requests waited.
    Renkei {
        /// Trips in a row.
        trips: u32,
    },
    /// The terminal's clock is off by `minutes` (positive: ahead).
    Clock {
        /// Minutes, signed.
        minutes: i64,
    },
    /// The terminal has little free space (the smaller of its two volumes).
    Space {
        /// Free bytes.
        free: u64,
    },
    /// The terminal runs an older oqs-courier.
    Version {
        /// The terminal's version.
        theirs: String,
    },
}

impl Warning {
    /// The warning in staff's words.
    pub fn text(&self) -> String {
        match self {
            Warning::Renkei { trips } => text::c_warn_renkei(*trips),
            Warning::Clock { minutes } => text::c_warn_clock(minutes.abs(), *minutes > 0),
            Warning::Space { free } => text::c_warn_space(&text::c_bytes(*free)),
            Warning::Version { theirs } => text::c_warn_version(theirs, APP_VERSION),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Warning::Renkei { .. } => text::C_DO_RENKEI,
            Warning::Clock { .. } => text::C_DO_CLOCK,
            Warning::Space { .. } => text::C_DO_SPACE,
            Warning::Version { .. } => text::C_DO_VERSION,
        }
    }
}

/// One health report as the clinic keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// When the clinic received it (RFC 3339).
    pub received: String,
    /// The clock skew against the trip, seconds (positive: the terminal is ahead).
    pub skew_secs: Option<i64>,
    /// What the terminal reported.
    pub health: Health,
}

impl Report {
    fn from_row(row: HealthRow) -> Option<Self> {
        Some(Self {
            received: row.time,
            skew_secs: row.skew_secs,
            health: serde_json::from_str(&row.report).ok()?,
        })
    }

    /// Whether the 連携アプリ answered nothing on this trip while requests waited.
    pub fn silent(&self) -> bool {
        self.health.renkei.answered == 0 && self.health.renkei.unanswered > 0
    }

    /// The smaller free space of the terminal's two volumes, when known.
    pub fn free(&self) -> Option<u64> {
        match (self.health.free_oqs_bytes, self.health.free_state_bytes) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Where the owner's change of the terminal's settings is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SettingsState {
    /// Sent with (or waiting for) the next package; the terminal has not confirmed it.
    Pending(TerminalSettings),
    /// The terminal confirmed it runs it (端末に反映済み).
    Applied(TerminalSettings),
}

/// The clinic's view of the terminal: the newest report, the warnings, a settings change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overview {
    /// The newest health report, if one arrived.
    pub last: Option<Report>,
    /// Warnings from the recent reports, most urgent first.
    pub warnings: Vec<Warning>,
    /// The owner's last settings change, if any.
    pub settings: Option<SettingsState>,
    /// An update of oqs-courier on its way to the terminal (`crate::update::clinic_line`, set
    /// by `engine::status`).
    pub update: Option<String>,
}

/// One line of the terminal's block (home screen, `status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The words.
    pub text: String,
    /// Shown as a warning (orange).
    pub warn: bool,
}

impl Overview {
    /// The block's lines under its heading ([`text::C_TITLE`]): the newest report in one line,
    /// each warning with what to do, the state of a settings change.
    pub fn lines(&self) -> Vec<Line> {
        let line = |text: String, warn| Line { text, warn };
        let mut out = Vec::new();
        match &self.last {
            None => out.push(line(text::C_NO_REPORT.to_owned(), false)),
            Some(r) => {
                let when = chrono::DateTime::parse_from_rfc3339(&r.received)
                    .map(|t| {
                        t.with_timezone(&chrono::Local)
                            .format("%m/%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_else(|_| text::NO_VALUE.to_owned());
                let free = r
                    .free()
                    .map_or_else(|| text::NO_VALUE.to_owned(), text::c_bytes);
                let version = if r.health.app_version.is_empty() {
                    text::NO_VALUE
                } else {
                    &r.health.app_version
                };
                out.push(line(text::c_report_line(&when, version, &free), false));
                if self.warnings.is_empty() {
                    out.push(line(text::C_ALL_WELL.to_owned(), false));
                }
            }
        }
        for w in &self.warnings {
            out.push(line(format!("{}。{}", w.text(), w.hint()), true));
        }
        match &self.settings {
            Some(SettingsState::Pending(_)) => {
                out.push(line(text::C_SETTINGS_PENDING.to_owned(), true));
            }
            Some(SettingsState::Applied(_)) => {
                out.push(line(text::C_SETTINGS_APPLIED.to_owned(), false));
            }
            None => {}
        }
        if let Some(u) = &self.update {
            out.push(line(u.clone(), false));
        }
        out
    }
}

/// The warnings a run of reports (newest first) raises under `config`'s thresholds.
pub fn warnings(config: &Config, reports: &[Report]) -> Vec<Warning> {
    let mut out = Vec::new();
    let Some(last) = reports.first() else {
        return out;
    };
    let trips = config.care_unanswered_trips.max(1);
    let silent = reports.iter().take_while(|r| r.silent()).count();
    if silent >= trips as usize {
        out.push(Warning::Renkei {
            trips: u32::try_from(silent).unwrap_or(u32::MAX),
        });
    }
    if let Some(skew) = last.skew_secs {
        // Rounded to whole minutes, away from zero from half a minute on.
        let minutes = (skew + skew.signum() * 30) / 60;
        if minutes.abs() >= config.care_clock_skew_mins.max(1) {
            out.push(Warning::Clock { minutes });
        }
    }
    if let Some(free) = last.free()
        && free < config.care_min_free_mb.saturating_mul(1024 * 1024)
    {
        out.push(Warning::Space { free });
    }
    if !last.health.app_version.is_empty()
        && compare_versions(&last.health.app_version, APP_VERSION) == Ordering::Less
    {
        out.push(Warning::Version {
            theirs: last.health.app_version.clone(),
        });
    }
    out
}

/// Compares two `major.minor.patch` versions numerically (a missing or non-numeric part counts
/// as 0; anything after `-` or `+` is ignored).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['-', '+'])
            .next()
            .unwrap_or_default()
            .split('.')
            .map(|p| p.trim().parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (parts(a), parts(b));
    (0..a.len().max(b.len()))
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The terminal's clock skew shown by one trip: `clock` is the terminal's time when it sealed,
/// `sent` when the clinic sealed the newest package the terminal acknowledges in it, `received`
/// the clinic's time now. The terminal sealed between the two, so a clock inside that window
/// counts as right; outside, the distance to the window is the skew (positive: ahead). `None`
/// when the terminal's clock is not readable.
pub fn skew_secs(
    clock: &str,
    sent: Option<chrono::DateTime<chrono::FixedOffset>>,
    received: chrono::DateTime<chrono::FixedOffset>,
) -> Option<i64> {
    let clock = chrono::DateTime::parse_from_rfc3339(clock).ok()?;
    if clock > received {
        return Some((clock - received).num_seconds());
    }
    match sent {
        Some(sent) if clock < sent => Some((clock - sent).num_seconds()),
        _ => Some(0),
    }
}

/// The clinic's overview of the terminal (`None` on the terminal itself).
pub fn overview(inst: &Installation) -> Result<Option<Overview>, Error> {
    if inst.config.role != Role::Clinic {
        return Ok(None);
    }
    let reports: Vec<Report> = inst
        .journal
        .health_rows(HISTORY)?
        .into_iter()
        .filter_map(Report::from_row)
        .collect();
    let settings = sent_settings(inst)?.map(|s| {
        if confirmed(reports.first(), &s) {
            SettingsState::Applied(s)
        } else {
            SettingsState::Pending(s)
        }
    });
    Ok(Some(Overview {
        warnings: warnings(&inst.config, &reports),
        last: reports.into_iter().next(),
        settings,
        // Filled in by the engine's status (`crate::update` depends on this module).
        update: None,
    }))
}

fn confirmed(last: Option<&Report>, sent: &TerminalSettings) -> bool {
    last.and_then(|r| r.health.settings.as_ref())
        .is_some_and(|s| s.rev >= sent.rev)
}

/// Clinic: the last change the owner sent, if any.
pub fn sent_settings(inst: &Installation) -> Result<Option<TerminalSettings>, Error> {
    Ok(inst
        .journal
        .get_meta(SENT_KEY)?
        .and_then(|j| serde_json::from_str(&j).ok()))
}

/// Clinic: the settings to put into the next package — the owner's change until the terminal
/// confirms it.
pub fn settings_to_send(inst: &Installation) -> Result<Option<TerminalSettings>, Error> {
    let Some(sent) = sent_settings(inst)? else {
        return Ok(None);
    };
    let last = inst
        .journal
        .health_rows(1)?
        .into_iter()
        .find_map(Report::from_row);
    Ok((!confirmed(last.as_ref(), &sent)).then_some(sent))
}

/// Clinic: what the settings form starts from — the owner's last change, else what the terminal
/// last reported, else the defaults (`None` then says so).
pub fn known_settings(inst: &Installation) -> Result<(TerminalSettings, bool), Error> {
    if let Some(s) = sent_settings(inst)? {
        return Ok((s, true));
    }
    let reported = inst
        .journal
        .health_rows(1)?
        .into_iter()
        .find_map(Report::from_row)
        .and_then(|r| r.health.settings);
    Ok(match reported {
        Some(s) => (s, true),
        None => (
            current_settings(&Config::defaults(Role::Terminal), 0),
            false,
        ),
    })
}

/// The settings `config` runs with, as they travel, at revision `rev`.
pub fn current_settings(config: &Config, rev: u64) -> TerminalSettings {
    TerminalSettings {
        rev,
        response_wait_secs: config.response_wait_secs,
        retention_days: config.retention_days,
        kinds: config.kinds.clone(),
        defender_scan: config.defender_scan,
    }
}

/// Checks settings meant for the terminal (the same ranges as its own settings screen).
pub fn check(s: &TerminalSettings) -> Result<(), crate::state::SettingProblem> {
    if !(1..=crate::state::MAX_RESPONSE_WAIT_SECS).contains(&s.response_wait_secs) {
        return Err(text::S_BAD_WAIT);
    }
    if !(1..=crate::state::MAX_RETENTION_DAYS).contains(&s.retention_days) {
        return Err(text::S_BAD_RETENTION);
    }
    if !s.kinds.iter().any(|k| KIND_GROUPS.contains(&k.as_str())) {
        return Err(text::S_NO_KINDS);
    }
    Ok(())
}

fn values(s: &TerminalSettings) -> String {
    text::c_settings_values(
        s.response_wait_secs,
        s.retention_days,
        &s.kinds.join(","),
        s.defender_scan,
    )
}

/// Clinic (the owner, behind the PIN): changes the terminal's settings. Checked here, given the
/// next revision, kept in the journal and audited; the next package carries it until the
/// terminal confirms. Returns the revision.
pub fn send_settings(
    inst: &Installation,
    mut settings: TerminalSettings,
    actor: &str,
) -> Result<Result<u64, crate::state::SettingProblem>, Error> {
    if let Err(why) = check(&settings) {
        return Ok(Err(why));
    }
    settings.kinds.retain(|k| KIND_GROUPS.contains(&k.as_str()));
    let reported = inst
        .journal
        .health_rows(1)?
        .into_iter()
        .find_map(Report::from_row)
        .and_then(|r| r.health.settings)
        .map_or(0, |s| s.rev);
    let sent = sent_settings(inst)?.map_or(0, |s| s.rev);
    settings.rev = reported.max(sent) + 1;
    let json = serde_json::to_string(&settings).unwrap_or_default();
    inst.journal.set_meta(SENT_KEY, &json)?;
    inst.journal.audit(&AuditRow {
        actor: Some(actor.to_owned()),
        reason: Some(text::c_audit_sent(settings.rev, &values(&settings))),
        ..AuditRow::new(Flow::Local, Audited::SettingsSent)
    })?;
    Ok(Ok(settings.rev))
}

/// Clinic: a report arrived; audits the terminal's confirmation of a change once.
pub fn note_confirmation(inst: &Installation, health: &Health) -> Result<(), Error> {
    let Some(sent) = sent_settings(inst)? else {
        return Ok(());
    };
    let reported = health.settings.as_ref().map_or(0, |s| s.rev);
    let audited: u64 = inst
        .journal
        .get_meta(CONFIRMED_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if reported >= sent.rev && audited < sent.rev {
        inst.journal.audit(&AuditRow {
            actor: Some(crate::state::actor()),
            reason: Some(text::c_audit_confirmed(sent.rev)),
            ..AuditRow::new(Flow::In, Audited::SettingsConfirmed)
        })?;
        inst.journal
            .set_meta(CONFIRMED_KEY, &sent.rev.to_string())?;
    }
    Ok(())
}

/// Terminal: the revision of the settings it runs.
pub fn running_rev(inst: &Installation) -> Result<u64, Error> {
    Ok(inst
        .journal
        .get_meta(REV_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// What [`apply_settings`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The terminal runs this revision or a newer one already.
    AlreadyRunning,
    /// Applied and saved.
    Applied,
    /// Not usable (out of range): audited as refused, not applied.
    Refused(&'static str),
}

/// Terminal: applies settings that came from the clinic when they are newer than what it runs:
/// saved into `config.json`, the revision kept, audited either way.
pub fn apply_settings(
    inst: &mut Installation,
    settings: &TerminalSettings,
    stick: Option<&str>,
) -> Result<Applied, Error> {
    if settings.rev <= running_rev(inst)? {
        return Ok(Applied::AlreadyRunning);
    }
    let audit = |outcome, reason: String| AuditRow {
        stick: stick.map(str::to_owned),
        actor: Some(crate::state::actor()),
        reason: Some(reason),
        ..AuditRow::new(Flow::In, outcome)
    };
    if let Err(why) = check(settings) {
        inst.journal.audit(&audit(
            Audited::Refused,
            text::c_audit_refused(settings.rev, why),
        ))?;
        return Ok(Applied::Refused(why));
    }
    let config = Config {
        response_wait_secs: settings.response_wait_secs,
        retention_days: settings.retention_days,
        kinds: settings
            .kinds
            .iter()
            .filter(|k| KIND_GROUPS.contains(&k.as_str()))
            .cloned()
            .collect(),
        defender_scan: settings.defender_scan,
        ..inst.config.clone()
    };
    inst.save_config(config)?;
    inst.journal.set_meta(REV_KEY, &settings.rev.to_string())?;
    inst.journal.audit(&audit(
        Audited::SettingsApplied,
        text::c_audit_applied(settings.rev, &values(settings)),
    ))?;
    Ok(Applied::Applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Renkei;

    fn config() -> Config {
        Config::defaults(Role::Terminal)
    }

    fn report(answered: u64, unanswered: u64) -> Report {
        Report {
            received: String::new(),
            skew_secs: Some(0),
            health: Health {
                app_version: APP_VERSION.into(),
                renkei: Renkei {
                    answered,
                    unanswered,
                    ..Renkei::default()
                },
                free_oqs_bytes: Some(50 << 30),
                free_state_bytes: Some(50 << 30),
                ..Health::default()
            },
        }
    }

    #[test]
    fn renkei_warning_after_the_configured_trips_in_a_row() {
        let c = config();
        let silent = report(0, 4);
        assert!(warnings(&c, &[silent.clone(), silent.clone()]).is_empty());
        assert_eq!(
            warnings(&c, &[silent.clone(), silent.clone(), silent.clone()]),
            [Warning::Renkei { trips: 3 }]
        );
        // An answer breaks the run; no requests waiting is not silence.
        let fine = report(2, 0);
        assert!(warnings(&c, &[silent.clone(), silent.clone(), fine, silent.clone()]).is_empty());
        assert!(warnings(&c, &[report(0, 0), report(0, 0), report(0, 0)]).is_empty());
        let c2 = Config {
            care_unanswered_trips: 1,
            ..config()
        };
        assert_eq!(warnings(&c2, &[silent]), [Warning::Renkei { trips: 1 }]);
    }

    #[test]
    fn clock_space_and_version_warnings() {
        let c = config();
        let mut r = report(1, 0);
        r.skew_secs = Some(-12 * 60 - 5);
        r.health.free_oqs_bytes = Some(300 << 20);
        r.health.app_version = "0.0.9".into();
        let w = warnings(&c, &[r.clone()]);
        assert_eq!(
            w,
            [
                Warning::Clock { minutes: -12 },
                Warning::Space { free: 300 << 20 },
                Warning::Version {
                    theirs: "0.0.9".into()
                }
            ]
        );
        assert_eq!(
            w[0].text(),
            "端末の時計が 12 分ずれています（遅れています）"
        );
        r.skew_secs = Some(4 * 60);
        r.health.free_oqs_bytes = None;
        r.health.app_version = "99.0.0".into();
        assert!(warnings(&c, &[r]).is_empty());
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("0.9.0", "0.10.0"), Ordering::Less);
        assert_eq!(compare_versions("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare_versions("1.2.3-rc1", "1.2.3"), Ordering::Equal);
        assert_eq!(compare_versions("2.0.0", "1.99.99"), Ordering::Greater);
    }

    #[test]
    fn skew_counts_only_outside_the_trip() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
        let sent = Some(t("2026-11-27T09:00:00+09:00"));
        let received = t("2026-11-27T09:05:00+09:00");
        let skew = |c: &str| skew_secs(c, sent, received);
        assert_eq!(skew("2026-11-27T09:03:00+09:00"), Some(0));
        assert_eq!(skew("2026-11-27T08:48:00+09:00"), Some(-12 * 60));
        assert_eq!(skew("2026-11-27T00:17:00Z"), Some(12 * 60));
        assert_eq!(skew("now"), None);
        assert_eq!(
            skew_secs("2026-11-27T08:48:00+09:00", None, received),
            Some(0)
        );
    }
}
