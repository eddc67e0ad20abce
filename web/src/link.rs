//! The URL's query as a typed link, read from and written to the query text that
//! [`crate::url`] splits and escapes:
//!
//! `?lesson=01-first-fit&profile=improved&knobs=flaw_free_any_owner:0&step=5`
//!
//! [`Link::parse`] gives each key its meaning (a lesson by id or carried whole, the
//! sandbox's steps, a profile, knob overrides, a step number) and keeps what does not
//! mean anything beside the text it came from, so the state can say what it ignored;
//! [`Link::to_query`] writes a link back. Whether the run can give what a link asks for
//! (a lesson of that name, that many steps) is for the state to judge (`state::link`).
use crate::url::{format_knobs, parse_knobs, UrlState};
use crate::{b64, view};
use ioasid_core::lesson::{parse_step, Lesson, Step};
use ioasid_core::Profile;
use serde_json::{Map, Value};

/// The URL carries a custom run only up to this size (beyond it, links stop at the lesson).
pub const MAX_URL_RUN: usize = 60_000;

/// Runs with more steps than this are not even tried for the URL.
pub const MAX_URL_STEPS: usize = 1_000;

/// A value in the link that means nothing: its text, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bad {
    pub text: String,
    pub why: String,
}

/// A key's value: what it means, or why it means nothing.
pub type Field<T> = Result<T, Bad>;

/// JSON as the link carries it (`run`, `extra`): base64url text, decoded on demand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload(String);

impl Payload {
    /// `json` encoded; `None` when it is too long for a link.
    fn encode(json: &Value) -> Option<Payload> {
        let enc = b64::encode(json.to_string().as_bytes());
        (enc.len() <= MAX_URL_RUN).then_some(Payload(enc))
    }

    fn text(&self) -> Result<String, String> {
        let bytes = b64::decode(&self.0).ok_or("it is not base64url text")?;
        String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
    }

    /// The lesson carried (`run`).
    pub fn lesson(&self) -> Result<Lesson, String> {
        let text = self.text()?;
        Lesson::parse(&text).map_err(|e| view::lesson_error(&e))
    }

    /// The steps carried (`extra`), as appended to `base` (each checked as the sandbox
    /// checks a step it appends).
    pub fn steps_after(&self, base: &Lesson) -> Result<Vec<Step>, String> {
        let text = self.text()?;
        let v: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
        let Value::Array(items) = v else {
            return Err("not a list of steps".into());
        };
        let mut lesson = base.clone();
        let mut out = Vec::with_capacity(items.len());
        for (k, item) in items.into_iter().enumerate() {
            let step =
                parse_step(base.steps.len() + k, item).map_err(|e| view::lesson_error(&e))?;
            lesson
                .check_appended(&step)
                .map_err(|e| view::lesson_error(&e))?;
            lesson.steps.push(step.clone());
            out.push(step);
        }
        Ok(out)
    }
}

/// The lesson a link names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkedLesson {
    /// `lesson`: a built-in lesson's id.
    BuiltIn(String),
    /// `run`: a whole lesson (an imported one). Read before `lesson` when both are given.
    Run(Payload),
}

/// What a link names. Every part is optional: a link without a lesson names the default
/// lesson at its start.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    pub lesson: Option<LinkedLesson>,
    /// `extra`: sandbox steps appended to the lesson.
    pub extra: Option<Payload>,
    /// `profile`: a profile by name.
    pub profile: Option<Field<Profile>>,
    /// `knobs`: `name:value` overrides (`0`/`1` for booleans); none written when empty.
    pub knobs: Option<Field<Map<String, Value>>>,
    /// `step`: the step shown, as on screen ("Step 5 of 8"), 0 for the start.
    pub step: Option<Field<usize>>,
    /// The keys read that this app does not know (and values with broken escapes).
    pub unknown: Vec<String>,
}

impl Link {
    /// Reads a query string (with or without its leading `?`).
    pub fn parse(query: &str) -> Link {
        let (url, unknown) = UrlState::parse(query);
        Link::from_url(&url, unknown)
    }

    /// Gives the query's values their meaning; `unknown`: the keys it did not know.
    pub fn from_url(url: &UrlState, unknown: Vec<String>) -> Link {
        let lesson = match (&url.run, &url.lesson) {
            (Some(run), _) => Some(LinkedLesson::Run(Payload(run.clone()))),
            (None, Some(id)) => Some(LinkedLesson::BuiltIn(id.clone())),
            (None, None) => None,
        };
        let bad = |text: &str, why: String| Bad {
            text: text.to_string(),
            why,
        };
        Link {
            lesson,
            extra: url.extra.clone().map(Payload),
            profile: url
                .profile
                .as_deref()
                .map(|p| p.parse::<Profile>().map_err(|e| bad(p, e))),
            knobs: url
                .knobs
                .as_deref()
                .map(|k| parse_knobs(k).map_err(|e| bad(k, e))),
            step: url.step.as_deref().map(|s| {
                s.trim()
                    .parse::<usize>()
                    .map_err(|_| bad(s, "not a step number".into()))
            }),
            unknown,
        }
    }

    /// A link to the start of `base` with the sandbox steps `extra`: a built-in lesson
    /// by its id (`builtin`), any other carried whole. `None` when the run is too big
    /// for a link.
    pub fn to_lesson(builtin: Option<&str>, base: &Lesson, extra: &[Step]) -> Option<Link> {
        if base.steps.len() + extra.len() > MAX_URL_STEPS {
            return None;
        }
        let lesson = match builtin {
            Some(id) if !id.is_empty() => LinkedLesson::BuiltIn(id.to_string()),
            _ => LinkedLesson::Run(Payload::encode(&base.to_json())?),
        };
        let extra = if extra.is_empty() {
            None
        } else {
            let steps: Vec<Value> = extra.iter().map(Step::to_json).collect();
            Some(Payload::encode(&Value::Array(steps))?)
        };
        Some(Link {
            lesson: Some(lesson),
            extra,
            ..Link::default()
        })
    }

    /// The query's values for this link (a value that meant nothing, as it was).
    pub fn to_url(&self) -> UrlState {
        fn text<T>(field: &Field<T>, show: impl Fn(&T) -> Option<String>) -> Option<String> {
            match field {
                Ok(v) => show(v),
                Err(bad) => Some(bad.text.clone()),
            }
        }
        let (lesson, run) = match &self.lesson {
            Some(LinkedLesson::BuiltIn(id)) => (Some(id.clone()), None),
            Some(LinkedLesson::Run(p)) => (None, Some(p.0.clone())),
            None => (None, None),
        };
        UrlState {
            lesson,
            run,
            extra: self.extra.as_ref().map(|p| p.0.clone()),
            profile: self
                .profile
                .as_ref()
                .and_then(|f| text(f, |p| Some(p.name().into()))),
            knobs: self.knobs.as_ref().and_then(|f| text(f, format_knobs)),
            step: self
                .step
                .as_ref()
                .and_then(|f| text(f, |n| Some(n.to_string()))),
        }
    }

    /// The query string, with its leading `?` (empty when nothing is set).
    pub fn to_query(&self) -> String {
        self.to_url().to_query()
    }
}
