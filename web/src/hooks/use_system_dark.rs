//! Whether the operating system asks for dark colours, kept up to date while the page is
//! open, so that what is drawn outside CSS (the overview canvas) follows "System theme".
use gloo::events::EventListener;
use web_sys::MediaQueryList;
use yew::prelude::*;

const QUERY: &str = "(prefers-color-scheme: dark)";

fn query() -> Option<MediaQueryList> {
    gloo::utils::window().match_media(QUERY).ok().flatten()
}

/// True while `prefers-color-scheme` is dark; re-renders the caller when it changes.
#[hook]
pub fn use_system_dark() -> bool {
    let dark = use_state(|| query().is_some_and(|q| q.matches()));
    {
        let dark = dark.clone();
        use_effect_with((), move |_| {
            let listener = query().map(|q| {
                let target = q.clone();
                EventListener::new(&target, "change", move |_| dark.set(q.matches()))
            });
            move || drop(listener)
        });
    }
    *dark
}
