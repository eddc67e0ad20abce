//! The scrubbable timeline: a slider over the steps, with marks on the steps that matter
//! (an error, an allocator switch, a page response, a question, a broken expectation).
use crate::view::{marker_info, num, TimelineMark};
use ioasid_core::trace::Marker;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub pos: usize,
    pub len: usize,
    pub marks: Rc<Vec<TimelineMark>>,
    #[prop_or_default]
    pub disabled: bool,
    pub on_seek: Callback<usize>,
}

fn marker_class(m: Marker) -> &'static str {
    match m {
        Marker::Error => "mark mark-error",
        Marker::AllocatorSwitch => "mark mark-switch",
        Marker::FaultResponse => "mark mark-response",
        Marker::ExpectFailed => "mark mark-expect",
        Marker::Question => "mark mark-question",
    }
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let on_input = {
        let cb = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
            {
                if let Ok(v) = input.value().parse::<usize>() {
                    cb.emit(v);
                }
            }
        })
    };
    let len = props.len.max(1);
    let next_mark = props
        .marks
        .iter()
        .find(|m| m.step > props.pos)
        .map(|m| m.step);
    let prev_mark = props
        .marks
        .iter()
        .rev()
        .find(|m| m.step < props.pos)
        .map(|m| m.step);
    let jump = |to: Option<usize>| {
        let cb = props.on_seek.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = to {
                cb.emit(s);
            }
        })
    };
    let present: Vec<Marker> = [
        Marker::Error,
        Marker::AllocatorSwitch,
        Marker::FaultResponse,
        Marker::Question,
        Marker::ExpectFailed,
    ]
    .into_iter()
    .filter(|k| props.marks.iter().any(|m| m.marker == *k))
    .collect();
    html! {
        <div class="timeline">
            <div class="marks">
                { for props.marks.iter().map(|m| {
                    let (what, glyph) = marker_info(m.marker);
                    let title = if m.count > 1 {
                        format!("Step {}: {what} (and {} more marked steps near it)", num(m.step as u64), m.count - 1)
                    } else {
                        format!("Step {}: {what}", num(m.step as u64))
                    };
                    let left = format!("left: calc(100% * {} / {len})", m.step);
                    let cb = props.on_seek.clone();
                    let step = m.step;
                    html! {
                        <span aria-hidden="true"
                            class={classes!(marker_class(m.marker), (m.step == props.pos).then_some("mark-current"))}
                            style={left} title={title}
                            onclick={Callback::from(move |_: MouseEvent| cb.emit(step))}>{ glyph }</span>
                    }
                }) }
            </div>
            <input type="range" class="scrubber" min="0" max={props.len.to_string()}
                value={props.pos.to_string()} disabled={props.disabled || props.len == 0}
                aria-label="Timeline" aria-describedby="step-count"
                aria-valuetext={if props.pos == 0 { "Start".to_string() } else { format!("Step {} of {}", props.pos, props.len) }}
                oninput={on_input} />
            if !present.is_empty() {
                <div class="timeline-foot">
                    <button type="button" class="link-button" disabled={prev_mark.is_none() || props.disabled}
                        onclick={jump(prev_mark)}>{ "‹ Previous marked step" }</button>
                    <ul class="legend" aria-label="Marks on the timeline">
                        { for present.iter().map(|k| {
                            let (what, glyph) = marker_info(*k);
                            html! { <li><span class={marker_class(*k)} aria-hidden="true">{ glyph }</span>{ what }</li> }
                        }) }
                    </ul>
                    <button type="button" class="link-button" disabled={next_mark.is_none() || props.disabled}
                        onclick={jump(next_mark)}>{ "Next marked step ›" }</button>
                </div>
            }
        </div>
    }
}
