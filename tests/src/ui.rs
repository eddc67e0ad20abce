//! Helpers for the visualizer's end-to-end tests (`tests/ui_*.rs`): opening the app at a
//! URL, reading the player, pressing keys the way a person does, and generated lessons.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::Locator;
use serde_json::Value;

use crate::browser::Browser;

/// How long the wasm app may take to download, start and render.
pub const APP_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens `url` and waits until the player shows its step count; panics with a screenshot
/// and the page's errors when it does not.
pub async fn open(browser: &Browser, url: &str) {
    browser.goto(url).await.expect("load the page");
    wait_for(browser, ".step-count", APP_START_TIMEOUT).await;
}

/// Waits for an element matching `css`; panics (with a screenshot) after `timeout`.
pub async fn wait_for(
    browser: &Browser,
    css: &str,
    timeout: Duration,
) -> fantoccini::elements::Element {
    match browser
        .wait()
        .at_most(timeout)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(el) => el,
        Err(e) => {
            let shot = browser.save_screenshot("wait-failed").await;
            let errors = browser.page_errors().await;
            panic!(
                "FAILED: `{css}` did not appear within {timeout:?} ({e})\npage errors: {errors:?}\nscreenshot: {}",
                shot.display()
            );
        }
    }
}

/// The text of the first element matching `css` ("" when there is none).
pub async fn text(browser: &Browser, css: &str) -> String {
    let v = browser
        .execute(
            "const el = document.querySelector(arguments[0]); return el ? el.textContent : '';",
            vec![Value::String(css.into())],
        )
        .await
        .expect("read an element's text");
    v.as_str().unwrap_or_default().to_string()
}

/// The player's "Start · N steps" / "Step i of N".
pub async fn step_count(browser: &Browser) -> String {
    text(browser, ".step-count").await
}

/// Waits until the player reads `expected`; panics after 10 s with what it read.
pub async fn wait_step(browser: &Browser, expected: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let now = step_count(browser).await;
        if now == expected {
            return;
        }
        if std::time::Instant::now() > deadline {
            let shot = browser.save_screenshot("wait-step-failed").await;
            panic!(
                "FAILED: the player reads `{now}`, expected `{expected}`; screenshot: {}",
                shot.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Presses and releases `key` on whatever has the focus (the page when nothing does),
/// as a person at the keyboard would.
pub async fn press(browser: &Browser, key: Key) {
    let c: char = key.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: c })
        .then(KeyAction::Up { value: c });
    browser.perform_actions(keys).await.expect("press a key");
}

/// Presses a character key (`+`, `-`...).
pub async fn press_char(browser: &Browser, c: char) {
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: c })
        .then(KeyAction::Up { value: c });
    browser.perform_actions(keys).await.expect("press a key");
}

/// Clicks the button whose accessible name (`aria-label`) is `label`.
pub async fn click_button(browser: &Browser, label: &str) {
    browser
        .find(Locator::Css(&format!("button[aria-label='{label}']")))
        .await
        .unwrap_or_else(|e| panic!("FAILED: no button named `{label}`: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("FAILED: clicking `{label}`: {e}"));
}

/// Clicks the button that reads `text`.
pub async fn click_text(browser: &Browser, text: &str) {
    browser
        .find(Locator::XPath(&format!(
            "//button[normalize-space(.)='{text}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("FAILED: no button reads `{text}`: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("FAILED: clicking `{text}`: {e}"));
}

/// Picks `value` in the `<select>` whose accessible name is `label`, waiting for it to
/// appear (the panels below the player are drawn after it: `open` waits for the player
/// only, and a select in the sandbox was once looked for before it was drawn).
pub async fn select(browser: &Browser, label: &str, value: &str) {
    wait_for(
        browser,
        &format!("select[aria-label='{label}']"),
        APP_START_TIMEOUT,
    )
    .await
    .select_by_value(value)
    .await
    .unwrap_or_else(|e| panic!("FAILED: picking `{value}` in `{label}`: {e}"));
}

/// Imports the lesson file at `path` through the page's file picker.
pub async fn import_file(browser: &Browser, path: &std::path::Path) {
    browser
        .find(Locator::Css("input[type='file']"))
        .await
        .expect("the import file picker")
        .send_keys(&path.display().to_string())
        .await
        .expect("choose the file");
}

/// A two-step lesson titled "My lesson" (an alloc, then a free), written as `mine.json`
/// in `dir`: the file the tests import. Returns its path.
pub fn write_my_lesson(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("mine.json");
    std::fs::write(
        &path,
        r#"{"format": 1, "title": "My lesson", "profile": "v5.5", "steps": [
            {"op": "alloc", "set": "sva", "min": 1, "max": 10}, {"op": "free", "id": 1}]}"#,
    )
    .expect("write the lesson");
    path
}

/// A lesson of `n` steps that churns through the default allocator: mostly allocs, some
/// finds and frees (a deterministic xorshift, like core's `churn_lesson` example).
pub fn churn_lesson(n: usize) -> String {
    let mut out = format!(
        r#"{{"format":1,"title":"Churn of {n} steps","summary":"A generated run for measurements.","profile":"v5.5","steps":["#
    );
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut live: Vec<u32> = Vec::new();
    let mut next_id = 1u32;
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let roll = x % 10;
        if roll < 5 || live.is_empty() {
            out.push_str(r#"{"op":"alloc","set":"sva","min":1,"max":1048575}"#);
            live.push(next_id);
            next_id += 1;
        } else if roll < 8 {
            let id = live[(x >> 20) as usize % live.len()];
            out.push_str(&format!(r#"{{"op":"find","set":"sva","id":{id}}}"#));
        } else {
            let i = (x >> 20) as usize % live.len();
            let id = live.swap_remove(i);
            out.push_str(&format!(r#"{{"op":"free","id":{id},"set":"sva"}}"#));
        }
    }
    out.push_str("]}");
    out
}

/// A lesson that allocates every PASID from 1 to 1,048,575 (the whole 20-bit space but
/// the reserved 0), then a few steps on the full space: a failing alloc, a free, an alloc
/// that gets the freed ID back, a find.
pub fn fill_lesson() -> String {
    let total = 1_048_575usize;
    let mut out = String::with_capacity(total * 40 + 512);
    out.push_str(
        r#"{"format":1,"title":"Every PASID in use","summary":"A generated run for measurements.","profile":"v5.5","steps":["#,
    );
    for i in 0..total {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r#"{"op":"alloc","min":1,"max":1048575}"#);
    }
    out.push_str(
        r#",{"op":"alloc","min":1,"max":1048575},{"op":"free","id":524288},{"op":"alloc","min":1,"max":1048575},{"op":"find","id":524288}]}"#,
    );
    out
}

/// A lesson of `n` steps (n >= 2) that starts a new process at every other step and binds
/// it to device `dev0`: about n/2 processes, each with its own PASID, and one device
/// SVA-bound to all of them.
pub fn processes_lesson(n: usize) -> String {
    let mut out = format!(
        r#"{{"format":1,"title":"{n} steps of distinct processes","summary":"A generated run for measurements.","profile":"v5.18","steps":["#
    );
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let p = i / 2;
        if i % 2 == 0 {
            out.push_str(&format!(
                r#"{{"op":"mm_create","mm":"P{p}","maps":[{{"start":4194304,"len":65536,"perm":"rw"}}]}}"#
            ));
        } else {
            out.push_str(&format!(r#"{{"op":"bind","device":"dev0","mm":"P{p}"}}"#));
        }
    }
    out.push_str("]}");
    out
}

/// A lesson of `n` steps (n >= 4): one process bound to `dev0`, then `n - 3` page
/// requests, each a complete group of its own, that wait in the fault queue; the last
/// step runs the queue (one step handling all of them).
pub fn pending_faults_lesson(n: usize) -> String {
    let mut out = String::from(
        r#"{"format":1,"title":"Pending page requests","summary":"A generated run for measurements.","profile":"v5.18","steps":[{"op":"mm_create","mm":"A","maps":[{"start":4194304,"len":65536,"perm":"rw"}]},{"op":"bind","device":"dev0","mm":"A","as":"pa"}"#,
    );
    for g in 1..=n.saturating_sub(3) {
        out.push_str(&format!(
            r#",{{"op":"fault","device":"dev0","pasid":"$pa","addr":4194304,"perm":"rw","group":{g}}}"#
        ));
    }
    out.push_str(r#",{"op":"run_faults"}]}"#);
    out
}

/// Runs `script` in the page and returns its value; panics, naming it, if it throws.
pub async fn js(browser: &Browser, script: &str) -> Value {
    browser
        .execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("FAILED: running `{script}`: {e}"))
}

/// The page's address, once it contains `part` (the app writes it a moment after a
/// change); panics after 5 s.
pub async fn wait_url(browser: &Browser, part: &str) -> String {
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
