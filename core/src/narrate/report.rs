//! The end-of-lesson report: how many questions the learner got right the first time,
//! and for each one missed or skipped, the concept to revisit and the step that teaches
//! it (the question's `concept` and `learn_at`).
use crate::lesson::Lesson;

/// One question to go back to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revisit {
    /// The question's step (0-based).
    pub step: usize,
    /// What to revisit: the question's `concept`, or its prompt when it names none.
    pub concept: String,
    /// The step that teaches it (0-based, for a seek): the question's `learn_at`, or
    /// the question's own step when it names none.
    pub learn_at: usize,
    /// Not answered at all (skipped past), rather than answered wrong first.
    pub skipped: bool,
}

impl Revisit {
    /// In words, steps counted from 1: "Step 7 (answered wrong): revisit the mm getter
    /// refuses an exited process, taught at step 5."
    pub fn words(&self) -> String {
        format!(
            "Step {} ({}): revisit {}, taught at step {}.",
            self.step + 1,
            if self.skipped {
                "skipped"
            } else {
                "answered wrong"
            },
            self.concept,
            self.learn_at + 1
        )
    }
}

/// How a lesson's questions went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonReport {
    /// Questions whose first answer was right.
    pub right_first_time: usize,
    /// Questions in the lesson.
    pub questions: usize,
    /// Every question missed or skipped, in step order.
    pub revisit: Vec<Revisit>,
}

impl LessonReport {
    /// "3 of 5 questions right the first time." ("No questions in this lesson." when
    /// it has none.)
    pub fn headline(&self) -> String {
        match self.questions {
            0 => "No questions in this lesson.".into(),
            n => format!(
                "{} of {n} question{} right the first time.",
                self.right_first_time,
                if n == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The report for `lesson`, where `first_right(i)` says whether the learner's first
/// answer to the question of step `i` (0-based) was right: `Some(true)` right,
/// `Some(false)` wrong, `None` not answered. Asked only for steps with a question. A
/// `learn_at` past the lesson's end (refused when the lesson is parsed, so only in a
/// lesson built by hand) falls back to the question's own step. Never panics.
pub fn lesson_report(lesson: &Lesson, first_right: impl Fn(usize) -> Option<bool>) -> LessonReport {
    let mut report = LessonReport {
        right_first_time: 0,
        questions: 0,
        revisit: Vec::new(),
    };
    for (i, step) in lesson.steps.iter().enumerate() {
        let Some(q) = &step.ask else { continue };
        report.questions += 1;
        let answer = first_right(i);
        if answer == Some(true) {
            report.right_first_time += 1;
            continue;
        }
        let learn_at = q
            .learn_at
            .and_then(|n| n.checked_sub(1))
            .filter(|&n| n < lesson.steps.len())
            .unwrap_or(i);
        report.revisit.push(Revisit {
            step: i,
            concept: q.concept.clone().unwrap_or_else(|| q.prompt.clone()),
            learn_at,
            skipped: answer.is_none(),
        });
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson() -> Lesson {
        let ask = |concept: Option<&str>, learn_at: Option<usize>| {
            let mut q = serde_json::json!({"prompt": "Which ID?", "choices": ["1", "2"],
                "answer": 0, "explain": "e"});
            if let Some(c) = concept {
                q["concept"] = c.into();
            }
            if let Some(n) = learn_at {
                q["learn_at"] = n.into();
            }
            q
        };
        Lesson::from_value(serde_json::json!({
            "format": 1, "title": "t", "profile": "v5.11",
            "steps": [
                {"op": "alloc", "set": "sva", "min": 1, "max": 9},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9, "ask": ask(Some("first fit"), Some(1))},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9, "ask": ask(Some("reuse"), Some(3))},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9, "ask": ask(None, None)}
            ]
        }))
        .expect("valid")
    }

    #[test]
    fn all_right_first_time() {
        let r = lesson_report(&lesson(), |_| Some(true));
        assert_eq!((r.right_first_time, r.questions), (3, 3));
        assert!(r.revisit.is_empty());
        assert_eq!(r.headline(), "3 of 3 questions right the first time.");
    }

    #[test]
    fn a_miss_and_a_skip_name_the_concept_and_the_step_that_teaches_it() {
        let r = lesson_report(&lesson(), |i| match i {
            1 => Some(false),
            3 => None,
            _ => Some(true),
        });
        assert_eq!(r.headline(), "1 of 3 questions right the first time.");
        assert_eq!(
            r.revisit,
            vec![
                Revisit {
                    step: 1,
                    concept: "first fit".into(),
                    learn_at: 0,
                    skipped: false
                },
                Revisit {
                    step: 3,
                    concept: "reuse".into(),
                    learn_at: 2,
                    skipped: true
                },
            ]
        );
        assert_eq!(
            r.revisit[0].words(),
            "Step 2 (answered wrong): revisit first fit, taught at step 1."
        );
        assert_eq!(
            r.revisit[1].words(),
            "Step 4 (skipped): revisit reuse, taught at step 3."
        );
    }

    #[test]
    fn a_question_without_concept_points_at_itself() {
        let r = lesson_report(&lesson(), |i| Some(i != 4));
        assert_eq!(
            r.revisit,
            vec![Revisit {
                step: 4,
                concept: "Which ID?".into(),
                learn_at: 4,
                skipped: false
            }]
        );
    }

    #[test]
    fn only_question_steps_are_asked_and_a_bad_learn_at_falls_back() {
        let mut l = lesson();
        l.steps[1].ask.as_mut().unwrap().learn_at = Some(99);
        let asked = std::cell::RefCell::new(Vec::new());
        let r = lesson_report(&l, |i| {
            asked.borrow_mut().push(i);
            Some(false)
        });
        assert_eq!(*asked.borrow(), vec![1, 3, 4]);
        assert_eq!(r.revisit[0].learn_at, 1, "its own step");
        l.steps.iter_mut().for_each(|s| s.ask = None);
        assert_eq!(
            lesson_report(&l, |_| None).headline(),
            "No questions in this lesson."
        );
    }
}
