//! Computes a long run in chunks so the page never blocks (see [`super::chunked`]): each
//! chunk advances the runner, reports progress, and the last hands the finished trace
//! back with `Action::Computed`. A new request (or unmounting) cancels the old one.
use super::chunked::{self, now_ms, Chunked};
use crate::state::{Action, AppState, RunRequest};
use ioasid_core::Runner;
use std::rc::Rc;
use yew::prelude::*;

/// Steps between two looks at the clock.
const CHUNK: usize = 200;

struct RunWork {
    gen: u64,
    runner: Option<Runner>,
}

impl Chunked for RunWork {
    fn work(&mut self, deadline: f64) -> (Option<Action>, bool) {
        let Some(runner) = self.runner.as_mut() else {
            return (None, false);
        };
        let mut done = false;
        while !done && now_ms() < deadline {
            done = runner.advance(CHUNK);
        }
        let (steps, total) = runner.progress();
        let gen = self.gen;
        if done {
            let trace = self.runner.take().map(Runner::finish);
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
    }
}

/// Runs `request` (if any) in chunks; a new request replaces the old one.
#[hook]
pub fn use_run_job(request: Option<RunRequest>, dispatch: UseReducerDispatcher<AppState>) {
    let gen = request.as_ref().map(|r| r.gen);
    use_effect_with(gen, move |_| {
        let task = request.map(|req| {
            let runner = Runner::shared(req.lesson, req.extra, req.profile, req.knobs, true);
            chunked::start(
                RunWork {
                    gen: req.gen,
                    runner: Some(runner),
                },
                dispatch,
            )
        });
        move || {
            if let Some(task) = task {
                chunked::cancel(&task);
            }
        }
    });
}
