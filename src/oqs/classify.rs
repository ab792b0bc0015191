//! What a link file is, judged by its name alone.
//!
//! Owns the prefix table (configuration with built-in defaults), the [`Kind`] of a name, its
//! travel [`Direction`] and the names a request expects as answers. Pure: it never opens a file
//! and never decides whether a file may travel; callers read [`Kind::is_known`] and their settings.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a prefix table or a kind label was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// A label is not one of the frozen kind labels.
    #[error("{0:?} is not a known OQS file kind label")]
    UnknownLabel(String),
    /// A prefix is empty, not ASCII, or contains a character that cannot start a file name.
    #[error(
        "the OQS file-name prefix {0:?} is empty or contains characters other than ASCII letters, digits and `_`"
    )]
    BadPrefix(String),
    /// A request or result prefix does not contain `req` / `res`, so answers cannot be derived.
    #[error("the OQS file-name prefix {0:?} lacks the `req`/`res` marker its kind needs")]
    NoMarker(String),
    /// The kind cannot be named by a prefix (`face` is, `err` and `unknown` are not).
    #[error("the kind {0:?} cannot be assigned to a file-name prefix")]
    NotPrefixable(String),
}

/// The OQS process a request or result belongs to (the part of the prefix after the service
/// symbol, with the phase for two-phase bulk processes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    /// 資格確認 single check (`OQSsiquc01`).
    Single,
    /// 資格確認一括照会, phase 1 (`OQSmuquc01`).
    Bulk1,
    /// 資格確認一括照会, phase 2 (`OQSmuquc02`).
    Bulk2,
    /// 照会番号 single registration (`OQSsiimm01`).
    RefNo,
    /// 照会番号 bulk registration, phase 1 (`OQSmuimm01`).
    RefNoBulk1,
    /// 照会番号 bulk registration, phase 2 (`OQSmuimm02`).
    RefNoBulk2,
    /// 一括照会 医療扶助, phase 1 (`OQSmutic01`).
    AidBulk1,
    /// 一括照会 医療扶助, phase 2 (`OQSmutic02`).
    AidBulk2,
    /// 一括照会 訪問診療, phase 1 (`OQSmuhvq01`).
    VisitBulk1,
    /// 一括照会 訪問診療, phase 2 (`OQSmuhvq02`).
    VisitBulk2,
    /// 一括照会 オンライン診療, phase 1 (`OQSmuonq01`).
    OnlineBulk1,
    /// 一括照会 オンライン診療, phase 2 (`OQSmuonq02`).
    OnlineBulk2,
    /// 薬剤情報 (`YZKsiquc01`); the result may be a PDF.
    Drug,
    /// 特定健診情報 (`TKKsiquc01`); the result may be a PDF.
    Checkup,
}

impl Process {
    /// Every process, in label order of the module documentation.
    pub const ALL: [Process; 14] = [
        Process::Single,
        Process::Bulk1,
        Process::Bulk2,
        Process::RefNo,
        Process::RefNoBulk1,
        Process::RefNoBulk2,
        Process::AidBulk1,
        Process::AidBulk2,
        Process::VisitBulk1,
        Process::VisitBulk2,
        Process::OnlineBulk1,
        Process::OnlineBulk2,
        Process::Drug,
        Process::Checkup,
    ];

    /// The frozen label stem (`single`, `bulk1`, …).
    pub fn label(self) -> &'static str {
        match self {
            Process::Single => "single",
            Process::Bulk1 => "bulk1",
            Process::Bulk2 => "bulk2",
            Process::RefNo => "refno",
            Process::RefNoBulk1 => "refno-bulk1",
            Process::RefNoBulk2 => "refno-bulk2",
            Process::AidBulk1 => "aid-bulk1",
            Process::AidBulk2 => "aid-bulk2",
            Process::VisitBulk1 => "visit-bulk1",
            Process::VisitBulk2 => "visit-bulk2",
            Process::OnlineBulk1 => "online-bulk1",
            Process::OnlineBulk2 => "online-bulk2",
            Process::Drug => "drug",
            Process::Checkup => "checkup",
        }
    }

    /// Phase 1 of a two-phase bulk process: its result carries a ReceptionNumber and a phase-2
    /// request follows on a later trip.
    pub fn is_first_phase(self) -> bool {
        matches!(
            self,
            Process::Bulk1
                | Process::RefNoBulk1
                | Process::AidBulk1
                | Process::VisitBulk1
                | Process::OnlineBulk1
        )
    }

    /// Phase 2 of a two-phase bulk process: its result may say "not ready yet" and may be a ZIP.
    pub fn is_second_phase(self) -> bool {
        matches!(
            self,
            Process::Bulk2
                | Process::RefNoBulk2
                | Process::AidBulk2
                | Process::VisitBulk2
                | Process::OnlineBulk2
        )
    }

    /// Extensions (lowercase, without dot) a result of this process may have, preferred first.
    pub fn result_extensions(self) -> &'static [&'static str] {
        if matches!(self, Process::Drug | Process::Checkup) {
            &["xml", "pdf"]
        } else if self.is_second_phase() {
            &["xml", "zip"]
        } else {
            &["xml"]
        }
    }
}

/// What a link file is.
///
/// Serialised as its frozen label (see the module documentation of [`crate::oqs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A request written by the レセコン (`…req_….xml`).
    Request(Process),
    /// A result written by the 連携アプリ for a request (`…res_….xml/.pdf/.zip`).
    Result(Process),
    /// A face-reader / card-reader result with no request (`OQSsiquc01res_face_….xml`).
    Face,
    /// A file-level error for a request: `<request base name>.err`, named like the request.
    Error(Process),
    /// Not recognised: no prefix matched, or the extension does not fit the kind.
    Unknown,
}

/// Which way a kind of file travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Clinic (Dynamics) Req → terminal Req: requests.
    ToTerminal,
    /// Terminal Res/Face → clinic Res/Face: results, face files, `.err` files.
    ToClinic,
}

impl Kind {
    /// Every kind with a label, for tests and documentation.
    pub fn all() -> Vec<Kind> {
        let mut all = Vec::new();
        for p in Process::ALL {
            all.extend([Kind::Request(p), Kind::Result(p), Kind::Error(p)]);
        }
        all.extend([Kind::Face, Kind::Unknown]);
        all
    }

    /// The stable machine label stored in packages (`single-req`, `face`, `bulk2-err`, …).
    /// Lowercase ASCII `[a-z0-9-]`, at most 32 characters; frozen once shipped.
    pub fn label(self) -> String {
        match self {
            Kind::Request(p) => format!("{}-req", p.label()),
            Kind::Result(p) => format!("{}-res", p.label()),
            Kind::Error(p) => format!("{}-err", p.label()),
            Kind::Face => "face".to_owned(),
            Kind::Unknown => "unknown".to_owned(),
        }
    }

    /// Whether the name was recognised at all. Callers refuse to carry unknown files unless
    /// settings allow it.
    pub fn is_known(self) -> bool {
        self != Kind::Unknown
    }

    /// The process, for requests, results and error files.
    pub fn process(self) -> Option<Process> {
        match self {
            Kind::Request(p) | Kind::Result(p) | Kind::Error(p) => Some(p),
            Kind::Face | Kind::Unknown => None,
        }
    }

    /// Which way this kind travels; `None` for unknown files.
    pub fn direction(self) -> Option<Direction> {
        match self {
            Kind::Request(_) => Some(Direction::ToTerminal),
            Kind::Result(_) | Kind::Face | Kind::Error(_) => Some(Direction::ToClinic),
            Kind::Unknown => None,
        }
    }

    /// The Japanese kind name staff see in the import prompt.
    pub fn staff_name(self) -> &'static str {
        use crate::text;
        match self {
            Kind::Face => text::OQS_KIND_FACE,
            Kind::Error(_) => text::OQS_KIND_ERROR,
            Kind::Unknown => text::OQS_KIND_UNKNOWN,
            Kind::Request(p) | Kind::Result(p) => match p {
                Process::Single => text::OQS_KIND_SINGLE,
                Process::Bulk1 | Process::Bulk2 => text::OQS_KIND_BULK,
                Process::AidBulk1 | Process::AidBulk2 => text::OQS_KIND_BULK_AID,
                Process::VisitBulk1 | Process::VisitBulk2 => text::OQS_KIND_BULK_VISIT,
                Process::OnlineBulk1 | Process::OnlineBulk2 => text::OQS_KIND_BULK_ONLINE,
                Process::RefNo | Process::RefNoBulk1 | Process::RefNoBulk2 => text::OQS_KIND_REFNO,
                Process::Drug => text::OQS_KIND_DRUG,
                Process::Checkup => text::OQS_KIND_CHECKUP,
            },
        }
    }

    /// Whether a file of this kind may have the given extension (lowercase, without dot).
    fn allows_extension(self, ext: &str) -> bool {
        match self {
            Kind::Request(_) | Kind::Face => ext == "xml",
            Kind::Result(p) => p.result_extensions().contains(&ext),
            Kind::Error(_) => ext == "err",
            Kind::Unknown => true,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for Kind {
    type Err = TableError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::all()
            .into_iter()
            .find(|k| k.label() == s)
            .ok_or_else(|| TableError::UnknownLabel(s.to_owned()))
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One row of the prefix table: names starting with `prefix` (ASCII case ignored) are `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixRule {
    /// The file-name prefix, e.g. `OQSsiquc01req_`.
    pub prefix: String,
    /// The kind: a request, result or `face` label.
    pub kind: Kind,
}

/// The table from file-name prefix to kind. Built-in defaults come from the field (product.md
/// §2); a settings file may replace or extend it ([`PrefixTable::with_extra`]).
/// The longest matching prefix wins, so `OQSsiquc01res_face_` beats `OQSsiquc01res_`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixTable {
    /// The rules, in any order.
    pub rules: Vec<PrefixRule>,
}

const DEFAULT_PREFIXES: [(&str, Process); 14] = [
    ("OQSsiquc01", Process::Single),
    ("OQSmuquc01", Process::Bulk1),
    ("OQSmuquc02", Process::Bulk2),
    ("OQSsiimm01", Process::RefNo),
    ("OQSmuimm01", Process::RefNoBulk1),
    ("OQSmuimm02", Process::RefNoBulk2),
    ("OQSmutic01", Process::AidBulk1),
    ("OQSmutic02", Process::AidBulk2),
    ("OQSmuhvq01", Process::VisitBulk1),
    ("OQSmuhvq02", Process::VisitBulk2),
    ("OQSmuonq01", Process::OnlineBulk1),
    ("OQSmuonq02", Process::OnlineBulk2),
    ("YZKsiquc01", Process::Drug),
    ("TKKsiquc01", Process::Checkup),
];

impl Default for PrefixTable {
    fn default() -> Self {
        let mut rules = Vec::new();
        for (stem, process) in DEFAULT_PREFIXES {
            rules.push(PrefixRule {
                prefix: format!("{stem}req_"),
                kind: Kind::Request(process),
            });
            rules.push(PrefixRule {
                prefix: format!("{stem}res_"),
                kind: Kind::Result(process),
            });
        }
        rules.push(PrefixRule {
            prefix: "OQSsiquc01res_face_".to_owned(),
            kind: Kind::Face,
        });
        PrefixTable { rules }
    }
}

static DEFAULT_TABLE: LazyLock<PrefixTable> = LazyLock::new(PrefixTable::default);

/// The built-in table.
pub fn default_table() -> &'static PrefixTable {
    &DEFAULT_TABLE
}

/// Classifies `name` with the built-in table.
pub fn classify(name: &str) -> Kind {
    DEFAULT_TABLE.classify(name)
}

/// The names that answer `request`, per the built-in table (see [`PrefixTable::expected_responses`]).
pub fn expected_responses(request: &str) -> Vec<String> {
    DEFAULT_TABLE.expected_responses(request)
}

/// Splits `name` at its last dot: (stem, lowercase extension). No dot → whole name, "".
fn split_ext(name: &str) -> (&str, String) {
    match name.rfind('.') {
        Some(i) => (&name[..i], name[i + 1..].to_ascii_lowercase()),
        None => (name, String::new()),
    }
}

/// Whether `name` starts with `prefix`, ASCII case ignored, with something after it.
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.len() > prefix.len()
        && name
            .as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
}

impl PrefixTable {
    /// The built-in rules plus `extra` (later rules of equal length win over built-in ones).
    pub fn with_extra(extra: Vec<PrefixRule>) -> Result<Self, TableError> {
        let mut table = PrefixTable::default();
        table.rules.extend(extra);
        table.validate()?;
        Ok(table)
    }

    /// Checks every rule: ASCII letters/digits/`_` only, request and result prefixes carry the
    /// `req`/`res` marker, and only request, result and face kinds are named by prefixes.
    pub fn validate(&self) -> Result<(), TableError> {
        for rule in &self.rules {
            let p = &rule.prefix;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return Err(TableError::BadPrefix(p.clone()));
            }
            let lower = p.to_ascii_lowercase();
            match rule.kind {
                Kind::Request(_) if !lower.contains("req") => {
                    return Err(TableError::NoMarker(p.clone()));
                }
                Kind::Result(_) | Kind::Face if !lower.contains("res") => {
                    return Err(TableError::NoMarker(p.clone()));
                }
                Kind::Error(_) | Kind::Unknown => {
                    return Err(TableError::NotPrefixable(rule.kind.label()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The longest rule whose prefix starts `stem` (something must follow the prefix).
    fn rule_for(&self, stem: &str) -> Option<&PrefixRule> {
        self.rules
            .iter()
            .filter(|r| has_prefix(stem, &r.prefix))
            .max_by_key(|r| r.prefix.len())
    }

    /// What `name` is. Letter case is ignored (Windows); the extension must fit the kind
    /// (requests and face files `.xml`, results `.xml` or as [`Process::result_extensions`]
    /// allows, `.err` after a request's base name) — otherwise the file is [`Kind::Unknown`].
    pub fn classify(&self, name: &str) -> Kind {
        let (stem, ext) = split_ext(name);
        if ext == "err" {
            return match self.rule_for(stem).map(|r| r.kind) {
                Some(Kind::Request(p)) => Kind::Error(p),
                _ => Kind::Unknown,
            };
        }
        match self.rule_for(stem) {
            Some(rule) if rule.kind.allows_extension(&ext) => rule.kind,
            _ => Kind::Unknown,
        }
    }

    /// The names that answer `request` (empty when `request` is not a request name): the base
    /// name with `req` → `res` inside the prefix only (letter case kept), with each extension the
    /// result kind allows, then `<request base name>.err`.
    pub fn expected_responses(&self, request: &str) -> Vec<String> {
        let (stem, _) = split_ext(request);
        let Some(rule) = self.rule_for(stem) else {
            return Vec::new();
        };
        let Kind::Request(process) = rule.kind else {
            return Vec::new();
        };
        if self.classify(request) != rule.kind {
            return Vec::new();
        }
        let (head, tail) = stem.split_at(rule.prefix.len());
        let Some(at) = head.to_ascii_lowercase().rfind("req") else {
            return Vec::new();
        };
        let mut result_stem = String::with_capacity(stem.len());
        result_stem.push_str(&head[..at + 2]);
        result_stem.push(if head.as_bytes().get(at + 2) == Some(&b'Q') {
            'S'
        } else {
            's'
        });
        result_stem.push_str(&head[at + 3..]);
        result_stem.push_str(tail);
        let mut names: Vec<String> = process
            .result_extensions()
            .iter()
            .map(|ext| format!("{result_stem}.{ext}"))
            .collect();
        names.push(format!("{stem}.err"));
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_in_the_brief() {
        use Kind::*;
        use Process::*;
        let cases: &[(&str, Kind)] = &[
            ("OQSsiquc01req_202501010001.xml", Request(Single)),
            ("OQSsiquc01res_202501010001.xml", Result(Single)),
            ("OQSsiquc01res_face_1312345678400_20250101120000.xml", Face),
            ("OQSsiquc01res_face_20241127224145.xml", Face),
            ("OQSmuquc01req_202501150001.xml", Request(Bulk1)),
            ("OQSmuquc01res_202501150001.xml", Result(Bulk1)),
            ("OQSmuquc02req_202501150001.xml", Request(Bulk2)),
            ("OQSmuquc02res_202501150001.xml", Result(Bulk2)),
            ("OQSmuquc02res_202501150001.zip", Result(Bulk2)),
            ("OQSsiimm01req_202501010001.xml", Request(RefNo)),
            ("OQSsiimm01res_202501010001.xml", Result(RefNo)),
            ("OQSmuimm01req_202501010001.xml", Request(RefNoBulk1)),
            ("OQSmuimm02req_202501010001.xml", Request(RefNoBulk2)),
            ("OQSmuimm02res_202501010001.xml", Result(RefNoBulk2)),
            ("OQSmutic01req_202501010001.xml", Request(AidBulk1)),
            ("OQSmutic02res_202501010001.zip", Result(AidBulk2)),
            ("OQSmuhvq01req_202501010001.xml", Request(VisitBulk1)),
            ("OQSmuhvq02res_202501010001.xml", Result(VisitBulk2)),
            ("OQSmuonq01res_202501010001.xml", Result(OnlineBulk1)),
            ("OQSmuonq02req_202501010001.xml", Request(OnlineBulk2)),
            ("YZKsiquc01req_0125010112001234.xml", Request(Drug)),
            ("YZKsiquc01res_0125010112001234.pdf", Result(Drug)),
            ("YZKsiquc01res_0125010112001234.xml", Result(Drug)),
            ("TKKsiquc01req_0225010112001234.xml", Request(Checkup)),
            ("TKKsiquc01res_0225010112001234.pdf", Result(Checkup)),
            ("OQSsiquc01req_202501010001.err", Error(Single)),
            ("OQSmuquc01req_202501150001.err", Error(Bulk1)),
            ("YZKsiquc01req_x.err", Error(Drug)),
        ];
        for (name, kind) in cases {
            assert_eq!(classify(name), *kind, "{name}");
        }
    }

    #[test]
    fn unknown_names() {
        for name in [
            "",
            "readme.txt",
            "OQSsiquc01req_.xml",       // nothing after the prefix
            "OQSsiquc01req_x.tmp",      // half-written temp file
            "OQSsiquc01req_x",          // no extension
            "OQSsiquc01req_x.pdf",      // requests are XML
            "OQSsiquc01res_x.zip",      // single results are not ZIP
            "OQSmuquc01res_x.zip",      // phase-1 results are not ZIP
            "OQSsiquc01res_x.err",      // .err is named like the request
            "OQSsiquc01res_face_x.pdf", // face files are XML
            "xOQSsiquc01req_x.xml",     // prefix must start the name
            "OQSsiquc99req_x.xml",      // unknown process
            ".receptionagent-1234.tmp",
            "OQSsiquc01req_x.xml.tmp",
        ] {
            assert_eq!(classify(name), Kind::Unknown, "{name:?}");
            assert!(!classify(name).is_known());
        }
    }

    #[test]
    fn case_is_ignored() {
        assert_eq!(
            classify("oqssiquc01req_a.XML"),
            Kind::Request(Process::Single)
        );
        assert_eq!(classify("OQSSIQUC01RES_FACE_A.Xml"), Kind::Face);
        assert_eq!(classify("yzksiquc01res_a.PDF"), Kind::Result(Process::Drug));
        assert_eq!(
            classify("OQSsiquc01REQ_a.ERR"),
            Kind::Error(Process::Single)
        );
        assert_eq!(
            expected_responses("OQSsiquc01REQ_a.XML"),
            ["OQSsiquc01RES_a.xml", "OQSsiquc01REQ_a.err"]
        );
    }

    #[test]
    fn responses_replace_req_only_in_the_prefix() {
        assert_eq!(
            expected_responses("OQSsiquc01req_req123req.xml"),
            ["OQSsiquc01res_req123req.xml", "OQSsiquc01req_req123req.err"]
        );
        assert_eq!(
            expected_responses("YZKsiquc01req_01250101req.xml"),
            [
                "YZKsiquc01res_01250101req.xml",
                "YZKsiquc01res_01250101req.pdf",
                "YZKsiquc01req_01250101req.err"
            ]
        );
        assert_eq!(
            expected_responses("OQSmuquc02req_202501150001.xml"),
            [
                "OQSmuquc02res_202501150001.xml",
                "OQSmuquc02res_202501150001.zip",
                "OQSmuquc02req_202501150001.err"
            ]
        );
        // Every expected answer classifies as the matching result or error kind.
        for p in Process::ALL {
            let rule = PrefixTable::default()
                .rules
                .into_iter()
                .find(|r| r.kind == Kind::Request(p));
            let Some(rule) = rule else {
                panic!("no request rule for {p:?}")
            };
            let req = format!("{}202501010001.xml", rule.prefix);
            let answers = expected_responses(&req);
            assert!(answers.len() >= 2, "{req}");
            for a in &answers[..answers.len() - 1] {
                assert_eq!(classify(a), Kind::Result(p), "{a}");
            }
            assert_eq!(classify(&answers[answers.len() - 1]), Kind::Error(p));
        }
    }

    #[test]
    fn non_requests_expect_nothing() {
        for name in [
            "OQSsiquc01res_a.xml",
            "OQSsiquc01res_face_a.xml",
            "OQSsiquc01req_a.err",
            "OQSsiquc01req_a.tmp",
            "x.xml",
        ] {
            assert!(expected_responses(name).is_empty(), "{name}");
        }
    }

    #[test]
    fn labels_are_frozen_and_well_formed() {
        let all = Kind::all();
        let mut labels: Vec<String> = all.iter().map(|k| k.label()).collect();
        for (kind, label) in all.iter().zip(&labels) {
            assert!(label.len() <= 32, "{label}");
            assert!(
                label.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'-'
                    || b == b'_'),
                "{label}"
            );
            assert_eq!(label.parse::<Kind>(), Ok(*kind));
        }
        // Snapshot: changing any of these breaks packages already on sticks.
        assert_eq!(
            labels[..6],
            [
                "single-req",
                "single-res",
                "single-err",
                "bulk1-req",
                "bulk1-res",
                "bulk1-err"
            ]
        );
        assert_eq!(Kind::Face.label(), "face");
        assert_eq!(Kind::Unknown.label(), "unknown");
        assert_eq!(
            Kind::Result(Process::OnlineBulk2).label(),
            "online-bulk2-res"
        );
        assert_eq!(Kind::Request(Process::Checkup).label(), "checkup-req");
        labels.sort();
        labels.dedup();
        assert_eq!(labels.len(), all.len());
        assert!("nope".parse::<Kind>().is_err());
    }

    #[test]
    fn directions() {
        assert_eq!(
            classify("OQSsiquc01req_a.xml").direction(),
            Some(Direction::ToTerminal)
        );
        for name in [
            "OQSsiquc01res_a.xml",
            "OQSsiquc01res_face_a.xml",
            "OQSsiquc01req_a.err",
            "TKKsiquc01res_a.pdf",
        ] {
            assert_eq!(
                classify(name).direction(),
                Some(Direction::ToClinic),
                "{name}"
            );
        }
        assert_eq!(classify("a.txt").direction(), None);
    }

    #[test]
    fn table_is_configuration() {
        let json = r#"{"rules":[{"prefix":"OQSsiquc09req_","kind":"single-req"},
                                {"prefix":"OQSsiquc09res_","kind":"single-res"}]}"#;
        let extra: PrefixTable = match serde_json::from_str(json) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(extra.validate(), Ok(()));
        assert_eq!(
            extra.classify("OQSsiquc09req_a.xml"),
            Kind::Request(Process::Single)
        );
        assert_eq!(extra.classify("OQSsiquc01req_a.xml"), Kind::Unknown);
        let Ok(both) = PrefixTable::with_extra(extra.rules) else {
            panic!("valid rules refused")
        };
        assert_eq!(
            both.classify("OQSsiquc09res_a.xml"),
            Kind::Result(Process::Single)
        );
        assert_eq!(
            both.classify("OQSsiquc01res_a.xml"),
            Kind::Result(Process::Single)
        );
        assert_eq!(
            both.expected_responses("OQSsiquc09req_a.xml"),
            ["OQSsiquc09res_a.xml", "OQSsiquc09req_a.err"]
        );
        // Round trip of the defaults.
        let Ok(text) = serde_json::to_string(&PrefixTable::default()) else {
            panic!("serialise")
        };
        assert!(text.contains(r#""kind":"face""#));
        assert_eq!(
            serde_json::from_str::<PrefixTable>(&text).ok(),
            Some(PrefixTable::default())
        );
        assert_eq!(PrefixTable::default().validate(), Ok(()));

        let bad = |prefix: &str, kind: &str| -> Result<PrefixTable, TableError> {
            let Ok(kind) = kind.parse() else {
                return Err(TableError::UnknownLabel(kind.into()));
            };
            PrefixTable::with_extra(vec![PrefixRule {
                prefix: prefix.into(),
                kind,
            }])
        };
        assert_eq!(bad("", "single-req"), Err(TableError::BadPrefix("".into())));
        assert_eq!(
            bad("../x", "single-req"),
            Err(TableError::BadPrefix("../x".into()))
        );
        assert_eq!(
            bad("ABCxyz01", "single-req"),
            Err(TableError::NoMarker("ABCxyz01".into()))
        );
        assert_eq!(
            bad("ABCreq_", "single-err"),
            Err(TableError::NotPrefixable("single-err".into()))
        );
        assert!(
            serde_json::from_str::<PrefixTable>(r#"{"rules":[{"prefix":"A","kind":"x"}]}"#)
                .is_err()
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn any_name_classifies_without_panic(name in "\\PC{0,40}") {
            let kind = classify(&name);
            let _ = expected_responses(&name);
            proptest::prop_assert_eq!(kind.label().parse::<Kind>().ok(), Some(kind));
        }

        #[test]
        fn answers_match_their_request(
            which in 0usize..14,
            free in "[A-Za-z0-9_.\\-あ-ん]{1,20}",
            upper in proptest::bool::ANY,
        ) {
            let p = Process::ALL[which % Process::ALL.len()];
            let stem = DEFAULT_PREFIXES
                .iter()
                .find(|(_, q)| *q == p)
                .map(|(s, _)| *s)
                .unwrap_or("OQSsiquc01");
            let mut req = format!("{stem}req_{free}.xml");
            if upper {
                req = req.to_ascii_uppercase();
            }
            let answers = expected_responses(&req);
            if classify(&req) == Kind::Request(p) {
                proptest::prop_assert!(answers.len() >= 2);
                for a in &answers[..answers.len() - 1] {
                    proptest::prop_assert_eq!(classify(a), Kind::Result(p));
                    // Only the prefix changed.
                    proptest::prop_assert_eq!(&a[stem.len() + 4..a.len() - 4], &req[stem.len() + 4..req.len() - 4]);
                }
                proptest::prop_assert_eq!(classify(&answers[answers.len() - 1]), Kind::Error(p));
            } else {
                proptest::prop_assert!(answers.is_empty());
            }
        }
    }
}
