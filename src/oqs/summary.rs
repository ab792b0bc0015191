//! What a result says, for the import prompt — read-only, hardened, display only.
//!
//! Owns the decoding (UTF-8 or Shift_JIS, decided by BOM, XML declaration and
//! `CharacterCodeIdentifier`, never with replacement characters) and the lenient, by-element-name
//! reading of `XmlMsg` response, face and request files into a [`Summary`]. Input is hostile:
//! larger than [`MAX_INPUT`], nested deeper than [`MAX_DEPTH`], with a DOCTYPE or any entity
//! other than the five predefined ones, or in a wrong or unsupported encoding, it is
//! [`State::Unreadable`] without further work; parsing is iterative and never panics. It must
//! not change the bytes or decide whether a file travels: an unreadable file is still carried
//! and staff see 「内容を表示できません」.

use chrono::{NaiveDate, NaiveDateTime};
use encoding_rs::{SHIFT_JIS, UTF_8};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use serde::Serialize;

use super::classify::{Kind, PrefixTable, Process, default_table};
use crate::text;

/// Files larger than this (bytes) are not parsed: [`Unreadable::TooLarge`].
pub const MAX_INPUT: usize = 4 * 1024 * 1024;
/// Deepest accepted element nesting. Real files nest about 6 deep.
pub const MAX_DEPTH: usize = 32;
/// At most this many patients are kept; the rest only sets [`Summary::patients_truncated`].
pub const MAX_PATIENTS: usize = 1000;
/// Longest value kept per field, in characters (the rest is cut off for display).
const MAX_VALUE_CHARS: usize = 256;

/// Why a file's content cannot be shown. The file is still carried unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "kebab-case")]
pub enum Unreadable {
    /// Larger than [`MAX_INPUT`]; not parsed.
    #[error("the file is larger than the summary limit of {MAX_INPUT} bytes")]
    TooLarge,
    /// No content.
    #[error("the file is empty")]
    Empty,
    /// Not XML: PDF, ZIP, encrypted by the 連携アプリ, or other binary data.
    #[error("the file is not XML (PDF, ZIP, encrypted or other binary data)")]
    NotXml,
    /// Declares an encoding other than UTF-8 or Shift_JIS (or is UTF-16).
    #[error("the file uses an encoding other than UTF-8 or Shift_JIS")]
    UnsupportedEncoding,
    /// The bytes are not valid in the encoding the file declares.
    #[error("the file's bytes are not valid in its declared encoding")]
    Undecodable,
    /// The declared encoding contradicts the bytes or the CharacterCodeIdentifier, so the text
    /// would be garbled.
    #[error("the file's declared encoding contradicts its bytes or its CharacterCodeIdentifier")]
    EncodingMismatch,
    /// Has a DOCTYPE (entity declarations, external entities): refused outright.
    #[error("the XML has a DOCTYPE, which OQS files never have")]
    Doctype,
    /// Refers to an entity other than the five predefined ones.
    #[error("the XML refers to an undefined entity")]
    Entity,
    /// Nests deeper than [`MAX_DEPTH`].
    #[error("the XML nests deeper than {MAX_DEPTH} elements")]
    TooDeep,
    /// Not well-formed XML (truncated, mismatched tags, bad character reference, …).
    #[error("the XML is not well-formed")]
    Malformed,
    /// Well-formed XML whose root is not `XmlMsg`.
    #[error("the XML root element is not XmlMsg")]
    NotOqsMessage,
}

/// The text encoding a file was decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    /// UTF-8 (CharacterCodeIdentifier 0).
    #[serde(rename = "utf-8")]
    Utf8,
    /// Shift_JIS / Windows-31J (CharacterCodeIdentifier 1).
    #[serde(rename = "shift_jis")]
    ShiftJis,
}

/// The overall state of a file, for the row colour in the import prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Finished normally (SegmentOfResult 1 / ProcessingResultStatus 1 / ResultCode 1).
    Ok,
    /// Still processing (SegmentOfResult 2): a bulk phase-2 result that is not ready yet. Normal.
    Pending,
    /// An error: SegmentOfResult 9, ProcessingResultStatus 2, ResultCode ≠ 1, or a `.err` file.
    Error,
    /// Readable, but no status element (e.g. a request).
    NoStatus,
    /// The content cannot be shown; see [`Summary::unreadable`].
    Unreadable,
}

impl State {
    /// The Japanese word staff see.
    pub fn text(self) -> &'static str {
        match self {
            State::Ok => text::OQS_STATE_OK,
            State::Pending => text::OQS_STATE_PENDING,
            State::Error => text::OQS_STATE_ERROR,
            State::NoStatus => text::OQS_STATE_NONE,
            State::Unreadable => text::UNREADABLE,
        }
    }
}

/// QualificationValidity (OQSCD006).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    /// 1 有効.
    Valid,
    /// 2 無効.
    Invalid,
    /// 3 無効（新しい資格あり）.
    InvalidNewer,
    /// 4 該当資格なし.
    NoQualification,
    /// 5 複数該当.
    Multiple,
    /// 6 有効（未登録）(医療扶助).
    ValidUnregistered,
    /// Any other code, as found.
    Other(String),
}

impl Validity {
    /// From the code in the file.
    pub fn from_code(code: &str) -> Self {
        match code {
            "1" => Validity::Valid,
            "2" => Validity::Invalid,
            "3" => Validity::InvalidNewer,
            "4" => Validity::NoQualification,
            "5" => Validity::Multiple,
            "6" => Validity::ValidUnregistered,
            other => Validity::Other(other.to_owned()),
        }
    }

    /// The Japanese word staff see.
    pub fn text(&self) -> &'static str {
        match self {
            Validity::Valid => text::OQS_VALID,
            Validity::Invalid => text::OQS_INVALID,
            Validity::InvalidNewer => text::OQS_INVALID_NEWER,
            Validity::NoQualification => text::OQS_NO_QUALIFICATION,
            Validity::Multiple => text::OQS_MULTIPLE,
            Validity::ValidUnregistered => text::OQS_VALID_UNREGISTERED,
            Validity::Other(_) => text::OQS_UNKNOWN_CODE,
        }
    }
}

/// Sex1 (OQSCD007).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Sex {
    /// 1 男.
    Male,
    /// 2 女.
    Female,
    /// 3 未設定.
    Unset,
    /// Any other code, as found.
    Other(String),
}

impl Sex {
    /// From the code in the file.
    pub fn from_code(code: &str) -> Self {
        match code {
            "1" => Sex::Male,
            "2" => Sex::Female,
            "3" => Sex::Unset,
            other => Sex::Other(other.to_owned()),
        }
    }

    /// The Japanese word staff see.
    pub fn text(&self) -> &'static str {
        match self {
            Sex::Male => text::OQS_SEX_MALE,
            Sex::Female => text::OQS_SEX_FEMALE,
            Sex::Unset => text::OQS_SEX_UNSET,
            Sex::Other(_) => text::OQS_UNKNOWN_CODE,
        }
    }
}

/// One person in a result (`ResultOfQualificationConfirmation`, or one bulk unit), or the search
/// keys of a request / of a result without a match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Patient {
    /// Name (氏名).
    pub name: Option<String>,
    /// Kana (カナ氏名, usually half-width).
    pub kana: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Sex (Sex1, or Sex).
    pub sex: Option<Sex>,
    /// 保険者番号.
    pub insurer_number: Option<String>,
    /// 記号.
    pub card_symbol: Option<String>,
    /// 番号.
    pub card_number: Option<String>,
    /// 枝番.
    pub card_branch: Option<String>,
    /// Validity for this person (its own, else the message's).
    pub validity: Option<Validity>,
    /// 照会番号 (ReferenceNumber), when registered.
    pub reference_number: Option<String>,
    /// ProcessingResultStatus of this person's unit (bulk), raw code.
    pub processing_status: Option<String>,
    /// ProcessingResultCode of this person's unit (bulk).
    pub error_code: Option<String>,
    /// ProcessingResultMessage of this person's unit (bulk).
    pub error_message: Option<String>,
}

impl Patient {
    /// One line naming the person for the audit log and the prompt: name, kana and birth date,
    /// whichever are present (`None` when none is).
    pub fn line(&self) -> Option<String> {
        let parts: Vec<String> = [
            self.name.clone(),
            self.kana.clone(),
            self.birth_date.map(|d| d.format("%Y/%m/%d").to_string()),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

/// What a link file says, for display. Built by [`summarize`]; serialises to JSON for
/// `summary FILE --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The file name, as given.
    pub name: String,
    /// What the file is by name.
    pub kind: Kind,
    /// Overall state.
    pub state: State,
    /// Why the content cannot be shown (only when `state` is [`State::Unreadable`]).
    pub unreadable: Option<Unreadable>,
    /// The encoding the content was decoded with.
    pub encoding: Option<TextEncoding>,
    /// SegmentOfResult (1 正常終了 / 2 処理中 / 9 異常終了), raw code.
    pub segment_of_result: Option<String>,
    /// ProcessingResultStatus (1 正常終了 / 2 エラー), raw code.
    pub processing_status: Option<String>,
    /// Error code: header ErrorCode, else ProcessingResultCode, else (drug/健診) ResultCode ≠ 1.
    pub error_code: Option<String>,
    /// Error text: header ErrorMessage, else ProcessingResultMessage, else MessageContents.
    pub error_message: Option<String>,
    /// QualificationConfirmationDate (資格確認日).
    pub confirmation_date: Option<NaiveDate>,
    /// ProcessExecutionTime (処理実行日時).
    pub processed_at: Option<NaiveDateTime>,
    /// MedicalInstitutionCode.
    pub medical_institution_code: Option<String>,
    /// ArbitraryFileIdentifier (echoed from the request).
    pub arbitrary_file_identifier: Option<String>,
    /// ReceptionNumber (受付番号) of a bulk phase-1 result or phase-2 request.
    pub reception_number: Option<String>,
    /// Message-level QualificationValidity.
    pub validity: Option<Validity>,
    /// Message-level search keys (QualificationConfirmSearchInfo of a request or of a result).
    pub query: Option<Patient>,
    /// The persons in the result, at most [`MAX_PATIENTS`].
    pub patients: Vec<Patient>,
    /// True when more than [`MAX_PATIENTS`] persons were present.
    pub patients_truncated: bool,
}

impl Summary {
    fn new(name: &str, kind: Kind) -> Self {
        Summary {
            name: name.to_owned(),
            kind,
            state: State::NoStatus,
            unreadable: None,
            encoding: None,
            segment_of_result: None,
            processing_status: None,
            error_code: None,
            error_message: None,
            confirmation_date: None,
            processed_at: None,
            medical_institution_code: None,
            arbitrary_file_identifier: None,
            reception_number: None,
            validity: None,
            query: None,
            patients: Vec::new(),
            patients_truncated: false,
        }
    }

    /// Marks a file that travelled flagged incomplete (its writer never finished it): an error
    /// row, whatever its readable part says.
    pub fn mark_incomplete(&mut self) {
        self.state = State::Error;
        self.unreadable = None;
        self.error_code = None;
        self.error_message = Some(text::INCOMPLETE_FILE.to_owned());
    }

    fn into_unreadable(mut self, why: Unreadable) -> Self {
        self.state = State::Unreadable;
        self.unreadable = Some(why);
        self
    }

    /// The date the result is about: QualificationConfirmationDate, else the date of
    /// ProcessExecutionTime, else (face files) the `_yyyyMMddHHmmss` time stamp in the name —
    /// so even an unreadable face file has an age.
    pub fn date(&self) -> Option<NaiveDate> {
        self.confirmation_date
            .or(self.processed_at.map(|t| t.date()))
            .or_else(|| {
                (self.kind == Kind::Face)
                    .then(|| name_timestamp(&self.name))
                    .flatten()
                    .map(|t| t.date())
            })
    }

    /// How many days old the result is on `today` (0 = today; negative = dated in the future);
    /// `None` when no date is known.
    pub fn age_days(&self, today: NaiveDate) -> Option<i64> {
        self.date().map(|d| (today - d).num_days())
    }

    /// True when the result is dated on another day than `today` (older, or in the future).
    /// An unknown date is not stale by itself; [`Summary::age_text`] says 日付不明.
    pub fn is_stale(&self, today: NaiveDate) -> bool {
        self.age_days(today).is_some_and(|d| d != 0)
    }

    /// The age as staff read it (本日 / 3日前 / 日付不明 / 日付が未来です).
    pub fn age_text(&self, today: NaiveDate) -> String {
        match self.age_days(today) {
            None => text::OQS_AGE_UNKNOWN.to_owned(),
            Some(0) => text::OQS_AGE_TODAY.to_owned(),
            Some(d) if d < 0 => text::OQS_AGE_FUTURE.to_owned(),
            Some(d) => text::oqs_age_days(d),
        }
    }

    /// The kind as staff read it; drug and 健診 results in PDF form say so (薬剤情報PDF).
    pub fn kind_text(&self) -> &'static str {
        let pdf = self.name.to_ascii_lowercase().ends_with(".pdf");
        match self.kind {
            Kind::Result(Process::Drug) if pdf => text::OQS_KIND_DRUG_PDF,
            Kind::Result(Process::Checkup) if pdf => text::OQS_KIND_CHECKUP_PDF,
            k => k.staff_name(),
        }
    }

    /// The person a file is about: its first patient, else its search keys (a request, or a
    /// result without a match).
    pub fn who(&self) -> Option<&Patient> {
        self.patients.first().or(self.query.as_ref())
    }

    /// True for a bulk result that says "not ready yet" — a normal multi-trip state.
    pub fn is_pending(&self) -> bool {
        self.state == State::Pending
    }
}

/// Summarises a link file for display, with the built-in prefix table. Never fails and never
/// panics: what cannot be read is [`State::Unreadable`].
pub fn summarize(name: &str, bytes: &[u8]) -> Summary {
    summarize_with(default_table(), name, bytes)
}

/// [`summarize`] with a configured prefix table.
pub fn summarize_with(table: &PrefixTable, name: &str, bytes: &[u8]) -> Summary {
    let kind = table.classify(name);
    let mut summary = Summary::new(name, kind);
    if let Kind::Error(_) = kind {
        // The `.err` content format is not known; the file itself is the error.
        summary.state = State::Error;
        return summary;
    }
    let (text, encoding) = match decode(bytes) {
        Ok(decoded) => decoded,
        Err(why) => return summary.into_unreadable(why),
    };
    summary.encoding = Some(encoding);
    let raw = match parse(&text) {
        Ok(raw) => raw,
        Err(why) => return summary.into_unreadable(why),
    };
    let declared = match raw.character_code.as_deref() {
        Some("0") => Some(TextEncoding::Utf8),
        Some("1") => Some(TextEncoding::ShiftJis),
        _ => None,
    };
    if declared.is_some_and(|d| d != encoding) {
        return summary.into_unreadable(Unreadable::EncodingMismatch);
    }
    raw.fill(&mut summary);
    summary
}

// --- decoding ------------------------------------------------------------------------------

/// Decides the encoding and decodes, never substituting replacement characters.
fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), Unreadable> {
    if bytes.len() > MAX_INPUT {
        return Err(Unreadable::TooLarge);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE]) {
        return Err(Unreadable::UnsupportedEncoding);
    }
    let (body, bom) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(Unreadable::Empty),
        Some(b'<') => {}
        Some(_) => return Err(Unreadable::NotXml),
    }
    let encoding = match declared_encoding(body)? {
        Some(label) => {
            let label = label.to_ascii_lowercase();
            let found = if label == "cp932" {
                Some(SHIFT_JIS)
            } else {
                encoding_rs::Encoding::for_label(label.as_bytes())
            };
            match found {
                Some(e) if e == UTF_8 => TextEncoding::Utf8,
                Some(e) if e == SHIFT_JIS && !bom => TextEncoding::ShiftJis,
                Some(e) if e == SHIFT_JIS => return Err(Unreadable::EncodingMismatch),
                _ => return Err(Unreadable::UnsupportedEncoding),
            }
        }
        None if bom => TextEncoding::Utf8,
        // No declaration: XML says UTF-8, but a CharacterCodeIdentifier of 1 says Shift_JIS.
        None => match prescan_character_code(body) {
            Some(b'1') => TextEncoding::ShiftJis,
            _ => TextEncoding::Utf8,
        },
    };
    let text = match encoding {
        TextEncoding::Utf8 => std::str::from_utf8(body)
            .map_err(|_| Unreadable::Undecodable)?
            .to_owned(),
        TextEncoding::ShiftJis => {
            // Real Shift_JIS text with any kana or kanji is practically never valid UTF-8,
            // so valid non-ASCII UTF-8 under a Shift_JIS label is a wrong label: mojibake.
            if !body.is_ascii() && std::str::from_utf8(body).is_ok() {
                return Err(Unreadable::EncodingMismatch);
            }
            SHIFT_JIS
                .decode_without_bom_handling_and_without_replacement(body)
                .ok_or(Unreadable::Undecodable)?
                .into_owned()
        }
    };
    Ok((text, encoding))
}

/// The `encoding` pseudo-attribute of the XML declaration, if there is a declaration with one.
fn declared_encoding(body: &[u8]) -> Result<Option<String>, Unreadable> {
    let Some(rest) = body.strip_prefix(b"<?xml") else {
        return Ok(None);
    };
    if !rest.first().is_some_and(|b| b.is_ascii_whitespace()) {
        return Ok(None); // a processing instruction such as `<?xml-stylesheet`
    }
    let window = &rest[..rest.len().min(256)];
    let end = window
        .windows(2)
        .position(|w| w == b"?>")
        .ok_or(Unreadable::Malformed)?;
    let decl = std::str::from_utf8(&window[..end]).map_err(|_| Unreadable::Malformed)?;
    let Some(at) = decl.find("encoding") else {
        return Ok(None);
    };
    let after = decl[at + "encoding".len()..].trim_start();
    let after = after
        .strip_prefix('=')
        .ok_or(Unreadable::Malformed)?
        .trim_start();
    let quote = after.chars().next().ok_or(Unreadable::Malformed)?;
    if quote != '"' && quote != '\'' {
        return Err(Unreadable::Malformed);
    }
    let value = &after[1..];
    let close = value.find(quote).ok_or(Unreadable::Malformed)?;
    Ok(Some(value[..close].trim().to_owned()))
}

/// The first byte of `<CharacterCodeIdentifier>` content, found in the raw bytes (ASCII in both
/// supported encodings).
fn prescan_character_code(body: &[u8]) -> Option<u8> {
    const TAG: &[u8] = b"<CharacterCodeIdentifier>";
    let at = body.windows(TAG.len()).position(|w| w == TAG)?;
    body.get(at + TAG.len()..)?
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace())
}

// --- parsing -------------------------------------------------------------------------------

/// Values found in the document, before interpretation.
#[derive(Default)]
struct Raw {
    character_code: Option<String>,
    segment_of_result: Option<String>,
    header_error_code: Option<String>,
    header_error_message: Option<String>,
    confirmation_date: Option<String>,
    processed_at: Option<String>,
    medical_institution_code: Option<String>,
    arbitrary_file_identifier: Option<String>,
    reception_number: Option<String>,
    processing_status: Option<String>,
    processing_code: Option<String>,
    processing_message: Option<String>,
    validity: Option<String>,
    result_code: Option<String>,
    message_contents: Option<String>,
    query: Option<Draft>,
    patients: Vec<Draft>,
    truncated: bool,
}

/// One person being read: values of the unit / result itself, and fallback search keys.
#[derive(Default)]
struct Draft {
    own: Patient,
    search: Patient,
    validity: Option<String>,
}

/// Elements that hold one person.
fn is_person(name: &str) -> bool {
    matches!(
        name,
        "ResultOfQualificationConfirmation" | "BulkConfirmUnit" | "BulkRegistrationUnit"
    )
}

/// Elements that hold search keys (echo of the request).
fn is_search(name: &str) -> bool {
    matches!(
        name,
        "QualificationConfirmSearchInfo" | "ReferenceNumberRegistrationInfo"
    )
}

fn set(slot: &mut Option<String>, value: &str) {
    if slot.is_none() && !value.is_empty() {
        *slot = Some(value.chars().take(MAX_VALUE_CHARS).collect());
    }
}

/// Puts a person field into `p`; false when `name` is not a person field.
fn set_person_field(p: &mut Patient, name: &str, value: &str) -> bool {
    match name {
        "Name" => set(&mut p.name, value),
        "NameKana" => set(&mut p.kana, value),
        "Birthdate" => {
            if p.birth_date.is_none() {
                p.birth_date = parse_date(value);
            }
        }
        "Sex1" | "Sex" => {
            if p.sex.is_none() && !value.is_empty() {
                p.sex = Some(Sex::from_code(value));
            }
        }
        "InsurerNumber" => set(&mut p.insurer_number, value),
        "InsuredCardSymbol" | "InsuranceCardSymbol" => set(&mut p.card_symbol, value),
        "InsuredIdentificationNumber" | "InsuredPersonIdentificationNumber" => {
            set(&mut p.card_number, value)
        }
        "InsuredBranchNumber" | "BranchNumber" => set(&mut p.card_branch, value),
        "ReferenceNumber" => set(&mut p.reference_number, value),
        "ProcessingResultStatus" => set(&mut p.processing_status, value),
        "ProcessingResultCode" => set(&mut p.error_code, value),
        "ProcessingResultMessage" => set(&mut p.error_message, value),
        _ => return false,
    }
    true
}

fn merge(own: Patient, search: Patient) -> Patient {
    Patient {
        name: own.name.or(search.name),
        kana: own.kana.or(search.kana),
        birth_date: own.birth_date.or(search.birth_date),
        sex: own.sex.or(search.sex),
        insurer_number: own.insurer_number.or(search.insurer_number),
        card_symbol: own.card_symbol.or(search.card_symbol),
        card_number: own.card_number.or(search.card_number),
        card_branch: own.card_branch.or(search.card_branch),
        validity: own.validity.or(search.validity),
        reference_number: own.reference_number.or(search.reference_number),
        processing_status: own.processing_status.or(search.processing_status),
        error_code: own.error_code.or(search.error_code),
        error_message: own.error_message.or(search.error_message),
    }
}

fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y%m%d").ok()
}

fn parse_time(value: &str) -> Option<NaiveDateTime> {
    if value.len() != 14 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%d%H%M%S").ok()
}

/// The `_yyyyMMddHHmmss` stamp at the end of a face file name.
fn name_timestamp(name: &str) -> Option<NaiveDateTime> {
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    parse_time(stem.rsplit_once('_')?.1)
}

/// An open element: its local name and its text so far.
struct Frame {
    name: String,
    text: String,
}

/// Reads the document iteratively (no recursion), keeping only what a [`Summary`] shows.
fn parse(text: &str) -> Result<Raw, Unreadable> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut raw = Raw::default();
    // Depth at which the current person was opened, and the person.
    let mut person: Option<(usize, Draft)> = None;
    let mut root_seen = false;
    loop {
        let event = reader.read_event().map_err(|_| Unreadable::Malformed)?;
        match event {
            Event::Start(_) | Event::Empty(_) => {
                let (Event::Start(e) | Event::Empty(e)) = &event else {
                    continue;
                };
                let name = std::str::from_utf8(e.local_name().into_inner())
                    .map_err(|_| Unreadable::Malformed)?
                    .to_owned();
                if stack.is_empty() {
                    if root_seen {
                        return Err(Unreadable::Malformed);
                    }
                    if name != "XmlMsg" {
                        return Err(Unreadable::NotOqsMessage);
                    }
                    root_seen = true;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Unreadable::TooDeep);
                }
                if person.is_none() && is_person(&name) {
                    person = Some((stack.len(), Draft::default()));
                }
                stack.push(Frame {
                    name,
                    text: String::new(),
                });
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack, &mut raw, &mut person);
                }
            }
            Event::End(_) => {
                if stack.is_empty() {
                    return Err(Unreadable::Malformed);
                }
                close(&mut stack, &mut raw, &mut person);
            }
            Event::Text(t) => {
                let s = std::str::from_utf8(&t).map_err(|_| Unreadable::Malformed)?;
                push_text(&mut stack, s)?;
            }
            Event::CData(t) => {
                let s = std::str::from_utf8(&t).map_err(|_| Unreadable::Malformed)?;
                push_text(&mut stack, s)?;
            }
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .ok()
                        .flatten()
                        .ok_or(Unreadable::Malformed)?
                } else {
                    match &*r {
                        b"lt" => '<',
                        b"gt" => '>',
                        b"amp" => '&',
                        b"apos" => '\'',
                        b"quot" => '"',
                        _ => return Err(Unreadable::Entity),
                    }
                };
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => return Err(Unreadable::Doctype),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() || !root_seen {
        return Err(Unreadable::Malformed);
    }
    Ok(raw)
}

fn push_text(stack: &mut [Frame], s: &str) -> Result<(), Unreadable> {
    match stack.last_mut() {
        Some(frame) => {
            // Keep a little more than a value can show; the rest is not needed.
            if frame.text.len() < MAX_VALUE_CHARS * 4 {
                frame.text.push_str(s);
            }
            Ok(())
        }
        None if s.trim().is_empty() => Ok(()),
        None => Err(Unreadable::Malformed),
    }
}

/// Closes the innermost element and files its value by element name and parent.
fn close(stack: &mut Vec<Frame>, raw: &mut Raw, person: &mut Option<(usize, Draft)>) {
    let Some(frame) = stack.pop() else {
        return;
    };
    let depth = stack.len();
    let name = frame.name.as_str();
    let value = frame.text.trim();
    let parent = stack.last().map(|f| f.name.as_str()).unwrap_or("");
    let grandparent = depth
        .checked_sub(2)
        .and_then(|i| stack.get(i))
        .map(|f| f.name.as_str())
        .unwrap_or("");

    // The person ends.
    if let Some((at, _)) = person
        && *at == depth
    {
        if let Some((_, draft)) = person.take() {
            if raw.patients.len() < MAX_PATIENTS {
                raw.patients.push(draft);
            } else {
                raw.truncated = true;
            }
        }
        return;
    }

    // Drug / 健診 results: status anywhere.
    match name {
        "ResultCode" => set(&mut raw.result_code, value),
        "MessageContents" => set(&mut raw.message_contents, value),
        _ => {}
    }

    if let Some((_, draft)) = person {
        if is_person(parent) {
            if name == "QualificationValidity" {
                set(&mut draft.validity, value);
            } else {
                set_person_field(&mut draft.own, name, value);
            }
        } else if is_search(parent) {
            set_person_field(&mut draft.search, name, value);
        }
        return;
    }

    match parent {
        "MessageHeader" => match name {
            "CharacterCodeIdentifier" => set(&mut raw.character_code, value),
            "SegmentOfResult" => set(&mut raw.segment_of_result, value),
            "ErrorCode" => set(&mut raw.header_error_code, value),
            "ErrorMessage" => set(&mut raw.header_error_message, value),
            "QualificationConfirmationDate" => set(&mut raw.confirmation_date, value),
            "ProcessExecutionTime" => set(&mut raw.processed_at, value),
            "MedicalInstitutionCode" => set(&mut raw.medical_institution_code, value),
            "ArbitraryFileIdentifier" => set(&mut raw.arbitrary_file_identifier, value),
            "ReceptionNumber" => set(&mut raw.reception_number, value),
            _ => {}
        },
        "MessageBody" => match name {
            "ProcessingResultStatus" => set(&mut raw.processing_status, value),
            "ProcessingResultCode" => set(&mut raw.processing_code, value),
            "ProcessingResultMessage" => set(&mut raw.processing_message, value),
            "QualificationValidity" => set(&mut raw.validity, value),
            "ReceptionNumber" => set(&mut raw.reception_number, value),
            _ => {}
        },
        p if is_search(p) && grandparent == "MessageBody" => {
            let query = raw.query.get_or_insert_with(Draft::default);
            set_person_field(&mut query.own, name, value);
        }
        _ => {}
    }
}

impl Raw {
    fn fill(self, s: &mut Summary) {
        let validity = self.validity.as_deref().map(Validity::from_code);
        s.patients = self
            .patients
            .into_iter()
            .map(|d| {
                let mut p = merge(d.own, d.search);
                p.validity = d
                    .validity
                    .as_deref()
                    .map(Validity::from_code)
                    .or_else(|| validity.clone());
                p
            })
            .collect();
        s.patients_truncated = self.truncated;
        s.query = self.query.map(|d| d.own);
        s.validity = validity;
        s.confirmation_date = self.confirmation_date.as_deref().and_then(parse_date);
        s.processed_at = self.processed_at.as_deref().and_then(parse_time);
        s.medical_institution_code = self.medical_institution_code;
        s.arbitrary_file_identifier = self.arbitrary_file_identifier;
        s.reception_number = self.reception_number;

        let drug_failed = self.result_code.as_deref().is_some_and(|c| c != "1");
        s.error_code = self
            .header_error_code
            .or(self.processing_code)
            .or(if drug_failed {
                self.result_code.clone()
            } else {
                None
            });
        s.error_message = self
            .header_error_message
            .or(self.processing_message)
            .or(self.message_contents);
        s.state = match (
            self.segment_of_result.as_deref(),
            self.processing_status.as_deref(),
        ) {
            (Some("9"), _) | (_, Some("2")) => State::Error,
            (Some("2"), _) => State::Pending,
            (Some(_), _) | (_, Some(_)) if drug_failed => State::Error,
            (Some("1"), _) | (_, Some("1")) => State::Ok,
            _ if drug_failed => State::Error,
            _ if self.result_code.is_some() => State::Ok,
            _ => State::NoStatus,
        };
        s.segment_of_result = self.segment_of_result;
        s.processing_status = self.processing_status;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    macro_rules! fixture {
        ($file:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/oqs/",
                $file
            ))
            .as_slice()
        };
    }

    const SINGLE_RES: &str = "OQSsiquc01res_202501060001.xml";
    const FACE: &str = "OQSsiquc01res_face_1399999999400_20250107081500.xml";

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        match NaiveDate::from_ymd_opt(y, m, d) {
            Some(date) => date,
            None => panic!("bad test date"),
        }
    }

    fn unreadable_because(name: &str, bytes: &[u8], why: Unreadable) {
        let s = summarize(name, bytes);
        assert_eq!(s.state, State::Unreadable, "{name}: {s:?}");
        assert_eq!(s.unreadable, Some(why), "{name}");
        assert!(s.patients.is_empty());
        assert_eq!(s.state.text(), "内容を表示できません");
    }

    #[test]
    fn single_result_utf8() {
        let s = summarize(SINGLE_RES, fixture!("single_res_utf8.xml"));
        assert_eq!(s.kind, Kind::Result(Process::Single));
        assert_eq!(s.state, State::Ok);
        assert_eq!(s.encoding, Some(TextEncoding::Utf8));
        assert_eq!(s.segment_of_result.as_deref(), Some("1"));
        assert_eq!(s.processing_status.as_deref(), Some("1"));
        assert_eq!(s.confirmation_date, Some(date(2025, 1, 6)));
        assert_eq!(s.arbitrary_file_identifier.as_deref(), Some("TEST-0001"));
        assert_eq!(s.validity, Some(Validity::Valid));
        assert_eq!(s.error_code, None);
        assert_eq!(
            s.patients,
            [Patient {
                name: Some("試験　太郎".into()),
                kana: Some("ｼｹﾝ ﾀﾛｳ".into()),
                birth_date: Some(date(1980, 1, 1)),
                sex: Some(Sex::Male),
                insurer_number: Some("99999991".into()),
                card_symbol: Some("試験".into()),
                card_number: Some("1234567".into()),
                card_branch: Some("01".into()),
                validity: Some(Validity::Valid),
                reference_number: Some("K000123".into()),
                ..Patient::default()
            }]
        );
        let query = s.query.as_ref().map(|q| q.card_number.as_deref());
        assert_eq!(query, Some(Some("1234567")));
        assert_eq!(s.kind_text(), "資格確認");
        assert_eq!(
            s.patients[0].validity.as_ref().map(Validity::text),
            Some("有効")
        );
    }

    #[test]
    fn shift_jis_and_utf8_give_the_same_summary() {
        for (name, utf8, sjis) in [
            (
                SINGLE_RES,
                fixture!("single_res_utf8.xml"),
                fixture!("single_res_sjis.xml"),
            ),
            (FACE, fixture!("face_utf8.xml"), fixture!("face_sjis.xml")),
            (
                "OQSsiquc01req_202501060001.xml",
                fixture!("single_req_utf8.xml"),
                fixture!("single_req_sjis.xml"),
            ),
        ] {
            assert_ne!(utf8, sjis);
            let a = summarize(name, utf8);
            let mut b = summarize(name, sjis);
            assert_eq!(a.encoding, Some(TextEncoding::Utf8));
            assert_eq!(b.encoding, Some(TextEncoding::ShiftJis));
            assert_ne!(a.state, State::Unreadable, "{name}");
            b.encoding = a.encoding;
            assert_eq!(a, b, "{name}");
        }
        let no_decl = summarize(SINGLE_RES, fixture!("no_decl_sjis.xml"));
        assert_eq!(no_decl.encoding, Some(TextEncoding::ShiftJis));
        assert_eq!(
            no_decl.patients,
            summarize(SINGLE_RES, fixture!("single_res_utf8.xml")).patients
        );
    }

    #[test]
    fn face_result() {
        let s = summarize(FACE, fixture!("face_sjis.xml"));
        assert_eq!(s.kind, Kind::Face);
        assert_eq!(s.kind_text(), "顔認証");
        assert_eq!(s.state, State::Ok);
        assert_eq!(s.patients.len(), 1);
        let p = &s.patients[0];
        assert_eq!(p.name.as_deref(), Some("見本　花子"));
        assert_eq!(p.sex, Some(Sex::Female));
        assert_eq!(p.reference_number.as_deref(), Some("P-0042"));
        assert_eq!(p.validity, Some(Validity::Valid));
        assert_eq!(s.age_days(date(2025, 1, 7)), Some(0));
        assert!(!s.is_stale(date(2025, 1, 7)));
        assert_eq!(s.age_text(date(2025, 1, 7)), "本日");
        assert_eq!(s.age_days(date(2025, 1, 10)), Some(3));
        assert!(s.is_stale(date(2025, 1, 10)));
        assert_eq!(s.age_text(date(2025, 1, 10)), "3日前");
        assert_eq!(s.age_text(date(2025, 1, 6)), "日付が未来です");
    }

    #[test]
    fn unreadable_face_still_has_an_age_from_its_name() {
        let s = summarize(FACE, fixture!("encrypted.xml"));
        assert_eq!(s.unreadable, Some(Unreadable::NotXml));
        assert_eq!(s.age_days(date(2025, 1, 8)), Some(1));
        let s = summarize("OQSsiquc01res_face_x.xml", fixture!("encrypted.xml"));
        assert_eq!(s.age_days(date(2025, 1, 8)), None);
        assert_eq!(s.age_text(date(2025, 1, 8)), "日付不明");
        assert!(!s.is_stale(date(2025, 1, 8)));
    }

    #[test]
    fn errors_and_pending() {
        let s = summarize(SINGLE_RES, fixture!("not_found_utf8.xml"));
        assert_eq!(s.state, State::Error);
        assert_eq!(s.error_code.as_deref(), Some("TEST9001"));
        assert_eq!(
            s.error_message.as_deref(),
            Some("該当する資格がありません（試験用）")
        );
        assert_eq!(s.validity, Some(Validity::NoQualification));
        assert_eq!(
            s.validity.as_ref().map(Validity::text),
            Some("該当資格なし")
        );
        assert!(s.patients.is_empty());
        assert_eq!(
            s.query.as_ref().and_then(|q| q.card_number.as_deref()),
            Some("0000000")
        );

        let s = summarize(SINGLE_RES, fixture!("segment9_utf8.xml"));
        assert_eq!(s.state, State::Error);
        assert_eq!(s.error_code.as_deref(), Some("TEST0001"));
        assert_eq!(s.error_message.as_deref(), Some("試験用の異常終了です"));
        assert_eq!(s.confirmation_date, None);
        assert_eq!(s.date(), Some(date(2025, 1, 6)));

        let s = summarize(
            "YZKsiquc01res_0125010112001234.xml",
            fixture!("drug_res_fail_sjis.xml"),
        );
        assert_eq!(s.state, State::Error);
        assert_eq!(s.error_code.as_deref(), Some("2"));
        assert_eq!(
            s.error_message.as_deref(),
            Some("同意が確認できません（試験用）")
        );

        let s = summarize("OQSsiquc01req_202501060001.err", fixture!("single_req.err"));
        assert_eq!(s.kind, Kind::Error(Process::Single));
        assert_eq!(s.state, State::Error);
        assert_eq!(s.kind_text(), "エラー");
    }

    #[test]
    fn bulk_phases() {
        let s = summarize("OQSmuquc01res_202501150001.xml", fixture!("bulk1_res.xml"));
        assert_eq!(s.state, State::Ok);
        assert_eq!(s.reception_number.as_deref(), Some("R2025011500001"));

        let s = summarize(
            "OQSmuquc02res_202501150002.xml",
            fixture!("bulk2_res_pending.xml"),
        );
        assert_eq!(s.state, State::Pending);
        assert!(s.is_pending());
        assert_eq!(s.state.text(), "処理中");
        assert_eq!(s.reception_number.as_deref(), Some("R2025011500001"));

        let s = summarize(
            "OQSmuquc02res_202501150002.xml",
            fixture!("bulk2_res_done.xml"),
        );
        assert_eq!(s.state, State::Ok);
        assert_eq!(s.patients.len(), 2);
        let (a, b) = (&s.patients[0], &s.patients[1]);
        assert_eq!(a.name.as_deref(), Some("試験　太郎"));
        assert_eq!(a.validity, Some(Validity::Valid));
        assert_eq!(a.reference_number.as_deref(), Some("K000123"));
        assert_eq!(a.processing_status.as_deref(), Some("1"));
        // No match: the search keys stand in, with the unit's error.
        assert_eq!(b.name, None);
        assert_eq!(b.card_number.as_deref(), Some("5550000"));
        assert_eq!(b.birth_date, Some(date(1955, 5, 5)));
        assert_eq!(b.validity, Some(Validity::NoQualification));
        assert_eq!(b.processing_status.as_deref(), Some("2"));
        assert_eq!(b.error_code.as_deref(), Some("TEST9001"));
    }

    #[test]
    fn binary_results_are_unreadable() {
        unreadable_because(
            "OQSmuquc02res_202501150002.zip",
            fixture!("bulk2_res.zip"),
            Unreadable::NotXml,
        );
        let name = "YZKsiquc01res_0125010112001234.pdf";
        unreadable_because(name, fixture!("drug_res.pdf"), Unreadable::NotXml);
        assert_eq!(
            summarize(name, fixture!("drug_res.pdf")).kind_text(),
            "薬剤情報PDF"
        );
        unreadable_because(SINGLE_RES, fixture!("encrypted.xml"), Unreadable::NotXml);
        unreadable_because(SINGLE_RES, b"", Unreadable::Empty);
        unreadable_because(SINGLE_RES, b" \r\n", Unreadable::Empty);
    }

    #[test]
    fn wrong_encoding_is_unreadable_never_mojibake() {
        unreadable_because(
            SINGLE_RES,
            fixture!("wrong_decl_sjis_bytes.xml"),
            Unreadable::Undecodable,
        );
        unreadable_because(
            SINGLE_RES,
            fixture!("wrong_decl_utf8_bytes.xml"),
            Unreadable::EncodingMismatch,
        );
        unreadable_because(
            SINGLE_RES,
            fixture!("cci_mismatch.xml"),
            Unreadable::EncodingMismatch,
        );
        unreadable_because(
            SINGLE_RES,
            b"<?xml version=\"1.0\" encoding=\"EUC-JP\"?><XmlMsg/>",
            Unreadable::UnsupportedEncoding,
        );
        unreadable_because(
            SINGLE_RES,
            b"\xFF\xFE<\0X\0",
            Unreadable::UnsupportedEncoding,
        );
        unreadable_because(
            SINGLE_RES,
            b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg/>",
            Unreadable::EncodingMismatch,
        );
        // A lone invalid byte in otherwise valid Shift_JIS: no replacement character.
        let mut bytes = fixture!("single_res_sjis.xml").to_vec();
        if let Some(at) = bytes.windows(6).position(|w| w == b"<Name>") {
            bytes[at + 6] = 0x81;
            bytes[at + 7] = 0x20;
        }
        unreadable_because(SINGLE_RES, &bytes, Unreadable::Undecodable);
        // Labels other spellings of the two encodings are accepted.
        for label in [
            "utf-8",
            "UTF8",
            "shift_jis",
            "SJIS",
            "windows-31j",
            "CP932",
            "MS_Kanji",
        ] {
            let doc = format!("<?xml version='1.0' encoding='{label}'?><XmlMsg/>");
            let s = summarize(SINGLE_RES, doc.as_bytes());
            assert_eq!(s.state, State::NoStatus, "{label}");
        }
    }

    #[test]
    fn hostile_xml_is_unreadable_quickly() {
        let start = Instant::now();
        unreadable_because(
            SINGLE_RES,
            fixture!("billion_laughs.xml"),
            Unreadable::Doctype,
        );
        unreadable_because(SINGLE_RES, fixture!("xxe.xml"), Unreadable::Doctype);
        unreadable_because(
            SINGLE_RES,
            fixture!("undefined_entity.xml"),
            Unreadable::Entity,
        );
        unreadable_because(
            SINGLE_RES,
            fixture!("deep_nesting.xml"),
            Unreadable::TooDeep,
        );
        assert!(start.elapsed() < Duration::from_secs(2));

        // 100 MB text node, generated here rather than committed.
        let mut big = b"<?xml version=\"1.0\"?><XmlMsg><MessageHeader><ErrorMessage>".to_vec();
        big.resize(100 * 1024 * 1024, b'A');
        big.extend_from_slice(b"</ErrorMessage></MessageHeader></XmlMsg>");
        let start = Instant::now();
        unreadable_because(SINGLE_RES, &big, Unreadable::TooLarge);
        assert!(start.elapsed() < Duration::from_secs(2));

        // Just under the limit: parsed, and the value is clipped for display.
        let mut near = b"<XmlMsg><MessageHeader><ErrorMessage>".to_vec();
        near.resize(MAX_INPUT - 200, b'A');
        near.extend_from_slice(
            b"</ErrorMessage><SegmentOfResult>9</SegmentOfResult></MessageHeader></XmlMsg>",
        );
        let s = summarize(SINGLE_RES, &near);
        assert_eq!(s.state, State::Error);
        assert_eq!(
            s.error_message.map(|m| m.chars().count()),
            Some(MAX_VALUE_CHARS)
        );
    }

    #[test]
    fn malformed_documents() {
        for (doc, why) in [
            ("<XmlMsg><MessageHeader></XmlMsg>", Unreadable::Malformed),
            ("<XmlMsg><MessageHeader>", Unreadable::Malformed),
            ("<XmlMsg/><XmlMsg/>", Unreadable::Malformed),
            ("<XmlMsg/>trailing", Unreadable::Malformed),
            ("<XmlMsg>&#0;</XmlMsg>", Unreadable::Malformed),
            ("<XmlMsg>&#xFFFFFFFF;</XmlMsg>", Unreadable::Malformed),
            ("<XmlMsg>&</XmlMsg>", Unreadable::Malformed),
            ("<XmlMsg>&unknown;</XmlMsg>", Unreadable::Entity),
            ("<?xml version=\"1.0\"", Unreadable::Malformed),
            (
                "<?xml version=\"1.0\" encoding=UTF-8?><XmlMsg/>",
                Unreadable::Malformed,
            ),
            ("<Other/>", Unreadable::NotOqsMessage),
            ("<!DOCTYPE XmlMsg><XmlMsg/>", Unreadable::Doctype),
        ] {
            unreadable_because(SINGLE_RES, doc.as_bytes(), why);
        }
        // Predefined and character references, CDATA, comments, prefixes: fine.
        let doc = "<?xml version=\"1.0\"?><!-- c --><q:XmlMsg xmlns:q=\"urn:x\"><MessageHeader>\
                   <ErrorMessage>&lt;&#x8A66;&#39443;&gt;<![CDATA[&x]]></ErrorMessage>\
                   </MessageHeader></q:XmlMsg>";
        let s = summarize(SINGLE_RES, doc.as_bytes());
        assert_eq!(s.error_message.as_deref(), Some("<試験>&x"));
    }

    #[test]
    fn too_many_patients_are_cut() {
        let mut doc = String::from("<XmlMsg><MessageBody><ResultList>");
        for i in 0..MAX_PATIENTS + 5 {
            doc.push_str(&format!(
                "<ResultOfQualificationConfirmation><Name>試験{i}</Name></ResultOfQualificationConfirmation>"
            ));
        }
        doc.push_str("</ResultList></MessageBody></XmlMsg>");
        let s = summarize(SINGLE_RES, doc.as_bytes());
        assert_eq!(s.patients.len(), MAX_PATIENTS);
        assert!(s.patients_truncated);
    }

    #[test]
    fn json_shape() {
        let s = summarize(FACE, fixture!("face_utf8.xml"));
        let json = match serde_json::to_value(&s) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(json["kind"], "face");
        assert_eq!(json["state"], "ok");
        assert_eq!(json["encoding"], "utf-8");
        assert_eq!(json["confirmation_date"], "2025-01-07");
        assert_eq!(json["patients"][0]["validity"], "valid");
        assert_eq!(json["patients"][0]["sex"], "female");
        let s = summarize(SINGLE_RES, fixture!("xxe.xml"));
        let json = match serde_json::to_value(&s) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(json["state"], "unreadable");
        assert_eq!(json["unreadable"], "doctype");
    }

    fn mutate(base: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
        let mut bytes = base.to_vec();
        for &(at, op, byte) in edits {
            if bytes.is_empty() {
                bytes.push(byte);
                continue;
            }
            let at = at % bytes.len();
            match op % 4 {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                2 => {
                    bytes.remove(at);
                }
                _ => bytes.truncate(at),
            }
        }
        bytes
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let start = Instant::now();
            let s = summarize(SINGLE_RES, &bytes);
            prop_assert!(start.elapsed() < Duration::from_secs(1));
            prop_assert_eq!(s.state == State::Unreadable, s.unreadable.is_some());
        }

        #[test]
        fn xmlish_bytes_never_panic(
            body in "(<[A-Za-z:]{0,6}/?>|</[A-Za-z]{0,3}>|&[a-z#x0-9]{0,5};?|<!\\[CDATA\\[|\\]\\]>|<!--|-->|<\\?|\\?>|<!DOCTYPE|[a-z \"'=]{0,4}|試験){0,40}"
        ) {
            let doc = format!("<XmlMsg>{body}</XmlMsg>");
            let _ = summarize(SINGLE_RES, doc.as_bytes());
        }

        #[test]
        fn mutated_fixtures_never_panic(
            which in 0usize..6,
            edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
        ) {
            let base: &[u8] = match which {
                0 => fixture!("single_res_utf8.xml"),
                1 => fixture!("single_res_sjis.xml"),
                2 => fixture!("face_sjis.xml"),
                3 => fixture!("bulk2_res_done.xml"),
                4 => fixture!("billion_laughs.xml"),
                _ => fixture!("drug_res_fail_sjis.xml"),
            };
            let bytes = mutate(base, &edits);
            let start = Instant::now();
            let s = summarize(FACE, &bytes);
            prop_assert!(start.elapsed() < Duration::from_secs(1));
            // Whatever is shown is clean text: never a replacement character.
            let json = serde_json::to_string(&s).unwrap_or_default();
            let clean = !json.contains(char::REPLACEMENT_CHARACTER);
            prop_assert!(clean);
        }
    }
}
