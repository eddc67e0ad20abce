//! Keeps a `<select>` showing the state's choice. An `<option selected>` stops moving
//! the selection once the user has changed the select, so when the state changes for
//! another reason (the browser's Back, a restored text) the select would go on showing
//! the user's last pick; this sets its value after each render that changes it.
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Sets the value of the select behind `select` to `value` whenever `value` changes.
#[hook]
pub fn use_select_value(select: &NodeRef, value: String) {
    let select = select.clone();
    use_effect_with(value, move |value| {
        if let Some(s) = select.cast::<HtmlSelectElement>() {
            if s.value() != *value {
                s.set_value(value);
            }
        }
    });
}
