//! The lesson file format (a public interface: teachers write these by hand): the
//! types a lesson is made of (`Lesson`, `Step`, `Op`, `Question`, `IdArg`, `Addr`) and
//! `LessonError`. The jobs around them have a file each:
//! - `parse`: reading a lesson or one step from JSON (a fast typed pass, and a precise
//!   one that names every mistake);
//! - `mistakes`: the checks that find mistakes, and the hints that go with them;
//! - `export`: writing a lesson back out as JSON or as the text of a file.
//!
//! A malformed lesson is rejected before anything runs, with a message that names the
//! step, the op and the field.
use crate::host::Answer;
use crate::id::{Data, Name};
use crate::profile::{Knobs, Profile};
use crate::set::Priority;
use crate::space::Getter;
use crate::sva::{Mapping, Perm};
use crate::trace::Outcome;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

mod export;
pub mod fairness;
mod mistakes;
mod parse;
mod text;

pub use mistakes::{check_appended, MAX_LISTED};
pub use parse::reader::LessonReader;
use parse::{is_var_name, top_err};
pub use parse::{parse_step, parse_step_reporting_all};
#[cfg(not(target_arch = "wasm32"))]
use parse::{wire_present, wire_var_name};
pub use text::{
    decode, decode_owned, quote, MAX_CHOICES, MAX_LONG_TEXT_CHARS, MAX_MESSAGE_CHARS,
    MAX_NAME_CHARS, MAX_QUOTED_CHARS, MAX_SHORT_TEXT_CHARS, MAX_TEXT_CHARS,
};

/// The only format version so far.
pub const FORMAT: u64 = 1;

/// How a number was written in a lesson: a plain (decimal) number, or a `"0x..."`
/// string. Kept so that an exported lesson writes each number as its author did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Radix {
    #[default]
    Dec,
    Hex,
}

impl Radix {
    /// `n` as a lesson writes it in this radix: a number, or a `"0x..."` string.
    fn write<S: Serializer>(self, n: u64, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Radix::Dec => s.serialize_u64(n),
            Radix::Hex => s.serialize_str(&format!("{n:#x}")),
        }
    }
}

/// An ID argument: a number (decimal, or a `"0x..."` string: see [`Radix`]) or
/// `"$name"`, a result saved by an earlier step's `"as"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdArg {
    Num(u64, Radix),
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
                Ok(IdArg::Num(v, Radix::Dec))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdArg, E> {
                u64::try_from(v)
                    .map(|v| IdArg::Num(v, Radix::Dec))
                    .map_err(|_| E::custom(format!("{v} is negative")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdArg, E> {
                if let Some(name) = v.strip_prefix('$') {
                    if name.is_empty() {
                        return Err(E::custom("`$` must be followed by a name"));
                    }
                    return Ok(IdArg::Var(name.to_string()));
                }
                parse_hex(v).map(|n| IdArg::Num(n, Radix::Hex)).ok_or_else(|| {
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
            IdArg::Num(n, radix) => radix.write(*n, s),
            IdArg::Var(v) => s.serialize_str(&format!("${v}")),
        }
    }
}

fn parse_hex(v: &str) -> Option<u64> {
    let hex = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X"))?;
    u64::from_str_radix(hex, 16).ok()
}

/// An address: a number or a `"0x..."` string (kept as written, see [`Radix`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Addr(pub u64, pub Radix);

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IdArg::deserialize(d)? {
            IdArg::Num(n, radix) => Ok(Addr(n, radix)),
            IdArg::Var(_) => Err(de::Error::custom("an address cannot be a $name")),
        }
    }
}

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.1.write(self.0, s)
    }
}

fn default_true() -> bool {
    true
}

/// An exported `last` is written only when it is not the default.
fn is_true(b: &bool) -> bool {
    *b
}

/// Declares `Op` (each variant with its name as a lesson writes it: `Alloc = "alloc"`,
/// the one name serde, [`OP_NAMES`] and [`Op::name`] all use) and, from the same list,
/// `WireStep`: a whole step as a file writes it
/// (`{"op": "alloc", ...fields, "say": ...}`), parsed in one derive-generated pass. That
/// is the fast path of `Lesson::parse`; when it fails, the step is parsed again through
/// `Op`, externally tagged, so that the error names the exact field.
macro_rules! define_ops {
    ($( $(#[$vm:meta])* $variant:ident = $name:literal { $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)? } ),* $(,)?) => {
        /// One operation of the lesson format. In files each step is
        /// `{"op": "alloc", ...fields}`; `Op` itself (de)serializes externally tagged
        /// (`{"alloc": {...}}`).
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub enum Op {
            $( $(#[$vm])* #[serde(rename = $name)] $variant { $( $(#[$fm])* $field: $ty ),* } ),*
        }

        /// The number of ops.
        pub const OP_COUNT: usize = [$( $name ),*].len();

        /// The names of every op, for error messages and the sandbox, in the order
        /// they are declared.
        pub const OP_NAMES: [&str; OP_COUNT] = [$( $name ),*];

        // Native builds only: its generated parser is large, and the browser reads
        // lessons small enough for the precise path.
        #[cfg(not(target_arch = "wasm32"))]
        #[derive(Deserialize)]
        #[serde(tag = "op", deny_unknown_fields)]
        enum WireStep {
            $( #[serde(rename = $name)] $variant {
                $( $(#[$fm])* $field: $ty, )*
                #[serde(rename = "as", default, deserialize_with = "wire_var_name")]
                save_as: Option<String>,
                #[serde(default, deserialize_with = "wire_present")]
                thread: Option<String>,
                #[serde(default, deserialize_with = "wire_present")]
                say: Option<String>,
                #[serde(default)]
                say_in: BTreeMap<Profile, String>,
                #[serde(default, deserialize_with = "wire_present")]
                expect: Option<Outcome>,
                #[serde(default)]
                expect_in: BTreeMap<Profile, Outcome>,
                #[serde(default, deserialize_with = "wire_present")]
                ask: Option<Question>,
            } ),*
        }

        impl Op {
            /// The op's name as a lesson writes it.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Op::$variant { .. } => $name ),*
                }
            }

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
                    $( WireStep::$variant { $( $field, )* save_as, thread, say, say_in, expect, expect_in, ask } => Step {
                        op: Op::$variant { $( $field ),* },
                        save_as,
                        thread,
                        say,
                        say_in,
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
    SetCreate = "set_create" {
        set: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<Name>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        quota: Option<u32>,
    },
    SetFree = "set_free" {
        set: Name,
    },
    Alloc = "alloc" {
        #[serde(default)]
        set: Option<Name>,
        min: IdArg,
        max: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data: Option<Data>,
    },
    Free = "free" {
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
    Get = "get" {
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
    Put = "put" {
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
    GetIfOwned = "get_if_owned" {
        id: IdArg,
        mm: Name,
    },
    Find = "find" {
        #[serde(default)]
        set: Option<Name>,
        id: IdArg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        getter: Option<Getter>,
    },
    SetData = "set_data" {
        id: IdArg,
        data: Option<Data>,
    },
    AttachData = "attach_data" {
        id: IdArg,
        data: Data,
    },
    DetachData = "detach_data" {
        id: IdArg,
    },
    AttachSpid = "attach_spid" {
        id: IdArg,
        spid: u32,
    },
    DetachSpid = "detach_spid" {
        id: IdArg,
    },
    FindBySpid = "find_by_spid" {
        set: Name,
        spid: u32,
    },
    HostCreate = "host_create" {
        host: Name,
        min: IdArg,
        max: IdArg,
    },
    HostAnswer = "host_answer" {
        host: Name,
        answers: Vec<Answer>,
    },
    HostAlloc = "host_alloc" {
        host: Name,
        guest: Name,
    },
    HostFree = "host_free" {
        host: Name,
        id: IdArg,
    },
    Register = "register" {
        allocator: Name,
        fns: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        host: Option<Name>,
    },
    Unregister = "unregister" {
        allocator: Name,
    },
    MmCreate = "mm_create" {
        mm: Name,
        #[serde(default)]
        maps: Vec<Mapping>,
    },
    MmExit = "mm_exit" {
        mm: Name,
    },
    Bind = "bind" {
        device: Name,
        mm: Name,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<IdArg>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<IdArg>,
    },
    Unbind = "unbind" {
        device: Name,
        mm: Name,
    },
    Fault = "fault" {
        device: Name,
        pasid: Option<IdArg>,
        addr: Addr,
        perm: Perm,
        group: u32,
        #[serde(default = "default_true", skip_serializing_if = "is_true")]
        last: bool,
    },
    RunFaults = "run_faults" {},
    Flush = "flush" {
        device: Name,
    },
    Overflow = "overflow" {
        device: Name,
    },
    AttachPasid = "attach_pasid" {
        device: Name,
        pasid: IdArg,
        domain: Name,
    },
    DetachPasid = "detach_pasid" {
        device: Name,
        pasid: IdArg,
    },
    ReadBegin = "read_begin" {
        reader: Name,
        #[serde(default)]
        set: Option<Name>,
        id: IdArg,
    },
    ReadEnd = "read_end" {
        reader: Name,
    },
    NotifierRegister = "notifier_register" {
        name: Name,
        priority: Priority,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<Name>,
    },
}

impl Op {
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
            | Op::DetachSpid { id }
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

/// A predict-then-reveal question, asked before the step is shown. It is one of three
/// kinds: multiple choice (`choices` and `answer`, the author's answer), pick an ID on
/// the grid (`"pick": "id"`) or type a value (`"type": "value"` or `"errno"`). The
/// answer to the last two is not written: the model computes it from what the step did
/// in the run shown, so it is right under every profile (see `crate::quiz`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub prompt: String,
    /// Multiple choice: the choices.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// Multiple choice: index of the right choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<usize>,
    /// Pick on the ID grid the ID this step hands out or changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pick: Option<Pick>,
    /// Type the number this step returns, or the errno it fails with.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub typed: Option<Typed>,
    /// Why, shown after the learner answers, right or wrong.
    pub explain: String,
    /// Why this question is fair although the fairness check (`lesson::fairness`)
    /// flags it: a deliberate exception. Never empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fair_because: Option<String>,
    /// Words that would give the answer away if the learner read them before
    /// answering (checked besides the numbers and kernel words of the right choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What to revisit if the answer was wrong (a short phrase, for the end-of-lesson
    /// report).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// The step that teaches `concept`, counted from 1 as the player shows it; a step
    /// of this lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learn_at: Option<usize>,
}

/// What a `"pick"` question picks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pick {
    /// The ID the step hands out or changes.
    Id,
}

/// What a `"type"` question asks the learner to type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Typed {
    /// The number the step returns (decimal or `0x` hex).
    Value,
    /// The errno the step fails with (`ENOSPC`, or `-28`).
    Errno,
}

impl Question {
    /// True when the model computes the answer (a `pick` or `type` question), false for
    /// multiple choice.
    pub fn computed(&self) -> bool {
        self.pick.is_some() || self.typed.is_some()
    }
}

/// The ops a `"pick": "id"` question may ask about: those that hand out an ID (alloc,
/// bind, host_alloc) or change one's entry.
pub const PICK_OPS: [&str; 13] = [
    "alloc",
    "bind",
    "host_alloc",
    "free",
    "host_free",
    "get",
    "put",
    "get_if_owned",
    "set_data",
    "attach_data",
    "detach_data",
    "attach_spid",
    "detach_spid",
];

/// The ops whose success returns a number, for a `"type": "value"` question.
pub const VALUE_OPS: [&str; 4] = ["alloc", "bind", "host_alloc", "find_by_spid"];

/// One step: an op plus the fields every step may have.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub op: Op,
    /// Save the result under this name (`"$name"` later).
    pub save_as: Option<String>,
    /// Who performs it, for display.
    pub thread: Option<String>,
    /// Narration, written for the lesson's own profile.
    pub say: Option<String>,
    /// Per-profile narration, replacing `say` under that profile.
    pub say_in: BTreeMap<Profile, String>,
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
            say_in: BTreeMap::new(),
            expect: None,
            expect_in: BTreeMap::new(),
            ask: None,
        }
    }

    /// The narration shown under `profile`: its `say_in` text, else `say` (written for
    /// the lesson's own profile; see [`crate::narrate::say_told_for`]). `None` when the
    /// step has neither.
    pub fn say_for(&self, profile: Profile) -> Option<&str> {
        self.say_in
            .get(&profile)
            .or(self.say.as_ref())
            .map(String::as_str)
    }

    /// The expectation that applies under `profile`.
    pub fn expect_for(&self, profile: Profile) -> Option<&Outcome> {
        self.expect_in.get(&profile).or(self.expect.as_ref())
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

impl Lesson {
    /// The knobs this lesson runs with under `profile`.
    pub fn knobs_for(&self, profile: Profile) -> Result<Knobs, LessonError> {
        profile
            .knobs()
            .with_overrides(&self.knobs)
            .map_err(|e| top_err("knobs", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::{self, Visitor};

    /// A deserializer that only notes the variant names serde asks an enum for.
    struct VariantNames<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for VariantNames<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not an enum"))
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = variants;
            Err(de::Error::custom("noted"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            struct identifier ignored_any
        }
    }

    #[test]
    fn op_names_are_the_ops_serde_reads() {
        let mut variants: &'static [&'static str] = &[];
        assert!(Op::deserialize(VariantNames(&mut variants)).is_err());
        assert_eq!(variants, &OP_NAMES[..], "every op, in declaration order");
        assert_eq!(OP_NAMES.len(), OP_COUNT);
        let unique: std::collections::HashSet<&str> = OP_NAMES.iter().copied().collect();
        assert_eq!(unique.len(), OP_COUNT, "no name twice");
    }

    #[test]
    fn every_op_name_parses_as_an_op() {
        for name in OP_NAMES {
            // Fields are missing, but the op itself must be known.
            match parse_step_reporting_all(0, serde_json::json!({ "op": name })) {
                Ok(step) => assert_eq!(step.op.name(), name),
                Err(list) => {
                    for e in list {
                        assert_ne!(e.field.as_deref(), Some("op"), "{name}: {e}");
                        assert_eq!(e.op.as_deref(), Some(name), "{name}: {e}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_built_in_step_writes_its_op_name() {
        for b in crate::lessons::ALL {
            let lesson = Lesson::parse(b.json).expect("a built-in lesson parses");
            for step in &lesson.steps {
                let name = step.op.name();
                assert!(OP_NAMES.contains(&name), "{name}");
                assert_eq!(step.to_json()["op"], name);
                let tagged = serde_json::to_value(&step.op).expect("serializes");
                assert!(tagged.get(name).is_some(), "{name}: {tagged}");
            }
        }
    }
}
