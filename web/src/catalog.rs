//! The built-in lessons (`ioasid_core::lessons::ALL`), parsed once.
use ioasid_core::lesson::{Lesson, LessonError};
use ioasid_core::lessons;
use ioasid_core::Profile;
use std::rc::Rc;

/// One built-in lesson: its id and the parsed lesson, or why it does not parse.
#[derive(Clone, Debug)]
pub struct CatalogEntry {
    pub id: &'static str,
    /// Its number in the course (from its file name).
    pub number: Option<u32>,
    pub lesson: Result<Rc<Lesson>, LessonError>,
}

impl CatalogEntry {
    /// The title to list it under.
    pub fn title(&self) -> String {
        match &self.lesson {
            Ok(l) if !l.title.is_empty() => l.title.clone(),
            Ok(_) => self.id.to_string(),
            Err(_) => format!("{} (cannot be read)", self.id),
        }
    }
}

thread_local! {
    static CATALOG: Rc<Vec<CatalogEntry>> = Rc::new(
        lessons::ALL
            .iter()
            .map(|b| CatalogEntry {
                id: b.id,
                number: b.number(),
                lesson: Lesson::parse(b.json).map(Rc::new),
            })
            .collect(),
    );
}

/// Every built-in lesson, in course order.
pub fn catalog() -> Rc<Vec<CatalogEntry>> {
    CATALOG.with(Rc::clone)
}

/// The built-in lesson with this id.
pub fn find(id: &str) -> Option<CatalogEntry> {
    catalog().iter().find(|e| e.id == id).cloned()
}

/// The lesson shown when nothing else is asked for (or a link is broken): the first
/// built-in lesson that parses, else an empty lesson.
pub fn default_lesson() -> (Option<&'static str>, Rc<Lesson>) {
    catalog()
        .iter()
        .find_map(|e| e.lesson.as_ref().ok().map(|l| (Some(e.id), Rc::clone(l))))
        .unwrap_or_else(|| (None, Rc::new(empty_lesson())))
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
        for e in catalog().iter() {
            assert!(e.lesson.is_ok(), "{}: {:?}", e.id, e.lesson.as_ref().err());
        }
        let (id, lesson) = default_lesson();
        assert_eq!(id, lessons::ALL.first().map(|b| b.id));
        assert!(!lesson.steps.is_empty());
    }
}
