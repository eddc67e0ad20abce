//! The allocators: the default one and every registered custom allocator, grouped by the
//! functions they share, the active one marked; the paravirtual hosts with their own ID
//! space and the guests drawing from it; IDs orphaned by an unregister.
use crate::components::pager::use_pager;
use crate::view::{num, StepRef, WorldRef};
use ioasid_core::host::{Answer, AnswerWord};
use ioasid_core::narrate::{default_allocator_name, default_standing, group_standing, Standing};
use ioasid_core::trace::Event;
use yew::prelude::*;

/// Host IDs listed before "and N more".
const HOST_IDS_SHOWN: usize = 12;
/// An allocator group's members, and a host's scripted answers, named before "and N more".
const MEMBERS_SHOWN: usize = 12;

/// "Default allocator": a name as the heading of its list item.
fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

#[derive(Properties, PartialEq)]
pub struct AllocatorsProps {
    pub world: WorldRef,
    pub before: WorldRef,
    pub step: Option<StepRef>,
}

#[component]
pub fn Allocators(props: &AllocatorsProps) -> Html {
    let w = &props.world;
    let st = props.step.as_ref().and_then(StepRef::get);
    let events: Vec<&Event> = st.map(|s| s.events.iter().collect()).unwrap_or_default();
    let switched = events.iter().find_map(|e| match e {
        Event::ActiveChanged { from, to } => {
            Some(format!("The active allocator changed: {from} → {to}."))
        }
        _ => None,
    });
    let orphaned = events.iter().find_map(|e| match e {
        Event::Orphaned { count, .. } if *count > 0 => Some(format!(
            "{} ID(s) were orphaned: their allocator is gone, lookups now answer ENOENT, and the same numbers can be handed out again.",
            num(*count as u64)
        )),
        _ => None,
    });
    let (group_rows, group_pages) = use_pager(w.groups.len(), "custom allocators");
    let (host_rows, host_pages) = use_pager(w.hosts.len(), "hosts");
    let default_name = capitalized(default_allocator_name(w));
    let default_active = default_standing(w).is_active();
    let default_changed = w.default_store.len() != props.before.default_store.len();
    let host_changed = |name: &str| -> bool {
        let a = w
            .hosts
            .iter()
            .find(|(n, _)| &***n == name)
            .map(|(_, h)| (h.ids.len(), h.answers.len()));
        let b = props
            .before
            .hosts
            .iter()
            .find(|(n, _)| &***n == name)
            .map(|(_, h)| (h.ids.len(), h.answers.len()));
        a != b
    };
    html! {
        <section class="allocators panel" aria-labelledby="alloc-title">
            <h2 id="alloc-title">{ "Allocators" }</h2>
            if let Some(s) = switched { <p class="callout callout-change" role="note"><span aria-hidden="true">{ "⇄ " }</span>{ s }</p> }
            if let Some(o) = orphaned { <p class="callout callout-warn" role="note"><span aria-hidden="true">{ "⚠ " }</span>{ o }</p> }
            <ol class="alloc-list">
                <li class={classes!("alloc", default_active.then_some("active"), default_changed.then_some("changed"))}>
                    <p class="alloc-name">
                        { default_name }
                        if default_active { <span class="badge badge-active">{ "★ active" }</span> } else { <span class="badge">{ "inactive" }</span> }
                    </p>
                    <p class="muted">{ format!("xarray, lowest free ID first · {} ID(s) stored", num(w.default_store.len() as u64)) }</p>
                </li>
                { for w.groups.iter().enumerate().skip(group_rows.start).take(group_rows.len()).map(|(i, g)| {
                    let before = props.before.groups.iter().find(|b| b.fns == g.fns);
                    let changed = before.is_none_or(|b| b.members != g.members || b.store.len() != g.store.len() || b.pdata != g.pdata);
                    let stale = !g.members.contains(&g.pdata);
                    html! {
                        <li class={classes!("alloc", group_standing(w, i).is_active().then_some("active"), changed.then_some("changed"))}>
                            <p class="alloc-name">
                                { format!("Custom allocator · functions {}", g.fns) }
                                if let Standing::Waiting { place } = group_standing(w, i) { <span class="badge">{ format!("waiting, {place} in line") }</span> }
                                else { <span class="badge badge-active">{ "★ active" }</span> }
                            </p>
                            <p>
                                { "Members: " }
                                { for g.members.iter().enumerate().take(MEMBERS_SHOWN).map(|(k, m)| html! {
                                    <span class="member">{ m.to_string() }{ if k == 0 && !stale { " (primary)" } else { "" } }</span>
                                }) }
                                if g.members.len() > MEMBERS_SHOWN { { format!(" and {} more", num((g.members.len() - MEMBERS_SHOWN) as u64)) } }
                            </p>
                            <p class={classes!(stale.then_some("warn-text"))}>
                                { format!("Calls use the private data of {}", g.pdata) }
                                if stale { <strong>{ " — already unregistered (stale pdata)" }</strong> }
                            </p>
                            if let Some(h) = &g.host { <p class="muted">{ format!("Backend: host {h} (virtual command interface)") }</p> }
                            <p class="muted">{ format!("{} ID(s) recorded in its own storage", num(g.store.len() as u64)) }</p>
                        </li>
                    }
                }) }
            </ol>
            { group_pages }
            if !w.hosts.is_empty() {
                <h3>{ "Hosts (paravirtual, vcmd)" }</h3>
                <ul class="host-list">
                    { for w.hosts.iter().skip(host_rows.start).take(host_rows.len()).map(|(name, h)| {
                        let ids: Vec<Html> = h.ids.iter().take(HOST_IDS_SHOWN).map(|(id, guest)| html! {
                            <li><span class="mono">{ num(id) }</span>{ format!(" → {guest}") }</li>
                        }).collect();
                        let more = h.ids.len().saturating_sub(HOST_IDS_SHOWN);
                        let mut answers: Vec<String> = h.answers.iter().take(MEMBERS_SHOWN).map(|a| match a {
                            Answer::Id(id) => id.to_string(),
                            Answer::Word(AnswerWord::NoPasid) => "no PASID".to_string(),
                        }).collect();
                        if h.answers.len() > MEMBERS_SHOWN {
                            answers.push(format!("and {} more", num((h.answers.len() - MEMBERS_SHOWN) as u64)));
                        }
                        html! {
                            <li class={classes!("host", host_changed(name).then_some("changed"))}>
                                <p class="alloc-name">{ format!("Host {name}") }</p>
                                <p class="muted">{ format!("Its own PASID space, {}–{}, shared by every guest · {} given out", num(h.min), num(h.max), num(h.ids.len() as u64)) }</p>
                                if !ids.is_empty() {
                                    <ul class="host-ids" aria-label={format!("PASIDs host {name} gave out")}>{ for ids }</ul>
                                }
                                if more > 0 { <p class="muted">{ format!("… and {} more", num(more as u64)) }</p> }
                                if !answers.is_empty() { <p>{ format!("Scripted answers queued: {}", answers.join(", ")) }</p> }
                            </li>
                        }
                    }) }
                </ul>
                { host_pages }
            }
            if !w.orphans.is_empty() {
                <h3>{ "Orphaned IDs" }</h3>
                <p class="muted">{ "Handed out by an allocator group whose last member was unregistered (named after each ID): their owners still use them, but no storage knows them. A host may list them under the group's first member, whose private data the calls used." }</p>
                <ul class="chips">
                    { for w.orphans.iter().take(32).map(|(id, from)| html! { <li class="chip chip-warn">{ format!("{} (lost when {from} left)", num(*id)) }</li> }) }
                    if w.orphans.len() > 32 { <li class="muted">{ format!("… and {} more", num((w.orphans.len() - 32) as u64)) }</li> }
                </ul>
            }
            if !w.quarantined.is_empty() {
                <h3>{ "Quarantined IDs" }</h3>
                <p class="muted">{ "Freed while page requests for them were pending: kept out of reuse until they are handled." }</p>
                <ul class="chips">{ for w.quarantined.iter().take(32).map(|id| html! { <li class="chip">{ num(*id) }</li> }) }</ul>
            }
        </section>
    }
}
