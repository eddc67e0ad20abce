//! Reading a lesson, or one step, from JSON: the fast path (one typed pass, native
//! builds) and the precise path, which sets aside each field found wrong so that every
//! mistake is named.
use super::mistakes::{
    check_question, check_steps, did_you_mean, expectation_hint, plain_words, suggest_known,
    Mistakes,
};
use super::text::{duplicate_keys, over_bound, without_bom};
use super::*;
use crate::profile::Profile;
use crate::trace::Outcome;
#[cfg(not(target_arch = "wasm32"))]
use serde::de;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
#[cfg(not(target_arch = "wasm32"))]
use std::fmt;

pub(super) mod reader;

pub(super) fn top_err(field: &str, message: impl Into<String>) -> LessonError {
    LessonError {
        step: None,
        op: None,
        field: Some(field.to_string()),
        message: message.into(),
    }
    .tidied()
}

pub(super) const LESSON_KEYS: [&str; 9] = [
    "format", "title", "summary", "intro", "outro", "profile", "profiles", "knobs", "steps",
];

/// Everything of a lesson but its steps, validated.
pub(super) struct Header {
    title: String,
    summary: String,
    intro: Option<String>,
    outro: Option<String>,
    profile: Profile,
    profiles: Vec<Profile>,
    knobs: Map<String, Value>,
}

impl Header {
    /// Validates the top-level fields (every key but `steps`), noting every mistake.
    fn from_map(mut top: Map<String, Value>, mistakes: &mut Mistakes) -> Option<Header> {
        for k in top.keys().filter(|k| !LESSON_KEYS.contains(&k.as_str())) {
            mistakes.push(top_err(
                k,
                format!(
                    "unknown field{} (expected one of {})",
                    did_you_mean(k, &LESSON_KEYS),
                    LESSON_KEYS.join(", ")
                ),
            ));
        }
        match top.get("format") {
            Some(Value::Number(n)) if n.as_u64() == Some(FORMAT) => {}
            Some(_) => mistakes.push(top_err(
                "format",
                format!("unsupported format (this version reads format {FORMAT})"),
            )),
            None => mistakes.push(top_err("format", "missing")),
        }
        let mut string = |key: &str, required: bool| {
            take_string(&mut top, key, required).unwrap_or_else(|e| {
                mistakes.push(e);
                None
            })
        };
        let title = string("title", true).unwrap_or_default();
        let summary = string("summary", false).unwrap_or_default();
        let intro = string("intro", false);
        let outro = string("outro", false);
        let texts = [
            ("title", Some(&title), MAX_SHORT_TEXT_CHARS, "a title"),
            ("summary", Some(&summary), MAX_TEXT_CHARS, "a summary"),
            ("intro", intro.as_ref(), MAX_LONG_TEXT_CHARS, "an intro"),
            ("outro", outro.as_ref(), MAX_LONG_TEXT_CHARS, "an outro"),
        ];
        for (field, text, max, what) in texts {
            if let Some(m) = text.and_then(|t| over_bound(t, max, what)) {
                mistakes.push(top_err(field, m));
            }
        }
        let profile: Option<Profile> = match top.remove("profile") {
            Some(Value::String(s)) => s
                .parse()
                .map_err(|e: String| mistakes.push(top_err("profile", e)))
                .ok(),
            Some(_) => {
                mistakes.push(top_err("profile", "expected a profile name"));
                None
            }
            None => {
                mistakes.push(top_err("profile", "missing"));
                None
            }
        };
        let mut profiles: Vec<Profile> = profile.into_iter().collect();
        if let Some(p) = top.remove("profiles") {
            match Vec::<String>::deserialize(&p) {
                Err(e) => mistakes.push(top_err("profiles", e.to_string())),
                Ok(list) => {
                    for (i, s) in list.iter().enumerate() {
                        match s.parse::<Profile>() {
                            Err(e) => mistakes.push(top_err(&format!("profiles[{i}]"), e)),
                            Ok(p) if !profiles.contains(&p) => profiles.push(p),
                            Ok(_) => {}
                        }
                    }
                }
            }
        }
        let knobs = match top.remove("knobs") {
            None => Map::new(),
            Some(Value::Object(m)) => m,
            Some(_) => {
                mistakes.push(top_err("knobs", "expected an object of knob overrides"));
                Map::new()
            }
        };
        // Each knob on its own, so that every wrong one is named (once, not once per
        // profile).
        for (k, v) in &knobs {
            let one: Map<String, Value> = [(k.clone(), v.clone())].into_iter().collect();
            if let Some(e) = profiles
                .iter()
                .find_map(|p| p.knobs().with_overrides(&one).err())
            {
                mistakes.push(top_err("knobs", e));
            }
        }
        // With its profile read, the header serves to check the steps even when other
        // fields are wrong (the lesson is refused all the same).
        let profile = profile?;
        Some(Header {
            title,
            summary,
            intro,
            outro,
            profile,
            profiles,
            knobs,
        })
    }

    fn into_lesson(self, steps: Vec<Step>) -> Lesson {
        Lesson {
            title: self.title,
            summary: self.summary,
            intro: self.intro,
            outro: self.outro,
            profile: self.profile,
            profiles: self.profiles,
            knobs: self.knobs,
            steps,
        }
    }
}

impl Mistakes {
    /// The lesson when nothing was found wrong (its header read and its steps, from
    /// `steps`), else every mistake.
    fn lesson(
        self,
        header: Option<Header>,
        steps: impl FnOnce() -> Vec<Step>,
    ) -> Result<Lesson, Vec<LessonError>> {
        match header {
            Some(h) if self.len() == 0 => Ok(h.into_lesson(steps())),
            _ => Err(self.into_list()),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// The fast path's view of a file: the small fields kept as JSON for `Header`, the
/// steps parsed typed in the same pass.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireLesson {
    #[serde(default, deserialize_with = "wire_present")]
    format: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    title: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    summary: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    intro: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    outro: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    profile: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    profiles: Option<Value>,
    #[serde(default, deserialize_with = "wire_present")]
    knobs: Option<Value>,
    #[serde(deserialize_with = "steps_from_wire")]
    steps: Vec<Step>,
}

#[cfg(not(target_arch = "wasm32"))]
/// An optional field as the precise path reads it: absent is `None` (by `default`), but
/// a `null` is a value like any other (for a string field, a mistyped one), not "absent".
/// The fast path must be no more lenient than the precise one: what it refuses goes to
/// the precise path, which names the mistake.
pub(super) fn wire_present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(not(target_arch = "wasm32"))]
/// `"as"`: a name of letters, digits and `_`, as the precise path demands.
pub(super) fn wire_var_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let s = String::deserialize(d)?;
    if is_var_name(&s) {
        Ok(Some(s))
    } else {
        Err(de::Error::custom("not a name"))
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// Parses the steps array, turning each wire step into a `Step` as it is read (one
/// vector, no second copy of a long lesson).
pub(super) fn steps_from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Step>, D::Error> {
    struct Steps;
    impl<'de> de::Visitor<'de> for Steps {
        type Value = Vec<Step>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of steps")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Step>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
            while let Some(w) = seq.next_element::<WireStep>()? {
                out.push(Step::from(w));
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Steps)
}

#[cfg(not(target_arch = "wasm32"))]
impl WireLesson {
    fn into_lesson(self) -> Result<Lesson, Vec<LessonError>> {
        let mut top = Map::new();
        let fields = [
            ("format", self.format),
            ("title", self.title),
            ("summary", self.summary),
            ("intro", self.intro),
            ("outro", self.outro),
            ("profile", self.profile),
            ("profiles", self.profiles),
            ("knobs", self.knobs),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                top.insert(k.to_string(), v);
            }
        }
        let mut mistakes = Mistakes::default();
        let header = Header::from_map(top, &mut mistakes);
        let profiles = header.as_ref().map(|h| &h.profiles[..]);
        let steps = self.steps.iter().map(|s| (Ok(s), s.save_as.as_deref()));
        check_steps(steps, profiles, &mut mistakes);
        mistakes.lesson(header, || self.steps)
    }
}

impl Lesson {
    /// Parses and validates a lesson from JSON text. On a mistake, returns the first
    /// one [`Lesson::parse_reporting_all`] lists.
    pub fn parse(text: &str) -> Result<Lesson, LessonError> {
        Lesson::parse_reporting_all(text).map_err(first)
    }

    /// Parses and validates a lesson from JSON text, and on failure lists every
    /// mistake found (every one in each step, as [`parse_step_reporting_all`] finds
    /// them, and the checks that need the steps before it; up to [`MAX_LISTED`], then
    /// a line counting the rest): the lesson's own fields first, then step by step.
    /// Never empty on failure. Text that is not JSON is one mistake.
    pub fn parse_reporting_all(text: &str) -> Result<Lesson, Vec<LessonError>> {
        // A byte-order mark is no part of the JSON (a browser's decoder drops it too).
        let text = without_bom(text);
        // A key written twice would be read as its last value, silently.
        let twice = duplicate_keys(text, MAX_LISTED);
        if !twice.is_empty() {
            return Err(twice);
        }
        // Fast path (native builds): one typed pass. Any mistake in a step sends the
        // text through the precise path, which finds and names it.
        #[cfg(not(target_arch = "wasm32"))]
        if let Ok(wire) = serde_json::from_str::<WireLesson>(text) {
            return wire.into_lesson();
        }
        let v: Value = serde_json::from_str(text).map_err(|e| {
            vec![LessonError {
                step: None,
                op: None,
                field: None,
                message: format!("not valid JSON: {e}"),
            }]
        })?;
        Lesson::from_value_reporting_all(v)
    }

    /// Validates a lesson from a JSON value; on a mistake, the first one.
    pub fn from_value(v: Value) -> Result<Lesson, LessonError> {
        Lesson::from_value_reporting_all(v).map_err(first)
    }

    /// Validates a lesson from a JSON value, listing every mistake as
    /// [`Lesson::parse_reporting_all`] does.
    pub fn from_value_reporting_all(v: Value) -> Result<Lesson, Vec<LessonError>> {
        let Value::Object(mut top) = v else {
            return Err(vec![LessonError {
                step: None,
                op: None,
                field: None,
                message: "a lesson is a JSON object".into(),
            }]);
        };
        let mut mistakes = Mistakes::default();
        let steps = match top.remove("steps") {
            Some(Value::Array(a)) => a,
            Some(_) => {
                mistakes.push(top_err("steps", "expected an array of steps"));
                Vec::new()
            }
            None => {
                mistakes.push(top_err("steps", "missing"));
                Vec::new()
            }
        };
        let header = Header::from_map(top, &mut mistakes);
        mistakes.pair_top_level_strays();
        let parsed: Vec<_> = steps
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let save_as = saved_name(&v);
                (parse_step_parts(i, v), save_as)
            })
            .collect();
        let profiles = header.as_ref().map(|h| &h.profiles[..]);
        let items = parsed.iter().map(|(s, n)| (s.as_ref(), n.as_deref()));
        check_steps(items, profiles, &mut mistakes);
        let steps: Vec<Step> = parsed.into_iter().filter_map(|(s, _)| s.ok()).collect();
        mistakes.lesson(header, || steps)
    }
}

/// The first of a non-empty list of mistakes.
pub(super) fn first(mut list: Vec<LessonError>) -> LessonError {
    if list.is_empty() {
        // Not reached: a failed parse lists at least one mistake.
        return LessonError {
            step: None,
            op: None,
            field: None,
            message: "rejected".into(),
        };
    }
    list.swap_remove(0)
}

pub(super) fn take_string(
    top: &mut Map<String, Value>,
    key: &str,
    required: bool,
) -> Result<Option<String>, LessonError> {
    match top.remove(key) {
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(top_err(key, "expected a string")),
        None if required => Err(top_err(key, "missing")),
        None => Ok(None),
    }
}

/// Parses one step (index `i`) from its JSON object; on a mistake, the first one
/// [`parse_step_reporting_all`] lists.
pub fn parse_step(i: usize, v: Value) -> Result<Step, LessonError> {
    parse_step_reporting_all(i, v).map_err(first)
}

/// Parses one step (index `i`) from its JSON object, listing every mistake in it on
/// failure (never an empty list): its `op`, then `as`, `thread`, `say`, `expect`,
/// `expect_in`, `say_in` and `ask`, then the op's own fields. A field found wrong is
/// set aside and the op parsed again, so one mistake does not hide the next; a required
/// field set aside is not reported a second time as missing.
pub fn parse_step_reporting_all(i: usize, v: Value) -> Result<Step, Vec<LessonError>> {
    parse_step_parts(i, v).map_err(|broken| {
        let mut list = broken.mistakes;
        list.extend(check_question(i, broken.op.as_deref(), broken.ask.as_deref(), None).err());
        list.into_iter().map(LessonError::tidied).collect()
    })
}

/// A step that did not parse: its mistakes, and the parts of it that could be read, for
/// the checks that need no op (its question; its `expect_in` against the lesson's
/// profiles).
pub(super) struct BrokenStep {
    pub(super) mistakes: Vec<LessonError>,
    /// The op's name as written, if it is a string.
    pub(super) op: Option<String>,
    pub(super) ask: Option<Box<Question>>,
    pub(super) expect_in: Vec<Profile>,
    pub(super) say_in: BTreeMap<Profile, String>,
}

/// [`parse_step_reporting_all`], keeping what a broken step's readable parts say.
pub(super) fn parse_step_parts(i: usize, v: Value) -> Result<Step, BrokenStep> {
    let err = |op: Option<&str>, field: Option<String>, message: String| LessonError {
        step: Some(i),
        op: op.map(str::to_string),
        field,
        message,
    };
    let Value::Object(mut m) = v else {
        return Err(BrokenStep {
            mistakes: vec![err(None, None, "a step is a JSON object".into())],
            op: None,
            ask: None,
            expect_in: Vec::new(),
            say_in: BTreeMap::new(),
        });
    };
    let mut mistakes = Vec::new();
    // The op as written, known or not: the step's other mistakes are named with it.
    let written_op = m.get("op").and_then(Value::as_str).map(str::to_string);
    let op_name = match m.remove("op") {
        Some(Value::String(s)) if OP_NAMES.contains(&s.as_str()) => Some(s),
        Some(Value::String(s)) => {
            // A near miss names the op meant; only a far one needs the whole list.
            let hint = match did_you_mean(&s, &OP_NAMES) {
                close if !close.is_empty() => close,
                _ => format!(" (expected one of {})", OP_NAMES.join(", ")),
            };
            mistakes.push(err(
                Some(&s),
                Some("op".into()),
                format!("unknown op `{}`{hint}", text::quote(&s)),
            ));
            None
        }
        Some(_) => {
            mistakes.push(err(None, Some("op".into()), "expected an op name".into()));
            None
        }
        None => {
            mistakes.push(err(None, Some("op".into()), "missing".into()));
            None
        }
    };
    let opn = written_op.as_deref();
    // A string field: its value if it has one and `fits`, else the mistake noted.
    let mut string = |k: &str, fits: fn(&str) -> bool, expected: &str| match m.remove(k) {
        Some(Value::String(s)) if fits(&s) => Some(s),
        None => None,
        Some(_) => {
            mistakes.push(err(opn, Some(k.into()), format!("expected {expected}")));
            None
        }
    };
    let save_as = string("as", is_var_name, "a name of letters, digits and _");
    let thread = string("thread", |_| true, "a string");
    let say = string("say", |_| true, "a string");
    // `key`'s value as a `T`, if the step has it and it reads.
    fn typed<T: for<'de> Deserialize<'de>>(
        m: &mut Map<String, Value>,
        key: &str,
        hint: fn(String) -> String,
        mistake: impl FnOnce(String, String),
    ) -> Option<T> {
        let v = m.remove(key)?;
        parse_at(&v)
            .map_err(|(p, msg)| mistake(join(key, &p), hint(msg)))
            .ok()
    }
    let mut note = |field: String, message: String| mistakes.push(err(opn, Some(field), message));
    let expect: Option<Outcome> = typed(&mut m, "expect", expectation_hint, &mut note);
    let expect_in = expectations_by_profile(m.remove("expect_in"), &mut note);
    let say_in: Option<BTreeMap<Profile, String>> = typed(&mut m, "say_in", |msg| msg, &mut note);
    let ask: Option<Question> = typed(&mut m, "ask", |msg| msg, &mut note);
    let op = op_name.and_then(|name| {
        let from = mistakes.len();
        let op = parse_op(i, &name, m, &mut mistakes);
        pair_strays_with_missing(&name, &mut mistakes, from);
        op
    });
    match op {
        Some(op) if mistakes.is_empty() => Ok(Step {
            op,
            save_as,
            thread,
            say,
            say_in: say_in.unwrap_or_default(),
            expect,
            expect_in: expect_in.unwrap_or_default(),
            ask,
        }),
        _ => Err(BrokenStep {
            mistakes,
            op: written_op,
            ask: ask.map(Box::new),
            expect_in: expect_in
                .map(|e| e.into_keys().collect())
                .unwrap_or_default(),
            say_in: say_in.unwrap_or_default(),
        }),
    }
}

/// A step's `expect_in`, each profile read on its own so that a mistake names the
/// profile it is under (`expect_in.v5.11`): a profile name that is not one, or an
/// expectation that does not read. `None` when absent or wrong (the mistakes noted).
fn expectations_by_profile(
    v: Option<Value>,
    note: &mut impl FnMut(String, String),
) -> Option<BTreeMap<Profile, Outcome>> {
    let map = match v? {
        Value::Object(map) => map,
        _ => {
            note(
                "expect_in".into(),
                "expected an object of expectations by profile, e.g. {\"v5.11\": {\"ok\": 1}}"
                    .into(),
            );
            return None;
        }
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (k, v) in map {
        let field = format!("expect_in.{k}");
        let profile = k.parse::<Profile>().map_err(|e| {
            let hint = did_you_mean(&k, &Profile::ALL.map(|p| p.name()));
            note(field.clone(), format!("{e}{hint}"));
        });
        let outcome = parse_at::<Outcome, _>(&v)
            .map_err(|(p, msg)| note(join(&field, &p), expectation_hint(msg)));
        match (profile, outcome) {
            (Ok(p), Ok(o)) => {
                out.insert(p, o);
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// The `k`th value tried in place of a field found wrong or missing, so that the op's
/// other fields are still checked: one of them fits each field type of the format (a
/// number, a name, a list, nothing, a flag, a permission, data, a notifier priority).
pub(super) fn placeholder(k: usize) -> Option<Value> {
    Some(match k {
        0 => Value::from(0),
        1 => Value::from("x"),
        2 => Value::Array(Vec::new()),
        3 => Value::Null,
        4 => Value::Bool(false),
        5 => Value::from("r"),
        6 => serde_json::json!({"mm": "x"}),
        7 => Value::from("cpu"),
        _ => return None,
    })
}

/// How many values [`placeholder`] has.
pub(super) const PLACEHOLDERS: usize = 8;

/// Parses an op's own fields (`m`, the step without its common keys), noting each
/// mistake in `mistakes`: an unknown field is dropped, and a field written wrong or
/// missing is given a placeholder the op accepts, and the op parsed again, so that
/// every field is checked once. A field with no fitting placeholder ends the search,
/// as does a step with [`MAX_LISTED`] mistakes noted.
pub(super) fn parse_op(
    i: usize,
    op_name: &str,
    mut m: Map<String, Value>,
    mistakes: &mut Vec<LessonError>,
) -> Option<Op> {
    // Fields reported, and the next placeholder to try in each.
    let mut reported: BTreeMap<String, usize> = BTreeMap::new();
    let rounds = (m.len() + Op::MAX_FIELDS) * (PLACEHOLDERS + 1);
    for _ in 0..rounds {
        // Read in place (`&Value`): a round that fails changes `m` and reads it again.
        let tagged = Value::Object(Map::from_iter([(op_name.to_string(), Value::Object(m))]));
        let parsed = parse_at::<Op, _>(&tagged);
        let Value::Object(mut outer) = tagged else {
            return None;
        };
        m = match outer.remove(op_name) {
            Some(Value::Object(inner)) => inner,
            _ => return None,
        };
        let (p, msg) = match parsed {
            Ok(op) if reported.is_empty() => return Some(op),
            Ok(_) => return None,
            Err(e) => e,
        };
        let p = p
            .strip_prefix(op_name)
            .map_or(p.as_str(), |r| r.strip_prefix('.').unwrap_or(r))
            .to_string();
        let unknown = msg.starts_with("unknown field");
        // The op's own key the mistake is under: the key itself (which may hold a `.`
        // or a `[`), or the one a deeper path starts with (`maps` for `maps[1].perm`).
        let top_level = m.contains_key(&p);
        let key = if top_level {
            p.clone()
        } else {
            p.split(['.', '[']).next().unwrap_or_default().to_string()
        };
        let next = match reported.get(&key) {
            // A placeholder that did not fit: try the next one.
            Some(&next) => next,
            // Enough for one step: each round copies the step, so a step of many
            // thousand stray keys would take rounds by the thousand.
            None if mistakes.len() >= MAX_LISTED => return None,
            None => {
                // A misspelled field of the step itself: serde lists only the op's own.
                let msg = if unknown && top_level {
                    format!(
                        "{msg}; any step may also have {}{}",
                        STEP_KEYS.join(", "),
                        did_you_mean(&p, STEP_KEYS)
                    )
                } else {
                    msg
                };
                mistakes.push(LessonError {
                    step: Some(i),
                    op: Some(op_name.to_string()),
                    field: (!p.is_empty()).then_some(p),
                    message: msg,
                });
                0
            }
        };
        match placeholder(next) {
            _ if key.is_empty() => return None,
            _ if unknown => {
                m.remove(&key);
            }
            Some(v) => {
                m.insert(key.clone(), v);
            }
            None => return None,
        }
        reported.insert(key, next + 1);
    }
    None
}

/// A field written under a wrong name is one mistake, not two: in `mistakes[from..]`
/// (one op's fields), each required field reported missing is paired with the key set
/// aside as unknown that it was most likely written as (the one whose message already
/// suggests it; else, when one field is missing and one unknown key has no suggestion
/// at all, that key: `vm` written for `guest`). The key's mistake then suggests the
/// field, and the "missing" one is dropped. Anything unpaired is left as it is.
pub(super) fn pair_strays_with_missing(op: &str, mistakes: &mut Vec<LessonError>, from: usize) {
    let field = |e: &LessonError| e.field.clone().unwrap_or_default();
    let is_stray =
        |e: &LessonError| e.message.starts_with("unknown field") && !field(e).contains(['.', '[']);
    let missing: Vec<usize> = (from..mistakes.len())
        .filter(|&k| mistakes[k].message == "missing")
        .collect();
    let mut strays: Vec<usize> = (from..mistakes.len())
        .filter(|&k| is_stray(&mistakes[k]))
        .collect();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut unpaired: Vec<usize> = Vec::new();
    for &k in &missing {
        let close = format!("did you mean `{}`?", field(&mistakes[k]));
        match strays
            .iter()
            .position(|&s| mistakes[s].message.contains(&close))
        {
            Some(at) => pairs.push((strays.remove(at), k)),
            None => unpaired.push(k),
        }
    }
    let far: Vec<usize> = strays
        .into_iter()
        .filter(|&s| !mistakes[s].message.contains("did you mean"))
        .collect();
    if let ([s], [k]) = (&far[..], &unpaired[..]) {
        pairs.push((*s, *k));
    }
    let mut dropped: Vec<usize> = Vec::new();
    for (s, k) in pairs {
        let (stray, meant) = (field(&mistakes[s]), field(&mistakes[k]));
        mistakes[s].message = format!(
            "unknown field; did you mean `{meant}`? ({op} needs `{meant}` and has no `{stray}`)"
        );
        dropped.push(k);
    }
    dropped.sort_unstable();
    for k in dropped.into_iter().rev() {
        mistakes.remove(k);
    }
}

pub(super) fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else if b.is_empty() || b == "." {
        a.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// The fields every step may have besides its op's own.
pub(super) const STEP_KEYS: &[&str] = &[
    "as",
    "thread",
    "say",
    "say_in",
    "expect",
    "expect_in",
    "ask",
];

/// The name a step's JSON saves its result `as`, when it is a valid one (the checks
/// of later steps' `$name`s read it, also from a step that does not parse).
pub(super) fn saved_name(step: &Value) -> Option<String> {
    step.get("as")
        .and_then(Value::as_str)
        .filter(|n| is_var_name(n))
        .map(str::to_string)
}

pub(super) fn is_var_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Deserializes `v`, reporting the failing field's path and serde's message. serde's
/// "unknown field" and "missing field" messages already name the field; we move the
/// name into the path.
/// `v` is a `Value` or a `&Value` (read in place, so that it can be parsed again).
pub(super) fn parse_at<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    v: D,
) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        let mut path = e.path().to_string();
        if path == "." {
            path.clear();
        }
        let msg = suggest_known(e.into_inner().to_string());
        for prefix in ["missing field `", "unknown field `"] {
            if let Some(rest) = msg.strip_prefix(prefix) {
                if let Some((field, tail)) = rest.split_once('`') {
                    // serde_path_to_error already ends the path with an unknown field's name.
                    let field = if path == field || path.ends_with(&format!(".{field}")) {
                        path.clone()
                    } else {
                        join(&path, field)
                    };
                    let what = if prefix.starts_with("missing") {
                        "missing"
                    } else {
                        "unknown field"
                    };
                    return (field, format!("{what}{tail}"));
                }
            }
        }
        let msg = if msg.contains("expected map with a single key") {
            // An externally tagged enum written with two keys (or none).
            let data = path == "data" || path.ends_with(".data");
            if data {
                "expected null or an object with exactly one of `mm`, `domain`, `driver`, e.g. {\"mm\": \"A\"}".to_string()
            } else {
                "expected an object with exactly one key".to_string()
            }
        } else {
            msg
        };
        (path, plain_words(msg))
    })
}
