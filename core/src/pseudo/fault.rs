//! The page-request path: reporting a request, and the handlers, per era.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
//! - v5.5, v5.11: VT-d's own `prq_event_thread` (intel-svm.c, then intel/svm.c), which
//!   handles each request alone; there is no generic handler yet (it came in v5.13).
//! - v5.18: VT-d's thread checks each request, then io-pgfault's `iommu_queue_iopf`
//!   holds and groups them and `iopf_handle_group` handles each group.
//! - v6.6: the same front end; `iopf_handler` looks the group's domain up once.
//! - ext, improved: the generic handler, as the model runs it (no VT-d front end).
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match (f, era) {
        (Func::PageRequest, Era::V5_5) => PRQ_REPORT_V5_5,
        (Func::PageRequest, Era::V5_11) => PRQ_REPORT_V5_11,
        (Func::PageRequest, Era::V5_18) => REPORT_V5_18,
        (Func::PageRequest, Era::V6_6) => REPORT_V6_6,
        (Func::PageRequest, Era::Ext | Era::Improved) => REPORT,
        (Func::FaultHandler, Era::V5_5) => PRQ_THREAD_V5_5,
        (Func::FaultHandler, Era::V5_11) => PRQ_THREAD_V5_11,
        (Func::FaultHandler, _) => HANDLER,
        (Func::DomainFaultHandler, _) => DOMAIN_HANDLER,
        _ => return None,
    };
    Some((source(f, era), text))
}

/// Where the listing's code is: the default source of the function, with the line of
/// v6.6's io-pgfault.c functions.
fn source(f: Func, era: Era) -> Source {
    let mut s = match (f, era) {
        (Func::PageRequest, Era::V5_18 | Era::V6_6) => Source::at(
            "drivers/iommu/io-pgfault.c",
            "iommu_queue_iopf(), behind VT-d's prq_event_thread() (drivers/iommu/intel/svm.c)",
            era,
        ),
        (Func::DomainFaultHandler, Era::V6_6) => Source::at(
            "drivers/iommu/io-pgfault.c",
            "iopf_handler() and iommu_sva_handle_iopf() (drivers/iommu/iommu-sva.c)",
            era,
        ),
        _ => Source::of(f, era),
    };
    let line = match (f, era) {
        (Func::PageRequest, Era::V6_6) => "#L121",
        (Func::DomainFaultHandler, Era::V6_6) => "#L51",
        _ => "",
    };
    s.url = s.url.map(|u| u + line);
    s
}

/// v5.5: the hardware side; the thread is `PRQ_THREAD_V5_5`.
const PRQ_REPORT_V5_5: &str = "\
[prq.report] /* the device's page request is written at the tail of the IOMMU's page
[+prq.report]  * request queue (PRQ); the PRQ interrupt wakes prq_event_thread(), which
[+prq.report]  * reads the queue from head to tail: in the model, at run_faults */
[prq.overflow] /* PRQ full: the hardware sets the overflow bit; v5.5 never clears it */";

/// v5.11: as v5.5; the thread clears the overflow bit, without a word.
const PRQ_REPORT_V5_11: &str = "\
[prq.report] /* the device's page request is written at the tail of the IOMMU's page
[+prq.report]  * request queue (PRQ); the PRQ interrupt wakes prq_event_thread(), which
[+prq.report]  * reads the queue from head to tail: in the model, at run_faults */
[prq.overflow] /* PRQ full: the hardware sets the overflow bit; nothing is held, so nothing is lost */
[+prq.overflow] if (readl(iommu->reg + DMAR_PRS_REG) & DMA_PRS_PRO)
[+prq.overflow] \twritel(DMA_PRS_PRO, iommu->reg + DMAR_PRS_REG);   /* cleared, no log line */";

/// VT-d's own thread, from the flush to the response; `$warn` is the era's check of
/// the device.
macro_rules! prq_thread {
    ($warn:literal) => {
        concat!(
            "[iopf.flush] /* flush (the model): the thread runs now for dev's queued requests */\n",
            "[iopf.work] static irqreturn_t prq_event_thread(int irq, void *d)\n",
            "{\n",
            "[+iopf.work] \twhile (head != tail) {\n",
            "[prq.req] \t\treq = &iommu->prq[head / sizeof(*req)];\n",
            "[+prq.req] \t\tresult = QI_RESP_FAILURE;           /* until a PASID is found */\n",
            "[iopf.no_pasid] \t\tif (!req->pasid_present) { pr_err(\"%s: Page request without PASID: %08llx %08llx\\n\", ...); goto no_pasid; }\n",
            "[prq.find] \t\tsvm = ioasid_find(NULL, req->pasid, NULL);   /* any set, no getter */\n",
            "[prq.no_svm] \t\tif (IS_ERR_OR_NULL(svm)) { pr_err(\"%s: Page request for invalid PASID %d: %08llx %08llx\\n\", ...); goto no_pasid; }\n",
            "[prq.no_mm] \t\t/* the private data is taken for a struct intel_svm, whoever stored it */\n",
            "[prq.mm] \t\tresult = QI_RESP_INVALID;\n",
            "\t\tif (!svm->mm || !is_canonical_address(address)) goto bad_req;   /* not modelled */\n",
            "[prq.mm_dead] \t\tif (!mmget_not_zero(svm->mm)) goto bad_req;   /* the process is exiting */\n",
            "[iopf.vma] \t\tvma = find_extend_vma(svm->mm, address);\n",
            "[iopf.no_vma] \t\tif (!vma || address < vma->vm_start) goto invalid;\n",
            "[iopf.perm] \t\tif (access_error(vma, req)) goto invalid;\n",
            "[iopf.fixup] \t\thandle_mm_fault(vma, address, flags); result = QI_RESP_SUCCESS;\n",
            "\tbad_req:\n",
            $warn, "\n",
            "\tno_pasid:\n",
            "[iopf.respond] \t\tif (req->lpig || req->priv_data_present) qi_submit_sync(page group response, result);   /* this request's own result */\n",
            "[+iopf.work] \t\thead = (head + sizeof(*req)) & PRQ_RING_MASK;   /* next request: no group, nothing sticky */\n",
            "\t}\n",
            "}",
        )
    };
}

const PRQ_THREAD_V5_5: &str = prq_thread!(
    "[prq.no_sdev] \t\tsdev = svm's device with req->rid; if (WARN_ON(none)) sdev = NULL;   /* served all the same */"
);

const PRQ_THREAD_V5_11: &str = prq_thread!(
    "[prq.no_sdev] \t\tWARN_ON(!sdev);   /* the svm's device with req->rid: served all the same */"
);

/// The generic `iommu_queue_iopf`, from its entry to the queueing.
macro_rules! queue_iopf {
    () => {
        concat!(
            "[iopf.report] int iommu_queue_iopf(fault, dev)\n",
            "{\n",
            "[+iopf.hold] \tif (!(fault->prm.flags & LAST_PAGE)) {\n",
            "[iopf.hold] \t\tlist_add(&iopf->list, &dev->partial);  /* held until the last */\n",
            "[+iopf.hold] \t\treturn 0;\n",
            "\t}\n",
            "[iopf.form] \tgroup = requests of dev->partial with this grpid + this one;\n",
            "[iopf.queue] \tqueue_work(iopf_wq, &group->work);\n",
            "[+iopf.queue] \treturn 0;\n",
            "}\n",
        )
    };
}

/// ext, improved: the generic handler with no VT-d front end.
const REPORT: &str = concat!(
    queue_iopf!(),
    "[iopf.overflow] iopf_queue_discard_partial(queue): drop the held partial requests of every device"
);

/// VT-d's page-request thread in front of the generic queue (v5.16-v6.6): its checks,
/// `$find` (how the era finds the request's device), then the queue and the overflow.
macro_rules! vtd_front_end {
    ($($find:literal),*) => {
        concat!(
        "[vtd.check] prq_event_thread(): for each request in the page request queue:   /* intel/svm.c */\n",
        "[vtd.no_pasid] \tif (!req->pasid_present) { pr_err(\"IOMMU: %s: Page request without PASID\\n\"); goto bad_req; }\n",
        "\tif (!is_canonical_address(address) || privileged or exec request) goto bad_req;   /* not modelled */\n",
            $($find,)*
        "[+iopf.report] \tintel_svm_prq_report() -> iommu_report_device_fault() -> iommu_queue_iopf();\n",
        "[vtd.bad] bad_req: handle_bad_prq_event(): pr_err(\"%s: Invalid page request: %08llx %08llx\\n\"); INVALID if LPIG\n",
        queue_iopf!(),
        "[iopf.overflow] PRQ overflow: pr_info(\"IOMMU: %s: PRQ overflow detected\\n\");\n",
        "[+iopf.overflow] \tiopf_queue_discard_partial(iommu->iopf_queue);   /* every device's partials */\n",
        "[+iopf.overflow] \tpr_info(\"IOMMU: %s: PRQ overflow cleared\");"
        )
    };
}

/// v5.18: VT-d's checks (intel/svm.c, v5.16-v6.1), then the generic queue.
const REPORT_V5_18: &str = vtd_front_end!(
    "[vtd.no_svm] \tsvm = pasid_private_find(req->pasid); if (IS_ERR_OR_NULL(svm)) goto bad_req;\n",
    "[vtd.no_sdev] \tsdev = svm_lookup_device_by_sid(svm, req->rid); if (!sdev) goto bad_req;\n"
);

/// v6.6: VT-d's checks (no PASID -> mm lookup any more: the device by requester ID),
/// then the generic queue.
const REPORT_V6_6: &str =
    vtd_front_end!("\tdev = the device with requester ID req->rid; if (!dev) goto bad_req;\n");

/// v5.13-v6.1 `iopf_handle_group` (v5.18), and ext/improved as the model runs them.
const HANDLER: &str = concat!(
    "[iopf.flush] iopf_queue_flush_dev(dev): run dev's queued groups now, then:\n",
    "[iopf.work] static void iopf_handle_group(struct work_struct *work)\n",
    "{\n",
    "[iopf.group] \tlist_for_each_entry(iopf, &group->faults, list) {\n",
    "[iopf.sticky] \t\tif (status != IOMMU_PAGE_RESP_SUCCESS) continue;   /* errors are sticky */\n",
    "[iopf.no_pasid] \t\tif (!(iopf->flags & PASID_VALID)) { status = INVALID; continue; }\n",
    "[iopf.find] \t\tmm = iommu_sva_find(iopf->pasid);    /* ioasid_find(&sva_set, pasid, mmget) */\n",
    "[iopf.no_mm] \t\tif (IS_ERR_OR_NULL(mm)) { status = INVALID; continue; }\n",
    "[iopf.vma] \t\tvma = find_extend_vma(mm, iopf->addr);\n",
    "[iopf.no_vma] \t\tif (!vma) { status = INVALID; continue; }\n",
    "[iopf.perm] \t\tif (access not allowed by vma) { status = INVALID; continue; }\n",
    "[iopf.fixup] \t\thandle_mm_fault(vma, iopf->addr, flags);   /* page made present */\n",
    "\t}\n",
    "[iopf.respond] \tiopf_complete_group(dev, &group->last_fault, status);  /* one response */\n",
    "}",
);

/// v6.2-v6.6 `iopf_handler`: the domain once per group, then its handler per request.
const DOMAIN_HANDLER: &str = concat!(
    "[iopf.flush] iopf_queue_flush_dev(dev): run the queued groups now, then:\n",
    "[iopf.work] static void iopf_handler(struct work_struct *work)\n",
    "{\n",
    "[iopf.domain] \tdomain = iommu_get_domain_for_dev_pasid(dev, group->last_fault.fault.prm.pasid, 0);   /* once, the last request's PASID */\n",
    "[iopf.no_domain] \tif (!domain) status = IOMMU_PAGE_RESP_INVALID;\n",
    "[iopf.no_handler] \telse if (!domain->iopf_handler) status = IOMMU_PAGE_RESP_INVALID;   /* not an SVA domain */\n",
    "[iopf.group] \tlist_for_each_entry_safe(iopf, next, &group->faults, list) {\n",
    "[iopf.sticky] \t\tif (status != IOMMU_PAGE_RESP_SUCCESS) continue;   /* errors are sticky */\n",
    "[+iopf.no_pasid|iopf.mm_exiting|iopf.vma] \t\tstatus = domain->iopf_handler(&iopf->fault, domain->fault_data);   /* iommu_sva_handle_iopf(): */\n",
    "[iopf.no_pasid] \t\t  if (!(prm->flags & PASID_VALID)) return INVALID;\n",
    "[+iopf.mm_exiting|iopf.vma] \t\t  mm = domain->mm;\n",
    "[iopf.mm_exiting] \t\t  if (!mmget_not_zero(mm)) return INVALID;\n",
    "[iopf.vma] \t\t  vma = vma_lookup(mm, prm->addr);\n",
    "[iopf.no_vma] \t\t  if (!vma) return INVALID;\n",
    "[iopf.perm] \t\t  if (access not allowed by vma) return INVALID;\n",
    "[iopf.fixup] \t\t  handle_mm_fault(vma, prm->addr, flags, NULL); return SUCCESS;\n",
    "\t}\n",
    "[iopf.respond] \tiopf_complete_group(dev, &group->last_fault, status);  /* one response */\n",
    "}",
);
