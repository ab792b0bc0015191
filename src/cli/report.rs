//! What an owner or inspector asks for: `status`, `log`, `selftest`, `summary`.

use oqs_courier::state::{Home, Installation};
use oqs_courier::{Error, engine, text};
use std::path::Path;
use std::process::ExitCode;

/// `status`.
pub fn status(home: &Home, hours: i64) -> Result<(), Error> {
    status_cmd(&home.load()?, hours)
}

/// `log`.
pub fn log(home: &Home, since: Option<&str>, csv: bool) -> Result<(), Error> {
    log_cmd(&home.load()?, since, csv)
}

/// `selftest`: exit 2 when a check fails.
pub fn selftest(home: &Home, stick: Option<&Path>) -> ExitCode {
    let report = oqs_courier::selftest::run(home, stick);
    print!("{}", report.render());
    if report.failures() > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

fn status_cmd(inst: &Installation, hours: i64) -> Result<(), Error> {
    let st = engine::status(inst, hours)?;
    let peer = st.peer.unwrap_or_else(|| text::NOT_PAIRED_YET.to_owned());
    let last = st.last_trip.unwrap_or_else(|| text::NO_VALUE.to_owned());
    for line in text::status_lines(
        inst.config.role.as_str(),
        &peer,
        st.waiting_in_folders,
        st.in_transit,
        st.to_import,
        st.awaiting,
        &last,
    ) {
        println!("{line}");
    }
    if st.old_unanswered > 0 {
        println!("{}", text::old_unanswered(st.old_unanswered, hours));
    }
    if let Some(care) = &st.care {
        println!("{}:", text::C_TITLE);
        for line in care.lines() {
            let mark = if line.warn { "注意: " } else { "" };
            println!("  {mark}{}", line.text);
        }
    }
    Ok(())
}

fn log_cmd(inst: &Installation, since: Option<&str>, csv: bool) -> Result<(), Error> {
    /// Why writing the log stopped.
    enum Stop {
        Journal(oqs_courier::journal::Error),
        Out(std::io::Error),
    }
    impl From<oqs_courier::journal::Error> for Stop {
        fn from(e: oqs_courier::journal::Error) -> Self {
            Stop::Journal(e)
        }
    }
    // Written through one locked handle, row by row as the journal gives them (memory stays
    // flat over years of history); a reader that stops early (`log --csv | head`) ends the
    // output quietly instead of a panic on the broken pipe.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let written = (|| -> Result<(), Stop> {
        use std::io::Write;
        if csv {
            engine::write_audit_csv_header(&mut out).map_err(Stop::Out)?;
        }
        inst.journal.each_audit_row(since, |r| {
            if csv {
                engine::write_audit_csv_row(&r, &mut out)
            } else {
                writeln!(
                    out,
                    "{}  {:<8} {:<6} {}  {}  {}",
                    r.time,
                    r.outcome,
                    r.direction,
                    r.file.as_deref().unwrap_or(""),
                    r.summary.as_deref().unwrap_or(""),
                    r.reason.as_deref().unwrap_or("")
                )
            }
            .map_err(Stop::Out)
        })?;
        out.flush().map_err(Stop::Out)
    })();
    match written {
        Err(Stop::Journal(e)) => return Err(oqs_courier::state::Error::from(e).into()),
        Err(Stop::Out(e)) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("{}: {e}", text::DETAIL_LABEL);
        }
        _ => {}
    }
    Ok(())
}

/// `summary`: what the import prompt shows for one link file.
pub fn summary_cmd(file: &Path, json: bool) -> Result<ExitCode, Error> {
    use oqs_courier::oqs::summary::MAX_INPUT;
    use std::io::Read;
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_INPUT as u64 + 1).read_to_end(&mut bytes))
        .map_err(|source| oqs_courier::state::Error::Io {
            path: file.to_owned(),
            source,
        })?;
    let s = oqs_courier::oqs::summarize(name, &bytes);
    if json {
        println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let today = chrono::Local::now().date_naive();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| text::NO_VALUE.to_owned());
    println!("{}", s.name);
    println!("  {}: {}", text::L_KIND, s.kind_text());
    println!("  {}: {}", text::L_STATE, s.state.text());
    if let Some(e) = &s.encoding {
        let e = match e {
            oqs_courier::oqs::TextEncoding::Utf8 => "UTF-8",
            oqs_courier::oqs::TextEncoding::ShiftJis => "Shift_JIS",
        };
        println!("  {}: {e}", text::L_ENCODING);
    }
    let date = s.date().map_or_else(
        || text::NO_VALUE.to_owned(),
        |d| d.format("%Y-%m-%d").to_string(),
    );
    println!("  {}: {date}（{}）", text::L_DATE, s.age_text(today));
    if s.error_code.is_some() || s.error_message.is_some() {
        println!(
            "  {}: {} {}",
            text::L_ERROR,
            opt(&s.error_code),
            opt(&s.error_message)
        );
    }
    if let Some(r) = &s.reception_number {
        println!("  {}: {r}", text::L_RECEPTION);
    }
    for p in &s.patients {
        println!(
            "  {}: {}（{}）",
            text::L_PATIENT,
            opt(&p.name),
            opt(&p.kana)
        );
        let birth = p.birth_date.map_or_else(
            || text::NO_VALUE.to_owned(),
            |d| d.format("%Y-%m-%d").to_string(),
        );
        let sex = p.sex.as_ref().map_or(text::NO_VALUE, |x| x.text());
        println!("    {}: {birth}  {}: {sex}", text::L_BIRTH, text::L_SEX);
        println!(
            "    {}: {}  {}: {} / {} / {}",
            text::L_INSURER,
            opt(&p.insurer_number),
            text::L_CARD,
            opt(&p.card_symbol),
            opt(&p.card_number),
            opt(&p.card_branch)
        );
        let validity = p
            .validity
            .as_ref()
            .or(s.validity.as_ref())
            .map_or(text::NO_VALUE, |v| v.text());
        println!(
            "    {}: {validity}  {}: {}",
            text::L_VALIDITY,
            text::L_REFNO,
            opt(&p.reference_number)
        );
    }
    Ok(ExitCode::SUCCESS)
}
