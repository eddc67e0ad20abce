//! A lesson with a mistake is rejected before anything runs, naming the step, the op
//! and the field.
use ioasid_core::lesson::{Lesson, LessonError};
use serde_json::{json, Value};

fn reject(steps: Value) -> LessonError {
    reject_lesson(json!({"format": 1, "title": "t", "profile": "v5.5", "steps": steps}))
}

/// Rejects through both paths: from a JSON value (the precise path) and from text
/// (the fast typed pass, which must fall back and report the same error). Returns the
/// first mistake, which is what `parse` and `from_value` report.
fn reject_lesson(v: Value) -> LessonError {
    let first = Lesson::from_value(v.clone()).err();
    assert_eq!(first, Lesson::parse(&v.to_string()).err());
    let list = all_mistakes(v);
    assert_eq!(first.as_ref(), list.first(), "the first of the list");
    list[0].clone()
}

/// Every mistake, checked to be the same through both paths.
fn all_mistakes(v: Value) -> Vec<LessonError> {
    let from_text = Lesson::parse_reporting_all(&v.to_string());
    let list = match Lesson::from_value_reporting_all(v) {
        Ok(_) => panic!("a broken lesson was accepted"),
        Err(list) => list,
    };
    assert_eq!(
        from_text.as_ref().err(),
        Some(&list),
        "both paths list the same"
    );
    list
}

fn at(e: &LessonError, step: usize, op: &str, field: &str) {
    assert_eq!(e.step, Some(step), "{e}");
    assert_eq!(e.op.as_deref(), Some(op), "{e}");
    assert_eq!(e.field.as_deref(), Some(field), "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("step {} (steps[{step}]", step + 1))
            && text.contains(op)
            && text.contains(field),
        "message names all three: {text}"
    );
}

#[test]
fn unknown_op() {
    let e = reject(json!([{"op": "alloc", "min": 1, "max": 2}, {"op": "allocate", "min": 1}]));
    at(&e, 1, "allocate", "op");
    assert!(e.message.contains("unknown op"));
}

#[test]
fn missing_field() {
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1}]));
    at(&e, 0, "alloc", "max");
    assert!(e.message.contains("missing"), "{e}");
}

#[test]
fn mistyped_field() {
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": "lots"}]));
    at(&e, 0, "alloc", "max");
    let e = reject(
        json!([{"op": "mm_create", "mm": "A", "maps": [{"start": 0, "len": 4096, "perm": "rwz"}]}]),
    );
    at(&e, 0, "mm_create", "maps[0].perm");
    let e = reject(
        json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9, "data": {"process": "A"}}]),
    );
    at(&e, 0, "alloc", "data");
}

#[test]
fn unknown_field() {
    let e = reject(json!([{"op": "free", "id": 1, "sett": "sva"}]));
    at(&e, 0, "free", "sett");
}

#[test]
fn unknown_name_reference() {
    let e = reject(json!([
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "as": "a"},
        {"op": "free", "id": "$a"},
        {"op": "free", "id": "$b"},
    ]));
    at(&e, 2, "free", "id");
    assert!(e.message.contains("$b"));
    let e = reject(
        json!([{"op": "fault", "device": "d", "pasid": "$later", "addr": 0, "perm": "r", "group": 1},
                          {"op": "alloc", "min": 1, "max": 2, "as": "later"}]),
    );
    at(&e, 0, "fault", "pasid");
}

#[test]
fn bad_expect_and_question() {
    let e = reject(json!([{"op": "alloc", "min": 1, "max": 2, "expect": {"err": "EWHAT"}}]));
    assert_eq!(e.step, Some(0));
    assert!(
        e.field.as_deref().is_some_and(|f| f.starts_with("expect")),
        "{e}"
    );
    let e = reject(
        json!([{"op": "alloc", "min": 1, "max": 2, "ask": {"prompt": "?", "choices": ["a", "b"], "answer": 2, "explain": "."}}]),
    );
    at(&e, 0, "alloc", "ask.answer");
    let e = reject(
        json!([{"op": "alloc", "min": 1, "max": 2, "ask": {"prompt": "?", "choices": ["a"], "answer": 0, "explain": "."}}]),
    );
    at(&e, 0, "alloc", "ask.choices");
}

#[test]
fn lesson_level_mistakes_name_the_field() {
    let e = reject_lesson(json!({"format": 1, "title": "t", "profile": "v9", "steps": []}));
    assert_eq!(e.field.as_deref(), Some("profile"));
    let e = reject_lesson(json!({"format": 2, "title": "t", "profile": "v5.5", "steps": []}));
    assert_eq!(e.field.as_deref(), Some("format"));
    let e = reject_lesson(
        json!({"format": 1, "title": "t", "profile": "v5.5", "knobs": {"flaw_nope": true}, "steps": []}),
    );
    assert_eq!(e.field.as_deref(), Some("knobs"));
    assert!(e.message.contains("flaw_nope"));
    let e = reject_lesson(
        json!({"format": 1, "title": "t", "profile": "v5.5", "knobs": {"real_errno": 3}, "steps": []}),
    );
    assert_eq!(e.field.as_deref(), Some("knobs"));
    let e = reject_lesson(json!({"format": 1, "profile": "v5.5", "steps": []}));
    assert_eq!(e.field.as_deref(), Some("title"));
    let e = reject_lesson(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [], "colour": 1}),
    );
    assert_eq!(e.field.as_deref(), Some("colour"));
    assert!(Lesson::parse("{ not json").is_err());
    assert!(Lesson::parse("[]").is_err());
}

#[test]
fn fast_and_precise_paths_agree_on_every_builtin() {
    for l in ioasid_core::lessons::ALL {
        let fast = Lesson::parse(l.json).expect("parses");
        let v: Value = serde_json::from_str(l.json).expect("JSON");
        let precise = Lesson::from_value(v).expect("parses");
        assert_eq!(fast, precise, "{}", l.id);
    }
}

#[test]
fn export_round_trips() {
    let text = ioasid_core::lessons::ALL[0].json;
    let l = Lesson::parse(text).expect("built-in parses");
    let again = Lesson::from_value(l.to_json()).expect("export parses");
    assert_eq!(l, again);
}

/// An exported file reads like a hand-written one: the lesson's fields in the order
/// the format lists them, each step a block starting with its `op` and the op's own
/// fields, its narration and question on lines of their own; and it parses back to the
/// same lesson (every built-in, and one with no steps).
#[test]
fn exported_text_reads_in_order_and_parses_back() {
    let empty = r#"{"format": 1, "title": "t", "profile": "v5.5", "steps": []}"#;
    let texts = ioasid_core::lessons::ALL
        .iter()
        .map(|b| b.json)
        .chain([empty]);
    for text in texts {
        let l = Lesson::parse(text).expect("parses");
        let out = l.to_text();
        assert_eq!(Lesson::parse(&out).as_ref(), Ok(&l), "{out}");
        let top: Vec<&str> = out
            .lines()
            .filter(|line| line.starts_with("  \""))
            .map(|line| line.trim_start().split('"').nth(1).unwrap_or(""))
            .collect();
        let format_order = [
            "format", "title", "summary", "intro", "outro", "profile", "profiles", "knobs", "steps",
        ];
        let ranks: Vec<usize> = top
            .iter()
            .map(|k| format_order.iter().position(|o| o == k).expect(k))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{top:?}");
        let blocks = out.lines().filter(|line| line.starts_with("    {")).count();
        assert_eq!(blocks, l.steps.len(), "one block per step");
        for (line, step) in out
            .lines()
            .filter(|line| line.starts_with("    {"))
            .zip(&l.steps)
        {
            let first = format!("    {{\"op\": \"{}\"", step.op.name());
            assert!(line.starts_with(&first), "{line}");
            assert!(
                !line.contains("\"say\""),
                "narration on a line of its own: {line}"
            );
        }
        // Defaults are not written out: an empty summary, an alloc with no data, the
        // last request of a group.
        assert!(!out.contains("\"summary\": \"\""), "{out}");
        assert!(!out.contains("\"last\": true"), "{out}");
        for (line, step) in out
            .lines()
            .filter(|line| line.starts_with("    {"))
            .zip(&l.steps)
        {
            if step.op.name() == "alloc" && line.contains("\"data\": null") {
                panic!("an alloc's absent data written as null: {line}");
            }
        }
        // `profiles` lists only the others: `profile` comes first anyway.
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let others = v["profiles"].as_array().map_or(0, Vec::len);
        assert_eq!(others, l.profiles.len() - 1);
    }
}

/// Mistakes a teacher makes get a hint: the likely name, the shape of an expectation,
/// the knob at fault, a number in words.
#[test]
fn messages_suggest_the_fix() {
    let e = reject(json!([{"op": "set_crate", "set": "s"}]));
    assert!(e.message.contains("did you mean `set_create`?"), "{e}");
    // The whole list of ops only when no op is close.
    assert!(!e.message.contains("expected one of"), "{e}");
    let e = reject(json!([{"op": "grab", "set": "s"}]));
    assert!(
        e.message
            .contains("expected one of set_create, set_free, alloc"),
        "{e}"
    );
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9, "expext": {"ok": 1}}]));
    at(&e, 0, "alloc", "expext");
    assert!(e.message.contains("did you mean `expect`?"), "{e}");
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9,
        "data": {"mm": "A", "domain": "D"}}]));
    at(&e, 0, "alloc", "data");
    assert!(
        e.message
            .contains("exactly one of `mm`, `domain`, `driver`"),
        "{e}"
    );
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9,
        "expect": {"ok": 1, "err": "EINVAL"}}]));
    assert!(
        e.message
            .starts_with("expected an object with exactly one key; an expectation is"),
        "{e}"
    );
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": 1}]));
    assert!(
        e.message.contains(r#"{"ok": VALUE} or {"err": "NAME"}"#),
        "{e}"
    );
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9,
        "ask": {"prompt": "p", "choices": ["a", "b"], "answer": "a", "explain": "e"}}]));
    assert!(
        e.message.contains("expected a whole number, 0 or more"),
        "{e}"
    );
    let e = reject(json!([{"op": "set_create", "set": "s", "quota": "2"}]));
    assert!(
        e.message
            .ends_with("expected a whole number, 0 or more: write it without quotes"),
        "{e}"
    );
    // An ID in quotes gets the same advice, and a negative answer is not called a
    // whole number it would be.
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": "1", "max": 9}]));
    assert_eq!(e.field.as_deref(), Some("min"));
    assert!(e.message.ends_with("write it without quotes"), "{e}");
    let e = reject(json!([{"op": "alloc", "set": "sva", "min": 1, "max": 9,
        "ask": {"prompt": "p", "choices": ["a", "b"], "answer": -1, "explain": "e"}}]));
    assert!(
        e.message
            .contains("integer `-1`, expected a whole number, 0 or more"),
        "{e}"
    );
    let e = reject_lesson(json!({"format": 1, "title": "t", "profile": "v5.5",
        "knobs": {"refs": "getput"}, "steps": []}));
    assert!(e.message.contains("knob `refs`"), "{e}");
}

/// Export writes each number as its author did: a `"0x..."` string stays one, a plain
/// number stays plain (IDs, a host's range, a bind's range, a page request's address,
/// a mapping's start and length).
#[test]
fn export_keeps_numbers_as_written() {
    let text = r#"{"format": 1, "title": "t", "profile": "v5.18", "steps": [
        {"op": "alloc", "set": "sva", "min": "0x10", "max": 16, "as": "a"},
        {"op": "free", "id": "0X1f"},
        {"op": "get", "id": 17},
        {"op": "host_create", "host": "h", "min": 1, "max": "0xfffff"},
        {"op": "mm_create", "mm": "A", "maps": [{"start": "0x10000000", "len": 4096, "perm": "rw"},
                                                {"start": 536870912, "len": "0x2000", "perm": "r"}]},
        {"op": "bind", "device": "d", "mm": "A", "min": "0x1", "max": 255},
        {"op": "fault", "device": "d", "pasid": "$a", "addr": "0x10000000", "perm": "r", "group": 1},
        {"op": "fault", "device": "d", "pasid": 16, "addr": 268439552, "perm": "r", "group": 2}
    ]}"#;
    let l = Lesson::parse(text).expect("parses");
    let steps = l.to_json()["steps"].clone();
    assert_eq!(steps[0]["min"], json!("0x10"));
    assert_eq!(steps[0]["max"], json!(16));
    assert_eq!(steps[1]["id"], json!("0x1f"), "hex, in the usual case");
    assert_eq!(steps[2]["id"], json!(17));
    assert_eq!(
        (&steps[3]["min"], &steps[3]["max"]),
        (&json!(1), &json!("0xfffff"))
    );
    assert_eq!(steps[4]["maps"][0]["start"], json!("0x10000000"));
    assert_eq!(steps[4]["maps"][0]["len"], json!(4096));
    assert_eq!(steps[4]["maps"][1]["start"], json!(536870912));
    assert_eq!(steps[4]["maps"][1]["len"], json!("0x2000"));
    assert_eq!(
        (&steps[5]["min"], &steps[5]["max"]),
        (&json!("0x1"), &json!(255))
    );
    assert_eq!(steps[6]["addr"], json!("0x10000000"));
    assert_eq!(
        (&steps[7]["pasid"], &steps[7]["addr"]),
        (&json!(16), &json!(268439552))
    );
    // And back: the same lesson, through both paths and from the text of a file.
    assert_eq!(Lesson::from_value(l.to_json()).as_ref(), Ok(&l));
    assert_eq!(Lesson::parse(&l.to_text()).as_ref(), Ok(&l));
    assert!(
        l.to_text().contains(r#""min": "0x10", "max": 16"#),
        "{}",
        l.to_text()
    );
}

#[test]
fn a_mapping_is_written_like_an_address() {
    let text = r#"{"format": 1, "title": "t", "profile": "v5.11", "steps": [
        {"op": "mm_create", "mm": "A", "maps": [{"start": "0x10000000", "len": 4096, "perm": "rw"}]}]}"#;
    let l = Lesson::parse(text).expect("hex start");
    match &l.steps[0].op {
        ioasid_core::Op::MmCreate { maps, .. } => {
            assert_eq!((maps[0].start, maps[0].len), (0x1000_0000, 4096));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn expect_in_for_a_profile_the_lesson_does_not_declare() {
    let e = reject_lesson(
        json!({"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"], "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect_in": {"v5.5": {"ok": 1}}}]}),
    );
    at(&e, 0, "alloc", "expect_in.v5.5");
    assert!(e.message.contains("v5.11, improved"), "{e}");
}

/// A field written under a wrong name is reported once, as the wrong name with the
/// right one suggested, not again as the right one missing: a far name (`vm` for
/// `guest`), a near one (`sett` for a required `set`), at the top of a lesson too
/// (`name` for `title`). A stray key beside a field that is present is still just
/// unknown, and with two fields missing and one far key, nothing is guessed.
#[test]
fn a_field_under_a_wrong_name_is_reported_once() {
    let e = all_mistakes(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "host_create", "host": "h", "min": 1, "max": 9},
        {"op": "host_alloc", "host": "h", "vm": "A"}]}),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    at(&e[0], 1, "host_alloc", "vm");
    assert!(
        e[0].to_string().ends_with("field `vm`: unknown field; did you mean `guest`? (host_alloc needs `guest` and has no `vm`)"),
        "{}",
        e[0]
    );
    let e = all_mistakes(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "set_free", "sett": "s"}]}),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    at(&e[0], 0, "set_free", "sett");
    assert!(e[0].message.contains("did you mean `set`?"), "{}", e[0]);
    let e = all_mistakes(json!({"format": 1, "name": "t", "profile": "v5.5", "steps": []}));
    assert_eq!(e.len(), 1, "{e:#?}");
    assert_eq!(e[0].field.as_deref(), Some("name"), "{}", e[0]);
    assert!(e[0].message.contains("did you mean `title`?"), "{}", e[0]);
    // Present beside it: just unknown.
    let e = all_mistakes(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "host_alloc", "host": "h", "guest": "A", "vm": "B"}]}),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(!e[0].message.contains("did you mean"), "{}", e[0]);
    // Two missing, one far key: both missing fields and the key are named.
    let e = all_mistakes(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "alloc", "set": "sva", "foo": 1}]}),
    );
    let fields: Vec<_> = e.iter().map(|e| e.field.as_deref()).collect();
    assert_eq!(fields, [Some("foo"), Some("min"), Some("max")], "{e:#?}");
}

/// `say_in` is checked as `expect_in` is: a profile name not known is named with the
/// closest one; a profile the lesson does not declare, and blank text, are mistakes.
/// Both paths list the same.
#[test]
fn say_in_names_known_declared_profiles_with_text() {
    let lesson = |say_in: Value| {
        json!({"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"], "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "say": "s", "say_in": say_in}]})
    };
    let e = reject_lesson(lesson(json!({"improvd": "text"})));
    assert_eq!((e.step, e.op.as_deref()), (Some(0), Some("alloc")), "{e}");
    assert!(
        e.field.as_deref().unwrap_or("").starts_with("say_in"),
        "{e}"
    );
    assert!(e.message.contains("did you mean `improved`?"), "{e}");
    let e = reject_lesson(lesson(json!({"v5.5": "text"})));
    at(&e, 0, "alloc", "say_in.v5.5");
    assert!(e.message.contains("v5.11, improved"), "{e}");
    let e = reject_lesson(lesson(json!({"improved": "  "})));
    at(&e, 0, "alloc", "say_in.improved");
    assert!(e.message.contains("empty narration"), "{e}");
    let e = reject_lesson(lesson(json!({"improved": 3})));
    assert!(
        e.field.as_deref().unwrap_or("").starts_with("say_in"),
        "{e}"
    );
    // A broken step still has its `say_in` checked.
    let list = all_mistakes(
        json!({"format": 1, "title": "t", "profile": "v5.11", "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "say_in": {"improved": "x"}}]}),
    );
    let fields: Vec<_> = list.iter().map(|e| e.field.as_deref()).collect();
    assert_eq!(fields, [Some("max"), Some("say_in.improved")], "{list:?}");
    // Right, it parses and exports back.
    let l = Lesson::from_value(lesson(json!({"improved": "improved's words"}))).expect("parses");
    assert_eq!(Lesson::parse(&l.to_text()).as_ref(), Ok(&l));
    assert!(
        l.to_text()
            .contains("\n     \"say_in\": {\"improved\": \"improved's words\"}"),
        "{}",
        l.to_text()
    );
}

/// The fast path of `parse` (native builds) and the precise path (`from_value`, the
/// browser's only path) agree on every lesson: the built-ins, and each of them with
/// one field of one step, or one top-level field, replaced by an odd value. A lesson
/// the command line accepts is never refused in the browser, or the other way round.
#[test]
fn both_parse_paths_agree_on_mutated_lessons() {
    let odd = [json!(null), json!("a b"), json!(7), json!({})];
    let agree = |v: &Value, what: &str| {
        let fast = Lesson::parse_reporting_all(&v.to_string());
        let precise = Lesson::from_value_reporting_all(v.clone());
        assert_eq!(fast, precise, "the two paths differ with {what}");
        // `parse` reports the first of the mistakes listed.
        let first = Lesson::parse(&v.to_string()).err();
        assert_eq!(
            first.as_ref(),
            precise.as_ref().err().and_then(|l| l.first())
        );
    };
    let mut checked = 0;
    for b in ioasid_core::lessons::ALL {
        let lesson: Value = serde_json::from_str(b.json).expect(b.id);
        agree(&lesson, b.id);
        for key in [
            "title", "summary", "intro", "outro", "profile", "profiles", "knobs", "format",
        ] {
            for value in &odd {
                let mut l = lesson.clone();
                l[key] = value.clone();
                agree(&l, &format!("{}: {key} = {value}", b.id));
                checked += 1;
            }
        }
        let steps = lesson["steps"].as_array().map_or(0, Vec::len);
        for i in 0..steps {
            let fields: Vec<String> = lesson["steps"][i]
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let extra = ["as", "say", "thread", "expect", "ask"].map(String::from);
            for key in fields.iter().chain(extra.iter()) {
                for value in &odd {
                    let mut l = lesson.clone();
                    l["steps"][i][key.as_str()] = value.clone();
                    agree(&l, &format!("{}: steps[{i}].{key} = {value}", b.id));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 2_500, "only {checked} mutations checked");
}

/// A lesson with several mistakes lists them all, the lesson's own fields first and
/// then step by step, so a teacher fixes them in one pass; a step that did not parse
/// still counts as saving its `as` name, so later `$name`s are not flagged with it.
#[test]
fn every_mistake_is_listed_in_file_order() {
    let list = all_mistakes(json!({
        "format": 1, "title": "t", "profile": "v5.5", "colour": "red",
        "steps": [
            {"op": "alloc", "set": "sva", "min": 1, "max": 9, "as": "a", "ask": {"prompt": "?", "choices": ["x"], "answer": 0, "explain": "."}},
            {"op": "nope", "as": "b"},
            {"op": "free", "id": "$b"},
            {"op": "free", "id": "$zz"},
            {"op": "find", "set": null},
            {"op": "get", "id": "$a", "expect": {"ok": 1, "err": "EINVAL"}}
        ]
    }));
    let places: Vec<(Option<usize>, Option<&str>)> =
        list.iter().map(|e| (e.step, e.field.as_deref())).collect();
    assert_eq!(
        places,
        [
            (None, Some("colour")),
            (Some(0), Some("ask.choices")),
            (Some(1), Some("op")),
            (Some(3), Some("id")),
            (Some(4), Some("id")),
            (Some(5), Some("expect")),
        ],
        "{list:#?}"
    );
    assert!(list[2].message.contains("unknown op `nope`"), "{}", list[2]);
    assert!(list[3].message.contains("$zz"), "{}", list[3]);
}

/// A broken profile is one mistake: `expect_in` is not checked against it (every
/// profile would look undeclared).
#[test]
fn a_broken_profile_does_not_flag_every_expect_in() {
    let list = all_mistakes(json!({"format": 1, "title": "t", "profile": "v9",
    "profiles": ["improved"], "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect_in": {"improved": {"ok": 1}}}
    ]}));
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].field.as_deref(), Some("profile"));
}

/// Wrong knobs are each named, and do not hide the steps' mistakes.
#[test]
fn every_wrong_knob_is_named_and_steps_are_still_checked() {
    let list = all_mistakes(json!({"format": 1, "title": "t", "profile": "v5.11",
    "knobs": {"flaw_nonexistent": true, "refs": "sometimes"}, "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect_in": {"improved": {"ok": 1}}}
    ]}));
    let places: Vec<(Option<usize>, Option<&str>)> =
        list.iter().map(|e| (e.step, e.field.as_deref())).collect();
    assert_eq!(
        places,
        [
            (None, Some("knobs")),
            (None, Some("knobs")),
            (Some(0), Some("expect_in.improved"))
        ],
        "{list:#?}"
    );
    assert!(
        list.iter().any(|e| e.message.contains("flaw_nonexistent")),
        "{list:#?}"
    );
    assert!(
        list.iter().any(|e| e.message.contains("sometimes")),
        "{list:#?}"
    );
    assert!(list[2].message.contains("(v5.11)"), "{}", list[2]);
}

/// Two broken steps of a built-in lesson are reported exactly as each would be alone.
#[test]
fn two_mistakes_are_each_reported_as_if_alone() {
    let mut pairs = 0;
    for b in ioasid_core::lessons::ALL {
        let lesson: Value = serde_json::from_str(b.json).expect(b.id);
        let n = lesson["steps"].as_array().map_or(0, Vec::len);
        for (i, j) in [(0, n - 1), (1, n / 2), (n / 3, n - 2)] {
            if i >= j {
                continue;
            }
            let broken = |l: &mut Value, k: usize| l["steps"][k]["op"] = json!(7);
            let mut only_i = lesson.clone();
            broken(&mut only_i, i);
            let mut only_j = lesson.clone();
            broken(&mut only_j, j);
            let mut both = lesson.clone();
            broken(&mut both, i);
            broken(&mut both, j);
            let mut alone = all_mistakes(only_i);
            alone.extend(all_mistakes(only_j));
            assert_eq!(all_mistakes(both), alone, "{}: steps {i} and {j}", b.id);
            pairs += 1;
        }
    }
    assert!(pairs >= 20, "only {pairs} pairs");
}

/// A file with a mistake in every step lists the first ones and counts the rest.
#[test]
fn a_long_list_of_mistakes_is_cut_and_counted() {
    let steps: Vec<Value> = (0..100).map(|_| json!({"op": "alloc", "min": 1})).collect();
    let list = all_mistakes(json!({"format": 1, "title": "t", "profile": "v5.5", "steps": steps}));
    let max = ioasid_core::lesson::MAX_LISTED;
    assert_eq!(list.len(), max + 1);
    assert_eq!(list[max - 1].step, Some(max - 1));
    assert!(
        list[max].message.contains(&format!("{} more", 100 - max)),
        "{}",
        list[max]
    );
}

/// Every mistake in one step is listed, each as it is reported alone: a teacher fixes
/// a step in one pass.
#[test]
fn every_mistake_in_a_step_is_listed_as_if_alone() {
    let good = json!({"op": "alloc", "set": "sva", "min": 1, "max": 9});
    let mutations: [(&str, Value); 7] = [
        ("set", json!(5)),
        ("min", json!("one")),
        ("colour", json!("red")),
        ("as", json!("not a name")),
        ("thread", json!(3)),
        ("say", json!(["a", "list"])),
        ("expect", json!({"ok": 1, "err": "EINVAL"})),
    ];
    let mistakes_of = |step: Value| {
        all_mistakes(json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [step]}))
    };
    let mut alone: Vec<String> = Vec::new();
    let mut all = good.clone();
    for (k, v) in &mutations {
        let mut one = good.clone();
        one[k] = v.clone();
        all[k] = v.clone();
        let list = mistakes_of(one);
        assert_eq!(list.len(), 1, "{k}: {list:#?}");
        alone.push(list[0].to_string());
    }
    let mut together: Vec<String> = mistakes_of(all).iter().map(|e| e.to_string()).collect();
    assert_eq!(together.len(), mutations.len(), "{together:#?}");
    together.sort();
    alone.sort();
    assert_eq!(together, alone);
}

/// A required field written wrong is reported once (its type), not again as missing;
/// another field missing is still reported; a mistake deep in a field is one mistake.
#[test]
fn a_field_set_aside_is_not_reported_again_as_missing() {
    let list = all_mistakes(
        json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
            {"op": "alloc", "set": "sva", "min": "x"},
            {"op": "mm_create", "mm": "A", "maps": [{"start": 0, "len": 4096, "perm": "r"},
                                                    {"start": 0, "len": 4096, "perm": "q"}]}
        ]}),
    );
    let places: Vec<(Option<usize>, Option<&str>)> =
        list.iter().map(|e| (e.step, e.field.as_deref())).collect();
    assert_eq!(
        places,
        [
            (Some(0), Some("min")),
            (Some(0), Some("max")),
            (Some(1), Some("maps[1].perm"))
        ],
        "{list:#?}"
    );
    assert!(list[1].message.contains("missing"), "{}", list[1]);
}

/// A step of thousands of stray keys is checked in a bounded number of rounds (each
/// copies the step): it stops at as many mistakes as a lesson lists at most.
#[test]
fn a_step_of_many_stray_keys_stops_at_the_listed_most() {
    let mut step = serde_json::Map::new();
    step.insert("op".into(), json!("free"));
    step.insert("id".into(), json!(1));
    for k in 0..2_000 {
        step.insert(format!("stray{k:04}"), json!(k));
    }
    let list = ioasid_core::lesson::parse_step_reporting_all(0, Value::Object(step))
        .expect_err("stray keys are mistakes");
    assert_eq!(list.len(), ioasid_core::lesson::MAX_LISTED);
    assert!(
        list.iter()
            .all(|e| e.field.as_deref().is_some_and(|f| f.starts_with("stray"))),
        "{:#?}",
        &list[..3]
    );
}

/// Fields of every kind are given a placeholder when wrong, so the fields after them
/// are still checked (a notifier priority, required data); a stray key that holds a
/// `.` is named as written, and a good field of a similar name is left alone.
#[test]
fn fields_of_every_kind_are_set_aside_and_odd_keys_named_as_written() {
    let steps = json!([
        {"op": "notifier_register", "priority": "kvm", "set": 5},
        {"op": "attach_data", "data": "mm", "id": "bad"},
        {"op": "alloc", "min": 1, "max": 9, ".min": 2},
        {"op": "alloc", "min": "bad", "max": 9, "min.x": 2}
    ]);
    let list = all_mistakes(json!({"format": 1, "title": "t", "profile": "v5.5", "steps": steps}));
    let mut places: Vec<(Option<usize>, Option<&str>)> =
        list.iter().map(|e| (e.step, e.field.as_deref())).collect();
    places.sort();
    assert_eq!(
        places,
        [
            (Some(0), Some("name")),
            (Some(0), Some("priority")),
            (Some(0), Some("set")),
            (Some(1), Some("data.mm")),
            (Some(1), Some("id")),
            (Some(2), Some(".min")),
            (Some(3), Some("min")),
            (Some(3), Some("min.x")),
        ],
        "{list:#?}"
    );
}

/// A step that does not parse still has its question and its `expect_in` checked: a
/// teacher sees them in the same run as the field that broke the step.
#[test]
fn a_broken_step_still_has_its_question_and_expect_in_checked() {
    let ask = json!({"prompt": "?", "choices": ["a", "b", "c"], "answer": 3, "explain": "."});
    let list = all_mistakes(json!({"format": 1, "title": "t", "profile": "ext",
        "profiles": ["improved"], "steps": [
        {"op": "alloc", "sett": "gpu", "min": 1, "max": 9, "ask": ask,
         "expect_in": {"improved": {"ok": 1}, "v5.18": {"ok": 1}}},
        {"op": "allocate", "ask": ask}
    ]}));
    let places: Vec<(Option<usize>, Option<&str>, Option<&str>)> = list
        .iter()
        .map(|e| (e.step, e.op.as_deref(), e.field.as_deref()))
        .collect();
    assert_eq!(
        places,
        [
            (Some(0), Some("alloc"), Some("sett")),
            (Some(0), Some("alloc"), Some("ask.answer")),
            (Some(0), Some("alloc"), Some("expect_in.v5.18")),
            (Some(1), Some("allocate"), Some("op")),
            (Some(1), Some("allocate"), Some("ask.answer")),
        ],
        "{list:#?}"
    );
    // Each is the message it has in a step that parses.
    let alone = all_mistakes(json!({"format": 1, "title": "t", "profile": "ext",
        "profiles": ["improved"], "steps": [
        {"op": "alloc", "set": "gpu", "min": 1, "max": 9, "ask": ask,
         "expect_in": {"improved": {"ok": 1}, "v5.18": {"ok": 1}}}
    ]}));
    assert_eq!(alone[..], list[1..3]);
}

/// A near miss is suggested wherever the right names are known (an op's own field, a
/// question's field, a saved `$name`), and a short word is not matched with a far one.
#[test]
fn near_misses_are_suggested_where_the_names_are_known() {
    let mistakes = |steps: Value| {
        all_mistakes(json!({"format": 1, "title": "t", "profile": "v5.5", "steps": steps}))
    };
    let list = mistakes(json!([
        {"op": "alloc", "sett": "sva", "min": 1, "max": 9, "as": "n1"},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9,
         "ask": {"prompt": "?", "choices": ["a", "b"], "answer": 0, "explian": "."}},
        {"op": "find", "set": null, "id": 1, "max": 3}
    ]));
    assert!(
        list[0].message.contains("(did you mean `set`?)"),
        "{}",
        list[0]
    );
    assert_eq!(list[1].field.as_deref(), Some("ask.explian"));
    assert!(
        list[1].message.contains("(did you mean `explain`?)"),
        "{}",
        list[1]
    );
    assert!(!list[2].message.contains("did you mean"), "{}", list[2]);
    let list = mistakes(json!([
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "as": "n1"},
        {"op": "find", "set": null, "id": "$N1"}
    ]));
    assert!(
        list[0].message.contains("(did you mean `$n1`?)"),
        "{}",
        list[0]
    );
    let list = mistakes(json!([
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "as": "n1"},
        {"op": "find", "set": null, "id": "n1"}
    ]));
    assert!(list[0].message.contains(r#"write "$n1""#), "{}", list[0]);
}

/// A question is one kind: multiple choice, `pick` or `type`; a computed kind only on
/// an op that gives what it asks for. Each mistake names the step, op and field.
#[test]
fn question_kinds_are_checked() {
    let ask = |q: Value| json!([{"op": "alloc", "min": 1, "max": 2, "ask": q}]);
    let e = reject(ask(
        json!({"prompt": "?", "choices": ["a", "b"], "answer": 0, "pick": "id", "explain": "."}),
    ));
    at(&e, 0, "alloc", "ask.pick");
    assert!(e.message.contains("both `choices` and `pick`"), "{e}");
    let e = reject(ask(
        json!({"prompt": "?", "pick": "id", "type": "value", "explain": "."}),
    ));
    at(&e, 0, "alloc", "ask.type");
    let e = reject(ask(json!({"prompt": "?", "pick": "value", "explain": "."})));
    at(&e, 0, "alloc", "ask.pick");
    assert!(e.message.contains("unknown variant `value`"), "{e}");
    let e = reject(ask(
        json!({"prompt": "?", "type": "errnos", "explain": "."}),
    ));
    at(&e, 0, "alloc", "ask.type");
    assert!(e.message.contains("did you mean `errno`?"), "{e}");
    let e = reject(ask(json!({"prompt": "?", "explain": "."})));
    at(&e, 0, "alloc", "ask.choices");
    let e = reject(ask(
        json!({"prompt": "?", "choices": ["a", "b"], "explain": "."}),
    ));
    at(&e, 0, "alloc", "ask.answer");
    // A pick on an op that neither hands out nor changes an ID.
    let e = reject(json!([
        {"op": "find", "set": null, "id": 1, "ask": {"prompt": "?", "pick": "id", "explain": "."}}
    ]));
    at(&e, 0, "find", "ask.pick");
    assert!(
        e.message
            .contains("`find` neither hands out nor changes an ID"),
        "{e}"
    );
    // A value on an op that returns no number; an errno fits any op.
    let e = reject(json!([
        {"op": "free", "id": 1, "ask": {"prompt": "?", "type": "value", "explain": "."}}
    ]));
    at(&e, 0, "free", "ask.type");
    let ok = json!({"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "free", "id": 1, "ask": {"prompt": "?", "type": "errno", "explain": "."}},
        {"op": "free", "id": 1, "ask": {"prompt": "?", "pick": "id", "explain": "."}}
    ]});
    let lesson = Lesson::from_value(ok).expect("parses");
    // Written back out as it was read.
    assert_eq!(Lesson::parse(&lesson.to_text()).as_ref(), Ok(&lesson));
    let q = lesson.steps[0].to_json()["ask"].clone();
    assert_eq!(q, json!({"prompt": "?", "type": "errno", "explain": "."}));
}

/// A question's `ask` with `extra` fields added.
fn ask_with(extra: Value) -> Value {
    let mut q = json!({"prompt": "?", "choices": ["a", "b"], "answer": 0, "explain": "."});
    for (k, v) in extra.as_object().expect("an object") {
        q[k] = v.clone();
    }
    json!([
        {"op": "alloc", "set": "sva", "min": 1, "max": 2},
        {"op": "alloc", "set": "sva", "min": 1, "max": 2, "ask": q}
    ])
}

#[test]
fn an_exception_needs_its_reason() {
    let e = reject(ask_with(json!({"fair_because": "  "})));
    at(&e, 1, "alloc", "ask.fair_because");
    assert!(e.message.contains("reason"), "{e}");
    let ok = json!({"format": 1, "title": "t", "profile": "v5.5",
        "steps": ask_with(json!({"fair_because": "the panel shows it anyway"}))});
    assert!(Lesson::from_value(ok).is_ok());
}

#[test]
fn learn_at_names_a_step_of_the_lesson() {
    let e = reject(ask_with(json!({"learn_at": 3})));
    at(&e, 1, "alloc", "ask.learn_at");
    assert!(e.message.contains("no step 3"), "{e}");
    let e = reject(ask_with(json!({"learn_at": 0})));
    at(&e, 1, "alloc", "ask.learn_at");
    let e = reject(ask_with(json!({"learn_at": "2"})));
    assert_eq!(e.field.as_deref(), Some("ask.learn_at"), "{e}");
    let ok = json!({"format": 1, "title": "t", "profile": "v5.5",
        "steps": ask_with(json!({"concept": "first fit", "learn_at": 2, "key": "lowest"}))});
    let l = Lesson::from_value(ok.clone()).expect("valid");
    let q = l.steps[1].ask.as_ref().unwrap();
    assert_eq!(
        (q.concept.as_deref(), q.learn_at),
        (Some("first fit"), Some(2))
    );
    // Written back out, in the format's key order, and read again the same.
    let text = l.to_text();
    assert!(
        text.contains(r#""explain": ".", "key": "lowest", "concept": "first fit", "learn_at": 2"#),
        "{text}"
    );
    assert_eq!(Lesson::parse(&text).expect("reads back"), l);
}

#[test]
fn an_empty_concept_or_key_is_refused() {
    let e = reject(ask_with(json!({"concept": ""})));
    at(&e, 1, "alloc", "ask.concept");
    let e = reject(ask_with(json!({"key": " "})));
    at(&e, 1, "alloc", "ask.key");
}

#[test]
fn a_single_step_cannot_point_learn_at_past_the_step_after_its_lesson() {
    let lesson = Lesson::from_value(json!({"format": 1, "title": "t", "profile": "v5.5",
        "steps": [{"op": "alloc", "set": "sva", "min": 1, "max": 2}]}))
    .expect("valid");
    let step = |n: u64| {
        ioasid_core::lesson::parse_step(
            1,
            json!({"op": "alloc", "set": "sva", "min": 1, "max": 2,
                "ask": {"prompt": "?", "choices": ["a", "b"], "answer": 0, "explain": ".", "learn_at": n}}),
        )
        .expect("a step on its own does not know the lesson's length")
    };
    assert!(lesson.check_appended(&step(2)).is_ok());
    let e = lesson.check_appended(&step(3)).unwrap_err();
    assert_eq!(e.field.as_deref(), Some("ask.learn_at"), "{e}");
}
