//! Computes a long run in chunks so the page never blocks: a timeout per chunk, each
//! advancing the runner for at most `BUDGET_MS`, reporting progress, and handing the
//! finished trace back with `Action::Computed`. A new request (or unmounting) cancels the
//! old one.
use crate::state::{Action, AppState, RunRequest};
use gloo::timers::callback::Timeout;
use ioasid_core::Runner;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Steps between two looks at the clock.
const CHUNK: usize = 200;
/// The most one chunk may take, in milliseconds.
const BUDGET_MS: f64 = 25.0;

struct Job {
    gen: u64,
    runner: Option<Runner>,
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

fn schedule(job: Rc<RefCell<Job>>) {
    // A timeout that owns its closure must not be dropped while that closure runs, so
    // each one is let go; cancelling sets the flag it checks.
    Timeout::new(0, move || run_chunk(job)).forget();
}

fn run_chunk(job: Rc<RefCell<Job>>) {
    let (message, again) = {
        let mut j = job.borrow_mut();
        if j.cancelled {
            return;
        }
        let start = now_ms();
        let Some(runner) = j.runner.as_mut() else {
            return;
        };
        let mut done = false;
        while !done && now_ms() - start < BUDGET_MS {
            done = runner.advance(CHUNK);
        }
        let (steps, total) = runner.progress();
        let gen = j.gen;
        if done {
            let trace = j.runner.take().map(Runner::finish);
            (
                trace.map(|t| Action::Computed {
                    gen,
                    trace: Rc::new(t),
                }),
                false,
            )
        } else {
            (
                Some(Action::Progress {
                    gen,
                    done: steps,
                    total,
                }),
                true,
            )
        }
    };
    let dispatch = job.borrow().dispatch.clone();
    if let Some(m) = message {
        dispatch.dispatch(m);
    }
    if again {
        schedule(job);
    }
}

/// Runs `request` (if any) in chunks; a new request replaces the old one.
#[hook]
pub fn use_run_job(request: Option<RunRequest>, dispatch: UseReducerDispatcher<AppState>) {
    let gen = request.as_ref().map(|r| r.gen);
    use_effect_with(gen, move |_| {
        let job = request.map(|req| {
            let runner = Runner::new(&req.lesson, req.profile, req.knobs.clone(), true);
            let job = Rc::new(RefCell::new(Job {
                gen: req.gen,
                runner: Some(runner),
                cancelled: false,
                dispatch,
            }));
            schedule(Rc::clone(&job));
            job
        });
        move || {
            if let Some(job) = job {
                let mut j = job.borrow_mut();
                j.cancelled = true;
                j.runner = None;
            }
        }
    });
}
