//! The owner's PIN: what stands between the staff screen and the owner's actions (settings,
//! enrolling and revoking sticks, exporting the history, quitting the app).
//!
//! A PIN is 4–8 digits. It is stored in the state directory as `owner-pin.json` (written
//! atomically, like `config.json`; see `docs/FORMAT.md` §8): a random 16-byte salt and
//! PBKDF2-HMAC-SHA256 with [`ITERATIONS`] rounds (about 0.15 s per check on our 2-core build machine, so
//! guessing all 10^4 four-digit PINs offline costs half an hour per stolen file and online tries
//! are throttled by the lockout). Checking uses `ring::pbkdf2::verify` (constant time).
//! [`MAX_TRIES`] wrong PINs in a row lock the PIN for [`LOCKOUT_SECS`] seconds; the count and the
//! end of the lockout live in the same file, so restarting the app does not reset them. Setting,
//! changing and a lockout each write an audit row (`pin-set`, `pin-changed`, `pin-locked`).
//!
//! GUI-free: the window's PIN gate and `oqs-courier pin set` both call this module.

use crate::journal::{AuditRow, Flow, Outcome as Audited};
use crate::state::{Home, Installation};
use crate::{Error, text};
use chrono::{DateTime, Local};
use ring::pbkdf2;
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;

/// The PIN file in the state directory.
pub const PIN_FILE: &str = "owner-pin.json";
/// Fewest digits of a PIN.
pub const MIN_DIGITS: usize = 4;
/// Most digits of a PIN.
pub const MAX_DIGITS: usize = 8;
/// PBKDF2 rounds for a newly set PIN (a stored PIN keeps the rounds it was set with).
pub const ITERATIONS: u32 = 600_000;
/// Wrong PINs in a row before the lockout.
pub const MAX_TRIES: u32 = 5;
/// How long a lockout lasts, seconds.
pub const LOCKOUT_SECS: i64 = 30;
const KDF: &str = "pbkdf2-hmac-sha256";
const ALGORITHM: pbkdf2::Algorithm = pbkdf2::PBKDF2_HMAC_SHA256;

/// `owner-pin.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    version: u32,
    kdf: String,
    iterations: u32,
    /// 16 random bytes, hex.
    salt: String,
    /// 32 bytes, hex.
    hash: String,
    /// When it was set (RFC 3339).
    set: String,
    /// Wrong PINs in a row since the last right one.
    #[serde(default)]
    failures: u32,
    /// End of the current lockout (RFC 3339), if any.
    #[serde(default)]
    locked_until: Option<String>,
}

/// Why a PIN was not accepted (or could not be checked).
#[derive(Debug)]
pub enum Problem {
    /// Not 4–8 digits.
    Format,
    /// The two entries differ (setting a new PIN).
    Mismatch,
    /// No PIN has been set on this PC yet.
    NotSet,
    /// Wrong; `left` tries before the lockout.
    Wrong {
        /// Tries left before the lockout.
        left: u32,
    },
    /// Too many wrong tries: wait `secs` seconds.
    Locked {
        /// Seconds until the PIN can be tried again.
        secs: i64,
    },
    /// The PIN file or the journal cannot be read or written.
    State(Box<Error>),
}

impl Problem {
    /// What to tell the owner (Japanese).
    pub fn message(&self) -> String {
        match self {
            Problem::Format => text::PIN_FORMAT.to_owned(),
            Problem::Mismatch => text::PIN_MISMATCH.to_owned(),
            Problem::NotSet => text::PIN_NOT_SET.to_owned(),
            Problem::Wrong { left } => text::pin_wrong(*left),
            Problem::Locked { secs } => text::pin_locked(*secs),
            Problem::State(e) => format!("{} {}", e.message(), e.hint_for(crate::error::Ui::Gui)),
        }
    }
}

macro_rules! problem_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Problem {
            fn from(e: $t) -> Self {
                Problem::State(Box::new(e.into()))
            }
        }
    )*};
}
problem_from!(
    Error,
    crate::state::Error,
    crate::journal::Error,
    crate::crypto::Error
);

/// Whether `pin` has the form of a PIN (4–8 ASCII digits).
pub fn valid(pin: &str) -> bool {
    (MIN_DIGITS..=MAX_DIGITS).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Whether this installation has an owner PIN.
pub fn is_set(home: &Home) -> bool {
    home.path().join(PIN_FILE).is_file()
}

fn load(home: &Home) -> Result<Option<Stored>, Problem> {
    if !is_set(home) {
        return Ok(None);
    }
    Ok(Some(home.read_json(PIN_FILE)?))
}

fn iterations(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN)
}

/// Sets (or replaces) the PIN without asking for the old one — the wizard, `oqs-courier pin set`
/// (whoever may run commands with this state directory may replace it anyway) and
/// [`change`] after checking the old one. Writes an audit row.
pub fn set(inst: &Installation, pin: &str) -> Result<(), Problem> {
    set_with(inst, pin, ITERATIONS)
}

/// [`set`] with a chosen number of rounds (tests).
#[doc(hidden)]
pub fn set_with(inst: &Installation, pin: &str, rounds: u32) -> Result<(), Problem> {
    if !valid(pin) {
        return Err(Problem::Format);
    }
    let replaced = is_set(&inst.home);
    let salt: [u8; 16] = crate::crypto::random()?;
    let mut hash = [0u8; 32];
    pbkdf2::derive(
        ALGORITHM,
        iterations(rounds),
        &salt,
        pin.as_bytes(),
        &mut hash,
    );
    let stored = Stored {
        version: 1,
        kdf: KDF.to_owned(),
        iterations: rounds,
        salt: hex::encode(salt),
        hash: hex::encode(hash),
        set: Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        failures: 0,
        locked_until: None,
    };
    inst.home.write_json(PIN_FILE, &stored)?;
    let outcome = if replaced {
        Audited::PinChanged
    } else {
        Audited::PinSet
    };
    inst.journal.audit(&AuditRow {
        actor: Some(crate::state::actor()),
        ..AuditRow::new(Flow::Local, outcome)
    })?;
    Ok(())
}

/// Checks `pin`: `Ok` when it is the owner's PIN. Counts wrong tries and locks after
/// [`MAX_TRIES`] in a row.
pub fn verify(inst: &Installation, pin: &str) -> Result<(), Problem> {
    verify_at(inst, pin, Local::now())
}

/// [`verify`] at a given time (tests of the lockout).
#[doc(hidden)]
pub fn verify_at(inst: &Installation, pin: &str, now: DateTime<Local>) -> Result<(), Problem> {
    let Some(mut stored) = load(&inst.home)? else {
        return Err(Problem::NotSet);
    };
    if let Some(until) = stored
        .locked_until
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
    {
        let secs = (until.with_timezone(&Local) - now).num_seconds();
        // A lockout ending far in the future (clock set back) still ends after LOCKOUT_SECS.
        if secs > 0 && secs <= LOCKOUT_SECS {
            return Err(Problem::Locked { secs: secs.max(1) });
        }
    }
    let (Ok(salt), Ok(hash)) = (hex::decode(&stored.salt), hex::decode(&stored.hash)) else {
        return Err(Problem::from(crate::state::Error::Damaged {
            path: inst.home.path().join(PIN_FILE),
            why: "bad salt or hash".into(),
        }));
    };
    let right = valid(pin)
        && pbkdf2::verify(
            ALGORITHM,
            iterations(stored.iterations),
            &salt,
            pin.as_bytes(),
            &hash,
        )
        .is_ok();
    if right {
        if stored.failures > 0 || stored.locked_until.is_some() {
            stored.failures = 0;
            stored.locked_until = None;
            inst.home.write_json(PIN_FILE, &stored)?;
        }
        return Ok(());
    }
    stored.failures += 1;
    let problem = if stored.failures >= MAX_TRIES {
        stored.failures = 0;
        stored.locked_until = Some(
            (now + chrono::Duration::seconds(LOCKOUT_SECS))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        );
        inst.journal.audit(&AuditRow {
            actor: Some(crate::state::actor()),
            reason: Some(format!("{MAX_TRIES} wrong PINs in a row")),
            ..AuditRow::new(Flow::Local, Audited::PinLocked)
        })?;
        Problem::Locked { secs: LOCKOUT_SECS }
    } else {
        stored.locked_until = None;
        Problem::Wrong {
            left: MAX_TRIES - stored.failures,
        }
    };
    inst.home.write_json(PIN_FILE, &stored)?;
    Err(problem)
}

/// Changes the PIN: `old` must be right, `new` typed twice the same.
pub fn change(inst: &Installation, old: &str, new: &str, again: &str) -> Result<(), Problem> {
    verify(inst, old)?;
    if !valid(new) {
        return Err(Problem::Format);
    }
    if new != again {
        return Err(Problem::Mismatch);
    }
    set(inst, new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::Label;
    use crate::state::Role;

    fn inst() -> (tempfile::TempDir, Installation) {
        let t = tempfile::tempdir().unwrap();
        let oqs = t.path().join("oqs");
        for s in ["Req", "Res", "Face"] {
            std::fs::create_dir_all(oqs.join(s)).unwrap();
        }
        let home = Home::at(t.path().join("home"));
        let i = home
            .init(Role::Clinic, &oqs, &Label::new("受付PC").unwrap())
            .unwrap();
        (t, i)
    }

    fn outcomes(i: &Installation) -> Vec<Audited> {
        i.journal
            .audit_rows(None)
            .unwrap()
            .into_iter()
            .map(|r| r.outcome)
            .collect()
    }

    #[test]
    fn format() {
        for ok in ["1234", "00000000", "987654"] {
            assert!(valid(ok), "{ok}");
        }
        for bad in ["", "123", "123456789", "12a4", "１２３４", " 1234"] {
            assert!(!valid(bad), "{bad}");
        }
    }

    #[test]
    fn set_verify_change_and_audit() {
        let (_t, i) = inst();
        assert!(matches!(verify(&i, "1234"), Err(Problem::NotSet)));
        assert!(matches!(set_with(&i, "12", 10), Err(Problem::Format)));
        set_with(&i, "2468", 1000).unwrap();
        assert!(is_set(&i.home));
        let file = std::fs::read_to_string(i.home.path().join(PIN_FILE)).unwrap();
        assert!(!file.contains("2468"), "{file}");
        verify(&i, "2468").unwrap();
        assert!(matches!(
            verify(&i, "1357"),
            Err(Problem::Wrong { left: 4 })
        ));
        // A right PIN resets the count.
        verify(&i, "2468").unwrap();
        assert!(matches!(
            verify(&i, "1357"),
            Err(Problem::Wrong { left: 4 })
        ));
        assert!(matches!(
            change(&i, "1357", "1111", "1111"),
            Err(Problem::Wrong { .. })
        ));
        assert!(matches!(
            change(&i, "2468", "1111", "1112"),
            Err(Problem::Mismatch)
        ));
        change(&i, "2468", "1111", "1111").unwrap();
        verify(&i, "1111").unwrap();
        assert!(verify(&i, "2468").is_err());
        let o = outcomes(&i);
        assert!(o.contains(&Audited::PinSet) && o.contains(&Audited::PinChanged));
        // Salted: the same PIN set twice is stored differently.
        let a = std::fs::read_to_string(i.home.path().join(PIN_FILE)).unwrap();
        set_with(&i, "1111", 1000).unwrap();
        let b = std::fs::read_to_string(i.home.path().join(PIN_FILE)).unwrap();
        let hash = |s: &str| serde_json::from_str::<Stored>(s).unwrap().hash;
        assert_ne!(hash(&a), hash(&b));
    }

    #[test]
    fn lockout_after_repeated_failures_then_ends() {
        let (_t, i) = inst();
        set_with(&i, "2468", 1000).unwrap();
        let t0 = Local::now();
        for left in (1..MAX_TRIES).rev() {
            assert!(matches!(
                verify_at(&i, "0000", t0),
                Err(Problem::Wrong { left: l }) if l == left
            ));
        }
        assert!(matches!(
            verify_at(&i, "0000", t0),
            Err(Problem::Locked { secs: LOCKOUT_SECS })
        ));
        // Locked: even the right PIN is refused, and the lockout survives a reload.
        let later = t0 + chrono::Duration::seconds(10);
        assert!(matches!(
            verify_at(&i, "2468", later),
            Err(Problem::Locked { secs }) if secs <= 20
        ));
        assert!(outcomes(&i).contains(&Audited::PinLocked));
        assert!(text::pin_locked(20).contains("20"));
        let after = t0 + chrono::Duration::seconds(LOCKOUT_SECS + 1);
        verify_at(&i, "2468", after).unwrap();
        assert!(matches!(
            verify_at(&i, "0000", after),
            Err(Problem::Wrong { left }) if left == MAX_TRIES - 1
        ));
    }

    /// The stored rounds make one check take a noticeable time (~0.1–0.3 s on a reception PC;
    /// dependencies are optimised even in debug builds). Only a lower bound is checked here: the
    /// machines running the tests are shared and may be slow.
    #[test]
    fn one_check_is_slow() {
        let (_t, i) = inst();
        set(&i, "2468").unwrap();
        let t = std::time::Instant::now();
        verify(&i, "2468").unwrap();
        let took = t.elapsed();
        eprintln!("one PIN check with {ITERATIONS} rounds: {took:?}");
        assert!(took >= std::time::Duration::from_millis(40), "{took:?}");
    }
}
