//! The page-request path: reporting a request, and the handlers.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match f {
        Func::PageRequest => REPORT,
        Func::FaultHandler => HANDLER,
        Func::DomainFaultHandler => DOMAIN_HANDLER,
        _ => return None,
    };
    Some((Source::of(f, era), text))
}

const REPORT: &str = "\
[iopf.report] int iommu_queue_iopf(fault, dev)
{
[+iopf.hold] \tif (!(fault->prm.flags & LAST_PAGE)) {
[iopf.hold] \t\tlist_add(&iopf->list, &dev->partial);  /* held until the last */
[+iopf.hold] \t\treturn 0;
\t}
[iopf.form] \tgroup = requests of dev->partial with this grpid + this one;
[iopf.queue] \tqueue_work(iopf_wq, &group->work);
[+iopf.queue] \treturn 0;
}
[iopf.overflow] iopf_queue_discard_partial(dev): drop held partial requests";

/// The handler's loop up to the PASID check, with `$work` the header line's comment.
macro_rules! handler_head {
    ($work:literal) => {
        concat!(
            "[iopf.flush] iopf_queue_flush_dev(dev): run dev's queued groups now, then:\n",
            "[iopf.work] static void iopf_handle_group(work)", $work, "\n",
            "{\n",
            "[iopf.group] \tlist_for_each_entry(iopf, &group->faults, list) {\n",
            "[iopf.sticky] \t\tif (status != IOMMU_PAGE_RESP_SUCCESS) continue;   /* errors are sticky */\n",
            "[iopf.no_pasid] \t\tif (!(iopf->flags & PASID_VALID)) { status = INVALID; continue; }\n",
        )
    };
}

/// The handler from the mm's address lookup to the response: the same in both eras.
macro_rules! handler_tail {
    () => {
        concat!(
            "[iopf.vma] \t\tvma = find_extend_vma(mm, iopf->addr);\n",
            "[iopf.no_vma] \t\tif (!vma) { status = INVALID; continue; }\n",
            "[iopf.perm] \t\tif (access not allowed by vma) { status = INVALID; continue; }\n",
            "[iopf.fixup] \t\thandle_mm_fault(vma, iopf->addr, flags);   /* page made present */\n",
            "\t}\n",
            "[iopf.respond] \tiopf_complete_group(dev, &group->last_fault, status);  /* one response */\n",
            "}",
        )
    };
}

const HANDLER: &str = concat!(
    handler_head!(""),
    "[iopf.find] \t\tmm = iommu_sva_find(iopf->pasid);    /* ioasid_find(&sva_set, pasid, mmget) */\n",
    "[iopf.no_mm] \t\tif (IS_ERR_OR_NULL(mm)) { status = INVALID; continue; }\n",
    handler_tail!(),
);

const DOMAIN_HANDLER: &str = concat!(
    handler_head!("   /* v6.2+: no PASID -> mm lookup */"),
    "[iopf.domain] \t\tdomain = iommu_get_domain_for_dev_pasid(dev, iopf->pasid);\n",
    "[iopf.no_domain] \t\tif (!domain) { status = INVALID; continue; }\n",
    "[iopf.no_handler] \t\tif (!domain->iopf_handler) { status = INVALID; continue; }   /* not an SVA domain */\n",
    "[+iopf.mm_exiting|iopf.vma] \t\tmm = domain->mm;                        /* the SVA domain's handler */\n",
    "[iopf.mm_exiting] \t\tif (!mmget_not_zero(mm)) { status = INVALID; continue; }\n",
    handler_tail!(),
);
