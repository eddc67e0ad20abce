//! Whose words a step's narration is ([`say_told_for`]), and whose answer a question's
//! answer is: a question is about the lesson's profile unless
//! it names another one. When the run shown went otherwise at its step (another profile
//! expects another result, or an expectation failed under the knobs chosen), the page
//! says so instead of grading the learner against a result this run did not have.
use crate::lesson::{Question, Step};
use crate::profile::Profile;

/// True when the question names a profile other than the lesson's: it compares eras,
/// holds under any profile, and is graded as usual.
pub fn compares_eras(q: &Question, lesson_profile: Profile) -> bool {
    Profile::ALL
        .iter()
        .any(|p| *p != lesson_profile && q.prompt.contains(p.name()))
}

/// The note shown beside a question when its answer is the lesson's profile's and not
/// this run's, or `None` when the question is graded against this run.
///
/// `step` is the lesson's own step (`None` for a sandbox step), `run` the profile shown,
/// `expect_ok` whether the step's expectation held in this run.
pub fn written_for_note(
    q: &Question,
    step: Option<&Step>,
    lesson_profile: Profile,
    run: Profile,
    expect_ok: Option<bool>,
) -> Option<String> {
    let differs = step.is_some_and(|s| {
        run != lesson_profile && s.expect_for(run) != s.expect_for(lesson_profile)
    });
    (!compares_eras(q, lesson_profile) && (differs || expect_ok == Some(false))).then(|| {
        let about = lesson_profile.name();
        format!(
            "This lesson asks about {about}. This run ({}) went otherwise at this step (see the result above), so the lesson's answer (◇) is {about}'s, not this run's.",
            run.name()
        )
    })
}

/// The profile a step's narration was written for, when it is not the one shown: the
/// lesson's own profile when `run` differs from it and the step has a `say` but no
/// `say_in` text for `run` (the text shown is then the lesson's, and may tell what this
/// run did not do). `None` when the text shown is `run`'s own, when the step has no
/// narration, and for a sandbox step (`step` is `None`). Never fails.
pub fn say_told_for(step: Option<&Step>, lesson_profile: Profile, run: Profile) -> Option<Profile> {
    let step = step?;
    (run != lesson_profile && step.say.is_some() && !step.say_in.contains_key(&run))
        .then_some(lesson_profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Lesson;

    const LESSON: &str = r#"{"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"],
      "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1},
         "expect_in": {"improved": {"ok": 1}},
         "ask": {"prompt": "What does it return?", "choices": ["1", "2"], "answer": 0, "explain": "e"}},
        {"op": "free", "id": 5, "expect": {"ok": null}, "expect_in": {"improved": {"err": "ENOENT"}},
         "ask": {"prompt": "What does the free do?", "choices": ["a", "b"], "answer": 0, "explain": "e"}},
        {"op": "free", "id": 6, "expect": {"ok": null}, "expect_in": {"improved": {"err": "ENOENT"}},
         "ask": {"prompt": "And under improved?", "choices": ["a", "b"], "answer": 0, "explain": "e"}}
      ]}"#;

    #[test]
    fn narration_is_told_for_the_lessons_profile_only_where_the_run_has_none() {
        let l = Lesson::parse(
            r#"{"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved", "v5.18"],
          "steps": [
            {"op": "alloc", "set": "sva", "min": 1, "max": 9, "say": "v5.11 text",
             "say_in": {"improved": "improved text"}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 9}
          ]}"#,
        )
        .expect("parses");
        let s = &l.steps[0];
        assert_eq!(s.say_for(Profile::Improved), Some("improved text"));
        assert_eq!(s.say_for(Profile::V5_11), Some("v5.11 text"));
        assert_eq!(s.say_for(Profile::V5_18), Some("v5.11 text"));
        let told = |i: usize, run: Profile| say_told_for(l.steps.get(i), l.profile, run);
        // Its own text under improved, and under the lesson's profile: no note.
        assert_eq!(told(0, Profile::Improved), None);
        assert_eq!(told(0, Profile::V5_11), None);
        // v5.18 shows v5.11's words: the note names v5.11.
        assert_eq!(told(0, Profile::V5_18), Some(Profile::V5_11));
        // No narration, or a sandbox step: nothing to note.
        assert_eq!(told(1, Profile::V5_18), None);
        assert_eq!(told(2, Profile::V5_18), None);
        // The run's trace carries the text for its profile.
        let trace = crate::run::run_under(&l, Profile::Improved).expect("runs");
        assert_eq!(trace.steps[0].say.as_deref(), Some("improved text"));
    }

    #[test]
    fn a_question_is_the_lessons_profiles_unless_it_names_another() {
        let l = Lesson::parse(LESSON).expect("parses");
        let q = |i: usize| l.steps[i].ask.as_ref().expect("a question");
        let note = |i: usize, run: Profile, ok: Option<bool>| {
            written_for_note(q(i), Some(&l.steps[i]), l.profile, run, ok)
        };
        // Same result under both: graded as usual.
        assert_eq!(note(0, Profile::Improved, Some(true)), None);
        // The run went otherwise: the note names both profiles.
        let n = note(1, Profile::Improved, Some(true)).expect("a note");
        assert!(
            n.contains("asks about v5.11") && n.contains("(improved)"),
            "{n}"
        );
        // Under the lesson's own profile, only a failed expectation calls for it.
        assert_eq!(note(1, Profile::V5_11, Some(true)), None);
        assert!(note(1, Profile::V5_11, Some(false)).is_some());
        // A question that names another profile compares eras: graded as usual.
        assert!(compares_eras(q(2), l.profile));
        assert_eq!(note(2, Profile::Improved, Some(true)), None);
        // A sandbox step has no lesson expectation to differ from.
        assert_eq!(
            written_for_note(q(1), None, l.profile, Profile::Improved, Some(true)),
            None
        );
    }
}
