//! Inline SVG icons for the player's buttons (no icon font, no network). Decorative: every
//! button that shows one also has an accessible name.
use yew::prelude::*;

fn icon(path: &'static str) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
            <path d={path} fill="currentColor" />
        </svg>
    }
}

pub fn first() -> Html {
    icon("M6 5h2v14H6zM20 5v14L9 12z")
}

pub fn prev() -> Html {
    icon("M17 5v14L6 12z")
}

pub fn next() -> Html {
    icon("M7 5v14l11-7z")
}

pub fn last() -> Html {
    icon("M16 5h2v14h-2zM4 5v14l11-7z")
}

pub fn play() -> Html {
    icon("M8 5v14l11-7z")
}

pub fn pause() -> Html {
    icon("M6 5h4v14H6zM14 5h4v14h-4z")
}
