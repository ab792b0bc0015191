//! Pure decisions of a step, computed from facts already read: no I/O, table-tested.
//!
//! [`seal`] decides what goes into the package a step writes when the stick cannot take all
//! that waits to travel: a package is all or nothing, so instead of refusing the whole backlog
//! (and with it every small answer and acknowledgement) the step seals what fits — answers and
//! requests first, then face results, then large PDF/ZIP results — and leaves the rest for the
//! next trip. The space a package takes is computed from the format (`docs/FORMAT.md` §4, §5),
//! not guessed.

use crate::oqs::Kind;
use crate::oqs::folders::Sub;
use crate::package;
use crate::state::Role;

/// Whether a step on a PC of `role` takes a file of `kind` out of OQS subfolder `sub`: the
/// clinic takes requests from Req; the terminal takes results, `.err` files and (bulk phase-2)
/// requests the 連携アプリ put back from Res, and face results from Face. Anything else stays
/// where it is.
pub fn takes(role: Role, sub: Sub, kind: Kind) -> bool {
    matches!(
        (role, sub, kind),
        (Role::Clinic, Sub::Req, Kind::Request(_))
            | (
                Role::Terminal,
                Sub::Res,
                Kind::Result(_) | Kind::Error(_) | Kind::Request(_)
            )
            | (Role::Terminal, Sub::Face, Kind::Face)
    )
}

/// What a step does with a file it takes, by its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collect {
    /// Into the outbox; `flagged` when it travels marked incomplete.
    Take {
        /// Still incomplete after the longest wait: the receiver shows it as an error.
        flagged: bool,
    },
    /// Incomplete and young: left in its folder for a later step.
    Wait,
}

/// [`Collect`] for a file whose content is `incomplete` (or not) and which has (or has not)
/// waited the longest time the settings allow.
pub fn collect(incomplete: bool, waited_long_enough: bool) -> Collect {
    match (incomplete, waited_long_enough) {
        (false, _) => Collect::Take { flagged: false },
        (true, true) => Collect::Take { flagged: true },
        (true, false) => Collect::Wait,
    }
}

/// The order in which a backlog that does not fit goes on the stick.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Requests, XML results and `.err` files: what a waiting person needs.
    Answer,
    /// Face-reader results: nobody asked, the reception needs them soon.
    Face,
    /// PDF and ZIP results (drug and checkup histories): large.
    Large,
    /// Parts of an update of oqs-courier (`crate::update`): least urgent, they fill what room
    /// is left and travel over as many trips as the stick needs.
    Update,
}

impl Class {
    /// The class of the file named `name` (classified by its name, as everywhere).
    pub fn of(name: &str) -> Class {
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        if crate::update::is_part_name(name) {
            Class::Update
        } else if ext.eq_ignore_ascii_case("pdf") || ext.eq_ignore_ascii_case("zip") {
            Class::Large
        } else if crate::oqs::classify(name) == Kind::Face {
            Class::Face
        } else {
            Class::Answer
        }
    }
}

/// One file waiting to travel, as the plan needs to know it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The journal item (also the order it was queued in).
    pub id: i64,
    /// Its name's length in UTF-8 bytes.
    pub name_len: usize,
    /// Its size in bytes.
    pub size: u64,
    /// How urgent it is.
    pub class: Class,
}

impl Waiting {
    /// A journal item waiting to travel.
    pub fn of(item: &crate::journal::Item) -> Self {
        Waiting {
            id: item.id,
            name_len: item.name.len(),
            size: item.size,
            class: Class::of(&item.name),
        }
    }
}

/// Room for the package on the stick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Room {
    /// Free space the volume reports; `None` when it cannot say (then everything is written and
    /// the file system's own "full" error decides).
    pub free: Option<u64>,
    /// Bytes of the package files already on the stick that this step removes anyway (our older
    /// packages, superseded by the new one, and the peer's packages we applied).
    pub reclaimable: u64,
}

/// What to seal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealPlan {
    /// The items to seal, in package order.
    pub take: Vec<i64>,
    /// Remove the reclaimable package files before writing (only when the new package needs
    /// their room; otherwise they are removed after it, so a pulled stick still carries them).
    pub clear_first: bool,
    /// Files left for a later trip.
    pub left: usize,
    /// Their total size.
    pub left_bytes: u64,
    /// Free space the stick would need to carry everything in one package.
    pub need_all: u64,
}

/// The stick cannot take even the smallest package this step has to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoRoom {
    /// Free space needed for everything that waits.
    pub need_all: u64,
    /// Free space there is, counting what the step would remove.
    pub room: u64,
    /// Files waiting.
    pub waiting: usize,
    /// Their total size.
    pub waiting_bytes: u64,
}

/// Slack for the file system's allocation of the package's two files: each may take up to one
/// more cluster than its length (exFAT sticks of 64 GB and more use 128 KiB clusters).
pub const CLUSTER_SLACK: u64 = 2 * 128 * 1024;

/// Bytes a package of `files` with `ack_ranges` acknowledgement ranges takes on the stick.
pub fn package_bytes<'a>(files: impl IntoIterator<Item = &'a Waiting> + Clone, acks: usize) -> u64 {
    let payload: u64 = files.clone().into_iter().map(|w| w.size).sum();
    package::data_len_for(payload)
        + package::manifest_len_bound(files.into_iter().map(|w| w.name_len), acks)
        + CLUSTER_SLACK
}

/// Decides what the step's package carries. `waiting` is in queue order; `must_seal` says that a
/// package is due even without files (acknowledgements the peer waits for). Also keeps every
/// package within the format's limits (4 GiB of data, 100,000 files): what is beyond them
/// travels on the next trip.
pub fn seal(
    waiting: &[Waiting],
    acks: usize,
    room: Room,
    must_seal: bool,
) -> Result<SealPlan, NoRoom> {
    let need_all = package_bytes(waiting, acks);
    let waiting_bytes: u64 = waiting.iter().map(|w| w.size).sum();
    let within_format = |files: &[&Waiting]| {
        files.len() <= package::MAX_FILES
            && package::data_len_for(files.iter().map(|w| w.size).sum()) <= package::MAX_DATA_LEN
    };
    let all: Vec<&Waiting> = waiting.iter().collect();
    let fits_now = room.free.is_none_or(|free| need_all <= free);
    if fits_now && within_format(&all) {
        return Ok(SealPlan {
            take: waiting.iter().map(|w| w.id).collect(),
            clear_first: false,
            left: 0,
            left_bytes: 0,
            need_all,
        });
    }
    // Room counting the package files the step removes anyway.
    let (budget, clear_first) = match room.free {
        Some(free) if need_all > free => (free + room.reclaimable, room.reclaimable > 0),
        Some(free) => (free, false),
        None => (u64::MAX, false),
    };
    let mut order: Vec<&Waiting> = all;
    order.sort_by_key(|w| (w.class, w.id));
    let mut taken: Vec<&Waiting> = Vec::new();
    let mut payload = 0u64;
    let mut manifest_names = 0u64;
    for w in order {
        let files = taken.len() + 1;
        let data = package::data_len_for(payload + w.size);
        let names = manifest_names + 2 * w.name_len as u64;
        // manifest_len_bound is linear in the names: add this file's share to the others'.
        let bytes = data
            + package::manifest_len_bound(std::iter::repeat_n(0, files), acks)
            + names
            + CLUSTER_SLACK;
        if files <= package::MAX_FILES && data <= package::MAX_DATA_LEN && bytes <= budget {
            taken.push(w);
            payload += w.size;
            manifest_names = names;
        }
    }
    let empty = package_bytes(std::iter::empty::<&Waiting>(), acks);
    if taken.is_empty() && (!must_seal || empty > budget) {
        return Err(NoRoom {
            need_all,
            room: budget,
            waiting: waiting.len(),
            waiting_bytes,
        });
    }
    // In queue order inside the package: the receiver lists them as they were written.
    taken.sort_by_key(|w| w.id);
    let left_bytes = waiting_bytes - taken.iter().map(|w| w.size).sum::<u64>();
    Ok(SealPlan {
        left: waiting.len() - taken.len(),
        take: taken.iter().map(|w| w.id).collect(),
        clear_first,
        left_bytes,
        need_all,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oqs::Process;

    /// Role × subfolder × kind: exactly the pairs of the OQS interface travel.
    #[test]
    fn what_a_step_takes_from_which_folder() {
        let kinds = [
            Kind::Request(Process::Single),
            Kind::Result(Process::Single),
            Kind::Error(Process::Single),
            Kind::Face,
            Kind::Unknown,
        ];
        // The five (role, folder, kind) triples of the OQS interface; nothing else travels.
        let travels = [
            (Role::Clinic, Sub::Req, kinds[0]),
            (Role::Terminal, Sub::Res, kinds[0]),
            (Role::Terminal, Sub::Res, kinds[1]),
            (Role::Terminal, Sub::Res, kinds[2]),
            (Role::Terminal, Sub::Face, kinds[3]),
        ];
        let mut taken = 0;
        for role in [Role::Clinic, Role::Terminal] {
            for sub in [Sub::Req, Sub::Res, Sub::Face] {
                for kind in kinds {
                    let expected = travels.contains(&(role, sub, kind));
                    assert_eq!(
                        takes(role, sub, kind),
                        expected,
                        "{role:?} {sub:?} {kind:?}"
                    );
                    taken += usize::from(takes(role, sub, kind));
                }
            }
        }
        assert_eq!(taken, 5);
        assert!(!takes(Role::Clinic, Sub::Res, Kind::Result(Process::Drug)));
        assert!(!takes(
            Role::Terminal,
            Sub::Req,
            Kind::Request(Process::Single)
        ));
    }

    #[test]
    fn incomplete_files_wait_then_travel_flagged() {
        assert_eq!(collect(false, false), Collect::Take { flagged: false });
        assert_eq!(collect(false, true), Collect::Take { flagged: false });
        assert_eq!(collect(true, false), Collect::Wait);
        assert_eq!(collect(true, true), Collect::Take { flagged: true });
    }

    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;

    fn w(id: i64, name: &str, size: u64) -> Waiting {
        Waiting {
            id,
            name_len: name.len(),
            size,
            class: Class::of(name),
        }
    }

    fn room(free: u64) -> Room {
        Room {
            free: Some(free),
            reclaimable: 0,
        }
    }

    #[test]
    fn classes_follow_kind_and_extension() {
        for (name, class) in [
            ("OQSsiquc01req_1.xml", Class::Answer),
            ("OQSsiquc01res_1.xml", Class::Answer),
            ("OQSsiquc01req_1.xml.err", Class::Answer),
            ("OQSsiquc01res_face_1.xml", Class::Face),
            ("YZKsiquc01res_0125010112001234.PDF", Class::Large),
            ("TKKsiquc01res_0225010112001234.zip", Class::Large),
            ("readme", Class::Answer),
            ("oqs-courier-setup-9.0.0.exe.part001", Class::Update),
        ] {
            assert_eq!(Class::of(name), class, "{name}");
        }
    }

    #[test]
    fn everything_travels_when_it_fits_or_the_free_space_is_unknown() {
        let waiting = [w(1, "a.xml", 10 * KIB), w(2, "b.pdf", 900 * KIB)];
        for r in [
            room(10 * MIB),
            Room {
                free: None,
                reclaimable: 0,
            },
        ] {
            let plan = seal(&waiting, 1, r, true).unwrap();
            assert_eq!(plan.take, vec![1, 2]);
            assert_eq!(
                (plan.left, plan.left_bytes, plan.clear_first),
                (0, 0, false)
            );
        }
    }

    #[test]
    fn a_backlog_bigger_than_the_stick_sends_answers_then_faces_then_large_files() {
        // 3.5 MB waiting on a stick with 3 MiB free: the answer and the faces go, the PDF waits.
        let waiting = [
            w(1, "drug.pdf", 1_500 * KIB),
            w(2, "OQSsiquc01res_face_1.xml", 900 * KIB),
            w(3, "OQSsiquc01res_1.xml", 8 * KIB),
            w(4, "OQSsiquc01res_face_2.xml", 900 * KIB),
            w(5, "OQSsiquc01req_1.xml.err", KIB),
        ];
        let plan = seal(&waiting, 2, room(3 * MIB), false).unwrap();
        assert_eq!(
            plan.take,
            vec![2, 3, 4, 5],
            "queue order inside the package"
        );
        assert_eq!((plan.left, plan.left_bytes), (1, 1_500 * KIB));
        assert!(plan.need_all > 3 * MIB);
        assert!(!plan.clear_first);
        // What was taken fits in the room; adding the PDF would not.
        let taken: Vec<&Waiting> = waiting.iter().filter(|w| w.id != 1).collect();
        assert!(package_bytes(taken.iter().copied(), 2) <= 3 * MIB);
    }

    #[test]
    fn a_large_file_that_does_not_fit_lets_smaller_later_ones_go() {
        let waiting = [w(1, "a.zip", 5 * MIB), w(2, "b.zip", 100 * KIB)];
        let plan = seal(&waiting, 0, room(2 * MIB), false).unwrap();
        assert_eq!(plan.take, vec![2]);
        assert_eq!(plan.left, 1);
    }

    #[test]
    fn superseded_packages_on_the_stick_are_removed_first_only_when_their_room_is_needed() {
        let waiting = [w(1, "a.xml", 2 * MIB)];
        let r = Room {
            free: Some(MIB),
            reclaimable: 3 * MIB,
        };
        let plan = seal(&waiting, 0, r, false).unwrap();
        assert_eq!((plan.take.clone(), plan.clear_first), (vec![1], true));
        let r = Room {
            free: Some(10 * MIB),
            reclaimable: 3 * MIB,
        };
        assert!(!seal(&waiting, 0, r, false).unwrap().clear_first);
    }

    #[test]
    fn acknowledgements_alone_still_travel_when_no_file_fits() {
        let waiting = [w(1, "a.pdf", 4 * MIB)];
        let plan = seal(&waiting, 3, room(MIB), true).unwrap();
        assert!(plan.take.is_empty());
        assert_eq!((plan.left, plan.left_bytes), (1, 4 * MIB));
        // Nothing due without files: no package, the stick is full for this backlog.
        let e = seal(&waiting, 3, room(MIB), false).unwrap_err();
        assert_eq!((e.waiting, e.waiting_bytes, e.room), (1, 4 * MIB, MIB));
        assert!(e.need_all > 4 * MIB);
    }

    #[test]
    fn no_room_for_even_an_empty_package_is_refused() {
        let e = seal(&[], 1, room(10 * KIB), true).unwrap_err();
        assert_eq!(e.waiting, 0);
        assert!(e.need_all > 10 * KIB);
    }

    #[test]
    fn the_format_limits_split_a_package_even_on_a_large_stick() {
        let big = package::MAX_DATA_LEN / 2;
        let waiting = [w(1, "a.zip", big), w(2, "b.zip", big), w(3, "c.xml", 1)];
        let plan = seal(&waiting, 0, room(u64::MAX / 2), false).unwrap();
        assert_eq!(plan.take, vec![1, 3]);
        assert_eq!((plan.left, plan.left_bytes), (1, big));
    }
}
