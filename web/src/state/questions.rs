//! Questions: which step waits for an answer, which ones a jump passed, and recording an
//! answer.
use super::AppState;
use ioasid_core::lesson::Op;
use std::rc::Rc;

impl AppState {
    /// The step whose question waits for an answer before its result is shown.
    pub fn pending_question(&self) -> Option<usize> {
        let i = self.index()?;
        let asks = self.trace.ops.get(i).is_some_and(|s| s.ask.is_some());
        (asks && !self.answers.contains_key(&i)).then_some(i)
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

    /// Whether the learner's first answer to the question of step `step` was right:
    /// `None` when it was skipped, not answered yet, or the step asks nothing. Answers
    /// cannot be changed, so the one recorded is the first. The only place the report
    /// reads how an answer is stored.
    pub fn first_answer_right(&self, step: usize) -> Option<bool> {
        let q = self.trace.ops.get(step)?.ask.as_ref()?;
        let choice = (*self.answers.get(&step)?)?;
        Some(choice == q.answer)
    }

    /// True when the current step's result is shown.
    pub fn revealed(&self) -> bool {
        self.index().is_some() && self.pending_question().is_none()
    }

    /// Records the answer to the question of step `step` (`None`: skipped): it leaves the
    /// list of passed questions, and the step's result is shown if it is the step shown.
    pub(super) fn record_answer(&mut self, step: usize, choice: Option<usize>) {
        Rc::make_mut(&mut self.answers).insert(step, choice);
        Rc::make_mut(&mut self.passed_questions).retain(|i| *i != step);
        if self.index() == Some(step) {
            self.world = Rc::new(self.trace.world_after(step));
        }
    }
}
