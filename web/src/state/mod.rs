//! The app's one state and its one `Action` enum, shared through a `ContextProvider`.
//!
//! The state holds the run (`Rc<Trace>`) and a cursor `pos` over it: 0 is the start (the
//! lesson's intro, nothing run yet), `i` is "Step i of N" (step `i - 1` of the trace has
//! run). The worlds shown are kept here, computed only when the cursor or the trace
//! changes. Long runs are computed in chunks by `hooks::use_run_job`: the reducer only
//! files a [`RunRequest`] and takes the finished trace back with `Action::Computed`.
//!
//! Here are the state, its actions and the reducer, with the run and the cursor; the
//! state's other jobs are in child modules: `link` (the state a link names, and the link
//! to the state shown), `import` (lesson files, and their `expect`s under every profile),
//! `sandbox` (steps appended and taken back), `questions` (which question waits, which
//! ones a jump passed, answers), `export` (the run as a lesson file), `speed` and `theme`.
use crate::catalog;
use crate::link::Link;
use ioasid_core::lesson::{Lesson, LessonError, Step};
pub use ioasid_core::quiz::Reply;
use ioasid_core::space::World;
use ioasid_core::{Knobs, Profile, Runner, Trace};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

mod export;
mod import;
mod link;
mod questions;
mod sandbox;
mod speed;
#[cfg(test)]
mod tests;
mod theme;

use import::expect_notice;
pub use import::{CHECK_ALL_PROFILES_STEPS, MAX_IMPORTS, READ_IN_CHUNKS_BYTES};
pub use link::link_to_lesson;
pub use sandbox::SandboxStatus;
pub use speed::{Speed, DEFAULT_SPEED, SPEEDS};
pub use theme::Theme;

/// Runs up to this many steps are computed at once; longer ones in chunks.
pub const SYNC_STEPS: usize = 2_000;

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
    /// The lesson and the sandbox's steps after it, shared with the state: the run
    /// copies each step as it comes to it.
    pub lesson: Rc<Lesson>,
    pub extra: Rc<Vec<Step>>,
    pub profile: Profile,
    pub knobs: Knobs,
    /// The cursor to show once it is computed (clamped).
    pub keep: usize,
}

/// A lesson file to read in chunks (`hooks::use_read_job`), then import.
#[derive(Clone, Debug)]
pub struct ReadRequest {
    pub gen: u64,
    /// The file's name.
    pub name: String,
    pub text: Rc<String>,
}

/// How far a chunked run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

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
    /// Show what a link names (an address read, its run unpacked).
    OpenLink(Rc<Link>),
    /// The run shown is too long for a link (the link's length, when known): say so.
    LinkTooLong(Option<usize>),
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
    /// The learner's answer to the question of step `step` (a choice, an ID picked or
    /// typed, an errno typed, or skipped).
    AnswerQuestion {
        step: usize,
        reply: Reply,
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
    /// A lesson file read in chunks moved on (steps parsed of `total`).
    ReadProgress {
        gen: u64,
        done: usize,
        total: usize,
    },
    /// A lesson file read in chunks is parsed: import it (or report its mistakes).
    Read {
        gen: u64,
        lesson: Rc<Result<Lesson, Vec<LessonError>>>,
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
    /// Answers to questions, by step index (each recorded once: the first answer).
    pub answers: Rc<BTreeMap<usize, Reply>>,
    /// The questions (step indexes) the last jump forward (Last, a seek) passed without
    /// an answer, so the player can say so; empty after any other move.
    pub passed_questions: Rc<Vec<usize>>,
    pub notice: Option<Notice>,
    /// The page's address holds a link that could not be shown: it stays as it was while
    /// the lesson shown instead (this `Rc` of `base`, by address) is.
    pub keep_address: Option<usize>,
    pub sandbox: SandboxStatus,
    /// A run being computed in chunks, and how far it is.
    pub request: Option<RunRequest>,
    pub progress: Option<Progress>,
    /// A lesson file being read in chunks, and how far it is.
    pub reading: Option<ReadRequest>,
    pub read_progress: Option<Progress>,
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
    Runner::from_lesson(catalog::empty_lesson(), profile, knobs, true).finish()
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
            keep_address: None,
            sandbox: SandboxStatus::default(),
            request: None,
            progress: None,
            reading: None,
            read_progress: None,
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
            let (base, extra) = (Rc::clone(&self.base), Rc::clone(&self.extra));
            let trace =
                Runner::shared(base, extra, self.profile, self.knobs.clone(), true).finish();
            self.request = None;
            self.progress = None;
            self.install(Rc::new(trace), keep);
        } else {
            self.playing = false;
            self.request = Some(RunRequest {
                gen,
                lesson: Rc::clone(&self.base),
                extra: Rc::clone(&self.extra),
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
    /// and its world, to reuse as the world before the step shown when moving one step on.
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
            // `before` is the world before step i: run that one step on it, rather than
            // replay from a snapshot (thousands of steps back among many processes).
            Rc::new(self.trace.world_after_step(i, &self.before))
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
    /// Shows another lesson from its start, saying where this one's sandbox steps are.
    /// `check_expects`: report its failed `expect`s once its run is computed (an import).
    fn open_lesson(&mut self, source: Source, lesson: Rc<Lesson>, check_expects: bool) {
        let left = self.sandbox_left_behind();
        // A file still being read is not imported over the lesson opened now.
        self.reading = None;
        self.read_progress = None;
        self.set_lesson(source, lesson);
        self.notice = left;
        // After `set_lesson`, whose blank run must not take the flag.
        self.check_expects = check_expects;
        self.start_run(0);
    }

    fn load_builtin(&mut self, id: &str) {
        match catalog::lesson(id) {
            Some(Ok(lesson)) => {
                self.open_lesson(Source::BuiltIn(id.to_string()), lesson, false);
            }
            Some(Err(e)) => {
                self.notice = Some(Notice {
                    error: true,
                    title: format!("The lesson `{id}` cannot be read."),
                    details: vec![e],
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

pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
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
            Action::LoadLessonText { name, text } => s.load_text(&name, text),
            Action::OpenImport(i) => {
                let Some((name, lesson)) = s.imports.get(i).cloned() else {
                    return self;
                };
                s.open_lesson(Source::Imported(name), lesson, false);
            }
            Action::OpenUrl(query) => s = s.reopen(&Link::parse(&query)),
            Action::OpenLink(link) => s = s.reopen(&link),
            Action::LinkTooLong(chars) => s.link_too_long(chars),
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
            Action::AnswerQuestion { step, reply } => {
                if s.answers.contains_key(&step) {
                    return self;
                }
                s.record_answer(step, reply);
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
                s.record_answer(step, Reply::Choice(choice));
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
            Action::ReadProgress { gen, done, total } => {
                if s.reading.as_ref().map(|r| r.gen) != Some(gen) {
                    return self;
                }
                s.read_progress = Some(Progress { done, total });
            }
            Action::Read { gen, lesson } => {
                let Some(req) = s.reading.take_if(|r| r.gen == gen) else {
                    return self;
                };
                s.read_progress = None;
                let lesson = Rc::try_unwrap(lesson).unwrap_or_else(|rc| (*rc).clone());
                s.load_parsed(&req.name, lesson);
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
