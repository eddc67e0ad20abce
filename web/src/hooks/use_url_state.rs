//! Keeps the page's address in step with the state (lesson or run, profile, knobs,
//! step), so a link opens exactly the step shown. Updates are debounced and replace the
//! history entry, so stepping does not fill the browser's history; opening another
//! lesson adds an entry, so Back returns to the one before (with its sandbox steps,
//! which its address keeps), and Back and Forward show what their address names.
//!
//! A link to a built-in lesson is a query (`?lesson=...&step=5`); a link carrying a run
//! is written after `#` with the run compressed by the browser ([`crate::deflate`]), so
//! opening one waits for it to be unpacked. The address is never replaced by one that
//! loses the run: a run too long for a link leaves it as it was (and the state says so),
//! and so does a link whose run could not be shown.
use crate::link::Link;
use crate::state::{link_to_lesson, Action, AppState, Source};
use crate::view::ByPtr;
use crate::{b64, catalog, deflate};
use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use std::cell::RefCell;
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

/// The page's fragment (with its `#`, or empty).
pub fn location_hash() -> String {
    gloo::utils::window().location().hash().unwrap_or_default()
}

/// The link the page's address names, its `z` still packed.
pub fn address_link() -> Link {
    Link::from_address(&location_search(), &location_hash())
}

/// Shows what `link` names, once the built-in lesson it needs is fetched (at once when it
/// was before) and, when it has a packed run (`z`: base64url, then raw deflate, then
/// UTF-8), that run is unpacked. `opening` is set meanwhile: the address is not written.
fn open_link(link: Link, dispatch: UseReducerDispatcher<AppState>, opening: Rc<RefCell<bool>>) {
    *opening.borrow_mut() = true;
    let show = move |link: Link| {
        catalog::fetch(catalog::needed_by(&link), move || {
            *opening.borrow_mut() = false;
            dispatch.dispatch(Action::OpenLink(Rc::new(link)));
        });
    };
    let Some(packed) = link.packed.clone() else {
        return show(link);
    };
    let done = {
        let mut link = link;
        move |text: Result<String, String>| {
            link.unpack(text);
            show(link);
        }
    };
    let Some(bytes) = b64::decode(&packed) else {
        return done(Err("it is not base64url text".into()));
    };
    deflate::inflate(&bytes, move |raw| {
        done(raw.and_then(|r| String::from_utf8(r).map_err(|_| "it is not UTF-8 text".into())))
    });
}

/// Shows `end` (a `?query` or a `#fragment`, [`Link::to_address`]) after the page's path
/// in the address bar: in a new history entry when `push`, else in place of the current
/// one. Nothing changes when it is already there.
fn write_address(end: &str, push: bool) {
    let window = gloo::utils::window();
    let location = window.location();
    let now = format!(
        "{}{}",
        location.search().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if now == end {
        return;
    }
    let url = format!("{}{end}", location.pathname().unwrap_or_default());
    if let Ok(history) = window.history() {
        let _ = if push {
            history.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

/// Writes the state's address (when `enabled`), a quarter second after the last change,
/// and opens the address the browser goes back or forward to (and, at start-up, one
/// whose run is packed).
#[hook]
pub fn use_url_state(state: &AppState, dispatch: UseReducerDispatcher<AppState>, enabled: bool) {
    // The lesson shown (where from, which), and whether it changed since the URL was
    // last written: the next write then adds a history entry.
    let shown = use_mut_ref(|| None::<(Source, usize)>);
    let push = use_mut_ref(|| false);
    // An address is being unpacked: it is not to be written over meanwhile.
    let opening = use_mut_ref(|| false);
    let lesson = (state.source.clone(), Rc::as_ptr(&state.base) as usize);
    {
        let mut shown = shown.borrow_mut();
        if shown.as_ref().is_some_and(|s| *s != lesson) {
            *push.borrow_mut() = true;
        }
        *shown = Some(lesson);
    }
    {
        let (dispatch, opening) = (dispatch.clone(), opening.clone());
        use_effect_with(enabled, move |enabled| {
            if *enabled {
                let link = address_link();
                if link.packed.is_some() {
                    open_link(link, dispatch.clone(), opening.clone());
                }
            }
            let listener = enabled.then(|| {
                EventListener::new(&gloo::utils::window(), "popstate", move |_| {
                    open_link(address_link(), dispatch.clone(), opening.clone());
                })
            });
            move || drop(listener)
        });
    }
    // The link to the lesson shown, numbered so that its compressed run is known for it.
    let made = use_mut_ref(|| 0u64);
    let part = {
        let made = made.clone();
        use_memo(
            (
                state.source.clone(),
                ByPtr(state.base.clone()),
                ByPtr(state.extra.clone()),
            ),
            move |(source, base, extra)| {
                *made.borrow_mut() += 1;
                let n = *made.borrow();
                (n, link_to_lesson(source, base, extra))
            },
        )
    };
    let packed = use_state(|| None::<(u64, Result<String, String>)>);
    {
        let (part, packed) = (part.clone(), packed.clone());
        use_effect_with(part.0, move |_| {
            if let (n, Some(link)) = &*part {
                if link.packed_text().is_some() {
                    let n = *n;
                    let text = link.packed_text().unwrap_or_default();
                    deflate::deflate(text.as_bytes(), move |z| {
                        packed.set(Some((n, z.map(|z| b64::encode(&z)))))
                    });
                }
            }
        });
    }
    // The address to write: `None` while the run is being compressed; `Err` when the
    // run is too long for a link (its length, when known).
    let address: Option<Result<String, Option<usize>>> = match &*part {
        (_, None) => Some(Err(None)),
        (n, Some(link)) => {
            let mut link = link.clone();
            state.fill_link_view(&mut link);
            let z = match &*packed {
                Some((m, z)) if m == n => Some(z.clone()),
                _ => None,
            };
            match (link.packed_text().is_some(), z) {
                (false, _) => Some(link.to_address(None)),
                (true, None) => None,
                (true, Some(Ok(z))) => Some(link.to_address(Some(&z))),
                // No compression in this browser: a query, when it is short enough.
                (true, Some(Err(_))) => {
                    let query = link.to_query();
                    Some(if query.len() <= crate::link::MAX_LINK {
                        Ok(query)
                    } else {
                        Err(Some(query.len()))
                    })
                }
            }
        }
    };
    let kept = state.keep_address == Some(Rc::as_ptr(&state.base) as usize);
    // The link last said to be too long (its number; links are numbered from 1).
    let told = use_mut_ref(|| 0u64);
    let n = part.0;
    use_effect_with((enabled && !kept, address), move |(write, address)| {
        let address = address.clone();
        let opening = opening.clone();
        let timer = write.then(|| {
            Timeout::new(250, move || {
                if *opening.borrow() {
                    return;
                }
                match address {
                    Some(Ok(end)) => write_address(&end, push.replace(false)),
                    Some(Err(chars)) if told.replace(n) != n => {
                        dispatch.dispatch(Action::LinkTooLong(chars));
                    }
                    _ => {}
                }
            })
        });
        move || drop(timer)
    });
}
