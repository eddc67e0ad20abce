//! The `ioasid-sim` command line: results as JSON, exit status 2 for a malformed lesson
//! and 1 for a failed `expect`.
use std::process::Command;

fn sim(lesson: &str, extra: &[&str]) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!(
        "ioasid-cli-{}-{}",
        std::process::id(),
        lesson.len()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("lesson.json");
    std::fs::write(&path, lesson).expect("write lesson");
    let out = Command::new(env!("CARGO_BIN_EXE_ioasid-sim"))
        .arg("run")
        .arg(&path)
        .args(extra)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn prints_results_as_json() {
    let (code, out, _) = sim(
        r#"{"format":1,"title":"t","profile":"v5.5","steps":[
            {"op":"alloc","set":"sva","min":1,"max":9,"expect":{"ok":1}},
            {"op":"free","id":7}]}"#,
        &[],
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["steps"][0]["result"], serde_json::json!({"ok": 1}));
    assert_eq!(v["steps"][1]["op"], "free");
    assert!(v["steps"][1]["kernel_log"][0]
        .as_str()
        .is_some_and(|w| w.contains("unknown IOASID 7")));
    assert_eq!(v["expect_failures"], 0);
}

#[test]
fn failed_expect_exits_1_and_trace_has_lines() {
    let lesson = r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","set":"sva","min":1,"max":9,"expect":{"ok":2}}]}"#;
    let (code, out, _) = sim(lesson, &["--trace"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["expect_failures"], 1);
    assert_eq!(v["steps"][0]["func"], "ioasid_alloc");
    assert!(v["steps"][0]["lines"]
        .as_array()
        .is_some_and(|l| !l.is_empty()));
}

#[test]
fn malformed_lesson_exits_2_naming_the_step() {
    let (code, out, err) = sim(
        r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1}]}"#,
        &[],
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("step 1 (steps[0], alloc)") && err.contains("max"),
        "{err}"
    );
}

#[test]
fn every_mistake_in_a_lesson_is_named_on_its_own_line() {
    let (code, _, err) = sim(
        r#"{"format":1,"title":"t","profile":"v5.5","steps":[
            {"op":"alloc","min":1},
            {"op":"free","id":1},
            {"op":"fre","id":2}]}"#,
        &[],
    );
    assert_eq!(code, 2);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].contains("step 1 (steps[0], alloc)") && lines[0].contains("max"));
    assert!(lines[1].contains("step 3 (steps[2], fre)") && lines[1].contains("`free`"));
}

#[test]
fn profile_override() {
    let lesson = r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","set":"sva","min":3,"max":2}]}"#;
    let (_, out, _) = sim(lesson, &["--profile", "improved"]);
    assert!(out.contains("EINVAL"), "{out}");
    let (code, _, err) = sim(lesson, &["--profile", "v9"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown profile"));
}

/// `run` checks every profile the lesson declares, and names each failed expect.
#[test]
fn run_checks_every_declared_profile_and_names_the_failure() {
    // Right under v5.5 (INVALID_IOASID), wrong under improved (EINVAL, not ENOSPC).
    let lesson = r#"{"format":1,"title":"t","profile":"v5.5","profiles":["improved"],"steps":[
        {"op":"alloc","set":"sva","min":1,"max":9,"expect":{"ok":1}},
        {"op":"alloc","set":"sva","min":9,"max":1,
         "expect_in":{"v5.5":{"err":"INVALID_IOASID"},"improved":{"err":"ENOSPC"}}}]}"#;
    let (code, out, err) = sim(lesson, &[]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["expect_failures"], 0, "v5.5 held");
    assert_eq!(v["other_profiles"]["improved"], 1);
    assert!(
        err.contains(r#"step 2 (steps[1], alloc) under improved: expected {"err":"ENOSPC"}, got {"err":"EINVAL"}"#),
        "{err}"
    );
    // Asked for one profile, only that one is checked.
    let (code, _, _) = sim(lesson, &["--profile", "v5.5"]);
    assert_eq!(code, 0);
}

#[test]
fn run_names_questions_that_a_profile_cannot_grade() {
    // A pick on a free of an ID never handed out (nothing to pick under either
    // profile); a typed value on an alloc that fails under improved only.
    let lesson = r#"{"format":1,"title":"t","profile":"v5.11","profiles":["improved"],"steps":[
        {"op":"free","id":7,"ask":{"prompt":"?","pick":"id","explain":"."}},
        {"op":"alloc","set":"sva","min":1,"max":4294967295,
         "ask":{"prompt":"?","type":"value","explain":"."}}]}"#;
    let (code, _, err) = sim(lesson, &[]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("nothing to grade"))
        .collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].ends_with(
            "step 1 (steps[0], free) under v5.11: field `ask`: nothing to grade the answer against: the step returns nothing and changes no ID, so there is no ID to pick"
        ),
        "{err}"
    );
    assert!(
        lines[2].contains("step 2 (steps[1], alloc) under improved"),
        "{err}"
    );
    // Under v5.11 alone, only the pick.
    let (code, _, err) = sim(lesson, &["--profile", "v5.11"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("nothing to grade").count(), 1, "{err}");
}
