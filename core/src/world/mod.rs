//! The `World`: the whole modelled state a lesson acts on. This file holds the struct,
//! its construction, its weight (how snapshots are spaced) and its invariants; the calls
//! a lesson makes live in one child file per group:
//! - `ids`: `alloc`, `free`, `find`, `set_data` (with `attach_data` / `detach_data`),
//!   `get`, `put`;
//! - `allocators`: custom allocators, `register` / `unregister`;
//! - `host`: the paravirtual host allocator;
//! - `sets`: sets, set-private IDs, notifiers;
//! - `sva`: processes, devices, bind / unbind, v6.6 attachments;
//! - `faults`: page requests and the fault queue;
//! - `rcu`: readers and grace periods;
//! - `rfc`: the 2019 design thread's proposal (`rfc-2019`), behind its knobs.
use crate::allocator::Group;
use crate::fault::FaultQueue;
use crate::hazard::HazardKind;
use crate::host::Host;
use crate::id::{Ioasid, Name};
use crate::profile::{Knobs, Profile, RefModel};
use crate::rcu::{GracePeriod, Reader};
use crate::set::{IoSet, Notifier, SVA_SET};
use crate::space::{Entry, IdState, DEFAULT_CAPACITY};
use crate::sva::{Device, DomainRef, Mm};
use crate::trace::StepLog;
use crate::xarray::XArray;
use rpds::RedBlackTreeMap;
use std::collections::{BTreeMap, BTreeSet};

mod allocators;
mod faults;
pub use faults::FaultRun;
mod hazards;
mod host;
mod ids;
mod rcu;
mod rfc;
mod sets;
mod sva;

/// The whole modelled state. Cloning is cheap: the ID storage shares structure.
#[derive(Clone, Debug)]
pub struct World {
    pub profile: Profile,
    pub knobs: Knobs,
    /// The default allocator's storage (in v6.6: the global PASID allocator).
    pub default_store: XArray<Entry>,
    /// Registered custom allocator groups, in registration order; the first is active.
    pub groups: Vec<Group>,
    /// Every ops a driver passed to `register`, with its functions: the driver's
    /// struct outlives a failed registration, and `unregister` matches groups by the
    /// functions of the ops it is given (R-UNREG-1).
    pub ops: BTreeMap<Name, Name>,
    pub hosts: BTreeMap<Name, Host>,
    pub sets: BTreeMap<Name, IoSet>,
    /// Capacity not yet given out as quotas.
    pub capacity_left: u32,
    /// Quotas of destroyed sets never given back (`ext_v4_as_posted`: V4 leaks them).
    pub capacity_lost: u32,
    pub notifiers: Vec<Notifier>,
    /// Persistent: a copy of the world shares it, and a step changes O(log n) of it.
    pub mms: RedBlackTreeMap<Name, Mm>,
    pub devices: BTreeMap<Name, Device>,
    /// (device, PASID) -> attached domain (v6.6).
    pub attachments: BTreeMap<(Name, Ioasid), DomainRef>,
    /// Fault groups formed and waiting for the workqueue.
    pub queue: FaultQueue,
    pub readers: BTreeMap<Name, Reader>,
    pub grace: Vec<GracePeriod>,
    /// IDs lost when their allocator was unregistered (kept for display).
    pub orphans: Vec<(Ioasid, Name)>,
    /// IDs held back because page requests for them are pending (improved).
    pub quarantined: Vec<Ioasid>,
    /// How many held or queued page requests carry each PASID: `free` asks it once per
    /// call, so it is kept up to date rather than recounted from the queues.
    pub pending: BTreeMap<Ioasid, u32>,
    /// Saved results (`"as": "name"` in a lesson).
    pub vars: BTreeMap<String, u64>,
    /// The lasting hazards alive now, by kind and ID (see `world::hazards`).
    pub hazards: BTreeSet<(HazardKind, Ioasid)>,
    /// The index of the step being run.
    pub step: usize,
    /// What the current step did.
    pub log: StepLog,
    /// Where `register` finds its match among `groups` without walking them (see
    /// [`allocators::RegIndex`]); `None` after a change it does not follow, rebuilt on
    /// the next `register`.
    pub(crate) reg_index: allocators::RegCache,
}

impl World {
    /// The number of elements a clone copies: everything but what it shares (the ID
    /// trees, the processes, a queued group's requests). Snapshots are spaced out by it
    /// (see `trace::WEIGHT_PER_STEP`).
    ///
    /// Cost: O(sets + devices).
    pub fn weight(&self) -> usize {
        self.groups.len()
            + self.ops.len()
            + self.hosts.len()
            + self.sets.values().map(|s| 1 + s.spids.len()).sum::<usize>()
            + self.notifiers.len()
            + self
                .devices
                .values()
                .map(|d| 1 + d.held() + d.bonds.len() + d.abandoned.len())
                .sum::<usize>()
            + self.attachments.len()
            + self.queue.len()
            + self.readers.len()
            + self.grace.len()
            + self.orphans.len()
            + self.quarantined.len()
            + self.pending.len()
            + self.vars.len()
            + self.hazards.len()
    }

    /// A fresh world for `profile` with `knobs`: the built-in `sva` set exists.
    pub fn new(profile: Profile, knobs: Knobs) -> World {
        let mut sets = BTreeMap::new();
        sets.insert(Name::from(SVA_SET), IoSet::default());
        World {
            profile,
            knobs,
            default_store: XArray::new(),
            groups: Vec::new(),
            ops: BTreeMap::new(),
            hosts: BTreeMap::new(),
            sets,
            capacity_left: DEFAULT_CAPACITY,
            capacity_lost: 0,
            notifiers: Vec::new(),
            mms: RedBlackTreeMap::new(),
            devices: BTreeMap::new(),
            attachments: BTreeMap::new(),
            queue: FaultQueue::default(),
            readers: BTreeMap::new(),
            grace: Vec::new(),
            orphans: Vec::new(),
            quarantined: Vec::new(),
            pending: BTreeMap::new(),
            vars: BTreeMap::new(),
            hazards: BTreeSet::new(),
            step: 0,
            log: StepLog::default(),
            reg_index: allocators::RegCache::default(),
        }
    }

    /// The storage of the active allocator: the first custom group's, else the default's.
    pub fn active_store(&self) -> &XArray<Entry> {
        self.groups
            .first()
            .map_or(&self.default_store, |g| &g.store)
    }

    pub(crate) fn active_store_mut(&mut self) -> &mut XArray<Entry> {
        match self.groups.first_mut() {
            Some(g) => &mut g.store,
            None => &mut self.default_store,
        }
    }

    /// "default" or "custom (fns)": the active allocator's name for display.
    pub fn active_name(&self) -> String {
        self.groups
            .first()
            .map_or_else(|| "default".to_string(), Group::label)
    }

    /// The live entry for `id` in the active storage (quarantined IDs are not live).
    pub fn entry(&self, id: Ioasid) -> Option<&Entry> {
        self.active_store()
            .get(id)
            .filter(|e| e.state != IdState::Quarantined)
    }

    /// Every ID in the active storage with its entry, ascending.
    pub fn ids(&self) -> impl Iterator<Item = (Ioasid, &Entry)> {
        self.active_store().iter()
    }

    /// A variable saved with `"as"`.
    pub fn var(&self, name: &str) -> Option<u64> {
        self.vars.get(name).copied()
    }
}

impl World {
    /// Checks the model's invariants; `Err` names the first one broken. Tests call it
    /// after every step.
    /// - every set's `used` equals the entries carrying it across all storages;
    /// - quotas given out plus the capacity left (and lost) equal the capacity;
    /// - each set-private ID maps to an entry of that set that records it, and back;
    /// - the quarantine list and the QUARANTINED entries are the same IDs, each once;
    /// - `pending` counts exactly the page requests held and queued, per PASID, and
    ///   the devices list exactly the queued groups;
    /// - a live entry in a counted era holds at least one reference;
    /// - readers a grace period waits for exist.
    pub fn check_invariants(&self) -> Result<(), String> {
        let stores =
            std::iter::once(&self.default_store).chain(self.groups.iter().map(|g| &g.store));
        let mut per_set: BTreeMap<&str, u32> = BTreeMap::new();
        for store in stores {
            for (_, e) in store.iter() {
                if let Some(s) = &e.set {
                    *per_set.entry(s).or_insert(0) += 1;
                }
            }
        }
        for (name, s) in &self.sets {
            let n = per_set.get(&**name).copied().unwrap_or(0);
            if n != s.used {
                return Err(format!("set {name}: used {} but {n} entries", s.used));
            }
            for (spid, id) in &s.spids {
                let ok = self
                    .active_store()
                    .get(*id)
                    .is_some_and(|e| e.spid == Some(*spid) && e.set.as_ref() == Some(name));
                if !ok {
                    return Err(format!(
                        "set {name}: spid {spid} -> {id} has no matching entry"
                    ));
                }
            }
        }
        let quotas: u64 = self
            .sets
            .values()
            .filter_map(|s| s.quota)
            .map(u64::from)
            .sum();
        let accounted = quotas + u64::from(self.capacity_left) + u64::from(self.capacity_lost);
        if accounted != u64::from(DEFAULT_CAPACITY) {
            return Err(format!(
                "quotas {quotas} + left {} + lost {} != capacity",
                self.capacity_left, self.capacity_lost
            ));
        }
        self.check_queue()?;
        if let Some(index) = &self.reg_index.0 {
            if *index != allocators::RegIndex::build(&self.groups) {
                return Err("register's index of the groups is out of date".into());
            }
        }
        let mut counted: BTreeMap<Ioasid, u32> = BTreeMap::new();
        for p in self.pending_requests().filter_map(|r| r.pasid) {
            *counted.entry(p).or_default() += 1;
        }
        if counted != self.pending {
            return Err(format!(
                "pending counts {:?} != the requests held and queued {counted:?}",
                self.pending
            ));
        }
        let mut q: Vec<Ioasid> = self.quarantined.clone();
        q.sort_unstable();
        if q.windows(2).any(|w| w[0] == w[1]) {
            return Err("an ID is quarantined twice".into());
        }
        let marked: Vec<Ioasid> = self
            .active_store()
            .iter()
            .filter(|(_, e)| e.state == IdState::Quarantined)
            .map(|(id, _)| id)
            .collect();
        if marked != q {
            return Err(format!(
                "quarantine list {q:?} != QUARANTINED entries {marked:?}"
            ));
        }
        let counted = matches!(self.knobs.refs, RefModel::GetPut | RefModel::FreePending);
        for (id, e) in self.active_store().iter() {
            if let Some(spid) = e.spid {
                let back = e
                    .set
                    .as_ref()
                    .and_then(|s| self.sets.get(s))
                    .and_then(|s| s.spids.get(&spid));
                if back != Some(&id) {
                    return Err(format!(
                        "{id} records spid {spid} but its set does not map it"
                    ));
                }
            }
            if counted && e.state != IdState::Quarantined && e.refs == 0 {
                return Err(format!("{id} is live with no reference"));
            }
        }
        for (i, g) in self.grace.iter().enumerate() {
            if !self.readers.values().any(|r| r.since <= g.writer_step) {
                return Err(format!(
                    "grace period for {} (step {}) waits for no reader but has not ended",
                    g.id, g.writer_step
                ));
            }
            if i > 0 && self.grace[i - 1].writer_step > g.writer_step {
                return Err("grace periods out of step order".into());
            }
        }
        Ok(())
    }
}
