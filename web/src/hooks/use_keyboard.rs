//! Keyboard shortcuts: Space play/pause, Left/Right step, Home/End first/last, +/- speed,
//! 1-9 answer the question waiting at this step.
//! Ignored while typing in a field (and Space/Enter on a button keep their usual meaning);
//! a handled key never scrolls the page.
use crate::state::{Action, AppState};
use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

/// The cells of the ID space (see `components::id_space`), which take the arrow keys.
pub const GRID_CELLS: &str = "ul.cells";

/// What has the focus when a key is pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// A text field, a select, a slider: keys belong to it.
    Field,
    /// A button or link: Space and Enter press it.
    Button,
    /// A cell of the ID grid: the arrows, Home and End move between cells.
    Grid,
    /// Anything else.
    Page,
}

/// The action a key stands for, if any. `modified`: Ctrl, Alt or Meta is held.
pub fn shortcut(key: &str, focus: Focus, modified: bool) -> Option<Action> {
    if modified || focus == Focus::Field {
        return None;
    }
    let moves_in_grid = matches!(
        key,
        "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown" | "Home" | "End"
    );
    if focus == Focus::Grid && moves_in_grid {
        return None;
    }
    let action = match key {
        " " | "Spacebar" if focus == Focus::Page => Action::TogglePlay,
        "ArrowLeft" => Action::Prev,
        "ArrowRight" => Action::Next,
        "Home" => Action::First,
        "End" => Action::Last,
        "+" | "=" => Action::Faster,
        "-" | "_" => Action::Slower,
        d if d.len() == 1 && ('1'..='9').contains(&d.chars().next().unwrap_or('0')) => {
            let n = d.chars().next().and_then(|c| c.to_digit(10)).unwrap_or(1);
            Action::AnswerPending(n as usize - 1)
        }
        _ => return None,
    };
    Some(action)
}

fn focus_of(target: Option<Element>) -> Focus {
    let Some(el) = target else {
        return Focus::Page;
    };
    if el
        .dyn_ref::<web_sys::HtmlElement>()
        .is_some_and(|h| h.is_content_editable())
    {
        return Focus::Field;
    }
    if el.closest(GRID_CELLS).ok().flatten().is_some() {
        return Focus::Grid;
    }
    // A scrolling box that takes the focus (a long list of mistakes): its keys scroll it.
    if el.closest("[data-own-keys]").ok().flatten().is_some() {
        return Focus::Field;
    }
    match el.tag_name().to_ascii_lowercase().as_str() {
        "input" | "textarea" | "select" => Focus::Field,
        "button" | "a" | "summary" => Focus::Button,
        _ => Focus::Page,
    }
}

/// Listens for the shortcuts on the document while the component is mounted.
#[hook]
pub fn use_keyboard(dispatch: UseReducerDispatcher<AppState>) {
    use_effect_with((), move |_| {
        let document = gloo::utils::document();
        let listener = EventListener::new_with_options(
            &document,
            "keydown",
            EventListenerOptions::enable_prevent_default(),
            move |event| {
                let Some(e) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let target = e.target_dyn_into::<Element>();
                let modified = e.ctrl_key() || e.alt_key() || e.meta_key();
                if let Some(action) = shortcut(&e.key(), focus_of(target), modified) {
                    e.prevent_default();
                    dispatch.dispatch(action);
                }
            },
        );
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_actions_except_while_typing() {
        assert!(matches!(
            shortcut(" ", Focus::Page, false),
            Some(Action::TogglePlay)
        ));
        assert!(shortcut(" ", Focus::Button, false).is_none());
        assert!(matches!(
            shortcut("ArrowRight", Focus::Button, false),
            Some(Action::Next)
        ));
        assert!(shortcut("ArrowRight", Focus::Field, false).is_none());
        assert!(shortcut("ArrowLeft", Focus::Page, true).is_none());
        assert!(matches!(
            shortcut("End", Focus::Page, false),
            Some(Action::Last)
        ));
        assert!(matches!(
            shortcut("+", Focus::Page, false),
            Some(Action::Faster)
        ));
        assert!(matches!(
            shortcut("-", Focus::Page, false),
            Some(Action::Slower)
        ));
        assert!(shortcut("x", Focus::Page, false).is_none());
        assert!(matches!(
            shortcut("2", Focus::Button, false),
            Some(Action::AnswerPending(1))
        ));
        assert!(shortcut("0", Focus::Page, false).is_none());
        assert!(shortcut("3", Focus::Field, false).is_none());
        // In the ID grid the arrows move between cells; the other keys still work.
        assert!(shortcut("ArrowRight", Focus::Grid, false).is_none());
        assert!(shortcut("End", Focus::Grid, false).is_none());
        assert!(matches!(
            shortcut("+", Focus::Grid, false),
            Some(Action::Faster)
        ));
    }
}
