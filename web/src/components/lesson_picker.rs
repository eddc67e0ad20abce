//! The lesson picker: the built-in lessons, and the imported one when there is one.
use crate::catalog::catalog;
use crate::state::{Action, AppContext, Source};
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[component]
pub fn LessonPicker() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    let onchange = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Some(s) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            {
                let v = s.value();
                if let Some(id) = v.strip_prefix("builtin:") {
                    d.dispatch(Action::LoadLesson(id.to_string()));
                }
            }
        })
    };
    let current = match &state.source {
        Source::BuiltIn(id) => format!("builtin:{id}"),
        Source::Imported(_) => "imported".to_string(),
    };
    html! {
        <label class="inline lesson-picker">
            <span>{ "Lesson" }</span>
            <select aria-label="Lesson" {onchange}>
                { for catalog().iter().enumerate().map(|(n, e)| {
                    let v = format!("builtin:{}", e.id);
                    html! { <option value={v.clone()} selected={v == current}>{ format!("{}. {}", n + 1, e.title()) }</option> }
                }) }
                if let Source::Imported(name) = &state.source {
                    <option value="imported" selected=true>{ format!("Imported: {} ({name})", state.base.title) }</option>
                }
            </select>
        </label>
    }
}
