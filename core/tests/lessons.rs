//! The built-in lesson library: every lesson parses, runs under every profile it
//! declares with no `expect` failure, keeps the model's invariants after every step, and
//! has the shape a course needs (10-40 narrated steps, an intro and an outro, at least
//! two predict-then-reveal questions). The last test runs the `ioasid-sim` binary itself.
use ioasid_core::lesson::Lesson;
use ioasid_core::lessons::{self, BuiltIn};
use ioasid_core::profile::Profile;
use ioasid_core::pseudo::ALL_FUNCS;
use ioasid_core::run_under;
use ioasid_core::trace::{Event, FaultStage, Outcome};
use std::collections::BTreeSet;
use std::process::Command;

/// The lessons the course must contain, in course order (ids are file stems).
const COURSE: [&str; 12] = [
    "00-design-thread",
    "01-first-fit",
    "02-sets",
    "03-deferred-binding",
    "04-guest-boot-vcmd",
    "05-host-misbehaves",
    "06-unregistering",
    "07-references-eras",
    "08-page-requests",
    "09-stale-fault",
    "10-quotas-owners-spids",
    "11-what-came-after",
];

fn parse(l: &BuiltIn) -> Lesson {
    Lesson::parse(l.json).unwrap_or_else(|e| panic!("{}: rejected: {e}", l.id))
}

#[test]
fn the_course_lists_every_lesson_in_order() {
    let ids: Vec<&str> = lessons::ALL.iter().map(|l| l.id).collect();
    assert_eq!(ids, COURSE, "lessons::ALL must list the course in order");
    for id in COURSE {
        assert!(
            lessons::get(id).is_some(),
            "lessons::get({id}) finds nothing"
        );
    }
}

#[test]
fn every_lesson_file_is_built_in() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/lessons");
    let listed: BTreeSet<&str> = lessons::ALL.iter().map(|l| l.id).collect();
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("the lessons directory exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        files += 1;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 file name");
        assert!(
            listed.contains(stem),
            "{} is not listed in lessons::ALL",
            path.display()
        );
        let on_disk = std::fs::read_to_string(&path).expect("readable");
        let built_in = lessons::get(stem).map(|l| l.json).unwrap_or_default();
        assert_eq!(
            on_disk, built_in,
            "{stem}: the embedded text differs from the file"
        );
    }
    assert_eq!(files, lessons::ALL.len(), "one file per built-in lesson");
}

#[test]
fn every_lesson_parses_and_round_trips() {
    for l in lessons::ALL {
        let lesson = parse(l);
        let again = Lesson::from_value(lesson.to_json())
            .unwrap_or_else(|e| panic!("{}: its own export is rejected: {e}", l.id));
        assert_eq!(again, lesson, "{}: export and re-import differ", l.id);
    }
}

#[test]
fn every_lesson_runs_clean_under_every_declared_profile() {
    let mut failures = Vec::new();
    for l in lessons::ALL {
        let lesson = parse(l);
        for &p in &lesson.profiles {
            let trace = run_under(&lesson, p).unwrap_or_else(|e| panic!("{} [{p}]: {e}", l.id));
            assert_eq!(
                trace.len(),
                lesson.steps.len(),
                "{} [{p}]: every step ran",
                l.id
            );
            for s in trace.steps.iter().filter(|s| s.expect_ok == Some(false)) {
                failures.push(format!(
                    "{} [{p}] step {} ({}): expected {}, got {}\n    say: {}\n    explain: {}\n    kernel log: {:?}",
                    l.id,
                    s.index + 1,
                    s.op,
                    serde_json::to_string(&s.expected).unwrap_or_default(),
                    serde_json::to_string(&s.result).unwrap_or_default(),
                    s.say.as_deref().unwrap_or(""),
                    s.explain,
                    s.kernel_log
                ));
            }
            let counted = trace
                .steps
                .iter()
                .filter(|s| s.expect_ok == Some(false))
                .count();
            assert_eq!(
                trace.expect_failures, counted,
                "{} [{p}]: expect_failures disagrees with the steps",
                l.id
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} expect failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every line id the model reports under a profile exists in a listing of that
/// profile's era (a typo, or a line of another era, would mark nothing).
#[test]
fn every_reported_line_is_in_a_listing_of_its_era() {
    for l in lessons::ALL {
        let lesson = parse(l);
        for &p in &lesson.profiles {
            let known: BTreeSet<&str> = ALL_FUNCS
                .iter()
                .flat_map(|f| f.listing(p).lines)
                .filter_map(|l| l.id)
                .collect();
            let trace = run_under(&lesson, p).unwrap_or_else(|e| panic!("{} [{p}]: {e}", l.id));
            for s in &trace.steps {
                for id in &s.lines {
                    assert!(
                        known.contains(id),
                        "{} [{p}] step {}: line {id} is in no listing of {p}",
                        l.id,
                        s.index + 1
                    );
                }
            }
        }
    }
}

/// The code pane marks straight-line code too: a free runs its lock, its load and its
/// unlock, though only the entry and the erase are reported; it skips the unknown-ID
/// branch it did not take.
#[test]
fn straight_line_code_runs_with_the_lines_around_it() {
    let l = lessons::ALL
        .iter()
        .find(|l| l.id == "01-first-fit")
        .expect("lesson 01");
    let lesson = parse(l);
    let trace = run_under(&lesson, lesson.profiles[0]).expect("runs");
    let free = trace
        .steps
        .iter()
        .find(|s| s.op == "free" && matches!(s.result, ioasid_core::trace::Outcome::Ok(_)))
        .expect("a successful free");
    let ran: Vec<&str> = free
        .func
        .listing(lesson.profiles[0])
        .lines
        .iter()
        .filter(|line| line.ran(&free.lines))
        .map(|line| line.text.trim())
        .collect();
    for text in [
        "spin_lock(",
        "data = xa_load(",
        "xa_erase(",
        "kfree_rcu(",
        "out:",
        "spin_unlock(",
    ] {
        assert!(
            ran.iter().any(|r| r.starts_with(text)),
            "{text} not marked; marked: {ran:?}"
        );
    }
    assert!(
        !ran.iter().any(|r| r.contains("pr_err")),
        "the unknown-ID branch is marked: {ran:?}"
    );
}

fn built_in(id: &str) -> Lesson {
    parse(
        lessons::ALL
            .iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("no lesson {id}")),
    )
}

/// Stale requests served in the next owner's address space, per step.
fn stale_steps(lesson: &Lesson, p: Profile) -> Vec<usize> {
    let trace = run_under(lesson, p).expect("runs");
    trace
        .steps
        .iter()
        .filter(|s| {
            s.events
                .iter()
                .any(|e| matches!(e, Event::FaultStep { stale: true, .. }))
        })
        .map(|s| s.index + 1)
        .collect()
}

/// Lesson 09's hazard is flagged where the kernel profile serves the old owner's request
/// in the new owner's mm, and nowhere under improved, which quarantines the PASID.
#[test]
fn a_stale_request_is_flagged_only_where_it_is_served() {
    let lesson = built_in("09-stale-fault");
    let kernel = stale_steps(&lesson, Profile::V5_11);
    assert!(!kernel.is_empty(), "v5.11 serves no stale request");
    assert!(stale_steps(&lesson, Profile::Improved).is_empty());
    // A lesson whose PASIDs are never reused while requests wait has none.
    let lesson = built_in("08-page-requests");
    assert!(stale_steps(&lesson, Profile::V5_11).is_empty());
}

/// v6.6: a PASID attached to a plain domain is found, then refused by the missing
/// fault handler, a stage of its own (not a failed lookup).
#[test]
fn a_domain_without_a_handler_fails_at_the_handler() {
    let lesson = built_in("11-what-came-after");
    let trace = run_under(&lesson, lesson.profile).expect("runs");
    let stages: Vec<FaultStage> = trace
        .steps
        .iter()
        .flat_map(|s| &s.events)
        .filter_map(|e| match e {
            Event::FaultStep {
                stage, ok: false, ..
            } => Some(*stage),
            _ => None,
        })
        .collect();
    assert!(stages.contains(&FaultStage::Handler), "{stages:?}");
}

/// The code pane's story holds in every lesson run: a set_data that waits for readers has
/// not returned yet (and its sentence says so); one with none returns at once; a free of
/// an ID still referenced shows the branch that stops it.
#[test]
fn calls_return_only_when_they_do() {
    let mut checked = (0, 0, 0);
    for l in lessons::ALL {
        let lesson = parse(l);
        for &p in &lesson.profiles {
            let trace = run_under(&lesson, p).expect("runs");
            for s in &trace.steps {
                let waits = s
                    .events
                    .iter()
                    .any(|e| matches!(e, Event::GraceStarted { .. }));
                let returned = s.lines.contains(&"set_data.return");
                if s.op == "set_data" && matches!(s.result, Outcome::Ok(_)) {
                    let at = format!("{} [{p}] step {}", l.id, s.index + 1);
                    assert_eq!(returned, !waits, "{at}: {:?}", s.lines);
                    if waits {
                        assert!(
                            s.explain.contains("has not returned yet"),
                            "{at}: {}",
                            s.explain
                        );
                        checked.0 += 1;
                    } else {
                        checked.1 += 1;
                    }
                }
                if s.op == "free" && s.explain.contains("still has") {
                    assert!(
                        s.lines.contains(&"free.dec"),
                        "{} [{p}]: {:?}",
                        l.id,
                        s.lines
                    );
                    checked.2 += 1;
                }
            }
        }
    }
    assert!(
        checked.0 > 0 && checked.1 > 0 && checked.2 > 0,
        "the lessons no longer cover these cases: {checked:?}"
    );
}

/// Steps with a hazard the kernel does not see (two owners of one PASID; another owner's
/// ID freed), per profile.
fn hazards(lesson: &Lesson, p: Profile) -> usize {
    let trace = run_under(lesson, p).expect("runs");
    trace
        .steps
        .iter()
        .filter(|s| s.events.iter().any(|e| matches!(e, Event::Hazard { .. })))
        .count()
}

/// Lesson 02's cross-owner free and lesson 06's orphan handed out again are flagged in
/// the kernel profile and cannot happen under improved.
#[test]
fn silent_hazards_are_flagged_where_they_happen() {
    for id in ["02-sets", "06-unregistering"] {
        let lesson = built_in(id);
        assert!(hazards(&lesson, lesson.profile) > 0, "{id}: none flagged");
        assert_eq!(
            hazards(&lesson, Profile::Improved),
            0,
            "{id} under improved"
        );
    }
}

/// Branch lines are reported only when taken: a put that frees did not take "still
/// referenced"; a vcmd free either sends VCMD_FREE or skips it.
#[test]
fn branch_lines_exclude_each_other() {
    for l in lessons::ALL {
        let lesson = parse(l);
        for &p in &lesson.profiles {
            let trace = run_under(&lesson, p).expect("runs");
            for s in &trace.steps {
                let has = |id: &str| s.lines.contains(&id);
                let at = format!("{} [{p}] step {}: {:?}", l.id, s.index + 1, s.lines);
                assert!(!(has("put.free") && has("put.dec")), "{at}");
                assert!(!(has("vcmd.skip") && has("vcmd.free")), "{at}");
                assert!(!(has("alloc.rollback") && has("alloc.refuse_dup")), "{at}");
            }
        }
    }
}

#[test]
fn invariants_hold_after_every_step() {
    for l in lessons::ALL {
        let lesson = parse(l);
        for &p in &lesson.profiles {
            let trace = run_under(&lesson, p).unwrap_or_else(|e| panic!("{} [{p}]: {e}", l.id));
            assert!(
                trace.initial().check_invariants().is_ok(),
                "{} [{p}]: the initial world is broken",
                l.id
            );
            for i in 0..trace.len() {
                if let Err(e) = trace.world_after(i).check_invariants() {
                    panic!(
                        "{} [{p}]: invariant broken after step {} ({}): {e}",
                        l.id,
                        i + 1,
                        trace.steps[i].op
                    );
                }
            }
        }
    }
}

#[test]
fn every_lesson_has_the_shape_of_a_lesson() {
    let mut problems = Vec::new();
    for l in lessons::ALL {
        let lesson = parse(l);
        let id = l.id;
        let n = lesson.steps.len();
        if !(10..=40).contains(&n) {
            problems.push(format!("{id}: {n} steps (want 10 to 40)"));
        }
        // An intro says what you will learn and what to know first; an outro sums up:
        // both take more than a line.
        for (what, text, min) in [
            ("title", Some(&lesson.title), 5),
            ("summary", Some(&lesson.summary), 20),
            ("intro", lesson.intro.as_ref(), 150),
            ("outro", lesson.outro.as_ref(), 150),
        ] {
            if text.is_none_or(|t| t.trim().len() < min) {
                problems.push(format!("{id}: {what} missing or too short"));
            }
        }
        let asks = lesson.steps.iter().filter(|s| s.ask.is_some()).count();
        if asks < 2 {
            problems.push(format!(
                "{id}: {asks} question(s) (want at least 2 predict-then-reveal questions)"
            ));
        }
        for (i, s) in lesson.steps.iter().enumerate() {
            let at = format!("{id} step {} ({})", i + 1, s.op.name());
            if s.say.as_ref().is_none_or(|t| t.trim().is_empty()) {
                problems.push(format!("{at}: no `say`"));
            }
            if s.thread.as_ref().is_none_or(|t| t.trim().is_empty()) {
                problems.push(format!("{at}: no `thread` (who acts)"));
            }
            for p in s.expect_in.keys() {
                if !lesson.profiles.contains(p) {
                    problems.push(format!(
                        "{at}: expect_in names {p}, which the lesson does not declare (it would never be checked)"
                    ));
                }
            }
            let has_expect = s.expect.is_some() || !s.expect_in.is_empty();
            if has_expect && s.expect.is_none() {
                for p in &lesson.profiles {
                    if !s.expect_in.contains_key(p) {
                        problems.push(format!(
                            "{at}: expect_in has no entry for declared profile {p} and there is no plain expect"
                        ));
                    }
                }
            }
            if let Some(q) = &s.ask {
                if !has_expect {
                    problems.push(format!(
                        "{at}: a question whose reveal is not checked by `expect`"
                    ));
                }
                if q.prompt.trim().is_empty() || q.explain.trim().is_empty() {
                    problems.push(format!(
                        "{at}: a question needs a prompt and an explanation"
                    ));
                }
                let distinct: BTreeSet<&str> = q.choices.iter().map(|c| c.trim()).collect();
                // A `pick` or `type` question has no choices: the model computes its answer.
                if !q.computed() && (q.choices.len() < 2 || distinct.len() != q.choices.len()) {
                    problems.push(format!("{at}: a question needs distinct choices"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn lessons_teach_with_expectations() {
    // Most steps of a lesson carry the result the narration relies on: a lesson with
    // few checked steps could drift from what it says without any test noticing.
    for l in lessons::ALL {
        let lesson = parse(l);
        let checked = lesson
            .steps
            .iter()
            .filter(|s| s.expect.is_some() || !s.expect_in.is_empty())
            .count();
        assert!(
            checked * 4 >= lesson.steps.len() * 3,
            "{}: only {checked} of {} steps have an expect",
            l.id,
            lesson.steps.len()
        );
    }
}

#[test]
fn declared_profiles_are_real_profiles_and_the_default_comes_first() {
    for l in lessons::ALL {
        let lesson = parse(l);
        assert_eq!(lesson.profiles.first(), Some(&lesson.profile), "{}", l.id);
        for p in &lesson.profiles {
            assert!(Profile::ALL.contains(p), "{}: {p}", l.id);
            lesson
                .knobs_for(*p)
                .unwrap_or_else(|e| panic!("{} [{p}]: knobs rejected: {e}", l.id));
        }
    }
}

#[test]
fn the_cli_checks_every_builtin_lesson() {
    let out = Command::new(env!("CARGO_BIN_EXE_ioasid-sim"))
        .arg("check-builtins")
        .output()
        .expect("ioasid-sim runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ioasid-sim check-builtins failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    for l in lessons::ALL {
        let lesson = parse(l);
        for p in &lesson.profiles {
            // One line per (lesson, profile), starting with "ok".
            let reported = stdout.lines().any(|line| {
                line.starts_with("ok")
                    && line.split_whitespace().any(|w| w == l.id)
                    && line
                        .split_whitespace()
                        .any(|w| w.trim_end_matches(':') == p.name())
            });
            assert!(
                reported,
                "ioasid-sim did not report {} under {p} as ok:\n{stdout}",
                l.id
            );
        }
    }
}

#[test]
fn the_cli_runs_one_builtin_lesson() {
    let id = lessons::ALL.first().map(|l| l.id).expect("a lesson");
    let out = Command::new(env!("CARGO_BIN_EXE_ioasid-sim"))
        .args(["run", &format!("builtin:{id}")])
        .output()
        .expect("ioasid-sim runs");
    assert!(out.status.success(), "ioasid-sim run builtin:{id} failed");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ioasid-sim prints JSON");
    assert_eq!(v["expect_failures"], 0);
    let steps = v["steps"].as_array().map_or(0, Vec::len);
    assert_eq!(steps, parse(&lessons::ALL[0]).steps.len());
}

/// A find with a getter on an ID without data: a kernel profile calls the getter before
/// any NULL check (the line marked ran, with its hazard), ours only with data; the
/// code pane must not show the getter skipped where the narration says it ran.
#[test]
fn the_getter_line_that_ran_is_the_profiles_own() {
    let lesson = built_in("03-deferred-binding");
    let getter_on_nothing = |p: Profile| {
        let trace = run_under(&lesson, p).expect("runs");
        let step = trace
            .steps
            .iter()
            .zip(&lesson.steps)
            .find(|(_, l)| {
                matches!(
                    l.op,
                    ioasid_core::lesson::Op::Find {
                        getter: Some(_),
                        ..
                    }
                )
            })
            .map(|(s, _)| s.clone())
            .expect("a find with a getter");
        let ran: Vec<String> = step
            .func
            .listing(p)
            .lines
            .iter()
            .filter(|line| line.ran(&step.lines))
            .map(|line| line.text.trim().to_string())
            .collect();
        let hazards = step
            .events
            .iter()
            .filter(|e| matches!(e, Event::Hazard { .. }))
            .count();
        (ran, step.kernel_log.len(), hazards)
    };
    // The kernel's ioasid_find has no NULL check: the getter line runs on NULL, which
    // the kernel does not log (the model flags it as a hazard).
    let (kernel, logged, hazards) = getter_on_nothing(Profile::V5_11);
    assert!(
        kernel.iter().any(|t| t.contains("getter(priv)")),
        "{kernel:#?}"
    );
    assert!(logged == 0 && hazards > 0);
    let (ours, logged, hazards) = getter_on_nothing(Profile::Improved);
    assert!(
        !ours.iter().any(|t| t.contains("getter(priv)")),
        "{ours:#?}"
    );
    assert_eq!((logged, hazards), (0, 0));
}

/// A step that sends page responses is marked so on the timeline, also when it sends
/// them on the way (lesson 09's unbind drains a request), not only run_faults and flush.
#[test]
fn every_step_that_responds_is_marked() {
    let lesson = built_in("09-stale-fault");
    let trace = run_under(&lesson, Profile::V5_11).expect("runs");
    for s in &trace.steps {
        let responded = s.events.iter().any(|e| matches!(e, Event::Responded(_)));
        if responded {
            assert!(
                s.markers
                    .contains(&ioasid_core::trace::Marker::FaultResponse),
                "step {} ({}) responds unmarked",
                s.index + 1,
                s.op
            );
        }
    }
    let unbind = trace
        .steps
        .iter()
        .find(|s| s.op == "unbind")
        .expect("an unbind");
    assert!(unbind
        .markers
        .contains(&ioasid_core::trace::Marker::FaultResponse));
}

/// Every built-in `pick` or `type` question has an answer to grade against under each
/// profile its lesson declares, and the built-ins ask both kinds.
#[test]
fn built_in_computed_questions_have_an_answer_in_every_era() {
    let (mut picks, mut typed) = (0, 0);
    for l in lessons::ALL {
        let lesson = parse(l);
        let missing = ioasid_core::quiz::ungradable(&lesson);
        assert!(missing.is_empty(), "{}: {missing:?}", l.id);
        for q in lesson.steps.iter().filter_map(|s| s.ask.as_ref()) {
            picks += usize::from(q.pick.is_some());
            typed += usize::from(q.typed.is_some());
        }
    }
    assert!(
        picks >= 1 && typed >= 1,
        "{picks} pick, {typed} type questions"
    );
}
