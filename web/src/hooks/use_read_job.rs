//! Reads a long lesson file in chunks so the page never blocks: a timeout per chunk, each
//! parsing steps for at most `BUDGET_MS` (`ioasid_core::lesson::LessonReader`), reporting
//! progress, and handing the parsed lesson (or its mistakes) back with `Action::Read`.
//! A new request (or unmounting) cancels the old one.
use crate::hooks::use_run_job::now_ms;
use crate::state::{Action, AppState, ReadRequest};
use gloo::timers::callback::Timeout;
use ioasid_core::lesson::LessonReader;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Steps parsed between two looks at the clock.
const CHUNK: usize = 100;
/// The most one chunk may take, in milliseconds.
const BUDGET_MS: f64 = 25.0;

struct Job {
    gen: u64,
    /// The text until the first chunk scans it, then the reader.
    text: Option<Rc<String>>,
    reader: Option<LessonReader>,
    cancelled: bool,
    dispatch: UseReducerDispatcher<AppState>,
}

fn schedule(job: Rc<RefCell<Job>>) {
    // As in `use_run_job`: the timeout is let go; cancelling sets the flag it checks.
    Timeout::new(0, move || run_chunk(job)).forget();
}

fn run_chunk(job: Rc<RefCell<Job>>) {
    let (message, again) = {
        let mut j = job.borrow_mut();
        if j.cancelled {
            return;
        }
        let start = now_ms();
        if let Some(text) = j.text.take() {
            // The scan of the whole text (one pass over its bytes) is a chunk of its own.
            let text = Rc::try_unwrap(text).unwrap_or_else(|rc| (*rc).clone());
            j.reader = Some(LessonReader::new(text));
        }
        let gen = j.gen;
        let Some(reader) = j.reader.as_mut() else {
            return;
        };
        let mut done = false;
        while !done && now_ms() - start < BUDGET_MS {
            done = reader.advance(CHUNK);
        }
        if done {
            let lesson = j.reader.take().map(LessonReader::finish);
            (
                lesson.map(|l| Action::Read {
                    gen,
                    lesson: Rc::new(l),
                }),
                false,
            )
        } else {
            let (done, total) = reader.progress();
            (Some(Action::ReadProgress { gen, done, total }), true)
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

/// Reads `request` (if any) in chunks; a new request replaces the old one.
#[hook]
pub fn use_read_job(request: Option<ReadRequest>, dispatch: UseReducerDispatcher<AppState>) {
    let gen = request.as_ref().map(|r| r.gen);
    use_effect_with(gen, move |_| {
        let job = request.map(|req| {
            let job = Rc::new(RefCell::new(Job {
                gen: req.gen,
                text: Some(req.text),
                reader: None,
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
                j.reader = None;
                j.text = None;
            }
        }
    });
}
