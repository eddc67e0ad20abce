//! The run as a lesson file: for export, and for computing runs.
use super::{AppState, Source};
use ioasid_core::lesson::Lesson;

impl AppState {
    /// The run as a lesson file to export: [`Self::full_lesson`], with each sandbox step
    /// that has no `expect` given the result it had in the run shown, so that the file
    /// checks itself (under its other profiles too, where the step may differ).
    pub fn lesson_for_export(&self) -> Lesson {
        let mut l = self.full_lesson();
        let first = self.base.steps.len();
        for (i, step) in l.steps.iter_mut().enumerate().skip(first) {
            if step.expect.is_none() {
                step.expect = self.trace.steps.get(i).map(|t| t.result.clone());
            }
        }
        l
    }

    /// The lesson as it runs now: the lesson's steps and the sandbox's, the profile and
    /// knobs chosen, as exported (a run shares the lesson and the steps instead:
    /// `Runner::shared`).
    pub fn full_lesson(&self) -> Lesson {
        let mut l = (*self.base).clone();
        l.steps.extend(self.extra.iter().cloned());
        if l.profile != self.profile {
            l.profiles.retain(|p| *p != self.profile);
            l.profiles.insert(0, self.profile);
            l.profile = self.profile;
        }
        for (k, v) in &self.overrides {
            l.knobs.insert(k.clone(), v.clone());
        }
        l
    }

    /// A file name stem for exports.
    pub fn export_stem(&self) -> String {
        let raw = match &self.source {
            Source::BuiltIn(id) => id.clone(),
            Source::Imported(name) => name.trim_end_matches(".json").to_string(),
        };
        let clean: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        if clean.trim_matches('_').is_empty() {
            "lesson".into()
        } else {
            clean
        }
    }
}
