//! The core ID calls: `alloc`, `free`, `find`, `set_data` (with `attach_data` /
//! `detach_data`), `get` and `put`, and how a freed ID is reclaimed.
//!
//! Locking, as the kernel has it (the model runs one step at a time, so it only
//! *describes* the locks): `alloc`, `free`, `get`, `put` and `set_data`'s update run
//! under the `ioasid_allocator_lock` spinlock and never sleep, except `set_data`, which
//! waits for an RCU grace period after publishing. `find` is lock-free under
//! `rcu_read_lock()`.
use super::World;
use crate::hazard::HazardKind;
use crate::id::{data_label, Data, Errno, Ioasid, Name, INVALID_IOASID, PASID_MIN};
use crate::profile::RefModel;
use crate::space::{set_label, DataUpdate, Entry, Getter, IdState};
use crate::trace::{Event, Val};
use crate::xarray::XaVisit;

impl World {
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
    /// free ID. The kernel checks no range of its own (R-RANGE-1): the active allocator
    /// gets [min, max] as it is. With real error codes (improved) `min > max` and
    /// `max == INVALID_IOASID` are `EINVAL`. Fails with `EINVAL` for an unknown set;
    /// `ENOSPC` when the range or the set's quota is full; a custom allocator's failure
    /// as it reports it. Kernel profiles report every failure as `INVALID_IOASID`,
    /// with the kernel's log lines. Never sleeps (spinlock held).
    ///
    /// # Examples
    ///
    /// ```
    /// use ioasid_core::{name::Name, Errno, Profile, World};
    ///
    /// let mut w = World::new(Profile::V5_11, Profile::V5_11.knobs());
    /// let sva = Name::new("sva");
    /// // First fit: the lowest free ID in the range.
    /// assert_eq!(w.alloc(Some(&sva), 1, 100, None), Ok(1));
    /// assert_eq!(w.alloc(Some(&sva), 1, 100, None), Ok(2));
    /// assert_eq!(w.alloc(Some(&sva), 10, 100, None), Ok(10));
    /// // A kernel profile reports a bad range as INVALID_IOASID, not an errno...
    /// assert_eq!(w.alloc(Some(&sva), 9, 5, None), Err(Errno::INVALID_IOASID));
    /// // ...the improved one says why.
    /// let mut better = World::new(Profile::Improved, Profile::Improved.knobs());
    /// assert_eq!(better.alloc(Some(&sva), 9, 5, None), Err(Errno::EINVAL));
    /// ```
    pub fn alloc(
        &mut self,
        set: Option<&Name>,
        min: Ioasid,
        max: Ioasid,
        data: Option<Data>,
    ) -> Result<Ioasid, Errno> {
        if self.knobs.global_pasid {
            if min != PASID_MIN {
                self.log.explain(|| {
                    "iommu_alloc_global_pasid takes no lower bound: it allocates from 1".into()
                });
            }
            return self.global_alloc(max);
        }
        self.log.line("alloc.enter");
        let k = self.knobs.clone();
        // The kernel's ioasid_alloc checks no range (R-RANGE-1); improved does.
        if k.real_errno && (min > max || max == INVALID_IOASID) {
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
            if s.free_pending && !k.ext_v4_as_posted {
                self.log.line("alloc.set_dying");
                self.log
                    .explain(|| "the set is being freed: no new IDs".into());
                return Err(k.alloc_err(Errno::EINVAL));
            }
            if k.ext_sets && s.quota.is_some_and(|q| s.used >= q) {
                self.log.line("alloc.quota");
                self.log
                    .klog(format!("IOASID set out of quota {}", s.quota.unwrap_or(0)));
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
        // V4 assigns IDLE at alloc and never ACTIVE; the model's ACTIVE names an ID
        // with data.
        let entry = Entry {
            state: if entry.data.is_some() && !k.ext_v4_as_posted {
                IdState::Active
            } else {
                IdState::Idle
            },
            ..entry
        };
        let id = if k.rfc_idr {
            self.rfc_store(min, max, entry)
                .map_err(|e| k.alloc_err(e))?
        } else if self.groups.is_empty() {
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
                    if !k.real_errno {
                        // default_alloc's line, then ioasid_alloc's (flags 0: default).
                        self.log
                            .klog(format!("Failed to alloc ioasid from {min} to {max}"));
                        self.log.line("alloc.failed");
                        self.log.klog("Failed ASID allocation 0");
                    }
                    self.log.explain(|| {
                        if min > max {
                            format!("[{min}, {max}] is empty: the xarray finds no slot")
                        } else {
                            format!("every ID in [{min}, {max}] is taken")
                        }
                    });
                    return Err(k.alloc_err(if min > max {
                        Errno::EINVAL
                    } else {
                        Errno::ENOSPC
                    }));
                }
            }
        } else {
            self.log.line("alloc.custom");
            let id = match self.custom_alloc(min, max) {
                Ok(id) => id,
                Err(e) => {
                    self.log.line("alloc.failed");
                    if !k.real_errno {
                        // The allocator's flags: IOASID_ALLOCATOR_CUSTOM.
                        self.log.klog("Failed ASID allocation 1");
                    }
                    return Err(k.alloc_err(e));
                }
            };
            if id < min || id > max {
                if k.flaw_unchecked_answer {
                    self.hazard_created(HazardKind::OutOfRangeId, id, || {
                        format!("{id} is outside [{min}, {max}] and stored as is: nothing checks a custom allocator's answer")
                    });
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
            // The framework records the answer: an xa_alloc limited to exactly that ID.
            self.log.line("alloc.store_exact");
            if let Err(_rejected) = self.active_store_mut().insert(id, entry) {
                self.log.line("alloc.collision");
                let backend = k.flaw_rollback_frees_owner;
                self.log.line(if backend {
                    "alloc.rollback"
                } else {
                    "alloc.refuse_dup"
                });
                if !k.real_errno {
                    self.log.klog(format!("Failed to alloc ioasid from {id}"));
                }
                let mut freed = false;
                if backend {
                    // The vcmd free's own lookup finds the first owner's entry.
                    let owner_data = self.entry(id).is_some_and(|e| e.data.is_some());
                    freed = self.custom_free(id, owner_data);
                    // R-ALLOC-ROLLBACK-1/2: `ioasid_alloc()` in drivers/iommu/ioasid.c
                    // (v5.11) calls the allocator's free on a failed store; the vcmd free
                    // (`intel_vcmd_ioasid_free()`, v5.10) sends FREE when the first
                    // owner's entry has no data: the host frees a PASID the guest uses.
                    if freed {
                        self.hazard_created(HazardKind::FreedByNonOwner, id, || format!(
                            "the rollback freed {id} at the host, but {id} is its first owner's, who still uses it: the host may hand it out again"
                        ));
                    }
                    self.log.explain(|| if freed {
                        format!("{id} is already stored: the insert fails and the rollback calls the allocator's free({id}), which frees the first owner's PASID at the host")
                    } else {
                        format!("{id} is already stored: the insert fails and the rollback calls the allocator's free({id}); the first owner's PASID stays at the host")
                    });
                } else {
                    self.log.explain(|| {
                        format!("{id} is already stored: refused without freeing the first owner's PASID")
                    });
                }
                self.log.event(|| Event::Rollback {
                    id,
                    freed_at_backend: freed,
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
        self.hazard_handed_out(id);
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
    ///
    /// # Examples
    ///
    /// ```
    /// use ioasid_core::{name::Name, Errno, Profile, Val, World};
    ///
    /// let mut w = World::new(Profile::V5_5, Profile::V5_5.knobs());
    /// let sva = Name::new("sva");
    /// let id = w.alloc(Some(&sva), 1, 100, None).unwrap();
    /// assert_eq!(w.free(Some(&sva), id), Ok(Val::Null));
    /// assert!(w.entry(id).is_none());
    /// // The freed number is the lowest free one again: first fit hands it straight back.
    /// assert_eq!(w.alloc(Some(&sva), 1, 100, None), Ok(id));
    /// // An unknown ID: v5.5 only logs a warning; improved answers ENOENT.
    /// assert_eq!(w.free(Some(&sva), 50), Ok(Val::Null));
    /// let mut better = World::new(Profile::Improved, Profile::Improved.knobs());
    /// assert_eq!(better.free(Some(&sva), 50), Err(Errno::ENOENT));
    /// ```
    pub fn free(&mut self, set: Option<&Name>, id: Ioasid) -> Result<Val, Errno> {
        if self.knobs.global_pasid {
            return self.global_free(id);
        }
        self.log.line("free.enter");
        let Some(entry) = self.entry(id).cloned() else {
            if self.knobs.rfc_idr {
                return self.rfc_free_unknown(id);
            }
            return self.unknown_id(id);
        };
        if set != entry.set.as_ref() {
            let (have, by) = (set_label(entry.set.as_ref()), set_label(set));
            if !self.knobs.flaw_free_any_owner {
                self.log.line("free.owner");
                if self.knobs.ext_sets {
                    self.log
                        .klog(format!("Cannot free IOASID {id} due to set ownership"));
                }
                self.log.explain(|| {
                    format!("{id} belongs to {have}, not to {by}: only its owner may free it")
                });
                return Err(Errno::EACCES);
            }
            // No owner check (flaw 8): a free naming another set goes through.
            if set.is_some() {
                self.hazard_created(HazardKind::FreedByNonOwner, id, || {
                    format!("{id} belonged to {have}, and {by} freed it: no owner check")
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
    pub(crate) fn unknown_id(&mut self, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("free.unknown");
        // ioasid_free's (and v5.11 ioasid_put's) pr_err(), bare: ioasid.c has no pr_fmt.
        self.log.klog(format!("Trying to free unknown IOASID {id}"));
        let orphan = self.orphans.iter().any(|(o, _)| *o == id);
        if orphan && self.hazard_live(HazardKind::TwoOwners, id) {
            // Its owner gives it up: nobody uses it now, and nobody can tell the host.
            self.hazard_cleared(HazardKind::TwoOwners, id);
            if self.hosts.values().any(|h| h.ids.get(id).is_some()) {
                self.hazard_created(HazardKind::LeakedHostPasid, id, || format!(
                    "{id} is freed, but the allocator that got it from the host is gone: the host keeps it for good"
                ));
            }
        }
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
            let skips = self.vcmd_free_skips(entry.data.is_some());
            self.custom_free(id, entry.data.is_some());
            // R-SVA-VCMD-1 (`intel_svm_unbind_mm()`, drivers/iommu/intel/svm.c, v5.10):
            // a free with data attached sends no FREE; the guest forgets the PASID.
            if skips {
                self.hazard_created(HazardKind::LeakedHostPasid, id, || format!(
                    "{id} is freed with its data still attached: the vcmd free skips the host's FREE, so the host keeps {id} for good"
                ));
            }
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
            self.hazard_id_reclaimed(id);
            if pending {
                // R-LIFE-4 (`intel_svm_unbind_mm()`, drivers/iommu/intel-svm.c, v5.5):
                // nothing drains the PASID's page requests before it is reused.
                self.hazard_created(HazardKind::FaultForNextOwner, id, || format!(
                    "{id} is free again while page requests for it are pending: the handler will serve them in whatever address space {id} means when it runs"
                ));
            }
        }
        self.log.changed(id);
        // V4 tells only of a free that leaves references (in `free`), never here.
        if entry.state != IdState::FreePending && !self.knobs.ext_v4_as_posted {
            self.notify_in("FREE", id, entry.set);
        }
    }

    /// Drops `id` from its set's count and spid map; a free-pending set whose last ID
    /// this was is destroyed and its quota returned (except in V4 as posted).
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
            self.log.explain(|| {
                format!("its set {name} had been freed: with its last ID gone it is destroyed")
            });
            self.return_quota(name, quota);
        }
    }

    /// `ioasid_find(set, id, getter)`: lock-free lookup of `id`'s private data.
    ///
    /// In this order: not in the active storage: `ENOENT`; `set` given and the ID is in
    /// another set: `EACCES` (`None` is a wildcard); no data: `Ok(None)` (the ID is
    /// incomplete); a getter that refuses: `Ok(None)`; else the data. Flaw 1 calls the
    /// getter even with no data. Runs under `rcu_read_lock()`; takes no reference.
    ///
    /// # Examples
    ///
    /// ```
    /// use ioasid_core::{name::Name, Data, Errno, Profile, World};
    ///
    /// let mut w = World::new(Profile::V5_11, Profile::V5_11.knobs());
    /// let (sva, a) = (Name::new("sva"), Name::new("A"));
    /// let id = w.alloc(Some(&sva), 1, 100, Some(Data::Mm(a))).unwrap();
    /// assert_eq!(w.find(Some(&sva), id, None), Ok(Some(Data::Mm(a))));
    /// // `None` is a wildcard set.
    /// assert_eq!(w.find(None, id, None), Ok(Some(Data::Mm(a))));
    /// // An ID allocated without data is found, but has none yet.
    /// let bare = w.alloc(Some(&sva), 1, 100, None).unwrap();
    /// assert_eq!(w.find(Some(&sva), bare, None), Ok(None));
    /// assert_eq!(w.find(Some(&sva), 99, None), Err(Errno::ENOENT));
    /// ```
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
        if self.knobs.rfc_find_exact {
            return self.rfc_find(set, id, getter);
        }
        let Some(entry) = self.entry(id) else {
            self.log.line("find.enoent");
            self.log.line("find.found");
            self.log
                .explain(|| format!("{id} is not in the active allocator's storage"));
            self.hazard_bites(HazardKind::FreedByNonOwner, id, || {
                format!("a lookup of {id} finds nothing: it was freed behind its owner's back")
            });
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
                    self.hazard_created(HazardKind::GetterOnNull, id, || {
                        format!("the getter is called on {id}'s NULL private data: the SVA getter would dereference it, an oops in a real kernel")
                    });
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
                        self.hazard_created(HazardKind::WrongDataType, id, || {
                            format!(
                                "the mm getter is given {}, which is not an mm: a real getter would treat it as one",
                                d.label()
                            )
                        });
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
    ///
    /// # Examples
    ///
    /// ```
    /// use ioasid_core::space::DataUpdate;
    /// use ioasid_core::{name::Name, Data, Errno, Profile, Val, World};
    ///
    /// let mut w = World::new(Profile::V5_11, Profile::V5_11.knobs());
    /// let (sva, a, d) = (Name::new("sva"), Name::new("A"), Name::new("D"));
    /// let id = w.alloc(Some(&sva), 1, 100, None).unwrap();
    /// assert_eq!(w.set_data(id, Some(Data::Mm(a)), DataUpdate::Set), Ok(Val::Null));
    /// assert_eq!(w.find(None, id, None), Ok(Some(Data::Mm(a))));
    /// // Attaching over data already attached is refused.
    /// assert_eq!(
    ///     w.set_data(id, Some(Data::Domain(d)), DataUpdate::Attach),
    ///     Err(Errno::EBUSY)
    /// );
    /// assert_eq!(w.set_data(77, None, DataUpdate::Detach), Err(Errno::ENOENT));
    /// ```
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
        // The extension series' attach/detach (V4 03/18): attach refuses whatever
        // data is attached and does not wait; detach of an unknown ID only logs.
        let v4 = self.knobs.refs == RefModel::FreePending && how != DataUpdate::Set;
        let Some(entry) = self.entry(id).cloned() else {
            self.log.line("set_data.enoent");
            self.log
                .explain(|| format!("{id} is not in the active allocator's storage"));
            if v4 && how == DataUpdate::Detach {
                self.log
                    .klog(format!("IOASID {id} not found to detach data from"));
                if !self.knobs.real_errno {
                    return Ok(Val::Null);
                }
            }
            return Err(Errno::ENOENT);
        };
        let busy_check =
            how == DataUpdate::Attach || (how == DataUpdate::Set && self.knobs.attach_busy);
        if busy_check && entry.data.is_some() && (data.is_some() || v4) {
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
        let keep_state = v4 && self.knobs.ext_v4_as_posted;
        if let Some(e) = self.active_store_mut().get_mut(id) {
            e.data = data;
            if e.state != IdState::FreePending && !keep_state {
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
        if v4 && how == DataUpdate::Attach {
            self.log.explain(|| {
                "attach publishes without waiting for a grace period (it may run under a spinlock)"
                    .into()
            });
            return Ok(Val::Null);
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
                    // v5.11 ioasid_get(): WARN_ON(1), no text.
                    self.log.klog("WARNING: at drivers/iommu/ioasid.c:362");
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
                // V4 `ioasid_get_locked()`: unknown, then FREE_PENDING, then the set.
                let Some(entry) = self.entry(id).cloned() else {
                    self.log.line("get.unknown");
                    self.log.klog(format!("Trying to get unknown IOASID {id}"));
                    self.log.explain(|| format!("{id} is unknown"));
                    return Err(if self.knobs.real_errno {
                        Errno::ENOENT
                    } else {
                        Errno::EINVAL
                    });
                };
                if entry.state == IdState::FreePending {
                    self.log.line("get.pending");
                    self.log
                        .klog(format!("Trying to get IOASID being freed{id}"));
                    self.log
                        .explain(|| format!("{id} is FREE_PENDING: no new references"));
                    return Err(Errno::EBUSY);
                }
                if set.is_some() && set != entry.set.as_ref() {
                    self.log.line("get.eacces");
                    self.log
                        .klog(format!("Trying to get IOASID {id} outside the set"));
                    let have = set_label(entry.set.as_ref());
                    self.log.explain(|| format!("{id} belongs to {have}"));
                    return Err(Errno::EACCES);
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
            if self.knobs.real_errno {
                self.log.explain(|| format!("{id} is unknown"));
                return Err(Errno::ENOENT);
            }
            if self.knobs.refs == RefModel::FreePending {
                self.log.klog(format!("Trying to put unknown IOASID {id}"));
                self.log
                    .explain(|| format!("{id} is unknown: logged, put answers false"));
                return Ok(Val::Bool(false));
            }
            self.log.klog(format!("Trying to free unknown IOASID {id}"));
            self.log
                .explain(|| format!("{id} is unknown: logged, nothing freed"));
            return Ok(Val::Bool(false));
        };
        if self.knobs.refs == RefModel::FreePending && set.is_some() && set != entry.set.as_ref() {
            self.log.line("put.eacces");
            self.log
                .klog(format!("Trying to drop IOASID {id} outside the set"));
            let have = set_label(entry.set.as_ref());
            self.log.explain(|| format!("{id} belongs to {have}"));
            if !self.knobs.real_errno {
                return Ok(Val::Bool(false));
            }
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

    /// v6.6 `iommu_alloc_global_pasid(dev)`: the lowest free PASID in [1, `max`], the
    /// device's last PASID (`IOMMU_FIRST_GLOBAL_PASID` to `max_pasids - 1`). It takes
    /// no lower bound and gives no errno: any failure is `INVALID_IOASID`
    /// (`IOMMU_PASID_INVALID`).
    pub(crate) fn global_alloc(&mut self, max: Ioasid) -> Result<Ioasid, Errno> {
        self.log.line("global.alloc");
        let min = PASID_MIN;
        if max == INVALID_IOASID || max < min {
            self.log.line("global.invalid");
            self.log
                .explain(|| format!("a device whose last PASID is {max} has none to give"));
            return Err(Errno::INVALID_IOASID);
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
                self.hazard_handed_out(id);
                self.log.changed(id);
                self.log.explain(|| {
                    format!(
                        "the global PASID allocator picked {id}, the lowest free in [{min}, {max}]"
                    )
                });
                Ok(id)
            }
            None => {
                self.log.line("global.invalid");
                self.log
                    .explain(|| format!("every PASID in [{min}, {max}] is taken"));
                Err(Errno::INVALID_IOASID)
            }
        }
    }

    /// v6.6 `iommu_free_global_pasid(pasid)`: returns nothing. `IOMMU_PASID_INVALID`:
    /// a bare `WARN_ON`; an ID not allocated: `ida_free()`'s warning. It checks no
    /// attachment: an ID freed while still attached is a hazard the kernel cannot see.
    fn global_free(&mut self, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("global.free");
        if id == INVALID_IOASID {
            self.log.line("global.free_invalid");
            self.log.klog("WARNING: at drivers/iommu/iommu.c");
            return Ok(Val::Null);
        }
        self.log.line("global.ida_free");
        match self.default_store.remove(id) {
            Some(_) => {
                let attached: Vec<String> = self
                    .attachments
                    .keys()
                    .filter(|(_, p)| *p == id)
                    .map(|(d, _)| d.to_string())
                    .collect();
                if !attached.is_empty() {
                    let on = attached.join(", ");
                    self.hazard_created(HazardKind::AttachedAfterFree, id, || format!(
                        "{id} is free again but still attached on {on}: its next owner would share those attachments (drivers detach first)"
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
                self.log.line("global.not_allocated");
                self.log.klog(format!(
                    "ida_free called for id={id} which is not allocated."
                ));
                self.log
                    .explain(|| format!("{id} is not allocated: ida_free only warns"));
                Ok(Val::Null)
            }
        }
    }
}
