//! The core calls: `ioasid_alloc`, `ioasid_free`, `ioasid_find`, `ioasid_set_data`, `ioasid_get` / `ioasid_put`.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is. The kernel eras share one text where
//! their code is the same (`ioasid.c` of v5.5 and v5.18 differ only in a comment);
//! v5.11 has `ioasid_get` / `ioasid_put` and no `ioasid_free`. Kernel eras show no
//! improved-only or extension-only line. The `ext` listings keep the extension series'
//! lines on top of the v5.11 code; `improved` shows this project's design.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let kernel = matches!(era, Era::V5_5 | Era::V5_11 | Era::V5_18);
    if era == Era::V6_6 {
        let text = match f {
            Func::IoasidAlloc => "[alloc.enter] ioasid_alloc(): gone since v6.4 (the global PASID allocator replaced it)",
            Func::IoasidFree => "[free.enter] ioasid_free(): gone since v6.4 (the global PASID allocator replaced it)",
            Func::IoasidFind => "[find.enter] ioasid_find(): gone since v6.4",
            Func::IoasidSetData => "[set_data.enter] ioasid_set_data(): gone since v6.4",
            Func::IoasidGetPut => GET_PUT_NONE,
            _ => return None,
        };
        return Some((super::removed_in_v6_4(f), text));
    }
    let text = match (f, era) {
        (Func::IoasidAlloc, Era::Ext) => ALLOC_EXT,
        (Func::IoasidAlloc, Era::Improved) => ALLOC_IMPROVED,
        (Func::IoasidAlloc, _) => ALLOC_KERNEL,
        (Func::IoasidFree, Era::V5_11) => FREE_V5_11,
        (Func::IoasidFree, _) if kernel => FREE_KERNEL,
        (Func::IoasidFree, Era::Ext) => FREE_EXT,
        (Func::IoasidFree, _) => FREE_IMPROVED,
        (Func::IoasidFind, Era::Improved) => FIND_IMPROVED,
        (Func::IoasidFind, _) => FIND_KERNEL,
        (Func::IoasidSetData, _) if kernel => SET_DATA_KERNEL,
        (Func::IoasidSetData, _) => SET_DATA_EXT,
        (Func::IoasidGetPut, Era::V5_11) => GET_PUT_V5_11,
        (Func::IoasidGetPut, _) if kernel => GET_PUT_NONE,
        (Func::IoasidGetPut, _) => GET_PUT_EXT,
        _ => return None,
    };
    Some((source(f, era), text))
}

/// The file, function and line of `f` at `era`: `ioasid.c` of v5.5 and v5.18 share
/// their line numbers; v5.11's are one line further down (its extra `#include`).
fn source(f: Func, era: Era) -> Source {
    let file = "drivers/iommu/ioasid.c";
    let (function, line) = match (f, era) {
        (Func::IoasidAlloc, Era::V5_11) => ("ioasid_alloc()", Some(305)),
        (Func::IoasidAlloc, _) => ("ioasid_alloc()", Some(304)),
        (Func::IoasidFree, Era::V5_11) => ("ioasid_put() (v5.11 has no ioasid_free)", Some(376)),
        (Func::IoasidFree, _) => ("ioasid_free()", Some(352)),
        (Func::IoasidFind, Era::V5_11) => ("ioasid_find()", Some(419)),
        (Func::IoasidFind, _) => ("ioasid_find()", Some(389)),
        (Func::IoasidSetData, Era::V5_11) => ("ioasid_set_data()", Some(269)),
        (Func::IoasidSetData, _) => ("ioasid_set_data()", Some(268)),
        (Func::IoasidGetPut, Era::V5_11) => ("ioasid_get() / ioasid_put()", Some(353)),
        (Func::IoasidGetPut, Era::V5_5 | Era::V5_18) => {
            ("no ioasid_get() / ioasid_put() in this era", None)
        }
        (f, _) => (f.title(), None),
    };
    Source::at(file, function, era).with_line(line)
}

const ALLOC_KERNEL: &str = "\
[alloc.enter] ioasid_t ioasid_alloc(set, min, max, private)
{
\t/* no range check here: [min, max] goes to the active allocator as it is */
[+alloc.custom|alloc.default] \tdata = kzalloc(sizeof(*data), GFP_ATOMIC);
[+alloc.custom|alloc.default] \tdata->set = set; data->private = private;
[+alloc.custom|alloc.default] \tspin_lock(&ioasid_allocator_lock);
[alloc.custom] \tif (active_allocator is custom) {
[vcmd.alloc] \t\tid = active->ops->alloc(min, max, active->ops->pdata);
[vcmd.refuse] \t\t/* vcmd: min < PASID_MIN or max > intel_pasid_max_id (a count: 0x100000) gives INVALID_IOASID */
[vcmd.no_pasid] \t\t/* vcmd: the host has none: pr_info(\"IOMMU: %s: No PASID available\") */
\t} else {
[alloc.default] \t\tid = default_alloc(min, max, data);   /* xa_alloc(XA_LIMIT(min, max)): lowest free */
[alloc.full] \t\t/* none free (or min > max): pr_err(\"Failed to alloc ioasid from %d to %d\") */
\t}
[alloc.failed] \tif (id == INVALID_IOASID) { pr_err(\"Failed ASID allocation %lu\", flags); goto error; }
[alloc.store_exact] \tif (custom && xa_alloc(&active->xa, &id, data, XA_LIMIT(id, id))) {   /* the answer, unchecked */
[alloc.collision] \t\tpr_err(\"Failed to alloc ioasid from %d\", id);   /* id is stored already */
[alloc.rollback] \t\tactive->ops->free(id, active->ops->pdata);   /* the vcmd free looks id up: */
[vcmd.skip] \t\t/* the first owner's entry has data: pr_alert(\"Cannot free active IOASID %d\"), no FREE */
[vcmd.free] \t\t/* no data: VCMD_FREE: the host frees the first owner's PASID! */
[+alloc.collision] \t\tgoto error;
\t}
[alloc.store] \tdata->id = id;
[+alloc.store] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.store] \treturn id;
[+alloc.failed|alloc.collision] error:
[+alloc.failed|alloc.collision] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.failed|alloc.collision] \tkfree(data);
[+alloc.failed|alloc.collision] \treturn INVALID_IOASID;
}";

const ALLOC_EXT: &str = "\
[alloc.enter] ioasid_t ioasid_alloc(set, min, max, private)
{
[alloc.set_dying] \tif (set->state == FREE_PENDING) return INVALID_IOASID;   /* the set is going */
[alloc.quota] \tif (set->quota && set->nr_ioasids >= set->quota) return INVALID_IOASID;
[+alloc.custom|alloc.default] \tdata = kzalloc(sizeof(*data), GFP_ATOMIC);
[+alloc.custom|alloc.default] \tdata->set = set; data->private = private;
[+alloc.custom|alloc.default] \tspin_lock(&ioasid_allocator_lock);
[alloc.custom] \tif (active_allocator is custom) {
[vcmd.alloc] \t\tid = active->ops->alloc(min, max, active->ops->pdata);
[vcmd.refuse] \t\t/* vcmd: min < PASID_MIN or max > intel_pasid_max_id gives INVALID_IOASID */
[vcmd.no_pasid] \t\t/* vcmd: the host has none: pr_info(\"IOMMU: %s: No PASID available\") */
\t} else {
[alloc.default] \t\tid = default_alloc(min, max, data);   /* lowest free in [min, max] */
[alloc.full] \t\t/* none free: pr_err(\"Failed to alloc ioasid from %d to %d\") */
\t}
[alloc.failed] \tif (id == INVALID_IOASID) { pr_err(\"Failed ASID allocation %lu\", flags); goto error; }
[alloc.store_exact] \tif (custom && xa_alloc(&active->xa, &id, data, XA_LIMIT(id, id))) {
[alloc.collision] \t\tpr_err(\"Failed to alloc ioasid from %d\", id);
[alloc.rollback] \t\tactive->ops->free(id, active->ops->pdata);
[vcmd.skip] \t\t/* vcmd: the host free is skipped */
[vcmd.free] \t\t/* vcmd: VCMD_FREE to the host */
[+alloc.collision] \t\tgoto error;
\t}
[alloc.store] \tdata->id = id; set->nr_ioasids++;
[+alloc.store] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.store] \treturn id;
[+alloc.failed|alloc.collision] error:
[+alloc.failed|alloc.collision] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.failed|alloc.collision] \tkfree(data);
[+alloc.failed|alloc.collision] \treturn INVALID_IOASID;
}";

const ALLOC_IMPROVED: &str = "\
[alloc.enter] int ioasid_alloc(set, min, max, private, ioasid_t *out)
{
[alloc.bad_range] \tif (min > max || max == INVALID_IOASID) return -EINVAL;
[alloc.set_dying] \tif (set->state == FREE_PENDING) return -EINVAL;   /* the set is going */
[alloc.quota] \tif (set->quota && set->nr_ioasids >= set->quota) return -ENOSPC;
[+alloc.custom|alloc.default] \tdata = kzalloc(sizeof(*data), GFP_ATOMIC);
[+alloc.custom|alloc.default] \tdata->set = set; data->private = private;
[+alloc.custom|alloc.default] \tspin_lock(&ioasid_allocator_lock);
[alloc.custom] \tif (active_allocator is custom) {
[vcmd.alloc] \t\tret = active->ops->alloc(min, max, active->ops->pdata, &id);
[vcmd.refuse] \t\t/* vcmd: min < PASID_MIN or max > 0x100000: -EINVAL */
[vcmd.no_pasid] \t\t/* vcmd: the host has none: -ENOSPC */
[alloc.failed] \t\tif (ret) goto error;
[alloc.range_check] \t\tif (id < min || id > max) { active->ops->free(id, pdata); ret = -EINVAL; goto error; }
[alloc.store_exact] \t\tret = xa_insert(&active->xa, id, data);   /* record exactly id */
[alloc.collision] \t\tif (ret) {   /* id is stored already */
[alloc.refuse_dup] \t\t\tret = -EEXIST; goto error;   /* no backend free: the first owner keeps its PASID */
\t\t}
\t} else {
[alloc.default] \t\tret = xa_alloc(&default_allocator.xa, &id, data, XA_LIMIT(min, max));
[alloc.full] \t\tif (ret) { ret = -ENOSPC; goto error; }   /* every ID in [min, max] is taken */
\t}
[alloc.store] \tdata->id = id; set->nr_ioasids++; *out = id;
[+alloc.store] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.store] \treturn 0;
[+alloc.full|alloc.failed|alloc.range_check|alloc.refuse_dup] error:
[+alloc.full|alloc.failed|alloc.range_check|alloc.refuse_dup] \tspin_unlock(&ioasid_allocator_lock);
[+alloc.full|alloc.failed|alloc.range_check|alloc.refuse_dup] \tkfree(data);
[+alloc.full|alloc.failed|alloc.range_check|alloc.refuse_dup] \treturn ret;
}";

const FREE_KERNEL: &str = "\
[free.enter] void ioasid_free(ioasid)
{
[+free.enter] \tspin_lock(&ioasid_allocator_lock);
[+free.enter] \tdata = xa_load(&active->xa, ioasid);
[free.unknown] \tif (!data) { pr_err(\"Trying to free unknown IOASID %u\", ioasid); goto out; }
\t/* no owner check: the caller names only the number */
[free.backend] \tactive->ops->free(ioasid, active->ops->pdata);   /* the backend first */
[vcmd.skip] \t/* vcmd: ioasid_find(NULL, ioasid, NULL) finds data: pr_alert(\"Cannot free active IOASID %d\"), no FREE */
[vcmd.free] \t/* vcmd: else VCMD_FREE; a PASID the host does not know: pr_info(\"IOMMU: %s: Invalid PASID\") */
[free.erase] \txa_erase(&active->xa, ioasid);   /* then erase: the ID is free at once */
[+free.erase] \tkfree_rcu(data, rcu);
[+free.enter] out:
[+free.enter] \tspin_unlock(&ioasid_allocator_lock);
}";

const FREE_V5_11: &str = "\
\t/* v5.11-v5.17 have no ioasid_free: it became ioasid_put, which the model's free calls */
[free.enter] bool ioasid_put(ioasid)
{
[+free.enter] \tspin_lock(&ioasid_allocator_lock);
[+free.enter] \tdata = xa_load(&active->xa, ioasid);
[free.unknown] \tif (!data) { pr_err(\"Trying to free unknown IOASID %u\", ioasid); goto out; }
[free.dec] \tif (!refcount_dec_and_test(&data->refs)) goto out;   /* still referenced: false */
[free.backend] \tactive->ops->free(ioasid, active->ops->pdata);   /* the backend first */
[vcmd.skip] \t/* vcmd: ioasid_find(NULL, ioasid, NULL) finds data: pr_alert(\"Cannot free active IOASID %d\"), no FREE */
[vcmd.free] \t/* vcmd: else VCMD_FREE; a PASID the host does not know: pr_info(\"IOMMU: %s: Invalid PASID\") */
[free.erase] \txa_erase(&active->xa, ioasid);   /* then erase: the ID is free at once */
[+free.erase] \tkfree_rcu(data, rcu);
[+free.erase] \tfree = true;
[+free.enter] out:
[+free.enter] \tspin_unlock(&ioasid_allocator_lock);
[+free.enter] \treturn free;
}";

const FREE_EXT: &str = "\
[free.enter] void ioasid_free(set, ioasid)
{
[+free.enter] \tspin_lock(&ioasid_allocator_lock);
[+free.enter] \tdata = xa_load(&active->xa, ioasid);
[free.unknown] \tif (!data) { pr_err(\"Trying to free unknown IOASID %u\", ioasid); goto out; }
[free.owner] \tif (set && data->set != set) goto out;   /* only the owner's set frees */
[free.dec] \tif (!refcount_dec_and_test(&data->refs)) {   /* still referenced */
[free.pending] \t\tdata->state = FREE_PENDING; notify(FREE);
[+free.dec] \t\tgoto out;
\t}
[free.backend] \tactive->ops->free(ioasid, active->ops->pdata);   /* the backend first */
[vcmd.skip] \t/* vcmd: the host free is skipped */
[vcmd.free] \t/* vcmd: VCMD_FREE to the host */
[free.erase] \txa_erase(&active->xa, ioasid);
[+free.erase] \tkfree_rcu(data, rcu);
[+free.enter] out:
[+free.enter] \tspin_unlock(&ioasid_allocator_lock);
}";

const FREE_IMPROVED: &str = "\
[free.enter] int ioasid_free(set, ioasid)
{
[+free.enter] \tspin_lock(&ioasid_allocator_lock);
[+free.enter] \tdata = xa_load(&active->xa, ioasid);
[free.unknown] \tif (!data) { pr_err(\"Trying to free unknown IOASID %u\", ioasid); ret = -ENOENT; goto out; }
[free.owner] \tif (data->set != set) { ret = -EACCES; goto out; }   /* only the owner frees */
[free.dec] \tif (!refcount_dec_and_test(&data->refs)) {   /* still referenced */
[free.pending] \t\tdata->state = FREE_PENDING; notify(FREE);
[+free.dec] \t\tgoto out;
\t}
[free.quarantine] \tif (pending_faults(ioasid)) { data->state = QUARANTINED; goto out; }   /* the backend free waits too */
[free.backend] \tactive->ops->free(ioasid, active->ops->pdata);   /* the backend first */
[vcmd.free] \t/* vcmd: VCMD_FREE to the host, data attached or not */
[free.erase] \txa_erase(&active->xa, ioasid);   /* then erase */
[+free.erase] \tkfree_rcu(data, rcu);
[+free.enter] out:
[+free.enter] \tspin_unlock(&ioasid_allocator_lock);
[+free.enter] \treturn ret;
}";

const FIND_KERNEL: &str = "\
[find.enter] void *ioasid_find(set, ioasid, bool (*getter)(void *))
{
[+find.enter] \trcu_read_lock();
[+find.enter] \tdata = xa_load(&rcu_dereference(active_allocator)->xa, ioasid);
[find.enoent] \tif (!data) { priv = ERR_PTR(-ENOENT); goto unlock; }
[find.eacces] \tif (set && data->set != set) { priv = ERR_PTR(-EACCES); goto unlock; }
[find.deref] \tpriv = rcu_dereference(data->private);
[find.getter_null] \tif (getter && !getter(priv)) priv = NULL;   /* called even when priv is NULL */
[find.no_data] \t/* priv is not checked here */
[find.found] unlock:
[+find.found] \trcu_read_unlock();
[+find.found] \treturn priv;
}";

const FIND_IMPROVED: &str = "\
[find.enter] void *ioasid_find(set, ioasid, bool (*getter)(void *))
{
[+find.enter] \trcu_read_lock();
[+find.enter] \tdata = xa_load(&rcu_dereference(active_allocator)->xa, ioasid);
[find.enoent] \tif (!data) { priv = ERR_PTR(-ENOENT); goto unlock; }
[find.eacces] \tif (set && data->set != set) { priv = ERR_PTR(-EACCES); goto unlock; }
[find.deref] \tpriv = rcu_dereference(data->private);
[find.no_data] \tif (!priv) goto unlock;
[find.getter] \tif (getter && !getter(priv)) priv = NULL;   /* only with data */
[find.found] unlock:
[+find.found] \trcu_read_unlock();
[+find.found] \treturn priv;
}";

const SET_DATA_KERNEL: &str = "\
[set_data.enter] int ioasid_set_data(ioasid, data)
{
[+set_data.enter] \tspin_lock(&ioasid_allocator_lock);
[+set_data.enter] \tioasid_data = xa_load(&active->xa, ioasid);
[set_data.publish] \tif (ioasid_data) rcu_assign_pointer(ioasid_data->private, data);   /* overwrites silently */
[set_data.enoent] \telse ret = -ENOENT;
[+set_data.enter] \tspin_unlock(&ioasid_allocator_lock);
[set_data.sync] \tif (!ret) synchronize_rcu();   /* wait for readers that may see the old value */
[set_data.return] \treturn ret;   /* at once, or when the last reader is out */
}";

const SET_DATA_EXT: &str = "\
[set_data.enter] int ioasid_attach_data(ioasid, data)
{
[+set_data.enter] \tspin_lock(&ioasid_allocator_lock);
[+set_data.enter] \tioasid_data = xa_load(&active->xa, ioasid);
[set_data.enoent] \tif (!ioasid_data) { ret = -ENOENT; goto out; }
[set_data.busy] \tif (ioasid_data->private && data) { ret = -EBUSY; goto out; }   /* detach first */
[set_data.publish] \trcu_assign_pointer(ioasid_data->private, data);
[+set_data.publish] \tspin_unlock(&ioasid_allocator_lock);
[set_data.sync] \tsynchronize_rcu();   /* wait for readers that may see the old value */
[set_data.return] \treturn 0;   /* at once, or when the last reader is out */
[+set_data.enoent|set_data.busy] out:
[+set_data.enoent|set_data.busy] \tspin_unlock(&ioasid_allocator_lock);
[+set_data.enoent|set_data.busy] \treturn ret;
}";

const GET_PUT_V5_11: &str = "\
[get.enter] void ioasid_get(ioasid)
{
[+get.enter] \tspin_lock(&ioasid_allocator_lock);
[+get.enter] \tdata = xa_load(&active->xa, ioasid);
[get.inc] \tif (data) refcount_inc(&data->refs);
[get.unknown] \telse WARN_ON(1);   /* no message: a stack trace */
[+get.enter] \tspin_unlock(&ioasid_allocator_lock);
}

[put.enter] bool ioasid_put(ioasid)
{
[+put.enter] \tspin_lock(&ioasid_allocator_lock);
[+put.enter] \tdata = xa_load(&active->xa, ioasid);
[put.unknown] \tif (!data) { pr_err(\"Trying to free unknown IOASID %u\", ioasid); goto out; }
[put.dec] \tif (!refcount_dec_and_test(&data->refs)) goto out;   /* still referenced: false */
[put.free] \tactive->ops->free(ioasid, pdata); xa_erase(...); kfree_rcu(data, rcu); free = true;
[+put.enter] out:
[+put.enter] \tspin_unlock(&ioasid_allocator_lock);
[+put.enter] \treturn free;
}";

const GET_PUT_NONE: &str = "\
\t/* this era counts no references: ioasid_get() and ioasid_put() exist only in v5.11-v5.17 */
[get.enter] ioasid_get(): no such function
[put.enter] ioasid_put(): no such function";

const GET_PUT_EXT: &str = "\
[get.enter] int ioasid_get(set, ioasid)
{
[+get.enter] \tdata = xa_load(&active->xa, ioasid);
[get.unknown] \tif (!data) return -ENOENT;
[get.eacces] \tif (set && data->set != set) return -EACCES;
[get.pending] \tif (data->state == FREE_PENDING) return -EBUSY;
[get.inc] \trefcount_inc(&data->refs);
[+get.inc] \treturn 0;
}

[put.enter] bool ioasid_put(set, ioasid)
{
[+put.enter] \tdata = xa_load(&active->xa, ioasid);
[put.unknown] \tif (!data) return -ENOENT;
[put.eacces] \tif (set && data->set != set) return -EACCES;
[put.dec] \tif (!refcount_dec_and_test(&data->refs)) return false;
[put.free] \tioasid_do_free(data);   /* backend free, then erase */
[+put.free] \treturn true;
}";
