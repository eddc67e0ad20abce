//! Importing lesson files: the picker's list of imports, and the check of an imported
//! lesson's `expect`s under every profile it declares.
use super::{clip, AppState, Notice, Source};
use crate::view;
use ioasid_core::lesson::{Lesson, LessonError, MAX_LISTED};
use ioasid_core::run::check_expects_under;
use ioasid_core::{Profile, StepTrace, Trace};
use std::rc::Rc;

pub const MAX_IMPORTS: usize = 20;

/// Lessons up to this many steps have their `expect`s checked under every profile they
/// declare when imported (a few tens of milliseconds each); longer ones only under the
/// profile shown, and the notice says which profiles were left to `ioasid-sim run`.
pub const CHECK_ALL_PROFILES_STEPS: usize = 20_000;

/// Lesson files longer than this are read in chunks (`hooks::use_read_job`), so the page
/// never blocks on the parse; shorter ones are read at once (a few milliseconds).
pub const READ_IN_CHUNKS_BYTES: usize = 256 * 1024;

impl AppState {
    pub(super) fn load_text(&mut self, name: &str, text: String) {
        if text.len() > READ_IN_CHUNKS_BYTES {
            let gen = self.next_gen;
            self.next_gen += 1;
            self.reading = Some(super::ReadRequest {
                gen,
                name: name.to_string(),
                text: Rc::new(text),
            });
            self.read_progress = Some(super::Progress { done: 0, total: 0 });
            return;
        }
        self.load_parsed(name, Lesson::parse_reporting_all(&text));
    }

    /// Imports a parsed lesson file, or reports its mistakes.
    pub(super) fn load_parsed(&mut self, name: &str, parsed: Result<Lesson, Vec<LessonError>>) {
        match parsed {
            Ok(lesson) => {
                let (name, lesson) = (clip(name, 80), Rc::new(lesson));
                // The same file imported again replaces its earlier version.
                let imports = Rc::make_mut(&mut self.imports);
                imports.retain(|(n, _)| *n != name);
                if imports.len() >= MAX_IMPORTS {
                    imports.remove(0);
                }
                imports.push((name.clone(), Rc::clone(&lesson)));
                self.open_lesson(Source::Imported(name), lesson, true);
            }
            Err(mistakes) => {
                let count = match mistakes.len() {
                    1 => "1 mistake".to_string(),
                    n if n > MAX_LISTED => {
                        format!("more than {MAX_LISTED} mistakes, the first {MAX_LISTED} listed")
                    }
                    n => format!("{n} mistakes"),
                };
                self.notice = Some(Notice {
                    error: true,
                    title: format!(
                        "{} could not be imported: {count}. The lesson shown has not changed.",
                        clip(name, 80)
                    ),
                    details: mistakes.iter().map(view::file_error).collect(),
                });
            }
        }
    }
}

/// The first `shown` of `lines`, then a line counting the rest.
fn first_few(mut lines: Vec<String>, shown: usize) -> Vec<String> {
    if lines.len() > shown {
        let more = lines.len() - shown;
        lines.truncate(shown);
        lines.push(format!("… and {more} more."));
    }
    lines
}

/// The `expect`s of an imported lesson that fail, under the profile of `trace` and every
/// other profile the lesson declares, as the command line names them (the first few);
/// `None` when all hold.
pub(super) fn expect_notice(lesson: &Lesson, trace: &Trace) -> Option<Notice> {
    const SHOWN: usize = 5;
    let several = lesson.profiles.len() > 1;
    let line = |s: &StepTrace, profile: Profile| {
        let miss = s.missed_expectation()?;
        let under = if several {
            format!(" under {profile}")
        } else {
            String::new()
        };
        Some(format!("Step {} ({}){under}: {miss}.", s.index + 1, s.op))
    };
    let mut details: Vec<String> = trace
        .steps
        .iter()
        .filter_map(|s| line(s, trace.profile))
        .collect();
    let mut counts = vec![(trace.profile, details.len())];
    let mut unchecked = Vec::new();
    for &p in lesson.profiles.iter().filter(|&&p| p != trace.profile) {
        if lesson.steps.len() > CHECK_ALL_PROFILES_STEPS {
            if lesson.knobs_for(p).is_ok() {
                unchecked.push(p.name());
            }
            continue;
        }
        if let Ok(n) = check_expects_under(lesson, p, |s| details.extend(line(s, p))) {
            counts.push((p, n));
        }
    }
    let failed = details.len();
    // Questions whose answer the model computes, with nothing to grade against in the
    // run shown (`ioasid-sim run` checks every profile the lesson declares).
    let ungraded: Vec<String> = ioasid_core::quiz::ungradable_in(lesson, trace)
        .iter()
        .map(ioasid_core::quiz::Ungradable::sentence)
        .collect();
    let questions = ungraded.len();
    if failed == 0 && questions == 0 {
        return None;
    }
    let mut details = first_few(details, SHOWN);
    details.extend(first_few(ungraded, SHOWN));
    if questions > 0 && several {
        details.push(format!(
            "Checked here under {} only: `ioasid-sim run` checks every profile the lesson declares.",
            trace.profile
        ));
    }
    if !unchecked.is_empty() {
        details.push(format!(
            "Not checked here under {} (a long lesson): `ioasid-sim run` checks them.",
            unchecked.join(", ")
        ));
    }
    if failed == 0 {
        return Some(Notice {
            error: false,
            title: if questions == 1 {
                "1 of this lesson's questions cannot be graded: its step gives no answer to grade against.".to_string()
            } else {
                format!("{questions} of this lesson's questions cannot be graded: their steps give no answer to grade against.")
            },
            details,
        });
    }
    let by_profile: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(p, n)| format!("{n} under {p}"))
        .collect();
    let verb = if failed == 1 { "fails" } else { "fail" };
    let title = match by_profile.as_slice() {
        [one] => format!("{failed} of this lesson's expectations {verb} ({one})."),
        _ => format!(
            "{failed} of this lesson's expectations {verb}: {}.",
            by_profile.join(", ")
        ),
    };
    Some(Notice {
        error: false,
        title,
        details,
    })
}
