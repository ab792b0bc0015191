//! The audit log (作業履歴) as CSV, one writer for `log --csv` and the desktop export.

use super::*;

/// One audit row as a CSV line (RFC 4180 quoting).
/// The audit log as CSV for Excel: UTF-8 with a byte-order mark, the header of
/// [`crate::text::LOG_CSV_HEADER`], one line per row, CRLF line ends. The one writer behind
/// `log --csv` and the desktop app's export.
pub fn write_audit_csv(rows: &[AuditRow], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write_audit_csv_header(out)?;
    for r in rows {
        write_audit_csv_row(r, out)?;
    }
    Ok(())
}

/// The start of [`write_audit_csv`]: the byte-order mark and the header line.
pub fn write_audit_csv_header(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write!(out, "\u{feff}{}\r\n", crate::text::LOG_CSV_HEADER)
}

/// One line of [`write_audit_csv`] with its line end (for writing rows as they are read,
/// [`crate::journal::Journal::each_audit_row`]).
pub fn write_audit_csv_row(r: &AuditRow, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    write!(out, "{}\r\n", audit_csv_line(r))
}

/// One audit row as a CSV line (fields quoted where they need it), without the line end.
pub fn audit_csv_line(r: &AuditRow) -> String {
    let q = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let o = |s: &Option<String>| q(s.as_deref().unwrap_or(""));
    let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    [
        q(&r.time),
        o(&r.stick),
        q(r.direction.as_str()),
        o(&r.package_id),
        n(r.seq),
        o(&r.file),
        n(r.size),
        o(&r.sha256),
        o(&r.kind),
        o(&r.summary),
        o(&r.actor),
        q(r.outcome.as_str()),
        o(&r.reason),
    ]
    .join(",")
}
