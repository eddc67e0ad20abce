//! Shared test helpers: run steps written as lesson JSON, check every `expect`, and
//! check the model's invariants after every step.
#![allow(dead_code)]
use ioasid_core::lesson::Lesson;
use ioasid_core::run::run_lesson;
use ioasid_core::trace::{Event, StepTrace};
use ioasid_core::Trace;
use serde_json::{json, Value};

/// Runs `steps` under `profile` with knob overrides; panics on a failed `expect` or a
/// broken invariant after any step.
pub fn run_with(profile: &str, knobs: Value, steps: Value) -> Trace {
    let lesson =
        json!({"format": 1, "title": "test", "profile": profile, "knobs": knobs, "steps": steps});
    let lesson = Lesson::from_value(lesson).unwrap_or_else(|e| panic!("test lesson rejected: {e}"));
    let trace = run_lesson(&lesson).expect("runs");
    for s in &trace.steps {
        assert_ne!(
            s.expect_ok,
            Some(false),
            "[{profile}] step {} ({}): expected {:?}, got {:?}\n  {}\n  kernel log: {:?}",
            s.index,
            s.op,
            s.expected,
            s.result,
            s.explain,
            s.kernel_log
        );
    }
    for i in 0..trace.len() {
        if let Err(e) = trace.world_after(i).check_invariants() {
            panic!("[{profile}] invariant broken after step {i}: {e}");
        }
    }
    trace
}

/// `run_with` without knob overrides.
pub fn run(profile: &str, steps: Value) -> Trace {
    run_with(profile, json!({}), steps)
}

/// The step at `i`.
pub fn step(t: &Trace, i: usize) -> &StepTrace {
    &t.steps[i]
}

/// True if step `i` logged a warning containing `text`.
pub fn warned(t: &Trace, i: usize, text: &str) -> bool {
    t.steps[i].kernel_log.iter().any(|w| w.contains(text))
}

/// The events of step `i` matching `pred`.
pub fn events<'a>(t: &'a Trace, i: usize, pred: impl Fn(&Event) -> bool + 'a) -> Vec<&'a Event> {
    t.steps[i].events.iter().filter(|e| pred(e)).collect()
}

/// The values generated lessons draw from (`random_lessons.rs`, `errors_reference.rs`):
/// names that exist in a lesson and names that do not, and numbers on the model's edges.
pub mod vocab {
    /// Values that sit on the model's edges: 0, the PASID limits, `INVALID_IOASID`.
    pub const EDGE: [u64; 8] = [
        0,
        1,
        2,
        1_048_575,
        1_048_576,
        4_294_967_294,
        4_294_967_295,
        65_535,
    ];
    pub const SETS: [&str; 4] = ["sva", "s1", "s2", "vm1"];
    pub const MMS: [&str; 3] = ["A", "B", "C"];
    pub const DEVICES: [&str; 3] = ["dev0", "dev1", "dev2"];
    pub const HOSTS: [&str; 2] = ["H", "H2"];
    pub const ALLOCATORS: [&str; 3] = ["v0", "v1", "v2"];
    pub const FNS: [&str; 2] = ["vcmd", "other"];
    pub const DOMAINS: [&str; 2] = ["D", "E"];
    pub const READERS: [&str; 2] = ["r1", "r2"];
    pub const PERMS: [&str; 4] = ["r", "rw", "rx", "rwx"];
    pub const VARS: [&str; 3] = ["a", "b", "c"];
}
