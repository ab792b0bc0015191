//! The clinic's import prompt as staff review it, without any GUI: one row per person, what
//! each row says, which rows need a look (and why, in words), which start ticked, and the
//! question asked before a flagged row is imported.
//!
//! Input is what the engine offers ([`ImportRow`]: the journal item, its summary, and for a
//! `.err` file or a PDF the clinic's own request it answers); output is plain strings and flags
//! that the desktop app draws and the console prints. Decisions are per file: every row of a
//! bulk result shares its file's decision ([`Row::id`]).

use crate::engine::ImportRow;
use crate::journal::State as ItemState;
use crate::oqs::{Kind, Patient, State, Summary, Unreadable};
use crate::text;
use chrono::NaiveDate;

/// Why a row needs a look before it is imported. A row with any flag starts unticked, sits
/// under the 「確認が必要」 band, and importing it asks once more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    /// Dated another day than today.
    Stale,
    /// An error result, or a `.err` file.
    Error,
    /// An XML file whose content cannot be read (not a PDF, ZIP or encrypted file: those are
    /// normal).
    Unreadable,
    /// A bulk result that says 処理中 (not final yet).
    NotFinal,
    /// Arrived cut short (its writer never finished it).
    Incomplete,
}

impl Flag {
    /// Every flag, in the order the question names them.
    pub const ALL: [Flag; 5] = [
        Flag::Stale,
        Flag::Error,
        Flag::Unreadable,
        Flag::NotFinal,
        Flag::Incomplete,
    ];

    /// What the confirmation question calls rows with this flag (本日以外の結果 …).
    pub fn noun(self) -> &'static str {
        match self {
            Flag::Stale => text::FLAG_NOUN_STALE,
            Flag::Error => text::FLAG_NOUN_ERROR,
            Flag::Unreadable => text::FLAG_NOUN_UNREADABLE,
            Flag::NotFinal => text::FLAG_NOUN_NOT_FINAL,
            Flag::Incomplete => text::FLAG_NOUN_INCOMPLETE,
        }
    }
}

/// One row of the prompt: one person of one file (a file without a person is one row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The journal item: every row of one file has the same id and shares its decision.
    pub id: i64,
    /// The file name.
    pub file: String,
    /// Which person of the file (0-based) and how many the file has.
    pub person: (usize, usize),
    /// Kind (資格確認 / 顔認証 / 一括照会 / 薬剤情報PDF / エラー …).
    pub kind: String,
    /// Name (氏名), or for a request known only from the audit log, its recorded line.
    pub name: String,
    /// Kana.
    pub kana: String,
    /// Birth date, YYYY/MM/DD.
    pub birth: String,
    /// Sex (男 / 女 …).
    pub sex: String,
    /// 保険者番号.
    pub insurer: String,
    /// 記号・番号 (・枝番), where present.
    pub card: String,
    /// Validity (有効 / 該当資格なし …).
    pub validity: String,
    /// The result's date, YYYY/MM/DD (empty when unknown).
    pub date: String,
    /// Beside the date: 本日 / N日前 / 日付不明.
    pub age: String,
    /// Why the row needs a look (empty: it does not).
    pub flags: Vec<Flag>,
    /// The reasons in words, one per flag (with detail: why it cannot be read).
    pub reasons: Vec<String>,
    /// More to read: the error text of a `.err` file or an error result, a person's error.
    pub note: String,
    /// Staff chose 後で for it before: it starts as they left it (unticked).
    pub held: bool,
}

impl Row {
    /// Whether the row needs a look.
    pub fn flagged(&self) -> bool {
        !self.flags.is_empty()
    }

    /// Whether the row starts ticked: only a row nobody has to look at and that staff did not
    /// hold before.
    pub fn ticked_at_first(&self) -> bool {
        !self.flagged() && !self.held
    }
}

/// The prompt's rows for `items` on `today`: flagged files first (the 「確認が必要」 band), each
/// file's persons together, otherwise in arrival order.
pub fn rows(items: &[ImportRow], today: NaiveDate) -> Vec<Row> {
    let mut out: Vec<Row> = items.iter().flat_map(|r| file_rows(r, today)).collect();
    // Stable: arrival order within each group.
    out.sort_by_key(|r| !r.flagged());
    out
}

/// The question asked before importing `ticked` rows of which some are flagged, naming each
/// kind of flag with how many files have it (「本日以外の結果が 2 件あります。取り込みますか？」);
/// `None` when no ticked row is flagged.
pub fn question<'a>(ticked: impl IntoIterator<Item = &'a Row>) -> Option<String> {
    let mut files: Vec<(Flag, i64)> = Vec::new();
    for r in ticked {
        for &f in &r.flags {
            if !files.contains(&(f, r.id)) {
                files.push((f, r.id));
            }
        }
    }
    let parts: Vec<(&str, usize)> = Flag::ALL
        .iter()
        .map(|f| (f.noun(), files.iter().filter(|(g, _)| g == f).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    (!parts.is_empty()).then(|| text::g_confirm_flagged(&parts))
}

/// The flags of one file, with their reasons in words.
fn flags(r: &ImportRow, today: NaiveDate) -> (Vec<Flag>, Vec<String>) {
    let s = &r.summary;
    let mut flags = Vec::new();
    let mut reasons = Vec::new();
    let mut add = |f: Flag, why: String| {
        flags.push(f);
        reasons.push(why);
    };
    if r.item.incomplete {
        add(Flag::Incomplete, text::INCOMPLETE_FILE.to_owned());
    } else if s.state == State::Error || matches!(s.kind, Kind::Error(_)) {
        add(Flag::Error, text::FLAG_ERROR.to_owned());
    }
    if s.state == State::Unreadable
        && let Some(why) = s.unreadable.and_then(unreadable_words)
    {
        add(Flag::Unreadable, format!("{}: {why}", text::UNREADABLE));
    }
    if s.is_pending() {
        add(Flag::NotFinal, text::FLAG_NOT_FINAL.to_owned());
    }
    if s.is_stale(today) {
        add(
            Flag::Stale,
            format!("{}（{}）", text::FLAG_STALE, s.age_text(today)),
        );
    }
    (flags, reasons)
}

/// Why an XML file cannot be read, in words; `None` for binary content (PDF, ZIP, encrypted),
/// which is normal.
fn unreadable_words(why: Unreadable) -> Option<&'static str> {
    Some(match why {
        Unreadable::NotXml => return None,
        Unreadable::TooLarge => text::WHY_TOO_LARGE,
        Unreadable::Empty => text::WHY_EMPTY,
        Unreadable::UnsupportedEncoding => text::WHY_ENCODING,
        Unreadable::Undecodable => text::WHY_UNDECODABLE,
        Unreadable::EncodingMismatch => text::WHY_MISMATCH,
        Unreadable::Doctype | Unreadable::Entity => text::WHY_DECLARATION,
        Unreadable::TooDeep => text::WHY_TOO_DEEP,
        Unreadable::Malformed => text::WHY_MALFORMED,
        Unreadable::NotOqsMessage => text::WHY_NOT_OQS,
    })
}

/// The rows of one file: one per person of a result with several, else one.
fn file_rows(r: &ImportRow, today: NaiveDate) -> Vec<Row> {
    let s = &r.summary;
    let (flags, reasons) = flags(r, today);
    let date = s
        .date()
        .map(|d| d.format("%Y/%m/%d").to_string())
        .unwrap_or_default();
    let mut note = file_note(r);
    // The persons: a result's own, else the search keys it echoes, else the request it answers.
    let request_who = r.request.as_ref().and_then(Summary::who);
    let persons: Vec<&Patient> = if s.patients.is_empty() {
        s.query.iter().chain(request_who).take(1).collect()
    } else {
        s.patients.iter().collect()
    };
    let row = |who: Option<&Patient>, i: usize, n: usize, note: String| {
        let opt = |v: Option<&String>| v.cloned().unwrap_or_default();
        let name = match who {
            Some(p) => opt(p.name.as_ref()),
            None => r.request_line.clone().unwrap_or_default(),
        };
        let card = who
            .map(|p| {
                [&p.card_symbol, &p.card_number, &p.card_branch]
                    .into_iter()
                    .flatten()
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("・")
            })
            .unwrap_or_default();
        Row {
            id: r.item.id,
            file: r.item.name.clone(),
            person: (i, n),
            kind: s.kind_text().to_owned(),
            name,
            kana: opt(who.and_then(|p| p.kana.as_ref())),
            birth: who
                .and_then(|p| p.birth_date)
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default(),
            sex: who
                .and_then(|p| p.sex.as_ref())
                .map(|x| x.text().to_owned())
                .unwrap_or_default(),
            insurer: opt(who.and_then(|p| p.insurer_number.as_ref())),
            card,
            validity: who
                .and_then(|p| p.validity.as_ref())
                .or(s.validity.as_ref())
                .filter(|_| !matches!(s.kind, Kind::Error(_)))
                .map(|v| v.text().to_owned())
                .unwrap_or_default(),
            date: date.clone(),
            age: s.age_text(today),
            flags: flags.clone(),
            reasons: reasons.clone(),
            note,
            held: r.item.state == ItemState::Held,
        }
    };
    if persons.is_empty() {
        return vec![row(None, 0, 1, note)];
    }
    let n = persons.len();
    persons
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            // A bulk result's person with an error says so on their own row.
            let own = [&p.error_code, &p.error_message]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let line = match (n > 1 && !own.is_empty(), i) {
                (true, _) => own,
                (false, 0) => std::mem::take(&mut note),
                _ => String::new(),
            };
            row(Some(p), i, n, line)
        })
        .collect()
}

/// What a file says beyond its columns: the error text (`.err` content, an error result's code
/// and message), that an encrypted `.xml` is normal, or that a `.err` file's request is unknown.
fn file_note(r: &ImportRow) -> String {
    let s = &r.summary;
    if r.item.incomplete {
        return String::new(); // the reason says it all
    }
    if let Kind::Error(_) = s.kind {
        let mut parts = Vec::new();
        if let Some(t) = &r.error_text {
            parts.push(t.clone());
        }
        if r.request.is_none() && r.request_line.is_none() {
            parts.push(text::NOTE_REQUEST_UNKNOWN.to_owned());
        }
        return parts.join("　");
    }
    if s.unreadable == Some(Unreadable::NotXml) && s.name.to_ascii_lowercase().ends_with(".xml") {
        return text::NOTE_ENCRYPTED.to_owned();
    }
    if s.patients.len() <= 1 {
        return [&s.error_code, &s.error_message]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Item;
    use crate::oqs::{self, folders::Sub};

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/oqs")
                .join(name),
        )
        .unwrap()
    }

    fn item(id: i64, name: &str) -> Item {
        Item {
            id,
            name: name.to_owned(),
            folder: Sub::Res,
            kind: oqs::classify(name).label(),
            size: 1,
            sha256: "00".into(),
            state: ItemState::Pending,
            seq: Some(1),
            added: String::new(),
            incomplete: false,
        }
    }

    fn import_row(id: i64, name: &str, bytes: &[u8]) -> ImportRow {
        ImportRow {
            item: item(id, name),
            summary: oqs::summarize(name, bytes),
            request: None,
            request_line: None,
            error_text: None,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_result_of_today_starts_ticked_with_its_date_and_person() {
        let r = import_row(1, "OQSsiquc01res_1.xml", &fixture("single_res_utf8.xml"));
        let date = r.summary.date().unwrap();
        let rows = rows(&[r], date);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert!(row.ticked_at_first() && !row.flagged(), "{row:?}");
        assert_eq!(row.age, text::OQS_AGE_TODAY);
        assert_eq!(row.date, date.format("%Y/%m/%d").to_string());
        assert!(row.name.contains("試験"), "{row:?}");
        assert!(!row.kana.is_empty() && !row.birth.is_empty() && !row.sex.is_empty());
        assert_eq!(row.validity, text::OQS_VALID);
        assert!(!row.insurer.is_empty());
    }

    #[test]
    fn a_stale_result_is_flagged_with_its_age_in_words_and_unticked() {
        let r = import_row(1, "OQSsiquc01res_1.xml", &fixture("single_res_utf8.xml"));
        let later = r.summary.date().unwrap() + chrono::Days::new(694);
        let row = &rows(&[r], later)[0];
        assert_eq!(row.flags, vec![Flag::Stale]);
        assert!(!row.ticked_at_first());
        assert_eq!(row.age, "694日前");
        assert!(row.reasons[0].contains("本日以外") && row.reasons[0].contains("694日前"));
        assert_eq!(
            question([row]).unwrap(),
            "本日以外の結果が 1 件あります。取り込みますか？"
        );
    }

    #[test]
    fn a_bulk_result_has_one_row_per_person_sharing_one_decision() {
        let r = import_row(7, "OQSmuquc02res_1.xml", &fixture("bulk2_res_done.xml"));
        let today = r.summary.date().unwrap();
        let rows = rows(&[r], today);
        assert_eq!(rows.len(), 2, "{rows:#?}");
        assert!(rows.iter().all(|r| r.id == 7 && r.person.1 == 2));
        assert_ne!(rows[0].name, rows[1].name);
        assert!(rows[0].name.contains("試験"));
        // The second person is the one without a match: their own error is on their row.
        assert!(!rows[1].note.is_empty(), "{:?}", rows[1]);
        assert!(rows[0].note.is_empty());
        // Both rows of a file with two flags are counted once per flag and file.
        let mut flagged = rows.clone();
        for r in &mut flagged {
            r.flags = vec![Flag::Stale, Flag::Error];
        }
        assert_eq!(
            question(&flagged).unwrap(),
            "本日以外の結果が 1 件、エラーの結果が 1 件あります。取り込みますか？"
        );
    }

    #[test]
    fn a_pending_bulk_result_is_not_final() {
        let r = import_row(1, "OQSmuquc02res_1.xml", &fixture("bulk2_res_pending.xml"));
        let today = r.summary.date().unwrap();
        let row = &rows(&[r], today)[0];
        assert_eq!(row.flags, vec![Flag::NotFinal]);
        assert_eq!(row.reasons[0], text::FLAG_NOT_FINAL);
    }

    #[test]
    fn an_err_file_shows_the_request_patient_and_its_own_text() {
        let name = "OQSsiquc01req_202611270001.err";
        let bytes = fixture("single_req.err");
        let mut r = import_row(3, name, &bytes);
        r.error_text = crate::engine::error_text(&bytes);
        r.request = Some(oqs::summarize(
            "OQSsiquc01req_202611270001.xml",
            &fixture("single_req_utf8.xml"),
        ));
        let row = &rows(&[r.clone()], day("2026-11-27"))[0];
        assert_eq!(row.flags, vec![Flag::Error]);
        assert_eq!(row.kind, text::OQS_KIND_ERROR);
        assert!(!row.name.is_empty() || !row.birth.is_empty(), "{row:?}");
        assert!(row.note.contains("E9999"), "{row:?}");
        // Without the request: says so, with the text still shown.
        r.request = None;
        let row = &rows(&[r], day("2026-11-27"))[0];
        assert!(row.note.contains("E9999") && row.note.contains(text::NOTE_REQUEST_UNKNOWN));
    }

    #[test]
    fn unreadable_xml_is_flagged_with_the_reason_but_a_pdf_is_normal() {
        let broken = import_row(1, "OQSsiquc01res_1.xml", &fixture("deep_nesting.xml"));
        let pdf = import_row(2, "YZKsiquc01res_1.pdf", &fixture("drug_res.pdf"));
        let crypt = import_row(3, "OQSsiquc01res_2.xml", &fixture("encrypted.xml"));
        let rows = rows(&[pdf, broken, crypt], day("2026-11-27"));
        assert_eq!(rows[0].id, 1, "flagged rows come first");
        assert_eq!(rows[0].flags, vec![Flag::Unreadable]);
        assert!(rows[0].reasons[0].contains(text::WHY_TOO_DEEP));
        let pdf = rows.iter().find(|r| r.id == 2).unwrap();
        assert_eq!(pdf.kind, text::OQS_KIND_DRUG_PDF);
        assert!(pdf.ticked_at_first() && pdf.note.is_empty(), "{pdf:?}");
        let crypt = rows.iter().find(|r| r.id == 3).unwrap();
        assert!(crypt.ticked_at_first());
        assert_eq!(crypt.note, text::NOTE_ENCRYPTED);
    }

    #[test]
    fn a_pdf_names_its_patient_from_the_paired_request() {
        let mut r = import_row(2, "YZKsiquc01res_1.pdf", &fixture("drug_res.pdf"));
        r.request = Some(oqs::summarize(
            "OQSsiquc01req_1.xml",
            &fixture("single_req_utf8.xml"),
        ));
        let row = &rows(&[r], day("2026-11-27"))[0];
        assert!(!row.birth.is_empty(), "{row:?}");
    }

    #[test]
    fn held_and_incomplete_rows_start_unticked() {
        let mut held = import_row(1, "OQSsiquc01res_1.xml", &fixture("single_res_utf8.xml"));
        held.item.state = ItemState::Held;
        let today = held.summary.date().unwrap();
        let mut cut = import_row(2, "OQSsiquc01res_2.xml", &fixture("single_res_utf8.xml"));
        cut.item.incomplete = true;
        cut.summary.mark_incomplete();
        let rows = rows(&[held, cut], today);
        let held = rows.iter().find(|r| r.id == 1).unwrap();
        assert!(held.held && !held.flagged() && !held.ticked_at_first());
        let cut = rows.iter().find(|r| r.id == 2).unwrap();
        assert_eq!(cut.flags, vec![Flag::Incomplete]);
        assert_eq!(cut.reasons[0], text::INCOMPLETE_FILE);
        assert!(question([cut]).unwrap().contains("途中で切れた結果が 1 件"));
        assert_eq!(question([held]), None);
    }
}
