//! Conformance tests of the allocator area: one test per rule of
//! `docs/kernel-reference/allocator.md`, named after it, each citing the kernel source
//! it checks. `ioasid.c` prints its messages bare (it defines no `pr_fmt`); the VT-d
//! files (`intel/iommu.c`, `intel/pasid.c`) print with their `pr_fmt` prefix `DMAR: `.
mod common;
use common::*;
use ioasid_core::space::name;
use ioasid_core::trace::Event;
use ioasid_core::{Outcome, Profile, Trace};
use serde_json::{json, Value};

/// A guest whose VT-d driver registered the vcmd allocator `viommu0` over host `H`.
fn vcmd_guest(more: Value) -> Value {
    let mut s = vec![
        json!({"op": "host_create", "host": "H", "min": 1, "max": 1048575}),
        json!({"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"ok": null}}),
    ];
    s.extend(more.as_array().into_iter().flatten().cloned());
    json!(s)
}

/// The kernel log of step `i`.
fn klog(t: &Trace, i: usize) -> Vec<&str> {
    t.steps[i].kernel_log.iter().map(String::as_str).collect()
}

/// True when step `i` recorded a hazard event: one created, or one biting.
fn hazard(t: &Trace, i: usize) -> bool {
    !events(t, i, |e| {
        matches!(e, Event::Hazard { .. } | Event::HazardBites { .. })
    })
    .is_empty()
}

/// ioasid.c `ioasid_alloc()`, custom branch: a store collision prints
/// "Failed to alloc ioasid from %d", calls the active allocator's free and returns
/// INVALID_IOASID; "Failed ASID allocation" is not printed.
/// v5.5 https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L331 (message L333),
/// v5.11 https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/ioasid.c#L333 (L335).
#[test]
fn r_alloc_rollback_1_the_frameworks_rollback() {
    for p in ["v5.5", "v5.11", "v5.18"] {
        let t = run(
            p,
            vcmd_guest(json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 1}},
                {"op": "host_answer", "host": "H", "answers": [1]},
                {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"err": "INVALID_IOASID"}},
            ])),
        );
        let log = klog(&t, 4);
        assert_eq!(
            log.first(),
            Some(&"Failed to alloc ioasid from 1"),
            "{p}: {log:?}"
        );
        assert!(
            !log.iter().any(|l| l.starts_with("Failed ASID allocation")),
            "{p}: {log:?}"
        );
        // The first owner's entry is untouched; with no data on it the vcmd free
        // reached the host (R-ALLOC-ROLLBACK-2).
        assert!(t.last_world().entry(1).is_some());
        assert!(!t.last_world().hosts[&name("H")].ids.contains(1));
    }
}

/// intel/iommu.c `intel_vcmd_ioasid_free()` (v5.8-v6.3): `ioasid_find(NULL, id, NULL)`
/// non-NULL means skip, with `pr_alert("Cannot free active IOASID %d")`. During a
/// rollback the lookup finds the first owner's entry: with data, no FREE reaches the host.
/// https://elixir.bootlin.com/linux/v5.10/source/drivers/iommu/intel/iommu.c
#[test]
fn r_alloc_rollback_2_the_vcmd_free_of_a_rolled_back_id() {
    for p in ["v5.5", "v5.11", "v5.18"] {
        let t = run(
            p,
            vcmd_guest(json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 100, "data": {"mm": "A"}, "expect": {"ok": 1}},
                {"op": "host_answer", "host": "H", "answers": [1]},
                {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"err": "INVALID_IOASID"}},
            ])),
        );
        let w = t.last_world();
        assert!(w.hosts[&name("H")].ids.contains(1), "{p}: host keeps 1");
        assert!(w.entry(1).is_some_and(|e| e.data.is_some()), "{p}");
        assert_eq!(
            klog(&t, 4),
            vec![
                "Failed to alloc ioasid from 1",
                "DMAR: Cannot free active IOASID 1"
            ],
            "{p}"
        );
    }
}

/// ioasid.c `ioasid_register_allocator()`: empty list: active at once, or
/// "Default allocator active with outstanding IOASID" and -EAGAIN; else per group in
/// order: the recorded ops equal: "IOASID allocator already registered", -EEXIST; the
/// same functions: joins. VT-d `register_pasid_allocator()` prints
/// "Register custom PASID allocator" before and "Custom PASID allocator failed, scalable
/// mode disabled" after a failure.
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L138
#[test]
fn r_reg_1_the_order_of_the_registration_rules() {
    let t = run(
        "v5.5",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "expect": {"ok": 1}},
            {"op": "host_create", "host": "H", "min": 1, "max": 1048575},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"err": "EAGAIN"}},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"err": "EEXIST"}},
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
        ]),
    );
    assert_eq!(
        klog(&t, 2),
        vec![
            "DMAR: Register custom PASID allocator",
            "Default allocator active with outstanding IOASID",
            "DMAR: Custom PASID allocator failed, scalable mode disabled"
        ]
    );
    assert_eq!(klog(&t, 4), vec!["DMAR: Register custom PASID allocator"]);
    assert_eq!(
        klog(&t, 5),
        vec![
            "DMAR: Register custom PASID allocator",
            "IOASID allocator already registered",
            "DMAR: Custom PASID allocator failed, scalable mode disabled"
        ]
    );
    assert_eq!(klog(&t, 6), vec!["DMAR: Register custom PASID allocator"]);
    assert_eq!(t.last_world().groups[0].members.len(), 2);
}

/// R-REG-1: ioasid.c `ioasid_register_allocator()` walks the groups in order and stops at the
/// first whose functions are the caller's: a name already waiting in a later group (here
/// `v2`, registered with other functions) joins the first group, not its own. The model
/// finds that group through an index; `run` checks it against the groups after every
/// step (it once kept `v2` at its later group).
///
/// The join list-adds `v2`'s one list entry (`ops->list`) to the first group's member
/// list while it is still on its own group's: both lists are corrupted, silently, and
/// 0 is returned. The model names it as a hazard (it said only that `v2` joined).
/// improved checks every group's members first (its listing's `register.dup`), so `v2`
/// gets `EEXIST` (it joined the first group too).
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L138
#[test]
fn the_register_walk_stops_at_the_first_group_with_the_functions() {
    let steps = |again: Value| {
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1048575},
            {"op": "register", "allocator": "v0", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
            {"op": "register", "allocator": "v2", "fns": "other", "host": "H", "expect": {"ok": null}},
            {"op": "register", "allocator": "v2", "fns": "vcmd", "host": "H", "expect": again},
        ])
    };
    let t = run("v5.5", steps(json!({"ok": null})));
    let groups = &t.last_world().groups;
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].members.len(), 2, "v2 joined v0's group");
    assert!(hazard(&t, 3), "one entry on two lists is a hazard");
    assert!(klog(&t, 3)
        .iter()
        .all(|l| !l.contains("already registered")));
    let t = run("improved", steps(json!({"err": "EEXIST"})));
    assert_eq!(t.last_world().groups[0].members.len(), 1);
}

/// ioasid.c `ioasid_register_allocator()` compares `pallocator->ops == ops`: the ops a
/// group recorded at its creation, kept after that primary unregistered.
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L172
#[test]
fn r_reg_2_eexist_compares_the_groups_recorded_ops() {
    let steps = |again: Value| {
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "unregister", "allocator": "viommu0"},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": again},
        ]))
    };
    let t = run("v5.5", steps(json!({"err": "EEXIST"})));
    assert!(klog(&t, 4).contains(&"IOASID allocator already registered"));
    // improved promoted viommu1: the departed viommu0 joins as a new member.
    let t = run("improved", steps(json!({"ok": null})));
    assert_eq!(t.last_world().groups[0].members.len(), 2);
}

/// ioasid.c `ioasid_register_allocator()`: a secondary member has no group of its own,
/// so it is list-added to the member list a second time; nothing is printed and 0 is
/// returned. https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L176
#[test]
fn r_reg_3_reregistering_a_secondary_member() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
        ])),
    );
    assert_eq!(klog(&t, 3), vec!["DMAR: Register custom PASID allocator"]);
    assert!(hazard(&t, 3), "the corrupted member list is a hazard");
}

/// ioasid.c `ioasid_unregister_allocator()`: "No custom IOASID allocators active!" only
/// with none registered; otherwise the first group whose recorded ops has the same
/// functions: one member left: the group goes; several: the ops leaves if it is a
/// member, else nothing, silently.
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L206
#[test]
fn r_unreg_1_unregister_finds_the_group_by_functions() {
    // A departed primary unregisters again: the group is down to one member and goes.
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
            {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
        ])),
    );
    assert!(klog(&t, 3).is_empty(), "{:?}", klog(&t, 3));
    assert_eq!(t.last_world().active_name(), "default");
    assert_eq!(
        klog(&t, 4),
        vec!["No custom IOASID allocators, switch to default."]
    );
    // An ops whose registration failed (EAGAIN) removes another's group.
    let t = run(
        "v5.5",
        json!([
            {"op": "alloc", "set": null, "min": 1, "max": 10},
            {"op": "host_create", "host": "H", "min": 1, "max": 1048575},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"err": "EAGAIN"}},
            {"op": "free", "id": 1},
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
            {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
        ]),
    );
    assert_eq!(t.last_world().active_name(), "default");
    // Several members and the ops is not one of them: nothing, silently.
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "register", "allocator": "viommu2", "fns": "vcmd", "host": "H"},
            {"op": "unregister", "allocator": "viommu0"},
            {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
        ])),
    );
    assert!(klog(&t, 5).is_empty());
    assert_eq!(t.last_world().groups[0].members.len(), 2);
    // None registered: the one warning.
    let t = run(
        "v5.5",
        json!([{"op": "unregister", "allocator": "x", "expect": {"ok": null}}]),
    );
    assert_eq!(klog(&t, 0), vec!["No custom IOASID allocators active!"]);
}

/// ioasid.c `ioasid_unregister_allocator()`, last member: `WARN_ON(!xa_empty(...))`
/// (ioasid.c:229 in v5.5/v5.18, :230 in v5.11), then "No custom IOASID allocators,
/// switch to default." or, when the group was active and others remain, "IOASID
/// allocator changed". https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L229
#[test]
fn r_unreg_2_the_last_member_leaves() {
    for (p, line) in [("v5.5", 229), ("v5.11", 230), ("v5.18", 229)] {
        let t = run(
            p,
            vcmd_guest(json!([
                {"op": "alloc", "set": "sva", "min": 1, "max": 100},
                {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
            ])),
        );
        assert_eq!(
            klog(&t, 3),
            vec![
                format!("WARNING: at drivers/iommu/ioasid.c:{line}"),
                "No custom IOASID allocators, switch to default.".to_string()
            ],
            "{p}"
        );
    }
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "other", "fns": "pv2"},
            {"op": "unregister", "allocator": "viommu0"},
            {"op": "unregister", "allocator": "other"},
        ])),
    );
    assert_eq!(klog(&t, 2), Vec::<&str>::new());
    assert_eq!(klog(&t, 3), vec!["IOASID allocator changed"]);
    assert_eq!(
        klog(&t, 4),
        vec!["No custom IOASID allocators, switch to default."]
    );
}

/// ioasid.c `ioasid_unregister_allocator()`: a member leaves a group with others; the
/// group's recorded ops (and its pdata) stay; nothing is printed, then or at later calls.
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L244
#[test]
fn r_unreg_3_a_member_leaves_a_group_with_other_members() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "unregister", "allocator": "viommu0"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 1}},
        ])),
    );
    assert!(klog(&t, 3).is_empty() && klog(&t, 4).is_empty());
    assert!(
        hazard(&t, 3) && hazard(&t, 4),
        "the stale pdata is a hazard"
    );
    // Created where the member leaves, biting where the alloc passes its pdata.
    let stale = ioasid_core::hazard::HazardKind::StalePrivateData;
    assert_eq!(
        events(
            &t,
            3,
            |e| matches!(e, Event::Hazard { hazard, .. } if *hazard == stale)
        )
        .len(),
        1
    );
    assert_eq!(
        events(
            &t,
            4,
            |e| matches!(e, Event::HazardBites { hazard, .. } if *hazard == stale)
        )
        .len(),
        1
    );
    assert_eq!(t.last_world().groups[0].pdata.as_ref(), "viommu0");
}

/// ioasid.c: alloc, free, find and set_data use the active allocator's xarray; IDs left
/// in a removed group's storage are unknown afterwards.
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L352
#[test]
fn r_store_1_the_active_allocators_storage() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "data": {"mm": "A"}, "expect": {"ok": 1}},
            {"op": "unregister", "allocator": "viommu0"},
            {"op": "find", "set": null, "id": 1, "expect": {"err": "ENOENT"}},
            {"op": "set_data", "id": 1, "data": {"mm": "B"}, "expect": {"err": "ENOENT"}},
            {"op": "free", "id": 1, "expect": {"ok": null}},
        ])),
    );
    assert_eq!(klog(&t, 6), vec!["Trying to free unknown IOASID 1"]);
}

/// ioasid.c `ioasid_alloc()` passes [min, max] to the active allocator unchecked: the
/// default allocator fails `min > max` with its two lines and accepts max = 0xFFFFFFFF;
/// the vcmd allocator asks the host. https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L304
#[test]
fn r_range_1_ioasid_alloc_checks_no_range() {
    let t = run(
        "v5.5",
        json!([
            {"op": "alloc", "set": null, "min": 1, "max": 4294967295u32, "expect": {"ok": 1}},
            {"op": "alloc", "set": null, "min": 10, "max": 5, "expect": {"err": "INVALID_IOASID"}},
        ]),
    );
    assert_eq!(
        klog(&t, 1),
        vec![
            "Failed to alloc ioasid from 10 to 5",
            "Failed ASID allocation 0"
        ]
    );
    run(
        "v5.5",
        vcmd_guest(
            json!([{"op": "alloc", "set": "sva", "min": 10, "max": 5, "expect": {"ok": 1}}]),
        ),
    );
    run(
        "improved",
        json!([
            {"op": "alloc", "set": null, "min": 1, "max": 4294967295u32, "expect": {"err": "EINVAL"}},
            {"op": "alloc", "set": null, "min": 10, "max": 5, "expect": {"err": "EINVAL"}},
        ]),
    );
}

/// The VT-d vcmd allocator entered mainline in v5.8 (commit 3375303e8287): the v5.5
/// profile's `register` with fns `vcmd` is v5.8-v5.10 behaviour, and says so.
/// https://elixir.bootlin.com/linux/v5.8/source/drivers/iommu/intel/iommu.c
#[test]
fn r_vcmd_0_when_the_vcmd_allocator_exists() {
    assert!(Profile::V5_5.describe().contains("v5.8"));
    let lesson = ioasid_core::lessons::ALL
        .iter()
        .find(|l| l.id == "04-guest-boot-vcmd")
        .expect("lesson 04");
    assert!(lesson.json.contains("v5.8"));
}

/// intel/iommu.c `intel_vcmd_ioasid_alloc()`: refuses only `min < PASID_MIN` or
/// `max > intel_pasid_max_id`, a count (0x100000 for 20 bits); `ioasid_alloc` then prints
/// "Failed ASID allocation 1". https://elixir.bootlin.com/linux/v5.10/source/drivers/iommu/intel/iommu.c
#[test]
fn r_vcmd_1_the_vcmd_allocs_checks() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 1048576, "expect": {"ok": 1}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1048577, "expect": {"err": "INVALID_IOASID"}},
            {"op": "alloc", "set": "sva", "min": 0, "max": 100, "expect": {"err": "INVALID_IOASID"}},
        ])),
    );
    assert_eq!(klog(&t, 3), vec!["Failed ASID allocation 1"]);
    assert_eq!(klog(&t, 4), vec!["Failed ASID allocation 1"]);
}

/// intel/pasid.c `vcmd_alloc_pasid()`: the PASID is a 20-bit field of the response
/// (`VCMD_VRSP_RESULT_PASID`); "no PASID" prints "IOMMU: %s: No PASID available". The
/// answer is stored unchecked (the out-of-range store is the model's hazard, not a log
/// line). https://elixir.bootlin.com/linux/v5.10/source/drivers/iommu/intel/pasid.c
#[test]
fn r_vcmd_2_the_hosts_answer_is_masked_to_20_bits() {
    let t = run(
        "v5.11",
        vcmd_guest(json!([
            {"op": "host_answer", "host": "H", "answers": [1048576, "no_pasid", 500]},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 0}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"err": "INVALID_IOASID"}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 500}},
        ])),
    );
    assert!(klog(&t, 3).is_empty() && hazard(&t, 3));
    assert_eq!(
        klog(&t, 4),
        vec![
            "DMAR: IOMMU: viommu0: No PASID available",
            "Failed ASID allocation 1"
        ]
    );
    assert!(klog(&t, 5).is_empty() && hazard(&t, 5));
}

/// ioasid.c `ioasid_alloc()` / `default_alloc()`: a full range prints "Failed to alloc
/// ioasid from %d to %d" then "Failed ASID allocation 0"; INVALID_IOASID, no errno.
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L82
#[test]
fn r_alloc_1_alloc() {
    for p in ["v5.5", "v5.11", "v5.18"] {
        let t = run(
            p,
            json!([
                {"op": "alloc", "set": "sva", "min": 3, "max": 3, "expect": {"ok": 3}},
                {"op": "alloc", "set": "sva", "min": 3, "max": 3, "expect": {"err": "INVALID_IOASID"}},
            ]),
        );
        assert!(klog(&t, 0).is_empty());
        assert_eq!(
            klog(&t, 1),
            vec![
                "Failed to alloc ioasid from 3 to 3",
                "Failed ASID allocation 0"
            ],
            "{p}"
        );
    }
}

/// ioasid.c `ioasid_free()` (v5.5-v5.10, v5.18-v6.3) and `ioasid_put()` (v5.11-v5.17):
/// an unknown ID prints "Trying to free unknown IOASID %u", nothing else; at release the
/// backend free runs first. https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L359
#[test]
fn r_free_1_free() {
    for p in ["v5.5", "v5.11", "v5.18"] {
        let t = run(p, json!([{"op": "free", "id": 7, "expect": {"ok": null}}]));
        assert_eq!(klog(&t, 0), vec!["Trying to free unknown IOASID 7"], "{p}");
    }
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10},
            {"op": "free", "id": 1, "set": "sva"},
        ])),
    );
    let lines = &t.steps[3].lines;
    let at = |l: &str| lines.iter().position(|x| *x == l);
    assert!(at("free.backend") < at("free.erase") && at("free.backend").is_some());
}

/// ioasid.c `ioasid_find()`: prints nothing; calls a given getter even on NULL private
/// data (the SVA getter would dereference it: an oops, the model's hazard).
/// https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L389 (getter L410)
#[test]
fn r_find_1_find() {
    let t = run(
        "v5.5",
        json!([
            {"op": "set_create", "set": "aux"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10},
            {"op": "find", "set": "sva", "id": 1, "getter": "mm_alive", "expect": {"ok": null}},
            {"op": "alloc", "set": "aux", "min": 1, "max": 10, "data": {"domain": "D"}},
            {"op": "find", "set": null, "id": 2, "getter": "mm_alive", "expect": {"ok": null}},
            {"op": "find", "set": "aux", "id": 1, "expect": {"err": "EACCES"}},
            {"op": "find", "set": "aux", "id": 9, "expect": {"err": "ENOENT"}},
        ]),
    );
    for i in 0..t.steps.len() {
        if t.steps[i].op == "find" {
            assert!(klog(&t, i).is_empty(), "step {i}: {:?}", klog(&t, i));
        }
    }
    assert!(hazard(&t, 2), "the getter on NULL is a hazard");
    assert!(hazard(&t, 4), "the getter on a domain is a hazard");
}

/// ioasid.c `ioasid_set_data()`: unknown: -ENOENT, silently; else overwrites (no EBUSY in
/// mainline) and waits for a grace period. https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c#L268
#[test]
fn r_setdata_1_set_data() {
    let t = run(
        "v5.11",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "A"}},
            {"op": "set_data", "id": 1, "data": {"mm": "B"}, "expect": {"ok": null}},
            {"op": "set_data", "id": 5, "data": {"mm": "B"}, "expect": {"err": "ENOENT"}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "B"}}},
        ]),
    );
    assert!(klog(&t, 1).is_empty() && klog(&t, 2).is_empty());
    assert!(t.steps[1].lines.contains(&"set_data.sync"));
    assert!(!t.steps[2].lines.contains(&"set_data.sync"));
}

/// ioasid.c v5.11 `ioasid_get()`: void; an unknown ID is `WARN_ON(1)` at ioasid.c:362,
/// no text. https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/ioasid.c#L353
#[test]
fn r_get_1_get() {
    let t = run(
        "v5.11",
        json!([{"op": "get", "id": 4, "expect": {"ok": null}}]),
    );
    assert_eq!(klog(&t, 0), vec!["WARNING: at drivers/iommu/ioasid.c:362"]);
    for p in ["v5.5", "v5.18"] {
        run(
            p,
            json!([{"op": "get", "id": 4, "expect": {"err": "EOPNOTSUPP"}}]),
        );
    }
}

/// ioasid.c v5.11 `ioasid_put()`: true only when this put freed the ID; unknown:
/// "Trying to free unknown IOASID %u" and false.
/// https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/ioasid.c#L376
#[test]
fn r_put_1_puts_result() {
    let t = run(
        "v5.11",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10},
            {"op": "get", "id": 1},
            {"op": "put", "id": 1, "expect": {"ok": false}},
            {"op": "put", "id": 1, "expect": {"ok": true}},
            {"op": "put", "id": 9, "expect": {"ok": false}},
        ]),
    );
    assert_eq!(klog(&t, 4), vec!["Trying to free unknown IOASID 9"]);
}

/// VT-d SVA unbind under vcmd (v5.8+): the PASID is freed with its data still attached,
/// so the vcmd free prints "Cannot free active IOASID %d" and the host keeps it.
/// https://elixir.bootlin.com/linux/v5.10/source/drivers/iommu/intel/svm.c
#[test]
fn r_sva_vcmd_1_the_unbind_frees_with_data_attached() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "mm_create", "mm": "A", "maps": []},
            {"op": "bind", "device": "d0", "mm": "A", "min": 1, "max": 1048575, "expect": {"ok": 1}},
            {"op": "unbind", "device": "d0", "mm": "A"},
        ])),
    );
    assert!(klog(&t, 4).contains(&"DMAR: Cannot free active IOASID 1"));
    assert!(t.last_world().hosts[&name("H")].ids.contains(1));
}

/// intel/pasid.c `vcmd_free_pasid()`: an invalid PASID prints "IOMMU: %s: Invalid PASID".
/// https://elixir.bootlin.com/linux/v5.10/source/drivers/iommu/intel/pasid.c
#[test]
fn r_vcmd_free_2_what_the_host_says_on_free() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "expect": {"ok": 1}},
            {"op": "host_free", "host": "H", "id": 1},
            {"op": "free", "id": 1, "set": "sva", "expect": {"ok": null}},
        ])),
    );
    assert_eq!(klog(&t, 4), vec!["DMAR: IOMMU: viommu0: Invalid PASID"]);
    assert!(
        t.steps[3].kernel_log.is_empty(),
        "the host's own free is not the guest's log"
    );
    assert_eq!(t.steps[4].result, Outcome::Ok(ioasid_core::Val::Null));
}

// ---- the model's choices (docs/kernel-reference/allocator.md, "Model's choices") ----

/// M-ALLOC-1 (model choice, no kernel source): improved checks the range in
/// `ioasid_alloc` and reports real error codes instead of the kernel's log lines.
#[test]
fn m_alloc_1_improved_checks_the_range() {
    let t = run(
        "improved",
        json!([
            {"op": "alloc", "set": null, "min": 10, "max": 5, "expect": {"err": "EINVAL"}},
            {"op": "alloc", "set": null, "min": 3, "max": 3, "expect": {"ok": 3}},
            {"op": "alloc", "set": null, "min": 3, "max": 3, "expect": {"err": "ENOSPC"}},
        ]),
    );
    assert!(klog(&t, 0).is_empty() && klog(&t, 2).is_empty());
}

/// M-ALLOC-2 (model choice): every ops passed to `register` is remembered with its
/// functions, even when the registration failed; a name never registered has no
/// functions, so its unregister matches no group (silently; ENOENT in improved).
#[test]
fn m_alloc_2_an_unknown_ops_matches_no_group() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([{"op": "unregister", "allocator": "stranger", "expect": {"ok": null}}])),
    );
    assert!(klog(&t, 2).is_empty());
    assert_eq!(t.last_world().groups.len(), 1);
    run(
        "improved",
        vcmd_guest(
            json!([{"op": "unregister", "allocator": "stranger", "expect": {"err": "ENOENT"}}]),
        ),
    );
}

/// M-ALLOC-3 (model choice): the VT-d unit a vcmd line names (`IOMMU: %s:`) is the
/// allocator whose pdata the call used: the group's recorded ops.
#[test]
fn m_alloc_3_the_vtd_unit_is_the_allocator_named() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "unregister", "allocator": "viommu0"},
            {"op": "host_answer", "host": "H", "answers": ["no_pasid"]},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10},
        ])),
    );
    assert_eq!(klog(&t, 5)[0], "DMAR: IOMMU: viommu0: No PASID available");
}

/// M-ALLOC-4 (model choice): the kernel's group identity (unregister by functions,
/// EEXIST by the recorded ops) goes with the knob `flaw_stale_primary_pdata` (flaw 3),
/// so improved with that knob on behaves like the kernel here.
#[test]
fn m_alloc_4_flaw_3_is_the_groups_identity() {
    let steps = vcmd_guest(json!([
        {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
        {"op": "unregister", "allocator": "viommu0"},
        {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
    ]));
    let t = run_with(
        "improved",
        json!({"flaw_stale_primary_pdata": true}),
        steps.clone(),
    );
    assert_eq!(t.last_world().active_name(), "default");
    let t = run_with("v5.5", json!({"flaw_stale_primary_pdata": false}), steps);
    assert_eq!(t.last_world().groups[0].members.len(), 1);
}

/// M-ALLOC-5 (model choice): the 20-bit read of the host's answer is the register's
/// field, not a flaw: improved reads it too, then refuses the truncated value by range.
#[test]
fn m_alloc_5_improved_reads_20_bits_too() {
    run(
        "improved",
        vcmd_guest(json!([
            {"op": "host_answer", "host": "H", "answers": [1048576]},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"err": "EINVAL"}},
        ])),
    );
}

/// M-ALLOC-6 (model choice): hazards about allocators rather than IDs (a stale pdata, a
/// corrupted member list, another's group removed) carry `INVALID_IOASID` as their ID.
#[test]
fn m_alloc_6_allocator_hazards_name_no_id() {
    let t = run(
        "v5.5",
        vcmd_guest(json!([
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"},
            {"op": "unregister", "allocator": "viommu0"},
        ])),
    );
    let ids: Vec<u32> = events(&t, 3, |e| matches!(e, Event::Hazard { .. }))
        .into_iter()
        .filter_map(|e| match e {
            Event::Hazard { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, vec![ioasid_core::INVALID_IOASID]);
}

/// M-ALLOC-7 (model choice): a `WARN_ON` is written `WARNING: at FILE:LINE`; under `ext`,
/// whose `ioasid.c` line is not determined, the line number is left out.
#[test]
fn m_alloc_7_a_warn_on_names_its_era_line() {
    let t = run(
        "ext",
        vcmd_guest(json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 100},
            {"op": "unregister", "allocator": "viommu0"},
        ])),
    );
    assert_eq!(klog(&t, 3)[0], "WARNING: at drivers/iommu/ioasid.c");
}
