//! The sandbox: steps the learner appends after the lesson's, and taking them back.
use super::{clip, AppState, Notice, Reply};
use crate::view::{lesson_error, num};
use ioasid_core::lesson::parse_step;
use serde_json::Value;
use std::rc::Rc;

/// The sandbox's last outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SandboxStatus {
    /// Why the last step was refused, in words.
    pub error: Option<String>,
    /// The index of the step it added last.
    pub added: Option<usize>,
    /// What the last undo took back, in words.
    pub removed: Option<String>,
}

impl AppState {
    pub(super) fn append(&mut self, text: &str) {
        if self.request.is_some() {
            self.sandbox.error = Some("Wait until the run is computed, then try again.".into());
            return;
        }
        let index = self.trace.len();
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                self.sandbox.error = Some(format!("This is not valid JSON: {e}."));
                return;
            }
        };
        let step = match parse_step(index, value) {
            Ok(s) => s,
            Err(e) => {
                self.sandbox.error = Some(lesson_error(&e));
                return;
            }
        };
        let mut trace = (*self.trace).clone();
        if let Err(e) = trace.append(step.clone()) {
            self.sandbox.error = Some(lesson_error(&e));
            return;
        }
        if step.ask.is_some() {
            Rc::make_mut(&mut self.answers).insert(index, Reply::Skipped);
        }
        Rc::make_mut(&mut self.extra).push(step);
        self.trace = Rc::new(trace);
        self.sandbox = SandboxStatus {
            added: Some(index),
            ..SandboxStatus::default()
        };
        let prev = (self.pos, self.revealed(), Rc::clone(&self.world));
        self.pos = self.trace.len();
        self.playing = false;
        self.passed_questions = Rc::new(Vec::new());
        self.refresh_worlds(Some(prev));
    }

    pub(super) fn undo(&mut self) {
        if self.extra.is_empty() || self.request.is_some() {
            return;
        }
        let mut trace = (*self.trace).clone();
        if trace.undo().is_none() {
            return;
        }
        let removed = Rc::make_mut(&mut self.extra).pop();
        Rc::make_mut(&mut self.answers).remove(&trace.len());
        self.sandbox = SandboxStatus {
            removed: removed.map(|step| {
                format!(
                    "Step {} ({}) taken back.",
                    num(trace.len() as u64 + 1),
                    step.op.name()
                )
            }),
            ..SandboxStatus::default()
        };
        self.trace = Rc::new(trace);
        self.pos = self.pos.min(self.trace.len());
        // The step shown may now be one the list names: it asks for itself.
        self.passed_questions = Rc::new(Vec::new());
        self.refresh_worlds(None);
    }

    /// Before another lesson replaces this one: a notice saying where the sandbox steps
    /// added to it are (the page before, which the URL keeps them in), if any.
    pub(super) fn sandbox_left_behind(&self) -> Option<Notice> {
        let added = self.extra.len();
        (added > 0).then(|| Notice {
            error: false,
            title: format!(
                "The {added} sandbox step(s) you added to \u{201c}{}\u{201d} are one page back: the browser's Back button returns to them.",
                clip(&self.base.title, 60)
            ),
            details: Vec::new(),
        })
    }
}
