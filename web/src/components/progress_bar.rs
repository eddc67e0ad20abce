//! Progress of a long run computed in chunks, or of a long lesson file read in chunks.
use crate::state::AppContext;
use crate::view::num;
use yew::prelude::*;

#[component]
pub fn ProgressBar() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    if let (Some(r), Some(p)) = (&state.reading, state.read_progress) {
        let pct = (p.done * 100).checked_div(p.total).unwrap_or(0);
        return html! {
            <div class="progress" role="status">
                <label>
                    { format!("Reading {}: {} of {} steps ({pct}%)", r.name, num(p.done as u64), num(p.total as u64)) }
                    <progress max={p.total.max(1).to_string()} value={p.done.to_string()}></progress>
                </label>
            </div>
        };
    }
    let Some(p) = state.progress else {
        return Html::default();
    };
    let pct = (p.done * 100).checked_div(p.total).unwrap_or(0);
    html! {
        <div class="progress" role="status">
            <label>
                { format!("Computing the run: {} of {} steps ({pct}%)", num(p.done as u64), num(p.total as u64)) }
                <progress max={p.total.to_string()} value={p.done.to_string()}></progress>
            </label>
        </div>
    }
}
