//! Custom allocators: `ioasid_register_allocator`, `ioasid_unregister_allocator`, and the vcmd host.
//!
//! Written for this project in the kernel's style, not copied from the kernel: each
//! listing follows the function of the era its profile names (see `Era`), and
//! [`super::Source`] says where that function is.
use super::{Era, Func, Source};

/// This file's listing of `f` under `era`, with its source; `None` for a function
/// another file holds.
pub(super) fn listing(f: Func, era: Era) -> Option<(Source, &'static str)> {
    let text = match f {
        Func::RegisterAllocator => REGISTER,
        Func::UnregisterAllocator => UNREGISTER,
        Func::VcmdHost => HOST,
        _ => return None,
    };
    Some((Source::of(f, era), text))
}

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
