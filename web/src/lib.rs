//! IOASID Lab's browser app: renders the trace computed by `ioasid-core`.
use yew::prelude::*;

/// The whole app.
#[component]
pub fn App() -> Html {
    html! {
        <main>
            <h1>{ "IOASID Lab" }</h1>
        </main>
    }
}
