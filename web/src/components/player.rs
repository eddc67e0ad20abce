//! The player: first / previous / play-pause / next / last, "Step i of N", the speed, and
//! the timeline.
use super::icons;
use super::timeline::Timeline;
use crate::hooks::use_select_value;
use crate::state::SPEEDS;
use crate::view::{num, passed_questions_text, TimelineMark};
use gloo::timers::callback::Timeout;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PlayerProps {
    /// 0: the start; i: "Step i of N".
    pub pos: usize,
    pub len: usize,
    pub playing: bool,
    pub speed: usize,
    /// The current step's question waits for an answer.
    pub waiting: bool,
    /// A run is being computed.
    pub busy: bool,
    /// Steps (indexes) whose questions the last jump went past unanswered.
    pub passed_questions: Rc<Vec<usize>>,
    pub marks: Rc<Vec<TimelineMark>>,
    pub on_first: Callback<()>,
    pub on_prev: Callback<()>,
    pub on_toggle: Callback<()>,
    pub on_next: Callback<()>,
    pub on_last: Callback<()>,
    pub on_speed: Callback<usize>,
    pub on_seek: Callback<usize>,
}

/// Focuses the first choice of the question shown, if one waits.
fn focus_open_question() {
    let choice = gloo::utils::document()
        .query_selector(".question-open button")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    if let Some(choice) = choice {
        let _ = choice.focus();
    }
}

#[component]
pub fn Player(props: &PlayerProps) -> Html {
    let speed_select = use_node_ref();
    use_select_value(&speed_select, props.speed.to_string());
    // The step buttons are marked `aria-disabled`, not `disabled`: a disabled button
    // drops the keyboard's focus to the page (at a question, at either end), while
    // this one keeps it and does nothing when pressed.
    let click = |cb: &Callback<()>, off: bool| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| {
            if !off {
                cb.emit(());
            }
        })
    };
    let off = |b: bool| b.then_some("true");
    let on_speed = {
        let cb = props.on_speed.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<HtmlSelectElement>() {
                if let Ok(i) = sel.value().parse::<usize>() {
                    cb.emit(i);
                }
            }
        })
    };
    let at_start = props.pos == 0;
    let at_end = props.pos >= props.len;
    let no_steps = props.len == 0 || props.busy;
    let next_title = if props.waiting {
        "Next step (answer the question first)"
    } else {
        "Next step (Right arrow)"
    };
    let (play_label, play_icon, play_text) = if props.playing {
        ("Pause", icons::pause(), "Pause")
    } else {
        ("Play", icons::play(), "Play")
    };
    let play_title = if props.waiting && !props.playing {
        "Play (answer the question first)".to_string()
    } else {
        format!("{play_label} (Space)")
    };
    let play_off = no_steps || (props.waiting && !props.playing);
    // Saying which questions a jump went past: they are still there to answer.
    let passed = props.passed_questions.first().map(|&first| {
        let on_back = {
            let cb = props.on_seek.clone();
            Callback::from(move |_: MouseEvent| {
                cb.emit(first + 1);
                // This button goes with the jump; the keyboard's focus goes on to the
                // question it led back to, once it is drawn.
                Timeout::new(0, focus_open_question).forget();
            })
        };
        html! {
            <p class="passed-questions">
                { passed_questions_text(&props.passed_questions) }{ " " }
                <button type="button" class="link-button" onclick={on_back}>
                    { format!("Back to step {}", num(first as u64 + 1)) }
                </button>
            </p>
        }
    });
    html! {
        <section class="player" aria-label="Player">
            <div class="player-row">
                <div class="buttons" role="group" aria-label="Step controls">
                    <button type="button" class="icon-button" aria-label="First step"
                        title="First step (Home)" aria-disabled={off(at_start || no_steps)}
                        onclick={click(&props.on_first, at_start || no_steps)}>{ icons::first() }</button>
                    <button type="button" class="icon-button" aria-label="Previous step"
                        title="Previous step (Left arrow)" aria-disabled={off(at_start || no_steps)}
                        onclick={click(&props.on_prev, at_start || no_steps)}>{ icons::prev() }</button>
                    <button type="button" class="play-button" aria-label={play_label}
                        title={play_title} aria-disabled={off(play_off)}
                        onclick={click(&props.on_toggle, play_off)}>
                        { play_icon }<span class="play-text" aria-hidden="true">{ play_text }</span>
                    </button>
                    <button type="button" class="icon-button" aria-label="Next step"
                        title={next_title} aria-disabled={off(at_end || no_steps || props.waiting)}
                        onclick={click(&props.on_next, at_end || no_steps || props.waiting)}>{ icons::next() }</button>
                    <button type="button" class="icon-button" aria-label="Last step"
                        title="Last step (End)" aria-disabled={off(at_end || no_steps)}
                        onclick={click(&props.on_last, at_end || no_steps)}>{ icons::last() }</button>
                </div>
                <p class="step-count" id="step-count">
                    if at_start {
                        { format!("Start · {} steps", num(props.len as u64)) }
                    } else {
                        { format!("Step {} of {}", num(props.pos as u64), num(props.len as u64)) }
                    }
                </p>
                <label class="speed">
                    <span>{ "Speed" }</span>
                    <select ref={speed_select} aria-label="Playback speed" onchange={on_speed}>
                        { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                            <option value={i.to_string()} selected={i == props.speed}>{ s.label }</option>
                        }) }
                    </select>
                </label>
                <p class="keys-hint">
                    <kbd>{ "Space" }</kbd>{ " play · " }
                    <kbd>{ "←" }</kbd><kbd>{ "→" }</kbd>{ " step · " }
                    <kbd>{ "Home" }</kbd><kbd>{ "End" }</kbd>{ " · " }
                    <kbd>{ "+" }</kbd><kbd>{ "−" }</kbd>{ " speed" }
                </p>
            </div>
            <div class="passed-status" role="status">{ for passed }</div>
            <Timeline pos={props.pos} len={props.len} marks={props.marks.clone()}
                disabled={props.busy} on_seek={props.on_seek.clone()} />
        </section>
    }
}
