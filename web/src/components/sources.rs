//! The "Sources" view: a dialog listing where the model comes from (the 2019 thread,
//! the kernel code the current profile follows, and the project's kernel reference), as
//! links the learner opens. Nothing is fetched: the lists are the core's.
use crate::state::AppContext;
use ioasid_core::sources::{profile_sources, Link, REFERENCE, THREAD};
use web_sys::HtmlDialogElement;
use yew::prelude::*;

fn link_item(l: &Link) -> Html {
    html! {
        <li>
            <a href={l.url} target="_blank" rel="noopener noreferrer">{ l.title }</a>
            <p class="muted">{ l.detail }</p>
        </li>
    }
}

#[component]
pub fn Sources() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    let dialog = use_node_ref();
    let open = {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(d) = dialog.cast::<HtmlDialogElement>() {
                // A modal dialog: the page behind is inert, Escape closes it.
                let _ = d.show_modal();
            }
        })
    };
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(d) = dialog.cast::<HtmlDialogElement>() {
                d.close();
            }
        })
    };
    let profile = state.profile;
    let followed = profile_sources(profile);
    html! {
        <>
            <button type="button" class="sources-button" onclick={open}>{ "Sources" }</button>
            <dialog ref={dialog} class="sources" aria-labelledby="sources-title">
                <h2 id="sources-title">{ "Sources" }</h2>
                <p>{ "The model follows the kernel source of each era; these links open the code and the mails it comes from." }</p>
                <h3>{ format!("What the profile {} follows", profile.name()) }</h3>
                if followed.is_empty() {
                    <p>{ format!("{}: {}.", profile.name(), profile.describe()) }</p>
                } else {
                    <ul class="source-list">{ for followed.iter().map(link_item) }</ul>
                }
                <h3>{ "The 2019 design thread" }</h3>
                <ul class="source-list">{ for THREAD.iter().map(link_item) }</ul>
                <h3>{ "The project's kernel reference" }</h3>
                <p>{ REFERENCE }</p>
                <button type="button" class="primary" onclick={close}>{ "Close" }</button>
            </dialog>
        </>
    }
}
