//! Everything that turns what the model did into words: an op as a call
//! ([`describe_op`]), results and responses ([`outcome_words`], `Outcome::describe`,
//! `Response::describe`, [`result_verdict`]), a step's generated narration
//! ([`explanation`]), and the judgements the panels show about the world's state
//! (a stale PASID, the active allocator, lifecycle states, reference-count eras,
//! timeline markers), and whose answer a question's answer is ([`written_for_note`]).
mod hazard;
mod ops;
mod outcome;
mod pace;
mod question;
mod report;
mod state;
mod step;

pub use hazard::{hazard_subject, hazard_title};
pub use ops::describe_op;
pub use outcome::{hazards, outcome_words, result_verdict, Severity, Verdict};
pub use pace::{reading_ms, step_reading_ms, MAX_STEP_MS, MIN_STEP_MS, READING_WPM};
pub use question::{compares_eras, say_told_for, written_for_note};
pub use report::{lesson_report, LessonReport, Revisit};
pub use state::{
    default_allocator_name, default_standing, era_label, group_standing, id_state_words,
    marker_rank, marker_words, shows_id_state, stale_pasid_note, Standing,
};
pub use step::explanation;
