//! Reader and grace-period calls: `read_begin`, `read_end`, and grace periods
//! started by `set_data`.
use super::World;
use crate::id::{Errno, Ioasid, Name};
use crate::rcu::{GracePeriod, Reader};
use crate::trace::{Event, Val};

/// How many reader names a message lists before "and N more".
const NAMES_SHOWN: usize = 8;

/// "r1, r2, r3" or "r1, ..., r8 and 12 more".
fn name_list<'a>(names: impl ExactSizeIterator<Item = &'a Name>) -> String {
    let n = names.len();
    let shown: Vec<String> = names.take(NAMES_SHOWN).map(|r| r.to_string()).collect();
    if n > NAMES_SHOWN {
        format!("{} and {} more", shown.join(", "), n - NAMES_SHOWN)
    } else {
        shown.join(", ")
    }
}

impl World {
    /// `rcu_read_lock(); find(set, id)`: starts a reader that holds what it saw.
    /// `EBUSY`: that reader is already inside a critical section; lookup errors as `find`.
    pub fn read_begin(
        &mut self,
        reader: &Name,
        set: Option<&Name>,
        id: Ioasid,
    ) -> Result<Val, Errno> {
        self.log.line("rcu.lock");
        if self.readers.contains_key(reader) {
            self.log
                .explain(|| format!("{reader} is already reading: end it first"));
            return Err(Errno::EBUSY);
        }
        let saw = self.find(set, id, None)?;
        self.readers.insert(
            *reader,
            Reader {
                id,
                set: set.cloned(),
                saw,
                since: self.step,
            },
        );
        let shown = saw;
        self.log.event(|| Event::ReaderSaw {
            reader: *reader,
            id,
            saw: shown,
        });
        Ok(saw.map_or(Val::Null, Val::Data))
    }

    /// `rcu_read_unlock()`: the reader ends; a grace period waiting only for it ends too.
    /// `ENOENT`: no such reader.
    pub fn read_end(&mut self, reader: &Name) -> Result<Val, Errno> {
        self.log.line("rcu.unlock");
        let r = self.readers.remove(reader).ok_or(Errno::ENOENT)?;
        // A period ends once no reader that began before it is left: O(readers) per
        // end, however many periods are open.
        let oldest = self.readers.values().map(|r| r.since).min();
        let ended = self
            .grace
            .iter()
            .take_while(|g| oldest.is_none_or(|since| since > g.writer_step))
            .count();
        let done: Vec<GracePeriod> = self.grace.drain(..ended).collect();
        self.log
            .explain(|| format!("{reader} is done with {}", r.id));
        for g in done {
            self.log.line("rcu.gp_end");
            let id = g.id;
            let writer = g.writer_step + 1;
            self.log.event(|| Event::GraceEnded { id });
            self.log.explain(|| format!("the grace period is over: the set_data of step {writer} returns, and the old data may be freed"));
        }
        Ok(Val::Null)
    }

    /// `synchronize_rcu()` after publishing new data for `id`: waits for every reader in
    /// flight now. Called by `set_data`.
    pub(crate) fn start_grace_period(&mut self, id: Ioasid) {
        if self.readers.is_empty() {
            self.log.line("set_data.return");
            self.log
                .explain(|| "no reader is in flight: the grace period ends at once".into());
            return;
        }
        let readers = &self.readers;
        self.log.event(|| Event::GraceStarted {
            id,
            waiting: readers.keys().take(NAMES_SHOWN).cloned().collect(),
            more: readers.len().saturating_sub(NAMES_SHOWN),
        });
        self.log.explain(|| format!(
            "readers {} may still hold the old value: the writer waits in synchronize_rcu() until they finish",
            name_list(readers.keys())
        ));
        self.grace.push(GracePeriod {
            id,
            writer_step: self.step,
        });
    }

    /// The readers grace period `g` still waits for: those that began before its step.
    ///
    /// Cost: O(readers in flight).
    pub fn grace_waiting(&self, g: &GracePeriod) -> Vec<Name> {
        self.readers
            .iter()
            .filter(|(_, r)| r.since <= g.writer_step)
            .map(|(name, _)| *name)
            .collect()
    }
}
