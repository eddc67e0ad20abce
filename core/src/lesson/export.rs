//! Writing a lesson back out: as JSON, and as the text of a file laid out as the
//! built-in lessons are.
use super::parse::LESSON_KEYS;
use super::*;
use serde_json::{Map, Value};

impl Step {
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
        if !self.say_in.is_empty() {
            put("say_in", serde_json::to_value(&self.say_in).ok());
        }
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

impl Lesson {
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
    /// declared), `as` and `thread` on the step's first line, then `say`, `say_in`,
    /// `ask`, `expect` and `expect_in` on lines of their own. Parses back to the same lesson.
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
}

/// Keys of a step written on lines of their own, after its first line, in this order.
pub(super) const STEP_TAIL_KEYS: [&str; 5] = ["say", "say_in", "ask", "expect", "expect_in"];

/// Keys inside a step's values in reading order (a question, a mapping, a result);
/// any other key comes after them, alphabetically.
pub(super) const INNER_KEYS: [&str; 15] = [
    "prompt",
    "choices",
    "answer",
    "pick",
    "type",
    "explain",
    "key",
    "fair_because",
    "concept",
    "learn_at",
    "start",
    "len",
    "perm",
    "ok",
    "err",
];

/// The entries of `m` with the keys of `order` first, in that order, then the rest as
/// they come (alphabetically).
pub(super) fn ordered<'a>(m: &'a Map<String, Value>, order: &[&str]) -> Vec<(&'a str, &'a Value)> {
    let mut v: Vec<(&str, &Value)> = m.iter().map(|(k, v)| (k.as_str(), v)).collect();
    v.sort_by_key(|(k, _)| order.iter().position(|o| o == k).unwrap_or(order.len()));
    v
}

pub(super) fn json_key(out: &mut String, k: &str) {
    out.push_str(&Value::from(k).to_string());
    out.push_str(": ");
}

/// `v` on one line, with a space after each `:` and `,`.
pub(super) fn inline_json(out: &mut String, v: &Value) {
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
pub(super) fn step_text(out: &mut String, step: &Step) {
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
