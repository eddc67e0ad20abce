//! Sets, set-private IDs, notifiers (the extension series) and RCU readers.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match f {
        Func::SetAlloc => SETS,
        Func::SetPrivateIds => SPIDS,
        Func::RcuReader => RCU,
        _ => return None,
    };
    Some((Source::of(f, era), text))
}

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
