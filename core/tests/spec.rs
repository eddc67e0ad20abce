//! Scenarios across the model's topics, as tests: each checks behaviour whose rules are
//! in the project's kernel reference (docs/kernel-reference/, cited there with their
//! source lines and each tested on its own in core/tests/conformance_*.rs); here they
//! are combined the way the lessons combine them.
mod common;
use common::*;
use ioasid_core::space::name;
use ioasid_core::trace::{Event, FaultStage};
use ioasid_core::{Lesson, Outcome, Runner};
use serde_json::json;

/// True when step `i` recorded a hazard event (the model's words, not the kernel's).
fn hazard(t: &ioasid_core::Trace, i: usize) -> bool {
    !events(t, i, |e| matches!(e, Event::Hazard { .. })).is_empty()
}

fn a(min: u64, max: u64) -> serde_json::Value {
    json!({"op": "alloc", "set": "sva", "min": min, "max": max})
}

// ---- the default allocator (docs/kernel-reference/allocator.md: R-ALLOC-1, R-RANGE-1) ----

#[test]
fn lowest_free_first_fit_and_immediate_reuse() {
    let mut s = vec![a(1, 100), a(1, 100), a(1, 100)];
    s.push(json!({"op": "free", "id": 2, "set": "sva"}));
    s.push(json!({"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 2}}));
    s.push(json!({"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 4}}));
    let t = run("v5.5", json!(s));
    assert_eq!(t.steps[0].result, ioasid_core::Outcome::id(1));
}

#[test]
fn inclusive_ranges_and_bad_ranges() {
    run(
        "v5.5",
        json!([
            {"op": "alloc", "set": "sva", "min": 7, "max": 7, "expect": {"ok": 7}},
            {"op": "alloc", "set": "sva", "min": 7, "max": 7, "expect": {"err": "INVALID_IOASID"}},
            {"op": "alloc", "set": "sva", "min": 9, "max": 8, "expect": {"err": "INVALID_IOASID"}},
            // ioasid_alloc checks no range: the xarray takes 0xFFFFFFFF as a limit.
            {"op": "alloc", "set": "sva", "min": 1, "max": 4294967295u64, "expect": {"ok": 1}},
        ]),
    );
    run(
        "improved",
        json!([
            {"op": "alloc", "set": "sva", "min": 7, "max": 7, "expect": {"ok": 7}},
            {"op": "alloc", "set": "sva", "min": 7, "max": 7, "expect": {"err": "ENOSPC"}},
            {"op": "alloc", "set": "sva", "min": 9, "max": 8, "expect": {"err": "EINVAL"}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 4294967295u64, "expect": {"err": "EINVAL"}},
        ]),
    );
}

#[test]
fn search_path_is_recorded() {
    let t = run("v5.5", json!([a(1, 1048575), a(1, 1048575)]));
    let found = events(&t, 1, |e| matches!(e, Event::Search { found: Some(2), .. }));
    assert_eq!(found.len(), 1, "one search that found 2");
    if let Event::Search { path, .. } = found[0] {
        assert!(!path.is_empty(), "the search path lists the nodes visited");
    }
}

// ---- custom allocators (allocator.md: R-REG-*, R-UNREG-*, R-ALLOC-ROLLBACK-*) ----

fn vcmd_guest() -> Vec<serde_json::Value> {
    vec![
        json!({"op": "host_create", "host": "H", "min": 1, "max": 1048575}),
        json!({"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"ok": null}}),
    ]
}

#[test]
fn register_rules_in_order() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"err": "EEXIST"}}),
        json!({"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H", "expect": {"ok": null}}),
        json!({"op": "register", "allocator": "other", "fns": "pv2", "host": "H", "expect": {"ok": null}}),
    ]);
    let t = run("v5.5", json!(s));
    let w = t.last_world();
    assert_eq!(
        w.groups.len(),
        2,
        "same functions share a group, other functions queue"
    );
    assert_eq!(w.groups[0].members.len(), 2);
    assert!(w.active_name().contains("vcmd"));
}

#[test]
fn register_too_late_is_eagain() {
    let t = run(
        "v5.5",
        json!([
            a(1, 10),
            {"op": "host_create", "host": "H", "min": 1, "max": 1048575},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"err": "EAGAIN"}},
        ]),
    );
    assert_eq!(t.last_world().active_name(), "default");
}

#[test]
fn custom_allocator_takes_precedence_and_has_no_fallback() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "host_alloc", "host": "H", "guest": "vm2", "expect": {"ok": 1}}),
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 1048575, "expect": {"ok": 2}}),
        json!({"op": "host_answer", "host": "H", "answers": ["no_pasid"]}),
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 1048575, "expect": {"err": "INVALID_IOASID"}}),
    ]);
    let t = run("v5.5", json!(s.clone()));
    assert!(
        t.last_world().default_store.is_empty(),
        "no fallback to the default allocator"
    );
    let t = run(
        "improved",
        json!(s.iter().take(5).cloned().collect::<Vec<_>>()),
    );
    assert_eq!(
        t.last_world().hosts[&name("H")].ids.len(),
        2,
        "two VMs draw from one host space"
    );
}

#[test]
fn flaw2_unchecked_answer_and_rollback() {
    let steps = |k: bool| {
        let mut s = vcmd_guest();
        s.extend([
            json!({"op": "host_answer", "host": "H", "answers": [500]}),
            json!({"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": if k { json!({"ok": 500}) } else { json!({"err": "EINVAL"}) }}),
            json!({"op": "alloc", "set": "sva", "min": 1, "max": 100, "expect": {"ok": 1}}),
            json!({"op": "host_answer", "host": "H", "answers": [1]}),
            json!({"op": "alloc", "set": "sva", "min": 1, "max": 100}),
        ]);
        s
    };
    let t = run("v5.5", json!(steps(true)));
    assert!(hazard(&t, 3), "the out-of-range answer is a hazard");
    // the rollback freed host PASID 1, which belongs to the first owner
    assert!(
        !t.last_world().hosts[&name("H")].ids.contains(1),
        "the rollback freed the first owner's host PASID"
    );
    assert!(
        t.last_world().entry(1).is_some(),
        "the guest still thinks it owns 1"
    );
    let t = run("improved", json!(steps(false)));
    assert!(
        t.last_world().hosts[&name("H")].ids.contains(1),
        "improved keeps the first owner's host PASID"
    );
    assert_eq!(
        t.steps[6].result,
        ioasid_core::Outcome::Err(ioasid_core::Errno::EEXIST)
    );
}

#[test]
fn flaw3_primary_pdata_and_flaw4_reregister() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"}),
        json!({"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"}),
        json!({"op": "unregister", "allocator": "viommu0"}),
    ]);
    let t = run("v5.5", json!(s));
    assert!(hazard(&t, 3), "flaw 4: a secondary registered twice");
    assert_eq!(
        t.last_world().groups[0].pdata.as_ref(),
        "viommu0",
        "flaw 3: the removed primary's pdata stays"
    );
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H"}),
        json!({"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H", "expect": {"err": "EEXIST"}}),
        json!({"op": "unregister", "allocator": "viommu0"}),
    ]);
    let t = run("improved", json!(s));
    assert_eq!(
        t.last_world().groups[0].pdata.as_ref(),
        "viommu1",
        "improved promotes the next member"
    );
}

#[test]
fn flaw5_unregister_last_orphans_ids() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 1048575, "expect": {"ok": 1}}),
        json!({"op": "unregister", "allocator": "viommu0"}),
        json!({"op": "find", "set": "sva", "id": 1, "expect": {"err": "ENOENT"}}),
        json!({"op": "free", "id": 1, "set": "sva", "expect": {"ok": null}}),
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 1048575, "expect": {"ok": 1}}),
    ]);
    let t = run("v5.5", json!(s));
    assert!(warned(&t, 3, "WARNING: at drivers/iommu/ioasid.c:229"));
    assert!(warned(&t, 5, "unknown IOASID 1"));
    assert_eq!(
        t.last_world().orphans.len(),
        1,
        "the orphan is recorded: two owners alias PASID 1"
    );
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 1048575}),
        json!({"op": "unregister", "allocator": "viommu0", "expect": {"err": "EBUSY"}}),
        json!({"op": "unregister", "allocator": "nobody", "expect": {"err": "ENOENT"}}),
    ]);
    run("improved", json!(s));
}

#[test]
fn unregister_nothing_is_a_warning() {
    let t = run(
        "v5.5",
        json!([{"op": "unregister", "allocator": "x", "expect": {"ok": null}}]),
    );
    assert!(warned(&t, 0, "No custom IOASID allocators active!"));
}

#[test]
fn inactive_allocator_becomes_active_when_those_before_go() {
    let t = run(
        "v5.5",
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1048575},
            {"op": "register", "allocator": "A", "fns": "vcmd", "host": "H"},
            {"op": "register", "allocator": "B", "fns": "pv2"},
            {"op": "unregister", "allocator": "A"},
            {"op": "alloc", "set": "sva", "min": 5, "max": 9, "expect": {"ok": 5}},
        ]),
    );
    assert!(t.last_world().active_name().contains("pv2"));
}

// ---- alloc, free, find, set_data (allocator.md: R-ALLOC-1, R-FREE-1, R-FIND-1, R-SETDATA-1) ----

#[test]
fn find_result_order() {
    run(
        "v5.5",
        json!([
            {"op": "set_create", "set": "aux"},
            {"op": "mm_create", "mm": "A", "maps": []},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "A"}},
            {"op": "alloc", "set": "aux", "min": 1, "max": 10, "data": {"domain": "D"}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10},
            {"op": "find", "set": "sva", "id": 9, "expect": {"err": "ENOENT"}},
            {"op": "find", "set": "sva", "id": 2, "expect": {"err": "EACCES"}},
            {"op": "find", "set": null, "id": 2, "expect": {"ok": {"domain": "D"}}},
            {"op": "find", "set": "sva", "id": 3, "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 1, "getter": "mm_alive", "expect": {"ok": {"mm": "A"}}},
            {"op": "mm_exit", "mm": "A"},
            {"op": "find", "set": "sva", "id": 1, "getter": "mm_alive", "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "A"}}},
        ]),
    );
}

#[test]
fn flaw1_getter_called_without_data() {
    let steps = json!([a(1, 10), {"op": "find", "set": "sva", "id": 1, "getter": "mm_alive", "expect": {"ok": null}}]);
    let t = run("v5.5", steps.clone());
    assert!(hazard(&t, 1) && t.steps[1].kernel_log.is_empty());
    assert!(!hazard(&run("improved", steps), 1));
}

#[test]
fn free_unknown_is_logged_and_backend_runs_first() {
    let t = run(
        "v5.5",
        json!([{"op": "free", "id": 3, "expect": {"ok": null}}]),
    );
    assert!(warned(&t, 0, "unknown IOASID 3"));
    let mut s = vcmd_guest();
    s.extend([a(1, 10), json!({"op": "free", "id": 1, "set": "sva"})]);
    let t = run("v5.5", json!(s));
    let order: Vec<&str> = t.steps[3].lines.to_vec();
    let backend = order.iter().position(|l| *l == "free.backend");
    let erase = order.iter().position(|l| *l == "free.erase");
    assert!(
        backend.is_some() && backend < erase,
        "backend free before erase: {order:?}"
    );
}

#[test]
fn flaw6_vcmd_free_skipped_with_data_attached() {
    let steps = |set: &str| {
        let mut s = vcmd_guest();
        s.extend([
            json!({"op": "alloc", "set": set, "min": 1, "max": 10, "data": {"driver": "K"}}),
            json!({"op": "free", "id": 1, "set": set}),
        ]);
        json!(s)
    };
    let t = run("v5.5", steps("sva"));
    assert!(
        t.last_world().hosts[&name("H")].ids.contains(1),
        "flaw 6: the host PASID leaked"
    );
    assert!(
        t.last_world().entry(1).is_none(),
        "while the guest forgot it"
    );
    let t = run("improved", steps("sva"));
    assert!(!t.last_world().hosts[&name("H")].ids.contains(1));
}

#[test]
fn flaw8_free_ownership() {
    let s = json!([
        {"op": "set_create", "set": "gpu"},
        {"op": "alloc", "set": "gpu", "min": 1, "max": 10},
        {"op": "free", "id": 1, "set": "sva"},
    ]);
    let t = run("v5.5", s.clone());
    assert!(
        t.last_world().entry(1).is_none(),
        "mainline: anyone frees anyone's ID"
    );
    let t = run("improved", s);
    assert_eq!(
        t.steps[2].result,
        ioasid_core::Outcome::Err(ioasid_core::Errno::EACCES)
    );
    assert!(t.last_world().entry(1).is_some());
}

#[test]
fn set_data_waits_for_readers_and_ext_is_busy() {
    let t = run(
        "v5.5",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "A"}},
            {"op": "read_begin", "reader": "r1", "set": "sva", "id": 1, "expect": {"ok": {"mm": "A"}}},
            {"op": "set_data", "id": 1, "data": {"mm": "B"}, "expect": {"ok": null}},
            {"op": "read_begin", "reader": "r2", "set": "sva", "id": 1, "expect": {"ok": {"mm": "B"}}},
            {"op": "read_end", "reader": "r1"},
            {"op": "set_data", "id": 7, "data": null, "expect": {"err": "ENOENT"}},
        ]),
    );
    assert_eq!(
        events(&t, 2, |e| matches!(e, Event::GraceStarted { .. })).len(),
        1
    );
    assert_eq!(
        events(&t, 4, |e| matches!(e, Event::GraceEnded { .. })).len(),
        1
    );
    assert_eq!(
        t.world_after(3).readers[&name("r1")].saw,
        Some(ioasid_core::Data::Mm("A".into())),
        "r1 still sees the old value"
    );
    run(
        "ext",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "A"}},
            {"op": "set_data", "id": 1, "data": {"mm": "B"}, "expect": {"err": "EBUSY"}},
            {"op": "detach_data", "id": 1, "expect": {"ok": null}},
            {"op": "attach_data", "id": 1, "data": {"mm": "B"}, "expect": {"ok": null}},
        ]),
    );
}

#[test]
fn deferred_binding_fault_before_and_after_bind() {
    let t = run(
        "v5.11",
        json!([
            {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 8192, "perm": "rw"}]},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1048575, "as": "p", "expect": {"ok": 1}},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
            // VT-d's own thread (v5.11): a PASID whose lookup finds no data is FAILURE.
            {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 1, "code": "FAILURE", "mm": null}]}},
            {"op": "set_data", "id": "$p", "data": {"mm": "A"}},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 2},
            {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 2, "code": "SUCCESS", "mm": "A"}]}},
        ]),
    );
    assert_eq!(
        events(&t, 3, |e| matches!(
            e,
            Event::FaultStep {
                stage: FaultStage::Lookup,
                ok: false,
                ..
            }
        ))
        .len(),
        1
    );
}

// ---- references by era (allocator.md: R-GET-1, R-PUT-1; sva.md: R-SVA-*, R-LIFE-*) ----

#[test]
fn getput_era_two_devices_one_mm() {
    run(
        "v5.11",
        json!([
            {"op": "mm_create", "mm": "A", "maps": []},
            {"op": "bind", "device": "d0", "mm": "A", "expect": {"ok": 1}},
            {"op": "bind", "device": "d1", "mm": "A", "expect": {"ok": 1}},
            {"op": "unbind", "device": "d0", "mm": "A"},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "A"}}},
            {"op": "unbind", "device": "d1", "mm": "A"},
            {"op": "find", "set": "sva", "id": 1, "expect": {"err": "ENOENT"}},
            {"op": "get", "id": 5, "expect": {"ok": null}},
            {"op": "put", "id": 5, "expect": {"ok": false}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            {"op": "get", "id": 1},
            {"op": "put", "id": 1, "expect": {"ok": false}},
            {"op": "put", "id": 1, "expect": {"ok": true}},
        ]),
    );
}

#[test]
fn mm_lifetime_era_and_off_by_one() {
    let steps = json!([
        {"op": "mm_create", "mm": "A", "maps": []},
        {"op": "bind", "device": "d0", "mm": "A", "min": 1, "max": 1048575, "expect": {"ok": 1}},
        {"op": "unbind", "device": "d0", "mm": "A"},
        {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "A"}}},
        {"op": "bind", "device": "small", "mm": "A", "min": 1, "max": 1},
        {"op": "mm_exit", "mm": "A"},
        {"op": "find", "set": "sva", "id": 1},
        {"op": "get", "id": 1, "expect": {"err": "EOPNOTSUPP"}},
    ]);
    let t = run("v5.18", steps.clone());
    assert_eq!(
        t.steps[4].result,
        ioasid_core::Outcome::Err(ioasid_core::Errno::EOVERFLOW),
        "flaw 9: >= instead of >"
    );
    // No device is bound at the exit: the PASID goes with the mm.
    assert_eq!(
        t.steps[6].result,
        ioasid_core::Outcome::Err(ioasid_core::Errno::ENOENT)
    );
    let t = run_with("v5.18", json!({"flaw_bind_off_by_one": false}), steps);
    assert_eq!(t.steps[4].result, ioasid_core::Outcome::id(1));
    // "small" is bound and holds A's mm: the PASID outlives the exit (R-LIFE-2).
    assert!(matches!(
        t.steps[6].result,
        ioasid_core::Outcome::Ok(ioasid_core::Val::Data(_))
    ));
}

#[test]
fn a_bind_checks_the_mms_pasid_against_the_device_from_v6_4_on() {
    // The second device's range ends at PASID 1: mm A's PASID 2 is beyond it, while at
    // exactly its max (the off-by-one fixed in v6.4) it is accepted.
    let steps = |last_max: u32| {
        json!([
            {"op": "mm_create", "mm": "X", "maps": []},
            {"op": "mm_create", "mm": "A", "maps": []},
            {"op": "bind", "device": "d0", "mm": "X", "expect": {"ok": 1}},
            {"op": "bind", "device": "d0", "mm": "A", "expect": {"ok": 2}},
            {"op": "bind", "device": "d1", "mm": "A", "min": 1, "max": last_max},
        ])
    };
    let t = run("v6.6", steps(1));
    assert_eq!(
        t.steps[4].result,
        ioasid_core::Outcome::Err(ioasid_core::Errno::EOVERFLOW)
    );
    let t = run("v6.6", steps(2));
    assert_eq!(t.steps[4].result, ioasid_core::Outcome::id(2));
}

#[test]
fn a_refused_bind_leaves_the_device_as_it_was() {
    for profile in ["v5.11", "improved", "v6.6"] {
        run(
            profile,
            json!([
                {"op": "mm_create", "mm": "X", "maps": []},
                {"op": "mm_create", "mm": "A", "maps": []},
                {"op": "mm_create", "mm": "C", "maps": []},
                {"op": "bind", "device": "d0", "mm": "X", "expect": {"ok": 1}},
                {"op": "bind", "device": "d0", "mm": "A", "expect": {"ok": 2}},
                {"op": "bind", "device": "d1", "mm": "A", "min": 1, "max": 1, "expect": {"err": "EOVERFLOW"}},
                // d1 was never bound: it still has the whole range.
                {"op": "bind", "device": "d1", "mm": "C", "expect": {"ok": 3}},
            ]),
        );
    }
}

#[test]
fn free_pending_states() {
    run(
        "ext",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            {"op": "get", "id": 1, "set": "sva"},
            {"op": "free", "id": 1, "set": "sva", "expect": {"ok": null}},
            {"op": "get", "id": 1, "set": "sva", "expect": {"err": "EBUSY"}},
            {"op": "free", "id": 1, "set": "sva", "expect": {"ok": null}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 2}},
            {"op": "put", "id": 1, "set": "sva", "expect": {"ok": true}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1}},
        ]),
    );
}

// ---- extension sets (extensions.md: R-EXT-*) ----

#[test]
fn quotas_tokens_owners_spids_and_set_free() {
    let t = run(
        "ext",
        json!([
            {"op": "set_create", "set": "vm1", "token": "qemu1", "quota": 2},
            {"op": "set_create", "set": "vm1b", "token": "qemu1", "expect": {"err": "EEXIST"}},
            {"op": "set_create", "set": "big", "quota": 2000000, "expect": {"err": "ENOSPC"}},
            {"op": "set_create", "set": "vm2", "token": "qemu2", "quota": 2},
            {"op": "alloc", "set": "vm1", "min": 1, "max": 100, "expect": {"ok": 1}},
            {"op": "alloc", "set": "vm1", "min": 1, "max": 100, "expect": {"ok": 2}},
            {"op": "alloc", "set": "vm1", "min": 1, "max": 100, "expect": {"err": "INVALID_IOASID"}},
            {"op": "alloc", "set": "vm2", "min": 1, "max": 100, "expect": {"ok": 3}},
            {"op": "get_if_owned", "id": 1, "mm": "qemu2", "expect": {"err": "EPERM"}},
            {"op": "get_if_owned", "id": 1, "mm": "qemu1", "expect": {"ok": null}},
            {"op": "attach_spid", "id": 1, "spid": 5, "expect": {"ok": null}},
            {"op": "attach_spid", "id": 3, "spid": 5, "expect": {"ok": null}},
            {"op": "attach_spid", "id": 2, "spid": 5, "expect": {"err": "EINVAL"}},
            {"op": "find_by_spid", "set": "vm2", "spid": 5, "expect": {"ok": 3}},
            {"op": "find", "set": "vm2", "id": 1, "expect": {"err": "EACCES"}},
            {"op": "free", "id": 1, "set": "vm2", "expect": {"err": "EACCES"}},
            {"op": "set_free", "set": "vm2", "expect": {"err": "EBUSY"}},
            {"op": "free", "id": 3, "set": "vm2"},
            {"op": "set_create", "set": "rest", "quota": 0, "expect": {"ok": null}},
        ]),
    );
    let w = t.last_world();
    assert!(
        !w.sets.contains_key(&name("vm2")),
        "the free-pending set went with its last ID"
    );
    // V4 never gives a destroyed set's quota back: vm2's 2 are lost (R-EXT-2).
    assert_eq!(
        w.sets[&name("rest")].quota,
        Some(0x10_0000 - 4),
        "quota 0 takes what is left"
    );
}

#[test]
fn notifiers_in_priority_order() {
    // improved: both chains, one priority order. ext (V4): ALLOC reaches the set's chain
    // only (R-EXT-12).
    for (profile, want) in [
        ("improved", &["kvm", "vtd", "vfio-dev"][..]),
        ("ext", &["vtd"][..]),
    ] {
        let t = run(
            profile,
            json!([
                {"op": "notifier_register", "name": "vfio-dev", "priority": "device"},
                {"op": "notifier_register", "name": "kvm", "priority": "cpu"},
                {"op": "notifier_register", "name": "vtd", "priority": "iommu", "set": "sva"},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            ]),
        );
        let order: Vec<String> = t.steps[3]
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Notified { to, .. } => Some(to.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(order, want, "{profile}");
    }
    run(
        "v5.5",
        json!([{"op": "notifier_register", "name": "k", "priority": "cpu", "expect": {"err": "EOPNOTSUPP"}}]),
    );
}

#[test]
fn a_free_reaches_the_sets_own_chain_too() {
    // improved tells of every free; V4 (ext) only of a free that leaves references
    // (R-EXT-12, core/tests/conformance_extensions.rs).
    let t = run(
        "improved",
        json!([
            {"op": "set_create", "set": "S"},
            {"op": "notifier_register", "name": "kvmS", "priority": "cpu", "set": "S"},
            {"op": "notifier_register", "name": "glob", "priority": "device"},
            {"op": "alloc", "set": "S", "min": 1, "max": 9, "expect": {"ok": 1}},
            {"op": "free", "id": 1, "set": "S", "expect": {"ok": null}},
        ]),
    );
    let told = |i: usize| -> Vec<(String, String)> {
        t.steps[i]
            .events
            .iter()
            .filter_map(|e| match e {
                Event::Notified { event, to, .. } => Some((event.to_string(), to.to_string())),
                _ => None,
            })
            .collect()
    };
    let pair = |e: &str, to: &str| (e.to_string(), to.to_string());
    assert_eq!(told(3), [pair("ALLOC", "kvmS"), pair("ALLOC", "glob")]);
    // The ID is erased as it is freed: its set's chain must still hear of it.
    assert_eq!(told(4), [pair("FREE", "kvmS"), pair("FREE", "glob")]);
}

#[test]
fn a_set_freed_with_ids_left_leaves_them_an_old_token() {
    // Before the extensions a set is a bare token: the IDs outlive it, and a new set of
    // the same name is a different token. (Invariants are checked after every step.)
    let t = run(
        "v5.5",
        json!([
            {"op": "set_create", "set": "S"},
            {"op": "alloc", "set": "S", "min": 1, "max": 9, "expect": {"ok": 1}},
            {"op": "set_free", "set": "S", "expect": {"ok": null}},
            {"op": "set_create", "set": "S"},
            {"op": "find", "set": "S", "id": 1, "expect": {"err": "EACCES"}},
            {"op": "find", "set": null, "id": 1, "expect": {"ok": null}},
            {"op": "alloc", "set": "S", "min": 1, "max": 9, "expect": {"ok": 2}},
        ]),
    );
    assert!(warned(&t, 2, "freed with IDs still carrying its token"));
}

#[test]
fn notifiers_are_limited_with_a_clear_error() {
    let mut steps: Vec<serde_json::Value> = (0..ioasid_core::set::MAX_NOTIFIERS)
        .map(|i| json!({"op": "notifier_register", "name": format!("n{i}"), "priority": "device", "expect": {"ok": null}}))
        .collect();
    steps.push(json!({"op": "notifier_register", "name": "one-too-many", "priority": "cpu", "expect": {"err": "ENOSPC"}}));
    run("improved", json!(steps));
}

// ---- faults (fault.md: R-FAULT-*) ----

fn faults_setup() -> Vec<serde_json::Value> {
    vec![
        json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]}),
        json!({"op": "bind", "device": "dev0", "mm": "A", "as": "p"}),
    ]
}

#[test]
fn groups_sticky_errors_one_response() {
    let mut s = faults_setup();
    s.extend([
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1, "last": false}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "w", "group": 1, "last": false}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1, "last": true}),
        json!({"op": "fault", "device": "dev0", "pasid": null, "addr": 4096, "perm": "r", "group": 2}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 65536, "perm": "r", "group": 3}),
        json!({"op": "run_faults", "expect": {"ok": [
            {"device": "dev0", "pasid": 1, "group": 1, "code": "INVALID", "mm": null},
            {"device": "dev0", "pasid": null, "group": 2, "code": "INVALID", "mm": null},
            {"device": "dev0", "pasid": 1, "group": 3, "code": "INVALID", "mm": null}]}}),
    ]);
    // The generic handler alone (v5.18's VT-d front end would refuse group 2 before
    // the queue: see conformance_fault.rs).
    let t = run_with("v5.18", json!({"vtd_front_end": false}), json!(s));
    let stages: Vec<FaultStage> = t.steps[7]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::FaultStep { stage, .. } => Some(*stage),
            _ => None,
        })
        .collect();
    assert_eq!(
        stages,
        [
            FaultStage::Done,
            FaultStage::Permission,
            FaultStage::Skipped,
            FaultStage::NoPasid,
            FaultStage::Mapping
        ]
    );
}

#[test]
fn overflow_discards_partials() {
    let mut s = faults_setup();
    s.extend([
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1, "last": false}),
        json!({"op": "overflow", "device": "dev0"}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 2}),
        json!({"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 2, "code": "SUCCESS", "mm": "A"}]}}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1}),
    ]);
    // The generic handler holds partial requests (VT-d's own thread of v5.11 holds none).
    let t = run("v5.18", json!(s));
    let abandoned = |i: usize| t.world_after(i).devices[&name("dev0")].abandoned.clone();
    assert_eq!(
        abandoned(3),
        [(1, 1)].into(),
        "group 1 never forms: its one held request was discarded"
    );
    assert_eq!(abandoned(5), [(1, 1)].into(), "still unanswered");
    assert!(abandoned(6).is_empty(), "group 1 sent again forms anew");
}

#[test]
fn a_flush_answers_only_its_devices_groups_and_the_rest_keep_their_order() {
    let mut s = faults_setup();
    s.push(json!({"op": "bind", "device": "dev1", "mm": "A"}));
    for (device, group) in [
        ("dev0", 1),
        ("dev1", 2),
        ("dev0", 3),
        ("dev1", 4),
        ("dev0", 5),
    ] {
        s.push(json!({"op": "fault", "device": device, "pasid": "$p", "addr": 4096, "perm": "r", "group": group}));
    }
    let answer = |device: &str, group: u32| json!({"device": device, "pasid": 1, "group": group, "code": "SUCCESS", "mm": "A"});
    s.extend([
        json!({"op": "flush", "device": "dev0", "expect": {"ok": [answer("dev0", 1), answer("dev0", 3), answer("dev0", 5)]}}),
        json!({"op": "flush", "device": "dev0", "expect": {"ok": []}}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 6}),
        json!({"op": "run_faults", "expect": {"ok": [answer("dev1", 2), answer("dev1", 4), answer("dev0", 6)]}}),
    ]);
    run("v5.11", json!(s));
}

#[test]
fn wildcard_lookup_returns_another_modules_data() {
    let steps = json!([
        {"op": "set_create", "set": "aux"},
        {"op": "alloc", "set": "aux", "min": 1, "max": 9, "data": {"domain": "D"}},
        {"op": "fault", "device": "dev0", "pasid": 1, "addr": 4096, "perm": "r", "group": 1},
        {"op": "run_faults"},
    ]);
    let hazard =
        |t: &ioasid_core::Trace| events(t, 3, |e| matches!(e, Event::Hazard { id: 1, .. })).len();
    // v5.5's VT-d thread looks PASIDs up with a wildcard: the kernel prints nothing,
    // the model flags the type confusion as a hazard.
    let t = run("v5.5", steps.clone());
    assert_eq!(hazard(&t), 1);
    assert!(t.steps[3].kernel_log.is_empty());
    let t = run_with("v5.5", json!({"wildcard_fault_lookup": false}), steps);
    assert_eq!(hazard(&t), 0);
    assert_eq!(
        events(&t, 3, |e| matches!(
            e,
            Event::FaultStep {
                stage: FaultStage::Lookup,
                ..
            }
        ))
        .len(),
        1,
        "EACCES at the lookup"
    );
}

#[test]
fn flaw7_stale_fault_hits_next_owner() {
    let steps = json!([
        {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "rw"}]},
        {"op": "mm_create", "mm": "B", "maps": [{"start": 4096, "len": 4096, "perm": "rw"}]},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "data": {"mm": "A"}},
        {"op": "fault", "device": "dev0", "pasid": 1, "addr": 4096, "perm": "w", "group": 1},
        {"op": "free", "id": 1, "set": "sva"},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "data": {"mm": "B"}},
        {"op": "run_faults"},
    ]);
    let t = run("v5.5", steps.clone());
    assert_eq!(
        t.steps[5].result,
        ioasid_core::Outcome::id(1),
        "reused at once"
    );
    let served = format!("{:?}", t.steps[6].result);
    assert!(
        served.contains("SUCCESS") && served.contains("\"B\""),
        "stale fault served by B: {served}"
    );
    let t = run("improved", steps);
    assert_eq!(
        t.steps[5].result,
        ioasid_core::Outcome::id(2),
        "quarantined: 1 is not reused"
    );
    let served = format!("{:?}", t.steps[6].result);
    assert!(
        served.contains("INVALID"),
        "the stale fault is refused: {served}"
    );
    assert!(
        t.last_world().entry(1).is_none() && !t.last_world().active_store().contains(1),
        "released after the queue drained"
    );
}

/// Guest PASIDs are host PASIDs (section 7): a quarantined PASID must stay out of the
/// host's hands too, or another guest gets it while requests for it are pending.
#[test]
fn a_quarantined_vcmd_pasid_stays_allocated_at_the_host_until_released() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "rw"}]}),
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 9, "data": {"mm": "A"}, "expect": {"ok": 1}}),
        json!({"op": "fault", "device": "dev0", "pasid": 1, "addr": 4096, "perm": "w", "group": 1}),
        json!({"op": "free", "id": 1, "set": "sva"}),
        // The other guest on the same host.
        json!({"op": "host_alloc", "host": "H", "guest": "vm2", "expect": {"ok": 2}}),
        // This guest's next alloc: the host answers a free PASID, not the quarantined one.
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 3}}),
        json!({"op": "run_faults"}),
        json!({"op": "host_alloc", "host": "H", "guest": "vm2", "expect": {"ok": 1}}),
    ]);
    let t = run("improved", json!(s));
    let host = &t.world_after(5).hosts[&name("H")];
    assert!(host.ids.contains(1), "held at the host while quarantined");
    assert_eq!(
        t.world_after(7).active_store().get(1).map(|e| e.state),
        Some(ioasid_core::space::IdState::Quarantined),
        "still quarantined in the guest until the queue drains"
    );
    assert!(
        t.steps[8].events.iter().any(|e| matches!(
            e,
            Event::HostFree {
                id: 1,
                skipped: false,
                ..
            }
        )),
        "the host free is sent when the quarantine ends"
    );
}

#[test]
fn unbind_drains_pending_faults_first() {
    let mut s = faults_setup();
    s.extend([
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1}),
        json!({"op": "unbind", "device": "dev0", "mm": "A"}),
    ]);
    let t = run("v5.11", json!(s));
    assert!(t.last_world().queue.is_empty());
    assert_eq!(events(&t, 3, |e| matches!(e, Event::Responded(_))).len(), 1);
}

// ---- v6.6 ----

#[test]
fn v66_global_pasid_and_domains() {
    let t = run(
        "v6.6",
        json!([
            {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]},
            {"op": "bind", "device": "d0", "mm": "A", "max": 15, "expect": {"ok": 1}},
            {"op": "attach_pasid", "device": "d0", "pasid": 1, "domain": "X", "expect": {"err": "EBUSY"}},
            {"op": "attach_pasid", "device": "d0", "pasid": 2, "domain": "X", "expect": {"ok": null}},
            {"op": "fault", "device": "d0", "pasid": 1, "addr": 4096, "perm": "r", "group": 1},
            {"op": "fault", "device": "d0", "pasid": 2, "addr": 4096, "perm": "r", "group": 2},
            {"op": "run_faults", "expect": {"ok": [
                {"device": "d0", "pasid": 1, "group": 1, "code": "SUCCESS", "mm": "A"},
                {"device": "d0", "pasid": 2, "group": 2, "code": "INVALID", "mm": null}]}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"err": "EOPNOTSUPP"}},
            // A's PASID 1 outlives the exit: d0's SVA domain holds A's mm (R-LIFE-3).
            {"op": "mm_exit", "mm": "A"},
            {"op": "mm_create", "mm": "B", "maps": []},
            {"op": "bind", "device": "d1", "mm": "B", "expect": {"ok": 2}},
        ]),
    );
    assert!(t.last_world().attachments.len() == 3);
}

#[test]
fn v64_unsigned_error_pasid_toggle() {
    let steps = json!([
        {"op": "mm_create", "mm": "A", "maps": []},
        {"op": "mm_create", "mm": "B", "maps": []},
        {"op": "bind", "device": "d0", "mm": "A", "max": 1},
        {"op": "bind", "device": "d0", "mm": "B", "max": 1},
    ]);
    let t = run("v6.6", steps.clone());
    assert_eq!(
        t.steps[3].result,
        ioasid_core::Outcome::Err(ioasid_core::Errno::ENOSPC)
    );
    let t = run_with("v6.6", json!({"flaw_unsigned_error_pasid": true}), steps);
    assert_eq!(
        t.steps[3].result,
        ioasid_core::Outcome::id(0xFFFF_FFE4),
        "-ENOSPC as an unsigned PASID"
    );
}

#[test]
fn fault_path_calls_the_getter_like_the_kernel() {
    let steps = json!([
        {"op": "alloc", "set": "sva", "min": 1, "max": 9},
        {"op": "fault", "device": "d0", "pasid": 1, "addr": 4096, "perm": "r", "group": 1},
        {"op": "run_faults"},
    ]);
    // The generic handler's iommu_sva_find calls the getter (VT-d's own thread of
    // v5.5/v5.11 passes none); v5.18's VT-d front end would refuse the unbound PASID.
    let t = run_with("v5.18", json!({"vtd_front_end": false}), steps.clone());
    assert!(hazard(&t, 2), "flaw 1 shows on the fault path");
    assert!(
        t.steps[2].explain.contains("no data yet"),
        "{}",
        t.steps[2].explain
    );
    let t = run("improved", steps);
    assert!(!hazard(&t, 2));
}

#[test]
fn v66_detach_and_free_while_attached() {
    let t = run(
        "v6.6",
        json!([
            {"op": "alloc", "min": 1, "max": 9, "expect": {"ok": 1}},
            {"op": "attach_pasid", "device": "d0", "pasid": 1, "domain": "D"},
            {"op": "free", "id": 1},
            {"op": "detach_pasid", "device": "d0", "pasid": 1, "expect": {"ok": null}},
            {"op": "detach_pasid", "device": "d0", "pasid": 1, "expect": {"err": "ENOENT"}},
        ]),
    );
    // The kernel checks no attachment and prints nothing: a hazard (R-SVA-8).
    assert!(t.steps[2].kernel_log.is_empty());
    assert!(t.steps[2]
        .events
        .iter()
        .any(|e| matches!(e, Event::Hazard { what, .. } if what.contains("still attached on d0"))));
    run(
        "v5.5",
        json!([{"op": "detach_pasid", "device": "d0", "pasid": 1, "expect": {"err": "EOPNOTSUPP"}}]),
    );
}

#[test]
fn reuse_note_only_for_first_fit_allocations() {
    let t = run(
        "v5.11",
        json!([
            {"op": "mm_create", "mm": "A", "maps": []},
            {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "bind", "device": "d0", "mm": "A", "expect": {"ok": 1}},
            {"op": "bind", "device": "d1", "mm": "A", "expect": {"ok": 1}},
        ]),
    );
    assert!(
        t.steps[3].explain.contains("was freed at step 3"),
        "{}",
        t.steps[3].explain
    );
    assert!(
        !t.steps[4].explain.contains("was freed"),
        "sharing is not reuse: {}",
        t.steps[4].explain
    );
}

// ---- the vcmd allocator checks the requested range only (allocator.md: R-VCMD-1, R-VCMD-2) ----

#[test]
fn vcmd_checks_only_the_requested_range() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "alloc", "set": "sva", "min": 0, "max": 10, "expect": {"err": "INVALID_IOASID"}}),
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 2000000, "expect": {"err": "INVALID_IOASID"}}),
        json!({"op": "host_answer", "host": "H", "answers": [1048575]}),
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 10, "expect": {"ok": 1048575}}),
    ]);
    let t = run("v5.5", json!(s.clone()));
    assert!(
        t.last_world().hosts[&name("H")].ids.len() == 1,
        "the refused requests never reached the host"
    );
    assert!(hazard(&t, 5), "the answer itself is not checked");
    let mut s2 = s;
    s2[2] = json!({"op": "alloc", "set": "sva", "min": 0, "max": 10, "expect": {"err": "EINVAL"}});
    s2[3] =
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 2000000, "expect": {"err": "EINVAL"}});
    s2[5] = json!({"op": "alloc", "set": "sva", "min": 1, "max": 10, "expect": {"err": "EINVAL"}});
    run("improved", json!(s2));
}

#[test]
fn every_listed_knob_can_be_flipped_alone() {
    for info in ioasid_core::profile::BOOL_KNOBS {
        for p in ioasid_core::Profile::ALL {
            let base = p.knobs();
            let on = serde_json::Map::from_iter([(info.name.to_string(), json!(true))]);
            let off = serde_json::Map::from_iter([(info.name.to_string(), json!(false))]);
            let (a, b) = (
                base.with_overrides(&on).expect(info.name),
                base.with_overrides(&off).expect(info.name),
            );
            assert_ne!(a, b, "{} changes the knobs", info.name);
            let differing = [&a, &b].iter().filter(|k| ***k != base).count();
            assert_eq!(
                differing, 1,
                "{} under {p}: exactly one of on/off differs from the profile",
                info.name
            );
        }
    }
    let names: Vec<&str> = ioasid_core::profile::BOOL_KNOBS
        .iter()
        .map(|k| k.name)
        .collect();
    let all = serde_json::to_value(ioasid_core::Profile::V5_5.knobs()).expect("knobs");
    for k in all.as_object().expect("object").keys() {
        assert!(
            k == "refs" || names.contains(&k.as_str()),
            "knob {k} is missing from BOOL_KNOBS"
        );
    }
}

// ---- behaviours a coverage audit found without an asserting test ----

/// Section 2: the SVA helper's "no PASID left" is `ENOMEM` in v5.11-v6.3; improved
/// says `ENOSPC`, and the knob alone decides it.
#[test]
fn a_bind_with_the_devices_range_used_up_is_enomem_in_the_sva_era() {
    let steps = json!([
        {"op": "mm_create", "mm": "A", "maps": []},
        {"op": "mm_create", "mm": "B", "maps": []},
        {"op": "bind", "device": "d0", "mm": "A", "min": 1, "max": 1},
        {"op": "bind", "device": "d0", "mm": "B", "min": 1, "max": 1},
    ]);
    let err = |t: &ioasid_core::Trace| t.steps[3].result.clone();
    use ioasid_core::Errno::{ENOMEM, ENOSPC};
    assert_eq!(err(&run("v5.11", steps.clone())), Outcome::Err(ENOMEM));
    assert_eq!(err(&run("v5.18", steps.clone())), Outcome::Err(ENOMEM));
    assert_eq!(err(&run("improved", steps.clone())), Outcome::Err(ENOSPC));
    let t = run_with("v5.11", json!({"sva_enomem": false}), steps);
    assert_eq!(err(&t), Outcome::Err(ENOSPC));
}

/// Section 4: freeing erases the ID at once, the record goes after a grace period: a
/// reader that loaded it before the free keeps what it saw, while the number is
/// handed out again.
#[test]
fn a_reader_in_flight_keeps_its_value_across_a_free() {
    let t = run(
        "v5.5",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "A"}},
            {"op": "read_begin", "reader": "r1", "set": "sva", "id": 1},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "B"}, "expect": {"ok": 1}},
        ]),
    );
    assert_eq!(
        t.last_world().readers[&name("r1")].saw,
        Some(ioasid_core::Data::Mm("A".into())),
        "the reader still holds the old record"
    );
}

/// Section 5, v5.11: `get` of an unknown ID is a warning only, `put` of one is logged
/// and returns false.
#[test]
fn get_and_put_of_an_unknown_id_warn_in_the_get_put_era() {
    let t = run(
        "v5.11",
        json!([
            {"op": "get", "id": 5, "expect": {"ok": null}},
            {"op": "put", "id": 5, "expect": {"ok": false}},
        ]),
    );
    assert!(
        warned(&t, 0, "WARNING: at drivers/iommu/ioasid.c:362"),
        "{:?}",
        t.steps[0].kernel_log
    );
    assert!(
        warned(&t, 1, "Trying to free unknown IOASID 5"),
        "{:?}",
        t.steps[1].kernel_log
    );
}

/// Section 5, extensions: IDLE until freed (V4 never assigns ACTIVE); a free with
/// references held notifies FREE once, however often it is repeated.
#[test]
fn ext_states_and_one_free_notification() {
    let t = run(
        "ext",
        json!([
            {"op": "notifier_register", "name": "n", "priority": "device"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            {"op": "attach_data", "id": 1, "data": {"mm": "A"}},
            {"op": "get", "id": 1, "set": "sva"},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "free", "id": 1, "set": "sva"},
            {"op": "put", "id": 1, "set": "sva", "expect": {"ok": true}},
        ]),
    );
    use ioasid_core::space::IdState;
    let state = |i: usize| t.world_after(i).entry(1).map(|e| e.state);
    assert_eq!(state(1), Some(IdState::Idle));
    // V4 never assigns ACTIVE (R-EXT-4); improved does, see conformance_extensions.rs.
    assert_eq!(state(2), Some(IdState::Idle));
    assert_eq!(state(4), Some(IdState::FreePending));
    assert_eq!(state(6), None, "the last put reclaims it");
    let frees: usize = (0..t.len())
        .map(|i| {
            events(
                &t,
                i,
                |e| matches!(e, Event::Notified { event, .. } if event == "FREE"),
            )
            .len()
        })
        .sum();
    assert_eq!(frees, 1, "holders are told once");
}

/// Section 6: a `get` through the wrong set is `EACCES`, like a lookup.
#[test]
fn ext_get_through_the_wrong_set_is_eacces() {
    run(
        "ext",
        json!([
            {"op": "set_create", "set": "gpu"},
            {"op": "alloc", "set": "gpu", "min": 1, "max": 9},
            {"op": "get", "id": 1, "set": "sva", "expect": {"err": "EACCES"}},
            {"op": "get", "id": 1, "set": "gpu", "expect": {"ok": null}},
        ]),
    );
}

/// Section 6: notifiers hear BIND and UNBIND too (improved; V4 sends them only from
/// the guest-PASID calls, R-EXT-12).
#[test]
fn notifiers_hear_bind_and_unbind() {
    let t = run(
        "improved",
        json!([
            {"op": "notifier_register", "name": "n", "priority": "device"},
            {"op": "mm_create", "mm": "A", "maps": []},
            {"op": "bind", "device": "d0", "mm": "A"},
            {"op": "unbind", "device": "d0", "mm": "A"},
        ]),
    );
    let told = |i: usize, what: &str| {
        events(
            &t,
            i,
            |e| matches!(e, Event::Notified { event, .. } if event == what),
        )
        .len()
    };
    assert_eq!(told(2, "BIND"), 1);
    assert_eq!(told(3, "UNBIND"), 1);
}

/// Section 7: the host only logs a free of a PASID it does not know.
#[test]
fn a_vcmd_free_of_a_pasid_the_host_does_not_know_is_only_logged() {
    let mut s = vcmd_guest();
    s.extend([
        json!({"op": "alloc", "set": "sva", "min": 1, "max": 10, "expect": {"ok": 1}}),
        json!({"op": "host_free", "host": "H", "id": 1}),
        json!({"op": "free", "id": 1, "set": "sva", "expect": {"ok": null}}),
    ]);
    let t = run("v5.5", json!(s));
    assert!(
        warned(&t, 4, "DMAR: IOMMU: viommu0: Invalid PASID"),
        "{:?}",
        t.steps[4].kernel_log
    );
    assert!(
        t.last_world().entry(1).is_none(),
        "the guest's free went ahead"
    );
}

/// Section 8: a request for a PASID whose mm is exiting is answered INVALID, stopped by
/// the getter.
#[test]
fn a_fault_for_an_exited_mm_is_invalid_at_the_getter() {
    let mut s = faults_setup();
    s.extend([
        json!({"op": "mm_exit", "mm": "A"}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1}),
        json!({"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 1, "code": "INVALID", "mm": null}]}}),
    ]);
    let t = run("v5.11", json!(s));
    let stopped = events(&t, 4, |e| {
        matches!(
            e,
            Event::FaultStep {
                stage: FaultStage::Getter,
                ok: false,
                ..
            }
        )
    });
    assert_eq!(stopped.len(), 1);
}

/// Section 8: one response per group, built from its last request.
#[test]
fn a_groups_response_carries_its_last_requests_pasid() {
    let mut s = faults_setup();
    s.extend([
        json!({"op": "mm_create", "mm": "B", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]}),
        json!({"op": "bind", "device": "dev0", "mm": "B", "as": "q"}),
        json!({"op": "fault", "device": "dev0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1, "last": false}),
        json!({"op": "fault", "device": "dev0", "pasid": "$q", "addr": 4096, "perm": "r", "group": 1}),
        json!({"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 2, "group": 1, "code": "SUCCESS", "mm": "B"}]}}),
    ]);
    run("v5.11", json!(s));
}

/// Knobs marked `ioasid_only` change nothing once `global_pasid` is on (the UI disables
/// them there): every built-in lesson, and a scenario using each v6.6 op, run the same
/// under v6.6 with the knob on and off.
#[test]
fn ioasid_only_knobs_change_nothing_without_the_ioasid_allocator() {
    let v66 = json!({"format": 1, "title": "v6.6 ops", "profile": "v6.6", "steps": [
        {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]},
        {"op": "mm_create", "mm": "B", "maps": []},
        {"op": "bind", "device": "d0", "mm": "A", "as": "p"},
        {"op": "bind", "device": "d1", "mm": "A", "max": 1},
        {"op": "bind", "device": "d0", "mm": "B", "max": 1},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9},
        {"op": "attach_pasid", "device": "d0", "pasid": 2, "domain": "D"},
        {"op": "attach_pasid", "device": "d0", "pasid": 2, "domain": "E"},
        {"op": "fault", "device": "d0", "pasid": "$p", "addr": 4096, "perm": "r", "group": 1, "last": false},
        {"op": "fault", "device": "d0", "pasid": 2, "addr": 4096, "perm": "w", "group": 2},
        {"op": "fault", "device": "d1", "pasid": 9, "addr": 4096, "perm": "r", "group": 3},
        {"op": "overflow", "device": "d0"},
        {"op": "run_faults"},
        {"op": "find", "set": "sva", "id": 1, "getter": "mm_alive"},
        {"op": "set_data", "id": 2, "data": {"mm": "B"}},
        {"op": "free", "id": 2, "set": "sva"},
        {"op": "free", "id": 7},
        {"op": "register", "allocator": "g", "fns": "vcmd"},
        {"op": "unregister", "allocator": "g"},
        {"op": "unbind", "device": "d0", "mm": "A"},
        {"op": "mm_exit", "mm": "A"},
        {"op": "alloc", "set": null, "min": 1, "max": 1},
    ]});
    let mut lessons: Vec<Lesson> = ioasid_core::lessons::ALL
        .iter()
        .map(|b| Lesson::parse(b.json).expect(b.id))
        .collect();
    lessons.push(Lesson::from_value(v66).expect("scenario"));
    let seen = |l: &Lesson, knobs: &ioasid_core::Knobs| -> Vec<String> {
        Runner::new(l, ioasid_core::Profile::V6_6, knobs.clone(), true)
            .finish()
            .steps
            .iter()
            .map(|s| {
                format!(
                    "{:?} {:?} {:?} {}",
                    s.result, s.kernel_log, s.events, s.explain
                )
            })
            .collect()
    };
    let base = ioasid_core::Profile::V6_6.knobs();
    for info in ioasid_core::profile::BOOL_KNOBS
        .iter()
        .filter(|k| k.ioasid_only)
    {
        for value in [true, false] {
            let flipped = serde_json::Map::from_iter([(info.name.to_string(), json!(value))]);
            let knobs = base.with_overrides(&flipped).expect(info.name);
            for l in &lessons {
                assert_eq!(
                    seen(l, &base),
                    seen(l, &knobs),
                    "{} = {value} changed lesson '{}' under v6.6",
                    info.name,
                    l.title
                );
            }
        }
    }
}
