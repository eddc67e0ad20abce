//! Readers in flight and grace periods, as explicit state: a lookup under
//! `rcu_read_lock()` keeps what it saw until it ends, and a writer that replaced the
//! data waits (`synchronize_rcu`) until every reader that could see the old value ends.
use crate::id::{Data, Errno, Ioasid, Name};
use crate::space::World;
use crate::trace::{Event, Val};
use serde::{Deserialize, Serialize};

/// A reader inside its read-side critical section.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    pub id: Ioasid,
    pub set: Option<Name>,
    /// What its lookup returned.
    pub saw: Option<Data>,
    /// The step that started it.
    pub since: usize,
}

/// A writer waiting for readers to finish.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GracePeriod {
    pub id: Ioasid,
    /// The step whose `set_data` waits.
    pub writer_step: usize,
    pub waiting: Vec<Name>,
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
        for g in &mut self.grace {
            g.waiting.retain(|w| w != reader);
        }
        let (done, left): (Vec<_>, Vec<_>) = std::mem::take(&mut self.grace)
            .into_iter()
            .partition(|g| g.waiting.is_empty());
        self.grace = left;
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
        let waiting: Vec<Name> = self.readers.keys().cloned().collect();
        if waiting.is_empty() {
            self.log
                .explain(|| "no reader is in flight: the grace period ends at once".into());
            return;
        }
        let names: Vec<String> = waiting.iter().map(|w| w.to_string()).collect();
        let shown = waiting.clone();
        self.log
            .event(|| Event::GraceStarted { id, waiting: shown });
        self.log.explain(|| format!(
            "readers {} may still hold the old value: the writer waits in synchronize_rcu() until they finish",
            names.join(", ")
        ));
        self.grace.push(GracePeriod {
            id,
            writer_step: self.step,
            waiting,
        });
    }
}
