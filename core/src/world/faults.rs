//! The I/O page-fault calls: `fault`, `run_faults`, `flush`, `overflow`, and the
//! PASID -> set -> mm lookup that serves each group.
use super::World;
use crate::fault::{FaultGroup, Issued, PageRequest};
use crate::id::{Data, Errno, Ioasid, Name};
use crate::set::SVA_SET;
use crate::space::{name, Getter, IdState};
use crate::sva::DomainRef;
use crate::trace::{Code, Event, FaultStage, Response, Val};

/// Why a request failed: where, and in words.
type Refusal = (FaultStage, String);

impl World {
    /// A device reports a page request. A request that is not the last of its group is
    /// held; the last forms the group, which is queued for the workqueue. Never fails.
    pub fn fault(&mut self, device: &Name, mut req: PageRequest) -> Result<Val, Errno> {
        self.log.line("iopf.report");
        req.issued = req.pasid.and_then(|p| self.entry(p)).map(|e| Issued {
            born: e.born,
            mm: match e.data {
                Some(Data::Mm(mm)) => Some(mm),
                _ => None,
            },
        });
        let group = req.group;
        if let Some(p) = req.pasid {
            *self.pending.entry(p).or_default() += 1;
        }
        let dev = self.devices.entry(*device).or_default();
        if !req.last {
            self.log.line("iopf.hold");
            dev.partial.entry(group).or_default().push(req);
            self.log.event(|| Event::FaultHeld {
                device: *device,
                group,
            });
            self.log.explain(|| {
                format!("not the last request of group {group}: held until the last arrives")
            });
            return Ok(Val::Null);
        }
        self.log.line("iopf.form");
        // The device will get a response for this group id after all.
        dev.abandoned.remove(&group);
        let mut requests = dev.partial.remove(&group).unwrap_or_default();
        requests.push(req);
        let n = requests.len();
        let seq = self.queue.push(FaultGroup {
            device: *device,
            group,
            requests,
        });
        // After a run of the workqueue every number the device listed is gone.
        if dev.queued.last().is_some_and(|s| self.queue.before(*s)) {
            dev.queued.clear();
        }
        dev.queued.push(seq);
        self.log.line("iopf.queue");
        self.log.event(|| Event::FaultQueued {
            device: *device,
            group,
            requests: n,
        });
        self.log.explain(|| {
            format!(
                "group {group} of {device} is complete ({n} request(s)): queued for the workqueue"
            )
        });
        Ok(Val::Null)
    }

    /// The workqueue runs: every queued group is handled, in queue order, and answered.
    pub fn run_faults(&mut self) -> Result<Val, Errno> {
        self.log.line("iopf.work");
        let groups = self.queue.take_all();
        let responses = self.handle_groups(groups);
        Ok(Val::Responses(responses))
    }

    /// `iopf_queue_flush_dev`: handles every queued group of `device` now.
    pub fn flush(&mut self, device: &Name) -> Result<Val, Errno> {
        self.log.line("iopf.flush");
        Ok(Val::Responses(self.flush_pasid(device, None)))
    }

    /// Handles the queued groups of `device` (only those for `pasid`, if given).
    pub(crate) fn flush_pasid(&mut self, device: &Name, pasid: Option<Ioasid>) -> Vec<Response> {
        // Nothing held or queued for the PASID: no need to look through the queue (an
        // unbind drains this way every time).
        if pasid.is_some_and(|p| !self.pasid_pending(p)) {
            return Vec::new();
        }
        let mut mine = Vec::new();
        if let Some(dev) = self.devices.get_mut(device) {
            let queue = &mut self.queue;
            dev.queued.retain(|&seq| {
                let Some(slot) = queue.slot_mut(seq) else {
                    return false;
                };
                let wanted = slot.as_ref().is_some_and(|g| {
                    pasid.is_none() || g.requests.iter().any(|r| r.pasid == pasid)
                });
                if wanted {
                    mine.extend(slot.take());
                }
                !wanted && slot.is_some()
            });
            queue.live -= mine.len();
            queue.trim_front();
        }
        self.handle_groups(mine)
    }

    /// Page request queue overflow: `device`'s held partial requests are discarded;
    /// their groups never form.
    pub fn overflow(&mut self, device: &Name) -> Result<Val, Errno> {
        self.log.line("iopf.overflow");
        let dev = self.devices.entry(*device).or_default();
        let mut discarded: Vec<PageRequest> = Vec::new();
        for (group, requests) in std::mem::take(&mut dev.partial) {
            let n = u32::try_from(requests.len()).unwrap_or(u32::MAX);
            let lost = dev.abandoned.entry(group).or_default();
            *lost = lost.saturating_add(n);
            discarded.extend(requests);
        }
        let count = discarded.len();
        self.unpend(&discarded);
        self.log.event(|| Event::Discarded {
            device: *device,
            count,
        });
        self.release_quarantined();
        Ok(Val::Null)
    }

    /// Checks the queue's bookkeeping: `live` counts its groups, and the devices list
    /// (among numbers already gone) exactly the queued groups, each its own.
    pub(crate) fn check_queue(&self) -> Result<(), String> {
        let q = &self.queue;
        let groups = q.slots.iter().flatten().count();
        if groups != q.live {
            return Err(format!("queue: {} groups counted as {}", groups, q.live));
        }
        let mut listed = 0;
        for (name, dev) in &self.devices {
            if dev.queued.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("queue: {name}'s group numbers are not ascending"));
            }
            for &seq in dev.queued.iter().filter(|s| !q.before(**s)) {
                let i = usize::try_from(seq - q.head).unwrap_or(usize::MAX);
                match q.slots.get(i) {
                    Some(Some(g)) if g.device == *name => listed += 1,
                    _ => return Err(format!("queue: {name} lists group #{seq} wrongly")),
                }
            }
        }
        if listed != q.live {
            return Err(format!(
                "queue: devices list {listed} groups, it holds {}",
                q.live
            ));
        }
        Ok(())
    }

    /// Every page request queued or held (partial) on any device.
    ///
    /// Cost: O(requests); the invariant check compares it with `pending`.
    pub(crate) fn pending_requests(&self) -> impl Iterator<Item = &PageRequest> {
        self.queue
            .iter()
            .flat_map(|g| &g.requests)
            .chain(self.devices.values().flat_map(|d| d.held_requests()))
    }

    /// True if a page request for `id` is held or queued. Cost: O(log PASIDs pending).
    pub fn pasid_pending(&self, id: Ioasid) -> bool {
        self.pending.contains_key(&id)
    }

    /// `requests` leave the queues (handled or discarded): they are no longer pending.
    fn unpend(&mut self, requests: &[PageRequest]) {
        for p in requests.iter().filter_map(|r| r.pasid) {
            if let Some(n) = self.pending.get_mut(&p) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    self.pending.remove(&p);
                }
            }
        }
    }

    fn handle_groups(&mut self, groups: Vec<FaultGroup>) -> Vec<Response> {
        for g in &groups {
            self.unpend(&g.requests);
        }
        let responses: Vec<Response> = groups.into_iter().map(|g| self.handle_group(g)).collect();
        self.release_quarantined();
        responses
    }

    /// Handles one group: requests in order, errors sticky, one response from the last
    /// request. The generic handler answers SUCCESS or INVALID, never FAILURE (which
    /// would make the device stop sending page requests).
    fn handle_group(&mut self, g: FaultGroup) -> Response {
        self.log.line("iopf.group");
        let mut failed = false;
        let mut served: Option<Name> = None;
        let mut why: Option<String> = None;
        for req in &g.requests {
            if failed {
                self.log.line("iopf.sticky");
                self.fault_step(
                    &g,
                    req,
                    FaultStage::Skipped,
                    false,
                    "an earlier request of the group failed: skipped".into(),
                    false,
                );
                continue;
            }
            match self.handle_request(&g.device, req) {
                Ok(mm) => {
                    let was = self.stale(req);
                    let stale = was.is_some();
                    let detail = match was {
                        None => format!("the page is made present in mm {mm}"),
                        Some(was) => {
                            let pasid = req.pasid.unwrap_or_default();
                            self.log.explain(|| format!(
                                "stale request: it was sent for {was}, but PASID {pasid} was freed and handed out again since, so it was served in mm {mm}"
                            ));
                            format!("the page is made present in mm {mm}, but the request was sent for {was}: PASID {pasid} was freed and handed out again since, so the device's access lands in another process's memory")
                        }
                    };
                    self.fault_step(&g, req, FaultStage::Done, true, detail, stale);
                    served = Some(mm);
                }
                Err((stage, reason)) => {
                    self.fault_step(&g, req, stage, false, reason.clone(), false);
                    why = Some(reason);
                    failed = true;
                }
            }
        }
        self.log.line("iopf.respond");
        let last = g.requests.last();
        let code = if failed { Code::INVALID } else { Code::SUCCESS };
        let response = Response {
            device: g.device,
            pasid: last.and_then(|r| r.pasid),
            group: g.group,
            code,
            mm: if failed { None } else { served },
        };
        let shown = response.clone();
        self.log.event(|| Event::Responded(shown));
        let reason = why.clone();
        self.log.explain(|| match (&response.mm, reason) {
            (Some(mm), _) => format!(
                "group {} of {}: SUCCESS, served by mm {mm}",
                g.group, g.device
            ),
            (None, Some(why)) => {
                format!("group {} of {}: INVALID, because {why}", g.group, g.device)
            }
            (None, None) => format!("group {} of {}: INVALID", g.group, g.device),
        });
        response
    }

    /// Who a stale request was sent for ("mm A", or "the PASID's earlier owner"), if
    /// its PASID has been freed and handed out again since it was reported.
    fn stale(&self, req: &PageRequest) -> Option<String> {
        let issued = req.issued?;
        let now = req.pasid.and_then(|p| self.entry(p))?;
        (now.born != issued.born).then(|| {
            issued
                .mm
                .map_or("the PASID's earlier owner".to_string(), |mm| {
                    format!("mm {mm}")
                })
        })
    }

    fn fault_step(
        &mut self,
        g: &FaultGroup,
        req: &PageRequest,
        stage: FaultStage,
        ok: bool,
        detail: String,
        stale: bool,
    ) {
        self.log.event(|| Event::FaultStep {
            device: g.device,
            group: g.group,
            pasid: req.pasid,
            addr: req.addr,
            access: req.perm.words(),
            stage,
            ok,
            detail,
            stale,
        });
    }

    /// One request: PASID -> (set) -> mm -> mapping -> rights. The mm that served it,
    /// or where and why it stopped.
    fn handle_request(&mut self, device: &Name, req: &PageRequest) -> Result<Name, Refusal> {
        let Some(pasid) = req.pasid else {
            self.log.line("iopf.no_pasid");
            return Err((FaultStage::NoPasid, "no PASID: nothing to resolve".into()));
        };
        let mm = if self.knobs.global_pasid {
            self.log.line("iopf.domain");
            match self.attachments.get(&(*device, pasid)) {
                None => {
                    self.log.line("iopf.no_domain");
                    return Err((
                        FaultStage::Domain,
                        format!("no domain attached at PASID {pasid}"),
                    ));
                }
                Some(DomainRef::Domain(d)) => {
                    self.log.line("iopf.no_handler");
                    return Err((
                        FaultStage::Handler,
                        format!("domain {d} has no page-fault handler"),
                    ));
                }
                Some(DomainRef::Sva(mm)) => {
                    let mm = *mm;
                    if !self.mms.get(&mm).is_some_and(|m| m.alive) {
                        self.log.line("iopf.mm_exiting");
                        return Err((FaultStage::Getter, format!("mm {mm} is exiting")));
                    }
                    mm
                }
            }
        } else {
            self.log.line("iopf.find");
            let set = if self.knobs.wildcard_fault_lookup {
                None
            } else {
                Some(name(SVA_SET))
            };
            // iommu_sva_find(): find(sva_set, pasid, mmget_not_zero), narrated per group.
            self.log.quiet += 1;
            let found = self.find(set.as_ref(), pasid, Some(Getter::MmAlive));
            self.log.quiet -= 1;
            if !matches!(found, Ok(Some(Data::Mm(_)))) {
                self.log.line("iopf.no_mm");
            }
            match found {
                Err(e) => {
                    return Err((
                        FaultStage::Lookup,
                        format!("find returned {}: {}", e.name(), e.meaning()),
                    ))
                }
                Ok(Some(Data::Mm(mm))) => mm,
                Ok(Some(other)) => {
                    return Err((
                        FaultStage::Lookup,
                        format!("the lookup returned {}, not an mm", other.label()),
                    ))
                }
                Ok(None) => {
                    if self.knobs.rfc_find_exact {
                        return Err(self.rfc_fault_miss(pasid, set.as_ref()));
                    }
                    let data = self.entry(pasid).and_then(|e| e.data);
                    return Err(match data {
                        None => (
                            FaultStage::Lookup,
                            format!("PASID {pasid} has no data yet (allocated, not bound)"),
                        ),
                        Some(Data::Mm(mm)) => (
                            FaultStage::Getter,
                            format!("the getter refused mm {mm}: the process is exiting"),
                        ),
                        Some(other) => {
                            self.log.klog(format!(
                                "iopf: PASID {pasid} resolved to {}, handled as an mm",
                                other.label()
                            ));
                            (
                                FaultStage::Lookup,
                                format!(
                                    "a wildcard lookup returned {}: the handler takes it for an mm and its getter reads a struct of another type",
                                    other.label()
                                ),
                            )
                        }
                    });
                }
            }
        };
        self.log.line("iopf.vma");
        let Some(m) = self.mms.get(&mm) else {
            return Err((FaultStage::Getter, format!("mm {mm} is unknown")));
        };
        let Some(map) = m.maps.iter().find(|map| map.contains(req.addr)) else {
            self.log.line("iopf.no_vma");
            return Err((
                FaultStage::Mapping,
                format!("{:#x} is not mapped in mm {mm}", req.addr),
            ));
        };
        if !map.perm.allows(req.perm) {
            self.log.line("iopf.perm");
            return Err((
                FaultStage::Permission,
                format!(
                    "asked for {} access but the mapping allows {} only",
                    req.perm.words(),
                    map.perm.words()
                ),
            ));
        }
        self.log.line("iopf.fixup");
        Ok(mm)
    }

    /// IDs quarantined while page requests were pending are released once none are.
    ///
    /// Cost: one lookup in `pending` per ID held.
    pub(crate) fn release_quarantined(&mut self) {
        if self.quarantined.is_empty() {
            return;
        }
        let held = std::mem::take(&mut self.quarantined);
        for id in held {
            if self.pending.contains_key(&id) {
                self.quarantined.push(id);
                continue;
            }
            let set = self
                .active_store()
                .get(id)
                .filter(|e| e.state == IdState::Quarantined)
                .map(|e| e.set);
            if let Some(set) = set {
                // The backend free that `reclaim` held back (the data went at the free).
                self.custom_free(id, false);
                self.active_store_mut().remove(id);
                self.release_from_set(set.as_ref(), id);
                self.log.changed(id);
                self.log.event(|| Event::State {
                    id,
                    state: "released".into(),
                });
                self.log.explain(|| {
                    format!("no request for {id} is pending any more: it may be reused")
                });
            }
        }
    }
}
