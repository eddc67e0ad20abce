//! Custom allocator calls: `register` and `unregister`, and the calls the core
//! makes into the active allocator (`custom_alloc`, `custom_free`).
use super::World;
use crate::allocator::{Group, VCMD_FNS};
use crate::id::{Errno, Ioasid, Name, PASID_MAX, PASID_MIN};
use crate::trace::{Event, Val};
use crate::xarray::XArray;

impl World {
    /// `ioasid_register_allocator(ops)`: registers a custom allocator, decided in order:
    /// 1. the same ops already a group's primary (or, without flaw 4, any member): `EEXIST`;
    /// 2. no custom allocator yet: active at once if the default allocator holds no IDs,
    ///    else `EAGAIN`;
    /// 3. an allocator with the same functions exists: join its group (shared storage);
    /// 4. otherwise: appended inactive, active once those before it are gone.
    ///
    /// `EINVAL` for a vcmd allocator without a known host. Spinlock held; never sleeps.
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
            return self.rfc_set_allocator(allocator, fns, host);
        }
        let primary = self
            .groups
            .iter()
            .any(|g| g.members.first() == Some(allocator));
        let member = self.groups.iter().any(|g| g.members.contains(allocator));
        if primary || (member && !self.knobs.flaw_secondary_reregister) {
            self.log.line("register.dup");
            self.log
                .explain(|| format!("{allocator} is already registered"));
            return Err(Errno::EEXIST);
        }
        if member {
            self.log.klog(format!(
                "ioasid_register_allocator: {allocator} is already a secondary member: registered twice"
            ));
        }
        if self.groups.is_empty() {
            self.log.line("register.first");
            if !self.default_store.is_empty() {
                self.log.line("register.eagain");
                let n = self.default_store.len();
                self.log.explain(|| format!(
                    "the default allocator already holds {n} ID(s): switching now would strand them, so the kernel refuses (the VT-d driver then turns scalable mode off)"
                ));
                return Err(Errno::EAGAIN);
            }
            self.log.line("register.activate");
            self.groups.push(new_group(allocator, fns, host));
            self.log.switched = true;
            let to = self.active_name();
            self.log.event(|| Event::ActiveChanged {
                from: "default".into(),
                to,
            });
            self.log.explain(|| format!("{allocator} is the first custom allocator and the default one is empty: it is active at once"));
            return Ok(Val::Null);
        }
        if let Some(g) = self.groups.iter_mut().find(|g| g.fns == *fns) {
            self.log.line("register.join");
            g.members.push(*allocator);
            let primary = g.members.first().cloned().unwrap_or(*allocator);
            self.log.explain(|| format!(
                "{allocator} has the same functions as {primary}: it joins that group and shares its storage; only the primary's data is used"
            ));
            return Ok(Val::Null);
        }
        self.log.line("register.queue");
        self.groups.push(new_group(allocator, fns, host));
        let pos = self.groups.len();
        self.log.explain(|| {
            format!("{allocator} has other functions: it waits, inactive, in position {pos}")
        });
        Ok(Val::Null)
    }

    /// `ioasid_unregister_allocator(ops)`: never fails in the kernel.
    ///
    /// Not registered: a warning. A member of a group with others left: it leaves (its
    /// group's IDs stay); if it was the primary, the next member is promoted (flaw 3:
    /// its pdata stays in use). The last member: the group is removed and the next
    /// allocator, or the default one, becomes active; outstanding IDs are orphaned
    /// (flaw 5) or the call is refused with `EBUSY`.
    pub fn unregister(&mut self, allocator: &Name) -> Result<Val, Errno> {
        self.log.line("unregister.enter");
        if self.knobs.global_pasid {
            return Err(Errno::EOPNOTSUPP);
        }
        if self.knobs.rfc_one_allocator {
            return self.rfc_unset_allocator(allocator);
        }
        let Some(gi) = self
            .groups
            .iter()
            .position(|g| g.members.contains(allocator))
        else {
            self.log.line("unregister.none");
            self.log.klog(format!(
                "ioasid_unregister_allocator: {allocator} is not registered"
            ));
            self.log
                .explain(|| format!("{allocator} is not registered: a warning, nothing else"));
            return if self.knobs.real_errno {
                Err(Errno::ENOENT)
            } else {
                Ok(Val::Null)
            };
        };
        let Some(group) = self.groups.get_mut(gi) else {
            return Err(Errno::ENOENT);
        };
        if group.members.len() > 1 {
            self.log.line("unregister.member");
            let was_primary = group.members.first() == Some(allocator);
            if let Some(pos) = group.members.iter().position(|m| m == allocator) {
                group.members.remove(pos);
            }
            if was_primary {
                self.log.line(if self.knobs.flaw_stale_primary_pdata {
                    "unregister.stale_pdata"
                } else {
                    "unregister.promote"
                });
                if self.knobs.flaw_stale_primary_pdata {
                    self.log.klog(format!(
                        "ioasid_unregister_allocator: {allocator}'s pdata is still used by its group"
                    ));
                    self.log.explain(|| format!(
                        "{allocator} was the primary: it leaves, but the group keeps calling with its pdata (a use after free)"
                    ));
                } else {
                    let next = group.members.first().cloned().unwrap_or(*allocator);
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
        let outstanding = group.store.len();
        if outstanding > 0 && !self.knobs.flaw_orphan_on_unregister {
            self.log.line("unregister.busy");
            self.log.explain(|| format!(
                "{allocator} is the last of its group and {outstanding} ID(s) are outstanding: refused"
            ));
            return Err(Errno::EBUSY);
        }
        let from = self.active_name();
        let removed = self.groups.remove(gi);
        if outstanding > 0 {
            self.log.line("unregister.orphan");
            self.log.klog(format!(
                "ioasid_unregister_allocator: removing {allocator} with {outstanding} IOASID(s) outstanding"
            ));
            let ids: Vec<Ioasid> = removed.store.iter().map(|(id, _)| id).collect();
            for (id, e) in removed.store.iter() {
                self.log.changed(id);
                self.orphans.push((id, *allocator));
                self.release_from_set(e.set.as_ref(), id);
            }
            let count = ids.len();
            self.log.event(|| Event::Orphaned {
                ids: ids.iter().copied().take(64).collect(),
                count,
            });
            self.log.explain(|| format!(
                "{count} ID(s) are orphaned: lookups answer ENOENT, frees log 'unknown IOASID', and the numbers can be handed out again"
            ));
        }
        self.log.line("unregister.remove");
        if gi == 0 {
            self.log.line("unregister.switch");
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

    /// Calls the active custom allocator's alloc: the vcmd one checks only the
    /// requested range, then asks its host; others hand out their own lowest free ID.
    pub(crate) fn custom_alloc(&mut self, min: Ioasid, max: Ioasid) -> Result<Ioasid, Errno> {
        let Some(g) = self.groups.first() else {
            return Err(Errno::ENOENT);
        };
        let (fns, pdata, host, primary) = (g.fns, g.pdata, g.host, g.members.first().cloned());
        if primary.as_ref() != Some(&pdata) && !g.members.contains(&pdata) {
            self.log.klog(format!(
                "custom allocator called with the pdata of {pdata}, which was unregistered"
            ));
        }
        if &*fns == VCMD_FNS {
            self.log.line("vcmd.alloc");
            if min < PASID_MIN || max > PASID_MAX {
                self.log.line("vcmd.no_pasid");
                self.log
                    .explain(|| format!("vcmd alloc refuses the requested range [{min}, {max}]"));
                self.log.event(|| Event::CustomCall {
                    allocator: pdata,
                    call: "alloc".into(),
                    id: None,
                });
                return Err(Errno::EINVAL);
            }
        }
        let answer = match host.as_ref().and_then(|h| self.hosts.get_mut(h)) {
            Some(h) => {
                let (answer, scripted) = h.alloc(&pdata);
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
                self.log
                    .explain(|| "the host answered: no PASID available".into());
                Err(Errno::ENOSPC)
            }
        }
    }

    /// Calls the active custom allocator's free. The vcmd free skips the host free while
    /// private data is attached (flaw 6), leaking the host PASID.
    pub(crate) fn custom_free(&mut self, id: Ioasid, data_attached: bool) {
        let Some(g) = self.groups.first() else { return };
        let (fns, pdata, host) = (g.fns, g.pdata, g.host);
        self.log.event(|| Event::CustomCall {
            allocator: pdata,
            call: "free".into(),
            id: Some(id),
        });
        let Some(host) = host else { return };
        if &*fns == VCMD_FNS && data_attached && self.knobs.flaw_vcmd_free_skip {
            self.log.line("vcmd.skip");
            self.log.klog(format!(
                "vcmd free: PASID {id} still has private data: host free skipped"
            ));
            self.log.event(|| Event::HostFree {
                host,
                id,
                skipped: true,
            });
            self.log.explain(|| format!(
                "the vcmd free sees private data still attached to {id} and skips the host free: the host PASID leaks while the guest forgets it"
            ));
            return;
        }
        self.log.line("vcmd.free");
        let freed = self.hosts.get_mut(&host).is_some_and(|h| h.free(id));
        if freed {
            self.log.event(|| Event::HostFree {
                host,
                id,
                skipped: false,
            });
        } else {
            self.log
                .klog(format!("vcmd free: host {host} does not know PASID {id}"));
        }
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
