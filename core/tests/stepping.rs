//! Stepping forward one step at a time from the world shown (what the page does) gives
//! the same world as seeking there from a snapshot: `Trace::world_after_step` against
//! `Trace::world_after`, for every built-in lesson under every profile it declares, and
//! for a lesson whose snapshots are spaced out (many processes).
use ioasid_core::lesson::Lesson;
use ioasid_core::run::run_under;
use ioasid_core::{lessons, Trace};

/// Walks `trace` forward from its start as the page does, comparing the world after
/// every `every`th step, and the last 50, with a seek to the same step; checks the
/// invariants of those.
fn walk(trace: &Trace, what: &str, every: usize) {
    let mut before = trace.world_before(0);
    for i in 0..trace.len() {
        let stepped = trace.world_after_step(i, &before);
        if i % every != 0 && i + 50 < trace.len() {
            before = stepped;
            continue;
        }
        let sought = trace.world_after(i);
        assert_eq!(
            format!("{stepped:?}"),
            format!("{sought:?}"),
            "{what}: the world after step {i}"
        );
        if let Err(e) = stepped.check_invariants() {
            panic!("{what}: invariant broken after step {i}: {e}");
        }
        before = stepped;
    }
}

#[test]
fn stepping_forward_matches_seeking_in_every_built_in_lesson() {
    for b in lessons::ALL {
        let lesson = Lesson::parse(b.json).expect("a built-in parses");
        for profile in &lesson.profiles {
            let trace = run_under(&lesson, *profile).expect("runs");
            walk(&trace, &format!("{} under {profile}", b.id), 1);
        }
    }
}

#[test]
fn stepping_forward_matches_seeking_where_snapshots_are_far_apart() {
    let mut steps = Vec::new();
    for p in 0..1_500 {
        steps.push(serde_json::json!({"op": "mm_create", "mm": format!("P{p}"),
            "maps": [{"start": 4_194_304, "len": 65_536, "perm": "rw"}]}));
        steps.push(serde_json::json!({"op": "bind", "device": "dev0", "mm": format!("P{p}")}));
    }
    let lesson = Lesson::from_value(serde_json::json!({
        "format": 1, "title": "processes", "profile": "v5.18", "steps": steps}))
    .expect("the lesson reads");
    let trace = run_under(&lesson, lesson.profile).expect("runs");
    assert!(
        trace.snapshot_count() < trace.len() / ioasid_core::run::SNAPSHOT_EVERY,
        "the snapshots are spaced out: {} for {} steps",
        trace.snapshot_count(),
        trace.len()
    );
    walk(&trace, "1,500 processes", 7);
}

/// A run of a lesson's steps and the sandbox's, shared and copied step by step
/// (`Runner::shared`), is the run of the lesson holding both.
#[test]
fn a_shared_run_matches_the_run_of_the_whole_lesson() {
    use ioasid_core::run::Runner;
    use std::rc::Rc;
    for b in lessons::ALL {
        let whole = Lesson::parse(b.json).expect("a built-in parses");
        let mut base = whole.clone();
        let more = base.steps.split_off(base.steps.len() / 2);
        let (profile, knobs) = (
            whole.profile,
            whole.knobs_for(whole.profile).expect("knobs"),
        );
        let mut shared = Runner::shared(Rc::new(base), Rc::new(more), profile, knobs, true);
        while !shared.advance(3) {}
        let shared = shared.finish();
        let plain = run_under(&whole, profile).expect("runs");
        assert_eq!(shared.len(), whole.steps.len(), "{}", b.id);
        assert_eq!(
            format!("{:?}", shared.steps),
            format!("{:?}", plain.steps),
            "{}",
            b.id
        );
        assert_eq!(
            format!("{:?}", shared.last_world()),
            format!("{:?}", plain.last_world()),
            "{}",
            b.id
        );
    }
}

/// A copy of the world shares its processes and each queued group's requests, so the
/// snapshots are not spaced out by them and a step of the page copies neither (a copy
/// of 100,000 processes took 15 ms in the page, and its drop 10 ms, on every step). It
/// still copies the queue's list of groups: 3,000 of them weigh 3,000, where with the
/// processes and requests they weighed 9,000. The copy is still a copy: a step on it
/// leaves the original as it was.
#[test]
fn a_copy_of_the_world_shares_its_processes_and_queued_requests() {
    let mut steps = Vec::new();
    for p in 0..3_000 {
        steps.push(serde_json::json!({"op": "mm_create", "mm": format!("P{p}"),
            "maps": [{"start": 4_194_304, "len": 65_536, "perm": "rw"}]}));
    }
    steps.push(serde_json::json!({"op": "bind", "device": "dev0", "mm": "P0", "as": "pa"}));
    for g in 1..=3_000 {
        steps.push(
            serde_json::json!({"op": "fault", "device": "dev0", "pasid": "$pa",
            "addr": 4_194_304, "perm": "rw", "group": g}),
        );
    }
    let lesson = Lesson::from_value(serde_json::json!({
        "format": 1, "title": "processes", "profile": "v5.18", "steps": steps}))
    .expect("the lesson reads");
    let trace = run_under(&lesson, lesson.profile).expect("runs");
    let last = trace.last_world();
    assert_eq!((last.mms.size(), last.queue.len()), (3_000, 3_000));
    assert!(last.weight() < 3_020, "weight {}", last.weight());
    // Step 2,999 creates the last process: on a copy of the world before it.
    let before = trace.world_before(2_999);
    let after = trace.world_after_step(2_999, &before);
    assert_eq!((before.mms.size(), after.mms.size()), (2_999, 3_000));
    walk(&trace, "3,000 processes and groups", 97);
}
