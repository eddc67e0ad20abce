//! Custom allocators: `ioasid_register_allocator`, `ioasid_unregister_allocator`, and the vcmd host.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds. The kernel eras share one text (`ioasid.c` of v5.5, v5.11 and
/// v5.18 has the same registration code; v5.11's lines are one further down); `ext`
/// keeps it (the series did not change these functions' rules); `improved` shows this
/// project's design.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    if era == Era::V6_6 {
        let text = match f {
            Func::RegisterAllocator => {
                "[register.enter] ioasid_register_allocator(): gone since v6.4"
            }
            Func::UnregisterAllocator => {
                "[unregister.enter] ioasid_unregister_allocator(): gone since v6.4"
            }
            Func::VcmdHost => HOST,
            _ => return None,
        };
        let source = if f == Func::VcmdHost {
            Source::of(f, era)
        } else {
            super::removed_in_v6_4(f)
        };
        return Some((source, text));
    }
    let ours = era == Era::Improved;
    let text = match f {
        Func::RegisterAllocator if ours => REGISTER_IMPROVED,
        Func::RegisterAllocator => REGISTER_KERNEL,
        Func::UnregisterAllocator if ours => UNREGISTER_IMPROVED,
        Func::UnregisterAllocator => UNREGISTER_KERNEL,
        Func::VcmdHost => HOST,
        _ => return None,
    };
    let line = match (f, era) {
        (Func::RegisterAllocator, Era::V5_11) => Some(139),
        (Func::RegisterAllocator, _) => Some(138),
        (Func::UnregisterAllocator, Era::V5_11) => Some(207),
        (Func::UnregisterAllocator, _) => Some(206),
        _ => None,
    };
    Some((Source::of(f, era).with_line(line), text))
}

const REGISTER_KERNEL: &str = "\
\t/* called by VT-d's register_pasid_allocator() (v5.8+), which prints pr_info(\"Register custom PASID allocator\")
\t   before and pr_warn(\"Custom PASID allocator failed, scalable mode disabled\") on any error */
[register.enter] int ioasid_register_allocator(ops)
{
[+register.enter] \tspin_lock(&ioasid_allocator_lock);
[+register.enter] \tia_data = a new allocator record for ops;   /* -ENOMEM if that fails */
[register.first] \tif (list_empty(&allocators_list)) {
[+register.first] \t\tWARN_ON(active_allocator != &default_allocator);
[register.activate] \t\tif (xa_empty(&active_allocator->xa)) { active_allocator = ia_data; list_add_tail(ia_data); goto out_unlock; }
[register.eagain] \t\tpr_warn(\"Default allocator active with outstanding IOASID\"); ret = -EAGAIN; goto out_free;
\t}
\tfor each pallocator in allocators_list, in registration order {
[register.dup] \t\tif (pallocator->ops == ops) { pr_err(\"IOASID allocator already registered\"); ret = -EEXIST; goto out_free; }   /* the group's first ops, kept after it left */
[register.join] \t\tif (same alloc and free as pallocator->ops) { list_add_tail(&ops->list, &pallocator->slist); goto out_free; }   /* a member already on the list is added twice */
\t}
[register.queue] \tlist_add_tail(&ia_data->list, &allocators_list);   /* inactive */
[+register.queue] \tspin_unlock(&ioasid_allocator_lock);
[+register.queue] \treturn 0;
[+register.dup|register.join|register.eagain] out_free:
[+register.dup|register.join|register.eagain] \tkfree(ia_data);
[+register.enter] out_unlock:
[+register.enter] \tspin_unlock(&ioasid_allocator_lock);
[+register.enter] \treturn ret;
}";

const REGISTER_IMPROVED: &str = "\
\t/* VT-d's register_pasid_allocator() prints pr_info(\"Register custom PASID allocator\") before
\t   and pr_warn(\"Custom PASID allocator failed, scalable mode disabled\") on any error */
[register.enter] int ioasid_register_allocator(ops)
{
[+register.enter] \tspin_lock(&ioasid_allocator_lock);
[register.first] \tif (list_empty(&allocators_list)) {
[register.eagain] \t\tif (!xa_empty(&default_allocator.xa)) { pr_warn(\"Default allocator active with outstanding IOASID\"); ret = -EAGAIN; goto out; }
[register.activate] \t\tactive_allocator = new allocator for ops;   /* active at once */
[+register.activate] \t\tgoto out;
\t}
[register.dup] \tif (ops is any group's member) { pr_err(\"IOASID allocator already registered\"); ret = -EEXIST; goto out; }
[register.join] \tif (a group has the same alloc and free) { add ops to its members; goto out; }
[register.queue] \tlist_add_tail(new allocator for ops, &allocators_list);   /* inactive */
[+register.enter] out:
[+register.enter] \tspin_unlock(&ioasid_allocator_lock);
[+register.enter] \treturn ret;
}";

const UNREGISTER_KERNEL: &str = "\
[unregister.enter] void ioasid_unregister_allocator(ops)
{
[+unregister.enter] \tspin_lock(&ioasid_allocator_lock);
[unregister.none] \tif (list_empty(&allocators_list)) { pr_warn(\"No custom IOASID allocators active!\"); goto out; }
\tpallocator = the first group whose first ops has the same alloc and free as ops;   /* not: ops's own group */
[unregister.no_match] \t/* none: nothing happens */
[unregister.last] \tif (list_is_singular(&pallocator->slist)) {   /* one member left, whoever it is */
[+unregister.last] \t\tlist_del(&pallocator->list);
[unregister.orphan] \t\tWARN_ON(!xa_empty(&pallocator->xa));   /* its IDs are orphaned */
[unregister.default] \t\tif (list_empty(&allocators_list)) { pr_info(\"No custom IOASID allocators, switch to default.\"); active_allocator = &default_allocator; }
[unregister.switch] \t\telse if (pallocator == active_allocator) { active_allocator = first of allocators_list; pr_info(\"IOASID allocator changed\"); }
[unregister.remove] \t\tkfree_rcu(pallocator, rcu);
[+unregister.remove] \t\tgoto out;
\t}
[unregister.member] \tfor each sops in pallocator->slist {   /* several members */
[unregister.leave] \t\tif (sops == ops) { list_del(&ops->list); break; }
\t}
[unregister.stale_pdata] \t/* ops was the group's first ops: it stays, and its pdata goes on being passed to alloc and free */
[unregister.not_member] \t/* ops is no member: nothing happens */
[+unregister.enter] out:
[+unregister.enter] \tspin_unlock(&ioasid_allocator_lock);
}";

const UNREGISTER_IMPROVED: &str = "\
[unregister.enter] int ioasid_unregister_allocator(ops)
{
[+unregister.enter] \tspin_lock(&ioasid_allocator_lock);
[unregister.none] \tif (list_empty(&allocators_list)) { pr_warn(\"No custom IOASID allocators active!\"); ret = -ENOENT; goto out; }
[unregister.no_match] \tif (ops is no group's member) { ret = -ENOENT; goto out; }
[unregister.member] \tif (ops's group has other members) {
[unregister.leave] \t\tlist_del(&ops->list);
[unregister.promote] \t\tif (ops was the primary) group->pdata = next->pdata;
[+unregister.member] \t\tgoto out;
\t}
[unregister.last] \t/* ops is the last member of its group: the group goes */
[unregister.busy] \tif (!xa_empty(&group->xa)) { ret = -EBUSY; goto out; }   /* free the IDs first */
[unregister.remove] \tlist_del(group); kfree_rcu(group, rcu);
[unregister.default] \tif (list_empty(&allocators_list)) { pr_info(\"No custom IOASID allocators, switch to default.\"); active_allocator = &default_allocator; }
[unregister.switch] \telse if (group was active) { active_allocator = first of allocators_list; pr_info(\"IOASID allocator changed\"); }
[+unregister.enter] out:
[+unregister.enter] \tspin_unlock(&ioasid_allocator_lock);
[+unregister.enter] \treturn ret;
}";

const HOST: &str = "\
/* the host, answering a guest's virtual command */
[host.create] host PASID space [min, max], shared by every guest
[host.script] scripted answers are used first
[host.alloc] VCMD_ALLOC: id = lowest free in [min, max]; answer id or NO_PASID (the guest reads a 20-bit field)
[host.free] VCMD_FREE: release id; an unknown id is answered 'invalid PASID'";
