//! The paravirtual host allocator behind the VT-d virtual command (vcmd) interface:
//! one host PASID space that serves every guest, with scriptable answers.
use crate::id::{Ioasid, Name};
use crate::xarray::XArray;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// A scripted answer to the next ALLOC command.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Answer exactly this PASID (a duplicate, an out-of-range one...).
    Id(Ioasid),
    /// `"no_pasid"`: the host has no PASID available.
    Word(AnswerWord),
}

/// The word answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerWord {
    NoPasid,
}

/// The scripted answers still to come: shared, read-only storage and a cursor, so a
/// snapshot of the world copies neither (a lesson may script a million answers).
#[derive(Clone, Debug, Default)]
pub struct Script {
    answers: Rc<[Answer]>,
    next: usize,
}

impl Script {
    /// Answers not used yet.
    pub fn len(&self) -> usize {
        self.answers.len().saturating_sub(self.next)
    }

    /// The answers not used yet, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Answer> {
        self.answers.get(self.next..).unwrap_or_default().iter()
    }

    /// True when no scripted answer is left.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next answer, used up.
    fn pop_front(&mut self) -> Option<Answer> {
        let a = self.answers.get(self.next).cloned()?;
        self.next += 1;
        Some(a)
    }

    /// Queues `more` after the answers left (one copy of those, none of the used ones).
    pub(crate) fn extend(&mut self, more: &[Answer]) {
        let left = self.answers.get(self.next..).unwrap_or_default();
        self.answers = left.iter().chain(more).cloned().collect();
        self.next = 0;
    }
}

/// One host PASID space.
#[derive(Clone, Debug)]
pub struct Host {
    pub min: Ioasid,
    pub max: Ioasid,
    /// PASID -> the guest (or allocator) it was given to.
    pub ids: XArray<Name>,
    /// Scripted answers, used before the host's own allocator.
    pub answers: Script,
}

impl Host {
    /// Answers an ALLOC command from `guest`: the next scripted answer, else the host's
    /// lowest free PASID. Returns the PASID (None for "no PASID available") and whether
    /// the answer was scripted.
    pub fn alloc(&mut self, guest: &Name) -> (Option<Ioasid>, bool) {
        match self.answers.pop_front() {
            Some(Answer::Id(id)) => {
                // The host records it even if it believes it is taken: a scripted
                // duplicate is exactly a host that answers twice.
                let _ = self.ids.insert(id, *guest);
                (Some(id), true)
            }
            Some(Answer::Word(AnswerWord::NoPasid)) => (None, true),
            None => (self.ids.alloc(self.min, self.max, *guest, None), false),
        }
    }

    /// Handles a FREE command; an unknown PASID is only logged (returns false).
    pub fn free(&mut self, id: Ioasid) -> bool {
        self.ids.remove(id).is_some()
    }
}
