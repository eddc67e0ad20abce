//! Reading a long lesson a slice at a time, so that a caller with a frame budget (the web
//! app importing a 200,000-step file) never blocks for the whole parse: one scan splits
//! the text into the lesson's own fields and each step's JSON, then every
//! [`LessonReader::advance`] parses the next few steps.
//!
//! The result is exactly [`Lesson::parse_reporting_all`]'s, mistakes included: a text the
//! scan cannot split cleanly (not an object, `steps` not an array or named twice, a piece
//! that is not JSON, nesting deeper than a step may have) is handed whole to that parse
//! when [`LessonReader::finish`] is called, so its messages are the ordinary ones.
use super::{is_var_name, parse_step_parts, BrokenStep, Header};
use crate::lesson::mistakes::{check_steps, Mistakes};
use crate::lesson::{Lesson, LessonError, Step};
use serde_json::{Map, Value};
use std::ops::Range;

/// Nesting the scan accepts inside a step; deeper text goes to the whole-text parse,
/// whose depth limit (serde_json's 128, counted from the top) then decides.
const MAX_STEP_DEPTH: usize = 100;

/// A lesson being parsed in slices. See the module's documentation.
pub struct LessonReader {
    text: String,
    /// The lesson's own fields (all but `steps`); `None`: the text goes whole to
    /// [`Lesson::parse_reporting_all`].
    top: Option<Map<String, Value>>,
    /// Each step's JSON, in order.
    steps: Vec<Range<usize>>,
    parsed: Vec<(Result<Step, BrokenStep>, Option<String>)>,
}

impl LessonReader {
    /// Scans `text` (one pass over its bytes, no parse of the steps yet).
    pub fn new(text: String) -> LessonReader {
        // A key written twice: the whole-text parse names it (one pass over the text).
        let twice = !crate::lesson::text::duplicate_keys(&text, 1).is_empty();
        let (top, steps) = match split(&text).filter(|_| !twice) {
            Some((header, steps)) => {
                let mut obj = String::with_capacity(header.iter().map(|r| r.len() + 1).sum());
                obj.push('{');
                for (k, r) in header.iter().enumerate() {
                    if k > 0 {
                        obj.push(',');
                    }
                    obj.push_str(&text[r.clone()]);
                }
                obj.push('}');
                // Read as a `Value`, as the ordinary parse does (one deserializer in the
                // web build, not another for a map).
                match serde_json::from_str::<Value>(&obj) {
                    Ok(Value::Object(top)) => (Some(top), steps),
                    _ => (None, Vec::new()),
                }
            }
            None => (None, Vec::new()),
        };
        LessonReader {
            text,
            top,
            parsed: Vec::with_capacity(steps.len()),
            steps,
        }
    }

    /// Parses up to `n` more steps; true once every step is parsed (or the text goes
    /// whole to the ordinary parse in [`LessonReader::finish`]).
    pub fn advance(&mut self, n: usize) -> bool {
        if self.top.is_some() {
            let end = (self.parsed.len() + n).min(self.steps.len());
            for i in self.parsed.len()..end {
                let piece = &self.text[self.steps[i].clone()];
                let Ok(v) = serde_json::from_str::<Value>(piece) else {
                    // Not JSON: the whole-text parse names the place.
                    self.top = None;
                    return true;
                };
                let save_as = v
                    .get("as")
                    .and_then(Value::as_str)
                    .filter(|n| is_var_name(n))
                    .map(str::to_string);
                self.parsed.push((parse_step_parts(i, v), save_as));
            }
        }
        self.top.is_none() || self.parsed.len() == self.steps.len()
    }

    /// (steps parsed, steps in the lesson); (0, 0) when the text goes whole to the
    /// ordinary parse.
    pub fn progress(&self) -> (usize, usize) {
        (self.parsed.len(), self.steps.len())
    }

    /// The lesson, or every mistake, as [`Lesson::parse_reporting_all`] gives them.
    /// Parses whatever [`LessonReader::advance`] has not.
    pub fn finish(mut self) -> Result<Lesson, Vec<LessonError>> {
        while !self.advance(4096) {}
        let Some(top) = self.top else {
            return Lesson::parse_reporting_all(&self.text);
        };
        let mut mistakes = Mistakes::default();
        let header = Header::from_map(top, &mut mistakes);
        let profiles = header.as_ref().map(|h| &h.profiles[..]);
        let items = self.parsed.iter().map(|(s, n)| (s.as_ref(), n.as_deref()));
        check_steps(items, profiles, &mut mistakes);
        let steps: Vec<Step> = self
            .parsed
            .into_iter()
            .filter_map(|(s, _)| s.ok())
            .collect();
        mistakes.lesson(header, || steps)
    }
}

/// The byte ranges of a lesson's own members (`"key": value`) and of its steps.
type Split = (Vec<Range<usize>>, Vec<Range<usize>>);

/// Splits a JSON object's text into its members other than `steps` (each `"key": value`)
/// and the elements of its `steps` array. `None` when the text is not that shape, or
/// `steps` is missing, not an array or named twice.
fn split(text: &str) -> Option<Split> {
    let b = text.as_bytes();
    let mut header = Vec::new();
    let mut steps = None;
    let mut i = ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return None; // No `steps`: the ordinary parse says so.
    }
    loop {
        let key_start = i;
        let key_end = string_end(b, i)?;
        // A string's quotes are ASCII, so its range is on character boundaries.
        let key: String = match serde_json::from_str::<Value>(text.get(key_start..key_end)?) {
            Ok(Value::String(k)) => k,
            _ => return None,
        };
        i = ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = ws(b, i + 1);
        if key == "steps" {
            if steps.is_some() || b.get(i) != Some(&b'[') {
                return None;
            }
            let mut list = Vec::new();
            i = ws(b, i + 1);
            if b.get(i) == Some(&b']') {
                i += 1;
            } else {
                loop {
                    let end = value_end(b, i, MAX_STEP_DEPTH)?;
                    list.push(i..end);
                    i = ws(b, end);
                    match b.get(i) {
                        Some(b',') => i = ws(b, i + 1),
                        Some(b']') => {
                            i += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
            }
            steps = Some(list);
        } else {
            let end = value_end(b, i, MAX_STEP_DEPTH)?;
            header.push(key_start..end);
            i = end;
        }
        i = ws(b, i);
        match b.get(i) {
            Some(b',') => i = ws(b, i + 1),
            Some(b'}') => {
                i += 1;
                break;
            }
            _ => return None,
        }
    }
    if ws(b, i) != b.len() {
        return None;
    }
    Some((header, steps?))
}

/// The first byte at or after `i` that is not JSON whitespace.
fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            _ => j += 1,
        }
    }
}

/// The end (exclusive) of the JSON value starting at `i`, nested at most `depth` deep.
/// Only the value's extent is found; whether it is valid JSON is the parser's to say.
fn value_end(b: &[u8], i: usize, depth: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut open = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => {
                        open += 1;
                        if open > depth {
                            return None;
                        }
                    }
                    b'}' | b']' => {
                        open -= 1;
                        if open == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader, advanced `chunk` steps at a time, against the ordinary parse.
    fn same(text: &str, chunk: usize) {
        let mut r = LessonReader::new(text.to_string());
        let mut rounds = 0;
        while !r.advance(chunk) {
            rounds += 1;
            assert!(rounds < 1_000_000, "advance never finished");
        }
        let got = r.finish();
        let want = Lesson::parse_reporting_all(text);
        assert_eq!(
            format!("{got:?}"),
            format!("{want:?}"),
            "the reader and the ordinary parse differ on {text}"
        );
    }

    #[test]
    fn reads_every_built_in_lesson_as_the_ordinary_parse_does() {
        for entry in crate::lessons::ALL {
            for chunk in [1, 7, 100_000] {
                same(entry.json, chunk);
            }
            let mut r = LessonReader::new(entry.json.to_string());
            assert!(r.progress().1 > 0, "{} was split into steps", entry.id);
            r.advance(1);
            assert_eq!(r.progress().0, 1, "one step at a time");
        }
    }

    #[test]
    fn names_the_same_mistakes_as_the_ordinary_parse() {
        let texts = [
            // Mistakes in steps and in the lesson's own fields.
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":"x"},{"op":"nope"},{"op":"free","id":"$missing"}]}"#,
            r#"{"format":2,"title":7,"profile":"v9","steps":[{"op":"alloc","min":1,"max":5}]}"#,
            r#"{"title":"t","profile":"v5.5","steps":[]}"#,
            r#"{"format":1,"title":"t","profile":"v5.5"}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":{}}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[],"steps":[]}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":5}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":5},]}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":5}]} x"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[tru]}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[1e999]}"#,
            r#"[1, 2]"#,
            r#""#,
            r#"{}"#,
            // Strings with brackets, quotes and escapes; an escaped key; duplicate keys.
            r#"{"format":1,"title":"a \"[{\" b \\","profile":"v5.5","st\u0065ps":[{"op":"alloc","min":1,"max":5,"say":"]}\"\\"}]}"#,
            r#"{"format":1,"title":"t","title":"u","profile":"v5.5","steps":[ { "op" : "alloc" , "min" : 1 , "max" : 5 } ]}"#,
            "\n{ \"format\": 1,\n \"title\": \"t\",\n \"profile\": \"v5.5\",\n \"steps\": [\n  {\"op\": \"alloc\", \"min\": 1, \"max\": 5}\n ]\n}\n",
        ];
        for t in texts {
            for chunk in [1, 2, 1000] {
                same(t, chunk);
            }
        }
    }

    #[test]
    fn nesting_deeper_than_a_step_may_have_goes_to_the_ordinary_parse() {
        let deep = format!(
            r#"{{"format":1,"title":"t","profile":"v5.5","steps":[{{"op":"alloc","min":1,"max":5,"say":{}1{}}}]}}"#,
            "[".repeat(150),
            "]".repeat(150)
        );
        let mut r = LessonReader::new(deep.clone());
        assert_eq!(r.progress(), (0, 0), "not split");
        assert!(r.advance(1));
        same(&deep, 1);
    }
}
