//! The lesson file format (a public interface: teachers write these by hand), and its
//! validation. A malformed lesson is rejected before anything runs, with a message that
//! names the step, the op and the field.
use crate::host::Answer;
use crate::id::{Data, Name};
use crate::profile::{Knobs, Profile};
use crate::set::Priority;
use crate::space::Getter;
use crate::sva::{Mapping, Perm};
use crate::trace::Outcome;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// The only format version so far.
pub const FORMAT: u64 = 1;

/// An ID argument: a number (decimal, or a `"0x..."` string) or `"$name"`, a result
/// saved by an earlier step's `"as"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdArg {
    Num(u64),
    Var(String),
}

impl<'de> Deserialize<'de> for IdArg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = IdArg;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative number, a \"0x...\" string or a \"$name\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdArg, E> {
                Ok(IdArg::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdArg, E> {
                u64::try_from(v)
                    .map(IdArg::Num)
                    .map_err(|_| E::custom(format!("{v} is negative")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdArg, E> {
                if let Some(name) = v.strip_prefix('$') {
                    if name.is_empty() {
                        return Err(E::custom("`$` must be followed by a name"));
                    }
                    return Ok(IdArg::Var(name.to_string()));
                }
                parse_hex(v).map(IdArg::Num).ok_or_else(|| {
                    if v.trim().parse::<i64>().is_ok() {
                        E::custom(format!(
                            "\"{v}\" is a number written as a string: write it without quotes"
                        ))
                    } else if is_var_name(v) {
                        E::custom(format!(
                            "`{v}` is neither a number, a \"0x...\" string nor a \"$name\" (if it names a result saved with \"as\", write \"${v}\")"
                        ))
                    } else {
                        E::custom(format!(
                            "`{v}` is neither a number, a \"0x...\" string nor a \"$name\""
                        ))
                    }
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for IdArg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IdArg::Num(n) => s.serialize_u64(*n),
            IdArg::Var(v) => s.serialize_str(&format!("${v}")),
        }
    }
}

fn parse_hex(v: &str) -> Option<u64> {
    let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"))?;
    u64::from_str_radix(hex, 16).ok()
}

/// An address: a number or a `"0x..."` string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addr(pub u64);

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IdArg::deserialize(d)? {
            IdArg::Num(n) => Ok(Addr(n)),
            IdArg::Var(_) => Err(de::Error::custom("an address cannot be a $name")),
        }
    }
}

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:#x}", self.0))
    }
}

/// A `u64` field written like an address: a number or a `"0x..."` string.
pub(crate) fn address<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Addr::deserialize(d).map(|a| a.0)
}

fn default_true() -> bool {
    true
}

/// An exported `last` is written only when it is not the default.
fn is_true(b: &bool) -> bool {
    *b
}

/// Declares `Op` and, from the same list, `WireStep`: a whole step as a file writes it
/// (`{"op": "alloc", ...fields, "say": ...}`), parsed in one derive-generated pass. That
/// is the fast path of `Lesson::parse`; when it fails, the step is parsed again through
/// `Op`, externally tagged, so that the error names the exact field.
macro_rules! define_ops {
    ($( $(#[$vm:meta])* $variant:ident { $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)? } ),* $(,)?) => {
        /// One operation of the lesson format. In files each step is
        /// `{"op": "alloc", ...fields}`; `Op` itself (de)serializes externally tagged
        /// (`{"alloc": {...}}`).
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        pub enum Op {
            $( $(#[$vm])* $variant { $( $(#[$fm])* $field: $ty ),* } ),*
        }

        // Native builds only: its generated parser is large, and the browser reads
        // lessons small enough for the precise path.
        #[cfg(not(target_arch = "wasm32"))]
        #[derive(Deserialize)]
        #[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
        enum WireStep {
            $( $variant {
                $( $(#[$fm])* $field: $ty, )*
                #[serde(rename = "as", default, deserialize_with = "wire_var_name")]
                save_as: Option<String>,
                #[serde(default, deserialize_with = "wire_present")]
                thread: Option<String>,
                #[serde(default, deserialize_with = "wire_present")]
                say: Option<String>,
                #[serde(default, deserialize_with = "wire_present")]
                expect: Option<Outcome>,
                #[serde(default)]
                expect_in: BTreeMap<Profile, Outcome>,
                #[serde(default, deserialize_with = "wire_present")]
                ask: Option<Question>,
            } ),*
        }

        impl Op {
            /// The most fields any op has.
            pub const MAX_FIELDS: usize = {
                let mut most = 0;
                $(
                    let fields: &[&str] = &[ $( stringify!($field) ),* ];
                    if fields.len() > most {
                        most = fields.len();
                    }
                )*
                most
            };

            /// The op's fields in the order they are declared: the order an exported
            /// lesson writes them in.
            pub fn field_names(&self) -> &'static [&'static str] {
                match self {
                    $( Op::$variant { .. } => &[ $( stringify!($field) ),* ] ),*
                }
            }
        }

        #[cfg(not(target_arch = "wasm32"))]
        impl From<WireStep> for Step {
            fn from(w: WireStep) -> Step {
                match w {
                    $( WireStep::$variant { $( $field, )* save_as, thread, say, expect, expect_in, ask } => Step {
                        op: Op::$variant { $( $field ),* },
                        save_as,
                        thread,
                        say,
                        expect,
                        expect_in,
                        ask,
                    } ),*
                }
            }
        }
    };
}

define_ops! {
    SetCreate {
        set: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<Name>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quota: Option<u32>,
    },
    SetFree {
        set: Name,
    },
    Alloc {
        #[serde(default)]
        set: Option<Name>,
        min: IdArg,
        max: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Data>,
    },
    Free {
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
    Get {
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
    Put {
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
    GetIfOwned {
        id: IdArg,
        mm: Name,
    },
    Find {
        #[serde(default)]
        set: Option<Name>,
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        getter: Option<Getter>,
    },
    SetData {
        id: IdArg,
        data: Option<Data>,
    },
    AttachData {
        id: IdArg,
        data: Data,
    },
    DetachData {
        id: IdArg,
    },
    AttachSpid {
        id: IdArg,
        spid: u32,
    },
    FindBySpid {
        set: Name,
        spid: u32,
    },
    HostCreate {
        host: Name,
        min: IdArg,
        max: IdArg,
    },
    HostAnswer {
        host: Name,
        answers: Vec<Answer>,
    },
    HostAlloc {
        host: Name,
        guest: Name,
    },
    HostFree {
        host: Name,
        id: IdArg,
    },
    Register {
        allocator: Name,
        fns: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<Name>,
    },
    Unregister {
        allocator: Name,
    },
    MmCreate {
        mm: Name,
        #[serde(default)]
        maps: Vec<Mapping>,
    },
    MmExit {
        mm: Name,
    },
    Bind {
        device: Name,
        mm: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<IdArg>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<IdArg>,
    },
    Unbind {
        device: Name,
        mm: Name,
    },
    Fault {
        device: Name,
        pasid: Option<IdArg>,
        addr: Addr,
        perm: Perm,
        group: u32,
        #[serde(default = "default_true", skip_serializing_if = "is_true")]
        last: bool,
    },
    RunFaults {},
    Flush {
        device: Name,
    },
    Overflow {
        device: Name,
    },
    AttachPasid {
        device: Name,
        pasid: IdArg,
        domain: Name,
    },
    DetachPasid {
        device: Name,
        pasid: IdArg,
    },
    ReadBegin {
        reader: Name,
        #[serde(default)]
        set: Option<Name>,
        id: IdArg,
    },
    ReadEnd {
        reader: Name,
    },
    NotifierRegister {
        name: Name,
        priority: Priority,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
}

/// The names of every op, for error messages and the sandbox.
pub const OP_NAMES: [&str; 32] = [
    "set_create",
    "set_free",
    "alloc",
    "free",
    "get",
    "put",
    "get_if_owned",
    "find",
    "set_data",
    "attach_data",
    "detach_data",
    "attach_spid",
    "find_by_spid",
    "host_create",
    "host_answer",
    "host_alloc",
    "host_free",
    "register",
    "unregister",
    "mm_create",
    "mm_exit",
    "bind",
    "unbind",
    "fault",
    "run_faults",
    "flush",
    "overflow",
    "attach_pasid",
    "detach_pasid",
    "read_begin",
    "read_end",
    "notifier_register",
];

impl Op {
    /// The op's name as a lesson writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Op::SetCreate { .. } => "set_create",
            Op::SetFree { .. } => "set_free",
            Op::Alloc { .. } => "alloc",
            Op::Free { .. } => "free",
            Op::Get { .. } => "get",
            Op::Put { .. } => "put",
            Op::GetIfOwned { .. } => "get_if_owned",
            Op::Find { .. } => "find",
            Op::SetData { .. } => "set_data",
            Op::AttachData { .. } => "attach_data",
            Op::DetachData { .. } => "detach_data",
            Op::AttachSpid { .. } => "attach_spid",
            Op::FindBySpid { .. } => "find_by_spid",
            Op::HostCreate { .. } => "host_create",
            Op::HostAnswer { .. } => "host_answer",
            Op::HostAlloc { .. } => "host_alloc",
            Op::HostFree { .. } => "host_free",
            Op::Register { .. } => "register",
            Op::Unregister { .. } => "unregister",
            Op::MmCreate { .. } => "mm_create",
            Op::MmExit { .. } => "mm_exit",
            Op::Bind { .. } => "bind",
            Op::Unbind { .. } => "unbind",
            Op::Fault { .. } => "fault",
            Op::RunFaults {} => "run_faults",
            Op::Flush { .. } => "flush",
            Op::Overflow { .. } => "overflow",
            Op::AttachPasid { .. } => "attach_pasid",
            Op::DetachPasid { .. } => "detach_pasid",
            Op::ReadBegin { .. } => "read_begin",
            Op::ReadEnd { .. } => "read_end",
            Op::NotifierRegister { .. } => "notifier_register",
        }
    }

    /// The `$name` references this op makes, with the field that makes each.
    pub fn var_refs(&self) -> Vec<(&'static str, &str)> {
        let args: [(&'static str, Option<&IdArg>); 2] = match self {
            Op::Alloc { min, max, .. } | Op::HostCreate { min, max, .. } => {
                [("min", Some(min)), ("max", Some(max))]
            }
            Op::Free { id, .. }
            | Op::Get { id, .. }
            | Op::Put { id, .. }
            | Op::GetIfOwned { id, .. }
            | Op::Find { id, .. }
            | Op::SetData { id, .. }
            | Op::AttachData { id, .. }
            | Op::DetachData { id }
            | Op::AttachSpid { id, .. }
            | Op::HostFree { id, .. }
            | Op::ReadBegin { id, .. } => [("id", Some(id)), ("", None)],
            Op::Bind { min, max, .. } => [("min", min.as_ref()), ("max", max.as_ref())],
            Op::Fault { pasid, .. } => [("pasid", pasid.as_ref()), ("", None)],
            Op::AttachPasid { pasid, .. } | Op::DetachPasid { pasid, .. } => {
                [("pasid", Some(pasid)), ("", None)]
            }
            _ => [("", None), ("", None)],
        };
        args.into_iter()
            .filter_map(|(field, arg)| match arg {
                Some(IdArg::Var(v)) => Some((field, v.as_str())),
                _ => None,
            })
            .collect()
    }
}

/// A predict-then-reveal question, asked before the step is shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    pub choices: Vec<String>,
    /// Index of the right choice.
    pub answer: usize,
    /// Why, shown after the learner answers, right or wrong.
    pub explain: String,
}

/// One step: an op plus the fields every step may have.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub op: Op,
    /// Save the result under this name (`"$name"` later).
    pub save_as: Option<String>,
    /// Who performs it, for display.
    pub thread: Option<String>,
    /// Narration.
    pub say: Option<String>,
    /// The result the narration relies on.
    pub expect: Option<Outcome>,
    /// Per-profile expectations, overriding `expect` under that profile.
    pub expect_in: BTreeMap<Profile, Outcome>,
    pub ask: Option<Question>,
}

impl Step {
    /// A bare step for `op`.
    pub fn new(op: Op) -> Step {
        Step {
            op,
            save_as: None,
            thread: None,
            say: None,
            expect: None,
            expect_in: BTreeMap::new(),
            ask: None,
        }
    }

    /// The expectation that applies under `profile`.
    pub fn expect_for(&self, profile: Profile) -> Option<&Outcome> {
        self.expect_in.get(&profile).or(self.expect.as_ref())
    }

    /// The step as lesson JSON.
    pub fn to_json(&self) -> Value {
        let mut m = match serde_json::to_value(&self.op) {
            Ok(Value::Object(outer)) => match outer.into_iter().next() {
                Some((_, Value::Object(fields))) => fields,
                _ => Map::new(),
            },
            _ => Map::new(),
        };
        m.insert("op".into(), Value::String(self.op.name().into()));
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        put("as", self.save_as.clone().map(Value::String));
        put("thread", self.thread.clone().map(Value::String));
        put("say", self.say.clone().map(Value::String));
        put(
            "expect",
            self.expect
                .as_ref()
                .and_then(|e| serde_json::to_value(e).ok()),
        );
        if !self.expect_in.is_empty() {
            put("expect_in", serde_json::to_value(&self.expect_in).ok());
        }
        put(
            "ask",
            self.ask.as_ref().and_then(|q| serde_json::to_value(q).ok()),
        );
        Value::Object(m)
    }
}

/// A whole lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub title: String,
    pub summary: String,
    /// What you will learn and what you should know first.
    pub intro: Option<String>,
    /// What to take away, shown at the end.
    pub outro: Option<String>,
    /// The profile it runs under by default.
    pub profile: Profile,
    /// Every profile it declares (the default one first); tests run it under each.
    pub profiles: Vec<Profile>,
    /// Knob overrides, as written.
    pub knobs: Map<String, Value>,
    pub steps: Vec<Step>,
}

/// Why a lesson was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    /// The step index (0-based), if the mistake is in a step.
    pub step: Option<usize>,
    pub op: Option<String>,
    /// The field, as a path (`maps[0].perm`).
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for LessonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = self.step {
            // Counted from 1 as the player shows it, with the array index for editors.
            write!(f, "step {} (steps[{s}]", s + 1)?;
            if let Some(op) = &self.op {
                write!(f, ", {op}")?;
            }
            f.write_str("): ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for LessonError {}

fn top_err(field: &str, message: impl Into<String>) -> LessonError {
    LessonError {
        step: None,
        op: None,
        field: Some(field.to_string()),
        message: message.into(),
    }
}

const LESSON_KEYS: [&str; 9] = [
    "format", "title", "summary", "intro", "outro", "profile", "profiles", "knobs", "steps",
];

/// Everything of a lesson but its steps, validated.
struct Header {
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
            match serde_json::from_value::<Vec<String>>(p) {
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

/// The most mistakes one report lists; the rest are counted.
pub const MAX_LISTED: usize = 30;

/// The mistakes found in a lesson so far.
#[derive(Default)]
struct Mistakes {
    list: Vec<LessonError>,
    unlisted: usize,
}

impl Mistakes {
    fn push(&mut self, e: LessonError) {
        if self.list.len() < MAX_LISTED {
            self.list.push(e);
        } else {
            self.unlisted += 1;
        }
    }

    fn len(&self) -> usize {
        self.list.len() + self.unlisted
    }

    /// Every mistake, in the order found (the lesson's own fields, then step by
    /// step), and a last line counting those not listed.
    fn into_list(mut self) -> Vec<LessonError> {
        if self.unlisted > 0 {
            self.list.push(LessonError {
                step: None,
                op: None,
                field: None,
                message: format!("and {} more mistake(s) not listed", self.unlisted),
            });
        }
        self.list
    }

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

/// Notes each step's mistakes in order: why it did not parse (`Err`), then its
/// question, its `$name`s (each saved by an earlier step; not for a step whose op did
/// not parse) and its `expect_in` profiles (unless the lesson's `profile` is broken:
/// `None`). A step that did not parse still saves its `as` name, so a mistake in one
/// step does not make every later `$name` look unknown.
fn check_steps<'a>(
    steps: impl Iterator<Item = (Result<&'a Step, &'a BrokenStep>, Option<&'a str>)>,
    profiles: Option<&[Profile]>,
    mistakes: &mut Mistakes,
) {
    let mut names: HashSet<&str> = HashSet::new();
    for (i, (step, save_as)) in steps.enumerate() {
        let checks = match step {
            Err(broken) => {
                // What the step's readable parts still show.
                broken
                    .mistakes
                    .iter()
                    .cloned()
                    .for_each(|e| mistakes.push(e));
                let op = broken.op.as_deref();
                [
                    check_question(i, op, broken.ask.as_deref()),
                    Ok(()),
                    profiles.map_or(Ok(()), |p| check_expect_in(i, op, &broken.expect_in, p)),
                ]
            }
            Ok(step) => {
                let op = Some(step.op.name());
                [
                    check_question(i, op, step.ask.as_ref()),
                    check_vars(i, step, &names),
                    profiles.map_or(Ok(()), |p| check_expect_in(i, op, step.expect_in.keys(), p)),
                ]
            }
        };
        checks
            .into_iter()
            .filter_map(Result::err)
            .for_each(|e| mistakes.push(e));
        if let Some(n) = save_as {
            names.insert(n);
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
/// The fast path's view of a file: the small fields kept as JSON for `Header`, the
/// steps parsed typed in the same pass.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireLesson {
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
fn wire_present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

#[cfg(not(target_arch = "wasm32"))]
/// `"as"`: a name of letters, digits and `_`, as the precise path demands.
fn wire_var_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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
fn steps_from_wire<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Step>, D::Error> {
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
        let parsed: Vec<_> = steps
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let save_as = v
                    .get("as")
                    .and_then(Value::as_str)
                    .filter(|n| is_var_name(n))
                    .map(str::to_string);
                (parse_step_parts(i, v), save_as)
            })
            .collect();
        let profiles = header.as_ref().map(|h| &h.profiles[..]);
        let items = parsed.iter().map(|(s, n)| (s.as_ref(), n.as_deref()));
        check_steps(items, profiles, &mut mistakes);
        let steps: Vec<Step> = parsed.into_iter().filter_map(|(s, _)| s.ok()).collect();
        mistakes.lesson(header, || steps)
    }

    /// The knobs this lesson runs with under `profile`.
    pub fn knobs_for(&self, profile: Profile) -> Result<Knobs, LessonError> {
        profile
            .knobs()
            .with_overrides(&self.knobs)
            .map_err(|e| top_err("knobs", e))
    }

    /// The lesson as JSON (for export).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("format".into(), Value::from(FORMAT));
        m.insert("title".into(), Value::String(self.title.clone()));
        if !self.summary.is_empty() {
            m.insert("summary".into(), Value::String(self.summary.clone()));
        }
        if let Some(i) = &self.intro {
            m.insert("intro".into(), Value::String(i.clone()));
        }
        if let Some(o) = &self.outro {
            m.insert("outro".into(), Value::String(o.clone()));
        }
        m.insert("profile".into(), Value::String(self.profile.name().into()));
        if self.profiles.len() > 1 {
            // The others: `profile` is always the first.
            let names: Vec<Value> = self.profiles[1..]
                .iter()
                .map(|p| Value::String(p.name().into()))
                .collect();
            m.insert("profiles".into(), Value::Array(names));
        }
        if !self.knobs.is_empty() {
            m.insert("knobs".into(), Value::Object(self.knobs.clone()));
        }
        m.insert(
            "steps".into(),
            Value::Array(self.steps.iter().map(Step::to_json).collect()),
        );
        Value::Object(m)
    }

    /// The lesson as the text of a file, laid out as the built-in lessons are: its own
    /// fields first, then one step per block, `op` first, then the op's fields (as
    /// declared), `as` and `thread` on the step's first line, then `say`, `ask`,
    /// `expect` and `expect_in` on lines of their own. Parses back to the same lesson.
    pub fn to_text(&self) -> String {
        let Value::Object(top) = self.to_json() else {
            return String::new();
        };
        let mut out = String::from("{\n");
        let keys = ordered(&top, &LESSON_KEYS);
        for (n, (k, v)) in keys.iter().enumerate() {
            out.push_str("  ");
            json_key(&mut out, k);
            if *k == "steps" {
                out.push_str(if self.steps.is_empty() { "[" } else { "[\n" });
                for (i, step) in self.steps.iter().enumerate() {
                    step_text(&mut out, step);
                    out.push_str(if i + 1 < self.steps.len() {
                        ",\n"
                    } else {
                        "\n  "
                    });
                }
                out.push(']');
            } else {
                inline_json(&mut out, v);
            }
            out.push_str(if n + 1 < keys.len() { ",\n" } else { "\n" });
        }
        out.push_str("}\n");
        out
    }

    /// Validates one more step as if appended to this lesson (for the sandbox).
    pub fn check_appended(&self, step: &Step) -> Result<(), LessonError> {
        check_appended(&self.steps, step)
    }
}

/// Keys of a step written on lines of their own, after its first line, in this order.
const STEP_TAIL_KEYS: [&str; 4] = ["say", "ask", "expect", "expect_in"];

/// Keys inside a step's values in reading order (a question, a mapping, a result);
/// any other key comes after them, alphabetically.
const INNER_KEYS: [&str; 9] = [
    "prompt", "choices", "answer", "explain", "start", "len", "perm", "ok", "err",
];

/// The entries of `m` with the keys of `order` first, in that order, then the rest as
/// they come (alphabetically).
fn ordered<'a>(m: &'a Map<String, Value>, order: &[&str]) -> Vec<(&'a str, &'a Value)> {
    let mut v: Vec<(&str, &Value)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
    v.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(order.len()));
    v
}

fn json_key(out: &mut String, k: &str) {
    out.push_str(&Value::from(k).to_string());
    out.push_str(": ");
}

/// `v` on one line, with a space after each `:` and `,`.
fn inline_json(out: &mut String, v: &Value) {
    match v {
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                inline_json(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in ordered(m, &INNER_KEYS).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                json_key(out, k);
                inline_json(out, x);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// One step of [`Lesson::to_text`], indented as an element of `steps`.
fn step_text(out: &mut String, step: &Step) {
    let Value::Object(m) = step.to_json() else {
        return;
    };
    let mut order = vec!["op"];
    order.extend_from_slice(step.op.field_names());
    order.extend_from_slice(&["as", "thread"]);
    order.extend_from_slice(&STEP_TAIL_KEYS);
    out.push_str("    {");
    for (i, (k, v)) in ordered(&m, &order).into_iter().enumerate() {
        if i > 0 {
            out.push_str(if STEP_TAIL_KEYS.contains(&k) {
                ",\n     "
            } else {
                ", "
            });
        }
        json_key(out, k);
        inline_json(out, v);
    }
    out.push('}');
}

/// The first of a non-empty list of mistakes.
fn first(mut list: Vec<LessonError>) -> LessonError {
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

fn take_string(
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

/// Validates `step` as the next one after `steps`: its question and its `$name`s.
pub fn check_appended(steps: &[Step], step: &Step) -> Result<(), LessonError> {
    let names: HashSet<&str> = steps.iter().filter_map(|s| s.save_as.as_deref()).collect();
    check_question(steps.len(), Some(step.op.name()), step.ask.as_ref())?;
    check_vars(steps.len(), step, &names)
}

/// `expect_in` may name only the lesson's own profiles: an expectation for a profile
/// the lesson is never run under would never be checked.
fn check_expect_in<'a>(
    i: usize,
    op: Option<&str>,
    named: impl IntoIterator<Item = &'a Profile>,
    profiles: &[Profile],
) -> Result<(), LessonError> {
    match named.into_iter().find(|p| !profiles.contains(p)) {
        None => Ok(()),
        Some(p) => {
            let declared: Vec<&str> = profiles.iter().map(|p| p.name()).collect();
            Err(LessonError {
                step: Some(i),
                op: op.map(str::to_string),
                field: Some(format!("expect_in.{p}")),
                message: format!(
                    "{p} is not one of this lesson's profiles ({}): add it to \"profiles\" or drop this expectation",
                    declared.join(", ")
                ),
            })
        }
    }
}

/// A question needs two choices or more, and its answer must be one of them.
fn check_question(i: usize, op: Option<&str>, q: Option<&Question>) -> Result<(), LessonError> {
    let Some(q) = q else { return Ok(()) };
    let err = |field: &str, message: String| LessonError {
        step: Some(i),
        op: op.map(str::to_string),
        field: Some(field.to_string()),
        message,
    };
    if q.choices.len() < 2 {
        return Err(err(
            "ask.choices",
            "a question needs at least two choices".into(),
        ));
    }
    if q.answer >= q.choices.len() {
        return Err(err(
            "ask.answer",
            format!(
                "{} is not a choice index: with {} choices, the answer is 0 to {}",
                q.answer,
                q.choices.len(),
                q.choices.len() - 1
            ),
        ));
    }
    Ok(())
}

fn check_vars(i: usize, step: &Step, names: &HashSet<&str>) -> Result<(), LessonError> {
    for (field, var) in step.op.var_refs() {
        if !names.contains(var) {
            return Err(LessonError {
                step: Some(i),
                op: Some(step.op.name().to_string()),
                field: Some(field.to_string()),
                message: format!(
                    "unknown `${var}`: no earlier step saves a result `as` \"{var}\"{}",
                    closest(var, &names.iter().copied().collect::<Vec<_>>())
                        .map_or(String::new(), |n| format!(" (did you mean `${n}`?)"))
                ),
            });
        }
    }
    Ok(())
}

/// Parses one step (index `i`) from its JSON object; on a mistake, the first one
/// [`parse_step_reporting_all`] lists.
pub fn parse_step(i: usize, v: Value) -> Result<Step, LessonError> {
    parse_step_reporting_all(i, v).map_err(first)
}

/// Parses one step (index `i`) from its JSON object, listing every mistake in it on
/// failure (never an empty list): its `op`, then `as`, `thread`, `say`, `expect`,
/// `expect_in` and `ask`, then the op's own fields. A field found wrong is set aside
/// and the op parsed again, so one mistake does not hide the next; a required field
/// set aside is not reported a second time as missing.
pub fn parse_step_reporting_all(i: usize, v: Value) -> Result<Step, Vec<LessonError>> {
    parse_step_parts(i, v).map_err(|broken| {
        let mut list = broken.mistakes;
        list.extend(check_question(i, broken.op.as_deref(), broken.ask.as_deref()).err());
        list
    })
}

/// A step that did not parse: its mistakes, and the parts of it that could be read, for
/// the checks that need no op (its question; its `expect_in` against the lesson's
/// profiles).
struct BrokenStep {
    mistakes: Vec<LessonError>,
    /// The op's name as written, if it is a string.
    op: Option<String>,
    ask: Option<Box<Question>>,
    expect_in: Vec<Profile>,
}

/// [`parse_step_reporting_all`], keeping what a broken step's readable parts say.
fn parse_step_parts(i: usize, v: Value) -> Result<Step, BrokenStep> {
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
                format!("unknown op `{s}`{hint}"),
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
        parse_at(v)
            .map_err(|(p, msg)| mistake(join(key, &p), hint(msg)))
            .ok()
    }
    let mut note = |field: String, message: String| mistakes.push(err(opn, Some(field), message));
    let expect: Option<Outcome> = typed(&mut m, "expect", expectation_hint, &mut note);
    let expect_in: Option<BTreeMap<Profile, Outcome>> =
        typed(&mut m, "expect_in", expectation_hint, &mut note);
    let ask: Option<Question> = typed(&mut m, "ask", |msg| msg, &mut note);
    let op = op_name.and_then(|name| parse_op(i, &name, m, &mut mistakes));
    match op {
        Some(op) if mistakes.is_empty() => Ok(Step {
            op,
            save_as,
            thread,
            say,
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
        }),
    }
}

/// The `k`th value tried in place of a field found wrong or missing, so that the op's
/// other fields are still checked: one of them fits each field type of the format (a
/// number, a name, a list, nothing, a flag, a permission, data, a notifier priority).
fn placeholder(k: usize) -> Option<Value> {
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
const PLACEHOLDERS: usize = 8;

/// Parses an op's own fields (`m`, the step without its common keys), noting each
/// mistake in `mistakes`: an unknown field is dropped, and a field written wrong or
/// missing is given a placeholder the op accepts, and the op parsed again, so that
/// every field is checked once. A field with no fitting placeholder ends the search,
/// as does a step with [`MAX_LISTED`] mistakes noted.
fn parse_op(
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

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else if b.is_empty() || b == "." {
        a.to_string()
    } else {
        format!("{a}.{b}")
    }
}

/// A mistaken `expect`: serde's words, then how one is written.
fn expectation_hint(msg: String) -> String {
    let msg = if msg.contains("untagged enum Val") {
        "not a result value (an ID as a plain number, true or false, data such as {\"mm\": \"A\"}, a list of responses, or null)".to_string()
    } else {
        msg
    };
    format!(
        "{msg}; an expectation is {{\"ok\": VALUE}} or {{\"err\": \"NAME\"}}, e.g. {{\"ok\": 2}}"
    )
}

/// The fields every step may have besides its op's own.
const STEP_KEYS: &[&str] = &["as", "thread", "say", "expect", "expect_in", "ask"];

/// " (did you mean `x`?)" when one of `known` is close to `word`: one edit for a word
/// of up to three letters, two up to six, three beyond (so `max` is not taken for `as`).
fn did_you_mean(word: &str, known: &[&str]) -> String {
    closest(word, known).map_or(String::new(), |k| format!(" (did you mean `{k}`?)"))
}

/// The one of `known` closest to `word`, if within reach (see [`did_you_mean`]).
fn closest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let reach = match word.chars().count() {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    known
        .iter()
        .map(|k| (strsim::levenshtein(word, k), *k))
        .filter(|(d, _)| *d <= reach)
        .min()
        .map(|(_, k)| k)
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "unknown variant"), with
/// the closest of the expected names suggested; other messages as they are.
fn suggest_known(msg: String) -> String {
    let Some(rest) = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))
    else {
        return msg;
    };
    let Some((word, tail)) = rest.split_once('`') else {
        return msg;
    };
    let known: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    let hint = did_you_mean(word, &known);
    format!("{msg}{hint}")
}

fn is_var_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Deserializes `v`, reporting the failing field's path and serde's message. serde's
/// "unknown field" and "missing field" messages already name the field; we move the
/// name into the path.
/// `v` is a `Value` or a `&Value` (read in place, so that it can be parsed again).
fn parse_at<'de, T: Deserialize<'de>, D: Deserializer<'de>>(v: D) -> Result<T, (String, String)> {
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

/// serde's Rust type names in words a lesson author knows.
fn plain_words(msg: String) -> String {
    let msg = ["usize", "u64", "u32", "u8"].iter().fold(msg, |m, t| {
        m.replace(
            &format!("expected {t}"),
            "expected a whole number, 0 or more",
        )
    });
    if msg.starts_with("invalid type: string")
        && msg.ends_with("expected a whole number, 0 or more")
    {
        format!("{msg}: write it without quotes")
    } else {
        msg
    }
}
