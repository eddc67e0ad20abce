//! The 2019 design thread's proposal (`rfc-2019`): `ioasid_alloc`, `ioasid_free`,
//! `ioasid_find`, `ioasid_set_data` and `ioasid_set_allocator` as the thread sketches
//! them over the IDR allocator it extends, with a [`Source`] per function linking the
//! message it comes from. Functions the thread does not have get a listing that says
//! so, with no line ids.
//!
//! Written for this project in the kernel's style: neither the thread's sketch nor the
//! allocator patch is copied. The messages: Jacob Pan, 30 Jan 2019
//! (<20190130110507.54e8bfad@jacob-builder>); Jean-Philippe Brucker, 15 Feb 2019
//! (<65452190-afac-bc71-de29-ce24b508955a@arm.com>); Jacob Pan, 19 Feb 2019
//! (<20190219103712.73a1c2a1@jacob-builder>); the IDR allocator, patch 6 of
//! <1556062279-64135-1-git-send-email-jacob.jun.pan@linux.intel.com>.
use super::{Era, Func, Source};

/// Jacob Pan, 30 Jan 2019: the custom allocator, data after allocation, NULL sets, the
/// five usage scenarios.
pub const JACOB_JAN_30: &str = "https://lore.kernel.org/r/20190130110507.54e8bfad@jacob-builder";
/// Jean-Philippe Brucker, 15 Feb 2019: the IDR for storage only, sets for the fault path.
pub const JPB_FEB_15: &str =
    "https://lore.kernel.org/r/65452190-afac-bc71-de29-ce24b508955a@arm.com";
/// Jacob Pan, 19 Feb 2019: the alloc/free/pdata struct, one allocator, VFIO's sets.
pub const JACOB_FEB_19: &str = "https://lore.kernel.org/r/20190219103712.73a1c2a1@jacob-builder";
/// The IDR-based IOASID allocator the thread extends (patch 6 of Jacob Pan's v2 series,
/// April 2019; first posted by Jean-Philippe Brucker as an RFC in October 2018).
pub const IDR_ALLOCATOR: &str =
    "https://lore.kernel.org/r/1556062279-64135-7-git-send-email-jacob.jun.pan@linux.intel.com";
/// The patch the thread replies to: Lu Baolu, "[RFC PATCH 1/5] iommu: Add APIs for IOMMU
/// PASID management", 12 Nov 2018.
pub const LU_BAOLU_PATCH: &str =
    "https://lore.kernel.org/r/20181112064501.2290-2-baolu.lu@linux.intel.com";

/// The first words of a listing for a function the thread does not have.
#[cfg(test)]
const ABSENT: &str = "/* not in the 2019 design thread";

/// Whether `listing` is one that says its function is not in the thread (no line ids).
#[cfg(test)]
pub(super) fn says_absent(listing: &super::Listing) -> bool {
    listing
        .lines
        .first()
        .is_some_and(|l| l.text.starts_with(ABSENT))
        && listing.lines.iter().all(|l| l.id.is_none())
}

fn source(function: &'static str, url: &str) -> Source {
    Source {
        file: "drivers/base/ioasid.c (proposed)",
        function,
        version: "the 2019 design thread (proposed, never merged)",
        url: Some(url.to_string()),
    }
}

/// This file's listing of `f` for `rfc-2019`; `None` under every other era.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    if era != Era::Rfc2019 {
        return None;
    }
    Some(match f {
        Func::IoasidAlloc => (source("ioasid_alloc()", JPB_FEB_15), ALLOC),
        Func::IoasidFree => (source("ioasid_free()", JACOB_FEB_19), FREE),
        Func::IoasidFind => (source("ioasid_find()", IDR_ALLOCATOR), FIND),
        Func::IoasidSetData => (source("ioasid_set_data()", JACOB_JAN_30), SET_DATA),
        Func::RegisterAllocator => (
            source("ioasid_set_allocator()", JACOB_FEB_19),
            SET_ALLOCATOR,
        ),
        Func::UnregisterAllocator => (
            source("ioasid_set_allocator(NULL)", JACOB_JAN_30),
            UNSET_ALLOCATOR,
        ),
        Func::VcmdHost => (
            Source {
                file: "the host (QEMU/KVM), behind the virtual command register",
                function: "the host's PASID allocator",
                version: "the 2019 design thread (scenario 1)",
                url: Some(JACOB_JAN_30.to_string()),
            },
            HOST,
        ),
        Func::SetAlloc => (source("struct ioasid_set (a token)", JPB_FEB_15), SETS),
        Func::IoasidGetPut => (source("ioasid_get() / ioasid_put()", JPB_FEB_15), NO_REFS),
        Func::SetPrivateIds => (source("set-private IDs", JACOB_FEB_19), NO_SPIDS),
        Func::RcuReader => (source("RCU readers", JPB_FEB_15), NO_READERS),
        Func::Process | Func::SvaBind | Func::SvaUnbind => {
            (source("iommu_sva_bind_device()", JPB_FEB_15), NO_SVA)
        }
        Func::PageRequest | Func::FaultHandler | Func::DomainFaultHandler => {
            (source("iopf_handle_mm_fault()", JPB_FEB_15), NO_FAULT)
        }
        Func::GlobalPasid => (source("global PASIDs", JPB_FEB_15), NO_GLOBAL),
    })
}

const ALLOC: &str = "\
[alloc.enter] ioasid_t ioasid_alloc(set, min, max, private)
{
[alloc.bad_range] 	/* (the model refuses min > max here; idr_alloc would find no room) */
[+alloc.enter] \tdata = kzalloc(sizeof(*data)); data->set = set; data->private = private;
[alloc.custom] \tif (ioasid_allocator) {             /* proposed: the one system-wide allocator */
[+alloc.custom] \t\tid = ioasid_allocator->alloc(min, max, ioasid_allocator->pdata);
[vcmd.alloc] \t\t\t/* vcmd: ask the host through the virtual command register */
[vcmd.no_pasid] \t\t\t/* refused, or no PASID: the answer is INVALID_IOASID, unchecked */
[alloc.store_exact] \t\tmin = id; max = id + 1;          /* with PV allocation, the IDR is storage only */
[rfc.wrap] \t\t\t/* id == INVALID_IOASID: max wraps to 0, and min is -1 as an int */
\t}
[+alloc.enter] \tidr_lock(&ioasid_idr);
[alloc.default] \tid = idr_alloc(&ioasid_idr, data, min, max);   /* [min, max): max is excluded */
[rfc.idr_warn] \t\t/* idr_alloc: WARN_ON_ONCE(start < 0); return -EINVAL; */
[+alloc.enter] \tidr_unlock(&ioasid_idr);
[alloc.full] \tif (id < 0) {                     /* -ENOSPC: no room in [min, max), or id is taken */
[rfc.no_rollback] \t\t/* nothing calls ioasid_allocator->free(): the backend keeps its answer */
[+alloc.full] \t\tkfree(data);
[+alloc.full] \t\treturn INVALID_IOASID;
\t}
[alloc.store] \tdata->id = id;
[+alloc.store] \treturn id;
}";

const FREE: &str = "\
[free.enter] void ioasid_free(ioasid)
{
[free.backend] \tif (ioasid_allocator)               /* \"similarly for the free function\" */
[+free.backend] \t\tioasid_allocator->free(ioasid, ioasid_allocator->pdata);
[vcmd.free] \t\t\t/* vcmd: send VCMD_FREE to the host */
[+free.enter] \tidr_lock(&ioasid_idr);
[+free.enter] \tdata = idr_remove(&ioasid_idr, ioasid);
[+free.enter] \tidr_unlock(&ioasid_idr);
[free.unknown] \t/* not in the IDR: data is NULL, and nothing is printed */
[free.erase] \tif (data) kfree_rcu(data, rcu);
}";

const FIND: &str = "\
[find.enter] void *ioasid_find(set, ioasid, getter)
{
[+find.enter] \tvoid *priv = NULL;
[+find.enter] \trcu_read_lock();
[+find.enter] \tdata = idr_find(&ioasid_idr, ioasid);
[rfc.find_exact] \tif (data && data->set == set) {    /* exactly this set: NULL finds only NULL-set IDs */
[find.deref] \t\tpriv = data->private;
[find.getter_null] \t\tif (getter && !getter(priv)) priv = NULL;   /* called on NULL data too */
[find.no_data] \t\t/* allocated, data not set yet: priv is NULL */
\t}
[rfc.find_miss] \t/* not allocated, or another set's: priv stays NULL, no error */
[find.found] \trcu_read_unlock();
[+find.found] \treturn priv;
}";

const SET_DATA: &str = "\
[set_data.enter] int ioasid_set_data(ioasid, data)      /* proposed: data after allocation */
{
[+set_data.enter] \tidr_lock(&ioasid_idr);
[+set_data.enter] \tioasid_data = idr_find(&ioasid_idr, ioasid);
[set_data.enoent] \tif (!ioasid_data) { ret = -ENOENT; goto out; }
[set_data.busy] \t/* (the extensions' EBUSY is not here: knob attach_busy) */
[set_data.publish] \trcu_assign_pointer(ioasid_data->private, data);   /* fills the empty record */
[+set_data.publish] \tidr_unlock(&ioasid_idr);
[set_data.sync] \tsynchronize_rcu();   /* the model's reading: the thread leaves the ordering open */
[set_data.return] \treturn 0;
[+set_data.enoent|set_data.busy] out:
[+set_data.enoent|set_data.busy] \tidr_unlock(&ioasid_idr);
[+set_data.enoent|set_data.busy] \treturn ret;
}";

const SET_ALLOCATOR: &str = "\
/* struct ioasid_allocator { alloc; free; void *pdata; }: the proposal's one allocator */
[register.enter] void ioasid_set_allocator(struct ioasid_allocator *allocator)
{
[rfc.replace] \t/* one allocator only (one pvIOMMU assumed): a second call overwrites the first */
[rfc.take_over] \t/* IDs already in the IDR stay there: nothing refuses (no EAGAIN) */
[+register.enter] \tioasid_allocator = allocator;      /* at boot, by the guest's IOMMU driver */
}";

const UNSET_ALLOCATOR: &str = "\
/* the thread has no unregister: the model reads it as setting the allocator to NULL */
[unregister.enter] ioasid_set_allocator(NULL)
{
[rfc.unset] \tif (allocator is the one set) ioasid_allocator = NULL;   /* back to the IDR */
[+unregister.enter] \t/* the IDR keeps every ID it stores: nothing is orphaned, nothing printed */
}";

const HOST: &str = "\
/* the host, answering a guest's virtual command (not in the thread: QEMU/KVM) */
[host.create] host PASID space [min, max], shared by every guest
[host.script] scripted answers are used first
[host.alloc] VCMD_ALLOC: id = lowest free in [min, max]; answer id or NO_PASID
[host.free] VCMD_FREE: release id; an unknown id is only logged";

const SETS: &str = "\
/* a set is a token: its address names its IDs (SVA's shared set, a driver's, a QEMU process's) */
[set.create] static struct ioasid_set set;     /* declared by its user: nothing is allocated */
[set.token] /* (the extensions' one set per mm is not here) */
[set.quota] /* (the extensions' quotas are not here) */
[set.capacity] /* (the extensions' capacity is not here) */
[set.done] /* ioasid_alloc(&set, ...) records it; ioasid_find(&set, ...) compares it */
[set.free] /* the user goes away: IDs that still carry &set keep it */
[set.busy] /* (the extensions' FREE_PENDING set is not here) */
[set.release] /* nothing to free */";

const NO_REFS: &str = "\
/* not in the 2019 design thread: no reference counts (ioasid_get / ioasid_put came in v5.11) */";

const NO_SPIDS: &str = "\
/* not in the 2019 design thread: no set-private IDs (the 2020-21 extension series) */";

const NO_READERS: &str = "\
/* not in the 2019 design thread: it leaves the readers of incomplete data open */";

const NO_SVA: &str = "\
/* not in the 2019 design thread: bind is the IOMMU driver's; the thread only says
   a native bind allocates with its mm, a guest bind sets the data later */";

const NO_FAULT: &str = "\
/* not in the 2019 design thread as code: the fault path would call
   ioasid_find(&shared_pasid_set, pasid) for the mm */";

const NO_GLOBAL: &str = "\
/* not in the 2019 design thread: the global PASID allocator came in v6.2-v6.4 */";
