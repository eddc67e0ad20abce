//! End-to-end smoke test: the release build in dist/, served from 127.0.0.1, in headless
//! Chromium. Needs the `e2e` feature (see tests/Cargo.toml); scripts/test runs it after
//! `trunk build --release`.

use std::time::Duration;

use fantoccini::Locator;
use ioasid_tests::browser::{require_dist, Browser};
use ioasid_tests::static_server::StaticServer;

/// How long the wasm app may take to download, start and render.
const APP_START_TIMEOUT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn release_build_renders_the_app_without_errors() {
    let dist = require_dist();
    let site = StaticServer::start(&dist).expect("serve dist/");
    let browser = Browser::launch().await;

    browser.goto(&site.url("/")).await.expect("load the page");

    // Wait for the app's heading, or for index.html's start-up fallback message.
    let first = browser
        .wait()
        .at_most(APP_START_TIMEOUT)
        .for_element(Locator::Css("h1, #app-fallback:not([hidden])"))
        .await;
    let heading = match first {
        Ok(el)
            if el
                .tag_name()
                .await
                .expect("tag name")
                .eq_ignore_ascii_case("h1") =>
        {
            el
        }
        other => {
            let shot = browser.save_screenshot("main-failed").await;
            let errors = browser.page_errors().await;
            let shown = match other {
                Ok(el) => format!("the start-up fallback: {:?}", el.text().await),
                Err(e) => format!("nothing within {APP_START_TIMEOUT:?} ({e})"),
            };
            panic!(
                "FAILED: the app did not render its <h1>; the page showed {shown}\n\
                 page errors: {errors:?}\nscreenshot: {}",
                shot.display()
            );
        }
    };
    browser.save_screenshot("main").await;

    assert_eq!(heading.text().await.expect("h1 text"), "IOASID Lab");
    assert_eq!(browser.title().await.expect("page title"), "IOASID Lab");

    // The start-up fallback message is not shown: yew removes it when the app mounts into
    // the body, and it stays hidden until then unless the start fails.
    let fallback_shown = browser
        .execute(
            "const el = document.getElementById('app-fallback'); \
             return el !== null && !el.hidden;",
            vec![],
        )
        .await
        .expect("read the fallback's state");
    assert_eq!(
        fallback_shown,
        serde_json::Value::Bool(false),
        "the start-up fallback message is showing"
    );

    // The wasm app itself was fetched, and nothing the page asked for was missing.
    let served = site.served();
    assert!(
        served
            .iter()
            .any(|s| s.target.ends_with(".wasm") && s.status == 200),
        "no .wasm file was served: {served:?}"
    );
    assert!(
        site.failures().is_empty(),
        "requests that failed: {:?}",
        site.failures()
    );

    browser.assert_no_errors().await;
    browser.close().await;
}
