//! The core against a simple reference model (a `BTreeMap`), on random op sequences,
//! with invariants checked after every op; and random lesson JSON never panics.
use ioasid_core::id::{Data, Errno, Name};
use ioasid_core::lesson::Lesson;
use ioasid_core::run::run_lesson;
use ioasid_core::space::{DataUpdate, World};
use ioasid_core::Profile;
use proptest::prelude::*;
use std::collections::BTreeMap;

const SETS: [Option<&str>; 3] = [Some("sva"), Some("aux"), None];

#[derive(Clone, Debug)]
enum Op {
    Alloc(usize, u32, u32, Option<u8>),
    Free(u32, usize),
    Find(u32, usize),
    SetData(u32, Option<u8>),
}

fn data(d: Option<u8>) -> Option<Data> {
    d.map(|n| Data::Mm(Name::from(format!("m{n}"))))
}

/// The reference: what each op must return, from the spec's rules alone.
struct Model {
    real: bool,
    ids: BTreeMap<u32, (Option<&'static str>, Option<u8>)>,
}

impl Model {
    fn err(&self, real: Errno) -> Errno {
        if self.real {
            real
        } else {
            Errno::INVALID_IOASID
        }
    }
    fn apply(&mut self, op: &Op) -> Result<Option<String>, Errno> {
        match *op {
            Op::Alloc(s, min, max, d) => {
                if min > max {
                    return Err(self.err(Errno::EINVAL));
                }
                let id = (min..=max)
                    .find(|i| !self.ids.contains_key(i))
                    .ok_or(self.err(Errno::ENOSPC))?;
                self.ids.insert(id, (SETS[s], d));
                Ok(Some(id.to_string()))
            }
            Op::Free(id, s) => match self.ids.get(&id) {
                None if self.real => Err(Errno::ENOENT),
                None => Ok(None),
                Some((set, _)) if self.real && *set != SETS[s] => Err(Errno::EACCES),
                Some(_) => {
                    self.ids.remove(&id);
                    Ok(None)
                }
            },
            Op::Find(id, s) => match self.ids.get(&id) {
                None => Err(Errno::ENOENT),
                Some((set, _)) if SETS[s].is_some() && *set != SETS[s] => Err(Errno::EACCES),
                Some((_, d)) => Ok(d.map(|n| format!("m{n}"))),
            },
            Op::SetData(id, d) => match self.ids.get_mut(&id) {
                None => Err(Errno::ENOENT),
                Some((_, old)) if self.real && old.is_some() && d.is_some() => Err(Errno::EBUSY),
                Some((_, old)) => {
                    *old = d;
                    Ok(None)
                }
            },
        }
    }
}

fn apply(w: &mut World, op: &Op) -> Result<Option<String>, Errno> {
    let set = |s: usize| SETS[s].map(Name::from);
    match *op {
        Op::Alloc(s, min, max, d) => w
            .alloc(set(s).as_ref(), min, max, data(d))
            .map(|id| Some(id.to_string())),
        Op::Free(id, s) => w.free(set(s).as_ref(), id).map(|_| None),
        Op::Find(id, s) => w
            .find(set(s).as_ref(), id, None)
            .map(|d| d.and_then(|d| d.mm().map(|m| m.to_string()))),
        Op::SetData(id, d) => w.set_data(id, data(d), DataUpdate::Set).map(|_| None),
    }
}

fn world(profile: Profile) -> World {
    let mut w = World::new(profile, profile.knobs());
    w.sets.insert(Name::from("aux"), Default::default());
    w
}

fn check(profile: Profile, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut w = world(profile);
    let mut m = Model {
        real: profile.knobs().real_errno,
        ids: BTreeMap::new(),
    };
    for (i, op) in ops.iter().enumerate() {
        w.step = i;
        w.log = Default::default();
        let got = apply(&mut w, op);
        let want = m.apply(op);
        prop_assert_eq!(&got, &want, "{:?} step {}: {:?}", profile, i, op);
        prop_assert_eq!(w.active_store().len(), m.ids.len());
        if let Err(e) = w.check_invariants() {
            return Err(TestCaseError::fail(format!(
                "invariant after step {i}: {e}"
            )));
        }
    }
    let ids: Vec<u32> = w.ids().map(|(id, _)| id).collect();
    let want: Vec<u32> = m.ids.keys().copied().collect();
    prop_assert_eq!(ids, want);
    Ok(())
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..3usize, 0..70u32, 0..70u32, proptest::option::of(0..3u8)).prop_map(|(s, a, b, d)| Op::Alloc(s, a.min(b), a.max(b), d)),
        1 => (0..3usize, 0..70u32, 0..70u32).prop_map(|(s, a, b)| Op::Alloc(s, a.max(b), a.min(b), None)),
        3 => (0..70u32, 0..3usize).prop_map(|(id, s)| Op::Free(id, s)),
        2 => (0..70u32, 0..3usize).prop_map(|(id, s)| Op::Find(id, s)),
        2 => (0..70u32, proptest::option::of(0..3u8)).prop_map(|(id, d)| Op::SetData(id, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn kernel_profile_matches_model(ops in proptest::collection::vec(op(), 1..300)) {
        check(Profile::V5_5, &ops)?;
    }

    #[test]
    fn improved_profile_matches_model(ops in proptest::collection::vec(op(), 1..300)) {
        check(Profile::Improved, &ops)?;
    }

    /// Random JSON never panics the parser; what parses, runs without panicking and
    /// keeps the invariants.
    #[test]
    fn random_lessons_never_panic(steps in proptest::collection::vec(step_json(), 0..40), profile in 0..7usize) {
        let lesson = serde_json::json!({"format": 1, "title": "fuzz", "profile": Profile::ALL[profile].name(), "steps": steps});
        if let Ok(l) = Lesson::from_value(lesson) {
            let t = run_lesson(&l).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for i in 0..t.len() {
                if let Err(e) = t.world_after(i).check_invariants() {
                    return Err(TestCaseError::fail(format!("invariant after step {i}: {e}")));
                }
            }
        }
    }
}

/// Steps built from real op names and field names with values of every type, so many
/// are valid and many are wrong in one field.
fn step_json() -> impl Strategy<Value = serde_json::Value> {
    let ops = ioasid_core::lesson::OP_NAMES.to_vec();
    let fields = vec![
        "set",
        "min",
        "max",
        "id",
        "data",
        "host",
        "answers",
        "allocator",
        "fns",
        "mm",
        "maps",
        "device",
        "pasid",
        "addr",
        "perm",
        "group",
        "last",
        "token",
        "quota",
        "spid",
        "reader",
        "domain",
        "guest",
        "getter",
        "name",
        "priority",
        "as",
    ];
    let value = prop_oneof![
        Just(serde_json::json!(null)),
        (0..12u64).prop_map(|n| serde_json::json!(n)),
        Just(serde_json::json!(4294967295u64)),
        Just(serde_json::json!(-1)),
        Just(serde_json::json!("sva")),
        Just(serde_json::json!("A")),
        Just(serde_json::json!("vcmd")),
        Just(serde_json::json!("$x")),
        Just(serde_json::json!("rw")),
        Just(serde_json::json!("0x1000")),
        Just(serde_json::json!({"mm": "A"})),
        Just(serde_json::json!([1, "no_pasid"])),
        Just(serde_json::json!([{"start": 4096, "len": 4096, "perm": "rw"}])),
        Just(serde_json::json!("cpu")),
        Just(serde_json::json!("mm_alive")),
    ];
    (
        proptest::sample::select(ops),
        proptest::collection::vec((proptest::sample::select(fields), value), 0..6),
    )
        .prop_map(|(op, fs)| {
            let mut m = serde_json::Map::new();
            m.insert("op".into(), serde_json::json!(op));
            for (k, v) in fs {
                m.insert(k.to_string(), v);
            }
            serde_json::Value::Object(m)
        })
}

/// A million ops in a small window against the model, invariants after every op.
#[test]
fn a_million_random_ops_match_the_model() {
    for profile in [Profile::V5_5, Profile::Improved] {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: u32| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % u64::from(n)) as u32
        };
        let ops: Vec<Op> = (0..500_000)
            .map(|_| match next(10) {
                0..=3 => {
                    let (a, b) = (next(70), next(70));
                    Op::Alloc(
                        next(3) as usize,
                        a.min(b),
                        a.max(b),
                        if next(2) == 0 {
                            None
                        } else {
                            Some(next(3) as u8)
                        },
                    )
                }
                4..=6 => Op::Free(next(70), next(3) as usize),
                7..=8 => Op::Find(next(70), next(3) as usize),
                _ => Op::SetData(
                    next(70),
                    if next(2) == 0 {
                        None
                    } else {
                        Some(next(3) as u8)
                    },
                ),
            })
            .collect();
        if let Err(e) = check(profile, &ops) {
            panic!("{e}");
        }
    }
}
