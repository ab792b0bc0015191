//! Which request an answer belongs to.
//!
//! Owns the pure matching of the names present in Res against the requests in flight, by the
//! name rules of [`super::classify`](mod@super::classify). It must not read file contents or
//! decide what is published: an answer that belongs to no request is flagged here and still
//! carried by the caller.
//!
//! Bulk processes take several trips and that is normal, not an error: a phase-1 result
//! ([`Answer::continues`]) is followed later by a separate phase-2 request, and a phase-2 result
//! answers the phase-2 request only (whether it says "not ready yet" is content, see
//! [`super::summary`](mod@super::summary)).

use std::collections::HashMap;

use serde::Serialize;

use super::classify::{Kind, PrefixTable};
use crate::filename::fold;

/// A request that has been answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The request name, as given.
    pub request: String,
    /// The answering names present (as given), e.g. the result XML, or the `.err` file.
    pub responses: Vec<String>,
    /// True when the answer includes a `.err` file (the 連携アプリ refused the request).
    pub failed: bool,
    /// True when the request itself was moved into Res (it happens beside a `.err`).
    pub request_returned: bool,
    /// True for a phase-1 bulk request: its result carries a ReceptionNumber and the レセコン
    /// will write a phase-2 request later.
    pub continues: bool,
}

/// A name present in Res that answers no request in flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unmatched {
    /// The name, as given.
    pub name: String,
    /// What it is by name.
    pub kind: Kind,
}

/// The outcome of [`correlate`]. Lists keep the order of the input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Correlation {
    /// Requests with at least one answer present.
    pub answered: Vec<Answer>,
    /// Requests still waiting for an answer.
    pub waiting: Vec<String>,
    /// Face files present: never answers to a request, always carried.
    pub face: Vec<String>,
    /// Other names present that answer no request in flight (late answers to an older trip,
    /// answers to requests from elsewhere, unknown files). Flagged, still carried.
    pub unmatched: Vec<Unmatched>,
}

/// Matches `present` (names seen in Res, and Face if the caller wishes) against `requests`
/// (names of requests in flight). Letter case is ignored as on Windows.
pub fn correlate<R, P>(table: &PrefixTable, requests: &[R], present: &[P]) -> Correlation
where
    R: AsRef<str>,
    P: AsRef<str>,
{
    // folded expected name -> index of the request it answers
    let mut expected: HashMap<String, usize> = HashMap::new();
    for (i, req) in requests.iter().enumerate() {
        let req = req.as_ref();
        if !matches!(table.classify(req), Kind::Request(_)) {
            continue;
        }
        for name in table.expected_responses(req) {
            expected.entry(fold(&name)).or_insert(i);
        }
        // Leniency: `<full request name>.err` too (the canonical form is the base name).
        expected.entry(fold(&format!("{req}.err"))).or_insert(i);
        // The request itself may reappear in Res next to its `.err`.
        expected.entry(fold(req)).or_insert(i);
    }

    let mut found: Vec<Vec<String>> = vec![Vec::new(); requests.len()];
    let mut result = Correlation::default();
    for name in present {
        let name = name.as_ref();
        let kind = table.classify(name);
        match expected.get(&fold(name)) {
            Some(&i) => {
                if let Some(list) = found.get_mut(i) {
                    list.push(name.to_owned());
                }
            }
            None if kind == Kind::Face => result.face.push(name.to_owned()),
            None => result.unmatched.push(Unmatched {
                name: name.to_owned(),
                kind,
            }),
        }
    }

    for (req, responses) in requests.iter().zip(found) {
        let req = req.as_ref();
        let request_returned = responses.iter().any(|r| fold(r) == fold(req));
        let only_returned = responses.len() == 1 && request_returned;
        if responses.is_empty() || only_returned {
            // A request copy alone in Res is not an answer yet: its `.err` follows.
            result.waiting.push(req.to_owned());
            continue;
        }
        let kind = table.classify(req);
        result.answered.push(Answer {
            request: req.to_owned(),
            failed: responses
                .iter()
                .any(|r| matches!(table.classify(r), Kind::Error(_))),
            request_returned,
            continues: kind.process().is_some_and(|p| p.is_first_phase()),
            responses,
        });
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(requests: &[&str], present: &[&str]) -> Correlation {
        correlate(&PrefixTable::default(), requests, present)
    }

    #[test]
    fn single_answered_waiting_and_unmatched() {
        let c = run(
            &[
                "OQSsiquc01req_202501010001.xml",
                "OQSsiquc01req_202501010002.xml",
            ],
            &[
                "oqssiquc01res_202501010001.XML",
                "OQSsiquc01res_202412310009.xml",
                "OQSsiquc01res_face_1312345678400_20250101120000.xml",
                "notes.txt",
            ],
        );
        assert_eq!(
            c.answered,
            [Answer {
                request: "OQSsiquc01req_202501010001.xml".into(),
                responses: vec!["oqssiquc01res_202501010001.XML".into()],
                failed: false,
                request_returned: false,
                continues: false,
            }]
        );
        assert_eq!(c.waiting, ["OQSsiquc01req_202501010002.xml"]);
        assert_eq!(
            c.face,
            ["OQSsiquc01res_face_1312345678400_20250101120000.xml"]
        );
        assert_eq!(
            c.unmatched,
            [
                Unmatched {
                    name: "OQSsiquc01res_202412310009.xml".into(),
                    kind: Kind::Result(crate::oqs::Process::Single),
                },
                Unmatched {
                    name: "notes.txt".into(),
                    kind: Kind::Unknown,
                },
            ]
        );
    }

    #[test]
    fn err_file_and_returned_request() {
        let req = "OQSmuquc01req_202501150001.xml";
        // The request copy alone does not answer yet.
        let c = run(&[req], &[req]);
        assert_eq!(c.waiting, [req]);
        assert!(c.answered.is_empty() && c.unmatched.is_empty());

        let c = run(&[req], &[req, "OQSmuquc01req_202501150001.err"]);
        assert_eq!(c.answered.len(), 1);
        let a = &c.answered[0];
        assert!(a.failed && a.request_returned);
        assert!(c.waiting.is_empty() && c.unmatched.is_empty());

        // `<full name>.err` is accepted too.
        let c = run(&[req], &["OQSmuquc01req_202501150001.xml.err"]);
        assert!(c.answered.len() == 1 && c.answered[0].failed);

        // An .err for a request not in flight is flagged.
        let c = run(&[], &["OQSsiquc01req_x.err"]);
        assert_eq!(c.unmatched[0].kind.label(), "single-err");
    }

    #[test]
    fn bulk_is_multi_trip() {
        let p1 = "OQSmuquc01req_202501150001.xml";
        let p2 = "OQSmuquc02req_202501150002.xml";
        // Trip 1: phase-1 result comes back; it continues, it is not an error.
        let c = run(&[p1], &["OQSmuquc01res_202501150001.xml"]);
        assert_eq!(c.answered.len(), 1);
        assert!(c.answered[0].continues && !c.answered[0].failed);
        // A phase-2 result never answers a phase-1 request of the same free part.
        let c = run(&[p1], &["OQSmuquc02res_202501150001.zip"]);
        assert_eq!(c.waiting, [p1]);
        assert_eq!(c.unmatched.len(), 1);
        // Trip 2: the phase-2 request is answered by its own result only (ZIP allowed).
        let c = run(
            &[p2],
            &[
                "OQSmuquc01res_202501150002.xml",
                "OQSmuquc02res_202501150002.zip",
            ],
        );
        assert_eq!(c.answered.len(), 1);
        assert_eq!(c.answered[0].responses, ["OQSmuquc02res_202501150002.zip"]);
        assert!(!c.answered[0].continues);
        assert_eq!(c.unmatched.len(), 1);
    }

    #[test]
    fn drug_pdf_answers() {
        let c = run(
            &["YZKsiquc01req_0125010112001234.xml"],
            &["YZKsiquc01res_0125010112001234.pdf"],
        );
        assert_eq!(c.answered.len(), 1);
        assert!(c.waiting.is_empty());
    }

    #[test]
    fn non_requests_in_flight_are_ignored() {
        let c = run(&["OQSsiquc01res_a.xml", "x.txt"], &["OQSsiquc01res_a.xml"]);
        assert_eq!(c.waiting, ["OQSsiquc01res_a.xml", "x.txt"]);
        assert_eq!(c.unmatched.len(), 1);
    }
}
