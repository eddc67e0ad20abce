//! Each kernel flaw knob on its own (the flaws are rules of docs/kernel-reference/, each
//! cited there with its source; `core/src/profile.rs` maps knobs to them): its scenario shows the flaw in the
//! kernel profile that has it, not with only that knob turned off; not in `improved`,
//! but with only that knob turned on. So each knob is shown to cause its flaw by
//! itself, not through the other knobs its profile changes at the same time.
mod common;
use common::*;
use ioasid_core::space::name;
use ioasid_core::{Outcome, Trace};
use serde_json::{json, Value};

struct Flaw {
    knob: &'static str,
    /// The kernel profile that has the flaw.
    profile: &'static str,
    steps: Value,
    /// True when the run shows the flaw.
    shows: fn(&Trace) -> bool,
}

/// True when step `i` recorded a hazard event: one created, or one biting.
fn hazard(t: &Trace, i: usize) -> bool {
    use ioasid_core::trace::Event;
    !events(t, i, |e| {
        matches!(e, Event::Hazard { .. } | Event::HazardBites { .. })
    })
    .is_empty()
}

fn vcmd_guest(more: Value) -> Value {
    let mut s = vec![
        json!({"op": "host_create", "host": "H", "min": 1, "max": 1048575}),
        json!({"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"}),
    ];
    s.extend(more.as_array().into_iter().flatten().cloned());
    json!(s)
}

fn flaws() -> Vec<Flaw> {
    vec![
        Flaw {
            knob: "flaw_getter_without_data",
            profile: "v5.5",
            steps: json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 10},
                {"op": "find", "set": "sva", "id": 1, "getter": "mm_alive"},
            ]),
            // The getter runs on NULL private data: a hazard (an oops with the SVA getter).
            shows: |t| hazard(t, 1),
        },
        Flaw {
            knob: "flaw_unchecked_answer",
            profile: "v5.5",
            steps: vcmd_guest(json!([
                {"op": "host_answer", "host": "H", "answers": [500]},
                {"op": "alloc", "set": "sva", "min": 1, "max": 100},
            ])),
            // An answer outside [1, 100] handed to the caller.
            shows: |t| t.steps[3].result == Outcome::id(500),
        },
        Flaw {
            knob: "flaw_rollback_frees_owner",
            profile: "v5.5",
            steps: vcmd_guest(json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 100},
                {"op": "host_answer", "host": "H", "answers": [1]},
                {"op": "alloc", "set": "sva", "min": 1, "max": 100},
            ])),
            // The duplicate's rollback freed the first owner's host PASID.
            shows: |t| {
                let w = t.last_world();
                w.entry(1).is_some() && !w.hosts[&name("H")].ids.contains(1)
            },
        },
        Flaw {
            knob: "flaw_stale_primary_pdata",
            profile: "v5.5",
            steps: vcmd_guest(json!([
                {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
                {"op": "unregister", "allocator": "viommu0"},
                {"op": "alloc", "set": "sva", "min": 1, "max": 100},
            ])),
            // The group goes on calling with the removed primary's pdata.
            shows: |t| hazard(t, 4),
        },
        Flaw {
            knob: "flaw_secondary_reregister",
            profile: "v5.5",
            steps: vcmd_guest(json!([
                {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
                {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            ])),
            // The second registration of a secondary is accepted.
            shows: |t| !t.steps[3].result.is_err(),
        },
        Flaw {
            knob: "flaw_orphan_on_unregister",
            profile: "v5.5",
            steps: vcmd_guest(json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 100},
                {"op": "unregister", "allocator": "viommu0"},
            ])),
            shows: |t| !t.last_world().orphans.is_empty(),
        },
        Flaw {
            knob: "flaw_vcmd_free_skip",
            profile: "v5.5",
            steps: vcmd_guest(json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"driver": "K"}},
                {"op": "free", "id": 1, "set": "sva"},
            ])),
            // The guest forgot PASID 1; the host still holds it.
            shows: |t| {
                let w = t.last_world();
                w.entry(1).is_none() && w.hosts[&name("H")].ids.contains(1)
            },
        },
        Flaw {
            knob: "flaw_reuse_with_pending_faults",
            profile: "v5.5",
            steps: json!([
                {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "rw"}]},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9, "data": {"mm": "A"}},
                {"op": "fault", "device": "dev0", "pasid": 1, "addr": 4096, "perm": "w", "group": 1},
                {"op": "free", "id": 1, "set": "sva"},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            ]),
            // Handed out again while a request for it is pending.
            shows: |t| t.steps[4].result == Outcome::id(1),
        },
        Flaw {
            knob: "flaw_free_any_owner",
            profile: "v5.5",
            steps: json!([
                {"op": "set_create", "set": "gpu"},
                {"op": "alloc", "set": "gpu", "min": 1, "max": 10},
                {"op": "free", "id": 1, "set": "sva"},
            ]),
            // Freed through a set that does not own it.
            shows: |t| t.last_world().entry(1).is_none(),
        },
        Flaw {
            knob: "flaw_bind_off_by_one",
            profile: "v5.18",
            steps: json!([
                {"op": "mm_create", "mm": "A", "maps": []},
                {"op": "bind", "device": "d0", "mm": "A", "min": 1, "max": 1048575},
                {"op": "bind", "device": "small", "mm": "A", "min": 1, "max": 1},
            ]),
            // The mm's PASID 1 refused by a device whose range ends at 1.
            shows: |t| t.steps[2].result == Outcome::Err(ioasid_core::Errno::EOVERFLOW),
        },
    ]
}

#[test]
fn each_flaw_knob_alone_turns_its_flaw_on_and_off() {
    let cases = flaws();
    for f in &cases {
        let alone_off = json!({ f.knob: false });
        let alone_on = json!({ f.knob: true });
        let runs = [
            (f.profile, json!({}), true),
            (f.profile, alone_off, false),
            ("improved", json!({}), false),
            ("improved", alone_on, true),
        ];
        for (profile, knobs, flawed) in runs {
            let t = run_with(profile, knobs.clone(), f.steps.clone());
            assert_eq!(
                (f.shows)(&t),
                flawed,
                "{} under {profile} with {knobs}: the flaw should {}show",
                f.knob,
                if flawed { "" } else { "not " }
            );
        }
    }
    // Every flaw knob that is on in some kernel profile has its case here.
    let on_somewhere: Vec<&str> = ioasid_core::profile::BOOL_KNOBS
        .iter()
        .map(|k| k.name)
        .filter(|k| k.starts_with("flaw_") && *k != "flaw_unsigned_error_pasid")
        .collect();
    let covered: Vec<&str> = cases.iter().map(|f| f.knob).collect();
    assert_eq!(covered, on_somewhere);
}
