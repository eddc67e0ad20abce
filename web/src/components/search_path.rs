//! The lowest-free search of an alloc, drawn as its path down the radix tree: one row per
//! node visited, its 64 slots with their "free below" marks, the slot the path followed,
//! and the nodes the search had to back out of.
use crate::view::num;
use ioasid_core::id::PASID_MAX;
use ioasid_core::xarray::XaVisit;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SearchPathProps {
    pub path: Vec<XaVisit>,
    pub min: u32,
    pub max: u32,
    pub found: Option<u32>,
    /// Which storage was searched.
    pub store: AttrValue,
    /// The step (as on screen) that searched, when it is not the one shown.
    pub from_step: Option<usize>,
}

fn slot_range(v: &XaVisit, slot: u32) -> (u64, u64) {
    let size = 1u64 << v.shift;
    let lo = u64::from(v.base) + u64::from(slot) * size;
    (lo, lo + size - 1)
}

fn range_text(lo: u64, hi: u64) -> String {
    if lo == hi {
        num(lo)
    } else {
        format!("{}–{}", num(lo), num(hi))
    }
}

#[component]
pub fn SearchPath(props: &SearchPathProps) -> Html {
    let heading = match props.from_step {
        Some(s) => format!("Search path of the last alloc (step {})", num(s as u64)),
        None => "Search path of this alloc".to_string(),
    };
    let outcome = match props.found {
        Some(id) => format!(
            "Found {}: the lowest free ID from {} to {}.",
            num(id),
            num(props.min),
            num(props.max)
        ),
        None => format!(
            "No free ID from {} to {}: the range is full.",
            num(props.min),
            num(props.max)
        ),
    };
    // An earlier step's search is history: folded, so it is not read as this step's.
    html! {
        <details class="search-path" open={props.from_step.is_none()}>
            <summary><h3>{ heading }</h3></summary>
            <p class="muted">{ format!("In the {} storage, looking for the lowest free ID from {} to {}.", props.store, num(props.min), num(props.max)) }</p>
            if props.path.is_empty() {
                <p class="muted">{ "No node was visited: the tree held nothing there yet (it was empty, or the range lies beyond the IDs it covers), so the lowest ID of the range is free at once and the tree grows to hold it." }</p>
            } else {
                <ol class="path-rows">
                    { for props.path.iter().map(|v| {
                        let span = 64u64 << v.shift;
                        let node_hi = u64::from(v.base) + span - 1;
                        let (lo, hi) = slot_range(v, u32::from(v.slot));
                        let what = if v.backtracked {
                            format!("no free ID in range below: backed out (last slot looked at: {})", v.slot)
                        } else if v.shift == 0 {
                            format!("slot {} is ID {}", v.slot, num(lo))
                        } else {
                            format!("followed slot {} (IDs {})", v.slot, range_text(lo, hi))
                        };
                        let label = format!(
                            "Level {}: node {} ({} per slot). {}",
                            v.level,
                            range_text(u64::from(v.base), node_hi),
                            if v.shift == 0 { "1 ID".to_string() } else { format!("{} IDs", num(1u64 << v.shift)) },
                            what
                        );
                        html! {
                            <li class={classes!("path-row", v.backtracked.then_some("backtracked"))}>
                                <p class="path-label">{ label }</p>
                                <div class="slots" aria-hidden="true">
                                    { for (0..64u32).map(|s| {
                                        let free = (v.free_marks >> s) & 1 == 1;
                                        let taken = s == u32::from(v.slot);
                                        // Slots wholly above the 20-bit space hold no PASID.
                                        let beyond = slot_range(v, s).0 > u64::from(PASID_MAX);
                                        let state = if beyond { "beyond the 20-bit PASID space" } else if free { "a free ID below" } else { "full below" };
                                        let title = match (taken, v.backtracked) {
                                            (true, true) => format!("slot {s}: {state}; backed out"),
                                            (true, false) => format!("slot {s}: {state}; path followed"),
                                            (false, _) => format!("slot {s}: {state}"),
                                        };
                                        html! { <span class={classes!("slot", if free { "slot-free" } else { "slot-full" }, taken.then_some("slot-taken"), beyond.then_some("slot-beyond"))}
                                            {title}>
                                            { if taken { if v.backtracked { "×" } else { "↓" } } else { "" } }
                                        </span> }
                                    }) }
                                </div>
                            </li>
                        }
                    }) }
                </ol>
                if props.path.len() == 1 && props.path[0].shift == 0 {
                    <p class="muted">{ "The tree is as tall as its highest ID needs: while every ID is below 64 it is a single leaf. A higher ID adds levels on top, and the search then walks down one node per level." }</p>
                }
                <p class="slots-legend" aria-hidden="true">
                    <span class="slot slot-free"></span>{ " a free ID below · " }
                    <span class="slot slot-full"></span>{ " full below · " }
                    <span class="slot slot-taken slot-free">{ "↓" }</span>{ " path followed · " }
                    <span class="slot slot-taken slot-full">{ "×" }</span>{ " backed out · " }
                    <span class="slot slot-free slot-beyond"></span>{ " beyond the PASID space" }
                </p>
            }
            <p class="path-outcome"><strong>{ outcome }</strong></p>
        </details>
    }
}
