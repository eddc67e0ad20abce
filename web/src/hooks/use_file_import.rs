//! Reading a lesson file the learner picked or dropped, then importing it.
use crate::state::{Action, AppState, Notice};
use gloo::file::callbacks::FileReader;
use gloo::timers::callback::Timeout;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Files beyond this size get a "reading" message first (parsing them takes a moment).
const BIG_FILE_BYTES: u64 = 2_000_000;

/// Lesson files beyond this size are refused before reading.
pub const MAX_IMPORT_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// A callback that reads a file, decodes it as text and imports it as a lesson.
#[hook]
pub fn use_file_import(
    dispatch: Option<UseReducerDispatcher<AppState>>,
) -> Callback<web_sys::File> {
    let reader: Rc<RefCell<Option<FileReader>>> = use_mut_ref(|| None);
    use_callback(dispatch, move |file: web_sys::File, dispatch| {
        let Some(dispatch) = dispatch else {
            return;
        };
        let name = file.name();
        if file.size() > MAX_IMPORT_BYTES {
            dispatch.dispatch(Action::ShowNotice(Notice {
                error: true,
                title: format!("{name} could not be imported. The lesson shown has not changed."),
                details: vec!["The file is too big for a lesson.".into()],
            }));
            return;
        }
        let dispatch = dispatch.clone();
        let file = gloo::file::File::from(file);
        let big = file.size() > BIG_FILE_BYTES;
        if big {
            dispatch.dispatch(Action::ShowNotice(Notice {
                error: false,
                title: format!("Reading {name} ({} MB)…", (file.size() / 1_000_000).max(1)),
                details: vec![
                    "A big lesson takes a moment to read; its steps are then run in chunks.".into(),
                ],
            }));
        }
        // Bytes, decoded by the core as the command line decodes a file (a byte-order
        // mark skipped, invalid UTF-8 refused with its position, not replaced).
        let task = gloo::file::callbacks::read_as_bytes(&file, move |result| {
            match result.map(ioasid_core::lesson::decode_owned) {
                Ok(Err(e)) => dispatch.dispatch(Action::ShowNotice(Notice {
                    error: true,
                    title: format!(
                        "{name} could not be imported. The lesson shown has not changed."
                    ),
                    details: vec![e.to_string()],
                })),
                Ok(Ok(text)) if big => {
                    // Let the page show the message before the (long) parse.
                    Timeout::new(50, move || {
                        dispatch.dispatch(Action::LoadLessonText { name, text })
                    })
                    .forget();
                }
                Ok(Ok(text)) => dispatch.dispatch(Action::LoadLessonText { name, text }),
                Err(e) => dispatch.dispatch(Action::ShowNotice(Notice {
                    error: true,
                    title: format!("{name} could not be read."),
                    details: vec![e.to_string()],
                })),
            }
        });
        *reader.borrow_mut() = Some(task);
    })
}
