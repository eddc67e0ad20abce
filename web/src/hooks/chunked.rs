//! The one driver behind the page's chunked work (a long run, a long file read): a
//! timeout per chunk, each working for at most `BUDGET_MS`, then sending what it has
//! (progress, or the result) to the app. Cancelling (a new request, or unmounting) stops
//! it at its next chunk.
use crate::state::{Action, AppState};
use gloo::timers::callback::Timeout;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The most one chunk may take, in milliseconds.
const BUDGET_MS: f64 = 25.0;

/// Work done a chunk at a time.
pub(crate) trait Chunked: 'static {
    /// Works until `now_ms()` passes `deadline` or the work is done. Returns the message
    /// for the app (progress, or the result) and whether more chunks are needed.
    fn work(&mut self, deadline: f64) -> (Option<Action>, bool);
}

/// A piece of work in flight. Dropping the handle does not stop it: [`cancel`] does.
pub(crate) struct Task<W> {
    work: Option<W>,
    cancelled: bool,
    dispatch: UseReducerDispatcher<AppState>,
}

/// Milliseconds from an arbitrary start (the Performance API's clock).
pub fn now_ms() -> f64 {
    gloo::utils::window()
        .performance()
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// Starts `work`; its first chunk runs after the current task.
pub(crate) fn start<W: Chunked>(
    work: W,
    dispatch: UseReducerDispatcher<AppState>,
) -> Rc<RefCell<Task<W>>> {
    let task = Rc::new(RefCell::new(Task {
        work: Some(work),
        cancelled: false,
        dispatch,
    }));
    schedule(Rc::clone(&task));
    task
}

/// Stops `task` at its next chunk and lets its work go.
pub(crate) fn cancel<W>(task: &Rc<RefCell<Task<W>>>) {
    let mut t = task.borrow_mut();
    t.cancelled = true;
    t.work = None;
}

fn schedule<W: Chunked>(task: Rc<RefCell<Task<W>>>) {
    // A timeout that owns its closure must not be dropped while that closure runs, so
    // each one is let go; cancelling sets the flag it checks.
    Timeout::new(0, move || run_chunk(task)).forget();
}

fn run_chunk<W: Chunked>(task: Rc<RefCell<Task<W>>>) {
    let (message, again) = {
        let mut t = task.borrow_mut();
        if t.cancelled {
            return;
        }
        let Some(work) = t.work.as_mut() else {
            return;
        };
        let (message, again) = work.work(now_ms() + BUDGET_MS);
        if !again {
            t.work = None;
        }
        (message, again)
    };
    let dispatch = task.borrow().dispatch.clone();
    if let Some(m) = message {
        dispatch.dispatch(m);
    }
    if again {
        schedule(task);
    }
}
