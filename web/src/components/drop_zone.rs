//! Dropping a lesson file anywhere on the page imports it.
use crate::hooks::use_file_import;
use crate::state::AppContext;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DropZoneProps {
    pub children: Html,
}

#[component]
pub fn DropZone(props: &DropZoneProps) -> Html {
    let state = use_context::<AppContext>();
    let dragging = use_state(|| false);
    let import = use_file_import(state.as_ref().map(|s| s.dispatcher()));
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            let files = e
                .data_transfer()
                .is_some_and(|dt| dt.types().includes(&"Files".into(), 0));
            if files {
                e.prevent_default();
                if !*dragging {
                    dragging.set(true);
                }
            }
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // Leaving for a child element is not leaving the page.
            if e.related_target().is_none() {
                dragging.set(false);
            }
        })
    };
    let ondrop = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            if let Some(file) = e
                .data_transfer()
                .and_then(|dt| dt.files())
                .and_then(|f| f.get(0))
            {
                import.emit(file);
            }
        })
    };
    html! {
        <div class={classes!("drop-zone", dragging.then_some("dragging"))} {ondragover} {ondragleave} {ondrop}>
            { props.children.clone() }
            if *dragging {
                <div class="drop-hint" aria-hidden="true"><p>{ "Drop a lesson JSON file to import it" }</p></div>
            }
        </div>
    }
}
