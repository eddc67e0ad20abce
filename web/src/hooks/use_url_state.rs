//! Keeps the page's URL in step with the state (lesson or encoded run, profile, knobs,
//! step), so a link opens exactly the step shown. Updates are debounced and replace the
//! history entry, so stepping does not fill the browser's history; opening another
//! lesson adds an entry, so Back returns to the one before (with its sandbox steps,
//! which its URL keeps), and Back and Forward show what their URL names.
use crate::state::{link_to_lesson, Action, AppState, Source};
use crate::view::ByPtr;
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// The page's query string (with its `?`, or empty).
pub fn location_search() -> String {
    gloo::utils::window()
        .location()
        .search()
        .unwrap_or_default()
}

/// Shows `query` in the address bar: in a new history entry when `push`, else in place
/// of the current one. Nothing changes when it is already there.
fn write_query(query: &str, push: bool) {
    let window = gloo::utils::window();
    let location = window.location();
    if location.search().unwrap_or_default() == query {
        return;
    }
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let url = format!("{path}{query}{hash}");
    if let Ok(history) = window.history() {
        let _ = if push {
            history.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

/// Writes the state's URL (when `enabled`), a quarter second after the last change, and
/// opens the URL the browser goes back or forward to.
#[hook]
pub fn use_url_state(state: &AppState, dispatch: UseReducerDispatcher<AppState>, enabled: bool) {
    // The lesson shown (where from, which), and whether it changed since the URL was
    // last written: the next write then adds a history entry.
    let shown = use_mut_ref(|| None::<(Source, usize)>);
    let push = use_mut_ref(|| false);
    let lesson = (state.source.clone(), Rc::as_ptr(&state.base) as usize);
    {
        let mut shown = shown.borrow_mut();
        if shown.as_ref().is_some_and(|s| *s != lesson) {
            *push.borrow_mut() = true;
        }
        *shown = Some(lesson);
    }
    use_effect_with(enabled, move |enabled| {
        let listener = enabled.then(|| {
            EventListener::new(&gloo::utils::window(), "popstate", move |_| {
                dispatch.dispatch(Action::OpenUrl(location_search()));
            })
        });
        move || drop(listener)
    });
    let part = use_memo(
        (
            state.source.clone(),
            ByPtr(state.base.clone()),
            ByPtr(state.extra.clone()),
        ),
        |(source, base, extra)| link_to_lesson(source, base, extra),
    );
    let query = match &*part {
        Some(link) => {
            let mut link = link.clone();
            state.fill_link_view(&mut link);
            link.to_query()
        }
        None => String::new(),
    };
    use_effect_with((enabled, query), move |(enabled, query)| {
        let query = query.clone();
        let timer =
            enabled.then(|| Timeout::new(250, move || write_query(&query, push.replace(false))));
        move || drop(timer)
    });
}
