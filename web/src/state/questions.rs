//! Questions: which step waits for an answer, which ones a jump passed, recording an
//! answer, and how it was graded (core's judgement).
use super::{AppState, Reply};
use ioasid_core::lesson::Op;
use ioasid_core::quiz::{grade, Graded, Verdict};
use std::rc::Rc;

impl AppState {
    /// The step whose question waits for an answer before its result is shown.
    pub fn pending_question(&self) -> Option<usize> {
        let i = self.index()?;
        let asks = self.trace.ops.get(i).is_some_and(|s| s.ask.is_some());
        (asks && !self.answers.contains_key(&i)).then_some(i)
    }

    /// The step whose `pick` question waits: its ID is picked on the ID grid.
    pub fn pending_pick(&self) -> Option<usize> {
        self.pending_question().filter(|i| {
            self.trace
                .ops
                .get(*i)
                .and_then(|s| s.ask.as_ref())
                .is_some_and(|q| q.pick.is_some())
        })
    }

    /// The steps (indexes) with a question not yet answered that a move from `from` to
    /// `to` (positions) goes past: those after the step shown, or the step shown itself
    /// while its question waits, up to the step before `to`'s.
    pub(super) fn unanswered_between(&self, from: usize, to: usize) -> Vec<usize> {
        let first = from.saturating_sub(1);
        let end = to.saturating_sub(1).min(self.trace.ops.len());
        if first >= end {
            return Vec::new();
        }
        (first..end)
            .filter(|i| self.trace.ops[*i].ask.is_some() && !self.answers.contains_key(i))
            .collect()
    }

    /// True while a question waits on a step that hands out an ID (alloc, bind): the
    /// lowest free ID shown would be its answer. Other questions leave it in view.
    pub fn question_about_an_id(&self) -> bool {
        self.pending_question()
            .and_then(|i| self.trace.ops.get(i))
            .is_some_and(|s| matches!(s.op, Op::Alloc { .. } | Op::Bind { .. }))
    }

    /// True when the current step's result is shown.
    pub fn revealed(&self) -> bool {
        self.index().is_some() && self.pending_question().is_none()
    }

    /// The answer to the question of step `step` graded against this run (see
    /// `ioasid_core::quiz::grade`); `None` when the step asks nothing or is unanswered.
    pub fn graded(&self, step: usize) -> Option<Graded> {
        let q = self.trace.ops.get(step)?.ask.as_ref()?;
        let st = self.trace.steps.get(step)?;
        Some(grade(q, st, self.answers.get(&step)?))
    }

    /// Whether the first answer to the question of step `step` was right (an answer is
    /// recorded once, so the first is the only one): `None` when the step asks nothing,
    /// is unanswered, was skipped, or this run gives nothing to grade against.
    pub fn first_answer_right(&self, step: usize) -> Option<bool> {
        match self.graded(step)?.verdict {
            Verdict::Right => Some(true),
            Verdict::Wrong => Some(false),
            _ => None,
        }
    }

    /// Records the answer to the question of step `step`: it leaves the list of passed
    /// questions, and the step's result is shown if it is the step shown.
    pub(super) fn record_answer(&mut self, step: usize, reply: Reply) {
        Rc::make_mut(&mut self.answers).insert(step, reply);
        Rc::make_mut(&mut self.passed_questions).retain(|i| *i != step);
        if self.index() == Some(step) {
            self.world = Rc::new(self.trace.world_after_step(step, &self.before));
        }
    }
}
