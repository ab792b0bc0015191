//! The XML the simulators write and the few values they read back. Synthetic data only.

use super::{Encoding, PATIENTS, Patient};

/// Text between the first `<tag>` and `</tag>` (simulator-grade, for its own test input).
pub fn tag<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&close)? + start;
    Some(xml[start..end].trim())
}

/// Decodes a request by its XML declaration (Shift_JIS or UTF-8); `None` if it does not decode.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_ascii_lowercase();
    let enc =
        if head.contains("shift_jis") || head.contains("shift-jis") || head.contains("windows-31j")
        {
            encoding_rs::SHIFT_JIS
        } else {
            encoding_rs::UTF_8
        };
    let (text, _, had_errors) = enc.decode(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Encodes `xml` (whose declaration names the encoding) into bytes.
pub fn encode(xml: &str, enc: Encoding) -> Vec<u8> {
    match enc {
        Encoding::Utf8 => xml.as_bytes().to_vec(),
        Encoding::ShiftJis => encoding_rs::SHIFT_JIS.encode(xml).0.into_owned(),
    }
}

fn declaration(enc: Encoding) -> (&'static str, &'static str) {
    match enc {
        Encoding::Utf8 => ("UTF-8", "0"),
        Encoding::ShiftJis => ("Shift_JIS", "1"),
    }
}

/// The patient a search key maps to (deterministic).
pub fn patient_for(key: &str) -> Patient {
    let h = key
        .bytes()
        .fold(7u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)));
    PATIENTS[(h % PATIENTS.len() as u64) as usize]
}

/// Values echoed from a request into its response.
#[derive(Default)]
pub struct Echo {
    /// MedicalInstitutionCode.
    pub institution: String,
    /// ArbitraryFileIdentifier.
    pub file_id: String,
    /// InsurerNumber.
    pub insurer: String,
    /// InsuredCardSymbol.
    pub symbol: String,
    /// InsuredIdentificationNumber.
    pub number: String,
    /// InsuredBranchNumber.
    pub branch: String,
}

impl Echo {
    /// Reads the echoed values from a request.
    pub fn from_request(xml: &str) -> Self {
        let g = |n| tag(xml, n).unwrap_or_default().to_owned();
        Self {
            institution: g("MedicalInstitutionCode"),
            file_id: g("ArbitraryFileIdentifier"),
            insurer: g("InsurerNumber"),
            symbol: g("InsuredCardSymbol"),
            number: g("InsuredIdentificationNumber"),
            branch: g("InsuredBranchNumber"),
        }
    }
}

fn header(
    enc: Encoding,
    now: &chrono::NaiveDateTime,
    institution: &str,
    file_id: &str,
    reference: &str,
    segment: &str,
    extra: &str,
) -> String {
    let (decl, code) = declaration(enc);
    format!(
        "<?xml version=\"1.0\" encoding=\"{decl}\" standalone=\"no\"?>\n<XmlMsg>\n<MessageHeader>\
         <ProcessExecutionTime>{}</ProcessExecutionTime>\
         <QualificationConfirmationDate>{}</QualificationConfirmationDate>\
         <MedicalInstitutionCode>{institution}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>{file_id}</ArbitraryFileIdentifier>\
         <ReferenceClassification>{reference}</ReferenceClassification>\
         <SegmentOfResult>{segment}</SegmentOfResult>{extra}\
         <CharacterCodeIdentifier>{code}</CharacterCodeIdentifier></MessageHeader>\n",
        now.format("%Y%m%d%H%M%S"),
        now.format("%Y%m%d"),
    )
}

fn result_of(
    p: &Patient,
    insurer: &str,
    symbol: &str,
    number: &str,
    branch: &str,
    refno: &str,
) -> String {
    format!(
        "<ResultOfQualificationConfirmation><InsuredCardClassification>01</InsuredCardClassification>\
         <InsurerNumber>{insurer}</InsurerNumber><InsuredCardSymbol>{symbol}</InsuredCardSymbol>\
         <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>\
         <InsuredBranchNumber>{branch}</InsuredBranchNumber>\
         <PersonalFamilyClassification>1</PersonalFamilyClassification>\
         <Name>{}</Name><NameKana>{}</NameKana><Sex1>{}</Sex1><Birthdate>{}</Birthdate>\
         <InsuredPartialContributionRatio>030</InsuredPartialContributionRatio>\
         <InsurerName>試験健康保険組合</InsurerName><ReferenceNumber>{refno}</ReferenceNumber>\
         </ResultOfQualificationConfirmation>",
        p.name, p.kana, p.sex, p.birth
    )
}

/// The response to a single qualification check. An identification number ending in `9999`
/// gives a per-person error (該当資格なし).
pub fn single_response(req: &Echo, enc: Encoding, now: &chrono::NaiveDateTime) -> String {
    let p = patient_for(&req.number);
    let mut out = header(enc, now, &req.institution, &req.file_id, "2", "1", "");
    out.push_str("<MessageBody>");
    if req.number.ends_with("9999") {
        out.push_str(
            "<ProcessingResultStatus>2</ProcessingResultStatus><ProcessingResultCode>SIM0004</ProcessingResultCode>\
             <ProcessingResultMessage>該当する資格がありません（シミュレーター）</ProcessingResultMessage>\
             <QualificationValidity>4</QualificationValidity>",
        );
    } else {
        out.push_str("<ProcessingResultStatus>1</ProcessingResultStatus><QualificationValidity>1</QualificationValidity><ResultList>");
        out.push_str(&result_of(
            &p,
            &req.insurer,
            &req.symbol,
            &req.number,
            &req.branch,
            "",
        ));
        out.push_str("</ResultList>");
    }
    out.push_str("</MessageBody>\n</XmlMsg>\n");
    out
}

/// A face-reader result for `p` (no request).
pub fn face_result(
    p: &Patient,
    institution: &str,
    serial: u64,
    enc: Encoding,
    now: &chrono::NaiveDateTime,
) -> String {
    let mut out = header(
        enc,
        now,
        institution,
        &format!("FACE{serial:012}"),
        "1",
        "1",
        "",
    );
    out.push_str("<MessageBody><ProcessingResultStatus>1</ProcessingResultStatus><QualificationValidity>1</QualificationValidity><ResultList>");
    out.push_str(&result_of(
        p,
        "06139999",
        "試験",
        &format!("{:07}", 1_000_000 + serial),
        "01",
        &format!("{:016}", serial),
    ));
    out.push_str("</ResultList></MessageBody>\n</XmlMsg>\n");
    out
}

/// Bulk phase 1: accepted, with a reception number.
pub fn bulk1_response(
    req: &Echo,
    reception: &str,
    enc: Encoding,
    now: &chrono::NaiveDateTime,
) -> String {
    let mut out = header(enc, now, &req.institution, &req.file_id, "2", "1", "");
    out.push_str(&format!(
        "<MessageBody><ReceptionNumber>{reception}</ReceptionNumber><ProcessingResultStatus>1</ProcessingResultStatus></MessageBody>\n</XmlMsg>\n"
    ));
    out
}

/// Bulk phase 2: "still processing" (segment 2) or the finished list (segment 1).
pub fn bulk2_response(
    req: &Echo,
    reception: &str,
    ready: bool,
    enc: Encoding,
    now: &chrono::NaiveDateTime,
) -> String {
    let extra = format!("<ReceptionNumber>{reception}</ReceptionNumber>");
    if !ready {
        let mut out = header(enc, now, &req.institution, &req.file_id, "2", "2", &extra);
        out.push_str("<MessageBody></MessageBody>\n</XmlMsg>\n");
        return out;
    }
    let mut out = header(enc, now, &req.institution, &req.file_id, "2", "1", &extra);
    out.push_str("<MessageBody>");
    for (i, p) in PATIENTS.iter().take(2).enumerate() {
        out.push_str("<BulkConfirmUnit><ProcessingResultStatus>1</ProcessingResultStatus><QualificationValidity>1</QualificationValidity>");
        out.push_str(&result_of(
            p,
            "06139999",
            "試験",
            &format!("{:07}", 2_000_000 + i),
            "01",
            "",
        ));
        out.push_str("</BulkConfirmUnit>");
    }
    out.push_str("</MessageBody>\n</XmlMsg>\n");
    out
}

/// A single-check request as Dynamics would write it.
pub fn request(n: u64, institution: &str, enc: Encoding) -> String {
    let (decl, _) = declaration(enc);
    let p = &PATIENTS[(n % PATIENTS.len() as u64) as usize];
    format!(
        "<?xml version=\"1.0\" encoding=\"{decl}\" standalone=\"no\"?>\n<XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>{institution}</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>SIM{n:010}</ArbitraryFileIdentifier></MessageHeader>\
         <MessageBody><QualificationConfirmSearchInfo><InsurerNumber>06139999</InsurerNumber>\
         <InsuredCardSymbol>試験</InsuredCardSymbol><InsuredIdentificationNumber>{:07}</InsuredIdentificationNumber>\
         <InsuredBranchNumber>01</InsuredBranchNumber><Birthdate>{}</Birthdate>\
         <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>\
         </QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n",
        1_000_000 + n,
        p.birth
    )
}

/// A minimal, valid one-page PDF standing in for 薬剤情報 / 特定健診 output.
pub fn pdf(title: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td (oqs-courier simulator: {title}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}
