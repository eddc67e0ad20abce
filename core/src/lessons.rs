//! The built-in lessons: [`ALL`] embeds their JSON (the command line and the native
//! tests run them); [`INDEX`] names them without it (the browser lists them and fetches
//! the one opened, so its build does not carry every lesson's text).

/// A built-in lesson: its id (file stem) and JSON text.
pub struct BuiltIn {
    pub id: &'static str,
    pub json: &'static str,
}

impl BuiltIn {
    /// The lesson's number in the course: [`number_of`].
    pub fn number(&self) -> Option<u32> {
        number_of(self.id)
    }
}

/// A built-in lesson's number in the course, from its file name (`04-guest-boot-vcmd`
/// is 4; the 2019 design thread is 0), so a lesson keeps its number when one is added
/// before it.
pub fn number_of(id: &str) -> Option<u32> {
    let digits: String = id.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A built-in lesson named without its text: its id (the file stem, so the browser
/// fetches `lessons/<id>.json`) and its title. A test checks it against [`ALL`].
pub struct Listed {
    pub id: &'static str,
    pub title: &'static str,
}

/// Every built-in lesson's id and title, in course order, as [`ALL`] has them.
pub const INDEX: &[Listed] = &[
    Listed {
        id: "00-design-thread",
        title: "The 2019 design thread: what was proposed, and what the merged kernel changed",
    },
    Listed {
        id: "01-first-fit",
        title: "First fit and reuse",
    },
    Listed {
        id: "02-sets",
        title: "Sets: one space, many owners",
    },
    Listed {
        id: "03-deferred-binding",
        title: "Deferred binding: an ID before its data",
    },
    Listed {
        id: "04-guest-boot-vcmd",
        title: "Guest boot with a paravirtual allocator",
    },
    Listed {
        id: "05-host-misbehaves",
        title: "When the host misbehaves",
    },
    Listed {
        id: "06-unregistering",
        title: "Unregistering allocators",
    },
    Listed {
        id: "07-references-eras",
        title: "References through the eras",
    },
    Listed {
        id: "08-page-requests",
        title: "Page requests and groups",
    },
    Listed {
        id: "09-stale-fault",
        title: "The stale fault",
    },
    Listed {
        id: "10-quotas-owners-spids",
        title: "Quotas, owners and guest PASIDs",
    },
    Listed {
        id: "11-what-came-after",
        title: "What came after: global PASIDs and per-device domains",
    },
];

/// Every built-in lesson, in course order.
pub const ALL: &[BuiltIn] = &[
    BuiltIn {
        id: "00-design-thread",
        json: include_str!("lessons/00-design-thread.json"),
    },
    BuiltIn {
        id: "01-first-fit",
        json: include_str!("lessons/01-first-fit.json"),
    },
    BuiltIn {
        id: "02-sets",
        json: include_str!("lessons/02-sets.json"),
    },
    BuiltIn {
        id: "03-deferred-binding",
        json: include_str!("lessons/03-deferred-binding.json"),
    },
    BuiltIn {
        id: "04-guest-boot-vcmd",
        json: include_str!("lessons/04-guest-boot-vcmd.json"),
    },
    BuiltIn {
        id: "05-host-misbehaves",
        json: include_str!("lessons/05-host-misbehaves.json"),
    },
    BuiltIn {
        id: "06-unregistering",
        json: include_str!("lessons/06-unregistering.json"),
    },
    BuiltIn {
        id: "07-references-eras",
        json: include_str!("lessons/07-references-eras.json"),
    },
    BuiltIn {
        id: "08-page-requests",
        json: include_str!("lessons/08-page-requests.json"),
    },
    BuiltIn {
        id: "09-stale-fault",
        json: include_str!("lessons/09-stale-fault.json"),
    },
    BuiltIn {
        id: "10-quotas-owners-spids",
        json: include_str!("lessons/10-quotas-owners-spids.json"),
    },
    BuiltIn {
        id: "11-what-came-after",
        json: include_str!("lessons/11-what-came-after.json"),
    },
];

/// The built-in lesson with this id.
pub fn get(id: &str) -> Option<&'static BuiltIn> {
    ALL.iter().find(|l| l.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lessons_are_numbered_by_their_file_in_course_order() {
        let numbers: Vec<Option<u32>> = ALL.iter().map(BuiltIn::number).collect();
        let want: Vec<Option<u32>> = (0..ALL.len()).map(|n| u32::try_from(n).ok()).collect();
        assert_eq!(numbers, want);
        assert_eq!(
            ALL[0].number(),
            Some(0),
            "the 2019 design thread opens the course"
        );
    }

    #[test]
    fn the_index_names_every_lesson_with_its_own_title() {
        let listed: Vec<(&str, &str)> = INDEX.iter().map(|l| (l.id, l.title)).collect();
        let parsed: Vec<(&str, String)> = ALL
            .iter()
            .map(|b| {
                let lesson = crate::lesson::Lesson::parse(b.json).expect("a built-in parses");
                (b.id, lesson.title)
            })
            .collect();
        let parsed: Vec<(&str, &str)> = parsed.iter().map(|(i, t)| (*i, t.as_str())).collect();
        assert_eq!(listed, parsed);
    }
}
