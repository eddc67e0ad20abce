//! Reads a long lesson file in chunks so the page never blocks (see [`super::chunked`]):
//! each chunk parses steps (`ioasid_core::lesson::LessonReader`) and reports progress, and
//! the last hands the parsed lesson (or its mistakes) back with `Action::Read`. A new
//! request (or unmounting) cancels the old one.
use super::chunked::{self, now_ms, Chunked};
use crate::state::{Action, AppState, ReadRequest};
use ioasid_core::lesson::LessonReader;
use std::rc::Rc;
use yew::prelude::*;

/// Steps parsed between two looks at the clock.
const CHUNK: usize = 100;

struct ReadWork {
    gen: u64,
    /// The text until the first chunk scans it, then the reader.
    text: Option<Rc<String>>,
    reader: Option<LessonReader>,
}

impl Chunked for ReadWork {
    fn work(&mut self, deadline: f64) -> (Option<Action>, bool) {
        if let Some(text) = self.text.take() {
            // The scan of the whole text (one pass over its bytes) is a chunk of its own.
            let text = Rc::try_unwrap(text).unwrap_or_else(|rc| (*rc).clone());
            self.reader = Some(LessonReader::new(text));
        }
        let gen = self.gen;
        let Some(reader) = self.reader.as_mut() else {
            return (None, false);
        };
        let mut done = false;
        while !done && now_ms() < deadline {
            done = reader.advance(CHUNK);
        }
        if done {
            let lesson = self.reader.take().map(LessonReader::finish);
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
    }
}

/// Reads `request` (if any) in chunks; a new request replaces the old one.
#[hook]
pub fn use_read_job(request: Option<ReadRequest>, dispatch: UseReducerDispatcher<AppState>) {
    let gen = request.as_ref().map(|r| r.gen);
    use_effect_with(gen, move |_| {
        let task = request.map(|req| {
            chunked::start(
                ReadWork {
                    gen: req.gen,
                    text: Some(req.text),
                    reader: None,
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
