//! The ID space: every ID in use, coloured (and labelled) by set, from the whole 2^20
//! space down to single IDs. The zoom follows the radix tree's shape: the root's slots
//! (262,144 IDs each), a node's slots (4,096), a leaf's (64), then the IDs themselves.
//! Beside it: the overview canvas, the search path of the last alloc, and one ID up close.
use super::id_detail::IdDetail;
use super::id_overview::{IdOverview, BLOCK, COLS, ROWS};
use super::search_path::SearchPath;
use crate::hooks::use_keyboard::GRID_CELLS;
use crate::state::Theme;
use crate::view::{num, set_style, set_tag, StepRef, TraceRef, WorldRef};
use ioasid_core::id::{data_label, PASID_MAX, PASID_RESERVED};
use ioasid_core::narrate::{default_allocator_name, group_standing};
use ioasid_core::space::{Entry, IdState, World};
use ioasid_core::trace::Event as TraceEvent;
use ioasid_core::xarray::{XArray, XaVisit};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Slot size (as a shift) of each zoom level: the root, a node, a leaf, single IDs.
const LEVEL_SHIFT: [u32; 4] = [18, 12, 6, 0];
/// How far back to look for the last search when the step shown did not search.
const SEARCH_LOOKBACK: usize = 512;

/// A node of the zoom: its level (0 the root .. 3 a leaf of 64 IDs) and its first ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zoom {
    pub level: usize,
    pub base: u32,
}

impl Zoom {
    /// The node of `level` that holds `id`.
    pub fn around(level: usize, id: u32) -> Zoom {
        let level = level.min(3);
        let span = node_span(level);
        Zoom {
            level,
            base: id.min(PASID_MAX) / span * span,
        }
    }
    /// The IDs it covers.
    pub fn range(self) -> (u32, u32) {
        let hi = u64::from(self.base) + u64::from(node_span(self.level)) - 1;
        (self.base, hi.min(u64::from(PASID_MAX)) as u32)
    }
    /// Its slots: how many, and how many IDs each.
    pub fn slots(self) -> (u32, u32) {
        let size = 1u32 << LEVEL_SHIFT[self.level];
        let (lo, hi) = self.range();
        ((hi - lo) / size + 1, size)
    }
}

fn node_span(level: usize) -> u32 {
    // The root covers the whole 20-bit space (its 4 slots); the others 64 slots.
    if level == 0 {
        PASID_MAX + 1
    } else {
        64u32 << LEVEL_SHIFT[level]
    }
}

/// The highest ID in use within the 20-bit space: a binary search on counts (each
/// O(height)), never a walk over the IDs.
fn highest_in_use(store: &XArray<Entry>) -> Option<u32> {
    if store.count_in(0, PASID_MAX) == 0 {
        return None;
    }
    let (mut lo, mut hi) = (0u32, PASID_MAX);
    // Invariant: some ID in use lies in [lo, hi], none above hi.
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if store.count_in(mid, hi) > 0 {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    Some(lo)
}

/// " (0.0003%)": a share in percent with four decimals, without float formatting.
fn percent(part: u64, whole: u64) -> String {
    if part == 0 || whole == 0 {
        return String::new();
    }
    let ten_thousandths = (part * 1_000_000 + whole / 2) / whole;
    format!(
        " ({}.{:04}%)",
        ten_thousandths / 10_000,
        ten_thousandths % 10_000
    )
}

fn range_text(lo: u32, hi: u32) -> String {
    if lo == hi {
        num(lo)
    } else {
        format!("{}–{}", num(lo), num(hi))
    }
}

/// The storages a learner can look at: the active allocator's first.
fn stores(w: &World) -> Vec<(String, &XArray<Entry>)> {
    let default_name = default_allocator_name(w);
    if w.groups.is_empty() {
        return vec![(default_name.to_string(), &w.default_store)];
    }
    let mut v: Vec<(String, &XArray<Entry>)> = w
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let tag = if group_standing(w, i).is_active() {
                "active"
            } else {
                "inactive"
            };
            (format!("{} ({tag})", g.label()), &g.store)
        })
        .collect();
    v.push((format!("{default_name} (inactive)"), &w.default_store));
    v
}

/// The search to draw: this step's, else the last one before it.
fn last_search(
    trace: &TraceRef,
    step: Option<&StepRef>,
) -> Option<(SearchPathProps0, Option<usize>)> {
    let i = step?.index;
    let lo = i.saturating_sub(SEARCH_LOOKBACK);
    for k in (lo..=i).rev() {
        let st = trace.steps.get(k)?;
        for e in st.events.iter().rev() {
            if let TraceEvent::Search {
                store,
                min,
                max,
                path,
                found,
            } = e
            {
                let from = (k != i).then_some(k + 1);
                return Some((
                    SearchPathProps0 {
                        store: store.clone(),
                        min: *min,
                        max: *max,
                        path: path.clone(),
                        found: *found,
                    },
                    from,
                ));
            }
        }
    }
    None
}

struct SearchPathProps0 {
    store: String,
    min: u32,
    max: u32,
    path: Vec<XaVisit>,
    found: Option<u32>,
}

#[derive(Properties, PartialEq)]
pub struct IdSpaceProps {
    pub world: WorldRef,
    pub trace: TraceRef,
    /// The step shown, when its result is revealed.
    pub step: Option<StepRef>,
    pub theme: Theme,
    /// A question about this step waits: hold back what would give the answer away.
    #[prop_or_default]
    pub hold_hints: bool,
    /// Set while a `pick` question waits: the ID cells become its answers, each
    /// handing its ID to this callback.
    #[prop_or_default]
    pub on_pick: Option<Callback<u32>>,
}

#[component]
pub fn IdSpace(props: &IdSpaceProps) -> Html {
    let pinned = use_state(|| None::<Zoom>);
    let selected = use_state(|| None::<u32>);
    let store_pick = use_state(|| 0usize);
    let goto_text = use_state(String::new);
    let goto_error = use_state(|| None::<String>);

    let w: &World = &props.world;
    let all = stores(w);
    let pick = if *store_pick < all.len() {
        *store_pick
    } else {
        0
    };
    let (store_name, store) = (all[pick].0.clone(), all[pick].1);

    let st = props.step.as_ref().and_then(StepRef::get);
    let changed: Vec<u32> = st.map(|s| s.changed.clone()).unwrap_or_default();
    // Searches run in the default (first-fit) storage: drawn only while it is shown.
    let search = std::ptr::eq(store, &w.default_store)
        .then(|| last_search(&props.trace, props.step.as_ref()))
        .flatten();
    let focus = changed
        .first()
        .copied()
        .or_else(|| {
            search
                .as_ref()
                .and_then(|(s, from)| from.is_none().then_some(s.found).flatten())
        })
        .or(*selected)
        .unwrap_or(0);
    let zoom = pinned.unwrap_or_else(|| Zoom::around(3, focus));
    let (zlo, zhi) = zoom.range();

    // The overview's counts: recomputed only for a new world or another storage.
    let counts = use_memo((props.world.clone(), pick), |(world, pick)| {
        let all = stores(world);
        let s = all.get(*pick).map_or(&world.default_store, |x| x.1);
        let v: Vec<u32> = (0..COLS * ROWS)
            .map(|b| s.count_in(b * BLOCK, b * BLOCK + BLOCK - 1) as u32)
            .collect();
        v
    });
    let changed_blocks: Rc<Vec<u32>> = {
        let mut b: Vec<u32> = changed
            .iter()
            .map(|id| id / BLOCK)
            .filter(|b| *b < COLS * ROWS)
            .collect();
        b.dedup();
        Rc::new(b)
    };
    let above = store.count_in(PASID_MAX + 1, u32::MAX);
    // PASIDs are the 20-bit IDs; a custom allocator's answer above them is counted apart.
    let in_use = store.len().saturating_sub(above);
    let lowest_free = store.find_free(1, PASID_MAX, None);
    let highest = highest_in_use(store);
    let blocks_used = counts.iter().filter(|&&n| n > 0).count();
    // A custom allocator's storage only records what its allocator answered: the next
    // ID is that allocator's choice (its host's, for vcmd), not this storage's first fit.
    let custom = w.groups.get(pick);
    let next = match custom {
        _ if props.hold_hints => "(answer the question first)".to_string(),
        Some(g) => match &g.host {
            Some(h) => format!("host {h} picks it (this storage is the guest's record)"),
            None => "the custom allocator picks it".to_string(),
        },
        None => lowest_free.map_or("none (full)".to_string(), num),
    };
    let summary = format!(
        "{} of {} PASIDs in use{}. {}: {}. Highest PASID in use: {}. The PASIDs in use lie in {} of {} blocks of 4,096.",
        num(in_use as u64),
        num(u64::from(PASID_MAX) + 1),
        percent(in_use as u64, u64::from(PASID_MAX) + 1),
        if custom.is_some() { "Next ID" } else { "Lowest free PASID from 1" },
        next,
        highest.map_or("none".to_string(), num),
        blocks_used,
        COLS * ROWS,
    );

    let set_zoom = |z: Option<Zoom>| {
        let pinned = pinned.clone();
        Callback::from(move |_: MouseEvent| pinned.set(z))
    };
    let on_pick_block = {
        let pinned = pinned.clone();
        Callback::from(move |id: u32| pinned.set(Some(Zoom::around(2, id))))
    };
    let on_store = {
        let store_pick = store_pick.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                store_pick.set(s.value().parse().unwrap_or(0));
            }
        })
    };
    let on_goto_input = {
        let goto_text = goto_text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                goto_text.set(i.value());
            }
        })
    };
    // A few IDs stored above the 20-bit space, which Go to ID may show.
    let stored_above: Vec<u32> = store
        .range(PASID_MAX + 1, u32::MAX)
        .map(|(id, _)| id)
        .take(64)
        .collect();
    let on_goto = {
        let (goto_text, goto_error, pinned, selected) = (
            goto_text.clone(),
            goto_error.clone(),
            pinned.clone(),
            selected.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let t = goto_text.trim();
            let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => t.replace(',', "").parse::<u32>().ok(),
            };
            match parsed {
                Some(id) if id <= PASID_MAX => {
                    goto_error.set(None);
                    pinned.set(Some(Zoom::around(3, id)));
                    selected.set(Some(id));
                }
                // Beyond the 20-bit space there is no grid to zoom to, but an ID stored
                // there (a custom allocator's out-of-range answer) has its details.
                Some(id) if stored_above.contains(&id) => {
                    goto_error.set(None);
                    selected.set(Some(id));
                }
                _ => goto_error.set(Some(format!(
                    "Type an ID from 0 to {} (decimal or 0x hex), or one stored above that.",
                    num(PASID_MAX)
                ))),
            }
        })
    };

    let (nslots, size) = zoom.slots();
    let on_path: Vec<u32> = search
        .as_ref()
        .and_then(|(s, _)| s.found)
        .into_iter()
        .collect();
    // One cell is in the Tab order (the selected ID's, else the first); the arrow keys
    // move between the others (`on_cells_key`), so the grid is one Tab stop, not 64.
    let current = match (*selected).or_else(|| changed.first().copied()) {
        Some(id) if size == 1 && id >= zoom.base && id - zoom.base < nslots => id - zoom.base,
        _ => 0,
    };
    let picking = props.on_pick.is_some();
    let cells = (0..nslots).map(|k| {
        let tabindex = if k == current { "0" } else { "-1" };
        // The cell Tab reaches says how to reach the others; while a pick question
        // waits, every cell says what choosing it does.
        let keys = match (picking, k == current) {
            (true, true) => Some("pick-hint cells-keys"),
            (true, false) => Some("pick-hint"),
            (false, true) => Some("cells-keys"),
            (false, false) => None,
        };
        let lo = zoom.base + k * size;
        let hi = lo + (size - 1);
        let is_changed = changed.iter().any(|c| (lo..=hi).contains(c));
        let has_found = on_path.iter().any(|c| (lo..=hi).contains(c));
        if size == 1 {
            let id = lo;
            let entry = store.get(id);
            let sel = *selected == Some(id);
            let onclick = match &props.on_pick {
                Some(pick) => pick.reform(move |_: MouseEvent| id),
                None => {
                    let selected = selected.clone();
                    Callback::from(move |_: MouseEvent| selected.set(Some(id)))
                }
            };
            let pick_word = if picking { "Pick " } else { "" };
            match entry {
                Some(e) => {
                    // An orphaned ID handed out again: two owners now use one number.
                    let aliased = w.orphans.iter().any(|(o, _)| *o == id);
                    let style = set_style(e.set.as_deref());
                    let (glyph, state_word) = match e.state {
                        // The data decides: V4 (ext) never moves an ID to ACTIVE.
                        IdState::Idle | IdState::Active if e.data.is_some() => ("●", "data bound"),
                        IdState::Idle | IdState::Active => ("○", "no data yet"),
                        IdState::FreePending => ("◐", "free pending"),
                        IdState::Quarantined => ("⊘", "quarantined"),
                    };
                    let label = if w.knobs.global_pasid {
                        format!("{pick_word}ID {id}: allocated{}", if is_changed { ", changed at this step" } else { "" })
                    } else { format!(
                        "{pick_word}ID {}: set {}, {}, {} reference(s), {}{}{}",
                        id,
                        e.set.as_deref().unwrap_or("none"),
                        data_label(e.data.as_ref()),
                        e.refs,
                        state_word,
                        if aliased { ", and still used by the orphaned owner it was taken from: two owners share this number" } else { "" },
                        if is_changed { ", changed at this step" } else { "" }
                    ) };
                    html! {
                        <li>
                            <button type="button" aria-label={label.clone()} title={label} aria-pressed={sel.to_string()} {tabindex} aria-describedby={keys}
                                class={classes!("id-cell", "used", format!("set-{style}"), aliased.then_some("aliased"),
                                    is_changed.then_some("changed"), sel.then_some("selected"), has_found.then_some("found"))}
                                {onclick}>
                                <span class="id-num">{ id }</span>
                                <span class="id-tag">{ set_tag(e.set.as_deref()) }</span>
                                <span class="id-state" aria-hidden="true">{ glyph }{ if e.refs > 1 { format!("×{}", e.refs) } else { String::new() } }</span>
                                if is_changed { <span class="delta" aria-hidden="true">{ "Δ" }</span> }
                                if aliased { <span class="alias-mark" aria-hidden="true">{ "×2" }</span> }
                            </button>
                        </li>
                    }
                }
                None => {
                    let orphan = w.orphans.iter().any(|(o, _)| *o == id);
                    let reserved = id == PASID_RESERVED && !orphan;
                    let label = format!(
                        "{pick_word}ID {id}: free{}{}",
                        if orphan { " here, but orphaned: its old owner still uses it" }
                        else if reserved { ", but reserved: PASID 0 means DMA without a PASID, so callers allocate from 1" }
                        else { "" },
                        if is_changed { ", changed at this step" } else { "" }
                    );
                    html! {
                        <li>
                            <button type="button" aria-label={label.clone()} title={label} aria-pressed={sel.to_string()} {tabindex} aria-describedby={keys}
                                class={classes!("id-cell", "free", orphan.then_some("orphan"), is_changed.then_some("changed"), sel.then_some("selected"))}
                                {onclick}>
                                <span class="id-num">{ id }</span>
                                <span class="id-tag">{ if orphan { "orphan" } else if reserved { "rsvd" } else { "free" } }</span>
                                if is_changed { <span class="delta" aria-hidden="true">{ "Δ" }</span> }
                            </button>
                        </li>
                    }
                }
            }
        } else {
            let n = store.count_in(lo, hi);
            let frac = n as f64 / f64::from(size);
            let text = if n == 0 { String::new() } else if n as u64 == u64::from(size) { "full".into() } else { format!("{} used", num(n as u64)) };
            let label = format!("IDs {}: {} in use{}. Zoom in", range_text(lo, hi), num(n as u64),
                if is_changed { ", one changed at this step" } else { "" });
            let onclick = {
                let pinned = pinned.clone();
                let next = Zoom { level: zoom.level + 1, base: lo };
                Callback::from(move |_: MouseEvent| pinned.set(Some(next)))
            };
            let fill = if n == 0 { 0 } else { ((frac.sqrt() * 100.0) as u32).max(12) };
            html! {
                <li>
                    <button type="button" aria-label={label.clone()} title={label} {tabindex} aria-describedby={keys}
                        class={classes!("range-cell", (n > 0).then_some("used"), is_changed.then_some("changed"), has_found.then_some("found"))}
                        {onclick}>
                        <span class="fill" style={format!("height: {fill}%")} aria-hidden="true"></span>
                        <span class="id-num range-start" aria-hidden="true">{ format!("{}…", num(lo)) }</span>
                        <span class="range-count">{ text }</span>
                        if is_changed { <span class="delta" aria-hidden="true">{ "Δ" }</span> }
                    </button>
                </li>
            }
        }
    });

    let crumbs: Vec<Zoom> = (0..=zoom.level)
        .map(|l| Zoom::around(l, zoom.base))
        .collect();
    let detail_id = (*selected).or_else(|| changed.first().copied());
    let sets_here: Vec<Option<String>> = {
        let mut v: Vec<Option<String>> = store
            .range(zlo, zhi)
            .take(512)
            .map(|(_, e)| e.set.as_ref().map(|s| s.to_string()))
            .collect();
        v.sort();
        v.dedup();
        v
    };

    html! {
        <section class="id-space panel" aria-labelledby="ids-title">
            <div class="panel-head">
                <h2 id="ids-title">{ "ID space" }</h2>
                if all.len() > 1 {
                    <label class="inline">
                        <span>{ "Storage" }</span>
                        <select onchange={on_store} aria-label="Storage shown">
                            { for all.iter().enumerate().map(|(i, (n, _))| html! {
                                <option value={i.to_string()} selected={i == pick}>{ n }</option>
                            }) }
                        </select>
                    </label>
                } else {
                    <span class="muted">{ format!("Storage: {store_name}") }</span>
                }
            </div>
            <div class="overview-row">
                <IdOverview counts={counts.clone()} window={(zlo, zhi)} changed={changed_blocks}
                    theme={props.theme} on_pick={on_pick_block} label={summary.clone()} />
                <p class="overview-summary">{ &summary }
                    if above > 0 {
                        { if above == 1 {
                            " 1 ID lies above the 20-bit PASID space (a custom allocator's answer, stored as is); Go to ID shows it.".to_string()
                        } else {
                            format!(" {} IDs lie above the 20-bit PASID space (a custom allocator's answer, stored as is); Go to ID shows them.", num(above as u64))
                        } }
                    }
                </p>
            </div>
            <nav class="crumbs" aria-label="Zoom">
                <ol>
                    { for crumbs.iter().enumerate().map(|(l, c)| {
                        let (lo, hi) = c.range();
                        let current = l == zoom.level;
                        let text = if l == 0 { "All IDs".to_string() } else { range_text(lo, hi) };
                        html! {
                            <li>
                                if current {
                                    <span aria-current="location">{ text }</span>
                                } else {
                                    <button type="button" class="link-button" onclick={set_zoom(Some(*c))}>{ text }</button>
                                }
                            </li>
                        }
                    }) }
                </ol>
                if pinned.is_some() {
                    <button type="button" class="link-button follow" onclick={set_zoom(None)}>{ "Follow the step" }</button>
                } else {
                    <span class="muted follow">{ "Following the step" }</span>
                }
                <form class="goto" onsubmit={on_goto}>
                    <label>
                        <span>{ "Go to ID" }</span>
                        <input type="text" inputmode="numeric" size="8" value={(*goto_text).clone()} oninput={on_goto_input}
                            aria-invalid={goto_error.is_some().then_some("true")} />
                    </label>
                    <button type="submit" class="small">{ "Show" }</button>
                </form>
            </nav>
            if let Some(e) = &*goto_error { <p class="field-error" role="alert">{ e }</p> }
            if picking {
                <p class="callout pick-hint" id="pick-hint">
                    { if size == 1 {
                        "Pick the ID this step will hand out or change: click its cell, or press Enter on it (Tab reaches the grid, the arrow keys move in it)."
                    } else {
                        "Pick the ID this step will hand out or change: zoom in to single IDs (or go to one), then choose its cell."
                    } }
                </p>
            }
            <p class="zoom-caption" id="zoom-caption">
                { match zoom.level {
                    3 => format!("IDs {}: one leaf of the tree, 64 slots.", range_text(zlo, zhi)),
                    0 => "The whole PASID space in 4 ranges of 262,144 IDs (the top of a full tree). Choose one to zoom in.".to_string(),
                    l => format!("IDs {}: a node at level {l}, each slot covers {} IDs. Choose one to zoom in.", range_text(zlo, zhi), num(size)),
                } }
                <span class="keys-hint" id="cells-keys">{ " Arrow keys move between the cells." }</span>
            </p>
            <ul class={classes!("cells", if size == 1 { "cells-ids" } else { "cells-ranges" }, (zhi >= 10_000).then_some("cells-wide"), picking.then_some("cells-picking"))}
                aria-label="ID cells"
                onkeydown={Callback::from(on_cells_key)}>
                { for cells }
            </ul>
            if size == 1 && !sets_here.is_empty() {
                <ul class="set-legend" aria-label="Sets on screen">
                    { for sets_here.iter().map(|s| html! {
                        <li><span class={classes!("swatch", format!("set-{}", set_style(s.as_deref())))} aria-hidden="true"></span>
                            { s.as_ref().map_or("no set".to_string(), |s| format!("set {s}")) }</li>
                    }) }
                    if w.knobs.global_pasid {
                        <li class="muted">{ "○ allocated (v6.6 keeps no data per PASID) · Δ changed" }</li>
                    } else {
                        <li class="muted">{ "○ no data yet · ● data bound · ◐ free pending · ⊘ quarantined · Δ changed · ×2 two owners (an orphan reused)" }</li>
                    }
                    if !w.orphans.is_empty() { <li class="muted">{ "orphan: free here, still used by its old owner" }</li> }
                </ul>
            }
            if let Some(id) = detail_id {
                <IdDetail world={props.world.clone()} id={id} entry={store.get(id).cloned()}
                    store={AttrValue::from(store_name.clone())} changed={changed.contains(&id)}
                    custom={custom.is_some()} />
            }
            if let Some((s, from)) = search {
                <SearchPath path={s.path} min={s.min} max={s.max} found={s.found}
                    store={AttrValue::from(s.store)} from_step={from} />
            }
        </section>
    }
}

/// Moves the focus between the cells of the grid: Left and Right by one, Up and Down by
/// a row (as many cells as sit on the first row, so any width works), Home and End to
/// the ends. The cell reached becomes the grid's Tab stop.
fn on_cells_key(e: KeyboardEvent) {
    // The list from the cell (yew delegates events: `current_target` is the app's root).
    let Some(target) = e.target_dyn_into::<HtmlElement>() else {
        return;
    };
    let Some(list) = target.closest(GRID_CELLS).ok().flatten() else {
        return;
    };
    let Ok(nodes) = list.query_selector_all("button") else {
        return;
    };
    let cells: Vec<HtmlElement> = (0..nodes.length())
        .filter_map(|i| nodes.item(i)?.dyn_into::<HtmlElement>().ok())
        .collect();
    let Some(first) = cells.first() else { return };
    let Some(at) = cells.iter().position(|c| *c == target) else {
        return;
    };
    let cols = cells
        .iter()
        .take_while(|c| c.offset_top() == first.offset_top())
        .count()
        .max(1);
    let to = match e.key().as_str() {
        "ArrowLeft" => at.checked_sub(1),
        "ArrowRight" => Some(at + 1),
        "ArrowUp" => at.checked_sub(cols),
        "ArrowDown" => Some(at + cols),
        "Home" => Some(0),
        "End" => Some(cells.len() - 1),
        _ => return,
    };
    // A key that would leave the grid is still the grid's: no player step, no scroll.
    e.prevent_default();
    if let Some(next) = to.and_then(|i| cells.get(i)) {
        cells[at].set_tab_index(-1);
        next.set_tab_index(0);
        let _ = next.focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zoom_geometry_follows_the_tree() {
        let z = Zoom::around(3, 70);
        assert_eq!(z.range(), (64, 127));
        assert_eq!(z.slots(), (64, 1));
        let z = Zoom::around(2, 70);
        assert_eq!(z.range(), (0, 4095));
        assert_eq!(z.slots(), (64, 64));
        let z = Zoom::around(1, 300_000);
        assert_eq!(z.range(), (262_144, 524_287));
        assert_eq!(z.slots(), (64, 4096));
        let z = Zoom::around(0, 5);
        assert_eq!(z.range(), (0, PASID_MAX));
        assert_eq!(z.slots(), (4, 262_144));
        assert_eq!(
            Zoom::around(3, u32::MAX).range(),
            (PASID_MAX - 63, PASID_MAX)
        );
    }
}
