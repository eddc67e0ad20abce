//! Custom allocator calls: `register` and `unregister`, and the calls the core
//! makes into the active allocator (`custom_alloc`, `custom_free`).
use super::World;
use crate::allocator::{Group, VCMD_FNS};
use crate::hazard::HazardKind;
use crate::id::{Errno, Ioasid, Name, INVALID_IOASID, PASID_MAX, PASID_MIN};
use crate::profile::Profile;
use crate::trace::{Event, Val};
use crate::xarray::XArray;
use std::collections::HashMap;

/// `intel_pasid_max_id` in a guest with a 20-bit vIOMMU: a count of PASIDs (`2 <<
/// ecap_pss`), which the vcmd alloc compares `max` with (R-VCMD-1).
pub const VCMD_PASID_COUNT: Ioasid = PASID_MAX + 1;

impl World {
    /// `ioasid_register_allocator(ops)`: registers a custom allocator, decided in the
    /// kernel's order (R-REG-1):
    /// 1. no custom allocator yet: active at once if the default allocator holds no IDs,
    ///    else `EAGAIN`;
    /// 2. each group in order: `allocator` is its recorded ops (the first registrant's,
    ///    kept after it left: flaw 3; or, without flaw 4, any member): `EEXIST`; it has
    ///    the same functions: join it (shared storage);
    /// 3. otherwise: appended inactive, active once those before it are gone.
    ///
    /// For fns `vcmd` the VT-d driver's lines go around it. `EINVAL` (the model's own
    /// check) for a vcmd allocator without a known host. Spinlock held; never sleeps.
    ///
    /// # Examples
    ///
    /// ```
    /// use ioasid_core::{name::Name, Errno, Profile, Val, World};
    ///
    /// let mut w = World::new(Profile::V5_11, Profile::V5_11.knobs());
    /// let (host, viommu0) = (Name::new("H"), Name::new("viommu0"));
    /// let vcmd = Name::new("vcmd");
    /// w.host_create(&host, 1, 1000).unwrap();
    /// // The first custom allocator, while the default one holds no IDs: active at once.
    /// assert_eq!(w.register(&viommu0, &vcmd, Some(&host)), Ok(Val::Null));
    /// assert_eq!(w.active_name(), "custom vcmd (viommu0)");
    /// assert_eq!(w.register(&viommu0, &vcmd, Some(&host)), Err(Errno::EEXIST));
    ///
    /// // Once the default allocator has handed out an ID, switching is refused.
    /// let mut busy = World::new(Profile::V5_11, Profile::V5_11.knobs());
    /// busy.alloc(Some(&Name::new("sva")), 1, 10, None).unwrap();
    /// busy.host_create(&host, 1, 1000).unwrap();
    /// assert_eq!(busy.register(&viommu0, &vcmd, Some(&host)), Err(Errno::EAGAIN));
    /// assert_eq!(busy.active_name(), "default");
    /// ```
    pub fn register(
        &mut self,
        allocator: &Name,
        fns: &Name,
        host: Option<&Name>,
    ) -> Result<Val, Errno> {
        self.log.line("register.enter");
        if self.knobs.global_pasid {
            return Err(Errno::EOPNOTSUPP);
        }
        if let Some(h) = host {
            if !self.hosts.contains_key(h) {
                self.log
                    .explain(|| format!("no host named {h}: create it with host_create"));
                return Err(Errno::EINVAL);
            }
        } else if &**fns == VCMD_FNS {
            self.log.explain(|| "a vcmd allocator needs a host".into());
            return Err(Errno::EINVAL);
        }
        if self.knobs.rfc_one_allocator {
            self.reg_index.0 = None;
            return self.rfc_set_allocator(allocator, fns, host);
        }
        // The driver's ops struct exists whether or not the registration succeeds.
        self.ops.insert(*allocator, *fns);
        let vtd = &**fns == VCMD_FNS;
        if vtd {
            // VT-d's register_pasid_allocator(), around ioasid_register_allocator().
            self.log.klog("DMAR: Register custom PASID allocator");
        }
        let r = self.register_ops(allocator, fns, host);
        if vtd && r.is_err() {
            self.log
                .klog("DMAR: Custom PASID allocator failed, scalable mode disabled");
            self.log.explain(|| {
                "the VT-d driver turns scalable mode off: this guest gets no PASIDs from it".into()
            });
        }
        r
    }

    /// The body of `ioasid_register_allocator`, in the kernel's order (R-REG-1): the
    /// empty list first, then each group in order: its recorded ops (`EEXIST`), then its
    /// functions (join); no match: appended.
    fn register_ops(
        &mut self,
        allocator: &Name,
        fns: &Name,
        host: Option<&Name>,
    ) -> Result<Val, Errno> {
        if self.groups.is_empty() {
            self.log.line("register.first");
            if !self.default_store.is_empty() {
                self.log.line("register.eagain");
                self.log
                    .klog("Default allocator active with outstanding IOASID");
                let n = self.default_store.len();
                self.log.explain(|| format!(
                    "the default allocator already holds {n} ID(s): switching now would strand them, so the kernel refuses"
                ));
                return Err(Errno::EAGAIN);
            }
            self.log.line("register.activate");
            self.push_group(allocator, fns, host);
            self.log.switched = true;
            let to = self.active_name();
            self.log.event(|| Event::ActiveChanged {
                from: "default".into(),
                to,
            });
            self.log.explain(|| format!("{allocator} is the first custom allocator and the default one is empty: it is active at once"));
            return Ok(Val::Null);
        }
        let strict = !self.knobs.flaw_secondary_reregister;
        // The kernel walks every group; the first that matches is the one the walk
        // stops at, found through the index (a lesson may register by the hundred
        // thousand).
        let index = self
            .reg_index
            .0
            .take()
            .unwrap_or_else(|| RegIndex::build(&self.groups));
        let at = index.first_match(allocator, fns, strict);
        // A member list is walked only for a name that is a member somewhere.
        let member_at = index.member.get(allocator).copied();
        let anywhere = member_at.is_some();
        self.reg_index.0 = Some(index);
        // The group (named by its recorded ops) whose list holds the caller's entry
        // when it joins another's.
        let elsewhere = member_at
            .filter(|q| Some(*q) != at)
            .and_then(|q| self.groups.get(q))
            .map(|o| o.pdata);
        if let Some(g) = at.and_then(|p| self.groups.get_mut(p)) {
            // The group's recorded ops: its first registrant's, kept for good in the
            // kernel (flaw 3), the promoted member's in improved.
            let member = anywhere && g.members.contains(allocator);
            if g.pdata == *allocator || (member && strict) {
                self.log.line("register.dup");
                self.log.klog("IOASID allocator already registered");
                self.log.explain(|| {
                    format!(
                        "{allocator} is already registered (the ops of {}): EEXIST",
                        g.label()
                    )
                });
                return Err(Errno::EEXIST);
            }
            if g.fns == *fns {
                self.log.line("register.join");
                g.members.push(*allocator);
                if let (Some(index), Some(p)) = (&mut self.reg_index.0, at) {
                    // The first group it is a member of: this one may come before a
                    // group it already waits in.
                    let first = index.member.entry(*allocator).or_insert(p);
                    *first = (*first).min(p);
                }
                let pdata = g.pdata;
                if member {
                    self.hazard_created(HazardKind::CorruptMemberList, INVALID_IOASID, || format!(
                        "{allocator} was already on its group's member list and is added again: the list is corrupted (a second list_add of the same entry); 0 is returned"
                    ));
                } else if let Some(other) = elsewhere {
                    self.hazard_created(HazardKind::CorruptMemberList, INVALID_IOASID, || format!(
                        "{allocator} is still on the member list of {other}'s group and is added to the list of {pdata}'s: one list entry on two lists corrupts both (a list_add with no list_del first); a walk of the members of {other}'s group no longer comes back to its head; 0 is returned"
                    ));
                } else {
                    self.log.explain(|| format!(
                        "{allocator} has the same functions as {pdata}: it joins that group and shares its storage; only {pdata}'s data is passed to the calls"
                    ));
                }
                return Ok(Val::Null);
            }
        }
        self.log.line("register.queue");
        self.push_group(allocator, fns, host);
        let pos = self.groups.len();
        self.log.explain(|| {
            format!("{allocator} has other functions: it waits, inactive, in position {pos}")
        });
        Ok(Val::Null)
    }

    /// `ioasid_unregister_allocator(ops)`: never fails in the kernel.
    ///
    /// No custom allocator: a warning. Otherwise the kernel takes the first group whose
    /// recorded ops has the same functions as `allocator` (flaw 3; improved: the group
    /// `allocator` is a member of). One member left: the group is removed, whoever
    /// that member is, and the next allocator, or the default one, becomes active;
    /// outstanding IDs are orphaned (flaw 5) or the call is refused with `EBUSY`.
    /// Several members: `allocator` leaves if it is one (the group's pdata stays with
    /// flaw 3), else nothing happens.
    pub fn unregister(&mut self, allocator: &Name) -> Result<Val, Errno> {
        self.log.line("unregister.enter");
        if self.knobs.global_pasid {
            return Err(Errno::EOPNOTSUPP);
        }
        // Members leave, the pdata moves, groups go: the index is rebuilt when next needed.
        self.reg_index.0 = None;
        if self.knobs.rfc_one_allocator {
            return self.rfc_unset_allocator(allocator);
        }
        let not_found = |w: &mut World| {
            if w.knobs.real_errno {
                Err(Errno::ENOENT)
            } else {
                Ok(Val::Null)
            }
        };
        if self.groups.is_empty() {
            self.log.line("unregister.none");
            self.log.klog("No custom IOASID allocators active!");
            self.log
                .explain(|| "no custom allocator is registered: a warning, nothing else".into());
            return not_found(self);
        }
        let by_functions = self.knobs.flaw_stale_primary_pdata;
        let gi = if by_functions {
            let fns = self.ops.get(allocator).copied();
            self.groups.iter().position(|g| Some(g.fns) == fns)
        } else {
            self.groups
                .iter()
                .position(|g| g.members.contains(allocator))
        };
        let Some(gi) = gi else {
            self.log.line("unregister.no_match");
            self.log.explain(|| {
                if by_functions {
                    format!("no group has {allocator}'s functions: nothing happens, silently")
                } else {
                    format!("{allocator} is not registered")
                }
            });
            return not_found(self);
        };
        let Some(group) = self.groups.get_mut(gi) else {
            return Err(Errno::ENOENT);
        };
        if group.members.len() > 1 {
            self.log.line("unregister.member");
            let Some(pos) = group.members.iter().position(|m| m == allocator) else {
                self.log.line("unregister.not_member");
                let label = group.label();
                self.log.explain(|| format!(
                    "{label} has {allocator}'s functions and other members, but {allocator} is not one of them: nothing happens, silently"
                ));
                return Ok(Val::Null);
            };
            group.members.remove(pos);
            self.log.line("unregister.leave");
            if group.pdata == *allocator && !group.members.contains(allocator) {
                if self.knobs.flaw_stale_primary_pdata {
                    self.log.line("unregister.stale_pdata");
                    self.hazard_created(HazardKind::StalePrivateData, INVALID_IOASID, || format!(
                        "{allocator} left, but its group still passes {allocator}'s pdata to every alloc and free: a use after free in a real driver"
                    ));
                    self.log.explain(|| format!(
                        "{allocator} was the group's recorded ops: it leaves the member list, and the group keeps calling with its pdata"
                    ));
                } else {
                    self.log.line("unregister.promote");
                    let next = group.members.first().copied().unwrap_or(*allocator);
                    group.pdata = next;
                    self.log
                        .explain(|| format!("{allocator} was the primary: {next} is promoted"));
                }
            } else {
                self.log
                    .explain(|| format!("{allocator} leaves its group; the group's IDs stay"));
            }
            return Ok(Val::Null);
        }
        self.log.line("unregister.last");
        let only = group.members.first().copied();
        let outstanding = group.store.len();
        if outstanding > 0 && !self.knobs.flaw_orphan_on_unregister {
            self.log.line("unregister.busy");
            self.log.explain(|| format!(
                "{allocator} is the last of its group and {outstanding} ID(s) are outstanding: refused"
            ));
            return Err(Errno::EBUSY);
        }
        if only != Some(*allocator) {
            let label = group.label();
            self.hazard_created(HazardKind::WrongGroupRemoved, INVALID_IOASID, || format!(
                "{allocator} is not a member of {label}, but has its functions: the kernel removes that group, which is not {allocator}'s"
            ));
        }
        let from = self.active_name();
        let removed = self.groups.remove(gi);
        // The group that passed a departed member's pdata is gone with it.
        self.hazard_cleared(HazardKind::StalePrivateData, INVALID_IOASID);
        if outstanding > 0 {
            self.log.line("unregister.orphan");
            self.log.klog(self.warn_on_line());
            let ids: Vec<Ioasid> = removed.store.iter().map(|(id, _)| id).collect();
            let owner = only.unwrap_or(*allocator);
            for (id, e) in removed.store.iter() {
                self.log.changed(id);
                self.orphans.push((id, owner));
                self.release_from_set(e.set.as_ref(), id);
                self.hazard_created(HazardKind::TwoOwners, id, || format!(
                    "{id} is orphaned but still used by the owner {owner} gave it to: the active allocator may hand it out again"
                ));
            }
            let count = ids.len();
            self.log.event(|| Event::Orphaned {
                ids: ids.iter().copied().take(64).collect(),
                count,
            });
            self.log.explain(|| format!(
                "the WARN_ON fires: {count} ID(s) are left in the removed group's storage and orphaned: lookups answer ENOENT, frees log 'unknown IOASID', and the numbers can be handed out again"
            ));
        }
        self.log.line("unregister.remove");
        if self.groups.is_empty() {
            self.log.line("unregister.default");
            self.log
                .klog("No custom IOASID allocators, switch to default.");
        } else if gi == 0 {
            self.log.line("unregister.switch");
            self.log.klog("IOASID allocator changed");
        }
        if gi == 0 {
            self.log.switched = true;
            let to = self.active_name();
            self.log.event(|| Event::ActiveChanged {
                from,
                to: to.clone(),
            });
            self.log
                .explain(|| format!("the active allocator is now {to}"));
        }
        Ok(Val::Null)
    }

    /// The kernel's `WARN_ON(!xa_empty(&pallocator->xa))` in unregister, as its
    /// stack-trace header names it: ioasid.c:229 (v5.5-v5.10, v5.18-v6.3), :230 (v5.11).
    /// The extension series' line is not known, and `improved` is no kernel: no line.
    fn warn_on_line(&self) -> String {
        match self.profile {
            Profile::V5_11 => "WARNING: at drivers/iommu/ioasid.c:230".into(),
            Profile::V5_5 | Profile::V5_18 => "WARNING: at drivers/iommu/ioasid.c:229".into(),
            _ => "WARNING: at drivers/iommu/ioasid.c".into(),
        }
    }

    /// Calls the active custom allocator's alloc. The vcmd one refuses only
    /// `min < PASID_MIN` or `max` above the IOMMU's PASID count (0x100000 for 20 bits),
    /// then asks its host and reads the 20-bit PASID field of the answer; others hand
    /// out their own lowest free ID.
    pub(crate) fn custom_alloc(&mut self, min: Ioasid, max: Ioasid) -> Result<Ioasid, Errno> {
        let Some(g) = self.groups.first() else {
            return Err(Errno::ENOENT);
        };
        let (fns, pdata, host) = (g.fns, g.pdata, g.host);
        let stale = !g.members.contains(&pdata);
        let vcmd = &*fns == VCMD_FNS;
        if vcmd {
            self.log.line("vcmd.alloc");
            if min < PASID_MIN || max > VCMD_PASID_COUNT {
                self.log.line("vcmd.refuse");
                self.log.explain(|| format!(
                    "the vcmd alloc refuses [{min}, {max}]: it needs min >= {PASID_MIN} and max <= {VCMD_PASID_COUNT} (the IOMMU's PASID count)"
                ));
                self.log.event(|| Event::CustomCall {
                    allocator: pdata,
                    call: "alloc".into(),
                    id: None,
                });
                return Err(Errno::EINVAL);
            }
        }
        let mut scripted = false;
        let answer = match host.as_ref().and_then(|h| self.hosts.get_mut(h)) {
            Some(h) => {
                let (answer, by_script) = h.alloc(&pdata);
                scripted = by_script;
                let host = host.unwrap_or(pdata);
                self.log.event(|| Event::HostAnswer {
                    host,
                    answer,
                    scripted,
                });
                answer
            }
            None => self
                .groups
                .first()
                .and_then(|g| g.store.find_free(min, max, None)),
        };
        if let Some(host) = host {
            self.hazard_host_answered(&host, answer, scripted);
        }
        if stale {
            let got = answer.map_or("no ID".to_string(), |a| format!("it answered {a}"));
            self.hazard_bites(HazardKind::StalePrivateData, INVALID_IOASID, || format!(
                "the allocator was called with the pdata of {pdata}, which unregistered ({got}): a use after free in a real driver"
            ));
        }
        // The guest reads the PASID out of a 20-bit field of the response register.
        let answer = answer.map(|raw| {
            if vcmd && raw > PASID_MAX {
                let seen = raw & PASID_MAX;
                self.log.explain(|| format!(
                    "the host answered {raw}, but the guest reads only the 20-bit PASID field of the response: it sees {seen}"
                ));
                seen
            } else {
                raw
            }
        });
        self.log.event(|| Event::CustomCall {
            allocator: pdata,
            call: "alloc".into(),
            id: answer,
        });
        match answer {
            Some(id) => {
                self.log
                    .explain(|| format!("the custom allocator {pdata} answered {id}"));
                Ok(id)
            }
            None => {
                self.log.line("vcmd.no_pasid");
                if vcmd {
                    self.log
                        .klog(format!("DMAR: IOMMU: {pdata}: No PASID available"));
                }
                self.log
                    .explain(|| "the host answered: no PASID available".into());
                Err(Errno::ENOSPC)
            }
        }
    }

    /// True if the active custom allocator's free would skip the host free for an ID
    /// with `data_attached` (the vcmd free's lookup, flaw 6: R-ALLOC-ROLLBACK-2,
    /// `intel_vcmd_ioasid_free()` in `drivers/iommu/intel/iommu.c`, v5.10).
    pub(crate) fn vcmd_free_skips(&self, data_attached: bool) -> bool {
        self.groups.first().is_some_and(|g| {
            &*g.fns == VCMD_FNS
                && g.host.is_some()
                && data_attached
                && self.knobs.flaw_vcmd_free_skip
        })
    }

    /// Calls the active custom allocator's free; returns whether the host freed the
    /// PASID. The vcmd free looks the ID up first and skips the host free when it
    /// finds private data (flaw 6), leaking the host PASID: `data_attached` is what
    /// that lookup finds (the first owner's entry, during a rollback).
    pub(crate) fn custom_free(&mut self, id: Ioasid, data_attached: bool) -> bool {
        let Some(g) = self.groups.first() else {
            return false;
        };
        let (pdata, host) = (g.pdata, g.host);
        self.log.event(|| Event::CustomCall {
            allocator: pdata,
            call: "free".into(),
            id: Some(id),
        });
        let Some(host) = host else { return false };
        if self.vcmd_free_skips(data_attached) {
            self.log.line("vcmd.skip");
            self.log
                .klog(format!("DMAR: Cannot free active IOASID {id}"));
            self.log.event(|| Event::HostFree {
                host,
                id,
                skipped: true,
            });
            self.log.explain(|| format!(
                "the vcmd free finds private data attached to {id} and skips the host free: the host keeps the PASID"
            ));
            return false;
        }
        self.log.line("vcmd.free");
        let freed = self.hosts.get_mut(&host).is_some_and(|h| h.free(id));
        if freed {
            self.hazard_host_freed(id);
            self.log.event(|| Event::HostFree {
                host,
                id,
                skipped: false,
            });
        } else {
            self.log
                .klog(format!("DMAR: IOMMU: {pdata}: Invalid PASID"));
            self.log.explain(|| {
                format!("host {host} does not know PASID {id}: it answers 'invalid PASID'")
            });
        }
        freed
    }
}

impl World {
    /// Appends a new group of one, keeping the index up to date.
    fn push_group(&mut self, allocator: &Name, fns: &Name, host: Option<&Name>) {
        let p = self.groups.len();
        self.groups.push(new_group(allocator, fns, host));
        if let Some(index) = &mut self.reg_index.0 {
            index.fns.entry(*fns).or_insert(p);
            index.pdata.entry(*allocator).or_insert(p);
            index.member.entry(*allocator).or_insert(p);
        }
    }
}

/// For `register`: the first group (its position in `World::groups`) with given
/// functions, with given recorded ops, and with a given member. Kept up to date by
/// `register`'s own changes (a group appended, a member joining: positions of earlier
/// groups do not move); any other change to the groups drops it, and it is rebuilt
/// from them (`World::check_invariants` compares the two).
/// `World::reg_index`: derived from the groups, so left out of a world's `Debug` (two
/// worlds with the same groups print the same, whether or not one has it built).
#[derive(Clone, Default)]
pub(crate) struct RegCache(pub(crate) Option<RegIndex>);

impl std::fmt::Debug for RegCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(derived from groups)")
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RegIndex {
    fns: HashMap<Name, usize>,
    pdata: HashMap<Name, usize>,
    member: HashMap<Name, usize>,
}

impl RegIndex {
    /// The index of `groups`. Cost: O(groups + members).
    pub(crate) fn build(groups: &[Group]) -> RegIndex {
        let mut index = RegIndex::default();
        for (p, g) in groups.iter().enumerate() {
            index.fns.entry(g.fns).or_insert(p);
            index.pdata.entry(g.pdata).or_insert(p);
            for m in &g.members {
                index.member.entry(*m).or_insert(p);
            }
        }
        index
    }

    /// The group `register` settles on. The kernel's walk stops at the first group
    /// whose recorded ops are `allocator` or whose functions are `fns`. `strict`
    /// (improved) first looks for `allocator` among every group's members, as its
    /// listing does, so a member of a later group is refused rather than joined to an
    /// earlier one.
    fn first_match(&self, allocator: &Name, fns: &Name, strict: bool) -> Option<usize> {
        if strict {
            if let Some(&at) = self.member.get(allocator) {
                return Some(at);
            }
        }
        [self.pdata.get(allocator), self.fns.get(fns)]
            .into_iter()
            .flatten()
            .min()
            .copied()
    }
}

fn new_group(allocator: &Name, fns: &Name, host: Option<&Name>) -> Group {
    Group {
        fns: *fns,
        members: vec![*allocator],
        pdata: *allocator,
        host: host.cloned(),
        store: XArray::new(),
    }
}
