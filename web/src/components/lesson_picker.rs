//! The lesson picker: the built-in lessons, the lessons imported in this session, and a
//! lesson opened from a link.
use crate::catalog;
use crate::hooks::use_select_value;
use crate::state::{Action, AppContext, Source};
use crate::view::ByPtr;
use std::rc::Rc;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[component]
pub fn LessonPicker() -> Html {
    let state = use_context::<AppContext>();
    let select = use_node_ref();
    // An imported lesson is one of the session's imports (the same lesson, also when
    // Back rebuilt it from its link), or came from a link.
    let import_shown = *use_memo(
        state
            .as_ref()
            .map(|s| (ByPtr(s.base.clone()), ByPtr(s.imports.clone()))),
        |shown| {
            let (base, imports) = shown.as_ref()?;
            let base = &base.0;
            imports.0.iter().position(|(_, l)| {
                Rc::ptr_eq(l, base)
                    || (l.title == base.title && l.steps.len() == base.steps.len() && **l == **base)
            })
        },
    );
    let current = match (state.as_ref().map(|s| &s.source), import_shown) {
        (Some(Source::BuiltIn(id)), _) => format!("builtin:{id}"),
        (Some(Source::Imported(_)), Some(i)) => format!("import:{i}"),
        _ => "linked".to_string(),
    };
    use_select_value(&select, current.clone());
    let Some(state) = state else {
        return Html::default();
    };
    let onchange = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                let v = s.value();
                if let Some(entry) = v.strip_prefix("builtin:").and_then(catalog::entry) {
                    // Opened once its file is fetched (at once when it was before).
                    let d = d.clone();
                    catalog::fetch(vec![entry.id], move || {
                        d.dispatch(Action::LoadLesson(entry.id.to_string()))
                    });
                } else if let Some(i) = v.strip_prefix("import:").and_then(|i| i.parse().ok()) {
                    d.dispatch(Action::OpenImport(i));
                }
            }
        })
    };
    html! {
        <label class="inline lesson-picker">
            <span>{ "Lesson" }</span>
            <select ref={select} aria-label="Lesson" {onchange}>
                <optgroup label="Built-in lessons">
                    { for catalog::catalog().map(|e| {
                        let v = format!("builtin:{}", e.id);
                        let title = match e.number {
                            Some(n) => format!("{n}. {}", e.title),
                            None => e.title.to_string(),
                        };
                        html! { <option value={v.clone()} selected={v == current}>{ title }</option> }
                    }) }
                </optgroup>
                // The file's name first: two versions of one lesson share a title, and a
                // narrow select cuts the end off.
                if !state.imports.is_empty() || (matches!(state.source, Source::Imported(_)) && import_shown.is_none()) {
                    <optgroup label="Imported">
                        { for state.imports.iter().enumerate().map(|(i, (name, l))| {
                            let v = format!("import:{i}");
                            html! { <option value={v.clone()} selected={v == current}>{ format!("{name}: {}", l.title) }</option> }
                        }) }
                        if let (Source::Imported(name), None) = (&state.source, import_shown) {
                            <option value="linked" selected=true>{ format!("{name}: {}", state.base.title) }</option>
                        }
                    </optgroup>
                }
            </select>
        </label>
    }
}
