//! Results in words: an outcome, a page response, a missed expectation, and how
//! alarming a step's result is (the narration's result chip).
use crate::trace::{Code, Event, Outcome, Response, StepTrace, Val};

/// Responses a result's words name one by one; the rest are counted by code, so a step
/// that answers a queue of 200,000 groups is still one short sentence.
pub const RESPONSES_NAMED: usize = 4;

impl Outcome {
    /// The result in words, e.g. "returned 2" or "failed: ENOENT (no such ID ...)".
    /// Names at most [`RESPONSES_NAMED`] page responses, and counts the others.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Err(e) => format!("failed: {} ({})", e.name(), e.meaning()),
            Outcome::Ok(Val::Null) => "succeeded".to_string(),
            Outcome::Ok(Val::Bool(b)) => format!("returned {b}"),
            Outcome::Ok(Val::Id(v)) => format!("returned {v}"),
            Outcome::Ok(Val::Data(d)) => format!("returned {}", d.label()),
            Outcome::Ok(Val::Responses(r)) if r.is_empty() => {
                "sent no response: no formed group was waiting".to_string()
            }
            Outcome::Ok(Val::Responses(r)) => {
                let (named, rest) = r.split_at(r.len().min(RESPONSES_NAMED));
                let parts: Vec<String> = named.iter().map(Response::describe).collect();
                if rest.is_empty() {
                    return format!("sent {}", parts.join("; "));
                }
                let counts: Vec<String> = [Code::SUCCESS, Code::INVALID, Code::FAILURE]
                    .iter()
                    .filter_map(|code| {
                        let n = rest.iter().filter(|x| x.code == *code).count();
                        (n > 0).then(|| format!("{n} {code:?}"))
                    })
                    .collect();
                format!(
                    "sent {} responses: {}; and {} more ({})",
                    r.len(),
                    parts.join("; "),
                    rest.len(),
                    counts.join(", ")
                )
            }
        }
    }
}

impl Response {
    /// "SUCCESS to dev0 group 1 (PASID 2, mm A)".
    pub fn describe(&self) -> String {
        let pasid = self
            .pasid
            .map_or("no PASID".to_string(), |p| format!("PASID {p}"));
        let mm = self
            .mm
            .as_ref()
            .map_or(String::new(), |m| format!(", mm {m}"));
        format!(
            "{:?} to {} group {} ({pasid}{mm})",
            self.code, self.device, self.group
        )
    }
}

impl StepTrace {
    /// When this step's `expect` failed: `expected {"ok":3}, got {"ok":2}`, results as a
    /// lesson writes them (the command line and the web app name misses alike).
    pub fn missed_expectation(&self) -> Option<String> {
        (self.expect_ok == Some(false)).then(|| {
            format!(
                "expected {}, got {}",
                serde_json::to_string(&self.expected).unwrap_or_default(),
                serde_json::to_string(&self.result).unwrap_or_default()
            )
        })
    }
}

/// The result in words: [`Outcome::describe`], except for a call that returned nothing
/// and did not simply succeed: it discarded requests, has not returned yet (a writer
/// waiting for a grace period), or only logged a warning (`warned`). The narration's
/// sentence and its result chip both read it.
pub fn outcome_words(result: &Outcome, events: &[Event], warned: bool) -> String {
    if !matches!(result, Outcome::Ok(Val::Null)) {
        return result.describe();
    }
    let discarded: usize = events
        .iter()
        .map(|e| match e {
            Event::Discarded { count, .. } => *count,
            _ => 0,
        })
        .sum();
    if discarded > 0 {
        format!("{discarded} held request(s) discarded (their group never forms)")
    } else if events
        .iter()
        .any(|e| matches!(e, Event::GraceStarted { .. }))
    {
        "published; the call has not returned yet: it waits in synchronize_rcu()".into()
    } else if warned {
        "returned, with a warning logged".into()
    } else {
        result.describe()
    }
}

/// How alarming a step's result is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// It went as a reader would expect.
    Ok,
    /// It returned but went wrong in a way the learner must notice, or has not finished.
    Warn,
    /// It failed.
    Err,
}

/// A step's result as the narration's chip shows it: how alarming, and in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub severity: Severity,
    /// A sentence, capital first ("Sent INVALID to dev0 ...", "Error ENOENT").
    pub text: String,
}

/// The hazards a step recorded, in order: the model's words for what the kernel
/// cannot see, created or biting at this step (shown beside the result, and listed
/// as the model's).
pub fn hazards(events: &[Event]) -> impl Iterator<Item = &str> {
    events.iter().filter_map(|e| match e {
        Event::Hazard { what, .. } | Event::HazardBites { what, .. } => Some(what.as_str()),
        _ => None,
    })
}

/// Judges a step's result: [`Severity::Err`] for an error; [`Severity::Warn`] for a
/// call that returned but went wrong in a way the learner must notice (a kernel
/// warning, `warned`; a page request answered INVALID or served stale; requests
/// discarded; a hazard) or has not finished (a writer waiting for a grace period);
/// [`Severity::Ok`] otherwise.
///
/// `abandoned`: groups a queue overflow discarded that still wait for a response, so a
/// workqueue run that sends none is not the all-clear it looks like.
pub fn result_verdict(
    result: &Outcome,
    warned: bool,
    events: &[Event],
    abandoned: usize,
) -> Verdict {
    let refused = matches!(result, Outcome::Ok(Val::Responses(r)) if r.iter().any(|r| r.code != Code::SUCCESS));
    let stale = events
        .iter()
        .any(|e| matches!(e, Event::FaultStep { stale: true, .. }));
    let hazard = hazards(events).next();
    // The same words as the narration's sentence; other than the plain result's when the
    // call discarded requests or still waits.
    let words = outcome_words(result, events, warned);
    let forgotten =
        abandoned > 0 && matches!(result, Outcome::Ok(Val::Responses(r)) if r.is_empty());
    let alarm =
        refused || warned || stale || forgotten || hazard.is_some() || words != result.describe();
    let severity = match result {
        Outcome::Err(_) => Severity::Err,
        Outcome::Ok(_) if alarm => Severity::Warn,
        Outcome::Ok(_) => Severity::Ok,
    };
    let text = match result {
        Outcome::Err(e) => format!("Error {}", e.name()),
        Outcome::Ok(_) => words,
    };
    let text = match hazard {
        Some(h) => format!("{text}, but {h}"),
        None if forgotten => format!(
            "{text}; {abandoned} discarded group(s) still wait for a response that never comes"
        ),
        None if stale => {
            format!("{text}; one request was served stale, in the wrong address space")
        }
        None => text,
    };
    // A chip reads as a sentence: capital first ("Sent INVALID...").
    let mut chars = text.chars();
    let text = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => text,
    };
    Verdict { severity, text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{Errno, Name};
    use crate::trace::Response;

    #[test]
    fn a_verdict_is_as_alarming_as_what_went_wrong() {
        let ok = result_verdict(&Outcome::id(3), false, &[], 0);
        assert_eq!(ok.severity, Severity::Ok);
        assert_eq!(ok.text, "Returned 3");
        let err = result_verdict(&Outcome::Err(Errno::ENOENT), false, &[], 0);
        assert_eq!(
            (err.severity, err.text.as_str()),
            (Severity::Err, "Error ENOENT")
        );
        let warned = result_verdict(&Outcome::null(), true, &[], 0);
        assert_eq!(warned.severity, Severity::Warn);
        assert_eq!(warned.text, "Returned, with a warning logged");
        let invalid = Response {
            device: Name::new("dev0"),
            pasid: Some(2),
            group: 1,
            code: Code::INVALID,
            mm: None,
        };
        let refused = result_verdict(&Outcome::Ok(Val::Responses(vec![invalid])), false, &[], 0);
        assert_eq!(refused.severity, Severity::Warn);
        let none_sent = Outcome::Ok(Val::Responses(vec![]));
        assert_eq!(
            result_verdict(&none_sent, false, &[], 0).severity,
            Severity::Ok
        );
        let forgotten = result_verdict(&none_sent, false, &[], 2);
        assert_eq!(forgotten.severity, Severity::Warn);
        assert!(
            forgotten.text.contains("2 discarded group(s)"),
            "{}",
            forgotten.text
        );
        let hazard = Event::HazardBites {
            hazard: crate::hazard::HazardKind::TwoOwners,
            id: 5,
            what: "two owners now".into(),
        };
        let h = result_verdict(&Outcome::id(5), false, &[hazard], 0);
        assert_eq!(h.severity, Severity::Warn);
        assert_eq!(h.text, "Returned 5, but two owners now");
        let created = Event::Hazard {
            hazard: crate::hazard::HazardKind::LeakedHostPasid,
            id: 3,
            what: "the host keeps 3".into(),
        };
        let c = result_verdict(&Outcome::null(), false, &[created], 0);
        assert_eq!(c.severity, Severity::Warn);
        assert_eq!(c.text, "Succeeded, but the host keeps 3");
    }

    /// A queue of many groups answered in one step is a short sentence: the first
    /// responses named, the others counted by code.
    #[test]
    fn many_responses_are_named_a_few_and_counted() {
        let response = |group: u32, code: Code| Response {
            device: Name::new("dev0"),
            pasid: Some(1),
            group,
            code,
            mm: None,
        };
        let two = Outcome::Ok(Val::Responses(vec![
            response(1, Code::SUCCESS),
            response(2, Code::INVALID),
        ]));
        assert_eq!(
            two.describe(),
            "sent SUCCESS to dev0 group 1 (PASID 1); INVALID to dev0 group 2 (PASID 1)"
        );
        let mut many: Vec<Response> = (1..=200_000).map(|g| response(g, Code::SUCCESS)).collect();
        many[10].code = Code::INVALID;
        many[11].code = Code::INVALID;
        let words = Outcome::Ok(Val::Responses(many)).describe();
        assert!(words.len() < 300, "{} characters", words.len());
        assert!(
            words.starts_with("sent 200000 responses: SUCCESS to dev0 group 1 (PASID 1); "),
            "{words}"
        );
        assert!(words.contains("group 4 (PASID 1)"), "{words}");
        assert!(!words.contains("group 5 "), "{words}");
        assert!(
            words.ends_with("; and 199996 more (199994 SUCCESS, 2 INVALID)"),
            "{words}"
        );
    }
}
