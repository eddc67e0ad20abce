//! The scrubbable timeline: a slider over the steps, with marks on the steps that matter
//! (an error, an allocator switch, a page response, a question, a broken expectation).
//!
//! The marks come as many as fit the window (20 px apart, see `lib.rs`), but the track is
//! narrower than the window and two marks of neighbouring buckets can be a step apart, so
//! the timeline measures its track and draws marks closer than a mark's width as one mark:
//! it stands where the first of them is, shows the kinds of them all (up to two glyphs) and
//! its title names every step and kind. "Previous/Next marked step" still visit each step.
use crate::state::AppContext;
use crate::view::{marker_info, marker_rank, step_list, TimelineMark};
use gloo::events::EventListener;
use ioasid_core::trace::Marker;
use std::rc::Rc;
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

/// Half the slider thumb's width, px: the thumb's centre runs from this far inside the
/// track's left edge to this far inside its right edge (`.mark`'s `left` says the same).
const THUMB_HALF_PX: f64 = 9.0;
/// A mark's width with one glyph and with two (`.mark`, `.mark-multi` in app.css), in rem.
const MARK_REM: f64 = 1.15;
const MARK_MULTI_REM: f64 = 1.8;
/// The ring around the current step's mark (`.mark-current`), px.
const RING_PX: f64 = 2.0;
/// The track's height (`.marks` in app.css), in rem.
const TRACK_REM: f64 = 1.25;
/// Room left between two marks, in rem.
const GAP_REM: f64 = 0.15;

fn marker_class(m: Marker) -> &'static str {
    match m {
        Marker::Error => "mark mark-error",
        Marker::AllocatorSwitch => "mark mark-switch",
        Marker::FaultResponse => "mark mark-response",
        Marker::ExpectFailed => "mark mark-expect",
        Marker::Question => "mark mark-question",
        Marker::HazardCreated => "mark mark-hazard",
        Marker::HazardBites => "mark mark-bite",
    }
}

/// The colour of a second glyph inside a mark.
fn glyph_class(m: Marker) -> &'static str {
    match m {
        Marker::Error => "glyph-error",
        Marker::AllocatorSwitch => "glyph-switch",
        Marker::FaultResponse => "glyph-response",
        Marker::ExpectFailed => "glyph-expect",
        Marker::Question => "glyph-question",
        Marker::HazardCreated => "glyph-hazard",
        Marker::HazardBites => "glyph-bite",
    }
}

/// Adds `more` to `kinds`, keeping them distinct and the most telling first.
fn add_kinds(kinds: &mut Vec<Marker>, more: &[Marker]) {
    // An insertion by rank: there are at most five kinds, and a library sort would add
    // kilobytes of WebAssembly for them.
    for &k in more {
        if !kinds.contains(&k) {
            let at = kinds
                .iter()
                .position(|o| marker_rank(*o) < marker_rank(k))
                .unwrap_or(kinds.len());
            kinds.insert(at, k);
        }
    }
}

/// The track's width and the root font size, px; `None` while it is not laid out.
fn measure(track: &NodeRef) -> Option<(f64, f64)> {
    let el = track.cast::<web_sys::Element>()?;
    let width = f64::from(el.client_width());
    if width <= 0.0 {
        return None;
    }
    // The track is 1.25rem tall (`.marks` in app.css): its height gives the rem without
    // reading and parsing a computed style.
    let rem = match el.client_height() {
        h if h > 0 => f64::from(h) / TRACK_REM,
        _ => 16.0,
    };
    Some((width, rem))
}

/// One drawn mark: the marked steps it stands for and all their kinds.
#[derive(Clone, PartialEq)]
pub struct MarkGroup {
    /// The steps (1-based), in order; the mark stands at the first.
    pub steps: Vec<usize>,
    /// Distinct kinds, the most telling first.
    pub kinds: Vec<Marker>,
    /// Marked steps near them that were already folded into one of `steps` upstream.
    pub hidden: usize,
}

impl MarkGroup {
    fn width_rem(&self) -> f64 {
        if self.kinds.len() > 1 {
            MARK_MULTI_REM
        } else {
            MARK_REM
        }
    }

    /// What the mark says: "Steps 12 and 13: a question, an error".
    pub fn title(&self) -> String {
        let numbers: Vec<u64> = self.steps.iter().map(|s| *s as u64).collect();
        let steps = match numbers.len() {
            0 => String::new(),
            1 => format!("Step {}", step_list(&numbers)),
            _ => format!("Steps {}", step_list(&numbers)),
        };
        let kinds: Vec<&str> = self.kinds.iter().map(|k| marker_info(*k).0).collect();
        let mut title = format!("{steps}: {}", kinds.join(", "));
        if self.hidden > 0 {
            title.push_str(&format!(
                " (and {} more marked step{} near {})",
                self.hidden,
                if self.hidden == 1 { "" } else { "s" },
                if self.steps.len() == 1 { "it" } else { "them" }
            ));
        }
        title
    }
}

/// Where the centre of a mark on `step` stands, px from the track's left edge, for a track
/// `width` px wide: under the slider thumb at that step, but never so near an end that the
/// widest mark (and its ring) would stick out of the track.
fn mark_x(step: usize, len: usize, width: f64, rem: f64) -> f64 {
    let x = THUMB_HALF_PX + (width - 2.0 * THUMB_HALF_PX) * step as f64 / len.max(1) as f64;
    let half = MARK_MULTI_REM * rem / 2.0 + RING_PX;
    // Not `f64::clamp`: its "min > max" panic message would bring float printing
    // (kilobytes of WebAssembly) into the build.
    x.min(width - half).max(half)
}

/// The marks as drawn on a track `width` px wide (root font `rem` px): walking from the
/// left, a mark joins the one before when their centres are closer than half their widths
/// (the later one counted at its widest, as it may still gain a second glyph) plus a gap,
/// so no two drawn marks overlap. `kinds_of` gives a step's kinds.
pub fn group_marks(
    marks: &[TimelineMark],
    len: usize,
    width: f64,
    rem: f64,
    kinds_of: impl Fn(&TimelineMark) -> Vec<Marker>,
) -> Vec<MarkGroup> {
    let mut out: Vec<(f64, MarkGroup)> = Vec::new();
    for m in marks {
        let x = mark_x(m.step, len, width, rem);
        let kinds = kinds_of(m);
        if let Some((gx, g)) = out.last_mut() {
            let room = (g.width_rem() + MARK_MULTI_REM) * rem / 2.0 + GAP_REM * rem + RING_PX;
            if x - *gx < room {
                g.steps.push(m.step);
                add_kinds(&mut g.kinds, &kinds);
                g.hidden += m.count.saturating_sub(1);
                continue;
            }
        }
        let mut g = MarkGroup {
            steps: vec![m.step],
            kinds: Vec::new(),
            hidden: m.count.saturating_sub(1),
        };
        add_kinds(&mut g.kinds, &kinds);
        out.push((x, g));
    }
    out.into_iter().map(|(_, g)| g).collect()
}

#[component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let state = use_context::<AppContext>();
    let track = use_node_ref();
    // The track's width and the rem, px: measured when the run changes and on resizing,
    // not after every step (reading a width forces a layout of the whole page).
    let size = use_state_eq(|| None::<(f64, f64)>);
    {
        let (track, size) = (track.clone(), size.clone());
        use_effect_with(props.len, move |_| {
            if let Some(m) = measure(&track) {
                size.set(Some(m));
            }
        });
    }
    {
        let (track, size) = (track.clone(), size.clone());
        use_effect_with((), move |_| {
            let listener = EventListener::new(&gloo::utils::window(), "resize", move |_| {
                if let Some(m) = measure(&track) {
                    size.set(Some(m));
                }
            });
            move || drop(listener)
        });
    }
    let on_input = {
        let cb = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                if let Ok(v) = input.value().parse::<usize>() {
                    cb.emit(v);
                }
            }
        })
    };
    let len = props.len.max(1);
    // Every kind of a marked step (a question that also fails is both), from the trace;
    // a question not answered yet is only a question: its other kinds would give the
    // answer away.
    let kinds_of = |m: &TimelineMark| -> Vec<Marker> {
        let Some(s) = state.as_ref() else {
            return vec![m.marker];
        };
        let step = m.step.checked_sub(1).and_then(|i| s.trace.steps.get(i));
        match step {
            Some(st) if st.index + 1 == m.step && st.markers.contains(&m.marker) => {
                if st.markers.contains(&Marker::Question) && !s.answers.contains_key(&st.index) {
                    return vec![Marker::Question];
                }
                let mut kinds = vec![m.marker];
                add_kinds(&mut kinds, &st.markers);
                kinds
            }
            _ => vec![m.marker],
        }
    };
    let (width, rem) = (*size).unwrap_or_else(|| {
        let w = gloo::utils::window()
            .inner_width()
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(800.0);
        ((w - 32.0).max(100.0), 16.0)
    });
    let groups = group_marks(&props.marks, len, width, rem, kinds_of);
    let next_mark = props.marks.iter().find(|m| m.step > props.pos);
    let prev_mark = props.marks.iter().rev().find(|m| m.step < props.pos);
    let describe = |m: Option<&TimelineMark>| {
        m.map(|m| {
            MarkGroup {
                steps: vec![m.step],
                kinds: kinds_of(m),
                hidden: 0,
            }
            .title()
        })
    };
    let (next_title, prev_title) = (describe(next_mark), describe(prev_mark));
    let (next_mark, prev_mark) = (next_mark.map(|m| m.step), prev_mark.map(|m| m.step));
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
        Marker::HazardCreated,
        Marker::HazardBites,
    ]
    .into_iter()
    .filter(|k| groups.iter().any(|g| g.kinds.contains(k)))
    .collect();
    html! {
        <div class="timeline">
            <div class="marks" ref={track}>
                { for groups.iter().map(|g| {
                    let first = g.steps[0];
                    // Half of MARK_MULTI_REM or MARK_REM, written out: formatting an f64
                    // would pull float printing (kilobytes of WebAssembly) into the build.
                    let half = if g.kinds.len() > 1 { "0.9rem" } else { "0.575rem" };
                    // As `mark_x` (thumb 9 px, ring 2 px), in CSS so that it follows the
                    // track between measurements.
                    let left = format!(
                        "left: clamp(calc({half} + 2px), calc(9px + (100% - 18px) * {first} / {len}), calc(100% - {half} - 2px))"
                    );
                    let cb = props.on_seek.clone();
                    let current = g.steps.contains(&props.pos);
                    html! {
                        <span aria-hidden="true"
                            class={classes!(marker_class(g.kinds[0]), (g.kinds.len() > 1).then_some("mark-multi"), current.then_some("mark-current"))}
                            style={left} title={g.title()}
                            onclick={Callback::from(move |_: MouseEvent| cb.emit(first))}>
                            { for g.kinds.iter().take(2).enumerate().map(|(i, k)| {
                                let glyph = marker_info(*k).1;
                                if i == 0 { html! { { glyph } } } else { html! { <span class={glyph_class(*k)}>{ glyph }</span> } }
                            }) }
                        </span>
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
                        title={prev_title} onclick={jump(prev_mark)}>{ "‹ Previous marked step" }</button>
                    <ul class="legend" aria-label="Marks on the timeline">
                        { for present.iter().map(|k| {
                            let (what, glyph) = marker_info(*k);
                            html! { <li><span class={marker_class(*k)} aria-hidden="true">{ glyph }</span>{ what }</li> }
                        }) }
                    </ul>
                    <button type="button" class="link-button" disabled={next_mark.is_none() || props.disabled}
                        title={next_title} onclick={jump(next_mark)}>{ "Next marked step ›" }</button>
                </div>
            }
        </div>
    }
}
