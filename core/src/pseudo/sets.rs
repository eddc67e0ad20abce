//! Sets, set-private IDs, notifiers (the extension series) and RCU readers.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is. Mainline kernels (v5.5 to v6.3) have
//! no sets API beyond a token (`DECLARE_IOASID_SET`), and v6.6 none at all, so their
//! listings say only that; `ext` follows V4 of the extension series (the patch each
//! listing links to), with the DCP tree's free-pending mark on a set; `improved` is
//! this project's design.
use super::{Era, Func, Source, EXT_SERIES};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match (f, era) {
        (Func::SetAlloc, Era::Ext) => SETS_V4,
        (Func::SetAlloc, Era::Improved) => SETS_IMPROVED,
        (Func::SetAlloc, Era::V6_6) => SETS_V6_6,
        (Func::SetAlloc, _) => SETS_TOKEN,
        (Func::SetPrivateIds, Era::Ext) => SPIDS_V4,
        (Func::SetPrivateIds, Era::Improved) => SPIDS_IMPROVED,
        (Func::SetPrivateIds, _) => SPIDS_NONE,
        (Func::RcuReader, _) => RCU,
        _ => return None,
    };
    Some((source(f, era), text))
}

/// A V4 patch by its number in the series: the lore link of that message.
fn v4_patch(n: u32) -> String {
    EXT_SERIES.replace("-1-git-send-email", &format!("-{}-git-send-email", n + 1))
}

/// Where each listing's code is.
fn source(f: Func, era: Era) -> Source {
    match (f, era) {
        (Func::SetAlloc, Era::Ext) => Source {
            file: "drivers/iommu/ioasid.c",
            function: "ioasid_set_alloc() / ioasid_set_free() (V4 05/18), ioasid_notify() (V4 09/18)",
            version: "the extension series, V4 05/18 (2021); the set's free-pending mark from Intel's DCP tree",
            url: Some(v4_patch(5)),
        },
        (Func::SetPrivateIds, Era::Ext) => Source {
            file: "drivers/iommu/ioasid.c",
            function: "ioasid_attach_spid() / ioasid_find_by_spid() (V4 08/18), ioasid_get_if_owned() (V4 11/18)",
            version: "the extension series, V4 08/18 (2021)",
            url: Some(v4_patch(8)),
        },
        (Func::SetAlloc, Era::V6_6) => Source::at(
            "drivers/iommu/iommu.c",
            "no IOASID sets (ioasid.c was removed in v6.4)",
            era,
        ),
        (Func::SetAlloc, Era::V5_5 | Era::V5_11 | Era::V5_18) => {
            Source::at("include/linux/ioasid.h", "DECLARE_IOASID_SET()", era)
        }
        (Func::SetPrivateIds, Era::V5_5 | Era::V5_11 | Era::V5_18 | Era::V6_6) => Source::at(
            "drivers/iommu/ioasid.c",
            "none: set-private IDs came only with the unmerged extension series",
            era,
        ),
        (Func::RcuReader, Era::V6_6) => Source::at(
            "drivers/iommu/iommu.c",
            "no ioasid_find() (ioasid.c was removed in v6.4)",
            era,
        ),
        (Func::RcuReader, _) => Source::at("drivers/iommu/ioasid.c", "ioasid_find()", era),
        _ => Source::of(f, era),
    }
}

const SETS_TOKEN: &str = "\
[set.create] static DECLARE_IOASID_SET(name);   /* a set is a token: only its address counts */
[set.done] /* ioasid_alloc(&name, ...) tags each ID with it; find(&name, ...) compares it */
\t/* no quota, no owner, no notifier, no set_alloc() or set_free() in this kernel */
[set.free] /* the token is gone (its module unloads): IDs tagged with it are not freed */
[set.unknown] /* the model's: no set of that name */
[set.release] /* nothing to release */
[notify.register] /* ioasid_register_notifier(): not in this kernel */
[notify.call] /* no notifier chains in this kernel */";

const SETS_V6_6: &str = "\
[set.create] /* v6.6: no IOASID sets; PASIDs come from one global allocator */
[set.done] /* the model keeps the name as a label only */
[set.free] /* nothing to free */
[set.unknown] /* the model's: no set of that name */
[set.release] /* nothing to release */
[notify.register] /* no IOASID notifiers in v6.6 */
[notify.call] /* no IOASID notifiers in v6.6 */";

const SETS_V4: &str = "\
[set.create] struct ioasid_set *ioasid_set_alloc(void *token, ioasid_t quota, int type)
{
[+set.create] \tspin_lock(&ioasid_allocator_lock);
[+set.quota|set.capacity] \tif (!quota) quota = ioasid_capacity_avail;   /* 0: all that is left */
[set.quota] \tif (quota > ioasid_capacity_avail) {
[+set.quota] \t\tpr_warn(\"Out of IOASID capacity! ask %d, avail %d\\n\", quota, ioasid_capacity_avail);
[+set.quota] \t\tset = ERR_PTR(-ENOSPC); goto exit_unlock;
\t}
[set.token] \tif (type == IOASID_SET_TYPE_MM && a set with this token exists) { set = ERR_PTR(-EEXIST); goto exit_unlock; }
[set.capacity] \tset->quota = quota; ioasid_capacity_avail -= quota;
[set.done] \txa_alloc(&ioasid_sets, &set->id, set, ...);   /* the set is registered */
[+set.create] exit_unlock:
[+set.create] \tspin_unlock(&ioasid_allocator_lock);
[+set.create] \treturn set;
}

[set.free] int ioasid_set_free(struct ioasid_set *set)
{
[+set.free] \tspin_lock(&ioasid_allocator_lock);
[set.unknown] \tif (!ioasid_set_is_valid(set)) { ret = -EINVAL; goto exit_unlock; }
[set.busy] \tif (atomic_read(&set->nr_ioasids)) {   /* DCP tree: mark it, log, refuse */
[+set.busy] \t\tset->free_pending = true;
[+set.busy] \t\tpr_info(\"Set marked as free_pending, will be released when the last ioasid reclaimed!\\n\");
[+set.busy] \t\tret = -EBUSY; goto exit_unlock;
\t}
[set.release] \txa_erase(&ioasid_sets, set->id); kfree_rcu(set, rcu);   /* also when its last ID goes */
[set.quota_lost] \t/* set->quota is never added back to ioasid_capacity_avail */
[+set.free] exit_unlock:
[+set.free] \tspin_unlock(&ioasid_allocator_lock);
}

[notify.register] int ioasid_register_notifier(struct ioasid_set *set, struct notifier_block *nb)
\t/* NULL set: the global chain; ordered by nb->priority: CPU > IOMMU > DEVICE > LAST */
[notify.call] static int ioasid_notify(data, cmd, flags)
\t/* ALLOC, BIND, UNBIND: the set's chain; FREE: the global chain, then the set's */
\t/* called under ioasid_allocator_lock: atomic chains, callbacks cannot sleep */";

const SETS_IMPROVED: &str = "\
[set.create] int ioasid_set_alloc(name, token, quota)
{
[set.quota] \tif (quota > capacity_left) return -ENOSPC;   /* quota 0: all that is left */
[set.token] \tif (token && token already has a set) return -EEXIST;   /* one set per process */
[set.capacity] \tcapacity_left -= quota;
[set.done] \treturn 0;
}

[set.free] int ioasid_set_free(set)
{
[set.unknown] \tif (!set) return -ENOENT;
[set.busy] \tif (set->nr_ioasids) { set->free_pending = true; return -EBUSY; }   /* takes no new IDs */
[set.release] \tcapacity_left += set->quota; destroy(set);   /* now or with its last ID: the quota comes back */
}

[notify.register] int ioasid_register_notifier(set, nb)   /* NULL set: the global chain */
[notify.call] notify(event): every notifier of the set's chain and the global chain, in one order, CPU > IOMMU > DEVICE";

const SPIDS_NONE: &str = "\
[spid.attach] /* ioasid_attach_spid(): not in this kernel (the extension series was never merged) */
[spid.detach] /* ioasid_detach_spid(): not in this kernel */
[spid.find] /* ioasid_find_by_spid(): not in this kernel */
[owned.check] /* ioasid_get_if_owned(): not in this kernel */";

const SPIDS_V4: &str = "\
[spid.attach] int ioasid_attach_spid(ioasid_t ioasid, ioasid_t spid)
{
[spid.invalid] \tif (spid == INVALID_IOASID) return -EINVAL;
[+spid.unknown|spid.taken|spid.store] \tspin_lock(&ioasid_allocator_lock);
[+spid.unknown|spid.taken|spid.store] \tdata = xa_load(&active_allocator->xa, ioasid);
[spid.unknown] \tif (!data) { pr_err(\"No IOASID entry %d to attach SPID %d\\n\", ioasid, spid); ret = -ENOENT; goto out; }
[spid.taken] \tif (spid already maps to an ID of data->set) { ret = -EINVAL; goto out; }
[spid.store] \tdata->spid = spid;   /* an old spid of this ID is overwritten */
[+spid.store] \tioasid_notify(data, IOASID_NOTIFY_BIND, IOASID_NOTIFY_SET);   /* the set's chain */
[+spid.unknown|spid.taken|spid.store] out:
[+spid.unknown|spid.taken|spid.store] \tspin_unlock(&ioasid_allocator_lock);
}

[spid.detach] void ioasid_detach_spid(ioasid_t ioasid)
{
[+spid.detach] \tspin_lock(&ioasid_allocator_lock);
[+spid.detach] \tdata = xa_load(&active_allocator->xa, ioasid);
[spid.detach_invalid] \tif (!data || data->spid == INVALID_IOASID) { pr_err(\"Invalid IOASID entry %d to detach\\n\", ioasid); goto out; }
[spid.clear] \tioasid_notify(data, IOASID_NOTIFY_UNBIND, IOASID_NOTIFY_SET);   /* before clearing: the event carries the spid */
[+spid.clear] \tdata->spid = INVALID_IOASID;
[+spid.detach] out:
[+spid.detach] \tspin_unlock(&ioasid_allocator_lock);
}

[spid.find] ioasid_t ioasid_find_by_spid(struct ioasid_set *set, ioasid_t spid, bool get)
{
[spid.no_set] \tif (!ioasid_set_is_valid(set)) { pr_warn(\"Invalid set\\n\"); return INVALID_IOASID; }
[spid.miss] \t/* no ID of the set has this spid */ return INVALID_IOASID;
[spid.found] \treturn data->id;   /* with a reference only if get */
}

[owned.check] int ioasid_get_if_owned(ioasid_t ioasid)   /* V4 11/18 */
{
[+owned.check] \tdata = xa_load(&active_allocator->xa, ioasid); if (!data) return -ENOENT;
[owned.not_mm] \tif (data->set->type != IOASID_SET_TYPE_MM) return -EINVAL;
[owned.eperm] \tif (current->mm != data->set->token) return -EPERM;   /* same QEMU process only */
[owned.get] \treturn ioasid_get_locked(NULL, ioasid);
}";

const SPIDS_IMPROVED: &str = "\
[spid.attach] int ioasid_attach_spid(ioasid, spid)
{
[spid.invalid] \tif (spid == INVALID_IOASID) return -EINVAL;
[spid.unknown] \tif (!data) return -ENOENT;
[spid.taken] \tif (spid is already mapped in data->set) return -EINVAL;
[spid.store] \tdata->spid = spid; notify(BIND);
}

[spid.detach] int ioasid_detach_spid(ioasid)
{
[spid.detach_invalid] \tif (!data || !data->spid) return data ? -EINVAL : -ENOENT;
[spid.clear] \tnotify(UNBIND); data->spid = none;
}

[spid.find] int ioasid_find_by_spid(set, spid)   /* guest PASID -> host PASID */
{
[spid.no_set] \tif (!set) return -ENOENT;
[spid.miss] \tif (no ID of set has spid) return -ENOENT;
[spid.found] \treturn data->id;
}

[owned.check] int ioasid_get_if_owned(ioasid)
{
[+owned.check] \tif (!data) return -ENOENT;
[owned.not_mm] \tif (!data->set->token) return -EINVAL;   /* not an mm-token set */
[owned.eperm] \tif (data->set->token != current->mm) return -EPERM;   /* same QEMU process only */
[owned.get] \treturn ioasid_get(data->set, ioasid);
}";

const RCU: &str = "\
[rcu.lock] rcu_read_lock();
[find.enter] priv = ioasid_find(set, ioasid, NULL);   /* sees the old or the new value */
\t/* ... use priv ... */
[rcu.unlock] rcu_read_unlock();
[rcu.gp_end] /* the last reader out ends the writer's grace period */";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_v4_patch_links_to_its_own_message() {
        assert_eq!(
            v4_patch(8),
            "https://lore.kernel.org/r/1614463286-97618-9-git-send-email-jacob.jun.pan@linux.intel.com"
        );
    }
}
