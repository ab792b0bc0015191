//! Whether a link file that has stopped changing is complete, judged by its content.
//!
//! The quiet period (no change for 1 s) cannot tell a finished file from one whose writer paused
//! mid-write. This module owns the second opinion: the format's own end marker. It sniffs the
//! format by content, never by extension (a UTF-8 BOM and leading ASCII whitespace are skipped;
//! `<` is XML, `PK\x03\x04` or `PK\x05\x06` is ZIP, `%PDF-` is PDF) and answers
//! [`Completeness::Complete`] when the end marker is there, [`Completeness::Incomplete`] when a
//! known format ended too early, and [`Completeness::Unknown`] when the content cannot be checked
//! (an encrypted link file, an `.err` file, broken-but-not-truncated XML, or work beyond the
//! bounds below).
//!
//! XML is parsed streaming on raw bytes (UTF-8 and Shift_JIS alike: Shift_JIS trail bytes are
//! never `<`, `>`, `/`, `&`, `;` or quotes, so byte-level parsing is exact) and is never decoded;
//! references are never resolved and a DOCTYPE is skipped, never expanded. ZIP and PDF are
//! judged by their tail only. Memory stays flat whatever the file size: XML larger than
//! [`MAX_XML_SIZE`], with a single token (tag, text run, comment) of more than about 4 MiB, or
//! nested deeper than 256 elements is [`Completeness::Unknown`] without further work.
//!
//! It must not write, lock, move or change any file, and must not decide policy: what to do with
//! an incomplete or unknown file (wait, carry after the quiet period, warn) is the caller's
//! business.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use quick_xml::errors::{Error as XmlError, IllFormedError};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use super::classify::Kind;

/// XML files larger than this (bytes) are not parsed: [`Completeness::Unknown`].
pub const MAX_XML_SIZE: u64 = 256 * 1024 * 1024;

/// Largest single XML token (tag, text run, comment, …) buffered while parsing.
const MAX_XML_TOKEN: u64 = 4 * 1024 * 1024;
/// Deepest XML element nesting followed.
const MAX_XML_DEPTH: usize = 256;
/// Most bytes of open element names kept by the parser at once.
const MAX_OPEN_NAME_BYTES: usize = 64 * 1024;
/// Largest piece handed to the XML parser at once, and the file read buffer.
const CHUNK: usize = 64 * 1024;
/// The ZIP end-of-central-directory record (22 bytes) plus the longest possible comment.
const ZIP_TAIL: u64 = 22 + 65_535;
/// PDF readers look for `%%EOF` in the last 1,024 bytes.
const PDF_TAIL: u64 = 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
const ZIP_EOCD: &[u8] = b"PK\x05\x06";
/// Size of the end-of-central-directory record without its comment.
const ZIP_EOCD_LEN: usize = 22;
const PDF_MAGIC: &[u8] = b"%PDF-";
const PDF_EOF: &[u8] = b"%%EOF";
/// Longest magic, in bytes.
const MAGIC_LEN: usize = 5;

/// What the content of a file says about whether its writer finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completeness {
    /// The format's own end marker is present (XML root closed, ZIP end-of-central-directory, PDF %%EOF).
    Complete,
    /// The content is of a known format and its end is missing: the writer has not finished.
    Incomplete,
    /// The content is of no format we can check (e.g. an encrypted link file, an `.err` file): only the quiet period decides.
    Unknown,
}

/// Checks the file at `path`; reads it streaming (XML), or only its tail (ZIP, PDF) — memory
/// must stay flat for files of hundreds of MB. An I/O error reading it counts as Incomplete (it
/// is looked at again later).
///
/// `kind` is [`classify`](super::classify::classify) of the file name; only
/// [`Kind::Error`] changes the rule: an `.err` file is always [`Completeness::Unknown`] and is
/// not opened. A file that grows or shrinks while its tail is read is
/// [`Completeness::Incomplete`].
pub fn check_file(kind: Kind, path: &Path) -> Completeness {
    if matches!(kind, Kind::Error(_)) {
        return Completeness::Unknown;
    }
    check_open_file(path).unwrap_or(Completeness::Incomplete)
}

/// The same decision on bytes in memory (for tests and fuzzing).
pub fn check_bytes(kind: Kind, bytes: &[u8]) -> Completeness {
    if matches!(kind, Kind::Error(_)) {
        return Completeness::Unknown;
    }
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let tail = |max: u64| {
        let keep = usize::try_from(max).unwrap_or(usize::MAX).min(bytes.len());
        Ok(Some(bytes[bytes.len() - keep..].to_vec()))
    };
    check_content(bytes, size, tail).unwrap_or(Completeness::Incomplete)
}

fn check_open_file(path: &Path) -> io::Result<Completeness> {
    let file = File::open(path)?;
    let size = file.metadata()?.len();
    let head = BufReader::with_capacity(CHUNK, &file);
    check_content(head, size, |max| read_tail(&file, max))
}

/// The last `max` bytes of `file` (all of it if shorter); `None` if the file changed size
/// while they were read.
fn read_tail(mut file: &File, max: u64) -> io::Result<Option<Vec<u8>>> {
    let size = file.seek(SeekFrom::End(0))?;
    let start = size.saturating_sub(max);
    file.seek(SeekFrom::Start(start))?;
    let want = size - start;
    let mut tail = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
    file.take(want).read_to_end(&mut tail)?;
    let mut probe = [0u8; 1];
    if u64::try_from(tail.len()).ok() != Some(want) || read_up_to(&mut file, &mut probe)? != 0 {
        return Ok(None);
    }
    Ok(Some(tail))
}

/// The format a file's first significant bytes announce.
enum Sniffed {
    Xml,
    Zip,
    Pdf,
    /// Nothing but (part of) a preamble or a magic number: the writer has only just begun.
    Started,
    /// No format we can check.
    Other,
}

/// Sniffs `head`: the first (up to [`MAGIC_LEN`]) bytes after the BOM and leading whitespace,
/// fewer only if the content ends there.
fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Started;
    }
    if head[0] == b'<' {
        return Sniffed::Xml;
    }
    if head.starts_with(ZIP_LOCAL_HEADER) || head.starts_with(ZIP_EOCD) {
        return Sniffed::Zip;
    }
    if head.starts_with(PDF_MAGIC) {
        return Sniffed::Pdf;
    }
    let cut_short = head.len() < MAGIC_LEN;
    let prefix_of_magic = [UTF8_BOM, ZIP_LOCAL_HEADER, ZIP_EOCD, PDF_MAGIC]
        .iter()
        .any(|magic| head.len() < magic.len() && magic.starts_with(head));
    if cut_short && prefix_of_magic {
        Sniffed::Started
    } else {
        Sniffed::Other
    }
}

/// The whole decision on a stream `input` of `size` bytes; `tail(max)` gives its last `max`
/// bytes (`None` if it changed meanwhile).
fn check_content<R, T>(mut input: R, size: u64, tail: T) -> io::Result<Completeness>
where
    R: BufRead,
    T: FnOnce(u64) -> io::Result<Option<Vec<u8>>>,
{
    let mut start = [0u8; 3];
    let read = read_up_to(&mut input, &mut start)?;
    let not_bom: &[u8] = if &start[..read] == UTF8_BOM {
        &[]
    } else {
        &start[..read]
    };
    let mut rest = not_bom.chain(input);
    skip_ascii_whitespace(&mut rest)?;
    let mut magic = [0u8; MAGIC_LEN];
    let read = read_up_to(&mut rest, &mut magic)?;
    let head = &magic[..read];
    Ok(match sniff(head) {
        Sniffed::Started => Completeness::Incomplete,
        Sniffed::Other => Completeness::Unknown,
        Sniffed::Xml if size > MAX_XML_SIZE => Completeness::Unknown,
        Sniffed::Xml => check_xml(head.chain(rest)),
        Sniffed::Zip => tail(ZIP_TAIL)?.map_or(Completeness::Incomplete, |t| zip_end(&t)),
        Sniffed::Pdf => tail(PDF_TAIL)?.map_or(Completeness::Incomplete, |t| pdf_end(&t)),
    })
}

/// Fills `buf` as far as the input allows; returns how many bytes were read.
fn read_up_to<R: Read>(input: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn skip_ascii_whitespace<R: BufRead>(input: &mut R) -> io::Result<()> {
    loop {
        let (blank, more) = {
            let available = input.fill_buf()?;
            let blank = available
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            (blank, !available.is_empty() && blank == available.len())
        };
        input.consume(blank);
        if !more {
            return Ok(());
        }
    }
}

/// Complete iff the tail ends with an end-of-central-directory record whose comment reaches
/// exactly to the end. `tail` holds the last [`ZIP_TAIL`] bytes (or the whole file).
fn zip_end(tail: &[u8]) -> Completeness {
    let Some(last) = tail.len().checked_sub(ZIP_EOCD_LEN) else {
        return Completeness::Incomplete;
    };
    for at in (0..=last).rev() {
        let record = &tail[at..at + ZIP_EOCD_LEN];
        if record.starts_with(ZIP_EOCD) {
            let comment = usize::from(u16::from_le_bytes([record[20], record[21]]));
            if at + ZIP_EOCD_LEN + comment == tail.len() {
                return Completeness::Complete;
            }
        }
    }
    Completeness::Incomplete
}

/// Complete iff the tail ends with `%%EOF`, optionally followed by PDF whitespace. `tail` holds
/// the last [`PDF_TAIL`] bytes (or the whole file).
fn pdf_end(tail: &[u8]) -> Completeness {
    let is_pdf_space = |b: &u8| matches!(b, b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ');
    let end = tail
        .iter()
        .rposition(|b| !is_pdf_space(b))
        .map_or(0, |i| i + 1);
    if tail[..end].ends_with(PDF_EOF) {
        Completeness::Complete
    } else {
        Completeness::Incomplete
    }
}

/// A reader that hands out at most [`CHUNK`] bytes at a time and fails once a single XML token
/// grows beyond [`MAX_XML_TOKEN`] or the whole input beyond [`MAX_XML_SIZE`] (a file growing
/// while it is read), so that the parser's buffers stay bounded.
struct Bounded<R> {
    inner: R,
    token: u64,
    total: u64,
    exceeded: bool,
}

impl<R: BufRead> Bounded<R> {
    fn new(inner: R) -> Self {
        Bounded {
            inner,
            token: 0,
            total: 0,
            exceeded: false,
        }
    }

    /// Called before each event: the next token starts.
    fn next_token(&mut self) {
        self.token = 0;
    }

    /// Whether the input is exhausted (ignoring the bounds).
    fn at_end(&mut self) -> io::Result<bool> {
        Ok(self.inner.fill_buf()?.is_empty())
    }
}

impl<R: BufRead> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            buf[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Bounded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.token > MAX_XML_TOKEN || self.total > MAX_XML_SIZE {
            self.exceeded = true;
            return Err(io::Error::other(
                "XML token or file beyond the completeness bounds",
            ));
        }
        let available = self.inner.fill_buf()?;
        let n = available.len().min(CHUNK);
        Ok(&available[..n])
    }

    fn consume(&mut self, amt: usize) {
        let amt64 = u64::try_from(amt).unwrap_or(u64::MAX);
        self.token = self.token.saturating_add(amt64);
        self.total = self.total.saturating_add(amt64);
        self.inner.consume(amt);
    }
}

/// Whitespace in the sense of the XML specification.
fn is_xml_space(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Streams the XML in `input` (starting at its first `<`): complete iff exactly one root element
/// is opened and closed and nothing but whitespace, comments and processing instructions
/// surrounds it.
fn check_xml<R: BufRead>(input: R) -> Completeness {
    let mut reader = Reader::from_reader(Bounded::new(input));
    {
        // Spelled out rather than relying on the defaults: raw events, names checked, nothing
        // expanded, nothing trimmed.
        let config = reader.config_mut();
        config.check_end_names = true;
        config.allow_unmatched_ends = false;
        config.allow_dangling_amp = false;
        config.expand_empty_elements = false;
        config.trim_text(false);
    }
    let mut buf = Vec::new();
    // Lengths of the names of the open elements (their bytes are held by the parser).
    let mut open: Vec<usize> = Vec::new();
    let mut open_bytes = 0usize;
    let mut root_closed = false;
    let mut first = true;
    loop {
        buf.clear();
        reader.get_mut().next_token();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(error) => return xml_error(reader.get_mut(), &error),
        };
        let outside = open.is_empty();
        match event {
            Event::Eof if root_closed => return Completeness::Complete,
            Event::Eof => return Completeness::Incomplete,
            Event::Decl(_) if !first => return Completeness::Unknown,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::DocType(_) if !outside || root_closed => return Completeness::Unknown,
            Event::DocType(_) => {}
            Event::Start(start) => {
                if outside && root_closed {
                    return Completeness::Unknown;
                }
                let len = start.name().as_ref().len();
                open.push(len);
                open_bytes = open_bytes.saturating_add(len);
                if open.len() > MAX_XML_DEPTH || open_bytes > MAX_OPEN_NAME_BYTES {
                    return Completeness::Unknown;
                }
            }
            Event::Empty(_) => {
                if outside {
                    if root_closed {
                        return Completeness::Unknown;
                    }
                    root_closed = true;
                }
            }
            Event::End(_) => match open.pop() {
                Some(len) => {
                    open_bytes = open_bytes.saturating_sub(len);
                    root_closed = open.is_empty();
                }
                None => return Completeness::Unknown,
            },
            Event::Text(text) => {
                if outside && !text.iter().all(is_xml_space) {
                    return Completeness::Unknown;
                }
            }
            Event::CData(_) | Event::GeneralRef(_) => {
                if outside {
                    return Completeness::Unknown;
                }
            }
        }
        first = false;
    }
}

/// Decides after a parser error: an error the input's end caused is a truncation; any other is
/// broken content that waiting will not mend.
fn xml_error<R: BufRead>(input: &mut Bounded<R>, error: &XmlError) -> Completeness {
    match error {
        XmlError::Io(_) if input.exceeded => Completeness::Unknown,
        XmlError::Io(_) => Completeness::Incomplete,
        // Every syntax error but the odd malformed `<!…>` is raised at the end of input; a
        // reference (`&…;`) is unclosed either at the end or before `&`/`<`.
        XmlError::Syntax(_) | XmlError::IllFormed(IllFormedError::UnclosedReference) => {
            match input.at_end() {
                Ok(true) | Err(_) => Completeness::Incomplete,
                Ok(false) => Completeness::Unknown,
            }
        }
        _ => Completeness::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oqs::classify::{Process, classify};
    use encoding_rs::SHIFT_JIS;

    const RESULT: Kind = Kind::Result(Process::Single);

    /// A single-check result for an invented patient, without a trailing newline.
    fn result_xml(encoding: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"{encoding}\" standalone=\"no\"?>\n\
             <XmlMsg>\n<MessageHeader>\
             <ProcessExecutionTime>20250401093000</ProcessExecutionTime>\
             <MedicalInstitutionCode>1312345678</MedicalInstitutionCode>\
             <CharacterCodeIdentifier>0</CharacterCodeIdentifier>\
             </MessageHeader>\n<MessageBody><ResultList><ResultOfQualificationConfirmation>\
             <Name>試験 太郎</Name><NameKana>シケン タロウ</NameKana>\
             <Birthdate>19800101</Birthdate><Sex1>1</Sex1>\
             <InsurerNumber>06123456</InsurerNumber><Note a=\"x&amp;y\">A &lt; B &#x41;</Note>\
             <Empty/><!-- 備考 --><![CDATA[<not-a-tag>]]>\
             </ResultOfQualificationConfirmation></ResultList></MessageBody>\n</XmlMsg>"
        )
    }

    fn sjis(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
        assert!(!unmappable);
        bytes.into_owned()
    }

    /// Asserts that `full` is Complete and every proper prefix of it (the empty one too) is
    /// Incomplete.
    fn assert_prefixes_incomplete(kind: Kind, full: &[u8]) {
        assert_eq!(check_bytes(kind, full), Completeness::Complete);
        for cut in 0..full.len() {
            assert_eq!(
                check_bytes(kind, &full[..cut]),
                Completeness::Incomplete,
                "prefix of {cut} of {} bytes: {:?}",
                full.len(),
                String::from_utf8_lossy(&full[cut.saturating_sub(20)..cut])
            );
        }
    }

    #[test]
    fn utf8_xml_complete_and_every_prefix_incomplete() {
        assert_prefixes_incomplete(RESULT, result_xml("UTF-8").as_bytes());
    }

    #[test]
    fn shift_jis_xml_complete_and_every_prefix_incomplete() {
        let bytes = sjis(&result_xml("Shift_JIS"));
        assert!(!bytes.is_ascii(), "the Japanese text must be in Shift_JIS");
        assert_prefixes_incomplete(RESULT, &bytes);
        // Cut in the middle of a two-byte character of 試験 太郎.
        let name = bytes
            .windows(2)
            .position(|w| w == sjis("試").as_slice())
            .expect("name present");
        assert_eq!(
            check_bytes(RESULT, &bytes[..name + 1]),
            Completeness::Incomplete
        );
    }

    #[test]
    fn trailing_whitespace_comments_and_pis_after_the_root_are_fine() {
        let root = result_xml("UTF-8");
        let full = format!("{root}\r\n<!-- written by the 連携アプリ -->\n<?done yes?>\n\n");
        let after = |needle: &str| root.len() + full[root.len()..].find(needle).expect(needle);
        let (comment, comment_end) = (after("<!--"), after("-->") + 3);
        let (pi, pi_end) = (after("<?done"), after("?>\n\n") + 2);
        for cut in root.len()..=full.len() {
            let inside = (comment < cut && cut < comment_end) || (pi < cut && cut < pi_end);
            let expected = if inside {
                Completeness::Incomplete
            } else {
                Completeness::Complete
            };
            assert_eq!(
                check_bytes(RESULT, &full.as_bytes()[..cut]),
                expected,
                "cut after {:?}",
                String::from_utf8_lossy(&full.as_bytes()[..cut])
            );
        }
    }

    #[test]
    fn bom_and_whitespace_before_the_declaration() {
        let xml = result_xml("UTF-8");
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(b" \r\n\t\n");
        bytes.extend_from_slice(xml.as_bytes());
        assert_eq!(check_bytes(RESULT, &bytes), Completeness::Complete);
        assert_eq!(
            check_bytes(RESULT, &bytes[..bytes.len() - 1]),
            Completeness::Incomplete
        );
        // Nothing but the preamble yet, or part of the BOM.
        assert_eq!(check_bytes(RESULT, &bytes[..8]), Completeness::Incomplete);
        assert_eq!(check_bytes(RESULT, &bytes[..2]), Completeness::Incomplete);
        assert_eq!(check_bytes(RESULT, b"  \n"), Completeness::Incomplete);
    }

    #[test]
    fn empty_file_is_incomplete_for_every_kind_but_err() {
        for kind in Kind::all() {
            let expected = if matches!(kind, Kind::Error(_)) {
                Completeness::Unknown
            } else {
                Completeness::Incomplete
            };
            assert_eq!(check_bytes(kind, b""), expected, "{kind}");
        }
    }

    #[test]
    fn broken_xml_that_is_not_truncated_is_unknown() {
        for broken in [
            "<XmlMsg><A></B></XmlMsg>",
            "<XmlMsg></XmlMsg></XmlMsg>",
            "<XmlMsg/><XmlMsg/>",
            "<XmlMsg></XmlMsg>trailing text",
            "<XmlMsg></XmlMsg><![CDATA[x]]>",
            "<XmlMsg></XmlMsg>&amp;",
            "<XmlMsg>&amp<X/></XmlMsg>",
            "<XmlMsg><!x></XmlMsg>",
            "<XmlMsg></XmlMsg><?xml version=\"1.0\"?>",
            "<XmlMsg><!DOCTYPE x></XmlMsg>",
            "<XmlMsg></XmlMsg><!DOCTYPE x>",
            "< XmlMsg></XmlMsg>",
        ] {
            assert_eq!(
                check_bytes(RESULT, broken.as_bytes()),
                Completeness::Unknown,
                "{broken}"
            );
        }
    }

    #[test]
    fn truncated_markup_of_every_sort_is_incomplete() {
        for truncated in [
            "<",
            "<?xml version=\"1.0\" encoding=\"Shift_JIS\"",
            "<?xml version=\"1.0\"?>\n",
            "<!",
            "<!-",
            "<!-- comment",
            "<!DOCTYPE XmlMsg [ <!ENTITY a \"b\">",
            "<XmlMsg><![CDATA[abc",
            "<XmlMsg attr=\"a>b",
            "<XmlMsg>text &am",
            "<XmlMsg>text &",
            "<XmlMsg><A/><B></B>",
            "<XmlMsg></XmlMs",
        ] {
            assert_eq!(
                check_bytes(RESULT, truncated.as_bytes()),
                Completeness::Incomplete,
                "{truncated}"
            );
        }
    }

    #[test]
    fn doctype_entities_are_never_expanded() {
        // "Billion laughs": expanding &lol9; would take gigabytes; it is only skipped.
        let mut xml =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE XmlMsg [\n<!ENTITY lol0 \"lol\">\n");
        for i in 1..10 {
            let prev = format!("&lol{};", i - 1);
            xml.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
        }
        xml.push_str(
            "<!ENTITY ext SYSTEM \"file:///etc/passwd\">\n]>\n<XmlMsg>&lol9;&ext;</XmlMsg>",
        );
        assert_eq!(check_bytes(RESULT, xml.as_bytes()), Completeness::Complete);
        assert_eq!(
            check_bytes(RESULT, &xml.as_bytes()[..xml.len() - 3]),
            Completeness::Incomplete
        );
    }

    #[test]
    fn work_beyond_the_bounds_is_unknown() {
        let deep = format!(
            "<XmlMsg>{}{}</XmlMsg>",
            "<a>".repeat(MAX_XML_DEPTH),
            "</a>".repeat(MAX_XML_DEPTH)
        );
        assert_eq!(check_bytes(RESULT, deep.as_bytes()), Completeness::Unknown);
        let huge_text = format!(
            "<XmlMsg>{}</XmlMsg>",
            "x".repeat(usize::try_from(MAX_XML_TOKEN).expect("fits") + 2 * CHUNK)
        );
        assert_eq!(
            check_bytes(RESULT, huge_text.as_bytes()),
            Completeness::Unknown
        );
        // Just within the bounds.
        let ok = format!(
            "<XmlMsg>{}{}</XmlMsg>",
            "<a>".repeat(MAX_XML_DEPTH - 1),
            "</a>".repeat(MAX_XML_DEPTH - 1)
        );
        assert_eq!(check_bytes(RESULT, ok.as_bytes()), Completeness::Complete);
    }

    /// CRC-32 (IEEE), bit by bit: enough for a test ZIP.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// A valid ZIP holding one stored (uncompressed) file, with an optional archive comment.
    fn tiny_zip(name: &str, data: &[u8], comment: &[u8]) -> Vec<u8> {
        let crc = crc32(data);
        let size = u32::try_from(data.len()).expect("small");
        let name_len = u16::try_from(name.len()).expect("small");
        let mut zip = Vec::new();
        // Local file header.
        zip.extend_from_slice(ZIP_LOCAL_HEADER);
        zip.extend_from_slice(&20u16.to_le_bytes()); // version needed
        zip.extend_from_slice(&0u16.to_le_bytes()); // flags
        zip.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        zip.extend_from_slice(&0u16.to_le_bytes()); // time
        zip.extend_from_slice(&0x5A81u16.to_le_bytes()); // date 2025-04-01
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&name_len.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes()); // extra length
        zip.extend_from_slice(name.as_bytes());
        zip.extend_from_slice(data);
        // Central directory.
        let cd_offset = u32::try_from(zip.len()).expect("small");
        zip.extend_from_slice(b"PK\x01\x02");
        zip.extend_from_slice(&20u16.to_le_bytes()); // version made by
        zip.extend_from_slice(&20u16.to_le_bytes()); // version needed
        zip.extend_from_slice(&0u16.to_le_bytes()); // flags
        zip.extend_from_slice(&0u16.to_le_bytes()); // method
        zip.extend_from_slice(&0u16.to_le_bytes()); // time
        zip.extend_from_slice(&0x5A81u16.to_le_bytes()); // date
        zip.extend_from_slice(&crc.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&size.to_le_bytes());
        zip.extend_from_slice(&name_len.to_le_bytes());
        zip.extend_from_slice(&0u16.to_le_bytes()); // extra length
        zip.extend_from_slice(&0u16.to_le_bytes()); // comment length
        zip.extend_from_slice(&0u16.to_le_bytes()); // disk
        zip.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        zip.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        zip.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        zip.extend_from_slice(name.as_bytes());
        let cd_size = u32::try_from(zip.len()).expect("small") - cd_offset;
        // End of central directory.
        zip.extend_from_slice(ZIP_EOCD);
        zip.extend_from_slice(&0u16.to_le_bytes()); // this disk
        zip.extend_from_slice(&0u16.to_le_bytes()); // disk with the directory
        zip.extend_from_slice(&1u16.to_le_bytes()); // entries on this disk
        zip.extend_from_slice(&1u16.to_le_bytes()); // entries
        zip.extend_from_slice(&cd_size.to_le_bytes());
        zip.extend_from_slice(&cd_offset.to_le_bytes());
        zip.extend_from_slice(&u16::try_from(comment.len()).expect("small").to_le_bytes());
        zip.extend_from_slice(comment);
        zip
    }

    const BULK2_ZIP: Kind = Kind::Result(Process::Bulk2);

    #[test]
    fn zip_complete_and_every_prefix_incomplete() {
        let data = result_xml("UTF-8");
        let zip = tiny_zip("OQSmuquc02res_a.xml", data.as_bytes(), b"");
        assert_prefixes_incomplete(BULK2_ZIP, &zip);
    }

    #[test]
    fn zip_with_a_comment() {
        let zip = tiny_zip("a.xml", b"<XmlMsg/>", "試験用のコメント PK".as_bytes());
        assert_prefixes_incomplete(BULK2_ZIP, &zip);
        // A comment that itself holds the EOCD signature.
        let tricky = tiny_zip("a.xml", b"<XmlMsg/>", b"PK\x05\x06 comment");
        assert_prefixes_incomplete(BULK2_ZIP, &tricky);
        // Bytes after the record and its comment: not a finished ZIP.
        let mut extra = zip.clone();
        extra.push(b'x');
        assert_eq!(check_bytes(BULK2_ZIP, &extra), Completeness::Incomplete);
    }

    #[test]
    fn empty_zip_is_complete() {
        let mut empty = ZIP_EOCD.to_vec();
        empty.extend_from_slice(&[0; 18]);
        assert_prefixes_incomplete(BULK2_ZIP, &empty);
    }

    #[test]
    fn eocd_comment_longer_than_the_tail_window_is_not_searched() {
        // The record is beyond the last 65,557 bytes only if followed by more than a maximal
        // comment, which no finished ZIP is.
        let mut zip = tiny_zip("a.xml", b"<XmlMsg/>", &[b'c'; 65_535]);
        assert_eq!(check_bytes(BULK2_ZIP, &zip), Completeness::Complete);
        zip.push(b'c');
        assert_eq!(check_bytes(BULK2_ZIP, &zip), Completeness::Incomplete);
    }

    const DRUG_PDF: Kind = Kind::Result(Process::Drug);

    fn tiny_pdf() -> Vec<u8> {
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
          2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n\
          xref\n0 3\n0000000000 65535 f \n0000000015 00000 n \n0000000068 00000 n \n\
          trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n120\n%%EOF"
            .to_vec()
    }

    #[test]
    fn pdf_with_and_without_eof_marker() {
        let pdf = tiny_pdf();
        assert_prefixes_incomplete(DRUG_PDF, &pdf);
        for ending in [&b"\n"[..], b"\r\n", b"\r\n\r\n  \0"] {
            let mut with = pdf.clone();
            with.extend_from_slice(ending);
            assert_eq!(check_bytes(DRUG_PDF, &with), Completeness::Complete);
        }
        // An incremental update being appended after the first %%EOF.
        let mut update = pdf.clone();
        update.extend_from_slice(b"\n3 0 obj\n<< /Type /Annot >>\nendobj\n");
        assert_eq!(check_bytes(DRUG_PDF, &update), Completeness::Incomplete);
        // %%EOF further back than the last 1,024 bytes does not count.
        let mut far = pdf.clone();
        far.extend(std::iter::repeat_n(b'\n', 1024));
        assert_eq!(check_bytes(DRUG_PDF, &far), Completeness::Incomplete);
        far.truncate(pdf.len() + 1019);
        assert_eq!(check_bytes(DRUG_PDF, &far), Completeness::Complete);
    }

    #[test]
    fn encrypted_looking_blob_is_unknown() {
        let mut rng = fastrand::Rng::with_seed(20250401);
        let mut blob: Vec<u8> = (0..4096).map(|_| rng.u8(..)).collect();
        blob[0] = 0xA7; // not '<', 'P', '%', a BOM or whitespace
        for kind in [
            RESULT,
            BULK2_ZIP,
            DRUG_PDF,
            Kind::Request(Process::Single),
            Kind::Face,
        ] {
            assert_eq!(check_bytes(kind, &blob), Completeness::Unknown);
        }
        assert_eq!(check_bytes(RESULT, b"PKx"), Completeness::Unknown);
        assert_eq!(check_bytes(RESULT, b"%PDx"), Completeness::Unknown);
        // Only the start of a magic number: the writer has just begun.
        for start in [
            &b"P"[..],
            b"PK",
            b"PK\x03",
            b"PK\x05",
            b"%",
            b"%PD",
            b"%PDF",
        ] {
            assert_eq!(check_bytes(RESULT, start), Completeness::Incomplete);
        }
    }

    #[test]
    fn err_files_are_always_unknown() {
        let kind = classify("OQSsiquc01req_20250401093000.err");
        assert_eq!(kind, Kind::Error(Process::Single));
        assert_eq!(check_bytes(kind, b""), Completeness::Unknown);
        assert_eq!(check_bytes(kind, b"E001 error"), Completeness::Unknown);
        assert_eq!(check_bytes(kind, b"<XmlMsg>"), Completeness::Unknown);
        assert_eq!(
            check_bytes(kind, result_xml("UTF-8").as_bytes()),
            Completeness::Unknown
        );
        // Not even opened.
        assert_eq!(
            check_file(kind, Path::new("/nonexistent/OQSsiquc01req_a.err")),
            Completeness::Unknown
        );
    }

    #[test]
    fn sniffing_ignores_the_extension() {
        // A PDF named .xml and XML named .pdf are judged by their content.
        let pdf = tiny_pdf();
        assert_eq!(check_bytes(RESULT, &pdf), Completeness::Complete);
        assert_eq!(
            check_bytes(RESULT, &pdf[..pdf.len() - 2]),
            Completeness::Incomplete
        );
        let xml = result_xml("UTF-8");
        assert_eq!(
            check_bytes(DRUG_PDF, xml.as_bytes()),
            Completeness::Complete
        );
        assert_eq!(
            check_bytes(Kind::Unknown, xml.as_bytes()),
            Completeness::Complete
        );
    }

    #[test]
    fn check_file_agrees_with_check_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let xml = result_xml("UTF-8");
        let sjis_xml = sjis(&result_xml("Shift_JIS"));
        let zip = tiny_zip("a.xml", xml.as_bytes(), b"comment");
        let pdf = tiny_pdf();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut blob: Vec<u8> = (0..70_000).map(|_| rng.u8(..)).collect();
        blob[0] = 0xFF;
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("OQSsiquc01res_complete.xml", xml.as_bytes().to_vec()),
            (
                "OQSsiquc01res_cut.xml",
                xml.as_bytes()[..xml.len() / 2].to_vec(),
            ),
            ("OQSsiquc01res_sjis.xml", sjis_xml.clone()),
            (
                "OQSsiquc01res_sjiscut.xml",
                sjis_xml[..sjis_xml.len() - 1].to_vec(),
            ),
            ("OQSsiquc01res_empty.xml", Vec::new()),
            ("OQSmuquc02res_complete.zip", zip.clone()),
            ("OQSmuquc02res_cut.zip", zip[..zip.len() - 3].to_vec()),
            ("YZKsiquc01res_complete.pdf", pdf.clone()),
            ("YZKsiquc01res_cut.pdf", pdf[..pdf.len() - 1].to_vec()),
            ("OQSsiquc01req_encrypted.xml", blob),
            ("OQSsiquc01req_x.err", b"E".to_vec()),
        ];
        let mut seen = std::collections::HashSet::new();
        for (name, bytes) in &cases {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            let kind = classify(name);
            let from_file = check_file(kind, &path);
            assert_eq!(from_file, check_bytes(kind, bytes), "{name}");
            seen.insert(format!("{from_file:?}"));
        }
        assert_eq!(seen.len(), 3, "all three answers exercised: {seen:?}");
        // A file that cannot be read is looked at again later.
        assert_eq!(
            check_file(RESULT, &dir.path().join("missing.xml")),
            Completeness::Incomplete
        );
        assert_eq!(check_file(RESULT, dir.path()), Completeness::Incomplete);
    }
}
