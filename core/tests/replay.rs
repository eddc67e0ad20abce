//! Jumping to a step (a snapshot plus a replay) gives the same world as running there.
mod common;
use ioasid_core::lesson::Lesson;
use ioasid_core::run::{Runner, SNAPSHOT_EVERY, WEIGHT_PER_STEP};
use ioasid_core::World;
use serde_json::json;

/// What a learner can see of a world, in a comparable form.
fn view(w: &World) -> String {
    let ids: Vec<_> = w.ids().map(|(id, e)| (id, e.clone())).collect();
    format!(
        "{ids:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
        w.sets,
        w.mms,
        w.vars,
        w.readers,
        w.queue,
        w.devices,
        w.active_name()
    )
}

fn lesson(n: usize) -> Lesson {
    let mut steps = vec![
        json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "rw"}]}),
    ];
    for i in 0..n {
        steps.push(match i % 5 {
            0 => json!({"op": "alloc", "set": "sva", "min": 1, "max": 50, "data": {"mm": "A"}, "as": format!("v{i}")}),
            1 => json!({"op": "fault", "device": "d", "pasid": format!("$v{}", i - 1), "addr": 4096, "perm": "r", "group": i}),
            2 => json!({"op": "run_faults"}),
            3 => json!({"op": "find", "set": "sva", "id": format!("$v{}", i - 3)}),
            _ => json!({"op": "free", "id": format!("$v{}", i - 4 - 5 * (i % 2)), "set": "sva"}),
        });
    }
    Lesson::from_value(json!({"format": 1, "title": "replay", "profile": "v5.5", "steps": steps}))
        .expect("valid")
}

#[test]
fn world_after_matches_a_sequential_run() {
    let l = lesson(5 * SNAPSHOT_EVERY + 7);
    let trace = Runner::new(&l, l.profile, l.profile.knobs(), true).finish();
    let mut runner = Runner::new(&l, l.profile, l.profile.knobs(), true);
    for i in 0..trace.len() {
        runner.advance(1);
        assert_eq!(
            view(&trace.world_after(i)),
            view(runner.world()),
            "world after step {i}"
        );
    }
}

#[test]
fn append_and_undo_round_trip() {
    let l = lesson(2 * SNAPSHOT_EVERY);
    let mut trace = Runner::new(&l, l.profile, l.profile.knobs(), true).finish();
    let before = view(trace.last_world());
    let n = trace.len();
    for k in 0..SNAPSHOT_EVERY + 3 {
        let step = ioasid_core::lesson::parse_step(
            n + k,
            json!({"op": "alloc", "set": "sva", "min": 1, "max": 1000}),
        )
        .expect("step");
        trace.append(step).expect("appended");
    }
    assert_eq!(trace.len(), n + SNAPSHOT_EVERY + 3);
    assert_eq!(
        view(&trace.world_after(n + 1)),
        view(&trace.world_before(n + 2))
    );
    for _ in 0..SNAPSHOT_EVERY + 3 {
        assert!(trace.undo().is_some());
    }
    assert_eq!(view(trace.last_world()), before);
    let bad =
        ioasid_core::lesson::parse_step(n, json!({"op": "free", "id": "$nope"})).expect("parses");
    let err = trace.append(bad).expect_err("unknown $name is refused");
    assert_eq!(err.field.as_deref(), Some("id"));
}

#[test]
fn appended_steps_get_the_reuse_note_and_undo_forgets_it() {
    let l = Lesson::from_value(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
            {"op": "alloc", "set": "sva", "min": 1, "max": 9},
            {"op": "free", "id": 1, "set": "sva"},
        ]}),
    )
    .expect("valid");
    let mut trace = Runner::new(&l, l.profile, l.profile.knobs(), true).finish();
    let alloc = || {
        ioasid_core::lesson::parse_step(2, json!({"op": "alloc", "set": "sva", "min": 1, "max": 9}))
            .expect("step")
    };
    let st = trace.append(alloc()).expect("appended");
    assert!(
        st.explain.contains("1 was freed at step 2"),
        "{}",
        st.explain
    );
    // Undo the free and the alloc, free again as a sandbox step: the note names it.
    trace.undo();
    trace.undo();
    let free = ioasid_core::lesson::parse_step(1, json!({"op": "free", "id": 1, "set": "sva"}))
        .expect("step");
    trace.append(free).expect("appended");
    let st = trace.append(alloc()).expect("appended");
    assert!(
        st.explain.contains("1 was freed at step 2"),
        "{}",
        st.explain
    );
    trace.undo();
    trace.undo();
    let st = trace.append(alloc()).expect("appended");
    assert!(
        !st.explain.contains("was freed"),
        "the undone free is forgotten: {}",
        st.explain
    );
}

#[test]
fn a_heavy_world_is_snapshotted_less_often_and_still_replays_exactly() {
    // 4,000 held page requests make every snapshot copy 4,000 elements: they are
    // spaced out, and seeking still lands on the same world as running there.
    let held = 4000;
    let mut steps = vec![
        json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]}),
    ];
    for i in 0..held {
        steps.push(json!({"op": "fault", "device": "d", "pasid": 1, "addr": 4096, "perm": "r", "group": i, "last": false}));
    }
    let after = 600;
    for i in 0..after {
        steps.push(match i % 3 {
            0 => json!({"op": "alloc", "set": "sva", "min": 1, "max": 100, "data": {"mm": "A"}}),
            1 => json!({"op": "find", "set": "sva", "id": 1}),
            _ => json!({"op": "free", "id": 1, "set": "sva"}),
        });
    }
    let l = Lesson::from_value(
        json!({"format": 1, "title": "heavy", "profile": "v5.5", "steps": steps}),
    )
    .expect("valid");
    let trace = Runner::new(&l, l.profile, l.profile.knobs(), true).finish();
    let n = trace.len();
    let every_32 = n.div_ceil(SNAPSHOT_EVERY);
    assert!(
        trace.snapshot_count() < every_32 / 2,
        "{} snapshots for {n} steps (every {SNAPSHOT_EVERY}: {every_32})",
        trace.snapshot_count()
    );
    // The spacing follows the weight: past it, about held / WEIGHT_PER_STEP steps apart.
    let tail_snapshots = after / (held / WEIGHT_PER_STEP);
    assert!(trace.snapshot_count() <= held / SNAPSHOT_EVERY + tail_snapshots + 2);
    let mut runner = Runner::new(&l, l.profile, l.profile.knobs(), true);
    for i in 0..n {
        runner.advance(1);
        if i >= held - 40 {
            assert_eq!(
                view(&trace.world_after(i)),
                view(runner.world()),
                "world after step {i}"
            );
        }
    }
}
