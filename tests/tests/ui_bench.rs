//! Measurements of the visualizer (not timed tests: they print numbers and fail only when
//! the app misbehaves). Run them against the release build with
//! `cargo test -p ioasid-tests --features e2e --test e2e_ui_bench -- --ignored --nocapture --test-threads=1`.
//!
//! - step re-render time (Performance API) on a built-in lesson, on a 100,000-step churn and
//!   with all 2^20 PASIDs allocated;
//! - seek time on the 100,000-step run;
//! - the longest task while a long run is computed in chunks (PerformanceObserver
//!   `longtask`), and how long it took to compute;
//! - on 200,000-step lessons of churn, of distinct processes and of pending page requests:
//!   the longest main-thread block while importing, on End and on a step, the DOM's size and
//!   the tab's memory (`measure_200k_lessons`);
//! - the first paint of a cold load, median of several (`measure_first_paint`).

use std::time::{Duration, Instant};

use ioasid_tests::browser::{require_dist, Browser, TempDir};
use ioasid_tests::static_server::StaticServer;
use ioasid_tests::ui::{
    churn_lesson, fill_lesson, import_file, open, pending_faults_lesson, processes_lesson,
    step_count, wait_for,
};
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
} else if (what === 'last') {
  document.querySelector("button[aria-label='Last step']").click();
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
    if v["before"] == v["after"] {
        // Not yet on screen when the measurement ended (a slow render): say so, and wait.
        eprintln!("MEASURE note: the step had not changed when measured: {v}");
        let deadline = Instant::now() + Duration::from_secs(120);
        while step_count(browser).await == v["before"].as_str().unwrap_or_default() {
            assert!(
                Instant::now() < deadline,
                "the action changed the step: {v}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
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

/// A browser the size of a common laptop screen (1366 x 768), as every measurement here
/// uses.
async fn laptop_browser() -> Browser {
    let browser = Browser::launch().await;
    browser
        .set_window_size(1366, 768)
        .await
        .expect("window size");
    browser
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
    let browser = laptop_browser().await;
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
    let browser = laptop_browser().await;
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
    let browser = laptop_browser().await;
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

/// The longest long task recorded since [`WATCH_LONG_TASKS`] (ms; `None`: none over 50 ms),
/// and clears the record.
async fn longest_task(browser: &Browser) -> Option<f64> {
    let tasks = browser
        .execute(
            "const t = window.__longTasks || []; window.__longTasks = []; return t;",
            vec![],
        )
        .await
        .expect("read the long tasks");
    tasks
        .as_array()
        .and_then(|a| a.iter().filter_map(Value::as_f64).reduce(f64::max))
}

/// Resident memory of the renderer processes of the browser whose profile is `profile`
/// (the tab: its JavaScript heap, WebAssembly memory and DOM), in MB, read from /proc.
fn renderer_rss_mb(profile: &std::path::Path) -> f64 {
    let needle = profile.display().to_string();
    let mut kb = 0u64;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let dir = entry.path();
        let Ok(cmd) = std::fs::read(dir.join("cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd);
        if !cmd.contains(&needle) || !cmd.contains("--type=renderer") {
            continue;
        }
        let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
        if let Some(line) = status.lines().find(|l| l.starts_with("VmRSS:")) {
            kb += line
                .split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    kb as f64 / 1024.0
}

/// Elements in the page, and the JavaScript heap in use (MB).
async fn dom_and_heap(browser: &Browser) -> (u64, f64) {
    let nodes = browser
        .execute("return document.getElementsByTagName('*').length;", vec![])
        .await
        .expect("count the elements");
    browser.devtools("Performance.enable", json!({})).await;
    let metrics = browser.devtools("Performance.getMetrics", json!({})).await;
    let heap = metrics["metrics"]
        .as_array()
        .and_then(|m| m.iter().find(|x| x["name"] == "JSHeapUsedSize"))
        .and_then(|x| x["value"].as_f64())
        .unwrap_or(f64::NAN);
    (nodes.as_u64().unwrap_or(0), heap / 1e6)
}

fn ms(v: Option<f64>) -> String {
    v.map_or("none over 50 ms".to_string(), |v| format!("{v:.0} ms"))
}

/// One 200,000-step lesson in a fresh browser: import, End, steps.
async fn measure_big_lesson(site: &StaticServer, name: &str, text: String) {
    let n = 200_000;
    let browser = laptop_browser().await;
    open(&browser, &site.url("/")).await;
    let dir = TempDir::new("ioasid-ui-bench");
    // Before the bounded panels, End ran for longer than WebDriver's default 30 s.
    browser
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(900)),
            Some(Duration::from_secs(60)),
            Some(Duration::from_secs(0)),
        ))
        .await
        .expect("raise the script timeout");
    let (secs, import_block) = import_and_wait(&browser, &dir, name, &text, n).await;
    browser
        .execute(WATCH_LONG_TASKS, vec![])
        .await
        .expect("watch long tasks");
    let start = Instant::now();
    let v = measure(&browser, json!("last")).await;
    let want = format!("Step {} of {}", group(n), group(n));
    while step_count(&browser).await != want {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "End took over 5 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let end_secs = start.elapsed().as_secs_f64();
    let end_block = longest_task(&browser).await;
    let (nodes, heap) = dom_and_heap(&browser).await;
    let rss = renderer_rss_mb(browser.profile_dir());
    let profiling = std::env::var_os("BENCH_PROFILE").is_some();
    if profiling {
        browser.devtools("Profiler.enable", json!({})).await;
        browser.devtools("Profiler.start", json!({})).await;
    }
    let stats = step_back_and_forth(&browser, 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    if profiling {
        let profile = browser.devtools("Profiler.stop", json!({})).await;
        print_profile(name, &profile["profile"]);
    }
    let step_block = longest_task(&browser).await;
    eprintln!(
        "MEASURE 200k {name}: import {secs:.1} s, longest block {}; End {end_secs:.1} s \
         (render {:.0} ms), longest block {}; steps: longest block {}; \
         {nodes} elements, JS heap {heap:.0} MB, renderer RSS {rss:.0} MB\n  {}",
        ms(import_block),
        v["total"].as_f64().unwrap_or(f64::NAN),
        ms(end_block),
        ms(step_block),
        stats.line("step at the end")
    );
    browser.save_screenshot(&format!("bench-200k-{name}")).await;
    browser.assert_no_errors().await;
    browser.close().await;
}

/// Prints the 25 functions with the most self time in a DevTools CPU profile (set
/// `BENCH_PROFILE=1`; build with `data-keep-debug` on the wasm link and point
/// `IOASID_DIST` at that build to see the Rust functions' names).
fn print_profile(name: &str, profile: &Value) {
    let nodes = profile["nodes"].as_array().cloned().unwrap_or_default();
    let samples = profile["samples"].as_array().cloned().unwrap_or_default();
    let deltas = profile["timeDeltas"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut fname = std::collections::HashMap::new();
    for n in &nodes {
        let f = n["callFrame"]["functionName"].as_str().unwrap_or("?");
        fname.insert(
            n["id"].as_u64().unwrap_or(0),
            if f.is_empty() { "(anonymous)" } else { f }.to_string(),
        );
    }
    let mut self_us: std::collections::HashMap<String, f64> = Default::default();
    for (s, d) in samples
        .iter()
        .zip(deltas.iter().skip(1).chain(std::iter::once(&json!(0))))
    {
        let f = fname
            .get(&s.as_u64().unwrap_or(0))
            .cloned()
            .unwrap_or_default();
        *self_us.entry(f).or_default() += d.as_f64().unwrap_or(0.0);
    }
    let mut v: Vec<_> = self_us.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    eprintln!("PROFILE {name}: self time over 10 steps");
    for (f, us) in v.iter().take(25) {
        eprintln!("  {:8.1} ms  {f}", us / 1000.0);
    }
    // Self time by call path (three callers up), for the hottest paths.
    let mut parent = std::collections::HashMap::new();
    for n in &nodes {
        for c in n["children"].as_array().into_iter().flatten() {
            parent.insert(c.as_u64().unwrap_or(0), n["id"].as_u64().unwrap_or(0));
        }
    }
    let mut by_path: std::collections::HashMap<String, f64> = Default::default();
    for (s, d) in samples
        .iter()
        .zip(deltas.iter().skip(1).chain(std::iter::once(&json!(0))))
    {
        let mut id = s.as_u64().unwrap_or(0);
        let mut path = vec![];
        for _ in 0..5 {
            path.push(fname.get(&id).cloned().unwrap_or_default());
            match parent.get(&id) {
                Some(p) => id = *p,
                None => break,
            }
        }
        *by_path.entry(path.join("\n      <- ")).or_default() += d.as_f64().unwrap_or(0.0);
    }
    let mut v: Vec<_> = by_path.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (f, us) in v.iter().take(14) {
        eprintln!("  {:8.1} ms  {f}", us / 1000.0);
    }
}

#[tokio::test]
#[ignore = "a measurement: run it explicitly with --ignored"]
async fn measure_200k_lessons() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let n = 200_000;
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    for (name, make) in [
        ("churn", churn_lesson as fn(usize) -> String),
        ("processes", processes_lesson),
        ("faults", pending_faults_lesson),
    ] {
        if only.is_empty() || only == name {
            measure_big_lesson(&site, name, make(n)).await;
        }
    }
}

/// Milliseconds from navigation to the first contentful paint, and to the moment the last
/// panel (Processes and devices) is in the page, of one load with the cache disabled.
const FIRST_PAINT: &str = r#"
const done = arguments[arguments.length - 1];
const t0 = performance.now();
const look = () => {
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const player = document.querySelector('.step-count');
  const panels = document.querySelector('.processes');
  if (fcp && player && panels) {
    done({fcp: fcp.startTime, panels: window.__panelsAt || performance.now()});
  } else if (performance.now() - t0 > 20000) {
    done({fcp: fcp ? fcp.startTime : null, panels: null});
  } else {
    requestAnimationFrame(look);
  }
};
look();
"#;

#[tokio::test]
#[ignore = "a measurement: run it explicitly with --ignored"]
async fn measure_first_paint() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser.devtools("Network.enable", json!({})).await;
    browser
        .devtools("Network.setCacheDisabled", json!({"cacheDisabled": true}))
        .await;
    let mut fcp = Vec::new();
    let mut panels = Vec::new();
    for _ in 0..9 {
        browser.goto(&site.url("/")).await.expect("load the page");
        let v = browser
            .execute_async(FIRST_PAINT, vec![])
            .await
            .expect("read the paint timing");
        fcp.extend(v["fcp"].as_f64());
        panels.extend(v["panels"].as_f64());
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    eprintln!(
        "MEASURE first paint, cold, median of {}: first contentful paint {:.0} ms; all panels {:.0} ms (runs {fcp:?})",
        fcp.len(),
        med(&mut fcp),
        med(&mut panels)
    );
    assert_eq!(fcp.len(), 9, "every load painted");
    browser.assert_no_errors().await;
    browser.close().await;
}
