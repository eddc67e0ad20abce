//! A step's generated narration: the call and its result in words, a note when first
//! fit hands a just-freed ID straight back, and the reasons the model gave as it ran.
use super::outcome_words;
use crate::id::{Ioasid, Name};
use crate::trace::{Event, Outcome, StepLog, Val};
use std::collections::HashMap;

/// The narration of one step: `summary` (the call in words, see [`super::describe_op`])
/// and its result, then what the model explained while running it, each part a
/// sentence. `freed_at` maps an ID to the step that last erased it from a first-fit
/// storage (for the reuse note).
pub fn explanation(
    summary: &str,
    result: &Outcome,
    log: &StepLog,
    freed_at: &HashMap<Ioasid, usize>,
) -> String {
    let mut explain = format!(
        "{summary} {}.",
        outcome_words(result, &log.events, !log.kernel_log.is_empty())
    );
    let first_fit = |id: Ioasid| {
        log.events
            .iter()
            .any(|e| matches!(e, Event::Search { found: Some(f), .. } if *f == id))
    };
    if let Outcome::Ok(Val::Id(v)) = result {
        let reused = u32::try_from(*v).ok().filter(|id| first_fit(*id));
        if let Some(at) = reused.and_then(|id| freed_at.get(&id)) {
            explain.push_str(&format!(
                " ({v} was freed at step {}: first fit hands it out again at once.)",
                at + 1
            ));
        }
    }
    for part in &log.explain {
        explain.push(' ');
        // A sentence opens with a capital, unless it opens with a name ("mm A ...",
        // "viommu0 is ...", "dev0's PASID"): names are written as the lesson wrote them.
        let first_word = part.split([' ', '\'', ',']).next().unwrap_or_default();
        let is_name = first_word == "mm"
            || first_word.chars().any(|c| c.is_ascii_digit())
            || Name::is_known(first_word);
        let mut chars = part.chars();
        match chars.next() {
            Some(first) if !is_name => {
                explain.extend(first.to_uppercase());
                explain.push_str(chars.as_str());
            }
            _ => explain.push_str(part),
        }
        if !part.ends_with(['.', ':', '!', '?']) {
            explain.push('.');
        }
    }
    if log.unexplained > 0 {
        explain.push_str(&format!(
            " And {} more like these, not spelled out.",
            log.unexplained
        ));
    }
    explain
}
