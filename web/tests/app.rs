//! Component tests: the app rendered by yew in headless Chromium (wasm-bindgen-test).
//! Run by scripts/test with
//! `cargo test -p ioasid-web --target wasm32-unknown-unknown` and
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner`.
#![cfg(target_arch = "wasm32")]

use ioasid_web::App;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// A new, empty element appended to the test page's body, to mount a component into.
fn fresh_root() -> web_sys::Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("create a div");
    gloo::utils::body()
        .append_child(&root)
        .expect("append the div to the body");
    root
}

#[wasm_bindgen_test]
async fn app_renders_its_heading() {
    let root = fresh_root();
    let _app = yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    let heading = root
        .query_selector("h1")
        .expect("a valid selector")
        .expect("the app renders an <h1>");
    assert_eq!(heading.text_content().as_deref(), Some("IOASID Lab"));
}
