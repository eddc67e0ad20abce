//! How long Play leaves a step on screen: long enough to read what it says.

use crate::trace::StepTrace;

/// Words a minute a learner reads at 1× (a common figure for reading on screen).
pub const READING_WPM: u32 = 200;
/// The least time a step stays at 1×, however short its text.
pub const MIN_STEP_MS: u32 = 1200;
/// The most: a very long narration still moves on (the learner can pause).
pub const MAX_STEP_MS: u32 = 30_000;

/// The time to read `text` at [`READING_WPM`], in milliseconds, within
/// [`MIN_STEP_MS`, `MAX_STEP_MS`].
pub fn reading_ms(text: &str) -> u32 {
    let words = u32::try_from(text.split_whitespace().count()).unwrap_or(u32::MAX);
    words
        .saturating_mul(60_000 / READING_WPM)
        .clamp(MIN_STEP_MS, MAX_STEP_MS)
}

/// How long a step stays at 1×: the time to read what the narration shows for it (the
/// lesson's words, the model's explanation and the kernel's log lines).
pub fn step_reading_ms(step: &StepTrace) -> u32 {
    let mut text = String::new();
    for part in step
        .say
        .iter()
        .chain(std::iter::once(&step.explain))
        .chain(step.kernel_log.iter())
    {
        text.push_str(part);
        text.push(' ');
    }
    reading_ms(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_grows_with_the_words_within_bounds() {
        assert_eq!(reading_ms(""), MIN_STEP_MS);
        assert_eq!(reading_ms("one two three"), MIN_STEP_MS);
        // 40 words at 200 a minute: 12 s.
        let forty = vec!["word"; 40].join(" ");
        assert_eq!(reading_ms(&forty), 12_000);
        assert!(reading_ms(&forty) > reading_ms(&vec!["word"; 20].join(" ")));
        let huge = vec!["word"; 10_000].join(" ");
        assert_eq!(reading_ms(&huge), MAX_STEP_MS);
    }
}
