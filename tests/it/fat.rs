//! The sync engine on a real stick file system, as on a clinic's USB stick: FAT16 and FAT32
//! images mounted with fusefat, exFAT images with exfat-fuse over a loop device. Needs
//! `mkfs.vfat`, `fusefat` and `fusermount` (dosfstools, fusefat, fuse), and for exFAT
//! `mkfs.exfat`, `mount.exfat-fuse` and `losetup` (exfatprogs, exfat-fuse, root). So every test
//! here is `#[ignore = "needs …"]`: a plain `cargo test` lists it as ignored, and
//! `cargo test -- --include-ignored` (as `.ci/run` does) runs it — and then a missing tool is a
//! failure that names the packages to install, never a silent pass.
#![cfg(unix)]

use super::util::{Pair, paired};
use oqs_courier::engine::{self, Checkpoint, Hook, Options, Outcome};
use oqs_courier::simulate::{dynamics, renkei};
use oqs_courier::{Error, ErrorKind, stick};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn have(tool: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The file systems a clinic's stick comes formatted with: FAT16 (small sticks), FAT32 (2 GB to
/// 32 GB) and exFAT (64 GB and more).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fs {
    /// Whatever `mkfs.vfat` picks for the size (FAT12 or FAT16 for the small images here).
    Auto,
    Fat16,
    Fat32,
    ExFat,
}

impl Fs {
    fn tools(self) -> &'static [&'static str] {
        match self {
            Fs::Auto | Fs::Fat16 | Fs::Fat32 => &["mkfs.vfat", "fusefat", "fusermount"],
            Fs::ExFat => &["mkfs.exfat", "mount.exfat-fuse", "losetup", "fusermount"],
        }
    }

    /// What a test on this file system needs: the `#[ignore]` reason of those tests (an
    /// attribute takes only a literal, so the reasons repeat this text).
    fn needs(self) -> &'static str {
        match self {
            Fs::ExFat => {
                "needs exfat-fuse and root (losetup): apt-get install exfatprogs exfat-fuse fuse"
            }
            _ => "needs fusefat: apt-get install dosfstools fusefat fuse",
        }
    }
}

/// A FAT or exFAT image mounted with FUSE (fusefat, or exfat-fuse over a loop device);
/// unmounted on drop ("pulling the stick").
pub struct FatStick {
    pub img: PathBuf,
    pub mnt: PathBuf,
    pub fs: Fs,
    /// The loop device exfat-fuse mounts (it wants a block device, not an image file).
    loop_dev: Option<String>,
    fuse: Option<Child>,
}

impl FatStick {
    /// A fresh FAT image of `mb` MiB (FAT type chosen by `mkfs.vfat`), mounted read-write.
    /// Panics when a tool is missing (callers are `#[ignore = "needs fusefat: …"]` tests).
    pub fn new(dir: &Path, mb: u64) -> Self {
        Self::formatted(dir, mb, Fs::Auto)
    }

    /// A fresh image of `mb` MiB formatted as `fs`, mounted read-write. Panics when a tool is
    /// missing: the test was asked to run (`--include-ignored`), so it must not pass unrun.
    pub fn formatted(dir: &Path, mb: u64, fs: Fs) -> Self {
        for tool in fs.tools() {
            assert!(
                have(tool),
                "{tool} is not installed (or not on PATH); this test {}",
                fs.needs()
            );
        }
        let img = dir.join("stick.img");
        std::fs::File::create(&img)
            .unwrap()
            .set_len(mb * 1024 * 1024)
            .unwrap();
        let mut mkfs = match fs {
            Fs::ExFat => {
                let mut c = Command::new("mkfs.exfat");
                c.arg("-L").arg("OQSSTICK");
                c
            }
            _ => {
                let mut c = Command::new("mkfs.vfat");
                c.arg("-n").arg("OQSSTICK");
                match fs {
                    // One sector per cluster, so that a few MiB still make a valid FAT16.
                    Fs::Fat16 if mb < 16 => c.args(["-F", "16", "-s", "1"]),
                    Fs::Fat16 => c.arg("-F").arg("16"),
                    Fs::Fat32 => c.arg("-F").arg("32"),
                    _ => &mut c,
                };
                c
            }
        };
        let st = mkfs
            .arg(&img)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "formatting a {mb} MiB image as {fs:?} failed");
        let loop_dev = (fs == Fs::ExFat).then(|| {
            let out = Command::new("losetup")
                .args(["--find", "--show"])
                .arg(&img)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "losetup failed (exfat-fuse needs a loop device): {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        });
        let mut s = Self {
            img,
            mnt: dir.join("mnt"),
            fs,
            loop_dev,
            fuse: None,
        };
        std::fs::create_dir_all(&s.mnt).unwrap();
        s.mount(false);
        s
    }

    pub fn mount(&mut self, read_only: bool) {
        let mut c = match &self.loop_dev {
            Some(dev) => {
                // -d keeps the daemon in the foreground (its debug output is discarded), so
                // that it can be stopped and killed like fusefat.
                let mut c = Command::new("mount.exfat-fuse");
                c.arg("-d");
                if read_only {
                    c.arg("-o").arg("ro");
                }
                c.arg(dev);
                c
            }
            None => {
                let mut c = Command::new("fusefat");
                c.arg("-f")
                    .arg("-o")
                    .arg(if read_only { "ro" } else { "rw+" })
                    .arg(&self.img);
                c
            }
        };
        let child = c
            .arg(&self.mnt)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.fuse = Some(child);
        let start = Instant::now();
        while !is_mounted(&self.mnt) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{:?} did not mount",
                self.fs
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Unmounts cleanly (the stick is removed after 「取り外せます」). The kernel can call a
    /// mount busy for a moment after its last file closed: retried for 10 s, then unmounted
    /// lazily and the daemon killed — never waiting for a daemon that was not told to stop.
    pub fn unmount(&mut self) {
        let start = Instant::now();
        let umount = |lazy: bool| {
            let mut c = Command::new("fusermount");
            c.arg("-u").stderr(Stdio::null());
            if lazy {
                c.arg("-z");
            }
            c.arg(&self.mnt).status().is_ok_and(|s| s.success())
        };
        while !umount(false) && is_mounted(&self.mnt) {
            if start.elapsed() > Duration::from_secs(10) {
                umount(true);
                if let Some(c) = self.fuse.as_mut() {
                    let _ = c.kill();
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Some(mut c) = self.fuse.take() {
            let _ = c.wait();
        }
    }

    /// Stops the file system process (SIGSTOP): every access to the mount hangs until
    /// [`FatStick::thaw`], as with a FUSE or network volume whose server stopped answering.
    pub fn freeze(&self) {
        assert!(self.signal("-STOP"), "could not stop fusefat");
    }

    /// Lets a frozen file system process go on (SIGCONT).
    pub fn thaw(&self) {
        assert!(self.signal("-CONT"), "could not continue fusefat");
    }

    fn signal(&self, sig: &str) -> bool {
        self.fuse.as_ref().is_none_or(|c| {
            Command::new("kill")
                .arg(sig)
                .arg(c.id().to_string())
                .status()
                .is_ok_and(|s| s.success())
        })
    }

    /// Kills the file system process: the stick is pulled, whatever was in flight.
    pub fn pull(&mut self) {
        if let Some(mut c) = self.fuse.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("fusermount")
            .arg("-u")
            .arg("-z")
            .arg(&self.mnt)
            .status();
    }
}

impl Drop for FatStick {
    fn drop(&mut self) {
        self.signal("-CONT"); // a frozen daemon could not unmount
        self.unmount();
        if let Some(dev) = &self.loop_dev {
            let _ = Command::new("losetup").arg("-d").arg(dev).status();
        }
    }
}

fn is_mounted(mnt: &Path) -> bool {
    let canon = std::fs::canonicalize(mnt).unwrap_or_else(|_| mnt.to_owned());
    std::fs::read_to_string("/proc/mounts")
        .is_ok_and(|m| m.lines().any(|l| l.split(' ').nth(1) == canon.to_str()))
}

fn opts() -> Options {
    Options {
        quiet: Duration::from_millis(150),
        response_wait: Duration::from_millis(400),
        poll: Duration::from_millis(50),
        ..Options::default()
    }
}

thread_local! {
    static HOOK: std::cell::RefCell<Option<Hook>> = const { std::cell::RefCell::new(None) };
}

fn current_opts() -> Options {
    Options {
        checkpoint: HOOK.with(|h| h.borrow().clone()),
        ..opts()
    }
}

fn clinic_trip(p: &mut Pair, stick: &Path) -> Result<Outcome, Error> {
    super::util::step(&mut p.clinic, stick, current_opts())
}

fn terminal_trip(p: &mut Pair, stick: &Path) -> Result<Outcome, Error> {
    super::util::step(&mut p.terminal, stick, current_opts())
}

fn oqs(p: &Pair, who: &str) -> PathBuf {
    p.dir.path().join(who).join("OQS")
}

/// Runs both simulators and carries a FAT stick back and forth; `pull_every` > 0 pulls the stick
/// in the middle of every n-th step. Returns the number of trips.
fn run_campaign(fs: Fs, requests: u64, pull_every: usize, min_trips: usize) -> usize {
    let mut p = paired();
    let mut fat = FatStick::formatted(p.dir.path(), 64, fs);
    let mnt = fat.mnt.clone();
    engine::enroll(&mut p.clinic, &mnt, &"受付用1".parse().unwrap()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let mut ro = renkei::Options::new(oqs(&p, "terminal"));
    ro.delay_min = Duration::from_millis(10);
    ro.delay_max = Duration::from_millis(900);
    ro.face_every = Some(Duration::from_millis(500));
    let s = stop.clone();
    let sim = std::thread::spawn(move || renkei::run(&ro, &s, &mut std::io::sink()).unwrap());
    let mut d = dynamics::Options::new(oqs(&p, "clinic"));
    d.requests = requests;
    d.over = Duration::from_secs(8);
    d.timeout = Duration::from_secs(300);
    d.drug_every = 7;
    let dyn_opts = d.clone();
    let oracle = std::thread::spawn(move || {
        dynamics::run(&dyn_opts, &AtomicBool::new(false), &mut std::io::sink()).unwrap()
    });

    let mut step = 0;
    let mut trips = 0;
    let mut pulls = 0;
    let mut interrupted = 0;
    let mut one_step = |p: &mut Pair, fat: &mut FatStick, clinic: bool| {
        step += 1;
        if pull_every > 0 && step % pull_every == 0 {
            // Pull the stick at one checkpoint of the step (rotating), as a person pulling it
            // while the courier is busy: the FUSE process dies, every later access fails.
            let points = [
                Checkpoint::Received,
                Checkpoint::Published,
                Checkpoint::Collected,
                Checkpoint::Sealed,
                Checkpoint::Cleaned,
            ];
            let target = points[(step / pull_every) % points.len()];
            let pid = fat.fuse.as_ref().map(Child::id);
            let fired = Arc::new(AtomicBool::new(false));
            let f = fired.clone();
            HOOK.with(|h| {
                *h.borrow_mut() = Some(Hook(Arc::new(move |at| {
                    if at == target
                        && !f.swap(true, Ordering::SeqCst)
                        && let Some(pid) = pid
                    {
                        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
                    }
                })));
            });
            let r = if clinic {
                clinic_trip(p, &mnt)
            } else {
                terminal_trip(p, &mnt)
            };
            HOOK.with(|h| *h.borrow_mut() = None);
            fat.pull();
            pulls += 1;
            if let Err(e) = r {
                assert_ne!(
                    e.kind(),
                    ErrorKind::Refused,
                    "a pulled stick is not a forged one: {e}"
                );
                interrupted += 1;
            }
            fat.mount(false);
        } else {
            let r = if clinic {
                clinic_trip(p, &mnt)
            } else {
                terminal_trip(p, &mnt)
            };
            r.unwrap();
            fat.unmount();
            fat.mount(false);
        }
    };
    while (!oracle.is_finished() || trips < min_trips) && trips < 80 {
        one_step(&mut p, &mut fat, true);
        one_step(&mut p, &mut fat, false);
        trips += 1;
    }
    let report = oracle.join().unwrap();
    assert!(report.ok(), "after {trips} trips ({pulls} pulls): {report}");
    if pull_every > 0 {
        assert!(
            interrupted > 0,
            "no pull interrupted a step ({pulls} pulls)"
        );
        eprintln!("{pulls} pulls, {interrupted} interrupted a step, {trips} trips");
    }
    stop.store(true, Ordering::Relaxed);
    let stats = sim.join().unwrap();
    for _ in 0..3 {
        terminal_trip(&mut p, &mnt).unwrap();
        clinic_trip(&mut p, &mnt).unwrap();
    }
    d.resume = true;
    d.timeout = Duration::from_secs(10);
    let report = dynamics::run(&d, &AtomicBool::new(false), &mut std::io::sink()).unwrap();
    assert!(report.ok(), "{report}");
    assert_eq!(report.answered, requests);
    assert_eq!(
        report.faces,
        stats.faces.len() as u64,
        "every face file exactly once: {report}"
    );
    let scan = stick::Stick::at(&mnt).unwrap().scan().unwrap();
    assert!(
        scan.manifests.is_empty() && scan.orphans.is_empty(),
        "stick clean after the last trip"
    );
    for inst in [&p.clinic, &p.terminal] {
        let rows = inst.journal.audit_rows(None).unwrap();
        for r in rows.iter().filter(|r| {
            r.outcome == oqs_courier::journal::Outcome::Sealed
                || r.outcome == oqs_courier::journal::Outcome::Published
        }) {
            assert!(r.sha256.as_deref().is_some_and(|h| h.len() == 64), "{r:?}");
        }
    }
    trips
}

/// Every end-to-end test below, once per file system a clinic's stick can have, each
/// `#[ignore]`d with what that file system needs (the text of [`Fs::needs`]).
macro_rules! on_every_file_system {
    ($($module:ident => $fs:expr, $needs:literal);* $(;)?) => {$(
        mod $module {
            use super::*;

            #[test]
            #[ignore = $needs]
            fn two_hundred_requests_arrive_exactly_once() {
                let trips = run_campaign($fs, 200, 0, 10);
                assert!(trips >= 10, "{trips}");
            }

            #[test]
            #[ignore = $needs]
            fn stick_pulled_mid_step_loses_and_doubles_nothing() {
                // At least 50 steps (25 trips), every second one pulled at a rotating
                // checkpoint.
                run_campaign($fs, 40, 2, 25);
            }

            #[test]
            #[ignore = $needs]
            fn full_and_read_only_sticks_give_their_own_message_and_change_nothing() {
                full_and_read_only($fs);
            }
        }
    )*};
}

on_every_file_system! {
    fat16 => Fs::Fat16, "needs fusefat: apt-get install dosfstools fusefat fuse";
    fat32 => Fs::Fat32, "needs fusefat: apt-get install dosfstools fusefat fuse";
    exfat => Fs::ExFat, "needs exfat-fuse and root (losetup): apt-get install exfatprogs exfat-fuse fuse";
}

fn full_and_read_only(fs: Fs) {
    let mut p = paired();
    let mut fat = FatStick::formatted(p.dir.path(), 4, fs);
    let mnt = fat.mnt.clone();
    engine::enroll(&mut p.clinic, &mnt, &"受付用1".parse().unwrap()).unwrap();
    // Fill the stick.
    let filler = mnt.join("filler.bin");
    let mut f = std::fs::File::create(&filler).unwrap();
    let chunk = vec![0u8; 64 * 1024];
    while std::io::Write::write_all(&mut f, &chunk).is_ok() {}
    drop(f);
    std::fs::write(
        oqs(&p, "clinic").join("Req/OQSsiquc01req_202611270001.xml"),
        vec![b'x'; 200 * 1024],
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let e = clinic_trip(&mut p, &mnt).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Stick(stick::Error::Full { .. })
                | Error::Package(oqs_courier::package::Error::StickFull { .. })
        ),
        "{e}"
    );
    assert!(e.message().contains("空き容量"), "{}", e.message());
    let scan = stick::Stick::at(&mnt).unwrap().scan().unwrap();
    assert!(scan.manifests.is_empty() && scan.orphans.is_empty());
    assert!(
        oqs(&p, "clinic")
            .join("Req/OQSsiquc01req_202611270001.xml")
            .exists(),
        "nothing changed"
    );
    // Once there is room, the request travels.
    std::fs::remove_file(&filler).unwrap();
    assert_eq!(clinic_trip(&mut p, &mnt).unwrap().sent, 1);

    fat.unmount();
    fat.mount(true);
    let e = terminal_trip(&mut p, &mnt).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Stick(stick::Error::ReadOnly { .. })
                | Error::Package(oqs_courier::package::Error::StickReadOnly { .. })
        ),
        "{e}"
    );
    assert!(e.message().contains("書き込み禁止"), "{}", e.message());
    assert_eq!(
        std::fs::read_dir(oqs(&p, "terminal").join("Req"))
            .unwrap()
            .count(),
        0,
        "nothing changed"
    );
    fat.unmount();
    fat.mount(false);
    assert_eq!(
        terminal_trip(&mut p, &mnt).unwrap().published,
        1,
        "after the write protection is off, the request is delivered"
    );
}

/// A pad of `len` bytes that is a complete XML document (the completeness check wants the root
/// element closed), so that face results of any size can be made.
fn padded_xml(len: usize) -> Vec<u8> {
    let head = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><Pad>";
    let tail = b"</Pad></XmlMsg>\n";
    let mut out = head.to_vec();
    out.resize(len - tail.len(), b'x');
    out.extend_from_slice(tail);
    out
}

/// 3.5 MB of results on a stick with 3 MiB free: the answer and what fits of the face results
/// travel now, the rest on the next trips, and the step says how much waits and how much room
/// it needs; in the end every file arrived once. A stick too full for anything says the
/// figures. Needs a driver that reports free space (fusefat does for FAT12, exfat-fuse always).
fn backlog_bigger_than_the_stick(fs: Fs) {
    let mut p = paired();
    let fat = FatStick::formatted(p.dir.path(), 6, fs);
    let mnt = fat.mnt.clone();
    engine::enroll(&mut p.clinic, &mnt, &"受付用1".parse().unwrap()).unwrap();
    let free = oqs_courier::volume::available_space(&mnt).expect("free space reported");
    let filler = mnt.join("filler.bin");
    std::fs::write(&filler, vec![0u8; (free - 3 * 1024 * 1024) as usize]).unwrap();

    let term = oqs(&p, "terminal");
    let res = "OQSsiquc01res_202611270001.xml";
    let mut files = vec![(
        "Res",
        res.to_owned(),
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/oqs/single_res_utf8.xml"
        ))
        .unwrap(),
    )];
    for i in 1..=3 {
        let name = format!("OQSsiquc01res_face_2026112709000{i}.xml");
        files.push(("Face", name, padded_xml(900 * 1024)));
    }
    let pdf = "YZKsiquc01res_0125010112001234.pdf";
    let mut pdf_bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/oqs/drug_res.pdf"
    ))
    .unwrap();
    // Grow it to 1 MiB with a comment before its trailer (still a complete PDF).
    let pad = vec![b'%'; 1024 * 1024 - pdf_bytes.len()];
    pdf_bytes.splice(0..0, b"%PDF-1.4\n".iter().copied().chain(pad));
    files.push(("Res", pdf.to_owned(), pdf_bytes));
    for (sub, name, bytes) in &files {
        std::fs::write(term.join(sub).join(name), bytes).unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));

    let first = terminal_trip(&mut p, &mnt).unwrap();
    assert_eq!(first.collected, 5);
    assert!(
        first.sent >= 2,
        "the answer and a face travel now: {first:?}"
    );
    assert!(first.left_behind >= 1, "{first:?}");
    assert!(first.space_needed > 3 * 1024 * 1024, "{first:?}");
    let line = oqs_courier::text::left_behind(
        first.left_behind,
        first.left_behind_bytes,
        first.space_needed,
    );
    assert!(line.contains("次回") && line.contains("MB"), "{line}");
    // The answer is never the one left behind; the PDF goes last.
    let got_res = clinic_trip(&mut p, &mnt).unwrap();
    assert!(
        oqs(&p, "clinic").join("Res").join(res).exists(),
        "{got_res:?}"
    );
    assert!(!oqs(&p, "clinic").join("Res").join(pdf).exists());
    let mut trips = 1;
    loop {
        let t = terminal_trip(&mut p, &mnt).unwrap();
        clinic_trip(&mut p, &mnt).unwrap();
        trips += 1;
        if t.left_behind == 0 {
            break;
        }
        assert!(trips < 5, "the backlog never finished travelling");
    }
    for (sub, name, bytes) in &files {
        assert_eq!(
            &std::fs::read(oqs(&p, "clinic").join(sub).join(name)).unwrap(),
            bytes,
            "{name} arrived whole"
        );
    }

    // A stick with room for no package at all: the message gives the figures.
    terminal_trip(&mut p, &mnt).unwrap();
    std::fs::remove_file(&filler).unwrap();
    let free = oqs_courier::volume::available_space(&mnt).unwrap();
    std::fs::write(&filler, vec![0u8; (free - 100 * 1024) as usize]).unwrap();
    std::fs::write(
        oqs(&p, "clinic").join("Req/OQSsiquc01req_202611270009.xml"),
        padded_xml(300 * 1024),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let e = clinic_trip(&mut p, &mnt).unwrap_err();
    assert!(e.message().contains("空き容量"), "{}", e.message());
    let figures = e.figures().expect("figures for a full stick");
    assert!(
        figures.contains("1 件") && figures.contains("必要な空き容量"),
        "{figures}"
    );
}

#[test]
#[ignore = "needs fusefat: apt-get install dosfstools fusefat fuse"]
fn fat12_backlog_bigger_than_the_stick_travels_in_parts() {
    backlog_bigger_than_the_stick(Fs::Auto);
}

#[test]
#[ignore = "needs exfat-fuse and root (losetup): apt-get install exfatprogs exfat-fuse fuse"]
fn exfat_backlog_bigger_than_the_stick_travels_in_parts() {
    backlog_bigger_than_the_stick(Fs::ExFat);
}
