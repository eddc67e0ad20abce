//! An op in words, with its arguments' values before it ran: the narration's "call".
use crate::id::Name;
use crate::lesson::{IdArg, Op};
use crate::world::World;

/// The op in words, e.g. "alloc(set sva, [1, 1048575], mm A)".
pub fn describe_op(w: &World, op: &Op) -> String {
    // Inside an argument list: "no data", not the label's parenthesised gloss.
    let data = |d: &Option<crate::id::Data>| d.map_or_else(|| "no data".into(), |d| d.label());
    match op {
        Op::Alloc {
            set,
            min,
            max,
            data: d,
        } => {
            format!(
                "alloc({}, [{}, {}], {})",
                set_arg(set),
                arg(w, min),
                arg(w, max),
                data(d)
            )
        }
        Op::Free { id, set } => format!(
            "free({}{})",
            arg(w, id),
            set.as_ref().map_or(String::new(), |s| format!(", set {s}"))
        ),
        Op::Get { id, .. } => format!("get({})", arg(w, id)),
        Op::Put { id, .. } => format!("put({})", arg(w, id)),
        Op::GetIfOwned { id, mm } => format!("get_if_owned({}) from mm {mm}", arg(w, id)),
        Op::Find { set, id, getter } => format!(
            "find({}, {}{})",
            // A NULL set is a wildcard, except in the 2019 IDR allocator's exact match.
            set.as_ref().map_or_else(
                || if w.knobs.rfc_find_exact && !w.knobs.global_pasid {
                    "no set"
                } else {
                    "any set"
                }
                .into(),
                |s| format!("set {s}")
            ),
            arg(w, id),
            if getter.is_some() { ", mm getter" } else { "" }
        ),
        Op::SetData { id, data: d } => format!("set_data({}, {})", arg(w, id), data(d)),
        Op::AttachData { id, data: d } => format!("attach_data({}, {})", arg(w, id), d.label()),
        Op::DetachData { id } => format!("detach_data({})", arg(w, id)),
        Op::AttachSpid { id, spid } => format!("attach_spid({}, guest PASID {spid})", arg(w, id)),
        Op::DetachSpid { id } => format!("detach_spid({})", arg(w, id)),
        Op::FindBySpid { set, spid } => format!("find_by_spid(set {set}, guest PASID {spid})"),
        Op::SetCreate { set, token, quota } => format!(
            "set_create({set}{}{})",
            token
                .as_ref()
                .map_or(String::new(), |t| format!(", mm {t}")),
            quota.map_or(String::new(), |q| format!(", quota {q}"))
        ),
        Op::SetFree { set } => format!("set_free({set})"),
        Op::HostCreate { host, min, max } => format!(
            "host {host} created for [{}, {}]:",
            arg(w, min),
            arg(w, max)
        ),
        Op::HostAnswer { host, answers } => {
            format!("host {host} scripted {} answer(s):", answers.len())
        }
        Op::HostAlloc { host, guest } => format!("{guest} asks host {host} for a PASID:"),
        Op::HostFree { host, id } => format!("host {host} frees {}:", arg(w, id)),
        Op::Register { allocator, fns, .. } => {
            format!("register_allocator({allocator}, functions {fns})")
        }
        Op::Unregister { allocator } => format!("unregister_allocator({allocator})"),
        Op::MmCreate { mm, .. } => format!("process {mm} starts:"),
        Op::MmExit { mm } => format!("process {mm} exits:"),
        Op::Bind { device, mm, .. } => format!("bind({device}, mm {mm})"),
        Op::Unbind { device, mm } => format!("unbind({device}, mm {mm})"),
        Op::Fault {
            device,
            pasid,
            addr,
            perm,
            group,
            last,
        } => format!(
            "{device} sends a page request ({}, {:#x}, {perm}, group {group}{}):",
            pasid
                .as_ref()
                .map_or_else(|| "no PASID".into(), |p| format!("PASID {}", arg(w, p))),
            addr.0,
            if *last { ", last" } else { "" }
        ),
        // VT-d's own thread (v5.5/v5.11) handles the page request queue itself.
        Op::RunFaults {} if w.knobs.vtd_prq && !w.knobs.global_pasid => {
            "VT-d's page-request thread runs:".into()
        }
        Op::RunFaults {} => "the fault workqueue runs:".into(),
        Op::Flush { device } => format!("flush({device}):"),
        Op::Overflow { device } => format!("{device}'s page request queue overflows:"),
        Op::AttachPasid {
            device,
            pasid,
            domain,
        } => format!(
            "attach_device_pasid(domain {domain}, {device}, {})",
            arg(w, pasid)
        ),
        Op::DetachPasid { device, pasid } => {
            format!("detach_device_pasid({device}, {})", arg(w, pasid))
        }
        Op::ReadBegin { reader, set, id } => format!(
            "{reader}: rcu_read_lock(); find({}, {})",
            set_arg(set),
            arg(w, id)
        ),
        Op::ReadEnd { reader } => format!("{reader}: rcu_read_unlock()"),
        Op::NotifierRegister {
            name,
            priority,
            set,
        } => format!(
            "register notifier {name} ({} priority) on {}",
            priority.label(),
            set.as_ref()
                .map_or_else(|| "the global chain".into(), |s| format!("set {s}"))
        ),
    }
}

fn arg(w: &World, a: &IdArg) -> String {
    match a {
        IdArg::Num(n, _) => n.to_string(),
        // The learner sees the number; the lesson's variable name is its author's.
        IdArg::Var(v) => match w.vars.get(v) {
            Some(n) => n.to_string(),
            None => format!("${v}"),
        },
    }
}

fn set_arg(s: &Option<Name>) -> String {
    s.as_ref()
        .map_or_else(|| "no set".into(), |s| format!("set {s}"))
}
