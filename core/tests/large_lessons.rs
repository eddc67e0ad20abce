//! Checking and running a lesson costs about linear time in its size, also when every
//! step is wrong. Each case here took minutes with a cost quadratic in the steps (a
//! "did you mean" search through every name saved so far, for each of 100,000 unknown
//! `$name`s; a walk through every registered group, for each of 100,000 `register`s);
//! each is timed at a tenth of its size and at its full size, and must take less than
//! 30 times as long at ten times the size (linear: about 10; quadratic: about 100),
//! which holds in a debug build on a loaded machine.
use ioasid_core::lesson::{Lesson, MAX_LISTED};
use ioasid_core::run::run_streaming;
use ioasid_core::Profile;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const STEPS: usize = 100_000;

/// Times `case` at a tenth of `STEPS` and at `STEPS`, and checks the growth.
fn grows_linearly(what: &str, case: impl Fn(usize) -> Duration) {
    let small = case(STEPS / 10);
    let full = case(STEPS);
    // A second of slack for a machine busy with other work.
    let budget = small * 30 + Duration::from_secs(1);
    assert!(
        full < budget,
        "{what}: {} steps took {small:?}, {STEPS} took {full:?} (more than {budget:?})",
        STEPS / 10
    );
}

fn lesson(steps: Vec<Value>) -> String {
    json!({"format": 1, "title": "t", "profile": "v5.11", "steps": steps}).to_string()
}

#[test]
fn every_step_using_a_name_saved_later_is_checked_in_linear_time() {
    grows_linearly("a $name saved later", |n| {
        // Step i saves `v{i}` and uses `v{i+1}`: unknown when it is read, and close to
        // every name saved before it (the "did you mean" search).
        let steps = (0..n)
            .map(|i| json!({"op": "alloc", "set": "sva", "min": format!("$v{}", i + 1), "max": 10, "as": format!("v{i}")}))
            .collect();
        let text = lesson(steps);
        let start = Instant::now();
        let list =
            Lesson::parse_reporting_all(&text).expect_err("every step names an unknown $name");
        let took = start.elapsed();
        assert_eq!(list.len(), MAX_LISTED + 1, "listed, then counted");
        assert_eq!(list[0].field.as_deref(), Some("min"));
        assert!(list[0].message.contains("unknown `$v1`"), "{}", list[0]);
        assert!(
            list[MAX_LISTED]
                .message
                .contains(&format!("{} more", n - MAX_LISTED)),
            "{}",
            list[MAX_LISTED]
        );
        // A listed mistake still suggests a close name.
        assert!(list[5].message.contains("did you mean `$v"), "{}", list[5]);
        took
    });
}

#[test]
fn every_step_using_an_undefined_name_is_checked_in_linear_time() {
    grows_linearly("undefined $names", |n| {
        let steps = (0..n)
            .map(|i| json!({"op": "free", "set": "sva", "id": format!("$u{i}"), "as": format!("w{i}")}))
            .collect();
        let text = lesson(steps);
        let start = Instant::now();
        let list = Lesson::parse_reporting_all(&text).expect_err("unknown names");
        let took = start.elapsed();
        assert_eq!(list.len(), MAX_LISTED + 1);
        took
    });
}

/// Registers `n` allocators, with distinct functions or one shared, and runs them.
fn register_many(n: usize, shared: bool) -> Duration {
    let steps = (0..n)
        .map(|i| {
            let fns = if shared { "f".to_string() } else { format!("f{i}") };
            json!({"op": "register", "allocator": format!("a{i}"), "fns": fns, "expect": {"ok": null}})
        })
        .collect();
    let lesson = Lesson::parse(&lesson(steps)).expect("a valid lesson");
    let knobs = lesson.knobs_for(Profile::V5_11).expect("knobs");
    let start = Instant::now();
    let failures = run_streaming(lesson.steps, Profile::V5_11, knobs, |_| {});
    let took = start.elapsed();
    assert_eq!(failures, 0, "every register succeeds");
    took
}

#[test]
fn registering_many_distinct_allocators_takes_linear_time() {
    grows_linearly("distinct allocators", |n| register_many(n, false));
}

#[test]
fn many_allocators_joining_one_group_take_linear_time() {
    grows_linearly("one group", |n| register_many(n, true));
}

/// The run (v5.18) of a lesson that queues `groups` page requests, each a group of its
/// own, for one bound process, then runs the queue in one step.
fn queue_then_run(groups: u32) -> ioasid_core::Trace {
    let mut steps = vec![
        json!({"op": "mm_create", "mm": "A", "maps": [{"start": 4_194_304, "len": 65_536, "perm": "rw"}]}),
        json!({"op": "bind", "device": "dev0", "mm": "A", "as": "pa"}),
    ];
    for g in 1..=groups {
        steps.push(json!({"op": "fault", "device": "dev0", "pasid": "$pa", "addr": 4_194_304, "perm": "rw", "group": g}));
    }
    steps.push(json!({"op": "run_faults"}));
    let lesson = Lesson::parse(
        &json!({"format": 1, "title": "t", "profile": "v5.18", "steps": steps}).to_string(),
    )
    .expect("the lesson reads");
    ioasid_core::run_lesson(&lesson).expect("runs")
}

/// A step that answers a long queue is told in a few sentences: its result names a few
/// responses and counts the rest, and the model's explanation keeps its first sentences
/// and counts the others. Both were one sentence per group (9 MB of words for 200,000).
#[test]
fn a_step_answering_many_groups_is_told_briefly() {
    let groups = 5_000;
    let trace = queue_then_run(groups);
    let last = trace.steps.last().expect("a last step");
    assert!(
        last.explain.len() < 3_000,
        "{} characters: {}",
        last.explain.len(),
        &last.explain[..300]
    );
    assert!(
        last.explain.contains("Group 12 of dev0"),
        "{}",
        last.explain
    );
    assert!(
        !last.explain.contains("Group 13 of dev0"),
        "{}",
        last.explain
    );
    assert!(
        last.explain.ends_with(&format!(
            "And {} more like these, not spelled out.",
            groups - 12
        )),
        "{}",
        &last.explain[last.explain.len() - 200..]
    );
    assert!(
        last.result
            .describe()
            .ends_with("and 4996 more (4996 SUCCESS)"),
        "{}",
        last.result.describe()
    );
}

/// The code pane's marks of a step that reports millions of line ids are computed once,
/// as the step runs, and equal the marks computed from its ids; a step reporting a few
/// has none stored and gets the same marks from its ids. Drawing the pane of the step
/// answering 200,000 groups scanned its 2 million ids on every draw (65 ms in the page).
#[test]
fn a_long_steps_code_marks_are_computed_once() {
    use ioasid_core::pseudo::ORDER_SHOWN;
    let trace = queue_then_run(300);
    let last = trace.steps.last().expect("a last step");
    assert!(last.lines.len() > 300, "{} ids", last.lines.len());
    let (profile, stored) = last.marks.clone().expect("the marks are stored");
    assert_eq!(profile, Profile::V5_18);
    let listing = last.func.listing(profile);
    assert_eq!(stored, listing.marks(&last.lines, ORDER_SHOWN));
    assert!(stored
        .iter()
        .any(|m| m.more && m.order.len() == ORDER_SHOWN));
    assert_eq!(last.line_marks(profile, true).1, stored);
    // Not revealed yet: nothing ran. Another profile's listing: computed from the ids.
    assert!(last.line_marks(profile, false).1.iter().all(|m| !m.ran));
    let other = last.line_marks(Profile::V6_6, true);
    assert_eq!(other.1, other.0.marks(&last.lines, ORDER_SHOWN));
    let bind = &trace.steps[1];
    assert!(bind.marks.is_none());
    let (listing, marks) = bind.line_marks(profile, true);
    assert!(marks.iter().any(|m| m.current), "{marks:?}");
    assert_eq!(marks, listing.marks(&bind.lines, ORDER_SHOWN));
}
