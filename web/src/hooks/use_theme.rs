//! The colour theme: `data-theme` on `<html>` (absent: follow the system), remembered in
//! local storage.
use crate::state::Theme;
use gloo::storage::{LocalStorage, Storage};
use yew::prelude::*;

const KEY: &str = "ioasid-lab-theme";

/// The theme chosen in an earlier visit (System when none, or storage is unavailable).
pub fn stored_theme() -> Theme {
    LocalStorage::get::<String>(KEY)
        .map(|s| Theme::parse(&s))
        .unwrap_or_default()
}

/// Sets (or, for the system's theme, removes) `data-theme` on `<html>`.
pub fn apply_theme(theme: Theme) {
    if let Some(root) = gloo::utils::document().document_element() {
        let _ = match theme {
            Theme::System => root.remove_attribute("data-theme"),
            t => root.set_attribute("data-theme", t.name()),
        };
    }
}

/// Applies `theme` to the page and remembers it.
#[hook]
pub fn use_theme(theme: Theme) {
    use_effect_with(theme, |&theme| {
        apply_theme(theme);
        let _ = LocalStorage::set(KEY, theme.name());
    });
}
