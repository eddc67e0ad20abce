//! The 2019 design thread's proposal, rule by rule (profile `rfc-2019`): one test per
//! entry of docs/kernel-reference/rfc-2019.md, named after it, citing its message.
//!
//! The thread: Jacob Pan, 30 Jan 2019, <20190130110507.54e8bfad@jacob-builder>;
//! Jean-Philippe Brucker, 15 Feb 2019, <65452190-afac-bc71-de29-ce24b508955a@arm.com>;
//! Jacob Pan, 19 Feb 2019, <20190219103712.73a1c2a1@jacob-builder>. The IDR allocator
//! they extend: "drivers core: Add I/O ASID allocator" (IDR version, patch 6 of
//! <1556062279-64135-1-git-send-email-jacob.jun.pan@linux.intel.com>).
mod common;
use common::*;
use ioasid_core::trace::Event;
use serde_json::json;

const RFC: &str = "rfc-2019";

fn host_frees(t: &ioasid_core::Trace, i: usize) -> Vec<(u32, bool)> {
    t.steps[i]
        .events
        .iter()
        .filter_map(|e| match e {
            Event::HostFree { id, skipped, .. } => Some((*id, *skipped)),
            _ => None,
        })
        .collect()
}

fn hazard(t: &ioasid_core::Trace, i: usize) -> bool {
    t.steps[i]
        .events
        .iter()
        .any(|e| matches!(e, Event::Hazard { .. }))
}

/// R-RFC-1. Jacob Pan, 30 Jan 2019 (point 1), agreed by Jean-Philippe Brucker, 15 Feb:
/// one system-wide custom allocator, set by one call, takes precedence over the IDR.
/// https://lore.kernel.org/r/20190130110507.54e8bfad@jacob-builder
#[test]
fn r_rfc_1_one_custom_allocator_takes_precedence() {
    run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "host_alloc", "host": "H", "guest": "B", "expect": {"ok": 1}},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 2}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 3}}
        ]),
    );
}

/// R-RFC-2. Jacob Pan, 19 Feb 2019: the allocator is a struct of alloc, free and pdata;
/// the free function is combined with alloc "similarly", so a free reaches the backend.
/// https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder
#[test]
fn r_rfc_2_the_allocator_s_free_reaches_the_backend() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "as": "a", "expect": {"ok": 1}},
            {"op": "free", "id": "$a", "expect": {"ok": null}},
            {"op": "host_alloc", "host": "H", "guest": "B", "expect": {"ok": 1}}
        ]),
    );
    assert_eq!(host_frees(&t, 3), vec![(1, false)]);
}

/// R-RFC-3. Jean-Philippe Brucker, 15 Feb 2019: with a custom allocator the IDR is used
/// for storage only, through the range [id, id + 1): the answer is stored at exactly
/// that ID, so the PASID-to-data lookup still works.
/// https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com
#[test]
fn r_rfc_3_the_idr_stores_the_answer_at_exactly_that_id() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "host_answer", "host": "H", "answers": [700]},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "data": {"mm": "A"}, "expect": {"ok": 700}},
            {"op": "find", "set": "sva", "id": 700, "expect": {"ok": {"mm": "A"}}}
        ]),
    );
    assert!(t.steps[3].lines.contains(&"alloc.store_exact"));
}

/// R-RFC-4. The IDR allocator the thread extends: ioasid_alloc's max is exclusive
/// (idr_alloc's end), unlike v5.5's xarray limits, which include max.
/// https://lore.kernel.org/r/1556062279-64135-7-git-send-email-jacob.jun.pan@linux.intel.com
#[test]
fn r_rfc_4_the_default_allocator_s_max_is_exclusive() {
    let steps = json!([
        {"op": "alloc", "set": "sva", "min": 1, "max": 2, "expect": {"ok": 1}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 2, "expect": {"err": "INVALID_IOASID"}},
        {"op": "alloc", "set": "sva", "min": 5, "max": 5, "expect": {"err": "INVALID_IOASID"}},
        {"op": "alloc", "set": "sva", "min": 5, "max": 6, "expect": {"ok": 5}}
    ]);
    run(RFC, steps);
    // v5.5's xarray: [1, 2] includes 2, [5, 5] is 5.
    run(
        "v5.5",
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 2, "expect": {"ok": 1}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 2, "expect": {"ok": 2}},
            {"op": "alloc", "set": "sva", "min": 5, "max": 5, "expect": {"ok": 5}}
        ]),
    );
}

/// R-RFC-5. Jean-Philippe Brucker, 15 Feb 2019: the sketch stores the answer with
/// idr_alloc(id, id + 1) and has no error path: an answer the IDR already holds fails
/// there (INVALID_IOASID), the first owner's record stays, and nothing gives the
/// answer back to the allocator (the host keeps it).
/// https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com
#[test]
fn r_rfc_5_an_answer_already_stored_fails_without_rollback() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "data": {"mm": "A"}, "expect": {"ok": 1}},
            {"op": "host_answer", "host": "H", "answers": [1]},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"err": "INVALID_IOASID"}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "A"}}},
            {"op": "host_alloc", "host": "H", "guest": "B", "expect": {"ok": 2}}
        ]),
    );
    assert!(
        t.steps[4].kernel_log.is_empty(),
        "{:?}",
        t.steps[4].kernel_log
    );
    assert!(host_frees(&t, 4).is_empty(), "no rollback");
    assert!(hazard(&t, 4), "the model flags the ID the backend keeps");
}

/// R-RFC-6. Jacob Pan, 30 Jan 2019 (point 2), agreed by Jean-Philippe Brucker, 15 Feb:
/// private data may be set after allocation; the ID is tracked from alloc with an empty
/// record, and a lookup in between finds no data.
/// https://lore.kernel.org/r/20190130110507.54e8bfad@jacob-builder
#[test]
fn r_rfc_6_data_after_allocation_an_empty_record_until_then() {
    run(
        RFC,
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "as": "p", "expect": {"ok": 1}},
            {"op": "find", "set": "sva", "id": "$p", "expect": {"ok": null}},
            {"op": "set_data", "id": "$p", "data": {"mm": "G"}, "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": "$p", "expect": {"ok": {"mm": "G"}}}
        ]),
    );
}

/// R-RFC-7. Jacob Pan, 30 Jan 2019 (point 3) asks for a NULL set; the IDR allocator's
/// ioasid_find returns the data only when the ID's set is exactly the one named (NULL
/// finds only NULL-set IDs), and NULL for every miss: no ENOENT, no EACCES.
/// https://lore.kernel.org/r/1556062279-64135-7-git-send-email-jacob.jun.pan@linux.intel.com
#[test]
fn r_rfc_7_a_null_set_and_a_lookup_that_matches_the_set_exactly() {
    let t = run(
        RFC,
        json!([
            {"op": "alloc", "set": null, "min": 1, "max": 100, "data": {"domain": "D"}, "expect": {"ok": 1}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "data": {"mm": "A"}, "expect": {"ok": 2}},
            {"op": "find", "set": null, "id": 1, "expect": {"ok": {"domain": "D"}}},
            {"op": "find", "set": null, "id": 2, "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 9, "expect": {"ok": null}}
        ]),
    );
    assert!(t.steps.iter().all(|s| s.kernel_log.is_empty()));
}

/// R-RFC-8. Jean-Philippe Brucker, 15 Feb 2019: the fault path finds the mm with
/// ioasid_find(&shared_pasid_set, pasid), only in the shared SVA set, so it never gets
/// another module's data (a driver's or an auxiliary domain's).
/// https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com
#[test]
fn r_rfc_8_the_fault_path_searches_only_the_shared_sva_set() {
    run(
        RFC,
        json!([
            {"op": "set_create", "set": "gpu"},
            {"op": "alloc", "set": "gpu", "min": 1, "max": 100, "data": {"driver": "K"}, "expect": {"ok": 1}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 100, "data": {"mm": "A"}, "expect": {"ok": 2}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 2, "expect": {"ok": {"mm": "A"}}}
        ]),
    );
    // A page request on the driver's PASID: the handler finds no mm for it, and is
    // refused as under v5.5, with no claim that it took the driver's data for an mm.
    let steps = json!([
        {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 8192, "perm": "rw"}]},
        {"op": "set_create", "set": "gpu"},
        {"op": "alloc", "set": "gpu", "min": 1, "max": 100, "data": {"driver": "K"}, "expect": {"ok": 1}},
        {"op": "fault", "device": "dev0", "pasid": 1, "addr": "0x1000", "perm": "r", "group": 1},
        {"op": "run_faults"}
    ]);
    let rfc = run(RFC, steps.clone());
    let v55 = run("v5.5", steps);
    assert_eq!(rfc.steps[4].result, v55.steps[4].result);
    assert!(
        rfc.steps[4].kernel_log.is_empty(),
        "{:?}",
        rfc.steps[4].kernel_log
    );
}

/// M-RFC-1. Jacob Pan, 19 Feb 2019: "we only support one allocator" (one pvIOMMU
/// assumed); 30 Jan: the setter takes one function and returns nothing. Read literally,
/// a second registration overwrites the first: later allocations go to the second
/// backend, and the first one's IDs, still in the one IDR, are freed through it.
/// https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder
#[test]
fn m_rfc_1_a_second_allocator_replaces_the_first() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H1", "min": 1, "max": 1000},
            {"op": "host_create", "host": "H2", "min": 500, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H1"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "data": {"mm": "A"}, "as": "a", "expect": {"ok": 1}},
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H2", "expect": {"ok": null}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 500}},
            {"op": "find", "set": "sva", "id": "$a", "expect": {"ok": {"mm": "A"}}},
            {"op": "free", "id": "$a", "expect": {"ok": null}},
            {"op": "host_alloc", "host": "H1", "guest": "B", "expect": {"ok": 2}}
        ]),
    );
    assert!(
        t.steps[4].kernel_log.is_empty(),
        "the setter prints nothing"
    );
    assert!(hazard(&t, 4), "the model flags the first allocator's IDs");
    // v5.5: same functions, so viommu1 joins viommu0's group and H1 still answers.
    run(
        "v5.5",
        json!([
            {"op": "host_create", "host": "H1", "min": 1, "max": 1000},
            {"op": "host_create", "host": "H2", "min": 500, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H1"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 1}},
            {"op": "register", "allocator": "viommu1", "fns": "vcmd", "host": "H2", "expect": {"ok": null}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 2}}
        ]),
    );
}

/// M-RFC-2. Jean-Philippe Brucker, 15 Feb 2019: the sketch does not check the custom
/// allocator's answer. Its failure, INVALID_IOASID, becomes min = INVALID_IOASID and
/// max = INVALID_IOASID + 1 = 0; idr_alloc takes int limits, so start is -1: its
/// WARN_ON_ONCE(start < 0) fires (lib/idr.c:84) and it returns -EINVAL, so the caller
/// still gets INVALID_IOASID.
/// https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com
/// https://elixir.bootlin.com/linux/v5.0/source/lib/idr.c#L84
#[test]
fn m_rfc_2_a_failed_answer_wraps_and_idr_alloc_warns() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 1}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"err": "INVALID_IOASID"}}
        ]),
    );
    assert!(
        warned(&t, 3, "WARNING: at lib/idr.c:84"),
        "{:?}",
        t.steps[3].kernel_log
    );
    let v55 = run(
        "v5.5",
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"ok": 1}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"err": "INVALID_IOASID"}}
        ]),
    );
    assert!(!warned(&v55, 3, "lib/idr.c"));
}

/// M-RFC-3. The thread has no rule for IDs already allocated when the allocator is set
/// (v5.5 answers EAGAIN); read literally, the one IDR keeps them and the custom
/// allocator takes over. Jean-Philippe Brucker, 15 Feb 2019 (register at boot).
/// https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com
#[test]
fn m_rfc_3_setting_the_allocator_with_ids_stored_is_accepted() {
    let t = run(
        RFC,
        json!([
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "data": {"mm": "N"}, "expect": {"ok": 1}},
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H", "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "N"}}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "expect": {"err": "INVALID_IOASID"}}
        ]),
    );
    assert!(hazard(&t, 4));
}

/// M-RFC-4. The thread has no unregister; the model reads it as setting the allocator
/// back to NULL: allocation returns to the IDR, which keeps every ID (nothing is
/// orphaned), and nothing is printed.
/// https://lore.kernel.org/r/20190130110507.54e8bfad@jacob-builder
#[test]
fn m_rfc_4_unregister_sets_the_allocator_back_to_null() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "data": {"mm": "A"}, "expect": {"ok": 1}},
            {"op": "unregister", "allocator": "viommu0", "expect": {"ok": null}},
            {"op": "find", "set": "sva", "id": 1, "expect": {"ok": {"mm": "A"}}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "expect": {"ok": 2}},
            {"op": "unregister", "allocator": "nobody", "expect": {"ok": null}}
        ]),
    );
    assert!(t.steps[3].kernel_log.is_empty() && t.steps[6].kernel_log.is_empty());
}

/// M-RFC-5. Jacob Pan, 19 Feb 2019: the free is combined with alloc "similarly"; read
/// literally, the custom free is called first, for any ID, then idr_remove, which
/// returns NULL for an ID the IDR does not hold: nothing is printed.
/// https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder
#[test]
fn m_rfc_5_a_free_of_an_unknown_id_is_silent_and_still_reaches_the_backend() {
    let t = run(
        RFC,
        json!([
            {"op": "free", "id": 42, "expect": {"ok": null}},
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "free", "id": 43, "expect": {"ok": null}}
        ]),
    );
    assert!(
        t.steps[0].kernel_log.is_empty(),
        "{:?}",
        t.steps[0].kernel_log
    );
    let called = t.steps[3].events.iter().any(
        |e| matches!(e, Event::CustomCall { call, id: Some(43), .. } if call.as_str() == "free"),
    );
    assert!(called, "{:?}", t.steps[3].events);
}

/// M-RFC-6. Jacob Pan, 19 Feb 2019: VFIO would use sets so that only IDs allocated by
/// the same QEMU process can be bound. Shown with a lookup naming the process's set:
/// under the IDR allocator's ioasid_find another process's ID is NULL, the same answer
/// as its own ID before bind.
/// https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder
#[test]
fn m_rfc_6_vfio_s_check_is_a_lookup_naming_the_process_s_set() {
    run(
        RFC,
        json!([
            {"op": "set_create", "set": "qemu1"},
            {"op": "set_create", "set": "qemu2"},
            {"op": "alloc", "set": "qemu1", "min": 1, "max": 100, "as": "g", "expect": {"ok": 1}},
            {"op": "find", "set": "qemu1", "id": "$g", "expect": {"ok": null}},
            {"op": "find", "set": "qemu2", "id": "$g", "expect": {"ok": null}},
            {"op": "set_data", "id": "$g", "data": {"mm": "G"}, "expect": {"ok": null}},
            {"op": "find", "set": "qemu1", "id": "$g", "expect": {"ok": {"mm": "G"}}},
            {"op": "find", "set": "qemu2", "id": "$g", "expect": {"ok": null}}
        ]),
    );
}

/// M-RFC-7. Jacob Pan, 30 Jan 2019 (scenario 1) names the guest allocator "(vcmd)"; the
/// model's vcmd fns are VT-d's (v5.8), whose free skipped the host free while data was
/// attached. That code came later: under rfc-2019 the free always reaches the host.
/// https://lore.kernel.org/r/20190130110507.54e8bfad@jacob-builder
#[test]
fn m_rfc_7_no_vcmd_free_skip_in_2019() {
    let t = run(
        RFC,
        json!([
            {"op": "host_create", "host": "H", "min": 1, "max": 1000},
            {"op": "register", "allocator": "viommu0", "fns": "vcmd", "host": "H"},
            {"op": "alloc", "set": "sva", "min": 1, "max": 1000, "data": {"mm": "A"}, "as": "a", "expect": {"ok": 1}},
            {"op": "free", "id": "$a", "expect": {"ok": null}},
            {"op": "host_alloc", "host": "H", "guest": "B", "expect": {"ok": 1}}
        ]),
    );
    assert_eq!(host_frees(&t, 3), vec![(1, false)]);
}
