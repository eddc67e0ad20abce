//! Set calls: `set_create`, `set_free`, set-private IDs (`attach_spid`,
//! `find_by_spid`), `get_if_owned`, and notifier chains.
use super::World;
use crate::hazard::HazardKind;
use crate::id::{Errno, Ioasid, Name, INVALID_IOASID};
use crate::set::{IoSet, Notifier, Priority, MAX_NOTIFIERS, SVA_SET};
use crate::space::set_label;
use crate::trace::{Event, Val};

impl World {
    fn need_ext(&mut self) -> Result<(), Errno> {
        if self.knobs.ext_sets {
            Ok(())
        } else {
            self.log.explain(|| "this profile's sets are plain tokens: turn on ext_sets (profiles ext, improved)".into());
            Err(Errno::EOPNOTSUPP)
        }
    }

    /// `ioasid_set_alloc(token, quota)`: creates a set.
    ///
    /// `EEXIST`: the name is taken (the model's), or (extensions) the mm already has a
    /// set. Extensions, in V4's order: a quota beyond the capacity left is `ENOSPC`
    /// ("Out of IOASID capacity! ask %d, avail %d"), quota 0 takes whatever is left,
    /// then the mm token is checked; no quota shares the capacity with every set (the
    /// model's). Mainline ignores quota and token.
    pub fn set_create(
        &mut self,
        set: &Name,
        token: Option<&Name>,
        quota: Option<u32>,
    ) -> Result<Val, Errno> {
        self.log.line("set.create");
        if self.sets.contains_key(set) {
            self.log.explain(|| format!("a set named {set} exists"));
            return Err(Errno::EEXIST);
        }
        let mut new = IoSet::default();
        if self.knobs.ext_sets {
            let left = self.capacity_left;
            let lost = self.capacity_lost;
            let q = quota.map(|q| if q == 0 { left } else { q });
            // Less than the caller would get (all that is left), or refused, because
            // of a quota never given back.
            if quota == Some(0) || q.is_some_and(|q| q > left && q <= left.saturating_add(lost)) {
                self.hazard_bites(HazardKind::LeakedQuota, INVALID_IOASID, || {
                    format!("set {set} gets at most {left} ID(s) of capacity: {lost} were lost with a destroyed set's quota")
                });
            }
            if let Some(q) = q {
                if q > left {
                    self.log.line("set.quota");
                    self.log
                        .klog(format!("Out of IOASID capacity! ask {q}, avail {left}"));
                    self.log
                        .explain(|| format!("quota {q} is more than the {left} IDs left"));
                    return Err(Errno::ENOSPC);
                }
            }
            if let Some(mm) = token {
                if self.sets.values().any(|s| s.token.as_ref() == Some(mm)) {
                    self.log.line("set.token");
                    self.log
                        .explain(|| format!("mm {mm} already has a set: one set per process"));
                    return Err(Errno::EEXIST);
                }
                new.token = Some(*mm);
            }
            if let Some(q) = q {
                self.log.line("set.capacity");
                self.capacity_left -= q;
                new.quota = Some(q);
            }
        } else if token.is_some() || quota.is_some() {
            self.log
                .explain(|| "this profile's sets have no quota or type: ignored".into());
        }
        let quota = new.quota;
        self.sets.insert(*set, new);
        self.log.line("set.done");
        self.log.explain(|| match quota {
            Some(q) => format!("set {set} may hold {q} IDs"),
            None => format!("set {set} is ready"),
        });
        Ok(Val::Null)
    }

    /// `ioasid_set_free`: frees a set. The built-in `sva`: `EINVAL`. Unknown: `EINVAL`
    /// in `ext` (V4), `ENOENT` with real error codes. Extensions: IDs left: `EBUSY`, the
    /// set is marked free-pending (the DCP tree's flag and log line) and destroyed when
    /// its last ID is reclaimed; its quota is returned unless `ext_v4_as_posted` (V4
    /// never gives it back).
    pub fn set_free(&mut self, set: &Name) -> Result<Val, Errno> {
        self.log.line("set.free");
        if &**set == SVA_SET {
            return Err(Errno::EINVAL);
        }
        let ext = self.knobs.ext_sets;
        let unknown = if ext && !self.knobs.real_errno {
            Errno::EINVAL
        } else {
            Errno::ENOENT
        };
        let Some(s) = self.sets.get_mut(set) else {
            self.log.line("set.unknown");
            self.log.explain(|| format!("no set named {set}"));
            return Err(unknown);
        };
        if s.used > 0 {
            if ext {
                s.free_pending = true;
                let n = s.used;
                self.log.line("set.busy");
                self.log.klog(
                    "Set marked as free_pending, will be released when the last ioasid reclaimed!",
                );
                self.log.explain(|| format!("{n} ID(s) are left: the set is marked free-pending and goes with its last ID"));
                return Err(Errno::EBUSY);
            }
            self.log.klog(format!(
                "ioasid_set: {set} freed with IDs still carrying its token"
            ));
            self.retag_stale_token(set);
        }
        self.log.line("set.release");
        let quota = self.sets.remove(set).and_then(|s| s.quota).unwrap_or(0);
        self.return_quota(set, quota);
        self.log.explain(|| format!("set {set} is gone"));
        Ok(Val::Null)
    }

    /// A destroyed set's quota goes back to the capacity, except in V4 as posted,
    /// which never gives it back (`ext_v4_as_posted`).
    pub(crate) fn return_quota(&mut self, set: &Name, quota: u32) {
        if quota == 0 {
            return;
        }
        if self.knobs.ext_v4_as_posted {
            self.capacity_lost = self.capacity_lost.saturating_add(quota);
            // R-EXT-2 (`ioasid_set_free()`, V4 05/18): the quota is never added back.
            let lost = self.capacity_lost;
            self.hazard_created(HazardKind::LeakedQuota, INVALID_IOASID, || format!(
                "set {set}'s quota of {quota} is never given back: {lost} ID(s) of capacity are lost until reboot"
            ));
            self.log.line("set.quota_lost");
            self.log.explain(|| format!("set {set}'s quota of {quota} is not given back to the capacity (V4 never returns it)"));
        } else {
            self.capacity_left = self.capacity_left.saturating_add(quota);
            self.log
                .explain(|| format!("set {set}'s quota of {quota} goes back to the capacity"));
        }
    }

    /// Before the extensions a set is only a token: its IDs outlive it, still carrying
    /// the old token, and a new set made later under the same name is another token.
    /// The model renames the old token on those IDs ("S (freed at step 7)"), so a lookup
    /// through the new set is refused (`EACCES`) as the kernel's pointer comparison is.
    ///
    /// Cost: one pass over every storage (a set freed with IDs left is rare).
    fn retag_stale_token(&mut self, set: &Name) {
        let stale = Name::new(&format!("{set} (freed at step {})", self.step + 1));
        let stores = std::iter::once(&mut self.default_store)
            .chain(self.groups.iter_mut().map(|g| &mut g.store));
        for store in stores {
            let ids: Vec<Ioasid> = store
                .iter()
                .filter(|(_, e)| e.set.as_ref() == Some(set))
                .map(|(id, _)| id)
                .collect();
            for id in ids {
                if let Some(e) = store.get_mut(id) {
                    e.set = Some(stale);
                }
            }
        }
        self.log.explain(|| {
            format!("its IDs keep the old token, shown as \"{stale}\": a new set named {set} would be another token")
        });
    }

    /// `ioasid_attach_spid(id, spid)`: maps a set-private ID (a guest PASID) to `id`.
    /// `EINVAL`: the spid is `INVALID_IOASID` (checked first), the ID has no set, or the
    /// spid is taken in that set; `ENOENT`: unknown ID ("No IOASID entry %d to attach
    /// SPID %d"). A stored spid replaces the ID's old one and sends BIND.
    pub fn attach_spid(&mut self, id: Ioasid, spid: u32) -> Result<Val, Errno> {
        self.log.line("spid.attach");
        self.need_ext()?;
        if spid == INVALID_IOASID {
            self.log.line("spid.invalid");
            self.log
                .explain(|| "INVALID_IOASID is not a guest PASID".into());
            return Err(Errno::EINVAL);
        }
        let Some(entry) = self.entry(id).cloned() else {
            self.log.line("spid.unknown");
            self.log
                .klog(format!("No IOASID entry {id} to attach SPID {spid}"));
            self.log
                .explain(|| format!("{id} is not in the active allocator's storage"));
            return Err(Errno::ENOENT);
        };
        let Some(set) = entry.set else {
            return Err(Errno::EINVAL);
        };
        let s = self.sets.get_mut(&set).ok_or(Errno::EINVAL)?;
        if s.spids.contains_key(&spid) {
            self.log.line("spid.taken");
            self.log
                .explain(|| format!("guest PASID {spid} is already mapped in set {set}"));
            return Err(Errno::EINVAL);
        }
        if let Some(old) = entry.spid {
            s.spids.remove(&old);
        }
        s.spids.insert(spid, id);
        self.log.line("spid.store");
        if let Some(e) = self.active_store_mut().get_mut(id) {
            e.spid = Some(spid);
        }
        self.log.changed(id);
        self.log
            .explain(|| format!("in set {set}, guest PASID {spid} now means host PASID {id}"));
        self.notify_in("BIND", id, Some(set));
        Ok(Val::Null)
    }

    /// `ioasid_detach_spid(id)`: removes the ID's set-private ID, sending UNBIND on the
    /// set's chain first. An unknown ID, or one without a spid, is only logged ("Invalid
    /// IOASID entry %d to detach"); with real error codes `ENOENT` / `EINVAL`.
    pub fn detach_spid(&mut self, id: Ioasid) -> Result<Val, Errno> {
        self.log.line("spid.detach");
        self.need_ext()?;
        let entry = self.entry(id).cloned();
        let (Some(entry), Some(spid)) = (entry.clone(), entry.as_ref().and_then(|e| e.spid)) else {
            self.log.line("spid.detach_invalid");
            self.log
                .klog(format!("Invalid IOASID entry {id} to detach"));
            self.log
                .explain(|| format!("{id} has no guest PASID to detach"));
            if !self.knobs.real_errno {
                return Ok(Val::Null);
            }
            return Err(if entry.is_none() {
                Errno::ENOENT
            } else {
                Errno::EINVAL
            });
        };
        self.log.line("spid.clear");
        self.notify_in("UNBIND", id, entry.set);
        if let Some(s) = entry.set.as_ref().and_then(|s| self.sets.get_mut(s)) {
            s.spids.remove(&spid);
        }
        if let Some(e) = self.active_store_mut().get_mut(id) {
            e.spid = None;
        }
        self.log.changed(id);
        self.log
            .explain(|| format!("guest PASID {spid} no longer means host PASID {id}"));
        Ok(Val::Null)
    }

    /// `ioasid_find_by_spid(set, spid)`: the host ID a set-private ID maps to. No such
    /// set ("Invalid set") or mapping: `INVALID_IOASID` (V4 gives no errno); `ENOENT`
    /// with real error codes.
    pub fn find_by_spid(&mut self, set: &Name, spid: u32) -> Result<Val, Errno> {
        self.log.line("spid.find");
        self.need_ext()?;
        let miss = if self.knobs.real_errno {
            Errno::ENOENT
        } else {
            Errno::INVALID_IOASID
        };
        let Some(s) = self.sets.get(set) else {
            self.log.line("spid.no_set");
            self.log.klog("Invalid set");
            self.log.explain(|| format!("no set named {set}"));
            return Err(miss);
        };
        let Some(id) = s.spids.get(&spid).copied() else {
            self.log.line("spid.miss");
            self.log
                .explain(|| format!("guest PASID {spid} is not mapped in set {set}"));
            return Err(miss);
        };
        self.log.line("spid.found");
        self.log
            .explain(|| format!("in set {set}, guest PASID {spid} is host PASID {id}"));
        Ok(Val::Id(u64::from(id)))
    }

    /// `ioasid_get_if_owned(id)` from `mm`'s process: takes a reference only if the ID's
    /// set belongs to `mm` ("only IDs allocated by the same QEMU process may be bound").
    /// `ENOENT` unknown; `EINVAL` the ID's set is not an mm-token set; `EPERM` another
    /// process's.
    pub fn get_if_owned(&mut self, id: Ioasid, mm: &Name) -> Result<Val, Errno> {
        self.log.line("owned.check");
        self.need_ext()?;
        let entry = self.entry(id).cloned().ok_or(Errno::ENOENT)?;
        let owner = entry
            .set
            .as_ref()
            .and_then(|s| self.sets.get(s))
            .and_then(|s| s.token);
        let Some(owner) = owner else {
            self.log.line("owned.not_mm");
            let set = set_label(entry.set.as_ref());
            self.log
                .explain(|| format!("{id}'s set ({set}) is not an mm-token set"));
            return Err(Errno::EINVAL);
        };
        if owner != *mm {
            self.log.line("owned.eperm");
            self.log
                .explain(|| format!("{id} belongs to mm {owner}'s set, not {mm}'s"));
            return Err(Errno::EPERM);
        }
        let set = entry.set;
        self.log.line("owned.get");
        self.get(set.as_ref(), id)
    }

    /// Registers a notifier on a set's chain or the global one. `ENOENT` unknown set,
    /// `EEXIST` name taken, `ENOSPC` past [`MAX_NOTIFIERS`] (a limit of the model: every
    /// event is recorded once per notifier told).
    pub fn notifier_register(
        &mut self,
        name: &Name,
        priority: Priority,
        set: Option<&Name>,
    ) -> Result<Val, Errno> {
        self.log.line("notify.register");
        self.need_ext()?;
        if let Some(s) = set {
            if !self.sets.contains_key(s) {
                return Err(Errno::ENOENT);
            }
        }
        if self.notifiers.iter().any(|n| n.name == *name) {
            return Err(Errno::EEXIST);
        }
        if self.notifiers.len() >= MAX_NOTIFIERS {
            self.log.explain(|| {
                format!("the model keeps at most {MAX_NOTIFIERS} notifiers: each event is recorded once per notifier")
            });
            return Err(Errno::ENOSPC);
        }
        self.notifiers.push(Notifier {
            name: *name,
            priority,
            set: set.cloned(),
        });
        Ok(Val::Null)
    }

    /// Delivers `event` about `id` (extension series only); the set is read from
    /// storage. Under `ext_v4_as_posted` a BIND or UNBIND sent this way (data attach,
    /// native SVA bind) reaches no one: V4 sends them only from the guest-PASID calls.
    pub(crate) fn notify(&mut self, event: &str, id: Ioasid) {
        if self.knobs.ext_v4_as_posted && matches!(event, "BIND" | "UNBIND") {
            return;
        }
        let set = self.active_store().get(id).and_then(|e| e.set);
        self.notify_in(event, id, set);
    }

    /// [`Self::notify`] for an ID of `set` that may already be gone from storage (a FREE
    /// sent as the ID is erased must still reach its set's chain).
    ///
    /// Under `ext_v4_as_posted` (V4 09/18 `ioasid_notify()`): ALLOC, BIND and UNBIND go
    /// to the set's chain only; FREE to the global chain, then the set's; each chain in
    /// priority order, CPU, IOMMU, DEVICE (equal priorities in registration order).
    /// Otherwise (improved) every event goes to both chains, merged into one priority
    /// order, so a CPU notifier on the set's chain runs before a global IOMMU one.
    pub(crate) fn notify_in(&mut self, event: &str, id: Ioasid, set: Option<Name>) {
        if !self.knobs.ext_sets || self.notifiers.is_empty() {
            return;
        }
        let by_priority = |chain: &mut Vec<&Notifier>| chain.sort_by_key(|n| n.priority);
        let to: Vec<&Notifier> = if self.knobs.ext_v4_as_posted {
            let mut global: Vec<&Notifier> = if event == "FREE" {
                self.notifiers.iter().filter(|n| n.set.is_none()).collect()
            } else {
                Vec::new()
            };
            let mut own: Vec<&Notifier> = self
                .notifiers
                .iter()
                .filter(|n| set.is_some() && n.set == set)
                .collect();
            by_priority(&mut global);
            by_priority(&mut own);
            global.into_iter().chain(own).collect()
        } else {
            let mut all: Vec<&Notifier> = self
                .notifiers
                .iter()
                .filter(|n| n.set.is_none() || n.set == set)
                .collect();
            by_priority(&mut all);
            all
        };
        let deliveries: Vec<(Name, Priority)> = to.iter().map(|n| (n.name, n.priority)).collect();
        for (name, priority) in deliveries {
            self.log.line("notify.call");
            self.log.event(|| Event::Notified {
                event: event.to_string(),
                id,
                set,
                to: name,
                priority: format!("{priority:?}").to_uppercase(),
            });
        }
    }
}
