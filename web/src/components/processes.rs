//! Processes and devices: each mm with its mappings and PASID, each device with its PASID
//! range and bonds, and (v6.6) the (device, PASID) -> domain attachments.
use crate::components::pager::use_pager;
use crate::view::{num, WorldRef};
use ioasid_core::id::Name;
use ioasid_core::narrate::stale_pasid_note;
use ioasid_core::sva::DomainRef;
use std::collections::BTreeMap;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProcessesProps {
    pub world: WorldRef,
    pub before: WorldRef,
}

/// Above this many IDs in storage, the "private data of" list is not computed: it would
/// read every entry at every step.
const DATA_SCAN_LIMIT: usize = 4_096;

/// A device's bonds and attachments named before "and N more".
const NAMED: usize = 12;

/// The first [`NAMED`] of `items` joined with `sep`, then "and N more" of the `total`
/// (the rest are counted by the caller, never written out).
#[inline(never)]
fn clipped(items: impl Iterator<Item = String>, total: usize, sep: &str) -> String {
    let shown: Vec<String> = items.take(NAMED).collect();
    let more = total.saturating_sub(shown.len());
    let mut out = shown.join(sep);
    if more > 0 {
        out.push_str(&format!("{sep}and {} more", num(more as u64)));
    }
    out
}

#[component]
pub fn Processes(props: &ProcessesProps) -> Html {
    let w = &props.world;
    let (mm_rows, mm_pages) = use_pager(w.mms.size(), "processes");
    let (dev_rows, dev_pages) = use_pager(w.devices.len(), "devices");
    let (att_rows, att_pages) = use_pager(w.attachments.len(), "attachments");
    // IDs whose private data names each mm (set_data or alloc with data, not a bind).
    let mut data_of: BTreeMap<Name, Vec<u32>> = BTreeMap::new();
    if !w.knobs.global_pasid && w.active_store().len() <= DATA_SCAN_LIMIT {
        for (id, e) in w.active_store().iter() {
            if let Some(mm) = e.data.as_ref().and_then(|d| d.mm()) {
                data_of.entry(*mm).or_default().push(id);
            }
        }
    }
    if w.mms.is_empty() && w.devices.is_empty() && w.attachments.is_empty() {
        return html! {
            <section class="processes panel" aria-labelledby="proc-title">
                <h2 id="proc-title">{ "Processes and devices" }</h2>
                <p class="muted">{ "None yet: processes appear when a lesson creates them (mm_create), devices when they are bound. An mm named only as an ID's private data, such as mm A, is a label here, not a running process." }</p>
            </section>
        };
    }
    html! {
        <section class="processes panel" aria-labelledby="proc-title">
            <h2 id="proc-title">{ "Processes and devices" }</h2>
            if !w.mms.is_empty() {
                <ul class="plain">
                    { for w.mms.iter().skip(mm_rows.start).take(mm_rows.len()).map(|(name, m)| {
                        let changed = props.before.mms.get(name) != Some(m);
                        let maps = clipped(m.maps.iter().map(|mp| format!("{:#x}+{:#x} {}", mp.start, mp.len, mp.perm)), m.maps.len(), ", ");
                        html! {
                            <li class={classes!(changed.then_some("changed"))}>
                                <strong>{ format!("mm {name}") }</strong>
                                if m.alive { <span class="badge">{ "running" }</span> } else { <span class="badge badge-warn">{ "exited" }</span> }
                                // An ID can carry the mm as private data without being
                                // the mm's own PASID (mm->pasid is set by a bind only).
                                { match (m.pasid, data_of.get(name)) {
                                    (Some(p), _) => format!(" · PASID {}", num(p)),
                                    (None, Some(ids)) => format!(" · no PASID of its own; private data of ID {}",
                                        clipped(ids.iter().map(|i| num(*i)), ids.len(), ", ")),
                                    (None, None) => " · PASID none".to_string(),
                                } }
                                if let Some(note) = m.pasid.and_then(|p| stale_pasid_note(w, *name, p)) {
                                    <span class="badge badge-warn">{ note }</span>
                                }
                                if !maps.is_empty() { <span class="muted mono">{ format!(" · maps {maps}") }</span> }
                            </li>
                        }
                    }) }
                </ul>
                { mm_pages }
            }
            if !w.devices.is_empty() {
                <ul class="plain">
                    { for w.devices.iter().skip(dev_rows.start).take(dev_rows.len()).map(|(name, d)| {
                        let changed = props.before.devices.get(name) != Some(d);
                        let exited = |mm: &Name| w.mms.get(mm).is_some_and(|m| !m.alive);
                        let bonds = clipped(d.bonds.iter().map(|(mm, n)| {
                            let times = if *n > 1 { format!(" ×{n}") } else { String::new() };
                            let gone = if exited(mm) { " (exited)" } else { "" };
                            format!("{mm}{times}{gone}")
                        }), d.bonds.len(), ", ");
                        let attached_count = w.attachments.keys().filter(|(dev, _)| dev == name).count();
                        let attached = clipped(w.attachments.iter()
                            .filter(|((dev, _), _)| dev == name)
                            .map(|((_, p), dom)| format!("PASID {p} → {}", match dom {
                                DomainRef::Sva(mm) => format!("mm {mm}'s SVA domain"),
                                DomainRef::Domain(x) => format!("domain {x}"),
                            })), attached_count, "; ");
                        html! {
                            <li class={classes!(changed.then_some("changed"))}>
                                <strong>{ format!("device {name}") }</strong>
                                { format!(" · PASIDs {}–{} · {}", num(d.min), num(d.max),
                                    if bonds.is_empty() { "no SVA bind".to_string() } else { format!("SVA-bound to {bonds}") }) }
                                if !attached.is_empty() { { format!(" · attached: {attached}") } }
                            </li>
                        }
                    }) }
                </ul>
                { dev_pages }
            }
            if !w.attachments.is_empty() {
                <h3>{ "Attachments (device, PASID) → domain" }</h3>
                <ul class="plain">
                    { for w.attachments.iter().skip(att_rows.start).take(att_rows.len()).map(|((dev, pasid), d)| html! {
                        <li>{ format!("({dev}, {pasid}) → {}", match d {
                            DomainRef::Sva(mm) => format!("SVA domain of mm {mm}"),
                            DomainRef::Domain(x) => format!("domain {x}"),
                        }) }</li>
                    }) }
                </ul>
                { att_pages }
            }
        </section>
    }
}
