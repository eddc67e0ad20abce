//! The narration: what the current step does and why, in words. The lesson's `say`, the
//! result and the generated explanation, the kernel's log lines, whether the lesson's
//! expectation held; the lesson's intro at the start and its outro at the end; and the
//! step's question, asked before its result is shown.
use super::pager::use_pager;
use super::question::Question;
use crate::state::{Action, AppContext, Reply};
use crate::view::num;
use ioasid_core::narrate::{
    hazards, lesson_report, result_verdict, say_told_for, written_for_note, Severity,
};
use ioasid_core::trace::{Event, Outcome};
use yew::prelude::*;

/// The result as a chip, coloured by how alarming the core judges it
/// ([`result_verdict`]): red for an error; amber for a call that returned but went
/// wrong in a way the learner must notice or has not finished; green otherwise.
///
/// `abandoned`: groups a queue overflow discarded that still wait for a response, so a
/// workqueue run that sends none is not the all-clear it looks like.
fn result_chip(result: &Outcome, warned: bool, events: &[Event], abandoned: usize) -> Html {
    let verdict = result_verdict(result, warned, events, abandoned);
    let (class, mark) = match verdict.severity {
        Severity::Err => ("chip chip-err", "✕"),
        Severity::Warn => ("chip chip-warn", "!"),
        Severity::Ok => ("chip chip-ok", "✓"),
    };
    let text = verdict.text;
    html! { <span class={class}><span aria-hidden="true">{ mark }{ " " }</span>{ text }</span> }
}

/// How the lesson's questions went, at its end: right the first time out of how many,
/// and a button per question missed or skipped that goes to the step teaching its
/// concept. Nothing for a lesson without questions.
/// Focuses the narration's heading (the step shown) and scrolls it into view.
fn focus_step_heading() {
    use wasm_bindgen::JsCast;
    let heading = gloo::utils::document()
        .get_element_by_id("narration-title")
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(h) = heading {
        h.scroll_into_view_with_bool(true);
        let _ = h.focus();
    }
}

fn end_report(state: &AppContext) -> Html {
    let report = lesson_report(&state.base, |i| state.first_answer_right(i));
    if report.questions == 0 {
        return Html::default();
    }
    html! {
        <div class="lesson-report" role="group" aria-labelledby="lesson-report-title">
            <h3 id="lesson-report-title">{ "How it went" }</h3>
            <p>{ report.headline() }</p>
            if !report.revisit.is_empty() {
                <ul class="revisit">
                    { for report.revisit.iter().map(|r| {
                        let d = state.dispatcher();
                        let to = r.learn_at + 1;
                        let go = Callback::from(move |_| {
                            d.dispatch(Action::Seek(to));
                            // The button goes with the report: the keyboard lands on the
                            // step's heading, scrolled clear of the sticky player.
                            gloo::timers::callback::Timeout::new(0, focus_step_heading).forget();
                        });
                        html! {
                            <li>{ r.words() }{ " " }
                                <button type="button" onclick={go}
                                    aria-label={format!("Go to step {to} to revisit {}", r.concept)}>
                                    { format!("Go to step {to}") }
                                </button>
                            </li>
                        }
                    }) }
                </ul>
            }
        </div>
    }
}

#[component]
pub fn Narration() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return Html::default();
    };
    let len = state.len();
    // A step that runs a long queue may log a line per request: a page of them at a time.
    let log_len = state
        .index()
        .and_then(|i| state.trace.steps.get(i))
        .map_or(0, |s| s.kernel_log.len());
    let (log_rows, log_pages) = use_pager(log_len, "kernel log lines");
    let lesson = &state.base;
    // While playing, a screen reader would be flooded: it reads the step it stops on.
    let live = if state.playing { "off" } else { "polite" };
    let Some(i) = state.index() else {
        return html! {
            <section class="narration panel" aria-labelledby="narration-title">
                <h2 id="narration-title" tabindex="-1">{ &lesson.title }</h2>
                <div class="live" aria-live={live}>
                    if !lesson.summary.is_empty() { <p class="summary">{ &lesson.summary }</p> }
                    if let Some(intro) = &lesson.intro {
                        <h3>{ "What you will learn" }</h3>
                        <p>{ intro }</p>
                    }
                    <p class="hint">
                        { format!("Profile {}: {}. ", state.profile.name(), state.profile.describe()) }
                        if state.request.is_some() {
                            { "The run is being computed; its steps appear when it is done." }
                        } else if len > 0 {
                            { "Press Next step (or the → key) to run step 1." }
                        } else {
                            { "This run has no steps yet: add one in the sandbox below." }
                        }
                    </p>
                </div>
            </section>
        };
    };
    let Some(st) = state.trace.steps.get(i) else {
        return Html::default();
    };
    let ask = state.trace.ops.get(i).and_then(|s| s.ask.clone());
    let answer = state.answers.get(&i).cloned();
    let graded = ask
        .as_ref()
        .filter(|q| q.computed())
        .and_then(|_| state.graded(i));
    let waiting = state.pending_question().is_some();
    let on_answer = {
        let d = state.dispatcher();
        Callback::from(move |reply: Reply| d.dispatch(Action::AnswerQuestion { step: i, reply }))
    };
    let sandbox = i >= lesson.steps.len();
    let abandoned: usize = state
        .world
        .devices
        .values()
        .map(|d| d.abandoned.len())
        .sum();
    let told_for = say_told_for(lesson.steps.get(i), lesson.profile, state.profile);
    // Whose answer the question's is (core's judgement); a computed one is this run's.
    let written_for = ask
        .as_ref()
        .filter(|q| !q.computed())
        .and_then(|q| {
            written_for_note(
                q,
                lesson.steps.get(i),
                lesson.profile,
                state.profile,
                st.expect_ok,
            )
        })
        .map(AttrValue::from);
    let hazards: Vec<&str> = hazards(&st.events).collect();
    html! {
        <section class="narration panel" aria-labelledby="narration-title">
            <h2 id="narration-title" tabindex="-1">
                { format!("Step {} of {}", num(state.pos as u64), num(len as u64)) }
                <span class="op-name">{ st.op }</span>
                if let Some(t) = &st.thread { <span class="tag" title="who runs it">{ t }</span> }
                if sandbox { <span class="tag tag-sandbox">{ "sandbox" }</span> }
            </h2>
            <div class="live" aria-live={live}>
                // The lesson's narration often tells the outcome, so it waits with the
                // result until the learner has answered.
                if waiting {
                    // The call, not its outcome: what the question is about.
                    <p class="call">{ "The call: " }<code>{ st.call.trim_end_matches(':') }</code></p>
                    if let Some(q) = &ask { <p class="sr-only">{ format!("Question: {}", q.prompt) }</p> }
                } else {
                    // The narration for the profile shown; where the lesson has none for
                    // it, the lesson's own profile's, named (core's judgement).
                    if let Some(say) = &st.say {
                        <p class="say">
                            if let Some(p) = told_for {
                                <span class="say-for">{ format!("Told for {p}: ") }</span>
                            }
                            { say }
                        </p>
                    }
                    <p class="result-line">{ result_chip(&st.result, !st.kernel_log.is_empty(), &st.events, abandoned) }</p>
                    // The model's words and the kernel's are told apart: the
                    // explanation and the hazards are the model's; the kernel log holds
                    // only what this era's kernel prints.
                    <div class="model-words" role="note" aria-label="The model's explanation, not kernel output">
                        <p class="words-label" aria-hidden="true">{ "The model explains" }</p>
                        <p class="explain">{ &st.explain }</p>
                        if !hazards.is_empty() {
                            <ul class="hazards" aria-label="Hazards the model sees (the kernel prints nothing about them)">
                                { for hazards.iter().map(|h| html! {
                                    <li><span class="hazard-tag">{ "Hazard" }</span>{ " " }{ *h }</li>
                                }) }
                            </ul>
                        }
                    </div>
                    if !st.kernel_log.is_empty() {
                        <div class="kernel-log" role="group" aria-labelledby="kernel-log-title">
                            <h3 id="kernel-log-title">{ "Kernel log" }
                                <span class="words-source">{ format!(" what {} prints, word for word", state.profile.name()) }</span>
                            </h3>
                            <ul>
                                { for st.kernel_log.get(log_rows).unwrap_or_default().iter().map(|w| html! {
                                    <li><samp>{ w }</samp></li>
                                }) }
                            </ul>
                            { log_pages }
                        </div>
                    }
                    { match (st.expect_ok, &st.expected) {
                        (Some(true), _) => html! {
                            <p class="expect expect-ok"><span aria-hidden="true">{ "✓ " }</span>{ "As the lesson expects." }</p>
                        },
                        (Some(false), Some(exp)) => html! {
                            <p class="expect expect-bad"><span aria-hidden="true">{ "! " }</span>
                                { format!("Not what the lesson expects: it expects that the step {}, but under these knobs it {}.",
                                    exp.describe(), st.result.describe()) }
                            </p>
                        },
                        _ => Html::default(),
                    } }
                }
            </div>
            if let Some(q) = ask {
                // Keyed by step: a new question starts with an empty field and no message.
                <Question key={i} step={i} question={q} answer={answer} on_answer={on_answer}
                    graded={graded} written_for={written_for} />
            }
            if state.pos == len && !waiting {
                { end_report(&state) }
                if let Some(outro) = &lesson.outro {
                    <div class="outro">
                        <h3>{ "What to take away" }</h3>
                        <p>{ outro }</p>
                    </div>
                }
            }
        </section>
    }
}
