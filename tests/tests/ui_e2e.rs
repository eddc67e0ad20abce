//! End-to-end tests of the visualizer: the release build in dist/, served from 127.0.0.1,
//! in headless Chromium. They use the keyboard and the buttons by their accessible names,
//! follow links to a given step, import a broken lesson, export a lesson and its trace and
//! check them against a native run, flip the OS colour scheme, and save screenshots of the
//! main screen in both themes under target/screenshots/.

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::Locator;
use ioasid_core::{run_lesson, Lesson};
use ioasid_tests::browser::{require_dist, Browser, TempDir};
use ioasid_tests::static_server::StaticServer;
use ioasid_tests::ui::{
    click_button, click_text, import_file, js, open, press, press_char, select, step_count, text,
    wait_for, wait_step, wait_url, write_my_lesson,
};
use serde_json::Value;

/// "Start · 13 steps" or "Step 2 of 13" -> 13.
fn total_of(count: &str) -> usize {
    count
        .split(|c: char| !c.is_ascii_digit() && c != ',')
        .rfind(|s| !s.is_empty())
        .map(|s| s.replace(',', ""))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no step total in `{count}`"))
}

#[tokio::test]
async fn keys_and_buttons_move_through_a_lesson() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    open(&browser, &site.url("/?lesson=01-first-fit")).await;
    let start = step_count(&browser).await;
    assert!(start.starts_with("Start"), "{start}");
    let n = total_of(&start);
    assert!(n >= 5, "{start}");

    // The keyboard, with nothing focused.
    press(&browser, Key::Right).await;
    wait_step(&browser, &format!("Step 1 of {n}")).await;
    press(&browser, Key::End).await;
    wait_step(&browser, &format!("Step {n} of {n}")).await;
    press(&browser, Key::Left).await;
    wait_step(&browser, &format!("Step {} of {n}", n - 1)).await;
    press(&browser, Key::Home).await;
    wait_step(&browser, &format!("Start · {n} steps")).await;

    // Space plays and pauses, and never scrolls the page.
    assert_eq!(js(&browser, "return window.scrollY;").await, Value::from(0));
    press(&browser, Key::Space).await;
    wait_for(
        &browser,
        "button[aria-label='Pause']",
        Duration::from_secs(5),
    )
    .await;
    press(&browser, Key::Space).await;
    wait_for(
        &browser,
        "button[aria-label='Play']",
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(js(&browser, "return window.scrollY;").await, Value::from(0));

    // + and - change the speed.
    let speed =
        "return document.querySelector(\"select[aria-label='Playback speed']\").selectedIndex;";
    let before = js(&browser, speed).await.as_i64().unwrap_or(-1);
    press_char(&browser, '+').await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(js(&browser, speed).await.as_i64(), Some(before + 1));
    press_char(&browser, '-').await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(js(&browser, speed).await.as_i64(), Some(before));

    // The buttons, by their accessible names.
    click_button(&browser, "First step").await;
    wait_step(&browser, &format!("Start · {n} steps")).await;
    click_button(&browser, "Next step").await;
    wait_step(&browser, &format!("Step 1 of {n}")).await;
    click_button(&browser, "Next step").await;
    wait_step(&browser, &format!("Step 2 of {n}")).await;
    click_button(&browser, "Previous step").await;
    wait_step(&browser, &format!("Step 1 of {n}")).await;
    click_button(&browser, "Last step").await;
    wait_step(&browser, &format!("Step {n} of {n}")).await;
    // The last step asks first (pick the ID): skipped, its result and the outro show.
    js(
        &browser,
        "for (const b of document.querySelectorAll('.question button')) { if (b.textContent.startsWith('Skip')) { b.click(); } } return null;",
    )
    .await;
    wait_for(&browser, ".question-feedback", Duration::from_secs(5)).await;
    let narration = text(&browser, ".narration").await;
    assert!(
        narration.contains("What to take away"),
        "the outro at the end: {narration}"
    );

    // The URL follows, so the step can be shared.
    wait_url(&browser, &format!("step={n}")).await;

    // Keys typed in a field stay in the field.
    let area = browser
        .find(Locator::Css(".sandbox textarea"))
        .await
        .expect("the sandbox editor");
    area.click().await.expect("focus the editor");
    press(&browser, Key::Home).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(step_count(&browser).await, format!("Step {n} of {n}"));

    browser.assert_no_errors().await;
    browser.close().await;
}

/// Every control on the page has an accessible name.
const UNNAMED_CONTROLS: &str = r#"
const out = [];
for (const el of document.querySelectorAll('button, input, select, textarea, summary, canvas, a[href]')) {
  const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
    || (el.labels && el.labels.length && [...el.labels].some(l => l.textContent.trim()))
    || el.textContent.trim();
  if (!labelled) out.push(el.outerHTML.slice(0, 120));
}
return out;"#;

#[tokio::test]
async fn every_control_has_an_accessible_name() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    for url in [
        "/?lesson=04-guest-boot-vcmd&step=10",
        "/?lesson=10-quotas-owners-spids&step=20",
        "/?lesson=01-first-fit&step=3",
        "/?lesson=09-stale-fault&step=14",
    ] {
        open(&browser, &site.url(url)).await;
        let unnamed = js(&browser, UNNAMED_CONTROLS).await;
        assert_eq!(
            unnamed,
            Value::Array(vec![]),
            "controls without a name at {url}"
        );
    }
    browser.assert_no_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn a_question_waits_for_the_learner() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    open(&browser, &site.url("/?lesson=01-first-fit")).await;
    // Jumping to the end says which questions it went past, and leads back to the first.
    click_button(&browser, "Last step").await;
    wait_for(&browser, ".passed-questions", Duration::from_secs(5)).await;
    let passed = text(&browser, ".passed-questions").await;
    assert!(passed.starts_with("Went past"), "{passed}");
    let back = passed
        .rsplit("Back to step ")
        .next()
        .and_then(|n| n.trim().parse::<usize>().ok())
        .unwrap_or_else(|| panic!("a way back in {passed:?}"));
    click_text(&browser, &format!("Back to step {back}")).await;
    wait_for(&browser, ".question-open", Duration::from_secs(5)).await;
    assert!(step_count(&browser)
        .await
        .starts_with(&format!("Step {back} of")));
    assert!(text(&browser, ".passed-questions").await.is_empty());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        js(
            &browser,
            "return document.activeElement.closest('.question-open') !== null;"
        )
        .await,
        Value::Bool(true),
        "the focus goes on to the question"
    );
    let at = step_count(&browser).await;
    assert_eq!(
        js(
            &browser,
            "return document.querySelector(\"button[aria-label='Play']\").getAttribute('aria-disabled') === 'true';"
        )
        .await,
        Value::Bool(true),
        "Play waits for the answer"
    );
    assert_eq!(
        js(
            &browser,
            "return document.querySelector(\"button[aria-label='Next step']\").getAttribute('aria-disabled') === 'true';"
        )
        .await,
        Value::Bool(true),
        "Next waits for the answer"
    );
    assert!(
        text(&browser, ".narration .result-line").await.is_empty(),
        "the result waits"
    );
    browser.save_screenshot("question").await;
    click_text(&browser, "Skip: just show me").await;
    wait_for(&browser, ".question-feedback", Duration::from_secs(5)).await;
    assert!(!text(&browser, ".narration .result-line").await.is_empty());
    assert_eq!(step_count(&browser).await, at);
    browser.assert_no_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn a_link_opens_its_step_and_a_broken_one_explains() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    open(
        &browser,
        &site.url("/?lesson=02-sets&profile=improved&step=5"),
    )
    .await;
    let count = step_count(&browser).await;
    assert!(count.starts_with("Step 5 of "), "{count}");
    let profile = js(
        &browser,
        "return document.querySelector(\"select[aria-label='Profile']\").value;",
    )
    .await;
    assert_eq!(profile, Value::String("improved".into()));
    assert!(text(&browser, ".notice").await.is_empty(), "no complaint");

    // A broken link: a message, and the default lesson from its start.
    open(
        &browser,
        &site.url("/?lesson=%3Cscript%3Enope&step=999&profile=v9"),
    )
    .await;
    let notice = wait_for(&browser, ".notice[role='alert']", Duration::from_secs(5)).await;
    let said = notice.text().await.expect("the notice's text");
    assert!(said.contains("There is no lesson called"), "{said}");
    assert!(step_count(&browser).await.starts_with("Start"));
    let lesson = js(
        &browser,
        "return document.querySelector(\"select[aria-label='Lesson']\").value;",
    )
    .await;
    // The default lesson is the course's first: lesson 0, the 2019 design thread.
    let first = ioasid_core::lessons::ALL[0].id;
    assert_eq!(first, "00-design-thread");
    assert_eq!(lesson, Value::String(format!("builtin:{first}")));
    browser.save_screenshot("broken-link").await;

    // Junk in every parameter still renders the app.
    open(&browser, &site.url("/?run=%%%&extra=!!&knobs=:::&step=-1")).await;
    wait_for(&browser, ".notice[role='alert']", Duration::from_secs(5)).await;
    assert!(step_count(&browser).await.starts_with("Start"));
    browser.close().await;
}

#[tokio::test]
async fn importing_a_broken_lesson_shows_its_error() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    open(&browser, &site.url("/")).await;
    let dir = TempDir::new("ioasid-ui-import");

    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"{"format": 1, "title": "Broken", "profile": "v5.5", "steps": [
            {"op": "alloc", "min": 1, "max": 10},
            {"op": "alloc", "min": "lots", "max": 10},
            {"op": "fre", "id": 1}, {"op": "fre", "id": 2}, {"op": "fre", "id": 3},
            {"op": "fre", "id": 4}, {"op": "fre", "id": 5}, {"op": "fre", "id": 6},
            {"op": "fre", "id": 7}, {"op": "fre", "id": 8}, {"op": "fre", "id": 9},
            {"op": "free", "id": "$nobody"}]}"#,
    )
    .expect("write the broken lesson");
    import_file(&browser, &broken).await;
    let notice = wait_for(&browser, ".notice[role='alert']", Duration::from_secs(10)).await;
    let said = notice.text().await.expect("the notice's text");
    assert!(
        said.contains("broken.json could not be imported: 11 mistakes."),
        "{said}"
    );
    assert!(
        said.contains("Step 2 (steps[1], alloc), field `min`"),
        "{said}"
    );
    // Every mistake is listed, in a box that scrolls and takes the keyboard's focus.
    let list = js(
        &browser,
        r#"const ul = document.querySelector('.notice ul');
           return [ul.children.length, ul.lastElementChild.textContent,
                   ul.scrollHeight > ul.clientHeight, ul.tabIndex];"#,
    )
    .await;
    assert_eq!(list[0], 11, "{list}");
    assert!(
        list[1].as_str().is_some_and(
            |t| t.starts_with("Step 12 (steps[11], free), field `id`: unknown `$nobody`")
        ),
        "{list}"
    );
    assert_eq!(list[2], true, "a long list scrolls: {list}");
    assert_eq!(list[3], 0, "and is focusable: {list}");
    // Its keys are its own: End scrolls it and does not move the player.
    let before = step_count(&browser).await;
    js(
        &browser,
        "document.querySelector('.notice ul').focus(); return 0;",
    )
    .await;
    press(&browser, Key::End).await;
    assert_eq!(step_count(&browser).await, before);
    browser.save_screenshot("import-error").await;
    // Escape in the notice dismisses it, and the focus moves on to the next control.
    js(
        &browser,
        "document.querySelector(\"button[aria-label='Dismiss the message']\").focus(); return 0;",
    )
    .await;
    press(&browser, Key::Escape).await;
    let after = js(
        &browser,
        "return [document.querySelectorAll('.notice').length, document.activeElement.getAttribute('aria-label')];",
    )
    .await;
    assert_eq!(after[0], 0, "dismissed: {after}");
    assert_eq!(after[1], "Profile", "the focus moved on: {after}");

    // Dropping a file on the page imports it too.
    browser
        .execute(
            r#"const dt = new DataTransfer();
               dt.items.add(new File(['{"format": 1, "title": "Dropped", "profile": "v5.5", "steps": [{"op": "nope"}]}'],
                                     'dropped.json', {type: 'application/json'}));
               const zone = document.querySelector('.drop-zone');
               zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
               zone.dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
               return 0;"#,
            vec![],
        )
        .await
        .expect("drop a file");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let said = text(&browser, ".notice").await;
        if said.contains("dropped.json could not be imported") {
            assert!(
                said.contains("Step 1 (steps[0], nope), field `op`: unknown op"),
                "{said}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no error for the dropped file: {said}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let good = dir.path().join("mine.json");
    std::fs::write(
        &good,
        r#"{"format": 1, "title": "My lesson", "profile": "v5.5", "steps": [
            {"op": "alloc", "set": "sva", "min": 1, "max": 10, "say": "Mine."},
            {"op": "free", "id": 1}]}"#,
    )
    .expect("write the lesson");
    import_file(&browser, &good).await;
    wait_step(&browser, "Start · 2 steps").await;
    assert!(
        text(&browser, ".notice").await.is_empty(),
        "the error is gone"
    );
    let picked = js(
        &browser,
        "const s = document.querySelector(\"select[aria-label='Lesson']\"); return s.options[s.selectedIndex].text;",
    )
    .await;
    assert!(
        picked.as_str().unwrap_or_default().contains("My lesson"),
        "{picked}"
    );
    browser.assert_no_errors().await;
    browser.close().await;
}

/// Opens built-in lesson `id` and runs a sandbox step (a `find`) after its last step;
/// returns how many steps the lesson has.
async fn open_with_a_sandbox_step(browser: &Browser, site: &StaticServer, id: &str) -> usize {
    open(browser, &site.url(&format!("/?lesson={id}"))).await;
    let n = total_of(&step_count(browser).await);
    select(browser, "Operation", "find").await;
    click_text(browser, "Run step").await;
    wait_step(browser, &format!("Step {} of {}", n + 1, n + 1)).await;
    n
}

#[tokio::test]
async fn the_sandbox_runs_a_step() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    let n = open_with_a_sandbox_step(&browser, &site, "01-first-fit").await;
    let status = text(&browser, ".sandbox-status").await;
    assert!(
        status.contains(&format!("Step {} added", n + 1)),
        "{status}"
    );
    wait_url(&browser, "z=").await;
    click_text(&browser, "Undo last sandbox step").await;
    wait_step(&browser, &format!("Step {n} of {n}")).await;
    browser.assert_no_errors().await;
    browser.close().await;
}

/// The Lesson picker's choice: [value, text].
async fn picked_lesson(browser: &Browser) -> Value {
    js(
        browser,
        "const s = document.querySelector(\"select[aria-label='Lesson']\"); return [s.value, s.options[s.selectedIndex].text];",
    )
    .await
}

/// Opening another lesson adds a history entry: the browser's Back returns to the
/// lesson before, with the sandbox steps added to it, and Forward comes back.
#[tokio::test]
async fn back_returns_to_the_lesson_before_with_its_sandbox_steps() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    let n = open_with_a_sandbox_step(&browser, &site, "01-first-fit").await;
    wait_url(&browser, "z=").await;

    let dir = TempDir::new("ioasid-ui-back");
    let mine = write_my_lesson(dir.path());
    import_file(&browser, &mine).await;
    wait_step(&browser, "Start · 2 steps").await;
    let said = text(&browser, ".notice").await;
    assert!(
        said.contains("1 sandbox step(s)") && said.contains("Back"),
        "{said}"
    );
    // The imported run's link (the one before, with its sandbox step, named the lesson).
    wait_url(&browser, "#z=").await;

    browser.back().await.expect("go back");
    wait_step(&browser, &format!("Step {} of {}", n + 1, n + 1)).await;
    assert_eq!(picked_lesson(&browser).await[0], "builtin:01-first-fit");
    browser.forward().await.expect("go forward");
    wait_step(&browser, "Start · 2 steps").await;
    // The picker offers the session's import, and shows it chosen again.
    let picked = picked_lesson(&browser).await;
    assert_eq!(picked[0], "import:0", "{picked}");
    assert_eq!(picked[1], "mine.json: My lesson", "{picked}");

    // Picked by hand, then Back: the picker follows the lesson shown.
    select(&browser, "Lesson", "builtin:02-sets").await;
    wait_step(&browser, "Start · 17 steps").await;
    wait_url(&browser, "lesson=02-sets").await;
    browser.back().await.expect("go back");
    wait_step(&browser, "Start · 2 steps").await;
    assert_eq!(
        picked_lesson(&browser).await[0],
        "import:0",
        "the picker follows Back"
    );
    browser.assert_no_errors().await;
    browser.close().await;
}

/// Waits for the download `name` to land complete in `dir`, and reads it.
async fn downloaded(dir: &std::path::Path, name: &str) -> String {
    let path = dir.join(name);
    for _ in 0..100 {
        if let Ok(text) = std::fs::read_to_string(&path) {
            if !text.is_empty() {
                return text;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let found: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    panic!(
        "FAILED: no download {name} in {} (found {found:?})",
        dir.display()
    );
}

#[tokio::test]
async fn exported_lesson_and_trace_match_a_native_run() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    let downloads = TempDir::new("ioasid-downloads");
    browser.allow_downloads(downloads.path()).await;
    open(&browser, &site.url("/?lesson=02-sets")).await;
    let n = total_of(&step_count(&browser).await);
    // One sandbox step, so the export must carry more than the built-in file.
    select(&browser, "Operation", "find").await;
    click_text(&browser, "Run step").await;
    wait_step(&browser, &format!("Step {} of {}", n + 1, n + 1)).await;

    click_text(&browser, "Export lesson").await;
    let file = downloaded(downloads.path(), "02-sets.json").await;
    let exported = Lesson::parse(&file)
        .unwrap_or_else(|e| panic!("FAILED: the exported lesson does not parse: {e}"));
    let builtin = ioasid_core::lessons::get("02-sets").expect("built-in lesson 02");
    let builtin = Lesson::parse(builtin.json).expect("lesson 02 parses");
    assert_eq!(exported.title, builtin.title);
    assert_eq!(exported.steps.len(), n + 1);
    assert_eq!(builtin.steps.len(), n);
    assert_eq!(exported.steps[n].op.name(), "find");
    assert!(
        exported.steps[n].expect.is_some(),
        "the sandbox step's result is its expect"
    );
    // Laid out as the built-in file is, and the page says it was saved.
    assert!(file.contains("\n    {\"op\": \"set_create\""), "{file}");
    assert_eq!(file, exported.to_text());
    assert_eq!(
        text(&browser, ".export-status").await,
        "Saved 02-sets.json."
    );

    click_text(&browser, "Export trace").await;
    let name = format!("02-sets-trace-{}.json", exported.profile.name());
    assert_eq!(
        text(&browser, ".export-status").await,
        format!("Saved {name}.")
    );
    let trace: Value = serde_json::from_str(&downloaded(downloads.path(), &name).await)
        .unwrap_or_else(|e| panic!("FAILED: the exported trace is not JSON: {e}"));
    let native = run_lesson(&exported).expect("the exported lesson runs natively");
    let steps = trace["steps"].as_array().expect("the trace has steps");
    assert_eq!(steps.len(), native.steps.len());
    for (i, (web, native)) in steps.iter().zip(&native.steps).enumerate() {
        let native = serde_json::to_value(&native.result).expect("a result serialises");
        assert_eq!(
            web["result"],
            native,
            "step {}: browser and native results",
            i + 1
        );
    }
    browser.assert_no_errors().await;
    browser.close().await;
}

/// The colour of the overview canvas's bottom-right block (an empty one in lesson 01), as
/// "r,g,b".
async fn empty_block_colour(browser: &Browser) -> String {
    let v = js(
        browser,
        "const c = document.querySelector('canvas.overview');
         const d = c.getContext('2d').getImageData(c.width - 6, c.height - 6, 1, 1).data;
         return d[0] + ',' + d[1] + ',' + d[2];",
    )
    .await;
    v.as_str()
        .unwrap_or_else(|| panic!("FAILED: no canvas colour: {v}"))
        .to_string()
}

/// Waits until the empty block's colour differs from `old`; returns the new colour.
async fn wait_block_colour_change(browser: &Browser, old: &str) -> String {
    for _ in 0..40 {
        let now = empty_block_colour(browser).await;
        if now != old {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("FAILED: the overview canvas kept the colour {old} after the OS theme changed");
}

#[tokio::test]
async fn the_overview_follows_the_os_theme_under_system_theme() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser.emulate_color_scheme("light").await;
    open(&browser, &site.url("/?lesson=01-first-fit")).await;
    wait_for(&browser, "canvas.overview", Duration::from_secs(10)).await;
    // A fresh profile has no stored choice: the page follows the system.
    assert_eq!(
        js(
            &browser,
            "return document.documentElement.getAttribute('data-theme');"
        )
        .await,
        Value::Null
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let light = empty_block_colour(&browser).await;

    browser.emulate_color_scheme("dark").await;
    let dark = wait_block_colour_change(&browser, &light).await;
    browser.save_screenshot("system-dark").await;

    browser.emulate_color_scheme("light").await;
    let back = wait_block_colour_change(&browser, &dark).await;
    assert_eq!(
        back, light,
        "back in light, the canvas has its light colours again"
    );
    browser.assert_no_errors().await;
    browser.close().await;
}

#[tokio::test]
async fn screenshots_of_the_main_screen_in_both_themes() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser
        .set_window_size(1366, 768)
        .await
        .expect("a laptop-sized window");
    open(&browser, &site.url("/?lesson=04-guest-boot-vcmd&step=10")).await;

    select(&browser, "Colour theme", "light").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        js(
            &browser,
            "return document.documentElement.getAttribute('data-theme');"
        )
        .await,
        Value::String("light".into())
    );
    browser.save_screenshot("main-light").await;

    select(&browser, "Colour theme", "dark").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        js(
            &browser,
            "return document.documentElement.getAttribute('data-theme');"
        )
        .await,
        Value::String("dark".into())
    );
    browser.save_screenshot("main-dark").await;

    // The knobs, open, with one flipped.
    browser
        .find(Locator::Css(".knobs summary"))
        .await
        .expect("the knobs")
        .click()
        .await
        .expect("open the knobs");
    browser
        .find(Locator::XPath(
            "//li[contains(@class,'knob')][.//code[text()='flaw_free_any_owner']]//input",
        ))
        .await
        .expect("a knob's checkbox")
        .click()
        .await
        .expect("flip a knob");
    wait_url(&browser, "knobs=flaw_free_any_owner").await;
    assert!(text(&browser, ".knobs summary").await.contains("1 changed"));
    browser.save_screenshot("knobs-dark").await;

    // The panels below the fold, and a fault path, in both themes.
    open(&browser, &site.url("/?lesson=09-stale-fault&step=14")).await;
    js(
        &browser,
        "document.querySelector('.panels').scrollIntoView(); return 0;",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    browser.save_screenshot("panels-dark").await;
    select(&browser, "Colour theme", "light").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    js(
        &browser,
        "document.querySelector('.panels').scrollIntoView(); return 0;",
    )
    .await;
    browser.save_screenshot("panels-light").await;

    // A narrow screen stacks the columns.
    browser
        .set_window_size(430, 900)
        .await
        .expect("a phone-sized window");
    open(&browser, &site.url("/?lesson=01-first-fit&step=2")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    browser.save_screenshot("main-narrow").await;
    let overflow = js(
        &browser,
        "return document.documentElement.scrollWidth > window.innerWidth + 1;",
    )
    .await;
    assert_eq!(overflow, Value::Bool(false), "nothing sticks out sideways");
    // A question that opens below the fold is scrolled into view, choices and all.
    open(&browser, &site.url("/?lesson=08-page-requests&step=4")).await;
    press(&browser, Key::Right).await;
    wait_for(&browser, ".question-open", Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let shown = js(
        &browser,
        "const r = document.querySelector('.question-open').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight + 1;",
    )
    .await;
    assert_eq!(
        shown,
        Value::Bool(true),
        "the question is in view on a phone"
    );

    // A projector.
    browser
        .set_window_size(1920, 1080)
        .await
        .expect("a projector-sized window");
    open(
        &browser,
        &site.url("/?lesson=10-quotas-owners-spids&step=20"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    browser.save_screenshot("main-projector").await;

    browser.assert_no_errors().await;
    browser.close().await;
}

/// A learner walks one whole built-in lesson with the keyboard only: the Right arrow to
/// step, and the number keys to answer every question (rightly) before its step is shown.
#[tokio::test]
async fn a_whole_lesson_walked_with_the_keyboard() {
    let browser = walk_lesson("03-deferred-binding", None).await;
    browser.save_screenshot("lesson-walked").await;
    browser.close().await;
}

/// Lesson 0, the 2019 design thread, runs clean in the browser under both the profiles
/// it declares: the thread's proposal and the v5.5 kernel that was merged.
#[tokio::test]
async fn the_design_thread_lesson_runs_clean_under_both_its_profiles() {
    for profile in ["rfc-2019", "v5.5"] {
        let browser = walk_lesson("00-design-thread", Some(profile)).await;
        browser
            .save_screenshot(&format!("lesson-0-{profile}"))
            .await;
        browser.close().await;
    }
}

/// Walks lesson `id` to its end with the Right arrow, answering every question with the
/// number key of its right choice, and checks each step: its result waits for the
/// answer, it is shown, and it is what the lesson expects (under `profile`, or the
/// lesson's own). Under the lesson's own profile every answer is graded "Right.".
async fn walk_lesson(id: &str, profile: Option<&str>) -> Browser {
    let builtin = ioasid_core::lessons::get(id).expect("a built-in lesson");
    let lesson = ioasid_core::Lesson::parse(builtin.json).expect("it parses");
    let n = lesson.steps.len();
    let asked: Vec<usize> = (0..n).filter(|i| lesson.steps[*i].ask.is_some()).collect();
    assert!(asked.len() >= 2, "the lesson asks questions");
    let own = profile.is_none_or(|p| p == lesson.profile.name());

    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    let query = match profile {
        Some(p) => format!("/?lesson={id}&profile={p}"),
        None => format!("/?lesson={id}"),
    };
    open(&browser, &site.url(&query)).await;
    wait_step(&browser, &format!("Start · {n} steps")).await;
    let mut answered = 0;
    for i in 0..n {
        press(&browser, Key::Right).await;
        wait_step(&browser, &format!("Step {} of {n}", i + 1)).await;
        if let Some(q) = &lesson.steps[i].ask {
            wait_for(&browser, ".question-open", Duration::from_secs(5)).await;
            assert!(
                text(&browser, ".narration .result-line").await.is_empty(),
                "step {}: the result waits for the answer",
                i + 1
            );
            if q.computed() {
                // The model's answer under the profile shown, typed and sent.
                let shown = profile.map_or(lesson.profile, |p| p.parse().expect("a profile"));
                let run = ioasid_core::run_under(&lesson, shown).expect("it runs");
                let truth = ioasid_core::quiz::truth(q, &run.steps[i]).expect("an answer");
                let typed = match truth {
                    ioasid_core::quiz::Truth::HandsOut(id)
                    | ioasid_core::quiz::Truth::Changes(id) => id.to_string(),
                    ioasid_core::quiz::Truth::Value(v) => v.to_string(),
                    ioasid_core::quiz::Truth::Fails(e) => e.name().to_string(),
                };
                js(&browser, &format!(
                    "const i = document.querySelector('.question .answer-input'); i.value = '{typed}'; i.dispatchEvent(new InputEvent('input', {{bubbles: true}})); document.querySelector(\".question form button[type='submit']\").click(); return null;"
                ))
                .await;
            } else {
                let answer = q.answer.expect("a multiple-choice answer");
                let key = char::from_digit(answer as u32 + 1, 10).expect("a choice key");
                press_char(&browser, key).await;
            }
            wait_for(&browser, ".question-feedback", Duration::from_secs(5)).await;
            if own {
                let feedback = text(&browser, ".question-feedback").await;
                assert!(feedback.starts_with("Right."), "step {}: {feedback}", i + 1);
            }
            answered += 1;
        }
        let result = text(&browser, ".narration .result-line").await;
        assert!(!result.is_empty(), "step {}: the result is shown", i + 1);
        let narration = text(&browser, ".narration").await;
        assert!(
            !narration.contains("Not what the lesson expects"),
            "[{id} under {profile:?}] step {}: {narration}",
            i + 1
        );
    }
    assert_eq!(answered, asked.len());
    assert!(text(&browser, ".narration")
        .await
        .contains("What to take away"));
    browser.assert_no_errors().await;
    browser
}

/// On a phone the step controls stay in reach: scrolled down to the panels, the learner
/// still sees Previous, Play, Next and the step count at the bottom edge, and steps with
/// them.
#[tokio::test]
async fn on_a_phone_the_player_sticks_to_the_bottom_edge() {
    let site = StaticServer::start(require_dist()).expect("serve dist/");
    let browser = Browser::launch().await;
    browser
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    open(&browser, &site.url("/?lesson=01-first-fit&step=1")).await;
    let n = total_of(&step_count(&browser).await);
    // Down to the last panel.
    js(
        &browser,
        "window.scrollTo(0, document.documentElement.scrollHeight); return 0;",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        js(&browser, "return window.scrollY;")
            .await
            .as_f64()
            .unwrap_or(0.0)
            > 1000.0,
        "the page scrolled down"
    );
    let in_reach = js(
        &browser,
        "const h = window.innerHeight; \
         return ['Previous step', 'Play', 'Next step'].every(l => { \
           const r = document.querySelector(`button[aria-label='${l}']`).getBoundingClientRect(); \
           return r.height > 0 && r.top >= h - 140 && r.bottom <= h + 1; }) \
           && document.getElementById('step-count').getBoundingClientRect().bottom <= h + 1;",
    )
    .await;
    assert_eq!(
        in_reach,
        Value::Bool(true),
        "the controls are at the bottom edge"
    );
    browser.save_screenshot("phone-sticky-player").await;
    click_button(&browser, "Next step").await;
    wait_step(&browser, &format!("Step 2 of {n}")).await;
    browser.assert_no_errors().await;
    browser.close().await;
}
