//! The paravirtual host allocator behind the VT-d virtual command (vcmd) interface:
//! one host PASID space that serves every guest, with scriptable answers.
use crate::id::{Errno, Ioasid, Name, PASID_MAX};
use crate::space::World;
use crate::trace::{Event, Val};
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
    fn extend(&mut self, more: &[Answer]) {
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

impl World {
    /// Creates a host PASID space [min, max] (the host range is 1..=0xFFFFF by default).
    /// `EEXIST` for a second host of that name, `EINVAL` for a bad range.
    pub fn host_create(&mut self, host: &Name, min: Ioasid, max: Ioasid) -> Result<Val, Errno> {
        self.log.line("host.create");
        if self.hosts.contains_key(host) {
            return Err(Errno::EEXIST);
        }
        if min > max || max > PASID_MAX {
            self.log
                .explain(|| format!("a host range must lie within [0, {PASID_MAX}]"));
            return Err(Errno::EINVAL);
        }
        self.hosts.insert(
            *host,
            Host {
                min,
                max,
                ids: XArray::new(),
                answers: Script::default(),
            },
        );
        self.log
            .explain(|| format!("host {host} hands out PASIDs in [{min}, {max}] to every guest"));
        Ok(Val::Null)
    }

    /// Queues scripted answers for the host's next ALLOC commands. `ENOENT`: no such host.
    pub fn host_answer(&mut self, host: &Name, answers: &[Answer]) -> Result<Val, Errno> {
        self.log.line("host.script");
        let h = self.hosts.get_mut(host).ok_or(Errno::ENOENT)?;
        h.answers.extend(answers);
        let n = answers.len();
        self.log.explain(|| {
            format!("host {host} will answer the next {n} ALLOC command(s) as scripted")
        });
        Ok(Val::Null)
    }

    /// Another guest asks the host for a PASID (for lessons with several VMs).
    /// `ENOENT`: no such host; `ENOSPC`: no PASID available.
    pub fn host_alloc(&mut self, host: &Name, guest: &Name) -> Result<Val, Errno> {
        self.log.line("host.alloc");
        let h = self.hosts.get_mut(host).ok_or(Errno::ENOENT)?;
        let (answer, scripted) = h.alloc(guest);
        self.log.event(|| Event::HostAnswer {
            host: *host,
            answer,
            scripted,
        });
        match answer {
            Some(id) => {
                self.log
                    .explain(|| format!("host {host} gives PASID {id} to {guest}"));
                Ok(Val::Id(u64::from(id)))
            }
            None => {
                self.log
                    .explain(|| format!("host {host} has no PASID for {guest}"));
                Err(Errno::ENOSPC)
            }
        }
    }

    /// Another guest frees a host PASID. `ENOENT`: no such host or PASID.
    pub fn host_free(&mut self, host: &Name, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("host.free");
        let h = self.hosts.get_mut(host).ok_or(Errno::ENOENT)?;
        if h.free(id) {
            self.log.event(|| Event::HostFree {
                host: *host,
                id,
                skipped: false,
            });
            Ok(Val::Null)
        } else {
            self.log
                .warn(format!("vcmd: host {host}: free of unknown PASID {id}"));
            Err(Errno::ENOENT)
        }
    }
}
