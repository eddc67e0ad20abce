//! The fault path: each page request of this step travelling device -> queue -> group ->
//! lookup in the SVA set -> mm -> mapping -> permission -> response, with the stage where
//! it stopped and why; and what waits in the queue.
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
    let events: Vec<&Event> = st.map(|s| s.events.iter().collect()).unwrap_or_default();
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
            { for events.iter().map(|e| match e {
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
                    let stale = events.iter().any(|e| matches!(e,
                        Event::FaultStep { device, group, stale: true, .. } if *device == r.device && *group == r.group));
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
            <h3>{ "Waiting" }</h3>
            if w.queue.is_empty() && held == 0 && !abandoned {
                <p class="muted">{ "No page request is held or queued." }</p>
            } else {
                <ul class="plain">
                    { for w.queue.iter().map(|g| html! {
                        <li>{ format!("Queued: group {} of {} ({} request(s), PASID {})", g.group, g.device, g.requests.len(),
                            g.requests.last().and_then(|r| r.pasid).map_or("none".to_string(), num)) }</li>
                    }) }
                    { for w.devices.iter().filter(|(_, d)| !d.partial.is_empty()).map(|(n, d)| html! {
                        <li>{ format!("Held at {n}: {} request(s) waiting for the last of their group", d.held()) }</li>
                    }) }
                    { for w.devices.iter().flat_map(|(n, d)| d.abandoned.iter().map(move |(g, k)| (n, *g, *k))).take(16).map(|(n, g, k)| html! {
                        <li class="response-warn">{ format!("Discarded at {n}: group {g} ({k} request(s)) never formed; {n} waits for a response that never comes") }</li>
                    }) }
                </ul>
            }
        </section>
    }
}
