//! The app's one state and its one `Action` enum, shared through a `ContextProvider`.
//!
//! The state holds the run (`Rc<Trace>`) and a cursor `pos` over it: 0 is the start (the
//! lesson's intro, nothing run yet), `i` is "Step i of N" (step `i - 1` of the trace has
//! run). The worlds shown are kept here, computed only when the cursor or the trace
//! changes. Long runs are computed in chunks by `hooks::use_run_job`: the reducer only
//! files a [`RunRequest`] and takes the finished trace back with `Action::Computed`.
use crate::catalog;
use crate::url::{format_knobs, parse_knobs, UrlState};
use crate::view::{lesson_error, num};
use crate::{b64, view};
use ioasid_core::lesson::{parse_step, Lesson, Op, Step, MAX_LISTED};
use ioasid_core::run::run_streaming;
use ioasid_core::space::World;
use ioasid_core::{Knobs, Profile, Runner, StepTrace, Trace};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Runs up to this many steps are computed at once; longer ones in chunks.
pub const SYNC_STEPS: usize = 2_000;

/// The URL carries a custom run only up to this size (beyond it, links stop at the lesson).
pub const MAX_URL_RUN: usize = 60_000;

/// Runs with more steps than this are not even tried for the URL.
pub const MAX_URL_STEPS: usize = 1_000;

/// A playback speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Speed {
    pub label: &'static str,
    /// Time between two steps.
    pub delay_ms: u32,
}

/// The playback speeds, slowest first.
pub const SPEEDS: [Speed; 6] = [
    Speed {
        label: "0.5×",
        delay_ms: 2400,
    },
    Speed {
        label: "1×",
        delay_ms: 1200,
    },
    Speed {
        label: "2×",
        delay_ms: 600,
    },
    Speed {
        label: "4×",
        delay_ms: 300,
    },
    Speed {
        label: "10×",
        delay_ms: 120,
    },
    Speed {
        label: "50×",
        delay_ms: 24,
    },
];

/// The speed a session starts with.
pub const DEFAULT_SPEED: usize = 1;

/// The colour theme: the system's, or one chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The name stored and written in `data-theme`.
    pub fn name(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The label in the theme picker.
    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System theme",
            Theme::Light => "Light theme",
            Theme::Dark => "Dark theme",
        }
    }

    /// The theme named `s` (System for anything else).
    pub fn parse(s: &str) -> Theme {
        Theme::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .unwrap_or_default()
    }
}

/// Where the lesson came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A built-in lesson, by id.
    BuiltIn(String),
    /// Imported from a file (its name) or a link.
    Imported(String),
}

/// A message at the top of the page: a broken link, a lesson that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub error: bool,
    pub title: String,
    pub details: Vec<String>,
}

/// A run to compute in chunks.
#[derive(Clone, Debug)]
pub struct RunRequest {
    pub gen: u64,
    pub lesson: Rc<Lesson>,
    pub profile: Profile,
    pub knobs: Knobs,
    /// The cursor to show once it is computed (clamped).
    pub keep: usize,
}

/// How far a chunked run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// The sandbox's last outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SandboxStatus {
    /// Why the last step was refused, in words.
    pub error: Option<String>,
    /// The index of the step it added last.
    pub added: Option<usize>,
    /// What the last undo took back, in words.
    pub removed: Option<String>,
}

/// Everything the user (or a timer) can do.
#[derive(Clone, Debug)]
pub enum Action {
    Next,
    Prev,
    First,
    Last,
    /// Show "Step i of N" (0: the start).
    Seek(usize),
    Play,
    Pause,
    TogglePlay,
    /// The playback timer: one step on; stops at the end and at questions.
    Tick,
    SetSpeed(usize),
    Faster,
    Slower,
    /// A built-in lesson, by id.
    LoadLesson(String),
    /// A lesson imported earlier in the session, by its place in `imports`.
    OpenImport(usize),
    /// The page's URL changed under the app (the browser's Back or Forward): show what
    /// it names, as a fresh load of that URL would. The query string, with its `?`.
    OpenUrl(String),
    /// A lesson's JSON text (an import), with the file's name.
    LoadLessonText {
        name: String,
        text: String,
    },
    SetProfile(Profile),
    /// Overrides one knob (a JSON value: a boolean, or the `refs` era's name).
    SetKnob(String, Value),
    ResetKnobs,
    /// Appends the sandbox step written as JSON.
    AppendOp(String),
    /// Takes back the last sandbox step.
    Undo,
    SetTheme(Theme),
    /// The learner's answer to the question of step `step` (an index); `None`: skipped.
    AnswerQuestion {
        step: usize,
        choice: Option<usize>,
    },
    /// Answers the question waiting at the current step, if any, with choice `0..n`
    /// (the keyboard's 1-9).
    AnswerPending(usize),
    /// A chunked run moved on.
    Progress {
        gen: u64,
        done: usize,
        total: usize,
    },
    /// A chunked run is finished.
    Computed {
        gen: u64,
        trace: Rc<Trace>,
    },
    DismissNotice,
    ShowNotice(Notice),
}

/// The app's state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Bumped by every change, so comparing two states is cheap.
    rev: u64,
    pub source: Source,
    /// The lesson as loaded.
    pub base: Rc<Lesson>,
    /// The lessons imported from files in this session (file name, lesson), oldest
    /// first: the picker offers them all.
    pub imports: Rc<Vec<(String, Rc<Lesson>)>>,
    /// Steps the sandbox appended after the lesson's.
    pub extra: Rc<Vec<Step>>,
    pub profile: Profile,
    /// The learner's knob overrides, on top of the lesson's under `profile`.
    pub overrides: Map<String, Value>,
    /// The knobs in force.
    pub knobs: Knobs,
    pub trace: Rc<Trace>,
    /// 0: the start; i: step i - 1 has run ("Step i of N").
    pub pos: usize,
    /// The world shown: after the current step, or before it while its question waits.
    pub world: Rc<World>,
    /// The world before the current step (for what changed).
    pub before: Rc<World>,
    pub playing: bool,
    pub speed: usize,
    pub theme: Theme,
    /// Answers to questions, by step index (`None`: skipped).
    pub answers: Rc<BTreeMap<usize, Option<usize>>>,
    /// The questions (step indexes) the last jump forward (Last, a seek) passed without
    /// an answer, so the player can say so; empty after any other move.
    pub passed_questions: Rc<Vec<usize>>,
    pub notice: Option<Notice>,
    pub sandbox: SandboxStatus,
    /// A run being computed in chunks, and how far it is.
    pub request: Option<RunRequest>,
    pub progress: Option<Progress>,
    next_gen: u64,
    /// Set when a lesson file was imported: once its run is computed, failed `expect`s
    /// are reported in a notice (an author would not see them otherwise).
    check_expects: bool,
}

impl PartialEq for AppState {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev
    }
}

/// How a run should start.
#[derive(Clone, Debug)]
pub struct StartRun {
    pub source: Source,
    pub lesson: Rc<Lesson>,
    /// Its trace, if already computed (tests, benchmarks).
    pub trace: Option<Rc<Trace>>,
    pub pos: usize,
}

impl PartialEq for StartRun {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.lesson, &other.lesson) && self.pos == other.pos
    }
}

fn empty_trace(profile: Profile, knobs: Knobs) -> Trace {
    Runner::new(&catalog::empty_lesson(), profile, knobs, true).finish()
}

/// The knobs `lesson` runs with under `profile`, with `overrides` on top.
pub fn knobs_with(
    lesson: &Lesson,
    profile: Profile,
    overrides: &Map<String, Value>,
) -> Result<Knobs, String> {
    let mut all = lesson.knobs.clone();
    for (k, v) in overrides {
        all.insert(k.clone(), v.clone());
    }
    profile.knobs().with_overrides(&all)
}

impl AppState {
    fn blank(theme: Theme) -> AppState {
        let lesson = Rc::new(catalog::empty_lesson());
        let knobs = lesson.profile.knobs();
        let trace = Rc::new(empty_trace(lesson.profile, knobs.clone()));
        let world = Rc::new(trace.initial());
        AppState {
            rev: 0,
            source: Source::Imported(String::new()),
            profile: lesson.profile,
            base: lesson,
            imports: Rc::new(Vec::new()),
            extra: Rc::new(Vec::new()),
            overrides: Map::new(),
            knobs,
            trace,
            pos: 0,
            before: world.clone(),
            world,
            playing: false,
            speed: DEFAULT_SPEED,
            theme,
            answers: Rc::new(BTreeMap::new()),
            passed_questions: Rc::new(Vec::new()),
            notice: None,
            sandbox: SandboxStatus::default(),
            request: None,
            progress: None,
            next_gen: 1,
            check_expects: false,
        }
    }

    /// A state showing `start`.
    pub fn from_run(start: &StartRun, theme: Theme) -> AppState {
        let mut s = AppState::blank(theme);
        s.set_lesson(start.source.clone(), Rc::clone(&start.lesson));
        match &start.trace {
            Some(t) => {
                s.profile = t.profile;
                s.install(Rc::clone(t), start.pos);
            }
            None => s.start_run(start.pos),
        }
        s
    }

    /// The state a URL asks for. Whatever in it is broken is listed in a notice, and the
    /// rest is used; a broken lesson falls back to the default lesson at its start.
    pub fn from_url(url: &UrlState, unknown: &[String], theme: Theme) -> AppState {
        let mut problems: Vec<String> = unknown
            .iter()
            .map(|k| format!("The link's `{k}` is not something this app reads; it was ignored."))
            .collect();
        let mut s = AppState::blank(theme);
        let mut lesson_ok = true;
        let picked: Option<(Source, Rc<Lesson>)> = if let Some(run) = &url.run {
            match decode_run(run) {
                Ok(l) => Some((Source::Imported("a link".into()), Rc::new(l))),
                Err(e) => {
                    problems.push(format!("The lesson in the link cannot be read: {e}"));
                    None
                }
            }
        } else if let Some(id) = &url.lesson {
            match catalog::find(id) {
                Some(entry) => match entry.lesson {
                    Ok(l) => Some((Source::BuiltIn(id.clone()), l)),
                    Err(e) => {
                        problems.push(format!(
                            "The lesson `{id}` cannot be read: {}",
                            lesson_error(&e)
                        ));
                        None
                    }
                },
                None => {
                    problems.push(format!("There is no lesson called `{}`.", clip(id, 60)));
                    None
                }
            }
        } else {
            None
        };
        let (source, lesson) = picked.unwrap_or_else(|| {
            lesson_ok = url.run.is_none() && url.lesson.is_none();
            let (id, l) = catalog::default_lesson();
            (Source::BuiltIn(id.unwrap_or_default().to_string()), l)
        });
        s.set_lesson(source, lesson);
        if !lesson_ok {
            problems.push(format!(
                "Showing \"{}\" from its start instead.",
                s.base.title
            ));
        } else {
            if let Some(extra) = &url.extra {
                match decode_extra(&s.base, extra) {
                    Ok(steps) => s.extra = Rc::new(steps),
                    Err(e) => problems.push(format!(
                        "The sandbox steps in the link cannot be read ({e}); they were left out."
                    )),
                }
            }
            if let Some(p) = &url.profile {
                match p.parse::<Profile>() {
                    Ok(p) => s.profile = p,
                    Err(e) => problems.push(format!(
                        "{}; using the lesson's profile {}.",
                        clip(&e, 200),
                        s.profile
                    )),
                }
            }
            if let Some(k) = &url.knobs {
                match parse_knobs(k).and_then(|m| knobs_with(&s.base, s.profile, &m).map(|_| m)) {
                    Ok(m) => s.overrides = m,
                    Err(e) => problems.push(format!(
                        "The knobs in the link were ignored: {}.",
                        clip(&e, 200)
                    )),
                }
            }
        }
        s.knobs =
            knobs_with(&s.base, s.profile, &s.overrides).unwrap_or_else(|_| s.profile.knobs());
        let total = s.base.steps.len() + s.extra.len();
        let mut pos = 0;
        if let (true, Some(step)) = (lesson_ok, &url.step) {
            match step.trim().parse::<usize>() {
                Ok(n) if n <= total => pos = n,
                Ok(n) => {
                    pos = total;
                    problems.push(format!(
                        "The link asks for step {}, but this run has {} steps; showing the last.",
                        num(n as u64),
                        num(total as u64)
                    ));
                }
                Err(_) => problems.push(format!(
                    "The link's step `{}` is not a step number; showing the start.",
                    clip(step, 40)
                )),
            }
        }
        s.start_run(pos);
        if !problems.is_empty() {
            s.notice = Some(Notice {
                error: true,
                title: "This link could not be followed exactly.".into(),
                details: problems,
            });
        }
        s
    }

    /// The URL state for this state (what a link to this exact step carries).
    pub fn to_url(&self) -> UrlState {
        match url_lesson_part(&self.source, &self.base, &self.extra) {
            Some(mut u) => {
                self.fill_url_view(&mut u);
                u
            }
            None => UrlState::default(),
        }
    }

    /// Adds the profile, knobs and step to the lesson part of a URL.
    pub fn fill_url_view(&self, u: &mut UrlState) {
        u.profile = (self.profile != self.base.profile).then(|| self.profile.name().into());
        u.knobs = format_knobs(&self.overrides);
        u.step = (self.pos > 0).then(|| self.pos.to_string());
    }

    /// The number of steps in the run shown.
    pub fn len(&self) -> usize {
        self.trace.len()
    }

    /// True when the run shown has no steps.
    pub fn is_empty(&self) -> bool {
        self.trace.is_empty()
    }

    /// The index of the step shown (`pos - 1`), if any.
    pub fn index(&self) -> Option<usize> {
        self.pos.checked_sub(1)
    }

    /// The step whose question waits for an answer before its result is shown.
    pub fn pending_question(&self) -> Option<usize> {
        let i = self.index()?;
        let asks = self.trace.ops.get(i).is_some_and(|s| s.ask.is_some());
        (asks && !self.answers.contains_key(&i)).then_some(i)
    }

    /// The steps (indexes) with a question not yet answered that a move from `from` to
    /// `to` (positions) goes past: those after the step shown, or the step shown itself
    /// while its question waits, up to the step before `to`'s.
    fn unanswered_between(&self, from: usize, to: usize) -> Vec<usize> {
        let first = from.saturating_sub(1);
        let end = to.saturating_sub(1).min(self.trace.ops.len());
        if first >= end {
            return Vec::new();
        }
        (first..end)
            .filter(|i| self.trace.ops[*i].ask.is_some() && !self.answers.contains_key(i))
            .collect()
    }

    /// True while a question waits on a step that hands out an ID (alloc, bind): the
    /// lowest free ID shown would be its answer. Other questions leave it in view.
    pub fn question_about_an_id(&self) -> bool {
        self.pending_question()
            .and_then(|i| self.trace.ops.get(i))
            .is_some_and(|s| matches!(s.op, Op::Alloc { .. } | Op::Bind { .. }))
    }

    /// True when the current step's result is shown.
    pub fn revealed(&self) -> bool {
        self.index().is_some() && self.pending_question().is_none()
    }

    /// The lesson as it runs now: the lesson's steps and the sandbox's, the profile and
    /// knobs chosen (for export and for runs).
    /// The run as a lesson file to export: [`Self::full_lesson`], with each sandbox step
    /// that has no `expect` given the result it had in the run shown, so that the file
    /// checks itself (under its other profiles too, where the step may differ).
    pub fn lesson_for_export(&self) -> Lesson {
        let mut l = self.full_lesson();
        let first = self.base.steps.len();
        for (i, step) in l.steps.iter_mut().enumerate().skip(first) {
            if step.expect.is_none() {
                step.expect = self.trace.steps.get(i).map(|t| t.result.clone());
            }
        }
        l
    }

    pub fn full_lesson(&self) -> Lesson {
        let mut l = (*self.base).clone();
        l.steps.extend(self.extra.iter().cloned());
        if l.profile != self.profile {
            l.profiles.retain(|p| *p != self.profile);
            l.profiles.insert(0, self.profile);
            l.profile = self.profile;
        }
        for (k, v) in &self.overrides {
            l.knobs.insert(k.clone(), v.clone());
        }
        l
    }

    /// A file name stem for exports.
    pub fn export_stem(&self) -> String {
        let raw = match &self.source {
            Source::BuiltIn(id) => id.clone(),
            Source::Imported(name) => name.trim_end_matches(".json").to_string(),
        };
        let clean: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(60)
            .collect();
        if clean.trim_matches('_').is_empty() {
            "lesson".into()
        } else {
            clean
        }
    }

    fn set_lesson(&mut self, source: Source, lesson: Rc<Lesson>) {
        self.source = source;
        self.profile = lesson.profile;
        self.base = lesson;
        self.extra = Rc::new(Vec::new());
        self.overrides = Map::new();
        self.answers = Rc::new(BTreeMap::new());
        self.passed_questions = Rc::new(Vec::new());
        self.sandbox = SandboxStatus::default();
        self.playing = false;
        self.knobs = self
            .base
            .knobs_for(self.profile)
            .unwrap_or_else(|_| self.profile.knobs());
        // Until the new run is computed, nothing of the old one is shown.
        if !self.trace.is_empty() {
            let empty = empty_trace(self.profile, self.knobs.clone());
            self.install(Rc::new(empty), 0);
        }
    }

    /// Runs the lesson (with the sandbox's steps) under the profile and knobs chosen:
    /// at once when it is short, else files a request for chunks. `keep`: the cursor to
    /// show afterwards.
    fn start_run(&mut self, keep: usize) {
        let total = self.base.steps.len() + self.extra.len();
        let gen = self.next_gen;
        self.next_gen += 1;
        if total <= SYNC_STEPS {
            let lesson = self.full_lesson();
            let trace = Runner::new(&lesson, self.profile, self.knobs.clone(), true).finish();
            self.request = None;
            self.progress = None;
            self.install(Rc::new(trace), keep);
        } else {
            self.playing = false;
            self.request = Some(RunRequest {
                gen,
                lesson: Rc::new(self.full_lesson()),
                profile: self.profile,
                knobs: self.knobs.clone(),
                keep,
            });
            self.progress = Some(Progress { done: 0, total });
        }
    }

    fn install(&mut self, trace: Rc<Trace>, keep: usize) {
        if std::mem::take(&mut self.check_expects) {
            if let Some(mut n) = expect_notice(&self.base, &trace) {
                // Keep what an information notice said (sandbox steps left one page back).
                if let Some(info) = self.notice.take().filter(|o| !o.error) {
                    n.details.push(info.title);
                }
                self.notice = Some(n);
            }
        }
        self.knobs = trace.knobs.clone();
        self.trace = trace;
        self.pos = keep.min(self.trace.len());
        self.refresh_worlds(None);
    }

    /// Recomputes the worlds shown. `prev`: the old cursor, whether its step was revealed,
    /// and its world, to reuse when moving one step on.
    fn refresh_worlds(&mut self, prev: Option<(usize, bool, Rc<World>)>) {
        let Some(i) = self.index() else {
            let w = Rc::new(self.trace.initial());
            self.before = Rc::clone(&w);
            self.world = w;
            return;
        };
        self.before = match prev {
            Some((p, shown, w)) if p == self.pos.wrapping_sub(1) && (shown || p == 0) => w,
            _ => Rc::new(self.trace.world_before(i)),
        };
        self.world = if self.revealed() {
            Rc::new(self.trace.world_after(i))
        } else {
            Rc::clone(&self.before)
        };
    }

    fn seek(&mut self, pos: usize) {
        let pos = pos.min(self.len());
        if pos == self.pos {
            return;
        }
        self.passed_questions = Rc::new(self.unanswered_between(self.pos, pos));
        let prev = (self.pos, self.revealed(), Rc::clone(&self.world));
        self.pos = pos;
        self.refresh_worlds(Some(prev));
    }

    fn recompute(&mut self) {
        match knobs_with(&self.base, self.profile, &self.overrides) {
            Ok(k) => {
                self.knobs = k;
                self.start_run(self.pos);
            }
            Err(e) => {
                self.notice = Some(Notice {
                    error: true,
                    title: "These knobs cannot be used.".into(),
                    details: vec![e],
                });
            }
        }
    }

    fn append(&mut self, text: &str) {
        if self.request.is_some() {
            self.sandbox.error = Some("Wait until the run is computed, then try again.".into());
            return;
        }
        let index = self.trace.len();
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                self.sandbox.error = Some(format!("This is not valid JSON: {e}."));
                return;
            }
        };
        let step = match parse_step(index, value) {
            Ok(s) => s,
            Err(e) => {
                self.sandbox.error = Some(lesson_error(&e));
                return;
            }
        };
        let mut trace = (*self.trace).clone();
        if let Err(e) = trace.append(step.clone()) {
            self.sandbox.error = Some(lesson_error(&e));
            return;
        }
        if step.ask.is_some() {
            Rc::make_mut(&mut self.answers).insert(index, None);
        }
        Rc::make_mut(&mut self.extra).push(step);
        self.trace = Rc::new(trace);
        self.sandbox = SandboxStatus {
            added: Some(index),
            ..SandboxStatus::default()
        };
        let prev = (self.pos, self.revealed(), Rc::clone(&self.world));
        self.pos = self.trace.len();
        self.playing = false;
        self.passed_questions = Rc::new(Vec::new());
        self.refresh_worlds(Some(prev));
    }

    fn undo(&mut self) {
        if self.extra.is_empty() || self.request.is_some() {
            return;
        }
        let mut trace = (*self.trace).clone();
        if trace.undo().is_none() {
            return;
        }
        let removed = Rc::make_mut(&mut self.extra).pop();
        Rc::make_mut(&mut self.answers).remove(&trace.len());
        self.sandbox = SandboxStatus {
            removed: removed.map(|step| {
                format!(
                    "Step {} ({}) taken back.",
                    num(trace.len() as u64 + 1),
                    step.op.name()
                )
            }),
            ..SandboxStatus::default()
        };
        self.trace = Rc::new(trace);
        self.pos = self.pos.min(self.trace.len());
        // The step shown may now be one the list names: it asks for itself.
        self.passed_questions = Rc::new(Vec::new());
        self.refresh_worlds(None);
    }

    /// Before another lesson replaces this one: a notice saying where the sandbox steps
    /// added to it are (the page before, which the URL keeps them in), if any.
    fn sandbox_left_behind(&self) -> Option<Notice> {
        let added = self.extra.len();
        (added > 0).then(|| Notice {
            error: false,
            title: format!(
                "The {added} sandbox step(s) you added to \u{201c}{}\u{201d} are one page back: the browser's Back button returns to them.",
                clip(&self.base.title, 60)
            ),
            details: Vec::new(),
        })
    }

    /// Shows another lesson from its start, saying where this one's sandbox steps are.
    /// `check_expects`: report its failed `expect`s once its run is computed (an import).
    fn open_lesson(&mut self, source: Source, lesson: Rc<Lesson>, check_expects: bool) {
        let left = self.sandbox_left_behind();
        self.set_lesson(source, lesson);
        self.notice = left;
        // After `set_lesson`, whose blank run must not take the flag.
        self.check_expects = check_expects;
        self.start_run(0);
    }

    fn load_text(&mut self, name: &str, text: &str) {
        match Lesson::parse_reporting_all(text) {
            Ok(lesson) => {
                let (name, lesson) = (clip(name, 80), Rc::new(lesson));
                // The same file imported again replaces its earlier version.
                let imports = Rc::make_mut(&mut self.imports);
                imports.retain(|(n, _)| *n != name);
                if imports.len() >= MAX_IMPORTS {
                    imports.remove(0);
                }
                imports.push((name.clone(), Rc::clone(&lesson)));
                self.open_lesson(Source::Imported(name), lesson, true);
            }
            Err(mistakes) => {
                let count = match mistakes.len() {
                    1 => "1 mistake".to_string(),
                    n if n > MAX_LISTED => {
                        format!("more than {MAX_LISTED} mistakes, the first {MAX_LISTED} listed")
                    }
                    n => format!("{n} mistakes"),
                };
                self.notice = Some(Notice {
                    error: true,
                    title: format!(
                        "{} could not be imported: {count}. The lesson shown has not changed.",
                        clip(name, 80)
                    ),
                    details: mistakes.iter().map(view::file_error).collect(),
                });
            }
        }
    }

    fn load_builtin(&mut self, id: &str) {
        match catalog::find(id).map(|e| e.lesson) {
            Some(Ok(lesson)) => {
                self.open_lesson(Source::BuiltIn(id.to_string()), lesson, false);
            }
            Some(Err(e)) => {
                self.notice = Some(Notice {
                    error: true,
                    title: format!("The lesson `{id}` cannot be read."),
                    details: vec![lesson_error(&e)],
                });
            }
            None => {
                self.notice = Some(Notice {
                    error: true,
                    title: format!("There is no lesson called `{}`.", clip(id, 60)),
                    details: Vec::new(),
                });
            }
        }
    }
}

/// Imported lessons the picker keeps (the oldest goes first).
pub const MAX_IMPORTS: usize = 20;

/// Lessons up to this many steps have their `expect`s checked under every profile they
/// declare when imported (a few tens of milliseconds each); longer ones only under the
/// profile shown, and the notice says which profiles were left to `ioasid-sim run`.
pub const CHECK_ALL_PROFILES_STEPS: usize = 20_000;

/// The `expect`s of an imported lesson that fail, under the profile of `trace` and every
/// other profile the lesson declares, as the command line names them (the first few);
/// `None` when all hold.
fn expect_notice(lesson: &Lesson, trace: &Trace) -> Option<Notice> {
    const SHOWN: usize = 5;
    let several = lesson.profiles.len() > 1;
    let line = |s: &StepTrace, profile: Profile| {
        let miss = s.missed_expectation()?;
        let under = if several {
            format!(" under {profile}")
        } else {
            String::new()
        };
        Some(format!("Step {} ({}){under}: {miss}.", s.index + 1, s.op))
    };
    let mut details: Vec<String> = trace
        .steps
        .iter()
        .filter_map(|s| line(s, trace.profile))
        .collect();
    let mut counts = vec![(trace.profile, details.len())];
    let mut unchecked = Vec::new();
    for &p in lesson.profiles.iter().filter(|&&p| p != trace.profile) {
        let Ok(knobs) = lesson.knobs_for(p) else {
            continue;
        };
        if lesson.steps.len() > CHECK_ALL_PROFILES_STEPS {
            unchecked.push(p.name());
            continue;
        }
        let before = details.len();
        run_streaming(lesson.steps.iter().cloned(), p, knobs, |s| {
            details.extend(line(s, p));
        });
        counts.push((p, details.len() - before));
    }
    let failed = details.len();
    if failed == 0 {
        return None;
    }
    if failed > SHOWN {
        details.truncate(SHOWN);
        details.push(format!("… and {} more.", failed - SHOWN));
    }
    if !unchecked.is_empty() {
        details.push(format!(
            "Not checked here under {} (a long lesson): `ioasid-sim run` checks them.",
            unchecked.join(", ")
        ));
    }
    let by_profile: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(p, n)| format!("{n} under {p}"))
        .collect();
    let verb = if failed == 1 { "fails" } else { "fail" };
    let title = match by_profile.as_slice() {
        [one] => format!("{failed} of this lesson's expectations {verb} ({one})."),
        _ => format!(
            "{failed} of this lesson's expectations {verb}: {}.",
            by_profile.join(", ")
        ),
    };
    Some(Notice {
        error: false,
        title,
        details,
    })
}

/// At most `max` characters of `s` (with an ellipsis when cut), for echoing user text.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

/// The lesson part of a URL: a built-in lesson's id or the whole lesson encoded, and the
/// sandbox's steps. `None` when the run is too big for a link.
pub fn url_lesson_part(source: &Source, base: &Lesson, extra: &[Step]) -> Option<UrlState> {
    if base.steps.len() + extra.len() > MAX_URL_STEPS {
        return None;
    }
    let mut u = UrlState::default();
    match source {
        Source::BuiltIn(id) if !id.is_empty() => u.lesson = Some(id.clone()),
        _ => {
            let enc = b64::encode(base.to_json().to_string().as_bytes());
            if enc.len() > MAX_URL_RUN {
                return None;
            }
            u.run = Some(enc);
        }
    }
    if !extra.is_empty() {
        let steps: Vec<Value> = extra.iter().map(Step::to_json).collect();
        let enc = b64::encode(Value::Array(steps).to_string().as_bytes());
        if enc.len() > MAX_URL_RUN {
            return None;
        }
        u.extra = Some(enc);
    }
    Some(u)
}

fn decode_text(enc: &str) -> Result<String, String> {
    let bytes = b64::decode(enc).ok_or("it is not base64url text")?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}

fn decode_run(enc: &str) -> Result<Lesson, String> {
    let text = decode_text(enc)?;
    Lesson::parse(&text).map_err(|e| view::lesson_error(&e))
}

fn decode_extra(base: &Lesson, enc: &str) -> Result<Vec<Step>, String> {
    let text = decode_text(enc)?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Array(items) = v else {
        return Err("not a list of steps".into());
    };
    let mut lesson = base.clone();
    let mut out = Vec::with_capacity(items.len());
    for (k, item) in items.into_iter().enumerate() {
        let step = parse_step(base.steps.len() + k, item).map_err(|e| lesson_error(&e))?;
        lesson.check_appended(&step).map_err(|e| lesson_error(&e))?;
        lesson.steps.push(step.clone());
        out.push(step);
    }
    Ok(out)
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Next => {
                if s.pending_question().is_some() || s.pos >= s.len() {
                    return self;
                }
                s.seek(s.pos + 1);
            }
            Action::Prev => {
                if s.pos == 0 {
                    return self;
                }
                s.seek(s.pos - 1);
                s.playing = false;
            }
            Action::First => {
                s.seek(0);
                s.playing = false;
            }
            Action::Last => {
                s.seek(s.len());
                s.playing = false;
            }
            Action::Seek(p) => {
                s.seek(p);
            }
            Action::Play => {
                if s.is_empty() || s.request.is_some() || s.pending_question().is_some() {
                    return self;
                }
                if s.pos >= s.len() {
                    s.seek(0);
                }
                s.playing = true;
            }
            Action::Pause => {
                if !s.playing {
                    return self;
                }
                s.playing = false;
            }
            Action::TogglePlay => {
                let a = if s.playing {
                    Action::Pause
                } else {
                    Action::Play
                };
                return self.reduce(a);
            }
            Action::Tick => {
                if !s.playing {
                    return self;
                }
                if s.pending_question().is_some() || s.pos >= s.len() {
                    s.playing = false;
                } else {
                    s.seek(s.pos + 1);
                    if s.pending_question().is_some() || s.pos >= s.len() {
                        s.playing = false;
                    }
                }
            }
            Action::SetSpeed(i) => {
                if i >= SPEEDS.len() || i == s.speed {
                    return self;
                }
                s.speed = i;
            }
            Action::Faster => {
                if s.speed + 1 >= SPEEDS.len() {
                    return self;
                }
                s.speed += 1;
            }
            Action::Slower => {
                if s.speed == 0 {
                    return self;
                }
                s.speed -= 1;
            }
            Action::LoadLesson(id) => s.load_builtin(&id),
            Action::LoadLessonText { name, text } => s.load_text(&name, &text),
            Action::OpenImport(i) => {
                let Some((name, lesson)) = s.imports.get(i).cloned() else {
                    return self;
                };
                s.open_lesson(Source::Imported(name), lesson, false);
            }
            Action::OpenUrl(query) => {
                let (u, unknown) = UrlState::parse(&query);
                let mut fresh = AppState::from_url(&u, &unknown, s.theme);
                fresh.speed = s.speed;
                fresh.imports = Rc::clone(&s.imports);
                // Run generations go on from the old state's, so that a late result of
                // its run is not taken for the new one's.
                fresh.next_gen += s.next_gen;
                if let Some(r) = &mut fresh.request {
                    r.gen += s.next_gen;
                }
                s = fresh;
            }
            Action::SetProfile(p) => {
                if p == s.profile {
                    return self;
                }
                s.profile = p;
                s.overrides = Map::new();
                s.recompute();
            }
            Action::SetKnob(name, value) => {
                let base = knobs_with(&s.base, s.profile, &Map::new())
                    .ok()
                    .and_then(|k| serde_json::to_value(k).ok())
                    .and_then(|v| v.get(&name).cloned());
                if base.as_ref() == Some(&value) {
                    s.overrides.remove(&name);
                } else {
                    s.overrides.insert(name, value);
                }
                s.recompute();
            }
            Action::ResetKnobs => {
                if s.overrides.is_empty() {
                    return self;
                }
                s.overrides = Map::new();
                s.recompute();
            }
            Action::AppendOp(text) => s.append(&text),
            Action::Undo => s.undo(),
            Action::SetTheme(t) => {
                if t == s.theme {
                    return self;
                }
                s.theme = t;
            }
            Action::AnswerQuestion { step, choice } => {
                if s.answers.contains_key(&step) {
                    return self;
                }
                Rc::make_mut(&mut s.answers).insert(step, choice);
                Rc::make_mut(&mut s.passed_questions).retain(|i| *i != step);
                if s.index() == Some(step) {
                    s.world = Rc::new(s.trace.world_after(step));
                }
            }
            Action::AnswerPending(choice) => {
                let Some(step) = s.pending_question() else {
                    return self;
                };
                let n = s
                    .trace
                    .ops
                    .get(step)
                    .and_then(|o| o.ask.as_ref())
                    .map_or(0, |q| q.choices.len());
                if choice >= n {
                    return self;
                }
                Rc::make_mut(&mut s.answers).insert(step, Some(choice));
                Rc::make_mut(&mut s.passed_questions).retain(|i| *i != step);
                s.world = Rc::new(s.trace.world_after(step));
            }
            Action::Progress { gen, done, total } => {
                if s.request.as_ref().map(|r| r.gen) != Some(gen) {
                    return self;
                }
                s.progress = Some(Progress { done, total });
            }
            Action::Computed { gen, trace } => {
                let Some(req) = s.request.take() else {
                    return self;
                };
                if req.gen != gen {
                    s.request = Some(req);
                    return self;
                }
                s.progress = None;
                s.install(trace, req.keep);
            }
            Action::DismissNotice => {
                if s.notice.is_none() {
                    return self;
                }
                s.notice = None;
            }
            Action::ShowNotice(n) => s.notice = Some(n),
        }
        s.rev = self.rev.wrapping_add(1);
        Rc::new(s)
    }
}

/// The context every component reads: the state and its dispatcher.
pub type AppContext = UseReducerHandle<AppState>;

#[cfg(test)]
mod tests {
    use super::*;

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
                choice: Some(0),
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
                choice: Some(0),
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
            let answered = act(at, Action::AnswerPending(0));
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
        let good = r#"{"format":1,"title":"Mine","profile":"v5.5","steps":[{"op":"alloc","min":1,"max":2}]}"#;
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
        let trace = Runner::new(&req.lesson, req.profile, req.knobs.clone(), true).finish();
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
}
