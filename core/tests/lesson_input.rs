//! A lesson file as text: read the same by the command line and the browser (a
//! byte-order mark, invalid UTF-8, a key written twice), its fields within their
//! bounds, and mistakes that quote the user's text briefly, on one line.
use ioasid_core::lesson::{
    decode, Lesson, LessonError, MAX_CHOICES, MAX_MESSAGE_CHARS, MAX_NAME_CHARS,
    MAX_SHORT_TEXT_CHARS, MAX_TEXT_CHARS,
};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

fn lesson(steps: Value) -> Value {
    json!({"format": 1, "title": "t", "profile": "v5.11", "steps": steps})
}

fn alloc() -> Value {
    json!({"op": "alloc", "set": "sva", "min": 1, "max": 9})
}

fn mistakes(text: &str) -> Vec<LessonError> {
    Lesson::parse_reporting_all(text).expect_err("refused")
}

/// A mistake's line as shown: one line, of bounded length.
fn shown(e: &LessonError) -> String {
    let line = e.to_string();
    assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
    assert!(
        line.chars().count() < MAX_MESSAGE_CHARS + 4 * MAX_NAME_CHARS,
        "{} characters",
        line.len()
    );
    line
}

/// Runs the command line on `bytes` written to a file: (exit status, stderr).
fn sim(name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("ioasid-input-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write lesson");
    let out = Command::new(env!("CARGO_BIN_EXE_ioasid-sim"))
        .arg("run")
        .arg(&path)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_byte_order_mark_is_accepted_by_the_parser_and_the_command_line() {
    let text = lesson(json!([alloc()])).to_string();
    let with_mark = format!("\u{feff}{text}");
    assert!(Lesson::parse_reporting_all(&with_mark).is_ok());
    let bytes = with_mark.as_bytes();
    assert_eq!(decode(bytes), Ok(text.as_str()));
    let (code, err) = sim("bom.json", bytes);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn invalid_utf8_is_refused_with_its_byte_position() {
    let mut bytes = br#"{"format": 1, "title": "t"#.to_vec();
    let at = bytes.len();
    bytes.extend_from_slice(b"\xFF\", \"profile\": \"v5.11\", \"steps\": []}");
    let e = decode(&bytes).expect_err("not UTF-8");
    assert!(e.message.contains(&format!("byte {at} (0xFF")), "{e}");
    let (code, err) = sim("bad-utf8.json", &bytes);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("byte {at} (0xFF")), "{err}");
}

#[test]
fn a_key_written_twice_is_refused_with_its_path() {
    let text = r#"{"format": 1, "title": "t", "profile": "v5.11", "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "max": 5}]}"#;
    let list = mistakes(text);
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].step, Some(1));
    assert_eq!(list[0].field.as_deref(), Some("max"));
    assert!(
        shown(&list[0]).contains("`max` is written twice"),
        "{}",
        list[0]
    );
    // The lesson's own fields too.
    let list =
        mistakes(r#"{"format": 1, "title": "a", "title": "b", "profile": "v5.11", "steps": []}"#);
    assert_eq!(list[0].step, None);
    assert_eq!(list[0].field.as_deref(), Some("title"));
    // The same key in two objects is no mistake.
    let fine = lesson(json!([alloc(), alloc()])).to_string();
    assert!(Lesson::parse_reporting_all(&fine).is_ok());
}

#[test]
fn a_question_has_at_most_nine_choices() {
    let choices: Vec<String> = (0..=MAX_CHOICES).map(|k| format!("c{k}")).collect();
    let mut step = alloc();
    step["ask"] = json!({"prompt": "p", "choices": choices, "answer": 0, "explain": "e"});
    let list = mistakes(&lesson(json!([step.clone()])).to_string());
    assert_eq!(list[0].step, Some(0));
    assert_eq!(list[0].field.as_deref(), Some("ask.choices"));
    assert!(shown(&list[0]).contains("more than the 9"), "{}", list[0]);
    step["ask"]["choices"] = json!(choices[..MAX_CHOICES]);
    assert!(Lesson::parse_reporting_all(&lesson(json!([step])).to_string()).is_ok());
}

#[test]
fn a_text_over_its_bound_is_named_with_its_step_and_field() {
    let cases = [
        ("say", MAX_TEXT_CHARS),
        ("thread", MAX_SHORT_TEXT_CHARS),
        ("as", MAX_NAME_CHARS),
        ("set", MAX_NAME_CHARS),
    ];
    for (field, max) in cases {
        let mut step = alloc();
        step[field] = json!("a".repeat(max + 1));
        let list = mistakes(&lesson(json!([alloc(), step.clone()])).to_string());
        assert_eq!(list[0].step, Some(1), "{field}: {}", list[0]);
        assert_eq!(list[0].field.as_deref(), Some(field), "{}", list[0]);
        assert!(
            shown(&list[0]).contains(&format!("{}", max + 1)),
            "{}",
            list[0]
        );
        // At the bound: accepted.
        step[field] = json!("a".repeat(max));
        let ok = Lesson::parse_reporting_all(&lesson(json!([alloc(), step])).to_string());
        assert!(ok.is_ok(), "{field}: {ok:?}");
    }
    let mut top = lesson(json!([alloc()]));
    top["title"] = json!("t".repeat(MAX_SHORT_TEXT_CHARS + 1));
    let list = mistakes(&top.to_string());
    assert_eq!(
        (list[0].step, list[0].field.as_deref()),
        (None, Some("title"))
    );
}

#[test]
fn a_huge_field_is_refused_fast_and_quoted_briefly() {
    let big = "x".repeat(16 << 20);
    let with_key = |k: &str, v: Value| {
        let mut step = alloc();
        step[k] = v;
        lesson(json!([step])).to_string()
    };
    let texts = [
        lesson(json!([{"op": big}])).to_string(),
        with_key(&big, json!(1)),
        with_key("say", json!(big)),
        with_key("set", json!(big)),
        with_key("min", json!(big)),
    ];
    for text in texts {
        let start = Instant::now();
        let list = mistakes(&text);
        let took = start.elapsed();
        // A debug build on a loaded machine: a few seconds (it took 18 s in a release build).
        assert!(took < Duration::from_secs(30), "took {took:?}");
        let all: usize = list.iter().map(|e| shown(e).len()).sum();
        assert!(all < 4_000, "{all} bytes of mistakes: {:?}", list[0]);
    }
}

#[test]
fn a_key_holding_a_newline_stays_on_one_line() {
    let mut step = alloc();
    step["sa\ny"] = json!("a");
    let list = mistakes(&lesson(json!([step])).to_string());
    assert_eq!(list[0].field.as_deref(), Some("sa\\ny"), "{}", list[0]);
    shown(&list[0]);
}

#[test]
fn expect_in_names_the_profile() {
    let mut step = alloc();
    step["expect_in"] = json!({"v9.9": {"ok": 1}});
    let list = mistakes(&lesson(json!([step.clone()])).to_string());
    assert_eq!(
        list[0].field.as_deref(),
        Some("expect_in.v9.9"),
        "{}",
        list[0]
    );
    assert!(list[0].message.contains("unknown profile"), "{}", list[0]);
    step["expect_in"] = json!({"v5.11": {"okk": 1}});
    let list = mistakes(&lesson(json!([step])).to_string());
    assert_eq!(
        list[0].field.as_deref(),
        Some("expect_in.v5.11"),
        "{}",
        list[0]
    );
    assert!(!list[0].to_string().contains("expect_in.?"), "{}", list[0]);
}

#[test]
fn a_knob_with_a_wrong_value_is_named() {
    let mut l = lesson(json!([alloc()]));
    l["knobs"] = json!({"real_errno": 3});
    let list = mistakes(&l.to_string());
    assert!(list[0].message.contains("knob `real_errno`"), "{}", list[0]);
}
