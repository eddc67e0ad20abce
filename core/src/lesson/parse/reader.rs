//! Reading a long lesson a slice at a time, so that a caller with a frame budget (the web
//! app importing a 200,000-step file) never blocks for the whole parse: one scan splits
//! the text into the lesson's own fields and each step's JSON, then every
//! [`LessonReader::advance`] parses the next few steps.
//!
//! The result is exactly [`Lesson::parse_reporting_all`]'s, mistakes included: a text the
//! scan cannot split cleanly (not an object, `steps` not an array or named twice, a piece
//! that is not JSON, nesting deeper than a step may have) is handed whole to that parse
//! when [`LessonReader::finish`] is called, so its messages are the ordinary ones.
use super::{parse_step_parts, saved_name, BrokenStep, Header};
use crate::lesson::mistakes::{check_step, Mistakes};
use crate::lesson::{Lesson, LessonError, Step};
use serde_json::Value;
use std::collections::HashSet;
use std::ops::Range;

/// Nesting the scan accepts inside a step; deeper text goes to the whole-text parse,
/// whose depth limit (serde_json's 128, counted from the top) then decides.
const MAX_STEP_DEPTH: usize = 100;

/// A lesson being parsed in slices. See the module's documentation.
pub struct LessonReader {
    text: String,
    /// Where the scan is while it is still finding the lesson's fields and steps.
    scan: Option<Scan>,
    /// The lesson's own fields (all but `steps`), read when the scan ends; `None` then
    /// means the text goes whole to [`Lesson::parse_reporting_all`].
    top: Option<Option<Header>>,
    /// Each step's JSON, in order.
    steps: Vec<Range<usize>>,
    /// The steps parsed so far, and the `$name`s they save.
    parsed: Vec<Result<Step, BrokenStep>>,
    names: HashSet<String>,
    /// The mistakes found so far: the lesson's own fields', then step by step.
    mistakes: Mistakes,
}

/// Steps the scan finds per step parsed: finding a step's extent costs a fraction of
/// parsing it.
const SCANNED_PER_PARSED: usize = 16;

impl LessonReader {
    /// Starts reading `text`; does no work yet (each [`LessonReader::advance`] does a
    /// slice of it: first the scan of the text for its fields and steps, then the steps).
    pub fn new(text: String) -> LessonReader {
        LessonReader {
            text,
            scan: Some(Scan::default()),
            top: None,
            steps: Vec::new(),
            parsed: Vec::new(),
            names: HashSet::new(),
            mistakes: Mistakes::default(),
        }
    }

    /// Does a slice of the work: scans up to `16 n` more steps' extents, or parses and
    /// checks up to `n` more steps; true once all is done (or the text goes whole to the
    /// ordinary parse in [`LessonReader::finish`]).
    pub fn advance(&mut self, n: usize) -> bool {
        if let Some(scan) = self.scan.as_mut() {
            let budget = n.saturating_mul(SCANNED_PER_PARSED).max(1);
            match scan.run(&self.text, budget) {
                Some(false) => return false,
                Some(true) => {
                    let header = std::mem::take(&mut scan.header);
                    self.steps = std::mem::take(&mut scan.steps);
                    self.scan = None;
                    self.top = self.read_header(&header);
                    if self.top.is_none() {
                        return true;
                    }
                    self.parsed.reserve(self.steps.len());
                    // The steps are parsed from the next slice on.
                    return self.steps.is_empty();
                }
                None => {
                    self.scan = None;
                    return true;
                }
            }
        }
        let Some(header) = &self.top else {
            return true;
        };
        let profiles = header.as_ref().map(|h| &h.profiles[..]);
        let count = Some(self.steps.len());
        let end = self.parsed.len().saturating_add(n).min(self.steps.len());
        for i in self.parsed.len()..end {
            let piece = &self.text[self.steps[i].clone()];
            let v = match serde_json::from_str::<Value>(piece) {
                Ok(v) if !twice(piece) => v,
                // Not JSON, or a key written twice: the whole-text parse names it.
                _ => {
                    self.top = None;
                    return true;
                }
            };
            let save_as = saved_name(&v);
            let step = parse_step_parts(i, v);
            check_step(
                i,
                step.as_ref(),
                &self.names,
                profiles,
                count,
                &mut self.mistakes,
            );
            self.parsed.push(step);
            if let Some(name) = save_as {
                self.names.insert(name);
            }
        }
        self.parsed.len() == self.steps.len()
    }

    /// The lesson's own fields, from the members the scan found: `None` when they do
    /// not read as an object or hold a key twice (the whole-text parse then names it).
    fn read_header(&mut self, members: &[Range<usize>]) -> Option<Option<Header>> {
        let mut obj = String::with_capacity(members.iter().map(|r| r.len() + 1).sum());
        obj.push('{');
        for (k, r) in members.iter().enumerate() {
            if k > 0 {
                obj.push(',');
            }
            obj.push_str(self.text.get(r.clone())?);
        }
        obj.push('}');
        // Read as a `Value`, as the ordinary parse does (one deserializer in the web
        // build, not another for a map).
        match serde_json::from_str::<Value>(&obj) {
            Ok(Value::Object(top)) if !twice(&obj) => {
                Some(Header::from_map(top, &mut self.mistakes))
            }
            _ => None,
        }
    }

    /// (steps parsed, steps in the lesson); (0, 0) while the text is scanned, and when
    /// it goes whole to the ordinary parse.
    pub fn progress(&self) -> (usize, usize) {
        (self.parsed.len(), self.steps.len())
    }

    /// The lesson, or every mistake, as [`Lesson::parse_reporting_all`] gives them.
    /// Does whatever [`LessonReader::advance`] has not.
    pub fn finish(mut self) -> Result<Lesson, Vec<LessonError>> {
        while !self.advance(4096) {}
        let Some(header) = self.top else {
            return Lesson::parse_reporting_all(&self.text);
        };
        let steps: Vec<Step> = self.parsed.into_iter().filter_map(Result::ok).collect();
        self.mistakes.lesson(header, || steps)
    }
}

/// Whether an object of `text` has a key written twice.
fn twice(text: &str) -> bool {
    !crate::lesson::text::duplicate_keys(text, 1).is_empty()
}

/// A scan of a lesson's text for the byte ranges of its own members (`"key": value`,
/// all but `steps`) and of the elements of its `steps` array, resumable: each
/// [`Scan::run`] goes on from where the last stopped.
#[derive(Default)]
struct Scan {
    /// The next byte to read.
    i: usize,
    at: ScanAt,
    header: Vec<Range<usize>>,
    steps: Vec<Range<usize>>,
    /// `steps` was seen (a second one is refused).
    seen_steps: bool,
}

/// Where in the lesson's text a [`Scan`] is.
#[derive(Default, Clone, Copy, PartialEq)]
enum ScanAt {
    /// Before the opening `{`.
    #[default]
    Start,
    /// At a member's key.
    Member,
    /// At the next element of `steps`, or its closing `]`.
    Step,
    /// After a member's value: at `,` or the closing `}`.
    AfterMember,
}

impl Scan {
    /// Goes on scanning until the text ends or `budget` steps more are found.
    /// `Some(true)`: done; `Some(false)`: more to do; `None`: the text is not an object
    /// with one `steps` array (or a step is nested deeper than [`MAX_STEP_DEPTH`]).
    fn run(&mut self, text: &str, budget: usize) -> Option<bool> {
        let b = text.as_bytes();
        let mut found = 0;
        loop {
            let mut i = ws(b, self.i);
            match self.at {
                ScanAt::Start => {
                    if b.get(i) != Some(&b'{') {
                        return None;
                    }
                    i = ws(b, i + 1);
                    if b.get(i) == Some(&b'}') {
                        return None; // No `steps`: the ordinary parse says so.
                    }
                    self.at = ScanAt::Member;
                }
                ScanAt::Member => {
                    let key_start = i;
                    let key_end = string_end(b, i)?;
                    // A string's quotes are ASCII, so its range is on character
                    // boundaries.
                    let key = match serde_json::from_str::<Value>(text.get(key_start..key_end)?) {
                        Ok(Value::String(k)) => k,
                        _ => return None,
                    };
                    i = ws(b, key_end);
                    if b.get(i) != Some(&b':') {
                        return None;
                    }
                    i = ws(b, i + 1);
                    if key == "steps" {
                        if self.seen_steps || b.get(i) != Some(&b'[') {
                            return None;
                        }
                        self.seen_steps = true;
                        i = ws(b, i + 1);
                        if b.get(i) == Some(&b']') {
                            i += 1;
                            self.at = ScanAt::AfterMember;
                        } else {
                            self.at = ScanAt::Step;
                        }
                    } else {
                        let end = value_end(b, i, MAX_STEP_DEPTH)?;
                        self.header.push(key_start..end);
                        i = end;
                        self.at = ScanAt::AfterMember;
                    }
                }
                ScanAt::Step => {
                    if found >= budget {
                        return Some(false);
                    }
                    let end = value_end(b, i, MAX_STEP_DEPTH)?;
                    self.steps.push(i..end);
                    found += 1;
                    i = ws(b, end);
                    match b.get(i) {
                        Some(b',') => i += 1,
                        Some(b']') => {
                            i += 1;
                            self.at = ScanAt::AfterMember;
                        }
                        _ => return None,
                    }
                }
                ScanAt::AfterMember => match b.get(i) {
                    Some(b',') => {
                        i += 1;
                        self.at = ScanAt::Member;
                    }
                    Some(b'}') => {
                        return (self.seen_steps && ws(b, i + 1) == b.len()).then_some(true);
                    }
                    _ => return None,
                },
            }
            self.i = i;
        }
    }
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
            // The scan is done in slices too: 16 steps' extents per step parsed.
            let mut r = LessonReader::new(entry.json.to_string());
            assert_eq!(r.progress(), (0, 0), "{}: `new` does no work", entry.id);
            let mut slices = 0;
            while r.progress().1 == 0 {
                assert!(!r.advance(1), "{}", entry.id);
                slices += 1;
            }
            let steps = r.progress().1;
            assert_eq!(slices, steps.div_ceil(SCANNED_PER_PARSED), "{}", entry.id);
            r.advance(1);
            assert_eq!(r.progress(), (1, steps), "{}: one step at a time", entry.id);
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
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":5},{"op":"alloc","min":1,"min":2,"max":5}]}"#,
            r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":5,"ask":{"prompt":"p","prompt":"q"}}]}"#,
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
