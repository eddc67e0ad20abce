//! Processes, SVA bind and unbind, and v6.6's global PASIDs.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match f {
        Func::Process => PROCESS,
        Func::SvaBind => BIND,
        Func::SvaUnbind => UNBIND,
        Func::GlobalPasid => GLOBAL,
        _ => return None,
    };
    Some((Source::of(f, era), text))
}

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
