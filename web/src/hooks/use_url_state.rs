//! Keeps the page's URL in step with the state (lesson or encoded run, profile, knobs,
//! step), so a link opens exactly the step shown. Updates are debounced and use
//! `history.replaceState`, so stepping does not fill the browser's history.
use crate::state::{url_lesson_part, AppState};
use crate::view::ByPtr;
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// The page's query string (with its `?`, or empty).
pub fn location_search() -> String {
    gloo::utils::window()
        .location()
        .search()
        .unwrap_or_default()
}

fn replace_query(query: &str) {
    let window = gloo::utils::window();
    let location = window.location();
    if location.search().unwrap_or_default() == query {
        return;
    }
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &JsValue::NULL,
            "",
            Some(&format!("{path}{query}{hash}")),
        );
    }
}

/// Writes the state's URL (when `enabled`), a quarter second after the last change.
#[hook]
pub fn use_url_state(state: &AppState, enabled: bool) {
    let part = use_memo(
        (
            state.source.clone(),
            ByPtr(state.base.clone()),
            ByPtr(state.extra.clone()),
        ),
        |(source, base, extra)| url_lesson_part(source, base, extra),
    );
    let query = match &*part {
        Some(u) => {
            let mut u = u.clone();
            state.fill_url_view(&mut u);
            u.to_query()
        }
        None => String::new(),
    };
    use_effect_with((enabled, query), |(enabled, query)| {
        let query = query.clone();
        let timer = enabled.then(|| Timeout::new(250, move || replace_query(&query)));
        move || drop(timer)
    });
}
