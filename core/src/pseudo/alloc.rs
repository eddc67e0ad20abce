//! The core calls: `ioasid_alloc`, `ioasid_free`, `ioasid_find`, `ioasid_set_data`, `ioasid_get` / `ioasid_put`.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match f {
        Func::IoasidAlloc => ALLOC,
        Func::IoasidFree => FREE,
        Func::IoasidFind => FIND,
        Func::IoasidSetData => SET_DATA,
        Func::IoasidGetPut => GET_PUT,
        _ => return None,
    };
    Some((Source::of(f, era), text))
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
