//! The fault path: each page request of this step travelling device -> queue -> group ->
//! lookup in the SVA set -> mm -> mapping -> permission -> response, with the stage where
//! it stopped and why; and what waits in the queue.
use crate::components::pager::use_pager;
use crate::view::{num, StepRef, WorldRef};
use ioasid_core::trace::{Code, Event, FaultStage};
use yew::prelude::*;

const STAGES: [&str; 6] = [
    "Device",
    "Queue",
    "Lookup",
    "Process (mm)",
    "Mapping",
    "Permission",
];

/// The stage index where a request stopped (or `STAGES.len()` when it was served).
fn stop_index(stage: FaultStage) -> usize {
    match stage {
        // Queued with its group, then not looked at: an earlier request failed.
        FaultStage::Skipped => 2,
        FaultStage::NoPasid | FaultStage::Lookup | FaultStage::Domain => 2,
        // v6.6: the domain was found but cannot resolve faults (not an SVA domain).
        FaultStage::Getter | FaultStage::Handler => 3,
        FaultStage::Mapping => 4,
        FaultStage::Permission => 5,
        FaultStage::Done => STAGES.len(),
    }
}

#[derive(Properties, PartialEq)]
pub struct FaultPathProps {
    pub world: WorldRef,
    pub step: Option<StepRef>,
}

#[component]
pub fn FaultPath(props: &FaultPathProps) -> Html {
    let w = &props.world;
    let st = props.step.as_ref().and_then(StepRef::get);
    // The fault path's own events (a step that runs a long queue has one per request).
    let events: Vec<&Event> = st
        .map(|s| {
            s.events
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Event::FaultHeld { .. }
                            | Event::FaultQueued { .. }
                            | Event::Discarded { .. }
                            | Event::FaultStep { .. }
                            | Event::Responded(_)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    // The (device, group)s whose lookup found the PASID's next owner.
    let stale_groups: Vec<(&_, &_)> = events
        .iter()
        .filter_map(|e| match e {
            Event::FaultStep {
                device,
                group,
                stale: true,
                ..
            } => Some((device, group)),
            _ => None,
        })
        .collect();
    let (ev_rows, ev_pages) = use_pager(events.len(), "fault path events");
    let partial: Vec<_> = w
        .devices
        .iter()
        .filter(|(_, d)| !d.partial.is_empty())
        .collect();
    let (wait_rows, wait_pages) = use_pager(w.queue.len() + partial.len(), "waiting requests");
    // The page's rows: queued groups first, then the devices holding requests.
    let queued = w.queue.len();
    let queue_rows = wait_rows.start.min(queued)..wait_rows.end.min(queued);
    let held_rows = wait_rows.start.saturating_sub(queued)..wait_rows.end.saturating_sub(queued);
    let lookup = if w.knobs.global_pasid {
        "Lookup: (device, the group's last PASID) → domain, once per group"
    } else if w.knobs.wildcard_fault_lookup {
        "Lookup: PASID in any set (wildcard)"
    } else {
        "Lookup: PASID in the SVA set"
    };
    // v6.6: the attached domain's handler is what turns the PASID into an mm.
    let process = if w.knobs.global_pasid {
        "Handler: the domain's fault handler"
    } else {
        "Process (mm)"
    };
    let held: usize = w.devices.values().map(|d| d.held()).sum();
    let abandoned = w.devices.values().any(|d| !d.abandoned.is_empty());
    html! {
        <section class="fault-path panel" aria-labelledby="fault-title">
            <h2 id="fault-title">{ "Fault path" }</h2>
            { for events.iter().skip(ev_rows.start).take(ev_rows.len()).map(|e| match e {
                Event::FaultHeld { device, group } => html! {
                    <p class="fault-note">{ format!("{device} sent a request of group {group} that is not the last: held until the last one arrives.") }</p>
                },
                Event::FaultQueued { device, group, requests } => html! {
                    <p class="fault-note">{ format!("Group {group} of {device} is complete ({requests} request(s)): queued for the workqueue.") }</p>
                },
                Event::Discarded { device, count } => html! {
                    <p class="callout callout-warn">{ format!("{device}'s queue overflowed: {count} held request(s) discarded; their group never forms.") }</p>
                },
                Event::FaultStep { device, group, pasid, addr, access, stage, ok, detail, stale } => {
                    let stop = stop_index(*stage);
                    let skipped = *stage == FaultStage::Skipped;
                    let title = format!("{device} · group {group} · {} · {access} access at {addr:#x}",
                        pasid.map_or("no PASID".to_string(), |p| format!("PASID {p}")));
                    html! {
                        <div class="fault-request">
                            <p class="fault-title">{ title }</p>
                            <ol class="pipeline" aria-label="Stages of the fault path">
                                { for STAGES.iter().enumerate().map(|(k, name)| {
                                    let name = match k { 2 => lookup, 3 => process, _ => name };
                                    let (class, mark, word) = if *stale && k == 2 {
                                        // Found, but the PASID names its next owner now.
                                        ("pstage pstage-warn", "!", "passed, but found the PASID's next owner")
                                    } else if k < stop {
                                        ("pstage pstage-ok", "✓", "passed")
                                    } else if skipped {
                                        ("pstage pstage-skip", "–", "skipped: an earlier request of its group failed")
                                    } else if k == stop && !ok {
                                        ("pstage pstage-stop", "✕", "stopped here")
                                    } else {
                                        ("pstage pstage-skip", "·", "not reached")
                                    };
                                    html! {
                                        <li class={class}>
                                            <span aria-hidden="true">{ mark }{ " " }</span>{ name }
                                            <span class="sr-only">{ format!(": {word}") }</span>
                                        </li>
                                    }
                                }) }
                            </ol>
                            <p class={if *stale { "fault-detail stale-text" } else if *ok { "fault-detail ok-text" } else if skipped { "fault-detail muted" } else { "fault-detail err-text" }}>
                                if *stale { <strong>{ "Stale: " }</strong> }
                                { detail }
                            </p>
                        </div>
                    }
                }
                Event::Responded(r) => {
                    let stale = stale_groups.iter().any(|(d, g)| **d == r.device && **g == r.group);
                    let (class, mark) = match r.code {
                        Code::SUCCESS if stale => ("response response-warn", "!"),
                        Code::SUCCESS => ("response response-ok", "✓"),
                        _ => ("response response-bad", "✕"),
                    };
                    html! {
                        <p class={class}><span aria-hidden="true">{ mark }{ " " }</span>{ format!("Response: {}", r.describe()) }</p>
                    }
                }
                _ => Html::default(),
            }) }
            { ev_pages }
            <h3>{ "Waiting" }</h3>
            if w.queue.is_empty() && held == 0 && !abandoned {
                <p class="muted">{ "No page request is held or queued." }</p>
            } else {
                <ul class="plain">
                    { for w.queue.iter().skip(queue_rows.start).take(queue_rows.len()).map(|g| html! {
                        <li>{ format!("Queued: group {} of {} ({} request(s), PASID {})", g.group, g.device, g.requests.len(),
                            g.requests.last().and_then(|r| r.pasid).map_or("none".to_string(), num)) }</li>
                    }) }
                    { for partial.get(held_rows).unwrap_or_default().iter().map(|(n, d)| html! {
                        <li>{ format!("Held at {n}: {} request(s) waiting for the last of their group", d.held()) }</li>
                    }) }
                    { for w.devices.iter().flat_map(|(n, d)| d.abandoned.iter().map(move |(g, k)| (n, *g, *k))).take(16).map(|(n, g, k)| html! {
                        <li class="response-warn">{ format!("Discarded at {n}: group {g} ({k} request(s)) never formed; {n} waits for a response that never comes") }</li>
                    }) }
                </ul>
                { wait_pages }
            }
        </section>
    }
}
