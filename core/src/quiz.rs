//! Grading a learner's answer to a step's question. A multiple-choice question is graded
//! against the author's `answer`; a `pick` or `type` question against what the step did
//! in the run shown (its result and the IDs it changed), so the same question is right
//! under every profile a lesson declares. [`ungradable`] finds the questions a run gives
//! nothing to grade against.
use crate::id::{Errno, Ioasid};
use crate::lesson::{Lesson, Question, Typed};
use crate::profile::Profile;
use crate::run::run_under;
use crate::trace::{Outcome, StepTrace, Trace, Val};

/// A learner's answer to a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A multiple-choice answer: the index of the choice.
    Choice(usize),
    /// An ID picked on the grid, or a number typed.
    Id(u64),
    /// Typed text (an errno's name, or a number not yet read).
    Text(String),
    /// No answer: "just show me".
    Skipped,
}

/// What the step did that a `pick` or `type` question asks about, as the model ran it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    /// The step handed out this ID (alloc, bind, host_alloc).
    HandsOut(Ioasid),
    /// The step changed this ID's entry (free, set_data, ...).
    Changes(Ioasid),
    /// The step returned this number.
    Value(u64),
    /// The step failed with this errno.
    Fails(Errno),
}

impl Truth {
    /// The right answer in words: "the step hands out ID 3".
    pub fn words(self) -> String {
        match self {
            Truth::HandsOut(id) => format!("the step hands out ID {id}"),
            Truth::Changes(id) => format!("the step changes ID {id}"),
            Truth::Value(v) if v > 9 => format!("the step returns {v} ({v:#x})"),
            Truth::Value(v) => format!("the step returns {v}"),
            Truth::Fails(e) => match errno_code(e) {
                Some(c) => format!("the step fails with {e} (-{c}: {})", e.meaning()),
                None => format!("the step fails with {e} ({})", e.meaning()),
            },
        }
    }
}

/// The verdict on one answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Right,
    Wrong,
    Skipped,
    /// The answer could not be read (typed text that is no number or errno): the
    /// message says why. Not graded: the learner may answer again.
    Unreadable(String),
    /// The run gives nothing to grade against (the step did not do what the question
    /// asks about in this run): the message says why.
    Ungradable(String),
}

/// A graded answer: the verdict, and the right answer in words (for a computed
/// question; `None` for multiple choice, whose answer is the author's choice, and when
/// the run gives none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graded {
    pub verdict: Verdict,
    pub answer: Option<String>,
}

impl Graded {
    /// The verdict in words, as the page shows it after the answer: "Right: the step
    /// hands out ID 5.", "Not quite: ...", "The answer: ..." (skipped), or why it was
    /// not graded.
    pub fn words(&self) -> String {
        let answer = self
            .answer
            .as_deref()
            .unwrap_or("the lesson's answer is shown");
        match &self.verdict {
            Verdict::Right => format!("Right: {answer}."),
            Verdict::Wrong => format!("Not quite: {answer}."),
            Verdict::Skipped => format!("The answer: {answer}."),
            Verdict::Unreadable(msg) => msg.clone(),
            Verdict::Ungradable(why) => {
                format!("Not graded: in this run {why}, so the question has no answer here.")
            }
        }
    }
}

/// The right answer to a `pick` or `type` question, from what `step` did: the ID a
/// `pick` question's step handed out (its result) or else changed (its one changed
/// ID), the number a `"value"` step returned, the errno an `"errno"` step failed with.
/// `Err` says why there is none (the step failed, succeeded, or changed no ID or
/// several); also `Err` for a multiple-choice question. `step` must come from a run
/// that records (its `changed` is empty otherwise).
pub fn truth(q: &Question, step: &StepTrace) -> Result<Truth, String> {
    let got = match &step.result {
        Outcome::Ok(Val::Id(v)) => format!("returns {v}"),
        Outcome::Ok(Val::Null) => "returns nothing".to_string(),
        Outcome::Ok(_) => "returns no number".to_string(),
        Outcome::Err(e) => format!("fails with {e}"),
    };
    if q.pick.is_some() {
        let hands_out = matches!(step.op, "alloc" | "bind" | "host_alloc");
        if let (true, Some(id)) = (hands_out, result_id(&step.result)) {
            return Ok(Truth::HandsOut(id));
        }
        return match (&step.result, step.changed.as_slice()) {
            (Outcome::Ok(_), [id]) => Ok(Truth::Changes(*id)),
            (Outcome::Ok(_), []) => Err(format!(
                "the step {got} and changes no ID, so there is no ID to pick"
            )),
            (Outcome::Ok(_), many) => Err(format!(
                "the step changes {} IDs, so no one ID is the answer",
                many.len()
            )),
            (Outcome::Err(_), _) => Err(format!("the step {got}, so there is no ID to pick")),
        };
    }
    match (q.typed, &step.result) {
        (Some(Typed::Value), Outcome::Ok(Val::Id(v))) => Ok(Truth::Value(*v)),
        (Some(Typed::Value), _) => Err(format!("the step {got}: no number to type")),
        (Some(Typed::Errno), Outcome::Err(e)) => Ok(Truth::Fails(*e)),
        (Some(Typed::Errno), _) => Err(format!("the step {got}: no errno to type")),
        (None, _) => Err("a multiple-choice question: its answer is the author's".into()),
    }
}

fn result_id(r: &Outcome) -> Option<Ioasid> {
    match r {
        Outcome::Ok(v) => v.id(),
        Outcome::Err(_) => None,
    }
}

/// Grades `reply` to question `q` of `step`. A multiple-choice question is right when
/// the choice is the author's `answer`; a computed one when the ID picked, number typed
/// or errno typed (read leniently: see [`read_reply`]) is what the step did. Typed text
/// that cannot be read is [`Verdict::Unreadable`], never "wrong".
pub fn grade(q: &Question, step: &StepTrace, reply: &Reply) -> Graded {
    if !q.computed() {
        let verdict = match reply {
            Reply::Skipped => Verdict::Skipped,
            Reply::Choice(i) if Some(*i) == q.answer => Verdict::Right,
            _ => Verdict::Wrong,
        };
        return Graded {
            verdict,
            answer: None,
        };
    }
    let truth = match truth(q, step) {
        Ok(t) => t,
        Err(why) => {
            return Graded {
                verdict: Verdict::Ungradable(why),
                answer: None,
            }
        }
    };
    let reply = match reply {
        Reply::Text(t) => read_reply(q, t),
        other => Ok(other.clone()),
    };
    let verdict = match reply {
        Err(msg) => Verdict::Unreadable(msg),
        Ok(Reply::Skipped) => Verdict::Skipped,
        Ok(r) => {
            let right = match (truth, r) {
                (Truth::HandsOut(id) | Truth::Changes(id), Reply::Id(n)) => u64::from(id) == n,
                (Truth::Value(v), Reply::Id(n)) => v == n,
                (Truth::Fails(e), Reply::Text(t)) => e.name() == t,
                _ => false,
            };
            if right {
                Verdict::Right
            } else {
                Verdict::Wrong
            }
        }
    };
    Graded {
        verdict,
        answer: Some(truth.words()),
    }
}

/// Reads typed text as an answer to `q`: for a `pick` or `"value"` question a number,
/// decimal or `0x` hex, around which spaces do not matter ([`Reply::Id`]); for an
/// `"errno"` question an errno's name in any case (`enospc`), or its number (`-28` or
/// `28`), as [`Reply::Text`] holding the name. `Err`, with a message saying what to
/// type, for empty text and any other that is not an answer of its kind (and for a
/// multiple-choice question, answered with a choice).
pub fn read_reply(q: &Question, text: &str) -> Result<Reply, String> {
    let t = text.trim();
    if q.typed == Some(Typed::Errno) {
        if t.is_empty() {
            return Err("Type an errno's name, such as ENOSPC.".into());
        }
        let upper = t.to_ascii_uppercase();
        if let Some(e) = Errno::ALL.iter().find(|e| e.name() == upper) {
            return Ok(Reply::Text(e.name().to_string()));
        }
        let code = t.strip_prefix('-').unwrap_or(t).parse::<u32>().ok();
        if let Some(e) =
            code.and_then(|c| Errno::ALL.into_iter().find(|e| errno_code(*e) == Some(c)))
        {
            return Ok(Reply::Text(e.name().to_string()));
        }
        let names: Vec<&str> = Errno::ALL.iter().map(|e| e.name()).collect();
        return Err(format!(
            "\"{t}\" is not an errno this model knows: type one of {}.",
            names.join(", ")
        ));
    }
    if !q.computed() {
        return Err("This question is answered with one of its choices.".into());
    }
    let what = if q.pick.is_some() {
        "an ID"
    } else {
        "a number"
    };
    if t.is_empty() {
        return Err(format!("Type {what}, such as 3 or 0x3."));
    }
    let lower = t.to_ascii_lowercase();
    let n = match lower.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => lower.parse::<u64>(),
    };
    n.map(Reply::Id).map_err(|_| {
        if lower.starts_with('-') {
            format!("\"{t}\" is negative: {what} is 0 or more.")
        } else {
            format!("\"{t}\" is not {what}: type a number, decimal (12) or hex (0xc).")
        }
    })
}

/// The number Linux gives an errno (`ENOSPC` is 28; a call returns it negated), from
/// include/uapi/asm-generic/errno-base.h and errno.h; `None` for `INVALID_IOASID`,
/// which is an ID, not an errno.
pub fn errno_code(e: Errno) -> Option<u32> {
    Some(match e {
        Errno::EPERM => 1,
        Errno::ENOENT => 2,
        Errno::EAGAIN => 11,
        Errno::ENOMEM => 12,
        Errno::EACCES => 13,
        Errno::EBUSY => 16,
        Errno::EEXIST => 17,
        Errno::EINVAL => 22,
        Errno::ENOSPC => 28,
        Errno::EOVERFLOW => 75,
        Errno::EOPNOTSUPP => 95,
        Errno::INVALID_IOASID => return None,
    })
}

/// A `pick` or `type` question that a declared profile gives nothing to grade against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ungradable {
    pub profile: Profile,
    /// The step's index in `steps`.
    pub index: usize,
    pub op: &'static str,
    /// Why (see [`truth`]).
    pub why: String,
}

impl Ungradable {
    /// The page's words for it: "Step 1 (free) under v5.11: its question has nothing to
    /// grade an answer against: ..." (the command line names the field instead, in the
    /// form of a lesson mistake).
    pub fn sentence(&self) -> String {
        format!(
            "Step {} ({}) under {}: its question has nothing to grade an answer against: {}.",
            self.index + 1,
            self.op,
            self.profile,
            self.why
        )
    }
}

/// Runs `lesson` under every profile it declares (recording, as the page does) and
/// lists each `pick` or `type` question whose step gives nothing to grade against under
/// one of them. A lesson without such questions is not run. A profile the lesson's
/// knobs do not fit is skipped (the expectation check reports it).
pub fn ungradable(lesson: &Lesson) -> Vec<Ungradable> {
    if !lesson
        .steps
        .iter()
        .any(|s| s.ask.as_ref().is_some_and(Question::computed))
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    for &profile in &lesson.profiles {
        if let Ok(trace) = run_under(lesson, profile) {
            out.extend(ungradable_in(lesson, &trace));
        }
    }
    out
}

/// [`ungradable`] for one run of `lesson` already computed (`trace`, recording, under
/// its profile): no run of its own. Linear in the steps; never fails.
pub fn ungradable_in(lesson: &Lesson, trace: &Trace) -> Vec<Ungradable> {
    let mut out = Vec::new();
    for (step, st) in lesson.steps.iter().zip(&trace.steps) {
        let Some(q) = step.ask.as_ref().filter(|q| q.computed()) else {
            continue;
        };
        if let Err(why) = truth(q, st) {
            out.push(Ungradable {
                profile: trace.profile,
                index: st.index,
                op: st.op,
                why,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::run_lesson;

    /// Under v5.11 a full range fails with INVALID_IOASID; under improved, ENOSPC.
    const LESSON: &str = r#"{"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"],
      "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "as": "a",
         "ask": {"prompt": "Which ID?", "pick": "id", "explain": "first fit"}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9,
         "ask": {"prompt": "What number?", "type": "value", "explain": "first fit"}},
        {"op": "set_data", "id": "$a", "data": {"mm": "A"},
         "ask": {"prompt": "Which ID changes?", "pick": "id", "explain": "e"}},
        {"op": "alloc", "set": "sva", "min": 2, "max": 2,
         "ask": {"prompt": "Which error?", "type": "errno", "explain": "full"}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9,
         "ask": {"prompt": "Old kind", "choices": ["3", "4"], "answer": 0, "explain": "e"}}
      ]}"#;

    fn setup(profile: Profile) -> (Lesson, crate::trace::Trace) {
        let l = Lesson::parse(LESSON).expect("parses");
        let t = run_under(&l, profile).expect("runs");
        (l, t)
    }

    fn graded(l: &Lesson, t: &crate::trace::Trace, i: usize, r: Reply) -> Graded {
        grade(l.steps[i].ask.as_ref().expect("asks"), &t.steps[i], &r)
    }

    #[test]
    fn a_picked_id_is_graded_against_the_id_the_step_hands_out_or_changes() {
        let (l, t) = setup(Profile::V5_11);
        let g = graded(&l, &t, 0, Reply::Id(1));
        assert_eq!(g.verdict, Verdict::Right);
        assert_eq!(g.answer.as_deref(), Some("the step hands out ID 1"));
        assert_eq!(graded(&l, &t, 0, Reply::Id(2)).verdict, Verdict::Wrong);
        // set_data hands out nothing: the answer is the ID it changed.
        let g = graded(&l, &t, 2, Reply::Id(1));
        assert_eq!(g.verdict, Verdict::Right);
        assert_eq!(g.answer.as_deref(), Some("the step changes ID 1"));
        assert_eq!(graded(&l, &t, 2, Reply::Id(2)).verdict, Verdict::Wrong);
        assert_eq!(graded(&l, &t, 2, Reply::Skipped).verdict, Verdict::Skipped);
        // In words, as the page shows it.
        assert_eq!(
            graded(&l, &t, 0, Reply::Id(1)).words(),
            "Right: the step hands out ID 1."
        );
        assert_eq!(
            graded(&l, &t, 0, Reply::Id(4)).words(),
            "Not quite: the step hands out ID 1."
        );
        assert_eq!(
            graded(&l, &t, 2, Reply::Skipped).words(),
            "The answer: the step changes ID 1."
        );
    }

    #[test]
    fn typed_numbers_are_read_leniently_and_graded() {
        let (l, t) = setup(Profile::V5_11);
        for text in ["2", " 2 ", "0x2", "0X02"] {
            let g = graded(&l, &t, 1, Reply::Text(text.into()));
            assert_eq!(g.verdict, Verdict::Right, "{text:?}");
        }
        let g = graded(&l, &t, 1, Reply::Text("3".into()));
        assert_eq!(g.verdict, Verdict::Wrong);
        assert_eq!(g.answer.as_deref(), Some("the step returns 2"));
        // Text that is no number is not graded, and says what to type.
        for text in ["two", "", "-2", "0xZZ"] {
            match graded(&l, &t, 1, Reply::Text(text.into())).verdict {
                Verdict::Unreadable(msg) => assert!(msg.contains("number"), "{text:?}: {msg}"),
                v => panic!("{text:?}: {v:?}"),
            }
        }
        let q = l.steps[1].ask.as_ref().expect("asks");
        assert_eq!(read_reply(q, "0x10"), Ok(Reply::Id(16)));
    }

    #[test]
    fn an_errno_is_graded_against_this_runs_failure_in_every_era() {
        let (l, t) = setup(Profile::V5_11);
        assert_eq!(
            graded(&l, &t, 3, Reply::Text("invalid_ioasid".into())).verdict,
            Verdict::Right
        );
        let g = graded(&l, &t, 3, Reply::Text("ENOSPC".into()));
        assert_eq!(g.verdict, Verdict::Wrong);
        assert!(
            g.answer
                .as_deref()
                .is_some_and(|a| a.starts_with("the step fails with INVALID_IOASID")),
            "{g:?}"
        );
        let (l, t) = setup(Profile::Improved);
        for text in ["ENOSPC", "enospc ", "-28", "28"] {
            let g = graded(&l, &t, 3, Reply::Text(text.into()));
            assert_eq!(g.verdict, Verdict::Right, "{text:?}");
        }
        let g = graded(&l, &t, 3, Reply::Text("EINVAL".into()));
        assert_eq!(g.verdict, Verdict::Wrong);
        assert!(
            g.answer
                .as_deref()
                .is_some_and(|a| a.contains("ENOSPC (-28")),
            "{g:?}"
        );
        match graded(&l, &t, 3, Reply::Text("ENOPE".into())).verdict {
            Verdict::Unreadable(msg) => assert!(msg.contains("ENOSPC"), "{msg}"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn multiple_choice_is_graded_against_the_authors_answer() {
        let (l, t) = setup(Profile::V5_11);
        let g = graded(&l, &t, 4, Reply::Choice(0));
        assert_eq!((g.verdict, g.answer), (Verdict::Right, None));
        assert_eq!(graded(&l, &t, 4, Reply::Choice(1)).verdict, Verdict::Wrong);
        assert_eq!(graded(&l, &t, 4, Reply::Skipped).verdict, Verdict::Skipped);
    }

    #[test]
    fn a_step_that_does_not_do_what_is_asked_is_ungradable_and_listed() {
        // The errno question of step 3 is fine; a pick on a failing free and a value on
        // a failing alloc are not, under v5.11 only.
        let text = r#"{"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"],
          "steps": [
            {"op": "free", "id": 7, "ask": {"prompt": "?", "pick": "id", "explain": "."}},
            {"op": "alloc", "set": "sva", "min": 1, "max": 4294967295,
             "ask": {"prompt": "?", "type": "value", "explain": "."}}
          ]}"#;
        let l = Lesson::parse(text).expect("parses");
        let list = ungradable(&l);
        let at: Vec<(Profile, usize)> = list.iter().map(|u| (u.profile, u.index)).collect();
        assert_eq!(
            at,
            [
                (Profile::V5_11, 0),
                (Profile::Improved, 0),
                (Profile::Improved, 1)
            ],
            "{list:?}"
        );
        assert!(list[0].why.contains("no ID to pick"), "{}", list[0].why);
        assert!(list[2].why.contains("fails with EINVAL"), "{}", list[2].why);
        // In the page, the verdict says why instead of grading.
        let t = run_lesson(&l).expect("runs");
        let g = grade(
            l.steps[0].ask.as_ref().expect("asks"),
            &t.steps[0],
            &Reply::Id(7),
        );
        assert!(matches!(g.verdict, Verdict::Ungradable(_)), "{g:?}");
        assert!(ungradable(&Lesson::parse(LESSON).expect("parses")).is_empty());
    }

    #[test]
    fn errno_codes_are_linuxs() {
        // include/uapi/asm-generic/errno-base.h: ENOENT 2, ENOSPC 28.
        assert_eq!(errno_code(Errno::ENOENT), Some(2));
        assert_eq!(errno_code(Errno::ENOSPC), Some(28));
        assert_eq!(errno_code(Errno::INVALID_IOASID), None);
        let codes: std::collections::HashSet<_> =
            Errno::ALL.iter().filter_map(|e| errno_code(*e)).collect();
        assert_eq!(codes.len(), Errno::ALL.len() - 1, "no two share a number");
    }
}
