//! The mistakes a lesson can hold: collecting them (up to [`MAX_LISTED`]), the checks
//! that need more than one step (questions, `$name`s, `expect_in` and `say_in`
//! profiles), and the hints added to serde's messages ("did you mean ...?").
use super::parse::BrokenStep;
use super::text::over_bound;
use super::*;
use crate::profile::Profile;
use std::collections::{BTreeMap, HashSet};

/// The most mistakes one report lists; the rest are counted.
pub const MAX_LISTED: usize = 30;

/// The mistakes found in a lesson so far.
#[derive(Default)]
pub(super) struct Mistakes {
    list: Vec<LessonError>,
    unlisted: usize,
}

impl Mistakes {
    pub(super) fn push(&mut self, e: LessonError) {
        if self.list.len() < MAX_LISTED {
            self.list.push(e.tidied());
        } else {
            self.unlisted += 1;
        }
    }

    /// The lesson's own fields checked (the first mistakes noted): a field written
    /// under a wrong name is one mistake, not also a missing one (see
    /// [`super::parse::pair_strays_with_missing`]).
    pub(super) fn pair_top_level_strays(&mut self) {
        super::parse::pair_strays_with_missing("a lesson", &mut self.list, 0);
    }

    pub(super) fn len(&self) -> usize {
        self.list.len() + self.unlisted
    }

    /// Every mistake, in the order found (the lesson's own fields, then step by
    /// step), and a last line counting those not listed.
    pub(super) fn into_list(mut self) -> Vec<LessonError> {
        if self.unlisted > 0 {
            self.list.push(LessonError {
                step: None,
                op: None,
                field: None,
                message: format!("and {} more mistake(s) not listed", self.unlisted),
            });
        }
        self.list
    }
}

/// Notes each step's mistakes in order: why it did not parse (`Err`), then its
/// question, its `$name`s (each saved by an earlier step; not for a step whose op did
/// not parse) and its `expect_in` profiles (unless the lesson's `profile` is broken:
/// `None`). A step that did not parse still saves its `as` name, so a mistake in one
/// step does not make every later `$name` look unknown.
pub(super) fn check_steps<'a>(
    steps: impl ExactSizeIterator<Item = (Result<&'a Step, &'a BrokenStep>, Option<&'a str>)>,
    profiles: Option<&[Profile]>,
    mistakes: &mut Mistakes,
) {
    let mut names: HashSet<String> = HashSet::new();
    let count = Some(steps.len());
    for (i, (step, save_as)) in steps.enumerate() {
        check_step(i, step, &names, profiles, count, mistakes);
        if let Some(n) = save_as {
            names.insert(n.to_string());
        }
    }
}

/// The checks of step `i` of `count` ([`check_steps`]), given the `$name`s saved before
/// it: its question, its `$name`s, its bounds, and its `expect_in` and `say_in` against
/// the lesson's `profiles`. A step that did not parse is checked for what its readable
/// parts show, after its own mistakes. Notes each mistake in `mistakes`.
pub(super) fn check_step(
    i: usize,
    step: Result<&Step, &BrokenStep>,
    names: &HashSet<String>,
    profiles: Option<&[Profile]>,
    count: Option<usize>,
    mistakes: &mut Mistakes,
) {
    let checks = match step {
        Err(broken) => {
            // What the step's readable parts still show.
            broken
                .mistakes
                .iter()
                .cloned()
                .for_each(|e| mistakes.push(e));
            let op = broken.op.as_deref();
            [
                check_question(i, op, broken.ask.as_deref(), count),
                Ok(()),
                Ok(()),
                profiles.map_or(Ok(()), |p| check_expect_in(i, op, &broken.expect_in, p)),
                check_say_in(i, op, &broken.say_in, profiles),
            ]
        }
        Ok(step) => {
            let op = Some(step.op.name());
            [
                check_question(i, op, step.ask.as_ref(), count),
                // The hint is sought only for a mistake that will be listed:
                // each search reads every name saved so far.
                check_vars(i, step, names, mistakes.len() < MAX_LISTED),
                check_bounds(i, step),
                profiles.map_or(Ok(()), |p| check_expect_in(i, op, step.expect_in.keys(), p)),
                check_say_in(i, op, &step.say_in, profiles),
            ]
        }
    };
    checks
        .into_iter()
        .filter_map(Result::err)
        .for_each(|e| mistakes.push(e));
}

impl Lesson {
    /// Validates one more step as if appended to this lesson (for the sandbox).
    pub fn check_appended(&self, step: &Step) -> Result<(), LessonError> {
        check_appended(&self.steps, step)
    }
}

/// Validates `step` as the next one after `steps`: its question and its `$name`s.
pub fn check_appended(steps: &[Step], step: &Step) -> Result<(), LessonError> {
    let names: HashSet<String> = (steps.iter()).filter_map(|s| s.save_as.clone()).collect();
    check_question(
        steps.len(),
        Some(step.op.name()),
        step.ask.as_ref(),
        Some(steps.len() + 1),
    )?;
    check_vars(steps.len(), step, &names, true)
}

/// `expect_in` may name only the lesson's own profiles: an expectation for a profile
/// the lesson is never run under would never be checked.
pub(super) fn check_expect_in<'a>(
    i: usize,
    op: Option<&str>,
    named: impl IntoIterator<Item = &'a Profile>,
    profiles: &[Profile],
) -> Result<(), LessonError> {
    undeclared(i, op, "expect_in", "expectation", named, profiles)
}

/// `say_in` holds text (not blank), and only for the lesson's own profiles (`None`
/// when the lesson's `profile` is broken: that check is left out): narration for a
/// profile the lesson is never run under would never be shown.
pub(super) fn check_say_in(
    i: usize,
    op: Option<&str>,
    say_in: &BTreeMap<Profile, String>,
    profiles: Option<&[Profile]>,
) -> Result<(), LessonError> {
    if let Some((p, _)) = say_in.iter().find(|(_, t)| t.trim().is_empty()) {
        return Err(LessonError {
            step: Some(i),
            op: op.map(str::to_string),
            field: Some(format!("say_in.{p}")),
            message: format!(
                "empty narration: write what {p} shows at this step, or drop the key (`say` is shown instead)"
            ),
        });
    }
    profiles.map_or(Ok(()), |declared| {
        undeclared(i, op, "say_in", "narration", say_in.keys(), declared)
    })
}

/// The first of `named` (the keys of the step's field `field`, a per-profile `what`)
/// that is not one of the lesson's `profiles`, as a mistake.
fn undeclared<'a>(
    i: usize,
    op: Option<&str>,
    field: &str,
    what: &str,
    named: impl IntoIterator<Item = &'a Profile>,
    profiles: &[Profile],
) -> Result<(), LessonError> {
    match named.into_iter().find(|p| !profiles.contains(p)) {
        None => Ok(()),
        Some(p) => {
            let declared: Vec<&str> = profiles.iter().map(|p| p.name()).collect();
            Err(LessonError {
                step: Some(i),
                op: op.map(str::to_string),
                field: Some(format!("{field}.{p}")),
                message: format!(
                    "{p} is not one of this lesson's profiles ({}): add it to \"profiles\" or drop this {what}",
                    declared.join(", ")
                ),
            })
        }
    }
}

/// A step's texts within their bounds (see [`super::text`]): its `as` and `thread`, its
/// `say`, its question's prompt, choices and explanation.
pub(super) fn check_bounds(i: usize, step: &Step) -> Result<(), LessonError> {
    let err = |field: &str, message: String| LessonError {
        step: Some(i),
        op: Some(step.op.name().to_string()),
        field: Some(field.to_string()),
        message,
    };
    let fields = [
        ("as", step.save_as.as_deref(), MAX_NAME_CHARS, "a name"),
        (
            "thread",
            step.thread.as_deref(),
            MAX_SHORT_TEXT_CHARS,
            "a thread",
        ),
        ("say", step.say.as_deref(), MAX_TEXT_CHARS, "a narration"),
    ];
    for (field, text, max, what) in fields {
        if let Some(m) = text.and_then(|t| over_bound(t, max, what)) {
            return Err(err(field, m));
        }
    }
    let Some(q) = &step.ask else { return Ok(()) };
    if let Some(m) = over_bound(&q.prompt, MAX_TEXT_CHARS, "a prompt") {
        return Err(err("ask.prompt", m));
    }
    if let Some(m) = over_bound(&q.explain, MAX_TEXT_CHARS, "an explanation") {
        return Err(err("ask.explain", m));
    }
    for (k, c) in q.choices.iter().enumerate() {
        if let Some(m) = over_bound(c, MAX_SHORT_TEXT_CHARS, "a choice") {
            return Err(err(&format!("ask.choices[{k}]"), m));
        }
    }
    Ok(())
}

/// A question is one kind: multiple choice (`choices`, two or more, and `answer`, one
/// of them), `pick` (on an op that hands out or changes an ID) or `type` (`value` on an
/// op that returns a number). `op` is the step's op as written (`None`: unreadable). A
/// `fair_because` or a `concept`, if given, is not blank; a `learn_at` is a step number
/// counted from 1, at most `steps` (the lesson's step count, when known).
pub(super) fn check_question(
    i: usize,
    op: Option<&str>,
    q: Option<&Question>,
    steps: Option<usize>,
) -> Result<(), LessonError> {
    let Some(q) = q else { return Ok(()) };
    let err = |field: &str, message: String| LessonError {
        step: Some(i),
        op: op.map(str::to_string),
        field: Some(field.to_string()),
        message,
    };
    if q.fair_because
        .as_deref()
        .is_some_and(|r| r.trim().is_empty())
    {
        return Err(err(
            "ask.fair_because",
            "an exception needs its reason: say why the question is fair, or drop the field".into(),
        ));
    }
    if q.key.as_deref().is_some_and(|k| k.trim().is_empty()) {
        return Err(err(
            "ask.key",
            "empty: give the words that would give the answer away, or drop the field".into(),
        ));
    }
    if q.concept.as_deref().is_some_and(|c| c.trim().is_empty()) {
        return Err(err(
            "ask.concept",
            "empty: name what to revisit, or drop the field".into(),
        ));
    }
    match (q.learn_at, steps) {
        (Some(0), _) => {
            return Err(err(
                "ask.learn_at",
                "steps are counted from 1, as the player shows them".into(),
            ))
        }
        (Some(n), Some(total)) if n > total => {
            return Err(err(
                "ask.learn_at",
                format!("there is no step {n}: the lesson has {total} steps"),
            ))
        }
        _ => {}
    }
    const KINDS: &str = "a question is one kind: `choices` with `answer` (multiple choice), `pick` (an ID on the grid) or `type` (a typed value)";
    let choice = !q.choices.is_empty() || q.answer.is_some();
    match (choice, q.pick.is_some(), q.typed.is_some()) {
        (_, true, true) => {
            return Err(err(
                "ask.type",
                format!("{KINDS}; this one has both `pick` and `type`: keep one"),
            ))
        }
        (true, true, false) | (true, false, true) => {
            let field = if q.pick.is_some() { "pick" } else { "type" };
            return Err(err(
                &format!("ask.{field}"),
                format!("{KINDS}; this one has both `choices` and `{field}` (the model computes a `{field}` question's answer): drop `choices` and `answer`, or `{field}`"),
            ));
        }
        (false, false, false) => return Err(err("ask.choices", format!("missing: {KINDS}"))),
        _ => {}
    }
    if q.pick.is_some() {
        return match op {
            Some(op) if !PICK_OPS.contains(&op) => Err(err(
                "ask.pick",
                format!(
                    "`{op}` neither hands out nor changes an ID, so there is none to pick: `pick` is for {}",
                    PICK_OPS.join(", ")
                ),
            )),
            _ => Ok(()),
        };
    }
    if q.typed == Some(Typed::Value) {
        return match op {
            Some(op) if !VALUE_OPS.contains(&op) => Err(err(
                "ask.type",
                format!(
                    "`{op}` returns no number to type: `\"type\": \"value\"` is for {} (`\"errno\"` is for any op that fails)",
                    VALUE_OPS.join(", ")
                ),
            )),
            _ => Ok(()),
        };
    }
    if q.typed.is_some() {
        return Ok(());
    }
    if q.choices.len() < 2 {
        return Err(err(
            "ask.choices",
            "a question needs at least two choices".into(),
        ));
    }
    if q.choices.len() > MAX_CHOICES {
        return Err(err(
            "ask.choices",
            format!(
                "{} choices, more than the {MAX_CHOICES} a question may have (the keys 1 to {MAX_CHOICES} answer it)",
                q.choices.len()
            ),
        ));
    }
    let Some(answer) = q.answer else {
        return Err(err("ask.answer", "missing".into()));
    };
    if answer >= q.choices.len() {
        return Err(err(
            "ask.answer",
            format!(
                "{} is not a choice index: with {} choices, the answer is 0 to {}",
                answer,
                q.choices.len(),
                q.choices.len() - 1
            ),
        ));
    }
    Ok(())
}

/// Each `$name` of `step` must be one of `names`; with `hint`, a close one of them is
/// suggested (a search through all of them: the caller asks only for listed mistakes).
pub(super) fn check_vars(
    i: usize,
    step: &Step,
    names: &HashSet<String>,
    hint: bool,
) -> Result<(), LessonError> {
    for (field, var) in step.op.var_refs() {
        if !names.contains(var) {
            let close = if hint {
                closest(var, names.iter().map(String::as_str))
            } else {
                None
            };
            return Err(LessonError {
                step: Some(i),
                op: Some(step.op.name().to_string()),
                field: Some(field.to_string()),
                message: format!(
                    "unknown `${var}`: no earlier step saves a result `as` \"{var}\"{}",
                    close.map_or(String::new(), |n| format!(" (did you mean `${n}`?)"))
                ),
            });
        }
    }
    Ok(())
}

/// A mistaken `expect`: serde's words, then how one is written.
pub(super) fn expectation_hint(msg: String) -> String {
    let msg = if msg.contains("untagged enum Val") {
        "not a result value (an ID as a plain number, true or false, data such as {\"mm\": \"A\"}, a list of responses, or null)".to_string()
    } else {
        msg
    };
    format!(
        "{msg}; an expectation is {{\"ok\": VALUE}} or {{\"err\": \"NAME\"}}, e.g. {{\"ok\": 2}}"
    )
}

/// " (did you mean `x`?)" when one of `known` is close to `word`: one edit for a word
/// of up to three letters, two up to six, three beyond (so `max` is not taken for `as`).
pub(super) fn did_you_mean(word: &str, known: &[&str]) -> String {
    closest(word, known.iter().copied())
        .map_or(String::new(), |k| format!(" (did you mean `{k}`?)"))
}

/// The one of `known` closest to `word`, if within reach (see [`did_you_mean`]); of
/// equally close ones, the first in alphabetical order. Cost: one edit distance per name of
/// about `word`'s length (a length apart by more than the reach is no candidate).
pub(super) fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    let reach = match len {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    known
        .into_iter()
        .filter(|k| {
            k.len().abs_diff(word.len()) <= reach * 4 && k.chars().count().abs_diff(len) <= reach
        })
        .map(|k| (strsim::levenshtein(word, k), k))
        .filter(|(d, _)| *d <= reach)
        .min()
        .map(|(_, k)| k)
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "unknown variant"), with
/// the closest of the expected names suggested; other messages as they are.
pub(super) fn suggest_known(msg: String) -> String {
    let Some(rest) = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))
    else {
        return msg;
    };
    let Some((word, tail)) = rest.split_once('`') else {
        return msg;
    };
    let known: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    let hint = did_you_mean(word, &known);
    format!("{msg}{hint}")
}

/// serde's Rust type names in words a lesson author knows.
pub(super) fn plain_words(msg: String) -> String {
    let msg = ["usize", "u64", "u32", "u8"].iter().fold(msg, |m, t| {
        m.replace(
            &format!("expected {t}"),
            "expected a whole number, 0 or more",
        )
    });
    if msg.starts_with("invalid type: string")
        && msg.ends_with("expected a whole number, 0 or more")
    {
        format!("{msg}: write it without quotes")
    } else {
        msg
    }
}
