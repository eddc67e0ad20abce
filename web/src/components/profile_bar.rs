//! The profile and its knobs: pick a kernel era (or the improved design) and flip single
//! behaviours; the run is recomputed and the step kept.
use crate::hooks::use_select_value;
use crate::state::{knobs_with, Action, AppContext};
use ioasid_core::narrate::era_label;
use ioasid_core::profile::{Profile, RefModel, BOOL_KNOBS};
use serde_json::{Map, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[component]
pub fn ProfileBar() -> Html {
    let state = use_context::<AppContext>();
    let profile_select = use_node_ref();
    use_select_value(
        &profile_select,
        state.as_ref().map_or("", |s| s.profile.name()).to_string(),
    );
    let Some(state) = state else {
        return Html::default();
    };
    let d = state.dispatcher();
    let on_profile = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                if let Ok(p) = s.value().parse::<Profile>() {
                    d.dispatch(Action::SetProfile(p));
                }
            }
        })
    };
    let now = serde_json::to_value(&state.knobs)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let base: Map<String, Value> = knobs_with(&state.base, state.profile, &Map::new())
        .ok()
        .and_then(|k| serde_json::to_value(k).ok())
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let changed = state.overrides.len();
    let global = state.knobs.global_pasid;
    let busy = state.request.is_some();
    let on_era = {
        let d = d.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                d.dispatch(Action::SetKnob("refs".into(), Value::String(s.value())));
            }
        })
    };
    let reset = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::ResetKnobs))
    };
    let era = now
        .get("refs")
        .and_then(Value::as_str)
        .unwrap_or("none")
        .to_string();
    let era_changed = now.get("refs") != base.get("refs");
    html! {
        <section class="profile-bar" aria-label="Profile and knobs">
            <label class="inline">
                <span>{ "Profile" }</span>
                <select ref={profile_select} aria-label="Profile" onchange={on_profile} disabled={busy}>
                    { for Profile::ALL.iter().map(|p| html! {
                        <option value={p.name()} selected={*p == state.profile}>{ p.name() }</option>
                    }) }
                </select>
            </label>
            <p class="profile-desc">{ state.profile.describe() }</p>
            <details class="knobs">
                <summary>
                    { "Knobs" }
                    if changed > 0 { <span class="badge badge-change">{ format!("{changed} changed") }</span> }
                </summary>
                <div class="knobs-body">
                    <p class="muted">{ "Each knob changes one behaviour; the run is recomputed at once and the step kept. Knobs that differ from the profile are marked." }</p>
                    <label class={classes!("knob", era_changed.then_some("knob-changed"))}>
                        <span>{ "Reference counting" }</span>
                        <select onchange={on_era} disabled={busy}>
                            { for RefModel::ALL.iter().map(|r| html! {
                                <option value={r.name()} selected={r.name() == era}>{ era_label(*r) }</option>
                            }) }
                        </select>
                        if era_changed { <span class="badge badge-change">{ "changed" }</span> }
                    </label>
                    if global {
                        <p class="muted">{ "global_pasid is on: there is no IOASID allocator, so the knobs that shape it have no effect and are greyed out." }</p>
                    }
                    <ul class="knob-list">
                        { for BOOL_KNOBS.iter().map(|k| {
                            let dead = global && k.ioasid_only;
                            let on = now.get(k.name).and_then(Value::as_bool).unwrap_or(false);
                            let differs = now.get(k.name) != base.get(k.name);
                            let name = k.name;
                            let d = d.clone();
                            let onchange = Callback::from(move |e: Event| {
                                if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                                    d.dispatch(Action::SetKnob(name.to_string(), Value::Bool(i.checked())));
                                }
                            });
                            html! {
                                <li class={classes!("knob", differs.then_some("knob-changed"), dead.then_some("knob-dead"))}>
                                    <label>
                                        <input type="checkbox" checked={on} {onchange} disabled={busy || dead} />
                                        <span class="knob-text"><code>{ k.name }</code>{ ": " }{ k.describe }
                                            if dead { { " (no effect here)" } }
                                        </span>
                                        if differs { <span class="badge badge-change">{ "changed" }</span> }
                                    </label>
                                </li>
                            }
                        }) }
                    </ul>
                    <button type="button" class="secondary" onclick={reset} disabled={changed == 0 || busy}>
                        { "Reset knobs to the profile" }
                    </button>
                </div>
            </details>
        </section>
    }
}
