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
