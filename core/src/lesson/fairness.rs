//! Is a question fair? A predict-then-reveal question teaches nothing if the screen
//! already told the learner its answer, or if the right choice stands out as the
//! longest, most explained one. This module finds both, from the lesson alone:
//! - the answer told: a key of the right answer appears in what the learner read
//!   before answering (the lesson's intro and summary, the narration of every earlier
//!   step, the question's own prompt);
//! - the answer stands out: the right choice is much longer than every wrong one
//!   ([`LONGER_RATIO`] and [`LONGER_BY`]).
//!
//! A question's keys are, from its right choice, the numbers (decimal or `0x` hex,
//! compared by value), the errno names (`E[A-Z]+`) and the kernel's answer words
//! ([`KERNEL_WORDS`]: `INVALID`, `FAILURE`, `INVALID_IOASID`...) that no wrong choice has, plus the
//! author's own `key` phrase. Another kind of question (one whose answer is typed, not
//! chosen) can bring its own keys to [`giveaways`].
//!
//! What the panels and the code pane show is not read here: the review table
//! (`docs/lesson-questions.md`) covers them by hand.
use super::{Lesson, Question};
use std::fmt;

/// The right choice stands out when it is more than this many times as long as the
/// longest wrong one...
pub const LONGER_RATIO: f64 = 1.5;
/// ...and longer than it by more than this many characters (so that "3" against "1"
/// or "v5.18" against "ext" is not flagged).
pub const LONGER_BY: usize = 20;

/// Where the learner read a key before answering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    Intro,
    Summary,
    /// The narration of an earlier step (0-based index).
    Say(usize),
    /// The question's own prompt.
    Prompt,
}

/// What makes a question unfair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A key of the answer was on the screen before it was asked.
    Told(Seen),
    /// The right choice is much longer than the wrong ones.
    Longest,
}

/// One reason a question may give itself away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The question's step (0-based).
    pub step: usize,
    pub kind: Kind,
    /// The key found, or for [`Kind::Longest`] the right choice.
    pub words: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}: ", self.step + 1)?;
        match &self.kind {
            Kind::Told(seen) => {
                write!(f, "the answer's \"{}\" is already in ", self.words)?;
                match seen {
                    Seen::Intro => f.write_str("the intro"),
                    Seen::Summary => f.write_str("the summary"),
                    Seen::Say(i) => write!(f, "step {}'s narration", i + 1),
                    Seen::Prompt => f.write_str("the prompt"),
                }
            }
            Kind::Longest => write!(
                f,
                "the right choice \"{}\" is much longer than every wrong one",
                self.words
            ),
        }
    }
}

/// A word of `text`: letters, digits, `_`, and a `.` between two of them (so that
/// `v5.18` is one word and a full stop is not part of any).
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .map(|w| w.trim_matches('.'))
        .filter(|w| !w.is_empty())
}

/// The value of a number word: decimal digits, or `0x` and hex digits.
fn number(w: &str) -> Option<u64> {
    match w.strip_prefix("0x").or_else(|| w.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None if w.bytes().all(|b| b.is_ascii_digit()) => w.parse().ok(),
        None => None,
    }
}

/// The kernel's answers that are words, not errnos: page-request response codes,
/// the allocator's failure value, an ID's states.
pub const KERNEL_WORDS: [&str; 6] = [
    "SUCCESS",
    "INVALID",
    "FAILURE",
    "INVALID_IOASID",
    "FREE_PENDING",
    "NO_PASID",
];

/// A word the kernel returns: an errno name (`E` and two capitals or more) or one of
/// [`KERNEL_WORDS`]. Other capitals (`PASID`, `VFIO`, `NULL`) name things, not answers.
fn kernel_word(w: &str) -> bool {
    let errno = w.len() >= 3 && w.starts_with('E') && w.bytes().all(|b| b.is_ascii_uppercase());
    errno || KERNEL_WORDS.contains(&w)
}

/// A key of an answer: a number, or a word to match exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    Number(u64, String),
    Word(String),
    Phrase(String),
}

impl Key {
    fn parse(k: &str) -> Key {
        let k = k.trim();
        match number(k) {
            Some(n) => Key::Number(n, k.to_string()),
            None if words(k).count() == 1 && words(k).next() == Some(k) => Key::Word(k.to_string()),
            None => Key::Phrase(k.to_lowercase()),
        }
    }

    fn text(&self) -> &str {
        match self {
            Key::Number(_, s) | Key::Word(s) | Key::Phrase(s) => s,
        }
    }

    fn in_text(&self, text: &str) -> bool {
        match self {
            Key::Number(n, _) => words(text).any(|w| number(w) == Some(*n)),
            Key::Word(k) => words(text).any(|w| w == k),
            Key::Phrase(p) => text.to_lowercase().contains(p.as_str()),
        }
    }
}

/// The keys of `q`'s right answer: the numbers and kernel words of its right choice
/// that no wrong choice has, then its `key` phrase, if any. Empty when the right
/// choice has none (a choice of plain words is checked by length only).
pub fn answer_keys(q: &Question) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let Some((answer, right)) = q.answer.and_then(|a| Some((a, q.choices.get(a)?))) else {
        // A question the model grades has no written right choice: only its `key`.
        keys.extend(q.key.clone().filter(|k| !k.trim().is_empty()));
        return keys;
    };
    let wrong: Vec<&String> = q
        .choices
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != answer)
        .map(|(_, c)| c)
        .collect();
    for w in words(right) {
        let key = match number(w) {
            Some(n) => Key::Number(n, w.to_string()),
            None if kernel_word(w) => Key::Word(w.to_string()),
            None => continue,
        };
        let in_wrong = wrong.iter().any(|c| key.in_text(c));
        let again = keys.iter().any(|k| key.in_text(k));
        if !in_wrong && !again {
            keys.push(w.to_string());
        }
    }
    if let Some(k) = q.key.as_deref().filter(|k| !k.trim().is_empty()) {
        keys.push(k.to_string());
    }
    keys
}

/// Where each of `keys` was shown before the question of step `step` (0-based) was
/// asked: the intro, the summary, every earlier step's narration, the question's own
/// prompt (a step without a question has no prompt). Keys are matched as whole words
/// (numbers by value, so `0x10` finds `16`), a phrase of several words case-blind.
/// A step past the end has nothing shown before it: no findings. Never panics.
pub fn giveaways(lesson: &Lesson, step: usize, keys: &[String]) -> Vec<Finding> {
    let Some(this) = lesson.steps.get(step) else {
        return Vec::new();
    };
    let mut shown: Vec<(Seen, &str)> = Vec::new();
    shown.extend(lesson.intro.as_deref().map(|t| (Seen::Intro, t)));
    shown.push((Seen::Summary, lesson.summary.as_str()));
    for (i, s) in lesson.steps[..step].iter().enumerate() {
        shown.extend(s.say.as_deref().map(|t| (Seen::Say(i), t)));
    }
    shown.extend(this.ask.as_ref().map(|q| (Seen::Prompt, q.prompt.as_str())));
    let mut out = Vec::new();
    for k in keys.iter().map(|k| Key::parse(k)) {
        for (seen, text) in &shown {
            if k.in_text(text) {
                out.push(Finding {
                    step,
                    kind: Kind::Told(seen.clone()),
                    words: k.text().to_string(),
                });
            }
        }
    }
    out
}

/// Whether `q`'s right choice stands out by its length: more than [`LONGER_RATIO`]
/// times and more than [`LONGER_BY`] characters longer than the longest wrong one.
pub fn right_is_longest(q: &Question) -> bool {
    let len = |c: &String| c.chars().count();
    let Some((answer, right)) = q.answer.and_then(|a| Some((a, len(q.choices.get(a)?)))) else {
        return false;
    };
    let longest_wrong = q
        .choices
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != answer)
        .map(|(_, c)| len(c))
        .max()
        .unwrap_or(0);
    right as f64 > LONGER_RATIO * longest_wrong as f64 && right > longest_wrong + LONGER_BY
}

/// Everything that may give the question of step `step` away (none if it has no
/// question): [`giveaways`] of its [`answer_keys`], then [`Kind::Longest`]. A
/// question's `fair_because` is not consulted here: see [`unfair`].
pub fn question_findings(lesson: &Lesson, step: usize) -> Vec<Finding> {
    let Some(q) = lesson.steps.get(step).and_then(|s| s.ask.as_ref()) else {
        return Vec::new();
    };
    let mut out = giveaways(lesson, step, &answer_keys(q));
    if let Some(right) = q
        .answer
        .and_then(|a| q.choices.get(a))
        .filter(|_| right_is_longest(q))
    {
        out.push(Finding {
            step,
            kind: Kind::Longest,
            words: right.clone(),
        });
    }
    out
}

/// The findings of every question of `lesson` that is not a deliberate exception
/// (one with a `fair_because`), in step order. Empty for a fair lesson.
pub fn unfair(lesson: &Lesson) -> Vec<Finding> {
    (0..lesson.steps.len())
        .filter(|&i| {
            lesson.steps[i]
                .ask
                .as_ref()
                .is_some_and(|q| q.fair_because.is_none())
        })
        .flat_map(|i| question_findings(lesson, i))
        .collect()
}

/// The steps (0-based) whose question is marked `fair_because` although nothing
/// flags it: an exception left over after a rewrite, to remove.
pub fn needless_exceptions(lesson: &Lesson) -> Vec<usize> {
    (0..lesson.steps.len())
        .filter(|&i| {
            lesson.steps[i]
                .ask
                .as_ref()
                .is_some_and(|q| q.fair_because.is_some())
                && question_findings(lesson, i).is_empty()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lesson of three steps; the third asks `ask`.
    fn lesson(intro: &str, summary: &str, say: &str, ask: serde_json::Value) -> Lesson {
        let text = serde_json::json!({
            "format": 1, "title": "t", "summary": summary, "intro": intro,
            "profile": "v5.11",
            "steps": [
                {"op": "alloc", "set": "sva", "min": 1, "max": 9, "say": say},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9},
                {"op": "alloc", "set": "sva", "min": 1, "max": 9, "ask": ask}
            ]
        });
        Lesson::from_value(text).expect("a valid lesson")
    }

    fn ask(prompt: &str, choices: &[&str], answer: usize) -> serde_json::Value {
        serde_json::json!({"prompt": prompt, "choices": choices, "answer": answer, "explain": "e"})
    }

    #[test]
    fn keys_are_the_right_choices_own_numbers_and_kernel_words() {
        let l = lesson("", "", "", ask("p", &["3: the lowest", "EACCES: 1"], 0));
        let q = l.steps[2].ask.as_ref().unwrap();
        assert_eq!(answer_keys(q), vec!["3"]);
        let l = lesson("", "", "", ask("p", &["1", "EBUSY, on 0x10 of 16"], 1));
        let q = l.steps[2].ask.as_ref().unwrap();
        assert_eq!(answer_keys(q), vec!["EBUSY", "0x10"], "16 is 0x10: once");
        // Capitals that name things are not answers.
        let l = lesson(
            "",
            "",
            "",
            ask("p", &["NULL, as VFIO sees the PASID", "an mm"], 0),
        );
        assert!(answer_keys(l.steps[2].ask.as_ref().unwrap()).is_empty());
        // A word both choices share says nothing.
        let l = lesson(
            "",
            "",
            "",
            ask("p", &["INVALID, once", "INVALID, twice"], 0),
        );
        assert!(answer_keys(l.steps[2].ask.as_ref().unwrap()).is_empty());
    }

    #[test]
    fn finds_the_answer_in_an_earlier_say() {
        let l = lesson("", "", "Now 2 is free.", ask("p", &["2", "4"], 0));
        assert_eq!(
            question_findings(&l, 2),
            vec![Finding {
                step: 2,
                kind: Kind::Told(Seen::Say(0)),
                words: "2".into()
            }]
        );
    }

    #[test]
    fn finds_the_answer_in_the_intro_and_the_summary() {
        let l = lesson(
            "It answers EACCES.",
            "Wrong sets get EACCES.",
            "",
            ask("p", &["EACCES", "ENOENT"], 0),
        );
        let kinds: Vec<Kind> = question_findings(&l, 2)
            .into_iter()
            .map(|f| f.kind)
            .collect();
        assert_eq!(
            kinds,
            vec![Kind::Told(Seen::Intro), Kind::Told(Seen::Summary)]
        );
    }

    #[test]
    fn finds_the_answer_in_the_prompt() {
        let l = lesson(
            "",
            "",
            "",
            ask("The storage is empty: what now?", &["1", "4"], 0),
        );
        assert!(
            question_findings(&l, 2).is_empty(),
            "no number in the prompt"
        );
        let mut l = l;
        let q = l.steps[2].ask.as_mut().unwrap();
        q.key = Some("Storage is EMPTY".into());
        let f = question_findings(&l, 2);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].kind, Kind::Told(Seen::Prompt));
    }

    #[test]
    fn numbers_match_by_value_and_as_whole_words() {
        let l = lesson(
            "",
            "",
            "max is 0xFFFFFFFF",
            ask("p", &["4294967295", "0"], 0),
        );
        assert_eq!(question_findings(&l, 2).len(), 1);
        // 12 is not 2; v5.11 is not 11.
        let l = lesson(
            "",
            "",
            "12 went, under v5.11.",
            ask("p", &["2", "11", "4"], 0),
        );
        assert!(question_findings(&l, 2).is_empty());
    }

    #[test]
    fn later_narration_is_not_seen_before() {
        let mut l = lesson("", "", "", ask("p", &["2", "4"], 0));
        l.steps[2].say = Some("It got 2.".into());
        assert!(question_findings(&l, 2).is_empty());
        l.steps[1].say = Some("It got 2.".into());
        assert_eq!(question_findings(&l, 2)[0].kind, Kind::Told(Seen::Say(1)));
    }

    #[test]
    fn flags_a_right_choice_much_longer_than_the_others() {
        let long = "No: there is no mm to look the address up in, so it fails";
        let l = lesson("", "", "", ask("p", &["Yes", long, "No, it fails"], 1));
        assert_eq!(
            question_findings(&l, 2),
            vec![Finding {
                step: 2,
                kind: Kind::Longest,
                words: long.into()
            }]
        );
        // Long, but so is a wrong one.
        let l = lesson(
            "",
            "",
            "",
            ask(
                "p",
                &["Yes, and the address is looked up in the wrong mm", long],
                1,
            ),
        );
        assert!(question_findings(&l, 2).is_empty());
        // 1.5 times as long but only a few characters more.
        let l = lesson("", "", "", ask("p", &["v5.11", "none at all"], 1));
        assert!(question_findings(&l, 2).is_empty());
    }

    #[test]
    fn an_exception_is_not_unfair_but_must_be_needed() {
        let mut l = lesson("", "", "Now 2 is free.", ask("p", &["2", "4"], 0));
        assert_eq!(unfair(&l).len(), 1);
        l.steps[2].ask.as_mut().unwrap().fair_because = Some("the panel shows it".into());
        assert!(unfair(&l).is_empty());
        assert!(needless_exceptions(&l).is_empty());
        l.steps[0].say = None;
        assert_eq!(needless_exceptions(&l), vec![2]);
    }

    #[test]
    fn a_step_out_of_range_has_no_findings() {
        let l = lesson("", "", "2", ask("p", &["2", "4"], 0));
        assert!(giveaways(&l, 99, &["2".into()]).is_empty());
        assert!(question_findings(&l, 0).is_empty(), "no question there");
    }

    #[test]
    fn typed_answers_bring_their_own_keys() {
        let l = lesson("", "", "B got PASID 7", ask("p", &["a", "b"], 0));
        let f = giveaways(&l, 2, &["7".into()]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].to_string(),
            "step 3: the answer's \"7\" is already in step 1's narration"
        );
    }
}
