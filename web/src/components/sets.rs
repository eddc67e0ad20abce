//! The sets: each with its token, quota, how many IDs it holds and its guest PASIDs; the
//! capacity quotas are carved from; the notifiers; and a wrong-set request shown refused.
use crate::components::pager::use_pager;
use crate::view::{num, set_style, StepRef, WorldRef};
use ioasid_core::trace::{Event as TraceEvent, Outcome};
use ioasid_core::Errno;
use yew::prelude::*;

/// IDs looked at to list each set's first members.
const MEMBER_SCAN: usize = 4096;
/// Members listed per set.
const MEMBERS_SHOWN: usize = 6;

/// "1, 2, 5", or "1, 2, 5, 7, 8, 9… (40 in all)", or "40" when none was seen.
fn members_text(ids: &[u32], used: u32) -> String {
    if used == 0 {
        return "none".into();
    }
    if ids.is_empty() {
        return num(used);
    }
    // IDs in a list are written plain: "1, 1048576", never "1, 1,048,576".
    let list: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    if used as usize > ids.len() {
        format!("{}… ({} in all)", list.join(", "), num(used))
    } else {
        list.join(", ")
    }
}

#[derive(Properties, PartialEq)]
pub struct SetsProps {
    pub world: WorldRef,
    pub before: WorldRef,
    pub step: Option<StepRef>,
}

#[component]
pub fn Sets(props: &SetsProps) -> Html {
    let w = &props.world;
    let st = props.step.as_ref().and_then(StepRef::get);
    let refused = st.and_then(|s| match s.result {
        Outcome::Err(e @ (Errno::EACCES | Errno::EPERM)) => Some((e, s.explain.clone())),
        _ => None,
    });
    let ext = w.knobs.ext_sets;
    // The notifier calls this step made, in delivery order.
    let told: Vec<(String, u32, String)> = st
        .map(|s| {
            s.events
                .iter()
                .filter_map(|e| match e {
                    TraceEvent::Notified { event, id, to, .. } => {
                        Some((event.clone(), *id, to.to_string()))
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let (set_rows, set_pages) = use_pager(w.sets.len(), "sets");
    let (notifier_rows, notifier_pages) = use_pager(w.notifiers.len(), "notifiers");
    let (told_rows, told_pages) = use_pager(told.len(), "notifier calls");
    if w.knobs.global_pasid {
        return html! {
            <section class="sets panel" aria-labelledby="sets-title">
                <h2 id="sets-title">{ "Sets" }</h2>
                <p class="muted">{ "v6.6 has no IOASID sets and no private data per ID: one global allocator hands out PASIDs, and each device records which domain is attached at which PASID (see Processes and devices)." }</p>
            </section>
        };
    }
    // The first few IDs of each set, from the lowest IDs (a bounded look, never a walk
    // over a full space).
    let mut members: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
    for (id, e) in w.active_store().iter().take(MEMBER_SCAN) {
        if let Some(set) = e.set.as_deref() {
            let v = members.entry(set).or_default();
            if v.len() < MEMBERS_SHOWN {
                v.push(id);
            }
        }
    }
    html! {
        <section class={classes!("sets", "panel", ext.then_some("panel-wide"))} aria-labelledby="sets-title">
            <h2 id="sets-title">{ "Sets" }</h2>
            if let Some((e, why)) = refused {
                <p class="callout callout-refused" role="note">
                    <strong><span aria-hidden="true">{ "✕ " }</span>{ format!("Refused with {}: ", e.name()) }</strong>
                    { e.meaning() }{ ". " }{ why }
                </p>
            }
            <div class="table-scroll">
            <table class="data-table">
                <caption class="sr-only">{ "Sets, their tokens, quotas and IDs" }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "Set" }</th>
                        <th scope="col">{ "Token" }</th>
                        if ext { <th scope="col">{ "Quota" }</th> }
                        <th scope="col">{ "IDs" }</th>
                        if ext { <th scope="col">{ "Guest → host PASIDs" }</th> }
                    </tr>
                </thead>
                <tbody>
                    { for w.sets.iter().skip(set_rows.start).take(set_rows.len()).map(|(name, s)| {
                        let changed = props.before.sets.get(name) != Some(s);
                        let spids: Vec<String> = s.spids.iter().take(8).map(|(g, h)| format!("{g}→{h}")).collect();
                        html! {
                            <tr class={classes!(changed.then_some("changed"))}>
                                <th scope="row">
                                    <span class={classes!("swatch", format!("set-{}", set_style(Some(name))))} aria-hidden="true"></span>
                                    { name.to_string() }
                                    if s.free_pending { <span class="badge badge-warn">{ "being freed" }</span> }
                                    if changed { <span class="sr-only">{ " (changed at this step)" }</span> }
                                </th>
                                <td>{ s.token.as_ref().map_or("none".to_string(), |t| format!("mm {t}")) }</td>
                                if ext { <td>{ s.quota.map_or("none".to_string(), num) }</td> }
                                <td>
                                    { members_text(members.get(&**name).map_or(&[][..], Vec::as_slice), s.used) }
                                    if let Some(q) = s.quota.filter(|q| *q > 0 && ext) {
                                        <meter min="0" max={q.to_string()} value={s.used.to_string()}
                                            aria-label={format!("{} of {} used", s.used, q)}></meter>
                                    }
                                </td>
                                if ext { <td class="mono">{ if spids.is_empty() { "–".to_string() } else { spids.join(", ") } }</td> }
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            </div>
            { set_pages }
            if ext {
                <p class={classes!("muted", (w.capacity_left != props.before.capacity_left).then_some("changed"))}>
                    { format!("Capacity left to give out as quotas: {} of {}", num(w.capacity_left), num(0x10_0000u32)) }
                </p>
            } else {
                <p class="muted">{ "In this profile a set is only a token: a lookup that names a set finds only that set's IDs; no set (a wildcard) finds any." }</p>
            }
            if !w.notifiers.is_empty() {
                <h3>{ "Notifiers (called in priority order: CPU, IOMMU, device)" }</h3>
                <ol class="plain" start={(notifier_rows.start + 1).to_string()}>
                    { for {
                        let mut n: Vec<_> = w.notifiers.iter().collect();
                        n.sort_by_key(|x| x.priority);
                        n
                    }.into_iter().skip(notifier_rows.start).take(notifier_rows.len()).map(|n| html! {
                        <li>{ format!("{} ({}) on {}", n.name, n.priority.label(), n.set.as_ref().map_or("the global chain".to_string(), |s| format!("set {s}"))) }</li>
                    }) }
                </ol>
                { notifier_pages }
            }
            if !told.is_empty() {
                <h3>{ "Notified at this step" }</h3>
                <ol class="plain" start={(told_rows.start + 1).to_string()}>
                    { for told.get(told_rows).unwrap_or_default().iter().map(|(event, id, to)| html! {
                        <li>{ format!("{event} of ID {id} → {to}") }</li>
                    }) }
                </ol>
                { told_pages }
            }
        </section>
    }
}
