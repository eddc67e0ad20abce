//! A message at the top: a broken link, a lesson that could not be imported.
use crate::state::{Action, AppContext};
use yew::prelude::*;

/// More details than this scroll in a box of their own.
const LONG: usize = 8;

#[component]
pub fn NoticeBar() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    let Some(n) = &state.notice else {
        return Html::default();
    };
    let dismiss = {
        let d = state.dispatcher();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::DismissNotice))
    };
    let long = n.details.len() > LONG;
    html! {
        <div class={classes!("notice", n.error.then_some("notice-error"))} role="alert">
            <div>
                <p class="notice-title"><span aria-hidden="true">{ if n.error { "⚠ " } else { "ℹ " } }</span>{ &n.title }</p>
                if !n.details.is_empty() {
                    <ul
                        class={long.then_some("notice-long")}
                        tabindex={long.then_some("0")}
                        aria-label={long.then_some("Details")}
                    >
                        { for n.details.iter().map(|d| html! { <li>{ d }</li> }) }
                    </ul>
                }
            </div>
            <button type="button" class="secondary" onclick={dismiss} aria-label="Dismiss the message">{ "Dismiss" }</button>
        </div>
    }
}
