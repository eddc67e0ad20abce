//! Private data and readers: each ID's data (or "not yet bound"), the readers inside an
//! RCU read-side section with what they saw, and the grace periods writers wait in.
use crate::components::pager::use_pager;
use crate::view::{data_text, num, StepRef, WorldRef};
use ioasid_core::id::data_label;
use ioasid_core::trace::Event;
use yew::prelude::*;

/// IDs listed with their data before "and N more".
const DATA_ROWS: usize = 12;

#[derive(Properties, PartialEq)]
pub struct ReadersProps {
    pub world: WorldRef,
    pub before: WorldRef,
    pub step: Option<StepRef>,
}

#[component]
pub fn Readers(props: &ReadersProps) -> Html {
    let w = &props.world;
    let (reader_rows, reader_pages) = use_pager(w.readers.len(), "readers");
    let (grace_rows, grace_pages) = use_pager(w.grace.len(), "waiting writers");
    if w.knobs.global_pasid {
        return html! {
            <section class="readers panel" aria-labelledby="readers-title">
                <h2 id="readers-title">{ "Private data and readers" }</h2>
                <p class="muted">{ "v6.6 keeps no private data per PASID and has no ioasid_find(): a page request is routed by the domain attached at (device, PASID), listed under Processes and devices." }</p>
            </section>
        };
    }
    let store = w.active_store();
    let st = props.step.as_ref().and_then(StepRef::get);
    let changed: Vec<u32> = st.map(|s| s.changed.clone()).unwrap_or_default();
    let grace_ended = st.is_some_and(|s| {
        s.events
            .iter()
            .any(|e| matches!(e, Event::GraceEnded { .. }))
    });
    // The IDs to list: those changed at this step, those readers look at, then the lowest.
    let mut ids: Vec<u32> = changed.clone();
    ids.extend(w.readers.values().map(|r| r.id));
    ids.extend(w.grace.iter().map(|g| g.id));
    ids.extend(store.iter().take(DATA_ROWS).map(|(id, _)| id));
    let mut seen = std::collections::BTreeSet::new();
    ids.retain(|id| seen.insert(*id));
    ids.truncate(DATA_ROWS);
    ids.sort_unstable();
    let more = store
        .len()
        .saturating_sub(ids.iter().filter(|id| store.contains(**id)).count());
    html! {
        <section class="readers panel" aria-labelledby="readers-title">
            <h2 id="readers-title">{ "Private data and readers" }</h2>
            if ids.is_empty() {
                <p class="muted">{ "No ID is allocated." }</p>
            } else {
                <table class="data-table">
                    <caption class="sr-only">{ "IDs and their private data" }</caption>
                    <thead><tr><th scope="col">{ "ID" }</th><th scope="col">{ "Private data" }</th></tr></thead>
                    <tbody>
                        { for ids.iter().map(|id| {
                            let e = store.get(*id);
                            let now = e.map(|e| e.data);
                            let before = props.before.active_store().get(*id);
                            let was = before.map(|e| e.data);
                            let is_changed = changed.contains(id) && now != was;
                            // Unregistering its allocator dropped it from storage; its
                            // owner still uses it.
                            let orphan = e.is_none() && w.orphans.iter().any(|(o, _)| o == id);
                            let text = if orphan { "orphaned: its owner still uses it".to_string() } else { data_text(e) };
                            html! {
                                <tr class={classes!(is_changed.then_some("changed"))}>
                                    <th scope="row" class="mono">{ num(*id) }</th>
                                    <td class={classes!(matches!(now, Some(None)).then_some("unbound"))}>
                                        { text }
                                        if is_changed {
                                            <span class="was">{ format!(" (was {})", data_text(before)) }</span>
                                        }
                                    </td>
                                </tr>
                            }
                        }) }
                    </tbody>
                </table>
                if more > 0 { <p class="muted">{ format!("… and {} more IDs: zoom in the ID space to see them.", num(more as u64)) }</p> }
            }
            <h3>{ "Readers in flight (rcu_read_lock)" }</h3>
            if w.readers.is_empty() {
                <p class="muted">{ "None." }</p>
            } else {
                <ul class="plain">
                    { for w.readers.iter().skip(reader_rows.start).take(reader_rows.len()).map(|(name, r)| {
                        let now = store.get(r.id).and_then(|e| e.data);
                        let stale = now != r.saw;
                        let fresh = !props.before.readers.contains_key(name);
                        html! {
                            <li class={classes!(fresh.then_some("changed"))}>
                                <strong>{ name.to_string() }</strong>
                                { format!(" reads ID {} since step {}: saw {}", r.id, r.since + 1, data_label(r.saw.as_ref())) }
                                if stale {
                                    <span class="badge badge-warn">{ format!("holds an old value: the ID now has {}", data_label(now.as_ref())) }</span>
                                }
                            </li>
                        }
                    }) }
                </ul>
                { reader_pages }
            }
            <h3>{ "Grace periods" }</h3>
            if grace_ended {
                <p class="callout callout-change" role="note">{ "A grace period ended at this step: the writer's synchronize_rcu() returns." }</p>
            }
            if w.grace.is_empty() {
                <p class="muted">{ "No writer is waiting." }</p>
            } else {
                <ul class="plain">
                    { for w.grace.iter().skip(grace_rows.start).take(grace_rows.len()).map(|g| html! {
                        <li>
                            { format!("The set_data of step {} on ID {} waits in synchronize_rcu() for: ", g.writer_step + 1, g.id) }
                            <strong>{ w.grace_waiting(g).iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ") }</strong>
                        </li>
                    }) }
                </ul>
                { grace_pages }
            }
        </section>
    }
}
