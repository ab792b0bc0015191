//! `oqs-courier selftest` through the real binary (on Linux, and as a Windows program under
//! Wine): it checks a working pair of PCs without changing anything, and its report — meant to
//! be sent to support — has no patient data and no link-file names.

use super::cli::exe;
use super::util::tree;
use super::world::{A_FEW_TRIPS, World};
use oqs_courier::simulate::PATIENTS;
use std::path::Path;
use std::process::{Command, Output};

fn selftest(home: &Path, stick: Option<&Path>) -> Output {
    let mut cmd = Command::new(exe());
    cmd.env_remove("OQS_COURIER_HOME")
        .arg("--home")
        .arg(home)
        .arg("selftest");
    if let Some(s) = stick {
        cmd.arg("--stick").arg(s);
    }
    cmd.output().unwrap()
}

/// Both PCs after a few trips with synthetic patients' results in every folder.
fn busy_world() -> World {
    let w = World::new();
    w.play(A_FEW_TRIPS);
    w
}

#[test]
fn selftest_of_a_working_pair_passes_changes_nothing_and_has_no_patient_data() {
    let w = busy_world();
    for clinic in [true, false] {
        let before = (tree(&w.oqs(clinic)), tree(&w.stick), tree(&w.home(clinic)));
        let out = selftest(&w.home(clinic), Some(&w.stick));
        let report = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "no check fails on a working PC:\n{report}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for title in [
            "設定フォルダ",
            "初期設定",
            "鍵",
            "記録",
            "ペアリング",
            "OQSフォルダ",
        ] {
            assert!(
                report.contains(&format!("[OK]   {title}:")),
                "{title} not OK:\n{report}"
            );
        }
        assert!(report.contains("このペアに登録済みです"), "{report}");
        assert!(
            report.contains("書き込み・読み出し・削除ができました"),
            "{report}"
        );
        // Nothing a patient could be recognised by, and no link-file name.
        for p in PATIENTS {
            for needle in [p.name, p.kana, p.birth] {
                assert!(
                    !report.contains(needle),
                    "{needle} in the report:\n{report}"
                );
            }
        }
        for needle in ["OQSsi", "OQSmu", "res_", "req_", ".xml", ".pdf"] {
            assert!(
                !report.contains(needle),
                "{needle} in the report:\n{report}"
            );
        }
        let after = (tree(&w.oqs(clinic)), tree(&w.stick), tree(&w.home(clinic)));
        assert!(
            before.0 == after.0 && before.1 == after.1,
            "the OQS folder and the stick are unchanged"
        );
        let names = |t: &[(String, Vec<u8>)]| t.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(&before.2),
            names(&after.2),
            "no file left or removed in the state folder"
        );
    }
}

#[test]
fn selftest_says_what_fails_and_exits_2() {
    let w = World::new();
    // A missing OQS subfolder and a stick folder that does not exist.
    std::fs::remove_dir_all(w.oqs(true).join("Face")).unwrap();
    let out = selftest(&w.home(true), Some(&w.dir.path().join("nowhere")));
    let report = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{report}");
    assert!(
        report.contains("[NG]   OQSフォルダ: Face を読み書きできません"),
        "{report}"
    );
    assert!(report.contains("[NG]   USBメモリ:"), "{report}");
    assert!(report.contains("結果: 問題 2 件"), "{report}");
    // Not set up at all: says so, with what to do.
    let empty = tempfile::tempdir().unwrap();
    let out = selftest(&empty.path().join("state"), None);
    let report = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(2), "{report}");
    assert!(report.contains("[NG]   初期設定:"), "{report}");
}
