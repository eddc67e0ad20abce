//! Small pure helpers shared by the components: shared handles compared by identity,
//! number and error formatting, set colours, timeline markers. No allocator logic.
use ioasid_core::id::data_label;
use ioasid_core::lesson::LessonError;
use ioasid_core::space::{Entry, IdState, World};
use ioasid_core::trace::{Marker, StepTrace};
use ioasid_core::Trace;
use std::ops::Deref;
use std::rc::Rc;

/// A shared value compared by identity: two are equal when they are the same one. Cheap
/// to clone and to compare, so components can take big values (a world, a trace) as props.
#[derive(Debug)]
pub struct ByPtr<T>(pub Rc<T>);

impl<T> Clone for ByPtr<T> {
    fn clone(&self) -> Self {
        ByPtr(Rc::clone(&self.0))
    }
}

impl<T> PartialEq for ByPtr<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for ByPtr<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A world shared between the state and the components.
pub type WorldRef = ByPtr<World>;

/// A trace shared between the state and the components.
pub type TraceRef = ByPtr<Trace>;

/// One step of a trace, by index: what the code pane, narration and panels show.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRef {
    pub trace: TraceRef,
    pub index: usize,
}

impl StepRef {
    /// The step, if the index is in the trace.
    pub fn get(&self) -> Option<&StepTrace> {
        self.trace.steps.get(self.index)
    }
}

/// `1048575` as `1,048,575`.
pub fn num(n: impl Into<u64>) -> String {
    let s = n.into().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Step numbers in words: "4", "4 and 9", "4, 9 and 12".
pub fn step_list(steps: &[u64]) -> String {
    let words: Vec<String> = steps.iter().map(|s| num(*s)).collect();
    match words.as_slice() {
        [init @ .., last] if !init.is_empty() => format!("{} and {last}", init.join(", ")),
        _ => words.concat(),
    }
}

/// How many of the questions a jump went past are named by their step.
const PASSED_LISTED: usize = 5;

/// What the player says after a jump went past unanswered questions (step indexes):
/// "Went past 3 questions without an answer (steps 6, 9 and 15)." A long list names
/// the first few and counts the rest: a screen reader reads the line out whole.
pub fn passed_questions_text(indexes: &[usize]) -> String {
    let n = indexes.len();
    let numbers: Vec<u64> = indexes
        .iter()
        .take(PASSED_LISTED)
        .map(|i| *i as u64 + 1)
        .collect();
    let which = match n - numbers.len() {
        0 => step_list(&numbers),
        rest => {
            let named: Vec<String> = numbers.iter().map(|s| num(*s)).collect();
            format!("{} and {} more", named.join(", "), num(rest as u64))
        }
    };
    if n == 1 {
        format!("Went past a question without an answer (step {which}).")
    } else {
        format!(
            "Went past {} questions without an answer (steps {which}).",
            num(n as u64)
        )
    }
}

/// A lesson error in words, with the step counted from 1 as on screen:
/// "Step 3 (alloc), field `min`: missing".
pub fn lesson_error(e: &LessonError) -> String {
    describe_lesson_error(e, false)
}

/// A mistake in a lesson file, also giving the step's index in `steps` as the command
/// line does, for the author's editor: "Step 3 (steps[2], alloc), field `min`: missing".
pub fn file_error(e: &LessonError) -> String {
    describe_lesson_error(e, true)
}

fn describe_lesson_error(e: &LessonError, index: bool) -> String {
    let mut out = String::new();
    if let Some(s) = e.step {
        out.push_str(&format!("Step {}", s + 1));
        match (&e.op, index) {
            (Some(op), true) => out.push_str(&format!(" (steps[{s}], {op})")),
            (None, true) => out.push_str(&format!(" (steps[{s}])")),
            (Some(op), false) => out.push_str(&format!(" ({op})")),
            (None, false) => {}
        }
        out.push_str(", ");
    }
    match &e.field {
        Some(f) if !f.is_empty() => {
            let lead = if out.is_empty() { "Field" } else { "field" };
            out.push_str(&format!("{lead} `{f}`: "));
        }
        _ => {}
    }
    out.push_str(&e.message);
    out
}

/// The number of set colours (each with its own pattern) before they repeat.
pub const SET_STYLES: usize = 8;

/// The style slot of a set: 0 for "no set", else 1..=SET_STYLES from the set's name, so a
/// set keeps its colour and pattern from step to step.
pub fn set_style(set: Option<&str>) -> usize {
    match set {
        None => 0,
        Some("sva") => 1,
        Some(name) => {
            // FNV-1a: stable across runs and builds.
            let mut h: u32 = 0x811c_9dc5;
            for b in name.bytes() {
                h ^= u32::from(b);
                h = h.wrapping_mul(0x0100_0193);
            }
            2 + (h as usize % (SET_STYLES - 1))
        }
    }
}

/// A short tag for a set, to print inside small cells.
pub fn set_tag(set: Option<&str>) -> String {
    match set {
        None => "–".into(),
        Some(s) => s.chars().take(4).collect(),
    }
}

/// What a timeline marker means, in words (the core's), and the letter drawn on it.
pub fn marker_info(m: Marker) -> (&'static str, &'static str) {
    let glyph = match m {
        Marker::Error => "✕",
        Marker::AllocatorSwitch => "⇄",
        Marker::FaultResponse => "↩",
        Marker::ExpectFailed => "!",
        Marker::Question => "?",
        Marker::HazardCreated => "△",
        Marker::HazardBites => "↯",
    };
    (ioasid_core::narrate::marker_words(m), glyph)
}

/// Which marker to draw when several meet on one spot: the most telling one (the core
/// ranks them).
pub use ioasid_core::narrate::marker_rank;

/// A timeline mark: the step (1-based, as on screen) and its most telling marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimelineMark {
    pub step: usize,
    pub marker: Marker,
    /// How many marked steps it stands for (> 1 when they were too close to draw apart).
    pub count: usize,
}

/// The marks of a trace, at most `buckets` of them: steps too close together to draw
/// apart share one mark (the most telling marker wins).
pub fn timeline_marks(trace: &Trace, buckets: usize) -> Vec<TimelineMark> {
    let n = trace.steps.len();
    let buckets = buckets.max(1);
    let mut out: Vec<TimelineMark> = Vec::new();
    let mut last_bucket = usize::MAX;
    for st in &trace.steps {
        let Some(best) = st.markers.iter().copied().max_by_key(|m| marker_rank(*m)) else {
            continue;
        };
        let bucket = st.index * buckets / n.max(1);
        if bucket == last_bucket {
            if let Some(m) = out.last_mut() {
                m.count += 1;
                if marker_rank(best) > marker_rank(m.marker) {
                    m.marker = best;
                    m.step = st.index + 1;
                }
            }
            continue;
        }
        last_bucket = bucket;
        out.push(TimelineMark {
            step: st.index + 1,
            marker: best,
            count: 1,
        });
    }
    out
}

/// An ID's private data in words: a quarantined ID's data was cleared by its free.
pub fn data_text(e: Option<&Entry>) -> String {
    match e {
        Some(e) if e.state == IdState::Quarantined => "cleared at free (quarantined)".into(),
        Some(e) => data_label(e.data.as_ref()),
        None => "free".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ioasid_core::lesson::Lesson;

    /// Steps are counted from 1 as on screen; a long list is cut to a few and a count.
    #[test]
    fn passed_questions_are_named_then_counted() {
        let one = passed_questions_text(&[3]);
        assert!(
            one.contains("a question") && one.contains("(step 4)"),
            "{one}"
        );
        let three = passed_questions_text(&[5, 8, 14]);
        assert!(
            three.contains("3 questions") && three.contains("steps 6, 9 and 15"),
            "{three}"
        );
        let many: Vec<usize> = (0..1200).map(|i| i * 2).collect();
        let text = passed_questions_text(&many);
        assert!(text.contains("1,200 questions"), "{text}");
        let rest = num((many.len() - PASSED_LISTED) as u64);
        assert!(text.contains(&format!(" and {rest} more")), "{text}");
        let first: Vec<String> = (0..PASSED_LISTED)
            .map(|k| (2 * k + 1).to_string())
            .collect();
        assert!(
            text.contains(&format!("steps {} and", first.join(", "))),
            "{text}"
        );
    }

    #[test]
    fn numbers_get_separators() {
        assert_eq!(num(0u32), "0");
        assert_eq!(num(999u32), "999");
        assert_eq!(num(1000u32), "1,000");
        assert_eq!(num(1_048_575u32), "1,048,575");
    }

    #[test]
    fn errors_count_steps_from_one() {
        let e = LessonError {
            step: Some(2),
            op: Some("alloc".into()),
            field: Some("min".into()),
            message: "missing".into(),
        };
        assert_eq!(lesson_error(&e), "Step 3 (alloc), field `min`: missing");
        assert_eq!(
            file_error(&e),
            "Step 3 (steps[2], alloc), field `min`: missing"
        );
        let top = LessonError {
            step: None,
            op: None,
            field: Some("format".into()),
            message: "missing".into(),
        };
        assert_eq!(lesson_error(&top), "Field `format`: missing");
    }

    #[test]
    fn set_styles_are_stable_and_in_range() {
        assert_eq!(set_style(None), 0);
        assert_eq!(set_style(Some("sva")), 1);
        for name in ["vm1", "vm2", "gpu", "a", "b", "dma", "x"] {
            let s = set_style(Some(name));
            assert!((2..=SET_STYLES).contains(&s), "{name}: {s}");
            assert_eq!(s, set_style(Some(name)));
        }
    }

    #[test]
    fn marks_are_bucketed() {
        let text = r#"{"format":1,"title":"t","profile":"v5.5","steps":[
            {"op":"free","id":5},{"op":"find","id":5},{"op":"find","id":6},
            {"op":"alloc","min":1,"max":1}]}"#;
        let lesson = Lesson::parse(text).unwrap();
        let mut l2 = lesson.clone();
        l2.profile = ioasid_core::Profile::Improved;
        let trace = ioasid_core::run_under(&lesson, ioasid_core::Profile::Improved).unwrap();
        let all = timeline_marks(&trace, 100);
        assert!(all.iter().all(|m| m.count == 1));
        assert!(all.len() >= 2, "{all:?}");
        let one = timeline_marks(&trace, 1);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].count, all.len());
    }
}
