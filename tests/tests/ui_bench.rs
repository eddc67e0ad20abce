//! Measurements of the visualizer (not timed tests: they print numbers and fail only when
//! the app misbehaves). Run them against the release build with
//! `cargo test -p ioasid-tests --features e2e --test e2e_ui_bench -- --ignored --nocapture --test-threads=1`.
//!
//! - step re-render time (Performance API) on a built-in lesson, on a 100,000-step churn and
//!   with all 2^20 PASIDs allocated;
//! - seek time on the 100,000-step run;
//! - the longest task while a long run is computed in chunks (PerformanceObserver
//!   `longtask`), and how long it took to compute.

use std::time::{Duration, Instant};

use ioasid_tests::browser::{require_dist, Browser, TempDir};
use ioasid_tests::static_server::StaticServer;
use ioasid_tests::ui::{churn_lesson, fill_lesson, import_file, open, step_count, wait_for};
use serde_json::{json, Value};

/// Records long tasks (> 50 ms) from now on into `window.__longTasks`.
const WATCH_LONG_TASKS: &str = r#"
window.__longTasks = [];
try {
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) window.__longTasks.push(e.duration);
  }).observe({type: 'longtask', buffered: false});
} catch (e) { window.__longTasks = null; }
return 0;"#;

/// Does one player action (`arguments[0]`: "next", "prev" or a step to seek to) and reports,
/// in milliseconds: `render` until the DOM has changed (a MutationObserver fires after
/// yew's render) and `total` once effects ran and layout is done (a timeout, then a forced
/// layout).
const MEASURE: &str = r#"
const what = arguments[0];
const done = arguments[arguments.length - 1];
const count = document.querySelector('.step-count');
const before = count.textContent;
let render = null;
const t0 = performance.now();
const mo = new MutationObserver(() => {
  if (render === null) render = performance.now() - t0;
});
mo.observe(document.querySelector('.app'), {subtree: true, childList: true, characterData: true, attributes: true});
if (what === 'next') {
  document.querySelector("button[aria-label='Next step']").click();
} else if (what === 'prev') {
  document.querySelector("button[aria-label='Previous step']").click();
} else {
  const s = document.querySelector('input.scrubber');
  s.value = String(what);
  s.dispatchEvent(new Event('input', {bubbles: true}));
}
const finish = () => {
  void document.body.offsetHeight;
  const total = performance.now() - t0;
  mo.disconnect();
  done({render: render, total: total, before: before, after: count.textContent});
};
setTimeout(finish, 0);
"#;

#[derive(Debug, Default)]
struct Stats {
    render: Vec<f64>,
    total: Vec<f64>,
}

impl Stats {
    fn add(&mut self, v: &Value) {
        if let Some(r) = v["render"].as_f64() {
            self.render.push(r);
        }
        if let Some(t) = v["total"].as_f64() {
            self.total.push(t);
        }
    }

    fn line(&self, what: &str) -> String {
        fn med_max(v: &[f64]) -> (f64, f64, f64) {
            let mut s = v.to_vec();
            s.sort_by(|a, b| a.total_cmp(b));
            if s.is_empty() {
                return (f64::NAN, f64::NAN, f64::NAN);
            }
            let p95 = s[((s.len() as f64 * 0.95) as usize).min(s.len() - 1)];
            (s[s.len() / 2], p95, s[s.len() - 1])
        }
        let (rm, rp, rx) = med_max(&self.render);
        let (tm, tp, tx) = med_max(&self.total);
        format!(
            "MEASURE {what}: n={} render median {rm:.1} ms p95 {rp:.1} max {rx:.1}; \
             render+effects+layout median {tm:.1} ms p95 {tp:.1} max {tx:.1}",
            self.total.len()
        )
    }
}

/// Answers a waiting question with "Skip" (not measured), so Next can move on.
const SKIP_QUESTION: &str = r#"
const skip = [...document.querySelectorAll('.question-open button')]
  .find(b => b.textContent.includes('Skip'));
if (skip) { skip.click(); return true; }
return false;"#;

async fn measure(browser: &Browser, what: Value) -> Value {
    let skipped = browser
        .execute(SKIP_QUESTION, vec![])
        .await
        .expect("skip a question");
    if skipped == Value::Bool(true) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let v = browser
        .execute_async(MEASURE, vec![what])
        .await
        .expect("run the measurement");
    assert_ne!(v["before"], v["after"], "the action changed the step: {v}");
    v
}

/// Imports `text` as a lesson and waits until its run is computed; returns the seconds it
/// took and the longest task seen meanwhile.
async fn import_and_wait(
    browser: &Browser,
    dir: &TempDir,
    name: &str,
    text: &str,
    steps: usize,
) -> (f64, Option<f64>) {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write the generated lesson");
    browser
        .execute(WATCH_LONG_TASKS, vec![])
        .await
        .expect("watch long tasks");
    let start = Instant::now();
    import_file(browser, &path).await;
    if steps > 500_000 {
        // The page while it reads and runs a big lesson.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        browser.save_screenshot("bench-computing").await;
    }
    let want = format!("Start · {} steps", group(steps));
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let now = step_count(browser).await;
        let computing = browser
            .execute(
                "return document.querySelector('.progress') !== null;",
                vec![],
            )
            .await
            .expect("read the progress");
        if now == want && computing == Value::Bool(false) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the run was not computed in time: {now}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    let tasks = browser
        .execute("return window.__longTasks;", vec![])
        .await
        .expect("read the long tasks");
    let longest = tasks
        .as_array()
        .and_then(|a| a.iter().filter_map(Value::as_f64).reduce(f64::max));
    let count = tasks.as_array().map_or(0, Vec::len);
    eprintln!(
        "MEASURE import+compute {name} ({steps} steps, {} bytes): {secs:.1} s; {count} long task(s), longest {longest:?} ms",
        text.len()
    );
    (secs, longest)
}

fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

async fn step_back_and_forth(browser: &Browser, rounds: usize) -> Stats {
    let mut stats = Stats::default();
    for _ in 0..rounds {
        let v = measure(browser, json!("prev")).await;
        stats.add(&v);
        let v = measure(browser, json!("next")).await;
        stats.add(&v);
    }
    stats
}

#[tokio::test]
#[ignore = "a measurement: run it explicitly with --ignored"]
async fn measure_steps_on_a_built_in_lesson() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser
        .set_window_size(1366, 768)
        .await
        .expect("window size");
    open(&browser, &site.url("/?lesson=04-guest-boot-vcmd&step=8")).await;
    let stats = step_back_and_forth(&browser, 20).await;
    eprintln!("{}", stats.line("step on lesson 04 (16 steps)"));
    browser.assert_no_errors().await;
    browser.close().await;
}

#[tokio::test]
#[ignore = "a measurement: run it explicitly with --ignored"]
async fn measure_seek_and_steps_on_100k_steps() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser
        .set_window_size(1366, 768)
        .await
        .expect("window size");
    open(&browser, &site.url("/")).await;
    let dir = TempDir::new("ioasid-ui-bench");
    let n = 100_000;
    import_and_wait(&browser, &dir, "churn-100k.json", &churn_lesson(n), n).await;

    let mut seeks = Stats::default();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..40 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let target = 1 + (x % n as u64) as usize;
        let v = measure(&browser, json!(target)).await;
        seeks.add(&v);
    }
    eprintln!("{}", seeks.line("seek to a random step of 100,000"));
    let v = measure(&browser, json!(n - 10)).await;
    eprintln!("MEASURE seek to step {}: {v}", n - 10);
    let stats = step_back_and_forth(&browser, 20).await;
    eprintln!("{}", stats.line("step near the end of 100,000"));
    browser.save_screenshot("bench-100k").await;
    browser.assert_no_errors().await;
    browser.close().await;
}

#[tokio::test]
#[ignore = "a measurement: run it explicitly with --ignored"]
async fn measure_steps_with_every_pasid_allocated() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser
        .set_window_size(1366, 768)
        .await
        .expect("window size");
    open(&browser, &site.url("/")).await;
    let dir = TempDir::new("ioasid-ui-bench");
    let text = fill_lesson();
    let steps = 1_048_575 + 4;
    import_and_wait(&browser, &dir, "fill.json", &text, steps).await;
    // Step 1,048,575: the last PASID is taken; every step after it runs on a full space.
    let v = measure(&browser, json!(1_048_576)).await;
    eprintln!("MEASURE seek to step 1,048,576 of a full space: {v}");
    let summary = browser
        .execute(
            "return document.querySelector('.overview-summary').textContent;",
            vec![],
        )
        .await
        .expect("read the summary");
    eprintln!("ID space summary: {summary}");
    assert!(
        summary
            .as_str()
            .unwrap_or_default()
            .contains("1,048,575 of 1,048,576"),
        "every PASID is in use: {summary}"
    );
    let stats = step_back_and_forth(&browser, 15).await;
    eprintln!("{}", stats.line("step with all 2^20 PASIDs allocated"));
    let mut seeks = Stats::default();
    for target in [1_000, 500_000, 1_048_000, 1_048_579, 262_144, 1_048_577] {
        let v = measure(&browser, json!(target)).await;
        seeks.add(&v);
    }
    eprintln!("{}", seeks.line("seek on the 1,048,579-step run"));
    wait_for(&browser, ".id-space", Duration::from_secs(5)).await;
    browser.save_screenshot("bench-full-space").await;
    browser.assert_no_errors().await;
    browser.close().await;
}
