//! The IOASID space: the world a lesson acts on, and its core calls `alloc`, `free`,
//! `find`, `set_data` (with `attach_data` / `detach_data`), `get` and `put`.
//!
//! Locking, as the kernel has it (the model runs one step at a time, so it only
//! *describes* the locks): `alloc`, `free`, `get`, `put` and `set_data`'s update run
//! under the `ioasid_allocator_lock` spinlock and never sleep, except `set_data`, which
//! waits for an RCU grace period after publishing. `find` is lock-free under
//! `rcu_read_lock()`.
use crate::allocator::Group;
use crate::fault::FaultQueue;
use crate::host::Host;
use crate::id::{data_label, Data, Errno, Ioasid, Name, INVALID_IOASID};
use crate::profile::{Knobs, Profile, RefModel};
use crate::rcu::{GracePeriod, Reader};
use crate::set::{IoSet, Notifier, SVA_SET};
use crate::sva::{Device, DomainRef, Mm};
use crate::trace::{Event, StepLog, Val};
use crate::xarray::{XArray, XaVisit};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The total number of IDs the extension series shares out as set quotas.
pub const DEFAULT_CAPACITY: u32 = 0x10_0000;

/// Where an ID is in its life (the extension series' states; `Quarantined` is the
/// improved profile's hold on an ID freed while page requests for it are pending).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdState {
    /// Allocated, no data bound.
    #[default]
    Idle,
    /// Data bound.
    Active,
    /// Freed while references are held: the last `put` reclaims it.
    FreePending,
    /// Freed with page requests pending: kept out of reuse until they are handled.
    Quarantined,
}

impl IdState {
    /// The state's name in capitals, as the extension series writes it.
    pub fn name(self) -> &'static str {
        match self {
            IdState::Idle => "IDLE",
            IdState::Active => "ACTIVE",
            IdState::FreePending => "FREE_PENDING",
            IdState::Quarantined => "QUARANTINED",
        }
    }
}

/// One allocated ID's record (`struct ioasid_data`). `Default` only fills the
/// free slots of the storage's leaves; it is never an allocated ID's record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The set it was allocated in; `None` is reachable only by wildcard lookups.
    pub set: Option<Name>,
    /// The private data; `None` is "not yet bound".
    pub data: Option<Data>,
    /// Reference count (eras with counts).
    pub refs: u32,
    pub state: IdState,
    /// The set-private ID (guest PASID) mapped to it, if any.
    pub spid: Option<u32>,
    /// The step that allocated it (`u32`: with 2^20 records, every byte counts).
    pub born: u32,
}

/// Which operation `set_data` runs as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataUpdate {
    /// `ioasid_set_data`: overwrite (or `EBUSY` with the `attach_busy` knob).
    Set,
    /// `ioasid_attach_data`: `EBUSY` when data is already attached.
    Attach,
    /// `ioasid_detach_data`: clear.
    Detach,
}

/// The getter `find` may call on the data before returning it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Getter {
    /// `mmget_not_zero`: refuses when the mm is exiting.
    MmAlive,
}

/// The whole modelled state. Cloning is cheap: the ID storage shares structure.
#[derive(Clone, Debug)]
pub struct World {
    pub profile: Profile,
    pub knobs: Knobs,
    /// The default allocator's storage (in v6.6: the global PASID allocator).
    pub default_store: XArray<Entry>,
    /// Registered custom allocator groups, in registration order; the first is active.
    pub groups: Vec<Group>,
    pub hosts: BTreeMap<Name, Host>,
    pub sets: BTreeMap<Name, IoSet>,
    /// Capacity not yet given out as quotas.
    pub capacity_left: u32,
    pub notifiers: Vec<Notifier>,
    pub mms: BTreeMap<Name, Mm>,
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
    /// The index of the step being run.
    pub step: usize,
    /// What the current step did.
    pub log: StepLog,
}

impl World {
    /// The number of elements a clone copies: everything but the shared ID trees.
    /// Snapshots are spaced out by it (see `run::WEIGHT_PER_STEP`).
    ///
    /// Cost: O(sets + devices + queued groups).
    pub fn weight(&self) -> usize {
        self.groups.len()
            + self.hosts.len()
            + self.sets.values().map(|s| 1 + s.spids.len()).sum::<usize>()
            + self.notifiers.len()
            + self.mms.len()
            + self
                .devices
                .values()
                .map(|d| 1 + d.held() + d.bonds.len() + d.abandoned.len())
                .sum::<usize>()
            + self.attachments.len()
            + self
                .queue
                .iter()
                .map(|g| 1 + g.requests.len())
                .sum::<usize>()
            + self.readers.len()
            + self.grace.len()
            + self.orphans.len()
            + self.quarantined.len()
            + self.pending.len()
            + self.vars.len()
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
            hosts: BTreeMap::new(),
            sets,
            capacity_left: DEFAULT_CAPACITY,
            notifiers: Vec::new(),
            mms: BTreeMap::new(),
            devices: BTreeMap::new(),
            attachments: BTreeMap::new(),
            queue: FaultQueue::default(),
            readers: BTreeMap::new(),
            grace: Vec::new(),
            orphans: Vec::new(),
            quarantined: Vec::new(),
            pending: BTreeMap::new(),
            vars: BTreeMap::new(),
            step: 0,
            log: StepLog::default(),
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

    fn set_known(&self, set: Option<&Name>) -> Result<(), Errno> {
        match set {
            Some(s) if !self.sets.contains_key(s) => Err(Errno::EINVAL),
            _ => Ok(()),
        }
    }

    /// `ioasid_alloc(set, min, max, data)`: allocates an ID in [min, max] (inclusive)
    /// for `set` with `data`.
    ///
    /// The active custom allocator, if any, picks the number and the active storage
    /// records it at exactly that ID; otherwise the default allocator picks the lowest
    /// free ID. Fails with `EINVAL` for an unknown set, `min > max` or
    /// `max == INVALID_IOASID`; `ENOSPC` when the range or the set's quota is full;
    /// a custom allocator's failure as it reports it. Kernel profiles report every
    /// failure as `INVALID_IOASID`. Never sleeps (spinlock held).
    pub fn alloc(
        &mut self,
        set: Option<&Name>,
        min: Ioasid,
        max: Ioasid,
        data: Option<Data>,
    ) -> Result<Ioasid, Errno> {
        self.log.line("alloc.enter");
        if self.knobs.global_pasid {
            return self.global_alloc(min, max);
        }
        let k = self.knobs.clone();
        if min > max || max == INVALID_IOASID {
            self.log.line("alloc.bad_range");
            self.log
                .explain(|| format!("the range [{min}, {max}] is invalid"));
            return Err(k.alloc_err(Errno::EINVAL));
        }
        self.set_known(set).map_err(|e| {
            self.log
                .explain(|| "no such set: create it with set_create first".into());
            k.alloc_err(e)
        })?;
        if let Some(s) = set.and_then(|s| self.sets.get(s)) {
            if s.free_pending {
                self.log.line("alloc.set_dying");
                self.log
                    .explain(|| "the set is being freed: no new IDs".into());
                return Err(k.alloc_err(Errno::EINVAL));
            }
            if k.ext_sets && s.quota.is_some_and(|q| s.used >= q) {
                self.log.line("alloc.quota");
                self.log.explain(|| {
                    format!("the set's quota of {} IDs is used up", s.quota.unwrap_or(0))
                });
                return Err(k.alloc_err(Errno::ENOSPC));
            }
        }
        let entry = Entry {
            set: set.cloned(),
            data,
            refs: 1,
            state: IdState::Idle,
            spid: None,
            born: u32::try_from(self.step).unwrap_or(u32::MAX),
        };
        let entry = Entry {
            state: if entry.data.is_some() {
                IdState::Active
            } else {
                IdState::Idle
            },
            ..entry
        };
        let id = if self.groups.is_empty() {
            self.log.line("alloc.default");
            match self.first_fit("default", min, max, entry) {
                Some(id) => {
                    self.log.line("alloc.store");
                    self.log.explain(|| {
                        format!("the default allocator picked {id}: the lowest free ID in [{min}, {max}]")
                    });
                    id
                }
                None => {
                    self.log.line("alloc.full");
                    self.log
                        .explain(|| format!("every ID in [{min}, {max}] is taken"));
                    return Err(k.alloc_err(Errno::ENOSPC));
                }
            }
        } else {
            self.log.line("alloc.custom");
            let id = self.custom_alloc(min, max).map_err(|e| k.alloc_err(e))?;
            if id < min || id > max {
                if k.flaw_unchecked_answer {
                    self.log.warn(format!(
                        "ioasid_alloc: custom allocator answered {id}, outside [{min}, {max}]: stored as is"
                    ));
                    self.log.explain(|| {
                        format!("the kernel does not range-check the custom allocator's answer: {id} is outside [{min}, {max}] and is stored anyway")
                    });
                } else {
                    self.log.line("alloc.range_check");
                    self.log.explain(|| {
                        format!("{id} is outside [{min}, {max}]: refused and given back to the allocator")
                    });
                    self.custom_free(id, false);
                    return Err(k.alloc_err(Errno::EINVAL));
                }
            }
            self.log.line("alloc.store_exact");
            // The kernel then runs the same xa_alloc, limited to exactly that ID.
            self.log.line("alloc.default");
            if let Err(_rejected) = self.active_store_mut().insert(id, entry) {
                self.log.line("alloc.full");
                let backend = k.flaw_rollback_frees_owner;
                self.log.line(if backend {
                    "alloc.rollback"
                } else {
                    "alloc.refuse_dup"
                });
                self.log.warn(format!(
                    "ioasid_alloc: custom allocator returned {id}, already in use"
                ));
                if backend {
                    self.custom_free(id, false);
                    self.log.explain(|| format!(
                        "{id} is already stored: the insert fails and the rollback calls the allocator's free({id}), which frees the first owner's PASID at the backend"
                    ));
                } else {
                    self.log.explain(|| {
                        format!("{id} is already stored: refused without freeing the first owner's PASID")
                    });
                }
                self.log.event(|| Event::Rollback {
                    id,
                    freed_at_backend: backend,
                });
                return Err(k.alloc_err(Errno::EEXIST));
            }
            self.log.line("alloc.store");
            let store = self.active_name();
            self.log.event(|| Event::Stored { id, store });
            self.log.explain(|| {
                format!("the framework records {id} at exactly that ID (storage only)")
            });
            id
        };
        if let Some(s) = set.and_then(|s| self.sets.get_mut(s)) {
            s.used += 1;
        }
        if let Some((_, was)) = self.orphans.iter().find(|(o, _)| *o == id) {
            let was = *was;
            self.log.event(|| Event::Hazard {
                id,
                what: format!(
                    "{id} is still used by the owner that got it from {was}: two owners now"
                ),
            });
        }
        self.log.changed(id);
        self.notify("ALLOC", id);
        Ok(id)
    }

    /// `ioasid_free(set, id)`: releases `id`.
    ///
    /// Unknown ID: logged, nothing else (`ENOENT` with real error codes). With owner
    /// checks on (no flaw 8), `set` must name the ID's set, else `EACCES`. In the get/put
    /// era this is `put`; in the FREE_PENDING era an ID still referenced becomes
    /// FREE_PENDING (holders are told once) and the last `put` reclaims it; a repeated
    /// free succeeds. Reclaiming runs the backend free first, then erases the entry.
    pub fn free(&mut self, set: Option<&Name>, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("free.enter");
        if self.knobs.global_pasid {
            return self.global_free(id);
        }
        let Some(entry) = self.entry(id).cloned() else {
            return self.unknown_id("ioasid_free", id);
        };
        if set != entry.set.as_ref() {
            let (have, by) = (set_label(entry.set.as_ref()), set_label(set));
            if !self.knobs.flaw_free_any_owner {
                self.log.line("free.owner");
                self.log.explain(|| {
                    format!("{id} belongs to {have}, not to {by}: only its owner may free it")
                });
                return Err(Errno::EACCES);
            }
            // No owner check (flaw 8): a free naming another set goes through.
            if set.is_some() {
                self.log.event(|| Event::Hazard {
                    id,
                    what: format!("{id} belonged to {have}, and {by} freed it: no owner check"),
                });
            }
        }
        match self.knobs.refs {
            RefModel::GetPut => {
                let freed = self.put(set, id)?;
                if freed == Val::Bool(false) {
                    self.log.line("free.dec");
                }
                Ok(Val::Null)
            }
            RefModel::FreePending => {
                if entry.state == IdState::FreePending {
                    self.log.line("free.pending");
                    self.log
                        .explain(|| format!("{id} is already FREE_PENDING: nothing more to do"));
                    return Ok(Val::Null);
                }
                if entry.refs <= 1 {
                    self.reclaim(id);
                } else {
                    self.log.line("free.dec");
                    self.log.line("free.pending");
                    let refs = entry.refs - 1;
                    if let Some(e) = self.active_store_mut().get_mut(id) {
                        e.refs = refs;
                        e.state = IdState::FreePending;
                    }
                    self.log.changed(id);
                    self.log.event(|| Event::State {
                        id,
                        state: "FREE_PENDING".into(),
                    });
                    self.log.explain(|| format!(
                        "{id} still has {refs} reference(s): it becomes FREE_PENDING, its holders are told, and the last put reclaims it"
                    ));
                    self.notify("FREE", id);
                }
                Ok(Val::Null)
            }
            RefModel::None | RefModel::MmLifetime => {
                self.reclaim(id);
                Ok(Val::Null)
            }
        }
    }

    /// An operation on an ID the active storage does not hold: the kernel logs it;
    /// with real error codes it is `ENOENT`.
    pub(crate) fn unknown_id(&mut self, func: &str, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("free.unknown");
        // The same words as the pseudo-code's pr_err().
        self.log
            .warn(format!("{func}: Trying to free unknown IOASID {id}"));
        let orphan = self.orphans.iter().any(|(o, _)| *o == id);
        self.log.explain(|| {
            if orphan {
                format!("{id} was orphaned with its allocator: the active storage does not know it")
            } else {
                format!("{id} is not in the active allocator's storage")
            }
        });
        if self.knobs.real_errno {
            Err(Errno::ENOENT)
        } else {
            Ok(Val::Null)
        }
    }

    /// Releases `id` for good: backend free first (a custom allocator's callback), then
    /// the entry is erased. While page requests for it are pending (improved), it is
    /// quarantined instead, backend free included: a vcmd host must not hand the PASID
    /// to another guest either, so the host free waits for the release too.
    pub(crate) fn reclaim(&mut self, id: Ioasid) {
        let Some(entry) = self.entry(id).cloned() else {
            return;
        };
        let pending = self.pasid_pending(id);
        let quarantine = pending && !self.knobs.flaw_reuse_with_pending_faults;
        if !self.groups.is_empty() && !quarantine {
            self.log.line("free.backend");
            self.custom_free(id, entry.data.is_some());
        }
        if quarantine {
            self.log.line("free.quarantine");
            if let Some(e) = self.active_store_mut().get_mut(id) {
                e.state = IdState::Quarantined;
                e.data = None;
                // Freed: no reference is left; only the pending requests hold it back.
                e.refs = 0;
            }
            self.quarantined.push(id);
            self.log.event(|| Event::State {
                id,
                state: "QUARANTINED".into(),
            });
            let custom = !self.groups.is_empty();
            self.log.explain(|| format!(
                "page requests for {id} are still pending: it is quarantined, not reused, until they are handled{}",
                if custom { " (the custom allocator's free waits until then too)" } else { "" }
            ));
        } else {
            self.log.line("free.erase");
            self.active_store_mut().remove(id);
            let store = self.active_name();
            self.log.event(|| Event::Erased { id, store });
            if self.groups.is_empty() {
                self.log
                    .explain(|| format!("{id} is free again: the next alloc may return it"));
            } else {
                // First fit is not ours to promise: the custom allocator picks the next ID.
                self.log.explain(|| {
                    format!("{id} is erased from the storage; which ID comes next is the custom allocator's choice")
                });
            }
            if pending {
                // Not a kernel log line: ioasid_free has no view of the fault queue.
                self.log.explain(|| {
                    format!("page requests for {id} are still pending, and nothing here knows it")
                });
            }
            self.release_from_set(entry.set.as_ref(), id);
        }
        self.log.changed(id);
        if entry.state != IdState::FreePending {
            self.notify_in("FREE", id, entry.set);
        }
    }

    /// Drops `id` from its set's count and spid map; a free-pending set whose last ID
    /// this was is destroyed and its quota returned.
    pub(crate) fn release_from_set(&mut self, set: Option<&Name>, id: Ioasid) {
        let Some(name) = set else { return };
        let Some(s) = self.sets.get_mut(name) else {
            return;
        };
        s.used = s.used.saturating_sub(1);
        s.spids.retain(|_, v| *v != id);
        if s.free_pending && s.used == 0 {
            let quota = s.quota.unwrap_or(0);
            self.sets.remove(name);
            self.capacity_left = self.capacity_left.saturating_add(quota);
            self.log.explain(|| format!("its set {name} had been freed: with its last ID gone it is destroyed and its quota returned"));
        }
    }

    /// `ioasid_find(set, id, getter)`: lock-free lookup of `id`'s private data.
    ///
    /// In this order: not in the active storage: `ENOENT`; `set` given and the ID is in
    /// another set: `EACCES` (`None` is a wildcard); no data: `Ok(None)` (the ID is
    /// incomplete); a getter that refuses: `Ok(None)`; else the data. Flaw 1 calls the
    /// getter even with no data. Runs under `rcu_read_lock()`; takes no reference.
    pub fn find(
        &mut self,
        set: Option<&Name>,
        id: Ioasid,
        getter: Option<Getter>,
    ) -> Result<Option<Data>, Errno> {
        self.log.line("find.enter");
        if self.knobs.global_pasid {
            return Err(Errno::EOPNOTSUPP);
        }
        let Some(entry) = self.entry(id) else {
            self.log.line("find.enoent");
            self.log.line("find.found");
            self.log
                .explain(|| format!("{id} is not in the active allocator's storage"));
            return Err(Errno::ENOENT);
        };
        if let Some(want) = set {
            if entry.set.as_ref() != Some(want) {
                let have = set_label(entry.set.as_ref());
                self.log.line("find.eacces");
                self.log.line("find.found");
                self.log
                    .explain(|| format!("{id} belongs to {have}, not to set {want}"));
                return Err(Errno::EACCES);
            }
        }
        let data = entry.data;
        self.log.line("find.deref");
        match (data, getter) {
            (None, getter) => {
                if getter.is_some() && self.knobs.flaw_getter_without_data {
                    self.log.line("find.getter_null");
                    self.log
                        .warn("ioasid_find: getter called with NULL private data");
                }
                self.log.line("find.no_data");
                self.log.line("find.found");
                self.log.explain(|| {
                    format!("{id} is allocated but has no data yet: the lookup returns nothing")
                });
                Ok(None)
            }
            (Some(d), Some(Getter::MmAlive)) => {
                let alive = d
                    .mm()
                    .and_then(|m| self.mms.get(m))
                    .is_some_and(|m| m.alive);
                if alive {
                    self.log.line("find.found");
                    self.log.explain(|| format!("{id} -> {}", d.label()));
                    Ok(Some(d))
                } else {
                    // The getter's refusal is the branch taken, on the line where this
                    // profile calls it (the kernel's, before the NULL check; ours, after).
                    self.log.line(if self.knobs.flaw_getter_without_data {
                        "find.getter_null"
                    } else {
                        "find.getter"
                    });
                    self.log.line("find.found");
                    if d.mm().is_none() {
                        self.log.warn(format!(
                            "ioasid_find: getter given {}, which is not an mm",
                            d.label()
                        ));
                    }
                    self.log.explain(|| {
                        format!("the getter refuses {}: it is not a live mm", d.label())
                    });
                    Ok(None)
                }
            }
            (Some(d), None) => {
                self.log.line("find.found");
                self.log.explain(|| format!("{id} -> {}", d.label()));
                Ok(Some(d))
            }
        }
    }

    /// `ioasid_set_data` / `ioasid_attach_data` / `ioasid_detach_data`: replaces `id`'s
    /// private data.
    ///
    /// Unknown ID: `ENOENT`. `Attach` (or `Set` with `attach_busy`) when data is already
    /// attached: `EBUSY`. Publishes the new pointer, then waits for an RCU grace period:
    /// readers in flight keep the old value until they finish, and the writer returns
    /// only then. May sleep.
    pub fn set_data(
        &mut self,
        id: Ioasid,
        data: Option<Data>,
        how: DataUpdate,
    ) -> Result<Val, Errno> {
        self.log.line("set_data.enter");
        if self.knobs.global_pasid {
            return Err(Errno::EOPNOTSUPP);
        }
        let Some(entry) = self.entry(id).cloned() else {
            self.log.line("set_data.enoent");
            self.log
                .explain(|| format!("{id} is not in the active allocator's storage"));
            return Err(Errno::ENOENT);
        };
        let busy_check =
            how == DataUpdate::Attach || (how == DataUpdate::Set && self.knobs.attach_busy);
        if busy_check && entry.data.is_some() && data.is_some() {
            self.log.line("set_data.busy");
            self.log.explain(|| {
                format!(
                    "{id} already has {}: detach it first",
                    data_label(entry.data.as_ref())
                )
            });
            return Err(Errno::EBUSY);
        }
        self.log.line("set_data.publish");
        let old = entry.data;
        if let Some(e) = self.active_store_mut().get_mut(id) {
            e.data = data;
            if e.state != IdState::FreePending {
                e.state = if data.is_some() {
                    IdState::Active
                } else {
                    IdState::Idle
                };
            }
        }
        self.log.changed(id);
        self.log.explain(|| {
            format!(
                "{id}: {} -> {} (rcu_assign_pointer)",
                data_label(old.as_ref()),
                data_label(data.as_ref())
            )
        });
        if old.is_some() && data.is_none() {
            self.notify("UNBIND", id);
        } else if data.is_some() {
            self.notify("BIND", id);
        }
        self.log.line("set_data.sync");
        self.start_grace_period(id);
        Ok(Val::Null)
    }

    /// `ioasid_get(set, id)`: takes a reference.
    ///
    /// Get/put era: an unknown ID is only a warning. FREE_PENDING era: unknown `ENOENT`,
    /// FREE_PENDING `EBUSY`, wrong set `EACCES`. Eras without counts: `EOPNOTSUPP`.
    pub fn get(&mut self, set: Option<&Name>, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("get.enter");
        match self.knobs.refs {
            RefModel::None | RefModel::MmLifetime => {
                self.log
                    .explain(|| "this era has no reference counts".into());
                Err(Errno::EOPNOTSUPP)
            }
            RefModel::GetPut => {
                let Some(_) = self.entry(id) else {
                    self.log.line("get.unknown");
                    self.log.warn(format!("ioasid_get: unknown IOASID {id}"));
                    self.log
                        .explain(|| format!("{id} is unknown: only a warning"));
                    return if self.knobs.real_errno {
                        Err(Errno::ENOENT)
                    } else {
                        Ok(Val::Null)
                    };
                };
                self.add_ref(id);
                Ok(Val::Null)
            }
            RefModel::FreePending => {
                let Some(entry) = self.entry(id).cloned() else {
                    self.log.line("get.unknown");
                    self.log.explain(|| format!("{id} is unknown"));
                    return Err(Errno::ENOENT);
                };
                if set.is_some() && set != entry.set.as_ref() {
                    self.log.line("get.eacces");
                    let have = set_label(entry.set.as_ref());
                    self.log.explain(|| format!("{id} belongs to {have}"));
                    return Err(Errno::EACCES);
                }
                if entry.state == IdState::FreePending {
                    self.log.line("get.pending");
                    self.log
                        .explain(|| format!("{id} is FREE_PENDING: no new references"));
                    return Err(Errno::EBUSY);
                }
                self.add_ref(id);
                Ok(Val::Null)
            }
        }
    }

    fn add_ref(&mut self, id: Ioasid) {
        self.log.line("get.inc");
        let mut refs = 0;
        if let Some(e) = self.active_store_mut().get_mut(id) {
            e.refs = e.refs.saturating_add(1);
            refs = e.refs;
        }
        self.log.changed(id);
        self.log.event(|| Event::Refs { id, refs });
        self.log
            .explain(|| format!("{id} now has {refs} reference(s)"));
    }

    /// `ioasid_put(set, id)`: drops a reference; frees at zero. Returns whether it freed.
    ///
    /// Get/put era: unknown ID: logged, `false`. FREE_PENDING era: unknown `ENOENT`.
    /// Eras without counts: `EOPNOTSUPP`.
    pub fn put(&mut self, set: Option<&Name>, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("put.enter");
        if matches!(self.knobs.refs, RefModel::None | RefModel::MmLifetime) {
            self.log
                .explain(|| "this era has no reference counts".into());
            return Err(Errno::EOPNOTSUPP);
        }
        let Some(entry) = self.entry(id).cloned() else {
            self.log.line("put.unknown");
            if self.knobs.refs == RefModel::FreePending || self.knobs.real_errno {
                self.log.explain(|| format!("{id} is unknown"));
                return Err(Errno::ENOENT);
            }
            self.log.warn(format!("ioasid_put: unknown IOASID {id}"));
            self.log
                .explain(|| format!("{id} is unknown: logged, nothing freed"));
            return Ok(Val::Bool(false));
        };
        if self.knobs.refs == RefModel::FreePending && set.is_some() && set != entry.set.as_ref() {
            self.log.line("put.eacces");
            let have = set_label(entry.set.as_ref());
            self.log.explain(|| format!("{id} belongs to {have}"));
            return Err(Errno::EACCES);
        }
        let refs = entry.refs.saturating_sub(1);
        if refs > 0 {
            // The "still referenced" branch: put returns false.
            self.log.line("put.dec");
        }
        if refs == 0 {
            self.log.line("put.free");
            self.log
                .explain(|| format!("the last reference to {id} is gone: it is freed"));
            self.reclaim(id);
            return Ok(Val::Bool(true));
        }
        if let Some(e) = self.active_store_mut().get_mut(id) {
            e.refs = refs;
        }
        self.log.changed(id);
        self.log.event(|| Event::Refs { id, refs });
        self.log
            .explain(|| format!("{id} still has {refs} reference(s)"));
        Ok(Val::Bool(false))
    }

    /// Stores `entry` at the lowest free ID in [min, max] of the default storage,
    /// recording the search path (when recording) as a `Search` event named `store`.
    fn first_fit(&mut self, store: &str, min: Ioasid, max: Ioasid, entry: Entry) -> Option<Ioasid> {
        let mut path: Vec<XaVisit> = Vec::new();
        let record = self.log.record;
        let found =
            self.default_store
                .alloc(min, max, entry, if record { Some(&mut path) } else { None });
        self.log.event(|| Event::Search {
            store: store.into(),
            min,
            max,
            path,
            found,
        });
        found
    }

    /// v6.6 `iommu_alloc_global_pasid`: the lowest free PASID in [min, max].
    fn global_alloc(&mut self, min: Ioasid, max: Ioasid) -> Result<Ioasid, Errno> {
        self.log.line("global.alloc");
        if min > max || max == INVALID_IOASID {
            return Err(Errno::EINVAL);
        }
        let entry = Entry {
            set: None,
            data: None,
            refs: 1,
            state: IdState::Idle,
            spid: None,
            born: u32::try_from(self.step).unwrap_or(u32::MAX),
        };
        match self.first_fit("global", min, max, entry) {
            Some(id) => {
                self.log.changed(id);
                self.log.explain(|| {
                    format!(
                        "the global PASID allocator picked {id}, the lowest free in [{min}, {max}]"
                    )
                });
                Ok(id)
            }
            None => Err(Errno::ENOSPC),
        }
    }

    /// v6.6 `iommu_free_global_pasid`.
    fn global_free(&mut self, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("global.free");
        match self.default_store.remove(id) {
            Some(_) => {
                let attached: Vec<String> = self
                    .attachments
                    .keys()
                    .filter(|(_, p)| *p == id)
                    .map(|(d, _)| d.to_string())
                    .collect();
                if !attached.is_empty() {
                    self.log.warn(format!(
                        "iommu_free_global_pasid: {id} is still attached on {}",
                        attached.join(", ")
                    ));
                    self.log.explain(|| format!(
                        "{id} is free again but still attached on {}: its next owner would share those attachments (drivers detach first)",
                        attached.join(", ")
                    ));
                }
                self.log.changed(id);
                self.log.event(|| Event::Erased {
                    id,
                    store: "global".into(),
                });
                Ok(Val::Null)
            }
            None => {
                self.log
                    .warn(format!("iommu_free_global_pasid: {id} was not allocated"));
                Err(Errno::ENOENT)
            }
        }
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

/// "set X" or "no set".
pub fn set_label(set: Option<&Name>) -> String {
    set.map_or_else(|| "no set".to_string(), |s| format!("set {s}"))
}

/// A shared name from text.
pub fn name(s: &str) -> Name {
    Name::new(s)
}

impl World {
    /// Checks the model's invariants; `Err` names the first one broken. Tests call it
    /// after every step.
    /// - every set's `used` equals the entries carrying it across all storages;
    /// - quotas given out plus the capacity left equal the capacity;
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
        if quotas + u64::from(self.capacity_left) != u64::from(DEFAULT_CAPACITY) {
            return Err(format!(
                "quotas {quotas} + left {} != capacity",
                self.capacity_left
            ));
        }
        self.check_queue()?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// With all 2^20 PASIDs allocated, each byte of a record is a megabyte: the
    /// budget is 32 bytes (4-byte interned names, a `u32` birth step).
    #[test]
    fn an_entry_fits_in_32_bytes() {
        assert!(
            std::mem::size_of::<Entry>() <= 32,
            "{}",
            std::mem::size_of::<Entry>()
        );
    }
}
