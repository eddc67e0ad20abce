//! The playback timer: while playing, one `Tick` after each delay. Dropping the timeout
//! (a new step, a pause, a speed change) cancels it.
use crate::state::{Action, AppState};
use gloo::timers::callback::Timeout;
use yew::prelude::*;

/// Ticks after `delay_ms` while `playing`; re-armed whenever the step changes.
#[hook]
pub fn use_playback(
    playing: bool,
    pos: usize,
    delay_ms: u32,
    dispatch: UseReducerDispatcher<AppState>,
) {
    use_effect_with((playing, pos, delay_ms), move |&(playing, _, delay)| {
        let timer = playing.then(|| Timeout::new(delay, move || dispatch.dispatch(Action::Tick)));
        move || drop(timer)
    });
}
