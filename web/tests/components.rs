//! Component tests: the player, the panels and the sandbox, rendered by yew in headless
//! Chromium (wasm-bindgen-test). Each test mounts the app on a run of its own (not the URL's)
//! and drives it through its buttons, keys and fields, waiting with
//! `yew::scheduler::flush()` instead of sleeping.
#![cfg(target_arch = "wasm32")]

use ioasid_core::lesson::Lesson;
use ioasid_web::state::{Source, StartRun};
use ioasid_web::{App, AppProps};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A small run that touches every panel: sets, an allocation with and without data, a
/// wrong-set lookup, a reader holding an old value, a fault that stops at the mapping, a
/// question, a custom allocator and its unregistering.
const LESSON: &str = r#"{
  "format": 1, "title": "Test run", "summary": "For the component tests.",
  "intro": "The intro text.", "outro": "The outro text.",
  "profile": "v5.5",
  "steps": [
    {"op": "alloc", "set": "sva", "min": 1, "max": 100, "as": "a", "say": "First alloc."},
    {"op": "alloc", "set": "sva", "min": 1, "max": 100, "as": "b", "say": "Two comes back.",
     "ask": {"prompt": "What will this return?", "choices": ["2", "7"], "answer": 0,
             "explain": "First fit: 2 is the lowest free ID."}},
    {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]},
    {"op": "set_data", "id": "$a", "data": {"mm": "A"}},
    {"op": "read_begin", "reader": "r1", "set": "sva", "id": "$a"},
    {"op": "set_data", "id": "$a", "data": {"domain": "D"}},
    {"op": "find", "set": "other", "id": "$a"},
    {"op": "set_data", "id": "$a", "data": {"mm": "A"}},
    {"op": "fault", "device": "dev0", "pasid": "$a", "addr": "0x9000", "perm": "r", "group": 1},
    {"op": "run_faults"},
    {"op": "read_end", "reader": "r1"}
  ]
}"#;

/// The accessible name of the element with the keyboard's focus.
fn focused_label() -> Option<String> {
    gloo::utils::document()
        .active_element()?
        .get_attribute("aria-label")
}

/// A new, empty element appended to the test page's body, to mount the app into.
fn fresh_root() -> Element {
    let document = gloo::utils::document();
    let root = document.create_element("div").expect("create a div");
    gloo::utils::body()
        .append_child(&root)
        .expect("append the div to the body");
    root
}

struct Mounted {
    root: Element,
    app: yew::AppHandle<App>,
}

impl Mounted {
    async fn new(json: &str, pos: usize) -> Mounted {
        let lesson = Lesson::parse(json).expect("the test lesson parses");
        let root = fresh_root();
        let props = AppProps {
            start: Some(StartRun {
                source: Source::Imported("test.json".into()),
                lesson: Rc::new(lesson),
                trace: None,
                pos,
            }),
            url_state: false,
        };
        let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
        yew::scheduler::flush().await;
        Mounted { root, app }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).ok().flatten()
    }

    fn get(&self, selector: &str) -> Element {
        self.find(selector)
            .unwrap_or_else(|| panic!("nothing matches `{selector}`"))
    }

    fn text(&self, selector: &str) -> String {
        self.get(selector).text_content().unwrap_or_default()
    }

    fn button(&self, label: &str) -> HtmlElement {
        self.get(&format!("button[aria-label='{label}']"))
            .dyn_into()
            .expect("a button")
    }

    fn button_with_text(&self, text: &str) -> HtmlElement {
        let list = self.root.query_selector_all("button").expect("buttons");
        for i in 0..list.length() {
            if let Some(b) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                if b.text_content().unwrap_or_default().trim() == text {
                    return b;
                }
            }
        }
        panic!("no button reads `{text}`")
    }

    /// Disabled, or (the player's buttons, which keep the focus) marked so.
    fn disabled(&self, label: &str) -> bool {
        let b = self.button(label);
        b.has_attribute("disabled") || b.get_attribute("aria-disabled").as_deref() == Some("true")
    }

    async fn click(&self, label: &str) {
        self.button(label).click();
        yew::scheduler::flush().await;
    }

    async fn key(&self, target: &web_sys::EventTarget, key: &str) {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key(key);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
            .expect("a keyboard event");
        target.dispatch_event(&event).expect("dispatch the key");
        yew::scheduler::flush().await;
    }

    /// Picks `value` in the select matching `selector`, as a user would (a change event).
    async fn choose(&self, selector: &str, value: &str) {
        let select: web_sys::HtmlSelectElement = self.get(selector).dyn_into().unwrap();
        select.set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        select
            .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
            .unwrap();
        yew::scheduler::flush().await;
    }

    fn step_count(&self) -> String {
        self.text(".step-count")
    }

    fn destroy(self) {
        self.app.destroy();
        self.root.remove();
    }
}

#[wasm_bindgen_test]
async fn the_player_steps_through_the_run() {
    let m = Mounted::new(LESSON, 0).await;
    assert_eq!(m.step_count(), "Start · 11 steps");
    assert!(m.text(".narration").contains("The intro text."));
    assert!(m.disabled("First step") && m.disabled("Previous step"));
    assert!(!m.disabled("Next step"));

    m.click("Next step").await;
    assert_eq!(m.step_count(), "Step 1 of 11");
    let narration = m.text(".narration");
    assert!(narration.contains("First alloc."), "{narration}");
    assert!(narration.contains("Returned 1"), "{narration}");
    assert!(m
        .get(".narration .live")
        .get_attribute("aria-live")
        .is_some());

    let last = m.button("Last step");
    last.focus().unwrap();
    m.click("Last step").await;
    assert_eq!(m.step_count(), "Step 11 of 11");
    assert!(m.text(".narration").contains("The outro text."));
    assert!(m.disabled("Next step") && m.disabled("Last step"));
    // A button that can no longer act keeps the keyboard's focus, and does nothing.
    assert_eq!(focused_label().as_deref(), Some("Last step"));
    m.click("Next step").await;
    assert_eq!(m.step_count(), "Step 11 of 11");

    m.click("Previous step").await;
    assert_eq!(m.step_count(), "Step 10 of 11");
    m.click("First step").await;
    assert_eq!(m.step_count(), "Start · 11 steps");

    // Play runs until the question of step 2 and pauses there.
    m.click("Play").await;
    assert!(m.find("button[aria-label='Pause']").is_some());
    m.click("Pause").await;
    assert!(m.find("button[aria-label='Play']").is_some());
    m.destroy();
}

#[wasm_bindgen_test]
async fn the_timeline_seeks_and_shows_marks() {
    let m = Mounted::new(LESSON, 0).await;
    let slider: web_sys::HtmlInputElement = m.get("input.scrubber").dyn_into().unwrap();
    assert_eq!(slider.max(), "11");
    slider.set_value("7");
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    slider.dispatch_event(&ev).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(m.step_count(), "Step 7 of 11");
    // Marks: the question of step 2 and the refused lookup of step 7.
    assert!(m.find(".marks .mark-question").is_some());
    assert!(m.find(".marks .mark-error").is_some());
    m.button_with_text("Next marked step ›").click();
    yew::scheduler::flush().await;
    assert_ne!(m.step_count(), "Step 7 of 11");
    m.destroy();
}

/// The page rect of `el`: (left, right).
fn span_of(el: &Element) -> (f64, f64) {
    let r = el.get_bounding_client_rect();
    (r.left(), r.right())
}

#[wasm_bindgen_test]
async fn timeline_marks_never_overlap_and_show_every_kind() {
    // Eight steps (one mark each at most, at any window width): step 4 fails a lookup, step
    // 5, a question, fails one too, and so does the last step.
    let ok = r#"{"op": "find", "set": "sva", "id": "$a"}"#;
    let bad = r#"{"op": "find", "set": "other", "id": "$a"}"#;
    let asked = r#"{"op": "find", "set": "other", "id": "$a", "ask": {"prompt": "Found?",
        "choices": ["yes", "no"], "answer": 1, "explain": "Wrong set."}}"#;
    let alloc = r#"{"op": "alloc", "set": "sva", "min": 1, "max": 100, "as": "a"}"#;
    let steps = [alloc, ok, ok, bad, asked, ok, ok, bad].join(",");
    let json =
        format!(r#"{{"format": 1, "title": "Crowded", "profile": "v5.5", "steps": [{steps}]}}"#);
    // The app's stylesheet, so that the marks are laid out as on the page.
    let style = gloo::utils::document().create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../../styles/app.css")));
    gloo::utils::head().append_child(&style).unwrap();
    let m = Mounted::new(&json, 0).await;
    // A track 120 px wide: a step is 15 px, closer than a mark is wide. The timeline
    // measures its track again when the window is resized.
    m.get(".timeline")
        .set_attribute("style", "width: 120px")
        .unwrap();
    gloo::utils::window()
        .dispatch_event(&web_sys::Event::new("resize").unwrap())
        .unwrap();
    yew::scheduler::flush().await;

    let list = m.root.query_selector_all(".marks .mark").unwrap();
    let marks: Vec<Element> = (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into().ok()))
        .collect();
    let titles: Vec<String> = marks
        .iter()
        .map(|e| e.get_attribute("title").unwrap_or_default())
        .collect();
    // Steps 4 and 5 are one mark, which names both steps and both kinds.
    assert_eq!(marks.len(), 2, "{titles:?}");
    assert_eq!(titles[0], "Steps 4 and 5: a question, an error");
    assert_eq!(marks[0].text_content().unwrap_or_default(), "?✕");
    assert_eq!(titles[1], "Step 8: an error");
    // No two marks overlap, and each lies inside the track.
    let (lo, hi) = span_of(&m.get(".marks"));
    let spans: Vec<(f64, f64)> = marks.iter().map(span_of).collect();
    assert!(spans[0].1 <= spans[1].0, "{spans:?}");
    for (l, r) in &spans {
        assert!(*l >= lo && *r <= hi, "{spans:?} outside {lo}..{hi}");
    }
    // "Next marked step" still visits each marked step, and says what it is.
    let next = m.button_with_text("Next marked step ›");
    assert_eq!(next.title(), "Step 4: an error");
    next.click();
    yew::scheduler::flush().await;
    assert_eq!(m.step_count(), "Step 4 of 8");
    // Step 5's question is not answered yet: its mark does not give the answer away.
    let next = m.button_with_text("Next marked step ›");
    assert_eq!(next.title(), "Step 5: a question");
    next.click();
    yew::scheduler::flush().await;
    assert_eq!(m.step_count(), "Step 5 of 8");
    let first_mark = m.get(".marks .mark");
    assert!(first_mark.class_list().contains("mark-current"));
    // Once answered, it says what happened there too.
    m.get(".question-open button")
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    assert_eq!(
        m.button_with_text("‹ Previous marked step").title(),
        "Step 4: an error"
    );
    assert_eq!(
        m.get(".marks .mark")
            .get_attribute("title")
            .unwrap_or_default(),
        "Steps 4 and 5: a question, an error"
    );
    m.key(&gloo::utils::body().into(), "End").await;
    m.key(&gloo::utils::body().into(), "ArrowLeft").await;
    m.key(&gloo::utils::body().into(), "ArrowLeft").await;
    assert_eq!(m.step_count(), "Step 6 of 8");
    assert_eq!(
        m.button_with_text("‹ Previous marked step").title(),
        "Step 5: a question, an error"
    );
    m.destroy();
    style.remove();
}

#[wasm_bindgen_test]
async fn keys_move_the_player_but_not_while_typing() {
    let m = Mounted::new(LESSON, 0).await;
    let body: web_sys::EventTarget = gloo::utils::body().into();
    m.key(&body, "ArrowRight").await;
    assert_eq!(m.step_count(), "Step 1 of 11");
    m.key(&body, "End").await;
    assert_eq!(m.step_count(), "Step 11 of 11");
    m.key(&body, "ArrowLeft").await;
    assert_eq!(m.step_count(), "Step 10 of 11");
    m.key(&body, "Home").await;
    assert_eq!(m.step_count(), "Start · 11 steps");
    m.key(&body, " ").await;
    assert!(
        m.find("button[aria-label='Pause']").is_some(),
        "Space plays"
    );
    m.key(&body, " ").await;
    assert!(
        m.find("button[aria-label='Play']").is_some(),
        "Space pauses"
    );
    let speed: web_sys::HtmlSelectElement = m
        .get("select[aria-label='Playback speed']")
        .dyn_into()
        .unwrap();
    let before = speed.selected_index();
    m.key(&body, "+").await;
    assert_eq!(speed.selected_index(), before + 1);
    m.key(&body, "-").await;
    assert_eq!(speed.selected_index(), before);

    let textarea: web_sys::EventTarget = m.get(".sandbox textarea").into();
    m.key(&textarea, "ArrowRight").await;
    assert_eq!(m.step_count(), "Start · 11 steps", "typing does not step");
    m.destroy();
}

#[wasm_bindgen_test]
async fn a_question_is_asked_before_the_result() {
    let m = Mounted::new(LESSON, 1).await;
    m.click("Next step").await;
    assert_eq!(m.step_count(), "Step 2 of 11");
    let q = m.text(".question");
    assert!(q.contains("What will this return?"), "{q}");
    assert!(
        m.find(".narration .result-line").is_none(),
        "the result waits"
    );
    assert!(
        m.find(".narration .say").is_none(),
        "the narration, which may give the answer away, waits too"
    );
    assert!(m.disabled("Next step"));
    // The ID space still shows the world before the step: only ID 1 is in use.
    assert!(m.find(".id-cell.used[aria-label^='ID 2:']").is_none());

    m.button_with_text("2").click();
    yew::scheduler::flush().await;
    let feedback = m.text(".question-feedback");
    assert!(feedback.contains("Right."), "{feedback}");
    assert!(feedback.contains("2 is the lowest free ID"), "{feedback}");
    assert!(m.text(".narration .result-line").contains("Returned 2"));
    assert!(m.text(".narration .say").contains("Two comes back."));
    assert!(m
        .find(".id-cell.used.changed[aria-label^='ID 2:']")
        .is_some());
    assert!(!m.disabled("Next step"));
    m.destroy();
}

#[wasm_bindgen_test]
async fn the_code_pane_marks_the_lines_run() {
    let m = Mounted::new(LESSON, 1).await;
    let current = m.get(".code .code-line.current");
    assert_eq!(
        current.get_attribute("aria-current").as_deref(),
        Some("step")
    );
    // The pane joins "->" with an invisible word joiner so it never wraps inside it.
    assert!(current
        .text_content()
        .unwrap_or_default()
        .replace('\u{2060}', "")
        .contains("data->id = id"));
    let ran = m
        .root
        .query_selector_all(".code .code-line.ran")
        .unwrap()
        .length();
    assert!(ran >= 3, "{ran} lines marked as run");
    // The straight-line code after the store ran too, up to the return.
    let returned = m.root.query_selector_all(".code .code-line.ran").unwrap();
    assert!(
        (0..returned.length())
            .filter_map(|i| returned.item(i))
            .any(|n| n.text_content().unwrap_or_default().contains("return id;")),
        "return id; is not marked"
    );
    assert!(m.text(".code-pane h2").contains("ioasid_alloc()"));
    m.destroy();
}

#[wasm_bindgen_test]
async fn the_id_space_zooms_and_details_an_id() {
    let m = Mounted::new(LESSON, 1).await;
    let cell = m.get(".id-cell.used[aria-label^='ID 1:']");
    assert!(cell.class_list().contains("changed"));
    assert!(cell.class_list().contains("set-1"), "sva's colour");
    assert!(
        cell.text_content().unwrap_or_default().contains("sva"),
        "and its label"
    );
    let detail = m.text(".id-detail");
    assert!(detail.contains("ID 1"), "{detail}");
    assert!(detail.contains("not yet bound"), "{detail}");
    assert!(m.text(".search-path").contains("Found 1"));
    assert!(m
        .text(".overview-summary")
        .contains("1 of 1,048,576 PASIDs in use"));

    m.button_with_text("0–4,095").click();
    yew::scheduler::flush().await;
    let range = m.get(".range-cell[aria-label^='IDs 0–63']");
    assert!(range
        .get_attribute("aria-label")
        .unwrap()
        .contains("1 in use"));
    range.dyn_into::<HtmlElement>().unwrap().click();
    yew::scheduler::flush().await;
    m.get(".id-cell[aria-label^='ID 5:']")
        .dyn_into::<HtmlElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    assert!(m.text(".id-detail").contains("ID 5"));
    assert!(m.text(".id-detail").contains("Free"));

    // The grid is one Tab stop (the selected cell); the arrows move between cells
    // without stepping the player.
    let stops = m
        .root
        .query_selector_all(".cells button[tabindex='0']")
        .unwrap();
    assert_eq!(stops.length(), 1);
    let five = m.get(".id-cell[aria-label^='ID 5:']");
    assert_eq!(five.get_attribute("tabindex").as_deref(), Some("0"));
    let before = m.step_count();
    five.dyn_ref::<HtmlElement>().unwrap().focus().unwrap();
    m.key(&five, "ArrowRight").await;
    let focused = gloo::utils::document()
        .active_element()
        .expect("a focused cell");
    assert!(
        focused
            .get_attribute("aria-label")
            .unwrap_or_default()
            .starts_with("ID 6:"),
        "{:?}",
        focused.get_attribute("aria-label")
    );
    assert_eq!(focused.get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(five.get_attribute("tabindex").as_deref(), Some("-1"));
    m.key(&focused, "End").await;
    let last = gloo::utils::document().active_element().unwrap();
    let last_label = last.get_attribute("aria-label").unwrap_or_default();
    assert!(last_label.starts_with("ID 63:"), "{last_label}");
    m.key(&last, "ArrowUp").await;
    let up = gloo::utils::document().active_element().unwrap();
    let up_label = up.get_attribute("aria-label").unwrap_or_default();
    assert!(
        !up_label.starts_with("ID 63:") && up_label.starts_with("ID "),
        "{up_label}"
    );
    assert_eq!(m.step_count(), before, "the player did not move");
    m.destroy();
}

#[wasm_bindgen_test]
async fn the_panels_show_sets_readers_and_faults() {
    // Step 6: a reader still holds mm A while the ID now has domain D.
    let m = Mounted::new(LESSON, 6).await;
    let readers = m.text(".readers");
    assert!(readers.contains("r1"), "{readers}");
    assert!(readers.contains("holds an old value"), "{readers}");
    assert!(m.text(".sets").contains("sva"));
    assert!(m.text(".allocators").contains("Default allocator"));
    assert!(m.text(".allocators").contains("★ active"));

    // Step 7: a lookup through the wrong set is refused.
    m.click("Next step").await;
    let sets = m.text(".sets");
    assert!(sets.contains("Refused with"), "{sets}");

    // Step 10: the fault stops at the mapping (0x9000 is not mapped).
    m.click("Next step").await;
    m.click("Next step").await;
    m.click("Next step").await;
    assert_eq!(m.step_count(), "Step 10 of 11");
    let fault = m.text(".fault-path");
    assert!(fault.contains("stopped here"), "{fault}");
    assert!(m.find(".pipeline .pstage-stop").is_some());
    assert!(fault.contains("INVALID"), "{fault}");
    assert!(m.text(".processes").contains("mm A"));
    m.destroy();
}

#[wasm_bindgen_test]
async fn groups_lost_to_an_overflow_stay_in_sight() {
    // The generic handler holds partial requests (v5.18; VT-d's own thread of v5.11
    // holds none), behind VT-d's front end, so dev0 is bound to the PASID first.
    let lesson = r#"{"format": 1, "title": "Overflow", "profile": "v5.18", "steps": [
        {"op": "mm_create", "mm": "A", "maps": [{"start": 4096, "len": 4096, "perm": "r"}]},
        {"op": "bind", "device": "dev0", "mm": "A", "expect": {"ok": 1}},
        {"op": "fault", "device": "dev0", "pasid": 1, "addr": 4096, "perm": "r", "group": 7, "last": false},
        {"op": "overflow", "device": "dev0"},
        {"op": "run_faults"}]}"#;
    let m = Mounted::new(lesson, 5).await;
    let chip = m.get(".narration .chip");
    assert!(
        chip.class_name().contains("chip-warn"),
        "{}",
        chip.class_name()
    );
    let words = chip.text_content().unwrap_or_default();
    assert!(words.contains("1 discarded group(s) still wait"), "{words}");
    let fault = m.text(".fault-path");
    assert!(fault.contains("Discarded at dev0: group 7"), "{fault}");
    m.destroy();
}

async fn type_into(m: &Mounted, selector: &str, text: &str) {
    let area: web_sys::HtmlTextAreaElement = m.get(selector).dyn_into().unwrap();
    area.set_value(text);
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
    area.dispatch_event(&ev).unwrap();
    yew::scheduler::flush().await;
}

#[wasm_bindgen_test]
async fn the_sandbox_appends_explains_and_undoes() {
    let m = Mounted::new(LESSON, 11).await;
    type_into(
        &m,
        ".sandbox textarea",
        r#"{"op": "alloc", "set": "sva", "min": 1}"#,
    )
    .await;
    m.button_with_text("Run step").click();
    yew::scheduler::flush().await;
    let status = m.text(".sandbox-status");
    assert!(
        status.contains("Step 12 (alloc), field `max`: missing"),
        "{status}"
    );
    assert_eq!(m.step_count(), "Step 11 of 11");

    type_into(
        &m,
        ".sandbox textarea",
        r#"{"op": "alloc", "set": "sva", "min": 1, "max": 100}"#,
    )
    .await;
    m.button_with_text("Run step").click();
    yew::scheduler::flush().await;
    assert_eq!(m.step_count(), "Step 12 of 12");
    let status = m.text(".sandbox-status");
    assert!(status.contains("Step 12 added"), "{status}");
    assert!(status.contains("returned 3"), "{status}");
    assert!(m.text(".narration").contains("sandbox"));

    m.button_with_text("Undo last sandbox step").click();
    yew::scheduler::flush().await;
    assert_eq!(m.step_count(), "Step 11 of 11");
    // Undo says what it took back, and the focus stays in the form (the button it was
    // on is now disabled).
    let status = m.text(".sandbox-status");
    assert!(status.contains("Step 12 (alloc) taken back."), "{status}");
    assert_eq!(focused_label().as_deref(), Some("Step JSON"));

    // Picking an op fills in its template; the text it replaced can be restored.
    let mine = r#"{"op": "free", "id": 1, "say": "my narration"}"#;
    type_into(&m, ".sandbox textarea", mine).await;
    assert!(
        m.find(".sandbox .restore").is_none(),
        "nothing to restore yet"
    );
    m.choose("select[aria-label='Operation']", "run_faults")
        .await;
    let area: web_sys::HtmlTextAreaElement = m.get(".sandbox textarea").dyn_into().unwrap();
    assert!(area.value().contains("\"run_faults\""), "{}", area.value());
    m.button_with_text("Restore my edited step").click();
    yew::scheduler::flush().await;
    assert_eq!(area.value(), mine);
    assert!(m.find(".sandbox .restore").is_none(), "restored once");
    let op: web_sys::HtmlSelectElement =
        m.get("select[aria-label='Operation']").dyn_into().unwrap();
    assert_eq!(
        op.value(),
        "free",
        "the select names the restored step's op"
    );
    // Templates picked one after another keep the user's text restorable.
    m.choose("select[aria-label='Operation']", "alloc").await;
    m.choose("select[aria-label='Operation']", "flush").await;
    assert!(area.value().contains("\"flush\""), "{}", area.value());
    m.button_with_text("Restore my edited step").click();
    yew::scheduler::flush().await;
    assert_eq!(area.value(), mine);
    m.destroy();
}

#[wasm_bindgen_test]
async fn a_profile_change_recomputes_and_keeps_the_step() {
    let m = Mounted::new(LESSON, 7).await;
    assert!(m.text(".narration").contains("EACCES") || m.text(".narration").contains("INVALID"));
    m.choose("select[aria-label='Profile']", "improved").await;
    assert_eq!(m.step_count(), "Step 7 of 11");
    assert!(m.text(".profile-desc").contains("fixed design"));
    m.destroy();
    // Under another profile than the lesson's, its narration says whose it is.
    let m = Mounted::new(LESSON, 1).await;
    assert!(m.text(".say").contains("First alloc."));
    assert!(m.find(".say-for").is_none(), "the narration's own profile");
    m.choose("select[aria-label='Profile']", "improved").await;
    let lesson_profile = Lesson::parse(LESSON).unwrap().profile;
    assert_eq!(
        m.text(".say-for"),
        format!("Told for {}: ", lesson_profile.name())
    );
    m.destroy();
}

/// A step with narration for the profile shown shows it without a note; under a
/// profile it has none for, the lesson's own words are marked as told for its profile.
#[wasm_bindgen_test]
async fn narration_per_profile_is_shown_without_a_told_for_note() {
    let lesson = r#"{"format": 1, "title": "t", "profile": "v5.5", "profiles": ["improved"],
      "steps": [{"op": "alloc", "set": "sva", "min": 1, "max": 9, "say": "Said for v5.5.",
                 "say_in": {"improved": "Said for improved."}}]}"#;
    let m = Mounted::new(lesson, 1).await;
    assert!(m.text(".say").contains("Said for v5.5."));
    assert!(m.find(".say-for").is_none(), "the lesson's own profile");
    m.choose("select[aria-label='Profile']", "improved").await;
    assert!(
        m.text(".say").contains("Said for improved."),
        "{}",
        m.text(".say")
    );
    assert!(m.find(".say-for").is_none(), "improved's own words");
    m.choose("select[aria-label='Profile']", "v5.11").await;
    assert!(m.text(".say").contains("Said for v5.5."));
    assert_eq!(m.text(".say-for"), "Told for v5.5: ");
    m.destroy();
}

/// The checkbox of knob `name` in the profile bar.
fn knob_box(m: &Mounted, name: &str) -> web_sys::HtmlInputElement {
    let items = m.root.query_selector_all("li.knob").expect("knobs");
    for i in 0..items.length() {
        let Some(li) = items.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
            continue;
        };
        let code = li.query_selector("code").ok().flatten();
        if code.and_then(|c| c.text_content()).as_deref() == Some(name) {
            let input = li
                .query_selector("input")
                .ok()
                .flatten()
                .expect("a checkbox");
            return input.dyn_into().expect("an input");
        }
    }
    panic!("no knob {name}")
}

#[wasm_bindgen_test]
async fn knobs_of_the_ioasid_allocator_are_greyed_out_without_it() {
    let m = Mounted::new(LESSON, 1).await;
    assert!(!knob_box(&m, "flaw_getter_without_data").disabled());
    m.choose("select[aria-label='Profile']", "v6.6").await;
    assert!(knob_box(&m, "flaw_getter_without_data").disabled());
    assert!(knob_box(&m, "wildcard_fault_lookup").disabled());
    // Knobs that still act stay usable: turning global_pasid off brings the rest back.
    assert!(!knob_box(&m, "flaw_unsigned_error_pasid").disabled());
    let global = knob_box(&m, "global_pasid");
    assert!(!global.disabled());
    global.click();
    yew::scheduler::flush().await;
    assert!(!knob_box(&m, "flaw_getter_without_data").disabled());
    m.destroy();
}

#[wasm_bindgen_test]
async fn a_long_run_says_it_is_computing_then_offers_step_1() {
    // Past the size computed at once: the run is filed as chunks under a progress bar.
    let n = ioasid_web::state::SYNC_STEPS + 500;
    let step = r#"{"op": "alloc", "set": "sva", "min": 1, "max": 1048575}"#;
    let steps = vec![step; n].join(",");
    let json =
        format!(r#"{{"format": 1, "title": "Long", "profile": "v5.5", "steps": [{steps}]}}"#);
    let m = Mounted::new(&json, 0).await;
    let hint = m.text(".narration .hint");
    assert!(hint.contains("being computed"), "{hint}");
    assert!(!hint.contains("no steps yet"), "{hint}");
    // The chunks run on timers: wait for them (bounded), letting yew render between.
    for _ in 0..250 {
        if !m.text(".narration .hint").contains("being computed") {
            break;
        }
        gloo::timers::future::TimeoutFuture::new(20).await;
        yew::scheduler::flush().await;
    }
    let hint = m.text(".narration .hint");
    assert!(hint.contains("run step 1"), "after the run: {hint}");
    m.destroy();
}

/// A question is graded for the lesson's profile: under another profile whose result
/// differs, the feedback says the lesson's answer is the lesson's profile's, unless the
/// question itself names another profile (it compares eras, and holds everywhere).
#[wasm_bindgen_test]
async fn a_question_answered_under_another_profile_says_whose_answer_it_is() {
    let lesson = |prompt: &str| {
        format!(
            r#"{{"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"], "steps": [
            {{"op": "free", "id": 5, "expect": {{"ok": null}}, "expect_in": {{"improved": {{"err": "ENOENT"}}}},
              "ask": {{"prompt": "{prompt}", "choices": ["nothing", "ENOENT"], "answer": 0, "explain": "."}}}}]}}"#
        )
    };
    for (prompt, noted) in [
        ("What does freeing an unknown ID return?", true),
        ("Under v5.11, what does freeing an unknown ID return?", true),
        ("Unlike improved, what does v5.11 return here?", false),
    ] {
        let m = Mounted::new(&lesson(prompt), 0).await;
        m.choose("select[aria-label='Profile']", "improved").await;
        m.click("Next step").await;
        m.get(".question-open button")
            .dyn_into::<HtmlElement>()
            .unwrap()
            .click();
        yew::scheduler::flush().await;
        let feedback = m.text(".question-feedback");
        assert_eq!(
            feedback.contains("This lesson asks about v5.11"),
            noted,
            "{prompt}: {feedback}"
        );
        m.destroy();
    }
}

/// The kernel's words and the model's are told apart (issue: kernel fidelity): the kernel
/// log holds the line the era's kernel prints, and nothing of the explanation; the
/// explanation sits in a note labelled as the model's; the code pane names the source of
/// its listing, at the profile's version, with a link.
#[wasm_bindgen_test]
async fn the_kernel_log_and_the_models_words_are_apart() {
    const FREE_UNKNOWN: &str = r#"{
      "format": 1, "title": "Unknown free", "profile": "v5.5",
      "steps": [{"op": "free", "id": 7, "say": "Free an ID nobody holds."}]
    }"#;
    let m = Mounted::new(FREE_UNKNOWN, 1).await;
    let log = m.text(".kernel-log ul");
    assert!(log.contains("Trying to free unknown IOASID 7"), "{log}");
    let explain = m.text(".model-words .explain");
    assert!(!explain.is_empty());
    assert!(
        !log.contains(explain.trim()),
        "the kernel log repeats the model's words"
    );
    let note = m.get(".model-words");
    assert_eq!(note.get_attribute("role").as_deref(), Some("note"));
    assert!(note
        .get_attribute("aria-label")
        .unwrap_or_default()
        .contains("not kernel output"));
    assert!(m.text(".kernel-log h3").contains("v5.5"));
    let source = m.text(".code-source");
    assert!(source.contains("drivers/iommu/ioasid.c"), "{source}");
    let link = m
        .get(".code-source a")
        .get_attribute("href")
        .unwrap_or_default();
    assert!(
        link.starts_with("https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c"),
        "{link}"
    );
    m.destroy();
}

/// The Sources view opens as a modal dialog and lists the 2019 thread's messages and the
/// kernel code the current profile follows, as links at that version.
#[wasm_bindgen_test]
async fn the_sources_view_lists_the_thread_and_the_profiles_code() {
    let m = Mounted::new(LESSON, 0).await;
    let dialog: web_sys::HtmlDialogElement = m.get("dialog.sources").dyn_into().unwrap();
    assert!(!dialog.open());
    m.button_with_text("Sources").click();
    yew::scheduler::flush().await;
    assert!(dialog.open(), "the dialog did not open");
    let links = m.root.query_selector_all("dialog.sources a").unwrap();
    let hrefs: Vec<String> = (0..links.length())
        .filter_map(|i| links.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|e| e.get_attribute("href"))
        .collect();
    assert!(
        hrefs
            .iter()
            .any(|h| h.contains("20190219103712.73a1c2a1@jacob-builder")),
        "{hrefs:?}"
    );
    assert!(
        hrefs
            .iter()
            .any(|h| h == "https://elixir.bootlin.com/linux/v5.5/source/drivers/iommu/ioasid.c"),
        "{hrefs:?}"
    );
    assert!(m.text("dialog.sources h3").contains("v5.5"));
    m.button_with_text("Close").click();
    yew::scheduler::flush().await;
    assert!(!dialog.open());
    m.destroy();
}

/// Questions the model grades: an ID picked on the grid, a number typed, an errno typed.
const COMPUTED: &str = r#"{
  "format": 1, "title": "Computed questions", "profile": "v5.11",
  "steps": [
    {"op": "alloc", "set": "sva", "min": 1, "max": 100, "as": "a", "say": "One."},
    {"op": "alloc", "set": "sva", "min": 1, "max": 100, "say": "Two comes out.",
     "ask": {"prompt": "Which ID will this alloc hand out?", "pick": "id", "explain": "First fit."}},
    {"op": "alloc", "set": "sva", "min": 1, "max": 100, "say": "Three.",
     "ask": {"prompt": "What does this alloc return?", "type": "value", "explain": "Still first fit."}},
    {"op": "alloc", "set": "sva", "min": 1, "max": 1,
     "ask": {"prompt": "How does this alloc fail?", "type": "errno", "explain": "1 is taken."}}
  ]
}"#;

impl Mounted {
    /// Types `text` into the question's answer field and submits it.
    async fn submit_answer(&self, text: &str) {
        let input: web_sys::HtmlInputElement =
            self.get(".question .answer-input").dyn_into().unwrap();
        input.set_value(text);
        let init = web_sys::InputEventInit::new();
        init.set_bubbles(true);
        let ev = web_sys::InputEvent::new_with_event_init_dict("input", &init).unwrap();
        input.dispatch_event(&ev).unwrap();
        yew::scheduler::flush().await;
        // Submit: its click submits the form, as Enter in the field does.
        self.get(".question form button[type='submit']")
            .dyn_into::<HtmlElement>()
            .unwrap()
            .click();
        yew::scheduler::flush().await;
    }
}

#[wasm_bindgen_test]
async fn a_pick_question_is_answered_by_clicking_an_id_cell() {
    let m = Mounted::new(COMPUTED, 1).await;
    m.click("Next step").await;
    assert!(m
        .text(".question")
        .contains("Which ID will this alloc hand out?"));
    assert!(
        m.find(".narration .result-line").is_none(),
        "the result waits"
    );
    // The grid says what to do, and its cells name what choosing them does.
    assert!(m
        .text(".pick-hint")
        .contains("Pick the ID this step will hand out"));
    assert!(m.find(".cells.cells-picking").is_some());
    let two = m.get(".id-cell[aria-label^='Pick ID 2: free']");
    assert!(two
        .get_attribute("aria-describedby")
        .unwrap_or_default()
        .contains("pick-hint"));
    two.dyn_into::<HtmlElement>().unwrap().click();
    yew::scheduler::flush().await;
    let feedback = m.text(".question-feedback");
    assert!(
        feedback.contains("Right: the step hands out ID 2."),
        "{feedback}"
    );
    assert!(feedback.contains("First fit."), "{feedback}");
    assert!(m.text(".narration .result-line").contains("Returned 2"));
    // Answered: the cells are plain cells again.
    assert!(m.find(".pick-hint").is_none());
    assert!(m.find(".id-cell[aria-label^='Pick ID']").is_none());
    assert!(m.find(".id-cell[aria-label^='ID 2:']").is_some());
    m.destroy();
}

#[wasm_bindgen_test]
async fn a_pick_question_is_answered_from_the_keyboard() {
    let m = Mounted::new(COMPUTED, 1).await;
    m.click("Next step").await;
    // Tab reaches one cell; the arrows move to the next; Enter on a button clicks it.
    let stop: HtmlElement = m.get(".cells button[tabindex='0']").dyn_into().unwrap();
    assert_eq!(stop.get_attribute("aria-label").as_deref(), Some("Pick ID 0: free, but reserved: PASID 0 means DMA without a PASID, so callers allocate from 1"));
    stop.focus().unwrap();
    m.key(&stop, "ArrowRight").await;
    m.key(
        &gloo::utils::document().active_element().unwrap(),
        "ArrowRight",
    )
    .await;
    let label = focused_label().unwrap_or_default();
    assert!(label.starts_with("Pick ID 2: free"), "{label}");
    assert_eq!(m.step_count(), "Step 2 of 4", "the arrows do not step");
    let focused: HtmlElement = gloo::utils::document()
        .active_element()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(focused.tag_name(), "BUTTON", "Enter activates it");
    focused.click();
    yew::scheduler::flush().await;
    assert!(m
        .text(".question-feedback")
        .contains("Right: the step hands out ID 2."));

    // The same question answered in its own field, wrongly.
    let m2 = Mounted::new(COMPUTED, 1).await;
    m2.click("Next step").await;
    m2.submit_answer("0x3").await;
    let feedback = m2.text(".question-feedback");
    assert!(
        feedback.contains("Not quite: the step hands out ID 2."),
        "{feedback}"
    );
    assert!(m2.text(".question").contains("Your answer: 3"));
    m.destroy();
    m2.destroy();
}

#[wasm_bindgen_test]
async fn a_typed_value_is_graded_right_and_wrong() {
    // Opened on step 3 (the pick question before it passed unanswered).
    let m = Mounted::new(COMPUTED, 3).await;
    assert_eq!(m.step_count(), "Step 3 of 4");
    assert!(m.find(".pick-hint").is_none(), "not a pick question");
    let label = m.get(".question label[for='answer-2']").text_content();
    assert_eq!(label.as_deref(), Some("The value"));
    m.submit_answer(" 3 ").await;
    let feedback = m.text(".question-feedback");
    assert!(
        feedback.contains("Right: the step returns 3."),
        "{feedback}"
    );
    assert!(feedback.contains("Still first fit."), "{feedback}");
    assert!(m.text(".narration .result-line").contains("Returned 3"));
    m.destroy();

    // Opened on step 3 (the pick question before it passed unanswered).
    let m = Mounted::new(COMPUTED, 3).await;
    m.submit_answer("7").await;
    let feedback = m.text(".question-feedback");
    assert!(
        feedback.contains("Not quite: the step returns 3."),
        "{feedback}"
    );
    assert!(
        m.find(".question-feedback-live[role='status'] .question-feedback")
            .is_some(),
        "the verdict is in a live region"
    );
    m.destroy();

    // An errno, typed in lower case.
    let m = Mounted::new(COMPUTED, 4).await;
    m.submit_answer("invalid_ioasid").await;
    let feedback = m.text(".question-feedback");
    assert!(
        feedback.contains("Right: the step fails with INVALID_IOASID"),
        "{feedback}"
    );
    m.destroy();
}

#[wasm_bindgen_test]
async fn unreadable_typed_text_says_why_and_is_not_graded() {
    // Opened on step 3 (the pick question before it passed unanswered).
    let m = Mounted::new(COMPUTED, 3).await;
    m.submit_answer("three").await;
    let error = m.get(".question .field-error");
    assert_eq!(
        error.get_attribute("aria-live").as_deref(),
        Some("assertive")
    );
    let msg = error.text_content().unwrap_or_default();
    assert!(msg.contains("\"three\" is not a number"), "{msg}");
    let input = m.get(".question .answer-input");
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    // Not graded: the question still waits, and the result with it.
    assert!(m.find(".question-feedback").is_none());
    assert!(m.find(".question-open").is_some());
    assert!(m.find(".narration .result-line").is_none());
    assert!(m.disabled("Next step"));
    m.submit_answer("3").await;
    assert!(m
        .text(".question-feedback")
        .contains("Right: the step returns 3."));
    assert!(m.find(".question .field-error").is_none());
    m.destroy();
}

/// The hazard ledger follows the player: a free naming the wrong set (v5.11 checks no
/// owner) creates a hazard at step 3, the owner's lookup at step 4 is where it bites;
/// before step 3 it is not listed, and its "created at step 3" button seeks there.
#[wasm_bindgen_test]
async fn the_hazard_ledger_lists_hazards_with_their_steps_and_seeks_to_them() {
    const WRONG_FREE: &str = r#"{
      "format": 1, "title": "A free by another set", "profile": "v5.11",
      "steps": [
        {"op": "set_create", "set": "a"},
        {"op": "alloc", "set": "a", "min": 1, "max": 10},
        {"op": "free", "id": 1, "set": "sva"},
        {"op": "find", "set": "a", "id": 1},
        {"op": "alloc", "set": "sva", "min": 1, "max": 10}
      ]
    }"#;
    let m = Mounted::new(WRONG_FREE, 2).await;
    assert!(m
        .text(".hazard-ledger")
        .contains("No hazard exists at this step"));
    m.click("Next step").await;
    let ledger = m.text(".hazard-ledger");
    assert!(ledger.contains("Freed by a non-owner"), "{ledger}");
    assert!(ledger.contains("PASID 1"), "{ledger}");
    assert!(ledger.contains("created at step 3"), "{ledger}");
    assert!(!ledger.contains("bit at step"), "{ledger}");
    m.click("Next step").await;
    let ledger = m.text(".hazard-ledger");
    assert!(ledger.contains("bit at step 4"), "{ledger}");
    assert!(m
        .find(".hazard-ledger ul[aria-label='Hazards alive at this step'] li")
        .is_some());
    // The timeline marks both steps, named in the marks' titles, in its own shape.
    let marks = m.root.query_selector_all(".marks .mark").expect("marks");
    let titles: Vec<String> = (0..marks.length())
        .filter_map(|i| {
            marks
                .item(i)?
                .dyn_into::<Element>()
                .ok()?
                .get_attribute("title")
        })
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("a hazard is created")),
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t.contains("a hazard bites")),
        "{titles:?}"
    );
    assert!(m.find(".marks .mark-bite").is_some());
    // Back before its creation: gone.
    m.click("Previous step").await;
    m.click("Previous step").await;
    assert_eq!(m.step_count(), "Step 2 of 5");
    assert!(!m.text(".hazard-ledger").contains("Freed by a non-owner"));
    // From the end, the button takes the player to the step that created it.
    m.click("Last step").await;
    m.button_with_text("created at step 3").click();
    yew::scheduler::flush().await;
    assert_eq!(m.step_count(), "Step 3 of 5");
    m.destroy();
}

/// A lesson that starts `n` processes, and `groups` page requests that wait in the queue.
fn crowded_lesson(n: usize, groups: usize) -> String {
    let mut steps: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"op":"mm_create","mm":"P{i}","maps":[{{"start":4194304,"len":65536,"perm":"rw"}}]}}"#))
        .collect();
    steps.push(r#"{"op":"bind","device":"dev0","mm":"P0","as":"pa"}"#.into());
    for g in 1..=groups {
        steps.push(format!(
            r#"{{"op":"fault","device":"dev0","pasid":"$pa","addr":4194304,"perm":"rw","group":{g}}}"#
        ));
    }
    format!(
        r#"{{"format":1,"title":"crowded","profile":"v5.18","steps":[{}]}}"#,
        steps.join(",")
    )
}

#[wasm_bindgen_test]
async fn long_lists_show_one_page_of_rows_and_page_through_the_rest() {
    let json = crowded_lesson(60, 30);
    let m = Mounted::new(&json, 91).await;
    let rows = |sel: &str| m.root.query_selector_all(sel).expect("rows").length();
    // 60 processes: a page of them, and where it stands.
    assert_eq!(rows(".processes ul.plain:first-of-type > li"), 25);
    assert!(m.text(".processes .pager").contains("1–25 of 60 processes"));
    assert!(m.disabled("Previous processes") && m.disabled("First processes"));
    let first = m.text(".processes ul.plain:first-of-type > li");
    m.click("Next processes").await;
    assert!(m
        .text(".processes .pager")
        .contains("26–50 of 60 processes"));
    assert_ne!(m.text(".processes ul.plain:first-of-type > li"), first);
    m.click("Last processes").await;
    assert_eq!(rows(".processes ul.plain:first-of-type > li"), 10);
    assert!(m.disabled("Next processes"));
    // 30 queued groups: a page of the waiting list.
    assert_eq!(rows(".fault-path ul.plain > li"), 25);
    assert!(m
        .text(".fault-path .pager")
        .contains("1–25 of 30 waiting requests"));
    m.click("Next waiting requests").await;
    assert_eq!(rows(".fault-path ul.plain > li"), 5);
    m.destroy();
}

/// A short run whose one question names its concept and the step that teaches it.
const REPORT_LESSON: &str = r#"{
  "format": 1, "title": "Report run", "outro": "The outro text.", "profile": "v5.5",
  "steps": [
    {"op": "alloc", "set": "sva", "min": 1, "max": 100, "say": "First fit: 1."},
    {"op": "alloc", "set": "sva", "min": 1, "max": 100,
     "ask": {"prompt": "What will this return?", "choices": ["2", "7"], "answer": 0,
             "explain": "First fit.", "concept": "first fit", "learn_at": 1}},
    {"op": "alloc", "set": "sva", "min": 1, "max": 100}
  ]
}"#;

#[wasm_bindgen_test]
async fn the_end_of_a_lesson_says_how_it_went_and_links_what_to_revisit() {
    let m = Mounted::new(REPORT_LESSON, 1).await;
    m.click("Next step").await;
    m.button_with_text("7").click();
    yew::scheduler::flush().await;
    assert!(m.find(".lesson-report").is_none(), "not before the end");
    m.click("Last step").await;
    assert_eq!(m.step_count(), "Step 3 of 3");
    let report = m.text(".lesson-report");
    assert!(
        report.contains("0 of 1 question right the first time."),
        "{report}"
    );
    assert!(
        report.contains("revisit first fit, taught at step 1"),
        "{report}"
    );
    assert!(m.text(".narration").contains("The outro text."));
    m.click("Go to step 1 to revisit first fit").await;
    assert_eq!(m.step_count(), "Step 1 of 3");
    assert!(m.text(".narration").contains("First fit: 1."));
    // The button went with the report: the keyboard lands on the step's heading.
    gloo::timers::future::TimeoutFuture::new(20).await;
    let focused = gloo::utils::document()
        .active_element()
        .map(|e| e.id())
        .unwrap_or_default();
    assert_eq!(focused, "narration-title");
    m.destroy();
}

#[wasm_bindgen_test]
async fn a_lesson_answered_right_has_nothing_to_revisit() {
    let m = Mounted::new(REPORT_LESSON, 1).await;
    m.click("Next step").await;
    m.button_with_text("2").click();
    yew::scheduler::flush().await;
    m.click("Last step").await;
    let report = m.text(".lesson-report");
    assert!(
        report.contains("1 of 1 question right the first time."),
        "{report}"
    );
    assert!(m.find(".lesson-report button").is_none());
    m.destroy();
}

/// The keyboard keeps its place: a question to type opens with its field focused, and
/// once a question is answered (its buttons disabled) the verdict has the focus, not
/// the page.
#[wasm_bindgen_test]
async fn focus_goes_to_the_field_then_to_the_verdict() {
    let focused = || {
        gloo::utils::document()
            .active_element()
            .map(|e| e.class_name())
            .unwrap_or_default()
    };
    let m = Mounted::new(LESSON, 1).await;
    m.click("Next step").await;
    m.button_with_text("2").click();
    yew::scheduler::flush().await;
    assert!(focused().contains("question-feedback"), "{}", focused());
    m.destroy();

    let m = Mounted::new(COMPUTED, 1).await;
    m.click("Next step").await;
    m.submit_answer("2").await;
    m.click("Next step").await;
    assert!(focused().contains("answer-input"), "{}", focused());
    m.submit_answer("3").await;
    assert!(focused().contains("question-feedback"), "{}", focused());
    m.destroy();
}

/// The code pane's heading names the function of the era shown, as its source line
/// does: under v5.11 a page request is handled by VT-d's own thread, not by the
/// generic handler that came later.
#[wasm_bindgen_test]
async fn the_code_heading_names_the_eras_function() {
    let m = Mounted::new(
        include_str!("../../core/src/lessons/09-stale-fault.json"),
        7,
    )
    .await;
    let heading = m.text("#code-title");
    assert!(heading.contains("prq_event_thread"), "{heading}");
    assert!(!heading.contains("iopf_handle_group"), "{heading}");
    assert!(m.text(".code-source").contains("prq_event_thread"));
    m.destroy();
}
