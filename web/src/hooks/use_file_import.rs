//! Reading a lesson file the learner picked or dropped, then importing it.
use crate::state::{Action, AppState, Notice};
use gloo::file::callbacks::FileReader;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Lesson files beyond this size are refused before reading.
pub const MAX_IMPORT_BYTES: f64 = 256.0 * 1024.0 * 1024.0;

/// A callback that reads a file as text and imports it as a lesson.
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
                title: format!("{name} could not be imported."),
                details: vec!["The file is too big for a lesson.".into()],
            }));
            return;
        }
        let dispatch = dispatch.clone();
        let file = gloo::file::File::from(file);
        let task = gloo::file::callbacks::read_as_text(&file, move |result| match result {
            Ok(text) => dispatch.dispatch(Action::LoadLessonText { name, text }),
            Err(e) => dispatch.dispatch(Action::ShowNotice(Notice {
                error: true,
                title: format!("{name} could not be read."),
                details: vec![e.to_string()],
            })),
        });
        *reader.borrow_mut() = Some(task);
    })
}
