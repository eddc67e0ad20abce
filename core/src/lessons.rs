//! The built-in lessons, embedded so the native tests and the web app share them.

/// A built-in lesson: its id (file stem) and JSON text.
pub struct BuiltIn {
    pub id: &'static str,
    pub json: &'static str,
}

impl BuiltIn {
    /// The lesson's number in the course, from its file name (`04-guest-boot-vcmd` is
    /// 4; the 2019 design thread is 0), so a lesson keeps its number when one is added
    /// before it.
    pub fn number(&self) -> Option<u32> {
        let digits: String = self.id.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    }
}

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
}
