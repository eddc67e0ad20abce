//! Conformance tests of the fault path: one per rule of docs/kernel-reference/fault.md,
//! named after it, each citing the kernel source it follows.
mod common;
use common::*;
use ioasid_core::space::name;
use ioasid_core::trace::{Code, Event, FaultStage, Outcome, Response, Val};
use serde_json::json;

/// Process A maps one read-only page at 0x1000; dev0 is bound to it (PASID 1).
fn bound() -> Vec<serde_json::Value> {
    vec![
        json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]}),
        json!({"op": "bind", "device": "dev0", "mm": "A", "as": "p", "expect": {"ok": 1}}),
    ]
}

fn with(mut steps: Vec<serde_json::Value>, more: serde_json::Value) -> serde_json::Value {
    steps.extend(more.as_array().cloned().unwrap_or_default());
    json!(steps)
}

/// The responses step `i` returned.
fn responses(t: &ioasid_core::Trace, i: usize) -> Vec<Response> {
    match &t.steps[i].result {
        Outcome::Ok(Val::Responses(r)) => r.clone(),
        other => panic!("step {i} returned {other:?}, not responses"),
    }
}

/// The responses recorded as events at step `i` (sent during that step).
fn responded(t: &ioasid_core::Trace, i: usize) -> Vec<Response> {
    t.steps[i]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Responded(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn stages(t: &ioasid_core::Trace, i: usize) -> Vec<FaultStage> {
    t.steps[i]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::FaultStep { stage, .. } => Some(*stage),
            _ => None,
        })
        .collect()
}

/// R-FAULT-1. VT-d's own `prq_event_thread` (drivers/iommu/intel-svm.c v5.5,
/// drivers/iommu/intel/svm.c v5.11) handles each page request alone, as it reads it:
/// no request is held, no group is formed, an error is not sticky, and only the last
/// request of a group is answered, with its own result. The PASID is looked up with
/// `ioasid_find(NULL, pasid, NULL)`: any set, no getter.
/// https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/intel/svm.c
#[test]
fn r_fault_1_vtd_prq_handles_each_request_alone() {
    for profile in ["v5.5", "v5.11"] {
        let steps = with(
            bound(),
            json!([
                {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x9000", "perm": "r", "group": 1, "last": false},
                {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
                {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 1, "code": "SUCCESS", "mm": "A"}]}},
            ]),
        );
        let t = run(profile, steps);
        assert!(
            t.world_after(2).devices[&name("dev0")].partial.is_empty(),
            "[{profile}] nothing is held"
        );
        assert_eq!(
            stages(&t, 4),
            [FaultStage::Mapping, FaultStage::Done],
            "[{profile}] both requests handled, the first failing alone"
        );
        // The wildcard lookup finds an mm stored in any set.
        let t = run(
            profile,
            json!([
                {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]},
                {"op": "set_create", "set": "aux"},
                {"op": "alloc", "set": "aux", "min": 1, "max": 9, "data": {"mm": "A"}},
                {"op": "fault", "device": "dev0", "pasid": 1, "addr": "0x1000", "perm": "r", "group": 1},
                {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 1, "code": "SUCCESS", "mm": "A"}]}},
            ]),
        );
        assert_eq!(stages(&t, 4), [FaultStage::Done]);
    }
}

/// R-FAULT-2. VT-d's thread starts each request's result at FAILURE and sets INVALID
/// only once the PASID is found; so a request without a PASID, or for a PASID the
/// lookup does not find, is answered FAILURE, with the "Page request without PASID" /
/// "Page request for invalid PASID" lines (two descriptor words). The patch "Use INVALID
/// response code instead of FAILURE" (3aa7c62cb7d7) is in v5.12, not v5.11.
/// https://elixir.bootlin.com/linux/v5.11/source/drivers/iommu/intel/svm.c
#[test]
fn r_fault_2_vtd_prq_answers_failure_before_the_pasid_is_found() {
    for profile in ["v5.5", "v5.11"] {
        let steps = with(
            bound(),
            json!([
                {"op": "fault", "device": "dev0", "pasid": null, "addr": "0x1000", "perm": "r", "group": 1},
                {"op": "fault", "device": "dev0", "pasid": 7, "addr": "0x1000", "perm": "r", "group": 2},
                {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x9000", "perm": "r", "group": 3},
                {"op": "run_faults", "expect": {"ok": [
                    {"device": "dev0", "pasid": null, "group": 1, "code": "FAILURE", "mm": null},
                    {"device": "dev0", "pasid": 7, "group": 2, "code": "FAILURE", "mm": null},
                    {"device": "dev0", "pasid": 1, "group": 3, "code": "INVALID", "mm": null}]}},
            ]),
        );
        let t = run(profile, steps);
        assert_eq!(
            t.steps[5].kernel_log,
            [
                "dmar0: Page request without PASID: 00000001 0000100d",
                "dmar0: Page request for invalid PASID 7: 700000101 00001015",
            ],
            "[{profile}]"
        );
    }
}

/// R-FAULT-3. v5.16-v6.1 VT-d checks each request before it reaches the generic queue:
/// no PASID ("Page request without PASID"), a PASID VT-d has no `intel_svm` for
/// (`pasid_private_find`), or a device not bound to it (`svm_lookup_device_by_sid`)
/// goes to `handle_bad_prq_event`, which logs "Invalid page request" and answers
/// INVALID (only for the last request of a group) without queueing.
/// https://elixir.bootlin.com/linux/v5.18/source/drivers/iommu/intel/svm.c
#[test]
fn r_fault_3_vtd_front_end_refuses_an_unbound_device() {
    let steps = with(
        bound(),
        json!([
            {"op": "unbind", "device": "dev0", "mm": "A"},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
            {"op": "run_faults", "expect": {"ok": []}},
            {"op": "fault", "device": "dev0", "pasid": null, "addr": "0x1000", "perm": "r", "group": 2},
        ]),
    );
    let t = run("v5.18", steps);
    let refused = |group: u32, pasid: Option<u32>| Response {
        device: name("dev0"),
        pasid,
        group,
        code: Code::INVALID,
        mm: None,
    };
    assert_eq!(responded(&t, 3), [refused(1, Some(1))]);
    assert_eq!(
        t.steps[3].kernel_log,
        ["dmar0: Invalid page request: 100000101 0000100d"]
    );
    assert!(t.world_after(3).queue.is_empty(), "never queued");
    assert_eq!(responded(&t, 5), [refused(2, None)]);
    assert_eq!(
        t.steps[5].kernel_log,
        [
            "IOMMU: dmar0: Page request without PASID",
            "dmar0: Invalid page request: 00000001 00001015"
        ]
    );
}

/// R-FAULT-4. The generic handler of v5.13-v6.1 (`iommu_queue_iopf`,
/// `iopf_handle_group`, drivers/iommu/io-pgfault.c): requests that are not the last
/// are held; the last forms the group; requests run in order, errors are sticky, and
/// one response goes back, from the last request; `iommu_sva_find` searches the SVA
/// set with the mm getter. https://elixir.bootlin.com/linux/v5.18/source/drivers/iommu/io-pgfault.c
#[test]
fn r_fault_4_generic_handler_groups_with_sticky_errors() {
    let steps = with(
        bound(),
        json!([
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1, "last": false},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "w", "group": 1, "last": false},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
            {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 1, "code": "INVALID", "mm": null}]}},
        ]),
    );
    for profile in ["v5.18", "improved"] {
        let t = run(profile, steps.clone());
        assert_eq!(
            stages(&t, 5),
            [
                FaultStage::Done,
                FaultStage::Permission,
                FaultStage::Skipped
            ]
        );
        assert_eq!(t.world_after(3).devices[&name("dev0")].held(), 2);
    }
}

/// R-FAULT-5. v6.2-v6.6 `iopf_handler` looks the domain up when the work runs, once per
/// group, at the last request's PASID, and gives every request of the group to that
/// domain's handler. https://elixir.bootlin.com/linux/v6.6/source/drivers/iommu/io-pgfault.c#L51
#[test]
fn r_fault_5_v66_domain_looked_up_once_per_group() {
    let steps = with(
        bound(),
        json!([
            {"op": "fault", "device": "dev0", "pasid": 99, "addr": "0x1000", "perm": "r", "group": 5, "last": false},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 5},
            {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 5, "code": "SUCCESS", "mm": "A"}]}},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 6, "last": false},
            {"op": "fault", "device": "dev0", "pasid": 99, "addr": "0x1000", "perm": "r", "group": 6},
            {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": 99, "group": 6, "code": "INVALID", "mm": null}]}},
        ]),
    );
    let t = run("v6.6", steps);
    assert_eq!(stages(&t, 4), [FaultStage::Done, FaultStage::Done]);
    assert_eq!(
        stages(&t, 7),
        [FaultStage::Domain, FaultStage::Skipped],
        "no domain at the last request's PASID: no handler runs"
    );
}

/// R-FAULT-6. v6.6 `iommu_sva_handle_iopf`: no PASID, an exiting mm, no VMA
/// (`vma_lookup`), or rights the VMA lacks: INVALID; else SUCCESS.
/// https://elixir.bootlin.com/linux/v6.6/source/drivers/iommu/iommu-sva.c#L152
#[test]
fn r_fault_6_v66_sva_domain_handler() {
    let steps = with(
        bound(),
        json!([
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x9000", "perm": "r", "group": 1},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "w", "group": 2},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 3},
            {"op": "run_faults", "expect": {"ok": [
                {"device": "dev0", "pasid": 1, "group": 1, "code": "INVALID", "mm": null},
                {"device": "dev0", "pasid": 1, "group": 2, "code": "INVALID", "mm": null},
                {"device": "dev0", "pasid": 1, "group": 3, "code": "SUCCESS", "mm": "A"}]}},
        ]),
    );
    let t = run("v6.6", steps);
    assert_eq!(
        stages(&t, 5),
        [
            FaultStage::Mapping,
            FaultStage::Permission,
            FaultStage::Done
        ]
    );
}

/// R-FAULT-7. A page request queue overflow: VT-d's own thread of v5.5/v5.11 holds no
/// request, so nothing is lost and nothing is logged (v5.11 clears the overflow bit
/// silently; the "PRQ overflow detected/cleared" lines arrived in v5.12, 28a77185f1cd).
/// From v5.14 VT-d also calls `iopf_queue_discard_partial`, which drops the held
/// requests of every device on the IOMMU's queue.
/// https://elixir.bootlin.com/linux/v6.6/source/drivers/iommu/intel/svm.c
#[test]
fn r_fault_7_overflow() {
    let partials = json!([
        {"op": "bind", "device": "dev1", "mm": "A"},
        {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1, "last": false},
        {"op": "fault", "device": "dev1", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 2, "last": false},
        {"op": "overflow", "device": "dev0"},
        {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
        {"op": "fault", "device": "dev1", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 2},
    ]);
    for profile in ["v5.18", "v6.6"] {
        let t = run(profile, with(bound(), partials.clone()));
        assert_eq!(
            t.steps[5].kernel_log,
            [
                "IOMMU: dmar0: PRQ overflow detected",
                "IOMMU: dmar0: PRQ overflow cleared"
            ],
            "[{profile}]"
        );
        for (i, device) in [(6, "dev0"), (7, "dev1")] {
            let formed = events(&t, i, |e| {
                matches!(e, Event::FaultQueued { requests: 1, .. })
            });
            assert_eq!(
                formed.len(),
                1,
                "[{profile}] {device}'s partial was dropped"
            );
        }
    }
    for profile in ["v5.5", "v5.11"] {
        let t = run(profile, with(bound(), partials.clone()));
        assert!(t.steps[5].kernel_log.is_empty(), "[{profile}]");
        assert_eq!(t.world_after(5).queue.len(), 2, "[{profile}] nothing lost");
    }
}

/// R-FAULT-8. `iopf_queue_flush_dev` (drivers/iommu/io-pgfault.c) waits for every
/// queued group to be handled; a driver flushes before it tears a PASID down. After a
/// `flush` of a device none of its groups is pending, under every profile.
/// https://elixir.bootlin.com/linux/v5.18/source/drivers/iommu/io-pgfault.c
#[test]
fn r_fault_8_flush_handles_the_devices_groups() {
    for profile in ["v5.5", "v5.11", "v5.18", "ext", "improved", "v6.6"] {
        let steps = with(
            bound(),
            json!([
                {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
                {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 2},
                {"op": "flush", "device": "dev0", "expect": {"ok": [
                    {"device": "dev0", "pasid": 1, "group": 1, "code": "SUCCESS", "mm": "A"},
                    {"device": "dev0", "pasid": 1, "group": 2, "code": "SUCCESS", "mm": "A"}]}},
            ]),
        );
        let t = run(profile, steps);
        assert!(t.last_world().queue.is_empty(), "[{profile}]");
        assert_eq!(responses(&t, 4).len(), 2);
    }
}

/// M-FAULT-3. The wildcard lookup of VT-d's own thread may return another module's
/// data; the thread takes it for an `intel_svm`. The kernel prints nothing: the model
/// records a hazard and refuses the request at the lookup.
#[test]
fn m_fault_3_wildcard_type_confusion_is_a_hazard() {
    let t = run(
        "v5.5",
        json!([
            {"op": "set_create", "set": "aux"},
            {"op": "alloc", "set": "aux", "min": 1, "max": 9, "data": {"domain": "D"}},
            {"op": "fault", "device": "dev0", "pasid": 1, "addr": 4096, "perm": "r", "group": 1},
            {"op": "run_faults"},
        ]),
    );
    assert!(t.steps[3].kernel_log.is_empty());
    assert_eq!(
        events(&t, 3, |e| matches!(e, Event::Hazard { id: 1, .. })).len(),
        1
    );
}

/// M-FAULT-1. When each handler runs: under VT-d's own thread (v5.5/v5.11) `fault`
/// only writes the request into the hardware page request queue and the thread runs
/// at `run_faults` (or `flush`); under the generic handler VT-d's thread runs at
/// `fault` (its front end answers a refused request at once) and the workqueue at
/// `run_faults`.
#[test]
fn m_fault_1_when_each_handler_runs() {
    let steps = with(
        bound(),
        json!([
            {"op": "fault", "device": "dev0", "pasid": null, "addr": "0x1000", "perm": "r", "group": 1},
            {"op": "run_faults"},
        ]),
    );
    let t = run("v5.11", steps.clone());
    assert!(responded(&t, 2).is_empty() && t.steps[2].kernel_log.is_empty());
    assert_eq!(t.world_after(2).queue.len(), 1, "waits in the PRQ");
    assert_eq!(responses(&t, 3).len(), 1, "answered when the thread runs");
    let t = run("v5.18", steps);
    assert_eq!(
        responded(&t, 2).len(),
        1,
        "refused at once by the front end"
    );
    assert!(responses(&t, 3).is_empty());
}

/// M-FAULT-2. The v5.11 profile binds through `iommu_sva_alloc_pasid` (iommu-sva-lib,
/// the helper of SMMUv3 SVA) but handles page requests with VT-d's own thread, the
/// only handler that resolved them in v5.11: its knobs say both.
#[test]
fn m_fault_2_v5_11_binds_with_the_helper_and_faults_with_vtd() {
    let k = ioasid_core::Profile::V5_11.knobs();
    assert!(k.sva_enomem && k.vtd_prq && k.wildcard_fault_lookup && !k.vtd_front_end);
    for p in [ioasid_core::Profile::V5_18, ioasid_core::Profile::V6_6] {
        let k = p.knobs();
        assert!(
            !k.vtd_prq && !k.wildcard_fault_lookup && k.vtd_front_end,
            "{p}"
        );
    }
}

/// M-FAULT-4. The descriptor words VT-d prints (`struct page_req_dsc`): the model's
/// IOMMU is `dmar0` and its devices have requester ID 0; execute is bit 52 of the first
/// word, the group index 9 bits from bit 3 of the second.
#[test]
fn m_fault_4_descriptor_words_in_log_lines() {
    let t = run(
        "v5.5",
        json!([
            {"op": "fault", "device": "dev0", "pasid": 3, "addr": "0x12345678", "perm": "rx", "group": 513, "last": false},
            {"op": "run_faults", "expect": {"ok": []}},
        ]),
    );
    assert_eq!(
        t.steps[1].kernel_log,
        ["dmar0: Page request for invalid PASID 3: 10000300000101 12345009"]
    );
}

/// M-FAULT-5. VT-d's own thread serves a request from a device that is not bound to
/// the PASID, after a bare `WARN_ON` whose line the model does not pin: it records a
/// hazard instead of a kernel log line.
#[test]
fn m_fault_5_unbound_device_is_a_hazard_under_vtd_prq() {
    let steps = with(
        bound(),
        json!([
            {"op": "fault", "device": "dev1", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
            {"op": "run_faults", "expect": {"ok": [{"device": "dev1", "pasid": 1, "group": 1, "code": "SUCCESS", "mm": "A"}]}},
        ]),
    );
    for profile in ["v5.5", "v5.11"] {
        let t = run(profile, steps.clone());
        assert!(t.steps[3].kernel_log.is_empty());
        assert_eq!(
            events(&t, 3, |e| matches!(e, Event::Hazard { id: 1, .. })).len(),
            1
        );
    }
}

/// M-FAULT-6. `flush` handles the named device's queued groups only (the kernel's
/// `iopf_queue_flush_dev` waits for the whole workqueue), and `unbind` drains only
/// the groups that carry the PASID: other groups are answered later, not lost.
#[test]
fn m_fault_6_flush_leaves_other_devices_groups_queued() {
    let steps = with(
        bound(),
        json!([
            {"op": "bind", "device": "dev1", "mm": "A"},
            {"op": "fault", "device": "dev1", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 1},
            {"op": "fault", "device": "dev0", "pasid": "$p", "addr": "0x1000", "perm": "r", "group": 2},
            {"op": "flush", "device": "dev0", "expect": {"ok": [{"device": "dev0", "pasid": 1, "group": 2, "code": "SUCCESS", "mm": "A"}]}},
            {"op": "run_faults", "expect": {"ok": [{"device": "dev1", "pasid": 1, "group": 1, "code": "SUCCESS", "mm": "A"}]}},
        ]),
    );
    for profile in ["v5.11", "v5.18", "improved"] {
        run(profile, steps.clone());
    }
}

/// M-FAULT-7. `ext` and `improved` use the generic handler with no VT-d front end: a
/// request without a PASID is queued and answered INVALID by the workqueue.
#[test]
fn m_fault_7_ext_and_improved_use_the_generic_handler() {
    let steps = json!([
        {"op": "fault", "device": "dev0", "pasid": null, "addr": "0x1000", "perm": "r", "group": 1},
        {"op": "run_faults", "expect": {"ok": [{"device": "dev0", "pasid": null, "group": 1, "code": "INVALID", "mm": null}]}},
    ]);
    for profile in ["ext", "improved"] {
        let t = run(profile, steps.clone());
        assert!(responded(&t, 0).is_empty() && t.steps[0].kernel_log.is_empty());
    }
}
