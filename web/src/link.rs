//! The page's address as a typed link, read from and written to the query text that
//! [`crate::url`] splits and escapes:
//!
//! `?lesson=01-first-fit&profile=improved&knobs=flaw_free_any_owner:0&step=5`
//!
//! [`Link::parse`] gives each key its meaning (a lesson by id or carried whole, the
//! sandbox's steps, a profile, knob overrides, a step number) and keeps what does not
//! mean anything beside the text it came from, so the state can say what it ignored;
//! [`Link::to_query`] writes a link back. Whether the run can give what a link asks for
//! (a lesson of that name, that many steps) is for the state to judge (`state::link`).
//!
//! A link that carries a run (an imported lesson, sandbox steps) is written after `#`
//! ([`Link::to_address`]), where no server sees it (so none refuses it as too long), with
//! the run and the steps compressed into one `z` value ([`Link::packed_text`]; the page
//! compresses it with the browser's own deflate). [`Link::from_address`] reads both
//! forms; old links with `run`/`extra` in the query still open.
use crate::url::{format_knobs, parse_knobs, UrlState};
use crate::{b64, view};
use ioasid_core::lesson::{parse_step, Lesson, Step};
use ioasid_core::Profile;
use serde_json::{Map, Value};

/// A link to a run is written only up to this many characters after `#` (beyond it the
/// page says the run is too long for a link and offers Export). Browsers take far longer
/// addresses; this keeps links that mail and chat programs pass on whole.
pub const MAX_LINK: usize = 60_000;

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

/// JSON as the link carries it (`run`, `extra`): base64url text from a query, decoded
/// on demand, or JSON text itself (unpacked from `z`, or made for a link).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    Base64(String),
    Json(String),
    /// A `z` that could not be unpacked, and why.
    Unreadable(String),
}

impl Payload {
    fn text(&self) -> Result<String, String> {
        match self {
            Payload::Base64(t) => {
                let bytes = b64::decode(t).ok_or("it is not base64url text")?;
                String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
            }
            Payload::Json(t) => Ok(t.clone()),
            Payload::Unreadable(why) => Err(why.clone()),
        }
    }

    /// The payload as base64url text (a query's `run`/`extra`).
    fn to_base64(&self) -> String {
        match self {
            Payload::Base64(t) => t.clone(),
            Payload::Json(t) => b64::encode(t.as_bytes()),
            Payload::Unreadable(_) => String::new(),
        }
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
    /// `z`: the run and the sandbox's steps compressed, as base64url; [`Link::unpack`]
    /// puts what it holds in `lesson` and `extra`.
    pub packed: Option<String>,
    /// The keys read that this app does not know (and values with broken escapes).
    pub unknown: Vec<String>,
    /// What the link gave twice or in conflict, and what was used instead, for the learner.
    pub notes: Vec<String>,
}

impl Link {
    /// Reads a query string (with or without its leading `?`).
    pub fn parse(query: &str) -> Link {
        let (url, unknown) = UrlState::parse(query);
        Link::from_url(&url, unknown)
    }

    /// The link a page's address names: its fragment (`#...`) when that holds any key of a
    /// link, else its query (`?...`). A query beside such a fragment is noted as unused.
    pub fn from_address(search: &str, hash: &str) -> Link {
        let fragment = hash.strip_prefix('#').unwrap_or(hash);
        let (url, unknown) = UrlState::parse(fragment);
        if url.to_query().is_empty() {
            return Link::parse(search);
        }
        let mut link = Link::from_url(&url, unknown);
        if !search.trim_start_matches('?').is_empty() {
            link.notes.push(
                "The link has a query (`?…`) and a run after `#`; the part after `#` was used."
                    .into(),
            );
        }
        link
    }

    /// Gives the query's values their meaning; `unknown`: the keys it did not know.
    pub fn from_url(url: &UrlState, unknown: Vec<String>) -> Link {
        let mut notes = url.notes.clone();
        let lesson = match (&url.run, &url.lesson) {
            (Some(run), lesson) => {
                if let Some(id) = lesson {
                    notes.push(conflict(id));
                }
                Some(LinkedLesson::Run(Payload::Base64(run.clone())))
            }
            (None, Some(id)) => Some(LinkedLesson::BuiltIn(id.clone())),
            (None, None) => None,
        };
        let bad = |text: &str, why: String| Bad {
            text: text.to_string(),
            why,
        };
        Link {
            lesson,
            extra: url.extra.clone().map(Payload::Base64),
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
            packed: url.z.clone(),
            unknown,
            notes,
        }
    }

    /// Puts what `z` held (`text`: [`Link::packed_text`]'s form, or why it could not be
    /// decompressed) in `lesson` and `extra`; `z` wins over `run`/`lesson`/`extra` given
    /// beside it, which is noted. Never fails: a `z` that cannot be read becomes a lesson
    /// that cannot be read, which the state reports.
    pub fn unpack(&mut self, text: Result<String, String>) {
        self.packed = None;
        let text = match text {
            Ok(t) => t,
            Err(why) => {
                self.lesson = Some(LinkedLesson::Run(Payload::Unreadable(format!(
                    "its compressed run (`z`) cannot be read ({why})"
                ))));
                return;
            }
        };
        let (run, extra) = text.split_once('\n').unwrap_or((&text, ""));
        if !run.is_empty() {
            if let Some(LinkedLesson::BuiltIn(id)) = &self.lesson {
                self.notes.push(conflict(id));
            }
            self.lesson = Some(LinkedLesson::Run(Payload::Json(run.to_string())));
        }
        if !extra.is_empty() {
            if self.extra.is_some() {
                self.notes.push(
                    "The link gives sandbox steps twice (`extra` and `z`); those in `z` were used."
                        .into(),
                );
            }
            self.extra = Some(Payload::Json(extra.to_string()));
        }
    }

    /// The text a link's `z` holds, to be compressed: the run's JSON (empty for a built-in
    /// lesson) and, after a newline, the sandbox steps' JSON (empty for none). `None` when
    /// the link carries neither, and is written as a plain query.
    pub fn packed_text(&self) -> Option<String> {
        let run = match &self.lesson {
            Some(LinkedLesson::Run(p)) => p.text().ok(),
            _ => None,
        };
        let extra = self.extra.as_ref().and_then(|p| p.text().ok());
        if run.is_none() && extra.is_none() {
            return None;
        }
        Some(format!(
            "{}\n{}",
            run.unwrap_or_default(),
            extra.unwrap_or_default()
        ))
    }

    /// The address's end for this link: `?...` for a link without a run, else `#...` with
    /// `packed` (the compressed [`Link::packed_text`], base64url) as `z`.
    /// Failure modes: `Err(None)` when the link carries a run but `packed` is missing;
    /// `Err(Some(n))` when the `#...` would be `n` characters, over [`MAX_LINK`].
    pub fn to_address(&self, packed: Option<&str>) -> Result<String, Option<usize>> {
        if self.packed_text().is_none() {
            return Ok(self.to_query());
        }
        let packed = packed.ok_or(None)?;
        let mut url = self.to_url();
        url.run = None;
        url.extra = None;
        url.z = Some(packed.to_string());
        let query = url.to_query();
        let fragment = format!("#{}", query.trim_start_matches('?'));
        if fragment.len() > MAX_LINK {
            return Err(Some(fragment.len()));
        }
        Ok(fragment)
    }

    /// A link to the start of `base` with the sandbox steps `extra`: a built-in lesson
    /// by its id (`builtin`), any other carried whole. `None` when the run has more than
    /// [`MAX_URL_STEPS`] steps.
    pub fn to_lesson(builtin: Option<&str>, base: &Lesson, extra: &[Step]) -> Option<Link> {
        if base.steps.len() + extra.len() > MAX_URL_STEPS {
            return None;
        }
        let lesson = match builtin {
            Some(id) if !id.is_empty() => LinkedLesson::BuiltIn(id.to_string()),
            _ => LinkedLesson::Run(Payload::Json(base.to_json().to_string())),
        };
        let extra = (!extra.is_empty()).then(|| {
            let steps: Vec<Value> = extra.iter().map(Step::to_json).collect();
            Payload::Json(Value::Array(steps).to_string())
        });
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
            Some(LinkedLesson::Run(p)) => (None, Some(p.to_base64())),
            None => (None, None),
        };
        UrlState {
            lesson,
            run,
            extra: self.extra.as_ref().map(Payload::to_base64),
            profile: self
                .profile
                .as_ref()
                .and_then(|f| text(f, |p| Some(p.name().into()))),
            knobs: self.knobs.as_ref().and_then(|f| text(f, format_knobs)),
            step: self
                .step
                .as_ref()
                .and_then(|f| text(f, |n| Some(n.to_string()))),
            z: self.packed.clone(),
            notes: Vec::new(),
        }
    }

    /// The query string, with its leading `?` (empty when nothing is set).
    pub fn to_query(&self) -> String {
        self.to_url().to_query()
    }
}

/// The note for a link naming a built-in lesson `id` beside a whole run.
fn conflict(id: &str) -> String {
    let id: String = id.chars().take(40).collect();
    format!("The link names both the lesson `{id}` and a run of its own; the run was used.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mine() -> Lesson {
        Lesson::parse(
            r#"{"format": 1, "title": "Mine", "profile": "v5.5", "steps": [
                {"op": "alloc", "set": "sva", "min": 1, "max": 9}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn a_run_is_written_after_the_hash_with_its_packed_text() {
        let l = mine();
        let extra = mine().steps;
        let mut link = Link::to_lesson(None, &l, &extra).unwrap();
        link.step = Some(Ok(1));
        let text = link.packed_text().unwrap();
        let (run, steps) = text.split_once('\n').unwrap();
        assert_eq!(Lesson::parse(run).unwrap(), l);
        assert!(steps.starts_with('[') && steps.contains("alloc"), "{steps}");
        // Without its compressed run, nothing is written; with it, a fragment.
        assert_eq!(link.to_address(None), Err(None));
        assert_eq!(link.to_address(Some("ABC")).as_deref(), Ok("#step=1&z=ABC"));
        let long = "A".repeat(MAX_LINK);
        assert_eq!(
            link.to_address(Some(&long)),
            Err(Some(MAX_LINK + "#step=1&z=".len()))
        );
        // A built-in lesson without sandbox steps stays a query.
        let plain = Link::to_lesson(Some("01-first-fit"), &l, &[]).unwrap();
        assert_eq!(plain.packed_text(), None);
        assert_eq!(
            plain.to_address(None).as_deref(),
            Ok("?lesson=01-first-fit")
        );
        // A built-in lesson's sandbox steps are packed, its id stays plain.
        let built = Link::to_lesson(Some("01-first-fit"), &l, &extra).unwrap();
        assert!(built.packed_text().unwrap().starts_with('\n'));
        assert_eq!(
            built.to_address(Some("Q")).as_deref(),
            Ok("#lesson=01-first-fit&z=Q")
        );
    }

    #[test]
    fn a_fragment_is_read_and_unpacked() {
        let l = mine();
        let link = Link::to_lesson(None, &l, &l.steps).unwrap();
        let text = link.packed_text().unwrap();
        let mut back = Link::from_address("", "#step=2&z=XYZ");
        assert_eq!(back.packed.as_deref(), Some("XYZ"));
        assert_eq!(back.step, Some(Ok(2)));
        back.unpack(Ok(text));
        assert_eq!(back.packed, None);
        let Some(LinkedLesson::Run(run)) = &back.lesson else {
            panic!("{back:?}")
        };
        assert_eq!(run.lesson().unwrap(), l);
        assert_eq!(
            back.extra.as_ref().unwrap().steps_after(&l).unwrap().len(),
            1
        );
        assert!(back.notes.is_empty(), "{:?}", back.notes);

        // A `z` that cannot be read: a lesson that cannot be read, saying why.
        let mut broken = Link::from_address("", "#z=XYZ");
        broken.unpack(Err("cut short".into()));
        let Some(LinkedLesson::Run(run)) = &broken.lesson else {
            panic!("{broken:?}")
        };
        assert!(run.lesson().unwrap_err().contains("cut short"));

        // A fragment that is not a link leaves the query in charge.
        let q = Link::from_address("?lesson=02-sets", "#top");
        assert_eq!(q.lesson, Some(LinkedLesson::BuiltIn("02-sets".into())));
        assert!(q.notes.is_empty());
    }

    #[test]
    fn conflicting_parts_are_noted_with_what_was_used() {
        let l = mine();
        let run = b64::encode(l.to_json().to_string().as_bytes());
        let link = Link::parse(&format!("?lesson=02-sets&run={run}"));
        assert!(matches!(link.lesson, Some(LinkedLesson::Run(_))));
        assert_eq!(link.notes.len(), 1, "{:?}", link.notes);
        assert!(link.notes[0].contains("`02-sets`") && link.notes[0].contains("the run was used"));

        let both = Link::from_address("?lesson=02-sets", "#step=1&z=Q");
        assert!(
            both.notes
                .iter()
                .any(|n| n.contains("the part after `#` was used")),
            "{:?}",
            both.notes
        );
        let mut packed = Link::from_address("", "#lesson=02-sets&z=Q");
        packed.unpack(Ok(format!("{}\n", l.to_json())));
        assert!(matches!(packed.lesson, Some(LinkedLesson::Run(_))));
        assert!(
            packed.notes[0].contains("the run was used"),
            "{:?}",
            packed.notes
        );
    }
}
