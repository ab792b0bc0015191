//! The CLI contract of issue 3, driven through the real binary.

use super::util::{contains_bytes, tree, write_files};
use std::path::Path;
use std::process::{Command, Output};

pub fn exe() -> String {
    let p = env!("CARGO_BIN_EXE_oqs-courier").to_owned();
    // Built on Linux for Windows and run under Wine: the embedded path is a Unix path.
    if cfg!(windows) && p.starts_with('/') {
        format!("Z:{}", p.replace('/', "\\"))
    } else {
        p
    }
}

fn courier(home: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(exe());
    cmd.env_remove("OQS_COURIER_HOME");
    if let Some(h) = home {
        cmd.arg("--home").arg(h);
    }
    cmd.args(args).output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn code_line(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.starts_with("確認コード"))
        .unwrap()
        .to_owned()
}

#[test]
fn two_homes_pair_seal_inspect_open_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ch, th, stick) = (d.join("clinic"), d.join("terminal"), d.join("stick"));
    for sub in [
        "c/Req", "c/Res", "c/Face", "t/Req", "t/Res", "t/Face", "stick", "out",
    ] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    ok(&courier(
        Some(&ch),
        &[
            "init",
            "--role",
            "clinic",
            "--oqs-dir",
            &s(&d.join("c")),
            "--label",
            "受付PC",
        ],
    ));
    ok(&courier(
        Some(&th),
        &["init", "--role", "terminal", "--oqs-dir", &s(&d.join("t"))],
    ));

    // Before pairing, sealing is an environment error (exit 2) with a Japanese hint.
    let f = write_files(
        d,
        "src",
        &[(
            "OQSsiquc01req_20261127093000.xml",
            "<XmlMsg>試験 太郎</XmlMsg>".as_bytes(),
        )],
    );
    let out = courier(Some(&ch), &["seal", "--stick", &s(&stick), &s(&f[0])]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ペアリング"));

    ok(&courier(
        Some(&ch),
        &["pair", "export", "--stick", &s(&stick)],
    ));
    let t_code = code_line(&ok(&courier(
        Some(&th),
        &["pair", "import", "--stick", &s(&stick)],
    )));
    ok(&courier(
        Some(&th),
        &["pair", "export", "--stick", &s(&stick)],
    ));
    let c_code = code_line(&ok(&courier(
        Some(&ch),
        &["pair", "import", "--stick", &s(&stick)],
    )));
    assert_eq!(c_code, t_code);
    assert_eq!(
        code_line(&ok(&courier(Some(&ch), &["pair", "show"]))),
        c_code
    );

    let files = write_files(
        d,
        "src",
        &[
            (
                "OQSsiquc01req_20261127093000.xml",
                "<XmlMsg>試験 太郎 SECRET-ALPHA</XmlMsg>".as_bytes(),
            ),
            (
                "OQSsiquc01req_20261127093100.xml",
                b"<XmlMsg>SECRET-BRAVO</XmlMsg>",
            ),
            (
                "YZKsiquc01req_01261127093201.xml",
                &[0u8, 1, 2, 3, 255, 254],
            ),
        ],
    );
    let mut args = vec!["seal".to_owned(), "--stick".into(), s(&stick)];
    args.extend(files.iter().map(|p| s(p)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ok(&courier(Some(&ch), &args));

    // Nothing readable on the stick: neither names nor contents.
    for needle in [
        &b"OQSsiquc01req_2026112709"[..],
        b"YZKsiquc01req",
        b"SECRET-ALPHA",
        b"SECRET-BRAVO",
        "試験".as_bytes(),
    ] {
        assert!(
            !contains_bytes(&stick, needle),
            "{:?} found in plain text",
            String::from_utf8_lossy(needle)
        );
    }

    let json = ok(&courier(
        Some(&th),
        &["inspect", "--stick", &s(&stick), "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let listed = v["packages"][0]["files"].as_array().unwrap();
    assert_eq!(listed.len(), 3);
    for (entry, path) in listed.iter().zip(&files) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(entry["name"], path.file_name().unwrap().to_str().unwrap());
        assert_eq!(entry["size"], bytes.len() as u64);
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            hex::encode(oqs_courier::crypto::sha256(&bytes))
        );
    }
    assert_eq!(v["packages"][0]["applied"], false);

    // The clinic sees its own package as in transit, not as something to open.
    let own = ok(&courier(Some(&ch), &["inspect", "--stick", &s(&stick)]));
    assert!(own.contains("運ぶ途中"), "{own}");

    let out_dir = d.join("out");
    ok(&courier(
        Some(&th),
        &["open", "--stick", &s(&stick), "--to", &s(&out_dir)],
    ));
    for p in &files {
        assert_eq!(
            std::fs::read(out_dir.join(p.file_name().unwrap())).unwrap(),
            std::fs::read(p).unwrap()
        );
    }
    let before = tree(&out_dir);
    let again = ok(&courier(
        Some(&th),
        &["open", "--stick", &s(&stick), "--to", &s(&out_dir)],
    ));
    assert!(again.contains("取り込み済み"), "{again}");
    assert_eq!(tree(&out_dir), before);
}

#[test]
fn usage_errors_exit_2_and_uninitialised_home_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let out = courier(
        Some(dir.path()),
        &["inspect", "--stick", dir.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("初期設定"), "{err}");
    assert_eq!(courier(None, &["seal"]).status.code(), Some(2));
    assert_eq!(courier(None, &["no-such-command"]).status.code(), Some(2));
}

#[test]
fn demo_succeeds() {
    let out = courier(None, &["demo"]);
    let stdout = ok(&out);
    assert!(stdout.contains("verdict: all checks passed"), "{stdout}");
}

#[test]
fn summary_prints_the_patient_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let src = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oqs/single_res_sjis.xml"
    );
    let file = dir.path().join("OQSsiquc01res_202611270001.xml");
    std::fs::copy(src, &file).unwrap();
    let f = file.to_str().unwrap();
    let human = ok(&courier(None, &["summary", f]));
    assert!(
        human.contains("資格確認") && human.contains("試験") && human.contains("Shift_JIS"),
        "{human}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&ok(&courier(None, &["summary", f, "--json"]))).unwrap();
    assert_eq!(v["kind"], "single-res");
    assert_eq!(v["encoding"], "shift_jis");
    assert!(v["patients"][0]["name"].as_str().unwrap().contains("試験"));
    let bomb = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oqs/billion_laughs.xml"
    );
    assert!(ok(&courier(None, &["summary", bomb])).contains("内容を表示できません"));
}

#[test]
fn sync_status_log_and_stick_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (ch, th, stick) = (d.join("ch"), d.join("th"), d.join("stick"));
    for sub in [
        "c/Req", "c/Res", "c/Face", "t/Req", "t/Res", "t/Face", "stick",
    ] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let s = |p: &Path| p.to_str().unwrap().to_owned();
    let (c, t, st) = (s(&d.join("c")), s(&d.join("t")), s(&stick));
    ok(&courier(
        Some(&ch),
        &["init", "--role", "clinic", "--oqs-dir", &c],
    ));
    ok(&courier(
        Some(&th),
        &["init", "--role", "terminal", "--oqs-dir", &t],
    ));
    ok(&courier(Some(&ch), &["pair", "export", "--stick", &st]));
    ok(&courier(Some(&th), &["pair", "import", "--stick", &st]));
    ok(&courier(Some(&th), &["pair", "export", "--stick", &st]));
    ok(&courier(Some(&ch), &["pair", "import", "--stick", &st]));

    // Not enrolled yet: refused, exit 1, nothing written.
    let out = courier(Some(&ch), &["sync", "--stick", &st, "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("登録されていない"));
    assert!(!stick.join("OQSCOURIER/packages").exists());

    let enrolled = ok(&courier(
        Some(&ch),
        &["stick", "enroll", "--stick", &st, "--label", "受付用1"],
    ));
    assert!(enrolled.contains("受付用1"), "{enrolled}");
    assert!(ok(&courier(Some(&ch), &["stick", "list"])).contains("受付用1"));

    let req = "OQSsiquc01req_202611270930000001.xml";
    std::fs::write(d.join("c/Req").join(req), "<XmlMsg>試験 太郎</XmlMsg>").unwrap();
    let quiet = ["--quiet-ms", "50"];
    let mut args = vec!["sync", "--stick", &st, "--yes"];
    args.extend(quiet);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let out = ok(&courier(Some(&ch), &args));
    assert!(out.contains("取り外せます"), "{out}");
    assert!(
        !d.join("c/Req").join(req).exists(),
        "the request left Req at once"
    );
    assert!(ok(&courier(Some(&ch), &["status"])).contains("運搬中（相手の受け取り確認待ち）: 1"));

    let mut targs = vec!["sync", "--stick", &st, "--wait", "0.3"];
    targs.extend(quiet);
    let out = ok(&courier(Some(&th), &targs));
    assert!(out.contains("応答待ち 0/1"), "{out}");
    assert!(
        d.join("t/Req").join(req).exists(),
        "published into the terminal's Req"
    );

    // The 連携アプリ (by hand here) answers; the next trips carry the answer home.
    std::fs::remove_file(d.join("t/Req").join(req)).unwrap();
    let res = "OQSsiquc01res_202611270930000001.xml";
    std::fs::write(d.join("t/Res").join(res), "<XmlMsg>回答</XmlMsg>").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    ok(&courier(Some(&th), &targs));
    assert!(
        !d.join("t/Res").join(res).exists(),
        "collected into the archive"
    );
    // The owner switched auto-import on in the settings: no --yes (and no terminal to ask on),
    // yet the result is imported, as the setting says.
    let config = ch.join("config.json");
    let mut c: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    c["auto_import"] = serde_json::Value::Bool(true);
    std::fs::write(&config, serde_json::to_string(&c).unwrap()).unwrap();
    let no_yes: Vec<&str> = args.iter().copied().filter(|a| *a != "--yes").collect();
    ok(&courier(Some(&ch), &no_yes));
    assert_eq!(
        std::fs::read_to_string(d.join("c/Res").join(res)).unwrap(),
        "<XmlMsg>回答</XmlMsg>"
    );
    assert!(ok(&courier(Some(&ch), &["status"])).contains("運搬中（相手の受け取り確認待ち）: 0"));

    let csv = ok(&courier(Some(&ch), &["log", "--csv"]));
    assert!(csv.starts_with('\u{feff}'));
    let published = csv
        .lines()
        .find(|l| l.contains(res) && l.contains("published"))
        .unwrap();
    assert!(published.contains(&hex::encode(oqs_courier::crypto::sha256(
        "<XmlMsg>回答</XmlMsg>".as_bytes()
    ))));
    assert!(csv.lines().any(|l| l.contains(req) && l.contains("sealed")));
    assert!(
        csv.lines().any(|l| l.contains("refused")),
        "the unenrolled attempt is logged"
    );
}

/// Loss procedure: the stick is revoked on both PCs, also on one that never saw it; each
/// revocation is in the 作業履歴; a mistyped id changes nothing.
#[test]
fn revoke_of_an_unseen_stick_is_recorded_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["t/Req", "t/Res", "t/Face"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let home = d.join("th");
    let oqs = d.join("t");
    ok(&courier(
        Some(&home),
        &[
            "init",
            "--role",
            "terminal",
            "--oqs-dir",
            oqs.to_str().unwrap(),
        ],
    ));
    let id = "0123456789abcdef0123456789ABCDEF";
    let out = ok(&courier(Some(&home), &["stick", "revoke", id]));
    assert!(out.contains("まだ使われていません"), "{out}");
    let list = ok(&courier(Some(&home), &["stick", "list"]));
    assert!(
        list.contains(&id.to_ascii_lowercase()) && list.contains("使用停止"),
        "{list}"
    );
    // Revoking again says so and logs nothing new.
    ok(&courier(Some(&home), &["stick", "revoke", id]));
    let log = ok(&courier(Some(&home), &["log"]));
    assert_eq!(log.matches("revoked").count(), 1, "{log}");

    let bad = courier(Some(&home), &["stick", "revoke", "受付用1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(ok(&courier(Some(&home), &["stick", "list"])), list);
}

/// `log --csv | head`: a reader that stops early ends the output quietly (it used to panic).
#[test]
fn log_into_a_closed_pipe_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["c/Req", "c/Res", "c/Face"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let home = d.join("ch");
    ok(&courier(
        Some(&home),
        &[
            "init",
            "--role",
            "clinic",
            "--oqs-dir",
            d.join("c").to_str().unwrap(),
        ],
    ));
    ok(&courier(
        Some(&home),
        &["stick", "revoke", "0123456789abcdef0123456789abcdef"],
    ));
    let mut child = Command::new(exe())
        .env_remove("OQS_COURIER_HOME")
        .arg("--home")
        .arg(&home)
        .args(["log", "--csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}

/// Issue 13: `init --label` with a tab made a pairing card the other PC refused. The one label
/// rule now refuses it at the command line, in Japanese, before anything is written.
#[test]
fn regression_init_label_with_a_tab_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(dir.path().join("OQS/Req")).unwrap();
    let oqs = dir.path().join("OQS");
    for label in ["a\tb", "受付\nPC", "   ", &"x".repeat(65)] {
        let out = courier(
            Some(&home),
            &[
                "init",
                "--role",
                "clinic",
                "--oqs-dir",
                oqs.to_str().unwrap(),
                "--label",
                label,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{label:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(oqs_courier::text::E_BAD_LABEL), "{err}");
        assert!(err.contains(oqs_courier::text::H_BAD_LABEL), "{err}");
        assert!(!home.exists(), "{label:?}: the state directory was created");
    }
    // Surrounding spaces are trimmed, not refused.
    ok(&courier(
        Some(&home),
        &[
            "init",
            "--role",
            "clinic",
            "--oqs-dir",
            oqs.to_str().unwrap(),
            "--label",
            "  受付PC ",
        ],
    ));
    let config = std::fs::read_to_string(home.join("config.json")).unwrap();
    assert!(config.contains("\"label\": \"受付PC\""), "{config}");
}
