//! The embedded default run: two installations, a stick folder and synthetic link files.
//!
//! Owns nothing but the script of the demo: in a fresh temporary folder, a clinic and a terminal
//! installation are set up, pair over the stick, the clinic seals three synthetic request files,
//! and the terminal verifies and opens them. Every step is narrated in Japanese and English to the
//! writer it is given. All data is synthetic (試験 太郎 …).

use crate::state::{Home, Role};
use crate::stick::Stick;
use crate::{Error, crypto, transfer};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the demo established.
#[derive(Debug)]
pub struct Outcome {
    /// Whether every check passed.
    pub ok: bool,
    /// The folder it ran in (removed unless kept).
    pub dir: PathBuf,
}

/// Synthetic requests as Dynamics would write them (invented people, invented numbers).
const REQUESTS: [(&str, &str, &str, &str); 3] = [
    ("06139999", "試験", "1234567", "19800101"),
    ("06139999", "試験", "7654321", "19920315"),
    ("39139999", "", "0000042", "19450817"),
];

fn request_xml(n: usize, insurer: &str, symbol: &str, number: &str, birth: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<XmlMsg><MessageHeader>\
         <MedicalInstitutionCode>1399999999</MedicalInstitutionCode>\
         <ArbitraryFileIdentifier>DEMO-{n:04}</ArbitraryFileIdentifier></MessageHeader>\
         <MessageBody><QualificationConfirmSearchInfo><InsurerNumber>{insurer}</InsurerNumber>\
         <InsuredCardSymbol>{symbol}</InsuredCardSymbol><InsuredIdentificationNumber>{number}\
         </InsuredIdentificationNumber><InsuredBranchNumber>01</InsuredBranchNumber>\
         <Birthdate>{birth}</Birthdate><LimitApplicationCertificateRelatedConsFlg>1\
         </LimitApplicationCertificateRelatedConsFlg></QualificationConfirmSearchInfo></MessageBody></XmlMsg>\n"
    )
}

/// Runs the demo in a new folder under the system temp folder; removes it unless `keep`.
pub fn run(out: &mut dyn Write, keep: bool) -> Result<Outcome, Error> {
    let tag: [u8; 4] = crypto::random()?;
    let dir = std::env::temp_dir().join(format!("oqs-courier-demo-{}", hex::encode(tag)));
    let result = run_in(&dir, out);
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result.map(|ok| Outcome { ok, dir })
}

fn say(out: &mut dyn Write, ja: &str, en: &str) {
    let _ = writeln!(out, "{ja}\n    ({en})");
}

fn mkdirs(dir: &Path) -> Result<(), Error> {
    for sub in ["Req", "Res", "Face"] {
        let p = dir.join(sub);
        std::fs::create_dir_all(&p)
            .map_err(|source| crate::state::Error::Io { path: p, source })?;
    }
    Ok(())
}

/// The demo in `dir`; returns whether all checks passed.
pub fn run_in(dir: &Path, out: &mut dyn Write) -> Result<bool, Error> {
    let clinic_oqs = dir.join("clinic").join("OQS");
    let terminal_oqs = dir.join("terminal").join("OQS");
    let stick_dir = dir.join("stick");
    mkdirs(&clinic_oqs)?;
    mkdirs(&terminal_oqs)?;
    std::fs::create_dir_all(&stick_dir).map_err(|source| crate::state::Error::Io {
        path: stick_dir.clone(),
        source,
    })?;
    say(
        out,
        &format!("デモ用フォルダ: {}", dir.display()),
        "demo folder with two PCs and a stick folder",
    );

    let mut clinic = Home::at(dir.join("clinic").join("state")).init(
        Role::Clinic,
        &clinic_oqs,
        "受付PC（デモ）",
    )?;
    let mut terminal = Home::at(dir.join("terminal").join("state")).init(
        Role::Terminal,
        &terminal_oqs,
        "資格確認端末（デモ）",
    )?;
    say(
        out,
        "1. 受付PCと資格確認端末を初期設定しました。",
        "1. set up a clinic and a terminal installation",
    );

    let stick = Stick::at(&stick_dir)?;
    transfer::pair_export(&clinic, &stick)?;
    let t = transfer::pair_import(&mut terminal, &stick)?;
    transfer::pair_export(&terminal, &stick)?;
    let c = transfer::pair_import(&mut clinic, &stick)?;
    say(
        out,
        &format!(
            "2. ペアリング完了。確認コード: 受付PC {} / 資格確認端末 {}",
            c.code, t.code
        ),
        "2. paired over the stick; both PCs show the comparison code",
    );
    let mut ok = c.code == t.code;

    let req = clinic_oqs.join("Req");
    let mut files = Vec::new();
    for (i, (insurer, symbol, number, birth)) in REQUESTS.iter().enumerate() {
        let p = req.join(format!("OQSsiquc01req_2026112709{:02}{:02}.xml", 30 + i, i));
        std::fs::write(&p, request_xml(i + 1, insurer, symbol, number, birth)).map_err(
            |source| crate::state::Error::Io {
                path: p.clone(),
                source,
            },
        )?;
        files.push(p);
    }
    let written = transfer::seal(&mut clinic, &stick, &files)?;
    say(
        out,
        &format!(
            "3. 受付PC: 資格確認の依頼ファイル {} 個を暗号化してUSBメモリに書き込みました（通番 {}）。",
            files.len(),
            written.meta.seq
        ),
        "3. clinic sealed three synthetic request files into one package",
    );

    let leaked = stick_leaks(&stick_dir, &files)?;
    ok &= !leaked;
    say(
        out,
        if leaked {
            "4. 警告: USBメモリにファイル名か内容が平文で残っています。"
        } else {
            "4. USBメモリ上にファイル名も内容も平文では残っていません。"
        },
        "4. searched the stick for file names and contents in plain text",
    );

    let seen = transfer::inspect(&terminal, &stick)?;
    let n: usize = seen.packages.iter().map(|p| p.files.len()).sum();
    say(
        out,
        &format!("5. 資格確認端末: 署名と全ファイルのSHA-256を検証しました（{n} 個）。"),
        "5. terminal verified signature, encryption and every SHA-256",
    );

    let report = transfer::open(&mut terminal, &stick, &terminal_oqs.join("Req"))?;
    for p in &files {
        let name = p.file_name().unwrap_or_default();
        let same = std::fs::read(p).ok() == std::fs::read(terminal_oqs.join("Req").join(name)).ok();
        ok &= same;
    }
    say(
        out,
        &format!(
            "6. 資格確認端末の Req に {} 個のファイルを取り込みました（内容はバイト単位で一致）。",
            report.applied.iter().map(|p| p.files.len()).sum::<usize>()
        ),
        "6. terminal published the files into its Req folder, byte for byte",
    );

    let again = transfer::open(&mut terminal, &stick, &terminal_oqs.join("Req"))?;
    ok &= again.applied.is_empty() && again.already_applied.len() == 1;
    say(
        out,
        "7. 同じUSBメモリをもう一度差し込んでも、二重には取り込まれません。",
        "7. a second insert of the same stick changes nothing",
    );

    say(
        out,
        if ok {
            "結果: すべて正常です。"
        } else {
            "結果: 問題が見つかりました。"
        },
        if ok {
            "verdict: all checks passed"
        } else {
            "verdict: a check FAILED"
        },
    );
    Ok(ok)
}

/// Whether any file name or content of `files` appears in plain text anywhere under `stick`.
fn stick_leaks(stick: &Path, files: &[PathBuf]) -> Result<bool, Error> {
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for f in files {
        needles.push(
            f.file_name()
                .unwrap_or_default()
                .as_encoded_bytes()
                .to_vec(),
        );
        needles.push(b"QualificationConfirmSearchInfo".to_vec());
    }
    let mut stack = vec![stick.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| crate::stick::Error::io(&d, e))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p)
                && needles
                    .iter()
                    .any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice()))
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}
