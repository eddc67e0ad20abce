//! Every question of the built-in lessons is fair (see `lesson::fairness`): its answer
//! is not on the screen before it is asked, and its right choice does not stand out by
//! its length, unless the question says why it is fair anyway (`fair_because`), and
//! such an exception is still needed. Every question also names what to revisit
//! (`concept`) and the step that teaches it (`learn_at`), for the end-of-lesson report.
use ioasid_core::lesson::fairness::{needless_exceptions, unfair};
use ioasid_core::lesson::Lesson;
use ioasid_core::lessons;

fn all() -> Vec<(&'static str, Lesson)> {
    lessons::ALL
        .iter()
        .map(|b| {
            let l = Lesson::parse(b.json).unwrap_or_else(|e| panic!("{}: {e}", b.id));
            (b.id, l)
        })
        .collect()
}

#[test]
fn no_built_in_question_gives_itself_away() {
    let mut found = Vec::new();
    for (id, l) in all() {
        found.extend(unfair(&l).into_iter().map(|f| format!("{id}: {f}")));
    }
    assert!(
        found.is_empty(),
        "{} finding(s); rewrite the question or mark it `fair_because` with a reason:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn every_exception_is_still_needed() {
    let mut stale = Vec::new();
    for (id, l) in all() {
        stale.extend(
            needless_exceptions(&l)
                .into_iter()
                .map(|i| format!("{id}: step {}", i + 1)),
        );
    }
    assert!(
        stale.is_empty(),
        "`fair_because` on a question nothing flags (drop it): {stale:?}"
    );
}

#[test]
fn every_question_names_its_concept_and_the_step_that_teaches_it() {
    let mut missing = Vec::new();
    for (id, l) in all() {
        for (i, s) in l.steps.iter().enumerate() {
            let Some(q) = &s.ask else { continue };
            if q.concept.is_none() || q.learn_at.is_none() {
                missing.push(format!("{id}: step {}", i + 1));
            }
        }
    }
    assert!(missing.is_empty(), "no concept or learn_at: {missing:?}");
}
