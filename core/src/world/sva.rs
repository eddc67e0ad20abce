//! Process, device and SVA calls: `mm_create`, `mm_exit`, `bind`, `unbind`, and
//! v6.6's global PASIDs and (device, PASID) attachments.
use super::World;
use crate::hazard::HazardKind;
use crate::id::{Errno, Ioasid, Name, INVALID_IOASID, PASID_MAX, PASID_MIN};
use crate::profile::RefModel;
use crate::set::SVA_SET;
use crate::space::name;
use crate::sva::{Device, DomainRef, Mapping, Mm};
use crate::trace::{Event, Val};

impl World {
    /// Creates a process with its mappings. `EEXIST`: a live mm of that name;
    /// `EINVAL`: an empty or overflowing mapping.
    pub fn mm_create(&mut self, mm: &Name, maps: &[Mapping]) -> Result<Val, Errno> {
        self.log.line("mm.create");
        if self.mms.get(mm).is_some_and(|m| m.alive) {
            return Err(Errno::EEXIST);
        }
        if maps
            .iter()
            .any(|m| m.len == 0 || m.start.checked_add(m.len).is_none())
        {
            self.log
                .explain(|| "a mapping is empty or runs past the end of the address space".into());
            return Err(Errno::EINVAL);
        }
        self.mms.insert_mut(
            *mm,
            Mm {
                maps: maps.into(),
                alive: true,
                pasid: None,
            },
        );
        self.log
            .explain(|| format!("process {mm} starts with {} mapping(s)", maps.len()));
        Ok(Val::Null)
    }

    /// The process exits: its mm can no longer be taken (`mmget_not_zero` fails). Where
    /// a PASID lives as long as the mm structure (v5.18+, `mm_pasid_drop()` in
    /// `__mmdrop()`), it is freed now only if no device is bound: a bound device holds
    /// the mm (the VT-d mmu notifier's `mmgrab()` in v5.18, the SVA domain's in v6.6)
    /// until its last unbind, which frees it then. `ENOENT`: unknown or already exited.
    pub fn mm_exit(&mut self, mm: &Name) -> Result<Val, Errno> {
        self.log.line("mm.exit");
        let m = self
            .mms
            .get_mut(mm)
            .filter(|m| m.alive)
            .ok_or(Errno::ENOENT)?;
        m.alive = false;
        let pasid = m.pasid;
        self.log
            .explain(|| format!("process {mm} exits: lookups that take its mm now fail"));
        if self.knobs.refs == RefModel::MmLifetime {
            if let Some(p) = pasid {
                if self.bound_anywhere(mm) {
                    self.log.line("mm.held");
                    self.log.explain(|| {
                        format!("a bound device still holds mm {mm}: its PASID {p} stays until the last unbind")
                    });
                } else {
                    self.drop_mm_pasid(mm, p);
                }
            }
        }
        Ok(Val::Null)
    }

    /// True if some device is bound to `mm`.
    fn bound_anywhere(&self, mm: &Name) -> bool {
        self.devices.values().any(|d| d.bonds.contains_key(mm))
    }

    /// `mm_pasid_drop()` (v5.18+): the mm structure goes, and its PASID with it.
    fn drop_mm_pasid(&mut self, mm: &Name, p: Ioasid) {
        self.log.line("mm.free_pasid");
        if let Some(m) = self.mms.get_mut(mm) {
            m.pasid = None;
        }
        if self.knobs.global_pasid {
            self.default_store.remove(p);
            self.log.changed(p);
            self.log.event(|| Event::Erased {
                id: p,
                store: "global".into(),
            });
        } else {
            self.reclaim(p);
        }
        self.log
            .explain(|| format!("mm {mm} is dropped: its PASID {p} is freed now"));
    }

    fn device_mut(&mut self, device: &Name) -> &mut Device {
        self.devices.entry(*device).or_default()
    }

    /// A successful bind: the device (created on its first bind) keeps the range it was
    /// bound with and counts one more bond to the mm.
    fn record_bond(&mut self, device: &Name, mm: &Name, min: Ioasid, max: Ioasid) {
        let dev = self.device_mut(device);
        dev.min = min;
        dev.max = max;
        *dev.bonds.entry(*mm).or_insert(0) += 1;
    }

    /// `iommu_sva_bind_device(device, mm)`: gives the process's PASID to the device,
    /// allocating it on the first bind (in the `sva` set, within the device's range).
    ///
    /// Each era binds its own way:
    /// - v5.5 (`refs: none`): VT-d's own `intel_svm_bind_mm()`. No lower bound from the
    ///   caller (PASIDs from 1); an mm whose PASID is above the device's max is refused
    ///   with `ENOSPC` and the warning "Limited PASID width"; allocation failure `ENOSPC`.
    /// - v5.11-v6.3, ext, improved: `iommu_sva_alloc_pasid(mm, min, max)`. `EINVAL`
    ///   first for `min == 0`, an `INVALID_IOASID` bound or `max < min`; `EOVERFLOW`
    ///   for an mm's PASID outside [min, max] (flaw 9a: also when equal to max);
    ///   allocation failure `ENOMEM` (the real errno under `improved`). Each bind of an
    ///   existing PASID takes a reference (get/put eras).
    /// - v6.6: see `bind_global`.
    ///
    /// `ENOENT`: unknown mm; `EINVAL`: exited mm (a model choice: the kernel requires
    /// the caller to hold the mm).
    pub fn bind(
        &mut self,
        device: &Name,
        mm: &Name,
        min: Option<Ioasid>,
        max: Option<Ioasid>,
    ) -> Result<Val, Errno> {
        self.log.line("bind.enter");
        let m = self.mms.get(mm).ok_or(Errno::ENOENT)?;
        if !m.alive {
            self.log.explain(|| format!("process {mm} has exited"));
            return Err(Errno::EINVAL);
        }
        let existing = m.pasid;
        // The range is checked before the device is touched: a refused bind leaves the
        // device as it was (it is recorded with the bond, on success).
        let (dmin, dmax) = {
            let dev = self.devices.get(device);
            let lo = min.or(dev.map(|d| d.min)).unwrap_or(PASID_MIN);
            let hi = max.or(dev.map(|d| d.max)).unwrap_or(PASID_MAX);
            (lo, hi)
        };
        if self.knobs.global_pasid {
            return self.bind_global(device, mm, existing, dmin, dmax);
        }
        // v5.5-v5.10: VT-d allocates the PASID itself, with no lower bound.
        let vtd = self.knobs.refs == RefModel::None;
        if !vtd && (dmin == 0 || dmin == INVALID_IOASID || dmax == INVALID_IOASID || dmax < dmin) {
            self.log.line("bind.einval");
            self.log.explain(|| {
                format!("[{dmin}, {dmax}] is not a valid PASID range: min must be at least 1, no bound INVALID_IOASID, max not below min")
            });
            return Err(Errno::EINVAL);
        }
        let pasid = match existing {
            Some(p) if vtd => {
                self.log.line("bind.share");
                if p > dmax {
                    self.log.line("bind.range");
                    self.log.klog(format!(
                        "Limited PASID width. Cannot use existing PASID {p}"
                    ));
                    self.log.explain(|| {
                        format!("mm {mm}'s PASID {p} is beyond {device}'s last PASID {dmax}")
                    });
                    return Err(Errno::ENOSPC);
                }
                self.log
                    .explain(|| format!("mm {mm} already has PASID {p}: the device shares it"));
                p
            }
            Some(p) => {
                self.log.line("bind.share");
                let too_high = if self.knobs.flaw_bind_off_by_one {
                    p >= dmax
                } else {
                    p > dmax
                };
                if p < dmin || too_high {
                    self.log.line("bind.range");
                    self.log.explain(|| {
                        if p == dmax {
                            format!("PASID {p} equals the device's max {dmax}: refused by the off-by-one check (>= instead of >)")
                        } else {
                            format!("mm {mm}'s PASID {p} is outside the device's range [{dmin}, {dmax}]")
                        }
                    });
                    return Err(Errno::EOVERFLOW);
                }
                if matches!(self.knobs.refs, RefModel::GetPut | RefModel::FreePending) {
                    self.log.line("bind.get");
                    self.get(Some(&name(SVA_SET)), p)?;
                }
                self.log
                    .explain(|| format!("mm {mm} already has PASID {p}: the device shares it"));
                p
            }
            None => {
                self.log.line("bind.alloc");
                let set = name(SVA_SET);
                let data = Some(crate::id::Data::Mm(*mm));
                let lo = if vtd { PASID_MIN } else { dmin };
                let p = self.alloc(Some(&set), lo, dmax, data).map_err(|e| {
                    self.log.line("bind.nomem");
                    if self.knobs.real_errno {
                        e
                    } else if self.knobs.sva_enomem {
                        Errno::ENOMEM
                    } else {
                        Errno::ENOSPC
                    }
                })?;
                if let Some(m) = self.mms.get_mut(mm) {
                    m.pasid = Some(p);
                }
                self.log
                    .explain(|| format!("mm {mm} gets PASID {p}, its one PASID for every device"));
                p
            }
        };
        self.record_bond(device, mm, dmin, dmax);
        self.log.line("bind.done");
        self.notify("BIND", pasid);
        Ok(Val::Id(u64::from(pasid)))
    }

    /// v6.6 `iommu_sva_bind_device()`: `iommu_sva_alloc_pasid(mm, dev)` takes no lower
    /// bound (the lesson's `min` is ignored): an mm's PASID above the device's max is
    /// `EOVERFLOW`; else the global allocator's lowest free PASID in [1, max], its
    /// failure `ENOSPC`. Then the mm's SVA domain at (device, PASID): one more user if
    /// it is there already, `EBUSY` if another domain is.
    fn bind_global(
        &mut self,
        device: &Name,
        mm: &Name,
        existing: Option<Ioasid>,
        dmin: Ioasid,
        dmax: Ioasid,
    ) -> Result<Val, Errno> {
        self.log.line("global.bind");
        let pasid = match existing {
            // Since v6.4 the mm's PASID must be below the device's PASID count (`>`, not
            // `>=`, against the last PASID); there is no lower bound.
            Some(p) if p > dmax => {
                self.log.line("global.overflow");
                self.log.explain(|| {
                    format!("mm {mm}'s PASID {p} is beyond {device}'s last PASID {dmax}")
                });
                return Err(Errno::EOVERFLOW);
            }
            Some(p) => p,
            None => {
                match self.global_alloc(dmax) {
                    Ok(p) => p,
                    Err(_) if self.knobs.flaw_unsigned_error_pasid => {
                        // v6.4: the IDA's -ENOSPC, compared unsigned with min, is kept.
                        let bogus = errno_as_unsigned(Errno::ENOSPC);
                        self.hazard_created(HazardKind::ErrnoAsPasid, bogus, || format!(
                            "the allocator failed with -ENOSPC, but an unsigned comparison took the error code for a PASID: {bogus:#x}"
                        ));
                        self.log.explain(|| format!(
                            "v6.4's signedness bug: -ENOSPC is stored as mm {mm}'s PASID {bogus:#x}, and the bind goes on (the kernel prints nothing)"
                        ));
                        bogus
                    }
                    Err(_) => {
                        self.log.line("global.nospc");
                        return Err(Errno::ENOSPC);
                    }
                }
            }
        };
        if let Some(m) = self.mms.get_mut(mm) {
            m.pasid = Some(pasid);
        }
        let key = (*device, pasid);
        match self.attachments.get(&key) {
            Some(DomainRef::Sva(owner)) if owner == mm => {
                self.log.line("global.users");
            }
            Some(_) => {
                self.log.line("global.busy");
                self.log
                    .explain(|| format!("{device} already has a domain attached at PASID {pasid}"));
                return Err(Errno::EBUSY);
            }
            None => {
                self.log.line("global.attach");
                self.log.line("global.store");
                self.attachments.insert(key, DomainRef::Sva(*mm));
            }
        }
        self.record_bond(device, mm, dmin, dmax);
        self.log.changed(pasid);
        self.log
            .explain(|| format!("{device}'s PASID {pasid} is attached to mm {mm}'s SVA domain"));
        Ok(Val::Id(u64::from(pasid)))
    }

    /// `iommu_sva_unbind_device`: drops one bind of `device` to `mm`.
    /// - v5.5: VT-d's `intel_svm_unbind_mm()` drains nothing (the drain came in v5.8)
    ///   and frees the PASID with the mm's last bond.
    /// - v5.11-v5.17, ext, improved: drains the device's pending page requests for the
    ///   PASID, then drops a reference (freed at zero).
    /// - v5.18: drains, then keeps the PASID with the mm; the last unbind of an mm that
    ///   has exited drops the mm, and its PASID with it.
    /// - v6.6: the SVA domain loses a user; at zero it is detached from (device, PASID)
    ///   and freed, and if that was the exited mm's last domain, the PASID is freed.
    ///
    /// `ENOENT`: not bound.
    pub fn unbind(&mut self, device: &Name, mm: &Name) -> Result<Val, Errno> {
        self.log.line("unbind.enter");
        let bound = self
            .devices
            .get(device)
            .and_then(|d| d.bonds.get(mm))
            .copied()
            .unwrap_or(0);
        if bound == 0 {
            self.log
                .explain(|| format!("{device} is not bound to mm {mm}"));
            return Err(Errno::ENOENT);
        }
        let pasid = self.mms.get(mm).and_then(|m| m.pasid);
        // v5.5 drains nothing; v6.6 drains when the domain is detached (its last user).
        let drain = if self.knobs.global_pasid {
            bound <= 1
        } else {
            self.knobs.refs != RefModel::None
        };
        if drain {
            self.log.line("unbind.drain");
            let drained = self.flush_pasid(device, pasid);
            if !drained.is_empty() {
                let n = drained.len();
                self.log
                    .explain(|| format!("{n} pending fault group(s) drained first"));
            }
        }
        let dev = self.device_mut(device);
        if bound <= 1 {
            dev.bonds.remove(mm);
        } else {
            dev.bonds.insert(*mm, bound - 1);
        }
        let Some(p) = pasid else { return Ok(Val::Null) };
        let alive = self.mms.get(mm).is_some_and(|m| m.alive);
        if self.knobs.global_pasid {
            if bound > 1 {
                self.log.line("global.users_left");
                self.log.explain(|| {
                    format!("mm {mm}'s SVA domain on {device} keeps {} user(s): still attached at PASID {p}", bound - 1)
                });
                return Ok(Val::Null);
            }
            self.log.line("global.detach_last");
            self.attachments.remove(&(*device, p));
            self.log.changed(p);
            self.log.explain(|| {
                format!("{device} detaches PASID {p} and frees mm {mm}'s SVA domain there")
            });
            if !alive && !self.bound_anywhere(mm) {
                self.drop_mm_pasid(mm, p);
            }
            return Ok(Val::Null);
        }
        self.notify("UNBIND", p);
        let sva = name(SVA_SET);
        match self.knobs.refs {
            RefModel::GetPut | RefModel::FreePending => {
                self.log.line("unbind.put");
                if let Ok(Val::Bool(true)) = self.put(Some(&sva), p) {
                    if let Some(m) = self.mms.get_mut(mm) {
                        m.pasid = None;
                    }
                }
            }
            RefModel::None => {
                if !self.bound_anywhere(mm) {
                    self.log.line("unbind.free");
                    self.free(Some(&sva), p)?;
                    if let Some(m) = self.mms.get_mut(mm) {
                        m.pasid = None;
                    }
                }
            }
            RefModel::MmLifetime => {
                if !alive && !self.bound_anywhere(mm) {
                    self.log.line("unbind.mmdrop");
                    self.drop_mm_pasid(mm, p);
                } else {
                    self.log.explain(|| {
                        format!("PASID {p} stays with mm {mm}: it lives as long as the mm")
                    });
                }
            }
        }
        Ok(Val::Null)
    }

    /// v6.6 `iommu_attach_device_pasid(domain, device, pasid)`: `EBUSY` when the
    /// (device, PASID) already has a domain; `EOPNOTSUPP` outside v6.6 mode.
    pub fn attach_pasid(
        &mut self,
        device: &Name,
        pasid: Ioasid,
        domain: &Name,
    ) -> Result<Val, Errno> {
        self.log.line("global.attach");
        if !self.knobs.global_pasid {
            self.log.explain(|| {
                "per-device PASID attachment came with v6.2+: choose the v6.6 profile".into()
            });
            return Err(Errno::EOPNOTSUPP);
        }
        if pasid == INVALID_IOASID {
            return Err(Errno::EINVAL);
        }
        self.device_mut(device);
        let key = (*device, pasid);
        if self.attachments.contains_key(&key) {
            self.log.line("global.busy");
            self.log
                .explain(|| format!("{device} already has a domain at PASID {pasid}"));
            return Err(Errno::EBUSY);
        }
        self.log.line("global.store");
        self.attachments.insert(key, DomainRef::Domain(*domain));
        self.log
            .explain(|| format!("{device}'s PASID {pasid} now goes to domain {domain}"));
        Ok(Val::Null)
    }
}

impl World {
    /// v6.6 `iommu_detach_device_pasid(domain, device, pasid)`: `ENOENT` when nothing is
    /// attached there; `EOPNOTSUPP` outside v6.6 mode.
    pub fn detach_pasid(&mut self, device: &Name, pasid: Ioasid) -> Result<Val, Errno> {
        self.log.line("global.detach");
        if !self.knobs.global_pasid {
            return Err(Errno::EOPNOTSUPP);
        }
        match self.attachments.remove(&(*device, pasid)) {
            Some(d) => {
                self.log.explain(|| {
                    format!("{device}'s PASID {pasid} no longer goes to {}", d.label())
                });
                Ok(Val::Null)
            }
            None => {
                self.log
                    .explain(|| format!("{device} has nothing attached at PASID {pasid}"));
                Err(Errno::ENOENT)
            }
        }
    }
}

/// The value an unsigned variable holds after being assigned `-errno`.
fn errno_as_unsigned(e: Errno) -> Ioasid {
    // INVALID_IOASID is no errno: as -1 it is its own value, 0xFFFFFFFF.
    let code: u32 = crate::quiz::errno_code(e).unwrap_or(1);
    code.wrapping_neg()
}
