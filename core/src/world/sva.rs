//! Process, device and SVA calls: `mm_create`, `mm_exit`, `bind`, `unbind`, and
//! v6.6's global PASIDs and (device, PASID) attachments.
use super::World;
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
        self.mms.insert(
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
    /// a PASID lives as long as its process (v5.18+), its PASID is freed now.
    /// `ENOENT`: unknown or already exited.
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
                self.log.line("mm.free_pasid");
                if let Some(m) = self.mms.get_mut(mm) {
                    m.pasid = None;
                }
                if self.knobs.global_pasid {
                    self.attachments
                        .retain(|(_, id), d| !(*id == p && *d == DomainRef::Sva(*mm)));
                    self.default_store.remove(p);
                    self.log.changed(p);
                    self.log.event(|| Event::Erased {
                        id: p,
                        store: "global".into(),
                    });
                } else {
                    self.reclaim(p);
                }
                self.log.explain(|| {
                    format!("its PASID {p} lives as long as the process: it is freed now")
                });
            }
        }
        Ok(Val::Null)
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
    /// `ENOENT`: unknown mm; `EINVAL`: exited mm; `EOVERFLOW`: the mm's PASID is outside
    /// the device's range (flaw 9: also when equal to its max); allocation failure as
    /// the era reports it (`ENOMEM` v5.11-v6.3, `ENOSPC` before). Each bind of an
    /// existing PASID takes a reference (get/put eras).
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
        let pasid = match existing {
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
                let p = self.alloc(Some(&set), dmin, dmax, data).map_err(|e| {
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
            // Since v6.4 the mm's PASID must lie in [1, device limit - 1] (`>`, not `>=`).
            Some(p) if p < dmin.max(PASID_MIN) || p > dmax => {
                self.log.explain(|| {
                    format!(
                        "mm {mm}'s PASID {p} is outside the device's range [{}, {dmax}]",
                        dmin.max(PASID_MIN)
                    )
                });
                return Err(Errno::EOVERFLOW);
            }
            Some(p) => p,
            None => {
                let lo = dmin.max(PASID_MIN);
                match self.alloc(None, lo, dmax, None) {
                    Ok(p) => p,
                    Err(e) if self.knobs.flaw_unsigned_error_pasid => {
                        let bogus = errno_as_unsigned(e);
                        self.log.klog(format!(
                            "iommu_sva_bind_device: error {} stored as PASID {bogus:#x}",
                            e.name()
                        ));
                        self.log.explain(|| format!(
                            "the allocator failed with -{}, but an unsigned comparison took the error code for a PASID: {bogus:#x}",
                            e.name()
                        ));
                        bogus
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        if let Some(m) = self.mms.get_mut(mm) {
            m.pasid = Some(pasid);
        }
        let key = (*device, pasid);
        self.log.line("global.attach");
        match self.attachments.get(&key) {
            Some(DomainRef::Sva(owner)) if owner == mm => {}
            Some(_) => {
                self.log.line("global.busy");
                self.log
                    .explain(|| format!("{device} already has a domain attached at PASID {pasid}"));
                return Err(Errno::EBUSY);
            }
            None => {
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

    /// `iommu_sva_unbind_device`: drains the device's pending page requests for the
    /// PASID, then drops the bind. Get/put eras drop a reference (freed at zero);
    /// v5.5 frees with the last bind; v5.18+ keeps the PASID until the mm exits.
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
        self.log.line("unbind.drain");
        let drained = self.flush_pasid(device, pasid);
        if !drained.is_empty() {
            let n = drained.len();
            self.log
                .explain(|| format!("{n} pending fault group(s) drained first"));
        }
        let dev = self.device_mut(device);
        if bound <= 1 {
            dev.bonds.remove(mm);
        } else {
            dev.bonds.insert(*mm, bound - 1);
        }
        let Some(p) = pasid else { return Ok(Val::Null) };
        if self.knobs.global_pasid {
            self.attachments.remove(&(*device, p));
            self.log.explain(|| {
                format!("{device} detaches PASID {p}; the PASID stays with mm {mm} until it exits")
            });
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
                let still = self.devices.values().any(|d| d.bonds.contains_key(mm));
                if !still {
                    self.log.line("unbind.free");
                    self.free(Some(&sva), p)?;
                    if let Some(m) = self.mms.get_mut(mm) {
                        m.pasid = None;
                    }
                }
            }
            RefModel::MmLifetime => {
                self.log
                    .explain(|| format!("PASID {p} stays with mm {mm} until it exits"));
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
    let code: u32 = match e {
        Errno::ENOENT => 2,
        Errno::EPERM => 1,
        Errno::EAGAIN => 11,
        Errno::ENOMEM => 12,
        Errno::EACCES => 13,
        Errno::EBUSY => 16,
        Errno::EEXIST => 17,
        Errno::EINVAL => 22,
        Errno::ENOSPC => 28,
        Errno::EOVERFLOW => 75,
        Errno::EOPNOTSUPP => 95,
        Errno::INVALID_IOASID => 1,
    };
    code.wrapping_neg()
}
