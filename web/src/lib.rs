//! IOASID Lab's browser app: renders the trace computed by `ioasid-core`.
//!
//! One `Reducible` state ([`state::AppState`]) with one `Action` enum, shared through a
//! `ContextProvider`; the components under [`components`] render it, the hooks under
//! [`hooks`] connect it to the keyboard, timers, the URL and the theme.
use components::allocators::Allocators;
use components::code_pane::CodePane;
use components::drop_zone::DropZone;
use components::fault_path::FaultPath;
use components::hazard_ledger::HazardLedger;
use components::id_space::IdSpace;
use components::import_export::ImportExport;
use components::lesson_picker::LessonPicker;
use components::narration::Narration;
use components::notice_bar::NoticeBar;
use components::player::Player;
use components::processes::Processes;
use components::profile_bar::ProfileBar;
use components::progress_bar::ProgressBar;
use components::readers::Readers;
use components::sandbox::Sandbox;
use components::sets::Sets;
use components::sources::Sources;
use components::theme_picker::ThemePicker;
use state::{Action, AppContext, AppState, StartRun, SPEEDS};
use view::{timeline_marks, ByPtr, StepRef};
use yew::prelude::*;

pub mod b64;
pub mod catalog;
pub mod components;
pub mod deflate;
pub mod hooks;
pub mod link;
pub mod state;
pub mod templates;
pub mod url;
pub mod view;

/// Timeline marks drawn at most (closer ones share a mark).
const MARK_BUCKETS: usize = 240;

/// Pixels between two timeline marks, at least (a mark is about 18 px wide).
const MARK_SPACING_PX: f64 = 20.0;

/// How many marks fit side by side in the window's width (the timeline spans it).
fn mark_buckets() -> usize {
    let width = gloo::utils::window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .unwrap_or(1280.0);
    ((width / MARK_SPACING_PX) as usize).clamp(8, MARK_BUCKETS)
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// Start with this run instead of the one the URL names (tests, benchmarks).
    #[prop_or_default]
    pub start: Option<StartRun>,
    /// Read the start from the URL and keep the URL in step with the app.
    #[prop_or(true)]
    pub url_state: bool,
}

impl Default for AppProps {
    fn default() -> Self {
        AppProps {
            start: None,
            url_state: true,
        }
    }
}

/// Calls `f` once the browser has painted the next frame: a timeout queued from an
/// animation frame runs after that frame's paint.
fn after_next_paint(f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
        gloo::timers::callback::Timeout::new(0, f).forget();
    });
    if gloo::utils::window()
        .request_animation_frame(cb.unchecked_ref())
        .is_err()
    {
        // No animation frames (not expected in a browser): show everything now.
        cb.unchecked_ref::<js_sys::Function>().call0(&cb).ok();
    }
}

fn initial_state(start: Option<StartRun>, url_state: bool) -> AppState {
    let theme = hooks::use_theme::stored_theme();
    // Before the first render, so the canvas reads the right colours.
    hooks::use_theme::apply_theme(theme);
    match start {
        Some(s) => AppState::from_run(&s, theme),
        None => {
            // A link whose run is packed shows once the hook has unpacked it.
            let link = if url_state {
                hooks::use_url_state::address_link()
            } else {
                link::Link::default()
            };
            AppState::from_link(&link, theme)
        }
    }
}

/// The whole app.
#[component]
pub fn App(props: &AppProps) -> Html {
    let start = props.start.clone();
    let url_state = props.url_state;
    // The page itself (no start given) draws the player and the story first, and the ID
    // space and the panels once that is painted: the learner sees the step sooner.
    let settled = use_state_eq(|| start.is_some());
    let state = use_reducer(move || initial_state(start, url_state));
    {
        let settled = settled.clone();
        use_effect_with((), move |_| {
            if !*settled {
                after_next_paint(move || settled.set(true));
            }
        });
    }
    hooks::use_keyboard(state.dispatcher());
    // At 1× a step stays as long as its text takes to read; a speed scales that.
    let read = state.index().and_then(|i| state.trace.steps.get(i)).map_or(
        ioasid_core::narrate::MIN_STEP_MS,
        ioasid_core::narrate::step_reading_ms,
    );
    let delay = SPEEDS.get(state.speed).map_or(read, |s| s.scale(read));
    hooks::use_playback(state.playing, state.pos, delay, state.dispatcher());
    hooks::use_url_state(&state, state.dispatcher(), url_state);
    hooks::use_theme(state.theme);
    hooks::use_run_job(state.request.clone(), state.dispatcher());
    hooks::use_read_job(state.reading.clone(), state.dispatcher());
    let marks = use_memo(
        (ByPtr(state.trace.clone()), mark_buckets()),
        |(t, buckets)| timeline_marks(&t.0, *buckets),
    );

    let send = |a: fn() -> Action| {
        let d = state.dispatcher();
        Callback::from(move |()| d.dispatch(a()))
    };
    let on_speed = {
        let d = state.dispatcher();
        Callback::from(move |i: usize| d.dispatch(Action::SetSpeed(i)))
    };
    let on_seek = {
        let d = state.dispatcher();
        Callback::from(move |i: usize| d.dispatch(Action::Seek(i)))
    };
    // Kept from render to render while the same pick question waits, so the ID space
    // is not drawn again for a new callback.
    let on_pick = {
        let d = state.dispatcher();
        use_callback(
            state.pending_pick(),
            move |id: u32, step: &Option<usize>| {
                if let Some(step) = *step {
                    let reply = state::Reply::Id(u64::from(id));
                    d.dispatch(Action::AnswerQuestion { step, reply });
                }
            },
        )
    };
    let trace = ByPtr(state.trace.clone());
    let world = ByPtr(state.world.clone());
    let before = ByPtr(state.before.clone());
    let revealed = state.revealed();
    let step = state.index().map(|index| StepRef {
        trace: trace.clone(),
        index,
    });
    let shown = step.clone().filter(|_| revealed);
    let busy = state.request.is_some();

    html! {
        <ContextProvider<AppContext> context={state.clone()}>
            <DropZone>
                <div class={classes!("app", busy.then_some("busy"))}>
                    <header class="topbar">
                        <h1>{ "IOASID Lab" }</h1>
                        <LessonPicker />
                        <ImportExport />
                        <Sources />
                        <ThemePicker />
                    </header>
                    <NoticeBar />
                    <ProfileBar />
                    <ProgressBar />
                    <Player pos={state.pos} len={state.len()} playing={state.playing} speed={state.speed}
                        waiting={state.pending_question().is_some()} busy={busy} marks={marks.clone()}
                        passed_questions={state.passed_questions.clone()}
                        on_first={send(|| Action::First)} on_prev={send(|| Action::Prev)}
                        on_toggle={send(|| Action::TogglePlay)} on_next={send(|| Action::Next)}
                        on_last={send(|| Action::Last)} on_speed={on_speed} on_seek={on_seek} />
                    <main class="stage" aria-busy={busy.then_some("true")}>
                        <div class="col-story">
                            <Narration />
                            <CodePane step={step} revealed={revealed} profile={state.profile} />
                        </div>
                        <div class="col-space">
                            if *settled {
                                <IdSpace world={world.clone()} trace={trace.clone()} step={shown.clone()} theme={state.theme}
                                    hold_hints={state.question_about_an_id()} on_pick={state.pending_pick().map(|_| on_pick.clone())} />
                            }
                        </div>
                        <div class="panels">
                            if *settled {
                                <Allocators world={world.clone()} before={before.clone()} step={shown.clone()} />
                                <Sets world={world.clone()} before={before.clone()} step={shown.clone()} />
                                <Readers world={world.clone()} before={before.clone()} step={shown.clone()} />
                                <HazardLedger trace={trace.clone()}
                                    index={state.index().and_then(|i| if revealed { Some(i) } else { i.checked_sub(1) })} />
                                <div class="panel-stack">
                                    <FaultPath world={world.clone()} step={shown.clone()} />
                                    <Processes world={world.clone()} before={before.clone()} />
                                </div>
                            }
                        </div>
                        if *settled { <Sandbox /> }
                    </main>
                    <footer class="footer">
                        <p>{ "IOASID Lab models the Linux IOASID (PASID) allocator from v5.5 to v6.6. The pseudo-code is our own, not kernel source: each listing names the kernel function it follows, and Sources lists them all." }</p>
                    </footer>
                </div>
            </DropZone>
        </ContextProvider<AppContext>>
    }
}
