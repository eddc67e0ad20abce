//! Structure-aware fuzzing of the lesson reader and the runner, on stable Rust
//! (proptest). Each case takes a seed (a built-in lesson, or a hostile file of
//! `fuzz-corpus/`), mutates it (steps deleted, duplicated and swapped; fields set to
//! hostile strings and numbers; keys renamed, dropped and written twice; the text cut
//! short, given a byte-order mark or bytes that are not UTF-8), and checks that:
//! - reading it never panics, and takes a bounded time;
//! - a refused lesson's mistakes name a step that exists, each on one line of bounded
//!   length, at most `MAX_LISTED` of them and a count;
//! - an accepted lesson runs under every profile it declares without a panic, with the
//!   world's invariants holding after every step.
//!
//! The run is bounded: `FUZZ_CASES` cases (about a minute in a debug build on a
//! 2-core machine; `IOASID_FUZZ_CASES` sets another count), stopping early past
//! `FUZZ_BUDGET`. A case that ever failed is kept: proptest writes its seed to
//! `fuzz.proptest-regressions` (replayed first on every run), and its file goes into
//! `fuzz-corpus/`, which `every_corpus_file_is_read_safely` replays.
use ioasid_core::lesson::{decode, Lesson, LessonError, MAX_LISTED, MAX_MESSAGE_CHARS};
use ioasid_core::lessons;
use ioasid_core::run::Runner;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Cases per run: about a minute in a debug build.
const FUZZ_CASES: u32 = 1_500;
/// The run stops making new checks after this long (the cases left pass at once).
const FUZZ_BUDGET: Duration = Duration::from_secs(75);
/// One case may take this long at most (the biggest mutation is a few hundred KB).
const CASE_BUDGET: Duration = Duration::from_secs(10);

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-corpus")
}

/// The seeds: the built-in lessons, then the corpus files that are JSON.
fn seeds() -> &'static [Value] {
    static SEEDS: OnceLock<Vec<Value>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out: Vec<Value> = lessons::ALL
            .iter()
            .filter_map(|b| serde_json::from_str(b.json).ok())
            .collect();
        for bytes in corpus() {
            if let Some(v) = decode(&bytes)
                .ok()
                .and_then(|t| serde_json::from_str(t).ok())
            {
                out.push(v);
            }
        }
        out
    })
}

fn corpus() -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

/// Strings that have broken readers: empty, huge, control characters, a `$` alone,
/// numbers as text, names of other fields and ops, a mark, a lone surrogate's escape.
fn hostile_string(k: u8, n: u16) -> String {
    let n = usize::from(n);
    match k % 16 {
        0 => String::new(),
        1 => "x".repeat(n * 40),
        2 => "line\nbreak\r\t\u{1b}[31m".into(),
        3 => "$".into(),
        4 => format!("${}", "v".repeat(n % 100)),
        5 => "0x".into(),
        6 => "0xffffffffffffffffff".into(),
        7 => "-1".into(),
        8 => "alloc".into(),
        9 => "expect_in".into(),
        10 => "\u{feff}".into(),
        11 => "é".repeat(n % 300),
        12 => "v5.11".into(),
        13 => "sva".into(),
        14 => format!("$a{n}"),
        _ => "\u{2028}\u{0}".into(),
    }
}

fn hostile_value(k: u8, n: u16) -> Value {
    match k % 12 {
        0 => json!(u64::MAX),
        1 => json!(-1),
        2 => json!(1.5),
        3 => json!(4_294_967_295u64),
        4 => json!(1_048_576),
        5 => Value::Null,
        6 => json!(true),
        7 => json!([]),
        8 => json!({}),
        9 => json!({"ok": n}),
        10 => Value::Array(
            (0..usize::from(n % 40))
                .map(|i| json!(format!("c{i}")))
                .collect(),
        ),
        _ => json!(hostile_string((k / 12).wrapping_add(n as u8), n)),
    }
}

/// One mutation of a lesson, as numbers (so proptest can shrink them).
#[derive(Clone, Debug)]
struct Mutation {
    kind: u8,
    a: u16,
    b: u16,
    k: u8,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (any::<u8>(), any::<u16>(), any::<u16>(), any::<u8>()).prop_map(|(kind, a, b, k)| Mutation {
        kind,
        a,
        b,
        k,
    })
}

fn steps_of(v: &mut Value) -> Option<&mut Vec<Value>> {
    v.get_mut("steps").and_then(Value::as_array_mut)
}

/// A key of `m`, picked by `a` (or none).
fn key_of(m: &Map<String, Value>, a: u16) -> Option<String> {
    let n = m.len();
    (n > 0).then(|| m.keys().nth(usize::from(a) % n).cloned())?
}

/// Applies one structural mutation to the lesson value.
fn mutate(v: &mut Value, m: &Mutation) {
    let (a, b) = (usize::from(m.a), usize::from(m.b));
    let kind = m.kind % 10;
    if kind < 7 {
        let Some(steps) = steps_of(v) else { return };
        let n = steps.len();
        match kind {
            0 if n > 0 => {
                steps.remove(a % n);
            }
            1 if n > 0 => {
                let s = steps[a % n].clone();
                steps.insert(b % (n + 1), s);
            }
            2 if n > 1 => steps.swap(a % n, b % n),
            3..=5 if n > 0 => {
                let Some(step) = steps[a % n].as_object_mut() else {
                    return;
                };
                let Some(key) = key_of(step, m.b) else { return };
                match kind {
                    // A field given a hostile value.
                    3 => {
                        step.insert(key, hostile_value(m.k, m.b));
                    }
                    // A field dropped.
                    4 => {
                        step.remove(&key);
                    }
                    // A key renamed (to a hostile name, or another field's).
                    _ => {
                        if let Some(val) = step.remove(&key) {
                            step.insert(hostile_string(m.k, m.b), val);
                        }
                    }
                }
            }
            6 if n > 0 => {
                // Inside a nested object of a step: an `ask`, an `expect`, `expect_in`.
                let Some(step) = steps[a % n].as_object_mut() else {
                    return;
                };
                let key = ["ask", "expect", "expect_in", "data"]
                    .into_iter()
                    .find(|k| step.get(*k).is_some_and(Value::is_object));
                if let Some(obj) = key
                    .and_then(|k| step.get_mut(k))
                    .and_then(Value::as_object_mut)
                {
                    if let Some(key) = key_of(obj, m.b) {
                        obj.insert(key, hostile_value(m.k, m.b));
                    }
                }
            }
            _ => {}
        }
    } else if let Some(top) = v.as_object_mut() {
        // The lesson's own fields.
        match kind {
            7 => {
                if let Some(key) = key_of(top, m.a).filter(|k| k != "steps") {
                    top.insert(key, hostile_value(m.k, m.b));
                }
            }
            8 => {
                top.insert(
                    "knobs".into(),
                    json!({hostile_string(m.k, m.b): hostile_value(m.k / 3, m.a)}),
                );
            }
            _ => {
                if let Some(key) = key_of(top, m.a).filter(|k| k != "steps") {
                    top.remove(&key);
                }
            }
        }
    }
}

/// The text mutations, after the structural ones.
fn mutate_text(text: String, t: u8, at: u16) -> Vec<u8> {
    let mut bytes = text.into_bytes();
    let cut = usize::from(at) * bytes.len() / usize::from(u16::MAX).max(1);
    match t % 8 {
        // Cut short.
        0 => bytes.truncate(cut),
        // A byte-order mark.
        1 => {
            bytes.splice(0..0, *b"\xEF\xBB\xBF");
        }
        // A byte that is not UTF-8.
        2 => {
            let i = cut.min(bytes.len());
            bytes.insert(i, 0xFF);
        }
        // A key written twice: `{"op"` becomes `{"op": 1, "op"`.
        3 => {
            let s = String::from_utf8_lossy(&bytes).replacen(
                "{\"op\"",
                "{\"op\": 1, \"op\"",
                1 + usize::from(at % 3),
            );
            bytes = s.into_bytes();
        }
        _ => {}
    }
    bytes
}

/// Reads `bytes` as a file is read, checks what comes back, and runs what is accepted.
fn check_file(bytes: &[u8], steps_in: Option<usize>) -> Result<(), TestCaseError> {
    let start = Instant::now();
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(e) => {
            check_mistake(&e, steps_in)?;
            return Ok(());
        }
    };
    match Lesson::parse_reporting_all(text) {
        Err(list) => {
            prop_assert!(!list.is_empty(), "refused without a mistake");
            prop_assert!(
                list.len() <= MAX_LISTED + 1,
                "{} mistakes listed",
                list.len()
            );
            for e in &list {
                check_mistake(e, steps_in)?;
            }
        }
        Ok(lesson) => {
            for &p in &lesson.profiles {
                let Ok(knobs) = lesson.knobs_for(p) else {
                    continue;
                };
                let mut runner = Runner::new(&lesson, p, knobs, true);
                loop {
                    let done = runner.advance(1);
                    if let Err(e) = runner.world().check_invariants() {
                        let (at, _) = runner.progress();
                        return Err(TestCaseError::fail(format!(
                            "under {p}, after step {at}: {e}"
                        )));
                    }
                    if done {
                        break;
                    }
                }
            }
        }
    }
    let took = start.elapsed();
    prop_assert!(took < CASE_BUDGET, "one case took {took:?}");
    Ok(())
}

fn check_mistake(e: &LessonError, steps_in: Option<usize>) -> Result<(), TestCaseError> {
    let line = e.to_string();
    prop_assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    prop_assert!(
        line.chars().count() <= MAX_MESSAGE_CHARS + 400,
        "a mistake of {} characters",
        line.chars().count()
    );
    if let (Some(step), Some(n)) = (e.step, steps_in) {
        prop_assert!(step < n, "step {step} named, the lesson has {n}: {line}");
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("IOASID_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(FUZZ_CASES)
}

fn started() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_lessons_are_read_and_run_safely(
        seed in any::<u16>(),
        mutations in prop::collection::vec(mutation(), 1..6),
        text_kind in any::<u8>(),
        at in any::<u16>(),
    ) {
        if started().elapsed() > FUZZ_BUDGET {
            return Ok(());
        }
        let seeds = seeds();
        let mut v = seeds[usize::from(seed) % seeds.len()].clone();
        for m in &mutations {
            mutate(&mut v, m);
        }
        let steps_in = v.get("steps").and_then(Value::as_array).map(Vec::len);
        let bytes = mutate_text(v.to_string(), text_kind, at);
        check_file(&bytes, steps_in)?;
    }
}

/// Every file of the corpus (hostile seeds, and every input that ever failed) is read
/// and, if accepted, run, with the same checks as the fuzz cases.
#[test]
fn every_corpus_file_is_read_safely() {
    let files = corpus();
    assert!(files.len() >= 5, "the corpus is in tests/fuzz-corpus/");
    for bytes in files {
        let steps_in = decode(&bytes)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| v.get("steps").and_then(Value::as_array).map(Vec::len));
        if let Err(e) = check_file(&bytes, steps_in) {
            panic!("{e}");
        }
    }
}
