//! The built-in lessons: listed from `ioasid_core::lessons::INDEX`, and each one's
//! JSON fetched from `lessons/<id>.json` beside the page when it is first opened
//! ([`fetch`]), then parsed once and kept.
//!
//! The build carries only the list, not every lesson's text: the learner downloads the
//! lessons they open. The page fetches the lesson its address names before it first
//! draws (`main.rs`); the picker and the browser's Back and Forward fetch before they
//! open one. The crate's own tests read the lessons from `ioasid_core::lessons::ALL`
//! instead, as they run without a server.
use ioasid_core::lesson::Lesson;
use ioasid_core::lessons::{self, Listed};
use ioasid_core::Profile;
use std::cell::RefCell;
use std::rc::Rc;

/// A built-in lesson as the picker lists it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CatalogEntry {
    pub id: &'static str,
    /// Its number in the course (from its file name).
    pub number: Option<u32>,
    pub title: &'static str,
}

impl CatalogEntry {
    fn of(l: &'static Listed) -> CatalogEntry {
        CatalogEntry {
            id: l.id,
            number: lessons::number_of(l.id),
            title: l.title,
        }
    }
}

/// A lesson fetched and parsed, or why it could not be (in words, for a notice).
type Loaded = Result<Rc<Lesson>, String>;

thread_local! {
    /// The lessons fetched so far, by id.
    static LOADED: RefCell<Vec<(&'static str, Loaded)>> = const { RefCell::new(Vec::new()) };
}

/// Every built-in lesson, in course order.
pub fn catalog() -> impl Iterator<Item = CatalogEntry> {
    lessons::INDEX.iter().map(CatalogEntry::of)
}

/// The built-in lesson with this id, if there is one.
pub fn entry(id: &str) -> Option<CatalogEntry> {
    lessons::INDEX
        .iter()
        .find(|l| l.id == id)
        .map(CatalogEntry::of)
}

/// The built-in lesson `id`: `None` when there is no such lesson; else the lesson, or
/// why it cannot be shown (it could not be fetched or read, or was not fetched yet).
///
/// Does not fetch: call [`fetch`] first. Never fails otherwise; does not block.
pub fn lesson(id: &str) -> Option<Loaded> {
    let id = entry(id)?.id;
    let found = LOADED.with(|l| {
        l.borrow()
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, r)| r.clone())
    });
    Some(found.unwrap_or_else(|| not_fetched(id)))
}

#[cfg(not(test))]
fn not_fetched(id: &str) -> Loaded {
    Err(format!("lessons/{id}.json was not fetched"))
}

/// The crate's tests have no server: they read the lesson from the build.
#[cfg(test)]
fn not_fetched(id: &'static str) -> Loaded {
    let json = lessons::get(id).map(|b| b.json).unwrap_or_default();
    let loaded = parsed(json);
    LOADED.with(|l| l.borrow_mut().push((id, loaded.clone())));
    loaded
}

fn parsed(text: &str) -> Loaded {
    Lesson::parse(text)
        .map(Rc::new)
        .map_err(|e| crate::view::lesson_error(&e))
}

/// The id of the lesson shown when nothing else is asked for (or a link is broken).
pub fn default_id() -> Option<&'static str> {
    lessons::INDEX.first().map(|l| l.id)
}

/// The lesson shown when nothing else is asked for (or a link is broken): the first
/// built-in lesson, if it was fetched and parses, else an empty lesson.
pub fn default_lesson() -> (Option<&'static str>, Rc<Lesson>) {
    default_id()
        .and_then(|id| Some((Some(id), lesson(id)?.ok()?)))
        .unwrap_or_else(|| (None, Rc::new(empty_lesson())))
}

/// The built-in lessons a link needs before it can be shown: the one it names, and the
/// default one when it names none that exists (also for a run, shown instead of one
/// that cannot be read).
pub fn needed_by(link: &crate::link::Link) -> Vec<&'static str> {
    let named = match &link.lesson {
        Some(crate::link::LinkedLesson::BuiltIn(id)) => entry(id).map(|e| e.id),
        _ => None,
    };
    named.or_else(default_id).into_iter().collect()
}

/// Fetches the lessons `ids` not fetched yet, each from `lessons/<id>.json` relative to
/// the page, parses them and keeps them; then calls `done`, also when a fetch failed
/// (its lesson then says why, [`lesson`]).
///
/// Returns at once; `done` runs from the browser's event loop (in the crate's tests, at
/// once). Unknown ids are skipped.
pub fn fetch(ids: Vec<&'static str>, done: impl FnOnce() + 'static) {
    // One copy of the fetching code for every caller's `done`.
    fetch_then(ids, Box::new(done));
}

fn fetch_then(ids: Vec<&'static str>, done: Box<dyn FnOnce()>) {
    let missing: Vec<&'static str> = ids
        .into_iter()
        .filter_map(|id| entry(id).map(|e| e.id))
        .filter(|id| LOADED.with(|l| l.borrow().iter().all(|(i, _)| i != id)))
        .collect();
    if missing.is_empty() || cfg!(test) {
        done();
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        for id in missing {
            let loaded = match fetch_text(&format!("lessons/{id}.json")).await {
                Ok(text) => parsed(&text),
                Err(why) => Err(why),
            };
            LOADED.with(|l| l.borrow_mut().push((id, loaded)));
        }
        done();
    });
}

/// The text at `url` (relative to the page), or why it could not be had.
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let unreachable = || format!("{url} could not be fetched (the server did not answer)");
    let response = JsFuture::from(gloo::utils::window().fetch_with_str(url))
        .await
        .map_err(|_| unreachable())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| unreachable())?;
    if !response.ok() {
        return Err(format!(
            "{url} could not be fetched: the server answered {}{}",
            response.status(),
            if response.status() == 404 {
                " (not found); copy the whole built folder to the server again"
            } else {
                ""
            }
        ));
    }
    let text = response.text().map_err(|_| unreachable())?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(unreachable)
}

/// A lesson with no steps, for a start with nothing to show.
pub fn empty_lesson() -> Lesson {
    Lesson {
        title: "An empty run".into(),
        summary: "No steps yet: add some in the sandbox.".into(),
        intro: None,
        outro: None,
        profile: Profile::V5_5,
        profiles: vec![Profile::V5_5],
        knobs: Default::default(),
        steps: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_lesson_parses_and_the_default_is_the_first() {
        for e in catalog() {
            let l = lesson(e.id).expect("listed");
            assert!(l.is_ok(), "{}: {:?}", e.id, l.err());
        }
        let (id, lesson) = default_lesson();
        assert_eq!(id, lessons::ALL.first().map(|b| b.id));
        assert!(!lesson.steps.is_empty());
        assert_eq!(super::lesson("no-such-lesson"), None);
    }
}
