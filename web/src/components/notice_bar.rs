//! A message at the top: a broken link, a lesson that could not be imported.
use crate::state::{Action, AppContext};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// More details than this scroll in a box of their own.
const LONG: usize = 8;

#[component]
pub fn NoticeBar() -> Html {
    let notice = use_node_ref();
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    let Some(n) = &state.notice else {
        return Html::default();
    };
    // Dismissing removes the focused button: the focus moves on to the first control
    // after the notice instead of falling back to the page.
    let dismiss = {
        let (d, notice) = (state.dispatcher(), notice.clone());
        Callback::from(move |()| {
            let next = notice
                .cast::<Element>()
                .and_then(|n| n.next_element_sibling())
                .and_then(|n| {
                    n.query_selector("button, select, input, textarea, a[href]")
                        .ok()
                        .flatten()
                })
                .and_then(|n| n.dyn_into::<HtmlElement>().ok());
            d.dispatch(Action::DismissNotice);
            if let Some(next) = next {
                let _ = next.focus();
            }
        })
    };
    let on_click = dismiss.reform(|_: MouseEvent| ());
    let on_keydown = {
        let dismiss = dismiss.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                dismiss.emit(());
            }
        })
    };
    let long = n.details.len() > LONG;
    html! {
        <div ref={notice} class={classes!("notice", n.error.then_some("notice-error"))} role="alert" onkeydown={on_keydown}>
            <div>
                <p class="notice-title"><span aria-hidden="true">{ if n.error { "⚠ " } else { "ℹ " } }</span>{ &n.title }</p>
                if !n.details.is_empty() {
                    <ul
                        class={long.then_some("notice-long")}
                        tabindex={long.then_some("0")}
                        aria-label={long.then_some("Details")}
                        data-own-keys={long.then_some("")}
                    >
                        { for n.details.iter().map(|d| html! { <li>{ d }</li> }) }
                    </ul>
                }
            </div>
            <button type="button" class="secondary" onclick={on_click} aria-label="Dismiss the message" aria-keyshortcuts="Escape">{ "Dismiss" }</button>
        </div>
    }
}
