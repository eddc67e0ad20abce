//! The I/O page-fault calls: `fault`, `run_faults`, `flush`, `overflow`, and the
//! PASID -> set -> mm lookup that serves each group.
use super::World;
use crate::fault::{FaultGroup, Issued, PageRequest};
use crate::hazard::HazardKind;
use crate::id::{Data, Errno, Ioasid, Name};
use crate::set::SVA_SET;
use crate::space::{name, Getter, IdState};
use crate::sva::DomainRef;
use crate::trace::{Code, Event, FaultStage, Response, Val};

/// A run of the fault workqueue in progress ([`World::run_faults_start`]): the groups
/// it took and has still to handle, and the responses sent so far.
#[derive(Debug)]
pub struct FaultRun {
    groups: std::vec::IntoIter<FaultGroup>,
    responses: Vec<Response>,
}

/// Why a request failed: where, and in words.
type Refusal = (FaultStage, String);

/// The name VT-d's log lines give the (model's one) IOMMU.
const IOMMU: &str = "dmar0";

/// The two descriptor words VT-d prints for a page request (`struct page_req_dsc`):
/// word 0 has the type (1, a page request) in bits 0-7, PASID present in bit 8, the
/// requester ID in bits 16-31 (0 in the model: its devices have no PCI address), the
/// PASID in bits 32-51 and execute in bit 52; word 1 has read, write and last in bits
/// 0-2, the group index in bits 3-11 and the page address from bit 12.
fn descriptor(req: &PageRequest) -> (u64, u64) {
    let mut qw0: u64 = 1;
    if let Some(p) = req.pasid {
        qw0 |= 1 << 8 | u64::from(p & 0xf_ffff) << 32;
    }
    if req.perm.x {
        qw0 |= 1 << 52;
    }
    let mut qw1 = req.addr & !0xfff;
    qw1 |= u64::from(req.perm.r) | u64::from(req.perm.w) << 1 | u64::from(req.last) << 2;
    qw1 |= u64::from(req.group & 0x1ff) << 3;
    (qw0, qw1)
}

impl World {
    /// A device reports a page request.
    ///
    /// Under VT-d's own handler (`vtd_prq`, v5.5/v5.11) the request waits in the
    /// hardware page request queue, each on its own, for the thread (`run_faults`).
    /// Under the generic handler VT-d's thread reads it at once: its front end
    /// (`vtd_front_end`, v5.18/v6.6) may refuse it; a request that is not the last of
    /// its group is held; the last forms the group, which is queued for the workqueue.
    /// Never fails.
    pub fn fault(&mut self, device: &Name, mut req: PageRequest) -> Result<Val, Errno> {
        req.issued = req.pasid.and_then(|p| self.entry(p)).map(|e| Issued {
            born: e.born,
            mm: match e.data {
                Some(Data::Mm(mm)) => Some(mm),
                _ => None,
            },
        });
        let group = req.group;
        if self.vtd_prq() {
            self.log.line("prq.report");
            self.enqueue(device, group, vec![req]);
            self.log.explain(|| {
                format!(
                    "the request of group {group} waits in the IOMMU's page request queue; VT-d's thread will handle it on its own"
                )
            });
            return Ok(Val::Null);
        }
        if self.knobs.vtd_front_end {
            self.log.line("vtd.check");
            if self.front_end_refuses(device, &req) {
                return Ok(Val::Null);
            }
        }
        self.log.line("iopf.report");
        let dev = self.devices.entry(*device).or_default();
        if !req.last {
            self.log.line("iopf.hold");
            if let Some(p) = req.pasid {
                *self.pending.entry(p).or_default() += 1;
            }
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
        // The held ones are pending already.
        let held = requests.len();
        requests.push(req);
        let n = requests.len();
        if let Some(p) = requests[held].pasid {
            *self.pending.entry(p).or_default() += 1;
        }
        self.enqueue_counted(device, group, requests);
        self.log.line("iopf.queue");
        self.log.explain(|| {
            format!(
                "group {group} of {device} is complete ({n} request(s)): queued for the workqueue"
            )
        });
        Ok(Val::Null)
    }

    /// True when VT-d's own thread handles page requests (v5.5/v5.11). v6.6's domain
    /// routing takes precedence: the knob shapes the IOASID-era fault path only.
    fn vtd_prq(&self) -> bool {
        self.knobs.vtd_prq && !self.knobs.global_pasid
    }

    /// Queues `requests` (pending from now on) as one entry of the queue.
    fn enqueue(&mut self, device: &Name, group: u32, requests: Vec<PageRequest>) {
        for p in requests.iter().filter_map(|r| r.pasid) {
            *self.pending.entry(p).or_default() += 1;
        }
        self.enqueue_counted(device, group, requests);
    }

    /// Queues `requests`, already counted as pending, as one entry of the queue.
    fn enqueue_counted(&mut self, device: &Name, group: u32, requests: Vec<PageRequest>) {
        let n = requests.len();
        let seq = self.queue.push(FaultGroup {
            device: *device,
            group,
            requests: requests.into(),
        });
        let dev = self.devices.entry(*device).or_default();
        // After a run of the workqueue every number the device listed is gone.
        if dev.queued.last().is_some_and(|s| self.queue.before(*s)) {
            dev.queued.clear();
        }
        dev.queued.push(seq);
        self.log.event(|| Event::FaultQueued {
            device: *device,
            group,
            requests: n,
        });
    }

    /// VT-d's checks before the generic queue (v5.16+ `prq_event_thread`): a request
    /// without a PASID, or (before v6.2's domains) one whose PASID VT-d has no SVA bond
    /// for (`pasid_private_find`) or whose device is not bound to it
    /// (`svm_lookup_device_by_sid`), goes to `handle_bad_prq_event`: "Invalid page
    /// request", and INVALID at once if it is the last of its group. True if refused.
    fn front_end_refuses(&mut self, device: &Name, req: &PageRequest) -> bool {
        let refusal: Refusal = match req.pasid {
            None => {
                self.log.line("vtd.no_pasid");
                self.log
                    .klog(format!("IOMMU: {IOMMU}: Page request without PASID"));
                (FaultStage::NoPasid, "no PASID".into())
            }
            Some(p) if !self.knobs.global_pasid => {
                let owner = self
                    .mms
                    .iter()
                    .find(|(_, m)| m.pasid == Some(p))
                    .map(|(n, _)| *n);
                let svm =
                    owner.filter(|mm| self.devices.values().any(|d| d.bonds.contains_key(mm)));
                match svm {
                    None => {
                        self.log.line("vtd.no_svm");
                        (
                            FaultStage::Lookup,
                            format!("VT-d has no SVA bond for PASID {p}"),
                        )
                    }
                    Some(mm)
                        if !self
                            .devices
                            .get(device)
                            .is_some_and(|d| d.bonds.contains_key(&mm)) =>
                    {
                        self.log.line("vtd.no_sdev");
                        (
                            FaultStage::Lookup,
                            format!("{device} is not bound to PASID {p} (mm {mm})"),
                        )
                    }
                    Some(_) => return false,
                }
            }
            Some(_) => return false,
        };
        self.log.line("vtd.bad");
        let (qw0, qw1) = descriptor(req);
        self.log.klog(format!(
            "{IOMMU}: Invalid page request: {qw0:08x} {qw1:08x}"
        ));
        let (stage, why) = refusal;
        self.fault_step(device, req.group, req, stage, false, why.clone(), false);
        if req.last {
            let response = Response {
                device: *device,
                pasid: req.pasid,
                group: req.group,
                code: Code::INVALID,
                mm: None,
            };
            self.log.event(|| Event::Responded(response));
            self.log.explain(|| {
                format!(
                    "VT-d refuses the request before the queue ({why}): INVALID to {device} for group {}, at once",
                    req.group
                )
            });
        } else {
            self.log.explain(|| {
                format!("VT-d refuses the request before the queue ({why}); not the last of its group, so no response")
            });
        }
        true
    }

    /// The workqueue runs: every queued group is handled, in queue order, and answered.
    /// Never fails. Cost: linear in the queued groups and their requests; a caller that
    /// must not block that long runs the same work a slice at a time with
    /// [`Self::run_faults_start`], [`Self::run_faults_some`] and [`Self::run_faults_end`].
    pub fn run_faults(&mut self) -> Result<Val, Errno> {
        let run = self.run_faults_start();
        Ok(Val::Responses(self.run_faults_end(run)))
    }

    /// Starts [`Self::run_faults`]: takes every queued group and counts its requests as
    /// no longer pending. Until [`Self::run_faults_end`], the world is between the
    /// groups of one step: only [`Self::run_faults_some`] may touch it.
    pub fn run_faults_start(&mut self) -> FaultRun {
        self.log.line("iopf.work");
        let groups = self.queue.take_all();
        self.fault_run(groups)
    }

    /// A run of `groups`, taken out of the queue: their requests are no longer pending.
    fn fault_run(&mut self, groups: Vec<FaultGroup>) -> FaultRun {
        for g in &groups {
            self.unpend(&g.requests);
        }
        FaultRun {
            groups: groups.into_iter(),
            responses: Vec::new(),
        }
    }

    /// Handles up to `n` more of `run`'s groups, in queue order; true when none is left.
    pub fn run_faults_some(&mut self, run: &mut FaultRun, n: usize) -> bool {
        for g in run.groups.by_ref().take(n) {
            run.responses.extend(self.handle_group(g));
        }
        run.groups.len() == 0
    }

    /// Ends a run (handling any group left): IDs held back for pending requests are
    /// released. Returns the responses sent, in order.
    pub fn run_faults_end(&mut self, mut run: FaultRun) -> Vec<Response> {
        self.run_faults_some(&mut run, usize::MAX);
        self.release_quarantined();
        run.responses
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

    /// Page request queue overflow. VT-d's own thread (v5.5/v5.11) holds no request,
    /// so nothing is lost. With the generic handler the held partial requests of every
    /// device on the IOMMU's queue are discarded (`iopf_queue_discard_partial`; the
    /// model has one IOMMU): their groups never form. VT-d logs the overflow (v5.12+).
    pub fn overflow(&mut self, device: &Name) -> Result<Val, Errno> {
        if self.vtd_prq() {
            self.log.line("prq.overflow");
            self.log.explain(|| {
                "VT-d's own thread holds no request, so the overflow loses nothing already queued (v5.11 clears the overflow bit without a word; v5.5 does not handle it)".to_string()
            });
            return Ok(Val::Null);
        }
        self.log.line("iopf.overflow");
        if self.knobs.vtd_front_end {
            self.log
                .klog(format!("IOMMU: {IOMMU}: PRQ overflow detected"));
            self.log
                .klog(format!("IOMMU: {IOMMU}: PRQ overflow cleared"));
        }
        self.devices.entry(*device).or_default();
        let mut discarded: Vec<PageRequest> = Vec::new();
        let mut lost: Vec<(Name, usize)> = Vec::new();
        for (name, dev) in self.devices.iter_mut() {
            let before = discarded.len();
            for (group, requests) in std::mem::take(&mut dev.partial) {
                let n = u32::try_from(requests.len()).unwrap_or(u32::MAX);
                let gone = dev.abandoned.entry(group).or_default();
                *gone = gone.saturating_add(n);
                discarded.extend(requests);
            }
            let count = discarded.len() - before;
            if count > 0 || name == device {
                lost.push((*name, count));
            }
        }
        self.unpend(&discarded);
        for (device, count) in lost {
            self.log.event(|| Event::Discarded { device, count });
        }
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
            .flat_map(|g| g.requests.iter())
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
        let run = self.fault_run(groups);
        self.run_faults_end(run)
    }

    /// Handles one queue entry and returns the response sent, if any.
    fn handle_group(&mut self, g: FaultGroup) -> Option<Response> {
        if self.vtd_prq() {
            let mut last = None;
            for req in g.requests.iter() {
                last = self.handle_prq(&g.device, req);
            }
            return last;
        }
        Some(self.handle_iopf_group(g))
    }

    /// VT-d's own thread (`prq_event_thread`, v5.5/v5.11), one request: the result
    /// starts at FAILURE; no PASID, or a PASID `ioasid_find(NULL, pasid, NULL)` does
    /// not find, keeps it; past the lookup it is INVALID until the page is made
    /// present. Only the last request of a group (or one with private data, which the
    /// model does not send) is answered, with its own result.
    fn handle_prq(&mut self, device: &Name, req: &PageRequest) -> Option<Response> {
        self.log.line("prq.req");
        let (qw0, qw1) = descriptor(req);
        let result: Result<Name, (Code, Refusal)> = match req.pasid {
            None => {
                self.log.line("iopf.no_pasid");
                self.log.klog(format!(
                    "{IOMMU}: Page request without PASID: {qw0:08x} {qw1:08x}"
                ));
                Err((
                    Code::FAILURE,
                    (FaultStage::NoPasid, "no PASID: nothing to resolve".into()),
                ))
            }
            Some(pasid) => match self.prq_lookup(pasid) {
                Err(refusal) => {
                    self.log.line("prq.no_svm");
                    self.log.klog(format!(
                        "{IOMMU}: Page request for invalid PASID {pasid}: {qw0:08x} {qw1:08x}"
                    ));
                    Err((Code::FAILURE, refusal))
                }
                Ok(None) => Err((
                    Code::INVALID,
                    (
                        FaultStage::Lookup,
                        "the lookup returned another module's data: the thread would read it as an intel_svm; the model stops here".into(),
                    ),
                )),
                Ok(Some(mm)) => {
                    let served = self.prq_serve(req, mm);
                    self.prq_device_check(device, pasid, mm);
                    served.map_err(|r| (Code::INVALID, r))
                }
            },
        };
        let code = match &result {
            Ok(mm) => {
                let detail = self.served_detail(req, *mm);
                let stale = self.stale(req).is_some();
                if stale {
                    self.hazard_stale_served(req, *mm);
                }
                self.fault_step(
                    device,
                    req.group,
                    req,
                    FaultStage::Done,
                    true,
                    detail,
                    stale,
                );
                Code::SUCCESS
            }
            Err((code, (stage, why))) => {
                self.fault_step(device, req.group, req, *stage, false, why.clone(), false);
                *code
            }
        };
        if !req.last {
            self.log.explain(|| {
                format!(
                    "not the last request of group {}: handled, but no response is sent",
                    req.group
                )
            });
            return None;
        }
        self.log.line("iopf.respond");
        let response = Response {
            device: *device,
            pasid: req.pasid,
            group: req.group,
            code,
            mm: result.as_ref().ok().copied(),
        };
        let shown = response.clone();
        self.log.event(|| Event::Responded(shown));
        let why = result.err().map(|(_, (_, why))| why);
        self.explain_response(&response, why);
        Some(response)
    }

    /// `ioasid_find(NULL, pasid, NULL)` (any set with `wildcard_fault_lookup`, else
    /// the SVA set), no getter: the mm the data names, `None` for another module's
    /// data (a hazard: the thread takes it for an `intel_svm`), or why not found.
    fn prq_lookup(&mut self, pasid: Ioasid) -> Result<Option<Name>, Refusal> {
        self.log.line("prq.find");
        let set = if self.knobs.wildcard_fault_lookup {
            None
        } else {
            Some(name(SVA_SET))
        };
        self.log.quiet += 1;
        let found = self.find(set.as_ref(), pasid, None);
        self.log.quiet -= 1;
        match found {
            Err(e) => Err((
                FaultStage::Lookup,
                format!("find returned {}: {}", e.name(), e.meaning()),
            )),
            Ok(None) => Err((
                FaultStage::Lookup,
                format!("PASID {pasid} has no data (allocated, not bound)"),
            )),
            Ok(Some(Data::Mm(mm))) => Ok(Some(mm)),
            Ok(Some(other)) => {
                let label = other.label();
                self.log.line("prq.no_mm");
                self.hazard_created(HazardKind::WrongDataType, pasid, || {
                    format!("the wildcard lookup of PASID {pasid} returned {label}: VT-d's thread takes it for an intel_svm and reads a struct of another type")
                });
                Ok(None)
            }
        }
    }

    /// Past the lookup, VT-d's thread: `mmget_not_zero` on the svm's mm, then the
    /// address and the rights, then the page is made present.
    fn prq_serve(&mut self, req: &PageRequest, mm: Name) -> Result<Name, Refusal> {
        self.log.line("prq.mm");
        if !self.mms.get(&mm).is_some_and(|m| m.alive) {
            self.log.line("prq.mm_dead");
            return Err((
                FaultStage::Getter,
                format!("mmget_not_zero failed: mm {mm} is exiting"),
            ));
        }
        self.make_present(req, mm)
    }

    /// VT-d's thread looks the device up among the svm's devices only for its driver
    /// callback: a device not bound to the PASID's mm is served all the same, after a
    /// bare `WARN_ON` (the model does not know its line, so it records a hazard).
    fn prq_device_check(&mut self, device: &Name, pasid: Ioasid, mm: Name) {
        let bound = self
            .devices
            .get(device)
            .is_some_and(|d| d.bonds.contains_key(&mm));
        if !bound {
            self.log.line("prq.no_sdev");
            self.hazard_created(HazardKind::UnboundDeviceServed, pasid, || {
                format!("{device} is not bound to mm {mm}, yet its request for PASID {pasid} was handled in mm {mm}'s address space (the kernel only warns: a WARN_ON with no text)")
            });
        }
    }

    /// The generic handler: requests in order, errors sticky, one response from the
    /// last request, SUCCESS or INVALID. From v6.2 (`global_pasid`) the domain is
    /// looked up once, when the work runs, at the last request's PASID, and every
    /// request goes to its handler.
    fn handle_iopf_group(&mut self, g: FaultGroup) -> Response {
        self.log.line("iopf.group");
        let domain: Option<Result<Name, Refusal>> =
            self.knobs.global_pasid.then(|| self.group_domain(&g));
        let mut failed = false;
        let mut served: Option<Name> = None;
        let mut why: Option<String> = None;
        for req in g.requests.iter() {
            if failed {
                self.log.line("iopf.sticky");
                self.fault_step(
                    &g.device,
                    g.group,
                    req,
                    FaultStage::Skipped,
                    false,
                    "an earlier request of the group failed: skipped".into(),
                    false,
                );
                continue;
            }
            let result = match &domain {
                Some(Err(refusal)) => Err(refusal.clone()),
                Some(Ok(mm)) => self.sva_handle_iopf(req, *mm),
                None => self.handle_request(req),
            };
            match result {
                Ok(mm) => {
                    let detail = self.served_detail(req, mm);
                    let stale = self.stale(req).is_some();
                    if stale {
                        self.hazard_stale_served(req, mm);
                    }
                    self.fault_step(
                        &g.device,
                        g.group,
                        req,
                        FaultStage::Done,
                        true,
                        detail,
                        stale,
                    );
                    served = Some(mm);
                }
                Err((stage, reason)) => {
                    self.fault_step(&g.device, g.group, req, stage, false, reason.clone(), false);
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
        self.explain_response(&response, why);
        response
    }

    /// The narration of a response.
    fn explain_response(&mut self, response: &Response, why: Option<String>) {
        let (group, device, code) = (response.group, response.device, response.code);
        let mm = response.mm;
        self.log.explain(|| match (mm, why) {
            (Some(mm), _) => format!("group {group} of {device}: SUCCESS, served by mm {mm}"),
            (None, Some(why)) => format!("group {group} of {device}: {code:?}, because {why}"),
            (None, None) => format!("group {group} of {device}: {code:?}"),
        });
    }

    /// What a served request did, in words (and the stale warning, if it was).
    fn served_detail(&mut self, req: &PageRequest, mm: Name) -> String {
        match self.stale(req) {
            None => format!("the page is made present in mm {mm}"),
            Some(was) => {
                let pasid = req.pasid.unwrap_or_default();
                self.log.explain(|| format!(
                    "stale request: it was sent for {was}, but PASID {pasid} was freed and handed out again since, so it was served in mm {mm}"
                ));
                format!("the page is made present in mm {mm}, but the request was sent for {was}: PASID {pasid} was freed and handed out again since, so a page of mm {mm} is made present for an access the device made for another process")
            }
        }
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

    #[allow(clippy::too_many_arguments)]
    fn fault_step(
        &mut self,
        device: &Name,
        group: u32,
        req: &PageRequest,
        stage: FaultStage,
        ok: bool,
        detail: String,
        stale: bool,
    ) {
        self.log.event(|| Event::FaultStep {
            device: *device,
            group,
            pasid: req.pasid,
            addr: req.addr,
            access: req.perm.words(),
            stage,
            ok,
            detail,
            stale,
        });
    }

    /// v6.2+ `iopf_handler`: the domain attached at the group's last request's PASID,
    /// looked up once for the whole group when the work runs. Its mm if it is an SVA
    /// domain; a domain without a fault handler, or none, fails the group.
    fn group_domain(&mut self, g: &FaultGroup) -> Result<Name, Refusal> {
        self.log.line("iopf.domain");
        // A request without a PASID carries 0 in the fault record.
        let pasid = g.requests.last().and_then(|r| r.pasid).unwrap_or(0);
        match self.attachments.get(&(g.device, pasid)) {
            None => {
                self.log.line("iopf.no_domain");
                Err((
                    FaultStage::Domain,
                    format!("no domain attached at PASID {pasid}, the last request's"),
                ))
            }
            Some(DomainRef::Domain(d)) => {
                let d = *d;
                self.log.line("iopf.no_handler");
                Err((
                    FaultStage::Handler,
                    format!("domain {d} has no page-fault handler"),
                ))
            }
            Some(DomainRef::Sva(mm)) => Ok(*mm),
        }
    }

    /// v6.6 `iommu_sva_handle_iopf` with the SVA domain's mm: PASID, `mmget_not_zero`,
    /// then the address and the rights.
    fn sva_handle_iopf(&mut self, req: &PageRequest, mm: Name) -> Result<Name, Refusal> {
        if req.pasid.is_none() {
            self.log.line("iopf.no_pasid");
            return Err((FaultStage::NoPasid, "no PASID: nothing to resolve".into()));
        }
        if !self.mms.get(&mm).is_some_and(|m| m.alive) {
            self.log.line("iopf.mm_exiting");
            return Err((FaultStage::Getter, format!("mm {mm} is exiting")));
        }
        self.make_present(req, mm)
    }

    /// One request of the generic handler of v5.13-v6.1: PASID -> `iommu_sva_find`
    /// (the SVA set, the mm getter) -> mapping -> rights. The mm that served it, or
    /// where and why it stopped.
    fn handle_request(&mut self, req: &PageRequest) -> Result<Name, Refusal> {
        let Some(pasid) = req.pasid else {
            self.log.line("iopf.no_pasid");
            return Err((FaultStage::NoPasid, "no PASID: nothing to resolve".into()));
        };
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
        let mm = match found {
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
                        let label = other.label();
                        self.hazard_created(HazardKind::WrongDataType, pasid, || {
                            format!("the wildcard lookup of PASID {pasid} returned {label}: the handler's getter reads it as an mm")
                        });
                        (
                            FaultStage::Lookup,
                            format!(
                                "a wildcard lookup returned {label}: the handler takes it for an mm and its getter reads a struct of another type"
                            ),
                        )
                    }
                });
            }
        };
        self.make_present(req, mm)
    }

    /// `find_extend_vma` / `vma_lookup`, the rights, `handle_mm_fault`: the same in
    /// every handler.
    fn make_present(&mut self, req: &PageRequest, mm: Name) -> Result<Name, Refusal> {
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
