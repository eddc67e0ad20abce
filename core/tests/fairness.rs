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

/// A question the model grades (`pick`, `type`) has no written choices: its answer is
/// what the step gives under each profile the lesson declares. That answer must not be
/// on the screen before the question either. An errno, and a number above 9, count
/// wherever they were shown; a small ID (a word as common as "step 5") counts in the
/// prompt and in the narration of the step just before.
#[test]
fn no_question_the_model_grades_gives_its_answer_away() {
    use ioasid_core::lesson::fairness::{giveaways, Finding, Kind, Seen};
    use ioasid_core::quiz::{truth, Truth};
    use ioasid_core::run::run_under;
    let mut found = Vec::new();
    let mut checked = 0;
    for (id, l) in all() {
        for &p in &l.profiles {
            let trace = run_under(&l, p).unwrap_or_else(|e| panic!("{id} under {p}: {e}"));
            for (i, (step, st)) in l.steps.iter().zip(&trace.steps).enumerate() {
                let Some(q) = step.ask.as_ref().filter(|q| q.computed()) else {
                    continue;
                };
                let (key, anywhere) = match truth(q, st) {
                    Ok(Truth::HandsOut(n) | Truth::Changes(n)) => (n.to_string(), n > 9),
                    Ok(Truth::Value(v)) => (v.to_string(), v > 9),
                    Ok(Truth::Fails(e)) => (e.to_string(), true),
                    Err(why) => panic!("{id} step {} under {p}: {why}", i + 1),
                };
                checked += 1;
                let near = |f: &Finding| match &f.kind {
                    Kind::Told(Seen::Prompt) => true,
                    Kind::Told(Seen::Say(j)) => j + 1 == i,
                    _ => false,
                };
                found.extend(
                    giveaways(&l, i, &[key])
                        .into_iter()
                        .filter(|f| anywhere || near(f))
                        .map(|f| format!("{id} under {p}: {f}")),
                );
            }
        }
    }
    assert!(checked >= 3, "the built-ins ask the model's questions");
    assert!(found.is_empty(), "{}", found.join("\n"));
}
