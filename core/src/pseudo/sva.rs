//! Processes, SVA bind and unbind, and v6.6's global PASIDs, one listing per era.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is:
//! - v5.5: VT-d's own `intel_svm_bind_mm()` / `intel_svm_unbind_mm()`
//!   (drivers/iommu/intel-svm.c);
//! - v5.11: `iommu_sva_alloc_pasid()` / `iommu_sva_free_pasid()` of
//!   drivers/iommu/iommu-sva-lib.c, with `ioasid_get()` / `ioasid_put()`;
//! - v5.18: the same helper with no references and the `>=` off-by-one; the PASID is
//!   dropped with the mm (`__mmdrop()` in kernel/fork.c);
//! - v6.6: drivers/iommu/iommu-sva.c and the global PASID allocator of iommu.c;
//! - ext and improved: the v5.11 helper as the model runs it there.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    Some(match f {
        Func::Process => process(era),
        Func::SvaBind => bind(era),
        Func::SvaUnbind => unbind(era),
        Func::GlobalPasid => global(era),
        _ => return None,
    })
}

/// `Source::at` with a link to one line.
fn at_line(file: &'static str, function: &'static str, era: Era, line: u32) -> Source {
    let mut s = Source::at(file, function, era);
    s.url = s.url.map(|u| format!("{u}#L{line}"));
    s
}

fn process(era: Era) -> (Source, &'static str) {
    match era {
        Era::V5_18 => (
            at_line("kernel/fork.c", "__mmdrop() -> mm_pasid_drop()", era, 795),
            PROCESS_V5_18,
        ),
        Era::V6_6 => (
            at_line("drivers/iommu/iommu-sva.c", "mm_pasid_drop()", era, 206),
            PROCESS_V6_6,
        ),
        // rfc-2019's listings are pseudo/rfc.rs's: this arm is never asked for them.
        Era::Rfc2019 | Era::V5_5 | Era::V5_11 => (
            Source::at("kernel/fork.c", "mmput() / mmdrop()", era),
            PROCESS_OLD,
        ),
        Era::Ext | Era::Improved => (
            Source::at("kernel/fork.c", "mmput() / mmdrop()", era),
            PROCESS_OLD,
        ),
    }
}

fn bind(era: Era) -> (Source, &'static str) {
    match era {
        Era::Rfc2019 | Era::V5_5 => (
            Source::at("drivers/iommu/intel-svm.c", "intel_svm_bind_mm()", era),
            BIND_V5_5,
        ),
        Era::V5_11 => (
            Source::at(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_alloc_pasid()",
                era,
            ),
            BIND_V5_11,
        ),
        Era::V5_18 => (
            at_line(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_alloc_pasid()",
                era,
                30,
            ),
            BIND_V5_18,
        ),
        Era::V6_6 => (
            at_line(
                "drivers/iommu/iommu-sva.c",
                "iommu_sva_bind_device() / iommu_sva_alloc_pasid()",
                era,
                15,
            ),
            BIND_V6_6,
        ),
        Era::Ext => (
            Source::at(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_alloc_pasid() (v5.11, which the series builds on)",
                era,
            ),
            BIND_V5_11,
        ),
        Era::Improved => (
            Source::at(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_alloc_pasid()",
                era,
            ),
            BIND_IMPROVED,
        ),
    }
}

fn unbind(era: Era) -> (Source, &'static str) {
    match era {
        Era::Rfc2019 | Era::V5_5 => (
            Source::at("drivers/iommu/intel-svm.c", "intel_svm_unbind_mm()", era),
            UNBIND_V5_5,
        ),
        Era::V5_11 => (
            Source::at(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_free_pasid()",
                era,
            ),
            UNBIND_V5_11,
        ),
        Era::V5_18 => (
            Source::at(
                "drivers/iommu/intel/svm.c",
                "intel_svm_unbind() (the PASID stays with the mm)",
                era,
            ),
            UNBIND_V5_18,
        ),
        Era::V6_6 => (
            at_line(
                "drivers/iommu/iommu-sva.c",
                "iommu_sva_unbind_device()",
                era,
                124,
            ),
            UNBIND_V6_6,
        ),
        Era::Ext => (
            Source::at(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_free_pasid() (v5.11, which the series builds on)",
                era,
            ),
            UNBIND_V5_11,
        ),
        Era::Improved => (
            Source::at(
                "drivers/iommu/iommu-sva-lib.c",
                "iommu_sva_free_pasid()",
                era,
            ),
            UNBIND_V5_11,
        ),
    }
}

fn global(era: Era) -> (Source, &'static str) {
    match era {
        Era::V6_6 => (
            Source::at(
                "drivers/iommu/iommu.c",
                "iommu_alloc_global_pasid() / iommu_free_global_pasid() / iommu_attach_device_pasid()",
                era,
            ),
            GLOBAL_V6_6,
        ),
        _ => (
            Source::at(
                "drivers/iommu/iommu.c",
                "none in this era: iommu_attach_device_pasid() came with v6.2, iommu_alloc_global_pasid() with v6.5",
                era,
            ),
            GLOBAL_NONE,
        ),
    }
}

const PROCESS_OLD: &str = "\
[mm.create] mm = mm_alloc(); add its mappings (start, len, perm)
[mm.exit] exit_mmap(): mm->mm_users drops to zero; mmget_not_zero() now fails
/* the PASID is not the mm's: the last unbind frees it, exit does not */";

const PROCESS_V5_18: &str = "\
[mm.create] mm = mm_alloc(); mm_pasid_init(mm);       /* mm->pasid = INVALID_IOASID */
[mm.exit] exit_mmap(): mm->mm_users drops to zero; mmget_not_zero() now fails
[mm.held] /* a bound device's mmu notifier holds mm_count (mmgrab): no __mmdrop yet */
[mm.free_pasid] __mmdrop(mm): mm_pasid_drop(mm);      /* ioasid_free(mm->pasid); at the last mmdrop */";

const PROCESS_V6_6: &str = "\
[mm.create] mm = mm_alloc(); mm_pasid_init(mm);       /* mm->pasid = IOMMU_PASID_INVALID */
[mm.exit] exit_mmap(): mm->mm_users drops to zero; mmget_not_zero() now fails
[mm.held] /* each SVA domain holds mm_count (mmgrab in iommu_sva_domain_alloc) */
[mm.free_pasid] __mmdrop(mm): mm_pasid_drop(mm);      /* iommu_free_global_pasid(mm->pasid) */";

const BIND_V5_5: &str = "\
[bind.enter] int intel_svm_bind_mm(dev, &pasid, flags, ops)
{
[+bind.enter] \tpasid_max = pci_max_pasids(dev);          /* the device's PASID count */
[+bind.enter] \tmutex_lock(&pasid_mutex);
[bind.share] \tif (an intel_svm for this mm exists) {
[bind.range] \t\tif (svm->pasid >= pasid_max) { dev_warn(\"Limited PASID width. Cannot use existing PASID %d\"); ret = -ENOSPC; goto out; }
[+bind.share] \t\tif (dev already bound) { sdev->users++; goto success; }
[+bind.alloc] \t} else {
[bind.alloc] \t\tsvm->pasid = ioasid_alloc(NULL, PASID_MIN, pasid_max - 1, svm);   /* from 1: no lower bound from the caller */
[bind.nomem] \t\tif (svm->pasid == INVALID_IOASID) { ret = -ENOSPC; goto out; }
[+bind.alloc] \t\tmmu_notifier_register(&svm->notifier, mm);   /* holds the mm until the last unbind */
\t}
[bind.done] \tlist_add_rcu(&sdev->list, &svm->devs);  *pasid = svm->pasid;
[+bind.done] success:
[+bind.done] \tret = 0;
[+bind.enter] out:
[+bind.enter] \tmutex_unlock(&pasid_mutex);
}";

const BIND_V5_11: &str = "\
[bind.enter] int iommu_sva_alloc_pasid(mm, min, max)
{
[bind.einval] \tif (min == INVALID_IOASID || max == INVALID_IOASID || min == 0 || max < min) return -EINVAL;
[+bind.share|bind.alloc] \tmutex_lock(&iommu_sva_lock);
[bind.share] \tif (mm->pasid) {
[bind.range] \t\tif (mm->pasid < min || mm->pasid > max) ret = -EOVERFLOW;
[bind.get] \t\telse ioasid_get(mm->pasid);                 /* one more reference */
[+bind.alloc] \t} else {
[bind.alloc] \t\tpasid = ioasid_alloc(&iommu_sva_pasid, min, max, mm);
[bind.nomem] \t\tif (pasid == INVALID_IOASID) ret = -ENOMEM;
[+bind.alloc] \t\telse mm->pasid = pasid;
\t}
[+bind.share|bind.alloc] \tmutex_unlock(&iommu_sva_lock);
[bind.done] \treturn ret;   /* the driver then binds the device to the mm */
}";

const BIND_V5_18: &str = "\
[bind.enter] int iommu_sva_alloc_pasid(mm, min, max)
{
[bind.einval] \tif (min == INVALID_IOASID || max == INVALID_IOASID || min == 0 || max < min) return -EINVAL;
[+bind.share|bind.alloc] \tmutex_lock(&iommu_sva_lock);
[bind.share] \tif (pasid_valid(mm->pasid)) {
[bind.range] \t\tif (mm->pasid < min || mm->pasid >= max) ret = -EOVERFLOW;   /* >=: max is inclusive */
[+bind.share] \t\tgoto out;                                  /* no reference: the PASID is the mm's */
\t}
[bind.alloc] \tpasid = ioasid_alloc(&iommu_sva_pasid, min, max, mm);
[bind.nomem] \tif (!pasid_valid(pasid)) ret = -ENOMEM;
[+bind.alloc] \telse mm_pasid_set(mm, pasid);
[+bind.share|bind.alloc] out:
[+bind.share|bind.alloc] \tmutex_unlock(&iommu_sva_lock);
[bind.done] \treturn ret;   /* the driver then binds the device to the mm */
}";

const BIND_IMPROVED: &str = "\
[bind.enter] int iommu_sva_alloc_pasid(mm, min, max)
{
[bind.einval] \tif (min == INVALID_IOASID || max == INVALID_IOASID || min == 0 || max < min) return -EINVAL;
[+bind.share|bind.alloc] \tmutex_lock(&iommu_sva_lock);
[bind.share] \tif (mm->pasid) {
[bind.range] \t\tif (mm->pasid < min || mm->pasid > max) ret = -EOVERFLOW;   /* max inclusive */
[bind.get] \t\telse ioasid_get(set, mm->pasid);            /* one more reference */
[+bind.alloc] \t} else {
[bind.alloc] \t\tpasid = ioasid_alloc(&iommu_sva_pasid, min, max, mm);
[bind.nomem] \t\tif (error) ret = the allocator's own errno;   /* improved: ENOSPC, EINVAL... */
[+bind.alloc] \t\telse mm->pasid = pasid;
\t}
[+bind.share|bind.alloc] \tmutex_unlock(&iommu_sva_lock);
[bind.done] \treturn ret;
}";

const BIND_V6_6: &str = "\
[bind.enter] struct iommu_sva *iommu_sva_bind_device(dev, mm)
{
[+bind.enter] \tmutex_lock(&iommu_sva_lock);
[global.bind] \tret = iommu_sva_alloc_pasid(mm, dev);    /* no range from the caller */
[+global.bind] \t\t/* if (mm_valid_pasid(mm)) { */
[global.overflow] \t\t/*   if (mm->pasid >= dev->iommu->max_pasids) return -EOVERFLOW; } */
[global.alloc] \t\t/* pasid = iommu_alloc_global_pasid(dev); */
[global.nospc] \t\t/* if (pasid == IOMMU_PASID_INVALID) return -ENOSPC; */
[+global.users|global.busy|global.attach] \tdomain = iommu_get_domain_for_dev_pasid(dev, mm->pasid, IOMMU_DOMAIN_SVA);
[global.busy] \tif (IS_ERR(domain)) { ret = PTR_ERR(domain); goto out; }   /* -EBUSY: another domain is there */
[global.users] \tif (domain) { domain->users++; goto out; }
[global.attach] \tdomain = iommu_sva_domain_alloc(dev, mm);   /* mmgrab(mm): the domain holds the mm */
[global.store] \tret = iommu_attach_device_pasid(domain, dev, mm->pasid); domain->users = 1;
[+bind.enter] out:
[+bind.enter] \tmutex_unlock(&iommu_sva_lock);
}";

const UNBIND_V5_5: &str = "\
[unbind.enter] int intel_svm_unbind_mm(dev, pasid)
{
[+unbind.enter] \tmutex_lock(&pasid_mutex);
[+unbind.enter] \tsvm = ioasid_find(NULL, pasid, NULL);
[+unbind.enter] \tif (--sdev->users == 0) {
[+unbind.enter] \t\tlist_del_rcu(&sdev->list); intel_pasid_tear_down_entry(dev, pasid);   /* no drain: no fault may be outstanding */
[unbind.free] \t\tif (list_empty(&svm->devs)) { ioasid_free(svm->pasid); mmu_notifier_unregister(&svm->notifier, mm); }
\t}
[+unbind.enter] \tmutex_unlock(&pasid_mutex);
}";

const UNBIND_V5_11: &str = "\
[unbind.enter] void iommu_sva_unbind_device(handle)
{
[unbind.drain] \tdriver->sva_unbind(handle);     /* VT-d: intel_svm_unbind_mm() -> intel_svm_drain_prq() */
[unbind.put] \tiommu_sva_free_pasid(mm);          /* ioasid_put(mm->pasid); mm->pasid = 0 if it freed */
}";

const UNBIND_V5_18: &str = "\
[unbind.enter] void iommu_sva_unbind_device(handle)
{
[unbind.drain] \tdriver->sva_unbind(handle);     /* VT-d: intel_svm_unbind_mm() -> intel_svm_drain_prq() */
[+unbind.drain] \t/* the PASID stays with the mm: no iommu_sva_free_pasid() any more */
[unbind.mmdrop] \t/* last device of an exited mm: mmu_notifier_unregister() -> mmdrop() -> __mmdrop() */
}";

const UNBIND_V6_6: &str = "\
[unbind.enter] void iommu_sva_unbind_device(handle)
{
[+unbind.enter] \tmutex_lock(&iommu_sva_lock);
[global.users_left] \tif (--domain->users) goto out;          /* other binds of this device remain */
[unbind.drain] \tiommu_detach_device_pasid(domain, dev, pasid);   /* the driver drains the PASID's page requests */
[global.detach_last] \tiommu_domain_free(domain);                /* mmdrop(mm): the last one drops the PASID */
[+unbind.enter] out:
[+unbind.enter] \tmutex_unlock(&iommu_sva_lock);
}";

const GLOBAL_V6_6: &str = "\
[global.alloc] ioasid_t iommu_alloc_global_pasid(dev)
{
[+global.alloc] \tif (!dev->iommu->max_pasids) return IOMMU_PASID_INVALID;
[+global.alloc] \tret = ida_alloc_range(&iommu_global_pasid_ida, 1, max_pasids - 1);   /* lowest free, never 0 */
[global.invalid] \treturn ret < 0 ? IOMMU_PASID_INVALID : ret;   /* no errno */
}
[global.free] void iommu_free_global_pasid(pasid)
{
[global.free_invalid] \tif (WARN_ON(pasid == IOMMU_PASID_INVALID)) return;
[global.ida_free] \tida_free(&iommu_global_pasid_ida, pasid);     /* no check of attachments */
[global.not_allocated] \t/* ida_free: WARN \"ida_free called for id=%d which is not allocated.\" */
}
[global.attach] int iommu_attach_device_pasid(domain, dev, pasid)
{
[+global.attach] \tmutex_lock(&group->mutex);
[global.busy] \tif (xa_cmpxchg(&group->pasid_array, pasid, NULL, domain)) return -EBUSY;
[global.store] \t__iommu_set_group_pasid(domain, group, pasid);
[+global.attach] \tmutex_unlock(&group->mutex);
}
[global.detach] void iommu_detach_device_pasid(domain, dev, pasid): remove it; xa_erase(&group->pasid_array, pasid)";

const GLOBAL_NONE: &str = "\
/* No global PASID allocator and no per-device PASID attachments in this era: */
/* iommu_attach_device_pasid() came with v6.2, iommu_alloc_global_pasid() with v6.5. */
[global.attach] iommu_attach_device_pasid(domain, dev, pasid): no such function (-EOPNOTSUPP in the model)
[global.detach] iommu_detach_device_pasid(domain, dev, pasid): no such function (-EOPNOTSUPP in the model)";
