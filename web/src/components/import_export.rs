//! Import a lesson (file picker; dropping a file anywhere works too) and export the run as
//! lesson JSON or its trace as JSON.
use crate::hooks::use_file_import;
use crate::state::AppContext;
use gloo::file::{Blob, ObjectUrl};
use gloo::timers::callback::Timeout;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlAnchorElement, HtmlInputElement};
use yew::prelude::*;

/// Offers `text` as a download named `name`.
pub fn download(name: &str, text: &str) {
    let blob = Blob::new_with_options(text, Some("application/json"));
    let url = ObjectUrl::from(blob);
    let document = gloo::utils::document();
    let Ok(a) = document.create_element("a") else {
        return;
    };
    let Ok(a) = a.dyn_into::<HtmlAnchorElement>() else {
        return;
    };
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Keep the object URL alive until the browser has started the download.
    Timeout::new(10_000, move || drop(url)).forget();
}

#[component]
pub fn ImportExport() -> Html {
    let state = use_context::<AppContext>();
    let import = use_file_import(state.as_ref().map(|s| s.dispatcher()));
    // The file last offered for download, said where the buttons are (a download
    // itself may go unnoticed), with the lesson it was saved from: it is said only while
    // that lesson is shown.
    let saved = use_state(|| None::<(String, usize)>);
    let Some(state) = state else {
        return Html::default();
    };
    let onchange = Callback::from(move |e: Event| {
        let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            import.emit(file);
        }
        // Picking the same file again must fire again.
        input.set_value("");
    });
    let export_lesson = {
        let (state, saved) = (state.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            let name = format!("{}.json", state.export_stem());
            download(&name, &state.lesson_for_export().to_text());
            saved.set(Some((name, Rc::as_ptr(&state.base) as usize)));
        })
    };
    let export_trace = {
        let (state, saved) = (state.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            let text = serde_json::to_string(&*state.trace).unwrap_or_default();
            let name = format!(
                "{}-trace-{}.json",
                state.export_stem(),
                state.profile.name()
            );
            download(&name, &text);
            saved.set(Some((name, Rc::as_ptr(&state.base) as usize)));
        })
    };
    let busy = state.request.is_some();
    html! {
        <div class="import-export" role="group" aria-label="Import and export">
            <label class="file-button">
                <input type="file" accept=".json,application/json" class="sr-only" {onchange}
                    aria-label="Import a lesson (JSON file)" />
                <span aria-hidden="true">{ "Import lesson…" }</span>
            </label>
            <button type="button" class="secondary" onclick={export_lesson} disabled={busy}>{ "Export lesson" }</button>
            <button type="button" class="secondary" onclick={export_trace} disabled={busy}>{ "Export trace" }</button>
            <span class="export-status muted" role="status">
                if let Some((name, _)) = saved.as_ref().filter(|(_, from)| *from == Rc::as_ptr(&state.base) as usize) {
                    { format!("Saved {name}.") }
                }
            </span>
        </div>
    }
}
