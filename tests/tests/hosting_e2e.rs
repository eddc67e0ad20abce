//! End-to-end tests of hosting: the release build in dist/ copied under a sub-folder of a
//! plain static server (as on GitHub Pages or a university web space), opened from a file,
//! and served with a file missing. Needs the `e2e` feature and a built dist/.

use std::path::Path;
use std::time::Duration;

use fantoccini::Locator;
use ioasid_core::lesson::Step;
use ioasid_core::Lesson;
use ioasid_tests::browser::{require_dist, Browser, TempDir};
use ioasid_tests::static_server::StaticServer;
use ioasid_tests::ui::{
    churn_lesson, import_file, js, open, select, step_count, text, wait_for, wait_step, wait_url,
    write_my_lesson,
};
use serde_json::Value;

/// Copies the files of `from` into `to`, with its folders (dist/lessons/), leaving out
/// those `skip` names.
fn copy_site(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) {
    std::fs::create_dir_all(to).expect("create the site's folder");
    for entry in std::fs::read_dir(from).expect("read dist/") {
        let entry = entry.expect("a dist/ entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if skip(&name) {
            continue;
        }
        if entry.path().is_dir() {
            copy_site(&entry.path(), &to.join(&name), skip);
        } else {
            std::fs::copy(entry.path(), to.join(&name)).expect("copy a file of dist/");
        }
    }
}

/// The built-in lessons' files the server was asked for, in order.
fn lessons_served(site: &StaticServer) -> Vec<String> {
    site.served()
        .iter()
        .filter_map(|s| {
            s.target
                .rsplit_once("/lessons/")
                .map(|(_, f)| f.to_string())
        })
        .collect()
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
    copy_site(&require_dist(), &root.path().join("course/lab"), &|_| false);
    let site = StaticServer::start(root.path()).expect("serve the temp folder");
    let browser = Browser::launch().await;

    open(&browser, &site.url("/course/lab/?lesson=02-sets&step=5")).await;
    let count = step_count(&browser).await;
    assert!(count.starts_with("Step 5 of "), "{count}");
    assert!(text(&browser, ".notice").await.is_empty(), "no complaint");
    // The build does not carry the lessons: the page fetched the one it shows, only.
    assert_eq!(lessons_served(&site), ["02-sets.json"]);

    // Another lesson (fetched when picked), then Back and Forward.
    select(&browser, "Lesson", "builtin:01-first-fit").await;
    wait_step(&browser, "Start · 13 steps").await;
    assert_eq!(lessons_served(&site), ["02-sets.json", "01-first-fit.json"]);
    let url = wait_url(&browser, "lesson=01-first-fit").await;
    assert!(url.contains("/course/lab/"), "{url}");
    browser.back().await.expect("go back");
    wait_step(&browser, &count).await;
    browser.forward().await.expect("go forward");
    wait_step(&browser, "Start · 13 steps").await;

    // An imported run: its link opens it again, from the sub-folder.
    let dir = TempDir::new("ioasid-hosting-import");
    let mine = write_my_lesson(dir.path());
    import_file(&browser, &mine).await;
    wait_step(&browser, "Start · 2 steps").await;
    let link = wait_url(&browser, "z=").await;
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
    copy_site(&require_dist(), root.path(), &|name| {
        name.ends_with(".wasm")
    });
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

/// A copy of the site without one lesson's file: a link to that lesson says which file
/// the server does not have, and shows the first lesson instead; the picker says the
/// same when the lesson is picked.
#[tokio::test]
async fn a_missing_lesson_file_is_named() {
    let root = TempDir::new("ioasid-hosting-lesson-404");
    copy_site(&require_dist(), root.path(), &|name| name == "02-sets.json");
    let site = StaticServer::start(root.path()).expect("serve the temp folder");
    let browser = Browser::launch().await;
    open(&browser, &site.url("/?lesson=02-sets&step=5")).await;
    let notice = wait_for(&browser, ".notice", Duration::from_secs(20))
        .await
        .text()
        .await
        .expect("the notice's text");
    assert!(notice.contains("lessons/02-sets.json"), "{notice}");
    assert!(notice.contains("404"), "{notice}");
    let first = ioasid_core::lessons::INDEX[0].title;
    assert!(
        notice.contains(&format!("Showing \"{first}\" from its start instead")),
        "{notice}"
    );
    let picked = js(
        &browser,
        "const s = document.querySelector(\"select[aria-label='Lesson']\"); return s.value;",
    )
    .await;
    assert_eq!(picked.as_str(), Some("builtin:00-design-thread"));
    assert_eq!(
        lessons_served(&site),
        ["02-sets.json", "00-design-thread.json"]
    );
    browser.close().await;
}

/// Base64url without padding, as the app's old query links carry a run.
fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(c.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(c.get(2).copied().unwrap_or(0));
        for i in 0..=c.len() {
            out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// A run of 370 lesson steps, each with a line of narration, and 90 sandbox steps after
/// it, as the old query link (`?run=...&extra=...`) that the app wrote for it.
fn old_link_to_a_long_run() -> String {
    let churn = Lesson::parse(&churn_lesson(460)).expect("the churn lesson parses");
    let mut base = churn.clone();
    let extra: Vec<Step> = base.steps.split_off(370);
    let mut json = base.to_json();
    for (i, step) in json["steps"]
        .as_array_mut()
        .expect("steps")
        .iter_mut()
        .enumerate()
    {
        step["say"] = Value::String(format!(
            "Step {i}: the allocator hands out the lowest free PASID in the set's range."
        ));
    }
    let run = b64(json.to_string().as_bytes());
    let steps = Value::Array(extra.iter().map(Step::to_json).collect());
    format!("?run={run}&extra={}", b64(steps.to_string().as_bytes()))
}

/// The old query link to a 370+90-step run still opens; the app then writes it after `#`,
/// compressed, much shorter; that link opens the same run; Back and Forward between it
/// and a built-in lesson work.
#[tokio::test]
async fn a_long_run_link_is_compressed_after_the_hash() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    let old = site.url(&format!("/{}", old_link_to_a_long_run()));
    open(&browser, &old).await;
    wait_step(&browser, "Start · 460 steps").await;
    assert!(text(&browser, ".notice").await.is_empty(), "no complaint");
    let new = wait_url(&browser, "#z=").await;
    eprintln!(
        "link to the 370+90-step run: {} characters as a query, {} after the hash",
        old.len(),
        new.len()
    );
    assert!(!new.contains('?'), "{new}");
    assert!(new.len() * 4 < old.len(), "{} vs {}", new.len(), old.len());

    browser.goto("about:blank").await.expect("leave the page");
    open(&browser, &new).await;
    wait_step(&browser, "Start · 460 steps").await;
    assert!(text(&browser, ".notice").await.is_empty(), "no complaint");
    let narration = text(&browser, ".narration").await;
    browser
        .find(Locator::Css("button[aria-label='Next step']"))
        .await
        .expect("the Next button")
        .click()
        .await
        .expect("click Next");
    wait_step(&browser, "Step 1 of 460").await;
    let moved = wait_url(&browser, "#step=1&z=").await;
    assert!(moved.len() < new.len() + 10, "{moved}");
    let _ = narration;

    select(&browser, "Lesson", "builtin:01-first-fit").await;
    wait_url(&browser, "?lesson=01-first-fit").await;
    browser.back().await.expect("go back");
    wait_step(&browser, "Step 1 of 460").await;
    browser.forward().await.expect("go forward");
    wait_step(&browser, "Start · 13 steps").await;
    browser.assert_no_errors().await;
    browser.close().await;
}

/// A browser without `CompressionStream`/`DecompressionStream` (older Safari, Firefox
/// before 113): a `#z=` link says it cannot be read and keeps the address; an imported
/// run's link falls back to a query, which opens again.
#[tokio::test]
async fn without_the_browsers_compression_links_still_work() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let dir = TempDir::new("ioasid-hosting-no-deflate");
    let mine = write_my_lesson(dir.path());
    // A compressed link, from a browser that has the streams.
    let browser = Browser::launch().await;
    open(&browser, &site.url("/")).await;
    import_file(&browser, &mine).await;
    wait_step(&browser, "Start · 2 steps").await;
    let packed = wait_url(&browser, "#z=").await;
    browser.close().await;

    let browser = Browser::launch().await;
    browser
        .devtools(
            "Page.addScriptToEvaluateOnNewDocument",
            serde_json::json!({"source": "delete window.CompressionStream; delete window.DecompressionStream;"}),
        )
        .await;
    open(&browser, &packed).await;
    let notice = wait_for(&browser, ".notice", Duration::from_secs(20))
        .await
        .text()
        .await
        .expect("the notice's text");
    assert!(
        notice.contains("compressed run (`z`) cannot be read"),
        "{notice}"
    );
    assert!(notice.contains("still holds the link"), "{notice}");
    let kept = browser.current_url().await.expect("the URL").to_string();
    assert_eq!(kept, packed, "the address keeps the run");

    import_file(&browser, &mine).await;
    wait_step(&browser, "Start · 2 steps").await;
    let query = wait_url(&browser, "?run=").await;
    assert!(!query.contains("#z="), "{query}");
    browser.goto("about:blank").await.expect("leave the page");
    open(&browser, &query).await;
    wait_step(&browser, "Start · 2 steps").await;
    assert!(text(&browser, ".notice").await.is_empty(), "no complaint");
    browser.close().await;
}

/// Repeated and conflicting parameters: a message naming what was used.
#[tokio::test]
async fn a_link_with_repeated_parameters_says_what_was_used() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    open(&browser, &site.url("/?lesson=02-sets&step=3&step=7")).await;
    wait_step(&browser, "Step 3 of 17").await;
    let said = text(&browser, ".notice").await;
    assert!(said.contains("`step` more than once"), "{said}");
    assert!(said.contains("(`3`) was used"), "{said}");
    browser.close().await;
}

/// A run too long even compressed: the page says so and offers Export, and the address
/// keeps naming the run before it (never a bare one).
#[tokio::test]
async fn a_run_too_long_for_a_link_keeps_the_address_and_offers_export() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    open(&browser, &site.url("/?lesson=02-sets&step=4")).await;
    wait_url(&browser, "step=4").await;
    // 900 steps, each with 100 characters of noise deflate cannot shrink much.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut steps = Vec::new();
    for _ in 0..900 {
        let say: String = (0..100)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(
                    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                        [(x % 62) as usize],
                )
            })
            .collect();
        steps.push(format!(
            r#"{{"op":"alloc","set":"sva","min":1,"max":1048575,"say":"{say}"}}"#
        ));
    }
    let dir = TempDir::new("ioasid-hosting-long");
    let file = dir.path().join("long.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"format":1,"title":"Noise","profile":"v5.5","steps":[{}]}}"#,
            steps.join(",")
        ),
    )
    .expect("write the lesson");
    import_file(&browser, &file).await;
    wait_step(&browser, "Start · 900 steps").await;
    let notice = wait_for(&browser, ".notice", Duration::from_secs(10)).await;
    let said = notice.text().await.expect("the notice's text");
    assert!(said.contains("too long for a link"), "{said}");
    assert!(said.contains("Export lesson"), "{said}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let url = browser.current_url().await.expect("the URL").to_string();
    assert!(url.ends_with("?lesson=02-sets&step=4"), "{url}");
    browser.close().await;
}
