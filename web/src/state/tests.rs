use super::*;
use crate::url::UrlState;
use ioasid_core::lesson::Op;

fn first_fit() -> AppState {
    let (u, unknown) = UrlState::parse("?lesson=01-first-fit");
    AppState::from_url(&u, &unknown, Theme::System)
}

/// The indexes of the steps that ask a question.
fn asking_steps(s: &AppState) -> Vec<usize> {
    (0..s.trace.ops.len())
        .filter(|i| s.trace.ops[*i].ask.is_some())
        .collect()
}

fn act(s: AppState, a: Action) -> AppState {
    (*Rc::new(s).reduce(a)).clone()
}

/// Imports `text` as a file called `name`.
fn import(s: AppState, name: &str, text: &str) -> AppState {
    act(
        s,
        Action::LoadLessonText {
            name: name.into(),
            text: text.into(),
        },
    )
}

#[test]
fn starts_at_the_intro_and_steps_through() {
    let s = first_fit();
    assert!(s.notice.is_none(), "{:?}", s.notice);
    assert_eq!(s.pos, 0);
    assert!(s.len() >= 5);
    let s = act(s, Action::Next);
    assert_eq!(s.pos, 1);
    assert!(s.revealed());
    assert_eq!(s.world.active_store().len(), 1);
    assert_eq!(s.before.active_store().len(), 0);
    let s = act(s, Action::Prev);
    assert_eq!(s.pos, 0);
    let s = act(s, Action::Last);
    assert_eq!(s.pos, s.len());
    let s = act(s, Action::Next);
    assert_eq!(s.pos, s.len(), "Next at the end stays");
}

#[test]
fn a_question_holds_the_step_back_until_answered() {
    let mut s = first_fit();
    let q = s.trace.ops.iter().position(|o| o.ask.is_some()).unwrap();
    s = act(s, Action::Seek(q + 1));
    assert_eq!(s.pending_question(), Some(q));
    assert!(!s.revealed());
    assert!(Rc::ptr_eq(&s.world, &s.before), "the world before is shown");
    let again = act(s.clone(), Action::Next);
    assert_eq!(again.pos, q + 1, "Next waits for the answer");
    s = act(
        s,
        Action::AnswerQuestion {
            step: q,
            reply: Reply::Choice(0),
        },
    );
    assert!(s.revealed());
    assert!(!Rc::ptr_eq(&s.world, &s.before));
    s = act(s, Action::Next);
    assert_eq!(s.pos, q + 2);
}

#[test]
fn playback_stops_at_questions_and_at_the_end() {
    let mut s = first_fit();
    s = act(s, Action::Play);
    assert!(s.playing);
    for _ in 0..100 {
        s = act(s, Action::Tick);
        if !s.playing {
            break;
        }
    }
    assert!(!s.playing);
    assert!(s.pending_question().is_some());
}

/// A question waiting stops Play (Space) from starting: the button would turn to
/// Pause and back with nothing played.
#[test]
fn play_waits_for_the_question_shown() {
    let s = first_fit();
    let q = s.trace.ops.iter().position(|o| o.ask.is_some()).unwrap();
    let s = act(s, Action::Seek(q + 1));
    assert_eq!(s.pending_question(), Some(q));
    let played = act(s.clone(), Action::TogglePlay);
    assert!(!played.playing, "Play at a waiting question does nothing");
    let s = act(s, Action::AnswerPending(0));
    assert!(
        act(s, Action::TogglePlay).playing,
        "once answered, Play plays"
    );
}

/// Last and a seek forward name the questions they went past unanswered (not the
/// one they land on, which asks itself); any other move forgets them, and answering
/// one takes it off the list.
#[test]
fn a_jump_says_which_questions_it_passed() {
    let s = first_fit();
    let asks = asking_steps(&s);
    assert!(!asks.is_empty());
    let last = act(s.clone(), Action::Last);
    let expected: Vec<usize> = asks.iter().copied().filter(|i| *i + 1 < s.len()).collect();
    assert_eq!(*last.passed_questions, expected);
    let q = asks[0];
    let onto = act(s.clone(), Action::Seek(q + 1));
    assert!(
        onto.passed_questions.is_empty(),
        "landing on it is not passing it"
    );
    let past = act(onto.clone(), Action::Seek(q + 2));
    assert_eq!(*past.passed_questions, vec![q], "leaving it unanswered is");
    assert!(act(past.clone(), Action::Prev).passed_questions.is_empty());
    let answered = act(
        past,
        Action::AnswerQuestion {
            step: q,
            reply: Reply::Choice(0),
        },
    );
    assert!(answered.passed_questions.is_empty());
    let answered_then_last = act(act(onto, Action::AnswerPending(0)), Action::Last);
    assert!(!answered_then_last.passed_questions.contains(&q));
}

/// The lowest free ID is held back only while the question waits on a step that
/// hands one out.
#[test]
fn only_an_allocating_question_holds_the_free_hint() {
    let s = first_fit();
    let asks = asking_steps(&s);
    let mut asked_about_an_id = false;
    for q in asks {
        let at = act(s.clone(), Action::Seek(q + 1));
        let allocates = matches!(at.trace.ops[q].op, Op::Alloc { .. } | Op::Bind { .. });
        assert_eq!(at.question_about_an_id(), allocates, "step {q}");
        let skip = Action::AnswerQuestion {
            step: q,
            reply: Reply::Skipped,
        };
        let answered = act(at, skip);
        assert!(!answered.question_about_an_id());
        asked_about_an_id |= allocates;
    }
    assert!(asked_about_an_id, "lesson 1 asks about an alloc");
    let sets = act(s, Action::LoadLesson("03-deferred-binding".into()));
    let find_q = (0..sets.trace.ops.len())
        .find(|i| {
            sets.trace.ops[*i].ask.is_some() && matches!(sets.trace.ops[*i].op, Op::Find { .. })
        })
        .expect("lesson 3 asks about a find");
    let at = act(sets, Action::Seek(find_q + 1));
    assert!(at.pending_question().is_some());
    assert!(!at.question_about_an_id());
}

/// The list never names the question on screen: an undo that lands on a passed
/// question forgets the list, and answering by key takes a question off.
#[test]
fn the_passed_list_never_names_the_question_shown() {
    let asks_last = r#"{"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9,
         "ask": {"prompt": "?", "choices": ["1", "2"], "answer": 1, "explain": "."}}]}"#;
    let s = import(first_fit(), "q.json", asks_last);
    let s = act(
        s,
        Action::AppendOp(r#"{"op": "find", "set": null, "id": 1}"#.into()),
    );
    let jumped = act(act(s, Action::First), Action::Last);
    assert_eq!(*jumped.passed_questions, vec![1]);
    let undone = act(jumped.clone(), Action::Undo);
    assert_eq!(
        undone.pending_question(),
        Some(1),
        "the undo lands on the question"
    );
    assert!(undone.passed_questions.is_empty());
    // Keyboard answers take a listed question off, as clicked ones do.
    let mut listed = jumped;
    listed.pos = 2;
    let answered = act(listed, Action::AnswerPending(0));
    assert!(answered.passed_questions.is_empty());
}

/// Every lesson imported in the session stays in the picker; importing a file of
/// the same name again replaces its entry, and Back keeps the list.
#[test]
fn imports_stay_on_offer_for_the_session() {
    let lesson = |title: &str| {
        format!(
            r#"{{"format": 1, "title": "{title}", "profile": "v5.5", "steps": [
            {{"op": "alloc", "set": "sva", "min": 1, "max": 9}}]}}"#
        )
    };
    let s = import(first_fit(), "a.json", &lesson("A"));
    let s = import(s, "b.json", &lesson("B"));
    let titles = |s: &AppState| -> Vec<String> {
        s.imports
            .iter()
            .map(|(n, l)| format!("{n}: {}", l.title))
            .collect()
    };
    assert_eq!(titles(&s), ["a.json: A", "b.json: B"]);
    let s = act(s, Action::OpenImport(0));
    assert_eq!(s.base.title, "A");
    assert_eq!(s.source, Source::Imported("a.json".into()));
    assert_eq!(s.len(), 1);
    let s = import(s, "a.json", &lesson("A2"));
    assert_eq!(titles(&s), ["b.json: B", "a.json: A2"]);
    let back = act(s, Action::OpenUrl("?lesson=02-sets".into()));
    assert_eq!(titles(&back), ["b.json: B", "a.json: A2"]);
    let same = act(back.clone(), Action::OpenImport(9));
    assert_eq!(same.rev, back.rev, "no such import: nothing changes");
}

/// An exported lesson carries the sandbox steps with the results seen as their
/// `expect`, so it runs with no failure; the lesson's own steps are left as written.
#[test]
fn export_records_sandbox_results_as_expectations() {
    let mut s = first_fit();
    let n = s.base.steps.len();
    s = act(
        s,
        Action::AppendOp(r#"{"op":"alloc","set":"sva","min":1,"max":100}"#.into()),
    );
    s = act(s, Action::AppendOp(r#"{"op":"free","id":999}"#.into()));
    let l = s.lesson_for_export();
    assert_eq!(l.steps.len(), n + 2);
    assert_eq!(l.steps[..n], s.base.steps[..]);
    for i in n..n + 2 {
        assert_eq!(l.steps[i].expect.as_ref(), Some(&s.trace.steps[i].result));
    }
    let again = Lesson::parse(&l.to_text()).expect("the export parses");
    let run = Runner::new(
        &again,
        again.profile,
        again.knobs_for(again.profile).unwrap(),
        false,
    )
    .finish();
    assert_eq!(run.expect_failures, 0);
}

/// Another lesson replacing one with sandbox steps says where they are; the URL
/// before it (the browser's Back) brings them back.
#[test]
fn sandbox_steps_left_behind_are_one_page_back() {
    let mut s = first_fit();
    s = act(
        s,
        Action::AppendOp(r#"{"op":"alloc","set":"sva","min":1,"max":100}"#.into()),
    );
    let before = s.to_url().to_query();
    let n = s.len();
    let good = r#"{"format": 1, "title": "Mine", "profile": "v5.5", "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9}]}"#;
    let s = import(s, "mine.json", good);
    assert_eq!(s.base.title, "Mine");
    let n_ = s.notice.clone().expect("a notice");
    assert!(!n_.error);
    assert!(
        n_.title.starts_with("The 1 sandbox step(s) you added to"),
        "{n_:?}"
    );
    assert!(n_.title.contains("Back"), "{n_:?}");
    // Back: the state the old URL names, sandbox step included.
    let back = act(s, Action::OpenUrl(before));
    assert_eq!(back.base.title, first_fit().base.title);
    assert_eq!(back.extra.len(), 1);
    assert_eq!(back.len(), n);
    // A lesson whose expects fail says so, and still where the steps are.
    let failing = r#"{"format": 1, "title": "Bad", "profile": "v5.5", "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 5}}]}"#;
    let n2 = import(back.clone(), "bad.json", failing)
        .notice
        .expect("a notice");
    assert!(n2.title.contains("expectations fails"), "{n2:?}");
    assert!(
        n2.details.iter().any(|d| d.contains("one page back")),
        "{n2:?}"
    );
    // Without sandbox steps, nothing to say.
    let s = act(back, Action::Undo);
    let s = import(s, "mine.json", good);
    assert!(s.notice.is_none(), "{:?}", s.notice);
}

/// As `ioasid-sim run` does, an import checks every profile the lesson declares, and
/// each failure names its profile.
#[test]
fn an_import_checks_every_declared_profile() {
    let text = r#"{"format": 1, "title": "t", "profile": "v5.5", "profiles": ["improved"],
        "steps": [
        {"op": "alloc", "set": "sva", "min": 3, "max": 2, "expect": {"err": "INVALID_IOASID"}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1}}]}"#;
    let s = import(first_fit(), "mine.json", text);
    assert_eq!(
        s.profile,
        Profile::V5_5,
        "the lesson's own profile is shown"
    );
    let n = s
        .notice
        .clone()
        .expect("a failure under improved is reported");
    assert_eq!(
        n.title, "1 of this lesson's expectations fails (1 under improved).",
        "{n:?}"
    );
    assert_eq!(
        n.details,
        [
            r#"Step 1 (alloc) under improved: expected {"err":"INVALID_IOASID"}, got {"err":"EINVAL"}."#
        ]
    );
    // Holding under both: no notice.
    let good = r#"{"format": 1, "title": "t", "profile": "v5.5", "profiles": ["improved"],
        "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 2}}]}"#;
    let s = import(s, "mine.json", good);
    assert!(s.notice.is_none(), "{:?}", s.notice);
}

/// As `ioasid-sim run` does, an import names each `pick` or `type` question that the
/// profile shown gives nothing to grade against (the command checks the others).
#[test]
fn an_import_names_questions_that_cannot_be_graded() {
    let text = r#"{"format": 1, "title": "t", "profile": "v5.11", "profiles": ["improved"],
      "steps": [
        {"op": "free", "id": 7, "ask": {"prompt": "?", "pick": "id", "explain": "."}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 4294967295,
         "ask": {"prompt": "?", "type": "value", "explain": "."}}
      ]}"#;
    let s = import(first_fit(), "mine.json", text);
    let n = s.notice.clone().expect("a notice");
    assert_eq!(
        n.title,
        "1 of this lesson's questions cannot be graded: its step gives no answer to grade against.",
        "{n:?}"
    );
    assert_eq!(
        n.details,
        [
            "Step 1 (free) under v5.11: its question has nothing to grade an answer against: the step returns nothing and changes no ID, so there is no ID to pick.",
            "Checked here under v5.11 only: `ioasid-sim run` checks every profile the lesson declares."
        ],
        "{n:?}"
    );
    // Two such questions: "their steps" (it said "their step" for one too).
    let two = r#"{"format": 1, "title": "t", "profile": "v5.11", "steps": [
        {"op": "free", "id": 7, "ask": {"prompt": "?", "pick": "id", "explain": "."}},
        {"op": "free", "id": 8, "ask": {"prompt": "?", "pick": "id", "explain": "."}}]}"#;
    let s = import(first_fit(), "mine.json", two);
    let n = s.notice.clone().expect("a notice");
    assert_eq!(
        n.title,
        "2 of this lesson's questions cannot be graded: their steps give no answer to grade against."
    );
}

#[test]
fn an_imported_lesson_whose_expects_fail_says_which() {
    let text = r#"{"format": 1, "title": "t", "profile": "v5.5", "steps": [
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 1}},
        {"op": "alloc", "set": "sva", "min": 1, "max": 9, "expect": {"ok": 3}}]}"#;
    let s = import(first_fit(), "mine.json", text);
    let n = s.notice.clone().expect("a notice");
    assert_eq!(
        n.title, "1 of this lesson's expectations fails (1 under v5.5).",
        "{n:?}"
    );
    assert_eq!(
        n.details,
        [r#"Step 2 (alloc): expected {"ok":3}, got {"ok":2}."#]
    );
    // A profile change recomputes without raising it again.
    let s = act(
        act(s, Action::DismissNotice),
        Action::SetProfile(Profile::Improved),
    );
    assert!(s.notice.is_none(), "{:?}", s.notice);
}

#[test]
fn a_profile_change_keeps_the_step() {
    let mut s = first_fit();
    s = act(s, Action::Seek(4));
    s = act(s, Action::SetProfile(Profile::Improved));
    assert_eq!(s.pos, 4);
    assert_eq!(s.trace.profile, Profile::Improved);
    assert_eq!(s.to_url().profile.as_deref(), Some("improved"));
    s = act(s, Action::SetKnob("real_errno".into(), Value::Bool(false)));
    assert!(!s.knobs.real_errno);
    assert_eq!(s.to_url().knobs.as_deref(), Some("real_errno:0"));
    s = act(s, Action::SetKnob("real_errno".into(), Value::Bool(true)));
    assert!(s.overrides.is_empty(), "back to the profile's value");
    s = act(s, Action::SetKnob("nonsense".into(), Value::Bool(true)));
    assert!(s.notice.is_some());
}

#[test]
fn the_sandbox_appends_explains_errors_and_undoes() {
    let mut s = first_fit();
    let n = s.len();
    s = act(
        s,
        Action::AppendOp(r#"{"op":"alloc","set":"sva","min":1}"#.into()),
    );
    assert_eq!(s.len(), n);
    let err = s.sandbox.error.clone().unwrap();
    assert!(err.contains(&format!("Step {}", n + 1)), "{err}");
    assert!(err.contains("`max`"), "{err}");
    s = act(s, Action::AppendOp("{nope".into()));
    assert!(s
        .sandbox
        .error
        .as_deref()
        .unwrap()
        .contains("not valid JSON"));
    s = act(s, Action::AppendOp(r#"{"op":"free","id":"$zz"}"#.into()));
    assert!(s.sandbox.error.as_deref().unwrap().contains("$zz"));
    s = act(
        s,
        Action::AppendOp(r#"{"op":"alloc","set":"sva","min":1,"max":100}"#.into()),
    );
    assert_eq!(s.sandbox.error, None);
    assert_eq!(s.len(), n + 1);
    assert_eq!(s.pos, n + 1);
    assert!(s.to_url().extra.is_some());
    let url = s.to_url();
    let back = AppState::from_url(&url, &[], Theme::System);
    assert!(back.notice.is_none(), "{:?}", back.notice);
    assert_eq!(back.len(), n + 1);
    assert_eq!(back.pos, n + 1);
    s = act(s, Action::Undo);
    assert_eq!(s.len(), n);
    assert_eq!(s.pos, n);
    assert_eq!(
        s.sandbox.removed.as_deref(),
        Some(format!("Step {} (alloc) taken back.", n + 1).as_str())
    );
    assert_eq!(s.sandbox.added, None);
}

#[test]
fn broken_links_fall_back_with_a_message() {
    for q in [
        "?lesson=nope&step=3",
        "?run=%%%",
        "?run=e30",
        "?lesson=01-first-fit&step=abc",
        "?lesson=01-first-fit&step=999999",
        "?lesson=01-first-fit&profile=v9&knobs=zz:1",
        "?lesson=01-first-fit&extra=bm9wZQ",
        "?what=ever",
    ] {
        let (u, unknown) = UrlState::parse(q);
        let s = AppState::from_url(&u, &unknown, Theme::System);
        let n = s
            .notice
            .as_ref()
            .unwrap_or_else(|| panic!("{q}: no notice"));
        assert!(!n.details.is_empty(), "{q}");
        assert!(!s.is_empty(), "{q}: the default lesson is shown");
    }
    let (u, _) = UrlState::parse("?lesson=01-first-fit&step=5&profile=improved");
    let s = AppState::from_url(&u, &[], Theme::System);
    assert!(s.notice.is_none());
    assert_eq!(s.pos, 5);
    assert_eq!(s.profile, Profile::Improved);
    let round = s.to_url();
    assert_eq!(
        round.to_query(),
        "?lesson=01-first-fit&profile=improved&step=5"
    );
}

#[test]
fn imports_report_step_and_field() {
    let s = first_fit();
    let bad = r#"{"format":1,"title":"t","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":2},{"op":"alloc","min":"x","max":2},{"op":"fre","id":1}]}"#;
    let s = import(s, "bad.json", bad);
    let n = s.notice.clone().unwrap();
    assert!(n.title.contains("bad.json"));
    assert!(
        n.details[0].starts_with("Step 2 (steps[1], alloc), field `min`"),
        "{n:?}"
    );
    // Every mistake at once, so a teacher fixes them in one pass.
    assert!(
        n.title
            .starts_with("bad.json could not be imported: 2 mistakes."),
        "{}",
        n.title
    );
    assert_eq!(n.details.len(), 2, "{n:?}");
    assert!(
        n.details[1].starts_with("Step 3 (steps[2], fre), field `op`"),
        "{n:?}"
    );
    let good =
        r#"{"format":1,"title":"Mine","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":2}]}"#;
    let s = import(s, "mine.json", good);
    assert!(s.notice.is_none());
    assert_eq!(s.base.title, "Mine");
    assert_eq!(s.len(), 1);
    let url = s.to_url();
    assert!(url.run.is_some());
    let back = AppState::from_url(&url, &[], Theme::System);
    assert_eq!(back.base.title, "Mine");
}

#[test]
fn long_runs_are_requested_in_chunks() {
    let steps = vec![r#"{"op":"alloc","min":1,"max":1048575}"#; SYNC_STEPS + 10];
    let text = format!(
        r#"{{"format":1,"title":"big","profile":"v5.5","steps":[{}]}}"#,
        steps.join(",")
    );
    let s = import(first_fit(), "big.json", &text);
    let req = s.request.clone().expect("a chunked run");
    assert_eq!(s.progress.unwrap().total, SYNC_STEPS + 10);
    let trace = Runner::shared(req.lesson, req.extra, req.profile, req.knobs, true).finish();
    let s = act(
        s,
        Action::Computed {
            gen: req.gen + 1,
            trace: Rc::new(empty_trace(Profile::V5_5, Profile::V5_5.knobs())),
        },
    );
    assert!(s.request.is_some(), "a stale result is ignored");
    let s = act(
        s,
        Action::Computed {
            gen: req.gen,
            trace: Rc::new(trace),
        },
    );
    assert!(s.request.is_none());
    assert_eq!(s.len(), SYNC_STEPS + 10);
}

/// A `pick` question waits for an ID (the keys 1-9 do not answer it); the answer is
/// graded against this run's result, and the first answer is the one kept.
#[test]
fn a_pick_question_is_graded_against_this_run() {
    let s = first_fit();
    let q = (0..s.trace.ops.len())
        .find(|i| {
            s.trace.ops[*i]
                .ask
                .as_ref()
                .is_some_and(|q| q.pick.is_some())
        })
        .expect("lesson 1 asks for an ID");
    let at = act(s, Action::Seek(q + 1));
    assert_eq!(at.pending_pick(), Some(q));
    assert_eq!(at.first_answer_right(q), None, "not answered yet");
    let keyed = act(at.clone(), Action::AnswerPending(0));
    assert_eq!(keyed.pending_question(), Some(q), "a number key is no ID");
    let answer = |id: u64| {
        act(
            at.clone(),
            Action::AnswerQuestion {
                step: q,
                reply: Reply::Id(id),
            },
        )
    };
    // v5.11 (the lesson's profile) hands out 5 here.
    let right = answer(5);
    assert!(right.revealed());
    assert_eq!(right.pending_pick(), None);
    assert_eq!(right.first_answer_right(q), Some(true));
    let wrong = answer(4);
    assert_eq!(wrong.first_answer_right(q), Some(false));
    let again = act(
        wrong,
        Action::AnswerQuestion {
            step: q,
            reply: Reply::Id(5),
        },
    );
    assert_eq!(
        again.first_answer_right(q),
        Some(false),
        "the first answer stays"
    );
    let skipped = act(
        at.clone(),
        Action::AnswerQuestion {
            step: q,
            reply: Reply::Skipped,
        },
    );
    assert_eq!(skipped.first_answer_right(q), None);
    // Under improved the same question's answer is 4.
    let improved = act(
        act(at, Action::SetProfile(Profile::Improved)),
        Action::Seek(q + 1),
    );
    let graded = act(
        improved,
        Action::AnswerQuestion {
            step: q,
            reply: Reply::Id(4),
        },
    );
    assert_eq!(graded.first_answer_right(q), Some(true));
}

/// A link whose run cannot be shown keeps the page's address (the hook does not write it
/// while that fallback lesson is shown), and says why.
#[test]
fn a_run_link_that_cannot_be_shown_keeps_the_address() {
    let mut link = crate::link::Link::from_address("", "#step=3&z=QQ");
    link.unpack(Err("cut short".into()));
    let s = AppState::from_link(&link, Theme::System);
    let n = s.notice.clone().expect("a notice");
    assert!(n.details.iter().any(|d| d.contains("cut short")), "{n:?}");
    assert!(
        n.details.iter().any(|d| d.contains("still holds the link")),
        "{n:?}"
    );
    assert_eq!(s.keep_address, Some(Rc::as_ptr(&s.base) as usize));
    // Another lesson opened: the address follows it again.
    let other = act(s, Action::LoadLesson("02-sets".into()));
    assert_ne!(other.keep_address, Some(Rc::as_ptr(&other.base) as usize));
    // A built-in lesson that is not there keeps nothing: that link holds no work.
    let s = AppState::from_link(&crate::link::Link::parse("?lesson=nope"), Theme::System);
    assert_eq!(s.keep_address, None);
}

#[test]
fn a_run_too_long_for_a_link_says_so_once_and_offers_export() {
    let mut s = first_fit();
    s.link_too_long(Some(70_000));
    let n = s.notice.clone().expect("a notice");
    assert!(n.title.contains("70,000 characters"), "{n:?}");
    assert!(n.title.contains("Export lesson"), "{n:?}");
    assert!(n.title.contains("still names the run before it"), "{n:?}");
    // Beside another notice, it is added to it, once.
    let mut s = act(first_fit(), Action::OpenUrl("?lesson=nope".into()));
    s.link_too_long(None);
    s.link_too_long(None);
    let n = s.notice.clone().expect("a notice");
    let said: Vec<_> = n
        .details
        .iter()
        .filter(|d| d.contains("too long for a link"))
        .collect();
    assert_eq!(said.len(), 1, "{n:?}");
    assert!(said[0].contains("more than 1,000 steps"), "{n:?}");
}

/// A lesson file of `n` allocs, longer than `READ_IN_CHUNKS_BYTES` when `n` is large.
fn alloc_lesson(n: usize) -> String {
    let steps = vec![r#"{"op":"alloc","min":1,"max":1048575}"#; n];
    format!(
        r#"{{"format":1,"title":"long file","profile":"v5.5","steps":[{}]}}"#,
        steps.join(",")
    )
}

#[test]
fn a_long_file_is_read_in_chunks_then_imported() {
    let text = alloc_lesson(READ_IN_CHUNKS_BYTES / 30);
    assert!(text.len() > READ_IN_CHUNKS_BYTES);
    let s = import(first_fit(), "long.json", &text);
    // Not parsed in the reducer: a request to read it in chunks, the old lesson still shown.
    let req = s.reading.clone().expect("a chunked read");
    assert_eq!(s.base.title, first_fit().base.title);
    assert!(s.read_progress.is_some());
    let parsed = ioasid_core::lesson::LessonReader::new((*req.text).clone()).finish();
    let stale = act(
        s.clone(),
        Action::Read {
            gen: req.gen + 1,
            lesson: Rc::new(parsed.clone()),
        },
    );
    assert!(stale.reading.is_some(), "a stale result is ignored");
    assert_eq!(stale.base.title, first_fit().base.title);
    let s = act(
        s,
        Action::Read {
            gen: req.gen,
            lesson: Rc::new(parsed),
        },
    );
    assert!(s.reading.is_none() && s.read_progress.is_none());
    assert_eq!(s.base.title, "long file");
    assert_eq!(s.base.steps.len(), READ_IN_CHUNKS_BYTES / 30);
    assert!(matches!(s.imports.last(), Some((n, _)) if n == "long.json"));
}

#[test]
fn a_lesson_opened_while_a_file_is_read_is_not_replaced_by_it() {
    let s = import(
        first_fit(),
        "long.json",
        &alloc_lesson(READ_IN_CHUNKS_BYTES / 30),
    );
    let req = s.reading.clone().expect("a chunked read");
    let s = act(s, Action::LoadLesson("02-sets".into()));
    assert!(s.reading.is_none(), "the read is cancelled");
    let parsed = ioasid_core::lesson::LessonReader::new((*req.text).clone()).finish();
    let s = act(
        s,
        Action::Read {
            gen: req.gen,
            lesson: Rc::new(parsed),
        },
    );
    assert_ne!(s.base.title, "long file");
}
