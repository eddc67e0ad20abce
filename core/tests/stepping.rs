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

/// A `run_faults` over a long queue runs a slice of groups per unit of
/// `Runner::advance` (it ran in one piece: half a second in the page for 200,000
/// groups). The trace is the one the step gives run whole (`Trace::append` runs it
/// whole), under every profile; the world keeps its invariants between slices; and a
/// snapshot right after the long step means stepping over it does not run it again.
#[test]
fn a_long_workqueue_run_is_spread_over_many_calls() {
    use ioasid_core::run::{Runner, GROUPS_PER_UNIT};
    use ioasid_core::Profile;
    let groups = 40 * GROUPS_PER_UNIT;
    let mut steps = vec![
        serde_json::json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4_194_304, "len": 65_536, "perm": "rw"}]}),
        serde_json::json!({"op": "bind", "device": "dev0", "mm": "A", "as": "pa"}),
    ];
    for g in 1..=groups {
        // Every seventh request asks for an address outside the mapping.
        let addr = if g % 7 == 0 { 0 } else { 4_194_304 };
        steps.push(
            serde_json::json!({"op": "fault", "device": "dev0", "pasid": "$pa",
            "addr": addr, "perm": "rw", "group": g}),
        );
    }
    let run_at = steps.len();
    steps.push(serde_json::json!({"op": "run_faults"}));
    steps.push(serde_json::json!({"op": "unbind", "device": "dev0", "mm": "A"}));
    for profile in Profile::ALL {
        let lesson = Lesson::from_value(serde_json::json!({
            "format": 1, "title": "a long queue", "profile": profile.to_string(), "steps": steps}))
        .expect("the lesson reads");
        let knobs = lesson.knobs_for(profile).expect("knobs");
        // Spread: one unit per call, invariants checked between calls.
        let mut runner = Runner::new(&lesson, profile, knobs.clone(), true);
        let mut calls = 0;
        while !runner.advance(1) {
            calls += 1;
            if let Err(e) = runner.world().check_invariants() {
                panic!("{profile}: invariant broken after call {calls}: {e}");
            }
        }
        assert!(
            calls > run_at + groups / GROUPS_PER_UNIT - 2,
            "{profile}: {calls} calls"
        );
        let spread = runner.finish();
        // Whole: the steps from run_faults on are appended one by one.
        let mut head = lesson.clone();
        let tail = head.steps.split_off(run_at);
        let mut whole = Runner::new(&head, profile, knobs, true).finish();
        for step in tail {
            whole.append(step).expect("appends");
        }
        assert_eq!(
            format!("{:?}", spread.steps),
            format!("{:?}", whole.steps),
            "{profile}"
        );
        assert_eq!(
            format!("{:?}", spread.last_world()),
            format!("{:?}", whole.last_world()),
            "{profile}"
        );
        assert!(
            matches!(&spread.steps[run_at].result, ioasid_core::trace::Outcome::Ok(ioasid_core::trace::Val::Responses(r)) if r.len() > groups / 2),
            "{profile}: {:?}",
            spread.steps[run_at].result.describe()
        );
        walk(&spread, &format!("a long queue under {profile}"), 1);
        // The world after the long step is a snapshot's copy: it is not run again, even
        // on another world.
        assert_eq!(
            format!("{:?}", spread.world_after_step(run_at, &spread.initial())),
            format!("{:?}", spread.world_after(run_at)),
            "{profile}"
        );
    }
}
