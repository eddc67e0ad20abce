//! The sandbox: append any op of the lesson format to the run and see its result at once;
//! a refused step is explained by step and field; undo takes the last one back.
use crate::hooks::use_select_value;
use crate::state::{Action, AppContext, AppState};
use crate::templates::{template_text, Hints};
use crate::view::num;
use ioasid_core::lesson::OP_NAMES;
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Names and IDs to fill a template with, from the world shown. Computed only when a
/// template is filled in (it looks at every step's saved name).
fn hints_of(state: Option<&AppState>) -> Hints {
    state.map_or_else(Hints::default, |s| {
        let saved: Vec<String> = s
            .trace
            .ops
            .iter()
            .filter_map(|o| o.save_as.clone())
            .collect();
        Hints::from_world(&s.world, &saved)
    })
}

#[component]
pub fn Sandbox() -> Html {
    let state = use_context::<AppContext>();
    let op = use_state(|| "alloc".to_string());
    let text = {
        let state = state.clone();
        use_state(move || template_text("alloc", &hints_of(state.as_deref())))
    };
    // Text the user typed that a template replaced, until they type again or restore it.
    let replaced = use_state(|| None::<String>);
    // Whether the text differs from the last template put there.
    let edited = use_state(|| false);
    let textarea = use_node_ref();
    let op_select = use_node_ref();
    use_select_value(&op_select, (*op).clone());
    let Some(state) = state else {
        return Html::default();
    };
    // Puts the template of an op in the box. A template never silently eats the
    // user's work: edited text can be restored.
    let put_template = {
        let (op, text, state) = (op.clone(), text.clone(), state.clone());
        let (replaced, edited) = (replaced.clone(), edited.clone());
        Callback::from(move |name: String| {
            if *edited {
                replaced.set(Some((*text).clone()));
                edited.set(false);
            }
            text.set(template_text(&name, &hints_of(Some(&state))));
            op.set(name);
        })
    };
    let on_op = {
        let put_template = put_template.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                put_template.emit(s.value());
            }
        })
    };
    let on_input = {
        let (text, replaced, edited) = (text.clone(), replaced.clone(), edited.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(t) = e.target_dyn_into::<HtmlTextAreaElement>() {
                text.set(t.value());
                edited.set(true);
                replaced.set(None);
            }
        })
    };
    let on_restore = {
        let (text, replaced, edited) = (text.clone(), replaced.clone(), edited.clone());
        let (textarea, op) = (textarea.clone(), op.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(old) = (*replaced).clone() {
                // The Operation select names the op of the text restored, when it has one.
                let named = serde_json::from_str::<serde_json::Value>(&old)
                    .ok()
                    .and_then(|v| v.get("op")?.as_str().map(str::to_string))
                    .filter(|o| OP_NAMES.contains(&o.as_str()));
                if let Some(o) = named {
                    op.set(o);
                }
                text.set(old);
                edited.set(true);
                replaced.set(None);
            }
            if let Some(t) = textarea.cast::<HtmlTextAreaElement>() {
                let _ = t.focus();
            }
        })
    };
    let on_submit = {
        let (text, d) = (text.clone(), state.dispatcher());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            d.dispatch(Action::AppendOp((*text).clone()));
        })
    };
    let on_reset = {
        let op = op.clone();
        Callback::from(move |_: MouseEvent| put_template.emit((*op).clone()))
    };
    let on_undo = {
        let (d, textarea) = (state.dispatcher(), textarea.clone());
        let last = state.extra.len() == 1;
        Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::Undo);
            // Undoing the last step disables this button: keep the focus in the form.
            if last {
                if let Some(t) = textarea.cast::<HtmlTextAreaElement>() {
                    let _ = t.focus();
                }
            }
        })
    };
    let added = state
        .sandbox
        .added
        .and_then(|i| state.trace.steps.get(i).map(|s| (i, s)));
    let busy = state.request.is_some();
    let rows = text.lines().count().clamp(4, 14) as u32;
    html! {
        <section class="sandbox panel" aria-labelledby="sandbox-title">
            <h2 id="sandbox-title">{ "Sandbox: try your own step" }</h2>
            <p class="muted">
                { "Pick an operation, edit its JSON (the lesson format), and run it after the last step. " }
                { "Export lesson saves these steps with the results you saw as their expect. " }
                { format!("{} step(s) added so far.", state.extra.len()) }
            </p>
            <form class="sandbox-form" onsubmit={on_submit}>
                <label class="inline">
                    <span>{ "Operation" }</span>
                    <select ref={op_select} aria-label="Operation" onchange={on_op}>
                        { for OP_NAMES.iter().map(|n| html! { <option value={*n} selected={*n == op.as_str()}>{ *n }</option> }) }
                    </select>
                </label>
                <label class="block">
                    <span>{ "Step (JSON)" }</span>
                    <textarea ref={textarea} class="mono" rows={rows.to_string()} spellcheck="false" aria-label="Step JSON"
                        aria-invalid={state.sandbox.error.is_some().then_some("true")}
                        aria-describedby="sandbox-status"
                        value={(*text).clone()} oninput={on_input} />
                </label>
                <div class="button-row">
                    <button type="submit" disabled={busy}>{ "Run step" }</button>
                    <button type="button" class="secondary" onclick={on_reset}>{ "Reset to the template" }</button>
                    if replaced.is_some() {
                        <button type="button" class="secondary restore" onclick={on_restore}>{ "Restore my edited step" }</button>
                    }
                    <button type="button" class="secondary" onclick={on_undo} disabled={state.extra.is_empty() || busy}>
                        { "Undo last sandbox step" }
                    </button>
                </div>
            </form>
            <div id="sandbox-status" class="sandbox-status" aria-live="polite">
                if let Some(e) = &state.sandbox.error {
                    <p class="field-error" role="alert"><strong>{ "Not run: " }</strong>{ e }</p>
                } else if let Some((i, s)) = added {
                    <p class="ok-text">
                        <span aria-hidden="true">{ "✓ " }</span>
                        { format!("Step {} added: {}", num((i + 1) as u64), s.explain) }
                    </p>
                } else if let Some(removed) = &state.sandbox.removed {
                    <p>
                        <span aria-hidden="true">{ "↶ " }</span>
                        { removed }
                    </p>
                }
            </div>
        </section>
    }
}
