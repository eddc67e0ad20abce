//! The hazard ledger over the built-in lessons: each lesson about one of the bugs
//! shows its named kind created at the step that makes it and, where the lesson shows
//! the harm, biting at the step that does it; the ledger lists it between the two and
//! not before.
use ioasid_core::hazard::HazardKind;
use ioasid_core::lessons;
use ioasid_core::{run_under, Lesson, Profile, Trace};

fn trace(id: &str, profile: Profile) -> Trace {
    let built = lessons::get(id).expect("a built-in lesson");
    let lesson = Lesson::parse(built.json).expect("it parses");
    run_under(&lesson, profile).expect("it runs")
}

/// (kind, id, created, bites) of every hazard life in the trace.
fn lives(t: &Trace) -> Vec<(HazardKind, u32, usize, Option<usize>)> {
    t.hazard_lives()
        .iter()
        .map(|l| (l.kind, l.id, l.created, l.bites.as_ref().map(|(b, _)| *b)))
        .collect()
}

fn listed(t: &Trace, pos: usize, kind: HazardKind, id: u32) -> Option<Option<usize>> {
    t.ledger(pos)
        .into_iter()
        .find(|e| e.life.kind == kind && e.life.id == id)
        .map(|e| e.bit.map(|(b, _)| b))
}

/// Asserts that `(kind, id)` is created at `created`, bites at `bites`, is absent
/// before `created` and listed (with the bite only from `bites` on) after it.
fn shows(t: &Trace, kind: HazardKind, id: u32, created: usize, bites: Option<usize>) {
    assert!(
        lives(t).contains(&(kind, id, created, bites)),
        "{kind:?} {id} created at {created}, biting at {bites:?}: {:?}",
        lives(t)
    );
    if created > 0 {
        assert_eq!(
            listed(t, created - 1, kind, id),
            None,
            "not before {created}"
        );
    }
    // At its creation it shows no bite, unless it bit at that very step.
    assert_eq!(
        listed(t, created, kind, id),
        Some(bites.filter(|b| *b == created)),
        "listed at {created}"
    );
    if let Some(b) = bites {
        assert_eq!(listed(t, b, kind, id), Some(Some(b)), "bit at {b}");
    }
}

#[test]
fn lesson_4_the_vcmd_free_leaks_a_host_pasid_that_the_host_then_passes_over() {
    let t = trace("04-guest-boot-vcmd", Profile::V5_11);
    shows(&t, HazardKind::LeakedHostPasid, 3, 14, Some(15));
    assert!(lives(&trace("04-guest-boot-vcmd", Profile::Improved)).is_empty());
}

#[test]
fn lesson_5_the_rollback_frees_the_first_owners_pasid_and_vm_2_gets_it() {
    let t = trace("05-host-misbehaves", Profile::V5_11);
    shows(&t, HazardKind::FreedByNonOwner, 1, 7, Some(8));
    shows(&t, HazardKind::OutOfRangeId, 5000, 13, None);
    assert!(lives(&trace("05-host-misbehaves", Profile::Improved)).is_empty());
}

#[test]
fn lesson_6_stale_pdata_orphans_with_two_owners_and_a_leak() {
    let t = trace("06-unregistering", Profile::V5_11);
    shows(&t, HazardKind::StalePrivateData, u32::MAX, 5, Some(6));
    // The group goes with its last member at step 8: the stale pdata goes with it.
    assert_eq!(listed(&t, 8, HazardKind::StalePrivateData, u32::MAX), None);
    shows(&t, HazardKind::TwoOwners, 1, 8, Some(11));
    // PASID 2's owner frees it at step 10: no second owner, but a host PASID leaked,
    // which the host passes over at step 13.
    assert_eq!(listed(&t, 10, HazardKind::TwoOwners, 2), None);
    shows(&t, HazardKind::LeakedHostPasid, 2, 10, Some(13));
    assert!(lives(&trace("06-unregistering", Profile::Improved)).is_empty());
}

#[test]
fn lesson_9_the_stale_request_is_served_to_the_next_owner() {
    let t = trace("09-stale-fault", Profile::V5_11);
    shows(&t, HazardKind::FaultForNextOwner, 1, 4, Some(6));
    // Served, the request is gone: the hazard is over after its bite.
    assert_eq!(listed(&t, 7, HazardKind::FaultForNextOwner, 1), None);
    assert!(lives(&trace("09-stale-fault", Profile::Improved)).is_empty());
}

#[test]
fn lesson_10_v4_loses_a_destroyed_sets_quota() {
    let t = trace("10-quotas-owners-spids", Profile::Ext);
    shows(&t, HazardKind::LeakedQuota, u32::MAX, 27, Some(28));
    assert!(lives(&trace("10-quotas-owners-spids", Profile::Improved)).is_empty());
}

#[test]
fn lesson_2_a_free_by_another_set_bites_at_the_owners_lookup() {
    let t = trace("02-sets", Profile::V5_11);
    shows(&t, HazardKind::FreedByNonOwner, 3, 15, Some(16));
}

#[test]
fn lesson_3_the_getter_on_null_data_is_momentary() {
    let t = trace("03-deferred-binding", Profile::V5_11);
    shows(&t, HazardKind::GetterOnNull, 1, 3, Some(3));
    // Momentary: listed at its own step only.
    assert_eq!(listed(&t, 4, HazardKind::GetterOnNull, 1), None);
}

#[test]
fn timeline_marks_follow_the_ledger() {
    use ioasid_core::trace::Marker;
    let t = trace("06-unregistering", Profile::V5_11);
    let marked = |m: Marker| -> Vec<usize> {
        t.steps
            .iter()
            .filter(|s| s.markers.contains(&m))
            .map(|s| s.index)
            .collect()
    };
    assert_eq!(marked(Marker::HazardCreated), vec![5, 8, 10]);
    assert_eq!(marked(Marker::HazardBites), vec![6, 11, 13]);
}

/// A hazard that bites at the step that makes it has one sentence: the ledger gives
/// its bite no second copy of the words it was created with; a later bite keeps its
/// own words.
#[test]
fn a_bite_does_not_repeat_the_words_of_its_creation() {
    let mut at_once = 0;
    let mut later = 0;
    for b in lessons::ALL {
        let lesson = Lesson::parse(b.json).expect("it parses");
        let t = run_under(&lesson, lesson.profile).expect("it runs");
        for pos in 0..t.steps.len() {
            for e in t.ledger(pos) {
                let Some((_, words)) = e.bit else { continue };
                let (_, told) = e.life.bites.as_ref().expect("a bite has words");
                if *told == e.life.what {
                    assert_eq!(words, "", "{}: {} at {pos}", b.id, e.life.what);
                    at_once += 1;
                } else {
                    assert_eq!(words, told, "{}", b.id);
                    later += 1;
                }
            }
        }
    }
    assert!(
        at_once > 0 && later > 0,
        "both cases occur: {at_once}, {later}"
    );
}
