//! The theme switch: as the system, light or dark.
use crate::state::{Action, AppContext, Theme};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[component]
pub fn ThemePicker() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    let onchange = {
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                let theme = Theme::parse(&s.value());
                // At once, so what reads the theme's colours while rendering sees it.
                crate::hooks::use_theme::apply_theme(theme);
                d.dispatch(Action::SetTheme(theme));
            }
        })
    };
    html! {
        <select class="theme-picker" aria-label="Colour theme" {onchange}>
            { for Theme::ALL.iter().map(|t| html! {
                <option value={t.name()} selected={*t == state.theme}>{ t.label() }</option>
            }) }
        </select>
    }
}
