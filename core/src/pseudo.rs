//! Our own kernel-style pseudo-code of each function a step runs, written for this
//! project (not kernel source). Lines that the model reports as run carry a stable id
//! (`[alloc.custom]` below); the trace lists the ids a step ran, in order.
use serde::{Deserialize, Serialize};

/// The kernel function a step runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Func {
    IoasidAlloc,
    IoasidFree,
    IoasidFind,
    IoasidSetData,
    IoasidGetPut,
    RegisterAllocator,
    UnregisterAllocator,
    VcmdHost,
    SetAlloc,
    SetPrivateIds,
    RcuReader,
    Process,
    SvaBind,
    SvaUnbind,
    PageRequest,
    FaultHandler,
    /// v6.2+: faults routed by the (device, PASID) attachment to a domain's handler.
    DomainFaultHandler,
    GlobalPasid,
}

/// One line of a listing.
///
/// In the source, `[id] text` is a line the model reports when it runs it (a
/// condition: when its branch is taken); `[+a|b] text` is straight-line code that runs
/// whenever one of the reported lines `a`, `b` ran (a lock, a load, a `return`); a line
/// with neither (a brace, a comment, a branch never modelled) is never marked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PseudoLine {
    /// The line's id, if the model reports it.
    pub id: Option<&'static str>,
    /// For straight-line code: the reported lines it runs with, `|`-separated.
    pub with: Option<&'static str>,
    pub text: &'static str,
}

impl PseudoLine {
    /// Whether this line ran, given the ids the step reported.
    pub fn ran(&self, reported: &[&str]) -> bool {
        match (self.id, self.with) {
            (Some(id), _) => reported.contains(&id),
            (None, Some(with)) => with.split('|').any(|a| reported.contains(&a)),
            (None, None) => false,
        }
    }
}

impl Func {
    /// The kernel's name for the function.
    pub fn title(self) -> &'static str {
        match self {
            Func::IoasidAlloc => "ioasid_alloc()",
            Func::IoasidFree => "ioasid_free()",
            Func::IoasidFind => "ioasid_find()",
            Func::IoasidSetData => "ioasid_set_data() / attach_data() / detach_data()",
            Func::IoasidGetPut => "ioasid_get() / ioasid_put()",
            Func::RegisterAllocator => "ioasid_register_allocator()",
            Func::UnregisterAllocator => "ioasid_unregister_allocator()",
            Func::VcmdHost => "the host's vcmd PASID allocator",
            Func::SetAlloc => "ioasid_set_alloc() / ioasid_set_put() / notifiers",
            Func::SetPrivateIds => "ioasid_attach_spid() / find_by_spid() / get_if_owned()",
            Func::RcuReader => "rcu_read_lock(); ioasid_find(); rcu_read_unlock()",
            Func::Process => "process (mm) lifetime",
            Func::SvaBind => "iommu_sva_bind_device()",
            Func::SvaUnbind => "iommu_sva_unbind_device()",
            Func::PageRequest => "iommu_report_device_fault()",
            Func::FaultHandler => "iopf_handle_group()",
            Func::DomainFaultHandler => "v6.6: iopf_handle_group() and the SVA domain's handler",
            Func::GlobalPasid => "v6.6: global PASIDs and iommu_attach_device_pasid()",
        }
    }

    /// The listing, parsed from its source text.
    pub fn listing(self) -> Vec<PseudoLine> {
        source(self)
            .lines()
            .map(
                |line| match line.strip_prefix('[').and_then(|l| l.split_once("] ")) {
                    Some((with, text)) if with.starts_with('+') => PseudoLine {
                        id: None,
                        with: Some(&with[1..]),
                        text,
                    },
                    Some((id, text)) => PseudoLine {
                        id: Some(id),
                        with: None,
                        text,
                    },
                    None => PseudoLine {
                        id: None,
                        with: None,
                        text: line,
                    },
                },
            )
            .collect()
    }
}

fn source(f: Func) -> &'static str {
    match f {
        Func::IoasidAlloc => ALLOC,
        Func::IoasidFree => FREE,
        Func::IoasidFind => FIND,
        Func::IoasidSetData => SET_DATA,
        Func::IoasidGetPut => GET_PUT,
        Func::RegisterAllocator => REGISTER,
        Func::UnregisterAllocator => UNREGISTER,
        Func::VcmdHost => HOST,
        Func::SetAlloc => SETS,
        Func::SetPrivateIds => SPIDS,
        Func::RcuReader => RCU,
        Func::Process => PROCESS,
        Func::SvaBind => BIND,
        Func::SvaUnbind => UNBIND,
        Func::PageRequest => REPORT,
        Func::FaultHandler => HANDLER,
        Func::DomainFaultHandler => DOMAIN_HANDLER,
        Func::GlobalPasid => GLOBAL,
    }
}

const ALLOC: &str = "\
[alloc.enter] ioasid_t ioasid_alloc(set, min, max, private)
{
[alloc.bad_range] \tif (min > max || max == INVALID_IOASID) return INVALID_IOASID;
[alloc.quota] \tif (set->quota && set->nr_ioasids >= set->quota) return INVALID_IOASID;   /* extensions */
[alloc.set_dying] \tif (set->state == FREE_PENDING) return INVALID_IOASID;   /* extensions: the set is going */
[+alloc.custom|alloc.default] \tdata = kzalloc(sizeof(*data)); data->set = set; data->private = private;
[+alloc.custom|alloc.default] \tspin_lock(&ioasid_allocator_lock);
[alloc.custom] \tif (active_allocator is custom) {
[vcmd.alloc] \t\tid = active->ops->alloc(min, max, active->ops->pdata);
[vcmd.no_pasid] \t\tif (id == INVALID_IOASID) goto error;   /* range refused, or the host has no PASID */
[alloc.range_check] \t\t/* improved: if (id < min || id > max) { ops->free(id); goto error; } */
[alloc.store_exact] \t\tmin = max = id;        /* storage only: record exactly id */
\t}
[alloc.default] \tret = xa_alloc(&active->xa, &id, data, XA_LIMIT(min, max));
[alloc.full] \tif (ret) {             /* -EBUSY: the range is full, or id is taken */
[alloc.rollback] \t\tif (custom) active->ops->free(id, pdata);  /* frees it at the backend! */
[alloc.refuse_dup] \t\t/* improved: no backend free: the first owner keeps its PASID */
[+alloc.full] \t\tgoto error;
\t}
[alloc.store] \tdata->id = id;
[+alloc.store] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.store] \treturn id;
[+alloc.full|vcmd.no_pasid|alloc.range_check|alloc.refuse_dup] error:
[+alloc.full|vcmd.no_pasid|alloc.range_check|alloc.refuse_dup] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.full|vcmd.no_pasid|alloc.range_check|alloc.refuse_dup] \tkfree(data);
[+alloc.full|vcmd.no_pasid|alloc.range_check|alloc.refuse_dup] \treturn INVALID_IOASID;
}";

const FREE: &str = "\
[free.enter] void ioasid_free(set, ioasid)
{
[+free.enter] \tspin_lock(&ioasid_allocator_lock);
[+free.enter] \tdata = xa_load(&active->xa, ioasid);
[free.unknown] \tif (!data) { pr_err(\"Trying to free unknown IOASID %u\", ioasid); goto out; }
[free.owner] \tif (set && data->set != set) goto out;           /* extensions only */
[free.dec] \tif (!refcount_dec_and_test(&data->refs)) {   /* v5.11+: still referenced */
[free.pending] \t\tdata->state = FREE_PENDING; notify(FREE);   /* extensions */
[+free.dec] \t\tgoto out;
\t}
[free.quarantine] \tif (pending_faults(ioasid)) { data->state = QUARANTINED; goto out; } /* improved: the backend free waits too */
[free.backend] \tif (active is custom) active->ops->free(ioasid, pdata);  /* backend first */
[vcmd.skip] \t\t/* vcmd: if (ioasid_find(NULL, ioasid, NULL)) skip the host free; (data attached: it leaks) */
[vcmd.free] \t\t/* vcmd: else send VCMD_FREE to the host */
[free.erase] \txa_erase(&active->xa, ioasid);  /* then erase: the ID is free at once */
[+free.erase] \tkfree_rcu(data, rcu);
[+free.enter] out:
[+free.enter] \tspin_unlock(&ioasid_allocator_lock);
}";

const FIND: &str = "\
[find.enter] void *ioasid_find(set, ioasid, bool (*getter)(void *))
{
[+find.enter] \trcu_read_lock();
[+find.enter] \tdata = xa_load(&active->xa, ioasid);
[find.enoent] \tif (!data) { priv = ERR_PTR(-ENOENT); goto unlock; }
[find.eacces] \tif (set && data->set != set) { priv = ERR_PTR(-EACCES); goto unlock; }
[find.deref] \tpriv = rcu_dereference(data->private);
[find.getter_null] \tif (getter && !getter(priv)) priv = NULL;  /* kernel: before the NULL check */
[find.no_data] \tif (!priv) goto unlock;                  /* allocated, not yet bound */
[find.getter] \tif (getter && !getter(priv)) priv = NULL;  /* improved: only with data */
[find.found] unlock:
[+find.found] \trcu_read_unlock();
[+find.found] \treturn priv;
}";

const SET_DATA: &str = "\
[set_data.enter] int ioasid_set_data(ioasid, data)
{
[+set_data.enter] \tspin_lock(&ioasid_allocator_lock);
[+set_data.enter] \tioasid_data = xa_load(&active->xa, ioasid);
[set_data.enoent] \tif (!ioasid_data) { ret = -ENOENT; goto out; }
[set_data.busy] \tif (ioasid_data->private && data) { ret = -EBUSY; goto out; }  /* extensions */
[set_data.publish] \trcu_assign_pointer(ioasid_data->private, data);
[+set_data.publish] \tspin_unlock(&ioasid_allocator_lock);
[set_data.sync] \tsynchronize_rcu();   /* wait for readers that may see the old value */
[set_data.return] \treturn 0;          /* at once, or when the last reader is out */
[+set_data.enoent|set_data.busy] out:
[+set_data.enoent|set_data.busy] \tspin_unlock(&ioasid_allocator_lock);
[+set_data.enoent|set_data.busy] \treturn ret;
}";

const GET_PUT: &str = "\
[get.enter] int ioasid_get(set, ioasid)
{
[+get.enter] \tdata = xa_load(&active->xa, ioasid);
[get.unknown] \tif (!data) { pr_warn(\"unknown IOASID %u\", ioasid); return -ENOENT; }
[get.eacces] \tif (set && data->set != set) return -EACCES;       /* extensions */
[get.pending] \tif (data->state == FREE_PENDING) return -EBUSY;   /* extensions */
[get.inc] \trefcount_inc(&data->refs);
[+get.inc] \treturn 0;
}

[put.enter] bool ioasid_put(set, ioasid)
{
[+put.enter] \tdata = xa_load(&active->xa, ioasid);
[put.unknown] \tif (!data) { pr_err(\"unknown IOASID %u\", ioasid); return false; }
[put.eacces] \tif (set && data->set != set) return -EACCES;       /* extensions */
[put.dec] \tif (!refcount_dec_and_test(&data->refs)) return false;
[put.free] \tioasid_do_free(data);    /* backend free, then erase */
[+put.free] \treturn true;
}";

const REGISTER: &str = "\
[register.enter] int ioasid_register_allocator(ops)
{
[+register.enter] \tspin_lock(&ioasid_allocator_lock);
[register.dup] \tif (ops is already registered) { ret = -EEXIST; goto out; }
[register.first] \tif (list_empty(&allocators_list)) {
[register.eagain] \t\tif (!xa_empty(&default_allocator.xa)) { ret = -EAGAIN; goto out; }
[register.activate] \t\tactive_allocator = new allocator for ops;  /* active at once */
[+register.activate] \t\tgoto out;
\t}
[register.join] \tif (an allocator has the same alloc and free) { add ops to its group; goto out; }
[register.queue] \tlist_add_tail(new allocator for ops, &allocators_list);  /* inactive */
[+register.enter] out:
[+register.enter] \tspin_unlock(&ioasid_allocator_lock);
[+register.enter] \treturn ret;
}";

const UNREGISTER: &str = "\
[unregister.enter] void ioasid_unregister_allocator(ops)
{
[+unregister.enter] \tspin_lock(&ioasid_allocator_lock);
[unregister.none] \tif (ops is not registered) { pr_warn(\"%s is not registered\"); goto out; }
[unregister.member] \tif (ops's group has other members) {
[unregister.stale_pdata] \t\t/* ops was the primary: the group keeps calling with its pdata! */
[unregister.promote] \t\tif (ops was the primary) group->pdata = next->pdata;   /* improved */
[+unregister.member] \t\tlist_del(ops); goto out;
\t}
[unregister.last] \t/* ops is the last member of its group: the group goes */
[unregister.busy] \tif (!xa_empty(&group->xa)) { ret = -EBUSY; goto out; }   /* improved */
[unregister.orphan] \tif (!xa_empty(&group->xa)) pr_warn(\"Free ioasid allocator with IDs outstanding\");  /* orphaned */
[unregister.remove] \tlist_del(group); kfree(group);
[unregister.switch] \tif (group was active) active_allocator = next allocator ?: &default_allocator;
[+unregister.enter] out:
[+unregister.enter] \tspin_unlock(&ioasid_allocator_lock);
}";

const HOST: &str = "\
/* the host, answering a guest's virtual command */
[host.create] host PASID space [min, max], shared by every guest
[host.script] scripted answers are used first
[host.alloc] VCMD_ALLOC: id = lowest free in [min, max]; answer id or NO_PASID
[host.free] VCMD_FREE: release id; an unknown id is only logged";

const SETS: &str = "\
[set.create] struct ioasid_set *ioasid_set_alloc(token, quota, type)   /* before the extensions: a token */
{
[set.token] \tif (type == MM && a set for token exists) return ERR_PTR(-EEXIST);
[set.quota] \tif (quota > capacity_left) return ERR_PTR(-ENOSPC);   /* extensions */
[set.capacity] \tcapacity_left -= quota;                               /* extensions */
[set.done] \treturn set;
}

[set.free] int ioasid_set_put(set)
{
[set.busy] \tif (set->nr_ioasids) { set->state = FREE_PENDING; return -EBUSY; }   /* extensions */
[set.release] \tcapacity_left += set->quota; kfree(set);
}

[notify.register] int ioasid_register_notifier(set, nb)   /* priority: CPU > IOMMU > DEVICE */
[notify.call] atomic_notifier_call_chain(&set->nh, event, data)";

const SPIDS: &str = "\
[spid.attach] int ioasid_attach_spid(ioasid, spid)
{
[spid.taken] \tif (spid is already mapped in data->set) return -EINVAL;
[spid.store] \tdata->spid = spid;
}
[spid.find] ioasid_t ioasid_find_by_spid(set, spid)   /* guest PASID -> host PASID */

[owned.check] int ioasid_get_if_owned(ioasid)
{
[owned.eperm] \tif (data->set->token != current->mm) return -EPERM;   /* same QEMU process only */
[owned.get] \treturn ioasid_get(data->set, ioasid);
}";

const RCU: &str = "\
[rcu.lock] rcu_read_lock();
[find.enter] priv = ioasid_find(set, ioasid, NULL);   /* sees the old or the new value */
\t/* ... use priv ... */
[rcu.unlock] rcu_read_unlock();
[rcu.gp_end] /* the last reader out ends the writer's grace period */";

const PROCESS: &str = "\
[mm.create] mm = mm_alloc(); add its mappings (start, len, perm)
[mm.exit] exit_mmap(): mm->mm_users drops to zero; mmget_not_zero() now fails
[mm.free_pasid] mm_pasid_drop(mm);  /* v5.18+: the PASID lives as long as the mm */";

const BIND: &str = "\
[bind.enter] struct iommu_sva *iommu_sva_bind_device(dev, mm)
{
[+bind.enter] \tmutex_lock(&iommu_sva_lock);
[bind.share] \tif (mm->pasid is valid) {
[bind.range] \t\tif (mm->pasid < dev->min_pasid || mm->pasid > dev->max_pasid) return ERR_PTR(-EOVERFLOW);
[bind.get] \t\tioasid_get(mm->pasid);                 /* one more reference */
[+bind.alloc] \t} else {
[bind.alloc] \t\tmm->pasid = ioasid_alloc(&iommu_sva_pasid, dev->min_pasid, dev->max_pasid, mm);
[bind.nomem] \t\tif (mm->pasid == INVALID_IOASID) return ERR_PTR(-ENOMEM);
\t}
[bind.done] \tbond = driver->sva_bind(dev, mm);
[+bind.done] \tmutex_unlock(&iommu_sva_lock);
[+bind.done] \treturn bond;
}";

const UNBIND: &str = "\
[unbind.enter] void iommu_sva_unbind_device(handle)
{
[unbind.drain] \tiopf_queue_flush_dev(dev);     /* drain page requests for the PASID */
[+unbind.drain] \tdriver->sva_unbind(handle);
[unbind.put] \tioasid_put(mm->pasid);             /* v5.11: frees at zero */
[unbind.free] \tif (last bond of mm) ioasid_free(mm->pasid);   /* v5.5 */
}";

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

const GLOBAL: &str = "\
[global.alloc] ioasid_t iommu_alloc_global_pasid(dev)   /* lowest free in [1, max_pasids - 1] */
[global.free] void iommu_free_global_pasid(pasid)
[global.bind] iommu_sva_bind_device(dev, mm): pasid = mm's global PASID; attach mm's SVA domain at (dev, pasid)
[global.attach] int iommu_attach_device_pasid(domain, dev, pasid)
{
[global.busy] \tif (xa_load(&group->pasid_array, pasid)) return -EBUSY;
[global.store] \txa_store(&group->pasid_array, pasid, domain);
}
[global.detach] void iommu_detach_device_pasid(domain, dev, pasid): xa_erase(&group->pasid_array, pasid)";

/// Every function with a listing.
pub const ALL_FUNCS: [Func; 18] = [
    Func::IoasidAlloc,
    Func::IoasidFree,
    Func::IoasidFind,
    Func::IoasidSetData,
    Func::IoasidGetPut,
    Func::RegisterAllocator,
    Func::UnregisterAllocator,
    Func::VcmdHost,
    Func::SetAlloc,
    Func::SetPrivateIds,
    Func::RcuReader,
    Func::Process,
    Func::SvaBind,
    Func::SvaUnbind,
    Func::PageRequest,
    Func::FaultHandler,
    Func::DomainFaultHandler,
    Func::GlobalPasid,
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn line_ids_are_unique_within_each_listing() {
        for f in ALL_FUNCS {
            let mut seen = HashSet::new();
            for l in f.listing() {
                if let Some(id) = l.id {
                    assert!(seen.insert(id), "{f:?} repeats line id {id}");
                }
            }
            assert!(!seen.is_empty(), "{f:?} has no line ids");
        }
    }

    #[test]
    fn straight_line_code_names_reported_lines_of_its_own_listing() {
        for f in ALL_FUNCS {
            let listing = f.listing();
            for l in &listing {
                for anchor in l.with.iter().flat_map(|w| w.split('|')) {
                    assert!(
                        listing.iter().any(|o| o.id == Some(anchor)),
                        "{f:?}: '{}' runs with {anchor}, which is not a line of it",
                        l.text
                    );
                }
            }
        }
    }
}
