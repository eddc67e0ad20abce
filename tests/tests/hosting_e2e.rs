//! End-to-end tests of hosting: the release build in dist/ copied under a sub-folder of a
//! plain static server (as on GitHub Pages or a university web space), opened from a file,
//! and served with a file missing. Needs the `e2e` feature and a built dist/.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use ioasid_tests::browser::{require_dist, Browser, TempDir};
use ioasid_tests::static_server::StaticServer;
use ioasid_tests::ui::{import_file, open, select, step_count, text, wait_for, wait_step};
use serde_json::Value;

/// Copies the files of `from` into `to` (one level deep, as trunk writes dist/), leaving
/// out those `skip` names.
fn copy_site(from: &Path, to: &Path, skip: impl Fn(&str) -> bool) {
    std::fs::create_dir_all(to).expect("create the site's folder");
    for entry in std::fs::read_dir(from).expect("read dist/") {
        let entry = entry.expect("a dist/ entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && !skip(&name) {
            std::fs::copy(entry.path(), to.join(&name)).expect("copy a file of dist/");
        }
    }
}

async fn js(browser: &Browser, script: &str) -> Value {
    browser
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("FAILED: running `{script}`: {e}"))
}

/// The page's address, once it contains `part` (the app writes it a moment after a change).
async fn wait_url(browser: &Browser, part: &str) -> String {
    for _ in 0..100 {
        let url = browser
            .current_url()
            .await
            .expect("the page's URL")
            .to_string();
        if url.contains(part) {
            return url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let url = browser.current_url().await.expect("the page's URL");
    panic!("FAILED: the URL `{url}` never contained `{part}`");
}

/// The start-up message's text, once it shows.
async fn fallback(browser: &Browser) -> String {
    let el = wait_for(
        browser,
        "#app-fallback:not([hidden])",
        Duration::from_secs(20),
    )
    .await;
    el.text().await.expect("the message's text")
}

/// dist/ served as /course/lab/: start-up, a link to a step, Back and Forward, and an
/// imported run's link, with every request staying under the sub-folder.
#[tokio::test]
async fn the_site_works_from_a_sub_folder() {
    let root = TempDir::new("ioasid-hosting-sub");
    copy_site(&require_dist(), &root.path().join("course/lab"), |_| false);
    let site = StaticServer::start(root.path()).expect("serve the temp folder");
    let browser = Browser::launch().await;

    open(&browser, &site.url("/course/lab/?lesson=02-sets&step=5")).await;
    let count = step_count(&browser).await;
    assert!(count.starts_with("Step 5 of "), "{count}");
    assert!(text(&browser, ".notice").await.is_empty(), "no complaint");

    // Another lesson, then Back and Forward.
    select(&browser, "Lesson", "builtin:01-first-fit").await;
    wait_step(&browser, "Start · 13 steps").await;
    let url = wait_url(&browser, "lesson=01-first-fit").await;
    assert!(url.contains("/course/lab/"), "{url}");
    browser.back().await.expect("go back");
    wait_step(&browser, &count).await;
    browser.forward().await.expect("go forward");
    wait_step(&browser, "Start · 13 steps").await;

    // An imported run: its link opens it again, from the sub-folder.
    let dir = TempDir::new("ioasid-hosting-import");
    let mine = dir.path().join("mine.json");
    std::fs::write(
        &mine,
        r#"{"format": 1, "title": "My lesson", "profile": "v5.5", "steps": [
            {"op": "alloc", "set": "sva", "min": 1, "max": 10}, {"op": "free", "id": 1}]}"#,
    )
    .expect("write the lesson");
    import_file(&browser, &mine).await;
    wait_step(&browser, "Start · 2 steps").await;
    let link = wait_url(&browser, "run").await;
    assert!(link.contains("/course/lab/"), "{link}");
    browser.goto("about:blank").await.expect("leave the page");
    open(&browser, &link).await;
    wait_step(&browser, "Start · 2 steps").await;
    let picked = js(
        &browser,
        "const s = document.querySelector(\"select[aria-label='Lesson']\"); return s.options[s.selectedIndex].text;",
    )
    .await;
    assert!(
        picked.as_str().unwrap_or_default().contains("My lesson"),
        "{picked}"
    );

    let served = site.served();
    assert!(
        served.iter().all(|s| s.target.starts_with("/course/lab/")),
        "a request left the sub-folder: {served:?}"
    );
    assert!(
        served.iter().any(|s| s.target.ends_with(".wasm")),
        "{served:?}"
    );
    assert!(site.failures().is_empty(), "{:?}", site.failures());
    browser.assert_no_errors().await;
    browser.close().await;
}

/// Opened from a file, the page says to serve the folder over HTTP, with the command.
#[tokio::test]
async fn opened_from_a_file_the_page_says_how_to_serve_it() {
    let dist = require_dist().canonicalize().expect("dist/'s full path");
    // chromedriver lets Chromium read files from files; a browser as people use it does not.
    let browser = Browser::launch_excluding(&["allow-file-access-from-files"]).await;
    browser
        .goto(&format!("file://{}/index.html", dist.display()))
        .await
        .expect("open the file");
    let said = fallback(&browser).await;
    browser.save_screenshot("opened-from-a-file").await;
    assert!(said.contains("opened as a file"), "{said}");
    assert!(said.contains("python3 -m http.server"), "{said}");
    assert!(!said.contains("current browser"), "{said}");
    assert!(
        browser.find(Locator::Css(".step-count")).await.is_err(),
        "the app did not start"
    );
    browser.close().await;
}

/// A copy of the site without its WebAssembly file: the page names the missing file (the
/// server's 404), rather than blaming the browser.
#[tokio::test]
async fn a_missing_file_is_named() {
    let root = TempDir::new("ioasid-hosting-404");
    copy_site(&require_dist(), root.path(), |name| name.ends_with(".wasm"));
    let site = StaticServer::start(root.path()).expect("serve the temp folder");
    let browser = Browser::launch().await;
    browser.goto(&site.url("/")).await.expect("load the page");
    let said = fallback(&browser).await;
    assert!(said.contains("The server has no file"), "{said}");
    assert!(said.contains("_bg.wasm"), "{said}");
    assert!(said.contains("404"), "{said}");
    assert!(!said.contains("does not support WebAssembly"), "{said}");
    browser.close().await;
}
